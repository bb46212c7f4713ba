/* Unit tests of stormwatch/conf: the --config file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "../../stormwatch/conf.h"
#include "clock.h"

static int
parse(const char *text, struct sw_config *cfg, struct sw_conf *c,
    struct nk_err *err)
{
	sw_config_defaults(cfg);
	memset(err, 0, sizeof(*err));
	return sw_conf_parse(
	    "sw.conf", (const uint8_t *)text, strlen(text), cfg, c, err);
}

static void
test_every_key(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct sw_conf c;
	struct nk_err err;
	const char *text = "# stormwatch on the tower bridge\n"
			   "storm_copies = 40\n"
			   "storm_end_copies = 8\n"
			   "storm_reflectors = 3\n"
			   "storm_clear_intervals = 4\n"
			   "broadcast_warning = 1000\n"
			   "broadcast_critical = 3000\n"
			   "source_warning = 200\n"
			   "source_critical = 900\n"
			   "broadcast_raise_intervals = 2\n"
			   "broadcast_clear_intervals = 5\n"
			   "report_interval = 30s\n"
			   "stats_interval = 2m\n"
			   "duration = 60\n"
			   "filter = \"icmp or arp\"\n"
			   "evidence = /var/tmp/storm.pcap\n"
			   "user = nockit\n"
			   "oui_dir = /opt/ieee\n"
			   "snaplen = 256\n"
			   "buffer = 8M\n"
			   "promisc = no\n"
			   "l4_checksums = all\n"
			   "max_sources = 4096\n"
			   "max_echoes = 256\n"
			   "local_mac = 02:6e:6b:00:00:02\n"
			   "local_mac = 02:6e:6b:00:00:03\n"
			   "local_ip = 203.0.113.2\n"
			   "local_ip = 2001:db8::2\n";

	assert_int_equal(parse(text, &cfg, &c, &err), 0);
	assert_true(cfg.storm_start_pps == 40);
	assert_true(cfg.storm_end_pps == 8);
	assert_int_equal(cfg.storm_min_reflectors, 3);
	assert_int_equal(cfg.storm_clear_intervals, 4);
	assert_int_equal(nk_threshold_eval(&cfg.bcast, 999), NK_STATE_OK);
	assert_int_equal(nk_threshold_eval(&cfg.bcast, 1001), NK_STATE_WARNING);
	assert_int_equal(
	    nk_threshold_eval(&cfg.bcast, 3001), NK_STATE_CRITICAL);
	assert_int_equal(
	    nk_threshold_eval(&cfg.src_bcast, 201), NK_STATE_WARNING);
	assert_int_equal(
	    nk_threshold_eval(&cfg.src_bcast, 901), NK_STATE_CRITICAL);
	assert_int_equal(cfg.bcast_raise_intervals, 2);
	assert_int_equal(cfg.bcast_clear_intervals, 5);
	assert_int_equal(cfg.report_ns, 30 * NK_NS_PER_SEC);
	assert_true(c.has_report);
	assert_int_equal(c.stats_ns, 120 * NK_NS_PER_SEC);
	assert_true(c.has_duration);
	assert_true(c.duration_s == 60);
	assert_string_equal(c.filter, "icmp or arp");
	assert_string_equal(c.evidence, "/var/tmp/storm.pcap");
	assert_string_equal(c.user, "nockit");
	assert_string_equal(c.oui_dir, "/opt/ieee");
	assert_int_equal(c.snaplen, 256);
	assert_int_equal(c.buffer_kib, 8192);
	assert_int_equal(c.promisc, 0);
	assert_true(cfg.verify_l4 && cfg.verify_l4_all);
	assert_int_equal(cfg.max_sources, 4096);
	assert_int_equal(cfg.max_echoes, 256);
	assert_int_equal(cfg.n_local_macs, 2);
	assert_int_equal(cfg.local_macs[1].b[5], 3);
	assert_int_equal(cfg.n_local_ips, 2);
	assert_int_equal(cfg.local_ips[0].family, AF_INET);
	assert_int_equal(cfg.local_ips[1].family, AF_INET6);
	sw_conf_fini(&c);
}

static void
test_defaults_kept_and_section(void **state)
{
	(void)state;
	struct sw_config cfg, def;
	struct sw_conf c;
	struct nk_err err;

	/* an empty file changes nothing */
	assert_int_equal(parse("# nothing\n", &cfg, &c, &err), 0);
	sw_config_defaults(&def);
	assert_true(cfg.storm_start_pps == def.storm_start_pps);
	assert_true(cfg.storm_end_pps == def.storm_end_pps);
	assert_int_equal(cfg.storm_min_reflectors, def.storm_min_reflectors);
	assert_int_equal(cfg.report_ns, def.report_ns);
	assert_int_equal(cfg.max_sources, def.max_sources);
	assert_int_equal(cfg.bcast_clear_intervals, def.bcast_clear_intervals);
	assert_true(cfg.verify_l4 && !cfg.verify_l4_all);
	assert_int_equal(cfg.n_local_macs + cfg.n_local_ips, 0);
	assert_int_equal(nk_threshold_eval(&cfg.bcast, 2001), NK_STATE_WARNING);
	assert_null(c.filter);
	assert_false(c.has_duration);
	assert_int_equal(c.promisc, -1);
	sw_conf_fini(&c);

	/* the same keys in [stormwatch]; storm_copies alone sets the end
	 * rate to a quarter; -w alone keeps the default critical */
	assert_int_equal(parse("[stormwatch]\nstorm_copies = 100\n"
			       "broadcast_warning = 10\n",
			     &cfg, &c, &err),
	    0);
	assert_true(cfg.storm_start_pps == 100);
	assert_true(cfg.storm_end_pps == 25);
	assert_true(c.has_storm_copies);
	assert_false(c.has_storm_end);
	assert_int_equal(nk_threshold_eval(&cfg.bcast, 11), NK_STATE_WARNING);
	assert_int_equal(
	    nk_threshold_eval(&cfg.bcast, 5001), NK_STATE_CRITICAL);
	sw_conf_fini(&c);

	/* report_interval 0: state changes only */
	assert_int_equal(parse("report_interval = 0\n", &cfg, &c, &err), 0);
	assert_int_equal(cfg.report_ns, 0);
	assert_true(c.has_report);
	sw_conf_fini(&c);
}

static void
expect_error(const char *text, const char *msg)
{
	struct sw_config cfg;
	struct sw_conf c;
	struct nk_err err;

	assert_int_equal(parse(text, &cfg, &c, &err), -1);
	if (strstr(nk_err_msg(&err), msg) == NULL)
		fail_msg(
		    "'%s': got '%s', want '%s'", text, nk_err_msg(&err), msg);
	assert_null(c.raw);
	sw_conf_fini(&c);
}

static void
test_errors_name_file_and_line(void **state)
{
	(void)state;
	expect_error("storm_copies = 20\n\nstorm_copys = 30\n",
	    "sw.conf:3: unknown key 'storm_copys'");
	expect_error("[stormwatch]\nfoo = 1\n", "sw.conf:2: unknown key 'foo'");
	expect_error("storm_copies = 20\n[multiping]\ninterval = 1\n",
	    "sw.conf:2: unknown section [multiping]");
	expect_error("filter = icmp\nfilter = arp\n",
	    "sw.conf:2: key 'filter' given twice (first at line 1)");
	expect_error("storm_copies = lots\n", "sw.conf:1: key 'storm_copies'");
	expect_error("storm_copies = 0\n", "sw.conf:1: key 'storm_copies'");
	expect_error(
	    "storm_reflectors = -1\n", "sw.conf:1: key 'storm_reflectors'");
	expect_error("broadcast_critical = 20:10\n",
	    "sw.conf:1: key 'broadcast_critical': range '20:10'");
	expect_error("storm_copies = 20\nstorm_end_copies = 30\n",
	    "sw.conf:2: key 'storm_end_copies': 30 > storm_copies 20");
	expect_error("\nlocal_mac = 00:11:22\n", "sw.conf:2: key 'local_mac'");
	expect_error("local_ip = 203.0.113.300\n", "sw.conf:1: key 'local_ip'");
	expect_error("l4_checksums = some\n",
	    "sw.conf:1: key 'l4_checksums': 'some': not one of sampled, all, "
	    "off");
	expect_error(
	    "report_interval = soon\n", "sw.conf:1: key 'report_interval'");
	expect_error("promisc = maybe\n", "sw.conf:1: key 'promisc'");
	expect_error("buffer = 1k\n", "sw.conf:1: key 'buffer': 1024 bytes");
	expect_error("evidence = \"\"\n", "sw.conf:1: key 'evidence': empty");
	expect_error("snaplen = 10\n", "sw.conf:1: key 'snaplen'");
	expect_error("local_mac = 02:00:00:00:00:01\n"
		     "local_mac = 02:00:00:00:00:02\n"
		     "local_mac = 02:00:00:00:00:03\n"
		     "local_mac = 02:00:00:00:00:04\n"
		     "local_mac = 02:00:00:00:00:05\n"
		     "local_mac = 02:00:00:00:00:06\n"
		     "local_mac = 02:00:00:00:00:07\n"
		     "local_mac = 02:00:00:00:00:08\n"
		     "local_mac = 02:00:00:00:00:09\n",
	    "sw.conf:9: more than 8 local_mac");
}

static void
test_load_missing_file(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct sw_conf c;
	struct nk_err err = {""};

	sw_config_defaults(&cfg);
	assert_int_equal(
	    sw_conf_load("/nonexistent/sw.conf", &cfg, &c, &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "/nonexistent/sw.conf"));
	assert_null(c.raw);
	sw_conf_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_defaults_kept_and_section),
	    cmocka_unit_test(test_errors_name_file_and_line),
	    cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
