/*
 * Fuzz the OUI registry CSV parser: nk_oui_db_add_csv on the input, then
 * lookups of MACs cut from the input, before nk_oui_db_finish (linear
 * search) and after (binary search): both must give the same answer.
 * Broken invariants trap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define N_MACS 64

static void
check_name(const char *name)
{
	if (name == NULL)
		return;
	CHECK(name[0] != '\0' && name[0] != ' ');
	for (const char *p = name; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_mac macs[N_MACS];
	const char *before[N_MACS];
	size_t n_macs = 0;

	/* MACs from the input bytes, plus ones that hit the test seeds. */
	static const struct nk_mac fixed[] = {
	    {{0x00, 0x09, 0x5b, 0x01, 0x02, 0x03}},
	    {{0x70, 0xb3, 0xd5, 0x12, 0x34, 0x56}},
	    {{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}},
	    {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}},
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		macs[n_macs++] = fixed[i];
	for (size_t off = 0; off + 6 <= size && n_macs < N_MACS; off += 7)
		memcpy(macs[n_macs++].b, data + off, 6);

	struct nk_oui_db *db = nk_oui_db_new();
	if (db == NULL)
		return 0;
	long n = nk_oui_db_add_csv(db, data, size);
	CHECK(n >= 0 && (size_t)n == nk_oui_db_size(db));
	for (size_t i = 0; i < n_macs; i++) {
		before[i] = nk_oui_db_lookup(db, &macs[i]);
		check_name(before[i]);
		if (nk_mac_is_local(&macs[i]))
			CHECK(before[i] == NULL);
	}
	nk_oui_db_finish(db);
	size_t n_unique = nk_oui_db_size(db);
	CHECK(n_unique <= (size_t)n);
	for (size_t i = 0; i < n_macs; i++)
		CHECK(nk_oui_db_lookup(db, &macs[i]) == before[i]);

	/* The same records again: all duplicates, the first ones win. */
	uint64_t bad = nk_oui_db_n_bad(db);
	CHECK(nk_oui_db_add_csv(db, data, size) == n);
	CHECK(nk_oui_db_n_bad(db) == 2 * bad);
	nk_oui_db_finish(db);
	CHECK(nk_oui_db_size(db) == n_unique);
	for (size_t i = 0; i < n_macs; i++)
		CHECK(nk_oui_db_lookup(db, &macs[i]) == before[i]);
	nk_oui_db_free(db);
	return 0;
}
