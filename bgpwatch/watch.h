/*
 * watch: the route-watch engine. Feeds MRT elements (or, later, live BGP
 * and BMP input) into the RIB and turns changes of watched prefixes and of
 * upstream sessions into events: announced, withdrawn ("withdrawn by A,
 * still via B"), unreachable, reachable_again, origin_changed,
 * path_changed, more_specific, flapping/flap_ended, session_up/down,
 * lost_visibility/visibility_restored, rfc7606_error. docs/events.md
 * lists every field.
 */
#ifndef BW_WATCH_H
#define BW_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "event.h"
#include "mrt.h"
#include "rib.h"

#define WATCH_MAX_UPSTREAMS 64
#define WATCH_MAX_PREFIXES 1024
#define WATCH_MAX_ASNS 256
#define WATCH_NAME_MAX 48

struct watch_upstream {
	char name[WATCH_NAME_MAX];
	struct nk_addr addr; /* family 0: match by AS only */
	uint32_t asn;        /* 0: any */
};

struct watch_cfg {
	struct watch_upstream up[WATCH_MAX_UPSTREAMS];
	size_t n_up;
	struct nk_prefix prefix[WATCH_MAX_PREFIXES];
	size_t n_prefix;
	uint32_t asn[WATCH_MAX_ASNS]; /* origin ASes to watch */
	size_t n_asn;
	bool watch_all;        /* no [watch] section: every prefix is watched */
	unsigned vis_drop_pct; /* lost visibility: drop of more than */
	unsigned vis_min_prefixes; /* ... from at least this many */
	uint32_t vis_window_s;
	unsigned flap_threshold; /* withdrawals of one route ... */
	uint32_t flap_window_s;  /* ... within this many seconds */
};

void watch_cfg_default(struct watch_cfg *c);
/* Read [upstream NAME], [watch] and [engine] from a config file. */
int watch_cfg_load(const char *path, struct watch_cfg *c, struct nk_err *err);

struct watch_event {
	const char *name;
	enum nk_severity sev;
	uint32_t ts;
	uint32_t usec;
	bool has_prefix;
	struct nk_prefix prefix;
	const char *peer; /* upstream name or address */
	struct nk_addr peer_addr;
	uint32_t peer_as;
	char old_path[512], new_path[512];
	uint32_t old_origin_as, new_origin_as;
	char still_via[256]; /* upstreams still announcing, ", "-joined */
	char detail[1600];   /* human text: "withdrawn by A, still via B" */
	uint64_t count;      /* flaps, prefix count, ... */
	uint64_t count_before;
	uint32_t since; /* start of an episode */
	/* session_up/session_down of live sessions */
	char reason[300]; /* why the session went down, "" if unknown */
	bool has_outage;  /* session_up after a known down time */
	uint64_t outage_ms;
	/* end_of_rib (RFC 4724 §2): the family, prefixes received in this
	 * session, seconds since it came up, stale routes it withdrew */
	uint16_t afi; /* 0: not an end_of_rib */
	uint8_t safi;
	uint64_t prefixes;
	double up_s;
	/* session_down of a graceful-restart peer: routes kept as stale for
	 * up to restart_time_s; end_of_rib and graceful_restart_expired:
	 * the stale routes withdrawn */
	bool graceful_restart;
	uint32_t restart_time_s;
	uint64_t stale_routes;
	bool has_stale_withdrawn;
	uint64_t stale_withdrawn;
};

typedef void (*watch_event_cb)(void *arg, const struct watch_event *ev);

struct watch;

struct watch *watch_new(
    const struct watch_cfg *cfg, watch_event_cb cb, void *arg);
void watch_free(struct watch *w);

/* While quiet (loading a RIB), routes change but no event is made. */
void watch_set_quiet(struct watch *w, bool quiet);

/* The nk_mrt_cb: arg is the struct watch. */
int watch_elem(void *arg, const struct nk_mrt_elem *e);

/* The reason of the next session state change (live inputs: the
 * NOTIFICATION, a hold timer, a closed connection). Copied; NULL clears. */
void watch_set_reason(struct watch *w, const char *reason);

/* A live session to this peer is being opened: it is not established
 * (peers first seen in MRT count as established until told otherwise), so
 * the next state change to Established is a session_up. */
void watch_peer_connecting(
    struct watch *w, const struct nk_addr *addr, uint32_t asn);

/*
 * Graceful restart (RFC 4724 §4.2), told by a live input: when the peer
 * next leaves Established, restart_s > 0 keeps its routes of the families
 * in fams (bit 0 IPv4, bit 1 IPv6: those its capability listed), marked
 * stale, and the session_down says so; the other families' routes go at
 * once. restart_s 0 or fams 0 (no capability, a helper's without family,
 * or the session ended with a NOTIFICATION) withdraws them all at once.
 */
void watch_peer_graceful(struct watch *w, const struct nk_addr *addr,
    uint32_t asn, uint16_t restart_s, uint8_t fams);
/* End-of-RIB of a family, or the restart time ran out: withdraw the
 * routes of the peer still stale (family AF_INET/AF_INET6, 0: both), with
 * the usual withdrawn/unreachable/lost_visibility events; `why` goes into
 * their detail ("stale after graceful restart"). real_ns: the events' time
 * (CLOCK_REALTIME). Returns how many were withdrawn. */
size_t watch_peer_stale_flush(struct watch *w, const struct nk_addr *addr,
    uint32_t asn, int family, int64_t real_ns, const char *why);

/* Take a reloaded config: watched prefixes, engine settings and the
 * upstream names; routes and sessions are kept. */
void watch_set_cfg(struct watch *w, const struct watch_cfg *cfg);

/* End of input: report what is still open (flap episodes). */
void watch_finish(struct watch *w);

const struct rib *watch_rib(const struct watch *w);

struct watch_peer_info {
	const char *name;
	struct nk_addr addr;
	uint32_t asn;
	bool upstream;
	bool established;
	uint64_t n_routes;
	uint32_t state_since;
};
size_t watch_n_peers(const struct watch *w);
void watch_peer(const struct watch *w, size_t i, struct watch_peer_info *pi);
/* Peer name for display: upstream name, else "ADDR AS N". */
const char *watch_peer_name(const struct watch *w, size_t i);
bool watch_is_upstream(const struct watch *w, size_t i);
uint32_t watch_last_ts(const struct watch *w);
uint64_t watch_n_events(const struct watch *w);

#endif
