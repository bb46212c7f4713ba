#include "alarm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERF_ITEM_MAX 512

const char *
nk_state_name(enum nk_state st)
{
	switch (st) {
	case NK_STATE_OK:
		return "OK";
	case NK_STATE_WARNING:
		return "WARNING";
	case NK_STATE_CRITICAL:
		return "CRITICAL";
	case NK_STATE_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

/* Badness for comparisons: OK < UNKNOWN < WARNING < CRITICAL. */
static int
rank(enum nk_state st)
{
	switch (st) {
	case NK_STATE_OK:
		return 0;
	case NK_STATE_WARNING:
		return 2;
	case NK_STATE_CRITICAL:
		return 3;
	case NK_STATE_UNKNOWN:
		break;
	}
	return 1;
}

static enum nk_state
sane(enum nk_state st)
{
	return (unsigned)st <= NK_STATE_UNKNOWN ? st : NK_STATE_UNKNOWN;
}

enum nk_state
nk_state_worst(enum nk_state a, enum nk_state b)
{
	a = sane(a);
	b = sane(b);
	return rank(a) >= rank(b) ? a : b;
}

int
nk_state_exit_code(enum nk_state st)
{
	return (int)sane(st);
}

/*
 * A plain decimal number: [+-]digits[.digits][e[+-]digits]. strtod alone
 * would also take " 1", "0x10", "inf" and "nan".
 */
static int
parse_num(const char *s, size_t n, double *out)
{
	char tmp[64];
	size_t i = 0, nd = 0;
	char *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		i++;
		nd++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			nd++;
		}
	}
	if (nd == 0)
		return -1;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ne = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			ne++;
		}
		if (ne == 0)
			return -1;
	}
	if (i != n)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	double v = strtod(tmp, &end);
	if (end != tmp + n || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * Monitoring Plugins guidelines, "Threshold and ranges": [@]start:end,
 * start defaults to 0 and may be "~" (-inf), an empty end is +inf, and a
 * plain "N" is "0:N". start must not exceed end.
 */
int
nk_range_parse(const char *s, struct nk_range *out, struct nk_err *err)
{
	struct nk_range r = {0, 0, false, false, false, false};
	const char *p = s, *colon;

	if (s == NULL || s[0] == '\0') {
		nk_err_set(err, "range '': empty");
		return -1;
	}
	if (*p == '@') {
		r.inside = true;
		p++;
	}
	colon = strchr(p, ':');
	if (colon != NULL) {
		size_t sl = (size_t)(colon - p);
		if (sl == 1 && p[0] == '~') {
			r.start_inf = true;
		} else if (sl > 0 && parse_num(p, sl, &r.start) != 0) {
			nk_err_set(err,
			    "range '%s': start '%.*s' is not a number", s,
			    (int)sl, p);
			return -1;
		}
		const char *e = colon + 1;
		if (*e == '\0') {
			r.end_inf = true;
		} else if (parse_num(e, strlen(e), &r.end) != 0) {
			nk_err_set(
			    err, "range '%s': end '%s' is not a number", s, e);
			return -1;
		}
	} else if (parse_num(p, strlen(p), &r.end) != 0) {
		nk_err_set(err, "range '%s': not a number", s);
		return -1;
	}
	if (!r.start_inf && !r.end_inf && r.start > r.end) {
		nk_err_set(
		    err, "range '%s': start %g > end %g", s, r.start, r.end);
		return -1;
	}
	r.set = true;
	*out = r;
	return 0;
}

bool
nk_range_alerts(const struct nk_range *r, double value)
{
	if (r == NULL || !r->set || isnan(value))
		return false;
	bool in = (r->start_inf || value >= r->start) &&
	    (r->end_inf || value <= r->end);
	return r->inside ? in : !in;
}

/*
 * Perfdata numbers are [-0-9.] (guidelines): no exponent. "%.15g" unless
 * it chose one, then fixed notation with trailing zeros cut.
 */
static void
fmt_num(double v, char *b, size_t len)
{
	if (v == 0)
		v = 0; /* no "-0" */
	int n = snprintf(b, len, "%.15g", v);
	if (n < 0 || (size_t)n >= len || strchr(b, 'e') == NULL)
		return;
	if (fabs(v) >= 1) {
		(void)snprintf(b, len, "%.0f", v);
		return;
	}
	n = snprintf(b, len, "%.12f", v); /* 12 digits: no binary noise */
	if (n < 0 || (size_t)n >= len)
		return;
	char *z = b + n - 1;
	while (z > b && *z == '0')
		*z-- = '\0';
	if (*z == '.')
		*z = '\0';
	if (strcmp(b, "-0") == 0)
		(void)snprintf(b, len, "0");
}

char *
nk_range_fmt(const struct nk_range *r, char *buf, size_t len)
{
	char a[48] = "", b[48] = "";
	int n;

	if (buf == NULL || len == 0)
		return buf;
	buf[0] = '\0';
	if (r == NULL || !r->set)
		return buf;
	if (!r->end_inf)
		fmt_num(r->end, b, sizeof(b));
	if (r->start_inf)
		n = snprintf(buf, len, "%s~:%s", r->inside ? "@" : "", b);
	else if (r->start != 0 || r->end_inf) {
		fmt_num(r->start, a, sizeof(a));
		n = snprintf(buf, len, "%s%s:%s", r->inside ? "@" : "", a, b);
	} else
		n = snprintf(buf, len, "%s%s", r->inside ? "@" : "", b);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

int
nk_threshold_parse(const char *warn, const char *crit, struct nk_threshold *out,
    struct nk_err *err)
{
	struct nk_threshold th;

	memset(&th, 0, sizeof(th));
	if (warn != NULL && nk_range_parse(warn, &th.warn, err) != 0) {
		nk_err_prefix(err, "warning");
		return -1;
	}
	if (crit != NULL && nk_range_parse(crit, &th.crit, err) != 0) {
		nk_err_prefix(err, "critical");
		return -1;
	}
	*out = th;
	return 0;
}

enum nk_state
nk_threshold_eval(const struct nk_threshold *th, double value)
{
	if (isnan(value))
		return NK_STATE_UNKNOWN;
	if (th == NULL)
		return NK_STATE_OK;
	if (nk_range_alerts(&th->crit, value))
		return NK_STATE_CRITICAL;
	if (nk_range_alerts(&th->warn, value))
		return NK_STATE_WARNING;
	return NK_STATE_OK;
}

void
nk_alarm_init(struct nk_alarm *a, unsigned raise_after, unsigned clear_after)
{
	a->state = NK_STATE_OK;
	a->candidate = NK_STATE_OK;
	a->n_seen = 0;
	a->raise_after = raise_after > 0 ? raise_after : 1;
	a->clear_after = clear_after > 0 ? clear_after : 1;
}

/*
 * A run counts samples on the same side of the reported state. Rising, the
 * candidate is the mildest state of the run (WARNING, CRITICAL, CRITICAL
 * raises to WARNING); falling, the worst (OK, WARNING, OK clears to
 * WARNING). A sample equal to the reported state, or on the other side,
 * ends the run.
 */
bool
nk_alarm_update(struct nk_alarm *a, enum nk_state raw)
{
	raw = sane(raw);
	int r = rank(raw), cur = rank(a->state);

	if (r == cur) {
		a->candidate = a->state;
		a->n_seen = 0;
		return false;
	}
	bool up = r > cur;
	int cand = rank(a->candidate);
	if (a->n_seen == 0 || (cand > cur) != up) {
		a->candidate = raw;
		a->n_seen = 1;
	} else {
		if (up ? r < cand : r > cand)
			a->candidate = raw;
		a->n_seen++;
	}
	if (a->n_seen < (up ? a->raise_after : a->clear_after))
		return false;
	a->state = a->candidate;
	a->n_seen = 0;
	return true;
}

/* The label, in single quotes when it has a space, '=' or '\'' (doubled). */
static size_t
fmt_label(const char *label, char *b, size_t len)
{
	bool quote = label[0] == '\0' || strpbrk(label, " ='") != NULL;
	size_t o = 0;

	if (quote)
		b[o++] = '\'';
	for (const char *p = label; *p != '\0' && o + 4 < len; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\'')
			b[o++] = '\'';
		/* A control byte would break the one-line plugin output. */
		b[o++] = *p;
		if (c < 0x20 || c == 0x7f)
			b[o - 1] = '_';
	}
	if (quote)
		b[o++] = '\'';
	b[o] = '\0';
	return o;
}

int
nk_perf_append(char *buf, size_t len, const char *label, double value,
    const char *uom, const struct nk_threshold *th, double min, double max)
{
	char item[PERF_ITEM_MAX], lab[256], v[48], w[100] = "", c[100] = "",
						   mn[48] = "", mx[48] = "";
	size_t used;
	int n;

	if (buf == NULL || len == 0 || label == NULL)
		return -1;
	used = strnlen(buf, len);
	if (used == len)
		return -1;
	fmt_label(label, lab, sizeof(lab));
	if (isfinite(value))
		fmt_num(value, v, sizeof(v));
	else
		(void)snprintf(v, sizeof(v), "U"); /* guidelines: unknown */
	if (th != NULL) {
		nk_range_fmt(&th->warn, w, sizeof(w));
		nk_range_fmt(&th->crit, c, sizeof(c));
	}
	if (!isnan(min))
		fmt_num(min, mn, sizeof(mn));
	if (!isnan(max))
		fmt_num(max, mx, sizeof(mx));
	n = snprintf(item, sizeof(item), "%s%s=%s%s;%s;%s;%s;%s",
	    used > 0 ? " " : "", lab, v, isfinite(value) && uom ? uom : "", w,
	    c, mn, mx);
	if (n < 0 || (size_t)n >= sizeof(item))
		return -1;
	/* Trailing unfilled fields may be dropped (guidelines). */
	size_t il = (size_t)n;
	while (item[il - 1] == ';')
		item[--il] = '\0';
	if (used + il + 1 > len)
		return -1;
	memcpy(buf + used, item, il + 1);
	return 0;
}

char *
nk_plugin_line(char *buf, size_t len, const char *service, enum nk_state st,
    const char *text, const char *perf)
{
	int n;

	if (buf == NULL || len == 0)
		return buf;
	if (text == NULL)
		text = "";
	bool has_perf = perf != NULL && perf[0] != '\0';
	const char *svc = service != NULL ? service : "";
	const char *sp = svc[0] != '\0' ? " " : "";

	n = snprintf(buf, len, "%s%s%s - %s%s%s", svc, sp, nk_state_name(st),
	    text, has_perf ? " | " : "", has_perf ? perf : "");
	if (n >= 0 && (size_t)n >= len && has_perf)
		/* The state and text matter more than perfdata. */
		n = snprintf(
		    buf, len, "%s%s%s - %s", svc, sp, nk_state_name(st), text);
	if (n < 0) {
		buf[0] = '\0';
		return buf;
	}
	/* Clean only the text part: perfdata labels may hold anything. */
	size_t off = strlen(svc) + strlen(sp) + strlen(nk_state_name(st)) + 3;
	size_t end = off + strlen(text);
	size_t blen = strlen(buf);
	if (end > blen)
		end = blen;
	for (size_t i = off; i < end; i++) {
		if (buf[i] == '|')
			buf[i] = '/';
		else if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	}
	return buf;
}
