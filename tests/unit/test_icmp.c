#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "icmp.h"

static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16};

static struct nk_icmp_probe
probe(void)
{
	struct nk_icmp_probe p = {0x1234, 7, 0x10005, INT64_C(1763900000123456789)};
	return p;
}

/* An echo reply as a datagram socket returns it: our request with type 0. */
static size_t
make_reply4(uint8_t *buf, size_t len, size_t payload)
{
	struct nk_icmp_probe p = probe();
	size_t n = nk_icmp_echo_build(buf, len, AF_INET, key, &p, payload);
	buf[0] = NK_ICMP4_ECHO_REPLY;
	buf[2] = buf[3] = 0;
	uint16_t c = nk_icmp_cksum(buf, n);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
	return n;
}

/* An IPv4 header (no options) in front of an ICMP message. */
static size_t
wrap_ip4(uint8_t *out, const uint8_t *icmp, size_t n, const uint8_t src[4],
    const uint8_t dst[4], uint8_t ttl)
{
	size_t tot = 20 + n;
	uint8_t h[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 0, 0x40,
	    0, ttl, 1, 0, 0};
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	uint16_t c = nk_icmp_cksum(h, 20);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
	memcpy(out, h, 20);
	memcpy(out + 20, icmp, n);
	return tot;
}

static void
test_cksum_rfc1071(void **state)
{
	(void)state;
	/* RFC 1071 §3 example: the sum of these words is 0xddf2. */
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(nk_icmp_cksum(b, sizeof(b)), 0x220d);
	const uint8_t odd[] = {0xab};
	assert_int_equal(nk_icmp_cksum(odd, 1), (uint16_t)~0xab00);
	assert_int_equal(nk_icmp_cksum(NULL, 0), 0xffff);
}

static void
test_build_layout(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct nk_icmp_probe p = probe();

	assert_int_equal(nk_icmp_echo_build(buf, sizeof(buf), AF_INET, key, &p,
			     27), 0); /* too short for the tag */
	assert_int_equal(nk_icmp_echo_build(buf, 40, AF_INET, key, &p, 56), 0);
	size_t n = nk_icmp_echo_build(buf, sizeof(buf), AF_INET, key, &p, 56);
	assert_int_equal(n, 64);
	assert_int_equal(buf[0], 8);
	assert_int_equal(nk_icmp_cksum(buf, n), 0); /* checksum is valid */
	assert_int_equal(buf[4] << 8 | buf[5], 0x1234);
	assert_int_equal(buf[6] << 8 | buf[7], 0x0005); /* low 16 of seq32 */
	assert_memory_equal(buf + 8, "NKmp", 4);
	n = nk_icmp_echo_build(buf, sizeof(buf), AF_INET6, key, &p, 28);
	assert_int_equal(n, 36);
	assert_int_equal(buf[0], 128);
	assert_int_equal(buf[2] | buf[3], 0); /* the kernel fills it */
}

static void
test_parse_dgram_reply(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct nk_icmp_msg m;
	size_t n = make_reply4(buf, sizeof(buf), 56);

	assert_int_equal(nk_icmp_parse(buf, n, AF_INET, false, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ECHO_REPLY);
	assert_true(m.cksum_ok);
	assert_true(m.has_probe);
	assert_false(m.has_ip);
	assert_int_equal(m.probe.target, 7);
	assert_int_equal(m.probe.seq32, 0x10005);
	assert_true(m.probe.send_ns == INT64_C(1763900000123456789));
	assert_int_equal(m.payload_len, 56);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	assert_false(nk_icmp_probe_verify(&m, key, true, 0x1235));
	uint8_t other[16] = {0};
	assert_false(nk_icmp_probe_verify(&m, other, false, 0));
}

static void
test_mangled_and_foreign(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct nk_icmp_msg m;
	size_t n = make_reply4(buf, sizeof(buf), 56);

	/* one flipped bit in the send time: checksum and tag both fail */
	buf[8 + 15] ^= 0x01;
	assert_int_equal(nk_icmp_parse(buf, n, AF_INET, false, &m), 0);
	assert_false(m.cksum_ok);
	assert_false(nk_icmp_probe_verify(&m, key, false, 0));
	/* fix the checksum: the tag still refuses it */
	buf[2] = buf[3] = 0;
	uint16_t c = nk_icmp_cksum(buf, n);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
	assert_int_equal(nk_icmp_parse(buf, n, AF_INET, false, &m), 0);
	assert_true(m.cksum_ok);
	assert_true(m.has_probe);
	assert_false(nk_icmp_probe_verify(&m, key, false, 0));
	/* the seq field disagrees with seq32 */
	n = make_reply4(buf, sizeof(buf), 56);
	buf[7] ^= 1;
	assert_int_equal(nk_icmp_parse(buf, n, AF_INET, false, &m), 0);
	assert_false(nk_icmp_probe_verify(&m, key, false, 0));
	/* someone else's ping: no magic */
	n = make_reply4(buf, sizeof(buf), 56);
	buf[8] = 'X';
	assert_int_equal(nk_icmp_parse(buf, n, AF_INET, false, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ECHO_REPLY);
	assert_false(m.has_probe);
	/* a payload too short for our layout */
	uint8_t small[16] = {0, 0, 0, 0, 0, 1, 0, 1, 'N', 'K', 'm', 'p'};
	assert_int_equal(nk_icmp_parse(small, sizeof(small), AF_INET, false, &m), 0);
	assert_false(m.has_probe);
}

static void
test_parse_raw_v4(void **state)
{
	(void)state;
	uint8_t icmp[128], pkt[256];
	const uint8_t src[4] = {192, 0, 2, 7}, dst[4] = {192, 0, 2, 10};
	struct nk_icmp_msg m;
	size_t n = make_reply4(icmp, sizeof(icmp), 56);
	size_t tot = wrap_ip4(pkt, icmp, n, src, dst, 57);

	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), 0);
	assert_true(m.has_ip);
	assert_int_equal(m.ttl, 57);
	assert_memory_equal(m.src, src, 4);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	/* total length beyond the bytes: truncated datagram */
	assert_int_equal(nk_icmp_parse(pkt, tot - 1, AF_INET, true, &m), -1);
	/* IP options: IHL 6 */
	uint8_t opt[300];
	memcpy(opt, pkt, 20);
	opt[0] = 0x46;
	opt[2] = (uint8_t)((tot + 4) >> 8);
	opt[3] = (uint8_t)(tot + 4);
	memset(opt + 20, 1, 4); /* NOPs */
	memcpy(opt + 24, icmp, n);
	assert_int_equal(nk_icmp_parse(opt, tot + 4, AF_INET, true, &m), 0);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	/* bad version, IHL below 5, not ICMP */
	pkt[0] = 0x65;
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), -1);
	pkt[0] = 0x44;
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), -1);
	pkt[0] = 0x45;
	pkt[9] = 6;
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), -1);
	/* shorter than an ICMP header */
	assert_int_equal(nk_icmp_parse(icmp, 7, AF_INET, false, &m), -1);
	assert_int_equal(nk_icmp_parse(NULL, 0, AF_INET, false, &m), -1);
}

static void
test_time_exceeded_v4(void **state)
{
	(void)state;
	uint8_t req[128], orig[256], err[300], pkt[400];
	const uint8_t me[4] = {192, 0, 2, 10}, tgt[4] = {203, 0, 113, 11},
		      rtr[4] = {192, 0, 2, 1};
	struct nk_icmp_probe p = probe();
	struct nk_icmp_msg m;
	size_t n = nk_icmp_echo_build(req, sizeof(req), AF_INET, key, &p, 56);
	size_t on = wrap_ip4(orig, req, n, me, tgt, 1);

	/* time exceeded quoting the whole original (RFC 1812) */
	memset(err, 0, 8);
	err[0] = NK_ICMP4_TIME_EXCEEDED;
	memcpy(err + 8, orig, on);
	uint16_t c = nk_icmp_cksum(err, 8 + on);
	err[2] = (uint8_t)(c >> 8);
	err[3] = (uint8_t)c;
	size_t tot = wrap_ip4(pkt, err, 8 + on, rtr, me, 64);
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ERROR);
	assert_int_equal(m.type, 11);
	assert_true(m.has_orig);
	assert_memory_equal(m.orig_dst, tgt, 4);
	assert_true(m.has_probe);
	assert_int_equal(m.probe.target, 7);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	assert_string_equal(nk_icmp_type_name(AF_INET, m.type), "time_exceeded");

	/* RFC 792's minimum quote: IP header + 8 bytes; no tag, id/seq only */
	memset(err, 0, 8);
	err[0] = NK_ICMP4_UNREACH;
	err[1] = 1;
	memcpy(err + 8, orig, 28);
	err[8 + 2] = 0;
	err[8 + 3] = 84; /* the original's total length stays 84 */
	c = nk_icmp_cksum(err, 36);
	err[2] = (uint8_t)(c >> 8);
	err[3] = (uint8_t)c;
	tot = wrap_ip4(pkt, err, 36, rtr, me, 64);
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ERROR);
	assert_true(m.has_orig);
	assert_false(m.has_probe);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.seq, 5);
	/* an error cut inside the quoted IP header */
	tot = wrap_ip4(pkt, err, 20, rtr, me, 64);
	assert_int_equal(nk_icmp_parse(pkt, tot, AF_INET, true, &m), 0);
	assert_false(m.has_orig);
	assert_false(m.has_probe);
}

static void
test_v6_reply_and_error(void **state)
{
	(void)state;
	uint8_t buf[128], err[300];
	struct nk_icmp_probe p = probe();
	struct nk_icmp_msg m;
	size_t n = nk_icmp_echo_build(buf, sizeof(buf), AF_INET6, key, &p, 56);

	buf[0] = NK_ICMP6_ECHO_REPLY;
	assert_int_equal(nk_icmp_parse(buf, n, AF_INET6, false, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ECHO_REPLY);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	/* unreachable: 4 unused bytes, IPv6 header, our echo */
	buf[0] = NK_ICMP6_ECHO;
	memset(err, 0, sizeof(err));
	err[0] = NK_ICMP6_UNREACH;
	err[1] = 3;
	err[8] = 0x60;
	err[8 + 4] = 0;
	err[8 + 5] = (uint8_t)n;
	err[8 + 6] = 58;
	err[8 + 7] = 64;
	err[8 + 24 + 15] = 0x11; /* destination ...::11 */
	memcpy(err + 48, buf, n);
	assert_int_equal(nk_icmp_parse(err, 48 + n, AF_INET6, false, &m), 0);
	assert_int_equal(m.kind, NK_ICMP_ERROR);
	assert_true(m.has_orig);
	assert_int_equal(m.orig_dst[15], 0x11);
	assert_true(nk_icmp_probe_verify(&m, key, true, 0x1234));
	assert_string_equal(nk_icmp_type_name(AF_INET6, m.type), "unreachable");
	/* next header not ICMPv6: not ours */
	err[8 + 6] = 17;
	assert_int_equal(nk_icmp_parse(err, 48 + n, AF_INET6, false, &m), 0);
	assert_false(m.has_probe);
	/* version 4 in an IPv6 quote */
	err[8] = 0x40;
	assert_int_equal(nk_icmp_parse(err, 48 + n, AF_INET6, false, &m), 0);
	assert_false(m.has_orig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cksum_rfc1071),
	    cmocka_unit_test(test_build_layout),
	    cmocka_unit_test(test_parse_dgram_reply),
	    cmocka_unit_test(test_mangled_and_foreign),
	    cmocka_unit_test(test_parse_raw_v4),
	    cmocka_unit_test(test_time_exceeded_v4),
	    cmocka_unit_test(test_v6_reply_and_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
