/* report: JSON events, shell lines, plugin status line. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "icmp.h"
#include "probe.h"

#define MP_PERF_MAX 65536

static int
split_th(const char *s, char *rtt, char *loss, size_t len, struct nk_err *err,
    const char *opt)
{
	const char *comma = s ? strchr(s, ',') : NULL;

	rtt[0] = loss[0] = '\0';
	if (s == NULL)
		return 0;
	if (comma == NULL || (size_t)(comma - s) >= len ||
	    strlen(comma + 1) >= len) {
		nk_err_set(err, "option '%s': '%s': want RTT,LOSS%% (e.g. "
		    "100,1%%)", opt, s);
		return -1;
	}
	memcpy(rtt, s, (size_t)(comma - s));
	rtt[comma - s] = '\0';
	snprintf(loss, len, "%s", comma + 1);
	size_t n = strlen(loss);
	if (n > 0 && loss[n - 1] == '%')
		loss[n - 1] = '\0';
	return 0;
}

int
mp_report_thresholds(struct mp_report *r, const char *warn, const char *crit,
    struct nk_err *err)
{
	char wr[64], wl[64], cr[64], cl[64];

	if (warn == NULL && crit == NULL) {
		warn = "200,40%"; /* check_icmp's defaults */
		crit = "500,80%";
	}
	if (split_th(warn, wr, wl, sizeof(wr), err, "-w") ||
	    split_th(crit, cr, cl, sizeof(cr), err, "-c"))
		return -1;
	if (nk_threshold_parse(wr[0] ? wr : NULL, cr[0] ? cr : NULL,
		&r->rtt_th, err)) {
		nk_err_prefix(err, "RTT threshold");
		return -1;
	}
	if (nk_threshold_parse(wl[0] ? wl : NULL, cl[0] ? cl : NULL,
		&r->loss_th, err)) {
		nk_err_prefix(err, "loss threshold");
		return -1;
	}
	return 0;
}

char *
mp_report_bar(char *buf, size_t len, double value, double scale,
    unsigned cells, bool utf8)
{
	static const char *const part[] = {"", "\u258f", "\u258e", "\u258d",
	    "\u258c", "\u258b", "\u258a", "\u2589"};
	size_t o = 0;
	double f = scale > 0 ? value / scale : 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (!(f >= 0))
		f = 0;
	if (f > 1)
		f = 1;
	unsigned eighths = (unsigned)lround(f * cells * 8);
	if (eighths == 0 && value > 0)
		eighths = 1;
	for (unsigned i = 0; i < eighths / 8; i++) {
		const char *g = utf8 ? "\u2588" : "#";
		size_t gl = strlen(g);
		if (o + gl >= len)
			return buf;
		memcpy(buf + o, g, gl);
		o += gl;
	}
	if (eighths % 8) {
		const char *g = utf8 ? part[eighths % 8] : "-";
		size_t gl = strlen(g);
		if (o + gl < len) {
			memcpy(buf + o, g, gl);
			o += gl;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void
add_target(struct json_object *o, const struct mp_engine *e, size_t t)
{
	const struct mp_target *tg = &e->ts->v[t];

	nk_event_add_str(o, "target", tg->name);
	if (tg->label[0])
		nk_event_add_str(o, "label", tg->label);
	if (tg->group >= 0 && e->topo != NULL)
		nk_event_add_str(o, "group", e->topo->groups[tg->group].name);
}

static void
add_ms(struct json_object *o, const char *key, double ms)
{
	if (isnan(ms))
		json_object_object_add(o, key, NULL);
	else
		nk_event_add_double(o, key, round(ms * 1000) / 1000);
}

static void
emit(struct mp_report *r, struct json_object *o)
{
	if (o != NULL)
		(void)nk_event_emit(r->sink, o);
}

void
mp_report_start(struct mp_report *r, const struct mp_engine *e)
{
	if (r->sink == NULL)
		return;
	struct json_object *o = nk_event_begin(r->sink, "start", NK_SEV_INFO,
	    e->start_real_ns);
	if (o == NULL)
		return;
	nk_event_add_uint(o, "targets", e->ts->n);
	nk_event_add_double(o, "interval_ms", (double)e->o.interval_ns / 1e6);
	nk_event_add_double(o, "timeout_ms", (double)e->o.timeout_ns / 1e6);
	nk_event_add_uint(o, "payload_bytes", e->o.payload_bytes);
	nk_event_add_uint(o, "window", e->o.window);
	nk_event_add_double(o, "bucket_ms", (double)e->bucket_ns / 1e6);
	nk_event_add_uint(o, "schedules", e->n_cls);
	nk_event_add_uint(o, "count", e->o.count);
	nk_event_add_str(o, "socket_v4", mp_probe_kind(&e->f4));
	nk_event_add_str(o, "socket_v6", mp_probe_kind(&e->f6));
	emit(r, o);
}

static double
scale_of(const struct mp_stats *st)
{
	double s = st->rtt_max_ms;
	return s > 0 ? s : 1;
}

void
mp_report_probe(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint32_t seq, enum mp_slot_state st, int64_t rtt_ns, uint8_t ttl,
    bool dup)
{
	const struct mp_target *tg = &e->ts->v[t];
	double ms = rtt_ns >= 0 ? (double)rtt_ns / 1e6 : NAN;
	const char *status = dup                 ? "dup" :
	    st == MP_SLOT_REPLY                  ? "reply" :
	    st == MP_SLOT_LATE                   ? "late" :
	    st == MP_SLOT_ERROR                  ? "error" :
						   "lost";

	if (r->sink != NULL && r->probes) {
		struct json_object *o = nk_event_begin(r->sink, "probe",
		    NK_SEV_INFO, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "seq", seq);
			nk_event_add_str(o, "status", status);
			add_ms(o, "rtt_ms", ms);
			if (ttl)
				nk_event_add_uint(o, "ttl", ttl);
			else
				json_object_object_add(o, "ttl", NULL);
			emit(r, o);
		}
	}
	if (!r->plain)
		return;
	if (isnan(ms)) {
		fprintf(r->out, "no reply from %s: seq=%u  x  (run %u)\n",
		    tg->name, seq, tg->st.run_cur);
		return;
	}
	char bar[128];
	mp_report_bar(bar, sizeof(bar), ms, scale_of(&tg->st), 20, r->utf8);
	fprintf(r->out, "%zu bytes from %s: seq=%u ttl=%u time=%.3f ms%s |%s\n",
	    (size_t)tg->payload_bytes + NK_ICMP_HDR_LEN, tg->name, seq, ttl, ms,
	    dup ? " (DUP!)" : st == MP_SLOT_LATE ? " (late)" : "", bar);
}

void
mp_report_run_start(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint32_t first_seq, uint32_t len)
{
	r->n_seq_alarms++;
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink,
		    "loss_run_start", NK_SEV_WARNING, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "first_seq", first_seq);
			nk_event_add_uint(o, "run", len);
			nk_event_add_str(o, "class", "sequential");
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "sequential loss: %s lost %u in a row from "
		    "seq=%u\n", e->ts->v[t].name, len, first_seq);
}

void
mp_report_run_end(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint32_t first_seq, uint32_t len)
{
	bool seq = len >= e->o.seq_k;

	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink, "loss_run_end",
		    seq ? NK_SEV_OK : NK_SEV_INFO, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "first_seq", first_seq);
			nk_event_add_uint(o, "last_seq", first_seq + len - 1);
			nk_event_add_uint(o, "run", len);
			nk_event_add_str(o, "class",
			    seq ? "sequential" : "occasional");
			emit(r, o);
		}
	}
	if (r->plain && seq)
		fprintf(r->out, "sequential loss ended: %s lost seq=%u..%u "
		    "(%u)\n", e->ts->v[t].name, first_seq,
		    first_seq + len - 1, len);
}

void
mp_report_icmp_error(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint32_t seq, int family, uint8_t type, uint8_t code,
    const struct nk_addr *router)
{
	char rb[NK_ADDR_STRLEN] = "?";

	if (router->family)
		nk_addr_fmt(router, rb, sizeof(rb));
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink, "icmp_error",
		    NK_SEV_WARNING, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "seq", seq);
			nk_event_add_str(o, "error",
			    nk_icmp_type_name(family, type));
			nk_event_add_uint(o, "icmp_type", type);
			nk_event_add_uint(o, "icmp_code", code);
			nk_event_add_str(o, "router", router->family ? rb : NULL);
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "From %s: seq=%u %s (type %u code %u) for %s\n",
		    rb, seq, nk_icmp_type_name(family, type), type, code,
		    e->ts->v[t].name);
}

void
mp_report_unexpected(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint32_t seq, const struct nk_addr *from)
{
	char fb[NK_ADDR_STRLEN] = "?";

	if (from->family)
		nk_addr_fmt(from, fb, sizeof(fb));
	/* A reflector answers every probe: one event per power of two. */
	uint64_t n = e->ts->v[t].st.n_unexpected_src;
	if ((n & (n - 1)) != 0)
		return;
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink,
		    "unexpected_source", NK_SEV_WARNING, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "seq", seq);
			nk_event_add_str(o, "from", fb);
			nk_event_add_uint(o, "count", n);
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "reply for %s seq=%u came from %s (%llu so "
		    "far)\n", e->ts->v[t].name, seq, fb, (unsigned long long)n);
}

void
mp_report_ttl_change(struct mp_report *r, const struct mp_engine *e, size_t t,
    uint8_t old_ttl, uint8_t new_ttl)
{
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink, "ttl_change",
		    NK_SEV_INFO, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_uint(o, "old_ttl", old_ttl);
			nk_event_add_uint(o, "new_ttl", new_ttl);
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "reply TTL of %s changed %u -> %u (path "
		    "change?)\n", e->ts->v[t].name, old_ttl, new_ttl);
}

void
mp_report_address_change(struct mp_report *r, const struct mp_engine *e,
    size_t t, const struct nk_addr *old)
{
	const struct mp_target *tg = &e->ts->v[t];
	char ob[NK_ADDR_STRLEN];

	nk_addr_fmt(old, ob, sizeof(ob));
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink,
		    "address_change", NK_SEV_WARNING, 0);
		if (o != NULL) {
			add_target(o, e, t);
			nk_event_add_str(o, "name", tg->host);
			nk_event_add_str(o, "old", ob);
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "%s now resolves to %s (was %s)\n",
		    tg->host ? tg->host : "?", tg->name, ob);
}

void
mp_report_corr(struct mp_report *r, const struct mp_engine *e,
    const struct mp_corr_set *set, const struct mp_corr_expl *x)
{
	r->n_corr_events++;
	if (r->n_corr == MP_REPORT_CORR_LINES) {
		memmove(r->corr[0], r->corr[1],
		    sizeof(r->corr[0]) * (MP_REPORT_CORR_LINES - 1));
		r->n_corr--;
	}
	snprintf(r->corr[r->n_corr++], sizeof(r->corr[0]), "%s", x->text);
	if (r->sink != NULL) {
		struct json_object *o = nk_event_begin(r->sink,
		    "correlated_loss", NK_SEV_CRITICAL, 0);
		if (o != NULL) {
			struct json_object *a = json_object_new_array();
			for (size_t i = 0; a != NULL && i < set->n; i++)
				json_object_array_add(a, json_object_new_string(
				    e->ts->v[set->targets[i]].name));
			json_object_object_add(o, "targets", a);
			nk_event_add_uint(o, "n_targets", set->n);
			nk_event_add_uint(o, "first_round", set->first_round);
			nk_event_add_uint(o, "last_round", set->last_round);
			nk_event_add_time(o, "first_time", e->start_real_ns +
			    (int64_t)set->first_round * e->bucket_ns);
			nk_event_add_time(o, "last_time", e->start_real_ns +
			    ((int64_t)set->last_round + 1) * e->bucket_ns);
			nk_event_add_uint(o, "shared_losses", set->shared);
			nk_event_add_double(o, "similarity",
			    round(set->similarity * 1000) / 1000);
			const struct mp_topo_group *g = x->group >= 0 ?
			    &e->topo->groups[x->group] : NULL;
			nk_event_add_str(o, "group", g ? g->name : NULL);
			if (g != NULL) {
				nk_event_add_uint(o, "group_members",
				    g->n_members);
				nk_event_add_uint(o, "group_lost", x->n_in_group);
			} else {
				json_object_object_add(o, "group_members", NULL);
				json_object_object_add(o, "group_lost", NULL);
			}
			nk_event_add_str(o, "upstream", x->upstream >= 0 ?
			    e->ts->v[x->upstream].name : NULL);
			nk_event_add_bool(o, "upstream_answered",
			    x->upstream >= 0);
			nk_event_add_str(o, "text", x->text);
			emit(r, o);
		}
	}
	if (r->plain)
		fprintf(r->out, "CORRELATED LOSS: %s\n", x->text);
}

enum nk_state
mp_report_target_state(const struct mp_report *r, const struct mp_stats *st,
    double occ_pct)
{
	struct mp_summary s;
	enum nk_state a, b;

	mp_stats_summary(st, &s);
	if (s.sent == 0)
		return NK_STATE_UNKNOWN;
	a = nk_threshold_eval(&r->loss_th, s.loss_pct);
	/* No reply at all: check_icmp calls the host down (critical). */
	b = s.recv ? nk_threshold_eval(&r->rtt_th, s.avg_ms) :
		     NK_STATE_CRITICAL;
	a = nk_state_worst(a, b);
	if (strcmp(mp_stats_class(st, occ_pct), "sequential") == 0)
		a = nk_state_worst(a, NK_STATE_WARNING);
	return a;
}

static void
summary_event(struct mp_report *r, const struct mp_engine *e, size_t t,
    bool final)
{
	const struct mp_stats *st = &e->ts->v[t].st;
	struct mp_summary s;
	enum nk_state state = mp_report_target_state(r, st, e->o.occ_pct);
	enum nk_severity sev = state == NK_STATE_OK ? NK_SEV_OK :
	    state == NK_STATE_WARNING		    ? NK_SEV_WARNING :
	    state == NK_STATE_CRITICAL		    ? NK_SEV_CRITICAL :
							      NK_SEV_UNKNOWN;

	mp_stats_summary(st, &s);
	struct json_object *o = nk_event_begin(r->sink, "summary", sev, 0);
	if (o == NULL)
		return;
	add_target(o, e, t);
	nk_event_add_bool(o, "final", final);
	nk_event_add_uint(o, "sent", s.sent);
	nk_event_add_uint(o, "received", s.recv);
	nk_event_add_uint(o, "lost", s.lost);
	nk_event_add_double(o, "loss_pct", round(s.loss_pct * 1000) / 1000);
	nk_event_add_double(o, "window_loss_pct",
	    round(s.win_loss_pct * 1000) / 1000);
	add_ms(o, "rtt_min_ms", s.min_ms);
	add_ms(o, "rtt_avg_ms", s.avg_ms);
	add_ms(o, "rtt_max_ms", s.max_ms);
	add_ms(o, "rtt_mdev_ms", s.mdev_ms);
	add_ms(o, "rtt_p50_ms", s.p50_ms);
	add_ms(o, "rtt_p95_ms", s.p95_ms);
	add_ms(o, "rtt_p99_ms", s.p99_ms);
	add_ms(o, "jitter_ms", s.jitter_ms);
	nk_event_add_uint(o, "run_current", s.run_cur);
	nk_event_add_uint(o, "run_longest", s.run_longest);
	nk_event_add_uint(o, "loss_runs", s.n_runs);
	nk_event_add_uint(o, "sequential_runs", s.n_seq_runs);
	nk_event_add_uint(o, "occasional_runs", s.n_occasional);
	nk_event_add_str(o, "class", mp_stats_class(st, e->o.occ_pct));
	nk_event_add_uint(o, "duplicates", st->n_dup);
	nk_event_add_uint(o, "late", st->n_late);
	nk_event_add_uint(o, "icmp_errors", st->n_errors);
	nk_event_add_uint(o, "unexpected_source", st->n_unexpected_src);
	nk_event_add_uint(o, "ttl_changes", st->n_ttl_changes);
	if (st->last_ttl)
		nk_event_add_uint(o, "ttl", st->last_ttl);
	else
		json_object_object_add(o, "ttl", NULL);
	nk_event_add_str(o, "state", nk_state_name(state));
	const struct mp_target *tg = &e->ts->v[t];
	nk_event_add_double(o, "interval_ms", (double)tg->interval_ns / 1e6);
	nk_event_add_double(o, "timeout_ms", (double)tg->timeout_ns / 1e6);
	nk_event_add_uint(o, "payload_bytes", tg->payload_bytes);
	if (tg->ttl > 0)
		nk_event_add_uint(o, "send_ttl", (uint64_t)tg->ttl);
	else
		json_object_object_add(o, "send_ttl", NULL);
	if (tg->dscp >= 0)
		nk_event_add_uint(o, "send_dscp", (uint64_t)tg->dscp);
	else
		json_object_object_add(o, "send_dscp", NULL);
	emit(r, o);
}

void
mp_report_summary(struct mp_report *r, const struct mp_engine *e, bool final)
{
	if (r->sink == NULL)
		return;
	for (size_t t = 0; t < e->ts->n; t++)
		summary_event(r, e, t, final);
}

static void
plain_summary(struct mp_report *r, const struct mp_engine *e, size_t t)
{
	const struct mp_target *tg = &e->ts->v[t];
	struct mp_summary s;

	mp_stats_summary(&tg->st, &s);
	fprintf(r->out, "--- %s multiping statistics ---\n", tg->name);
	fprintf(r->out, "%llu sent, %llu received, %.1f%% loss, %llu late, "
	    "%llu duplicates, %llu ICMP errors\n",
	    (unsigned long long)s.sent, (unsigned long long)s.recv,
	    s.loss_pct, (unsigned long long)tg->st.n_late,
	    (unsigned long long)tg->st.n_dup,
	    (unsigned long long)tg->st.n_errors);
	if (s.recv)
		fprintf(r->out, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms, "
		    "p50/p95/p99 = %.3f/%.3f/%.3f ms, jitter %.3f ms\n",
		    s.min_ms, s.avg_ms, s.max_ms, s.mdev_ms, s.p50_ms,
		    s.p95_ms, s.p99_ms, isnan(s.jitter_ms) ? 0 : s.jitter_ms);
	fprintf(r->out, "loss runs %llu (longest %u, sequential %llu), "
	    "class %s\n", (unsigned long long)s.n_runs, s.run_longest,
	    (unsigned long long)s.n_seq_runs,
	    mp_stats_class(&tg->st, e->o.occ_pct));
}

static void
plugin_line(struct mp_report *r, const struct mp_engine *e, enum nk_state *out)
{
	enum nk_state worst = NK_STATE_OK;
	size_t n_state[4] = {0};
	long worst_t = -1;
	double worst_loss = 0;
	char *perf = calloc(1, MP_PERF_MAX);
	char text[512], line[MP_PERF_MAX + 1024];

	for (size_t t = 0; t < e->ts->n; t++) {
		const struct mp_stats *st = &e->ts->v[t].st;
		struct mp_summary s;
		enum nk_state ts = mp_report_target_state(r, st, e->o.occ_pct);
		mp_stats_summary(st, &s);
		n_state[ts]++;
		bool worse = worst_t < 0 ||
		    (ts != worst && nk_state_worst(ts, worst) == ts) ||
		    (ts == worst && s.loss_pct > worst_loss);
		if (worse) {
			worst_t = (long)t;
			worst = ts;
			worst_loss = s.loss_pct;
		}
		if (perf != NULL) {
			char lab[NK_ADDR_STRLEN + 16];
			const char *nm = e->ts->v[t].name;
			snprintf(lab, sizeof(lab), "%s rta", nm);
			(void)nk_perf_append(perf, MP_PERF_MAX, lab,
			    s.recv ? round(s.avg_ms * 1000) / 1000 : 0, "ms",
			    &r->rtt_th, 0, NAN);
			snprintf(lab, sizeof(lab), "%s pl", nm);
			(void)nk_perf_append(perf, MP_PERF_MAX, lab,
			    round(s.loss_pct * 100) / 100,
			    "%", &r->loss_th, 0, 100);
			snprintf(lab, sizeof(lab), "%s lrun", nm);
			(void)nk_perf_append(perf, MP_PERF_MAX, lab,
			    s.run_longest, "", NULL, 0, NAN);
		}
	}
	if (worst_t >= 0) {
		struct mp_summary s;
		mp_stats_summary(&e->ts->v[worst_t].st, &s);
		snprintf(text, sizeof(text), "%zu targets: %zu ok, %zu warning, "
		    "%zu critical, %zu unknown; worst %s loss %.1f%% rta %.3f ms "
		    "longest run %u (%s)", e->ts->n, n_state[0], n_state[1],
		    n_state[2], n_state[3], e->ts->v[worst_t].name, s.loss_pct,
		    s.recv ? s.avg_ms : 0, s.run_longest,
		    mp_stats_class(&e->ts->v[worst_t].st, e->o.occ_pct));
	} else {
		snprintf(text, sizeof(text), "no targets");
		worst = NK_STATE_UNKNOWN;
	}
	if (r->n_corr_events > 0) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "; %llu correlated-loss "
		    "events", (unsigned long long)r->n_corr_events);
	}
	fprintf(r->out, "%s\n", nk_plugin_line(line, sizeof(line), "MULTIPING",
	    worst, text, perf ? perf : ""));
	free(perf);
	*out = worst;
}

int
mp_report_finish(struct mp_report *r, const struct mp_engine *e)
{
	enum nk_state st = NK_STATE_OK;

	if (r->sink != NULL) {
		mp_report_summary(r, e, true);
		struct json_object *o = nk_event_begin(r->sink, "end",
		    NK_SEV_INFO, 0);
		if (o != NULL) {
			nk_event_add_uint(o, "targets", e->ts->n);
			nk_event_add_uint(o, "rounds", e->close_round);
			nk_event_add_uint(o, "foreign", e->n_foreign);
			nk_event_add_uint(o, "mangled", e->n_mangled);
			nk_event_add_uint(o, "malformed", e->n_malformed);
			nk_event_add_uint(o, "send_errors", e->n_send_err);
			nk_event_add_uint(o, "correlated_events",
			    r->n_corr_events);
			emit(r, o);
		}
	}
	if (r->plain)
		for (size_t t = 0; t < e->ts->n; t++)
			plain_summary(r, e, t);
	if (r->plugin)
		plugin_line(r, e, &st);
	fflush(r->out);
	return nk_state_exit_code(st);
}
