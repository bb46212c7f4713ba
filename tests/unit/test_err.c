#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <string.h>

#include "err.h"

static void
test_set_and_prefix(void **state)
{
	(void)state;
	struct nk_err err = {{0}};

	nk_err_set(&err, "AS_PATH length %d > %d bytes left", 300, 212);
	nk_err_prefix(&err, "mrt %s offset %d", "rib.mrt", 18234);
	assert_string_equal(nk_err_msg(&err),
	    "mrt rib.mrt offset 18234: AS_PATH length 300 > 212 bytes left");
}

static void
test_one_line_and_truncation(void **state)
{
	(void)state;
	struct nk_err err;
	char big[2 * NK_ERR_MAX];

	nk_err_set(&err, "line one\nline two\r");
	assert_null(strchr(nk_err_msg(&err), '\n'));
	assert_string_equal(nk_err_msg(&err), "line one line two ");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nk_err_set(&err, "%s", big);
	assert_int_equal(strlen(nk_err_msg(&err)), NK_ERR_MAX - 1);
}

static void
test_null_err(void **state)
{
	(void)state;
	nk_err_set(NULL, "ignored %d", 1);
	nk_err_prefix(NULL, "ignored");
	assert_string_equal(nk_err_msg(NULL), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_prefix),
		cmocka_unit_test(test_one_line_and_truncation),
		cmocka_unit_test(test_null_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
