/*
 * capture: libpcap input for stormwatch. Live (-i IFACE: promiscuous,
 * immediate mode, bounded kernel buffer, BPF filter, non-blocking with a
 * selectable fd for the poll loop, kernel drop counters) or offline
 * (-r FILE, pcap or pcapng, "-" for stdin), nanosecond stamps either way.
 */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"

struct sw_capture;

struct sw_capture_opts {
	const char *iface;  /* live, or */
	const char *file;   /* offline ("-" = stdin) */
	const char *filter; /* BPF expression or NULL */
	int snaplen;        /* bytes per frame kept (live) */
	int buffer_bytes;   /* kernel buffer (live) */
	bool promisc;
};

/* One record: borrowed bytes, valid until the callback returns. */
typedef void (*sw_capture_cb)(void *ctx, int64_t ts_ns, const uint8_t *buf,
    uint32_t caplen, uint32_t len);

/*
 * Open and activate. Errors name the interface or file and the cause,
 * e.g. "interface eth9: no such device", "file x.pcap: unsupported link
 * type PPP (Point-to-point Protocol)". 0 or -1.
 */
int sw_capture_open(const struct sw_capture_opts *o, struct sw_capture **out,
    struct nk_err *err);
void sw_capture_close(struct sw_capture *c);

int sw_capture_dlt(const struct sw_capture *c);
/* The selectable fd (live), -1 offline. */
int sw_capture_fd(const struct sw_capture *c);

/*
 * Read records: offline up to `max` (0 = to the end), live what is
 * waiting. Returns the number read, 0 at the end of a file or when
 * nothing waits, -1 on a read error with err naming the source, the
 * record number and file offset ("file x.pcap: record 118 at offset
 * 9734: truncated dump file; ..."); records before it were delivered.
 * *eof is set at the end of a file.
 */
long sw_capture_read(struct sw_capture *c, long max, sw_capture_cb cb,
    void *ctx, bool *eof, struct nk_err *err);

/* Kernel counters (live): received, dropped by the kernel, by the NIC. */
int sw_capture_stats(
    struct sw_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);

/* The interface's own MAC (live), for offload awareness. 0 or -1. */
int sw_capture_local_mac(const struct sw_capture *c, struct nk_mac *mac);
/* Its IPv4/IPv6 addresses (live), up to max; the number stored. */
size_t sw_capture_local_ips(
    const struct sw_capture *c, struct nk_addr *out, size_t max);

/* A dumper with the same link type, nanosecond stamps ("--evidence"). */
struct sw_dumper;
int sw_dumper_open(const struct sw_capture *c, const char *path,
    struct sw_dumper **out, struct nk_err *err);
void sw_dumper_write(struct sw_dumper *w, int64_t ts_ns, const uint8_t *buf,
    uint32_t caplen, uint32_t len);
uint64_t sw_dumper_count(const struct sw_dumper *w);
void sw_dumper_close(struct sw_dumper *w);

#endif
