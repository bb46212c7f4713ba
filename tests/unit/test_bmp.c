/* Unit tests of lib/bmp (RFC 7854/9069 decoding) and bgpwatch's bmpin
 * (stream framing into the watch engine). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "../../bgpwatch/bmpin.h"
#include "../../bgpwatch/watch.h"
#include "bgp.h"
#include "bgpmsg.h"
#include "bmp.h"

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v & 0xffff);
}

/* Start a message; finish() patches the length. */
static size_t
begin(struct buf *b, unsigned type)
{
	size_t at = b->n;
	put8(b, 3);
	put32(b, 0);
	put8(b, type);
	return at;
}

static void
finish(struct buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->n - at);
	b->b[at + 1] = (uint8_t)(len >> 24);
	b->b[at + 2] = (uint8_t)(len >> 16);
	b->b[at + 3] = (uint8_t)(len >> 8);
	b->b[at + 4] = (uint8_t)len;
}

static void
peer_hdr(struct buf *b, unsigned type, unsigned flags, const uint8_t v4[4],
    uint32_t asn, uint32_t id)
{
	put8(b, type);
	put8(b, flags);
	for (int i = 0; i < 8; i++)
		put8(b, 0);
	for (int i = 0; i < 12; i++)
		put8(b, 0);
	put(b, v4, 4);
	put32(b, asn);
	put32(b, id);
	put32(b, 1700000000);
	put32(b, 123456);
}

static void
tlv(struct buf *b, unsigned type, const char *s)
{
	put16(b, type);
	put16(b, (unsigned)strlen(s));
	put(b, s, strlen(s));
}

/* An UPDATE announcing (or withdrawing) 192.0.2.0/24 with path asn,64500. */
static void
update(struct buf *b, bool withdraw, uint32_t asn)
{
	uint8_t u[128];
	size_t n = 0;
	for (int i = 0; i < 16; i++)
		u[n++] = 0xff;
	n += 3; /* length + type patched below */
	if (withdraw) {
		uint8_t w[] = {0, 4, 24, 192, 0, 2, 0, 0};
		memcpy(u + n, w, sizeof(w));
		n += sizeof(w);
	} else {
		uint8_t a[] = {0, 0, 0, 24, 0x40, 1, 1, 0, 0x40, 2, 10, 2, 2,
		    (uint8_t)(asn >> 24), (uint8_t)(asn >> 16),
		    (uint8_t)(asn >> 8), (uint8_t)asn, 0, 0, 0xfb, 0xf4, 0x40,
		    3, 4, 10, 0, 0, 1, 24, 192, 0, 2};
		memcpy(u + n, a, sizeof(a));
		n += sizeof(a);
	}
	u[16] = 0;
	u[17] = (uint8_t)n;
	u[18] = NK_BGP_UPDATE;
	put(b, u, n);
}

static const uint8_t P1[4] = {10, 0, 0, 1};
static const uint8_t P2[4] = {10, 0, 0, 3};

static void
peer_up(struct buf *b, const uint8_t addr[4], uint32_t asn)
{
	size_t at = begin(b, NK_BMP_PEER_UP);
	uint8_t o[128];
	peer_hdr(b, 0, 0, addr, asn, 0x0a000001);
	for (int i = 0; i < 12; i++)
		put8(b, 0);
	uint8_t local[4] = {10, 0, 0, 2};
	put(b, local, 4);
	put16(b, 179);
	put16(b, 40000);
	struct nk_bgp_open_cfg oc = {.asn = 65001, .hold_s = 90, .bgp_id = 2};
	size_t on = nk_bgpmsg_open_fmt(&oc, o, sizeof(o));
	put(b, o, on);
	oc.asn = asn;
	on = nk_bgpmsg_open_fmt(&oc, o, sizeof(o));
	put(b, o, on);
	tlv(b, 0, "hello");
	finish(b, at);
}

static void
route(struct buf *b, const uint8_t addr[4], uint32_t asn, bool withdraw,
    unsigned flags)
{
	size_t at = begin(b, NK_BMP_ROUTE_MONITORING);
	peer_hdr(b, 0, flags, addr, asn, 0x0a000001);
	update(b, withdraw, asn);
	finish(b, at);
}

static void
stream(struct buf *b)
{
	size_t at = begin(b, NK_BMP_INITIATION);
	tlv(b, NK_BMP_INFO_SYSDESCR, "test router 1.0");
	tlv(b, NK_BMP_INFO_SYSNAME, "r1");
	finish(b, at);
	peer_up(b, P1, 65010);
	peer_up(b, P2, 65020);
	route(b, P1, 65010, false, 0);
	route(b, P2, 65020, false, 0);
	route(b, P1, 65010, false, NK_BMP_F_L); /* post-policy: not fed */
	route(b, P1, 65010, true, 0);           /* A withdraws */
	at = begin(b, NK_BMP_STATS);
	peer_hdr(b, 0, 0, P1, 65010, 0x0a000001);
	put32(b, 2);
	put16(b, 0);
	put16(b, 4);
	put32(b, 7);
	put16(b, 7);
	put16(b, 8);
	put32(b, 0);
	put32(b, 9);
	finish(b, at);
	at = begin(b, NK_BMP_PEER_DOWN);
	peer_hdr(b, 0, 0, P2, 65020, 0x0a000001);
	put8(b, NK_BMP_DOWN_REMOTE_NOTIFY);
	uint8_t nb[64];
	size_t nn = nk_bgpmsg_cease_fmt(2, "maintenance", nb, sizeof(nb));
	put(b, nb, nn);
	finish(b, at);
	at = begin(b, NK_BMP_TERMINATION);
	put16(b, NK_BMP_TERM_REASON);
	put16(b, 2);
	put16(b, 1);
	finish(b, at);
}

struct seen {
	unsigned n_type[8];
	unsigned n_elem;
	char ev[16][48];
	char detail[16][1600];
	unsigned n_ev;
};

static void
on_msg(void *arg, const struct nk_bmp_msg *m, const struct nk_mrt_elem *e)
{
	struct seen *s = arg;
	if (e != NULL)
		s->n_elem++;
	else if (m->h.type < 8)
		s->n_type[m->h.type]++;
}

static void
on_ev(void *arg, const struct watch_event *ev)
{
	struct seen *s = arg;
	if (s->n_ev < 16) {
		(void)snprintf(
		    s->ev[s->n_ev], sizeof(s->ev[0]), "%s", ev->name);
		(void)snprintf(
		    s->detail[s->n_ev], sizeof(s->detail[0]), "%s", ev->detail);
	}
	s->n_ev++;
}

static void
test_msg_parse(void **state)
{
	(void)state;
	struct buf b = {{0}, 0};
	struct nk_bmp_msg m;
	const char *cause = NULL;

	peer_up(&b, P1, 65010);
	assert_int_equal(nk_bmp_msg_parse(b.b, b.n, &m, &cause), 0);
	assert_int_equal(m.h.type, NK_BMP_PEER_UP);
	assert_true(m.has_peer);
	assert_int_equal(m.peer.asn, 65010);
	assert_int_equal(m.peer.addr.family, AF_INET);
	assert_memory_equal(m.peer.addr.bytes, P1, 4);
	assert_int_equal(m.peer.ts_usec, 123456);
	assert_int_equal(m.local_port, 179);
	assert_int_equal(m.remote_port, 40000);
	assert_non_null(m.sent_open);
	assert_non_null(m.recv_open);
	assert_int_equal(m.tlvs_len, 9);
	/* every truncation is refused, none reads past the end */
	for (size_t k = 0; k < b.n; k++)
		assert_int_equal(nk_bmp_msg_parse(b.b, k, &m, &cause), -1);
	/* a length field one short: the second OPEN overruns */
	struct buf c = b;
	c.b[4] = (uint8_t)(c.b[4] - 10);
	assert_int_equal(nk_bmp_msg_parse(c.b, c.n, &m, &cause), -1);
	/* version 2 */
	c = b;
	c.b[0] = 2;
	assert_int_equal(nk_bmp_msg_parse(c.b, c.n, &m, &cause), -1);
	struct nk_bmp_hdr h;
	assert_int_equal(nk_bmp_hdr_parse(c.b, c.n, &h, &cause), -1);
	assert_int_equal(nk_bmp_hdr_parse(b.b, 5, &h, &cause), 1);
}

static void
test_stream_into_engine(void **state)
{
	(void)state;
	struct buf b = {{0}, 0};
	struct seen s;
	struct watch_cfg cfg;
	struct bmpin in;
	struct nk_addr router = {AF_INET, {10, 0, 0, 9}};

	memset(&s, 0, sizeof(s));
	stream(&b);
	watch_cfg_default(&cfg);
	cfg.n_up = 2;
	(void)snprintf(cfg.up[0].name, sizeof(cfg.up[0].name), "A");
	cfg.up[0].asn = 65010;
	(void)snprintf(cfg.up[1].name, sizeof(cfg.up[1].name), "B");
	cfg.up[1].asn = 65020;
	struct watch *w = watch_new(&cfg, on_ev, &s);
	assert_non_null(w);
	assert_int_equal(
	    bmpin_init(&in, &router, BMPIN_VIEW_PRE, w, on_msg, &s), 0);
	/* byte by byte: framing across reads */
	for (size_t i = 0; i < b.n; i++)
		assert_int_equal(
		    bmpin_feed(&in, b.b + i, 1, 1700000000000000000), 0);
	assert_int_equal(in.len, 0);
	assert_int_equal(in.n_bad, 0);
	assert_int_equal(s.n_type[NK_BMP_INITIATION], 1);
	assert_int_equal(s.n_type[NK_BMP_PEER_UP], 2);
	assert_int_equal(s.n_type[NK_BMP_STATS], 1);
	assert_int_equal(s.n_type[NK_BMP_PEER_DOWN], 1);
	assert_int_equal(s.n_type[NK_BMP_TERMINATION], 1);
	assert_int_equal(s.n_elem, 4);
	assert_string_equal(in.router_name, "r1");
	/* engine: up A, up B, announced x2, withdrawn by A still via B,
	 * B down (maintenance), unreachable, then Termination: A down */
	assert_string_equal(s.ev[0], "session_up");
	assert_string_equal(s.ev[1], "session_up");
	assert_string_equal(s.ev[2], "announced");
	assert_string_equal(s.ev[3], "announced");
	assert_string_equal(s.ev[4], "withdrawn");
	assert_string_equal(s.detail[4], "withdrawn by A, still via B");
	assert_string_equal(s.ev[5], "session_down");
	assert_non_null(strstr(s.detail[5],
	    "remote system closed the session with a NOTIFICATION: "
	    "administrative shutdown 'maintenance'"));
	assert_string_equal(s.ev[6], "unreachable");
	assert_string_equal(s.ev[7], "session_down");
	assert_non_null(strstr(s.detail[7], "BMP Termination from r1"));
	bmpin_fini(&in);
	watch_free(w);
}

static void
test_stream_cut_and_broken(void **state)
{
	(void)state;
	struct buf b = {{0}, 0};
	struct seen s;
	struct bmpin in;
	struct nk_addr router = {AF_INET, {10, 0, 0, 9}};

	memset(&s, 0, sizeof(s));
	stream(&b);
	assert_int_equal(
	    bmpin_init(&in, &router, BMPIN_VIEW_PRE, NULL, on_msg, &s), 0);
	/* cut in the middle of the first Peer Up: it stays buffered */
	assert_int_equal(bmpin_feed(&in, b.b, 60, 0), 0);
	assert_int_equal(s.n_type[NK_BMP_INITIATION], 1);
	assert_int_equal(s.n_type[NK_BMP_PEER_UP], 0);
	assert_true(in.len > 0);
	bmpin_fini(&in);
	/* a stream that is not BMP: broken at once, stays broken */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    bmpin_init(&in, &router, BMPIN_VIEW_PRE, NULL, on_msg, &s), 0);
	uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(bmpin_feed(&in, junk, sizeof(junk), 0), -1);
	assert_true(in.broken);
	assert_int_equal(bmpin_feed(&in, b.b, b.n, 0), -1);
	bmpin_fini(&in);
	/* a Stats count that lies: counted bad, the stream goes on */
	struct buf c = {{0}, 0};
	size_t at = begin(&c, NK_BMP_STATS);
	peer_hdr(&c, 0, 0, P1, 65010, 1);
	put32(&c, 5);
	put16(&c, 0);
	put16(&c, 4);
	put32(&c, 7);
	finish(&c, at);
	peer_up(&c, P1, 65010);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    bmpin_init(&in, &router, BMPIN_VIEW_PRE, NULL, on_msg, &s), 0);
	assert_int_equal(bmpin_feed(&in, c.b, c.n, 0), 0);
	assert_int_equal(in.n_bad, 1);
	assert_int_equal(s.n_type[NK_BMP_PEER_UP], 1);
	bmpin_fini(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_parse),
	    cmocka_unit_test(test_stream_into_engine),
	    cmocka_unit_test(test_stream_cut_and_broken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
