/*
 * bgp: BGP-4 message and UPDATE decoding (RFC 4271, 4760, 6793, 7911,
 * 1997, 4360, 8092) with RFC 7606 error classes. Pure: bytes in, structs
 * out; every pointer in a result borrows from the input buffer and dies
 * with it. No allocation, no I/O.
 */
#ifndef NK_BGP_H
#define NK_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rd.h"

/* Message types (RFC 4271 §4.1, RFC 2918). */
#define NK_BGP_OPEN 1
#define NK_BGP_UPDATE 2
#define NK_BGP_NOTIFICATION 3
#define NK_BGP_KEEPALIVE 4
#define NK_BGP_ROUTE_REFRESH 5

#define NK_BGP_HDR_LEN 19
#define NK_BGP_MAX_LEN 65535 /* RFC 8654 extended messages */

/* Path attribute type codes. */
#define NK_BGP_A_ORIGIN 1
#define NK_BGP_A_AS_PATH 2
#define NK_BGP_A_NEXT_HOP 3
#define NK_BGP_A_MED 4
#define NK_BGP_A_LOCAL_PREF 5
#define NK_BGP_A_ATOMIC_AGGR 6
#define NK_BGP_A_AGGREGATOR 7
#define NK_BGP_A_COMMUNITIES 8
#define NK_BGP_A_ORIGINATOR_ID 9
#define NK_BGP_A_CLUSTER_LIST 10
#define NK_BGP_A_MP_REACH 14
#define NK_BGP_A_MP_UNREACH 15
#define NK_BGP_A_EXT_COMMUNITIES 16
#define NK_BGP_A_AS4_PATH 17
#define NK_BGP_A_AS4_AGGREGATOR 18
#define NK_BGP_A_LARGE_COMMUNITIES 32

#define NK_BGP_AF_EXTLEN 0x10 /* attribute flag: two-octet length */

/* AS_PATH segment types (RFC 4271 §4.3, RFC 5065). */
#define NK_BGP_AS_SET 1
#define NK_BGP_AS_SEQUENCE 2
#define NK_BGP_AS_CONFED_SEQUENCE 3
#define NK_BGP_AS_CONFED_SET 4

#define NK_BGP_AS_TRANS 23456u

#define NK_AFI_IPV4 1
#define NK_AFI_IPV6 2
#define NK_SAFI_UNICAST 1
#define NK_SAFI_MULTICAST 2

/*
 * RFC 7606 error handling classes, in increasing severity. An UPDATE keeps
 * the worst class seen; the first cause is kept as text.
 */
enum nk_bgp_errclass {
	NK_BGP_ERR_NONE = 0,
	NK_BGP_ERR_ATTR_DISCARD = 1,      /* §2: drop the attribute, go on */
	NK_BGP_ERR_TREAT_AS_WITHDRAW = 2, /* §2: NLRI become withdrawals */
	NK_BGP_ERR_SESSION_RESET = 3,     /* §2: framing lost: reset */
};

const char *nk_bgp_errclass_name(enum nk_bgp_errclass c);

struct nk_bgp_msg {
	uint8_t type;
	uint16_t len;        /* from the header, includes the 19 bytes */
	const uint8_t *body; /* after the header */
	size_t body_len;
};

/*
 * Parse one message header (marker, length, type). `len` may be more than
 * the message (the rest is ignored) but not less: a message whose length
 * field claims more bytes than given is an error. 0 or -1 with `cause`.
 */
int nk_bgp_msg_parse(
    const uint8_t *buf, size_t len, struct nk_bgp_msg *m, const char **cause);

/* The three parts of an UPDATE body (RFC 4271 §4.3). 0 or -1. */
struct nk_bgp_update {
	const uint8_t *withdrawn;
	size_t withdrawn_len;
	const uint8_t *attrs;
	size_t attrs_len;
	const uint8_t *nlri;
	size_t nlri_len;
};
int nk_bgp_update_split(const uint8_t *body, size_t len,
    struct nk_bgp_update *u, const char **cause);

/*
 * End-of-RIB marker (RFC 4724 §2): an UPDATE body with nothing in it
 * (IPv4 unicast), or whose only content is an MP_UNREACH_NLRI attribute
 * holding just AFI and SAFI. 1 with *afi and *safi set; 0 for any other
 * UPDATE, malformed ones included (the decoder reports those).
 */
int nk_bgp_update_eor(
    const uint8_t *body, size_t len, uint16_t *afi, uint8_t *safi);

/*
 * Whether an UPDATE body holds an MP_REACH_NLRI or MP_UNREACH_NLRI of this
 * AFI (RFC 4760), looking at the attribute framing and the AFI only. 1 or
 * 0; 0 too when the framing is malformed (the decoder reports that).
 */
int nk_bgp_update_mp_afi(const uint8_t *body, size_t len, uint16_t afi);

/* Decoding options: what the session (or MRT record) negotiated. */
struct nk_bgp_opts {
	bool as4;       /* 4-octet AS numbers in AS_PATH/AGGREGATOR */
	bool addpath;   /* RFC 7911 path identifiers in NLRI */
	bool mrt_rib;   /* TABLE_DUMP_V2: MP_REACH holds only the next hop */
	int rib_family; /* AF of the RIB record (for abbreviated MP_REACH) */
};

struct nk_bgp_mp {
	uint16_t afi;
	uint8_t safi;
	uint8_t nh_len;
	struct nk_addr nh;    /* global next hop (IPv4-mapped kept as v6) */
	struct nk_addr nh_ll; /* link-local, when nh_len is 32 */
	const uint8_t *nlri;
	size_t nlri_len;
};

#define NK_BGP_MAX_UNKNOWN 8

struct nk_bgp_unknown {
	uint8_t flags;
	uint8_t type;
	uint16_t len;
	const uint8_t *data;
};

struct nk_bgp_attrs {
	const uint8_t *raw; /* the whole path attribute section */
	size_t raw_len;
	bool mrt_rib;     /* decoded with nk_bgp_opts.mrt_rib */
	uint64_t present; /* bit (1 << type) for type < 64 */
	uint8_t origin;
	struct nk_addr next_hop;
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggr_as;
	struct nk_addr aggr_addr;
	uint32_t as4_aggr_as;
	struct nk_addr as4_aggr_addr;
	const uint8_t *as_path;
	size_t as_path_len;
	uint8_t as_path_asn_len; /* 2 or 4 */
	const uint8_t *as4_path;
	size_t as4_path_len;
	const uint8_t *communities;
	size_t communities_len;
	const uint8_t *large;
	size_t large_len;
	const uint8_t *ext;
	size_t ext_len;
	struct nk_bgp_mp mp_reach;
	struct nk_bgp_mp mp_unreach;
	unsigned n_unknown; /* may exceed NK_BGP_MAX_UNKNOWN; first kept */
	struct nk_bgp_unknown unknown[NK_BGP_MAX_UNKNOWN];
	enum nk_bgp_errclass err_class;
	unsigned n_errors;
	char err_cause[120];
};

static inline bool
nk_bgp_has(const struct nk_bgp_attrs *a, unsigned type)
{
	return type < 64 && (a->present >> type & 1u) != 0;
}

/*
 * Decode the path attributes of an UPDATE (or an MRT RIB entry). Never
 * fails outright: malformed attributes are classed per RFC 7606 into
 * a->err_class with the first cause in a->err_cause. Attributes of which
 * the framing is intact are kept.
 */
void nk_bgp_attrs_parse(const uint8_t *buf, size_t len,
    const struct nk_bgp_opts *o, struct nk_bgp_attrs *a);

/*
 * Next prefix of an NLRI field. family AF_INET/AF_INET6. Bits past the
 * prefix length are masked to zero. Returns 1 with a prefix, 0 at the end,
 * -1 on a malformed entry (length over the maximum, truncated).
 */
int nk_bgp_nlri_next(struct nk_rd *r, int family, bool addpath,
    struct nk_prefix *p, uint32_t *path_id);

/* A decoded AS path (after the RFC 6793 merge), bounded. */
#define NK_BGP_ASPATH_MAX_ASN 2048
#define NK_BGP_ASPATH_MAX_SEG 128
struct nk_bgp_aspath {
	unsigned n_seg;
	unsigned n_asn;
	bool truncated; /* more than the maximum: the rest was left out */
	struct {
		uint8_t type;
		uint16_t first; /* index in asn[] */
		uint16_t n;
	} seg[NK_BGP_ASPATH_MAX_SEG];
	uint32_t asn[NK_BGP_ASPATH_MAX_ASN];
};

/* Decode an AS_PATH/AS4_PATH body. 0, or -1 when malformed (RFC 7606 §7.2
 * treat-as-withdraw). */
int nk_bgp_aspath_decode(const uint8_t *buf, size_t len, unsigned asn_len,
    struct nk_bgp_aspath *out);

/*
 * The path of the route: AS_PATH, with AS4_PATH merged as RFC 6793 §4.2.3
 * says when the speaker was 2-octet (asn_len 2): AS4_PATH is ignored when
 * longer than AS_PATH, or when AGGREGATOR is not AS_TRANS while
 * AS4_AGGREGATOR is present; else the leading AS_PATH entries are kept up
 * to the difference of the counts and AS4_PATH appended. 0 or -1.
 */
int nk_bgp_attrs_aspath(
    const struct nk_bgp_attrs *a, struct nk_bgp_aspath *out);

/* The aggregator after RFC 6793 §4.2.3 (AS4_AGGREGATOR when AS_TRANS). */
bool nk_bgp_attrs_aggregator(
    const struct nk_bgp_attrs *a, uint32_t *as, struct nk_addr *addr);

/* RFC 6793 path length: a set counts 1, confederation segments 0. */
unsigned nk_bgp_aspath_count(const struct nk_bgp_aspath *p);

/* The origin AS: last AS of the last AS_SEQUENCE; 0 if none (ends in a
 * set or empty). */
uint32_t nk_bgp_aspath_origin(const struct nk_bgp_aspath *p);

/*
 * Text as bgpdump prints it: "1 2 {3,4} (5 6) [7,8]". Returns the length
 * written (bounded by len-1, NUL-terminated; a cut path ends in "...").
 */
size_t nk_bgp_aspath_fmt(const struct nk_bgp_aspath *p, char *buf, size_t len);

const char *nk_bgp_origin_name(unsigned origin);

#endif
