/*
 * Fuzz what mailprobe reads from a mail server: the bytes go through the
 * trace (as libcurl's debug callback hands them over, in chunks), then
 * phase timing, capability and mailbox-fact extraction, the IMAP
 * inventory parser and the header digest, and each line through the
 * certificate-info reader. Byte 0 picks the protocol (and whether a POP3
 * STAT was sent), byte 1 the chunk size. Broken invariants trap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../mailprobe/caps.h"
#include "../mailprobe/mailbox.h"
#include "../mailprobe/probe.h"
#include "../mailprobe/tlsinfo.h"
#include "../mailprobe/trace.h"
#include "../mailprobe/uidstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static struct mp_result result;
static struct mp_phases phases;
static struct mp_caps caps;
static struct mp_tlsinfo tls;

static bool
fact_ok(int64_t v, int64_t max)
{
	return v >= -1 && v <= max;
}

static void
check_trace(const struct mp_trace *tr)
{
	CHECK(tr->n <= MP_TRACE_MAX_LINES);
	for (unsigned i = 0; i < tr->n; i++) {
		const char *t = tr->lines[i].text;
		CHECK(memchr(t, '\0', MP_TRACE_LINE_MAX) != NULL);
		CHECK(strchr(t, '\n') == NULL && strchr(t, '\r') == NULL);
	}
}

static void
check_inventory(const uint8_t *data, size_t size)
{
	struct mp_inventory inv;
	struct nk_err err = {{0}};
	char *text = malloc(size + 1);

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&inv, 0, sizeof(inv));
	inv.uidvalidity = inv.uidnext = -1;
	int rc = mp_imap_inventory_parse(text, size, &inv, &err);
	CHECK(rc == 0 || (rc == -1 && inv.n == MP_INV_MAX));
	CHECK(fact_ok(inv.uidvalidity, UINT32_MAX));
	CHECK(fact_ok(inv.uidnext, UINT32_MAX));
	CHECK(inv.n <= MP_INV_MAX);
	for (unsigned i = 0; i < inv.n; i++) {
		const char *u = inv.msgs[i].uid;
		CHECK(u[0] != '\0' && strspn(u, "0123456789") == strlen(u));
		CHECK(strtoull(u, NULL, 10) <= UINT32_MAX);
	}
	bool pseudo = false;
	(void)mp_header_digest(text, size, &pseudo);
	/* every line through the certinfo reader ("Subject:...") */
	memset(&tls, 0, sizeof(tls));
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		mp_tlsinfo_entry(&tls, l);
	mp_tlsinfo_finish(&tls, "mail.example.net", 1700000000);
	mp_inv_free(&inv);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum mp_proto proto = (enum mp_proto)(data[0] % 3);
	bool stat_sent = (data[0] & 4) != 0;
	size_t chunk = (size_t)(data[1] % 64) + 1;
	data += 2;
	size -= 2;

	memset(&result, 0, sizeof(result));
	result.tg.proto = proto;
	mp_trace_init(&result.tr, proto, 0);
	if (stat_sent)
		mp_trace_add(&result.tr, MP_DIR_OUT, "STAT\r\n", 6, 1);
	int64_t t = 2;
	for (size_t off = 0; off < size; off += chunk, t++) {
		size_t n = size - off < chunk ? size - off : chunk;
		mp_trace_add(&result.tr, MP_DIR_IN, (const char *)data + off,
		    n, t);
	}
	check_trace(&result.tr);
	mp_trace_phases(&result.tr, 1, &phases);
	CHECK(phases.n_cmds <= MP_TRACE_MAX_CMDS);
	mp_caps_clear(&caps);
	mp_caps_from_trace(&result.tr, &caps);
	CHECK(caps.n <= MP_CAPS_MAX);
	mp_scan_mailbox(&result);
	CHECK(fact_ok(result.mb_exists, UINT32_MAX));
	CHECK(fact_ok(result.mb_uidvalidity, UINT32_MAX));
	CHECK(fact_ok(result.mb_uidnext, UINT32_MAX));
	CHECK(fact_ok(result.mb_size_bytes, INT64_MAX));
	check_inventory(data, size);
	return 0;
}
