/*
 * stats: per-target results in a fixed ring (the window), loss runs and
 * RTT statistics. Memory is fixed at init: 8 bytes per window slot plus
 * this struct, so a run of days stays flat.
 */
#ifndef MP_STATS_H
#define MP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mp_slot_state {
	MP_SLOT_EMPTY = 0,
	MP_SLOT_PENDING, /* sent, no answer yet */
	MP_SLOT_REPLY,   /* answered before its round closed */
	MP_SLOT_LOST,    /* round closed without an answer */
	MP_SLOT_LATE,    /* answered after its round closed (still lost) */
	MP_SLOT_ERROR,   /* an ICMP error came back instead (lost) */
	MP_SLOT_UNSENT,  /* the send failed locally: not counted */
};

struct mp_slot {
	uint32_t rtt_us;
	uint8_t state;
	uint8_t ttl;
	uint16_t spare;
};

struct mp_stats {
	struct mp_slot *ring; /* owned; window slots */
	uint32_t window;
	uint32_t next_seq;   /* seq of the next probe; ring holds the last window */
	uint32_t closed_seq; /* every seq below this is decided */
	unsigned seq_k;      /* a run of >= seq_k losses is sequential */
	uint64_t n_sent, n_recv, n_lost, n_dup, n_late, n_errors, n_unsent;
	uint64_t n_unexpected_src, n_ttl_changes;
	double rtt_min_ms, rtt_max_ms, rtt_sum_ms, rtt_sumsq_ms;
	double jitter_ms;    /* RFC 3550 §6.4.1 style smoothing of |ΔRTT| */
	double last_rtt_ms;  /* < 0: none yet */
	uint8_t last_ttl;    /* 0: none yet */
	uint32_t run_cur;    /* current run of consecutive losses */
	uint32_t run_first;  /* its first seq */
	uint32_t run_longest;
	uint64_t n_runs;     /* loss runs of any length */
	uint64_t n_seq_runs; /* runs of >= seq_k */
	uint64_t n_occasional; /* runs shorter than seq_k */
};

/* What closing one probe changed (see mp_stats_close). */
struct mp_close {
	enum mp_slot_state state; /* the final state */
	bool seq_run_started;     /* the run just reached seq_k */
	bool run_ended;           /* this probe answered after a run */
	uint32_t run_len;         /* ended run: its length */
	uint32_t run_first;       /* ... and first seq */
};

enum mp_reply_kind { MP_REPLY_OK, MP_REPLY_DUP, MP_REPLY_LATE, MP_REPLY_OLD };

/* 0, or -1 when the ring cannot be allocated. window >= 4. */
int mp_stats_init(struct mp_stats *st, uint32_t window, unsigned seq_k);
void mp_stats_fini(struct mp_stats *st);

/* A probe with seq == st->next_seq left (sent = false: the send failed). */
void mp_stats_sent(struct mp_stats *st, uint32_t seq, bool sent);
/* An answer for seq with its RTT; ttl 0 = unknown. `late`: slower than
 * the timeout (kept as LATE: lost, with its RTT). */
enum mp_reply_kind mp_stats_reply(struct mp_stats *st, uint32_t seq,
    int64_t rtt_ns, uint8_t ttl, bool late, bool *ttl_changed,
    uint8_t *old_ttl);
/* An ICMP error for seq (counts as lost when the round closes). */
void mp_stats_error(struct mp_stats *st, uint32_t seq);
/* Close seq (its timeout passed; call in seq order). */
struct mp_close mp_stats_close(struct mp_stats *st, uint32_t seq);

/* The slot of seq, or NULL when outside the window. */
const struct mp_slot *mp_stats_slot(const struct mp_stats *st, uint32_t seq);

struct mp_summary {
	uint64_t sent, recv, lost; /* decided probes only */
	double loss_pct;
	double min_ms, avg_ms, max_ms, mdev_ms; /* NAN when no reply */
	double p50_ms, p95_ms, p99_ms;          /* over the window */
	double jitter_ms;
	double win_loss_pct;
	uint32_t run_cur, run_longest;
	uint64_t n_runs, n_seq_runs, n_occasional;
};

void mp_stats_summary(const struct mp_stats *st, struct mp_summary *out);

/*
 * "ok" (no loss), "occasional" (isolated drops, loss <= occ_pct),
 * "lossy" (over occ_pct without a long run), "sequential" (a run >= K seen
 * in the window or now). The alarm is for "sequential" and "lossy".
 */
const char *mp_stats_class(const struct mp_stats *st, double occ_pct);

/* The p-th percentile (0..100) of n sorted values, nearest-rank. */
double mp_percentile(const double *sorted, size_t n, double p);

#endif
