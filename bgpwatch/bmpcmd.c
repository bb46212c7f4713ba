/* bmpcmd: bgpwatch bmp-decode; see bmpcmd.h. */
#include "bmpcmd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <pcap/pcap.h>

#include "bgp.h"
#include "bmpin.h"
#include "cli.h"
#include "dump.h"
#include "event.h"
#include "log.h"
#include "mrt.h"
#include "rd.h"

#define MAX_FLOWS 64

struct flow {
	struct nk_addr src, dst;
	uint16_t sport, dport;
	uint32_t next_seq;
	bool have_seq;
	bool dead; /* not BMP, or framing lost */
	struct bmpin b;
	uint64_t n_gap;
};

struct dec {
	struct flow flows[MAX_FLOWS];
	size_t n_flows;
	struct flow *cur;
	uint64_t n_lines;
};

static void
add_str_bytes(
    struct json_object *o, const char *k, const uint8_t *v, uint16_t l)
{
	char s[512];
	size_t n = l < sizeof(s) - 1 ? l : sizeof(s) - 1;
	struct nk_rd r = nk_rd_make(v, n);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = nk_rd_u8(&r);
		s[i] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	s[n] = '\0';
	nk_event_add_str(o, k, s);
}

static const char *
rib_type(const struct nk_bmp_peer *p)
{
	if (p->loc_rib)
		return "Loc-Rib";
	if (p->adj_rib_out)
		return p->post_policy ? "Adj-Rib-Out Post-Policy"
				      : "Adj-Rib-Out Pre-Policy";
	return p->post_policy ? "Adj-Rib-In Post-Policy"
			      : "Adj-Rib-In Pre-Policy";
}

void
bmpcmd_fields(struct json_object *o, const struct nk_bmp_msg *m,
    const struct nk_mrt_elem *e)
{
	char a[64], ts[40];

	nk_event_add_str(o, "bmp_msg_type", nk_bmp_type_name(m->h.type));
	if (m->has_peer) {
		const struct nk_bmp_peer *p = &m->peer;
		dump_fmt_addr(&p->addr, a, sizeof(a));
		if (p->loc_rib)
			(void)snprintf(a, sizeof(a), "0.0.0.0");
		nk_event_add_str(o, "peer_ip", a);
		nk_event_add_uint(o, "peer_asn", p->asn);
		struct nk_addr id;
		nk_addr_from_v4_be(htonl(p->bgp_id), &id);
		dump_fmt_addr(&id, a, sizeof(a));
		nk_event_add_str(o, "bgp_id", a);
		nk_event_add_uint(o, "peer_type", p->type);
		nk_event_add_str(o, "bmp_rib_type", rib_type(p));
		nk_event_add_uint(o, "is_filtered", p->filtered);
		(void)snprintf(
		    ts, sizeof(ts), "%u.%06u", p->ts_sec, p->ts_usec);
		nk_event_add_str(o, "timestamp", ts);
		if (p->type == NK_BMP_PEER_RD || p->type == NK_BMP_PEER_LOCAL)
			nk_event_add_uint(o, "rd_raw", p->rd);
	}
	switch (m->h.type) {
	case NK_BMP_INITIATION:
	case NK_BMP_TERMINATION:
	case NK_BMP_PEER_UP: {
		struct nk_rd r = nk_rd_make(m->tlvs, m->tlvs_len);
		uint16_t t, l;
		const uint8_t *v;
		const char *pfx = m->h.type == NK_BMP_PEER_UP
		    ? "bmp_peer_up_info_"
		    : m->h.type == NK_BMP_INITIATION ? "bmp_init_info_"
						     : "bmp_term_info_";
		char k[80];
		while (nk_bmp_tlv_next(&r, &t, &v, &l) == 1) {
			const char *n = t == 0 ? "string"
			    : t == 1 && m->h.type == NK_BMP_INITIATION
			    ? "sysdescr"
			    : t == 2 && m->h.type == NK_BMP_INITIATION
			    ? "sysname"
			    : t == 3 && m->h.type == NK_BMP_PEER_UP
			    ? "vrf_table_name"
			    : NULL;
			if (n == NULL)
				continue;
			(void)snprintf(k, sizeof(k), "%s%s", pfx, n);
			add_str_bytes(o, k, v, l);
		}
		if (m->h.type == NK_BMP_TERMINATION && m->term_reason != 0xffff)
			nk_event_add_uint(
			    o, "bmp_term_info_reason", m->term_reason);
		if (m->h.type == NK_BMP_PEER_UP) {
			dump_fmt_addr(&m->local_addr, a, sizeof(a));
			nk_event_add_str(o, "local_ip", a);
			nk_event_add_uint(o, "local_port", m->local_port);
			nk_event_add_uint(o, "remote_port", m->remote_port);
		}
		break;
	}
	case NK_BMP_PEER_DOWN:
		nk_event_add_uint(o, "reason_type", m->down_reason);
		nk_event_add_str(
		    o, "reason_str", nk_bmp_down_reason_name(m->down_reason));
		if (m->down_reason == NK_BMP_DOWN_LOCAL_FSM)
			nk_event_add_uint(
			    o, "reason_fsm_event", m->down_fsm_event);
		break;
	case NK_BMP_ROUTE_MONITORING:
		if (e == NULL)
			break;
		nk_event_add_str(o, "log_type",
		    e->kind == NK_MRT_E_WITHDRAW       ? "withdraw"
			: e->kind == NK_MRT_E_ANNOUNCE ? "update"
						       : "error");
		nk_event_add_uint(o, "afi",
		    e->afi                                  ? e->afi
			: e->prefix.addr.family == AF_INET6 ? 2
							    : 1);
		nk_event_add_uint(o, "safi", e->safi ? e->safi : 1);
		if (e->kind == NK_MRT_E_ANNOUNCE ||
		    e->kind == NK_MRT_E_WITHDRAW) {
			(void)nk_prefix_fmt(&e->prefix, a, sizeof(a));
			nk_event_add_str(o, "ip_prefix", a);
		}
		if (e->kind == NK_MRT_E_ANNOUNCE && e->attrs != NULL) {
			const struct nk_bgp_attrs *at = e->attrs;
			struct nk_bgp_aspath *ap = malloc(sizeof(*ap));
			char path[2048] = "";
			if (ap != NULL && nk_bgp_attrs_aspath(at, ap) == 0)
				(void)nk_bgp_aspath_fmt(ap, path, sizeof(path));
			free(ap);
			nk_event_add_str(o, "as_path", path);
			dump_fmt_addr(&e->next_hop, a, sizeof(a));
			nk_event_add_str(o, "bgp_nexthop", a);
			if (nk_bgp_has(at, NK_BGP_A_ORIGIN))
				nk_event_add_str(o, "origin",
				    at->origin == 0       ? "i"
					: at->origin == 1 ? "e"
							  : "u");
			if (nk_bgp_has(at, NK_BGP_A_LOCAL_PREF))
				nk_event_add_uint(
				    o, "local_pref", at->local_pref);
			if (nk_bgp_has(at, NK_BGP_A_MED))
				nk_event_add_uint(o, "med", at->med);
		}
		break;
	default:
		break;
	}
}

static void
emit(struct dec *d, struct flow *f, const struct nk_bmp_msg *m,
    const struct nk_mrt_elem *e)
{
	char a[64];
	struct json_object *o = json_object_new_object();
	if (o == NULL)
		return;
	dump_fmt_addr(&f->src, a, sizeof(a));
	nk_event_add_str(o, "bmp_router", a);
	nk_event_add_uint(o, "bmp_router_port", f->sport);
	bmpcmd_fields(o, m, e);
	if (m->h.type == NK_BMP_STATS) {
		/* one line per counter, as pmacct */
		struct nk_rd r = nk_rd_make(m->tlvs, m->tlvs_len);
		uint16_t t, afi;
		uint64_t v;
		uint8_t safi;
		bool known;
		while (nk_bmp_stat_next(&r, &t, &v, &afi, &safi, &known) == 1) {
			struct json_object *c = NULL;
			if (json_object_deep_copy(o, &c, NULL) != 0)
				break;
			nk_event_add_uint(c, "counter_type", t);
			nk_event_add_uint(c, "counter_value", v);
			if (afi != 0) {
				nk_event_add_uint(c, "afi", afi);
				nk_event_add_uint(c, "safi", safi);
			}
			puts(json_object_to_json_string_ext(c,
			    JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(c);
			d->n_lines++;
		}
		json_object_put(o);
		return;
	}
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	d->n_lines++;
}

static void
on_msg(void *arg, const struct nk_bmp_msg *m, const struct nk_mrt_elem *e)
{
	struct dec *d = arg;
	if (m->h.type == NK_BMP_ROUTE_MONITORING && e == NULL)
		return;
	emit(d, d->cur, m, e);
}

/* Ethernet (+VLAN) / Linux SLL -> IPv4/IPv6 -> TCP payload. */
static int
tcp_payload(int dlt, const uint8_t *pkt, size_t len, struct nk_addr *src,
    struct nk_addr *dst, uint16_t *sport, uint16_t *dport, uint32_t *seq,
    const uint8_t **pl, size_t *pl_len)
{
	struct nk_rd r = nk_rd_make(pkt, len);
	uint16_t et;

	if (dlt == DLT_EN10MB) {
		nk_rd_skip(&r, 12);
		et = nk_rd_be16(&r);
		while (et == 0x8100 || et == 0x88a8) {
			nk_rd_skip(&r, 2);
			et = nk_rd_be16(&r);
		}
	} else if (dlt == DLT_LINUX_SLL) {
		nk_rd_skip(&r, 14);
		et = nk_rd_be16(&r);
	} else if (dlt == DLT_RAW) {
		et = (nk_rd_peek(&r, 0) >> 4) == 6 ? 0x86dd : 0x0800;
	} else {
		return -1;
	}
	uint8_t proto;
	struct nk_rd ip;
	if (et == 0x0800) {
		uint8_t vihl = nk_rd_peek(&r, 0);
		size_t ihl = (size_t)(vihl & 15u) * 4;
		struct nk_rd h = nk_rd_sub(&r, ihl);
		nk_rd_skip(&h, 2);
		uint16_t tot = nk_rd_be16(&h);
		nk_rd_skip(&h, 4);
		uint8_t ttl = nk_rd_u8(&h);
		(void)ttl;
		proto = nk_rd_u8(&h);
		nk_rd_skip(&h, 2);
		src->family = dst->family = AF_INET;
		nk_rd_bytes(&h, src->bytes, 4);
		nk_rd_bytes(&h, dst->bytes, 4);
		if (!nk_rd_ok(&h) || tot < ihl)
			return -1;
		size_t body = tot - ihl;
		if (body > nk_rd_left(&r))
			body = nk_rd_left(&r);
		ip = nk_rd_sub(&r, body);
	} else if (et == 0x86dd) {
		nk_rd_skip(&r, 4);
		uint16_t plen = nk_rd_be16(&r);
		proto = nk_rd_u8(&r);
		nk_rd_skip(&r, 1);
		src->family = dst->family = AF_INET6;
		nk_rd_bytes(&r, src->bytes, 16);
		nk_rd_bytes(&r, dst->bytes, 16);
		size_t body = plen;
		if (body > nk_rd_left(&r))
			body = nk_rd_left(&r);
		ip = nk_rd_sub(&r, body);
	} else {
		return -1;
	}
	if (!nk_rd_ok(&r) || proto != 6)
		return -1;
	*sport = nk_rd_be16(&ip);
	*dport = nk_rd_be16(&ip);
	*seq = nk_rd_be32(&ip);
	nk_rd_skip(&ip, 4);
	uint8_t off = nk_rd_u8(&ip);
	size_t hl = (size_t)(off >> 4) * 4;
	if (!nk_rd_ok(&ip) || hl < 20)
		return -1;
	nk_rd_skip(&ip, hl - 13);
	if (!nk_rd_ok(&ip))
		return -1;
	*pl_len = nk_rd_left(&ip);
	*pl = nk_rd_ptr(&ip, *pl_len);
	return 0;
}

static struct flow *
flow_get(struct dec *d, const struct nk_addr *s, const struct nk_addr *t,
    uint16_t sp, uint16_t dp)
{
	for (size_t i = 0; i < d->n_flows; i++) {
		struct flow *f = &d->flows[i];
		if (f->sport == sp && f->dport == dp &&
		    nk_addr_eq(&f->src, s) && nk_addr_eq(&f->dst, t))
			return f;
	}
	if (d->n_flows == MAX_FLOWS)
		return NULL;
	struct flow *f = &d->flows[d->n_flows];
	memset(f, 0, sizeof(*f));
	f->src = *s;
	f->dst = *t;
	f->sport = sp;
	f->dport = dp;
	if (bmpin_init(&f->b, s, BMPIN_VIEW_PRE, NULL, on_msg, d) < 0)
		return NULL;
	d->n_flows++;
	return f;
}

static int
decode_file(struct dec *d, const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, eb);
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	int rc;

	if (p == NULL) {
		nk_log(NK_LOG_ERR, "open_failed", "file=%s cause=\"%s\"", path,
		    eb);
		return -1;
	}
	int dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &ph, &pkt)) == 1) {
		struct nk_addr s, t;
		uint16_t sp, dp;
		uint32_t seq;
		const uint8_t *pl;
		size_t pll;
		if (tcp_payload(dlt, pkt, ph->caplen, &s, &t, &sp, &dp, &seq,
			&pl, &pll) < 0 ||
		    pll == 0)
			continue;
		struct flow *f = flow_get(d, &s, &t, sp, dp);
		if (f == NULL || f->dead)
			continue;
		/* in-order reassembly: drop what we already have, take a
		 * gap as it comes (counted) */
		if (f->have_seq) {
			int32_t diff = (int32_t)(seq - f->next_seq);
			if (diff < 0) {
				if ((size_t)-diff >= pll)
					continue;
				pl += (size_t)-diff;
				pll -= (size_t)-diff;
				seq = f->next_seq;
			} else if (diff > 0) {
				f->n_gap++;
			}
		}
		f->have_seq = true;
		f->next_seq = seq + (uint32_t)pll;
		d->cur = f;
		int64_t ns = (int64_t)ph->ts.tv_sec * 1000000000 +
		    (int64_t)ph->ts.tv_usec * 1000;
		if (bmpin_feed(&f->b, pl, pll, ns) < 0) {
			char a[64];
			dump_fmt_addr(&f->src, a, sizeof(a));
			nk_log(NK_LOG_INFO, "bmp_stream_skipped",
			    "file=%s flow=%s:%u cause=\"%s\"", path, a,
			    f->sport, f->b.err);
			f->dead = true;
		}
	}
	pcap_close(p);
	return 0;
}

int
bmpcmd_decode(int argc, char **argv)
{
	static const struct nk_cli_opt opts[] = {
	    {NULL, 0, NK_CLI_NO_ARG, 0, NULL, NULL},
	};
	struct nk_cli_common common;
	struct nk_err err = {{0}};
	int rc = 0;

	memset(&common, 0, sizeof(common));
	int first =
	    nk_cli_parse(argc, argv, opts, NULL, NULL, &common, true, &err);
	if (first < 0) {
		fprintf(stderr, "bgpwatch bmp-decode: %s\n", nk_err_msg(&err));
		return NK_CLI_EXIT_USAGE;
	}
	if (common.help) {
		nk_cli_help(stdout, "bgpwatch bmp-decode",
		    "bgpwatch bmp-decode PCAP...",
		    "Decode BMP streams in captures as JSON lines.", opts);
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "bgpwatch bmp-decode: no capture given\n");
		return NK_CLI_EXIT_USAGE;
	}
	nk_log_init("bgpwatch", common.verbose ? NK_LOG_INFO : NK_LOG_WARN,
	    common.syslog);
	struct dec *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return 2;
	for (int i = first; i < argc; i++) {
		if (decode_file(d, argv[i]) < 0)
			rc = 2;
		for (size_t k = 0; k < d->n_flows; k++) {
			struct flow *f = &d->flows[k];
			if (f->b.n_bad > 0) {
				nk_log(NK_LOG_WARN, "bmp_malformed",
				    "file=%s messages=%llu bad=%llu "
				    "first=\"%s\"",
				    argv[i], (unsigned long long)f->b.n_msgs,
				    (unsigned long long)f->b.n_bad, f->b.err);
				if (rc == 0)
					rc = 1;
			}
			if (f->b.len > 0 && !f->dead)
				nk_log(NK_LOG_WARN, "bmp_cut",
				    "file=%s bytes=%zu cause=\"stream ends "
				    "mid-message\"",
				    argv[i], f->b.len);
			bmpin_fini(&f->b);
		}
		d->n_flows = 0;
	}
	(void)fflush(stdout);
	free(d);
	return rc;
}
