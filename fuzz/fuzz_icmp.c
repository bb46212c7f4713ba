/*
 * fuzz_icmp: the reply parser (lib/icmp.c) on hostile bytes, in every
 * socket shape: raw IPv4 (header included), datagram IPv4, ICMPv6. The
 * first byte picks the shape; the tag check runs on whatever parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "icmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[NK_SIPHASH_KEY_LEN] = {0};
	struct nk_icmp_msg m;
	int family, raw;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: family = AF_INET; raw = 1; break;
	case 1: family = AF_INET; raw = 0; break;
	default: family = AF_INET6; raw = 0; break;
	}
	if (nk_icmp_parse(data + 1, size - 1, family, raw != 0, &m) == 0) {
		(void)nk_icmp_probe_verify(&m, key, raw != 0, m.id);
		(void)nk_icmp_type_name(family, m.type);
	}
	(void)nk_icmp_cksum(data, size);
	return 0;
}
