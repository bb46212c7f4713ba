/* bmpin: a BMP stream into the watch engine; see bmpin.h. */
#include "bmpin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp.h"
#include "bgpmsg.h"
#include "dump.h"
#include "rd.h"

#define FSM_IDLE 1
#define FSM_OPENCONFIRM 5
#define FSM_ESTABLISHED 6

int
bmpin_init(struct bmpin *b, const struct nk_addr *router, enum bmpin_view view,
    struct watch *w, bmpin_msg_cb cb, void *arg)
{
	memset(b, 0, sizeof(*b));
	b->router = *router;
	dump_fmt_addr(router, b->router_name, sizeof(b->router_name));
	b->view = view;
	b->w = w;
	b->cb = cb;
	b->cb_arg = arg;
	b->cap = 65536;
	b->buf = malloc(b->cap);
	if (b->buf == NULL)
		return -1;
	nk_mrt_ctx_init(&b->mctx);
	return 0;
}

void
bmpin_fini(struct bmpin *b)
{
	free(b->buf);
	b->buf = NULL;
	nk_mrt_ctx_fini(&b->mctx);
}

/* Does this per-peer header carry the view the engine is fed? */
static bool
in_view(const struct bmpin *b, const struct nk_bmp_peer *p)
{
	if (p->adj_rib_out)
		return false;
	switch (b->view) {
	case BMPIN_VIEW_PRE:
		return !p->loc_rib && !p->post_policy;
	case BMPIN_VIEW_POST:
		return !p->loc_rib && p->post_policy;
	case BMPIN_VIEW_LOC_RIB:
		return p->loc_rib;
	}
	return false;
}

/* The engine's peer of a per-peer header: Loc-RIB routes are the
 * router's own, so they are filed under the router's address. */
static void
engine_peer(const struct bmpin *b, const struct nk_bmp_peer *p,
    struct nk_addr *addr, uint32_t *asn)
{
	*addr = p->loc_rib ? b->router : p->addr;
	*asn = p->asn;
}

static void
proto_elem(
    const struct bmpin *b, const struct nk_bmp_peer *p, struct nk_mrt_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->type = NK_MRT_BGP4MP_ET;
	e->subtype = NK_MRT_MESSAGE_AS4;
	e->et = true;
	/* the receive time: routers' per-peer stamps are not reliable
	 * (FRR's Peer Up stamps lag by hours, GoBGP's withdrawals carry
	 * the announcement time) */
	e->ts = (uint32_t)(b->now_real_ns / 1000000000);
	e->usec = (uint32_t)(b->now_real_ns % 1000000000 / 1000);
	engine_peer(b, p, &e->peer_addr, &e->peer_as);
}

static int
up_find(const struct bmpin *b, const struct nk_addr *a, uint32_t asn)
{
	for (size_t i = 0; i < b->n_up; i++)
		if (b->up[i].asn == asn && nk_addr_eq(&b->up[i].addr, a))
			return (int)i;
	return -1;
}

static void
peer_state(
    struct bmpin *b, const struct nk_bmp_peer *p, bool up, const char *why)
{
	struct nk_mrt_elem e;
	proto_elem(b, p, &e);
	int i = up_find(b, &e.peer_addr, e.peer_as);

	if (up == (i >= 0))
		return;
	if (up) {
		if (b->n_up == BMPIN_MAX_PEERS)
			return;
		b->up[b->n_up].addr = e.peer_addr;
		b->up[b->n_up].asn = e.peer_as;
		b->n_up++;
	} else {
		b->up[i] = b->up[--b->n_up];
	}
	if (b->w == NULL)
		return;
	e.kind = NK_MRT_E_STATE;
	e.subtype = NK_MRT_STATE_CHANGE_AS4;
	if (up) {
		watch_peer_connecting(b->w, &e.peer_addr, e.peer_as);
		e.old_state = FSM_OPENCONFIRM;
		e.new_state = FSM_ESTABLISHED;
	} else {
		watch_set_reason(b->w, why);
		e.old_state = FSM_ESTABLISHED;
		e.new_state = FSM_IDLE;
	}
	(void)watch_elem(b->w, &e);
}

struct rm_ctx {
	struct bmpin *b;
	const struct nk_bmp_msg *m;
	bool feed;
};

static int
rm_elem(void *arg, const struct nk_mrt_elem *e)
{
	struct rm_ctx *x = arg;
	x->b->n_elems++;
	if (x->b->cb != NULL)
		x->b->cb(x->b->cb_arg, x->m, e);
	if (x->feed && x->b->w != NULL)
		(void)watch_elem(x->b->w, e);
	return 0;
}

static void
on_msg(struct bmpin *b, const struct nk_bmp_msg *m)
{
	char why[400];

	switch (m->h.type) {
	case NK_BMP_INITIATION: {
		struct nk_rd r = nk_rd_make(m->tlvs, m->tlvs_len);
		uint16_t t, l;
		const uint8_t *v;
		while (nk_bmp_tlv_next(&r, &t, &v, &l) == 1)
			if (t == NK_BMP_INFO_SYSNAME && l > 0) {
				size_t n = l < sizeof(b->router_name) - 1
				    ? l
				    : sizeof(b->router_name) - 1;
				struct nk_rd vr = nk_rd_make(v, n);
				nk_rd_bytes(&vr, b->router_name, n);
				b->router_name[n] = '\0';
				for (size_t i = 0; i < n; i++)
					if ((unsigned char)b->router_name[i] <
					    0x20)
						b->router_name[i] = '?';
			}
		break;
	}
	case NK_BMP_PEER_UP:
		/* one Peer Up covers both Adj-RIB-In views (RFC 7854 §4.10);
		 * Loc-RIB has its own (RFC 9069 §5) */
		if (m->peer.loc_rib == (b->view == BMPIN_VIEW_LOC_RIB))
			peer_state(b, &m->peer, true, NULL);
		break;
	case NK_BMP_PEER_DOWN: {
		char r[300] = "";
		if (m->pdu != NULL) {
			struct nk_bgp_notify n;
			if (nk_bgpmsg_notify_parse(m->pdu + NK_BGP_HDR_LEN,
				m->pdu_len - NK_BGP_HDR_LEN, &n) == 0)
				(void)nk_bgpmsg_notify_reason(&n, r, sizeof(r));
		}
		(void)snprintf(why, sizeof(why), "BMP from %s: %s%s%s",
		    b->router_name, nk_bmp_down_reason_name(m->down_reason),
		    r[0] ? ": " : "", r);
		peer_state(b, &m->peer, false, why);
		break;
	}
	case NK_BMP_ROUTE_MONITORING: {
		struct nk_mrt_elem proto;
		struct nk_err err = {{0}};
		struct rm_ctx x = {b, m, in_view(b, &m->peer)};
		proto_elem(b, &m->peer, &proto);
		/* a route from a peer without Peer Up (FRR's local routes,
		 * peer 0.0.0.0): the engine learns the peer from it */
		if (nk_mrt_update_elems(&b->mctx, &proto,
			m->pdu + NK_BGP_HDR_LEN, m->pdu_len - NK_BGP_HDR_LEN,
			!m->peer.as2, rm_elem, &x, &err) < 0)
			b->n_bad++;
		return; /* the callback saw the elements */
	}
	case NK_BMP_STATS:
		b->n_stats++;
		break;
	case NK_BMP_TERMINATION:
		if (b->cb != NULL)
			b->cb(b->cb_arg, m, NULL);
		(void)snprintf(why, sizeof(why),
		    "BMP Termination from %s (reason %u)", b->router_name,
		    m->term_reason);
		bmpin_close(b, why);
		return;
	default:
		break;
	}
	if (b->cb != NULL)
		b->cb(b->cb_arg, m, NULL);
}

int
bmpin_feed(struct bmpin *b, const uint8_t *data, size_t n, int64_t real_ns)
{
	size_t off = 0;

	if (b->broken)
		return -1;
	b->now_real_ns = real_ns;
	while (n > 0) {
		size_t room = b->cap - b->len;
		size_t k = n < room ? n : room;
		memcpy(b->buf + b->len, data, k);
		b->len += k;
		data += k;
		n -= k;
		off = 0;
		for (;;) {
			struct nk_bmp_hdr h;
			const char *cause = NULL;
			int hr = nk_bmp_hdr_parse(
			    b->buf + off, b->len - off, &h, &cause);
			if (hr > 0)
				break;
			if (hr < 0) {
				(void)snprintf(b->err, sizeof(b->err),
				    "offset %llu: %s",
				    (unsigned long long)b->n_msgs, cause);
				b->broken = true;
				return -1;
			}
			if (h.len > b->cap) {
				/* grow for one big message, bounded by
				 * NK_BMP_MAX_LEN in hdr_parse */
				uint8_t *nb = realloc(b->buf, h.len);
				if (nb == NULL) {
					(void)snprintf(b->err, sizeof(b->err),
					    "out of memory for a %u-byte "
					    "message",
					    h.len);
					b->broken = true;
					return -1;
				}
				b->buf = nb;
				b->cap = h.len;
			}
			if (b->len - off < h.len)
				break;
			struct nk_bmp_msg m;
			b->n_msgs++;
			if (nk_bmp_msg_parse(b->buf + off, h.len, &m, &cause) <
			    0) {
				b->n_bad++;
				if (b->n_bad == 1)
					(void)snprintf(b->err, sizeof(b->err),
					    "message %llu (%s): %s",
					    (unsigned long long)b->n_msgs,
					    nk_bmp_type_name(h.type), cause);
			} else {
				on_msg(b, &m);
			}
			off += h.len;
		}
		if (off > 0) {
			memmove(b->buf, b->buf + off, b->len - off);
			b->len -= off;
		}
	}
	return 0;
}

void
bmpin_close(struct bmpin *b, const char *why)
{
	while (b->n_up > 0) {
		struct nk_bmp_peer p;
		memset(&p, 0, sizeof(p));
		p.addr = b->up[b->n_up - 1].addr;
		p.asn = b->up[b->n_up - 1].asn;
		peer_state(b, &p, false, why);
	}
}
