#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rd.h"

/* Bounded copy that cuts (names, wire text are already printable). */
static void
copy_cut(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const struct {
	const char *name;
	uint16_t type;
} types[] = {
	{"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12},
	{"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"ANY", 255},
};

int
nk_dns_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0 && s[4] >= '0' && s[4] <= '9') {
		unsigned long v = 0;
		for (const char *p = s + 4; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v = v * 10 + (unsigned long)(*p - '0');
			if (v > 65535)
				return -1;
		}
		return (int)v;
	}
	return -1;
}

const char *
nk_dns_type_name(uint16_t type, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

const char *
nk_dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	    "NOTAUTH", "NOTZONE"};
	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode]
							: "RCODE?";
}

int
nk_dns_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = a - b; /* modulo 2^32 */

	if (d == 0)
		return 0;
	if (d == UINT32_C(0x80000000))
		return 2; /* RFC 1982 3.2: undefined */
	/* a > b iff (a - b) mod 2^32 lies in (0, 2^31) */
	return d < UINT32_C(0x80000000) ? 1 : -1;
}

int
nk_dns_query_build(const char *name, uint16_t type, bool rd, uint16_t id,
    uint8_t *buf, size_t len, size_t *out_len, struct nk_err *err)
{
	struct __res_state st;
	int n;

	if (len > 65535)
		len = 65535;
	memset(&st, 0, sizeof(st));
	/* res_ninit reads resolv.conf; we only borrow the encoder */
	if (res_ninit(&st) != 0) {
		nk_err_set(err, "dns: res_ninit failed");
		return -1;
	}
	n = res_nmkquery(&st, ns_o_query, name, ns_c_in, type, NULL, 0, NULL,
	    buf, (int)len);
	res_nclose(&st);
	if (n < 12) {
		nk_err_set(err, "dns query %s: cannot encode the name", name);
		return -1;
	}
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	if (rd)
		buf[2] |= 0x01;
	else
		buf[2] &= (uint8_t)~0x01u;
	*out_len = (size_t)n;
	return 0;
}

/* Expand a (possibly compressed) name at p; bytes used, or -1. */
static int
expand(const uint8_t *msg, const uint8_t *eom, const uint8_t *p, char *out,
    size_t len)
{
	char tmp[NS_MAXDNAME];
	int n;

	if (p < msg || p >= eom)
		return -1;
	n = dn_expand(msg, eom, p, tmp, sizeof(tmp));
	if (n < 0)
		return -1;
	copy_cut(out, len, tmp[0] ? tmp : ".");
	return n;
}

static void
fmt_hex(struct nk_rd *r, char *out, size_t len)
{
	size_t o;
	int k = snprintf(out, len, "\\# %zu ", nk_rd_left(r));

	o = k > 0 ? (size_t)k : 0;
	while (nk_rd_left(r) > 0 && o + 3 < len) {
		k = snprintf(out + o, len - o, "%02x", nk_rd_u8(r));
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

/* RDATA to presentation text; -1 when malformed for its type. */
static int
fmt_rdata(const uint8_t *msg, const uint8_t *eom, uint16_t type,
    const uint8_t *rdata, size_t rdlen, struct nk_dns_rr *rr,
    struct nk_dns_msg *m)
{
	struct nk_rd r = nk_rd_make(rdata, rdlen);
	char a[NK_DNS_NAME_MAX], b[NK_DNS_NAME_MAX];
	int n, n2;

	switch (type) {
	case ns_t_a: {
		const uint8_t *p = nk_rd_ptr(&r, 4);
		if (p == NULL || !nk_rd_done(&r)) /* RFC 1035 3.4.1 */
			return -1;
		inet_ntop(AF_INET, p, rr->data, sizeof(rr->data));
		return 0;
	}
	case ns_t_aaaa: {
		const uint8_t *p = nk_rd_ptr(&r, 16);
		if (p == NULL || !nk_rd_done(&r)) /* RFC 3596 2.2 */
			return -1;
		inet_ntop(AF_INET6, p, rr->data, sizeof(rr->data));
		return 0;
	}
	case ns_t_ns:
	case ns_t_cname:
	case ns_t_ptr:
		n = expand(msg, eom, rdata, a, sizeof(a));
		if (n < 0 || (size_t)n != rdlen)
			return -1;
		copy_cut(rr->data, sizeof(rr->data), a);
		return 0;
	case ns_t_mx: {
		uint16_t pref = nk_rd_be16(&r);
		if (!nk_rd_ok(&r))
			return -1;
		n = expand(msg, eom, rdata + 2, a, sizeof(a));
		if (n < 0 || (size_t)n + 2 != rdlen)
			return -1;
		snprintf(rr->data, sizeof(rr->data), "%u ", pref);
		copy_cut(rr->data + strlen(rr->data),
		    sizeof(rr->data) - strlen(rr->data), a);
		return 0;
	}
	case ns_t_soa: { /* RFC 1035 3.3.13 */
		uint32_t v[5];
		n = expand(msg, eom, rdata, a, sizeof(a));
		if (n < 0 || (size_t)n > rdlen)
			return -1;
		n2 = expand(msg, eom, rdata + n, b, sizeof(b));
		if (n2 < 0 || (size_t)n + (size_t)n2 > rdlen)
			return -1;
		nk_rd_skip(&r, (size_t)n + (size_t)n2);
		for (int i = 0; i < 5; i++)
			v[i] = nk_rd_be32(&r);
		if (!nk_rd_done(&r))
			return -1;
		{
			/* names cut at 127 bytes each so the numbers fit */
			char nums[64];
			size_t o;
			snprintf(nums, sizeof(nums), " %u %u %u %u %u", v[0],
			    v[1], v[2], v[3], v[4]);
			copy_cut(rr->data, 128, a);
			o = strlen(rr->data);
			rr->data[o++] = ' ';
			copy_cut(rr->data + o, 128, b);
			o = strlen(rr->data);
			copy_cut(rr->data + o, sizeof(rr->data) - o, nums);
		}
		if (!m->have_soa) {
			m->have_soa = true;
			m->soa_serial = v[0];
		}
		return 0;
	}
	case ns_t_txt: { /* RFC 1035 3.3.14: <character-string>+ */
		size_t o = 0;
		const size_t cap = sizeof(rr->data) - 2;
		while (nk_rd_left(&r) > 0) {
			unsigned sl = nk_rd_u8(&r);
			struct nk_rd s = nk_rd_sub(&r, sl);
			if (!nk_rd_ok(&r))
				return -1;
			if (o > 0 && o < cap)
				rr->data[o++] = ' ';
			if (o < cap)
				rr->data[o++] = '"';
			while (nk_rd_left(&s) > 0) {
				uint8_t c = nk_rd_u8(&s);
				if (o < cap)
					rr->data[o++] = c >= 0x20 && c < 0x7f &&
						c != '"'
					    ? (char)c
					    : '?';
			}
			if (o < cap)
				rr->data[o++] = '"';
		}
		rr->data[o] = '\0';
		return 0;
	}
	default:
		fmt_hex(&r, rr->data, sizeof(rr->data));
		return 0;
	}
}

int
nk_dns_parse(const uint8_t *buf, size_t len, struct nk_dns_msg *m,
    struct nk_err *err)
{
	struct nk_rd h = nk_rd_make(buf, len);
	ns_msg handle;
	ns_rr rr;
	uint16_t flags;

	memset(m, 0, sizeof(*m));
	/* header, RFC 1035 4.1.1 */
	m->id = nk_rd_be16(&h);
	flags = nk_rd_be16(&h);
	m->qdcount = nk_rd_be16(&h);
	m->ancount = nk_rd_be16(&h);
	m->nscount = nk_rd_be16(&h);
	m->arcount = nk_rd_be16(&h);
	if (!nk_rd_ok(&h)) {
		nk_err_set(err, "dns: %zu bytes, shorter than a header", len);
		return -1;
	}
	m->qr = (flags & 0x8000) != 0;
	m->opcode = (flags >> 11) & 0xf;
	m->aa = (flags & 0x0400) != 0;
	m->tc = (flags & 0x0200) != 0;
	m->rd = (flags & 0x0100) != 0;
	m->ra = (flags & 0x0080) != 0;
	m->rcode = flags & 0xf;
	if (len > 65535) {
		nk_err_set(err, "dns: %zu bytes > 65535", len);
		return -1;
	}
	if (ns_initparse(buf, (int)len, &handle) != 0) {
		/* counts claim more records than the bytes hold */
		nk_err_set(err, "dns: section counts %u/%u/%u/%u exceed the "
		    "%zu-byte message",
		    m->qdcount, m->ancount, m->nscount, m->arcount, len);
		return -1;
	}
	if (m->qdcount > 0) {
		if (ns_parserr(&handle, ns_s_qd, 0, &rr) != 0) {
			nk_err_set(err, "dns: bad question");
			return -1;
		}
		copy_cut(m->qname, sizeof(m->qname),
		    ns_rr_name(rr)[0] ? ns_rr_name(rr) : ".");
		m->qtype = nk_u16((unsigned)ns_rr_type(rr));
	}
	for (unsigned i = 0; i < m->ancount; i++) {
		struct nk_dns_rr tmp, *out;
		const uint8_t *rdata;
		size_t rdlen;

		if (ns_parserr(&handle, ns_s_an, (int)i, &rr) != 0) {
			nk_err_set(err, "dns: answer %u malformed", i);
			return -1;
		}
		rdata = ns_rr_rdata(rr);
		rdlen = ns_rr_rdlen(rr);
		if (rdata < buf || rdata + rdlen > buf + len) {
			nk_err_set(err, "dns: answer %u RDATA out of bounds",
			    i);
			return -1;
		}
		m->n_answers_seen++;
		out = m->n_answers < NK_DNS_MAX_RR ? &m->answers[m->n_answers]
						   : &tmp;
		memset(out, 0, sizeof(*out));
		copy_cut(out->name, sizeof(out->name),
		    ns_rr_name(rr)[0] ? ns_rr_name(rr) : ".");
		out->type = nk_u16((unsigned)ns_rr_type(rr));
		out->rclass = nk_u16((unsigned)ns_rr_class(rr));
		out->ttl = ns_rr_ttl(rr);
		if (fmt_rdata(buf, buf + len, out->type, rdata, rdlen, out,
			m) != 0) {
			char tb[16];
			nk_err_set(err, "dns: answer %u (%s, RDLENGTH %zu) "
			    "malformed",
			    i, nk_dns_type_name(out->type, tb, sizeof(tb)),
			    rdlen);
			return -1;
		}
		if (out != &tmp)
			m->n_answers++;
	}
	return 0;
}
