#!/usr/bin/env bash
# mailprobe mailbox checks: UID stability across runs (POP3 UIDL and IMAP
# UIDVALIDITY/UIDs, a server that renumbers, a UIDL format change),
# mailbox health, and the delivery loop (normal, lagging, cut short).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/mail-lab.sh"

MP=$(nk_bin mailprobe)
T=$NK_TMP
if [ ! -x "$MP" ]; then nk_fail mailprobe_build "no $MP"; exit 1; fi
for c in dovecot postfix swaks; do
	command -v $c >/dev/null || { nk_skip mailprobe_mailbox "$c not installed (scripts/deps/mailprobe.txt)"; exit 0; }
done
nk_need_root mailprobe_mailbox || exit 0
MLAB=$T/lab
if ! mlab_up; then nk_fail mailprobe_lab "lab did not start"; exit 1; fi
trap 'mlab_down; nk_cleanup' EXIT
CA=$MLAB/tls/cert.pem
export MAILPROBE_PASSWORD=secret1
S=$T/uid.state
have_msgs() { [ "$(mlab_count_new "$1")" -ge "$2" ]; }
POP=pop3://probe1@127.0.0.1:11110
IMAP=imap://probe1@127.0.0.1:11143

for i in 1 2 3 4; do mlab_send probe@lab.test probe1@lab.test "hello $i"; done
nk_wait_for 10 have_msgs probe1 4 || nk_fail delivered4 "swaks mail not delivered"

"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/u1.out" 2>&1
nk_expect uids_baseline_rc "$?" 0
nk_expect uids_baseline_lines "$(grep -c 'baseline saved, 4 messages' "$T/u1.out")" 2
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/u2.out" 2>&1
nk_expect uids_stable_rc "$?" 0
nk_expect uids_stable_same "$(grep -c '4 same, 0 renumbered' "$T/u2.out")" 2

# a new message and a deleted one are normal
mlab_send probe@lab.test probe1@lab.test "hello 5"
nk_wait_for 10 have_msgs probe1 5
"$MP" --plugin --state "$S" uids $POP >"$T/u3.out" 2>&1
nk_expect uids_new_rc "$?" 0
nk_expect_grep uids_new_line "$T/u3.out" '5 messages, [0-9]+ bytes; 4 same, 0 renumbered, 0 ids reused, 1 new, 0 vanished'
"$MP" --plugin --state "$S" uids $IMAP >/dev/null 2>&1

# the server swap: Dovecot's UID state gone -> new UIDVALIDITY, new UIDLs
mlab_renumber probe1
sleep 1.1 # UIDVALIDITY is a time in seconds: the new one must differ
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/u4.out" 2>&1
nk_expect uids_renumbered_rc "$?" 2
nk_expect_grep uids_pop_renumbered "$T/u4.out" '^UIDS CRITICAL - pop3 127.0.0.1:11110 probe1: 5 messages, [0-9]+ bytes; 0 same, 5 renumbered \([0-9a-f]+ -> [0-9a-f]+\)'
nk_expect_grep uids_imap_uidvalidity "$T/u4.out" '^UIDS CRITICAL - imap 127.0.0.1:11143 probe1 INBOX: .*UIDVALIDITY changed'
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/u5.out" 2>&1
nk_expect uids_settled_rc "$?" 0

# only the UIDL format changes (UIDVALIDITY kept): POP3 clients re-fetch
mlab_uidl_format '%g'
nk_wait_for 10 sh -c "printf 'USER probe1\r\nPASS secret1\r\nUIDL\r\nQUIT\r\n' | nc -w 3 127.0.0.1 11110 | grep -vq '^1 0000'"
"$MP" --json --state "$S" uids $POP $IMAP >"$T/u6.out" 2>&1
nk_expect uidl_format_rc "$?" 2
nk_expect_grep uidl_format_pop "$T/u6.out" '"mailbox":"pop3 127.0.0.1:11110 probe1".*"severity":"critical"|"severity":"critical".*"mailbox":"pop3 127.0.0.1:11110 probe1".*"renumbered":5'
nk_expect_grep uidl_format_imap_ok "$T/u6.out" '"severity":"ok".*"mailbox":"imap 127.0.0.1:11143 probe1 INBOX".*"renumbered":0'
mlab_uidl_format '%08Xu%08Xv'
nk_wait_for 10 sh -c "printf 'USER probe1\r\nPASS secret1\r\nUIDL\r\nQUIT\r\n' | nc -w 3 127.0.0.1 11110 | grep -q '^1 0000'"
"$MP" --plugin --state "$S" uids $POP >"$T/u7.out" 2>&1
nk_expect uidl_format_back_rc "$?" 2

# a message vanishes, then comes back under new ids (a restored snapshot):
# told apart from new mail, WARNING; gone messages are remembered between
# runs (r2 keeps it in the state file's gone list for r3)
mlab_hide probe1 || nk_fail hide "no message file"
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/r1.out" 2>&1
nk_expect reappear_gone_rc "$?" 0
nk_expect reappear_gone_lines "$(grep -c '4 same, 0 renumbered, 0 ids reused, 0 new, 1 vanished, 0 reappeared' "$T/r1.out")" 2
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/r2.out" 2>&1
nk_expect reappear_still_gone_rc "$?" 0
mlab_unhide probe1
"$MP" --plugin --state "$S" uids $POP $IMAP >"$T/r3.out" 2>&1
nk_expect reappear_rc "$?" 1
nk_expect_grep reappear_pop "$T/r3.out" '^UIDS WARNING - pop3 127.0.0.1:11110 probe1: 5 messages, [0-9]+ bytes; 4 same, 0 renumbered, 0 ids reused, 0 new, 0 vanished, 1 reappeared \(as [0-9a-fA-F]+\)'
nk_expect_grep reappear_imap "$T/r3.out" '^UIDS WARNING - imap 127.0.0.1:11143 probe1 INBOX: 5 messages, [0-9]+ bytes; 4 same, 0 renumbered, 0 ids reused, 0 new, 0 vanished, 1 reappeared \(as [0-9]+\)'
# one run later it is an ordinary message again
"$MP" --json --state "$S" uids $POP >"$T/r4.out" 2>&1
nk_expect reappear_settled_rc "$?" 0
nk_expect_grep reappear_json "$T/r4.out" '"new":0,"vanished":0,"reappeared":0'

# mailbox health: count thresholds and the folder-internal pseudo-message
swaks -s 127.0.0.1:11025 -f probe@lab.test -t probe2@lab.test \
	--h-Subject "DO NOT DELETE THIS MESSAGE -- FOLDER INTERNAL DATA" >/dev/null 2>&1
nk_wait_for 10 have_msgs probe2 1
MAILPROBE_PASSWORD=secret2 "$MP" --plugin --state "$S" uids pop3://probe2@127.0.0.1:11110 >"$T/p.out" 2>&1
nk_expect pseudo_rc "$?" 1
nk_expect_grep pseudo_line "$T/p.out" 'pseudo-message'
"$MP" --plugin --state "$S" --messages 3,10 uids $POP >"$T/h.out" 2>&1
nk_expect health_count_rc "$?" 1
nk_expect_grep health_perf "$T/h.out" 'messages=5;3;10;0'

# chmod 600 state: unreadable state is UNKNOWN, not a silent baseline
printf 'K\tpop3 127.0.0.1:11110 probe1\ngarbage line\n' >"$T/bad.state"
"$MP" --plugin --state "$T/bad.state" uids $POP >"$T/bs.out" 2>&1
nk_expect bad_state_rc "$?" 3

# delivery loop: send, visible, headers intact, only it deleted
before=$(mlab_count_new probe1)
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test -w 5 -c 10 \
	deliver submission://probe1@127.0.0.1:11587 $IMAP >"$T/d1.out" 2>&1
nk_expect deliver_rc "$?" 0
nk_expect_grep deliver_line "$T/d1.out" '^DELIVERY OK - submission 127.0.0.1:11587 -> imap 127.0.0.1:11143 token mp-[0-9a-f]+-[0-9]+ visible after [0-9.]+ s .*headers intact, deleted \| delivery=[0-9.]+s;5;10;0'
nk_expect deliver_only_it "$(mlab_count_new probe1)" "$before"
# over implicit TLS (465) too
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test deliver smtps://probe1@127.0.0.1:11465 $IMAP >"$T/d2.out" 2>&1
nk_expect deliver_465_rc "$?" 0

# delivery lags (SMTP accepts, the queue holds): CRITICAL after --wait
mlab_lag_on
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test --wait 2 -w 1 -c 2 \
	deliver submission://probe1@127.0.0.1:11587 $IMAP >"$T/d3.out" 2>&1
nk_expect deliver_lag_rc "$?" 2
nk_expect_grep deliver_lag_line "$T/d3.out" '^DELIVERY CRITICAL - submission 127.0.0.1:11587 -> imap 127.0.0.1:11143 token mp-[0-9a-f-]+: not delivered within 2.0 s'
# cut short by SIGTERM while waiting: exits UNKNOWN at once
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test --wait 30 \
	deliver submission://probe1@127.0.0.1:11587 $IMAP >"$T/d4.out" 2>&1 &
dpid=$!
nk_wait_for 10 sh -c "postqueue -c '$MLAB/postfix/etc' -p | grep -c '^[0-9A-F]' | grep -q 2"
kill -TERM $dpid
wait $dpid
nk_expect deliver_cut_rc "$?" 3
nk_expect_grep deliver_cut_line "$T/d4.out" 'interrupted before delivery'
mlab_lag_off
nk_wait_for 10 have_msgs probe1 $((before + 2))
# the held messages arrived late; the next run removes them, and only them
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test \
	deliver submission://probe1@127.0.0.1:11587 $IMAP >"$T/d5.out" 2>&1
nk_expect deliver_after_rc "$?" 0
nk_expect_grep deliver_leftovers "$T/d5.out" 'earlier leftovers removed'
nk_expect deliver_clean "$(mlab_count_new probe1)" "$before"

# --- delivery loop polled over POP3: a new session per poll, DELE of the
# number whose TOP carried the token, gone from UIDL afterwards
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test -w 5 -c 10 \
	deliver submission://probe1@127.0.0.1:11587 $POP >"$T/p1.out" 2>&1
nk_expect deliver_pop3_rc "$?" 0
nk_expect_grep deliver_pop3_line "$T/p1.out" '^DELIVERY OK - submission 127.0.0.1:11587 -> pop3 127.0.0.1:11110 token mp-[0-9a-f]+-[0-9]+ visible after [0-9.]+ s .*headers intact, deleted \| delivery='
nk_expect deliver_pop3_only_it "$(mlab_count_new probe1)" "$before"
# the other messages are untouched: the same UIDLs as before the run
"$MP" --plugin --state "$S" uids $POP >"$T/p1u.out" 2>&1
nk_expect_grep deliver_pop3_others_kept "$T/p1u.out" '; 5 same, 0 renumbered, 0 ids reused, 0 new, 0 vanished'
# --via pop3 with the IMAP URL: same user and host, POP3 port from --ports
"$MP" --json --cafile "$CA" --from probe1@lab.test --to probe1@lab.test --via pop3 \
	--ports pop3=11110 deliver smtps://probe1@127.0.0.1:11465 $IMAP >"$T/p2.out" 2>&1
nk_expect deliver_via_pop3_rc "$?" 0
nk_expect_grep deliver_via_pop3_json "$T/p2.out" '"event":"delivery","severity":"ok".*"deleted":true.*"via":"pop3","uid":"[0-9A-Fa-f]+"'
"$MP" --via smtp --from a@lab.test --to b@lab.test deliver smtp://127.0.0.1:11025 $POP >"$T/pv.out" 2>&1
nk_expect deliver_via_bad_rc "$?" 3
nk_expect_grep deliver_via_bad_line "$T/pv.out" "option '--via': 'smtp': want imap or pop3"
# lagging delivery, cut short by the deadline and by SIGINT: nothing to
# delete yet; the late arrivals are the next run's leftovers, and only they go
mlab_lag_on
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test --wait 1 \
	deliver submission://probe1@127.0.0.1:11587 $POP >"$T/p3.out" 2>&1
nk_expect deliver_pop3_lag_rc "$?" 2
nk_expect_grep deliver_pop3_lag_line "$T/p3.out" '-> pop3 127.0.0.1:11110 token mp-[0-9a-f-]+: not delivered within 1.0 s'
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test --wait 30 \
	deliver submission://probe1@127.0.0.1:11587 $POP >"$T/p4.out" 2>&1 &
dpid=$!
nk_wait_for 10 sh -c "postqueue -c '$MLAB/postfix/etc' -p | grep -c '^[0-9A-F]' | grep -q 2"
kill -INT $dpid
wait $dpid
nk_expect deliver_pop3_cut_rc "$?" 3
nk_expect_grep deliver_pop3_cut_line "$T/p4.out" 'interrupted before delivery'
mlab_lag_off
nk_wait_for 10 have_msgs probe1 $((before + 2))
"$MP" --plugin --cafile "$CA" --from probe1@lab.test --to probe1@lab.test \
	deliver submission://probe1@127.0.0.1:11587 $POP >"$T/p5.out" 2>&1
nk_expect deliver_pop3_after_rc "$?" 0
nk_expect_grep deliver_pop3_leftovers "$T/p5.out" 'deleted, earlier leftovers removed'
nk_expect deliver_pop3_clean "$(mlab_count_new probe1)" "$before"
"$MP" --plugin --state "$S" uids $POP >"$T/p5u.out" 2>&1
nk_expect_grep deliver_pop3_others_still "$T/p5u.out" '; 5 same, 0 renumbered'
[ -n "${MP_KEEP:-}" ] && cp "$T"/*.out "$MP_KEEP"/
exit $NK_FAILED
