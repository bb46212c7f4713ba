#include "uidstate.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void
mp_inv_free(struct mp_inventory *inv)
{
	if (inv == NULL)
		return;
	free(inv->msgs);
	free(inv->gone);
	inv->msgs = NULL;
	inv->gone = NULL;
	inv->n = 0;
	inv->n_gone = 0;
}

int
mp_inv_add_gone(struct mp_inventory *inv, const struct mp_msgid *m)
{
	if (inv->gone == NULL) {
		inv->gone = calloc(MP_GONE_MAX, sizeof(*inv->gone));
		if (inv->gone == NULL)
			return -1;
	}
	if (inv->n_gone == MP_GONE_MAX) {
		memmove(inv->gone, inv->gone + 1,
		    (MP_GONE_MAX - 1) * sizeof(*inv->gone));
		inv->n_gone--;
	}
	inv->gone[inv->n_gone++] = *m;
	return 0;
}

int
mp_inv_add(struct mp_inventory *inv, const char *uid, uint64_t size,
    uint64_t digest, bool pseudo)
{
	struct mp_msgid *m;

	if (inv->n >= MP_INV_MAX)
		return -1;
	if (inv->n % 256 == 0) {
		struct mp_msgid *nm = realloc(inv->msgs,
		    (inv->n + 256) * sizeof(*nm));
		if (nm == NULL)
			return -1;
		inv->msgs = nm;
	}
	m = &inv->msgs[inv->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->uid, sizeof(m->uid), "%s", uid);
	m->size = size;
	m->digest = digest;
	m->pseudo = pseudo;
	inv->total_bytes += size;
	return 0;
}

uint64_t
mp_fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

static bool
is_id_field(const char *line, size_t n, size_t *colon)
{
	static const char *const names[] = {"message-id", "date", "from",
	    "subject"};
	const char *c = memchr(line, ':', n);

	if (c == NULL)
		return false;
	*colon = (size_t)(c - line);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == *colon &&
		    strncasecmp(line, names[i], *colon) == 0)
			return true;
	return false;
}

uint64_t
mp_header_digest(const char *hdr, size_t len, bool *pseudo)
{
	uint64_t h = MP_FNV_INIT;
	size_t i = 0;
	bool in_field = false;

	*pseudo = false;
	while (i < len) {
		const char *line = hdr + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		size_t colon = 0;

		i += n + (nl != NULL);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
				    line[n - 1] == '\t'))
			n--;
		if (n == 0)
			break; /* end of the header block */
		if (line[0] == ' ' || line[0] == '\t') {
			/* RFC 5322 2.2.3 folding: part of the field before */
			if (in_field) {
				size_t k = 0;
				while (k < n && (line[k] == ' ' || line[k] == '\t'))
					k++;
				h = mp_fnv1a(h, " ", 1);
				h = mp_fnv1a(h, line + k, n - k);
			}
			continue;
		}
		in_field = is_id_field(line, n, &colon);
		if (!in_field)
			continue;
		for (size_t k = 0; k < colon; k++) {
			char c = (char)tolower((unsigned char)line[k]);
			h = mp_fnv1a(h, &c, 1);
		}
		h = mp_fnv1a(h, ":", 1);
		{
			size_t k = colon + 1;
			while (k < n && (line[k] == ' ' || line[k] == '\t'))
				k++;
			h = mp_fnv1a(h, line + k, n - k);
			if (colon == 7 && strncasecmp(line, "subject", 7) == 0) {
				char sub[256];
				size_t sl = n - k < sizeof(sub) - 1 ? n - k
								    : sizeof(sub) - 1;
				memcpy(sub, line + k, sl);
				sub[sl] = '\0';
				/* UW-IMAP/mbx folder-internal data message */
				if (strstr(sub, "DO NOT DELETE THIS MESSAGE") !=
				    NULL)
					*pseudo = true;
			}
		}
		h = mp_fnv1a(h, "\n", 1);
	}
	return h;
}

static const struct mp_msgid *
find_uid(const struct mp_inventory *inv, const char *uid)
{
	for (unsigned i = 0; i < inv->n; i++)
		if (strcmp(inv->msgs[i].uid, uid) == 0)
			return &inv->msgs[i];
	return NULL;
}

static const struct mp_msgid *
find_content(const struct mp_inventory *inv, uint64_t size, uint64_t dg)
{
	for (unsigned i = 0; i < inv->n; i++)
		if (inv->msgs[i].size == size && inv->msgs[i].digest == dg)
			return &inv->msgs[i];
	return NULL;
}

static bool
find_gone(const struct mp_inventory *inv, uint64_t size, uint64_t dg)
{
	for (unsigned i = 0; i < inv->n_gone; i++)
		if (inv->gone[i].size == size && inv->gone[i].digest == dg)
			return true;
	return false;
}

int
mp_uid_carry_gone(const struct mp_inventory *old, struct mp_inventory *cur)
{
	if (old == NULL)
		return 0;
	for (unsigned i = 0; i < old->n_gone; i++)
		if (find_content(cur, old->gone[i].size,
			old->gone[i].digest) == NULL &&
		    mp_inv_add_gone(cur, &old->gone[i]) != 0)
			return -1;
	for (unsigned i = 0; i < old->n; i++)
		if (find_content(cur, old->msgs[i].size,
			old->msgs[i].digest) == NULL &&
		    mp_inv_add_gone(cur, &old->msgs[i]) != 0)
			return -1;
	return 0;
}

void
mp_uid_diff(const struct mp_inventory *old, const struct mp_inventory *cur,
    struct mp_uid_diff *d)
{
	memset(d, 0, sizeof(*d));
	if (old == NULL || (old->n == 0 && old->n_gone == 0 &&
			       old->uidvalidity < 0 && old->uidnext < 0)) {
		d->baseline = true;
		return;
	}
	d->old_uidvalidity = old->uidvalidity;
	d->new_uidvalidity = cur->uidvalidity;
	d->uidvalidity_changed = old->uidvalidity >= 0 &&
	    cur->uidvalidity >= 0 && old->uidvalidity != cur->uidvalidity;
	for (unsigned i = 0; i < cur->n; i++) {
		const struct mp_msgid *m = &cur->msgs[i];
		const struct mp_msgid *same = find_uid(old, m->uid);
		const struct mp_msgid *was;
		if (same != NULL && same->size == m->size &&
		    same->digest == m->digest) {
			d->n_same++;
			continue;
		}
		was = find_content(old, m->size, m->digest);
		if (was != NULL && find_uid(cur, was->uid) == NULL) {
			/* the same message under a new id */
			d->n_renumbered++;
			if (d->example[0] == '\0')
				snprintf(d->example, sizeof(d->example),
				    "%s -> %s", was->uid, m->uid);
		} else if (same != NULL) {
			d->n_reused++; /* the id now names another message */
		} else if (find_gone(old, m->size, m->digest)) {
			d->n_reappeared++;
			if (d->example_back[0] == '\0')
				snprintf(d->example_back,
				    sizeof(d->example_back), "as %s", m->uid);
		} else {
			d->n_new++;
		}
	}
	for (unsigned i = 0; i < old->n; i++) {
		const struct mp_msgid *m = &old->msgs[i];
		/* its content is nowhere now, whatever became of its id */
		if (find_content(cur, m->size, m->digest) == NULL)
			d->n_vanished++;
	}
}

/* Keys and uids are written as tokens: no spaces or control bytes. */
static bool
token_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Record lines: "K<tab>key" starts a section; then
 * "V uidvalidity uidnext", "M uid size digest pseudo" per message and
 * "G uid size digest pseudo" per message gone since an earlier run. */
int
mp_state_load(const char *path, const char *key, struct mp_inventory *out,
    struct nk_err *err)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		int e = errno;
		snprintf(out->key, sizeof(out->key), "%s", key);
		out->uidvalidity = out->uidnext = -1;
		if (e == ENOENT)
			return 1;
		nk_err_set(err, "state %s: %s", path, strerror(e));
		return -1;
	}
	int rc = mp_state_read(f, path, key, out, err);
	fclose(f);
	return rc;
}

/* A UIDVALIDITY or UIDNEXT as saved: -1 (unknown) or a 32-bit number. */
static bool
imap_number_ok(long long v)
{
	return v >= -1 && v <= (long long)UINT32_MAX;
}

int
mp_state_read(FILE *f, const char *path, const char *key,
    struct mp_inventory *out, struct nk_err *err)
{
	char line[1024];
	bool in = false, found = false;
	unsigned lineno = 0;

	snprintf(out->key, sizeof(out->key), "%s", key);
	out->uidvalidity = out->uidnext = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char uid[MP_UID_LEN];
		unsigned long long sz, dg;
		long long a, b;
		int ps;
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'K' && line[1] == '\t') {
			in = strcmp(line + 2, key) == 0;
			found = found || in;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "V %lld %lld", &a, &b) == 2) {
			if (!imap_number_ok(a) || !imap_number_ok(b)) {
				nk_err_set(err, "state %s:%u: UIDVALIDITY or "
				    "UIDNEXT out of range", path, lineno);
				return -1;
			}
			out->uidvalidity = a;
			out->uidnext = b;
		} else if (sscanf(line, "G %71s %llu %llx %d", uid, &sz, &dg,
			       &ps) == 4) {
			struct mp_msgid g;
			memset(&g, 0, sizeof(g));
			snprintf(g.uid, sizeof(g.uid), "%s", uid);
			g.size = sz;
			g.digest = dg;
			g.pseudo = ps != 0;
			if (mp_inv_add_gone(out, &g) != 0) {
				nk_err_set(err, "state %s:%u: out of memory",
				    path, lineno);
				return -1;
			}
		} else if (sscanf(line, "M %71s %llu %llx %d", uid, &sz, &dg,
			       &ps) == 4) {
			if (mp_inv_add(out, uid, sz, dg, ps != 0) != 0) {
				nk_err_set(err, "state %s:%u: too many "
				    "messages", path, lineno);
				return -1;
			}
		} else {
			nk_err_set(err, "state %s:%u: unreadable record", path,
			    lineno);
			return -1;
		}
	}
	return found ? 0 : 1;
}

int
mp_state_save(const char *path, const struct mp_inventory *inv,
    struct nk_err *err)
{
	char tmp[4200], line[1024];
	FILE *in, *out;
	bool skip = false;

	if (strchr(inv->key, '\n') != NULL) {
		nk_err_set(err, "state %s: bad key", path);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		nk_err_set(err, "state %s: path too long", path);
		return -1;
	}
	out = fopen(tmp, "w");
	if (out == NULL) {
		nk_err_set(err, "state %s: %s", tmp, strerror(errno));
		return -1;
	}
	in = fopen(path, "r");
	fprintf(out, "# mailprobe UID state v1; one K section per mailbox\n");
	while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		if (line[0] == '#')
			continue;
		if (line[0] == 'K' && line[1] == '\t') {
			char k[1024];
			snprintf(k, sizeof(k), "%s", line + 2);
			k[strcspn(k, "\n")] = '\0';
			skip = strcmp(k, inv->key) == 0;
		}
		if (!skip)
			fputs(line, out);
	}
	if (in != NULL)
		fclose(in);
	fprintf(out, "K\t%s\nV %" PRId64 " %" PRId64 "\n", inv->key,
	    inv->uidvalidity, inv->uidnext);
	for (unsigned i = 0; i < inv->n; i++)
		if (token_ok(inv->msgs[i].uid))
			fprintf(out, "M %s %" PRIu64 " %" PRIx64 " %d\n",
			    inv->msgs[i].uid, inv->msgs[i].size,
			    inv->msgs[i].digest, inv->msgs[i].pseudo ? 1 : 0);
	for (unsigned i = 0; i < inv->n_gone; i++)
		if (token_ok(inv->gone[i].uid))
			fprintf(out, "G %s %" PRIu64 " %" PRIx64 " %d\n",
			    inv->gone[i].uid, inv->gone[i].size,
			    inv->gone[i].digest, inv->gone[i].pseudo ? 1 : 0);
	if (fclose(out) != 0 || rename(tmp, path) != 0) {
		nk_err_set(err, "state %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
