/*
 * Fuzz the bounds-checked reader (lib/rd.h). The input is a little program
 * of nested TLVs: type u8, length be16, then `length` bytes read through a
 * child reader (nk_rd_sub). The type's low nibble picks what to do with
 * the child: descend into it as more TLVs, or read it with one of the
 * reader's calls; the high nibble is a size for bytes/ptr/skip/peek/sub.
 * Every call is checked against the input itself: the reader never
 * reports more bytes left than exist, never hands out memory outside the
 * input, returns exactly the bytes there, and 0 with a sticky error past
 * the end. A broken invariant traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_DEPTH 16

struct span {
	const uint8_t *base;
	size_t size;
};

/* The reader's own view agrees with the bytes that really exist. */
static void
check_reader(const struct span *in, const struct nk_rd *r)
{
	if (r->err) {
		CHECK(nk_rd_left(r) == 0);
		CHECK(!nk_rd_ok(r));
		CHECK(!nk_rd_done(r));
		return;
	}
	CHECK(r->off <= r->len);
	CHECK(nk_rd_left(r) == r->len - r->off);
	if (r->len == 0)
		return;
	uintptr_t lo = (uintptr_t)in->base, p = (uintptr_t)r->buf;
	CHECK(p >= lo && p - lo <= in->size);
	CHECK(r->len <= in->size - (size_t)(p - lo));
	CHECK(nk_rd_done(r) == (r->off == r->len));
}

/* What a read of k bytes must return, taken from the input directly. */
static bool
expect_bytes(const struct nk_rd *r, size_t k, uint8_t out[8])
{
	if (r->err || r->len - r->off < k)
		return false;
	memcpy(out, r->buf + r->off, k);
	return true;
}

static uint64_t
be(const uint8_t *b, size_t k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < k; i++)
		v = v << 8 | b[i];
	return v;
}

static uint64_t
le(const uint8_t *b, size_t k)
{
	uint64_t v = 0;
	for (size_t i = k; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

/* One fixed-width read: the value, the advance, or failure and 0. */
static void
check_int(const struct span *in, struct nk_rd *r, unsigned op)
{
	static const size_t width[] = {0, 1, 2, 3, 4, 8, 2, 4};
	size_t k = width[op];
	uint8_t want[8] = {0};
	size_t off = r->off;
	bool fits = expect_bytes(r, k, want);
	uint64_t got = 0, exp = 0;

	switch (op) {
	case 1:
		got = nk_rd_u8(r);
		exp = be(want, 1);
		break;
	case 2:
		got = nk_rd_be16(r);
		exp = be(want, 2);
		break;
	case 3:
		got = nk_rd_be24(r);
		exp = be(want, 3);
		break;
	case 4:
		got = nk_rd_be32(r);
		exp = be(want, 4);
		break;
	case 5:
		got = nk_rd_be64(r);
		exp = be(want, 8);
		break;
	case 6:
		got = nk_rd_le16(r);
		exp = le(want, 2);
		break;
	default:
		got = nk_rd_le32(r);
		exp = le(want, 4);
		break;
	}
	if (fits) {
		CHECK(nk_rd_ok(r));
		CHECK(got == exp);
		CHECK(r->off == off + k);
	} else {
		CHECK(!nk_rd_ok(r));
		CHECK(got == 0);
	}
	check_reader(in, r);
}

/* Read the child r with op until it is used up or fails. */
static void
run_op(const struct span *in, struct nk_rd *r, unsigned op, size_t n)
{
	for (unsigned iter = 0; nk_rd_left(r) > 0 && iter < 70000; iter++) {
		size_t left = nk_rd_left(r), off = r->off;
		const uint8_t *at = r->err ? NULL : r->buf + r->off;

		switch (op) {
		case 1:
		case 2:
		case 3:
		case 4:
		case 5:
		case 6:
		case 7:
			check_int(in, r, op);
			break;
		case 8: {
			/* Exactly n bytes of heap: ASan sees any overrun. */
			uint8_t *out = malloc(n == 0 ? 1 : n);
			if (out == NULL)
				return;
			memset(out, 0xa5, n == 0 ? 1 : n);
			nk_rd_bytes(r, out, n);
			if (n <= left) {
				CHECK(nk_rd_ok(r) && r->off == off + n);
				CHECK(n == 0 || memcmp(out, at, n) == 0);
			} else {
				CHECK(!nk_rd_ok(r));
				for (size_t i = 0; i < n; i++)
					CHECK(out[i] == 0);
			}
			free(out);
			break;
		}
		case 9: {
			const uint8_t *p = nk_rd_ptr(r, n);
			if (n <= left) {
				CHECK(p == at && r->off == off + n);
			} else {
				CHECK(p == NULL && !nk_rd_ok(r));
			}
			break;
		}
		case 10:
			nk_rd_skip(r, n);
			CHECK(n <= left ? r->off == off + n : !nk_rd_ok(r));
			break;
		case 11: {
			uint8_t v = nk_rd_peek(r, n);
			CHECK(r->off == off && nk_rd_ok(r));
			CHECK(v == (n < left ? at[n] : 0));
			nk_rd_skip(r, 1); /* make progress */
			break;
		}
		case 12: {
			struct nk_rd c = nk_rd_sub(r, n);
			check_reader(in, &c);
			if (n <= left) {
				CHECK(
				    nk_rd_ok(&c) && c.buf == at && c.len == n);
				CHECK(r->off == off + n);
				struct nk_rd rest = nk_rd_rest(&c);
				check_reader(in, &rest);
				CHECK(nk_rd_done(&c) && rest.len == n);
			} else {
				CHECK(!nk_rd_ok(&c) && !nk_rd_ok(r));
				CHECK(nk_rd_u8(&c) == 0 &&
				    nk_rd_ptr(&c, 0) == NULL);
			}
			break;
		}
		case 13: {
			/* A length field read from the data: the child may not
			 * extend past the parent. */
			size_t claimed = nk_rd_u8(r);
			struct nk_rd c = nk_rd_sub(r, claimed);
			check_reader(in, &c);
			if (claimed + 1 <= left) {
				CHECK(nk_rd_ok(&c) && c.len == claimed);
				CHECK(c.buf == at + 1);
			} else {
				CHECK(!nk_rd_ok(&c) && !nk_rd_ok(r));
			}
			while (nk_rd_ok(&c) && nk_rd_left(&c) > 0)
				check_int(in, &c, 1);
			CHECK(nk_rd_u8(&c) == 0);
			CHECK(!nk_rd_ok(&c));
			break;
		}
		case 14:
			nk_rd_fail(r);
			CHECK(nk_rd_u8(r) == 0 && nk_rd_be32(r) == 0);
			CHECK(nk_rd_ptr(r, 0) == NULL && nk_rd_peek(r, 0) == 0);
			break;
		default:
			CHECK(
			    nk_rd_done(r) == (nk_rd_ok(r) && r->off == r->len));
			nk_rd_skip(r, left); /* consume all: done after */
			CHECK(nk_rd_done(r));
			break;
		}
		check_reader(in, r);
		/* Zero-sized calls make no progress: once is enough. */
		if (n == 0 && (op == 8 || op == 9 || op == 10 || op == 12))
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct span in = {data, size};
	struct nk_rd stack[MAX_DEPTH];
	size_t depth = 0;

	stack[depth++] = nk_rd_make(data, size);
	check_reader(&in, &stack[0]);
	while (depth > 0) {
		struct nk_rd *top = &stack[depth - 1];
		check_reader(&in, top);
		if (nk_rd_left(top) == 0) {
			depth--;
			continue;
		}
		size_t left = nk_rd_left(top), off = top->off;
		unsigned type = nk_rd_u8(top);
		size_t len = nk_rd_be16(top);
		if (!nk_rd_ok(top)) {
			CHECK(left < 3 && len == 0);
			depth--;
			continue;
		}
		const uint8_t *at = top->buf + top->off;
		struct nk_rd child = nk_rd_sub(top, len);
		check_reader(&in, &child);
		check_reader(&in, top);
		if (len > left - 3) {
			/* The length field lied: both fail, nothing widens. */
			CHECK(!nk_rd_ok(&child) && !nk_rd_ok(top));
			depth--;
			continue;
		}
		CHECK(child.buf == at && child.len == len);
		CHECK(top->off == off + 3 + len);
		unsigned op = type & 0x0f;
		size_t n = (size_t)(type >> 4) * 3;
		if (op == 0 && depth < MAX_DEPTH)
			stack[depth++] = child;
		else
			run_op(&in, &child, op, n);
	}
	return 0;
}
