/* Unit tests of lib/frame: the stormwatch frame decoder, from byte arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"

/* RFC 1071 in network order, independent of the code under test. */
static uint16_t
ref_cksum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xff);
}

/* An IPv4 ICMP echo request (56-byte payload) at p; returns its length. */
static size_t
ipv4_echo(uint8_t *p, uint8_t ttl, uint16_t id, uint16_t seq, bool bad_icmp)
{
	const uint8_t src[4] = {203, 0, 113, 2}, dst[4] = {203, 0, 113, 10};
	size_t plen = 56, icmp_len = 8 + plen, tot = 20 + icmp_len;

	memset(p, 0, tot);
	p[0] = 0x45;
	put16(p + 2, (unsigned)tot);
	put16(p + 4, 0x1234);
	put16(p + 6, 0x4000);
	p[8] = ttl;
	p[9] = 1;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, ref_cksum(p, 20, 0));
	uint8_t *ic = p + 20;
	ic[0] = 8;
	put16(ic + 4, id);
	put16(ic + 6, seq);
	for (size_t i = 0; i < plen; i++)
		ic[8 + i] = (uint8_t)(0x10 + i);
	put16(ic + 2, ref_cksum(ic, icmp_len, 0));
	if (bad_icmp)
		ic[8 + 20] ^= 0x04; /* as storm_inject.py: flip after summing */
	return tot;
}

static size_t
ether(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], unsigned et)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, et);
	return 14;
}

static const uint8_t GROUP[6] = {0x01, 0x22, 0x72, 0x0a, 0x00, 0x0a};
static const uint8_t UNI[6] = {0x00, 0x22, 0x72, 0x0a, 0x00, 0x0a};
static const uint8_t SRC[6] = {0x02, 0x6e, 0x6b, 0x00, 0x00, 0x02};

/* Decode from an exactly sized heap copy so ASan sees any over-read. */
static int
decode_exact(int dlt, const uint8_t *buf, size_t caplen, size_t len,
    unsigned flags, struct nk_frame *f)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	assert_non_null(copy);
	memcpy(copy, buf, caplen);
	int rc = nk_frame_decode(dlt, copy, caplen, len, flags, f);
	free(copy);
	return rc;
}

static void
test_echo_good_and_group(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = ether(b, GROUP, SRC, 0x0800);
	n += ipv4_echo(b + n, 4, 0x4e4b, 1, false);
	struct nk_frame f;

	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_null(f.malformed);
	assert_false(f.truncated);
	assert_true(f.has_mac);
	assert_true(nk_frame_dst_is_group(&f));
	assert_int_equal(f.l3, NK_L3_IPV4);
	assert_int_equal(f.ttl, 4);
	assert_int_equal(f.ip_cksum, NK_CKSUM_GOOD);
	assert_true(f.icmp && f.echo && f.echo_request);
	assert_int_equal(f.echo_id, 0x4e4b);
	assert_int_equal(f.echo_seq, 1);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_GOOD);
	assert_int_equal(f.echo_payload_len, 56);
	assert_true(
	    f.echo_digest == nk_frame_digest(nk_rd_make(b + 14 + 28, 56)));
	assert_int_equal(f.src_ip.family, AF_INET);
	assert_int_equal(f.dst_ip.bytes[3], 10);
	assert_memory_equal(f.src_mac.b, SRC, 6);
}

static void
test_mangled_checksum_bad_digest_differs(void **state)
{
	(void)state;
	uint8_t a[200], b[200];
	size_t n = ether(a, UNI, SRC, 0x0800);
	n += ipv4_echo(a + n, 4, 7, 9, false);
	memcpy(b, a, n);
	b[14 + 28 + 20] ^= 0x04;
	struct nk_frame fa, fb;

	assert_int_equal(decode_exact(NK_DLT_EN10MB, a, n, n, 0, &fa), 0);
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &fb), 0);
	assert_int_equal(fb.icmp_cksum, NK_CKSUM_BAD);
	assert_int_equal(fb.ip_cksum, NK_CKSUM_GOOD);
	assert_false(nk_frame_dst_is_group(&fb));
	assert_true(fa.echo_digest != fb.echo_digest);
}

static void
test_qinq_vlans(void **state)
{
	(void)state;
	uint8_t b[220];
	size_t n = ether(b, GROUP, SRC, 0x88a8);
	put16(b + n, 0x2000 | 100);
	put16(b + n + 2, 0x8100);
	put16(b + n + 4, 0x0000 | 200);
	put16(b + n + 6, 0x0800);
	n += 8;
	n += ipv4_echo(b + n, 3, 1, 2, true);
	struct nk_frame f;

	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_int_equal(f.n_vlan, 2);
	assert_int_equal(f.vlan[0], 100);
	assert_int_equal(f.vlan[1], 200);
	assert_true(f.echo);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_BAD);
}

static void
test_truncated_never_past_caplen(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = ether(b, GROUP, SRC, 0x0800);
	n += ipv4_echo(b + n, 4, 1, 1, false);
	struct nk_frame f;

	/* every prefix decodes; the checksum is unknown when cut */
	for (size_t cap = 0; cap <= n; cap++) {
		assert_int_equal(
		    decode_exact(NK_DLT_EN10MB, b, cap, n, 0, &f), 0);
		assert_int_equal(f.truncated, cap < n);
		if (cap < n && f.icmp)
			assert_int_equal(f.icmp_cksum, NK_CKSUM_UNKNOWN);
	}
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, 60, n, 0, &f), 0);
	assert_true(f.echo);
	assert_int_equal(f.echo_payload_len, 60 - 42);
}

static void
test_ip_length_lies(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = ether(b, UNI, SRC, 0x0800);
	n += ipv4_echo(b + n, 4, 1, 1, false);
	put16(b + 14 + 2, 13911); /* as tcpdump's icmp-cksum-oobr-1 */
	struct nk_frame f;

	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_true(f.truncated);
	assert_int_equal(f.ip_cksum, NK_CKSUM_BAD);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_UNKNOWN);
	/* total length below the header length is malformed */
	put16(b + 14 + 2, 10);
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_non_null(f.malformed);
}

static void
test_sll_and_sll2(void **state)
{
	(void)state;
	uint8_t b[200];
	struct nk_frame f;

	memset(b, 0, sizeof(b));
	put16(b, 1);     /* broadcast */
	put16(b + 2, 1); /* ARPHRD_ETHER */
	put16(b + 4, 6);
	memcpy(b + 6, SRC, 6);
	put16(b + 14, 0x0800);
	size_t n = 16 + ipv4_echo(b + 16, 5, 3, 4, true);
	assert_int_equal(decode_exact(NK_DLT_LINUX_SLL, b, n, n, 0, &f), 0);
	assert_true(f.has_mac);
	assert_false(f.has_dst_mac);
	assert_true(nk_frame_dst_is_group(&f));
	assert_memory_equal(f.src_mac.b, SRC, 6);
	assert_true(f.echo);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_BAD);

	memset(b, 0, sizeof(b));
	put16(b, 0x0800);
	put16(b + 8, 1); /* hatype */
	b[10] = 0;       /* to us */
	b[11] = 6;
	memcpy(b + 12, SRC, 6);
	n = 20 + ipv4_echo(b + 20, 5, 3, 4, false);
	assert_int_equal(decode_exact(NK_DLT_LINUX_SLL2, b, n, n, 0, &f), 0);
	assert_true(f.has_mac);
	assert_false(nk_frame_dst_is_group(&f));
	assert_int_equal(f.icmp_cksum, NK_CKSUM_GOOD);
}

static void
test_raw_ipv4_no_macs(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = ipv4_echo(b, 9, 1, 1, false);
	struct nk_frame f;

	assert_true(nk_frame_link_is_raw(NK_DLT_RAW));
	assert_int_equal(decode_exact(NK_DLT_RAW, b, n, n, 0, &f), 0);
	assert_false(f.has_mac);
	assert_false(nk_frame_dst_is_group(&f));
	assert_true(f.echo);
	assert_int_equal(f.ttl, 9);
	assert_int_equal(decode_exact(NK_DLT_RAW_LT, b, n, n, 0, &f), 0);
	assert_true(f.echo);
}

static size_t
ipv6_echo(uint8_t *p, bool hopbyhop)
{
	size_t ext = hopbyhop ? 8 : 0, icmp_len = 8 + 32;
	uint8_t *ic;
	uint32_t sum = 0;

	memset(p, 0, 40 + ext + icmp_len);
	p[0] = 0x60;
	put16(p + 4, (unsigned)(ext + icmp_len));
	p[6] = hopbyhop ? 0 : 58;
	p[7] = 64;
	p[8] = 0x20;
	p[9] = 0x01;
	p[10] = 0x0d;
	p[11] = 0xb8;
	p[23] = 1;
	p[24] = 0x20;
	p[25] = 0x01;
	p[26] = 0x0d;
	p[27] = 0xb8;
	p[39] = 2;
	if (hopbyhop) {
		p[40] = 58;
		p[41] = 0;
		p[42] = 1; /* PadN */
		p[43] = 4;
	}
	ic = p + 40 + ext;
	ic[0] = 128;
	put16(ic + 4, 0x55);
	put16(ic + 6, 0x66);
	for (size_t i = 0; i < 32; i++)
		ic[8 + i] = (uint8_t)i;
	/* RFC 8200 §8.1 pseudo-header */
	for (size_t i = 8; i < 40; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	sum += (uint32_t)icmp_len + 58;
	put16(ic + 2, ref_cksum(ic, icmp_len, sum));
	return 40 + ext + icmp_len;
}

static void
test_ipv6_echo_and_ext_headers(void **state)
{
	(void)state;
	uint8_t b[200];
	struct nk_frame f;
	size_t n =
	    ether(b, (const uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}, SRC, 0x86dd);
	n += ipv6_echo(b + n, false);

	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_int_equal(f.l3, NK_L3_IPV6);
	assert_true(f.echo && f.echo_request);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_GOOD);
	assert_true(nk_frame_dst_is_group(&f));

	n = ipv6_echo(b, true);
	assert_int_equal(decode_exact(NK_DLT_IPV6, b, n, n, 0, &f), 0);
	assert_int_equal(f.proto, 58);
	assert_true(f.echo);
	assert_int_equal(f.echo_id, 0x55);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_GOOD);
	b[n - 1] ^= 1;
	assert_int_equal(decode_exact(NK_DLT_IPV6, b, n, n, 0, &f), 0);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_BAD);
	/* an extension header claiming more than is there */
	n = ipv6_echo(b, true);
	b[41] = 200;
	assert_int_equal(decode_exact(NK_DLT_IPV6, b, n, n, 0, &f), 0);
	assert_non_null(f.malformed);
	assert_false(f.echo);
}

static void
test_unsupported_link(void **state)
{
	(void)state;
	uint8_t b[4] = {0xff, 0x03, 0x00, 0x21};
	struct nk_frame f;

	assert_false(nk_frame_link_supported(9)); /* PPP */
	assert_int_equal(nk_frame_decode(9, b, 4, 4, 0, &f), -1);
	assert_true(nk_frame_link_supported(NK_DLT_LINUX_SLL2));
}

static void
test_ip_bad_header_and_fragment(void **state)
{
	(void)state;
	uint8_t b[200];
	size_t n = ether(b, UNI, SRC, 0x0800);
	n += ipv4_echo(b + n, 4, 1, 1, false);
	struct nk_frame f;

	b[14 + 10] ^= 0xff;
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_int_equal(f.ip_cksum, NK_CKSUM_BAD);
	b[14 + 10] ^= 0xff;
	put16(b + 14 + 6, 0x2000); /* MF: first fragment */
	put16(b + 14 + 10, 0);
	put16(b + 14 + 10, ref_cksum(b + 14, 20, 0));
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_true(f.fragment && f.first_fragment);
	assert_int_equal(f.ip_cksum, NK_CKSUM_GOOD);
	assert_int_equal(f.icmp_cksum, NK_CKSUM_UNKNOWN);
	put16(b + 14 + 6, 0x0010); /* a later fragment: no ICMP header */
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_false(f.icmp);
}

static void
test_arp(void **state)
{
	(void)state;
	uint8_t b[60];
	const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct nk_frame f;

	memset(b, 0, sizeof(b));
	size_t n = ether(b, bc, SRC, 0x0806);
	put16(b + n, 1);
	put16(b + n + 2, 0x0800);
	b[n + 4] = 6;
	b[n + 5] = 4;
	put16(b + n + 6, 1);
	memcpy(b + n + 8, SRC, 6);
	b[n + 14] = 24;
	b[n + 15] = 166;
	b[n + 16] = 172;
	b[n + 17] = 1;
	b[n + 24] = 24;
	b[n + 25] = 166;
	b[n + 26] = 173;
	b[n + 27] = 9;
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, 60, 60, 0, &f), 0);
	assert_int_equal(f.l3, NK_L3_ARP);
	assert_int_equal(f.arp_op, 1);
	assert_int_equal(f.src_ip.bytes[0], 24);
	assert_int_equal(f.dst_ip.bytes[3], 9);
	assert_true(nk_frame_dst_is_group(&f));
	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, 30, 60, 0, &f), 0);
	assert_true(f.truncated);
	assert_non_null(f.malformed);
}

static void
test_udp_checksum_verified_on_request(void **state)
{
	(void)state;
	uint8_t b[100];
	const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct nk_frame f;
	size_t n = ether(b, bc, SRC, 0x0800);
	uint8_t *ip = b + n, *u = ip + 20;
	size_t ulen = 8 + 12;

	memset(ip, 0, 20 + ulen);
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(20 + ulen));
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10;
	ip[15] = 1;
	ip[16] = 255;
	ip[17] = 255;
	ip[18] = 255;
	ip[19] = 255;
	put16(ip + 10, ref_cksum(ip, 20, 0));
	put16(u, 68);
	put16(u + 2, 67);
	put16(u + 4, (unsigned)ulen);
	memset(u + 8, 0xab, 12);
	uint32_t ps = 0;
	for (size_t i = 12; i < 20; i += 2)
		ps += (uint32_t)ip[i] << 8 | ip[i + 1];
	ps += 17 + (uint32_t)ulen;
	put16(u + 6, ref_cksum(u, ulen, ps));
	n += 20 + ulen;

	assert_int_equal(decode_exact(NK_DLT_EN10MB, b, n, n, 0, &f), 0);
	assert_int_equal(f.l4_cksum, NK_CKSUM_UNKNOWN);
	assert_int_equal(f.dport, 67);
	assert_int_equal(
	    decode_exact(NK_DLT_EN10MB, b, n, n, NK_FRAME_VERIFY_L4, &f), 0);
	assert_int_equal(f.l4_cksum, NK_CKSUM_GOOD);
	u[9] ^= 0x40;
	assert_int_equal(
	    decode_exact(NK_DLT_EN10MB, b, n, n, NK_FRAME_VERIFY_L4, &f), 0);
	assert_int_equal(f.l4_cksum, NK_CKSUM_BAD);
	put16(u + 6, 0); /* RFC 768: no checksum */
	assert_int_equal(
	    decode_exact(NK_DLT_EN10MB, b, n, n, NK_FRAME_VERIFY_L4, &f), 0);
	assert_int_equal(f.l4_cksum, NK_CKSUM_NONE);
}

static void
test_csum_helpers(void **state)
{
	(void)state;
	/* RFC 1071 §3 example bytes: sum 0xddf2 */
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t folded =
	    nk_frame_csum_fold(nk_frame_csum_add(0, nk_rd_make(b, sizeof(b))));
	/* the sum is kept in host order: either byte order of 0xddf2 */
	assert_true(folded == 0xddf2 || folded == 0xf2dd);
	/* odd length pads with zero */
	const uint8_t odd[] = {0xff};
	uint16_t o =
	    nk_frame_csum_fold(nk_frame_csum_add(0, nk_rd_make(odd, 1)));
	assert_true(o == 0xff00 || o == 0x00ff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_good_and_group),
	    cmocka_unit_test(test_mangled_checksum_bad_digest_differs),
	    cmocka_unit_test(test_qinq_vlans),
	    cmocka_unit_test(test_truncated_never_past_caplen),
	    cmocka_unit_test(test_ip_length_lies),
	    cmocka_unit_test(test_sll_and_sll2),
	    cmocka_unit_test(test_raw_ipv4_no_macs),
	    cmocka_unit_test(test_ipv6_echo_and_ext_headers),
	    cmocka_unit_test(test_unsupported_link),
	    cmocka_unit_test(test_ip_bad_header_and_fragment),
	    cmocka_unit_test(test_arp),
	    cmocka_unit_test(test_udp_checksum_verified_on_request),
	    cmocka_unit_test(test_csum_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
