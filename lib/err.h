/* err: one-line error reports that name the object, what failed and why. */
#ifndef NK_ERR_H
#define NK_ERR_H

#include <stddef.h>

#define NK_ERR_MAX 512

/*
 * Filled by a failing call, read by the caller. The message is one line,
 * e.g. "mrt rib.mrt offset 18234: AS_PATH length 300 > 212 bytes left".
 */
struct nk_err {
	char msg[NK_ERR_MAX];
};

/* Set the message (printf format); a NULL err is allowed and ignored. */
void nk_err_set(struct nk_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Put "PREFIX: " in front of the message already held. */
void nk_err_prefix(struct nk_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message, "" if none was set; never NULL. */
const char *nk_err_msg(const struct nk_err *err);

#endif
