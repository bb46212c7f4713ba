#include "event.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

#define HOST_MAX 256

struct nk_event_sink {
	char *tool;
	char *host;
	FILE *out; /* borrowed */
};

static const char *const sev_names[] = {
    "info", "ok", "warning", "critical", "unknown"};

const char *
nk_severity_name(enum nk_severity sev)
{
	if ((unsigned)sev >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "unknown";
	return sev_names[sev];
}

enum nk_severity
nk_severity_of_state(enum nk_state st)
{
	switch (st) {
	case NK_STATE_OK:
		return NK_SEV_OK;
	case NK_STATE_WARNING:
		return NK_SEV_WARNING;
	case NK_STATE_CRITICAL:
		return NK_SEV_CRITICAL;
	case NK_STATE_UNKNOWN:
		break;
	}
	return NK_SEV_UNKNOWN;
}

struct nk_event_sink *
nk_event_sink_new(const char *tool, const char *host, FILE *out)
{
	struct nk_event_sink *sink = NULL;
	char name[HOST_MAX];

	if (host == NULL) {
		/* gethostname may leave the name unterminated when cut. */
		if (gethostname(name, sizeof(name) - 1) != 0)
			(void)snprintf(name, sizeof(name), "%s", "unknown");
		name[sizeof(name) - 1] = '\0';
		host = name;
	}
	sink = calloc(1, sizeof(*sink));
	if (sink == NULL)
		return NULL;
	sink->tool = strdup(tool != NULL ? tool : "nockit");
	sink->host = strdup(host);
	sink->out = out;
	if (sink->tool == NULL || sink->host == NULL) {
		nk_event_sink_free(sink);
		return NULL;
	}
	return sink;
}

void
nk_event_sink_free(struct nk_event_sink *sink)
{
	if (sink == NULL)
		return;
	free(sink->tool);
	free(sink->host);
	free(sink);
}

/* json_object_object_add takes the child's reference, also on failure. */
static void
add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (obj == NULL || key == NULL) {
		json_object_put(v);
		return;
	}
	(void)json_object_object_add(obj, key, v);
}

struct json_object *
nk_event_begin(const struct nk_event_sink *sink, const char *event,
    enum nk_severity sev, int64_t real_ns)
{
	struct json_object *obj;

	if (sink == NULL)
		return NULL;
	obj = json_object_new_object();
	if (obj == NULL)
		return NULL;
	/* json-c keeps insertion order: this is the envelope order. */
	nk_event_add_time(
	    obj, "ts", real_ns != 0 ? real_ns : nk_clock_real_ns());
	nk_event_add_str(obj, "tool", sink->tool);
	nk_event_add_str(obj, "host", sink->host);
	nk_event_add_str(obj, "event", event);
	nk_event_add_str(obj, "severity", nk_severity_name(sev));
	if (json_object_object_length(obj) != 5) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

int
nk_event_emit(struct nk_event_sink *sink, struct json_object *obj)
{
	int rc = -1;
	const char *s;
	size_t n;

	if (sink == NULL || obj == NULL || sink->out == NULL)
		goto out;
	s = json_object_to_json_string_ext(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		goto out;
	n = strlen(s);
	/* Line and newline reach stdio's buffer together, then one flush. */
	if (fwrite(s, 1, n, sink->out) != n || fputc('\n', sink->out) == EOF)
		goto out;
	if (fflush(sink->out) != 0)
		goto out;
	rc = 0;
out:
	json_object_put(obj);
	return rc;
}

void
nk_event_add_str(struct json_object *obj, const char *key, const char *v)
{
	add(obj, key, v != NULL ? json_object_new_string(v) : NULL);
}

void
nk_event_add_int(struct json_object *obj, const char *key, int64_t v)
{
	add(obj, key, json_object_new_int64(v));
}

void
nk_event_add_uint(struct json_object *obj, const char *key, uint64_t v)
{
	add(obj, key, json_object_new_uint64(v));
}

/*
 * "%.15g" (DBL_DIG): the shortest text that reads back as the decimal the
 * value came from, so 0.123 stays "0.123" and 0.1+0.2 prints "0.3", not
 * json-c's "%.17g" noise. ".0" keeps integral values typed as doubles.
 * NaN and infinities have no JSON form: null.
 */
void
nk_event_add_double(struct json_object *obj, const char *key, double v)
{
	char b[40];
	int n;

	if (!isfinite(v)) {
		add(obj, key, NULL);
		return;
	}
	if (v == 0)
		v = 0; /* no "-0" */
	n = snprintf(b, sizeof(b), "%.15g", v);
	if (n < 0 || (size_t)n >= sizeof(b) - 2) {
		add(obj, key, json_object_new_double(v));
		return;
	}
	if (strpbrk(b, ".e") == NULL)
		memcpy(b + n, ".0", 3);
	add(obj, key, json_object_new_double_s(v, b));
}

void
nk_event_add_bool(struct json_object *obj, const char *key, bool v)
{
	add(obj, key, json_object_new_boolean(v ? 1 : 0));
}

void
nk_event_add_time(struct json_object *obj, const char *key, int64_t real_ns)
{
	char b[NK_CLOCK_RFC3339_LEN];

	nk_event_add_str(obj, key, nk_clock_fmt_rfc3339(real_ns, b, sizeof(b)));
}
