#include "trace.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void
mp_trace_init(struct mp_trace *tr, enum mp_proto proto, int64_t start_ns)
{
	memset(tr, 0, sizeof(*tr));
	tr->proto = proto;
	tr->start_ns = start_ns;
}

/* The n-th (0-based) space-separated token of s, copied upper-case. */
static void
token_upper(const char *s, unsigned n, char *out, size_t outlen)
{
	size_t o = 0;

	while (*s == ' ')
		s++;
	while (n > 0 && *s != '\0') {
		while (*s != '\0' && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
		n--;
	}
	while (*s != '\0' && *s != ' ' && o + 1 < outlen)
		out[o++] = (char)toupper((unsigned char)*s++);
	out[o] = '\0';
}

/* Cut s after its n-th token (n >= 1) and append " ***" if more followed. */
static void
keep_tokens(char *s, unsigned n, size_t cap)
{
	char *p = s;

	while (*p == ' ')
		p++;
	for (unsigned i = 0; i < n && *p != '\0'; i++) {
		while (*p != '\0' && *p != ' ')
			p++;
		if (i + 1 < n)
			while (*p == ' ')
				p++;
	}
	if (*p == '\0')
		return;
	*p = '\0';
	if ((size_t)(p - s) + 5 <= cap)
		memcpy(p, " ***", 5);
}

bool
mp_trace_redact(enum mp_proto proto, char *line, bool in_sasl)
{
	char w[24];
	unsigned cmd_at = proto == MP_PROTO_IMAP ? 1 : 0;

	if (in_sasl) {
		/* RFC 4954 / 5034 / 3501 6.2.2: "*" cancels, anything else is
		 * a base64 SASL response that may hold the password. */
		if (strcmp(line, "*") != 0)
			memcpy(line, "***", 4);
		return true;
	}
	token_upper(line, cmd_at, w, sizeof(w));
	if (strcmp(w, "LOGIN") == 0) { /* IMAP: TAG LOGIN user pass */
		keep_tokens(line, 3, MP_TRACE_LINE_MAX);
		return false;
	}
	if (strcmp(w, "PASS") == 0) { /* POP3 USER/PASS, RFC 1939 7 */
		keep_tokens(line, 1, MP_TRACE_LINE_MAX);
		return false;
	}
	if (strcmp(w, "APOP") == 0) {
		keep_tokens(line, 2, MP_TRACE_LINE_MAX);
		return false;
	}
	if (strcmp(w, "AUTHENTICATE") == 0 || strcmp(w, "AUTH") == 0) {
		/* keep the mechanism, hide a SASL-IR initial response */
		keep_tokens(line, cmd_at + 2, MP_TRACE_LINE_MAX);
		return true;
	}
	return false;
}

/* A server line that continues a SASL exchange (so it stays open). */
static bool
is_continuation(enum mp_proto proto, const char *line)
{
	if (proto == MP_PROTO_SMTP)
		return strncmp(line, "334", 3) == 0;
	return line[0] == '+' && (line[1] == ' ' || line[1] == '\0');
}

static void
add_line(struct mp_trace *tr, enum mp_dir dir, const char *s, size_t n,
    int64_t t_ns)
{
	struct mp_trace_line *l;

	if (tr->n >= MP_TRACE_MAX_LINES) {
		tr->n_dropped++;
		return;
	}
	l = &tr->lines[tr->n++];
	l->t_ns = t_ns;
	l->dir = dir;
	if (n >= sizeof(l->text)) {
		n = sizeof(l->text) - 4;
		memcpy(l->text, s, n);
		memcpy(l->text + n, "...", 4);
	} else {
		memcpy(l->text, s, n);
		l->text[n] = '\0';
	}
	/* wire text is hostile: no control bytes in what we print */
	for (char *p = l->text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	if (dir == MP_DIR_OUT)
		tr->in_sasl = mp_trace_redact(tr->proto, l->text, tr->in_sasl);
	else if (dir == MP_DIR_IN && tr->in_sasl &&
	    !is_continuation(tr->proto, l->text))
		tr->in_sasl = false;
}

void
mp_trace_add(struct mp_trace *tr, enum mp_dir dir, const char *data,
    size_t len, int64_t t_ns)
{
	size_t i = 0;

	/* a partial line of another direction is complete by now */
	if (tr->partial_len > 0 && tr->partial_dir != dir) {
		add_line(tr, tr->partial_dir, tr->partial, tr->partial_len,
		    t_ns);
		tr->partial_len = 0;
	}
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - data) : len;
		size_t n = end - i;

		/* append to the partial buffer, bounded */
		size_t room = sizeof(tr->partial) - 1 - tr->partial_len;
		size_t take = n < room ? n : room;
		memcpy(tr->partial + tr->partial_len, data + i, take);
		tr->partial_len += take;
		tr->partial_dir = dir;
		if (nl == NULL)
			break;
		while (tr->partial_len > 0 &&
		    tr->partial[tr->partial_len - 1] == '\r')
			tr->partial_len--;
		add_line(tr, dir, tr->partial, tr->partial_len, t_ns);
		tr->partial_len = 0;
		i = end + 1;
	}
}

static bool
is_login_cmd(const char *name)
{
	return strcmp(name, "LOGIN") == 0 || strcmp(name, "AUTHENTICATE") == 0 ||
	    strcmp(name, "USER") == 0 || strcmp(name, "PASS") == 0 ||
	    strcmp(name, "AUTH") == 0 || strcmp(name, "APOP") == 0;
}

static bool
is_tls_cmd(const char *name)
{
	return strcmp(name, "STARTTLS") == 0 || strcmp(name, "STLS") == 0;
}

/* The final reply of a login command says success. */
static bool
reply_ok(enum mp_proto proto, const char *reply)
{
	char w[16];

	switch (proto) {
	case MP_PROTO_IMAP:
		token_upper(reply, 1, w, sizeof(w));
		return strcmp(w, "OK") == 0;
	case MP_PROTO_POP3:
		return strncmp(reply, "+OK", 3) == 0;
	case MP_PROTO_SMTP:
		return strncmp(reply, "235", 3) == 0;
	case MP_PROTO_DNS:
		break;
	}
	return false;
}

static void
note_refusal(struct mp_phases *ph, const char *why)
{
	if (ph->plaintext_refused)
		return;
	ph->plaintext_refused = true;
	snprintf(ph->refuse_reason, sizeof(ph->refuse_reason), "%s", why);
}

static void
scan_in_line(enum mp_proto proto, const char *s, bool tls_up,
    struct mp_phases *ph)
{
	char up[MP_TRACE_LINE_MAX];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	up[i] = '\0';
	if (proto == MP_PROTO_IMAP && !tls_up &&
	    strstr(up, "LOGINDISABLED") != NULL)
		note_refusal(ph, "LOGINDISABLED"); /* RFC 3501 6.2.3 */
	if (proto == MP_PROTO_IMAP && strstr(up, "[PRIVACYREQUIRED]") != NULL)
		note_refusal(ph, "[PRIVACYREQUIRED]"); /* RFC 5530 */
	/* RFC 3206 [AUTH] is any authentication problem; only the text
	 * tells a plaintext refusal from a wrong password (Dovecot:
	 * "Plaintext authentication disallowed on non-secure ...") */
	if (proto == MP_PROTO_POP3 && !tls_up &&
	    strncmp(up, "-ERR [AUTH]", 11) == 0 &&
	    (strstr(up, "PLAINTEXT") != NULL ||
		strstr(up, "NON-SECURE") != NULL ||
		strstr(up, "TLS") != NULL))
		note_refusal(ph, "-ERR [AUTH]");
	if (proto == MP_PROTO_SMTP && !tls_up &&
	    (strncmp(up, "530 5.7.0", 9) == 0 ||
		strncmp(up, "538", 3) == 0)) /* RFC 3207 4, RFC 4954 6 */
		note_refusal(ph, s);
}

void
mp_trace_phases(const struct mp_trace *tr, int64_t connect_done_ns,
    struct mp_phases *ph)
{
	struct mp_cmd_time *cur = NULL;
	int64_t cur_start = 0, cur_last_in = -1;
	int64_t tls_reply_ns = -1;
	bool tls_up = false;
	bool login_seen_reply = false;

	memset(ph, 0, sizeof(*ph));
	ph->banner_ns = ph->banner_dur_ns = ph->starttls_ns = -1;
	ph->tls_ns = ph->login_ns = -1;

	for (unsigned i = 0; i < tr->n; i++) {
		const struct mp_trace_line *l = &tr->lines[i];
		int64_t t = l->t_ns - tr->start_ns;

		if (l->dir == MP_DIR_TEXT) {
			const char *p = strstr(l->text, "SSL connection using ");
			if (p != NULL) {
				char v[16] = "", c[64] = "";
				if (sscanf(p + 21, "%15s / %63s", v, c) == 2) {
					snprintf(ph->tls_version,
					    sizeof(ph->tls_version), "%s", v);
					snprintf(ph->tls_cipher,
					    sizeof(ph->tls_cipher), "%s", c);
				}
				tls_up = true;
				if (tls_reply_ns >= 0)
					ph->tls_ns = t - tls_reply_ns;
			}
			continue;
		}
		if (l->dir == MP_DIR_IN) {
			if (ph->banner_ns < 0 && cur == NULL) {
				ph->banner_ns = t;
				if (connect_done_ns >= 0 && t >= connect_done_ns)
					ph->banner_dur_ns = t - connect_done_ns;
			}
			scan_in_line(tr->proto, l->text, tls_up, ph);
			if (cur != NULL) {
				cur_last_in = t;
				cur->dur_ns = t - cur_start;
				snprintf(cur->reply, sizeof(cur->reply), "%s",
				    l->text);
				if (is_tls_cmd(cur->name))
					tls_reply_ns = t;
				if (is_login_cmd(cur->name))
					login_seen_reply = true;
			}
			continue;
		}
		/* OUT: a new command unless it continues a SASL exchange */
		if (strcmp(l->text, "***") == 0 || strcmp(l->text, "*") == 0) {
			continue;
		}
		if (ph->n_cmds >= MP_TRACE_MAX_CMDS)
			continue;
		cur = &ph->cmds[ph->n_cmds++];
		token_upper(l->text, tr->proto == MP_PROTO_IMAP ? 1 : 0,
		    cur->name, sizeof(cur->name));
		cur->dur_ns = -1;
		cur_start = t;
		cur_last_in = -1;
		if (is_tls_cmd(cur->name))
			ph->starttls_ns = t;
		if (is_login_cmd(cur->name))
			ph->login_tried = true;
	}
	(void)cur_last_in;
	/* login: the sum of the login exchanges; success from the last one */
	for (unsigned i = 0; i < ph->n_cmds; i++) {
		struct mp_cmd_time *c = &ph->cmds[i];
		if (!is_login_cmd(c->name))
			continue;
		if (c->dur_ns >= 0)
			ph->login_ns = (ph->login_ns < 0 ? 0 : ph->login_ns) +
			    c->dur_ns;
		ph->login_ok = login_seen_reply &&
		    reply_ok(tr->proto, c->reply);
	}
}
