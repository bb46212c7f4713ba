/* engine_cmd: replay, check, show and diff over the watch engine. */
#include "engine_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alarm.h"
#include "cli.h"
#include "clock.h"
#include "dump.h"
#include "event.h"
#include "log.h"
#include "tuiface.h"
#include "walk.h"
#include "watch.h"

enum { OPT_PREFIX = 256, OPT_NO_TUI, OPT_ALL };

struct eargs {
	const char *prefix;
	bool no_tui;
	bool all;
};

static int
eopt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct eargs *a = ctx;
	(void)err;
	switch (id) {
	case OPT_PREFIX:
		a->prefix = arg;
		break;
	case OPT_NO_TUI:
		a->no_tui = true;
		break;
	case OPT_ALL:
		a->all = true;
		break;
	default:
		break;
	}
	return 0;
}

static const struct nk_cli_opt engine_opts[] = {
    {"prefix", 'p', NK_CLI_REQ_ARG, OPT_PREFIX, "PREFIX",
	"the prefix to check (check)"},
    {"no-tui", 0, NK_CLI_NO_ARG, OPT_NO_TUI, NULL,
	"plain lines even on a terminal (replay)"},
    {"all", 0, NK_CLI_NO_ARG, OPT_ALL, NULL,
	"show every route of diff, not only upstreams"},
    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
};

static int
parse_args(int argc, char **argv, const char *usage, struct eargs *a,
    struct nk_cli_common *c, struct watch_cfg *cfg)
{
	struct nk_err err = {{0}};

	memset(a, 0, sizeof(*a));
	memset(c, 0, sizeof(*c));
	int first =
	    nk_cli_parse(argc, argv, engine_opts, eopt, a, c, true, &err);
	if (first < 0) {
		fprintf(stderr, "bgpwatch %s: %s\n", argv[0], nk_err_msg(&err));
		return -1;
	}
	if (c->help) {
		nk_cli_help(stdout, "bgpwatch", usage,
		    "Watch BGP routes from MRT files; see bgpwatch(1).",
		    engine_opts);
		return -2;
	}
	/* replay logs every event (info included); the others only
	 * problems unless -v */
	bool replay = strcmp(argv[0], "replay") == 0;
	nk_log_init("bgpwatch",
	    c->quiet                         ? NK_LOG_ERR
		: (c->verbose > 0 || replay) ? NK_LOG_INFO
					     : NK_LOG_WARN,
	    c->syslog);
	if (c->config != NULL) {
		if (watch_cfg_load(c->config, cfg, &err) < 0) {
			fprintf(stderr, "bgpwatch: %s\n", nk_err_msg(&err));
			return -1;
		}
	} else {
		watch_cfg_default(cfg);
	}
	return first;
}

/* ---- events out: JSON (lib/event) or text, and one log line each ---- */
void
engine_out_event(void *arg, const struct watch_event *ev)
{
	struct out *o = arg;
	char pfx[64] = "", at[NK_CLOCK_RFC3339_LEN], pa[64] = "";
	char e1[1800], e2[128];
	int64_t ns =
	    (int64_t)ev->ts * NK_NS_PER_SEC + (int64_t)ev->usec * NK_NS_PER_US;

	if (ev->has_prefix)
		(void)nk_prefix_fmt(&ev->prefix, pfx, sizeof(pfx));
	if (ev->peer != NULL)
		dump_fmt_addr(&ev->peer_addr, pa, sizeof(pa));
	nk_clock_fmt_rfc3339(ns, at, sizeof(at));
	/* a critical event (a prefix unreachable, a session down) is an
	 * error to syslog, so it passes filters that drop warnings */
	enum nk_log_level lvl = ev->sev == NK_SEV_CRITICAL ? NK_LOG_ERR
	    : ev->sev == NK_SEV_WARNING			   ? NK_LOG_WARN
							   : NK_LOG_INFO;
	nk_log(lvl, ev->name,
	    "at=%s prefix=%s peer=%s peer_addr=%s peer_as=%u "
	    "detail=%s",
	    at, pfx[0] ? pfx : "-",
	    nk_log_str(e2, sizeof(e2), ev->peer ? ev->peer : "-"),
	    pa[0] ? pa : "-", ev->peer_as,
	    nk_log_str(e1, sizeof(e1), ev->detail));
	if (o->tui != NULL)
		tuiface_event(o->tui, ev);
	if (o->hook != NULL)
		o->hook(o->hook_arg, ev);
	if (o->json && o->sink != NULL) {
		struct json_object *j =
		    nk_event_begin(o->sink, ev->name, ev->sev, ns);
		if (j == NULL)
			return;
		if (ev->has_prefix)
			nk_event_add_str(j, "prefix", pfx);
		if (ev->peer != NULL) {
			nk_event_add_str(j, "peer", ev->peer);
			nk_event_add_str(j, "peer_addr", pa);
			nk_event_add_uint(j, "peer_as", ev->peer_as);
		}
		if (ev->old_path[0] || ev->old_origin_as) {
			nk_event_add_str(j, "old_as_path", ev->old_path);
			nk_event_add_uint(
			    j, "old_origin_as", ev->old_origin_as);
		}
		if (ev->new_path[0] || ev->new_origin_as) {
			nk_event_add_str(j, "new_as_path", ev->new_path);
			nk_event_add_uint(
			    j, "new_origin_as", ev->new_origin_as);
		}
		if (strcmp(ev->name, "withdrawn") == 0 ||
		    strcmp(ev->name, "unreachable") == 0 ||
		    strcmp(ev->name, "announced") == 0 ||
		    strcmp(ev->name, "reachable_again") == 0)
			nk_event_add_str(j, "still_via", ev->still_via);
		if (ev->count || ev->count_before || ev->since) {
			nk_event_add_uint(j, "count", ev->count);
			if (ev->count_before)
				nk_event_add_uint(
				    j, "count_before", ev->count_before);
			if (ev->since)
				nk_event_add_time(j, "since",
				    (int64_t)ev->since * NK_NS_PER_SEC);
		}
		if (ev->reason[0] != '\0')
			nk_event_add_str(j, "reason", ev->reason);
		if (ev->has_outage)
			nk_event_add_double(
			    j, "outage_s", (double)ev->outage_ms / 1000.0);
		if (ev->afi != 0) {
			nk_event_add_uint(j, "afi", ev->afi);
			nk_event_add_uint(j, "safi", ev->safi);
			nk_event_add_uint(j, "prefixes", ev->prefixes);
			nk_event_add_double(j, "up_s", ev->up_s);
		}
		if (ev->graceful_restart) {
			nk_event_add_bool(j, "graceful_restart", true);
			nk_event_add_uint(
			    j, "restart_time_s", ev->restart_time_s);
			nk_event_add_uint(j, "stale_routes", ev->stale_routes);
		}
		if (ev->has_stale_withdrawn)
			nk_event_add_uint(
			    j, "stale_withdrawn", ev->stale_withdrawn);
		nk_event_add_str(j, "detail", ev->detail);
		(void)nk_event_emit(o->sink, j);
	} else if (o->text) {
		printf("%s %-8s %-16s %s%s%s\n", at, nk_severity_name(ev->sev),
		    ev->name, pfx, pfx[0] ? " " : "", ev->detail);
	}
}

static void
report_memory(const struct watch *w)
{
	struct rib_stats st;
	rib_stats(watch_rib(w), &st);
	nk_log(NK_LOG_INFO, "rib_stats",
	    "prefixes=%zu routes=%zu nodes=%zu attr_sets=%zu as_paths=%zu "
	    "bytes=%zu bytes_per_prefix=%.1f",
	    st.n_prefixes, st.n_routes, st.n_nodes, st.n_attrs, st.n_paths,
	    st.bytes,
	    st.n_prefixes ? (double)st.bytes / (double)st.n_prefixes : 0.0);
}

int
engine_cmd_replay(int argc, char **argv)
{
	struct eargs a;
	struct nk_cli_common c;
	struct watch_cfg cfg;
	struct out o;
	struct walk_stats st;
	int rc = 0;

	int first = parse_args(argc, argv,
	    "bgpwatch replay [--config F] [--json] RIB UPDATES...", &a, &c,
	    &cfg);
	if (first < 0)
		return first == -2 ? 0 : NK_CLI_EXIT_USAGE;
	if (argc - first < 1) {
		fprintf(stderr,
		    "bgpwatch replay: give a RIB file and update "
		    "files\n");
		return NK_CLI_EXIT_USAGE;
	}
	memset(&o, 0, sizeof(o));
	o.json = c.json;
	o.text = !c.json;
	if (c.json)
		o.sink = nk_event_sink_new("bgpwatch", NULL, stdout);
	if (!c.json && !a.no_tui && isatty(STDOUT_FILENO)) {
		o.tui = tuiface_open(&cfg);
		if (o.tui != NULL)
			o.text = false;
	}
	struct watch *w = watch_new(&cfg, engine_out_event, &o);
	if (w == NULL) {
		fprintf(stderr, "bgpwatch: out of memory\n");
		return 2;
	}
	if (o.tui != NULL)
		tuiface_attach(o.tui, w);
	/* The RIB sets the scene quietly; the updates make the events. */
	watch_set_quiet(w, true);
	if (walk_files(&argv[first], 1, watch_elem, w, &st) < 0)
		rc = 2;
	if (st.n_bad > 0 && rc == 0)
		rc = 1;
	watch_set_quiet(w, false);
	if (argc - first > 1) {
		if (walk_files(&argv[first + 1], (size_t)(argc - first - 1),
			watch_elem, w, &st) < 0)
			rc = 2;
		if (st.n_bad > 0 && rc == 0)
			rc = 1;
	}
	watch_finish(w);
	report_memory(w);
	if (o.tui != NULL)
		tuiface_run(o.tui);
	tuiface_close(o.tui);
	watch_free(w);
	nk_event_sink_free(o.sink);
	(void)fflush(stdout);
	return rc;
}

/* ---- check ---- */
int
engine_cmd_check(int argc, char **argv)
{
	struct eargs a;
	struct nk_cli_common c;
	struct watch_cfg cfg;
	struct walk_stats st;
	struct nk_err err = {{0}};
	struct nk_prefix p;
	char line[2048], perf[512] = "", text[1200];

	int first = parse_args(argc, argv,
	    "bgpwatch check --prefix P [--config F] [-w N:] [-c N:] RIB "
	    "[UPDATES...]",
	    &a, &c, &cfg);
	if (first < 0)
		return first == -2 ? 0 : NK_CLI_EXIT_USAGE;
	if (a.prefix == NULL || argc - first < 1) {
		printf(
		    "BGPWATCH UNKNOWN - usage: bgpwatch check --prefix P RIB "
		    "[UPDATES...]\n");
		return NK_CLI_EXIT_USAGE;
	}
	if (nk_prefix_parse(a.prefix, false, &p, &err) < 0) {
		printf("BGPWATCH UNKNOWN - prefix '%s': %s\n", a.prefix,
		    nk_err_msg(&err));
		return 3;
	}
	struct watch *w = watch_new(&cfg, NULL, NULL);
	if (w == NULL)
		return 3;
	watch_set_quiet(w, true);
	int frc = walk_files(&argv[first], 1, watch_elem, w, &st);
	if (frc == 0 && argc - first > 1)
		frc = walk_files(&argv[first + 1], (size_t)(argc - first - 1),
		    watch_elem, w, &st);
	if (frc < 0) {
		printf("BGPWATCH UNKNOWN - could not read the MRT files to the "
		       "end (see the log)\n");
		watch_free(w);
		return 3;
	}
	/* Which upstreams have a route covering p (longest match each). */
	struct nk_prefix found;
	size_t n = 0;
	const struct rib_route *rt = rib_lookup(watch_rib(w), &p, &found, &n);
	size_t n_up = 0, n_have = 0, n_peers = 0;
	char via[300] = "", missing[300] = "";
	for (size_t i = 0; i < watch_n_peers(w); i++) {
		bool up = watch_is_upstream(w, i);
		bool have = false;
		for (size_t j = 0; j < n; j++)
			if (rt[j].peer == i && rt[j].attr != 0)
				have = true;
		if (have)
			n_peers++;
		if (!up)
			continue;
		n_up++;
		char *dst = have ? via : missing;
		size_t l = strlen(dst);
		(void)snprintf(dst + l, 300 - l, "%s%s", l ? ", " : "",
		    watch_peer_name(w, i));
		if (have)
			n_have++;
	}
	/* Configured upstreams never seen count as missing too. */
	for (size_t u = 0; u < cfg.n_up; u++) {
		bool seen = false;
		for (size_t i = 0; i < watch_n_peers(w); i++)
			if (strcmp(watch_peer_name(w, i), cfg.up[u].name) == 0)
				seen = true;
		if (!seen) {
			size_t l = strlen(missing);
			(void)snprintf(missing + l, 300 - l, "%s%s (not seen)",
			    l ? ", " : "", cfg.up[u].name);
			n_up++;
		}
	}
	char wdef[32], cdef[32];
	(void)snprintf(wdef, sizeof(wdef), "%zu:", n_up ? n_up : 1);
	(void)snprintf(cdef, sizeof(cdef), "1:");
	struct nk_threshold th;
	if (nk_threshold_parse(c.warning ? c.warning : wdef,
		c.critical ? c.critical : cdef, &th, &err) < 0) {
		printf("BGPWATCH UNKNOWN - %s\n", nk_err_msg(&err));
		watch_free(w);
		return 3;
	}
	enum nk_state s = nk_threshold_eval(&th, (double)n_have);
	char fp[64], pp[64];
	(void)nk_prefix_fmt(&p, pp, sizeof(pp));
	(void)nk_prefix_fmt(&found, fp, sizeof(fp));
	if (n == 0)
		(void)snprintf(text, sizeof(text),
		    "%s: no route in the RIB (no upstream announces it)", pp);
	else
		(void)snprintf(text, sizeof(text),
		    "%s%s%s: via %s (%zu of %zu "
		    "upstreams)%s%s",
		    pp, strcmp(fp, pp) ? " covered by " : "",
		    strcmp(fp, pp) ? fp : "", n_have ? via : "none", n_have,
		    n_up, missing[0] ? "; not via " : "", missing);
	(void)nk_perf_append(perf, sizeof(perf), "upstreams", (double)n_have,
	    "", &th, 0, (double)n_up);
	(void)nk_perf_append(perf, sizeof(perf), "peers", (double)n_peers, "",
	    NULL, 0, (double)watch_n_peers(w));
	printf("%s\n",
	    nk_plugin_line(line, sizeof(line), "BGPWATCH", s, text, perf));
	watch_free(w);
	return nk_state_exit_code(s);
}

/* ---- show ---- */
int
engine_cmd_show(int argc, char **argv)
{
	struct eargs a;
	struct nk_cli_common c;
	struct watch_cfg cfg;
	struct walk_stats st;
	struct nk_err err = {{0}};
	struct nk_prefix p, found;

	int first = parse_args(
	    argc, argv, "bgpwatch show PREFIX FILES...", &a, &c, &cfg);
	if (first < 0)
		return first == -2 ? 0 : NK_CLI_EXIT_USAGE;
	if (argc - first < 2) {
		fprintf(stderr, "bgpwatch show: give a prefix and MRT files\n");
		return NK_CLI_EXIT_USAGE;
	}
	if (nk_prefix_parse(argv[first], false, &p, &err) < 0) {
		fprintf(stderr, "bgpwatch show: prefix '%s': %s\n", argv[first],
		    nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	struct watch *w = watch_new(&cfg, NULL, NULL);
	if (w == NULL)
		return 2;
	watch_set_quiet(w, true);
	int rc = walk_files(&argv[first + 1], (size_t)(argc - first - 1),
		     watch_elem, w, &st) < 0
	    ? 2
	    : 0;
	size_t n = 0;
	const struct rib_route *rt = rib_get(watch_rib(w), &p, &n);
	found = p;
	if (n == 0)
		rt = rib_lookup(watch_rib(w), &p, &found, &n);
	char fp[64];
	(void)nk_prefix_fmt(&found, fp, sizeof(fp));
	if (n == 0) {
		printf("%s: no route\n", argv[first]);
		watch_free(w);
		return rc ? rc : 1;
	}
	if (!c.json)
		printf("%s (%zu routes)\n", fp, n);
	for (size_t i = 0; i < n; i++) {
		struct rib_attr_view v;
		char path[2048] = "", nh[64] = "", since[NK_CLOCK_RFC3339_LEN];
		struct watch_peer_info pi;
		char pa[64];
		watch_peer(w, rt[i].peer, &pi);
		dump_fmt_addr(&pi.addr, pa, sizeof(pa));
		nk_clock_fmt_rfc3339(
		    (int64_t)rt[i].since * NK_NS_PER_SEC, since, sizeof(since));
		bool have = rt[i].attr != 0 &&
		    rib_attr_view(watch_rib(w), rt[i].attr, &v) == 0;
		if (have) {
			rib_aspath_fmt(
			    watch_rib(w), v.aspath, path, sizeof(path));
			if (v.next_hop.family)
				dump_fmt_addr(&v.next_hop, nh, sizeof(nh));
		}
		if (c.json) {
			printf(
			    "{\"prefix\":\"%s\",\"peer\":\"%s\",\"peer_addr\":"
			    "\"%s\",\"peer_as\":%u,\"upstream\":%s,\"state\":"
			    "\"%s\",\"as_path\":\"%s\",\"origin_as\":%u,"
			    "\"next_hop\":\"%s\",\"since\":\"%s\",\"flaps\":%u}"
			    "\n",
			    fp, pi.name, pa, pi.asn,
			    pi.upstream ? "true" : "false",
			    have ? "announced" : "withdrawn", path,
			    have ? v.origin_as : 0, nh, since, rt[i].flaps);
		} else {
			printf("  %-28s %-10s since %s  path %s  origin AS%u  "
			       "next-hop %s  flaps %u\n",
			    pi.name, have ? "announced" : "withdrawn", since,
			    have ? path : "-", have ? v.origin_as : 0,
			    nh[0] ? nh : "-", rt[i].flaps);
		}
	}
	watch_free(w);
	return rc;
}

/* ---- diff ---- */
struct diff_ctx {
	struct watch *a, *b;
	bool all;
	int *b2a; /* peer index map */
	uint64_t *n_add, *n_del, *n_chg;
	bool reverse; /* walking A for removals */
};

static int
peer_map(const struct watch *from, size_t i, const struct watch *to)
{
	struct watch_peer_info x, y;
	watch_peer(from, i, &x);
	for (size_t j = 0; j < watch_n_peers(to); j++) {
		watch_peer(to, j, &y);
		if (x.asn == y.asn && x.addr.family == y.addr.family &&
		    memcmp(x.addr.bytes, y.addr.bytes, 16) == 0)
			return (int)j;
	}
	return -1;
}

static int
diff_walk(
    void *arg, const struct nk_prefix *p, const struct rib_route *rt, size_t n)
{
	struct diff_ctx *d = arg;
	const struct watch *self = d->reverse ? d->a : d->b;
	const struct watch *other = d->reverse ? d->b : d->a;
	char pfx[64];

	(void)nk_prefix_fmt(p, pfx, sizeof(pfx));
	for (size_t i = 0; i < n; i++) {
		if (rt[i].attr == 0)
			continue;
		if (!d->all && !watch_is_upstream(self, rt[i].peer))
			continue;
		int op = peer_map(self, rt[i].peer, other);
		size_t m = 0;
		const struct rib_route *ort = rib_get(watch_rib(other), p, &m);
		uint32_t oattr = 0;
		for (size_t j = 0; j < m && op >= 0; j++)
			if (ort[j].peer == op &&
			    ort[j].path_id == rt[i].path_id)
				oattr = ort[j].attr;
		struct rib_attr_view v, ov;
		char path[1024] = "", opath[1024] = "";
		if (rib_attr_view(watch_rib(self), rt[i].attr, &v) == 0)
			rib_aspath_fmt(
			    watch_rib(self), v.aspath, path, sizeof(path));
		const char *name = watch_peer_name(self, rt[i].peer);
		if (oattr == 0) {
			printf("%c %s via %s: %s\n", d->reverse ? '-' : '+',
			    pfx, name, path);
			if (d->reverse)
				d->n_del[rt[i].peer]++;
			else
				d->n_add[rt[i].peer]++;
			continue;
		}
		if (d->reverse)
			continue;
		if (rib_attr_view(watch_rib(other), oattr, &ov) == 0)
			rib_aspath_fmt(
			    watch_rib(other), ov.aspath, opath, sizeof(opath));
		if (strcmp(path, opath) != 0) {
			printf("~ %s via %s: %s -> %s%s\n", pfx, name, opath,
			    path,
			    ov.origin_as != v.origin_as ? " (origin changed)"
							: "");
			d->n_chg[rt[i].peer]++;
		}
	}
	return 0;
}

int
engine_cmd_diff(int argc, char **argv)
{
	struct eargs a;
	struct nk_cli_common c;
	struct watch_cfg cfg;
	struct walk_stats st;

	int first = parse_args(
	    argc, argv, "bgpwatch diff [--config F] A B", &a, &c, &cfg);
	if (first < 0)
		return first == -2 ? 0 : NK_CLI_EXIT_USAGE;
	if (argc - first != 2) {
		fprintf(stderr, "bgpwatch diff: give two RIB files\n");
		return NK_CLI_EXIT_USAGE;
	}
	struct watch *wa = watch_new(&cfg, NULL, NULL);
	struct watch *wb = watch_new(&cfg, NULL, NULL);
	int rc = 0;
	if (wa == NULL || wb == NULL) {
		watch_free(wa);
		watch_free(wb);
		return 2;
	}
	watch_set_quiet(wa, true);
	watch_set_quiet(wb, true);
	if (walk_files(&argv[first], 1, watch_elem, wa, &st) < 0 ||
	    walk_files(&argv[first + 1], 1, watch_elem, wb, &st) < 0)
		rc = 2;
	size_t na = watch_n_peers(wa), nb = watch_n_peers(wb);
	uint64_t *cnt = calloc(3 * (na + nb + 1), sizeof(*cnt));
	if (cnt == NULL) {
		watch_free(wa);
		watch_free(wb);
		return 2;
	}
	struct diff_ctx d = {wa, wb, a.all, NULL, cnt + 0, cnt + (na + nb + 1),
	    cnt + 2 * (na + nb + 1), false};
	/* additions and changes: walk B; removals: walk A */
	(void)rib_walk(watch_rib(wb), diff_walk, &d);
	uint64_t *del_a = calloc(na + 1, sizeof(*del_a));
	if (del_a != NULL) {
		d.reverse = true;
		d.n_del = del_a;
		(void)rib_walk(watch_rib(wa), diff_walk, &d);
	}
	printf("per peer (%s -> %s):\n", argv[first], argv[first + 1]);
	for (size_t i = 0; i < nb; i++) {
		if (!a.all && !watch_is_upstream(wb, i))
			continue;
		int ai = peer_map(wb, i, wa);
		printf("  %-28s +%llu -%llu ~%llu\n", watch_peer_name(wb, i),
		    (unsigned long long)d.n_add[i],
		    (unsigned long long)(ai >= 0 && del_a ? del_a[ai] : 0),
		    (unsigned long long)d.n_chg[i]);
	}
	for (size_t i = 0; i < na; i++) {
		if ((!a.all && !watch_is_upstream(wa, i)) ||
		    peer_map(wa, i, wb) >= 0)
			continue;
		printf("  %-28s gone from %s (-%llu)\n", watch_peer_name(wa, i),
		    argv[first + 1],
		    (unsigned long long)(del_a ? del_a[i] : 0));
	}
	free(del_a);
	free(cnt);
	watch_free(wa);
	watch_free(wb);
	return rc;
}
