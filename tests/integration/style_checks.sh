#!/usr/bin/env bash
# House rules a compiler does not enforce (STYLE.md §1, §11):
# banned calls, lib/ never exits, every header guarded and self-contained.
. "$(dirname "$0")/../lib/harness.sh"
cd "$NK_TOP" || exit 1

srcs=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib multiping stormwatch mailprobe bgpwatch tests fuzz -name '*.[ch]')

hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atoll)\s*\(' $srcs 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(/\*|\*|//)')
if [ -z "$hits" ]; then
	nk_pass banned-calls
else
	nk_fail banned-calls "$(echo "$hits" | head -3 | tr '\n' ' ')"
fi

hits=$(grep -nE '\b(exit|_exit|abort)\s*\(' lib/*.c 2>/dev/null)
if [ -z "$hits" ]; then
	nk_pass lib-never-exits
else
	nk_fail lib-never-exits "$(echo "$hits" | head -3 | tr '\n' ' ')"
fi

bad=""
for h in lib/*.h; do
	guard=NK_$(basename "$h" .h | tr 'a-z' 'A-Z')_H
	grep -q "#ifndef $guard" "$h" || bad="$bad $h(guard)"
	printf '#include "%s"\n' "$(basename "$h")" >"$NK_TMP/hdr.c"
	if ! cc -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror \
		-Ilib $(pkg-config --cflags json-c) -fsyntax-only "$NK_TMP/hdr.c" 2>"$NK_TMP/hdr.err"; then
		bad="$bad $h(not self-contained: $(head -1 "$NK_TMP/hdr.err"))"
	fi
done
if [ -z "$bad" ]; then
	nk_pass headers-guarded-and-self-contained
else
	nk_fail headers-guarded-and-self-contained "$bad"
fi
# Docs that stay true: every event name and JSON field the code writes
# (nk_event_begin / nk_event_add_* with a literal) is in docs/events.md
bad=""
src="lib multiping stormwatch mailprobe bgpwatch"
# shellcheck disable=SC2086
for f in $(grep -rhoE 'nk_event_add_[a-z0-9_]+\([^,]+, *"[a-z_0-9]+"' --include=*.c $src |
	grep -oE '"[a-z_0-9]+"$' | tr -d '"' | sort -u); do
	grep -qE "(\`|\")$f(\`|\")" docs/events.md || bad="$bad field:$f"
done
# shellcheck disable=SC2086
for e in $(grep -rhoE 'nk_event_begin\([^,]+, *"[a-z_0-9]+"' --include=*.c $src |
	grep -oE '"[a-z_0-9]+"$' | tr -d '"' | sort -u); do
	grep -qE "^###.*\b$e\b" docs/events.md || bad="$bad event:$e"
done
if [ -z "$bad" ]; then
	nk_pass events-documented
else
	nk_fail events-documented "not in docs/events.md:$bad"
fi

# Docs that stay true: every tool has a man page, and groff renders each
# without a warning (a line starting with '.' or an unknown macro)
bad=""
for d in multiping stormwatch mailprobe bgpwatch; do
	m=man/$d.1
	if [ ! -f "$m" ]; then
		bad="$bad $m(missing)"
	else
		w=$(groff -ww -man -Tutf8 "$m" 2>&1 >/dev/null | head -1)
		[ -z "$w" ] || bad="$bad $m($w)"
	fi
done
if [ -z "$bad" ]; then
	nk_pass man-pages-render-clean
else
	nk_fail man-pages-render-clean "$bad"
fi
exit "$NK_FAILED"
