/* stats: per-target ring of results, loss runs, RTT statistics. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
mp_stats_init(struct mp_stats *st, uint32_t window, unsigned seq_k)
{
	memset(st, 0, sizeof(*st));
	if (window < 4)
		window = 4;
	st->ring = calloc(window, sizeof(*st->ring));
	if (st->ring == NULL)
		return -1;
	st->window = window;
	st->seq_k = seq_k < 1 ? 1 : seq_k;
	st->last_rtt_ms = -1;
	st->rtt_min_ms = INFINITY;
	return 0;
}

void
mp_stats_fini(struct mp_stats *st)
{
	free(st->ring);
	st->ring = NULL;
}

static struct mp_slot *
slot(struct mp_stats *st, uint32_t seq)
{
	if (seq >= st->next_seq || st->next_seq - seq > st->window)
		return NULL;
	return &st->ring[seq % st->window];
}

const struct mp_slot *
mp_stats_slot(const struct mp_stats *st, uint32_t seq)
{
	if (seq >= st->next_seq || st->next_seq - seq > st->window)
		return NULL;
	return &st->ring[seq % st->window];
}

void
mp_stats_sent(struct mp_stats *st, uint32_t seq, bool sent)
{
	if (seq != st->next_seq)
		return; /* our own bug; the engine sends in order */
	struct mp_slot *s = &st->ring[seq % st->window];
	memset(s, 0, sizeof(*s));
	s->state = sent ? MP_SLOT_PENDING : MP_SLOT_UNSENT;
	st->next_seq++;
	if (sent)
		st->n_sent++;
	else
		st->n_unsent++;
}

enum mp_reply_kind
mp_stats_reply(struct mp_stats *st, uint32_t seq, int64_t rtt_ns,
    uint8_t ttl, bool late, bool *ttl_changed, uint8_t *old_ttl)
{
	struct mp_slot *s = slot(st, seq);
	double ms;

	*ttl_changed = false;
	if (s == NULL)
		return MP_REPLY_OLD;
	if (s->state == MP_SLOT_REPLY || s->state == MP_SLOT_LATE)
		return MP_REPLY_DUP;
	if (rtt_ns < 0)
		rtt_ns = 0; /* a realtime step between the two stamps */
	if (rtt_ns > INT64_C(4000000000000))
		rtt_ns = INT64_C(4000000000000);
	s->rtt_us = (uint32_t)((rtt_ns + 500) / 1000);
	s->ttl = ttl;
	if (ttl != 0 && st->last_ttl != 0 && ttl != st->last_ttl) {
		*ttl_changed = true;
		*old_ttl = st->last_ttl;
		st->n_ttl_changes++;
	}
	if (ttl != 0)
		st->last_ttl = ttl;
	if (late && s->state == MP_SLOT_PENDING)
		s->state = MP_SLOT_LOST;
	if (s->state != MP_SLOT_PENDING && s->state != MP_SLOT_ERROR) {
		/* The round closed: counted lost, kept with its RTT. */
		s->state = MP_SLOT_LATE;
		st->n_late++;
		return MP_REPLY_LATE;
	}
	s->state = MP_SLOT_REPLY;
	ms = (double)rtt_ns / 1e6;
	st->n_recv++;
	st->rtt_sum_ms += ms;
	st->rtt_sumsq_ms += ms * ms;
	if (ms < st->rtt_min_ms)
		st->rtt_min_ms = ms;
	if (ms > st->rtt_max_ms)
		st->rtt_max_ms = ms;
	if (st->last_rtt_ms >= 0)
		st->jitter_ms += (fabs(ms - st->last_rtt_ms) - st->jitter_ms) / 16;
	st->last_rtt_ms = ms;
	return MP_REPLY_OK;
}

void
mp_stats_error(struct mp_stats *st, uint32_t seq)
{
	struct mp_slot *s = slot(st, seq);

	st->n_errors++;
	if (s != NULL && s->state == MP_SLOT_PENDING)
		s->state = MP_SLOT_ERROR;
}

struct mp_close
mp_stats_close(struct mp_stats *st, uint32_t seq)
{
	struct mp_close c;
	struct mp_slot *s = slot(st, seq);

	memset(&c, 0, sizeof(c));
	c.state = MP_SLOT_EMPTY;
	if (s == NULL || seq < st->closed_seq)
		return c;
	st->closed_seq = seq + 1;
	if (s->state == MP_SLOT_UNSENT) {
		c.state = MP_SLOT_UNSENT;
		return c;
	}
	if (s->state == MP_SLOT_PENDING)
		s->state = MP_SLOT_LOST;
	c.state = (enum mp_slot_state)s->state;
	if (s->state == MP_SLOT_REPLY) {
		if (st->run_cur > 0) {
			c.run_ended = true;
			c.run_len = st->run_cur;
			c.run_first = st->run_first;
			if (st->run_cur < st->seq_k)
				st->n_occasional++;
			st->run_cur = 0;
		}
		return c;
	}
	/* LOST, LATE (slower than the timeout), ERROR */
	st->n_lost++;
	if (st->run_cur == 0) {
		st->run_first = seq;
		st->n_runs++;
	}
	st->run_cur++;
	if (st->run_cur > st->run_longest)
		st->run_longest = st->run_cur;
	if (st->run_cur == st->seq_k) {
		c.seq_run_started = true;
		c.run_first = st->run_first;
		st->n_seq_runs++;
	}
	return c;
}

static bool
slot_lost(const struct mp_slot *s)
{
	return s->state == MP_SLOT_LOST || s->state == MP_SLOT_LATE ||
	    s->state == MP_SLOT_ERROR;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
mp_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0)
		return NAN;
	/* nearest rank: the smallest value with >= p % at or below it */
	double rank = ceil(p / 100.0 * (double)n);
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	return sorted[i < n ? i : n - 1];
}

void
mp_stats_summary(const struct mp_stats *st, struct mp_summary *o)
{
	double *v = NULL;
	size_t n = 0, wdec = 0, wlost = 0;

	memset(o, 0, sizeof(*o));
	o->recv = st->n_recv;
	o->lost = st->n_lost;
	o->sent = st->n_recv + st->n_lost; /* decided */
	o->loss_pct = o->sent ? 100.0 * (double)o->lost / (double)o->sent : 0;
	o->min_ms = o->avg_ms = o->max_ms = o->mdev_ms = NAN;
	o->p50_ms = o->p95_ms = o->p99_ms = NAN;
	if (st->n_recv > 0) {
		double nr = (double)st->n_recv;
		o->min_ms = st->rtt_min_ms;
		o->max_ms = st->rtt_max_ms;
		o->avg_ms = st->rtt_sum_ms / nr;
		double var = st->rtt_sumsq_ms / nr - o->avg_ms * o->avg_ms;
		o->mdev_ms = var > 0 ? sqrt(var) : 0; /* as ping(8) computes it */
	}
	v = malloc(st->window * sizeof(*v));
	uint32_t lo = st->next_seq > st->window ? st->next_seq - st->window : 0;
	for (uint32_t q = lo; q < st->closed_seq; q++) {
		const struct mp_slot *s = &st->ring[q % st->window];
		if (s->state == MP_SLOT_UNSENT)
			continue;
		wdec++;
		if (slot_lost(s))
			wlost++;
		else if (s->state == MP_SLOT_REPLY && v != NULL)
			v[n++] = (double)s->rtt_us / 1000.0;
	}
	if (v != NULL && n > 0) {
		qsort(v, n, sizeof(*v), cmp_double);
		o->p50_ms = mp_percentile(v, n, 50);
		o->p95_ms = mp_percentile(v, n, 95);
		o->p99_ms = mp_percentile(v, n, 99);
	}
	free(v);
	o->win_loss_pct = wdec ? 100.0 * (double)wlost / (double)wdec : 0;
	o->jitter_ms = st->n_recv > 1 ? st->jitter_ms : NAN;
	o->run_cur = st->run_cur;
	o->run_longest = st->run_longest;
	o->n_runs = st->n_runs;
	o->n_seq_runs = st->n_seq_runs;
	o->n_occasional = st->n_occasional;
}

const char *
mp_stats_class(const struct mp_stats *st, double occ_pct)
{
	uint32_t lo = st->next_seq > st->window ? st->next_seq - st->window : 0;
	uint32_t run = 0, longest = 0, dec = 0, lost = 0;

	for (uint32_t q = lo; q < st->closed_seq; q++) {
		const struct mp_slot *s = &st->ring[q % st->window];
		if (s->state == MP_SLOT_UNSENT)
			continue;
		dec++;
		if (slot_lost(s)) {
			lost++;
			if (++run > longest)
				longest = run;
		} else {
			run = 0;
		}
	}
	if (longest >= st->seq_k || st->run_cur >= st->seq_k)
		return "sequential";
	if (lost == 0)
		return "ok";
	if (100.0 * lost / dec > occ_pct)
		return "lossy";
	return "occasional";
}
