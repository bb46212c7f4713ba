/*
 * ui: the ncurses face (lib/tui). One row per target, grouped by the
 * config's groups, with live stats columns and an RTT strip (one cell per
 * probe, 'x' for loss); the newest correlated-loss line on top. Keys: q
 * quit, p pause the display (probing goes on), Left/Right scroll the strips
 * back in the history window, '<' '>' sort column, r reverse, arrows/PgUp/
 * PgDn scroll rows. Redrawn on a timer, never per packet.
 */
#ifndef MP_UI_H
#define MP_UI_H

#include "err.h"
#include "loop.h"

struct mp_ui;
struct mp_engine;
struct mp_report;

/* Fails with tui's one line when stdout is not a terminal. */
int mp_ui_open(struct mp_ui **out, struct nk_err *err);
/* Watch keys, redraw every 500 ms. */
int mp_ui_attach(struct mp_ui *ui, struct mp_engine *e, struct mp_report *r,
    struct nk_loop *loop, struct nk_err *err);
/* endwin(); safe with NULL. Call before printing anything. */
void mp_ui_close(struct mp_ui *ui);

#endif
