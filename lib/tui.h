/*
 * tui: the ncurses widgets every tool shares — a time-series strip (one
 * cell per interval, height by value, marks for loss and alarms), a table
 * with sortable columns and scrolling, a status/help bar. Resize-safe,
 * usable at 80x24, colours optional (NO_COLOR honoured). When stdout is
 * not a terminal, nk_tui_open fails with a clear message instead of
 * drawing a broken screen.
 */
#ifndef NK_TUI_H
#define NK_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct nk_tui;

/* Open on the controlling terminal (stdin/stdout). Fails with
 * "stdout is not a terminal: use --json or the plain output" etc. */
int nk_tui_open(struct nk_tui **out, struct nk_err *err);
/* Open on given streams with a terminal type (tests use a pty). The
 * locale (setlocale, the tool's job) must be set first. One tui at a time.
 * On failure nothing is written to `out`. */
int nk_tui_open_term(FILE *out, FILE *in, const char *term,
    struct nk_tui **tui, struct nk_err *err);
/* endwin() and free; safe with NULL. Call before printing a final line. */
void nk_tui_close(struct nk_tui *tui);

void nk_tui_size(const struct nk_tui *tui, int *rows, int *cols);
/* Next key or -1 (non-blocking). A resize is handled here and reported
 * as NK_TUI_KEY_RESIZE so the tool redraws. */
#define NK_TUI_KEY_RESIZE 0x19a
int nk_tui_getkey(struct nk_tui *tui);
/* Pick up a new terminal size now (a tool that routes SIGWINCH through
 * nk_loop calls this from its signal callback, since the blocked signal
 * never reaches ncurses' own handler). True when the size changed.
 * nk_tui_getkey and nk_tui_begin check too. */
bool nk_tui_check_resize(struct nk_tui *tui);
/* The fd to poll for keys (stdin). */
int nk_tui_fd(const struct nk_tui *tui);

/* Start a frame (erase) and show it (refresh). Draw on a timer, not per
 * packet. */
void nk_tui_begin(struct nk_tui *tui);
void nk_tui_end(struct nk_tui *tui);

enum nk_tui_color {
	NK_TUI_NORMAL = 0,
	NK_TUI_GOOD,   /* green */
	NK_TUI_WARN,   /* yellow */
	NK_TUI_BAD,    /* red */
	NK_TUI_DIM,    /* blue/dim */
	NK_TUI_HEADER, /* reverse */
};

/* Text at (y, x), clipped to `width` cells (and to the screen). */
void nk_tui_text(struct nk_tui *tui, int y, int x, int width,
    enum nk_tui_color color, const char *text);

/* ---- time-series strip ---- */
enum nk_strip_mark {
	NK_STRIP_EMPTY = 0, /* no sample in this interval */
	NK_STRIP_VALUE,     /* value drawn as a bar height */
	NK_STRIP_LOSS,      /* lost: a distinct mark */
	NK_STRIP_ALARM,     /* value over the alarm threshold */
	NK_STRIP_LATE,      /* reply after its timeout */
};

struct nk_strip_cell {
	float value;
	uint8_t mark; /* enum nk_strip_mark */
};

/*
 * Draw the newest `width` of `n` cells (oldest first in `cells`) at (y, x),
 * right-aligned so the newest is at the right edge. Bar height is
 * value / scale_max over 8 levels of UTF-8 blocks U+2581..U+2588 when the
 * locale's codeset is UTF-8 (checked at open), else over the 6 ASCII levels
 * "_.-=^#"; loss is 'x' (bold red), alarm '!', late 'L', empty ' '. Cells
 * left of the oldest shown are blanked.
 */
void nk_tui_strip(struct nk_tui *tui, int y, int x, int width,
    const struct nk_strip_cell *cells, size_t n, double scale_max);
/* The level 0..n_levels-1 a value gets (pure; unit-tested). */
unsigned nk_tui_strip_level(double value, double scale_max,
    unsigned n_levels);

/* ---- table ---- */
struct nk_tui_col {
	const char *title;
	int width;      /* cells; 0 = take what is left (one such column) */
	bool right;     /* right-align (numbers) */
	int min_width;  /* columns are dropped right to left below this */
};

/*
 * Fill buf with the text of (row, col); or draw it yourself with the tui
 * and the given cell geometry and return NULL (strips inside a table).
 */
typedef const char *(*nk_tui_cell_fn)(void *ctx, size_t row, size_t col,
    char *buf, size_t len, struct nk_tui *tui, int y, int x, int width);

struct nk_tui_table {
	const struct nk_tui_col *cols;
	size_t n_cols;
	int sort_col;     /* marked in the header; the tool sorts its rows */
	bool sort_desc;
	size_t first_row; /* scroll offset */
	size_t selected;  /* highlighted row */
};

/*
 * Draw header + rows in the box (y, x, height, width): the header (reverse
 * video, the sort column's title followed by a marker "▼"/"▲", or
 * " v"/" ^" without UTF-8), then up to height-1 rows from first_row, the
 * selected one in reverse video. Widths: fixed columns first, the 0-width
 * one gets the rest; from the right, a column is squeezed down to its
 * min_width (if set) and then left out, until the rest fit (column 0 is
 * never left out, only clipped). Cells are separated by one blank and
 * clipped to their width. Returns the number of rows shown.
 */
size_t nk_tui_table_draw(struct nk_tui *tui, const struct nk_tui_table *t,
    int y, int x, int height, int width, size_t n_rows, nk_tui_cell_fn cell,
    void *ctx);
/* Column layout as nk_tui_table_draw does it (pure; unit-tested): fills
 * widths[] (0 = column hidden); returns the number of columns shown. */
size_t nk_tui_table_layout(const struct nk_tui_col *cols, size_t n_cols,
    int width, int *widths);
/* Keys for tables: arrows (and j/k)/PgUp/PgDn/Home/End (g/G) move the
 * selection within 0..n_rows-1 and scroll first_row so it stays in a page
 * of page_rows, '<' '>' change the sort column (wrapping), 'r' reverses.
 * True when the key was used. */
bool nk_tui_table_key(struct nk_tui_table *t, int key, size_t n_rows,
    int page_rows);

/* Sort an index array with a comparator (stable). */
void nk_tui_sort_index(size_t *idx, size_t n,
    int (*cmp)(void *ctx, size_t a, size_t b), void *ctx);

/* ---- bars ---- */
/* The bottom line: left text, right text, reverse video. */
void nk_tui_status(struct nk_tui *tui, const char *left, const char *right);
/* A line of "key:action" hints above the status line. */
void nk_tui_help(struct nk_tui *tui, const char *hints);

#endif
