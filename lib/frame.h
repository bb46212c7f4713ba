/*
 * frame: decode one captured link-layer frame (pcap record) far enough for
 * stormwatch: MACs and VLAN tags, IPv4/IPv6 with checksums, ICMP/ICMPv6
 * echo (id, seq, checksum, payload digest), ARP, UDP/TCP ports and their
 * checksums. Pure: no I/O, no libpcap, no globals; every byte is read
 * through nk_rd and nothing past caplen is ever touched.
 */
#ifndef NK_FRAME_H
#define NK_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rd.h"

/* Link types (pcap LINKTYPE_ / Linux DLT_ values) the decoder accepts. */
#define NK_DLT_EN10MB 1
#define NK_DLT_RAW 12     /* DLT_RAW as libpcap reports it on Linux */
#define NK_DLT_RAW_BSD 14 /* DLT_RAW on OpenBSD */
#define NK_DLT_RAW_LT 101 /* LINKTYPE_RAW in a file header */
#define NK_DLT_LINUX_SLL 113
#define NK_DLT_IPV4 228
#define NK_DLT_IPV6 229
#define NK_DLT_LINUX_SLL2 276

#define NK_FRAME_MAX_VLAN 2   /* QinQ: outer (802.1ad) + inner (802.1Q) */
#define NK_FRAME_MAX_V6_EXT 8 /* extension headers followed, then given up */

enum nk_frame_l3 {
	NK_L3_NONE = 0, /* too short or unparsed link header */
	NK_L3_ARP,
	NK_L3_IPV4,
	NK_L3_IPV6,
	NK_L3_OTHER, /* an ethertype we do not decode */
};

/* A checksum is verified only when every byte it covers was captured. */
enum nk_cksum {
	NK_CKSUM_NONE = 0, /* not applicable (no such header) */
	NK_CKSUM_GOOD,
	NK_CKSUM_BAD,
	NK_CKSUM_UNKNOWN, /* truncated capture, fragment, or not checked */
};

/* Decoder options. */
#define NK_FRAME_VERIFY_L4 0x1u /* verify TCP/UDP checksums (costs a pass) */

struct nk_frame {
	uint32_t caplen;
	uint32_t len;   /* original length on the wire */
	bool truncated; /* caplen < len, or a header claims more than caplen */
	const char *malformed; /* static reason, NULL when well formed */

	bool has_mac; /* false for raw IP and SLL without a 6-byte address */
	bool has_dst_mac; /* SLL has the source only */
	struct nk_mac src_mac;
	struct nk_mac dst_mac;
	uint8_t n_vlan;
	uint16_t vlan[NK_FRAME_MAX_VLAN]; /* VLAN ids, outermost first */
	uint16_t sll_pkttype; /* SLL/SLL2 packet type (0 host .. 4 outgoing) */
	bool sll;
	uint16_t ethertype;

	enum nk_frame_l3 l3;
	struct nk_addr src_ip;
	struct nk_addr dst_ip;
	uint8_t ttl;   /* IPv4 TTL or IPv6 hop limit */
	uint8_t proto; /* IPv4 protocol or IPv6 upper-layer next header */
	uint16_t ip_id;
	bool ip_options;
	bool fragment;       /* part of a fragmented datagram */
	bool first_fragment; /* offset 0 (the L4 header is here) */
	enum nk_cksum ip_cksum;

	/* ICMP (proto 1) or ICMPv6 (58) */
	bool icmp;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_cksum_be; /* as on the wire */
	enum nk_cksum icmp_cksum;
	bool echo; /* echo request or reply: id/seq/payload valid */
	bool echo_request;
	uint16_t echo_id;
	uint16_t echo_seq;
	uint32_t echo_payload_len; /* bytes captured after the 8-byte header */
	uint64_t echo_digest;      /* 64-bit hash of those bytes */

	/* UDP (17) / TCP (6) */
	uint16_t sport;
	uint16_t dport;
	enum nk_cksum l4_cksum;

	/* ARP (RFC 826, Ethernet/IPv4 only) */
	uint16_t arp_op;
};

/* True if the decoder accepts this link type. */
bool nk_frame_link_supported(int dlt);
/* True for the raw-IP link types (no link header, no MACs). */
bool nk_frame_link_is_raw(int dlt);

/*
 * Decode one record of `caplen` captured bytes (`len` on the wire) of link
 * type `dlt`. Returns 0 and fills *f (always fully reset), or -1 when the
 * link type is not supported. Malformed frames are not an error: they come
 * back with f->malformed set and what could be decoded before the fault.
 */
int nk_frame_decode(int dlt, const uint8_t *buf, size_t caplen, size_t len,
    unsigned flags, struct nk_frame *f);

/*
 * Internet checksum (RFC 1071) helpers over a reader's remaining bytes:
 * add the span to a running 64-bit sum, fold to 16 bits. The reader is
 * consumed.
 */
uint64_t nk_frame_csum_add(uint64_t sum, struct nk_rd span);
uint16_t nk_frame_csum_fold(uint64_t sum);

/* A 64-bit FNV-1a-style hash of the reader's remaining bytes (consumed):
 * equal bytes give equal digests (copies of one echo). */
uint64_t nk_frame_digest(struct nk_rd span);

/* Is this group MAC the all-ones broadcast? */
bool nk_frame_dst_is_group(const struct nk_frame *f);

#endif
