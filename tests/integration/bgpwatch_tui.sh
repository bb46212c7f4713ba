#!/usr/bin/env bash
# bgpwatch's ncurses face: `replay` on a terminal shows watched prefixes x
# upstreams (state and since when), per-peer prefix counts over time and the
# event log, in an 80x24 tmux pane; 'q' ends it. The lab data's timeline
# says what the screen must show at the end: 192.0.2.0/24 withdrawn by both
# upstreams, B's session down.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
L=$NK_SHARED/data/bgp/lab
T=$(nk_tmpdir)
if [ ! -x "$BW" ]; then
	nk_fail tui/setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v tmux >/dev/null; then
	nk_fail tui/setup "tmux not installed (scripts/deps/bgpwatch.txt)"
	exit 1
fi
TL=$L/lab-two-upstreams.timeline.txt
asA=$(sed -n 's/.*A(\([0-9]*\)).*/\1/p' "$TL" | head -1)
asB=$(sed -n 's/.*B(\([0-9]*\)).*/\1/p' "$TL" | head -1)
cat >"$T/lab.conf" <<CONF
[upstream A]
asn = $asA
[upstream B]
asn = $asB
[watch]
$(sed -n '1s/.*announce //p' "$TL" | tr ' ' '\n' | sed 's/^/prefix = /')
[engine]
visibility_min_prefixes = 1
CONF

SOCK=$T/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; nk_cleanup' EXIT
screen() { tm capture-pane -p -t bw >"$T/screen.txt" 2>/dev/null; }
shows() { screen && grep -q -- "$1" "$T/screen.txt"; }

tm -f /dev/null new-session -d -s bw -x 80 -y 24 \
	"env TERM=xterm LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BW' replay --config '$T/lab.conf' '$L/lab-two-upstreams.rib4.t0-both-full.mrt' '$L/lab-two-upstreams.bgp4mp.mrt' 2>'$T/err'; echo \"rc=\$?\" >'$T/rc'; sleep 60"
if ! nk_wait_for 20 shows 'q: quit'; then
	nk_fail tui/drawn "no view after 20 s: $(head -c 300 "$T/screen.txt") $(cat "$T/err" 2>/dev/null)"
	exit 1
fi
screen
V=$T/screen.txt
nk_expect tui/fits_80x24 "$(LC_ALL=C.UTF-8 grep -c '^.\{81,\}' "$V") $(wc -l <"$V")" "0 24"
nk_expect_grep tui/grid_header "$V" '^prefix +A +B *$'
nk_expect_grep tui/both_withdrew "$V" '^192\.0\.2\.0/24 +WITHDRAWN [0-9:]+ +WITHDRAWN [0-9:]+'
nk_expect_grep tui/still_via_A "$V" '^203\.0\.113\.0/24 +ok [0-9:]+ +WITHDRAWN [0-9:]+'
nk_expect_grep tui/flaps_marked "$V" '^198\.51\.100\.0/24 +ok .*WITHDRAWN [0-9:]+ flaps'
nk_expect_grep tui/prefix_counts "$V" '^prefix count per peer'
nk_expect_grep tui/event_log "$V" 'withdrawn +198\.51\.100\.0/24 withdrawn by B, still via A'
nk_expect_grep tui/session_down "$V" 'session_down +session with B'
nk_expect_grep tui/status "$V" 'q: quit .*events, 2 peers'

tm send-keys -t bw q
if nk_wait_for 10 test -s "$T/rc"; then
	nk_expect tui/q_quits "$(cat "$T/rc")" "rc=0"
else
	nk_fail tui/q_quits "still running 10 s after q"
fi
exit "$NK_FAILED"
