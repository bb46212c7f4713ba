#!/usr/bin/env bash
# stormwatch --config FILE (every setting the command line has, plus the
# capturing host's MACs/IPs; the command line wins; unknown keys refused
# as FILE:LINE) and the periodic broadcast_rate events.
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
G=$D/lab-storm-group-ttl5.pcap

run() { # NAME ARGS...: stdout/stderr to $T/NAME.out/.err, rc in RC
	local name=$1
	shift
	"$SW" "$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
}
jqr() { jq -r "$1" "$2" 2>/dev/null; }

# 1. Thresholds from the file: 5000 copies/s is more than this storm has,
#    so the reflections are a WARNING, not a storm
cat >"$T/high.conf" <<'EOF'
# the tower bridge: only big storms
storm_copies = 5000
storm_reflectors = 2
broadcast_warning = 4000
broadcast_critical = 8000
EOF
run high -r "$G" --config "$T/high.conf" --json
nk_expect config/thresholds_exit "$RC" 1
nk_expect config/thresholds_no_storm "$(jqr 'select(.event=="capture_stats") | .storms' "$T/high.out")" 0
nk_expect config/bcast_threshold_from_file "$(jqr 'select(.event=="broadcast_rate" and .reason=="change") | .state' "$T/high.out" | head -1)" ""
# the command line wins over the file
run high-cli -r "$G" --config "$T/high.conf" --storm-copies 20 --plugin
nk_expect config/cli_overrides_file "$RC" 2
# the same keys inside [stormwatch]
printf '[stormwatch]\nstorm_copies = 5000\n' >"$T/sect.conf"
run sect -r "$G" --config "$T/sect.conf" --plugin
nk_expect config/section_stormwatch "$RC" 1

# 2. filter and evidence from the file
cat >"$T/run.conf" <<EOF
filter = "icmp[icmptype] == 8 and ether[0] & 1 = 1"
evidence = $T/ev.pcap
EOF
run runconf -r "$G" --config "$T/run.conf" --json
nk_expect config/filter_applied "$(jqr 'select(.event=="capture_stats") | .frames' "$T/runconf.out")" 3040
nk_expect config/evidence_written "$(tcpdump -nr "$T/ev.pcap" 2>/dev/null | wc -l)" 3040
nk_expect config/still_critical "$RC" 2

# 3. the capturing host for offload awareness: 192.168.1.28 sent the bad
#    TCP checksums of the offload capture; listed, they are not errors
printf 'local_ip = 192.168.1.28\nlocal_mac = 00:50:b6:8c:f6:24\nl4_checksums = all\n' >"$T/local.conf"
run local -r "$D/zeek-localhost-bad-chksum-offload.pcap" --config "$T/local.conf" --json
nk_expect config/local_exit_ok "$RC" 0
nk_expect config/local_not_errors "$(jqr 'select(.event=="capture_stats") | "\(.bad_l4_cksum) \(.offload_suspected)"' "$T/local.out")" "0 true"
run nolocal -r "$D/zeek-localhost-bad-chksum-offload.pcap" --json
nk_expect config/without_local_counted "$(jqr 'select(.event=="capture_stats") | .bad_l4_cksum' "$T/nolocal.out")" \
	"$(tcpdump -nr "$D/zeek-localhost-bad-chksum-offload.pcap" -vv 2>/dev/null | grep -c incorrect)"

# 4. report_interval from the file: 622 ARP broadcasts over 29 s in
#    5-second windows: 5 full windows, then the last partial one at the
#    end; the windows add up to every group-MAC frame
printf 'report_interval = 5s\n' >"$T/rep.conf"
run rep -r "$D/wireshark-arp-storm.pcap" --config "$T/rep.conf" --json
nk_expect rate/interval_reports "$(jqr 'select(.event=="broadcast_rate" and .reason=="interval") | .window_s' "$T/rep.out" | sort -u | tr '\n' ' ')" "5 "
nk_expect rate/n_interval "$(jqr 'select(.event=="broadcast_rate" and .reason=="interval") | .ts' "$T/rep.out" | wc -l)" 5
nk_expect rate/n_end "$(jqr 'select(.event=="broadcast_rate" and .reason=="end") | .ts' "$T/rep.out" | wc -l)" 1
nk_expect rate/frames_add_up "$(jq -s '[.[] | select(.event=="broadcast_rate" and .reason!="change") | .frames] | add' "$T/rep.out")" \
	"$(jqr 'select(.event=="capture_stats") | .group_frames' "$T/rep.out")"
nk_expect rate/top_source_cisco "$(jqr 'select(.event=="broadcast_rate" and .reason=="interval") | .top_sources[0].mac + " " + .top_sources[0].vendor' "$T/rep.out" | sort -u)" \
	"00:07:0d:af:f4:54 Cisco Systems, Inc"
nk_expect rate/state_ok "$(jqr 'select(.event=="broadcast_rate") | .state + " " + .severity' "$T/rep.out" | sort -u)" "OK ok"
# pps is the window's mean: frames / window_s
nk_expect rate/pps_is_mean "$(jqr 'select(.event=="broadcast_rate" and .reason=="interval") | ((.frames / .window_s * 1000 | round) / 1000) == .pps' "$T/rep.out" | sort -u)" true
# the command line wins; 0 = state changes only
run rep0 -r "$D/wireshark-arp-storm.pcap" --config "$T/rep.conf" --report-interval 0 --json
nk_expect rate/off "$(jqr 'select(.event=="broadcast_rate") | .reason' "$T/rep0.out" | wc -l)" 0
# default 10 s
run rep10 -r "$D/wireshark-arp-storm.pcap" --json
nk_expect rate/default_10s "$(jqr 'select(.event=="broadcast_rate") | "\(.reason) \(.window_s)"' "$T/rep10.out" | tr '\n' ' ')" \
	"interval 10 interval 10 end 9 "

# the DHCP flood, one timestamp: the change, then the end report with the
# single source at 10000 frames in one 1-second window
run dhcp -r "$D/sv-dhcp-request-flood-bcast.pcap" --json
nk_expect rate/dhcp_end "$(jqr 'select(.event=="broadcast_rate" and .reason=="end") | "\(.state) \(.window_s) \(.frames) \(.pps) \(.top_sources | length) \(.top_sources[0].mac) \(.top_sources[0].frames) \(.top_sources[0].peak_pps)"' "$T/dhcp.out")" \
	"CRITICAL 1 10000 10000 1 de:ad:be:ef:aa:bb 10000 10000"
nk_expect rate/dhcp_change_first "$(jqr 'select(.event=="broadcast_rate") | .reason' "$T/dhcp.out" | tr '\n' ' ')" "change end "

# the example in the man page parses and runs (evidence path redirected)
awk '/^# tower 7 bridge/,/^\.fi/' "$NK_TOP/man/stormwatch.1" | grep -v '^\.fi' |
	sed "s|^evidence = .*|evidence = $T/man-ev.pcap|" >"$T/man.conf"
nk_expect config/man_example_keys "$(grep -c ' = ' "$T/man.conf")" 12
run man -r "$G" --config "$T/man.conf" --plugin
nk_expect config/man_example_runs "$RC" 2
nk_expect_grep config/man_example_thresholds "$T/man.out" 'bcast_pps=3040;3000;8000;0'

# 5. bad files: one line naming FILE:LINE, exit 3, nothing analysed
printf 'storm_copies = 20\n\nstorm_copys = 30\n' >"$T/typo.conf"
run typo -r "$G" --config "$T/typo.conf"
nk_expect config/unknown_key_exit3 "$RC" 3
nk_expect config/unknown_key_message "$(cat "$T/typo.err")" "stormwatch: $T/typo.conf:3: unknown key 'storm_copys' at top level"
nk_expect config/unknown_key_no_output "$(wc -c <"$T/typo.out")" 0
printf 'broadcast_warning = 20:10\n' >"$T/range.conf"
run range -r "$G" --config "$T/range.conf"
nk_expect config/bad_range_exit3 "$RC" 3
nk_expect_grep config/bad_range_message "$T/range.err" "range\.conf:1: key 'broadcast_warning': range '20:10'"
printf '[multiping]\ninterval = 1\n' >"$T/sec.conf"
run sec -r "$G" --config "$T/sec.conf"
nk_expect config/unknown_section_exit3 "$RC" 3
nk_expect_grep config/unknown_section_message "$T/sec.err" 'sec\.conf:1: unknown section \[multiping\]'
run missing -r "$G" --config "$T/nope.conf"
nk_expect config/missing_exit3 "$RC" 3
nk_expect_grep config/missing_names_file "$T/missing.err" 'nope\.conf'
exit 0
