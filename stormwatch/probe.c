/*
 * probe: one crafted frame through libnet, then a bounded listen. See
 * probe.h for why it cannot start a storm.
 */
#include "probe.h"

#include <libnet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "capture.h"
#include "clock.h"
#include "frame.h"
#include "loop.h"

#define PROBE_PAYLOAD 56 /* the size of an iputils ping */
#define PROBE_MAGIC "nockit stormwatch probe"
#define PROBE_MAX_HOSTS 256

struct sw_probe {
	struct sw_probe_opts o;
	libnet_t *ln;
	struct sw_capture *cap;
	struct nk_mac my_mac;
	uint32_t my_ip_be;
};

struct hit {
	struct nk_mac mac;
	bool has_mac;
	struct nk_addr ip;
	uint8_t ttl;
	uint64_t frames;
	int64_t first_ns;
};

struct listen_ctx {
	struct sw_probe *p;
	int dlt;
	uint16_t id;
	uint16_t seq;
	uint64_t digest;
	struct hit hits[PROBE_MAX_HOSTS];
	size_t n_hits;
	uint64_t n_more;
	uint64_t n_own;
	struct nk_err *err;
	bool failed;
};

/* RFC 1071 in network order, for bytes we build ourselves. */
static uint16_t
cksum_be(const uint8_t *buf, size_t len)
{
	struct nk_rd r = nk_rd_make(buf, len);
	uint32_t sum = 0;

	while (nk_rd_left(&r) >= 2)
		sum += nk_rd_be16(&r);
	if (nk_rd_left(&r) == 1)
		sum += (uint32_t)nk_rd_u8(&r) << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
sw_probe_build_icmp(uint16_t id, uint16_t seq, uint64_t nonce, uint8_t *icmp,
    size_t len, uint16_t *good_cksum, uint16_t *bad_cksum)
{
	size_t n = 8 + PROBE_PAYLOAD;

	if (len < n)
		return 0;
	memset(icmp, 0, n);
	icmp[0] = 8; /* echo request, RFC 792 */
	icmp[4] = nk_u8(id >> 8);
	icmp[5] = nk_u8(id & 0xff);
	icmp[6] = nk_u8(seq >> 8);
	icmp[7] = nk_u8(seq & 0xff);
	memcpy(icmp + 8, PROBE_MAGIC, sizeof(PROBE_MAGIC) - 1);
	for (size_t i = 0; i < 8; i++)
		icmp[32 + i] = nk_u8((unsigned)(nonce >> (56 - 8 * i)) & 0xff);
	for (size_t i = 40; i < n - 8; i++)
		icmp[8 + i] = nk_u8((unsigned)i);
	uint16_t good = cksum_be(icmp, n);
	/* wrong on purpose, as a frame mangled in flight would be: a correct
	 * host drops it, a buggy router forwards it anyway */
	uint16_t bad = good ^ 0x0400;
	icmp[2] = nk_u8(bad >> 8);
	icmp[3] = nk_u8(bad & 0xff);
	*good_cksum = good;
	*bad_cksum = bad;
	return n;
}

int
sw_probe_open(
    const struct sw_probe_opts *o, struct sw_probe **out, struct nk_err *err)
{
	char eb[LIBNET_ERRBUF_SIZE] = "";
	struct sw_probe *p = calloc(1, sizeof(*p));
	struct nk_err cerr;

	if (p == NULL) {
		nk_err_set(err, "probe: out of memory");
		return -1;
	}
	p->o = *o;
	p->ln = libnet_init(LIBNET_LINK, o->iface, eb);
	if (p->ln == NULL) {
		nk_err_set(err, "interface %s: libnet: %s", o->iface, eb);
		goto fail;
	}
	struct libnet_ether_addr *hw = libnet_get_hwaddr(p->ln);
	if (hw == NULL) {
		nk_err_set(err, "interface %s: no MAC address: %s", o->iface,
		    libnet_geterror(p->ln));
		goto fail;
	}
	memcpy(p->my_mac.b, hw->ether_addr_octet, 6);
	p->my_ip_be = libnet_get_ipaddr4(p->ln);
	if (p->my_ip_be == (uint32_t)-1) {
		nk_err_set(err, "interface %s: no IPv4 address", o->iface);
		goto fail;
	}
	struct sw_capture_opts co = {.iface = o->iface,
	    .snaplen = 256,
	    .buffer_bytes = 1 << 20,
	    .promisc = true,
	    .filter = "icmp[icmptype] == icmp-echo"};
	if (sw_capture_open(&co, &p->cap, &cerr) < 0) {
		nk_err_set(err, "%s", nk_err_msg(&cerr));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	sw_probe_close(p);
	return -1;
}

void
sw_probe_close(struct sw_probe *p)
{
	if (p == NULL)
		return;
	if (p->ln != NULL)
		libnet_destroy(p->ln);
	sw_capture_close(p->cap);
	free(p);
}

static void
on_frame(
    void *ctx, int64_t ts, const uint8_t *buf, uint32_t caplen, uint32_t len)
{
	struct listen_ctx *l = ctx;
	struct nk_frame f;

	if (nk_frame_decode(l->dlt, buf, caplen, len, 0, &f) < 0 || !f.echo ||
	    !f.echo_request || f.echo_id != l->id || f.echo_seq != l->seq ||
	    f.echo_digest != l->digest)
		return;
	if (f.has_mac && memcmp(f.src_mac.b, l->p->my_mac.b, 6) == 0) {
		l->n_own++; /* our own frame, looped back by the capture */
		return;
	}
	for (size_t i = 0; i < l->n_hits; i++) {
		struct hit *h = &l->hits[i];
		if (h->has_mac == f.has_mac &&
		    memcmp(h->mac.b, f.src_mac.b, 6) == 0 &&
		    nk_addr_eq(&h->ip, &f.src_ip)) {
			h->frames++;
			return;
		}
	}
	if (l->n_hits == PROBE_MAX_HOSTS) {
		l->n_more++;
		return;
	}
	struct hit *h = &l->hits[l->n_hits++];
	h->mac = f.src_mac;
	h->has_mac = f.has_mac;
	h->ip = f.src_ip;
	h->ttl = f.ttl;
	h->frames = 1;
	h->first_ns = ts;
}

static void
on_readable(
    struct nk_loop *loop, int fd, short revents, void *ctx, int64_t now_ns)
{
	struct listen_ctx *l = ctx;
	bool eof;

	(void)fd;
	(void)revents;
	(void)now_ns;
	if (sw_capture_read(l->p->cap, 0, on_frame, l, &eof, l->err) < 0) {
		l->failed = true;
		nk_loop_stop(loop);
	}
}

static void
on_listen_end(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	(void)ctx;
	(void)now_ns;
	nk_loop_stop(loop);
}

int
sw_probe_run(struct sw_probe *p, const struct sw_report *r, FILE *out,
    bool json, struct nk_event_sink *sink, struct nk_err *err)
{
	uint8_t icmp[128], dst[6];
	uint16_t good, bad, id, seq = 1;
	uint64_t nonce = 0;
	struct listen_ctx *l = calloc(1, sizeof(*l));
	char a[NK_ADDR_STRLEN], b[NK_ADDR_STRLEN], v[NK_ADDR_STRLEN];
	int rc = NK_STATE_UNKNOWN;
	bool eof;

	if (l == NULL) {
		nk_err_set(err, "probe: out of memory");
		return NK_STATE_UNKNOWN;
	}
	if (getrandom(&nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		nonce = (uint64_t)nk_clock_real_ns();
	id = (uint16_t)(nonce >> 48);
	size_t n = sw_probe_build_icmp(
	    id, seq, nonce, icmp, sizeof(icmp), &good, &bad);
	if (p->o.has_victim_mac) {
		memcpy(dst, p->o.victim_mac.b, 6);
		dst[0] |= 0x01; /* the I/G bit: what the mangling did */
	} else {
		memset(dst, 0xff, 6);
	}
	uint32_t vip_be;
	memcpy(&vip_be, p->o.victim.bytes, 4);
	if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + n), 0,
		(uint16_t)(nonce & 0xffff), 0x4000 /* DF */, p->o.ttl,
		IPPROTO_ICMP, 0, p->my_ip_be, vip_be, icmp, (uint32_t)n, p->ln,
		0) == -1 ||
	    libnet_build_ethernet(
		dst, p->my_mac.b, ETHERTYPE_IP, NULL, 0, p->ln, 0) == -1) {
		nk_err_set(err, "interface %s: libnet build: %s", p->o.iface,
		    libnet_geterror(p->ln));
		goto out;
	}
	l->p = p;
	l->dlt = sw_capture_dlt(p->cap);
	l->id = id;
	l->seq = seq;
	l->digest = nk_frame_digest(nk_rd_make(icmp + 8, n - 8));

	/* exactly one frame */
	if (libnet_write(p->ln) == -1) {
		nk_err_set(err, "interface %s: send: %s", p->o.iface,
		    libnet_geterror(p->ln));
		goto out;
	}
	/* the bounded listen, on the one poll loop (lib/loop) */
	struct nk_loop *loop = nk_loop_new();
	if (loop == NULL) {
		nk_err_set(err, "probe: out of memory");
		goto out;
	}
	l->err = err;
	if (nk_loop_add_fd(
		loop, sw_capture_fd(p->cap), POLLIN, on_readable, l) < 0 ||
	    nk_loop_timer_add(loop, nk_clock_mono_ns() + p->o.listen_ns,
		on_listen_end, l) == 0 ||
	    nk_loop_run(loop, err) < 0 || l->failed) {
		if (nk_err_msg(err)[0] == '\0')
			nk_err_set(
			    err, "interface %s: listen failed", p->o.iface);
		nk_loop_free(loop);
		goto out;
	}
	nk_loop_free(loop);
	(void)sw_capture_read(p->cap, 0, on_frame, l, &eof, err);

	nk_addr_fmt(&p->o.victim, v, sizeof(v));
	nk_mac_fmt((const struct nk_mac *)(const void *)dst, b, sizeof(b));
	rc = l->n_hits > 0 ? NK_STATE_CRITICAL : NK_STATE_OK;
	if (json) {
		for (size_t i = 0; i < l->n_hits; i++) {
			struct json_object *o = nk_event_begin(sink, "offender",
			    NK_SEV_CRITICAL, l->hits[i].first_ns);
			nk_event_add_str(o, "role", "reflector");
			nk_event_add_str(o, "probe_victim", v);
			nk_event_add_str(
			    o, "ip", nk_addr_fmt(&l->hits[i].ip, a, sizeof(a)));
			nk_event_add_str(o, "mac",
			    l->hits[i].has_mac
				? nk_mac_fmt(&l->hits[i].mac, a, sizeof(a))
				: NULL);
			const char *vend = sw_report_vendor(
			    r, l->hits[i].has_mac, &l->hits[i].mac);
			nk_event_add_str(o, "vendor",
			    vend[0] == '?' || vend[0] == '-' || vend[0] == '('
				? NULL
				: vend);
			nk_event_add_uint(o, "copies", l->hits[i].frames);
			nk_event_add_int(o, "ttl_min", l->hits[i].ttl);
			nk_event_add_int(o, "ttl_max", l->hits[i].ttl);
			(void)nk_event_emit(sink, o);
		}
		goto out;
	}
	fprintf(out,
	    "stormwatch: %s - probe via %s: %zu host(s) reflected "
	    "one mangled echo request to %s\n",
	    nk_state_name((enum nk_state)rc), p->o.iface, l->n_hits, v);
	fprintf(out,
	    "  sent         1 frame: ICMP echo id %u seq 1 to %s, dst "
	    "MAC %s, TTL %u, ICMP checksum %04x (correct: %04x); listened "
	    "%.1f s\n",
	    id, v, b, p->o.ttl, bad, good, (double)p->o.listen_ns / 1e9);
	for (size_t i = 0; i < l->n_hits; i++)
		fprintf(out,
		    "  reflector    %-15s %s %-20s copies %llu ttl %u\n",
		    nk_addr_fmt(&l->hits[i].ip, a, sizeof(a)),
		    l->hits[i].has_mac
			? nk_mac_fmt(&l->hits[i].mac, b, sizeof(b))
			: "-",
		    sw_report_vendor(r, l->hits[i].has_mac, &l->hits[i].mac),
		    (unsigned long long)l->hits[i].frames, l->hits[i].ttl);
	if (l->n_more > 0)
		fprintf(out, "  ... and %llu frames from more hosts\n",
		    (unsigned long long)l->n_more);
	if (l->n_hits > 0)
		fprintf(out,
		    "  do           these routers copy frames sent to a "
		    "group MAC without checking the ICMP checksum: have them "
		    "fixed before a mangled frame floods the segment\n");
out:
	free(l);
	return rc;
}
