/*
 * dnsprobe: DNS queries sent by us to one server:port (UDP, TCP when the
 * answer is truncated, RFC 7766 framing), with latency, RCODE, AA and the
 * answers compared with an expected set; SOA serials across servers
 * (RFC 1982); open recursion. Messages are built and parsed by lib/dns.
 */
#ifndef MP_DNSPROBE_H
#define MP_DNSPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "dns.h"
#include "err.h"

struct mp_dns_opts {
	int64_t timeout_ns;
	bool plugin;
	bool norec;
	bool want_aa;
	const char *recursion; /* NULL, "open" or "closed" */
	const char *source;    /* local address to bind */
	const char *warn, *crit; /* latency thresholds, seconds */
};

struct mp_dns_result {
	char server[64]; /* "127.0.0.1:11054" */
	bool answered;
	bool via_tcp;
	int64_t latency_ns;
	char error[256];
	struct nk_dns_msg msg;
};

/* "ADDR", "ADDR:PORT", "[V6]:PORT" -> sockaddr text parts; 0 or -1. */
int mp_dns_server_parse(const char *s, char *addr, size_t alen,
    unsigned *port);

/* One query; fills res (answered=false with error on failure). */
void mp_dns_query(const char *server, const char *name, uint16_t type,
    bool rd, const struct mp_dns_opts *o, struct mp_dns_result *res);

/* argv[0] is "dns" or "soa". Exit code 0..3. */
int mp_dns_main(int argc, char **argv, const struct nk_cli_common *com,
    const struct mp_dns_opts *o);

#endif
