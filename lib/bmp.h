/*
 * bmp: BGP Monitoring Protocol message decoding (RFC 7854; Loc-RIB peer
 * type of RFC 9069; Adj-RIB-Out flag of RFC 8671). A message is framed by
 * the caller with nk_bmp_hdr_parse() (version, length, type) and decoded
 * with nk_bmp_msg_parse(); the BGP PDUs inside (UPDATE, OPEN, NOTIFICATION)
 * are borrowed pointers for lib/bgp, lib/bgpmsg and lib/mrt. Pure: no
 * allocation, no I/O.
 */
#ifndef NK_BMP_H
#define NK_BMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rd.h"

#define NK_BMP_VERSION 3
#define NK_BMP_HDR_LEN 6
#define NK_BMP_PEER_HDR_LEN 42
/* A Peer Up holds two OPENs of up to 65535 bytes (RFC 8654) and TLVs; a
 * longer message is refused rather than buffered. */
#define NK_BMP_MAX_LEN (3u * 65536u)

/* Message types (RFC 7854 §4.1). */
#define NK_BMP_ROUTE_MONITORING 0
#define NK_BMP_STATS 1
#define NK_BMP_PEER_DOWN 2
#define NK_BMP_PEER_UP 3
#define NK_BMP_INITIATION 4
#define NK_BMP_TERMINATION 5
#define NK_BMP_ROUTE_MIRRORING 6

/* Peer types (RFC 7854 §4.2, RFC 9069 §4.1). */
#define NK_BMP_PEER_GLOBAL 0
#define NK_BMP_PEER_RD 1
#define NK_BMP_PEER_LOCAL 2
#define NK_BMP_PEER_LOC_RIB 3

/* Per-peer header flags. */
#define NK_BMP_F_V 0x80     /* IPv6 peer address */
#define NK_BMP_F_L 0x40     /* post-policy */
#define NK_BMP_F_A 0x20     /* legacy 2-octet AS_PATH */
#define NK_BMP_F_O 0x10     /* Adj-RIB-Out (RFC 8671) */
#define NK_BMP_F_LOC_F 0x80 /* Loc-RIB: filtered (RFC 9069 §4.2) */

struct nk_bmp_hdr {
	uint8_t version;
	uint32_t len; /* whole message, header included */
	uint8_t type;
};

/*
 * The common header. 0; 1 when fewer than 6 bytes are given (wait for
 * more); -1 when malformed (version not 3, length below 6 or over
 * NK_BMP_MAX_LEN: the stream cannot be framed any more) with cause.
 */
int nk_bmp_hdr_parse(
    const uint8_t *buf, size_t len, struct nk_bmp_hdr *h, const char **cause);

struct nk_bmp_peer {
	uint8_t type;
	uint8_t flags;
	uint64_t rd;
	struct nk_addr addr; /* 0.0.0.0 / :: for Loc-RIB */
	uint32_t asn;
	uint32_t bgp_id; /* host order */
	uint32_t ts_sec, ts_usec;
	bool post_policy; /* L */
	bool as2;         /* A: the UPDATE uses 2-octet AS numbers */
	bool adj_rib_out; /* O */
	bool loc_rib;     /* peer type 3 */
	bool filtered;    /* Loc-RIB F flag */
};

/* TLVs of Initiation, Termination and Peer Up (RFC 7854 §4.4). */
#define NK_BMP_INFO_STRING 0
#define NK_BMP_INFO_SYSDESCR 1
#define NK_BMP_INFO_SYSNAME 2
#define NK_BMP_TERM_REASON 1
#define NK_BMP_PEERUP_VRF_TABLE_NAME 3 /* RFC 9069 §5 */

/* Peer Down reasons (RFC 7854 §4.9, RFC 9069 §5). */
#define NK_BMP_DOWN_LOCAL_NOTIFY 1
#define NK_BMP_DOWN_LOCAL_FSM 2
#define NK_BMP_DOWN_REMOTE_NOTIFY 3
#define NK_BMP_DOWN_REMOTE_NODATA 4
#define NK_BMP_DOWN_DECONFIGURED 5
#define NK_BMP_DOWN_LOCRIB_GONE 6

struct nk_bmp_msg {
	struct nk_bmp_hdr h;
	bool has_peer;
	struct nk_bmp_peer peer;
	/* Route Monitoring / Route Mirroring: the BGP PDU (header included);
	 * Peer Down reasons 1 and 3: the NOTIFICATION PDU. */
	const uint8_t *pdu;
	size_t pdu_len;
	/* Peer Up */
	struct nk_addr local_addr;
	uint16_t local_port, remote_port;
	const uint8_t *sent_open, *recv_open; /* whole OPEN PDUs */
	size_t sent_open_len, recv_open_len;
	/* Peer Down */
	uint8_t down_reason;
	uint16_t down_fsm_event;
	/* Stats: count and the TLVs for nk_bmp_stat_next */
	uint32_t n_stats;
	/* Initiation, Termination, Peer Up information TLVs; Stats TLVs */
	const uint8_t *tlvs;
	size_t tlvs_len;
	uint16_t term_reason; /* 0xffff when absent */
};

/*
 * Decode one whole message (buf holds exactly h.len bytes, as framed by
 * nk_bmp_hdr_parse). 0, or -1 with cause when malformed (per-peer header
 * short, a PDU overrunning the message, TLV lengths that lie). A Route
 * Monitoring PDU is checked for framing only (marker, length); its UPDATE
 * is left to nk_mrt_update_elems.
 */
int nk_bmp_msg_parse(
    const uint8_t *buf, size_t len, struct nk_bmp_msg *m, const char **cause);

/* Next information TLV of r (Initiation/Termination/Peer Up). 1 with
 * type and a borrowed value, 0 at the end, -1 when malformed. */
int nk_bmp_tlv_next(
    struct nk_rd *r, uint16_t *type, const uint8_t **val, uint16_t *vlen);

/*
 * Next Stats TLV (RFC 7854 §4.8): counters (4 bytes) and gauges (8
 * bytes) as value; types 9 and 10 (per AFI/SAFI gauges) also set afi and
 * safi. Other lengths: value 0, `known` false. 1, 0 at the end, -1 when
 * malformed.
 */
int nk_bmp_stat_next(struct nk_rd *r, uint16_t *type, uint64_t *value,
    uint16_t *afi, uint8_t *safi, bool *known);

const char *nk_bmp_type_name(uint8_t type);
const char *nk_bmp_down_reason_name(uint8_t reason);

#endif
