#!/usr/bin/env bash
# `bgpwatch collect --tui`, the live ncurses face, in an 80x24 tmux pane
# against two scripted upstreams on loopback: the sessions table shows both
# Established with their prefix counts, a withdrawal by A shows in the
# prefixes x upstreams grid, the event log and the status bar, B going
# down shows with its reason; Tab moves
# the focus; a resize is survived; 'q' ends it cleanly (the peer still up
# gets a NOTIFICATION Cease, exit 0). Without a terminal: one line, exit 3.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
T=$NK_TMP
if [ ! -x "$BW" ]; then
	nk_fail live-tui/setup "bgpwatch not built at $BW"
	exit 1
fi
for t in tmux python3; do
	if ! command -v $t >/dev/null; then
		nk_fail live-tui/setup "$t not installed (scripts/deps/bgpwatch.txt)"
		exit 1
	fi
done
PORT=$((20000 + $$ % 20000))
cat >"$T/bw.conf" <<CONF
[collector]
asn = 65001
router_id = 10.0.0.2
hold_time = 0
connect_retry = 1s

[upstream A]
peer = 127.0.0.2
asn = 65010
passive = no
port = $PORT

[upstream B]
peer = 127.0.0.3
asn = 65020
passive = no
port = $PORT

[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
CONF

# no terminal: one line naming the cause, exit 3, nothing bound
"$BW" collect --config "$T/bw.conf" --tui </dev/null >"$T/notty.out" 2>"$T/notty.err"
nk_expect live-tui/no_terminal_rc "$?" 3
nk_expect live-tui/no_terminal_line "$(cat "$T/notty.err")" \
	"bgpwatch collect: option '--tui': stdout is not a terminal: use --json or the plain output"

peer() { # NAME ADDR AS STEPS...
	local n=$1 a=$2 as=$3
	shift 3
	nk_daemon "peer$n" python3 "$BGP_PEER_PY" "listen:$a" "$PORT" "open $as" keepalive \
		"update-a 192.0.2.0/24 $as,64500" "update-a 198.51.100.0/24 $as,64501" "$@" >/dev/null
}
peer A 127.0.0.2 65010 "await $T/go1001" "update-w 192.0.2.0/24" "expect-notify 120"
peer B 127.0.0.3 65020 "await $T/go1002" close

SOCK=$T/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; nk_cleanup' EXIT
screen() { tm capture-pane -p -t bw >"$T/screen.txt" 2>/dev/null; }
shows() { screen && grep -Eq -- "$1" "$T/screen.txt"; }
V=$T/screen.txt

tm -f /dev/null new-session -d -s bw -x 80 -y 24 \
	"env TERM=xterm LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BW' collect --config '$T/bw.conf' --tui 2>'$T/err'; echo \"rc=\$?\" >'$T/rc'; sleep 60"
if ! nk_wait_for 20 shows 'q quit'; then
	nk_fail live-tui/drawn "no view after 20 s: $(head -c 300 "$V") $(cat "$T/err" 2>/dev/null)"
	exit 1
fi
nk_pass live-tui/drawn
if nk_wait_for 30 shows '^B +65020 +Established +up [0-9]+s +2 '; then
	nk_pass live-tui/sessions_established
else
	nk_fail live-tui/sessions_established "$(tr '\n' '|' <"$V")"
fi
screen
nk_expect live-tui/fits_80x24 "$(LC_ALL=C.UTF-8 grep -c '^.\{81,\}' "$V") $(wc -l <"$V")" "0 24"
nk_expect_grep live-tui/title "$V" '^bgpwatch collect +2/2 sessions up +2 prefixes'
nk_expect_grep live-tui/sessions_header "$V" '^peer[^ ]* +AS +state +for +prefixes +last reason'
nk_expect_grep live-tui/session_A "$V" '^A +65010 +Established +up [0-9]+s +2 +- *$'
nk_expect_grep live-tui/grid_header "$V" '^prefix[^ ]* +A +B *$'
nk_expect_grep live-tui/grid_both_ok "$V" '^192\.0\.2\.0/24 +ok [0-9:]+ +ok [0-9:]+ *$'
nk_expect_grep live-tui/status_ok "$V" 'OK: 0 down, 0 unreachable, 0 partly withdrawn'

# A withdraws 192.0.2.0/24: the grid, the event log and the status bar say so
touch "$T/go1001"
if nk_wait_for 20 shows '^192\.0\.2\.0/24 +WITHDRAWN [0-9:]+ +ok [0-9:]+ *$'; then
	nk_pass live-tui/grid_withdrawn
else
	nk_fail live-tui/grid_withdrawn "$(tr '\n' '|' <"$V")"
fi
screen
nk_expect_grep live-tui/event_withdrawn "$V" 'withdrawn +192\.0\.2\.0/24 withdrawn by A, still via B'
nk_expect_grep live-tui/status_warning "$V" 'WARNING: 0 down, 0 unreachable, 1 partly withdrawn'
nk_expect_grep live-tui/session_A_count "$V" '^A +65010 +Established +up [0-9]+s +1 '

# B closes its session: down, with the reason; its routes go with it, so
# 192.0.2.0/24 is unreachable: CRITICAL in the status bar
touch "$T/go1002"
if nk_wait_for 20 shows '^B +65020 +[A-Za-z]+ +down [0-9]+s +0 +(connection closed|read: Connection reset)'; then
	nk_pass live-tui/session_B_down
else
	nk_fail live-tui/session_B_down "$(tr '\n' '|' <"$V")"
fi
screen
nk_expect_grep live-tui/status_critical "$V" 'CRITICAL: 1 down, 1 unreachable, 1 partly withdrawn'
nk_expect_grep live-tui/event_session_down "$V" 'session_down +peer down: (connection closed|read: Connection reset)'

# Tab: the focus moves to the prefixes table
tm send-keys -t bw Tab
if nk_wait_for 10 shows 'focus prefixes'; then
	nk_pass live-tui/tab_focus
else
	nk_fail live-tui/tab_focus "$(tail -2 "$V" | tr '\n' '|')"
fi
# a smaller terminal and back: still drawn, still fits
tm resize-window -t bw -x 60 -y 16
if nk_wait_for 10 shows '^bgpwatch collect' && screen &&
	[ "$(LC_ALL=C.UTF-8 grep -c '^.\{61,\}' "$V")" = 0 ] && [ "$(wc -l <"$V")" = 16 ]; then
	nk_pass live-tui/resize_small
else
	nk_fail live-tui/resize_small "$(tr '\n' '|' <"$V")"
fi
tm resize-window -t bw -x 80 -y 24
if nk_wait_for 10 shows '^prefix[^ ]* +A +B *$'; then
	nk_pass live-tui/resize_back
else
	nk_fail live-tui/resize_back "$(tr '\n' '|' <"$V")"
fi

# q: the way SIGTERM ends it, a Cease to every peer, exit 0
tm send-keys -t bw q
if nk_wait_for 15 test -s "$T/rc"; then
	nk_expect live-tui/q_exit "$(cat "$T/rc")" "rc=0"
else
	nk_fail live-tui/q_exit "still running 15 s after q"
fi
if nk_wait_for 10 grep -q '^NOTIFY 6/2 bgpwatch collector shutting down' "$T/peerA.out"; then
	nk_pass live-tui/q_cease
else
	nk_fail live-tui/q_cease "peer A got: $(cat "$T/peerA.out")"
fi
nk_expect_grep live-tui/q_logged "$T/err" 'event=stopping cause="q pressed"'
exit "$NK_FAILED"
