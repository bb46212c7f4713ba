/*
 * addr: IPv4/IPv6 addresses, prefixes, host ranges, MAC addresses, and the
 * IEEE OUI registry (MA-L, MA-M, MA-S from Debian's ieee-data) for vendors.
 */
#ifndef NK_ADDR_H
#define NK_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Large enough for any address, prefix or MAC formatted here. */
#define NK_ADDR_STRLEN 64

struct nk_addr {
	int family;        /* AF_INET or AF_INET6; 0 = unset */
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
};

struct nk_prefix {
	struct nk_addr addr; /* bits past len are zero */
	unsigned len;        /* 0..32 or 0..128 */
};

struct nk_mac {
	uint8_t b[6];
};

/* Parse an IPv4 or IPv6 literal (no names). 0 or -1 with err. */
int nk_addr_parse(const char *s, struct nk_addr *out, struct nk_err *err);
/* Returns buf: "" if len is too small, "unset" for family 0. */
char *nk_addr_fmt(const struct nk_addr *a, char *buf, size_t len);
int nk_addr_cmp(const struct nk_addr *a, const struct nk_addr *b);
bool nk_addr_eq(const struct nk_addr *a, const struct nk_addr *b);
/* From/to a sockaddr (sockaddr_in / sockaddr_in6). from: 0, or -1 for
 * another family or a short salen (the port is ignored). to: the size
 * written, or 0 when len is too small or the family unset. */
int nk_addr_from_sockaddr(const void *sa, size_t salen, struct nk_addr *out);
size_t nk_addr_to_sockaddr(const struct nk_addr *a, uint16_t port,
    void *sa_storage, size_t len);
void nk_addr_from_v4_be(uint32_t v4_be, struct nk_addr *out);
bool nk_addr_is_multicast(const struct nk_addr *a);
/* 255.255.255.255 (IPv4 limited broadcast). */
bool nk_addr_is_limited_bcast(const struct nk_addr *a);

/*
 * A prefix "10.0.0.0/8", "2001:db8::/32"; a bare address is a host prefix.
 * Bits past the length are masked (a prefix is stored normalised); strict
 * refuses them instead ("'10.0.0.1/8': host bits set").
 */
int nk_prefix_parse(const char *s, bool strict, struct nk_prefix *out,
    struct nk_err *err);
char *nk_prefix_fmt(const struct nk_prefix *p, char *buf, size_t len);
/* Build from raw bytes (MRT/BGP NLRI): copies ceil(len/8), masks the rest. */
int nk_prefix_from_bytes(int family, const uint8_t *bytes, unsigned len,
    struct nk_prefix *out);
bool nk_prefix_contains(const struct nk_prefix *p, const struct nk_addr *a);
/* True if `inner` equals `outer` or is a more-specific inside it. */
bool nk_prefix_covers(const struct nk_prefix *outer,
    const struct nk_prefix *inner);

/*
 * Host ranges for target lists: "10.1.2.0/24" (the usable hosts, without
 * network and broadcast addresses for IPv4 prefixes shorter than /31),
 * "10.1.2.5-10.1.2.20", "10.1.2.5-20", a single address. At most
 * `max_hosts` addresses, else an error naming the range and the count.
 */
struct nk_addr_range {
	struct nk_addr first;
	struct nk_addr last;
	uint64_t n_hosts;
};
int nk_addr_range_parse(const char *s, uint64_t max_hosts,
    struct nk_addr_range *out, struct nk_err *err);
/* The i-th address of the range, i < n_hosts. */
void nk_addr_range_at(const struct nk_addr_range *r, uint64_t i,
    struct nk_addr *out);

/* "00:1b:2f:0a:00:01", also '-' separated, 1-digit octets ("0:1b:..."),
 * "001b.2f0a.0001" or bare "001b2f0a0001". */
int nk_mac_parse(const char *s, struct nk_mac *out, struct nk_err *err);
/* Lower-case colon form. */
char *nk_mac_fmt(const struct nk_mac *m, char *buf, size_t len);
static inline bool
nk_mac_is_group(const struct nk_mac *m)
{
	return (m->b[0] & 0x01) != 0; /* I/G bit: multicast or broadcast */
}
static inline bool
nk_mac_is_local(const struct nk_mac *m)
{
	return (m->b[0] & 0x02) != 0; /* U/L bit: locally administered */
}
bool nk_mac_is_broadcast(const struct nk_mac *m);

/*
 * OUI registry. Loaded once from the ieee-data CSV files (oui.csv = MA-L
 * 24-bit, mam.csv = MA-M 28-bit, oui36.csv = MA-S 36-bit; iab.csv too),
 * looked up by longest match with a binary search.
 */
#define NK_OUI_DEFAULT_DIR "/usr/share/ieee-data"
struct nk_oui_db;

/* Load every registry file found in dir (NULL = default). Missing files are
 * skipped; no file at all is an error naming the directory. */
int nk_oui_db_load(const char *dir, struct nk_oui_db **out,
    struct nk_err *err);
struct nk_oui_db *nk_oui_db_new(void);
/*
 * Add the records of one CSV registry file held in memory ("Registry,
 * Assignment,Organization Name,Organization Address", quoted fields).
 * Bad lines are counted, not fatal. Returns the number of records added.
 * (This is the parser the fuzz target drives.)
 */
long nk_oui_db_add_csv(struct nk_oui_db *db, const uint8_t *buf, size_t len);
/* Sort after adding; nk_oui_db_load does it. */
void nk_oui_db_finish(struct nk_oui_db *db);
/*
 * The organisation name, or NULL when unknown or the MAC is locally
 * administered. A group MAC is looked up by its OUI (01:80:c2:.. as
 * 00:80:c2). Longest assignment wins: MA-S/IAB, then MA-M, then MA-L.
 * The string lives as long as the db.
 */
const char *nk_oui_db_lookup(const struct nk_oui_db *db,
    const struct nk_mac *m);
size_t nk_oui_db_size(const struct nk_oui_db *db);
/* Lines refused so far (bad registry, assignment, quoting, empty name). */
uint64_t nk_oui_db_n_bad(const struct nk_oui_db *db);
void nk_oui_db_free(struct nk_oui_db *db);

#endif
