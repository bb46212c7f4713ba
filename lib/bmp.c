/* bmp: BMP message decoding; see bmp.h. */
#include "bmp.h"

#include <string.h>
#include <sys/socket.h>

#include "bgp.h"

int
nk_bmp_hdr_parse(
    const uint8_t *buf, size_t len, struct nk_bmp_hdr *h, const char **cause)
{
	struct nk_rd r = nk_rd_make(buf, len);
	struct nk_bmp_hdr t;

	if (len < NK_BMP_HDR_LEN)
		return 1;
	t.version = nk_rd_u8(&r);
	t.len = nk_rd_be32(&r);
	t.type = nk_rd_u8(&r);
	/* RFC 7854 §4.1: version 3 (1 and 2 were drafts with another
	 * header) */
	if (t.version != NK_BMP_VERSION) {
		*cause = "BMP version is not 3";
		return -1;
	}
	if (t.len < NK_BMP_HDR_LEN) {
		*cause = "BMP message length below 6";
		return -1;
	}
	if (t.len > NK_BMP_MAX_LEN) {
		*cause = "BMP message length over the maximum";
		return -1;
	}
	*h = t;
	return 0;
}

/* RFC 7854 §4.2: the 42-byte per-peer header. */
static int
peer_hdr(struct nk_rd *r, struct nk_bmp_peer *p, const char **cause)
{
	memset(p, 0, sizeof(*p));
	p->type = nk_rd_u8(r);
	p->flags = nk_rd_u8(r);
	p->rd = nk_rd_be64(r);
	const uint8_t *a = nk_rd_ptr(r, 16);
	p->asn = nk_rd_be32(r);
	p->bgp_id = nk_rd_be32(r);
	p->ts_sec = nk_rd_be32(r);
	p->ts_usec = nk_rd_be32(r);
	if (!nk_rd_ok(r) || a == NULL) {
		*cause = "per-peer header shorter than 42 bytes";
		return -1;
	}
	struct nk_rd ar = nk_rd_make(a, 16);
	p->loc_rib = p->type == NK_BMP_PEER_LOC_RIB;
	if (p->loc_rib) {
		p->filtered = (p->flags & NK_BMP_F_LOC_F) != 0;
		p->addr.family = AF_INET; /* RFC 9069 §4.1: zero-filled */
	} else if (p->flags & NK_BMP_F_V) {
		p->addr.family = AF_INET6;
		nk_rd_bytes(&ar, p->addr.bytes, 16);
	} else {
		/* IPv4 in the last 4 bytes (RFC 7854 §4.2) */
		p->addr.family = AF_INET;
		nk_rd_skip(&ar, 12);
		nk_rd_bytes(&ar, p->addr.bytes, 4);
	}
	if (!p->loc_rib) {
		p->post_policy = (p->flags & NK_BMP_F_L) != 0;
		p->as2 = (p->flags & NK_BMP_F_A) != 0;
		p->adj_rib_out = (p->flags & NK_BMP_F_O) != 0;
	}
	return 0;
}

/* A whole BGP PDU at r: framed by its own length field. */
static int
bgp_pdu(struct nk_rd *r, const uint8_t **pdu, size_t *plen, uint8_t want,
    const char **cause)
{
	struct nk_bgp_msg m;
	const char *c2 = NULL;
	size_t left = nk_rd_left(r);
	const uint8_t *p = nk_rd_ptr(r, 0);

	if (p == NULL || nk_bgp_msg_parse(p, left, &m, &c2) < 0) {
		*cause = c2 != NULL ? c2 : "BGP PDU missing";
		return -1;
	}
	if (want != 0 && m.type != want) {
		*cause = "BGP PDU of the wrong type";
		return -1;
	}
	*pdu = nk_rd_ptr(r, m.len);
	*plen = m.len;
	return *pdu != NULL ? 0 : -1;
}

int
nk_bmp_tlv_next(
    struct nk_rd *r, uint16_t *type, const uint8_t **val, uint16_t *vlen)
{
	if (nk_rd_left(r) == 0)
		return 0;
	uint16_t t = nk_rd_be16(r);
	uint16_t l = nk_rd_be16(r);
	const uint8_t *v = nk_rd_ptr(r, l);
	if (!nk_rd_ok(r))
		return -1;
	*type = t;
	*vlen = l;
	*val = v;
	return 1;
}

int
nk_bmp_stat_next(struct nk_rd *r, uint16_t *type, uint64_t *value,
    uint16_t *afi, uint8_t *safi, bool *known)
{
	if (nk_rd_left(r) == 0)
		return 0;
	uint16_t t = nk_rd_be16(r);
	uint16_t l = nk_rd_be16(r);
	struct nk_rd v = nk_rd_sub(r, l);
	if (!nk_rd_ok(r))
		return -1;
	*type = t;
	*afi = 0;
	*safi = 0;
	*known = true;
	/* RFC 7854 §4.8: 32-bit counters, 64-bit gauges; types 9/10 carry
	 * AFI(2) SAFI(1) before the gauge */
	if ((t == 9 || t == 10) && l == 11) {
		*afi = nk_rd_be16(&v);
		*safi = nk_rd_u8(&v);
		*value = nk_rd_be64(&v);
	} else if (l == 4) {
		*value = nk_rd_be32(&v);
	} else if (l == 8) {
		*value = nk_rd_be64(&v);
	} else {
		*value = 0;
		*known = false;
	}
	return 1;
}

static int
tlvs_check(const uint8_t *p, size_t n, const char **cause)
{
	struct nk_rd r = nk_rd_make(p, n);
	uint16_t t, l;
	const uint8_t *v;
	int rc;
	while ((rc = nk_bmp_tlv_next(&r, &t, &v, &l)) == 1)
		;
	if (rc < 0) {
		*cause = "information TLV overruns the message";
		return -1;
	}
	return 0;
}

int
nk_bmp_msg_parse(
    const uint8_t *buf, size_t len, struct nk_bmp_msg *m, const char **cause)
{
	struct nk_rd r0 = nk_rd_make(buf, len);
	struct nk_bmp_msg t;
	int hr;

	memset(&t, 0, sizeof(t));
	hr = nk_bmp_hdr_parse(buf, len, &t.h, cause);
	if (hr != 0) {
		if (hr > 0)
			*cause = "BMP message shorter than its header";
		return -1;
	}
	if (t.h.len > len) {
		*cause = "BMP message length exceeds the bytes present";
		return -1;
	}
	t.term_reason = 0xffff;
	nk_rd_skip(&r0, NK_BMP_HDR_LEN);
	struct nk_rd r = nk_rd_sub(&r0, t.h.len - NK_BMP_HDR_LEN);

	switch (t.h.type) {
	case NK_BMP_ROUTE_MONITORING:
	case NK_BMP_ROUTE_MIRRORING:
	case NK_BMP_STATS:
	case NK_BMP_PEER_DOWN:
	case NK_BMP_PEER_UP:
		t.has_peer = true;
		if (peer_hdr(&r, &t.peer, cause) < 0)
			return -1;
		break;
	default:
		break;
	}
	switch (t.h.type) {
	case NK_BMP_ROUTE_MONITORING:
		if (bgp_pdu(&r, &t.pdu, &t.pdu_len, NK_BGP_UPDATE, cause) < 0)
			return -1;
		if (!nk_rd_done(&r)) {
			*cause = "bytes after the UPDATE of a Route Monitoring";
			return -1;
		}
		break;
	case NK_BMP_ROUTE_MIRRORING:
		/* TLVs (RFC 7854 §4.7); kept for the caller, not decoded */
		t.tlvs_len = nk_rd_left(&r);
		t.tlvs = nk_rd_ptr(&r, t.tlvs_len);
		if (tlvs_check(t.tlvs, t.tlvs_len, cause) < 0)
			return -1;
		break;
	case NK_BMP_STATS: {
		t.n_stats = nk_rd_be32(&r);
		t.tlvs_len = nk_rd_left(&r);
		t.tlvs = nk_rd_ptr(&r, t.tlvs_len);
		if (!nk_rd_ok(&r)) {
			*cause = "Stats Report without a count";
			return -1;
		}
		struct nk_rd s = nk_rd_make(t.tlvs, t.tlvs_len);
		uint16_t ty, afi;
		uint64_t v;
		uint8_t safi;
		bool known;
		uint32_t n = 0;
		int rc;
		while ((rc = nk_bmp_stat_next(
			    &s, &ty, &v, &afi, &safi, &known)) == 1)
			n++;
		if (rc < 0 || n != t.n_stats) {
			*cause = rc < 0 ? "Stats TLV overruns the message"
					: "Stats count disagrees with the TLVs";
			return -1;
		}
		break;
	}
	case NK_BMP_PEER_DOWN:
		t.down_reason = nk_rd_u8(&r);
		if (!nk_rd_ok(&r)) {
			*cause = "Peer Down without a reason";
			return -1;
		}
		if (t.down_reason == NK_BMP_DOWN_LOCAL_NOTIFY ||
		    t.down_reason == NK_BMP_DOWN_REMOTE_NOTIFY) {
			if (bgp_pdu(&r, &t.pdu, &t.pdu_len, NK_BGP_NOTIFICATION,
				cause) < 0)
				return -1;
		} else if (t.down_reason == NK_BMP_DOWN_LOCAL_FSM) {
			t.down_fsm_event = nk_rd_be16(&r);
			if (!nk_rd_ok(&r)) {
				*cause = "Peer Down reason 2 without the FSM "
					 "event";
				return -1;
			}
		}
		/* reasons 4-6: no data (RFC 9069 allows TLVs after 6);
		 * extra bytes are ignored */
		break;
	case NK_BMP_PEER_UP: {
		const uint8_t *la = nk_rd_ptr(&r, 16);
		t.local_port = nk_rd_be16(&r);
		t.remote_port = nk_rd_be16(&r);
		if (!nk_rd_ok(&r) || la == NULL) {
			*cause = "Peer Up shorter than its fixed part";
			return -1;
		}
		struct nk_rd ar = nk_rd_make(la, 16);
		if (t.peer.flags & NK_BMP_F_V) {
			t.local_addr.family = AF_INET6;
			nk_rd_bytes(&ar, t.local_addr.bytes, 16);
		} else {
			t.local_addr.family = AF_INET;
			nk_rd_skip(&ar, 12);
			nk_rd_bytes(&ar, t.local_addr.bytes, 4);
		}
		if (bgp_pdu(&r, &t.sent_open, &t.sent_open_len, NK_BGP_OPEN,
			cause) < 0 ||
		    bgp_pdu(&r, &t.recv_open, &t.recv_open_len, NK_BGP_OPEN,
			cause) < 0)
			return -1;
		t.tlvs_len = nk_rd_left(&r);
		t.tlvs = nk_rd_ptr(&r, t.tlvs_len);
		if (tlvs_check(t.tlvs, t.tlvs_len, cause) < 0)
			return -1;
		break;
	}
	case NK_BMP_INITIATION:
	case NK_BMP_TERMINATION: {
		t.tlvs_len = nk_rd_left(&r);
		t.tlvs = nk_rd_ptr(&r, t.tlvs_len);
		if (tlvs_check(t.tlvs, t.tlvs_len, cause) < 0)
			return -1;
		if (t.h.type == NK_BMP_TERMINATION) {
			struct nk_rd tr = nk_rd_make(t.tlvs, t.tlvs_len);
			uint16_t ty, l;
			const uint8_t *v;
			while (nk_bmp_tlv_next(&tr, &ty, &v, &l) == 1) {
				struct nk_rd vr = nk_rd_make(v, l);
				uint16_t reason = nk_rd_be16(&vr);
				if (ty == NK_BMP_TERM_REASON && nk_rd_ok(&vr))
					t.term_reason = reason;
			}
		}
		break;
	}
	default:
		*cause = "unknown BMP message type";
		return -1;
	}
	*m = t;
	return 0;
}

const char *
nk_bmp_type_name(uint8_t type)
{
	static const char *const names[] = {"route_monitor", "stats",
	    "peer_down", "peer_up", "init", "term", "route_mirror"};
	return type < 7 ? names[type] : "unknown";
}

const char *
nk_bmp_down_reason_name(uint8_t reason)
{
	static const char *const names[] = {"unknown",
	    "local system closed the session with a NOTIFICATION",
	    "local system closed the session without a NOTIFICATION",
	    "remote system closed the session with a NOTIFICATION",
	    "remote system closed the session without a NOTIFICATION",
	    "peer de-configured", "Loc-RIB instance gone"};
	return reason < 7 ? names[reason] : "unknown";
}
