#!/usr/bin/env bash
# demo/bgpwatch.sh: replay the two-upstream incident recorded in our lab
# ($NK_SHARED/data/bgp/lab: two transits feeding a BIRD collector that
# wrote MRT) and show bgpwatch's alarms, its plugin check and its shell
# views. No network; a temp dir for the config, removed at the end.
set -u
NK_TOP=${NK_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
NK_BUILD=${NK_BUILD:-$NK_TOP/build}
NK_SHARED=${NK_SHARED:-$(cd "$NK_TOP/.." && pwd)/shared}
BW=$NK_BUILD/bgpwatch/bgpwatch
L=$NK_SHARED/data/bgp/lab
if [ ! -f "$L/lab-two-upstreams.bgp4mp.mrt" ]; then
	echo "bgpwatch demo: lab data not found in $L"
	exit 1
fi
T=$(mktemp -d /tmp/bgpwatch-demo.XXXXXX)
LIVE_NS=""
cleanup() {
	local n p
	for n in $LIVE_NS; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	[ -n "$LIVE_NS" ] && sleep 0.3
	for n in $LIVE_NS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
cat >"$T/bgpwatch.conf" <<CONF
# An ISP with two transits (FIELD-NOTES §2).
[upstream transitA]
peer = 10.201.0.1
asn = 65010
[upstream transitB]
peer = 10.201.0.3
asn = 65020
[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
prefix = 203.0.113.0/24
[engine]
visibility_min_prefixes = 1
CONF
RIB=$L/lab-two-upstreams.rib4.t0-both-full.mrt
UPD=$L/lab-two-upstreams.bgp4mp.mrt
run() { echo; echo "\$ $*"; "$@"; }

echo "The routing table before the incident (bgpdump -m format):"
run "$BW" dump "$RIB"
echo
echo "Replaying the updates of both upstreams with their original times:"
run "$BW" replay --no-tui -q --config "$T/bgpwatch.conf" "$RIB" "$UPD"
echo
echo "cron / monitoring plugin: is 192.0.2.0/24 reachable via both upstreams?"
run "$BW" check --prefix 192.0.2.0/24 --config "$T/bgpwatch.conf" "$RIB"
echo "(exit $?)"
run "$BW" check --prefix 192.0.2.0/24 --config "$T/bgpwatch.conf" "$RIB" "$UPD"
echo "(exit $?)"
echo
echo "Every upstream's view of 198.51.100.0/24 at the end:"
run "$BW" show --config "$T/bgpwatch.conf" 198.51.100.0/24 "$RIB" "$UPD"
echo
echo "What changed between two RIB dumps, per upstream:"
run "$BW" diff --config "$T/bgpwatch.conf" "$RIB" "$L/lab-two-upstreams.rib4.t5-after-B-down.mrt"

# ---- live: the same incident from real BGP sessions (issue 7)
if [ "$(id -u)" != 0 ] || ! command -v exabgp >/dev/null; then
	echo
	echo "(live part skipped: needs root and exabgp)"
	exit 0
fi
echo
echo "Live: two upstreams (ExaBGP) peer with 'bgpwatch collect' in a namespace lab."
P=bwd$$
LIVE_NS="${P}p ${P}c"
ip netns add "${P}p" && ip netns add "${P}c" || exit 0
ip link add "${P}1" type veth peer name "${P}2"
ip link set "${P}1" netns "${P}p"
ip link set "${P}2" netns "${P}c"
ip -n "${P}p" addr add 10.201.0.1/24 dev "${P}1"
ip -n "${P}p" addr add 10.201.0.3/24 dev "${P}1"
ip -n "${P}c" addr add 10.201.0.2/24 dev "${P}2"
for n in ${P}p ${P}c; do ip -n "$n" link set lo up; done
ip -n "${P}p" link set "${P}1" up
ip -n "${P}c" link set "${P}2" up
cat >"$T/live.conf" <<CONF
[collector]
asn = 65001
router_id = 10.201.0.2
listen = 10.201.0.2:179
[upstream transitA]
peer = 10.201.0.1
asn = 65010
[upstream transitB]
peer = 10.201.0.3
asn = 65020
[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
CONF
cat "$T/live.conf"
ip netns exec "${P}c" "$BW" collect --config "$T/live.conf" >"$T/live.out" 2>"$T/live.err" &
for u in A:10.201.0.1:65010 B:10.201.0.3:65020; do
	IFS=: read -r n a as <<<"$u"
	printf '%s\n' "announce route 192.0.2.0/24 next-hop self as-path [ $as 64500 ]" \
		"announce route 198.51.100.0/24 next-hop self as-path [ $as 64501 ]" >"$T/cmds$n"
	cat >"$T/exa$n.conf" <<EXA
process cmds { run /usr/bin/tail -n +1 -F $T/cmds$n; encoder text; }
neighbor 10.201.0.2 { router-id $a; local-address $a; local-as $as; peer-as 65001;
  family { ipv4 unicast; } api { processes [ cmds ]; } }
EXA
	env exabgp.daemon.user=root exabgp.log.destination="$T/exa$n.log" exabgp.api.ack=false \
		ip netns exec "${P}p" exabgp "$T/exa$n.conf" >/dev/null 2>&1 &
done
wait_for() { for _ in $(seq 1 200); do grep -q "$1" "$T/live.out" && return 0; sleep 0.1; done; return 1; }
step() { echo; echo "--- $1"; shift; "$@"; }
wait_for "established.*transitB\|transitB.*established" || true
wait_for "announced by transitB\|also via transitB" || true
sleep 0.5
cat "$T/live.out"
SHOWN=$(wc -l <"$T/live.out")
show_new() { sleep "$1"; tail -n +$((SHOWN + 1)) "$T/live.out"; SHOWN=$(wc -l <"$T/live.out"); }
step "transitA withdraws 192.0.2.0/24" sh -c "echo 'withdraw route 192.0.2.0/24' >>'$T/cmdsA'"
wait_for "withdrawn by transitA, still via transitB"; show_new 0.3
step "transitB withdraws it too" sh -c "echo 'withdraw route 192.0.2.0/24' >>'$T/cmdsB'"
wait_for "no upstream announces it"; show_new 0.3
step "transitA shuts its session down (Cease)" sh -c "echo 'neighbor 10.201.0.2 teardown 2' >>'$T/cmdsA'"
wait_for "peer down"; show_new 0.5
echo
echo "one log line per event (stderr):"
grep -E 'event=(withdrawn|unreachable|session_down)' "$T/live.err" | head -3
exit 0
