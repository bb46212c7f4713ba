/*
 * config: one small file format for every tool.
 *
 *   # comment (also ';'; whole lines only, or after a quoted value or a
 *     section header: in "k = a # b" the value is "a # b")
 *   key = value                  (before any section: the "" section)
 *   [section]
 *   [group oak-harbor]           (a section with a label; one word, or
 *   [group "two words"]           quoted)
 *   key = value with spaces      (value trimmed; "quoted values" keep
 *                                 spaces and may use \" and \\)
 *   target = 192.0.2.1           (a key may repeat: all are kept in order)
 *
 * Names of keys and sections: letters, digits, '_', '.', '-'. CRLF line
 * ends and a UTF-8 BOM are accepted; control characters (but tab) and NUL
 * are refused. Sections may repeat; each is kept, in order.
 *
 * Errors name the place: "FILE:LINE: cause". Lines are at most 4096 bytes,
 * a file at most 16 MiB and 100000 entries.
 */
#ifndef NK_CONFIG_H
#define NK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct nk_config;
struct nk_config_section;

int nk_config_load(const char *path, struct nk_config **out,
    struct nk_err *err);
/* Parse text held in memory; `name` is used in error messages. */
int nk_config_parse(const char *name, const uint8_t *buf, size_t len,
    struct nk_config **out, struct nk_err *err);
void nk_config_free(struct nk_config *cfg);
const char *nk_config_name(const struct nk_config *cfg);

size_t nk_config_n_sections(const struct nk_config *cfg);
const struct nk_config_section *nk_config_section_at(
    const struct nk_config *cfg, size_t i);
/* First section with this name (and label, unless label is NULL), or
 * NULL. Top-level keys are in section "" (absent when there are none). */
const struct nk_config_section *nk_config_find(const struct nk_config *cfg,
    const char *name, const char *label);

const char *nk_config_section_name(const struct nk_config_section *s);
/* The label, "" when none. */
const char *nk_config_section_label(const struct nk_config_section *s);
unsigned nk_config_section_line(const struct nk_config_section *s);

size_t nk_config_n_entries(const struct nk_config_section *s);
/* Entry i: key, value and line number (any out-param may be NULL). */
void nk_config_entry_at(const struct nk_config_section *s, size_t i,
    const char **key, const char **value, unsigned *line);
/* The first value for key, or NULL (also for a NULL section); *line set
 * when found and non-NULL. Strings live as long as cfg. */
const char *nk_config_get(const struct nk_config_section *s, const char *key,
    unsigned *line);

/* Typed getters; on a bad value err is "FILE:LINE: key 'k': cause". A
 * missing key (or a NULL section) leaves *out untouched and returns 0.
 * A repeated key: the first value counts. */
int nk_config_get_u64(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, uint64_t min,
    uint64_t max, uint64_t *out, struct nk_err *err);
int nk_config_get_double(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, double min,
    double max, double *out, struct nk_err *err);
int nk_config_get_duration_ns(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, int64_t bare_unit_ns,
    int64_t min_ns, int64_t max_ns, int64_t *out, struct nk_err *err);

/* yes/no, true/false, on/off, 1/0. */
int nk_config_get_bool(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, bool *out,
    struct nk_err *err);
/* A size with optional k, M, G suffix (nk_parse_size_bytes). */
int nk_config_get_size_bytes(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, uint64_t max,
    uint64_t *out, struct nk_err *err);

/* Refuse keys not in the NULL-terminated list: "FILE:LINE: unknown key
 * 'x' in [section]" ("in [group oak-harbor]", "at top level"). A NULL
 * section has no keys. */
int nk_config_check_keys(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *const *allowed,
    struct nk_err *err);

#endif
