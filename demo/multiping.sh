#!/usr/bin/env bash
# demo/multiping.sh: multiping over loopback targets in a private namespace
# (about 30 s, no outside network). nftables makes the trouble:
#   a "tower" 127.7.0.1 with four customers 127.7.0.11-14 behind it that lose
#   replies at the same moments (one round in five), a target with occasional
#   random loss (127.7.0.21), one with a run of 5 losses in every 50
#   (127.7.0.22), and a clean one (127.7.0.23).
# Shows the JSON events that matter (sequential loss, the correlated-loss
# event naming the tower router that still answered) and the plugin line.
# On a terminal the ncurses screen runs first for 12 s.
set -u
: "${NK_BUILD:?run through demo/run.sh or set NK_BUILD}"
MP=$NK_BUILD/multiping/multiping
[ "$(id -u)" = 0 ] || { echo "demo multiping: needs root (network namespace)"; exit 0; }
NS=nkd$$
W=$(mktemp -d /tmp/nk-demo-mp.XXXXXX)
chmod 755 "$W"
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
X="ip netns exec $NS"
$X sysctl -qw net.ipv4.ping_group_range="0 2147483647"   # unprivileged ping sockets
arm() {
	$X nft delete table inet demo 2>/dev/null
	$X nft -f - <<'NFT'
table inet demo {
  chain out {
    type filter hook output priority 0;
    ip daddr { 127.7.0.11, 127.7.0.12, 127.7.0.13, 127.7.0.14 } icmp type echo-request numgen inc mod 20 8-11 drop
    ip daddr 127.7.0.21 icmp type echo-request numgen random mod 100 < 2 drop
    ip daddr 127.7.0.22 icmp type echo-request numgen inc mod 50 30-34 drop
  }
}
NFT
}
cat >"$W/wisp.conf" <<'CONF'
[group oak-harbor]
kind = tower
upstream = 127.7.0.1
member = 127.7.0.11-14
CONF
# per-target settings: the clean target is probed with big packets at DSCP EF
printf '127.7.0.1 tower-router\n127.7.0.21 radio-occasional\n127.7.0.22 radio-bursty\n127.7.0.23 size=1200 dscp=46 clean\n' >"$W/targets"
CMD="multiping --json -n 100 -i 0.2 -t 0.15 --occasional 5 --config wisp.conf -f targets"
if [ -t 1 ]; then
	arm
	echo "== the ncurses face for 12 s (q quits)"
	(cd "$W" && $X timeout -s INT 12 setpriv --reuid=nobody --regid=nogroup --clear-groups "$MP" --tui -i 0.2 -t 0.15 --config wisp.conf -f targets)
fi
arm
echo "== $CMD   (in namespace $NS, as nobody, 20 s)"
cat "$W/wisp.conf"
(cd "$W" && $X setpriv --reuid=nobody --regid=nogroup --clear-groups "$MP" --json -n 100 -i 0.2 -t 0.15 --occasional 5 --config wisp.conf -f targets) >"$W/out.json" 2>"$W/err"
rc=$?
echo "-- sequential loss:"
grep '^{' "$W/out.json" | jq -r 'select(.event == "loss_run_start") | "   \(.ts) \(.target) lost \(.run) in a row from seq \(.first_seq)"' | head -4
echo "-- correlated loss (one event per set and episode):"
grep '^{' "$W/out.json" | jq -r 'select(.event == "correlated_loss") | "   \(.ts) \(.text)"' | head -4
echo "-- per target at the end:"
grep '^{' "$W/out.json" | jq -r 'select(.event == "summary") | "   \(.target)\t\(.label // .group // "")\tlost \(.lost)/\(.sent)\tlongest run \(.run_longest)\t\(.class)\t\(.state)\t\(.payload_bytes) B dscp \(.send_dscp // "-")"'
echo "-- plugin line (exit $rc):"
tail -1 "$W/out.json" | cut -c1-200
exit 0
