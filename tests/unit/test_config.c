#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static struct nk_config *
parse_ok(const char *text)
{
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};

	if (nk_config_parse(
		"t.conf", (const uint8_t *)text, strlen(text), &cfg, &err) != 0)
		fail_msg("parse failed: %s", nk_err_msg(&err));
	return cfg;
}

static void
expect_error(const char *text, const char *want)
{
	struct nk_config *cfg = (struct nk_config *)0x1;
	struct nk_err err = {{0}};

	if (nk_config_parse("x.conf", (const uint8_t *)text, strlen(text), &cfg,
		&err) != -1)
		fail_msg("accepted: %s", text);
	assert_ptr_equal(cfg, (struct nk_config *)0x1); /* untouched */
	if (strcmp(nk_err_msg(&err), want) != 0)
		fail_msg("got '%s' want '%s'", nk_err_msg(&err), want);
}

static void
test_basic(void **state)
{
	(void)state;
	struct nk_config *cfg = parse_ok(
	    "# leading comment\n"
	    "interval = 1s\n"
	    "\n"
	    "; another comment\n"
	    "[probe]\n"
	    "  target = 192.0.2.1  \n"
	    "target=192.0.2.2\n"
	    "\ttarget\t=\t192.0.2.3\n"
	    "name = value with spaces\n"
	    "quoted = \"  keep \\\"spaces\\\" \\\\ \"   # trailing comment\n"
	    "url = http://x/#frag ; not a comment\n"
	    "empty =\n"
	    "[group oak-harbor]\n"
	    "count = 3\n"
	    "[ group   \"two words\" ]  ; comment\n"
	    "count = 4\n"
	    "[probe]\n"
	    "target = 198.51.100.1\n");

	assert_string_equal(nk_config_name(cfg), "t.conf");
	assert_int_equal(nk_config_n_sections(cfg), 5);

	const struct nk_config_section *top = nk_config_find(cfg, "", NULL);
	assert_non_null(top);
	assert_ptr_equal(top, nk_config_section_at(cfg, 0));
	assert_string_equal(nk_config_get(top, "interval", NULL), "1s");

	const struct nk_config_section *s = nk_config_find(cfg, "probe", NULL);
	assert_non_null(s);
	assert_ptr_equal(s, nk_config_section_at(cfg, 1));
	assert_int_equal(nk_config_section_line(s), 5);
	assert_string_equal(nk_config_section_label(s), "");
	assert_int_equal(nk_config_n_entries(s), 7);

	/* A repeated key: every value kept in order, get returns the first. */
	const char *want[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
	for (size_t i = 0; i < 3; i++) {
		const char *k = NULL, *v = NULL;
		unsigned line = 0;
		nk_config_entry_at(s, i, &k, &v, &line);
		assert_string_equal(k, "target");
		assert_string_equal(v, want[i]);
		assert_int_equal(line, 6 + i);
	}
	unsigned line = 0;
	assert_string_equal(nk_config_get(s, "target", &line), "192.0.2.1");
	assert_int_equal(line, 6);
	assert_string_equal(
	    nk_config_get(s, "name", NULL), "value with spaces");
	assert_string_equal(
	    nk_config_get(s, "quoted", NULL), "  keep \"spaces\" \\ ");
	assert_string_equal(
	    nk_config_get(s, "url", NULL), "http://x/#frag ; not a comment");
	assert_string_equal(nk_config_get(s, "empty", NULL), "");
	assert_null(nk_config_get(s, "missing", NULL));
	assert_null(nk_config_get(NULL, "target", NULL));

	/* Labels. */
	const struct nk_config_section *g =
	    nk_config_find(cfg, "group", "oak-harbor");
	assert_non_null(g);
	assert_string_equal(nk_config_section_name(g), "group");
	assert_string_equal(nk_config_section_label(g), "oak-harbor");
	assert_string_equal(nk_config_get(g, "count", NULL), "3");
	g = nk_config_find(cfg, "group", "two words");
	assert_non_null(g);
	assert_string_equal(nk_config_get(g, "count", NULL), "4");
	assert_int_equal(nk_config_section_line(g), 15);
	assert_null(nk_config_find(cfg, "group", "elm"));
	assert_null(nk_config_find(cfg, "nosuch", NULL));

	/* A repeated section is kept as a second section. */
	const struct nk_config_section *p2 = nk_config_section_at(cfg, 4);
	assert_string_equal(nk_config_section_name(p2), "probe");
	assert_string_equal(nk_config_get(p2, "target", NULL), "198.51.100.1");
	assert_null(nk_config_section_at(cfg, 5));
	nk_config_free(cfg);
	nk_config_free(NULL);
}

static void
test_no_top_level_and_empty(void **state)
{
	(void)state;
	struct nk_config *cfg = parse_ok("[a]\nx = 1\n");
	assert_null(nk_config_find(cfg, "", NULL));
	assert_int_equal(nk_config_n_sections(cfg), 1);
	nk_config_free(cfg);

	cfg = parse_ok("");
	assert_int_equal(nk_config_n_sections(cfg), 0);
	nk_config_free(cfg);

	/* CRLF, BOM, no final newline. */
	cfg = parse_ok("\xef\xbb\xbfk = v\r\n[s]\r\nq = \"x\"\r\nlast = 1");
	const struct nk_config_section *top = nk_config_find(cfg, "", NULL);
	assert_string_equal(nk_config_get(top, "k", NULL), "v");
	const struct nk_config_section *s = nk_config_find(cfg, "s", NULL);
	assert_string_equal(nk_config_get(s, "q", NULL), "x");
	unsigned line = 0;
	assert_string_equal(nk_config_get(s, "last", &line), "1");
	assert_int_equal(line, 4);
	nk_config_free(cfg);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error(
	    "a = 1\n\njunk line\n", "x.conf:3: expected 'key = value'");
	expect_error("= 1\n", "x.conf:1: expected 'key = value' (empty key)");
	expect_error("a = 1\nb = \"open\n", "x.conf:2: unterminated quote");
	expect_error(
	    "b = \"ends with backslash\\\"\n", "x.conf:1: unterminated quote");
	expect_error("b = \"bad \\n escape\"\n",
	    "x.conf:1: unknown escape in quoted value (only \\\" and \\\\)");
	expect_error("b = \"x\" y\n", "x.conf:1: junk after closing quote");
	expect_error("\n\n[section\n",
	    "x.conf:3: bad section header (missing ']' or junk inside)");
	expect_error("[]\n",
	    "x.conf:1: bad section header (expected [name] or [name label])");
	expect_error("[a b c]\n",
	    "x.conf:1: bad section header (missing ']' or junk inside)");
	expect_error(
	    "[a] x\n", "x.conf:1: bad section header (junk after ']')");
	expect_error("[a \"open]\n", "x.conf:1: unterminated quote");
	expect_error("[a$]\n",
	    "x.conf:1: bad section header (missing ']' or junk inside)");
	expect_error("my key = 1\n",
	    "x.conf:1: bad key 'my key' (letters, digits, _ . -)");
	expect_error("ok = 1\nbell = \a\n", "x.conf:2: control character 0x07");
	expect_error("a = 1\r\nb = x\ry\n", "x.conf:2: control character 0x0d");

	const char nul[] = "a = 1\nb = x\0y\n";
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};
	assert_int_equal(nk_config_parse("n.conf", (const uint8_t *)nul,
			     sizeof(nul) - 1, &cfg, &err),
	    -1);
	assert_string_equal(nk_err_msg(&err), "n.conf:2: NUL byte");
	assert_null(cfg);

	/* NULL name: "config". */
	assert_int_equal(
	    nk_config_parse(NULL, (const uint8_t *)"x\n", 2, &cfg, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "config:1: expected 'key = value'");
}

static void
test_line_length(void **state)
{
	(void)state;
	/* 4096 bytes is fine (also with CRLF), 4097 is too long. */
	size_t n = 4096 + 64;
	char *text = malloc(n);
	assert_non_null(text);
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};

	memset(text, 'v', n);
	memcpy(text, "a\nk = ", 6); /* line 2 starts at offset 2 */
	size_t end = 2 + 4096;
	memcpy(text + end, "\r\n", 2);
	assert_int_equal(nk_config_parse("l.conf", (const uint8_t *)text,
			     end + 2, &cfg, &err),
	    -1); /* line 1 "a" is bad: proves line counting */
	assert_string_equal(
	    nk_err_msg(&err), "l.conf:1: expected 'key = value'");

	memcpy(text, "#\nk = ", 6);
	assert_int_equal(nk_config_parse("l.conf", (const uint8_t *)text,
			     end + 2, &cfg, &err),
	    0);
	const char *v = nk_config_get(nk_config_find(cfg, "", NULL), "k", NULL);
	assert_non_null(v);
	assert_int_equal(strlen(v), 4096 - 4);
	nk_config_free(cfg);

	text[end] = 'v'; /* now 4097 bytes before the '\n' */
	cfg = NULL;
	assert_int_equal(nk_config_parse("l.conf", (const uint8_t *)text,
			     end + 2, &cfg, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "l.conf:2: line too long (> 4096 bytes)");
	/* Much longer, no newline at all. */
	assert_int_equal(
	    nk_config_parse("l.conf", (const uint8_t *)text, n, &cfg, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "l.conf:2: line too long (> 4096 bytes)");
	assert_null(cfg);
	free(text);

	/* Over 16 MiB: refused before parsing. */
	assert_int_equal(nk_config_parse("big.conf", (const uint8_t *)"",
			     (16u << 20) + 1, &cfg, &err),
	    -1);
	assert_string_equal(nk_err_msg(&err), "big.conf: larger than 16 MiB");
}

static void
test_too_many_entries(void **state)
{
	(void)state;
	const size_t n_lines = 100001;
	char *text = malloc(n_lines * 4);
	assert_non_null(text);
	for (size_t i = 0; i < n_lines; i++)
		memcpy(text + 4 * i, "k=1\n", 4);
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};
	/* Sections count too: 99999 entries + the implicit "" section fill
	 * the 100000 items, so line 100000 is one too many. */
	assert_int_equal(nk_config_parse("m.conf", (const uint8_t *)text,
			     n_lines * 4, &cfg, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "m.conf:100000: too many entries (> 100000)");
	assert_int_equal(nk_config_parse("m.conf", (const uint8_t *)text,
			     (size_t)99999 * 4, &cfg, &err),
	    0);
	assert_int_equal(
	    nk_config_n_entries(nk_config_find(cfg, "", NULL)), 99999);
	nk_config_free(cfg);
	free(text);
}

static void
test_getters(void **state)
{
	(void)state;
	struct nk_config *cfg = parse_ok("[p]\n"
					 "count = 5\n"
					 "bad = 12x\n"
					 "big = 300\n"
					 "ratio = 0.25\n"
					 "interval = 1.5s\n"
					 "bare = 2\n"
					 "badtime = 5 parsecs\n"
					 "on = yes\n"
					 "off = Off\n"
					 "maybe = perhaps\n"
					 "buf = 64k\n"
					 "count = 7\n");
	const struct nk_config_section *s = nk_config_find(cfg, "p", NULL);
	struct nk_err err = {{0}};
	uint64_t u = 42;
	double d = -1;
	int64_t ns = -1;
	bool b = false;

	assert_int_equal(
	    nk_config_get_u64(cfg, s, "count", 0, 10, &u, &err), 0);
	assert_true(u == 5); /* the first of repeated keys */
	u = 42;
	assert_int_equal(
	    nk_config_get_u64(cfg, s, "missing", 0, 10, &u, &err), 0);
	assert_true(u == 42); /* missing: untouched, no error */
	assert_int_equal(
	    nk_config_get_u64(cfg, NULL, "count", 0, 10, &u, &err), 0);
	assert_true(u == 42);
	assert_int_equal(nk_config_get_u64(cfg, s, "bad", 0, 10, &u, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "t.conf:3: key 'bad': '12x': not a number");
	assert_int_equal(
	    nk_config_get_u64(cfg, s, "big", 0, 255, &u, &err), -1);
	assert_string_equal(nk_err_msg(&err),
	    "t.conf:4: key 'big': '300': out of range [0, 255]");
	assert_true(u == 42);

	assert_int_equal(
	    nk_config_get_double(cfg, s, "ratio", 0, 1, &d, &err), 0);
	assert_true(d == 0.25);
	assert_int_equal(
	    nk_config_get_double(cfg, s, "bad", 0, 1, &d, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "t.conf:3: key 'bad': '12x': not a number");

	const int64_t sec = INT64_C(1000000000);
	assert_int_equal(nk_config_get_duration_ns(
			     cfg, s, "interval", sec, 0, 60 * sec, &ns, &err),
	    0);
	assert_true(ns == 1500000000);
	assert_int_equal(nk_config_get_duration_ns(
			     cfg, s, "bare", sec, 0, 60 * sec, &ns, &err),
	    0);
	assert_true(ns == 2 * sec);
	assert_int_equal(nk_config_get_duration_ns(
			     cfg, s, "badtime", sec, 0, 60 * sec, &ns, &err),
	    -1);
	assert_non_null(strstr(nk_err_msg(&err), "t.conf:8: key 'badtime': "));
	assert_int_equal(nk_config_get_duration_ns(
			     cfg, s, "interval", sec, 0, sec, &ns, &err),
	    -1);
	assert_non_null(strstr(nk_err_msg(&err), "out of range"));

	assert_int_equal(nk_config_get_bool(cfg, s, "on", &b, &err), 0);
	assert_true(b);
	assert_int_equal(nk_config_get_bool(cfg, s, "off", &b, &err), 0);
	assert_false(b);
	assert_int_equal(nk_config_get_bool(cfg, s, "maybe", &b, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "t.conf:11: key 'maybe': "));

	assert_int_equal(
	    nk_config_get_size_bytes(cfg, s, "buf", UINT64_MAX, &u, &err), 0);
	assert_true(u == 65536);
	assert_int_equal(
	    nk_config_get_size_bytes(cfg, s, "buf", 1024, &u, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "t.conf:12: key 'buf': "));
	nk_config_free(cfg);
}

static void
test_check_keys(void **state)
{
	(void)state;
	struct nk_config *cfg = parse_ok("debug = 1\n"
					 "[probe]\n"
					 "target = a\n"
					 "\n"
					 "tagret = b\n"
					 "[group oak]\n"
					 "x = 1\n");
	const char *const probe_keys[] = {"target", "interval", NULL};
	const char *const top_keys[] = {"verbose", NULL};
	const char *const group_keys[] = {"y", NULL};
	const char *const none[] = {NULL};
	struct nk_err err = {{0}};

	const struct nk_config_section *s = nk_config_find(cfg, "probe", NULL);
	assert_int_equal(nk_config_check_keys(cfg, s, probe_keys, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "t.conf:5: unknown key 'tagret' in [probe]");
	assert_int_equal(nk_config_check_keys(cfg,
			     nk_config_find(cfg, "", NULL), top_keys, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "t.conf:1: unknown key 'debug' at top level");
	assert_int_equal(
	    nk_config_check_keys(
		cfg, nk_config_find(cfg, "group", "oak"), group_keys, &err),
	    -1);
	assert_string_equal(
	    nk_err_msg(&err), "t.conf:7: unknown key 'x' in [group oak]");
	assert_int_equal(nk_config_check_keys(cfg,
			     nk_config_find(cfg, "group", "oak"), none, &err),
	    -1);
	const char *const all[] = {"target", "tagret", NULL};
	assert_int_equal(nk_config_check_keys(cfg, s, all, &err), 0);
	assert_int_equal(nk_config_check_keys(cfg, NULL, none, &err), 0);
	nk_config_free(cfg);
}

static void
test_load(void **state)
{
	(void)state;
	char path[] = "/tmp/nk-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "[s]\nk = v\nbroken\n";
	assert_int_equal(
	    write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	assert_int_equal(close(fd), 0);

	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};
	assert_int_equal(nk_config_load(path, &cfg, &err), -1);
	char want[128];
	(void)snprintf(
	    want, sizeof(want), "%s:3: expected 'key = value'", path);
	assert_string_equal(nk_err_msg(&err), want);

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs("[s]\nk = v\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(nk_config_load(path, &cfg, &err), 0);
	assert_string_equal(nk_config_name(cfg), path);
	assert_string_equal(
	    nk_config_get(nk_config_find(cfg, "s", NULL), "k", NULL), "v");
	nk_config_free(cfg);
	assert_int_equal(unlink(path), 0);

	cfg = NULL;
	assert_int_equal(nk_config_load("/nonexistent/x.conf", &cfg, &err), -1);
	assert_string_equal(nk_err_msg(&err),
	    "/nonexistent/x.conf: cannot open: No such file or directory");
	assert_null(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_no_top_level_and_empty),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_line_length),
	    cmocka_unit_test(test_too_many_entries),
	    cmocka_unit_test(test_getters),
	    cmocka_unit_test(test_check_keys),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
