#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"
#include "rd.h"

/* Longest text quoted back in an error. */
#define TEXT_MAX 80

static size_t
family_bytes(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static unsigned
family_bits(int family)
{
	return (unsigned)family_bytes(family) * 8;
}

/* Copy s into buf (NUL-terminated) if it fits: -1 when too long. */
static int
copy_text(const char *s, char *buf, size_t len)
{
	size_t n = strnlen(s, len);
	if (n >= len)
		return -1;
	memcpy(buf, s, n + 1);
	return 0;
}

int
nk_addr_parse(const char *s, struct nk_addr *out, struct nk_err *err)
{
	struct nk_addr a;

	memset(&a, 0, sizeof(a));
	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected an IP address");
		return -1;
	}
	/* inet_pton is strict: dotted quad only, no "10.1", no octal. */
	a.family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, s, a.bytes) != 1) {
		nk_err_set(err, "'%.*s': not an IP%s address", TEXT_MAX, s,
		    a.family == AF_INET6 ? "v6" : "v4");
		return -1;
	}
	*out = a;
	return 0;
}

char *
nk_addr_fmt(const struct nk_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (len > (size_t)INT32_MAX)
		len = INT32_MAX;
	if (a->family != AF_INET && a->family != AF_INET6) {
		(void)copy_text("unset", buf, len);
		return buf;
	}
	if (inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';
	return buf;
}

int
nk_addr_cmp(const struct nk_addr *a, const struct nk_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	size_t n = family_bytes(a->family);
	int c = n == 0 ? 0 : memcmp(a->bytes, b->bytes, n);
	return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool
nk_addr_eq(const struct nk_addr *a, const struct nk_addr *b)
{
	return nk_addr_cmp(a, b) == 0;
}

int
nk_addr_from_sockaddr(const void *sa, size_t salen, struct nk_addr *out)
{
	struct sockaddr_storage ss;
	struct nk_addr a;

	if (sa == NULL || salen < sizeof(sa_family_t))
		return -1;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, salen < sizeof(ss) ? salen : sizeof(ss));
	memset(&a, 0, sizeof(a));
	if (ss.ss_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
		a.family = AF_INET;
		memcpy(a.bytes, &sin->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&ss;
		a.family = AF_INET6;
		memcpy(a.bytes, &sin6->sin6_addr, 16);
	} else {
		return -1;
	}
	*out = a;
	return 0;
}

size_t
nk_addr_to_sockaddr(
    const struct nk_addr *a, uint16_t port, void *sa_storage, size_t len)
{
	if (a->family == AF_INET) {
		struct sockaddr_in sin;
		if (len < sizeof(sin))
			return 0;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->bytes, 4);
		memcpy(sa_storage, &sin, sizeof(sin));
		return sizeof(sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 sin6;
		if (len < sizeof(sin6))
			return 0;
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&sin6.sin6_addr, a->bytes, 16);
		memcpy(sa_storage, &sin6, sizeof(sin6));
		return sizeof(sin6);
	}
	return 0;
}

void
nk_addr_from_v4_be(uint32_t v4_be, struct nk_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->bytes, &v4_be, 4);
}

bool
nk_addr_is_multicast(const struct nk_addr *a)
{
	if (a->family == AF_INET)
		return (a->bytes[0] & 0xf0) == 0xe0; /* 224.0.0.0/4 */
	if (a->family == AF_INET6)
		return a->bytes[0] == 0xff; /* ff00::/8 */
	return false;
}

bool
nk_addr_is_limited_bcast(const struct nk_addr *a)
{
	return a->family == AF_INET && a->bytes[0] == 0xff &&
	    a->bytes[1] == 0xff && a->bytes[2] == 0xff && a->bytes[3] == 0xff;
}

/* Zero the bits of a past len; true if any was set. */
static bool
mask_bits(struct nk_addr *a, unsigned len)
{
	size_t n = family_bytes(a->family);
	bool had = false;

	for (size_t i = 0; i < n; i++) {
		unsigned lo = (unsigned)i * 8;
		uint8_t keep;
		if (len >= lo + 8)
			keep = 0xff;
		else if (len <= lo)
			keep = 0;
		else
			keep = nk_u8(0xffu << (8 - (len - lo)));
		if ((a->bytes[i] & ~keep) != 0)
			had = true;
		a->bytes[i] &= keep;
	}
	return had;
}

int
nk_prefix_parse(
    const char *s, bool strict, struct nk_prefix *out, struct nk_err *err)
{
	char text[NK_ADDR_STRLEN];
	struct nk_prefix p;
	uint64_t len;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a prefix");
		return -1;
	}
	if (copy_text(s, text, sizeof(text)) != 0) {
		nk_err_set(err, "'%.*s...': too long for a prefix", 32, s);
		return -1;
	}
	char *slash = strchr(text, '/');
	if (slash != NULL)
		*slash = '\0';
	if (nk_addr_parse(text, &p.addr, err) != 0)
		return -1;
	unsigned max = family_bits(p.addr.family);
	if (slash == NULL) {
		len = max;
	} else if (nk_parse_u64(slash + 1, 0, max, &len, err) != 0) {
		nk_err_prefix(err, "'%.*s': bad prefix length", TEXT_MAX, s);
		return -1;
	}
	p.len = (unsigned)len;
	if (mask_bits(&p.addr, p.len) && strict) {
		nk_err_set(err, "'%.*s': host bits set", TEXT_MAX, s);
		return -1;
	}
	*out = p;
	return 0;
}

char *
nk_prefix_fmt(const struct nk_prefix *p, char *buf, size_t len)
{
	char a[NK_ADDR_STRLEN];

	if (len == 0)
		return buf;
	(void)nk_addr_fmt(&p->addr, a, sizeof(a));
	int n = snprintf(buf, len, "%s/%u", a, p->len);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

int
nk_prefix_from_bytes(
    int family, const uint8_t *bytes, unsigned len, struct nk_prefix *out)
{
	struct nk_prefix p;
	unsigned max = family_bits(family);

	if (max == 0 || len > max || (bytes == NULL && len > 0))
		return -1;
	memset(&p, 0, sizeof(p));
	p.addr.family = family;
	p.len = len;
	if (len > 0)
		memcpy(p.addr.bytes, bytes, (len + 7) / 8);
	(void)mask_bits(&p.addr, len);
	*out = p;
	return 0;
}

/* True if the first len bits of a and b agree (len within the family). */
static bool
same_bits(const struct nk_addr *a, const struct nk_addr *b, unsigned len)
{
	size_t full = len / 8;
	unsigned rest = len % 8;

	if (memcmp(a->bytes, b->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = nk_u8(0xffu << (8 - rest));
	return ((a->bytes[full] ^ b->bytes[full]) & m) == 0;
}

bool
nk_prefix_contains(const struct nk_prefix *p, const struct nk_addr *a)
{
	if (p->addr.family != a->family || p->len > family_bits(a->family))
		return false;
	return same_bits(&p->addr, a, p->len);
}

bool
nk_prefix_covers(const struct nk_prefix *outer, const struct nk_prefix *inner)
{
	return outer->len <= inner->len &&
	    nk_prefix_contains(outer, &inner->addr);
}

/* Addresses as 128-bit numbers (hi, lo) for range arithmetic. */
struct u128 {
	uint64_t hi, lo;
};

static struct u128
addr_to_u128(const struct nk_addr *a)
{
	struct u128 v = {0, 0};
	size_t n = family_bytes(a->family);

	for (size_t i = 0; i < n; i++) {
		v.hi = v.hi << 8 | v.lo >> 56;
		v.lo = v.lo << 8 | a->bytes[i];
	}
	return v;
}

static void
u128_to_addr(struct u128 v, int family, struct nk_addr *out)
{
	size_t n = family_bytes(family);

	memset(out, 0, sizeof(*out));
	out->family = family;
	for (size_t i = n; i-- > 0;) {
		out->bytes[i] = nk_u8((unsigned)(v.lo & 0xff));
		v.lo = v.lo >> 8 | v.hi << 56;
		v.hi >>= 8;
	}
}

/* b - a, with b >= a. */
static struct u128
u128_sub(struct u128 b, struct u128 a)
{
	struct u128 d;
	d.lo = b.lo - a.lo;
	d.hi = b.hi - a.hi - (b.lo < a.lo ? 1 : 0);
	return d;
}

/* Fill out for first..last and check the count against max_hosts. */
static int
range_set(const char *s, const struct nk_addr *first,
    const struct nk_addr *last, uint64_t max_hosts, struct nk_addr_range *out,
    struct nk_err *err)
{
	if (nk_addr_cmp(first, last) > 0) {
		nk_err_set(
		    err, "'%.*s': range ends before it starts", TEXT_MAX, s);
		return -1;
	}
	struct u128 d = u128_sub(addr_to_u128(last), addr_to_u128(first));
	if (d.hi != 0 || d.lo == UINT64_MAX) {
		nk_err_set(err, "'%.*s': more than 2^64 hosts > max %llu",
		    TEXT_MAX, s, (unsigned long long)max_hosts);
		return -1;
	}
	uint64_t n = d.lo + 1;
	if (n > max_hosts) {
		nk_err_set(err, "'%.*s': %llu hosts > max %llu", TEXT_MAX, s,
		    (unsigned long long)n, (unsigned long long)max_hosts);
		return -1;
	}
	out->first = *first;
	out->last = *last;
	out->n_hosts = n;
	return 0;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The short end of "a-b": "10.1.2.5-20" replaces the last octet (decimal
 * 0..255), "2001:db8::1-ff" the last 16-bit group (1-4 hex digits).
 */
static int
short_range_end(
    const struct nk_addr *first, const char *t, struct nk_addr *last)
{
	*last = *first;
	if (first->family == AF_INET) {
		uint64_t v;
		if (nk_parse_u64(t, 0, 255, &v, NULL) != 0)
			return -1;
		last->bytes[3] = nk_u8((unsigned)v);
		return 0;
	}
	size_t n = strlen(t);
	if (n == 0 || n > 4)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(t[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	last->bytes[14] = nk_u8(v >> 8);
	last->bytes[15] = nk_u8(v & 0xff);
	return 0;
}

int
nk_addr_range_parse(const char *s, uint64_t max_hosts,
    struct nk_addr_range *out, struct nk_err *err)
{
	char text[2 * NK_ADDR_STRLEN];
	struct nk_addr first, last;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected an address or range");
		return -1;
	}
	if (copy_text(s, text, sizeof(text)) != 0) {
		nk_err_set(err, "'%.*s...': too long for a range", 32, s);
		return -1;
	}
	if (strchr(text, '/') != NULL) {
		struct nk_prefix p;
		if (nk_prefix_parse(text, false, &p, err) != 0)
			return -1;
		unsigned host_bits = family_bits(p.addr.family) - p.len;
		struct u128 lo = addr_to_u128(&p.addr), hi = lo;
		if (host_bits >= 64) {
			hi.lo = UINT64_MAX;
			hi.hi |= host_bits >= 128
			    ? UINT64_MAX
			    : (UINT64_C(1) << (host_bits - 64)) - 1;
		} else if (host_bits > 0) {
			hi.lo |= (UINT64_C(1) << host_bits) - 1;
		}
		/* IPv4 shorter than /31: skip network and broadcast (RFC 919);
		 * /31 has both hosts (RFC 3021), /32 the one. */
		if (p.addr.family == AF_INET && host_bits >= 2) {
			lo.lo++;
			hi.lo--;
		}
		u128_to_addr(lo, p.addr.family, &first);
		u128_to_addr(hi, p.addr.family, &last);
		return range_set(s, &first, &last, max_hosts, out, err);
	}
	char *dash = strchr(text, '-');
	if (dash == NULL) {
		if (nk_addr_parse(text, &first, err) != 0)
			return -1;
		return range_set(s, &first, &first, max_hosts, out, err);
	}
	*dash = '\0';
	if (nk_addr_parse(text, &first, err) != 0) {
		nk_err_prefix(err, "range '%.*s'", TEXT_MAX, s);
		return -1;
	}
	const char *end = dash + 1;
	bool full = first.family == AF_INET ? strchr(end, '.') != NULL
					    : strchr(end, ':') != NULL;
	if (full) {
		if (nk_addr_parse(end, &last, err) != 0) {
			nk_err_prefix(err, "range '%.*s'", TEXT_MAX, s);
			return -1;
		}
		if (last.family != first.family) {
			nk_err_set(err, "'%.*s': range mixes IPv4 and IPv6",
			    TEXT_MAX, s);
			return -1;
		}
	} else if (short_range_end(&first, end, &last) != 0) {
		nk_err_set(err, "'%.*s': bad range end '%.*s'", TEXT_MAX, s,
		    TEXT_MAX, end);
		return -1;
	}
	return range_set(s, &first, &last, max_hosts, out, err);
}

void
nk_addr_range_at(const struct nk_addr_range *r, uint64_t i, struct nk_addr *out)
{
	struct u128 v = addr_to_u128(&r->first);
	uint64_t lo = v.lo + i;

	if (lo < v.lo)
		v.hi++;
	v.lo = lo;
	u128_to_addr(v, r->first.family, out);
}

/* One octet of 1-2 hex digits (max_digits 2) or exactly 2 (Cisco form). */
static int
scan_hex(const char **s, size_t min_digits, size_t max_digits, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	for (; n < max_digits && hex_digit(**s) >= 0; n++, (*s)++)
		v = v << 4 | (unsigned)hex_digit(**s);
	if (n < min_digits)
		return -1;
	*out = v;
	return 0;
}

int
nk_mac_parse(const char *s, struct nk_mac *out, struct nk_err *err)
{
	struct nk_mac m;
	const char *p = s;
	unsigned v;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a MAC address");
		return -1;
	}
	size_t n = strnlen(s, 20);
	if (n == 14 && s[4] == '.' && s[9] == '.') {
		/* Cisco "001b.2f0a.0001": three groups of 4 hex digits. */
		for (size_t g = 0; g < 3; g++) {
			if (scan_hex(&p, 4, 4, &v) != 0)
				goto out_bad;
			m.b[2 * g] = nk_u8(v >> 8);
			m.b[2 * g + 1] = nk_u8(v & 0xff);
			if (g < 2 && *p++ != '.')
				goto out_bad;
		}
	} else if (n == 12 && strspn(s, "0123456789abcdefABCDEF") == 12) {
		for (size_t i = 0; i < 6; i++) {
			if (scan_hex(&p, 2, 2, &v) != 0)
				goto out_bad;
			m.b[i] = nk_u8(v);
		}
	} else {
		/* "00:1b:2f:0a:00:01" or with '-'; BSD arp prints "0:1b:..". */
		char sep = 0;
		for (size_t i = 0; i < 6; i++) {
			if (scan_hex(&p, 1, 2, &v) != 0)
				goto out_bad;
			m.b[i] = nk_u8(v);
			if (i == 5)
				break;
			if (sep == 0 && (*p == ':' || *p == '-'))
				sep = *p;
			if (sep == 0 || *p != sep)
				goto out_bad;
			p++;
		}
	}
	if (*p != '\0')
		goto out_bad;
	*out = m;
	return 0;
out_bad:
	nk_err_set(err, "'%.*s': not a MAC address", TEXT_MAX, s);
	return -1;
}

char *
nk_mac_fmt(const struct nk_mac *m, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	int n = snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0],
	    m->b[1], m->b[2], m->b[3], m->b[4], m->b[5]);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

bool
nk_mac_is_broadcast(const struct nk_mac *m)
{
	for (size_t i = 0; i < 6; i++)
		if (m->b[i] != 0xff)
			return false;
	return true;
}

/*
 * OUI registry: one sorted array per assignment size, searched longest
 * first. Keys are the top `bits` of the 48-bit MAC; names live in one pool.
 */
#define OUI_MAX_ENTRIES (1u << 22)
#define OUI_MAX_POOL_BYTES (64u << 20)
#define OUI_MAX_FILE_BYTES (64u << 20)
#define OUI_NAME_MAX 256 /* longer names are cut */
#define OUI_FIELD_MAX 32 /* registry and assignment fields */
#define OUI_N_SIZES 3

static const unsigned oui_bits[OUI_N_SIZES] = {36, 28, 24};

struct oui_entry {
	uint64_t key;
	uint32_t name_off;
	uint32_t seq; /* input order: the first of duplicates wins */
};

struct oui_table {
	struct oui_entry *v;
	size_t n, cap;
	bool sorted;
};

struct nk_oui_db {
	struct oui_table t[OUI_N_SIZES];
	char *pool;
	size_t pool_len, pool_cap;
	uint32_t seq;
	uint64_t n_bad;
};

struct nk_oui_db *
nk_oui_db_new(void)
{
	struct nk_oui_db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		return NULL;
	for (size_t i = 0; i < OUI_N_SIZES; i++)
		db->t[i].sorted = true;
	return db;
}

void
nk_oui_db_free(struct nk_oui_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < OUI_N_SIZES; i++)
		free(db->t[i].v);
	free(db->pool);
	free(db);
}

size_t
nk_oui_db_size(const struct nk_oui_db *db)
{
	size_t n = 0;
	for (size_t i = 0; i < OUI_N_SIZES; i++)
		n += db->t[i].n;
	return n;
}

uint64_t
nk_oui_db_n_bad(const struct nk_oui_db *db)
{
	return db->n_bad;
}

static int
oui_pool_add(struct nk_oui_db *db, const char *name, size_t len, uint32_t *off)
{
	if (db->pool_len + len + 1 > db->pool_cap) {
		size_t cap = db->pool_cap == 0 ? 4096 : db->pool_cap;
		while (cap < db->pool_len + len + 1)
			cap *= 2;
		if (cap > OUI_MAX_POOL_BYTES)
			return -1;
		char *p = realloc(db->pool, cap);
		if (p == NULL)
			return -1;
		db->pool = p;
		db->pool_cap = cap;
	}
	*off = (uint32_t)db->pool_len;
	memcpy(db->pool + db->pool_len, name, len);
	db->pool[db->pool_len + len] = '\0';
	db->pool_len += len + 1;
	return 0;
}

static int
oui_add(struct nk_oui_db *db, size_t size_i, uint64_t key, const char *name,
    size_t name_len)
{
	struct oui_table *t = &db->t[size_i];

	if (nk_oui_db_size(db) >= OUI_MAX_ENTRIES)
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 256 : t->cap * 2;
		struct oui_entry *v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	uint32_t off;
	if (oui_pool_add(db, name, name_len, &off) != 0)
		return -1;
	t->v[t->n].key = key;
	t->v[t->n].name_off = off;
	t->v[t->n].seq = db->seq++;
	t->n++;
	t->sorted = false;
	return 0;
}

/*
 * One CSV field (RFC 4180): quoted fields may hold commas, "" and line
 * breaks. The field is cut to cap-1 bytes (*cut set). Returns the byte that
 * ended it: ',' or '\n', or 0 at the end of input. A quoted field followed
 * by junk, or never closed, sets *bad.
 */
static int
csv_field(struct nk_rd *r, char *out, size_t cap, size_t *out_len, bool *cut,
    bool *bad)
{
	size_t n = 0;
	bool quoted = false;

	if (nk_rd_left(r) > 0 && nk_rd_peek(r, 0) == '"') {
		quoted = true;
		(void)nk_rd_u8(r);
	}
	for (;;) {
		if (nk_rd_left(r) == 0) {
			if (quoted)
				*bad = true; /* unterminated quote */
			break;
		}
		uint8_t c = nk_rd_u8(r);
		if (quoted && c == '"') {
			if (nk_rd_left(r) > 0 && nk_rd_peek(r, 0) == '"') {
				(void)nk_rd_u8(r);
			} else {
				quoted = false;
				/* Only ',' or the line end may follow. */
				uint8_t next = nk_rd_peek(r, 0);
				if (nk_rd_left(r) > 0 && next != ',' &&
				    next != '\r' && next != '\n')
					*bad = true;
				continue;
			}
		} else if (!quoted && (c == ',' || c == '\n')) {
			*out_len = n;
			out[n] = '\0';
			return c;
		} else if (!quoted && c == '\r') {
			continue; /* CRLF files */
		}
		if (n + 1 < cap)
			out[n++] = (char)c;
		else
			*cut = true;
	}
	*out_len = n;
	out[n] = '\0';
	return 0;
}

/* Trim and make printable: names reach logs and terminals. */
static size_t
clean_name(char *s, size_t n)
{
	size_t a = 0, b = n;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			s[i] = ' ';
	}
	while (a < b && s[a] == ' ')
		a++;
	while (b > a && s[b - 1] == ' ')
		b--;
	memmove(s, s + a, b - a);
	s[b - a] = '\0';
	return b - a;
}

/* Assignment: 6, 7 or 9 hex digits for MA-L, MA-M, MA-S/IAB. */
static int
oui_assignment(
    const char *reg, const char *hex, size_t len, size_t *size_i, uint64_t *key)
{
	uint64_t v = 0;
	unsigned bits;

	if (len == 6 && strcmp(reg, "MA-L") == 0)
		bits = 24;
	else if (len == 7 && strcmp(reg, "MA-M") == 0)
		bits = 28;
	else if (len == 9 &&
	    (strcmp(reg, "MA-S") == 0 || strcmp(reg, "IAB") == 0))
		bits = 36;
	else
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = hex_digit(hex[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	for (size_t i = 0; i < OUI_N_SIZES; i++)
		if (oui_bits[i] == bits)
			*size_i = i;
	*key = v;
	return 0;
}

long
nk_oui_db_add_csv(struct nk_oui_db *db, const uint8_t *buf, size_t len)
{
	struct nk_rd r = nk_rd_make(buf, len);
	char reg[OUI_FIELD_MAX], hex[OUI_FIELD_MAX], name[OUI_NAME_MAX];
	char skip[8];
	long n_added = 0;

	while (nk_rd_left(&r) > 0) {
		size_t reg_len = 0, hex_len = 0, name_len = 0, skip_len;
		bool cut = false, bad = false;
		int end = csv_field(&r, reg, sizeof(reg), &reg_len, &cut, &bad);
		size_t n_fields = 1;
		if (end == ',') {
			end = csv_field(
			    &r, hex, sizeof(hex), &hex_len, &cut, &bad);
			n_fields++;
		}
		if (end == ',') {
			end = csv_field(
			    &r, name, sizeof(name), &name_len, &cut, &bad);
			n_fields++;
		}
		/* The address and anything after it: not kept. */
		while (end == ',') {
			bool skip_cut = false;
			end = csv_field(
			    &r, skip, sizeof(skip), &skip_len, &skip_cut, &bad);
			n_fields++;
		}
		if (n_fields == 1 && reg_len == 0 && !bad)
			continue; /* blank line */
		if (strcmp(reg, "Registry") == 0)
			continue; /* header */
		size_t size_i = 0;
		uint64_t key = 0;
		if (n_fields < 3 || bad || hex_len >= sizeof(hex) - 1 ||
		    oui_assignment(reg, hex, hex_len, &size_i, &key) != 0) {
			db->n_bad++;
			continue;
		}
		name_len = clean_name(name, name_len);
		if (name_len == 0) {
			db->n_bad++;
			continue;
		}
		if (oui_add(db, size_i, key, name, name_len) != 0) {
			db->n_bad++;
			break; /* out of memory or over the caps */
		}
		n_added++;
	}
	return n_added;
}

static int
oui_entry_cmp(const void *a, const void *b)
{
	const struct oui_entry *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

void
nk_oui_db_finish(struct nk_oui_db *db)
{
	for (size_t i = 0; i < OUI_N_SIZES; i++) {
		struct oui_table *t = &db->t[i];
		if (t->sorted)
			continue;
		qsort(t->v, t->n, sizeof(t->v[0]), oui_entry_cmp);
		/* Keep the first record of each assignment. */
		size_t w = 0;
		for (size_t j = 0; j < t->n; j++)
			if (w == 0 || t->v[w - 1].key != t->v[j].key)
				t->v[w++] = t->v[j];
		t->n = w;
		t->sorted = true;
	}
}

static const struct oui_entry *
oui_find(const struct oui_table *t, uint64_t key)
{
	if (!t->sorted) {
		/* Not finished yet: correct, only slower. */
		const struct oui_entry *best = NULL;
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].key == key &&
			    (best == NULL || t->v[i].seq < best->seq))
				best = &t->v[i];
		return best;
	}
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->v[lo].key == key ? &t->v[lo] : NULL;
}

const char *
nk_oui_db_lookup(const struct nk_oui_db *db, const struct nk_mac *m)
{
	uint64_t mac = 0;

	if (db == NULL || nk_mac_is_local(m))
		return NULL;
	for (size_t i = 0; i < 6; i++)
		mac = mac << 8 | m->b[i];
	/* A group address carries its OUI with the I/G bit set
	 * (01:80:c2:... is 00:80:c2's): look up the OUI itself. */
	mac &= ~(UINT64_C(1) << 40);
	for (size_t i = 0; i < OUI_N_SIZES; i++) {
		const struct oui_entry *e =
		    oui_find(&db->t[i], mac >> (48 - oui_bits[i]));
		if (e != NULL)
			return db->pool + e->name_off;
	}
	return NULL;
}

/* Read a whole file of at most max bytes. -1 with errno; ENOENT if absent. */
static int
read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1, saved = 0;

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				saved = EFBIG;
				goto out;
			}
			cap = cap == 0 ? 1u << 20 : cap * 2;
			if (cap > max)
				cap = max;
			uint8_t *p = realloc(buf, cap);
			if (p == NULL) {
				saved = ENOMEM;
				goto out;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				saved = EIO;
				goto out;
			}
			break;
		}
	}
	*out = buf;
	*out_len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	(void)fclose(f);
	if (rc != 0)
		errno = saved;
	return rc;
}

int
nk_oui_db_load(const char *dir, struct nk_oui_db **out, struct nk_err *err)
{
	static const char *const files[] = {
	    "oui.csv", "mam.csv", "oui36.csv", "iab.csv"};
	struct nk_oui_db *db = NULL;
	size_t n_found = 0;
	int rc = -1;

	if (dir == NULL)
		dir = NK_OUI_DEFAULT_DIR;
	db = nk_oui_db_new();
	if (db == NULL) {
		nk_err_set(err, "oui registry %s: out of memory", dir);
		goto out;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		uint8_t *buf = NULL;
		size_t len = 0;
		int n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			nk_err_set(
			    err, "oui registry %.200s: path too long", dir);
			goto out;
		}
		if (read_file(path, OUI_MAX_FILE_BYTES, &buf, &len) != 0) {
			if (errno == ENOENT)
				continue;
			nk_err_set(
			    err, "oui registry %s: %s", path, strerror(errno));
			goto out;
		}
		(void)nk_oui_db_add_csv(db, buf, len);
		free(buf);
		n_found++;
	}
	if (n_found == 0) {
		nk_err_set(err,
		    "oui registry %s: no oui.csv, mam.csv, "
		    "oui36.csv or iab.csv",
		    dir);
		goto out;
	}
	nk_oui_db_finish(db);
	*out = db;
	db = NULL;
	rc = 0;
out:
	nk_oui_db_free(db);
	return rc;
}
