#include "probe.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "clock.h"
#include "parse.h"

struct svc {
	const char *name;
	enum mp_proto proto;
	enum mp_tlsmode tls;
	unsigned port;
};

static const struct svc svcs[] = {
	{"imap", MP_PROTO_IMAP, MP_TLS_PLAIN, 143},
	{"imap+tls", MP_PROTO_IMAP, MP_TLS_STARTTLS, 143},
	{"imaps", MP_PROTO_IMAP, MP_TLS_IMPLICIT, 993},
	{"pop3", MP_PROTO_POP3, MP_TLS_PLAIN, 110},
	{"pop3+tls", MP_PROTO_POP3, MP_TLS_STARTTLS, 110},
	{"pop3s", MP_PROTO_POP3, MP_TLS_IMPLICIT, 995},
	{"smtp", MP_PROTO_SMTP, MP_TLS_PLAIN, 25},
	{"smtp+tls", MP_PROTO_SMTP, MP_TLS_STARTTLS, 25},
	{"submission", MP_PROTO_SMTP, MP_TLS_STARTTLS, 587},
	{"submission+plain", MP_PROTO_SMTP, MP_TLS_PLAIN, 587},
	{"smtps", MP_PROTO_SMTP, MP_TLS_IMPLICIT, 465},
	{"submissions", MP_PROTO_SMTP, MP_TLS_IMPLICIT, 465},
};

const char *
mp_proto_name(enum mp_proto p)
{
	switch (p) {
	case MP_PROTO_IMAP:
		return "imap";
	case MP_PROTO_POP3:
		return "pop3";
	case MP_PROTO_SMTP:
		return "smtp";
	case MP_PROTO_DNS:
		return "dns";
	}
	return "?";
}

const char *
mp_tlsmode_name(enum mp_tlsmode m)
{
	switch (m) {
	case MP_TLS_PLAIN:
		return "plain";
	case MP_TLS_STARTTLS:
		return "starttls";
	case MP_TLS_IMPLICIT:
		return "tls";
	}
	return "?";
}

unsigned
mp_service_port(const char *service)
{
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++)
		if (strcasecmp(svcs[i].name, service) == 0)
			return svcs[i].port;
	return 0;
}

int
mp_target_parse(const char *url, struct mp_target *tg, struct nk_err *err)
{
	const char *sep = strstr(url, "://");
	const char *p, *at, *hend;
	char scheme[24];
	size_t n;
	const struct svc *sv = NULL;

	memset(tg, 0, sizeof(*tg));
	if (sep == NULL || (size_t)(sep - url) >= sizeof(scheme)) {
		nk_err_set(err, "'%s': not a probe URL (imap://user@host:port)",
		    url);
		return -1;
	}
	n = (size_t)(sep - url);
	memcpy(scheme, url, n);
	scheme[n] = '\0';
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++)
		if (strcasecmp(svcs[i].name, scheme) == 0)
			sv = &svcs[i];
	if (sv == NULL) {
		nk_err_set(err, "'%s': unknown scheme '%s'", url, scheme);
		return -1;
	}
	tg->proto = sv->proto;
	tg->tls = sv->tls;
	tg->port = sv->port;
	snprintf(tg->service, sizeof(tg->service), "%s", sv->name);
	p = sep + 3;
	hend = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(hend - p));
	if (at != NULL) {
		n = (size_t)(at - p);
		if (memchr(p, ':', n) != NULL) {
			nk_err_set(err, "'%s': no passwords in URLs (use "
			    "--credentials FILE, $MAILPROBE_PASSWORD or "
			    "~/.netrc)", scheme);
			return -1;
		}
		if (n == 0 || n >= sizeof(tg->user)) {
			nk_err_set(err, "'%s': bad user name", url);
			return -1;
		}
		memcpy(tg->user, p, n);
		tg->user[n] = '\0';
		p = at + 1;
	}
	if (*p == '[') { /* [v6]:port */
		const char *rb = memchr(p, ']', (size_t)(hend - p));
		if (rb == NULL) {
			nk_err_set(err, "'%s': unterminated [address]", url);
			return -1;
		}
		n = (size_t)(rb - p - 1);
		if (n == 0 || n >= sizeof(tg->host))
			goto bad_host;
		memcpy(tg->host, p + 1, n);
		tg->host[n] = '\0';
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(hend - p));
		const char *e = colon != NULL ? colon : hend;
		n = (size_t)(e - p);
		if (n == 0 || n >= sizeof(tg->host))
			goto bad_host;
		memcpy(tg->host, p, n);
		tg->host[n] = '\0';
		p = e;
	}
	for (const char *h = tg->host; *h != '\0'; h++)
		if (!isalnum((unsigned char)*h) && *h != '.' && *h != '-' &&
		    *h != ':' && *h != '_')
			goto bad_host;
	if (*p == ':') {
		unsigned long port = 0;
		p++;
		if (p == hend)
			goto bad_port;
		for (; p < hend; p++) {
			if (!isdigit((unsigned char)*p))
				goto bad_port;
			port = port * 10 + (unsigned long)(*p - '0');
			if (port > 65535)
				goto bad_port;
		}
		if (port == 0)
			goto bad_port;
		tg->port = (unsigned)port;
	}
	if (*hend == '/' && hend[1] != '\0') {
		/* /MAILBOX for IMAP: EXAMINE it after login */
		snprintf(tg->command, sizeof(tg->command), "EXAMINE %s",
		    hend + 1);
		for (char *c = tg->command; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20)
				goto bad_host;
	}
	return 0;
bad_host:
	nk_err_set(err, "'%s': bad host", url);
	return -1;
bad_port:
	nk_err_set(err, "'%s': bad port", url);
	return -1;
}

/* ---- one probe job on the multi handle ---- */

struct job {
	struct mp_result *r;
	const struct mp_opts *opts;
	CURL *easy;
	int stage; /* 0 the probe, 1 fetch the cert after a failed verify */
	int64_t t0;
	size_t body_bytes;
	bool connect_only; /* no command: curl_easy_send works */
	char url[640];
	char errbuf[CURL_ERROR_SIZE];
};

static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ctx)
{
	struct job *j = ctx;
	enum mp_dir dir;

	(void)h;
	if (j->stage != 0)
		return 0;
	switch (type) {
	case CURLINFO_HEADER_IN:
		dir = MP_DIR_IN;
		break;
	case CURLINFO_HEADER_OUT:
		dir = MP_DIR_OUT;
		break;
	case CURLINFO_TEXT:
		dir = MP_DIR_TEXT;
		break;
	default:
		return 0;
	}
	mp_trace_add(&j->r->tr, dir, data, size, nk_clock_mono_ns());
	return 0;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct job *j = ctx;

	(void)data;
	j->body_bytes += size * nmemb; /* counted, not kept */
	return size * nmemb;
}

static const char *
curl_scheme(const struct mp_target *tg)
{
	bool s = tg->tls == MP_TLS_IMPLICIT;

	switch (tg->proto) {
	case MP_PROTO_IMAP:
		return s ? "imaps" : "imap";
	case MP_PROTO_POP3:
		return s ? "pop3s" : "pop3";
	case MP_PROTO_SMTP:
		return s ? "smtps" : "smtp";
	case MP_PROTO_DNS:
		break;
	}
	return "x";
}

static int
job_setup(struct job *j)
{
	const struct mp_target *tg = &j->r->tg;
	const struct mp_opts *o = j->opts;
	bool v6 = strchr(tg->host, ':') != NULL;
	bool command = j->stage == 0 && tg->have_password &&
	    tg->command[0] != '\0' && tg->proto != MP_PROTO_SMTP;
	long tmo = (long)(o->timeout_ns / NK_NS_PER_MS);
	CURL *e;

	e = curl_easy_init();
	if (e == NULL)
		return -1;
	j->easy = e;
	j->errbuf[0] = '\0';
	snprintf(j->url, sizeof(j->url), "%s://%s%s%s:%u/%s", curl_scheme(tg),
	    v6 ? "[" : "", tg->host, v6 ? "]" : "", tg->port,
	    tg->proto == MP_PROTO_SMTP ? (o->ehlo ? o->ehlo : "mailprobe")
					: "");
	(void)curl_easy_setopt(e, CURLOPT_URL, j->url);
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    "imap,imaps,pop3,pop3s,smtp,smtps");
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, tmo);
	(void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	/* Every probe measures a connection of its own; it stays in the
	 * pool only until batch_reap shuts it down (see close_fast), never
	 * to be reused. */
	(void)curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	(void)curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	(void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	(void)curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	/* no body bigger than this: a 10 MB "line" is cut, not buffered */
	(void)curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)(4 << 20));
	if (o->source != NULL)
		(void)curl_easy_setopt(e, CURLOPT_INTERFACE, o->source);
	if (o->cafile != NULL)
		(void)curl_easy_setopt(e, CURLOPT_CAINFO, o->cafile);
	if (o->insecure || j->stage == 1) {
		(void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		(void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	(void)curl_easy_setopt(e, CURLOPT_USE_SSL,
	    tg->tls == MP_TLS_STARTTLS ? (long)CURLUSESSL_ALL
				       : (long)CURLUSESSL_NONE);
	if (j->stage == 0) {
		(void)curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
		(void)curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
		(void)curl_easy_setopt(e, CURLOPT_DEBUGDATA, j);
	}
	if (j->stage == 0 && tg->user[0] != '\0' && tg->have_password) {
		(void)curl_easy_setopt(e, CURLOPT_USERNAME, tg->user);
		(void)curl_easy_setopt(e, CURLOPT_PASSWORD, tg->password);
	}
	if (command) {
		(void)curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, tg->command);
		/* single-line answers (STAT, EXAMINE's untagged lines) are
		 * in the trace; no body transfer expected */
		if (tg->proto == MP_PROTO_POP3)
			(void)curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		(void)curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	}
	j->connect_only = !command;
	j->t0 = nk_clock_mono_ns();
	return 0;
}

static int64_t
info_ns(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(e, what, &us) != CURLE_OK || us <= 0)
		return -1;
	return (int64_t)us * NK_NS_PER_US;
}

static void
collect_cert(struct job *j)
{
	struct curl_certinfo *ci = NULL;
	struct mp_result *r = j->r;

	if (curl_easy_getinfo(j->easy, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return;
	for (struct curl_slist *s = ci->certinfo[0]; s != NULL; s = s->next)
		mp_tlsinfo_entry(&r->tls, s->data);
	mp_tlsinfo_finish(&r->tls, r->tg.host,
	    nk_clock_real_ns() / NK_NS_PER_SEC);
}

/* Mailbox facts from the exchange: "* 3 EXISTS", "[UIDVALIDITY n]",
 * "[UIDNEXT n]" (RFC 3501 7.3.1, 7.1), POP3 "+OK n size" after STAT.
 * Counts are 32-bit (RFC 3501 number), a size 63-bit: anything else
 * leaves the fact unknown (-1), never wrapped or negative. */
void
mp_scan_mailbox(struct mp_result *r)
{
	bool after_stat = false;

	r->mb_exists = r->mb_uidvalidity = r->mb_uidnext = -1;
	r->mb_size_bytes = -1;
	for (unsigned i = 0; i < r->tr.n; i++) {
		const struct mp_trace_line *l = &r->tr.lines[i];
		const char *p;
		uint64_t a = 0, b = 0;
		size_t k;

		if (l->dir == MP_DIR_OUT) {
			after_stat = r->tg.proto == MP_PROTO_POP3 &&
			    strncasecmp(l->text, "STAT", 4) == 0;
			continue;
		}
		if (l->dir != MP_DIR_IN)
			continue;
		if (r->tg.proto == MP_PROTO_IMAP) {
			if (strncmp(l->text, "* ", 2) == 0 &&
			    (k = nk_parse_u64_prefix(l->text + 2, UINT32_MAX,
				 &a)) > 0 &&
			    strncmp(l->text + 2 + k, " EXISTS", 7) == 0)
				r->mb_exists = (int64_t)a;
			if ((p = strstr(l->text, "[UIDVALIDITY ")) != NULL &&
			    nk_parse_u64_prefix(p + 13, UINT32_MAX, &a) > 0)
				r->mb_uidvalidity = (int64_t)a;
			if ((p = strstr(l->text, "[UIDNEXT ")) != NULL &&
			    nk_parse_u64_prefix(p + 9, UINT32_MAX, &a) > 0)
				r->mb_uidnext = (int64_t)a;
		} else if (after_stat && strncmp(l->text, "+OK ", 4) == 0 &&
		    (k = nk_parse_u64_prefix(l->text + 4, UINT32_MAX, &a)) >
			0 &&
		    l->text[4 + k] == ' ' &&
		    nk_parse_u64_prefix(l->text + 5 + k, INT64_MAX, &b) > 0) {
			r->mb_exists = (int64_t)a;
			r->mb_size_bytes = (int64_t)b;
		}
	}
}

static void set_fail(struct mp_result *r, const char *phase,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_fail(struct mp_result *r, const char *phase, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	snprintf(r->fail_phase, sizeof(r->fail_phase), "%s", phase);
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

/* The phase a curl failure happened in, from how far the exchange got. */
static const char *
fail_phase_of(const struct mp_result *r, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "resolve";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_USE_SSL_FAILED:
		return "starttls";
	case CURLE_LOGIN_DENIED:
		return "login";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return "tls";
	default:
		break;
	}
	if (r->connect_ns < 0)
		return "connect";
	if (r->tg.tls == MP_TLS_IMPLICIT && r->tls_ns < 0)
		return "tls";
	if (r->ph.banner_ns < 0)
		return "banner";
	if (r->ph.starttls_ns >= 0 && r->ph.tls_version[0] == '\0')
		return "tls";
	if (r->ph.login_tried && !r->ph.login_ok)
		return "login";
	return "command";
}

static void
finish_stage0(struct job *j, CURLcode rc)
{
	struct mp_result *r = j->r;
	const struct mp_target *tg = &r->tg;
	int64_t connect_done;

	r->curl_code = (int)rc;
	r->lookup_ns = info_ns(j->easy, CURLINFO_NAMELOOKUP_TIME_T);
	r->connect_ns = info_ns(j->easy, CURLINFO_CONNECT_TIME_T);
	r->tls_ns = -1;
	if (tg->tls == MP_TLS_IMPLICIT) {
		int64_t app = info_ns(j->easy, CURLINFO_APPCONNECT_TIME_T);
		if (app >= 0 && r->connect_ns >= 0)
			r->tls_ns = app - r->connect_ns;
		connect_done = app;
	} else {
		connect_done = r->connect_ns;
	}
	r->total_ns = nk_clock_mono_ns() - j->t0;
	if (r->connect_ns < 0) /* curl sets it after TLS for implicit TLS */
		for (unsigned i = 0; i < r->tr.n; i++)
			if (r->tr.lines[i].dir == MP_DIR_TEXT &&
			    strncmp(r->tr.lines[i].text, "Connected to ", 13) ==
				0) {
				r->connect_ns = r->tr.lines[i].t_ns - j->t0;
				break;
			}
	mp_trace_phases(&r->tr, connect_done, &r->ph);
	if (tg->tls == MP_TLS_STARTTLS)
		r->tls_ns = r->ph.tls_ns;
	r->banner_ns = r->ph.banner_dur_ns;
	r->login_ns = r->ph.login_ns;
	r->tls_used = r->ph.tls_version[0] != '\0';
	mp_caps_from_trace(&r->tr, &r->caps);
	mp_scan_mailbox(r);
	collect_cert(j);
	if (r->tls_used && rc == CURLE_OK)
		r->tls.verified = !j->opts->insecure;
	r->ok = rc == CURLE_OK;
	if (rc != CURLE_OK) {
		const char *phase = fail_phase_of(r, rc);
		const char *why = j->errbuf[0] != '\0' ? j->errbuf
						       : curl_easy_strerror(rc);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			why = "no answer before the deadline";
		else if (rc == CURLE_LOGIN_DENIED && r->ph.n_cmds > 0 &&
		    r->ph.cmds[r->ph.n_cmds - 1].reply[0] != '\0')
			why = r->ph.cmds[r->ph.n_cmds - 1].reply;
		set_fail(r, phase, "%s", why);
		/* keep the first line only */
		r->error[strcspn(r->error, "\r\n")] = '\0';
		if (strcmp(phase, "tls") == 0 && rc != CURLE_OPERATION_TIMEDOUT)
			snprintf(r->tls.verify_error,
			    sizeof(r->tls.verify_error), "%s", r->error);
	}
	/* plaintext login refused: say it with port and mode */
	if (tg->have_password && tg->tls == MP_TLS_PLAIN) {
		if (r->ph.plaintext_refused) {
			r->login_refused = true;
			snprintf(r->refuse_reason, sizeof(r->refuse_reason),
			    "%s", r->ph.refuse_reason);
		} else if (rc == CURLE_LOGIN_DENIED &&
		    tg->proto == MP_PROTO_POP3 && r->caps.seen &&
		    !mp_caps_has(&r->caps, "USER") &&
		    !mp_caps_has(&r->caps, "AUTH=PLAIN") &&
		    !mp_caps_has(&r->caps, "AUTH=LOGIN")) {
			r->login_refused = true;
			snprintf(r->refuse_reason, sizeof(r->refuse_reason),
			    "no USER or SASL in CAPA");
		} else if (rc == CURLE_OK && tg->proto == MP_PROTO_SMTP &&
		    !r->ph.login_tried) {
			r->login_refused = true;
			snprintf(r->refuse_reason, sizeof(r->refuse_reason),
			    "no AUTH offered before STARTTLS");
		}
	} else if (tg->have_password && rc == CURLE_OK &&
	    tg->proto == MP_PROTO_SMTP && !r->ph.login_tried) {
		set_fail(r, "login", "%s", "server offers no AUTH");
	}
	if (r->login_refused) {
		r->ok = false;
		snprintf(r->fail_phase, sizeof(r->fail_phase), "login");
		snprintf(r->error, sizeof(r->error),
		    "plaintext login refused (%s)", r->refuse_reason);
	} else if (r->ok && tg->have_password && r->ph.login_tried &&
	    !r->ph.login_ok) {
		set_fail(r, "login", "login failed: server said %s",
		    r->ph.n_cmds > 0 ? r->ph.cmds[r->ph.n_cmds - 1].reply : "");
	}
}

static bool
needs_cert_fetch(const struct job *j)
{
	const struct mp_result *r = j->r;

	return !j->opts->insecure && r->tg.tls != MP_TLS_PLAIN &&
	    strcmp(r->fail_phase, "tls") == 0 &&
	    r->curl_code != (int)CURLE_OPERATION_TIMEDOUT && !r->tls.have_cert;
}

/* One batch of probes on one multi handle, stepped by the caller. */
struct mp_batch {
	CURLM *multi;
	struct job *jobs;
	unsigned n;
	unsigned active;
	bool global; /* curl_global_init done, undone at free */
};

void
mp_batch_free(struct mp_batch *b)
{
	if (b == NULL)
		return;
	if (b->jobs != NULL) {
		for (unsigned i = 0; i < b->n; i++)
			if (b->jobs[i].easy != NULL) {
				if (b->multi != NULL)
					(void)curl_multi_remove_handle(
					    b->multi, b->jobs[i].easy);
				curl_easy_cleanup(b->jobs[i].easy);
			}
		free(b->jobs);
	}
	if (b->multi != NULL)
		(void)curl_multi_cleanup(b->multi);
	if (b->global)
		curl_global_cleanup();
	free(b);
}

int
mp_batch_start(struct mp_batch **out, const struct mp_target *tgs,
    struct mp_result *res, unsigned n, const struct mp_opts *opts,
    struct nk_err *err)
{
	struct mp_batch *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	/* here, not at program start: dns, uids and --help never pay for
	 * TLS library initialisation */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		nk_err_set(err, "libcurl: global init failed");
		free(b);
		return -1;
	}
	b->global = true;
	b->n = n;
	b->jobs = calloc(n ? n : 1, sizeof(*b->jobs));
	b->multi = curl_multi_init();
	if (b->jobs == NULL || b->multi == NULL) {
		nk_err_set(err, "libcurl: out of memory");
		goto fail;
	}
	if (opts->max_parallel > 0)
		(void)curl_multi_setopt(b->multi,
		    CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)opts->max_parallel);
	/* room for every probe's (shut down) connection: no live one is
	 * ever closed early to make space */
	(void)curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS, (long)n + 1);
	for (unsigned i = 0; i < n; i++) {
		struct mp_result *r = &res[i];
		struct job *j = &b->jobs[i];
		r->tg = tgs[i];
		r->start_real_ns = nk_clock_real_ns();
		j->r = r;
		j->opts = opts;
		mp_trace_init(&r->tr, tgs[i].proto, nk_clock_mono_ns());
		if (job_setup(j) != 0 ||
		    curl_multi_add_handle(b->multi, j->easy) != CURLM_OK) {
			nk_err_set(err, "libcurl: cannot set up probe %u", i);
			goto fail;
		}
		r->tr.start_ns = j->t0;
		(void)curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
		b->active++;
	}
	*out = b;
	return 0;
fail:
	mp_batch_free(b);
	return -1;
}

/*
 * The probe is measured; end its connection now. Left to libcurl, closing
 * an IMAP or POP3 connection after a command sends LOGOUT/QUIT and waits
 * for the reply blocking, one connection at a time: 100 probes over a
 * 40 ms path took 4 s after they had all finished. Shut the socket down
 * first and libcurl's farewell fails at once (after a command the server
 * logs a closed connection instead of a logout; connect-only probes have
 * said goodbye themselves).
 */
static void
close_fast(CURL *e)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		(void)shutdown(fd, SHUT_RDWR);
}

/*
 * A connect-only probe (banner, EHLO) gets no LOGOUT/QUIT from libcurl;
 * send it ourselves, not waiting for the answer, so the server logs a
 * client that said goodbye rather than "lost connection after EHLO".
 */
static void
say_goodbye(struct job *j)
{
	static const char imap_bye[] = "A999 LOGOUT\r\n";
	static const char quit[] = "QUIT\r\n";
	const char *bye = j->r->tg.proto == MP_PROTO_IMAP ? imap_bye : quit;
	size_t sent = 0;

	(void)curl_easy_send(j->easy, bye, strlen(bye), &sent);
}

/* Finished transfers: fill their results, start the cert fetch stage. */
static void
batch_reap(struct mp_batch *b)
{
	CURLMsg *msg;
	int left = 0;

	while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
		struct job *j = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&j);
		if (j->stage == 0)
			finish_stage0(j, msg->data.result);
		else if (msg->data.result == CURLE_OK)
			collect_cert(j);
		if (j->connect_only && msg->data.result == CURLE_OK)
			say_goodbye(j);
		close_fast(msg->easy_handle);
		(void)curl_multi_remove_handle(b->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
		b->active--;
		if (j->stage == 0 && needs_cert_fetch(j)) {
			j->stage = 1;
			if (job_setup(j) == 0) {
				(void)curl_easy_setopt(j->easy,
				    CURLOPT_PRIVATE, j);
				if (curl_multi_add_handle(b->multi, j->easy) ==
				    CURLM_OK) {
					b->active++;
					continue;
				}
			}
		}
		j->r->done = true;
	}
}

int
mp_batch_step(struct mp_batch *b, int extra_fd, int timeout_ms,
    bool *extra_ready, struct nk_err *err)
{
	struct curl_waitfd wfd;
	int running = 0;

	if (extra_ready != NULL)
		*extra_ready = false;
	if (curl_multi_perform(b->multi, &running) != CURLM_OK) {
		nk_err_set(err, "libcurl: multi perform failed");
		return -1;
	}
	batch_reap(b);
	if (b->active == 0)
		return 0;
	memset(&wfd, 0, sizeof(wfd));
	wfd.fd = extra_fd;
	wfd.events = CURL_WAIT_POLLIN;
	/* curl's poll caps the wait at its own next timeout, so probe
	 * deadlines hold; the extra fd (a tty) wakes us for keys */
	if (curl_multi_poll(b->multi, extra_fd >= 0 ? &wfd : NULL,
		extra_fd >= 0 ? 1u : 0u, timeout_ms, NULL) != CURLM_OK) {
		nk_err_set(err, "libcurl: multi poll failed");
		return -1;
	}
	if (extra_ready != NULL && extra_fd >= 0 && wfd.revents != 0)
		*extra_ready = true;
	if (curl_multi_perform(b->multi, &running) != CURLM_OK) {
		nk_err_set(err, "libcurl: multi perform failed");
		return -1;
	}
	batch_reap(b);
	return (int)b->active;
}

int
mp_probe_run(const struct mp_target *tgs, struct mp_result *res, unsigned n,
    const struct mp_opts *opts, struct nk_err *err)
{
	struct mp_batch *b = NULL;
	int left;

	if (mp_batch_start(&b, tgs, res, n, opts, err) != 0)
		return -1;
	do
		left = mp_batch_step(b, -1, 1000, NULL, err);
	while (left > 0);
	mp_batch_free(b);
	return left < 0 ? -1 : 0;
}
