/* statuscmd: the plugin check over the status file; see statuscmd.h. */
#include "statuscmd.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alarm.h"
#include "bgpstatus.h"
#include "cli.h"
#include "clock.h"
#include "event.h"
#include "parse.h"

#define DEFAULT_MAX_AGE_NS (60 * NK_NS_PER_SEC)

enum { OPT_MAX_AGE = 256 };

struct sargs {
	int64_t max_age_ns;
};

static int
sopt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct sargs *a = ctx;
	if (id == OPT_MAX_AGE)
		return nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_SEC,
		    365 * 86400 * NK_NS_PER_SEC, &a->max_age_ns, err);
	return 0;
}

/* The whole file, at most NK_BGPSTATUS_MAX_BYTES. */
static int
slurp(const char *path, uint8_t **out, size_t *len, struct nk_err *err)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0) {
		nk_err_set(err, "%s", strerror(errno));
		return -1;
	}
	b = malloc(cap);
	if (b == NULL) {
		nk_err_set(err, "out of memory");
		goto out;
	}
	for (;;) {
		if (n == cap) {
			if (cap > NK_BGPSTATUS_MAX_BYTES) {
				nk_err_set(err, "larger than %u bytes",
				    NK_BGPSTATUS_MAX_BYTES);
				goto out;
			}
			uint8_t *nb = realloc(b, cap * 2);
			if (nb == NULL) {
				nk_err_set(err, "out of memory");
				goto out;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			nk_err_set(err, "read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	(void)close(fd);
	return rc;
}

/* The verdict in both faces: the plugin line, or one JSON line. */
static int
report(bool json, const char *file, enum nk_state s, const char *text,
    const char *perf, const struct nk_bgpstatus_counts *c, double age_s)
{
	char line[4096];

	if (!json) {
		printf("%s\n",
		    nk_plugin_line(
			line, sizeof(line), "BGPWATCH", s, text, perf));
		return nk_state_exit_code(s);
	}
	struct nk_event_sink *sink =
	    nk_event_sink_new("bgpwatch", NULL, stdout);
	struct json_object *o = sink != NULL
	    ? nk_event_begin(sink, "status_check", nk_severity_of_state(s), 0)
	    : NULL;
	if (o != NULL) {
		nk_event_add_str(o, "file", file);
		nk_event_add_str(o, "state", nk_state_name(s));
		nk_event_add_str(o, "detail", text);
		if (c != NULL) {
			nk_event_add_double(o, "age_s", age_s);
			nk_event_add_uint(o, "sessions_up", c->sessions_up);
			nk_event_add_uint(o, "sessions_down", c->sessions_down);
			nk_event_add_uint(
			    o, "prefixes_watched", c->prefixes_watched);
			nk_event_add_uint(
			    o, "prefixes_unreachable", c->prefixes_unreachable);
			nk_event_add_uint(o, "prefixes_withdrawn_somewhere",
			    c->prefixes_withdrawn_somewhere);
		}
		(void)nk_event_emit(sink, o);
	}
	nk_event_sink_free(sink);
	return nk_state_exit_code(s);
}

/* Append "; " + s to text, as much as fits. */
static void
text_add(char *text, size_t len, const char *s)
{
	size_t l = strlen(text);
	if (l + 3 >= len)
		return;
	(void)snprintf(text + l, len - l, "%s%s", l ? "; " : "", s);
}

int
statuscmd_run(int argc, char **argv)
{
	static const struct nk_cli_opt opts[] = {
	    {"max-age", 0, NK_CLI_REQ_ARG, OPT_MAX_AGE, "SECONDS",
		"older than this: UNKNOWN, collector dead (default 60)"},
	    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
	};
	struct sargs a = {DEFAULT_MAX_AGE_NS};
	struct nk_cli_common cc;
	struct nk_err err = {{0}};
	struct nk_bgpstatus *st = NULL;
	struct nk_bgpstatus_counts cnt;
	struct nk_threshold th;
	uint8_t *buf = NULL;
	size_t len = 0;
	char text[2048] = "", perf[1024] = "", why[NK_ERR_MAX + 600];
	int rc;

	memset(&cc, 0, sizeof(cc));
	int first = nk_cli_parse(argc, argv, opts, sopt, &a, &cc, true, &err);
	if (first < 0) {
		printf("BGPWATCH UNKNOWN - %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (cc.help) {
		nk_cli_help(stdout, "bgpwatch status",
		    "FILE [-w RANGE] [-c RANGE] "
		    "[--max-age SECONDS] [--json] [-v]",
		    "Plugin check over a collector's status file: CRITICAL "
		    "when a session is down or a watched prefix unreachable "
		    "(-c: on their count), WARNING when a prefix lost an "
		    "upstream (-w: on their count); see bgpwatch(1).",
		    opts);
		return 0;
	}
	if (argc - first != 1) {
		printf("BGPWATCH UNKNOWN - usage: bgpwatch status FILE "
		       "[-w RANGE] [-c RANGE] [--max-age SECONDS]\n");
		return NK_CLI_EXIT_USAGE;
	}
	const char *file = argv[first];
	/* -c on sessions down + prefixes unreachable, -w on prefixes
	 * withdrawn by some upstream; "0": any is too many */
	if (nk_threshold_parse(cc.warning ? cc.warning : "0",
		cc.critical ? cc.critical : "0", &th, &err) < 0) {
		printf("BGPWATCH UNKNOWN - %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	st = malloc(sizeof(*st));
	if (st == NULL) {
		printf("BGPWATCH UNKNOWN - out of memory\n");
		return 3;
	}
	if (slurp(file, &buf, &len, &err) < 0 ||
	    nk_bgpstatus_parse(buf, len, st, &err) < 0) {
		(void)snprintf(why, sizeof(why), "status file %s: %s", file,
		    nk_err_msg(&err));
		rc = report(cc.json, file, NK_STATE_UNKNOWN, why, "", NULL, 0);
		goto out;
	}
	if (st->stopped[0] != '\0') {
		char at[NK_CLOCK_RFC3339_LEN];
		nk_clock_fmt_rfc3339(st->time_ns, at, sizeof(at));
		(void)snprintf(why, sizeof(why),
		    "collector stopped at %s (%s): status file %s is not "
		    "current",
		    at, st->stopped, file);
		rc = report(cc.json, file, NK_STATE_UNKNOWN, why, "", NULL, 0);
		goto out;
	}
	int64_t now = nk_clock_real_ns();
	/* tenths of a second are all a check needs */
	double age_s =
	    (double)((now - st->time_ns) / (NK_NS_PER_SEC / 10)) / 10;
	if (now - st->time_ns > a.max_age_ns) {
		char at[NK_CLOCK_RFC3339_LEN];
		nk_clock_fmt_rfc3339(st->time_ns, at, sizeof(at));
		(void)snprintf(why, sizeof(why),
		    "status file %s is %.0f s old (written %s, --max-age %lld "
		    "s): is the collector running?",
		    file, age_s, at, (long long)(a.max_age_ns / NK_NS_PER_SEC));
		rc = report(cc.json, file, NK_STATE_UNKNOWN, why, "", NULL, 0);
		goto out;
	}
	nk_bgpstatus_count(st, &cnt);
	unsigned bad = cnt.sessions_down + cnt.prefixes_unreachable;
	enum nk_state s = NK_STATE_OK;
	if (nk_range_alerts(&th.crit, bad))
		s = NK_STATE_CRITICAL;
	else if (bad > 0 ||
	    nk_range_alerts(&th.warn, cnt.prefixes_withdrawn_somewhere))
		s = NK_STATE_WARNING;
	/* the text: critical alarms first, then warnings */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < st->n_alarm; i++)
			if (st->alarm[i].sev ==
			    (pass == 0 ? NK_SEV_CRITICAL : NK_SEV_WARNING))
				text_add(
				    text, sizeof(text), st->alarm[i].detail);
	if (text[0] == '\0')
		(void)snprintf(text, sizeof(text),
		    "%u of %zu sessions up, %u watched prefixes via every "
		    "upstream",
		    cnt.sessions_up, st->n_sess, cnt.prefixes_watched);
	double n_sess = (double)st->n_sess, n_pfx = cnt.prefixes_watched;
	struct nk_threshold cth, wth;
	memset(&cth, 0, sizeof(cth));
	memset(&wth, 0, sizeof(wth));
	cth.crit = th.crit;
	wth.warn = th.warn;
	(void)nk_perf_append(perf, sizeof(perf), "sessions_up", cnt.sessions_up,
	    "", NULL, 0, n_sess);
	(void)nk_perf_append(perf, sizeof(perf), "sessions_down",
	    cnt.sessions_down, "", &cth, 0, n_sess);
	(void)nk_perf_append(perf, sizeof(perf), "prefixes_unreachable",
	    cnt.prefixes_unreachable, "", &cth, 0, n_pfx);
	(void)nk_perf_append(perf, sizeof(perf), "prefixes_withdrawn_somewhere",
	    cnt.prefixes_withdrawn_somewhere, "", &wth, 0, n_pfx);
	(void)nk_perf_append(
	    perf, sizeof(perf), "prefixes_watched", n_pfx, "", NULL, 0, NAN);
	(void)nk_perf_append(perf, sizeof(perf), "age", age_s < 0 ? 0 : age_s,
	    "s", NULL, 0, NAN);
	rc = report(cc.json, file, s, text, perf, &cnt, age_s);
	/* -v: one line per open alarm after the status line (plugin long
	 * output), for the shell */
	if (!cc.json && cc.verbose > 0)
		for (size_t i = 0; i < st->n_alarm; i++)
			printf("%s %s %s: %s\n",
			    nk_severity_name(st->alarm[i].sev),
			    st->alarm[i].kind, st->alarm[i].object,
			    st->alarm[i].detail);
out:
	free(buf);
	free(st);
	return rc;
}
