#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "alarm.h"

static struct nk_range
range(const char *s)
{
	struct nk_range r;
	struct nk_err err = {{0}};

	if (nk_range_parse(s, &r, &err) != 0)
		fail_msg("'%s' rejected: %s", s, nk_err_msg(&err));
	assert_true(r.set);
	return r;
}

/* Alerts for each of values[] must equal want[]. */
static void
check(const char *s, const double *values, const bool *want, size_t n)
{
	struct nk_range r = range(s);

	for (size_t i = 0; i < n; i++)
		if (nk_range_alerts(&r, values[i]) != want[i])
			fail_msg("range '%s' value %g: alerts=%d, want %d", s,
			    values[i], !want[i], want[i]);
}

#define CHECK(s, vals, want)                                                   \
	do {                                                                   \
		assert_int_equal(sizeof(vals) / sizeof(vals[0]),               \
		    sizeof(want) / sizeof(want[0]));                           \
		check(s, vals, want, sizeof(vals) / sizeof(vals[0]));          \
	} while (0)

static void
test_range_forms(void **state)
{
	(void)state;
	/* "10": < 0 or > 10; the bounds themselves are fine. */
	const double v1[] = {-0.001, 0, 5, 10, 10.001, -1e9, 1e9};
	const bool w1[] = {true, false, false, false, true, true, true};
	CHECK("10", v1, w1);

	/* "10:": < 10. */
	const double v2[] = {9.999, 10, 1e300, -5};
	const bool w2[] = {true, false, false, true};
	CHECK("10:", v2, w2);

	/* "~:10": > 10. */
	const double v3[] = {-1e300, 10, 10.0001};
	const bool w3[] = {false, false, true};
	CHECK("~:10", v3, w3);

	/* "10:20": outside. */
	const double v4[] = {9.99, 10, 15, 20, 20.01};
	const bool w4[] = {true, false, false, false, true};
	CHECK("10:20", v4, w4);

	/* "@10:20": inside, bounds included. */
	const double v5[] = {9.99, 10, 15, 20, 20.01};
	const bool w5[] = {false, true, true, true, false};
	CHECK("@10:20", v5, w5);

	/* "@10": inside 0..10. */
	const double v6[] = {-1, 0, 10, 11};
	const bool w6[] = {false, true, true, false};
	CHECK("@10", v6, w6);

	/* "@~:5": <= 5;  "@5:": >= 5. */
	const double v7[] = {-1e300, 5, 5.5};
	const bool w7[] = {true, true, false};
	CHECK("@~:5", v7, w7);
	const double v8[] = {4.9, 5, 1e300};
	const bool w8[] = {false, true, true};
	CHECK("@5:", v8, w8);

	/* Negative and fractional bounds; a missing start is 0. */
	const double v9[] = {-10.5, -10.4, -5, -4.9};
	const bool w9[] = {true, false, false, true};
	CHECK("-10.4:-5", v9, w9);
	const double v10[] = {-0.1, 0, 5, 5.1};
	const bool w10[] = {true, false, false, true};
	CHECK(":5", v10, w10);

	/* "~:" never alerts, "@~:" always; start == end is one point. */
	const double v11[] = {-1e300, 0, 1e300};
	const bool w11[] = {false, false, false};
	CHECK("~:", v11, w11);
	const bool w12[] = {true, true, true};
	CHECK("@~:", v11, w12);
	const double v13[] = {2.99, 3, 3.01};
	const bool w13[] = {true, false, true};
	CHECK("3:3", v13, w13);
	const double v14[] = {1000, 1000.5};
	const bool w14[] = {false, true};
	CHECK("1e3", v14, w14);
}

static void
test_range_fields(void **state)
{
	(void)state;
	struct nk_range r = range("@-1.5:2");
	assert_true(r.inside);
	assert_false(r.start_inf);
	assert_false(r.end_inf);
	assert_true(r.start == -1.5);
	assert_true(r.end == 2);

	r = range("10");
	assert_false(r.inside);
	assert_true(r.start == 0);
	assert_true(r.end == 10);
	r = range("10:");
	assert_true(r.start == 10);
	assert_true(r.end_inf);
	r = range("~:10");
	assert_true(r.start_inf);
	assert_false(r.end_inf);
	assert_true(r.end == 10);
}

static void
test_range_unset_and_nan(void **state)
{
	(void)state;
	struct nk_range unset = {0, 0, false, false, false, false};
	assert_false(nk_range_alerts(&unset, -1e300));
	assert_false(nk_range_alerts(&unset, 1e300));
	assert_false(nk_range_alerts(NULL, 5));

	struct nk_range r = range("10");
	assert_false(nk_range_alerts(&r, NAN));
	r = range("@~:");
	assert_false(nk_range_alerts(&r, NAN));
}

static void
test_range_rejects(void **state)
{
	(void)state;
	const struct {
		const char *s, *msg;
	} bad[] = {
	    {"20:10", "range '20:10': start 20 > end 10"},
	    {"@20:10", "range '@20:10': start 20 > end 10"},
	    {"-5", "range '-5': start 0 > end -5"},
	    {"", "range '': empty"},
	    {"abc", "range 'abc': not a number"},
	    {"@", "range '@': not a number"},
	    {"~", "range '~': not a number"},
	    {"10:x", "range '10:x': end 'x' is not a number"},
	    {"x:10", "range 'x:10': start 'x' is not a number"},
	    {"~~:10", "range '~~:10': start '~~' is not a number"},
	    {"1:2:3", "range '1:2:3': end '2:3' is not a number"},
	    {" 10", "range ' 10': not a number"},
	    {"10 ", "range '10 ': not a number"},
	    {"0x10", "range '0x10': not a number"},
	    {"inf", "range 'inf': not a number"},
	    {"nan", "range 'nan': not a number"},
	    {"1e999", "range '1e999': not a number"},
	    {"1e", "range '1e': not a number"},
	    {".", "range '.': not a number"},
	    {"10:~", "range '10:~': end '~' is not a number"},
	    {"@@10", "range '@@10': not a number"},
	    {"10:20@", "range '10:20@': end '20@' is not a number"},
	};
	struct nk_range r = {1, 2, true, true, true, true};
	struct nk_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (nk_range_parse(bad[i].s, &r, &err) != -1)
			fail_msg("accepted '%s'", bad[i].s);
		assert_string_equal(nk_err_msg(&err), bad[i].msg);
		/* out untouched */
		assert_true(r.start == 1 && r.end == 2 && r.inside && r.set);
	}
	assert_int_equal(nk_range_parse(NULL, &r, &err), -1);
}

static void
test_range_fmt(void **state)
{
	(void)state;
	const struct {
		const char *in, *out;
	} cases[] = {
	    {"10", "10"},
	    {"10:", "10:"},
	    {"~:10", "~:10"},
	    {"10:20", "10:20"},
	    {"@10:20", "@10:20"},
	    {"@10", "@10"},
	    {"0:10", "10"},
	    {"0:", "0:"},
	    {"~:", "~:"},
	    {"@~:-2.5", "@~:-2.5"},
	    {"0.000001:2e3", "0.000001:2000"},
	    {"1e-7:1e20", "0.0000001:100000000000000000000"},
	    {"-0:1", "1"},
	};
	char b[64];
	struct nk_range unset = {0, 0, false, false, false, false};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nk_range r = range(cases[i].in);
		assert_ptr_equal(nk_range_fmt(&r, b, sizeof(b)), b);
		if (strcmp(b, cases[i].out) != 0)
			fail_msg("'%s' -> '%s', want '%s'", cases[i].in, b,
			    cases[i].out);
		/* And it parses back to the same range. */
		struct nk_range back = range(b);
		assert_true(back.inside == r.inside);
		assert_true(back.start_inf == r.start_inf);
		assert_true(back.end_inf == r.end_inf);
		assert_true(r.start_inf || back.start == r.start);
		assert_true(r.end_inf || back.end == r.end);
	}
	assert_string_equal(nk_range_fmt(&unset, b, sizeof(b)), "");
	struct nk_range r = range("@10:20");
	assert_string_equal(nk_range_fmt(&r, b, 6), "");
	assert_string_equal(nk_range_fmt(&r, b, 7), "@10:20");
}

static void
test_threshold(void **state)
{
	(void)state;
	struct nk_threshold th;
	struct nk_err err = {{0}};

	assert_int_equal(nk_threshold_parse("100", "200", &th, &err), 0);
	assert_int_equal(nk_threshold_eval(&th, 50), NK_STATE_OK);
	assert_int_equal(nk_threshold_eval(&th, 100), NK_STATE_OK);
	assert_int_equal(nk_threshold_eval(&th, 100.5), NK_STATE_WARNING);
	assert_int_equal(nk_threshold_eval(&th, 200), NK_STATE_WARNING);
	assert_int_equal(nk_threshold_eval(&th, 200.5), NK_STATE_CRITICAL);
	/* Below 0 is outside both: critical wins. */
	assert_int_equal(nk_threshold_eval(&th, -1), NK_STATE_CRITICAL);
	assert_int_equal(nk_threshold_eval(&th, NAN), NK_STATE_UNKNOWN);

	/* Only one set. */
	assert_int_equal(nk_threshold_parse(NULL, "5:", &th, &err), 0);
	assert_false(th.warn.set);
	assert_true(th.crit.set);
	assert_int_equal(nk_threshold_eval(&th, 4), NK_STATE_CRITICAL);
	assert_int_equal(nk_threshold_eval(&th, 5), NK_STATE_OK);
	assert_int_equal(nk_threshold_parse("@1:2", NULL, &th, &err), 0);
	assert_int_equal(nk_threshold_eval(&th, 1.5), NK_STATE_WARNING);
	assert_int_equal(nk_threshold_eval(&th, 3), NK_STATE_OK);
	assert_int_equal(nk_threshold_parse(NULL, NULL, &th, &err), 0);
	assert_int_equal(nk_threshold_eval(&th, 1e300), NK_STATE_OK);
	assert_int_equal(nk_threshold_eval(NULL, 1), NK_STATE_OK);

	/* Errors name which threshold; out untouched. */
	struct nk_threshold keep;
	assert_int_equal(nk_threshold_parse("1", "2", &keep, &err), 0);
	assert_int_equal(nk_threshold_parse("20:10", "5", &keep, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "warning: range '20:10': start 20 > end 10");
	assert_int_equal(nk_threshold_parse("5", "x", &keep, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "critical: range 'x': not a number");
	assert_true(keep.warn.end == 1 && keep.crit.end == 2);
}

static void
test_states(void **state)
{
	(void)state;
	assert_string_equal(nk_state_name(NK_STATE_OK), "OK");
	assert_string_equal(nk_state_name(NK_STATE_WARNING), "WARNING");
	assert_string_equal(nk_state_name(NK_STATE_CRITICAL), "CRITICAL");
	assert_string_equal(nk_state_name(NK_STATE_UNKNOWN), "UNKNOWN");
	assert_string_equal(nk_state_name((enum nk_state)7), "UNKNOWN");

	assert_int_equal(nk_state_exit_code(NK_STATE_OK), 0);
	assert_int_equal(nk_state_exit_code(NK_STATE_WARNING), 1);
	assert_int_equal(nk_state_exit_code(NK_STATE_CRITICAL), 2);
	assert_int_equal(nk_state_exit_code(NK_STATE_UNKNOWN), 3);
	assert_int_equal(nk_state_exit_code((enum nk_state) - 1), 3);

	/* CRITICAL > WARNING > UNKNOWN > OK, both argument orders. */
	const enum nk_state order[] = {
	    NK_STATE_OK, NK_STATE_UNKNOWN, NK_STATE_WARNING, NK_STATE_CRITICAL};
	for (size_t i = 0; i < 4; i++) {
		for (size_t j = 0; j < 4; j++) {
			enum nk_state want = order[i > j ? i : j];
			assert_int_equal(
			    nk_state_worst(order[i], order[j]), want);
		}
	}
	assert_int_equal(
	    nk_state_worst((enum nk_state)9, NK_STATE_OK), NK_STATE_UNKNOWN);
}

/* Feed raw states; after each, the reported state and the change flag. */
struct step {
	enum nk_state raw, want;
	bool changed;
};

static void
run(struct nk_alarm *a, const struct step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool ch = nk_alarm_update(a, s[i].raw);
		if (a->state != s[i].want || ch != s[i].changed)
			fail_msg(
			    "step %zu raw %s: state %s changed %d, want %s %d",
			    i, nk_state_name(s[i].raw), nk_state_name(a->state),
			    ch, nk_state_name(s[i].want), s[i].changed);
	}
}

#define RUN(a, steps) run(a, steps, sizeof(steps) / sizeof(steps[0]))

#define O NK_STATE_OK
#define W NK_STATE_WARNING
#define C NK_STATE_CRITICAL
#define U NK_STATE_UNKNOWN

static void
test_hysteresis_basic(void **state)
{
	(void)state;
	struct nk_alarm a;

	nk_alarm_init(&a, 3, 2);
	assert_int_equal(a.state, NK_STATE_OK);
	assert_int_equal(a.raise_after, 3);
	assert_int_equal(a.clear_after, 2);
	const struct step s[] = {
	    {O, O, false},
	    {C, O, false},
	    {C, O, false},
	    {O, O, false}, /* flap: reset */
	    {C, O, false},
	    {C, O, false},
	    {C, C, true}, /* 3 in a row */
	    {C, C, false},
	    {O, C, false},
	    {C, C, false}, /* reset */
	    {O, C, false},
	    {O, O, true}, /* 2 in a row */
	    {O, O, false},
	};
	RUN(&a, s);
}

static void
test_hysteresis_mixed_runs(void **state)
{
	(void)state;
	struct nk_alarm a;

	nk_alarm_init(&a, 3, 3);
	const struct step s[] = {
	    /* Rising run W C C: raises to the mildest, WARNING. */
	    {W, O, false},
	    {C, O, false},
	    {C, W, true},
	    /* C C C from WARNING: CRITICAL. */
	    {C, W, false},
	    {C, W, false},
	    {C, C, true},
	    /* Falling run O W O from CRITICAL: to the worst, WARNING. */
	    {O, C, false},
	    {W, C, false},
	    {O, W, true},
	    /* A rise interrupts a fall: count restarts. */
	    {O, W, false},
	    {O, W, false},
	    {C, W, false},
	    {O, W, false},
	    {O, W, false},
	    {O, O, true},
	};
	RUN(&a, s);
}

static void
test_hysteresis_immediate_and_unknown(void **state)
{
	(void)state;
	struct nk_alarm a;

	/* 0 means 1: every change is reported at once. */
	nk_alarm_init(&a, 0, 0);
	assert_int_equal(a.raise_after, 1);
	assert_int_equal(a.clear_after, 1);
	const struct step s[] = {
	    {W, W, true},
	    {C, C, true},
	    {C, C, false},
	    {U, U, true},
	    {O, O, true},
	    {U, U, true},
	    {W, W, true},
	    {O, O, true},
	};
	RUN(&a, s);

	/* UNKNOWN ranks between OK and WARNING. */
	nk_alarm_init(&a, 2, 1);
	const struct step s2[] = {
	    {U, O, false},
	    {W, U, true},
	    {W, U, false},
	    {W, W, true},
	    {U, U, true},
	};
	RUN(&a, s2);
}

static void
test_perfdata(void **state)
{
	(void)state;
	char b[256] = "";
	struct nk_threshold th;
	struct nk_err err;

	assert_int_equal(nk_threshold_parse("100", "200", &th, &err), 0);
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "rtt", 0.123, "ms", &th, 0, NAN), 0);
	assert_string_equal(b, "rtt=0.123ms;100;200;0");
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "loss", 5, "%", &th, 0, 100), 0);
	assert_string_equal(b, "rtt=0.123ms;100;200;0 loss=5%;100;200;0;100");

	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "pkts", 12, "c", NULL, NAN, NAN), 0);
	assert_string_equal(b, "pkts=12c");
	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "x", 1, NULL, NULL, NAN, 10), 0);
	assert_string_equal(b, "x=1;;;;10");
	b[0] = '\0';
	assert_int_equal(nk_threshold_parse(NULL, "@10:20", &th, &err), 0);
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "x", -2.5, "s", &th, NAN, NAN), 0);
	assert_string_equal(b, "x=-2.5s;;@10:20");
	/* Tiny values: plain decimals without binary noise (9.4e-05). */
	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "t", 0.000094, "s", NULL, NAN, NAN),
	    0);
	assert_string_equal(b, "t=0.000094s");

	/* Labels: quoted with spaces, '=' or quotes (doubled). */
	const struct {
		const char *label, *out;
	} labels[] = {
	    {"rtt 192.0.2.7", "'rtt 192.0.2.7'=1"},
	    {"a=b", "'a=b'=1"},
	    {"it's", "'it''s'=1"},
	    {"plain_label", "plain_label=1"},
	    {"", "''=1"},
	    {"a\nb", "a_b=1"},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		b[0] = '\0';
		assert_int_equal(nk_perf_append(b, sizeof(b), labels[i].label,
				     1, NULL, NULL, NAN, NAN),
		    0);
		assert_string_equal(b, labels[i].out);
	}

	/* Unknown values are U; big and tiny numbers without exponent. */
	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "v", NAN, "ms", NULL, NAN, NAN), 0);
	assert_string_equal(b, "v=U");
	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "v", 1e16, "B", NULL, 1e-6, NAN), 0);
	assert_string_equal(b, "v=10000000000000000B;;;0.000001");
	b[0] = '\0';
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "v", 1e30, NULL, NULL, -1e-30, NAN),
	    0);
	assert_string_equal(b, "v=1000000000000000019884624838656;;;0");
}

static void
test_perfdata_bounds(void **state)
{
	(void)state;
	char b[16] = "";

	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "rtt", 1.5, "ms", NULL, NAN, NAN), 0);
	assert_string_equal(b, "rtt=1.5ms");
	/* " x=1234" would need 7 more bytes, only 6 left: unchanged. */
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "x", 1234, NULL, NULL, NAN, NAN), -1);
	assert_string_equal(b, "rtt=1.5ms");
	/* Exactly filling the buffer is fine: " x=123" makes 15 chars. */
	assert_int_equal(
	    nk_perf_append(b, sizeof(b), "x", 123, NULL, NULL, NAN, NAN), 0);
	assert_string_equal(b, "rtt=1.5ms x=123");
	assert_int_equal(strlen(b), 16 - 1);

	char u[4] = {'a', 'b', 'c', 'd'}; /* not terminated */
	assert_int_equal(
	    nk_perf_append(u, sizeof(u), "x", 1, NULL, NULL, NAN, NAN), -1);
	assert_int_equal(
	    nk_perf_append(NULL, 8, "x", 1, NULL, NULL, NAN, NAN), -1);
}

static void
test_plugin_line(void **state)
{
	(void)state;
	char b[128];

	assert_ptr_equal(
	    nk_plugin_line(b, sizeof(b), "MULTIPING", NK_STATE_WARNING,
		"loss 20% on 192.0.2.7", "loss=20%;10;50"),
	    b);
	assert_string_equal(
	    b, "MULTIPING WARNING - loss 20% on 192.0.2.7 | loss=20%;10;50");
	nk_plugin_line(b, sizeof(b), "IMAP", NK_STATE_OK, "login ok", "");
	assert_string_equal(b, "IMAP OK - login ok");
	nk_plugin_line(b, sizeof(b), "IMAP", NK_STATE_CRITICAL, "down", NULL);
	assert_string_equal(b, "IMAP CRITICAL - down");
	nk_plugin_line(b, sizeof(b), NULL, NK_STATE_UNKNOWN, "no data", "x=1");
	assert_string_equal(b, "UNKNOWN - no data | x=1");
	/* Text cannot start perfdata or a second line; perf is left alone. */
	nk_plugin_line(b, sizeof(b), "S", NK_STATE_OK, "a|b\nc\r", "'a|b'=1");
	assert_string_equal(b, "S OK - a/b c  | 'a|b'=1");

	/* Too long: perfdata goes first, then the text is cut. */
	char s[24];
	nk_plugin_line(
	    s, sizeof(s), "S", NK_STATE_OK, "text", "perf=1234567890");
	assert_string_equal(s, "S OK - text");
	nk_plugin_line(
	    s, sizeof(s), "S", NK_STATE_OK, "a long text that is cut|x", NULL);
	assert_string_equal(s, "S OK - a long text that");
	assert_int_equal(strlen(s), sizeof(s) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_forms),
	    cmocka_unit_test(test_range_fields),
	    cmocka_unit_test(test_range_unset_and_nan),
	    cmocka_unit_test(test_range_rejects),
	    cmocka_unit_test(test_range_fmt),
	    cmocka_unit_test(test_threshold),
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_hysteresis_basic),
	    cmocka_unit_test(test_hysteresis_mixed_runs),
	    cmocka_unit_test(test_hysteresis_immediate_and_unknown),
	    cmocka_unit_test(test_perfdata),
	    cmocka_unit_test(test_perfdata_bounds),
	    cmocka_unit_test(test_plugin_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
