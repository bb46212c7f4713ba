/*
 * reader: MRT records from a plain, gzip or bzip2 file (format by magic
 * bytes), streamed through a bounded buffer. Damaged framing is reported
 * with the file, offset and record type, then the reader resynchronises on
 * the next plausible header; truncated streams are reported, never hidden.
 */
#ifndef BW_READER_H
#define BW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mrt.h"

/* Largest record accepted (RFC 6396 sets none; bgpdump's 64 KiB cap broke
 * on real RIBs: bview.64k_stream_overflow). */
#define READER_MAX_RECORD (16u << 20)

enum reader_fmt { READER_PLAIN = 0, READER_GZIP, READER_BZIP2 };

struct reader;

/* Open `path` ("-" = stdin). 0, or -1 with err "FILE: cause". */
int reader_open(const char *path, struct reader **out, struct nk_err *err);
void reader_close(struct reader *r);

enum reader_rc {
	READER_EOF = 0,      /* clean end */
	READER_RECORD = 1,   /* *h and *body are set */
	READER_SKIPPED = -1, /* damaged bytes reported in err; call again */
	READER_FATAL = -2,   /* reported in err; nothing more can be read */
};

/*
 * The next record. body borrows the reader's buffer until the next call.
 * *offset is the record's offset in the decompressed stream.
 */
enum reader_rc reader_next(struct reader *r, struct nk_mrt_hdr *h,
    const uint8_t **body, uint64_t *offset, struct nk_err *err);

const char *reader_path(const struct reader *r);
enum reader_fmt reader_format(const struct reader *r);
/* Bytes of decompressed stream consumed so far. */
uint64_t reader_offset(const struct reader *r);
uint64_t reader_bytes_skipped(const struct reader *r);

/* A one-time note about a quirk the reader works around, or NULL. */
const char *reader_take_note(struct reader *r);

/* Plausibility of a header at a resync candidate (exposed for tests). */
bool reader_hdr_plausible(
    const struct nk_mrt_hdr *h, uint32_t ref_ts, bool have_ref);

#endif
