/*
 * dump: `bgpwatch dump` — one line per RIB entry, announcement, withdrawal
 * or state change in the format of `bgpdump -m`, or JSON Lines.
 */
#ifndef BW_DUMP_H
#define BW_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mrt.h"

struct dump_opts {
	bool json;
	/* Leave out records of this type/subtype (0 = none), e.g. 13/6. */
	uint16_t skip_type, skip_subtype;
};

struct dump;

struct dump *dump_new(FILE *out, const struct dump_opts *o);
/* Flush; returns 0 or -1 if a write failed. */
int dump_flush(struct dump *d);
void dump_free(struct dump *d);

/* The nk_mrt_cb for nk_mrt_record_parse (arg = struct dump *). */
int dump_elem(void *arg, const struct nk_mrt_elem *e);

uint64_t dump_n_lines(const struct dump *d);

/* Formatting helpers shared with show/diff (exposed for tests). */
size_t dump_fmt_addr(const struct nk_addr *a, char *buf, size_t len);
/* Communities as bgpdump writes them ("65000:1 no-export"). */
size_t dump_fmt_communities(
    const uint8_t *c, size_t clen, char *buf, size_t len);

#endif
