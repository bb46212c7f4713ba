#include "mailbox.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clock.h"
#include "parse.h"

#define SESS_IN_MAX (16u << 20)   /* server lines kept per command */
#define SESS_BODY_MAX (16u << 20) /* body kept per command */
#define TOP_MAX 5000             /* POP3 messages we TOP for digests */

struct buf {
	char *p;
	size_t n, cap, max;
	bool cut;
};

static void
buf_add(struct buf *b, const char *d, size_t n)
{
	if (b->n + n > b->max) {
		b->cut = true;
		n = b->max - b->n;
	}
	if (b->n + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		char *np;
		while (nc < b->n + n + 1)
			nc *= 2;
		np = realloc(b->p, nc);
		if (np == NULL) {
			b->cut = true;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
}

struct sess {
	CURL *e;
	char base[640];
	struct buf in;   /* raw server responses (debug HEADER_IN) */
	struct buf body; /* what curl hands to the write callback */
	char errbuf[CURL_ERROR_SIZE];
	/* upload */
	const char *up;
	size_t up_len, up_off;
};

static int
sess_debug(CURL *h, curl_infotype t, char *d, size_t n, void *ctx)
{
	struct sess *s = ctx;

	(void)h;
	if (t == CURLINFO_HEADER_IN)
		buf_add(&s->in, d, n);
	return 0;
}

static size_t
sess_write(char *d, size_t sz, size_t nm, void *ctx)
{
	struct sess *s = ctx;

	buf_add(&s->body, d, sz * nm);
	return sz * nm;
}

static size_t
sess_read(char *d, size_t sz, size_t nm, void *ctx)
{
	struct sess *s = ctx;
	size_t n = sz * nm, left = s->up_len - s->up_off;

	if (n > left)
		n = left;
	memcpy(d, s->up + s->up_off, n);
	s->up_off += n;
	return n;
}

static const char *
scheme_of(const struct mp_target *tg)
{
	bool s = tg->tls == MP_TLS_IMPLICIT;
	return tg->proto == MP_PROTO_IMAP ? (s ? "imaps" : "imap")
	    : tg->proto == MP_PROTO_POP3  ? (s ? "pop3s" : "pop3")
					  : (s ? "smtps" : "smtp");
}

static int
sess_open(struct sess *s, const struct mp_target *tg, const struct mp_opts *o)
{
	bool v6 = strchr(tg->host, ':') != NULL;
	long tmo = (long)(o->timeout_ns / NK_NS_PER_MS);

	memset(s, 0, sizeof(*s));
	s->in.max = SESS_IN_MAX;
	s->body.max = SESS_BODY_MAX;
	s->e = curl_easy_init();
	if (s->e == NULL)
		return -1;
	snprintf(s->base, sizeof(s->base), "%s://%s%s%s:%u/", scheme_of(tg),
	    v6 ? "[" : "", tg->host, v6 ? "]" : "", tg->port);
	(void)curl_easy_setopt(s->e, CURLOPT_PROTOCOLS_STR,
	    "imap,imaps,pop3,pop3s,smtp,smtps");
	(void)curl_easy_setopt(s->e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(s->e, CURLOPT_ERRORBUFFER, s->errbuf);
	(void)curl_easy_setopt(s->e, CURLOPT_TIMEOUT_MS, tmo);
	(void)curl_easy_setopt(s->e, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	(void)curl_easy_setopt(s->e, CURLOPT_VERBOSE, 1L);
	(void)curl_easy_setopt(s->e, CURLOPT_DEBUGFUNCTION, sess_debug);
	(void)curl_easy_setopt(s->e, CURLOPT_DEBUGDATA, s);
	(void)curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, sess_write);
	(void)curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
	(void)curl_easy_setopt(s->e, CURLOPT_USE_SSL,
	    tg->tls == MP_TLS_STARTTLS ? (long)CURLUSESSL_ALL
				       : (long)CURLUSESSL_NONE);
	if (o->cafile != NULL)
		(void)curl_easy_setopt(s->e, CURLOPT_CAINFO, o->cafile);
	if (o->insecure) {
		(void)curl_easy_setopt(s->e, CURLOPT_SSL_VERIFYPEER, 0L);
		(void)curl_easy_setopt(s->e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->source != NULL)
		(void)curl_easy_setopt(s->e, CURLOPT_INTERFACE, o->source);
	if (tg->have_password) {
		(void)curl_easy_setopt(s->e, CURLOPT_USERNAME, tg->user);
		(void)curl_easy_setopt(s->e, CURLOPT_PASSWORD, tg->password);
	}
	return 0;
}

static void
sess_close(struct sess *s)
{
	if (s->e != NULL)
		curl_easy_cleanup(s->e);
	free(s->in.p);
	free(s->body.p);
	memset(s, 0, sizeof(*s));
}

/* One command on the session's connection (reused between calls). */
static CURLcode
sess_cmd(struct sess *s, const char *path, const char *custom, bool nobody)
{
	char url[1024];

	s->in.n = s->body.n = 0;
	s->in.cut = s->body.cut = false;
	if (s->in.p)
		s->in.p[0] = '\0';
	if (s->body.p)
		s->body.p[0] = '\0';
	s->errbuf[0] = '\0';
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	(void)curl_easy_setopt(s->e, CURLOPT_URL, url);
	(void)curl_easy_setopt(s->e, CURLOPT_CUSTOMREQUEST, custom);
	(void)curl_easy_setopt(s->e, CURLOPT_NOBODY, nobody ? 1L : 0L);
	return curl_easy_perform(s->e);
}

static void
sess_err(struct sess *s, CURLcode rc, const char *what, char *out, size_t len)
{
	int n = snprintf(out, len, "%s: %s", what,
	    s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));

	if (n < 0 && len > 0)
		out[0] = '\0'; /* a cut message is fine, a failed one empty */
}

/* ---- inventory ---- */

static int
pop3_inventory(struct sess *s, struct mp_inventory *inv, struct nk_err *err)
{
	CURLcode rc;
	char *uidl = NULL, *list = NULL, *save = NULL, *line;
	char ebuf[300];
	int ret = -1;
	unsigned n_top = 0;

	rc = sess_cmd(s, "", "UIDL", false);
	if (rc != CURLE_OK) {
		sess_err(s, rc, "UIDL", ebuf, sizeof(ebuf));
		nk_err_set(err, "%s", ebuf);
		return -1;
	}
	uidl = strdup(s->body.p ? s->body.p : "");
	rc = sess_cmd(s, "", "LIST", false);
	if (rc != CURLE_OK || uidl == NULL) {
		sess_err(s, rc, "LIST", ebuf, sizeof(ebuf));
		nk_err_set(err, "%s", ebuf);
		goto out;
	}
	list = strdup(s->body.p ? s->body.p : "");
	if (list == NULL)
		goto out;
	for (line = strtok_r(uidl, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		unsigned long num;
		char uid[MP_UID_LEN], key[32], *p;
		uint64_t size = 0, dg = 0;
		bool pseudo = false;
		if (sscanf(line, "%lu %71s", &num, uid) != 2)
			continue;
		/* size from LIST ("num size") */
		snprintf(key, sizeof(key), "%lu ", num);
		for (p = list; p != NULL && *p != '\0';) {
			if (strncmp(p, key, strlen(key)) == 0) {
				size = strtoull(p + strlen(key), NULL, 10);
				break;
			}
			p = strchr(p, '\n');
			if (p != NULL)
				p++;
		}
		if (n_top < TOP_MAX) {
			char cmd[48];
			snprintf(cmd, sizeof(cmd), "TOP %lu 0", num);
			rc = sess_cmd(s, "", cmd, false);
			if (rc == CURLE_OK && s->body.p != NULL)
				dg = mp_header_digest(s->body.p, s->body.n,
				    &pseudo);
			n_top++;
		}
		if (mp_inv_add(inv, uid, size, dg, pseudo) != 0) {
			nk_err_set(err, "more than %d messages", MP_INV_MAX);
			goto out;
		}
	}
	ret = 0;
out:
	free(uidl);
	free(list);
	return ret;
}

/* The number after `key` on the same line, or false when it is missing
 * or above max (RFC 3501 numbers are 32-bit; sizes may be larger). */
static bool
field_u64(const char *from, const char *eol, const char *key, uint64_t max,
    uint64_t *out)
{
	/* Bounded to the line: a search to the end of a 16 MiB answer per
	 * line would make a hostile server's answer quadratic. */
	const char *k = memmem(from, (size_t)(eol - from), key, strlen(key));

	return k != NULL && nk_parse_u64_prefix(k + strlen(key), max, out) > 0;
}

int
mp_imap_inventory_parse(const char *p, size_t n, struct mp_inventory *inv,
    struct nk_err *err)
{
	const char *end = p + n, *v;
	uint64_t num;

	if ((v = strstr(p, "[UIDVALIDITY ")) != NULL &&
	    nk_parse_u64_prefix(v + 13, UINT32_MAX, &num) > 0)
		inv->uidvalidity = (int64_t)num;
	if ((v = strstr(p, "[UIDNEXT ")) != NULL &&
	    nk_parse_u64_prefix(v + 9, UINT32_MAX, &num) > 0)
		inv->uidnext = (int64_t)num;
	/* "* 1 FETCH (UID 7 RFC822.SIZE 512 BODY[HEADER.FIELDS (...)]
	 * {123}" + 123 bytes + ")" per message, RFC 3501 7.4.2; literal
	 * bytes bounded by the buffer we hold, never by the count alone. */
	while (p < end) {
		const char *f = strstr(p, " FETCH (");
		const char *lit, *nl;
		uint64_t uid, size, ln = 0;
		char ubuf[24];
		bool pseudo = false, has_lit = false;
		uint64_t dg = 0;

		if (f == NULL || f >= end)
			break;
		nl = memchr(f, '\n', (size_t)(end - f));
		if (nl == NULL)
			break;
		lit = memchr(f, '{', (size_t)(nl - f));
		if (lit != NULL &&
		    nk_parse_u64_prefix(lit + 1, (uint64_t)(end - (nl + 1)),
			&ln) > 0)
			has_lit = true;
		if (!field_u64(f, nl, "UID ", UINT32_MAX, &uid) ||
		    !field_u64(f, nl, "RFC822.SIZE ", UINT64_MAX, &size)) {
			p = nl + 1;
			continue;
		}
		if (has_lit)
			dg = mp_header_digest(nl + 1, (size_t)ln, &pseudo);
		snprintf(ubuf, sizeof(ubuf), "%" PRIu64, uid);
		if (mp_inv_add(inv, ubuf, size, dg, pseudo) != 0) {
			nk_err_set(err, "more than %d messages", MP_INV_MAX);
			return -1;
		}
		p = nl + 1;
		if (has_lit)
			p += ln;
	}
	return 0;
}

static int
imap_inventory(struct sess *s, const char *mailbox, struct mp_inventory *inv,
    struct nk_err *err)
{
	CURLcode rc;
	char ebuf[300];

	rc = sess_cmd(s, mailbox,
	    "UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS "
	    "(MESSAGE-ID DATE FROM SUBJECT)])",
	    false);
	if (rc != CURLE_OK) {
		sess_err(s, rc, "UID FETCH", ebuf, sizeof(ebuf));
		nk_err_set(err, "%s", ebuf);
		return -1;
	}
	if (s->in.p == NULL)
		return 0;
	if (s->in.cut) {
		nk_err_set(err, "UID FETCH answer over %u bytes", SESS_IN_MAX);
		return -1;
	}
	return mp_imap_inventory_parse(s->in.p, s->in.n, inv, err);
}

int
mp_mailbox_inventory(const struct mp_target *tg, const struct mp_opts *o,
    struct mp_inventory *inv, struct nk_err *err)
{
	struct sess s;
	const char *mbox = "INBOX";
	int rc;

	if (strncasecmp(tg->command, "EXAMINE ", 8) == 0)
		mbox = tg->command + 8;
	memset(inv, 0, sizeof(*inv));
	inv->uidvalidity = inv->uidnext = -1;
	snprintf(inv->key, sizeof(inv->key), "%s %s:%u %s%s%s",
	    mp_proto_name(tg->proto), tg->host, tg->port, tg->user,
	    tg->proto == MP_PROTO_IMAP ? " " : "",
	    tg->proto == MP_PROTO_IMAP ? mbox : "");
	if (sess_open(&s, tg, o) != 0) {
		nk_err_set(err, "libcurl: cannot start a session");
		return -1;
	}
	rc = tg->proto == MP_PROTO_POP3 ? pop3_inventory(&s, inv, err)
					: imap_inventory(&s, mbox, inv, err);
	if (rc != 0)
		nk_err_prefix(err, "%s %s:%u user %s", mp_proto_name(tg->proto),
		    tg->host, tg->port, tg->user);
	sess_close(&s);
	return rc;
}

/* ---- delivery loop ---- */

static void
wait_ms(int64_t ns)
{
	/* a one-shot check with nothing else to serve: poll() as the timer */
	(void)poll(NULL, 0, (int)(ns / NK_NS_PER_MS));
}

/* The UID from "* SEARCH 12" in the session's input; "" when none. */
static void
search_uid(const struct sess *s, char *uid, size_t len)
{
	const char *p = s->in.p ? strstr(s->in.p, "* SEARCH") : NULL;
	unsigned long long u;

	uid[0] = '\0';
	if (p != NULL && sscanf(p + 8, " %llu", &u) == 1)
		snprintf(uid, len, "%llu", u);
}

static bool
search(struct sess *s, const char *token, char *uid, size_t len)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "UID SEARCH HEADER X-Mailprobe-Token %s",
	    token);
	if (sess_cmd(s, "INBOX", cmd, false) != CURLE_OK)
		return false;
	search_uid(s, uid, len);
	return uid[0] != '\0';
}

/* ---- POP3 polling (RFC 1939) ----
 * A POP3 session sees the maildrop as it was at login (5, "the POP3
 * server ... acquires an exclusive-access lock"), so every poll is a new
 * session. Message numbers are only valid inside one session: the number
 * we DELE is the one whose TOP showed our token in that same session, and
 * the deletion commits at QUIT (6), which curl sends when the easy handle
 * goes. A later session then checks that the message's UIDL is gone.
 */

#define POP_LEFTOVER_SCAN 200 /* newest messages checked for leftovers */

struct uidl_set {
	char (*uid)[MP_UID_LEN];
	unsigned n;
};

static bool
uidl_has(const struct uidl_set *k, const char *uid)
{
	for (unsigned i = 0; i < k->n; i++)
		if (strcmp(k->uid[i], uid) == 0)
			return true;
	return false;
}

static int
uidl_add(struct uidl_set *k, const char *uid)
{
	if (k->n >= MP_INV_MAX)
		return -1;
	if (k->n % 256 == 0) {
		char(*nu)[MP_UID_LEN] = realloc(k->uid,
		    (k->n + 256) * sizeof(*k->uid));
		if (nu == NULL)
			return -1;
		k->uid = nu;
	}
	snprintf(k->uid[k->n++], MP_UID_LEN, "%s", uid);
	return 0;
}

/* "X-Mailprobe-Token: TOKEN" as a whole line in a header block; with an
 * empty token, any mailprobe token (a leftover of an earlier run). */
static bool
has_token(const char *hdr, const char *token)
{
	static const char name[] = "X-Mailprobe-Token: ";
	size_t tl = strlen(token);

	for (const char *p = hdr; (p = strstr(p, name)) != NULL; p++) {
		const char *v = p + sizeof(name) - 1;
		if (tl == 0 && strncmp(v, "mp-", 3) == 0)
			return true;
		if (tl > 0 && strncmp(v, token, tl) == 0 &&
		    (v[tl] == '\r' || v[tl] == '\n' || v[tl] == '\0'))
			return true;
	}
	return false;
}

static bool
headers_intact(const char *hdr, const char *token)
{
	char want[160];

	snprintf(want, sizeof(want), "Subject: mailprobe delivery check %s",
	    token);
	return strstr(hdr, want) != NULL && has_token(hdr, token) &&
	    strstr(hdr, "@mailprobe.invalid>") != NULL;
}

struct pop_entry {
	unsigned long num;
	char uid[MP_UID_LEN];
};

/* UIDL of a fresh session into *out (heap, *n entries). */
static int
pop3_uidl(struct sess *s, struct pop_entry **out, unsigned *n)
{
	char *save = NULL, *line, *copy;
	struct pop_entry *e = NULL;
	unsigned k = 0;

	*out = NULL;
	*n = 0;
	if (sess_cmd(s, "", "UIDL", false) != CURLE_OK || s->body.cut)
		return -1;
	copy = strdup(s->body.p ? s->body.p : "");
	if (copy == NULL)
		return -1;
	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		struct pop_entry pe;
		if (sscanf(line, "%lu %71s", &pe.num, pe.uid) != 2)
			continue;
		if (k % 256 == 0) {
			struct pop_entry *ne;
			if (k >= MP_INV_MAX)
				break;
			ne = realloc(e, (k + 256) * sizeof(*e));
			if (ne == NULL) {
				free(e);
				free(copy);
				return -1;
			}
			e = ne;
		}
		e[k++] = pe;
	}
	free(copy);
	*out = e;
	*n = k;
	return 0;
}

/* Before sending: remember every UIDL (only newer ones are TOPped while
 * polling) and delete earlier runs' leftovers among the newest. */
static int
pop3_prepare(const struct mp_target *tg, const struct mp_opts *o,
    struct uidl_set *known, struct mp_delivery *d)
{
	struct sess s;
	struct pop_entry *e = NULL;
	unsigned n = 0, n_dele = 0;
	int rc = -1;

	if (sess_open(&s, tg, o) != 0)
		return -1;
	if (pop3_uidl(&s, &e, &n) != 0) {
		sess_err(&s, CURLE_OK, "UIDL", d->error, sizeof(d->error));
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		char cmd[48];
		bool left = false;
		if (i + POP_LEFTOVER_SCAN >= n) {
			snprintf(cmd, sizeof(cmd), "TOP %lu 0", e[i].num);
			left = sess_cmd(&s, "", cmd, false) == CURLE_OK &&
			    s.body.p != NULL && has_token(s.body.p, "");
		}
		if (left) {
			snprintf(cmd, sizeof(cmd), "DELE %lu", e[i].num);
			if (sess_cmd(&s, "", cmd, true) == CURLE_OK) {
				n_dele++;
				continue;
			}
		}
		if (uidl_add(known, e[i].uid) != 0)
			goto out;
	}
	d->leftovers_removed = n_dele > 0;
	rc = 0;
out:
	free(e);
	sess_close(&s); /* QUIT: the DELEs take effect */
	return rc;
}

/* One poll: a session, TOP of each message not known before the send;
 * the one carrying our token gets its headers checked and is DELEted in
 * this session. 1 found, 0 not (yet), -1 the session failed. */
static int
pop3_look(const struct mp_target *tg, const struct mp_opts *o,
    const struct uidl_set *known, struct mp_delivery *d, bool *dele_sent)
{
	struct sess s;
	struct pop_entry *e = NULL;
	unsigned n = 0;
	int rc = -1;

	if (sess_open(&s, tg, o) != 0)
		return -1;
	if (pop3_uidl(&s, &e, &n) != 0) {
		sess_err(&s, CURLE_OK, "pop3 UIDL", d->error,
		    sizeof(d->error));
		goto out;
	}
	rc = 0;
	for (unsigned i = 0; i < n; i++) {
		char cmd[48];
		if (uidl_has(known, e[i].uid))
			continue;
		snprintf(cmd, sizeof(cmd), "TOP %lu 0", e[i].num);
		if (sess_cmd(&s, "", cmd, false) != CURLE_OK ||
		    s.body.p == NULL || !has_token(s.body.p, d->token))
			continue;
		rc = 1;
		snprintf(d->uid, sizeof(d->uid), "%s", e[i].uid);
		d->headers_intact = headers_intact(s.body.p, d->token);
		snprintf(cmd, sizeof(cmd), "DELE %lu", e[i].num);
		*dele_sent = sess_cmd(&s, "", cmd, true) == CURLE_OK;
		break;
	}
out:
	free(e);
	sess_close(&s); /* QUIT commits the DELE */
	return rc;
}

/* After the DELE: a new session must not list the message's UIDL. */
static bool
pop3_gone(const struct mp_target *tg, const struct mp_opts *o, const char *uid)
{
	struct sess s;
	struct pop_entry *e = NULL;
	unsigned n = 0;
	bool gone = false;

	if (sess_open(&s, tg, o) != 0)
		return false;
	if (pop3_uidl(&s, &e, &n) == 0) {
		gone = true;
		for (unsigned i = 0; i < n; i++)
			if (strcmp(e[i].uid, uid) == 0)
				gone = false;
	}
	free(e);
	sess_close(&s);
	return gone;
}

static int
pop3_delivery(struct sess *ss, const struct mp_target *mb, int64_t wait_ns,
    int64_t poll_ns, const struct mp_opts *o, volatile sig_atomic_t *stop,
    struct mp_delivery *d)
{
	struct uidl_set known = {NULL, 0};
	bool dele_sent = false;
	int64_t t0, deadline;
	CURLcode rc;
	int r = 0;

	if (pop3_prepare(mb, o, &known, d) != 0) {
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error),
			    "pop3: cannot list the mailbox");
		goto out;
	}
	t0 = nk_clock_mono_ns();
	rc = curl_easy_perform(ss->e);
	d->send_ns = nk_clock_mono_ns() - t0;
	if (rc != CURLE_OK) {
		sess_err(ss, rc, "send", d->error, sizeof(d->error));
		goto out;
	}
	d->sent = true;
	deadline = t0 + wait_ns;
	while (!*stop) {
		r = pop3_look(mb, o, &known, d, &dele_sent);
		if (r == 1) {
			d->found = true;
			d->latency_ns = nk_clock_mono_ns() - t0;
			break;
		}
		if (nk_clock_mono_ns() + poll_ns > deadline)
			break;
		wait_ms(poll_ns);
	}
	if (*stop)
		d->interrupted = true;
	if (!d->found) {
		/* cut short or late: one last look that deletes it if it
		 * is there; counted as found only inside the deadline */
		r = pop3_look(mb, o, &known, d, &dele_sent);
		if (r == 1 && !d->interrupted &&
		    nk_clock_mono_ns() <= deadline) {
			d->found = true;
			d->latency_ns = nk_clock_mono_ns() - t0;
		}
		if (!d->found)
			snprintf(d->error, sizeof(d->error),
			    d->interrupted ? "interrupted before delivery"
					   : "not delivered within %.1f s",
			    (double)wait_ns / 1e9);
	}
	if (dele_sent && d->uid[0] != '\0')
		d->deleted = pop3_gone(mb, o, d->uid);
out:
	free(known.uid);
	return 0;
}

int
mp_delivery_run(const struct mp_target *smtp, const struct mp_target *imap,
    const char *from, const char *to, int64_t wait_ns, int64_t poll_ns,
    const struct mp_opts *o, volatile sig_atomic_t *stop,
    struct mp_delivery *d)
{
	struct sess ss, is;
	struct curl_slist *rcpt = NULL;
	char msg[1024], date[64], fromaddr[300], toaddr[300];
	int64_t t0, deadline;
	CURLcode rc;
	struct tm tm;
	time_t now = time(NULL);

	memset(d, 0, sizeof(*d));
	snprintf(d->token, sizeof(d->token), "mp-%" PRIx64 "-%ld",
	    (uint64_t)nk_clock_real_ns(), (long)getpid());
	if (sess_open(&ss, smtp, o) != 0)
		return -1;
	if (imap->proto == MP_PROTO_IMAP && sess_open(&is, imap, o) != 0) {
		sess_close(&ss);
		return -1;
	}
	if (imap->proto != MP_PROTO_IMAP)
		memset(&is, 0, sizeof(is));
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(msg, sizeof(msg),
	    "From: <%s>\r\nTo: <%s>\r\nDate: %s\r\n"
	    "Message-ID: <%s@mailprobe.invalid>\r\n"
	    "Subject: mailprobe delivery check %s\r\n"
	    "X-Mailprobe-Token: %s\r\n\r\n"
	    "This message checks mail delivery and is deleted by mailprobe.\r\n",
	    from, to, date, d->token, d->token, d->token);
	snprintf(fromaddr, sizeof(fromaddr), "<%s>", from);
	snprintf(toaddr, sizeof(toaddr), "<%s>", to);
	rcpt = curl_slist_append(NULL, toaddr);
	ss.up = msg;
	ss.up_len = strlen(msg);
	(void)curl_easy_setopt(ss.e, CURLOPT_MAIL_FROM, fromaddr);
	(void)curl_easy_setopt(ss.e, CURLOPT_MAIL_RCPT, rcpt);
	(void)curl_easy_setopt(ss.e, CURLOPT_UPLOAD, 1L);
	(void)curl_easy_setopt(ss.e, CURLOPT_READFUNCTION, sess_read);
	(void)curl_easy_setopt(ss.e, CURLOPT_READDATA, &ss);
	{
		char url[700];
		snprintf(url, sizeof(url), "%s%s", ss.base,
		    o->ehlo ? o->ehlo : "mailprobe");
		(void)curl_easy_setopt(ss.e, CURLOPT_URL, url);
	}
	if (imap->proto == MP_PROTO_POP3) {
		(void)pop3_delivery(&ss, imap, wait_ns, poll_ns, o, stop, d);
		goto out;
	}
	/* leftovers of runs that were killed before their message arrived:
	 * every X-Mailprobe-Token message goes (one loop per mailbox) */
	if (sess_cmd(&is, "INBOX", "UID SEARCH HEADER X-Mailprobe-Token mp-",
		false) == CURLE_OK &&
	    is.in.p != NULL) {
		const char *p = strstr(is.in.p, "* SEARCH ");
		char set[512], cmd[600];
		size_t k = 0;
		if (p != NULL) {
			for (p += 9; *p != '\0' && *p != '\r' && *p != '\n' &&
			     k + 1 < sizeof(set);
			     p++)
				set[k++] = *p == ' ' ? ',' : *p;
			set[k] = '\0';
		}
		if (k > 0 && set[k - 1] != ',') {
			snprintf(cmd, sizeof(cmd),
			    "UID STORE %s +FLAGS.SILENT (\\Deleted)", set);
			if (sess_cmd(&is, "INBOX", cmd, false) == CURLE_OK) {
				snprintf(cmd, sizeof(cmd), "UID EXPUNGE %s",
				    set);
				if (sess_cmd(&is, "INBOX", cmd, false) ==
				    CURLE_OK)
					d->leftovers_removed = true;
			}
		}
	}
	t0 = nk_clock_mono_ns();
	rc = curl_easy_perform(ss.e);
	d->send_ns = nk_clock_mono_ns() - t0;
	if (rc != CURLE_OK) {
		sess_err(&ss, rc, "send", d->error, sizeof(d->error));
		goto out;
	}
	d->sent = true;
	deadline = t0 + wait_ns;
	while (!*stop) {
		if (search(&is, d->token, d->uid, sizeof(d->uid))) {
			d->found = true;
			d->latency_ns = nk_clock_mono_ns() - t0;
			break;
		}
		if (nk_clock_mono_ns() + poll_ns > deadline)
			break;
		wait_ms(poll_ns);
	}
	if (*stop)
		d->interrupted = true;
	if (!d->found) {
		/* cut short or late: one last look so we can delete it */
		if (search(&is, d->token, d->uid, sizeof(d->uid)) &&
		    !d->interrupted && nk_clock_mono_ns() <= deadline) {
			d->found = true;
			d->latency_ns = nk_clock_mono_ns() - t0;
		}
		if (!d->found && d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error),
			    d->interrupted ? "interrupted before delivery"
					   : "not delivered within %.1f s",
			    (double)wait_ns / 1e9);
	}
	if (d->uid[0] != '\0') {
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "UID FETCH %s BODY.PEEK[HEADER]",
		    d->uid);
		if (d->found && sess_cmd(&is, "INBOX", cmd, false) == CURLE_OK &&
		    is.in.p != NULL)
			d->headers_intact = headers_intact(is.in.p, d->token);
		/* delete only this message: UID EXPUNGE (RFC 4315), never a
		 * plain EXPUNGE that would take others' \Deleted mail too */
		snprintf(cmd, sizeof(cmd), "UID STORE %s +FLAGS.SILENT (\\Deleted)",
		    d->uid);
		if (sess_cmd(&is, "INBOX", cmd, false) == CURLE_OK) {
			snprintf(cmd, sizeof(cmd), "UID EXPUNGE %s", d->uid);
			d->deleted = sess_cmd(&is, "INBOX", cmd, false) ==
			    CURLE_OK;
		}
	}
out:
	curl_slist_free_all(rcpt);
	sess_close(&ss);
	sess_close(&is);
	return 0;
}
