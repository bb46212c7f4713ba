/* livestate: a running collector's state as a snapshot; see livestate.h. */
#include "livestate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dump.h"
#include "log.h"
#include "rib.h"

#define MEMO_MAX (WATCH_MAX_UPSTREAMS * 2)
#define WRITE_GAP_NS (200 * NK_NS_PER_MS)

/* What events said about a peer, by its display name. */
struct memo {
	char name[NK_BGPSTATUS_NAME_MAX];
	char reason[256];
	int64_t since_ns; /* last session_up/session_down */
};

struct livestate {
	struct collect *c;
	struct memo memo[MEMO_MAX];
	size_t n_memo;
	/* status file */
	struct nk_loop *loop;
	char path[512];
	struct nk_bgpstatus *st; /* scratch for writes */
	uint64_t t_soon;         /* a write after an event, 0 none */
	int64_t next_ns;         /* the periodic deadline */
	char last_err[NK_ERR_MAX];
	int64_t last_write_ns; /* monotonic */
	/* per watch peer, grown to watch_n_peers: its upstream index in the
	 * snapshot (-1 none) and whether a BGP session of ours is it */
	int *peer_up;
	bool *peer_sess;
	size_t cap_peer;
};

struct livestate *
livestate_new(struct collect *c)
{
	struct livestate *ls = calloc(1, sizeof(*ls));
	if (ls != NULL)
		ls->c = c;
	return ls;
}

void
livestate_free(struct livestate *ls)
{
	if (ls == NULL)
		return;
	if (ls->loop != NULL)
		nk_loop_timer_cancel(ls->loop, ls->t_soon);
	free(ls->st);
	free(ls->peer_up);
	free(ls->peer_sess);
	free(ls);
}

static struct memo *
memo_get(struct livestate *ls, const char *name, bool add)
{
	for (size_t i = 0; i < ls->n_memo; i++)
		if (strcmp(ls->memo[i].name, name) == 0)
			return &ls->memo[i];
	if (!add)
		return NULL;
	/* full (churn of unknown peers): reuse the oldest slot */
	struct memo *m = ls->n_memo < MEMO_MAX ? &ls->memo[ls->n_memo++]
					       : &ls->memo[MEMO_MAX - 1];
	memset(m, 0, sizeof(*m));
	(void)snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

static void write_soon(struct livestate *ls);

void
livestate_event(struct livestate *ls, const struct watch_event *ev)
{
	if (ls == NULL)
		return;
	int64_t ns =
	    (int64_t)ev->ts * NK_NS_PER_SEC + (int64_t)ev->usec * NK_NS_PER_US;
	bool up = strcmp(ev->name, "session_up") == 0;
	bool down = strcmp(ev->name, "session_down") == 0;
	bool err = strcmp(ev->name, "session_error") == 0 ||
	    strcmp(ev->name, "md5_mismatch") == 0;
	if (ev->peer != NULL && (up || down || err)) {
		struct memo *m = memo_get(ls, ev->peer, true);
		if (up || down)
			m->since_ns = ns;
		if (down || err)
			(void)snprintf(m->reason, sizeof(m->reason), "%.255s",
			    ev->reason[0] != '\0' ? ev->reason : ev->detail);
	}
	write_soon(ls);
}

/* ------------------------------------------------------------ snapshot */

static void
add_alarm(struct nk_bgpstatus *st, enum nk_severity sev, const char *kind,
    const char *object, int64_t since_ns, const char *detail)
{
	if (st->n_alarm == NK_BGPSTATUS_MAX_ALARM)
		return;
	struct nk_bgpstatus_alarm *a = &st->alarm[st->n_alarm++];
	a->sev = sev;
	(void)snprintf(a->kind, sizeof(a->kind), "%s", kind);
	(void)snprintf(a->object, sizeof(a->object), "%s", object);
	(void)snprintf(a->detail, sizeof(a->detail), "%s", detail);
	a->since_ns = since_ns;
}

/* Upstream u of the snapshot for watch peer i, or -1. */
static int
up_of_peer(const struct nk_bgpstatus *st, const struct watch *w, size_t i)
{
	if (!watch_is_upstream(w, i))
		return -1;
	const char *n = watch_peer_name(w, i);
	for (size_t u = 0; u < st->n_up; u++)
		if (strcmp(st->upstream[u], n) == 0)
			return (int)u;
	return -1;
}

/* The per-peer arrays for n peers; returns how many fit (out of memory:
 * the peers past the old size are left out of the snapshot). */
static size_t
peer_arrays(struct livestate *ls, size_t n)
{
	if (n > ls->cap_peer) {
		size_t nc = n + 64;
		int *a = realloc(ls->peer_up, nc * sizeof(*a));
		if (a != NULL)
			ls->peer_up = a;
		bool *b =
		    a != NULL ? realloc(ls->peer_sess, nc * sizeof(*b)) : NULL;
		if (b != NULL) {
			ls->peer_sess = b;
			ls->cap_peer = nc;
		}
	}
	return n < ls->cap_peer ? n : ls->cap_peer;
}

static void
snap_sessions(
    struct livestate *ls, const struct watch *w, struct nk_bgpstatus *st)
{
	struct collect_sess_info si[NK_BGPSTATUS_MAX_SESS];
	size_t n = collect_sessions(ls->c, si, NK_BGPSTATUS_MAX_SESS);
	size_t n_peers = peer_arrays(ls, watch_n_peers(w));
	bool *matched = ls->peer_sess;

	for (size_t k = 0; k < n_peers; k++)
		matched[k] = false;

	for (size_t i = 0; i < n; i++) {
		struct nk_bgpstatus_sess *s = &st->sess[st->n_sess++];
		(void)snprintf(s->name, sizeof(s->name), "%s", si[i].name);
		dump_fmt_addr(&si[i].addr, s->addr, sizeof(s->addr));
		s->asn = si[i].asn;
		(void)snprintf(s->state, sizeof(s->state), "%s", si[i].state);
		s->up = si[i].established;
		s->updates = si[i].n_updates;
		for (size_t k = 0; k < n_peers; k++) {
			struct watch_peer_info pi;
			watch_peer(w, k, &pi);
			if (pi.asn != si[i].asn ||
			    !nk_addr_eq(&pi.addr, &si[i].addr))
				continue;
			s->prefixes = pi.n_routes;
			if (pi.state_since != 0)
				s->since_ns =
				    (int64_t)pi.state_since * NK_NS_PER_SEC;
			matched[k] = true;
		}
		const struct memo *m = memo_get(ls, s->name, false);
		if (m != NULL) {
			(void)snprintf(
			    s->reason, sizeof(s->reason), "%s", m->reason);
			if (m->since_ns != 0)
				s->since_ns = m->since_ns;
		}
	}
	/* upstreams that are no BGP session of ours: BMP-monitored peers */
	for (size_t k = 0; k < n_peers && st->n_sess < NK_BGPSTATUS_MAX_SESS;
	     k++) {
		if (matched[k] || !watch_is_upstream(w, k))
			continue;
		struct watch_peer_info pi;
		watch_peer(w, k, &pi);
		struct nk_bgpstatus_sess *s = &st->sess[st->n_sess++];
		(void)snprintf(s->name, sizeof(s->name), "%s", pi.name);
		dump_fmt_addr(&pi.addr, s->addr, sizeof(s->addr));
		s->asn = pi.asn;
		s->up = pi.established;
		(void)snprintf(s->state, sizeof(s->state), "%s",
		    pi.established ? "Established" : "Idle");
		s->prefixes = pi.n_routes;
		s->since_ns = (int64_t)pi.state_since * NK_NS_PER_SEC;
		const struct memo *m = memo_get(ls, s->name, false);
		if (m != NULL)
			(void)snprintf(
			    s->reason, sizeof(s->reason), "%s", m->reason);
	}
	for (size_t i = 0; i < st->n_sess; i++) {
		const struct nk_bgpstatus_sess *s = &st->sess[i];
		if (s->up)
			continue;
		char d[256];
		(void)snprintf(d, sizeof(d),
		    "session with %.47s is %.15s%s%.170s", s->name, s->state,
		    s->reason[0] ? ": " : "", s->reason);
		add_alarm(st, NK_SEV_CRITICAL, "session_down", s->name,
		    s->since_ns, d);
	}
}

static void
snap_prefixes(struct livestate *ls, const struct watch *w,
    const struct watch_cfg *cfg, struct nk_bgpstatus *st)
{
	size_t n_map = peer_arrays(ls, watch_n_peers(w));
	int *up_idx = ls->peer_up;

	for (size_t k = 0; k < n_map; k++)
		up_idx[k] = up_of_peer(st, w, k);
	for (size_t i = 0;
	     i < cfg->n_prefix && st->n_prefix < NK_BGPSTATUS_MAX_PREFIX; i++) {
		struct nk_bgpstatus_prefix *p = &st->prefix[st->n_prefix++];
		size_t n = 0;
		const struct rib_route *rt =
		    rib_get(watch_rib(w), &cfg->prefix[i], &n);
		(void)nk_prefix_fmt(
		    &cfg->prefix[i], p->prefix, sizeof(p->prefix));
		for (size_t j = 0; rt != NULL && j < n; j++) {
			if (rt[j].peer >= n_map || up_idx[rt[j].peer] < 0)
				continue;
			size_t u = (size_t)up_idx[rt[j].peer];
			int64_t since = (int64_t)rt[j].since * NK_NS_PER_SEC;
			if (rt[j].attr != 0) {
				/* any announcing peer of this upstream */
				if (p->up_state[u] != NK_BGPSTATUS_VIA ||
				    since < p->up_since_ns[u])
					p->up_since_ns[u] = since;
				p->up_state[u] = NK_BGPSTATUS_VIA;
				p->reachable = true;
			} else if (p->up_state[u] != NK_BGPSTATUS_VIA) {
				p->up_state[u] = NK_BGPSTATUS_WITHDRAWN;
				if (since > p->up_since_ns[u])
					p->up_since_ns[u] = since;
			}
		}
		char via[200] = "", wd[200] = "";
		int64_t wd_since = 0;
		for (size_t u = 0; u < st->n_up; u++) {
			char *b = p->up_state[u] == NK_BGPSTATUS_VIA   ? via
			    : p->up_state[u] == NK_BGPSTATUS_WITHDRAWN ? wd
								       : NULL;
			if (b == NULL)
				continue;
			size_t l = strlen(b);
			(void)snprintf(b + l, 200 - l, "%s%s", l ? ", " : "",
			    st->upstream[u]);
			if (b == wd && p->up_since_ns[u] > wd_since)
				wd_since = p->up_since_ns[u];
		}
		char d[256];
		if (!p->reachable) {
			(void)snprintf(d, sizeof(d),
			    "%.63s unreachable: no upstream announces "
			    "it%s%.130s",
			    p->prefix, wd[0] ? "; withdrawn by " : "", wd);
			add_alarm(st, NK_SEV_CRITICAL, "unreachable", p->prefix,
			    wd_since, d);
		} else if (wd[0] != '\0') {
			(void)snprintf(d, sizeof(d),
			    "%.63s withdrawn by %.80s, still via %.80s",
			    p->prefix, wd, via);
			add_alarm(st, NK_SEV_WARNING, "withdrawn", p->prefix,
			    wd_since, d);
		}
	}
}

void
livestate_snapshot(
    struct livestate *ls, int64_t now_real_ns, struct nk_bgpstatus *st)
{
	const struct watch *w = collect_watch(ls->c);
	const struct watch_cfg *cfg = collect_watch_cfg(ls->c);

	memset(st, 0, sizeof(*st));
	st->time_ns = now_real_ns;
	/* the configured upstreams; without any, every peer is one */
	if (cfg->n_up > 0) {
		for (size_t u = 0; u < cfg->n_up && u < NK_BGPSTATUS_MAX_UP;
		     u++)
			(void)snprintf(st->upstream[st->n_up++],
			    NK_BGPSTATUS_NAME_MAX, "%s", cfg->up[u].name);
	} else {
		for (size_t k = 0;
		     k < watch_n_peers(w) && st->n_up < NK_BGPSTATUS_MAX_UP;
		     k++)
			(void)snprintf(st->upstream[st->n_up++],
			    NK_BGPSTATUS_NAME_MAX, "%s", watch_peer_name(w, k));
	}
	snap_sessions(ls, w, st);
	snap_prefixes(ls, w, cfg, st);
}

/* --------------------------------------------------------- status file */

int
livestate_write(
    const struct nk_bgpstatus *st, const char *path, struct nk_err *err)
{
	char tmp[600];
	char *buf = NULL;
	size_t len = 0, off = 0;
	int fd = -1, rc = -1;

	if (nk_bgpstatus_fmt(st, &buf, &len, err) < 0)
		return -1;
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		nk_err_set(err, "status file %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			nk_err_set(err, "status file %s: write: %s", tmp,
			    n < 0 ? strerror(errno) : "wrote nothing");
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		fd = -1;
		nk_err_set(
		    err, "status file %s: close: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	/* rename(2) replaces path in one step: readers see old or new */
	if (rename(tmp, path) < 0) {
		nk_err_set(err, "status file %s: rename from %s: %s", path, tmp,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	if (rc < 0)
		(void)unlink(tmp);
	free(buf);
	return rc;
}

static int
write_now(struct livestate *ls, struct nk_err *err)
{
	livestate_snapshot(ls, nk_clock_real_ns(), ls->st);
	return livestate_write(ls->st, ls->path, err);
}

static void
write_logged(struct livestate *ls)
{
	struct nk_err err = {{0}};
	if (write_now(ls, &err) == 0) {
		if (ls->last_err[0] != '\0')
			nk_log(
			    NK_LOG_INFO, "status_file_ok", "file=%s", ls->path);
		ls->last_err[0] = '\0';
		return;
	}
	/* one line per new cause, not one every few seconds */
	if (strcmp(ls->last_err, nk_err_msg(&err)) != 0) {
		char e[NK_ERR_MAX + 8];
		nk_log(NK_LOG_ERR, "status_file_failed", "cause=%s",
		    nk_log_str(e, sizeof(e), nk_err_msg(&err)));
		(void)snprintf(
		    ls->last_err, sizeof(ls->last_err), "%s", nk_err_msg(&err));
	}
}

void
livestate_file_stop(struct livestate *ls, const char *why)
{
	struct nk_err err = {{0}};
	char e[NK_ERR_MAX + 8];

	if (ls == NULL || ls->st == NULL)
		return;
	livestate_snapshot(ls, nk_clock_real_ns(), ls->st);
	(void)snprintf(ls->st->stopped, sizeof(ls->st->stopped), "%s", why);
	if (livestate_write(ls->st, ls->path, &err) < 0)
		nk_log(NK_LOG_ERR, "status_file_failed", "cause=%s",
		    nk_log_str(e, sizeof(e), nk_err_msg(&err)));
}

static void
soon_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct livestate *ls = ctx;
	(void)loop;
	ls->t_soon = 0;
	ls->last_write_ns = now_ns;
	write_logged(ls);
}

/* After an event: write once the current pass is done (the engine may be
 * mid-UPDATE), one write for a burst of events. */
static void
write_soon(struct livestate *ls)
{
	if (ls->loop == NULL || ls->t_soon != 0)
		return;
	/* at most one such write per WRITE_GAP_NS: a burst (a table
	 * loading) is one write, not one per loop pass */
	int64_t at = nk_loop_now_ns(ls->loop);
	if (at < ls->last_write_ns + WRITE_GAP_NS)
		at = ls->last_write_ns + WRITE_GAP_NS;
	ls->t_soon = nk_loop_timer_add(ls->loop, at, soon_fire, ls);
}

static void
tick_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct livestate *ls = ctx;
	ls->last_write_ns = now_ns;
	write_logged(ls);
	ls->next_ns += LIVESTATE_INTERVAL_NS;
	if (ls->next_ns <= now_ns) /* a stall: skip, do not catch up */
		ls->next_ns = now_ns + LIVESTATE_INTERVAL_NS;
	(void)nk_loop_timer_add(loop, ls->next_ns, tick_fire, ls);
}

int
livestate_file_start(struct livestate *ls, struct nk_loop *loop,
    const char *path, struct nk_err *err)
{
	ls->st = calloc(1, sizeof(*ls->st));
	if (ls->st == NULL) {
		nk_err_set(err, "status file %s: out of memory", path);
		return -1;
	}
	(void)snprintf(ls->path, sizeof(ls->path), "%s", path);
	if (write_now(ls, err) < 0)
		return -1;
	ls->loop = loop;
	ls->next_ns = nk_loop_now_ns(loop) + LIVESTATE_INTERVAL_NS;
	if (nk_loop_timer_add(loop, ls->next_ns, tick_fire, ls) == 0) {
		nk_err_set(err, "status file %s: out of memory", path);
		return -1;
	}
	return 0;
}
