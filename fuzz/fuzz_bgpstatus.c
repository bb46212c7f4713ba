/*
 * fuzz_bgpstatus: the collector's status-file parser (lib/bgpstatus.c), as
 * `bgpwatch status` runs it on whatever the file holds. A success must
 * stay within the caps with clean strings, and survive a round trip
 * (format, parse again: the same counts). Broken invariants trap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static bool
clean(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nk_bgpstatus st, st2;
	struct nk_bgpstatus_counts c1, c2;
	struct nk_err err = {{0}};
	char *out = NULL;
	size_t len = 0;

	if (nk_bgpstatus_parse(data, size, &st, &err) != 0) {
		CHECK(nk_err_msg(&err)[0] != '\0');
		return 0;
	}
	CHECK(st.time_ns != 0);
	CHECK(st.n_up <= NK_BGPSTATUS_MAX_UP);
	CHECK(st.n_sess <= NK_BGPSTATUS_MAX_SESS);
	CHECK(st.n_prefix <= NK_BGPSTATUS_MAX_PREFIX);
	CHECK(st.n_alarm <= NK_BGPSTATUS_MAX_ALARM);
	CHECK(clean(st.stopped, sizeof(st.stopped)));
	for (size_t i = 0; i < st.n_up; i++)
		CHECK(clean(st.upstream[i], sizeof(st.upstream[i])) &&
		    st.upstream[i][0] != '\0');
	for (size_t i = 0; i < st.n_sess; i++) {
		const struct nk_bgpstatus_sess *s = &st.sess[i];
		CHECK(clean(s->name, sizeof(s->name)) && s->name[0] != '\0');
		CHECK(clean(s->state, sizeof(s->state)));
		CHECK(clean(s->reason, sizeof(s->reason)));
		CHECK(clean(s->addr, sizeof(s->addr)));
	}
	for (size_t i = 0; i < st.n_prefix; i++) {
		CHECK(clean(st.prefix[i].prefix, sizeof(st.prefix[i].prefix)));
		for (size_t u = 0; u < NK_BGPSTATUS_MAX_UP; u++)
			CHECK(
			    st.prefix[i].up_state[u] <= NK_BGPSTATUS_WITHDRAWN);
	}
	for (size_t i = 0; i < st.n_alarm; i++)
		CHECK(st.alarm[i].sev == NK_SEV_WARNING ||
		    st.alarm[i].sev == NK_SEV_CRITICAL);
	nk_bgpstatus_count(&st, &c1);
	CHECK(c1.sessions_up + c1.sessions_down == st.n_sess);
	CHECK(c1.prefixes_unreachable + c1.prefixes_withdrawn_somewhere <=
	    c1.prefixes_watched);
	if (nk_bgpstatus_fmt(&st, &out, &len, &err) != 0)
		return 0; /* out of memory */
	CHECK(len > 0 && out[len - 1] == '\n' && strlen(out) == len);
	CHECK(nk_bgpstatus_parse((const uint8_t *)out, len, &st2, &err) == 0);
	nk_bgpstatus_count(&st2, &c2);
	CHECK(memcmp(&c1, &c2, sizeof(c1)) == 0);
	CHECK(st2.n_up == st.n_up && st2.n_sess == st.n_sess &&
	    st2.n_prefix == st.n_prefix && st2.n_alarm == st.n_alarm);
	CHECK(strcmp(st2.stopped, st.stopped) == 0);
	free(out);
	return 0;
}
