/* Unit tests of stormwatch/report: the shell summary and the plugin line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../stormwatch/detect.h"
#include "../../stormwatch/report.h"
#include "clock.h"

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)(v & 0xff);
}

static uint16_t
ref_cksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* echo request 203.0.113.<h> -> .10, group MAC, src MAC <oui>:0b:00:<h> */
static size_t
frame(uint8_t *b, const uint8_t oui[3], uint8_t h, uint8_t ttl)
{
	uint8_t *ip = b + 14, *ic = ip + 20;

	memset(b, 0, 98);
	b[0] = 0x01;
	b[1] = 0x22;
	b[2] = 0x72;
	b[3] = 0x0a;
	b[5] = 0x0a;
	memcpy(b + 6, oui, 3);
	b[9] = 0x0b;
	b[11] = h;
	put16(b + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 84);
	ip[8] = ttl;
	ip[9] = 1;
	ip[12] = 203;
	ip[14] = 113;
	ip[15] = h;
	ip[16] = 203;
	ip[18] = 113;
	ip[19] = 10;
	put16(ip + 10, ref_cksum(ip, 20));
	ic[0] = 8;
	put16(ic + 4, 7191);
	put16(ic + 6, 4);
	memcpy(ic + 8, "NOC-ping", 8);
	put16(ic + 2, (unsigned)(ref_cksum(ic, 64) ^ 0x0400));
	return 98;
}

static char *
summary(const uint8_t refl_oui2[3], enum nk_state *st, char **plugin)
{
	static const char csv[] =
	    "Registry,Assignment,Organization Name,Organization Address\n"
	    "MA-L,00095B,NETGEAR,San Jose\n"
	    "MA-L,00146C,NETGEAR,San Jose\n"
	    "MA-L,001B21,Intel Corporate,Hillsboro\n";
	const uint8_t origin[3] = {0x02, 0x00, 0x5e};
	const uint8_t ng[3] = {0x00, 0x09, 0x5b};
	struct nk_oui_db *db = nk_oui_db_new();
	struct sw_config cfg;
	struct sw_run run;
	struct sw_report rep;
	uint8_t b[128];
	char *txt = NULL, *pl = NULL;
	size_t tlen = 0, plen = 0;

	assert_non_null(db);
	assert_int_equal(
	    nk_oui_db_add_csv(db, (const uint8_t *)csv, sizeof(csv) - 1), 3);
	nk_oui_db_finish(db);
	sw_config_defaults(&cfg);
	struct sw_detect *d = sw_detect_new(&cfg, NULL);
	int64_t t = INT64_C(1700000000) * NK_NS_PER_SEC;
	frame(b, origin, 1, 5);
	sw_detect_frame(d, 1, t, b, 98, 98);
	for (int i = 0; i < 40; i++) {
		frame(b, (i % 2) ? refl_oui2 : ng, (uint8_t)(101 + i % 4),
		    (uint8_t)(4 - i % 4));
		sw_detect_frame(d, 1, t + 1000 * (i + 1), b, 98, 98);
	}
	sw_detect_finish(d);
	memset(&run, 0, sizeof(run));
	run.source = "file test.pcap";
	run.first_ns = t;
	run.last_ns = t + 41000;
	memset(&rep, 0, sizeof(rep));
	rep.oui = db;
	FILE *f = open_memstream(&txt, &tlen);
	sw_report_summary(f, &rep, d, &run);
	fclose(f);
	f = open_memstream(&pl, &plen);
	sw_report_plugin(f, &rep, d, &run, &cfg);
	fclose(f);
	*st = sw_report_state(d, &run);
	*plugin = pl;
	sw_detect_free(d);
	nk_oui_db_free(db);
	return txt;
}

static void
test_summary_names_everyone_and_one_vendor(void **state)
{
	(void)state;
	const uint8_t ng2[3] = {0x00, 0x14, 0x6c};
	enum nk_state st;
	char *pl;
	char *s = summary(ng2, &st, &pl);

	assert_int_equal(st, NK_STATE_CRITICAL);
	assert_non_null(strstr(s,
	    "stormwatch: CRITICAL - reflection storm: 4 "
	    "routers"));
	assert_non_null(strstr(s,
	    "victim       203.0.113.10 (dst MAC "
	    "01:22:72:0a:00:0a, group bit set)"));
	assert_non_null(strstr(s,
	    "originator   203.0.113.1 02:00:5e:0b:00:01 "
	    "(local MAC)"));
	assert_non_null(strstr(s, "all 4 reflectors are NETGEAR"));
	assert_non_null(strstr(s, "203.0.113.101   00:09:5b:0b:00:65 NETGEAR"));
	assert_non_null(strstr(s, "\n  do "));
	assert_non_null(strstr(pl,
	    "STORMWATCH CRITICAL - reflection storm: 4 "
	    "reflectors, 40 copies, victim 203.0.113.10, "
	    "originator 203.0.113.1 | reflectors=4"));
	free(s);
	free(pl);
}

static void
test_mixed_vendors_no_note(void **state)
{
	(void)state;
	const uint8_t intel[3] = {0x00, 0x1b, 0x21};
	enum nk_state st;
	char *pl;
	char *s = summary(intel, &st, &pl);

	assert_null(strstr(s, "reflectors are"));
	assert_non_null(strstr(s, "Intel Corporate"));
	free(s);
	free(pl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_names_everyone_and_one_vendor),
	    cmocka_unit_test(test_mixed_vendors_no_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
