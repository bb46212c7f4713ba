/* bgpstatus: the collector's status file; see bgpstatus.h. */
#include "bgpstatus.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define JSON_DEPTH 8 /* root > prefixes > [i] > upstreams > name > state */

static const char *const reach_names[] = {"none", "announced", "withdrawn"};

const char *
nk_bgpstatus_reach_name(unsigned r)
{
	return r < sizeof(reach_names) / sizeof(reach_names[0]) ? reach_names[r]
								: "?";
}

void
nk_bgpstatus_count(const struct nk_bgpstatus *st, struct nk_bgpstatus_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < st->n_sess; i++) {
		if (st->sess[i].up)
			c->sessions_up++;
		else
			c->sessions_down++;
	}
	for (size_t i = 0; i < st->n_prefix; i++) {
		const struct nk_bgpstatus_prefix *p = &st->prefix[i];
		c->prefixes_watched++;
		if (!p->reachable) {
			c->prefixes_unreachable++;
			continue;
		}
		for (size_t u = 0; u < st->n_up; u++)
			if (p->up_state[u] == NK_BGPSTATUS_WITHDRAWN) {
				c->prefixes_withdrawn_somewhere++;
				break;
			}
	}
	for (size_t i = 0; i < st->n_alarm; i++) {
		if (st->alarm[i].sev == NK_SEV_CRITICAL)
			c->alarms_critical++;
		else if (st->alarm[i].sev == NK_SEV_WARNING)
			c->alarms_warning++;
	}
}

/* ------------------------------------------------------------ format */

/* json_object_object_add takes the child's reference, also on failure. */
static int
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (v == NULL)
		return -1;
	return json_object_object_add(o, k, v) == 0 ? 0 : -1;
}

static struct json_object *
time_or_null(int64_t ns, bool *ok)
{
	char at[NK_CLOCK_RFC3339_LEN];
	if (ns == 0)
		return NULL; /* json null */
	nk_clock_fmt_rfc3339(ns, at, sizeof(at));
	struct json_object *j = json_object_new_string(at);
	if (j == NULL)
		*ok = false;
	return j;
}

static struct json_object *
fmt_sess(const struct nk_bgpstatus_sess *s)
{
	struct json_object *o = json_object_new_object();
	bool ok = o != NULL;

	if (!ok)
		return NULL;
	ok &= add(o, "name", json_object_new_string(s->name)) == 0;
	ok &= add(o, "addr", json_object_new_string(s->addr)) == 0;
	ok &= add(o, "asn", json_object_new_int64(s->asn)) == 0;
	ok &= add(o, "state", json_object_new_string(s->state)) == 0;
	ok &= add(o, "up", json_object_new_boolean(s->up)) == 0;
	ok &= json_object_object_add(
		  o, "since", time_or_null(s->since_ns, &ok)) == 0;
	ok &= add(o, "prefixes", json_object_new_int64((int64_t)s->prefixes)) ==
	    0;
	ok &=
	    add(o, "updates", json_object_new_int64((int64_t)s->updates)) == 0;
	ok &= add(o, "last_reason", json_object_new_string(s->reason)) == 0;
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *
fmt_prefix(const struct nk_bgpstatus *st, const struct nk_bgpstatus_prefix *p)
{
	struct json_object *o = json_object_new_object();
	struct json_object *via = json_object_new_array();
	struct json_object *wd = json_object_new_array();
	struct json_object *ups = json_object_new_object();
	bool ok = o != NULL && via != NULL && wd != NULL && ups != NULL;

	for (size_t u = 0; ok && u < st->n_up; u++) {
		struct json_object *e = json_object_new_object();
		ok &= e != NULL;
		if (!ok)
			break;
		ok &= add(e, "state",
			  json_object_new_string(
			      nk_bgpstatus_reach_name(p->up_state[u]))) == 0;
		ok &= json_object_object_add(e, "since",
			  time_or_null(p->up_since_ns[u], &ok)) == 0;
		ok &= add(ups, st->upstream[u], e) == 0;
		if (p->up_state[u] == NK_BGPSTATUS_VIA)
			ok &= json_object_array_add(via,
				  json_object_new_string(st->upstream[u])) == 0;
		else if (p->up_state[u] == NK_BGPSTATUS_WITHDRAWN)
			ok &= json_object_array_add(wd,
				  json_object_new_string(st->upstream[u])) == 0;
	}
	if (!ok) {
		json_object_put(o);
		json_object_put(via);
		json_object_put(wd);
		json_object_put(ups);
		return NULL;
	}
	ok &= add(o, "prefix", json_object_new_string(p->prefix)) == 0;
	ok &= add(o, "reachable", json_object_new_boolean(p->reachable)) == 0;
	ok &= add(o, "via", via) == 0;
	ok &= add(o, "withdrawn_by", wd) == 0;
	ok &= add(o, "upstreams", ups) == 0;
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *
fmt_alarm(const struct nk_bgpstatus_alarm *a)
{
	struct json_object *o = json_object_new_object();
	bool ok = o != NULL;

	if (!ok)
		return NULL;
	ok &= add(o, "severity",
		  json_object_new_string(nk_severity_name(a->sev))) == 0;
	ok &= add(o, "alarm", json_object_new_string(a->kind)) == 0;
	ok &= add(o, "object", json_object_new_string(a->object)) == 0;
	ok &= json_object_object_add(
		  o, "since", time_or_null(a->since_ns, &ok)) == 0;
	ok &= add(o, "detail", json_object_new_string(a->detail)) == 0;
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int
nk_bgpstatus_fmt(
    const struct nk_bgpstatus *st, char **out, size_t *len, struct nk_err *err)
{
	struct json_object *root = json_object_new_object();
	struct json_object *ups = json_object_new_array();
	struct json_object *ss = json_object_new_array();
	struct json_object *ps = json_object_new_array();
	struct json_object *as = json_object_new_array();
	struct json_object *sum = json_object_new_object();
	struct nk_bgpstatus_counts c;
	bool ok = root && ups && ss && ps && as && sum;
	int rc = -1;

	nk_bgpstatus_count(st, &c);
	for (size_t i = 0; ok && i < st->n_up; i++)
		ok &= json_object_array_add(
			  ups, json_object_new_string(st->upstream[i])) == 0;
	for (size_t i = 0; ok && i < st->n_sess; i++)
		ok &= json_object_array_add(ss, fmt_sess(&st->sess[i])) == 0;
	for (size_t i = 0; ok && i < st->n_prefix; i++)
		ok &= json_object_array_add(
			  ps, fmt_prefix(st, &st->prefix[i])) == 0;
	for (size_t i = 0; ok && i < st->n_alarm; i++)
		ok &= json_object_array_add(as, fmt_alarm(&st->alarm[i])) == 0;
	if (ok) {
		ok &= add(sum, "sessions_up",
			  json_object_new_int(c.sessions_up > INT32_MAX
				  ? INT32_MAX
				  : (int32_t)c.sessions_up)) == 0;
		ok &= add(sum, "sessions_down",
			  json_object_new_int((int32_t)c.sessions_down)) == 0;
		ok &=
		    add(sum, "prefixes_watched",
			json_object_new_int((int32_t)c.prefixes_watched)) == 0;
		ok &= add(sum, "prefixes_unreachable",
			  json_object_new_int(
			      (int32_t)c.prefixes_unreachable)) == 0;
		ok &= add(sum, "prefixes_withdrawn_somewhere",
			  json_object_new_int(
			      (int32_t)c.prefixes_withdrawn_somewhere)) == 0;
		ok &= add(sum, "alarms_critical",
			  json_object_new_int((int32_t)c.alarms_critical)) == 0;
		ok &= add(sum, "alarms_warning",
			  json_object_new_int((int32_t)c.alarms_warning)) == 0;
	}
	if (!ok || root == NULL) {
		json_object_put(ups);
		json_object_put(ss);
		json_object_put(ps);
		json_object_put(as);
		json_object_put(sum);
		goto out;
	}
	bool tok = true;
	ok &= add(root, "format",
		  json_object_new_string(NK_BGPSTATUS_FORMAT)) == 0;
	ok &= add(root, "version", json_object_new_int(NK_BGPSTATUS_VERSION)) ==
	    0;
	ok &= json_object_object_add(
		  root, "time", time_or_null(st->time_ns, &tok)) == 0;
	if (st->stopped[0] != '\0')
		ok &= add(root, "stopped",
			  json_object_new_string(st->stopped)) == 0;
	ok &= add(root, "summary", sum) == 0;
	ok &= add(root, "upstreams", ups) == 0;
	ok &= add(root, "sessions", ss) == 0;
	ok &= add(root, "prefixes", ps) == 0;
	ok &= add(root, "alarms", as) == 0;
	if (!ok || !tok)
		goto out;
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
	    root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	char *b = s != NULL ? malloc(n + 2) : NULL;
	if (b == NULL)
		goto out;
	memcpy(b, s, n);
	b[n] = '\n';
	b[n + 1] = '\0';
	*out = b;
	*len = n + 1;
	rc = 0;
out:
	if (rc < 0)
		nk_err_set(err, "status: out of memory");
	json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------- parse */

static const char *
get_str(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
copy_str(char *dst, size_t len, const char *s)
{
	size_t n = 0;
	if (s == NULL) {
		dst[0] = '\0';
		return;
	}
	n = strnlen(s, len - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	/* control bytes would reach terminals and plugin lines */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = '?';
}

/* An optional RFC 3339 time: absent or null is 0; anything else must
 * parse. */
static int
get_time(struct json_object *o, const char *k, int64_t *ns)
{
	struct json_object *v = NULL;
	*ns = 0;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return nk_clock_parse_rfc3339(json_object_get_string(v), ns);
}

static int
get_u64(struct json_object *o, const char *k, uint64_t max, uint64_t *out)
{
	struct json_object *v = NULL;
	*out = 0;
	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	int64_t x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max)
		return -1;
	*out = (uint64_t)x;
	return 0;
}

static struct json_object *
get_array(struct json_object *o, const char *k, size_t max, size_t *n,
    struct nk_err *err)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_array)) {
		nk_err_set(err, "no \"%s\" array", k);
		return NULL;
	}
	*n = json_object_array_length(v);
	if (*n > max) {
		nk_err_set(err, "more than %zu %s", max, k);
		return NULL;
	}
	return v;
}

static int
parse_sess(struct json_object *o, size_t i, struct nk_bgpstatus_sess *s,
    struct nk_err *err)
{
	struct json_object *v = NULL;
	uint64_t u = 0;

	if (!json_object_is_type(o, json_type_object)) {
		nk_err_set(err, "sessions[%zu]: not an object", i);
		return -1;
	}
	const char *name = get_str(o, "name");
	if (name == NULL || name[0] == '\0') {
		nk_err_set(err, "sessions[%zu]: no \"name\"", i);
		return -1;
	}
	copy_str(s->name, sizeof(s->name), name);
	if (!json_object_object_get_ex(o, "up", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		nk_err_set(
		    err, "sessions[%zu] %s: no \"up\" true/false", i, s->name);
		return -1;
	}
	s->up = json_object_get_boolean(v) != 0;
	copy_str(s->addr, sizeof(s->addr), get_str(o, "addr"));
	copy_str(s->state, sizeof(s->state), get_str(o, "state"));
	copy_str(s->reason, sizeof(s->reason), get_str(o, "last_reason"));
	if (get_u64(o, "asn", UINT32_MAX, &u) < 0) {
		nk_err_set(err, "sessions[%zu] %s: bad \"asn\"", i, s->name);
		return -1;
	}
	s->asn = (uint32_t)u;
	if (get_u64(o, "prefixes", UINT64_MAX, &s->prefixes) < 0 ||
	    get_u64(o, "updates", UINT64_MAX, &s->updates) < 0 ||
	    get_time(o, "since", &s->since_ns) < 0) {
		nk_err_set(err,
		    "sessions[%zu] %s: bad \"prefixes\", \"updates\" or "
		    "\"since\"",
		    i, s->name);
		return -1;
	}
	return 0;
}

static int
parse_prefix(struct json_object *o, size_t i, const struct nk_bgpstatus *st,
    struct nk_bgpstatus_prefix *p, struct nk_err *err)
{
	struct json_object *v = NULL, *ups = NULL;

	if (!json_object_is_type(o, json_type_object)) {
		nk_err_set(err, "prefixes[%zu]: not an object", i);
		return -1;
	}
	const char *pfx = get_str(o, "prefix");
	if (pfx == NULL || pfx[0] == '\0') {
		nk_err_set(err, "prefixes[%zu]: no \"prefix\"", i);
		return -1;
	}
	copy_str(p->prefix, sizeof(p->prefix), pfx);
	if (!json_object_object_get_ex(o, "reachable", &v) ||
	    !json_object_is_type(v, json_type_boolean)) {
		nk_err_set(err, "prefixes[%zu] %s: no \"reachable\" true/false",
		    i, p->prefix);
		return -1;
	}
	p->reachable = json_object_get_boolean(v) != 0;
	if (!json_object_object_get_ex(o, "upstreams", &ups) || ups == NULL)
		return 0;
	if (!json_object_is_type(ups, json_type_object)) {
		nk_err_set(err, "prefixes[%zu] %s: \"upstreams\" not an object",
		    i, p->prefix);
		return -1;
	}
	for (size_t u = 0; u < st->n_up; u++) {
		struct json_object *e = NULL;
		if (!json_object_object_get_ex(ups, st->upstream[u], &e) ||
		    e == NULL)
			continue;
		const char *s = json_object_is_type(e, json_type_object)
		    ? get_str(e, "state")
		    : NULL;
		unsigned r = 0;
		while (s != NULL && r < 3 &&
		    strcmp(s, nk_bgpstatus_reach_name(r)) != 0)
			r++;
		if (s == NULL || r == 3 ||
		    get_time(e, "since", &p->up_since_ns[u]) < 0) {
			nk_err_set(err,
			    "prefixes[%zu] %s: upstream %s: bad \"state\" or "
			    "\"since\"",
			    i, p->prefix, st->upstream[u]);
			return -1;
		}
		p->up_state[u] = (uint8_t)r;
	}
	return 0;
}

static int
parse_alarm(struct json_object *o, size_t i, struct nk_bgpstatus_alarm *a,
    struct nk_err *err)
{
	if (!json_object_is_type(o, json_type_object)) {
		nk_err_set(err, "alarms[%zu]: not an object", i);
		return -1;
	}
	const char *sev = get_str(o, "severity");
	if (sev != NULL && strcmp(sev, "critical") == 0)
		a->sev = NK_SEV_CRITICAL;
	else if (sev != NULL && strcmp(sev, "warning") == 0)
		a->sev = NK_SEV_WARNING;
	else {
		nk_err_set(err,
		    "alarms[%zu]: \"severity\" is not warning or "
		    "critical",
		    i);
		return -1;
	}
	copy_str(a->kind, sizeof(a->kind), get_str(o, "alarm"));
	copy_str(a->object, sizeof(a->object), get_str(o, "object"));
	copy_str(a->detail, sizeof(a->detail), get_str(o, "detail"));
	if (get_time(o, "since", &a->since_ns) < 0) {
		nk_err_set(err, "alarms[%zu]: bad \"since\"", i);
		return -1;
	}
	return 0;
}

static int
parse_root(
    struct json_object *root, struct nk_bgpstatus *st, struct nk_err *err)
{
	struct json_object *v = NULL, *a = NULL;
	size_t n = 0;

	if (!json_object_is_type(root, json_type_object)) {
		nk_err_set(err, "not a JSON object");
		return -1;
	}
	const char *fmt = get_str(root, "format");
	if (fmt == NULL || strcmp(fmt, NK_BGPSTATUS_FORMAT) != 0) {
		nk_err_set(
		    err, "\"format\" is not \"" NK_BGPSTATUS_FORMAT "\"");
		return -1;
	}
	if (!json_object_object_get_ex(root, "version", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != NK_BGPSTATUS_VERSION) {
		nk_err_set(err, "\"version\" is not %d", NK_BGPSTATUS_VERSION);
		return -1;
	}
	/* a status file is not older than this code: a time before 2000
	 * is garbage (and 1970 would read as "no time") */
	if (get_time(root, "time", &st->time_ns) < 0 ||
	    st->time_ns < 946684800 * INT64_C(1000000000)) {
		nk_err_set(err, "no RFC 3339 \"time\" (after 2000)");
		return -1;
	}
	if (json_object_object_get_ex(root, "stopped", &a) && a != NULL) {
		if (!json_object_is_type(a, json_type_string) ||
		    json_object_get_string_len(a) == 0) {
			nk_err_set(err, "\"stopped\" is not a non-empty string");
			return -1;
		}
		copy_str(st->stopped, sizeof(st->stopped),
		    json_object_get_string(a));
	}
	/* upstream names first: prefixes refer to them */
	if (json_object_object_get_ex(root, "upstreams", &a) && a != NULL) {
		if (!json_object_is_type(a, json_type_array)) {
			nk_err_set(err, "\"upstreams\" is not an array");
			return -1;
		}
		n = json_object_array_length(a);
		if (n > NK_BGPSTATUS_MAX_UP) {
			nk_err_set(
			    err, "more than %d upstreams", NK_BGPSTATUS_MAX_UP);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			if (!json_object_is_type(e, json_type_string)) {
				nk_err_set(
				    err, "upstreams[%zu]: not a string", i);
				return -1;
			}
			copy_str(st->upstream[i], sizeof(st->upstream[i]),
			    json_object_get_string(e));
			/* prefixes name upstreams as keys: one each */
			bool dup = st->upstream[i][0] == '\0';
			for (size_t k = 0; k < i && !dup; k++)
				dup = strcmp(st->upstream[k],
					  st->upstream[i]) == 0;
			if (dup) {
				nk_err_set(err,
				    "upstreams[%zu]: empty or named twice", i);
				return -1;
			}
		}
		st->n_up = n;
	}
	a = get_array(root, "sessions", NK_BGPSTATUS_MAX_SESS, &n, err);
	if (a == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parse_sess(json_object_array_get_idx(a, i), i, &st->sess[i],
			err) < 0)
			return -1;
	st->n_sess = n;
	a = get_array(root, "prefixes", NK_BGPSTATUS_MAX_PREFIX, &n, err);
	if (a == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parse_prefix(json_object_array_get_idx(a, i), i, st,
			&st->prefix[i], err) < 0)
			return -1;
	st->n_prefix = n;
	a = get_array(root, "alarms", NK_BGPSTATUS_MAX_ALARM, &n, err);
	if (a == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parse_alarm(json_object_array_get_idx(a, i), i,
			&st->alarm[i], err) < 0)
			return -1;
	st->n_alarm = n;
	return 0;
}

int
nk_bgpstatus_parse(
    const uint8_t *buf, size_t len, struct nk_bgpstatus *st, struct nk_err *err)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (len == 0) {
		nk_err_set(err, "empty");
		return -1;
	}
	if (len > NK_BGPSTATUS_MAX_BYTES || len > INT32_MAX) {
		nk_err_set(err, "%zu bytes, more than a status file has", len);
		return -1;
	}
	/* json-c stops at a NUL byte; so do we, explicitly */
	if (memchr(buf, '\0', len) != NULL) {
		nk_err_set(err, "not JSON: a NUL byte");
		return -1;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (tok == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, (const char *)buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	if (root == NULL || je != json_tokener_success) {
		nk_err_set(err, "not JSON: %s",
		    je == json_tokener_continue ? "unexpected end of data"
						: json_tokener_error_desc(je));
		goto out;
	}
	/* only white space may follow the object */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		const char *c = (const char *)buf + i;
		if (*c != ' ' && *c != '\n' && *c != '\r' && *c != '\t') {
			nk_err_set(err,
			    "not JSON: data after the object at byte %zu", i);
			goto out;
		}
	}
	rc = parse_root(root, st, err);
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}
