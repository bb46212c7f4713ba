/*
 * loop: poll() over a dense pollfd array, a binary min-heap of timers and one
 * signalfd for every signal the tools care about.
 *
 * fds: pfd[i] and ent[i] are parallel; pos[fd] is the index of fd in them
 * (-1 = not watched), sized up to RLIMIT_NOFILE. Removal outside a dispatch
 * moves the last entry into the hole (O(1)); during a dispatch it only marks
 * the entry dead, because the dispatcher walks the array by index, and the
 * array is compacted when the dispatch ends.
 *
 * timers: each timer lives in a slot; its id is (generation << 32 | slot+1),
 * so a stale id (fired or cancelled, slot reused) never matches. The heap
 * holds (deadline, seq, slot) ordered by deadline then seq, the sequence
 * number of the add, which makes equal deadlines fire FIFO. A slot knows its
 * heap index, so cancel removes the entry at once (no lazy tombstones that
 * pile up when a tool cancels and re-arms 10k timeouts a second).
 */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"

#define NK_LOOP_NSIG 65 /* signals 1..64 (glibc _NSIG) */

struct fd_ent {
	nk_loop_fd_cb cb;
	void *ctx;
	bool dead;
};

struct timer_slot {
	nk_loop_timer_cb cb;
	void *ctx;
	uint32_t gen;
	bool active;
	size_t heap_idx; /* valid while active */
	uint32_t next_free;
};

struct heap_ent {
	int64_t deadline_ns;
	uint64_t seq;
	uint32_t slot;
};

struct sig_ent {
	nk_loop_signal_cb cb;
	void *ctx;
};

struct nk_loop {
	int64_t now_ns;
	bool stop;

	/* fds */
	struct pollfd *pfd;
	struct fd_ent *ent;
	size_t n_fds, cap_fds;
	int *pos;
	size_t cap_pos;
	int dispatching; /* >0 while walking pfd[] */
	bool has_dead;

	/* timers */
	struct heap_ent *heap;
	size_t n_heap, cap_heap;
	struct timer_slot *slots;
	uint32_t n_slots, cap_slots;
	uint32_t free_slot; /* head of the free list, UINT32_MAX = none */
	uint64_t next_seq;

	/* signals */
	int sig_fd;
	sigset_t sig_mask;  /* what we blocked for the signalfd */
	sigset_t orig_mask; /* the mask before the first add_signal */
	bool have_orig;
	struct sig_ent sigs[NK_LOOP_NSIG];
};

#define NO_SLOT UINT32_MAX

struct nk_loop *
nk_loop_new(void)
{
	struct nk_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->sig_fd = -1;
	loop->free_slot = NO_SLOT;
	loop->next_seq = 1;
	(void)sigemptyset(&loop->sig_mask);
	loop->now_ns = nk_clock_mono_ns();
	return loop;
}

void
nk_loop_free(struct nk_loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->sig_fd != -1) {
		(void)close(loop->sig_fd);
		/*
		 * Give back the signals we blocked, except those that were
		 * already blocked before us. A signal still pending is then
		 * delivered with its normal disposition, as if no loop had
		 * existed.
		 */
		if (loop->have_orig) {
			sigset_t unblock;
			(void)sigemptyset(&unblock);
			for (int s = 1; s < NK_LOOP_NSIG; s++)
				if (sigismember(&loop->sig_mask, s) == 1 &&
				    sigismember(&loop->orig_mask, s) != 1)
					(void)sigaddset(&unblock, s);
			(void)sigprocmask(SIG_UNBLOCK, &unblock, NULL);
		}
	}
	free(loop->pfd);
	free(loop->ent);
	free(loop->pos);
	free(loop->heap);
	free(loop->slots);
	free(loop);
}

/* ---- fds ---- */

/* The highest fd + 1 we accept: fds above RLIMIT_NOFILE cannot exist. */
static size_t
fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX)
		return (size_t)INT_MAX;
	return (size_t)rl.rlim_cur;
}

static int
grow_pos(struct nk_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1;
	size_t limit = fd_limit();

	if (need <= loop->cap_pos)
		return 0;
	if (need > limit) {
		errno = EBADF;
		return -1;
	}
	size_t cap = loop->cap_pos ? loop->cap_pos : 64;
	while (cap < need)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	int *p = realloc(loop->pos, cap * sizeof(*p));
	if (p == NULL)
		return -1;
	for (size_t i = loop->cap_pos; i < cap; i++)
		p[i] = -1;
	loop->pos = p;
	loop->cap_pos = cap;
	return 0;
}

static int
grow_fds(struct nk_loop *loop)
{
	if (loop->n_fds < loop->cap_fds)
		return 0;
	size_t cap = loop->cap_fds ? loop->cap_fds * 2 : 16;
	struct pollfd *p = realloc(loop->pfd, cap * sizeof(*p));
	if (p == NULL)
		return -1;
	loop->pfd = p;
	struct fd_ent *e = realloc(loop->ent, cap * sizeof(*e));
	if (e == NULL)
		return -1;
	loop->ent = e;
	loop->cap_fds = cap;
	return 0;
}

int
nk_loop_add_fd(
    struct nk_loop *loop, int fd, short events, nk_loop_fd_cb cb, void *ctx)
{
	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (grow_pos(loop, fd) != 0)
		return -1;
	if (loop->pos[fd] != -1) {
		errno = EEXIST;
		return -1;
	}
	if (grow_fds(loop) != 0)
		return -1;
	size_t i = loop->n_fds++;
	loop->pfd[i] = (struct pollfd){.fd = fd, .events = events};
	loop->ent[i] = (struct fd_ent){.cb = cb, .ctx = ctx};
	loop->pos[fd] = (int)i;
	return 0;
}

int
nk_loop_mod_fd(struct nk_loop *loop, int fd, short events)
{
	if (fd < 0 || (size_t)fd >= loop->cap_pos || loop->pos[fd] == -1) {
		errno = ENOENT;
		return -1;
	}
	loop->pfd[loop->pos[fd]].events = events;
	return 0;
}

/* Move entry `from` to index `to` (to < from or the hole). */
static void
move_fd(struct nk_loop *loop, size_t from, size_t to)
{
	loop->pfd[to] = loop->pfd[from];
	loop->ent[to] = loop->ent[from];
	loop->pos[loop->pfd[to].fd] = (int)to;
}

void
nk_loop_del_fd(struct nk_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->cap_pos || loop->pos[fd] == -1)
		return;
	size_t i = (size_t)loop->pos[fd];
	loop->pos[fd] = -1;
	if (loop->dispatching > 0) {
		/* The dispatcher holds indexes into pfd[]: keep them valid. */
		loop->ent[i].dead = true;
		loop->ent[i].cb = NULL;
		loop->pfd[i].fd = -1; /* poll ignores negative fds */
		loop->has_dead = true;
		return;
	}
	size_t last = --loop->n_fds;
	if (i != last)
		move_fd(loop, last, i);
}

static void
compact_fds(struct nk_loop *loop)
{
	size_t w = 0;

	for (size_t r = 0; r < loop->n_fds; r++) {
		if (loop->ent[r].dead)
			continue;
		if (w != r)
			move_fd(loop, r, w);
		w++;
	}
	loop->n_fds = w;
	loop->has_dead = false;
}

/* ---- timers ---- */

static bool
heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
	if (a->deadline_ns != b->deadline_ns)
		return a->deadline_ns < b->deadline_ns;
	return a->seq < b->seq;
}

static void
heap_set(struct nk_loop *loop, size_t i, struct heap_ent e)
{
	loop->heap[i] = e;
	loop->slots[e.slot].heap_idx = i;
}

static void
heap_up(struct nk_loop *loop, size_t i)
{
	struct heap_ent e = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!heap_less(&e, &loop->heap[parent]))
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, e);
}

static void
heap_down(struct nk_loop *loop, size_t i)
{
	struct heap_ent e = loop->heap[i];
	size_t n = loop->n_heap;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && heap_less(&loop->heap[c + 1], &loop->heap[c]))
			c++;
		if (!heap_less(&loop->heap[c], &e))
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, e);
}

/* Take heap entry i out and return its slot to the free list. */
static void
heap_remove(struct nk_loop *loop, size_t i)
{
	uint32_t slot = loop->heap[i].slot;
	size_t last = --loop->n_heap;

	if (i != last) {
		heap_set(loop, i, loop->heap[last]);
		if (i > 0 &&
		    heap_less(&loop->heap[i], &loop->heap[(i - 1) / 2]))
			heap_up(loop, i);
		else
			heap_down(loop, i);
	}
	struct timer_slot *s = &loop->slots[slot];
	s->active = false;
	s->cb = NULL;
	s->ctx = NULL;
	s->gen++;
	s->next_free = loop->free_slot;
	loop->free_slot = slot;
}

static int
alloc_slot(struct nk_loop *loop, uint32_t *out)
{
	if (loop->free_slot != NO_SLOT) {
		*out = loop->free_slot;
		loop->free_slot = loop->slots[*out].next_free;
		return 0;
	}
	if (loop->n_slots == loop->cap_slots) {
		if (loop->cap_slots >= UINT32_MAX / 2)
			return -1;
		uint32_t cap = loop->cap_slots ? loop->cap_slots * 2 : 64;
		struct timer_slot *s = realloc(loop->slots, cap * sizeof(*s));
		if (s == NULL)
			return -1;
		loop->slots = s;
		loop->cap_slots = cap;
	}
	*out = loop->n_slots++;
	loop->slots[*out] = (struct timer_slot){.gen = 1};
	return 0;
}

uint64_t
nk_loop_timer_add(
    struct nk_loop *loop, int64_t deadline_ns, nk_loop_timer_cb cb, void *ctx)
{
	uint32_t slot;

	if (cb == NULL)
		return 0;
	if (loop->n_heap == loop->cap_heap) {
		size_t cap = loop->cap_heap ? loop->cap_heap * 2 : 64;
		struct heap_ent *h = realloc(loop->heap, cap * sizeof(*h));
		if (h == NULL)
			return 0;
		loop->heap = h;
		loop->cap_heap = cap;
	}
	if (alloc_slot(loop, &slot) != 0)
		return 0;
	struct timer_slot *s = &loop->slots[slot];
	s->cb = cb;
	s->ctx = ctx;
	s->active = true;
	size_t i = loop->n_heap++;
	heap_set(loop, i,
	    (struct heap_ent){.deadline_ns = deadline_ns,
		.seq = loop->next_seq++,
		.slot = slot});
	heap_up(loop, i);
	return (uint64_t)s->gen << 32 | ((uint64_t)slot + 1);
}

void
nk_loop_timer_cancel(struct nk_loop *loop, uint64_t id)
{
	uint64_t slot1 = id & UINT32_MAX;
	uint32_t gen = (uint32_t)(id >> 32);

	if (slot1 == 0 || slot1 > loop->n_slots)
		return;
	struct timer_slot *s = &loop->slots[slot1 - 1];
	if (!s->active || s->gen != gen)
		return; /* already fired or cancelled */
	heap_remove(loop, s->heap_idx);
}

size_t
nk_loop_timer_count(const struct nk_loop *loop)
{
	return loop->n_heap;
}

/* Fire every timer due at now_ns that existed when this pass began. */
static void
run_timers(struct nk_loop *loop)
{
	uint64_t seq_limit = loop->next_seq;

	while (loop->n_heap > 0) {
		const struct heap_ent *top = &loop->heap[0];
		if (top->deadline_ns > loop->now_ns)
			break;
		/*
		 * A timer added by a callback of this pass waits for the next
		 * pass (poll timeout 0), so one that re-arms at "now" cannot
		 * starve the fds.
		 */
		if (top->seq >= seq_limit)
			break;
		struct timer_slot *s = &loop->slots[top->slot];
		nk_loop_timer_cb cb = s->cb;
		void *ctx = s->ctx;
		heap_remove(loop, 0);
		cb(loop, ctx, loop->now_ns);
	}
}

/* ---- signals ---- */

static void
signal_ready(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)ctx;
	(void)now_ns;
	for (;;) {
		ssize_t n = read(fd, &si, sizeof(si));
		if (n != (ssize_t)sizeof(si))
			break; /* EAGAIN: drained */
		if (si.ssi_signo == 0 || si.ssi_signo >= NK_LOOP_NSIG)
			continue;
		struct sig_ent *e = &loop->sigs[si.ssi_signo];
		if (e->cb != NULL)
			e->cb(loop, (int)si.ssi_signo, e->ctx);
	}
}

int
nk_loop_add_signal(struct nk_loop *loop, int signo, nk_loop_signal_cb cb,
    void *ctx, struct nk_err *err)
{
	sigset_t mask = loop->sig_mask;
	sigset_t old;

	if (signo <= 0 || signo >= NK_LOOP_NSIG || cb == NULL ||
	    signo == SIGKILL || signo == SIGSTOP) {
		nk_err_set(err,
		    "loop: signal %d: cannot be delivered by signalfd", signo);
		return -1;
	}
	if (sigaddset(&mask, signo) != 0) {
		nk_err_set(err, "loop: signal %d: %s", signo, strerror(errno));
		return -1;
	}
	/* Blocked first, or it could arrive between here and signalfd(). */
	if (sigprocmask(SIG_BLOCK, &mask, &old) != 0) {
		nk_err_set(
		    err, "loop: block signal %d: %s", signo, strerror(errno));
		return -1;
	}
	if (!loop->have_orig) {
		loop->orig_mask = old;
		loop->have_orig = true;
	}
	int fd = signalfd(loop->sig_fd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1) {
		nk_err_set(err, "loop: signalfd for signal %d: %s", signo,
		    strerror(errno));
		return -1;
	}
	if (loop->sig_fd == -1) {
		if (nk_loop_add_fd(loop, fd, POLLIN, signal_ready, NULL) != 0) {
			nk_err_set(
			    err, "loop: watch signalfd: %s", strerror(errno));
			(void)close(fd);
			return -1;
		}
		loop->sig_fd = fd;
	}
	loop->sig_mask = mask;
	loop->sigs[signo] = (struct sig_ent){.cb = cb, .ctx = ctx};
	return 0;
}

/* ---- running ---- */

/* ns to a poll() timeout in ms, rounded up so we never wake early and spin. */
static int
ns_to_poll_ms(int64_t ns)
{
	if (ns <= 0)
		return 0;
	int64_t ms = ns / NK_NS_PER_MS + (ns % NK_NS_PER_MS != 0);
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int
nk_loop_run_once(struct nk_loop *loop, int64_t max_wait_ns, struct nk_err *err)
{
	int64_t wait_ns = max_wait_ns; /* <0: no limit */
	int timeout_ms;

	if (loop->has_dead && loop->dispatching == 0)
		compact_fds(loop);
	if (loop->n_heap > 0) {
		int64_t deadline = loop->heap[0].deadline_ns;
		int64_t now = nk_clock_mono_ns();
		int64_t until = deadline <= now ? 0 : deadline - now;
		if (wait_ns < 0 || until < wait_ns)
			wait_ns = until;
	}
	timeout_ms = wait_ns < 0 ? -1 : ns_to_poll_ms(wait_ns);

	nfds_t nfds = (nfds_t)loop->n_fds;
	int rc = poll(loop->pfd, nfds, timeout_ms);
	loop->now_ns = nk_clock_mono_ns();
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		nk_err_set(err, "loop: poll on %zu fds: %s", loop->n_fds,
		    strerror(errno));
		return -1;
	}

	if (rc > 0) {
		/*
		 * Walk only the entries poll() saw. Callbacks may add fds
		 * (appended past nfds, polled next pass) or delete any
		 * (marked dead, skipped here, compacted below).
		 */
		loop->dispatching++;
		for (size_t i = 0; i < (size_t)nfds && i < loop->n_fds; i++) {
			short rev = loop->pfd[i].revents;
			if (rev == 0 || loop->ent[i].dead)
				continue;
			loop->pfd[i].revents = 0;
			struct fd_ent e = loop->ent[i];
			e.cb(loop, loop->pfd[i].fd, rev, e.ctx, loop->now_ns);
		}
		loop->dispatching--;
		if (loop->has_dead && loop->dispatching == 0)
			compact_fds(loop);
	}
	run_timers(loop);
	return 0;
}

int
nk_loop_run(struct nk_loop *loop, struct nk_err *err)
{
	int rc = 0;

	while (!loop->stop && rc == 0)
		rc = nk_loop_run_once(loop, -1, err);
	loop->stop = false; /* the next nk_loop_run runs again */
	return rc;
}

void
nk_loop_stop(struct nk_loop *loop)
{
	loop->stop = true;
}

int64_t
nk_loop_now_ns(const struct nk_loop *loop)
{
	return loop->now_ns;
}
