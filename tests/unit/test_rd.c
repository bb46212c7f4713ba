#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include "rd.h"

static void
test_reads_big_endian(void **state)
{
	(void)state;
	const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));

	assert_int_equal(nk_rd_u8(&r), 0x01);
	assert_int_equal(nk_rd_be16(&r), 0x0203);
	assert_int_equal(nk_rd_be24(&r), 0x040506);
	assert_int_equal(nk_rd_be32(&r), 0x0708090a);
	assert_true(nk_rd_be64(&r) == 0x0b0c0d0e0f101112ull);
	assert_true(nk_rd_done(&r));
}

static void
test_little_endian(void **state)
{
	(void)state;
	const uint8_t buf[] = {0x34, 0x12, 0x78, 0x56, 0x34, 0x12};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));

	assert_int_equal(nk_rd_le16(&r), 0x1234);
	assert_int_equal(nk_rd_le32(&r), 0x12345678);
	assert_true(nk_rd_done(&r));
}

static void
test_overrun_is_sticky_and_returns_zero(void **state)
{
	(void)state;
	const uint8_t buf[] = {0xff, 0xee, 0xdd};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));

	assert_int_equal(nk_rd_be32(&r), 0);
	assert_false(nk_rd_ok(&r));
	/* Even a read that would fit now fails: the error is sticky. */
	assert_int_equal(nk_rd_u8(&r), 0);
	assert_int_equal(nk_rd_left(&r), 0);
	assert_false(nk_rd_done(&r));
}

static void
test_sub_reader_cannot_widen(void **state)
{
	(void)state;
	/* A length field claims 200 bytes, only 3 follow. */
	const uint8_t buf[] = {200, 0xaa, 0xbb, 0xcc};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));
	uint8_t claimed = nk_rd_u8(&r);
	struct nk_rd c = nk_rd_sub(&r, claimed);

	assert_false(nk_rd_ok(&c));
	assert_false(nk_rd_ok(&r));
	assert_int_equal(nk_rd_u8(&c), 0);
	assert_null(nk_rd_ptr(&c, 1));
}

static void
test_sub_reader_bounds_child(void **state)
{
	(void)state;
	const uint8_t buf[] = {2, 0xaa, 0xbb, 0xcc};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));
	struct nk_rd c = nk_rd_sub(&r, nk_rd_u8(&r));

	assert_int_equal(nk_rd_be16(&c), 0xaabb);
	assert_true(nk_rd_done(&c));
	/* The child may not read the parent's next byte. */
	assert_int_equal(nk_rd_u8(&c), 0);
	assert_false(nk_rd_ok(&c));
	/* The parent is unaffected and continues after the child. */
	assert_true(nk_rd_ok(&r));
	assert_int_equal(nk_rd_u8(&r), 0xcc);
	assert_true(nk_rd_done(&r));
}

static void
test_bytes_ptr_skip_peek(void **state)
{
	(void)state;
	const uint8_t buf[] = {1, 2, 3, 4, 5, 6};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));
	uint8_t out[2];

	assert_int_equal(nk_rd_peek(&r, 5), 6);
	assert_int_equal(nk_rd_peek(&r, 6), 0);
	nk_rd_bytes(&r, out, 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 2);
	nk_rd_skip(&r, 1);
	const uint8_t *p = nk_rd_ptr(&r, 2);
	assert_non_null(p);
	assert_int_equal(p[0], 4);
	assert_int_equal(nk_rd_left(&r), 1);
	nk_rd_bytes(&r, out, 2);
	assert_false(nk_rd_ok(&r));
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
}

static void
test_null_and_empty(void **state)
{
	(void)state;
	struct nk_rd r = nk_rd_make(NULL, 10);

	assert_int_equal(nk_rd_left(&r), 0);
	assert_int_equal(nk_rd_u8(&r), 0);
	assert_false(nk_rd_ok(&r));

	struct nk_rd e = nk_rd_make((const uint8_t *)"", 0);
	assert_true(nk_rd_done(&e));
	struct nk_rd z = nk_rd_sub(&e, 0);
	assert_true(nk_rd_done(&z));
}

static void
test_fail_marks_reader(void **state)
{
	(void)state;
	const uint8_t buf[] = {9};
	struct nk_rd r = nk_rd_make(buf, sizeof(buf));
	nk_rd_fail(&r);
	assert_int_equal(nk_rd_u8(&r), 0);
	assert_false(nk_rd_ok(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_big_endian),
		cmocka_unit_test(test_little_endian),
		cmocka_unit_test(test_overrun_is_sticky_and_returns_zero),
		cmocka_unit_test(test_sub_reader_cannot_widen),
		cmocka_unit_test(test_sub_reader_bounds_child),
		cmocka_unit_test(test_bytes_ptr_skip_peek),
		cmocka_unit_test(test_null_and_empty),
		cmocka_unit_test(test_fail_marks_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
