/*
 * multiping: many ICMP echo targets from one process and one poll loop;
 * occasional vs sequential loss; loss at the same moments across targets.
 * Options -> open sockets -> drop privileges -> targets/config -> loop.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "graph.h"
#include "icmp.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "priv.h"
#include "probe.h"
#include "report.h"
#include "resolve.h"
#include "targets.h"
#include "ui.h"

#define MP_MAX_RATE 100000.0 /* probes per second, all targets */
#define MP_MAX_FILES 16

enum { O_TTL = 256, O_DSCP, O_WINDOW, O_PROBES, O_SUMMARY, O_SEQ, O_OCC,
	O_CMIN, O_CSIM, O_GRAPH, O_PLAIN, O_TUI, O_RAW, O_DGRAM, O_RESOLVE,
	O_GTARGET };

static const struct nk_cli_opt opts[] = {
    {"file", 'f', NK_CLI_REQ_ARG, 'f', "FILE", "targets from FILE ('-' = stdin), one per line"},
    {"generate", 'g', NK_CLI_REQ_ARG, 'g', "RANGE", "targets from a range: 10.1.2.0/24, 10.1.2.5-20"},
    {"interval", 'i', NK_CLI_REQ_ARG, 'i', "SECONDS", "probe interval per target (default 1)"},
    {"timeout", 't', NK_CLI_REQ_ARG, 't', "SECONDS", "reply timeout (default 1); slower replies are late"},
    {"size", 's', NK_CLI_REQ_ARG, 's', "BYTES", "echo payload size (default 56, at least 28)"},
    {"count", 'n', NK_CLI_REQ_ARG, 'n', "COUNT", "send COUNT probes per target, then print the plugin line and exit 0/1/2/3"},
    {"ttl", 0, NK_CLI_REQ_ARG, O_TTL, "N", "IP TTL / hop limit of the probes"},
    {"dscp", 0, NK_CLI_REQ_ARG, O_DSCP, "N", "DSCP (0-63) of the probes"},
    {"window", 0, NK_CLI_REQ_ARG, O_WINDOW, "N", "probes of history per target (default 300)"},
    {"probes", 0, NK_CLI_NO_ARG, O_PROBES, NULL, "with --json: one event per probe"},
    {"summary", 0, NK_CLI_REQ_ARG, O_SUMMARY, "SECONDS", "with --json: per-target summaries every SECONDS (default 60, 0 = at the end)"},
    {"sequential", 0, NK_CLI_REQ_ARG, O_SEQ, "K", "a run of K losses is sequential (default 3)"},
    {"occasional", 0, NK_CLI_REQ_ARG, O_OCC, "PCT", "isolated drops up to PCT % are occasional (default 1)"},
    {"corr-min", 0, NK_CLI_REQ_ARG, O_CMIN, "N", "shared loss episodes before targets count as correlated (default 3)"},
    {"corr-sim", 0, NK_CLI_REQ_ARG, O_CSIM, "F", "similarity of loss moments, 0..1 (default 0.7)"},
    {"graph", 0, NK_CLI_REQ_ARG, O_GRAPH, "FILE", "at the end write RTT over time to FILE.png or FILE.svg"},
    {"graph-target", 0, NK_CLI_REQ_ARG, O_GTARGET, "TARGET", "with --graph: only this target (address or name as given; repeatable)"},
    {"resolve-every", 0, NK_CLI_REQ_ARG, O_RESOLVE, "SECONDS", "resolve host names again every SECONDS (at least 1) in a child process"},
    {"plain", 0, NK_CLI_NO_ARG, O_PLAIN, NULL, "ping-like lines (default when stdout is not a terminal)"},
    {"tui", 0, NK_CLI_NO_ARG, O_TUI, NULL, "the ncurses screen even for one target"},
    {"raw", 0, NK_CLI_NO_ARG, O_RAW, NULL, "use raw sockets (root or CAP_NET_RAW)"},
    {"dgram", 0, NK_CLI_NO_ARG, O_DGRAM, NULL, "use ICMP datagram sockets (net.ipv4.ping_group_range)"},
    {"warning", 'w', NK_CLI_REQ_ARG, 'w', "RTT,LOSS%", "warning thresholds as check_icmp takes them (default 200,40%)"},
    {"critical", 'c', NK_CLI_REQ_ARG, 'c', "RTT,LOSS%", "critical thresholds (default 500,80%); RTT in ms, each a plugin range"},
    {"user", 'Z', NK_CLI_REQ_ARG, 'Z', "USER", "drop root to USER (default nobody)"},
    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
};

struct args {
	struct mp_opts o;
	const char *files[MP_MAX_FILES];
	size_t n_files;
	const char *ranges[MP_MAX_FILES * 4];
	size_t n_ranges;
	const char *graph;
	const char *graph_targets[MP_MAX_FILES * 4];
	size_t n_graph_targets;
	int64_t resolve_ns;
	const char *user;
	const char *warn, *crit;
	bool probes, plain, tui, interval_set;
};

static int
on_opt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct args *a = ctx;
	uint64_t u;
	double d;

	switch (id) {
	case 'f':
		if (a->n_files == MP_MAX_FILES) {
			nk_err_set(err, "option '-f': at most %d files",
			    MP_MAX_FILES);
			return -1;
		}
		a->files[a->n_files++] = arg;
		return 0;
	case 'g':
		if (a->n_ranges == MP_MAX_FILES * 4) {
			nk_err_set(err, "option '-g': at most %d ranges",
			    MP_MAX_FILES * 4);
			return -1;
		}
		a->ranges[a->n_ranges++] = arg;
		return 0;
	case 'i':
		a->interval_set = true;
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, 1, 3600 * NK_NS_PER_SEC,
			&a->o.interval_ns, err))
			goto bad;
		return 0;
	case 't':
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_MS,
			60 * NK_NS_PER_SEC, &a->o.timeout_ns, err))
			goto bad;
		return 0;
	case 's':
		if (nk_parse_u64(arg, NK_ICMP_PROBE_LEN, NK_ICMP_MAX_PAYLOAD, &u,
			err))
			goto bad;
		a->o.payload_bytes = (size_t)u;
		return 0;
	case 'n':
		if (nk_parse_u64(arg, 1, 1000000000, &a->o.count, err))
			goto bad;
		return 0;
	case O_TTL:
		if (nk_parse_u64(arg, 1, 255, &u, err))
			goto bad;
		a->o.ttl = (int)u;
		return 0;
	case O_DSCP:
		if (nk_parse_u64(arg, 0, 63, &u, err))
			goto bad;
		a->o.dscp = (int)u;
		return 0;
	case O_WINDOW:
		if (nk_parse_u64(arg, 8, 100000, &u, err))
			goto bad;
		a->o.window = (uint32_t)u;
		return 0;
	case O_SUMMARY:
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, 0,
			86400 * NK_NS_PER_SEC, &a->o.summary_ns, err))
			goto bad;
		return 0;
	case O_SEQ:
		if (nk_parse_u64(arg, 2, 1000, &u, err))
			goto bad;
		a->o.seq_k = (unsigned)u;
		return 0;
	case O_OCC:
		if (nk_parse_double(arg, 0, 100, &a->o.occ_pct, err))
			goto bad;
		return 0;
	case O_CMIN:
		if (nk_parse_u64(arg, 2, 1000, &u, err))
			goto bad;
		a->o.corr_min = (unsigned)u;
		return 0;
	case O_CSIM:
		if (nk_parse_double(arg, 0.01, 1, &d, err))
			goto bad;
		a->o.corr_sim = d;
		return 0;
	case O_GRAPH: a->graph = arg; return 0;
	case O_GTARGET:
		if (a->n_graph_targets == MP_MAX_FILES * 4) {
			nk_err_set(err, "option '--graph-target': at most %d",
			    MP_MAX_FILES * 4);
			return -1;
		}
		a->graph_targets[a->n_graph_targets++] = arg;
		return 0;
	case O_RESOLVE:
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_SEC,
			86400 * NK_NS_PER_SEC, &a->resolve_ns, err))
			goto bad;
		return 0;
	case O_PROBES: a->probes = true; return 0;
	case O_PLAIN: a->plain = true; return 0;
	case O_TUI: a->tui = true; return 0;
	case O_RAW: a->o.mode = MP_SOCK_RAW; return 0;
	case O_DGRAM: a->o.mode = MP_SOCK_DGRAM; return 0;
	case 'Z': a->user = arg; return 0;
	case 'w': a->warn = arg; return 0;
	case 'c': a->crit = arg; return 0;
	default: break;
	}
	nk_err_set(err, "unknown option id %d", id);
	return -1;
bad: /* nk_cli names the option */
	return -1;
}

static void
on_signal(struct nk_loop *loop, int signo, void *ctx)
{
	(void)signo;
	(void)ctx;
	nk_loop_stop(loop);
}

/* Read a file's bytes before the privilege drop (it may be root's). */
static int
slurp(const char *path, uint8_t **buf, size_t *len, struct nk_err *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0;
	uint8_t *b = NULL;

	if (f == NULL) {
		nk_err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > (16u << 20)) {
				nk_err_set(err, "%s: larger than 16 MiB", path);
				goto fail;
			}
			uint8_t *nb = realloc(b, cap);
			if (nb == NULL) {
				nk_err_set(err, "%s: out of memory", path);
				goto fail;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		nk_err_set(err, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(b);
	return -1;
}

/*
 * Every target's settings from the command line, its group and its own;
 * then the floors: no kernel limit applies to echo sockets (ping(8)'s
 * 200 ms rule is its own). Ours: 1 ms for root, 10 ms otherwise (fping's
 * per-target floor), and at most MP_MAX_RATE probes/s in all.
 */
static int
check_rates(const struct mp_opts *o, struct mp_targets *ts,
    struct nk_err *err)
{
	struct mp_tset g;
	int64_t min_iv = geteuid() == 0 ? NK_NS_PER_MS : 10 * NK_NS_PER_MS;
	double rate = 0;

	memset(&g, 0, sizeof(g));
	g.interval_ns = o->interval_ns;
	g.timeout_ns = o->timeout_ns;
	g.payload_bytes = (uint32_t)o->payload_bytes;
	g.ttl = o->ttl;
	g.dscp = o->dscp;
	if (o->interval_ns < min_iv)
		goto too_fast;
	mp_targets_resolve(ts, &g);
	for (size_t t = 0; t < ts->n; t++) {
		int64_t iv = ts->v[t].interval_ns;
		if (iv < min_iv) {
			nk_err_set(err, "target %s: interval %.4g s is below "
			    "the %g ms minimum %s", ts->v[t].name,
			    (double)iv / 1e9, (double)min_iv / 1e6,
			    geteuid() == 0 ? "" :
			    "for non-root users (root: 1 ms)");
			return -1;
		}
		rate += 1e9 / (double)iv;
	}
	if (rate > MP_MAX_RATE) {
		nk_err_set(err, "%zu targets at their intervals are %.0f "
		    "probes/s, above the limit of %.0f/s: raise -i or the "
		    "per-target intervals", ts->n, rate, MP_MAX_RATE);
		return -1;
	}
	return 0;
too_fast:
	nk_err_set(err, "interval %.4g s is below the %g ms minimum %s",
	    (double)o->interval_ns / 1e9, (double)min_iv / 1e6,
	    geteuid() == 0 ? "" : "for non-root users (root: 1 ms)");
	return -1;
}

static int
load_targets(struct args *a, struct mp_targets *ts, struct mp_topo *topo,
    int argc, char **argv, int first, uint8_t **fbuf, size_t *flen,
    const uint8_t *cbuf, size_t clen, const char *cpath, struct nk_err *err)
{
	for (int i = first; i < argc; i++)
		if (mp_targets_add_spec(ts, argv[i], NULL, NULL, false, NULL,
			err))
			return -1;
	for (size_t i = 0; i < a->n_ranges; i++)
		if (mp_targets_add_spec(ts, a->ranges[i], NULL, NULL, true, NULL,
			err))
			return -1;
	for (size_t i = 0; i < a->n_files; i++) {
		int rc;
		if (strcmp(a->files[i], "-") == 0) {
			rc = mp_targets_load_stream(ts, stdin, "stdin", err);
		} else {
			FILE *f = fmemopen(fbuf[i], flen[i] ? flen[i] : 1, "r");
			if (f == NULL) {
				nk_err_set(err, "%s: %s", a->files[i],
				    strerror(errno));
				return -1;
			}
			if (flen[i] == 0)
				(void)fgetc(f); /* empty: reach EOF at once */
			rc = mp_targets_load_stream(ts, f, a->files[i], err);
			fclose(f);
		}
		if (rc)
			return -1;
	}
	if (cbuf != NULL) {
		struct nk_config *cfg = NULL;
		if (nk_config_parse(cpath, cbuf, clen, &cfg, err))
			return -1;
		/* group members are usually listed as targets too: that is
		 * not a duplicate worth a warning */
		size_t dups = ts->n_dups;
		int rc = mp_targets_load_topo(ts, cfg, topo, err);
		ts->n_dups = dups;
		nk_config_free(cfg);
		if (rc)
			return -1;
	}
	if (ts->n == 0) {
		nk_err_set(err, "no targets: give addresses, -f FILE, -g RANGE "
		    "or --config with [group] sections");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct args a;
	struct nk_cli_common cc;
	struct nk_err err = {{0}};
	struct mp_engine e;
	struct mp_targets ts;
	struct mp_topo topo;
	struct mp_report rep;
	struct nk_loop *loop = NULL;
	struct mp_ui *ui = NULL;
	struct mp_resolver *res = NULL;
	size_t *gsel = NULL, n_gsel = 0;
	uint8_t *fbuf[MP_MAX_FILES] = {NULL}, *cbuf = NULL;
	size_t flen[MP_MAX_FILES] = {0}, clen = 0;
	int rc = NK_CLI_EXIT_USAGE, first;

	if (nk_priv_stdio_guard() != 0)
		return 3; /* UNKNOWN, and nowhere to say why */
	(void)setlocale(LC_ALL, "");
	memset(&a, 0, sizeof(a));
	memset(&cc, 0, sizeof(cc));
	memset(&e, 0, sizeof(e));
	memset(&rep, 0, sizeof(rep));
	memset(&topo, 0, sizeof(topo));
	e.f4.fd = e.f6.fd = -1;
	mp_targets_init(&ts);
	mp_opts_default(&a.o);
	nk_log_init("multiping", NK_LOG_WARN, false);
	first = nk_cli_parse(argc, argv, opts, on_opt, &a, &cc, true, &err);
	if (first < 0)
		goto fail;
	if (cc.help) {
		nk_cli_help(stdout, "multiping", "[OPTIONS] TARGET...",
		    "ping many targets; tell occasional from sequential loss "
		    "and find targets that lose replies at the same moments",
		    opts);
		return 0;
	}
	if (cc.version) {
		nk_cli_version(stdout, "multiping");
		return 0;
	}
	nk_log_init("multiping", cc.verbose ? NK_LOG_DEBUG :
	    cc.quiet ? NK_LOG_ERR : NK_LOG_WARN, cc.syslog);
	if (mp_report_thresholds(&rep, a.warn, a.crit, &err))
		goto fail;
	a.o.summary_ns = a.o.summary_ns ? a.o.summary_ns : 0;

	/* Privileged part: sockets, and the bytes of root-readable files. */
	if (mp_probe_open(&e, &a.o, &err))
		goto fail;
	for (size_t i = 0; i < a.n_files; i++)
		if (strcmp(a.files[i], "-") != 0 &&
		    slurp(a.files[i], &fbuf[i], &flen[i], &err)) {
			nk_err_prefix(&err, "target file");
			goto fail;
		}
	if (cc.config != NULL && slurp(cc.config, &cbuf, &clen, &err))
		goto fail;
	if (nk_priv_drop(a.user, &err))
		goto fail;

	/* Unprivileged from here: names, config, targets. */
	if (load_targets(&a, &ts, &topo, argc, argv, first, fbuf, flen, cbuf,
		clen, cc.config, &err))
		goto fail;
	if (ts.n_dups > 0)
		nk_log(NK_LOG_WARN, "duplicate_targets",
		    "count=%zu first=%s action=ignored", ts.n_dups,
		    ts.first_dup);
	for (size_t t = 0; t < ts.n; t++) {
		if (mp_probe_check_family(&e, ts.v[t].addr.family, &err)) {
			nk_err_prefix(&err, "target %s", ts.v[t].name);
			goto fail;
		}
	}
	if (check_rates(&a.o, &ts, &err))
		goto fail;
	if (a.n_graph_targets > 0) {
		gsel = calloc(ts.n, sizeof(*gsel));
		if (gsel == NULL) {
			nk_err_set(&err, "out of memory");
			goto fail;
		}
		if (a.graph == NULL) {
			nk_err_set(&err, "option '--graph-target' needs "
			    "--graph FILE");
			goto fail;
		}
	}
	for (size_t i = 0; i < a.n_graph_targets; i++)
		if (mp_graph_select(&ts, a.graph_targets[i], gsel, &n_gsel,
			ts.n, &err))
			goto fail;

	/* Faces: --json; -n plugin line; a terminal gets the screen (or the
	 * ping-like lines for one target); else the ping-like lines. */
	rep.out = stdout;
	rep.probes = a.probes;
	rep.plugin = a.o.count > 0;
	const char *cs = nl_langinfo(CODESET);
	rep.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	if (cc.json) {
		rep.sink = nk_event_sink_new("multiping", NULL, stdout);
		if (rep.sink == NULL) {
			nk_err_set(&err, "out of memory");
			goto fail;
		}
	}
	bool tty = isatty(STDOUT_FILENO) != 0;
	if (!cc.json && (a.tui || (tty && ts.n > 1 && a.o.count == 0 &&
				      !a.plain))) {
		if (mp_ui_open(&ui, &err))
			goto fail;
	} else if (!cc.json && (a.plain || a.o.count == 0)) {
		rep.plain = true;
	}
	if (a.o.count > 0)
		a.o.summary_ns = 0;

	loop = nk_loop_new();
	if (loop == NULL) {
		nk_err_set(&err, "out of memory");
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	if (nk_loop_add_signal(loop, SIGINT, on_signal, NULL, &err) ||
	    nk_loop_add_signal(loop, SIGTERM, on_signal, NULL, &err) ||
	    nk_loop_add_signal(loop, SIGHUP, on_signal, NULL, &err))
		goto fail;
	if (mp_engine_start(&e, &ts, &topo, &rep, loop, &err))
		goto fail;
	if (ui != NULL && mp_ui_attach(ui, &e, &rep, loop, &err))
		goto fail;
	if (a.resolve_ns > 0 &&
	    mp_resolve_start(&res, &e, loop, a.resolve_ns, &err))
		goto fail;
	if (nk_loop_run(loop, &err))
		goto fail;
	if (ui != NULL)
		rep.plain = true; /* the screen is gone: leave the summaries */
	mp_ui_close(ui);
	ui = NULL;
	mp_resolve_free(res); /* no address moves while we summarise */
	res = NULL;
	rc = mp_report_finish(&rep, &e);
	if (a.graph != NULL &&
	    mp_graph_write(&e, a.graph, gsel, n_gsel, &err)) {
		fprintf(stderr, "multiping: %s\n", nk_err_msg(&err));
		rc = NK_CLI_EXIT_USAGE;
	}
	goto out;
fail:
	mp_ui_close(ui);
	ui = NULL;
	fprintf(stderr, "multiping: %s\n", nk_err_msg(&err));
	rc = NK_CLI_EXIT_USAGE;
out:
	mp_resolve_free(res);
	mp_engine_fini(&e);
	nk_loop_free(loop);
	nk_event_sink_free(rep.sink);
	mp_topo_fini(&topo);
	mp_targets_fini(&ts);
	for (size_t i = 0; i < MP_MAX_FILES; i++)
		free(fbuf[i]);
	free(cbuf);
	free(gsel);
	return rc;
}
