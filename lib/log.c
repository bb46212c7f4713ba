#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"

#define TOOL_MAX 64

static struct {
	char tool[TOOL_MAX];
	enum nk_log_level level;
	bool use_syslog;
	bool syslog_open;
	FILE *stream; /* NULL = stderr */
} lg = {"nockit", NK_LOG_INFO, false, false, NULL};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *
nk_log_level_name(enum nk_log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "debug";
	return level_names[level];
}

void
nk_log_init(const char *tool, enum nk_log_level level, bool use_syslog)
{
	char name[TOOL_MAX];

	/* Copy first: `tool` may be the previous name, which openlog keeps. */
	(void)snprintf(name, sizeof(name), "%s",
	    tool != NULL && tool[0] != '\0' ? tool : "nockit");
	if (lg.syslog_open) {
		closelog();
		lg.syslog_open = false;
	}
	memcpy(lg.tool, name, sizeof(lg.tool));
	lg.level = level;
	lg.use_syslog = use_syslog;
	if (use_syslog) {
		/* openlog keeps the ident pointer: lg.tool lives forever. */
		openlog(lg.tool, LOG_PID, LOG_DAEMON);
		lg.syslog_open = true;
	}
}

void
nk_log_set_level(enum nk_log_level level)
{
	lg.level = level;
}

enum nk_log_level
nk_log_get_level(void)
{
	return lg.level;
}

void
nk_log_set_stream(FILE *stream)
{
	lg.stream = stream;
}

/* True when a byte must be written as an escape. */
static bool
needs_escape(uint8_t c)
{
	return c < 0x20 || c >= 0x7f || c == '"' || c == '\\';
}

/* The escaped form of one byte into e (at most 4 chars + NUL); its length. */
static size_t
escape_byte(uint8_t c, char e[5])
{
	static const char hex[] = "0123456789abcdef";

	if (!needs_escape(c)) {
		e[0] = (char)c;
		e[1] = '\0';
		return 1;
	}
	e[0] = '\\';
	if (c == '"' || c == '\\') {
		e[1] = (char)c;
		e[2] = '\0';
		return 2;
	}
	if (c == '\n') {
		e[1] = 'n';
		e[2] = '\0';
		return 2;
	}
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 0xf];
	e[4] = '\0';
	return 4;
}

/*
 * One token: quoted when empty or holding a space, '"' or '=' (so a reader
 * splitting on spaces and the first '=' gets it whole). When it does not
 * fit, as many whole escapes as fit, then "..." (inside the quotes).
 */
static char *
escape(char *buf, size_t len, const uint8_t *p, size_t n)
{
	bool quote = n == 0;
	size_t need = 0;
	size_t o = 0;
	char e[5];

	if (buf == NULL || len == 0)
		return buf;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '"' || p[i] == '=')
			quote = true;
		need += escape_byte(p[i], e);
	}
	size_t q = quote ? 2 : 0;
	bool cut = need + q > len - 1;
	size_t room = len - 1 - q; /* for the body, incl. "..." when cut */

	if (len - 1 < q + (cut ? 3 : 0)) {
		buf[0] = '\0';
		return buf;
	}
	if (cut)
		room -= 3;
	if (quote)
		buf[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		size_t el = escape_byte(p[i], e);
		if (el > room)
			break;
		memcpy(buf + o, e, el);
		o += el;
		room -= el;
	}
	if (cut) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	if (quote)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

char *
nk_log_str(char *buf, size_t len, const char *s)
{
	if (s == NULL)
		s = "";
	return escape(buf, len, (const uint8_t *)s, strlen(s));
}

char *
nk_log_bytes(char *buf, size_t len, const void *data, size_t n)
{
	if (data == NULL)
		n = 0;
	return escape(buf, len, data, n);
}

/* All of buf in write(2) calls, retried on EINTR and short writes. */
static void
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		buf += w;
		n -= (size_t)w;
	}
}

static int
syslog_prio(enum nk_log_level level)
{
	switch (level) {
	case NK_LOG_ERR:
		return LOG_ERR;
	case NK_LOG_WARN:
		return LOG_WARNING;
	case NK_LOG_INFO:
		return LOG_INFO;
	case NK_LOG_DEBUG:
		break;
	}
	return LOG_DEBUG;
}

void
nk_log(enum nk_log_level level, const char *event, const char *fmt, ...)
{
	char line[NK_LOG_LINE_MAX];
	char tool[TOOL_MAX + 8];
	char ev[128];
	size_t used = 0;
	int n;

	if (level > lg.level)
		return;
	if (!lg.use_syslog) {
		char ts[NK_CLOCK_RFC3339_LEN];
		(void)nk_clock_fmt_rfc3339(nk_clock_real_ns(), ts, sizeof(ts));
		n = snprintf(line, sizeof(line), "ts=%s ", ts);
		if (n > 0)
			used = (size_t)n;
	}
	n = snprintf(line + used, sizeof(line) - used,
	    "tool=%s level=%s event=%s",
	    nk_log_str(tool, sizeof(tool), lg.tool), nk_log_level_name(level),
	    nk_log_str(ev, sizeof(ev), event != NULL ? event : "-"));
	if (n > 0)
		used += (size_t)n;
	if (used > sizeof(line) - 1)
		used = sizeof(line) - 1;
	size_t start = used;
	if (fmt != NULL && fmt[0] != '\0' && used < sizeof(line) - 2) {
		va_list ap;

		line[used++] = ' ';
		va_start(ap, fmt);
		n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
		va_end(ap);
		if (n < 0)
			n = 0;
		used += (size_t)n;
		if (used > sizeof(line) - 2) {
			/* Cut: keep room for the newline and mark it. */
			used = sizeof(line) - 2;
			memcpy(line + used - 3, "...", 3);
		}
	}
	/* The caller's part must not break the one-line rule. */
	for (size_t i = start; i < used; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';

	/* A stream set in syslog mode gets what syslog would (tests). */
	if (lg.use_syslog && lg.stream == NULL) {
		line[used] = '\0';
		syslog(syslog_prio(level), "%s", line);
		return;
	}
	line[used++] = '\n';

	FILE *out = lg.stream != NULL ? lg.stream : stderr;
	int fd = fileno(out);
	if (fd >= 0) {
		/* One write(2) per line: lines never interleave. */
		(void)fflush(out);
		write_all(fd, line, used);
	} else {
		/* A memory stream (tests): no fd; stdio is all there is. */
		(void)fwrite(line, 1, used, out);
		(void)fflush(out);
	}
}
