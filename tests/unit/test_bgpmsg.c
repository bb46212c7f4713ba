/* Unit tests of lib/bgpmsg: OPEN round trip and errors, NOTIFICATION with
 * the RFC 8203/9003 shutdown communication. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "bgp.h"
#include "bgpmsg.h"

static void
test_open_roundtrip(void **state)
{
	(void)state;
	uint8_t b[128];
	struct nk_bgp_open_cfg c = {.asn = 4200000001u,
	    .hold_s = 90,
	    .bgp_id = 0x0a000002,
	    .addpath_recv = true,
	    .ext_msg = true,
	    .graceful_restart = true};
	size_t n = nk_bgpmsg_open_fmt(&c, b, sizeof(b));
	assert_true(n > 29);
	struct nk_bgp_msg m;
	const char *cause = NULL;
	assert_int_equal(nk_bgp_msg_parse(b, n, &m, &cause), 0);
	assert_int_equal(m.type, NK_BGP_OPEN);
	assert_int_equal(m.len, n);
	struct nk_bgp_open o;
	uint8_t code = 9, sub = 9;
	assert_int_equal(
	    nk_bgpmsg_open_parse(m.body, m.body_len, &o, &code, &sub, &cause),
	    0);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, NK_BGP_AS_TRANS);
	assert_int_equal(o.asn, 4200000001u);
	assert_true(o.as4);
	assert_int_equal(o.hold_s, 90);
	assert_int_equal(o.bgp_id, 0x0a000002);
	assert_true(o.mp[NK_BGP_FAM_IPV4]);
	assert_true(o.mp[NK_BGP_FAM_IPV6]);
	assert_true(o.route_refresh);
	assert_true(o.ext_msg);
	assert_true(o.graceful_restart);
	assert_int_equal(o.addpath[NK_BGP_FAM_IPV4], NK_BGP_ADDPATH_RECV);
	/* too small a buffer: 0, no overflow */
	assert_int_equal(nk_bgpmsg_open_fmt(&c, b, 20), 0);
}

static void
test_open_errors(void **state)
{
	(void)state;
	uint8_t b[128];
	struct nk_bgp_open_cfg c = {.asn = 65001, .hold_s = 90, .bgp_id = 1};
	size_t n = nk_bgpmsg_open_fmt(&c, b, sizeof(b));
	struct nk_bgp_open o;
	uint8_t code, sub;
	const char *cause;
	uint8_t *body = b + NK_BGP_HDR_LEN;
	size_t blen = n - NK_BGP_HDR_LEN;

	/* 2-octet AS without AS4 capability is the AS */
	assert_int_equal(
	    nk_bgpmsg_open_parse(body, blen, &o, &code, &sub, &cause), 0);
	assert_int_equal(o.asn, 65001);
	body[0] = 3; /* version */
	assert_int_equal(
	    nk_bgpmsg_open_parse(body, blen, &o, &code, &sub, &cause), -1);
	assert_int_equal(code, 2);
	assert_int_equal(sub, 1);
	body[0] = 4;
	body[3] = 0; /* hold time 2 */
	body[4] = 2;
	assert_int_equal(
	    nk_bgpmsg_open_parse(body, blen, &o, &code, &sub, &cause), -1);
	assert_int_equal(sub, 6);
	body[4] = 90;
	/* optional parameters length one more than present */
	body[9] = (uint8_t)(body[9] + 1);
	assert_int_equal(
	    nk_bgpmsg_open_parse(body, blen, &o, &code, &sub, &cause), -1);
	assert_int_equal(code, 2);
	/* truncated every way: never reads past the end */
	body[9] = (uint8_t)(body[9] - 1);
	for (size_t k = 0; k < blen; k++)
		(void)nk_bgpmsg_open_parse(body, k, &o, &code, &sub, &cause);
	assert_int_equal(
	    nk_bgpmsg_open_parse(body, 5, &o, &code, &sub, &cause), -1);
	assert_int_equal(code, 1);
	assert_int_equal(sub, 2);
}

/* RFC 4724 §3: the per-family tuples and their Forwarding State bit. */
static void
test_open_graceful_restart_families(void **state)
{
	(void)state;
	/* version 4, AS 65010, hold 90, id, then one optional parameter of
	 * capabilities: GR with R set, time 120, IPv4 unicast with F,
	 * IPv6 unicast without, IPv4 multicast (not tracked), a partial
	 * tuple (ignored) */
	static const uint8_t body[] = {4, 0xfd, 0xf2, 0, 90, 10, 0, 0, 1, 20,
	    2, 18, 64, 16, 0x80, 120, 0, 1, 1, 0x80, 0, 2, 1, 0, 0, 1, 2,
	    0x80, 0, 1};
	struct nk_bgp_open o;
	uint8_t code = 0, sub = 0;
	const char *cause = NULL;

	assert_int_equal(nk_bgpmsg_open_parse(body, sizeof(body), &o, &code,
			     &sub, &cause),
	    0);
	assert_true(o.graceful_restart);
	assert_true(o.gr_restarting);
	assert_int_equal(o.gr_time_s, 120);
	assert_true(o.gr_af[NK_BGP_FAM_IPV4]);
	assert_true(o.gr_fwd[NK_BGP_FAM_IPV4]);
	assert_true(o.gr_af[NK_BGP_FAM_IPV6]);
	assert_false(o.gr_fwd[NK_BGP_FAM_IPV6]);

	/* a helper: the capability with no family at all */
	static const uint8_t helper[] = {4, 0xfd, 0xf2, 0, 90, 10, 0, 0, 1, 6,
	    2, 4, 64, 2, 0, 0};
	assert_int_equal(nk_bgpmsg_open_parse(helper, sizeof(helper), &o,
			     &code, &sub, &cause),
	    0);
	assert_true(o.graceful_restart);
	assert_false(o.gr_restarting);
	assert_false(o.gr_af[NK_BGP_FAM_IPV4]);
	assert_false(o.gr_af[NK_BGP_FAM_IPV6]);
}

static void
test_notification_text(void **state)
{
	(void)state;
	uint8_t b[400];
	size_t n = nk_bgpmsg_cease_fmt(2, "maintenance", b, sizeof(b));
	assert_int_equal(n, NK_BGP_HDR_LEN + 2 + 1 + 11);
	struct nk_bgp_notify no;
	assert_int_equal(
	    nk_bgpmsg_notify_parse(b + NK_BGP_HDR_LEN, n - NK_BGP_HDR_LEN, &no),
	    0);
	assert_int_equal(no.code, 6);
	assert_int_equal(no.subcode, 2);
	assert_true(no.has_text);
	assert_string_equal(no.text, "maintenance");
	char r[200];
	assert_string_equal(nk_bgpmsg_notify_reason(&no, r, sizeof(r)),
	    "administrative shutdown 'maintenance'");
	/* a text length past the data (RFC 9003 §4): no text */
	b[NK_BGP_HDR_LEN + 2] = 50;
	assert_int_equal(
	    nk_bgpmsg_notify_parse(b + NK_BGP_HDR_LEN, n - NK_BGP_HDR_LEN, &no),
	    0);
	assert_false(no.has_text);
	assert_string_equal(nk_bgpmsg_notify_reason(&no, r, sizeof(r)),
	    "administrative shutdown");
	/* control bytes are not passed on */
	n = nk_bgpmsg_cease_fmt(4, "a\nb", b, sizeof(b));
	assert_int_equal(
	    nk_bgpmsg_notify_parse(b + NK_BGP_HDR_LEN, n - NK_BGP_HDR_LEN, &no),
	    0);
	assert_string_equal(no.text, "a?b");
	/* other codes */
	uint8_t h[] = {4, 0};
	assert_int_equal(nk_bgpmsg_notify_parse(h, 2, &no), 0);
	assert_string_equal(
	    nk_bgpmsg_notify_reason(&no, r, sizeof(r)), "hold timer expired");
	uint8_t o2[] = {2, 2};
	assert_int_equal(nk_bgpmsg_notify_parse(o2, 2, &no), 0);
	assert_string_equal(nk_bgpmsg_notify_reason(&no, r, sizeof(r)),
	    "OPEN message error: bad peer AS");
	assert_int_equal(nk_bgpmsg_notify_parse(o2, 1, &no), -1);
	/* a 300-byte text is cut to 255 (RFC 9003) */
	char big[301];
	memset(big, 'x', 300);
	big[300] = '\0';
	n = nk_bgpmsg_cease_fmt(2, big, b, sizeof(b));
	assert_int_equal(n, NK_BGP_HDR_LEN + 3 + 255);
}

static void
test_keepalive(void **state)
{
	(void)state;
	uint8_t b[19];
	assert_int_equal(nk_bgpmsg_keepalive_fmt(b, sizeof(b)), 19);
	assert_int_equal(b[18], NK_BGP_KEEPALIVE);
	assert_int_equal(b[17], 19);
	assert_int_equal(nk_bgpmsg_keepalive_fmt(b, 18), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_roundtrip),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_open_graceful_restart_families),
	    cmocka_unit_test(test_notification_text),
	    cmocka_unit_test(test_keepalive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
