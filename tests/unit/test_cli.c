#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define ID_COUNT 1000

static const struct nk_cli_opt opts[] = {
    {"interval", 'i', NK_CLI_REQ_ARG, 'i', "SECONDS", "time between probes"},
    {"count", 0, NK_CLI_REQ_ARG, ID_COUNT, "N", "stop after N probes"},
    {"flood", 'f', NK_CLI_NO_ARG, 'f', NULL, "send as fast as possible"},
    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
};

struct rec {
	int n;
	int ids[16];
	const char *args[16];
	int fail_id;          /* fail for this id */
	const char *fail_msg; /* with this message ("" = none) */
};

static int
handler(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct rec *r = ctx;

	if (r->n < 16) {
		r->ids[r->n] = id;
		r->args[r->n] = arg;
	}
	r->n++;
	if (id == r->fail_id) {
		if (r->fail_msg[0] != '\0')
			nk_err_set(err, "%s", r->fail_msg);
		return -1;
	}
	return 0;
}

/* Parse a NULL-terminated argv (copied: getopt may permute it). */
static int
parse(char **argv, bool permute, struct rec *r, struct nk_cli_common *c,
    struct nk_err *err)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(err, 0, sizeof(*err));
	return nk_cli_parse(argc, argv, opts, handler, r, c, permute, err);
}

/*
 * A writable argv "multiping ARGS..." (getopt permutes it; literals are
 * const). One pool: valid until the next ARGV().
 */
static char *
pool_str(size_t i, const char *s)
{
	static char store[24][64];

	assert_true(i < 24 && strlen(s) < sizeof(store[i]));
	memcpy(store[i], s, strlen(s) + 1);
	return store[i];
}

static char **
mkargv(const char *const *in)
{
	static char *ptrs[25];
	size_t i = 0;

	ptrs[i] = pool_str(i, "multiping");
	for (; in[i] != NULL; i++)
		ptrs[i + 1] = pool_str(i + 1, in[i]);
	ptrs[i + 1] = NULL;
	return ptrs;
}

#define ARGV(...) mkargv((const char *const[]){__VA_ARGS__, NULL})

static void
test_common_options(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;

	assert_int_equal(parse(ARGV("--json", "-q", "-vvv", "--verbose",
				   "--syslog", "--config", "/etc/nk.conf", "-w",
				   "10", "--critical=20:", "host"),
			     false, &r, &c, &err),
	    11);
	assert_true(c.json);
	assert_true(c.quiet);
	assert_int_equal(c.verbose, 4);
	assert_true(c.syslog);
	assert_string_equal(c.config, "/etc/nk.conf");
	assert_string_equal(c.warning, "10");
	assert_string_equal(c.critical, "20:");
	assert_false(c.help);
	assert_false(c.version);
	assert_int_equal(r.n, 0);

	/* Attached short values, long "=" values. */
	struct nk_cli_common d = {0};
	assert_int_equal(
	    parse(ARGV("-w~:5", "-c@1:2", "--config=x"), false, &r, &d, &err),
	    4);
	assert_string_equal(d.warning, "~:5");
	assert_string_equal(d.critical, "@1:2");
	assert_string_equal(d.config, "x");
	assert_false(d.json);
	assert_int_equal(d.verbose, 0);
}

static void
test_help_version(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;

	assert_int_equal(parse(ARGV("-h"), false, &r, &c, &err), 2);
	assert_true(c.help);
	assert_false(c.version);

	struct nk_cli_common d = {0};
	assert_int_equal(parse(ARGV("--version"), false, &r, &d, &err), 2);
	assert_true(d.version);
	assert_false(d.help);

	/* Help ends parsing: a bad option after it is not an error. */
	struct nk_cli_common e = {0};
	assert_int_equal(
	    parse(ARGV("--help", "--bogus"), false, &r, &e, &err), 2);
	assert_true(e.help);
	/* Before it, the bad option wins. */
	struct nk_cli_common f = {0};
	assert_int_equal(
	    parse(ARGV("--bogus", "--help"), false, &r, &f, &err), -1);
	assert_string_equal(nk_err_msg(&err), "unknown option '--bogus'");
}

static void
test_tool_options(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;

	assert_int_equal(parse(ARGV("-i", "0.5", "--interval=2", "--inter", "3",
				   "-fi4", "--count", "5", "-f", "-i6"),
			     false, &r, &c, &err),
	    11);
	assert_int_equal(r.n, 8);
	const int ids[] = {'i', 'i', 'i', 'f', 'i', ID_COUNT, 'f', 'i'};
	const char *args[] = {"0.5", "2", "3", NULL, "4", "5", NULL, "6"};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(r.ids[i], ids[i]);
		if (args[i] == NULL)
			assert_null(r.args[i]);
		else
			assert_string_equal(r.args[i], args[i]);
	}
	assert_false(c.json);
}

static void
test_operands_no_permute(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;
	char **argv = ARGV("-f", "host1", "-q", "host2");

	assert_int_equal(parse(argv, false, &r, &c, &err), 2);
	assert_string_equal(argv[2], "host1");
	assert_string_equal(argv[3], "-q"); /* an operand now */
	assert_false(c.quiet);
	assert_int_equal(r.n, 1);

	/* "--" ends options; "-" is an operand. */
	struct rec r2 = {0};
	char **a2 = ARGV("-f", "--", "-q");
	assert_int_equal(parse(a2, true, &r2, &c, &err), 3);
	assert_string_equal(a2[3], "-q");
	assert_false(c.quiet);
	char **a3 = ARGV("-", "-q");
	assert_int_equal(parse(a3, false, &r2, &c, &err), 1);
	assert_false(c.quiet);

	/* No operands at all. */
	char **a4 = ARGV("-q");
	assert_int_equal(parse(a4, false, &r2, &c, &err), 2);
	assert_true(c.quiet);
}

static void
test_operands_permute(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;
	char **argv = ARGV("host1", "-q", "host2", "-i", "7", "host3");

	assert_int_equal(parse(argv, true, &r, &c, &err), 4);
	assert_true(c.quiet);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], 'i');
	assert_string_equal(r.args[0], "7");
	/* Operands moved to the end in their order. */
	assert_string_equal(argv[4], "host1");
	assert_string_equal(argv[5], "host2");
	assert_string_equal(argv[6], "host3");
}

static void
expect_error(char **argv, bool permute, const char *msg)
{
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;

	if (parse(argv, permute, &r, &c, &err) != -1)
		fail_msg("accepted, want '%s'", msg);
	assert_string_equal(nk_err_msg(&err), msg);
}

static void
test_errors_name_the_option(void **state)
{
	(void)state;
	expect_error(ARGV("--foo"), false, "unknown option '--foo'");
	expect_error(ARGV("--foo=1"), false, "unknown option '--foo'");
	expect_error(ARGV("-q", "--intervals", "1"), false,
	    "unknown option '--intervals'");
	expect_error(ARGV("-x"), false, "option '-x' is not valid");
	expect_error(ARGV("-qx"), false, "option '-x' is not valid");
	expect_error(ARGV("-xq"), false, "option '-x' is not valid");
	expect_error(ARGV("host", "-x"), true, "option '-x' is not valid");
	expect_error(
	    ARGV("--interval"), false, "option '--interval' needs a value");
	expect_error(ARGV("--int"), false, "option '--interval' needs a value");
	expect_error(ARGV("-f", "-i"), false, "option '-i' needs a value");
	expect_error(ARGV("-fi"), false, "option '-i' needs a value");
	expect_error(ARGV("--count"), false, "option '--count' needs a value");
	expect_error(ARGV("-w"), false, "option '-w' needs a value");
	expect_error(
	    ARGV("--config"), false, "option '--config' needs a value");
	expect_error(
	    ARGV("--json=yes"), false, "option '--json' takes no value");
	expect_error(
	    ARGV("--flood=1"), false, "option '--flood' takes no value");
	expect_error(ARGV("--co", "1"), false, "option '--co' is ambiguous");
	expect_error(ARGV("-w", "20:10"), false,
	    "option '-w': range '20:10': start 20 > end 10");
	expect_error(ARGV("--critical=x"), false,
	    "option '--critical': range 'x': not a number");
	expect_error(ARGV("--warning", ""), false,
	    "option '--warning': range '': empty");
}

static void
test_handler_errors(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct nk_err err;

	struct rec r = {.fail_id = 'i', .fail_msg = "'0x': not a number"};
	assert_int_equal(
	    parse(ARGV("-i", "0x", "-f"), false, &r, &c, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "option '-i': '0x': not a number");
	assert_int_equal(r.n, 1); /* stops at the first error */

	struct rec r2 = {.fail_id = 'i', .fail_msg = "'0x': not a number"};
	assert_int_equal(
	    parse(ARGV("--interval=0x"), false, &r2, &c, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "option '--interval': '0x': not a number");

	struct rec r3 = {.fail_id = 'i', .fail_msg = "option '-i': too small"};
	assert_int_equal(parse(ARGV("-i0"), false, &r3, &c, &err), -1);
	assert_string_equal(nk_err_msg(&err), "option '-i': too small");

	struct rec r4 = {.fail_id = ID_COUNT, .fail_msg = ""};
	assert_int_equal(parse(ARGV("--count", "x"), false, &r4, &c, &err), -1);
	assert_string_equal(
	    nk_err_msg(&err), "option '--count': bad value 'x'");

	struct rec r5 = {.fail_id = 'f', .fail_msg = ""};
	assert_int_equal(parse(ARGV("-f"), false, &r5, &c, &err), -1);
	assert_string_equal(nk_err_msg(&err), "option '-f': bad value ''");
}

static void
test_reparse_resets_state(void **state)
{
	(void)state;
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;

	/* An error in the middle of a cluster leaves getopt mid-word... */
	assert_int_equal(parse(ARGV("-xq", "a"), false, &r, &c, &err), -1);
	assert_false(c.quiet);
	/* ...the next parse starts afresh all the same. */
	assert_int_equal(parse(ARGV("-f", "b"), false, &r, &c, &err), 2);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ids[0], 'f');
	assert_false(c.quiet);

	for (int i = 0; i < 3; i++) {
		struct nk_cli_common d = {0};
		char **argv = ARGV("-v", "x", "-v");
		assert_int_equal(parse(argv, true, &r, &d, &err), 3);
		assert_int_equal(d.verbose, 2);
	}
}

static void
test_tool_overrides_common(void **state)
{
	(void)state;
	static const struct nk_cli_opt mine[] = {
	    {"count", 'c', NK_CLI_REQ_ARG, 'c', "N", "probes"},
	    {"json", 0, NK_CLI_NO_ARG, 2000, NULL, "tool json"},
	    {0},
	};
	struct nk_cli_common c = {0};
	struct rec r = {0};
	struct nk_err err;
	char **argv = ARGV("-c", "5", "--critical", "9", "--json");

	assert_int_equal(
	    nk_cli_parse(6, argv, mine, handler, &r, &c, false, &err), 6);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ids[0], 'c');
	assert_string_equal(r.args[0], "5");
	assert_int_equal(r.ids[1], 2000);
	assert_string_equal(c.critical, "9");
	assert_false(c.json);

	/* A broken table is refused. */
	static const struct nk_cli_opt dup[] = {
	    {"a", 'a', NK_CLI_NO_ARG, 'a', NULL, ""},
	    {"b", 'a', NK_CLI_NO_ARG, 'b', NULL, ""},
	    {0},
	};
	char **a2 = ARGV("x");
	assert_int_equal(
	    nk_cli_parse(1, a2, dup, handler, &r, &c, false, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "option table"));
	/* Tool options need a handler. */
	assert_int_equal(
	    nk_cli_parse(1, a2, opts, NULL, NULL, &c, false, &err), -1);
	assert_string_equal(nk_err_msg(&err), "option table: no handler");
	/* No tool options and no handler is fine. */
	assert_int_equal(
	    nk_cli_parse(1, a2, NULL, NULL, NULL, &c, false, &err), 1);
}

/* getopt must not print: stderr stays empty across errors. */
static void
test_silent(void **state)
{
	(void)state;
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);

	expect_error(ARGV("--foo"), false, "unknown option '--foo'");
	expect_error(ARGV("-x"), false, "option '-x' is not valid");
	expect_error(ARGV("-i"), false, "option '-i' needs a value");
	expect_error(ARGV("--json=1"), false, "option '--json' takes no value");

	assert_true(dup2(saved, 2) >= 0);
	(void)close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	assert_int_equal(ftell(tmp), 0);
	(void)fclose(tmp);
}

static void
test_help_text(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);

	nk_cli_help(f, "multiping", "[OPTION]... HOST...",
	    "Ping many hosts at once.", opts);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf,
	    "Usage: multiping [OPTION]... HOST...\n"
	    "Ping many hosts at once.\n\nOptions:\n"));
	const char *tool = strstr(buf, "Options:\n");
	const char *common = strstr(buf, "Common options:\n");
	assert_non_null(common);
	assert_true(tool < common);
	const char *iv =
	    strstr(buf, "  -i, --interval SECONDS    time between probes\n");
	assert_non_null(iv);
	assert_true(iv < common);
	assert_non_null(
	    strstr(buf, "      --count N             stop after N probes\n"));
	assert_non_null(strstr(buf, "  -f, --flood "));
	assert_true(strstr(buf, "  -h, --help ") > common);
	assert_non_null(strstr(buf, "      --version "));
	assert_non_null(strstr(buf, "  -w, --warning RANGE "));
	assert_non_null(strstr(buf, "  -c, --critical RANGE "));
	assert_non_null(strstr(buf, "      --config FILE "));
	assert_non_null(strstr(buf, "  -v, --verbose "));
	assert_non_null(strstr(buf, "      --syslog "));
	assert_non_null(strstr(buf, "      --json "));
	assert_non_null(strstr(buf, "  -q, --quiet "));
	free(buf);

	/* An overridden short name is not shown for the common option. */
	static const struct nk_cli_opt mine[] = {
	    {"count", 'c', NK_CLI_REQ_ARG, 'c', "N", "probes"},
	    {"json", 0, NK_CLI_NO_ARG, 2000, NULL, "tool json"},
	    {0},
	};
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	nk_cli_help(f, "t", NULL, NULL, mine);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "Usage: t [OPTION]...\n\nOptions:\n"));
	assert_non_null(strstr(buf, "  -c, --count N "));
	assert_non_null(strstr(buf, "      --critical RANGE "));
	assert_null(strstr(buf, "-c, --critical"));
	/* An overridden long name is listed once, the tool's. */
	const char *js = strstr(buf, "--json");
	assert_non_null(js);
	assert_non_null(strstr(buf, "      --json                tool json\n"));
	assert_true(js < strstr(buf, "Common options:"));
	assert_null(strstr(js + 1, "--json"));
	free(buf);
}

static void
test_version(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);

	nk_cli_version(f, "multiping");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "multiping (nockit) " NK_VERSION "\n");
	free(buf);
	assert_int_equal(NK_CLI_EXIT_USAGE, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_common_options),
	    cmocka_unit_test(test_help_version),
	    cmocka_unit_test(test_tool_options),
	    cmocka_unit_test(test_operands_no_permute),
	    cmocka_unit_test(test_operands_permute),
	    cmocka_unit_test(test_errors_name_the_option),
	    cmocka_unit_test(test_handler_errors),
	    cmocka_unit_test(test_reparse_resets_state),
	    cmocka_unit_test(test_tool_overrides_common),
	    cmocka_unit_test(test_silent),
	    cmocka_unit_test(test_help_text),
	    cmocka_unit_test(test_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
