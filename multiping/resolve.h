/*
 * resolve: --resolve-every SECONDS. Host-name targets are resolved again
 * off the hot path: getaddrinfo() blocks (a slow DNS server would stall
 * every probe of every target), so a child process forked for each pass
 * resolves the names one after the other and writes fixed-size records
 * into a pipe that the poll loop reads like any other fd. The child has a
 * budget (half the period, at most 30 s; alarm(2) ends it), and a pass
 * still running when the next is due is skipped, so there is never more
 * than one child. The child inherits the dropped privileges.
 *
 * A name that now points elsewhere moves its target (its history stays:
 * it is the same device to the NOC) and is reported as an
 * `address_change` event; a failed lookup keeps the old address and logs
 * one line. A new address of a family without a socket, or one that is
 * already another target's, is refused the same way.
 */
#ifndef MP_RESOLVE_H
#define MP_RESOLVE_H

#include <stdint.h>

#include "err.h"
#include "loop.h"

struct mp_engine;
struct mp_resolver;

/* Arm the periodic pass (nothing to do without host-name targets: *out
 * stays NULL). -1 with err on allocation failure. */
int mp_resolve_start(struct mp_resolver **out, struct mp_engine *e,
    struct nk_loop *loop, int64_t every_ns, struct nk_err *err);
/* Stop a running child (by its pid) and free; NULL is fine. */
void mp_resolve_free(struct mp_resolver *r);

/* One pass's result record, child to parent (host order: same process
 * image on both ends of the pipe). */
struct mp_resolve_rec {
	uint32_t target;
	int32_t family; /* AF_INET, AF_INET6, or 0: lookup failed */
	int32_t gai;    /* getaddrinfo()'s code when family is 0 */
	uint8_t bytes[16];
};

/* Apply one record to the engine (also for tests): 1 when the target
 * moved, 0 when nothing changed, -1 when refused or failed. */
int mp_resolve_apply(struct mp_engine *e, const struct mp_resolve_rec *rec);

#endif
