#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "siphash.h"

/* Vectors from the SipHash paper's reference implementation (vectors.h):
 * key 00..0f, message 00..(n-1). */
static void
test_reference_vectors(void **state)
{
	(void)state;
	uint8_t key[16], msg[64];

	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	assert_true(nk_siphash24(key, msg, 0) == UINT64_C(0x726fdb47dd0e0e31));
	assert_true(nk_siphash24(key, msg, 1) == UINT64_C(0x74f839c593dc67fd));
	assert_true(nk_siphash24(key, msg, 8) == UINT64_C(0x93f5f5799a932462));
	assert_true(nk_siphash24(key, msg, 15) == UINT64_C(0xa129ca6149be45e5));
	assert_true(nk_siphash24(key, msg, 63) == UINT64_C(0x958a324ceb064572));
}

static void
test_key_and_message_matter(void **state)
{
	(void)state;
	uint8_t k1[16] = {0}, k2[16] = {0}, m[18] = {0};

	k2[15] = 1;
	uint64_t a = nk_siphash24(k1, m, sizeof(m));
	assert_true(a != nk_siphash24(k2, m, sizeof(m)));
	m[17] ^= 1;
	assert_true(a != nk_siphash24(k1, m, sizeof(m)));
	assert_true(nk_siphash24(k1, NULL, 0) == nk_siphash24(k1, m, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference_vectors),
	    cmocka_unit_test(test_key_and_message_matter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
