/*
 * caps: server capabilities decoded from the exchange: IMAP CAPABILITY
 * (RFC 3501 7.2.1, also the [CAPABILITY ...] response code), POP3 CAPA
 * (RFC 2449), SMTP EHLO keywords (RFC 5321 4.1.1.1). Items are upper-case;
 * mechanism lists become AUTH=MECH ("SASL PLAIN" and "AUTH PLAIN LOGIN"
 * alike), so one expected set works for every protocol.
 */
#ifndef MP_CAPS_H
#define MP_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

#define MP_CAPS_MAX 64
#define MP_CAP_LEN 40

struct mp_caps {
	unsigned n;
	bool seen; /* a capability answer was parsed */
	char item[MP_CAPS_MAX][MP_CAP_LEN];
};

void mp_caps_clear(struct mp_caps *c);
bool mp_caps_has(const struct mp_caps *c, const char *item);
void mp_caps_add(struct mp_caps *c, const char *item);

/* One IMAP capability text ("IMAP4rev1 IDLE AUTH=PLAIN ..."). */
void mp_caps_parse_imap(struct mp_caps *c, const char *list);
/* One POP3 CAPA line ("SASL PLAIN LOGIN", "UIDL", "."). */
void mp_caps_parse_pop3_line(struct mp_caps *c, const char *line);
/* One EHLO reply line ("250-PIPELINING", "250 AUTH PLAIN"); the first
 * line (greeting domain) is skipped by the caller. */
void mp_caps_parse_ehlo_line(struct mp_caps *c, const char *line);

/* The capabilities the server announced last (after STARTTLS if any). */
void mp_caps_from_trace(const struct mp_trace *tr, struct mp_caps *c);

/*
 * Expected items missing from c, comma-separated into buf ("" if none).
 * `expected` is comma- or space-separated. Returns the count.
 */
unsigned mp_caps_missing(const struct mp_caps *c, const char *expected,
    char *buf, size_t len);

/* All items space-separated. */
void mp_caps_fmt(const struct mp_caps *c, char *buf, size_t len);

#endif
