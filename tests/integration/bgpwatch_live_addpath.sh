#!/usr/bin/env bash
# ADD-PATH (RFC 7911) negotiated per family, with scripted BGP speakers on
# loopback. bgpwatch (addpath = yes) asks to receive path identifiers for
# IPv4 and IPv6 unicast. A may send them for IPv4 only: it announces
# 192.0.2.0/24 twice (path ids 1 and 2) and 2001:db8:1::/48 in an MP_REACH
# without path id. B is the mirror: IPv6 only, 198.51.100.0/24 without
# path id and 2001:db8:2::/48 with path ids 1 and 2. Each family must be
# decoded by its own flag (one flag for both garbles one family's NLRI),
# the session-up log names both, and the MRT recording marks each UPDATE
# with the AP subtype of its family.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail ap-setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	nk_skip ap "python3 missing (scripted peers)"
	exit 0
fi
PORT=$((20000 + $$ % 20000))
T=$NK_TMP
OUT=$T/bw.out
cat >"$T/c.conf" <<CONF
[collector]
asn = 65001
router_id = 10.0.0.2
listen = 127.0.0.1:$PORT
hold_time = 30
addpath = yes
record = $T/rec.mrt
record_rib_every = 1
user =

[upstream A]
peer = 127.0.0.1
asn = 65010

[upstream B]
peer = 127.0.0.2
asn = 65020

[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
prefix = 2001:db8:1::/48
prefix = 2001:db8:2::/48
CONF
BWPID=$(nk_daemon bw "$BW" collect --config "$T/c.conf" --json)
if ! nk_wait_for 5 grep -q "event=collector_started" "$T/bw.err"; then
	nk_fail ap-start "collector did not start: $(cat "$T/bw.err")"
	exit 1
fi

# OPEN: 4-octet AS, MP IPv4 and IPv6 unicast, ADD-PATH (capability 69,
# RFC 7911 §4) send (2) for one AFI
open_ap() { # AS AFI
	python3 - "$1" "$2" <<'PY'
import struct, sys
asn, afi = int(sys.argv[1]), int(sys.argv[2])
caps = bytes([65, 4]) + struct.pack('!I', asn)
caps += bytes([1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1])
caps += bytes([69, 4]) + struct.pack('!HBB', afi, 1, 2)
opt = bytes([2, len(caps)]) + caps
body = struct.pack('!BHHI', 4, asn, 30, 0x0a0000fe) + bytes([len(opt)]) + opt
print((b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 1) + body).hex())
PY
}
# UPDATE: AS path, IPv4 NLRI (PFX[:ID],...) and/or MP_REACH IPv6 NLRI
update() { # AS_PATH V4_NLRI V6_NLRI ("-": none)
	python3 - "$@" <<'PY'
import ipaddress, struct, sys
def nlri(spec):
    out = b''
    if spec == '-':
        return out
    for item in spec.split(','):
        p, _, pid = item.partition(':')
        n = ipaddress.ip_network(p.replace('_', ':'))
        if pid:
            out += struct.pack('!I', int(pid))
        out += bytes([n.prefixlen]) + n.network_address.packed[:(n.prefixlen + 7) // 8]
    return out
path = [int(x) for x in sys.argv[1].split(',')]
v4, v6 = nlri(sys.argv[2]), nlri(sys.argv[3])
ap = bytes([2, len(path)]) + b''.join(struct.pack('!I', a) for a in path)
attrs = bytes([0x40, 1, 1, 0, 0x40, 2, len(ap)]) + ap
if v4:
    attrs += bytes([0x40, 3, 4, 10, 0, 0, 1])
if v6:
    nh = bytes.fromhex('20010db8000000000000000000000001')
    mp = struct.pack('!HBB', 2, 1, 16) + nh + b'\x00' + v6
    attrs += bytes([0x80, 14, len(mp)]) + mp
body = struct.pack('!HH', 0, len(attrs)) + attrs + v4
print((b'\xff' * 16 + struct.pack('!HB', 19 + len(body), 2) + body).hex())
PY
}
# IPv6 prefixes are written with '_' for ':' (the ':' separates path ids)
A4=$(update 65010,64500 192.0.2.0/24:1 -)
A4B=$(update 65010,64510,64500 192.0.2.0/24:2 -)
A6=$(update 65010,64600 - 2001_db8_1__/48)
B4=$(update 65020,64501 198.51.100.0/24 -)
B6=$(update 65020,64601 - 2001_db8_2__/48:1,2001_db8_2__/48:2)
if [ -z "$A4" ] || [ -z "$A4B" ] || [ -z "$A6" ] || [ -z "$B4" ] || [ -z "$B6" ]; then
	nk_fail ap-setup "could not build the messages"
	exit 1
fi

# --- A: ADD-PATH for IPv4 only
bgp_peer "$PORT" "raw $(open_ap 65010 1)" keepalive "sleep 0.3" \
	"raw $A4" "raw $A4B" "raw $A6" "hold 60" >/dev/null 2>&1 &
PA=$!
nk_wait_for 10 bgp_has "$OUT" session_up '"peer":"A"'
nk_expect_grep ap-log-a "$T/bw.err" \
	'event=open_received peer=A .* addpath_ipv4=1 addpath_ipv6=0 '
if nk_wait_for 10 bgp_has "$OUT" '[a-z_]*' '"prefix":"2001:db8:1::/48","peer":"A"'; then
	nk_pass ap-a-ipv6-plain
else
	nk_fail ap-a-ipv6-plain "no 2001:db8:1::/48 via A: $(grep -F '"peer":"A"' "$OUT" | tail -3)"
fi
if bgp_has "$OUT" '[a-z_]*' '"prefix":"192.0.2.0/24","peer":"A"'; then
	nk_pass ap-a-ipv4-paths
else
	nk_fail ap-a-ipv4-paths "no 192.0.2.0/24 via A: $(grep -F '"peer":"A"' "$OUT" | tail -3)"
fi

# --- B: ADD-PATH for IPv6 only (connects from 127.0.0.2)
python3 - "$PORT" "raw $(open_ap 65020 2)" keepalive "sleep 0.3" \
	"raw $B4" "raw $B6" "hold 60" >/dev/null 2>&1 <<PY &
import runpy, sys, socket
real = socket.create_connection
def bound(addr, timeout=None):
    return real(addr, timeout, ('127.0.0.2', 0))
socket.create_connection = bound
sys.argv = ['p', '127.0.0.1'] + sys.argv[1:]
runpy.run_path('$BGP_PEER_PY')
PY
PB=$!
nk_wait_for 10 bgp_has "$OUT" session_up '"peer":"B"'
nk_expect_grep ap-log-b "$T/bw.err" \
	'event=open_received peer=B .* addpath_ipv4=0 addpath_ipv6=1 '
if nk_wait_for 10 bgp_has "$OUT" '[a-z_]*' '"prefix":"2001:db8:2::/48","peer":"B"'; then
	nk_pass ap-b-ipv6-paths
else
	nk_fail ap-b-ipv6-paths "no 2001:db8:2::/48 via B: $(grep -F '"peer":"B"' "$OUT" | tail -3)"
fi
if bgp_has "$OUT" '[a-z_]*' '"prefix":"198.51.100.0/24","peer":"B"'; then
	nk_pass ap-b-ipv4-plain
else
	nk_fail ap-b-ipv4-plain "no 198.51.100.0/24 via B: $(grep -F '"peer":"B"' "$OUT" | tail -3)"
fi
# nothing reset, nothing malformed, no other prefix seen
if bgp_has "$OUT" session_down || bgp_has "$OUT" session_error ||
	bgp_has "$OUT" rfc7606_error; then
	nk_fail ap-no-errors "$(grep -E 'session_down|session_error|rfc7606' "$OUT" | head -3)"
else
	nk_pass ap-no-errors
fi

# the recording: per UPDATE the AP subtype of its family, read back with
# the right path ids; the RIB snapshots (one a second, so one after the
# routes) hold every path: RFC 8050's subtype where a prefix has path ids
sleep 1.5
kill -TERM "$BWPID"
nk_wait_for 10 bash -c "! kill -0 $BWPID"
"$BW" dump "$T/rec.mrt" >"$T/rec.txt" 2>&1
REC='^BGP4MP_ET\(_AP\)\{0,1\}|[0-9.]*|A|'
if grep -q '^BGP4MP_ET_AP|[0-9.]*|A|127.0.0.1|65010|192.0.2.0/24|1|65010 64500|' "$T/rec.txt" &&
	grep -q '^BGP4MP_ET_AP|[0-9.]*|A|127.0.0.1|65010|192.0.2.0/24|2|65010 64510 64500|' "$T/rec.txt" &&
	grep -q '^BGP4MP_ET|[0-9.]*|A|127.0.0.1|65010|2001:db8:1::/48|65010 64600|' "$T/rec.txt" &&
	grep -q '^BGP4MP_ET|[0-9.]*|A|127.0.0.2|65020|198.51.100.0/24|65020 64501|' "$T/rec.txt" &&
	grep -q '^BGP4MP_ET_AP|[0-9.]*|A|127.0.0.2|65020|2001:db8:2::/48|1|65020 64601|' "$T/rec.txt" &&
	grep -q '^BGP4MP_ET_AP|[0-9.]*|A|127.0.0.2|65020|2001:db8:2::/48|2|65020 64601|' "$T/rec.txt" &&
	[ "$(grep -c "$REC" "$T/rec.txt")" -eq 6 ]; then
	nk_pass ap-record
else
	nk_fail ap-record "$(grep "$REC" "$T/rec.txt" | head -8)"
fi
TD='^TABLE_DUMP2\(_AP\)\{0,1\}|'
last=$(grep "$TD" "$T/rec.txt" | tail -1 | cut -d'|' -f2)
grep "$TD" "$T/rec.txt" | grep "^[^|]*|$last|" >"$T/snap.txt"
if grep -q "^TABLE_DUMP2_AP|$last|B|127.0.0.1|65010|192.0.2.0/24|1|65010 64500|" "$T/snap.txt" &&
	grep -q "^TABLE_DUMP2_AP|$last|B|127.0.0.1|65010|192.0.2.0/24|2|65010 64510 64500|" "$T/snap.txt" &&
	grep -q "^TABLE_DUMP2_AP|$last|B|127.0.0.2|65020|2001:db8:2::/48|1|65020 64601|" "$T/snap.txt" &&
	grep -q "^TABLE_DUMP2_AP|$last|B|127.0.0.2|65020|2001:db8:2::/48|2|65020 64601|" "$T/snap.txt" &&
	grep -q "^TABLE_DUMP2|$last|B|127.0.0.1|65010|2001:db8:1::/48|65010 64600|" "$T/snap.txt" &&
	grep -q "^TABLE_DUMP2|$last|B|127.0.0.2|65020|198.51.100.0/24|65020 64501|" "$T/snap.txt" &&
	[ "$(wc -l <"$T/snap.txt")" -eq 6 ]; then
	nk_pass ap-rib-snapshot
else
	nk_fail ap-rib-snapshot "$(cat "$T/snap.txt")"
fi
kill "$PA" "$PB" 2>/dev/null
wait 2>/dev/null
exit $NK_FAILED
