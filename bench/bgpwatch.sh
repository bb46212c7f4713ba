#!/usr/bin/env bash
# bench/bgpwatch.sh: bgpwatch side by side with `bgpdump -m` (Debian
# bgpdump 1.6.2), with the decompression floor (zcat/bzcat > /dev/null).
# Goals (issue 6): dump >= 3x faster than bgpdump; the engine's load of a
# full table within 2x of the decompression floor; a one-peer full table
# held in < 150 MiB. Prints every command and the ratios; asserts nothing.
# Env: NK_BUILD (build dir with bgpwatch/bgpwatch), NK_SHARED, NK_TOP.
set -u
NK_TOP=${NK_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
NK_BUILD=${NK_BUILD:-$NK_TOP/build}
NK_SHARED=${NK_SHARED:-$(cd "$NK_TOP/.." && pwd)/shared}
BW=$NK_BUILD/bgpwatch/bgpwatch
D=$NK_SHARED/data/bgp/mrt
RUNS=${BENCH_RUNS:-3}
TMP=$(mktemp -d /tmp/bench-bgpwatch.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$BW" ]; then
	echo "bgpwatch not built: $BW"
	exit 1
fi
have_bgpdump=1
command -v bgpdump >/dev/null || have_bgpdump=0

# best-of-N wall time of a shell command, in seconds (3 decimals)
best() {
	local best="" t
	for _ in $(seq 1 "$RUNS"); do
		/usr/bin/time -f %e -o "$TMP/t" bash -c "$1 >/dev/null 2>&1"
		t=$(tail -1 "$TMP/t")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}
# peak RSS (KiB) of a command
rss() {
	/usr/bin/time -f %M -o "$TMP/m" bash -c "$1 >/dev/null 2>&1"
	tail -1 "$TMP/m"
}
ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.2f\", $1 / $2; else print \"inf\" }"; }
cat_for() { case "$1" in *.gz) echo zcat ;; *.bz2) echo bzcat ;; *) echo cat ;; esac; }

echo "$($BW --version 2>/dev/null | head -1); bgpdump $(dpkg-query -W -f='${Version}' bgpdump 2>/dev/null)"
echo "host: $(nproc) cores, best of $RUNS runs, wall seconds"

dump_row() { # file
	local f=$1 c fl bd bw
	c=$(cat_for "$f")
	fl=$(best "$c '$f'")
	bw=$(best "'$BW' dump '$f'")
	if [ "$have_bgpdump" = 1 ]; then
		bd=$(best "bgpdump -m '$f'")
	else
		bd=0
	fi
	printf '%-58s %8s %8s %8s %8sx %8sx\n' "$(basename "$f")" "$fl" "$bd" "$bw" \
		"$(ratio "$bd" "$bw")" "$(ratio "$bw" "$fl")"
	echo "    floor:    $c '$f' > /dev/null"
	echo "    bgpdump:  bgpdump -m '$f' > /dev/null"
	echo "    bgpwatch: $BW dump '$f' > /dev/null"
}

# BGPWATCH_BENCH=live runs only the live part below, =mrt only this one
if [ "${BGPWATCH_BENCH:-all}" != live ]; then
echo "== dump (one line per route, bgpdump -m format)"
printf '%-58s %8s %8s %8s %9s %9s\n' file floor bgpdump bgpwatch "dump/bgp" "bw/floor"
for f in "$D/updates.et-header.2015.gz" \
	"$D/routeviews-rib.20140523.0600_first9072prefixes.derived.mrt.gz" \
	"$D/ris-rrc00-bview.20020722.2337.gz" \
	"$D/routeviews-rib.20080501.0644_firstMB.bz2" \
	"$D/routeviews6-rib.20151101.0600_firstMB.bz2"; do
	[ -f "$f" ] && dump_row "$f"
done

echo "== synthetic RIB: 250,000 prefixes x 4 peers = 1,000,000 entries (gzip -1, generated)"
SYN=$TMP/synth-rib.mrt.gz
echo "    python3 $NK_TOP/bgpwatch/mrtgen.py synth-rib $SYN 250000 4"
python3 "$NK_TOP/bgpwatch/mrtgen.py" synth-rib "$SYN" 250000 4
dump_row "$SYN"

echo "== engine: load a table into the RIB (replay with no updates)"
printf '%-58s %8s %8s %9s %10s\n' file floor load "load/floor" "peak RSS"
load_row() { # file label
	local f=$1 c fl ld r
	c=$(cat_for "$f")
	fl=$(best "$c '$f'")
	ld=$(best "'$BW' replay --no-tui -q '$f'")
	r=$(rss "'$BW' replay --no-tui -q '$f'")
	printf '%-58s %8s %8s %8sx %7s MiB\n' "$2" "$fl" "$ld" "$(ratio "$ld" "$fl")" \
		"$(awk "BEGIN{printf \"%.1f\", $r/1024}")"
	echo "    floor: $c '$f' > /dev/null"
	echo "    load:  $BW replay --no-tui -q '$f'"
	"$BW" replay --no-tui "$f" 2>&1 >/dev/null | sed -n 's/.*event=rib_stats /    rib: /p'
}
load_row "$D/updates.et-header.2015.gz" "full IPv4 table, one peer (updates.et-header.2015)"
load_row "$SYN" "synthetic 250k prefixes x 4 peers"
load_row "$D/routeviews-rib.20140523.0600_first9072prefixes.derived.mrt.gz" \
	"RouteViews 9,072 prefixes x 35 peers"
echo "goals: dump/bgp >= 3x; full-table load/floor <= 2x; one-peer table < 150 MiB"
fi

# ---------------------------------------------------------------- live
# bgpwatch collect in a namespace lab (issue 7): GoBGP injects the derived
# RouteViews RIB (one path per prefix) into bgpwatch, then into BIRD as a
# passive collector of the same feed; then, with the table loaded, the
# latency from each withdrawal on the wire (tcpdump capture stamp) to the
# moment bgpwatch's JSON event line is read from its stdout (both
# CLOCK_REALTIME). Needs root, gobgpd, bird2, tcpdump, python3.
live_bench() {
	local P=bwb$$ RV="$D/routeviews-rib.20140523.0600_first9072prefixes.derived.mrt.gz"
	local NP=${P}p NC=${P}c G t0 t1 n_rib
	for t in gobgpd gobgp bird birdc tcpdump python3 ip; do
		command -v "$t" >/dev/null || { echo "== live: skipped ($t not installed)"; return 0; }
	done
	[ "$(id -u)" = 0 ] || { echo "== live: skipped (needs root for namespaces)"; return 0; }
	[ -f "$RV" ] || { echo "== live: skipped (no $RV)"; return 0; }
	LIVE_NS="$NP $NC"
	ip netns add "$NP" && ip netns add "$NC" || return 0
	ip link add "${P}1" type veth peer name "${P}2"
	ip link set "${P}1" netns "$NP"
	ip link set "${P}2" netns "$NC"
	ip -n "$NP" addr add 10.201.0.1/24 dev "${P}1"
	ip -n "$NC" addr add 10.201.0.2/24 dev "${P}2"
	for n in "$NP" "$NC"; do ip -n "$n" link set lo up; done
	ip -n "$NP" link set "${P}1" up
	ip -n "$NC" link set "${P}2" up
	zcat "$RV" >"$TMP/rv.mrt"
	# the prefixes whose withdrawal is timed: 50 added after the table
	# (GoBGP deletes single routes it originated, not injected ones)
	seq 1 50 | sed 's#.*#10.99.&.0/24#' >"$TMP/wd.txt"
	n_rib=$("$BW" dump "$TMP/rv.mrt" 2>/dev/null | awk -F'|' '$6 ~ /^[0-9.]+\//{print $6}' | sort -u | wc -l)
	G="ip netns exec $NP gobgp"
	cat >"$TMP/gobgpd.toml" <<TOML
[global.config]
  as = 65020
  router-id = "10.201.0.1"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.201.0.2"
    peer-as = 65001
  [neighbors.transport.config]
    local-address = "10.201.0.1"
  [neighbors.timers.config]
    hold-time = 90
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
TOML
	{
		printf '[collector]\nasn = 65001\nrouter_id = 10.201.0.2\nlisten = 10.201.0.2:179\n'
		printf '[upstream G]\npeer = 10.201.0.1\nasn = 65020\n[watch]\nprefix = 192.0.2.0/24\n'
		sed 's/^/prefix = /' "$TMP/wd.txt"
	} >"$TMP/bw.conf"
	# stamp every JSON line when it is read (realtime ns)
	cat >"$TMP/stamp.py" <<'PY'
import sys, time
out = open(sys.argv[1], 'w', buffering=1)
for line in sys.stdin:
    out.write('%d %s' % (time.time_ns(), line))
PY
	start_gobgp() {
		ip netns exec "$NP" gobgpd -f "$TMP/gobgpd.toml" -p --api-hosts 127.0.0.1:50051 \
			--pprof-disable >"$TMP/gobgpd.log" 2>&1 &
		GOPID=$!
		for _ in $(seq 1 300); do $G neighbor 2>/dev/null | grep -q Establ && return 0; sleep 0.1; done
		echo "    gobgp session did not come up"; return 1
	}
	stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
	# CPU (user + system) a process has used so far, in ms
	cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }

	echo "== live: full-table load over a BGP session (GoBGP mrt inject of $n_rib IPv4 prefixes)"
	echo "    ip netns exec $NC $BW collect --config bw.conf --json | stamp"
	echo "    ip netns exec $NP gobgp mrt inject global --only-best --nexthop 10.201.0.1 --no-ipv6 rv.mrt"
	ip netns exec "$NC" "$BW" collect --config "$TMP/bw.conf" --json 2>"$TMP/bw.err" |
		python3 "$TMP/stamp.py" "$TMP/bw.events" &
	sleep 0.3
	BWPID=$(ip netns pids "$NC" | head -1)
	start_gobgp || return 0
	local c0 bw_cpu
	c0=$(cpu_ms "$BWPID")
	t0=$(date +%s%N)
	$G mrt inject global --only-best --nexthop 10.201.0.1 --no-ipv6 "$TMP/rv.mrt" >/dev/null 2>&1
	$G global rib add 192.0.2.0/24 -a ipv4 nexthop 10.201.0.1 >/dev/null
	for _ in $(seq 1 600); do grep -q '"announced".*192.0.2.0/24' "$TMP/bw.events" 2>/dev/null && break; sleep 0.02; done
	t1=$(awk '/"announced".*192.0.2.0\/24/ {print $1; exit}' "$TMP/bw.events")
	bw_cpu=$(awk -v a="$(cpu_ms "$BWPID")" -v b="$c0" 'BEGIN { printf "%.0f", a - b }')
	kill -USR1 "$BWPID"; sleep 0.3
	local bw_routes bw_load sent
	bw_routes=$(sed -n 's/.*event=status peer=G .* routes=\([0-9]*\).*/\1/p' "$TMP/bw.err" | tail -1)
	sent=$($G global rib summary -a ipv4 2>/dev/null | sed -n 's/.*Destination: \([0-9]*\).*/\1/p' | head -1)
	bw_load=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
	echo "    bgpwatch: ${bw_load} s from inject start to the sentinel's event; routes held $bw_routes of $sent sent; collector CPU ${bw_cpu} ms"

	echo "== live: withdrawal -> JSON event latency, table loaded (${bw_routes} routes), $(wc -l <"$TMP/wd.txt") withdrawals 100 ms apart"
	echo "    ip netns exec $NC tcpdump -ni ${P}2 -w wd.pcap 'tcp port 179'; gobgp global rib del PREFIX"
	ip netns exec "$NC" tcpdump -ni "${P}2" -U --immediate-mode -w "$TMP/wd.pcap" 'tcp src port 179 or tcp dst port 179' \
		>/dev/null 2>&1 &
	local TDPID=$!
	sleep 1
	while read -r p; do $G global rib add "$p" -a ipv4 nexthop 10.201.0.1 >/dev/null; done <"$TMP/wd.txt"
	sleep 1
	while read -r p; do $G global rib del "$p" -a ipv4 >/dev/null; sleep 0.1; done <"$TMP/wd.txt"
	sleep 1
	stop_pid "$TDPID"
	python3 - "$TMP/wd.pcap" "$TMP/bw.events" <<'PY'
import struct, sys, json, socket
raw = open(sys.argv[1], 'rb').read()
le = raw[:4] == b'\xd4\xc3\xb2\xa1'
E = '<' if le else '>'
nsres = raw[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
off = 24; wire = {}
while off + 16 <= len(raw):
    ts, tf, cl, ol = struct.unpack(E + 'IIII', raw[off:off + 16]); p = raw[off + 16:off + 16 + cl]; off += 16 + cl
    t = ts * 10**9 + (tf if nsres else tf * 1000)
    if len(p) < 14 or struct.unpack('!H', p[12:14])[0] != 0x800: continue
    ihl = (p[14] & 15) * 4; tcp = p[14 + ihl:]; pl = tcp[(tcp[12] >> 4) * 4:]
    i = 0
    while i + 19 <= len(pl) and pl[i:i + 16] == b'\xff' * 16:
        ln, ty = struct.unpack('!HB', pl[i + 16:i + 19]); body = pl[i + 19:i + ln]
        if ty == 2 and len(body) >= 2:
            wl = struct.unpack('!H', body[:2])[0]; w = body[2:2 + wl]; j = 0
            while j < len(w):
                l = w[j]; nb = (l + 7) // 8; a = w[j + 1:j + 1 + nb] + bytes(4 - nb)
                wire.setdefault('%s/%d' % (socket.inet_ntoa(a), l), t); j += 1 + nb
        i += ln
lat = []
for line in open(sys.argv[2]):
    ns, js = line.split(' ', 1); j = json.loads(js)
    if j['event'] in ('withdrawn', 'unreachable') and j.get('prefix') in wire:
        lat.append((int(ns) - wire.pop(j['prefix'])) / 1e6)
lat.sort()
if not lat:
    print('    no matched withdrawals'); sys.exit(0)
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print('    bgpwatch: %d withdrawals matched: p50 %.2f ms, p99 %.2f ms, max %.2f ms (goal p99 < 100 ms)' % (len(lat), q(0.5), q(0.99), lat[-1]))
PY
	stop_pid "$GOPID"
	kill "$BWPID" 2>/dev/null
	sleep 0.5

	echo "== live: the table already in GoBGP's RIB, sent when the session comes up: bgpwatch vs BIRD 2 as passive collectors"
	echo "    gobgp mrt inject (before the session); tcpdump -w load.pcap 'tcp port 179' in $NC; the collector starts, GoBGP dials it"
	echo "    time: first UPDATE on the wire -> the collector holds every route, polled every 10 ms"
	echo "    (bgpwatch: kill -USR1 and its status line; BIRD: birdc show route count); CPU: the collector's whole run"
	cat >"$TMP/bird.conf" <<BIRD
router id 10.201.0.2;
protocol device { }
protocol bgp G {
    local 10.201.0.2 as 65001;
    neighbor 10.201.0.1 as 65020;
    passive on;
    ipv4 { import all; export none; };
}
BIRD
	local who bw_pre bi_pre bw_pcpu bi_pcpu
	for who in bgpwatch bird; do
		ip netns exec "$NP" gobgpd -f "$TMP/gobgpd.toml" -p --api-hosts 127.0.0.1:50051 \
			--pprof-disable >"$TMP/gobgpd.log" 2>&1 &
		GOPID=$!
		for _ in $(seq 1 100); do $G global >/dev/null 2>&1 && break; sleep 0.1; done
		$G mrt inject global --only-best --nexthop 10.201.0.1 --no-ipv6 "$TMP/rv.mrt" >/dev/null 2>&1
		$G global rib add 192.0.2.0/24 -a ipv4 nexthop 10.201.0.1 >/dev/null
		# the inject returns before GoBGP has taken every route
		sent="" prev=-1
		for _ in $(seq 1 60); do
			sent=$($G global rib summary -a ipv4 2>/dev/null | sed -n 's/.*Destination: \([0-9]*\).*/\1/p' | head -1)
			[ "${sent:-0}" -gt 0 ] && [ "$sent" = "$prev" ] && break
			prev=$sent
			sleep 0.5
		done
		ip netns exec "$NC" tcpdump -ni "${P}2" -U --immediate-mode -w "$TMP/load-$who.pcap" 'tcp port 179' >/dev/null 2>&1 &
		TDPID=$!
		sleep 1
		local cpid n=0 t1=""
		if [ "$who" = bgpwatch ]; then
			ip netns exec "$NC" "$BW" collect --config "$TMP/bw.conf" >/dev/null 2>"$TMP/pre.err" &
		else
			ip netns exec "$NC" bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" >/dev/null 2>&1 &
		fi
		cpid=$!
		# SIGUSR1 before bgpwatch's handler is in place would kill it
		[ "$who" = bgpwatch ] && for _ in $(seq 1 500); do grep -q collector_started "$TMP/pre.err" && break; sleep 0.01; done
		for _ in $(seq 1 3000); do
			if [ "$who" = bgpwatch ]; then
				kill -USR1 "$cpid" 2>/dev/null
				sleep 0.01
				n=$(sed -n 's/.*event=status peer=G .* routes=\([0-9]*\).*/\1/p' "$TMP/pre.err" | tail -1)
			else
				n=$(birdc -s "$TMP/bird.ctl" show route count 2>/dev/null | sed -n 's/^\([0-9]*\) of [0-9]* routes.*/\1/p' | head -1)
				sleep 0.01
			fi
			if [ "${n:-0}" -ge "$sent" ]; then t1=$(date +%s%N); break; fi
		done
		local cpu
		cpu=$(cpu_ms "$cpid")
		sleep 0.2
		stop_pid "$TDPID"
		local t0
		t0=$(python3 - "$TMP/load-$who.pcap" <<'PY'
import struct, sys
raw = open(sys.argv[1], 'rb').read()
E = '<' if raw[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
nsres = raw[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
off = 24
while off + 16 <= len(raw):
    ts, tf, cl, ol = struct.unpack(E + 'IIII', raw[off:off + 16]); p = raw[off + 16:off + 16 + cl]; off += 16 + cl
    if len(p) < 34 or struct.unpack('!H', p[12:14])[0] != 0x800: continue
    ihl = (p[14] & 15) * 4; tcp = p[14 + ihl:]; pl = tcp[(tcp[12] >> 4) * 4:]
    i = 0
    while i + 19 <= len(pl) and pl[i:i + 16] == b'\xff' * 16:
        ln, ty = struct.unpack('!HB', pl[i + 16:i + 19])
        if ty == 2:
            print(ts * 10**9 + (tf if nsres else tf * 1000)); sys.exit(0)
        i += ln
PY
)
		kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
		stop_pid "$GOPID"
		sleep 0.3
		local secs="n/a"
		[ -n "$t1" ] && [ -n "$t0" ] && secs=$(awk "BEGIN{printf \"%.3f\", ($t1 - $t0) / 1e9}")
		printf '    %-9s %s s from the first UPDATE to %s of %s routes held; collector CPU %s ms\n' "$who:" "$secs" "${n:-0}" "$sent" "$cpu"
		if [ "$who" = bgpwatch ]; then bw_pre=$secs; bw_pcpu=$cpu; else bi_pre=$secs; bi_pcpu=$cpu; fi
	done
	echo "    load bgpwatch/BIRD: wall $(ratio "$bw_pre" "$bi_pre")x (goal <= 1), collector CPU $(ratio "$bw_pcpu" "$bi_pcpu")x"
	echo "    (paced by GoBGP's mrt inject instead, above: bgpwatch ${bw_load} s; the inject itself is the bound)"
}
LIVE_NS=""
trap 'for n in $LIVE_NS; do for p in $(ip netns pids $n 2>/dev/null); do kill $p 2>/dev/null; done; done; sleep 0.3; for n in $LIVE_NS; do ip netns del $n 2>/dev/null; done; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$TMP"' EXIT
# Soak: one peer on loopback flaps N times (connect, OPEN, 1,000 routes,
# close without NOTIFICATION); bgpwatch's RSS is sampled as it goes. Flat
# means every session's routes, attributes and buffers are given back.
soak_bench() {
	local port=$((30000 + $$ % 20000)) flaps=${SOAK_FLAPS:-400}
	command -v python3 >/dev/null || { echo "== soak: skipped (python3)"; return 0; }
	printf '[collector]\nasn = 65001\nrouter_id = 10.0.0.2\nlisten = 127.0.0.1:%s\n[upstream F]\npeer = 127.0.0.1\nasn = 65010\n[watch]\nprefix = 192.0.2.0/24\n' \
		"$port" >"$TMP/soak.conf"
	"$BW" collect -q --config "$TMP/soak.conf" >/dev/null 2>"$TMP/soak.err" &
	local pid=$!
	sleep 0.3
	echo "== soak: $flaps flaps of one peer x 1,000 routes (loopback)"
	echo "    $BW collect -q --config soak.conf; python3 flapping peer; VmRSS from /proc/PID/status"
	python3 - "$port" "$flaps" "$pid" <<'PY'
import socket, struct, sys, time
port, flaps, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def msg(t, b=b''): return b'\xff' * 16 + struct.pack('!HB', 19 + len(b), t) + b
caps = bytes([2, 6, 65, 4]) + struct.pack('!I', 65010)
opn = msg(1, struct.pack('!BHHI', 4, 65010, 30, 0x0a000001) + bytes([len(caps)]) + caps)
ups = []
for k in range(10):   # 10 UPDATEs x 100 prefixes, 10 distinct paths
    attrs = bytes([0x40, 1, 1, 0, 0x40, 2, 10, 2, 2]) + struct.pack('!II', 65010, 64500 + k) + bytes([0x40, 3, 4, 10, 0, 0, 1])
    nlri = b''.join(bytes([24, 10, k, j]) for j in range(100))
    ups.append(msg(2, struct.pack('!H', 0) + struct.pack('!H', len(attrs)) + attrs + nlri))
def rss():
    for l in open('/proc/%s/status' % pid):
        if l.startswith('VmRSS'): return int(l.split()[1])
samples = []
for i in range(1, flaps + 1):
    s = socket.create_connection(('127.0.0.1', port))
    s.sendall(opn + msg(4) + b''.join(ups))
    s.recv(4096)
    time.sleep(0.005)
    s.close()
    time.sleep(0.005)
    if i in (flaps // 8, flaps // 4, flaps // 2, flaps):
        time.sleep(0.2); samples.append((i, rss()))
print('    RSS after flaps: ' + ', '.join('%d: %d KiB' % x for x in samples))
a, b = samples[1][1], samples[-1][1]
print('    growth from flap %d to %d: %d KiB (%.2f%%)' % (samples[1][0], samples[-1][0], b - a, 100.0 * (b - a) / a))
PY
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

[ "${BGPWATCH_BENCH:-all}" != mrt ] && live_bench
[ "${BGPWATCH_BENCH:-all}" != mrt ] && soak_bench
exit 0
