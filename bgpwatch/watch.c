/* watch: the route-watch engine; see watch.h. */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "dump.h"

/* BGP FSM states (RFC 6396 §4.4.1). */
#define FSM_ESTABLISHED 6

#define MAX_PEERS 65535
#define MAX_FLAPS 4096
/* Withdrawn routes of unwatched prefixes are forgotten after a day. */
#define WATCH_PRUNE_AFTER_S 86400

struct wpeer {
	struct nk_addr addr;
	uint32_t asn;
	int up; /* index in cfg->up, -1 if not an upstream */
	char name[WATCH_NAME_MAX + 64];
	bool established;
	uint32_t state_since;
	uint32_t down_ts, down_usec; /* left Established; 0: never */
	uint64_t n_routes;
	uint64_t win_max;
	uint32_t win_max_ts;
	bool vis_alarm;
	uint16_t gr_time_s; /* RFC 4724 restart time; 0: withdraw at down */
	uint8_t gr_fams;    /* families kept then: bit 0 IPv4, bit 1 IPv6 */
};

/* One route's flap episode (watched prefixes only). */
struct flap {
	struct nk_prefix p;
	uint16_t peer;
	uint16_t n;
	uint32_t first, last;
	bool alerted;
	bool used;
};

struct watch {
	struct watch_cfg cfg;
	struct rib *rib;
	watch_event_cb cb;
	void *arg;
	bool quiet;
	struct wpeer *peers;
	size_t n_peers, cap_peers;
	struct flap *flaps;
	size_t n_flaps;
	uint32_t last_ts;
	uint64_t n_events;
	char reason[300];
};

void
watch_cfg_default(struct watch_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->watch_all = true;
	c->vis_drop_pct = 50;
	c->vis_min_prefixes = 100;
	c->vis_window_s = 300;
	c->flap_threshold = 3;
	c->flap_window_s = 60;
}

int
watch_cfg_load(const char *path, struct watch_cfg *c, struct nk_err *err)
{
	struct nk_config *cfg = NULL;
	int rc = -1;

	watch_cfg_default(c);
	if (nk_config_load(path, &cfg, err) < 0)
		return -1;
	for (size_t i = 0; i < nk_config_n_sections(cfg); i++) {
		const struct nk_config_section *s =
		    nk_config_section_at(cfg, i);
		const char *sn = nk_config_section_name(s);
		unsigned line = nk_config_section_line(s);
		if (strcmp(sn, "") == 0 && nk_config_n_entries(s) == 0)
			continue;
		if (strcmp(sn, "upstream") == 0) {
			/* the session keys belong to collect.c */
			static const char *const keys[] = {"peer", "asn",
			    "passive", "port", "md5", "hold_time", "local",
			    "addpath", NULL};
			if (nk_config_check_keys(cfg, s, keys, err) < 0)
				goto out;
			if (c->n_up == WATCH_MAX_UPSTREAMS) {
				nk_err_set(err, "%s:%u: more than %d upstreams",
				    path, line, WATCH_MAX_UPSTREAMS);
				goto out;
			}
			struct watch_upstream *u = &c->up[c->n_up];
			memset(u, 0, sizeof(*u));
			const char *label = nk_config_section_label(s);
			if (label[0] == '\0') {
				nk_err_set(err,
				    "%s:%u: [upstream] needs a name, "
				    "e.g. [upstream verizon]",
				    path, line);
				goto out;
			}
			(void)snprintf(u->name, sizeof(u->name), "%s", label);
			unsigned vl = 0;
			const char *peer = nk_config_get(s, "peer", &vl);
			if (peer != NULL) {
				struct nk_err e2 = {{0}};
				if (nk_addr_parse(peer, &u->addr, &e2) < 0) {
					nk_err_set(err, "%s:%u: peer '%s': %s",
					    path, vl, peer, nk_err_msg(&e2));
					goto out;
				}
			}
			uint64_t asn = 0;
			if (nk_config_get_u64(
				cfg, s, "asn", 1, UINT32_MAX, &asn, err) < 0)
				goto out;
			u->asn = (uint32_t)asn;
			if (peer == NULL && asn == 0) {
				nk_err_set(err,
				    "%s:%u: [upstream %s] needs peer = "
				    "ADDR or asn = N",
				    path, line, label);
				goto out;
			}
			c->n_up++;
		} else if (strcmp(sn, "watch") == 0) {
			c->watch_all = false;
			for (size_t j = 0; j < nk_config_n_entries(s); j++) {
				const char *k, *v;
				unsigned vl;
				nk_config_entry_at(s, j, &k, &v, &vl);
				if (strcmp(k, "prefix") == 0) {
					struct nk_err e2 = {{0}};
					if (c->n_prefix == WATCH_MAX_PREFIXES) {
						nk_err_set(err,
						    "%s:%u: too many "
						    "prefixes",
						    path, vl);
						goto out;
					}
					if (nk_prefix_parse(v, false,
						&c->prefix[c->n_prefix],
						&e2) < 0) {
						nk_err_set(err,
						    "%s:%u: prefix "
						    "'%s': %s",
						    path, vl, v,
						    nk_err_msg(&e2));
						goto out;
					}
					c->n_prefix++;
				} else if (strcmp(k, "asn") == 0) {
					char *end = NULL;
					unsigned long long n =
					    strtoull(v, &end, 10);
					if (end == v || *end != '\0' ||
					    n > UINT32_MAX ||
					    c->n_asn == WATCH_MAX_ASNS) {
						nk_err_set(err,
						    "%s:%u: asn "
						    "'%s': not an "
						    "AS number",
						    path, vl, v);
						goto out;
					}
					c->asn[c->n_asn++] = (uint32_t)n;
				} else if (strcmp(k, "all") == 0 &&
				    strcmp(v, "yes") == 0) {
					c->watch_all = true;
				} else {
					nk_err_set(err,
					    "%s:%u: unknown key '%s' "
					    "in [watch]",
					    path, vl, k);
					goto out;
				}
			}
		} else if (strcmp(sn, "engine") == 0) {
			static const char *const keys[] = {
			    "visibility_drop_pct", "visibility_min_prefixes",
			    "visibility_window", "flap_threshold",
			    "flap_window", NULL};
			uint64_t v;
			int64_t ns;
			if (nk_config_check_keys(cfg, s, keys, err) < 0)
				goto out;
			v = c->vis_drop_pct;
			if (nk_config_get_u64(cfg, s, "visibility_drop_pct", 1,
				100, &v, err) < 0)
				goto out;
			c->vis_drop_pct = (unsigned)v;
			v = c->vis_min_prefixes;
			if (nk_config_get_u64(cfg, s, "visibility_min_prefixes",
				1, 100000000, &v, err) < 0)
				goto out;
			c->vis_min_prefixes = (unsigned)v;
			v = c->flap_threshold;
			if (nk_config_get_u64(
				cfg, s, "flap_threshold", 2, 1000, &v, err) < 0)
				goto out;
			c->flap_threshold = (unsigned)v;
			ns = (int64_t)c->vis_window_s * 1000000000;
			if (nk_config_get_duration_ns(cfg, s,
				"visibility_window", 1000000000, 1000000000,
				(int64_t)86400 * 1000000000, &ns, err) < 0)
				goto out;
			c->vis_window_s = (uint32_t)(ns / 1000000000);
			ns = (int64_t)c->flap_window_s * 1000000000;
			if (nk_config_get_duration_ns(cfg, s, "flap_window",
				1000000000, 1000000000,
				(int64_t)86400 * 1000000000, &ns, err) < 0)
				goto out;
			c->flap_window_s = (uint32_t)(ns / 1000000000);
		} else if (strcmp(sn, "collector") == 0 ||
		    strcmp(sn, "bmp") == 0) {
			continue; /* read by collect.c */
		} else {
			nk_err_set(err,
			    "%s:%u: unknown section [%s] (want "
			    "[upstream NAME], [watch], [engine], "
			    "[collector])",
			    path, line, sn);
			goto out;
		}
	}
	rc = 0;
out:
	nk_config_free(cfg);
	return rc;
}

static void peer_classify(struct watch *w, struct wpeer *p);

static bool prefix_watched(const struct watch *w, const struct nk_prefix *p,
    uint32_t origin_as, bool *more_specific, struct nk_prefix *covering);

/* Prefixes pruning must keep: watched ones and those with flap state. */
static bool
watch_keep(void *arg, const struct nk_prefix *p)
{
	const struct watch *w = arg;
	struct nk_prefix cover;
	bool more_specific;

	if (prefix_watched(w, p, 0, &more_specific, &cover) || more_specific)
		return true;
	for (size_t i = 0; i < MAX_FLAPS; i++) {
		const struct flap *f = &w->flaps[i];
		if (f->used && f->p.len == p->len &&
		    f->p.addr.family == p->addr.family &&
		    memcmp(f->p.addr.bytes, p->addr.bytes, 16) == 0)
			return true;
	}
	return false;
}

struct watch *
watch_new(const struct watch_cfg *cfg, watch_event_cb cb, void *arg)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	w->cb = cb;
	w->arg = arg;
	w->rib = rib_new();
	w->flaps = calloc(MAX_FLAPS, sizeof(*w->flaps));
	if (w->rib == NULL || w->flaps == NULL) {
		watch_free(w);
		return NULL;
	}
	/*
	 * A collector runs for months: forget routes withdrawn a day ago
	 * unless their prefix is watched or still counted as flapping, so
	 * memory follows the table, not every prefix ever seen.
	 */
	rib_set_prune(w->rib, WATCH_PRUNE_AFTER_S, watch_keep, w);
	return w;
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	rib_free(w->rib);
	free(w->peers);
	free(w->flaps);
	free(w);
}

void
watch_set_quiet(struct watch *w, bool quiet)
{
	w->quiet = quiet;
}

const struct rib *
watch_rib(const struct watch *w)
{
	return w->rib;
}

size_t
watch_n_peers(const struct watch *w)
{
	return w->n_peers;
}

const char *
watch_peer_name(const struct watch *w, size_t i)
{
	return w->peers[i].name;
}

bool
watch_is_upstream(const struct watch *w, size_t i)
{
	return w->peers[i].up >= 0;
}

uint32_t
watch_last_ts(const struct watch *w)
{
	return w->last_ts;
}

uint64_t
watch_n_events(const struct watch *w)
{
	return w->n_events;
}

void
watch_peer(const struct watch *w, size_t i, struct watch_peer_info *pi)
{
	const struct wpeer *p = &w->peers[i];
	pi->name = p->name;
	pi->addr = p->addr;
	pi->asn = p->asn;
	pi->upstream = p->up >= 0;
	pi->established = p->established;
	pi->n_routes = p->n_routes;
	pi->state_since = p->state_since;
}

/* Find or add the peer of (addr, asn). -1 when the table is full. */
static int
peer_idx(struct watch *w, const struct nk_addr *addr, uint32_t asn)
{
	for (size_t i = 0; i < w->n_peers; i++)
		if (w->peers[i].asn == asn &&
		    w->peers[i].addr.family == addr->family &&
		    memcmp(w->peers[i].addr.bytes, addr->bytes, 16) == 0)
			return (int)i;
	if (w->n_peers == MAX_PEERS)
		return -1;
	if (w->n_peers == w->cap_peers) {
		size_t nc = w->cap_peers ? w->cap_peers * 2 : 16;
		struct wpeer *np = realloc(w->peers, nc * sizeof(*np));
		if (np == NULL)
			return -1;
		w->peers = np;
		w->cap_peers = nc;
	}
	struct wpeer *p = &w->peers[w->n_peers];
	memset(p, 0, sizeof(*p));
	p->addr = *addr;
	p->asn = asn;
	p->up = -1;
	p->established = true; /* until told otherwise (RIB peers) */
	peer_classify(w, p);
	return (int)w->n_peers++;
}

static bool
prefix_watched(const struct watch *w, const struct nk_prefix *p,
    uint32_t origin_as, bool *more_specific, struct nk_prefix *covering)
{
	*more_specific = false;
	if (w->cfg.watch_all)
		return true;
	for (size_t i = 0; i < w->cfg.n_prefix; i++) {
		const struct nk_prefix *wp = &w->cfg.prefix[i];
		if (wp->addr.family != p->addr.family)
			continue;
		if (wp->len == p->len && nk_prefix_covers(wp, p))
			return true;
		if (wp->len < p->len && nk_prefix_covers(wp, p)) {
			*more_specific = true;
			*covering = *wp;
		}
	}
	for (size_t i = 0; i < w->cfg.n_asn && origin_as != 0; i++)
		if (w->cfg.asn[i] == origin_as)
			return true;
	return false;
}

/* Upstreams announcing p, excluding peer `skip` (-1: none). */
static size_t
still_via(const struct watch *w, const struct nk_prefix *p, int skip, char *buf,
    size_t len)
{
	size_t n = 0, k = 0, pos = 0;
	const struct rib_route *rt = rib_get(w->rib, p, &n);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (rt[i].attr == 0 || (int)rt[i].peer == skip ||
		    w->peers[rt[i].peer].up < 0)
			continue;
		/* one name per peer even with several ADD-PATH paths */
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (rt[j].peer == rt[i].peer && rt[j].attr != 0)
				dup = true;
		if (dup)
			continue;
		int m = snprintf(buf + pos, len - pos, "%s%s", k ? ", " : "",
		    w->peers[rt[i].peer].name);
		if (m > 0 && (size_t)m < len - pos)
			pos += (size_t)m;
		k++;
	}
	return k;
}

static void
ev_init(struct watch_event *ev, const char *name, enum nk_severity sev,
    const struct nk_mrt_elem *e, const struct wpeer *p)
{
	memset(ev, 0, sizeof(*ev));
	ev->name = name;
	ev->sev = sev;
	ev->ts = e->ts;
	ev->usec = e->usec;
	if (p != NULL) {
		ev->peer = p->name;
		ev->peer_addr = p->addr;
		ev->peer_as = p->asn;
	}
}

static void
ev_emit(struct watch *w, struct watch_event *ev)
{
	w->n_events++;
	if (w->cb != NULL)
		w->cb(w->arg, ev);
}

static void
fill_attr(
    struct watch *w, uint32_t id, char *path, size_t plen, uint32_t *origin_as)
{
	struct rib_attr_view v;

	path[0] = '\0';
	*origin_as = 0;
	if (rib_attr_view(w->rib, id, &v) < 0)
		return;
	rib_aspath_fmt(w->rib, v.aspath, path, plen);
	*origin_as = v.origin_as;
}

static struct flap *
flap_find(
    struct watch *w, const struct nk_prefix *p, uint16_t peer, bool create)
{
	struct flap *free_slot = NULL;

	for (size_t i = 0; i < MAX_FLAPS; i++) {
		struct flap *f = &w->flaps[i];
		if (!f->used) {
			if (free_slot == NULL)
				free_slot = f;
			continue;
		}
		if (f->peer == peer && f->p.len == p->len &&
		    f->p.addr.family == p->addr.family &&
		    memcmp(f->p.addr.bytes, p->addr.bytes, 16) == 0)
			return f;
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->p = *p;
	free_slot->peer = peer;
	return free_slot;
}

static void
flap_end(struct watch *w, struct flap *f, uint32_t ts)
{
	if (f->alerted) {
		struct watch_event ev;
		struct nk_mrt_elem e;
		memset(&e, 0, sizeof(e));
		e.ts = ts;
		ev_init(&ev, "flap_ended", NK_SEV_INFO, &e, &w->peers[f->peer]);
		ev.has_prefix = true;
		ev.prefix = f->p;
		ev.count = f->n;
		ev.since = f->first;
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "flapped %u times via %s in %u s", f->n,
		    w->peers[f->peer].name, f->last - f->first);
		ev_emit(w, &ev);
	}
	f->used = false;
}

/* A withdrawal of a watched route: count it; true while flapping (the
 * per-change events are then held back, one event says it all). */
static bool
flap_note(struct watch *w, const struct nk_prefix *p, uint16_t peer,
    uint32_t ts, const struct nk_mrt_elem *e)
{
	struct flap *f = flap_find(w, p, peer, true);

	if (f == NULL)
		return false;
	if (f->n > 0 && ts - f->last > w->cfg.flap_window_s) {
		flap_end(w, f, f->last);
		f = flap_find(w, p, peer, true);
		if (f == NULL)
			return false;
	}
	if (f->n == 0)
		f->first = ts;
	f->n++;
	f->last = ts;
	if (f->n >= w->cfg.flap_threshold && !f->alerted) {
		struct watch_event ev;
		f->alerted = true;
		ev_init(&ev, "flapping", NK_SEV_WARNING, e, &w->peers[peer]);
		ev.has_prefix = true;
		ev.prefix = *p;
		ev.count = f->n;
		ev.since = f->first;
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "%u withdrawals via %s in %u s", f->n, w->peers[peer].name,
		    ts - f->first);
		ev_emit(w, &ev);
		return true;
	}
	return f->alerted;
}

static bool
flapping(struct watch *w, const struct nk_prefix *p, uint16_t peer, uint32_t ts)
{
	struct flap *f = flap_find(w, p, peer, false);

	if (f == NULL)
		return false;
	if (f->last + w->cfg.flap_window_s < ts) {
		flap_end(w, f, f->last);
		return false;
	}
	if (f->alerted)
		f->last = ts;
	return f->alerted;
}

static void
visibility(
    struct watch *w, struct wpeer *p, uint32_t ts, const struct nk_mrt_elem *e)
{
	if (ts - p->win_max_ts > w->cfg.vis_window_s ||
	    p->n_routes >= p->win_max) {
		p->win_max = p->n_routes;
		p->win_max_ts = ts;
	}
	if (w->quiet)
		return;
	uint64_t floor = p->win_max * (100 - w->cfg.vis_drop_pct) / 100;
	if (!p->vis_alarm && p->win_max >= w->cfg.vis_min_prefixes &&
	    p->n_routes < floor) {
		struct watch_event ev;
		p->vis_alarm = true;
		ev_init(&ev, "lost_visibility", NK_SEV_CRITICAL, e, p);
		ev.count = p->n_routes;
		ev.count_before = p->win_max;
		ev.since = p->win_max_ts;
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "%s: prefix count fell from %llu to %llu within %u s",
		    p->name, (unsigned long long)p->win_max,
		    (unsigned long long)p->n_routes, ts - p->win_max_ts);
		ev_emit(w, &ev);
	} else if (p->vis_alarm && p->n_routes >= floor &&
	    p->n_routes * 100 >= p->win_max * (100 - w->cfg.vis_drop_pct / 2)) {
		struct watch_event ev;
		p->vis_alarm = false;
		ev_init(&ev, "visibility_restored", NK_SEV_OK, e, p);
		ev.count = p->n_routes;
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "%s: prefix count back to %llu", p->name,
		    (unsigned long long)p->n_routes);
		ev_emit(w, &ev);
	}
}

/* Events of one route change of a watched prefix. */
static void
route_events(struct watch *w, const struct nk_mrt_elem *e, int pi,
    const struct nk_prefix *p, uint32_t old_attr, uint32_t new_attr,
    size_t up_before, bool known)
{
	struct wpeer *peer = &w->peers[pi];
	struct watch_event ev;
	char via[256];

	if (peer->up < 0)
		return; /* only upstreams decide reachability */
	size_t up_after = still_via(w, p, pi, via, sizeof(via));
	if (old_attr != 0 && new_attr == 0) {
		bool held = flap_note(w, p, (uint16_t)pi, e->ts, e);
		if (up_after == 0) {
			ev_init(&ev, "unreachable", NK_SEV_CRITICAL, e, peer);
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "withdrawn by %s: no upstream announces it",
			    peer->name);
		} else {
			if (held)
				return;
			ev_init(&ev, "withdrawn", NK_SEV_WARNING, e, peer);
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "withdrawn by %s, still via %s", peer->name, via);
		}
		(void)snprintf(ev.still_via, sizeof(ev.still_via), "%s", via);
		fill_attr(w, old_attr, ev.old_path, sizeof(ev.old_path),
		    &ev.old_origin_as);
	} else if (old_attr == 0 && new_attr != 0) {
		bool held = flapping(w, p, (uint16_t)pi, e->ts);
		if (up_before == 0 && known) {
			ev_init(&ev, "reachable_again", NK_SEV_OK, e, peer);
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "announced by %s%s%s", peer->name,
			    up_after ? ", also via " : "", via);
		} else {
			if (held)
				return;
			ev_init(&ev, "announced", NK_SEV_INFO, e, peer);
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "announced by %s%s%s", peer->name,
			    up_after ? ", also via " : "", via);
		}
		(void)snprintf(ev.still_via, sizeof(ev.still_via), "%s", via);
		fill_attr(w, new_attr, ev.new_path, sizeof(ev.new_path),
		    &ev.new_origin_as);
	} else {
		struct rib_attr_view ov, nv;
		if (rib_attr_view(w->rib, old_attr, &ov) < 0 ||
		    rib_attr_view(w->rib, new_attr, &nv) < 0)
			return;
		if (ov.aspath == nv.aspath)
			return; /* other attributes: not an event */
		if (ov.origin_as != nv.origin_as) {
			ev_init(
			    &ev, "origin_changed", NK_SEV_CRITICAL, e, peer);
		} else {
			ev_init(&ev, "path_changed", NK_SEV_WARNING, e, peer);
		}
		fill_attr(w, old_attr, ev.old_path, sizeof(ev.old_path),
		    &ev.old_origin_as);
		fill_attr(w, new_attr, ev.new_path, sizeof(ev.new_path),
		    &ev.new_origin_as);
		if (ev.old_origin_as != ev.new_origin_as)
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "origin AS%u -> AS%u via %s (possible hijack): "
			    "%s -> %s",
			    ev.old_origin_as, ev.new_origin_as, peer->name,
			    ev.old_path, ev.new_path);
		else
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "path via %s: %s -> %s", peer->name, ev.old_path,
			    ev.new_path);
	}
	ev.has_prefix = true;
	ev.prefix = *p;
	ev_emit(w, &ev);
}

static void
route_change(struct watch *w, const struct nk_mrt_elem *e, int pi,
    const struct nk_prefix *p, uint32_t new_attr)
{
	struct wpeer *peer = &w->peers[pi];
	uint32_t old_attr = 0;
	uint16_t flaps = 0;
	char via[256];
	bool ms = false;
	struct nk_prefix cover;
	uint32_t origin_as = 0;
	struct rib_attr_view v;

	/* The route now held: its origin matters for an ASN watch when it
	 * is withdrawn; any entry at all tells "new" from "back". */
	/* (Loading quietly skips all of this: one tree walk per route.) */
	size_t n_rt = 0;
	uint32_t cur_attr = 0;
	bool known = false, watched = false;
	if (!w->quiet) {
		const struct rib_route *rt = rib_get(w->rib, p, &n_rt);
		for (size_t i = 0; i < n_rt; i++)
			if (rt[i].peer == pi && rt[i].path_id == e->path_id)
				cur_attr = rt[i].attr;
		known = n_rt > 0;
		uint32_t ref = new_attr != 0 ? new_attr : cur_attr;
		if (ref != 0 && rib_attr_view(w->rib, ref, &v) == 0)
			origin_as = v.origin_as;
		watched = prefix_watched(w, p, origin_as, &ms, &cover);
	}
	size_t up_before = watched ? still_via(w, p, -1, via, sizeof(via)) : 0;
	if (rib_set(w->rib, p, (uint16_t)pi, e->path_id, new_attr, e->ts,
		&old_attr, &flaps) < 0) {
		rib_attr_unref(w->rib, new_attr);
		return;
	}
	if (old_attr == 0 && new_attr != 0)
		peer->n_routes++;
	else if (old_attr != 0 && new_attr == 0 && peer->n_routes > 0)
		peer->n_routes--;
	if (watched)
		route_events(w, e, pi, p, old_attr, new_attr, up_before, known);
	else if (ms && !w->quiet && old_attr == 0 && new_attr != 0) {
		struct watch_event ev;
		char cbuf[64];
		ev_init(&ev, "more_specific", NK_SEV_WARNING, e, peer);
		ev.has_prefix = true;
		ev.prefix = *p;
		fill_attr(w, new_attr, ev.new_path, sizeof(ev.new_path),
		    &ev.new_origin_as);
		(void)nk_prefix_fmt(&cover, cbuf, sizeof(cbuf));
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "more-specific of watched %s announced by %s, origin AS%u",
		    cbuf, peer->name, ev.new_origin_as);
		ev_emit(w, &ev);
	}
	rib_attr_unref(w->rib, old_attr);
	visibility(w, peer, e->ts, e);
}

struct down_ctx {
	struct watch *w;
	const struct nk_mrt_elem *e;
	int pi;
	const char *why; /* "session down", "stale after graceful restart" */
};

static void
peer_down_one(void *arg, const struct nk_prefix *p, uint32_t old_attr)
{
	struct down_ctx *d = arg;
	bool ms;
	struct nk_prefix cover;
	struct rib_attr_view v;
	uint32_t origin_as = 0;
	char via[256];

	if (d->w->quiet)
		return;
	if (rib_attr_view(d->w->rib, old_attr, &v) == 0)
		origin_as = v.origin_as;
	if (!prefix_watched(d->w, p, origin_as, &ms, &cover))
		return;
	/* rib_peer_clear calls us before the change: count after it */
	size_t up_before = still_via(d->w, p, -1, via, sizeof(via));
	struct watch_event ev;
	struct wpeer *peer = &d->w->peers[d->pi];
	size_t up_after = still_via(d->w, p, d->pi, via, sizeof(via));
	(void)up_before;
	if (peer->up < 0)
		return;
	if (up_after == 0) {
		ev_init(&ev, "unreachable", NK_SEV_CRITICAL, d->e, peer);
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "withdrawn by %s (%s): no upstream announces it",
		    peer->name, d->why);
	} else {
		ev_init(&ev, "withdrawn", NK_SEV_WARNING, d->e, peer);
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "withdrawn by %s (%s), still via %s", peer->name, d->why,
		    via);
	}
	(void)snprintf(ev.still_via, sizeof(ev.still_via), "%s", via);
	ev.has_prefix = true;
	ev.prefix = *p;
	fill_attr(d->w, old_attr, ev.old_path, sizeof(ev.old_path),
	    &ev.old_origin_as);
	ev_emit(d->w, &ev);
}

static const char *const fsm_names[] = {"Unknown", "Idle", "Connect", "Active",
    "OpenSent", "OpenConfirm", "Established", "Clearing", "Deleted"};

static const char *
fsm_name(unsigned s)
{
	return s < 9 ? fsm_names[s] : "Unknown";
}

static void
state_change(struct watch *w, const struct nk_mrt_elem *e, int pi)
{
	struct wpeer *peer = &w->peers[pi];
	struct watch_event ev;

	if (e->new_state == FSM_ESTABLISHED && !peer->established) {
		peer->established = true;
		peer->state_since = e->ts;
		if (!w->quiet) {
			ev_init(&ev, "session_up", NK_SEV_OK, e, peer);
			if (peer->down_ts != 0) {
				int64_t d =
				    ((int64_t)e->ts - peer->down_ts) * 1000 +
				    ((int64_t)e->usec - peer->down_usec) / 1000;
				ev.has_outage = true;
				ev.outage_ms = d > 0 ? (uint64_t)d : 0;
				ev.since = peer->down_ts;
				(void)snprintf(ev.detail, sizeof(ev.detail),
				    "session with %s established after "
				    "%.3f s down",
				    peer->name, (double)ev.outage_ms / 1000.0);
			} else {
				(void)snprintf(ev.detail, sizeof(ev.detail),
				    "session with %s established", peer->name);
			}
			ev_emit(w, &ev);
		}
		w->reason[0] = '\0';
		return;
	}
	/* Only a transition out of Established ends a session: a peer
	 * known from a RIB dump replays its own 1->4->5->6 harmlessly. */
	if (e->new_state == FSM_ESTABLISHED || e->old_state != FSM_ESTABLISHED)
		return;
	/*
	 * Leaving Established: RFC 4271 §9.1 says the peer's routes are gone
	 * although the MRT file holds no withdrawals for them (BIRD writes
	 * only the state change). Withdraw them all here.
	 */
	bool was = peer->established;
	peer->established = false;
	peer->state_since = e->ts;
	peer->down_ts = e->ts;
	peer->down_usec = e->usec;
	/* RFC 4724 §4.2: a restarting peer's routes stay, marked stale,
	 * until its End-of-RIB or the restart time (the input's timer). */
	uint64_t n_stale = 0;
	if (peer->gr_time_s > 0)
		for (int f = 0; f < 2; f++)
			if (peer->gr_fams & (1u << f))
				n_stale += rib_peer_mark_stale(w->rib,
				    (uint16_t)pi, f == 0 ? AF_INET : AF_INET6);
	if (was && !w->quiet) {
		char what[120];
		ev_init(&ev, "session_down",
		    peer->up >= 0 ? NK_SEV_CRITICAL : NK_SEV_WARNING, e, peer);
		ev.count = peer->n_routes;
		if (peer->gr_time_s > 0) {
			ev.graceful_restart = true;
			ev.restart_time_s = peer->gr_time_s;
			ev.stale_routes = n_stale;
			(void)snprintf(what, sizeof(what),
			    "graceful restart: %llu routes kept as stale for "
			    "up to %u s",
			    (unsigned long long)n_stale, peer->gr_time_s);
		} else {
			(void)snprintf(what, sizeof(what),
			    "%llu routes withdrawn",
			    (unsigned long long)peer->n_routes);
		}
		(void)snprintf(ev.reason, sizeof(ev.reason), "%s", w->reason);
		if (w->reason[0] != '\0')
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "peer down: %s: session with %s left Established "
			    "(%s -> %s), %s",
			    w->reason, peer->name, fsm_name(e->old_state),
			    fsm_name(e->new_state), what);
		else
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "session with %s left Established (%s -> %s), %s",
			    peer->name, fsm_name(e->old_state),
			    fsm_name(e->new_state), what);
		ev_emit(w, &ev);
	}
	w->reason[0] = '\0';
	if (peer->gr_time_s > 0) {
		/* a family its capability did not list goes now */
		size_t gone = 0;
		for (int f = 0; f < 2; f++) {
			if (peer->gr_fams & (1u << f))
				continue;
			int fam = f == 0 ? AF_INET : AF_INET6;
			struct down_ctx d = {w, e, pi,
			    f == 0 ? "session down: IPv4 unicast not in its "
				     "graceful-restart capability"
				   : "session down: IPv6 unicast not in its "
				     "graceful-restart capability"};
			size_t n = rib_peer_clear(
			    w->rib, (uint16_t)pi, fam, e->ts, peer_down_one, &d);
			peer->n_routes =
			    peer->n_routes > n ? peer->n_routes - n : 0;
			gone += n;
		}
		if (gone > 0)
			visibility(w, peer, e->ts, e);
		return;
	}
	struct down_ctx d = {w, e, pi, "session down"};
	size_t n =
	    rib_peer_clear(w->rib, (uint16_t)pi, 0, e->ts, peer_down_one, &d);
	peer->n_routes = peer->n_routes > n ? peer->n_routes - n : 0;
	visibility(w, peer, e->ts, e);
}

int
watch_elem(void *arg, const struct nk_mrt_elem *e)
{
	struct watch *w = arg;

	if (e->ts > w->last_ts)
		w->last_ts = e->ts;
	int pi = peer_idx(w, &e->peer_addr, e->peer_as);
	if (pi < 0)
		return 0;
	switch (e->kind) {
	case NK_MRT_E_STATE:
		state_change(w, e, pi);
		break;
	case NK_MRT_E_ATTR_ERROR:
		if (!w->quiet) {
			struct watch_event ev;
			ev_init(&ev, "rfc7606_error", NK_SEV_WARNING, e,
			    &w->peers[pi]);
			(void)snprintf(ev.detail, sizeof(ev.detail),
			    "UPDATE from %s: %s (%s)", w->peers[pi].name,
			    e->attrs->err_cause,
			    nk_bgp_errclass_name(e->attrs->err_class));
			ev_emit(w, &ev);
		}
		break;
	case NK_MRT_E_RIB:
	case NK_MRT_E_ANNOUNCE: {
		/* RFC 7606: treat-as-withdraw and worse withdraw the NLRI. */
		if (e->attrs->err_class >= NK_BGP_ERR_TREAT_AS_WITHDRAW) {
			route_change(w, e, pi, &e->prefix, 0);
			break;
		}
		if (e->kind == NK_MRT_E_ANNOUNCE && !w->peers[pi].established) {
			w->peers[pi].established = true;
			w->peers[pi].state_since = e->ts;
		}
		uint32_t id = rib_attr_intern(w->rib, e->attrs, &e->next_hop);
		if (id != 0)
			route_change(w, e, pi, &e->prefix, id);
		break;
	}
	case NK_MRT_E_WITHDRAW:
		route_change(w, e, pi, &e->prefix, 0);
		break;
	case NK_MRT_E_MESSAGE:
		break;
	}
	return 0;
}

void
watch_set_reason(struct watch *w, const char *reason)
{
	(void)snprintf(
	    w->reason, sizeof(w->reason), "%s", reason ? reason : "");
}

/* Upstream index and display name of a peer under the current config. */
static void
peer_classify(struct watch *w, struct wpeer *p)
{
	char a[64];

	p->up = -1;
	for (size_t u = 0; u < w->cfg.n_up; u++) {
		const struct watch_upstream *up = &w->cfg.up[u];
		bool addr_ok = up->addr.family == 0 ||
		    (up->addr.family == p->addr.family &&
			memcmp(up->addr.bytes, p->addr.bytes,
			    p->addr.family == AF_INET6 ? 16 : 4) == 0);
		bool as_ok = up->asn == 0 || up->asn == p->asn;
		if (addr_ok && as_ok) {
			p->up = (int)u;
			break;
		}
	}
	dump_fmt_addr(&p->addr, a, sizeof(a));
	if (p->up >= 0)
		(void)snprintf(
		    p->name, sizeof(p->name), "%s", w->cfg.up[p->up].name);
	else
		(void)snprintf(p->name, sizeof(p->name), "%s AS%u", a, p->asn);
	if (w->cfg.n_up == 0)
		p->up = (int)WATCH_MAX_UPSTREAMS;
}

void
watch_peer_connecting(struct watch *w, const struct nk_addr *addr, uint32_t asn)
{
	int pi = peer_idx(w, addr, asn);
	if (pi >= 0 && w->peers[pi].n_routes == 0)
		w->peers[pi].established = false;
}

void
watch_peer_graceful(struct watch *w, const struct nk_addr *addr, uint32_t asn,
    uint16_t restart_s, uint8_t fams)
{
	int pi = peer_idx(w, addr, asn);
	if (pi >= 0) {
		w->peers[pi].gr_time_s = fams != 0 ? restart_s : 0;
		w->peers[pi].gr_fams = fams;
	}
}

size_t
watch_peer_stale_flush(struct watch *w, const struct nk_addr *addr,
    uint32_t asn, int family, int64_t real_ns, const char *why)
{
	uint32_t ts = (uint32_t)(real_ns / 1000000000);
	int pi = peer_idx(w, addr, asn);
	struct nk_mrt_elem e;

	if (pi < 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.usec = (uint32_t)(real_ns % 1000000000 / 1000);
	e.peer_addr = *addr;
	e.peer_as = asn;
	if (ts > w->last_ts)
		w->last_ts = ts;
	struct wpeer *peer = &w->peers[pi];
	struct down_ctx d = {w, &e, pi, why};
	size_t n = rib_peer_sweep_stale(
	    w->rib, (uint16_t)pi, family, ts, peer_down_one, &d);
	peer->n_routes = peer->n_routes > n ? peer->n_routes - n : 0;
	if (n > 0)
		visibility(w, peer, ts, &e);
	return n;
}

void
watch_set_cfg(struct watch *w, const struct watch_cfg *cfg)
{
	w->cfg = *cfg;
	for (size_t i = 0; i < w->n_peers; i++)
		peer_classify(w, &w->peers[i]);
}

void
watch_finish(struct watch *w)
{
	for (size_t i = 0; i < MAX_FLAPS; i++)
		if (w->flaps[i].used)
			flap_end(w, &w->flaps[i], w->flaps[i].last);
}
