#!/usr/bin/env bash
# bgpwatch replay/check/show/diff against the lab ground truth in
# $NK_SHARED/data/bgp/lab (two upstreams, BIRD collector; timeline.txt says
# what each upstream did when). The expected events are derived from the
# timeline file, not written here by hand.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
L=$NK_SHARED/data/bgp/lab
if [ ! -x "$BW" ]; then
	nk_fail replay-setup "bgpwatch not built at $BW"
	exit 1
fi
if [ ! -f "$L/lab-two-upstreams.timeline.txt" ]; then
	nk_skip replay-data "no lab data at $L"
	exit 0
fi
RIB0=$L/lab-two-upstreams.rib4.t0-both-full.mrt
RIB3=$L/lab-two-upstreams.rib4.t3-after-changes.mrt
RIB5=$L/lab-two-upstreams.rib4.t5-after-B-down.mrt
UPD=$L/lab-two-upstreams.bgp4mp.mrt
TL=$L/lab-two-upstreams.timeline.txt

# Upstreams by AS number, as the timeline names them: "A(65010)".
asA=$(sed -n 's/.*A(\([0-9]*\)).*/\1/p' "$TL" | head -1)
asB=$(sed -n 's/.*B(\([0-9]*\)).*/\1/p' "$TL" | head -1)
cat >"$NK_TMP/lab.conf" <<EOF
# the two transits of the lab
[upstream A]
asn = $asA
[upstream B]
asn = $asB
[watch]
$(sed -n '1s/.*announce //p' "$TL" | tr ' ' '\n' | sed 's/^/prefix = /')
[engine]
visibility_min_prefixes = 1
EOF

"$BW" replay --json --config "$NK_TMP/lab.conf" "$RIB0" "$UPD" \
	>"$NK_TMP/events.json" 2>"$NK_TMP/replay.log"
rc=$?
nk_expect replay-exit "$rc" 0

cat >"$NK_TMP/check.py" <<'PY'
import json, re, sys
from datetime import datetime, timezone
events = [json.loads(l) for l in open(sys.argv[1])]
tl = [l.split(" ", 1) for l in open(sys.argv[2]).read().splitlines() if l.strip()]

def ts(e):
    return int(datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=timezone.utc).timestamp())

def find(name, **kw):
    for e in events:
        if e["event"] != name:
            continue
        if all(e.get(k) == v for k, v in kw.items() if k != "at"):
            if "at" in kw and ts(e) != kw["at"]:
                continue
            return e
    return None

bad = []
def want(label, name, **kw):
    e = find(name, **kw)
    print(("PASS " if e else "FAIL ") + label + ("" if e else ": no %s event with %s" % (name, kw)))
    return e

for t, what in tl:
    t = int(t)
    m = re.match(r"(A|B) withdraws (\S+) \(failover", what)
    if m:
        other = "B" if m[1] == "A" else "A"
        want("replay-failover-" + m[2], "withdrawn", at=t, prefix=m[2], peer=m[1], still_via=other)
        continue
    m = re.match(r"(A|B) withdraws (\S+) \(withdrawn by all", what)
    if m:
        e = want("replay-unreachable-" + m[2], "unreachable", at=t, prefix=m[2], peer=m[1])
        continue
    m = re.match(r"(A|B) path change (\S+): (.*) -> (.*)$", what)
    if m:
        want("replay-path-change-" + m[2], "path_changed", at=t, prefix=m[2], peer=m[1],
             old_as_path=m[3], new_as_path=m[4])
        continue
    m = re.match(r"(A|B) origin change (\S+): origin (\d+) -> (\d+)", what)
    if m:
        want("replay-origin-change-" + m[2], "origin_changed", at=t, prefix=m[2], peer=m[1],
             old_origin_as=int(m[3]), new_origin_as=int(m[4]))
        continue
    m = re.match(r"(A|B) flapped (\S+) (\d+)x", what)
    if m:
        want("replay-flapping-" + m[2], "flapping", prefix=m[2], peer=m[1])
        want("replay-flap-count-" + m[2], "flap_ended", prefix=m[2], peer=m[1], count=int(m[3]))
        continue
    m = re.match(r"(A|B) session administratively down.*routes (.*) gone", what)
    if m:
        other = "B" if m[1] == "A" else "A"
        want("replay-session-down", "session_down", at=t, peer=m[1])
        for p in m[2].split():
            want("replay-session-down-failover-" + p, "withdrawn", at=t, prefix=p,
                 peer=m[1], still_via=other)
        continue
# Nothing else may say "unreachable": only 192.0.2.0/24 lost both.
unr = sorted({e["prefix"] for e in events if e["event"] == "unreachable"})
print(("PASS " if unr == ["192.0.2.0/24"] else "FAIL ") + "replay-no-false-unreachable" +
      ("" if unr == ["192.0.2.0/24"] else ": %s" % unr))
env_ok = all({"ts", "tool", "host", "event", "severity"} <= set(e) and e["tool"] == "bgpwatch"
             for e in events)
print(("PASS " if env_ok else "FAIL ") + "replay-json-envelope")
PY
python3 "$NK_TMP/check.py" "$NK_TMP/events.json" "$TL"

# One log line per event, with the original time.
n_ev=$(wc -l <"$NK_TMP/events.json")
n_log=$(grep -c 'at=20' "$NK_TMP/replay.log")
nk_expect replay-one-log-line-per-event "$n_log" "$n_ev"

# Without a config every peer is an upstream, named by address and AS.
"$BW" replay --no-tui "$RIB0" "$UPD" >"$NK_TMP/plain.txt" 2>/dev/null
nk_expect_grep replay-noconfig "$NK_TMP/plain.txt" \
	'192\.0\.2\.0/24 withdrawn by [0-9.]+ AS'"$asA"', still via [0-9.]+ AS'"$asB"

# check: plugin exit codes and perfdata.
"$BW" check --prefix 192.0.2.0/24 --config "$NK_TMP/lab.conf" "$RIB0" >"$NK_TMP/c1"
nk_expect check-ok-exit "$?" 0
nk_expect_grep check-ok-line "$NK_TMP/c1" '^BGPWATCH OK - 192\.0\.2\.0/24: via A, B .*\| upstreams=2;'
"$BW" check --prefix 198.51.100.0/24 --config "$NK_TMP/lab.conf" "$RIB5" >"$NK_TMP/c2"
nk_expect check-warning-exit "$?" 1
nk_expect_grep check-warning-line "$NK_TMP/c2" '^BGPWATCH WARNING - .*not via B'
"$BW" check --prefix 192.0.2.0/24 --config "$NK_TMP/lab.conf" "$RIB0" "$UPD" >"$NK_TMP/c3"
nk_expect check-critical-exit "$?" 2
"$BW" check --prefix 192.0.2.0/24 "$NK_TMP/no-such-file" >"$NK_TMP/c4" 2>/dev/null
nk_expect check-unknown-exit "$?" 3
"$BW" check --prefix 198.51.100.0/24 -w 1: -c 1: --config "$NK_TMP/lab.conf" "$RIB5" >/dev/null
nk_expect check-thresholds "$?" 0

# show: every peer's path to a prefix, withdrawn ones too.
"$BW" show --config "$NK_TMP/lab.conf" 198.51.100.0/24 "$RIB0" "$UPD" >"$NK_TMP/show"
nk_expect_grep show-path "$NK_TMP/show" '^  A +announced .*path 65010 64999 64501'
nk_expect_grep show-withdrawn "$NK_TMP/show" '^  B +withdrawn .*flaps 5'

# diff: per upstream between two RIB dumps.
"$BW" diff --config "$NK_TMP/lab.conf" "$RIB0" "$RIB3" >"$NK_TMP/diff"
nk_expect_grep diff-origin "$NK_TMP/diff" '^~ 203\.0\.113\.0/24 via A: .* -> 65010 3356 64666 \(origin changed\)'
nk_expect_grep diff-removed "$NK_TMP/diff" '^- 192\.0\.2\.0/24 via B'
exit 0
