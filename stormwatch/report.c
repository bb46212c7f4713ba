/*
 * report: JSON events, live lines, shell summary, plugin line. See
 * report.h; docs/events.md documents every field.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define OFFENDERS_SHOWN 40

const char *
sw_report_vendor(
    const struct sw_report *r, bool has_mac, const struct nk_mac *mac)
{
	const char *v;

	if (!has_mac)
		return "-";
	if (nk_mac_is_local(mac))
		return "(local MAC)"; /* no OUI: set by software */
	if (r == NULL || r->oui == NULL)
		return "?";
	v = nk_oui_db_lookup(r->oui, mac);
	return v != NULL ? v : "?";
}

static const char *
ipstr(const struct nk_addr *a, char *buf, size_t len)
{
	if (a->family == 0) {
		(void)snprintf(buf, len, "-");
		return buf;
	}
	return nk_addr_fmt(a, buf, len);
}

static const char *
macstr(bool has, const struct nk_mac *m, char *buf, size_t len)
{
	if (!has) {
		(void)snprintf(buf, len, "-");
		return buf;
	}
	return nk_mac_fmt(m, buf, len);
}

static double
secs(int64_t ns)
{
	return (double)ns / (double)NK_NS_PER_SEC;
}

static void
add_source(
    const struct sw_report *r, struct json_object *o, const struct sw_source *s)
{
	char b[NK_ADDR_STRLEN];

	nk_event_add_str(
	    o, "ip", s->ip.family ? ipstr(&s->ip, b, sizeof(b)) : NULL);
	nk_event_add_str(
	    o, "mac", s->has_mac ? nk_mac_fmt(&s->mac, b, sizeof(b)) : NULL);
	const char *v = sw_report_vendor(r, s->has_mac, &s->mac);
	nk_event_add_str(
	    o, "vendor", v[0] == '?' || v[0] == '-' || v[0] == '(' ? NULL : v);
	if (s->has_vlan)
		nk_event_add_int(o, "vlan", s->vlan);
	else
		nk_event_add_str(o, "vlan", NULL);
}

static void
add_storm(struct json_object *o, const struct sw_storm *st)
{
	char b[NK_ADDR_STRLEN];

	nk_event_add_uint(o, "storm", st->id);
	nk_event_add_str(o, "victim", ipstr(&st->victim, b, sizeof(b)));
	nk_event_add_str(o, "originator",
	    st->originator_seen ? ipstr(&st->originator, b, sizeof(b)) : NULL);
	nk_event_add_bool(o, "originator_seen", st->originator_seen);
	nk_event_add_str(o, "originator_mac",
	    st->has_originator_mac
		? nk_mac_fmt(&st->originator_mac, b, sizeof(b))
		: NULL);
	nk_event_add_str(o, "dst_mac",
	    st->has_dst_mac ? nk_mac_fmt(&st->dst_mac, b, sizeof(b)) : NULL);
	nk_event_add_int(o, "icmp_id", st->icmp_id);
	nk_event_add_int(o, "icmp_seq", st->icmp_seq);
	nk_event_add_uint(o, "copies", st->copies);
	nk_event_add_uint(o, "reflectors", st->n_reflectors);
}

static const char *const rate_reasons[] = {"change", "interval", "end"};

/* broadcast_rate: a state change (one interval), or the report window. */
static struct json_object *
bcast_json(struct sw_report *r, const struct sw_event *ev)
{
	enum nk_severity sev = ev->state == NK_STATE_CRITICAL ? NK_SEV_CRITICAL
	    : ev->state == NK_STATE_WARNING                   ? NK_SEV_WARNING
							      : NK_SEV_OK;
	double win_s = secs(ev->window_ns > 0 ? ev->window_ns : NK_NS_PER_SEC);
	struct json_object *o =
	    nk_event_begin(r->sink, "broadcast_rate", sev, ev->ts_ns);

	nk_event_add_str(o, "reason", rate_reasons[ev->reason]);
	nk_event_add_str(o, "state", nk_state_name(ev->state));
	nk_event_add_double(o, "window_s", win_s);
	nk_event_add_uint(o, "frames", ev->frames);
	if (ev->reason == SW_RATE_CHANGE)
		nk_event_add_uint(o, "pps", ev->pps);
	else
		nk_event_add_double(
		    o, "pps", round((double)ev->frames / win_s * 1000) / 1000);
	nk_event_add_uint(o, "peak_pps", ev->peak_pps);
	if (ev->reason == SW_RATE_CHANGE) {
		if (ev->source != NULL) {
			struct json_object *t = json_object_new_object();
			add_source(r, t, ev->source);
			nk_event_add_uint(t, "pps", ev->src_pps);
			json_object_object_add(o, "top_source", t);
		}
		return o;
	}
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < ev->n_top; i++) {
		const struct sw_source *s = ev->top[i];
		struct json_object *t = json_object_new_object();
		add_source(r, t, s);
		nk_event_add_uint(t, "frames", s->w_frames);
		nk_event_add_double(
		    t, "pps", round((double)s->w_frames / win_s * 1000) / 1000);
		nk_event_add_uint(t, "peak_pps", s->w_peak);
		(void)json_object_array_add(arr, t);
	}
	json_object_object_add(o, "top_sources", arr);
	return o;
}

static void
json_event(struct sw_report *r, const struct sw_event *ev)
{
	struct json_object *o;
	const struct sw_storm *st = ev->storm;
	const struct sw_source *s = ev->source;

	switch (ev->type) {
	case SW_EV_STORM_START:
		o = nk_event_begin(
		    r->sink, "storm_start", NK_SEV_CRITICAL, ev->ts_ns);
		add_storm(o, st);
		nk_event_add_uint(o, "first_frame", st->first_frame_no);
		nk_event_add_time(o, "first_ts", st->first_ns);
		nk_event_add_int(o, "first_ttl", st->first_ttl);
		nk_event_add_str(o, "first_icmp_cksum",
		    st->first_cksum == NK_CKSUM_BAD        ? "bad"
			: st->first_cksum == NK_CKSUM_GOOD ? "good"
							   : "unknown");
		break;
	case SW_EV_STORM_UPDATE:
		o = nk_event_begin(
		    r->sink, "storm_update", NK_SEV_CRITICAL, ev->ts_ns);
		add_storm(o, st);
		nk_event_add_uint(o, "copies_pps", st->iv_copies);
		nk_event_add_uint(o, "new_reflectors", st->n_new_reflectors);
		nk_event_add_double(
		    o, "duration_s", secs(st->last_ns - st->first_ns));
		break;
	case SW_EV_STORM_END:
		o = nk_event_begin(r->sink, "storm_end", NK_SEV_OK, ev->ts_ns);
		add_storm(o, st);
		nk_event_add_uint(o, "echoes", st->n_echoes);
		nk_event_add_uint(o, "peak_copies_pps", st->peak_pps);
		nk_event_add_int(o, "ttl_min", st->ttl_min);
		nk_event_add_int(o, "ttl_max", st->ttl_max);
		nk_event_add_time(o, "first_ts", st->first_ns);
		nk_event_add_time(o, "last_ts", st->last_ns);
		nk_event_add_double(
		    o, "duration_s", secs(st->last_ns - st->first_ns));
		break;
	case SW_EV_OFFENDER:
		o = nk_event_begin(
		    r->sink, "offender", NK_SEV_CRITICAL, ev->ts_ns);
		nk_event_add_uint(o, "storm", st->id);
		nk_event_add_str(o, "role", "reflector");
		add_source(r, o, s);
		nk_event_add_uint(o, "copies", s->copies);
		nk_event_add_int(o, "ttl_min", s->ttl_min);
		nk_event_add_int(o, "ttl_max", s->ttl_max);
		nk_event_add_time(o, "first_seen", s->first_ns);
		nk_event_add_time(o, "last_seen", s->last_ns);
		nk_event_add_bool(o, "final", ev->final);
		break;
	case SW_EV_BCAST_RATE:
	default:
		o = bcast_json(r, ev);
		break;
	}
	(void)nk_event_emit(r->sink, o);
}

static void
line_event(struct sw_report *r, const struct sw_event *ev)
{
	char t[NK_CLOCK_RFC3339_LEN], a[NK_ADDR_STRLEN], b[NK_ADDR_STRLEN];
	const struct sw_storm *st = ev->storm;
	const struct sw_source *s = ev->source;

	nk_clock_fmt_rfc3339(ev->ts_ns, t, sizeof(t));
	switch (ev->type) {
	case SW_EV_STORM_START:
		fprintf(r->lines,
		    "%s STORM %u started: mangled ping %s -> %s "
		    "(icmp id %u seq %u) re-sent by %u reflectors so far\n",
		    t, st->id,
		    st->originator_seen ? ipstr(&st->originator, a, sizeof(a))
					: "(originator not seen)",
		    ipstr(&st->victim, b, sizeof(b)), st->icmp_id, st->icmp_seq,
		    st->n_reflectors);
		break;
	case SW_EV_STORM_UPDATE:
		if (st->n_new_reflectors > 0)
			fprintf(r->lines,
			    "%s storm %u: %llu copies/s, %u "
			    "reflectors (+%u)\n",
			    t, st->id, (unsigned long long)st->iv_copies,
			    st->n_reflectors, st->n_new_reflectors);
		break;
	case SW_EV_STORM_END:
		fprintf(r->lines,
		    "%s storm %u ended: %llu copies from %u "
		    "reflectors in %.3f s\n",
		    t, st->id, (unsigned long long)st->copies, st->n_reflectors,
		    secs(st->last_ns - st->first_ns));
		break;
	case SW_EV_OFFENDER:
		if (!ev->final)
			fprintf(r->lines, "%s   reflector %-15s %s %s\n", t,
			    ipstr(&s->ip, a, sizeof(a)),
			    macstr(s->has_mac, &s->mac, b, sizeof(b)),
			    sw_report_vendor(r, s->has_mac, &s->mac));
		break;
	case SW_EV_BCAST_RATE:
	default:
		if (ev->reason != SW_RATE_CHANGE)
			return; /* the periodic figures are for --json */
		fprintf(r->lines, "%s broadcast rate %s: %llu frames/s%s%s\n",
		    t, nk_state_name(ev->state), (unsigned long long)ev->pps,
		    s != NULL ? ", top source " : "",
		    s != NULL ? macstr(s->has_mac, &s->mac, a, sizeof(a)) : "");
		break;
	}
	fflush(r->lines);
}

void
sw_report_event(void *ctx, const struct sw_event *ev)
{
	struct sw_report *r = ctx;

	if (r->sink != NULL)
		json_event(r, ev);
	if (r->lines != NULL)
		line_event(r, ev);
}

enum nk_state
sw_report_state(const struct sw_detect *d, const struct sw_run *run)
{
	enum nk_state st =
	    nk_state_worst(sw_detect_state(d), sw_detect_bcast_state(d));
	if (run->read_error != NULL)
		st = nk_state_worst(st, NK_STATE_UNKNOWN);
	return st;
}

void
sw_report_capture_stats(struct sw_report *r, const struct sw_detect *d,
    const struct sw_run *run, int64_t now_ns)
{
	const struct sw_counters *c = sw_detect_counters(d);
	const struct sw_source *who;
	char b[NK_ADDR_STRLEN];
	enum nk_state st = sw_report_state(d, run);
	enum nk_severity sev = st == NK_STATE_CRITICAL ? NK_SEV_CRITICAL
	    : st == NK_STATE_WARNING                   ? NK_SEV_WARNING
	    : st == NK_STATE_UNKNOWN                   ? NK_SEV_UNKNOWN
						       : NK_SEV_OK;

	if (r->sink == NULL)
		return;
	struct json_object *o =
	    nk_event_begin(r->sink, "capture_stats", sev, now_ns);
	nk_event_add_str(o, "source", run->source);
	nk_event_add_str(o, "state", nk_state_name(st));
	nk_event_add_uint(o, "frames", c->frames);
	nk_event_add_uint(o, "bytes", c->bytes);
	nk_event_add_uint(o, "truncated", c->truncated);
	nk_event_add_uint(o, "malformed", c->malformed);
	nk_event_add_uint(o, "group_frames", c->group_frames);
	nk_event_add_uint(o, "bad_ip_cksum", c->bad_ip);
	nk_event_add_uint(o, "bad_icmp_cksum", c->bad_icmp);
	nk_event_add_uint(o, "bad_l4_cksum", c->bad_l4);
	nk_event_add_uint(o, "mangled_echoes", c->mangled);
	nk_event_add_uint(o, "reflected_echoes", c->reflected);
	nk_event_add_uint(o, "copies", c->copies);
	nk_event_add_uint(o, "storms", c->storms);
	nk_event_add_uint(o, "peak_bcast_pps", c->peak_bcast_pps);
	nk_event_add_uint(o, "sources", sw_detect_n_sources(d));
	nk_event_add_uint(o, "sources_evicted", c->sources_evicted);
	nk_event_add_uint(o, "echoes_evicted", c->echoes_evicted);
	bool off = sw_detect_offload_suspected(d, &who);
	nk_event_add_bool(o, "offload_suspected", off);
	if (off && who != NULL)
		nk_event_add_str(o, "offload_source",
		    who->ip.family
			? ipstr(&who->ip, b, sizeof(b))
			: macstr(who->has_mac, &who->mac, b, sizeof(b)));
	nk_event_add_bool(o, "has_mac", !run->no_mac_link);
	if (run->live) {
		nk_event_add_uint(o, "kernel_recv", run->k_recv);
		nk_event_add_uint(o, "kernel_drops", run->k_drop);
		nk_event_add_uint(o, "if_drops", run->k_ifdrop);
	}
	if (run->read_error != NULL)
		nk_event_add_str(o, "read_error", run->read_error);
	(void)nk_event_emit(r->sink, o);
}

static int
offender_cmp(const struct sw_source *a, const struct sw_source *b)
{
	unsigned ra = a->roles & SW_ROLE_REFLECTOR,
		 rb = b->roles & SW_ROLE_REFLECTOR;
	if (ra != rb)
		return ra ? -1 : 1;
	if (a->copies != b->copies)
		return a->copies > b->copies ? -1 : 1;
	if (a->group_frames != b->group_frames)
		return a->group_frames > b->group_frames ? -1 : 1;
	return nk_addr_cmp(&a->ip, &b->ip);
}

size_t
sw_report_offenders(const struct sw_detect *d, size_t *idx, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < sw_detect_n_sources(d) && k < n; i++) {
		const struct sw_source *s = sw_detect_source(d, i);
		if (s->roles & (SW_ROLE_REFLECTOR | SW_ROLE_BCAST))
			idx[k++] = i;
	}
	/* insertion sort: n is small (offenders, not sources) */
	for (size_t i = 1; i < k; i++) {
		size_t v = idx[i], j = i;
		while (j > 0 &&
		    offender_cmp(sw_detect_source(d, v),
			sw_detect_source(d, idx[j - 1])) < 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	return k;
}

static const char *
hms(int64_t ns, char *buf, size_t len)
{
	char t[NK_CLOCK_RFC3339_LEN];
	nk_clock_fmt_rfc3339(ns, t, sizeof(t));
	/* "2026-11-23T03:12:09.412Z" -> "03:12:09.412" */
	(void)snprintf(buf, len, "%.12s", strlen(t) > 11 ? t + 11 : t);
	return buf;
}

static const char *
cksum_name(enum nk_cksum c)
{
	return c == NK_CKSUM_BAD ? "bad"
	    : c == NK_CKSUM_GOOD ? "good"
				 : "unknown";
}

static void
summary_storms(FILE *out, const struct sw_report *r, const struct sw_detect *d)
{
	char a[NK_ADDR_STRLEN], b[NK_ADDR_STRLEN], t[32];
	size_t n = sw_detect_n_storms(d);

	for (size_t i = 0; i < n; i++) {
		const struct sw_storm *st = sw_detect_storm(d, i);
		if (i == 0 || i + 1 == n || n <= 4) {
			fprintf(out, "  victim       %s (dst MAC %s%s)\n",
			    ipstr(&st->victim, a, sizeof(a)),
			    macstr(st->has_dst_mac, &st->dst_mac, b, sizeof(b)),
			    st->has_dst_mac && nk_mac_is_broadcast(&st->dst_mac)
				? ", broadcast"
				: st->has_dst_mac ? ", group bit set"
						  : "");
			if (st->originator_seen)
				fprintf(out,
				    "  originator   %s %s %s (sent the first "
				    "mangled frame #%llu at %s: icmp id %u seq "
				    "%u, ttl %u, ICMP checksum %s)\n",
				    ipstr(&st->originator, a, sizeof(a)),
				    macstr(st->has_originator_mac,
					&st->originator_mac, b, sizeof(b)),
				    sw_report_vendor(r, st->has_originator_mac,
					&st->originator_mac),
				    (unsigned long long)st->first_frame_no,
				    hms(st->first_ns, t, sizeof(t)),
				    st->icmp_id, st->icmp_seq, st->first_ttl,
				    cksum_name(st->first_cksum));
			else
				fprintf(out,
				    "  originator   not seen (capture started "
				    "mid-storm: the first frame seen, #%llu at "
				    "%s from %s, ttl %u, icmp id %u seq %u, "
				    "was "
				    "already a copy)\n",
				    (unsigned long long)st->first_frame_no,
				    hms(st->first_ns, t, sizeof(t)),
				    ipstr(&st->first_src, a, sizeof(a)),
				    st->first_ttl, st->icmp_id, st->icmp_seq);
		}
		fprintf(out,
		    "  storm %-6u %llu copies from %u reflectors in "
		    "%.3f s (peak %llu/s, copies ttl %u..%u)%s\n",
		    st->id, (unsigned long long)st->copies, st->n_reflectors,
		    secs(st->last_ns - st->first_ns),
		    (unsigned long long)st->peak_pps, st->ttl_min, st->ttl_max,
		    st->active ? " ONGOING" : "");
	}
	if (sw_detect_counters(d)->storms > n)
		fprintf(out, "  (%llu storms in all; the last %zu shown)\n",
		    (unsigned long long)sw_detect_counters(d)->storms, n);
}

void
sw_report_summary(FILE *out, const struct sw_report *r,
    const struct sw_detect *d, const struct sw_run *run)
{
	const struct sw_counters *c = sw_detect_counters(d);
	enum nk_state st = sw_report_state(d, run);
	char a[NK_ADDR_STRLEN], b[NK_ADDR_STRLEN], t1[32], t2[32];
	size_t idx[OFFENDERS_SHOWN * 4];
	size_t n_off =
	    sw_report_offenders(d, idx, sizeof(idx) / sizeof(idx[0]));
	size_t n_refl = 0;
	const struct sw_source *who;
	const struct sw_source *top = sw_detect_top_bcast(d);

	for (size_t i = 0; i < n_off; i++)
		if (sw_detect_source(d, idx[i])->roles & SW_ROLE_REFLECTOR)
			n_refl++;

	/* line 1: the verdict */
	if (c->storms > 0)
		fprintf(out,
		    "stormwatch: %s - reflection storm: %zu routers "
		    "re-sent a mangled ping (%llu copies)\n",
		    nk_state_name(st), n_refl, (unsigned long long)c->copies);
	else if (c->reflected > 0)
		fprintf(out,
		    "stormwatch: %s - mangled pings reflected by %zu "
		    "routers, below the storm thresholds\n",
		    nk_state_name(st), n_refl);
	else if (sw_detect_bcast_state(d) != NK_STATE_OK)
		fprintf(out,
		    "stormwatch: %s - broadcast storm: peak %llu "
		    "frames/s to group MACs\n",
		    nk_state_name(st), (unsigned long long)c->peak_bcast_pps);
	else
		fprintf(out,
		    "stormwatch: %s - no storm (%llu frames, peak "
		    "broadcast %llu/s)\n",
		    nk_state_name(st), (unsigned long long)c->frames,
		    (unsigned long long)c->peak_bcast_pps);
	fprintf(out, "  read         %s: %llu frames", run->source,
	    (unsigned long long)c->frames);
	if (c->frames > 0)
		fprintf(out, " %s..%s UTC (%.3f s)",
		    hms(run->first_ns, t1, sizeof(t1)),
		    hms(run->last_ns, t2, sizeof(t2)),
		    secs(run->last_ns - run->first_ns));
	fprintf(out, "\n");
	if (run->read_error != NULL)
		fprintf(out,
		    "  READ ERROR   %s (analysis covers the frames "
		    "before it)\n",
		    run->read_error);
	if (run->no_mac_link)
		fprintf(out,
		    "  note         raw IP capture: no MAC addresses, "
		    "so no group-MAC signature and no vendors; IP layer "
		    "analysed\n");
	summary_storms(out, r, d);

	if (n_off > 0) {
		fprintf(out, "  offenders (%zu):\n", n_off);
		fprintf(out,
		    "    %-15s %-17s %-20s %4s %8s %8s %5s %-12s "
		    "%-12s\n",
		    "IP", "MAC", "VENDOR", "VLAN", "COPIES", "BCAST", "TTL",
		    "FIRST", "LAST");
		for (size_t i = 0; i < n_off && i < OFFENDERS_SHOWN; i++) {
			const struct sw_source *s = sw_detect_source(d, idx[i]);
			char vl[8], ttl[12];
			if (s->has_vlan)
				(void)snprintf(vl, sizeof(vl), "%u", s->vlan);
			else
				(void)snprintf(vl, sizeof(vl), "-");
			if (s->copies > 0)
				(void)snprintf(ttl, sizeof(ttl), "%u..%u",
				    s->ttl_min, s->ttl_max);
			else
				(void)snprintf(ttl, sizeof(ttl), "-");
			fprintf(out,
			    "    %-15s %-17s %-20.20s %4s %8llu %8llu "
			    "%5s %-12s %-12s\n",
			    ipstr(&s->ip, a, sizeof(a)),
			    macstr(s->has_mac, &s->mac, b, sizeof(b)),
			    sw_report_vendor(r, s->has_mac, &s->mac), vl,
			    (unsigned long long)s->copies,
			    (unsigned long long)s->group_frames, ttl,
			    hms(s->first_ns, t1, sizeof(t1)),
			    hms(s->last_ns, t2, sizeof(t2)));
		}
		if (n_off > OFFENDERS_SHOWN)
			fprintf(out, "    ... %zu more (--json lists all)\n",
			    n_off - OFFENDERS_SHOWN);
		/* "all 8 offenders are NETGEAR": the one-vendor clue */
		const char *v0 = NULL;
		bool same = n_refl > 1;
		for (size_t i = 0; i < n_off && same; i++) {
			const struct sw_source *s = sw_detect_source(d, idx[i]);
			if (!(s->roles & SW_ROLE_REFLECTOR))
				continue;
			const char *v =
			    sw_report_vendor(r, s->has_mac, &s->mac);
			if (v0 == NULL)
				v0 = v;
			else if (strcmp(v, v0) != 0)
				same = false;
		}
		if (same && v0 != NULL && v0[0] != '?' && v0[0] != '-' &&
		    v0[0] != '(')
			fprintf(out,
			    "  note         all %zu reflectors are %s "
			    "(one vendor: a firmware bug, not a wiring "
			    "fault)\n",
			    n_refl, v0);
	}
	if (c->reflected == 0 && c->mangled > 0)
		fprintf(out,
		    "  note         %llu echo(es) to a group MAC seen, "
		    "reflected by nobody\n",
		    (unsigned long long)c->mangled);
	if (sw_detect_offload_suspected(d, &who))
		fprintf(out,
		    "  note         offload suspected: %llu bad TCP/UDP "
		    "checksums, all sent by %s %s (the capturing host; its NIC "
		    "fills them in after capture) - not an alarm\n",
		    (unsigned long long)(c->bad_l4 + c->bad_l4_local),
		    who != NULL ? ipstr(&who->ip, a, sizeof(a)) : "the",
		    who != NULL ? macstr(who->has_mac, &who->mac, b, sizeof(b))
				: "interface's own MAC");
	if (top != NULL && sw_detect_bcast_state(d) != NK_STATE_OK)
		fprintf(out,
		    "  broadcast    peak %llu frames/s; top source %s "
		    "%s %s: %llu frames, peak %llu/s (ARP %llu, DHCP %llu in "
		    "all)\n",
		    (unsigned long long)c->peak_bcast_pps,
		    ipstr(&top->ip, a, sizeof(a)),
		    macstr(top->has_mac, &top->mac, b, sizeof(b)),
		    sw_report_vendor(r, top->has_mac, &top->mac),
		    (unsigned long long)top->group_frames,
		    (unsigned long long)top->peak_bcast_pps,
		    (unsigned long long)c->arp, (unsigned long long)c->dhcp);
	fprintf(out,
	    "  counters     bad checksums: ICMP %llu, IPv4 header "
	    "%llu, TCP/UDP %llu; truncated %llu; malformed %llu; group-MAC "
	    "frames %llu",
	    (unsigned long long)c->bad_icmp, (unsigned long long)c->bad_ip,
	    (unsigned long long)c->bad_l4, (unsigned long long)c->truncated,
	    (unsigned long long)c->malformed,
	    (unsigned long long)c->group_frames);
	if (run->live)
		fprintf(out, "; kernel drops %llu",
		    (unsigned long long)run->k_drop);
	fprintf(out, "\n");
	if (run->evidence_path != NULL)
		fprintf(out, "  evidence     %llu storm frames written to %s\n",
		    (unsigned long long)run->evidence_frames,
		    run->evidence_path);
	if (c->storms > 0)
		fprintf(out,
		    "  do           have the owners of the %zu "
		    "reflectors fix or replace those routers (they copy frames "
		    "sent to a group MAC without checking the ICMP checksum); "
		    "meanwhile filter ICMP echo to group MACs at the tower "
		    "bridge/radio, and look for the link that mangles frames "
		    "near the originator\n",
		    n_refl);
	else if (sw_detect_bcast_state(d) != NK_STATE_OK && top != NULL)
		fprintf(out,
		    "  do           find the device with MAC %s and "
		    "stop its flood (storm-control on the switch port); check "
		    "for a loop if many sources rise together\n",
		    macstr(top->has_mac, &top->mac, b, sizeof(b)));
	else if (run->read_error != NULL)
		fprintf(out,
		    "  do           re-capture or repair the file; "
		    "the figures above cover only what could be read\n");
}

void
sw_report_plugin(FILE *out, const struct sw_report *r,
    const struct sw_detect *d, const struct sw_run *run,
    const struct sw_config *cfg)
{
	const struct sw_counters *c = sw_detect_counters(d);
	enum nk_state st = sw_report_state(d, run);
	char text[512], perf[1024] = "", line[1700], a[NK_ADDR_STRLEN];
	size_t n_refl = 0;

	(void)r;
	for (size_t i = 0; i < sw_detect_n_sources(d); i++)
		if (sw_detect_source(d, i)->roles & SW_ROLE_REFLECTOR)
			n_refl++;
	if (c->storms > 0) {
		const struct sw_storm *s =
		    sw_detect_storm(d, sw_detect_n_storms(d) - 1);
		char o[NK_ADDR_STRLEN];
		if (s->originator_seen)
			(void)ipstr(&s->originator, o, sizeof(o));
		else
			(void)snprintf(o, sizeof(o),
			    "not seen (capture started mid-storm)");
		(void)snprintf(text, sizeof(text),
		    "reflection storm: %zu "
		    "reflectors, %llu copies, victim %s, originator %s",
		    n_refl, (unsigned long long)c->copies,
		    ipstr(&s->victim, a, sizeof(a)), o);
	} else if (sw_detect_bcast_state(d) != NK_STATE_OK) {
		(void)snprintf(text, sizeof(text),
		    "broadcast rate peak %llu "
		    "frames/s",
		    (unsigned long long)c->peak_bcast_pps);
	} else if (run->read_error != NULL) {
		(void)snprintf(text, sizeof(text), "%s", run->read_error);
	} else {
		(void)snprintf(text, sizeof(text), "no storm in %llu frames",
		    (unsigned long long)c->frames);
	}
	(void)nk_perf_append(
	    perf, sizeof(perf), "reflectors", (double)n_refl, "", NULL, 0, NAN);
	(void)nk_perf_append(
	    perf, sizeof(perf), "copies", (double)c->copies, "c", NULL, 0, NAN);
	(void)nk_perf_append(perf, sizeof(perf), "bcast_pps",
	    (double)c->peak_bcast_pps, "", &cfg->bcast, 0, NAN);
	(void)nk_perf_append(perf, sizeof(perf), "bad_icmp",
	    (double)c->bad_icmp, "c", NULL, 0, NAN);
	(void)nk_perf_append(
	    perf, sizeof(perf), "bad_ip", (double)c->bad_ip, "c", NULL, 0, NAN);
	(void)nk_perf_append(
	    perf, sizeof(perf), "bad_l4", (double)c->bad_l4, "c", NULL, 0, NAN);
	(void)nk_perf_append(perf, sizeof(perf), "truncated",
	    (double)c->truncated, "c", NULL, 0, NAN);
	(void)nk_perf_append(
	    perf, sizeof(perf), "frames", (double)c->frames, "c", NULL, 0, NAN);
	if (run->live)
		(void)nk_perf_append(perf, sizeof(perf), "kernel_drops",
		    (double)run->k_drop, "c", NULL, 0, NAN);
	fprintf(out, "%s\n",
	    nk_plugin_line(line, sizeof(line), "STORMWATCH", st, text, perf));
}
