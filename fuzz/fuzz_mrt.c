/*
 * Fuzz target for lib/mrt: the input is a stream of MRT records (header +
 * body); each is decoded with one context, as bgpwatch's walker does, and
 * every element's AS path is formatted.
 */
#include <stddef.h>
#include <stdint.h>

#include "mrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
visit(void *arg, const struct nk_mrt_elem *e)
{
	size_t *n = arg;
	char buf[512];
	struct nk_bgp_aspath p;

	(*n)++;
	if (e->attrs != NULL && nk_bgp_attrs_aspath(e->attrs, &p) == 0)
		(void)nk_bgp_aspath_fmt(&p, buf, sizeof(buf));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_mrt_ctx ctx;
	size_t off = 0, n = 0;

	nk_mrt_ctx_init(&ctx);
	while (size - off >= NK_MRT_HDR_LEN) {
		struct nk_mrt_hdr h;
		struct nk_err err;
		if (nk_mrt_hdr_parse(data + off, size - off, &h) < 0)
			break;
		size_t left = size - off - NK_MRT_HDR_LEN;
		size_t len = h.len < left ? h.len : left;
		(void)nk_mrt_record_parse(&ctx, &h, data + off + NK_MRT_HDR_LEN,
		    len, visit, &n, &err);
		off += NK_MRT_HDR_LEN + len;
	}
	nk_mrt_ctx_fini(&ctx);
	return 0;
}
