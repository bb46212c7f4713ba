/* probe: sockets, schedule, send, receive, match. */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/errqueue.h>

#include "clock.h"
#include "icmp.h"
#include "priv.h"
#include "report.h"

#define MP_RX_BATCH 256 /* messages per readiness callback */
#define MP_RX_VLEN 32u  /* messages per recvmmsg() */
#define MP_RX_CTL 256   /* control bytes per message */
/* Sends due within one tick go out in one pass: a few per wake-up instead
 * of one, still spread over the interval (10,000 targets at 1 s: 20 per
 * 2 ms tick, never a burst). The tick is 8 send slots of a class, within
 * [2 ms, 10 ms]: 1,000 targets at 1 s send 8 per 8 ms tick instead of 2
 * per 2 ms, a quarter of the wake-ups (replies then come back in one
 * batch too), and still 125 batches per interval. */
#define MP_SEND_TICK_MIN_NS (2 * NK_NS_PER_MS)
#define MP_SEND_TICK_MAX_NS (10 * NK_NS_PER_MS)
#define MP_SEND_TICK_SLOTS 8
#define MP_TX_BATCH 512 /* sends per timer pass before yielding */
#define MP_SOCKBUF (4 << 20)
/* Linux raw ICMP filter (linux/icmp.h): bit set = type blocked. */
#define MP_SOL_RAW 255
#define MP_ICMP_FILTER 1

void
mp_opts_default(struct mp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_ns = NK_NS_PER_SEC;
	o->timeout_ns = NK_NS_PER_SEC;
	o->payload_bytes = 56;
	o->dscp = -1;
	o->window = 300;
	o->seq_k = 3;
	o->occ_pct = 1.0;
	o->corr_min = 3;
	o->corr_sim = 0.7;
	o->summary_ns = 60 * NK_NS_PER_SEC;
}

const char *
mp_probe_kind(const struct mp_fam *f)
{
	if (f->fd < 0)
		return "none";
	return f->raw ? "raw" : "datagram";
}

static int
set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* Options on an open socket; failures of optional ones are ignored. */
static int
fam_setup(struct mp_fam *f, int family, const struct mp_opts *o)
{
	int fd = f->fd;

	(void)set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, MP_SOCKBUF))
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, MP_SOCKBUF);
	if (set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, MP_SOCKBUF))
		(void)set_int(fd, SOL_SOCKET, SO_SNDBUF, MP_SOCKBUF);
	if (family == AF_INET) {
		(void)set_int(fd, IPPROTO_IP, IP_RECVTTL, 1);
		if (!f->raw)
			(void)set_int(fd, IPPROTO_IP, IP_RECVERR, 1);
		if (o->ttl > 0 && set_int(fd, IPPROTO_IP, IP_TTL, o->ttl))
			return -1;
		if (o->dscp >= 0 &&
		    set_int(fd, IPPROTO_IP, IP_TOS, o->dscp << 2))
			return -1;
		if (f->raw) {
			/* only echo reply and the errors that quote an echo */
			uint32_t pass = 1u << NK_ICMP4_ECHO_REPLY |
			    1u << NK_ICMP4_UNREACH | 1u << NK_ICMP4_QUENCH |
			    1u << NK_ICMP4_REDIRECT |
			    1u << NK_ICMP4_TIME_EXCEEDED | 1u << NK_ICMP4_PARAM;
			uint32_t block = ~pass;
			(void)setsockopt(fd, MP_SOL_RAW, MP_ICMP_FILTER, &block,
			    sizeof(block));
		}
	} else {
		(void)set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
		if (!f->raw)
			(void)set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
		if (o->ttl > 0 &&
		    set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o->ttl))
			return -1;
		if (o->dscp >= 0 &&
		    set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, o->dscp << 2))
			return -1;
		if (f->raw) {
			struct icmp6_filter flt;
			ICMP6_FILTER_SETBLOCKALL(&flt);
			ICMP6_FILTER_SETPASS(NK_ICMP6_ECHO_REPLY, &flt);
			ICMP6_FILTER_SETPASS(NK_ICMP6_UNREACH, &flt);
			ICMP6_FILTER_SETPASS(NK_ICMP6_TOO_BIG, &flt);
			ICMP6_FILTER_SETPASS(NK_ICMP6_TIME_EXCEEDED, &flt);
			ICMP6_FILTER_SETPASS(NK_ICMP6_PARAM, &flt);
			(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &flt,
			    sizeof(flt));
		}
	}
	if (!f->raw) {
		/* The kernel picks the echo id: bind, then read our port. */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		if (bind(fd, (struct sockaddr *)&ss,
			family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6)) ||
		    getsockname(fd, (struct sockaddr *)&ss, &sl))
			return -1;
		f->id = ntohs(family == AF_INET ?
			((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

static void
fam_open(struct mp_fam *f, int family, enum mp_sock_mode mode,
    const struct mp_opts *o, uint16_t raw_id)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fl = SOCK_NONBLOCK | SOCK_CLOEXEC;

	f->fd = -1;
	f->open_errno = 0;
	if (mode != MP_SOCK_RAW &&
	    (mode == MP_SOCK_DGRAM || nk_priv_ping_group_allows(NULL, NULL))) {
		f->fd = socket(family, SOCK_DGRAM | fl, proto);
		f->raw = false;
		if (f->fd < 0)
			f->open_errno = errno;
	}
	if (f->fd < 0 && mode != MP_SOCK_DGRAM) {
		f->fd = socket(family, SOCK_RAW | fl, proto);
		f->raw = true;
		f->id = raw_id;
		if (f->fd < 0 && f->open_errno == 0)
			f->open_errno = errno;
	}
	if (f->fd >= 0 && fam_setup(f, family, o)) {
		f->open_errno = errno;
		close(f->fd);
		f->fd = -1;
	}
}

static void
perm_msg(const struct mp_fam *f, int family, enum mp_sock_mode mode,
    struct nk_err *err)
{
	long lo = 1, hi = 0;
	bool grp = nk_priv_ping_group_allows(&lo, &hi);
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";

	if (f->open_errno == EAFNOSUPPORT) {
		nk_err_set(err, "%s ICMP socket: address family not supported",
		    fam);
	} else if (mode == MP_SOCK_DGRAM) {
		nk_err_set(err, "%s ICMP datagram socket: %s (group %ld not "
		    "in net.ipv4.ping_group_range = %ld %ld)", fam,
		    strerror(f->open_errno), (long)getgid(), lo, hi);
	} else if (f->open_errno == EPERM || f->open_errno == EACCES) {
		nk_err_set(err, "no permission for %s ICMP: group %ld is not "
		    "in net.ipv4.ping_group_range (%ld %ld%s) and there is no "
		    "CAP_NET_RAW; widen the sysctl or run with CAP_NET_RAW",
		    fam, (long)getgid(), lo, hi, grp ? ", yet refused" : "");
	} else {
		nk_err_set(err, "%s ICMP socket: %s", fam,
		    strerror(f->open_errno));
	}
}

int
mp_probe_open(struct mp_engine *e, const struct mp_opts *o,
    struct nk_err *err)
{
	uint16_t rid = 0;

	e->o = *o;
	if (getrandom(e->key, sizeof(e->key), 0) != (ssize_t)sizeof(e->key) ||
	    getrandom(&rid, sizeof(rid), 0) != (ssize_t)sizeof(rid)) {
		nk_err_set(err, "getrandom: %s", strerror(errno));
		return -1;
	}
	fam_open(&e->f4, AF_INET, o->mode, o, rid);
	fam_open(&e->f6, AF_INET6, o->mode, o, rid);
	if (e->f4.fd < 0 && e->f6.fd < 0) {
		perm_msg(&e->f4, AF_INET, o->mode, err);
		return -1;
	}
	return 0;
}

int
mp_probe_check_family(const struct mp_engine *e, int family,
    struct nk_err *err)
{
	const struct mp_fam *f = family == AF_INET ? &e->f4 : &e->f6;

	if (f->fd >= 0)
		return 0;
	perm_msg(f, family, e->o.mode, err);
	return -1;
}

/* ---- receive ---- */

static void
match_reply(struct mp_engine *e, const struct nk_icmp_msg *m,
    const struct nk_addr *from, int64_t rx_ns, uint8_t ttl)
{
	size_t t = m->probe.target;
	struct mp_target *tg = &e->ts->v[t];
	uint32_t seq = m->probe.seq32;
	int64_t rtt = rx_ns - m->probe.send_ns;
	bool ttl_changed;
	uint8_t old_ttl = 0;

	if (!nk_addr_eq(from, &tg->addr)) {
		/* Ours (the tag says so) but from someone else: a NAT, an
		 * anycast twin, or a reflector (FIELD-NOTES §1). Not timed. */
		tg->st.n_unexpected_src++;
		mp_report_unexpected(e->rep, e, t, seq, from);
		return;
	}
	/* Slower than the timeout, even if its round is still open: late. */
	bool late = rtt > tg->timeout_ns;
	enum mp_reply_kind k = mp_stats_reply(&tg->st, seq, rtt, ttl, late,
	    &ttl_changed, &old_ttl);
	if (ttl_changed)
		mp_report_ttl_change(e->rep, e, t, old_ttl, ttl);
	switch (k) {
	case MP_REPLY_OK:
		mp_report_probe(e->rep, e, t, seq, MP_SLOT_REPLY, rtt, ttl,
		    false);
		break;
	case MP_REPLY_LATE:
		mp_report_probe(e->rep, e, t, seq, MP_SLOT_LATE, rtt, ttl,
		    false);
		break;
	case MP_REPLY_DUP:
		tg->st.n_dup++;
		mp_report_probe(e->rep, e, t, seq, MP_SLOT_REPLY, rtt, ttl,
		    true);
		break;
	case MP_REPLY_OLD:
		tg->st.n_late++;
		mp_report_probe(e->rep, e, t, seq, MP_SLOT_LATE, rtt, ttl,
		    false);
		break;
	}
}

static void
match_error(struct mp_engine *e, const struct nk_icmp_msg *m, bool raw,
    uint16_t id, const struct nk_addr *router)
{
	long t = -1;
	uint32_t seq = m->seq;

	if (m->has_probe && nk_icmp_probe_verify(m, e->key, raw, id) &&
	    m->probe.target < e->ts->n) {
		t = (long)m->probe.target;
		seq = m->probe.seq32;
	} else if (m->has_orig && (!raw || m->id == id)) {
		/* A short quote (RFC 792's 64 bits): match by the original
		 * destination and the 16-bit seq within the window. */
		struct nk_addr dst;
		memset(&dst, 0, sizeof(dst));
		dst.family = m->family;
		memcpy(dst.bytes, m->orig_dst, m->family == AF_INET ? 4 : 16);
		t = mp_targets_find(e->ts, &dst);
		if (t >= 0) {
			const struct mp_stats *st = &e->ts->v[t].st;
			uint32_t base = st->next_seq;
			uint32_t back = (uint32_t)((base - m->seq) & 0xffffu);
			if (back == 0 || back > st->window)
				t = -1;
			else
				seq = base - back;
		}
	}
	if (t < 0) {
		e->n_foreign++;
		return;
	}
	mp_stats_error(&e->ts->v[t].st, seq);
	mp_report_icmp_error(e->rep, e, (size_t)t, seq, m->family, m->type,
	    m->code, router);
}

void
mp_engine_input(struct mp_engine *e, int family, bool raw, const uint8_t *buf,
    size_t len, const struct nk_addr *from, int64_t rx_real_ns, uint8_t ttl)
{
	struct nk_icmp_msg m;
	uint16_t id = family == AF_INET ? e->f4.id : e->f6.id;

	if (nk_icmp_parse(buf, len, family, family == AF_INET && raw, &m)) {
		e->n_malformed++;
		return;
	}
	if (m.has_ip && ttl == 0)
		ttl = m.ttl;
	if (m.kind == NK_ICMP_ERROR) {
		match_error(e, &m, raw, id, from);
		return;
	}
	if (m.kind != NK_ICMP_ECHO_REPLY)
		return; /* our own requests looped back on a raw socket */
	if (raw && m.id != id) {
		e->n_foreign++; /* another pinger's reply */
		return;
	}
	if (!m.has_probe) {
		e->n_foreign++;
		return;
	}
	if (!nk_icmp_probe_verify(&m, e->key, raw, id) ||
	    m.probe.target >= e->ts->n) {
		e->n_mangled++; /* STYLE §4: counted, never timed */
		return;
	}
	match_reply(e, &m, from, rx_real_ns, ttl);
}

static void
cmsg_scan(struct msghdr *mh, int64_t *rx_ns, uint8_t *ttl,
    struct sock_extended_err **ee, size_t *ee_len)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
	     c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*rx_ns = nk_timespec_to_ns(&ts);
		} else if (((c->cmsg_level == IPPROTO_IP &&
				c->cmsg_type == IP_TTL) ||
			       (c->cmsg_level == IPPROTO_IPV6 &&
				   c->cmsg_type == IPV6_HOPLIMIT)) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*ttl = v > 0 && v < 256 ? (uint8_t)v : 0;
		} else if (((c->cmsg_level == IPPROTO_IP &&
				c->cmsg_type == IP_RECVERR) ||
			       (c->cmsg_level == IPPROTO_IPV6 &&
				   c->cmsg_type == IPV6_RECVERR)) &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
			*ee = (struct sock_extended_err *)(void *)CMSG_DATA(c);
			*ee_len = c->cmsg_len - CMSG_LEN(0);
		}
	}
}

/* A datagram socket's error queue: the kernel hands back our echo as sent
 * and the ICMP error's type, code and sender (the offending router). */
static void
errqueue_input(struct mp_engine *e, int family, const uint8_t *buf,
    size_t len, const struct sock_extended_err *ee, size_t ee_len)
{
	struct nk_icmp_msg m;
	struct nk_addr router;
	int origin = family == AF_INET ? SO_EE_ORIGIN_ICMP : SO_EE_ORIGIN_ICMP6;

	if (ee->ee_origin != origin)
		return;
	if (nk_icmp_parse(buf, len, family, false, &m) ||
	    m.kind != NK_ICMP_ECHO_REQUEST) {
		e->n_malformed++;
		return;
	}
	memset(&router, 0, sizeof(router));
	/* The offender (the router) follows the struct (SO_EE_OFFENDER),
	 * inside the control message we were given. */
	size_t sl = family == AF_INET ? sizeof(struct sockaddr_in) :
					sizeof(struct sockaddr_in6);
	if (ee_len >= sizeof(*ee) + sl) {
		struct sockaddr_storage off;
		memcpy(&off, (const uint8_t *)(ee + 1), sl);
		(void)nk_addr_from_sockaddr(&off, sl, &router);
	}
	m.kind = NK_ICMP_ERROR;
	m.type = ee->ee_type;
	m.code = ee->ee_code;
	m.cksum_ok = true; /* the kernel's copy of what we sent */
	m.has_orig = false;
	match_error(e, &m, false, 0, &router);
}

/* The error queue of a datagram socket (IP_RECVERR): one message. */
static void
read_errqueue(struct mp_engine *e, int fd, int family)
{
	uint8_t buf[2048];
	union {
		char b[512];
		struct cmsghdr align;
	} cbuf;

	for (int i = 0; i < MP_RX_BATCH; i++) {
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		ssize_t n = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0)
			return;
		int64_t rx_ns = 0;
		uint8_t ttl = 0;
		struct sock_extended_err *ee = NULL;
		size_t ee_len = 0;
		cmsg_scan(&mh, &rx_ns, &ttl, &ee, &ee_len);
		if (ee != NULL)
			errqueue_input(e, family, buf, (size_t)n, ee, ee_len);
	}
}

/*
 * Replies, MP_RX_VLEN per recvmmsg(): on a busy socket one call drains a
 * burst, and a short count means the queue is empty (no extra EAGAIN call).
 */
static void
on_readable(struct nk_loop *loop, int fd, short revents, void *ctx,
    int64_t now_ns)
{
	struct mp_engine *e = ctx;
	int family = fd == e->f4.fd ? AF_INET : AF_INET6;
	bool raw = family == AF_INET ? e->f4.raw : e->f6.raw;
	struct mmsghdr mm[MP_RX_VLEN];
	struct iovec iov[MP_RX_VLEN];
	struct sockaddr_storage ss[MP_RX_VLEN];

	(void)loop;
	(void)now_ns;
	if (revents & POLLERR)
		read_errqueue(e, fd, family);
	for (unsigned pass = 0; pass < MP_RX_BATCH / MP_RX_VLEN; pass++) {
		memset(mm, 0, sizeof(mm));
		for (unsigned i = 0; i < MP_RX_VLEN; i++) {
			iov[i].iov_base = e->rxbuf + i * e->rxslot;
			iov[i].iov_len = e->rxslot;
			mm[i].msg_hdr.msg_name = &ss[i];
			mm[i].msg_hdr.msg_namelen = sizeof(ss[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = e->rxctl + i * MP_RX_CTL;
			mm[i].msg_hdr.msg_controllen = MP_RX_CTL;
		}
		int n = recvmmsg(fd, mm, MP_RX_VLEN, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			int64_t rx_ns = 0;
			uint8_t ttl = 0;
			struct sock_extended_err *ee = NULL;
			size_t ee_len = 0;
			struct nk_addr from;
			cmsg_scan(&mm[i].msg_hdr, &rx_ns, &ttl, &ee, &ee_len);
			if (rx_ns == 0)
				rx_ns = nk_clock_real_ns();
			if (nk_addr_from_sockaddr(&ss[i],
				mm[i].msg_hdr.msg_namelen, &from))
				memset(&from, 0, sizeof(from));
			mp_engine_input(e, family, raw,
			    e->rxbuf + (size_t)i * e->rxslot, mm[i].msg_len,
			    &from, rx_ns, ttl);
		}
		if (n < (int)MP_RX_VLEN)
			return;
	}
}

/* ---- schedule ---- */

static int64_t
send_due(const struct mp_class *c, uint32_t round, size_t i)
{
	int64_t iv = c->interval_ns;
	return c->e->start_mono_ns + c->off_ns + (int64_t)round * iv +
	    (int64_t)((__int128)iv * (__int128)i / (__int128)c->n);
}

/* TTL and TOS for one send when the target's differ from the socket's
 * (IP_TTL/IP_TOS, IPV6_HOPLIMIT/IPV6_TCLASS as ancillary data: RFC 3542
 * §6 and ip(7); no setsockopt per probe, the common case stays sendto). */
static ssize_t
send_cmsg(const struct mp_engine *e, const struct mp_target *tg, int fd,
    size_t n, const struct sockaddr_storage *ss, size_t sl)
{
	union {
		char b[2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = {e->txbuf, n};
	struct msghdr mh;
	size_t clen = 0;
	bool v4 = tg->addr.family == AF_INET;

	memset(&cb, 0, sizeof(cb));
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = (void *)(uintptr_t)ss;
	mh.msg_namelen = (socklen_t)sl;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.b;
	mh.msg_controllen = sizeof(cb.b);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (tg->ttl != e->o.ttl && tg->ttl > 0) {
		int v = tg->ttl;
		c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
		c->cmsg_type = v4 ? IP_TTL : IPV6_HOPLIMIT;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &v, sizeof(v));
		clen += CMSG_SPACE(sizeof(int));
		c = CMSG_NXTHDR(&mh, c);
	}
	if (tg->dscp != e->o.dscp && tg->dscp >= 0 && c != NULL) {
		int v = tg->dscp << 2;
		c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
		c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &v, sizeof(v));
		clen += CMSG_SPACE(sizeof(int));
	}
	mh.msg_controllen = clen;
	if (clen == 0)
		mh.msg_control = NULL;
	return sendmsg(fd, &mh, 0);
}

static void
send_one(struct mp_engine *e, size_t t, uint32_t round)
{
	struct mp_target *tg = &e->ts->v[t];
	const struct mp_fam *f = tg->addr.family == AF_INET ? &e->f4 : &e->f6;
	struct sockaddr_storage ss;
	struct nk_icmp_probe p;
	size_t sl = nk_addr_to_sockaddr(&tg->addr, 0, &ss, sizeof(ss));
	bool ok = false;

	if (f->fd >= 0 && sl > 0) {
		p.id = f->id;
		p.target = (uint32_t)t;
		p.seq32 = round;
		p.send_ns = nk_clock_real_ns(); /* right at send, same clock
						 * as SO_TIMESTAMPNS */
		size_t n = nk_icmp_echo_build(e->txbuf, e->txlen,
		    tg->addr.family, e->key, &p, tg->payload_bytes);
		ssize_t w = -1;
		if (n > 0 && tg->ttl == e->o.ttl && tg->dscp == e->o.dscp)
			w = sendto(f->fd, e->txbuf, n, 0,
			    (struct sockaddr *)&ss, (socklen_t)sl);
		else if (n > 0)
			w = send_cmsg(e, tg, f->fd, n, &ss, sl);
		ok = n > 0 && w == (ssize_t)n;
		if (!ok) {
			e->n_send_err++;
			e->last_send_errno = errno;
			/* A refused send (EPERM from a firewall, EHOSTUNREACH)
			 * is the target's loss; a full buffer is ours. */
			ok = n > 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ENOBUFS;
		}
	}
	mp_stats_sent(&tg->st, round, ok);
}

static void on_send(struct nk_loop *loop, void *ctx, int64_t now_ns);

static void
arm_send(struct mp_class *c)
{
	if (c->sending_done)
		return;
	(void)nk_loop_timer_add(c->e->loop, send_due(c, c->send_round,
	    c->send_cursor), on_send, c);
}

static void
on_send(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mp_class *c = ctx;
	struct mp_engine *e = c->e;
	int n = 0;

	(void)loop;
	while (!c->sending_done && n < MP_TX_BATCH &&
	    send_due(c, c->send_round, c->send_cursor) <=
		now_ns + c->tick_ns) {
		send_one(e, c->idx[c->send_cursor], c->send_round);
		n++;
		if (++c->send_cursor == c->n) {
			c->send_cursor = 0;
			c->send_round++;
			if (e->o.count && c->send_round >= e->o.count)
				c->sending_done = true;
		}
	}
	if (n == MP_TX_BATCH && !c->sending_done)
		(void)nk_loop_timer_add(e->loop, now_ns, on_send, c);
	else
		arm_send(c);
}

static void
corr_found(void *ctx, const struct mp_corr_set *set)
{
	struct mp_engine *e = ctx;
	struct mp_corr_expl x;

	mp_corr_explain(e->corr, e->topo, set, e->names, &x);
	mp_report_corr(e->rep, e, set, &x);
}

/* ceil(a / b) for b > 0, a of any sign */
static int64_t
ceil_div(__int128 a, int64_t b)
{
	__int128 q = a / b;
	if (a % b != 0 && a > 0)
		q++;
	return (int64_t)q;
}

void
mp_sched_bucket_seqs(int64_t interval_ns, int64_t phase_ns, int64_t bucket_ns,
    uint32_t b, uint32_t *k_lo, uint32_t *k_hi)
{
	if (interval_ns == bucket_ns && phase_ns >= 0 && phase_ns < interval_ns) {
		*k_lo = b; /* one interval: bucket b is round b */
		*k_hi = b + 1;
		return;
	}
	__int128 lo = (__int128)b * bucket_ns - phase_ns;
	__int128 hi = ((__int128)b + 1) * bucket_ns - phase_ns;
	int64_t l = ceil_div(lo, interval_ns), h = ceil_div(hi, interval_ns);
	if (l < 0)
		l = 0;
	if (h < l)
		h = l;
	if (h == l && l > 0)
		l--; /* no send in b: the last one before it holds */
	*k_lo = l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
	*k_hi = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
}

/* Bucket b of every target into the correlator. */
static void
close_bucket(struct mp_engine *e, uint32_t b)
{
	for (size_t t = 0; t < e->ts->n; t++) {
		const struct mp_target *tg = &e->ts->v[t];
		uint32_t lo, hi;
		bool lost = false;
		mp_sched_bucket_seqs(tg->interval_ns, tg->phase_ns,
		    e->bucket_ns, b, &lo, &hi);
		/* with -n, a target's last probe holds nothing after it */
		if (e->o.count && hi == lo + 1 && hi >= e->o.count &&
		    (__int128)tg->phase_ns + (__int128)lo * tg->interval_ns <
			(__int128)b * e->bucket_ns)
			hi = lo;
		for (uint32_t k = lo; k < hi && k < tg->st.closed_seq; k++) {
			const struct mp_slot *s = mp_stats_slot(&tg->st, k);
			if (s != NULL && (s->state == MP_SLOT_LOST ||
				s->state == MP_SLOT_LATE ||
				s->state == MP_SLOT_ERROR)) {
				lost = true;
				break;
			}
		}
		mp_corr_record(e->corr, t, b, lost);
	}
	mp_corr_close_round(e->corr, b, corr_found, e);
}

/* Close every bucket whose rounds are all closed. true: the run is over. */
static bool
close_buckets(struct mp_engine *e)
{
	for (;;) {
		uint32_t b = e->close_round;
		bool all_done = true, ready = true;
		for (size_t k = 0; k < e->n_cls; k++) {
			const struct mp_class *c = &e->cls[k];
			if (c->closed_done)
				continue;
			all_done = false;
			/* rounds beginning before (b+1)*B all closed */
			if ((__int128)c->close_round * c->interval_ns <
			    ((__int128)b + 1) * e->bucket_ns)
				ready = false;
		}
		if (all_done && e->o.count && b > e->last_bucket)
			return true;
		if (!ready)
			return false;
		close_bucket(e, b);
		e->close_round++;
	}
}

static void
close_class_round(struct mp_engine *e, const struct mp_class *cl, uint32_t r)
{
	for (size_t i = 0; i < cl->n; i++) {
		size_t t = cl->idx[i];
		struct mp_target *tg = &e->ts->v[t];
		const struct mp_slot *s = mp_stats_slot(&tg->st, r);
		bool was_pending = s != NULL && s->state == MP_SLOT_PENDING;
		struct mp_close c = mp_stats_close(&tg->st, r);
		if (c.state == MP_SLOT_EMPTY || c.state == MP_SLOT_UNSENT)
			continue;
		if (was_pending) /* errors and late replies were reported */
			mp_report_probe(e->rep, e, t, r, MP_SLOT_LOST, -1, 0,
			    false);
		if (c.seq_run_started)
			mp_report_run_start(e->rep, e, t, c.run_first,
			    tg->st.seq_k);
		if (c.run_ended)
			mp_report_run_end(e->rep, e, t, c.run_first, c.run_len);
	}
}

static void on_close(struct nk_loop *loop, void *ctx, int64_t now_ns);

static int64_t
close_due(const struct mp_class *c, uint32_t r)
{
	return c->e->start_mono_ns + ((int64_t)r + 1) * c->interval_ns +
	    c->timeout_ns;
}

static void
on_close(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mp_class *c = ctx;
	struct mp_engine *e = c->e;

	while (!c->closed_done && close_due(c, c->close_round) <= now_ns &&
	    c->close_round < c->send_round) {
		close_class_round(e, c, c->close_round);
		c->close_round++;
		if (e->o.count && c->close_round >= e->o.count)
			c->closed_done = true;
	}
	if (close_buckets(e)) {
		nk_loop_stop(loop);
		return;
	}
	if (!c->closed_done)
		(void)nk_loop_timer_add(loop, close_due(c, c->close_round),
		    on_close, c);
}

static void
on_summary(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mp_engine *e = ctx;

	(void)now_ns;
	mp_report_summary(e->rep, e, false);
	int64_t next = nk_loop_now_ns(loop) + e->o.summary_ns;
	(void)nk_loop_timer_add(loop, next, on_summary, e);
}

struct cls_key {
	int64_t interval_ns, timeout_ns;
	uint32_t t;
};

static int
cmp_key(const void *a, const void *b)
{
	const struct cls_key *x = a, *y = b;

	if (x->interval_ns != y->interval_ns)
		return x->interval_ns < y->interval_ns ? -1 : 1;
	if (x->timeout_ns != y->timeout_ns)
		return x->timeout_ns < y->timeout_ns ? -1 : 1;
	return (x->t > y->t) - (x->t < y->t);
}

static bool
same_class(const struct cls_key *x, const struct cls_key *y)
{
	return x->interval_ns == y->interval_ns &&
	    x->timeout_ns == y->timeout_ns;
}

/* Targets into classes by (interval, timeout), each in list order. */
static int
make_classes(struct mp_engine *e)
{
	struct mp_targets *ts = e->ts;
	struct cls_key *all = malloc((ts->n ? ts->n : 1) * sizeof(*all));
	size_t nc = 0;

	if (all == NULL)
		return -1;
	for (size_t t = 0; t < ts->n; t++) {
		all[t].interval_ns = ts->v[t].interval_ns;
		all[t].timeout_ns = ts->v[t].timeout_ns;
		all[t].t = (uint32_t)t;
	}
	qsort(all, ts->n, sizeof(*all), cmp_key);
	for (size_t i = 0; i < ts->n; i++)
		if (i == 0 || !same_class(&all[i - 1], &all[i]))
			nc++;
	e->cls = calloc(nc ? nc : 1, sizeof(*e->cls));
	if (e->cls == NULL) {
		free(all);
		return -1;
	}
	for (size_t i = 0, k = 0; i < ts->n; k++) {
		size_t j = i;
		while (j < ts->n && same_class(&all[i], &all[j]))
			j++;
		struct mp_class *c = &e->cls[k];
		e->n_cls = k + 1;
		c->e = e;
		c->interval_ns = all[i].interval_ns;
		c->timeout_ns = all[i].timeout_ns;
		c->n = j - i;
		c->idx = malloc(c->n * sizeof(*c->idx));
		if (c->idx == NULL) {
			free(all);
			return -1;
		}
		for (size_t p = 0; p < c->n; p++)
			c->idx[p] = all[i + p].t;
		c->tick_ns = c->interval_ns / (int64_t)c->n *
		    MP_SEND_TICK_SLOTS;
		if (c->tick_ns < MP_SEND_TICK_MIN_NS)
			c->tick_ns = MP_SEND_TICK_MIN_NS;
		if (c->tick_ns > MP_SEND_TICK_MAX_NS)
			c->tick_ns = MP_SEND_TICK_MAX_NS;
		/* stagger the classes within one slot of their spacing */
		c->off_ns = (int64_t)((__int128)c->interval_ns * (__int128)k /
		    ((__int128)c->n * (__int128)nc));
		for (size_t p = 0; p < c->n; p++)
			ts->v[c->idx[p]].phase_ns = c->off_ns +
			    (int64_t)((__int128)c->interval_ns * (__int128)p /
				(__int128)c->n);
		i = j;
	}
	e->mixed = nc > 1;
	free(all);
	return 0;
}

int
mp_engine_start(struct mp_engine *e, struct mp_targets *ts,
    const struct mp_topo *topo, struct mp_report *rep, struct nk_loop *loop,
    struct nk_err *err)
{
	size_t max_payload = e->o.payload_bytes;
	int64_t lag = 0; /* the longest interval + timeout of a class */

	e->ts = ts;
	e->topo = topo;
	e->rep = rep;
	e->loop = loop;
	e->bucket_ns = e->o.interval_ns;
	if (make_classes(e)) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < e->n_cls; k++)
		if (e->cls[k].interval_ns + e->cls[k].timeout_ns > lag)
			lag = e->cls[k].interval_ns + e->cls[k].timeout_ns;
	e->max_window = e->o.window;
	for (size_t t = 0; t < ts->n; t++) {
		struct mp_target *tg = &ts->v[t];
		/* pending probes must fit, and a bucket's probes must still
		 * be in the ring when the bucket closes, lag later */
		int64_t need = (lag + e->bucket_ns) / tg->interval_ns + 6;
		uint32_t w = e->o.window;
		if (need > (int64_t)w)
			w = need > 1000000 ? 1000000 : (uint32_t)need;
		if (w > e->max_window)
			e->max_window = w;
		if (tg->payload_bytes > max_payload)
			max_payload = tg->payload_bytes;
		if (mp_stats_init(&tg->st, w, e->o.seq_k)) {
			nk_err_set(err, "out of memory for %zu targets x %u "
			    "probes of history", ts->n, w);
			return -1;
		}
	}
	if (!e->mixed && e->max_window > e->o.window)
		e->o.window = e->max_window; /* one class: as before */
	e->names = calloc(ts->n ? ts->n : 1, sizeof(*e->names));
	e->txlen = NK_ICMP_HDR_LEN + max_payload;
	e->txbuf = calloc(1, e->txlen);
	/* an IPv4 header with options, our echo, or an error quoting both */
	e->rxslot = e->txlen + 60 + 8 + 60 + 64;
	if (e->rxslot < 2048)
		e->rxslot = 2048;
	e->rxbuf = calloc(MP_RX_VLEN, e->rxslot);
	e->rxctl = calloc(MP_RX_VLEN, MP_RX_CTL);
	e->corr = mp_corr_new(ts->n, e->o.window < 256 ? 256 : e->o.window,
	    e->o.corr_min, e->o.corr_sim);
	if (e->names == NULL || e->txbuf == NULL || e->corr == NULL ||
	    e->rxbuf == NULL || e->rxctl == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	for (size_t t = 0; t < ts->n; t++)
		e->names[t] = ts->v[t].name;
	if ((e->f4.fd >= 0 && nk_loop_add_fd(loop, e->f4.fd, POLLIN,
				  on_readable, e)) ||
	    (e->f6.fd >= 0 &&
		nk_loop_add_fd(loop, e->f6.fd, POLLIN, on_readable, e))) {
		nk_err_set(err, "event loop: cannot watch the ICMP sockets");
		return -1;
	}
	e->start_mono_ns = nk_clock_mono_ns();
	e->start_real_ns = nk_clock_real_ns();
	e->last_bucket = 0;
	for (size_t k = 0; k < e->n_cls && e->o.count; k++) {
		const struct mp_class *c = &e->cls[k];
		int64_t last = send_due(c, (uint32_t)(e->o.count - 1),
		    c->n - 1) - e->start_mono_ns;
		int64_t b = last / e->bucket_ns;
		if (b > (int64_t)e->last_bucket)
			e->last_bucket = b > UINT32_MAX ? UINT32_MAX :
							   (uint32_t)b;
	}
	mp_report_start(rep, e);
	for (size_t k = 0; k < e->n_cls; k++) {
		arm_send(&e->cls[k]);
		(void)nk_loop_timer_add(loop, close_due(&e->cls[k], 0),
		    on_close, &e->cls[k]);
	}
	if (e->o.summary_ns > 0 && e->o.count == 0)
		(void)nk_loop_timer_add(loop,
		    e->start_mono_ns + e->o.summary_ns, on_summary, e);
	return 0;
}

void
mp_engine_fini(struct mp_engine *e)
{
	if (e->f4.fd >= 0)
		close(e->f4.fd);
	if (e->f6.fd >= 0)
		close(e->f6.fd);
	e->f4.fd = e->f6.fd = -1;
	mp_corr_free(e->corr);
	e->corr = NULL;
	for (size_t k = 0; k < e->n_cls; k++)
		free(e->cls[k].idx);
	free(e->cls);
	e->cls = NULL;
	e->n_cls = 0;
	free(e->txbuf);
	e->txbuf = NULL;
	free(e->rxbuf);
	e->rxbuf = NULL;
	free(e->rxctl);
	e->rxctl = NULL;
	free(e->names);
	e->names = NULL;
}
