#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>

#include "priv.h"
#include "tui.h"

/* ---- pure functions ---- */

static void
test_strip_level(void **state)
{
	(void)state;
	assert_int_equal(nk_tui_strip_level(0, 100, 8), 0);
	assert_int_equal(nk_tui_strip_level(-5, 100, 8), 0);
	assert_int_equal(nk_tui_strip_level(NAN, 100, 8), 0);
	assert_int_equal(nk_tui_strip_level(50, 0, 8), 0);
	assert_int_equal(nk_tui_strip_level(50, NAN, 8), 0);
	assert_int_equal(nk_tui_strip_level(50, 100, 0), 0);
	assert_int_equal(nk_tui_strip_level(12.4, 100, 8), 0);
	assert_int_equal(nk_tui_strip_level(12.5, 100, 8), 1);
	assert_int_equal(nk_tui_strip_level(50, 100, 8), 4);
	assert_int_equal(nk_tui_strip_level(99.9, 100, 8), 7);
	assert_int_equal(nk_tui_strip_level(100, 100, 8), 7);
	assert_int_equal(nk_tui_strip_level(1e9, 100, 8), 7);
	assert_int_equal(nk_tui_strip_level(INFINITY, 100, 8), 7);
	assert_int_equal(nk_tui_strip_level(50, 100, 6), 3);
	assert_int_equal(nk_tui_strip_level(50, 100, 1), 0);
	/* Monotonic, covers every level. */
	unsigned prev = 0, seen = 0;
	for (int v = 0; v <= 1000; v++) {
		unsigned l = nk_tui_strip_level(v / 10.0, 100, 8);
		assert_true(l >= prev);
		assert_true(l < 8);
		seen |= 1u << l;
		prev = l;
	}
	assert_int_equal(seen, 0xff);
}

static const struct nk_tui_col cols6[] = {
    {"Host", 0, false, 12},
    {"Sent", 6, true, 0},
    {"Loss%", 6, true, 0},
    {"RTT", 8, true, 0},
    {"Jitter", 8, true, 6},
    {"History", 30, false, 10},
};
#define N_COLS6 (sizeof(cols6) / sizeof(cols6[0]))

/* Shown columns plus one blank between each fill exactly `width`. */
static int
used_width(const int *w, size_t n)
{
	int sum = 0, shown = 0;

	for (size_t i = 0; i < n; i++)
		if (w[i] > 0) {
			sum += w[i];
			shown++;
		}
	return shown > 0 ? sum + shown - 1 : 0;
}

static void
test_table_layout(void **state)
{
	(void)state;
	int w[N_COLS6];

	/* 80: everything fits, Host takes the rest. */
	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 80, w), 6);
	int want80[] = {17, 6, 6, 8, 8, 30};
	assert_memory_equal(w, want80, sizeof(want80));
	assert_int_equal(used_width(w, N_COLS6), 80);

	/* 200: same fixed widths, Host grows. */
	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 200, w), 6);
	int want200[] = {137, 6, 6, 8, 8, 30};
	assert_memory_equal(w, want200, sizeof(want200));

	/* 30: History squeezed then dropped, Jitter too, RTT dropped. */
	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 30, w), 3);
	int want30[] = {16, 6, 6, 0, 0, 0};
	assert_memory_equal(w, want30, sizeof(want30));
	assert_int_equal(used_width(w, N_COLS6), 30);

	/* 70: History squeezed to fit (30 -> 25), nothing dropped. */
	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 70, w), 6);
	int want70[] = {12, 6, 6, 8, 8, 25};
	assert_memory_equal(w, want70, sizeof(want70));

	/* 5: only the first column, clipped. */
	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 5, w), 1);
	int want5[] = {5, 0, 0, 0, 0, 0};
	assert_memory_equal(w, want5, sizeof(want5));

	assert_int_equal(nk_tui_table_layout(cols6, N_COLS6, 0, w), 0);
	for (size_t i = 0; i < N_COLS6; i++)
		assert_int_equal(w[i], 0);

	/* Every width from 1 to 300: never wider than the box. */
	for (int width = 1; width <= 300; width++) {
		size_t n = nk_tui_table_layout(cols6, N_COLS6, width, w);
		assert_true(n >= 1);
		assert_true(used_width(w, N_COLS6) <= width);
		assert_true(w[0] > 0);
		/* Host is flex: it absorbs the slack exactly. */
		assert_int_equal(used_width(w, N_COLS6), width);
	}

	/* No flex column: the slack stays unused. */
	const struct nk_tui_col fixed[] = {
	    {"A", 10, false, 0}, {"B", 5, true, 0}};
	assert_int_equal(nk_tui_table_layout(fixed, 2, 80, w), 2);
	assert_int_equal(w[0], 10);
	assert_int_equal(w[1], 5);
	assert_int_equal(nk_tui_table_layout(fixed, 2, 15, w), 1);
	assert_int_equal(w[1], 0);
}

struct rec {
	int key;
	int orig;
};

static int
rec_cmp(void *ctx, size_t a, size_t b)
{
	const struct rec *r = ctx;

	return (r[a].key > r[b].key) - (r[a].key < r[b].key);
}

static void
test_sort_index_stable(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct rec *r = calloc(N, sizeof(*r));
	size_t *idx = calloc(N, sizeof(*idx));
	unsigned seed = 7;

	assert_non_null(r);
	assert_non_null(idx);
	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		r[i].key = (int)((seed >> 16) % 10); /* many ties */
		r[i].orig = (int)i;
		idx[i] = i;
	}
	nk_tui_sort_index(idx, N, rec_cmp, r);
	for (size_t i = 1; i < N; i++) {
		const struct rec *a = &r[idx[i - 1]], *b = &r[idx[i]];
		assert_true(a->key <= b->key);
		if (a->key == b->key)
			assert_true(a->orig < b->orig); /* input order kept */
	}
	/* A permutation: each index once. */
	char *seen = calloc(N, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < N; i++) {
		assert_true(idx[i] < N);
		assert_int_equal(seen[idx[i]], 0);
		seen[idx[i]] = 1;
	}
	/* Odd sizes and tiny arrays. */
	size_t small[3] = {2, 0, 1};
	struct rec sr[3] = {{5, 0}, {5, 1}, {1, 2}};
	nk_tui_sort_index(small, 3, rec_cmp, sr);
	assert_int_equal(small[0], 2);
	assert_int_equal(small[1], 0);
	assert_int_equal(small[2], 1);
	nk_tui_sort_index(small, 0, rec_cmp, sr);
	nk_tui_sort_index(small, 1, rec_cmp, sr);
	free(seen);
	free(idx);
	free(r);
}

static void
test_table_key_bounds(void **state)
{
	(void)state;
	struct nk_tui_table t = {
	    .cols = cols6, .n_cols = N_COLS6, .sort_col = 3};

	for (int i = 0; i < 15; i++)
		assert_true(nk_tui_table_key(&t, KEY_DOWN, 100, 10));
	assert_int_equal(t.selected, 15);
	assert_int_equal(t.first_row, 6); /* selected on the last line */
	assert_true(nk_tui_table_key(&t, KEY_END, 100, 10));
	assert_int_equal(t.selected, 99);
	assert_int_equal(t.first_row, 90);
	assert_true(nk_tui_table_key(&t, KEY_NPAGE, 100, 10));
	assert_true(nk_tui_table_key(&t, KEY_DOWN, 100, 10));
	assert_int_equal(t.selected, 99);
	assert_int_equal(t.first_row, 90);
	assert_true(nk_tui_table_key(&t, KEY_PPAGE, 100, 10));
	assert_int_equal(t.selected, 89);
	assert_int_equal(t.first_row, 89);
	assert_true(nk_tui_table_key(&t, KEY_HOME, 100, 10));
	assert_int_equal(t.selected, 0);
	assert_int_equal(t.first_row, 0);
	assert_true(nk_tui_table_key(&t, KEY_UP, 100, 10));
	assert_true(nk_tui_table_key(&t, KEY_PPAGE, 100, 10));
	assert_int_equal(t.selected, 0);
	assert_int_equal(t.first_row, 0);

	/* Fewer rows than a page. */
	assert_true(nk_tui_table_key(&t, KEY_END, 5, 10));
	assert_int_equal(t.selected, 4);
	assert_int_equal(t.first_row, 0);
	assert_true(nk_tui_table_key(&t, KEY_NPAGE, 5, 10));
	assert_int_equal(t.selected, 4);

	/* The rows shrank under the selection: clamped on the next key. */
	t.selected = 50;
	t.first_row = 45;
	assert_true(nk_tui_table_key(&t, KEY_DOWN, 20, 10));
	assert_int_equal(t.selected, 19);
	assert_int_equal(t.first_row, 10);

	/* No rows at all. */
	assert_true(nk_tui_table_key(&t, KEY_DOWN, 0, 10));
	assert_int_equal(t.selected, 0);
	assert_int_equal(t.first_row, 0);

	/* Sort keys. */
	assert_true(nk_tui_table_key(&t, '>', 10, 10));
	assert_int_equal(t.sort_col, 4);
	assert_true(nk_tui_table_key(&t, '>', 10, 10));
	assert_true(nk_tui_table_key(&t, '>', 10, 10));
	assert_int_equal(t.sort_col, 0); /* wrapped */
	assert_true(nk_tui_table_key(&t, '<', 10, 10));
	assert_int_equal(t.sort_col, 5);
	assert_false(t.sort_desc);
	assert_true(nk_tui_table_key(&t, 'r', 10, 10));
	assert_true(t.sort_desc);
	assert_false(nk_tui_table_key(&t, 'q', 10, 10));
}

/* ---- rendering on a pty ---- */

struct pty {
	int master;
	FILE *out, *in;
};

static void
pty_open(struct pty *p, int rows, int cols)
{
	struct winsize ws = {
	    .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};

	p->master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	const char *name = ptsname(p->master);
	assert_non_null(name);
	assert_int_equal(ioctl(p->master, TIOCSWINSZ, &ws), 0);
	int fl = fcntl(p->master, F_GETFL);
	assert_int_equal(fcntl(p->master, F_SETFL, fl | O_NONBLOCK), 0);
	int s = open(name, O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	int s2 = dup(s);
	assert_true(s2 >= 0);
	p->out = fdopen(s, "w");
	p->in = fdopen(s2, "r");
	assert_non_null(p->out);
	assert_non_null(p->in);
}

/* Read what the terminal got so far (so ncurses never blocks on a full
 * pty buffer); returns bytes read, keeps the tail in buf. */
static size_t
pty_drain(struct pty *p, char *buf, size_t len)
{
	size_t total = 0;
	char tmp[4096];
	ssize_t n;

	while ((n = read(p->master, tmp, sizeof(tmp))) > 0) {
		if (buf != NULL && len > 1) {
			size_t take = (size_t)n < len - 1 ? (size_t)n : len - 1;
			memcpy(buf, tmp, take);
			buf[take] = '\0';
		}
		total += (size_t)n;
	}
	return total;
}

static void
pty_close(struct pty *p)
{
	(void)fclose(p->out);
	(void)fclose(p->in);
	(void)close(p->master);
}

static struct nk_tui *
tui_on(struct pty *p, const char *term, int rows, int cols)
{
	struct nk_tui *tui = NULL;
	struct nk_err err = {{0}};

	pty_open(p, rows, cols);
	if (nk_tui_open_term(p->out, p->in, term, &tui, &err) != 0)
		fail_msg("nk_tui_open_term %s: %s", term, nk_err_msg(&err));
	assert_non_null(tui);
	int r = 0, c = 0;
	nk_tui_size(tui, &r, &c);
	assert_int_equal(r, rows);
	assert_int_equal(c, cols);
	return tui;
}

static char
ch_at(int y, int x)
{
	return (char)(mvinch(y, x) & A_CHARTEXT);
}

static wchar_t
wch_at(int y, int x, attr_t *attrs, short *pair)
{
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1];
	attr_t a = 0;
	short p = 0;

	assert_int_equal(mvin_wch(y, x, &cc), OK);
	assert_int_equal(getcchar(&cc, wch, &a, &p, NULL), OK);
	if (attrs != NULL)
		*attrs = a;
	if (pair != NULL)
		*pair = p;
	return wch[0];
}

/* The expected mark of cell i in the strip tests. */
static void
make_cells(struct nk_strip_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cells[i].value = (float)((double)(i % 8) * 12.5 + 1.0);
		cells[i].mark = NK_STRIP_VALUE;
		if (i % 10 == 3)
			cells[i].mark = NK_STRIP_LOSS;
	}
	cells[n - 1].mark = NK_STRIP_ALARM;
	cells[n - 2].mark = NK_STRIP_LATE;
	cells[n - 4].mark = NK_STRIP_EMPTY;
}

static void
test_render_strip_ascii(void **state)
{
	(void)state;
	struct pty p;
	struct nk_strip_cell cells[50];
	const char bars[] = "_.-=^#";

	assert_non_null(setlocale(LC_ALL, "C"));
	struct nk_tui *tui = tui_on(&p, "vt100", 24, 80);
	make_cells(cells, 50);
	nk_tui_begin(tui);
	/* 50 cells in 20 columns at x=5: the newest 20 (30..49). */
	nk_tui_strip(tui, 2, 5, 20, cells, 50, 100.0);
	/* 5 cells in 20 columns at x=40: right-aligned, newest at x=59. */
	nk_tui_strip(tui, 3, 40, 20, cells + 45, 5, 100.0);
	nk_tui_end(tui);
	assert_true(pty_drain(&p, NULL, 0) > 0);

	for (int k = 0; k < 20; k++) {
		size_t i = 30 + (size_t)k;
		char want;
		switch (cells[i].mark) {
		case NK_STRIP_LOSS:
			want = 'x';
			break;
		case NK_STRIP_ALARM:
			want = '!';
			break;
		case NK_STRIP_LATE:
			want = 'L';
			break;
		case NK_STRIP_EMPTY:
			want = ' ';
			break;
		default:
			want = bars[nk_tui_strip_level(cells[i].value, 100, 6)];
		}
		assert_int_equal(ch_at(2, 5 + k), want);
	}
	/* Loss at the right columns, bold. */
	assert_int_equal(ch_at(2, 5 + 3), 'x');  /* cell 33 */
	assert_int_equal(ch_at(2, 5 + 13), 'x'); /* cell 43 */
	assert_true(mvinch(2, 5 + 3) & A_BOLD);
	assert_int_equal(ch_at(2, 24), '!'); /* newest at the right edge */
	assert_int_equal(ch_at(2, 23), 'L');
	assert_int_equal(ch_at(2, 4), ' '); /* nothing outside the box */
	assert_int_equal(ch_at(2, 25), ' ');
	/* Value 1.0 is the lowest bar, 88.5 the highest ASCII level. */
	assert_int_equal(ch_at(2, 5 + 10), '_'); /* cell 40: i%8 = 0 */
	assert_int_equal(ch_at(2, 5 + 17), '#'); /* cell 47: i%8 = 7 */

	for (int c = 40; c < 55; c++)
		assert_int_equal(ch_at(3, c), ' ');
	assert_int_equal(ch_at(3, 59), '!');
	assert_int_equal(ch_at(3, 58), 'L');
	assert_int_equal(ch_at(3, 60), ' ');

	nk_tui_close(tui);
	pty_close(&p);
}

static void
test_render_strip_utf8_and_color(void **state)
{
	(void)state;
	struct pty p;
	struct nk_strip_cell cells[16];
	attr_t a;
	short pair;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("SKIP no C.UTF-8 locale\n");
		skip();
		return;
	}
	(void)unsetenv("NO_COLOR");
	struct nk_tui *tui = tui_on(&p, "xterm-256color", 24, 80);
	for (size_t i = 0; i < 8; i++)
		cells[i] = (struct nk_strip_cell){
		    (float)((double)i * 12.5 + 1), NK_STRIP_VALUE};
	for (size_t i = 8; i < 16; i++)
		cells[i] = (struct nk_strip_cell){0, NK_STRIP_LOSS};
	nk_tui_begin(tui);
	nk_tui_strip(tui, 5, 0, 16, cells, 16, 100.0);
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	for (int k = 0; k < 8; k++)
		assert_int_equal(wch_at(5, k, NULL, NULL), 0x2581 + k);
	assert_int_equal(wch_at(5, 8, &a, &pair), L'x');
	assert_true(a & A_BOLD);
	assert_int_not_equal(pair, 0); /* red */
	nk_tui_close(tui);
	pty_close(&p);

	/* NO_COLOR: same glyphs, no colour pair. */
	assert_int_equal(setenv("NO_COLOR", "1", 1), 0);
	tui = tui_on(&p, "xterm-256color", 24, 80);
	nk_tui_begin(tui);
	nk_tui_strip(tui, 5, 0, 16, cells, 16, 100.0);
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	assert_int_equal(wch_at(5, 8, &a, &pair), L'x');
	assert_int_equal(pair, 0);
	assert_true(a & A_BOLD); /* still distinct without colour */
	assert_int_equal(wch_at(5, 7, NULL, &pair), 0x2588);
	assert_int_equal(pair, 0);
	nk_tui_close(tui);
	pty_close(&p);
	(void)unsetenv("NO_COLOR");
	(void)setlocale(LC_ALL, "C");
}

static const char *
cell_text(void *ctx, size_t row, size_t col, char *buf, size_t len,
    struct nk_tui *tui, int y, int x, int width)
{
	(void)ctx;
	(void)tui;
	(void)y;
	(void)x;
	(void)width;
	switch (col) {
	case 0:
		(void)snprintf(
		    buf, len, "host-%zu.very-long-name.example.net", row);
		break;
	case 3:
		(void)snprintf(buf, len, "%zu.5", row * 10);
		break;
	default:
		(void)snprintf(buf, len, "%zu", col);
	}
	return buf;
}

/* Row text of the screen, [x, x+n). */
static void
screen_text(int y, int x, int n, char *out)
{
	for (int i = 0; i < n; i++)
		out[i] = ch_at(y, x + i);
	out[n] = '\0';
}

static void
test_render_table(void **state)
{
	(void)state;
	struct pty p;
	char line[256];
	char term_out[65536];
	struct nk_tui_table t = {.cols = cols6,
	    .n_cols = N_COLS6,
	    .sort_col = 3,
	    .sort_desc = true,
	    .first_row = 0,
	    .selected = 2};

	assert_non_null(setlocale(LC_ALL, "C"));
	struct nk_tui *tui = tui_on(&p, "vt100", 24, 80);
	nk_tui_begin(tui);
	assert_int_equal(
	    nk_tui_table_draw(tui, &t, 0, 0, 10, 80, 30, cell_text, NULL), 9);
	nk_tui_end(tui);
	(void)pty_drain(&p, term_out, sizeof(term_out));

	/* Header: Host 0..16, Sent 18..23, Loss% 25..30, RTT 32..39. */
	screen_text(0, 0, 4, line);
	assert_string_equal(line, "Host");
	screen_text(0, 35, 5, line);
	assert_string_equal(line, "RTT v"); /* right-aligned, sort marker */
	screen_text(0, 26, 5, line);
	assert_string_equal(line, "Loss%");
	screen_text(0, 50, 7, line);
	assert_string_equal(line, "History");
	assert_true(mvinch(0, 79) & A_REVERSE);

	/* Host clipped to its 17 cells, then the separator. */
	screen_text(1, 0, 18, line);
	assert_string_equal(line, "host-0.very-long- ");
	screen_text(1, 35, 5, line);
	assert_string_equal(line, "  0.5");
	screen_text(9, 35, 5, line);
	assert_string_equal(line, " 80.5");  /* row 8, the last shown */
	assert_int_equal(ch_at(10, 0), ' '); /* height respected */

	/* Row 2 (screen line 3) selected: reverse across the box. */
	for (int x = 0; x < 80; x++) {
		assert_true(mvinch(3, x) & A_REVERSE);
		assert_false(mvinch(2, x) & A_REVERSE);
	}

	/* Scrolled and narrow: a 30-cell box at x=10 keeps 3 columns. */
	t.first_row = 20;
	t.selected = 0;
	nk_tui_begin(tui);
	assert_int_equal(
	    nk_tui_table_draw(tui, &t, 12, 10, 5, 30, 30, cell_text, NULL), 4);
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	screen_text(13, 10, 17, line);
	assert_string_equal(line, "host-20.very-lon ");
	screen_text(12, 10, 30, line);
	assert_string_equal(line, "Host               Sent  Loss%");
	for (int y = 12; y < 17; y++) {
		assert_int_equal(ch_at(y, 9), ' ');
		assert_int_equal(ch_at(y, 40), ' '); /* clipped to the box */
		assert_false(mvinch(y, 40) & A_REVERSE);
	}
	screen_text(16, 10, 7, line);
	assert_string_equal(line, "host-23");

	/* Rows went away: first_row past the end shows the last page. */
	t.first_row = 100;
	nk_tui_begin(tui);
	assert_int_equal(
	    nk_tui_table_draw(tui, &t, 0, 0, 5, 80, 6, cell_text, NULL), 4);
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	screen_text(1, 0, 7, line);
	assert_string_equal(line, "host-2.");

	nk_tui_close(tui);
	pty_close(&p);
}

static void
test_render_header_utf8(void **state)
{
	(void)state;
	struct pty p;
	struct nk_tui_table t = {
	    .cols = cols6, .n_cols = N_COLS6, .sort_col = 3, .sort_desc = true};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("SKIP no C.UTF-8 locale\n");
		skip();
		return;
	}
	struct nk_tui *tui = tui_on(&p, "xterm-256color", 24, 80);
	nk_tui_begin(tui);
	(void)nk_tui_table_draw(tui, &t, 0, 0, 5, 80, 3, cell_text, NULL);
	/* Wide characters are clipped by cells: 3 CJK = 6 cells > 5. */
	nk_tui_text(tui, 10, 0, 5, NK_TUI_NORMAL,
	    "\xe6\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e");
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	assert_int_equal(wch_at(0, 36, NULL, NULL), L'R');
	assert_int_equal(wch_at(0, 38, NULL, NULL), L'T');
	assert_int_equal(wch_at(0, 39, NULL, NULL), 0x25bc); /* ▼ */
	assert_int_equal(wch_at(10, 0, NULL, NULL), 0x65e5);
	assert_int_equal(wch_at(10, 2, NULL, NULL), 0x672c);
	assert_int_equal(wch_at(10, 4, NULL, NULL), L' ');
	nk_tui_close(tui);
	pty_close(&p);
	(void)setlocale(LC_ALL, "C");
}

static void
test_text_status_keys_resize(void **state)
{
	(void)state;
	struct pty p;
	char line[128];

	assert_non_null(setlocale(LC_ALL, "C"));
	struct nk_tui *tui = tui_on(&p, "vt100", 24, 80);
	nk_tui_begin(tui);
	nk_tui_text(tui, 4, 70, 20, NK_TUI_WARN, "abcdefghijklmnopqrstuvwxyz");
	nk_tui_text(tui, 5, 0, 5, NK_TUI_NORMAL, "abcdefgh");
	nk_tui_text(tui, 30, 0, 5, NK_TUI_NORMAL, "off screen");
	nk_tui_help(tui, "q:quit  s:sort");
	nk_tui_status(tui, "multiping 3 targets", "12:00:00");
	nk_tui_end(tui);
	(void)pty_drain(&p, NULL, 0);
	screen_text(4, 70, 10, line);
	assert_string_equal(line, "abcdefghij"); /* clipped at the screen */
	screen_text(5, 0, 6, line);
	assert_string_equal(line, "abcde ");
	screen_text(23, 1, 19, line);
	assert_string_equal(line, "multiping 3 targets");
	screen_text(23, 71, 8, line);
	assert_string_equal(line, "12:00:00");
	assert_true(mvinch(23, 0) & A_REVERSE);
	assert_true(mvinch(23, 79) & A_REVERSE);
	screen_text(22, 0, 6, line);
	assert_string_equal(line, "q:quit");

	/* Keys come from the tty, non-blocking. */
	assert_int_equal(nk_tui_getkey(tui), -1);
	assert_int_equal(write(p.master, "q", 1), 1);
	int k = -1;
	for (int i = 0; i < 200 && k == -1; i++) {
		k = nk_tui_getkey(tui);
		if (k == -1)
			(void)usleep(5000);
	}
	assert_int_equal(k, 'q');
	assert_true(nk_tui_fd(tui) >= 0);

	/* A resize is noticed from the tty size, reported once. */
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	assert_int_equal(ioctl(p.master, TIOCSWINSZ, &ws), 0);
	assert_int_equal(nk_tui_getkey(tui), NK_TUI_KEY_RESIZE);
	int r = 0, c = 0;
	nk_tui_size(tui, &r, &c);
	assert_int_equal(r, 30);
	assert_int_equal(c, 100);
	k = nk_tui_getkey(tui);
	assert_true(k == -1); /* not twice */
	ws = (struct winsize){.ws_row = 24, .ws_col = 80};
	assert_int_equal(ioctl(p.master, TIOCSWINSZ, &ws), 0);
	assert_true(nk_tui_check_resize(tui));
	assert_false(nk_tui_check_resize(tui));
	nk_tui_size(tui, &r, &c);
	assert_int_equal(c, 80);
	nk_tui_close(tui);
	pty_close(&p);
	nk_tui_close(NULL);
}

static void
test_open_term_unknown(void **state)
{
	(void)state;
	struct pty p;
	struct nk_tui *tui = NULL;
	struct nk_err err = {{0}};

	pty_open(&p, 24, 80);
	assert_int_equal(
	    nk_tui_open_term(p.out, p.in, "no-such-term-h3", &tui, &err), -1);
	assert_null(tui);
	assert_non_null(strstr(nk_err_msg(&err), "'no-such-term-h3'"));
	assert_int_equal(nk_tui_open_term(p.out, p.in, "", &tui, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "TERM"));
	(void)fflush(p.out);
	/* The terminal saw nothing. */
	assert_int_equal(pty_drain(&p, NULL, 0), 0);
	pty_close(&p);
}

/*
 * nk_tui_open in a child whose stdin/stdout are set up by `how`; the child
 * sends back its rc and message.
 */
enum how { STDOUT_FILE, STDIN_NULL, TERM_UNSET, ALL_TTY };

static void
open_in_child(enum how how, int *rc, char *msg, size_t len, size_t *out_bytes,
    size_t *tty_bytes)
{
	struct pty p;
	int pfd[2];
	char path[] = "/tmp/nk-test-tui-XXXXXX";
	int file = mkstemp(path);

	assert_true(file >= 0);
	(void)unlink(path);
	pty_open(&p, 24, 80);
	assert_int_equal(pipe(pfd), 0);
	(void)fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct nk_tui *tui = NULL;
		struct nk_err err = {{0}};
		int slave = fileno(p.out);
		int devnull = open("/dev/null", O_RDONLY);
		int ok = 1;

		ok &= dup2(how == STDIN_NULL ? devnull : slave, 0) == 0;
		ok &= dup2(how == STDOUT_FILE ? file : slave, 1) == 1;
		if (how == TERM_UNSET)
			ok &= unsetenv("TERM") == 0;
		else
			ok &= setenv("TERM", "vt100", 1) == 0;
		int r = ok ? nk_tui_open(&tui, &err) : -99;
		if (r == 0)
			nk_tui_close(tui);
		if (write(pfd[1], &r, sizeof(r)) != (ssize_t)sizeof(r) ||
		    write(pfd[1], err.msg, sizeof(err.msg)) !=
			(ssize_t)sizeof(err.msg))
			_exit(1);
		_exit(0);
	}
	(void)close(pfd[1]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char m[NK_ERR_MAX];
	assert_int_equal(read(pfd[0], rc, sizeof(*rc)), (ssize_t)sizeof(*rc));
	assert_int_equal(read(pfd[0], m, sizeof(m)), (ssize_t)sizeof(m));
	(void)snprintf(msg, len, "%s", m);
	(void)close(pfd[0]);
	*out_bytes = (size_t)lseek(file, 0, SEEK_END);
	(void)close(file);
	*tty_bytes = pty_drain(&p, NULL, 0);
	pty_close(&p);
}

static void
test_open_needs_a_terminal(void **state)
{
	(void)state;
	char msg[NK_ERR_MAX];
	int rc;
	size_t file_bytes, tty_bytes;

	open_in_child(
	    STDOUT_FILE, &rc, msg, sizeof(msg), &file_bytes, &tty_bytes);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(msg, "stdout is not a terminal"));
	assert_int_equal(file_bytes, 0); /* nothing drawn */
	assert_int_equal(tty_bytes, 0);

	open_in_child(
	    STDIN_NULL, &rc, msg, sizeof(msg), &file_bytes, &tty_bytes);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(msg, "stdin is not a terminal"));
	assert_int_equal(tty_bytes, 0);

	open_in_child(
	    TERM_UNSET, &rc, msg, sizeof(msg), &file_bytes, &tty_bytes);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(msg, "TERM is not set"));
	assert_int_equal(tty_bytes, 0);

	/* The control: with a terminal everywhere it opens (and draws). */
	open_in_child(ALL_TTY, &rc, msg, sizeof(msg), &file_bytes, &tty_bytes);
	if (rc != 0)
		fail_msg("nk_tui_open on a pty: %s", msg);
	assert_true(tty_bytes > 0);
}

int
main(void)
{
	/* With fd 0 closed (CI does that) mkstemp would get fd 0 and the
	 * child's dup2 onto stdin would undo the test's setup. */
	if (nk_priv_stdio_guard() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strip_level),
	    cmocka_unit_test(test_table_layout),
	    cmocka_unit_test(test_sort_index_stable),
	    cmocka_unit_test(test_table_key_bounds),
	    cmocka_unit_test(test_render_strip_ascii),
	    cmocka_unit_test(test_render_strip_utf8_and_color),
	    cmocka_unit_test(test_render_table),
	    cmocka_unit_test(test_render_header_utf8),
	    cmocka_unit_test(test_text_status_keys_resize),
	    cmocka_unit_test(test_open_term_unknown),
	    cmocka_unit_test(test_open_needs_a_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
