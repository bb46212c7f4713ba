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
bmp_collector_start bmp || exit 1
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
# two ExaBGP upstreams of the router, in the collector's namespace
for u in "A 10.201.0.2 65030" "B 10.201.0.6 65031"; do
	set -- $u
	bgp_exa_conf "$1" "$2" "$3" "" 10.201.0.1 65020
	printf '%s\n' \
		"announce route 192.0.2.0/24 next-hop self as-path [ $3 64500 ] origin igp" \
		"announce route 198.51.100.0/24 next-hop self as-path [ $3 64501 ] origin igp" \
		>>"$T/cmds-$1.txt"
	bgp_exa_start "$1" "$BGP_NS_C"
done
bmp_scenario bmp GoBGP
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
