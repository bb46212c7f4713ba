/* clock: monotonic nanoseconds for measuring, UTC wall time for reporting. */
#ifndef NK_CLOCK_H
#define NK_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NK_NS_PER_SEC INT64_C(1000000000)
#define NK_NS_PER_MS INT64_C(1000000)
#define NK_NS_PER_US INT64_C(1000)

/* CLOCK_MONOTONIC in ns: for intervals, deadlines, schedules. */
int64_t nk_clock_mono_ns(void);

/* CLOCK_REALTIME in ns since the epoch: only for times people read. */
int64_t nk_clock_real_ns(void);

int64_t nk_timespec_to_ns(const struct timespec *ts);
struct timespec nk_ns_to_timespec(int64_t ns);

/*
 * Format a realtime stamp as RFC 3339 UTC with milliseconds,
 * "2026-11-23T03:12:09.412Z" (24 chars + NUL). The ms are truncated, not
 * rounded; stamps before 1970 work. Returns buf; on a too-small buffer
 * writes "" (if len > 0).
 */
#define NK_CLOCK_RFC3339_LEN 32
char *nk_clock_fmt_rfc3339(int64_t real_ns, char *buf, size_t len);

/*
 * Parse RFC 3339 date-time: the format above, also without the fraction or
 * with 1-9 fraction digits (kept to the ns, more are ignored), 't'/'z' in
 * lower case, or a numeric offset ("+00:00", "-05:00", applied). Dates are
 * validated (no Feb 30); the result must fit int64 ns (1677..2262).
 * 0, or -1 with *real_ns untouched.
 */
int nk_clock_parse_rfc3339(const char *s, int64_t *real_ns);

#endif
