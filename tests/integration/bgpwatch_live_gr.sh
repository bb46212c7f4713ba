#!/usr/bin/env bash
# End-of-RIB and graceful restart (RFC 4724) with scripted BGP speakers on
# loopback. A announces the graceful-restart capability (restart time 60 s),
# two prefixes and End-of-RIB (end_of_rib with the prefix count), then its
# TCP session ends without NOTIFICATION: session_down says the routes are
# kept as stale, and no withdrawal follows. A comes back, sends one of the
# two prefixes again and End-of-RIB for IPv4 and IPv6: only the prefix it
# did not send again is withdrawn. B (restart time 3 s, dialled by us)
# stays away: its stale route goes when the restart time runs out. C has
# the capability but ends with a NOTIFICATION: its routes go at once. D
# comes back but sends no End-of-RIB: the stale time ends it. E is only a
# helper (the capability lists no family): its routes go at once. F comes
# back without the Forwarding State bit: its stale routes go at once. G
# lists IPv4 only: its IPv6 route goes with the session, IPv4 stays.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail gr-setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	nk_skip gr "python3 missing (scripted peers)"
	exit 0
fi
PORT=$((20000 + $$ % 20000))
PORT2=$((PORT + 1))
T=$NK_TMP
OUT=$T/bw.out
cat >"$T/c.conf" <<CONF
[collector]
asn = 65001
router_id = 10.0.0.2
listen = 127.0.0.1:$PORT
hold_time = 30
connect_retry = 1s
graceful_restart = yes
stale_time = 6s
user =

[upstream A]
peer = 127.0.0.1
asn = 65010

[upstream B]
peer = 127.0.0.2
asn = 65020
passive = no
port = $PORT2

[upstream C]
peer = 127.0.0.3
asn = 65030

[upstream D]
peer = 127.0.0.4
asn = 65040

[upstream E]
peer = 127.0.0.5
asn = 65050

[upstream F]
peer = 127.0.0.6
asn = 65060

[upstream G]
peer = 127.0.0.7
asn = 65070

[watch]
prefix = 100.64.0.0/24
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
prefix = 203.0.113.0/24
prefix = 2001:db8:1::/48
prefix = 198.18.0.0/24
prefix = 198.18.1.0/24
prefix = 198.18.2.0/24
prefix = 2001:db8:3::/48
CONF
BWPID=$(nk_daemon bw "$BW" collect --config "$T/c.conf" --json)
if ! nk_wait_for 5 grep -q "event=collector_started" "$T/bw.err"; then
	nk_fail gr-start "collector did not start: $(cat "$T/bw.err")"
	exit 1
fi

# an empty user = keeps the uid (capabilities still go)
nk_expect_grep gr-user-kept "$T/bw.err" \
	"event=privileges_dropped user=$(id -un) uid=$(id -u) gid=$(id -g) was_uid=$(id -u) capabilities=none"

# OPEN with 4-octet AS, IPv4 and IPv6 unicast and graceful restart
# (RFC 4724 §3: restart time, then IPv4 and IPv6 unicast tuples whose
# flags are AF_FLAGS, default 128: Forwarding State kept; "none": no
# tuple at all, a helper that never keeps routes over its own restart;
# "v4only": the IPv4 tuple alone)
open_gr() { # AS RESTART_S [AF_FLAGS|none|v4only]
	python3 - "$1" "$2" "${3:-128}" <<'PY'
import struct, sys
asn, rt, fl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
caps = bytes([65, 4]) + struct.pack('!I', asn)
caps += bytes([1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1])
tuples = (b'' if fl == 'none' else bytes([0, 1, 1, 128]) if fl == 'v4only'
          else bytes([0, 1, 1, int(fl), 0, 2, 1, int(fl)]))
caps += bytes([64, 2 + len(tuples)]) + struct.pack('!H', rt & 0xfff) + tuples
opt = bytes([2, len(caps)]) + caps
body = struct.pack('!BHHI', 4, asn, 30, 0x0a0000fe) + bytes([len(opt)]) + opt
print((b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 1) + body).hex())
PY
}
MARK=ffffffffffffffffffffffffffffffff
EOR4=${MARK}001702""00000000
EOR6=${MARK}001d02""0000""0006""800f03000201
# an IPv6 route: MP_REACH_NLRI 2001:db8:1::/48, next hop 2001:db8::1
UPD6=$(python3 - <<'PY'
import struct
nh = bytes.fromhex('20010db8000000000000000000000001')
nlri = bytes([48]) + bytes.fromhex('20010db80001')
mp = struct.pack('!HBB', 2, 1, 16) + nh + b'\x00' + nlri
ap = bytes([2, 1]) + struct.pack('!I', 65010)
attrs = bytes([0x40, 1, 1, 0, 0x40, 2, len(ap)]) + ap + bytes([0x80, 14, len(mp)]) + mp
body = struct.pack('!HH', 0, len(attrs)) + attrs
print((b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 2) + body).hex())
PY
)
OPEN_A=$(open_gr 65010 60)

# --- A, first session: two IPv4 prefixes, one IPv6, End-of-RIB, then the
# TCP session ends without NOTIFICATION (a restart)
bgp_peer "$PORT" "raw $OPEN_A" keepalive "sleep 0.3" \
	"update-a 192.0.2.0/24 65010,64500" "update-a 198.51.100.0/24 65010,64501" \
	"raw $UPD6" "raw $EOR4" "sleep 0.5" close >/dev/null 2>&1 &
if nk_wait_for 10 bgp_has "$OUT" end_of_rib '"peer":"A"'; then
	line=$(grep '"event":"end_of_rib"' "$OUT" | grep -F '"peer":"A"' | head -1)
	case $line in
	*'"afi":1,"safi":1,"prefixes":2,"up_s":'*) nk_pass gr-eor-event ;;
	*) nk_fail gr-eor-event "$line" ;;
	esac
else
	nk_fail gr-eor-event "no end_of_rib from A: $(tail -5 "$OUT")"
fi
nk_expect_grep gr-eor-log "$T/bw.err" \
	'event=end_of_rib .*End-of-RIB from A for IPv4 unicast \(AFI 1 SAFI 1\): 2 prefixes in'
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"A"'; then
	line=$(grep '"event":"session_down"' "$OUT" | grep -F '"peer":"A"' | head -1)
	case $line in
	*'"graceful_restart":true,"restart_time_s":60,"stale_routes":3,'*'routes kept as stale for up to 60 s'*)
		nk_pass gr-down-stale ;;
	*) nk_fail gr-down-stale "$line" ;;
	esac
else
	nk_fail gr-down-stale "no session_down from A"
fi
# the routes stay: nothing withdrawn, nothing unreachable
sleep 1
if ! bgp_has "$OUT" session_down '"graceful_restart":true'; then
	nk_fail gr-routes-kept "no graceful restart seen"
elif bgp_has "$OUT" unreachable || bgp_has "$OUT" withdrawn; then
	nk_fail gr-routes-kept "$(grep -E 'unreachable|withdrawn' "$OUT" | head -2)"
else
	nk_pass gr-routes-kept
fi

# --- A comes back: sends 192.0.2.0/24 again (not 198.51.100.0/24 nor the
# IPv6 route), End-of-RIB for IPv4 and IPv6
bgp_peer "$PORT" "raw $OPEN_A" keepalive "sleep 0.3" \
	"update-a 192.0.2.0/24 65010,64500" "raw $EOR4" "raw $EOR6" "hold 20" \
	>/dev/null 2>&1 &
if nk_wait_for 10 bash -c "[ \$(grep -c '\"event\":\"end_of_rib\".*\"peer\":\"A\"' '$OUT') -ge 3 ]"; then
	nk_pass gr-eor-again
else
	nk_fail gr-eor-again "$(grep end_of_rib "$OUT")"
fi
eor2=$(grep '"event":"end_of_rib"' "$OUT" | grep -F '"peer":"A"' | sed -n 2p)
case $eor2 in
*'"afi":1,"safi":1,"prefixes":1,'*'"stale_withdrawn":1,'*) nk_pass gr-eor-stale-withdrawn ;;
*) nk_fail gr-eor-stale-withdrawn "$eor2" ;;
esac
eor3=$(grep '"event":"end_of_rib"' "$OUT" | grep -F '"peer":"A"' | sed -n 3p)
case $eor3 in
*'"afi":2,"safi":1,"prefixes":0,'*'"stale_withdrawn":1,'*) nk_pass gr-eor6-stale-withdrawn ;;
*) nk_fail gr-eor6-stale-withdrawn "$eor3" ;;
esac
if bgp_has "$OUT" unreachable '"prefix":"198.51.100.0/24"' &&
	bgp_has "$OUT" unreachable 'withdrawn by A (stale after graceful restart, not sent again before End-of-RIB)' &&
	bgp_has "$OUT" unreachable '"prefix":"2001:db8:1::/48"'; then
	nk_pass gr-stale-not-resent-withdrawn
else
	nk_fail gr-stale-not-resent-withdrawn "$(grep -E 'unreachable|withdrawn' "$OUT")"
fi
if ! bgp_has "$OUT" unreachable '"prefix":"198.51.100.0/24"'; then
	nk_fail gr-resent-kept "no stale route was withdrawn at all"
elif bgp_has "$OUT" unreachable '"prefix":"192.0.2.0/24"' ||
	bgp_has "$OUT" withdrawn '"prefix":"192.0.2.0/24"'; then
	nk_fail gr-resent-kept "192.0.2.0/24 was withdrawn"
else
	nk_pass gr-resent-kept
fi

# --- B (we dial it): restart time 3 s, one route, then gone for good
OPEN_B=$(open_gr 65020 3)
bgp_peer_at listen:127.0.0.2 "$PORT2" "raw $OPEN_B" keepalive "sleep 0.3" \
	"update-a 203.0.113.0/24 65020,64502" "raw $EOR4" "sleep 0.5" close \
	>/dev/null 2>&1 &
if nk_wait_for 20 bgp_has "$OUT" session_down '"peer":"B"'; then
	if bgp_has "$OUT" unreachable '"prefix":"203.0.113.0/24"'; then
		nk_fail gr-expiry-waits "withdrawn before the restart time"
	else
		nk_pass gr-expiry-waits
	fi
else
	nk_fail gr-expiry-waits "no session_down from B: $(grep -F '"peer":"B"' "$OUT")"
fi
if nk_wait_for 15 bgp_has "$OUT" graceful_restart_expired '"peer":"B"' &&
	bgp_has "$OUT" graceful_restart_expired '"stale_withdrawn":1' &&
	bgp_has "$OUT" unreachable 'withdrawn by B (stale after graceful restart: restart time expired)'; then
	nk_pass gr-expiry-withdraws
else
	nk_fail gr-expiry-withdraws "$(grep -E 'B' "$OUT" | tail -3)"
fi

# --- C: the capability, but the session ends with a NOTIFICATION
OPEN_C=$(open_gr 65030 60)
python3 - "$PORT" "raw $OPEN_C" keepalive "sleep 0.3" \
	"update-a 203.0.113.0/24 65030,64503" "sleep 0.3" "notify 6 2 maintenance" "sleep 0.3" close \
	>/dev/null 2>&1 <<PY &
import runpy, sys, socket
real = socket.create_connection
def bound(addr, timeout=None):
    return real(addr, timeout, ('127.0.0.3', 0))
socket.create_connection = bound
sys.argv = ['p', '127.0.0.1'] + sys.argv[1:]
runpy.run_path('$BGP_PEER_PY')
PY
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"C"' &&
	nk_wait_for 5 bgp_has "$OUT" unreachable 'withdrawn by C (session down)'; then
	if grep '"event":"session_down"' "$OUT" | grep -F '"peer":"C"' | grep -q graceful_restart; then
		nk_fail gr-notification-no-gr "session_down of C says graceful restart"
	else
		nk_pass gr-notification-no-gr
	fi
else
	nk_fail gr-notification-no-gr "$(grep -F '"peer":"C"' "$OUT" | tail -3)"
fi
# --- D (restart time 3 s) comes back within it but sends no End-of-RIB:
# the restart timer stops (RFC 4724 §4.2), so nothing goes at 3 s; its
# stale route goes when stale_time (6 s) after the new session runs out
peer_from() { # SOURCE STEPS...: bgp_peer to the collector from SOURCE
	local src=$1
	shift
	python3 - "$PORT" "$@" >/dev/null 2>&1 <<PY &
import runpy, sys, socket
real = socket.create_connection
def bound(addr, timeout=None):
    return real(addr, timeout, ('$src', 0))
socket.create_connection = bound
sys.argv = ['p', '127.0.0.1'] + sys.argv[1:]
runpy.run_path('$BGP_PEER_PY')
PY
}
OPEN_D=$(open_gr 65040 3)
peer_from 127.0.0.4 "raw $OPEN_D" keepalive "sleep 0.3" \
	"update-a 100.64.0.0/24 65040,64504" "sleep 0.3" close
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"D"'; then
	peer_from 127.0.0.4 "raw $OPEN_D" keepalive "hold 12"
	if nk_wait_for 10 bgp_has "$OUT" session_up '"peer":"D"'; then
		sleep 3.5 # past D's restart time, short of the stale time
		if bgp_has "$OUT" unreachable '"prefix":"100.64.0.0/24"'; then
			nk_fail gr-back-waits-eor "withdrawn at the restart time although D was back"
		else
			nk_pass gr-back-waits-eor
		fi
	else
		nk_fail gr-back-waits-eor "D did not come back: $(grep -F '"peer":"D"' "$OUT" | tail -2)"
	fi
	if nk_wait_for 15 bgp_has "$OUT" graceful_restart_expired '"peer":"D"' &&
		bgp_has "$OUT" graceful_restart_expired 'came back but sent no End-of-RIB within the stale time (6 s): 1 stale routes withdrawn' &&
		bgp_has "$OUT" unreachable 'withdrawn by D (stale after graceful restart: no End-of-RIB within the stale time)'; then
		nk_pass gr-stale-time-withdraws
	else
		nk_fail gr-stale-time-withdraws "$(grep -F 'D' "$OUT" | tail -3)"
	fi
else
	nk_fail gr-back-waits-eor "no session_down from D: $(tail -3 "$OUT")"
fi

# --- E: the capability without any family (a helper): RFC 4724 §4.2
# keeps nothing, so the session's end withdraws its route at once
peer_from 127.0.0.5 "raw $(open_gr 65050 60 none)" keepalive "sleep 0.3" \
	"update-a 198.18.0.0/24 65050,64505" "sleep 0.3" close
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"E"' &&
	nk_wait_for 5 bgp_has "$OUT" unreachable 'withdrawn by E (session down)'; then
	if grep '"event":"session_down"' "$OUT" | grep -F '"peer":"E"' | grep -q graceful_restart; then
		nk_fail gr-helper-no-stale "session_down of E says graceful restart"
	else
		nk_pass gr-helper-no-stale
	fi
else
	nk_fail gr-helper-no-stale "$(grep -F '"peer":"E"' "$OUT" | tail -3)"
fi
nk_expect_grep gr-helper-open-log "$T/bw.err" 'event=open_received peer=E .* graceful_restart=1 gr_ipv4=no gr_ipv6=no '

# --- F: restarts (routes kept as stale), then comes back without the
# Forwarding State bit: it lost them, they go at once, not at End-of-RIB
peer_from 127.0.0.6 "raw $(open_gr 65060 60)" keepalive "sleep 0.3" \
	"update-a 198.18.1.0/24 65060,64506" "sleep 0.3" close
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"F"'; then
	sleep 0.5
	if bgp_has "$OUT" unreachable '"prefix":"198.18.1.0/24"'; then
		nk_fail gr-nofwd-kept-first "withdrawn at session down: $(grep -F 198.18.1.0 "$OUT" | head -2)"
	else
		nk_pass gr-nofwd-kept-first
	fi
	peer_from 127.0.0.6 "raw $(open_gr 65060 60 0)" keepalive "hold 12"
	if nk_wait_for 10 bgp_has "$OUT" unreachable 'withdrawn by F (stale after graceful restart: the peer came back without forwarding state for IPv4 unicast)'; then
		nk_pass gr-nofwd-withdraws
	else
		nk_fail gr-nofwd-withdraws "$(grep -F '"peer":"F"' "$OUT" | tail -3)"
	fi
	nk_expect_grep gr-nofwd-open-log "$T/bw.err" 'event=open_received peer=F .* gr_ipv4=listed gr_ipv6=listed '
else
	nk_fail gr-nofwd-kept-first "no session_down from F: $(tail -3 "$OUT")"
fi

# --- G: the capability lists IPv4 only; one IPv4 and one IPv6 route
UPD6G=$(python3 - <<'PY'
import struct
nh = bytes.fromhex('20010db8000000000000000000000007')
nlri = bytes([48]) + bytes.fromhex('20010db80003')
mp = struct.pack('!HBB', 2, 1, 16) + nh + b'\x00' + nlri
ap = bytes([2, 1]) + struct.pack('!I', 65070)
attrs = bytes([0x40, 1, 1, 0, 0x40, 2, len(ap)]) + ap + bytes([0x80, 14, len(mp)]) + mp
body = struct.pack('!HH', 0, len(attrs)) + attrs
print((b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 2) + body).hex())
PY
)
peer_from 127.0.0.7 "raw $(open_gr 65070 60 v4only)" keepalive "sleep 0.3" \
	"update-a 198.18.2.0/24 65070,64507" "raw $UPD6G" "sleep 0.3" close
if nk_wait_for 10 bgp_has "$OUT" session_down '"peer":"G"'; then
	line=$(grep '"event":"session_down"' "$OUT" | grep -F '"peer":"G"' | head -1)
	case $line in
	*'"graceful_restart":true,"restart_time_s":60,"stale_routes":1,'*'1 routes kept as stale for up to 60 s'*)
		nk_pass gr-v4only-down ;;
	*) nk_fail gr-v4only-down "$line" ;;
	esac
	if nk_wait_for 5 bgp_has "$OUT" unreachable 'withdrawn by G (session down: IPv6 unicast not in its graceful-restart capability)' &&
		! bgp_has "$OUT" unreachable '"prefix":"198.18.2.0/24"'; then
		nk_pass gr-v4only-v6-withdrawn
	else
		nk_fail gr-v4only-v6-withdrawn "$(grep -F 'G' "$OUT" | grep -E 'unreachable|withdrawn' | head -3)"
	fi
else
	nk_fail gr-v4only-down "no session_down from G: $(tail -3 "$OUT")"
fi
kill -TERM "$BWPID"
nk_wait_for 10 bash -c "! kill -0 $BWPID"
wait 2>/dev/null
exit $NK_FAILED
