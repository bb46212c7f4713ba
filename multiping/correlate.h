/*
 * correlate: loss at the same moments across targets (FIELD-NOTES §1).
 * Probes go out in rounds (seq k of every target is sent in round k), so a
 * loss has a round number. Per target a bit ring keeps the lost rounds of
 * the last `window` rounds; a target's loss episode closes after two
 * answered rounds. Targets whose episodes close together are grouped when
 * their loss moments are similar: a moment is an episode (a run of lost
 * rounds); two targets share one when it overlaps a loss of the other
 * within +-1 round (sends are spread over the interval, so one outage can
 * fall into neighbouring rounds). At least `min_shared` shared moments,
 * and at least `min_sim` of the moments of the target with more of them,
 * in both directions: two random drops never make a set, nor does a
 * target with its own frequent loss next to a flapping group. Each set is
 * one event.
 *
 * Topology (from the config): groups with upstreams and members. For a set
 * the group holding most of it is named with the deepest upstream that
 * still answered in those rounds.
 */
#ifndef MP_CORRELATE_H
#define MP_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mp_corr;

struct mp_corr_set {
	const size_t *targets; /* indices, ascending; borrowed for the callback */
	size_t n;
	uint32_t first_round, last_round;
	unsigned shared;       /* smallest shared-loss count of the links */
	double similarity;     /* smallest similarity of the links */
};

typedef void (*mp_corr_cb)(void *ctx, const struct mp_corr_set *set);

/* window_rounds is rounded up to a multiple of 64 (max 4096). NULL on
 * allocation failure. */
struct mp_corr *mp_corr_new(size_t n_targets, unsigned window_rounds,
    unsigned min_shared, double min_sim);
void mp_corr_free(struct mp_corr *c);

/* The outcome of target t in round r (call once per target per round,
 * rounds in order). */
void mp_corr_record(struct mp_corr *c, size_t t, uint32_t r, bool lost);
/* After every target's round r is recorded: find the sets that closed. */
void mp_corr_close_round(struct mp_corr *c, uint32_t r, mp_corr_cb cb,
    void *ctx);
/* Rounds lost by t within [first, last] (only those still in the window). */
unsigned mp_corr_lost_in(const struct mp_corr *c, size_t t, uint32_t first,
    uint32_t last);

/* ---- topology ---- */
struct mp_topo_group {
	char name[64];
	char kind[32];        /* "tower", "site"...; "" = "group" */
	size_t *upstreams;    /* target indices; owned */
	size_t n_upstreams;
	size_t *members;      /* owned */
	size_t n_members;
};

struct mp_topo {
	struct mp_topo_group *groups; /* owned */
	size_t n_groups;
};

void mp_topo_fini(struct mp_topo *t);
/* Index of the group t is a member of (the smallest), or -1. */
long mp_topo_group_of(const struct mp_topo *topo, size_t t);

struct mp_corr_expl {
	long group;          /* -1: no group covers the set */
	size_t n_in_group;   /* set members in that group */
	long upstream;       /* the deepest upstream that answered, or -1 */
	long upstream_group; /* the group whose upstream that is */
	bool upstream_lost;  /* the group's own upstream lost rounds too */
	char text[512];
};

/*
 * Explain a set: which group, which upstream answered; and a sentence
 * for people ("7 of 7 targets behind tower oak-harbor lost rounds
 * 812–815; the tower router 203.0.113.1 answered: suspect the segment or
 * VLAN behind it"). names[i] is target i's display name.
 */
void mp_corr_explain(const struct mp_corr *c, const struct mp_topo *topo,
    const struct mp_corr_set *set, const char *const *names,
    struct mp_corr_expl *out);

#endif
