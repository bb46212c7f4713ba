#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Newlines would break the one-line-per-event rule: fold them to spaces. */
static void
fold_lines(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

void
nk_err_set(struct nk_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	fold_lines(err->msg);
}

void
nk_err_prefix(struct nk_err *err, const char *fmt, ...)
{
	char line[NK_ERR_MAX];
	va_list ap;
	int n;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t used = strlen(line);
	/* Append ": " and as much of the old message as still fits. */
	size_t room = sizeof(line) - 1 - used;
	const char sep[] = ": ";
	size_t take = room < 2 ? room : 2;
	memcpy(line + used, sep, take);
	used += take;
	room -= take;
	size_t old_len = strnlen(err->msg, sizeof(err->msg) - 1);
	if (old_len > room)
		old_len = room;
	memcpy(line + used, err->msg, old_len);
	used += old_len;
	line[used] = '\0';
	memcpy(err->msg, line, used + 1);
	fold_lines(err->msg);
}

const char *
nk_err_msg(const struct nk_err *err)
{
	if (err == NULL)
		return "";
	return err->msg;
}
