/*
 * conf: stormwatch's --config FILE (lib/config format). Top-level keys, or
 * the same keys in a [stormwatch] section; any other key or section is
 * refused with "FILE:LINE: ...". stormwatch(1) lists every key. The
 * command line wins over the file: the caller applies the file first.
 */
#ifndef SW_CONF_H
#define SW_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "detect.h"
#include "err.h"

/* Run settings the command line also has. Strings live in `raw`. */
struct sw_conf {
	struct nk_config *raw; /* owned */
	const char *filter;    /* NULL: not in the file */
	const char *evidence;
	const char *user;
	const char *oui_dir;
	bool has_duration;
	double duration_s;
	int snaplen;    /* 0: not in the file */
	int buffer_kib; /* 0: not in the file */
	int promisc;    /* -1: not in the file, else 0/1 */
	bool has_report;
	int64_t report_ns; /* also set in the sw_config */
	int64_t stats_ns;  /* live capture_stats period, 0: not in the file */
	bool has_storm_copies; /* storm_copies given (so is storm_end_pps) */
	bool has_storm_end;    /* storm_end_copies given */
};

/*
 * Parse a config held in memory (`name` for messages) or load a file,
 * applying the detection settings to *cfg (which holds the defaults) and
 * the run settings to *out (fully reset first). 0, or -1 with err
 * "FILE:LINE: cause"; on failure *out owns nothing (and *cfg may hold
 * some of the file's settings: the caller gives up).
 */
int sw_conf_parse(const char *name, const uint8_t *buf, size_t len,
    struct sw_config *cfg, struct sw_conf *out, struct nk_err *err);
int sw_conf_load(const char *path, struct sw_config *cfg, struct sw_conf *out,
    struct nk_err *err);
/* Free what *c owns; safe on a reset or failed one. */
void sw_conf_fini(struct sw_conf *c);

#endif
