#!/usr/bin/env bash
# stormwatch ncurses view: -r on the lab storm with --view in an 80x24 tmux
# pane; the screen must show the verdict, the storm state and the offenders
# table with the 8 NETGEAR reflectors; 'q' ends it and the summary follows.
# shellcheck source=../lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

SW=$(nk_bin stormwatch)
D=$NK_SHARED/data/pcap
T=$(nk_tmpdir)
if [ ! -x "$SW" ]; then
	nk_fail build "stormwatch not built at $SW"
	exit 1
fi
if ! command -v tmux >/dev/null; then
	nk_skip tui "tmux not installed (scripts/deps/stormwatch.txt)"
	exit 0
fi
if [ ! -f "$D/lab-storm-group-ttl5.pcap" ]; then
	nk_skip tui "no lab pcap under $D"
	exit 0
fi

# a private tmux server (its own socket), killed on exit
SOCK=$T/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; nk_cleanup' EXIT

screen() { tm capture-pane -p -t sw >"$T/screen.txt" 2>/dev/null; }
shows() { screen && grep -q -- "$1" "$T/screen.txt"; }

# 80x24, a UTF-8 locale and a plain terminal type; the command keeps the
# pane (and its final output) after stormwatch exits
tm -f /dev/null new-session -d -s sw -x 80 -y 24 \
	"env TERM=xterm LANG=C.UTF-8 LC_ALL=C.UTF-8 '$SW' -r '$D/lab-storm-group-ttl5.pcap' --view 2>'$T/err'; echo \"rc=\$?\" >'$T/rc'; sleep 60"
if ! nk_wait_for 20 shows 'input ended: q to quit'; then
	nk_fail tui/drawn "no view after 20 s: $(head -c 300 "$T/screen.txt" 2>/dev/null) $(cat "$T/err" 2>/dev/null)"
	exit 1
fi
screen
cp "$T/screen.txt" "$T/view.txt"
V=$T/view.txt
nk_expect tui/fits_80x24 "$(LC_ALL=C.UTF-8 grep -c '^.\{81,\}' "$V") $(wc -l <"$V")" "0 24"
nk_expect_grep tui/verdict "$V" '^stormwatch CRITICAL  frames 3108'
nk_expect_grep tui/storm_state "$V" '^STORM 1 ended: 203\.0\.113\.1 -> 203\.0\.113\.10: 8 reflectors, 3039 copies'
nk_expect_grep tui/table_header "$V" '^IP +MAC +VENDOR +VLAN +ROLE +COPIES'
rows=$(grep -E '^203\.0\.113\.1[0-9][0-9] +([0-9a-f]{2}:){5}[0-9a-f]{2} +NETGEAR +- +reflector +[0-9]+' "$V")
nk_expect tui/eight_netgear_reflectors "$(echo "$rows" | grep -c .)" 8
nk_expect tui/reflector_ips "$(echo "$rows" | awk '{print $1}' | sort | tr '\n' ' ')" \
	"203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 203.0.113.106 203.0.113.107 203.0.113.108 "
# sorted by copies, busiest first (396 from .108, README figures)
nk_expect tui/sorted_by_copies "$(echo "$rows" | head -1 | awk '{print $1, $6}')" "203.0.113.108 396"
nk_expect_grep tui/originator_row "$V" '^203\.0\.113\.1 +02:00:5e:00:00:01 .* origin '
nk_expect_grep tui/status_line "$V" 'CRITICAL +input ended: q to quit'

# 'r' reverses the sort: the originator (0 copies) comes first
tm send-keys -t sw r
if nk_wait_for 10 eval 'screen && sed -n 11p "$T/screen.txt" | grep -q "^203\.0\.113\.1 "'; then
	nk_pass tui/reverse_sort
else
	nk_fail tui/reverse_sort "row 1 after 'r': $(sed -n 11p "$T/screen.txt")"
fi
tm send-keys -t sw q
if nk_wait_for 10 test -s "$T/rc"; then
	nk_expect tui/exit_critical "$(cat "$T/rc")" rc=2
else
	nk_fail tui/exit "stormwatch did not end on 'q'"
fi
# after endwin() the shell summary is printed on the same terminal
nk_wait_for 5 shows 'all 8 reflectors are NETGEAR'
nk_expect_grep tui/summary_after_quit "$T/screen.txt" 'all 8 reflectors are NETGEAR'

# --view without a terminal: one line, exit 3
"$SW" -r "$D/lab-storm-group-ttl5.pcap" --view </dev/null >"$T/nt.out" 2>"$T/nt.err"
nk_expect tui/no_terminal_exit3 "$?" 3
nk_expect_grep tui/no_terminal_message "$T/nt.err" '^stormwatch: --view: '
"$SW" -r "$D/lab-storm-group-ttl5.pcap" --view --json >"$T/nj.out" 2>"$T/nj.err"
nk_expect tui/view_json_refused "$?" 3
exit 0
