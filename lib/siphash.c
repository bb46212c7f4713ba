/* siphash: SipHash-2-4, the reference algorithm on little-endian words. */
#include "siphash.h"

#include "rd.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

static uint64_t
le64(struct nk_rd *r)
{
	uint64_t lo = nk_rd_le32(r);
	uint64_t hi = nk_rd_le32(r);
	return hi << 32 | lo;
}

uint64_t
nk_siphash24(const uint8_t key[NK_SIPHASH_KEY_LEN], const uint8_t *data,
    size_t len)
{
	struct nk_rd kr = nk_rd_make(key, NK_SIPHASH_KEY_LEN);
	struct nk_rd r = nk_rd_make(data, len);
	uint64_t k0 = le64(&kr), k1 = le64(&kr);
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m, b = (uint64_t)len << 56;

	while (nk_rd_left(&r) >= 8) {
		m = le64(&r);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (unsigned i = 0; nk_rd_left(&r) > 0; i++)
		b |= (uint64_t)nk_rd_u8(&r) << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
