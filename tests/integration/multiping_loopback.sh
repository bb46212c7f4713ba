#!/usr/bin/env bash
# multiping on loopback targets in its own namespace: the datagram path (as
# nobody, ping_group_range widened) and the raw path (root), exact counts,
# JSON fields, plugin exit codes by threshold, loss runs made by nftables,
# ICMP errors, and every bad-input case (one line, exit 3).
. "$(dirname "$0")/../lib/harness.sh"

nk_need_root multiping-loopback || exit 0
MP=$(nk_bin multiping)
[ -x "$MP" ] || { nk_fail multiping-built "no $MP"; exit 1; }
NS=$(nk_netns_add mp) || { nk_fail multiping-netns "ip netns add"; exit 1; }
X="ip netns exec $NS"
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
T=$NK_TMP

# jfield FILE EVENT TARGET FIELD: the field of the last such event
jfield() {
	grep '^{' "$1" | jq -r --arg e "$2" --arg t "$3" --arg f "$4" \
	    'select(.event == $e and (($t == "") or .target == $t)) | .[$f] | tostring' | tail -1
}
# jqs FILE FILTER: jq over the JSON lines only (the plugin line is last)
jqs() { grep '^{' "$1" | jq -r "${@:3}" "$2"; }

# 1. no permission: ping_group_range is "1 0" in a new namespace and nobody
#    has no CAP_NET_RAW -> one line naming both, exit 3
$X $NOBODY "$MP" -n 1 127.0.0.1 >"$T/noperm.out" 2>"$T/noperm.err"
nk_expect noperm-exit "$?" 3
nk_expect noperm-one-line "$(wc -l <"$T/noperm.err")" 1
nk_expect_grep noperm-names-sysctl "$T/noperm.err" 'ping_group_range.*CAP_NET_RAW'

# 2. raw path (root, range still "1 0"): 40 targets x 4, every reply counted
$X "$MP" --json -n 4 -i 0.05 -g 127.1.0.1-127.1.0.40 >"$T/raw.json" 2>"$T/raw.err"
nk_expect raw-exit "$?" 0
nk_expect raw-socket "$(jfield "$T/raw.json" start "" socket_v4)" raw
nk_expect raw-targets "$(jfield "$T/raw.json" start "" targets)" 40
nk_expect raw-received "$(jqs "$T/raw.json" '[.[] | select(.event == "summary") | .received] | add' -s)" 160
nk_expect raw-lost "$(jqs "$T/raw.json" '[.[] | select(.event == "summary") | .lost] | add' -s)" 0
nk_expect raw-foreign "$(jfield "$T/raw.json" end "" mangled)" 0

# 3. datagram path as nobody after widening the sysctl, IPv4 and IPv6
$X sysctl -qw net.ipv4.ping_group_range="0 2147483647"
$X $NOBODY "$MP" --json --probes -n 3 -i 0.05 127.0.0.1 127.2.3.4 ::1 >"$T/dg.json" 2>"$T/dg.err"
nk_expect dgram-exit "$?" 0
nk_expect dgram-socket-v4 "$(jfield "$T/dg.json" start "" socket_v4)" datagram
nk_expect dgram-socket-v6 "$(jfield "$T/dg.json" start "" socket_v6)" datagram
nk_expect dgram-probe-events "$(jqs "$T/dg.json" '[.[] | select(.event == "probe" and .status == "reply")] | length' -s)" 9
nk_expect dgram-v6-received "$(jfield "$T/dg.json" summary ::1 received)" 3
# JSON fields as documented (envelope + summary fields)
for f in ts tool host event severity target final sent received lost loss_pct \
	rtt_min_ms rtt_avg_ms rtt_max_ms rtt_mdev_ms rtt_p50_ms rtt_p95_ms rtt_p99_ms \
	jitter_ms run_current run_longest loss_runs sequential_runs class ttl state; do
	v=$(grep '^{' "$T/dg.json" | jq -r --arg f "$f" 'select(.event == "summary") | has($f)' | sort -u)
	[ "$v" = true ] || nk_fail "json-summary-field-$f" "missing in summary"
done
nk_expect json-probe-fields "$(jqs "$T/dg.json" 'select(.event == "probe") | [has("seq"), has("status"), has("rtt_ms"), has("ttl")] | all' | sort -u)" true
nk_expect json-tool "$(jfield "$T/dg.json" end "" tool)" multiping
# the shell face: one target, ping-like lines with a bar, summary at the end
$X $NOBODY "$MP" --plain -n 3 -i 0.05 127.0.0.1 >"$T/shell.out" 2>&1
nk_expect shell-lines "$(grep -c '^64 bytes from 127.0.0.1: seq=[0-2] ttl=64 time=[0-9.]* ms |' "$T/shell.out")" 3
nk_expect_grep shell-summary "$T/shell.out" '^3 sent, 3 received, 0.0% loss'
nk_expect_grep shell-rtt "$T/shell.out" '^rtt min/avg/max/mdev = '

# 4. emulated loss with nftables (requests leave through lo's output hook):
#    127.3.0.1 every 4th request dropped (2 of 8), 127.3.0.2 requests 2..5
#    dropped (a run of 4), 127.3.0.3 everything, 127.3.0.4 clean
arm_loss() { # fresh rules: numgen counters start again at 0
	$X nft delete table inet mp 2>/dev/null
	$X nft -f - <<'NFT' || nk_fail nft-rules "nft -f"
table inet mp {
  chain out {
    type filter hook output priority 0;
    ip daddr 127.3.0.1 icmp type echo-request numgen inc mod 4 0 counter drop
    ip daddr 127.3.0.2 icmp type echo-request numgen inc mod 100 2-5 counter drop
    ip daddr 127.3.0.3 icmp type echo-request counter drop
  }
}
NFT
}
run_loss() { # WARN CRIT -> rc
	$X $NOBODY "$MP" --json --probes -n 8 -i 0.05 -t 0.3 -w "$1" -c "$2" \
	    127.3.0.1 127.3.0.2 127.3.0.4 >"$T/loss.json" 2>"$T/loss.err"
}
arm_loss
run_loss 100,20% 250,50%
nk_expect loss-warning-exit "$?" 1
nk_expect loss-counted-exactly "$(jfield "$T/loss.json" summary 127.3.0.1 lost)" 2
nk_expect loss-nft-agrees "$($X nft list table inet mp | grep -A0 '127.3.0.1' | grep -o 'packets [0-9]*' | cut -d' ' -f2)" 2
nk_expect loss-run-start-seq "$(jqs "$T/loss.json" 'select(.event == "loss_run_start") | "\(.target) \(.first_seq) \(.run)"')" "127.3.0.2 2 3"
nk_expect loss-run-end "$(jqs "$T/loss.json" 'select(.event == "loss_run_end" and .target == "127.3.0.2") | "\(.first_seq)-\(.last_seq) \(.class)"')" "2-5 sequential"
nk_expect loss-lost-seqs "$(jqs "$T/loss.json" 'select(.event == "probe" and .target == "127.3.0.2" and .status == "lost") | .seq' | tr '\n' ' ')" "2 3 4 5 "
nk_expect loss-occasional-class "$(jqs "$T/loss.json" 'select(.event == "loss_run_end" and .target == "127.3.0.1") | .class' | sort -u)" occasional
nk_expect loss-clean-ok "$(jfield "$T/loss.json" summary 127.3.0.4 state)" OK
nk_expect_grep loss-plugin-line "$T/loss.json" "^MULTIPING WARNING - .*'127.3.0.1 pl'=25%;20;50;0;100"
arm_loss
run_loss 100,30% 250,50%
nk_expect loss-sequential-warns-below-loss-threshold "$?" 1   # 25 % < 30 %, the run of 4 warns
arm_loss
$X $NOBODY "$MP" -n 8 -i 0.05 -t 0.3 -w 100,30% -c 250,50% 127.3.0.1 127.3.0.4 >"$T/ok.out" 2>&1
nk_expect loss-ok-exit "$?" 0
arm_loss
$X $NOBODY "$MP" -n 8 -i 0.05 -t 0.3 -w 100,10% -c 250,20% 127.3.0.1 >"$T/crit.out" 2>&1
nk_expect loss-critical-exit "$?" 2
$X $NOBODY "$MP" -n 3 -i 0.05 -t 0.3 127.3.0.3 >"$T/down.out" 2>&1
nk_expect loss-all-lost-critical "$?" 2
nk_expect_grep loss-all-lost-perf "$T/down.out" "'127.3.0.3 pl'=100%"

# 5. ICMP errors: a reject in the output hook answers with unreachable
$X nft add rule inet mp out ip daddr 127.3.0.9 icmp type echo-request reject with icmp type host-unreachable
for path in dgram raw; do
	if [ $path = raw ]; then run="$X $MP --raw"; else run="$X $NOBODY $MP --dgram"; fi
	$run --json -n 2 -i 0.05 -t 0.3 127.3.0.9 >"$T/err-$path.json" 2>&1
	nk_expect "icmp-error-$path" "$(jqs "$T/err-$path.json" 'select(.event == "icmp_error") | "\(.seq) \(.error) \(.icmp_type)/\(.icmp_code) \(.router)"' | tr '\n' ' ')" \
	    "0 unreachable 3/1 127.3.0.9 1 unreachable 3/1 127.3.0.9 "
	nk_expect "icmp-error-$path-lost" "$(jfield "$T/err-$path.json" summary 127.3.0.9 lost)" 2
done

# 5b. replies from elsewhere (stateless rewrite of the destination, not
#     undone for the reply: 127.8.0.2 answers probes for 127.8.0.1) and
#     duplicated requests (nft dup: two replies per probe)
$X nft -f - <<'NFT'
table ip ux {
  chain out {
    type filter hook output priority -300;
    ip daddr 127.8.0.1 icmp type echo-request notrack ip daddr set 127.8.0.2
    ip daddr 127.8.0.3 icmp type echo-request dup to 127.8.0.3
  }
}
NFT
$X "$MP" --raw --json -n 3 -i 0.05 -t 0.3 127.8.0.1 127.8.0.3 >"$T/ux.json" 2>&1
nk_expect unexpected-source "$(jqs "$T/ux.json" 'select(.event == "unexpected_source") | "\(.target) \(.from) \(.count)"' | tr '\n' ' ')" \
    "127.8.0.1 127.8.0.2 1 127.8.0.1 127.8.0.2 2 "
nk_expect unexpected-not-timed "$(jfield "$T/ux.json" summary 127.8.0.1 received)/$(jfield "$T/ux.json" summary 127.8.0.1 unexpected_source)" 0/3
nk_expect duplicates "$(jfield "$T/ux.json" summary 127.8.0.3 received)/$(jfield "$T/ux.json" summary 127.8.0.3 duplicates)" 3/3

# 6. a correlated set on loopback: three targets lose the same rounds
$X nft -f - <<'NFT'
table inet corr {
  chain out {
    type filter hook output priority 0;
    ip daddr { 127.4.0.1, 127.4.0.2, 127.4.0.3 } icmp type echo-request numgen inc mod 30 5-7 drop
  }
}
NFT
# numgen counts the three targets' requests together: 10 rounds per 30
$X $NOBODY "$MP" --json -n 40 -i 0.05 -t 0.2 127.4.0.1 127.4.0.2 127.4.0.3 127.4.0.4 >"$T/corr.json" 2>&1
nk_expect corr-event "$(jqs "$T/corr.json" 'select(.event == "correlated_loss") | .targets | join(",")' | sort -u)" "127.4.0.1,127.4.0.2,127.4.0.3"

# 7. bad input: one line on stderr, exit 3, never a crash
bad() { # NAME EXPECTED-REGEX ARGS...
	local name=$1 re=$2
	shift 2
	$X $NOBODY "$MP" "$@" >"$T/bad.out" 2>"$T/bad.err"
	local rc=$?
	if [ "$rc" = 3 ] && [ "$(wc -l <"$T/bad.err")" = 1 ] && grep -Eq -- "$re" "$T/bad.err"; then
		nk_pass "bad-$name"
	else
		nk_fail "bad-$name" "rc=$rc stderr=$(head -c 300 "$T/bad.err")"
	fi
}
bad unknown-host "unknown host 'no-such-host.invalid'" -n 1 no-such-host.invalid
bad bad-range "10.0.0.0/33" -n 1 -g 10.0.0.0/33
bad bad-range-order "10.0.0.9-10.0.0.1|range" -n 1 -g 10.0.0.9-10.0.0.1
bad too-many "too many|65536|hosts" -n 1 -g 10.0.0.0/8
bad interval "below the 10 ms minimum" -n 1 -i 0.001 127.0.0.1
bad size "'10'|28" -n 1 -s 10 127.0.0.1
bad no-targets "no targets" -n 1
bad option "unknown option|--bogus" --bogus 127.0.0.1
bad rate "probes/s" -n 1 -i 0.01 -g 127.5.0.1-127.5.39.255
printf '127.0.0.1 ok\n127.0.0.300 broken\n' >"$T/targets.txt"
bad file-line "targets.txt:2: " -n 1 -f "$T/targets.txt"
bad file-missing "nosuch.txt" -n 1 -f "$T/nosuch.txt"
printf '[group g]\nupstream = 127.0.0.1\ncolour = red\n' >"$T/bad.conf"
bad config-key "bad.conf:3: " -n 1 --config "$T/bad.conf"
# duplicates: warned once, probed once
$X $NOBODY "$MP" --json -n 1 -i 0.05 127.0.0.1 127.0.0.1 127.0.0.0/31 >"$T/dup.json" 2>"$T/dup.err"
nk_expect dup-exit "$?" 0
nk_expect dup-targets "$(jfield "$T/dup.json" start "" targets)" 2
nk_expect_grep dup-warned "$T/dup.err" 'event=duplicate_targets count=2'

# 7b. the ncurses face in tmux (80x24, independent of the caller's stdin):
#     header, rows, the strip, a clean exit on SIGINT and the summaries
#     printed after the screen is left
TM="tmux -L mptui$$"
trap '$TM kill-server 2>/dev/null; nk_cleanup' EXIT
$TM new-session -d -s tui -x 80 -y 24 \
	"sh -c 'echo \$\$ >$T/tui.pid; TERM=xterm-256color exec $X $MP --tui -i 0.1 127.0.0.1 127.0.0.2 ::1'; \
	echo \$? >$T/tui.rc; sleep 60"
tui_pane() { $TM capture-pane -p -S -200 -t tui >"$T/tui.txt" 2>/dev/null; }
tui_shows() { tui_pane && grep -Eq "$1" "$T/tui.txt"; }
if nk_wait_for 10 tui_shows 'rtt per probe'; then nk_pass tui-screen; else
	nk_fail tui-screen "$(cat "$T/tui.txt")"; fi
nk_expect_grep tui-header "$T/tui.txt" 'multiping  3 targets'
nk_expect_grep tui-row-v6 "$T/tui.txt" '^::1 '
kill -INT "$(cat "$T/tui.pid" 2>/dev/null)" 2>/dev/null
if nk_wait_for 10 test -s "$T/tui.rc"; then nk_pass tui-exits-on-sigint; else
	nk_fail tui-exits-on-sigint "still running 10 s after SIGINT"; fi
nk_expect tui-exit "$(cat "$T/tui.rc" 2>/dev/null)" 0
tui_pane
nk_expect_grep tui-summary-after "$T/tui.txt" '^--- ::1 multiping statistics ---'
$TM kill-server 2>/dev/null

# 8. the graph for a ticket (nobody writes it). fontconfig keeps its parsed
#    configuration until exit (only FcFini frees it): not ours to fix, so
#    LeakSanitizer is told to ignore it for these runs
mkdir -p "$T/pub" && chmod 1777 "$T/pub"
echo 'leak:libfontconfig.so' >"$T/lsan.supp"
GENV="env LSAN_OPTIONS=suppressions=$T/lsan.supp"
$X $GENV $NOBODY "$MP" -n 5 -i 0.05 --graph "$T/pub/g.png" 127.0.0.1 127.3.0.1 >/dev/null 2>&1
nk_expect graph-png-exit "$?" 0
nk_expect graph-png "$(head -c 4 "$T/pub/g.png" 2>/dev/null | tail -c 3)" PNG
$X $GENV $NOBODY "$MP" -n 2 -i 0.05 --graph "$T/pub/g.svg" 127.0.0.1 >/dev/null 2>&1
nk_expect_grep graph-svg "$T/pub/g.svg" '<svg'

# 9. per-target settings go on the wire: a target file with TTL, DSCP,
#    size and interval per line, captured with tcpdump in the namespace
#    (raw path as root, then the datagram path as nobody: IP_TTL/IP_TOS and
#    IPV6_HOPLIMIT/IPV6_TCLASS travel as ancillary data on both)
cat >"$T/per.txt" <<'EOF'
127.9.0.1 ttl=32 dscp=46 size=1200 tuned
127.9.0.2
::1 ttl=7 dscp=10 size=100
EOF
for path in raw dgram; do
	if [ $path = raw ]; then run="$X $MP --raw"; else run="$X $NOBODY $MP --dgram"; fi
	$X tcpdump -i lo -U -w "$T/per-$path.pcap" 'icmp[icmptype] == icmp-echo or icmp6[icmp6type] == icmp6-echo' >/dev/null 2>&1 &
	tpid=$!
	nk_register_pid "$tpid"
	nk_wait_for 5 test -s "$T/per-$path.pcap"   # the pcap header: listening
	$run --json -n 3 -i 0.05 --ttl 50 -f "$T/per.txt" >"$T/per-$path.json" 2>&1
	nk_expect "per-target-$path-exit" "$?" 0
	kill -INT "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
	tcpdump -nv -r "$T/per-$path.pcap" 2>/dev/null >"$T/per-$path.txt"
	# IPv4: "IP (tos 0xb8, ttl 32, ... length 1228)\n    A > B: ICMP echo request"
	v4=$(awk '/ IP \(/ { h = $0; next } /ICMP echo request/ { sub(":", "", $3); print $3, h }' "$T/per-$path.txt" |
	    sed -E 's/^([^ ]+) .*tos (0x[0-9a-f]+), ttl ([0-9]+),.*length ([0-9]+)\).*/\1 \2 \3 \4/' | sort | uniq -c | awk '{print $2, $3, $4, $5, $1}' | tr '\n' ';')
	nk_expect "per-target-$path-v4-wire" "$v4" "127.9.0.1 0xb8 32 1228 3;127.9.0.2 0x0 50 84 3;"
	v6=$(grep -E 'IP6 .*ICMP6, echo request' "$T/per-$path.txt" |
	    sed -E 's/.*class (0x[0-9a-f]+),.*hlim ([0-9]+),.*payload length: ([0-9]+)\).*/\1 \2 \3/' | sort | uniq -c | awk '{print $2, $3, $4, $1}')
	nk_expect "per-target-$path-v6-wire" "$v6" "0x28 7 108 3"
	nk_expect "per-target-$path-json" "$(jqs "$T/per-$path.json" 'select(.event == "summary") | "\(.target) \(.payload_bytes) \(.send_ttl) \(.send_dscp) \(.received)"' | tr '\n' ';')" \
	    "127.9.0.1 1200 32 46 3;127.9.0.2 56 50 null 3;::1 100 7 10 3;"
done

# 9b. per-target intervals: over one fixed run (stopped by SIGINT) the
#     0.05 s target sends far more than the 0.5 s one (10x nominal; the
#     check is 4x so that a slow machine cannot fail it)
printf '127.9.1.1 interval=0.05\n127.9.1.2 interval=0.5\n' >"$T/iv.txt"
$X $NOBODY timeout -s INT 2 "$MP" --json --summary 0 -f "$T/iv.txt" >"$T/iv.json" 2>&1
fast=$(jfield "$T/iv.json" summary 127.9.1.1 sent)
slow=$(jfield "$T/iv.json" summary 127.9.1.2 sent)
if [ -n "$fast" ] && [ -n "$slow" ] && [ "$slow" -ge 1 ] && [ "$fast" -ge $((slow * 4)) ]; then
	nk_pass "per-target-interval ($fast vs $slow probes)"
else
	nk_fail per-target-interval "fast=$fast slow=$slow"
fi
nk_expect per-target-interval-json "$(jfield "$T/iv.json" summary 127.9.1.1 interval_ms)/$(jfield "$T/iv.json" summary 127.9.1.2 interval_ms)" 50/500
nk_expect per-target-schedules "$(jfield "$T/iv.json" start "" schedules)" 2

# 9c. correlation across mixed intervals: three targets at 0.05, 0.1 and
#     0.2 s lose the same moments (all their requests dropped for 0.5 s
#     every 1.5 s); 127.9.2.4 at 0.1 s stays clean. Buckets are the -i 0.1
#     interval.
$X nft -f - <<'NFT'
table inet flap {
  set down { type ipv4_addr; }
  chain out {
    type filter hook output priority 0;
    ip daddr @down icmp type echo-request drop
  }
}
NFT
printf '127.9.2.1 interval=0.05\n127.9.2.2\n127.9.2.3 interval=0.2\n127.9.2.4\n' >"$T/mix.txt"
# (stopped by SIGINT after the flaps: -n counts probes per target, so the
# 0.05 s target would stop first)
$X $NOBODY timeout --preserve-status -s INT 7.5 "$MP" --json -i 0.1 -t 0.2 -f "$T/mix.txt" >"$T/mix.json" 2>&1 &
mpid=$!
nk_register_pid "$mpid"
for k in 1 2 3 4; do
	sleep 1
	$X nft add element inet flap down '{ 127.9.2.1, 127.9.2.2, 127.9.2.3 }'
	sleep 0.5
	$X nft flush set inet flap down
done
wait "$mpid"
nk_expect mixed-exit "$?" 0
nk_expect mixed-corr-set "$(jqs "$T/mix.json" 'select(.event == "correlated_loss") | .targets | join(",")' | sort -u)" "127.9.2.1,127.9.2.2,127.9.2.3"
nk_expect mixed-clean "$(jfield "$T/mix.json" summary 127.9.2.4 lost)" 0

# 10. --resolve-every: a host name that moves. `ip netns exec` mounts
#     /etc/netns/NS/hosts over /etc/hosts (no outside DNS, the host's own
#     /etc/hosts untouched); rewriting it in place mid-run moves the target
NSH=/etc/netns/$NS
mkdir -p "$NSH" && echo "127.10.0.1 mp-moving.test" >"$NSH/hosts"
trap 'rm -rf "$NSH"; nk_cleanup' EXIT
$X $NOBODY timeout --preserve-status -s INT 4.5 "$MP" --json -i 0.2 --resolve-every 1 mp-moving.test 127.10.0.9 >"$T/res.json" 2>"$T/res.err" &
rpid=$!
nk_register_pid "$rpid"
nk_wait_for 5 grep -q '"event":"start"' "$T/res.json"
sleep 1.5
echo "127.10.0.2 mp-moving.test" >"$NSH/hosts"
wait "$rpid"
nk_expect resolve-exit "$?" 0
nk_expect resolve-change "$(jqs "$T/res.json" 'select(.event == "address_change") | "\(.name) \(.old) -> \(.target)"')" "mp-moving.test 127.10.0.1 -> 127.10.0.2"
nk_expect resolve-summary "$(jqs "$T/res.json" 'select(.event == "summary" and .label == "mp-moving.test") | .target')" 127.10.0.2
got=$(jfield "$T/res.json" summary 127.10.0.2 received)
[ "${got:-0}" -ge 2 ] && nk_pass "resolve-still-probed ($got replies)" || nk_fail resolve-still-probed "received=$got"
# a name that stops resolving keeps its address, with one log line a pass
echo "127.10.0.2 other.test" >"$NSH/hosts"
echo "127.10.0.3 mp-moving.test" >>"$NSH/hosts"
$X $NOBODY timeout --preserve-status -s INT 2.5 "$MP" --json -i 0.2 --resolve-every 1 mp-moving.test >"$T/res2.json" 2>"$T/res2.err" &
rpid=$!
nk_register_pid "$rpid"
nk_wait_for 5 grep -q '"event":"start"' "$T/res2.json"
echo "127.10.0.2 other.test" >"$NSH/hosts"
wait "$rpid"
nk_expect_grep resolve-failed-logged "$T/res2.err" 'event=resolve_failed target=127.10.0.3 host=mp-moving.test .*action=kept'
nk_expect resolve-failed-kept "$(jqs "$T/res2.json" 'select(.event == "summary") | .target')" 127.10.0.3
rm -rf "$NSH"
bad resolve-every "resolve-every|'0.1'" -n 1 --resolve-every 0.1 127.0.0.1

# 11. --graph-target: only the chosen panels (the SVG's height is 30 +
#     110 per panel + 10), by address or label; an unknown one is bad input
printf '127.0.0.1\n127.0.0.2 radio-b\n127.0.0.3\n' >"$T/gt.txt"
$X $GENV $NOBODY "$MP" -n 2 -i 0.05 --graph "$T/pub/gt.svg" --graph-target 127.0.0.3 --graph-target radio-b -f "$T/gt.txt" >/dev/null 2>&1
nk_expect graph-target-exit "$?" 0
nk_expect_grep graph-target-panels "$T/pub/gt.svg" '<svg[^>]* height="260(pt)?"'
$X $GENV $NOBODY "$MP" -n 2 -i 0.05 --graph "$T/pub/gall.svg" -f "$T/gt.txt" >/dev/null 2>&1
nk_expect_grep graph-all-panels "$T/pub/gall.svg" '<svg[^>]* height="370(pt)?"'
bad graph-target "graph-target.*127.0.0.4.*not one of the targets" -n 1 --graph "$T/pub/x.png" --graph-target 127.0.0.4 127.0.0.1

exit "$NK_FAILED"
