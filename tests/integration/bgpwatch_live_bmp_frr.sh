#!/usr/bin/env bash
# bgpwatch collect as a BMP listener for FRR 8.4 (bgpd -M bmp): the same
# scenario as bgpwatch_live_bmp.sh (GoBGP), so both BMP senders must give
# the events a direct session gives: "withdrawn by A, still via B",
# unreachable, and a peer down with the NOTIFICATION reason. FRR quirks
# (lab-recipes/bgp.md C): Peer Down before the first Peer Up, its own AS
# prepended in Route Monitoring, pre-policy needing soft-reconfiguration.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail frrbmp-setup "bgpwatch not built at $BW"
	exit 1
fi
nk_need_root frrbmp || exit 0
for t in exabgp /usr/lib/frr/bgpd vtysh; do
	if ! command -v "$t" >/dev/null; then
		nk_skip frrbmp "$t not installed (scripts/deps/bgpwatch.txt)"
		exit 0
	fi
done
if ! bgp_lab_up; then
	nk_fail frrbmp-setup "namespace lab did not come up"
	exit 1
fi
T=$NK_TMP
OUT=$T/bw.out
bmp_collector_start frrbmp || exit 1
mkdir -p "$T/frr" && chmod 0777 "$T/frr"
cat >"$T/frr/bgpd.conf" <<FRR
frr defaults traditional
hostname frrBMP
log file $T/frr/bgpd.log informational
router bgp 65040
 bgp router-id 10.201.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 10 30
 neighbor 10.201.0.2 remote-as 65030
 neighbor 10.201.0.2 timers connect 2
 neighbor 10.201.0.6 remote-as 65031
 neighbor 10.201.0.6 timers connect 2
 address-family ipv4 unicast
  neighbor 10.201.0.2 soft-reconfiguration inbound
  neighbor 10.201.0.6 soft-reconfiguration inbound
 exit-address-family
 bmp targets lab
  bmp connect 10.201.0.2 port 11019 min-retry 500 max-retry 2000
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv4 unicast post-policy
 exit
exit
FRR
nk_daemon_ns "$BGP_NS_P" bgpd /usr/lib/frr/bgpd -M bmp -f "$T/frr/bgpd.conf" -Z -S \
	-p 179 -l 10.201.0.1 -P 0 --vty_socket "$T/frr" -i "$T/frr/bgpd.pid" >/dev/null
# two ExaBGP upstreams of the router, in the collector's namespace
for u in "A 10.201.0.2 65030" "B 10.201.0.6 65031"; do
	set -- $u
	bgp_exa_conf "$1" "$2" "$3" "" 10.201.0.1 65040
	printf '%s\n' \
		"announce route 192.0.2.0/24 next-hop self as-path [ $3 64500 ] origin igp" \
		"announce route 198.51.100.0/24 next-hop self as-path [ $3 64501 ] origin igp" \
		>>"$T/cmds-$1.txt"
	bgp_exa_start "$1" "$BGP_NS_C"
done
bmp_scenario frrbmp frrBMP
kill -TERM "$BWPID"
exit $NK_FAILED
