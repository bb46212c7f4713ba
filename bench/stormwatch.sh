#!/usr/bin/env bash
# bench/stormwatch.sh: stormwatch's full analysis side by side with a bare
# libpcap read loop (the floor, bench/pcap_floor.c), tcpdump -nr and the
# tshark storm filter, on pcaps made by shared/lab-recipes/gen_mixed.py in
# a temp dir (never committed, deleted on exit). Reports wall, CPU and
# peak RSS; prints ratios and the exact commands. Asserts nothing.
#   BENCH_FRAMES=10000000 (default)   BENCH_TSHARK_FULL=1: also tshark on it
set -u
cd "$(dirname "$0")/.."
NK_BUILD=${NK_BUILD:-$PWD/${B:-build}}
NK_SHARED=${NK_SHARED:-$(cd .. && pwd)/shared}
SW=$NK_BUILD/stormwatch/stormwatch
GEN=$NK_SHARED/lab-recipes/gen_mixed.py
N=${BENCH_FRAMES:-10000000}
PY=${PYTHON:-python3}
[ -x "$SW" ] || { echo "stormwatch not built: $SW"; exit 1; }
[ -f "$GEN" ] || { echo "generator not found: $GEN"; exit 1; }
W=$(mktemp -d /tmp/nk-bench-sw.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

cc -O2 -o "$W/pcap_floor" bench/pcap_floor.c -lpcap || exit 1

echo "generating $N frames and 1M frames with gen_mixed.py (seed 1) in $W ..."
"$PY" "$GEN" -o "$W/big.pcap" -n "$N" >/dev/null || exit 1
"$PY" "$GEN" -o "$W/1m.pcap" -n 1000000 >/dev/null || exit 1
ls -l "$W"/*.pcap | awk '{printf "  %s %s bytes\n", $NF, $5}'

# run LABEL CMD...: best of 3 wall (page cache warm), its CPU and max RSS
declare -A WALL CPU RSS
run() {
	local label=$1 best= i out
	shift
	for i in 1 2 3; do
		/usr/bin/time -o "$W/time" -f '%e %U %S %M' "$@" >/dev/null 2>&1
		read -r w u s m < <(tail -1 "$W/time")
		if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN {exit !(a < b)}'; then
			best=$w
			CPU[$label]=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
			RSS[$label]=$m
		fi
		[ "${BENCH_ONCE:-}" = 1 ] && break
	done
	WALL[$label]=$best
	printf -v cmd '%q ' "$@"
	printf '  %-22s wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MiB   $ %s\n' "$label" \
		"$best" "${CPU[$label]}" "$(awk -v k="${RSS[$label]}" 'BEGIN {print k / 1024}')" "$cmd"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }

FILTER='eth.dst.ig == 1 && icmp.checksum.status == "Bad"'
for f in big 1m; do
	P=$W/$f.pcap
	echo
	echo "== $f.pcap ($("$W/pcap_floor" "$P" | cut -d' ' -f1) frames)"
	run "floor:$f" "$W/pcap_floor" "$P"
	run "stormwatch:$f" "$SW" -r "$P" --plugin
	run "tcpdump:$f" tcpdump -nr "$P"
	if [ "$f" = 1m ] || [ "${BENCH_TSHARK_FULL:-}" = 1 ]; then
		BENCH_ONCE=1 run "tshark:$f" tshark -n -r "$P" -Y "$FILTER"
		hits=$(tshark -n -r "$P" -Y "$FILTER" 2>/dev/null | wc -l)
		echo "  tshark filter hits: $hits (stormwatch: $("$SW" -r "$P" --json | jq -r 'select(.event=="capture_stats") | .bad_icmp_cksum') bad ICMP checksums)"
	else
		echo "  tshark:$f skipped: about 32 s per 1M frames (storm.md) -> ~$((N / 1000000 * 32)) s; BENCH_TSHARK_FULL=1 runs it"
	fi
	"$SW" -r "$P" | sed -n '1p;/^  storm /p;/^  note/p'
	echo "  ratios: stormwatch/floor wall $(ratio "${WALL[stormwatch:$f]}" "${WALL[floor:$f]}")," \
		"cpu $(ratio "${CPU[stormwatch:$f]}" "${CPU[floor:$f]}") (goal <= 1.5)," \
		"tcpdump/stormwatch $(ratio "${WALL[tcpdump:$f]}" "${WALL[stormwatch:$f]}")," \
		"peak RSS $(awk -v k="${RSS[stormwatch:$f]}" 'BEGIN {printf "%.1f", k / 1024}') MiB (goal < 64)"
	if [ -n "${WALL[tshark:$f]:-}" ]; then
		echo "  tshark/stormwatch $(ratio "${WALL[tshark:$f]}" "${WALL[stormwatch:$f]}") (goal >= 10)," \
			"tshark peak RSS $(awk -v k="${RSS[tshark:$f]}" 'BEGIN {printf "%.0f", k / 1024}') MiB"
	fi
done
echo
echo "(commands shown with the temp dir $W; files deleted on exit)"
