/*
 * targets: the list of addresses multiping probes, from arguments, a file
 * (-f FILE or - for stdin), ranges (-g) and the config's groups. Duplicates
 * are dropped (and counted) through a hash of the addresses, which also
 * maps a reply's or an error's address back to its target.
 */
#ifndef MP_TARGETS_H
#define MP_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "correlate.h"
#include "err.h"
#include "stats.h"

/* Two sockets serve every target, so the fd limit does not bound this;
 * memory and the 32-bit target index in the payload would allow more. */
#define MP_MAX_TARGETS 65536u

/*
 * Per-target probe settings (issue 8: "per target: interval, timeout,
 * payload size, TTL, DSCP"). A field counts only when its MP_SET_ bit is
 * in `set`. The value a target uses is its own (a "key=value" after its
 * spec), else its group's ([group] keys), else the command line's.
 */
enum {
	MP_SET_INTERVAL = 1u << 0,
	MP_SET_TIMEOUT = 1u << 1,
	MP_SET_SIZE = 1u << 2,
	MP_SET_TTL = 1u << 3,
	MP_SET_DSCP = 1u << 4,
};

struct mp_tset {
	unsigned set;         /* MP_SET_ bits */
	int64_t interval_ns;  /* interval=SECONDS */
	int64_t timeout_ns;   /* timeout=SECONDS */
	uint32_t payload_bytes; /* size=BYTES */
	int ttl;              /* ttl=1..255; 0 = the kernel's default */
	int dscp;             /* dscp=0..63; -1 = the socket's default */
};

/*
 * One setting: "interval=0.5", "timeout=2s", "size=1200", "ttl=32",
 * "dscp=46" into s (its bit set). 1 when tok has no '=' (not a setting:
 * a label word); -1 with err for an unknown key or a bad value.
 */
int mp_tset_parse(struct mp_tset *s, const char *tok, struct nk_err *err);
/* The fields set in src replace those of dst. */
void mp_tset_merge(struct mp_tset *dst, const struct mp_tset *src);
/* "interval=0.5 ttl=32" of the set fields (for messages and tests). */
char *mp_tset_fmt(const struct mp_tset *s, char *buf, size_t len);

struct mp_target {
	struct nk_addr addr;
	char name[NK_ADDR_STRLEN]; /* the address as text */
	char label[64];            /* host name or file label, "" if none */
	char *host;                /* the host name it was resolved from
				    * (owned), NULL for an address */
	long group;                /* topology group, -1 if none */
	struct mp_tset own;        /* its own settings */
	struct mp_tset grp;        /* its group's */
	/* effective settings (mp_targets_resolve) */
	int64_t interval_ns, timeout_ns;
	uint32_t payload_bytes;
	int16_t ttl, dscp;
	int64_t phase_ns;          /* its sends: start + phase + k * interval */
	struct mp_stats st;
};

struct mp_targets {
	struct mp_target *v; /* owned */
	size_t n, cap;
	uint32_t *ht;        /* open addressing: index + 1, 0 = free */
	size_t ht_cap;
	size_t n_dups;       /* duplicates dropped */
	char first_dup[NK_ADDR_STRLEN];
};

void mp_targets_init(struct mp_targets *ts);
void mp_targets_fini(struct mp_targets *ts);

/* Add one address; *idx gets its index (the old one for a duplicate).
 * set (may be NULL): its own settings, merged over earlier ones of a
 * duplicate. -1 with err when the list is full or memory runs out. */
int mp_targets_add(struct mp_targets *ts, const struct nk_addr *a,
    const char *label, const struct mp_tset *set, size_t *idx,
    struct nk_err *err);
/* Fill every target's effective settings: own, else group, else
 * global (whose fields must all be meaningful; its `set` is ignored). */
void mp_targets_resolve(struct mp_targets *ts, const struct mp_tset *global);
/* Move target i to address a (a re-resolved host name): the hash follows.
 * -1 when a is already another target's (nothing changes). */
int mp_targets_readdress(struct mp_targets *ts, size_t i,
    const struct nk_addr *a);
/* Index of an address, or -1. */
long mp_targets_find(const struct mp_targets *ts, const struct nk_addr *a);

/*
 * One target spec: an address, a range ("10.1.2.0/24", "10.1.2.5-20"), or
 * a host name (getaddrinfo; the first address; unknown host is an error).
 * force_range: -g (the spec must be a range or address). Each address it
 * yields is added; when out is not NULL its index is appended there.
 * -1 with err naming the spec.
 */
struct mp_idxv {
	size_t *v; /* owned */
	size_t n, cap;
};
int mp_targets_add_spec(struct mp_targets *ts, const char *spec,
    const char *label, const struct mp_tset *set, bool force_range,
    struct mp_idxv *out, struct nk_err *err);

/*
 * "SPEC [key=value...] [LABEL...]": the spec, its settings (any word
 * with '=' is one; mp_tset_parse), the other words joined as the label.
 * Used for target-file lines and for member/upstream/target values in
 * the config. -1 with err naming the bad word.
 */
int mp_targets_add_line(struct mp_targets *ts, char *line,
    struct mp_idxv *out, struct nk_err *err);

/* A file (or "-" for stdin) of lines as mp_targets_add_line takes them,
 * '#' comments. A bad line fails with "FILE:LINE: cause". */
int mp_targets_load_file(struct mp_targets *ts, const char *path,
    struct nk_err *err);
int mp_targets_load_stream(struct mp_targets *ts, FILE *f, const char *name,
    struct nk_err *err);

/*
 * The topology from the config: sections [group NAME] with
 *   kind = tower            (a word for messages; default "group")
 *   upstream = ADDR|HOST [key=value...]  (repeatable: the router(s) in
 *                           front of it)
 *   member = SPEC [key=value...]  (repeatable: addresses, ranges, hosts)
 *   interval, timeout, size, ttl, dscp = V  (defaults for its upstreams
 *                           and members)
 * and [multiping] with
 *   target = SPEC [key=value...] [LABEL...]  (repeatable, no group)
 * Every upstream, member and target is added. Unknown keys and sections
 * fail with "FILE:LINE: cause".
 */
struct nk_config;
int mp_targets_load_topo(struct mp_targets *ts, const struct nk_config *cfg,
    struct mp_topo *topo, struct nk_err *err);

#endif
