#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpstatus.h"
#include "clock.h"

#define T0 (INT64_C(1795000000) * NK_NS_PER_SEC) /* 2026-11-18 */

static struct nk_bgpstatus *
sample(void)
{
	struct nk_bgpstatus *st = calloc(1, sizeof(*st));
	assert_non_null(st);
	st->time_ns = T0 + 412 * NK_NS_PER_MS;
	(void)snprintf(st->upstream[0], NK_BGPSTATUS_NAME_MAX, "transitA");
	(void)snprintf(st->upstream[1], NK_BGPSTATUS_NAME_MAX, "transitB");
	st->n_up = 2;
	struct nk_bgpstatus_sess *s = &st->sess[0];
	(void)snprintf(s->name, sizeof(s->name), "transitA");
	(void)snprintf(s->addr, sizeof(s->addr), "192.0.2.1");
	(void)snprintf(s->state, sizeof(s->state), "Established");
	s->asn = 4200000000u;
	s->up = true;
	s->since_ns = T0 - 60 * NK_NS_PER_SEC;
	s->prefixes = 2;
	s->updates = 7;
	s = &st->sess[1];
	(void)snprintf(s->name, sizeof(s->name), "transitB");
	(void)snprintf(s->state, sizeof(s->state), "Active");
	(void)snprintf(s->reason, sizeof(s->reason),
	    "peer down: \"maintenance\"\n(Cease 6/2)");
	st->n_sess = 2;
	struct nk_bgpstatus_prefix *p = &st->prefix[0];
	(void)snprintf(p->prefix, sizeof(p->prefix), "198.51.100.0/24");
	p->reachable = true;
	p->up_state[0] = NK_BGPSTATUS_VIA;
	p->up_since_ns[0] = T0 - 30 * NK_NS_PER_SEC;
	p->up_state[1] = NK_BGPSTATUS_WITHDRAWN;
	p = &st->prefix[1];
	(void)snprintf(p->prefix, sizeof(p->prefix), "2001:db8::/32");
	p->reachable = false;
	st->n_prefix = 2;
	struct nk_bgpstatus_alarm *a = &st->alarm[0];
	a->sev = NK_SEV_CRITICAL;
	(void)snprintf(a->kind, sizeof(a->kind), "unreachable");
	(void)snprintf(a->object, sizeof(a->object), "2001:db8::/32");
	(void)snprintf(a->detail, sizeof(a->detail), "no upstream");
	st->n_alarm = 1;
	return st;
}

static int
parse_str(const char *s, struct nk_bgpstatus *st, struct nk_err *err)
{
	return nk_bgpstatus_parse((const uint8_t *)s, strlen(s), st, err);
}

static void
test_round_trip(void **state)
{
	(void)state;
	struct nk_bgpstatus *st = sample();
	struct nk_bgpstatus *back = calloc(1, sizeof(*back));
	struct nk_err err = {{0}};
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(nk_bgpstatus_fmt(st, &out, &len, &err), 0);
	assert_int_equal(strlen(out), len);
	assert_int_equal(out[len - 1], '\n');
	assert_non_null(strstr(out,
	    "\"format\":\"bgpwatch-status\","
	    "\"version\":1,"
	    "\"time\":\"2026-11-18T"));
	assert_non_null(strstr(out,
	    "\"via\":[\"transitA\"],"
	    "\"withdrawn_by\":[\"transitB\"]"));
	assert_non_null(strstr(out,
	    "\"summary\":{\"sessions_up\":1,"
	    "\"sessions_down\":1,"
	    "\"prefixes_watched\":2,"
	    "\"prefixes_unreachable\":1,"
	    "\"prefixes_withdrawn_somewhere\":1,"));
	assert_int_equal(
	    nk_bgpstatus_parse((const uint8_t *)out, len, back, &err), 0);
	assert_int_equal(back->time_ns, st->time_ns);
	assert_int_equal(back->n_up, 2);
	assert_string_equal(back->upstream[1], "transitB");
	assert_int_equal(back->n_sess, 2);
	assert_string_equal(back->sess[0].addr, "192.0.2.1");
	assert_int_equal(back->sess[0].asn, 4200000000u);
	assert_true(back->sess[0].up);
	assert_int_equal(back->sess[0].since_ns, st->sess[0].since_ns);
	assert_int_equal(back->sess[0].prefixes, 2);
	assert_int_equal(back->sess[0].updates, 7);
	assert_false(back->sess[1].up);
	assert_int_equal(back->sess[1].since_ns, 0);
	/* control bytes never come back out of a file */
	assert_string_equal(
	    back->sess[1].reason, "peer down: \"maintenance\"?(Cease 6/2)");
	assert_int_equal(back->n_prefix, 2);
	assert_true(back->prefix[0].reachable);
	assert_int_equal(back->prefix[0].up_state[0], NK_BGPSTATUS_VIA);
	assert_int_equal(back->prefix[0].up_state[1], NK_BGPSTATUS_WITHDRAWN);
	assert_int_equal(
	    back->prefix[0].up_since_ns[0], st->prefix[0].up_since_ns[0]);
	assert_false(back->prefix[1].reachable);
	assert_int_equal(back->n_alarm, 1);
	assert_int_equal(back->alarm[0].sev, NK_SEV_CRITICAL);
	assert_string_equal(back->alarm[0].object, "2001:db8::/32");
	assert_string_equal(back->stopped, ""); /* running: no field */
	assert_null(strstr(out, "\"stopped\""));
	free(out);

	/* the last write of a clean stop says why */
	(void)snprintf(st->stopped, sizeof(st->stopped), "signal 15 (Terminated)");
	assert_int_equal(nk_bgpstatus_fmt(st, &out, &len, &err), 0);
	assert_non_null(strstr(out, "\"stopped\":\"signal 15 (Terminated)\""));
	assert_int_equal(
	    nk_bgpstatus_parse((const uint8_t *)out, len, back, &err), 0);
	assert_string_equal(back->stopped, "signal 15 (Terminated)");
	free(out);
	free(back);
	free(st);
}

static void
test_counts(void **state)
{
	(void)state;
	struct nk_bgpstatus *st = sample();
	struct nk_bgpstatus_counts c;

	nk_bgpstatus_count(st, &c);
	assert_int_equal(c.sessions_up, 1);
	assert_int_equal(c.sessions_down, 1);
	assert_int_equal(c.prefixes_watched, 2);
	assert_int_equal(c.prefixes_unreachable, 1);
	assert_int_equal(c.prefixes_withdrawn_somewhere, 1);
	assert_int_equal(c.alarms_critical, 1);
	assert_int_equal(c.alarms_warning, 0);
	/* an unreachable prefix is not also "withdrawn somewhere" */
	st->prefix[1].up_state[0] = NK_BGPSTATUS_WITHDRAWN;
	nk_bgpstatus_count(st, &c);
	assert_int_equal(c.prefixes_withdrawn_somewhere, 1);
	free(st);
}

#define HEAD "{\"format\":\"bgpwatch-status\",\"version\":1,"
#define TIME "\"time\":\"2026-11-23T03:12:09.412Z\","
#define EMPTY "\"sessions\":[],\"prefixes\":[],\"alarms\":[]"

static void
test_minimal(void **state)
{
	(void)state;
	struct nk_bgpstatus *st = calloc(1, sizeof(*st));
	struct nk_err err = {{0}};

	assert_int_equal(parse_str(HEAD TIME EMPTY "}\n \n", st, &err), 0);
	assert_int_equal(st->n_sess + st->n_prefix + st->n_alarm + st->n_up, 0);
	/* unknown keys are for newer writers */
	assert_int_equal(
	    parse_str(HEAD TIME EMPTY ",\"x\":{\"y\":[1]}}", st, &err), 0);
	free(st);
}

static void
expect_bad(struct nk_bgpstatus *st, const char *in, const char *msg)
{
	struct nk_err err = {{0}};
	if (parse_str(in, st, &err) == 0)
		fail_msg("accepted: %s", in);
	if (strstr(nk_err_msg(&err), msg) == NULL)
		fail_msg(
		    "'%s': got '%s', want '%s'", in, nk_err_msg(&err), msg);
}

static void
test_bad(void **state)
{
	(void)state;
	struct nk_bgpstatus *st = calloc(1, sizeof(*st));
	struct nk_err err = {{0}};

	expect_bad(st, "", "empty");
	expect_bad(st, "garbage", "not JSON");
	expect_bad(st, HEAD TIME "\"sessions\":[", "not JSON: unexpected end");
	expect_bad(st, "[1,2]", "not a JSON object");
	expect_bad(st, HEAD TIME EMPTY "} {}", "not JSON");
	expect_bad(st, "{\"format\":\"x\"}", "\"format\" is not");
	expect_bad(st,
	    "{\"format\":\"bgpwatch-status\",\"version\":2," TIME EMPTY "}",
	    "\"version\" is not 1");
	expect_bad(st, HEAD EMPTY "}", "no RFC 3339 \"time\"");
	expect_bad(st, HEAD "\"time\":\"1970-01-01T00:00:00Z\"," EMPTY "}",
	    "no RFC 3339 \"time\"");
	expect_bad(st, HEAD "\"time\":\"yesterday\"," EMPTY "}", "\"time\"");
	expect_bad(st, HEAD TIME "\"prefixes\":[],\"alarms\":[]}",
	    "no \"sessions\" array");
	expect_bad(st,
	    HEAD TIME "\"sessions\":[{\"up\":true}],"
		      "\"prefixes\":[],\"alarms\":[]}",
	    "sessions[0]: no \"name\"");
	expect_bad(st,
	    HEAD TIME "\"sessions\":[{\"name\":\"A\",\"up\":1}],"
		      "\"prefixes\":[],\"alarms\":[]}",
	    "no \"up\" true/false");
	expect_bad(st,
	    HEAD TIME "\"sessions\":[{\"name\":\"A\",\"up\":true,"
		      "\"asn\":4294967296}],"
		      "\"prefixes\":[],\"alarms\":[]}",
	    "bad \"asn\"");
	expect_bad(st, HEAD TIME "\"upstreams\":[\"A\",\"A\"]," EMPTY "}",
	    "named twice");
	expect_bad(st,
	    HEAD TIME "\"upstreams\":[\"A\"],\"sessions\":[],"
		      "\"prefixes\":[{\"prefix\":\"p\",\"reachable\":"
		      "true,\"upstreams\":{\"A\":{\"state\":\"up\"}}}],"
		      "\"alarms\":[]}",
	    "upstream A: bad \"state\"");
	expect_bad(st,
	    HEAD TIME "\"sessions\":[],\"prefixes\":[],"
		      "\"alarms\":[{\"severity\":\"info\"}]}",
	    "alarms[0]: \"severity\" is not warning or critical");
	expect_bad(st, HEAD TIME "\"stopped\":true," EMPTY "}",
	    "\"stopped\" is not a non-empty string");
	expect_bad(st, HEAD TIME "\"stopped\":\"\"," EMPTY "}",
	    "\"stopped\" is not a non-empty string");
	/* nesting deeper than a status file has */
	expect_bad(
	    st, HEAD TIME "\"x\":[[[[[[[[[[1]]]]]]]]]]," EMPTY "}", "not JSON");
	/* a NUL byte inside */
	static const char nul[] = HEAD TIME EMPTY "}";
	char buf[sizeof(nul)];
	memcpy(buf, nul, sizeof(nul));
	buf[10] = '\0';
	assert_int_equal(
	    nk_bgpstatus_parse((const uint8_t *)buf, sizeof(nul) - 1, st, &err),
	    -1);
	assert_string_equal(nk_err_msg(&err), "not JSON: a NUL byte");
	free(st);
}

static void
test_caps(void **state)
{
	(void)state;
	struct nk_bgpstatus *st = calloc(1, sizeof(*st));
	size_t cap = 64 * 40 + 200;
	char *b = malloc(cap);
	size_t n = (size_t)snprintf(b, cap, "%s%s\"sessions\":[", HEAD, TIME);
	for (int i = 0; i <= NK_BGPSTATUS_MAX_SESS; i++)
		n += (size_t)snprintf(b + n, cap - n,
		    "%s{\"name\":\"s%d\",\"up\":true}", i ? "," : "", i);
	(void)snprintf(b + n, cap - n, "],\"prefixes\":[],\"alarms\":[]}");
	expect_bad(st, b, "more than 64 sessions");
	free(b);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
