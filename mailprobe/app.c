#include "app.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alarm.h"
#include "cli.h"
#include "clock.h"
#include "dnsprobe.h"
#include "event.h"
#include "log.h"
#include "mailbox.h"
#include "parse.h"
#include "probe.h"
#include "report.h"
#include "tuiview.h"

#define MP_TARGETS_MAX 10000

enum opt_id {
	O_TIMEOUT = 256,
	O_CAFILE,
	O_INSECURE,
	O_SOURCE,
	O_CREDS,
	O_PASSENV,
	O_EXPECT,
	O_CERTDAYS,
	O_PHASE,
	O_PLUGIN,
	O_COUNT,
	O_PARALLEL,
	O_USER,
	O_PORTS,
	O_COMMAND,
	O_EHLO,
	O_NOREC,
	O_AA,
	O_RECURSION,
	O_STATE,
	O_MESSAGES,
	O_MBYTES,
	O_FROM,
	O_TO,
	O_WAIT,
	O_TUI,
	O_INTERVAL,
	O_VIA,
};

static const struct nk_cli_opt opts_table[] = {
	{"timeout", 't', NK_CLI_REQ_ARG, O_TIMEOUT, "SECONDS",
	    "deadline of each probe (default 10)"},
	{"cafile", 0, NK_CLI_REQ_ARG, O_CAFILE, "FILE",
	    "verify server certificates against FILE"},
	{"insecure", 'k', NK_CLI_NO_ARG, O_INSECURE, NULL,
	    "do not verify the certificate chain and name"},
	{"source", 0, NK_CLI_REQ_ARG, O_SOURCE, "ADDR",
	    "connect from local address ADDR"},
	{"credentials", 0, NK_CLI_REQ_ARG, O_CREDS, "FILE",
	    "netrc-syntax password file, must be mode 0600"},
	{"password-env", 0, NK_CLI_REQ_ARG, O_PASSENV, "VAR",
	    "take the password from $VAR (default MAILPROBE_PASSWORD)"},
	{"expect-caps", 0, NK_CLI_REQ_ARG, O_EXPECT, "LIST",
	    "capabilities that must be announced (IDLE,UIDPLUS,...)"},
	{"cert-days", 'D', NK_CLI_REQ_ARG, O_CERTDAYS, "WARN[,CRIT]",
	    "certificate days-left thresholds (as check_imap -D)"},
	{"phase", 0, NK_CLI_REQ_ARG, O_PHASE, "PHASE=WARN[,CRIT]",
	    "threshold in seconds for lookup, connect, tls, banner, login, "
	    "total"},
	{"plugin", 0, NK_CLI_NO_ARG, O_PLUGIN, NULL,
	    "print one monitoring-plugin status line per probe"},
	{"count", 'n', NK_CLI_REQ_ARG, O_COUNT, "N",
	    "probe each target N times concurrently"},
	{"parallel", 0, NK_CLI_REQ_ARG, O_PARALLEL, "N",
	    "at most N connections at once (default 200)"},
	{"user", 'u', NK_CLI_REQ_ARG, O_USER, "USER",
	    "log in as USER (matrix)"},
	{"ports", 0, NK_CLI_REQ_ARG, O_PORTS, "LIST",
	    "matrix ports: smtp=25,submission=587,smtps=465,imap=143,"
	    "imaps=993,pop3=110,pop3s=995"},
	{"command", 0, NK_CLI_REQ_ARG, O_COMMAND, "CMD",
	    "after login: IMAP command (default EXAMINE INBOX) or POP3 "
	    "command (default STAT)"},
	{"ehlo", 0, NK_CLI_REQ_ARG, O_EHLO, "NAME", "SMTP EHLO name"},
	{"norec", 0, NK_CLI_NO_ARG, O_NOREC, NULL,
	    "dns: send queries without RD (ask the authority)"},
	{"aa", 0, NK_CLI_NO_ARG, O_AA, NULL,
	    "dns: warn unless the answer is authoritative"},
	{"recursion", 0, NK_CLI_REQ_ARG, O_RECURSION, "open|closed",
	    "dns: critical unless the server recurses (open) or not"},
	{"state", 0, NK_CLI_REQ_ARG, O_STATE, "FILE",
	    "uids: UID state file kept between runs"},
	{"messages", 0, NK_CLI_REQ_ARG, O_MESSAGES, "WARN[,CRIT]",
	    "uids: message-count ranges (e.g. 5000,20000)"},
	{"mailbox-bytes", 0, NK_CLI_REQ_ARG, O_MBYTES, "WARN[,CRIT]",
	    "uids: mailbox-size ranges in bytes"},
	{"from", 0, NK_CLI_REQ_ARG, O_FROM, "ADDR", "deliver: sender"},
	{"to", 0, NK_CLI_REQ_ARG, O_TO, "ADDR", "deliver: recipient"},
	{"wait", 0, NK_CLI_REQ_ARG, O_WAIT, "SECONDS",
	    "deliver: give up after (default 30)"},
	{"via", 0, NK_CLI_REQ_ARG, O_VIA, "imap|pop3",
	    "deliver: poll the mailbox URL by this protocol (default: its "
	    "scheme)"},
	{"tui", 0, NK_CLI_NO_ARG, O_TUI, NULL,
	    "ncurses view: probe the URLs every --interval"},
	{"interval", 'i', NK_CLI_REQ_ARG, O_INTERVAL, "SECONDS",
	    "tui: seconds between rounds (default 10)"},
	{NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
};

struct app {
	struct mp_opts popts;
	struct mp_judge judge;
	const char *creds;
	const char *passenv;
	const char *user;
	const char *ports;
	const char *command;
	bool plugin;
	bool norec, aa;
	const char *recursion;
	const char *state, *from, *to;
	const char *via; /* deliver: "imap", "pop3" or NULL */
	char msg_w[32], msg_c[32], mb_w[32], mb_c[32];
	int64_t wait_ns;
	int64_t interval_ns;
	bool tui;
	unsigned count;
	const char *phase_w[MP_PH_N];
	const char *phase_c[MP_PH_N];
	char phase_buf[MP_PH_N][64];
	char days_w[32], days_c[32];
};


/* --ports smtp=2525,imap=1143: every item a known service and a port, so a
 * typo is a usage error rather than a silently ignored item or port 0. */
static int
ports_check(const char *list, struct nk_err *err)
{
	const char *p = list;

	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char item[64], *eq;
		uint64_t port;
		if (n == 0 || n >= sizeof(item)) {
			nk_err_set(err, "'%s': want SERVICE=PORT,...", list);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		eq = strchr(item, '=');
		if (eq == NULL) {
			nk_err_set(err, "'%s': want SERVICE=PORT", item);
			return -1;
		}
		*eq = '\0';
		if (mp_service_port(item) == 0) {
			nk_err_set(err, "'%s': unknown service (smtp, "
			    "submission, smtps, imap, imaps, pop3, pop3s)",
			    item);
			return -1;
		}
		if (nk_parse_u64(eq + 1, 1, 65535, &port, err) != 0) {
			nk_err_prefix(err, "%s", item);
			return -1;
		}
		p += n + (comma != NULL);
	}
	return 0;
}

static int
opt_handler(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct app *a = ctx;
	uint64_t u;
	int64_t ns;

	switch (id) {
	case O_TIMEOUT:
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_MS,
			3600 * NK_NS_PER_SEC, &ns, err) != 0)
			goto bad;
		a->popts.timeout_ns = ns;
		return 0;
	case O_CAFILE:
		a->popts.cafile = arg;
		return 0;
	case O_INSECURE:
		a->popts.insecure = true;
		return 0;
	case O_SOURCE:
		a->popts.source = arg;
		return 0;
	case O_CREDS:
		a->creds = arg;
		return 0;
	case O_PASSENV:
		a->passenv = arg;
		return 0;
	case O_EXPECT:
		a->judge.expect_caps = arg;
		return 0;
	case O_CERTDAYS: {
		/* "20,7": warn below 20 days, critical below 7 */
		const char *comma = strchr(arg, ',');
		size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
		if (n == 0 || n >= sizeof(a->days_w) - 2) {
			nk_err_set(err, "option '-D': '%s': want WARN[,CRIT]",
			    arg);
			return -1;
		}
		snprintf(a->days_w, sizeof(a->days_w), "%.*s:", (int)n, arg);
		if (comma != NULL)
			snprintf(a->days_c, sizeof(a->days_c), "%s:",
			    comma + 1);
		return 0;
	}
	case O_PHASE: {
		const char *eq = strchr(arg, '=');
		char name[16];
		int p;
		if (eq == NULL || (size_t)(eq - arg) >= sizeof(name)) {
			nk_err_set(err,
			    "option '--phase': '%s': want PHASE=WARN[,CRIT]",
			    arg);
			return -1;
		}
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = '\0';
		p = mp_phase_lookup(name);
		if (p < 0) {
			nk_err_set(err,
			    "option '--phase': unknown phase '%s' (lookup, "
			    "connect, tls, banner, login, total)",
			    name);
			return -1;
		}
		snprintf(a->phase_buf[p], sizeof(a->phase_buf[p]), "%s",
		    eq + 1);
		char *c = strchr(a->phase_buf[p], ',');
		if (c != NULL) {
			*c = '\0';
			a->phase_c[p] = c + 1;
		}
		a->phase_w[p] = a->phase_buf[p][0] ? a->phase_buf[p] : NULL;
		return 0;
	}
	case O_PLUGIN:
		a->plugin = true;
		return 0;
	case O_COUNT:
		if (nk_parse_u64(arg, 1, MP_TARGETS_MAX, &u, err) != 0)
			goto bad;
		a->count = (unsigned)u;
		return 0;
	case O_PARALLEL:
		if (nk_parse_u64(arg, 1, 10000, &u, err) != 0)
			goto bad;
		a->popts.max_parallel = (unsigned)u;
		return 0;
	case O_USER:
		a->user = arg;
		return 0;
	case O_PORTS:
		if (ports_check(arg, err) != 0)
			return -1;
		a->ports = arg;
		return 0;
	case O_COMMAND:
		a->command = arg;
		return 0;
	case O_EHLO:
		a->popts.ehlo = arg;
		return 0;
	case O_STATE:
		a->state = arg;
		return 0;
	case O_MESSAGES:
	case O_MBYTES: {
		char *w = id == O_MESSAGES ? a->msg_w : a->mb_w;
		char *c = id == O_MESSAGES ? a->msg_c : a->mb_c;
		const char *comma = strchr(arg, ',');
		size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
		if (n >= 32 || (comma && strlen(comma + 1) >= 32)) {
			nk_err_set(err, "'%s': want WARN[,CRIT]", arg);
			return -1;
		}
		memcpy(w, arg, n);
		w[n] = '\0';
		if (comma)
			memcpy(c, comma + 1, strlen(comma + 1) + 1);
		return 0;
	}
	case O_FROM:
		a->from = arg;
		return 0;
	case O_TO:
		a->to = arg;
		return 0;
	case O_WAIT:
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_MS,
			24 * 3600 * NK_NS_PER_SEC, &ns, err) != 0)
			goto bad;
		a->wait_ns = ns;
		return 0;
	case O_TUI:
		a->tui = true;
		return 0;
	case O_VIA:
		if (strcmp(arg, "imap") != 0 && strcmp(arg, "pop3") != 0) {
			nk_err_set(err, "option '--via': '%s': want imap or "
			    "pop3", arg);
			return -1;
		}
		a->via = arg;
		return 0;
	case O_INTERVAL:
		if (nk_parse_duration_ns(arg, NK_NS_PER_SEC, NK_NS_PER_SEC / 10,
			24 * 3600 * NK_NS_PER_SEC, &ns, err) != 0)
			goto bad;
		a->interval_ns = ns;
		return 0;
	case O_NOREC:
		a->norec = true;
		return 0;
	case O_AA:
		a->aa = true;
		return 0;
	case O_RECURSION:
		if (strcmp(arg, "open") != 0 && strcmp(arg, "closed") != 0) {
			nk_err_set(err, "option '--recursion': '%s': want open "
			    "or closed", arg);
			return -1;
		}
		a->recursion = arg;
		return 0;
	default:
		break;
	}
	nk_err_set(err, "unknown option id %d", id);
	return -1;
bad: /* nk_cli names the option */
	return -1;
}

static void
b64(const unsigned char *in, size_t n, char *out, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* The password and its SASL encodings (PLAIN, LOGIN) are scrubbed. */
static void
register_secret(const char *user, const char *pass)
{
	unsigned char plain[2 * MP_SECRET_MAX + 2];
	char enc[4 * MP_SECRET_MAX];
	size_t ul = strlen(user), pl = strlen(pass);

	mp_report_secret(pass);
	b64((const unsigned char *)pass, pl, enc, sizeof(enc));
	mp_report_secret(enc);
	if (ul + pl + 2 <= sizeof(plain)) {
		plain[0] = 0;
		memcpy(plain + 1, user, ul);
		plain[1 + ul] = 0;
		memcpy(plain + 2 + ul, pass, pl);
		b64(plain, ul + pl + 2, enc, sizeof(enc));
		mp_report_secret(enc);
	}
}

static int
fill_password(const struct app *a, struct mp_target *tg)
{
	struct nk_err err = {{0}};
	int rc;

	if (tg->user[0] == '\0')
		return 0;
	rc = mp_cred_lookup(a->creds, a->passenv, tg->host, tg->user,
	    tg->password, sizeof(tg->password), &err);
	if (rc < 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return -1;
	}
	if (rc > 0) {
		fprintf(stderr,
		    "mailprobe: %s %s@%s: no password (give --credentials "
		    "FILE, $%s or ~/.netrc; never on the command line)\n",
		    tg->service, tg->user, tg->host, a->passenv);
		return -1;
	}
	tg->have_password = true;
	register_secret(tg->user, tg->password);
	if (tg->command[0] == '\0') {
		if (a->command != NULL)
			snprintf(tg->command, sizeof(tg->command), "%s",
			    a->command);
		else if (tg->proto == MP_PROTO_IMAP)
			snprintf(tg->command, sizeof(tg->command),
			    "EXAMINE INBOX");
		else if (tg->proto == MP_PROTO_POP3)
			snprintf(tg->command, sizeof(tg->command), "STAT");
	}
	return 0;
}

static int
setup_judge(struct app *a, const struct nk_cli_common *com)
{
	struct nk_err err = {{0}};

	if (com->warning != NULL && a->phase_w[MP_PH_TOTAL] == NULL)
		a->phase_w[MP_PH_TOTAL] = com->warning;
	if (com->critical != NULL && a->phase_c[MP_PH_TOTAL] == NULL)
		a->phase_c[MP_PH_TOTAL] = com->critical;
	for (int p = 0; p < MP_PH_N; p++)
		if (nk_threshold_parse(a->phase_w[p], a->phase_c[p],
			&a->judge.phase[p], &err) != 0) {
			fprintf(stderr, "mailprobe: %s threshold: %s\n",
			    mp_phase_name((enum mp_phase)p), nk_err_msg(&err));
			return -1;
		}
	if (nk_threshold_parse(a->days_w[0] ? a->days_w : NULL,
		a->days_c[0] ? a->days_c : NULL, &a->judge.cert_days,
		&err) != 0) {
		fprintf(stderr, "mailprobe: -D: %s\n", nk_err_msg(&err));
		return -1;
	}
	return 0;
}

static enum nk_state
emit_all(const struct app *a, const struct nk_cli_common *com,
    const struct mp_result *res, unsigned n)
{
	enum nk_state worst = NK_STATE_OK;
	struct nk_event_sink *sink = NULL;

	if (com->json)
		sink = nk_event_sink_new("mailprobe", NULL, stdout);
	for (unsigned i = 0; i < n; i++) {
		enum nk_state st;
		char text[768];
		if (sink != NULL) {
			st = mp_report_judge(&res[i], &a->judge, text,
			    sizeof(text));
			(void)mp_report_json(sink, &res[i], &a->judge);
		} else if (a->plugin) {
			mp_report_plugin(stdout, &res[i], &a->judge, &st);
		} else {
			mp_report_shell(stdout, &res[i], &a->judge);
			st = mp_report_judge(&res[i], &a->judge, text,
			    sizeof(text));
		}
		worst = nk_state_worst(worst, st);
	}
	nk_event_sink_free(sink);
	return worst;
}

static int
run_probes(struct app *a, const struct nk_cli_common *com, char **urls,
    int n_urls)
{
	struct mp_target *tgs = NULL;
	struct mp_result *res = NULL;
	struct nk_err err = {{0}};
	unsigned n = 0, count = a->count ? a->count : 1;
	int rc = NK_STATE_UNKNOWN;

	if ((size_t)n_urls * count > MP_TARGETS_MAX) {
		fprintf(stderr, "mailprobe: more than %d probes\n",
		    MP_TARGETS_MAX);
		return 3;
	}
	tgs = calloc((size_t)n_urls * count, sizeof(*tgs));
	res = calloc((size_t)n_urls * count, sizeof(*res));
	if (tgs == NULL || res == NULL) {
		fprintf(stderr, "mailprobe: out of memory\n");
		goto out;
	}
	for (int i = 0; i < n_urls; i++) {
		struct mp_target tg;
		if (mp_target_parse(urls[i], &tg, &err) != 0) {
			fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
			goto out;
		}
		if (fill_password(a, &tg) != 0)
			goto out;
		for (unsigned k = 0; k < count; k++)
			tgs[n++] = tg;
	}
	if (a->tui) {
		rc = mp_tui_run(tgs, n, &a->popts, &a->judge,
		    a->interval_ns > 0 ? a->interval_ns : 10 * NK_NS_PER_SEC);
		goto out;
	}
	if (mp_probe_run(tgs, res, n, &a->popts, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		goto out;
	}
	rc = nk_state_exit_code(emit_all(a, com, res, n));
out:
	if (tgs != NULL)
		memset(tgs, 0, (size_t)n_urls * count * sizeof(*tgs));
	if (res != NULL) {
		for (unsigned i = 0; i < n; i++)
			memset(res[i].tg.password, 0,
			    sizeof(res[i].tg.password));
		free(res);
	}
	free(tgs);
	return rc;
}

/* ---- matrix: service x mode table ---- */

struct mrow {
	const char *label;
	const char *svc;   /* port key in --ports */
	enum mp_proto proto;
	bool plain_starttls; /* else implicit TLS only */
	bool login;          /* log in when a user is given */
};

static const struct mrow mrows[] = {
	{"SMTP", "smtp", MP_PROTO_SMTP, true, false},
	{"submission", "submission", MP_PROTO_SMTP, true, true},
	{"SMTPS", "smtps", MP_PROTO_SMTP, false, true},
	{"IMAP", "imap", MP_PROTO_IMAP, true, true},
	{"IMAPS", "imaps", MP_PROTO_IMAP, false, true},
	{"POP3", "pop3", MP_PROTO_POP3, true, true},
	{"POP3S", "pop3s", MP_PROTO_POP3, false, true},
};
#define N_MROWS (sizeof(mrows) / sizeof(mrows[0]))

static unsigned
port_of(const char *ports, const char *svc)
{
	size_t sl = strlen(svc);
	const char *p = ports;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, svc, sl) == 0 && p[sl] == '=') {
			unsigned long v = strtoul(p + sl + 1, NULL, 10);
			return v > 0 && v < 65536 ? (unsigned)v : 0;
		}
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return mp_service_port(svc);
}

static int
run_matrix(struct app *a, const struct nk_cli_common *com, const char *host)
{
	struct mp_target tgs[N_MROWS * 2];
	struct mp_result *res;
	int cellidx[N_MROWS][3];
	unsigned n = 0;
	struct nk_err err = {{0}};
	enum nk_state worst = NK_STATE_OK;
	char pw[MP_SECRET_MAX] = "";
	bool have_pw = false;

	if (strlen(host) >= sizeof(tgs[0].host)) {
		fprintf(stderr, "mailprobe: matrix: host name too long\n");
		return 3;
	}
	if (a->user != NULL) {
		struct mp_target t;
		memset(&t, 0, sizeof(t));
		snprintf(t.service, sizeof(t.service), "matrix");
		snprintf(t.host, sizeof(t.host), "%s", host);
		snprintf(t.user, sizeof(t.user), "%s", a->user);
		t.proto = MP_PROTO_IMAP;
		if (fill_password(a, &t) != 0)
			return 3;
		snprintf(pw, sizeof(pw), "%s", t.password);
		have_pw = true;
		memset(&t, 0, sizeof(t));
	}
	memset(cellidx, -1, sizeof(cellidx));
	for (unsigned i = 0; i < N_MROWS; i++) {
		const struct mrow *m = &mrows[i];
		for (int mode = 0; mode < 3; mode++) {
			struct mp_target *tg = &tgs[n];
			if (m->plain_starttls ? mode == 2 : mode != 2)
				continue;
			memset(tg, 0, sizeof(*tg));
			tg->proto = m->proto;
			tg->tls = (enum mp_tlsmode)mode;
			snprintf(tg->service, sizeof(tg->service), "%s",
			    m->svc);
			snprintf(tg->host, sizeof(tg->host), "%s", host);
			tg->port = port_of(a->ports, m->svc);
			if (m->login && have_pw) {
				snprintf(tg->user, sizeof(tg->user), "%s",
				    a->user);
				snprintf(tg->password, sizeof(tg->password),
				    "%s", pw);
				tg->have_password = true;
			}
			cellidx[i][mode] = (int)n++;
		}
	}
	res = calloc(n, sizeof(*res));
	if (res == NULL)
		return 3;
	if (mp_probe_run(tgs, res, n, &a->popts, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		free(res);
		return 3;
	}
	if (com->json) {
		worst = emit_all(a, com, res, n);
	} else {
		char ts[NK_CLOCK_RFC3339_LEN];
		printf("mail service matrix for %s at %s%s%s\n", host,
		    nk_clock_fmt_rfc3339(nk_clock_real_ns(), ts, sizeof(ts)),
		    have_pw ? ", login as " : "", have_pw ? a->user : "");
		printf("%-11s %5s  %-10s %-10s %-12s\n", "service", "port",
		    "plaintext", "STARTTLS", "implicit TLS");
		for (unsigned i = 0; i < N_MROWS; i++) {
			printf("%-11s %5u ", mrows[i].label,
			    port_of(a->ports, mrows[i].svc));
			for (int mode = 0; mode < 3; mode++) {
				int k = cellidx[i][mode];
				printf(" %-*s", mode == 2 ? 12 : 10,
				    k < 0 ? "-" : mp_report_cell(&res[k]));
			}
			putchar('\n');
		}
		for (unsigned k = 0; k < n; k++) {
			char text[768];
			enum nk_state st = mp_report_judge(&res[k], &a->judge,
			    text, sizeof(text));
			/* a refused plaintext login is the matrix's finding,
			 * usually the wanted policy: shown, not alarmed */
			if (strcmp(mp_report_cell(&res[k]), "refused") != 0)
				worst = nk_state_worst(worst, st);
			if (strcmp(mp_report_cell(&res[k]), "OK") != 0)
				printf("  %s: %s\n", mp_report_cell(&res[k]),
				    text);
		}
	}
	for (unsigned k = 0; k < n; k++)
		memset(tgs[k].password, 0, sizeof(tgs[k].password));
	memset(pw, 0, sizeof(pw));
	free(res);
	return nk_state_exit_code(worst);
}

/* ---- uids: UID stability + mailbox health ---- */

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
run_uids(struct app *a, const struct nk_cli_common *com, char **urls, int n)
{
	struct nk_threshold msgs, bytes;
	struct nk_err err = {{0}};
	struct nk_event_sink *sink = NULL;
	enum nk_state worst = NK_STATE_OK;

	if (a->state == NULL) {
		fprintf(stderr, "mailprobe: uids needs --state FILE\n");
		return 3;
	}
	if (nk_threshold_parse(a->msg_w[0] ? a->msg_w : NULL,
		a->msg_c[0] ? a->msg_c : NULL, &msgs, &err) != 0 ||
	    nk_threshold_parse(a->mb_w[0] ? a->mb_w : NULL,
		a->mb_c[0] ? a->mb_c : NULL, &bytes, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return 3;
	}
	if (com->json)
		sink = nk_event_sink_new("mailprobe", NULL, stdout);
	for (int i = 0; i < n; i++) {
		struct mp_target tg;
		struct mp_inventory cur, old;
		struct mp_uid_diff d;
		enum nk_state st = NK_STATE_OK;
		char text[2048], extra[160] = "";
		unsigned n_pseudo = 0;
		int lr;

		memset(&old, 0, sizeof(old));
		memset(&cur, 0, sizeof(cur));
		if (mp_target_parse(urls[i], &tg, &err) != 0 ||
		    tg.proto == MP_PROTO_SMTP) {
			fprintf(stderr, "mailprobe: uids: %s\n",
			    err.msg[0] ? nk_err_msg(&err)
				       : "want a pop3 or imap URL");
			nk_event_sink_free(sink);
			return 3;
		}
		if (tg.user[0] == '\0' || fill_password(a, &tg) != 0) {
			fprintf(stderr, "mailprobe: uids: %s needs user@ and a "
			    "password\n", urls[i]);
			nk_event_sink_free(sink);
			return 3;
		}
		if (mp_mailbox_inventory(&tg, &a->popts, &cur, &err) != 0) {
			st = NK_STATE_CRITICAL;
			snprintf(text, sizeof(text), "%s", nk_err_msg(&err));
			goto report;
		}
		lr = mp_state_load(a->state, cur.key, &old, &err);
		if (lr < 0) {
			st = NK_STATE_UNKNOWN;
			snprintf(text, sizeof(text), "%s", nk_err_msg(&err));
			goto report;
		}
		mp_uid_diff(lr == 0 ? &old : NULL, &cur, &d);
		for (unsigned k = 0; k < cur.n; k++)
			n_pseudo += cur.msgs[k].pseudo;
		if (d.uidvalidity_changed || d.n_renumbered > 0 ||
		    d.n_reused > 0)
			st = NK_STATE_CRITICAL;
		/* deleted mail handed out again (a restored snapshot, a
		 * stale replica): users notice, nothing is lost */
		if (d.n_reappeared > 0)
			st = nk_state_worst(st, NK_STATE_WARNING);
		st = nk_state_worst(st,
		    nk_threshold_eval(&msgs, (double)cur.n));
		st = nk_state_worst(st,
		    nk_threshold_eval(&bytes, (double)cur.total_bytes));
		if (n_pseudo > 0) {
			st = nk_state_worst(st, NK_STATE_WARNING);
			snprintf(extra, sizeof(extra),
			    ", %u folder-internal pseudo-message(s) (DO NOT "
			    "DELETE THIS MESSAGE) visible",
			    n_pseudo);
		}
		if (d.baseline)
			snprintf(text, sizeof(text),
			    "%s: baseline saved, %u messages, %" PRIu64
			    " bytes%s",
			    cur.key, cur.n, cur.total_bytes, extra);
		else
			snprintf(text, sizeof(text),
			    "%s: %u messages, %" PRIu64 " bytes; %u same, "
			    "%u renumbered%s%s%s, %u ids reused, %u new, "
			    "%u vanished, %u reappeared%s%s%s%s%s",
			    cur.key, cur.n, cur.total_bytes, d.n_same,
			    d.n_renumbered, d.example[0] ? " (" : "",
			    d.example, d.example[0] ? ")" : "", d.n_reused,
			    d.n_new, d.n_vanished, d.n_reappeared,
			    d.example_back[0] ? " (" : "", d.example_back,
			    d.example_back[0] ? ")" : "",
			    d.uidvalidity_changed ? ", UIDVALIDITY changed" : "",
			    extra);
		if (mp_uid_carry_gone(lr == 0 ? &old : NULL, &cur) != 0) {
			st = nk_state_worst(st, NK_STATE_UNKNOWN);
			fprintf(stderr, "mailprobe: %s: out of memory\n",
			    cur.key);
		}
		if (mp_state_save(a->state, &cur, &err) != 0) {
			st = nk_state_worst(st, NK_STATE_UNKNOWN);
			fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		}
report:
		mp_report_scrub(text, sizeof(text));
		if (sink != NULL) {
			struct json_object *ev = nk_event_begin(sink, "uids",
			    st == NK_STATE_OK ? NK_SEV_OK
			    : st == NK_STATE_WARNING ? NK_SEV_WARNING
			    : st == NK_STATE_CRITICAL ? NK_SEV_CRITICAL
						      : NK_SEV_UNKNOWN, 0);
			if (ev != NULL) {
				nk_event_add_str(ev, "mailbox", cur.key);
				nk_event_add_str(ev, "state",
				    nk_state_name(st));
				nk_event_add_uint(ev, "messages", cur.n);
				nk_event_add_uint(ev, "size_bytes",
				    cur.total_bytes);
				nk_event_add_int(ev, "uidvalidity",
				    cur.uidvalidity);
				nk_event_add_int(ev, "uidnext", cur.uidnext);
				nk_event_add_bool(ev, "baseline", d.baseline);
				nk_event_add_bool(ev, "uidvalidity_changed",
				    d.uidvalidity_changed);
				nk_event_add_uint(ev, "renumbered",
				    d.n_renumbered);
				nk_event_add_uint(ev, "reused", d.n_reused);
				nk_event_add_uint(ev, "new", d.n_new);
				nk_event_add_uint(ev, "vanished",
				    d.n_vanished);
				nk_event_add_uint(ev, "reappeared",
				    d.n_reappeared);
				nk_event_add_uint(ev, "pseudo_messages",
				    n_pseudo);
				nk_event_add_str(ev, "text", text);
				(void)nk_event_emit(sink, ev);
			}
		} else if (a->plugin) {
			char line[2600], perf[256] = "";
			(void)nk_perf_append(perf, sizeof(perf), "messages",
			    (double)cur.n, "", &msgs, 0.0, NAN);
			(void)nk_perf_append(perf, sizeof(perf), "size",
			    (double)cur.total_bytes, "B", &bytes, 0.0, NAN);
			nk_plugin_line(line, sizeof(line), "UIDS", st, text,
			    perf);
			printf("%s\n", line);
		} else {
			printf("%s - %s\n", nk_state_name(st), text);
		}
		worst = nk_state_worst(worst, st);
		mp_inv_free(&cur);
		mp_inv_free(&old);
		memset(tg.password, 0, sizeof(tg.password));
	}
	nk_event_sink_free(sink);
	return nk_state_exit_code(worst);
}

/* ---- deliver: the send-to-visible loop ---- */

static int
run_deliver(struct app *a, const struct nk_cli_common *com, char **urls,
    int n)
{
	struct mp_target smtp, imap;
	struct mp_delivery d;
	struct nk_err err = {{0}};
	struct sigaction sa;
	enum nk_state st;
	char text[1400];

	if (n != 2 || a->from == NULL || a->to == NULL) {
		fprintf(stderr, "mailprobe: deliver --from ADDR --to ADDR "
				"[--via imap|pop3] SMTP-URL MAILBOX-URL\n");
		return 3;
	}
	if (mp_target_parse(urls[0], &smtp, &err) != 0 ||
	    mp_target_parse(urls[1], &imap, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return 3;
	}
	if (a->via != NULL && imap.proto == MP_PROTO_IMAP &&
	    strcmp(a->via, "pop3") == 0) {
		/* the same mailbox over POP3: a port given in the URL was
		 * IMAP's; POP3's comes from --ports pop3=N/pop3s=N or is the
		 * standard one of the same TLS mode */
		imap.proto = MP_PROTO_POP3;
		snprintf(imap.service, sizeof(imap.service), "%s",
		    imap.tls == MP_TLS_IMPLICIT ? "pop3s" : "pop3");
		imap.port = port_of(a->ports, imap.service);
		imap.command[0] = '\0';
	} else if (a->via != NULL &&
	    strcmp(a->via, mp_proto_name(imap.proto)) != 0) {
		fprintf(stderr, "mailprobe: deliver --via %s: '%s' is not an "
				"%s URL\n", a->via, urls[1], a->via);
		return 3;
	}
	if (smtp.proto != MP_PROTO_SMTP || imap.proto == MP_PROTO_SMTP ||
	    imap.user[0] == '\0') {
		fprintf(stderr, "mailprobe: deliver wants an smtp/submission "
				"URL, then imap://user@host or "
				"pop3://user@host\n");
		return 3;
	}
	if (fill_password(a, &smtp) != 0 || fill_password(a, &imap) != 0)
		return 3;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	if (mp_delivery_run(&smtp, &imap, a->from, a->to,
		a->wait_ns > 0 ? a->wait_ns : 30 * NK_NS_PER_SEC,
		100 * NK_NS_PER_MS, &a->popts, &stop_flag, &d) != 0) {
		fprintf(stderr, "mailprobe: deliver: cannot start libcurl\n");
		return 3;
	}
	if (!d.found) {
		st = d.interrupted ? NK_STATE_UNKNOWN : NK_STATE_CRITICAL;
		snprintf(text, sizeof(text),
		    "%s %s:%u -> %s %s:%u token %s: %s", smtp.service,
		    smtp.host, smtp.port, mp_proto_name(imap.proto), imap.host,
		    imap.port, d.token, d.error);
	} else {
		st = nk_threshold_eval(&a->judge.phase[MP_PH_TOTAL],
		    (double)d.latency_ns / 1e9);
		if (!d.headers_intact || !d.deleted)
			st = nk_state_worst(st, NK_STATE_WARNING);
		snprintf(text, sizeof(text),
		    "%s %s:%u -> %s %s:%u token %s visible after %.3f s "
		    "(SMTP %.3f s), headers %s, %s%s",
		    smtp.service, smtp.host, smtp.port,
		    mp_proto_name(imap.proto), imap.host, imap.port,
		    d.token, (double)d.latency_ns / 1e9,
		    (double)d.send_ns / 1e9,
		    d.headers_intact ? "intact" : "CHANGED",
		    d.deleted ? "deleted" : "NOT deleted",
		    d.leftovers_removed ? ", earlier leftovers removed" : "");
	}
	mp_report_scrub(text, sizeof(text));
	if (com->json) {
		struct nk_event_sink *sink = nk_event_sink_new("mailprobe",
		    NULL, stdout);
		struct json_object *ev = sink ? nk_event_begin(sink,
		    "delivery", st == NK_STATE_OK ? NK_SEV_OK
			: st == NK_STATE_WARNING ? NK_SEV_WARNING
			: st == NK_STATE_CRITICAL ? NK_SEV_CRITICAL
						  : NK_SEV_UNKNOWN, 0)
					      : NULL;
		if (ev != NULL) {
			nk_event_add_str(ev, "token", d.token);
			nk_event_add_str(ev, "state", nk_state_name(st));
			nk_event_add_bool(ev, "sent", d.sent);
			nk_event_add_bool(ev, "found", d.found);
			if (d.found)
				nk_event_add_double(ev, "latency_ms",
				    (double)d.latency_ns / 1e6);
			nk_event_add_double(ev, "smtp_ms",
			    (double)d.send_ns / 1e6);
			nk_event_add_bool(ev, "headers_intact",
			    d.headers_intact);
			nk_event_add_bool(ev, "deleted", d.deleted);
			nk_event_add_bool(ev, "interrupted", d.interrupted);
			nk_event_add_str(ev, "via", mp_proto_name(imap.proto));
			if (d.uid[0] != '\0')
				nk_event_add_str(ev, "uid", d.uid);
			nk_event_add_bool(ev, "leftovers_removed",
			    d.leftovers_removed);
			nk_event_add_str(ev, "text", text);
			(void)nk_event_emit(sink, ev);
		}
		nk_event_sink_free(sink);
	} else if (a->plugin) {
		char line[1800], perf[200] = "";
		if (d.found)
			(void)nk_perf_append(perf, sizeof(perf), "delivery",
			    (double)d.latency_ns / 1e9, "s",
			    &a->judge.phase[MP_PH_TOTAL], 0.0, NAN);
		nk_plugin_line(line, sizeof(line), "DELIVERY", st, text, perf);
		printf("%s\n", line);
	} else {
		printf("%s - %s\n", nk_state_name(st), text);
	}
	memset(smtp.password, 0, sizeof(smtp.password));
	memset(imap.password, 0, sizeof(imap.password));
	return nk_state_exit_code(st);
}

int
mp_app_main(int argc, char **argv)
{
	static const char usage[] =
	    "[options] URL...  |  matrix HOST  |  dns SERVER[:PORT] NAME "
	    "[TYPE] [EXPECT...]  |  soa ZONE SERVER[:PORT]...";
	struct app a;
	struct nk_cli_common com;
	struct nk_err err = {{0}};
	int first;

	memset(&a, 0, sizeof(a));
	memset(&com, 0, sizeof(com));
	a.popts.timeout_ns = 10 * NK_NS_PER_SEC;
	a.popts.max_parallel = 200;
	a.passenv = "MAILPROBE_PASSWORD";
	nk_log_init("mailprobe", NK_LOG_WARN, false);
	first = nk_cli_parse(argc, argv, opts_table, opt_handler, &a, &com,
	    true, &err);
	if (first < 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (com.help) {
		nk_cli_help(stdout, "mailprobe", usage,
		    "Probe IMAP, POP3, SMTP and DNS servers: phase timings, "
		    "TLS, capabilities, logins.",
		    opts_table);
		return 0;
	}
	if (com.version) {
		nk_cli_version(stdout, "mailprobe");
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "mailprobe: no target (try --help)\n");
		return NK_CLI_EXIT_USAGE;
	}
	if (setup_judge(&a, &com) != 0)
		return NK_CLI_EXIT_USAGE;
	if (strcmp(argv[first], "matrix") == 0) {
		if (first + 2 != argc) {
			fprintf(stderr, "mailprobe: matrix wants one HOST\n");
			return NK_CLI_EXIT_USAGE;
		}
		return run_matrix(&a, &com, argv[first + 1]);
	}
	if (strcmp(argv[first], "uids") == 0)
		return run_uids(&a, &com, argv + first + 1, argc - first - 1);
	if (strcmp(argv[first], "deliver") == 0)
		return run_deliver(&a, &com, argv + first + 1,
		    argc - first - 1);
	if (strcmp(argv[first], "dns") == 0 || strcmp(argv[first], "soa") == 0)
	{
		struct mp_dns_opts d = {a.popts.timeout_ns, a.plugin, a.norec,
		    a.aa, a.recursion, a.popts.source, com.warning,
		    com.critical};
		return mp_dns_main(argc - first, argv + first, &com, &d);
	}
	return run_probes(&a, &com, argv + first, argc - first);
}
