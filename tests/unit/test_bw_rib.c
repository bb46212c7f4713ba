/* Unit tests of bgpwatch's RIB (prefix trees, interning) and watch engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "../../bgpwatch/reader.h"
#include "../../bgpwatch/rib.h"
#include "../../bgpwatch/ribdump.h"
#include "../../bgpwatch/watch.h"
#include "bgp.h"

static struct nk_prefix
pfx(const char *s)
{
	struct nk_prefix p;
	struct nk_err err;
	assert_int_equal(nk_prefix_parse(s, false, &p, &err), 0);
	return p;
}

/* Attributes with AS_PATH (4-octet) of the given ASNs. */
static void
mk_attrs(struct nk_bgp_attrs *a, uint8_t *buf, const uint32_t *asn, size_t n)
{
	size_t k = 0;
	buf[k++] = 0x40;
	buf[k++] = 1;
	buf[k++] = 1;
	buf[k++] = 0;
	buf[k++] = 0x40;
	buf[k++] = 2;
	buf[k++] = (uint8_t)(2 + 4 * n);
	buf[k++] = 2;
	buf[k++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		buf[k++] = (uint8_t)(asn[i] >> 24);
		buf[k++] = (uint8_t)(asn[i] >> 16);
		buf[k++] = (uint8_t)(asn[i] >> 8);
		buf[k++] = (uint8_t)asn[i];
	}
	struct nk_bgp_opts o = {.as4 = true};
	nk_bgp_attrs_parse(buf, k, &o, a);
	assert_int_equal(a->err_class, NK_BGP_ERR_NONE);
}

static void
test_interning_shares(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a, b;
	uint8_t ba[64], bb[64];
	const uint32_t p1[] = {65010, 64500}, p2[] = {65010, 64501};
	struct nk_addr nh = {.family = AF_INET, .bytes = {10, 0, 0, 1}};

	mk_attrs(&a, ba, p1, 2);
	mk_attrs(&b, bb, p2, 2);
	uint32_t x = rib_attr_intern(r, &a, &nh);
	uint32_t y = rib_attr_intern(r, &a, &nh);
	uint32_t z = rib_attr_intern(r, &b, &nh);
	assert_int_not_equal(x, 0);
	assert_int_equal(x, y);
	assert_int_not_equal(x, z);
	struct rib_attr_view v;
	assert_int_equal(rib_attr_view(r, z, &v), 0);
	assert_int_equal(v.origin_as, 64501);
	char path[64];
	rib_aspath_fmt(r, v.aspath, path, sizeof(path));
	assert_string_equal(path, "65010 64501");
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.n_attrs, 2);
	assert_int_equal(st.n_paths, 2);
	rib_attr_unref(r, x);
	rib_attr_unref(r, y);
	rib_attr_unref(r, z);
	rib_stats(r, &st);
	assert_int_equal(st.n_attrs, 0);
	assert_int_equal(st.n_paths, 0); /* paths die with their sets */
	rib_free(r);
}

static void
test_tree_lookup(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {1, 2};
	struct nk_addr nh = {.family = AF_INET, .bytes = {10, 0, 0, 1}};
	const char *const pfxs[] = {"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24",
	    "10.128.0.0/9", "0.0.0.0/0", "192.0.2.0/24", "10.1.3.0/24",
	    "2001:db8::/32", "2001:db8:1::/48"};
	uint32_t old;
	uint16_t flaps;

	mk_attrs(&a, ba, p1, 2);
	for (size_t i = 0; i < sizeof(pfxs) / sizeof(pfxs[0]); i++) {
		struct nk_prefix p = pfx(pfxs[i]);
		uint32_t id = rib_attr_intern(r, &a, &nh);
		assert_int_equal(
		    rib_set(r, &p, 0, 0, id, 100, &old, &flaps), 0);
		assert_int_equal(old, 0);
	}
	for (size_t i = 0; i < sizeof(pfxs) / sizeof(pfxs[0]); i++) {
		struct nk_prefix p = pfx(pfxs[i]);
		size_t n;
		assert_non_null(rib_get(r, &p, &n));
		assert_int_equal(n, 1);
	}
	struct nk_prefix q = pfx("10.1.2.77/32"), found;
	size_t n;
	assert_non_null(rib_lookup(r, &q, &found, &n));
	char buf[64];
	nk_prefix_fmt(&found, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.2.0/24");
	q = pfx("10.200.0.1/32");
	assert_non_null(rib_lookup(r, &q, &found, &n));
	nk_prefix_fmt(&found, buf, sizeof(buf));
	assert_string_equal(buf, "10.128.0.0/9");
	q = pfx("172.16.0.0/12");
	assert_non_null(rib_lookup(r, &q, &found, &n));
	nk_prefix_fmt(&found, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0/0");
	q = pfx("10.1.4.0/24"); /* glue between /16 and its /24s: no route */
	assert_null(rib_get(r, &q, &n));
	/* withdraw, re-announce: a flap; then the peer goes down */
	q = pfx("192.0.2.0/24");
	assert_int_equal(rib_set(r, &q, 0, 0, 0, 200, &old, &flaps), 0);
	assert_int_not_equal(old, 0);
	rib_attr_unref(r, old);
	uint32_t id = rib_attr_intern(r, &a, &nh);
	assert_int_equal(rib_set(r, &q, 0, 0, id, 300, &old, &flaps), 0);
	assert_int_equal(flaps, 1);
	assert_int_equal(rib_peer_clear(r, 0, 0, 400, NULL, NULL), 9);
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.n_routes, 0);
	assert_int_equal(st.n_attrs, 0);
	rib_free(r);
}

/* The trie against a brute-force longest match on random prefixes. */
static void
test_tree_random(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {1};
	struct nk_addr nh = {.family = AF_INET, .bytes = {10, 0, 0, 1}};
	enum { N = 3000 };
	static struct nk_prefix ps[N];
	uint32_t seed = 12345, old;
	uint16_t flaps;

	mk_attrs(&a, ba, p1, 1);
	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t v = seed;
		seed = seed * 1103515245u + 12345u;
		unsigned len = 8 + (seed >> 16) % 25;
		memset(&ps[i], 0, sizeof(ps[i]));
		ps[i].addr.family = AF_INET;
		ps[i].len = len;
		v &= len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
		v &= 0x0f0fffffu; /* crowd them so they nest */
		ps[i].addr.bytes[0] = (uint8_t)(v >> 24);
		ps[i].addr.bytes[1] = (uint8_t)(v >> 16);
		ps[i].addr.bytes[2] = (uint8_t)(v >> 8);
		ps[i].addr.bytes[3] = (uint8_t)v;
		uint32_t id = rib_attr_intern(r, &a, &nh);
		assert_int_equal(
		    rib_set(r, &ps[i], 0, 0, id, 1, &old, &flaps), 0);
		rib_attr_unref(r, old);
	}
	for (size_t i = 0; i < N; i++) {
		size_t n;
		assert_non_null(rib_get(r, &ps[i], &n));
	}
	for (int k = 0; k < 3000; k++) {
		seed = seed * 1103515245u + 12345u;
		struct nk_prefix q;
		memset(&q, 0, sizeof(q));
		q.addr.family = AF_INET;
		q.len = 32;
		uint32_t v = seed & 0x0f0fffffu;
		q.addr.bytes[0] = (uint8_t)(v >> 24);
		q.addr.bytes[1] = (uint8_t)(v >> 16);
		q.addr.bytes[2] = (uint8_t)(v >> 8);
		q.addr.bytes[3] = (uint8_t)v;
		int best = -1;
		for (size_t i = 0; i < N; i++)
			if (nk_prefix_covers(&ps[i], &q) &&
			    (best < 0 || ps[i].len > ps[best].len))
				best = (int)i;
		struct nk_prefix found;
		size_t n;
		const struct rib_route *rt = rib_lookup(r, &q, &found, &n);
		if (best < 0) {
			assert_null(rt);
		} else {
			assert_non_null(rt);
			assert_int_equal(found.len, ps[best].len);
			assert_memory_equal(
			    found.addr.bytes, ps[best].addr.bytes, 4);
		}
	}
	rib_free(r);
}

/* The walk visits prefixes as the trie did: IPv4 then IPv6, by address,
 * a prefix before its more-specifics. */
struct walk_log {
	size_t n;
	struct nk_prefix p[64];
};

static int
walk_note(
    void *arg, const struct nk_prefix *p, const struct rib_route *rt, size_t n)
{
	struct walk_log *l = arg;
	(void)rt;
	assert_true(n > 0);
	if (l->n < 64)
		l->p[l->n++] = *p;
	return 0;
}

static void
test_walk_order(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {1};
	struct nk_addr nh = {.family = AF_INET, .bytes = {10, 0, 0, 1}};
	/* inserted out of order; the expected walk is the sorted list */
	const char *const in[] = {"2001:db8:1::/48", "10.1.2.0/24",
	    "192.0.2.0/24", "10.0.0.0/8", "0.0.0.0/0", "10.1.0.0/16",
	    "2001:db8::/32", "10.128.0.0/9", "10.1.3.0/24", "::/0",
	    "10.0.0.0/16"};
	const char *const want[] = {"0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16",
	    "10.1.0.0/16", "10.1.2.0/24", "10.1.3.0/24", "10.128.0.0/9",
	    "192.0.2.0/24", "::/0", "2001:db8::/32", "2001:db8:1::/48"};
	uint32_t old;
	uint16_t flaps;

	mk_attrs(&a, ba, p1, 1);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct nk_prefix p = pfx(in[i]);
		uint32_t id = rib_attr_intern(r, &a, &nh);
		assert_int_equal(rib_set(r, &p, 0, 0, id, 1, &old, &flaps), 0);
		if (i == 5) {
			/* a walk in between caches an order the next
			 * inserts must replace */
			struct walk_log l0 = {0};
			assert_int_equal(rib_walk(r, walk_note, &l0), 0);
			assert_int_equal(l0.n, 6);
		}
	}
	struct walk_log l = {0};
	assert_int_equal(rib_walk(r, walk_note, &l), 0);
	assert_int_equal(l.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < l.n; i++) {
		char buf[64];
		nk_prefix_fmt(&l.p[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	/* a host-bits query finds the masked prefix */
	struct nk_prefix q = pfx("10.1.2.0/24");
	q.addr.bytes[3] = 77;
	size_t n;
	assert_non_null(rib_get(r, &q, &n));
	rib_free(r);
}

static bool
keep_10_8(void *arg, const struct nk_prefix *p)
{
	struct nk_prefix w = pfx("10.0.0.0/8");
	(*(int *)arg)++;
	return nk_prefix_covers(&w, p);
}

/* Distinct prefixes: every 7th in 10/8 (kept), lengths 24..32. */
static struct nk_prefix
prune_pfx(uint32_t i)
{
	struct nk_prefix p;
	memset(&p, 0, sizeof(p));
	p.addr.family = AF_INET;
	p.len = 24 + i % 9;
	uint32_t v = (i % 7 == 0 ? 10u << 24 : 32u << 24) | i << 8;
	p.addr.bytes[0] = (uint8_t)(v >> 24);
	p.addr.bytes[1] = (uint8_t)(v >> 16);
	p.addr.bytes[2] = (uint8_t)(v >> 8);
	p.addr.bytes[3] = (uint8_t)v;
	return p;
}

static int
count_routes(
    void *arg, const struct nk_prefix *p, const struct rib_route *rt, size_t n)
{
	(void)p;
	(void)rt;
	*(size_t *)arg += n;
	return 0;
}

/* Withdrawn routes are forgotten after the window, unless kept; the index
 * stays consistent through many deletions (backward-shift). */
static void
test_prune(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {1};
	struct nk_addr nh = {.family = AF_INET, .bytes = {10, 0, 0, 1}};
	enum { N = 20000 };
	uint32_t old;
	uint16_t flaps;
	int asked = 0;

	mk_attrs(&a, ba, p1, 1);
	rib_set_prune(r, 100, keep_10_8, &asked);
	for (uint32_t i = 0; i < N; i++) {
		struct nk_prefix p = prune_pfx(i);
		uint32_t id = rib_attr_intern(r, &a, &nh);
		assert_int_equal(rib_set(r, &p, 1, 0, id, 10, &old, &flaps), 0);
		/* peer 2 on every third: that prefix keeps a route */
		if (i % 3 == 0) {
			id = rib_attr_intern(r, &a, &nh);
			assert_int_equal(
			    rib_set(r, &p, 2, 0, id, 10, &old, &flaps), 0);
		}
	}
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.n_prefixes, N);
	/* peer 1 goes away: all its routes withdrawn at t=20 */
	assert_int_equal(rib_peer_clear(r, 1, 0, 20, NULL, NULL), N);
	rib_stats(r, &st);
	assert_int_equal(st.n_withdrawn, N);
	assert_int_equal(rib_prune(r, 110), 0); /* inside the window */
	assert_int_equal(asked, 0);
	size_t forgotten = rib_prune(r, 120);
	/* kept: the 10/8 ones (every 7th); the rest goes */
	size_t n_kept = (N + 6) / 7;
	assert_int_equal(forgotten, N - n_kept);
	assert_true(asked > 0);
	rib_stats(r, &st);
	assert_int_equal(st.n_withdrawn, n_kept);
	size_t n_third = (N + 2) / 3, n_both = (N + 20) / 21;
	assert_int_equal(st.n_prefixes, n_third + n_kept - n_both);
	assert_int_equal(st.n_nodes, st.n_prefixes);
	assert_int_equal(st.n_routes, n_third);
	size_t n_walked = 0;
	assert_int_equal(rib_walk(r, count_routes, &n_walked), 0);
	assert_int_equal(n_walked, n_third + n_kept);
	for (uint32_t i = 0; i < N; i++) {
		struct nk_prefix p = prune_pfx(i);
		size_t n;
		const struct rib_route *rt = rib_get(r, &p, &n);
		bool kept = i % 7 == 0, has2 = false, has1 = false;
		for (size_t k = 0; rt != NULL && k < n; k++) {
			has2 |= rt[k].peer == 2 && rt[k].attr != 0;
			if (rt[k].peer == 1) {
				has1 = true;
				/* "withdrawn since 20" stays */
				assert_int_equal(rt[k].attr, 0);
				assert_int_equal(rt[k].since, 20);
			}
		}
		assert_int_equal(has2, i % 3 == 0);
		assert_int_equal(has1, kept);
		if (i % 3 != 0 && !kept)
			assert_null(rt);
		/* longest match still finds the peer-2 routes */
		struct nk_prefix found;
		if (i % 3 == 0)
			assert_non_null(rib_lookup(r, &p, &found, &n));
	}
	/* re-announce a forgotten prefix: new again, no flap history */
	struct nk_prefix q = prune_pfx(1);
	size_t n;
	assert_null(rib_get(r, &q, &n));
	uint32_t id = rib_attr_intern(r, &a, &nh);
	assert_int_equal(rib_set(r, &q, 1, 0, id, 200, &old, &flaps), 0);
	assert_int_equal(old, 0);
	assert_int_equal(flaps, 0);
	assert_non_null(rib_get(r, &q, &n));
	/* automatic sweeps: off by default, bounded when on */
	struct rib *r2 = rib_new();
	rib_set_prune(r2, 0, NULL, NULL);
	for (uint32_t round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < 70000; i++) {
			struct nk_prefix p;
			memset(&p, 0, sizeof(p));
			p.addr.family = AF_INET6;
			p.len = 48;
			p.addr.bytes[0] = 0x20;
			p.addr.bytes[1] = (uint8_t)round;
			p.addr.bytes[2] = (uint8_t)(i >> 16);
			p.addr.bytes[3] = (uint8_t)(i >> 8);
			p.addr.bytes[4] = (uint8_t)i;
			id = rib_attr_intern(r2, &a, &nh);
			uint32_t ts = 1000 * round + 1;
			assert_int_equal(
			    rib_set(r2, &p, 0, 0, id, ts, &old, &flaps), 0);
			assert_int_equal(
			    rib_set(r2, &p, 0, 0, 0, ts, &old, &flaps), 0);
			rib_attr_unref(r2, old);
		}
		if (round == 0)
			rib_set_prune(r2, 500, NULL, NULL);
	}
	rib_stats(r2, &st);
	/* sweeps in rounds 1 and 3 took what was older than 500 s: memory
	 * follows the recent withdrawals, not all 280000 prefixes seen */
	assert_true(st.n_prefixes <= 70000);
	assert_int_equal(st.n_routes, 0);
	assert_int_equal(st.n_withdrawn, st.n_prefixes);
	rib_free(r2);
	rib_free(r);
}

/* A gzip file of n BGP4MP STATE_CHANGE records (32 bytes each), ts 1000+i;
 * cut to `keep` compressed bytes when keep > 0. */
static void
mk_gz(char *path, size_t plen, uint32_t n, long keep)
{
	(void)snprintf(path, plen, "/tmp/test_bw_rib.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	gzFile gz = gzdopen(fd, "wb1");
	assert_non_null(gz);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ts = 1000 + i;
		uint8_t rec[32] = {(uint8_t)(ts >> 24), (uint8_t)(ts >> 16),
		    (uint8_t)(ts >> 8), (uint8_t)ts, 0, 16, 0, 0, 0, 0, 0, 20,
		    0xfd, 0xe8, 0xfd, 0xe9, 0, 0, 0, 1, 10, 0, 0, 1, 10, 0, 0,
		    2, 0, 1, 0, 6};
		rec[27] = (uint8_t)i; /* vary the bytes a little */
		assert_int_equal(gzwrite(gz, rec, sizeof(rec)), sizeof(rec));
	}
	assert_int_equal(gzclose(gz), Z_OK);
	if (keep > 0)
		assert_int_equal(truncate(path, keep), 0);
}

/* The decompressing thread: every record in order with its offset; a
 * reader closed early (thread blocked on a full ring) joins cleanly; a
 * cut file ends with the offset of the record it cuts. */
static void
test_reader_thread(void **state)
{
	(void)state;
	char path[64];
	struct reader *rd;
	struct nk_err err;
	struct nk_mrt_hdr h;
	const uint8_t *body;
	uint64_t off;
	enum { N = 200000 }; /* 6.4 MB: many ring chunks */

	mk_gz(path, sizeof(path), N, 0);
	assert_int_equal(reader_open(path, &rd, &err), 0);
	assert_int_equal(reader_format(rd), READER_GZIP);
	uint32_t i = 0;
	enum reader_rc rc;
	while ((rc = reader_next(rd, &h, &body, &off, &err)) == READER_RECORD) {
		assert_int_equal(h.ts, 1000 + i);
		assert_int_equal(off, (uint64_t)i * 32);
		assert_int_equal(body[15], (uint8_t)i);
		i++;
	}
	assert_int_equal(rc, READER_EOF);
	assert_int_equal(i, N);
	reader_close(rd);
	/* close after one record: the thread is waiting for ring space */
	assert_int_equal(reader_open(path, &rd, &err), 0);
	assert_int_equal(reader_next(rd, &h, &body, &off, &err), READER_RECORD);
	usleep(20000);
	reader_close(rd);
	assert_int_equal(unlink(path), 0);

	/* cut inside the stream: records up to the cut, then one error */
	mk_gz(path, sizeof(path), N, 60000);
	assert_int_equal(reader_open(path, &rd, &err), 0);
	i = 0;
	while ((rc = reader_next(rd, &h, &body, &off, &err)) == READER_RECORD)
		i++;
	assert_int_equal(rc, READER_FATAL);
	assert_true(i > 1000 && i < N);
	char want[128];
	(void)snprintf(want, sizeof(want), "%s offset %llu: ", path,
	    (unsigned long long)i * 32);
	assert_memory_equal(nk_err_msg(&err), want, strlen(want));
	assert_non_null(strstr(nk_err_msg(&err), "gzip stream damaged"));
	reader_close(rd);
	assert_int_equal(unlink(path), 0);
}

struct evlog {
	size_t n;
	char name[32][32];
	char detail[32][200];
	bool gr[32];
	uint64_t stale[32];
};

static void
on_event(void *arg, const struct watch_event *ev)
{
	struct evlog *l = arg;
	if (l->n == 32)
		return;
	(void)snprintf(l->name[l->n], sizeof(l->name[0]), "%s", ev->name);
	(void)snprintf(
	    l->detail[l->n], sizeof(l->detail[0]), "%.199s", ev->detail);
	l->gr[l->n] = ev->graceful_restart;
	l->stale[l->n] = ev->stale_routes;
	l->n++;
}

static void
feed(struct watch *w, int kind, const char *peer, uint32_t asn,
    const char *prefix, const struct nk_bgp_attrs *a, uint32_t ts)
{
	struct nk_mrt_elem e;
	struct nk_err err;
	memset(&e, 0, sizeof(e));
	e.kind = (enum nk_mrt_kind)kind;
	e.ts = ts;
	assert_int_equal(nk_addr_parse(peer, &e.peer_addr, &err), 0);
	e.peer_as = asn;
	e.prefix = pfx(prefix);
	e.attrs = a;
	e.next_hop = e.peer_addr;
	(void)watch_elem(w, &e);
}

static void
test_watch_failover_and_unreachable(void **state)
{
	(void)state;
	struct watch_cfg cfg;
	struct evlog log = {0};
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {65010, 64500};

	watch_cfg_default(&cfg);
	(void)snprintf(cfg.up[0].name, sizeof(cfg.up[0].name), "verizon");
	cfg.up[0].asn = 65010;
	(void)snprintf(cfg.up[1].name, sizeof(cfg.up[1].name), "cogent");
	cfg.up[1].asn = 65020;
	cfg.n_up = 2;
	cfg.watch_all = false;
	cfg.prefix[0] = pfx("192.0.2.0/24");
	cfg.n_prefix = 1;
	struct watch *w = watch_new(&cfg, on_event, &log);
	mk_attrs(&a, ba, p1, 2);
	watch_set_quiet(w, true);
	feed(w, NK_MRT_E_RIB, "10.0.0.1", 65010, "192.0.2.0/24", &a, 10);
	feed(w, NK_MRT_E_RIB, "10.0.0.3", 65020, "192.0.2.0/24", &a, 10);
	watch_set_quiet(w, false);
	assert_int_equal(log.n, 0);
	feed(w, NK_MRT_E_WITHDRAW, "10.0.0.1", 65010, "192.0.2.0/24", NULL, 20);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.name[0], "withdrawn");
	assert_string_equal(
	    log.detail[0], "withdrawn by verizon, still via cogent");
	feed(w, NK_MRT_E_WITHDRAW, "10.0.0.3", 65020, "192.0.2.0/24", NULL, 25);
	assert_string_equal(log.name[1], "unreachable");
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.3", 65020, "192.0.2.0/24", &a, 30);
	assert_string_equal(log.name[2], "reachable_again");
	/* a more-specific of the watched prefix appears */
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "192.0.2.128/25", &a, 31);
	assert_string_equal(log.name[3], "more_specific");
	/* unwatched prefixes make no event */
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "198.18.0.0/15", &a, 32);
	assert_int_equal(log.n, 4);
	watch_free(w);
}

static void
feed_state(struct watch *w, const char *peer, uint32_t asn, unsigned from,
    unsigned to, uint32_t ts)
{
	struct nk_mrt_elem e;
	struct nk_err err;
	memset(&e, 0, sizeof(e));
	e.kind = NK_MRT_E_STATE;
	e.ts = ts;
	assert_int_equal(nk_addr_parse(peer, &e.peer_addr, &err), 0);
	e.peer_as = asn;
	e.old_state = (uint16_t)from;
	e.new_state = (uint16_t)to;
	(void)watch_elem(w, &e);
}

/* The announced route of (prefix, peer), 0 when none. */
static uint32_t
route_of(const struct watch *w, const char *prefix, uint16_t peer)
{
	struct nk_prefix p = pfx(prefix);
	size_t n = 0;
	const struct rib_route *rt = rib_get(watch_rib(w), &p, &n);
	for (size_t i = 0; i < n; i++)
		if (rt[i].peer == peer)
			return rt[i].attr;
	return 0;
}

/* rib: stale marks are set per peer, cleared by rib_set, swept per family. */
static void
test_rib_stale(void **state)
{
	(void)state;
	struct rib *r = rib_new();
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {65010, 64500};
	uint32_t old;
	uint16_t flaps;
	const char *const ps[] = {"192.0.2.0/24", "198.51.100.0/24",
	    "2001:db8::/32", "203.0.113.0/24"};

	mk_attrs(&a, ba, p1, 2);
	for (size_t i = 0; i < 4; i++) {
		struct nk_prefix p = pfx(ps[i]);
		uint32_t id = rib_attr_intern(r, &a, NULL);
		/* peer 0 holds the first three, peer 1 the last */
		assert_int_equal(
		    rib_set(r, &p, i < 3 ? 0 : 1, 0, id, 1, &old, &flaps), 0);
	}
	/* by family: IPv6 only, then both */
	assert_int_equal(rib_peer_mark_stale(r, 0, AF_INET6), 1);
	assert_int_equal(rib_peer_sweep_stale(r, 0, AF_INET, 3, NULL, NULL), 0);
	assert_int_equal(rib_peer_mark_stale(r, 0, 0), 3);
	/* re-sent: no longer stale */
	struct nk_prefix p0 = pfx(ps[0]);
	uint32_t id = rib_attr_intern(r, &a, NULL);
	assert_int_equal(rib_set(r, &p0, 0, 0, id, 2, &old, &flaps), 0);
	rib_attr_unref(r, old);
	/* IPv4 first: only 198.51.100.0/24 is stale and goes */
	assert_int_equal(rib_peer_sweep_stale(r, 0, AF_INET, 3, NULL, NULL), 1);
	size_t n;
	struct nk_prefix p1p = pfx(ps[1]), p2p = pfx(ps[2]), p3p = pfx(ps[3]);
	assert_int_equal(rib_get(r, &p1p, &n)[0].attr, 0);
	assert_int_not_equal(rib_get(r, &p0, &n)[0].attr, 0);
	assert_int_not_equal(rib_get(r, &p2p, &n)[0].attr, 0);
	/* then IPv6; peer 1's route was never stale */
	assert_int_equal(rib_peer_sweep_stale(r, 0, 0, 4, NULL, NULL), 1);
	assert_int_equal(rib_get(r, &p2p, &n)[0].attr, 0);
	assert_int_not_equal(rib_get(r, &p3p, &n)[0].attr, 0);
	assert_int_equal(rib_peer_sweep_stale(r, 0, 0, 5, NULL, NULL), 0);
	assert_int_equal(rib_peer_sweep_stale(r, 1, 0, 5, NULL, NULL), 0);
	struct rib_stats st;
	rib_stats(r, &st);
	assert_int_equal(st.n_routes, 2);
	rib_free(r);
}

/*
 * RFC 4724 in the engine: a peer with a restart time keeps its routes as
 * stale over a session loss (no withdrawal events), routes it sends again
 * survive the End-of-RIB flush, the others are withdrawn then with the
 * usual events. Without a restart time the loss withdraws at once.
 */
static void
test_watch_graceful_restart(void **state)
{
	(void)state;
	struct watch_cfg cfg;
	struct evlog log = {0};
	struct nk_bgp_attrs a;
	uint8_t ba[64];
	const uint32_t p1[] = {65010, 64500};
	struct nk_addr pa;
	struct nk_err err;

	watch_cfg_default(&cfg);
	(void)snprintf(cfg.up[0].name, sizeof(cfg.up[0].name), "A");
	cfg.up[0].asn = 65010;
	(void)snprintf(cfg.up[1].name, sizeof(cfg.up[1].name), "B");
	cfg.up[1].asn = 65020;
	cfg.n_up = 2;
	struct watch *w = watch_new(&cfg, on_event, &log);
	mk_attrs(&a, ba, p1, 2);
	assert_int_equal(nk_addr_parse("10.0.0.1", &pa, &err), 0);
	watch_peer_connecting(w, &pa, 65010);
	feed_state(w, "10.0.0.1", 65010, 5, 6, 10);
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "192.0.2.0/24", &a, 11);
	feed(
	    w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "198.51.100.0/24", &a, 11);
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "2001:db8::/32", &a, 11);
	feed(
	    w, NK_MRT_E_ANNOUNCE, "10.0.0.3", 65020, "198.51.100.0/24", &a, 11);
	size_t n0 = log.n;
	assert_string_equal(log.name[0], "session_up");

	/* restarting: the session goes, the routes stay (stale) */
	watch_peer_graceful(w, &pa, 65010, 120, 3);
	feed_state(w, "10.0.0.1", 65010, 6, 1, 20);
	assert_int_equal(log.n, n0 + 1);
	assert_string_equal(log.name[n0], "session_down");
	assert_true(log.gr[n0]);
	assert_int_equal(log.stale[n0], 3);
	assert_non_null(strstr(log.detail[n0],
	    "graceful restart: 3 routes kept as stale for up to 120 s"));
	assert_int_not_equal(route_of(w, "192.0.2.0/24", 0), 0);
	struct watch_peer_info pi;
	watch_peer(w, 0, &pi);
	assert_int_equal(pi.n_routes, 3);
	assert_false(pi.established);

	/* back: sends 192.0.2.0/24 again (same path: no event), then EoR */
	feed_state(w, "10.0.0.1", 65010, 5, 6, 30);
	assert_string_equal(log.name[n0 + 1], "session_up");
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "192.0.2.0/24", &a, 31);
	assert_int_equal(log.n, n0 + 2);
	assert_int_equal(watch_peer_stale_flush(w, &pa, 65010, AF_INET,
			     32000000000, "stale after graceful restart"),
	    1);
	/* 198.51.100.0/24 is still via B: withdrawn, not unreachable */
	assert_int_equal(log.n, n0 + 3);
	assert_string_equal(log.name[n0 + 2], "withdrawn");
	assert_string_equal(log.detail[n0 + 2],
	    "withdrawn by A (stale after graceful restart), still via B");
	assert_int_not_equal(route_of(w, "192.0.2.0/24", 0), 0);
	assert_int_equal(route_of(w, "198.51.100.0/24", 0), 0);
	assert_int_not_equal(route_of(w, "2001:db8::/32", 0), 0);
	/* the restart time runs out for the rest (IPv6): unreachable */
	assert_int_equal(watch_peer_stale_flush(w, &pa, 65010, 0, 200000000000,
			     "stale after graceful restart: restart time "
			     "expired"),
	    1);
	assert_string_equal(log.name[n0 + 3], "unreachable");
	assert_int_equal(route_of(w, "2001:db8::/32", 0), 0);
	watch_peer(w, 0, &pi);
	assert_int_equal(pi.n_routes, 1);
	assert_int_equal(
	    watch_peer_stale_flush(w, &pa, 65010, 0, 201000000000, "x"), 0);

	/* no restart time (the session ended with a NOTIFICATION): the
	 * routes go with the session */
	size_t n1 = log.n;
	watch_peer_graceful(w, &pa, 65010, 0, 3);
	feed_state(w, "10.0.0.1", 65010, 6, 1, 300);
	assert_string_equal(log.name[n1], "session_down");
	assert_false(log.gr[n1]);
	assert_string_equal(log.name[n1 + 1], "unreachable");
	assert_int_equal(route_of(w, "192.0.2.0/24", 0), 0);

	/* a capability that lists IPv4 only: IPv6 goes with the session */
	feed_state(w, "10.0.0.1", 65010, 5, 6, 400);
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "192.0.2.0/24", &a, 401);
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "2001:db8::/32", &a, 401);
	size_t n2 = log.n;
	watch_peer_graceful(w, &pa, 65010, 120, 1);
	feed_state(w, "10.0.0.1", 65010, 6, 1, 402);
	assert_string_equal(log.name[n2], "session_down");
	assert_true(log.gr[n2]);
	assert_int_equal(log.stale[n2], 1);
	assert_non_null(strstr(log.detail[n2],
	    "graceful restart: 1 routes kept as stale for up to 120 s"));
	assert_string_equal(log.name[n2 + 1], "unreachable");
	assert_non_null(strstr(log.detail[n2 + 1],
	    "(session down: IPv6 unicast not in its graceful-restart "
	    "capability)"));
	assert_int_not_equal(route_of(w, "192.0.2.0/24", 0), 0);
	assert_int_equal(route_of(w, "2001:db8::/32", 0), 0);
	watch_peer(w, 0, &pi);
	assert_int_equal(pi.n_routes, 1);
	watch_free(w);
}

/* What reading a snapshot back saw. */
struct rd_back {
	size_t n_pit, n_rib;
	uint32_t peer_as[8];
	char line[8][256]; /* "PREFIX PEER_AS PATH NEXT_HOP" */
};

static int
on_back(void *arg, const struct nk_mrt_elem *e)
{
	struct rd_back *b = arg;
	char pf[64], path[64] = "", nh[64] = "-";
	struct nk_bgp_aspath ap;

	assert_int_equal(e->kind, NK_MRT_E_RIB);
	assert_int_equal(e->attrs->err_class, NK_BGP_ERR_NONE);
	if (b->n_rib == 8)
		return 0;
	(void)nk_prefix_fmt(&e->prefix, pf, sizeof(pf));
	if (nk_bgp_attrs_aspath(e->attrs, &ap) == 0)
		(void)nk_bgp_aspath_fmt(&ap, path, sizeof(path));
	if (e->next_hop.family != 0)
		(void)nk_addr_fmt(&e->next_hop, nh, sizeof(nh));
	(void)snprintf(b->line[b->n_rib], sizeof(b->line[0]), "%s %u %s %s", pf,
	    e->peer_as, path, nh);
	b->n_rib++;
	return 0;
}

/*
 * TABLE_DUMP_V2 snapshot of the engine: the peer index table and one RIB
 * record per prefix with an announced route read back through lib/mrt;
 * a 2-octet AS_PATH comes out 4-octet, an IPv6 route with its next hop in
 * MP_REACH_NLRI, withdrawn routes not at all.
 */
static void
test_ribdump_reads_back(void **state)
{
	(void)state;
	struct watch_cfg cfg;
	struct nk_bgp_attrs a, a2, a6;
	uint8_t ba[64], ba6[96];
	const uint32_t p1[] = {65010, 64500};
	struct nk_err err;

	watch_cfg_default(&cfg);
	struct watch *w = watch_new(&cfg, NULL, NULL);
	mk_attrs(&a, ba, p1, 2);
	/* the same path as a 2-octet speaker sends it */
	const uint8_t raw2[] = {0x40, 1, 1, 0, 0x40, 2, 6, 2, 2, 0xfd, 0xf2,
	    0xfb, 0xf4, 0x40, 3, 4, 10, 0, 0, 3};
	struct nk_bgp_opts o2 = {.as4 = false};
	nk_bgp_attrs_parse(raw2, sizeof(raw2), &o2, &a2);
	assert_int_equal(a2.err_class, NK_BGP_ERR_NONE);
	/* IPv6: ORIGIN, AS_PATH, MP_REACH_NLRI (next hop 2001:db8::1) */
	size_t k = 0;
	const uint8_t hdr6[] = {0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd,
	    0xf2, 0x80, 14, 28, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1};
	memcpy(ba6, hdr6, sizeof(hdr6));
	k = sizeof(hdr6);
	struct nk_bgp_opts o6 = {.as4 = true};
	nk_bgp_attrs_parse(ba6, k, &o6, &a6);
	assert_int_equal(a6.err_class, NK_BGP_ERR_NONE);

	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.1", 65010, "192.0.2.0/24", &a, 5);
	feed(w, NK_MRT_E_ANNOUNCE, "10.0.0.3", 65011, "192.0.2.0/24", &a2, 6);
	feed(
	    w, NK_MRT_E_ANNOUNCE, "10.0.0.3", 65011, "198.51.100.0/24", &a2, 6);
	feed(w, NK_MRT_E_WITHDRAW, "10.0.0.3", 65011, "198.51.100.0/24", NULL,
	    7);
	struct nk_mrt_elem e6;
	memset(&e6, 0, sizeof(e6));
	e6.kind = NK_MRT_E_ANNOUNCE;
	e6.ts = 8;
	assert_int_equal(nk_addr_parse("2001:db8::9", &e6.peer_addr, &err), 0);
	e6.peer_as = 65012;
	e6.prefix = pfx("2001:db8:1::/48");
	e6.attrs = &a6;
	e6.next_hop = a6.mp_reach.nh;
	(void)watch_elem(w, &e6);

	FILE *f = tmpfile();
	assert_non_null(f);
	struct ribdump_stats st;
	assert_int_equal(ribdump_write(f, w, 0x0a000002, 1000, &st, &err), 0);
	assert_int_equal(st.n_prefixes, 2);
	assert_int_equal(st.n_routes, 3);
	assert_int_equal(st.n_records, 3);
	long size = ftell(f);
	assert_int_equal((uint64_t)size, st.bytes);
	rewind(f);
	uint8_t *buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	(void)fclose(f);

	struct nk_mrt_ctx ctx;
	struct rd_back back;
	memset(&back, 0, sizeof(back));
	nk_mrt_ctx_init(&ctx);
	size_t off = 0;
	while (off < (size_t)size) {
		struct nk_mrt_hdr h;
		assert_int_equal(
		    nk_mrt_hdr_parse(buf + off, (size_t)size - off, &h), 0);
		assert_int_equal(h.type, NK_MRT_TABLE_DUMP_V2);
		assert_int_equal(h.ts, 1000);
		assert_true(off + NK_MRT_HDR_LEN + h.len <= (size_t)size);
		if (h.subtype == NK_MRT_PEER_INDEX_TABLE)
			back.n_pit++;
		assert_int_equal(
		    nk_mrt_record_parse(&ctx, &h, buf + off + NK_MRT_HDR_LEN,
			h.len, on_back, &back, &err),
		    0);
		off += NK_MRT_HDR_LEN + h.len;
	}
	assert_int_equal(back.n_pit, 1);
	assert_int_equal(ctx.n_peers, 3);
	assert_int_equal(back.n_rib, 3);
	assert_string_equal(
	    back.line[0], "192.0.2.0/24 65010 65010 64500 10.0.0.1");
	assert_string_equal(
	    back.line[1], "192.0.2.0/24 65011 65010 64500 10.0.0.3");
	assert_string_equal(
	    back.line[2], "2001:db8:1::/48 65012 65010 2001:db8::1");
	nk_mrt_ctx_fini(&ctx);
	free(buf);
	watch_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interning_shares),
	    cmocka_unit_test(test_tree_lookup),
	    cmocka_unit_test(test_tree_random),
	    cmocka_unit_test(test_walk_order),
	    cmocka_unit_test(test_prune),
	    cmocka_unit_test(test_reader_thread),
	    cmocka_unit_test(test_watch_failover_and_unreachable),
	    cmocka_unit_test(test_rib_stale),
	    cmocka_unit_test(test_watch_graceful_restart),
	    cmocka_unit_test(test_ribdump_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
