/*
 * walk: drive MRT files through the record decoder — one file, or several
 * merged in time order (replay) — reporting every damaged record as one
 * log line "FILE offset N: record type T/S: cause".
 */
#ifndef BW_WALK_H
#define BW_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mrt.h"

struct walk_stats {
	uint64_t n_records;
	uint64_t n_bad;     /* records reported as damaged */
	uint64_t n_skipped; /* records of types not decoded */
	uint64_t bytes_skipped;
	unsigned n_fatal; /* files that could not be read to the end */
};

/*
 * Read `paths` (n >= 1). With n > 1 the records are merged by timestamp
 * (each file is in time order, as collectors write them). cb gets every
 * element; its non-zero return stops the walk. Returns 0, or -1 when a file
 * could not be opened or read to its end (stats say how much was read).
 */
int walk_files(char *const *paths, size_t n, nk_mrt_cb cb, void *arg,
    struct walk_stats *st);

#endif
