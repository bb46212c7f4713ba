/*
 * conf: stormwatch's config file. See conf.h; stormwatch(1) FILES/CONFIG.
 */
#include "conf.h"

#include <string.h>

#include "addr.h"
#include "alarm.h"
#include "clock.h"

/* Keys that may repeat (lists); every other key may appear once. */
static const char *const list_keys[] = {"local_mac", "local_ip", NULL};

static const char *const all_keys[] = {
    "storm_copies",
    "storm_end_copies",
    "storm_reflectors",
    "storm_clear_intervals",
    "broadcast_warning",
    "broadcast_critical",
    "source_warning",
    "source_critical",
    "broadcast_raise_intervals",
    "broadcast_clear_intervals",
    "report_interval",
    "stats_interval",
    "duration",
    "filter",
    "evidence",
    "user",
    "oui_dir",
    "snaplen",
    "buffer",
    "promisc",
    "l4_checksums",
    "max_sources",
    "max_echoes",
    "local_mac",
    "local_ip",
    NULL,
};

static bool
is_list_key(const char *k)
{
	for (size_t i = 0; list_keys[i] != NULL; i++)
		if (strcmp(list_keys[i], k) == 0)
			return true;
	return false;
}

/* A single-valued key given twice is a mistake, not "the first wins". */
static int
check_repeats(const struct nk_config *raw, const struct nk_config_section *s,
    struct nk_err *err)
{
	size_t n = nk_config_n_entries(s);

	for (size_t i = 0; i < n; i++) {
		const char *k;
		unsigned line;
		nk_config_entry_at(s, i, &k, NULL, &line);
		if (is_list_key(k))
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *k0;
			unsigned line0;
			nk_config_entry_at(s, j, &k0, NULL, &line0);
			if (strcmp(k, k0) == 0) {
				nk_err_set(err,
				    "%s:%u: key '%s' given twice (first at "
				    "line %u)",
				    nk_config_name(raw), line, k, line0);
				return -1;
			}
		}
	}
	return 0;
}

/* -w/-c style ranges from two keys. */
static int
get_threshold(const struct nk_config *raw, const struct nk_config_section *s,
    const char *wkey, const char *ckey, struct nk_threshold *th,
    struct nk_err *err)
{
	unsigned wl = 0, cl = 0;
	const char *w = nk_config_get(s, wkey, &wl);
	const char *c = nk_config_get(s, ckey, &cl);
	struct nk_range r;

	if (w != NULL) {
		if (nk_range_parse(w, &r, err) < 0) {
			nk_err_prefix(err, "%s:%u: key '%s'",
			    nk_config_name(raw), wl, wkey);
			return -1;
		}
		th->warn = r;
	}
	if (c != NULL) {
		if (nk_range_parse(c, &r, err) < 0) {
			nk_err_prefix(err, "%s:%u: key '%s'",
			    nk_config_name(raw), cl, ckey);
			return -1;
		}
		th->crit = r;
	}
	return 0;
}

static int
get_unsigned(const struct nk_config *raw, const struct nk_config_section *s,
    const char *key, uint64_t min, uint64_t max, unsigned *out,
    struct nk_err *err)
{
	uint64_t v = *out;

	if (nk_config_get_u64(raw, s, key, min, max, &v, err) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* local_mac / local_ip lists: the capturing host, for offload. */
static int
get_locals(const struct nk_config *raw, const struct nk_config_section *s,
    struct sw_config *cfg, struct nk_err *err)
{
	size_t n = nk_config_n_entries(s);

	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		unsigned line;
		nk_config_entry_at(s, i, &k, &v, &line);
		if (strcmp(k, "local_mac") == 0) {
			if (cfg->n_local_macs >= SW_LOCAL_MACS) {
				nk_err_set(err, "%s:%u: more than %d local_mac",
				    nk_config_name(raw), line, SW_LOCAL_MACS);
				return -1;
			}
			if (nk_mac_parse(v, &cfg->local_macs[cfg->n_local_macs],
				err) < 0) {
				nk_err_prefix(err, "%s:%u: key 'local_mac'",
				    nk_config_name(raw), line);
				return -1;
			}
			cfg->n_local_macs++;
		} else if (strcmp(k, "local_ip") == 0) {
			if (cfg->n_local_ips >= SW_LOCAL_IPS) {
				nk_err_set(err, "%s:%u: more than %d local_ip",
				    nk_config_name(raw), line, SW_LOCAL_IPS);
				return -1;
			}
			if (nk_addr_parse(v, &cfg->local_ips[cfg->n_local_ips],
				err) < 0) {
				nk_err_prefix(err, "%s:%u: key 'local_ip'",
				    nk_config_name(raw), line);
				return -1;
			}
			cfg->n_local_ips++;
		}
	}
	return 0;
}

/* The run settings (strings borrowed from raw). */
static int
get_run(const struct nk_config *raw, const struct nk_config_section *s,
    struct sw_conf *out, struct nk_err *err)
{
	uint64_t v;
	int64_t ns;
	bool b;
	unsigned line;

	out->filter = nk_config_get(s, "filter", NULL);
	out->evidence = nk_config_get(s, "evidence", NULL);
	out->user = nk_config_get(s, "user", NULL);
	out->oui_dir = nk_config_get(s, "oui_dir", NULL);
	if (out->evidence != NULL && out->evidence[0] == '\0') {
		(void)nk_config_get(s, "evidence", &line);
		nk_err_set(err, "%s:%u: key 'evidence': empty path",
		    nk_config_name(raw), line);
		return -1;
	}
	ns = -1;
	if (nk_config_get_duration_ns(raw, s, "duration", NK_NS_PER_SEC, 0,
		10000000 * NK_NS_PER_SEC, &ns, err) < 0)
		return -1;
	if (ns >= 0) {
		out->has_duration = true;
		out->duration_s = (double)ns / (double)NK_NS_PER_SEC;
	}
	v = 0;
	if (nk_config_get_u64(raw, s, "snaplen", 64, 262144, &v, err) < 0)
		return -1;
	out->snaplen = (int)v;
	v = 0;
	if (nk_config_get_size_bytes(
		raw, s, "buffer", UINT64_C(1) << 30, &v, err) < 0)
		return -1;
	if (v != 0) {
		if (v < 64 * 1024) {
			(void)nk_config_get(s, "buffer", &line);
			nk_err_set(err,
			    "%s:%u: key 'buffer': %llu bytes < 64k minimum",
			    nk_config_name(raw), line, (unsigned long long)v);
			return -1;
		}
		out->buffer_kib = (int)(v / 1024);
	}
	if (nk_config_get(s, "promisc", NULL) != NULL) {
		if (nk_config_get_bool(raw, s, "promisc", &b, err) < 0)
			return -1;
		out->promisc = b ? 1 : 0;
	}
	ns = 0;
	if (nk_config_get_duration_ns(raw, s, "stats_interval", NK_NS_PER_SEC,
		NK_NS_PER_SEC, 86400 * NK_NS_PER_SEC, &ns, err) < 0)
		return -1;
	out->stats_ns = ns;
	return 0;
}

/* The detection settings, into cfg. */
static int
get_detect(const struct nk_config *raw, const struct nk_config_section *s,
    struct sw_config *cfg, struct sw_conf *out, struct nk_err *err)
{
	uint64_t v;
	int64_t ns;
	unsigned line;

	if (nk_config_get(s, "storm_copies", NULL) != NULL) {
		if (nk_config_get_double(raw, s, "storm_copies", 1, 1e9,
			&cfg->storm_start_pps, err) < 0)
			return -1;
		cfg->storm_end_pps = cfg->storm_start_pps / 4;
		out->has_storm_copies = true;
	}
	if (nk_config_get(s, "storm_end_copies", NULL) != NULL) {
		if (nk_config_get_double(raw, s, "storm_end_copies", 0, 1e9,
			&cfg->storm_end_pps, err) < 0)
			return -1;
		out->has_storm_end = true;
		if (cfg->storm_end_pps > cfg->storm_start_pps) {
			(void)nk_config_get(s, "storm_end_copies", &line);
			nk_err_set(err,
			    "%s:%u: key 'storm_end_copies': %g > "
			    "storm_copies %g",
			    nk_config_name(raw), line, cfg->storm_end_pps,
			    cfg->storm_start_pps);
			return -1;
		}
	}
	if (get_unsigned(raw, s, "storm_reflectors", 1, 1000000,
		&cfg->storm_min_reflectors, err) < 0 ||
	    get_unsigned(raw, s, "storm_clear_intervals", 1, 3600,
		&cfg->storm_clear_intervals, err) < 0 ||
	    get_unsigned(raw, s, "broadcast_raise_intervals", 1, 3600,
		&cfg->bcast_raise_intervals, err) < 0 ||
	    get_unsigned(raw, s, "broadcast_clear_intervals", 1, 3600,
		&cfg->bcast_clear_intervals, err) < 0)
		return -1;
	if (get_threshold(raw, s, "broadcast_warning", "broadcast_critical",
		&cfg->bcast, err) < 0 ||
	    get_threshold(raw, s, "source_warning", "source_critical",
		&cfg->src_bcast, err) < 0)
		return -1;
	ns = -1;
	if (nk_config_get_duration_ns(raw, s, "report_interval", NK_NS_PER_SEC,
		0, 86400 * NK_NS_PER_SEC, &ns, err) < 0)
		return -1;
	if (ns >= 0) {
		cfg->report_ns = ns;
		out->has_report = true;
		out->report_ns = ns;
	}
	v = cfg->max_sources;
	if (nk_config_get_u64(raw, s, "max_sources", 16, 1 << 24, &v, err) < 0)
		return -1;
	cfg->max_sources = (uint32_t)v;
	v = cfg->max_echoes;
	if (nk_config_get_u64(raw, s, "max_echoes", 16, 1 << 20, &v, err) < 0)
		return -1;
	cfg->max_echoes = (uint32_t)v;
	const char *l4 = nk_config_get(s, "l4_checksums", &line);
	if (l4 != NULL) {
		if (strcmp(l4, "sampled") == 0) {
			cfg->verify_l4 = true;
			cfg->verify_l4_all = false;
		} else if (strcmp(l4, "all") == 0) {
			cfg->verify_l4 = true;
			cfg->verify_l4_all = true;
		} else if (strcmp(l4, "off") == 0) {
			cfg->verify_l4 = false;
			cfg->verify_l4_all = false;
		} else {
			nk_err_set(err,
			    "%s:%u: key 'l4_checksums': '%s': not one of "
			    "sampled, all, off",
			    nk_config_name(raw), line, l4);
			return -1;
		}
	}
	return get_locals(raw, s, cfg, err);
}

static int
apply(struct nk_config *raw, struct sw_config *cfg, struct sw_conf *out,
    struct nk_err *err)
{
	size_t n = nk_config_n_sections(raw);

	for (size_t i = 0; i < n; i++) {
		const struct nk_config_section *s =
		    nk_config_section_at(raw, i);
		const char *sn = nk_config_section_name(s);
		if (sn[0] != '\0' && strcmp(sn, "stormwatch") != 0) {
			nk_err_set(err,
			    "%s:%u: unknown section [%s] (keys go at the top "
			    "or in [stormwatch])",
			    nk_config_name(raw), nk_config_section_line(s), sn);
			return -1;
		}
		if (nk_config_check_keys(raw, s, all_keys, err) < 0 ||
		    check_repeats(raw, s, err) < 0 ||
		    get_run(raw, s, out, err) < 0 ||
		    get_detect(raw, s, cfg, out, err) < 0)
			return -1;
	}
	return 0;
}

static void
conf_reset(struct sw_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->promisc = -1;
}

static int
conf_finish(struct nk_config *raw, struct sw_config *cfg, struct sw_conf *out,
    struct nk_err *err)
{
	conf_reset(out);
	if (apply(raw, cfg, out, err) < 0) {
		nk_config_free(raw);
		conf_reset(out);
		return -1;
	}
	out->raw = raw;
	return 0;
}

int
sw_conf_parse(const char *name, const uint8_t *buf, size_t len,
    struct sw_config *cfg, struct sw_conf *out, struct nk_err *err)
{
	struct nk_config *raw = NULL;

	conf_reset(out);
	if (nk_config_parse(name, buf, len, &raw, err) < 0)
		return -1;
	return conf_finish(raw, cfg, out, err);
}

int
sw_conf_load(const char *path, struct sw_config *cfg, struct sw_conf *out,
    struct nk_err *err)
{
	struct nk_config *raw = NULL;

	conf_reset(out);
	if (nk_config_load(path, &raw, err) < 0)
		return -1;
	return conf_finish(raw, cfg, out, err);
}

void
sw_conf_fini(struct sw_conf *c)
{
	if (c == NULL)
		return;
	nk_config_free(c->raw);
	conf_reset(c);
}
