/* correlate: targets that lose replies in the same rounds. */
#include "correlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORR_MAX_WINDOW 4096u
#define CORR_MAX_POOL 2048u /* pairwise work per round is bounded by this */

struct corr_target {
	uint32_t ep_first, ep_last;
	bool open; /* an episode not yet reported or expired */
};

struct mp_corr {
	size_t n;
	unsigned words; /* uint64 per target */
	unsigned window;
	unsigned min_shared;
	double min_sim;
	uint64_t *bits; /* n * words */
	struct corr_target *t;
	size_t *open; /* targets with an open episode */
	size_t n_open;
	size_t *pool, *parent, *members;
	unsigned *link_shared;
	double *link_sim;
};

struct mp_corr *
mp_corr_new(size_t n_targets, unsigned window_rounds, unsigned min_shared,
    double min_sim)
{
	struct mp_corr *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (window_rounds > CORR_MAX_WINDOW)
		window_rounds = CORR_MAX_WINDOW;
	c->words = (window_rounds + 63) / 64;
	if (c->words == 0)
		c->words = 1;
	c->window = c->words * 64;
	c->n = n_targets;
	c->min_shared = min_shared < 1 ? 1 : min_shared;
	c->min_sim = min_sim;
	c->bits = calloc(n_targets ? n_targets * c->words : 1, sizeof(uint64_t));
	c->t = calloc(n_targets ? n_targets : 1, sizeof(*c->t));
	c->open = calloc(n_targets ? n_targets : 1, sizeof(size_t));
	c->pool = calloc(CORR_MAX_POOL, sizeof(size_t));
	c->parent = calloc(CORR_MAX_POOL, sizeof(size_t));
	c->members = calloc(CORR_MAX_POOL, sizeof(size_t));
	c->link_shared = calloc(CORR_MAX_POOL, sizeof(unsigned));
	c->link_sim = calloc(CORR_MAX_POOL, sizeof(double));
	if (c->bits == NULL || c->t == NULL || c->open == NULL ||
	    c->pool == NULL || c->parent == NULL || c->members == NULL ||
	    c->link_shared == NULL || c->link_sim == NULL) {
		mp_corr_free(c);
		return NULL;
	}
	return c;
}

void
mp_corr_free(struct mp_corr *c)
{
	if (c == NULL)
		return;
	free(c->bits);
	free(c->t);
	free(c->open);
	free(c->pool);
	free(c->parent);
	free(c->members);
	free(c->link_shared);
	free(c->link_sim);
	free(c);
}

static uint64_t *
row(const struct mp_corr *c, size_t t)
{
	return c->bits + t * c->words;
}

void
mp_corr_record(struct mp_corr *c, size_t t, uint32_t r, bool lost)
{
	if (t >= c->n)
		return;
	unsigned pos = r % c->window;
	uint64_t *w = &row(c, t)[pos / 64];
	uint64_t bit = UINT64_C(1) << (pos % 64);
	struct corr_target *ct = &c->t[t];

	if (!lost) {
		*w &= ~bit;
		return;
	}
	*w |= bit;
	if (!ct->open) {
		ct->open = true;
		ct->ep_first = r;
		c->open[c->n_open++] = t;
	}
	ct->ep_last = r;
}

unsigned
mp_corr_lost_in(const struct mp_corr *c, size_t t, uint32_t first,
    uint32_t last)
{
	unsigned n = 0;

	if (t >= c->n || last < first)
		return 0;
	if (last - first >= c->window)
		first = last - c->window + 1;
	for (uint32_t r = first;; r++) {
		unsigned pos = r % c->window;
		if (row(c, t)[pos / 64] >> (pos % 64) & 1)
			n++;
		if (r == last)
			break;
	}
	return n;
}

/*
 * Loss moments are episodes (runs of lost rounds), not rounds: a burst of
 * four lost rounds is one moment, so a target with one long outage does
 * not look like it shares "four" moments with a group. Bit arrays are the
 * ring as a circle (bit 0 follows bit window-1 in time).
 */
#define CORR_MAX_WORDS (CORR_MAX_WINDOW / 64)

static void
shift_up(const uint64_t *x, uint64_t *out, unsigned words)
{
	for (unsigned j = 0; j < words; j++)
		out[j] = x[j] << 1 | x[(j + words - 1) % words] >> 63;
}

static void
shift_down(const uint64_t *x, uint64_t *out, unsigned words)
{
	for (unsigned j = 0; j < words; j++)
		out[j] = x[j] >> 1 | x[(j + 1) % words] << 63;
}

/* Runs (episodes) in x. */
static unsigned
count_runs(const uint64_t *x, unsigned words)
{
	uint64_t up[CORR_MAX_WORDS];
	unsigned n = 0;

	shift_up(x, up, words);
	for (unsigned j = 0; j < words; j++)
		n += (unsigned)__builtin_popcountll(x[j] & ~up[j]);
	return n;
}

/* Runs of a that have a loss of b within +-1 round. */
static unsigned
runs_touching(const uint64_t *a, const uint64_t *b, unsigned words)
{
	uint64_t r[CORR_MAX_WORDS], up[CORR_MAX_WORDS], dn[CORR_MAX_WORDS];

	shift_up(b, up, words);
	shift_down(b, dn, words);
	for (unsigned j = 0; j < words; j++)
		r[j] = a[j] & (b[j] | up[j] | dn[j]);
	/* grow r inside a until whole runs are covered (bounded) */
	for (int it = 0; it < 64; it++) {
		bool grew = false;
		shift_up(r, up, words);
		shift_down(r, dn, words);
		for (unsigned j = 0; j < words; j++) {
			uint64_t v = r[j] | ((up[j] | dn[j]) & a[j]);
			grew |= v != r[j];
			r[j] = v;
		}
		if (!grew)
			break;
	}
	return count_runs(r, words);
}

static unsigned
count_bits(const uint64_t *x, unsigned words)
{
	unsigned n = 0;

	for (unsigned j = 0; j < words; j++)
		n += (unsigned)__builtin_popcountll(x[j]);
	return n;
}

/* Lost rounds of a that have a loss of b within +-1 round. */
static unsigned
rounds_touching(const uint64_t *a, const uint64_t *b, unsigned words)
{
	uint64_t up[CORR_MAX_WORDS], dn[CORR_MAX_WORDS];
	unsigned n = 0;

	shift_up(b, up, words);
	shift_down(b, dn, words);
	for (unsigned j = 0; j < words; j++)
		n += (unsigned)__builtin_popcountll(a[j] & (b[j] | up[j] | dn[j]));
	return n;
}

/*
 * Two measures, the weaker counts. Episodes: how many loss moments the
 * two share. Rounds: how much of each one's lost time lies next to the
 * other's. The second keeps out a target with random drops when the
 * shared path is down often: with an outage 2 rounds in every 5, a +-1
 * round tolerance covers 4 rounds in 5, so random drops "touch" nearly
 * every episode, but cover only a sliver of the group's lost rounds.
 */
static void
similarity(const struct mp_corr *c, size_t x, size_t y, unsigned *shared,
    double *sim)
{
	const uint64_t *a = row(c, x), *b = row(c, y);
	unsigned na = count_runs(a, c->words), nb = count_runs(b, c->words);
	unsigned sab = runs_touching(a, b, c->words);
	unsigned sba = runs_touching(b, a, c->words);

	*shared = sab < sba ? sab : sba;
	unsigned mx = na > nb ? na : nb;
	double episodes = mx ? (double)*shared / mx : 0;

	unsigned pa = count_bits(a, c->words), pb = count_bits(b, c->words);
	double cov_a = pa ? (double)rounds_touching(a, b, c->words) / pa : 0;
	double cov_b = pb ? (double)rounds_touching(b, a, c->words) / pb : 0;
	double rounds = cov_a < cov_b ? cov_a : cov_b;

	*sim = episodes < rounds ? episodes : rounds;
}

static size_t
uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

void
mp_corr_close_round(struct mp_corr *c, uint32_t r, mp_corr_cb cb, void *ctx)
{
	size_t np = 0, kept = 0;
	bool anchor = false;

	/*
	 * An episode closes after two answered rounds (the anchor). Its set
	 * may hold targets one round off either way (their send phase put the
	 * same outage into the next round): the pool takes every unreported
	 * episode that ended 1 to 3 rounds ago.
	 */
	for (size_t i = 0; i < c->n_open; i++) {
		size_t t = c->open[i];
		struct corr_target *ct = &c->t[t];
		if ((uint64_t)ct->ep_last + 3 < r) {
			ct->open = false; /* nobody lost with it: expired */
			continue;
		}
		c->open[kept++] = t;
		if ((uint64_t)ct->ep_last + 1 <= r && np < CORR_MAX_POOL) {
			c->pool[np++] = t;
			if ((uint64_t)ct->ep_last + 2 == r)
				anchor = true;
		}
	}
	c->n_open = kept;
	if (!anchor || np < 2)
		return;
	for (size_t i = 0; i < np; i++) {
		c->parent[i] = i;
		c->link_shared[i] = ~0u;
		c->link_sim[i] = 2;
	}
	for (size_t i = 0; i < np; i++) {
		for (size_t j = i + 1; j < np; j++) {
			unsigned sh;
			double sim;
			similarity(c, c->pool[i], c->pool[j], &sh, &sim);
			if (sh < c->min_shared || sim < c->min_sim)
				continue;
			size_t ri = uf_find(c->parent, i);
			size_t rj = uf_find(c->parent, j);
			size_t root = ri < rj ? ri : rj;
			unsigned msh = c->link_shared[ri] < c->link_shared[rj] ?
			    c->link_shared[ri] : c->link_shared[rj];
			double msim = c->link_sim[ri] < c->link_sim[rj] ?
			    c->link_sim[ri] : c->link_sim[rj];
			c->parent[ri] = root;
			c->parent[rj] = root;
			c->link_shared[root] = msh < sh ? msh : sh;
			c->link_sim[root] = msim < sim ? msim : sim;
		}
	}
	for (size_t i = 0; i < np; i++) {
		if (uf_find(c->parent, i) != i)
			continue;
		size_t nm = 0;
		bool has_anchor = false;
		struct mp_corr_set set;
		memset(&set, 0, sizeof(set));
		set.first_round = UINT32_MAX;
		for (size_t j = i; j < np; j++) {
			if (uf_find(c->parent, j) != i)
				continue;
			const struct corr_target *ct = &c->t[c->pool[j]];
			c->members[nm++] = c->pool[j];
			if ((uint64_t)ct->ep_last + 2 == r)
				has_anchor = true;
			if (ct->ep_first < set.first_round)
				set.first_round = ct->ep_first;
			if (ct->ep_last > set.last_round)
				set.last_round = ct->ep_last;
		}
		if (nm < 2 || !has_anchor)
			continue;
		qsort(c->members, nm, sizeof(size_t), cmp_size);
		set.targets = c->members;
		set.n = nm;
		set.shared = c->link_shared[i];
		set.similarity = c->link_sim[i];
		for (size_t j = 0; j < nm; j++)
			c->t[c->members[j]].open = false;
		cb(ctx, &set);
	}
	/* drop the reported ones from the open list */
	kept = 0;
	for (size_t i = 0; i < c->n_open; i++)
		if (c->t[c->open[i]].open)
			c->open[kept++] = c->open[i];
	c->n_open = kept;
}

/* ---- topology ---- */

void
mp_topo_fini(struct mp_topo *t)
{
	for (size_t i = 0; i < t->n_groups; i++) {
		free(t->groups[i].upstreams);
		free(t->groups[i].members);
	}
	free(t->groups);
	t->groups = NULL;
	t->n_groups = 0;
}

static bool
has(const size_t *v, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

long
mp_topo_group_of(const struct mp_topo *topo, size_t t)
{
	long best = -1;

	for (size_t g = 0; g < topo->n_groups; g++) {
		const struct mp_topo_group *G = &topo->groups[g];
		if (has(G->members, G->n_members, t) &&
		    (best < 0 ||
			G->n_members < topo->groups[best].n_members))
			best = (long)g;
	}
	return best;
}

static const char *
kind_of(const struct mp_topo_group *g)
{
	return g->kind[0] ? g->kind : "group";
}

void
mp_corr_explain(const struct mp_corr *c, const struct mp_topo *topo,
    const struct mp_corr_set *set, const char *const *names,
    struct mp_corr_expl *out)
{
	char rounds[64];
	size_t best_k = 0;
	long best = -1;

	memset(out, 0, sizeof(*out));
	out->group = out->upstream = out->upstream_group = -1;
	if (set->first_round == set->last_round)
		snprintf(rounds, sizeof(rounds), "round %u", set->first_round);
	else
		snprintf(rounds, sizeof(rounds), "rounds %u\u2013%u",
		    set->first_round, set->last_round);
	for (size_t g = 0; topo != NULL && g < topo->n_groups; g++) {
		const struct mp_topo_group *G = &topo->groups[g];
		size_t k = 0;
		for (size_t i = 0; i < set->n; i++)
			if (has(G->members, G->n_members, set->targets[i]))
				k++;
		if (k > best_k ||
		    (k == best_k && k > 0 &&
			G->n_members < topo->groups[best].n_members)) {
			best_k = k;
			best = (long)g;
		}
	}
	if (best < 0) {
		size_t len = (size_t)snprintf(out->text, sizeof(out->text),
		    "%zu targets lost the same %s (", set->n, rounds);
		for (size_t i = 0; i < set->n && len < sizeof(out->text); i++)
			len += (size_t)snprintf(out->text + len,
			    sizeof(out->text) - len, "%s%s", i ? " " : "",
			    names[set->targets[i]]);
		if (len < sizeof(out->text))
			snprintf(out->text + len, sizeof(out->text) - len,
			    "): suspect a hop they share");
		return;
	}
	const struct mp_topo_group *G = &topo->groups[best];
	out->group = best;
	out->n_in_group = best_k;
	int len = snprintf(out->text, sizeof(out->text),
	    "%zu of %zu targets behind %s %s lost %s", best_k, G->n_members,
	    kind_of(G), G->name, rounds);
	size_t rest = len > 0 && (size_t)len < sizeof(out->text) ?
	    sizeof(out->text) - (size_t)len : 0;
	char *p = out->text + (sizeof(out->text) - rest);

	if (G->n_upstreams == 0) {
		if (rest)
			snprintf(p, rest, "; no upstream of %s is monitored",
			    G->name);
		return;
	}
	/* Walk up: the group's upstream, else the upstream of the group that
	 * holds that upstream as a member, and so on (bounded by n_groups). */
	long g = best;
	const char *first_silent = NULL;
	for (size_t step = 0; g >= 0 && step <= topo->n_groups; step++) {
		const struct mp_topo_group *H = &topo->groups[g];
		for (size_t u = 0; u < H->n_upstreams; u++) {
			size_t ut = H->upstreams[u];
			if (mp_corr_lost_in(c, ut, set->first_round,
				set->last_round) == 0) {
				out->upstream = (long)ut;
				out->upstream_group = g;
				break;
			}
			if (first_silent == NULL)
				first_silent = names[ut];
		}
		if (out->upstream >= 0 || H->n_upstreams == 0)
			break;
		long next = mp_topo_group_of(topo, H->upstreams[0]);
		g = next == g ? -1 : next;
	}
	out->upstream_lost = out->upstream_group != best;
	if (rest == 0)
		return;
	if (out->upstream >= 0 && out->upstream_group == best)
		snprintf(p, rest, "; the %s router %s answered: suspect the "
		    "segment or VLAN behind it", kind_of(G),
		    names[out->upstream]);
	else if (out->upstream >= 0)
		snprintf(p, rest, "; %s lost them too, %s answered: suspect "
		    "%s or the link to it", first_silent ? first_silent : "?",
		    names[out->upstream], first_silent ? first_silent : "?");
	else
		snprintf(p, rest, "; no upstream answered either (%s): suspect "
		    "the path towards %s", first_silent ? first_silent : "?",
		    G->name);
}
