/*
 * Fuzz the config parser: nk_config_parse on the input, then every getter
 * on every key found. A failure must name the file and leave no config; a
 * success must hold only what the format allows. Broken invariants trap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define NAME "fuzz.conf"

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* A getter either succeeds or says "fuzz.conf:LINE: key 'k': ...". */
static void
check_getter_err(int rc, const struct nk_err *err)
{
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(strncmp(nk_err_msg(err), NAME ":", sizeof(NAME)) == 0);
}

static void
exercise_key(const struct nk_config *cfg, const struct nk_config_section *s,
    const char *key)
{
	struct nk_err err = {{0}};
	uint64_t u = 0;
	double d = 0;
	int64_t ns = 0;
	bool b = false;

	check_getter_err(
	    nk_config_get_u64(cfg, s, key, 0, UINT64_MAX, &u, &err), &err);
	check_getter_err(
	    nk_config_get_u64(cfg, s, key, 1, 100, &u, &err), &err);
	if (nk_config_get_u64(cfg, s, key, 1, 100, &u, NULL) == 0 &&
	    nk_config_get(s, key, NULL) != NULL)
		CHECK(u >= 1 && u <= 100);
	check_getter_err(
	    nk_config_get_double(cfg, s, key, -1e6, 1e6, &d, &err), &err);
	check_getter_err(nk_config_get_duration_ns(cfg, s, key, NK_NS_PER_SEC,
			     0, INT64_MAX, &ns, &err),
	    &err);
	ns = -1;
	if (nk_config_get_duration_ns(
		cfg, s, key, 0, 0, NK_NS_PER_SEC, &ns, &err) == 0 &&
	    nk_config_get(s, key, NULL) != NULL)
		CHECK(ns >= 0 && ns <= NK_NS_PER_SEC);
	check_getter_err(nk_config_get_bool(cfg, s, key, &b, &err), &err);
	check_getter_err(
	    nk_config_get_size_bytes(cfg, s, key, UINT64_MAX, &u, &err), &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nk_config *cfg = NULL;
	struct nk_err err = {{0}};

	if (nk_config_parse(NAME, data, size, &cfg, &err) != 0) {
		CHECK(cfg == NULL);
		CHECK(strncmp(nk_err_msg(&err), NAME ":", sizeof(NAME)) == 0);
		return 0;
	}
	CHECK(cfg != NULL);
	CHECK(strcmp(nk_config_name(cfg), NAME) == 0);
	size_t n_sections = nk_config_n_sections(cfg);
	unsigned prev_line = 0;
	for (size_t i = 0; i < n_sections; i++) {
		const struct nk_config_section *s =
		    nk_config_section_at(cfg, i);
		CHECK(s != NULL);
		const char *name = nk_config_section_name(s);
		const char *label = nk_config_section_label(s);
		CHECK(name != NULL && label != NULL);
		CHECK(printable(name) && printable(label));
		/* Only the implicit first section has no name. */
		CHECK(name[0] != '\0' || (i == 0 && label[0] == '\0'));
		CHECK(nk_config_section_line(s) >= prev_line);
		prev_line = nk_config_section_line(s);
		const struct nk_config_section *f =
		    nk_config_find(cfg, name, label);
		CHECK(
		    f != NULL && strcmp(nk_config_section_name(f), name) == 0);

		size_t n = nk_config_n_entries(s);
		const char *first_key = NULL;
		for (size_t j = 0; j < n; j++) {
			const char *key = NULL, *value = NULL;
			unsigned line = 0, got_line = 0;
			nk_config_entry_at(s, j, &key, &value, &line);
			CHECK(key != NULL && value != NULL);
			CHECK(key[0] != '\0' && printable(key) &&
			    printable(value));
			CHECK(strlen(value) <= 4096);
			CHECK(line > prev_line || (i == 0 && line >= 1));
			const char *v = nk_config_get(s, key, &got_line);
			CHECK(v != NULL && got_line <= line);
			if (first_key == NULL)
				first_key = key;
			exercise_key(cfg, s, key);
		}
		exercise_key(cfg, s, "no-such-key");
		const char *const allowed[] = {first_key, NULL};
		int rc = nk_config_check_keys(cfg, s, allowed, &err);
		check_getter_err(rc, &err);
		const char *const none[] = {NULL};
		CHECK(nk_config_check_keys(cfg, s, none, &err) ==
		    (n > 0 ? -1 : 0));
	}
	CHECK(nk_config_section_at(cfg, n_sections) == NULL);
	nk_config_free(cfg);
	return 0;
}
