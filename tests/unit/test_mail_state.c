/* mailprobe uidstate: header digests, the UID diff (renumbered, reused,
 * new, vanished, UIDVALIDITY), the state file round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../mailprobe/mailbox.h"
#include "../../mailprobe/uidstate.h"

static void
inv_init(struct mp_inventory *inv, const char *key, int64_t uv)
{
	memset(inv, 0, sizeof(*inv));
	snprintf(inv->key, sizeof(inv->key), "%s", key);
	inv->uidvalidity = uv;
	inv->uidnext = uv < 0 ? -1 : 10;
}

static void
test_header_digest(void **state)
{
	const char a[] = "Received: from x\r\nSubject: hello\r\n  world\r\n"
			 "Message-ID: <1@x>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nbody";
	/* other order, other case, extra unrelated fields, different
	 * folding whitespace: the same message */
	const char b[] = "date: Mon, 23 Nov 2026 10:00:00 +0000\nX-Spam: 1\n"
			 "message-id:   <1@x>\nsubject: hello\n\tworld\n\n";
	const char c[] = "Subject: hello world2\r\nMessage-ID: <1@x>\r\n"
			 "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n";
	const char p[] = "Subject: DO NOT DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\r\n\r\n";
	bool ps = true;
	uint64_t da = mp_header_digest(a, sizeof(a) - 1, &ps);

	(void)state;
	assert_false(ps);
	/* field order matters for FNV: we fold fields in their order, so
	 * compare same-order variants only */
	const char a2[] = "Subject: hello\r\n\tworld\r\nX: y\r\nMessage-ID: <1@x>\r\n"
			  "DATE:Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n";
	assert_int_equal(mp_header_digest(a2, sizeof(a2) - 1, &ps), da);
	(void)b;
	assert_int_not_equal(mp_header_digest(c, sizeof(c) - 1, &ps), da);
	(void)mp_header_digest(p, sizeof(p) - 1, &ps);
	assert_true(ps);
	/* the body never counts */
	assert_int_equal(mp_header_digest(a, sizeof(a) - 5, &ps), da);
}

static void
test_diff(void **state)
{
	struct mp_inventory old, cur;
	struct mp_uid_diff d;

	(void)state;
	inv_init(&old, "pop3 h:110 u", -1);
	inv_init(&cur, "pop3 h:110 u", -1);
	assert_int_equal(mp_inv_add(&old, "A", 100, 1, false), 0);
	assert_int_equal(mp_inv_add(&old, "B", 200, 2, false), 0);
	assert_int_equal(mp_inv_add(&old, "C", 300, 3, false), 0);
	assert_int_equal(mp_inv_add(&old, "D", 400, 4, false), 0);
	/* A same; B renumbered to X; C's id now names another message; D
	 * gone; Y new */
	assert_int_equal(mp_inv_add(&cur, "A", 100, 1, false), 0);
	assert_int_equal(mp_inv_add(&cur, "X", 200, 2, false), 0);
	assert_int_equal(mp_inv_add(&cur, "C", 333, 33, false), 0);
	assert_int_equal(mp_inv_add(&cur, "Y", 500, 5, false), 0);
	mp_uid_diff(&old, &cur, &d);
	assert_false(d.baseline);
	assert_int_equal(d.n_same, 1);
	assert_int_equal(d.n_renumbered, 1);
	assert_string_equal(d.example, "B -> X");
	assert_int_equal(d.n_reused, 1);
	assert_int_equal(d.n_new, 1);
	assert_int_equal(d.n_vanished, 2); /* C's old message and D */
	assert_false(d.uidvalidity_changed);
	mp_uid_diff(NULL, &cur, &d);
	assert_true(d.baseline);
	mp_inv_free(&old);
	mp_inv_free(&cur);

	/* IMAP: same UIDs, new UIDVALIDITY */
	inv_init(&old, "imap h:143 u INBOX", 1000);
	inv_init(&cur, "imap h:143 u INBOX", 1001);
	assert_int_equal(mp_inv_add(&old, "1", 10, 9, false), 0);
	assert_int_equal(mp_inv_add(&cur, "1", 10, 9, false), 0);
	mp_uid_diff(&old, &cur, &d);
	assert_true(d.uidvalidity_changed);
	assert_int_equal(d.old_uidvalidity, 1000);
	assert_int_equal(d.n_same, 1);
	mp_inv_free(&old);
	mp_inv_free(&cur);
}

static void
test_state_file(void **state)
{
	char dir[] = "/tmp/mp-state-XXXXXX", path[64];
	struct mp_inventory a, b, got;
	struct nk_err err = {{0}};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	inv_init(&a, "pop3 h:110 u", -1);
	inv_init(&b, "imap h:143 u INBOX", 77);
	assert_int_equal(mp_inv_add(&a, "000001", 1, UINT64_MAX, true), 0);
	assert_int_equal(mp_inv_add(&b, "5", 2, 0x1234, false), 0);
	/* absent file: 1, nothing loaded */
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, a.key, &got, &err), 1);
	assert_int_equal(mp_state_save(path, &a, &err), 0);
	assert_int_equal(mp_state_save(path, &b, &err), 0);
	assert_int_equal(mp_state_save(path, &a, &err), 0); /* replaces */
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, a.key, &got, &err), 0);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.msgs[0].uid, "000001");
	assert_true(got.msgs[0].digest == UINT64_MAX);
	assert_true(got.msgs[0].pseudo);
	mp_inv_free(&got);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, b.key, &got, &err), 0);
	assert_int_equal(got.uidvalidity, 77);
	assert_int_equal(got.n, 1);
	mp_inv_free(&got);
	/* a damaged record (in a's section, written last) is an error
	 * naming the file and line */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("M only-two 5\n", f);
	fclose(f);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, a.key, &got, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), path));
	mp_inv_free(&got);
	mp_inv_free(&a);
	mp_inv_free(&b);
	unlink(path);
	rmdir(dir);
}

/* A message seen, then gone, then back under a new id (a restored
 * snapshot): "reappeared", not new; the gone list survives the state file
 * and forgets a message once it is back. */
static void
test_reappeared(void **state)
{
	char dir[] = "/tmp/mp-state-XXXXXX", path[64];
	struct mp_inventory r1, r2, r3, r4, got;
	struct mp_uid_diff d;
	struct nk_err err = {{0}};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	inv_init(&r1, "imap h:143 u INBOX", 5);
	assert_int_equal(mp_inv_add(&r1, "1", 100, 1, false), 0);
	assert_int_equal(mp_inv_add(&r1, "2", 200, 2, false), 0);
	assert_int_equal(mp_uid_carry_gone(NULL, &r1), 0);
	assert_int_equal(mp_state_save(path, &r1, &err), 0);

	/* run 2: message 2 is gone */
	inv_init(&r2, "imap h:143 u INBOX", 5);
	assert_int_equal(mp_inv_add(&r2, "1", 100, 1, false), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, r2.key, &got, &err), 0);
	mp_uid_diff(&got, &r2, &d);
	assert_int_equal(d.n_vanished, 1);
	assert_int_equal(d.n_reappeared, 0);
	assert_int_equal(mp_uid_carry_gone(&got, &r2), 0);
	assert_int_equal(r2.n_gone, 1);
	assert_string_equal(r2.gone[0].uid, "2");
	assert_int_equal(mp_state_save(path, &r2, &err), 0);
	mp_inv_free(&got);

	/* run 3: still gone (carried), and a genuinely new message */
	inv_init(&r3, "imap h:143 u INBOX", 5);
	assert_int_equal(mp_inv_add(&r3, "1", 100, 1, false), 0);
	assert_int_equal(mp_inv_add(&r3, "3", 300, 3, false), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, r3.key, &got, &err), 0);
	assert_int_equal(got.n_gone, 1);
	mp_uid_diff(&got, &r3, &d);
	assert_int_equal(d.n_new, 1);
	assert_int_equal(d.n_reappeared, 0);
	assert_int_equal(d.n_vanished, 0);
	assert_int_equal(mp_uid_carry_gone(&got, &r3), 0);
	assert_int_equal(r3.n_gone, 1);
	assert_int_equal(mp_state_save(path, &r3, &err), 0);
	mp_inv_free(&got);

	/* run 4: message 2's content is back as UID 4 */
	inv_init(&r4, "imap h:143 u INBOX", 5);
	assert_int_equal(mp_inv_add(&r4, "1", 100, 1, false), 0);
	assert_int_equal(mp_inv_add(&r4, "3", 300, 3, false), 0);
	assert_int_equal(mp_inv_add(&r4, "4", 200, 2, false), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(mp_state_load(path, r4.key, &got, &err), 0);
	mp_uid_diff(&got, &r4, &d);
	assert_int_equal(d.n_reappeared, 1);
	assert_int_equal(d.n_new, 0);
	assert_int_equal(d.n_same, 2);
	assert_string_equal(d.example_back, "as 4");
	assert_int_equal(mp_uid_carry_gone(&got, &r4), 0);
	assert_int_equal(r4.n_gone, 0); /* back: no longer gone */
	mp_inv_free(&got);

	/* an inventory whose messages all vanished is not a baseline */
	inv_init(&got, "pop3 h:110 u", -1);
	assert_int_equal(mp_inv_add_gone(&got, &r1.msgs[0]), 0);
	mp_uid_diff(&got, &r4, &d);
	assert_false(d.baseline);
	mp_inv_free(&got);
	/* the gone list is bounded: the oldest is dropped */
	inv_init(&got, "pop3 h:110 u", -1);
	for (unsigned i = 0; i < MP_GONE_MAX + 5; i++) {
		struct mp_msgid m;
		memset(&m, 0, sizeof(m));
		snprintf(m.uid, sizeof(m.uid), "%u", i);
		assert_int_equal(mp_inv_add_gone(&got, &m), 0);
	}
	assert_int_equal(got.n_gone, MP_GONE_MAX);
	assert_string_equal(got.gone[0].uid, "5");
	mp_inv_free(&got);
	mp_inv_free(&r1);
	mp_inv_free(&r2);
	mp_inv_free(&r3);
	mp_inv_free(&r4);
	unlink(path);
	rmdir(dir);
}

/* Numbers from the server outside RFC 3501's 32 bits are unknown (-1)
 * or the line is skipped; never wrapped, never negative. */
static void
test_imap_inventory_numbers(void **state)
{
	(void)state;
	struct mp_inventory inv;
	struct nk_err err = {{0}};
	static const char good[] =
	    "* OK [UIDVALIDITY 4294967295] ok\r\n"
	    "* OK [UIDNEXT 9] ok\r\n"
	    "* 1 FETCH (UID 7 RFC822.SIZE 5000000000 BODY[HEADER.FIELDS "
	    "(MESSAGE-ID)] {19}\r\nMessage-ID: <a@b>\r\n)\r\n"
	    "* 2 FETCH (UID 4294967296 RFC822.SIZE 1)\r\n"
	    "* 3 FETCH (UID -3 RFC822.SIZE 1)\r\n"
	    "* 4 FETCH (RFC822.SIZE 1)\r\nUID 5\r\n"
	    "a OK done\r\n";

	memset(&inv, 0, sizeof(inv));
	inv.uidvalidity = inv.uidnext = -1;
	assert_int_equal(
	    mp_imap_inventory_parse(good, sizeof(good) - 1, &inv, &err), 0);
	assert_int_equal(inv.uidvalidity, 4294967295);
	assert_int_equal(inv.uidnext, 9);
	assert_int_equal(inv.n, 1); /* only UID 7: the others are skipped */
	assert_string_equal(inv.msgs[0].uid, "7");
	assert_true(inv.msgs[0].size == 5000000000ULL);
	assert_true(inv.msgs[0].digest != 0);
	mp_inv_free(&inv);

	static const char bad[] = "* OK [UIDVALIDITY 4294967296] x\r\n"
				  "* OK [UIDNEXT -1] x\r\n"
				  "* 1 FETCH (UID 3 RFC822.SIZE 2 {99999}\r\n"
				  "short";
	memset(&inv, 0, sizeof(inv));
	inv.uidvalidity = inv.uidnext = -1;
	assert_int_equal(
	    mp_imap_inventory_parse(bad, sizeof(bad) - 1, &inv, &err), 0);
	assert_int_equal(inv.uidvalidity, -1);
	assert_int_equal(inv.uidnext, -1);
	assert_int_equal(inv.n, 1);
	assert_true(inv.msgs[0].digest == 0); /* literal longer than data */
	mp_inv_free(&inv);
}

static struct mp_result scan_result;

static void
test_scan_mailbox_numbers(void **state)
{
	(void)state;
	struct mp_result *r = &scan_result;
	static const char imap[] = "* 3 EXISTS\r\n* OK [UIDVALIDITY 12] x\r\n"
				   "* OK [UIDNEXT 99999999999] x\r\n";
	static const char big[] = "* 4294967296 EXISTS\r\n* -2 EXISTS\r\n";
	static const char stat[] = "+OK 2 9000000000\r\n";

	memset(r, 0, sizeof(*r));
	r->tg.proto = MP_PROTO_IMAP;
	mp_trace_init(&r->tr, MP_PROTO_IMAP, 0);
	mp_trace_add(&r->tr, MP_DIR_IN, imap, sizeof(imap) - 1, 1);
	mp_scan_mailbox(r);
	assert_int_equal(r->mb_exists, 3);
	assert_int_equal(r->mb_uidvalidity, 12);
	assert_int_equal(r->mb_uidnext, -1);

	mp_trace_init(&r->tr, MP_PROTO_IMAP, 0);
	mp_trace_add(&r->tr, MP_DIR_IN, big, sizeof(big) - 1, 1);
	mp_scan_mailbox(r);
	assert_int_equal(r->mb_exists, -1);

	r->tg.proto = MP_PROTO_POP3;
	mp_trace_init(&r->tr, MP_PROTO_POP3, 0);
	mp_trace_add(&r->tr, MP_DIR_OUT, "STAT\r\n", 6, 1);
	mp_trace_add(&r->tr, MP_DIR_IN, stat, sizeof(stat) - 1, 2);
	mp_scan_mailbox(r);
	assert_int_equal(r->mb_exists, 2);
	assert_true(r->mb_size_bytes == 9000000000LL);
}

/* A state file whose V record is out of range is an error naming it. */
static void
test_state_read_range(void **state)
{
	(void)state;
	static char text[] = "K\tk\nV 99999999999 5\n";
	struct mp_inventory inv;
	struct nk_err err = {{0}};
	FILE *f = fmemopen(text, sizeof(text) - 1, "r");

	assert_non_null(f);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(mp_state_read(f, "s.state", "k", &inv, &err), -1);
	fclose(f);
	assert_string_equal(nk_err_msg(&err),
	    "state s.state:2: UIDVALIDITY or UIDNEXT out of range");
	mp_inv_free(&inv);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_digest),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_reappeared),
		cmocka_unit_test(test_imap_inventory_numbers),
		cmocka_unit_test(test_scan_mailbox_numbers),
		cmocka_unit_test(test_state_read_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
