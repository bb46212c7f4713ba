/*
 * mailbox: checks that need a logged-in session and several commands on
 * one connection: the mailbox inventory behind the UID stability check
 * and mailbox health (POP3 UIDL/LIST/TOP, IMAP SELECT + UID FETCH), and
 * the delivery loop (send a token by SMTP/submission, poll IMAP or POP3
 * until it is visible, check its headers, delete only it, also when cut
 * short).
 * One easy handle per session, commands in sequence: these are one-shot
 * checks of one mailbox, not the many-probes path (probe.c's multi).
 */
#ifndef MP_MAILBOX_H
#define MP_MAILBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "probe.h"
#include "uidstate.h"

/* Fetch the inventory of tg (POP3 or IMAP with tg->command "EXAMINE
 * MAILBOX" naming the mailbox, default INBOX). 0 or -1 with err. */
int mp_mailbox_inventory(const struct mp_target *tg, const struct mp_opts *o,
    struct mp_inventory *inv, struct nk_err *err);

/*
 * Parse what the server sent for SELECT/EXAMINE + UID FETCH: UIDVALIDITY
 * and UIDNEXT (kept only when 1..2^32-1 digits fit) and one inventory
 * entry per FETCH line with a UID and an RFC822.SIZE. p must be
 * NUL-terminated at p[n]. 0, or -1 with err when the inventory is full.
 */
int mp_imap_inventory_parse(const char *p, size_t n, struct mp_inventory *inv,
    struct nk_err *err);

struct mp_delivery {
	char token[64];
	bool sent;
	bool found;
	bool headers_intact;
	bool deleted;
	bool interrupted;
	bool leftovers_removed; /* earlier runs' messages were deleted */
	int64_t send_ns;       /* SMTP transaction time */
	int64_t latency_ns;    /* send start -> visible in the mailbox */
	char uid[MP_UID_LEN]; /* IMAP UID or POP3 UIDL of the message */
	char error[256];
};

/*
 * Send a message from `from` to `to` through smtp (submission with AUTH
 * when it has a password), wait up to wait_ns for it in the mailbox
 * (imap: INBOX, UID SEARCH on one session; pop3: a new session per poll,
 * TOP of the messages that were not there before the send), polling every
 * poll_ns, check its headers, delete it (IMAP: UID EXPUNGE of its UID;
 * POP3: DELE of the number whose TOP showed the token, in that session),
 * then make sure it is gone. Earlier runs' leftovers are deleted first.
 * *stop (set by a signal handler) cuts the wait short; the cleanup still
 * runs.
 * 0 when the loop ran (see d for the verdict), -1 on setup failure.
 */
int mp_delivery_run(const struct mp_target *smtp, const struct mp_target *imap,
    const char *from, const char *to, int64_t wait_ns, int64_t poll_ns,
    const struct mp_opts *o, volatile sig_atomic_t *stop,
    struct mp_delivery *d);

#endif
