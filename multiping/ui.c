/* ui: the ncurses face over lib/tui. */
#include "ui.h"

#include <math.h>
#include <ncurses.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "probe.h"
#include "report.h"
#include "stats.h"
#include "tui.h"

#define UI_REDRAW_NS (500 * NK_NS_PER_MS)

/* Least important on the right: at 80 columns the last ones are dropped
 * and the RTT strip keeps at least 16 cells; a wide screen shows them all
 * and gives the strip the rest. */
enum { COL_TARGET, COL_LABEL, COL_SENT, COL_LOSS, COL_AVG, COL_P95, COL_RUN,
	COL_STRIP, COL_LAST, COL_CLASS, N_COLS };

static const struct nk_tui_col ui_cols[N_COLS] = {
    {"target", 16, false, 10},
    {"group", 10, false, 0},
    {"sent", 5, true, 0},
    {"loss%", 6, true, 0},
    {"avg", 8, true, 0},
    {"p95", 8, true, 0},
    {"run", 4, true, 0},
    {"rtt per probe (x lost)", 0, false, 16},
    {"last", 8, true, 0},
    {"class", 10, false, 0},
};

struct mp_ui {
	struct nk_tui *tui;
	struct nk_tui_table table;
	struct mp_engine *e;
	struct mp_report *r;
	size_t *order;
	struct mp_summary *sum; /* per target, refreshed each frame */
	struct nk_strip_cell *cells;
	bool paused;
	uint32_t back; /* strip scroll-back in probes */
};

int
mp_ui_open(struct mp_ui **out, struct nk_err *err)
{
	struct mp_ui *ui = calloc(1, sizeof(*ui));

	if (ui == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	if (nk_tui_open(&ui->tui, err)) {
		free(ui);
		return -1;
	}
	ui->table.cols = ui_cols;
	ui->table.n_cols = N_COLS;
	ui->table.sort_col = COL_TARGET;
	*out = ui;
	return 0;
}

void
mp_ui_close(struct mp_ui *ui)
{
	if (ui == NULL)
		return;
	nk_tui_close(ui->tui);
	free(ui->order);
	free(ui->sum);
	free(ui->cells);
	free(ui);
}

static double
key_of(const struct mp_ui *ui, size_t t)
{
	const struct mp_summary *s = &ui->sum[t];
	switch (ui->table.sort_col) {
	case COL_SENT: return (double)s->sent;
	case COL_LOSS: return s->loss_pct;
	case COL_LAST: return ui->e->ts->v[t].st.last_rtt_ms;
	case COL_AVG: return isnan(s->avg_ms) ? 1e18 : s->avg_ms;
	case COL_P95: return isnan(s->p95_ms) ? 1e18 : s->p95_ms;
	case COL_RUN: return (double)s->run_cur * 1e6 + s->run_longest;
	default: return (double)t;
	}
}

static int
cmp_rows(void *ctx, size_t a, size_t b)
{
	const struct mp_ui *ui = ctx;
	long ga = ui->e->ts->v[a].group, gb = ui->e->ts->v[b].group;

	if (ga != gb) /* grouped by the config's groups, ungrouped last */
		return ga < 0 ? 1 : gb < 0 ? -1 : (ga > gb) - (ga < gb);
	double ka = key_of(ui, a), kb = key_of(ui, b);
	int c = (ka > kb) - (ka < kb);
	return ui->table.sort_desc ? -c : c;
}

static void
fmt_ms(char *buf, size_t len, double ms)
{
	if (isnan(ms) || ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 10)
		snprintf(buf, len, "%.3f", ms);
	else
		snprintf(buf, len, "%.1f", ms);
}

static const char *
cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	struct mp_ui *ui = ctx;
	size_t t = ui->order[row];
	const struct mp_target *tg = &ui->e->ts->v[t];
	const struct mp_summary *s = &ui->sum[t];

	switch (col) {
	case COL_TARGET: return tg->name;
	case COL_LABEL: /* the group first: rows are grouped by it */
		if (tg->group >= 0)
			return ui->e->topo->groups[tg->group].name;
		return tg->label;
	case COL_SENT:
		snprintf(buf, len, "%llu", (unsigned long long)s->sent);
		return buf;
	case COL_LOSS:
		snprintf(buf, len, "%.1f", s->loss_pct);
		return buf;
	case COL_LAST: fmt_ms(buf, len, tg->st.last_rtt_ms); return buf;
	case COL_AVG: fmt_ms(buf, len, s->avg_ms); return buf;
	case COL_P95: fmt_ms(buf, len, s->p95_ms); return buf;
	case COL_RUN:
		snprintf(buf, len, "%u", s->run_cur ? s->run_cur : s->run_longest);
		return buf;
	case COL_CLASS: return mp_stats_class(&tg->st, ui->e->o.occ_pct);
	default: break;
	}
	if (col != COL_STRIP)
		return "";
	/* the strip: the last probes of the window, minus the scroll-back */
	const struct mp_stats *st = &tg->st;
	uint32_t end = st->next_seq > ui->back ? st->next_seq - ui->back : 0;
	uint32_t lo = st->next_seq > st->window ? st->next_seq - st->window : 0;
	size_t n = 0;
	double mx = 0;
	for (uint32_t q = lo; q < end; q++) {
		const struct mp_slot *sl = mp_stats_slot(st, q);
		struct nk_strip_cell *c = &ui->cells[n++];
		c->value = 0;
		c->mark = NK_STRIP_EMPTY;
		if (sl == NULL)
			continue;
		if (sl->state == MP_SLOT_REPLY) {
			c->mark = NK_STRIP_VALUE;
			c->value = (float)sl->rtt_us / 1000.0f;
			if (c->value > mx)
				mx = c->value;
		} else if (sl->state == MP_SLOT_LOST ||
		    sl->state == MP_SLOT_ERROR) {
			c->mark = NK_STRIP_LOSS;
		} else if (sl->state == MP_SLOT_LATE) {
			c->mark = NK_STRIP_LATE;
		}
	}
	nk_tui_strip(tui, y, x, width, ui->cells, n, mx > 0 ? mx : 1);
	return NULL;
}

static void
draw(struct mp_ui *ui)
{
	struct mp_engine *e = ui->e;
	int rows, cols;
	char top[512], right[128];

	for (size_t t = 0; t < e->ts->n; t++)
		mp_stats_summary(&e->ts->v[t].st, &ui->sum[t]);
	for (size_t t = 0; t < e->ts->n; t++)
		ui->order[t] = t;
	nk_tui_sort_index(ui->order, e->ts->n, cmp_rows, ui);
	nk_tui_begin(ui->tui);
	nk_tui_size(ui->tui, &rows, &cols);
	snprintf(top, sizeof(top), "multiping  %zu targets  every %.3g s%s  "
	    "round %u  v4 %s  v6 %s%s", e->ts->n,
	    (double)e->o.interval_ns / 1e9, e->mixed ? " (mixed)" : "",
	    e->close_round,
	    mp_probe_kind(&e->f4), mp_probe_kind(&e->f6),
	    ui->paused ? "  [PAUSED]" : "");
	nk_tui_text(ui->tui, 0, 0, cols, NK_TUI_HEADER, top);
	if (ui->r->n_corr > 0)
		nk_tui_text(ui->tui, 1, 0, cols, NK_TUI_BAD,
		    ui->r->corr[ui->r->n_corr - 1]);
	else
		nk_tui_text(ui->tui, 1, 0, cols, NK_TUI_DIM,
		    "no correlated loss so far");
	int h = rows - 4;
	if (h > 1)
		(void)nk_tui_table_draw(ui->tui, &ui->table, 2, 0, h, cols,
		    e->ts->n, cell, ui);
	nk_tui_help(ui->tui, "q quit  p pause  Left/Right history  < > sort  "
			     "r reverse  Up/Down/PgUp/PgDn rows");
	snprintf(right, sizeof(right), "back %u  foreign %llu mangled %llu",
	    ui->back, (unsigned long long)e->n_foreign,
	    (unsigned long long)e->n_mangled);
	nk_tui_status(ui->tui, ui->r->n_corr ? "correlated loss seen" : "ok",
	    right);
	nk_tui_end(ui->tui);
}

static void
on_key(struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now)
{
	struct mp_ui *ui = ctx;
	int rows, cols, k;

	(void)fd;
	(void)revents;
	(void)now;
	nk_tui_size(ui->tui, &rows, &cols);
	(void)cols;
	while ((k = nk_tui_getkey(ui->tui)) != -1) {
		if (k == 'q' || k == 'Q') {
			nk_loop_stop(loop);
			return;
		}
		if (k == 'p' || k == ' ')
			ui->paused = !ui->paused;
		else if (k == KEY_LEFT && ui->back + 10 < ui->e->max_window)
			ui->back += 10;
		else if (k == KEY_RIGHT)
			ui->back = ui->back >= 10 ? ui->back - 10 : 0;
		else
			(void)nk_tui_table_key(&ui->table, k, ui->e->ts->n,
			    rows - 5);
	}
	draw(ui);
}

static void
on_tick(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mp_ui *ui = ctx;

	if (!ui->paused)
		draw(ui);
	(void)nk_loop_timer_add(loop, now_ns + UI_REDRAW_NS, on_tick, ui);
}

int
mp_ui_attach(struct mp_ui *ui, struct mp_engine *e, struct mp_report *r,
    struct nk_loop *loop, struct nk_err *err)
{
	ui->e = e;
	ui->r = r;
	ui->order = calloc(e->ts->n ? e->ts->n : 1, sizeof(*ui->order));
	ui->sum = calloc(e->ts->n ? e->ts->n : 1, sizeof(*ui->sum));
	ui->cells = calloc(e->max_window + 1, sizeof(*ui->cells));
	if (ui->order == NULL || ui->sum == NULL || ui->cells == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	if (nk_loop_add_fd(loop, nk_tui_fd(ui->tui), POLLIN, on_key, ui)) {
		nk_err_set(err, "event loop: cannot watch the terminal");
		return -1;
	}
	(void)nk_loop_timer_add(loop, nk_loop_now_ns(loop), on_tick, ui);
	return 0;
}
