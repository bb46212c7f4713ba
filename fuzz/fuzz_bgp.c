/*
 * Fuzz target for lib/bgp: the first byte holds the decoding options (bit 0
 * 4-octet AS, bit 1 ADD-PATH, bit 2 TABLE_DUMP_V2 abbreviated MP_REACH),
 * the rest is one BGP message. UPDATEs go through every decoder: split,
 * attributes, withdrawn/announced/MP NLRI, AS4 merge, formatting.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk_nlri(const uint8_t *p, size_t len, int family, int addpath)
{
	struct nk_rd r = nk_rd_make(p, len);
	struct nk_prefix pfx;
	uint32_t id;

	while (nk_bgp_nlri_next(&r, family, addpath != 0, &pfx, &id) == 1)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_bgp_msg m;
	struct nk_bgp_update u;
	struct nk_bgp_attrs a;
	struct nk_bgp_aspath path;
	const char *cause;
	char buf[1024];

	if (size < 1)
		return 0;
	struct nk_bgp_opts o = {.as4 = (data[0] & 1) != 0,
	    .addpath = (data[0] & 2) != 0,
	    .mrt_rib = (data[0] & 4) != 0,
	    .rib_family = (data[0] & 8) ? AF_INET6 : AF_INET};
	if (nk_bgp_msg_parse(data + 1, size - 1, &m, &cause) < 0)
		return 0;
	if (m.type != NK_BGP_UPDATE)
		return 0;
	uint16_t eor_afi = 0;
	uint8_t eor_safi = 0;
	(void)nk_bgp_update_eor(m.body, m.body_len, &eor_afi, &eor_safi);
	(void)nk_bgp_update_mp_afi(m.body, m.body_len, NK_AFI_IPV6);
	if (nk_bgp_update_split(m.body, m.body_len, &u, &cause) < 0)
		return 0;
	nk_bgp_attrs_parse(u.attrs, u.attrs_len, &o, &a);
	walk_nlri(u.withdrawn, u.withdrawn_len, AF_INET, o.addpath);
	walk_nlri(u.nlri, u.nlri_len, AF_INET, o.addpath);
	if (nk_bgp_has(&a, NK_BGP_A_MP_REACH))
		walk_nlri(a.mp_reach.nlri, a.mp_reach.nlri_len,
		    a.mp_reach.afi == 2 ? AF_INET6 : AF_INET, o.addpath);
	if (nk_bgp_has(&a, NK_BGP_A_MP_UNREACH))
		walk_nlri(a.mp_unreach.nlri, a.mp_unreach.nlri_len,
		    a.mp_unreach.afi == 2 ? AF_INET6 : AF_INET, o.addpath);
	if (nk_bgp_attrs_aspath(&a, &path) == 0) {
		(void)nk_bgp_aspath_fmt(&path, buf, sizeof(buf));
		(void)nk_bgp_aspath_origin(&path);
	}
	uint32_t as;
	struct nk_addr addr;
	(void)nk_bgp_attrs_aggregator(&a, &as, &addr);
	return 0;
}
