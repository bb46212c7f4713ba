/* icmp: echo requests with a keyed tag, and the reply/error parser. */
#include "icmp.h"

#include <string.h>
#include <sys/socket.h>

#include "rd.h"

/* Writers for our own buffer (bounds checked by the caller's length test). */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = nk_u8(v >> 8);
	p[1] = nk_u8(v & 0xffu);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, nk_u16(v >> 16));
	put16(p + 2, nk_u16(v & 0xffffu));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

uint16_t
nk_icmp_cksum(const uint8_t *buf, size_t len)
{
	struct nk_rd r = nk_rd_make(buf, len);
	uint32_t sum = 0;

	while (nk_rd_left(&r) >= 2)
		sum += nk_rd_be16(&r);
	if (nk_rd_left(&r) == 1)
		sum += (uint32_t)nk_rd_u8(&r) << 8; /* RFC 1071 §4.1: pad */
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return nk_u16(~sum & 0xffffu);
}

uint64_t
nk_icmp_tag(const uint8_t key[NK_SIPHASH_KEY_LEN],
    const struct nk_icmp_probe *p)
{
	uint8_t m[18];

	put16(m, p->id);
	put32(m + 2, p->target);
	put32(m + 6, p->seq32);
	put64(m + 10, (uint64_t)p->send_ns);
	return nk_siphash24(key, m, sizeof(m));
}

size_t
nk_icmp_echo_build(uint8_t *buf, size_t len, int family,
    const uint8_t key[NK_SIPHASH_KEY_LEN], const struct nk_icmp_probe *p,
    size_t payload_len)
{
	size_t total = NK_ICMP_HDR_LEN + payload_len;
	uint8_t *pl = buf + NK_ICMP_HDR_LEN;

	if (payload_len < NK_ICMP_PROBE_LEN ||
	    payload_len > NK_ICMP_MAX_PAYLOAD || len < total)
		return 0;
	buf[0] = family == AF_INET6 ? NK_ICMP6_ECHO : NK_ICMP4_ECHO;
	buf[1] = 0;
	put16(buf + 2, 0);
	put16(buf + 4, p->id);
	put16(buf + 6, nk_u16(p->seq32 & 0xffffu));
	put32(pl, NK_ICMP_MAGIC);
	put32(pl + 4, p->target);
	put32(pl + 8, p->seq32);
	put64(pl + 12, (uint64_t)p->send_ns);
	put64(pl + 20, nk_icmp_tag(key, p));
	for (size_t i = NK_ICMP_PROBE_LEN; i < payload_len; i++)
		pl[i] = nk_u8((unsigned)(i & 0xffu));
	if (family != AF_INET6)
		put16(buf + 2, nk_icmp_cksum(buf, total));
	return total;
}

/* Our payload, if it starts with the magic; `r` is the echo payload. */
static void
parse_probe(struct nk_rd *r, struct nk_icmp_msg *m)
{
	if (nk_rd_left(r) < NK_ICMP_PROBE_LEN || nk_rd_be32(r) != NK_ICMP_MAGIC)
		return;
	m->probe.id = m->id;
	m->probe.target = nk_rd_be32(r);
	m->probe.seq32 = nk_rd_be32(r);
	m->probe.send_ns = (int64_t)nk_rd_be64(r);
	m->tag = nk_rd_be64(r);
	m->has_probe = nk_rd_ok(r);
}

/* An IPv4 header (RFC 791 §3.1); r ends up at the payload, whose length
 * by the header is returned through *plen (it may exceed what is left). */
static int
parse_ip4(struct nk_rd *r, uint8_t *ttl, uint8_t *tos, uint8_t src[16],
    uint8_t dst[16], uint8_t *proto, size_t *plen)
{
	uint8_t vihl = nk_rd_u8(r);
	size_t ihl = (size_t)(vihl & 0x0fu) * 4;
	uint8_t t = nk_rd_u8(r);
	size_t tot = nk_rd_be16(r);

	nk_rd_skip(r, 4); /* id, flags, fragment offset */
	*ttl = nk_rd_u8(r);
	*proto = nk_rd_u8(r);
	nk_rd_skip(r, 2);
	nk_rd_bytes(r, src, 4);
	nk_rd_bytes(r, dst, 4);
	if (!nk_rd_ok(r) || (vihl >> 4) != 4 || ihl < 20 || tot < ihl)
		return -1;
	nk_rd_skip(r, ihl - 20); /* options */
	if (!nk_rd_ok(r))
		return -1;
	*tos = t;
	*plen = tot - ihl;
	return 0;
}

static bool
is_error(int family, uint8_t type)
{
	if (family == AF_INET6)
		return type >= NK_ICMP6_UNREACH && type <= NK_ICMP6_PARAM;
	return type == NK_ICMP4_UNREACH || type == NK_ICMP4_QUENCH ||
	    type == NK_ICMP4_REDIRECT || type == NK_ICMP4_TIME_EXCEEDED ||
	    type == NK_ICMP4_PARAM;
}

/* The packet an ICMP error quotes (RFC 792: IP header + 64 bits at least;
 * RFC 1812 §4.3.2.3 and RFC 4443 §2.4(c): as much as fits). */
static void
parse_quote(struct nk_rd *r, int family, struct nk_icmp_msg *m)
{
	uint8_t proto = 0, want, ttl, tos, src[16];
	size_t plen = 0;

	if (family == AF_INET6) {
		/* RFC 8200 §3: version, class, flow, length, next header... */
		uint32_t vtf = nk_rd_be32(r);
		size_t pl = nk_rd_be16(r);
		proto = nk_rd_u8(r);
		nk_rd_skip(r, 1 + 16);
		nk_rd_bytes(r, m->orig_dst, 16);
		if (!nk_rd_ok(r) || (vtf >> 28) != 6)
			return;
		plen = pl < nk_rd_left(r) ? pl : nk_rd_left(r);
		want = 58; /* only a plain ICMPv6 echo is ours */
	} else {
		if (parse_ip4(r, &ttl, &tos, src, m->orig_dst, &proto, &plen))
			return;
		if (plen > nk_rd_left(r))
			plen = nk_rd_left(r); /* quotes are usually cut */
		want = 1;
	}
	m->has_orig = true;
	if (proto != want)
		return;
	struct nk_rd q = nk_rd_sub(r, plen);
	uint8_t t = nk_rd_u8(&q);
	nk_rd_skip(&q, 3);
	m->id = nk_rd_be16(&q);
	m->seq = nk_rd_be16(&q);
	if (!nk_rd_ok(&q) ||
	    t != (family == AF_INET6 ? NK_ICMP6_ECHO : NK_ICMP4_ECHO))
		return;
	parse_probe(&q, m);
}

int
nk_icmp_parse(const uint8_t *buf, size_t len, int family, bool ip_header,
    struct nk_icmp_msg *out)
{
	struct nk_rd r = nk_rd_make(buf, len);
	struct nk_icmp_msg m;
	size_t plen;

	memset(&m, 0, sizeof(m));
	m.family = family;
	m.cksum_ok = true;
	if (family == AF_INET && ip_header) {
		uint8_t proto = 0;
		if (parse_ip4(&r, &m.ttl, &m.tos, m.src, m.dst, &proto, &plen) ||
		    proto != 1)
			return -1;
		if (plen != nk_rd_left(&r))
			return -1; /* the kernel hands us whole datagrams */
		m.has_ip = true;
	}
	struct nk_rd ic = nk_rd_rest(&r);
	size_t ilen = nk_rd_left(&ic);
	const uint8_t *ip = ic.buf + ic.off;
	m.type = nk_rd_u8(&ic);
	m.code = nk_rd_u8(&ic);
	nk_rd_skip(&ic, 2);
	if (!nk_rd_ok(&ic) || ilen < NK_ICMP_HDR_LEN)
		return -1;
	if (family == AF_INET && ilen > 0)
		m.cksum_ok = nk_icmp_cksum(ip, ilen) == 0;
	if ((family == AF_INET6 && m.type == NK_ICMP6_ECHO_REPLY) ||
	    (family == AF_INET && m.type == NK_ICMP4_ECHO_REPLY) ||
	    (family == AF_INET6 && m.type == NK_ICMP6_ECHO) ||
	    (family == AF_INET && m.type == NK_ICMP4_ECHO)) {
		bool reply = m.type == NK_ICMP6_ECHO_REPLY ||
		    m.type == NK_ICMP4_ECHO_REPLY;
		m.kind = reply ? NK_ICMP_ECHO_REPLY : NK_ICMP_ECHO_REQUEST;
		m.id = nk_rd_be16(&ic);
		m.seq = nk_rd_be16(&ic);
		m.payload_len = nk_rd_left(&ic);
		parse_probe(&ic, &m);
	} else if (is_error(family, m.type)) {
		m.kind = NK_ICMP_ERROR;
		nk_rd_skip(&ic, 4); /* unused / MTU / pointer / gateway */
		if (!nk_rd_ok(&ic))
			return -1;
		parse_quote(&ic, family, &m);
	}
	*out = m;
	return 0;
}

bool
nk_icmp_probe_verify(const struct nk_icmp_msg *msg,
    const uint8_t key[NK_SIPHASH_KEY_LEN], bool check_id, uint16_t id)
{
	if (!msg->has_probe || !msg->cksum_ok)
		return false;
	if (msg->seq != (msg->probe.seq32 & 0xffffu))
		return false;
	if (check_id && msg->id != id)
		return false;
	return nk_icmp_tag(key, &msg->probe) == msg->tag;
}

const char *
nk_icmp_type_name(int family, uint8_t type)
{
	if (family == AF_INET6) {
		switch (type) {
		case NK_ICMP6_UNREACH: return "unreachable";
		case NK_ICMP6_TOO_BIG: return "packet_too_big";
		case NK_ICMP6_TIME_EXCEEDED: return "time_exceeded";
		case NK_ICMP6_PARAM: return "param_problem";
		case NK_ICMP6_ECHO_REPLY: return "echo_reply";
		default: return "other";
		}
	}
	switch (type) {
	case NK_ICMP4_UNREACH: return "unreachable";
	case NK_ICMP4_QUENCH: return "source_quench";
	case NK_ICMP4_REDIRECT: return "redirect";
	case NK_ICMP4_TIME_EXCEEDED: return "time_exceeded";
	case NK_ICMP4_PARAM: return "param_problem";
	case NK_ICMP4_ECHO_REPLY: return "echo_reply";
	default: return "other";
	}
}
