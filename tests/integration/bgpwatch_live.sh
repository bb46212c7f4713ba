#!/usr/bin/env bash
# bgpwatch collect in a namespace lab with real BGP speakers from Debian:
# upstream A = ExaBGP, upstream B = GoBGP with TCP-MD5, C = FRR bgpd (shut
# down with a message), D = ExaBGP with a wrong MD5 key. A and B announce
# the same prefixes; A withdraws one ("withdrawn by A, still via B"), B
# withdraws it too ("unreachable"), A changes an origin, FRR is shut down
# with "maintenance", A's session is torn down and comes back (outage),
# D's key mismatch is named as such.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail live-setup "bgpwatch not built at $BW"
	exit 1
fi
nk_need_root live || exit 0
for t in exabgp gobgpd gobgp /usr/lib/frr/bgpd vtysh python3; do
	if ! command -v "$t" >/dev/null; then
		nk_skip live "$t not installed (scripts/deps/bgpwatch.txt)"
		exit 0
	fi
done
if ! bgp_lab_up; then
	nk_fail live-setup "namespace lab did not come up"
	exit 1
fi
T=$NK_TMP
OUT=$T/bw.out
cat >"$T/bw.conf" <<CONF
[collector]
asn = 65001
router_id = 10.201.0.2
listen = 10.201.0.2:179
hold_time = 30

[upstream A]
peer = 10.201.0.1
asn = 65010

[upstream B]
peer = 10.201.0.3
asn = 65020
md5 = s3cret-lab

[upstream C]
peer = 10.201.0.4
asn = 65040

[upstream D]
peer = 10.201.0.5
asn = 65050
md5 = right-key

[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
prefix = 203.0.113.0/24
CONF
BWPID=$(nk_daemon_ns "$BGP_NS_C" bw "$BW" collect --config "$T/bw.conf" --json)
nk_wait_for 5 grep -q "event=collector_started" "$T/bw.err" || {
	nk_fail live-start "collector: $(cat "$T/bw.err")"
	exit 1
}

# --- A: ExaBGP, commands through a file
bgp_exa_conf A 10.201.0.1 65010
printf '%s\n' \
	'announce route 192.0.2.0/24 next-hop self as-path [ 65010 64500 ] origin igp' \
	'announce route 198.51.100.0/24 next-hop self as-path [ 65010 64501 ] origin igp' \
	'announce route 203.0.113.0/24 next-hop self as-path [ 65010 3356 64502 ] origin igp' \
	>"$T/cmds-A.txt"
bgp_exa_conf D 10.201.0.5 65050 wrong-key
for n in A D; do
	bgp_exa_start "$n" "$BGP_NS_P"
done

# --- B: GoBGP with TCP-MD5
cat >"$T/gobgpd.toml" <<TOML
[global.config]
  as = 65020
  router-id = "10.201.0.3"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.201.0.2"
    peer-as = 65001
    auth-password = "s3cret-lab"
  [neighbors.transport.config]
    local-address = "10.201.0.3"
  [neighbors.timers.config]
    hold-time = 30
    connect-retry = 2
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
TOML
nk_daemon_ns "$BGP_NS_P" gobgpd gobgpd -f "$T/gobgpd.toml" -p \
	--api-hosts 127.0.0.1:50051 --pprof-disable >/dev/null
G="ip netns exec $BGP_NS_P gobgp"

# --- C: FRR bgpd alone (no zebra)
mkdir -p "$T/frr" && chmod 0777 "$T/frr"
cat >"$T/frr/bgpd.conf" <<FRR
frr defaults traditional
hostname frrC
log file $T/frr/bgpd.log informational
router bgp 65040
 bgp router-id 10.201.0.4
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 10 30
 neighbor 10.201.0.2 remote-as 65001
 neighbor 10.201.0.2 update-source 10.201.0.4
 neighbor 10.201.0.2 timers connect 2
 address-family ipv4 unicast
  network 198.51.100.0/24
 exit-address-family
exit
FRR
nk_daemon_ns "$BGP_NS_P" bgpd /usr/lib/frr/bgpd -f "$T/frr/bgpd.conf" -Z -S \
	-p 0 -P 0 --vty_socket "$T/frr" -i "$T/frr/bgpd.pid" >/dev/null
V="vtysh --vty_socket $T/frr -d bgpd"

nk_wait_for 30 $G global rib summary || nk_fail live-gobgp "gobgp API not up"
for p in 192.0.2.0/24 198.51.100.0/24; do
	$G global rib add $p -a ipv4 nexthop 10.201.0.3 aspath 64500 origin igp >/dev/null
done
$G global rib add 203.0.113.0/24 -a ipv4 nexthop 10.201.0.3 aspath 174,64502 origin igp >/dev/null

for n in A B C; do
	if nk_wait_for 40 bgp_has "$OUT" session_up "\"peer\":\"$n\""; then
		nk_pass "live-session-up-$n"
	else
		nk_fail "live-session-up-$n" "no session_up for $n: $(grep "peer=$n" "$T/bw.err" | tail -3)"
	fi
done
# both announce 192.0.2.0/24 before the scenario starts
nk_wait_for 20 bash -c "[ \$(grep -c '\"event\":\"announced\".*192.0.2.0/24' $OUT) -ge 2 ]" ||
	nk_fail live-announced "192.0.2.0/24 not announced by both"

# A withdraws: failover to B
echo 'withdraw route 192.0.2.0/24' >>"$T/cmds-A.txt"
if nk_wait_for 10 bgp_has "$OUT" withdrawn "withdrawn by A, still via B"; then
	nk_pass live-withdrawn-still-via
else
	nk_fail live-withdrawn-still-via "no 'withdrawn by A, still via B'"
fi
# B withdraws too: unreachable
$G global rib del 192.0.2.0/24 -a ipv4 >/dev/null
if nk_wait_for 10 bgp_has "$OUT" unreachable '"prefix":"192.0.2.0/24"'; then
	nk_pass live-unreachable
else
	nk_fail live-unreachable "no unreachable for 192.0.2.0/24"
fi
# origin change via A
echo 'announce route 203.0.113.0/24 next-hop self as-path [ 65010 3356 64666 ] origin igp' >>"$T/cmds-A.txt"
if nk_wait_for 10 bgp_has "$OUT" origin_changed '"new_origin_as":64666'; then
	nk_pass live-origin-changed
else
	nk_fail live-origin-changed "no origin_changed to AS64666"
fi
# FRR shut down with a message (RFC 8203/9003)
$V -c 'configure terminal' -c 'router bgp 65040' \
	-c 'neighbor 10.201.0.2 shutdown message maintenance' -c 'end' >/dev/null
if nk_wait_for 10 bgp_has "$OUT" session_down "peer down: administrative shutdown 'maintenance'"; then
	nk_pass live-shutdown-message
else
	nk_fail live-shutdown-message "$(grep -F '"peer":"C"' "$OUT" | tail -2)"
fi
# A's session torn down (Cease 6/2), ExaBGP reconnects: outage measured
echo 'neighbor 10.201.0.2 teardown 2' >>"$T/cmds-A.txt"
if nk_wait_for 20 bgp_has "$OUT" session_up '"outage_s"' &&
	bgp_has "$OUT" session_down '"peer":"A"'; then
	nk_pass live-reconnect-outage
else
	nk_fail live-reconnect-outage "$(grep -F '"peer":"A"' "$OUT" | grep session | tail -3)"
fi
# D's wrong key: the kernel drops its SYNs; named as an MD5 mismatch
if nk_wait_for 20 bgp_has "$OUT" md5_mismatch '"peer":"D"'; then
	nk_pass live-md5-mismatch
else
	nk_fail live-md5-mismatch "no md5_mismatch for D"
fi
if bgp_has "$OUT" session_up '"peer":"D"'; then
	nk_fail live-md5-no-session "D established despite the wrong key"
else
	nk_pass live-md5-no-session
fi
# a full table (the derived RouteViews RIB of shared data) injected by GoBGP
# loads completely: bgpwatch holds every route GoBGP says it sent (GoBGP
# keeps 9,000-odd of the 9,072 prefixes, a few dozen fewer on some runs)
RV=$NK_SHARED/data/bgp/mrt/routeviews-rib.20140523.0600_first9072prefixes.derived.mrt.gz
if [ -f "$RV" ]; then
	zcat "$RV" >"$T/rv.mrt"
	$G mrt inject global --only-best --nexthop 10.201.0.3 --no-ipv6 "$T/rv.mrt" >/dev/null 2>&1
	# the inject returns before GoBGP has taken every route: read its
	# count until two reads half a second apart agree
	sent="" prev=-1
	for _ in $(seq 1 60); do
		sent=$($G global rib summary -a ipv4 2>/dev/null | sed -n 's/.*Destination: \([0-9]*\).*/\1/p' | head -1)
		[ "${sent:-0}" -gt 0 ] && [ "$sent" = "$prev" ] && break
		prev=$sent
		sleep 0.5
	done
	held_all() {
		kill -USR1 "$BWPID"
		sleep 0.2
		local h
		h=$(sed -n 's/.*event=status peer=B .* routes=\([0-9]*\).*/\1/p' "$T/bw.err" | tail -1)
		[ "${h:-0}" -ge "$sent" ]
	}
	if [ "${sent:-0}" -gt 8500 ] && nk_wait_for 30 held_all; then
		nk_pass "live-full-table ($sent routes)"
	else
		nk_fail live-full-table "GoBGP sent ${sent:-?}, bgpwatch holds $(sed -n 's/.*event=status peer=B .* routes=\([0-9]*\).*/\1/p' "$T/bw.err" | tail -1)"
	fi
else
	nk_skip live-full-table "no $RV"
fi
# SIGTERM: B (GoBGP) sees our Cease
kill -TERM "$BWPID"
nk_wait_for 5 bash -c "! kill -0 $BWPID"
if grep -q "event=stopping" "$T/bw.err" && ! kill -0 "$BWPID" 2>/dev/null; then
	nk_pass live-sigterm
else
	nk_fail live-sigterm "collector did not stop cleanly"
fi
exit $NK_FAILED
