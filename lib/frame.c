/*
 * frame: link-layer frame decoder for stormwatch. See frame.h.
 *
 * Every layer is parsed from a child reader of exactly the bytes that
 * layer owns (nk_rd_sub), so a length field that lies can only shrink
 * what we read, never widen it (tcpdump's icmp-cksum-oobr files claim
 * 13,911 and 32,988 bytes in 204 and 284 captured).
 */
#include "frame.h"

#include <string.h>
#include <sys/socket.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100 /* pre-standard QinQ, still on old switches */
#define ETH_P_IPV6 0x86dd
#define ETH_MAX_TAGS 4 /* tags followed; deeper stacks are malformed */

#define SLL_PKT_BROADCAST 1
#define SLL_PKT_MULTICAST 2
#define ARPHRD_ETHER_ 1

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

bool
nk_frame_link_is_raw(int dlt)
{
	return dlt == NK_DLT_RAW || dlt == NK_DLT_RAW_BSD ||
	    dlt == NK_DLT_RAW_LT || dlt == NK_DLT_IPV4 || dlt == NK_DLT_IPV6;
}

bool
nk_frame_link_supported(int dlt)
{
	return dlt == NK_DLT_EN10MB || dlt == NK_DLT_LINUX_SLL ||
	    dlt == NK_DLT_LINUX_SLL2 || nk_frame_link_is_raw(dlt);
}

/*
 * RFC 1071 sum in host byte order: the one's-complement sum is byte-order
 * independent (§2(B)), so a verified header folds to 0xffff either way.
 * Eight bytes per step; the 64-bit sum cannot carry out before 2^32 steps.
 * The span was borrowed from the reader, so the loop is bounded by it.
 */
uint64_t
nk_frame_csum_add(uint64_t sum, struct nk_rd span)
{
	size_t n = nk_rd_left(&span);
	const uint8_t *p = nk_rd_ptr(&span, n);
	uint64_t w;

	if (p == NULL)
		return sum;
	while (n >= 8) {
		memcpy(&w, p, 8);
		sum += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		n -= 8;
	}
	if (n > 0) {
		w = 0; /* an odd tail is padded with zero (RFC 1071 §4.1) */
		memcpy(&w, p, n);
		sum += (w & 0xffffffffu) + (w >> 32);
	}
	return sum;
}

uint16_t
nk_frame_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static enum nk_cksum
csum_verdict(uint64_t sum)
{
	return nk_frame_csum_fold(sum) == 0xffff ? NK_CKSUM_GOOD : NK_CKSUM_BAD;
}

uint64_t
nk_frame_digest(struct nk_rd span)
{
	/* FNV-1a style over 64-bit words (then the tail bytes): only equality
	 * matters, and this runs on every echo of a 10M-frame capture */
	size_t n = nk_rd_left(&span);
	const uint8_t *p = nk_rd_ptr(&span, n);
	uint64_t h = UINT64_C(14695981039346656037) ^ n, w;

	if (p == NULL)
		return h;
	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(1099511628211);
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	while (n > 0) {
		h = (h ^ *p++) * UINT64_C(1099511628211);
		n--;
	}
	return h;
}

bool
nk_frame_dst_is_group(const struct nk_frame *f)
{
	if (f->has_dst_mac)
		return nk_mac_is_group(&f->dst_mac);
	return f->sll &&
	    (f->sll_pkttype == SLL_PKT_BROADCAST ||
		f->sll_pkttype == SLL_PKT_MULTICAST);
}

/* The pseudo-header sum (RFC 768, RFC 793 §3.1, RFC 8200 §8.1). */
static uint64_t
pseudo_sum(const struct nk_frame *f, uint32_t l4_len)
{
	uint8_t ph[40];
	size_t n;

	memset(ph, 0, sizeof(ph));
	if (f->l3 == NK_L3_IPV4) {
		memcpy(ph, f->src_ip.bytes, 4);
		memcpy(ph + 4, f->dst_ip.bytes, 4);
		ph[9] = f->proto;
		ph[10] = nk_u8(l4_len >> 8 & 0xff);
		ph[11] = nk_u8(l4_len & 0xff);
		n = 12;
	} else {
		memcpy(ph, f->src_ip.bytes, 16);
		memcpy(ph + 16, f->dst_ip.bytes, 16);
		ph[34] = nk_u8(l4_len >> 8 & 0xff);
		ph[35] = nk_u8(l4_len & 0xff);
		ph[33] = nk_u8(l4_len >> 16 & 0xff);
		ph[32] = nk_u8(l4_len >> 24 & 0xff);
		ph[39] = f->proto;
		n = 40;
	}
	return nk_frame_csum_add(0, nk_rd_make(ph, n));
}

/*
 * The upper layer. `l4` holds the bytes captured of it; `whole` says the
 * capture holds the whole datagram (not truncated, not a fragment), which
 * a checksum needs.
 */
static void
decode_l4(struct nk_frame *f, struct nk_rd l4, bool whole, unsigned flags)
{
	struct nk_rd all = l4;
	uint32_t l4_len = (uint32_t)nk_rd_left(&l4);

	if (f->proto == IPPROTO_ICMP_ || f->proto == IPPROTO_ICMPV6_) {
		bool v6 = f->proto == IPPROTO_ICMPV6_;
		if (f->l3 == NK_L3_IPV6 && !v6)
			return; /* ICMPv4 inside IPv6: not ours to judge */
		f->icmp_type = nk_rd_u8(&l4);
		f->icmp_code = nk_rd_u8(&l4);
		f->icmp_cksum_be = nk_rd_be16(&l4);
		if (!nk_rd_ok(&l4)) {
			f->malformed = "ICMP header shorter than 4 bytes";
			return;
		}
		f->icmp = true;
		/* RFC 792 echo 8/reply 0; RFC 4443 §4 echo 128/reply 129 */
		uint8_t req = v6 ? 128 : 8, rep = v6 ? 129 : 0;
		if (f->icmp_type == req || f->icmp_type == rep) {
			f->echo_id = nk_rd_be16(&l4);
			f->echo_seq = nk_rd_be16(&l4);
			if (nk_rd_ok(&l4)) {
				f->echo = true;
				f->echo_request = f->icmp_type == req;
				f->echo_payload_len = (uint32_t)nk_rd_left(&l4);
				f->echo_digest = nk_frame_digest(l4);
			}
		}
		if (!whole) {
			f->icmp_cksum = NK_CKSUM_UNKNOWN;
		} else {
			/* RFC 792: over the ICMP message; RFC 4443 §2.3:
			 * with the IPv6 pseudo-header */
			uint64_t s = v6 ? pseudo_sum(f, l4_len) : 0;
			f->icmp_cksum = csum_verdict(nk_frame_csum_add(s, all));
		}
		return;
	}
	if (f->proto == IPPROTO_UDP_ || f->proto == IPPROTO_TCP_) {
		f->sport = nk_rd_be16(&l4);
		f->dport = nk_rd_be16(&l4);
		if (!nk_rd_ok(&l4)) {
			f->malformed = "L4 header shorter than its ports";
			return;
		}
		if (f->proto == IPPROTO_UDP_) {
			(void)nk_rd_be16(&l4);
			uint16_t ck = nk_rd_be16(&l4);
			/* RFC 768: zero means "no checksum" over IPv4 */
			if (nk_rd_ok(&l4) && ck == 0 && f->l3 == NK_L3_IPV4) {
				f->l4_cksum = NK_CKSUM_NONE;
				return;
			}
		}
		if (!(flags & NK_FRAME_VERIFY_L4) || !whole) {
			f->l4_cksum = NK_CKSUM_UNKNOWN;
			return;
		}
		f->l4_cksum =
		    csum_verdict(nk_frame_csum_add(pseudo_sum(f, l4_len), all));
	}
}

static void
decode_ipv4(struct nk_frame *f, struct nk_rd *r, unsigned flags)
{
	uint8_t vihl = nk_rd_peek(r, 0);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;

	if (nk_rd_left(r) < 20) {
		f->malformed = "IPv4 header shorter than 20 bytes";
		f->truncated = true;
		return;
	}
	if (vihl >> 4 != 4 || ihl < 20) {
		f->malformed = "IPv4 version or header length invalid";
		return;
	}
	if (nk_rd_left(r) < ihl) {
		f->malformed = "IPv4 options past the capture";
		f->truncated = true;
		return;
	}
	struct nk_rd h = nk_rd_sub(r, ihl);
	f->ip_cksum = csum_verdict(nk_frame_csum_add(0, h)); /* RFC 791 */
	nk_rd_skip(&h, 2);
	uint16_t tot = nk_rd_be16(&h);
	f->ip_id = nk_rd_be16(&h);
	uint16_t frag = nk_rd_be16(&h);
	f->ttl = nk_rd_u8(&h);
	f->proto = nk_rd_u8(&h);
	nk_rd_skip(&h, 2);
	uint32_t s = nk_rd_be32(&h), d = nk_rd_be32(&h);
	uint8_t sb[4] = {nk_u8(s >> 24), nk_u8(s >> 16 & 0xff),
	    nk_u8(s >> 8 & 0xff), nk_u8(s & 0xff)};
	uint8_t db[4] = {nk_u8(d >> 24), nk_u8(d >> 16 & 0xff),
	    nk_u8(d >> 8 & 0xff), nk_u8(d & 0xff)};
	f->src_ip.family = AF_INET;
	memcpy(f->src_ip.bytes, sb, 4);
	f->dst_ip.family = AF_INET;
	memcpy(f->dst_ip.bytes, db, 4);
	f->ip_options = ihl > 20;
	f->l3 = NK_L3_IPV4;
	/* RFC 791: MF flag or a non-zero offset make a fragment */
	uint16_t off = frag & 0x1fff;
	f->fragment = (frag & 0x2000) != 0 || off != 0;
	f->first_fragment = off == 0;
	if (tot < ihl) {
		f->malformed = "IPv4 total length below header length";
		return;
	}
	size_t claimed = (size_t)tot - ihl, avail = nk_rd_left(r);
	bool whole = avail >= claimed;
	if (!whole)
		f->truncated = true;
	/* bytes past the total length are link padding, not payload */
	struct nk_rd l4 = nk_rd_sub(r, whole ? claimed : avail);
	if (off != 0)
		return;
	decode_l4(f, l4, whole && !f->fragment, flags);
}

static bool
v6_ext_header(uint8_t nh)
{
	/* RFC 8200 §4: hop-by-hop 0, routing 43, destination options 60,
	 * AH 51 (RFC 4302), mobility 135, HIP 139, shim6 140 */
	return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 ||
	    nh == 139 || nh == 140;
}

static void
decode_ipv6(struct nk_frame *f, struct nk_rd *r, unsigned flags)
{
	if (nk_rd_left(r) < 40) {
		f->malformed = "IPv6 header shorter than 40 bytes";
		f->truncated = true;
		return;
	}
	uint32_t vtf = nk_rd_be32(r);
	if (vtf >> 28 != 6) {
		f->malformed = "IPv6 version is not 6";
		return;
	}
	uint16_t plen = nk_rd_be16(r);
	uint8_t nh = nk_rd_u8(r);
	f->ttl = nk_rd_u8(r);
	f->src_ip.family = AF_INET6;
	nk_rd_bytes(r, f->src_ip.bytes, 16);
	f->dst_ip.family = AF_INET6;
	nk_rd_bytes(r, f->dst_ip.bytes, 16);
	f->l3 = NK_L3_IPV6;
	f->ip_cksum = NK_CKSUM_NONE; /* IPv6 has none (RFC 8200 §3) */

	/* plen 0 with a jumbo option (RFC 2675): take what was captured */
	size_t avail = nk_rd_left(r), claimed = plen ? plen : avail;
	bool whole = avail >= claimed;
	if (!whole)
		f->truncated = true;
	struct nk_rd p = nk_rd_sub(r, whole ? claimed : avail);
	f->first_fragment = true;
	for (int i = 0; i < NK_FRAME_MAX_V6_EXT; i++) {
		if (nh == 44) { /* fragment header, RFC 8200 §4.5 */
			uint8_t next = nk_rd_u8(&p);
			nk_rd_skip(&p, 1);
			uint16_t offm = nk_rd_be16(&p);
			nk_rd_skip(&p, 4);
			if (!nk_rd_ok(&p))
				break;
			f->fragment = true;
			f->first_fragment = (offm >> 3) == 0;
			nh = next;
			if (!f->first_fragment)
				break;
			continue;
		}
		if (!v6_ext_header(nh))
			break;
		uint8_t next = nk_rd_u8(&p);
		uint8_t hl = nk_rd_u8(&p);
		size_t elen =
		    nh == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
		nk_rd_skip(&p, elen - 2);
		nh = next;
	}
	if (!nk_rd_ok(&p)) {
		f->malformed = "IPv6 extension header past the payload";
		return;
	}
	f->proto = nh;
	if (v6_ext_header(nh) || nh == 44) {
		f->malformed = "IPv6 extension header chain too long";
		return;
	}
	if (!f->first_fragment)
		return;
	/* the pseudo-header length counts the claimed upper layer; if the
	 * capture is short the checksum is unknown anyway */
	decode_l4(f, p, whole && !f->fragment, flags);
}

static void
decode_arp(struct nk_frame *f, struct nk_rd *r)
{
	/* RFC 826: htype 1, ptype 0x0800, hlen 6, plen 4 */
	uint16_t ht = nk_rd_be16(r), pt = nk_rd_be16(r);
	uint8_t hl = nk_rd_u8(r), pl = nk_rd_u8(r);
	f->arp_op = nk_rd_be16(r);
	f->l3 = NK_L3_ARP;
	if (!nk_rd_ok(r)) {
		f->malformed = "ARP header truncated";
		f->truncated = true;
		return;
	}
	if (ht != 1 || pt != ETH_P_IPV4 || hl != 6 || pl != 4)
		return; /* another hardware/protocol pair: counted, not read */
	struct nk_mac sha;
	nk_rd_bytes(r, sha.b, 6);
	uint32_t spa = nk_rd_be32(r);
	nk_rd_skip(r, 6);
	uint32_t tpa = nk_rd_be32(r);
	if (!nk_rd_ok(r)) {
		f->malformed = "ARP addresses truncated";
		f->truncated = true;
		return;
	}
	uint8_t sb[4] = {nk_u8(spa >> 24), nk_u8(spa >> 16 & 0xff),
	    nk_u8(spa >> 8 & 0xff), nk_u8(spa & 0xff)};
	uint8_t tb[4] = {nk_u8(tpa >> 24), nk_u8(tpa >> 16 & 0xff),
	    nk_u8(tpa >> 8 & 0xff), nk_u8(tpa & 0xff)};
	f->src_ip.family = AF_INET;
	memcpy(f->src_ip.bytes, sb, 4);
	f->dst_ip.family = AF_INET;
	memcpy(f->dst_ip.bytes, tb, 4);
	if (!f->has_mac) {
		f->src_mac = sha;
		f->has_mac = true;
	}
}

static bool
decode_ether(struct nk_frame *f, struct nk_rd *r)
{
	nk_rd_bytes(r, f->dst_mac.b, 6);
	nk_rd_bytes(r, f->src_mac.b, 6);
	uint16_t et = nk_rd_be16(r);
	if (!nk_rd_ok(r))
		return false;
	f->has_mac = f->has_dst_mac = true;
	/* IEEE 802.1Q tags, 802.1ad service tags, QinQ: VLAN id is the low
	 * 12 bits of the TCI */
	for (int i = 0; i < ETH_MAX_TAGS &&
	     (et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ_OLD);
	     i++) {
		uint16_t tci = nk_rd_be16(r);
		et = nk_rd_be16(r);
		if (!nk_rd_ok(r))
			return false;
		if (f->n_vlan < NK_FRAME_MAX_VLAN)
			f->vlan[f->n_vlan++] = tci & 0x0fff;
	}
	if (et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ_OLD) {
		f->malformed = "more than 4 VLAN tags";
		return true;
	}
	f->ethertype = et; /* <= 1500 is an 802.3 length (LLC): not decoded */
	return true;
}

static bool
decode_sll(struct nk_frame *f, struct nk_rd *r, bool v2)
{
	uint16_t hatype, halen;
	uint8_t a[8];

	f->sll = true;
	if (v2) { /* SLL2: proto, reserved, ifindex, hatype, pkttype, halen */
		f->ethertype = nk_rd_be16(r);
		nk_rd_skip(r, 6);
		hatype = nk_rd_be16(r);
		f->sll_pkttype = nk_rd_u8(r);
		halen = nk_rd_u8(r);
		nk_rd_bytes(r, a, 8);
	} else { /* SLL: pkttype, hatype, halen, addr[8], proto */
		f->sll_pkttype = nk_rd_be16(r);
		hatype = nk_rd_be16(r);
		halen = nk_rd_be16(r);
		nk_rd_bytes(r, a, 8);
		f->ethertype = nk_rd_be16(r);
	}
	if (!nk_rd_ok(r))
		return false;
	if (hatype == ARPHRD_ETHER_ && halen == 6) {
		memcpy(f->src_mac.b, a, 6);
		f->has_mac = true;
	}
	if (f->ethertype == ETH_P_8021Q && nk_rd_left(r) >= 4) {
		f->vlan[f->n_vlan++] = nk_rd_be16(r) & 0x0fff;
		f->ethertype = nk_rd_be16(r);
	}
	return true;
}

int
nk_frame_decode(int dlt, const uint8_t *buf, size_t caplen, size_t len,
    unsigned flags, struct nk_frame *f)
{
	struct nk_rd r = nk_rd_make(buf, caplen);
	bool ok = true;

	memset(f, 0, sizeof(*f));
	f->caplen = caplen > UINT32_MAX ? UINT32_MAX : (uint32_t)caplen;
	f->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	f->truncated = caplen < len;
	if (dlt == NK_DLT_EN10MB) {
		ok = decode_ether(f, &r);
	} else if (dlt == NK_DLT_LINUX_SLL || dlt == NK_DLT_LINUX_SLL2) {
		ok = decode_sll(f, &r, dlt == NK_DLT_LINUX_SLL2);
	} else if (nk_frame_link_is_raw(dlt)) {
		uint8_t v = nk_rd_peek(&r, 0) >> 4;
		f->ethertype = v == 6 ? ETH_P_IPV6 : ETH_P_IPV4;
		if (dlt == NK_DLT_IPV6)
			f->ethertype = ETH_P_IPV6;
	} else {
		return -1;
	}
	if (!ok) {
		f->malformed = "link header truncated";
		f->truncated = true;
		return 0;
	}
	if (f->malformed != NULL)
		return 0;
	switch (f->ethertype) {
	case ETH_P_IPV4:
		decode_ipv4(f, &r, flags);
		break;
	case ETH_P_IPV6:
		decode_ipv6(f, &r, flags);
		break;
	case ETH_P_ARP:
		decode_arp(f, &r);
		break;
	default:
		f->l3 = NK_L3_OTHER;
		break;
	}
	return 0;
}
