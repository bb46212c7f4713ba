/*
 * trace: the protocol exchange of one probe as libcurl's debug callback
 * reports it (CURLINFO_HEADER_OUT = our command, CURLINFO_HEADER_IN = a
 * server line, CURLINFO_TEXT = curl's own notes such as "SSL connection
 * using TLSv1.3 / ..."), each line stamped with monotonic ns, and the phase
 * timings derived from it. curl's CURLINFO_PRETRANSFER_TIME lumps banner,
 * CAPABILITY, STARTTLS and LOGIN together; these moments split them.
 * Secrets never enter the trace: outgoing lines are redacted as they are
 * added (LOGIN/PASS arguments, every SASL exchange line).
 */
#ifndef MP_TRACE_H
#define MP_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mp_proto { MP_PROTO_IMAP = 0, MP_PROTO_POP3, MP_PROTO_SMTP, MP_PROTO_DNS };

enum mp_dir { MP_DIR_IN = 0, MP_DIR_OUT, MP_DIR_TEXT };

#define MP_TRACE_MAX_LINES 256 /* a probe's exchange; more is dropped */
#define MP_TRACE_LINE_MAX 512  /* longer lines are cut (and marked) */
#define MP_TRACE_MAX_CMDS 32

struct mp_trace_line {
	int64_t t_ns; /* monotonic */
	enum mp_dir dir;
	char text[MP_TRACE_LINE_MAX];
};

struct mp_cmd_time {
	char name[24];  /* CAPABILITY, STARTTLS, LOGIN, EHLO, ... */
	int64_t dur_ns; /* command sent -> last answer line; -1 unknown */
	char reply[96]; /* final answer line (status), redacted */
};

struct mp_trace {
	enum mp_proto proto;
	int64_t start_ns;
	unsigned n;
	unsigned n_dropped;
	bool in_sasl; /* inside an AUTH/AUTHENTICATE exchange: redact OUT */
	char partial[MP_TRACE_LINE_MAX]; /* debug data not yet ending in \n */
	size_t partial_len;
	enum mp_dir partial_dir;
	struct mp_trace_line lines[MP_TRACE_MAX_LINES];
};

/* Phases in ns from the probe start, -1 when not reached. */
struct mp_phases {
	int64_t banner_ns;    /* first server line seen */
	int64_t banner_dur_ns; /* banner wait after connect/TLS; -1 */
	int64_t starttls_ns;  /* STARTTLS/STLS command time; -1 */
	int64_t tls_ns;       /* handshake duration (STARTTLS case); -1 */
	int64_t login_ns;     /* sum of LOGIN/USER/PASS/AUTH exchanges; -1 */
	bool login_tried;
	bool login_ok;
	bool plaintext_refused;  /* LOGINDISABLED / -ERR [AUTH] / 530 5.7.0 */
	char refuse_reason[96];
	char tls_version[16];
	char tls_cipher[64];
	unsigned n_cmds;
	struct mp_cmd_time cmds[MP_TRACE_MAX_CMDS];
};

void mp_trace_init(struct mp_trace *tr, enum mp_proto proto, int64_t start_ns);

/*
 * Feed one debug-callback chunk (may hold several lines or a part of one).
 * Lines are split on \n, \r is dropped, outgoing secrets are redacted.
 */
void mp_trace_add(struct mp_trace *tr, enum mp_dir dir, const char *data,
    size_t len, int64_t t_ns);

/* Derive phase timings and protocol facts from the lines. */
void mp_trace_phases(const struct mp_trace *tr, int64_t connect_done_ns,
    struct mp_phases *ph);

/*
 * Redact one outgoing line in place given whether a SASL exchange is open;
 * returns the new in_sasl state. Exposed for unit tests.
 */
bool mp_trace_redact(enum mp_proto proto, char *line, bool in_sasl);

#endif
