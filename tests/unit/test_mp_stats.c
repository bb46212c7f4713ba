#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../multiping/stats.h"

#define MS INT64_C(1000000)

/* Feed a pattern: '.' reply (rtt 1 ms), 'x' lost; close every probe. */
static void
feed(struct mp_stats *st, const char *pat, unsigned *starts, unsigned *ends)
{
	bool ch;
	uint8_t old;

	for (const char *p = pat; *p; p++) {
		uint32_t seq = st->next_seq;
		mp_stats_sent(st, seq, true);
		if (*p == '.')
			assert_int_equal(mp_stats_reply(st, seq, MS, 64, false,
					     &ch, &old), MP_REPLY_OK);
		struct mp_close c = mp_stats_close(st, seq);
		if (c.seq_run_started && starts)
			(*starts)++;
		if (c.run_ended && ends)
			(*ends)++;
	}
}

static void
test_runs_and_classes(void **state)
{
	(void)state;
	struct mp_stats st;
	unsigned starts = 0, ends = 0;

	assert_int_equal(mp_stats_init(&st, 64, 3), 0);
	feed(&st, "..xxx..x..xx.", &starts, &ends);
	assert_int_equal(st.n_sent, 13);
	assert_int_equal(st.n_lost, 6);
	assert_int_equal(st.n_recv, 7);
	assert_int_equal(st.run_longest, 3);
	assert_int_equal(st.n_runs, 3);
	assert_int_equal(st.n_seq_runs, 1);
	assert_int_equal(st.n_occasional, 2);
	assert_int_equal(starts, 1); /* the alarm fires once, at the 3rd loss */
	assert_int_equal(ends, 3);
	assert_string_equal(mp_stats_class(&st, 1.0), "sequential");
	mp_stats_fini(&st);

	/* one isolated drop in 200: occasional under 1 %; three in 100: lossy */
	assert_int_equal(mp_stats_init(&st, 300, 3), 0);
	char pat[201];
	memset(pat, '.', 200);
	pat[200] = '\0';
	pat[77] = 'x';
	feed(&st, pat, NULL, NULL);
	assert_string_equal(mp_stats_class(&st, 1.0), "occasional");
	mp_stats_fini(&st);
	assert_int_equal(mp_stats_init(&st, 300, 3), 0);
	pat[100] = '\0';
	pat[10] = pat[50] = 'x';
	feed(&st, pat, NULL, NULL);
	assert_string_equal(mp_stats_class(&st, 1.0), "lossy");
	mp_stats_fini(&st);
	assert_int_equal(mp_stats_init(&st, 300, 3), 0);
	feed(&st, "........", NULL, NULL);
	assert_string_equal(mp_stats_class(&st, 1.0), "ok");
	/* a run still going counts as sequential */
	feed(&st, "xxx", NULL, NULL);
	assert_int_equal(st.run_cur, 3);
	assert_string_equal(mp_stats_class(&st, 1.0), "sequential");
	mp_stats_fini(&st);
}

static void
test_dup_late_old(void **state)
{
	(void)state;
	struct mp_stats st;
	bool ch;
	uint8_t old = 0;

	assert_int_equal(mp_stats_init(&st, 8, 3), 0);
	mp_stats_sent(&st, 0, true);
	assert_int_equal(mp_stats_reply(&st, 0, 2 * MS, 64, false, &ch, &old),
	    MP_REPLY_OK);
	assert_int_equal(mp_stats_reply(&st, 0, 2 * MS, 64, false, &ch, &old),
	    MP_REPLY_DUP);
	/* a reply after its round closed: late, still lost, RTT kept */
	mp_stats_sent(&st, 1, true);
	struct mp_close c = mp_stats_close(&st, 0);
	assert_int_equal(c.state, MP_SLOT_REPLY);
	c = mp_stats_close(&st, 1);
	assert_int_equal(c.state, MP_SLOT_LOST);
	assert_int_equal(mp_stats_reply(&st, 1, 1500 * MS, 64, false, &ch, &old),
	    MP_REPLY_LATE);
	assert_int_equal(mp_stats_slot(&st, 1)->state, MP_SLOT_LATE);
	assert_int_equal(mp_stats_slot(&st, 1)->rtt_us, 1500000);
	assert_int_equal(st.n_late, 1);
	assert_int_equal(st.n_lost, 1);
	/* slower than the timeout but before the close: late too */
	mp_stats_sent(&st, 2, true);
	assert_int_equal(mp_stats_reply(&st, 2, 1200 * MS, 64, true, &ch, &old),
	    MP_REPLY_LATE);
	c = mp_stats_close(&st, 2);
	assert_int_equal(c.state, MP_SLOT_LATE);
	assert_int_equal(st.n_lost, 2);
	assert_int_equal(st.n_recv, 1);
	/* TTL change: a path-change hint */
	mp_stats_sent(&st, 3, true);
	assert_int_equal(mp_stats_reply(&st, 3, MS, 61, false, &ch, &old),
	    MP_REPLY_OK);
	assert_true(ch);
	assert_int_equal(old, 64);
	assert_int_equal(st.n_ttl_changes, 1);
	/* out of the window (8): too old to place */
	for (uint32_t s = 4; s < 20; s++)
		mp_stats_sent(&st, s, true);
	assert_null(mp_stats_slot(&st, 5));
	assert_int_equal(mp_stats_reply(&st, 5, MS, 64, false, &ch, &old),
	    MP_REPLY_OLD);
	assert_int_equal(mp_stats_reply(&st, 25, MS, 64, false, &ch, &old),
	    MP_REPLY_OLD); /* never sent */
	/* an unsent probe is not a loss */
	mp_stats_sent(&st, 20, false);
	assert_int_equal(st.n_unsent, 1);
	mp_stats_fini(&st);
}

static void
test_rtt_summary(void **state)
{
	(void)state;
	struct mp_stats st;
	struct mp_summary s;
	bool ch;
	uint8_t old;

	assert_int_equal(mp_stats_init(&st, 200, 3), 0);
	/* 1..100 ms in shuffled order, then 2 losses */
	for (uint32_t i = 0; i < 100; i++) {
		mp_stats_sent(&st, i, true);
		int64_t v = (int64_t)((i * 37) % 100 + 1);
		mp_stats_reply(&st, i, v * MS, 64, false, &ch, &old);
		mp_stats_close(&st, i);
	}
	for (uint32_t i = 100; i < 102; i++) {
		mp_stats_sent(&st, i, true);
		mp_stats_close(&st, i);
	}
	mp_stats_summary(&st, &s);
	assert_int_equal(s.sent, 102);
	assert_int_equal(s.recv, 100);
	assert_int_equal(s.lost, 2);
	assert_true(fabs(s.loss_pct - 200.0 / 102) < 1e-9);
	assert_true(fabs(s.min_ms - 1) < 1e-9);
	assert_true(fabs(s.max_ms - 100) < 1e-9);
	assert_true(fabs(s.avg_ms - 50.5) < 1e-9);
	assert_true(fabs(s.mdev_ms - sqrt(833.25)) < 1e-6);
	assert_true(fabs(s.p50_ms - 50) < 1e-9);
	assert_true(fabs(s.p95_ms - 95) < 1e-9);
	assert_true(fabs(s.p99_ms - 99) < 1e-9);
	assert_int_equal(s.run_cur, 2);
	assert_true(s.jitter_ms > 0);
	mp_stats_fini(&st);

	/* no reply at all: NAN, never a made-up number */
	assert_int_equal(mp_stats_init(&st, 8, 3), 0);
	mp_stats_summary(&st, &s);
	assert_true(isnan(s.avg_ms) && isnan(s.p50_ms));
	assert_int_equal(s.sent, 0);
	mp_stats_fini(&st);
	double one[] = {4.0};
	assert_true(mp_percentile(one, 1, 99) == 4.0);
	assert_true(isnan(mp_percentile(one, 0, 50)));
}

static void
test_window_is_bounded(void **state)
{
	(void)state;
	struct mp_stats st;
	struct mp_summary s;

	/* the ring keeps the last 16; old losses leave the window */
	assert_int_equal(mp_stats_init(&st, 16, 3), 0);
	feed(&st, "xxxx................", NULL, NULL);
	mp_stats_summary(&st, &s);
	assert_true(s.win_loss_pct == 0.0);
	assert_int_equal(s.lost, 4); /* the totals remember */
	assert_string_equal(mp_stats_class(&st, 1.0), "ok");
	mp_stats_fini(&st);
	mp_stats_fini(&st); /* twice is safe */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_and_classes),
	    cmocka_unit_test(test_dup_late_old),
	    cmocka_unit_test(test_rtt_summary),
	    cmocka_unit_test(test_window_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
