#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

/* ---- helpers ---- */

#define MAX_LOG 64

struct log {
	int ids[MAX_LOG];
	int64_t now[MAX_LOG];
	size_t n;
};

struct tctx {
	struct log *log;
	int id;
};

static void
log_timer(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct tctx *t = ctx;

	(void)loop;
	assert_true(t->log->n < MAX_LOG);
	t->log->now[t->log->n] = now_ns;
	t->log->ids[t->log->n++] = t->id;
}

/* Run passes until `done` or a bound on passes (no hang on a broken loop). */
static void
run_until(struct nk_loop *loop, const size_t *count, size_t want)
{
	struct nk_err err = {{0}};

	for (int pass = 0; pass < 10000 && *count < want; pass++)
		assert_int_equal(
		    nk_loop_run_once(loop, 100 * NK_NS_PER_MS, &err), 0);
	assert_int_equal(*count, want);
}

/* ---- timers ---- */

static void
test_timers_fire_in_deadline_order(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct log log = {0};
	struct tctx t[4] = {{&log, 0}, {&log, 1}, {&log, 2}, {&log, 3}};
	int64_t now = nk_clock_mono_ns();

	assert_non_null(loop);
	/* Added out of order. */
	assert_true(nk_loop_timer_add(
			loop, now + 30 * NK_NS_PER_MS, log_timer, &t[3]) > 0);
	assert_true(nk_loop_timer_add(
			loop, now + 10 * NK_NS_PER_MS, log_timer, &t[1]) > 0);
	assert_true(
	    nk_loop_timer_add(loop, now - NK_NS_PER_MS, log_timer, &t[0]) > 0);
	assert_true(nk_loop_timer_add(
			loop, now + 20 * NK_NS_PER_MS, log_timer, &t[2]) > 0);
	assert_int_equal(nk_loop_timer_count(loop), 4);
	run_until(loop, &log.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(log.ids[i], i);
	/* Never early: each fired at or after its deadline. */
	assert_true(log.now[1] >= now + 10 * NK_NS_PER_MS);
	assert_true(log.now[2] >= now + 20 * NK_NS_PER_MS);
	assert_true(log.now[3] >= now + 30 * NK_NS_PER_MS);
	assert_int_equal(nk_loop_timer_count(loop), 0);
	nk_loop_free(loop);
}

static void
test_equal_deadlines_fifo(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct log log = {0};
	struct tctx t[40];
	int64_t d1 = nk_clock_mono_ns() - NK_NS_PER_MS;
	int64_t d0 = d1 - NK_NS_PER_MS;

	/*
	 * Interleave two deadlines so the heap must reorder: 20 at d1 then,
	 * in alternation, 20 at d0. FIFO within each deadline.
	 */
	for (int i = 0; i < 40; i++) {
		t[i] = (struct tctx){&log, i};
		int64_t d = (i % 2 == 0) ? d1 : d0;
		assert_true(nk_loop_timer_add(loop, d, log_timer, &t[i]) > 0);
	}
	struct nk_err err = {{0}};
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(log.n, 40);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(log.ids[i], 2 * i + 1);  /* d0 first */
		assert_int_equal(log.ids[20 + i], 2 * i); /* then d1 */
	}
	nk_loop_free(loop);
}

static void
test_cancel(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct log log = {0};
	struct tctx t[3] = {{&log, 0}, {&log, 1}, {&log, 2}};
	int64_t d = nk_clock_mono_ns() - 1;
	struct nk_err err = {{0}};

	uint64_t a = nk_loop_timer_add(loop, d, log_timer, &t[0]);
	uint64_t b = nk_loop_timer_add(loop, d, log_timer, &t[1]);
	uint64_t c = nk_loop_timer_add(loop, d, log_timer, &t[2]);
	assert_true(a > 0 && b > 0 && c > 0);
	assert_true(a != b && b != c && a != c);
	nk_loop_timer_cancel(loop, b);
	assert_int_equal(nk_loop_timer_count(loop), 2);
	nk_loop_timer_cancel(loop, b); /* twice: no-op */
	nk_loop_timer_cancel(loop, 0); /* never a valid id */
	nk_loop_timer_cancel(loop, UINT64_MAX);
	assert_int_equal(nk_loop_timer_count(loop), 2);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ids[0], 0);
	assert_int_equal(log.ids[1], 2);

	/*
	 * A stale id must not cancel the timer that reuses its slot: a
	 * fired or cancelled id is dead forever.
	 */
	uint64_t e = nk_loop_timer_add(loop, d, log_timer, &t[1]);
	assert_true(e != a && e != b && e != c);
	nk_loop_timer_cancel(loop, a);
	nk_loop_timer_cancel(loop, b);
	nk_loop_timer_cancel(loop, c);
	assert_int_equal(nk_loop_timer_count(loop), 1);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.ids[2], 1);

	/* Cancel and re-arm many times: nothing accumulates. */
	for (int i = 0; i < 100000; i++) {
		uint64_t id = nk_loop_timer_add(loop, d + i, log_timer, &t[0]);
		assert_true(id > 0);
		nk_loop_timer_cancel(loop, id);
	}
	assert_int_equal(nk_loop_timer_count(loop), 0);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(log.n, 3);
	nk_loop_free(loop);
}

/* 20,000 timers with shuffled deadlines, some cancelled: each live one
 * fires exactly once, in (deadline, add order) order. */
#define N_MANY 20000

struct many {
	int64_t deadline[N_MANY];
	uint64_t id[N_MANY];
	int fired[N_MANY];
	size_t order[N_MANY];
	size_t n_fired;
};

static struct many *g_many;

static void
many_cb(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct many *m = g_many;
	size_t i = (size_t)(uintptr_t)ctx;

	(void)loop;
	assert_true(now_ns >= m->deadline[i]);
	m->fired[i]++;
	m->order[m->n_fired++] = i;
}

static void
test_many_timers_fire_once(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct many *m = calloc(1, sizeof(*m));
	int64_t base = nk_clock_mono_ns();
	unsigned seed = 12345;
	size_t n_live = 0;

	assert_non_null(m);
	g_many = m;
	for (size_t i = 0; i < N_MANY; i++) {
		seed = seed * 1103515245u + 12345u;
		/* 0..40 ms, in 1 ms buckets so many deadlines are equal. */
		m->deadline[i] =
		    base + (int64_t)((seed >> 16) % 41) * NK_NS_PER_MS;
		m->id[i] = nk_loop_timer_add(
		    loop, m->deadline[i], many_cb, (void *)(uintptr_t)i);
		assert_true(m->id[i] > 0);
	}
	for (size_t i = 0; i < N_MANY; i += 7)
		nk_loop_timer_cancel(loop, m->id[i]);
	for (size_t i = 0; i < N_MANY; i++)
		if (i % 7 != 0)
			n_live++;
	assert_int_equal(nk_loop_timer_count(loop), n_live);
	run_until(loop, &m->n_fired, n_live);
	for (size_t i = 0; i < N_MANY; i++)
		assert_int_equal(m->fired[i], i % 7 == 0 ? 0 : 1);
	for (size_t k = 1; k < m->n_fired; k++) {
		size_t a = m->order[k - 1], b = m->order[k];
		assert_true(m->deadline[a] < m->deadline[b] ||
		    (m->deadline[a] == m->deadline[b] && a < b));
	}
	assert_int_equal(nk_loop_timer_count(loop), 0);
	g_many = NULL;
	free(m);
	nk_loop_free(loop);
}

static void
test_run_once_waits(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	struct log log = {0};
	struct tctx t = {&log, 7};

	/* Nothing to do: the full max wait passes (lower bound only). */
	int64_t t0 = nk_clock_mono_ns();
	assert_int_equal(nk_loop_run_once(loop, 30 * NK_NS_PER_MS, &err), 0);
	int64_t t1 = nk_clock_mono_ns();
	assert_true(t1 - t0 >= 30 * NK_NS_PER_MS);
	assert_true(nk_loop_now_ns(loop) >= t0 + 30 * NK_NS_PER_MS);

	/* A sub-ms wait is rounded up, not down to a 0 ms busy poll. */
	t0 = nk_clock_mono_ns();
	assert_int_equal(nk_loop_run_once(loop, 300 * NK_NS_PER_US, &err), 0);
	assert_true(nk_clock_mono_ns() - t0 >= 300 * NK_NS_PER_US);

	/* With -1 the timer's deadline bounds the wait, and it fires. */
	t0 = nk_clock_mono_ns();
	int64_t deadline = t0 + 20 * NK_NS_PER_MS + 300 * NK_NS_PER_US;
	assert_true(nk_loop_timer_add(loop, deadline, log_timer, &t) > 0);
	for (int i = 0; i < 100 && log.n == 0; i++)
		assert_int_equal(nk_loop_run_once(loop, -1, &err), 0);
	assert_int_equal(log.n, 1);
	assert_true(log.now[0] >= deadline);
	assert_true(nk_clock_mono_ns() >= deadline);
	nk_loop_free(loop);
}

/* ---- fds ---- */

struct fdctx {
	int calls;
	int fd;
	short revents;
	int64_t now;
	struct fdctx *peer; /* mutation test */
	int del_fd;
	int add_fd;
};

static void
fd_cb(struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct fdctx *c = ctx;

	(void)loop;
	if (revents & POLLIN) {
		char b;
		assert_int_equal(read(fd, &b, 1), 1); /* level-triggered */
	}
	c->calls++;
	c->fd = fd;
	c->revents = revents;
	c->now = now_ns;
}

static void
test_fd_readiness(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	struct fdctx rc = {0}, wc = {0};
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(nk_loop_add_fd(loop, p[0], POLLIN, fd_cb, &rc), 0);
	/* One entry per fd. */
	assert_int_equal(nk_loop_add_fd(loop, p[0], POLLIN, fd_cb, &rc), -1);
	assert_int_equal(errno, EEXIST);

	/* Not readable yet: no callback. */
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(rc.calls, 0);

	assert_int_equal(write(p[1], "x", 1), 1);
	int64_t before = nk_clock_mono_ns();
	assert_int_equal(nk_loop_run_once(loop, 1000 * NK_NS_PER_MS, &err), 0);
	assert_int_equal(rc.calls, 1);
	assert_int_equal(rc.fd, p[0]);
	assert_true(rc.revents & POLLIN);
	assert_true(rc.now >= before);
	assert_true(rc.now == nk_loop_now_ns(loop));

	/* Write end: POLLOUT after mod. */
	assert_int_equal(nk_loop_add_fd(loop, p[1], 0, fd_cb, &wc), 0);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(wc.calls, 0);
	assert_int_equal(nk_loop_mod_fd(loop, p[1], POLLOUT), 0);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(wc.calls, 1);
	assert_true(wc.revents & POLLOUT);
	assert_int_equal(nk_loop_mod_fd(loop, 9999, POLLOUT), -1);

	/* Deleted: readable, but no callback. */
	assert_int_equal(write(p[1], "x", 1), 1);
	nk_loop_del_fd(loop, p[0]);
	nk_loop_del_fd(loop, p[0]); /* twice: harmless */
	nk_loop_del_fd(loop, p[1]);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(rc.calls, 1);
	assert_int_equal(wc.calls, 1);

	/* Re-adding after delete works. */
	assert_int_equal(nk_loop_add_fd(loop, p[0], POLLIN, fd_cb, &rc), 0);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(rc.calls, 2);

	/* fds beyond RLIMIT_NOFILE cannot exist: refused. */
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < (rlim_t)1 << 30) {
		assert_int_equal(
		    nk_loop_add_fd(loop, (int)rl.rlim_cur, POLLIN, fd_cb, &rc),
		    -1);
	}
	assert_int_equal(nk_loop_add_fd(loop, -1, POLLIN, fd_cb, &rc), -1);

	nk_loop_free(loop);
	(void)close(p[0]);
	(void)close(p[1]);
}

/* A few thousand fds: every ready one is dispatched exactly once. */
static void
test_many_fds(void **state)
{
	(void)state;
	struct rlimit rl;
	size_t n_pipes = 2000;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * n_pipes + 64 && rl.rlim_max >= 2 * n_pipes + 64) {
		rl.rlim_cur = 2 * n_pipes + 64;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_cur < 2 * n_pipes + 64)
		n_pipes = (rl.rlim_cur - 64) / 2;

	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	int(*p)[2] = calloc(n_pipes, sizeof(*p));
	struct fdctx *c = calloc(n_pipes, sizeof(*c));
	assert_non_null(p);
	assert_non_null(c);
	for (size_t i = 0; i < n_pipes; i++) {
		assert_int_equal(pipe(p[i]), 0);
		assert_int_equal(
		    nk_loop_add_fd(loop, p[i][0], POLLIN, fd_cb, &c[i]), 0);
	}
	/* Every third pipe readable. */
	for (size_t i = 0; i < n_pipes; i += 3)
		assert_int_equal(write(p[i][1], "y", 1), 1);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	for (size_t i = 0; i < n_pipes; i++) {
		assert_int_equal(c[i].calls, i % 3 == 0 ? 1 : 0);
		if (i % 3 == 0)
			assert_int_equal(c[i].fd, p[i][0]);
	}
	/* Delete half (outside a pass: swap-removal), others still map. */
	for (size_t i = 0; i < n_pipes; i += 2)
		nk_loop_del_fd(loop, p[i][0]);
	for (size_t i = 0; i < n_pipes; i += 3)
		assert_int_equal(write(p[i][1], "y", 1), 1);
	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	for (size_t i = 0; i < n_pipes; i++) {
		int want = i % 3 == 0 ? (i % 2 == 0 ? 1 : 2) : 0;
		assert_int_equal(c[i].calls, want);
		if (c[i].calls > 0)
			assert_int_equal(c[i].fd, p[i][0]);
	}
	nk_loop_free(loop);
	for (size_t i = 0; i < n_pipes; i++) {
		(void)close(p[i][0]);
		(void)close(p[i][1]);
	}
	free(p);
	free(c);
}

/* ---- callbacks that change the loop ---- */

struct mut {
	int p[3][2];
	int calls[3];
	struct log log;
	struct tctx t[4];
	uint64_t cancel_me;
	int rearm_left;
	int64_t rearm_deadline;
	int rearm_fired;
};

static struct mut *g_mut;

/* fd 0's callback deletes fd 1 (also ready) and adds fd 2. */
static void
mut_fd_cb(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct mut *m = g_mut;
	int which = (int)(intptr_t)ctx;

	(void)revents;
	(void)now_ns;
	char b;
	assert_int_equal(read(fd, &b, 1), 1);
	m->calls[which]++;
	if (which == 0) {
		nk_loop_del_fd(loop, m->p[1][0]);
		assert_int_equal(nk_loop_add_fd(loop, m->p[2][0], POLLIN,
				     mut_fd_cb, (void *)(intptr_t)2),
		    0);
		/* And itself. */
		nk_loop_del_fd(loop, fd);
	}
}

/* Cancels a timer due in the same pass and adds one already due. */
static void
mut_timer_cb(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mut *m = g_mut;

	log_timer(loop, ctx, now_ns);
	nk_loop_timer_cancel(loop, m->cancel_me);
	assert_true(
	    nk_loop_timer_add(loop, now_ns - 5, log_timer, &m->t[3]) > 0);
}

/* Periodic: deadline += interval, re-armed from its own callback. */
static void
rearm_cb(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mut *m = ctx;

	assert_true(now_ns >= m->rearm_deadline);
	m->rearm_fired++;
	if (--m->rearm_left > 0) {
		m->rearm_deadline += 2 * NK_NS_PER_MS;
		assert_true(nk_loop_timer_add(
				loop, m->rearm_deadline, rearm_cb, m) > 0);
	}
}

static void
test_callbacks_mutate_loop(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	struct mut m = {0};

	g_mut = &m;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pipe(m.p[i]), 0);
		assert_int_equal(write(m.p[i][1], "z", 1), 1);
	}
	assert_int_equal(nk_loop_add_fd(loop, m.p[0][0], POLLIN, mut_fd_cb,
			     (void *)(intptr_t)0),
	    0);
	assert_int_equal(nk_loop_add_fd(loop, m.p[1][0], POLLIN, mut_fd_cb,
			     (void *)(intptr_t)1),
	    0);

	int64_t d = nk_clock_mono_ns() - NK_NS_PER_MS;
	for (int i = 0; i < 4; i++)
		m.t[i] = (struct tctx){&m.log, i};
	assert_true(nk_loop_timer_add(loop, d, mut_timer_cb, &m.t[0]) > 0);
	m.cancel_me = nk_loop_timer_add(loop, d, log_timer, &m.t[1]);
	assert_true(m.cancel_me > 0);
	assert_true(nk_loop_timer_add(loop, d, log_timer, &m.t[2]) > 0);

	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	/* fd 0 ran; fd 1 was ready but deleted first; fd 2 is new: not in
	 * this pass's poll set. */
	assert_int_equal(m.calls[0], 1);
	assert_int_equal(m.calls[1], 0);
	assert_int_equal(m.calls[2], 0);
	/* Timer 1 was cancelled by timer 0 though due; timer 3 (added due)
	 * waits for the next pass. */
	assert_int_equal(m.log.n, 2);
	assert_int_equal(m.log.ids[0], 0);
	assert_int_equal(m.log.ids[1], 2);

	assert_int_equal(nk_loop_run_once(loop, 0, &err), 0);
	assert_int_equal(m.calls[0], 1); /* deleted itself */
	assert_int_equal(m.calls[1], 0);
	assert_int_equal(m.calls[2], 1); /* added one now polled */
	assert_int_equal(m.log.n, 3);
	assert_int_equal(m.log.ids[2], 3);

	/* A periodic timer re-arming itself. */
	m.rearm_left = 5;
	m.rearm_deadline = nk_clock_mono_ns();
	assert_true(
	    nk_loop_timer_add(loop, m.rearm_deadline, rearm_cb, &m) > 0);
	for (int i = 0; i < 1000 && m.rearm_left > 0; i++)
		assert_int_equal(
		    nk_loop_run_once(loop, 50 * NK_NS_PER_MS, &err), 0);
	assert_int_equal(m.rearm_fired, 5);
	assert_int_equal(nk_loop_timer_count(loop), 0);

	nk_loop_free(loop);
	for (int i = 0; i < 3; i++) {
		(void)close(m.p[i][0]);
		(void)close(m.p[i][1]);
	}
	g_mut = NULL;
}

/* ---- signals and stop ---- */

struct sigctx {
	int count;
	int signo;
};

static void
sig_cb(struct nk_loop *loop, int signo, void *ctx)
{
	struct sigctx *s = ctx;

	s->count++;
	s->signo = signo;
	nk_loop_stop(loop);
}

static void
test_signal_through_loop(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	struct sigctx s1 = {0}, s2 = {0};
	sigset_t cur;

	assert_int_equal(
	    nk_loop_add_signal(loop, SIGUSR1, sig_cb, &s1, &err), 0);
	assert_int_equal(
	    nk_loop_add_signal(loop, SIGUSR2, sig_cb, &s2, &err), 0);
	/* Blocked, so raise() cannot kill us: it goes to the signalfd. */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_int_equal(sigismember(&cur, SIGUSR1), 1);

	assert_int_equal(raise(SIGUSR1), 0);
	/* nk_loop_run returns once the callback calls stop. */
	assert_int_equal(nk_loop_run(loop, &err), 0);
	assert_int_equal(s1.count, 1);
	assert_int_equal(s1.signo, SIGUSR1);
	assert_int_equal(s2.count, 0);

	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(nk_loop_run(loop, &err), 0);
	assert_int_equal(s2.count, 1);
	assert_int_equal(s2.signo, SIGUSR2);
	assert_int_equal(s1.count, 1);

	assert_int_equal(
	    nk_loop_add_signal(loop, SIGKILL, sig_cb, &s1, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "signal 9"));

	nk_loop_free(loop);
	/* Free gives the signal back. */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_int_equal(sigismember(&cur, SIGUSR1), 0);
}

static void
stop_timer(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	int *n = ctx;

	(void)now_ns;
	if (++*n == 3)
		nk_loop_stop(loop);
	else
		assert_true(nk_loop_timer_add(loop, now_ns + NK_NS_PER_MS,
				stop_timer, ctx) > 0);
}

static void
test_run_stop(void **state)
{
	(void)state;
	struct nk_loop *loop = nk_loop_new();
	struct nk_err err = {{0}};
	int n = 0;

	assert_true(
	    nk_loop_timer_add(loop, nk_clock_mono_ns(), stop_timer, &n) > 0);
	assert_int_equal(nk_loop_run(loop, &err), 0);
	assert_int_equal(n, 3);
	/* Stop before run: returns without waiting forever. */
	nk_loop_stop(loop);
	assert_int_equal(nk_loop_run(loop, &err), 0);
	nk_loop_free(loop);
	nk_loop_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_fire_in_deadline_order),
	    cmocka_unit_test(test_equal_deadlines_fifo),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_many_timers_fire_once),
	    cmocka_unit_test(test_run_once_waits),
	    cmocka_unit_test(test_fd_readiness),
	    cmocka_unit_test(test_many_fds),
	    cmocka_unit_test(test_callbacks_mutate_loop),
	    cmocka_unit_test(test_signal_through_loop),
	    cmocka_unit_test(test_run_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
