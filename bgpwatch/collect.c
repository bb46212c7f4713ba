/* collect: the live BGP collector; see collect.h and bgpwatch(1). */
#include "collect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp.h"
#include "bgpmsg.h"
#include "bmpin.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "dump.h"
#include "engine_cmd.h"
#include "event.h"
#include "livestate.h"
#include "livetui.h"
#include "log.h"
#include "loop.h"
#include "mrt.h"
#include "priv.h"
#include "rd.h"
#include "ribdump.h"

#define NS_S 1000000000LL
#define BGP_STD_MAX 4096 /* RFC 4271 §4.1 without RFC 8654 */
#define MD5_POLL_NS (2 * NS_S)

/* FSM states as RFC 6396 §4.4.1 numbers them (the engine's STATE input). */
enum sstate {
	S_IDLE = 1,
	S_CONNECT = 2,
	S_ACTIVE = 3,
	S_OPENSENT = 4,
	S_OPENCONFIRM = 5,
	S_ESTABLISHED = 6,
};

static const char *const state_names[] = {
    "?", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"};

struct collect;

struct sess {
	struct collect *c;
	struct collect_peer_cfg pc;
	int fd;
	enum sstate st;
	bool outgoing; /* fd is our own connect() */
	uint8_t *rx;
	size_t rx_len;
	size_t max_msg;
	uint64_t t_hold, t_ka, t_retry;
	int64_t hold_ns, last_rx_ns;
	int64_t backoff_ns;
	bool as4;
	/* RFC 7911 ADD-PATH receive, negotiated per family */
	bool addpath_v4, addpath_v6;
	bool md5_alarmed;
	struct nk_addr local_addr; /* our end of the connection */
	struct nk_mrt_ctx mctx;
	uint64_t n_updates;
	bool gone; /* removed by a reload: freed after the pass */
	/* RFC 4724 */
	uint16_t gr_time_s; /* the peer's restart time (its OPEN); 0 none */
	uint8_t gr_fams;    /* families in its GR capability (bit 0 IPv4,
			     * bit 1 IPv6): the ones it keeps across a restart */
	bool notified;      /* a NOTIFICATION ended it: no graceful restart */
	uint64_t t_gr;      /* restart, then stale timer: stale routes go */
	bool gr_back;       /* the peer is back: t_gr is the stale timer */
	uint8_t stale_fams; /* families with stale routes pending */
	int64_t up_ns;      /* when it reached Established (monotonic) */
	uint64_t n_pfx[2];  /* prefixes announced in this session, v4/v6 */
};

struct listener {
	int fd;
	struct nk_addr addr;
	uint16_t port;
};

#define MAX_BMP_ROUTERS 32

struct bmpconn {
	struct collect *c;
	int fd;
	struct bmpin b;
	char addr[64];
	bool announced; /* bmp_router_up sent */
};

struct collect {
	const char *path;
	struct collect_cfg cfg;
	struct nk_loop *loop;
	struct watch *w;
	struct out out;
	struct sess *sess[WATCH_MAX_UPSTREAMS];
	size_t n_sess;
	struct listener lis[COLLECT_MAX_LISTEN];
	size_t n_lis;
	struct listener bmp_lis[COLLECT_MAX_LISTEN];
	size_t n_bmp_lis;
	struct bmpconn *bmp[MAX_BMP_ROUTERS];
	uint8_t rxbuf[65536];
	FILE *rec;
	uint64_t n_rec, n_rec_err;
	uint64_t md5_fail, md5_unexpected;
	bool md5_known;
	bool dropped;       /* privileges given up (nk_priv_drop) */
	int64_t rib_due_ns; /* next TABLE_DUMP_V2 snapshot (monotonic) */
	int exit_code;
	struct livestate *ls; /* snapshot for the TUI and the status file */
	struct livetui *tui;  /* --tui */
	char stop_why[64];    /* why the loop was asked to end, for the file */
};

/* ---------------------------------------------------------------- config */

static int
parse_hostport(const char *v, uint16_t defport, struct nk_addr *a,
    uint16_t *port, struct nk_err *err)
{
	char host[128];
	const char *ps = NULL;
	size_t hl;

	/* "ADDR", "ADDR:PORT", "[V6]:PORT", "V6" */
	if (v[0] == '[') {
		const char *e = strchr(v, ']');
		if (e == NULL) {
			nk_err_set(err, "'%s': missing ']'", v);
			return -1;
		}
		hl = (size_t)(e - v - 1);
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, v + 1, hl);
		host[hl] = '\0';
		if (e[1] == ':')
			ps = e + 2;
	} else {
		const char *colon = strrchr(v, ':');
		if (colon != NULL && strchr(v, ':') == colon) {
			hl = (size_t)(colon - v);
			ps = colon + 1;
		} else {
			hl = strlen(v);
		}
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, v, hl);
		host[hl] = '\0';
	}
	if (nk_addr_parse(host, a, err) < 0)
		return -1;
	*port = defport;
	if (ps != NULL) {
		char *end = NULL;
		unsigned long p = strtoul(ps, &end, 10);
		if (end == ps || *end != '\0' || p == 0 || p > 65535) {
			nk_err_set(err, "'%s': bad port", v);
			return -1;
		}
		*port = (uint16_t)p;
	}
	return 0;
}

int
collect_cfg_load(const char *path, struct collect_cfg *c, struct nk_err *err)
{
	struct nk_config *cfg = NULL;
	int rc = -1;
	uint64_t v;
	int64_t ns;

	memset(c, 0, sizeof(*c));
	if (watch_cfg_load(path, &c->watch, err) < 0)
		return -1;
	if (nk_config_load(path, &cfg, err) < 0)
		return -1;
	c->hold_s = 90;
	c->open_timeout_ns = 240 * NS_S; /* RFC 4271 §8.2.2: 4 minutes */
	c->retry_min_ns = 5 * NS_S;
	c->stale_ns = 360 * NS_S; /* as FRR's and BIRD's stale-path defaults */
	c->retry_max_ns = 120 * NS_S;
	c->graceful_restart = true;
	const struct nk_config_section *s =
	    nk_config_find(cfg, "collector", "");
	if (s == NULL && nk_config_find(cfg, "bmp", "") != NULL) {
		/* a BMP-only collector: no BGP identity needed */
		c->asn = 0;
		c->router_id = 0;
	} else if (s == NULL) {
		nk_err_set(err,
		    "%s: no [collector] section (asn, router_id, "
		    "listen)",
		    path);
		goto out;
	}
	static const char *const ckeys[] = {"asn", "router_id", "listen",
	    "hold_time", "open_timeout", "connect_retry", "connect_retry_max",
	    "extended_messages", "addpath", "graceful_restart", "record",
	    "user", "status_file", "record_rib_every", "stale_time", NULL};
	if (nk_config_check_keys(cfg, s, ckeys, err) < 0)
		goto out;
	v = 0;
	if (nk_config_get_u64(cfg, s, "asn", 1, UINT32_MAX, &v, err) < 0)
		goto out;
	if (v == 0 && s != NULL) {
		nk_err_set(err, "%s: [collector] needs asn = N", path);
		goto out;
	}
	c->asn = (uint32_t)v;
	const char *rid = nk_config_get(s, "router_id", NULL);
	struct in_addr ia = {0};
	if (s == NULL)
		ia.s_addr = htonl(1); /* BMP only: never used */
	else if (rid == NULL || inet_pton(AF_INET, rid, &ia) != 1 ||
	    ia.s_addr == 0) {
		nk_err_set(err,
		    "%s: [collector] needs router_id = A.B.C.D (not 0.0.0.0)",
		    path);
		goto out;
	}
	c->router_id = ntohl(ia.s_addr);
	v = c->hold_s;
	if (nk_config_get_u64(cfg, s, "hold_time", 0, 65535, &v, err) < 0)
		goto out;
	if (v == 1 || v == 2) {
		nk_err_set(
		    err, "%s: hold_time must be 0 or >= 3 (RFC 4271)", path);
		goto out;
	}
	c->hold_s = (uint16_t)v;
	ns = c->open_timeout_ns;
	if (nk_config_get_duration_ns(
		cfg, s, "open_timeout", NS_S, NS_S, 3600 * NS_S, &ns, err) < 0)
		goto out;
	c->open_timeout_ns = ns;
	if (nk_config_get_duration_ns(cfg, s, "connect_retry", NS_S, NS_S / 10,
		3600 * NS_S, &c->retry_min_ns, err) < 0 ||
	    nk_config_get_duration_ns(cfg, s, "connect_retry_max", NS_S,
		NS_S / 10, 86400 * NS_S, &c->retry_max_ns, err) < 0)
		goto out;
	if (c->retry_max_ns < c->retry_min_ns)
		c->retry_max_ns = c->retry_min_ns;
	const char *rec = nk_config_get(s, "record", NULL);
	if (rec != NULL)
		(void)snprintf(c->record, sizeof(c->record), "%s", rec);
	const char *stf = nk_config_get(s, "status_file", NULL);
	if (stf != NULL && strlen(stf) + 5 > sizeof(c->status_file)) {
		nk_err_set(err, "%s: [collector] status_file too long", path);
		goto out;
	}
	if (stf != NULL)
		(void)snprintf(
		    c->status_file, sizeof(c->status_file), "%s", stf);
	if (nk_config_get_duration_ns(cfg, s, "stale_time", NS_S, NS_S,
		86400 * NS_S, &c->stale_ns, err) < 0)
		return -1;
	if (nk_config_get_duration_ns(cfg, s, "record_rib_every", NS_S, 0,
		7 * 86400 * NS_S, &c->record_rib_every_ns, err) < 0)
		goto out;
	if (c->record_rib_every_ns > 0 && c->record_rib_every_ns < NS_S) {
		nk_err_set(err,
		    "%s: [collector] record_rib_every: 0 (off) or at least 1 s",
		    path);
		goto out;
	}
	if (c->record_rib_every_ns > 0 && c->record[0] == '\0') {
		nk_err_set(err,
		    "%s: [collector] record_rib_every needs record = FILE "
		    "(the snapshots go into it)",
		    path);
		goto out;
	}
	const char *user = nk_config_get(s, "user", NULL);
	if (user != NULL && strlen(user) >= sizeof(c->user)) {
		nk_err_set(
		    err, "%s: [collector] user '%s' too long", path, user);
		goto out;
	}
	(void)snprintf(c->user, sizeof(c->user), "%s",
	    user != NULL ? user : NK_PRIV_DEFAULT_USER);
	if (nk_config_get_bool(cfg, s, "extended_messages", &c->ext_msg, err) <
		0 ||
	    nk_config_get_bool(cfg, s, "addpath", &c->addpath, err) < 0 ||
	    nk_config_get_bool(
		cfg, s, "graceful_restart", &c->graceful_restart, err) < 0)
		goto out;
	for (size_t i = 0; i < nk_config_n_entries(s); i++) {
		const char *k, *val;
		unsigned line;
		nk_config_entry_at(s, i, &k, &val, &line);
		if (strcmp(k, "listen") != 0)
			continue;
		if (c->n_listen == COLLECT_MAX_LISTEN) {
			nk_err_set(err, "%s:%u: more than %d listen addresses",
			    path, line, COLLECT_MAX_LISTEN);
			goto out;
		}
		struct nk_err e2 = {{0}};
		if (parse_hostport(val, 179, &c->listen[c->n_listen].addr,
			&c->listen[c->n_listen].port, &e2) < 0) {
			nk_err_set(err, "%s:%u: listen %s", path, line,
			    nk_err_msg(&e2));
			goto out;
		}
		c->n_listen++;
	}
	const struct nk_config_section *bs = nk_config_find(cfg, "bmp", "");
	static const char *const bkeys[] = {"listen", "view", NULL};
	if (bs != NULL && nk_config_check_keys(cfg, bs, bkeys, err) < 0)
		goto out;
	for (size_t i = 0; bs != NULL && i < nk_config_n_entries(bs); i++) {
		const char *k, *val;
		unsigned line;
		nk_config_entry_at(bs, i, &k, &val, &line);
		if (strcmp(k, "view") == 0) {
			if (strcmp(val, "pre-policy") == 0)
				c->bmp_view = BMPIN_VIEW_PRE;
			else if (strcmp(val, "post-policy") == 0)
				c->bmp_view = BMPIN_VIEW_POST;
			else if (strcmp(val, "loc-rib") == 0)
				c->bmp_view = BMPIN_VIEW_LOC_RIB;
			else {
				nk_err_set(err,
				    "%s:%u: view '%s': want pre-policy, "
				    "post-policy or loc-rib",
				    path, line, val);
				goto out;
			}
			continue;
		}
		if (c->n_bmp_listen == COLLECT_MAX_LISTEN) {
			nk_err_set(err,
			    "%s:%u: more than %d BMP listen "
			    "addresses",
			    path, line, COLLECT_MAX_LISTEN);
			goto out;
		}
		struct nk_err e2 = {{0}};
		if (parse_hostport(val, 11019,
			&c->bmp_listen[c->n_bmp_listen].addr,
			&c->bmp_listen[c->n_bmp_listen].port, &e2) < 0) {
			nk_err_set(err, "%s:%u: [bmp] listen %s", path, line,
			    nk_err_msg(&e2));
			goto out;
		}
		c->n_bmp_listen++;
	}
	for (size_t i = 0; i < nk_config_n_sections(cfg); i++) {
		const struct nk_config_section *u =
		    nk_config_section_at(cfg, i);
		/* without [collector] (BMP only) upstreams are names only */
		if (s == NULL ||
		    strcmp(nk_config_section_name(u), "upstream") != 0 ||
		    nk_config_get(u, "peer", NULL) == NULL)
			continue;
		struct collect_peer_cfg *p = &c->peer[c->n_peer];
		const struct watch_upstream *wu = NULL;
		for (size_t j = 0; j < c->watch.n_up; j++)
			if (strcmp(c->watch.up[j].name,
				nk_config_section_label(u)) == 0)
				wu = &c->watch.up[j];
		if (wu == NULL || c->n_peer == WATCH_MAX_UPSTREAMS)
			continue;
		memset(p, 0, sizeof(*p));
		(void)snprintf(p->name, sizeof(p->name), "%s", wu->name);
		p->addr = wu->addr;
		p->asn = wu->asn;
		if (p->asn == 0) {
			nk_err_set(err,
			    "%s:%u: [upstream %s] with peer = needs "
			    "asn = N for the session",
			    path, nk_config_section_line(u), p->name);
			goto out;
		}
		p->passive = true;
		p->port = 179;
		p->hold_s = c->hold_s;
		if (nk_config_get_bool(cfg, u, "passive", &p->passive, err) < 0)
			goto out;
		v = p->port;
		if (nk_config_get_u64(cfg, u, "port", 1, 65535, &v, err) < 0)
			goto out;
		p->port = (uint16_t)v;
		v = p->hold_s;
		if (nk_config_get_u64(cfg, u, "hold_time", 0, 65535, &v, err) <
		    0)
			goto out;
		p->hold_s = (uint16_t)(v == 1 || v == 2 ? 3 : v);
		const char *md5 = nk_config_get(u, "md5", NULL);
		if (md5 != NULL) {
			if (strlen(md5) > COLLECT_MD5_MAX) {
				nk_err_set(err,
				    "%s: [upstream %s] md5 key longer than "
				    "%d bytes",
				    path, p->name, COLLECT_MD5_MAX);
				goto out;
			}
			(void)snprintf(p->md5, sizeof(p->md5), "%s", md5);
		}
		const char *local = nk_config_get(u, "local", NULL);
		if (local != NULL) {
			struct nk_err e2 = {{0}};
			if (nk_addr_parse(local, &p->local, &e2) < 0) {
				nk_err_set(err, "%s: [upstream %s] local: %s",
				    path, p->name, nk_err_msg(&e2));
				goto out;
			}
		}
		c->n_peer++;
	}
	if (c->n_listen == 0 && c->n_bmp_listen == 0) {
		bool any_active = false;
		for (size_t i = 0; i < c->n_peer; i++)
			any_active |= !c->peer[i].passive;
		if (!any_active) {
			nk_err_set(err,
			    "%s: nothing to do: no listen = in "
			    "[collector] or [bmp] and no upstream with "
			    "passive = no",
			    path);
			goto out;
		}
	}
	rc = 0;
out:
	nk_config_free(cfg);
	return rc;
}

/* ---------------------------------------------------------------- events */

static void
peer_addr_fmt(const struct nk_addr *a, char *buf, size_t len)
{
	dump_fmt_addr(a, buf, len);
}

/* A collector event that is not the engine's (errors, MD5): JSON line and
 * one log line, through the same output as the engine's events. */
static void coll_event(struct collect *c, const char *name,
    enum nk_severity sev, const struct collect_peer_cfg *pc,
    const struct nk_addr *addr, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
coll_event(struct collect *c, const char *name, enum nk_severity sev,
    const struct collect_peer_cfg *pc, const struct nk_addr *addr,
    const char *fmt, ...)
{
	struct watch_event ev;
	char pa[64];
	va_list ap;
	int64_t now = nk_clock_real_ns();

	memset(&ev, 0, sizeof(ev));
	ev.name = name;
	ev.sev = sev;
	ev.ts = (uint32_t)(now / NS_S);
	ev.usec = (uint32_t)(now % NS_S / 1000);
	if (pc != NULL) {
		ev.peer = pc->name;
		ev.peer_addr = pc->addr;
		ev.peer_as = pc->asn;
	} else if (addr != NULL) {
		peer_addr_fmt(addr, pa, sizeof(pa));
		ev.peer = pa;
		ev.peer_addr = *addr;
	}
	va_start(ap, fmt);
	(void)vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	size_t rl = strnlen(ev.detail, sizeof(ev.reason) - 1);
	memcpy(ev.reason, ev.detail, rl);
	ev.reason[rl] = '\0';
	engine_out_event(&c->out, &ev);
}

/* ---------------------------------------------------------- MRT record */

/*
 * BGP4MP_ET (RFC 6396 §4.4/§3): 12-byte header whose length counts the
 * 4-byte microseconds, then peer AS, local AS, interface index, AFI, peer
 * and local address, then the BGP message or the old/new FSM states.
 */
static void
rec_write(struct sess *s, uint16_t subtype, const uint8_t *msg, size_t mlen,
    uint16_t old_st, uint16_t new_st)
{
	struct collect *c = s->c;
	uint8_t h[64];
	size_t n = 0;
	int64_t now = nk_clock_real_ns();
	bool v6 = s->pc.addr.family == AF_INET6;
	size_t alen = v6 ? 16 : 4;
	size_t body = 4 + 4 + 2 + 2 + 2 * alen + (msg ? mlen : 4);
	uint32_t sec = (uint32_t)(now / NS_S);
	uint32_t usec = (uint32_t)(now % NS_S / 1000);
	uint32_t len = (uint32_t)(body + 4);
	uint32_t v32[] = {sec, 0, len, usec, s->pc.asn, c->cfg.asn};

	if (c->rec == NULL)
		return;
	v32[1] = (uint32_t)NK_MRT_BGP4MP_ET << 16 | subtype;
	for (size_t i = 0; i < 6; i++) {
		h[n++] = (uint8_t)(v32[i] >> 24);
		h[n++] = (uint8_t)(v32[i] >> 16 & 0xff);
		h[n++] = (uint8_t)(v32[i] >> 8 & 0xff);
		h[n++] = (uint8_t)(v32[i] & 0xff);
	}
	h[n++] = 0; /* interface index */
	h[n++] = 0;
	h[n++] = 0;
	h[n++] = v6 ? NK_AFI_IPV6 : NK_AFI_IPV4;
	memcpy(h + n, s->pc.addr.bytes, alen);
	n += alen;
	/* a local address of the other family (v4-mapped socket) is left
	 * zero */
	if (s->local_addr.family == s->pc.addr.family)
		memcpy(h + n, s->local_addr.bytes, alen);
	else
		memset(h + n, 0, alen);
	n += alen;
	if (msg == NULL) {
		h[n++] = (uint8_t)(old_st >> 8);
		h[n++] = (uint8_t)(old_st & 0xff);
		h[n++] = (uint8_t)(new_st >> 8);
		h[n++] = (uint8_t)(new_st & 0xff);
	}
	if (fwrite(h, 1, n, c->rec) != n ||
	    (msg != NULL && fwrite(msg, 1, mlen, c->rec) != mlen))
		c->n_rec_err++;
	else
		c->n_rec++;
}

/*
 * The AP subtype (RFC 8050 §3) of a recorded message. MRT has one flag per
 * record, ADD-PATH is negotiated per family (RFC 7911 §4): when the two
 * families differ, an UPDATE with an IPv6 MP_REACH/MP_UNREACH takes the
 * IPv6 flag, any other message the IPv4 one. An UPDATE mixing IPv4 NLRI
 * with IPv6 MP NLRI cannot be expressed; its IPv4 part reads wrong later.
 * Malformed framing: the IPv4 flag (the session resets on it anyway).
 */
static bool
rec_addpath(const struct sess *s, uint8_t type, const uint8_t *body, size_t len)
{
	if (s->addpath_v4 == s->addpath_v6 || type != NK_BGP_UPDATE)
		return s->addpath_v4;
	return nk_bgp_update_mp_afi(body, len, NK_AFI_IPV6) == 1
	    ? s->addpath_v6
	    : s->addpath_v4;
}

/*
 * record_rib_every: a TABLE_DUMP_V2 snapshot of what the engine holds
 * into the record file, between the BGP4MP_ET records, so a replay can
 * start from any snapshot. Scheduled from the previous deadline.
 */
static void
rec_rib_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct collect *c = ctx;
	struct ribdump_stats st;
	struct nk_err err = {{0}};

	(void)now_ns;
	c->rib_due_ns += c->cfg.record_rib_every_ns;
	(void)nk_loop_timer_add(loop, c->rib_due_ns, rec_rib_fire, c);
	if (c->rec == NULL)
		return;
	int64_t t0 = nk_clock_mono_ns();
	if (ribdump_write(c->rec, c->w, c->cfg.router_id,
		(uint32_t)(nk_clock_real_ns() / NS_S), &st, &err) < 0) {
		c->n_rec_err++;
		nk_log(NK_LOG_ERR, "rib_record_failed", "file=%s cause=\"%s\"",
		    c->cfg.record, nk_err_msg(&err));
		return;
	}
	c->n_rec += st.n_records;
	nk_log(NK_LOG_INFO, "rib_recorded",
	    "file=%s peers=%zu prefixes=%llu routes=%llu skipped=%llu "
	    "bytes=%llu took_ms=%lld",
	    c->cfg.record, watch_n_peers(c->w),
	    (unsigned long long)st.n_prefixes, (unsigned long long)st.n_routes,
	    (unsigned long long)st.n_skipped, (unsigned long long)st.bytes,
	    (long long)((nk_clock_mono_ns() - t0) / 1000000));
}

static void
rec_flush(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct collect *c = ctx;
	if (c->rec != NULL && fflush(c->rec) != 0)
		c->n_rec_err++;
	(void)nk_loop_timer_add(loop, now_ns + NS_S, rec_flush, c);
}

/* ----------------------------------------------------------------- wire */

static void
send_bytes(struct sess *s, const uint8_t *buf, size_t n)
{
	if (s->fd < 0 || n == 0)
		return;
	/* Only OPEN, KEEPALIVE and NOTIFICATION go out, all small: a full
	 * send buffer means the peer reads nothing; the hold timer ends it. */
	ssize_t w = send(s->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)w;
}

static void
send_keepalive(struct sess *s)
{
	uint8_t b[NK_BGP_HDR_LEN];
	send_bytes(s, b, nk_bgpmsg_keepalive_fmt(b, sizeof(b)));
}

static void
send_open(struct sess *s)
{
	uint8_t b[128];
	struct nk_bgp_open_cfg oc = {
	    .asn = s->c->cfg.asn,
	    .hold_s = s->pc.hold_s,
	    .bgp_id = s->c->cfg.router_id,
	    .addpath_recv = s->c->cfg.addpath,
	    .ext_msg = s->c->cfg.ext_msg,
	    .graceful_restart = s->c->cfg.graceful_restart,
	};
	send_bytes(s, b, nk_bgpmsg_open_fmt(&oc, b, sizeof(b)));
}

static void
elem_proto(struct sess *s, struct nk_mrt_elem *e)
{
	int64_t now = nk_clock_real_ns();

	memset(e, 0, sizeof(*e));
	e->type = NK_MRT_BGP4MP_ET;
	e->subtype = NK_MRT_MESSAGE_AS4;
	e->et = true;
	e->ts = (uint32_t)(now / NS_S);
	e->usec = (uint32_t)(now % NS_S / 1000);
	e->peer_addr = s->pc.addr;
	e->peer_as = s->pc.asn;
	e->local_as = s->c->cfg.asn;
	e->addpath = s->addpath_v4;
	e->addpath_v6 = s->addpath_v6;
}

static void
feed_state(struct sess *s, enum sstate from, enum sstate to)
{
	struct nk_mrt_elem e;
	elem_proto(s, &e);
	e.kind = NK_MRT_E_STATE;
	e.subtype = NK_MRT_STATE_CHANGE_AS4;
	e.old_state = (uint16_t)from;
	e.new_state = (uint16_t)to;
	rec_write(
	    s, NK_MRT_STATE_CHANGE_AS4, NULL, 0, e.old_state, e.new_state);
	(void)watch_elem(s->c->w, &e);
}

/* ------------------------------------------------------------- sessions */

static void sess_schedule_connect(struct sess *s, int64_t now_ns);

/* ----------------------------------------------------- graceful restart */

static int
fam_of_afi(uint16_t afi)
{
	return afi == NK_AFI_IPV4 ? AF_INET : afi == NK_AFI_IPV6 ? AF_INET6 : 0;
}

static const char *
afi_safi_name(uint16_t afi, uint8_t safi)
{
	if (afi == NK_AFI_IPV4)
		return safi == NK_SAFI_UNICAST  ? "IPv4 unicast"
		    : safi == NK_SAFI_MULTICAST ? "IPv4 multicast"
						: "IPv4";
	if (afi == NK_AFI_IPV6)
		return safi == NK_SAFI_UNICAST  ? "IPv6 unicast"
		    : safi == NK_SAFI_MULTICAST ? "IPv6 multicast"
						: "IPv6";
	return "AFI/SAFI";
}

static void
sess_event_init(struct sess *s, struct watch_event *ev, const char *name,
    enum nk_severity sev)
{
	int64_t now = nk_clock_real_ns();

	memset(ev, 0, sizeof(*ev));
	ev->name = name;
	ev->sev = sev;
	ev->ts = (uint32_t)(now / NS_S);
	ev->usec = (uint32_t)(now % NS_S / 1000);
	ev->peer = s->pc.name;
	ev->peer_addr = s->pc.addr;
	ev->peer_as = s->pc.asn;
}

/* A family in the peer's GR capability: "forwarding" (kept across its
 * restart), "listed" (no Forwarding State bit now), "no". */
static const char *
gr_fam_state(const struct nk_bgp_open *o, int f)
{
	return !o->gr_af[f] ? "no" : o->gr_fwd[f] ? "forwarding" : "listed";
}

/* Withdraw the stale routes of family fam (0: all) that are left. */
static size_t
gr_flush(struct sess *s, int fam, const char *why)
{
	size_t n = watch_peer_stale_flush(
	    s->c->w, &s->pc.addr, s->pc.asn, fam, nk_clock_real_ns(), why);
	s->stale_fams &= (uint8_t)(fam == AF_INET ? ~1u
		: fam == AF_INET6                 ? ~2u
						  : 0u);
	if (s->stale_fams == 0) {
		nk_loop_timer_cancel(s->c->loop, s->t_gr);
		s->t_gr = 0;
		s->gr_back = false;
	}
	return n;
}

static void
gr_expire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	struct watch_event ev;
	(void)loop;
	(void)now_ns;

	s->t_gr = 0;
	bool back = s->gr_back;
	size_t n = gr_flush(s, 0,
	    back ? "stale after graceful restart: no End-of-RIB within the "
		   "stale time"
		 : "stale after graceful restart: restart time expired");
	s->stale_fams = 0;
	s->gr_back = false;
	unsigned timer_s = back ? (unsigned)(s->c->cfg.stale_ns / NS_S)
				: s->gr_time_s;
	nk_log(NK_LOG_INFO, "gr_expired",
	    "peer=%s timer=%s timer_s=%u stale_withdrawn=%zu state=%s",
	    s->pc.name, back ? "stale_time" : "restart_time", timer_s, n,
	    state_names[s->st]);
	if (n == 0)
		return;
	sess_event_init(s, &ev, "graceful_restart_expired", NK_SEV_WARNING);
	ev.has_stale_withdrawn = true;
	ev.stale_withdrawn = n;
	if (back)
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "%s came back but sent no End-of-RIB within the stale "
		    "time (%u s): %zu stale routes withdrawn",
		    s->pc.name, timer_s, n);
	else
		(void)snprintf(ev.detail, sizeof(ev.detail),
		    "restart time of %s expired (%u s, session %s): %zu "
		    "stale routes withdrawn",
		    s->pc.name, timer_s, state_names[s->st], n);
	engine_out_event(&s->c->out, &ev);
}

/* The session of a restarting peer went down: its routes are stale now;
 * they go at End-of-RIB, or all of them when the restart time runs out. */
static void
gr_start(struct sess *s, uint16_t restart_s)
{
	nk_loop_timer_cancel(s->c->loop, s->t_gr);
	s->stale_fams = s->gr_fams;
	s->gr_back = false;
	s->t_gr = nk_loop_timer_add(s->c->loop,
	    nk_loop_now_ns(s->c->loop) + (int64_t)restart_s * NS_S, gr_expire,
	    s);
}

/* RFC 4724 §2: End-of-RIB of one AFI/SAFI. */
static void
on_eor(struct sess *s, uint16_t afi, uint8_t safi)
{
	struct watch_event ev;
	int fam = fam_of_afi(afi);
	size_t n = 0;
	bool stale = false;

	/* SAFI multicast shares the engine's table: only unicast flushes */
	uint8_t bit = fam == AF_INET ? 1 : fam == AF_INET6 ? 2 : 0;
	if (safi == NK_SAFI_UNICAST && (s->stale_fams & bit) != 0) {
		stale = true;
		n = gr_flush(s, fam,
		    "stale after graceful restart, not sent again before "
		    "End-of-RIB");
	}
	sess_event_init(s, &ev, "end_of_rib", NK_SEV_INFO);
	ev.afi = afi;
	ev.safi = safi;
	ev.prefixes = fam == AF_INET6 ? s->n_pfx[1]
	    : fam == AF_INET          ? s->n_pfx[0]
				      : 0;
	/* ms precision, as outage_s */
	ev.up_s = (double)((nk_loop_now_ns(s->c->loop) - s->up_ns) / 1000000) /
	    1000.0;
	ev.has_stale_withdrawn = stale;
	ev.stale_withdrawn = n;
	char st[80] = "";
	if (stale)
		(void)snprintf(st, sizeof(st),
		    "; %zu stale routes not sent again withdrawn", n);
	(void)snprintf(ev.detail, sizeof(ev.detail),
	    "End-of-RIB from %s for %s (AFI %u SAFI %u): %llu prefixes in "
	    "%.3f s%s",
	    s->pc.name, afi_safi_name(afi, safi), afi, safi,
	    (unsigned long long)ev.prefixes, ev.up_s, st);
	engine_out_event(&s->c->out, &ev);
}

static void
sess_timers_cancel(struct sess *s)
{
	nk_loop_timer_cancel(s->c->loop, s->t_hold);
	nk_loop_timer_cancel(s->c->loop, s->t_ka);
	s->t_hold = s->t_ka = 0;
}

/*
 * End the session: send the NOTIFICATION (code 0: none), tell the engine
 * when it was established (the reason becomes its session_down), else log
 * one line naming peer and cause. Active peers dial again after backoff.
 */
static void
sess_close(struct sess *s, uint8_t code, uint8_t sub, const uint8_t *data,
    size_t dlen, const char *reason)
{
	struct collect *c = s->c;
	uint8_t b[320];

	if (s->fd < 0)
		return;
	if (code != 0)
		send_bytes(s, b,
		    nk_bgpmsg_notify_fmt(code, sub, data, dlen, b, sizeof(b)));
	enum sstate was = s->st;
	nk_loop_del_fd(c->loop, s->fd);
	(void)close(s->fd);
	s->fd = -1;
	sess_timers_cancel(s);
	s->st = S_IDLE;
	s->rx_len = 0;
	nk_mrt_ctx_fini(&s->mctx);
	nk_mrt_ctx_init(&s->mctx);
	if (was == S_ESTABLISHED) {
		/* RFC 4724 §4.2: the TCP session of a restarting peer ended
		 * (no NOTIFICATION either way): keep its routes as stale. */
		uint16_t gr = code == 0 && !s->notified && s->gr_fams != 0
		    ? s->gr_time_s
		    : 0;
		watch_peer_graceful(
		    c->w, &s->pc.addr, s->pc.asn, gr, s->gr_fams);
		watch_set_reason(c->w, reason);
		feed_state(s, S_ESTABLISHED, S_IDLE);
		if (gr > 0) {
			/* §4.2: only the families of its capability stay
			 * (the engine withdrew the others) */
			gr_start(s, gr);
		} else if (s->t_gr != 0) {
			/* the engine withdrew every route, stale ones too */
			nk_loop_timer_cancel(c->loop, s->t_gr);
			s->t_gr = 0;
			s->stale_fams = 0;
			s->gr_back = false;
		}
	} else {
		coll_event(c, "session_error", NK_SEV_WARNING, &s->pc, NULL,
		    "session with %s closed in %s: %s", s->pc.name,
		    state_names[was], reason);
	}
	if (!s->pc.passive && !s->gone)
		sess_schedule_connect(s, nk_loop_now_ns(c->loop));
}

/* Close with the NOTIFICATION for a protocol error and a reason text that
 * says what we sent. */
static void
sess_fail(struct sess *s, uint8_t code, uint8_t sub, const uint8_t *data,
    size_t dlen, const char *cause)
{
	char r[300];
	(void)snprintf(r, sizeof(r), "sent NOTIFICATION %u/%u (%s: %s): %s",
	    code, sub, nk_bgpmsg_code_name(code),
	    nk_bgpmsg_subcode_name(code, sub), cause);
	sess_close(s, code, sub, data, dlen, r);
}

static void
hold_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	s->t_hold = 0;
	int64_t due = s->last_rx_ns + s->hold_ns;
	if (now_ns < due) {
		s->t_hold = nk_loop_timer_add(loop, due, hold_fire, s);
		return;
	}
	char cause[120];
	if (s->st == S_OPENSENT && s->rx_len == 0)
		(void)snprintf(cause, sizeof(cause),
		    "peer connected and sent no OPEN within %lld s",
		    (long long)(s->hold_ns / NS_S));
	else if (s->rx_len > 0)
		(void)snprintf(cause, sizeof(cause),
		    "hold timer expired with %zu bytes of an incomplete "
		    "message (length field lies?)",
		    s->rx_len);
	else
		(void)snprintf(cause, sizeof(cause),
		    "hold timer expired (%lld s without a message)",
		    (long long)(s->hold_ns / NS_S));
	sess_fail(s, NK_BGP_E_HOLD, 0, NULL, 0, cause);
}

static void
hold_arm(struct sess *s, int64_t now_ns)
{
	nk_loop_timer_cancel(s->c->loop, s->t_hold);
	s->t_hold = 0;
	if (s->hold_ns > 0)
		s->t_hold = nk_loop_timer_add(
		    s->c->loop, now_ns + s->hold_ns, hold_fire, s);
}

static void
ka_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	(void)now_ns;
	s->t_ka = 0;
	if (s->fd < 0)
		return;
	send_keepalive(s);
	/* RFC 4271 §10: KEEPALIVE every third of the hold time */
	int64_t iv = s->hold_ns / 3;
	if (iv < NS_S)
		iv = NS_S;
	s->t_ka = nk_loop_timer_add(loop, now_ns + iv, ka_fire, s);
}

static void
on_open(struct sess *s, const uint8_t *body, size_t len, int64_t now_ns)
{
	struct nk_bgp_open o;
	uint8_t code = 0, sub = 0;
	const char *cause = NULL;

	if (s->st != S_OPENSENT) {
		sess_fail(s, NK_BGP_E_FSM, s->st == S_OPENCONFIRM ? 2 : 3, NULL,
		    0, "second OPEN");
		return;
	}
	if (nk_bgpmsg_open_parse(body, len, &o, &code, &sub, &cause) < 0) {
		uint8_t d[2] = {0, 4};
		sess_fail(s, code, sub, code == 2 && sub == 1 ? d : NULL,
		    code == 2 && sub == 1 ? 2 : 0, cause);
		return;
	}
	if (o.asn != s->pc.asn) {
		char why[100];
		(void)snprintf(why, sizeof(why),
		    "peer says AS%u, configured AS%u", o.asn, s->pc.asn);
		sess_fail(s, NK_BGP_E_OPEN, 2, NULL, 0, why);
		return;
	}
	if (o.bgp_id == s->c->cfg.router_id && o.asn == s->c->cfg.asn) {
		sess_fail(s, NK_BGP_E_OPEN, 3, NULL, 0,
		    "peer uses our own BGP identifier");
		return;
	}
	/* RFC 4271 §4.2: the smaller hold time; 0 switches timers off */
	uint16_t hold = o.hold_s < s->pc.hold_s ? o.hold_s : s->pc.hold_s;
	s->hold_ns = (int64_t)hold * NS_S;
	s->as4 = o.as4;
	/* ADD-PATH is on for a family when we asked to receive and the peer
	 * may send (RFC 7911 §5): each family on its own. */
	s->addpath_v4 = s->c->cfg.addpath &&
	    (o.addpath[NK_BGP_FAM_IPV4] & NK_BGP_ADDPATH_SEND) != 0;
	s->addpath_v6 = s->c->cfg.addpath &&
	    (o.addpath[NK_BGP_FAM_IPV6] & NK_BGP_ADDPATH_SEND) != 0;
	s->max_msg =
	    s->c->cfg.ext_msg && o.ext_msg ? NK_BGP_MAX_LEN : BGP_STD_MAX;
	/* RFC 4724 §3: graceful restart when both sides announce it */
	s->gr_time_s =
	    s->c->cfg.graceful_restart && o.graceful_restart ? o.gr_time_s : 0;
	s->gr_fams = (uint8_t)((o.gr_af[NK_BGP_FAM_IPV4] ? 1 : 0) |
	    (o.gr_af[NK_BGP_FAM_IPV6] ? 2 : 0));
	/* §4.2: back without the capability: the stale routes go now */
	if (s->t_gr != 0 && s->gr_time_s == 0)
		(void)gr_flush(s, 0,
		    "stale after graceful restart, peer came back without "
		    "it");
	/* §4.2: back, but without the Forwarding State bit for a family
	 * (or without the family): it lost those routes, they go now */
	for (int f = 0; f < NK_BGP_N_FAM && s->t_gr != 0 && s->gr_time_s != 0;
	     f++) {
		uint8_t bit = (uint8_t)(1u << f);
		if ((s->stale_fams & bit) == 0 || o.gr_fwd[f])
			continue;
		char why[120];
		(void)snprintf(why, sizeof(why),
		    "stale after graceful restart: the peer came back without "
		    "forwarding state for %s",
		    afi_safi_name(f == NK_BGP_FAM_IPV4 ? NK_AFI_IPV4
						      : NK_AFI_IPV6,
			NK_SAFI_UNICAST));
		(void)gr_flush(
		    s, f == NK_BGP_FAM_IPV4 ? AF_INET : AF_INET6, why);
	}
	/* §4.2: back in time: the restart timer stops; what is still stale
	 * waits for End-of-RIB, at most the stale time (a full table may
	 * take longer to send again than the restart time) */
	if (s->t_gr != 0 && s->gr_time_s != 0 && !s->gr_back) {
		nk_loop_timer_cancel(s->c->loop, s->t_gr);
		s->gr_back = true;
		s->t_gr = nk_loop_timer_add(s->c->loop,
		    nk_loop_now_ns(s->c->loop) + s->c->cfg.stale_ns, gr_expire,
		    s);
	}
	send_keepalive(s);
	s->st = S_OPENCONFIRM;
	watch_peer_connecting(s->c->w, &s->pc.addr, s->pc.asn);
	char pa[64];
	peer_addr_fmt(&s->pc.addr, pa, sizeof(pa));
	nk_log(NK_LOG_INFO, "open_received",
	    "peer=%s peer_addr=%s peer_as=%u hold_s=%u as4=%d "
	    "addpath_ipv4=%d addpath_ipv6=%d ext_msg=%d route_refresh=%d "
	    "graceful_restart=%d gr_ipv4=%s gr_ipv6=%s caps=%u",
	    s->pc.name, pa, o.asn, hold, o.as4, s->addpath_v4, s->addpath_v6,
	    s->max_msg > BGP_STD_MAX, o.route_refresh, o.graceful_restart,
	    gr_fam_state(&o, NK_BGP_FAM_IPV4),
	    gr_fam_state(&o, NK_BGP_FAM_IPV6), o.n_caps);
	s->last_rx_ns = now_ns;
	hold_arm(s, now_ns);
}

static void
on_keepalive(struct sess *s, int64_t now_ns)
{
	if (s->st == S_OPENSENT) {
		sess_fail(s, NK_BGP_E_FSM, 1, NULL, 0, "KEEPALIVE before OPEN");
		return;
	}
	if (s->st == S_OPENCONFIRM) {
		s->st = S_ESTABLISHED;
		s->backoff_ns = 0;
		s->up_ns = now_ns;
		s->n_pfx[0] = s->n_pfx[1] = 0;
		feed_state(s, S_OPENCONFIRM, S_ESTABLISHED);
		nk_loop_timer_cancel(s->c->loop, s->t_ka);
		s->t_ka = 0;
		if (s->hold_ns > 0)
			ka_fire(s->c->loop, s, now_ns);
	}
}

/* Count the prefixes of the session (for end_of_rib), then the engine. */
static int
sess_elem(void *arg, const struct nk_mrt_elem *e)
{
	struct sess *s = arg;

	if (e->kind == NK_MRT_E_ANNOUNCE)
		s->n_pfx[e->prefix.addr.family == AF_INET6 ? 1 : 0]++;
	return watch_elem(s->c->w, e);
}

static int
on_update(struct sess *s, const uint8_t *body, size_t len)
{
	struct nk_mrt_elem proto;
	struct nk_err err = {{0}};
	uint16_t afi;
	uint8_t safi;

	if (s->st != S_ESTABLISHED) {
		sess_fail(s, NK_BGP_E_FSM, s->st == S_OPENSENT ? 1 : 2, NULL, 0,
		    "UPDATE before the session was established");
		return -1;
	}
	s->n_updates++;
	if (nk_bgp_update_eor(body, len, &afi, &safi) == 1) {
		on_eor(s, afi, safi);
		return 0;
	}
	elem_proto(s, &proto);
	int rc = nk_mrt_update_elems(
	    &s->mctx, &proto, body, len, s->as4, sess_elem, s, &err);
	if (rc < 0) {
		/* RFC 7606 §3: framing of the UPDATE itself lost: reset */
		sess_fail(s, NK_BGP_E_UPDATE, 1, NULL, 0, nk_err_msg(&err));
		return -1;
	}
	return 0;
}

static void
on_notification(struct sess *s, const uint8_t *body, size_t len)
{
	struct nk_bgp_notify n;
	char r[300], why[400];

	if (nk_bgpmsg_notify_parse(body, len, &n) < 0) {
		sess_close(s, 0, 0, NULL, 0,
		    "malformed NOTIFICATION (shorter than 2 bytes)");
		return;
	}
	(void)nk_bgpmsg_notify_reason(&n, r, sizeof(r));
	(void)snprintf(why, sizeof(why), "%s (NOTIFICATION %u/%u from peer)", r,
	    n.code, n.subcode);
	s->notified = true; /* RFC 4724 §4: a NOTIFICATION ends it for good */
	sess_close(s, 0, 0, NULL, 0, why);
}

/* Dispatch every complete message in rx. -1 when the session ended. */
static int
drain(struct sess *s, int64_t now_ns)
{
	size_t off = 0;
	int rc = 0;

	while (s->fd >= 0 && s->rx_len - off >= NK_BGP_HDR_LEN) {
		struct nk_rd r = nk_rd_make(s->rx + off, s->rx_len - off);
		const uint8_t *marker = nk_rd_ptr(&r, 16);
		uint16_t mlen = nk_rd_be16(&r);
		uint8_t type = nk_rd_u8(&r);
		uint8_t lenbe[2] = {
		    (uint8_t)(mlen >> 8), (uint8_t)(mlen & 0xff)};
		bool bad_marker = false;
		for (size_t i = 0; marker != NULL && i < 16; i++) {
			struct nk_rd m = nk_rd_make(marker + i, 1);
			if (nk_rd_u8(&m) != 0xff)
				bad_marker = true;
		}
		if (bad_marker) {
			sess_fail(s, NK_BGP_E_HEADER, 1, NULL, 0,
			    "bad marker (RFC 4271 6.1)");
			return -1;
		}
		/* RFC 4271 §6.1: length below 19, above the maximum, or
		 * wrong for the type */
		size_t minlen = type == NK_BGP_OPEN ? 29
		    : type == NK_BGP_UPDATE         ? 23
		    : type == NK_BGP_NOTIFICATION   ? 21
						    : NK_BGP_HDR_LEN;
		if (mlen < minlen || mlen > s->max_msg ||
		    (type == NK_BGP_KEEPALIVE && mlen != NK_BGP_HDR_LEN)) {
			char why[100];
			(void)snprintf(why, sizeof(why),
			    "message type %u length %u (allowed %zu..%zu)",
			    type, mlen, minlen,
			    type == NK_BGP_KEEPALIVE ? (size_t)NK_BGP_HDR_LEN
						     : s->max_msg);
			sess_fail(s, NK_BGP_E_HEADER, 2, lenbe, 2, why);
			return -1;
		}
		if (s->rx_len - off < mlen)
			break; /* the rest comes later */
		const uint8_t *body = s->rx + off + NK_BGP_HDR_LEN;
		size_t blen = (size_t)mlen - NK_BGP_HDR_LEN;
		rec_write(s,
		    rec_addpath(s, type, body, blen) ? NK_MRT_MESSAGE_AS4_AP
						     : NK_MRT_MESSAGE_AS4,
		    s->rx + off, mlen, 0, 0);
		off += mlen;
		s->last_rx_ns = now_ns;
		switch (type) {
		case NK_BGP_OPEN:
			on_open(s, body, blen, now_ns);
			break;
		case NK_BGP_KEEPALIVE:
			on_keepalive(s, now_ns);
			break;
		case NK_BGP_UPDATE:
			(void)on_update(s, body, blen);
			break;
		case NK_BGP_NOTIFICATION:
			on_notification(s, body, blen);
			break;
		case NK_BGP_ROUTE_REFRESH:
			break; /* we announce nothing: nothing to refresh */
		default: {
			uint8_t t = type;
			char why[60];
			(void)snprintf(why, sizeof(why), "message type %u", t);
			sess_fail(s, NK_BGP_E_HEADER, 3, &t, 1, why);
			return -1;
		}
		}
	}
	if (s->fd < 0)
		return -1;
	if (off > 0) {
		memmove(s->rx, s->rx + off, s->rx_len - off);
		s->rx_len -= off;
	}
	return rc;
}

static void
sess_readable(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	(void)loop;
	(void)revents;

	/* Read at most a few buffers per pass so one busy peer cannot
	 * starve the others. */
	for (int round = 0; round < 8 && s->fd == fd; round++) {
		ssize_t n = recv(fd, s->rx + s->rx_len,
		    NK_BGP_MAX_LEN - s->rx_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			char why[160];
			(void)snprintf(
			    why, sizeof(why), "read: %s", strerror(errno));
			sess_close(s, 0, 0, NULL, 0, why);
			return;
		}
		if (n == 0) {
			char why[160];
			if (s->rx_len > 0)
				(void)snprintf(why, sizeof(why),
				    "connection closed by peer mid-message "
				    "(%zu bytes of an incomplete message)",
				    s->rx_len);
			else
				(void)snprintf(why, sizeof(why),
				    "connection closed by peer without "
				    "NOTIFICATION");
			sess_close(s, 0, 0, NULL, 0, why);
			return;
		}
		s->rx_len += (size_t)n;
		if (drain(s, now_ns) < 0)
			return;
	}
}

static int
set_md5(int fd, const struct nk_addr *peer, const char *key)
{
	struct tcp_md5sig sig;

	memset(&sig, 0, sizeof(sig));
	if (nk_addr_to_sockaddr(
		peer, 0, &sig.tcpm_addr, sizeof(sig.tcpm_addr)) == 0)
		return -1;
	size_t kl = strlen(key);
	sig.tcpm_keylen = (uint16_t)kl;
	memcpy(sig.tcpm_key, key, kl);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
}

/* The connection (either direction) is up: OpenSent. */
static void
sess_start(struct sess *s, int fd, bool outgoing, int64_t now_ns)
{
	s->fd = fd;
	s->outgoing = outgoing;
	s->st = S_OPENSENT;
	s->notified = false;
	s->rx_len = 0;
	s->as4 = false;
	s->addpath_v4 = false;
	s->addpath_v6 = false;
	s->max_msg = BGP_STD_MAX;
	s->hold_ns = s->c->cfg.open_timeout_ns;
	s->last_rx_ns = now_ns;
	struct sockaddr_storage ls;
	socklen_t lsl = sizeof(ls);
	memset(&s->local_addr, 0, sizeof(s->local_addr));
	if (getsockname(fd, (struct sockaddr *)&ls, &lsl) == 0)
		(void)nk_addr_from_sockaddr(&ls, lsl, &s->local_addr);
	send_open(s);
	hold_arm(s, now_ns);
}

static void
connect_done(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	(void)revents;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr != 0) {
		char pa[64];
		peer_addr_fmt(&s->pc.addr, pa, sizeof(pa));
		nk_log(NK_LOG_INFO, "connect_failed",
		    "peer=%s peer_addr=%s port=%u cause=\"%s\"", s->pc.name, pa,
		    s->pc.port, strerror(soerr));
		nk_loop_del_fd(loop, fd);
		(void)close(fd);
		s->fd = -1;
		s->st = S_IDLE;
		sess_schedule_connect(s, now_ns);
		return;
	}
	nk_loop_del_fd(loop, fd);
	if (nk_loop_add_fd(loop, fd, POLLIN, sess_readable, s) < 0) {
		(void)close(fd);
		s->fd = -1;
		sess_schedule_connect(s, now_ns);
		return;
	}
	sess_start(s, fd, true, now_ns);
}

static void
retry_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct sess *s = ctx;
	struct sockaddr_storage ss, ls;

	s->t_retry = 0;
	if (s->fd >= 0 || s->gone)
		return;
	size_t sl =
	    nk_addr_to_sockaddr(&s->pc.addr, s->pc.port, &ss, sizeof(ss));
	int fd = socket(
	    s->pc.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || sl == 0)
		goto fail;
	if (s->pc.md5[0] != '\0' && set_md5(fd, &s->pc.addr, s->pc.md5) < 0) {
		nk_log(NK_LOG_ERR, "md5_failed", "peer=%s cause=\"%s\"",
		    s->pc.name, strerror(errno));
		goto fail;
	}
	if (s->pc.local.family != 0) {
		size_t ll =
		    nk_addr_to_sockaddr(&s->pc.local, 0, &ls, sizeof(ls));
		if (ll == 0 ||
		    bind(fd, (struct sockaddr *)&ls, (socklen_t)ll) < 0)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	if (nk_loop_add_fd(loop, fd, POLLOUT, connect_done, s) < 0)
		goto fail;
	s->fd = fd;
	s->st = S_CONNECT;
	return;
fail:
	nk_log(NK_LOG_INFO, "connect_failed", "peer=%s cause=\"%s\"",
	    s->pc.name, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	sess_schedule_connect(s, now_ns);
}

static void
sess_schedule_connect(struct sess *s, int64_t now_ns)
{
	struct collect_cfg *cfg = &s->c->cfg;

	if (s->t_retry != 0)
		return;
	/* Exponential backoff between the configured bounds; reset when a
	 * session reaches Established. */
	if (s->backoff_ns == 0)
		s->backoff_ns = cfg->retry_min_ns;
	else if (s->backoff_ns < cfg->retry_max_ns / 2)
		s->backoff_ns *= 2;
	else
		s->backoff_ns = cfg->retry_max_ns;
	s->t_retry = nk_loop_timer_add(
	    s->c->loop, now_ns + s->backoff_ns, retry_fire, s);
}

static struct sess *
sess_new(struct collect *c, const struct collect_peer_cfg *pc)
{
	struct sess *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->rx = malloc(NK_BGP_MAX_LEN);
	if (s->rx == NULL) {
		free(s);
		return NULL;
	}
	s->c = c;
	s->pc = *pc;
	s->fd = -1;
	s->st = S_IDLE;
	nk_mrt_ctx_init(&s->mctx);
	return s;
}

static void
sess_free(struct sess *s)
{
	if (s == NULL)
		return;
	nk_loop_timer_cancel(s->c->loop, s->t_retry);
	nk_loop_timer_cancel(s->c->loop, s->t_gr);
	sess_timers_cancel(s);
	if (s->fd >= 0) {
		nk_loop_del_fd(s->c->loop, s->fd);
		(void)close(s->fd);
	}
	nk_mrt_ctx_fini(&s->mctx);
	free(s->rx);
	free(s);
}

/* ------------------------------------------------------------ listening */

static void
on_accept(
    struct nk_loop *loop, int lfd, short revents, void *ctx, int64_t now_ns)
{
	struct collect *c = ctx;
	(void)revents;

	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct nk_addr a;
		char pa[64] = "?";
		if (nk_addr_from_sockaddr(&ss, sl, &a) == 0) {
			/* an IPv4 peer on a dual-stack socket */
			if (a.family == AF_INET6 && a.bytes[10] == 0xff &&
			    a.bytes[11] == 0xff && a.bytes[0] == 0) {
				struct nk_addr v4 = {AF_INET, {0}};
				memcpy(v4.bytes, a.bytes + 12, 4);
				a = v4;
			}
			peer_addr_fmt(&a, pa, sizeof(pa));
		}
		struct sess *s = NULL;
		for (size_t k = 0; k < c->n_sess; k++)
			if (nk_addr_eq(&c->sess[k]->pc.addr, &a))
				s = c->sess[k];
		uint8_t b[64];
		if (s == NULL) {
			size_t n = nk_bgpmsg_notify_fmt(NK_BGP_E_CEASE,
			    NK_BGP_CEASE_REJECTED, NULL, 0, b, sizeof(b));
			(void)send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)close(fd);
			coll_event(c, "session_error", NK_SEV_WARNING, NULL, &a,
			    "connection from %s rejected: not a "
			    "configured peer",
			    pa);
			continue;
		}
		/* RFC 4271 §6.8 collision: keep a session past OpenSent,
		 * else the newer connection replaces the older attempt. */
		if (s->fd >= 0 && s->st >= S_OPENCONFIRM) {
			size_t n = nk_bgpmsg_notify_fmt(NK_BGP_E_CEASE,
			    NK_BGP_CEASE_COLLISION, NULL, 0, b, sizeof(b));
			(void)send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			(void)close(fd);
			coll_event(c, "session_error", NK_SEV_WARNING, &s->pc,
			    NULL,
			    "second connection from %s refused: session "
			    "already %s (collision)",
			    s->pc.name, state_names[s->st]);
			continue;
		}
		if (s->fd >= 0) {
			nk_loop_del_fd(loop, s->fd);
			(void)close(s->fd);
			s->fd = -1;
			sess_timers_cancel(s);
		}
		nk_loop_timer_cancel(loop, s->t_retry);
		s->t_retry = 0;
		if (nk_loop_add_fd(loop, fd, POLLIN, sess_readable, s) < 0) {
			(void)close(fd);
			continue;
		}
		nk_log(NK_LOG_INFO, "connection_accepted",
		    "peer=%s peer_addr=%s", s->pc.name, pa);
		sess_start(s, fd, false, now_ns);
	}
}

static void
listener_md5(struct collect *c)
{
	for (size_t i = 0; i < c->n_lis; i++)
		for (size_t k = 0; k < c->n_sess; k++) {
			const struct collect_peer_cfg *pc = &c->sess[k]->pc;
			if (pc->md5[0] == '\0')
				continue;
			struct nk_addr a = pc->addr;
			if (a.family == AF_INET &&
			    c->lis[i].addr.family == AF_INET6) {
				/* a dual-stack [::] listener sees IPv4 peers
				 * as ::ffff:a.b.c.d */
				memset(&a, 0, sizeof(a));
				a.family = AF_INET6;
				a.bytes[10] = 0xff;
				a.bytes[11] = 0xff;
				memcpy(a.bytes + 12, pc->addr.bytes, 4);
			} else if (a.family != c->lis[i].addr.family) {
				continue;
			}
			if (set_md5(c->lis[i].fd, &a, pc->md5) < 0)
				nk_log(NK_LOG_WARN, "md5_failed",
				    "peer=%s cause=\"%s\"", pc->name,
				    strerror(errno));
		}
}

static int listen_one(struct collect *c, const struct nk_addr *addr,
    uint16_t port, nk_loop_fd_cb cb, struct listener *l, struct nk_err *err);
static void bmp_accept(
    struct nk_loop *loop, int lfd, short revents, void *ctx, int64_t now_ns);

static int
listeners_open(struct collect *c, struct nk_err *err)
{
	for (size_t i = 0; i < c->cfg.n_listen; i++) {
		if (listen_one(c, &c->cfg.listen[i].addr, c->cfg.listen[i].port,
			on_accept, &c->lis[c->n_lis], err) < 0)
			return -1;
		c->n_lis++;
	}
	for (size_t i = 0; i < c->cfg.n_bmp_listen; i++) {
		if (listen_one(c, &c->cfg.bmp_listen[i].addr,
			c->cfg.bmp_listen[i].port, bmp_accept,
			&c->bmp_lis[c->n_bmp_lis], err) < 0)
			return -1;
		c->n_bmp_lis++;
	}
	return 0;
}

/* ------------------------------------------------------------------ BMP */

static void
bmp_msg(void *arg, const struct nk_bmp_msg *m, const struct nk_mrt_elem *e)
{
	struct bmpconn *bc = arg;
	(void)e;
	if (m->h.type == NK_BMP_INITIATION) {
		char descr[200] = "";
		struct nk_rd r = nk_rd_make(m->tlvs, m->tlvs_len);
		uint16_t t, l;
		const uint8_t *v;
		while (nk_bmp_tlv_next(&r, &t, &v, &l) == 1)
			if (t == NK_BMP_INFO_SYSDESCR) {
				size_t n = l < sizeof(descr) - 1
				    ? l
				    : sizeof(descr) - 1;
				struct nk_rd vr = nk_rd_make(v, n);
				nk_rd_bytes(&vr, descr, n);
				descr[n] = '\0';
				for (size_t i = 0; i < n; i++)
					if ((unsigned char)descr[i] < 0x20)
						descr[i] = '?';
			}
		bc->announced = true;
		coll_event(bc->c, "bmp_router_up", NK_SEV_OK, NULL,
		    &bc->b.router, "BMP from router %s (%s) '%s'",
		    bc->b.router_name, bc->addr, descr);
	} else if (m->h.type == NK_BMP_TERMINATION) {
		coll_event(bc->c, "bmp_router_down", NK_SEV_WARNING, NULL,
		    &bc->b.router,
		    "BMP Termination from router %s (%s), "
		    "reason %u",
		    bc->b.router_name, bc->addr, m->term_reason);
		bc->announced = false;
	}
}

static void
bmp_conn_close(struct bmpconn *bc, const char *why)
{
	struct collect *c = bc->c;
	char w2[300];

	(void)snprintf(w2, sizeof(w2), "BMP connection from router %s (%s): %s",
	    bc->b.router_name, bc->addr, why);
	bmpin_close(&bc->b, w2);
	if (bc->announced)
		coll_event(c, "bmp_router_down", NK_SEV_WARNING, NULL,
		    &bc->b.router, "%s", w2);
	else
		nk_log(NK_LOG_INFO, "bmp_closed", "router=%s cause=\"%s\"",
		    bc->addr, why);
	nk_loop_del_fd(c->loop, bc->fd);
	(void)close(bc->fd);
	for (size_t i = 0; i < MAX_BMP_ROUTERS; i++)
		if (c->bmp[i] == bc)
			c->bmp[i] = NULL;
	bmpin_fini(&bc->b);
	free(bc);
}

static void
bmp_readable(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct bmpconn *bc = ctx;
	struct collect *c = bc->c;
	(void)loop;
	(void)revents;
	(void)now_ns;

	for (int round = 0; round < 8; round++) {
		ssize_t n = recv(fd, c->rxbuf, sizeof(c->rxbuf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			char why[200];
			if (n < 0)
				(void)snprintf(why, sizeof(why), "read: %s",
				    strerror(errno));
			else if (bc->b.len > 0)
				(void)snprintf(why, sizeof(why),
				    "closed mid-message (%zu bytes of an "
				    "incomplete message)",
				    bc->b.len);
			else
				(void)snprintf(why, sizeof(why), "closed");
			bmp_conn_close(bc, why);
			return;
		}
		uint64_t bad = bc->b.n_bad;
		if (bmpin_feed(
			&bc->b, c->rxbuf, (size_t)n, nk_clock_real_ns()) < 0) {
			char why[220];
			(void)snprintf(
			    why, sizeof(why), "framing lost: %s", bc->b.err);
			bmp_conn_close(bc, why);
			return;
		}
		if (bc->b.n_bad > bad)
			nk_log(NK_LOG_WARN, "bmp_malformed",
			    "router=%s bad=%llu first=\"%s\"", bc->addr,
			    (unsigned long long)bc->b.n_bad, bc->b.err);
	}
}

static void
bmp_accept(
    struct nk_loop *loop, int lfd, short revents, void *ctx, int64_t now_ns)
{
	struct collect *c = ctx;
	(void)revents;
	(void)now_ns;

	for (int k = 0; k < 16; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct nk_addr a;
		memset(&a, 0, sizeof(a));
		(void)nk_addr_from_sockaddr(&ss, sl, &a);
		size_t slot = MAX_BMP_ROUTERS;
		for (size_t i = 0; i < MAX_BMP_ROUTERS; i++)
			if (c->bmp[i] == NULL) {
				slot = i;
				break;
			}
		struct bmpconn *bc =
		    slot < MAX_BMP_ROUTERS ? calloc(1, sizeof(*bc)) : NULL;
		if (bc == NULL ||
		    bmpin_init(&bc->b, &a, (enum bmpin_view)c->cfg.bmp_view,
			c->w, bmp_msg, bc) < 0) {
			free(bc);
			(void)close(fd);
			nk_log(NK_LOG_WARN, "bmp_rejected",
			    "cause=\"more than %d routers or out of memory\"",
			    MAX_BMP_ROUTERS);
			continue;
		}
		bc->c = c;
		bc->fd = fd;
		peer_addr_fmt(&a, bc->addr, sizeof(bc->addr));
		if (nk_loop_add_fd(loop, fd, POLLIN, bmp_readable, bc) < 0) {
			bmpin_fini(&bc->b);
			free(bc);
			(void)close(fd);
			continue;
		}
		c->bmp[slot] = bc;
		nk_log(NK_LOG_INFO, "bmp_connected", "router=%s", bc->addr);
	}
}

static int
listen_one(struct collect *c, const struct nk_addr *addr, uint16_t port,
    nk_loop_fd_cb cb, struct listener *l, struct nk_err *err)
{
	struct sockaddr_storage ss;
	char pa[64];
	int one = 1;

	l->addr = *addr;
	l->port = port;
	peer_addr_fmt(addr, pa, sizeof(pa));
	size_t sl = nk_addr_to_sockaddr(addr, port, &ss, sizeof(ss));
	int fd =
	    socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || sl == 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0 ||
	    listen(fd, 64) < 0) {
		nk_err_set(
		    err, "listen %s port %u: %s", pa, port, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	if (nk_loop_add_fd(c->loop, fd, POLLIN, cb, c) < 0) {
		nk_err_set(err, "listen %s: loop: %s", pa, strerror(errno));
		(void)close(fd);
		return -1;
	}
	l->fd = fd;
	nk_log(NK_LOG_INFO, "listening", "addr=%s port=%u what=%s", pa, port,
	    cb == bmp_accept ? "bmp" : "bgp");
	return 0;
}

/* ------------------------------------------------------------ TCP-MD5 */

/* TcpExt TCPMD5Failure/TCPMD5Unexpected of this network namespace: the
 * kernel drops segments with a bad (or missing) signature before any
 * socket sees them, so a key mismatch looks like a silent peer. */
static int
md5_counters(uint64_t *fail, uint64_t *unexp)
{
	FILE *f = fopen("/proc/net/netstat", "re");
	char names[4096], vals[4096];
	int rc = -1;

	if (f == NULL)
		return -1;
	while (fgets(names, sizeof(names), f) != NULL &&
	    fgets(vals, sizeof(vals), f) != NULL) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		char *sn = NULL, *sv = NULL;
		char *n = strtok_r(names, " \n", &sn);
		char *v = strtok_r(vals, " \n", &sv);
		*fail = *unexp = 0;
		while (n != NULL && v != NULL) {
			if (strcmp(n, "TCPMD5Failure") == 0)
				*fail = strtoull(v, NULL, 10);
			else if (strcmp(n, "TCPMD5Unexpected") == 0)
				*unexp = strtoull(v, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		rc = 0;
		break;
	}
	(void)fclose(f);
	return rc;
}

static void
md5_fire(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct collect *c = ctx;
	uint64_t fail = 0, unexp = 0;

	if (md5_counters(&fail, &unexp) == 0) {
		if (c->md5_known &&
		    (fail > c->md5_fail || unexp > c->md5_unexpected)) {
			for (size_t i = 0; i < c->n_sess; i++) {
				struct sess *s = c->sess[i];
				if (s->pc.md5[0] == '\0' ||
				    s->st == S_ESTABLISHED || s->md5_alarmed)
					continue;
				s->md5_alarmed = true;
				coll_event(c, "md5_mismatch", NK_SEV_CRITICAL,
				    &s->pc, NULL,
				    "TCP-MD5 key mismatch with %s suspected: "
				    "kernel dropped %llu segments with a bad "
				    "and %llu without a signature "
				    "(TcpExt TCPMD5Failure/Unexpected) while "
				    "the session is %s",
				    s->pc.name,
				    (unsigned long long)(fail - c->md5_fail),
				    (unsigned long long)(unexp -
					c->md5_unexpected),
				    state_names[s->st]);
			}
		}
		c->md5_fail = fail;
		c->md5_unexpected = unexp;
		c->md5_known = true;
	}
	for (size_t i = 0; i < c->n_sess; i++)
		if (c->sess[i]->st == S_ESTABLISHED)
			c->sess[i]->md5_alarmed = false;
	(void)nk_loop_timer_add(loop, now_ns + MD5_POLL_NS, md5_fire, c);
}

/* ------------------------------------------------------ signals, reload */

static void
shutdown_all(struct collect *c, const char *why)
{
	for (size_t i = 0; i < c->n_sess; i++) {
		struct sess *s = c->sess[i];
		s->gone = true; /* no reconnect */
		if (s->fd < 0)
			continue;
		uint8_t b[320];
		s->notified = true;
		if (s->st >= S_OPENSENT)
			send_bytes(s, b,
			    nk_bgpmsg_cease_fmt(NK_BGP_CEASE_ADMIN_SHUTDOWN,
				"bgpwatch collector shutting down", b,
				sizeof(b)));
		sess_close(s, 0, 0, NULL, 0, why);
	}
}

/* Cease to every peer, close the BMP routers, leave the loop. */
static void
stop_all(struct collect *c)
{
	shutdown_all(c,
	    "collector shutting down (sent Cease/administrative "
	    "shutdown)");
	for (size_t i = 0; i < MAX_BMP_ROUTERS; i++)
		if (c->bmp[i] != NULL)
			bmp_conn_close(c->bmp[i], "collector shutting down");
	nk_loop_stop(c->loop);
}

static void
on_term(struct nk_loop *loop, int signo, void *ctx)
{
	struct collect *c = ctx;
	(void)loop;
	nk_log(NK_LOG_INFO, "stopping", "signal=%d sessions=%zu", signo,
	    c->n_sess);
	(void)snprintf(c->stop_why, sizeof(c->stop_why), "signal %d (%s)",
	    signo, strsignal(signo));
	stop_all(c);
}

/* SIGUSR1: one status line per session (state, UPDATEs, routes held). */
static void
on_usr1(struct nk_loop *loop, int signo, void *ctx)
{
	struct collect *c = ctx;
	(void)loop;
	(void)signo;
	for (size_t i = 0; i < c->n_sess; i++) {
		struct sess *s = c->sess[i];
		uint64_t routes = 0;
		for (size_t k = 0; k < watch_n_peers(c->w); k++) {
			struct watch_peer_info pi;
			watch_peer(c->w, k, &pi);
			if (pi.asn == s->pc.asn &&
			    nk_addr_eq(&pi.addr, &s->pc.addr))
				routes = pi.n_routes;
		}
		nk_log(NK_LOG_INFO, "status",
		    "peer=%s state=%s updates=%llu routes=%llu", s->pc.name,
		    state_names[s->st], (unsigned long long)s->n_updates,
		    (unsigned long long)routes);
	}
	for (size_t i = 0; i < MAX_BMP_ROUTERS; i++)
		if (c->bmp[i] != NULL)
			nk_log(NK_LOG_INFO, "status",
			    "bmp_router=%s name=%s messages=%llu bad=%llu "
			    "peers_up=%zu",
			    c->bmp[i]->addr, c->bmp[i]->b.router_name,
			    (unsigned long long)c->bmp[i]->b.n_msgs,
			    (unsigned long long)c->bmp[i]->b.n_bad,
			    c->bmp[i]->b.n_up);
}

/*
 * Make the listeners of kind cb those of want (fd unused): keep the ones
 * that stay, bind the new ones, and only then close the ones gone. One
 * that cannot be bound (after the privilege drop: a port below 1024)
 * leaves every old listener as it was, with one log line. 0 or -1.
 */
static int
lis_reload(struct collect *c, struct listener *cur, size_t *n_cur,
    const struct listener *want, size_t n_want, nk_loop_fd_cb cb)
{
	struct listener next[COLLECT_MAX_LISTEN];
	bool opened[COLLECT_MAX_LISTEN] = {false};
	bool kept[COLLECT_MAX_LISTEN] = {false};
	const char *what = cb == bmp_accept ? "bmp" : "bgp";
	char pa[64];

	for (size_t i = 0; i < n_want; i++) {
		bool found = false;
		for (size_t j = 0; j < *n_cur && !found; j++)
			if (!kept[j] && cur[j].port == want[i].port &&
			    nk_addr_eq(&cur[j].addr, &want[i].addr)) {
				next[i] = cur[j];
				kept[j] = found = true;
			}
		if (found)
			continue;
		struct nk_err e = {{0}};
		if (listen_one(c, &want[i].addr, want[i].port, cb, &next[i],
			&e) == 0) {
			opened[i] = true;
			continue;
		}
		peer_addr_fmt(&want[i].addr, pa, sizeof(pa));
		nk_log(NK_LOG_ERR, "reload_listen_failed",
		    "listener=%s port=%u what=%s cause=\"%s%s\" "
		    "action=\"kept the old listeners and sessions\"",
		    pa, want[i].port, what, nk_err_msg(&e),
		    want[i].port < 1024 && c->dropped
			? " (ports below 1024 need privileges, given up "
			  "after startup: restart the collector to bind it)"
			: "");
		for (size_t k = 0; k < i; k++)
			if (opened[k]) {
				nk_loop_del_fd(c->loop, next[k].fd);
				(void)close(next[k].fd);
			}
		return -1;
	}
	for (size_t j = 0; j < *n_cur; j++) {
		if (kept[j])
			continue;
		peer_addr_fmt(&cur[j].addr, pa, sizeof(pa));
		nk_loop_del_fd(c->loop, cur[j].fd);
		(void)close(cur[j].fd);
		nk_log(NK_LOG_INFO, "listen_closed", "addr=%s port=%u what=%s",
		    pa, cur[j].port, what);
	}
	if (n_want > 0)
		memcpy(cur, next, n_want * sizeof(next[0]));
	*n_cur = n_want;
	return 0;
}

static bool
same_session(const struct collect_peer_cfg *a, const struct collect_peer_cfg *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    nk_addr_eq(&a->addr, &b->addr) && a->asn == b->asn &&
	    strcmp(a->md5, b->md5) == 0;
}

static void
on_hup(struct nk_loop *loop, int signo, void *ctx)
{
	struct collect *c = ctx;
	struct collect_cfg *nc = malloc(sizeof(*nc));
	struct nk_err err = {{0}};
	struct sess *keep[WATCH_MAX_UPSTREAMS];
	size_t n_keep = 0, n_new = 0, n_gone = 0;
	(void)signo;

	if (nc == NULL)
		return;
	if (collect_cfg_load(c->path, nc, &err) < 0) {
		nk_log(NK_LOG_ERR, "reload_failed",
		    "config=%s cause=\"%s\" action=\"kept the running config\"",
		    c->path, nk_err_msg(&err));
		free(nc);
		return;
	}
	int64_t now = nk_loop_now_ns(loop);
	/* Sessions whose identity is unchanged stay up; settings such as
	 * hold time or passive apply at their next connection. */
	for (size_t i = 0; i < nc->n_peer; i++) {
		struct sess *s = NULL;
		for (size_t k = 0; k < c->n_sess; k++)
			if (c->sess[k] != NULL &&
			    same_session(&c->sess[k]->pc, &nc->peer[i])) {
				s = c->sess[k];
				c->sess[k] = NULL;
			}
		if (s != NULL) {
			bool was_passive = s->pc.passive;
			s->pc = nc->peer[i];
			if (was_passive && !s->pc.passive && s->fd < 0)
				sess_schedule_connect(s, now);
		} else {
			s = sess_new(c, &nc->peer[i]);
			if (s == NULL)
				continue;
			n_new++;
			if (!s->pc.passive)
				sess_schedule_connect(s, now);
		}
		keep[n_keep++] = s;
	}
	for (size_t k = 0; k < c->n_sess; k++) {
		struct sess *s = c->sess[k];
		if (s == NULL)
			continue;
		s->gone = true;
		n_gone++;
		sess_close(s, NK_BGP_E_CEASE, NK_BGP_CEASE_PEER_DECONFIGURED,
		    NULL, 0,
		    "peer removed from the configuration (sent "
		    "Cease/peer de-configured)");
		if (s->t_gr != 0)
			(void)gr_flush(s, 0,
			    "stale after graceful restart, peer removed from "
			    "the configuration");
		sess_free(s);
	}
	memcpy(c->sess, keep, n_keep * sizeof(keep[0]));
	c->n_sess = n_keep;
	/* New listen addresses are bound now, after the privilege drop: one
	 * that cannot be (a port below 1024) keeps the old set. The user
	 * and the record file stay as they were at startup. */
	struct listener want[COLLECT_MAX_LISTEN];
	for (size_t i = 0; i < nc->n_listen; i++)
		want[i] = (struct listener){
		    -1, nc->listen[i].addr, nc->listen[i].port};
	bool lis_ok = lis_reload(c, c->lis, &c->n_lis, want, nc->n_listen,
			  on_accept) == 0;
	for (size_t i = 0; i < nc->n_bmp_listen; i++)
		want[i] = (struct listener){
		    -1, nc->bmp_listen[i].addr, nc->bmp_listen[i].port};
	bool bmp_ok = lis_reload(c, c->bmp_lis, &c->n_bmp_lis, want,
			  nc->n_bmp_listen, bmp_accept) == 0;
	struct collect_cfg old = c->cfg;
	c->cfg = *nc;
	if (!lis_ok) {
		c->cfg.n_listen = old.n_listen;
		memcpy(c->cfg.listen, old.listen, sizeof(old.listen));
	}
	if (!bmp_ok) {
		c->cfg.n_bmp_listen = old.n_bmp_listen;
		memcpy(
		    c->cfg.bmp_listen, old.bmp_listen, sizeof(old.bmp_listen));
	}
	memcpy(c->cfg.user, old.user, sizeof(old.user));
	memcpy(c->cfg.record, old.record, sizeof(old.record));
	c->cfg.record_rib_every_ns = old.record_rib_every_ns;
	watch_set_cfg(c->w, &c->cfg.watch);
	listener_md5(c);
	nk_log(NK_LOG_INFO, "reloaded",
	    "config=%s peers=%zu added=%zu removed=%zu listeners=%s", c->path,
	    c->n_sess, n_new, n_gone,
	    lis_ok && bmp_ok ? "as configured" : "kept");
	free(nc);
}

/* ------------------------------------------------------------- command */

/*
 * STYLE.md §7: become [collector] user (default nobody), or with an empty
 * user keep the uid and clear every capability. What still works after:
 * outgoing connections, TCP_MD5SIG on any socket we own (the kernel asks
 * for no capability), binding ports >= 1024. What does not: binding a
 * port below 1024 on reload, reopening the record file.
 */
static int
priv_drop(struct collect *c, struct nk_err *err)
{
	uid_t was = geteuid();
	/* Not root (systemd's DynamicUser with CAP_NET_BIND_SERVICE): the
	 * uid stays, the capability goes. */
	int rc = c->cfg.user[0] == '\0' || geteuid() != 0
	    ? nk_priv_drop_caps(err)
	    : nk_priv_drop(c->cfg.user, err);
	if (rc < 0)
		return -1;
	c->dropped = true;
	const struct passwd *pw = getpwuid(geteuid());
	nk_log(NK_LOG_INFO, "privileges_dropped",
	    "user=%s uid=%u gid=%u was_uid=%u capabilities=none "
	    "no_new_privs=1",
	    pw != NULL ? pw->pw_name : "?", (unsigned)geteuid(),
	    (unsigned)getegid(), (unsigned)was);
	return 0;
}

enum { OPT_LISTEN_ONLY = 256, OPT_TUI, OPT_CHECK };

struct copts {
	bool tui;
	bool check;
};

static int
copt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct copts *o = ctx;
	(void)arg;
	(void)err;
	if (id == OPT_TUI)
		o->tui = true;
	else if (id == OPT_CHECK)
		o->check = true;
	return 0;
}

static void live_hook(void *arg, const struct watch_event *ev);
static int live_start(struct collect *c, bool tui, bool syslog,
    struct nk_err *err);

int
collect_cmd(int argc, char **argv)
{
	static const struct nk_cli_opt opts[] = {
	    {"tui", 0, NK_CLI_NO_ARG, OPT_TUI, NULL,
		"the live ncurses screen (livetui.h)"},
	    {"check", 0, NK_CLI_NO_ARG, OPT_CHECK, NULL,
		"read the config, say what it sets up, exit (0 or 3)"},
	    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
	};
	struct nk_cli_common common;
	struct copts co = {false, false};
	struct nk_err err = {{0}};
	struct collect *c = NULL;
	int rc = 2;

	memset(&common, 0, sizeof(common));
	int first =
	    nk_cli_parse(argc, argv, opts, copt, &co, &common, true, &err);
	bool tui = co.tui;
	if (first < 0) {
		fprintf(stderr, "bgpwatch collect: %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (common.help) {
		nk_cli_help(stdout, "bgpwatch collect",
		    "--config FILE [--json | --tui | --check]",
		    "Receive-only BGP collector: live sessions feed the "
		    "watch engine; see bgpwatch(1).",
		    opts);
		return 0;
	}
	if (common.config == NULL || first < argc) {
		fprintf(stderr,
		    "bgpwatch collect: want --config FILE and no "
		    "other arguments\n");
		return NK_CLI_EXIT_USAGE;
	}
	if (tui && (common.json || livetui_check(&err) < 0)) {
		fprintf(stderr, "bgpwatch collect: option '--tui': %s\n",
		    common.json ? "not with --json" : nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	nk_log_init("bgpwatch",
	    common.quiet ? NK_LOG_ERR
			 : (common.verbose > 0 ? NK_LOG_DEBUG : NK_LOG_INFO),
	    common.syslog);
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		fprintf(stderr, "bgpwatch collect: out of memory\n");
		return 2;
	}
	c->path = common.config;
	if (collect_cfg_load(common.config, &c->cfg, &err) < 0) {
		fprintf(stderr, "bgpwatch: %s\n", nk_err_msg(&err));
		free(c);
		return NK_CLI_EXIT_USAGE;
	}
	if (co.check) {
		/* as nginx -t: check before a reload, change nothing */
		if (c->cfg.user[0] != '\0' && getpwnam(c->cfg.user) == NULL) {
			fprintf(stderr,
			    "bgpwatch: %s: [collector] user '%s': no such "
			    "user\n",
			    common.config, c->cfg.user);
			free(c);
			return NK_CLI_EXIT_USAGE;
		}
		size_t n_md5 = 0;
		for (size_t i = 0; i < c->cfg.n_peer; i++)
			n_md5 += c->cfg.peer[i].md5[0] != '\0';
		printf("%s: config OK: asn %u, %zu BGP peers (%zu with "
		       "TCP-MD5), %zu listeners, %zu BMP listeners, %zu "
		       "watched prefixes%s\n",
		    common.config, c->cfg.asn, c->cfg.n_peer, n_md5,
		    c->cfg.n_listen, c->cfg.n_bmp_listen,
		    c->cfg.watch.n_prefix,
		    c->cfg.watch.watch_all ? " (every prefix watched)" : "");
		free(c);
		return 0;
	}
	c->out.json = common.json;
	c->out.text = !common.json && !tui;
	c->out.hook = live_hook;
	c->out.hook_arg = c;
	c->ls = livestate_new(c);
	/* a daemon's events are read as they happen, also from a pipe */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	c->out.sink = nk_event_sink_new("bgpwatch", NULL, stdout);
	c->loop = nk_loop_new();
	c->w = watch_new(&c->cfg.watch, engine_out_event, &c->out);
	if (c->out.sink == NULL || c->loop == NULL || c->w == NULL ||
	    c->ls == NULL) {
		fprintf(stderr, "bgpwatch collect: out of memory\n");
		goto out;
	}
	if (listeners_open(c, &err) < 0) {
		fprintf(stderr, "bgpwatch collect: %s\n", nk_err_msg(&err));
		goto out;
	}
	if (nk_loop_add_signal(c->loop, SIGTERM, on_term, c, &err) < 0 ||
	    nk_loop_add_signal(c->loop, SIGINT, on_term, c, &err) < 0 ||
	    nk_loop_add_signal(c->loop, SIGHUP, on_hup, c, &err) < 0 ||
	    nk_loop_add_signal(c->loop, SIGUSR1, on_usr1, c, &err) < 0) {
		fprintf(stderr, "bgpwatch collect: %s\n", nk_err_msg(&err));
		goto out;
	}
	int64_t now = nk_clock_mono_ns();
	for (size_t i = 0; i < c->cfg.n_peer; i++) {
		struct sess *s = sess_new(c, &c->cfg.peer[i]);
		if (s == NULL)
			goto out;
		c->sess[c->n_sess++] = s;
		if (!s->pc.passive)
			s->t_retry =
			    nk_loop_timer_add(c->loop, now, retry_fire, s);
	}
	listener_md5(c);
	md5_fire(c->loop, c, now);
	if (c->cfg.record[0] != '\0') {
		c->rec = fopen(c->cfg.record, "abe");
		if (c->rec == NULL) {
			fprintf(stderr, "bgpwatch collect: record %s: %s\n",
			    c->cfg.record, strerror(errno));
			goto out;
		}
		rec_flush(c->loop, c, now + NS_S);
		if (c->cfg.record_rib_every_ns > 0) {
			c->rib_due_ns = now + c->cfg.record_rib_every_ns;
			(void)nk_loop_timer_add(
			    c->loop, c->rib_due_ns, rec_rib_fire, c);
		}
	}
	/* Everything privileged is open (listeners on :179, the record
	 * file): give up root before the first byte from a peer. */
	if (priv_drop(c, &err) < 0) {
		fprintf(stderr, "bgpwatch collect: %s\n", nk_err_msg(&err));
		goto out;
	}
	nk_log(NK_LOG_INFO, "collector_started",
	    "config=%s asn=%u peers=%zu listen=%zu bmp_listen=%zu", c->path,
	    c->cfg.asn, c->n_sess, c->n_lis, c->n_bmp_lis);
	if (live_start(c, tui, common.syslog, &err) < 0) {
		fprintf(stderr, "bgpwatch collect: %s\n", nk_err_msg(&err));
		goto out;
	}
	if (nk_loop_run(c->loop, &err) < 0) {
		nk_log(NK_LOG_ERR, "loop_failed", "cause=\"%s\"",
		    nk_err_msg(&err));
		goto out;
	}
	/* sessions are closed now: the file shows them down, and why */
	if (c->stop_why[0] != '\0')
		livestate_file_stop(c->ls, c->stop_why);
	rc = 0;
out:
	livetui_close(c->tui); /* the terminal back before the last lines */
	livestate_free(c->ls);
	if (c->loop != NULL)
		for (size_t i = 0; i < c->n_sess; i++)
			sess_free(c->sess[i]);
	for (size_t i = 0; i < c->n_lis; i++) {
		nk_loop_del_fd(c->loop, c->lis[i].fd);
		(void)close(c->lis[i].fd);
	}
	for (size_t i = 0; i < c->n_bmp_lis; i++) {
		nk_loop_del_fd(c->loop, c->bmp_lis[i].fd);
		(void)close(c->bmp_lis[i].fd);
	}
	for (size_t i = 0; i < MAX_BMP_ROUTERS; i++)
		if (c->bmp[i] != NULL) {
			nk_loop_del_fd(c->loop, c->bmp[i]->fd);
			(void)close(c->bmp[i]->fd);
			bmpin_fini(&c->bmp[i]->b);
			free(c->bmp[i]);
		}
	if (c->rec != NULL) {
		if (fclose(c->rec) != 0)
			c->n_rec_err++;
		nk_log(c->n_rec_err ? NK_LOG_ERR : NK_LOG_INFO, "recorded",
		    "file=%s records=%llu write_errors=%llu", c->cfg.record,
		    (unsigned long long)c->n_rec,
		    (unsigned long long)c->n_rec_err);
	}
	watch_free(c->w);
	nk_loop_free(c->loop);
	nk_event_sink_free(c->out.sink);
	free(c);
	return rc;
}

/* ------------------------------------------------- live faces (livetui) */

static void
live_hook(void *arg, const struct watch_event *ev)
{
	struct collect *c = arg;
	livestate_event(c->ls, ev);
	livetui_event(c->tui, ev);
}

/* The status file and the screen start last: after the privilege drop,
 * so the file belongs to the collector's user. */
static int
live_start(struct collect *c, bool tui, bool syslog, struct nk_err *err)
{
	if (c->cfg.status_file[0] != '\0' &&
	    livestate_file_start(c->ls, c->loop, c->cfg.status_file, err) < 0)
		return -1;
	if (tui && (livetui_open(&c->tui, syslog, err) < 0 ||
		       livetui_attach(c->tui, c, c->ls, c->loop, err) < 0))
		return -1;
	return 0;
}

size_t
collect_sessions(
    const struct collect *c, struct collect_sess_info *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_sess && n < max; i++) {
		const struct sess *s = c->sess[i];
		if (s == NULL || s->gone)
			continue;
		out[n].name = s->pc.name;
		out[n].addr = s->pc.addr;
		out[n].asn = s->pc.asn;
		out[n].state = state_names[s->st];
		out[n].established = s->st == S_ESTABLISHED;
		out[n].n_updates = s->n_updates;
		n++;
	}
	return n;
}

const struct watch *
collect_watch(const struct collect *c)
{
	return c->w;
}

const struct watch_cfg *
collect_watch_cfg(const struct collect *c)
{
	return &c->cfg.watch;
}

void
collect_stop(struct collect *c)
{
	nk_log(NK_LOG_INFO, "stopping", "cause=\"q pressed\" sessions=%zu",
	    c->n_sess);
	(void)snprintf(c->stop_why, sizeof(c->stop_why), "q pressed");
	stop_all(c);
}
