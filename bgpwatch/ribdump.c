/* ribdump: the engine's RIB as MRT TABLE_DUMP_V2; see ribdump.h. */
#include "ribdump.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp.h"
#include "mrt.h"
#include "rd.h"
#include "rib.h"

#define ATTR_MAX 65535 /* the RIB entry's attribute length is 2 octets */

/* A growing output buffer; oom is sticky. */
struct buf {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

static bool
b_need(struct buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->n + more <= b->cap)
		return true;
	size_t nc = b->cap ? b->cap : 4096;
	while (nc < b->n + more)
		nc *= 2;
	uint8_t *np = realloc(b->p, nc);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = nc;
	return true;
}

static void
put8(struct buf *b, uint8_t v)
{
	if (b_need(b, 1))
		b->p[b->n++] = v;
}

static void
put16(struct buf *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)(v & 0xff));
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)(v & 0xffff));
}

static void
putn(struct buf *b, const uint8_t *p, size_t n)
{
	if (n > 0 && b_need(b, n)) {
		memcpy(b->p + b->n, p, n);
		b->n += n;
	}
}

static void
set16(struct buf *b, size_t at, size_t v)
{
	if (!b->oom) {
		b->p[at] = (uint8_t)(v >> 8 & 0xff);
		b->p[at + 1] = (uint8_t)(v & 0xff);
	}
}

/* Attribute header: extended length when the value needs it. */
static void
attr_hdr(struct buf *b, uint8_t flags, uint8_t type, size_t len)
{
	if (len > 255) {
		put8(b, (uint8_t)(flags | NK_BGP_AF_EXTLEN));
		put8(b, type);
		put16(b, (uint16_t)len);
	} else {
		put8(b, (uint8_t)(flags & ~NK_BGP_AF_EXTLEN));
		put8(b, type);
		put8(b, (uint8_t)len);
	}
}

/* AS_PATH with 4-octet ASes; segments over 255 ASes are split. */
static void
put_aspath(struct buf *b, const struct nk_bgp_aspath *path)
{
	size_t len = 0;
	for (unsigned s = 0; s < path->n_seg; s++) {
		unsigned n = path->seg[s].n;
		len += (size_t)((n + 254) / 255) * 2 + (size_t)n * 4;
	}
	attr_hdr(b, 0x40, NK_BGP_A_AS_PATH, len);
	for (unsigned s = 0; s < path->n_seg; s++) {
		unsigned first = path->seg[s].first, n = path->seg[s].n;
		for (unsigned done = 0; done < n;) {
			unsigned k = n - done > 255 ? 255 : n - done;
			put8(b, path->seg[s].type);
			put8(b, (uint8_t)k);
			for (unsigned i = 0; i < k; i++)
				put32(b, path->asn[first + done + i]);
			done += k;
		}
	}
}

/*
 * The attributes of an interned set for a RIB entry of family fam
 * (RFC 6396 §4.3.4), appended to b. Every byte of the stored section is
 * read through nk_rd: it was parsed when received, but is input still.
 */
static int
attrs_fmt(const struct rib *r, uint32_t id, int fam, struct buf *b)
{
	const uint8_t *raw;
	size_t rlen;
	unsigned asn_len;
	bool mrt_rib;
	struct rib_attr_view v;
	struct nk_bgp_aspath path;
	bool have_path = false, have_nh = false, have_mp = false;
	bool have_as4agg = false;
	uint8_t as4agg[8];

	if (rib_attr_raw(r, id, &raw, &rlen, &asn_len, &mrt_rib) < 0 ||
	    rib_attr_view(r, id, &v) < 0)
		return -1;
	have_path = rib_aspath_get(r, v.aspath, &path) == 0;
	(void)mrt_rib; /* MP_REACH is rewritten from the stored next hop */
	/* RFC 6793 §4.2.3: AS4_AGGREGATOR holds the AS when AGGREGATOR
	 * says AS_TRANS */
	struct nk_rd pre = nk_rd_make(raw, rlen);
	while (nk_rd_left(&pre) > 0) {
		uint8_t fl = nk_rd_u8(&pre);
		uint8_t ty = nk_rd_u8(&pre);
		size_t al =
		    (fl & NK_BGP_AF_EXTLEN) ? nk_rd_be16(&pre) : nk_rd_u8(&pre);
		struct nk_rd a = nk_rd_sub(&pre, al);
		if (!nk_rd_ok(&pre))
			break;
		if (ty == NK_BGP_A_AS4_AGGREGATOR && al == 8) {
			nk_rd_bytes(&a, as4agg, 8);
			have_as4agg = nk_rd_ok(&a);
		}
	}
	struct nk_rd rd = nk_rd_make(raw, rlen);
	while (nk_rd_left(&rd) > 0) {
		uint8_t fl = nk_rd_u8(&rd);
		uint8_t ty = nk_rd_u8(&rd);
		size_t al =
		    (fl & NK_BGP_AF_EXTLEN) ? nk_rd_be16(&rd) : nk_rd_u8(&rd);
		struct nk_rd a = nk_rd_sub(&rd, al);
		const uint8_t *val = nk_rd_ptr(&a, al);
		if (!nk_rd_ok(&rd) || (al > 0 && val == NULL))
			break;
		switch (ty) {
		case NK_BGP_A_AS_PATH:
			if (have_path)
				put_aspath(b, &path);
			break;
		case NK_BGP_A_AS4_PATH:
		case NK_BGP_A_AS4_AGGREGATOR:
		case NK_BGP_A_MP_UNREACH:
			break; /* merged, or not part of a RIB entry */
		case NK_BGP_A_MP_REACH:
			break; /* written below from the stored next hop */
		case NK_BGP_A_AGGREGATOR:
			if (asn_len == 2 && al == 6) {
				struct nk_rd g = nk_rd_make(val, al);
				uint16_t as2 = nk_rd_be16(&g);
				uint8_t addr[4];
				nk_rd_bytes(&g, addr, 4);
				attr_hdr(b, fl, ty, 8);
				if (as2 == NK_BGP_AS_TRANS && have_as4agg) {
					putn(b, as4agg, 8);
				} else {
					put32(b, as2);
					putn(b, addr, 4);
				}
				break;
			}
			attr_hdr(b, fl, ty, al);
			putn(b, val, al);
			break;
		case NK_BGP_A_NEXT_HOP:
			have_nh = true;
			attr_hdr(b, fl, ty, al);
			putn(b, val, al);
			break;
		default:
			attr_hdr(b, fl, ty, al);
			putn(b, val, al);
			break;
		}
	}
	/* §4.3.4: MP_REACH_NLRI of a RIB entry: next hop length and next
	 * hop only */
	if (fam == AF_INET6 && v.next_hop.family == AF_INET6) {
		attr_hdr(b, 0x80, NK_BGP_A_MP_REACH, 17);
		put8(b, 16);
		putn(b, v.next_hop.bytes, 16);
		have_mp = true;
	}
	if (fam == AF_INET && !have_nh && v.next_hop.family == AF_INET) {
		attr_hdr(b, 0x40, NK_BGP_A_NEXT_HOP, 4);
		putn(b, v.next_hop.bytes, 4);
	}
	(void)have_mp;
	return b->oom ? -1 : 0;
}

struct dump_ctx {
	FILE *f;
	const struct rib *r;
	struct buf b;
	uint32_t ts;
	uint32_t seq;
	struct ribdump_stats *st;
	int err_no; /* errno of a failed write, ENOMEM */
};

static int
rec_out(struct dump_ctx *d, uint16_t subtype)
{
	if (d->b.oom) {
		d->err_no = ENOMEM;
		return -1;
	}
	/* RFC 6396 §2: the length counts the body, not the 12 bytes */
	size_t body = d->b.n - NK_MRT_HDR_LEN;
	uint8_t *h = d->b.p;
	uint32_t v[3] = {d->ts, (uint32_t)NK_MRT_TABLE_DUMP_V2 << 16 | subtype,
	    (uint32_t)body};
	for (size_t i = 0; i < 3; i++) {
		h[4 * i] = (uint8_t)(v[i] >> 24);
		h[4 * i + 1] = (uint8_t)(v[i] >> 16 & 0xff);
		h[4 * i + 2] = (uint8_t)(v[i] >> 8 & 0xff);
		h[4 * i + 3] = (uint8_t)(v[i] & 0xff);
	}
	if (fwrite(d->b.p, 1, d->b.n, d->f) != d->b.n) {
		d->err_no = errno != 0 ? errno : EIO;
		return -1;
	}
	d->st->n_records++;
	d->st->bytes += d->b.n;
	return 0;
}

static int
dump_prefix(void *arg, const struct nk_prefix *p,
    const struct rib_route *routes, size_t n)
{
	struct dump_ctx *d = arg;
	struct buf *b = &d->b;
	bool v6 = p->addr.family == AF_INET6;

	b->n = 0;
	for (int i = 0; i < NK_MRT_HDR_LEN; i++)
		put8(b, 0);
	put32(b, d->seq);
	put8(b, (uint8_t)p->len);
	putn(b, p->addr.bytes, (size_t)(p->len + 7) / 8);
	size_t count_at = b->n;
	put16(b, 0);
	/* A path id from an ADD-PATH peer: the RFC 8050 subtype, which has
	 * one entry per path; else the plain one, one entry per peer. */
	bool ap = false;
	for (size_t i = 0; i < n; i++)
		if (routes[i].attr != 0 && routes[i].path_id != 0)
			ap = true;
	unsigned count = 0;
	for (size_t i = 0; i < n && count < UINT16_MAX; i++) {
		if (routes[i].attr == 0)
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !ap; j++)
			if (routes[j].attr != 0 &&
			    routes[j].peer == routes[i].peer)
				dup = true;
		if (dup)
			continue;
		size_t mark = b->n;
		put16(b, routes[i].peer);
		put32(b, routes[i].since);
		if (ap)
			put32(b, routes[i].path_id);
		size_t len_at = b->n;
		put16(b, 0);
		if (attrs_fmt(d->r, routes[i].attr, p->addr.family, b) < 0 ||
		    b->n - len_at - 2 > ATTR_MAX) {
			if (b->oom) {
				d->err_no = ENOMEM;
				return -1;
			}
			b->n = mark;
			d->st->n_skipped++;
			continue;
		}
		set16(b, len_at, b->n - len_at - 2);
		count++;
	}
	if (count == 0)
		return 0; /* only withdrawn routes held */
	set16(b, count_at, count);
	uint16_t subtype = v6 ? (ap ? NK_MRT_RIB_IPV6_UNICAST_AP
				    : NK_MRT_RIB_IPV6_UNICAST)
			      : (ap ? NK_MRT_RIB_IPV4_UNICAST_AP
				    : NK_MRT_RIB_IPV4_UNICAST);
	if (rec_out(d, subtype) < 0)
		return -1;
	d->seq++;
	d->st->n_prefixes++;
	d->st->n_routes += count;
	return 0;
}

int
ribdump_write(FILE *f, const struct watch *w, uint32_t collector_id,
    uint32_t ts, struct ribdump_stats *st, struct nk_err *err)
{
	struct dump_ctx d;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&d, 0, sizeof(d));
	d.f = f;
	d.r = watch_rib(w);
	d.ts = ts;
	d.st = st;
	/* §4.3.1 PEER_INDEX_TABLE: collector id, view name (none), peers */
	size_t np = watch_n_peers(w);
	if (np > UINT16_MAX)
		np = UINT16_MAX;
	for (int i = 0; i < NK_MRT_HDR_LEN; i++)
		put8(&d.b, 0);
	put32(&d.b, collector_id);
	put16(&d.b, 0);
	put16(&d.b, (uint16_t)np);
	for (size_t i = 0; i < np; i++) {
		struct watch_peer_info pi;
		watch_peer(w, i, &pi);
		bool v6 = pi.addr.family == AF_INET6;
		put8(&d.b, (uint8_t)(0x02 | (v6 ? 0x01 : 0))); /* AS4 */
		put32(&d.b, 0); /* the peer's BGP identifier: not kept */
		putn(&d.b, pi.addr.bytes, v6 ? 16 : 4);
		put32(&d.b, pi.asn);
	}
	errno = 0;
	if (rec_out(&d, NK_MRT_PEER_INDEX_TABLE) < 0)
		goto out;
	int wrc = rib_walk(d.r, dump_prefix, &d);
	if (wrc != 0) {
		if (d.err_no == 0)
			d.err_no = ENOMEM;
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		nk_err_set(
		    err, "TABLE_DUMP_V2 snapshot: %s", strerror(d.err_no));
	free(d.b.p);
	return rc;
}
