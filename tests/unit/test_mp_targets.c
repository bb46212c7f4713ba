/* multiping targets: per-target settings on file lines and in the config,
 * their precedence (own > group > command line), and re-addressing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/config.h"
#include "../../multiping/correlate.h"
#include "../../multiping/probe.h"
#include "../../multiping/targets.h"

#define MS INT64_C(1000000)

static const struct mp_tset global = {0, 1000 * MS, 1000 * MS, 56, 0, -1};

static void
test_tset_parse(void **state)
{
	struct mp_tset s;
	struct nk_err err = {{0}};
	char buf[128];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(mp_tset_parse(&s, "interval=0.5", &err), 0);
	assert_int_equal(mp_tset_parse(&s, "timeout=250ms", &err), 0);
	assert_int_equal(mp_tset_parse(&s, "size=1200", &err), 0);
	assert_int_equal(mp_tset_parse(&s, "ttl=32", &err), 0);
	assert_int_equal(mp_tset_parse(&s, "dscp=46", &err), 0);
	assert_int_equal(s.set, MP_SET_INTERVAL | MP_SET_TIMEOUT | MP_SET_SIZE |
	    MP_SET_TTL | MP_SET_DSCP);
	assert_true(s.interval_ns == 500 * MS);
	assert_true(s.timeout_ns == 250 * MS);
	assert_int_equal(s.payload_bytes, 1200);
	assert_int_equal(s.ttl, 32);
	assert_int_equal(s.dscp, 46);
	assert_string_equal(mp_tset_fmt(&s, buf, sizeof(buf)),
	    "interval=0.5 timeout=0.25 size=1200 ttl=32 dscp=46");
	/* a word without '=' is not a setting */
	assert_int_equal(mp_tset_parse(&s, "radio", &err), 1);
	/* bad values and keys name themselves */
	assert_int_equal(mp_tset_parse(&s, "ttl=0", &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "ttl"));
	assert_int_equal(mp_tset_parse(&s, "dscp=64", &err), -1);
	assert_int_equal(mp_tset_parse(&s, "size=10", &err), -1);
	assert_int_equal(mp_tset_parse(&s, "interval=fast", &err), -1);
	assert_int_equal(mp_tset_parse(&s, "colour=red", &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "unknown setting 'colour'"));
	assert_int_equal(mp_tset_parse(&s, "averyveryverylongkey=1", &err), -1);
	/* failures left the earlier values alone */
	assert_int_equal(s.ttl, 32);
	assert_int_equal(s.dscp, 46);
}

static void
test_file_lines(void **state)
{
	struct mp_targets ts;
	struct nk_err err = {{0}};
	const char text[] = "# settings after the address, label words around\n"
			    "127.0.0.1 interval=0.05 ttl=32 dscp=46 size=1200 "
			    "fast one\n"
			    "127.0.0.2 the radio timeout=2\n"
			    "127.0.0.3\n"
			    "127.0.0.1 ttl=40\n"; /* a duplicate overrides */
	FILE *f = fmemopen((void *)(uintptr_t)text, sizeof(text) - 1, "r");

	(void)state;
	mp_targets_init(&ts);
	assert_int_equal(mp_targets_load_stream(&ts, f, "t.txt", &err), 0);
	fclose(f);
	assert_int_equal(ts.n, 3);
	assert_int_equal(ts.n_dups, 1);
	mp_targets_resolve(&ts, &global);
	assert_string_equal(ts.v[0].label, "fast one");
	assert_true(ts.v[0].interval_ns == 50 * MS);
	assert_int_equal(ts.v[0].ttl, 40);
	assert_int_equal(ts.v[0].dscp, 46);
	assert_int_equal(ts.v[0].payload_bytes, 1200);
	assert_true(ts.v[0].timeout_ns == 1000 * MS);
	assert_string_equal(ts.v[1].label, "the radio");
	assert_true(ts.v[1].timeout_ns == 2000 * MS);
	assert_true(ts.v[1].interval_ns == 1000 * MS);
	/* the command line's values where nothing else is said */
	assert_true(ts.v[2].interval_ns == 1000 * MS);
	assert_int_equal(ts.v[2].ttl, 0);
	assert_int_equal(ts.v[2].dscp, -1);
	assert_int_equal(ts.v[2].payload_bytes, 56);
	mp_targets_fini(&ts);

	/* a bad setting is FILE:LINE: cause */
	const char bad[] = "127.0.0.1\n127.0.0.2 ttl=300\n";
	f = fmemopen((void *)(uintptr_t)bad, sizeof(bad) - 1, "r");
	mp_targets_init(&ts);
	assert_int_equal(mp_targets_load_stream(&ts, f, "t.txt", &err), -1);
	fclose(f);
	assert_non_null(strstr(nk_err_msg(&err), "t.txt:2: setting ttl"));
	mp_targets_fini(&ts);
}

static void
test_config_precedence(void **state)
{
	struct mp_targets ts;
	struct mp_topo topo;
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};
	const char text[] = "[group oak]\n"
			    "kind = tower\n"
			    "upstream = 127.0.0.1 ttl=9\n"
			    "member = 127.0.0.11-12\n"
			    "member = 127.0.0.13 interval=0.5 dscp=10\n"
			    "interval = 2\n"
			    "ttl = 16\n"
			    "[multiping]\n"
			    "target = 127.0.0.20 size=300 loose one\n";

	(void)state;
	mp_targets_init(&ts);
	assert_int_equal(nk_config_parse("w.conf", (const uint8_t *)text,
			     sizeof(text) - 1, &cfg, &err), 0);
	assert_int_equal(mp_targets_load_topo(&ts, cfg, &topo, &err), 0);
	nk_config_free(cfg);
	mp_targets_resolve(&ts, &global);
	assert_int_equal(ts.n, 5);
	/* upstream: own ttl beats the group's; the group's interval */
	assert_string_equal(ts.v[0].name, "127.0.0.1");
	assert_int_equal(ts.v[0].ttl, 9);
	assert_true(ts.v[0].interval_ns == 2000 * MS);
	/* members: the group's defaults, written after them */
	assert_true(ts.v[1].interval_ns == 2000 * MS);
	assert_int_equal(ts.v[2].ttl, 16);
	assert_int_equal(ts.v[2].dscp, -1);
	assert_true(ts.v[3].interval_ns == 500 * MS);
	assert_int_equal(ts.v[3].dscp, 10);
	assert_int_equal(ts.v[3].ttl, 16);
	/* [multiping] target: no group, its own size and label */
	assert_string_equal(ts.v[4].name, "127.0.0.20");
	assert_int_equal(ts.v[4].group, -1);
	assert_int_equal(ts.v[4].payload_bytes, 300);
	assert_string_equal(ts.v[4].label, "loose one");
	assert_true(ts.v[4].interval_ns == 1000 * MS);
	assert_int_equal(topo.n_groups, 1);
	assert_int_equal(topo.groups[0].n_members, 3);
	mp_topo_fini(&topo);
	mp_targets_fini(&ts);

	/* a bad group default names its line */
	const char bad[] = "[group g]\nmember = 127.0.0.1\ndscp = 99\n";
	mp_targets_init(&ts);
	assert_int_equal(nk_config_parse("b.conf", (const uint8_t *)bad,
			     sizeof(bad) - 1, &cfg, &err), 0);
	assert_int_equal(mp_targets_load_topo(&ts, cfg, &topo, &err), -1);
	nk_config_free(cfg);
	assert_non_null(strstr(nk_err_msg(&err), "b.conf:3: "));
	mp_targets_fini(&ts);
}

static void
test_readdress(void **state)
{
	struct mp_targets ts;
	struct nk_addr a, b, c;
	struct nk_err err = {{0}};
	size_t idx;

	(void)state;
	mp_targets_init(&ts);
	assert_int_equal(nk_addr_parse("192.0.2.1", &a, NULL), 0);
	assert_int_equal(nk_addr_parse("192.0.2.2", &b, NULL), 0);
	assert_int_equal(nk_addr_parse("2001:db8::9", &c, NULL), 0);
	assert_int_equal(mp_targets_add(&ts, &a, "x", NULL, &idx, &err), 0);
	assert_int_equal(mp_targets_add(&ts, &b, "y", NULL, &idx, &err), 0);
	/* onto another target's address: refused */
	assert_int_equal(mp_targets_readdress(&ts, 0, &b), -1);
	assert_int_equal(mp_targets_readdress(&ts, 0, &c), 0);
	assert_string_equal(ts.v[0].name, "2001:db8::9");
	assert_int_equal(mp_targets_find(&ts, &c), 0);
	assert_int_equal(mp_targets_find(&ts, &a), -1);
	assert_int_equal(mp_targets_find(&ts, &b), 1);
	mp_targets_fini(&ts);
}

/* Buckets of B = 1 s: which seqs of a target fall into bucket b. */
static void
test_bucket_seqs(void **state)
{
	uint32_t lo, hi;
	const int64_t s = 1000 * MS;

	(void)state;
	/* one interval: bucket b is seq b, whatever the phase */
	mp_sched_bucket_seqs(s, 0, s, 7, &lo, &hi);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 8);
	mp_sched_bucket_seqs(s, 999 * MS, s, 7, &lo, &hi);
	assert_int_equal(lo, 7);
	assert_int_equal(hi, 8);
	/* twice as fast, phase 0.3 s: sends at 0.3, 0.8, 1.3, 1.8 ... */
	mp_sched_bucket_seqs(s / 2, 300 * MS, s, 0, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 2);
	mp_sched_bucket_seqs(s / 2, 300 * MS, s, 1, &lo, &hi);
	assert_int_equal(lo, 2);
	assert_int_equal(hi, 4);
	/* five times slower, phase 0.2 s: sends at 0.2, 5.2, 10.2 */
	mp_sched_bucket_seqs(5 * s, 200 * MS, s, 0, &lo, &hi);
	assert_int_equal(hi - lo, 1);
	assert_int_equal(lo, 0);
	for (uint32_t b = 1; b < 5; b++) {
		mp_sched_bucket_seqs(5 * s, 200 * MS, s, b, &lo, &hi);
		assert_int_equal(lo, 0); /* no sample: seq 0 holds */
		assert_int_equal(hi, 1);
	}
	/* before the first send: nothing */
	mp_sched_bucket_seqs(5 * s, 1200 * MS, s, 0, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	mp_sched_bucket_seqs(5 * s, 200 * MS, s, 5, &lo, &hi);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 2);
	/* every seq lands in exactly one bucket */
	uint32_t next = 0;
	for (uint32_t b = 0; b < 50; b++) {
		mp_sched_bucket_seqs(300 * MS, 170 * MS, s, b, &lo, &hi);
		assert_int_equal(lo, next); /* 3 or 4 sends per second */
		for (uint32_t k = lo; k < hi; k++) {
			int64_t at = 170 * MS + (int64_t)k * 300 * MS;
			assert_true(at >= (int64_t)b * s);
			assert_true(at < ((int64_t)b + 1) * s);
		}
		next = hi;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tset_parse),
	    cmocka_unit_test(test_file_lines),
	    cmocka_unit_test(test_config_precedence),
	    cmocka_unit_test(test_readdress),
	    cmocka_unit_test(test_bucket_seqs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
