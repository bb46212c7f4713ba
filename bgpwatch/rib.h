/*
 * rib: the routes of every peer, one node per prefix in a slab, found by a
 * hash of the prefix (exact match, longest match by probing the lengths
 * present) and walked in tree order (address, then length), each prefix
 * holding a small vector of (peer, path id, attribute set, since, flaps).
 * Attribute sets and AS paths are interned: hash-consed, refcounted,
 * shared by every route that uses them (a one-peer full table has ~90k
 * distinct sets for ~580k prefixes).
 */
#ifndef BW_RIB_H
#define BW_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bgp.h"

struct rib;

struct rib_route {
	uint32_t attr;    /* interned attribute set; 0 = withdrawn */
	uint32_t since;   /* time of the last change (epoch s) */
	uint32_t path_id; /* RFC 7911 */
	uint16_t peer;    /* peer index (rib_peer_*) */
	uint8_t flaps;    /* withdrawn->announced cycles seen (max 255) */
	uint8_t stale;    /* RFC 4724: kept over a restart, not re-sent yet */
};

struct rib *rib_new(void);
void rib_free(struct rib *r);

/* Intern the attributes of a route (with its next hop); returns an id
 * holding one reference, or 0 when out of memory. */
uint32_t rib_attr_intern(struct rib *r, const struct nk_bgp_attrs *a,
    const struct nk_addr *next_hop);
void rib_attr_ref(struct rib *r, uint32_t id);
void rib_attr_unref(struct rib *r, uint32_t id);

/* Decoded view of an interned set. */
struct rib_attr_view {
	uint8_t origin;
	bool atomic;
	bool has_med, has_lp;
	uint32_t med, local_pref;
	struct nk_addr next_hop;
	uint32_t aspath; /* interned path id */
	uint32_t origin_as;
	unsigned path_len; /* RFC 6793 count */
	const uint8_t *communities;
	size_t communities_len;
};
int rib_attr_view(const struct rib *r, uint32_t id, struct rib_attr_view *v);
/* The path attribute section the set was interned from, as received
 * (borrowed, valid while the set is referenced), with the AS number size
 * of its AS_PATH (2 or 4) and whether MP_REACH holds only a next hop
 * (TABLE_DUMP_V2). 0, or -1 for an unknown id. */
int rib_attr_raw(const struct rib *r, uint32_t id, const uint8_t **raw,
    size_t *len, unsigned *asn_len, bool *mrt_rib);
/* The path as text ("65010 64500"); "" when none. */
size_t rib_aspath_fmt(
    const struct rib *r, uint32_t aspath_id, char *buf, size_t len);
/* Decode an interned path (for "which AS is new" comparisons). */
int rib_aspath_get(
    const struct rib *r, uint32_t aspath_id, struct nk_bgp_aspath *out);

/*
 * Set the route of (prefix, peer, path_id): attr 0 withdraws. The route
 * takes over the caller's reference to attr. *old_attr receives the
 * previous attribute id (0 if none or withdrawn), still referenced: the
 * caller must rib_attr_unref() it. Returns 0, or -1 out of memory.
 */
int rib_set(struct rib *r, const struct nk_prefix *p, uint16_t peer,
    uint32_t path_id, uint32_t attr, uint32_t ts, uint32_t *old_attr,
    uint16_t *flaps);

/* The routes of a prefix (exact), n set; NULL when the prefix is unknown.
 * Valid until the next rib_set. */
const struct rib_route *rib_get(
    const struct rib *r, const struct nk_prefix *p, size_t *n);
/* Longest prefix that covers p and has any announced route. */
const struct rib_route *rib_lookup(const struct rib *r,
    const struct nk_prefix *p, struct nk_prefix *found, size_t *n);

/* Walk every prefix in tree order (IPv4 then IPv6; by address, a prefix
 * before its more-specifics); stop when cb returns non-zero. cb may change
 * the routes it is given; prefixes it adds are not visited. Returns cb's
 * value, or -1 out of memory (nothing visited). */
typedef int (*rib_walk_cb)(void *arg, const struct nk_prefix *p,
    const struct rib_route *routes, size_t n);
int rib_walk(const struct rib *r, rib_walk_cb cb, void *arg);

/* Withdraw every route of a peer (session down) in one address family
 * (AF_INET, AF_INET6; 0: both); cb sees each prefix before the change
 * (NULL cb allowed). Returns the number withdrawn. */
typedef void (*rib_peer_down_cb)(
    void *arg, const struct nk_prefix *p, uint32_t old_attr);
size_t rib_peer_clear(struct rib *r, uint16_t peer, int family, uint32_t ts,
    rib_peer_down_cb cb, void *arg);

/*
 * Graceful restart (RFC 4724 §4.2): mark every announced route of a peer
 * in one address family (AF_INET, AF_INET6; 0: both) stale instead of
 * withdrawing it; returns how many. rib_set of a route (the peer sends it
 * again, or withdraws it) clears its mark.
 */
size_t rib_peer_mark_stale(struct rib *r, uint16_t peer, int family);
/* Withdraw the routes of a peer still marked stale, of one address family
 * (AF_INET, AF_INET6; 0: both), as rib_peer_clear does. Returns how many. */
size_t rib_peer_sweep_stale(struct rib *r, uint16_t peer, int family,
    uint32_t ts, rib_peer_down_cb cb, void *arg);

/*
 * Forget withdrawn routes. Off by default: a withdrawn route keeps its
 * entry ("withdrawn since", flap count; a prefix with an entry comes back
 * as "reachable again", not "announced"). With window_s > 0, a route
 * withdrawn at least window_s ago (record time, as given to rib_set) is
 * dropped, and its prefix with it when no route is left, unless keep(arg,
 * prefix) returns true (a watched prefix; keep NULL: keep none). Pick a
 * window longer than any flap window so no flap run loses its history.
 * Sweeps run inside rib_set when the withdrawn routes held reach twice
 * what the last sweep left (at least 65536 more), so memory follows the
 * routes withdrawn within the window, not every prefix ever seen.
 */
typedef bool (*rib_keep_cb)(void *arg, const struct nk_prefix *p);
void rib_set_prune(
    struct rib *r, uint32_t window_s, rib_keep_cb keep, void *arg);
/* Sweep now (a timer, a test); returns the routes forgotten. */
size_t rib_prune(struct rib *r, uint32_t now);

struct rib_stats {
	size_t n_prefixes;  /* prefixes with a node */
	size_t n_nodes;     /* nodes in the prefix index (= n_prefixes) */
	size_t n_routes;    /* announced routes */
	size_t n_withdrawn; /* withdrawn routes still held */
	size_t n_attrs;     /* interned attribute sets */
	size_t n_paths;     /* interned AS paths */
	size_t bytes;       /* memory held, estimated from allocations */
};
void rib_stats(const struct rib *r, struct rib_stats *st);

#endif
