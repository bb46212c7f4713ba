#!/usr/bin/env bash
# mailprobe --tui inside tmux (80x24) against the lab plus a server that
# accepts and never answers: finished probes show in the hosts x services
# table while the silent one is still pending, keys work during the round,
# the screen fits 80x24 (and a resize), and 'q' quits at once although the
# silent probe's 60 s deadline is far away.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/mail-lab.sh"

MP=$(nk_bin mailprobe)
T=$NK_TMP
if [ ! -x "$MP" ]; then nk_fail mailprobe_build "no $MP"; exit 1; fi
for c in dovecot postfix tmux; do
	command -v $c >/dev/null || { nk_skip mailprobe_tui "$c not installed (scripts/deps/mailprobe.txt)"; exit 0; }
done
nk_need_root mailprobe_tui || exit 0
MLAB=$T/lab
if ! mlab_up; then nk_fail mailprobe_lab "lab did not start"; exit 1; fi
TM="tmux -L mptui$$"
trap '$TM kill-server 2>/dev/null; mlab_down; nk_cleanup' EXIT

cat >"$T/silent.py" <<'PY'
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 11906)); s.listen(16)
held = []
print("ready", flush=True)
while True:
    c, _ = s.accept(); held.append(c)
PY
nk_daemon silent python3 "$T/silent.py" >/dev/null
nk_wait_for 10 grep -q ready "$NK_TMP/silent.out" || nk_fail silent_server "did not start"

printf 'machine 127.0.0.1 login probe1 password secret1\n' >"$T/creds"
chmod 600 "$T/creds"
# the pane runs mailprobe, then leaves its exit code in a file
$TM new-session -d -s tui -x 80 -y 24 \
	"TERM=xterm-256color $MP --tui -t 60 -i 300 --credentials $T/creds \
	imap://probe1@127.0.0.1:11143 pop3://probe1@127.0.0.1:11110 \
	smtp://127.0.0.1:11025 imaps://127.0.0.1:11993 imap://127.0.0.1:11906; \
	echo \$? >$T/tui.rc"
pane() { $TM capture-pane -p -t tui >"$T/screen.txt" 2>/dev/null; }
shows() { pane && grep -Eq "$1" "$T/screen.txt"; }

# results of the answering servers are in while the silent one is pending
if nk_wait_for 15 shows '1 of 5 pending'; then nk_pass tui_round_in_progress; else
	nk_fail tui_round_in_progress "$(cat "$T/screen.txt")"; fi
nk_expect_grep tui_header "$T/screen.txt" '^target +state +total ms'
nk_expect_grep tui_imap_row "$T/screen.txt" '^imap 127\.0\.0\.1:11143 +OK +[0-9.]+'
nk_expect_grep tui_pop3_row "$T/screen.txt" '^pop3 127\.0\.0\.1:11110 +OK +[0-9.]+'
nk_expect_grep tui_smtp_row "$T/screen.txt" '^smtp 127\.0\.0\.1:11025 +OK +[0-9.]+'
# imaps without --cafile: the self-signed lab cert is an alarm, not a hang
nk_expect_grep tui_imaps_row "$T/screen.txt" '^imaps 127\.0\.0\.1:11993 +CRITICAL'
nk_expect_grep tui_silent_pending "$T/screen.txt" '^imap 127\.0\.0\.1:11906 +\.\.\.'
# fits 80x24: 24 lines, header on the first, status bar on the last
nk_expect tui_lines "$(wc -l <"$T/screen.txt")" 24
nk_expect tui_width_fits "$(awk '{ if (length($0) > m) m = length($0) } END { print (m <= 80 && m >= 60) ? "yes" : m }' "$T/screen.txt")" yes
nk_expect_grep tui_status_last "$T/screen.txt" 'mailprobe: 5 targets, round 0 +probing: 1 of 5 pending'
nk_expect tui_status_is_last "$(tail -n 1 "$T/screen.txt" | grep -c 'mailprobe: 5 targets')" 1

# keys are served during the round: the selection moves to the imaps row
# and its detail line (above the help line) names the certificate problem
$TM send-keys -t tui Down Down Down
if nk_wait_for 5 shows 'imaps 127\.0\.0\.1:11993 tls.*(certificate|verify|self)'; then
	nk_pass tui_keys_during_round; else nk_fail tui_keys_during_round "$(cat "$T/screen.txt")"; fi

# resize to 60x20: the layout follows, status still on the last line
$TM resize-window -t tui -x 60 -y 20 2>/dev/null
if nk_wait_for 5 sh -c "$TM capture-pane -p -t tui | tail -n 1 | grep -q 'mailprobe: 5'"; then
	pane
	cp "$T/screen.txt" "$T/screen60.txt"
	nk_expect tui_resize_lines "$(wc -l <"$T/screen.txt")" 20
	nk_pass tui_resize
else
	nk_fail tui_resize "$(pane; cat "$T/screen.txt")"
fi

# 'q' while the silent probe is pending: exits well before its 60 s deadline
$TM send-keys -t tui q
if nk_wait_for 5 test -s "$T/tui.rc"; then nk_pass tui_quit_while_pending; else
	nk_fail tui_quit_while_pending "still running 5 s after q"; fi
nk_expect tui_quit_rc "$(cat "$T/tui.rc" 2>/dev/null)" 0
[ -n "${MP_TUI_KEEP:-}" ] && cp "$T"/screen*.txt "$MP_TUI_KEEP"/
exit $NK_FAILED
