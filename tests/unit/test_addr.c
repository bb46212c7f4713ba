#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"

static struct nk_addr
A(const char *s) {
	struct nk_addr a;
	struct nk_err err = {{0}};
	if (nk_addr_parse(s, &a, &err) != 0)
		fail_msg("%s", nk_err_msg(&err));
	return a;
}

static struct nk_prefix
P(const char *s) {
	struct nk_prefix p;
	struct nk_err err = {{0}};
	if (nk_prefix_parse(s, false, &p, &err) != 0)
		fail_msg("%s", nk_err_msg(&err));
	return p;
}

static void
assert_addr_str(const struct nk_addr *a, const char *want)
{
	char buf[NK_ADDR_STRLEN];
	assert_string_equal(nk_addr_fmt(a, buf, sizeof(buf)), want);
}

static void
test_addr_parse_fmt(void **state)
{
	(void)state;
	struct nk_addr a = A("192.0.2.1");
	const uint8_t v4[] = {192, 0, 2, 1};

	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, v4, 4);
	assert_addr_str(&a, "192.0.2.1");

	a = A("2001:DB8::1");
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.bytes[0], 0x20);
	assert_int_equal(a.bytes[1], 0x01);
	assert_int_equal(a.bytes[15], 0x01);
	assert_addr_str(&a, "2001:db8::1");
	a = A("::ffff:192.0.2.1");
	assert_addr_str(&a, "::ffff:192.0.2.1");
	a = A("::");
	assert_addr_str(&a, "::");

	const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
	    "1.2.3.4 ", " 1.2.3.4", "host.example", "1:2:3:4:5:6:7:8:9",
	    "fe80::1%eth0", "::g", "1.2.3.4/24", "0x7f.1.1.1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nk_addr b = {.family = 99};
		struct nk_err err = {{0}};
		if (nk_addr_parse(bad[i], &b, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(b.family, 99); /* untouched */
		assert_true(strlen(nk_err_msg(&err)) > 0);
	}
	struct nk_err err = {{0}};
	assert_int_equal(nk_addr_parse("256.1.1.1", &a, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "'256.1.1.1': not an IPv4 address");

	/* Small buffer: empty string, no overflow. */
	char tiny[4] = "xyz";
	a = A("192.0.2.1");
	assert_string_equal(nk_addr_fmt(&a, tiny, sizeof(tiny)), "");
	struct nk_addr unset = {0};
	char buf[NK_ADDR_STRLEN];
	assert_string_equal(nk_addr_fmt(&unset, buf, sizeof(buf)), "unset");
}

static void
test_addr_cmp_eq(void **state)
{
	(void)state;
	struct nk_addr a = A("10.0.0.1"), b = A("10.0.0.2"), c = A("::1");

	assert_true(nk_addr_cmp(&a, &b) < 0);
	assert_true(nk_addr_cmp(&b, &a) > 0);
	assert_int_equal(nk_addr_cmp(&a, &a), 0);
	assert_true(nk_addr_cmp(&a, &c) < 0); /* IPv4 sorts first */
	assert_true(nk_addr_eq(&a, &a));
	assert_false(nk_addr_eq(&a, &b));
	/* Bytes past an IPv4 address do not matter. */
	struct nk_addr d = a;
	d.bytes[10] = 7;
	assert_true(nk_addr_eq(&a, &d));
	/* 10.0.0.1 vs ::ffff:10.0.0.1: different families. */
	struct nk_addr m = A("::ffff:10.0.0.1");
	assert_false(nk_addr_eq(&a, &m));
}

static void
test_sockaddr(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	struct nk_addr a = A("192.0.2.9"), back;

	size_t n = nk_addr_to_sockaddr(&a, 8080, &ss, sizeof(ss));
	assert_int_equal(n, sizeof(struct sockaddr_in));
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 8080);
	assert_int_equal(nk_addr_from_sockaddr(&ss, n, &back), 0);
	assert_true(nk_addr_eq(&a, &back));

	a = A("2001:db8::42");
	n = nk_addr_to_sockaddr(&a, 53, &ss, sizeof(ss));
	assert_int_equal(n, sizeof(struct sockaddr_in6));
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	assert_int_equal(nk_addr_from_sockaddr(&ss, n, &back), 0);
	assert_true(nk_addr_eq(&a, &back));

	/* Too small a buffer or salen, unknown family: refused. */
	assert_int_equal(
	    nk_addr_to_sockaddr(&a, 53, &ss, sizeof(struct sockaddr_in)), 0);
	assert_int_equal(nk_addr_from_sockaddr(&ss, n - 1, &back), -1);
	struct nk_addr unset = {0};
	assert_int_equal(nk_addr_to_sockaddr(&unset, 1, &ss, sizeof(ss)), 0);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(nk_addr_from_sockaddr(&ss, sizeof(ss), &back), -1);
	assert_int_equal(nk_addr_from_sockaddr(NULL, 0, &back), -1);

	nk_addr_from_v4_be(htonl(0xc0000201), &back);
	assert_addr_str(&back, "192.0.2.1");
}

static void
test_multicast_bcast(void **state)
{
	(void)state;
	struct nk_addr a;

	a = A("224.0.0.1");
	assert_true(nk_addr_is_multicast(&a));
	a = A("239.255.255.255");
	assert_true(nk_addr_is_multicast(&a));
	a = A("223.255.255.255");
	assert_false(nk_addr_is_multicast(&a));
	a = A("240.0.0.1");
	assert_false(nk_addr_is_multicast(&a));
	a = A("ff02::1");
	assert_true(nk_addr_is_multicast(&a));
	a = A("fe80::1");
	assert_false(nk_addr_is_multicast(&a));
	a = A("255.255.255.255");
	assert_true(nk_addr_is_limited_bcast(&a));
	a = A("10.255.255.255");
	assert_false(nk_addr_is_limited_bcast(&a));
	a = A("ffff:ffff:ffff:ffff::");
	assert_false(nk_addr_is_limited_bcast(&a));
}

static void
assert_prefix_str(const struct nk_prefix *p, const char *want)
{
	char buf[NK_ADDR_STRLEN];
	assert_string_equal(nk_prefix_fmt(p, buf, sizeof(buf)), want);
}

static void
test_prefix_parse(void **state)
{
	(void)state;
	struct nk_prefix p;
	struct nk_err err = {{0}};

	p = P("10.0.0.0/8");
	assert_int_equal(p.len, 8);
	assert_prefix_str(&p, "10.0.0.0/8");
	/* Host bits are masked off... */
	p = P("10.1.2.3/8");
	assert_prefix_str(&p, "10.0.0.0/8");
	p = P("192.168.1.255/25");
	assert_prefix_str(&p, "192.168.1.128/25");
	p = P("2001:db8:ffff::1/33");
	assert_prefix_str(&p, "2001:db8:8000::/33");
	p = P("0.0.0.0/0");
	assert_prefix_str(&p, "0.0.0.0/0");
	p = P("1.2.3.4/0");
	assert_prefix_str(&p, "0.0.0.0/0");
	p = P("::/0");
	assert_prefix_str(&p, "::/0");
	/* ...a bare address is a host prefix. */
	p = P("192.0.2.7");
	assert_int_equal(p.len, 32);
	p = P("2001:db8::7");
	assert_int_equal(p.len, 128);
	assert_prefix_str(&p, "2001:db8::7/128");

	/* ...and strict refuses them. */
	assert_int_equal(nk_prefix_parse("10.0.0.1/8", true, &p, &err), -1);
	assert_string_equal(nk_err_msg(&err), "'10.0.0.1/8': host bits set");
	assert_int_equal(nk_prefix_parse("10.0.0.0/8", true, &p, &err), 0);
	assert_int_equal(nk_prefix_parse("2001:db8::1/64", true, &p, &err), -1);
	assert_int_equal(nk_prefix_parse("192.0.2.1/32", true, &p, &err), 0);

	const char *bad[] = {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "/8",
	    "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/8/8", "10.0.0/8",
	    "10.0.0.0/ 8",
	    ("1111:2222:3333:4444:5555:6666:7777:8888/"
	     "128aaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaa")};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nk_prefix q = {.len = 999};
		if (nk_prefix_parse(bad[i], false, &q, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(q.len, 999);
	}
	assert_int_equal(nk_prefix_parse("10.0.0.0/33", false, &p, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "'10.0.0.0/33': bad prefix"));
}

static void
test_prefix_from_bytes(void **state)
{
	(void)state;
	struct nk_prefix p;
	/* NLRI for 10.1.128.0/17 carries 3 bytes; junk past bit 17. */
	const uint8_t nlri[] = {10, 1, 0xff};

	assert_int_equal(nk_prefix_from_bytes(AF_INET, nlri, 17, &p), 0);
	assert_prefix_str(&p, "10.1.128.0/17");
	assert_int_equal(p.addr.bytes[3], 0);
	assert_int_equal(nk_prefix_from_bytes(AF_INET, NULL, 0, &p), 0);
	assert_prefix_str(&p, "0.0.0.0/0");
	const uint8_t v6[] = {0x20, 0x01, 0x0d, 0xb8, 0xff};
	assert_int_equal(nk_prefix_from_bytes(AF_INET6, v6, 36, &p), 0);
	assert_prefix_str(&p, "2001:db8:f000::/36");

	p.len = 999;
	assert_int_equal(nk_prefix_from_bytes(AF_INET, nlri, 33, &p), -1);
	assert_int_equal(nk_prefix_from_bytes(AF_INET6, v6, 129, &p), -1);
	assert_int_equal(nk_prefix_from_bytes(AF_UNIX, v6, 8, &p), -1);
	assert_int_equal(nk_prefix_from_bytes(AF_INET, NULL, 8, &p), -1);
	assert_int_equal(p.len, 999);
}

static void
test_prefix_contains_covers(void **state)
{
	(void)state;
	struct nk_prefix p8 = P("10.0.0.0/8"), p17 = P("10.1.128.0/17");
	struct nk_prefix p0 = P("0.0.0.0/0"), h = P("10.1.200.3");
	struct nk_prefix v6 = P("2001:db8::/32");
	struct nk_addr a;

	a = A("10.255.255.255");
	assert_true(nk_prefix_contains(&p8, &a));
	a = A("11.0.0.0");
	assert_false(nk_prefix_contains(&p8, &a));
	a = A("10.1.127.255");
	assert_false(nk_prefix_contains(&p17, &a));
	a = A("10.1.128.0");
	assert_true(nk_prefix_contains(&p17, &a));
	assert_true(nk_prefix_contains(&p0, &a));
	a = A("2001:db8:ffff::1");
	assert_true(nk_prefix_contains(&v6, &a));
	assert_false(nk_prefix_contains(&p0, &a)); /* other family */
	a = A("2001:db9::");
	assert_false(nk_prefix_contains(&v6, &a));

	assert_true(nk_prefix_covers(&p8, &p17));
	assert_false(nk_prefix_covers(&p17, &p8));
	assert_true(nk_prefix_covers(&p17, &p17));
	assert_true(nk_prefix_covers(&p0, &p8));
	assert_true(nk_prefix_covers(&p17, &h));
	assert_false(nk_prefix_covers(&p8, &v6));
	struct nk_prefix p9 = P("11.0.0.0/9");
	assert_false(nk_prefix_covers(&p8, &p9));
}

static void
assert_range(const char *s, const char *first, const char *last, uint64_t n)
{
	struct nk_addr_range r;
	struct nk_err err = {{0}};

	if (nk_addr_range_parse(s, 1u << 20, &r, &err) != 0)
		fail_msg("'%s': %s", s, nk_err_msg(&err));
	assert_addr_str(&r.first, first);
	assert_addr_str(&r.last, last);
	if (r.n_hosts != n)
		fail_msg("'%s': %llu hosts, want %llu", s,
		    (unsigned long long)r.n_hosts, (unsigned long long)n);
	struct nk_addr at;
	nk_addr_range_at(&r, 0, &at);
	assert_true(nk_addr_eq(&at, &r.first));
	nk_addr_range_at(&r, n - 1, &at);
	assert_true(nk_addr_eq(&at, &r.last));
}

static void
test_range_parse(void **state)
{
	(void)state;
	assert_range("10.1.2.0/24", "10.1.2.1", "10.1.2.254", 254);
	assert_range("10.1.2.77/24", "10.1.2.1", "10.1.2.254", 254);
	assert_range("10.1.2.0/30", "10.1.2.1", "10.1.2.2", 2);
	assert_range("10.1.2.0/31", "10.1.2.0", "10.1.2.1", 2); /* RFC 3021 */
	assert_range("10.1.2.9/32", "10.1.2.9", "10.1.2.9", 1);
	assert_range("10.0.0.0/12", "10.0.0.1", "10.15.255.254", 1048574);
	assert_range("10.1.2.5-10.1.2.20", "10.1.2.5", "10.1.2.20", 16);
	assert_range("10.1.2.5-20", "10.1.2.5", "10.1.2.20", 16);
	assert_range("10.1.2.5-5", "10.1.2.5", "10.1.2.5", 1);
	assert_range("10.1.2.250-10.1.3.4", "10.1.2.250", "10.1.3.4", 11);
	assert_range("192.0.2.1", "192.0.2.1", "192.0.2.1", 1);
	/* IPv6: the whole prefix, no broadcast to skip. */
	assert_range("2001:db8::/120", "2001:db8::", "2001:db8::ff", 256);
	assert_range("2001:db8::/127", "2001:db8::", "2001:db8::1", 2);
	assert_range("2001:db8::5/128", "2001:db8::5", "2001:db8::5", 1);
	assert_range(
	    "2001:db8::1-2001:db8::10", "2001:db8::1", "2001:db8::10", 16);
	assert_range("2001:db8::1-ff", "2001:db8::1", "2001:db8::ff", 255);
	/* Across a 64-bit boundary of the 128-bit number. */
	assert_range("2001:db8:0:1:ffff:ffff:ffff:fffe-2001:db8:0:2::1",
	    "2001:db8:0:1:ffff:ffff:ffff:fffe", "2001:db8:0:2::1", 4);
	assert_range("::1", "::1", "::1", 1);
}

static void
test_range_at(void **state)
{
	(void)state;
	struct nk_addr_range r;
	struct nk_addr a;

	assert_int_equal(
	    nk_addr_range_parse("10.1.2.250-10.1.3.4", 100, &r, NULL), 0);
	nk_addr_range_at(&r, 6, &a);
	assert_addr_str(&a, "10.1.3.0");
	assert_int_equal(nk_addr_range_parse(
			     "2001:db8:0:1:ffff:ffff:ffff:fffe-2001:db8:0:2::1",
			     100, &r, NULL),
	    0);
	nk_addr_range_at(&r, 2, &a);
	assert_addr_str(&a, "2001:db8:0:2::");
	assert_int_equal(a.family, AF_INET6);
}

static void
test_range_bad(void **state)
{
	(void)state;
	struct nk_addr_range r = {.n_hosts = 4242};
	struct nk_err err = {{0}};

	assert_int_equal(nk_addr_range_parse("10.1.2.0/24", 253, &r, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "'10.1.2.0/24': 254 hosts > max 253");
	assert_int_equal(nk_addr_range_parse("10.1.2.0/24", 254, &r, &err), 0);
	r.n_hosts = 4242;
	assert_int_equal(nk_addr_range_parse("::/0", UINT64_MAX, &r, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "more than 2^64 hosts"));
	assert_int_equal(
	    nk_addr_range_parse("2001:db8::/64", UINT64_MAX, &r, &err), -1);
	assert_int_equal(
	    nk_addr_range_parse("10.1.2.20-5", 1000, &r, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "ends before it starts"));
	assert_int_equal(
	    nk_addr_range_parse("10.1.2.5-256", 1000, &r, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "bad range end '256'"));

	const char *bad[] = {"", "10.1.2.5-", "-10.1.2.5", "10.1.2.5-x",
	    "10.1.2.5-::1", "::1-10.1.2.5", "10.1.2.0/33", "2001:db8::1-fffff",
	    "2001:db8::1-g", "10.1.2.5-10.1.2.6-7", "10.1.2.5--6", "nohost"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nk_addr_range_parse(bad[i], 1000, &r, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
	assert_true(r.n_hosts == 4242);
}

static void
test_mac(void **state)
{
	(void)state;
	const uint8_t want[6] = {0x00, 0x1b, 0x2f, 0x0a, 0x00, 0x01};
	const char *forms[] = {"00:1b:2f:0a:00:01", "00-1B-2F-0A-00-01",
	    "001b.2f0a.0001", "001B2F0A0001", "0:1b:2f:a:0:1"};
	char buf[NK_ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct nk_mac m;
		struct nk_err err = {{0}};
		if (nk_mac_parse(forms[i], &m, &err) != 0)
			fail_msg("'%s': %s", forms[i], nk_err_msg(&err));
		assert_memory_equal(m.b, want, 6);
		assert_string_equal(
		    nk_mac_fmt(&m, buf, sizeof(buf)), "00:1b:2f:0a:00:01");
	}
	const char *bad[] = {"", "00:1b:2f:0a:00", "00:1b:2f:0a:00:01:02",
	    "00:1b-2f:0a:00:01", "00:1b:2f:0a:00:0g", "001:b2:f0:a0:00:1",
	    "001b.2f0a.00011", "001b2f0a000", "00:1b:2f:0a:00:01 ",
	    "001b:2f0a:0001", "::::::"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nk_mac m = {{9, 9, 9, 9, 9, 9}};
		struct nk_err err = {{0}};
		if (nk_mac_parse(bad[i], &m, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(m.b[0], 9);
		assert_non_null(strstr(nk_err_msg(&err),
		    bad[i][0] == '\0' ? "empty" : "not a MAC"));
	}

	struct nk_mac m;
	assert_int_equal(nk_mac_parse("ff:ff:ff:ff:ff:ff", &m, NULL), 0);
	assert_true(nk_mac_is_broadcast(&m));
	assert_true(nk_mac_is_group(&m));
	assert_int_equal(nk_mac_parse("01:00:5e:00:00:01", &m, NULL), 0);
	assert_true(nk_mac_is_group(&m));
	assert_false(nk_mac_is_broadcast(&m));
	assert_false(nk_mac_is_local(&m));
	assert_int_equal(nk_mac_parse("02:42:ac:11:00:02", &m, NULL), 0);
	assert_true(nk_mac_is_local(&m));
	assert_false(nk_mac_is_group(&m));
	char tiny[17];
	assert_string_equal(nk_mac_fmt(&m, tiny, sizeof(tiny)), "");
}

static struct nk_mac
M(const char *s) {
	struct nk_mac m;
	if (nk_mac_parse(s, &m, NULL) != 0)
		fail_msg("bad MAC %s", s);
	return m;
}

static void
test_oui_csv(void **state)
{
	(void)state;
	/* Quoted commas and "" escapes, CRLF, a line break inside quotes,
	 * and bad lines that must be counted and skipped. */
	const char csv[] =
	    "Registry,Assignment,Organization Name,Organization Address\r\n"
	    "MA-L,00095B,NETGEAR,350 East Plumeria Drive San Jose CA US\r\n"
	    "MA-L,001EFC,\"JSC \"\"MASSA-K\"\"\",\"15, A, Pirogovskaya\r\n"
	    "Saint-Petersburg RU\"\r\n"
	    "MA-L,AABBCC,\"Comma, Inc.\",\"1, Road\"\r\n"
	    "MA-M,70B3D51,Medium Co,addr\r\n"
	    "MA-S,70B3D5123,Small Co,addr\r\n"
	    "MA-L,70B3D5,IEEE Registration Authority,addr\r\n"
	    "MA-L,0CAABB,Foo \"Bar\" Baz,addr\r\n" /* quote mid-field: literal
						    */
	    "\r\n"
	    "MA-L,12345,Too Short,addr\r\n"         /* bad: 5 digits */
	    "MA-L,00000G,Bad Hex,addr\r\n"          /* bad: hex */
	    "MA-M,001122,Wrong Size,addr\r\n"       /* bad: MA-M is 7 */
	    "XX-L,001122,Unknown Registry,addr\r\n" /* bad: registry */
	    "MA-L,001123\r\n"                       /* bad: no name */
	    "MA-L,001124,   ,addr\r\n"              /* bad: empty name */
	    "MA-L,001125,\"Junk\"x,addr\r\n"        /* bad: junk after quote */
	    "MA-L,00095B,Duplicate Later,addr\r\n"  /* first one wins */
	    "MA-L,0000AA,\"Unterminated,addr\r\n"   /* bad: eats the rest */
	    "MA-L,0000AB,Never Seen,addr\r\n";
	struct nk_oui_db *db = nk_oui_db_new();
	assert_non_null(db);

	long n = nk_oui_db_add_csv(db, (const uint8_t *)csv, sizeof(csv) - 1);
	assert_int_equal(n, 8);
	assert_int_equal(nk_oui_db_n_bad(db), 8);
	nk_oui_db_finish(db);
	assert_int_equal(nk_oui_db_size(db), 7); /* the duplicate dropped */

	struct nk_mac m = M("00:09:5b:01:02:03");
	assert_string_equal(nk_oui_db_lookup(db, &m), "NETGEAR");
	m = M("00:1e:fc:00:00:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "JSC \"MASSA-K\"");
	m = M("aa:bb:cc:00:00:01");
	assert_null(nk_oui_db_lookup(db, &m)); /* 0xaa: locally administered */
	m = M("70:b3:d5:12:3f:ff");
	assert_string_equal(nk_oui_db_lookup(db, &m), "Small Co");
	m = M("70:b3:d5:12:4f:ff");
	assert_string_equal(nk_oui_db_lookup(db, &m), "Medium Co");
	m = M("70:b3:d5:22:4f:ff");
	assert_string_equal(
	    nk_oui_db_lookup(db, &m), "IEEE Registration Authority");
	m = M("0c:aa:bb:00:00:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "Foo \"Bar\" Baz");
	m = M("00:00:ab:00:00:01");
	assert_null(nk_oui_db_lookup(db, &m));
	m = M("01:09:5b:00:00:01"); /* group address: looked up by its OUI */
	assert_string_equal(nk_oui_db_lookup(db, &m), "NETGEAR");
	m = M("00:11:22:00:00:01");
	assert_null(nk_oui_db_lookup(db, &m));
	nk_oui_db_free(db);

	/* Unfinished db still answers; a quoted comma kept in the name. */
	const char csv2[] = "MA-L,AC1122,\"Comma, Inc.\",x";
	db = nk_oui_db_new();
	assert_int_equal(
	    nk_oui_db_add_csv(db, (const uint8_t *)csv2, sizeof(csv2) - 1), 1);
	m = M("ac:11:22:33:44:55");
	assert_string_equal(nk_oui_db_lookup(db, &m), "Comma, Inc.");
	assert_int_equal(nk_oui_db_add_csv(db, NULL, 0), 0);
	nk_oui_db_free(db);
	nk_oui_db_free(NULL);
}

static void
test_oui_registry(void **state)
{
	(void)state;
	struct nk_oui_db *db = NULL;
	struct nk_err err = {{0}};
	struct timespec t0, t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (nk_oui_db_load(NULL, &db, &err) != 0)
		fail_msg("%s", nk_err_msg(&err));
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message(
	    "oui registry: %zu entries, %llu bad, loaded in %.1f ms\n",
	    nk_oui_db_size(db), (unsigned long long)nk_oui_db_n_bad(db), ms);
	assert_true(nk_oui_db_size(db) > 40000);
	/* Every line of Debian's files parses. */
	assert_int_equal(nk_oui_db_n_bad(db), 0);

	struct nk_mac m = M("00:09:5b:aa:bb:cc");
	assert_string_equal(nk_oui_db_lookup(db, &m), "NETGEAR");
	m = M("00:14:6c:00:00:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "NETGEAR");
	m = M("00:00:0c:12:34:56");
	assert_non_null(strstr(nk_oui_db_lookup(db, &m), "Cisco"));
	/* MA-S beats the MA-L block 70:B3:D5 it sits in. */
	m = M("70:b3:d5:f2:f0:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "TELEPLATFORMS");
	/* MA-M 208593B. */
	m = M("20:85:93:b0:00:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "IOG Products LLC");
	/* IAB 0050C27D5. */
	m = M("00:50:c2:7d:50:01");
	assert_string_equal(nk_oui_db_lookup(db, &m), "DEUTA-WERKE GmbH");
	m = M("02:09:5b:aa:bb:cc");
	assert_null(nk_oui_db_lookup(db, &m)); /* local */
	nk_oui_db_free(db);

	db = NULL;
	assert_int_equal(nk_oui_db_load("/nonexistent-oui-dir", &db, &err), -1);
	assert_null(db);
	assert_non_null(strstr(nk_err_msg(&err), "/nonexistent-oui-dir"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_parse_fmt),
	    cmocka_unit_test(test_addr_cmp_eq),
	    cmocka_unit_test(test_sockaddr),
	    cmocka_unit_test(test_multicast_bcast),
	    cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_prefix_from_bytes),
	    cmocka_unit_test(test_prefix_contains_covers),
	    cmocka_unit_test(test_range_parse),
	    cmocka_unit_test(test_range_at),
	    cmocka_unit_test(test_range_bad),
	    cmocka_unit_test(test_mac),
	    cmocka_unit_test(test_oui_csv),
	    cmocka_unit_test(test_oui_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
