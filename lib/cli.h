/*
 * cli: the option conventions every tool shares. Common options:
 *   -h/--help  --version  --json  -w/--warning RANGE  -c/--critical RANGE
 *   --config FILE  -q/--quiet  -v/--verbose (repeatable)  --syslog
 * A tool adds its own options in a table; nk_cli_parse() runs getopt_long
 * over both. Usage errors fill err with one line naming the bad option
 * ("unknown option '--foo'", "option '-i' needs a value") and the tool
 * exits 3 (UNKNOWN).
 */
#ifndef NK_CLI_H
#define NK_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"

enum nk_cli_arg { NK_CLI_NO_ARG = 0, NK_CLI_REQ_ARG = 1 };

/*
 * A tool option. The table ends with an entry with neither name ({0}).
 * A tool option whose short or long name is also a common one takes that
 * name from the common option (e.g. a tool's -c COUNT leaves --critical
 * long-only). At most 64 entries; names must be unique, short names
 * alphanumeric.
 */
struct nk_cli_opt {
	const char *long_name; /* NULL: short only */
	int short_name;        /* 0 = none */
	enum nk_cli_arg arg;
	int id;               /* passed to the handler, > 255 unless short */
	const char *arg_name; /* for help: "SECONDS" */
	const char *help;
};

struct nk_cli_common {
	bool help;
	bool version;
	bool json;
	bool quiet;
	int verbose;
	bool syslog;
	const char *config;
	const char *warning;
	const char *critical;
};

/*
 * Handler for a tool option: return 0, or -1 with err filled
 * ("option '-i': '0x': not a number"). arg is NULL for NK_CLI_NO_ARG.
 * A message that does not start with "option '" gets the option as used
 * put in front ("'0x': not a number" from nk_parse_* becomes
 * "option '--interval': '0x': not a number"); an empty one becomes
 * "option '-i': bad value '0x'".
 */
typedef int (*nk_cli_handler)(void *ctx, int id, const char *arg,
    struct nk_err *err);

/*
 * Parse argv. On success returns the index of the first operand (getopt's
 * optind); common options land in `common`, the tool's go to `handler`.
 * On a usage error returns -1 with err set. Stops at the first operand
 * unless `permute` (then options may follow operands, as GNU tools do,
 * and argv is reordered so the operands come last). "--" ends options.
 * Fields of `common` are only set, never cleared (start from {0} or your
 * defaults); -w/-c values must be valid ranges (nk_range_parse), the
 * strings point into argv. --help and --version end parsing at once (the
 * rest of argv is not checked, as with GNU tools). getopt prints nothing;
 * every call starts afresh (optind is reset), so it may run repeatedly.
 * Errors: "unknown option '--foo'", "option '--v' is ambiguous",
 * "option '-x' is not valid", "option '--interval' needs a value",
 * "option '-i' needs a value", "option '--json' takes no value",
 * "option '-w': range '20:10': start 20 > end 10", or the handler's.
 */
int nk_cli_parse(int argc, char **argv, const struct nk_cli_opt *tool_opts,
    nk_cli_handler handler, void *ctx, struct nk_cli_common *common,
    bool permute, struct nk_err *err);

/*
 * Print the help: "Usage: TOOL USAGE", the summary, the tool's options,
 * then the common ones (as far as the tool left them), the exit codes.
 */
void nk_cli_help(FILE *out, const char *tool, const char *usage,
    const char *summary, const struct nk_cli_opt *tool_opts);

/* "TOOL (nockit) VERSION". */
void nk_cli_version(FILE *out, const char *tool);

/* The exit code of a usage error (3, UNKNOWN). */
#define NK_CLI_EXIT_USAGE 3

#endif
