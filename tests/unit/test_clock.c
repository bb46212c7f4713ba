#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "clock.h"

/* 2026-11-23T03:12:09.412Z */
#define T0_S INT64_C(1795403529)
#define T0_NS (T0_S * NK_NS_PER_SEC + 412 * NK_NS_PER_MS)

static void
test_mono_advances(void **state)
{
	(void)state;
	int64_t a = nk_clock_mono_ns();
	struct timespec req = {0, 2000000};
	(void)nanosleep(&req, NULL);
	int64_t b = nk_clock_mono_ns();

	assert_true(a > 0);
	assert_true(b - a >= 2000000);
	assert_true(b - a < NK_NS_PER_SEC);
}

static void
test_real_is_epoch_ns(void **state)
{
	(void)state;
	int64_t r = nk_clock_real_ns();
	int64_t t = (int64_t)time(NULL);

	/* Within a couple of seconds of time(2): the unit is ns since 1970. */
	assert_true(r / NK_NS_PER_SEC >= t - 2);
	assert_true(r / NK_NS_PER_SEC <= t + 2);
}

static void
test_timespec_round_trip(void **state)
{
	(void)state;
	struct timespec ts = {5, 123456789};

	assert_true(nk_timespec_to_ns(&ts) == INT64_C(5123456789));
	ts = nk_ns_to_timespec(INT64_C(5123456789));
	assert_int_equal(ts.tv_sec, 5);
	assert_int_equal(ts.tv_nsec, 123456789);
	/* Negative stamps floor: -1 ns is 1969-12-31T23:59:59.999999999. */
	ts = nk_ns_to_timespec(-1);
	assert_int_equal(ts.tv_sec, -1);
	assert_int_equal(ts.tv_nsec, 999999999);
	assert_true(nk_timespec_to_ns(&ts) == -1);
}

static void
test_fmt(void **state)
{
	(void)state;
	char buf[NK_CLOCK_RFC3339_LEN];

	assert_ptr_equal(nk_clock_fmt_rfc3339(T0_NS, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "2026-11-23T03:12:09.412Z");
	assert_string_equal(nk_clock_fmt_rfc3339(0, buf, sizeof(buf)),
	    "1970-01-01T00:00:00.000Z");
	/* Truncated, not rounded, to the millisecond. */
	assert_string_equal(
	    nk_clock_fmt_rfc3339(T0_NS + 999999, buf, sizeof(buf)),
	    "2026-11-23T03:12:09.412Z");
	assert_string_equal(nk_clock_fmt_rfc3339(-1, buf, sizeof(buf)),
	    "1969-12-31T23:59:59.999Z");
	/* Leap day. */
	assert_string_equal(
	    nk_clock_fmt_rfc3339(
		INT64_C(951782400) * NK_NS_PER_SEC + 7 * NK_NS_PER_MS, buf,
		sizeof(buf)),
	    "2000-02-29T00:00:00.007Z");
}

static void
test_fmt_small_buffer(void **state)
{
	(void)state;
	char buf[25];

	assert_string_equal(nk_clock_fmt_rfc3339(T0_NS, buf, sizeof(buf)),
	    "2026-11-23T03:12:09.412Z");
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(nk_clock_fmt_rfc3339(T0_NS, buf, 24), "");
	buf[0] = 'x';
	nk_clock_fmt_rfc3339(T0_NS, buf, 0);
	assert_int_equal(buf[0], 'x');
}

static void
test_parse(void **state)
{
	(void)state;
	int64_t ns = 0;

	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23T03:12:09.412Z", &ns), 0);
	assert_true(ns == T0_NS);
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23T03:12:09Z", &ns), 0);
	assert_true(ns == T0_S * NK_NS_PER_SEC);
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23T03:12:09.412+00:00", &ns), 0);
	assert_true(ns == T0_NS);
	/* Other offsets are applied: 05:12 at +02:00 is 03:12Z. */
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23T05:42:09.412+02:30", &ns), 0);
	assert_true(ns == T0_NS);
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-22T22:12:09.412-05:00", &ns), 0);
	assert_true(ns == T0_NS);
	/* Fractions of 1-9 digits, extra digits ignored; lowercase t/z. */
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23t03:12:09.4z", &ns), 0);
	assert_true(ns == T0_S * NK_NS_PER_SEC + 400 * NK_NS_PER_MS);
	assert_int_equal(
	    nk_clock_parse_rfc3339("2026-11-23T03:12:09.1234567891Z", &ns), 0);
	assert_true(ns == T0_S * NK_NS_PER_SEC + 123456789);
	assert_int_equal(
	    nk_clock_parse_rfc3339("1970-01-01T00:00:00Z", &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(
	    nk_clock_parse_rfc3339("1969-12-31T23:59:59Z", &ns), 0);
	assert_true(ns == -NK_NS_PER_SEC);
	assert_int_equal(
	    nk_clock_parse_rfc3339("2000-02-29T00:00:00Z", &ns), 0);
	assert_true(ns == INT64_C(951782400) * NK_NS_PER_SEC);
}

static void
test_parse_round_trip(void **state)
{
	(void)state;
	char buf[NK_CLOCK_RFC3339_LEN];
	int64_t ns;
	const int64_t stamps[] = {
	    0, T0_NS, 1, -NK_NS_PER_MS, INT64_C(4102444799999) * NK_NS_PER_MS};

	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		int64_t ms_floor = stamps[i] / NK_NS_PER_MS * NK_NS_PER_MS;
		if (stamps[i] < 0 && stamps[i] % NK_NS_PER_MS != 0)
			ms_floor -= NK_NS_PER_MS;
		nk_clock_fmt_rfc3339(stamps[i], buf, sizeof(buf));
		assert_int_equal(nk_clock_parse_rfc3339(buf, &ns), 0);
		assert_true(ns == ms_floor);
	}
}

static void
test_parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
	    "",
	    "2026-11-23",
	    "2026-11-23 03:12:09Z",
	    "2026-11-23T03:12:09",
	    "2026-11-23T03:12:09.Z",
	    "2026-11-23T03:12:09.412",
	    "2026-11-23T03:12:09.412ZZ",
	    "2026-11-23T03:12:09.412Z ",
	    " 2026-11-23T03:12:09Z",
	    "2026-13-23T03:12:09Z",
	    "2026-00-23T03:12:09Z",
	    "2026-11-31T03:12:09Z",
	    "2026-02-29T03:12:09Z",
	    "1900-02-29T00:00:00Z",
	    "2026-11-00T03:12:09Z",
	    "2026-11-23T24:00:00Z",
	    "2026-11-23T23:60:00Z",
	    "2026-11-23T23:59:61Z",
	    "2026-11-23T03:12:09+0000",
	    "2026-11-23T03:12:09+24:00",
	    "2026-1-23T03:12:09Z",
	    "+026-11-23T03:12:09Z",
	    "2026-11-23T03:12:9Z",
	    "9999-12-31T23:59:59Z",
	    "1600-01-01T00:00:00Z",
	};
	int64_t ns = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nk_clock_parse_rfc3339(bad[i], &ns) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(ns == 42); /* out-param untouched on failure */
	}
	assert_int_equal(nk_clock_parse_rfc3339(NULL, &ns), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mono_advances),
	    cmocka_unit_test(test_real_is_epoch_ns),
	    cmocka_unit_test(test_timespec_round_trip),
	    cmocka_unit_test(test_fmt),
	    cmocka_unit_test(test_fmt_small_buffer),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_round_trip),
	    cmocka_unit_test(test_parse_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
