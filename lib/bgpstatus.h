/*
 * bgpstatus: the status file of `bgpwatch collect` (docs/events.md,
 * "status file"): one JSON object with the time it was written, every
 * session (state, since when, prefixes received, last reason), every
 * watched prefix with its state per upstream, and the open alarms. The
 * collector formats it, `bgpwatch status` (a monitoring plugin) and tests
 * parse it. No I/O here: bytes in, bytes out.
 */
#ifndef NK_BGPSTATUS_H
#define NK_BGPSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "event.h"

#define NK_BGPSTATUS_FORMAT "bgpwatch-status"
#define NK_BGPSTATUS_VERSION 1
#define NK_BGPSTATUS_MAX_SESS 64
#define NK_BGPSTATUS_MAX_UP 64
#define NK_BGPSTATUS_MAX_PREFIX 1024
#define NK_BGPSTATUS_MAX_ALARM 256
#define NK_BGPSTATUS_NAME_MAX 48
/* a file this big is not ours: 1024 prefixes x 64 upstreams fit in 8 MiB */
#define NK_BGPSTATUS_MAX_BYTES (16u << 20)

/* A watched prefix as seen from one upstream. */
enum nk_bgpstatus_reach {
	NK_BGPSTATUS_NONE = 0,  /* never announced it ("none") */
	NK_BGPSTATUS_VIA,       /* announces it now ("announced") */
	NK_BGPSTATUS_WITHDRAWN, /* announced it, then withdrew ("withdrawn") */
};

struct nk_bgpstatus_sess {
	char name[NK_BGPSTATUS_NAME_MAX];
	char addr[64];
	uint32_t asn;
	char state[16];    /* FSM state (RFC 4271 §8.2.2 names) */
	bool up;           /* Established */
	int64_t since_ns;  /* realtime of the last up/down; 0 unknown */
	uint64_t prefixes; /* routes held from this peer */
	uint64_t updates;  /* UPDATE messages received */
	char reason[256];  /* why it last went down or failed, "" none */
};

struct nk_bgpstatus_prefix {
	char prefix[64];
	bool reachable; /* at least one upstream announces it */
	/* indexed like nk_bgpstatus.upstream[] */
	uint8_t up_state[NK_BGPSTATUS_MAX_UP];    /* enum nk_bgpstatus_reach */
	int64_t up_since_ns[NK_BGPSTATUS_MAX_UP]; /* 0 unknown */
};

struct nk_bgpstatus_alarm {
	enum nk_severity sev; /* warning or critical */
	char kind[32];        /* session_down, unreachable, withdrawn */
	char object[64];      /* the session name or the prefix */
	char detail[256];
	int64_t since_ns; /* 0 unknown */
};

struct nk_bgpstatus {
	int64_t time_ns; /* realtime when written */
	/* why the collector stopped, "" while it runs: set in the last
	 * write of a clean shutdown ("signal 15 (Terminated)") */
	char stopped[128];
	char upstream[NK_BGPSTATUS_MAX_UP][NK_BGPSTATUS_NAME_MAX];
	size_t n_up;
	struct nk_bgpstatus_sess sess[NK_BGPSTATUS_MAX_SESS];
	size_t n_sess;
	struct nk_bgpstatus_prefix prefix[NK_BGPSTATUS_MAX_PREFIX];
	size_t n_prefix;
	struct nk_bgpstatus_alarm alarm[NK_BGPSTATUS_MAX_ALARM];
	size_t n_alarm;
};

struct nk_bgpstatus_counts {
	unsigned sessions_up, sessions_down;
	unsigned prefixes_watched, prefixes_unreachable;
	/* reachable, but at least one upstream withdrew it */
	unsigned prefixes_withdrawn_somewhere;
	unsigned alarms_critical, alarms_warning;
};

/* "none", "announced", "withdrawn" ("?" outside the enum). */
const char *nk_bgpstatus_reach_name(unsigned r);

void nk_bgpstatus_count(
    const struct nk_bgpstatus *st, struct nk_bgpstatus_counts *c);

/*
 * The JSON text of st, one line with a newline, in *out (malloc'd, the
 * caller frees) and its length in *len. 0, or -1 with err (out of
 * memory); *out is set only on success.
 */
int nk_bgpstatus_fmt(
    const struct nk_bgpstatus *st, char **out, size_t *len, struct nk_err *err);

/*
 * Parse a status file's bytes into st (the caller's storage, about 700
 * KiB: allocate it). Needs "format", "version" 1, "time" (RFC 3339,
 * after 2000) and the arrays "sessions", "prefixes" and "alarms";
 * "upstreams", when present, holds distinct non-empty names (the keys of
 * each prefix's "upstreams"). Unknown keys are ignored, caps are
 * the NK_BGPSTATUS_MAX_* above. 0, or -1 with err naming the cause ("not
 * JSON: unexpected end of data", "sessions[2]: no \"name\"", "more than 64
 * sessions"); st is then partly filled and must not be used.
 */
int nk_bgpstatus_parse(const uint8_t *buf, size_t len, struct nk_bgpstatus *st,
    struct nk_err *err);

#endif
