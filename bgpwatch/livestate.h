/*
 * livestate: what a running collector knows right now, as a struct
 * nk_bgpstatus (lib/bgpstatus.h): sessions (state, since when, prefixes,
 * last reason), watched prefixes x upstreams and the open alarms. The live
 * TUI draws it; `[collector] status_file = PATH` writes it as JSON for
 * `bgpwatch status` (every LIVESTATE_INTERVAL_NS and at most 200 ms after
 * each event; written to PATH.tmp, then renamed, so a reader never sees
 * half a file).
 */
#ifndef BW_LIVESTATE_H
#define BW_LIVESTATE_H

#include <stdint.h>

#include "bgpstatus.h"
#include "collect.h"
#include "err.h"
#include "loop.h"
#include "watch.h"

#define LIVESTATE_INTERVAL_NS (5 * INT64_C(1000000000))

struct livestate;

struct livestate *livestate_new(struct collect *c);
void livestate_free(struct livestate *ls);

/* Remember what events tell and the snapshot does not hold (why a
 * session went down, when); schedules a status file write. */
void livestate_event(struct livestate *ls, const struct watch_event *ev);

/* The snapshot at now_real_ns (realtime) into st (caller's storage). */
void livestate_snapshot(
    struct livestate *ls, int64_t now_real_ns, struct nk_bgpstatus *st);

/* Write the status file to path now and every LIVESTATE_INTERVAL_NS; a
 * first write that fails is an error (0 or -1 with err), later failures
 * are logged once each. */
int livestate_file_start(struct livestate *ls, struct nk_loop *loop,
    const char *path, struct nk_err *err);

/* The last write, on a clean shutdown: the snapshot with "stopped": why,
 * so `bgpwatch status` says so at once instead of after --max-age. A
 * no-op without a status file; a failure is logged. */
void livestate_file_stop(struct livestate *ls, const char *why);

/* Write st to path atomically (path.tmp + rename). 0, or -1 with err. */
int livestate_write(
    const struct nk_bgpstatus *st, const char *path, struct nk_err *err);

#endif
