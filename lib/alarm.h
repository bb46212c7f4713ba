/*
 * alarm: monitoring-plugin states, threshold ranges, hysteresis, status
 * line with perfdata.
 *
 * Ranges follow the Monitoring Plugins development guidelines:
 *   "10"     alert if < 0 or > 10         "10:"   alert if < 10
 *   "~:10"   alert if > 10                 "10:20" alert if < 10 or > 20
 *   "@10:20" alert if >= 10 and <= 20 (inside)
 * Bounds are inclusive: "10:20" does not alert on 10 or 20. A missing
 * start is 0 (":5" is "0:5"); "~:" never alerts, "@~:" always. Numbers are
 * plain decimals ("1.5", "-3", "2e3"; no hex, inf, nan or spaces).
 */
#ifndef NK_ALARM_H
#define NK_ALARM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum nk_state {
	NK_STATE_OK = 0,
	NK_STATE_WARNING = 1,
	NK_STATE_CRITICAL = 2,
	NK_STATE_UNKNOWN = 3,
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN" (also for values outside the enum). */
const char *nk_state_name(enum nk_state st);

/* The worse of two: CRITICAL > WARNING > UNKNOWN > OK. */
enum nk_state nk_state_worst(enum nk_state a, enum nk_state b);

struct nk_range {
	double start, end;
	bool start_inf; /* "~:" */
	bool end_inf;   /* "N:" */
	bool inside;    /* "@" */
	bool set;       /* false: never alerts */
};

/*
 * 0, or -1 with err "range '20:10': start 20 > end 10" (also empty, not a
 * number). *out is set only on success.
 */
int nk_range_parse(const char *s, struct nk_range *out, struct nk_err *err);
/* False when not set or value is NaN. */
bool nk_range_alerts(const struct nk_range *r, double value);
/*
 * Back to text for perfdata ("" when not set or it does not fit): the
 * shortest equivalent form ("0:10" is "10"), numbers without exponent.
 */
char *nk_range_fmt(const struct nk_range *r, char *buf, size_t len);

struct nk_threshold {
	struct nk_range warn;
	struct nk_range crit;
};

/*
 * Either string may be NULL (not set). Errors are prefixed with "warning"
 * or "critical": "warning: range 'x': not a number".
 */
int nk_threshold_parse(const char *warn, const char *crit,
    struct nk_threshold *out, struct nk_err *err);
/* CRITICAL if crit alerts, else WARNING if warn does, else OK; NaN: UNKNOWN. */
enum nk_state nk_threshold_eval(const struct nk_threshold *th, double value);

/*
 * Hysteresis: a raw state must be seen `raise_after` times in a row to
 * raise (to a worse state), `clear_after` times in a row to clear (to a
 * better state), so a value that flaps around a threshold does not spam.
 * "In a row" counts every sample on the same side of the reported state:
 * from OK, WARNING CRITICAL CRITICAL (raise_after 3) raises to WARNING, the
 * mildest state of the run; from CRITICAL, OK WARNING OK (clear_after 3)
 * clears to WARNING, the worst of the run. A sample equal to the reported
 * state, or on its other side, restarts the count. "Worse" is the
 * nk_state_worst() order. 0 for either count means 1. Starts at OK.
 */
struct nk_alarm {
	enum nk_state state;     /* the reported state */
	enum nk_state candidate; /* the raw state being counted */
	unsigned n_seen;
	unsigned raise_after;
	unsigned clear_after;
};

void nk_alarm_init(struct nk_alarm *a, unsigned raise_after,
    unsigned clear_after);
/* Feed one raw state; true when the reported state changed. */
bool nk_alarm_update(struct nk_alarm *a, enum nk_state raw);

/*
 * One perfdata item: 'label'=value[uom];warn;crit;min;max. min/max are
 * left out when NAN, warn/crit when th is NULL or unset, and trailing empty
 * fields are dropped ("rtt=0.5ms", "loss=0%;10;50;0;100", "x=1;;;0").
 * The label is in single quotes when it has a space, '=' or '\'' (doubled
 * inside, as the guidelines say); control bytes become '_'. A non-finite
 * value is "U" (no uom). Items after the first get a leading space.
 * Appends to buf (NUL-terminated, bounded); returns 0, or -1 when it did
 * not fit, leaving buf unchanged.
 */
int nk_perf_append(char *buf, size_t len, const char *label, double value,
    const char *uom, const struct nk_threshold *th, double min, double max);

/*
 * The plugin status line "SERVICE STATE - text | perfdata" (no newline;
 * " | perfdata" only when perf is non-empty; "STATE - text" when service is
 * NULL or ""). In text, '|' becomes '/' and CR/LF spaces. When the line
 * does not fit, perfdata is dropped first, then the text is cut.
 */
char *nk_plugin_line(char *buf, size_t len, const char *service,
    enum nk_state st, const char *text, const char *perf);

/* Exit code for a state: 0/1/2/3 (3 for a value outside the enum). */
int nk_state_exit_code(enum nk_state st);

#endif
