/*
 * probe: one IMAP/POP3/SMTP probe over libcurl, and many at once through
 * one curl multi handle (curl_multi_poll: the probes are this process's
 * only I/O, so curl's own poll over its sockets and timeouts is the loop).
 * Per-phase times come from curl's CURLINFO_*_TIME_T (lookup, connect,
 * TLS for implicit TLS, total) and from the debug callback's moments
 * (banner, each command, STARTTLS handshake, login): see trace.h.
 */
#ifndef MP_PROBE_H
#define MP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "caps.h"
#include "cred.h"
#include "trace.h"
#include "tlsinfo.h"

enum mp_tlsmode { MP_TLS_PLAIN = 0, MP_TLS_STARTTLS, MP_TLS_IMPLICIT };

struct mp_target {
	enum mp_proto proto;
	enum mp_tlsmode tls;
	char service[16]; /* imap imaps pop3 pop3s smtp submission smtps */
	char host[256];
	unsigned port;
	char user[128];
	char password[MP_SECRET_MAX];
	bool have_password;
	char command[128]; /* after login: "EXAMINE INBOX", "STAT"; "" none */
};

struct mp_opts {
	int64_t timeout_ns;  /* whole probe deadline */
	const char *cafile;  /* NULL: system store */
	bool insecure;       /* no chain/name verification */
	const char *source;  /* local address to bind, NULL any */
	const char *ehlo;    /* SMTP EHLO name */
	unsigned max_parallel;
};

/* What a probe found; the failure phase names where it stopped. */
struct mp_result {
	struct mp_target tg;
	bool ok;            /* every step succeeded */
	bool done;          /* finished (a batch in progress sets it) */
	int curl_code;
	char error[256];    /* one line, "" when ok */
	char fail_phase[16]; /* resolve connect tls banner starttls login command */
	int64_t start_real_ns;
	int64_t lookup_ns, connect_ns, tls_ns, banner_ns, login_ns, total_ns;
	struct mp_phases ph;
	struct mp_caps caps;
	struct mp_tlsinfo tls;
	bool tls_used;
	bool login_refused;   /* plaintext login refused by the server */
	char refuse_reason[96];
	/* mailbox facts from the command step */
	int64_t mb_exists, mb_uidvalidity, mb_uidnext, mb_size_bytes;
	struct mp_trace tr;
};

/* Parse "imap://user@host:port", "pop3s://...", "submission://..."; the
 * scheme "+tls" suffix (imap+tls://) asks for STARTTLS. 0 or -1 with err. */
int mp_target_parse(const char *url, struct mp_target *tg, struct nk_err *err);

/* The default port of a service name, 0 if unknown. */
unsigned mp_service_port(const char *service);

const char *mp_proto_name(enum mp_proto p);
const char *mp_tlsmode_name(enum mp_tlsmode m);

/*
 * Run n probes concurrently, filling res[i] for tgs[i]. res must hold n
 * zeroed results. 0, or -1 with err when curl itself cannot be set up.
 */
int mp_probe_run(const struct mp_target *tgs, struct mp_result *res,
    unsigned n, const struct mp_opts *opts, struct nk_err *err);

/*
 * The same, stepped by a caller that has its own input (the TUI): start
 * the batch, then call step until it returns 0. step runs curl, waits at
 * most timeout_ms (less when a probe deadline is due) for curl's sockets
 * or extra_fd (-1: none; *extra_ready says it is readable), and returns
 * the number of probes still running, or -1 with err. Free cancels the
 * probes still running (their results stay zeroed). Never blocks longer.
 */
struct mp_batch;
int mp_batch_start(struct mp_batch **out, const struct mp_target *tgs,
    struct mp_result *res, unsigned n, const struct mp_opts *opts,
    struct nk_err *err);
int mp_batch_step(struct mp_batch *b, int extra_fd, int timeout_ms,
    bool *extra_ready, struct nk_err *err);
void mp_batch_free(struct mp_batch *b);

/* Fill r's mb_* facts (EXISTS, UIDVALIDITY, UIDNEXT; POP3 STAT) from the
 * server lines in r->tr; -1 for what the server did not say. */
void mp_scan_mailbox(struct mp_result *r);

#endif
