/*
 * dump: bgpdump -m compatible lines. The format is bgpdump 1.6.2's, field
 * for field, including its quirks (an absent NEXT_HOP prints as
 * 255.255.255.255, an absent ORIGIN as INCOMPLETE, MED/LOCAL_PREF of an
 * IPv4 MP_REACH route as signed); see tests/integration/bgpwatch_dump.sh
 * for the differences kept on purpose.
 */
#include "dump.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define OUT_CAP (1u << 17)

struct dump {
	FILE *out;
	struct dump_opts o;
	uint64_t n_lines;
	bool werr;
	size_t n;
	char buf[OUT_CAP];
};

struct dump *
dump_new(FILE *out, const struct dump_opts *o)
{
	struct dump *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	d->out = out;
	d->o = *o;
	d->n_lines = 0;
	d->werr = false;
	d->n = 0;
	return d;
}

int
dump_flush(struct dump *d)
{
	if (d->n > 0 && fwrite(d->buf, 1, d->n, d->out) != d->n)
		d->werr = true;
	d->n = 0;
	if (fflush(d->out) != 0)
		d->werr = true;
	return d->werr ? -1 : 0;
}

void
dump_free(struct dump *d)
{
	free(d);
}

uint64_t
dump_n_lines(const struct dump *d)
{
	return d->n_lines;
}

/* ---- a small append-only line builder ---- */
struct line {
	char *p;
	size_t n, cap;
};

static void
put_mem(struct line *l, const char *s, size_t n)
{
	if (n > l->cap - l->n)
		n = l->cap - l->n;
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

static void
put_str(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

static void
put_ch(struct line *l, char c)
{
	if (l->n < l->cap)
		l->p[l->n++] = c;
}

static void
put_u64(struct line *l, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		put_ch(l, tmp[--n]);
}

static void
put_i32(struct line *l, int32_t v)
{
	if (v < 0) {
		put_ch(l, '-');
		put_u64(l, (uint64_t)(-(int64_t)v));
	} else {
		put_u64(l, (uint64_t)v);
	}
}

size_t
dump_fmt_addr(const struct nk_addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET6) {
		if (inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)len) == NULL)
			buf[0] = '\0';
		return strlen(buf);
	}
	/* IPv4 by hand: the hot path of every line. */
	struct line l = {buf, 0, len - 1};
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			put_ch(&l, '.');
		put_u64(&l, a->bytes[i]);
	}
	buf[l.n] = '\0';
	return l.n;
}

static void
put_addr(struct line *l, const struct nk_addr *a)
{
	char tmp[64];
	size_t n = dump_fmt_addr(a, tmp, sizeof(tmp));
	put_mem(l, tmp, n);
}

static void
put_v4_none(struct line *l)
{
	put_str(l, "255.255.255.255");
}

size_t
dump_fmt_communities(const uint8_t *c, size_t clen, char *buf, size_t len)
{
	struct line l = {buf, 0, len - 1};

	for (size_t i = 0; i + 4 <= clen; i += 4) {
		uint32_t v = (uint32_t)c[i] << 24 | (uint32_t)c[i + 1] << 16 |
		    (uint32_t)c[i + 2] << 8 | c[i + 3];
		if (i > 0)
			put_ch(&l, ' ');
		/* RFC 1997 well-known names, as bgpdump spells them. */
		if (v == 0xFFFFFF01u)
			put_str(&l, "no-export");
		else if (v == 0xFFFFFF02u)
			put_str(&l, "no-advertise");
		else if (v == 0xFFFFFF03u)
			put_str(&l, "local-AS");
		else {
			put_u64(&l, v >> 16);
			put_ch(&l, ':');
			put_u64(&l, v & 0xffff);
		}
	}
	buf[l.n] = '\0';
	return l.n;
}

static void
put_prefix(struct line *l, const struct nk_prefix *p)
{
	put_addr(l, &p->addr);
	put_ch(l, '/');
	put_u64(l, p->len);
}

static const char *
rec_name(const struct nk_mrt_elem *e)
{
	switch (e->type) {
	case NK_MRT_TABLE_DUMP:
		return "TABLE_DUMP";
	case NK_MRT_TABLE_DUMP_V2:
		return e->addpath ? "TABLE_DUMP2_AP" : "TABLE_DUMP2";
	default:
		break;
	}
	if (e->kind == NK_MRT_E_STATE)
		return e->et ? "BGP4MP_ET" : "BGP4MP";
	if (e->et) {
		if (e->local)
			return e->addpath ? "BGP4MP_ET_LOCAL_AP"
					  : "BGP4MP_ET_LOCAL";
		return e->addpath ? "BGP4MP_ET_AP" : "BGP4MP_ET";
	}
	if (e->local)
		return e->addpath ? "BGP4MP_LOCAL_AP" : "BGP4MP_LOCAL";
	return e->addpath ? "BGP4MP_AP" : "BGP4MP";
}

static void
put_time(struct line *l, const struct nk_mrt_elem *e)
{
	put_u64(l, e->ts);
	if (e->et) {
		char us[8];
		uint32_t v = e->usec;
		put_ch(l, '.');
		/* bgpdump prints %06ld */
		for (int i = 5; i >= 0; i--) {
			us[i] = (char)('0' + v % 10);
			v /= 10;
		}
		if (v != 0)
			put_u64(l, v); /* > 999999: the leading digits */
		put_mem(l, us, 6);
	}
}

static void
put_attr_fields(struct line *l, const struct nk_mrt_elem *e)
{
	const struct nk_bgp_attrs *a = e->attrs;
	struct nk_bgp_aspath path;
	char tmp[16384];

	if (nk_bgp_attrs_aspath(a, &path) == 0) {
		size_t n = nk_bgp_aspath_fmt(&path, tmp, sizeof(tmp));
		put_mem(l, tmp, n);
	}
	put_ch(l, '|');
	put_str(l,
	    nk_bgp_has(a, NK_BGP_A_ORIGIN) ? nk_bgp_origin_name(a->origin)
					   : "INCOMPLETE");
	put_ch(l, '|');
	bool mp = e->kind == NK_MRT_E_ANNOUNCE && e->from_mp;
	if (e->next_hop.family != 0)
		put_addr(l, &e->next_hop);
	else
		put_v4_none(l);
	put_ch(l, '|');
	uint32_t lp = nk_bgp_has(a, NK_BGP_A_LOCAL_PREF) ? a->local_pref : 0;
	uint32_t med = nk_bgp_has(a, NK_BGP_A_MED) ? a->med : 0;
	if (mp && e->afi == NK_AFI_IPV4) {
		/* bgpdump prints these two with %d for MP IPv4 routes. */
		put_i32(l, (int32_t)lp);
		put_ch(l, '|');
		put_i32(l, (int32_t)med);
	} else {
		put_u64(l, lp);
		put_ch(l, '|');
		put_u64(l, med);
	}
	put_ch(l, '|');
	if (nk_bgp_has(a, NK_BGP_A_COMMUNITIES)) {
		size_t n = dump_fmt_communities(
		    a->communities, a->communities_len, tmp, sizeof(tmp));
		put_mem(l, tmp, n);
	}
	put_ch(l, '|');
	put_str(l, nk_bgp_has(a, NK_BGP_A_ATOMIC_AGGR) ? "AG" : "NAG");
	put_ch(l, '|');
	uint32_t aas;
	struct nk_addr aaddr;
	if (nk_bgp_attrs_aggregator(a, &aas, &aaddr)) {
		put_u64(l, aas);
		put_ch(l, ' ');
		put_addr(l, &aaddr);
	}
	put_ch(l, '|');
}

static void
emit(struct dump *d, struct line *l)
{
	put_ch(l, '\n');
	d->n += l->n;
	d->n_lines++;
	if (d->n > OUT_CAP - 32768) {
		if (fwrite(d->buf, 1, d->n, d->out) != d->n)
			d->werr = true;
		d->n = 0;
	}
}

static void
json_str(struct line *l, const char *key, const char *v)
{
	put_ch(l, ',');
	put_ch(l, '"');
	put_str(l, key);
	put_str(l, "\":\"");
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			put_ch(l, '\\');
		put_ch(l, *v);
	}
	put_ch(l, '"');
}

static void
json_u(struct line *l, const char *key, uint64_t v)
{
	put_ch(l, ',');
	put_ch(l, '"');
	put_str(l, key);
	put_str(l, "\":");
	put_u64(l, v);
}

static void
dump_json(struct dump *d, const struct nk_mrt_elem *e, struct line *l)
{
	static const char *const kinds[] = {
	    "rib", "announce", "withdraw", "state", "message", "attr_error"};
	char tmp[16384];

	put_str(l, "{\"type\":\"");
	put_str(l, rec_name(e));
	put_ch(l, '"');
	json_u(l, "subtype", e->subtype);
	json_u(l, "ts", e->ts);
	if (e->et)
		json_u(l, "usec", e->usec);
	json_str(l, "kind", kinds[e->kind]);
	dump_fmt_addr(&e->peer_addr, tmp, sizeof(tmp));
	json_str(l, "peer", tmp);
	json_u(l, "peer_as", e->peer_as);
	if (e->kind == NK_MRT_E_STATE) {
		json_u(l, "old_state", e->old_state);
		json_u(l, "new_state", e->new_state);
		put_ch(l, '}');
		emit(d, l);
		return;
	}
	struct line pl = {tmp, 0, sizeof(tmp) - 1};
	put_prefix(&pl, &e->prefix);
	tmp[pl.n] = '\0';
	json_str(l, "prefix", tmp);
	if (nk_mrt_elem_addpath(e))
		json_u(l, "path_id", e->path_id);
	if (e->kind == NK_MRT_E_WITHDRAW) {
		put_ch(l, '}');
		emit(d, l);
		return;
	}
	const struct nk_bgp_attrs *a = e->attrs;
	struct nk_bgp_aspath path;
	if (nk_bgp_attrs_aspath(a, &path) == 0) {
		nk_bgp_aspath_fmt(&path, tmp, sizeof(tmp));
		json_str(l, "as_path", tmp);
		json_u(l, "origin_as", nk_bgp_aspath_origin(&path));
	}
	if (nk_bgp_has(a, NK_BGP_A_ORIGIN))
		json_str(l, "origin", nk_bgp_origin_name(a->origin));
	if (e->next_hop.family != 0) {
		dump_fmt_addr(&e->next_hop, tmp, sizeof(tmp));
		json_str(l, "next_hop", tmp);
	}
	if (nk_bgp_has(a, NK_BGP_A_LOCAL_PREF))
		json_u(l, "local_pref", a->local_pref);
	if (nk_bgp_has(a, NK_BGP_A_MED))
		json_u(l, "med", a->med);
	if (nk_bgp_has(a, NK_BGP_A_COMMUNITIES)) {
		dump_fmt_communities(
		    a->communities, a->communities_len, tmp, sizeof(tmp));
		json_str(l, "communities", tmp);
	}
	if (nk_bgp_has(a, NK_BGP_A_LARGE_COMMUNITIES)) {
		struct line cl = {tmp, 0, sizeof(tmp) - 1};
		struct nk_rd r = nk_rd_make(a->large, a->large_len);
		while (nk_rd_left(&r) >= 12) {
			if (cl.n > 0)
				put_ch(&cl, ' ');
			put_u64(&cl, nk_rd_be32(&r));
			put_ch(&cl, ':');
			put_u64(&cl, nk_rd_be32(&r));
			put_ch(&cl, ':');
			put_u64(&cl, nk_rd_be32(&r));
		}
		tmp[cl.n] = '\0';
		json_str(l, "large_communities", tmp);
	}
	if (nk_bgp_has(a, NK_BGP_A_ATOMIC_AGGR))
		put_str(l, ",\"atomic_aggregate\":true");
	uint32_t aas;
	struct nk_addr aaddr;
	if (nk_bgp_attrs_aggregator(a, &aas, &aaddr)) {
		struct line al = {tmp, 0, sizeof(tmp) - 1};
		put_u64(&al, aas);
		put_ch(&al, ' ');
		put_addr(&al, &aaddr);
		tmp[al.n] = '\0';
		json_str(l, "aggregator", tmp);
	}
	if (a->err_class != NK_BGP_ERR_NONE) {
		json_str(l, "rfc7606", nk_bgp_errclass_name(a->err_class));
		json_str(l, "error", a->err_cause);
	}
	put_ch(l, '}');
	emit(d, l);
}

int
dump_elem(void *arg, const struct nk_mrt_elem *e)
{
	struct dump *d = arg;
	struct line l = {d->buf + d->n, 0, OUT_CAP - d->n - 2};

	if (d->o.skip_type != 0 && e->type == d->o.skip_type &&
	    e->subtype == d->o.skip_subtype)
		return 0;
	if (e->kind == NK_MRT_E_MESSAGE || e->kind == NK_MRT_E_ATTR_ERROR)
		return 0; /* bgpdump -m prints no line for these */
	if (d->o.json) {
		dump_json(d, e, &l);
		return 0;
	}
	put_str(&l, rec_name(e));
	put_ch(&l, '|');
	put_time(&l, e);
	switch (e->kind) {
	case NK_MRT_E_STATE:
		put_str(&l, "|STATE|");
		put_addr(&l, &e->peer_addr);
		put_ch(&l, '|');
		put_u64(&l, e->peer_as);
		put_ch(&l, '|');
		put_u64(&l, e->old_state);
		put_ch(&l, '|');
		put_u64(&l, e->new_state);
		break;
	case NK_MRT_E_WITHDRAW:
		put_str(&l, "|W|");
		put_addr(&l, &e->peer_addr);
		put_ch(&l, '|');
		put_u64(&l, e->peer_as);
		put_ch(&l, '|');
		put_prefix(&l, &e->prefix);
		if (nk_mrt_elem_addpath(e)) {
			put_ch(&l, '|');
			put_u64(&l, e->path_id);
		}
		break;
	case NK_MRT_E_ANNOUNCE:
	case NK_MRT_E_RIB:
		put_str(&l, e->kind == NK_MRT_E_RIB ? "|B|" : "|A|");
		put_addr(&l, &e->peer_addr);
		put_ch(&l, '|');
		put_u64(&l, e->peer_as);
		put_ch(&l, '|');
		put_prefix(&l, &e->prefix);
		put_ch(&l, '|');
		if (nk_mrt_elem_addpath(e)) {
			put_u64(&l, e->path_id);
			put_ch(&l, '|');
		}
		put_attr_fields(&l, e);
		break;
	default:
		return 0;
	}
	emit(d, &l);
	return 0;
}
