/*
 * tuiface: the ncurses face of `bgpwatch replay` on a terminal: watched
 * prefixes x upstreams (reachable / withdrawn, since when), the event log
 * and per-peer prefix counts. Drawn with lib/tui after the replay; 'q'
 * quits.
 */
#ifndef BW_TUIFACE_H
#define BW_TUIFACE_H

#include <stddef.h>

#include "event.h"
#include "tui.h"
#include "watch.h"

struct tuiface;

/* NULL when no terminal can be used (the caller prints plain lines). */
struct tuiface *tuiface_open(const struct watch_cfg *cfg);
void tuiface_attach(struct tuiface *t, const struct watch *w);
void tuiface_event(struct tuiface *t, const struct watch_event *ev);
/* Show the result until the user quits. */
void tuiface_run(struct tuiface *t);
void tuiface_close(struct tuiface *t);

/* Shared with the live face (livetui): the colour of a severity, and an
 * event as one log line "2026-11-23T06:01:02 withdrawn  PFX detail". */
enum nk_tui_color tuiface_sev_color(enum nk_severity s);
void tuiface_fmt_event(const struct watch_event *ev, char *buf, size_t len);

#endif
