/* cmd: bgpwatch's subcommands; see cmd.h and man/bgpwatch.1. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dump.h"
#include "err.h"
#include "log.h"
#include "walk.h"

#ifndef BW_NO_ENGINE
#include "bmpcmd.h"
#include "collect.h"
#include "engine_cmd.h"
#include "statuscmd.h"
#endif

static const char usage_line[] =
    "bgpwatch [OPTIONS] dump|replay|check|show|diff|collect|status|bmp-decode "
    "ARGS...";

static void
print_usage(FILE *out)
{
	fprintf(out,
	    "usage: %s\n"
	    "  dump [--json] [--skip T/S] FILE...      one line per route, "
	    "as bgpdump -m\n"
	    "  replay [--config F] [--json] RIB UPDATES...  events with "
	    "their original times\n"
	    "  check --prefix P [--config F] [-w N] [-c N] RIB [UPDATES...]\n"
	    "                                        plugin check: exit "
	    "0/1/2/3\n"
	    "  show PREFIX FILES...                  every peer's path to "
	    "PREFIX\n"
	    "  diff A B                              what changed between two "
	    "RIB dumps, per upstream\n"
	    "  collect --config F [--json|--tui]     live BGP sessions "
	    "(receive-only collector)\n"
	    "  status FILE [-w R] [-c R] [--max-age S]  plugin check of a "
	    "collector's status file\n"
	    "  bmp-decode PCAP...                    BMP streams in captures "
	    "as JSON lines\n"
	    "see bgpwatch(1)\n",
	    usage_line);
}

enum { OPT_SKIP = 256 };

struct dump_args {
	struct dump_opts o;
};

static int
dump_opt(void *ctx, int id, const char *arg, struct nk_err *err)
{
	struct dump_args *a = ctx;
	unsigned t = 0, s = 0;
	char extra;

	if (id == OPT_SKIP) {
		if (sscanf(arg, "%u/%u%c", &t, &s, &extra) != 2 || t > 65535 ||
		    s > 65535) {
			nk_err_set(err,
			    "option '--skip': '%s': want TYPE/SUBTYPE", arg);
			return -1;
		}
		a->o.skip_type = (uint16_t)t;
		a->o.skip_subtype = (uint16_t)s;
	}
	return 0;
}

static int
cmd_dump(int argc, char **argv)
{
	static const struct nk_cli_opt opts[] = {
	    {"skip", 0, NK_CLI_REQ_ARG, OPT_SKIP, "T/S",
		"leave out records of MRT type T subtype S (e.g. 13/6)"},
	    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
	};
	struct dump_args a;
	struct nk_cli_common common;
	struct nk_err err = {{0}};

	memset(&a, 0, sizeof(a));
	memset(&common, 0, sizeof(common));
	int first =
	    nk_cli_parse(argc, argv, opts, dump_opt, &a, &common, true, &err);
	if (first < 0) {
		fprintf(stderr, "bgpwatch dump: %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (common.help) {
		nk_cli_help(stdout, "bgpwatch dump",
		    "bgpwatch dump [--json] FILE...",
		    "Print MRT files one line per route, as bgpdump -m.", opts);
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "bgpwatch dump: no MRT file given\n");
		return NK_CLI_EXIT_USAGE;
	}
	nk_log_init("bgpwatch", common.verbose > 0 ? NK_LOG_INFO : NK_LOG_WARN,
	    common.syslog);
	a.o.json = common.json;
	struct dump *d = dump_new(stdout, &a.o);
	if (d == NULL) {
		fprintf(stderr, "bgpwatch dump: out of memory\n");
		return 2;
	}
	int rc = 0;
	uint64_t n_bad = 0;
	/* Files one after the other (not merged): bgpdump's order. */
	for (int i = first; i < argc; i++) {
		struct walk_stats st;
		if (walk_files(&argv[i], 1, dump_elem, d, &st) < 0)
			rc = 2;
		n_bad += st.n_bad;
	}
	if (dump_flush(d) < 0) {
		nk_log(NK_LOG_ERR, "write_failed", "what=stdout");
		rc = 2;
	}
	dump_free(d);
	if (rc == 0 && n_bad > 0)
		rc = 1;
	return rc;
}

int
cmd_main(int argc, char **argv)
{
	nk_log_init("bgpwatch", NK_LOG_WARN, false);
	if (argc < 2) {
		print_usage(stderr);
		return NK_CLI_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		nk_cli_version(stdout, "bgpwatch");
		return 0;
	}
	if (strcmp(cmd, "dump") == 0)
		return cmd_dump(argc - 1, argv + 1);
#ifndef BW_NO_ENGINE
	if (strcmp(cmd, "replay") == 0)
		return engine_cmd_replay(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return engine_cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0)
		return engine_cmd_show(argc - 1, argv + 1);
	if (strcmp(cmd, "diff") == 0)
		return engine_cmd_diff(argc - 1, argv + 1);
	if (strcmp(cmd, "collect") == 0)
		return collect_cmd(argc - 1, argv + 1);
	if (strcmp(cmd, "status") == 0)
		return statuscmd_run(argc - 1, argv + 1);
	if (strcmp(cmd, "bmp-decode") == 0)
		return bmpcmd_decode(argc - 1, argv + 1);
#endif
	fprintf(stderr, "bgpwatch: unknown command '%s'\n", cmd);
	print_usage(stderr);
	return NK_CLI_EXIT_USAGE;
}
