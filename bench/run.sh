#!/usr/bin/env bash
# make bench: run each tool's benchmark (bench/<tool>.sh) side by side with
# the peer tool a user would pick instead; each prints its ratios and the
# exact commands. Timings are reported, never asserted.
set -u
cd "$(dirname "$0")/.."
export B=${B:-build}
export NK_TOP=$PWD
export NK_BUILD=$PWD/$B
export NK_SHARED=${NK_SHARED:-$(cd .. && pwd)/shared}
rc=0
for b in bench/*.sh; do
	[ "$b" = bench/run.sh ] && continue
	tool=$(basename "$b" .sh)
	if [ ! -x "$NK_BUILD/$tool/$tool" ]; then
		echo "== bench $tool: not built, skipped"
		continue
	fi
	echo "== bench $tool"
	bash "$b" || { echo "bench $tool failed (exit $?)"; rc=1; }
done
exit $rc
