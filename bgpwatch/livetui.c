/* livetui: the live ncurses face of collect; see livetui.h. */
#include "livetui.h"

#include <locale.h>
#include <ncurses.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpstatus.h"
#include "clock.h"
#include "log.h"
#include "tui.h"
#include "tuiface.h"

#define REDRAW_NS NK_NS_PER_SEC
/* after an event: soon, but one frame for a burst */
#define EVENT_REDRAW_NS (100 * NK_NS_PER_MS)
#define LOG_MAX 256
#define MAX_UP_COLS 16

enum { SC_PEER, SC_AS, SC_STATE, SC_FOR, SC_PREFIXES, SC_REASON, N_SCOLS };

/* Least important on the right: at 80 columns the reason gets the rest. */
static const struct nk_tui_col sess_cols[N_SCOLS] = {
    {"peer", 12, false, 8},
    {"AS", 7, true, 0},
    {"state", 11, false, 0},
    {"for", 9, true, 0},
    {"prefixes", 8, true, 0},
    {"last reason", 0, false, 10},
};

struct logline {
	enum nk_severity sev;
	char text[256];
};

enum focus { FOCUS_SESS, FOCUS_PFX };

struct livetui {
	struct nk_tui *tui;
	struct collect *c;
	struct livestate *ls;
	struct nk_loop *loop;
	struct nk_bgpstatus *st; /* the snapshot drawn */
	int64_t now_ns;          /* realtime of the snapshot */
	struct nk_tui_table sess;
	struct nk_tui_table pfx;
	struct nk_tui_col pfx_cols[1 + MAX_UP_COLS];
	size_t sess_order[NK_BGPSTATUS_MAX_SESS];
	size_t pfx_order[NK_BGPSTATUS_MAX_PREFIX];
	enum focus focus;
	struct logline log[LOG_MAX];
	uint64_t n_log;
	uint64_t t_soon; /* redraw scheduled after an event */
	int64_t next_ns; /* periodic redraw deadline */
	bool stopping;
	FILE *devnull; /* logs while the screen is up */
};

int
livetui_check(struct nk_err *err)
{
	const char *term = getenv("TERM");
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		nk_err_set(err,
		    "%s is not a terminal: use --json or the "
		    "plain output",
		    isatty(STDOUT_FILENO) ? "stdin" : "stdout");
		return -1;
	}
	if (term == NULL || term[0] == '\0') {
		nk_err_set(err,
		    "TERM is not set: use --json or the plain "
		    "output");
		return -1;
	}
	return 0;
}

int
livetui_open(struct livetui **out, bool syslog, struct nk_err *err)
{
	struct livetui *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	t->st = calloc(1, sizeof(*t->st));
	if (t->st == NULL) {
		nk_err_set(err, "out of memory");
		free(t);
		return -1;
	}
	/* UTF-8 blocks and sort marks when the terminal has them; only
	 * LC_CTYPE: numbers in configs keep the C locale's '.' */
	(void)setlocale(LC_CTYPE, "");
	if (nk_tui_open(&t->tui, err) < 0) {
		free(t->st);
		free(t);
		return -1;
	}
	if (!syslog && isatty(STDERR_FILENO)) {
		t->devnull = fopen("/dev/null", "we");
		if (t->devnull != NULL)
			nk_log_set_stream(t->devnull);
	}
	t->sess.cols = sess_cols;
	t->sess.n_cols = N_SCOLS;
	t->sess.sort_col = SC_PEER;
	t->pfx.cols = t->pfx_cols;
	t->pfx.n_cols = 1;
	t->pfx_cols[0] = (struct nk_tui_col){"prefix", 19, false, 12};
	*out = t;
	return 0;
}

void
livetui_close(struct livetui *t)
{
	if (t == NULL)
		return;
	if (t->loop != NULL) {
		nk_loop_timer_cancel(t->loop, t->t_soon);
		nk_loop_del_fd(t->loop, nk_tui_fd(t->tui));
	}
	nk_tui_close(t->tui);
	if (t->devnull != NULL) {
		nk_log_set_stream(NULL);
		(void)fclose(t->devnull);
	}
	free(t->st);
	free(t);
}

/* "3d4h", "2h05m", "4m07s", "12s"; "-" unknown */
static void
fmt_for(char *buf, size_t len, int64_t since_ns, int64_t now_ns)
{
	if (since_ns == 0 || now_ns < since_ns) {
		(void)snprintf(buf, len, "-");
		return;
	}
	long long s = (long long)((now_ns - since_ns) / NK_NS_PER_SEC);
	if (s >= 86400)
		(void)snprintf(
		    buf, len, "%lldd%lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		(void)snprintf(
		    buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		(void)snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		(void)snprintf(buf, len, "%llds", s);
}

/* ------------------------------------------------------------ sessions */

static int
sess_cmp(void *ctx, size_t a, size_t b)
{
	const struct livetui *t = ctx;
	const struct nk_bgpstatus_sess *x = &t->st->sess[a],
				       *y = &t->st->sess[b];
	int c = 0;

	switch (t->sess.sort_col) {
	case SC_AS:
		c = (x->asn > y->asn) - (x->asn < y->asn);
		break;
	case SC_STATE: /* down first */
		c = (int)x->up - (int)y->up;
		if (c == 0)
			c = strcmp(x->state, y->state);
		break;
	case SC_FOR:
		c = (x->since_ns < y->since_ns) - (x->since_ns > y->since_ns);
		break;
	case SC_PREFIXES:
		c = (x->prefixes > y->prefixes) - (x->prefixes < y->prefixes);
		break;
	case SC_REASON:
		c = strcmp(x->reason, y->reason);
		break;
	default:
		break;
	}
	if (c == 0)
		c = strcmp(x->name, y->name);
	return t->sess.sort_desc ? -c : c;
}

static const char *
sess_cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	struct livetui *t = ctx;
	const struct nk_bgpstatus_sess *s = &t->st->sess[t->sess_order[row]];

	switch (col) {
	case SC_PEER:
		return s->name;
	case SC_AS:
		(void)snprintf(buf, len, "%u", s->asn);
		return buf;
	case SC_STATE:
		if (t->focus == FOCUS_SESS && row == t->sess.selected)
			return s->state; /* reverse video */
		nk_tui_text(tui, y, x, width, s->up ? NK_TUI_GOOD : NK_TUI_BAD,
		    s->state);
		return NULL;
	case SC_FOR: {
		char d[32];
		fmt_for(d, sizeof(d), s->since_ns, t->now_ns);
		(void)snprintf(buf, len, "%s %s", s->up ? "up" : "down", d);
		return buf;
	}
	case SC_PREFIXES:
		(void)snprintf(
		    buf, len, "%llu", (unsigned long long)s->prefixes);
		return buf;
	case SC_REASON:
		return s->reason[0] ? s->reason : "-";
	default:
		return "";
	}
}

/* ------------------------------------------------------------ prefixes */

static int
pfx_cmp(void *ctx, size_t a, size_t b)
{
	const struct livetui *t = ctx;
	const struct nk_bgpstatus_prefix *x = &t->st->prefix[a],
					 *y = &t->st->prefix[b];
	int c = 0;
	int col = t->pfx.sort_col;

	if (col > 0 && (size_t)col <= t->st->n_up) {
		/* by that upstream's state: withdrawn, none, announced */
		static const int rank[] = {1, 2, 0};
		size_t u = (size_t)col - 1;
		int rx = rank[x->up_state[u] % 3],
		    ry = rank[y->up_state[u] % 3];
		c = (rx > ry) - (rx < ry);
		if (c == 0)
			c = (x->up_since_ns[u] < y->up_since_ns[u]) -
			    (x->up_since_ns[u] > y->up_since_ns[u]);
	}
	if (c == 0) /* config order */
		c = (a > b) - (a < b);
	return t->pfx.sort_desc ? -c : c;
}

static const char *
pfx_cell(void *ctx, size_t row, size_t col, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	struct livetui *t = ctx;
	const struct nk_bgpstatus_prefix *p = &t->st->prefix[t->pfx_order[row]];

	if (col == 0) {
		if (t->focus == FOCUS_PFX && row == t->pfx.selected)
			return p->prefix;
		nk_tui_text(tui, y, x, width,
		    p->reachable ? NK_TUI_NORMAL : NK_TUI_BAD, p->prefix);
		return NULL;
	}
	size_t u = col - 1;
	char at[NK_CLOCK_RFC3339_LEN] = "";
	enum nk_tui_color color = NK_TUI_DIM;
	if (p->up_state[u] == NK_BGPSTATUS_NONE) {
		(void)snprintf(buf, len, "-");
	} else {
		if (p->up_since_ns[u] != 0)
			nk_clock_fmt_rfc3339(p->up_since_ns[u], at, sizeof(at));
		bool via = p->up_state[u] == NK_BGPSTATUS_VIA;
		(void)snprintf(buf, len, "%s %.8s", via ? "ok" : "WITHDRAWN",
		    at[0] ? at + 11 : "");
		color = via ? NK_TUI_GOOD : NK_TUI_BAD;
	}
	if (t->focus == FOCUS_PFX && row == t->pfx.selected)
		return buf;
	nk_tui_text(tui, y, x, width, color, buf);
	return NULL;
}

/* --------------------------------------------------------------- frame */

static void
draw(struct livetui *t)
{
	struct nk_bgpstatus *st = t->st;
	struct nk_bgpstatus_counts cnt;
	int rows, cols;
	char buf[256], right[128];

	t->now_ns = nk_clock_real_ns();
	livestate_snapshot(t->ls, t->now_ns, st);
	nk_bgpstatus_count(st, &cnt);
	for (size_t i = 0; i < st->n_sess; i++)
		t->sess_order[i] = i;
	nk_tui_sort_index(t->sess_order, st->n_sess, sess_cmp, t);
	t->pfx.n_cols = 1;
	for (size_t u = 0; u < st->n_up && u < MAX_UP_COLS; u++) {
		t->pfx_cols[1 + u] =
		    (struct nk_tui_col){st->upstream[u], 18, false, 11};
		t->pfx.n_cols++;
	}
	if ((size_t)t->pfx.sort_col >= t->pfx.n_cols)
		t->pfx.sort_col = 0;
	for (size_t i = 0; i < st->n_prefix; i++)
		t->pfx_order[i] = i;
	nk_tui_sort_index(t->pfx_order, st->n_prefix, pfx_cmp, t);

	nk_tui_begin(t->tui);
	nk_tui_size(t->tui, &rows, &cols);
	char at[NK_CLOCK_RFC3339_LEN];
	nk_clock_fmt_rfc3339(t->now_ns, at, sizeof(at));
	(void)snprintf(buf, sizeof(buf),
	    "bgpwatch collect  %u/%zu sessions up  %zu prefixes  %.19sZ",
	    cnt.sessions_up, st->n_sess, st->n_prefix, at);
	nk_tui_text(t->tui, 0, 0, cols, NK_TUI_HEADER, buf);
	/* rows: 1 title, tables, event log, help, status */
	int avail = rows - 3;
	int sess_h = (int)st->n_sess + 1;
	int pfx_h = (int)st->n_prefix + 1;
	int min_log = avail >= 12 ? 4 : 1;
	int cap = (avail - min_log) / 2;
	if (cap < 2)
		cap = 2;
	if (sess_h > cap)
		sess_h = cap;
	if (pfx_h > avail - min_log - sess_h)
		pfx_h = avail - min_log - sess_h;
	if (pfx_h < 2)
		pfx_h = 2;
	int y = 1;
	struct nk_tui_table tv = t->sess;
	if (t->focus != FOCUS_SESS)
		tv.selected = (size_t)-1;
	if (y + sess_h <= rows - 2)
		(void)nk_tui_table_draw(
		    t->tui, &tv, y, 0, sess_h, cols, st->n_sess, sess_cell, t);
	y += sess_h;
	tv = t->pfx;
	if (t->focus != FOCUS_PFX)
		tv.selected = (size_t)-1;
	if (y + pfx_h <= rows - 2)
		(void)nk_tui_table_draw(
		    t->tui, &tv, y, 0, pfx_h, cols, st->n_prefix, pfx_cell, t);
	y += pfx_h;
	/* the newest events that fit */
	if (y < rows - 2) {
		nk_tui_text(t->tui, y++, 0, cols, NK_TUI_HEADER, "events");
		int room = rows - 2 - y;
		size_t have = t->n_log < LOG_MAX ? (size_t)t->n_log : LOG_MAX;
		size_t show = room > 0 ? (size_t)room : 0;
		if (show > have)
			show = have;
		for (uint64_t i = t->n_log - show; i < t->n_log; i++, y++) {
			const struct logline *l = &t->log[i % LOG_MAX];
			nk_tui_text(t->tui, y, 0, cols,
			    tuiface_sev_color(l->sev), l->text);
		}
	}
	nk_tui_help(t->tui,
	    "q quit  Tab focus  < > sort  r reverse  "
	    "Up/Down/PgUp/PgDn rows");
	const char *state = cnt.sessions_down || cnt.prefixes_unreachable
	    ? "CRITICAL"
	    : cnt.prefixes_withdrawn_somewhere ? "WARNING"
					       : "OK";
	(void)snprintf(buf, sizeof(buf),
	    "%s: %u down, %u unreachable, %u partly withdrawn", state,
	    cnt.sessions_down, cnt.prefixes_unreachable,
	    cnt.prefixes_withdrawn_somewhere);
	(void)snprintf(right, sizeof(right), "%llu events  focus %s",
	    (unsigned long long)t->n_log,
	    t->focus == FOCUS_SESS ? "sessions" : "prefixes");
	nk_tui_status(t->tui, buf, right);
	nk_tui_end(t->tui);
}

static void soon_fire(struct nk_loop *loop, void *ctx, int64_t now_ns);

void
livetui_event(struct livetui *t, const struct watch_event *ev)
{
	if (t == NULL)
		return;
	struct logline *l = &t->log[t->n_log % LOG_MAX];
	l->sev = ev->sev;
	tuiface_fmt_event(ev, l->text, sizeof(l->text));
	t->n_log++;
	if (t->loop == NULL || t->t_soon != 0 || t->stopping)
		return;
	/* drawn after this pass: the engine may be mid-UPDATE */
	t->t_soon = nk_loop_timer_add(
	    t->loop, nk_loop_now_ns(t->loop) + EVENT_REDRAW_NS, soon_fire, t);
}

static void
soon_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct livetui *t = ctx;
	(void)loop;
	(void)now_ns;
	t->t_soon = 0;
	if (!t->stopping)
		draw(t);
}

static void
tick_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct livetui *t = ctx;
	if (t->stopping)
		return;
	draw(t);
	t->next_ns += REDRAW_NS;
	if (t->next_ns <= now_ns)
		t->next_ns = now_ns + REDRAW_NS;
	(void)nk_loop_timer_add(loop, t->next_ns, tick_fire, t);
}

static void
on_key(struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now)
{
	struct livetui *t = ctx;
	int rows, cols, k;
	(void)fd;
	(void)revents;
	(void)now;

	nk_tui_size(t->tui, &rows, &cols);
	(void)cols;
	while ((k = nk_tui_getkey(t->tui)) != -1) {
		if (k == 'q' || k == 'Q') {
			/* as SIGTERM: Cease to every peer, then the loop ends
			 */
			t->stopping = true;
			nk_loop_del_fd(loop, nk_tui_fd(t->tui));
			collect_stop(t->c);
			return;
		}
		if (k == '\t' || k == KEY_BTAB)
			t->focus =
			    t->focus == FOCUS_SESS ? FOCUS_PFX : FOCUS_SESS;
		else if (t->focus == FOCUS_SESS)
			(void)nk_tui_table_key(
			    &t->sess, k, t->st->n_sess, rows / 3);
		else
			(void)nk_tui_table_key(
			    &t->pfx, k, t->st->n_prefix, rows / 3);
	}
	draw(t);
}

static void
on_winch(struct nk_loop *loop, int signo, void *ctx)
{
	struct livetui *t = ctx;
	(void)loop;
	(void)signo;
	if (!t->stopping && nk_tui_check_resize(t->tui))
		draw(t);
}

int
livetui_attach(struct livetui *t, struct collect *c, struct livestate *ls,
    struct nk_loop *loop, struct nk_err *err)
{
	t->c = c;
	t->ls = ls;
	if (nk_loop_add_fd(loop, nk_tui_fd(t->tui), POLLIN, on_key, t) < 0) {
		nk_err_set(err, "event loop: cannot watch the terminal");
		return -1;
	}
	if (nk_loop_add_signal(loop, SIGWINCH, on_winch, t, err) < 0)
		return -1;
	t->loop = loop;
	t->next_ns = nk_loop_now_ns(loop);
	if (nk_loop_timer_add(loop, t->next_ns, tick_fire, t) == 0) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	return 0;
}
