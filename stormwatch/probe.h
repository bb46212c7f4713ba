/*
 * probe: the active check. Sends exactly ONE crafted frame with libnet — an
 * ICMP echo request to the victim's unicast IP, addressed to a group MAC
 * (the victim's MAC with the I/G bit set, or broadcast), with a wrong ICMP
 * checksum and TTL 2 — then listens a bounded time and lists every host
 * that re-sends it. A correct host drops the frame (bad checksum, not its
 * IP); a buggy router copies it once with TTL 1, which no other router
 * copies again (they need TTL > 1), so the probe can never start a storm.
 */
#ifndef SW_PROBE_H
#define SW_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "err.h"
#include "report.h"

struct sw_probe_opts {
	const char *iface;
	struct nk_addr victim; /* IPv4 */
	bool has_victim_mac;
	struct nk_mac victim_mac; /* group bit is set on it */
	int64_t listen_ns;        /* bounded wait (2 s) */
	uint8_t ttl;              /* 2 */
};

struct sw_probe;

/* Open the libnet injection handle and the capture (privileged). */
int sw_probe_open(
    const struct sw_probe_opts *o, struct sw_probe **out, struct nk_err *err);
void sw_probe_close(struct sw_probe *p);

/*
 * Send the frame, listen, print the reflectors. Returns the state:
 * CRITICAL when any host reflected, OK when none did, UNKNOWN on error.
 */
int sw_probe_run(struct sw_probe *p, const struct sw_report *r, FILE *out,
    bool json, struct nk_event_sink *sink, struct nk_err *err);

/* The probe's payload and checksum (pure, unit-tested): fills icmp[]
 * (8-byte header + payload) with a checksum that is wrong on purpose.
 * Returns the length. */
size_t sw_probe_build_icmp(uint16_t id, uint16_t seq, uint64_t nonce,
    uint8_t *icmp, size_t len, uint16_t *good_cksum, uint16_t *bad_cksum);

#endif
