/* Fuzz target: a BMP stream (RFC 7854/9069) framed and decoded as the
 * collector does: header, message, the TLVs and Stats of each, the UPDATE
 * of Route Monitoring into MRT elements, the NOTIFICATION of Peer Down and
 * the OPENs of Peer Up. */
#include <stddef.h>
#include <stdint.h>

#include "bgp.h"
#include "bgpmsg.h"
#include "bmp.h"
#include "mrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
elem_cb(void *arg, const struct nk_mrt_elem *e)
{
	(void)arg;
	(void)e;
	return 0;
}

static void
open_pdu(const uint8_t *p, size_t n)
{
	struct nk_bgp_open o;
	uint8_t code, sub;
	const char *cause;
	if (p != NULL && n >= NK_BGP_HDR_LEN)
		(void)nk_bgpmsg_open_parse(p + NK_BGP_HDR_LEN,
		    n - NK_BGP_HDR_LEN, &o, &code, &sub, &cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	struct nk_mrt_ctx ctx;

	nk_mrt_ctx_init(&ctx);
	while (off < size) {
		struct nk_bmp_hdr h;
		struct nk_bmp_msg m;
		const char *cause = NULL;
		if (nk_bmp_hdr_parse(data + off, size - off, &h, &cause) != 0 ||
		    h.len > size - off)
			break;
		if (nk_bmp_msg_parse(data + off, h.len, &m, &cause) == 0) {
			struct nk_rd r = nk_rd_make(m.tlvs, m.tlvs_len);
			uint16_t t, l, afi;
			const uint8_t *v;
			uint64_t val;
			uint8_t safi;
			bool known;
			if (m.h.type == NK_BMP_STATS)
				while (nk_bmp_stat_next(&r, &t, &val, &afi,
					   &safi, &known) == 1)
					;
			else
				while (nk_bmp_tlv_next(&r, &t, &v, &l) == 1)
					;
			if (m.h.type == NK_BMP_ROUTE_MONITORING) {
				struct nk_mrt_elem proto = {0};
				struct nk_err err;
				(void)nk_mrt_update_elems(&ctx, &proto,
				    m.pdu + NK_BGP_HDR_LEN,
				    m.pdu_len - NK_BGP_HDR_LEN, !m.peer.as2,
				    elem_cb, NULL, &err);
			} else if (m.h.type == NK_BMP_PEER_DOWN &&
			    m.pdu != NULL) {
				struct nk_bgp_notify n;
				char why[300];
				if (nk_bgpmsg_notify_parse(
					m.pdu + NK_BGP_HDR_LEN,
					m.pdu_len - NK_BGP_HDR_LEN, &n) == 0)
					(void)nk_bgpmsg_notify_reason(
					    &n, why, sizeof(why));
			} else if (m.h.type == NK_BMP_PEER_UP) {
				open_pdu(m.sent_open, m.sent_open_len);
				open_pdu(m.recv_open, m.recv_open_len);
			}
		}
		off += h.len;
	}
	nk_mrt_ctx_fini(&ctx);
	return 0;
}
