/* mailprobe: credentials (netrc syntax, file mode rule), URL parsing (no
 * passwords in URLs), certificate facts (name match, expiry parsing),
 * output scrubbing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../mailprobe/cred.h"
#include "../../mailprobe/probe.h"
#include "../../mailprobe/report.h"
#include "../../mailprobe/tlsinfo.h"

static void
test_netrc(void **state)
{
	char pw[64];
	const char *t = "machine a.example login u1 password p1\n"
			"machine 127.0.0.1\n  login probe1\n  password secret1\n"
			"default login any password dflt\n";

	(void)state;
	assert_int_equal(mp_cred_netrc_find(t, "127.0.0.1", "probe1", pw,
			     sizeof(pw)),
	    0);
	assert_string_equal(pw, "secret1");
	assert_int_equal(mp_cred_netrc_find(t, "a.example", "u1", pw,
			     sizeof(pw)),
	    0);
	assert_string_equal(pw, "p1");
	/* wrong login for the machine: falls to default only if its login
	 * matches */
	assert_int_equal(mp_cred_netrc_find(t, "a.example", "u2", pw,
			     sizeof(pw)),
	    1);
	assert_int_equal(mp_cred_netrc_find(t, "zz", "any", pw, sizeof(pw)),
	    0);
	assert_string_equal(pw, "dflt");
	assert_int_equal(mp_cred_netrc_find("machine", "x", "y", pw,
			     sizeof(pw)),
	    1);
	assert_int_equal(mp_cred_netrc_find("", "x", "y", pw, sizeof(pw)), 1);
}

static void
test_file_mode_rule(void **state)
{
	char path[] = "/tmp/mp-cred-XXXXXX";
	int fd = mkstemp(path);
	char pw[64];
	struct nk_err err = {{0}};

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "machine h login u password pw\n", 30), 30);
	close(fd);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(mp_cred_lookup(path, NULL, "h", "u", pw, sizeof(pw),
			     &err),
	    -1);
	/* the message names the file and its mode */
	assert_non_null(strstr(nk_err_msg(&err), path));
	assert_non_null(strstr(nk_err_msg(&err), "0644"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(mp_cred_lookup(path, NULL, "h", "u", pw, sizeof(pw),
			     &err),
	    0);
	assert_string_equal(pw, "pw");
	unlink(path);
	assert_int_equal(mp_cred_lookup(path, NULL, "h", "u", pw, sizeof(pw),
			     &err),
	    -1);
	/* environment variable */
	setenv("MP_TEST_PW", "envpw", 1);
	assert_int_equal(mp_cred_lookup(NULL, "MP_TEST_PW", "h", "u", pw,
			     sizeof(pw), &err),
	    0);
	assert_string_equal(pw, "envpw");
}

static void
test_target_parse(void **state)
{
	struct mp_target tg;
	struct nk_err err = {{0}};

	(void)state;
	assert_int_equal(mp_target_parse("imaps://probe1@mail.lab.test", &tg,
			     &err),
	    0);
	assert_int_equal(tg.port, 993);
	assert_int_equal(tg.tls, MP_TLS_IMPLICIT);
	assert_string_equal(tg.user, "probe1");
	assert_string_equal(tg.host, "mail.lab.test");
	assert_int_equal(mp_target_parse("submission://[::1]:11587", &tg,
			     &err),
	    0);
	assert_string_equal(tg.host, "::1");
	assert_int_equal(tg.port, 11587);
	assert_int_equal(tg.tls, MP_TLS_STARTTLS);
	assert_int_equal(mp_target_parse("pop3+tls://h:110", &tg, &err), 0);
	assert_int_equal(tg.proto, MP_PROTO_POP3);
	assert_int_equal(tg.tls, MP_TLS_STARTTLS);
	/* a password in the URL is refused without echoing it */
	assert_int_equal(mp_target_parse("imap://u:hunter2@h", &tg, &err), -1);
	assert_null(strstr(nk_err_msg(&err), "hunter2"));
	assert_int_equal(mp_target_parse("imap://h:0", &tg, &err), -1);
	assert_int_equal(mp_target_parse("imap://h:70000", &tg, &err), -1);
	assert_int_equal(mp_target_parse("gopher://h", &tg, &err), -1);
	assert_int_equal(mp_target_parse("imap://h;x", &tg, &err), -1);
}

static void
test_tls_facts(void **state)
{
	struct mp_tlsinfo ti;

	(void)state;
	assert_true(mp_tls_name_match("mail.lab.test",
	    "DNS:mail.lab.test, DNS:localhost, IP Address:127.0.0.1", NULL));
	assert_true(mp_tls_name_match("127.0.0.1",
	    "DNS:mail.lab.test, IP Address:127.0.0.1", NULL));
	assert_true(mp_tls_name_match("imap.lab.test", "DNS:*.lab.test", NULL));
	/* wildcard covers one label only, RFC 6125 6.4.3 */
	assert_false(mp_tls_name_match("a.b.lab.test", "DNS:*.lab.test", NULL));
	assert_false(mp_tls_name_match("lab.test", "DNS:*.lab.test", NULL));
	assert_false(mp_tls_name_match("127.0.0.2", "IP Address:127.0.0.1",
	    NULL));
	/* CN only when there is no DNS SAN */
	assert_true(mp_tls_name_match("mail.lab.test", "",
	    "CN = mail.lab.test"));
	assert_false(mp_tls_name_match("mail.lab.test", "DNS:other.test",
	    "CN = mail.lab.test"));
	assert_int_equal(mp_tls_parse_time("Dec 23 16:46:22 2026 GMT"),
	    1798044382);
	assert_int_equal(mp_tls_parse_time("2026-12-23 16:46:22 GMT"),
	    1798044382);
	assert_int_equal(mp_tls_parse_time("garbage"), -1);
	memset(&ti, 0, sizeof(ti));
	mp_tlsinfo_entry(&ti, "Subject:CN = mail.lab.test");
	mp_tlsinfo_entry(&ti, "Expire date:Dec 23 16:46:22 2026 GMT");
	mp_tlsinfo_entry(&ti,
	    "X509v3 Subject Alternative Name:DNS:mail.lab.test");
	mp_tlsinfo_finish(&ti, "mail.lab.test", 1798044382 - 2 * 86400);
	assert_true(ti.have_cert);
	assert_true(ti.hostname_match);
	assert_true(ti.days_left > 1.99 && ti.days_left < 2.01);
}

static void
test_scrub(void **state)
{
	char buf[128] = "server said: bad password secretXY for secretXY!";

	(void)state;
	mp_report_secret("secretXY");
	mp_report_scrub(buf, sizeof(buf));
	assert_string_equal(buf, "server said: bad password *** for ***!");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netrc),
		cmocka_unit_test(test_file_mode_rule),
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_tls_facts),
		cmocka_unit_test(test_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
