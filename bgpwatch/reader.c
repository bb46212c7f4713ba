/* reader: streamed MRT records from plain/gzip/bzip2 files; see reader.h. */
#include "reader.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define READ_CHUNK (256u << 10)
/* A resync scan gives up after this many bytes (then the file is
 * reported as not MRT from there on). */
#define RESYNC_MAX (64u << 20)
/* Timestamps of neighbouring records are within this of each other. */
#define RESYNC_TS_WINDOW (31u * 86400u)

/*
 * The source: file and decompressor. With a compressed file it belongs to
 * a decompressing thread that fills a ring of chunks (gzip decodes at
 * ~240 MB/s, bzip2 at ~55 MB/s: on a second core a table load then takes
 * max(decompress, parse) instead of their sum). The thread makes the same
 * calls the reader would; each chunk carries what the call returned and
 * its error text, so the records, offsets and error lines are the same.
 */
struct src {
	enum reader_fmt fmt;
	int fd;
	gzFile gz;
	bz_stream bz;
	bool bz_live; /* bz initialised */
	uint8_t *zin; /* compressed input buffer (bzip2) */
	bool in_eof;
	bool eof; /* source exhausted */
	char msg[160];
};

#define RING_N 4
struct chunk {
	uint8_t *data;
	ssize_t rc; /* what src_read returned */
	size_t pos; /* consumed so far */
	char msg[160];
};

struct ring {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv_data, cv_space;
	struct chunk ch[RING_N];
	unsigned head, count; /* oldest full chunk, full chunks */
	bool stop;            /* the reader is closing */
	bool done;            /* the thread will produce nothing more */
};

struct reader {
	char *path;
	struct src src;
	struct ring *ring; /* NULL: the source is read in this thread */
	bool eof;          /* source exhausted */
	bool src_error;    /* decompression/I/O error seen */
	char src_msg[160];
	uint8_t *buf;
	size_t cap, start, end;
	uint64_t base; /* stream offset of buf[0] */
	uint32_t ref_ts;
	bool have_ref;
	uint64_t n_skipped;
	bool short4; /* records declare 4 bytes less than written */
	bool note_new;
	char note[300];
};

const char *
reader_path(const struct reader *r)
{
	return r->path;
}

enum reader_fmt
reader_format(const struct reader *r)
{
	return r->src.fmt;
}

uint64_t
reader_offset(const struct reader *r)
{
	return r->base + r->start;
}

uint64_t
reader_bytes_skipped(const struct reader *r)
{
	return r->n_skipped;
}

/*
 * bzip2 through the low-level API: BZ2_bzRead loses what it decoded in a
 * call that ends in an error, and a truncated file (a "first MB" excerpt)
 * must still give every byte that was there.
 */
static ssize_t
bz_read(struct src *r, uint8_t *p, size_t n)
{
	r->bz.next_out = (char *)p;
	r->bz.avail_out = (unsigned)(n > (1u << 30) ? 1u << 30 : n);
	while (r->bz.avail_out > 0) {
		if (r->bz.avail_in == 0 && !r->in_eof) {
			ssize_t k;
			do {
				k = read(r->fd, r->zin, READ_CHUNK);
			} while (k < 0 && errno == EINTR);
			if (k < 0) {
				(void)snprintf(r->msg, sizeof(r->msg),
				    "read error: %s", strerror(errno));
				break;
			}
			if (k == 0)
				r->in_eof = true;
			r->bz.next_in = (char *)r->zin;
			r->bz.avail_in = (unsigned)k;
		}
		if (r->bz.avail_in == 0 && r->in_eof) {
			if (r->bz_live)
				(void)snprintf(r->msg, sizeof(r->msg),
				    "bzip2 stream truncated (the compressed "
				    "file ends inside a block)");
			else
				r->eof = true;
			break;
		}
		if (!r->bz_live) {
			/* Concatenated streams (pbzip2): start the next. */
			if (BZ2_bzDecompressInit(&r->bz, 0, 0) != BZ_OK) {
				(void)snprintf(r->msg, sizeof(r->msg),
				    "bzip2 init failed");
				break;
			}
			r->bz_live = true;
		}
		int rc = BZ2_bzDecompress(&r->bz);
		if (rc == BZ_STREAM_END) {
			(void)BZ2_bzDecompressEnd(&r->bz);
			r->bz_live = false;
			char *ni = r->bz.next_in;
			unsigned ai = r->bz.avail_in;
			char *no = r->bz.next_out;
			unsigned ao = r->bz.avail_out;
			memset(&r->bz, 0, sizeof(r->bz));
			r->bz.next_in = ni;
			r->bz.avail_in = ai;
			r->bz.next_out = no;
			r->bz.avail_out = ao;
			continue;
		}
		if (rc != BZ_OK) {
			(void)snprintf(r->msg, sizeof(r->msg),
			    "bzip2 stream damaged (error %d)", rc);
			break;
		}
	}
	size_t got = n - r->bz.avail_out;
	if (got == 0 && r->msg[0] != '\0')
		return -1;
	return (ssize_t)got;
}

/* Read up to n decompressed bytes into p; 0 at the end; -1 on error. */
static ssize_t
src_read(struct src *r, uint8_t *p, size_t n)
{
	if (r->eof)
		return 0;
	switch (r->fmt) {
	case READER_PLAIN: {
		ssize_t k;
		do {
			k = read(r->fd, p, n);
		} while (k < 0 && errno == EINTR);
		if (k < 0) {
			(void)snprintf(r->msg, sizeof(r->msg), "read error: %s",
			    strerror(errno));
			return -1;
		}
		return k;
	}
	case READER_GZIP: {
		int k =
		    gzread(r->gz, p, (unsigned)(n > (1u << 30) ? 1u << 30 : n));
		int zerr = Z_OK;
		const char *msg = gzerror(r->gz, &zerr);
		if (k < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
			(void)snprintf(r->msg, sizeof(r->msg),
			    "gzip stream damaged or truncated: %s", msg);
			if (k > 0)
				return k; /* what was read stays valid */
			return -1;
		}
		return k;
	}
	case READER_BZIP2:
		return bz_read(r, p, n);
	}
	return -1;
}

/* ---- the decompressing thread ---- */
static void *
ring_main(void *arg)
{
	struct reader *r = arg;
	struct ring *g = r->ring;

	for (;;) {
		(void)pthread_mutex_lock(&g->mu);
		while (g->count == RING_N && !g->stop)
			(void)pthread_cond_wait(&g->cv_space, &g->mu);
		if (g->stop) {
			g->done = true;
			(void)pthread_mutex_unlock(&g->mu);
			break;
		}
		struct chunk *c = &g->ch[(g->head + g->count) % RING_N];
		(void)pthread_mutex_unlock(&g->mu);
		/* the chunk is ours until published: no lock while decoding */
		c->rc = src_read(&r->src, c->data, READ_CHUNK);
		c->pos = 0;
		(void)snprintf(c->msg, sizeof(c->msg), "%s", r->src.msg);
		bool last = c->rc <= 0 || c->msg[0] != '\0';
		(void)pthread_mutex_lock(&g->mu);
		g->count++;
		g->done = last;
		(void)pthread_cond_signal(&g->cv_data);
		(void)pthread_mutex_unlock(&g->mu);
		if (last)
			break;
	}
	return NULL;
}

static void
ring_free(struct ring *g)
{
	for (unsigned i = 0; i < RING_N; i++)
		free(g->ch[i].data);
	free(g);
}

/* Start decompressing in a thread; on any failure the reader simply
 * decompresses in the caller's thread. */
static void
ring_start(struct reader *r)
{
	struct ring *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return;
	for (unsigned i = 0; i < RING_N; i++) {
		g->ch[i].data = malloc(READ_CHUNK);
		if (g->ch[i].data == NULL) {
			ring_free(g);
			return;
		}
	}
	if (pthread_mutex_init(&g->mu, NULL) != 0) {
		ring_free(g);
		return;
	}
	if (pthread_cond_init(&g->cv_data, NULL) != 0) {
		(void)pthread_mutex_destroy(&g->mu);
		ring_free(g);
		return;
	}
	if (pthread_cond_init(&g->cv_space, NULL) != 0) {
		(void)pthread_cond_destroy(&g->cv_data);
		(void)pthread_mutex_destroy(&g->mu);
		ring_free(g);
		return;
	}
	r->ring = g;
	if (pthread_create(&g->th, NULL, ring_main, r) != 0) {
		r->ring = NULL;
		(void)pthread_cond_destroy(&g->cv_space);
		(void)pthread_cond_destroy(&g->cv_data);
		(void)pthread_mutex_destroy(&g->mu);
		ring_free(g);
	}
}

/* Stop and join the thread (it finishes the chunk it is decoding). */
static void
ring_stop(struct reader *r)
{
	struct ring *g = r->ring;

	if (g == NULL)
		return;
	(void)pthread_mutex_lock(&g->mu);
	g->stop = true;
	(void)pthread_cond_signal(&g->cv_space);
	(void)pthread_mutex_unlock(&g->mu);
	(void)pthread_join(g->th, NULL);
	(void)pthread_cond_destroy(&g->cv_space);
	(void)pthread_cond_destroy(&g->cv_data);
	(void)pthread_mutex_destroy(&g->mu);
	ring_free(g);
	r->ring = NULL;
}

/* What src_read gave, from the ring: up to n bytes of the oldest chunk;
 * its error text (in r->src_msg) with its last byte. */
static ssize_t
ring_read(struct reader *r, uint8_t *p, size_t n)
{
	struct ring *g = r->ring;

	(void)pthread_mutex_lock(&g->mu);
	while (g->count == 0 && !g->done)
		(void)pthread_cond_wait(&g->cv_data, &g->mu);
	if (g->count == 0) {
		(void)pthread_mutex_unlock(&g->mu);
		return 0;
	}
	struct chunk *c = &g->ch[g->head];
	(void)pthread_mutex_unlock(&g->mu);
	if (c->rc <= 0) {
		/* the end or an error: it stays, the thread has stopped */
		(void)snprintf(r->src_msg, sizeof(r->src_msg), "%s", c->msg);
		return c->rc;
	}
	size_t left = (size_t)c->rc - c->pos;
	size_t m = n < left ? n : left;
	memcpy(p, c->data + c->pos, m);
	c->pos += m;
	if (c->pos < (size_t)c->rc)
		return (ssize_t)m;
	if (c->msg[0] != '\0')
		(void)snprintf(r->src_msg, sizeof(r->src_msg), "%s", c->msg);
	(void)pthread_mutex_lock(&g->mu);
	g->head = (g->head + 1) % RING_N;
	g->count--;
	(void)pthread_cond_signal(&g->cv_space);
	(void)pthread_mutex_unlock(&g->mu);
	return (ssize_t)m;
}

/* Read up to n decompressed bytes into p; 0 at the end; -1 on error
 * (r->src_msg then says why; it may also be set with bytes returned). */
static ssize_t
next_bytes(struct reader *r, uint8_t *p, size_t n)
{
	if (r->ring != NULL)
		return ring_read(r, p, n);
	ssize_t k = src_read(&r->src, p, n);
	if (r->src.msg[0] != '\0')
		(void)snprintf(
		    r->src_msg, sizeof(r->src_msg), "%s", r->src.msg);
	return k;
}

int
reader_open(const char *path, struct reader **out, struct nk_err *err)
{
	struct reader *r = calloc(1, sizeof(*r));
	uint8_t magic[3] = {0, 0, 0};

	if (r == NULL) {
		nk_err_set(err, "%s: out of memory", path);
		return -1;
	}
	struct src *s = &r->src;
	s->fd = -1;
	r->path = strdup(path);
	r->cap = READ_CHUNK * 2;
	r->buf = malloc(r->cap);
	if (r->path == NULL || r->buf == NULL) {
		nk_err_set(err, "%s: out of memory", path);
		goto fail;
	}
	s->fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (s->fd < 0) {
		nk_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	ssize_t n = pread(s->fd, magic, sizeof(magic), 0);
	if (n < 0 && errno == ESPIPE) {
		nk_err_set(err,
		    "%s: not a regular file (pipes are not "
		    "supported; give a file)",
		    path);
		goto fail;
	}
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		s->fmt = READER_GZIP;
		s->gz = gzdopen(s->fd, "rb");
		if (s->gz == NULL) {
			nk_err_set(err, "%s: gzip open failed", path);
			goto fail;
		}
		s->fd = -1; /* owned by gz now */
		(void)gzbuffer(s->gz, 256u << 10);
	} else if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' &&
	    magic[2] == 'h') {
		s->fmt = READER_BZIP2;
		s->zin = malloc(READ_CHUNK);
		if (s->zin == NULL ||
		    BZ2_bzDecompressInit(&s->bz, 0, 0) != BZ_OK) {
			nk_err_set(err, "%s: bzip2 init failed", path);
			goto fail;
		}
		s->bz_live = true;
	} else {
		s->fmt = READER_PLAIN;
	}
	if (s->fmt != READER_PLAIN)
		ring_start(r);
	*out = r;
	return 0;
fail:
	reader_close(r);
	return -1;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	ring_stop(r);
	struct src *s = &r->src;
	if (s->gz != NULL)
		(void)gzclose(s->gz);
	if (s->bz_live)
		(void)BZ2_bzDecompressEnd(&s->bz);
	free(s->zin);
	if (s->fd >= 0)
		(void)close(s->fd);
	free(r->buf);
	free(r->path);
	free(r);
}

/* Make at least n bytes available from start; returns what is there. */
static size_t
fill(struct reader *r, size_t n)
{
	while (r->end - r->start < n && !r->eof && !r->src_error) {
		if (r->start > 0 && r->start == r->end) {
			r->base += r->start;
			r->start = r->end = 0;
		}
		if (r->cap - r->end < READ_CHUNK && r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->base += r->start;
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < READ_CHUNK) {
			size_t ncap = r->cap * 2;
			uint8_t *nb = realloc(r->buf, ncap);
			if (nb == NULL) {
				(void)snprintf(r->src_msg, sizeof(r->src_msg),
				    "out of memory");
				r->src_error = true;
				break;
			}
			r->buf = nb;
			r->cap = ncap;
		}
		ssize_t k = next_bytes(r, r->buf + r->end, r->cap - r->end);
		if (k < 0) {
			r->src_error = true;
			break;
		}
		if (k == 0) {
			if (r->src_msg[0] != '\0')
				r->src_error = true;
			else
				r->eof = true;
			break;
		}
		r->end += (size_t)k;
		if (r->src_msg[0] != '\0') {
			r->src_error = true;
			break;
		}
	}
	return r->end - r->start;
}

bool
reader_hdr_plausible(const struct nk_mrt_hdr *h, uint32_t ref_ts, bool have_ref)
{
	if (h->len > READER_MAX_RECORD)
		return false;
	if (!nk_mrt_type_known(h->type, h->subtype) &&
	    !(h->type == 5 && h->subtype <= 10))
		return false;
	if (have_ref) {
		uint32_t d = h->ts > ref_ts ? h->ts - ref_ts : ref_ts - h->ts;
		if (d > RESYNC_TS_WINDOW)
			return false;
	}
	return true;
}

/*
 * Scan forward from start+1 for a header that is plausible and is followed
 * by another plausible header (or the exact end of the stream).
 */
static bool
resync(struct reader *r)
{
	uint64_t scanned = 0;

	r->start++;
	scanned++;
	while (scanned < RESYNC_MAX) {
		size_t have = fill(r, NK_MRT_HDR_LEN);
		if (have < NK_MRT_HDR_LEN)
			return false;
		struct nk_mrt_hdr h, h2;
		(void)nk_mrt_hdr_parse(r->buf + r->start, have, &h);
		if (reader_hdr_plausible(&h, r->ref_ts, r->have_ref)) {
			size_t need =
			    NK_MRT_HDR_LEN + (size_t)h.len + NK_MRT_HDR_LEN;
			have = fill(r, need);
			if (have == need - NK_MRT_HDR_LEN)
				return true; /* ends the stream exactly */
			if (have >= need &&
			    nk_mrt_hdr_parse(
				r->buf + r->start + need - NK_MRT_HDR_LEN,
				NK_MRT_HDR_LEN, &h2) == 0 &&
			    reader_hdr_plausible(&h2, h.ts, true))
				return true;
		}
		r->start++;
		scanned++;
	}
	return false;
}

enum reader_rc
reader_next(struct reader *r, struct nk_mrt_hdr *h, const uint8_t **body,
    uint64_t *offset, struct nk_err *err)
{
	size_t have = fill(r, NK_MRT_HDR_LEN);
	uint64_t off = r->base + r->start;

	*offset = off;
	if (have == 0) {
		if (r->src_error) {
			nk_err_set(err, "%s offset %llu: %s", r->path,
			    (unsigned long long)off, r->src_msg);
			return READER_FATAL;
		}
		return READER_EOF;
	}
	if (have < NK_MRT_HDR_LEN) {
		nk_err_set(err,
		    "%s offset %llu: truncated MRT header (%zu of "
		    "12 bytes)%s%s",
		    r->path, (unsigned long long)off, have,
		    r->src_error ? ": " : "", r->src_error ? r->src_msg : "");
		r->start = r->end;
		return READER_FATAL;
	}
	(void)nk_mrt_hdr_parse(r->buf + r->start, have, h);
	if (!reader_hdr_plausible(h, r->ref_ts, r->have_ref)) {
		const char *why = h->len > READER_MAX_RECORD
		    ? "record length over the 16 MiB cap"
		    : (!nk_mrt_type_known(h->type, h->subtype) && h->type != 5)
		    ? "unknown type/subtype (damaged framing?)"
		    : "timestamp out of line with the records before";
		uint64_t from = off;
		bool ok = resync(r);
		uint64_t to = r->base + r->start;
		r->n_skipped += to - from;
		if (!ok) {
			nk_err_set(err,
			    "%s offset %llu: record type %u subtype %u length "
			    "%u: %s; no MRT record found after it (%llu bytes "
			    "skipped)%s",
			    r->path, (unsigned long long)from, h->type,
			    h->subtype, h->len, why,
			    (unsigned long long)(to - from),
			    from == 0 ? ": not an MRT file?" : "");
			return READER_FATAL;
		}
		nk_err_set(err,
		    "%s offset %llu: record type %u subtype %u length %u: %s; "
		    "resynchronised at offset %llu (%llu bytes skipped)",
		    r->path, (unsigned long long)from, h->type, h->subtype,
		    h->len, why, (unsigned long long)to,
		    (unsigned long long)(to - from));
		return READER_SKIPPED;
	}
	size_t need = NK_MRT_HDR_LEN + (size_t)h->len;
	have = fill(r, need);
	if (have < need) {
		/*
		 * The stream ends before the record does. Either the file is
		 * cut, or the length field lies: look for a later record in
		 * what is left before calling it truncated.
		 */
		size_t rec_start = r->start;
		uint64_t from = off;
		if (resync(r)) {
			uint64_t to = r->base + r->start;
			r->n_skipped += to - from;
			nk_err_set(err,
			    "%s offset %llu: record type %u subtype %u: length "
			    "%u "
			    "exceeds the %zu bytes left (length field lies?); "
			    "resynchronised at offset %llu (%llu bytes "
			    "skipped)",
			    r->path, (unsigned long long)from, h->type,
			    h->subtype, h->len, have - NK_MRT_HDR_LEN,
			    (unsigned long long)to,
			    (unsigned long long)(to - from));
			return READER_SKIPPED;
		}
		(void)rec_start;
		nk_err_set(err,
		    "%s offset %llu: record type %u subtype %u: truncated, %zu "
		    "of %u body bytes%s%s",
		    r->path, (unsigned long long)off, h->type, h->subtype,
		    have - NK_MRT_HDR_LEN, h->len, r->src_error ? ": " : "",
		    r->src_error ? r->src_msg : " (file ends)");
		r->start = r->end;
		return READER_FATAL;
	}
	/*
	 * Old RIS TABLE_DUMP files (MRT toolkit, 2000) declare each record 4
	 * bytes shorter than written. When the next header only makes sense
	 * 4 bytes later, read the record with the corrected length; say so
	 * once per file.
	 */
	struct nk_mrt_hdr nx;
	size_t more = fill(r, need + 4 + NK_MRT_HDR_LEN);
	bool extend = false;
	if (more == need + 4)
		extend = r->short4; /* the last record of such a file */
	else if (more >= need + 4 + NK_MRT_HDR_LEN &&
	    nk_mrt_hdr_parse(r->buf + r->start + need, NK_MRT_HDR_LEN, &nx) ==
		0 &&
	    !reader_hdr_plausible(&nx, h->ts, true) &&
	    nk_mrt_hdr_parse(
		r->buf + r->start + need + 4, NK_MRT_HDR_LEN, &nx) == 0 &&
	    reader_hdr_plausible(&nx, h->ts, true))
		extend = true;
	if (extend) {
		if (!r->short4) {
			r->short4 = true;
			r->note_new = true;
			(void)snprintf(r->note, sizeof(r->note),
			    "%s offset %llu: record type %u/%u declares %u "
			    "bytes but 4 more follow before the next header "
			    "(old MRT toolkit bug): reading with corrected "
			    "lengths",
			    r->path, (unsigned long long)off, h->type,
			    h->subtype, h->len);
		}
		h->len += 4;
		need += 4;
	}
	*body = r->buf + r->start + NK_MRT_HDR_LEN;
	r->start += need;
	r->ref_ts = h->ts;
	r->have_ref = true;
	return READER_RECORD;
}

const char *
reader_take_note(struct reader *r)
{
	if (!r->note_new)
		return NULL;
	r->note_new = false;
	return r->note;
}
