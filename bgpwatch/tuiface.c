/* tuiface: the ncurses face of replay; see tuiface.h. */
#include "tuiface.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dump.h"
#include "tui.h"

#define LOG_MAX 1000
#define SAMPLES_MAX 20000
#define ROWS_MAX 256

struct logline {
	enum nk_severity sev;
	char text[256];
};

struct sample {
	uint32_t ts;
	uint16_t peer;
	uint32_t n;
};

struct tuiface {
	struct nk_tui *tui;
	const struct watch *w;
	struct watch_cfg cfg;
	struct logline log[LOG_MAX];
	size_t n_log; /* total seen; the ring keeps the last LOG_MAX */
	struct sample *samples;
	size_t n_samples;
	struct nk_prefix rows[ROWS_MAX]; /* watched prefixes shown */
	size_t n_rows;
};

struct tuiface *
tuiface_open(const struct watch_cfg *cfg)
{
	struct tuiface *t = calloc(1, sizeof(*t));
	struct nk_err err = {{0}};

	if (t == NULL)
		return NULL;
	t->samples = calloc(SAMPLES_MAX, sizeof(*t->samples));
	if (t->samples == NULL || nk_tui_open(&t->tui, &err) < 0) {
		free(t->samples);
		free(t);
		return NULL;
	}
	t->cfg = *cfg;
	for (size_t i = 0; i < cfg->n_prefix && t->n_rows < ROWS_MAX; i++)
		t->rows[t->n_rows++] = cfg->prefix[i];
	return t;
}

void
tuiface_attach(struct tuiface *t, const struct watch *w)
{
	if (t != NULL)
		t->w = w;
}

static void
add_row(struct tuiface *t, const struct nk_prefix *p)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (t->rows[i].len == p->len &&
		    memcmp(&t->rows[i].addr, &p->addr, sizeof(p->addr)) == 0)
			return;
	if (t->n_rows < ROWS_MAX)
		t->rows[t->n_rows++] = *p;
}

void
tuiface_fmt_event(const struct watch_event *ev, char *buf, size_t len)
{
	char at[NK_CLOCK_RFC3339_LEN], pfx[64] = "";

	nk_clock_fmt_rfc3339((int64_t)ev->ts * NK_NS_PER_SEC, at, sizeof(at));
	if (ev->has_prefix)
		(void)nk_prefix_fmt(&ev->prefix, pfx, sizeof(pfx));
	(void)snprintf(buf, len, "%.19s %-15s %s %.150s", at, ev->name, pfx,
	    ev->detail);
}

void
tuiface_event(struct tuiface *t, const struct watch_event *ev)
{
	if (t == NULL)
		return;
	if (ev->has_prefix)
		add_row(t, &ev->prefix);
	struct logline *l = &t->log[t->n_log % LOG_MAX];
	l->sev = ev->sev;
	tuiface_fmt_event(ev, l->text, sizeof(l->text));
	t->n_log++;
	/* a prefix-count sample of every peer at each event */
	for (size_t i = 0; t->w != NULL && i < watch_n_peers(t->w) &&
	     t->n_samples < SAMPLES_MAX;
	     i++) {
		struct watch_peer_info pi;
		watch_peer(t->w, i, &pi);
		t->samples[t->n_samples++] =
		    (struct sample){ev->ts, (uint16_t)i, (uint32_t)pi.n_routes};
	}
}

enum nk_tui_color
tuiface_sev_color(enum nk_severity s)
{
	switch (s) {
	case NK_SEV_CRITICAL:
		return NK_TUI_BAD;
	case NK_SEV_WARNING:
		return NK_TUI_WARN;
	case NK_SEV_OK:
		return NK_TUI_GOOD;
	default:
		return NK_TUI_NORMAL;
	}
}

static void
draw(struct tuiface *t)
{
	int rows, cols, y = 0;
	char buf[256];
	size_t n_up = 0;
	size_t up_idx[16];

	nk_tui_size(t->tui, &rows, &cols);
	nk_tui_begin(t->tui);
	nk_tui_text(t->tui, y++, 0, cols, NK_TUI_HEADER,
	    "bgpwatch replay: watched prefixes x upstreams");
	for (size_t i = 0; i < watch_n_peers(t->w) && n_up < 16; i++)
		if (watch_is_upstream(t->w, i))
			up_idx[n_up++] = i;
	int colw = n_up ? (cols - 20) / (int)n_up : cols - 20;
	if (colw > 30)
		colw = 30;
	nk_tui_text(t->tui, y, 0, 20, NK_TUI_DIM, "prefix");
	for (size_t u = 0; u < n_up; u++)
		nk_tui_text(t->tui, y, 20 + (int)u * colw, colw, NK_TUI_DIM,
		    watch_peer_name(t->w, up_idx[u]));
	y++;
	int table_end = rows / 2;
	for (size_t r = 0; r < t->n_rows && y < table_end; r++, y++) {
		size_t n = 0;
		const struct rib_route *rt =
		    rib_get(watch_rib(t->w), &t->rows[r], &n);
		(void)nk_prefix_fmt(&t->rows[r], buf, sizeof(buf));
		nk_tui_text(t->tui, y, 0, 20, NK_TUI_NORMAL, buf);
		for (size_t u = 0; u < n_up; u++) {
			const struct rib_route *hit = NULL;
			for (size_t j = 0; j < n; j++)
				if (rt[j].peer == up_idx[u])
					hit = &rt[j];
			char at[NK_CLOCK_RFC3339_LEN];
			enum nk_tui_color c = NK_TUI_DIM;
			if (hit == NULL) {
				(void)snprintf(buf, sizeof(buf), "-");
			} else {
				nk_clock_fmt_rfc3339(
				    (int64_t)hit->since * NK_NS_PER_SEC, at,
				    sizeof(at));
				(void)snprintf(buf, sizeof(buf), "%s %.8s%s",
				    hit->attr ? "ok" : "WITHDRAWN", at + 11,
				    hit->flaps ? " flaps" : "");
				c = hit->attr ? NK_TUI_GOOD : NK_TUI_BAD;
			}
			nk_tui_text(
			    t->tui, y, 20 + (int)u * colw, colw, c, buf);
		}
	}
	/* prefix counts over time, one strip per peer */
	y++;
	nk_tui_text(t->tui, y++, 0, cols, NK_TUI_HEADER,
	    "prefix count per peer over the replay");
	uint32_t t0 = 0, t1 = 0;
	for (size_t i = 0; i < t->n_samples; i++) {
		if (t0 == 0 || t->samples[i].ts < t0)
			t0 = t->samples[i].ts;
		if (t->samples[i].ts > t1)
			t1 = t->samples[i].ts;
	}
	int sw = cols - 34;
	for (size_t p = 0; p < watch_n_peers(t->w) && y < rows - 6 && sw > 4;
	     p++, y++) {
		struct nk_strip_cell cells[256];
		int nc = sw > 256 ? 256 : sw;
		double mx = 1;
		memset(cells, 0, sizeof(cells));
		for (size_t i = 0; i < t->n_samples; i++) {
			if (t->samples[i].peer != p)
				continue;
			int c = t1 > t0
			    ? (int)((uint64_t)(t->samples[i].ts - t0) *
				  (uint64_t)(nc - 1) / (t1 - t0))
			    : nc - 1;
			cells[c].value = (float)t->samples[i].n;
			cells[c].mark = NK_STRIP_VALUE;
			if (t->samples[i].n > mx)
				mx = t->samples[i].n;
		}
		struct watch_peer_info pi;
		watch_peer(t->w, p, &pi);
		(void)snprintf(buf, sizeof(buf), "%-22.22s %8llu", pi.name,
		    (unsigned long long)pi.n_routes);
		nk_tui_text(t->tui, y, 0, 32, NK_TUI_NORMAL, buf);
		nk_tui_strip(t->tui, y, 33, nc, cells, (size_t)nc, mx);
	}
	/* event log: the newest that fit */
	y++;
	nk_tui_text(t->tui, y++, 0, cols, NK_TUI_HEADER, "events");
	int room = rows - 1 - y;
	size_t have = t->n_log < LOG_MAX ? t->n_log : LOG_MAX;
	size_t show = room > 0 ? (size_t)room : 0;
	if (show > have)
		show = have;
	for (size_t i = t->n_log - show; i < t->n_log; i++, y++) {
		const struct logline *l = &t->log[i % LOG_MAX];
		nk_tui_text(t->tui, y, 0, cols, tuiface_sev_color(l->sev), l->text);
	}
	(void)snprintf(buf, sizeof(buf), "%llu events, %zu peers",
	    (unsigned long long)t->n_log, watch_n_peers(t->w));
	nk_tui_status(t->tui, "q: quit", buf);
	nk_tui_end(t->tui);
}

void
tuiface_run(struct tuiface *t)
{
	if (t == NULL || t->w == NULL)
		return;
	for (;;) {
		draw(t);
		struct pollfd pfd = {nk_tui_fd(t->tui), POLLIN, 0};
		if (poll(&pfd, 1, 1000) < 0)
			break;
		int k = nk_tui_getkey(t->tui);
		if (k == 'q' || k == 'Q' || k == 27)
			break;
	}
}

void
tuiface_close(struct tuiface *t)
{
	if (t == NULL)
		return;
	nk_tui_close(t->tui);
	free(t->samples);
	free(t);
}
