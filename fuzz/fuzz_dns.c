/* Fuzz lib/dns's message parser (answers from any server are hostile). */
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_dns_msg m;
	struct nk_err err = {{0}};

	(void)nk_dns_parse(data, size, &m, &err);
	return 0;
}
