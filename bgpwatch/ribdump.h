/*
 * ribdump: a snapshot of what the watch engine holds, written as MRT
 * TABLE_DUMP_V2 (RFC 6396 §4.3) so `bgpwatch replay/dump` and bgpdump read
 * it: one PEER_INDEX_TABLE (every engine peer, index = engine peer index,
 * 4-octet AS), then one RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record per
 * prefix with an announced route, one entry per peer; a prefix that holds
 * a path from an ADD-PATH peer (path id not 0) is written with the RFC
 * 8050 subtype instead (RIB_IPV4_UNICAST_ADDPATH, ...), one entry per
 * path with its path id.
 * Attributes are the ones received, re-encoded as §4.3.4 wants: AS_PATH
 * with 4-octet ASes (AS4_PATH merged), AGGREGATOR with a 4-octet AS,
 * MP_REACH_NLRI holding only the next hop, no MP_UNREACH_NLRI.
 */
#ifndef BW_RIBDUMP_H
#define BW_RIBDUMP_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "watch.h"

struct ribdump_stats {
	uint64_t n_records; /* MRT records written, peer index table included */
	uint64_t n_prefixes;
	uint64_t n_routes;
	uint64_t n_skipped; /* routes whose attributes did not fit (64 KiB) */
	uint64_t bytes;
};

/*
 * Append the snapshot to f (not flushed). collector_id: our BGP
 * identifier (host order); ts: the records' time (epoch s). 0, or -1 with
 * err ("write: No space left on device", "out of memory"); a partial
 * snapshot may then be in f.
 */
int ribdump_write(FILE *f, const struct watch *w, uint32_t collector_id,
    uint32_t ts, struct ribdump_stats *st, struct nk_err *err);

#endif
