/* mailprobe trace + caps: timing extraction from debug-callback sequences,
 * redaction of secrets, capability decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../mailprobe/caps.h"
#include "../../mailprobe/trace.h"

#define MS INT64_C(1000000)

static struct mp_trace *
new_trace(enum mp_proto p)
{
	struct mp_trace *tr = malloc(sizeof(*tr));
	assert_non_null(tr);
	mp_trace_init(tr, p, 1000 * MS);
	return tr;
}

static void
feed(struct mp_trace *tr, enum mp_dir d, const char *s, int64_t at_ms)
{
	mp_trace_add(tr, d, s, strlen(s), 1000 * MS + at_ms * MS);
}

/* IMAP STARTTLS + LOGIN: banner at 15 ms after connect (2 ms), TLS from
 * the STARTTLS OK (20) to "SSL connection using" (27), LOGIN 30 -> 48. */
static void
test_imap_phases(void **state)
{
	struct mp_trace *tr = new_trace(MP_PROTO_IMAP);
	struct mp_phases ph;
	struct mp_caps caps;

	(void)state;
	feed(tr, MP_DIR_TEXT, "Connected to 127.0.0.1\n", 2);
	feed(tr, MP_DIR_IN, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n", 17);
	feed(tr, MP_DIR_OUT, "A001 CAPABILITY\r\n", 18);
	feed(tr, MP_DIR_IN, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n", 19);
	feed(tr, MP_DIR_IN, "A001 OK done\r\n", 19);
	feed(tr, MP_DIR_OUT, "A002 STARTTLS\r\n", 19);
	feed(tr, MP_DIR_IN, "A002 OK Begin TLS\r\n", 20);
	feed(tr, MP_DIR_TEXT, "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n", 27);
	feed(tr, MP_DIR_OUT, "A003 CAPABILITY\r\n", 28);
	feed(tr, MP_DIR_IN, "* CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN\r\n", 29);
	feed(tr, MP_DIR_IN, "A003 OK done\r\n", 29);
	feed(tr, MP_DIR_OUT, "A004 LOGIN probe1 secret1\r\n", 30);
	feed(tr, MP_DIR_IN, "A004 OK Logged in\r\n", 48);
	mp_trace_phases(tr, 2 * MS, &ph);
	assert_int_equal(ph.banner_ns, 17 * MS);
	assert_int_equal(ph.banner_dur_ns, 15 * MS);
	assert_int_equal(ph.tls_ns, 7 * MS);
	assert_int_equal(ph.login_ns, 18 * MS);
	assert_true(ph.login_tried);
	assert_true(ph.login_ok);
	assert_string_equal(ph.tls_version, "TLSv1.3");
	assert_string_equal(ph.tls_cipher, "TLS_AES_256_GCM_SHA384");
	assert_int_equal(ph.n_cmds, 4);
	assert_string_equal(ph.cmds[1].name, "STARTTLS");
	assert_int_equal(ph.cmds[1].dur_ns, 1 * MS);
	/* LOGINDISABLED before TLS is noted (RFC 3501 6.2.3) */
	assert_true(ph.plaintext_refused);
	assert_string_equal(ph.refuse_reason, "LOGINDISABLED");
	/* the password never entered the trace */
	for (unsigned i = 0; i < tr->n; i++)
		assert_null(strstr(tr->lines[i].text, "secret1"));
	assert_string_equal(tr->lines[11].text, "A004 LOGIN probe1 ***");
	/* capabilities are the last announced set (after STARTTLS) */
	mp_caps_from_trace(tr, &caps);
	assert_true(mp_caps_has(&caps, "IDLE"));
	assert_true(mp_caps_has(&caps, "AUTH=PLAIN"));
	assert_false(mp_caps_has(&caps, "STARTTLS"));
	free(tr);
}

/* SMTP AUTH LOGIN: every line after AUTH until the final reply is a
 * base64 secret; a chunk may hold two lines or half of one. */
static void
test_smtp_sasl_redaction_and_chunks(void **state)
{
	struct mp_trace *tr = new_trace(MP_PROTO_SMTP);
	struct mp_phases ph;
	struct mp_caps caps;

	(void)state;
	feed(tr, MP_DIR_IN, "220 mx ESMTP\r\n", 1);
	feed(tr, MP_DIR_OUT, "EHLO probe\r\n", 2);
	feed(tr, MP_DIR_IN, "250-mx\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE 1000", 3);
	feed(tr, MP_DIR_IN, "0\r\n250 8BITMIME\r\n", 3);
	feed(tr, MP_DIR_OUT, "AUTH LOGIN\r\n", 4);
	feed(tr, MP_DIR_IN, "334 VXNlcm5hbWU6\r\n", 5);
	feed(tr, MP_DIR_OUT, "cHJvYmUx\r\n", 5);
	feed(tr, MP_DIR_IN, "334 UGFzc3dvcmQ6\r\n", 6);
	feed(tr, MP_DIR_OUT, "c2VjcmV0MQ==\r\n", 6);
	feed(tr, MP_DIR_IN, "235 2.7.0 ok\r\n", 9);
	feed(tr, MP_DIR_OUT, "QUIT\r\n", 10);
	mp_trace_phases(tr, 0, &ph);
	for (unsigned i = 0; i < tr->n; i++) {
		assert_null(strstr(tr->lines[i].text, "c2VjcmV0MQ"));
		assert_null(strstr(tr->lines[i].text, "cHJvYmUx"));
	}
	assert_false(tr->in_sasl);
	assert_string_equal(tr->lines[tr->n - 1].text, "QUIT");
	assert_int_equal(ph.login_ns, 5 * MS);
	assert_true(ph.login_ok);
	assert_int_equal(ph.n_cmds, 3); /* EHLO AUTH QUIT */
	assert_int_equal(ph.cmds[0].dur_ns, 1 * MS);
	mp_caps_from_trace(tr, &caps);
	assert_true(mp_caps_has(&caps, "SIZE"));
	assert_true(mp_caps_has(&caps, "AUTH=LOGIN"));
	assert_true(mp_caps_has(&caps, "8BITMIME"));
	assert_false(mp_caps_has(&caps, "MX")); /* greeting line skipped */
	free(tr);
}

static void
test_pop3_refusals(void **state)
{
	struct mp_trace *tr = new_trace(MP_PROTO_POP3);
	struct mp_phases ph;
	struct mp_caps caps;

	(void)state;
	feed(tr, MP_DIR_IN, "+OK Dovecot ready.\r\n", 1);
	feed(tr, MP_DIR_OUT, "CAPA\r\n", 2);
	feed(tr, MP_DIR_IN, "+OK\r\nCAPA\r\nUIDL\r\nSASL PLAIN\r\nSTLS\r\n.\r\n", 3);
	feed(tr, MP_DIR_OUT, "USER probe1\r\n", 4);
	feed(tr, MP_DIR_IN, "+OK\r\n", 4);
	feed(tr, MP_DIR_OUT, "PASS secret1\r\n", 5);
	feed(tr, MP_DIR_IN, "-ERR [AUTH] Authentication failed.\r\n", 7);
	mp_trace_phases(tr, 0, &ph);
	/* a wrong password is not a plaintext refusal (RFC 3206 [AUTH]) */
	assert_false(ph.plaintext_refused);
	assert_true(ph.login_tried);
	assert_false(ph.login_ok);
	assert_int_equal(ph.login_ns, 2 * MS);
	assert_string_equal(tr->lines[tr->n - 2].text, "PASS ***");
	mp_caps_from_trace(tr, &caps);
	assert_true(mp_caps_has(&caps, "UIDL"));
	assert_true(mp_caps_has(&caps, "AUTH=PLAIN"));
	free(tr);

	tr = new_trace(MP_PROTO_POP3);
	feed(tr, MP_DIR_IN, "+OK ready\r\n", 1);
	feed(tr, MP_DIR_OUT, "USER probe1\r\n", 2);
	feed(tr, MP_DIR_IN, "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n", 3);
	mp_trace_phases(tr, 0, &ph);
	assert_true(ph.plaintext_refused);
	free(tr);
}

static void
test_redact_rules(void **state)
{
	char l1[MP_TRACE_LINE_MAX] = "A1 AUTHENTICATE PLAIN AHByb2JlMQBzZWNyZXQx";
	char l2[MP_TRACE_LINE_MAX] = "A2 login \"probe1\" \"sec ret\"";
	char l3[MP_TRACE_LINE_MAX] = "AUTH PLAIN";
	char l4[MP_TRACE_LINE_MAX] = "*";

	(void)state;
	assert_true(mp_trace_redact(MP_PROTO_IMAP, l1, false));
	assert_string_equal(l1, "A1 AUTHENTICATE PLAIN ***");
	assert_false(mp_trace_redact(MP_PROTO_IMAP, l2, false));
	assert_string_equal(l2, "A2 login \"probe1\" ***");
	assert_true(mp_trace_redact(MP_PROTO_SMTP, l3, false));
	assert_string_equal(l3, "AUTH PLAIN");
	/* "*" cancels a SASL exchange and is kept */
	assert_true(mp_trace_redact(MP_PROTO_IMAP, l4, true));
	assert_string_equal(l4, "*");
}

static void
test_bounded_lines(void **state)
{
	struct mp_trace *tr = new_trace(MP_PROTO_IMAP);
	char *big = malloc(100000);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	/* a 100 kB line without newline, then its end: one cut line */
	mp_trace_add(tr, MP_DIR_IN, big, 99999, 0);
	mp_trace_add(tr, MP_DIR_IN, "\x01\r\n", 3, 0);
	assert_int_equal(tr->n, 1);
	assert_true(strlen(tr->lines[0].text) < MP_TRACE_LINE_MAX);
	for (unsigned i = 0; i < 1000; i++)
		mp_trace_add(tr, MP_DIR_IN, "* x\r\n", 5, 0);
	assert_int_equal(tr->n, MP_TRACE_MAX_LINES);
	assert_true(tr->n_dropped > 0);
	free(big);
	free(tr);
}

static void
test_caps_missing(void **state)
{
	struct mp_caps c;
	char miss[128];

	(void)state;
	mp_caps_clear(&c);
	mp_caps_parse_imap(&c, "IMAP4rev1 IDLE NAMESPACE literal+");
	assert_true(mp_caps_has(&c, "LITERAL+"));
	assert_int_equal(mp_caps_missing(&c, "IDLE,QUOTA literal+ UNSELECT",
			     miss, sizeof(miss)),
	    2);
	assert_string_equal(miss, "QUOTA,UNSELECT");
	assert_int_equal(mp_caps_missing(&c, "", miss, sizeof(miss)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imap_phases),
		cmocka_unit_test(test_smtp_sasl_redaction_and_chunks),
		cmocka_unit_test(test_pop3_refusals),
		cmocka_unit_test(test_redact_rules),
		cmocka_unit_test(test_bounded_lines),
		cmocka_unit_test(test_caps_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
