/*
 * event: JSON Lines through json-c with one envelope for all tools:
 *   {"ts":"2026-11-23T03:12:09.412Z","tool":"multiping","host":"noc1",
 *    "event":"loss_run_start","severity":"warning", ...event fields}
 * docs/events.md documents every field of every event.
 */
#ifndef NK_EVENT_H
#define NK_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "alarm.h"

enum nk_severity {
	NK_SEV_INFO = 0,
	NK_SEV_OK,
	NK_SEV_WARNING,
	NK_SEV_CRITICAL,
	NK_SEV_UNKNOWN,
};

/* "info", "ok", "warning", "critical", "unknown". */
const char *nk_severity_name(enum nk_severity sev);

/* The severity of an event reporting a plugin state (UNKNOWN also for
 * values outside the enum). */
enum nk_severity nk_severity_of_state(enum nk_state st);

struct nk_event_sink;

/*
 * A sink writing one JSON object per line to `out` (not owned; flushed
 * after every line so cron pipelines see events at once). `host` is
 * gethostname() when NULL. NULL on allocation failure.
 */
struct nk_event_sink *nk_event_sink_new(const char *tool, const char *host,
    FILE *out);
void nk_event_sink_free(struct nk_event_sink *sink);

/*
 * Start an event: a new json object holding the envelope, stamped with
 * real_ns (realtime ns; 0 = now). The caller adds fields (the helpers below
 * or json_object_object_add) and passes it to nk_event_emit, which writes
 * and frees it. NULL on allocation failure.
 */
struct json_object *nk_event_begin(const struct nk_event_sink *sink,
    const char *event, enum nk_severity sev, int64_t real_ns);

/*
 * Write the line ("{...}\n", PLAIN, '/' not escaped) and flush, release obj
 * (always, also on failure or a NULL sink). 0, or -1 if the write failed.
 */
int nk_event_emit(struct nk_event_sink *sink, struct json_object *obj);

/*
 * Field helpers; a NULL string value adds JSON null, a NULL obj is ignored.
 * Doubles print with "%.15g" (DBL_DIG digits: 0.123 stays 0.123, 0.1+0.2 is
 * 0.3), with ".0" added to integral values so they stay doubles; NaN and
 * infinities become null (JSON has no form for them). Adding a key twice
 * replaces the value in place.
 */
void nk_event_add_str(struct json_object *obj, const char *key, const char *v);
void nk_event_add_int(struct json_object *obj, const char *key, int64_t v);
void nk_event_add_uint(struct json_object *obj, const char *key, uint64_t v);
void nk_event_add_double(struct json_object *obj, const char *key, double v);
void nk_event_add_bool(struct json_object *obj, const char *key, bool v);
/* A realtime ns stamp as an RFC 3339 string. */
void nk_event_add_time(struct json_object *obj, const char *key,
    int64_t real_ns);

#endif
