/*
 * log: one line per event with all its context as key=value, to stderr or
 * syslog. The only module that writes diagnostics.
 *   ts=2026-11-23T03:12:09.412Z tool=multiping level=warn event=loss \
 *       target=192.0.2.7 seq=4711 run=3
 * Values given with nk_log_str() are quoted/escaped as needed: a value with
 * a space, '"' or '=' (or an empty one) is put in double quotes, '"' and
 * '\\' are escaped, newline is \n, other control or non-ASCII bytes are
 * \xNN (lower-case hex, e.g. \x1b).
 * Levels print as level=error|warn|info|debug. A line is at most
 * NK_LOG_LINE_MAX bytes with its newline (a longer one is cut and ends in
 * "..."), written with one write(2) so concurrent writers never interleave.
 * In syslog mode the ts= is left out (syslog stamps lines).
 */
#ifndef NK_LOG_H
#define NK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define NK_LOG_LINE_MAX 4096

enum nk_log_level {
	NK_LOG_ERR = 0,
	NK_LOG_WARN = 1,
	NK_LOG_INFO = 2,
	NK_LOG_DEBUG = 3,
};

/*
 * Set the tool name, the level (lines above it are dropped) and the
 * destination (syslog via openlog/LOG_DAEMON when use_syslog, else stderr).
 * May be called again (e.g. after options are parsed).
 */
void nk_log_init(const char *tool, enum nk_log_level level, bool use_syslog);
void nk_log_set_level(enum nk_log_level level);
enum nk_log_level nk_log_get_level(void);

/* "error", "warn", "info", "debug". */
const char *nk_log_level_name(enum nk_log_level level);

/*
 * Redirect output to another stream (tests); NULL = stderr. Also in syslog
 * mode: the stream then gets the line syslog would (no ts=) instead.
 */
void nk_log_set_stream(FILE *stream);

/*
 * Write one line: the prefix (ts, tool, level, event=EVENT), then the
 * caller's `fmt` which holds more key=value pairs (NULL for none: gcc
 * rejects "" under -Wformat).
 * Use nk_log_str() for any value that may contain spaces or wire text; raw
 * CR/LF left in the caller's part become spaces. Lines above the level are
 * dropped. Before nk_log_init() the tool is "nockit", the level info.
 */
void nk_log(enum nk_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Escape `s` into buf as one key=value-safe token (quoted if needed) and
 * return buf. Never longer than len-1; a cut value ends in "..." (before
 * the closing quote; whole escapes only). NULL is "". len 0 leaves buf
 * alone; a buffer too small for even the quotes and "..." gets "".
 */
char *nk_log_str(char *buf, size_t len, const char *s);

/* The same for raw bytes (banners, wire text with NULs). */
char *nk_log_bytes(char *buf, size_t len, const void *data, size_t n);

#endif
