#!/usr/bin/env bash
# Run each libFuzzer target for FUZZ_SECONDS from its seed corpus (make fuzz).
# New interesting inputs go to a scratch dir, not the repo; crashes are kept
# in build-fuzz/crashes/ and make the run fail.
set -u
cd "$(dirname "$0")/.."
B=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
rc=0
mkdir -p "$B/crashes"
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	scratch=$(mktemp -d)
	echo "== $name for ${secs}s"
	if ! "$t" -max_total_time="$secs" -artifact_prefix="$B/crashes/$name-" \
		"$scratch" "fuzz/corpus/${name#fuzz_}" 2>"$B/$name.log"; then
		echo "FAIL $name: see $B/$name.log and $B/crashes/"; rc=1
	else
		grep -E '^Done [0-9]+ runs' "$B/$name.log" | tail -1
	fi
	rm -rf "$scratch"
done
exit $rc
