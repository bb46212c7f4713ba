/*
 * dns: build DNS queries and parse answers (RFC 1035) for probes.
 * Building uses the resolver library's res_nmkquery(); parsing walks the
 * sections with libresolv's ns_initparse()/ns_parserr() (names expanded by
 * glibc with its compression-loop checks) and reads every RDATA through
 * nk_rd, bounded by RDLENGTH. No I/O, no globals: tests and fuzz link it.
 * RFC 1982 serial arithmetic for SOA serial comparison lives here too.
 */
#ifndef NK_DNS_H
#define NK_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define NK_DNS_MAX_RR 32       /* answers kept; more are counted */
#define NK_DNS_NAME_MAX 256    /* presentation name incl. NUL */
#define NK_DNS_DATA_MAX 320    /* presentation RDATA incl. NUL */

struct nk_dns_rr {
	char name[NK_DNS_NAME_MAX];
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	char data[NK_DNS_DATA_MAX]; /* "192.0.2.1", "10 mail.lab.test", ... */
};

struct nk_dns_msg {
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	unsigned opcode;
	unsigned rcode;
	unsigned qdcount, ancount, nscount, arcount;
	char qname[NK_DNS_NAME_MAX];
	uint16_t qtype;
	unsigned n_answers;      /* kept in answers[] */
	unsigned n_answers_seen; /* in the answer section */
	struct nk_dns_rr answers[NK_DNS_MAX_RR];
	bool have_soa;           /* an SOA in the answer section */
	uint32_t soa_serial;
};

/*
 * Parse a DNS message. 0, or -1 with err ("dns offset 37: RDLENGTH 300 >
 * 12 bytes left"). m is filled as far as it got either way.
 */
int nk_dns_parse(const uint8_t *buf, size_t len, struct nk_dns_msg *m,
    struct nk_err *err);

/*
 * Build a query for name/type (class IN) with the given id and RD bit.
 * 0 with *out_len set, or -1 with err (bad name, buffer too small).
 */
int nk_dns_query_build(const char *name, uint16_t type, bool rd, uint16_t id,
    uint8_t *buf, size_t len, size_t *out_len, struct nk_err *err);

/* "A" -> 1, "soa" -> 6, "TYPE65" -> 65; -1 if unknown. */
int nk_dns_type_parse(const char *s);
/* 1 -> "A"; unknown types as "TYPE%u" into buf. */
const char *nk_dns_type_name(uint16_t type, char *buf, size_t len);
/* 0 -> "NOERROR", 3 -> "NXDOMAIN", 5 -> "REFUSED", ... */
const char *nk_dns_rcode_name(unsigned rcode);

/*
 * RFC 1982 3.2 serial comparison over 32 bits: -1 when a < b, 0 equal,
 * 1 when a > b, 2 when undefined (they differ by exactly 2^31).
 */
int nk_dns_serial_cmp(uint32_t a, uint32_t b);

#endif
