/*
 * livetui: the ncurses face of `bgpwatch collect --tui`, drawn inside the
 * collector's event loop (never blocking it): the sessions (peer, AS,
 * state, up/down for how long, prefixes received, last reason), watched
 * prefixes x upstreams (announced / WITHDRAWN, since when), the latest
 * events and a status/help bar. Redrawn every second and shortly after
 * each event. Keys: q quits the way SIGTERM does (NOTIFICATION Cease to
 * every peer), Tab moves the focus between the two tables, < > sort the
 * focused one, r reverses, arrows/PgUp/PgDn move.
 */
#ifndef BW_LIVETUI_H
#define BW_LIVETUI_H

#include <stdbool.h>

#include "collect.h"
#include "err.h"
#include "livestate.h"
#include "loop.h"
#include "watch.h"

struct livetui;

/* Whether there is a terminal to take: 0, or -1 with err ("stdout is not
 * a terminal: use --json or the plain output"). Checked before anything
 * is bound, so the error is one line and nothing else happens. */
int livetui_check(struct nk_err *err);
/* Take the terminal. -1 with err when there is none. Log lines that would
 * go to the same terminal (stderr is a tty and not syslog) are dropped
 * while the screen is up: the events are on it. */
int livetui_open(struct livetui **out, bool syslog, struct nk_err *err);
/* Start drawing from the collector c (and ls) in loop. 0 or -1 with err. */
int livetui_attach(struct livetui *t, struct collect *c, struct livestate *ls,
    struct nk_loop *loop, struct nk_err *err);
void livetui_event(struct livetui *t, const struct watch_event *ev);
/* Give the terminal back (endwin); NULL is fine. */
void livetui_close(struct livetui *t);

#endif
