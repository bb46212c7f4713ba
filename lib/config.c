#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rd.h"

#define CFG_LINE_MAX 4096
#define CFG_FILE_MAX (16u << 20)
#define CFG_ITEMS_MAX 100000
#define CFG_NAME_CHARS                                                         \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
#define TEXT_MAX 64

struct cfg_entry {
	char *key;
	char *value;
	unsigned line;
};

struct nk_config_section {
	char *name;
	char *label; /* "" when none */
	unsigned line;
	struct cfg_entry *v;
	size_t n, cap;
};

struct nk_config {
	char *name;
	/* Pointers, so a section handed out stays put when the array grows. */
	struct nk_config_section **s;
	size_t n, cap;
	size_t n_items; /* sections + entries, against CFG_ITEMS_MAX */
};

static char *
dup_text(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void
section_free(struct nk_config_section *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
	}
	free(s->v);
	free(s->name);
	free(s->label);
	free(s);
}

void
nk_config_free(struct nk_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		section_free(cfg->s[i]);
	free(cfg->s);
	free(cfg->name);
	free(cfg);
}

/* Append a section; takes name and label (freed on failure). */
static struct nk_config_section *
section_add(struct nk_config *cfg, char *name, char *label, unsigned line)
{
	struct nk_config_section *s = NULL;

	if (name == NULL || label == NULL)
		goto out_free;
	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap == 0 ? 8 : cfg->cap * 2;
		struct nk_config_section **v =
		    realloc(cfg->s, cap * sizeof(struct nk_config_section *));
		if (v == NULL)
			goto out_free;
		cfg->s = v;
		cfg->cap = cap;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto out_free;
	s->name = name;
	s->label = label;
	s->line = line;
	cfg->s[cfg->n++] = s;
	cfg->n_items++;
	return s;
out_free:
	free(name);
	free(label);
	return NULL;
}

static int
entry_add(struct nk_config *cfg, struct nk_config_section *s, char *key,
    char *value, unsigned line)
{
	if (key == NULL || value == NULL)
		goto out_free;
	if (s->n == s->cap) {
		size_t cap = s->cap == 0 ? 8 : s->cap * 2;
		struct cfg_entry *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			goto out_free;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].key = key;
	s->v[s->n].value = value;
	s->v[s->n].line = line;
	s->n++;
	cfg->n_items++;
	return 0;
out_free:
	free(key);
	free(value);
	return -1;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs around [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Only blanks or a comment may follow a closing quote or bracket. */
static bool
only_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == '#' || *s == ';';
}

/*
 * A quoted string starting at s (on the '"'): unescape \" and \\ into a new
 * string; *end is set past the closing quote. NULL with a cause in why.
 */
static char *
unquote(const char *s, const char **end, const char **why)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	size_t w = 0;

	if (out == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '"') {
			out[w] = '\0';
			*end = s + i + 1;
			return out;
		}
		if (s[i] == '\\') {
			if (i + 1 >= n)
				break;
			if (s[i + 1] != '"' && s[i + 1] != '\\') {
				*why =
				    "unknown escape in quoted value (only \\\" "
				    "and \\\\)";
				free(out);
				return NULL;
			}
			i++;
		}
		out[w++] = s[i];
	}
	*why = "unterminated quote";
	free(out);
	return NULL;
}

/* Parse one line (NUL-terminated, no line break). -1 with err set. */
static int
parse_line(struct nk_config *cfg, struct nk_config_section **cur,
    const char *line, unsigned line_no, struct nk_err *err)
{
	const char *p = line, *why = NULL;
	size_t n = strlen(line);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			nk_err_set(err, "%s:%u: control character 0x%02x",
			    cfg->name, line_no, c);
			return -1;
		}
	}
	trim(&p, &n);
	if (n == 0 || *p == '#' || *p == ';')
		return 0;
	if (cfg->n_items >= CFG_ITEMS_MAX) {
		nk_err_set(err, "%s:%u: too many entries (> %u)", cfg->name,
		    line_no, CFG_ITEMS_MAX);
		return -1;
	}

	if (*p == '[') {
		/* "[name]" or "[name label]" or "[name "quoted label"]". */
		const char *q = p + 1;
		q += strspn(q, " \t");
		size_t name_len = strspn(q, CFG_NAME_CHARS);
		if (name_len == 0) {
			why = "bad section header (expected [name] or "
			      "[name label])";
			goto out_err;
		}
		const char *name = q;
		q += name_len;
		size_t gap = strspn(q, " \t");
		char *label = NULL;
		if (gap > 0 && q[gap] == '"') {
			q += gap;
			label = unquote(q, &q, &why);
			if (label == NULL)
				goto out_err;
		} else if (gap > 0 && q[gap] != ']') {
			q += gap;
			size_t label_len = strcspn(q, " \t]");
			label = dup_text(q, label_len);
			q += label_len;
		} else {
			label = dup_text("", 0);
		}
		q += strspn(q, " \t");
		if (*q != ']' || !only_comment(q + 1)) {
			free(label);
			why = *q != ']' ? "bad section header (missing ']' or "
					  "junk inside)"
					: "bad section header (junk after ']')";
			goto out_err;
		}
		*cur =
		    section_add(cfg, dup_text(name, name_len), label, line_no);
		if (*cur == NULL) {
			why = "out of memory";
			goto out_err;
		}
		return 0;
	}

	const char *eq = memchr(p, '=', n);
	if (eq == NULL) {
		why = "expected 'key = value'";
		goto out_err;
	}
	const char *key = p;
	size_t key_len = (size_t)(eq - p);
	trim(&key, &key_len);
	if (key_len == 0) {
		why = "expected 'key = value' (empty key)";
		goto out_err;
	}
	if (strspn(key, CFG_NAME_CHARS) < key_len) {
		nk_err_set(err,
		    "%s:%u: bad key '%.*s' (letters, digits, _ . -)", cfg->name,
		    line_no, (int)(key_len > TEXT_MAX ? TEXT_MAX : key_len),
		    key);
		return -1;
	}
	const char *val = eq + 1;
	size_t val_len = n - (size_t)(val - p);
	trim(&val, &val_len);
	char *value;
	if (val_len > 0 && *val == '"') {
		const char *end;
		/* The line is NUL-terminated, so val runs to its end. */
		value = unquote(val, &end, &why);
		if (value == NULL)
			goto out_err;
		if (!only_comment(end)) {
			free(value);
			why = "junk after closing quote";
			goto out_err;
		}
	} else {
		value = dup_text(val, val_len);
	}
	if (*cur == NULL) {
		/* Keys before any [section]: the "" section. */
		*cur = section_add(cfg, dup_text("", 0), dup_text("", 0), 0);
		if (*cur == NULL) {
			free(value);
			why = "out of memory";
			goto out_err;
		}
	}
	if (entry_add(cfg, *cur, dup_text(key, key_len), value, line_no) != 0) {
		why = "out of memory";
		goto out_err;
	}
	return 0;
out_err:
	nk_err_set(err, "%s:%u: %s", cfg->name, line_no, why);
	return -1;
}

int
nk_config_parse(const char *name, const uint8_t *buf, size_t len,
    struct nk_config **out, struct nk_err *err)
{
	struct nk_config *cfg = NULL;
	struct nk_config_section *cur = NULL;
	char *line = NULL;
	unsigned line_no = 0;
	int rc = -1;

	if (name == NULL)
		name = "config";
	if (len > CFG_FILE_MAX) {
		nk_err_set(
		    err, "%s: larger than %u MiB", name, CFG_FILE_MAX >> 20);
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	line = malloc(CFG_LINE_MAX + 2);
	if (cfg == NULL || line == NULL ||
	    (cfg->name = dup_text(name, strlen(name))) == NULL) {
		nk_err_set(err, "%s: out of memory", name);
		goto out;
	}
	struct nk_rd r = nk_rd_make(buf, len);
	/* A UTF-8 byte order mark from a Windows editor. */
	if (nk_rd_left(&r) >= 3 && nk_rd_peek(&r, 0) == 0xef &&
	    nk_rd_peek(&r, 1) == 0xbb && nk_rd_peek(&r, 2) == 0xbf)
		nk_rd_skip(&r, 3);
	while (nk_rd_left(&r) > 0) {
		size_t n = 0;
		line_no++;
		while (nk_rd_left(&r) > 0) {
			uint8_t c = nk_rd_u8(&r);
			if (c == '\n')
				break;
			if (c == '\0') {
				nk_err_set(
				    err, "%s:%u: NUL byte", cfg->name, line_no);
				goto out;
			}
			/* One spare byte for a '\r' before the '\n'. */
			if (n == CFG_LINE_MAX + 1) {
				nk_err_set(err,
				    "%s:%u: line too long (> %u "
				    "bytes)",
				    cfg->name, line_no, CFG_LINE_MAX);
				goto out;
			}
			line[n++] = (char)c;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > CFG_LINE_MAX) {
			nk_err_set(err, "%s:%u: line too long (> %u bytes)",
			    cfg->name, line_no, CFG_LINE_MAX);
			goto out;
		}
		line[n] = '\0';
		if (parse_line(cfg, &cur, line, line_no, err) != 0)
			goto out;
	}
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	free(line);
	nk_config_free(cfg);
	return rc;
}

int
nk_config_load(const char *path, struct nk_config **out, struct nk_err *err)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		nk_err_set(err, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		if (n == cap) {
			if (cap > CFG_FILE_MAX) {
				nk_err_set(err, "%s: larger than %u MiB", path,
				    CFG_FILE_MAX >> 20);
				goto out;
			}
			cap = cap == 0 ? 16384 : cap * 2;
			if (cap > CFG_FILE_MAX + 1)
				cap = CFG_FILE_MAX + 1;
			uint8_t *p = realloc(buf, cap);
			if (p == NULL) {
				nk_err_set(err, "%s: out of memory", path);
				goto out;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				nk_err_set(err, "%s: read error", path);
				goto out;
			}
			break;
		}
	}
	rc = nk_config_parse(path, buf, n, out, err);
out:
	free(buf);
	if (f != NULL)
		(void)fclose(f);
	return rc;
}

const char *
nk_config_name(const struct nk_config *cfg)
{
	return cfg->name;
}

size_t
nk_config_n_sections(const struct nk_config *cfg)
{
	return cfg->n;
}

const struct nk_config_section *
nk_config_section_at(const struct nk_config *cfg, size_t i)
{
	return i < cfg->n ? cfg->s[i] : NULL;
}

const struct nk_config_section *
nk_config_find(const struct nk_config *cfg, const char *name, const char *label)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->s[i]->name, name) == 0 &&
		    (label == NULL || strcmp(cfg->s[i]->label, label) == 0))
			return cfg->s[i];
	return NULL;
}

const char *
nk_config_section_name(const struct nk_config_section *s)
{
	return s->name;
}

const char *
nk_config_section_label(const struct nk_config_section *s)
{
	return s->label;
}

unsigned
nk_config_section_line(const struct nk_config_section *s)
{
	return s->line;
}

size_t
nk_config_n_entries(const struct nk_config_section *s)
{
	return s == NULL ? 0 : s->n;
}

void
nk_config_entry_at(const struct nk_config_section *s, size_t i,
    const char **key, const char **value, unsigned *line)
{
	if (s == NULL || i >= s->n)
		return;
	if (key != NULL)
		*key = s->v[i].key;
	if (value != NULL)
		*value = s->v[i].value;
	if (line != NULL)
		*line = s->v[i].line;
}

const char *
nk_config_get(
    const struct nk_config_section *s, const char *key, unsigned *line)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].key, key) == 0) {
			if (line != NULL)
				*line = s->v[i].line;
			return s->v[i].value;
		}
	}
	return NULL;
}

/* "FILE:LINE: key 'k': " in front of the parser's message. */
static void
getter_err(const struct nk_config *cfg, unsigned line, const char *key,
    struct nk_err *err)
{
	nk_err_prefix(err, "%s:%u: key '%s'", cfg->name, line, key);
}

int
nk_config_get_u64(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, uint64_t min,
    uint64_t max, uint64_t *out, struct nk_err *err)
{
	unsigned line = 0;
	const char *v = nk_config_get(s, key, &line);

	if (v == NULL)
		return 0;
	if (nk_parse_u64(v, min, max, out, err) != 0) {
		getter_err(cfg, line, key, err);
		return -1;
	}
	return 0;
}

int
nk_config_get_double(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, double min, double max,
    double *out, struct nk_err *err)
{
	unsigned line = 0;
	const char *v = nk_config_get(s, key, &line);

	if (v == NULL)
		return 0;
	if (nk_parse_double(v, min, max, out, err) != 0) {
		getter_err(cfg, line, key, err);
		return -1;
	}
	return 0;
}

int
nk_config_get_duration_ns(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, int64_t bare_unit_ns,
    int64_t min_ns, int64_t max_ns, int64_t *out, struct nk_err *err)
{
	unsigned line = 0;
	const char *v = nk_config_get(s, key, &line);

	if (v == NULL)
		return 0;
	if (nk_parse_duration_ns(v, bare_unit_ns, min_ns, max_ns, out, err) !=
	    0) {
		getter_err(cfg, line, key, err);
		return -1;
	}
	return 0;
}

int
nk_config_get_bool(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, bool *out,
    struct nk_err *err)
{
	unsigned line = 0;
	const char *v = nk_config_get(s, key, &line);

	if (v == NULL)
		return 0;
	if (nk_parse_bool(v, out, err) != 0) {
		getter_err(cfg, line, key, err);
		return -1;
	}
	return 0;
}

int
nk_config_get_size_bytes(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *key, uint64_t max,
    uint64_t *out, struct nk_err *err)
{
	unsigned line = 0;
	const char *v = nk_config_get(s, key, &line);

	if (v == NULL)
		return 0;
	if (nk_parse_size_bytes(v, max, out, err) != 0) {
		getter_err(cfg, line, key, err);
		return -1;
	}
	return 0;
}

int
nk_config_check_keys(const struct nk_config *cfg,
    const struct nk_config_section *s, const char *const *allowed,
    struct nk_err *err)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		bool ok = false;
		for (size_t j = 0; allowed != NULL && allowed[j] != NULL; j++)
			if (strcmp(s->v[i].key, allowed[j]) == 0)
				ok = true;
		if (ok)
			continue;
		if (s->name[0] == '\0')
			nk_err_set(err, "%s:%u: unknown key '%s' at top level",
			    cfg->name, s->v[i].line, s->v[i].key);
		else if (s->label[0] == '\0')
			nk_err_set(err, "%s:%u: unknown key '%s' in [%s]",
			    cfg->name, s->v[i].line, s->v[i].key, s->name);
		else
			nk_err_set(err, "%s:%u: unknown key '%s' in [%s %s]",
			    cfg->name, s->v[i].line, s->v[i].key, s->name,
			    s->label);
		return -1;
	}
	return 0;
}
