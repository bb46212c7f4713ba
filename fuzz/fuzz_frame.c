/*
 * Fuzz target of lib/frame, stormwatch's frame decoder. The first byte
 * picks the link type (its top bit claims a longer wire length, as in a
 * truncated capture); the rest is one captured frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {NK_DLT_EN10MB, NK_DLT_LINUX_SLL, NK_DLT_LINUX_SLL2,
    NK_DLT_RAW, NK_DLT_IPV6, 9 /* PPP: refused */};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_frame f;
	uint8_t *copy;

	if (size < 1)
		return 0;
	int dlt = dlts[(data[0] & 0x7f) % (sizeof(dlts) / sizeof(dlts[0]))];
	size_t n = size - 1;
	/* an exact-size copy: any read past caplen is a heap overflow */
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, n);
	size_t len = (data[0] & 0x80) ? n + 100 : n;
	if (nk_frame_decode(dlt, copy, n, len, NK_FRAME_VERIFY_L4, &f) == 0) {
		/* what the engine reads must be consistent */
		if (f.truncated == false && len > n)
			abort();
		if (f.echo && f.echo_payload_len > n)
			abort();
		(void)nk_frame_dst_is_group(&f);
	}
	free(copy);
	return 0;
}
