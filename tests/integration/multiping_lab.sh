#!/usr/bin/env bash
# multiping in the WISP lab ($NK_SHARED/lab-recipes/ping-lab.sh): a tower
# router with 4 customer radios (v4 + v6) whose replies the tower drops for
# 2 s every 5 s, o1 with 10 % random loss, o2 losing replies 5..8 of every
# 20, o3 delayed 30 +- 10 ms, o4 clean. Asserts: the correlated set is
# the customers with the tower router named as answering upstream, o1
# in one only where the correlation rule allows it (chance coincidences);
# o2's sequential runs at the exact seqs; o1's loss counted as nft counted
# it and never alarmed as sequential unless it really lost 3 in a row; the
# tower router and o4 lose nothing; ICMP time exceeded names the router.
. "$(dirname "$0")/../lib/harness.sh"

nk_need_root multiping-lab || exit 0
MP=$(nk_bin multiping)
LAB=$NK_SHARED/lab-recipes/ping-lab.sh
[ -x "$MP" ] || { nk_fail multiping-built "no $MP"; exit 1; }
[ -r "$LAB" ] || { nk_fail multiping-lab "no $LAB"; exit 1; }
T=$NK_TMP
mkdir -p "$T/pub" && chmod 1777 "$T/pub"

cat >"$T/wisp.conf" <<'CONF'
# The tower of the lab and the customer radios behind it.
[group oak-harbor]
kind = tower
upstream = 203.0.113.1
member = 203.0.113.11-14
member = 2001:db8:113::11
member = 2001:db8:113::12
member = 2001:db8:113::13
member = 2001:db8:113::14
CONF
cat >"$T/inlab.sh" <<INLAB
# runs in the monitor namespace of the lab
"$MP" --json --probes -n 30 -i 1 --config "$T/wisp.conf" -f "\$LAB_TARGETS" >"$T/lab.json" 2>"$T/lab.err"
echo \$? >"$T/lab.rc"
for o in o1 o2; do
	ip netns exec "\${LAB_PREFIX}\$o" nft list table inet lab >"$T/nft-\$o.txt"
done
# TTL 1: the core router (192.0.2.1) answers time exceeded; raw path as root,
# then the datagram path as nobody (the error arrives on the error queue)
"$MP" --json -n 2 -i 0.2 -t 0.5 --ttl 1 203.0.113.11 >"$T/ttl-raw.json" 2>&1
sysctl -qw net.ipv4.ping_group_range="0 2147483647"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$MP" --dgram --json -n 2 -i 0.2 -t 0.5 --ttl 1 203.0.113.11 2001:db8:113::11 >"$T/ttl-dgram.json" 2>&1
exit 0
INLAB
"$LAB" -F 5:2 -L 100 -S 20:5:4 -x "bash $T/inlab.sh" >"$T/labrun.out" 2>&1
nk_expect lab-ran "$?" 0

jqs() { grep '^{' "$1" | jq -r "${@:3}" "$2"; }
field() { jqs "$1" 'select(.event == "summary" and .target == $t) | .[$f] | tostring' --arg t "$2" --arg f "$3"; }
J=$T/lab.json
nk_expect lab-exit-warning "$(cat "$T/lab.rc" 2>/dev/null)" 1
nk_expect lab-targets "$(jqs "$J" 'select(.event == "start") | .targets')" 18

# correlated: one event per flap, every one exactly the 8 customers, the
# tower router named and answering. o1 (10 % random loss on both of its
# addresses) may join a set only as the tool's rule allows (correlate.h:
# >= 3 loss moments within +-1 round of a member's, >= 0.7 of them both
# ways, by episodes and by rounds). Next to a tower down 2 rounds in 5 the
# +-1 round tolerance covers 4 rounds in 5, so random drops sometimes meet
# it by chance in 30 rounds: o1 is checked against the rule, recomputed
# from the probe record, and left out of the customer comparison.
CUST="2001:db8:113::11,2001:db8:113::12,2001:db8:113::13,2001:db8:113::14,203.0.113.11,203.0.113.12,203.0.113.13,203.0.113.14"
O1='select(. != "198.51.100.11" and . != "2001:db8:100::11")'
sets=$(jqs "$J" "select(.event == \"correlated_loss\" and .group == \"oak-harbor\") | [.targets[] | $O1] | sort | join(\",\")" | sort -u)
nk_expect corr-set-is-the-customers "$sets" "$CUST"
n_ev=$(jqs "$J" 'select(.event == "correlated_loss" and .group == "oak-harbor")' -c | wc -l)
[ "$n_ev" -ge 3 ] && [ "$n_ev" -le 6 ] && nk_pass "corr-one-event-per-flap ($n_ev)" ||
	nk_fail corr-one-event-per-flap "$n_ev events in 30 s of a 5 s flap"
nk_expect corr-upstream "$(jqs "$J" 'select(.event == "correlated_loss" and .group == "oak-harbor") | "\(.upstream) \(.upstream_answered) \(.group_lost)/\(.group_members)"' | sort -u)" "203.0.113.1 true 8/8"
text=$(jqs "$J" 'select(.event == "correlated_loss" and .group == "oak-harbor") | .text' | tail -1)
case "$text" in
"8 of 8 targets behind tower oak-harbor lost round"*"; the tower router 203.0.113.1 answered: suspect the segment or VLAN behind it")
	nk_pass corr-text ;;
*) nk_fail corr-text "$text" ;;
esac
# the tower router and o4 lose nothing: never in a set
nk_expect corr-never-tower-or-clean "$(jqs "$J" 'select(.event == "correlated_loss") | .targets[] | select(. == "203.0.113.1" or . == "2001:db8:113::1" or . == "198.51.100.14" or . == "2001:db8:100::14")' | wc -l)" 0
python3 - "$J" >"$T/o1-sets.txt" <<'PY'
import json, sys
O1 = ("198.51.100.11", "2001:db8:100::11")
bits, events = {}, []
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    j = json.loads(line)
    if j["event"] == "probe":
        bits.setdefault(j["target"], {})[j["seq"]] = j["status"] != "reply"
    elif j["event"] == "correlated_loss":
        events.append(j)
def row(t, r):
    return [bits.get(t, {}).get(i, False) for i in range(r + 1)]
def runs(b):
    return sum(1 for i, x in enumerate(b) if x and (i == 0 or not b[i - 1]))
def near(b):
    return [b[i] or (i > 0 and b[i - 1]) or (i + 1 < len(b) and b[i + 1]) for i in range(len(b))]
def runs_touching(a, b):
    r, nb = None, near(b)
    r = [a[i] and nb[i] for i in range(len(a))]
    grew = True
    while grew:
        grew = False
        for i in range(len(a)):
            if a[i] and not r[i] and ((i > 0 and r[i - 1]) or (i + 1 < len(a) and r[i + 1])):
                r[i] = grew = True
    return runs(r)
def cover(a, b):
    nb = near(b)
    return sum(1 for i in range(len(a)) if a[i] and nb[i]) / max(1, sum(a))
def linked(a, b):
    shared = min(runs_touching(a, b), runs_touching(b, a))
    ep = shared / max(1, runs(a), runs(b))
    return shared >= 3 and min(ep, cover(a, b), cover(b, a)) >= 0.7
for e in events:
    for o in (t for t in e["targets"] if t in O1):
        ok = any(linked(row(o, r), row(m, r))
                 for r in range(e["last_round"] + 1, e["last_round"] + 4)
                 for m in e["targets"] if m != o)
        print(("by-rule " if ok else "UNEXPLAINED ") + o + " rounds %d-%d" % (e["first_round"], e["last_round"]))
PY
if grep -q UNEXPLAINED "$T/o1-sets.txt"; then
	nk_fail corr-o1-only-by-rule "$(cat "$T/o1-sets.txt")"
else
	nk_pass "corr-o1-only-by-rule ($(grep -c by-rule "$T/o1-sets.txt") by chance)"
fi
nk_expect tower-router-lost "$(field "$J" 203.0.113.1 lost)" 0
nk_expect clean-lost "$(field "$J" 198.51.100.14 lost)$(field "$J" 2001:db8:100::14 lost)" 00
nk_expect clean-state "$(field "$J" 198.51.100.14 state)" OK

# sequential: o2 loses replies 5..8 of every 20 -> exactly those seqs
for a in 198.51.100.12 2001:db8:100::12; do
	nk_expect "seq-lost-$a" "$(jqs "$J" 'select(.event == "probe" and .target == $t and .status == "lost") | .seq' --arg t "$a" | tr '\n' ' ')" "5 6 7 8 25 26 27 28 "
	nk_expect "seq-alarm-$a" "$(jqs "$J" 'select(.event == "loss_run_start" and .target == $t) | "\(.first_seq)/\(.class)"' --arg t "$a" | tr '\n' ' ')" "5/sequential 25/sequential "
	nk_expect "seq-class-$a" "$(field "$J" "$a" class)" sequential
done
nk_expect seq-nft-agrees "$(grep -o 'counter packets [0-9]*' "$T/nft-o2.txt" | awk '{s += $3} END {print s}')" \
	"$(( $(field "$J" 198.51.100.12 lost) + $(field "$J" 2001:db8:100::12 lost) ))"

# occasional: o1's loss counted exactly as nft dropped it; runs below 3 are
# occasional and raise no alarm
o1_lost=$(( $(field "$J" 198.51.100.11 lost) + $(field "$J" 2001:db8:100::11 lost) ))
nk_expect occ-nft-agrees "$(grep -o 'counter packets [0-9]*' "$T/nft-o1.txt" | awk '{s += $3} END {print s}')" "$o1_lost"
[ "$o1_lost" -ge 1 ] && nk_pass "occ-some-loss ($o1_lost)" || nk_fail occ-some-loss "no loss at 10 %"
for a in 198.51.100.11 2001:db8:100::11; do
	# in seq order, not file order: a lost probe is reported when its
	# round closes, after replies to later rounds; late and error count
	# as lost, as they do in the run counter
	seq_runs=$(grep '^{' "$J" | jq -rs --arg t "$a" '[.[] | select(.event == "probe" and .target == $t)] |
	    group_by(.seq) | .[] | if any(.[]; .status == "reply") then "ok" else "lost" end' |
	    awk '$1 == "lost" { r++; if (r == 3) n++; next } { r = 0 } END { print n + 0 }')
	alarms=$(jqs "$J" 'select(.event == "loss_run_start" and .target == $t)' --arg t "$a" -c | wc -l)
	if [ "$seq_runs" -eq 0 ]; then
		nk_expect "occ-no-alarm-$a" "$alarms" 0
		nk_expect "occ-runs-occasional-$a" "$(jqs "$J" 'select(.event == "loss_run_end" and .target == $t) | .class' --arg t "$a" | sort -u | grep -v '^occasional$' | wc -l)" 0
	else
		nk_expect "occ-real-runs-alarmed-$a" "$alarms" "$seq_runs"
	fi
done

# delay: o3 answers from user space 30 +- 10 ms later (a loose sanity bound)
avg=$(field "$J" 198.51.100.13 rtt_avg_ms)
awk -v a="$avg" 'BEGIN { exit !(a > 15 && a < 45) }' && nk_pass "delay-rtt ($avg ms)" || nk_fail delay-rtt "avg $avg"

# ICMP time exceeded, naming the router, both socket kinds
nk_expect ttl-raw "$(jqs "$T/ttl-raw.json" 'select(.event == "icmp_error") | "\(.error) \(.router)"' | sort -u)" "time_exceeded 192.0.2.1"
nk_expect ttl-dgram-v4 "$(jqs "$T/ttl-dgram.json" 'select(.event == "icmp_error" and .target == "203.0.113.11") | "\(.error) \(.router)"' | sort -u)" "time_exceeded 192.0.2.1"
nk_expect ttl-dgram-v6 "$(jqs "$T/ttl-dgram.json" 'select(.event == "icmp_error" and .target == "2001:db8:113::11") | "\(.error) \(.router)"' | sort -u)" "time_exceeded 2001:db8:1::1"
nk_expect ttl-dgram-socket "$(jqs "$T/ttl-dgram.json" 'select(.event == "start") | .socket_v4')" datagram
exit "$NK_FAILED"
