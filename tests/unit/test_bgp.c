/* Unit tests of lib/bgp: messages, attributes (RFC 7606 classes), NLRI,
 * AS paths and the RFC 6793 AS4_PATH merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "bgp.h"

static void
fmt_path(const struct nk_bgp_attrs *a, char *buf, size_t len)
{
	struct nk_bgp_aspath p;
	assert_int_equal(nk_bgp_attrs_aspath(a, &p), 0);
	nk_bgp_aspath_fmt(&p, buf, len);
}

static void
test_msg_header(void **state)
{
	(void)state;
	uint8_t m[23];
	struct nk_bgp_msg msg;
	const char *cause = NULL;

	memset(m, 0xff, 16);
	m[16] = 0;
	m[17] = 23;
	m[18] = NK_BGP_UPDATE;
	m[19] = m[20] = m[21] = m[22] = 0;
	assert_int_equal(nk_bgp_msg_parse(m, sizeof(m), &msg, &cause), 0);
	assert_int_equal(msg.type, NK_BGP_UPDATE);
	assert_int_equal(msg.body_len, 4);
	/* the length field claims more than given */
	assert_int_equal(nk_bgp_msg_parse(m, 22, &msg, &cause), -1);
	assert_non_null(strstr(cause, "exceeds"));
	m[3] = 0;
	assert_int_equal(nk_bgp_msg_parse(m, sizeof(m), &msg, &cause), -1);
	assert_non_null(strstr(cause, "marker"));
	m[3] = 0xff;
	m[17] = 18;
	assert_int_equal(nk_bgp_msg_parse(m, sizeof(m), &msg, &cause), -1);
}

static void
test_update_split(void **state)
{
	(void)state;
	const uint8_t u[] = {0, 2, 8, 10, 0, 3, 0x40, 1, 0, 24, 192, 0, 2};
	struct nk_bgp_update up;
	const char *cause;

	assert_int_equal(nk_bgp_update_split(u, sizeof(u), &up, &cause), 0);
	assert_int_equal(up.withdrawn_len, 2);
	assert_int_equal(up.attrs_len, 3);
	assert_int_equal(up.nlri_len, 4);
	/* attribute length beyond the message: RFC 7606 §4 */
	const uint8_t bad[] = {0, 0, 0, 9, 0x40, 1, 0};
	assert_int_equal(
	    nk_bgp_update_split(bad, sizeof(bad), &up, &cause), -1);
}

static void
test_nlri_masks_trailing_bits(void **state)
{
	(void)state;
	/* 11.13.0.0/13 on the wire: 0x0b 0x0d; /13 keeps 5 bits of 0x0d */
	const uint8_t n[] = {13, 0x0b, 0x0d, 0, 32, 10, 0, 0, 1};
	struct nk_rd r = nk_rd_make(n, sizeof(n));
	struct nk_prefix p;

	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), 1);
	assert_int_equal(p.len, 13);
	assert_int_equal(p.addr.bytes[0], 11);
	assert_int_equal(p.addr.bytes[1], 8);
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), 1);
	assert_int_equal(p.len, 0);
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), 1);
	assert_int_equal(p.len, 32);
	assert_int_equal(p.addr.bytes[3], 1);
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), 0);
}

static void
test_nlri_malformed(void **state)
{
	(void)state;
	const uint8_t too_long[] = {33, 1, 2, 3, 4, 5};
	const uint8_t cut[] = {24, 10, 0};
	const uint8_t ap[] = {0, 0, 0, 7, 24, 192, 0, 2};
	struct nk_rd r = nk_rd_make(too_long, sizeof(too_long));
	struct nk_prefix p;
	uint32_t id = 0;

	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), -1);
	r = nk_rd_make(cut, sizeof(cut));
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, false, &p, NULL), -1);
	r = nk_rd_make(too_long, sizeof(too_long));
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET6, false, &p, NULL), 1);
	r = nk_rd_make(ap, sizeof(ap));
	assert_int_equal(nk_bgp_nlri_next(&r, AF_INET, true, &p, &id), 1);
	assert_int_equal(id, 7);
	assert_int_equal(p.len, 24);
}

static void
test_attrs_basic(void **state)
{
	(void)state;
	const uint8_t a[] = {
	    0x40, 1, 1, 0, /* ORIGIN IGP */
	    0x40, 2, 16, 2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfb, 0xf4, /* SEQ */
	    1, 1, 0, 0, 0, 5,                                      /* SET {5} */
	    0x40, 3, 4, 192, 0, 2, 1, /* NEXT_HOP */
	    0x80, 4, 4, 0, 0, 0, 10,  /* MED */
	    0x40, 5, 4, 0, 0, 0, 100, /* LOCAL_PREF */
	    0x40, 6, 0,               /* ATOMIC */
	    0xc0, 8, 8, 0xfd, 0xe9, 0, 1, 0xff, 0xff, 0xff, 0x01,   /* COMM */
	    0xc0, 32, 12, 0, 0, 0xfd, 0xe9, 0, 0, 0, 1, 0, 0, 0, 2, /* LARGE */
	    0xc0, 99, 2, 0xab, 0xcd, /* unknown */
	};
	struct nk_bgp_opts o = {.as4 = true};
	struct nk_bgp_attrs at;
	char buf[128];

	nk_bgp_attrs_parse(a, sizeof(a), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_NONE);
	assert_true(nk_bgp_has(&at, NK_BGP_A_ATOMIC_AGGR));
	assert_int_equal(at.med, 10);
	assert_int_equal(at.local_pref, 100);
	assert_int_equal(at.next_hop.bytes[3], 1);
	assert_int_equal(at.communities_len, 8);
	assert_int_equal(at.large_len, 12);
	assert_int_equal(at.n_unknown, 1);
	assert_int_equal(at.unknown[0].type, 99);
	assert_int_equal(at.unknown[0].len, 2);
	fmt_path(&at, buf, sizeof(buf));
	/* segment lengths count ASNs: 2 then 1 */
	assert_string_equal(buf, "65001 64500 {5}");
}

static void
test_attrs_rfc7606_classes(void **state)
{
	(void)state;
	struct nk_bgp_opts o = {.as4 = true};
	struct nk_bgp_attrs at;

	/* ORIGIN of length 2: treat-as-withdraw (§7.1) */
	const uint8_t origin[] = {0x40, 1, 2, 0, 0};
	nk_bgp_attrs_parse(origin, sizeof(origin), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_TREAT_AS_WITHDRAW);
	/* ATOMIC_AGGREGATE with a body: attribute discard (§7.6) */
	const uint8_t atomic[] = {0x40, 6, 1, 0};
	nk_bgp_attrs_parse(atomic, sizeof(atomic), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_ATTR_DISCARD);
	/* an attribute claiming more bytes than the section has (§4) */
	const uint8_t over[] = {0x40, 1, 1, 0, 0x40, 2, 0x40, 2, 1};
	nk_bgp_attrs_parse(over, sizeof(over), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_SESSION_RESET);
	assert_true(nk_bgp_has(&at, NK_BGP_A_ORIGIN)); /* before: kept */
	assert_non_null(strstr(at.err_cause, "overruns"));
	/* AS_PATH segment overrun (§7.2) */
	const uint8_t path[] = {0x40, 2, 4, 2, 3, 0, 1};
	nk_bgp_attrs_parse(path, sizeof(path), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_TREAT_AS_WITHDRAW);
	/* repeated attribute: the first is kept (§3 g) */
	const uint8_t dup[] = {0x80, 4, 4, 0, 0, 0, 1, 0x80, 4, 4, 0, 0, 0, 2};
	nk_bgp_attrs_parse(dup, sizeof(dup), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_ATTR_DISCARD);
	assert_int_equal(at.med, 1);
	/* COMMUNITIES not a multiple of 4 (§7.8) */
	const uint8_t comm[] = {0xc0, 8, 3, 1, 2, 3};
	nk_bgp_attrs_parse(comm, sizeof(comm), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_TREAT_AS_WITHDRAW);
	assert_false(nk_bgp_has(&at, NK_BGP_A_COMMUNITIES));
}

static void
test_mp_reach_nexthops(void **state)
{
	(void)state;
	struct nk_bgp_opts o = {.as4 = true};
	struct nk_bgp_attrs at;
	/* IPv6 unicast, global + link-local next hop, one /48 */
	uint8_t a[4 + 5 + 32 + 1 + 7];
	size_t n = 0;
	a[n++] = 0x80;
	a[n++] = 14;
	a[n++] = (uint8_t)(sizeof(a) - 3);
	a[n++] = 0;
	a[n++] = 2;
	a[n++] = 1;
	a[n++] = 32;
	memset(a + n, 0, 32);
	a[n] = 0x20;
	a[n + 1] = 0x01;
	a[n + 15] = 1;
	a[n + 16] = 0xfe;
	a[n + 17] = 0x80;
	n += 32;
	a[n++] = 0; /* reserved */
	a[n++] = 48;
	a[n++] = 0x20;
	a[n++] = 0x01;
	a[n++] = 0x0d;
	a[n++] = 0xb8;
	a[n++] = 0;
	a[n++] = 1;
	a[2] = (uint8_t)(n - 3);
	nk_bgp_attrs_parse(a, n, &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_NONE);
	assert_int_equal(at.mp_reach.afi, 2);
	assert_int_equal(at.mp_reach.nh.family, AF_INET6);
	assert_int_equal(at.mp_reach.nh_ll.family, AF_INET6);
	assert_int_equal(at.mp_reach.nh_ll.bytes[0], 0xfe);
	assert_int_equal(at.mp_reach.nlri_len, 7);
	/* IPv4 NLRI over an IPv6 next hop (RFC 8950) */
	const uint8_t v4o6[] = {0x80, 14, 25, 0, 1, 1, 16, 0x20, 1, 0xd, 0xb8,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 24, 10, 1, 2};
	nk_bgp_attrs_parse(v4o6, sizeof(v4o6), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_NONE);
	assert_int_equal(at.mp_reach.afi, 1);
	assert_int_equal(at.mp_reach.nh.family, AF_INET6);
	assert_int_equal(at.mp_reach.nh.bytes[15], 9);
	/* next hop length 5: malformed, session reset class */
	const uint8_t bad[] = {0x80, 14, 9, 0, 1, 1, 5, 1, 2, 3, 4, 5};
	nk_bgp_attrs_parse(bad, sizeof(bad), &o, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_SESSION_RESET);
	/* TABLE_DUMP_V2 abbreviated form: only length + next hop */
	const uint8_t abbr[] = {0x80, 14, 5, 4, 10, 0, 0, 1};
	struct nk_bgp_opts rib = {
	    .as4 = true, .mrt_rib = true, .rib_family = AF_INET};
	nk_bgp_attrs_parse(abbr, sizeof(abbr), &rib, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_NONE);
	assert_int_equal(at.mp_reach.nh.family, AF_INET);
	assert_int_equal(at.mp_reach.nh.bytes[3], 1);
}

static void
test_as4_merge(void **state)
{
	(void)state;
	struct nk_bgp_opts o2 = {.as4 = false};
	struct nk_bgp_attrs at;
	char buf[128];
	/* AS_PATH (2-octet) 65001 23456 23456 100; AS4_PATH 4200000000
	 * 4200000001 100 -> keep 1 leading AS, then the AS4 path */
	const uint8_t a[] = {0x40, 2, 10, 2, 4, 0xfd, 0xe9, 0x5b, 0xa0, 0x5b,
	    0xa0, 0, 100, 0xc0, 17, 14, 2, 3, 0xfa, 0x56, 0xea, 0x00, 0xfa,
	    0x56, 0xea, 0x01, 0, 0, 0, 100};
	nk_bgp_attrs_parse(a, sizeof(a), &o2, &at);
	assert_int_equal(at.err_class, NK_BGP_ERR_NONE);
	fmt_path(&at, buf, sizeof(buf));
	assert_string_equal(buf, "65001 4200000000 4200000001 100");
	/* AS4_PATH longer than AS_PATH: ignored (RFC 6793 §4.2.3) */
	const uint8_t b[] = {0x40, 2, 4, 2, 1, 0x5b, 0xa0, 0xc0, 17, 10, 2, 2,
	    0, 0, 0, 1, 0, 0, 0, 2};
	nk_bgp_attrs_parse(b, sizeof(b), &o2, &at);
	fmt_path(&at, buf, sizeof(buf));
	assert_string_equal(buf, "23456");
	/* AGGREGATOR not AS_TRANS with AS4_AGGREGATOR: AS4_PATH ignored */
	const uint8_t c[] = {0x40, 2, 6, 2, 2, 0, 1, 0x5b, 0xa0, 0xc0, 17, 6, 2,
	    1, 0, 0, 0, 9, 0xc0, 7, 6, 0, 7, 10, 0, 0, 1, 0xc0, 18, 8, 0, 0, 0,
	    9, 10, 0, 0, 1};
	nk_bgp_attrs_parse(c, sizeof(c), &o2, &at);
	fmt_path(&at, buf, sizeof(buf));
	assert_string_equal(buf, "1 23456");
	uint32_t as;
	struct nk_addr addr;
	assert_true(nk_bgp_attrs_aggregator(&at, &as, &addr));
	assert_int_equal(as, 7);
}

static void
test_aspath_fmt_confed(void **state)
{
	(void)state;
	const uint8_t p[] = {3, 2, 0, 0, 0, 1, 0, 0, 0, 2, 4, 1, 0, 0, 0, 3, 2,
	    1, 0, 0, 0, 4, 1, 2, 0, 0, 0, 5, 0, 0, 0, 6};
	struct nk_bgp_aspath path;
	char buf[64];

	assert_int_equal(nk_bgp_aspath_decode(p, sizeof(p), 4, &path), 0);
	nk_bgp_aspath_fmt(&path, buf, sizeof(buf));
	assert_string_equal(buf, "(1 2) [3] 4 {5,6}");
	assert_int_equal(nk_bgp_aspath_count(&path), 2);
	assert_int_equal(nk_bgp_aspath_origin(&path), 0); /* ends in a set */
	/* a short buffer is cut with "..." */
	nk_bgp_aspath_fmt(&path, buf, 12);
	assert_non_null(strstr(buf, "..."));
	const uint8_t bad[] = {7, 1, 0, 0, 0, 1};
	assert_int_equal(nk_bgp_aspath_decode(bad, sizeof(bad), 4, &path), -1);
}

/* RFC 4724 §2 End-of-RIB markers, and UPDATEs that only look like one. */
static void
test_update_eor(void **state)
{
	(void)state;
	uint16_t afi = 0;
	uint8_t safi = 0;
	const uint8_t v4[] = {0, 0, 0, 0};
	const uint8_t v6[] = {0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1};
	const uint8_t v6_ext[] = {0, 0, 0, 7, 0x90, 15, 0, 3, 0, 2, 1};
	/* MP_UNREACH with a prefix in it: a withdrawal, not End-of-RIB */
	const uint8_t v6_nlri[] = {
	    0, 0, 0, 11, 0x80, 15, 8, 0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb8};
	/* another attribute besides MP_UNREACH */
	const uint8_t v6_more[] = {
	    0, 0, 0, 10, 0x80, 15, 3, 0, 2, 1, 0x40, 1, 1, 0};
	const uint8_t withdraw4[] = {0, 2, 8, 10, 0, 0};
	const uint8_t origin_only[] = {0, 0, 0, 4, 0x40, 1, 1, 0};
	const uint8_t truncated[] = {0, 0, 0, 6, 0x80, 15, 3, 0, 2};
	const uint8_t lying[] = {0, 0, 0, 6, 0x80, 15, 9, 0, 2, 1};

	assert_int_equal(nk_bgp_update_eor(v4, sizeof(v4), &afi, &safi), 1);
	assert_int_equal(afi, 1);
	assert_int_equal(safi, 1);
	assert_int_equal(nk_bgp_update_eor(v6, sizeof(v6), &afi, &safi), 1);
	assert_int_equal(afi, 2);
	assert_int_equal(safi, 1);
	afi = 0;
	assert_int_equal(
	    nk_bgp_update_eor(v6_ext, sizeof(v6_ext), &afi, &safi), 1);
	assert_int_equal(afi, 2);
	afi = 7;
	assert_int_equal(
	    nk_bgp_update_eor(v6_nlri, sizeof(v6_nlri), &afi, &safi), 0);
	assert_int_equal(
	    nk_bgp_update_eor(v6_more, sizeof(v6_more), &afi, &safi), 0);
	assert_int_equal(
	    nk_bgp_update_eor(withdraw4, sizeof(withdraw4), &afi, &safi), 0);
	assert_int_equal(
	    nk_bgp_update_eor(origin_only, sizeof(origin_only), &afi, &safi),
	    0);
	assert_int_equal(
	    nk_bgp_update_eor(truncated, sizeof(truncated), &afi, &safi), 0);
	assert_int_equal(
	    nk_bgp_update_eor(lying, sizeof(lying), &afi, &safi), 0);
	assert_int_equal(nk_bgp_update_eor(v4, 3, &afi, &safi), 0);
	assert_int_equal(nk_bgp_update_eor(NULL, 0, &afi, &safi), 0);
	assert_int_equal(afi, 7); /* untouched when not End-of-RIB */
}

/* Which AFI an UPDATE's MP_REACH/MP_UNREACH carries (the collector records
 * mixed ADD-PATH sessions by it). */
static void
test_update_mp_afi(void **state)
{
	(void)state;
	/* ORIGIN, then MP_REACH IPv6 (next hop ::, 2001:db8::/32) */
	const uint8_t reach6[] = {0, 0, 0, 33, 0x40, 1, 1, 0, 0x80, 14, 26, 0,
	    2, 1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32,
	    0x20, 0x01, 0x0d, 0xb8};
	/* MP_UNREACH IPv6 with an extended length, after IPv4 NLRI */
	const uint8_t unreach6[] = {
	    0, 0, 0, 7, 0x90, 15, 0, 3, 0, 2, 1, 24, 192, 0, 2};
	const uint8_t unreach4[] = {0, 0, 0, 6, 0x80, 15, 3, 0, 1, 1};
	const uint8_t plain4[] = {0, 0, 0, 4, 0x40, 1, 1, 0, 24, 192, 0, 2};
	/* MP_UNREACH of one byte: no AFI to read */
	const uint8_t short_mp[] = {0, 0, 0, 4, 0x80, 15, 1, 0};
	/* the attribute length runs past the attributes */
	const uint8_t lying[] = {0, 0, 0, 6, 0x80, 15, 9, 0, 2, 1};

	assert_int_equal(nk_bgp_update_mp_afi(reach6, sizeof(reach6), 2), 1);
	assert_int_equal(nk_bgp_update_mp_afi(reach6, sizeof(reach6), 1), 0);
	assert_int_equal(
	    nk_bgp_update_mp_afi(unreach6, sizeof(unreach6), 2), 1);
	assert_int_equal(
	    nk_bgp_update_mp_afi(unreach4, sizeof(unreach4), 2), 0);
	assert_int_equal(
	    nk_bgp_update_mp_afi(unreach4, sizeof(unreach4), 1), 1);
	assert_int_equal(nk_bgp_update_mp_afi(plain4, sizeof(plain4), 2), 0);
	assert_int_equal(
	    nk_bgp_update_mp_afi(short_mp, sizeof(short_mp), 2), 0);
	assert_int_equal(nk_bgp_update_mp_afi(lying, sizeof(lying), 2), 0);
	assert_int_equal(nk_bgp_update_mp_afi(reach6, 20, 2), 0);
	assert_int_equal(nk_bgp_update_mp_afi(NULL, 0, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_header),
	    cmocka_unit_test(test_update_split),
	    cmocka_unit_test(test_nlri_masks_trailing_bits),
	    cmocka_unit_test(test_nlri_malformed),
	    cmocka_unit_test(test_attrs_basic),
	    cmocka_unit_test(test_attrs_rfc7606_classes),
	    cmocka_unit_test(test_mp_reach_nexthops),
	    cmocka_unit_test(test_as4_merge),
	    cmocka_unit_test(test_aspath_fmt_confed),
	    cmocka_unit_test(test_update_eor),
	    cmocka_unit_test(test_update_mp_afi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
