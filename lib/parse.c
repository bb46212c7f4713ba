#include "parse.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest text quoted back in an error: keeps the message one short line. */
#define TEXT_MAX 64

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Digits only, no sign, no spaces: strtoull() would take " -1" and wrap it
 * to UINT64_MAX. Leaves *end at the first non-digit. -1 on overflow.
 */
static int
scan_digits(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	int rc = 0;

	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			rc = -1;
		else
			v = v * 10 + d;
	}
	*end = s;
	*out = v;
	return rc;
}

size_t
nk_parse_u64_prefix(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (s == NULL || !is_digit(*s))
		return 0;
	if (scan_digits(s, &end, &v) != 0 || v > max)
		return 0;
	*out = v;
	return (size_t)(end - s);
}

int
nk_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    struct nk_err *err)
{
	const char *end;
	uint64_t v;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a number");
		return -1;
	}
	if (*s == '-') {
		nk_err_set(err, "'%.*s': negative, expected an unsigned number",
		    TEXT_MAX, s);
		return -1;
	}
	if (!is_digit(*s)) {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	int rc = scan_digits(s, &end, &v);
	if (*end != '\0') {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	if (rc != 0 || v < min || v > max) {
		nk_err_set(err, "'%.*s': out of range [%llu, %llu]", TEXT_MAX,
		    s, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
nk_parse_i64(
    const char *s, int64_t min, int64_t max, int64_t *out, struct nk_err *err)
{
	const char *p = s, *end;
	bool neg = false;
	uint64_t mag;
	int64_t v;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a number");
		return -1;
	}
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!is_digit(*p)) {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	int rc = scan_digits(p, &end, &mag);
	if (*end != '\0') {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	/* INT64_MIN's magnitude is INT64_MAX + 1. */
	if (rc != 0 || mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		goto out_range;
	if (neg)
		v = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		goto out_range;
	*out = v;
	return 0;
out_range:
	nk_err_set(err, "'%.*s': out of range [%lld, %lld]", TEXT_MAX, s,
	    (long long)min, (long long)max);
	return -1;
}

/*
 * [+-]digits[.digits][(e|E)[+-]digits] or [+-].digits...: strtod() alone
 * would also take "inf", "nan", hex floats and leading spaces.
 */
static bool
is_decimal_syntax(const char *s)
{
	size_t n_digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; is_digit(*s); s++)
		n_digits++;
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			n_digits++;
	if (n_digits == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	}
	return *s == '\0';
}

int
nk_parse_double(
    const char *s, double min, double max, double *out, struct nk_err *err)
{
	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a number");
		return -1;
	}
	if (!is_decimal_syntax(s)) {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	/* The C locale: a tool that called setlocale() for ncurses would
	 * otherwise want "0,5". glibc returns its static C locale here. */
	locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c_loc == (locale_t)0) {
		nk_err_set(
		    err, "'%.*s': cannot make the C locale", TEXT_MAX, s);
		return -1;
	}
	char *end = NULL;
	errno = 0;
	double v = strtod_l(s, &end, c_loc);
	int saved = errno;
	freelocale(c_loc);
	if (end == NULL || *end != '\0') {
		nk_err_set(err, "'%.*s': not a number", TEXT_MAX, s);
		return -1;
	}
	/* ERANGE on underflow gives a tiny or zero value: accept it. */
	if ((saved == ERANGE && fabs(v) > 1.0) || !isfinite(v) || v < min ||
	    v > max) {
		nk_err_set(err, "'%.*s': out of range [%g, %g]", TEXT_MAX, s,
		    min, max);
		return -1;
	}
	*out = v;
	return 0;
}

struct unit {
	const char *name;
	int64_t ns;
};

static const struct unit duration_units[] = {
    {"ns", 1},
    {"us", INT64_C(1000)},
    {"ms", INT64_C(1000000)},
    {"s", INT64_C(1000000000)},
    {"m", INT64_C(60000000000)},
    {"h", INT64_C(3600000000000)},
    {"d", INT64_C(86400000000000)},
};

/* A bound as a reader writes it: the largest unit that divides it ("1h",
 * "100ms"), so a range error does not read "[100000000 ns, ...]". */
static void
fmt_duration(int64_t ns, char *buf, size_t len)
{
	size_t i = sizeof(duration_units) / sizeof(duration_units[0]);

	if (ns == 0) {
		(void)snprintf(buf, len, "0");
		return;
	}
	while (--i > 0 && ns % duration_units[i].ns != 0)
		;
	(void)snprintf(buf, len, "%lld%s",
	    (long long)(ns / duration_units[i].ns), duration_units[i].name);
}

/* 10^0 .. 10^18: fraction digits past 18 cannot change a value in ns. */
static uint64_t
pow10_u64(unsigned n)
{
	uint64_t v = 1;
	while (n-- > 0)
		v *= 10;
	return v;
}

int
nk_parse_duration_ns(const char *s, int64_t bare_unit_ns, int64_t min_ns,
    int64_t max_ns, int64_t *out_ns, struct nk_err *err)
{
	const char *p = s, *end;
	bool neg = false;
	uint64_t ip = 0, frac = 0;
	unsigned n_frac = 0;
	int64_t unit_ns = 0;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a duration");
		return -1;
	}
	if (*p == '-' || *p == '+') {
		neg = *p == '-';
		p++;
	}
	if (!is_digit(*p) && !(*p == '.' && is_digit(p[1])))
		goto out_syntax;
	if (scan_digits(p, &end, &ip) != 0)
		goto out_range;
	p = end;
	if (*p == '.') {
		p++;
		if (!is_digit(*p))
			goto out_syntax;
		for (; is_digit(*p); p++) {
			if (n_frac < 18) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				n_frac++;
			}
		}
	}
	if (*p == '\0') {
		if (bare_unit_ns <= 0) {
			nk_err_set(err,
			    "'%.*s': needs a unit (ns, us, ms, s, m, "
			    "h, d)",
			    TEXT_MAX, s);
			return -1;
		}
		unit_ns = bare_unit_ns;
	} else {
		for (size_t i = 0;
		     i < sizeof(duration_units) / sizeof(duration_units[0]);
		     i++)
			if (strcmp(p, duration_units[i].name) == 0)
				unit_ns = duration_units[i].ns;
		if (unit_ns == 0) {
			nk_err_set(err,
			    "'%.*s': unknown unit '%.*s' (ns, us, ms, "
			    "s, m, h, d)",
			    TEXT_MAX, s, TEXT_MAX, p);
			return -1;
		}
	}

	/* ip * unit + frac * unit / 10^n_frac, exactly (truncated to 1 ns). */
	uint64_t u = (uint64_t)unit_ns;
	if (ip != 0 && u > UINT64_MAX / ip)
		goto out_range;
	uint64_t whole = ip * u;
	__extension__ typedef unsigned __int128 u128;
	u128 part = (u128)frac * u / pow10_u64(n_frac);
	if (part > UINT64_MAX - whole)
		goto out_range;
	uint64_t mag = whole + (uint64_t)part;
	if (mag > (uint64_t)INT64_MAX)
		goto out_range;
	int64_t v = neg ? -(int64_t)mag : (int64_t)mag;
	if (v < min_ns || v > max_ns)
		goto out_range;
	*out_ns = v;
	return 0;
out_syntax:
	nk_err_set(err, "'%.*s': not a duration", TEXT_MAX, s);
	return -1;
out_range:;
	char lo[32], hi[32];
	fmt_duration(min_ns, lo, sizeof(lo));
	fmt_duration(max_ns, hi, sizeof(hi));
	nk_err_set(err, "'%.*s': out of range [%s, %s]", TEXT_MAX, s, lo, hi);
	return -1;
}

int
nk_parse_size_bytes(
    const char *s, uint64_t max, uint64_t *out, struct nk_err *err)
{
	const char *end;
	uint64_t v, mult = 1;

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected a size");
		return -1;
	}
	if (*s == '-') {
		nk_err_set(err, "'%.*s': negative size", TEXT_MAX, s);
		return -1;
	}
	if (!is_digit(*s)) {
		nk_err_set(err, "'%.*s': not a size", TEXT_MAX, s);
		return -1;
	}
	int rc = scan_digits(s, &end, &v);
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = UINT64_C(1) << 10;
		break;
	case 'M':
		mult = UINT64_C(1) << 20;
		break;
	case 'G':
		mult = UINT64_C(1) << 30;
		break;
	default:
		nk_err_set(
		    err, "'%.*s': not a size (suffix k, M or G)", TEXT_MAX, s);
		return -1;
	}
	if (*end != '\0' && end[1] != '\0') {
		nk_err_set(
		    err, "'%.*s': not a size (suffix k, M or G)", TEXT_MAX, s);
		return -1;
	}
	if (rc != 0 || v > UINT64_MAX / mult || v * mult > max) {
		nk_err_set(err, "'%.*s': out of range [0, %llu]", TEXT_MAX, s,
		    (unsigned long long)max);
		return -1;
	}
	*out = v * mult;
	return 0;
}

int
nk_parse_bool(const char *s, bool *out, struct nk_err *err)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	if (s == NULL || *s == '\0') {
		nk_err_set(err, "'': empty, expected yes or no");
		return -1;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	nk_err_set(err, "'%.*s': expected yes/no, true/false, on/off or 1/0",
	    TEXT_MAX, s);
	return -1;
}
