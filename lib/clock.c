#include "clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int64_t
nk_timespec_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NK_NS_PER_SEC + (int64_t)ts->tv_nsec;
}

/* Floor division so that negative stamps (before 1970) keep 0 <= nsec < 1s. */
struct timespec
nk_ns_to_timespec(int64_t ns)
{
	struct timespec ts;
	int64_t sec = ns / NK_NS_PER_SEC;
	int64_t rem = ns % NK_NS_PER_SEC;

	if (rem < 0) {
		rem += NK_NS_PER_SEC;
		sec--;
	}
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)rem;
	return ts;
}

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clock ids on Linux; 0 keeps callers sane. */
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return nk_timespec_to_ns(&ts);
}

int64_t
nk_clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int64_t
nk_clock_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

char *
nk_clock_fmt_rfc3339(int64_t real_ns, char *buf, size_t len)
{
	struct timespec ts = nk_ns_to_timespec(real_ns);
	struct tm tm;
	int n;

	if (buf == NULL || len == 0)
		return buf;
	buf[0] = '\0';
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		return buf;
	/* Milliseconds are truncated, not rounded: 09.9999 stays in second 09.
	 */
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000L);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

/* Exactly `n` decimal digits at *p; advances p. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool
expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/*
 * RFC 3339 section 5.6 date-time: full-date "T" full-time, with an optional
 * fraction (1-9 digits kept to the ns) and "Z" or a numeric offset. 't' and
 * 'z' are accepted as the RFC allows (section 5.6 NOTE). A leap second
 * (":60") is folded into the next second by timegm().
 */
int
nk_clock_parse_rfc3339(const char *s, int64_t *real_ns)
{
	const char *p = s;
	int year, mon, mday, hour, min, sec;
	int64_t frac_ns = 0;
	int64_t off_s = 0;
	struct tm tm;
	time_t t;

	if (s == NULL || real_ns == NULL)
		return -1;
	if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &mon) ||
	    !expect(&p, '-') || !digits(&p, 2, &mday))
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &min) ||
	    !expect(&p, ':') || !digits(&p, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || mday < 1 ||
	    mday > days_in_month(year, mon) || hour > 23 || min > 59 ||
	    sec > 60)
		return -1;
	if (*p == '.') {
		int n = 0;
		int64_t scale = NK_NS_PER_SEC;

		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 9) {
				scale /= 10;
				frac_ns += (int64_t)(*p - '0') * scale;
			}
			n++;
			p++;
		}
		if (n == 0)
			return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int oh, om;

		p++;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') ||
		    !digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off_s = sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 &&
	    !(year == 1969 && mon == 12 && mday == 31 && hour == 23 &&
		min == 59 && sec == 59))
		return -1;
	/* Local time minus its offset is UTC. */
	int64_t secs = (int64_t)t - off_s;
	/* int64 ns covers 1677-09-21 .. 2262-04-11. */
	if (secs > INT64_MAX / NK_NS_PER_SEC - 1 ||
	    secs < INT64_MIN / NK_NS_PER_SEC + 1)
		return -1;
	*real_ns = secs * NK_NS_PER_SEC + frac_ns;
	return 0;
}
