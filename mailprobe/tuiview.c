#include "tuiview.h"

#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "tui.h"

#define HIST 240

struct row {
	struct nk_strip_cell hist[HIST];
	size_t n_hist;
	enum nk_state st;
	char text[256];
};

struct view {
	const struct mp_target *tgs;
	struct mp_result *res;
	struct row *rows;
	unsigned n;
	double scale_ms;
};

static volatile sig_atomic_t tui_stop;

static void
on_sig(int s)
{
	(void)s;
	tui_stop = 1;
}

static const struct nk_tui_col cols[] = {
	{"target", 30, false, 16},
	{"state", 8, false, 5},
	{"total ms", 9, true, 0},
	{"tls ms", 7, true, 0},
	{"banner", 7, true, 0},
	{"login", 7, true, 0},
	{"total time per round", 0, false, 10},
};

static void
fmt_ms(char *buf, size_t len, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", (double)ns / 1e6);
}

static const char *
cell(void *ctx, size_t r, size_t c, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	struct view *v = ctx;
	const struct mp_result *res = &v->res[r];
	const struct mp_target *t = &v->tgs[r];

	switch (c) {
	case 0:
		snprintf(buf, len, "%s %s:%u", t->service, t->host, t->port);
		return buf;
	case 1:
		return v->rows[r].n_hist ? nk_state_name(v->rows[r].st) : "...";
	case 2:
		fmt_ms(buf, len, v->rows[r].n_hist ? res->total_ns : -1);
		return buf;
	case 3:
	case 4:
	case 5:
		/* no result yet: "-", not the zeroed struct's 0.0 */
		fmt_ms(buf, len, v->rows[r].n_hist == 0 ? -1
		    : c == 3			     ? res->tls_ns
		    : c == 4			     ? res->banner_ns
						     : res->login_ns);
		return buf;
	default:
		nk_tui_strip(tui, y, x, width, v->rows[r].hist,
		    v->rows[r].n_hist, v->scale_ms);
		return NULL;
	}
}

/* A finished probe's result becomes row i's latest and a strip cell. */
static void
record(struct view *v, unsigned i, const struct mp_result *r,
    const struct mp_judge *j)
{
	struct row *rw = &v->rows[i];
	struct nk_strip_cell c;
	double mx = 1.0;

	v->res[i] = *r;
	rw->st = mp_report_judge(r, j, rw->text, sizeof(rw->text));
	c.value = (float)((double)r->total_ns / 1e6);
	c.mark = !r->ok			? NK_STRIP_LOSS
	    : rw->st != NK_STATE_OK ? NK_STRIP_ALARM
				    : NK_STRIP_VALUE;
	if (rw->n_hist == HIST) {
		memmove(rw->hist, rw->hist + 1,
		    (HIST - 1) * sizeof(rw->hist[0]));
		rw->n_hist--;
	}
	rw->hist[rw->n_hist++] = c;
	for (unsigned k = 0; k < v->n; k++)
		for (size_t h = 0; h < v->rows[k].n_hist; h++)
			if (v->rows[k].hist[h].mark == NK_STRIP_VALUE &&
			    v->rows[k].hist[h].value > mx)
				mx = v->rows[k].hist[h].value;
	v->scale_ms = mx;
}

static void
draw(struct nk_tui *tui, struct nk_tui_table *tab, struct view *v,
    unsigned round, int left_probes, int64_t next)
{
	int rows, colsn;
	char left[160], right[96];
	unsigned n = v->n;

	nk_tui_size(tui, &rows, &colsn);
	nk_tui_begin(tui);
	nk_tui_table_draw(tui, tab, 0, 0, rows - 3, colsn, n, cell, v);
	if (tab->selected < n)
		nk_tui_text(tui, rows - 3, 0, colsn,
		    v->rows[tab->selected].st == NK_STATE_OK ? NK_TUI_GOOD
							     : NK_TUI_BAD,
		    v->rows[tab->selected].text);
	nk_tui_help(tui, "q:quit  space:probe now  arrows:select");
	snprintf(left, sizeof(left), "mailprobe: %u targets, round %u", n,
	    round);
	if (left_probes > 0)
		snprintf(right, sizeof(right), "probing: %d of %u pending",
		    left_probes, n);
	else
		snprintf(right, sizeof(right), "next in %.0f s",
		    (double)(next - nk_clock_mono_ns()) / 1e9);
	nk_tui_status(tui, left, right);
	nk_tui_end(tui);
}

/*
 * One loop: a round's probes run through the curl multi handle in steps,
 * with the tty as an extra wait fd, so keys, resizes and the redraw timer
 * are served while a probe waits for a silent server. The round in
 * progress fills `pend`; each probe's row is updated as soon as it is done.
 */
int
mp_tui_run(const struct mp_target *tgs, unsigned n, const struct mp_opts *o,
    const struct mp_judge *j, int64_t interval_ns)
{
	const int64_t redraw_ns = 250 * NK_NS_PER_MS;
	struct nk_tui *tui = NULL;
	struct nk_err err = {{0}};
	struct nk_tui_table tab;
	struct mp_batch *batch = NULL;
	struct mp_result *pend = NULL;
	bool *taken = NULL;
	struct view v;
	struct sigaction sa;
	int64_t next, next_draw = 0;
	unsigned round = 0;
	int rc = 0, left = 0;

	memset(&v, 0, sizeof(v));
	memset(&tab, 0, sizeof(tab));
	tab.cols = cols;
	tab.n_cols = sizeof(cols) / sizeof(cols[0]);
	tab.sort_col = -1;
	(void)setlocale(LC_ALL, "");
	if (nk_tui_open(&tui, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return 3;
	}
	v.tgs = tgs;
	v.n = n;
	v.res = calloc(n, sizeof(*v.res));
	v.rows = calloc(n, sizeof(*v.rows));
	pend = calloc(n, sizeof(*pend));
	taken = calloc(n, sizeof(*taken));
	if (v.res == NULL || v.rows == NULL || pend == NULL ||
	    taken == NULL) {
		rc = 3;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	next = nk_clock_mono_ns();
	while (!tui_stop) {
		int64_t now = nk_clock_mono_ns(), until;
		int wait_ms, key;
		bool dirty = false;

		if (batch == NULL && now >= next) {
			memset(pend, 0, n * sizeof(*pend));
			memset(taken, 0, n * sizeof(*taken));
			if (mp_batch_start(&batch, tgs, pend, n, o, &err) !=
			    0) {
				rc = 3;
				break;
			}
			left = (int)n;
			dirty = true;
		}
		until = next_draw;
		if (batch == NULL && next < until)
			until = next;
		wait_ms = until > now ? (int)((until - now) / NK_NS_PER_MS)
				      : 0;
		if (batch != NULL) {
			left = mp_batch_step(batch, nk_tui_fd(tui), wait_ms,
			    NULL, &err);
			if (left < 0) {
				rc = 3;
				break;
			}
			for (unsigned i = 0; i < n; i++)
				if (pend[i].done && !taken[i]) {
					/* shown as soon as it is in */
					record(&v, i, &pend[i], j);
					taken[i] = true;
					dirty = true;
				}
			if (left == 0) {
				mp_batch_free(batch);
				batch = NULL;
				round++;
				next += interval_ns;
				if (next < nk_clock_mono_ns())
					next = nk_clock_mono_ns() +
					    interval_ns;
				dirty = true;
			}
		} else {
			struct pollfd p = {nk_tui_fd(tui), POLLIN, 0};
			(void)poll(&p, 1, wait_ms);
		}
		while ((key = nk_tui_getkey(tui)) != -1) {
			dirty = true;
			if (key == 'q' || key == 'Q')
				tui_stop = 1;
			else if (key == ' ' && batch == NULL)
				next = nk_clock_mono_ns();
			else if (key != NK_TUI_KEY_RESIZE) {
				int rows, colsn;
				nk_tui_size(tui, &rows, &colsn);
				(void)nk_tui_table_key(&tab, key, n, rows - 4);
			}
		}
		if (tui_stop)
			break;
		now = nk_clock_mono_ns();
		if (dirty || now >= next_draw) {
			draw(tui, &tab, &v, round, batch ? left : 0, next);
			next_draw = now + redraw_ns;
		}
	}
out:
	mp_batch_free(batch); /* 'q' mid-round: pending probes cancelled */
	nk_tui_close(tui);
	free(v.res);
	free(v.rows);
	free(pend);
	free(taken);
	return rc;
}
