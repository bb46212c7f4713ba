/* walk: MRT files through the decoder, merged by time; see walk.h. */
#include "walk.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "reader.h"

struct src {
	struct reader *rd;
	struct nk_mrt_ctx ctx;
	bool pending;
	bool done;
	struct nk_mrt_hdr h;
	const uint8_t *body;
	uint64_t off;
	uint32_t warned_types[8]; /* deprecated/undecoded types reported */
	unsigned n_warned;
};

static void
report_at(enum nk_log_level lvl, const char *event, const char *msg)
{
	char esc[900];
	nk_log(lvl, event, "msg=%s", nk_log_str(esc, sizeof(esc), msg));
}

static void
report(const char *event, const char *msg)
{
	report_at(NK_LOG_ERR, event, msg);
}

/* Advance src to its next record; false at the end. */
static bool
src_fill(struct src *s, struct walk_stats *st)
{
	struct nk_err err = {{0}};

	while (!s->pending && !s->done) {
		enum reader_rc rc =
		    reader_next(s->rd, &s->h, &s->body, &s->off, &err);
		switch (rc) {
		case READER_RECORD: {
			const char *note = reader_take_note(s->rd);
			if (note != NULL)
				report_at(NK_LOG_WARN, "mrt_quirk", note);
			s->pending = true;
			break;
		}
		case READER_EOF:
			s->done = true;
			break;
		case READER_SKIPPED:
			st->n_bad++;
			report("mrt_framing", nk_err_msg(&err));
			break;
		case READER_FATAL:
			st->n_bad++;
			st->n_fatal++;
			report("mrt_truncated", nk_err_msg(&err));
			s->done = true;
			break;
		}
	}
	return s->pending;
}

static int
src_consume(struct src *s, nk_mrt_cb cb, void *arg, struct walk_stats *st)
{
	struct nk_err err = {{0}};
	int rc;

	s->pending = false;
	st->n_records++;
	rc = nk_mrt_record_parse(
	    &s->ctx, &s->h, s->body, s->h.len, cb, arg, &err);
	if (s->ctx.attr_err[0] != '\0') {
		/* RFC 7606 errors: the record was decoded, the route was
		 * treated as the error class says; say which and where. */
		char msg[NK_ERR_MAX + 300];
		(void)snprintf(msg, sizeof(msg),
		    "%s offset %llu: record type %u/%u (%s): path attributes: "
		    "%s",
		    reader_path(s->rd), (unsigned long long)s->off, s->h.type,
		    s->h.subtype, nk_mrt_type_name(s->h.type), s->ctx.attr_err);
		report_at(NK_LOG_WARN, "bgp_attr_error", msg);
		st->n_bad++;
	}
	if (rc == 0)
		return 0;
	if (rc == 1) {
		st->n_skipped++;
		/* deprecated types once per type, others per subtype */
		uint32_t key = (uint32_t)s->h.type << 16 |
		    (nk_mrt_type_deprecated(s->h.type) ? 0xFFFFu
						       : s->h.subtype);
		for (unsigned i = 0; i < s->n_warned; i++)
			if (s->warned_types[i] == key)
				return 0;
		if (s->n_warned < 8)
			s->warned_types[s->n_warned++] = key;
		char msg[NK_ERR_MAX + 200];
		(void)snprintf(msg, sizeof(msg),
		    "%s offset %llu: record type %u/%u: %s (reported once per "
		    "file)",
		    reader_path(s->rd), (unsigned long long)s->off, s->h.type,
		    s->h.subtype, nk_err_msg(&err));
		report_at(NK_LOG_WARN, "mrt_skipped", msg);
		return 0;
	}
	if (rc < 0) {
		st->n_bad++;
		char msg[NK_ERR_MAX + 200];
		(void)snprintf(msg, sizeof(msg),
		    "%s offset %llu: record type %u/%u (%s): %s",
		    reader_path(s->rd), (unsigned long long)s->off, s->h.type,
		    s->h.subtype, nk_mrt_type_name(s->h.type),
		    nk_err_msg(&err));
		report("mrt_record", msg);
		return 0;
	}
	return rc; /* the callback asked to stop */
}

int
walk_files(char *const *paths, size_t n, nk_mrt_cb cb, void *arg,
    struct walk_stats *st)
{
	struct src *srcs = calloc(n, sizeof(*srcs));
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (srcs == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct nk_err err = {{0}};
		nk_mrt_ctx_init(&srcs[i].ctx);
		if (reader_open(paths[i], &srcs[i].rd, &err) < 0) {
			report("mrt_open", nk_err_msg(&err));
			srcs[i].done = true;
			st->n_fatal++;
			ret = -1;
		}
	}
	for (;;) {
		struct src *best = NULL;
		for (size_t i = 0; i < n; i++) {
			if (!src_fill(&srcs[i], st))
				continue;
			if (best == NULL || srcs[i].h.ts < best->h.ts)
				best = &srcs[i];
		}
		if (best == NULL)
			break;
		int rc = src_consume(best, cb, arg, st);
		if (rc != 0)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		st->bytes_skipped +=
		    srcs[i].rd ? reader_bytes_skipped(srcs[i].rd) : 0;
		reader_close(srcs[i].rd);
		nk_mrt_ctx_fini(&srcs[i].ctx);
	}
	free(srcs);
	if (st->n_fatal > 0)
		ret = -1;
	return ret;
}
