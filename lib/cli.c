#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <string.h>

#include "alarm.h"

#ifndef NK_VERSION
#define NK_VERSION "unknown"
#endif

/* Tool options at most; beyond, the table is refused. */
#define TOOL_OPTS_MAX 64
/* getopt_long returns LONG_BASE + entry for every long option. */
#define LONG_BASE 0x10000

enum common_id {
	C_NONE = 0,
	C_HELP,
	C_VERSION,
	C_JSON,
	C_WARNING,
	C_CRITICAL,
	C_CONFIG,
	C_QUIET,
	C_VERBOSE,
	C_SYSLOG,
};

static const struct common_opt {
	const char *long_name;
	int short_name;
	bool arg;
	enum common_id id;
	const char *arg_name;
	const char *help;
} common_opts[] = {
    {"help", 'h', false, C_HELP, NULL, "show this help and exit"},
    {"version", 0, false, C_VERSION, NULL, "show the version and exit"},
    {"json", 0, false, C_JSON, NULL, "write events as JSON Lines"},
    {"warning", 'w', true, C_WARNING, "RANGE",
	"warning threshold (e.g. 100, 10:, @10:20)"},
    {"critical", 'c', true, C_CRITICAL, "RANGE", "critical threshold"},
    {"config", 0, true, C_CONFIG, "FILE", "read settings from FILE"},
    {"quiet", 'q', false, C_QUIET, NULL, "print only problems"},
    {"verbose", 'v', false, C_VERBOSE, NULL, "print more (repeat for more)"},
    {"syslog", 0, false, C_SYSLOG, NULL, "log to syslog, not stderr"},
};

#define N_COMMON (sizeof(common_opts) / sizeof(common_opts[0]))
#define ENTS_MAX (TOOL_OPTS_MAX + N_COMMON)

/*
 * One option as getopt sees it: a tool's, or a common one minus the names
 * the tool took (a tool's -c or --json wins over the common one).
 */
struct ent {
	const char *long_name; /* NULL: short only */
	int short_name;        /* 0: long only */
	bool arg;
	const struct nk_cli_opt *tool; /* NULL for a common option */
	enum common_id cid;
	const char *arg_name;
	const char *help;
};

struct table {
	struct ent ents[ENTS_MAX];
	size_t n;
	struct option longs[ENTS_MAX + 1];
	char shorts[2 + 2 * ENTS_MAX + 1];
};

static bool
is_end(const struct nk_cli_opt *o)
{
	return o->long_name == NULL && o->short_name == 0;
}

static const struct ent *
find_short(const struct table *t, int c)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ents[i].short_name == c)
			return &t->ents[i];
	return NULL;
}

static const struct ent *
find_long(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ents[i].long_name != NULL &&
		    strcmp(t->ents[i].long_name, name) == 0)
			return &t->ents[i];
	return NULL;
}

static bool
short_ok(int c)
{
	return c > 0 && c < 128 && isalnum(c);
}

static int
build(struct table *t, const struct nk_cli_opt *tool_opts, bool permute,
    struct nk_err *err)
{
	size_t nl = 0, ns = 0;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; tool_opts != NULL && !is_end(&tool_opts[i]); i++) {
		const struct nk_cli_opt *o = &tool_opts[i];
		if (i == TOOL_OPTS_MAX) {
			nk_err_set(err, "option table: more than %d options",
			    TOOL_OPTS_MAX);
			return -1;
		}
		if ((o->short_name != 0 && !short_ok(o->short_name)) ||
		    (o->short_name != 0 && find_short(t, o->short_name)) ||
		    (o->long_name != NULL &&
			(o->long_name[0] == '\0' ||
			    find_long(t, o->long_name)))) {
			nk_err_set(err,
			    "option table: entry %zu ('%s') is bad "
			    "or repeated",
			    i, o->long_name != NULL ? o->long_name : "");
			return -1;
		}
		struct ent *e = &t->ents[t->n++];
		e->long_name = o->long_name;
		e->short_name = o->short_name;
		e->arg = o->arg == NK_CLI_REQ_ARG;
		e->tool = o;
		e->arg_name = o->arg_name;
		e->help = o->help;
	}
	for (size_t i = 0; i < N_COMMON; i++) {
		const struct common_opt *c = &common_opts[i];
		struct ent e = {c->long_name, c->short_name, c->arg, NULL,
		    c->id, c->arg_name, c->help};
		if (find_long(t, e.long_name) != NULL)
			e.long_name = NULL;
		if (e.short_name != 0 && find_short(t, e.short_name) != NULL)
			e.short_name = 0;
		if (e.long_name != NULL || e.short_name != 0)
			t->ents[t->n++] = e;
	}

	/* '+': stop at the first operand; ':': report a missing value. */
	if (!permute)
		t->shorts[ns++] = '+';
	t->shorts[ns++] = ':';
	for (size_t i = 0; i < t->n; i++) {
		const struct ent *e = &t->ents[i];
		if (e->short_name != 0) {
			t->shorts[ns++] = (char)e->short_name;
			if (e->arg)
				t->shorts[ns++] = ':';
		}
		if (e->long_name != NULL) {
			struct option *lo = &t->longs[nl++];
			lo->name = e->long_name;
			lo->has_arg = e->arg ? required_argument : no_argument;
			lo->flag = NULL;
			lo->val = LONG_BASE + (int)i;
		}
	}
	t->shorts[ns] = '\0';
	return 0;
}

/* "-x" or "\x01" for a byte that is not printable. */
static void
short_name(int c, char *b, size_t len)
{
	if (c > 0 && c < 128 && isgraph(c))
		(void)snprintf(b, len, "-%c", c);
	else
		(void)snprintf(b, len, "-\\x%02x", (unsigned)c & 0xffu);
}

/* An unknown or ambiguous long option as typed ("--foo=1" is "--foo"). */
static void
bad_long(const struct table *t, const char *arg, struct nk_err *err)
{
	size_t n;
	unsigned matches = 0;

	if (arg == NULL)
		arg = "--?";
	if (strncmp(arg, "--", 2) == 0)
		arg += 2;
	n = strcspn(arg, "=");
	for (size_t i = 0; i < t->n; i++)
		if (t->ents[i].long_name != NULL &&
		    strncmp(t->ents[i].long_name, arg, n) == 0)
			matches++;
	if (matches > 1)
		nk_err_set(err, "option '--%.*s' is ambiguous", (int)n, arg);
	else
		nk_err_set(err, "unknown option '--%.*s'", (int)n, arg);
}

static int
do_common(const struct ent *e, const char *name, const char *arg,
    struct nk_cli_common *common, struct nk_err *err)
{
	struct nk_range r;

	switch (e->cid) {
	case C_HELP:
		common->help = true;
		break;
	case C_VERSION:
		common->version = true;
		break;
	case C_JSON:
		common->json = true;
		break;
	case C_WARNING:
	case C_CRITICAL:
		/* Bad ranges are usage errors: catch them here. */
		if (nk_range_parse(arg, &r, err) != 0) {
			nk_err_prefix(err, "option '%s'", name);
			return -1;
		}
		if (e->cid == C_WARNING)
			common->warning = arg;
		else
			common->critical = arg;
		break;
	case C_CONFIG:
		common->config = arg;
		break;
	case C_QUIET:
		common->quiet = true;
		break;
	case C_VERBOSE:
		common->verbose++;
		break;
	case C_SYSLOG:
		common->syslog = true;
		break;
	case C_NONE:
		break;
	}
	return 0;
}

int
nk_cli_parse(int argc, char **argv, const struct nk_cli_opt *tool_opts,
    nk_cli_handler handler, void *ctx, struct nk_cli_common *common,
    bool permute, struct nk_err *err)
{
	struct table t;
	char name[80];

	if (argc < 1 || argv == NULL || common == NULL) {
		nk_err_set(err, "no arguments");
		return -1;
	}
	if (build(&t, tool_opts, permute, err) != 0)
		return -1;
	if (tool_opts != NULL && !is_end(&tool_opts[0]) && handler == NULL) {
		nk_err_set(err, "option table: no handler");
		return -1;
	}

	/* 0, not 1: glibc then also forgets a half-read "-abc" cluster. */
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, t.shorts, t.longs, NULL);
		const struct ent *e;

		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			if (optopt >= LONG_BASE &&
			    (size_t)(optopt - LONG_BASE) < t.n) {
				e = &t.ents[optopt - LONG_BASE];
				nk_err_set(err,
				    c == ':' ? "option '--%s' needs a value"
					     : "option '--%s' takes no value",
				    e->long_name);
			} else if (optopt != 0) {
				short_name(optopt, name, sizeof(name));
				if (c == ':')
					nk_err_set(err,
					    "option '%s' needs a value", name);
				else
					nk_err_set(err,
					    "option '%s' is not valid", name);
			} else {
				bad_long(&t, argv[optind - 1], err);
			}
			return -1;
		}
		if (c >= LONG_BASE) {
			e = &t.ents[c - LONG_BASE];
			(void)snprintf(
			    name, sizeof(name), "--%s", e->long_name);
		} else {
			e = find_short(&t, c);
			if (e == NULL) { /* cannot happen: getopt knows ours */
				nk_err_set(err, "option '-%c' is not valid", c);
				return -1;
			}
			short_name(c, name, sizeof(name));
		}

		if (e->tool == NULL) {
			if (do_common(e, name, optarg, common, err) != 0)
				return -1;
			/* Like GNU tools: --help and --version end parsing. */
			if (e->cid == C_HELP || e->cid == C_VERSION)
				break;
			continue;
		}
		if (err != NULL)
			err->msg[0] = '\0';
		if (handler(ctx, e->tool->id, e->arg ? optarg : NULL, err) !=
		    0) {
			const char *m = nk_err_msg(err);
			if (m[0] == '\0')
				nk_err_set(err, "option '%s': bad value '%s'",
				    name,
				    e->arg && optarg != NULL ? optarg : "");
			else if (strncmp(m, "option '", 8) != 0)
				nk_err_prefix(err, "option '%s'", name);
			return -1;
		}
	}
	return optind;
}

/* "  -i, --interval SECONDS" into b. */
static void
left_col(const struct ent *e, char *b, size_t len)
{
	char s[8] = "";
	const char *an = e->arg_name != NULL ? e->arg_name : "VALUE";

	if (e->short_name != 0)
		(void)snprintf(s, sizeof(s), "-%c", e->short_name);
	if (e->long_name != NULL)
		(void)snprintf(b, len, "  %s%s--%s%s%s", s,
		    e->short_name != 0 ? ", " : "    ", e->long_name,
		    e->arg ? " " : "", e->arg ? an : "");
	else
		(void)snprintf(
		    b, len, "  %s%s%s", s, e->arg ? " " : "", e->arg ? an : "");
}

#define HELP_COL 28

static void
print_ents(FILE *out, const struct table *t, bool tool)
{
	char l[128];

	for (size_t i = 0; i < t->n; i++) {
		const struct ent *e = &t->ents[i];
		if ((e->tool != NULL) != tool)
			continue;
		left_col(e, l, sizeof(l));
		const char *h = e->help != NULL ? e->help : "";
		if (strlen(l) + 2 > HELP_COL)
			(void)fprintf(out, "%s\n%*s%s\n", l, HELP_COL, "", h);
		else
			(void)fprintf(out, "%-*s%s\n", HELP_COL, l, h);
	}
}

void
nk_cli_help(FILE *out, const char *tool, const char *usage, const char *summary,
    const struct nk_cli_opt *tool_opts)
{
	struct table t;

	if (out == NULL)
		return;
	if (build(&t, tool_opts, true, NULL) != 0)
		t.n = 0;
	(void)fprintf(out, "Usage: %s %s\n", tool != NULL ? tool : "nockit",
	    usage != NULL ? usage : "[OPTION]...");
	if (summary != NULL && summary[0] != '\0')
		(void)fprintf(out, "%s\n", summary);
	if (t.n > 0 && t.ents[0].tool != NULL) {
		(void)fprintf(out, "\nOptions:\n");
		print_ents(out, &t, true);
	}
	(void)fprintf(out, "\nCommon options:\n");
	print_ents(out, &t, false);
	(void)fprintf(out,
	    "\nExit status: 0 OK, 1 WARNING, 2 CRITICAL, "
	    "3 UNKNOWN (also usage errors).\n");
}

void
nk_cli_version(FILE *out, const char *tool)
{
	if (out == NULL)
		return;
	(void)fprintf(out, "%s (nockit) %s\n", tool != NULL ? tool : "nockit",
	    NK_VERSION);
}
