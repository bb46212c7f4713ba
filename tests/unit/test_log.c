#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* Everything written since the last reset, NUL-terminated. */
static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static int
setup(void **state)
{
	(void)state;
	cap = open_memstream(&cap_buf, &cap_len);
	if (cap == NULL)
		return -1;
	nk_log_init("multiping", NK_LOG_INFO, false);
	nk_log_set_stream(cap);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nk_log_set_stream(NULL);
	(void)fclose(cap);
	free(cap_buf);
	cap_buf = NULL;
	return 0;
}

static const char *
captured(void)
{
	assert_int_equal(fflush(cap), 0);
	return cap_buf;
}

/* Check "ts=<RFC 3339 within 5 s of now> " and return what follows it. */
static const char *
after_ts(const char *line)
{
	char ts[32];
	int64_t ns;

	assert_non_null(line);
	assert_memory_equal(line, "ts=", 3);
	assert_true(strlen(line) > 3 + 24);
	memcpy(ts, line + 3, 24);
	ts[24] = '\0';
	assert_int_equal(ts[23], 'Z');
	assert_int_equal(nk_clock_parse_rfc3339(ts, &ns), 0);
	int64_t d = nk_clock_real_ns() - ns;
	assert_true(d >= 0 && d < 5 * NK_NS_PER_SEC);
	assert_int_equal(line[27], ' ');
	return line + 28;
}

static void
test_line_format(void **state)
{
	(void)state;
	nk_log(NK_LOG_WARN, "loss", "target=%s seq=%d run=%d", "192.0.2.7",
	    4711, 3);
	assert_string_equal(after_ts(captured()),
	    "tool=multiping level=warn event=loss target=192.0.2.7 seq=4711 "
	    "run=3\n");
}

static void
test_no_fields_and_levels(void **state)
{
	(void)state;
	nk_log_set_level(NK_LOG_DEBUG);
	nk_log(NK_LOG_ERR, "a", NULL);
	nk_log(NK_LOG_WARN, "b", NULL);
	nk_log(NK_LOG_INFO, "c", "k=v");
	nk_log(NK_LOG_DEBUG, "d", NULL);
	const char *s = captured();
	const char *want[] = {"tool=multiping level=error event=a\n",
	    "tool=multiping level=warn event=b\n",
	    "tool=multiping level=info event=c k=v\n",
	    "tool=multiping level=debug event=d\n"};
	for (size_t i = 0; i < 4; i++) {
		const char *rest = after_ts(s);
		size_t n = strlen(want[i]);
		assert_true(strncmp(rest, want[i], n) == 0);
		s = rest + n;
	}
	assert_string_equal(s, "");
	assert_string_equal(nk_log_level_name(NK_LOG_ERR), "error");
	assert_string_equal(nk_log_level_name(NK_LOG_DEBUG), "debug");
}

static void
test_level_filter(void **state)
{
	(void)state;
	nk_log_set_level(NK_LOG_WARN);
	assert_int_equal(nk_log_get_level(), NK_LOG_WARN);
	nk_log(NK_LOG_INFO, "dropped", NULL);
	nk_log(NK_LOG_DEBUG, "dropped", NULL);
	assert_string_equal(captured(), "");
	nk_log(NK_LOG_WARN, "kept", NULL);
	nk_log(NK_LOG_ERR, "kept2", NULL);
	const char *s = captured();
	assert_null(strstr(s, "dropped"));
	assert_non_null(strstr(s, "level=warn event=kept\n"));
	assert_non_null(strstr(s, "level=error event=kept2\n"));

	nk_log_set_level(NK_LOG_ERR);
	size_t before = strlen(captured());
	nk_log(NK_LOG_WARN, "dropped", NULL);
	assert_int_equal(strlen(captured()), before);
}

static void
test_init_again(void **state)
{
	(void)state;
	nk_log_init("bgpwatch", NK_LOG_ERR, false);
	nk_log_set_stream(cap);
	nk_log(NK_LOG_WARN, "dropped", NULL);
	nk_log(NK_LOG_ERR, "session_down", "peer=%s", "192.0.2.1");
	assert_string_equal(after_ts(captured()),
	    "tool=bgpwatch level=error event=session_down peer=192.0.2.1\n");
	nk_log_init(NULL, NK_LOG_INFO, false);
	nk_log(NK_LOG_INFO, "x", NULL);
	assert_non_null(strstr(captured(), "\n"));
	assert_non_null(strstr(
	    strchr(captured(), '\n') + 1, " tool=nockit level=info event=x\n"));
}

static void
test_str_escaping(void **state)
{
	(void)state;
	char b[64];
	const struct {
		const char *in, *out;
	} cases[] = {
	    {"abc", "abc"},
	    {"192.0.2.7:993", "192.0.2.7:993"},
	    {"a b", "\"a b\""},
	    {"say \"hi\"", "\"say \\\"hi\\\"\""},
	    {"\"", "\"\\\"\""},
	    {"a=b", "\"a=b\""},
	    {"x\ny", "x\\ny"},
	    {"x\r\n", "x\\x0d\\n"},
	    {"\t", "\\x09"},
	    {"\x1b[0m", "\\x1b[0m"},
	    {"\x7f", "\\x7f"},
	    {"caf\xc3\xa9", "caf\\xc3\\xa9"},
	    {"\xff", "\\xff"},
	    {"back\\slash", "back\\\\slash"},
	    {"OK Dovecot ready.\r\n", "\"OK Dovecot ready.\\x0d\\n\""},
	    {"", "\"\""},
	    {"~!#$%&'()*+,-./:;<>?@[]^_`{|}", "~!#$%&'()*+,-./:;<>?@[]^_`{|}"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ptr_equal(nk_log_str(b, sizeof(b), cases[i].in), b);
		if (strcmp(b, cases[i].out) != 0)
			fail_msg("'%s' -> '%s', want '%s'", cases[i].in, b,
			    cases[i].out);
	}
	assert_string_equal(nk_log_str(b, sizeof(b), NULL), "\"\"");
}

static void
test_bytes_escaping(void **state)
{
	(void)state;
	char b[64];
	const uint8_t data[] = {'a', 0, 'b', ' ', 0x80};

	assert_string_equal(nk_log_bytes(b, sizeof(b), data, sizeof(data)),
	    "\"a\\x00b \\x80\"");
	assert_string_equal(nk_log_bytes(b, sizeof(b), data, 1), "a");
	assert_string_equal(nk_log_bytes(b, sizeof(b), data, 0), "\"\"");
	assert_string_equal(nk_log_bytes(b, sizeof(b), NULL, 5), "\"\"");
}

static void
test_str_truncation(void **state)
{
	(void)state;
	char b[64];

	assert_string_equal(nk_log_str(b, 11, "abcdefghij"), "abcdefghij");
	assert_string_equal(nk_log_str(b, 10, "abcdefghij"), "abcdef...");
	assert_string_equal(nk_log_str(b, 8, "abcdefghij"), "abcd...");
	assert_string_equal(nk_log_str(b, 9, "a b c d e"), "\"a b...\"");
	/* Escapes are never split. */
	assert_string_equal(nk_log_str(b, 9, "\n\n\n\n\n"), "\\n\\n...");
	assert_string_equal(nk_log_str(b, 8, "\xff\xff\xff"), "\\xff...");
	assert_string_equal(nk_log_str(b, 7, "\xff\xff\xff"), "...");
	assert_string_equal(nk_log_str(b, 4, "abcdef"), "...");
	assert_string_equal(nk_log_str(b, 3, "abcdef"), "");
	assert_string_equal(nk_log_str(b, 5, "a bcdef"), "");
	assert_string_equal(nk_log_str(b, 1, "a"), "");
	b[0] = 'x';
	nk_log_str(b, 0, "a");
	assert_int_equal(b[0], 'x');

	/* Every length stays within len-1 and does not write past it. */
	const char *s = "OK \"imap\" \x01 ready\n=done";
	char want[64];
	nk_log_str(want, sizeof(want), s);
	for (size_t len = 1; len < 48; len++) {
		memset(b, '#', sizeof(b));
		nk_log_str(b, len, s);
		assert_true(strlen(b) <= len - 1);
		assert_int_equal(b[len], '#');
		if (len > strlen(want))
			assert_string_equal(b, want);
		else if (len > 6)
			assert_non_null(strstr(b, "...\""));
	}
}

static void
test_long_line_cut(void **state)
{
	(void)state;
	char *big = malloc(2 * NK_LOG_LINE_MAX);
	assert_non_null(big);
	memset(big, 'x', 2 * NK_LOG_LINE_MAX - 1);
	big[2 * NK_LOG_LINE_MAX - 1] = '\0';

	nk_log(NK_LOG_INFO, "big", "v=%s", big);
	free(big);
	const char *s = captured();
	size_t n = strlen(s);
	assert_int_equal(n, NK_LOG_LINE_MAX - 1);
	assert_string_equal(s + n - 4, "...\n");
	assert_ptr_equal(strchr(s, '\n'), s + n - 1);
}

static void
test_raw_newline_folded(void **state)
{
	(void)state;
	nk_log(NK_LOG_INFO, "banner", "text=%s", "line1\nline2\r");
	const char *rest = after_ts(captured());
	assert_string_equal(
	    rest, "tool=multiping level=info event=banner text=line1 line2 \n");
}

static void
test_event_name_escaped(void **state)
{
	(void)state;
	nk_log(NK_LOG_INFO, "bad event", NULL);
	assert_string_equal(after_ts(captured()),
	    "tool=multiping level=info event=\"bad event\"\n");
}

/* A stream with a descriptor goes out with write(2) after stdio's data. */
static void
test_fd_stream_order(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	char got[512];

	assert_non_null(f);
	nk_log_set_stream(f);
	assert_true(fputs("before\n", f) >= 0);
	nk_log(NK_LOG_INFO, "one", "n=%d", 1);
	nk_log(NK_LOG_INFO, "two", "n=%d", 2);
	rewind(f);
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	(void)fclose(f);
	nk_log_set_stream(cap);

	assert_memory_equal(got, "before\n", 7);
	const char *l2 = strchr(got + 7, '\n');
	assert_non_null(l2);
	assert_true(strncmp(after_ts(got + 7),
			"tool=multiping level=info event=one n=1\n", 40) == 0);
	assert_string_equal(
	    after_ts(l2 + 1), "tool=multiping level=info event=two n=2\n");
}

/* In syslog mode lines have no ts= (syslog stamps them). */
static void
test_syslog_mode_line(void **state)
{
	(void)state;
	nk_log_init("multiping", NK_LOG_INFO, true);
	nk_log_set_stream(cap);
	nk_log(NK_LOG_DEBUG, "dropped", NULL);
	nk_log(NK_LOG_WARN, "loss", "target=%s", "192.0.2.7");
	assert_string_equal(captured(),
	    "tool=multiping level=warn event=loss target=192.0.2.7\n");
	nk_log_init("multiping", NK_LOG_INFO, false);
	nk_log(NK_LOG_INFO, "back", NULL);
	const char *second = strchr(captured(), '\n') + 1;
	assert_string_equal(
	    after_ts(second), "tool=multiping level=info event=back\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_no_fields_and_levels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_level_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_init_again, setup, teardown),
	    cmocka_unit_test(test_str_escaping),
	    cmocka_unit_test(test_bytes_escaping),
	    cmocka_unit_test(test_str_truncation),
	    cmocka_unit_test_setup_teardown(
		test_long_line_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_raw_newline_folded, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_event_name_escaped, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fd_stream_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_syslog_mode_line, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
