#!/usr/bin/env bash
# Usage errors in every tool: one line "TOOL: option 'NAME': 'VALUE': cause"
# naming the option as the user typed it, and exit 3 (UNKNOWN), before any
# socket, capture or file is opened.
. "$(dirname "$0")/../lib/harness.sh"

MP=$(nk_bin multiping) SW=$(nk_bin stormwatch) MA=$(nk_bin mailprobe) BW=$(nk_bin bgpwatch)
for b in "$MP" "$SW" "$MA" "$BW"; do
	[ -x "$b" ] || { nk_fail cli-built "no $b"; exit 1; }
done

check() { # NAME WANT-LINE CMD...
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1 </dev/null)
	rc=$?
	nk_expect "$name-rc" "$rc" 3
	nk_expect "$name-line" "$out" "$want"
}
check multiping-duration "multiping: option '-i': 'xyz': not a duration" "$MP" -i xyz 127.0.0.1
check multiping-range "multiping: option '--sequential': '0': out of range [2, 1000]" "$MP" --sequential 0 127.0.0.1
check multiping-unknown "multiping: unknown option '--bogus'" "$MP" --bogus 127.0.0.1
check stormwatch-number "stormwatch: option '--duration': 'nan': not a number" "$SW" --duration nan -r /dev/null
check stormwatch-range "stormwatch: option '--storm-copies': '0': out of range [1, 1e+09]" "$SW" --storm-copies 0 -r /dev/null
check mailprobe-duration "mailprobe: option '-t': '0': out of range [1ms, 1h]" "$MA" -t 0 imap://127.0.0.1
check mailprobe-ports-service "mailprobe: option '--ports': 'imapp': unknown service (smtp, submission, smtps, imap, imaps, pop3, pop3s)" \
	"$MA" matrix --ports imapp=143 127.0.0.1
check mailprobe-ports-port "mailprobe: option '--ports': imap: '0': out of range [1, 65535]" "$MA" matrix --ports imap=0 127.0.0.1
check mailprobe-range-syntax "mailprobe: option '-w': range '1:x': end 'x' is not a number" "$MA" -w 1:x imap://127.0.0.1
check bgpwatch-unknown "bgpwatch replay: unknown option '--bogus'" "$BW" replay --bogus x.mrt
check bgpwatch-status-age "BGPWATCH UNKNOWN - option '--max-age': 'x': not a duration" "$BW" status --max-age x /nonexistent
exit "$NK_FAILED"
