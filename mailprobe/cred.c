#include "cred.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRED_FILE_MAX (64 * 1024)

/* Next whitespace-separated token of *p into tok; false at the end. */
static bool
next_tok(const char **p, char *tok, size_t len)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s == '\0')
		return false;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' &&
	    *s != '\r') {
		if (n + 1 < len)
			tok[n++] = *s;
		s++;
	}
	tok[n] = '\0';
	*p = s;
	return true;
}

int
mp_cred_netrc_find(const char *text, const char *host, const char *user,
    char *out, size_t len)
{
	char tok[MP_SECRET_MAX], mach[256] = "", login[256] = "";
	char pass[MP_SECRET_MAX] = "";
	bool in_entry = false, is_default = false;
	const char *p = text;
	int rc = 1;

	for (;;) {
		bool more = next_tok(&p, tok, sizeof(tok));
		bool starts = more && (strcmp(tok, "machine") == 0 ||
		    strcmp(tok, "default") == 0);
		if (!more || starts) {
			if (in_entry && pass[0] != '\0' &&
			    (is_default || strcmp(mach, host) == 0) &&
			    (login[0] == '\0' || strcmp(login, user) == 0)) {
				snprintf(out, len, "%s", pass);
				rc = 0;
				break;
			}
			if (!more)
				break;
			in_entry = true;
			is_default = strcmp(tok, "default") == 0;
			mach[0] = login[0] = pass[0] = '\0';
			if (!is_default && !next_tok(&p, mach, sizeof(mach)))
				break;
			continue;
		}
		if (strcmp(tok, "login") == 0) {
			if (!next_tok(&p, login, sizeof(login)))
				break;
		} else if (strcmp(tok, "password") == 0) {
			if (!next_tok(&p, pass, sizeof(pass)))
				break;
		} else if (strcmp(tok, "account") == 0 ||
		    strcmp(tok, "macdef") == 0) {
			if (!next_tok(&p, tok, sizeof(tok)))
				break;
		}
	}
	memset(pass, 0, sizeof(pass));
	return rc;
}

int
mp_cred_check_mode(const char *path, struct nk_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		nk_err_set(err, "credentials %s: %s", path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		nk_err_set(err,
		    "credentials %s: mode %04o is readable by others, "
		    "refusing it (chmod 600 %s)",
		    path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

static int
read_small(const char *path, char **out, struct nk_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;
	int rc = -1;

	if (fd < 0) {
		nk_err_set(err, "credentials %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CRED_FILE_MAX + 1);
	if (buf == NULL) {
		nk_err_set(err, "credentials %s: out of memory", path);
		goto out;
	}
	while (n < CRED_FILE_MAX) {
		ssize_t r = read(fd, buf + n, CRED_FILE_MAX - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			nk_err_set(err, "credentials %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

static int
lookup_file(const char *path, const char *host, const char *user, char *out,
    size_t len, struct nk_err *err)
{
	char *text = NULL;
	int rc;

	if (mp_cred_check_mode(path, err) != 0)
		return -1;
	if (read_small(path, &text, err) != 0)
		return -1;
	rc = mp_cred_netrc_find(text, host, user, out, len);
	memset(text, 0, strlen(text));
	free(text);
	return rc;
}

int
mp_cred_lookup(const char *file, const char *env_var, const char *host,
    const char *user, char *out, size_t len, struct nk_err *err)
{
	const char *home, *v;
	char path[4096];

	if (file != NULL)
		return lookup_file(file, host, user, out, len, err);
	if (env_var != NULL && (v = getenv(env_var)) != NULL && v[0] != '\0') {
		snprintf(out, len, "%s", v);
		return 0;
	}
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		return 1;
	if ((size_t)snprintf(path, sizeof(path), "%s/.netrc", home) >=
	    sizeof(path))
		return 1;
	if (access(path, F_OK) != 0)
		return 1;
	return lookup_file(path, host, user, out, len, err);
}
