#!/usr/bin/env bash
# stormwatch live: (1) capture on the storm lab's bridge while a storm runs
# (shared/lab-recipes/storm-lab.sh, its own nks<PID> namespaces); (2) the
# one-frame --probe against emulated buggy routers and a well-behaved host
# in namespaces this test makes (203.0.113.0/24 inside them only).
# shellcheck source=../lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

SW=$(nk_bin stormwatch)
LAB=$NK_SHARED/lab-recipes
T=$(nk_tmpdir)
nk_need_root live || exit 0
if [ ! -x "$LAB/storm-lab.sh" ] || [ ! -f "$LAB/storm_reflector.py" ]; then
	nk_skip live "storm lab recipes not found under $LAB"
	exit 0
fi
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || PY=/usr/bin/python3
# nobody must be able to write the capture's outputs in $T
chmod 0777 "$T"

# 1. Live capture on br0 while a storm runs (group MAC, 8 reflectors, TTL 4)
PYTHON=$PY timeout 60 "$LAB/storm-lab.sh" -n 8 -t 4 \
	-x "timeout 20 $SW -i br0 --duration 4 --json > $T/live.json 2> $T/live.err" \
	>"$T/lab.out" 2>&1
lab_rc=$?
nk_expect live/lab_and_tool_exit "$lab_rc" 2
refl=$(jq -r 'select(.event=="offender" and .final) | .ip + " " + .vendor' "$T/live.json" 2>/dev/null | sort -u)
nk_expect live/eight_reflectors "$(echo "$refl" | grep -c .)" 8
nk_expect live/all_netgear "$(echo "$refl" | grep -vc ' NETGEAR$')" 0
nk_expect live/victim "$(jq -r 'select(.event=="storm_start") | .victim' "$T/live.json" 2>/dev/null)" 203.0.113.10
nk_expect live/originator "$(jq -r 'select(.event=="storm_start") | .originator' "$T/live.json" 2>/dev/null)" 203.0.113.2
nk_expect live/copies "$(jq -r 'select(.event=="storm_end") | .copies' "$T/live.json" 2>/dev/null)" 456
nk_expect live/kernel_drops_reported "$(jq -r 'select(.event=="capture_stats") | .kernel_drops' "$T/live.json" 2>/dev/null | tail -1)" 0

# 2. --probe: two buggy routers, one correct host, a victim
BR=$(nk_netns_add br) || { nk_fail probe/setup "netns"; exit 1; }
ip -n "$BR" link add br0 type bridge stp_state 0 mcast_snooping 0
ip -n "$BR" link set br0 up
host() { # NAME MAC IP PORT (runs in $(...): no shared counters)
	local ns port=$4
	ns=$(nk_netns_add "$1") || return 1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip link add "p$port" netns "$BR" type veth peer name eth0 netns "$ns" || return 1
	ip -n "$BR" link set "p$port" master br0 up
	ip -n "$ns" link set eth0 address "$2" up
	ip -n "$ns" addr add "$3/24" dev eth0
	echo "$ns"
}
MON=$(host mon 02:6e:6b:00:00:02 203.0.113.2 1)
VIC=$(host vic 00:22:72:0a:00:0a 203.0.113.10 2)
R1=$(host r1 00:09:5b:4e:00:01 203.0.113.101 3)
R2=$(host r2 00:14:6c:4e:00:02 203.0.113.102 4)
GOOD=$(host good 00:1b:21:4e:00:03 203.0.113.103 5)
RPIDS=()
for i in 1 2; do
	ns=R$i
	RPIDS+=("$(nk_daemon_ns "${!ns}" refl$i "$PY" "$LAB/storm_reflector.py" --if eth0 \
		--ip "203.0.113.10$i" --mac "$(ip -n "${!ns}" -br link show eth0 | awk '{print $3}')" \
		--ready "$T/r$i.ready" --stats "$T/r$i.json")")
done
if ! nk_wait_for 10 test -f "$T/r1.ready" -a -f "$T/r2.ready"; then
	nk_fail probe/setup "reflectors did not start"
	exit 1
fi
# the capturing host's own MAC and address, found for offload awareness
ip netns exec "$MON" timeout 10 "$SW" -i eth0 --duration 0.3 -v --lines >"$T/loc.out" 2>"$T/loc.err"
nk_expect_grep live/local_addresses "$T/loc.err" 'event=local_addresses interface=eth0 local_macs=1 local_ips=1$'
ip netns exec "$MON" timeout 20 "$SW" --probe eth0 --victim 203.0.113.10 \
	--victim-mac 00:22:72:0a:00:0a --listen 1.5 >"$T/probe.out" 2>"$T/probe.err"
nk_expect probe/exit_critical "$?" 2
nk_expect probe/reflectors "$(awk '$1 == "reflector" {print $2}' "$T/probe.out" | sort | tr '\n' ' ')" \
	"203.0.113.101 203.0.113.102 "
nk_expect_grep probe/vendor "$T/probe.out" 'reflector +203\.0\.113\.101 +00:09:5b:4e:00:01 NETGEAR'
nk_expect probe/good_host_not_listed "$(grep -c '203\.0\.113\.103' "$T/probe.out")" 0
nk_expect_grep probe/one_frame_sent "$T/probe.out" 'sent +1 frame: ICMP echo'
# exactly one frame went out: each buggy router copied it once (TTL 2 -> 1,
# which nobody copies again)
kill -TERM "${RPIDS[@]}" 2>/dev/null
nk_wait_for 5 test -s "$T/r1.json" -a -s "$T/r2.json"
nk_expect probe/one_copy_each "$(cat "$T/r1.json" "$T/r2.json" 2>/dev/null | jq -r .tx | tr '\n' ' ')" "1 1 "
# the well-behaved host only; no reflector: OK, exit 0
ip -n "$R1" link set eth0 down
ip -n "$R2" link set eth0 down
ip netns exec "$MON" timeout 20 "$SW" --probe eth0 --victim 203.0.113.10 --listen 1 \
	>"$T/probe2.out" 2>"$T/probe2.err"
nk_expect probe/ok_without_buggy_routers "$?" 0
nk_expect_grep probe/none "$T/probe2.out" '0 host\(s\) reflected'
ip netns exec "$MON" timeout 10 "$SW" --probe nksw0 --victim 203.0.113.10 >"$T/probe3.out" 2>"$T/probe3.err"
nk_expect probe/unknown_iface_exit3 "$?" 3
nk_expect_grep probe/unknown_iface_named "$T/probe3.err" 'nksw0'
ip netns exec "$MON" "$SW" --probe eth0 >"$T/probe4.out" 2>"$T/probe4.err"
nk_expect probe/needs_victim "$?" 3
exit 0
