/*
 * bmpin: one BMP stream (a monitored router's TCP connection, or one
 * direction of a captured flow): frames messages, decodes them with
 * lib/bmp and feeds the chosen RIB view of every monitored peer into the
 * watch engine as if the collector had a session with it (Peer Up/Down
 * become session_up/down, Route Monitoring becomes announce/withdraw).
 */
#ifndef BW_BMPIN_H
#define BW_BMPIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bmp.h"
#include "mrt.h"
#include "watch.h"

enum bmpin_view {
	BMPIN_VIEW_PRE = 0, /* Adj-RIB-In pre-policy: what the peer sent */
	BMPIN_VIEW_POST,    /* Adj-RIB-In post-policy */
	BMPIN_VIEW_LOC_RIB, /* RFC 9069 Loc-RIB (peer = the router) */
};

/* Called for every decoded message (m) and, for Route Monitoring, every
 * element of its UPDATE (e, else NULL). */
typedef void (*bmpin_msg_cb)(
    void *arg, const struct nk_bmp_msg *m, const struct nk_mrt_elem *e);

#define BMPIN_MAX_PEERS 256

struct bmpin {
	struct nk_addr router;
	char router_name[64]; /* sysName from Initiation, else address */
	enum bmpin_view view;
	struct watch *w; /* may be NULL (decode only) */
	bmpin_msg_cb cb;
	void *cb_arg;
	uint8_t *buf;
	size_t len, cap;
	bool broken; /* framing lost: the stream must be closed */
	char err[160];
	struct nk_mrt_ctx mctx;
	/* monitored peers that are up (fed to the engine) */
	struct {
		struct nk_addr addr;
		uint32_t asn;
	} up[BMPIN_MAX_PEERS];
	size_t n_up;
	uint64_t n_msgs, n_bad, n_stats, n_elems;
	int64_t now_real_ns; /* stamp of the bytes being fed */
};

int bmpin_init(struct bmpin *b, const struct nk_addr *router,
    enum bmpin_view view, struct watch *w, bmpin_msg_cb cb, void *arg);
void bmpin_fini(struct bmpin *b);

/*
 * Append stream bytes and handle every complete message. 0, or -1 when
 * the stream is broken (b->err says why; close it). A malformed message
 * whose framing is intact is counted (n_bad) and skipped.
 */
int bmpin_feed(struct bmpin *b, const uint8_t *data, size_t n, int64_t real_ns);

/* The stream ended (closed, Termination, or cut): every peer of this
 * router that was up goes down in the engine with `why`. */
void bmpin_close(struct bmpin *b, const char *why);

#endif
