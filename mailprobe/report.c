#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define MP_SECRETS_MAX 8

static char secrets[MP_SECRETS_MAX][MP_SECRET_MAX];
static unsigned n_secrets;

static const char *const phase_names[MP_PH_N] = {
	"lookup", "connect", "tls", "banner", "login", "total",
};

const char *
mp_phase_name(enum mp_phase p)
{
	return (unsigned)p < MP_PH_N ? phase_names[p] : "?";
}

int
mp_phase_lookup(const char *name)
{
	for (int i = 0; i < MP_PH_N; i++)
		if (strcmp(name, phase_names[i]) == 0)
			return i;
	return -1;
}

int64_t
mp_result_phase_ns(const struct mp_result *r, enum mp_phase p)
{
	switch (p) {
	case MP_PH_LOOKUP:
		return r->lookup_ns;
	case MP_PH_CONNECT:
		return r->connect_ns >= 0 && r->lookup_ns >= 0
		    ? r->connect_ns - r->lookup_ns
		    : r->connect_ns;
	case MP_PH_TLS:
		return r->tls_ns;
	case MP_PH_BANNER:
		return r->banner_ns;
	case MP_PH_LOGIN:
		return r->login_ns;
	case MP_PH_TOTAL:
		return r->total_ns;
	case MP_PH_N:
		break;
	}
	return -1;
}

void
mp_report_secret(const char *s)
{
	if (s == NULL || strlen(s) < 1 || n_secrets >= MP_SECRETS_MAX)
		return;
	for (unsigned i = 0; i < n_secrets; i++)
		if (strcmp(secrets[i], s) == 0)
			return;
	snprintf(secrets[n_secrets++], MP_SECRET_MAX, "%s", s);
}

void
mp_report_scrub(char *buf, size_t len)
{
	for (unsigned i = 0; i < n_secrets; i++) {
		size_t sl = strlen(secrets[i]);
		char *p;
		while (sl > 0 && (p = strstr(buf, secrets[i])) != NULL) {
			size_t tail = strlen(p + sl);
			if (sl >= 3) {
				memcpy(p, "***", 3);
				memmove(p + 3, p + sl, tail + 1);
			} else {
				memset(p, '*', sl);
			}
		}
	}
	(void)len;
}

static double
sec(int64_t ns)
{
	return ns < 0 ? NAN : (double)ns / 1e9;
}

static double
ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void
where(const struct mp_result *r, char *buf, size_t len)
{
	bool v6 = strchr(r->tg.host, ':') != NULL;

	snprintf(buf, len, "%s %s%s%s:%u %s", r->tg.service, v6 ? "[" : "",
	    r->tg.host, v6 ? "]" : "", r->tg.port, mp_tlsmode_name(r->tg.tls));
}

enum nk_state
mp_report_judge(const struct mp_result *r, const struct mp_judge *j,
    char *text, size_t len)
{
	enum nk_state st = NK_STATE_OK;
	char w[320], extra[512] = "";
	size_t o = 0;

	where(r, w, sizeof(w));
	if (!r->ok) {
		enum nk_state fs = strcmp(r->fail_phase, "resolve") == 0
		    ? NK_STATE_UNKNOWN
		    : NK_STATE_CRITICAL;
		snprintf(text, len, "%s: %s failed: %s", w, r->fail_phase,
		    r->error);
		mp_report_scrub(text, len);
		return fs;
	}
	for (int p = 0; p < MP_PH_N; p++) {
		int64_t ns = mp_result_phase_ns(r, (enum mp_phase)p);
		enum nk_state ps;
		if (ns < 0)
			continue;
		ps = nk_threshold_eval(&j->phase[p], sec(ns));
		if (ps != NK_STATE_OK && o < sizeof(extra)) {
			int n = snprintf(extra + o, sizeof(extra) - o,
			    ", %s %.3f s %s", phase_names[p], sec(ns),
			    nk_state_name(ps));
			if (n > 0)
				o += (size_t)n;
		}
		st = nk_state_worst(st, ps);
	}
	if (r->tls.have_cert && r->tls.not_after_s > 0) {
		enum nk_state cs = nk_threshold_eval(&j->cert_days,
		    r->tls.days_left);
		if (cs != NK_STATE_OK && o < sizeof(extra)) {
			int n = snprintf(extra + o, sizeof(extra) - o,
			    ", certificate expires in %.1f days",
			    r->tls.days_left);
			if (n > 0)
				o += (size_t)n;
		}
		st = nk_state_worst(st, cs);
	}
	if (j->expect_caps != NULL) {
		char miss[256];
		if (mp_caps_missing(&r->caps, j->expect_caps, miss,
			sizeof(miss)) > 0) {
			if (o < sizeof(extra)) {
				int n = snprintf(extra + o, sizeof(extra) - o,
				    ", capabilities missing: %s", miss);
				if (n > 0)
					o += (size_t)n;
			}
			st = nk_state_worst(st, NK_STATE_WARNING);
		}
	}
	snprintf(text, len, "%s: %.1f ms%s%s%s%s", w, ms(r->total_ns),
	    r->ph.login_ok ? ", login ok" : "",
	    r->tls_used ? ", " : "", r->tls_used ? r->ph.tls_version : "",
	    extra);
	mp_report_scrub(text, len);
	return st;
}

const char *
mp_report_cell(const struct mp_result *r)
{
	if (r->login_refused ||
	    (r->tg.tls == MP_TLS_PLAIN && r->ph.plaintext_refused))
		return "refused";
	if (r->ok)
		return "OK";
	if (r->curl_code == 28) /* CURLE_OPERATION_TIMEDOUT */
		return "timeout";
	if (strcmp(r->fail_phase, "starttls") == 0)
		return "no TLS";
	if (strcmp(r->fail_phase, "tls") == 0)
		return r->tls.have_cert ? "bad cert" : "TLS fail";
	if (strcmp(r->fail_phase, "connect") == 0 ||
	    strcmp(r->fail_phase, "resolve") == 0)
		return "down";
	return "fail";
}

static void
put_line(FILE *out, const char *prefix, const char *s)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s\n", prefix, s);
	mp_report_scrub(buf, sizeof(buf));
	fputs(buf, out);
}

static void
fmt_phase(char *buf, size_t len, const char *name, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, len, "%s -", name);
	else
		snprintf(buf, len, "%s %.3f ms", name, ms(ns));
}

void
mp_report_shell(FILE *out, const struct mp_result *r,
    const struct mp_judge *j)
{
	char w[320], ts[NK_CLOCK_RFC3339_LEN], buf[1024], text[768];
	size_t o = 0;
	enum nk_state st;

	where(r, w, sizeof(w));
	fprintf(out, "# %s %s%s%s\n",
	    nk_clock_fmt_rfc3339(r->start_real_ns, ts, sizeof(ts)), w,
	    r->tg.user[0] ? " user=" : "", r->tg.user);
	for (unsigned i = 0; i < r->tr.n; i++) {
		const struct mp_trace_line *l = &r->tr.lines[i];
		const char *tag = l->dir == MP_DIR_IN ? "S:"
		    : l->dir == MP_DIR_OUT		  ? "C:"
							  : "* ";
		snprintf(buf, sizeof(buf), "[%+10.3f ms] %s %s\n",
		    ms(l->t_ns - r->tr.start_ns), tag, l->text);
		mp_report_scrub(buf, sizeof(buf));
		fputs(buf, out);
	}
	if (r->tr.n_dropped > 0)
		fprintf(out, "# (%u more lines not shown)\n", r->tr.n_dropped);
	for (int p = 0; p < MP_PH_N && o < sizeof(buf); p++) {
		char one[64];
		fmt_phase(one, sizeof(one), phase_names[p],
		    mp_result_phase_ns(r, (enum mp_phase)p));
		int n = snprintf(buf + o, sizeof(buf) - o, "%s%s",
		    p ? ", " : "", one);
		if (n > 0)
			o += (size_t)n;
	}
	fprintf(out, "# phases: %s\n", buf);
	o = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < r->ph.n_cmds && o < sizeof(buf); i++) {
		char one[64];
		fmt_phase(one, sizeof(one), r->ph.cmds[i].name,
		    r->ph.cmds[i].dur_ns);
		int n = snprintf(buf + o, sizeof(buf) - o, "%s%s",
		    i ? ", " : "", one);
		if (n > 0)
			o += (size_t)n;
	}
	if (r->ph.n_cmds > 0)
		fprintf(out, "# commands: %s\n", buf);
	if (r->caps.seen) {
		mp_caps_fmt(&r->caps, buf, sizeof(buf));
		put_line(out, "# capabilities: ", buf);
	}
	if (r->tls_used || r->tls.have_cert) {
		fprintf(out, "# tls: %s %s\n",
		    r->ph.tls_version[0] ? r->ph.tls_version : "-",
		    r->ph.tls_cipher[0] ? r->ph.tls_cipher : "-");
	}
	if (r->tls.have_cert) {
		put_line(out, "# cert subject: ", r->tls.subject);
		put_line(out, "# cert issuer: ", r->tls.issuer);
		put_line(out, "# cert san: ", r->tls.san);
		fprintf(out,
		    "# cert expires in %.1f days, hostname %s, chain %s%s%s\n",
		    r->tls.days_left,
		    r->tls.hostname_match ? "matches" : "DOES NOT MATCH",
		    r->tls.verified ? "verified" : "NOT verified",
		    r->tls.verify_error[0] ? ": " : "", r->tls.verify_error);
	}
	if (r->mb_exists >= 0) {
		fprintf(out, "# mailbox: %" PRId64 " messages", r->mb_exists);
		if (r->mb_size_bytes >= 0)
			fprintf(out, ", %" PRId64 " bytes", r->mb_size_bytes);
		if (r->mb_uidvalidity >= 0)
			fprintf(out, ", UIDVALIDITY %" PRId64,
			    r->mb_uidvalidity);
		if (r->mb_uidnext >= 0)
			fprintf(out, ", UIDNEXT %" PRId64, r->mb_uidnext);
		fputc('\n', out);
	}
	st = mp_report_judge(r, j, text, sizeof(text));
	fprintf(out, "# result: %s - %s\n", nk_state_name(st), text);
}

static void
perf_add(char *buf, size_t len, const char *label, int64_t ns,
    const struct nk_threshold *th)
{
	if (ns < 0)
		return;
	(void)nk_perf_append(buf, len, label, sec(ns), "s", th, 0.0, NAN);
}

void
mp_report_plugin(FILE *out, const struct mp_result *r,
    const struct mp_judge *j, enum nk_state *st)
{
	char text[768], perf[1024] = "", line[2048], svc[32];

	*st = mp_report_judge(r, j, text, sizeof(text));
	(void)nk_perf_append(perf, sizeof(perf), "time", sec(r->total_ns), "s",
	    &j->phase[MP_PH_TOTAL], 0.0, NAN);
	for (int p = 0; p < MP_PH_TOTAL; p++)
		perf_add(perf, sizeof(perf), phase_names[p],
		    mp_result_phase_ns(r, (enum mp_phase)p), &j->phase[p]);
	if (r->tls.have_cert && r->tls.not_after_s > 0)
		(void)nk_perf_append(perf, sizeof(perf), "cert_days",
		    round(r->tls.days_left * 100.0) / 100.0, "", &j->cert_days,
		    NAN, NAN);
	if (r->mb_exists >= 0)
		(void)nk_perf_append(perf, sizeof(perf), "messages",
		    (double)r->mb_exists, "", NULL, 0.0, NAN);
	snprintf(svc, sizeof(svc), "%s", mp_proto_name(r->tg.proto));
	for (char *c = svc; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
	nk_plugin_line(line, sizeof(line), svc, *st, text, perf);
	mp_report_scrub(line, sizeof(line));
	fprintf(out, "%s\n", line);
}

static void
add_ms(struct json_object *o, const char *key, int64_t ns)
{
	if (ns < 0)
		json_object_object_add(o, key, NULL);
	else
		nk_event_add_double(o, key, round(ms(ns) * 1000.0) / 1000.0);
}

static void
add_scrubbed(struct json_object *o, const char *key, const char *v)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", v);
	mp_report_scrub(buf, sizeof(buf));
	nk_event_add_str(o, key, buf);
}

int
mp_report_json(struct nk_event_sink *sink, const struct mp_result *r,
    const struct mp_judge *j)
{
	char text[768], miss[256];
	enum nk_state st = mp_report_judge(r, j, text, sizeof(text));
	struct json_object *o = nk_event_begin(sink, "probe", nk_severity_of_state(st),
	    r->start_real_ns);
	struct json_object *t, *cmds, *caps, *tls;

	if (o == NULL)
		return -1;
	nk_event_add_str(o, "service", r->tg.service);
	nk_event_add_str(o, "proto", mp_proto_name(r->tg.proto));
	nk_event_add_str(o, "target", r->tg.host);
	nk_event_add_uint(o, "port", r->tg.port);
	nk_event_add_str(o, "tls_mode", mp_tlsmode_name(r->tg.tls));
	nk_event_add_str(o, "user", r->tg.user[0] ? r->tg.user : NULL);
	nk_event_add_str(o, "state", nk_state_name(st));
	nk_event_add_bool(o, "ok", r->ok);
	nk_event_add_str(o, "cell", mp_report_cell(r));
	nk_event_add_str(o, "fail_phase", r->ok ? NULL : r->fail_phase);
	add_scrubbed(o, "error", r->error);
	add_scrubbed(o, "text", text);
	t = json_object_new_object();
	for (int p = 0; p < MP_PH_N; p++) {
		char key[32];
		snprintf(key, sizeof(key), "%s_ms", phase_names[p]);
		add_ms(t, key, mp_result_phase_ns(r, (enum mp_phase)p));
	}
	json_object_object_add(o, "times", t);
	cmds = json_object_new_array();
	for (unsigned i = 0; i < r->ph.n_cmds; i++) {
		struct json_object *c = json_object_new_object();
		nk_event_add_str(c, "cmd", r->ph.cmds[i].name);
		add_ms(c, "ms", r->ph.cmds[i].dur_ns);
		add_scrubbed(c, "reply", r->ph.cmds[i].reply);
		json_object_array_add(cmds, c);
	}
	json_object_object_add(o, "commands", cmds);
	caps = json_object_new_array();
	for (unsigned i = 0; i < r->caps.n; i++)
		json_object_array_add(caps,
		    json_object_new_string(r->caps.item[i]));
	json_object_object_add(o, "capabilities", caps);
	if (j->expect_caps != NULL) {
		(void)mp_caps_missing(&r->caps, j->expect_caps, miss,
		    sizeof(miss));
		nk_event_add_str(o, "capabilities_missing", miss);
	}
	nk_event_add_bool(o, "login_tried", r->ph.login_tried);
	nk_event_add_bool(o, "login_ok", r->ph.login_ok);
	nk_event_add_bool(o, "plaintext_refused",
	    r->login_refused || r->ph.plaintext_refused);
	nk_event_add_str(o, "refuse_reason",
	    r->ph.plaintext_refused ? r->ph.refuse_reason
	    : r->login_refused	    ? r->refuse_reason
				    : NULL);
	tls = json_object_new_object();
	nk_event_add_bool(tls, "used", r->tls_used);
	nk_event_add_str(tls, "version",
	    r->ph.tls_version[0] ? r->ph.tls_version : NULL);
	nk_event_add_str(tls, "cipher",
	    r->ph.tls_cipher[0] ? r->ph.tls_cipher : NULL);
	if (r->tls.have_cert) {
		add_scrubbed(tls, "subject", r->tls.subject);
		add_scrubbed(tls, "issuer", r->tls.issuer);
		add_scrubbed(tls, "san", r->tls.san);
		if (r->tls.not_after_s > 0) {
			nk_event_add_time(tls, "not_after",
			    r->tls.not_after_s * NK_NS_PER_SEC);
			nk_event_add_double(tls, "days_left",
			    round(r->tls.days_left * 100.0) / 100.0);
		}
		nk_event_add_bool(tls, "hostname_match",
		    r->tls.hostname_match);
	}
	nk_event_add_bool(tls, "verified", r->tls.verified);
	nk_event_add_str(tls, "verify_error",
	    r->tls.verify_error[0] ? r->tls.verify_error : NULL);
	json_object_object_add(o, "tls", tls);
	if (r->mb_exists >= 0) {
		struct json_object *mb = json_object_new_object();
		nk_event_add_int(mb, "messages", r->mb_exists);
		if (r->mb_size_bytes >= 0)
			nk_event_add_int(mb, "size_bytes", r->mb_size_bytes);
		if (r->mb_uidvalidity >= 0)
			nk_event_add_int(mb, "uidvalidity", r->mb_uidvalidity);
		if (r->mb_uidnext >= 0)
			nk_event_add_int(mb, "uidnext", r->mb_uidnext);
		json_object_object_add(o, "mailbox", mb);
	}
	return nk_event_emit(sink, o);
}
