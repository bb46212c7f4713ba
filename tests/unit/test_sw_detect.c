/* Unit tests of stormwatch/detect: the storm engine, from byte arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "../../stormwatch/detect.h"
#include "clock.h"

struct rec {
	unsigned n_start, n_update, n_end, n_offender, n_offender_final;
	unsigned n_bcast; /* alarm state changes */
	enum nk_state last_bcast;
	unsigned n_report[3];        /* broadcast_rate by enum sw_rate_reason */
	struct sw_event last_report; /* top[] not valid after the call */
	uint64_t report_top_frames[SW_TOP_SOURCES];
	uint8_t report_top_mac5[SW_TOP_SOURCES];
	uint64_t report_top_peak[SW_TOP_SOURCES];
	struct sw_storm last_storm;
	uint64_t n_evidence;
};

static void
on_event(void *ctx, const struct sw_event *ev)
{
	struct rec *r = ctx;

	switch (ev->type) {
	case SW_EV_STORM_START:
		r->n_start++;
		r->last_storm = *ev->storm;
		break;
	case SW_EV_STORM_UPDATE:
		r->n_update++;
		break;
	case SW_EV_STORM_END:
		r->n_end++;
		r->last_storm = *ev->storm;
		break;
	case SW_EV_OFFENDER:
		if (ev->final)
			r->n_offender_final++;
		else
			r->n_offender++;
		break;
	case SW_EV_BCAST_RATE:
		if (ev->reason != SW_RATE_CHANGE) {
			r->n_report[ev->reason]++;
			r->last_report = *ev;
			for (size_t i = 0; i < ev->n_top; i++) {
				r->report_top_frames[i] = ev->top[i]->w_frames;
				r->report_top_mac5[i] = ev->top[i]->mac.b[5];
				r->report_top_peak[i] = ev->top[i]->w_peak;
			}
			break;
		}
		r->n_bcast++;
		r->last_bcast = ev->state;
		break;
	}
}

static void
on_evidence(
    void *ctx, int64_t ts, const uint8_t *buf, uint32_t caplen, uint32_t len)
{
	struct rec *r = ctx;
	(void)ts;
	(void)buf;
	(void)caplen;
	(void)len;
	r->n_evidence++;
}

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

/*
 * An Ethernet frame with an ICMP echo request from 203.0.113.<src_host>
 * (MAC 00:09:5b:0b:00:<src_host>, a NETGEAR OUI) to 203.0.113.10.
 */
static size_t
echo_frame(uint8_t *b, uint8_t src_host, bool group, uint8_t ttl, uint16_t seq,
    bool bad)
{
	const uint8_t dst[6] = {group ? 0x01 : 0x00, 0x22, 0x72, 0x0a, 0, 0x0a};
	const uint8_t src[6] = {0x00, 0x09, 0x5b, 0x0b, 0x00, src_host};
	uint8_t *ip = b + 14, *ic = ip + 20;

	memset(b, 0, 14 + 20 + 64);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 84);
	ip[8] = ttl;
	ip[9] = 1;
	ip[12] = 203;
	ip[13] = 0;
	ip[14] = 113;
	ip[15] = src_host;
	ip[16] = 203;
	ip[17] = 0;
	ip[18] = 113;
	ip[19] = 10;
	put16(ip + 10, ref_cksum(ip, 20));
	ic[0] = 8;
	put16(ic + 4, 0x4e4b);
	put16(ic + 6, seq);
	memcpy(ic + 8, "NOC-ping", 8);
	put16(ic + 2, ref_cksum(ic, 64));
	if (bad)
		ic[28] ^= 0x04;
	return 14 + 84;
}

static struct sw_detect *
mk(struct sw_config *cfg, struct rec *r)
{
	struct sw_hooks h = {on_event, on_evidence, r};
	memset(r, 0, sizeof(*r));
	return sw_detect_new(cfg, &h);
}

#define T0 (INT64_C(1700000000) * NK_NS_PER_SEC)

/* One mangled echo from .2, then copies from 3 reflectors. */
static void
feed_storm(struct sw_detect *d, int64_t t, uint16_t seq, unsigned copies)
{
	uint8_t b[128];
	size_t n = echo_frame(b, 2, true, 5, seq, true);

	sw_detect_frame(d, 1, t, b, (uint32_t)n, (uint32_t)n);
	for (unsigned i = 0; i < copies; i++) {
		n = echo_frame(b, (uint8_t)(101 + i % 3), true,
		    (uint8_t)(4 - i % 4), seq, true);
		sw_detect_frame(d, 1, t + (int64_t)(i + 1) * 1000, b,
		    (uint32_t)n, (uint32_t)n);
	}
}

static void
test_storm_names_originator_victim_reflectors(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	sw_config_defaults(&cfg);
	cfg.evidence = true;
	struct sw_detect *d = mk(&cfg, &r);
	assert_non_null(d);

	feed_storm(d, T0, 4, 60);
	assert_int_equal(r.n_start, 1);
	assert_int_equal(r.last_storm.n_reflectors, 3);
	assert_int_equal(r.last_storm.victim.bytes[3], 10);
	assert_int_equal(r.last_storm.originator.bytes[3], 2);
	assert_int_equal(r.last_storm.first_frame_no, 1);
	assert_int_equal(r.last_storm.first_ttl, 5);
	assert_int_equal(r.last_storm.first_cksum, NK_CKSUM_BAD);
	assert_int_equal(r.n_offender, 3);
	assert_non_null(sw_detect_storm_active(d));
	/* quiet intervals end it (hysteresis: 2 by default) */
	sw_detect_tick(d, T0 + 4 * NK_NS_PER_SEC);
	assert_int_equal(r.n_end, 1);
	assert_int_equal(r.n_offender_final, 3);
	assert_int_equal(r.last_storm.copies, 60);
	assert_int_equal(r.last_storm.ttl_min, 1);
	assert_int_equal(r.last_storm.ttl_max, 4);
	assert_null(sw_detect_storm_active(d));
	sw_detect_finish(d);
	assert_int_equal(sw_detect_state(d), NK_STATE_CRITICAL);
	/* evidence: the mangled original and every copy, nothing else */
	assert_int_equal(r.n_evidence, 61);
	const struct sw_counters *c = sw_detect_counters(d);
	assert_int_equal(c->copies, 60);
	assert_int_equal(c->bad_icmp, 61);
	size_t n_refl = 0, n_orig = 0;
	for (size_t i = 0; i < sw_detect_n_sources(d); i++) {
		const struct sw_source *s = sw_detect_source(d, i);
		n_refl += (s->roles & SW_ROLE_REFLECTOR) != 0;
		n_orig += (s->roles & SW_ROLE_ORIGINATOR) != 0;
	}
	assert_int_equal(n_refl, 3);
	assert_int_equal(n_orig, 1);
	sw_detect_free(d);
}

static void
test_below_threshold_is_warning_not_storm(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	feed_storm(d, T0, 1, 5); /* 5 copies < 20/s */
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 0);
	assert_int_equal(sw_detect_state(d), NK_STATE_WARNING);
	sw_detect_free(d);
}

static void
test_lone_mangled_and_unicast_are_ok(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	size_t n = echo_frame(b, 2, true, 4, 9, true);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	/* unicast copies from others are not the signature */
	for (uint8_t i = 0; i < 50; i++) {
		n = echo_frame(b, (uint8_t)(101 + i % 5), false, 4, 9, true);
		sw_detect_frame(d, 1, T0 + i, b, (uint32_t)n, (uint32_t)n);
	}
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 0);
	assert_int_equal(sw_detect_state(d), NK_STATE_OK);
	assert_int_equal(sw_detect_lone_mangled(d), 1);
	assert_int_equal(sw_detect_counters(d)->bad_icmp, 51);
	sw_detect_free(d);
}

static void
test_two_storms_and_restart(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	feed_storm(d, T0, 1, 40);
	feed_storm(d, T0 + 10 * NK_NS_PER_SEC, 2, 40);
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 2);
	assert_int_equal(r.n_end, 2);
	assert_int_equal(sw_detect_n_storms(d), 2);
	assert_int_equal(sw_detect_storm(d, 1)->icmp_seq, 2);
	sw_detect_free(d);
}

static void
test_broadcast_flood_same_timestamp(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[64];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);
	const uint8_t src[6] = {0xde, 0xad, 0xbe, 0xef, 0xaa, 0xbb};
	memcpy(b + 6, src, 6);
	put16(b + 12, 0x0806);
	for (int i = 0; i < 6000; i++)
		sw_detect_frame(d, 1, T0, b, 60, 60); /* one stamp for all */
	sw_detect_finish(d);
	assert_int_equal(sw_detect_bcast_state(d), NK_STATE_CRITICAL);
	assert_int_equal(r.last_bcast, NK_STATE_CRITICAL);
	assert_int_equal(sw_detect_counters(d)->peak_bcast_pps, 6000);
	const struct sw_source *top = sw_detect_top_bcast(d);
	assert_non_null(top);
	assert_memory_equal(top->mac.b, src, 6);
	assert_true(top->roles & SW_ROLE_BCAST);
	sw_detect_free(d);
}

static void
test_busy_segment_is_not_a_storm(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[64];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);
	b[6] = 0x00;
	b[7] = 0x07;
	b[8] = 0x0d;
	put16(b + 12, 0x0806);
	/* 25 ARP/s for 30 s */
	for (int i = 0; i < 750; i++)
		sw_detect_frame(
		    d, 1, T0 + (int64_t)i * 40 * NK_NS_PER_MS, b, 60, 60);
	sw_detect_finish(d);
	assert_int_equal(sw_detect_bcast_state(d), NK_STATE_OK);
	assert_int_equal(r.n_bcast, 0);
	sw_detect_free(d);
}

static void
test_source_table_bounded(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[64];
	sw_config_defaults(&cfg);
	cfg.max_sources = 16;
	struct sw_detect *d = mk(&cfg, &r);

	memset(b, 0, sizeof(b));
	memset(b, 0xff, 6);
	put16(b + 12, 0x0806);
	for (unsigned i = 0; i < 1000; i++) {
		b[6] = 0x02;
		b[10] = (uint8_t)(i >> 8);
		b[11] = (uint8_t)i;
		sw_detect_frame(d, 1, T0 + i, b, 60, 60);
	}
	sw_detect_finish(d);
	assert_true(sw_detect_n_sources(d) <= 16);
	assert_int_equal(sw_detect_counters(d)->sources_evicted, 1000 - 16);
	sw_detect_free(d);
}

static void
test_offload_one_source(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);
	const struct sw_source *who;

	/* TCP from .28 with a wrong checksum, 5 times */
	memset(b, 0, sizeof(b));
	b[0] = 0x00;
	b[5] = 0x01;
	b[6] = 0x00;
	b[7] = 0x50;
	b[8] = 0xb6;
	b[11] = 0x24;
	put16(b + 12, 0x0800);
	uint8_t *ip = b + 14;
	ip[0] = 0x45;
	put16(ip + 2, 40);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 192;
	ip[13] = 168;
	ip[14] = 1;
	ip[15] = 28;
	ip[16] = 192;
	ip[17] = 168;
	ip[18] = 1;
	ip[19] = 1;
	put16(ip + 10, ref_cksum(ip, 20));
	put16(ip + 20, 40000);
	put16(ip + 22, 80);
	put16(ip + 36, 0x1234); /* checksum: wrong */
	for (int i = 0; i < 5; i++)
		sw_detect_frame(d, 1, T0 + i, b, 54, 54);
	sw_detect_finish(d);
	assert_true(sw_detect_offload_suspected(d, &who));
	assert_non_null(who);
	assert_int_equal(who->ip.bytes[3], 28);
	assert_int_equal(sw_detect_state(d), NK_STATE_OK);
	sw_detect_free(d);

	/* with the capturing host's MAC known, its frames are not errors */
	cfg.n_local_macs = 1;
	memcpy(cfg.local_macs[0].b, b + 6, 6);
	d = mk(&cfg, &r);
	sw_detect_frame(d, 1, T0, b, 54, 54);
	sw_detect_finish(d);
	assert_int_equal(sw_detect_counters(d)->bad_l4, 0);
	assert_int_equal(sw_detect_counters(d)->bad_l4_local, 1);
	assert_true(sw_detect_offload_suspected(d, &who));
	sw_detect_free(d);
}

static void
test_truncated_counted(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	size_t n = echo_frame(b, 2, true, 4, 1, true);
	sw_detect_frame(d, 1, T0, b, 40, (uint32_t)n);
	sw_detect_finish(d);
	assert_int_equal(sw_detect_counters(d)->truncated, 1);
	assert_int_equal(sw_detect_counters(d)->bad_icmp, 0);
	sw_detect_free(d);
}

/* An ARP broadcast from 00:07:0d:00:00:<host>. */
static void
arp_frame(uint8_t *b, uint8_t host)
{
	memset(b, 0, 60);
	memset(b, 0xff, 6);
	b[6] = 0x00;
	b[7] = 0x07;
	b[8] = 0x0d;
	b[11] = host;
	put16(b + 12, 0x0806);
}

static void
test_broadcast_rate_every_window(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[64];
	sw_config_defaults(&cfg);
	cfg.report_ns = 10 * NK_NS_PER_SEC;
	struct sw_detect *d = mk(&cfg, &r);

	/* 25 s: 20/s from host 1, 5/s from host 2 (every 4th frame) */
	for (int i = 0; i < 625; i++) {
		arp_frame(b, (i % 5 == 4) ? 2 : 1);
		sw_detect_frame(
		    d, 1, T0 + (int64_t)i * 40 * NK_NS_PER_MS, b, 60, 60);
	}
	/* windows closed at 10 s and 20 s, with their figures */
	assert_int_equal(r.n_report[SW_RATE_INTERVAL], 2);
	assert_int_equal(r.n_report[SW_RATE_END], 0);
	assert_int_equal(r.last_report.window_ns, 10 * NK_NS_PER_SEC);
	assert_int_equal(r.last_report.frames, 250);
	assert_int_equal(r.last_report.peak_pps, 25);
	assert_int_equal(r.last_report.state, NK_STATE_OK);
	assert_int_equal(r.last_report.n_top, 2);
	assert_int_equal(r.report_top_mac5[0], 1);
	assert_int_equal(r.report_top_frames[0], 200);
	assert_int_equal(r.report_top_peak[0], 20);
	assert_int_equal(r.report_top_mac5[1], 2);
	assert_int_equal(r.report_top_frames[1], 50);
	assert_int_equal(r.last_report.ts_ns, T0 + 20 * NK_NS_PER_SEC);
	/* the end of input sends the last, partial window */
	sw_detect_finish(d);
	assert_int_equal(r.n_report[SW_RATE_END], 1);
	assert_int_equal(r.last_report.window_ns, 5 * NK_NS_PER_SEC);
	assert_int_equal(r.last_report.frames, 125);
	/* no state change on a busy-but-normal segment */
	assert_int_equal(r.n_bcast, 0);
	sw_detect_free(d);

	/* report_ns 0: state changes only */
	cfg.report_ns = 0;
	d = mk(&cfg, &r);
	for (int i = 0; i < 625; i++) {
		arp_frame(b, 1);
		sw_detect_frame(
		    d, 1, T0 + (int64_t)i * 40 * NK_NS_PER_MS, b, 60, 60);
	}
	sw_detect_finish(d);
	assert_int_equal(r.n_report[SW_RATE_INTERVAL], 0);
	assert_int_equal(r.n_report[SW_RATE_END], 0);
	sw_detect_free(d);
}

static void
test_broadcast_rate_one_timestamp(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[64];
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	/* the DHCP flood: every frame has the same stamp; the window is
	 * one interval, never zero seconds */
	for (int i = 0; i < 6000; i++) {
		arp_frame(b, (uint8_t)(1 + (i % 7 == 0)));
		sw_detect_frame(d, 1, T0, b, 60, 60);
	}
	sw_detect_finish(d);
	assert_int_equal(r.n_report[SW_RATE_END], 1);
	assert_int_equal(r.last_report.window_ns, NK_NS_PER_SEC);
	assert_int_equal(r.last_report.frames, 6000);
	assert_int_equal(r.last_report.state, NK_STATE_CRITICAL);
	assert_int_equal(r.report_top_mac5[0], 1);
	assert_int_equal(r.report_top_frames[0], 6000 - 858);
	assert_int_equal(r.report_top_frames[1], 858);
	sw_detect_free(d);
}

/*
 * An Ethernet/IPv6/ICMPv6 echo request (RFC 4443 §4.1) from
 * 2001:db8::<src_host> (MAC 00:09:5b:0b:00:<src_host>) to the unicast
 * 2001:db8::10, sent to the group MAC 33:33:00:00:00:10; checksum over
 * the pseudo-header (RFC 8200 §8.1), wrong when `bad`.
 */
static size_t
echo6_frame(uint8_t *b, uint8_t src_host, uint8_t hlim, uint16_t seq, bool bad)
{
	const uint8_t dst[6] = {0x33, 0x33, 0, 0, 0, 0x10};
	const uint8_t src[6] = {0x00, 0x09, 0x5b, 0x0b, 0x00, src_host};
	uint8_t *ip = b + 14, *ic = ip + 40, ph[40 + 24];
	const size_t plen = 8 + 16;

	memset(b, 0, 14 + 40 + plen);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	put16(b + 12, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, (unsigned)plen);
	ip[6] = 58;
	ip[7] = hlim;
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[10] = 0x0d;
	ip[11] = 0xb8;
	ip[23] = src_host;
	ip[24] = 0x20;
	ip[25] = 0x01;
	ip[26] = 0x0d;
	ip[27] = 0xb8;
	ip[39] = 0x10;
	ic[0] = 128;
	put16(ic + 4, 0x4e4b);
	put16(ic + 6, seq);
	memcpy(ic + 8, "NOC-ping-v6-0001", 16);
	/* pseudo-header: src, dst, length (32 bits), 3 zero bytes, 58 */
	memset(ph, 0, sizeof(ph));
	memcpy(ph, ip + 8, 32);
	ph[35] = (uint8_t)plen;
	ph[39] = 58;
	memcpy(ph + 40, ic, plen);
	put16(ic + 2, ref_cksum(ph, sizeof(ph)));
	if (bad)
		ic[12] ^= 0x04;
	return 14 + 40 + plen;
}

static void
test_ipv6_echo_storm(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	sw_config_defaults(&cfg);
	cfg.evidence = true;
	struct sw_detect *d = mk(&cfg, &r);

	/* the mangled original from ::2, hop limit 5, then 4 reflectors
	 * copying copies with hop limits 4..1 */
	size_t n = echo6_frame(b, 2, 5, 7, true);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	for (unsigned i = 0; i < 40; i++) {
		n = echo6_frame(b, (uint8_t)(0x11 + i % 4),
		    (uint8_t)(4 - (i / 4) % 4), 7, true);
		sw_detect_frame(d, 1, T0 + (int64_t)(i + 1) * 1000, b,
		    (uint32_t)n, (uint32_t)n);
	}
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 1);
	assert_int_equal(r.n_end, 1);
	const struct sw_storm *st = &r.last_storm;
	assert_int_equal(st->victim.family, AF_INET6);
	assert_int_equal(st->victim.bytes[15], 0x10);
	assert_true(st->originator_seen);
	assert_int_equal(st->originator.family, AF_INET6);
	assert_int_equal(st->originator.bytes[15], 2);
	assert_int_equal(st->first_ttl, 5);
	assert_int_equal(st->first_cksum, NK_CKSUM_BAD);
	assert_int_equal(st->n_reflectors, 4);
	assert_int_equal(st->copies, 40);
	assert_int_equal(st->ttl_min, 1);
	assert_int_equal(st->ttl_max, 4);
	assert_int_equal(st->dst_mac.b[0], 0x33);
	assert_int_equal(r.n_offender_final, 4);
	assert_int_equal(r.n_evidence, 41);
	assert_int_equal(sw_detect_counters(d)->bad_icmp, 41);
	assert_int_equal(sw_detect_state(d), NK_STATE_CRITICAL);
	sw_detect_free(d);

	/* the same echo with a good checksum is counted as good */
	d = mk(&cfg, &r);
	n = echo6_frame(b, 2, 5, 7, false);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	sw_detect_finish(d);
	assert_int_equal(sw_detect_counters(d)->bad_icmp, 0);
	assert_int_equal(sw_detect_counters(d)->signature, 1);
	sw_detect_free(d);
}

static const struct sw_source *
find_src(const struct sw_detect *d, uint8_t host)
{
	for (size_t i = 0; i < sw_detect_n_sources(d); i++) {
		const struct sw_source *s = sw_detect_source(d, i);
		if (s->ip.family == AF_INET && s->ip.bytes[3] == host)
			return s;
	}
	return NULL;
}

static void
test_mid_storm_originator_not_seen(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	size_t n;
	sw_config_defaults(&cfg);
	struct sw_detect *d = mk(&cfg, &r);

	/* the capture starts on a copy: .101 TTL 4, then .102 TTL 4 (a copy
	 * of the first frame would have TTL 3 or less) */
	for (unsigned i = 0; i < 40; i++) {
		n = echo_frame(b, (uint8_t)(101 + i % 4), true,
		    (uint8_t)(4 - (i / 4) % 4), 4, true);
		sw_detect_frame(
		    d, 1, T0 + (int64_t)i * 1000, b, (uint32_t)n, (uint32_t)n);
	}
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 1);
	assert_false(r.last_storm.originator_seen);
	assert_int_equal(r.last_storm.originator.family, 0);
	assert_int_equal(r.last_storm.first_src.bytes[3], 101);
	/* .101 is a reflector, its first frame a copy: 40 copies, 4 */
	assert_int_equal(r.last_storm.n_reflectors, 4);
	assert_int_equal(r.last_storm.copies, 40);
	const struct sw_source *s = find_src(d, 101);
	assert_non_null(s);
	assert_true(s->roles & SW_ROLE_REFLECTOR);
	assert_false(s->roles & SW_ROLE_ORIGINATOR);
	assert_int_equal(s->copies, 10);
	sw_detect_free(d);

	/* first frame TTL 3 from .101; .102 copies it (TTL 2: could descend
	 * from it); then .101 sends the echo again with TTL 2: it copied a
	 * copy, so it was a reflector all along */
	d = mk(&cfg, &r);
	n = echo_frame(b, 101, true, 3, 4, true);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	n = echo_frame(b, 102, true, 2, 4, true);
	sw_detect_frame(d, 1, T0 + 1000, b, (uint32_t)n, (uint32_t)n);
	assert_non_null(find_src(d, 101));
	assert_true(find_src(d, 101)->roles & SW_ROLE_ORIGINATOR);
	n = echo_frame(b, 101, true, 2, 4, true);
	sw_detect_frame(d, 1, T0 + 2000, b, (uint32_t)n, (uint32_t)n);
	assert_false(find_src(d, 101)->roles & SW_ROLE_ORIGINATOR);
	assert_true(find_src(d, 101)->roles & SW_ROLE_REFLECTOR);
	assert_int_equal(find_src(d, 101)->copies, 2);
	assert_int_equal(sw_detect_counters(d)->copies, 3);
	sw_detect_free(d);

	/* the real originator: highest TTL, never again with less; its
	 * duplicate (same TTL, a mirror port) is not a copy */
	d = mk(&cfg, &r);
	n = echo_frame(b, 2, true, 5, 4, true);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	sw_detect_frame(d, 1, T0 + 10, b, (uint32_t)n, (uint32_t)n);
	feed_storm(d, T0 + 100, 4, 40); /* sends the original once more */
	sw_detect_finish(d);
	assert_int_equal(r.n_start, 1);
	assert_true(r.last_storm.originator_seen);
	assert_int_equal(r.last_storm.originator.bytes[3], 2);
	assert_int_equal(r.last_storm.copies, 40);
	assert_int_equal(r.last_storm.first_frame_no, 1);
	assert_false(find_src(d, 2)->roles & SW_ROLE_REFLECTOR);
	sw_detect_free(d);

	/* demoted after the storm started: the storm takes the name back */
	d = mk(&cfg, &r);
	n = echo_frame(b, 101, true, 3, 4, true);
	sw_detect_frame(d, 1, T0, b, (uint32_t)n, (uint32_t)n);
	for (unsigned i = 0; i < 30; i++) {
		n = echo_frame(b, (uint8_t)(102 + i % 3), true, 2, 4, true);
		sw_detect_frame(d, 1, T0 + (int64_t)(i + 1) * 1000, b,
		    (uint32_t)n, (uint32_t)n);
	}
	assert_int_equal(r.n_start, 1);
	assert_true(r.last_storm.originator_seen);
	n = echo_frame(b, 101, true, 1, 4, true);
	sw_detect_frame(d, 1, T0 + 50000, b, (uint32_t)n, (uint32_t)n);
	sw_detect_finish(d);
	assert_int_equal(r.n_end, 1);
	assert_false(r.last_storm.originator_seen);
	assert_int_equal(r.last_storm.n_reflectors, 4);
	assert_int_equal(r.last_storm.copies, 32);
	sw_detect_free(d);
}

static void
test_local_ip_is_offload(void **state)
{
	(void)state;
	struct sw_config cfg;
	struct rec r;
	uint8_t b[128];
	const struct sw_source *who;
	sw_config_defaults(&cfg);
	cfg.n_local_ips = 1;
	cfg.local_ips[0].family = AF_INET;
	cfg.local_ips[0].bytes[0] = 192;
	cfg.local_ips[0].bytes[1] = 168;
	cfg.local_ips[0].bytes[2] = 1;
	cfg.local_ips[0].bytes[3] = 28;
	struct sw_detect *d = mk(&cfg, &r);

	/* UDP from 192.168.1.28 with a wrong checksum */
	memset(b, 0, sizeof(b));
	b[5] = 0x01;
	b[6] = 0x02;
	b[11] = 0x24;
	put16(b + 12, 0x0800);
	uint8_t *ip = b + 14;
	ip[0] = 0x45;
	put16(ip + 2, 28);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 192;
	ip[13] = 168;
	ip[14] = 1;
	ip[15] = 28;
	ip[16] = 192;
	ip[17] = 168;
	ip[18] = 1;
	ip[19] = 1;
	put16(ip + 10, ref_cksum(ip, 20));
	put16(ip + 20, 5000);
	put16(ip + 22, 53);
	put16(ip + 24, 8);
	put16(ip + 26, 0x1234);
	sw_detect_frame(d, 1, T0, b, 42, 42);
	ip[15] = 29; /* another host: a real error */
	put16(ip + 10, 0);
	put16(ip + 10, ref_cksum(ip, 20));
	sw_detect_frame(d, 1, T0 + 1, b, 42, 42);
	sw_detect_finish(d);
	assert_int_equal(sw_detect_counters(d)->bad_l4_local, 1);
	assert_int_equal(sw_detect_counters(d)->bad_l4, 1);
	assert_true(sw_detect_offload_suspected(d, &who)); /* one source */
	assert_int_equal(who->ip.bytes[3], 29);
	sw_detect_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_storm_names_originator_victim_reflectors),
	    cmocka_unit_test(test_below_threshold_is_warning_not_storm),
	    cmocka_unit_test(test_lone_mangled_and_unicast_are_ok),
	    cmocka_unit_test(test_two_storms_and_restart),
	    cmocka_unit_test(test_broadcast_flood_same_timestamp),
	    cmocka_unit_test(test_busy_segment_is_not_a_storm),
	    cmocka_unit_test(test_source_table_bounded),
	    cmocka_unit_test(test_offload_one_source),
	    cmocka_unit_test(test_truncated_counted),
	    cmocka_unit_test(test_broadcast_rate_every_window),
	    cmocka_unit_test(test_broadcast_rate_one_timestamp),
	    cmocka_unit_test(test_ipv6_echo_storm),
	    cmocka_unit_test(test_mid_storm_originator_not_seen),
	    cmocka_unit_test(test_local_ip_is_offload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
