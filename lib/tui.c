/*
 * tui: ncursesw widgets. One SCREEN per process, made with newterm() rather
 * than initscr(), because initscr() prints "Error opening terminal" and
 * exits on an unknown TERM, and lib/ never exits. Everything checks the
 * terminal before newterm(), so a failed open leaves the terminal as it
 * was (no alternate screen, no mode change).
 *
 * Text passed in is UTF-8 (the tool's locale); wire text must be escaped by
 * the tool first. Widths are display cells (wcwidth), so a name with CJK
 * or combining characters is clipped where the eye expects.
 */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>
#include <wchar.h>

_Static_assert(NK_TUI_KEY_RESIZE == KEY_RESIZE, "tui.h KEY_RESIZE value");

struct nk_tui {
	SCREEN *scr;
	FILE *out;
	FILE *in;
	bool utf8;
	bool color;
	int rows, cols;
};

enum { PAIR_GOOD = 1, PAIR_WARN, PAIR_BAD, PAIR_DIM };

/* ASCII bars, lowest first; UTF-8 uses U+2581..U+2588 (8 levels). */
static const char ascii_bars[] = "_.-=^#";
#define ASCII_LEVELS (sizeof(ascii_bars) - 1)
#define UTF8_LEVELS 8u

/* ---- open / close ---- */

static bool
locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL &&
	    (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* NO_COLOR (no-color.org): present and not empty disables colour. */
static bool
no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v != NULL && v[0] != '\0';
}

static void
setup_colors(struct nk_tui *tui)
{
	short bg = COLOR_BLACK;

	tui->color = false;
	if (!has_colors() || no_color())
		return;
	if (start_color() == ERR)
		return;
	if (use_default_colors() == OK)
		bg = -1;
	(void)init_pair(PAIR_GOOD, COLOR_GREEN, bg);
	(void)init_pair(PAIR_WARN, COLOR_YELLOW, bg);
	(void)init_pair(PAIR_BAD, COLOR_RED, bg);
	(void)init_pair(PAIR_DIM, COLOR_BLUE, bg);
	tui->color = true;
}

int
nk_tui_open_term(FILE *out, FILE *in, const char *term, struct nk_tui **tui,
    struct nk_err *err)
{
	int errret = 0;

	if (out == NULL || in == NULL) {
		nk_err_set(err, "tui: no terminal streams");
		return -1;
	}
	if (term == NULL || term[0] == '\0') {
		nk_err_set(err,
		    "tui: TERM is not set: use --json or the plain "
		    "output");
		return -1;
	}
	/*
	 * Ask terminfo first: setupterm with errret prints nothing and
	 * touches no terminal, while newterm on an unknown type may write
	 * a complaint to stderr in some ncurses builds.
	 */
	if (setupterm(term, fileno(out), &errret) != OK) {
		nk_err_set(err,
		    "tui: terminal type '%s' is %s: use --json or "
		    "the plain output",
		    term,
		    errret == 0 ? "unknown (no terminfo entry)" : "not usable");
		return -1;
	}
	(void)del_curterm(cur_term);

	struct nk_tui *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		nk_err_set(err, "tui: %s", strerror(errno));
		return -1;
	}
	t->out = out;
	t->in = in;
	t->utf8 = locale_is_utf8();
	/* newterm takes a char *, never writes through it. */
	char term_copy[128];
	size_t tl = strlen(term);
	if (tl >= sizeof(term_copy)) {
		nk_err_set(err, "tui: TERM '%.32s...' too long", term);
		free(t);
		return -1;
	}
	memcpy(term_copy, term, tl + 1);
	t->scr = newterm(term_copy, out, in);
	if (t->scr == NULL) {
		nk_err_set(err, "tui: cannot start terminal '%s'", term);
		free(t);
		return -1;
	}
	(void)set_term(t->scr);
	(void)cbreak();
	(void)noecho();
	(void)nonl();
	(void)intrflush(stdscr, FALSE);
	(void)keypad(stdscr, TRUE);
	(void)nodelay(stdscr, TRUE);
	(void)leaveok(stdscr, TRUE);
	(void)curs_set(0);
	setup_colors(t);
	t->rows = LINES;
	t->cols = COLS;
	*tui = t;
	return 0;
}

int
nk_tui_open(struct nk_tui **out, struct nk_err *err)
{
	if (!isatty(STDOUT_FILENO)) {
		nk_err_set(err,
		    "stdout is not a terminal: use --json or the "
		    "plain output");
		return -1;
	}
	if (!isatty(STDIN_FILENO)) {
		nk_err_set(err,
		    "stdin is not a terminal: use --json or the "
		    "plain output");
		return -1;
	}
	const char *term = getenv("TERM");
	if (term == NULL || term[0] == '\0') {
		nk_err_set(err,
		    "TERM is not set: use --json or the plain "
		    "output");
		return -1;
	}
	return nk_tui_open_term(stdout, stdin, term, out, err);
}

void
nk_tui_close(struct nk_tui *tui)
{
	if (tui == NULL)
		return;
	(void)set_term(tui->scr);
	(void)curs_set(1);
	(void)endwin();
	delscreen(tui->scr);
	free(tui);
}

/* ---- size, keys ---- */

/*
 * The real size, from the tty. ncurses learns of a resize by its own
 * SIGWINCH handler, but a tool that routes SIGWINCH through nk_loop's
 * signalfd blocks that handler, so we also look for ourselves.
 */
static bool
check_resize(struct nk_tui *tui)
{
	struct winsize ws;

	if (ioctl(fileno(tui->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		(void)resizeterm(ws.ws_row, ws.ws_col);
	if (LINES == tui->rows && COLS == tui->cols)
		return false;
	tui->rows = LINES;
	tui->cols = COLS;
	return true;
}

bool
nk_tui_check_resize(struct nk_tui *tui)
{
	(void)set_term(tui->scr);
	return check_resize(tui);
}

void
nk_tui_size(const struct nk_tui *tui, int *rows, int *cols)
{
	if (rows != NULL)
		*rows = tui->rows;
	if (cols != NULL)
		*cols = tui->cols;
}

int
nk_tui_getkey(struct nk_tui *tui)
{
	(void)set_term(tui->scr);
	if (check_resize(tui))
		return NK_TUI_KEY_RESIZE;
	for (;;) {
		int k = getch();
		if (k == ERR)
			return -1;
		if (k != KEY_RESIZE)
			return k;
		/* resizeterm() queues a KEY_RESIZE of its own: a resize
		 * we already reported is not reported twice. */
		if (check_resize(tui))
			return NK_TUI_KEY_RESIZE;
	}
}

int
nk_tui_fd(const struct nk_tui *tui)
{
	return fileno(tui->in);
}

void
nk_tui_begin(struct nk_tui *tui)
{
	(void)set_term(tui->scr);
	(void)check_resize(tui);
	(void)erase();
}

void
nk_tui_end(struct nk_tui *tui)
{
	(void)set_term(tui->scr);
	(void)refresh();
}

/* ---- text ---- */

static attr_t
color_attr(const struct nk_tui *tui, enum nk_tui_color color)
{
	switch (color) {
	case NK_TUI_GOOD:
		return tui->color ? (attr_t)COLOR_PAIR(PAIR_GOOD) : A_NORMAL;
	case NK_TUI_WARN:
		return tui->color ? (attr_t)COLOR_PAIR(PAIR_WARN) : A_BOLD;
	case NK_TUI_BAD:
		return tui->color ? (attr_t)COLOR_PAIR(PAIR_BAD) | A_BOLD
				  : A_BOLD;
	case NK_TUI_DIM:
		return tui->color ? (attr_t)COLOR_PAIR(PAIR_DIM) : A_DIM;
	case NK_TUI_HEADER:
		return A_REVERSE;
	case NK_TUI_NORMAL:
		break;
	}
	return A_NORMAL;
}

/* Put one wide char with attributes at (y, x); no bounds check. */
static void
put_wch(int y, int x, wchar_t wc, attr_t attr)
{
	cchar_t cc;
	wchar_t s[2] = {wc, L'\0'};
	short pair = (short)PAIR_NUMBER((int)attr);

	if (setcchar(&cc, s, attr & ~A_COLOR, pair, NULL) == OK)
		(void)mvadd_wch(y, x, &cc);
}

/*
 * Decode the next character of text (UTF-8 in a UTF-8 locale). Bytes that
 * do not decode, and unprintable characters, become '?' of width 1.
 * Returns bytes used (0 at the end).
 */
static size_t
next_char(const char *s, mbstate_t *st, wchar_t *wc, int *w)
{
	if (*s == '\0')
		return 0;
	size_t n = mbrtowc(wc, s, strlen(s), st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		memset(st, 0, sizeof(*st));
		*wc = L'?';
		*w = 1;
		return 1;
	}
	*w = wcwidth(*wc);
	if (*w < 0 || (*w == 0 && n == 1)) {
		*wc = L'?';
		*w = 1;
	}
	return n;
}

/* Display width of text, counting at most `limit` cells. */
static int
text_cells(const char *s, int limit)
{
	mbstate_t st;
	wchar_t wc;
	int w, used = 0;
	size_t n;

	memset(&st, 0, sizeof(st));
	while ((n = next_char(s, &st, &wc, &w)) > 0 && used + w <= limit) {
		used += w;
		s += n;
	}
	return used;
}

/* Clip (y, x, width) to the screen; false when nothing is visible. */
static bool
clip(int y, int *x, int *width)
{
	if (y < 0 || y >= LINES || *width <= 0 || *x >= COLS)
		return false;
	if (*x < 0) {
		*width += *x;
		*x = 0;
	}
	if (*x + *width > COLS)
		*width = COLS - *x;
	return *width > 0;
}

/* Draw text in [x, x+width), padded with blanks in attr when fill. */
static void
put_text(int y, int x, int width, attr_t attr, const char *text, bool right,
    bool fill)
{
	mbstate_t st;
	wchar_t wc;
	int w, col = x;
	size_t n;

	if (!clip(y, &x, &width))
		return;
	col = x;
	if (right)
		col = x + width - text_cells(text, width);
	if (fill)
		for (int c = x; c < col; c++)
			put_wch(y, c, L' ', attr);
	memset(&st, 0, sizeof(st));
	while ((n = next_char(text, &st, &wc, &w)) > 0) {
		if (col + w > x + width)
			break;
		if (w > 0)
			put_wch(y, col, wc, attr);
		col += w;
		text += n;
	}
	if (fill)
		for (; col < x + width; col++)
			put_wch(y, col, L' ', attr);
}

void
nk_tui_text(struct nk_tui *tui, int y, int x, int width,
    enum nk_tui_color color, const char *text)
{
	put_text(y, x, width, color_attr(tui, color), text, false, false);
}

/* ---- strip ---- */

unsigned
nk_tui_strip_level(double value, double scale_max, unsigned n_levels)
{
	if (n_levels == 0 || !(scale_max > 0) || !(value > 0))
		return 0; /* also NaN */
	double r = value / scale_max;
	if (!(r < 1.0))
		return n_levels - 1; /* over the scale, or inf */
	unsigned l = (unsigned)(r * (double)n_levels);
	return l < n_levels ? l : n_levels - 1;
}

void
nk_tui_strip(struct nk_tui *tui, int y, int x, int width,
    const struct nk_strip_cell *cells, size_t n, double scale_max)
{
	size_t shown = n;

	if (width <= 0)
		return;
	if (shown > (size_t)width)
		shown = (size_t)width;
	int x0 = x + width - (int)shown; /* newest at the right edge */
	size_t first = n - shown;
	for (int c = x; c < x0; c++)
		if (c >= 0 && c < COLS && y >= 0 && y < LINES)
			put_wch(y, c, L' ', A_NORMAL);
	for (size_t i = 0; i < shown; i++) {
		const struct nk_strip_cell *cell = &cells[first + i];
		int cx = x0 + (int)i;
		wchar_t wc = L' ';
		attr_t attr = A_NORMAL;

		if (cx < 0 || cx >= COLS || y < 0 || y >= LINES)
			continue;
		switch (cell->mark) {
		case NK_STRIP_VALUE:
			if (tui->utf8) {
				unsigned l = nk_tui_strip_level(
				    cell->value, scale_max, UTF8_LEVELS);
				wc = (wchar_t)(0x2581 + l);
			} else {
				unsigned l = nk_tui_strip_level(cell->value,
				    scale_max, (unsigned)ASCII_LEVELS);
				wc = (wchar_t)ascii_bars[l];
			}
			attr = color_attr(tui, NK_TUI_GOOD);
			break;
		case NK_STRIP_LOSS:
			wc = L'x';
			attr = color_attr(tui, NK_TUI_BAD) | A_BOLD;
			break;
		case NK_STRIP_ALARM:
			wc = L'!';
			attr = color_attr(tui, NK_TUI_WARN) | A_BOLD;
			break;
		case NK_STRIP_LATE:
			wc = L'L';
			attr = color_attr(tui, NK_TUI_WARN);
			break;
		default: /* NK_STRIP_EMPTY and unknown marks */
			break;
		}
		put_wch(y, cx, wc, attr);
	}
}

/* ---- table ---- */

/* The narrowest a column may get before it is dropped. */
static int
col_min(const struct nk_tui_col *c)
{
	if (c->width <= 0)
		return c->min_width > 0 ? c->min_width : 1;
	if (c->min_width > 0 && c->min_width < c->width)
		return c->min_width;
	return c->width;
}

size_t
nk_tui_table_layout(
    const struct nk_tui_col *cols, size_t n_cols, int width, int *widths)
{
	long need = 0;
	size_t n_shown = 0, flex = n_cols;

	for (size_t i = 0; i < n_cols; i++) {
		if (cols[i].width <= 0 && flex == n_cols) {
			flex = i;
			widths[i] = col_min(&cols[i]);
		} else {
			widths[i] = cols[i].width > 0 ? cols[i].width : 0;
		}
	}
	if (width <= 0) {
		for (size_t i = 0; i < n_cols; i++)
			widths[i] = 0;
		return 0;
	}
	for (size_t i = 0; i < n_cols; i++) {
		if (widths[i] == 0)
			continue; /* a second flex column: never shown */
		need += widths[i] + (n_shown > 0);
		n_shown++;
	}
	/* Too wide: squeeze, then drop, from the right; column 0 stays. */
	for (size_t i = n_cols; i-- > 0 && need > width;) {
		if (widths[i] == 0)
			continue;
		int m = col_min(&cols[i]);
		if (widths[i] > m) {
			long cut = need - width;
			if (cut > widths[i] - m)
				cut = widths[i] - m;
			widths[i] -= (int)cut;
			need -= cut;
		}
		if (need <= width)
			break;
		if (i == 0) {
			widths[0] = width; /* alone and clipped */
			need = width;
			break;
		}
		need -= widths[i] + 1;
		widths[i] = 0;
		n_shown--;
	}
	if (flex < n_cols && widths[flex] > 0 && need < width)
		widths[flex] += (int)(width - need);
	return n_shown;
}

static void
draw_header(struct nk_tui *tui, const struct nk_tui_table *t, int y, int x,
    int width, const int *widths)
{
	char title[128];
	int cx = x;

	put_text(y, x, width, A_REVERSE, "", false, true);
	for (size_t i = 0; i < t->n_cols; i++) {
		if (widths[i] == 0)
			continue;
		const char *name = t->cols[i].title ? t->cols[i].title : "";
		if (t->sort_col >= 0 && (size_t)t->sort_col == i) {
			const char *mark = tui->utf8
			    ? (t->sort_desc ? "\u25bc" : "\u25b2")
			    : (t->sort_desc ? " v" : " ^");
			(void)snprintf(
			    title, sizeof(title), "%s%s", name, mark);
		} else {
			(void)snprintf(title, sizeof(title), "%s", name);
		}
		put_text(y, cx, widths[i], A_REVERSE | A_BOLD, title,
		    t->cols[i].right, false);
		cx += widths[i] + 1;
	}
}

size_t
nk_tui_table_draw(struct nk_tui *tui, const struct nk_tui_table *t, int y,
    int x, int height, int width, size_t n_rows, nk_tui_cell_fn cell, void *ctx)
{
	int widths_buf[32];
	int *widths = widths_buf;
	char buf[256];
	size_t shown = 0;

	if (height <= 0 || width <= 0 || t->n_cols == 0)
		return 0;
	if (t->n_cols > sizeof(widths_buf) / sizeof(widths_buf[0])) {
		widths = calloc(t->n_cols, sizeof(*widths));
		if (widths == NULL)
			return 0;
	}
	(void)nk_tui_table_layout(t->cols, t->n_cols, width, widths);
	draw_header(tui, t, y, x, width, widths);

	size_t page = (size_t)(height - 1);
	size_t first = t->first_row;
	/* Rows went away since the last key: show the last page. */
	if (first >= n_rows)
		first = n_rows > page ? n_rows - page : 0;
	for (size_t r = 0; r < page && first + r < n_rows; r++) {
		size_t row = first + r;
		int ry = y + 1 + (int)r;
		attr_t base = row == t->selected ? A_REVERSE : A_NORMAL;
		int cx = x;

		if (row == t->selected)
			put_text(ry, x, width, base, "", false, true);
		for (size_t c = 0; c < t->n_cols; c++) {
			if (widths[c] == 0)
				continue;
			buf[0] = '\0';
			const char *s = cell(ctx, row, c, buf, sizeof(buf), tui,
			    ry, cx, widths[c]);
			if (s != NULL)
				put_text(ry, cx, widths[c], base, s,
				    t->cols[c].right, false);
			cx += widths[c] + 1;
		}
		shown++;
	}
	if (widths != widths_buf)
		free(widths);
	return shown;
}

static void
keep_visible(struct nk_tui_table *t, size_t page)
{
	if (t->selected < t->first_row)
		t->first_row = t->selected;
	else if (t->selected >= t->first_row + page)
		t->first_row = t->selected - page + 1;
}

bool
nk_tui_table_key(struct nk_tui_table *t, int key, size_t n_rows, int page_rows)
{
	size_t page = page_rows > 0 ? (size_t)page_rows : 1;
	size_t last = n_rows > 0 ? n_rows - 1 : 0;

	switch (key) {
	case KEY_UP:
	case 'k':
		if (t->selected > 0)
			t->selected--;
		break;
	case KEY_DOWN:
	case 'j':
		t->selected++;
		break;
	case KEY_PPAGE:
		t->selected = t->selected > page ? t->selected - page : 0;
		break;
	case KEY_NPAGE:
		t->selected += page;
		break;
	case KEY_HOME:
	case 'g':
		t->selected = 0;
		break;
	case KEY_END:
	case 'G':
		t->selected = last;
		break;
	case '<':
		if (t->sort_col > 0)
			t->sort_col--;
		else
			t->sort_col = t->n_cols > 0 ? (int)t->n_cols - 1 : 0;
		return true;
	case '>':
		if (t->sort_col >= 0 && (size_t)t->sort_col + 1 < t->n_cols)
			t->sort_col++;
		else
			t->sort_col = 0;
		return true;
	case 'r':
		t->sort_desc = !t->sort_desc;
		return true;
	default:
		return false;
	}
	if (t->selected > last)
		t->selected = last;
	keep_visible(t, page);
	/* Never scroll past the end: the last page stays full. */
	if (n_rows > page && t->first_row > n_rows - page)
		t->first_row = n_rows - page;
	if (n_rows <= page)
		t->first_row = 0;
	return true;
}

/* Stable: ties keep their input order (merge sort, insertion sort if no
 * memory for the merge buffer). */
void
nk_tui_sort_index(
    size_t *idx, size_t n, int (*cmp)(void *ctx, size_t a, size_t b), void *ctx)
{
	if (n < 2)
		return;
	size_t *tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL) {
		for (size_t i = 1; i < n; i++) {
			size_t v = idx[i], j = i;
			while (j > 0 && cmp(ctx, idx[j - 1], v) > 0) {
				idx[j] = idx[j - 1];
				j--;
			}
			idx[j] = v;
		}
		return;
	}
	size_t *src = idx, *dst = tmp;
	for (size_t run = 1; run < n; run *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * run) {
			size_t mid = lo + run < n ? lo + run : n;
			size_t hi = lo + 2 * run < n ? lo + 2 * run : n;
			size_t a = lo, b = mid, o = lo;
			while (a < mid && b < hi)
				dst[o++] = cmp(ctx, src[b], src[a]) < 0
				    ? src[b++]
				    : src[a++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < hi)
				dst[o++] = src[b++];
		}
		size_t *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof(*idx));
	free(tmp);
}

/* ---- bars ---- */

void
nk_tui_status(struct nk_tui *tui, const char *left, const char *right)
{
	int y = LINES - 1;
	int rw = right != NULL ? text_cells(right, COLS) : 0;

	(void)tui;
	put_text(y, 0, COLS, A_REVERSE, "", false, true);
	/* The right part (counters, clock) wins; the left is clipped. */
	if (left != NULL)
		put_text(y, 1, COLS - rw - 3, A_REVERSE, left, false, false);
	if (right != NULL)
		put_text(y, COLS - rw - 1, rw, A_REVERSE, right, false, false);
}

void
nk_tui_help(struct nk_tui *tui, const char *hints)
{
	int y = LINES - 2;

	if (hints == NULL)
		return;
	put_text(y, 0, COLS, color_attr(tui, NK_TUI_DIM), hints, false, true);
}
