/*
 * detect: stormwatch's engine. Fed one captured frame at a time (with its
 * capture timestamp), it finds the reflection-storm signature (an ICMP
 * echo to a unicast IP sent to a group/broadcast MAC), links every copy of
 * one echo (same id, seq and payload digest) to its originator, victim and
 * reflectors, runs the storm state machine, measures broadcast/multicast
 * rates overall and per source, and keeps a bounded offender table.
 * No I/O: what happens is reported through the callbacks in sw_hooks.
 * Rates are frames counted in fixed intervals of capture time, never a
 * count divided by an elapsed time (a capture may have one timestamp).
 */
#ifndef SW_DETECT_H
#define SW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alarm.h"
#include "frame.h"

#define SW_HISTORY 240 /* intervals kept for the rate strip */
#define SW_STORMS_KEPT 16
#define SW_LOCAL_MACS 8
#define SW_LOCAL_IPS 16
#define SW_TOP_SOURCES 5 /* busiest sources in a broadcast_rate report */

struct sw_config {
	int64_t interval_ns;           /* rate interval (1 s) */
	double storm_start_pps;        /* copies per interval that start (20) */
	double storm_end_pps;          /* below this an interval is quiet (5) */
	unsigned storm_min_reflectors; /* distinct reflectors to start (2) */
	unsigned storm_clear_intervals; /* quiet intervals that end it (2) */
	struct nk_threshold bcast;      /* overall group-MAC frames/s */
	struct nk_threshold src_bcast;  /* one source's group-MAC frames/s */
	unsigned bcast_raise_intervals; /* hysteresis: intervals to raise (1) */
	unsigned bcast_clear_intervals; /* ... and to clear (3) */
	int64_t report_ns;    /* broadcast_rate report window (10 s; 0 = off) */
	uint32_t max_sources; /* offender/source table cap */
	uint32_t max_echoes;  /* tracked echoes cap */
	bool verify_l4;       /* verify TCP/UDP checksums (sampled) */
	bool verify_l4_all;   /* ... every one, not a sample */
	bool evidence;        /* call hooks.evidence for storm frames */
	size_t n_local_macs;  /* the capturing host's own MACs */
	struct nk_mac local_macs[SW_LOCAL_MACS];
	size_t n_local_ips; /* ... and its own IP addresses */
	struct nk_addr local_ips[SW_LOCAL_IPS];
};

/* Defaults as documented in stormwatch(1). */
void sw_config_defaults(struct sw_config *cfg);

enum sw_role {
	SW_ROLE_REFLECTOR = 1,  /* re-sent an echo it did not originate */
	SW_ROLE_ORIGINATOR = 2, /* sent the first frame of a reflected echo */
	SW_ROLE_BCAST = 4,      /* over the per-source broadcast threshold */
};

struct sw_source {
	struct nk_mac mac;
	bool has_mac;
	struct nk_addr ip; /* family 0 when the frame had no IP */
	uint16_t vlan;
	bool has_vlan;
	unsigned roles;        /* enum sw_role bits */
	uint64_t copies;       /* echo copies re-sent (reflector) */
	uint64_t group_frames; /* frames to a group/broadcast MAC */
	uint64_t bad_l4;       /* TCP/UDP checksum errors */
	uint64_t bad_icmp;
	uint64_t peak_bcast_pps;
	int64_t first_ns;
	int64_t last_ns;
	uint8_t ttl_min;
	uint8_t ttl_max;
	uint32_t n_originated; /* reflected echoes it originated */
	/* internal bookkeeping */
	uint32_t storm_id;
	uint64_t iv_no;
	uint64_t iv_bcast;
	uint64_t iv_refl_no;
	uint64_t w_no;     /* report window its w_ counters belong to */
	uint64_t w_frames; /* group frames in that window */
	uint64_t w_peak;   /* its busiest interval in that window */
};

struct sw_storm {
	uint32_t id; /* 1, 2, ... */
	bool active;
	struct nk_addr victim;
	/*
	 * The originator: the source of the first frame of the echo, unless
	 * that frame turns out to be a copy (capture started mid-storm):
	 * then originator_seen is false and originator is unset (family 0).
	 */
	bool originator_seen;
	struct nk_addr originator;
	struct nk_mac originator_mac;
	bool has_originator_mac;
	struct nk_addr first_src; /* source of the first frame seen */
	struct nk_mac dst_mac;
	bool has_dst_mac;
	uint16_t icmp_id;
	uint16_t icmp_seq;
	uint64_t first_frame_no; /* the first mangled frame (1-based) */
	int64_t first_ns;        /* its time */
	uint8_t first_ttl;
	enum nk_cksum first_cksum;
	int64_t start_ns; /* when the state machine raised it */
	int64_t last_ns;  /* last copy seen */
	int64_t end_ns;   /* when it was declared over (0 while active) */
	uint64_t copies;
	unsigned n_reflectors;
	unsigned n_new_reflectors; /* since the last update */
	unsigned n_echoes;         /* distinct reflected echoes during it */
	uint64_t peak_pps;
	uint64_t iv_copies; /* copies in the interval just closed */
	uint8_t ttl_min;
	uint8_t ttl_max;
	unsigned quiet;
};

enum sw_ev_type {
	SW_EV_STORM_START,
	SW_EV_STORM_UPDATE,
	SW_EV_STORM_END,
	SW_EV_OFFENDER,
	SW_EV_BCAST_RATE,
};

/* Why a broadcast_rate event was sent. */
enum sw_rate_reason {
	SW_RATE_CHANGE = 0, /* the alarm state changed (one interval) */
	SW_RATE_INTERVAL,   /* the report window (cfg.report_ns) closed */
	SW_RATE_END,        /* end of input: the last, partial window */
};

struct sw_event {
	enum sw_ev_type type;
	int64_t ts_ns;                  /* capture time (realtime) */
	const struct sw_storm *storm;   /* storm events, offender */
	const struct sw_source *source; /* offender; bcast: top source */
	bool final;                     /* offender: figures at storm end */
	uint64_t pps;                   /* bcast change: the interval's */
	uint64_t src_pps;               /* bcast change: the top source's */
	enum nk_state state;            /* bcast: alarm state */
	/* bcast: the window reported (a change: the one interval) */
	enum sw_rate_reason reason;
	int64_t window_ns; /* capture time covered, whole intervals */
	uint64_t frames;   /* group-MAC frames in it */
	uint64_t peak_pps; /* its busiest interval */
	size_t n_top;      /* interval/end: busiest sources, busiest first */
	const struct sw_source *top[SW_TOP_SOURCES];
};

struct sw_hooks {
	void (*event)(void *ctx, const struct sw_event *ev);
	/* a frame that belongs to a reflected echo, for --evidence */
	void (*evidence)(void *ctx, int64_t ts_ns, const uint8_t *buf,
	    uint32_t caplen, uint32_t len);
	void *ctx;
};

struct sw_interval {
	uint64_t bcast;  /* group-MAC frames */
	uint64_t bad;    /* frames with any bad checksum */
	uint64_t copies; /* reflected echo copies */
};

struct sw_counters {
	uint64_t frames;
	uint64_t bytes;
	uint64_t truncated;
	uint64_t malformed;
	uint64_t group_frames;
	uint64_t bad_ip;
	uint64_t bad_icmp;
	uint64_t bad_l4;
	uint64_t bad_l4_local; /* sent by the capturing host (offload) */
	uint64_t icmp_echo;
	uint64_t signature; /* echo to a unicast IP, group dst MAC */
	uint64_t mangled;   /* distinct echoes seen with the signature */
	uint64_t reflected; /* of those, re-sent by someone else */
	uint64_t copies;
	uint64_t arp;
	uint64_t dhcp;
	uint64_t no_mac; /* frames without MACs (raw IP, SLL w/o addr) */
	uint64_t sources_evicted;
	uint64_t echoes_evicted;
	uint64_t peak_bcast_pps;
	uint64_t peak_copies_pps;
	uint64_t storms;
};

struct sw_detect;

/* NULL on allocation failure. cfg is copied. */
struct sw_detect *sw_detect_new(
    const struct sw_config *cfg, const struct sw_hooks *hooks);
void sw_detect_free(struct sw_detect *d);

/*
 * Feed one record of link type dlt (the caller checked
 * nk_frame_link_supported). ts_ns is the capture stamp (realtime ns).
 */
void sw_detect_frame(struct sw_detect *d, int dlt, int64_t ts_ns,
    const uint8_t *buf, uint32_t caplen, uint32_t len);

/* Close intervals up to now_ns (live: a timer with no traffic). */
void sw_detect_tick(struct sw_detect *d, int64_t now_ns);

/* End of input: close the last interval and end an active storm. */
void sw_detect_finish(struct sw_detect *d);

const struct sw_counters *sw_detect_counters(const struct sw_detect *d);

/* The worst states seen: storm (CRITICAL if any), broadcast rate. */
enum nk_state sw_detect_state(const struct sw_detect *d);
enum nk_state sw_detect_bcast_state(const struct sw_detect *d);
/* The reported (current) broadcast alarm state, for the live view. */
enum nk_state sw_detect_bcast_now(const struct sw_detect *d);

/* Storms: the current one (or NULL), the last SW_STORMS_KEPT ones. */
const struct sw_storm *sw_detect_storm_active(const struct sw_detect *d);
size_t sw_detect_n_storms(const struct sw_detect *d);
const struct sw_storm *sw_detect_storm(const struct sw_detect *d, size_t i);

/* Sources: the table (offenders have roles != 0). */
size_t sw_detect_n_sources(const struct sw_detect *d);
const struct sw_source *sw_detect_source(const struct sw_detect *d, size_t i);

/* The busiest source over the whole run by group frames (NULL if none). */
const struct sw_source *sw_detect_top_bcast(const struct sw_detect *d);

/*
 * Offload: bad TCP/UDP checksums that all come from one source (or from
 * the capturing host's own MACs). Returns that source or NULL.
 */
bool sw_detect_offload_suspected(
    const struct sw_detect *d, const struct sw_source **who);

/* Echo ids seen with the signature but reflected by nobody. */
uint64_t sw_detect_lone_mangled(const struct sw_detect *d);

/* Rate history (oldest first), n <= SW_HISTORY. */
size_t sw_detect_history(
    const struct sw_detect *d, struct sw_interval *out, size_t n);

#endif
