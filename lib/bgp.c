/* bgp: BGP-4 message and UPDATE attribute decoding; see bgp.h. */
#include "bgp.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *
nk_bgp_errclass_name(enum nk_bgp_errclass c)
{
	switch (c) {
	case NK_BGP_ERR_NONE:
		return "none";
	case NK_BGP_ERR_ATTR_DISCARD:
		return "attribute-discard";
	case NK_BGP_ERR_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case NK_BGP_ERR_SESSION_RESET:
		return "session-reset";
	}
	return "unknown";
}

const char *
nk_bgp_origin_name(unsigned origin)
{
	/* bgpdump prints anything but 0 and 1 as INCOMPLETE. */
	if (origin == 0)
		return "IGP";
	if (origin == 1)
		return "EGP";
	return "INCOMPLETE";
}

int
nk_bgp_msg_parse(
    const uint8_t *buf, size_t len, struct nk_bgp_msg *m, const char **cause)
{
	struct nk_rd r = nk_rd_make(buf, len);
	const uint8_t *marker = nk_rd_ptr(&r, 16);
	uint16_t mlen = nk_rd_be16(&r);
	uint8_t type = nk_rd_u8(&r);

	if (!nk_rd_ok(&r)) {
		*cause = "message shorter than the 19-byte header";
		return -1;
	}
	for (size_t i = 0; i < 16; i++) {
		if (marker[i] != 0xff) {
			*cause = "bad marker (RFC 4271 6.1)";
			return -1;
		}
	}
	if (mlen < NK_BGP_HDR_LEN) {
		*cause = "message length below 19 (RFC 4271 6.1)";
		return -1;
	}
	if (mlen > len) {
		*cause = "message length exceeds the bytes present";
		return -1;
	}
	m->type = type;
	m->len = mlen;
	m->body = buf + NK_BGP_HDR_LEN;
	m->body_len = (size_t)mlen - NK_BGP_HDR_LEN;
	return 0;
}

int
nk_bgp_update_split(const uint8_t *body, size_t len, struct nk_bgp_update *u,
    const char **cause)
{
	struct nk_rd r = nk_rd_make(body, len);
	uint16_t wlen = nk_rd_be16(&r);
	struct nk_rd w = nk_rd_sub(&r, wlen);
	uint16_t alen = nk_rd_be16(&r);
	struct nk_rd a = nk_rd_sub(&r, alen);

	if (!nk_rd_ok(&r)) {
		/* RFC 7606 §4: lengths that do not add up: session reset. */
		*cause = "withdrawn/attribute lengths exceed the UPDATE";
		return -1;
	}
	u->withdrawn = w.buf;
	u->withdrawn_len = w.len;
	u->attrs = a.buf;
	u->attrs_len = a.len;
	u->nlri = r.buf + r.off;
	u->nlri_len = nk_rd_left(&r);
	return 0;
}

int
nk_bgp_update_eor(const uint8_t *body, size_t len, uint16_t *afi, uint8_t *safi)
{
	struct nk_bgp_update u;
	const char *cause = NULL;

	if (nk_bgp_update_split(body, len, &u, &cause) < 0 ||
	    u.withdrawn_len != 0 || u.nlri_len != 0)
		return 0;
	if (u.attrs_len == 0) {
		*afi = NK_AFI_IPV4;
		*safi = NK_SAFI_UNICAST;
		return 1;
	}
	/* One attribute, MP_UNREACH_NLRI, of exactly AFI (2) + SAFI (1). */
	struct nk_rd r = nk_rd_make(u.attrs, u.attrs_len);
	uint8_t flags = nk_rd_u8(&r);
	uint8_t type = nk_rd_u8(&r);
	size_t alen =
	    (flags & NK_BGP_AF_EXTLEN) ? nk_rd_be16(&r) : nk_rd_u8(&r);
	struct nk_rd a = nk_rd_sub(&r, alen);
	uint16_t f = nk_rd_be16(&a);
	uint8_t sf = nk_rd_u8(&a);
	if (!nk_rd_ok(&r) || !nk_rd_ok(&a) || type != NK_BGP_A_MP_UNREACH ||
	    nk_rd_left(&a) != 0 || nk_rd_left(&r) != 0)
		return 0;
	*afi = f;
	*safi = sf;
	return 1;
}

int
nk_bgp_update_mp_afi(const uint8_t *body, size_t len, uint16_t afi)
{
	struct nk_bgp_update u;
	const char *cause = NULL;

	if (nk_bgp_update_split(body, len, &u, &cause) < 0)
		return 0;
	struct nk_rd r = nk_rd_make(u.attrs, u.attrs_len);
	while (nk_rd_left(&r) > 0) {
		/* RFC 4271 §4.3: flags, type, 1- or 2-octet length */
		uint8_t flags = nk_rd_u8(&r);
		uint8_t type = nk_rd_u8(&r);
		size_t alen =
		    (flags & NK_BGP_AF_EXTLEN) ? nk_rd_be16(&r) : nk_rd_u8(&r);
		struct nk_rd a = nk_rd_sub(&r, alen);
		if (!nk_rd_ok(&r))
			return 0;
		/* RFC 4760 §3, §4: both start with the AFI */
		if (type != NK_BGP_A_MP_REACH && type != NK_BGP_A_MP_UNREACH)
			continue;
		uint16_t f = nk_rd_be16(&a);
		if (nk_rd_ok(&a) && f == afi)
			return 1;
	}
	return 0;
}

int
nk_bgp_nlri_next(struct nk_rd *r, int family, bool addpath, struct nk_prefix *p,
    uint32_t *path_id)
{
	unsigned maxlen = family == AF_INET6 ? 128 : 32;
	uint32_t id = 0;

	if (nk_rd_left(r) == 0)
		return nk_rd_ok(r) ? 0 : -1;
	if (addpath)
		id = nk_rd_be32(r);
	unsigned plen = nk_rd_u8(r);
	if (!nk_rd_ok(r) || plen > maxlen) {
		nk_rd_fail(r);
		return -1;
	}
	size_t nbytes = (plen + 7) / 8;
	const uint8_t *b = nk_rd_ptr(r, nbytes);
	if (b == NULL)
		return -1;
	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	p->len = plen;
	for (size_t i = 0; i < nbytes; i++)
		p->addr.bytes[i] = b[i];
	/* Trailing bits past the length are masked (RFC 4271 §4.3 says they
	 * are irrelevant; some speakers leave garbage there). */
	if (plen % 8 != 0)
		p->addr.bytes[nbytes - 1] &= nk_u8(0xffu << (8 - plen % 8));
	if (path_id != NULL)
		*path_id = id;
	return 1;
}

static void
attr_error(struct nk_bgp_attrs *a, enum nk_bgp_errclass c, unsigned type,
    const char *what)
{
	a->n_errors++;
	if (c > a->err_class)
		a->err_class = c;
	if (a->err_cause[0] == '\0')
		(void)snprintf(a->err_cause, sizeof(a->err_cause),
		    "attribute %u: %s", type, what);
}

/* Next hop of MP_REACH_NLRI by its length (RFC 4760 §3, RFC 8950, RFC
 * 4364/4659 with route distinguishers of zero). */
static int
mp_nexthop(struct nk_rd *r, unsigned nh_len, struct nk_bgp_mp *mp)
{
	struct nk_rd n = nk_rd_sub(r, nh_len);

	memset(&mp->nh, 0, sizeof(mp->nh));
	memset(&mp->nh_ll, 0, sizeof(mp->nh_ll));
	switch (nh_len) {
	case 0:
		break;
	case 4:
		mp->nh.family = AF_INET;
		nk_rd_bytes(&n, mp->nh.bytes, 4);
		break;
	case 12: /* RD + IPv4 */
		nk_rd_skip(&n, 8);
		mp->nh.family = AF_INET;
		nk_rd_bytes(&n, mp->nh.bytes, 4);
		break;
	case 16:
	case 32:
		mp->nh.family = AF_INET6;
		nk_rd_bytes(&n, mp->nh.bytes, 16);
		if (nh_len == 32) {
			mp->nh_ll.family = AF_INET6;
			nk_rd_bytes(&n, mp->nh_ll.bytes, 16);
		}
		break;
	case 24: /* RD + IPv6 */
	case 48:
		nk_rd_skip(&n, 8);
		mp->nh.family = AF_INET6;
		nk_rd_bytes(&n, mp->nh.bytes, 16);
		if (nh_len == 48) {
			nk_rd_skip(&n, 8);
			mp->nh_ll.family = AF_INET6;
			nk_rd_bytes(&n, mp->nh_ll.bytes, 16);
		}
		break;
	default:
		return -1;
	}
	return nk_rd_ok(&n) && nk_rd_ok(r) ? 0 : -1;
}

static int
parse_mp_reach(
    struct nk_rd *r, const struct nk_bgp_opts *o, struct nk_bgp_mp *mp)
{
	memset(mp, 0, sizeof(*mp));
	/*
	 * RFC 6396 §4.3.4: in TABLE_DUMP_V2 RIB entries MP_REACH_NLRI holds
	 * only the next hop length and next hop. Some writers put the full
	 * attribute there anyway; an AFI starts with a zero byte, a next hop
	 * length never does.
	 */
	if (o->mrt_rib && nk_rd_peek(r, 0) != 0) {
		mp->afi = o->rib_family == AF_INET6 ? NK_AFI_IPV6 : NK_AFI_IPV4;
		mp->safi = NK_SAFI_UNICAST;
		mp->nh_len = nk_rd_u8(r);
		return mp_nexthop(r, mp->nh_len, mp);
	}
	mp->afi = nk_rd_be16(r);
	mp->safi = nk_rd_u8(r);
	mp->nh_len = nk_rd_u8(r);
	if (!nk_rd_ok(r) || mp_nexthop(r, mp->nh_len, mp) < 0)
		return -1;
	if (o->mrt_rib && nk_rd_left(r) == 0)
		return 0;
	unsigned n_snpa = nk_rd_u8(r); /* RFC 2858 SNPAs; reserved in 4760 */
	for (unsigned i = 0; i < n_snpa && nk_rd_ok(r); i++)
		nk_rd_skip(r, nk_rd_u8(r));
	if (!nk_rd_ok(r))
		return -1;
	mp->nlri = r->buf + r->off;
	mp->nlri_len = nk_rd_left(r);
	return 0;
}

static int
parse_mp_unreach(struct nk_rd *r, struct nk_bgp_mp *mp)
{
	memset(mp, 0, sizeof(*mp));
	mp->afi = nk_rd_be16(r);
	mp->safi = nk_rd_u8(r);
	if (!nk_rd_ok(r))
		return -1;
	mp->nlri = r->buf + r->off;
	mp->nlri_len = nk_rd_left(r);
	return 0;
}

/* Check an AS path body's framing without decoding it. */
static bool
aspath_valid(const uint8_t *buf, size_t len, unsigned asn_len)
{
	struct nk_rd r = nk_rd_make(buf, len);

	while (nk_rd_left(&r) > 0) {
		uint8_t type = nk_rd_u8(&r);
		unsigned n = nk_rd_u8(&r);
		if (type < NK_BGP_AS_SET || type > NK_BGP_AS_CONFED_SET ||
		    n == 0)
			return false;
		nk_rd_skip(&r, (size_t)n * asn_len);
		if (!nk_rd_ok(&r))
			return false;
	}
	return nk_rd_ok(&r);
}

static void
parse_one(struct nk_bgp_attrs *a, const struct nk_bgp_opts *o, uint8_t flags,
    uint8_t type, struct nk_rd *v)
{
	size_t len = v->len;
	unsigned asn_len = o->as4 ? 4 : 2;

	switch (type) {
	case NK_BGP_A_ORIGIN: {
		uint8_t origin = nk_rd_u8(v);
		/* RFC 7606 §7.1 */
		if (len != 1 || origin > 2) {
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "ORIGIN malformed");
			/* Kept for display: bgpdump shows what it read. */
		}
		a->origin = origin;
		break;
	}
	case NK_BGP_A_AS_PATH:
		a->as_path = v->buf;
		a->as_path_len = len;
		a->as_path_asn_len = nk_u8(asn_len);
		/* RFC 7606 §7.2 */
		if (!aspath_valid(v->buf, len, asn_len))
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "AS_PATH segment overrun or bad type");
		break;
	case NK_BGP_A_NEXT_HOP:
		if (len != 4) { /* RFC 7606 §7.3 */
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "NEXT_HOP length not 4");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->next_hop.family = AF_INET;
		nk_rd_bytes(v, a->next_hop.bytes, 4);
		break;
	case NK_BGP_A_MED:
	case NK_BGP_A_LOCAL_PREF:
		if (len != 4) { /* RFC 7606 §7.4, §7.5 */
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    type == NK_BGP_A_MED ? "MED length not 4"
						 : "LOCAL_PREF length not 4");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		if (type == NK_BGP_A_MED)
			a->med = nk_rd_be32(v);
		else
			a->local_pref = nk_rd_be32(v);
		break;
	case NK_BGP_A_ATOMIC_AGGR:
		if (len != 0) /* RFC 7606 §7.6 */
			attr_error(a, NK_BGP_ERR_ATTR_DISCARD, type,
			    "ATOMIC_AGGREGATE length not 0");
		break;
	case NK_BGP_A_AGGREGATOR:
		/* RFC 7606 §7.7: 6 or 8 by the session's AS size; a length of
		 * 8 on a 2-octet session (OpenBGPD TABLE_DUMP v1) is read as
		 * 4-octet rather than misread. */
		if (len == 8 || (len == 6 && !o->as4)) {
			a->aggr_as = len == 8 ? nk_rd_be32(v) : nk_rd_be16(v);
			a->aggr_addr.family = AF_INET;
			nk_rd_bytes(v, a->aggr_addr.bytes, 4);
		} else {
			attr_error(a, NK_BGP_ERR_ATTR_DISCARD, type,
			    "AGGREGATOR bad length");
			a->present &= ~(UINT64_C(1) << type);
		}
		break;
	case NK_BGP_A_COMMUNITIES:
		if (len % 4 != 0) { /* RFC 7606 §7.8 */
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "COMMUNITIES length not a multiple of 4");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->communities = v->buf;
		a->communities_len = len;
		break;
	case NK_BGP_A_EXT_COMMUNITIES:
		if (len % 8 != 0) { /* RFC 7606 §7.14 */
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "EXTENDED_COMMUNITIES length not a multiple of 8");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->ext = v->buf;
		a->ext_len = len;
		break;
	case NK_BGP_A_LARGE_COMMUNITIES:
		if (len % 12 != 0) { /* RFC 8092 §5 */
			attr_error(a, NK_BGP_ERR_TREAT_AS_WITHDRAW, type,
			    "LARGE_COMMUNITIES length not a multiple of 12");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->large = v->buf;
		a->large_len = len;
		break;
	case NK_BGP_A_MP_REACH:
		if (parse_mp_reach(v, o, &a->mp_reach) < 0) {
			/* RFC 7606 §7.11: AFI/SAFI disable or session reset */
			attr_error(a, NK_BGP_ERR_SESSION_RESET, type,
			    "MP_REACH_NLRI malformed");
			a->present &= ~(UINT64_C(1) << type);
		}
		break;
	case NK_BGP_A_MP_UNREACH:
		if (parse_mp_unreach(v, &a->mp_unreach) < 0) {
			attr_error(a, NK_BGP_ERR_SESSION_RESET, type,
			    "MP_UNREACH_NLRI malformed");
			a->present &= ~(UINT64_C(1) << type);
		}
		break;
	case NK_BGP_A_AS4_PATH:
		/* RFC 6793 §6: a malformed AS4_PATH is discarded. */
		if (!aspath_valid(v->buf, len, 4)) {
			attr_error(a, NK_BGP_ERR_ATTR_DISCARD, type,
			    "AS4_PATH malformed");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->as4_path = v->buf;
		a->as4_path_len = len;
		break;
	case NK_BGP_A_AS4_AGGREGATOR:
		if (len != 8) {
			attr_error(a, NK_BGP_ERR_ATTR_DISCARD, type,
			    "AS4_AGGREGATOR length not 8");
			a->present &= ~(UINT64_C(1) << type);
			return;
		}
		a->as4_aggr_as = nk_rd_be32(v);
		a->as4_aggr_addr.family = AF_INET;
		nk_rd_bytes(v, a->as4_aggr_addr.bytes, 4);
		break;
	default:
		/* Unknown or unused here: kept opaque (RFC 4271 §5). */
		if (a->n_unknown < NK_BGP_MAX_UNKNOWN) {
			struct nk_bgp_unknown *u = &a->unknown[a->n_unknown];
			u->flags = flags;
			u->type = type;
			u->len = nk_u16((unsigned)len);
			u->data = v->buf;
		}
		a->n_unknown++;
		break;
	}
}

void
nk_bgp_attrs_parse(const uint8_t *buf, size_t len, const struct nk_bgp_opts *o,
    struct nk_bgp_attrs *a)
{
	struct nk_rd r = nk_rd_make(buf, len);

	memset(a, 0, sizeof(*a));
	a->raw = buf;
	a->raw_len = len;
	a->mrt_rib = o->mrt_rib;
	a->as_path_asn_len = o->as4 ? 4 : 2;
	while (nk_rd_left(&r) > 0) {
		uint8_t flags = nk_rd_u8(&r);
		uint8_t type = nk_rd_u8(&r);
		size_t alen =
		    (flags & NK_BGP_AF_EXTLEN) ? nk_rd_be16(&r) : nk_rd_u8(&r);
		struct nk_rd v = nk_rd_sub(&r, alen);
		if (!nk_rd_ok(&r)) {
			/* RFC 7606 §4: the attribute overruns the section:
			 * framing is lost. What came before stays valid. */
			attr_error(a, NK_BGP_ERR_SESSION_RESET, type,
			    "length overruns the path attributes");
			return;
		}
		if (type < 64 && nk_bgp_has(a, type)) {
			/* RFC 7606 §3(g): keep the first; a repeated MP
			 * attribute is a session reset. */
			attr_error(a,
			    (type == NK_BGP_A_MP_REACH ||
				type == NK_BGP_A_MP_UNREACH)
				? NK_BGP_ERR_SESSION_RESET
				: NK_BGP_ERR_ATTR_DISCARD,
			    type, "repeated attribute");
			continue;
		}
		if (type < 64)
			a->present |= UINT64_C(1) << type;
		parse_one(a, o, flags, type, &v);
	}
}

int
nk_bgp_aspath_decode(
    const uint8_t *buf, size_t len, unsigned asn_len, struct nk_bgp_aspath *out)
{
	struct nk_rd r = nk_rd_make(buf, len);

	out->n_seg = 0;
	out->n_asn = 0;
	out->truncated = false;
	while (nk_rd_left(&r) > 0) {
		uint8_t type = nk_rd_u8(&r);
		unsigned n = nk_rd_u8(&r);
		if (!nk_rd_ok(&r) || type < NK_BGP_AS_SET ||
		    type > NK_BGP_AS_CONFED_SET)
			return -1;
		struct nk_rd s = nk_rd_sub(&r, (size_t)n * asn_len);
		if (!nk_rd_ok(&r))
			return -1;
		if (out->n_seg == NK_BGP_ASPATH_MAX_SEG ||
		    out->n_asn + n > NK_BGP_ASPATH_MAX_ASN) {
			out->truncated = true;
			continue;
		}
		/* Adjacent AS_SEQUENCE segments (a path longer than 255)
		 * stay separate, as they are on the wire. */
		out->seg[out->n_seg].type = type;
		out->seg[out->n_seg].first = nk_u16(out->n_asn);
		out->seg[out->n_seg].n = nk_u16(n);
		out->n_seg++;
		for (unsigned i = 0; i < n; i++)
			out->asn[out->n_asn++] =
			    asn_len == 4 ? nk_rd_be32(&s) : nk_rd_be16(&s);
	}
	return 0;
}

unsigned
nk_bgp_aspath_count(const struct nk_bgp_aspath *p)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->n_seg; i++) {
		if (p->seg[i].type == NK_BGP_AS_SEQUENCE)
			n += p->seg[i].n;
		else if (p->seg[i].type == NK_BGP_AS_SET)
			n += 1;
	}
	return n;
}

uint32_t
nk_bgp_aspath_origin(const struct nk_bgp_aspath *p)
{
	if (p->n_seg == 0)
		return 0;
	unsigned last = p->n_seg - 1;
	if (p->seg[last].type != NK_BGP_AS_SEQUENCE || p->seg[last].n == 0)
		return 0;
	return p->asn[p->seg[last].first + p->seg[last].n - 1];
}

static void
seg_append(
    struct nk_bgp_aspath *out, uint8_t type, const uint32_t *asn, unsigned n)
{
	if (n == 0)
		return;
	if (out->n_seg == NK_BGP_ASPATH_MAX_SEG ||
	    out->n_asn + n > NK_BGP_ASPATH_MAX_ASN) {
		out->truncated = true;
		return;
	}
	out->seg[out->n_seg].type = type;
	out->seg[out->n_seg].first = nk_u16(out->n_asn);
	out->seg[out->n_seg].n = nk_u16(n);
	out->n_seg++;
	for (unsigned i = 0; i < n; i++)
		out->asn[out->n_asn++] = asn[i];
}

bool
nk_bgp_attrs_aggregator(
    const struct nk_bgp_attrs *a, uint32_t *as, struct nk_addr *addr)
{
	if (!nk_bgp_has(a, NK_BGP_A_AGGREGATOR))
		return false;
	*as = a->aggr_as;
	*addr = a->aggr_addr;
	if (a->as_path_asn_len != 4 && a->aggr_as == NK_BGP_AS_TRANS &&
	    nk_bgp_has(a, NK_BGP_A_AS4_AGGREGATOR)) {
		*as = a->as4_aggr_as;
		*addr = a->as4_aggr_addr;
	}
	return true;
}

int
nk_bgp_attrs_aspath(const struct nk_bgp_attrs *a, struct nk_bgp_aspath *out)
{
	if (!nk_bgp_has(a, NK_BGP_A_AS_PATH)) {
		out->n_seg = out->n_asn = 0;
		out->truncated = false;
		return 0;
	}
	if (nk_bgp_aspath_decode(
		a->as_path, a->as_path_len, a->as_path_asn_len, out) < 0)
		return -1;
	/* RFC 6793 §4.2.3: only a 2-octet speaker's AS4_PATH is merged. */
	if (a->as_path_asn_len == 4 || !nk_bgp_has(a, NK_BGP_A_AS4_PATH))
		return 0;
	if (nk_bgp_has(a, NK_BGP_A_AGGREGATOR) &&
	    nk_bgp_has(a, NK_BGP_A_AS4_AGGREGATOR) &&
	    a->aggr_as != NK_BGP_AS_TRANS)
		return 0;

	struct nk_bgp_aspath as4, old; /* ~9 KiB each, on the stack */
	if (nk_bgp_aspath_decode(a->as4_path, a->as4_path_len, 4, &as4) < 0)
		return 0;
	unsigned n_old = nk_bgp_aspath_count(out);
	unsigned n_new = nk_bgp_aspath_count(&as4);
	if (n_old < n_new)
		return 0;
	old = *out;
	out->n_seg = out->n_asn = 0;
	out->truncated = old.truncated;
	unsigned keep = n_old - n_new, taken = 0;
	for (unsigned i = 0; i < old.n_seg && taken < keep; i++) {
		uint8_t t = old.seg[i].type;
		const uint32_t *asn = &old.asn[old.seg[i].first];
		unsigned n = old.seg[i].n;
		if (t == NK_BGP_AS_SEQUENCE) {
			unsigned take = n < keep - taken ? n : keep - taken;
			seg_append(out, t, asn, take);
			taken += take;
		} else if (t == NK_BGP_AS_SET) {
			seg_append(out, t, asn, n);
			taken += 1;
		} else {
			seg_append(out, t, asn, n);
		}
	}
	for (unsigned i = 0; i < as4.n_seg; i++)
		seg_append(out, as4.seg[i].type, &as4.asn[as4.seg[i].first],
		    as4.seg[i].n);
	return 0;
}

static char
seg_open(uint8_t type)
{
	switch (type) {
	case NK_BGP_AS_SET:
		return '{';
	case NK_BGP_AS_CONFED_SEQUENCE:
		return '(';
	case NK_BGP_AS_CONFED_SET:
		return '[';
	default:
		return 0;
	}
}

static char
seg_close(uint8_t type)
{
	switch (type) {
	case NK_BGP_AS_SET:
		return '}';
	case NK_BGP_AS_CONFED_SEQUENCE:
		return ')';
	case NK_BGP_AS_CONFED_SET:
		return ']';
	default:
		return 0;
	}
}

/* Decimal of v at p; returns the digits written (p has room for 10). */
static size_t
put_u32(char *p, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

size_t
nk_bgp_aspath_fmt(const struct nk_bgp_aspath *p, char *buf, size_t len)
{
	size_t pos = 0;

	if (len == 0)
		return 0;
	for (unsigned s = 0; s < p->n_seg; s++) {
		uint8_t t = p->seg[s].type;
		char sep = (t == NK_BGP_AS_SET || t == NK_BGP_AS_CONFED_SET)
		    ? ','
		    : ' ';
		/* worst case per segment start: space + bracket */
		if (pos + 16 >= len)
			goto cut;
		if (s > 0)
			buf[pos++] = ' ';
		if (seg_open(t))
			buf[pos++] = seg_open(t);
		for (unsigned i = 0; i < p->seg[s].n; i++) {
			if (pos + 16 >= len)
				goto cut;
			if (i > 0)
				buf[pos++] = sep;
			pos += put_u32(buf + pos, p->asn[p->seg[s].first + i]);
		}
		if (seg_close(t))
			buf[pos++] = seg_close(t);
	}
	buf[pos] = '\0';
	return pos;
cut:
	if (len >= 4) {
		pos = pos + 4 <= len ? pos : len - 4;
		memcpy(buf + pos, "...", 4);
		return pos + 3;
	}
	buf[0] = '\0';
	return 0;
}
