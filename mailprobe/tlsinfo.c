#include "tlsinfo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void
copy_after(char *dst, size_t len, const char *entry, size_t keylen)
{
	snprintf(dst, len, "%s", entry + keylen);
}

void
mp_tlsinfo_entry(struct mp_tlsinfo *ti, const char *entry)
{
	static const char san_key[] = "X509v3 Subject Alternative Name:";

	if (strncmp(entry, "Subject:", 8) == 0) {
		ti->have_cert = true;
		copy_after(ti->subject, sizeof(ti->subject), entry, 8);
	} else if (strncmp(entry, "Issuer:", 7) == 0) {
		copy_after(ti->issuer, sizeof(ti->issuer), entry, 7);
	} else if (strncmp(entry, "Expire date:", 12) == 0) {
		int64_t t = mp_tls_parse_time(entry + 12);
		ti->not_after_s = t > 0 ? t : 0;
	} else if (strncmp(entry, san_key, sizeof(san_key) - 1) == 0) {
		const char *p = entry + sizeof(san_key) - 1;
		while (*p == ' ' || *p == '\n')
			p++;
		copy_after(ti->san, sizeof(ti->san), p, 0);
		for (char *q = ti->san; *q != '\0'; q++)
			if (*q == '\n' || *q == '\r')
				*q = ' ';
	}
}

int64_t
mp_tls_parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	while (*s == ' ')
		s++;
	/* OpenSSL ASN1_TIME_print: "Mon DD HH:MM:SS YYYY GMT" */
	end = strptime(s, "%b %d %H:%M:%S %Y", &tm);
	if (end == NULL) {
		/* curl's own ASN.1 parser: "2026-12-23 16:46:22 GMT" */
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	}
	if (end == NULL)
		return -1;
	return (int64_t)timegm(&tm);
}

/* Case-insensitive DNS name compare with one left-most wildcard label. */
static bool
dns_match(const char *pat, size_t plen, const char *host)
{
	size_t hlen = strlen(host);

	while (plen > 0 && pat[plen - 1] == '.')
		plen--;
	while (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
		const char *dot = memchr(host, '.', hlen);
		size_t rest;
		if (dot == NULL || dot == host)
			return false;
		rest = hlen - (size_t)(dot - host);
		return rest == plen - 1 && strncasecmp(dot, pat + 1, rest) == 0;
	}
	return plen == hlen && strncasecmp(pat, host, hlen) == 0;
}

bool
mp_tls_name_match(const char *host, const char *san, const char *subject)
{
	bool any_dns = false;
	const char *p = san;

	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n > 4 && strncmp(p, "DNS:", 4) == 0) {
			any_dns = true;
			if (dns_match(p + 4, n - 4, host))
				return true;
		} else if (n > 11 && strncmp(p, "IP Address:", 11) == 0) {
			size_t hl = strlen(host);
			size_t il = n - 11;
			while (il > 0 && p[11 + il - 1] == ' ')
				il--;
			if (hl == il && strncasecmp(p + 11, host, hl) == 0)
				return true;
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	if (!any_dns && subject != NULL) {
		/* OpenSSL prints "CN = name" (RFC 2253 style: "CN=name") */
		const char *cn = strstr(subject, "CN");
		if (cn != NULL) {
			cn += 2;
			while (*cn == ' ')
				cn++;
			if (*cn++ != '=')
				return false;
			while (*cn == ' ')
				cn++;
			size_t n = strcspn(cn, ",/");
			while (n > 0 && cn[n - 1] == ' ')
				n--;
			return dns_match(cn, n, host);
		}
	}
	return false;
}

void
mp_tlsinfo_finish(struct mp_tlsinfo *ti, const char *host, int64_t now_s)
{
	if (!ti->have_cert)
		return;
	if (ti->not_after_s > 0)
		ti->days_left = (double)(ti->not_after_s - now_s) / 86400.0;
	ti->hostname_match = mp_tls_name_match(host, ti->san, ti->subject);
}
