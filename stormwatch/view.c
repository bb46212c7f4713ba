/*
 * view: stormwatch's ncurses face (lib/tui): rate strips of group-MAC and
 * bad-checksum frames per second, the storm state, kernel drops, and the
 * offenders table (sortable, vendor column). Redrawn on the loop's timer,
 * never per packet.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "tui.h"

#define VIEW_MAX_ROWS 4096

enum {
	COL_IP,
	COL_MAC,
	COL_VENDOR,
	COL_VLAN,
	COL_ROLE,
	COL_COPIES,
	COL_BCAST,
	COL_TTL,
	COL_LAST,
	N_COLS
};

static const struct nk_tui_col cols[N_COLS] = {
    /* at 80 columns: LAST SEEN is left out and VENDOR keeps 9 cells,
       enough for "NETGEAR" (tests/integration/stormwatch_tui.sh) */
    {"IP", 15, false, 7},
    {"MAC", 17, false, 17},
    {"VENDOR", 0, false, 7},
    {"VLAN", 4, true, 4},
    {"ROLE", 9, false, 4},
    {"COPIES", 7, true, 6},
    {"BCAST", 7, true, 5},
    {"TTL", 5, true, 4},
    {"LAST SEEN", 12, false, 8},
};

struct sw_view {
	struct nk_tui *tui;
	struct nk_tui_table table;
	size_t idx[VIEW_MAX_ROWS];
	size_t n_rows;
	const struct sw_detect *d;
	const struct sw_report *r;
};

int
sw_view_open(struct sw_view **out, struct nk_err *err)
{
	struct sw_view *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		nk_err_set(err, "view: out of memory");
		return -1;
	}
	if (nk_tui_open(&v->tui, err) < 0) {
		free(v);
		return -1;
	}
	v->table.cols = cols;
	v->table.n_cols = N_COLS;
	v->table.sort_col = COL_COPIES;
	v->table.sort_desc = true;
	*out = v;
	return 0;
}

void
sw_view_close(struct sw_view *v)
{
	if (v == NULL)
		return;
	nk_tui_close(v->tui);
	free(v);
}

int
sw_view_fd(const struct sw_view *v)
{
	return nk_tui_fd(v->tui);
}

static int
cmp_rows(void *ctx, size_t a, size_t b)
{
	struct sw_view *v = ctx;
	const struct sw_source *x = sw_detect_source(v->d, a);
	const struct sw_source *y = sw_detect_source(v->d, b);
	int c = 0;

	switch (v->table.sort_col) {
	case COL_IP:
		c = nk_addr_cmp(&x->ip, &y->ip);
		break;
	case COL_MAC:
		c = memcmp(x->mac.b, y->mac.b, 6);
		break;
	case COL_VENDOR:
		c = strcmp(sw_report_vendor(v->r, x->has_mac, &x->mac),
		    sw_report_vendor(v->r, y->has_mac, &y->mac));
		break;
	case COL_VLAN:
		c = (int)x->vlan - (int)y->vlan;
		break;
	case COL_ROLE:
		c = (int)x->roles - (int)y->roles;
		break;
	case COL_BCAST:
		c = x->group_frames < y->group_frames
		    ? -1
		    : x->group_frames > y->group_frames;
		break;
	case COL_TTL:
		c = (int)x->ttl_min - (int)y->ttl_min;
		break;
	case COL_LAST:
		c = x->last_ns < y->last_ns ? -1 : x->last_ns > y->last_ns;
		break;
	case COL_COPIES:
	default:
		c = x->copies < y->copies ? -1 : x->copies > y->copies;
		break;
	}
	return v->table.sort_desc ? -c : c;
}

static const char *
cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	struct sw_view *v = ctx;
	const struct sw_source *s = sw_detect_source(v->d, v->idx[row]);
	char t[NK_CLOCK_RFC3339_LEN];

	(void)tui;
	(void)y;
	(void)x;
	(void)width;
	switch (col) {
	case COL_IP:
		if (s->ip.family == 0)
			return "-";
		return nk_addr_fmt(&s->ip, buf, len);
	case COL_MAC:
		return s->has_mac ? nk_mac_fmt(&s->mac, buf, len) : "-";
	case COL_VENDOR:
		return sw_report_vendor(v->r, s->has_mac, &s->mac);
	case COL_VLAN:
		if (!s->has_vlan)
			return "-";
		(void)snprintf(buf, len, "%u", s->vlan);
		return buf;
	case COL_ROLE:
		return (s->roles & SW_ROLE_REFLECTOR) ? "reflector"
		    : (s->roles & SW_ROLE_BCAST)      ? "bcast"
		    : (s->roles & SW_ROLE_ORIGINATOR) ? "origin"
						      : "";
	case COL_COPIES:
		(void)snprintf(buf, len, "%llu", (unsigned long long)s->copies);
		return buf;
	case COL_BCAST:
		(void)snprintf(
		    buf, len, "%llu", (unsigned long long)s->group_frames);
		return buf;
	case COL_TTL:
		if (s->copies == 0)
			return "-";
		(void)snprintf(buf, len, "%u..%u", s->ttl_min, s->ttl_max);
		return buf;
	case COL_LAST:
	default:
		nk_clock_fmt_rfc3339(s->last_ns, t, sizeof(t));
		(void)snprintf(buf, len, "%.12s", t + 11);
		return buf;
	}
}

bool
sw_view_keys(struct sw_view *v)
{
	int k, rows, ncols;

	nk_tui_size(v->tui, &rows, &ncols);
	while ((k = nk_tui_getkey(v->tui)) != -1) {
		if (k == 'q' || k == 'Q')
			return false;
		(void)nk_tui_table_key(&v->table, k, v->n_rows, rows - 12);
	}
	return true;
}

void
sw_view_draw(struct sw_view *v, const struct sw_detect *d,
    const struct sw_report *r, const struct sw_run *run)
{
	struct sw_interval hist[SW_HISTORY];
	struct nk_strip_cell bc[SW_HISTORY], bad[SW_HISTORY];
	char line[256], a[NK_ADDR_STRLEN], b[NK_ADDR_STRLEN];
	const struct sw_counters *c = sw_detect_counters(d);
	const struct sw_storm *st = sw_detect_storm_active(d);
	int rows, ncols;
	double max_bc = 10, max_bad = 10;

	v->d = d;
	v->r = r;
	nk_tui_size(v->tui, &rows, &ncols);
	size_t n = sw_detect_history(d, hist, SW_HISTORY);
	for (size_t i = 0; i < n; i++) {
		bc[i].value = (float)hist[i].bcast;
		bc[i].mark =
		    hist[i].copies > 0 ? NK_STRIP_ALARM : NK_STRIP_VALUE;
		bad[i].value = (float)hist[i].bad;
		bad[i].mark = NK_STRIP_VALUE;
		if ((double)hist[i].bcast > max_bc)
			max_bc = (double)hist[i].bcast;
		if ((double)hist[i].bad > max_bad)
			max_bad = (double)hist[i].bad;
	}

	nk_tui_begin(v->tui);
	enum nk_state state = sw_report_state(d, run);
	/* what matters first: a long file name is what gets clipped */
	(void)snprintf(line, sizeof(line),
	    "stormwatch %s  frames %llu  kernel drops %llu  %s",
	    nk_state_name(state), (unsigned long long)c->frames,
	    (unsigned long long)run->k_drop, run->source);
	nk_tui_text(v->tui, 0, 0, ncols, NK_TUI_HEADER, line);
	(void)snprintf(line, sizeof(line),
	    "group-MAC frames/s (peak %llu, "
	    "'!' = storm copies)",
	    (unsigned long long)c->peak_bcast_pps);
	nk_tui_text(v->tui, 1, 0, ncols, NK_TUI_NORMAL, line);
	nk_tui_strip(v->tui, 2, 0, ncols, bc, n, max_bc);
	(void)snprintf(line, sizeof(line),
	    "bad-checksum frames/s (ICMP %llu, "
	    "IP %llu, TCP/UDP %llu in all)",
	    (unsigned long long)c->bad_icmp, (unsigned long long)c->bad_ip,
	    (unsigned long long)c->bad_l4);
	nk_tui_text(v->tui, 3, 0, ncols, NK_TUI_NORMAL, line);
	nk_tui_strip(v->tui, 4, 0, ncols, bad, n, max_bad);
	if (st == NULL && sw_detect_n_storms(d) > 0)
		st = sw_detect_storm(d, sw_detect_n_storms(d) - 1);
	if (st != NULL) {
		(void)snprintf(line, sizeof(line),
		    "STORM %u %s: %s -> %s: %u reflectors, %llu copies, "
		    "%llu/s %s",
		    st->id, st->active ? "ONGOING" : "ended",
		    st->originator_seen
			? nk_addr_fmt(&st->originator, a, sizeof(a))
			: "originator not seen",
		    nk_addr_fmt(&st->victim, b, sizeof(b)), st->n_reflectors,
		    (unsigned long long)st->copies,
		    (unsigned long long)(st->active ? st->iv_copies
						    : st->peak_pps),
		    st->active ? "now" : "peak");
		nk_tui_text(v->tui, 6, 0, ncols,
		    st->active ? NK_TUI_BAD : NK_TUI_WARN, line);
	} else {
		(void)snprintf(line, sizeof(line),
		    "no storm; broadcast rate %s",
		    nk_state_name(sw_detect_bcast_now(d)));
		nk_tui_text(v->tui, 6, 0, ncols, NK_TUI_GOOD, line);
	}

	v->n_rows = 0;
	for (size_t i = 0;
	     i < sw_detect_n_sources(d) && v->n_rows < VIEW_MAX_ROWS; i++)
		if (sw_detect_source(d, i)->roles != 0)
			v->idx[v->n_rows++] = i;
	nk_tui_sort_index(v->idx, v->n_rows, cmp_rows, v);
	(void)snprintf(line, sizeof(line), "offenders: %zu", v->n_rows);
	nk_tui_text(v->tui, 8, 0, ncols, NK_TUI_NORMAL, line);
	if (rows > 12)
		(void)nk_tui_table_draw(v->tui, &v->table, 9, 0, rows - 11,
		    ncols, v->n_rows, cell, v);
	nk_tui_help(v->tui,
	    "q:quit  </>:sort column  r:reverse  "
	    "arrows/PgUp/PgDn:scroll");
	nk_tui_status(v->tui, nk_state_name(state),
	    run->done ? "input ended: q to quit" : "stormwatch");
	nk_tui_end(v->tui);
}
