/* Unit tests of lib/mrt: record framing and decoding into elements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "mrt.h"

#define MAX_SEEN 16

struct seen {
	size_t n;
	struct nk_mrt_elem e[MAX_SEEN];
	char path[MAX_SEEN][64];
};

static int
collect(void *arg, const struct nk_mrt_elem *e)
{
	struct seen *s = arg;
	if (s->n == MAX_SEEN)
		return 1;
	s->e[s->n] = *e;
	s->path[s->n][0] = '\0';
	if (e->attrs != NULL &&
	    (e->kind == NK_MRT_E_RIB || e->kind == NK_MRT_E_ANNOUNCE)) {
		struct nk_bgp_aspath p;
		if (nk_bgp_attrs_aspath(e->attrs, &p) == 0)
			nk_bgp_aspath_fmt(&p, s->path[s->n], 64);
		s->e[s->n].attrs = NULL; /* does not outlive the call */
	}
	s->n++;
	return 0;
}

/* Decode a record; its header's length is set from the array's size. */
static int
parse(struct nk_mrt_ctx *ctx, const uint8_t *rec, size_t len, struct seen *s,
    struct nk_err *err)
{
	struct nk_mrt_hdr h;
	assert_int_equal(nk_mrt_hdr_parse(rec, len, &h), 0);
	h.len = (uint32_t)(len - NK_MRT_HDR_LEN);
	return nk_mrt_record_parse(ctx, &h, rec + NK_MRT_HDR_LEN,
	    len - NK_MRT_HDR_LEN, collect, s, err);
}

/* PEER_INDEX_TABLE with 2 peers: 10.0.0.1 AS65001 (AS4), 2001:db8::2 AS2 */
static const uint8_t pit[] = {
    0x65,
    0x5e,
    0x9f,
    0x00,
    0,
    13,
    0,
    1,
    0,
    0,
    0,
    51,
    10,
    0,
    0,
    254,
    0,
    0, /* collector id, no view name */
    0,
    2,
    2,
    10,
    0,
    0,
    1,
    10,
    0,
    0,
    1,
    0,
    0,
    0xfd,
    0xe9,
    1,
    10,
    0,
    0,
    2,
    0x20,
    1,
    0x0d,
    0xb8,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    2,
};

/* RIB_IPV4_UNICAST 192.0.2.0/24, two entries */
static const uint8_t rib4[] = {
    0x65, 0x5e, 0x9f, 0x00, 0, 13, 0, 2, 0, 0, 0, 52, 0, 0, 0, 0, 24, 192, 0, 2,
    0, 2, 0, 0, 0x65, 0x5e, 0x9f, 0x00, 0, 10, 0x40, 1, 1, 0, 0x40, 2, 3, 2, 0,
    0, /* ORIGIN + empty-ish AS_PATH (segment of 0 ASNs: malformed) */
    0, 1, 0x65, 0x5e, 0x9f, 0x00, 0, 16, 0x40, 1, 1, 2, 0x40, 2, 6, 2, 1, 0, 0,
    0, 7, 0x40, 3, 0, /* NEXT_HOP of length 0 (malformed) */
};

static void
test_pit_and_rib(void **state)
{
	(void)state;
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	assert_int_equal(parse(&ctx, pit, sizeof(pit), &s, &err), 0);
	assert_int_equal(ctx.n_peers, 2);
	assert_int_equal(ctx.peers[1].addr.family, AF_INET6);
	assert_int_equal(ctx.peers[1].asn, 2);
	assert_int_equal(parse(&ctx, rib4, sizeof(rib4), &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.e[0].kind, NK_MRT_E_RIB);
	assert_int_equal(s.e[0].peer_as, 65001);
	assert_int_equal(s.e[0].prefix.len, 24);
	assert_int_equal(s.e[1].peer_as, 2);
	assert_string_equal(s.path[1], "7");
	assert_int_equal(ctx.n_attr_errors, 2);
	nk_mrt_ctx_fini(&ctx);
}

static void
test_rib_without_pit(void **state)
{
	(void)state;
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	assert_int_equal(parse(&ctx, rib4, sizeof(rib4), &s, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "without a PEER_INDEX_TABLE"));
	assert_int_equal(s.n, 0);
	nk_mrt_ctx_fini(&ctx);
}

/* BGP4MP_ET MESSAGE_AS4: withdraw 10.0.0.0/8, announce 192.0.2.0/24 */
static const uint8_t et_update[] = {
    0x65,
    0x5e,
    0x9f,
    0x01,
    0,
    17,
    0,
    4,
    0,
    0,
    0,
    76,
    0,
    0,
    0,
    42, /* usec */
    0,
    0,
    0xfd,
    0xe9,
    0,
    0,
    0xfd,
    0xe8,
    0,
    0,
    0,
    1,
    10,
    0,
    0,
    1,
    10,
    0,
    0,
    2,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0,
    45,
    2,
    0,
    2,
    8,
    10,
    0,
    16,
    0x40,
    1,
    1,
    0,
    0x40,
    2,
    6,
    2,
    1,
    0,
    0,
    0xfd,
    0xe9,
    0x40,
    3,
    0,
    24,
    192,
    0,
    2,
};

static void
test_bgp4mp_et(void **state)
{
	(void)state;
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};
	uint8_t rec[sizeof(et_update)];

	memcpy(rec, et_update, sizeof(rec));
	nk_mrt_ctx_init(&ctx);
	/* the NEXT_HOP above has length 0: treat-as-withdraw reported
	 * first as an ATTR_ERROR element, then W and A */
	assert_int_equal(parse(&ctx, rec, sizeof(rec), &s, &err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.e[0].kind, NK_MRT_E_ATTR_ERROR);
	assert_int_equal(s.e[1].kind, NK_MRT_E_WITHDRAW);
	assert_int_equal(s.e[1].prefix.len, 8);
	assert_int_equal(s.e[2].kind, NK_MRT_E_ANNOUNCE);
	assert_true(s.e[2].et);
	assert_int_equal(s.e[2].usec, 42);
	assert_int_equal(s.e[2].peer_as, 65001);
	assert_string_equal(s.path[2], "65001");
	assert_non_null(strstr(ctx.attr_err, "NEXT_HOP"));
	/* BGP length larger than the record: reported, nothing emitted */
	rec[12 + 4 + 20 + 16 + 1] = 46;
	s.n = 0;
	assert_int_equal(parse(&ctx, rec, sizeof(rec), &s, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "BGP message"));
	nk_mrt_ctx_fini(&ctx);
}

static void
test_state_change_and_zebra(void **state)
{
	(void)state;
	const uint8_t st[] = {0, 0, 0, 1, 0, 16, 0, 5, 0, 0, 0, 24, 0, 0, 0xfd,
	    0xe9, 0, 0, 0xfd, 0xe8, 0, 0, 0, 1, 10, 0, 0, 1, 10, 0, 0, 2, 0, 6,
	    0, 1};
	/* old Zebra: 8 bytes, no addresses */
	const uint8_t z[] = {
	    0, 0, 0, 1, 0, 16, 0, 0, 0, 0, 0, 8, 0x0c, 0x80, 0, 0, 0, 3, 0, 4};
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	assert_int_equal(parse(&ctx, st, sizeof(st), &s, &err), 0);
	assert_int_equal(s.e[0].kind, NK_MRT_E_STATE);
	assert_int_equal(s.e[0].old_state, 6);
	assert_int_equal(s.e[0].new_state, 1);
	assert_int_equal(parse(&ctx, z, sizeof(z), &s, &err), 0);
	assert_int_equal(s.e[1].old_state, 3);
	assert_int_equal(s.e[1].new_state, 4);
	assert_int_equal(s.e[1].peer_as, 0x0c80);
	assert_int_equal(ctx.n_quirks, 1);
	nk_mrt_ctx_fini(&ctx);
}

static void
test_deprecated_and_unknown(void **state)
{
	(void)state;
	const uint8_t t5[] = {0, 0, 0, 1, 0, 5, 0, 1, 0, 0, 0, 0};
	const uint8_t t99[] = {0, 0, 0, 1, 0, 99, 0, 1, 0, 0, 0, 0};
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	assert_int_equal(parse(&ctx, t5, sizeof(t5), &s, &err), 1);
	assert_non_null(strstr(nk_err_msg(&err), "deprecated"));
	assert_int_equal(parse(&ctx, t99, sizeof(t99), &s, &err), 1);
	assert_true(nk_mrt_type_deprecated(5));
	assert_false(nk_mrt_type_known(13, 7));
	assert_true(nk_mrt_type_known(17, 9));
	nk_mrt_ctx_fini(&ctx);
}

static void
test_table_dump_v1_batched(void **state)
{
	(void)state;
	/* one record, two entries, the second without view/sequence */
	const uint8_t rec[] = {0, 0, 0, 1, 0, 12, 0, 1, 0, 0, 0, 48, 0, 0, 0, 0,
	    10, 0, 0, 0, 8, 1, 0, 0, 0, 1, 10, 0, 0, 1, 0, 1, 0, 4, 0x40, 1, 1,
	    0, 11, 0, 0, 0, 8, 1, 0, 0, 0, 1, 10, 0, 0, 2, 0, 2, 0, 0};
	struct nk_mrt_ctx ctx;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	assert_int_equal(parse(&ctx, rec, sizeof(rec), &s, &err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.e[0].prefix.addr.bytes[0], 10);
	assert_int_equal(s.e[1].prefix.addr.bytes[0], 11);
	assert_int_equal(s.e[1].peer_as, 2);
	nk_mrt_ctx_fini(&ctx);
}

static void
test_update_elems_live(void **state)
{
	(void)state;
	/* an UPDATE body as a live session would hand it over */
	const uint8_t body[] = {0, 0, 0, 4, 0x40, 1, 1, 0, 24, 192, 0, 2};
	struct nk_mrt_ctx ctx;
	struct nk_mrt_elem proto;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	memset(&proto, 0, sizeof(proto));
	proto.ts = 77;
	proto.peer_as = 65010;
	assert_int_equal(nk_mrt_update_elems(&ctx, &proto, body, sizeof(body),
			     true, collect, &s, &err),
	    0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.e[0].kind, NK_MRT_E_ANNOUNCE);
	assert_int_equal(s.e[0].ts, 77);
	assert_int_equal(s.e[0].peer_as, 65010);
	assert_int_equal(s.e[0].prefix.len, 24);
	nk_mrt_ctx_fini(&ctx);
}

/*
 * ADD-PATH negotiated per family (RFC 7911 §4): IPv4 NLRI/withdrawn and
 * IPv6 MP_REACH of one UPDATE are decoded by their own AFI's flag.
 */
static void
test_update_addpath_per_family(void **state)
{
	(void)state;
	/* IPv4 with path ids (withdrawn 10/8 id 9; 192.0.2/24 ids 1, 2),
	 * MP_REACH IPv6 2001:db8::/32 without */
	const uint8_t v4ap[] = {0, 6, 0, 0, 0, 9, 8, 10, 0, 40, 0x40, 1, 1, 0,
	    0x40, 3, 4, 10, 0, 0, 1, 0x80, 14, 26, 0, 2, 1, 16, 0x20, 0x01,
	    0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 32, 0x20, 0x01,
	    0x0d, 0xb8, 0, 0, 0, 1, 24, 192, 0, 2, 0, 0, 0, 2, 24, 192, 0, 2};
	/* the mirror: IPv4 without, IPv6 2001:db8::/32 with path id 7 */
	const uint8_t v6ap[] = {0, 0, 0, 44, 0x40, 1, 1, 0, 0x40, 3, 4, 10, 0,
	    0, 1, 0x80, 14, 30, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 7, 32, 0x20, 0x01, 0x0d, 0xb8,
	    24, 192, 0, 2};
	struct nk_mrt_ctx ctx;
	struct nk_mrt_elem proto;
	struct seen s = {0};
	struct nk_err err = {{0}};

	nk_mrt_ctx_init(&ctx);
	memset(&proto, 0, sizeof(proto));
	proto.addpath = true;
	proto.addpath_v6 = false;
	assert_int_equal(nk_mrt_update_elems(&ctx, &proto, v4ap, sizeof(v4ap),
			     true, collect, &s, &err),
	    0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.e[0].kind, NK_MRT_E_WITHDRAW);
	assert_int_equal(s.e[0].prefix.len, 8);
	assert_int_equal(s.e[0].prefix.addr.bytes[0], 10);
	assert_int_equal(s.e[0].path_id, 9);
	for (size_t i = 1; i < 3; i++) {
		assert_int_equal(s.e[i].kind, NK_MRT_E_ANNOUNCE);
		assert_int_equal(s.e[i].prefix.addr.family, AF_INET);
		assert_int_equal(s.e[i].prefix.len, 24);
		assert_int_equal(s.e[i].prefix.addr.bytes[0], 192);
		assert_int_equal(s.e[i].path_id, i);
		assert_true(nk_mrt_elem_addpath(&s.e[i]));
	}
	assert_int_equal(s.e[3].kind, NK_MRT_E_ANNOUNCE);
	assert_int_equal(s.e[3].prefix.addr.family, AF_INET6);
	assert_int_equal(s.e[3].prefix.len, 32);
	assert_int_equal(s.e[3].prefix.addr.bytes[0], 0x20);
	assert_int_equal(s.e[3].prefix.addr.bytes[3], 0xb8);
	assert_int_equal(s.e[3].path_id, 0);
	assert_false(nk_mrt_elem_addpath(&s.e[3]));
	/* one flag for both families garbles the IPv6 NLRI: malformed */
	proto.addpath_v6 = true;
	s.n = 0;
	assert_int_equal(nk_mrt_update_elems(&ctx, &proto, v4ap, sizeof(v4ap),
			     true, collect, &s, &err),
	    -1);

	proto.addpath = false;
	proto.addpath_v6 = true;
	s.n = 0;
	assert_int_equal(nk_mrt_update_elems(&ctx, &proto, v6ap, sizeof(v6ap),
			     true, collect, &s, &err),
	    0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.e[0].prefix.addr.family, AF_INET);
	assert_int_equal(s.e[0].prefix.len, 24);
	assert_int_equal(s.e[0].prefix.addr.bytes[2], 2);
	assert_int_equal(s.e[0].path_id, 0);
	assert_int_equal(s.e[1].prefix.addr.family, AF_INET6);
	assert_int_equal(s.e[1].prefix.len, 32);
	assert_int_equal(s.e[1].prefix.addr.bytes[1], 0x01);
	assert_int_equal(s.e[1].path_id, 7);
	assert_true(nk_mrt_elem_addpath(&s.e[1]));
	nk_mrt_ctx_fini(&ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pit_and_rib),
	    cmocka_unit_test(test_rib_without_pit),
	    cmocka_unit_test(test_bgp4mp_et),
	    cmocka_unit_test(test_state_change_and_zebra),
	    cmocka_unit_test(test_deprecated_and_unknown),
	    cmocka_unit_test(test_table_dump_v1_batched),
	    cmocka_unit_test(test_update_elems_live),
	    cmocka_unit_test(test_update_addpath_per_family),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
