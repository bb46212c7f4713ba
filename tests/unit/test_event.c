#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "clock.h"
#include "event.h"

/* 2026-11-23T03:12:09.412Z */
#define T0_NS (INT64_C(1795403529) * NK_NS_PER_SEC + 412 * NK_NS_PER_MS)

struct cap {
	char *buf;
	size_t len;
	FILE *f;
	struct nk_event_sink *sink;
};

static int
setup(void **state)
{
	struct cap *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -1;
	c->f = open_memstream(&c->buf, &c->len);
	if (c->f == NULL)
		return -1;
	c->sink = nk_event_sink_new("multiping", "noc1", c->f);
	if (c->sink == NULL)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct cap *c = *state;
	nk_event_sink_free(c->sink);
	(void)fclose(c->f);
	free(c->buf);
	free(c);
	return 0;
}

/* Drop what was captured: a fresh stream and sink. */
static void
reset(struct cap *c)
{
	nk_event_sink_free(c->sink);
	(void)fclose(c->f);
	free(c->buf);
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	c->sink = nk_event_sink_new("multiping", "noc1", c->f);
	assert_non_null(c->sink);
}

/* Emit obj and return the text written (owned by the memstream). */
static const char *
emit(struct cap *c, struct json_object *obj)
{
	assert_int_equal(nk_event_emit(c->sink, obj), 0);
	return c->buf;
}

/* The one line written, parsed back; fails unless it is exactly one line. */
static struct json_object *
parse_line(const char *s)
{
	size_t n = strlen(s);
	assert_true(n > 1);
	assert_int_equal(s[n - 1], '\n');
	assert_ptr_equal(strchr(s, '\n'), s + n - 1);

	struct json_tokener *tok = json_tokener_new();
	assert_non_null(tok);
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)(n - 1));
	assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
	assert_int_equal(json_tokener_get_parse_end(tok), n - 1);
	json_tokener_free(tok);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static void
test_envelope_order_and_fields(void **state)
{
	struct cap *c = *state;
	struct json_object *e =
	    nk_event_begin(c->sink, "loss_run_start", NK_SEV_WARNING, T0_NS);
	assert_non_null(e);
	nk_event_add_str(e, "target", "192.0.2.7");
	nk_event_add_int(e, "seq", 4711);

	const char *s = emit(c, e);
	assert_string_equal(s,
	    "{\"ts\":\"2026-11-23T03:12:09.412Z\",\"tool\":\"multiping\","
	    "\"host\":\"noc1\",\"event\":\"loss_run_start\","
	    "\"severity\":\"warning\",\"target\":\"192.0.2.7\",\"seq\":4711}"
	    "\n");

	struct json_object *o = parse_line(s);
	const char *order[] = {
	    "ts", "tool", "host", "event", "severity", "target", "seq"};
	size_t i = 0;
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		assert_true(i < 7);
		assert_string_equal(k, order[i]);
		i++;
	}
	assert_int_equal(i, 7);
	assert_string_equal(get_str(o, "ts"), "2026-11-23T03:12:09.412Z");
	assert_string_equal(get_str(o, "tool"), "multiping");
	assert_string_equal(get_str(o, "host"), "noc1");
	assert_string_equal(get_str(o, "event"), "loss_run_start");
	assert_string_equal(get_str(o, "severity"), "warning");
	json_object_put(o);
}

static void
test_field_types(void **state)
{
	struct cap *c = *state;
	struct json_object *e =
	    nk_event_begin(c->sink, "x", NK_SEV_INFO, T0_NS);
	struct json_object *v;

	nk_event_add_int(e, "neg", INT64_MIN);
	nk_event_add_uint(e, "big", UINT64_MAX);
	nk_event_add_double(e, "rtt_ms", 0.123);
	nk_event_add_bool(e, "up", true);
	nk_event_add_bool(e, "down", false);
	nk_event_add_str(e, "none", NULL);
	nk_event_add_time(e, "since", T0_NS + 1);
	nk_event_add_str(e, "path", "/var/log/x \"q\"\n");

	const char *s = emit(c, e);
	/* Slashes are not escaped; the rest is JSON escaping. */
	assert_non_null(strstr(s, "\"path\":\"/var/log/x \\\"q\\\"\\n\""));
	assert_non_null(strstr(s, "\"rtt_ms\":0.123,"));
	assert_non_null(strstr(s, "\"none\":null"));
	assert_non_null(strstr(s, "\"big\":18446744073709551615"));

	struct json_object *o = parse_line(s);
	assert_true(json_object_object_get_ex(o, "neg", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_get_int64(v) == INT64_MIN);
	assert_true(json_object_object_get_ex(o, "big", &v));
	assert_true(json_object_get_uint64(v) == UINT64_MAX);
	assert_true(json_object_object_get_ex(o, "rtt_ms", &v));
	assert_true(json_object_is_type(v, json_type_double));
	assert_true(json_object_get_double(v) == 0.123);
	assert_true(json_object_object_get_ex(o, "up", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "down", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "none", &v));
	assert_null(v);
	assert_string_equal(get_str(o, "since"), "2026-11-23T03:12:09.412Z");
	assert_string_equal(get_str(o, "path"), "/var/log/x \"q\"\n");
	json_object_put(o);
}

static void
test_doubles(void **state)
{
	struct cap *c = *state;
	const struct {
		double v;
		const char *text;
	} cases[] = {
	    {0.123, "0.123"},
	    {0.1 + 0.2, "0.3"},
	    {5.0, "5.0"},
	    {-2.5, "-2.5"},
	    {-0.0, "0.0"},
	    {1e20, "1e+20"},
	    {12345.678, "12345.678"},
	    {NAN, "null"},
	    {INFINITY, "null"},
	    {-INFINITY, "null"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset(c);
		struct json_object *e =
		    nk_event_begin(c->sink, "d", NK_SEV_OK, T0_NS);
		nk_event_add_double(e, "v", cases[i].v);
		const char *s = emit(c, e);
		char want[64];
		(void)snprintf(
		    want, sizeof(want), "\"v\":%s}\n", cases[i].text);
		if (strstr(s, want) == NULL)
			fail_msg("%g: got %s, want %s", cases[i].v, s, want);
		struct json_object *o = parse_line(s);
		struct json_object *v;
		assert_true(json_object_object_get_ex(o, "v", &v));
		if (isfinite(cases[i].v)) {
			assert_true(json_object_is_type(v, json_type_double));
			assert_true(
			    fabs(json_object_get_double(v) - cases[i].v) <=
			    1e-12 * fabs(cases[i].v));
		} else {
			assert_null(v);
		}
		json_object_put(o);
	}
}

static void
test_severity_names(void **state)
{
	struct cap *c = *state;
	const char *names[] = {"info", "ok", "warning", "critical", "unknown"};

	for (int i = NK_SEV_INFO; i <= NK_SEV_UNKNOWN; i++) {
		assert_string_equal(
		    nk_severity_name((enum nk_severity)i), names[i]);
		reset(c);
		const char *s = emit(c,
		    nk_event_begin(c->sink, "e", (enum nk_severity)i, T0_NS));
		struct json_object *o = parse_line(s);
		assert_string_equal(get_str(o, "severity"), names[i]);
		json_object_put(o);
	}
	assert_string_equal(nk_severity_name((enum nk_severity)99), "unknown");
	assert_int_equal(nk_severity_of_state(NK_STATE_OK), NK_SEV_OK);
	assert_int_equal(nk_severity_of_state(NK_STATE_WARNING), NK_SEV_WARNING);
	assert_int_equal(
	    nk_severity_of_state(NK_STATE_CRITICAL), NK_SEV_CRITICAL);
	assert_int_equal(nk_severity_of_state(NK_STATE_UNKNOWN), NK_SEV_UNKNOWN);
	assert_int_equal(
	    nk_severity_of_state((enum nk_state)7), NK_SEV_UNKNOWN);
}

static void
test_lines_and_now(void **state)
{
	struct cap *c = *state;
	int64_t before = nk_clock_real_ns() / NK_NS_PER_MS * NK_NS_PER_MS;

	emit(c, nk_event_begin(c->sink, "a", NK_SEV_OK, 0));
	emit(c, nk_event_begin(c->sink, "b", NK_SEV_OK, 0));
	int64_t after = nk_clock_real_ns();

	/* Flushed after each line: the memstream already holds both. */
	const char *nl = strchr(c->buf, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1 + strlen(nl + 1) - 1, "\n");
	char first[512];
	size_t n = (size_t)(nl - c->buf) + 1;
	memcpy(first, c->buf, n);
	first[n] = '\0';
	struct json_object *o = parse_line(first);
	int64_t ts;
	assert_int_equal(nk_clock_parse_rfc3339(get_str(o, "ts"), &ts), 0);
	assert_true(ts >= before && ts <= after);
	assert_string_equal(get_str(o, "event"), "a");
	json_object_put(o);
	o = parse_line(nl + 1);
	assert_string_equal(get_str(o, "event"), "b");
	json_object_put(o);
}

static void
test_default_host_and_errors(void **state)
{
	(void)state;
	char host[256] = "";
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct nk_event_sink *sink = nk_event_sink_new("stormwatch", NULL, f);
	assert_non_null(sink);
	assert_int_equal(
	    nk_event_emit(sink, nk_event_begin(sink, "e", NK_SEV_INFO, T0_NS)),
	    0);
	struct json_object *o = parse_line(buf);
	assert_string_equal(get_str(o, "host"), host);
	assert_string_equal(get_str(o, "tool"), "stormwatch");
	json_object_put(o);

	/* Bad arguments: no crash, obj still released (ASan checks leaks). */
	assert_int_equal(nk_event_emit(sink, NULL), -1);
	assert_null(nk_event_begin(NULL, "e", NK_SEV_INFO, 0));
	assert_int_equal(
	    nk_event_emit(NULL, nk_event_begin(sink, "e", NK_SEV_INFO, T0_NS)),
	    -1);
	nk_event_add_str(NULL, "k", "v");
	nk_event_add_int(NULL, "k", 1);
	nk_event_add_double(NULL, "k", 1.5);
	nk_event_sink_free(sink);
	nk_event_sink_free(NULL);
	(void)fclose(f);
	free(buf);
}

static void
test_write_failure(void **state)
{
	(void)state;
	/* A read-only stream: the write fails and emit says so. */
	FILE *f = fopen("/dev/null", "r");
	assert_non_null(f);
	struct nk_event_sink *sink = nk_event_sink_new("t", "h", f);
	assert_non_null(sink);
	assert_int_equal(
	    nk_event_emit(sink, nk_event_begin(sink, "e", NK_SEV_INFO, T0_NS)),
	    -1);
	nk_event_sink_free(sink);
	(void)fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_envelope_order_and_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_field_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_severity_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_lines_and_now, setup, teardown),
	    cmocka_unit_test(test_default_host_and_errors),
	    cmocka_unit_test(test_write_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
