/* lib/dns: query building, answer parsing, malformed input, RFC 1982. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <string.h>

#include "dns.h"

/* www.lab.test A answer: id 0x1234, qr aa rd, two A records, the second
 * name compressed to the question (pointer 0xc00c). */
static const uint8_t ans_a[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	3, 'w', 'w', 'w', 3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0,
	0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
	192, 0, 2, 10,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
	192, 0, 2, 11,
};

/* lab.test SOA: ns1.lab.test hostmaster.lab.test 2026112301 ... */
static const uint8_t ans_soa[] = {
	0xab, 0xcd, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	3, 'l', 'a', 'b', 4, 't', 'e', 's', 't', 0, 0x00, 0x06, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c,
	0x00, 0x2c, /* RDLENGTH 44 */
	3, 'n', 's', '1', 0xc0, 0x0c,                      /* 6 */
	10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xc0, 0x0c, /* 13 */
	0x78, 0xc4, 0x05, 0x2d, /* 2026112301 */
	0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x02, 0x58,
	0x00, 0x01, 0x51, 0x80, 0x00, 0x00, 0x01, 0x2c,
	0, 0, 0, 0, 0, /* 5 junk bytes inside RDLENGTH: 6+13+20 = 39 != 44 */
};

static void
test_parse_a(void **state)
{
	struct nk_dns_msg m;
	struct nk_err err = {{0}};

	(void)state;
	assert_int_equal(nk_dns_parse(ans_a, sizeof(ans_a), &m, &err), 0);
	assert_int_equal(m.id, 0x1234);
	assert_true(m.qr);
	assert_true(m.aa);
	assert_true(m.rd);
	assert_false(m.ra);
	assert_false(m.tc);
	assert_int_equal(m.rcode, 0);
	assert_string_equal(m.qname, "www.lab.test");
	assert_int_equal(m.qtype, 1);
	assert_int_equal(m.n_answers, 2);
	assert_string_equal(m.answers[0].name, "www.lab.test");
	assert_string_equal(m.answers[0].data, "192.0.2.10");
	assert_string_equal(m.answers[1].data, "192.0.2.11");
	assert_int_equal(m.answers[1].ttl, 300);
}

static void
test_parse_soa_and_rdlength_slack(void **state)
{
	struct nk_dns_msg m;
	struct nk_err err = {{0}};
	uint8_t fixed[sizeof(ans_soa)];

	(void)state;
	/* 5 stray bytes inside RDLENGTH: malformed (RFC 1035 3.3.13) */
	assert_int_equal(nk_dns_parse(ans_soa, sizeof(ans_soa), &m, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "SOA"));
	/* with RDLENGTH 39 and the message cut to match it parses */
	memcpy(fixed, ans_soa, sizeof(fixed));
	fixed[37] = 39;
	assert_int_equal(nk_dns_parse(fixed, sizeof(fixed) - 5, &m, &err), 0);
	assert_true(m.have_soa);
	assert_int_equal(m.soa_serial, 2026112301u);
	assert_string_equal(m.answers[0].data,
	    "ns1.lab.test hostmaster.lab.test 2026112301 3600 600 86400 300");
}

static void
test_truncated_everywhere_fails_cleanly(void **state)
{
	struct nk_dns_msg m;
	struct nk_err err = {{0}};

	(void)state;
	/* every prefix shorter than the message must fail, never crash */
	for (size_t n = 0; n < sizeof(ans_a); n++)
		assert_int_equal(nk_dns_parse(ans_a, n, &m, &err), -1);
	assert_int_equal(nk_dns_parse(ans_a, sizeof(ans_a), &m, &err), 0);
}

static void
test_pointer_loop_and_bad_rdlen(void **state)
{
	struct nk_dns_msg m;
	struct nk_err err = {{0}};
	uint8_t loop[sizeof(ans_a)], bad[sizeof(ans_a)];

	(void)state;
	/* answer name pointing at itself: offset 30 -> 0xc01e */
	memcpy(loop, ans_a, sizeof(loop));
	loop[30] = 0xc0;
	loop[31] = 30;
	assert_int_equal(nk_dns_parse(loop, sizeof(loop), &m, &err), -1);
	/* A record with RDLENGTH 5: malformed for its type */
	memcpy(bad, ans_a, sizeof(bad));
	bad[41] = 5;
	assert_int_equal(nk_dns_parse(bad, sizeof(bad), &m, &err), -1);
	/* counts that claim more records than bytes */
	memcpy(bad, ans_a, sizeof(bad));
	bad[7] = 9;
	assert_int_equal(nk_dns_parse(bad, sizeof(bad), &m, &err), -1);
}

static void
test_query_build_roundtrip(void **state)
{
	uint8_t q[512];
	size_t n = 0;
	struct nk_dns_msg m;
	struct nk_err err = {{0}};

	(void)state;
	assert_int_equal(nk_dns_query_build("www.lab.test", 28, false, 0xbeef,
			     q, sizeof(q), &n, &err),
	    0);
	assert_int_equal(n, 12 + 14 + 4);
	assert_int_equal(nk_dns_parse(q, n, &m, &err), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_false(m.qr);
	assert_false(m.rd);
	assert_int_equal(m.qdcount, 1);
	assert_string_equal(m.qname, "www.lab.test");
	assert_int_equal(m.qtype, 28);
	assert_int_equal(nk_dns_query_build("lab.test", 6, true, 1, q,
			     sizeof(q), &n, &err),
	    0);
	assert_int_equal(nk_dns_parse(q, n, &m, &err), 0);
	assert_true(m.rd);
	/* a label over 63 bytes cannot be encoded */
	char longname[80];
	memset(longname, 'a', 70);
	memcpy(longname + 70, ".test", 6);
	assert_int_equal(nk_dns_query_build(longname, 1, true, 1, q, sizeof(q),
			     &n, &err),
	    -1);
}

static void
test_serial_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(nk_dns_serial_cmp(1, 1), 0);
	assert_int_equal(nk_dns_serial_cmp(2, 1), 1);
	assert_int_equal(nk_dns_serial_cmp(1, 2), -1);
	/* wrap-around: 0 is after 0xffffffff (RFC 1982 3.2) */
	assert_int_equal(nk_dns_serial_cmp(0, 0xffffffffu), 1);
	assert_int_equal(nk_dns_serial_cmp(0xffffffffu, 0), -1);
	assert_int_equal(nk_dns_serial_cmp(5, 0xfffffff0u), 1);
	/* 2^31 - 1 ahead is still "greater"; exactly 2^31 is undefined */
	assert_int_equal(nk_dns_serial_cmp(0x7fffffffu, 0), 1);
	assert_int_equal(nk_dns_serial_cmp(0x80000000u, 0), 2);
	assert_int_equal(nk_dns_serial_cmp(0x80000001u, 0), -1);
	assert_int_equal(nk_dns_serial_cmp(2026112302u, 2026112301u), 1);
}

static void
test_type_names(void **state)
{
	char b[16];

	(void)state;
	assert_int_equal(nk_dns_type_parse("soa"), 6);
	assert_int_equal(nk_dns_type_parse("AAAA"), 28);
	assert_int_equal(nk_dns_type_parse("TYPE65"), 65);
	assert_int_equal(nk_dns_type_parse("TYPE70000"), -1);
	assert_int_equal(nk_dns_type_parse("bogus"), -1);
	assert_string_equal(nk_dns_type_name(15, b, sizeof(b)), "MX");
	assert_string_equal(nk_dns_type_name(99, b, sizeof(b)), "TYPE99");
	assert_string_equal(nk_dns_rcode_name(5), "REFUSED");
	assert_string_equal(nk_dns_rcode_name(3), "NXDOMAIN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_a),
		cmocka_unit_test(test_parse_soa_and_rdlength_slack),
		cmocka_unit_test(test_truncated_everywhere_fails_cleanly),
		cmocka_unit_test(test_pointer_loop_and_bad_rdlen),
		cmocka_unit_test(test_query_build_roundtrip),
		cmocka_unit_test(test_serial_arithmetic),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
