/*
 * icmp: ICMP/ICMPv6 echo requests with a keyed tag, and the parser for what
 * comes back: echo replies and errors (unreachable, time exceeded, ...)
 * that quote our original echo. Pure: no I/O, no globals.
 *
 * Our echo payload (after the 8-byte ICMP header, all big-endian):
 *
 *   0      4        8        12               20               28
 *   +------+--------+--------+----------------+----------------+--------
 *   |"NKmp"| target | seq32  | send_ns (real) | tag            | filler
 *   +------+--------+--------+----------------+----------------+--------
 *
 * tag = SipHash-2-4(key, id | target | seq32 | send_ns). The ICMP seq is
 * the low 16 bits of seq32. On a datagram (ping) socket the kernel writes
 * its local port into the id, so the caller passes that port as `id`.
 */
#ifndef NK_ICMP_H
#define NK_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

#define NK_ICMP_HDR_LEN 8
#define NK_ICMP_PROBE_LEN 28 /* the smallest payload that carries a tag */
#define NK_ICMP_MAX_PAYLOAD 65000
#define NK_ICMP_MAGIC UINT32_C(0x4e4b6d70) /* "NKmp" */

/* Types (RFC 792, RFC 4443 §2.1). */
#define NK_ICMP4_ECHO_REPLY 0
#define NK_ICMP4_UNREACH 3
#define NK_ICMP4_QUENCH 4
#define NK_ICMP4_REDIRECT 5
#define NK_ICMP4_ECHO 8
#define NK_ICMP4_TIME_EXCEEDED 11
#define NK_ICMP4_PARAM 12
#define NK_ICMP6_UNREACH 1
#define NK_ICMP6_TOO_BIG 2
#define NK_ICMP6_TIME_EXCEEDED 3
#define NK_ICMP6_PARAM 4
#define NK_ICMP6_ECHO 128
#define NK_ICMP6_ECHO_REPLY 129

struct nk_icmp_probe {
	uint16_t id;     /* ICMP id (datagram socket: its local port) */
	uint32_t target; /* the sender's target index */
	uint32_t seq32;  /* per-target sequence; ICMP seq = low 16 bits */
	int64_t send_ns; /* CLOCK_REALTIME at send */
};

enum nk_icmp_kind {
	NK_ICMP_OTHER = 0,
	NK_ICMP_ECHO_REPLY,
	NK_ICMP_ECHO_REQUEST,
	NK_ICMP_ERROR, /* quotes an original packet: see orig_* */
};

struct nk_icmp_msg {
	enum nk_icmp_kind kind;
	int family;     /* AF_INET or AF_INET6 */
	uint8_t type;
	uint8_t code;
	bool cksum_ok;  /* IPv4 checksum verified (IPv6: the kernel does) */
	bool has_ip;    /* outer IPv4 header seen: ttl/tos/src/dst valid */
	uint8_t ttl;
	uint8_t tos;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t id;    /* echo id/seq (for errors: of the quoted echo) */
	uint16_t seq;
	bool has_orig;  /* errors: the quoted IP header was read */
	uint8_t orig_dst[16];
	bool has_probe; /* our payload layout was found (tag not yet checked) */
	struct nk_icmp_probe probe;
	uint64_t tag;
	size_t payload_len; /* echo payload bytes (replies) */
};

/* RFC 1071 Internet checksum of buf (as it should be written). */
uint16_t nk_icmp_cksum(const uint8_t *buf, size_t len);

/*
 * Write an echo request with payload_len bytes of payload (>=
 * NK_ICMP_PROBE_LEN) into buf. IPv4 gets its checksum; for ICMPv6 the
 * kernel computes it (RFC 3542 §3.1). Returns the
 * length written, or 0 when buf is too small or payload_len too short.
 */
size_t nk_icmp_echo_build(uint8_t *buf, size_t len, int family,
    const uint8_t key[NK_SIPHASH_KEY_LEN], const struct nk_icmp_probe *p,
    size_t payload_len);

/* The tag a probe must carry under key. */
uint64_t nk_icmp_tag(const uint8_t key[NK_SIPHASH_KEY_LEN],
    const struct nk_icmp_probe *p);

/*
 * Parse what a socket returned. family AF_INET: `ip_header` true for raw
 * sockets (IPv4 header first), false for datagram sockets. AF_INET6: never
 * a header. 0 with *out filled when the message was classified (kind may
 * be NK_ICMP_OTHER), -1 when malformed (truncated, bad IP version/length).
 * Never reads outside buf.
 */
int nk_icmp_parse(const uint8_t *buf, size_t len, int family, bool ip_header,
    struct nk_icmp_msg *out);

/*
 * True when msg carries our payload with a valid tag and its ICMP seq
 * matches seq32 (for errors: the quoted echo). `id` is compared too when
 * check_id (raw sockets: the id is ours; datagram: the kernel's port).
 */
bool nk_icmp_probe_verify(const struct nk_icmp_msg *msg,
    const uint8_t key[NK_SIPHASH_KEY_LEN], bool check_id, uint16_t id);

/* "unreachable", "time_exceeded", "packet_too_big", "param_problem",
 * "redirect", "source_quench", "echo_reply", "other". */
const char *nk_icmp_type_name(int family, uint8_t type);

#endif
