/*
 * report: a probe result judged (plugin state from per-phase thresholds,
 * certificate days, expected capabilities) and written as one of the faces:
 * the shell transcript, a JSON event, a plugin status line, a matrix cell.
 * Every string leaves through mp_report_scrub(), which replaces any secret
 * registered with mp_report_secret() by "***": the trace already redacts
 * LOGIN/PASS/SASL lines, this catches a server that echoes one back.
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stdio.h>

#include "alarm.h"
#include "event.h"
#include "probe.h"

enum mp_phase {
	MP_PH_LOOKUP = 0,
	MP_PH_CONNECT,
	MP_PH_TLS,
	MP_PH_BANNER,
	MP_PH_LOGIN,
	MP_PH_TOTAL,
	MP_PH_N
};

struct mp_judge {
	struct nk_threshold phase[MP_PH_N]; /* seconds */
	struct nk_threshold cert_days;     /* alert below: "20:" style */
	const char *expect_caps;           /* NULL: no check */
};

const char *mp_phase_name(enum mp_phase p);
/* "connect" -> MP_PH_CONNECT, -1 if unknown. */
int mp_phase_lookup(const char *name);

/* The phase time in ns, -1 when not measured. */
int64_t mp_result_phase_ns(const struct mp_result *r, enum mp_phase p);

/* Register a secret to scrub from all output (copied, up to 8). */
void mp_report_secret(const char *s);
/* Replace every registered secret in buf by "***" in place. */
void mp_report_scrub(char *buf, size_t len);

/* State and one-line text ("imap 127.0.0.1:143 plain: ..."). */
enum nk_state mp_report_judge(const struct mp_result *r,
    const struct mp_judge *j, char *text, size_t len);

/* Matrix cell: OK, refused, no TLS, bad cert, down, timeout, fail. */
const char *mp_report_cell(const struct mp_result *r);

void mp_report_shell(FILE *out, const struct mp_result *r,
    const struct mp_judge *j);
void mp_report_plugin(FILE *out, const struct mp_result *r,
    const struct mp_judge *j, enum nk_state *st);
int mp_report_json(struct nk_event_sink *sink, const struct mp_result *r,
    const struct mp_judge *j);

#endif
