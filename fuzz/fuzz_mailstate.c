/*
 * Fuzz mailprobe's UID state file reader (a file on disk that a crash, a
 * full disk or a hand edit may have mangled): read from memory under two
 * keys. It either fails with "state NAME:LINE: ..." or returns an
 * inventory whose facts are in range. Broken invariants trap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../mailprobe/uidstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define NAME "fuzz.state"

static void
read_key(const uint8_t *data, size_t size, const char *key)
{
	struct mp_inventory inv;
	struct nk_err err = {{0}};
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");

	if (f == NULL)
		return;
	memset(&inv, 0, sizeof(inv));
	int rc = mp_state_read(f, NAME, key, &inv, &err);
	fclose(f);
	CHECK(rc == -1 || rc == 0 || rc == 1);
	if (rc == -1)
		CHECK(strncmp(nk_err_msg(&err), "state " NAME ":",
			  sizeof("state " NAME)) == 0);
	CHECK(strcmp(inv.key, key) == 0);
	CHECK(inv.uidvalidity >= -1 && inv.uidvalidity <= UINT32_MAX);
	CHECK(inv.uidnext >= -1 && inv.uidnext <= UINT32_MAX);
	CHECK(inv.n <= MP_INV_MAX && inv.n_gone <= MP_GONE_MAX);
	if (rc == 1)
		CHECK(inv.n == 0);
	for (unsigned i = 0; i < inv.n; i++)
		CHECK(memchr(inv.msgs[i].uid, '\0', MP_UID_LEN) != NULL);
	mp_inv_free(&inv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	read_key(data, size, "imap 127.0.0.1:143 probe INBOX");
	read_key(data, size, "pop3 127.0.0.1:110 probe");
	return 0;
}
