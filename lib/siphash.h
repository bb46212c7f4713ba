/*
 * siphash: SipHash-2-4 (Aumasson, Bernstein 2012), a keyed 64-bit MAC for
 * short inputs. multiping tags each echo with it (STYLE §4), so a reply
 * that was mangled in flight or sent by someone else fails the check and
 * is counted, never timed.
 */
#ifndef NK_SIPHASH_H
#define NK_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define NK_SIPHASH_KEY_LEN 16

/* SipHash-2-4 of data[0..len) under a 16-byte key; pure. */
uint64_t nk_siphash24(const uint8_t key[NK_SIPHASH_KEY_LEN],
    const uint8_t *data, size_t len);

#endif
