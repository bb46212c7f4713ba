/*
 * loop: one thread, one poll() loop per process: file descriptors, a timer
 * heap (poll's timeout is the next deadline) and signals through signalfd.
 * Time is CLOCK_MONOTONIC, read once per pass and handed to callbacks.
 * Periodic work re-arms itself with deadline += interval (no drift).
 */
#ifndef NK_LOOP_H
#define NK_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct nk_loop;

typedef void (*nk_loop_fd_cb)(struct nk_loop *loop, int fd, short revents,
    void *ctx, int64_t now_ns);
typedef void (*nk_loop_timer_cb)(struct nk_loop *loop, void *ctx,
    int64_t now_ns);
typedef void (*nk_loop_signal_cb)(struct nk_loop *loop, int signo,
    void *ctx);

struct nk_loop *nk_loop_new(void);
/* Closes the signalfd and unblocks the signals add_signal blocked (unless
 * they were blocked before); the caller's fds are not closed. NULL is ok. */
void nk_loop_free(struct nk_loop *loop);

/*
 * Watch fd for events (POLLIN/POLLOUT). One entry per fd. 0, or -1 with
 * errno (EEXIST: already watched, EBADF: fd >= RLIMIT_NOFILE, ENOMEM).
 * Callbacks may add and delete fds and timers, including their own; an fd
 * deleted during a pass gets no further callback in that pass. Delete an
 * fd before closing it.
 */
int nk_loop_add_fd(struct nk_loop *loop, int fd, short events,
    nk_loop_fd_cb cb, void *ctx);
int nk_loop_mod_fd(struct nk_loop *loop, int fd, short events);
void nk_loop_del_fd(struct nk_loop *loop, int fd);

/*
 * Call cb once at deadline_ns (monotonic). Returns a timer id (> 0) for
 * nk_loop_timer_cancel, or 0 on allocation failure. Timers with equal
 * deadlines fire in the order they were added.
 */
uint64_t nk_loop_timer_add(struct nk_loop *loop, int64_t deadline_ns,
    nk_loop_timer_cb cb, void *ctx);
/* A no-op for ids that already fired or were cancelled (even from inside
 * the timer's own callback); the slot is freed at once. */
void nk_loop_timer_cancel(struct nk_loop *loop, uint64_t id);
/* Timers still pending (fired and cancelled ones are gone). */
size_t nk_loop_timer_count(const struct nk_loop *loop);

/*
 * Deliver signo through the loop (blocked, read from a signalfd), e.g.
 * SIGINT/SIGTERM to stop, SIGHUP to reload, SIGWINCH to redraw.
 */
int nk_loop_add_signal(struct nk_loop *loop, int signo, nk_loop_signal_cb cb,
    void *ctx, struct nk_err *err);

/* Run until nk_loop_stop() (checked between passes; a stop before the
 * call makes it return at once). 0, or -1 with err when poll() fails. */
int nk_loop_run(struct nk_loop *loop, struct nk_err *err);
/*
 * One pass: wait at most max_wait_ns (-1 = until the next event; the wait
 * is rounded up to whole ms, never down), dispatch ready fds, then fire
 * the timers due. Timers added by this pass's callbacks wait for the next
 * pass even when already due. EINTR counts as an empty pass.
 */
int nk_loop_run_once(struct nk_loop *loop, int64_t max_wait_ns,
    struct nk_err *err);
void nk_loop_stop(struct nk_loop *loop);
/* The monotonic time of the current pass. */
int64_t nk_loop_now_ns(const struct nk_loop *loop);

#endif
