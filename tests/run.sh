#!/usr/bin/env bash
# Run every unit test, fuzz-corpus replay and integration test; end with
# one line "N passed, N failed, N skipped". Under CI=true a skip is a failure.
# Usage: B=build-san tests/run.sh [FILTER]   (FILTER: substring of test names)
set -u
cd "$(dirname "$0")/.."
B=${B:-build-san}
FILTER=${1:-}
export NK_BUILD=$PWD/$B
export NK_TOP=$PWD
export NK_SHARED=${NK_SHARED:-$(cd .. && pwd)/shared}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0
failures=()
log_dir=$(mktemp -d /tmp/nockit-tests.XXXXXX)

record() { # result name [reason]
	case "$1" in
	PASS) passed=$((passed + 1)) ;;
	FAIL) failed=$((failed + 1)); failures+=("$2${3:+: $3}") ;;
	SKIP)
		if [ "${CI:-}" = true ]; then
			failed=$((failed + 1)); failures+=("$2: skipped under CI=true: ${3:-}")
			echo "FAIL (skip under CI) $2: ${3:-}"
			return
		fi
		skipped=$((skipped + 1)) ;;
	esac
	echo "$1 $2${3:+: $3}"
}

want() { [ -z "$FILTER" ] || [[ "$1" == *"$FILTER"* ]]; }

# Unit tests: cmocka prints "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)".
for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	want "$name" || continue
	out=$log_dir/$(basename "$t").log
	timeout 300 "$t" >"$out" 2>&1
	rc=$?
	np=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	nf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	np=${np:-0} nf=${nf:-0}
	skips=$(grep -c '^\[  SKIPPED \]' "$out")
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then nf=1; fi
	for _ in $(seq 1 "$np"); do passed=$((passed + 1)); done
	for _ in $(seq 1 "$nf"); do failed=$((failed + 1)); done
	if [ "$skips" -gt 0 ]; then
		while read -r line; do record SKIP "$name ${line#*] }" "$(grep -m1 'SKIP' "$out")"; done \
			< <(grep '^\[  SKIPPED \]' "$out")
	fi
	if [ "$nf" -gt 0 ]; then
		failures+=("$name (rc=$rc)")
		echo "FAIL $name: $nf failed, log:"; sed 's/^/    /' "$out" | tail -40
	else
		echo "PASS $name ($np cases)"
	fi
done

# Fuzz targets, replayed once over their seed corpus.
for t in "$B"/fuzz/replay_fuzz_*; do
	[ -x "$t" ] || continue
	target=${t##*/replay_}
	name=fuzz/$target
	want "$name" || continue
	corpus=fuzz/corpus/${target#fuzz_}
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
		record FAIL "$name" "no seed corpus in $corpus"
		continue
	fi
	if timeout 600 "$t" "$corpus" >"$log_dir/$target.log" 2>&1; then
		record PASS "$name" "$(ls "$corpus" | wc -l) inputs"
	else
		record FAIL "$name" "see below"; tail -30 "$log_dir/$target.log" | sed 's/^/    /'
	fi
done

# Integration tests print "PASS name", "FAIL name: why", "SKIP name: why".
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=integration/$(basename "$t" .sh)
	want "$name" || continue
	out=$log_dir/$(basename "$t").log
	timeout 1200 bash "$t" >"$out" 2>&1
	rc=$?
	n=0
	while read -r res rest; do
		case "$res" in
		PASS|FAIL|SKIP) n=$((n + 1)); tname=${rest%%:*}; why=${rest#*: }
			[ "$why" = "$rest" ] && why=""
			record "$res" "$name/$tname" "$why" ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$out")
	if [ "$rc" -ne 0 ] || [ "$n" -eq 0 ]; then
		if ! grep -q '^FAIL ' "$out"; then
			record FAIL "$name" "exit $rc, no verdict line"
		fi
		echo "    log of $name:"; tail -40 "$out" | sed 's/^/    /'
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
fi
rm -rf "$log_dir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
