#!/usr/bin/env bash
# bgpwatch collect as a BMP listener in a namespace lab: GoBGP (the
# monitored router) peers with two ExaBGP upstreams and reports them over
# BMP; their Peer Up/Down and Route Monitoring feed the watch engine as
# upstreams, giving the same events as direct sessions: "withdrawn by A,
# still via B", unreachable, and "peer down" with the NOTIFICATION reason.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail bmp-setup "bgpwatch not built at $BW"
	exit 1
fi
nk_need_root bmp || exit 0
for t in exabgp gobgpd gobgp; do
	if ! command -v "$t" >/dev/null; then
		nk_skip bmp-live "$t not installed (scripts/deps/bgpwatch.txt)"
		exit 0
	fi
done
if ! bgp_lab_up; then
	nk_fail bmp-setup "namespace lab did not come up"
	exit 1
fi
T=$NK_TMP
OUT=$T/bw.out
cat >"$T/bw.conf" <<CONF
# BMP only: no [collector], the upstreams are the router's peers
[bmp]
listen = 10.201.0.2:11019
view = pre-policy

[upstream A]
peer = 10.201.0.2
asn = 65030

[upstream B]
peer = 10.201.0.6
asn = 65031

[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
CONF
BWPID=$(nk_daemon_ns "$BGP_NS_C" bw "$BW" collect --config "$T/bw.conf" --json)
nk_wait_for 5 grep -q "event=collector_started" "$T/bw.err" || {
	nk_fail bmp-start "collector: $(cat "$T/bw.err")"
	exit 1
}
cat >"$T/gobgpd.toml" <<TOML
[global.config]
  as = 65020
  router-id = "10.201.0.1"
  port = 179
  local-address-list = ["10.201.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.201.0.2"
    peer-as = 65030
  [neighbors.timers.config]
    hold-time = 30
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.201.0.6"
    peer-as = 65031
  [neighbors.timers.config]
    hold-time = 30
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[bmp-servers]]
  [bmp-servers.config]
    address = "10.201.0.2"
    port = 11019
    route-monitoring-policy = "all"
    statistics-timeout = 15
TOML
GOPID=$(nk_daemon_ns "$BGP_NS_P" gobgpd gobgpd -f "$T/gobgpd.toml" -p \
	--api-hosts 127.0.0.1:50051 --pprof-disable)
exa() { # NAME LOCAL AS
	cat >"$T/exa-$1.conf" <<EXA
process cmds {
    run /usr/bin/tail -n +1 -F $T/cmds-$1.txt;
    encoder text;
}
neighbor 10.201.0.1 {
    router-id $2;
    local-address $2;
    local-as $3;
    peer-as 65020;
    hold-time 30;
    family { ipv4 unicast; }
    api { processes [ cmds ]; }
}
EXA
	printf '%s\n' \
		"announce route 192.0.2.0/24 next-hop self as-path [ $3 64500 ] origin igp" \
		"announce route 198.51.100.0/24 next-hop self as-path [ $3 64501 ] origin igp" \
		>"$T/cmds-$1.txt"
	nk_daemon_ns "$BGP_NS_C" "exa$1" env exabgp.daemon.user=root \
		exabgp.log.destination="$T/exa-$1.log" exabgp.api.ack=false \
		exabgp.daemon.daemonize=false exabgp "$T/exa-$1.conf" >/dev/null
}
exa A 10.201.0.2 65030
exa B 10.201.0.6 65031

if nk_wait_for 40 bgp_has "$OUT" bmp_router_up "GoBGP"; then
	nk_pass bmp-router-up
else
	nk_fail bmp-router-up "no bmp_router_up: $(tail -3 "$T/bw.err")"
fi
for n in A B; do
	if nk_wait_for 40 bgp_has "$OUT" session_up "\"peer\":\"$n\""; then
		nk_pass "bmp-peer-up-$n"
	else
		nk_fail "bmp-peer-up-$n" "no session_up for $n via BMP"
	fi
done
nk_wait_for 20 bash -c "[ \$(grep -c '\"event\":\"announced\".*192.0.2.0/24' $OUT) -ge 2 ]" ||
	nk_fail bmp-announced "192.0.2.0/24 not announced by both via BMP"
echo 'withdraw route 192.0.2.0/24' >>"$T/cmds-A.txt"
if nk_wait_for 10 bgp_has "$OUT" withdrawn "withdrawn by A, still via B"; then
	nk_pass bmp-withdrawn-still-via
else
	nk_fail bmp-withdrawn-still-via "$(grep 192.0.2.0 "$OUT" | tail -3)"
fi
echo 'withdraw route 192.0.2.0/24' >>"$T/cmds-B.txt"
if nk_wait_for 10 bgp_has "$OUT" unreachable '"prefix":"192.0.2.0/24"'; then
	nk_pass bmp-unreachable
else
	nk_fail bmp-unreachable "no unreachable via BMP"
fi
echo 'neighbor 10.201.0.1 teardown 2' >>"$T/cmds-B.txt"
if nk_wait_for 15 bgp_has "$OUT" session_down "peer down: BMP from GoBGP: remote system closed the session with a NOTIFICATION: administrative shutdown"; then
	nk_pass bmp-peer-down-reason
else
	nk_fail bmp-peer-down-reason "$(grep session_down "$OUT" | tail -2)"
fi
if nk_wait_for 5 bgp_has "$OUT" withdrawn "198.51.100.0/24" &&
	bgp_has "$OUT" withdrawn "withdrawn by B (session down), still via A"; then
	nk_pass bmp-peer-down-implicit-withdraw
else
	nk_fail bmp-peer-down-implicit-withdraw "$(grep 198.51.100 "$OUT" | tail -2)"
fi
# the router goes away: its peers go down with it
kill "$GOPID" 2>/dev/null # ip netns exec execs gobgpd: same pid
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"A"'; then
	nk_pass bmp-router-gone
else
	nk_fail bmp-router-gone "A not down after the BMP connection closed"
fi
kill -TERM "$BWPID"
exit $NK_FAILED
