#!/usr/bin/env bash
# bgpwatch collect with [collector] status_file against two scripted
# upstreams on loopback, and `bgpwatch status FILE` as a monitoring plugin
# over it: 0 while both upstreams announce the watched prefix, 1 when one
# withdrew it, 2 when both did and when a session is down; 3 for a
# missing, a garbage and a stale file, and at once for the file a stopped
# collector left behind. The peers move on only when the
# test says so (a "go" file), so no step depends on timing.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail status/setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	nk_skip status "python3 missing (scripted peers)"
	exit 0
fi
T=$NK_TMP
PORT=$((20000 + $$ % 20000))
# the collector may run as nobody (privilege drop): its directory is open
mkdir -p "$T/st" && chmod 0777 "$T/st"
STF=$T/st/status.json
cat >"$T/bw.conf" <<CONF
[collector]
asn = 65001
router_id = 10.0.0.2
hold_time = 0
connect_retry = 1s
status_file = $STF

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

peer() { # NAME ADDR AS STEPS...
	local n=$1 a=$2 as=$3
	shift 3
	nk_daemon "peer$n" python3 "$BGP_PEER_PY" "listen:$a" "$PORT" "open $as" keepalive \
		"update-a 192.0.2.0/24 $as,64500" "update-a 198.51.100.0/24 $as,64501" "$@" >/dev/null
}
peer A 127.0.0.2 65010 "await $T/go1001" "update-w 192.0.2.0/24" "await $T/go1009"
peer B 127.0.0.3 65020 "await $T/go1002" "update-w 192.0.2.0/24" "await $T/go1003" close

BWPID=$(nk_daemon bw "$BW" collect --config "$T/bw.conf" --json)
if ! nk_wait_for 10 test -s "$STF"; then
	nk_fail status/file_written "no $STF: $(tail -3 "$T/bw.err")"
	exit 1
fi
nk_pass status/file_written

# st [ARGS]: run the check, keep its line in $T/line, echo the exit code
st() {
	"$BW" status "$@" >"$T/line" 2>"$T/line.err"
	echo $?
}
# rc_is RC ARGS...: the check gives RC now; wait_rc SECS RC ARGS...: soon
rc_is() {
	local want=$1
	shift
	[ "$(st "$@")" = "$want" ]
}
wait_rc() {
	local secs=$1
	shift
	nk_wait_for "$secs" rc_is "$@"
}

if wait_rc 20 0 "$STF"; then
	nk_pass status/ok_both_upstreams
else
	nk_fail status/ok_both_upstreams "rc $(st "$STF"): $(cat "$T/line") $(tail -2 "$T/bw.err")"
fi
nk_expect_grep status/ok_line "$T/line" '^BGPWATCH OK - 2 of 2 sessions up, 2 watched prefixes via every upstream \| sessions_up=2;;;0;2 sessions_down=0;;0;0;2 prefixes_unreachable=0;;0;0;2 prefixes_withdrawn_somewhere=0;0;;0;2 prefixes_watched=2;;;0 age=[0-9.]+s;;;0$'
# the file itself: atomic (no .tmp left), the fields docs/events.md lists
nk_expect status/no_tmp_left "$(ls "$T/st")" "status.json"
if python3 - "$STF" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
assert d['format'] == 'bgpwatch-status' and d['version'] == 1, d
assert d['upstreams'] == ['A', 'B'], d['upstreams']
s = {x['name']: x for x in d['sessions']}
assert s['A']['state'] == 'Established' and s['A']['up'] is True, s
assert s['A']['asn'] == 65010 and s['A']['prefixes'] == 2 and s['A']['addr'] == '127.0.0.2', s
p = {x['prefix']: x for x in d['prefixes']}
assert p['192.0.2.0/24']['reachable'] is True and p['192.0.2.0/24']['via'] == ['A', 'B'], p
assert p['192.0.2.0/24']['upstreams']['A']['state'] == 'announced', p
assert d['alarms'] == [] and d['summary']['sessions_up'] == 2, d
PY
	nk_pass status/file_fields
else
	nk_fail status/file_fields "$(head -c 600 "$STF")"
fi

# A withdraws 192.0.2.0/24: WARNING, still via B
touch "$T/go1001"
if wait_rc 20 1 "$STF"; then
	nk_pass status/warning_one_withdrew
else
	nk_fail status/warning_one_withdrew "rc $(st "$STF"): $(cat "$T/line")"
fi
nk_expect_grep status/warning_line "$T/line" '^BGPWATCH WARNING - 192\.0\.2\.0/24 withdrawn by A, still via B \|.* prefixes_withdrawn_somewhere=1;0;;0;2 '
# -w 1 tolerates one such prefix
nk_expect status/warning_threshold "$(st -w 1 "$STF")" 0

# B withdraws it too: CRITICAL, unreachable
touch "$T/go1002"
if wait_rc 20 2 "$STF"; then
	nk_pass status/critical_unreachable
else
	nk_fail status/critical_unreachable "rc $(st "$STF"): $(cat "$T/line")"
fi
nk_expect_grep status/critical_line "$T/line" '^BGPWATCH CRITICAL - 192\.0\.2\.0/24 unreachable: no upstream announces it; withdrawn by A, B \|.* prefixes_unreachable=1;;0;0;2 '
# -c 1 tolerates one: then it is a WARNING
nk_expect status/critical_threshold "$(st -c 1 "$STF")" 1

# B's session goes down: CRITICAL naming the session and its reason
touch "$T/go1003"
if nk_wait_for 20 grep -q '"state":"Active\|"state":"Idle' "$STF"; then
	nk_pass status/session_down_in_file
else
	nk_fail status/session_down_in_file "$(head -c 600 "$STF")"
fi
nk_expect status/critical_session_down "$(st "$STF")" 2
# the peer's close arrives as FIN or, with our data unread, as RST
nk_expect_grep status/session_down_line "$T/line" 'session with B is [A-Za-z]+: (connection closed by peer|read: Connection reset by peer)'
nk_expect_grep status/session_down_perf "$T/line" ' sessions_up=1;;;0;2 sessions_down=1;;0;0;2 '
"$BW" status --json "$STF" >"$T/json" 2>&1
if grep -q '"event":"status_check".*"severity":"critical"' "$T/json" &&
	grep -q '"sessions_down":1' "$T/json"; then
	nk_pass status/json
else
	nk_fail status/json "$(head -c 400 "$T/json")"
fi

# UNKNOWN: missing, garbage, truncated, stale
nk_expect status/missing "$(st "$T/nope.json")" 3
nk_expect_grep status/missing_line "$T/line" "^BGPWATCH UNKNOWN - status file $T/nope.json: No such file or directory$"
printf 'garbage\n' >"$T/garbage.json"
nk_expect status/garbage "$(st "$T/garbage.json")" 3
nk_expect_grep status/garbage_line "$T/line" "^BGPWATCH UNKNOWN - status file $T/garbage.json: not JSON"
head -c 100 "$STF" >"$T/cut.json"
nk_expect status/truncated "$(st "$T/cut.json")" 3
nk_expect_grep status/truncated_line "$T/line" 'not JSON: unexpected end of data'
OLD=$(date -u -d '-600 sec' +%Y-%m-%dT%H:%M:%S.000Z)
sed "s/\"time\":\"[^\"]*\"/\"time\":\"$OLD\"/" "$STF" >"$T/stale.json"
nk_expect status/stale "$(st "$T/stale.json")" 3
nk_expect_grep status/stale_line "$T/line" "is 6[0-9][0-9] s old \\(written $OLD, --max-age 60 s\\): is the collector running\\?"
nk_expect status/stale_max_age "$(st --max-age 1h "$T/stale.json")" 2
nk_expect status/usage "$(st)" 3

# a collector stopped by SIGTERM: its last write says so, and the check
# is UNKNOWN at once, not only after --max-age
kill "$BWPID"
if nk_wait_for 15 sh -c "! kill -0 $BWPID 2>/dev/null"; then
	# a sanitizer build reports leaks and errors at exit
	if grep -q 'Sanitizer' "$T/bw.err"; then
		nk_fail status/clean_exit "$(grep -A5 'Sanitizer' "$T/bw.err" | head -8)"
	else
		nk_pass status/clean_exit
	fi
else
	nk_fail status/clean_exit "collector still running 15 s after SIGTERM"
fi
nk_expect status/stopped "$(st "$STF")" 3
nk_expect_grep status/stopped_line "$T/line" \
	"^BGPWATCH UNKNOWN - collector stopped at [0-9T:.-]+Z \\(signal 15 \\(Terminated\\)\\): status file $STF is not current$"
nk_expect status/stopped_field "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stopped"])' "$STF")" \
	"signal 15 (Terminated)"
nk_expect status/stopped_sessions_up "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["sessions_up"])' "$STF")" 0
"$BW" status --json "$STF" >"$T/json" 2>&1
nk_expect status/stopped_json_rc "$?" 3
nk_expect_grep status/stopped_json "$T/json" '"state":"UNKNOWN","detail":"collector stopped at '
exit "$NK_FAILED"
