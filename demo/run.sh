#!/usr/bin/env bash
# make demo: show each finished tool doing its main job on local data or a
# namespace lab that the demo builds and removes itself (no outside network).
set -u
cd "$(dirname "$0")/.."
export B=${B:-build}
export NK_TOP=$PWD
export NK_BUILD=$PWD/$B
export NK_SHARED=${NK_SHARED:-$(cd .. && pwd)/shared}
rc=0
shown=0
for d in demo/*.sh; do
	[ "$d" = demo/run.sh ] && continue
	tool=$(basename "$d" .sh)
	if [ ! -x "$NK_BUILD/$tool/$tool" ]; then
		continue
	fi
	printf '\n======== %s ========\n' "$tool"
	bash "$d" || { echo "demo $tool failed (exit $?)"; rc=1; }
	shown=$((shown + 1))
done
if [ "$shown" -eq 0 ]; then
	echo "demo: no tool is built yet; the shared library and tests are ready (make check)"
fi
exit $rc
