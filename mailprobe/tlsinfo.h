/*
 * tlsinfo: the server certificate as libcurl's CURLINFO_CERTINFO gives it
 * ("Subject:...", "Issuer:...", "Expire date:Dec 23 16:46:22 2026 GMT",
 * "X509v3 Subject Alternative Name:DNS:a, IP Address:127.0.0.1"), days to
 * expiry and the RFC 6125 hostname match we do ourselves, so a probe can
 * report them even when verification failed.
 */
#ifndef MP_TLSINFO_H
#define MP_TLSINFO_H

#include <stdbool.h>
#include <stdint.h>

struct mp_tlsinfo {
	bool have_cert;
	char subject[256];
	char issuer[256];
	char san[512];        /* "DNS:a, DNS:b, IP Address:127.0.0.1" */
	int64_t not_after_s;  /* epoch seconds; 0 unknown */
	double days_left;     /* may be negative */
	bool hostname_match;
	bool verified;        /* chain + name verified by curl/OpenSSL */
	char verify_error[256];
};

/* Feed one "Key:value" certinfo entry of the leaf certificate. */
void mp_tlsinfo_entry(struct mp_tlsinfo *ti, const char *entry);

/* "Dec 23 16:46:22 2026 GMT" -> epoch s; -1 if not parsable. */
int64_t mp_tls_parse_time(const char *s);

/* RFC 6125 6.4: host against SAN DNS names (left-most "*." wildcard) and
 * IP addresses, CN only when there is no DNS SAN. */
bool mp_tls_name_match(const char *host, const char *san, const char *subject);

/* Fill days_left/hostname_match once all entries were fed. */
void mp_tlsinfo_finish(struct mp_tlsinfo *ti, const char *host, int64_t now_s);

#endif
