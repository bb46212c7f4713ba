#!/usr/bin/env bash
# bgpwatch collect against scripted BGP speakers on loopback: a good
# session stays up while other peers send a malformed OPEN, a lying length,
# an oversized message, a malformed UPDATE, or nothing at all; each gets the
# right NOTIFICATION and one log line naming peer and cause. Then SIGHUP
# (new peer, no session dropped) and SIGTERM (Cease with a message).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail live-bad-setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	nk_skip live-bad "python3 missing (scripted peers)"
	exit 0
fi
PORT=$((20000 + $$ % 20000))
PORT2=$((PORT + 1))
C=$NK_TMP/c.conf
# 127.0.0.1 is the good peer A; the bad ones dial from 127.0.0.2..6 (all of
# 127/8 is loopback) so each is a configured peer of its own.
write_conf() {
	cat >"$C" <<CONF
[collector]
asn = 65001
router_id = 10.0.0.2
listen = 127.0.0.1:$PORT
hold_time = 30
connect_retry = 1s
open_timeout = 2s
record = $NK_TMP/rec.mrt

[upstream A]
peer = 127.0.0.1
asn = 65010
CONF
	for i in 2 3 4 5 6; do
		printf '[upstream bad%s]\npeer = 127.0.0.%s\nasn = 6502%s\n' "$i" "$i" "$i" >>"$C"
	done
	[ "${1:-}" = more ] && printf '[upstream late]\npeer = 127.0.0.7\nasn = 65077\n' >>"$C"
	# an active peer: bgpwatch dials 127.0.0.8:PORT2
	printf '[upstream act]\npeer = 127.0.0.8\nasn = 65088\npassive = no\nport = %s\n' "$PORT2" >>"$C"
	printf '[watch]\nprefix = 192.0.2.0/24\nprefix = 198.51.100.0/24\n' >>"$C"
}
write_conf
BWPID=$(nk_daemon bw "$BW" collect --config "$C" --json)
nk_wait_for 5 grep -q "event=collector_started" "$NK_TMP/bw.err" ||
	nk_fail live-bad-start "collector did not start: $(cat "$NK_TMP/bw.err")"

# A: a good session that must survive everything below.
nk_daemon peerA python3 "$BGP_PEER_PY" 127.0.0.1 "$PORT" "open 65010" keepalive \
	"sleep 0.5" "update-a 192.0.2.0/24 65010,64500" "hold 12" \
	"update-w 192.0.2.0/24" "expect-notify 20" >/dev/null
if nk_wait_for 5 bgp_has "$NK_TMP/bw.out" announced 192.0.2.0/24; then
	nk_pass live-bad-good-session
else
	nk_fail live-bad-good-session "no announced event from A: $(cat "$NK_TMP/bw.out")"
fi

# the active peer: first session closed by the peer without NOTIFICATION,
# bgpwatch dials again after its backoff; the outage is measured
nk_daemon peerAct python3 "$BGP_PEER_PY" listen:127.0.0.8 "$PORT2" "open 65088" keepalive \
	"sleep 0.3" "update-a 198.51.100.0/24 65088,64501" "sleep 0.3" close accept \
	"open 65088" keepalive "hold 3" close >/dev/null
if nk_wait_for 20 bgp_has "$NK_TMP/bw.out" session_up 'session with act established after'; then
	nk_pass live-bad-active-reconnect
else
	nk_fail live-bad-active-reconnect "$(grep -F '"peer":"act"' "$NK_TMP/bw.out" | tail -3)"
fi
# the peer's close arrives as FIN or, with our KEEPALIVE unread, as RST
if grep '"event":"session_down"' "$NK_TMP/bw.out" | grep -F '"peer":"act"' |
	grep -Eq '"reason":"(connection closed by peer without NOTIFICATION|read: Connection reset by peer)"'; then
	nk_pass live-bad-active-down-reason
else
	nk_fail live-bad-active-down-reason "no session_down with the close reason: $(grep -F act "$NK_TMP/bw.err" | tail -4)"
fi

# run_bad NAME SRC EXPECT-NOTIFY LOG-SUBSTRING STEPS...
run_bad() {
	local name=$1 src=$2 want=$3 logw=$4
	shift 4
	local got
	got=$(python3 - "$src" "$PORT" "$@" <<PY
import runpy, sys, socket
real = socket.create_connection
def bound(addr, timeout=None):
    return real(addr, timeout, ('$src', 0))
socket.create_connection = bound
sys.argv = ['p', '127.0.0.1'] + sys.argv[2:]
runpy.run_path('$BGP_PEER_PY')
PY
	)
	if [ "$got" = "$want" ]; then
		nk_pass "live-bad-$name-notify"
	else
		nk_fail "live-bad-$name-notify" "want '$want', got '$got'"
	fi
	if nk_wait_for 3 grep -q "event=session_\(error\|down\).*$logw" "$NK_TMP/bw.err"; then
		nk_pass "live-bad-$name-log"
	else
		nk_fail "live-bad-$name-log" "no session_error/down line with '$logw'"
	fi
}
# OPEN with version 3: 2/1 Unsupported Version Number (RFC 4271 6.2)
run_bad bad-version 127.0.0.2 "NOTIFY 2/1 " "bad2.*unsupported BGP version" \
	"open 65022 3" "expect-notify 5"
# OPEN from the wrong AS: 2/2 Bad Peer AS
run_bad bad-peer-as 127.0.0.3 "NOTIFY 2/2 " "bad3.*peer says AS65099" \
	"open 65099" "expect-notify 5"
# a 5000-byte message without RFC 8654: 1/2 Bad Message Length
run_bad oversized 127.0.0.4 "NOTIFY 1/2 " "bad4.*length 5000" \
	"open 65024" keepalive "raw ffffffffffffffffffffffffffffffff138802" "expect-notify 5"
# an UPDATE whose withdrawn-routes length lies: 3/1
run_bad bad-update 127.0.0.5 "NOTIFY 3/1 " "bad5.*UPDATE" \
	"open 65025" keepalive "sleep 0.3" \
	"raw ffffffffffffffffffffffffffffffff001702ff000000" "expect-notify 5"
# connects and says nothing: hold (open) timer, 4/0
run_bad silent 127.0.0.6 "NOTIFY 4/0 " "bad6.*sent no OPEN" "expect-notify 10"

# A still up, and its routes still work
if bgp_has "$NK_TMP/bw.out" session_down '"peer":"A"'; then
	nk_fail live-bad-isolation "A went down during the bad sessions"
else
	nk_pass live-bad-isolation
fi

# SIGHUP with one more peer: nothing drops, the new peer gets a session
write_conf more
kill -HUP "$BWPID"
if nk_wait_for 5 grep -q "event=reloaded.*added=1" "$NK_TMP/bw.err"; then
	nk_pass live-bad-reload
else
	nk_fail live-bad-reload "no reload line: $(grep reload "$NK_TMP/bw.err")"
fi
python3 - 127.0.0.7 "$PORT" <<PY >/dev/null
import runpy, sys, socket
real = socket.create_connection
socket.create_connection = lambda a, timeout=None: real(a, timeout, ('127.0.0.7', 0))
sys.argv = ['p', '127.0.0.1', '$PORT', 'open 65077', 'keepalive', 'sleep 0.5', 'notify 6 2 bye']
runpy.run_path('$BGP_PEER_PY')
PY
if nk_wait_for 5 bgp_has "$NK_TMP/bw.out" session_up '"peer":"late"' &&
	! bgp_has "$NK_TMP/bw.out" session_down '"peer":"A"'; then
	nk_pass live-bad-reload-new-peer
else
	nk_fail live-bad-reload-new-peer "late peer not up or A dropped"
fi
# A's withdrawal after all this: unreachable (only A announced it)
if nk_wait_for 15 bgp_has "$NK_TMP/bw.out" unreachable 192.0.2.0/24; then
	nk_pass live-bad-after-withdraw
else
	nk_fail live-bad-after-withdraw "no unreachable for A's withdrawal"
fi

# SIGTERM: A receives Cease 6/2 with the shutdown communication
kill -TERM "$BWPID"
nk_wait_for 5 grep -q "NOTIFY" "$NK_TMP/peerA.out"
if grep -q "NOTIFY 6/2 bgpwatch collector shutting down" "$NK_TMP/peerA.out"; then
	nk_pass live-bad-sigterm-cease
else
	nk_fail live-bad-sigterm-cease "A got: $(cat "$NK_TMP/peerA.out")"
fi
# the MRT recording (BGP4MP_ET) reads back with bgpwatch dump and bgpdump
nk_wait_for 5 bash -c "! kill -0 $BWPID"
"$BW" dump "$NK_TMP/rec.mrt" >"$NK_TMP/rec.txt" 2>/dev/null
if grep -q '^BGP4MP_ET|[0-9.]*|A|127.0.0.1|65010|192.0.2.0/24|65010 64500|IGP|10.0.0.1|' "$NK_TMP/rec.txt" &&
	grep -q '^BGP4MP_ET|[0-9.]*|W|127.0.0.1|65010|192.0.2.0/24$' "$NK_TMP/rec.txt" &&
	grep -q '^BGP4MP_ET|[0-9.]*|STATE|127.0.0.1|65010|5|6$' "$NK_TMP/rec.txt"; then
	nk_pass live-bad-record
else
	nk_fail live-bad-record "recording lacks A's route: $(head -5 "$NK_TMP/rec.txt")"
fi
if command -v bgpdump >/dev/null; then
	# bad5's malformed UPDATE is recorded as received; bgpdump reads its
	# lying withdrawn length as 0.0.0.0/0, bgpwatch dump counts it bad
	grep -v '|127.0.0.5|' "$NK_TMP/rec.txt" >"$NK_TMP/rec-ok.txt"
	if bgpdump -m "$NK_TMP/rec.mrt" 2>/dev/null | grep -v '|127.0.0.5|' |
		cmp -s - "$NK_TMP/rec-ok.txt"; then
		nk_pass live-bad-record-bgpdump
	else
		nk_fail live-bad-record-bgpdump "bgpdump -m and bgpwatch dump differ: $(bgpdump -m "$NK_TMP/rec.mrt" 2>/dev/null | diff - "$NK_TMP/rec.txt" | head -5)"
	fi
fi
exit $NK_FAILED
