/* targets: target list, dedupe hash, files, ranges, names, topology. */
#include "targets.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "config.h"
#include "icmp.h"
#include "parse.h"
#include "siphash.h"

int
mp_tset_parse(struct mp_tset *s, const char *tok, struct nk_err *err)
{
	const char *eq = strchr(tok, '=');
	char key[16];
	uint64_t u;

	if (eq == NULL)
		return 1;
	if ((size_t)(eq - tok) >= sizeof(key)) {
		nk_err_set(err, "unknown setting '%.*s' (want interval, timeout, "
		    "size, ttl or dscp)", (int)(eq - tok), tok);
		return -1;
	}
	memcpy(key, tok, (size_t)(eq - tok));
	key[eq - tok] = '\0';
	const char *v = eq + 1;
	/* the command line's bounds (main.c); the per-user interval floor
	 * and the total rate are checked once every target is known */
	if (strcmp(key, "interval") == 0) {
		if (nk_parse_duration_ns(v, NK_NS_PER_SEC, 1,
			3600 * NK_NS_PER_SEC, &s->interval_ns, err))
			goto bad;
		s->set |= MP_SET_INTERVAL;
	} else if (strcmp(key, "timeout") == 0) {
		if (nk_parse_duration_ns(v, NK_NS_PER_SEC, NK_NS_PER_MS,
			60 * NK_NS_PER_SEC, &s->timeout_ns, err))
			goto bad;
		s->set |= MP_SET_TIMEOUT;
	} else if (strcmp(key, "size") == 0) {
		if (nk_parse_u64(v, NK_ICMP_PROBE_LEN, NK_ICMP_MAX_PAYLOAD, &u,
			err))
			goto bad;
		s->payload_bytes = (uint32_t)u;
		s->set |= MP_SET_SIZE;
	} else if (strcmp(key, "ttl") == 0) {
		if (nk_parse_u64(v, 1, 255, &u, err))
			goto bad;
		s->ttl = (int)u;
		s->set |= MP_SET_TTL;
	} else if (strcmp(key, "dscp") == 0) {
		if (nk_parse_u64(v, 0, 63, &u, err))
			goto bad;
		s->dscp = (int)u;
		s->set |= MP_SET_DSCP;
	} else {
		nk_err_set(err, "unknown setting '%s' (want interval, timeout, "
		    "size, ttl or dscp)", key);
		return -1;
	}
	return 0;
bad:
	nk_err_prefix(err, "setting %s", key);
	return -1;
}

void
mp_tset_merge(struct mp_tset *dst, const struct mp_tset *src)
{
	if (src->set & MP_SET_INTERVAL)
		dst->interval_ns = src->interval_ns;
	if (src->set & MP_SET_TIMEOUT)
		dst->timeout_ns = src->timeout_ns;
	if (src->set & MP_SET_SIZE)
		dst->payload_bytes = src->payload_bytes;
	if (src->set & MP_SET_TTL)
		dst->ttl = src->ttl;
	if (src->set & MP_SET_DSCP)
		dst->dscp = src->dscp;
	dst->set |= src->set;
}

char *
mp_tset_fmt(const struct mp_tset *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
#define TSET_APPEND(...)                                                   \
	do {                                                               \
		int w_ = snprintf(buf + o, len - o, __VA_ARGS__);          \
		if (w_ < 0 || (size_t)w_ >= len - o)                       \
			return buf;                                        \
		o += (size_t)w_;                                           \
	} while (0)
	if (s->set & MP_SET_INTERVAL)
		TSET_APPEND("%sinterval=%g", o ? " " : "",
		    (double)s->interval_ns / 1e9);
	if (s->set & MP_SET_TIMEOUT)
		TSET_APPEND("%stimeout=%g", o ? " " : "",
		    (double)s->timeout_ns / 1e9);
	if (s->set & MP_SET_SIZE)
		TSET_APPEND("%ssize=%u", o ? " " : "", s->payload_bytes);
	if (s->set & MP_SET_TTL)
		TSET_APPEND("%sttl=%d", o ? " " : "", s->ttl);
	if (s->set & MP_SET_DSCP)
		TSET_APPEND("%sdscp=%d", o ? " " : "", s->dscp);
#undef TSET_APPEND
	return buf;
}

void
mp_targets_init(struct mp_targets *ts)
{
	memset(ts, 0, sizeof(*ts));
}

void
mp_targets_fini(struct mp_targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		mp_stats_fini(&ts->v[i].st);
		free(ts->v[i].host);
	}
	free(ts->v);
	free(ts->ht);
	memset(ts, 0, sizeof(*ts));
}

static size_t
addr_hash(const struct nk_addr *a, size_t cap)
{
	static const uint8_t k[NK_SIPHASH_KEY_LEN] = "multiping-addrht";
	uint8_t b[17];

	b[0] = a->family == AF_INET6 ? 6 : 4;
	memcpy(b + 1, a->bytes, 16);
	return (size_t)(nk_siphash24(k, b, sizeof(b)) & (cap - 1));
}

static int
ht_grow(struct mp_targets *ts)
{
	size_t cap = ts->ht_cap ? ts->ht_cap * 2 : 1024;
	uint32_t *ht = calloc(cap, sizeof(*ht));

	if (ht == NULL)
		return -1;
	for (size_t i = 0; i < ts->n; i++) {
		size_t h = addr_hash(&ts->v[i].addr, cap);
		while (ht[h] != 0)
			h = (h + 1) & (cap - 1);
		ht[h] = (uint32_t)(i + 1);
	}
	free(ts->ht);
	ts->ht = ht;
	ts->ht_cap = cap;
	return 0;
}

long
mp_targets_find(const struct mp_targets *ts, const struct nk_addr *a)
{
	if (ts->ht_cap == 0)
		return -1;
	for (size_t h = addr_hash(a, ts->ht_cap); ts->ht[h] != 0;
	     h = (h + 1) & (ts->ht_cap - 1)) {
		size_t i = ts->ht[h] - 1;
		if (nk_addr_eq(&ts->v[i].addr, a))
			return (long)i;
	}
	return -1;
}

static void
ht_put(struct mp_targets *ts, size_t i)
{
	size_t h = addr_hash(&ts->v[i].addr, ts->ht_cap);

	while (ts->ht[h] != 0)
		h = (h + 1) & (ts->ht_cap - 1);
	ts->ht[h] = (uint32_t)(i + 1);
}

int
mp_targets_readdress(struct mp_targets *ts, size_t i, const struct nk_addr *a)
{
	if (i >= ts->n || mp_targets_find(ts, a) >= 0)
		return -1;
	ts->v[i].addr = *a;
	nk_addr_fmt(a, ts->v[i].name, sizeof(ts->v[i].name));
	/* Open addressing has no cheap delete: rebuild (rare: only when a
	 * name moves). */
	memset(ts->ht, 0, ts->ht_cap * sizeof(*ts->ht));
	for (size_t k = 0; k < ts->n; k++)
		ht_put(ts, k);
	return 0;
}

void
mp_targets_resolve(struct mp_targets *ts, const struct mp_tset *global)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct mp_target *t = &ts->v[i];
		struct mp_tset e = *global;
		mp_tset_merge(&e, &t->grp);
		mp_tset_merge(&e, &t->own);
		t->interval_ns = e.interval_ns;
		t->timeout_ns = e.timeout_ns;
		t->payload_bytes = e.payload_bytes;
		t->ttl = (int16_t)e.ttl;
		t->dscp = (int16_t)e.dscp;
	}
}

int
mp_targets_add(struct mp_targets *ts, const struct nk_addr *a,
    const char *label, const struct mp_tset *set, size_t *idx,
    struct nk_err *err)
{
	long old = mp_targets_find(ts, a);

	if (old >= 0) {
		if (ts->n_dups++ == 0)
			nk_addr_fmt(a, ts->first_dup, sizeof(ts->first_dup));
		if (label != NULL && label[0] && ts->v[old].label[0] == '\0')
			snprintf(ts->v[old].label, sizeof(ts->v[old].label),
			    "%s", label);
		if (set != NULL)
			mp_tset_merge(&ts->v[old].own, set);
		*idx = (size_t)old;
		return 0;
	}
	if (ts->n >= MP_MAX_TARGETS) {
		nk_err_set(err, "too many targets: more than %u (multiping "
		    "uses two sockets, so the fd limit is not the bound)",
		    MP_MAX_TARGETS);
		return -1;
	}
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct mp_target *v = realloc(ts->v, cap * sizeof(*v));
		if (v == NULL) {
			nk_err_set(err, "targets: out of memory");
			return -1;
		}
		ts->v = v;
		ts->cap = cap;
	}
	if ((ts->n + 1) * 2 > ts->ht_cap && ht_grow(ts)) {
		nk_err_set(err, "targets: out of memory");
		return -1;
	}
	struct mp_target *t = &ts->v[ts->n];
	memset(t, 0, sizeof(*t));
	t->addr = *a;
	t->group = -1;
	nk_addr_fmt(a, t->name, sizeof(t->name));
	t->dscp = -1;
	if (label != NULL)
		snprintf(t->label, sizeof(t->label), "%s", label);
	if (set != NULL)
		t->own = *set;
	ht_put(ts, ts->n);
	*idx = ts->n++;
	return 0;
}

static int
idxv_push(struct mp_idxv *v, size_t x)
{
	if (v == NULL)
		return 0;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		size_t *n = realloc(v->v, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		v->v = n;
		v->cap = cap;
	}
	v->v[v->n++] = x;
	return 0;
}

static bool
looks_like_range(const char *s)
{
	const char *dash = strchr(s, '-');
	struct nk_addr a;
	char first[NK_ADDR_STRLEN];

	if (strchr(s, '/') != NULL)
		return true;
	if (dash == NULL || (size_t)(dash - s) >= sizeof(first))
		return false;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	return nk_addr_parse(first, &a, NULL) == 0;
}

int
mp_targets_add_spec(struct mp_targets *ts, const char *spec,
    const char *label, const struct mp_tset *set, bool force_range,
    struct mp_idxv *out, struct nk_err *err)
{
	struct nk_addr a;
	size_t idx;

	if (nk_addr_parse(spec, &a, NULL) == 0) {
		if (mp_targets_add(ts, &a, label, set, &idx, err) ||
		    idxv_push(out, idx))
			return -1;
		return 0;
	}
	if (force_range || looks_like_range(spec)) {
		struct nk_addr_range r;
		uint64_t left = MP_MAX_TARGETS - ts->n;
		if (nk_addr_range_parse(spec, left ? left : 1, &r, err))
			return -1;
		for (uint64_t i = 0; i < r.n_hosts; i++) {
			nk_addr_range_at(&r, i, &a);
			if (mp_targets_add(ts, &a, label, set, &idx, err) ||
			    idxv_push(out, idx))
				return -1;
		}
		return 0;
	}
	/* A host name: resolved once at start (after privileges are gone). */
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_RAW;
	int rc = getaddrinfo(spec, NULL, &hints, &res);
	if (rc != 0) {
		nk_err_set(err, "unknown host '%s': %s", spec,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	rc = nk_addr_from_sockaddr(res->ai_addr, res->ai_addrlen, &a);
	freeaddrinfo(res);
	if (rc) {
		nk_err_set(err, "host '%s': no usable address", spec);
		return -1;
	}
	size_t before = ts->n;
	if (mp_targets_add(ts, &a, label && label[0] ? label : spec, set,
		&idx, err) ||
	    idxv_push(out, idx))
		return -1;
	if (ts->n > before) { /* new: remember the name (--resolve-every) */
		ts->v[idx].host = strdup(spec);
		if (ts->v[idx].host == NULL) {
			nk_err_set(err, "targets: out of memory");
			return -1;
		}
	}
	return 0;
}

int
mp_targets_add_line(struct mp_targets *ts, char *line, struct mp_idxv *out,
    struct nk_err *err)
{
	char label[64];
	struct mp_tset set;
	char *spec = NULL, *save = NULL;
	size_t ll = 0;

	memset(&set, 0, sizeof(set));
	label[0] = '\0';
	for (char *w = strtok_r(line, " \t\r\n", &save); w != NULL;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (spec == NULL) {
			spec = w;
			continue;
		}
		int rc = mp_tset_parse(&set, w, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		/* a label word; non-printing bytes become '?' */
		for (char *c = w; *c; c++)
			if (!isprint((unsigned char)*c))
				*c = '?';
		int n = snprintf(label + ll, sizeof(label) - ll, "%s%s",
		    ll ? " " : "", w);
		if (n > 0)
			ll += (size_t)n;
		if (ll >= sizeof(label))
			ll = sizeof(label) - 1;
	}
	if (spec == NULL) {
		nk_err_set(err, "empty target");
		return -1;
	}
	return mp_targets_add_spec(ts, spec, label, set.set ? &set : NULL,
	    false, out, err);
}

int
mp_targets_load_stream(struct mp_targets *ts, FILE *f, const char *name,
    struct nk_err *err)
{
	char line[1024];
	unsigned lineno = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			nk_err_set(err, "%s:%u: line longer than %zu bytes", name,
			    lineno, sizeof(line) - 2);
			return -1;
		}
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			continue;
		if (mp_targets_add_line(ts, p, NULL, err)) {
			nk_err_prefix(err, "%s:%u", name, lineno);
			return -1;
		}
	}
	if (ferror(f)) {
		nk_err_set(err, "%s: read error", name);
		return -1;
	}
	return 0;
}

int
mp_targets_load_file(struct mp_targets *ts, const char *path,
    struct nk_err *err)
{
	if (strcmp(path, "-") == 0)
		return mp_targets_load_stream(ts, stdin, "stdin", err);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		nk_err_set(err, "target file %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = mp_targets_load_stream(ts, f, path, err);
	fclose(f);
	return rc;
}

/* A [group]'s own defaults: interval/timeout/size/ttl/dscp = V. */
static int
group_set(struct mp_tset *gs, const char *k, const char *v,
    struct nk_err *err)
{
	char tok[96];

	snprintf(tok, sizeof(tok), "%s=%s", k, v);
	return mp_tset_parse(gs, tok, err) == 0 ? 0 : -1;
}

int
mp_targets_load_topo(struct mp_targets *ts, const struct nk_config *cfg,
    struct mp_topo *topo, struct nk_err *err)
{
	static const char *const keys[] = {"kind", "upstream", "member",
	    "interval", "timeout", "size", "ttl", "dscp", NULL};
	static const char *const mp_keys[] = {"target", NULL};
	size_t ns = nk_config_n_sections(cfg);
	struct mp_idxv up = {0}, mem = {0};
	char line[1024];
	int rc = -1;

	memset(topo, 0, sizeof(*topo));
	topo->groups = calloc(ns ? ns : 1, sizeof(*topo->groups));
	if (topo->groups == NULL) {
		nk_err_set(err, "%s: out of memory", nk_config_name(cfg));
		return -1;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct nk_config_section *s = nk_config_section_at(cfg, i);
		const char *sname = nk_config_section_name(s);
		if (sname[0] == '\0' && nk_config_n_entries(s) == 0)
			continue;
		if (strcmp(sname, "multiping") == 0) {
			if (nk_config_check_keys(cfg, s, mp_keys, err))
				goto out;
			for (size_t e = 0; e < nk_config_n_entries(s); e++) {
				const char *k, *v;
				unsigned ln;
				nk_config_entry_at(s, e, &k, &v, &ln);
				snprintf(line, sizeof(line), "%s", v);
				if (mp_targets_add_line(ts, line, NULL, err)) {
					nk_err_prefix(err, "%s:%u",
					    nk_config_name(cfg), ln);
					goto out;
				}
			}
			continue;
		}
		if (strcmp(sname, "group") != 0) {
			nk_err_set(err, "%s:%u: unknown section [%s] (want "
			    "[group NAME] or [multiping])", nk_config_name(cfg),
			    nk_config_section_line(s), sname);
			goto out;
		}
		if (nk_config_section_label(s)[0] == '\0') {
			nk_err_set(err, "%s:%u: [group] needs a name: [group "
			    "NAME]", nk_config_name(cfg),
			    nk_config_section_line(s));
			goto out;
		}
		if (nk_config_check_keys(cfg, s, keys, err))
			goto out;
		struct mp_topo_group *g = &topo->groups[topo->n_groups];
		struct mp_tset gs;
		memset(&gs, 0, sizeof(gs));
		snprintf(g->name, sizeof(g->name), "%s",
		    nk_config_section_label(s));
		up.n = mem.n = 0;
		for (size_t e = 0; e < nk_config_n_entries(s); e++) {
			const char *k, *v;
			unsigned ln;
			nk_config_entry_at(s, e, &k, &v, &ln);
			if (strcmp(k, "kind") == 0) {
				snprintf(g->kind, sizeof(g->kind), "%s", v);
				continue;
			}
			bool is_up = strcmp(k, "upstream") == 0;
			if (is_up || strcmp(k, "member") == 0) {
				snprintf(line, sizeof(line), "%s", v);
				if (mp_targets_add_line(ts, line,
					is_up ? &up : &mem, err) == 0)
					continue;
			} else if (group_set(&gs, k, v, err) == 0) {
				continue;
			}
			nk_err_prefix(err, "%s:%u", nk_config_name(cfg), ln);
			goto out;
		}
		/* the group's defaults reach its upstreams and members,
		 * wherever in the section they were written */
		for (size_t k = 0; k < up.n; k++)
			mp_tset_merge(&ts->v[up.v[k]].grp, &gs);
		for (size_t k = 0; k < mem.n; k++)
			mp_tset_merge(&ts->v[mem.v[k]].grp, &gs);
		g->upstreams = up.v;
		g->n_upstreams = up.n;
		g->members = mem.v;
		g->n_members = mem.n;
		up.v = mem.v = NULL;
		up.cap = mem.cap = 0;
		topo->n_groups++;
	}
	for (size_t t = 0; t < ts->n; t++)
		ts->v[t].group = mp_topo_group_of(topo, t);
	rc = 0;
out:
	free(up.v);
	free(mem.v);
	if (rc)
		mp_topo_fini(topo);
	return rc;
}
