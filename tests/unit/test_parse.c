#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "parse.h"

/* Out-params are set only on success: a failed parse leaves the sentinel. */
#define SENTINEL_U 4242u
#define SENTINEL_I (-4242)

static void
expect_u64_fail(const char *s, uint64_t min, uint64_t max, const char *why)
{
	struct nk_err err = {{0}};
	uint64_t v = SENTINEL_U;

	assert_int_equal(nk_parse_u64(s, min, max, &v, &err), -1);
	assert_true(v == SENTINEL_U);
	if (strstr(nk_err_msg(&err), why) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", s ? s : "(null)",
		    nk_err_msg(&err), why);
}

static void
test_u64_ok(void **state)
{
	(void)state;
	uint64_t v = 0;

	assert_int_equal(nk_parse_u64("0", 0, 10, &v, NULL), 0);
	assert_true(v == 0);
	assert_int_equal(nk_parse_u64("10", 0, 10, &v, NULL), 0);
	assert_true(v == 10);
	assert_int_equal(nk_parse_u64("007", 0, 10, &v, NULL), 0);
	assert_true(v == 7);
	assert_int_equal(
	    nk_parse_u64("18446744073709551615", 0, UINT64_MAX, &v, NULL), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_u64_bad(void **state)
{
	(void)state;
	expect_u64_fail("", 0, 10, "empty");
	expect_u64_fail(NULL, 0, 10, "empty");
	expect_u64_fail("-1", 0, UINT64_MAX, "negative");
	expect_u64_fail("-0", 0, UINT64_MAX, "negative");
	expect_u64_fail("12x", 0, 100, "'12x': not a number");
	expect_u64_fail(" 12", 0, 100, "not a number");
	expect_u64_fail("12 ", 0, 100, "not a number");
	expect_u64_fail("+12", 0, 100, "not a number");
	expect_u64_fail("0x10", 0, 100, "not a number");
	expect_u64_fail("1.5", 0, 100, "not a number");
	expect_u64_fail("11", 0, 10, "out of range [0, 10]");
	expect_u64_fail("4", 5, 10, "out of range [5, 10]");
	/* One past UINT64_MAX must not wrap to 0. */
	expect_u64_fail("18446744073709551616", 0, UINT64_MAX, "out of range");
	expect_u64_fail(
	    "99999999999999999999999", 0, UINT64_MAX, "out of range");
}

static void
test_i64(void **state)
{
	(void)state;
	struct nk_err err = {{0}};
	int64_t v = SENTINEL_I;

	assert_int_equal(nk_parse_i64("-5", -10, 10, &v, &err), 0);
	assert_true(v == -5);
	assert_int_equal(nk_parse_i64("+5", -10, 10, &v, &err), 0);
	assert_true(v == 5);
	assert_int_equal(nk_parse_i64("-9223372036854775808", INT64_MIN,
			     INT64_MAX, &v, &err),
	    0);
	assert_true(v == INT64_MIN);
	assert_int_equal(
	    nk_parse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v, &err),
	    0);
	assert_true(v == INT64_MAX);

	v = SENTINEL_I;
	assert_int_equal(
	    nk_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v, &err),
	    -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range"));
	assert_int_equal(nk_parse_i64("-9223372036854775809", INT64_MIN,
			     INT64_MAX, &v, &err),
	    -1);
	assert_int_equal(nk_parse_i64("-11", -10, 10, &v, &err), -1);
	assert_string_equal(nk_err_msg(&err), "'-11': out of range [-10, 10]");
	assert_int_equal(nk_parse_i64("-", -10, 10, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "not a number"));
	assert_int_equal(nk_parse_i64("", -10, 10, &v, &err), -1);
	assert_int_equal(nk_parse_i64("5-", -10, 10, &v, &err), -1);
	assert_int_equal(nk_parse_i64("--5", -10, 10, &v, &err), -1);
	assert_true(v == SENTINEL_I);
}

static void
test_double(void **state)
{
	(void)state;
	struct nk_err err = {{0}};
	double v = -1.0;

	assert_int_equal(nk_parse_double("0.5", 0, 1, &v, &err), 0);
	assert_true(v == 0.5);
	assert_int_equal(nk_parse_double(".25", 0, 1, &v, &err), 0);
	assert_true(v == 0.25);
	assert_int_equal(nk_parse_double("1e2", 0, 1000, &v, &err), 0);
	assert_true(v == 100.0);
	assert_int_equal(nk_parse_double("-2.5E-1", -1, 1, &v, &err), 0);
	assert_true(v == -0.25);
	assert_int_equal(nk_parse_double("3", 0, 10, &v, &err), 0);
	assert_true(v == 3.0);

	v = -1.0;
	const char *bad[] = {"", "nan", "inf", "-inf", "0x10", " 1", "1 ",
	    "1.2.3", "1e", "e5", ".", "-", "1,5", "infinity"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nk_parse_double(bad[i], -1e9, 1e9, &v, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_true(v == -1.0);
	assert_int_equal(nk_parse_double("1.5", 0, 1, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range"));
	assert_int_equal(nk_parse_double("1e999", 0, 1e308, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range"));
	assert_true(v == -1.0);
}

static void
test_double_ignores_locale(void **state)
{
	(void)state;
	double v = 0;

	/* A tool calls setlocale() for ncurses; "0.5" must still parse. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL)
		(void)setlocale(LC_NUMERIC, "C.UTF-8");
	assert_int_equal(nk_parse_double("0.5", 0, 1, &v, NULL), 0);
	assert_true(v == 0.5);
	(void)setlocale(LC_NUMERIC, "C");
}

static void
test_duration(void **state)
{
	(void)state;
	const int64_t s = INT64_C(1000000000);
	struct {
		const char *text;
		int64_t bare;
		int64_t want;
	} ok[] = {
	    {"1.5s", s, INT64_C(1500000000)},
	    {"200ms", s, INT64_C(200000000)},
	    {"2m", s, 120 * s},
	    {"1h", s, 3600 * s},
	    {"1d", s, 86400 * s},
	    {"250us", s, INT64_C(250000)},
	    {"7ns", s, 7},
	    {"0.5", s, s / 2}, /* bare number in seconds */
	    {"20", INT64_C(1000000), INT64_C(20000000)}, /* bare ms */
	    {".001s", s, INT64_C(1000000)},
	    {"0", s, 0},
	    {"1.0000000001s", s, s}, /* truncated to 1 ns */
	    {"0.000000001s", s, 1},
	    {"1.5d", s, 129600 * s},
	    /* Digits past the 9th still count: 1e-10 d = 8640 ns. */
	    {"0.0000000001d", s, 8640},
	    {"9223372036854775807ns", s, INT64_MAX},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;
		struct nk_err err = {{0}};
		if (nk_parse_duration_ns(
			ok[i].text, ok[i].bare, 0, INT64_MAX, &v, &err) != 0)
			fail_msg("'%s': %s", ok[i].text, nk_err_msg(&err));
		if (v != ok[i].want)
			fail_msg("'%s': got %lld want %lld", ok[i].text,
			    (long long)v, (long long)ok[i].want);
	}
}

static void
test_duration_bad(void **state)
{
	(void)state;
	const int64_t s = INT64_C(1000000000);
	struct nk_err err = {{0}};
	int64_t v = SENTINEL_I;
	const char *bad[] = {"", "s", "1x", "1 s", " 1s", "1s ", "1.s", "1..5s",
	    "1sec", "1S", "--1s", "1e3s", "ms", "1.5.s"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nk_parse_duration_ns(
			bad[i], s, INT64_MIN, INT64_MAX, &v, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(
	    nk_parse_duration_ns("1x", s, 0, INT64_MAX, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "unknown unit 'x'"));
	/* Range: bounds in ns, negative refused by min 0. */
	assert_int_equal(
	    nk_parse_duration_ns("-1s", s, 0, 10 * s, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range"));
	assert_int_equal(
	    nk_parse_duration_ns("11s", s, 0, 10 * s, &v, &err), -1);
	/* the bounds as a reader writes them, in the largest exact unit */
	assert_string_equal(nk_err_msg(&err), "'11s': out of range [0, 10s]");
	assert_int_equal(nk_parse_duration_ns("0", s, s / 1000,
			     3600 * s, &v, &err),
	    -1);
	assert_string_equal(nk_err_msg(&err), "'0': out of range [1ms, 1h]");
	assert_int_equal(nk_parse_duration_ns("1s", s, s / 10, s / 20, &v, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "'1s': out of range [100ms, 50ms]");
	/* Overflow of int64 ns: 107 days is fine, 10^6 days is not. */
	assert_int_equal(
	    nk_parse_duration_ns("106751d", s, 0, INT64_MAX, &v, &err), 0);
	assert_int_equal(
	    nk_parse_duration_ns("106752d", s, 0, INT64_MAX, &v, &err), -1);
	assert_int_equal(nk_parse_duration_ns("99999999999999999999s", s, 0,
			     INT64_MAX, &v, &err),
	    -1);
	/* bare_unit_ns 0: a unit is mandatory. */
	v = SENTINEL_I;
	assert_int_equal(
	    nk_parse_duration_ns("5", 0, 0, INT64_MAX, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "needs a unit"));
	assert_true(v == SENTINEL_I);
	/* Negative allowed when min allows it. */
	assert_int_equal(nk_parse_duration_ns("-1.5ms", s, -s, s, &v, &err), 0);
	assert_true(v == -1500000);
}

static void
test_size(void **state)
{
	(void)state;
	struct nk_err err = {{0}};
	uint64_t v = SENTINEL_U;

	assert_int_equal(nk_parse_size_bytes("0", 100, &v, &err), 0);
	assert_true(v == 0);
	assert_int_equal(nk_parse_size_bytes("1500", UINT64_MAX, &v, &err), 0);
	assert_true(v == 1500);
	assert_int_equal(nk_parse_size_bytes("4k", UINT64_MAX, &v, &err), 0);
	assert_true(v == 4096);
	assert_int_equal(nk_parse_size_bytes("4K", UINT64_MAX, &v, &err), 0);
	assert_true(v == 4096);
	assert_int_equal(nk_parse_size_bytes("16M", UINT64_MAX, &v, &err), 0);
	assert_true(v == 16u << 20);
	assert_int_equal(nk_parse_size_bytes("2G", UINT64_MAX, &v, &err), 0);
	assert_true(v == UINT64_C(2) << 30);

	v = SENTINEL_U;
	const char *bad[] = {
	    "", "-1", "k", "1kb", "1m", "1T", "1.5M", " 1", "1 k", "1KK"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nk_parse_size_bytes(bad[i], UINT64_MAX, &v, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(
	    nk_parse_size_bytes("17179869184G", UINT64_MAX, &v, &err), -1);
	assert_int_equal(nk_parse_size_bytes("2k", 2047, &v, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range [0, 2047]"));
	assert_true(v == SENTINEL_U);
}

static void
test_bool(void **state)
{
	(void)state;
	bool b = false;
	struct nk_err err = {{0}};

	assert_int_equal(nk_parse_bool("yes", &b, &err), 0);
	assert_true(b);
	assert_int_equal(nk_parse_bool("OFF", &b, &err), 0);
	assert_false(b);
	assert_int_equal(nk_parse_bool("True", &b, &err), 0);
	assert_true(b);
	assert_int_equal(nk_parse_bool("0", &b, &err), 0);
	assert_false(b);
	b = true;
	assert_int_equal(nk_parse_bool("yess", &b, &err), -1);
	assert_int_equal(nk_parse_bool("", &b, &err), -1);
	assert_true(b);
	assert_non_null(strstr(nk_err_msg(&err), "empty"));
}

static void
test_u64_prefix(void **state)
{
	(void)state;
	uint64_t v = 7;

	assert_int_equal(nk_parse_u64_prefix("4711]", UINT32_MAX, &v), 4);
	assert_int_equal(v, 4711);
	assert_int_equal(nk_parse_u64_prefix("0 EXISTS", 10, &v), 1);
	assert_int_equal(v, 0);
	v = 7;
	/* above max, no digits, a sign, overflow: 0 and v untouched */
	assert_int_equal(nk_parse_u64_prefix("4294967296]", UINT32_MAX, &v), 0);
	assert_int_equal(nk_parse_u64_prefix("]", UINT32_MAX, &v), 0);
	assert_int_equal(nk_parse_u64_prefix("-1", UINT32_MAX, &v), 0);
	assert_int_equal(nk_parse_u64_prefix(" 1", UINT32_MAX, &v), 0);
	assert_int_equal(
	    nk_parse_u64_prefix("99999999999999999999999", UINT64_MAX, &v), 0);
	assert_int_equal(nk_parse_u64_prefix(NULL, UINT64_MAX, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(
	    nk_parse_u64_prefix("18446744073709551615x", UINT64_MAX, &v), 20);
	assert_true(v == UINT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_u64_ok),
	    cmocka_unit_test(test_u64_bad),
	    cmocka_unit_test(test_u64_prefix),
	    cmocka_unit_test(test_i64),
	    cmocka_unit_test(test_double),
	    cmocka_unit_test(test_double_ignores_locale),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_duration_bad),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
