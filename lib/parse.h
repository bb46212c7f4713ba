/*
 * parse: strict conversions of text to numbers (no atoi): the whole string
 * must be consumed, the value must lie in [min, max], and a failure fills
 * err with the text and the cause ("'12x': not a number"). Out-params are
 * set only on success.
 */
#ifndef NK_PARSE_H
#define NK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

int nk_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    struct nk_err *err);
/*
 * A number at the start of protocol text ("4711]", "12 EXISTS"): the
 * leading decimal digits of s. Returns how many digits were read, 0 when
 * there are none or the value exceeds max (*out untouched then); no
 * error text, the caller knows what the number was for.
 */
size_t nk_parse_u64_prefix(const char *s, uint64_t max, uint64_t *out);
int nk_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
    struct nk_err *err);
int nk_parse_double(const char *s, double min, double max, double *out,
    struct nk_err *err);

/*
 * A duration: a number with an optional unit ns, us, ms, s, m, h, d;
 * a bare number is in `bare_unit_ns` (e.g. NK_NS_PER_SEC for "-i 0.5").
 * "1.5s", "200ms", "2m". Result in ns, bounded by [min_ns, max_ns].
 * No space before the unit; fractions are exact and truncated to 1 ns.
 * bare_unit_ns <= 0 makes the unit mandatory.
 */
int nk_parse_duration_ns(const char *s, int64_t bare_unit_ns, int64_t min_ns,
    int64_t max_ns, int64_t *out_ns, struct nk_err *err);

/* A size: optional k (or K), M, G suffix (powers of 1024). */
int nk_parse_size_bytes(const char *s, uint64_t max, uint64_t *out,
    struct nk_err *err);

/* yes/no, true/false, on/off, 1/0 (any case). */
int nk_parse_bool(const char *s, bool *out, struct nk_err *err);

#endif
