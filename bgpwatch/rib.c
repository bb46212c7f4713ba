/* rib: interned attributes + hashed prefixes in tree order; see rib.h. */
#include "rib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "siphash.h"

/* ---- interning: open-addressing hash of blobs, ids index an array ----
 * A blob is a key (what makes two entries the same) followed by data
 * derived from it (computed once, when the key is first seen). */
struct blob {
	uint32_t hash;
	uint32_t refs; /* 0 = free slot */
	uint32_t len;  /* key + derived data */
	uint32_t klen;
	uint8_t *data;
};

struct intern {
	struct blob *ents; /* by id; id 0 unused */
	uint32_t n_ents, cap_ents;
	uint32_t *free_ids;
	uint32_t n_free, cap_free;
	/* hash << 32 | id; 0 empty, id UINT32_MAX tombstone. The hash in
	 * the slot spares a cache miss on ents[] per probe that differs. */
	uint64_t *slots;
	uint32_t n_slots, n_used;
	size_t bytes;
	/* Attribute bytes come from any AS on the Internet: a keyed hash,
	 * so no one can pick paths or communities that share a slot run. */
	uint8_t hkey[NK_SIPHASH_KEY_LEN];
};

#define TOMB UINT32_MAX
#define ISLOT_ID(s) ((uint32_t)(s))
#define ISLOT_HASH(s) ((uint32_t)((s) >> 32))

static uint32_t
hash_bytes(const uint8_t hkey[NK_SIPHASH_KEY_LEN], const uint8_t *p, size_t n)
{
	return (uint32_t)nk_siphash24(hkey, p, n) | 1u;
}

static int
intern_grow(struct intern *t)
{
	uint32_t nn = t->n_slots ? t->n_slots * 2 : 1024;
	uint64_t *ns = calloc(nn, sizeof(*ns));
	if (ns == NULL)
		return -1;
	for (uint32_t i = 0; i < t->n_slots; i++) {
		uint64_t s = t->slots[i];
		if (s == 0 || ISLOT_ID(s) == TOMB)
			continue;
		uint32_t j = ISLOT_HASH(s) & (nn - 1);
		while (ns[j] != 0)
			j = (j + 1) & (nn - 1);
		ns[j] = s;
	}
	t->bytes += (size_t)(nn - t->n_slots) * sizeof(*ns);
	free(t->slots);
	t->slots = ns;
	t->n_slots = nn;
	t->n_used = 0;
	for (uint32_t i = 0; i < nn; i++)
		if (ns[i] != 0)
			t->n_used++;
	return 0;
}

/* The id of key (taking a reference), or 0; *hash is set for intern_add. */
static uint32_t
intern_find(struct intern *t, const uint8_t *key, size_t klen, uint32_t *hash)
{
	uint32_t h = hash_bytes(t->hkey, key, klen);

	*hash = h;
	if (t->n_slots == 0)
		return 0;
	uint32_t mask = t->n_slots - 1;
	for (uint32_t j = h & mask;; j = (j + 1) & mask) {
		uint64_t s = t->slots[j];
		if (s == 0)
			return 0;
		uint32_t id = ISLOT_ID(s);
		if (ISLOT_HASH(s) == h && id != TOMB &&
		    t->ents[id].klen == klen &&
		    memcmp(t->ents[id].data, key, klen) == 0) {
			t->ents[id].refs++;
			return id;
		}
	}
}

/* Add key + extra (not present: intern_find said so). One reference. */
static uint32_t
intern_add(struct intern *t, uint32_t h, const uint8_t *key, size_t klen,
    const uint8_t *extra, size_t elen)
{
	if ((t->n_used + 1) * 4 >= t->n_slots * 3 && intern_grow(t) < 0)
		return 0;
	uint32_t id;
	bool reused = t->n_free > 0;
	if (reused) {
		id = t->free_ids[--t->n_free];
	} else {
		if (t->n_ents + 1 >= t->cap_ents) {
			uint32_t nc = t->cap_ents ? t->cap_ents * 2 : 1024;
			struct blob *ne = realloc(t->ents, nc * sizeof(*ne));
			if (ne == NULL)
				return 0;
			t->bytes += (size_t)(nc - t->cap_ents) * sizeof(*ne);
			t->ents = ne;
			t->cap_ents = nc;
			if (t->n_ents == 0)
				t->n_ents = 1; /* id 0 is "none" */
		}
		id = t->n_ents++;
	}
	uint8_t *copy = malloc(klen + elen ? klen + elen : 1);
	if (copy == NULL) {
		if (reused)
			t->n_free++; /* the id goes back where it was */
		else
			t->n_ents--;
		return 0;
	}
	memcpy(copy, key, klen);
	if (elen)
		memcpy(copy + klen, extra, elen);
	t->ents[id] =
	    (struct blob){h, 1, (uint32_t)(klen + elen), (uint32_t)klen, copy};
	t->bytes += klen + elen + 16; /* + malloc overhead */
	uint32_t mask = t->n_slots - 1, j = h & mask;
	while (t->slots[j] != 0 && ISLOT_ID(t->slots[j]) != TOMB)
		j = (j + 1) & mask;
	if (t->slots[j] == 0)
		t->n_used++;
	t->slots[j] = (uint64_t)h << 32 | id;
	return id;
}

static uint32_t
intern_get(struct intern *t, const uint8_t *data, size_t len)
{
	uint32_t h;
	uint32_t id = intern_find(t, data, len, &h);
	return id != 0 ? id : intern_add(t, h, data, len, NULL, 0);
}

/* Drop one reference; returns the blob when it died (caller frees). */
static uint8_t *
intern_unref(struct intern *t, uint32_t id, uint32_t *len)
{
	struct blob *b = &t->ents[id];

	if (--b->refs > 0)
		return NULL;
	uint32_t mask = t->n_slots - 1, j = b->hash & mask;
	while (ISLOT_ID(t->slots[j]) != id)
		j = (j + 1) & mask;
	t->slots[j] = TOMB;
	if (t->n_free == t->cap_free) {
		uint32_t nc = t->cap_free ? t->cap_free * 2 : 256;
		uint32_t *nf = realloc(t->free_ids, nc * sizeof(*nf));
		if (nf != NULL) {
			t->free_ids = nf;
			t->cap_free = nc;
		}
	}
	if (t->n_free < t->cap_free)
		t->free_ids[t->n_free++] = id;
	t->bytes -= b->len + 16;
	*len = b->len;
	uint8_t *d = b->data;
	b->data = NULL;
	return d;
}

static void
intern_fini(struct intern *t)
{
	for (uint32_t i = 1; i < t->n_ents; i++)
		free(t->ents[i].data);
	free(t->ents);
	free(t->slots);
	free(t->free_ids);
}

/* ---- prefixes ----
 * Every prefix is a node in a slab, found through an open-addressing hash
 * of (family, length, masked address). A table load is one insert per
 * route: a probe in the slot array and a write at the slab's end, where a
 * binary trie took one cache miss per level (about 20 for a /24).
 * Longest match probes the lengths that are present, longest first; a walk
 * sorts the nodes once into tree order (address, then length: a prefix
 * before its more-specifics) and keeps that order until the set of
 * prefixes changes.
 */
struct rnode {
	uint8_t key[16]; /* masked to len */
	uint8_t len;
	uint8_t fam;  /* 0 IPv4, 1 IPv6 */
	uint16_t n;   /* routes */
	uint16_t cap; /* <= 1: the route is inline */
	union {
		struct rib_route one;
		struct rib_route *many;
	} rt;
};

/* Slab k >= 1 holds nodes [2^(11+k), 2^(12+k)), slab 0 the first 4096:
 * a small RIB stays small, a full table gets few, big (huge-page) slabs. */
#define SLAB0_SHIFT 12
#define MAX_SLABS 20

struct rib {
	struct intern attrs;
	struct intern paths;
	uint32_t last_attr; /* the set rib_attr_intern found last; 0 none */
	struct rnode *slabs[MAX_SLABS]; /* never moved */
	uint32_t n_slabs;
	uint32_t n_alloc;   /* nodes handed out from the slabs */
	uint32_t free_head; /* index + 1 of a freed node; 0 = none */
	uint64_t *slots;
	uint32_t n_slots, n_used;
	uint32_t len_count[2][129]; /* prefixes per family and length */
	uint32_t *order;            /* walk order (node indices), or NULL */
	uint8_t hkey[NK_SIPHASH_KEY_LEN]; /* key_hash's */
	size_t n_order;
	bool order_stale; /* a prefix came or went since it was built */
	size_t n_prefixes, n_routes, n_withdrawn;
	size_t route_bytes;
	/* pruning of withdrawn routes (rib_set_prune) */
	uint32_t prune_window_s;
	rib_keep_cb keep;
	void *keep_arg;
	size_t prune_at; /* sweep when n_withdrawn reaches this */
	bool walking;
};

/* A slot: hash in the high half, node index + 1 in the low; 0 = empty. */
static inline uint32_t
slot_idx(uint64_t s)
{
	return (uint32_t)s - 1u;
}

static inline uint32_t
slot_hash(uint64_t s)
{
	return (uint32_t)(s >> 32);
}

static inline uint32_t
slab_base(uint32_t k)
{
	return k == 0 ? 0 : (1u << SLAB0_SHIFT) << (k - 1);
}

static inline size_t
slab_nodes(uint32_t k)
{
	return k == 0 ? 1u << SLAB0_SHIFT : slab_base(k);
}

static inline struct rnode *
node_at(const struct rib *r, uint32_t idx)
{
	uint32_t q = idx >> SLAB0_SHIFT;
	uint32_t k = q == 0 ? 0 : 32u - (uint32_t)__builtin_clz(q);
	return &r->slabs[k][idx - slab_base(k)];
}

static inline struct rib_route *
node_routes(struct rnode *n)
{
	return n->cap <= 1 ? &n->rt.one : n->rt.many;
}

struct rib *
rib_new(void)
{
	struct rib *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->prune_at = SIZE_MAX;
	/* no entropy (very early boot): the tables still work, unkeyed */
	uint8_t k[3 * NK_SIPHASH_KEY_LEN];
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k))
		memset(k, 0x5a, sizeof(k));
	memcpy(r->hkey, k, NK_SIPHASH_KEY_LEN);
	memcpy(r->attrs.hkey, k + NK_SIPHASH_KEY_LEN, NK_SIPHASH_KEY_LEN);
	memcpy(r->paths.hkey, k + 2 * NK_SIPHASH_KEY_LEN, NK_SIPHASH_KEY_LEN);
	return r;
}

void
rib_free(struct rib *r)
{
	if (r == NULL)
		return;
	for (uint32_t i = 0; i < r->n_alloc; i++) {
		struct rnode *n = node_at(r, i);
		if (n->cap > 1)
			free(n->rt.many);
	}
	for (uint32_t s = 0; s < r->n_slabs; s++)
		free(r->slabs[s]);
	free(r->slots);
	free(r->order);
	intern_fini(&r->attrs);
	intern_fini(&r->paths);
	free(r);
}

static int
fam_idx(const struct nk_prefix *p)
{
	return p->addr.family == AF_INET6 ? 1 : 0;
}

/* The key of p: its address masked to its length (callers may pass
 * host bits, e.g. a /32 query). */
static void
key_of(const struct nk_prefix *p, uint8_t key[16], unsigned *len)
{
	unsigned l = p->len > 128 ? 128 : p->len;
	unsigned full = l / 8;

	memcpy(key, p->addr.bytes, 16);
	if (full < 16) {
		key[full] &= (uint8_t)(0xff00u >> (l & 7));
		memset(key + full + 1, 0, 15 - full);
	}
	*len = l;
}

/* Prefixes, too, are chosen by whoever announces them: keyed. */
static uint32_t
key_hash(const struct rib *r, const uint8_t key[16], unsigned len, int fam)
{
	uint8_t buf[18];

	memcpy(buf, key, 16);
	buf[16] = (uint8_t)len;
	buf[17] = (uint8_t)fam;
	uint64_t h = nk_siphash24(r->hkey, buf, sizeof(buf));
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static bool
node_is(const struct rnode *n, const uint8_t key[16], unsigned len, int fam)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, n->key, 8);
	memcpy(&a1, n->key + 8, 8);
	memcpy(&b0, key, 8);
	memcpy(&b1, key + 8, 8);
	return n->len == len && n->fam == fam && a0 == b0 && a1 == b1;
}

/* Slot of the prefix, or of the empty slot where it would go. */
static uint32_t
slot_find(const struct rib *r, const uint8_t key[16], unsigned len, int fam,
    uint32_t h)
{
	uint32_t mask = r->n_slots - 1;
	for (uint32_t j = h & mask;; j = (j + 1) & mask) {
		uint64_t s = r->slots[j];
		if (s == 0 ||
		    (slot_hash(s) == h &&
			node_is(node_at(r, slot_idx(s)), key, len, fam)))
			return j;
	}
}

/* The node of the prefix or NULL; *h gets its hash (for node_add). */
static struct rnode *
node_find_h(const struct rib *r, const uint8_t key[16], unsigned len, int fam,
    uint32_t *h)
{
	*h = key_hash(r, key, len, fam);
	if (r->n_slots == 0 || r->len_count[fam][len] == 0)
		return NULL;
	uint64_t s = r->slots[slot_find(r, key, len, fam, *h)];
	return s != 0 ? node_at(r, slot_idx(s)) : NULL;
}

static struct rnode *
node_find(const struct rib *r, const uint8_t key[16], unsigned len, int fam)
{
	if (r->n_slots == 0 || r->len_count[fam][len] == 0)
		return NULL;
	uint64_t s =
	    r->slots[slot_find(r, key, len, fam, key_hash(r, key, len, fam))];
	return s != 0 ? node_at(r, slot_idx(s)) : NULL;
}

/*
 * Big arrays that are probed at random (the slot array of a full table is
 * 8 MiB) ask for transparent huge pages: with 4 KiB pages nearly every
 * probe of a load also misses the TLB. zero: cleared, like calloc.
 */
#define HUGE_BYTES (2u << 20)

static void *
huge_alloc(size_t bytes, bool zero)
{
	void *p = NULL;

	if (bytes < HUGE_BYTES)
		return zero ? calloc(1, bytes) : malloc(bytes);
	if (posix_memalign(&p, HUGE_BYTES, bytes) != 0)
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	if (zero)
		memset(p, 0, bytes);
	return p;
}

static int
slots_grow(struct rib *r)
{
	uint32_t nn = r->n_slots ? r->n_slots * 2 : 4096;
	if (nn == 0)
		return -1;
	uint64_t *ns = huge_alloc((size_t)nn * sizeof(*ns), true);
	if (ns == NULL)
		return -1;
	for (uint32_t i = 0; i < r->n_slots; i++) {
		uint64_t s = r->slots[i];
		if (s == 0)
			continue;
		uint32_t j = slot_hash(s) & (nn - 1);
		while (ns[j] != 0)
			j = (j + 1) & (nn - 1);
		ns[j] = s;
	}
	free(r->slots);
	r->slots = ns;
	r->n_slots = nn;
	return 0;
}

/* A new node for the prefix (not present, hash h); NULL when out of
 * memory. */
static struct rnode *
node_add(
    struct rib *r, const uint8_t key[16], unsigned len, int fam, uint32_t h)
{
	if (((uint64_t)r->n_used + 1) * 4 >= (uint64_t)r->n_slots * 3 &&
	    slots_grow(r) < 0)
		return NULL;
	uint32_t idx;
	if (r->free_head != 0) {
		idx = r->free_head - 1;
		r->free_head = node_at(r, idx)->rt.one.attr;
	} else {
		if (r->n_alloc == UINT32_MAX - 1)
			return NULL;
		if (r->n_slabs == 0 ||
		    r->n_alloc ==
			slab_base(r->n_slabs - 1) +
			    slab_nodes(r->n_slabs - 1)) {
			if (r->n_slabs == MAX_SLABS)
				return NULL;
			struct rnode *s = huge_alloc(
			    slab_nodes(r->n_slabs) * sizeof(*s), false);
			if (s == NULL)
				return NULL;
			r->slabs[r->n_slabs++] = s;
		}
		idx = r->n_alloc++;
	}
	uint32_t j = slot_find(r, key, len, fam, h);
	r->slots[j] = (uint64_t)h << 32 | (uint64_t)(idx + 1);
	r->n_used++;
	struct rnode *n = node_at(r, idx);
	memset(n, 0, sizeof(*n));
	memcpy(n->key, key, 16);
	n->len = (uint8_t)len;
	n->fam = (uint8_t)fam;
	r->len_count[fam][len]++;
	r->order_stale = true;
	return n;
}

/* Remove a node (its routes already gone): backward-shift deletion keeps
 * every probe chain intact without tombstones. */
static void
node_del(struct rib *r, struct rnode *n, uint32_t idx)
{
	uint32_t mask = r->n_slots - 1;
	uint32_t h = key_hash(r, n->key, n->len, n->fam);
	uint32_t i = slot_find(r, n->key, n->len, n->fam, h);

	for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		uint64_t s = r->slots[j];
		if (s == 0)
			break;
		uint32_t home = slot_hash(s) & mask;
		/* s may move back to i unless its home lies in (i, j] */
		bool stays =
		    i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			r->slots[i] = s;
			i = j;
		}
	}
	r->slots[i] = 0;
	r->n_used--;
	r->len_count[n->fam][n->len]--;
	if (n->cap > 1)
		free(n->rt.many);
	memset(n, 0, sizeof(*n));
	n->rt.one.attr = r->free_head;
	r->free_head = idx + 1;
	r->order_stale = true;
}

static void
node_prefix(const struct rnode *n, struct nk_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = n->fam ? AF_INET6 : AF_INET;
	p->len = n->len;
	memcpy(p->addr.bytes, n->key, 16);
}

/* ---- attribute blobs ---- */
/*
 * An attribute set is keyed by what came on the wire: a header byte (AS
 * size 2/4, bit 4: TABLE_DUMP_V2 RIB encoding), the next hop (family byte
 * 0/4/6 + 0/4/16 bytes) and the raw path attribute section. Routes that
 * share a set share the bytes, so a table load only hashes and compares.
 * Derived once, when the set is new, and stored after the key:
 *   u32 AS path id | u32 origin AS | u16 RFC 6793 path length
 * AS paths are interned by their decoded (merged) value: per segment u8
 * type, u16 n, n x u32.
 */
#define ATTR_EXTRA 10

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static size_t
nh_len(uint8_t fam)
{
	return fam == 4 ? 4 : fam == 6 ? 16 : 0;
}

uint32_t
rib_attr_intern(
    struct rib *r, const struct nk_bgp_attrs *a, const struct nk_addr *next_hop)
{
	uint8_t stackbuf[1024];
	size_t rl = a->raw != NULL ? a->raw_len : 0;
	size_t klen = 2 + 16 + rl;
	uint8_t *k = klen <= sizeof(stackbuf) ? stackbuf : malloc(klen);
	uint32_t id = 0, h;

	if (k == NULL)
		return 0;
	size_t n = 0;
	k[n++] = (uint8_t)(a->as_path_asn_len | (a->mrt_rib ? 0x10 : 0));
	if (next_hop != NULL && next_hop->family == AF_INET) {
		k[n++] = 4;
		memcpy(k + n, next_hop->bytes, 4);
		n += 4;
	} else if (next_hop != NULL && next_hop->family == AF_INET6) {
		k[n++] = 6;
		memcpy(k + n, next_hop->bytes, 16);
		n += 16;
	} else {
		k[n++] = 0;
	}
	if (rl)
		memcpy(k + n, a->raw, rl);
	n += rl;
	/* The routes of one UPDATE (and of a run of RIB entries) share their
	 * attributes: the set used last is still in cache, the table is not. */
	uint32_t last = r->last_attr;
	if (last != 0 && last < r->attrs.n_ents) {
		struct blob *b = &r->attrs.ents[last];
		if (b->refs > 0 && b->klen == n && memcmp(b->data, k, n) == 0) {
			b->refs++;
			id = last;
			goto out;
		}
	}
	id = intern_find(&r->attrs, k, n, &h);
	if (id != 0) {
		r->last_attr = id;
		goto out;
	}

	/* a new set: intern its AS path */
	static const size_t plen_max =
	    NK_BGP_ASPATH_MAX_ASN * 4 + NK_BGP_ASPATH_MAX_SEG * 3;
	struct nk_bgp_aspath path;
	uint8_t pbuf[NK_BGP_ASPATH_MAX_ASN * 4 + NK_BGP_ASPATH_MAX_SEG * 3];
	size_t plen = 0;
	if (nk_bgp_attrs_aspath(a, &path) < 0)
		path.n_seg = path.n_asn = 0;
	for (unsigned sg = 0; sg < path.n_seg && plen + 3 <= plen_max; sg++) {
		pbuf[plen++] = path.seg[sg].type;
		pbuf[plen++] = (uint8_t)(path.seg[sg].n >> 8);
		pbuf[plen++] = (uint8_t)path.seg[sg].n;
		for (unsigned i = 0; i < path.seg[sg].n; i++, plen += 4)
			put32(pbuf + plen, path.asn[path.seg[sg].first + i]);
	}
	uint32_t pid = intern_get(&r->paths, pbuf, plen);
	if (pid == 0)
		goto out;
	uint8_t extra[ATTR_EXTRA];
	put32(extra, pid);
	put32(extra + 4, nk_bgp_aspath_origin(&path));
	unsigned cnt = nk_bgp_aspath_count(&path);
	extra[8] = (uint8_t)(cnt >> 8);
	extra[9] = (uint8_t)cnt;
	id = intern_add(&r->attrs, h, k, n, extra, sizeof(extra));
	r->last_attr = id;
	if (id == 0) {
		uint32_t dl;
		free(intern_unref(&r->paths, pid, &dl));
	}
out:
	if (k != stackbuf)
		free(k);
	return id;
}

void
rib_attr_ref(struct rib *r, uint32_t id)
{
	if (id != 0)
		r->attrs.ents[id].refs++;
}

void
rib_attr_unref(struct rib *r, uint32_t id)
{
	uint32_t len;

	if (id == 0)
		return;
	uint8_t *d = intern_unref(&r->attrs, id, &len);
	if (d == NULL)
		return;
	/* the set died: release its path */
	uint32_t pid = get32(d + len - ATTR_EXTRA);
	uint32_t dl;
	free(intern_unref(&r->paths, pid, &dl));
	free(d);
}

int
rib_attr_view(const struct rib *r, uint32_t id, struct rib_attr_view *v)
{
	if (id == 0 || id >= r->attrs.n_ents || r->attrs.ents[id].refs == 0)
		return -1;
	const struct blob *b = &r->attrs.ents[id];
	const uint8_t *d = b->data;
	memset(v, 0, sizeof(*v));
	size_t off = 2 + nh_len(d[1]);
	if (d[1] == 4) {
		v->next_hop.family = AF_INET;
		memcpy(v->next_hop.bytes, d + 2, 4);
	} else if (d[1] == 6) {
		v->next_hop.family = AF_INET6;
		memcpy(v->next_hop.bytes, d + 2, 16);
	}
	const uint8_t *x = d + b->len - ATTR_EXTRA;
	v->aspath = get32(x);
	v->origin_as = get32(x + 4);
	v->path_len = (unsigned)x[8] << 8 | x[9];
	struct nk_bgp_opts o = {
	    .as4 = (d[0] & 0x0f) == 4, .mrt_rib = (d[0] & 0x10) != 0};
	struct nk_bgp_attrs a;
	nk_bgp_attrs_parse(d + off, b->klen - off, &o, &a);
	v->origin = nk_bgp_has(&a, NK_BGP_A_ORIGIN) ? a.origin : 2;
	v->atomic = nk_bgp_has(&a, NK_BGP_A_ATOMIC_AGGR);
	v->has_med = nk_bgp_has(&a, NK_BGP_A_MED);
	v->has_lp = nk_bgp_has(&a, NK_BGP_A_LOCAL_PREF);
	v->med = a.med;
	v->local_pref = a.local_pref;
	if (nk_bgp_has(&a, NK_BGP_A_COMMUNITIES)) {
		v->communities = a.communities;
		v->communities_len = a.communities_len;
	}
	return 0;
}

int
rib_attr_raw(const struct rib *r, uint32_t id, const uint8_t **raw, size_t *len,
    unsigned *asn_len, bool *mrt_rib)
{
	if (id == 0 || id >= r->attrs.n_ents || r->attrs.ents[id].refs == 0)
		return -1;
	const struct blob *b = &r->attrs.ents[id];
	size_t off = 2 + nh_len(b->data[1]);
	*raw = b->data + off;
	*len = b->klen - off;
	*asn_len = (b->data[0] & 0x0f) == 4 ? 4 : 2;
	*mrt_rib = (b->data[0] & 0x10) != 0;
	return 0;
}

int
rib_aspath_get(
    const struct rib *r, uint32_t aspath_id, struct nk_bgp_aspath *out)
{
	out->n_seg = out->n_asn = 0;
	out->truncated = false;
	if (aspath_id == 0 || aspath_id >= r->paths.n_ents)
		return -1;
	const struct blob *b = &r->paths.ents[aspath_id];
	struct nk_rd rd = nk_rd_make(b->data, b->len);
	while (nk_rd_left(&rd) > 0) {
		uint8_t t = nk_rd_u8(&rd);
		unsigned n = nk_rd_be16(&rd);
		if (out->n_seg == NK_BGP_ASPATH_MAX_SEG ||
		    out->n_asn + n > NK_BGP_ASPATH_MAX_ASN)
			return -1;
		out->seg[out->n_seg].type = t;
		out->seg[out->n_seg].first = (uint16_t)out->n_asn;
		out->seg[out->n_seg].n = (uint16_t)n;
		out->n_seg++;
		for (unsigned i = 0; i < n; i++)
			out->asn[out->n_asn++] = nk_rd_be32(&rd);
	}
	return nk_rd_ok(&rd) ? 0 : -1;
}

size_t
rib_aspath_fmt(const struct rib *r, uint32_t aspath_id, char *buf, size_t len)
{
	struct nk_bgp_aspath p;

	if (rib_aspath_get(r, aspath_id, &p) < 0) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return nk_bgp_aspath_fmt(&p, buf, len);
}

/* ---- routes ---- */
static int
routes_grow(struct rib *r, struct rnode *n)
{
	if (n->cap >= 32768)
		return -1;
	uint16_t nc = n->cap <= 1 ? 2 : (uint16_t)(n->cap * 2);
	struct rib_route *v;
	if (n->cap <= 1) {
		v = malloc(nc * sizeof(*v));
		if (v == NULL)
			return -1;
		if (n->n == 1)
			v[0] = n->rt.one;
		r->route_bytes += nc * sizeof(*v) + 16;
	} else {
		v = realloc(n->rt.many, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		r->route_bytes += (size_t)(nc - n->cap) * sizeof(*v);
	}
	n->rt.many = v;
	n->cap = nc;
	return 0;
}

static size_t prune_run(struct rib *r, uint32_t now);

int
rib_set(struct rib *r, const struct nk_prefix *p, uint16_t peer,
    uint32_t path_id, uint32_t attr, uint32_t ts, uint32_t *old_attr,
    uint16_t *flaps)
{
	uint8_t key[16];
	unsigned len;
	int fam = fam_idx(p);

	*old_attr = 0;
	*flaps = 0;
	key_of(p, key, &len);
	uint32_t h;
	struct rnode *n = node_find_h(r, key, len, fam, &h);
	if (n == NULL) {
		if (attr == 0)
			return 0; /* withdrawing the unknown: no-op */
		n = node_add(r, key, len, fam, h);
		if (n == NULL)
			return -1;
		n->n = 1;
		n->cap = 1;
		n->rt.one = (struct rib_route){attr, ts, path_id, peer, 0, 0};
		r->n_prefixes++;
		r->n_routes++;
		return 0;
	}
	struct rib_route *v = node_routes(n);
	size_t i = 0;
	for (; i < n->n; i++)
		if (v[i].peer == peer && v[i].path_id == path_id)
			break;
	if (i == n->n) {
		if (attr == 0)
			return 0;
		if (n->n == n->cap || n->cap == 0) {
			if (routes_grow(r, n) < 0)
				return -1;
			v = node_routes(n);
		}
		v[n->n++] = (struct rib_route){attr, ts, path_id, peer, 0, 0};
		r->n_routes++;
		return 0;
	}
	struct rib_route *rt = &v[i];
	*old_attr = rt->attr;
	rt->stale = 0;
	if (rt->attr == 0 && attr != 0) {
		if (rt->flaps < UINT8_MAX)
			rt->flaps++;
		r->n_routes++;
		r->n_withdrawn--;
	} else if (rt->attr != 0 && attr == 0) {
		r->n_routes--;
		r->n_withdrawn++;
	}
	*flaps = rt->flaps;
	if (rt->attr != attr)
		rt->since = ts;
	rt->attr = attr;
	if (attr == 0 && r->n_withdrawn >= r->prune_at && !r->walking)
		(void)prune_run(r, ts);
	return 0;
}

const struct rib_route *
rib_get(const struct rib *r, const struct nk_prefix *p, size_t *n)
{
	uint8_t key[16];
	unsigned len;

	key_of(p, key, &len);
	struct rnode *x = node_find(r, key, len, fam_idx(p));
	if (x == NULL || x->n == 0) {
		*n = 0;
		return NULL;
	}
	*n = x->n;
	return node_routes(x);
}

static bool
any_announced(struct rnode *n)
{
	const struct rib_route *v = node_routes(n);
	for (size_t i = 0; i < n->n; i++)
		if (v[i].attr != 0)
			return true;
	return false;
}

const struct rib_route *
rib_lookup(const struct rib *r, const struct nk_prefix *p,
    struct nk_prefix *found, size_t *n)
{
	uint8_t key[16];
	unsigned len;
	int fam = fam_idx(p);

	*n = 0;
	key_of(p, key, &len);
	for (unsigned l = len + 1; l-- > 0;) {
		if (r->len_count[fam][l] == 0)
			continue;
		/* mask the key down to l bits */
		unsigned full = l / 8;
		if (full < 16) {
			key[full] &= (uint8_t)(0xff00u >> (l & 7));
			memset(key + full + 1, 0, 15 - full);
		}
		struct rnode *x = node_find(r, key, l, fam);
		if (x == NULL || !any_announced(x))
			continue;
		node_prefix(x, found);
		*n = x->n;
		return node_routes(x);
	}
	return NULL;
}

/* Tree order: IPv4 before IPv6, then by address, then shorter first (a
 * prefix before its more-specifics), as the trie walked it. */
struct okey {
	uint64_t a, b;
	uint32_t idx;
	uint8_t len, fam;
};

static int
okey_cmp(const void *x, const void *y)
{
	const struct okey *p = x, *q = y;
	if (p->fam != q->fam)
		return p->fam < q->fam ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->len < q->len ? -1 : p->len > q->len;
}

static uint64_t
be64(const uint8_t *k)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return v;
}

static int
order_build(struct rib *r)
{
	size_t m = 0;
	struct okey *ks = malloc((r->n_used ? r->n_used : 1) * sizeof(*ks));
	uint32_t *ord = malloc((r->n_used ? r->n_used : 1) * sizeof(*ord));
	if (ks == NULL || ord == NULL) {
		free(ks);
		free(ord);
		return -1;
	}
	for (uint32_t i = 0; i < r->n_alloc && m < r->n_used; i++) {
		const struct rnode *n = node_at(r, i);
		if (n->n == 0)
			continue;
		ks[m++] = (struct okey){
		    be64(n->key), be64(n->key + 8), i, n->len, n->fam};
	}
	qsort(ks, m, sizeof(*ks), okey_cmp);
	for (size_t i = 0; i < m; i++)
		ord[i] = ks[i].idx;
	free(ks);
	r->order = ord;
	r->n_order = m;
	r->order_stale = false;
	return 0;
}

int
rib_walk(const struct rib *rc, rib_walk_cb cb, void *arg)
{
	/* the order is a cache: building it does not change the RIB */
	struct rib *r = (struct rib *)(uintptr_t)rc;

	if (r->order != NULL && r->order_stale) {
		free(r->order);
		r->order = NULL;
	}
	if (r->order == NULL && order_build(r) < 0)
		return -1;
	/* own the order while walking: a callback that adds a prefix
	 * drops r->order, not the array being walked */
	uint32_t *ord = r->order;
	size_t m = r->n_order;
	bool was = r->walking;
	r->order = NULL;
	r->walking = true;
	int rc2 = 0;
	for (size_t i = 0; i < m && rc2 == 0; i++) {
		struct rnode *x = node_at(r, ord[i]);
		if (x->n == 0)
			continue; /* removed during the walk */
		struct nk_prefix p;
		node_prefix(x, &p);
		rc2 = cb(arg, &p, node_routes(x), x->n);
	}
	r->walking = was;
	if (r->order == NULL && !r->order_stale)
		r->order = ord;
	else
		free(ord);
	return rc2;
}

/* The stale mark took no room: a full table holds millions of these. */
_Static_assert(sizeof(struct rib_route) == 16, "rib_route grew");

enum clear_mode { CLEAR_ALL, CLEAR_MARK_STALE, CLEAR_STALE };

struct clear_ctx {
	struct rib *r;
	uint16_t peer;
	uint32_t ts;
	rib_peer_down_cb cb;
	void *arg;
	size_t n;
	enum clear_mode mode;
	int family; /* AF_INET/AF_INET6, 0 both */
};

static int
clear_one(void *arg, const struct nk_prefix *p, const struct rib_route *routes,
    size_t n)
{
	struct clear_ctx *c = arg;

	if (c->family != 0 && p->addr.family != c->family)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (routes[i].peer != c->peer || routes[i].attr == 0)
			continue;
		struct rib_route *rt =
		    (struct rib_route *)(uintptr_t)&routes[i];
		if (c->mode == CLEAR_MARK_STALE) {
			rt->stale = 1;
			c->n++;
			continue;
		}
		if (c->mode == CLEAR_STALE && !rt->stale)
			continue;
		if (c->cb != NULL)
			c->cb(c->arg, p, rt->attr);
		rib_attr_unref(c->r, rt->attr);
		rt->attr = 0;
		rt->stale = 0;
		rt->since = c->ts;
		c->r->n_routes--;
		c->r->n_withdrawn++;
		c->n++;
	}
	return 0;
}

size_t
rib_peer_clear(struct rib *r, uint16_t peer, int family, uint32_t ts,
    rib_peer_down_cb cb, void *arg)
{
	struct clear_ctx c = {r, peer, ts, cb, arg, 0, CLEAR_ALL, family};
	(void)rib_walk(r, clear_one, &c);
	return c.n;
}

size_t
rib_peer_mark_stale(struct rib *r, uint16_t peer, int family)
{
	struct clear_ctx c = {
	    r, peer, 0, NULL, NULL, 0, CLEAR_MARK_STALE, family};
	(void)rib_walk(r, clear_one, &c);
	return c.n;
}

size_t
rib_peer_sweep_stale(struct rib *r, uint16_t peer, int family, uint32_t ts,
    rib_peer_down_cb cb, void *arg)
{
	struct clear_ctx c = {r, peer, ts, cb, arg, 0, CLEAR_STALE, family};
	(void)rib_walk(r, clear_one, &c);
	return c.n;
}

/* ---- forgetting withdrawn routes ---- */
#define PRUNE_MIN 65536u

void
rib_set_prune(struct rib *r, uint32_t window_s, rib_keep_cb keep, void *arg)
{
	r->prune_window_s = window_s;
	r->keep = keep;
	r->keep_arg = arg;
	r->prune_at = window_s != 0 ? r->n_withdrawn + PRUNE_MIN : SIZE_MAX;
}

static bool
prunable(const struct rib *r, const struct rib_route *rt, uint32_t now)
{
	return rt->attr == 0 && rt->since <= now &&
	    now - rt->since >= r->prune_window_s;
}

/* Drop the prunable routes of node idx; the node too when none is left. */
static size_t
prune_node(struct rib *r, struct rnode *n, uint32_t idx, uint32_t now)
{
	struct rib_route *v = node_routes(n);
	size_t k = 0, m = 0;

	for (size_t i = 0; i < n->n; i++)
		if (!prunable(r, &v[i], now))
			v[k++] = v[i];
	m = n->n - k;
	n->n = (uint16_t)k;
	r->n_withdrawn -= m;
	if (k == 0) {
		if (n->cap > 1)
			r->route_bytes -= n->cap * sizeof(*v) + 16;
		node_del(r, n, idx);
		r->n_prefixes--;
	} else if (k == 1 && n->cap > 1) {
		struct rib_route one = v[0];
		r->route_bytes -= n->cap * sizeof(*v) + 16;
		free(n->rt.many);
		n->rt.one = one;
		n->cap = 1;
	}
	return m;
}

static size_t
prune_run(struct rib *r, uint32_t now)
{
	size_t gone = 0;

	if (r->prune_window_s == 0 || r->walking)
		return 0;
	for (uint32_t i = 0; i < r->n_alloc; i++) {
		struct rnode *n = node_at(r, i);
		const struct rib_route *v = node_routes(n);
		bool any = false;
		for (size_t j = 0; j < n->n && !any; j++)
			any = prunable(r, &v[j], now);
		if (!any)
			continue;
		if (r->keep != NULL) {
			struct nk_prefix p;
			node_prefix(n, &p);
			if (r->keep(r->keep_arg, &p))
				continue;
		}
		gone += prune_node(r, n, i, now);
	}
	/* next sweep when the withdrawn routes held have doubled: each
	 * sweep costs one pass over the nodes, paid by as many withdrawals */
	r->prune_at = r->n_withdrawn * 2 + PRUNE_MIN;
	return gone;
}

size_t
rib_prune(struct rib *r, uint32_t now)
{
	return prune_run(r, now);
}

void
rib_stats(const struct rib *r, struct rib_stats *st)
{
	st->n_prefixes = r->n_prefixes;
	st->n_nodes = r->n_used;
	st->n_routes = r->n_routes;
	st->n_withdrawn = r->n_withdrawn;
	st->n_attrs =
	    r->attrs.n_ents - r->attrs.n_free - (r->attrs.n_ents ? 1 : 0);
	st->n_paths =
	    r->paths.n_ents - r->paths.n_free - (r->paths.n_ents ? 1 : 0);
	size_t slab_bytes = 0;
	for (uint32_t k = 0; k < r->n_slabs; k++)
		slab_bytes += slab_nodes(k) * sizeof(struct rnode);
	st->bytes = slab_bytes + (size_t)r->n_slots * sizeof(*r->slots) +
	    (r->order != NULL ? r->n_order * sizeof(*r->order) : 0) +
	    r->route_bytes + r->attrs.bytes + r->paths.bytes + sizeof(*r);
}
