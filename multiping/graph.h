/*
 * graph: a picture of RTT over time with loss marks, one panel per target
 * (the probes still in the history window), for a ticket or a customer
 * email. PNG or SVG by the file name's extension, drawn with cairo (the
 * one vector/raster library in Debian that writes both without a display
 * server or a plotting stack).
 */
#ifndef MP_GRAPH_H
#define MP_GRAPH_H

#include "err.h"

struct mp_engine;

#include <stddef.h>

struct mp_targets;

/* Write path (.png or .svg): the panels of the targets sel[0..n_sel) in
 * that order, or of every target when n_sel is 0. 0 or -1 with err
 * ("graph x.png: ..."). */
int mp_graph_write(const struct mp_engine *e, const char *path,
    const size_t *sel, size_t n_sel, struct nk_err *err);

/*
 * --graph-target: a selector is an address (as any spelling parses), a
 * host name as given, or a label. Every target it names is appended to
 * out (dupes skipped; at most cap). -1 with err when it names none.
 */
int mp_graph_select(const struct mp_targets *ts, const char *selector,
    size_t *out, size_t *n, size_t cap, struct nk_err *err);

#endif
