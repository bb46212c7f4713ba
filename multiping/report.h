/*
 * report: what multiping tells people and machines. JSON Lines events
 * (lib/event, docs/events.md), the ping-like shell lines with an
 * inline RTT bar, and the plugin status line with per-target perfdata and
 * exit code (-n, -w RTT,LOSS% -c RTT,LOSS% as check_icmp takes them).
 */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "alarm.h"
#include "correlate.h"
#include "err.h"
#include "stats.h"

struct mp_engine;
struct mp_ui;

#define MP_REPORT_CORR_LINES 8

struct mp_report {
	struct nk_event_sink *sink; /* --json; NULL otherwise */
	FILE *out;                  /* stdout */
	bool plain;                 /* shell lines */
	bool plugin;                /* final status line (-n) */
	bool probes;                /* per-probe JSON events */
	bool utf8;                  /* bar glyphs */
	struct nk_threshold rtt_th; /* ms */
	struct nk_threshold loss_th; /* % */
	struct mp_ui *ui;           /* ncurses face, NULL if none */
	char corr[MP_REPORT_CORR_LINES][512]; /* newest last, for the UI */
	size_t n_corr;
	uint64_t n_corr_events;
	uint64_t n_seq_alarms;
};

/*
 * Thresholds as check_icmp takes them: "RTT,LOSS%" (e.g. "100,1%"); each
 * part a monitoring-plugin range; either may be empty. NULL = defaults
 * (-w 200,40% -c 500,80%, check_icmp's). -1 with err naming the option.
 */
int mp_report_thresholds(struct mp_report *r, const char *warn,
    const char *crit, struct nk_err *err);

void mp_report_start(struct mp_report *r, const struct mp_engine *e);
void mp_report_probe(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint32_t seq, enum mp_slot_state st, int64_t rtt_ns,
    uint8_t ttl, bool dup);
void mp_report_run_start(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint32_t first_seq, uint32_t len);
void mp_report_run_end(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint32_t first_seq, uint32_t len);
void mp_report_icmp_error(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint32_t seq, int family, uint8_t type, uint8_t code,
    const struct nk_addr *router);
void mp_report_unexpected(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint32_t seq, const struct nk_addr *from);
void mp_report_ttl_change(struct mp_report *r, const struct mp_engine *e,
    size_t t, uint8_t old_ttl, uint8_t new_ttl);
/* A host name now resolves elsewhere (--resolve-every); t has moved. */
void mp_report_address_change(struct mp_report *r, const struct mp_engine *e,
    size_t t, const struct nk_addr *old);
void mp_report_corr(struct mp_report *r, const struct mp_engine *e,
    const struct mp_corr_set *set, const struct mp_corr_expl *x);
/* Per-target summaries (JSON), periodic or final. */
void mp_report_summary(struct mp_report *r, const struct mp_engine *e,
    bool final);
/* The end: shell summaries, plugin line, "end" event. Exit code. */
int mp_report_finish(struct mp_report *r, const struct mp_engine *e);

/* The state of one target against the thresholds (plugin, summary). */
enum nk_state mp_report_target_state(const struct mp_report *r,
    const struct mp_stats *st, double occ_pct);

/* An RTT bar of `cells` width into buf: value/scale in eighths. */
char *mp_report_bar(char *buf, size_t len, double value, double scale,
    unsigned cells, bool utf8);

#endif
