/*
 * probe: the engine. One or two ICMP sockets (v4, v6) serve every target;
 * one nk_loop drives sends, receives and round closes.
 *
 * Schedule: targets with the same interval I and timeout T form a class
 * (one class unless per-target settings differ). Round r of the i-th
 * target of a class of n is sent at start + off + r*I + i*I/n, so sends
 * are spread evenly over the interval (10,000 targets at 1 s: one send
 * every 100 us, never a burst); `off` (< I/n) staggers the classes. Round
 * r of a class closes at start + (r+1)*I + T: every probe of round r
 * without an answer is then lost. A reply slower than T is "late":
 * counted lost, its RTT kept.
 *
 * Correlation needs one time axis for all targets: buckets of B = the
 * global -i interval. Bucket b holds the probes *sent* in [b*B, (b+1)*B)
 * after start; a target lost bucket b when any of its probes sent in it
 * was lost; a target probed less often than every B has no sample in most
 * buckets, so its last probe holds until its next one (a lost probe marks
 * the buckets up to the next answer: one outage stays one run of lost
 * buckets, not several). Bucket b closes once every class has closed the
 * rounds that began before (b+1)*B. With one interval (I = B) bucket b is
 * exactly round b and seq b of every target.
 *
 * Time: RTT = kernel receive stamp (SO_TIMESTAMPNS, CLOCK_REALTIME) minus
 * the CLOCK_REALTIME send stamp read just before sendto() and carried in
 * the tagged payload (same clock on both sides). Scheduling uses
 * CLOCK_MONOTONIC.
 */
#ifndef MP_PROBE_H
#define MP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "correlate.h"
#include "err.h"
#include "loop.h"
#include "siphash.h"
#include "targets.h"

enum mp_sock_mode { MP_SOCK_AUTO = 0, MP_SOCK_DGRAM, MP_SOCK_RAW };

struct mp_opts {
	int64_t interval_ns;  /* -i, default 1 s */
	int64_t timeout_ns;   /* -t, default 1 s */
	size_t payload_bytes; /* -s, default 56 (>= NK_ICMP_PROBE_LEN) */
	int ttl;              /* --ttl, 0 = kernel default */
	int dscp;             /* --dscp, -1 = unset */
	uint64_t count;       /* -n, 0 = until stopped */
	uint32_t window;      /* --window probes kept per target */
	unsigned seq_k;       /* --sequential K */
	double occ_pct;       /* --occasional PCT */
	unsigned corr_min;    /* --corr-min shared loss moments */
	double corr_sim;      /* --corr-sim */
	int64_t summary_ns;   /* --summary period, 0 = only at the end */
	enum mp_sock_mode mode;
};

struct mp_report;
struct mp_engine;

/* Targets that share an interval and a timeout: one send cursor. */
struct mp_class {
	struct mp_engine *e;
	int64_t interval_ns, timeout_ns;
	int64_t off_ns;       /* phase of its first target */
	int64_t tick_ns;      /* sends due within a tick go out together */
	uint32_t *idx;        /* its targets (owned) */
	size_t n;
	uint32_t send_round;  /* next send: round and position */
	size_t send_cursor;
	uint32_t close_round; /* next round to close */
	bool sending_done, closed_done;
};

struct mp_fam {
	int fd;        /* -1: not open */
	bool raw;      /* raw socket (IP header on v4, our own id) */
	uint16_t id;   /* raw: ours; datagram: the kernel's local port */
	int open_errno;
};

struct mp_engine {
	struct mp_opts o;
	struct mp_targets *ts;
	const struct mp_topo *topo;
	struct mp_corr *corr;
	struct mp_report *rep;
	struct nk_loop *loop;
	struct mp_fam f4, f6;
	uint8_t key[NK_SIPHASH_KEY_LEN];
	int64_t start_mono_ns, start_real_ns;
	struct mp_class *cls; /* owned */
	size_t n_cls;
	int64_t bucket_ns;    /* correlation bucket B (the global -i) */
	uint32_t close_round; /* next correlation bucket ("round") to close */
	uint32_t last_bucket; /* with -n: the bucket of the last send */
	uint32_t max_window;  /* the largest per-target window */
	bool mixed;           /* more than one class */
	bool paused_stop;     /* loop stopped by a signal or key */
	uint8_t *txbuf;
	size_t txlen;
	uint8_t *rxbuf;       /* MP_RX_VLEN slots of rxslot bytes */
	size_t rxslot;
	char *rxctl;          /* their control buffers */
	/* counters for what is not any target's */
	uint64_t n_foreign;   /* echo replies without our tag layout */
	uint64_t n_mangled;   /* our layout, bad tag/checksum/seq */
	uint64_t n_malformed; /* not parseable */
	uint64_t n_send_err;
	int last_send_errno;
	const char **names;   /* names[i] = ts->v[i].name, for messages */
};

/* Defaults for every option. */
void mp_opts_default(struct mp_opts *o);

/*
 * Open the ICMP sockets (call before dropping privileges): datagram
 * sockets when ping_group_range allows (or mode DGRAM), else raw. Sets
 * TTL, TOS/traffic class, receive timestamps, buffers, filters. A family
 * that cannot be opened is left with fd -1 and its errno. -1 with err
 * (one line naming the sysctl or capability) when IPv4 and IPv6 both fail.
 */
int mp_probe_open(struct mp_engine *e, const struct mp_opts *o,
    struct nk_err *err);
/* Is the family usable? else err says why. */
int mp_probe_check_family(const struct mp_engine *e, int family,
    struct nk_err *err);
/* "datagram"/"raw"/"none". */
const char *mp_probe_kind(const struct mp_fam *f);

/* After targets are known and privileges dropped: allocate, arm timers. */
int mp_engine_start(struct mp_engine *e, struct mp_targets *ts,
    const struct mp_topo *topo, struct mp_report *rep, struct nk_loop *loop,
    struct nk_err *err);
void mp_engine_fini(struct mp_engine *e);

/*
 * The seqs [*k_lo, *k_hi) of a target (interval, phase) whose sends fall
 * into correlation bucket b of bucket_ns; when none does, the one seq
 * sent last before the bucket (it holds; see the top of this file), or an
 * empty range before the first send.
 */
void mp_sched_bucket_seqs(int64_t interval_ns, int64_t phase_ns,
    int64_t bucket_ns, uint32_t b, uint32_t *k_lo, uint32_t *k_hi);

/* Handle one received message (the fd callbacks call this; tests too).
 * from: source address; rx_real_ns: receive stamp; ttl from cmsg (0). */
void mp_engine_input(struct mp_engine *e, int family, bool raw,
    const uint8_t *buf, size_t len, const struct nk_addr *from,
    int64_t rx_real_ns, uint8_t ttl);

#endif
