/*
 * tuiview: the ncurses face. Targets x latest result, with a strip of the
 * total probe time per round (alarms '!', failures 'x'), rounds every
 * interval through probe.c's multi batch, stepped from the UI loop with
 * the tty as an extra wait fd: keys, resizes and redraws are served while
 * probes run. Keys: q quit (cancels a round in progress), arrows/sort
 * keys of lib/tui tables, space probes now.
 */
#ifndef MP_TUIVIEW_H
#define MP_TUIVIEW_H

#include <stdint.h>

#include "probe.h"
#include "report.h"

/* Runs until 'q' or SIGINT/SIGTERM; returns an exit code. */
int mp_tui_run(const struct mp_target *tgs, unsigned n,
    const struct mp_opts *o, const struct mp_judge *j, int64_t interval_ns);

#endif
