#include "caps.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void
mp_caps_clear(struct mp_caps *c)
{
	memset(c, 0, sizeof(*c));
}

bool
mp_caps_has(const struct mp_caps *c, const char *item)
{
	for (unsigned i = 0; i < c->n; i++)
		if (strcmp(c->item[i], item) == 0)
			return true;
	return false;
}

void
mp_caps_add(struct mp_caps *c, const char *item)
{
	size_t n = 0;
	char up[MP_CAP_LEN];

	for (; item[n] != '\0' && n + 1 < sizeof(up); n++)
		up[n] = (char)toupper((unsigned char)item[n]);
	up[n] = '\0';
	if (n == 0 || c->n >= MP_CAPS_MAX || mp_caps_has(c, up))
		return;
	memcpy(c->item[c->n++], up, n + 1);
}

/* Call fn-like add for each space-separated word of s (bounded copy). */
static void
add_words(struct mp_caps *c, const char *s, const char *prefix)
{
	char w[MP_CAP_LEN];

	while (*s != '\0') {
		size_t n = 0, plen = strlen(prefix);
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		memcpy(w, prefix, plen);
		n = plen;
		while (*s != '\0' && *s != ' ') {
			if (n + 1 < sizeof(w))
				w[n++] = *s;
			s++;
		}
		w[n] = '\0';
		mp_caps_add(c, w);
	}
}

void
mp_caps_parse_imap(struct mp_caps *c, const char *list)
{
	c->seen = true;
	add_words(c, list, "");
}

void
mp_caps_parse_pop3_line(struct mp_caps *c, const char *line)
{
	char kw[MP_CAP_LEN];
	size_t n = 0;
	const char *p = line;

	if (line[0] == '+' || line[0] == '-' || strcmp(line, ".") == 0)
		return;
	c->seen = true;
	while (*p != '\0' && *p != ' ' && n + 1 < sizeof(kw))
		kw[n++] = (char)toupper((unsigned char)*p++);
	kw[n] = '\0';
	mp_caps_add(c, kw);
	if (strcmp(kw, "SASL") == 0) /* RFC 2449 6.3: SASL mechanisms */
		add_words(c, p, "AUTH=");
}

void
mp_caps_parse_ehlo_line(struct mp_caps *c, const char *line)
{
	char kw[MP_CAP_LEN];
	size_t n = 0;
	const char *p;

	if (strlen(line) < 4 || strncmp(line, "250", 3) != 0)
		return;
	c->seen = true;
	p = line + 4;
	while (*p != '\0' && *p != ' ' && *p != '=' && n + 1 < sizeof(kw))
		kw[n++] = (char)toupper((unsigned char)*p++);
	kw[n] = '\0';
	mp_caps_add(c, kw);
	if (strcmp(kw, "AUTH") == 0) /* RFC 4954 3 */
		add_words(c, p + (*p != '\0'), "AUTH=");
}

/* The text after "CAPABILITY " in an IMAP line, up to ']' if in a code. */
static bool
imap_cap_text(const char *line, char *out, size_t len)
{
	const char *p = strstr(line, "CAPABILITY ");
	size_t n = 0;

	if (p == NULL)
		return false;
	p += 11;
	while (*p != '\0' && *p != ']' && n + 1 < len)
		out[n++] = *p++;
	out[n] = '\0';
	return true;
}

void
mp_caps_from_trace(const struct mp_trace *tr, struct mp_caps *c)
{
	char cmd[24] = "";
	bool ehlo_first = false;
	char buf[MP_TRACE_LINE_MAX];

	mp_caps_clear(c);
	for (unsigned i = 0; i < tr->n; i++) {
		const struct mp_trace_line *l = &tr->lines[i];

		if (l->dir == MP_DIR_OUT) {
			const char *p = l->text;
			size_t n = 0;
			if (tr->proto == MP_PROTO_IMAP) {
				while (*p != '\0' && *p != ' ')
					p++;
				while (*p == ' ')
					p++;
			}
			while (*p != '\0' && *p != ' ' && n + 1 < sizeof(cmd))
				cmd[n++] = (char)toupper((unsigned char)*p++);
			cmd[n] = '\0';
			if ((tr->proto == MP_PROTO_POP3 &&
				strcmp(cmd, "CAPA") == 0) ||
			    (tr->proto == MP_PROTO_SMTP &&
				(strcmp(cmd, "EHLO") == 0 ||
				    strcmp(cmd, "LHLO") == 0))) {
				mp_caps_clear(c);
				ehlo_first = true;
			}
			continue;
		}
		if (l->dir != MP_DIR_IN)
			continue;
		switch (tr->proto) {
		case MP_PROTO_IMAP:
			if (imap_cap_text(l->text, buf, sizeof(buf))) {
				mp_caps_clear(c);
				mp_caps_parse_imap(c, buf);
			}
			break;
		case MP_PROTO_POP3:
			if (strcmp(cmd, "CAPA") == 0)
				mp_caps_parse_pop3_line(c, l->text);
			break;
		case MP_PROTO_SMTP:
			if (strcmp(cmd, "EHLO") != 0 &&
			    strcmp(cmd, "LHLO") != 0)
				break;
			if (ehlo_first) { /* "250-mail.example greets" */
				ehlo_first = false;
				c->seen = true;
				break;
			}
			mp_caps_parse_ehlo_line(c, l->text);
			break;
		case MP_PROTO_DNS:
			break;
		}
	}
}

unsigned
mp_caps_missing(const struct mp_caps *c, const char *expected, char *buf,
    size_t len)
{
	unsigned n = 0;
	size_t o = 0;
	const char *s = expected;

	if (len > 0)
		buf[0] = '\0';
	while (s != NULL && *s != '\0') {
		char w[MP_CAP_LEN];
		size_t k = 0;
		while (*s == ',' || *s == ' ')
			s++;
		while (*s != '\0' && *s != ',' && *s != ' ') {
			if (k + 1 < sizeof(w))
				w[k++] = (char)toupper((unsigned char)*s);
			s++;
		}
		w[k] = '\0';
		if (k == 0 || mp_caps_has(c, w))
			continue;
		n++;
		if (len > 0 && o < len) {
			int r = snprintf(buf + o, len - o, "%s%s",
			    o > 0 ? "," : "", w);
			if (r > 0)
				o += (size_t)r;
		}
	}
	return n;
}

void
mp_caps_fmt(const struct mp_caps *c, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (unsigned i = 0; i < c->n && o < len; i++) {
		int r = snprintf(buf + o, len - o, "%s%s", i ? " " : "",
		    c->item[i]);
		if (r < 0)
			break;
		o += (size_t)r;
	}
}
