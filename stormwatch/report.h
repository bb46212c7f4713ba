/*
 * report: stormwatch's outputs — JSON Lines events (--json), one log or
 * text line per event as it happens, the shell summary a person reads in
 * ten seconds, and the monitoring-plugin status line with perfdata.
 */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "alarm.h"
#include "detect.h"
#include "event.h"

struct sw_report {
	const struct nk_oui_db *oui; /* may be NULL: vendor unknown */
	struct nk_event_sink *sink;  /* --json, or NULL */
	FILE *lines;                 /* live text lines, or NULL */
};

/* The sw_hooks.event callback; ctx is a struct sw_report. */
void sw_report_event(void *ctx, const struct sw_event *ev);

/* What the run read, for the summary and capture_stats. */
struct sw_run {
	const char *source;     /* "file x.pcap" / "interface br0" */
	const char *read_error; /* NULL, or the one-line error */
	int64_t first_ns;
	int64_t last_ns;
	bool live;
	uint64_t k_recv;
	uint64_t k_drop;
	uint64_t k_ifdrop;
	uint64_t evidence_frames;
	const char *evidence_path;
	bool no_mac_link; /* raw IP link: no MACs in this capture */
	bool done;        /* the input ended (the view waits for 'q') */
};

/* The overall state: storm, broadcast rate, read errors (UNKNOWN). */
enum nk_state sw_report_state(
    const struct sw_detect *d, const struct sw_run *run);

/* capture_stats event. */
void sw_report_capture_stats(struct sw_report *r, const struct sw_detect *d,
    const struct sw_run *run, int64_t now_ns);

/* The shell summary. */
void sw_report_summary(FILE *out, const struct sw_report *r,
    const struct sw_detect *d, const struct sw_run *run);

/* One line: "STORMWATCH STATE - text | perfdata". */
void sw_report_plugin(FILE *out, const struct sw_report *r,
    const struct sw_detect *d, const struct sw_run *run,
    const struct sw_config *cfg);

/* The vendor of a MAC or "?" (unknown) / "-" (no MAC). */
const char *sw_report_vendor(
    const struct sw_report *r, bool has_mac, const struct nk_mac *mac);

/* Offenders sorted by role then copies/frames (indices into sources). */
size_t sw_report_offenders(const struct sw_detect *d, size_t *idx, size_t n);

#endif
