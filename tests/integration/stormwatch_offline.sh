#!/usr/bin/env bash
# stormwatch offline: every reference pcap in $NK_SHARED/data/pcap with the
# verdicts its README expects, the three faces, evidence, bad input.
# shellcheck source=../lib/harness.sh
. "$(dirname "$0")/../lib/harness.sh"

SW=$(nk_bin stormwatch)
D=$NK_SHARED/data/pcap
T=$(nk_tmpdir)
if [ ! -x "$SW" ]; then
	nk_fail build "stormwatch not built at $SW"
	exit 1
fi
if [ ! -d "$D" ]; then
	nk_skip data "no reference pcaps at $D"
	exit 0
fi

# run NAME FILE ARGS...: stdout to $T/NAME.out, stderr .err, rc in RC
run() {
	local name=$1
	shift
	"$SW" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}

# The incident: 8 NETGEAR reflectors, victim .10, originator .1
for f in lab-storm-group-ttl5 lab-storm-bcast-ttl4; do
	run "$f" -r "$D/$f.pcap" --json
	nk_expect "$f/exit_critical" "$RC" 2
	refl=$(jq -r 'select(.event=="offender" and .final) | .ip + " " + .vendor' "$T/$f.out" | sort -u)
	nk_expect "$f/eight_reflectors" "$(echo "$refl" | grep -c .)" 8
	nk_expect "$f/all_netgear" "$(echo "$refl" | grep -vc ' NETGEAR$')" 0
	nk_expect "$f/reflector_ips" "$(echo "$refl" | cut -d' ' -f1 | tr '\n' ' ')" \
		"203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 203.0.113.106 203.0.113.107 203.0.113.108 "
	nk_expect "$f/victim" "$(jq -r 'select(.event=="storm_end") | .victim' "$T/$f.out")" 203.0.113.10
	nk_expect "$f/originator" "$(jq -r 'select(.event=="storm_end") | .originator' "$T/$f.out")" 203.0.113.1
	nk_expect "$f/one_storm_start" "$(jq -r 'select(.event=="storm_start") | .storm' "$T/$f.out")" 1
	nk_expect "$f/capture_stats_state" "$(jq -r 'select(.event=="capture_stats") | .state' "$T/$f.out")" CRITICAL
done
# Copies exactly as the README counts them
nk_expect group/copies "$(jq -r 'select(.event=="storm_end") | .copies' "$T/lab-storm-group-ttl5.out")" 3039
nk_expect group/first_ttl "$(jq -r 'select(.event=="storm_start") | .first_ttl' "$T/lab-storm-group-ttl5.out")" 5
nk_expect group/icmp_id_seq "$(jq -r 'select(.event=="storm_start") | "\(.icmp_id)/\(.icmp_seq)"' "$T/lab-storm-group-ttl5.out")" 7191/4
nk_expect group/dst_mac "$(jq -r 'select(.event=="storm_start") | .dst_mac' "$T/lab-storm-group-ttl5.out")" 01:22:72:0a:00:0a
nk_expect bcast/copies "$(jq -r 'select(.event=="storm_end") | .copies' "$T/lab-storm-bcast-ttl4.out")" 456
nk_expect bcast/per_reflector_57 "$(jq -r 'select(.event=="offender" and .final) | .copies' "$T/lab-storm-bcast-ttl4.out" | sort -u)" 57
nk_expect group/envelope "$(jq -r 'select(.event=="storm_start") | [.tool, .severity] | join(" ")' "$T/lab-storm-group-ttl5.out")" "stormwatch critical"

# Shell face: verdict, victim, originator, vendor note, what to do
run group-shell -r "$D/lab-storm-group-ttl5.pcap"
nk_expect_grep shell/verdict "$T/group-shell.out" '^stormwatch: CRITICAL - reflection storm: 8 routers'
nk_expect_grep shell/victim "$T/group-shell.out" '^  victim +203\.0\.113\.10 \(dst MAC 01:22:72:0a:00:0a, group bit set\)'
nk_expect_grep shell/originator "$T/group-shell.out" '^  originator +203\.0\.113\.1 02:00:5e:00:00:01'
nk_expect_grep shell/vendor_note "$T/group-shell.out" 'all 8 reflectors are NETGEAR'
nk_expect_grep shell/what_to_do "$T/group-shell.out" '^  do '
nk_expect shell/offender_rows "$(grep -c 'NETGEAR  ' "$T/group-shell.out")" 8

# Plugin face
run group-plugin -r "$D/lab-storm-group-ttl5.pcap" --plugin
nk_expect plugin/exit "$RC" 2
nk_expect_grep plugin/line "$T/group-plugin.out" '^STORMWATCH CRITICAL - reflection storm: 8 reflectors, 3039 copies, victim 203\.0\.113\.10, originator 203\.0\.113\.1 \| reflectors=8'

# Broadcast flood with one timestamp: alarms, no division by zero
run dhcp -r "$D/sv-dhcp-request-flood-bcast.pcap" --json
nk_expect dhcp/exit_critical "$RC" 2
nk_expect dhcp/rate_event "$(jq -r 'select(.event=="broadcast_rate") | .state + " " + .top_source.mac' "$T/dhcp.out" | head -1)" "CRITICAL de:ad:be:ef:aa:bb"
nk_expect dhcp/no_icmp_storm "$(jq -r 'select(.event=="capture_stats") | .storms' "$T/dhcp.out")" 0
run dhcp-w -r "$D/sv-dhcp-request-flood-bcast.pcap" --plugin -w 5000 -c 20000 --src-warning 5000 --src-critical 20000
nk_expect dhcp/warning_with_higher_thresholds "$RC" 1

# Busy but not a storm; alarms only below 21 pps
run arp -r "$D/wireshark-arp-storm.pcap"
nk_expect arp/ok_default "$RC" 0
run arp-low -r "$D/wireshark-arp-storm.pcap" --plugin -w 10 -c 1000
nk_expect arp/warning_below_21pps "$RC" 1

# Baselines stay OK with zero bad checksums
for f in zeek-icmp-5-pings sv-icmpv4-ping-75pairs zeek-ip4-icmp-good-chksum; do
	run "$f" -r "$D/$f.pcap" --json
	nk_expect "$f/ok" "$RC" 0
	nk_expect "$f/no_bad_cksum" "$(jq -r 'select(.event=="capture_stats") | .bad_icmp_cksum + .bad_ip_cksum + .bad_l4_cksum' "$T/$f.out")" 0
done
run icmp-bad -r "$D/zeek-ip4-icmp-bad-chksum.pcap" --json
nk_expect icmp-bad/ok "$RC" 0
nk_expect icmp-bad/counted "$(jq -r 'select(.event=="capture_stats") | .bad_icmp_cksum' "$T/icmp-bad.out")" 1
run ip-bad -r "$D/zeek-ip4-bad-chksum-bcast.pcap" --json
nk_expect ip-bad/ok "$RC" 0
nk_expect ip-bad/counted "$(jq -r 'select(.event=="capture_stats") | "\(.bad_ip_cksum) \(.group_frames)"' "$T/ip-bad.out")" "1 1"

# Offload: a note, not an alarm
run offload -r "$D/zeek-localhost-bad-chksum-offload.pcap"
nk_expect offload/ok "$RC" 0
nk_expect_grep offload/note "$T/offload.out" 'offload suspected'

# Fuzz files: SLL decoded with truncation counted; PPP refused by name
run oobr1 -r "$D/tcpdump-icmp-cksum-oobr-1.pcap" --json
nk_expect oobr1/handled "$RC" 0
nk_expect oobr1/truncated "$(jq -r 'select(.event=="capture_stats") | .truncated' "$T/oobr1.out")" 1
run oobr2 -r "$D/tcpdump-icmp-cksum-oobr-2.pcap"
nk_expect oobr2/exit_3 "$RC" 3
nk_expect_grep oobr2/names_ppp "$T/oobr2.err" 'tcpdump-icmp-cksum-oobr-2\.pcap: unsupported link type PPP'

# stdin and pcapng
"$SW" -r - --plugin <"$D/lab-storm-bcast-ttl4.pcap" >"$T/stdin.out" 2>&1
nk_expect stdin/critical "$?" 2
if command -v editcap >/dev/null; then
	editcap -F pcapng "$D/lab-storm-bcast-ttl4.pcap" "$T/b.pcapng"
	run pcapng -r "$T/b.pcapng" --plugin
	nk_expect pcapng/critical "$RC" 2
	nk_expect_grep pcapng/reflectors "$T/pcapng.out" 'reflectors=8'
else
	nk_skip pcapng "editcap (wireshark-common) not installed"
fi

# Evidence: only the storm's frames (1 mangled + 3039 copies of 3108)
run evid -r "$D/lab-storm-group-ttl5.pcap" --evidence "$T/ev.pcap"
nk_expect evidence/exit "$RC" 2
nk_expect evidence/frames "$(tcpdump -nr "$T/ev.pcap" 2>/dev/null | wc -l)" 3040
nk_expect evidence/only_storm "$(tcpdump -nr "$T/ev.pcap" 'not (icmp[icmptype] == 8 and ether[0] & 1 = 1)' 2>/dev/null | wc -l)" 0
run evid2 -r "$T/ev.pcap" --plugin
nk_expect_grep evidence/reanalysed "$T/evid2.out" 'reflectors=8'

# Bad input: one line naming the file and the cause, exit 3
run missing -r "$T/does-not-exist.pcap"
nk_expect missing/exit "$RC" 3
nk_expect_grep missing/message "$T/missing.err" "does-not-exist\.pcap: cannot read: no such file"
printf 'this is not a pcap file at all, not even close\n' >"$T/garbage.pcap"
run garbage -r "$T/garbage.pcap"
nk_expect garbage/exit "$RC" 3
nk_expect_grep garbage/message "$T/garbage.err" 'garbage\.pcap: cannot read: '
# cut mid-record: the offset is reported and the frames before it kept
head -c 200000 "$D/lab-storm-group-ttl5.pcap" >"$T/cut.pcap"
run cut -r "$T/cut.pcap"
nk_expect cut/critical_kept "$RC" 2
nk_expect_grep cut/offset "$T/cut.err" 'cut\.pcap: record [0-9]+ at offset [0-9]+: truncated dump file'
nk_expect_grep cut/summary "$T/cut.out" 'READ ERROR'
head -c 2000 "$D/sv-icmpv4-ping-75pairs.pcap" >"$T/cut2.pcap"
run cut2 -r "$T/cut2.pcap" --plugin
nk_expect cut2/unknown "$RC" 3
nk_expect_grep cut2/offset "$T/cut2.out" 'record [0-9]+ at offset [0-9]+'
run badopt -r "$D/zeek-icmp-5-pings.pcap" --no-such-option
nk_expect badopt/exit "$RC" 3
run noiface -i nksw-no-such0
nk_expect noiface/exit "$RC" 3
nk_expect_grep noiface/message "$T/noiface.err" 'interface nksw-no-such0: no such device'

exit 0
