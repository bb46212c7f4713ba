#!/usr/bin/env bash
# bench/multiping.sh: multiping vs fping on 1,000 and 10,000 loopback targets
# in a private namespace, at the same probe rate, one after the other:
# CPU seconds per 1,000 probes (user + sys from /usr/bin/time), RTT agreement
# (median of the per-target median RTTs), peak RSS. Prints the exact
# commands and the ratios; asserts nothing (timing never gates a test).
# Root only (namespace; both tools use raw sockets here).
set -u
: "${NK_BUILD:?run through bench/run.sh or set NK_BUILD}"
MP=$NK_BUILD/multiping/multiping
[ "$(id -u)" = 0 ] || { echo "bench multiping: needs root (network namespace)"; exit 0; }
command -v fping >/dev/null || { echo "bench multiping: fping not installed (scripts/deps/multiping.txt)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench multiping: /usr/bin/time missing (package time)"; exit 1; }
NS=nkb$$
W=$(mktemp -d /tmp/nk-bench-mp.XXXXXX)
chmod 755 "$W"
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
X="ip netns exec $NS"
T="/usr/bin/time -f %U:%S:%M:%e"

targets() { # N FILE: N addresses of 127.0.0.0/8 (every one answers)
	awk -v n="$1" 'BEGIN { for (k = 0; k < n; k++)
		printf "127.%d.%d.%d\n", 1 + int(k / 65024), int(k / 254) % 256, 1 + k % 254 }' >"$2"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run() { # N ROUNDS PERIOD_MS FPING_INTERVAL_MS
	local n=$1 r=$2 p=$3 i=$4 f=$W/t$1
	targets "$n" "$f"
	local probes=$((n * r))
	local fcmd="fping -q -C $r -p $p -i $i -f $f"
	local isec
	isec=$(awk -v p="$p" 'BEGIN { printf "%g", p / 1000 }')
	local mcmd="$MP --json -n $r -i $isec -t 1 --window 16 -f $f"
	echo "-- $n targets x $r rounds, every $isec s per target ($((n * 1000 / p)) probes/s)"
	echo "   fping:     ip netns exec NS $T $fcmd"
	echo "   multiping: ip netns exec NS $T $mcmd"
	$X $T $fcmd >/dev/null 2>"$W/f.err"
	$X $T $mcmd >"$W/m.json" 2>"$W/m.err"
	local ft mt
	ft=$(tail -1 "$W/f.err")
	mt=$(tail -1 "$W/m.err")
	# fping -C: "addr : rtt rtt - rtt"; per-target median, then the median
	local flost fmed mlost mmed
	flost=$(awk -F' : ' 'NF == 2 { n = split($2, v, " "); for (k = 1; k <= n; k++) if (v[k] == "-") l++ } END { print l + 0 }' "$W/f.err")
	fmed=$(awk -F' : ' 'NF == 2 { n = split($2, v, " "); m = 0
		for (k = 1; k <= n; k++) if (v[k] != "-") {   # insertion sort (mawk has no asort)
			x = v[k] + 0; j = m++
			while (j > 0 && a[j] > x) { a[j + 1] = a[j]; j-- }
			a[j + 1] = x }
		if (m) print (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }' "$W/f.err" | median)
	mlost=$(grep '"event":"summary"' "$W/m.json" | jq -s '[.[].lost] | add')
	mmed=$(grep '"event":"summary"' "$W/m.json" | jq -r '.rtt_p50_ms // empty' | median)
	awk -v ft="$ft" -v mt="$mt" -v pr="$probes" -v n="$n" -v fl="$flost" -v ml="$mlost" \
	    -v fm="$fmed" -v mm="$mmed" 'BEGIN {
		split(ft, f, ":"); split(mt, m, ":")
		fc = f[1] + f[2]; mc = m[1] + m[2]
		printf "   fping:     wall %.1f s, cpu %.2f s (user %.2f sys %.2f) = %.3f s per 1000 probes, peak RSS %d KiB, lost %d of %d, median RTT %.3f ms\n", f[4], fc, f[1], f[2], fc * 1000 / pr, f[3], fl, pr, fm
		printf "   multiping: wall %.1f s, cpu %.2f s (user %.2f sys %.2f) = %.3f s per 1000 probes, peak RSS %d KiB, lost %d of %d, median RTT %.3f ms\n", m[4], mc, m[1], m[2], mc * 1000 / pr, m[3], ml, pr, mm
		printf "   ratios (multiping / fping): cpu per probe %.2f (goal <= 0.5), peak RSS %.2f (%.0f B per target); median RTT difference %+.1f us (goal within 10)\n", (fc > 0 ? mc / fc : 0), m[3] / f[3], m[3] * 1024 / n, (mm - fm) * 1000
	}'
}

echo "bench multiping: fping $(fping -v 2>&1 | head -1 | awk '{print $3}'), both with raw sockets in namespace $NS"
run 1000 10 1000 1
run 10000 5 2000 0.1
# the scale target: 10,000 targets every second (fping needs longer than the
# period to send a round at -i 0.1, so its rounds stretch: see its wall time)
run 10000 10 1000 0.1
