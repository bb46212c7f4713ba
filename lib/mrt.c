/* mrt: MRT record decoding; see mrt.h. */
#include "mrt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int
nk_mrt_hdr_parse(const uint8_t *buf, size_t len, struct nk_mrt_hdr *h)
{
	struct nk_rd r = nk_rd_make(buf, len);

	h->ts = nk_rd_be32(&r);
	h->type = nk_rd_be16(&r);
	h->subtype = nk_rd_be16(&r);
	h->len = nk_rd_be32(&r);
	return nk_rd_ok(&r) ? 0 : -1;
}

bool
nk_mrt_type_deprecated(uint16_t type)
{
	return type <= 10; /* RFC 6396 §4: NULL..IDRP, incl. 5 (BGP) */
}

bool
nk_mrt_type_known(uint16_t type, uint16_t subtype)
{
	switch (type) {
	case NK_MRT_TABLE_DUMP:
		return subtype == 1 || subtype == 2;
	case NK_MRT_TABLE_DUMP_V2:
		return subtype >= 1 && subtype <= 12 && subtype != 7;
	case NK_MRT_BGP4MP:
	case NK_MRT_BGP4MP_ET:
		return subtype <= 11 && subtype != 2 && subtype != 3;
	default:
		return false;
	}
}

const char *
nk_mrt_type_name(uint16_t type)
{
	switch (type) {
	case 5:
		return "BGP";
	case NK_MRT_TABLE_DUMP:
		return "TABLE_DUMP";
	case NK_MRT_TABLE_DUMP_V2:
		return "TABLE_DUMP_V2";
	case NK_MRT_BGP4MP:
		return "BGP4MP";
	case NK_MRT_BGP4MP_ET:
		return "BGP4MP_ET";
	case 11:
		return "OSPFv2";
	case 32:
		return "ISIS";
	case 33:
		return "ISIS_ET";
	case 48:
		return "OSPFv3";
	case 49:
		return "OSPFv3_ET";
	default:
		return type <= 10 ? "deprecated" : "unknown";
	}
}

void
nk_mrt_ctx_init(struct nk_mrt_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
}

void
nk_mrt_ctx_fini(struct nk_mrt_ctx *ctx)
{
	free(ctx->peers);
	memset(ctx, 0, sizeof(*ctx));
}

static void
read_addr(struct nk_rd *r, int family, struct nk_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	nk_rd_bytes(r, a->bytes, family == AF_INET6 ? 16 : 4);
}

static void
note_attr_err(struct nk_mrt_ctx *ctx, const struct nk_bgp_attrs *a)
{
	ctx->n_attr_errors++;
	if (ctx->attr_err[0] == '\0')
		(void)snprintf(ctx->attr_err, sizeof(ctx->attr_err), "%s (%s)",
		    a->err_cause, nk_bgp_errclass_name(a->err_class));
}

/* ---- TABLE_DUMP (v1), RFC 6396 §4.2 ---- */
/* Smallest entry: prefix(4), len, status, time, peer(4), AS, attribute
 * length. */
#define TD1_MIN_ENTRY 18 /* a batched entry: no view/sequence */

/*
 * One entry per record says RFC 6396; the MRT toolkit of 2000 batched
 * many. Every entry in the record is decoded.
 */
static int
parse_table_dump(const struct nk_mrt_hdr *h, struct nk_rd *r, nk_mrt_cb cb,
    void *arg, struct nk_err *err)
{
	int family = h->subtype == 2 ? AF_INET6 : AF_INET;
	struct nk_mrt_elem e;
	struct nk_bgp_attrs attrs;
	struct nk_bgp_opts o = {.as4 = false, .mrt_rib = false};
	unsigned i = 0;

	do {
		memset(&e, 0, sizeof(e));
		e.kind = NK_MRT_E_RIB;
		e.type = h->type;
		e.subtype = h->subtype;
		e.ts = h->ts;
		e.afi = family == AF_INET6 ? NK_AFI_IPV6 : NK_AFI_IPV4;
		e.safi = NK_SAFI_UNICAST;
		/* batched entries after the first carry no view/sequence */
		if (i == 0)
			nk_rd_skip(r, 4); /* view, sequence */
		read_addr(r, family, &e.prefix.addr);
		e.prefix.len = nk_rd_u8(r);
		nk_rd_skip(r, 1); /* status */
		e.originated = nk_rd_be32(r);
		read_addr(r, family, &e.peer_addr);
		e.peer_as = nk_rd_be16(r);
		uint16_t alen = nk_rd_be16(r);
		struct nk_rd a = nk_rd_sub(r, alen);
		i++;
		if (!nk_rd_ok(r)) {
			nk_err_set(err,
			    "entry %u: truncated (attribute length "
			    "%u)",
			    i, alen);
			return -1;
		}
		if (e.prefix.len > (family == AF_INET6 ? 128u : 32u)) {
			nk_err_set(err, "entry %u: prefix length %u too long",
			    i, e.prefix.len);
			return -1;
		}
		nk_bgp_attrs_parse(a.buf, a.len, &o, &attrs);
		e.attrs = &attrs;
		if (nk_bgp_has(&attrs, NK_BGP_A_MP_REACH) &&
		    attrs.mp_reach.nh.family)
			e.next_hop = attrs.mp_reach.nh;
		else if (nk_bgp_has(&attrs, NK_BGP_A_NEXT_HOP))
			e.next_hop = attrs.next_hop;
		int rc = cb(arg, &e);
		if (rc != 0)
			return rc;
	} while (nk_rd_left(r) >= TD1_MIN_ENTRY);
	if (nk_rd_left(r) != 0) {
		nk_err_set(err, "%zu bytes after entry %u", nk_rd_left(r), i);
		return -1;
	}
	return 0;
}

/* ---- TABLE_DUMP_V2, RFC 6396 §4.3 ---- */
static int
parse_pit(struct nk_mrt_ctx *ctx, struct nk_rd *r, struct nk_err *err)
{
	nk_rd_skip(r, 4); /* collector BGP ID */
	uint16_t nlen = nk_rd_be16(r);
	nk_rd_skip(r, nlen);
	uint16_t n = nk_rd_be16(r);
	if (!nk_rd_ok(r)) {
		nk_err_set(err, "PEER_INDEX_TABLE header truncated");
		return -1;
	}
	/* Each entry is at least 11 bytes: bound by what is there. */
	if ((size_t)n * 11 > nk_rd_left(r)) {
		nk_err_set(err,
		    "PEER_INDEX_TABLE claims %u peers, %zu bytes "
		    "left",
		    n, nk_rd_left(r));
		return -1;
	}
	struct nk_mrt_peer *peers = calloc(n ? n : 1, sizeof(*peers));
	if (peers == NULL) {
		nk_err_set(err, "PEER_INDEX_TABLE: out of memory");
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t pt = nk_rd_u8(r);
		peers[i].bgp_id = nk_rd_be32(r);
		read_addr(r, (pt & 1) ? AF_INET6 : AF_INET, &peers[i].addr);
		peers[i].asn = (pt & 2) ? nk_rd_be32(r) : nk_rd_be16(r);
	}
	if (!nk_rd_ok(r)) {
		free(peers);
		nk_err_set(err, "PEER_INDEX_TABLE entries truncated");
		return -1;
	}
	free(ctx->peers);
	ctx->peers = peers;
	ctx->n_peers = n;
	ctx->have_pit = true;
	return 0;
}

static int
parse_rib(struct nk_mrt_ctx *ctx, const struct nk_mrt_hdr *h, struct nk_rd *r,
    nk_mrt_cb cb, void *arg, struct nk_err *err)
{
	struct nk_mrt_elem e;
	struct nk_bgp_attrs attrs;
	uint16_t st = h->subtype;
	bool ap = st >= NK_MRT_RIB_IPV4_UNICAST_AP;
	uint16_t base = ap ? (uint16_t)(st - 6) : st;
	int family = AF_INET;
	uint16_t afi = NK_AFI_IPV4;
	uint8_t safi = NK_SAFI_UNICAST;

	memset(&e, 0, sizeof(e));
	nk_rd_skip(r, 4); /* sequence */
	if (base == NK_MRT_RIB_GENERIC) {
		afi = nk_rd_be16(r);
		safi = nk_rd_u8(r);
		if (afi != NK_AFI_IPV4 && afi != NK_AFI_IPV6) {
			nk_err_set(err,
			    "RIB_GENERIC AFI %u SAFI %u not decoded", afi,
			    safi);
			return 1;
		}
		if (safi != NK_SAFI_UNICAST && safi != NK_SAFI_MULTICAST) {
			nk_err_set(err,
			    "RIB_GENERIC AFI %u SAFI %u not decoded", afi,
			    safi);
			return 1;
		}
		family = afi == NK_AFI_IPV6 ? AF_INET6 : AF_INET;
	} else {
		family = (base == NK_MRT_RIB_IPV6_UNICAST ||
			     base == NK_MRT_RIB_IPV6_MULTICAST)
		    ? AF_INET6
		    : AF_INET;
		afi = family == AF_INET6 ? NK_AFI_IPV6 : NK_AFI_IPV4;
		safi = (base == NK_MRT_RIB_IPV4_MULTICAST ||
			   base == NK_MRT_RIB_IPV6_MULTICAST)
		    ? NK_SAFI_MULTICAST
		    : NK_SAFI_UNICAST;
	}
	/* The prefix: RFC 6396 §4.3.2 (no path id here, RFC 8050 §4). */
	if (nk_bgp_nlri_next(r, family, false, &e.prefix, NULL) != 1) {
		nk_err_set(err, "RIB prefix malformed or truncated");
		return -1;
	}
	uint16_t n = nk_rd_be16(r);
	if (!nk_rd_ok(r)) {
		nk_err_set(err, "RIB entry count truncated");
		return -1;
	}
	e.kind = NK_MRT_E_RIB;
	e.type = h->type;
	e.subtype = st;
	e.ts = h->ts;
	e.addpath = ap;
	e.addpath_v6 = ap;
	e.afi = afi;
	e.safi = safi;
	struct nk_bgp_opts o = {.as4 = true,
	    .addpath = false,
	    .mrt_rib = true,
	    .rib_family = family};
	for (uint32_t i = 0; i < n; i++) {
		e.peer_index = nk_rd_be16(r);
		e.originated = nk_rd_be32(r);
		e.path_id = ap ? nk_rd_be32(r) : 0;
		uint16_t alen = nk_rd_be16(r);
		struct nk_rd a = nk_rd_sub(r, alen);
		if (!nk_rd_ok(r)) {
			nk_err_set(err,
			    "RIB entry %u of %u: truncated (attribute length "
			    "%u)",
			    i + 1, n, alen);
			return -1;
		}
		if (!ctx->have_pit || e.peer_index >= ctx->n_peers) {
			nk_err_set(err, "RIB entry %u of %u: peer index %u %s",
			    i + 1, n, e.peer_index,
			    ctx->have_pit ? "outside the PEER_INDEX_TABLE"
					  : "without a PEER_INDEX_TABLE");
			return -1;
		}
		e.peer_addr = ctx->peers[e.peer_index].addr;
		e.peer_as = ctx->peers[e.peer_index].asn;
		nk_bgp_attrs_parse(a.buf, a.len, &o, &attrs);
		if (attrs.err_class != NK_BGP_ERR_NONE)
			note_attr_err(ctx, &attrs);
		e.attrs = &attrs;
		memset(&e.next_hop, 0, sizeof(e.next_hop));
		if (nk_bgp_has(&attrs, NK_BGP_A_MP_REACH) &&
		    attrs.mp_reach.nh.family)
			e.next_hop = attrs.mp_reach.nh;
		else if (nk_bgp_has(&attrs, NK_BGP_A_NEXT_HOP))
			e.next_hop = attrs.next_hop;
		int rc = cb(arg, &e);
		if (rc != 0)
			return rc;
	}
	if (nk_rd_left(r) != 0) {
		nk_err_set(
		    err, "%zu bytes after the last RIB entry", nk_rd_left(r));
		return -1;
	}
	return 0;
}

/* ---- BGP4MP, RFC 6396 §4.4 ---- */
static int
emit_nlri(struct nk_mrt_ctx *ctx, struct nk_mrt_elem *e, const uint8_t *buf,
    size_t len, uint16_t afi, uint8_t safi, nk_mrt_cb cb, void *arg,
    struct nk_err *err)
{
	struct nk_rd r = nk_rd_make(buf, len);
	int family = afi == NK_AFI_IPV6 ? AF_INET6 : AF_INET;
	/* RFC 7911 §3: path identifiers as negotiated for this AFI */
	bool ap = afi == NK_AFI_IPV6 ? e->addpath_v6 : e->addpath;
	int rc;

	if ((afi != NK_AFI_IPV4 && afi != NK_AFI_IPV6) ||
	    (safi != NK_SAFI_UNICAST && safi != NK_SAFI_MULTICAST &&
		safi != 3)) {
		ctx->n_skipped_afi++;
		return 0;
	}
	e->afi = afi;
	e->safi = safi;
	while ((rc = nk_bgp_nlri_next(
		    &r, family, ap, &e->prefix, &e->path_id)) == 1) {
		rc = cb(arg, e);
		if (rc != 0)
			return rc;
	}
	if (rc < 0) {
		/* RFC 7606 §5.3: an NLRI that cannot be parsed: reset. */
		nk_err_set(err, "%s NLRI malformed at byte %zu of %zu",
		    e->kind == NK_MRT_E_WITHDRAW ? "withdrawn" : "announced",
		    r.off, len);
		return -1;
	}
	return 0;
}

static int
parse_update(struct nk_mrt_ctx *ctx, struct nk_mrt_elem *e, const uint8_t *body,
    size_t len, bool as4, nk_mrt_cb cb, void *arg, struct nk_err *err)
{
	struct nk_bgp_update u;
	struct nk_bgp_attrs attrs;
	const char *cause = NULL;
	int rc;

	if (nk_bgp_update_split(body, len, &u, &cause) < 0) {
		nk_err_set(err, "UPDATE: %s", cause);
		return -1;
	}
	struct nk_bgp_opts o = {.as4 = as4, .addpath = e->addpath};
	nk_bgp_attrs_parse(u.attrs, u.attrs_len, &o, &attrs);
	e->attrs = &attrs;
	if (attrs.err_class != NK_BGP_ERR_NONE) {
		note_attr_err(ctx, &attrs);
		e->kind = NK_MRT_E_ATTR_ERROR;
		rc = cb(arg, e);
		if (rc != 0)
			return rc;
	}
	e->kind = NK_MRT_E_WITHDRAW;
	memset(&e->next_hop, 0, sizeof(e->next_hop));
	rc = emit_nlri(ctx, e, u.withdrawn, u.withdrawn_len, NK_AFI_IPV4,
	    NK_SAFI_UNICAST, cb, arg, err);
	if (rc != 0)
		return rc;
	if (nk_bgp_has(&attrs, NK_BGP_A_MP_UNREACH)) {
		e->from_mp = true;
		rc = emit_nlri(ctx, e, attrs.mp_unreach.nlri,
		    attrs.mp_unreach.nlri_len, attrs.mp_unreach.afi,
		    attrs.mp_unreach.safi, cb, arg, err);
		if (rc != 0)
			return rc;
	}
	e->kind = NK_MRT_E_ANNOUNCE;
	e->from_mp = false;
	if (nk_bgp_has(&attrs, NK_BGP_A_NEXT_HOP))
		e->next_hop = attrs.next_hop;
	rc = emit_nlri(ctx, e, u.nlri, u.nlri_len, NK_AFI_IPV4, NK_SAFI_UNICAST,
	    cb, arg, err);
	if (rc != 0)
		return rc;
	if (nk_bgp_has(&attrs, NK_BGP_A_MP_REACH)) {
		e->next_hop = attrs.mp_reach.nh;
		e->from_mp = true;
		rc = emit_nlri(ctx, e, attrs.mp_reach.nlri,
		    attrs.mp_reach.nlri_len, attrs.mp_reach.afi,
		    attrs.mp_reach.safi, cb, arg, err);
	}
	return rc;
}

int
nk_mrt_update_elems(struct nk_mrt_ctx *ctx, const struct nk_mrt_elem *proto,
    const uint8_t *body, size_t len, bool as4, nk_mrt_cb cb, void *arg,
    struct nk_err *err)
{
	struct nk_mrt_elem e = *proto;

	ctx->attr_err[0] = '\0';
	return parse_update(ctx, &e, body, len, as4, cb, arg, err);
}

static int
parse_bgp4mp(struct nk_mrt_ctx *ctx, const struct nk_mrt_hdr *h,
    struct nk_rd *r, nk_mrt_cb cb, void *arg, struct nk_err *err)
{
	struct nk_mrt_elem e;
	uint16_t st = h->subtype;
	bool as4 = st == NK_MRT_MESSAGE_AS4 || st == NK_MRT_STATE_CHANGE_AS4 ||
	    st == NK_MRT_MESSAGE_AS4_LOCAL || st == NK_MRT_MESSAGE_AS4_AP ||
	    st == NK_MRT_MESSAGE_AS4_LOCAL_AP;

	memset(&e, 0, sizeof(e));
	e.type = h->type;
	e.subtype = st;
	e.ts = h->ts;
	e.et = h->type == NK_MRT_BGP4MP_ET;
	if (e.et)
		e.usec = nk_rd_be32(r);
	/* RFC 8050 §3: the AP subtype covers every family of the record */
	e.addpath = st >= NK_MRT_MESSAGE_AP;
	e.addpath_v6 = e.addpath;
	e.local = st == NK_MRT_MESSAGE_LOCAL ||
	    st == NK_MRT_MESSAGE_AS4_LOCAL || st == NK_MRT_MESSAGE_LOCAL_AP ||
	    st == NK_MRT_MESSAGE_AS4_LOCAL_AP;
	e.peer_as = as4 ? nk_rd_be32(r) : nk_rd_be16(r);
	e.local_as = as4 ? nk_rd_be32(r) : nk_rd_be16(r);
	/*
	 * Old Zebra wrote STATE_CHANGE records of 8 bytes: the two ASes and
	 * the two states, no interface, family or addresses (RIS 2000 data;
	 * bgpdump reads them the same way). The peer address is unknown.
	 */
	if ((st == NK_MRT_STATE_CHANGE && h->len == 8) ||
	    (st == NK_MRT_STATE_CHANGE_AS4 && h->len == 12)) {
		e.kind = NK_MRT_E_STATE;
		e.peer_addr.family = AF_INET;
		e.old_state = nk_rd_be16(r);
		e.new_state = nk_rd_be16(r);
		ctx->n_quirks++;
		return nk_rd_ok(r) ? cb(arg, &e) : -1;
	}
	uint16_t ifindex = nk_rd_be16(r);
	uint16_t afi = nk_rd_be16(r);
	if (!nk_rd_ok(r)) {
		nk_err_set(err, "BGP4MP header truncated");
		return -1;
	}
	/*
	 * Old Zebra also left out interface, family and addresses of OPEN
	 * messages: what reads as 0xFFFF/0xFFFF is the first half of the BGP
	 * marker. Go back 4 bytes; the addresses stay unknown.
	 */
	if (ifindex == 0xFFFF && afi == 0xFFFF &&
	    (st == NK_MRT_MESSAGE || st == NK_MRT_MESSAGE_AS4)) {
		r->off -= 4;
		e.peer_addr.family = AF_INET;
		e.local_addr.family = AF_INET;
		ctx->n_quirks++;
		goto message;
	}
	if (afi != NK_AFI_IPV4 && afi != NK_AFI_IPV6) {
		nk_err_set(err, "BGP4MP address family %u unknown", afi);
		return -1;
	}
	int family = afi == NK_AFI_IPV6 ? AF_INET6 : AF_INET;
	read_addr(r, family, &e.peer_addr);
	read_addr(r, family, &e.local_addr);
	if (!nk_rd_ok(r)) {
		nk_err_set(err, "BGP4MP addresses truncated");
		return -1;
	}
	if (st == NK_MRT_STATE_CHANGE || st == NK_MRT_STATE_CHANGE_AS4) {
		e.kind = NK_MRT_E_STATE;
		e.old_state = nk_rd_be16(r);
		e.new_state = nk_rd_be16(r);
		if (!nk_rd_ok(r)) {
			nk_err_set(err, "STATE_CHANGE truncated");
			return -1;
		}
		return cb(arg, &e);
	}
message:;
	struct nk_bgp_msg m;
	const char *cause = NULL;
	const uint8_t *mb = r->buf + r->off;
	size_t ml = nk_rd_left(r);
	if (nk_bgp_msg_parse(mb, ml, &m, &cause) < 0) {
		nk_err_set(err, "BGP message: %s", cause);
		return -1;
	}
	if (m.len != ml) {
		nk_err_set(
		    err, "BGP message length %u, record holds %zu", m.len, ml);
		return -1;
	}
	if (m.type == NK_BGP_UPDATE)
		return parse_update(
		    ctx, &e, m.body, m.body_len, as4, cb, arg, err);
	e.kind = NK_MRT_E_MESSAGE;
	e.msg_type = m.type;
	if (m.type == NK_BGP_NOTIFICATION && m.body_len >= 2) {
		e.notify_code = m.body[0];
		e.notify_subcode = m.body[1];
	}
	return cb(arg, &e);
}

int
nk_mrt_record_parse(struct nk_mrt_ctx *ctx, const struct nk_mrt_hdr *h,
    const uint8_t *body, size_t len, nk_mrt_cb cb, void *arg,
    struct nk_err *err)
{
	struct nk_rd r = nk_rd_make(body, len);

	ctx->attr_err[0] = '\0';

	if (len < h->len) {
		nk_err_set(
		    err, "record truncated: %zu of %u bytes", len, h->len);
		return -1;
	}
	r.len = h->len;
	switch (h->type) {
	case NK_MRT_TABLE_DUMP:
		if (h->subtype != 1 && h->subtype != 2)
			break;
		return parse_table_dump(h, &r, cb, arg, err);
	case NK_MRT_TABLE_DUMP_V2:
		if (h->subtype == NK_MRT_PEER_INDEX_TABLE)
			return parse_pit(ctx, &r, err);
		if (!nk_mrt_type_known(h->type, h->subtype))
			break;
		return parse_rib(ctx, h, &r, cb, arg, err);
	case NK_MRT_BGP4MP:
	case NK_MRT_BGP4MP_ET:
		if (!nk_mrt_type_known(h->type, h->subtype))
			break;
		return parse_bgp4mp(ctx, h, &r, cb, arg, err);
	default:
		if (nk_mrt_type_deprecated(h->type)) {
			nk_err_set(err, "deprecated MRT type %u (%s) skipped",
			    h->type, nk_mrt_type_name(h->type));
			return 1;
		}
		nk_err_set(err, "MRT type %u (%s) not decoded", h->type,
		    nk_mrt_type_name(h->type));
		return 1;
	}
	nk_err_set(
	    err, "MRT type %u subtype %u not decoded", h->type, h->subtype);
	return 1;
}
