/* graph: RTT over time with loss marks, via cairo. */
#include "graph.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "probe.h"
#include "stats.h"
#include "targets.h"

#define G_WIDTH 1000
#define G_PANEL 110
#define G_LEFT 170
#define G_RIGHT 20
#define G_TOP 30

static bool
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static void
panel(cairo_t *cr, const struct mp_engine *e, size_t t, double y0)
{
	const struct mp_target *tg = &e->ts->v[t];
	const struct mp_stats *st = &tg->st;
	uint32_t lo = st->closed_seq > st->window ? st->closed_seq - st->window : 0;
	uint32_t n = st->closed_seq - lo;
	double w = G_WIDTH - G_LEFT - G_RIGHT, h = G_PANEL - 30;
	double mx = 0;
	char label[160];

	for (uint32_t q = lo; q < st->closed_seq; q++) {
		const struct mp_slot *s = mp_stats_slot(st, q);
		if (s && s->state == MP_SLOT_REPLY && s->rtt_us / 1000.0 > mx)
			mx = s->rtt_us / 1000.0;
	}
	if (mx <= 0)
		mx = 1;
	cairo_set_source_rgb(cr, 0.96, 0.96, 0.96);
	cairo_rectangle(cr, G_LEFT, y0, w, h);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_font_size(cr, 12);
	snprintf(label, sizeof(label), "%s%s%s", tg->name,
	    tg->label[0] ? " " : "", tg->label);
	cairo_move_to(cr, 8, y0 + 14);
	cairo_show_text(cr, label);
	struct mp_summary s;
	mp_stats_summary(st, &s);
	snprintf(label, sizeof(label), "loss %.1f%%  max run %u", s.loss_pct,
	    s.run_longest);
	cairo_move_to(cr, 8, y0 + 30);
	cairo_show_text(cr, label);
	snprintf(label, sizeof(label), "%.3g ms", mx);
	cairo_move_to(cr, 8, y0 + 46);
	cairo_show_text(cr, label);
	if (n == 0)
		return;
	double dx = w / (double)n;
	bool pen = false;
	cairo_set_source_rgb(cr, 0.1, 0.3, 0.8);
	cairo_set_line_width(cr, 1.2);
	for (uint32_t q = lo; q < st->closed_seq; q++) {
		const struct mp_slot *sl = mp_stats_slot(st, q);
		double x = G_LEFT + ((double)(q - lo) + 0.5) * dx;
		if (sl == NULL || sl->state != MP_SLOT_REPLY) {
			pen = false;
			continue;
		}
		double y = y0 + h - h * (sl->rtt_us / 1000.0) / mx;
		if (pen)
			cairo_line_to(cr, x, y);
		else
			cairo_move_to(cr, x, y);
		pen = true;
	}
	cairo_stroke(cr);
	cairo_set_source_rgb(cr, 0.85, 0.1, 0.1); /* loss marks */
	for (uint32_t q = lo; q < st->closed_seq; q++) {
		const struct mp_slot *sl = mp_stats_slot(st, q);
		if (sl == NULL || sl->state == MP_SLOT_REPLY ||
		    sl->state == MP_SLOT_UNSENT || sl->state == MP_SLOT_EMPTY)
			continue;
		double x = G_LEFT + (double)(q - lo) * dx;
		cairo_rectangle(cr, x, y0, dx > 1 ? dx : 1, h);
		cairo_fill(cr);
	}
}

static bool
has_idx(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int
mp_graph_select(const struct mp_targets *ts, const char *selector,
    size_t *out, size_t *n, size_t cap, struct nk_err *err)
{
	struct nk_addr a;

	if (nk_addr_parse(selector, &a, NULL) == 0) {
		long t = mp_targets_find(ts, &a);
		if (t >= 0 && !has_idx(out, *n, (size_t)t) && *n < cap)
			out[(*n)++] = (size_t)t;
		if (t >= 0)
			return 0;
	} else {
		bool any = false;
		for (size_t t = 0; t < ts->n; t++) {
			const struct mp_target *tg = &ts->v[t];
			if ((tg->host == NULL ||
				strcmp(tg->host, selector) != 0) &&
			    strcmp(tg->label, selector) != 0)
				continue;
			any = true;
			if (!has_idx(out, *n, t) && *n < cap)
				out[(*n)++] = t;
		}
		if (any)
			return 0;
	}
	nk_err_set(err, "option '--graph-target': '%s' is not one of the "
	    "targets (give its address, host name or label)", selector);
	return -1;
}

int
mp_graph_write(const struct mp_engine *e, const char *path, const size_t *sel,
    size_t n_sel, struct nk_err *err)
{
	size_t n_panels = n_sel ? n_sel : e->ts->n;
	double height = G_TOP + (double)n_panels * G_PANEL + 10;
	cairo_surface_t *sf;
	bool svg = ends_with(path, ".svg");
	int rc = -1;

	if (!svg && !ends_with(path, ".png")) {
		nk_err_set(err, "graph %s: name must end in .png or .svg", path);
		return -1;
	}
	if (height > 30000) {
		nk_err_set(err, "graph %s: %zu targets do not fit one picture "
		    "(at most %d; choose with --graph-target)", path, n_panels,
		    (30000 - G_TOP) / G_PANEL);
		return -1;
	}
	sf = svg ? cairo_svg_surface_create(path, G_WIDTH, height) :
		   cairo_image_surface_create(CAIRO_FORMAT_RGB24, G_WIDTH,
		       (int)height);
	cairo_t *cr = cairo_create(sf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_font_size(cr, 14);
	char title[200], ts[NK_CLOCK_RFC3339_LEN];
	snprintf(title, sizeof(title), "multiping: RTT per probe (red = lost), "
	    "interval %.3g s%s, from %s", (double)e->o.interval_ns / 1e9,
	    e->mixed ? " (per-target intervals differ)" : "",
	    nk_clock_fmt_rfc3339(e->start_real_ns, ts, sizeof(ts)));
	cairo_move_to(cr, 8, 20);
	cairo_show_text(cr, title);
	for (size_t i = 0; i < n_panels; i++)
		panel(cr, e, n_sel ? sel[i] : i, G_TOP + (double)i * G_PANEL);
	cairo_destroy(cr);
	if (!svg) {
		cairo_status_t cs = cairo_surface_write_to_png(sf, path);
		if (cs != CAIRO_STATUS_SUCCESS) {
			nk_err_set(err, "graph %s: %s", path,
			    cairo_status_to_string(cs));
			goto out;
		}
	}
	cairo_surface_finish(sf);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		nk_err_set(err, "graph %s: %s", path,
		    cairo_status_to_string(cairo_surface_status(sf)));
		goto out;
	}
	rc = 0;
out:
	cairo_surface_destroy(sf);
	/* drop cairo's font caches (and the fontconfig patterns they hold):
	 * the picture is the last thing a run draws */
	cairo_debug_reset_static_data();
	return rc;
}
