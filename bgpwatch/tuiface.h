/*
 * tuiface: the ncurses face of `bgpwatch replay` on a terminal: watched
 * prefixes x upstreams (reachable / withdrawn, since when), the event log
 * and per-peer prefix counts. Drawn with lib/tui after the replay; 'q'
 * quits.
 */
#ifndef BW_TUIFACE_H
#define BW_TUIFACE_H

#include "watch.h"

struct tuiface;

/* NULL when no terminal can be used (the caller prints plain lines). */
struct tuiface *tuiface_open(const struct watch_cfg *cfg);
void tuiface_attach(struct tuiface *t, const struct watch *w);
void tuiface_event(struct tuiface *t, const struct watch_event *ev);
/* Show the result until the user quits. */
void tuiface_run(struct tuiface *t);
void tuiface_close(struct tuiface *t);

#endif
