/*
 * detect: the reflection-storm and broadcast-storm engine. See detect.h.
 *
 * The incident (FIELD-NOTES §1): one echo request mangled in flight gets
 * the I/G bit in its destination MAC; buggy routers copy it (bad checksum
 * and all) to the same group MAC and the original destination IP, each
 * from its own MAC/IP, TTL-1, and every other one does the same with each
 * copy. So a copy is recognised by what the reflectors keep: ICMP id, seq
 * and payload (digest), victim IP. The first frame of that echo names the
 * originator; any other source sending it is a reflector.
 */
#include "detect.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "clock.h"
#include "siphash.h"

#define NONE_IDX UINT32_MAX
#define EVIDENCE_SNAP 2048u /* first frame kept per echo, bytes */
#define SW_L4_ALL 10000u
#define SW_L4_SAMPLE 16u

/*
 * A chained hash index over a caller-owned slot array of fixed capacity.
 * When full, a clock hand picks a victim, skipping slots the caller marks
 * as protected (offenders), so memory is bounded by `cap` whatever the
 * traffic, and evictions are counted.
 */
struct tab {
	uint32_t *heads;
	uint32_t *next;
	uint64_t *hash;
	uint32_t mask;
	uint32_t cap;
	uint32_t n;
	uint32_t hand;
};

static int
tab_init(struct tab *t, uint32_t cap)
{
	uint32_t nb = 16;

	while (nb < cap * 2 && nb < (1u << 30))
		nb <<= 1;
	t->heads = malloc(sizeof(uint32_t) * nb);
	t->next = malloc(sizeof(uint32_t) * cap);
	t->hash = malloc(sizeof(uint64_t) * cap);
	if (t->heads == NULL || t->next == NULL || t->hash == NULL)
		return -1;
	memset(t->heads, 0xff, sizeof(uint32_t) * nb);
	t->mask = nb - 1;
	t->cap = cap;
	t->n = 0;
	t->hand = 0;
	return 0;
}

static void
tab_fini(struct tab *t)
{
	free(t->heads);
	free(t->next);
	free(t->hash);
}

static void
tab_unlink(struct tab *t, uint32_t idx)
{
	uint32_t *pp = &t->heads[t->hash[idx] & t->mask];

	while (*pp != NONE_IDX) {
		if (*pp == idx) {
			*pp = t->next[idx];
			return;
		}
		pp = &t->next[*pp];
	}
}

/* A slot for a new key: a fresh one, or an evicted one (*evicted set). */
static uint32_t
tab_insert(struct tab *t, uint64_t h, bool (*protect)(void *, uint32_t),
    void *ctx, bool *evicted)
{
	uint32_t idx;

	*evicted = false;
	if (t->n < t->cap) {
		idx = t->n++;
	} else {
		idx = t->hand;
		for (uint32_t i = 0; i < t->cap; i++) {
			uint32_t c = (t->hand + i) % t->cap;
			if (!protect(ctx, c)) {
				idx = c;
				break;
			}
		}
		t->hand = (idx + 1) % t->cap;
		tab_unlink(t, idx);
		*evicted = true;
	}
	t->hash[idx] = h;
	t->next[idx] = t->heads[h & t->mask];
	t->heads[h & t->mask] = idx;
	return idx;
}


struct echo {
	int family;
	uint8_t victim[16];
	uint16_t id;
	uint16_t seq;
	uint32_t plen;
	uint64_t digest;
	/* the first frame */
	struct nk_mac orig_mac;
	bool orig_has_mac;
	struct nk_addr orig_ip;
	struct nk_mac dst_mac;
	bool has_dst_mac;
	uint64_t first_frame_no;
	int64_t first_ns;
	int64_t last_ns;
	uint8_t first_ttl;
	enum nk_cksum first_cksum;
	bool orig_unknown; /* the first frame was a copy (mid-storm) */
	bool reflected;
	uint32_t storm_id;
	uint64_t copies;
	uint8_t *first_buf; /* evidence: the first frame, until reflected */
	uint32_t first_caplen;
	uint32_t first_len;
};

struct sw_detect {
	/* the tables' keys come off the wire: a keyed hash, so nobody on
	 * the segment can choose MACs that all land in one chain */
	uint8_t hkey[NK_SIPHASH_KEY_LEN];
	struct sw_config cfg;
	struct sw_hooks hooks;
	struct sw_counters c;
	struct tab src_tab;
	struct sw_source *src;
	struct tab echo_tab;
	struct echo *echo;

	bool started;
	int64_t iv_start;
	int64_t iv_end;
	uint64_t iv_no;
	struct sw_interval iv;
	uint64_t iv_reflectors;
	uint32_t iv_top; /* source with most group frames this interval */
	uint64_t iv_top_pps;
	int64_t last_ts;

	/* the broadcast_rate report window (cfg.report_ns) */
	uint64_t w_no; /* from 1; sources' w_no 0 = never counted */
	int64_t w_start;
	uint64_t w_frames;
	uint64_t w_peak;
	unsigned w_intervals;

	struct sw_interval hist[SW_HISTORY];
	size_t hist_n;
	size_t hist_head;

	struct nk_alarm bcast_alarm;
	enum nk_state bcast_worst;

	struct sw_storm storms[SW_STORMS_KEPT];
	size_t n_storms; /* ever; storms[(n-1) % KEPT] is the latest */
	struct sw_storm *active;
	uint64_t lone;
};

void
sw_config_defaults(struct sw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ns = NK_NS_PER_SEC;
	cfg->storm_start_pps = 20;
	cfg->storm_end_pps = 5;
	cfg->storm_min_reflectors = 2;
	cfg->storm_clear_intervals = 2;
	/*
	 * A busy WISP segment carries hundreds of ARP/DHCP/mDNS frames per
	 * second (gen_mixed.py: ~1,400/s at 20k pps); the 2004 cable segment
	 * of wireshark-arp-storm.pcap ran at 21/s. A broadcast storm is
	 * thousands per second, mostly from one source.
	 */
	(void)nk_threshold_parse("2000", "5000", &cfg->bcast, NULL);
	(void)nk_threshold_parse("500", "2000", &cfg->src_bcast, NULL);
	cfg->bcast_raise_intervals = 1;
	cfg->bcast_clear_intervals = 3;
	cfg->report_ns = 10 * NK_NS_PER_SEC;
	cfg->max_sources = 16384;
	cfg->max_echoes = 1024;
	cfg->verify_l4 = true;
}

static bool
src_protect(void *ctx, uint32_t idx)
{
	const struct sw_detect *d = ctx;
	return d->src[idx].roles != 0;
}

static void
echo_release(struct echo *e)
{
	free(e->first_buf);
	e->first_buf = NULL;
}

static bool
echo_protect(void *ctx, uint32_t idx)
{
	const struct sw_detect *d = ctx;
	const struct echo *e = &d->echo[idx];
	/* keep echoes of the running storm; drop idle ones first */
	return d->active != NULL && e->storm_id == d->active->id &&
	    d->last_ts - e->last_ns < 10 * NK_NS_PER_SEC;
}

struct sw_detect *
sw_detect_new(const struct sw_config *cfg, const struct sw_hooks *hooks)
{
	struct sw_detect *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	if (d->cfg.max_sources < 16)
		d->cfg.max_sources = 16;
	if (d->cfg.max_echoes < 16)
		d->cfg.max_echoes = 16;
	if (d->cfg.interval_ns <= 0)
		d->cfg.interval_ns = NK_NS_PER_SEC;
	if (hooks != NULL)
		d->hooks = *hooks;
	/* no entropy (very early boot): the table still works, unkeyed */
	if (getrandom(d->hkey, sizeof(d->hkey), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(d->hkey))
		memset(d->hkey, 0x5a, sizeof(d->hkey));
	d->src = calloc(d->cfg.max_sources, sizeof(*d->src));
	d->echo = calloc(d->cfg.max_echoes, sizeof(*d->echo));
	if (d->src == NULL || d->echo == NULL ||
	    tab_init(&d->src_tab, d->cfg.max_sources) < 0 ||
	    tab_init(&d->echo_tab, d->cfg.max_echoes) < 0) {
		sw_detect_free(d);
		return NULL;
	}
	if (d->cfg.report_ns < 0)
		d->cfg.report_ns = 0;
	nk_alarm_init(&d->bcast_alarm, d->cfg.bcast_raise_intervals,
	    d->cfg.bcast_clear_intervals);
	d->iv_top = NONE_IDX;
	d->w_no = 1;
	return d;
}

void
sw_detect_free(struct sw_detect *d)
{
	if (d == NULL)
		return;
	if (d->echo != NULL)
		for (uint32_t i = 0; i < d->cfg.max_echoes; i++)
			echo_release(&d->echo[i]);
	tab_fini(&d->src_tab);
	tab_fini(&d->echo_tab);
	free(d->src);
	free(d->echo);
	free(d);
}

static void
emit(struct sw_detect *d, const struct sw_event *ev)
{
	if (d->hooks.event != NULL)
		d->hooks.event(d->hooks.ctx, ev);
}

static bool
src_key_eq(const struct sw_source *s, const struct nk_frame *f)
{
	if (s->has_mac != f->has_mac ||
	    (f->has_mac && memcmp(s->mac.b, f->src_mac.b, 6) != 0))
		return false;
	if (s->ip.family != f->src_ip.family)
		return false;
	return f->src_ip.family == 0 ||
	    memcmp(s->ip.bytes, f->src_ip.bytes, 16) == 0;
}

static struct sw_source *
src_get(struct sw_detect *d, const struct nk_frame *f, int64_t ts)
{
	uint8_t key[1 + 6 + 1 + 16];
	size_t n = 0;
	bool evicted;

	key[n++] = f->has_mac;
	if (f->has_mac) {
		memcpy(key + n, f->src_mac.b, 6);
		n += 6;
	}
	key[n++] = (uint8_t)f->src_ip.family;
	if (f->src_ip.family != 0) {
		memcpy(key + n, f->src_ip.bytes, 16);
		n += 16;
	}
	uint64_t h = nk_siphash24(d->hkey, key, n);
	for (uint32_t i = d->src_tab.heads[h & d->src_tab.mask]; i != NONE_IDX;
	     i = d->src_tab.next[i])
		if (d->src_tab.hash[i] == h && src_key_eq(&d->src[i], f)) {
			if (ts > d->src[i].last_ns)
				d->src[i].last_ns = ts;
			return &d->src[i];
		}
	uint32_t idx = tab_insert(&d->src_tab, h, src_protect, d, &evicted);
	if (evicted) {
		d->c.sources_evicted++;
		if (d->iv_top == idx) {
			d->iv_top = NONE_IDX;
			d->iv_top_pps = 0;
		}
	}
	struct sw_source *s = &d->src[idx];
	memset(s, 0, sizeof(*s));
	s->has_mac = f->has_mac;
	s->mac = f->src_mac;
	s->ip = f->src_ip;
	if (f->n_vlan > 0) {
		s->has_vlan = true;
		s->vlan = f->vlan[f->n_vlan - 1];
	}
	s->first_ns = s->last_ns = ts;
	s->ttl_min = 255;
	s->iv_no = UINT64_MAX;
	s->iv_refl_no = UINT64_MAX;
	return s;
}

static uint32_t
src_index(const struct sw_detect *d, const struct sw_source *s)
{
	return (uint32_t)(s - d->src);
}

/* Sent by the capturing host itself: one of its MACs or IPs (config). */
static bool
is_local(const struct sw_detect *d, const struct nk_frame *f)
{
	for (size_t i = 0; i < d->cfg.n_local_macs; i++)
		if (f->has_mac &&
		    memcmp(d->cfg.local_macs[i].b, f->src_mac.b, 6) == 0)
			return true;
	for (size_t i = 0; i < d->cfg.n_local_ips; i++)
		if (f->src_ip.family != 0 &&
		    nk_addr_eq(&d->cfg.local_ips[i], &f->src_ip))
			return true;
	return false;
}

static void
storm_end(struct sw_detect *d, int64_t now)
{
	struct sw_storm *st = d->active;
	struct sw_event ev;

	if (st == NULL)
		return;
	st->active = false;
	st->end_ns = now;
	memset(&ev, 0, sizeof(ev));
	ev.type = SW_EV_OFFENDER;
	ev.ts_ns = now;
	ev.storm = st;
	ev.final = true;
	for (uint32_t i = 0; i < d->src_tab.n; i++)
		if (d->src[i].storm_id == st->id &&
		    (d->src[i].roles & SW_ROLE_REFLECTOR)) {
			ev.source = &d->src[i];
			emit(d, &ev);
		}
	memset(&ev, 0, sizeof(ev));
	ev.type = SW_EV_STORM_END;
	ev.ts_ns = now;
	ev.storm = st;
	emit(d, &ev);
	d->active = NULL;
}

static void
storm_add_reflector(struct sw_detect *d, struct sw_source *s, int64_t ts)
{
	struct sw_storm *st = d->active;
	struct sw_event ev;

	if (s->storm_id == st->id)
		return;
	s->storm_id = st->id;
	st->n_reflectors++;
	st->n_new_reflectors++;
	memset(&ev, 0, sizeof(ev));
	ev.type = SW_EV_OFFENDER;
	ev.ts_ns = ts;
	ev.storm = st;
	ev.source = s;
	emit(d, &ev);
}

static void
storm_start(struct sw_detect *d, const struct echo *e, int64_t ts)
{
	struct sw_storm *st;
	struct sw_event ev;

	d->c.storms++;
	st = &d->storms[d->n_storms % SW_STORMS_KEPT];
	d->n_storms++;
	memset(st, 0, sizeof(*st));
	st->id = (uint32_t)d->n_storms;
	st->active = true;
	st->victim.family = e->family;
	memcpy(st->victim.bytes, e->victim, 16);
	st->first_src = e->orig_ip;
	st->originator_seen = !e->orig_unknown;
	if (st->originator_seen) {
		st->originator = e->orig_ip;
		st->originator_mac = e->orig_mac;
		st->has_originator_mac = e->orig_has_mac;
	}
	st->dst_mac = e->dst_mac;
	st->has_dst_mac = e->has_dst_mac;
	st->icmp_id = e->id;
	st->icmp_seq = e->seq;
	st->first_frame_no = e->first_frame_no;
	st->first_ns = e->first_ns;
	st->first_ttl = e->first_ttl;
	st->first_cksum = e->first_cksum;
	st->start_ns = ts;
	st->last_ns = ts;
	st->copies = d->iv.copies;
	st->ttl_min = 255;
	d->active = st;
	/* the reflectors that made it cross the threshold: counted before
	 * storm_start so it carries them, announced after it */
	for (uint32_t i = 0; i < d->src_tab.n; i++) {
		struct sw_source *s = &d->src[i];
		if (s->iv_refl_no == d->iv_no) {
			if (s->ttl_min < st->ttl_min)
				st->ttl_min = s->ttl_min;
			if (s->ttl_max > st->ttl_max)
				st->ttl_max = s->ttl_max;
			s->storm_id = st->id;
			st->n_reflectors++;
			st->n_new_reflectors++;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SW_EV_STORM_START;
	ev.ts_ns = ts;
	ev.storm = st;
	emit(d, &ev);
	ev.type = SW_EV_OFFENDER;
	for (uint32_t i = 0; i < d->src_tab.n; i++)
		if (d->src[i].storm_id == st->id) {
			ev.source = &d->src[i];
			emit(d, &ev);
		}
	/* echoes reflected in this interval belong to it */
	for (uint32_t i = 0; i < d->echo_tab.n; i++)
		if (d->echo[i].reflected && d->echo[i].storm_id == 0 &&
		    d->echo[i].last_ns >= d->iv_start) {
			d->echo[i].storm_id = st->id;
			st->n_echoes++;
		}
}

/*
 * broadcast_rate for the window [w_start, at): the overall group-MAC rate
 * and the busiest sources in it, then a new window. Sent whatever the
 * state, so a monitor sees the segment's rate, not only its alarms.
 */
static void
rate_report(struct sw_detect *d, enum sw_rate_reason why, int64_t at)
{
	struct sw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SW_EV_BCAST_RATE;
	ev.reason = why;
	ev.ts_ns = at;
	ev.state = d->bcast_alarm.state;
	ev.window_ns = at - d->w_start;
	if (ev.window_ns < d->cfg.interval_ns)
		ev.window_ns = d->cfg.interval_ns; /* one stamp: 1 interval */
	ev.frames = d->w_frames;
	ev.peak_pps = d->w_peak;
	/* top sources by frames in this window (insertion into a tiny
	 * array: the table is scanned once per window, not per frame) */
	for (uint32_t i = 0; i < d->src_tab.n; i++) {
		const struct sw_source *s = &d->src[i];
		if (s->w_no != d->w_no || s->w_frames == 0)
			continue;
		size_t j = ev.n_top;
		if (j == SW_TOP_SOURCES) {
			if (s->w_frames <= ev.top[j - 1]->w_frames)
				continue;
			j--;
		} else {
			ev.n_top++;
		}
		while (j > 0 && ev.top[j - 1]->w_frames < s->w_frames) {
			ev.top[j] = ev.top[j - 1];
			j--;
		}
		ev.top[j] = s;
	}
	ev.source = ev.n_top > 0 ? ev.top[0] : NULL;
	emit(d, &ev);
	d->w_no++;
	d->w_start = at;
	d->w_frames = 0;
	d->w_peak = 0;
	d->w_intervals = 0;
}

static void
hist_push(struct sw_detect *d, const struct sw_interval *iv)
{
	d->hist[d->hist_head] = *iv;
	d->hist_head = (d->hist_head + 1) % SW_HISTORY;
	if (d->hist_n < SW_HISTORY)
		d->hist_n++;
}

/* Close the current interval: evaluate rates and the storm's progress. */
static void
close_interval(struct sw_detect *d)
{
	int64_t at = d->iv_end;
	struct sw_event ev;

	hist_push(d, &d->iv);
	if (d->iv.bcast > d->c.peak_bcast_pps)
		d->c.peak_bcast_pps = d->iv.bcast;
	if (d->iv.copies > d->c.peak_copies_pps)
		d->c.peak_copies_pps = d->iv.copies;

	/* broadcast storm: the overall rate and the busiest source */
	enum nk_state st =
	    nk_threshold_eval(&d->cfg.bcast, (double)d->iv.bcast);
	enum nk_state sst =
	    nk_threshold_eval(&d->cfg.src_bcast, (double)d->iv_top_pps);
	const struct sw_source *top =
	    d->iv_top == NONE_IDX ? NULL : &d->src[d->iv_top];
	if (sst != NK_STATE_OK && top != NULL)
		d->src[d->iv_top].roles |= SW_ROLE_BCAST;
	enum nk_state raw = nk_state_worst(st, sst);
	if (raw == NK_STATE_UNKNOWN)
		raw = NK_STATE_OK;
	d->bcast_worst = nk_state_worst(d->bcast_worst, raw);
	if (nk_alarm_update(&d->bcast_alarm, raw)) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SW_EV_BCAST_RATE;
		ev.reason = SW_RATE_CHANGE;
		ev.ts_ns = at;
		ev.window_ns = d->cfg.interval_ns;
		ev.frames = d->iv.bcast;
		ev.peak_pps = d->iv.bcast;
		ev.pps = d->iv.bcast;
		ev.source = top;
		ev.src_pps = d->iv_top_pps;
		ev.state = d->bcast_alarm.state;
		emit(d, &ev);
	}

	/* the storm: growth updates while copies keep coming, then the end
	 * after storm_clear_intervals quiet intervals (hysteresis) */
	if (d->active != NULL) {
		struct sw_storm *s = d->active;
		s->iv_copies = d->iv.copies;
		if (d->iv.copies > s->peak_pps)
			s->peak_pps = d->iv.copies;
		if ((double)d->iv.copies < d->cfg.storm_end_pps)
			s->quiet++;
		else
			s->quiet = 0;
		if (d->iv.copies > 0) {
			memset(&ev, 0, sizeof(ev));
			ev.type = SW_EV_STORM_UPDATE;
			ev.ts_ns = at;
			ev.storm = s;
			emit(d, &ev);
			s->n_new_reflectors = 0;
		}
		if (s->quiet >= d->cfg.storm_clear_intervals)
			storm_end(d, at);
	}
	/* the report window: every cfg.report_ns of capture time */
	d->w_frames += d->iv.bcast;
	if (d->iv.bcast > d->w_peak)
		d->w_peak = d->iv.bcast;
	d->w_intervals++;
	if (d->cfg.report_ns > 0 && at - d->w_start >= d->cfg.report_ns)
		rate_report(d, SW_RATE_INTERVAL, at);
	memset(&d->iv, 0, sizeof(d->iv));
	d->iv_reflectors = 0;
	d->iv_top = NONE_IDX;
	d->iv_top_pps = 0;
	d->iv_no++;
	d->iv_start = d->iv_end;
	d->iv_end += d->cfg.interval_ns;
}

static void
advance(struct sw_detect *d, int64_t ts)
{
	if (!d->started) {
		d->started = true;
		d->iv_start = ts;
		d->iv_end = ts + d->cfg.interval_ns;
		d->w_start = ts;
		return;
	}
	/* a gap closes at most a few empty intervals, then jumps */
	unsigned n = 0;
	while (ts >= d->iv_end) {
		close_interval(d);
		if (++n > d->cfg.storm_clear_intervals +
			    d->cfg.bcast_clear_intervals + 2 &&
		    ts >= d->iv_end) {
			int64_t k = (ts - d->iv_start) / d->cfg.interval_ns;
			d->iv_start += k * d->cfg.interval_ns;
			d->iv_end = d->iv_start + d->cfg.interval_ns;
		}
	}
}

static void
evidence(struct sw_detect *d, int64_t ts, const uint8_t *buf, uint32_t caplen,
    uint32_t len)
{
	if (d->cfg.evidence && d->hooks.evidence != NULL)
		d->hooks.evidence(d->hooks.ctx, ts, buf, caplen, len);
}

static struct echo *
echo_find(struct sw_detect *d, const struct nk_frame *f, uint64_t *hp)
{
	uint8_t key[8 + 2 + 2 + 4 + 16];
	memcpy(key, &f->echo_digest, 8);
	memcpy(key + 8, &f->echo_id, 2);
	memcpy(key + 10, &f->echo_seq, 2);
	memcpy(key + 12, &f->echo_payload_len, 4);
	memcpy(key + 16, f->dst_ip.bytes, 16);
	uint64_t h = nk_siphash24(d->hkey, key, sizeof(key));
	*hp = h;
	for (uint32_t i = d->echo_tab.heads[h & d->echo_tab.mask];
	     i != NONE_IDX; i = d->echo_tab.next[i]) {
		struct echo *e = &d->echo[i];
		if (d->echo_tab.hash[i] == h && e->id == f->echo_id &&
		    e->seq == f->echo_seq && e->digest == f->echo_digest &&
		    e->plen == f->echo_payload_len &&
		    e->family == f->dst_ip.family &&
		    memcmp(e->victim, f->dst_ip.bytes, 16) == 0)
			return e;
	}
	return NULL;
}

static bool
same_origin(const struct echo *e, const struct nk_frame *f)
{
	if (e->orig_has_mac && f->has_mac)
		return memcmp(e->orig_mac.b, f->src_mac.b, 6) == 0 &&
		    nk_addr_eq(&e->orig_ip, &f->src_ip);
	return nk_addr_eq(&e->orig_ip, &f->src_ip);
}

/* One copy of echo e from reflector s. */
static void
count_copy(struct sw_detect *d, struct sw_source *s, struct echo *e,
    uint8_t ttl, int64_t ts)
{
	s->roles |= SW_ROLE_REFLECTOR;
	s->copies++;
	if (ttl < s->ttl_min)
		s->ttl_min = ttl;
	if (ttl > s->ttl_max)
		s->ttl_max = ttl;
	e->copies++;
	d->c.copies++;
	d->iv.copies++;
	if (s->iv_refl_no != d->iv_no) {
		s->iv_refl_no = d->iv_no;
		d->iv_reflectors++;
	}
	if (d->active != NULL) {
		struct sw_storm *st = d->active;
		st->copies++;
		if (ts > st->last_ns)
			st->last_ns = ts;
		if (ttl < st->ttl_min)
			st->ttl_min = ttl;
		if (ttl > st->ttl_max)
			st->ttl_max = ttl;
		storm_add_reflector(d, s, ts);
	}
}

/*
 * The first frame seen of echo e was a copy (see signature()): its
 * sender becomes a reflector of that frame, and a storm that named it
 * as the originator now says the originator was not seen.
 */
static void
orig_demote(struct sw_detect *d, struct echo *e)
{
	struct nk_frame of;

	e->orig_unknown = true;
	memset(&of, 0, sizeof(of));
	of.has_mac = e->orig_has_mac;
	of.src_mac = e->orig_mac;
	of.src_ip = e->orig_ip;
	struct sw_source *s = src_get(d, &of, e->first_ns);
	if (e->reflected && s->n_originated > 0 && --s->n_originated == 0)
		s->roles &= ~(unsigned)SW_ROLE_ORIGINATOR;
	count_copy(d, s, e, e->first_ttl, e->first_ns);
	for (size_t i = 0; i < sw_detect_n_storms(d); i++) {
		struct sw_storm *st =
		    &d->storms[(d->n_storms - 1 - i) % SW_STORMS_KEPT];
		if (st->id == e->storm_id && st->icmp_id == e->id &&
		    st->icmp_seq == e->seq && st->victim.family == e->family &&
		    memcmp(st->victim.bytes, e->victim, 16) == 0) {
			st->originator_seen = false;
			memset(&st->originator, 0, sizeof(st->originator));
			st->has_originator_mac = false;
		}
	}
}

static void
signature(struct sw_detect *d, const struct nk_frame *f, int64_t ts,
    const uint8_t *buf, uint32_t caplen, uint32_t len)
{
	uint64_t h;
	bool evicted;
	struct echo *e = echo_find(d, f, &h);

	d->c.signature++;
	if (e == NULL) {
		uint32_t idx =
		    tab_insert(&d->echo_tab, h, echo_protect, d, &evicted);
		e = &d->echo[idx];
		if (evicted) {
			d->c.echoes_evicted++;
			if (!e->reflected)
				d->lone++;
		}
		echo_release(e);
		memset(e, 0, sizeof(*e));
		e->family = f->dst_ip.family;
		memcpy(e->victim, f->dst_ip.bytes, 16);
		e->id = f->echo_id;
		e->seq = f->echo_seq;
		e->plen = f->echo_payload_len;
		e->digest = f->echo_digest;
		e->orig_mac = f->src_mac;
		e->orig_has_mac = f->has_mac;
		e->orig_ip = f->src_ip;
		e->dst_mac = f->dst_mac;
		e->has_dst_mac = f->has_dst_mac;
		e->first_frame_no = d->c.frames;
		e->first_ns = e->last_ns = ts;
		e->first_ttl = f->ttl;
		e->first_cksum = f->icmp_cksum;
		d->c.mangled++;
		if (d->cfg.evidence) {
			uint32_t n =
			    caplen < EVIDENCE_SNAP ? caplen : EVIDENCE_SNAP;
			e->first_buf = malloc(n);
			if (e->first_buf != NULL) {
				struct nk_rd r = nk_rd_make(buf, n);
				nk_rd_bytes(&r, e->first_buf, n);
				e->first_caplen = n;
				e->first_len = len;
			}
		}
		return;
	}
	e->last_ns = ts;
	/*
	 * Who sent the first frame seen is the originator only if that
	 * frame was not itself a copy. Reflectors forward copies as routers
	 * do (TTL - 1; FIELD-NOTES §1, the lab captures), so a capture that
	 * starts mid-storm gives itself away: a copy from someone else with
	 * at least the first frame's TTL cannot descend from it, and a first
	 * sender that sends the echo again with a lower TTL copied a copy.
	 * Either way the originator was not seen, and the first sender is a
	 * reflector whose first frame was a copy. The same TTL again from the
	 * first sender is a duplicate (a mirror port), not a copy.
	 */
	if (!e->orig_unknown) {
		bool again = same_origin(e, f);
		if (again && f->ttl >= e->first_ttl) {
			if (e->reflected)
				evidence(d, ts, buf, caplen, len);
			return; /* the originator sent it again */
		}
		if (again || f->ttl >= e->first_ttl)
			orig_demote(d, e);
	}

	/* a copy: from a reflector */
	struct sw_source *s = src_get(d, f, ts);
	count_copy(d, s, e, f->ttl, ts);
	if (!e->reflected) {
		e->reflected = true;
		d->c.reflected++;
		if (!e->orig_unknown) {
			struct nk_frame of;
			memset(&of, 0, sizeof(of));
			of.has_mac = e->orig_has_mac;
			of.src_mac = e->orig_mac;
			of.src_ip = e->orig_ip;
			struct sw_source *o = src_get(d, &of, e->first_ns);
			o->roles |= SW_ROLE_ORIGINATOR;
			o->n_originated++;
			if (o->ttl_min > e->first_ttl)
				o->ttl_min = e->first_ttl;
			if (o->ttl_max < e->first_ttl)
				o->ttl_max = e->first_ttl;
		}
		if (e->first_buf != NULL)
			evidence(d, e->first_ns, e->first_buf, e->first_caplen,
			    e->first_len);
		echo_release(e);
		if (d->active != NULL && e->storm_id == 0) {
			e->storm_id = d->active->id;
			d->active->n_echoes++;
		}
	}
	evidence(d, ts, buf, caplen, len);
	if (d->active == NULL &&
	    (double)d->iv.copies >= d->cfg.storm_start_pps &&
	    d->iv_reflectors >= d->cfg.storm_min_reflectors)
		storm_start(d, e, ts);
}

void
sw_detect_frame(struct sw_detect *d, int dlt, int64_t ts_ns, const uint8_t *buf,
    uint32_t caplen, uint32_t len)
{
	struct nk_frame f;

	/*
	 * TCP/UDP checksums cost a pass over every payload byte, and serve
	 * only the offload note: all of the first SW_L4_ALL frames, then one
	 * in SW_L4_SAMPLE (verify_l4_all: every one). ICMP and IPv4 header
	 * checksums are always verified.
	 */
	unsigned flags = 0;
	if (d->cfg.verify_l4 &&
	    (d->cfg.verify_l4_all || d->c.frames < SW_L4_ALL ||
		(d->c.frames % SW_L4_SAMPLE) == 0))
		flags = NK_FRAME_VERIFY_L4;
	if (nk_frame_decode(dlt, buf, caplen, len, flags, &f) < 0)
		return;
	d->c.frames++;
	d->c.bytes += len;
	if (d->started && ts_ns < d->last_ts)
		ts_ns = d->last_ts; /* stamps going back: keep the clock */
	advance(d, ts_ns);
	d->last_ts = ts_ns;
	if (f.truncated)
		d->c.truncated++;
	if (f.malformed != NULL)
		d->c.malformed++;
	if (!f.has_mac)
		d->c.no_mac++;
	if (f.l3 == NK_L3_ARP)
		d->c.arp++;
	if (f.proto == 17 && (f.dport == 67 || f.dport == 68) &&
	    (f.sport == 67 || f.sport == 68))
		d->c.dhcp++; /* RFC 2131 ports */

	bool group = nk_frame_dst_is_group(&f);
	bool bad = false;
	if (f.ip_cksum == NK_CKSUM_BAD) {
		d->c.bad_ip++;
		bad = true;
	}
	if (f.icmp_cksum == NK_CKSUM_BAD) {
		d->c.bad_icmp++;
		bad = true;
	}
	if (f.l4_cksum == NK_CKSUM_BAD) {
		/* frames our own NIC will checksum later (offload) are
		 * not errors; anyone else's are */
		if (is_local(d, &f)) {
			d->c.bad_l4_local++;
		} else {
			d->c.bad_l4++;
			bad = true;
			struct sw_source *s = src_get(d, &f, ts_ns);
			s->bad_l4++;
		}
	}
	if (bad)
		d->iv.bad++;
	if (group) {
		d->c.group_frames++;
		d->iv.bcast++;
		struct sw_source *s = src_get(d, &f, ts_ns);
		s->group_frames++;
		if (s->iv_no != d->iv_no) {
			s->iv_no = d->iv_no;
			s->iv_bcast = 0;
		}
		s->iv_bcast++;
		if (s->iv_bcast > s->peak_bcast_pps)
			s->peak_bcast_pps = s->iv_bcast;
		if (s->w_no != d->w_no) {
			s->w_no = d->w_no;
			s->w_frames = 0;
			s->w_peak = 0;
		}
		s->w_frames++;
		if (s->iv_bcast > s->w_peak)
			s->w_peak = s->iv_bcast;
		if (s->iv_bcast > d->iv_top_pps) {
			d->iv_top_pps = s->iv_bcast;
			d->iv_top = src_index(d, s);
		}
		if (f.icmp_cksum == NK_CKSUM_BAD)
			s->bad_icmp++;
	}
	if (!f.icmp || !f.echo)
		return;
	d->c.icmp_echo++;
	/* the signature: an echo request to a unicast IP, group dst MAC */
	if (f.echo_request && group && !nk_addr_is_multicast(&f.dst_ip) &&
	    !nk_addr_is_limited_bcast(&f.dst_ip))
		signature(d, &f, ts_ns, buf, caplen, len);
}

void
sw_detect_tick(struct sw_detect *d, int64_t now_ns)
{
	if (!d->started || now_ns < d->iv_end)
		return;
	advance(d, now_ns);
	d->last_ts = now_ns;
}

void
sw_detect_finish(struct sw_detect *d)
{
	if (!d->started)
		return;
	close_interval(d);
	if (d->active != NULL)
		storm_end(d, d->last_ts);
	if (d->cfg.report_ns > 0 && d->w_intervals > 0)
		rate_report(d, SW_RATE_END, d->iv_start);
	for (uint32_t i = 0; i < d->echo_tab.n; i++)
		if (!d->echo[i].reflected)
			d->lone++;
}

const struct sw_counters *
sw_detect_counters(const struct sw_detect *d)
{
	return &d->c;
}

enum nk_state
sw_detect_state(const struct sw_detect *d)
{
	if (d->c.storms > 0)
		return NK_STATE_CRITICAL;
	if (d->c.reflected > 0)
		return NK_STATE_WARNING; /* reflected, below the thresholds */
	return NK_STATE_OK;
}

enum nk_state
sw_detect_bcast_state(const struct sw_detect *d)
{
	return d->bcast_worst;
}

enum nk_state
sw_detect_bcast_now(const struct sw_detect *d)
{
	return d->bcast_alarm.state;
}

const struct sw_storm *
sw_detect_storm_active(const struct sw_detect *d)
{
	return d->active;
}

size_t
sw_detect_n_storms(const struct sw_detect *d)
{
	return d->n_storms < SW_STORMS_KEPT ? d->n_storms : SW_STORMS_KEPT;
}

const struct sw_storm *
sw_detect_storm(const struct sw_detect *d, size_t i)
{
	size_t kept = sw_detect_n_storms(d);
	if (i >= kept)
		return NULL;
	return &d->storms[(d->n_storms - kept + i) % SW_STORMS_KEPT];
}

size_t
sw_detect_n_sources(const struct sw_detect *d)
{
	return d->src_tab.n;
}

const struct sw_source *
sw_detect_source(const struct sw_detect *d, size_t i)
{
	return i < d->src_tab.n ? &d->src[i] : NULL;
}

const struct sw_source *
sw_detect_top_bcast(const struct sw_detect *d)
{
	const struct sw_source *top = NULL;
	for (uint32_t i = 0; i < d->src_tab.n; i++)
		if (d->src[i].group_frames > 0 &&
		    (top == NULL || d->src[i].group_frames > top->group_frames))
			top = &d->src[i];
	return top;
}

bool
sw_detect_offload_suspected(
    const struct sw_detect *d, const struct sw_source **who)
{
	const struct sw_source *one = NULL;

	*who = NULL;
	if (d->c.bad_l4_local > 0 && d->c.bad_l4 == 0)
		return true;
	if (d->c.bad_l4 == 0)
		return false;
	/* Checksum offload leaves bad TCP/UDP sums on the capturing host's
	 * own outbound frames only (Zeek's ChecksumOffloading idea); ICMP is
	 * summed by the kernel, so it never counts here. */
	for (uint32_t i = 0; i < d->src_tab.n; i++) {
		if (d->src[i].bad_l4 == 0)
			continue;
		if (one != NULL)
			return false;
		one = &d->src[i];
	}
	if (one == NULL || one->bad_l4 != d->c.bad_l4)
		return false;
	*who = one;
	return true;
}

uint64_t
sw_detect_lone_mangled(const struct sw_detect *d)
{
	return d->lone;
}

size_t
sw_detect_history(const struct sw_detect *d, struct sw_interval *out, size_t n)
{
	size_t k = d->hist_n < n ? d->hist_n : n;
	for (size_t i = 0; i < k; i++)
		out[i] =
		    d->hist[(d->hist_head + SW_HISTORY - k + i) % SW_HISTORY];
	return k;
}
