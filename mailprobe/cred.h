/*
 * cred: passwords never come from the command line. Sources, first match
 * wins: a credentials file in netrc syntax ("machine H login U password P")
 * that must not be readable by group or others (refused otherwise, naming
 * the file and its mode); an environment variable; ~/.netrc (same mode
 * rule). Secrets are kept in one table so every output path can scrub them.
 */
#ifndef MP_CRED_H
#define MP_CRED_H

#include <stddef.h>

#include "err.h"

#define MP_SECRET_MAX 256

/*
 * Look up the password for user@host. file may be NULL (then env_var, then
 * $HOME/.netrc). 0 with out filled, 1 when no source has it, -1 with err
 * (bad file mode, unreadable file).
 */
int mp_cred_lookup(const char *file, const char *env_var, const char *host,
    const char *user, char *out, size_t len, struct nk_err *err);

/* Parse netrc text for host/user; 0 found, 1 not found. */
int mp_cred_netrc_find(const char *text, const char *host, const char *user,
    char *out, size_t len);

/* Check a secrets file's mode: 0, or -1 naming the file and mode. */
int mp_cred_check_mode(const char *path, struct nk_err *err);

#endif
