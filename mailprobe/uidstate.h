/*
 * uidstate: the UID stability check. A mailbox inventory (POP3 UIDL, or an
 * IMAP mailbox's UIDVALIDITY, UIDNEXT and UID list), each message keyed by
 * its id and identified by size + a digest of its Message-ID, Date, From
 * and Subject, is kept in a state file between runs. The next run says what
 * changed: messages renumbered (same message under a new id: every client
 * re-downloads it), UIDVALIDITY changed, ids reused for other messages,
 * messages vanished, new, or reappeared (gone in an earlier run and back:
 * a restored snapshot or replica hands deleted mail out again). Pure: no
 * I/O but the state file.
 */
#ifndef MP_UIDSTATE_H
#define MP_UIDSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define MP_UID_LEN 72   /* RFC 1939 7: UIDL is 1-70 characters */
#define MP_INV_MAX 20000 /* messages per mailbox we keep track of */
#define MP_GONE_MAX 2000 /* vanished messages remembered, newest kept */

struct mp_msgid {
	char uid[MP_UID_LEN]; /* POP3 UIDL or IMAP UID in decimal */
	uint64_t size;
	uint64_t digest;      /* FNV-1a over the identifying headers */
	bool pseudo;          /* "DO NOT DELETE THIS MESSAGE" */
};

struct mp_inventory {
	char key[512]; /* "pop3 127.0.0.1:11110 probe1" / "imap ... INBOX" */
	int64_t uidvalidity; /* IMAP; -1 for POP3 */
	int64_t uidnext;
	unsigned n;
	struct mp_msgid *msgs; /* heap, n entries */
	uint64_t total_bytes;
	/* messages seen in an earlier run and gone since (heap, n_gone):
	 * one that comes back is "reappeared", not new */
	unsigned n_gone;
	struct mp_msgid *gone;
};

struct mp_uid_diff {
	bool baseline;         /* no earlier state: nothing to compare */
	bool uidvalidity_changed;
	int64_t old_uidvalidity, new_uidvalidity;
	unsigned n_same, n_renumbered, n_reused, n_vanished, n_new;
	unsigned n_reappeared; /* gone in an earlier run, back now */
	char example[200];     /* first renumbered message: "uid 3 -> 7" */
	char example_back[100]; /* first reappeared one: its new id */
};

void mp_inv_free(struct mp_inventory *inv);
/* Append a message; -1 when the inventory is full or out of memory. */
int mp_inv_add(struct mp_inventory *inv, const char *uid, uint64_t size,
    uint64_t digest, bool pseudo);

/* FNV-1a 64 continued over bytes (start with MP_FNV_INIT). */
#define MP_FNV_INIT UINT64_C(0xcbf29ce484222325)
uint64_t mp_fnv1a(uint64_t h, const void *data, size_t n);

/*
 * Fold one header block (RFC 5322 lines) into an identifying digest: the
 * Message-ID, Date, From and Subject fields, names case-folded, unfolded,
 * whitespace trimmed. *pseudo is set for the "DO NOT DELETE THIS MESSAGE"
 * folder-internal message.
 */
uint64_t mp_header_digest(const char *hdr, size_t len, bool *pseudo);

/* Remember a vanished message; the oldest is dropped past MP_GONE_MAX.
 * -1 when out of memory. */
int mp_inv_add_gone(struct mp_inventory *inv, const struct mp_msgid *m);

/* Compare old (may be NULL: baseline) with new: a message whose content
 * (size + digest) is in neither old's list nor under a reused id, but in
 * old's gone list, counts as reappeared. */
void mp_uid_diff(const struct mp_inventory *old, const struct mp_inventory *cur,
    struct mp_uid_diff *d);
/* Carry the gone list into cur before saving it: old's gone messages that
 * are still gone, then old's messages that vanished in this run.
 * -1 when out of memory (cur's list is then partial). */
int mp_uid_carry_gone(const struct mp_inventory *old,
    struct mp_inventory *cur);

/*
 * State file: text, one record per line. Load the inventory whose key
 * matches (out->n == 0 and 1 returned when absent); save replaces that
 * key's records and keeps the others, written to FILE.tmp then renamed.
 */
int mp_state_load(const char *path, const char *key, struct mp_inventory *out,
    struct nk_err *err);

/* mp_state_load's reader on an open stream (`path` names it in errors);
 * the fuzz target feeds it from memory. */
int mp_state_read(FILE *f, const char *path, const char *key,
    struct mp_inventory *out, struct nk_err *err);

int mp_state_save(const char *path, const struct mp_inventory *inv,
    struct nk_err *err);

#endif
