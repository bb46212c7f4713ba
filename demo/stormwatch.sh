#!/usr/bin/env bash
# demo/stormwatch.sh: (1) the incident from a capture: one mangled ping, 8
# reflectors named with their vendor; (2) live: the namespace storm lab of
# shared/lab-recipes/storm-lab.sh (it builds and removes its own namespaces)
# with stormwatch on the bridge naming the reflectors as a storm runs.
set -u
cd "$(dirname "$0")/.."
NK_BUILD=${NK_BUILD:-$PWD/${B:-build}}
NK_SHARED=${NK_SHARED:-$(cd .. && pwd)/shared}
SW=$NK_BUILD/stormwatch/stormwatch
LAB=$NK_SHARED/lab-recipes
PCAP=$NK_SHARED/data/pcap/lab-storm-group-ttl5.pcap

echo "## 1. offline: stormwatch -r $(basename "$PCAP")"
"$SW" -r "$PCAP"
echo "(exit $?: 2 = CRITICAL)"

if [ "$(id -u)" != 0 ] || [ ! -x "$LAB/storm-lab.sh" ]; then
	echo "## 2. live lab skipped (needs root and $LAB/storm-lab.sh)"
	exit 0
fi
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || PY=/usr/bin/python3
echo
echo "## 2. live: 6 buggy NETGEAR routers on a bridge, one mangled ping every 4 s;"
echo "##    stormwatch -i br0 --duration 9 --lines (in the lab's bridge namespace)"
PYTHON=$PY timeout 50 "$LAB/storm-lab.sh" -n 6 -t 4 -C 0 -P 4 \
	-x "$SW -i br0 --duration 9 --lines" 2>&1 |
	grep -v '^burst\|^   203\|^model\|^reflectors sent\|^wall\|packets captured\|^victim In'
rc=${PIPESTATUS[0]}
echo "(lab exit $rc = stormwatch's exit: 2 = CRITICAL; namespaces removed)"
exit 0
