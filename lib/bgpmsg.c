/* bgpmsg: OPEN, KEEPALIVE and NOTIFICATION; see bgpmsg.h. */
#include "bgpmsg.h"

#include <stdio.h>
#include <string.h>

#include "bgp.h"
#include "rd.h"

/* Capability codes (IANA "Capability Codes"). */
#define CAP_MP 1
#define CAP_ROUTE_REFRESH 2
#define CAP_EXT_MSG 6
#define CAP_GR 64
#define CAP_AS4 65
#define CAP_ADDPATH 69
#define CAP_ENHANCED_RR 70
#define CAP_ROUTE_REFRESH_OLD 128

#define OPT_PARAM_CAPS 2
#define OPT_PARAM_EXTENDED 255 /* RFC 9072 */

/* A bounded writer: overflow is sticky, like nk_rd. */
struct wr {
	uint8_t *buf;
	size_t len, off;
	bool err;
};

static void
wr_u8(struct wr *w, unsigned v)
{
	if (w->err || w->off >= w->len) {
		w->err = true;
		return;
	}
	w->buf[w->off++] = (uint8_t)(v & 0xffu);
}

static void
wr_be16(struct wr *w, unsigned v)
{
	wr_u8(w, v >> 8);
	wr_u8(w, v);
}

static void
wr_be32(struct wr *w, uint32_t v)
{
	wr_be16(w, (unsigned)(v >> 16));
	wr_be16(w, (unsigned)(v & 0xffffu));
}

static void
wr_bytes(struct wr *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wr_u8(w, p[i]);
}

static void
wr_hdr(struct wr *w, uint8_t type)
{
	for (int i = 0; i < 16; i++)
		wr_u8(w, 0xff);
	wr_be16(w, 0); /* length, patched by wr_finish */
	wr_u8(w, type);
}

static size_t
wr_finish(struct wr *w)
{
	if (w->err || w->off > NK_BGP_MAX_LEN)
		return 0;
	w->buf[16] = (uint8_t)(w->off >> 8);
	w->buf[17] = (uint8_t)(w->off & 0xffu);
	return w->off;
}

static int
fam_index(uint16_t afi, uint8_t safi)
{
	if (safi != NK_SAFI_UNICAST)
		return -1;
	if (afi == NK_AFI_IPV4)
		return NK_BGP_FAM_IPV4;
	if (afi == NK_AFI_IPV6)
		return NK_BGP_FAM_IPV6;
	return -1;
}

/* One capability (RFC 5492 §4); bad lengths are OPEN errors. */
static int
cap_parse(
    uint8_t type, struct nk_rd *c, struct nk_bgp_open *o, const char **cause)
{
	size_t clen = nk_rd_left(c);

	o->n_caps++;
	switch (type) {
	case CAP_MP: {
		if (clen != 4) {
			*cause = "multiprotocol capability length not 4";
			return -1;
		}
		uint16_t afi = nk_rd_be16(c);
		(void)nk_rd_u8(c);
		uint8_t safi = nk_rd_u8(c);
		int f = fam_index(afi, safi);
		o->any_mp = true;
		if (f >= 0)
			o->mp[f] = true;
		break;
	}
	case CAP_ROUTE_REFRESH:
	case CAP_ROUTE_REFRESH_OLD:
		o->route_refresh = true;
		break;
	case CAP_EXT_MSG:
		o->ext_msg = true;
		break;
	case CAP_GR:
		if (clen < 2) {
			*cause = "graceful restart capability shorter than 2";
			return -1;
		}
		o->graceful_restart = true;
		uint16_t flags_time = nk_rd_be16(c);
		o->gr_time_s = (uint16_t)(flags_time & 0x0fffu);
		o->gr_restarting = (flags_time & 0x8000u) != 0;
		/* RFC 4724 §3: AFI(2) SAFI(1) flags(1) per family the peer
		 * keeps forwarding state for; none: a helper, it never keeps
		 * routes across its own restart. A partial tuple is ignored. */
		while (nk_rd_left(c) >= 4) {
			uint16_t afi = nk_rd_be16(c);
			uint8_t safi = nk_rd_u8(c);
			uint8_t af_flags = nk_rd_u8(c);
			int f = fam_index(afi, safi);
			if (f >= 0) {
				o->gr_af[f] = true;
				o->gr_fwd[f] = (af_flags & 0x80u) != 0;
			}
		}
		break;
	case CAP_AS4:
		if (clen != 4) {
			*cause = "4-octet AS capability length not 4";
			return -1;
		}
		o->as4 = true;
		o->asn = nk_rd_be32(c);
		break;
	case CAP_ADDPATH:
		/* RFC 7911 §4: a list of AFI(2) SAFI(1) Send/Receive(1) */
		if (clen % 4 != 0) {
			*cause = "ADD-PATH capability length not a multiple "
				 "of 4";
			return -1;
		}
		while (nk_rd_left(c) >= 4) {
			uint16_t afi = nk_rd_be16(c);
			uint8_t safi = nk_rd_u8(c);
			uint8_t sr = nk_rd_u8(c);
			int f = fam_index(afi, safi);
			if (f >= 0)
				o->addpath[f] = (uint8_t)(sr & 3u);
		}
		break;
	default:
		break; /* RFC 5492 §5: ignore what we do not know */
	}
	return 0;
}

int
nk_bgpmsg_open_parse(const uint8_t *body, size_t len, struct nk_bgp_open *o,
    uint8_t *code, uint8_t *subcode, const char **cause)
{
	struct nk_rd r = nk_rd_make(body, len);
	struct nk_bgp_open t;

	memset(&t, 0, sizeof(t));
	*code = NK_BGP_E_OPEN;
	*subcode = 0;
	t.version = nk_rd_u8(&r);
	t.my_as = nk_rd_be16(&r);
	t.hold_s = nk_rd_be16(&r);
	t.bgp_id = nk_rd_be32(&r);
	size_t plen = nk_rd_u8(&r);
	if (!nk_rd_ok(&r)) {
		*code = NK_BGP_E_HEADER;
		*subcode = 2; /* RFC 4271 §6.1: Bad Message Length */
		*cause = "OPEN shorter than 29 bytes";
		return -1;
	}
	if (t.version != 4) {
		*subcode = 1;
		*cause = "unsupported BGP version";
		return -1;
	}
	/* RFC 4271 §6.2: hold time 1 or 2 is unacceptable */
	if (t.hold_s == 1 || t.hold_s == 2) {
		*subcode = 6;
		*cause = "unacceptable hold time (1 or 2 s)";
		return -1;
	}
	/* RFC 6286 §2.2: any non-zero BGP Identifier is fine */
	if (t.bgp_id == 0) {
		*subcode = 3;
		*cause = "BGP identifier 0";
		return -1;
	}
	bool extended = false;
	/* RFC 9072 §2: non-extended length 255 and type 255 */
	if (plen == 255 && nk_rd_peek(&r, 0) == OPT_PARAM_EXTENDED) {
		(void)nk_rd_u8(&r);
		plen = nk_rd_be16(&r);
		extended = true;
	}
	struct nk_rd p = nk_rd_sub(&r, plen);
	if (!nk_rd_ok(&p) || !nk_rd_done(&r)) {
		*subcode = 0;
		*cause = "optional parameters length disagrees with the "
			 "message length";
		return -1;
	}
	while (nk_rd_left(&p) > 0) {
		uint8_t ptype = nk_rd_u8(&p);
		size_t pl = extended ? nk_rd_be16(&p) : nk_rd_u8(&p);
		struct nk_rd v = nk_rd_sub(&p, pl);
		if (!nk_rd_ok(&p)) {
			*cause = "optional parameter overruns the OPEN";
			return -1;
		}
		if (ptype != OPT_PARAM_CAPS) {
			*subcode = 4; /* Unsupported Optional Parameter */
			*cause = "unsupported optional parameter";
			return -1;
		}
		while (nk_rd_left(&v) > 0) {
			uint8_t ct = nk_rd_u8(&v);
			size_t cl = nk_rd_u8(&v);
			struct nk_rd c = nk_rd_sub(&v, cl);
			if (!nk_rd_ok(&v)) {
				*cause = "capability overruns its parameter";
				return -1;
			}
			if (cap_parse(ct, &c, &t, cause) < 0)
				return -1;
		}
	}
	if (!t.as4)
		t.asn = t.my_as;
	/* RFC 4760 §8: no MP capability at all means IPv4 unicast only */
	if (!t.any_mp)
		t.mp[NK_BGP_FAM_IPV4] = true;
	*o = t;
	return 0;
}

static void
wr_cap_mp(struct wr *w, uint16_t afi)
{
	wr_u8(w, CAP_MP);
	wr_u8(w, 4);
	wr_be16(w, afi);
	wr_u8(w, 0);
	wr_u8(w, NK_SAFI_UNICAST);
}

size_t
nk_bgpmsg_open_fmt(const struct nk_bgp_open_cfg *c, uint8_t *buf, size_t len)
{
	struct wr w = {buf, len, 0, false};
	uint8_t caps[96];
	struct wr cw = {caps, sizeof(caps), 0, false};

	wr_cap_mp(&cw, NK_AFI_IPV4);
	wr_cap_mp(&cw, NK_AFI_IPV6);
	wr_u8(&cw, CAP_ROUTE_REFRESH);
	wr_u8(&cw, 0);
	wr_u8(&cw, CAP_AS4);
	wr_u8(&cw, 4);
	wr_be32(&cw, c->asn);
	if (c->ext_msg) {
		wr_u8(&cw, CAP_EXT_MSG);
		wr_u8(&cw, 0);
	}
	if (c->addpath_recv) {
		wr_u8(&cw, CAP_ADDPATH);
		wr_u8(&cw, 8);
		wr_be16(&cw, NK_AFI_IPV4);
		wr_u8(&cw, NK_SAFI_UNICAST);
		wr_u8(&cw, NK_BGP_ADDPATH_RECV);
		wr_be16(&cw, NK_AFI_IPV6);
		wr_u8(&cw, NK_SAFI_UNICAST);
		wr_u8(&cw, NK_BGP_ADDPATH_RECV);
	}
	if (c->graceful_restart) {
		/* RFC 4724 §3: aware, no restart state, time 0: we keep no
		 * forwarding state, we only want the peer's End-of-RIB. */
		wr_u8(&cw, CAP_GR);
		wr_u8(&cw, 2);
		wr_be16(&cw, 0);
	}
	if (cw.err)
		return 0;
	wr_hdr(&w, NK_BGP_OPEN);
	wr_u8(&w, 4);
	wr_be16(&w, c->asn > 65535 ? NK_BGP_AS_TRANS : c->asn);
	wr_be16(&w, c->hold_s);
	wr_be32(&w, c->bgp_id);
	wr_u8(&w, (unsigned)cw.off + 2);
	wr_u8(&w, OPT_PARAM_CAPS);
	wr_u8(&w, (unsigned)cw.off);
	wr_bytes(&w, caps, cw.off);
	return wr_finish(&w);
}

size_t
nk_bgpmsg_keepalive_fmt(uint8_t *buf, size_t len)
{
	struct wr w = {buf, len, 0, false};
	wr_hdr(&w, NK_BGP_KEEPALIVE);
	return wr_finish(&w);
}

size_t
nk_bgpmsg_notify_fmt(uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t dlen, uint8_t *buf, size_t len)
{
	struct wr w = {buf, len, 0, false};
	wr_hdr(&w, NK_BGP_NOTIFICATION);
	wr_u8(&w, code);
	wr_u8(&w, subcode);
	if (data != NULL)
		wr_bytes(&w, data, dlen);
	return wr_finish(&w);
}

size_t
nk_bgpmsg_cease_fmt(uint8_t subcode, const char *text, uint8_t *buf, size_t len)
{
	uint8_t d[256];
	size_t n = text != NULL ? strlen(text) : 0;

	if (n > 255)
		n = 255; /* RFC 9003 §2: at most 255 octets */
	d[0] = (uint8_t)n;
	if (n > 0)
		memcpy(d + 1, text, n);
	return nk_bgpmsg_notify_fmt(
	    NK_BGP_E_CEASE, subcode, d, n + 1, buf, len);
}

int
nk_bgpmsg_notify_parse(const uint8_t *body, size_t len, struct nk_bgp_notify *n)
{
	struct nk_rd r = nk_rd_make(body, len);
	struct nk_bgp_notify t;

	memset(&t, 0, sizeof(t));
	t.code = nk_rd_u8(&r);
	t.subcode = nk_rd_u8(&r);
	if (!nk_rd_ok(&r))
		return -1;
	t.data_len = nk_rd_left(&r);
	t.data = nk_rd_ptr(&r, t.data_len);
	/* RFC 9003 §2: Cease/Administrative Shutdown or Reset carry a
	 * length octet then UTF-8; a length past the data is malformed and
	 * the text is ignored (§4). */
	if (t.code == NK_BGP_E_CEASE &&
	    (t.subcode == NK_BGP_CEASE_ADMIN_SHUTDOWN ||
		t.subcode == NK_BGP_CEASE_ADMIN_RESET) &&
	    t.data_len > 0) {
		struct nk_rd d = nk_rd_make(t.data, t.data_len);
		size_t tl = nk_rd_u8(&d);
		const uint8_t *s = nk_rd_ptr(&d, tl);
		if (s != NULL && tl > 0) {
			for (size_t i = 0; i < tl; i++) {
				struct nk_rd c = nk_rd_make(s + i, 1);
				uint8_t ch = nk_rd_u8(&c);
				t.text[i] =
				    (char)(ch >= 0x20 && ch != 0x7f ? ch : '?');
			}
			t.text[tl] = '\0';
			t.has_text = true;
		}
	}
	*n = t;
	return 0;
}

const char *
nk_bgpmsg_code_name(uint8_t code)
{
	static const char *const names[] = {"unknown", "message header error",
	    "OPEN message error", "UPDATE message error", "hold timer expired",
	    "finite state machine error", "cease", "route-refresh error"};
	return code < 8 ? names[code] : "unknown";
}

const char *
nk_bgpmsg_subcode_name(uint8_t code, uint8_t sub)
{
	static const char *const hdr[] = {"unspecific",
	    "connection not synchronized", "bad message length",
	    "bad message type"};
	static const char *const open[] = {"unspecific",
	    "unsupported version number", "bad peer AS", "bad BGP identifier",
	    "unsupported optional parameter", "5", "unacceptable hold time",
	    "unsupported capability", "role mismatch"};
	static const char *const upd[] = {"unspecific",
	    "malformed attribute list", "unrecognized well-known attribute",
	    "missing well-known attribute", "attribute flags error",
	    "attribute length error", "invalid ORIGIN attribute", "7",
	    "invalid NEXT_HOP attribute", "optional attribute error",
	    "invalid network field", "malformed AS_PATH"};
	static const char *const fsm[] = {"unspecified",
	    "unexpected message in OpenSent",
	    "unexpected message in OpenConfirm",
	    "unexpected message in Established"};
	static const char *const cease[] = {"unspecific",
	    "maximum number of prefixes reached", "administrative shutdown",
	    "peer de-configured", "administrative reset", "connection rejected",
	    "other configuration change", "connection collision resolution",
	    "out of resources", "hard reset", "BFD down"};
	switch (code) {
	case NK_BGP_E_HEADER:
		return sub < 4 ? hdr[sub] : "unknown";
	case NK_BGP_E_OPEN:
		return sub < 9 ? open[sub] : "unknown";
	case NK_BGP_E_UPDATE:
		return sub < 12 ? upd[sub] : "unknown";
	case NK_BGP_E_FSM:
		return sub < 4 ? fsm[sub] : "unknown";
	case NK_BGP_E_CEASE:
		return sub < 11 ? cease[sub] : "unknown";
	default:
		return sub == 0 ? "unspecific" : "unknown";
	}
}

char *
nk_bgpmsg_notify_reason(const struct nk_bgp_notify *n, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (n->code == NK_BGP_E_HOLD)
		(void)snprintf(buf, len, "hold timer expired");
	else if (n->code == NK_BGP_E_CEASE)
		(void)snprintf(buf, len, "%s%s%s%s",
		    nk_bgpmsg_subcode_name(n->code, n->subcode),
		    n->has_text ? " '" : "", n->has_text ? n->text : "",
		    n->has_text ? "'" : "");
	else
		(void)snprintf(buf, len, "%s: %s", nk_bgpmsg_code_name(n->code),
		    nk_bgpmsg_subcode_name(n->code, n->subcode));
	return buf;
}
