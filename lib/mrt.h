/*
 * mrt: MRT record decoding (RFC 6396, RFC 8050 ADD-PATH). A record is
 * framed by the caller (12-byte header + body); nk_mrt_record_parse()
 * turns its body into elements — one per RIB entry, announced or withdrawn
 * prefix, or state change — passed to a callback. The context keeps the
 * TABLE_DUMP_V2 peer index table between records. No I/O.
 */
#ifndef NK_MRT_H
#define NK_MRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bgp.h"
#include "err.h"

#define NK_MRT_HDR_LEN 12

/* Types (RFC 6396 §4). 0-4, 6-10 and 5 (the old BGP type) are
 * deprecated; 11 OSPFv2, 48/49 OSPFv3 and ISIS are not BGP. */
#define NK_MRT_TABLE_DUMP 12
#define NK_MRT_TABLE_DUMP_V2 13
#define NK_MRT_BGP4MP 16
#define NK_MRT_BGP4MP_ET 17

/* TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4). */
#define NK_MRT_PEER_INDEX_TABLE 1
#define NK_MRT_RIB_IPV4_UNICAST 2
#define NK_MRT_RIB_IPV4_MULTICAST 3
#define NK_MRT_RIB_IPV6_UNICAST 4
#define NK_MRT_RIB_IPV6_MULTICAST 5
#define NK_MRT_RIB_GENERIC 6
#define NK_MRT_RIB_IPV4_UNICAST_AP 8
#define NK_MRT_RIB_IPV4_MULTICAST_AP 9
#define NK_MRT_RIB_IPV6_UNICAST_AP 10
#define NK_MRT_RIB_IPV6_MULTICAST_AP 11
#define NK_MRT_RIB_GENERIC_AP 12

/* BGP4MP subtypes (RFC 6396 §4.4, RFC 8050 §3). */
#define NK_MRT_STATE_CHANGE 0
#define NK_MRT_MESSAGE 1
#define NK_MRT_MESSAGE_AS4 4
#define NK_MRT_STATE_CHANGE_AS4 5
#define NK_MRT_MESSAGE_LOCAL 6
#define NK_MRT_MESSAGE_AS4_LOCAL 7
#define NK_MRT_MESSAGE_AP 8
#define NK_MRT_MESSAGE_AS4_AP 9
#define NK_MRT_MESSAGE_LOCAL_AP 10
#define NK_MRT_MESSAGE_AS4_LOCAL_AP 11

struct nk_mrt_hdr {
	uint32_t ts;
	uint16_t type;
	uint16_t subtype;
	uint32_t len; /* body bytes after the 12-byte header */
};

/* Decode the 12-byte header. 0, or -1 if fewer bytes. */
int nk_mrt_hdr_parse(const uint8_t *buf, size_t len, struct nk_mrt_hdr *h);

/* True for a type/subtype this module decodes (used to resynchronise). */
bool nk_mrt_type_known(uint16_t type, uint16_t subtype);
/* True for a deprecated type (RFC 6396 §4 "deprecated"). */
bool nk_mrt_type_deprecated(uint16_t type);

enum nk_mrt_kind {
	NK_MRT_E_RIB = 0,    /* a TABLE_DUMP/TABLE_DUMP_V2 entry */
	NK_MRT_E_ANNOUNCE,   /* an NLRI of an UPDATE */
	NK_MRT_E_WITHDRAW,   /* a withdrawn prefix of an UPDATE */
	NK_MRT_E_STATE,      /* BGP FSM state change */
	NK_MRT_E_MESSAGE,    /* a non-UPDATE BGP message (OPEN, NOTIFICATION) */
	NK_MRT_E_ATTR_ERROR, /* an UPDATE with an RFC 7606 error class */
};

struct nk_mrt_peer {
	struct nk_addr addr;
	uint32_t asn;
	uint32_t bgp_id;
};

struct nk_mrt_elem {
	enum nk_mrt_kind kind;
	uint16_t type, subtype;
	uint32_t ts;
	uint32_t usec; /* BGP4MP_ET only */
	bool et;
	/* RFC 7911 path identifiers in the NLRI, per AFI: addpath for
	 * IPv4, addpath_v6 for IPv6. An MRT record's AP subtype (RFC 8050)
	 * sets both; a live session negotiates each on its own. */
	bool addpath;
	bool addpath_v6;
	bool local; /* a message this collector sent (MESSAGE_LOCAL) */
	struct nk_addr peer_addr;
	uint32_t peer_as;
	struct nk_addr local_addr;
	uint32_t local_as;
	uint16_t peer_index; /* TABLE_DUMP_V2 */
	struct nk_prefix prefix;
	uint32_t path_id;
	uint16_t afi;
	uint8_t safi;
	bool from_mp;        /* NLRI from MP_REACH/MP_UNREACH */
	uint32_t originated; /* RIB entries */
	/* The next hop of this prefix: MP_REACH's for MP NLRI, else
	 * NEXT_HOP's; family 0 when none. */
	struct nk_addr next_hop;
	const struct nk_bgp_attrs *attrs; /* NULL for STATE/WITHDRAW */
	uint16_t old_state, new_state;
	uint8_t msg_type; /* NK_MRT_E_MESSAGE: BGP message type */
	uint8_t notify_code, notify_subcode;
};

/* Whether this element's NLRI carried a path identifier (by its AFI). */
static inline bool
nk_mrt_elem_addpath(const struct nk_mrt_elem *e)
{
	return e->afi == NK_AFI_IPV6 ? e->addpath_v6 : e->addpath;
}

/* Return 0 to go on, non-zero to stop the record (passed back). */
typedef int (*nk_mrt_cb)(void *arg, const struct nk_mrt_elem *e);

#define NK_MRT_MAX_PEERS 65535

struct nk_mrt_ctx {
	struct nk_mrt_peer *peers; /* PEER_INDEX_TABLE, owned */
	uint32_t n_peers;
	bool have_pit;
	uint64_t n_skipped_afi; /* MP NLRI of AFI/SAFI not decoded */
	uint64_t n_attr_errors;
	uint64_t n_quirks; /* historic writer bugs decoded (Zebra) */
	/* The first RFC 7606 error of the last record, "" if none. */
	char attr_err[200];
};

void nk_mrt_ctx_init(struct nk_mrt_ctx *ctx);
void nk_mrt_ctx_fini(struct nk_mrt_ctx *ctx);

/*
 * Decode one record body. Returns 0 when decoded; 1 when the record was
 * skipped on purpose (deprecated or unsupported type; err says which);
 * -1 when malformed (err: the cause, without file or offset, e.g.
 * "RIB entry 3: attribute length 300 > 212 bytes left"). Elements already
 * passed to cb stay valid. A non-zero cb return is returned as is.
 * Allocates only for the peer index table.
 */
int nk_mrt_record_parse(struct nk_mrt_ctx *ctx, const struct nk_mrt_hdr *h,
    const uint8_t *body, size_t len, nk_mrt_cb cb, void *arg,
    struct nk_err *err);

/*
 * Decode one UPDATE body (after the 19-byte BGP header) into elements as
 * for a BGP4MP record, for inputs that are not MRT (live BGP sessions, BMP
 * route monitoring): `proto` supplies peer, time, ADD-PATH and the like;
 * kind, prefix and attributes are filled here. Returns as
 * nk_mrt_record_parse.
 */
int nk_mrt_update_elems(struct nk_mrt_ctx *ctx, const struct nk_mrt_elem *proto,
    const uint8_t *body, size_t len, bool as4, nk_mrt_cb cb, void *arg,
    struct nk_err *err);

/* "TABLE_DUMP_V2/RIB_IPV4_UNICAST"-like name of a type/subtype. */
const char *nk_mrt_type_name(uint16_t type);

#endif
