/*
 * rd: the bounds-checked reader ("bytes" module) every parser of untrusted
 * bytes goes through. A read past the end returns 0 and sets the sticky
 * `err`; later reads keep failing, so a parser may read a whole structure
 * and test `err` once before acting on any value. A length field never
 * widens the buffer: nk_rd_sub() gives a child reader of exactly that many
 * bytes, or an empty failed one if fewer are left.
 */
#ifndef NK_RD_H
#define NK_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nk_rd {
	const uint8_t *buf; /* borrowed; never written */
	size_t len;         /* bytes in buf */
	size_t off;         /* next byte to read */
	bool err;           /* sticky: a read ran past the end */
};

static inline struct nk_rd
nk_rd_make(const uint8_t *buf, size_t len)
{
	struct nk_rd r = {buf, buf == NULL ? 0 : len, 0, false};
	return r;
}

static inline size_t
nk_rd_left(const struct nk_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

static inline bool
nk_rd_ok(const struct nk_rd *r)
{
	return !r->err;
}

/* True when every byte was consumed and nothing failed. */
static inline bool
nk_rd_done(const struct nk_rd *r)
{
	return !r->err && r->off == r->len;
}

/* Mark the reader failed (a parser found a bad value). */
static inline void
nk_rd_fail(struct nk_rd *r)
{
	r->err = true;
}

static inline bool
nk_rd_need(struct nk_rd *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return false;
	}
	return true;
}

static inline uint8_t
nk_rd_u8(struct nk_rd *r)
{
	if (!nk_rd_need(r, 1))
		return 0;
	return r->buf[r->off++];
}

static inline uint16_t
nk_rd_be16(struct nk_rd *r)
{
	if (!nk_rd_need(r, 2))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 2;
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
nk_rd_be24(struct nk_rd *r)
{
	if (!nk_rd_need(r, 3))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 3;
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t
nk_rd_be32(struct nk_rd *r)
{
	if (!nk_rd_need(r, 4))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
nk_rd_be64(struct nk_rd *r)
{
	uint64_t hi = nk_rd_be32(r);
	uint64_t lo = nk_rd_be32(r);
	return r->err ? 0 : hi << 32 | lo;
}

static inline uint16_t
nk_rd_le16(struct nk_rd *r)
{
	if (!nk_rd_need(r, 2))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 2;
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t
nk_rd_le32(struct nk_rd *r)
{
	if (!nk_rd_need(r, 4))
		return 0;
	const uint8_t *p = r->buf + r->off;
	r->off += 4;
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/* Copy n bytes out; on failure `out` is zero-filled. */
static inline void
nk_rd_bytes(struct nk_rd *r, void *out, size_t n)
{
	uint8_t *o = out;
	if (!nk_rd_need(r, n)) {
		for (size_t i = 0; i < n; i++)
			o[i] = 0;
		return;
	}
	for (size_t i = 0; i < n; i++)
		o[i] = r->buf[r->off + i];
	r->off += n;
}

/* Borrow a pointer to the next n bytes and skip them; NULL on failure. */
static inline const uint8_t *
nk_rd_ptr(struct nk_rd *r, size_t n)
{
	if (!nk_rd_need(r, n))
		return NULL;
	const uint8_t *p = r->buf + r->off;
	r->off += n;
	return p;
}

static inline void
nk_rd_skip(struct nk_rd *r, size_t n)
{
	if (nk_rd_need(r, n))
		r->off += n;
}

/* Look at the byte at offset `at` from the cursor without consuming it. */
static inline uint8_t
nk_rd_peek(const struct nk_rd *r, size_t at)
{
	if (r->err || at >= r->len - r->off)
		return 0;
	return r->buf[r->off + at];
}

/*
 * A child reader over the next n bytes, which the parent skips. If fewer
 * than n are left, the parent fails and the child is empty and failed.
 */
static inline struct nk_rd
nk_rd_sub(struct nk_rd *r, size_t n)
{
	struct nk_rd c = {NULL, 0, 0, true};
	if (!nk_rd_need(r, n))
		return c;
	c.buf = r->buf + r->off;
	c.len = n;
	c.err = false;
	r->off += n;
	return c;
}

/* The rest of the parent as a child; the parent ends up consumed. */
static inline struct nk_rd
nk_rd_rest(struct nk_rd *r)
{
	return nk_rd_sub(r, nk_rd_left(r));
}

/* Narrowing helpers: -Wconversion casts live here, checked by the caller. */
static inline uint8_t
nk_u8(unsigned v)
{
	return (uint8_t)v;
}

static inline uint16_t
nk_u16(unsigned v)
{
	return (uint16_t)v;
}

#endif
