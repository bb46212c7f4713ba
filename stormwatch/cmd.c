/*
 * cmd: stormwatch's command line: options -> open capture/injection
 * (privileged) -> drop privileges -> read -> report -> exit code.
 */
#include "cmd.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alarm.h"
#include "capture.h"
#include "cli.h"
#include "clock.h"
#include "conf.h"
#include "detect.h"
#include "event.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "priv.h"
#include "probe.h"
#include "report.h"
#include "view.h"

enum {
	OPT_IFACE = 'i',
	OPT_FILE = 'r',
	OPT_FILTER = 'f',
	OPT_SNAPLEN = 's',
	OPT_BUFFER = 'B',
	OPT_USER = 'Z',
	OPT_DURATION = 300,
	OPT_PLUGIN,
	OPT_EVIDENCE,
	OPT_PROBE,
	OPT_VICTIM,
	OPT_VICTIM_MAC,
	OPT_LISTEN,
	OPT_STORM_COPIES,
	OPT_STORM_REFLECTORS,
	OPT_SRC_WARN,
	OPT_SRC_CRIT,
	OPT_MAX_SOURCES,
	OPT_NO_L4,
	OPT_ALL_L4,
	OPT_NO_PROMISC,
	OPT_OUI_DIR,
	OPT_LINES,
	OPT_REPORT,
	OPT_VIEW,
};

static const struct nk_cli_opt sw_opts[] = {
    {"interface", 'i', NK_CLI_REQ_ARG, OPT_IFACE, "IFACE",
	"capture live on IFACE (promiscuous, immediate mode)"},
    {"read", 'r', NK_CLI_REQ_ARG, OPT_FILE, "FILE",
	"read a pcap/pcapng file ('-' = stdin)"},
    {"filter", 'f', NK_CLI_REQ_ARG, OPT_FILTER, "BPF",
	"BPF filter expression for the capture"},
    {"snaplen", 's', NK_CLI_REQ_ARG, OPT_SNAPLEN, "BYTES",
	"bytes kept per live frame (2048)"},
    {"buffer", 'B', NK_CLI_REQ_ARG, OPT_BUFFER, "KIB",
	"kernel capture buffer in KiB (4096)"},
    {"user", 'Z', NK_CLI_REQ_ARG, OPT_USER, "USER",
	"drop privileges to USER after opening (nobody)"},
    {"duration", 0, NK_CLI_REQ_ARG, OPT_DURATION, "SECONDS",
	"live: stop after SECONDS (0 = until Ctrl-C)"},
    {"plugin", 0, NK_CLI_NO_ARG, OPT_PLUGIN, NULL,
	"print only the monitoring-plugin status line"},
    {"evidence", 0, NK_CLI_REQ_ARG, OPT_EVIDENCE, "FILE.pcap",
	"write the storm's frames (only those) to a pcap"},
    {"probe", 0, NK_CLI_REQ_ARG, OPT_PROBE, "IFACE",
	"send ONE mangled echo (needs --victim), list reflectors"},
    {"victim", 0, NK_CLI_REQ_ARG, OPT_VICTIM, "IP",
	"--probe: the unicast IPv4 address the probe is sent to"},
    {"victim-mac", 0, NK_CLI_REQ_ARG, OPT_VICTIM_MAC, "MAC",
	"--probe: its MAC, sent with the group bit set (default "
	"broadcast)"},
    {"listen", 0, NK_CLI_REQ_ARG, OPT_LISTEN, "SECONDS",
	"--probe: how long to listen for reflections (2)"},
    {"storm-copies", 0, NK_CLI_REQ_ARG, OPT_STORM_COPIES, "N",
	"copies per second that start a storm (20)"},
    {"storm-reflectors", 0, NK_CLI_REQ_ARG, OPT_STORM_REFLECTORS, "N",
	"distinct reflectors that start a storm (2)"},
    {"src-warning", 0, NK_CLI_REQ_ARG, OPT_SRC_WARN, "RANGE",
	"one source's group-MAC frames/s: warning (500)"},
    {"src-critical", 0, NK_CLI_REQ_ARG, OPT_SRC_CRIT, "RANGE",
	"one source's group-MAC frames/s: critical (2000)"},
    {"max-sources", 0, NK_CLI_REQ_ARG, OPT_MAX_SOURCES, "N",
	"source table size; older entries are evicted (16384)"},
    {"no-l4-checksums", 0, NK_CLI_NO_ARG, OPT_NO_L4, NULL,
	"do not verify TCP/UDP checksums"},
    {"all-l4-checksums", 0, NK_CLI_NO_ARG, OPT_ALL_L4, NULL,
	"verify every TCP/UDP checksum (default: the first 10000 "
	"frames, then 1 in 16)"},
    {"no-promisc", 0, NK_CLI_NO_ARG, OPT_NO_PROMISC, NULL,
	"do not put the interface in promiscuous mode"},
    {"oui-dir", 0, NK_CLI_REQ_ARG, OPT_OUI_DIR, "DIR",
	"ieee-data directory (/usr/share/ieee-data)"},
    {"lines", 0, NK_CLI_NO_ARG, OPT_LINES, NULL,
	"live: print one line per storm event as it happens"},
    {"report-interval", 0, NK_CLI_REQ_ARG, OPT_REPORT, "SECONDS",
	"--json: broadcast_rate figures every SECONDS of capture time "
	"and at the end (10; 0 = state changes only)"},
    {"view", 0, NK_CLI_NO_ARG, OPT_VIEW, NULL,
	"the ncurses view, also for -r (stays until 'q')"},
    {NULL, 0, 0, 0, NULL, NULL},
};

struct opts {
	const char *iface;
	const char *file;
	const char *filter;
	const char *user;
	const char *evidence;
	const char *probe;
	const char *victim;
	const char *victim_mac;
	const char *oui_dir;
	const char *src_warn;
	const char *src_crit;
	int snaplen;
	int buffer_kib;
	double duration_s;
	bool has_duration;
	double report_s;
	bool has_report;
	bool view;
	double listen_s;
	double storm_copies;
	long storm_reflectors;
	long max_sources;
	bool plugin;
	bool no_l4;
	bool all_l4;
	bool no_promisc;
	bool lines;
};

static int
num(const char *arg, const char *opt, double lo, double hi, double *out,
    struct nk_err *err)
{
	if (nk_parse_double(arg, lo, hi, out, err) != 0) {
		nk_err_prefix(err, "option '%s'", opt);
		return -1;
	}
	return 0;
}

static int
on_opt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct opts *o = ctx;
	double v;

	switch (id) {
	case OPT_IFACE:
		o->iface = arg;
		return 0;
	case OPT_FILE:
		o->file = arg;
		return 0;
	case OPT_FILTER:
		o->filter = arg;
		return 0;
	case OPT_USER:
		o->user = arg;
		return 0;
	case OPT_EVIDENCE:
		o->evidence = arg;
		return 0;
	case OPT_PROBE:
		o->probe = arg;
		return 0;
	case OPT_VICTIM:
		o->victim = arg;
		return 0;
	case OPT_VICTIM_MAC:
		o->victim_mac = arg;
		return 0;
	case OPT_OUI_DIR:
		o->oui_dir = arg;
		return 0;
	case OPT_SRC_WARN:
		o->src_warn = arg;
		return 0;
	case OPT_SRC_CRIT:
		o->src_crit = arg;
		return 0;
	case OPT_PLUGIN:
		o->plugin = true;
		return 0;
	case OPT_NO_L4:
		o->no_l4 = true;
		return 0;
	case OPT_ALL_L4:
		o->all_l4 = true;
		return 0;
	case OPT_NO_PROMISC:
		o->no_promisc = true;
		return 0;
	case OPT_LINES:
		o->lines = true;
		return 0;
	case OPT_VIEW:
		o->view = true;
		return 0;
	case OPT_REPORT:
		o->has_report = true;
		return num(
		    arg, "--report-interval", 0, 86400, &o->report_s, err);
	case OPT_SNAPLEN:
		if (num(arg, "--snaplen", 64, 262144, &v, err) < 0)
			return -1;
		o->snaplen = (int)v;
		return 0;
	case OPT_BUFFER:
		if (num(arg, "--buffer", 64, 1048576, &v, err) < 0)
			return -1;
		o->buffer_kib = (int)v;
		return 0;
	case OPT_DURATION:
		o->has_duration = true;
		return num(arg, "--duration", 0, 1e7, &o->duration_s, err);
	case OPT_LISTEN:
		return num(arg, "--listen", 0.1, 60, &o->listen_s, err);
	case OPT_STORM_COPIES:
		return num(
		    arg, "--storm-copies", 1, 1e9, &o->storm_copies, err);
	case OPT_STORM_REFLECTORS:
		if (num(arg, "--storm-reflectors", 1, 1e6, &v, err) < 0)
			return -1;
		o->storm_reflectors = (long)v;
		return 0;
	case OPT_MAX_SOURCES:
		if (num(arg, "--max-sources", 16, 1 << 24, &v, err) < 0)
			return -1;
		o->max_sources = (long)v;
		return 0;
	default:
		nk_err_set(err, "unknown option id %d", id);
		return -1;
	}
}

struct run_ctx {
	struct sw_detect *d;
	struct sw_capture *cap;
	struct sw_dumper *dump;
	struct sw_report *rep;
	struct sw_run run;
	int dlt;
	struct nk_loop *loop;
	int64_t stats_every_ns;
	int64_t next_stats_ns;
	struct nk_err rerr;
	bool failed;
	struct sw_view *view;
};

static void
on_record(
    void *ctx, int64_t ts, const uint8_t *buf, uint32_t caplen, uint32_t len)
{
	struct run_ctx *rc = ctx;

	if (rc->run.first_ns == 0)
		rc->run.first_ns = ts;
	if (ts > rc->run.last_ns)
		rc->run.last_ns = ts;
	sw_detect_frame(rc->d, rc->dlt, ts, buf, caplen, len);
}

static void
on_evidence(
    void *ctx, int64_t ts, const uint8_t *buf, uint32_t caplen, uint32_t len)
{
	struct run_ctx *rc = ctx;
	if (rc->dump != NULL)
		sw_dumper_write(rc->dump, ts, buf, caplen, len);
}

static void
hook_event(void *ctx, const struct sw_event *ev)
{
	struct run_ctx *rc = ctx;
	sw_report_event(rc->rep, ev);
}

static void
live_readable(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct run_ctx *rc = ctx;
	bool eof;

	(void)fd;
	(void)revents;
	(void)now_ns;
	if (sw_capture_read(rc->cap, 0, on_record, rc, &eof, &rc->rerr) < 0) {
		rc->failed = true;
		nk_loop_stop(loop);
	}
}

static void
live_stats(struct run_ctx *rc)
{
	(void)sw_capture_stats(
	    rc->cap, &rc->run.k_recv, &rc->run.k_drop, &rc->run.k_ifdrop);
}

static void
live_tick(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct run_ctx *rc = ctx;

	sw_detect_tick(rc->d, nk_clock_real_ns());
	if (now_ns >= rc->next_stats_ns) {
		live_stats(rc);
		sw_report_capture_stats(rc->rep, rc->d, &rc->run, 0);
		rc->next_stats_ns += rc->stats_every_ns;
	}
	if (rc->view != NULL) {
		live_stats(rc);
		sw_view_draw(rc->view, rc->d, rc->rep, &rc->run);
	}
	(void)nk_loop_timer_add(
	    loop, now_ns + NK_NS_PER_SEC / 4, live_tick, rc);
}

static void
view_keys(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct run_ctx *rc = ctx;

	(void)fd;
	(void)revents;
	(void)now_ns;
	if (!sw_view_keys(rc->view))
		nk_loop_stop(loop);
	else
		sw_view_draw(rc->view, rc->d, rc->rep, &rc->run);
}

static void
live_stop(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	(void)ctx;
	(void)now_ns;
	nk_loop_stop(loop);
}

static void
live_signal(struct nk_loop *loop, int signo, void *ctx)
{
	(void)signo;
	(void)ctx;
	nk_loop_stop(loop);
}

static int
run_live(struct run_ctx *rc, double duration_s, struct nk_err *err)
{
	rc->loop = nk_loop_new();
	if (rc->loop == NULL) {
		nk_err_set(err, "loop: out of memory");
		return -1;
	}
	int64_t now = nk_clock_mono_ns();
	if (rc->stats_every_ns <= 0)
		rc->stats_every_ns = 60 * NK_NS_PER_SEC;
	rc->next_stats_ns = now + rc->stats_every_ns;
	if (nk_loop_add_fd(rc->loop, sw_capture_fd(rc->cap), POLLIN_EV,
		live_readable, rc) < 0 ||
	    nk_loop_add_signal(rc->loop, SIGINT, live_signal, rc, err) < 0 ||
	    nk_loop_add_signal(rc->loop, SIGTERM, live_signal, rc, err) < 0 ||
	    nk_loop_timer_add(
		rc->loop, now + NK_NS_PER_SEC / 4, live_tick, rc) == 0) {
		if (nk_err_msg(err)[0] == '\0')
			nk_err_set(err, "loop: setup failed");
		return -1;
	}
	if (rc->view != NULL &&
	    nk_loop_add_fd(
		rc->loop, sw_view_fd(rc->view), POLLIN_EV, view_keys, rc) < 0) {
		nk_err_set(err, "loop: cannot watch the terminal");
		return -1;
	}
	if (duration_s > 0)
		(void)nk_loop_timer_add(
		    rc->loop, now + (int64_t)(duration_s * 1e9), live_stop, rc);
	int r = nk_loop_run(rc->loop, err);
	/* drain what the kernel still holds, then the counters */
	if (!rc->failed) {
		bool eof;
		(void)sw_capture_read(
		    rc->cap, 0, on_record, rc, &eof, &rc->rerr);
	}
	live_stats(rc);
	return r;
}

static int
do_probe(const struct opts *o, struct sw_report *rep,
    const struct nk_cli_common *com)
{
	struct sw_probe_opts po;
	struct sw_probe *p = NULL;
	struct nk_err err = {""};
	int st;

	memset(&po, 0, sizeof(po));
	po.iface = o->probe;
	po.ttl = 2;
	po.listen_ns = (int64_t)((o->listen_s > 0 ? o->listen_s : 2) * 1e9);
	if (o->victim == NULL) {
		fprintf(stderr, "stormwatch: --probe needs --victim IP\n");
		return NK_CLI_EXIT_USAGE;
	}
	if (nk_addr_parse(o->victim, &po.victim, &err) < 0 ||
	    po.victim.family != AF_INET) {
		fprintf(stderr,
		    "stormwatch: --victim '%s': not an IPv4 "
		    "address\n",
		    o->victim);
		return NK_CLI_EXIT_USAGE;
	}
	if (o->victim_mac != NULL) {
		if (nk_mac_parse(o->victim_mac, &po.victim_mac, &err) < 0) {
			fprintf(stderr, "stormwatch: --victim-mac: %s\n",
			    nk_err_msg(&err));
			return NK_CLI_EXIT_USAGE;
		}
		po.has_victim_mac = true;
	}
	if (sw_probe_open(&po, &p, &err) < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		return NK_STATE_UNKNOWN;
	}
	if (nk_priv_drop(o->user, &err) < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		sw_probe_close(p);
		return NK_STATE_UNKNOWN;
	}
	st = sw_probe_run(p, rep, stdout, com->json, rep->sink, &err);
	if (st == NK_STATE_UNKNOWN && nk_err_msg(&err)[0] != '\0')
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
	sw_probe_close(p);
	return st;
}

/* Settings the file has and the command line did not give. */
static void
conf_merge(struct opts *o, const struct sw_conf *c)
{
	if (o->filter == NULL)
		o->filter = c->filter;
	if (o->evidence == NULL)
		o->evidence = c->evidence;
	if (o->user == NULL)
		o->user = c->user;
	if (o->oui_dir == NULL)
		o->oui_dir = c->oui_dir;
	if (!o->has_duration && c->has_duration) {
		o->has_duration = true;
		o->duration_s = c->duration_s;
	}
	if (o->snaplen == 0)
		o->snaplen = c->snaplen;
	if (o->buffer_kib == 0)
		o->buffer_kib = c->buffer_kib;
	if (c->promisc == 0)
		o->no_promisc = true;
}

/* Thresholds from the command line: each given part replaces the file's
 * or the default (-w alone keeps the critical range). */
static int
cli_threshold(
    const char *what, const char *w, const char *c, struct nk_threshold *th)
{
	struct nk_threshold t;
	struct nk_err err = {""};

	if (w == NULL && c == NULL)
		return 0;
	if (nk_threshold_parse(w, c, &t, &err) < 0) {
		fprintf(stderr, "stormwatch: %s: %s\n", what, nk_err_msg(&err));
		return -1;
	}
	if (w != NULL)
		th->warn = t.warn;
	if (c != NULL)
		th->crit = t.crit;
	return 0;
}

static int
cli_overrides(const struct opts *o, const struct nk_cli_common *com,
    const struct sw_conf *conf, struct sw_config *cfg)
{
	if (cli_threshold("-w/-c", com->warning, com->critical, &cfg->bcast) <
		0 ||
	    cli_threshold("--src-warning/--src-critical", o->src_warn,
		o->src_crit, &cfg->src_bcast) < 0)
		return -1;
	if (o->storm_copies > 0) {
		cfg->storm_start_pps = o->storm_copies;
		if (!conf->has_storm_end ||
		    cfg->storm_end_pps > cfg->storm_start_pps)
			cfg->storm_end_pps = o->storm_copies / 4;
	}
	if (o->storm_reflectors > 0)
		cfg->storm_min_reflectors = (unsigned)o->storm_reflectors;
	if (o->max_sources > 0)
		cfg->max_sources = (uint32_t)o->max_sources;
	if (o->no_l4)
		cfg->verify_l4 = false;
	if (o->all_l4) {
		cfg->verify_l4 = true;
		cfg->verify_l4_all = true;
	}
	if (o->has_report)
		cfg->report_ns = (int64_t)(o->report_s * 1e9);
	cfg->evidence = o->evidence != NULL;
	return 0;
}

/* -r with --view: the final picture stays until 'q' or a signal. */
static int
hold_view(struct run_ctx *rc, struct nk_err *err)
{
	rc->loop = nk_loop_new();
	if (rc->loop == NULL) {
		nk_err_set(err, "loop: out of memory");
		return -1;
	}
	if (nk_loop_add_fd(
		rc->loop, sw_view_fd(rc->view), POLLIN_EV, view_keys, rc) < 0 ||
	    nk_loop_add_signal(rc->loop, SIGINT, live_signal, rc, err) < 0 ||
	    nk_loop_add_signal(rc->loop, SIGTERM, live_signal, rc, err) < 0) {
		if (nk_err_msg(err)[0] == '\0')
			nk_err_set(err, "loop: setup failed");
		return -1;
	}
	sw_view_draw(rc->view, rc->d, rc->rep, &rc->run);
	return nk_loop_run(rc->loop, err);
}

int
sw_cmd_main(int argc, char **argv)
{
	struct opts o;
	struct nk_cli_common com;
	struct nk_err err = {""};
	struct sw_config cfg;
	struct sw_conf conf;
	struct sw_report rep;
	struct run_ctx rc;
	struct nk_oui_db *oui = NULL;
	int exit_code = NK_STATE_UNKNOWN;
	char srcname[300];

	memset(&o, 0, sizeof(o));
	memset(&com, 0, sizeof(com));
	memset(&rep, 0, sizeof(rep));
	memset(&rc, 0, sizeof(rc));
	memset(&conf, 0, sizeof(conf));
	conf.promisc = -1;
	nk_log_init("stormwatch", NK_LOG_WARN, false);
	int first =
	    nk_cli_parse(argc, argv, sw_opts, on_opt, &o, &com, true, &err);
	if (first < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (com.help) {
		nk_cli_help(stdout, "stormwatch",
		    "(-i IFACE | -r FILE) [options]\n"
		    "       stormwatch --probe IFACE --victim IP [--victim-mac "
		    "MAC]",
		    "catch mangled broadcast ICMP storms and name every "
		    "reflector",
		    sw_opts);
		return 0;
	}
	if (com.version) {
		nk_cli_version(stdout, "stormwatch");
		return 0;
	}
	if (first < argc) {
		fprintf(stderr, "stormwatch: unexpected argument '%s'\n",
		    argv[first]);
		return NK_CLI_EXIT_USAGE;
	}
	nk_log_init("stormwatch", com.verbose > 0 ? NK_LOG_INFO : NK_LOG_WARN,
	    com.syslog);
	int modes = (o.iface != NULL) + (o.file != NULL) + (o.probe != NULL);
	if (modes != 1) {
		fprintf(stderr,
		    "stormwatch: give exactly one of -i IFACE, -r "
		    "FILE, --probe IFACE (see --help)\n");
		return NK_CLI_EXIT_USAGE;
	}

	/* defaults, then the config file, then the command line. The file
	 * is read before the capture is opened because it may name the
	 * filter and the evidence file (as tcpdump reads -F); it is plain
	 * text through lib/config, and no packet is touched before the drop */
	sw_config_defaults(&cfg);
	if (com.config != NULL) {
		if (sw_conf_load(com.config, &cfg, &conf, &err) < 0) {
			fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
			return NK_CLI_EXIT_USAGE;
		}
		conf_merge(&o, &conf);
		rc.stats_every_ns = conf.stats_ns;
	}
	if (cli_overrides(&o, &com, &conf, &cfg) < 0) {
		exit_code = NK_CLI_EXIT_USAGE;
		goto out;
	}

	if (com.json) {
		rep.sink = nk_event_sink_new("stormwatch", NULL, stdout);
		if (rep.sink == NULL) {
			fprintf(stderr, "stormwatch: out of memory\n");
			return NK_STATE_UNKNOWN;
		}
	}

	/* privileged part: the capture / injection handles, the evidence
	 * file; then drop (STYLE §7), then read the OUI registry */
	if (o.probe != NULL) {
		if (nk_oui_db_load(o.oui_dir, &oui, &err) == 0)
			rep.oui = oui;
		exit_code = do_probe(&o, &rep, &com);
		goto out;
	}
	struct sw_capture_opts co = {.iface = o.iface,
	    .file = o.file,
	    .filter = o.filter,
	    .snaplen = o.snaplen,
	    .buffer_bytes = o.buffer_kib > 0 ? o.buffer_kib * 1024 : 0,
	    .promisc = !o.no_promisc};
	if (sw_capture_open(&co, &rc.cap, &err) < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		goto out;
	}
	rc.dlt = sw_capture_dlt(rc.cap);
	if (o.iface != NULL) {
		struct nk_mac m;
		if (sw_capture_local_mac(rc.cap, &m) == 0 &&
		    cfg.n_local_macs < SW_LOCAL_MACS)
			cfg.local_macs[cfg.n_local_macs++] = m;
		cfg.n_local_ips += sw_capture_local_ips(rc.cap,
		    cfg.local_ips + cfg.n_local_ips,
		    SW_LOCAL_IPS - cfg.n_local_ips);
		/* frames from these are the offload artefact, not errors */
		nk_log(NK_LOG_INFO, "local_addresses",
		    "interface=%s local_macs=%zu local_ips=%zu", o.iface,
		    cfg.n_local_macs, cfg.n_local_ips);
	}
	if (o.evidence != NULL &&
	    sw_dumper_open(rc.cap, o.evidence, &rc.dump, &err) < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		goto out;
	}
	if ((o.iface != NULL || geteuid() == 0 || o.user != NULL) &&
	    nk_priv_drop(o.user, &err) < 0) {
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		goto out;
	}
	/* vendors appear in every face but the plugin line */
	if (!o.plugin) {
		if (nk_oui_db_load(o.oui_dir, &oui, &err) == 0)
			rep.oui = oui;
		else
			nk_log(NK_LOG_WARN, "oui_db",
			    "error=%s vendors=unknown", nk_err_msg(&err));
	}

	struct sw_hooks hooks = {hook_event, on_evidence, &rc};
	rc.d = sw_detect_new(&cfg, &hooks);
	if (rc.d == NULL) {
		fprintf(stderr, "stormwatch: out of memory\n");
		goto out;
	}
	rc.rep = &rep;
	/* live on a terminal: the ncurses view, unless text was asked for;
	 * --view asks for it (also with -r) and fails without a terminal */
	if (o.view && (com.json || o.plugin || com.quiet)) {
		fprintf(stderr,
		    "stormwatch: --view does not go with --json, "
		    "--plugin or -q\n");
		exit_code = NK_CLI_EXIT_USAGE;
		goto out;
	}
	/* the view's UTF-8 blocks need the terminal's codeset; LC_CTYPE
	 * only, so JSON and summary numbers keep their '.' */
	if (o.view || o.iface != NULL)
		(void)setlocale(LC_CTYPE, "");
	if (o.view) {
		if (!isatty(STDIN_FILENO) || sw_view_open(&rc.view, &err) < 0) {
			fprintf(stderr, "stormwatch: --view: %s\n",
			    nk_err_msg(&err)[0] != '\0'
				? nk_err_msg(&err)
				: "stdin is not a terminal");
			goto out;
		}
	} else if (o.iface != NULL && !com.json && !o.plugin && !o.lines &&
	    !com.quiet && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		if (sw_view_open(&rc.view, &err) < 0)
			nk_log(NK_LOG_WARN, "tui", "error=%s fallback=lines",
			    nk_err_msg(&err));
	}
	if (!com.json && !o.plugin && rc.view == NULL &&
	    (o.lines || o.iface != NULL))
		rep.lines = stdout;
	(void)snprintf(srcname, sizeof(srcname), "%s %s",
	    o.iface != NULL ? "interface" : "file",
	    o.iface != NULL ? o.iface
			    : (strcmp(o.file, "-") == 0 ? "(stdin)" : o.file));
	rc.run.source = srcname;
	rc.run.live = o.iface != NULL;
	rc.run.no_mac_link = nk_frame_link_is_raw(rc.dlt);

	if (o.iface != NULL) {
		if (run_live(&rc, o.duration_s, &err) < 0) {
			fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
			goto out;
		}
	} else {
		bool eof;
		if (sw_capture_read(rc.cap, 0, on_record, &rc, &eof, &rc.rerr) <
		    0)
			rc.failed = true;
	}
	if (rc.failed)
		rc.run.read_error = nk_err_msg(&rc.rerr);
	sw_detect_finish(rc.d);
	rc.run.done = true;
	if (rc.view != NULL && o.iface == NULL && hold_view(&rc, &err) < 0) {
		sw_view_close(rc.view);
		rc.view = NULL;
		fprintf(stderr, "stormwatch: %s\n", nk_err_msg(&err));
		goto out;
	}
	sw_view_close(rc.view); /* endwin() before the final lines */
	rc.view = NULL;
	if (rc.failed)
		fprintf(stderr, "stormwatch: %s\n", rc.run.read_error);
	if (rc.dump != NULL) {
		rc.run.evidence_frames = sw_dumper_count(rc.dump);
		rc.run.evidence_path = o.evidence;
	}
	rep.lines = NULL;
	if (com.json)
		sw_report_capture_stats(&rep, rc.d, &rc.run, 0);
	else if (o.plugin)
		sw_report_plugin(stdout, &rep, rc.d, &rc.run, &cfg);
	else if (!com.quiet)
		sw_report_summary(stdout, &rep, rc.d, &rc.run);
	exit_code = nk_state_exit_code(sw_report_state(rc.d, &rc.run));
out:
	sw_view_close(rc.view);
	if (rc.loop != NULL)
		nk_loop_free(rc.loop);
	sw_dumper_close(rc.dump);
	sw_detect_free(rc.d);
	sw_capture_close(rc.cap);
	nk_oui_db_free(oui);
	nk_event_sink_free(rep.sink);
	sw_conf_fini(&conf);
	return exit_code;
}
