#!/usr/bin/env bash
# stormwatch (1) on an ICMPv6 echo reflection storm written here as a
# classic pcap (python3, stdlib only): one mangled echo to a unicast IPv6
# address sent to the victim's MAC with the I/G bit set and a wrong
# checksum, re-sent by 6 NETGEAR routers with hop limits 4..1; (2) on the
# lab capture cut so that it starts mid-storm (editcap -r): the originator
# was not seen and must not be replaced by a reflector.
# shellcheck source=../lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

SW=$(nk_bin stormwatch)
D=$NK_SHARED/data/pcap
T=$(nk_tmpdir)
if [ ! -x "$SW" ]; then
	nk_fail build "stormwatch not built at $SW"
	exit 1
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

run() { # NAME ARGS...: stdout/stderr to $T/NAME.out/.err, rc in RC
	local name=$1
	shift
	"$SW" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}
jqr() { jq -r "$1" "$2" 2>/dev/null; }

# ---- 1. ICMPv6 ----
"$PY" - "$T/v6.pcap" <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))

def frame(smac, dmac, src, dst, hlim, typ, ident, seq, payload, bad=False):
    icmp = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
    # RFC 8200 8.1 pseudo-header: src, dst, upper-layer length, next header
    ph = ip6(src) + ip6(dst) + struct.pack("!I3xB", len(icmp), 58)
    c = csum(ph + icmp)
    if bad:
        c ^= 0x0400  # the bit the mangling flipped
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    hdr = struct.pack("!IHBB", 0x60000000, len(icmp), 58, hlim) + ip6(src) + ip6(dst)
    return mac(dmac) + mac(smac) + b"\x86\xdd" + hdr + icmp

ORIG, ORIG_MAC = "2001:db8:1::1", "02:00:5e:00:00:01"
VIC, VIC_MAC = "2001:db8:1::10", "00:22:72:0a:00:0a"
GROUP = "01:22:72:0a:00:0a"  # the victim's MAC with the I/G bit set
REFL = [("2001:db8:1::%x" % (0x101 + i), oui + ":0b:00:%02x" % (i + 1))
        for i, oui in enumerate(["00:09:5b", "00:14:6c", "00:1b:2f",
                                 "20:4e:7f", "a0:40:a0", "c0:3f:0e"])]
PAY = b"NOC-ping-v6" + bytes(range(45))

recs = []
t = 1700000000.0
for seq in (1, 2, 3):  # normal pings, good checksums, unicast MACs
    recs.append((t, frame(ORIG_MAC, VIC_MAC, ORIG, VIC, 64, 128, 7191, seq, PAY)))
    recs.append((t + 0.0003, frame(VIC_MAC, ORIG_MAC, VIC, ORIG, 64, 129, 7191, seq, PAY)))
    t += 1.0
# seq 4 is mangled: group MAC, bad checksum, hop limit 5
recs.append((t, frame(ORIG_MAC, GROUP, ORIG, VIC, 5, 128, 7191, 4, PAY, bad=True)))
# every reflector copies it (hop 4); then copies of copies, 15 per hop
n = 0
for hlim, count in ((4, 6), (3, 15), (2, 15), (1, 15)):
    for j in range(count):
        src, smac = REFL[(j + hlim) % 6]
        t += 0.00002
        recs.append((t, frame(smac, GROUP, src, VIC, hlim, 128, 7191, 4, PAY, bad=True)))
        n += 1
assert n == 51
t += 1.0
recs.append((t, frame(ORIG_MAC, VIC_MAC, ORIG, VIC, 64, 128, 7191, 5, PAY)))

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for ts, b in recs:
        sec = int(ts)
        f.write(struct.pack("<IIII", sec, int(round((ts - sec) * 1e6)), len(b), len(b)))
        f.write(b)
EOF
if [ ! -s "$T/v6.pcap" ]; then
	nk_fail v6/generate "python3 did not write the pcap"
	exit 1
fi
# the oracle agrees on what is bad: tcpdump flags exactly the 52 mangled
nk_expect v6/tcpdump_oracle_bad "$(tcpdump -vv -nr "$T/v6.pcap" 2>/dev/null | grep -c 'bad icmp6 cksum')" 52
run v6 -r "$T/v6.pcap" --json
nk_expect v6/exit_critical "$RC" 2
E=$T/v6.out
refl=$(jqr 'select(.event=="offender" and .final) | .ip + " " + .vendor' "$E" | sort -u)
nk_expect v6/six_reflectors "$(echo "$refl" | grep -c .)" 6
nk_expect v6/all_netgear "$(echo "$refl" | grep -vc ' NETGEAR$')" 0
nk_expect v6/reflector_ips "$(echo "$refl" | cut -d' ' -f1 | tr '\n' ' ')" \
	"2001:db8:1::101 2001:db8:1::102 2001:db8:1::103 2001:db8:1::104 2001:db8:1::105 2001:db8:1::106 "
nk_expect v6/victim "$(jqr 'select(.event=="storm_end") | .victim' "$E")" 2001:db8:1::10
nk_expect v6/originator "$(jqr 'select(.event=="storm_end") | "\(.originator) \(.originator_mac) \(.originator_seen)"' "$E")" \
	"2001:db8:1::1 02:00:5e:00:00:01 true"
nk_expect v6/copies_ttl "$(jqr 'select(.event=="storm_end") | "\(.copies) \(.reflectors) \(.ttl_min) \(.ttl_max)"' "$E")" "51 6 1 4"
nk_expect v6/first_frame "$(jqr 'select(.event=="storm_start") | "\(.first_frame) \(.first_ttl) \(.first_icmp_cksum) \(.dst_mac) \(.icmp_id)/\(.icmp_seq)"' "$E")" \
	"7 5 bad 01:22:72:0a:00:0a 7191/4"
nk_expect v6/counted "$(jqr 'select(.event=="capture_stats") | "\(.bad_icmp_cksum) \(.mangled_echoes) \(.reflected_echoes) \(.copies)"' "$E")" "52 1 1 51"
run v6-shell -r "$T/v6.pcap"
nk_expect_grep v6/shell_verdict "$T/v6-shell.out" '^stormwatch: CRITICAL - reflection storm: 6 routers'
nk_expect_grep v6/shell_originator "$T/v6-shell.out" '^  originator +2001:db8:1::1 02:00:5e:00:00:01'
nk_expect_grep v6/shell_victim "$T/v6-shell.out" '^  victim +2001:db8:1::10 \(dst MAC 01:22:72:0a:00:0a, group bit set\)'
nk_expect_grep v6/shell_vendor "$T/v6-shell.out" 'all 6 reflectors are NETGEAR'
# the copies alone (the original cut off): originator not seen
if command -v editcap >/dev/null; then
	editcap -r "$T/v6.pcap" "$T/v6-mid.pcap" 8-58 2>/dev/null
	run v6-mid -r "$T/v6-mid.pcap" --plugin
	nk_expect v6/mid_exit "$RC" 2
	nk_expect_grep v6/mid_plugin "$T/v6-mid.out" 'reflection storm: 6 reflectors, 51 copies, victim 2001:db8:1::10, originator not seen \(capture started mid-storm\)'
fi

# ---- 2. the lab capture starting mid-storm ----
if ! command -v editcap >/dev/null; then
	nk_skip midstorm "editcap (wireshark-common) not installed"
	exit 0
fi
G=$D/lab-storm-group-ttl5.pcap
if [ ! -f "$G" ]; then
	nk_skip midstorm "no lab pcap under $D"
	exit 0
fi
# frame 9 is the mangled original (TTL 5), 10.. the copies (README)
nk_expect mid/original_is_frame_9 "$(tcpdump -nr "$G" -c 9 -e 2>/dev/null | tail -1 | grep -c '02:00:5e:00:00:01 > 01:22:72:0a:00:0a')" 1
# cut A: starts on the first copy (.107, TTL 4); .108's TTL-4 copy follows
editcap -r "$G" "$T/midA.pcap" 10-3108
# cut B: starts on .106's TTL-4 copy; .108 copies with TTL 3, then .106
# itself sends the echo again with TTL 3: it copied a copy
editcap -r "$G" "$T/midB.pcap" 12-3108
for cut in A:3039 B:3037; do
	c=${cut%%:*} copies=${cut#*:}
	run "mid$c" -r "$T/mid$c.pcap" --json
	E=$T/mid$c.out
	nk_expect "mid$c/exit_critical" "$RC" 2
	nk_expect "mid$c/originator_not_seen" "$(jqr 'select(.event=="storm_end") | "\(.originator) \(.originator_mac) \(.originator_seen)"' "$E")" "null null false"
	refl=$(jqr 'select(.event=="offender" and .final) | .ip + " " + .vendor' "$E" | sort -u)
	nk_expect "mid$c/eight_reflectors" "$(echo "$refl" | cut -d' ' -f1 | tr '\n' ' ')" \
		"203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 203.0.113.106 203.0.113.107 203.0.113.108 "
	nk_expect "mid$c/all_netgear" "$(echo "$refl" | grep -vc ' NETGEAR$')" 0
	nk_expect "mid$c/victim" "$(jqr 'select(.event=="storm_end") | .victim' "$E")" 203.0.113.10
	# every frame of the echo is a copy, the first one seen included
	nk_expect "mid$c/copies" "$(jqr 'select(.event=="storm_end") | .copies' "$E")" "$copies"
	run "mid$c-shell" -r "$T/mid$c.pcap"
	nk_expect_grep "mid$c/shell_says_not_seen" "$T/mid$c-shell.out" '^  originator   not seen \(capture started mid-storm: the first frame seen, #1 at .* was already a copy\)'
	nk_expect "mid$c/no_reflector_named_originator" "$(grep -c '^  originator   203' "$T/mid$c-shell.out")" 0
done
nk_expect_grep midA/first_seen_named "$T/midA-shell.out" 'from 203\.0\.113\.107, ttl 4'
nk_expect_grep midB/first_seen_named "$T/midB-shell.out" 'from 203\.0\.113\.106, ttl 4'
run midA-plugin -r "$T/midA.pcap" --plugin
nk_expect_grep midA/plugin "$T/midA-plugin.out" '^STORMWATCH CRITICAL - reflection storm: 8 reflectors, 3039 copies, victim 203\.0\.113\.10, originator not seen \(capture started mid-storm\) \|'
# the whole file still names the real originator (and the bcast lab too)
run full -r "$G" --json
nk_expect mid/full_file_originator "$(jqr 'select(.event=="storm_end") | "\(.originator) \(.originator_seen)"' "$T/full.out")" "203.0.113.1 true"
# cut the broadcast lab after its original (frame 9): not seen either
editcap -r "$D/lab-storm-bcast-ttl4.pcap" "$T/midC.pcap" 10-507
run midC -r "$T/midC.pcap" --json
nk_expect midC/originator_not_seen "$(jqr 'select(.event=="storm_end") | "\(.originator_seen) \(.copies) \(.reflectors)"' "$T/midC.out")" "false 456 8"
exit 0
