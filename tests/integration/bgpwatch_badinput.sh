#!/usr/bin/env bash
# Bad input: truncated and corrupt files, a wrong format, a record whose
# length lies, an attribute that claims more bytes than it has. Each gives
# one line naming file, offset, record type and cause; what was read before
# stays valid; the exit code says how bad it was (0 clean, 1 damage skipped,
# 2 the file could not be read to its end). Files are made by
# bgpwatch/mrtgen.py, nothing is taken from shared data.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail bad-setup "bgpwatch not built at $BW"
	exit 1
fi
D=$NK_TMP/bad
python3 "$NK_TOP/bgpwatch/mrtgen.py" bad "$D" || {
	nk_fail bad-gen "mrtgen.py failed"
	exit 1
}
"$BW" dump "$D/good.mrt" >"$NK_TMP/good.out" 2>"$NK_TMP/good.err"
nk_expect bad-good-exit "$?" 0
nk_expect bad-good-lines "$(wc -l <"$NK_TMP/good.out")" 20

run() { # name file want_rc want_lines regexp
	"$BW" dump "$2" >"$NK_TMP/$1.out" 2>"$NK_TMP/$1.err"
	nk_expect "$1-exit" "$?" "$3"
	nk_expect "$1-lines" "$(wc -l <"$NK_TMP/$1.out")" "$4"
	nk_expect_grep "$1-report" "$NK_TMP/$1.err" "$5"
	# what was read is valid: each line is a line of the good file
	if [ -s "$NK_TMP/$1.out" ] &&
		! grep -vxFf "$NK_TMP/good.out" "$NK_TMP/$1.out" | grep -q .; then
		nk_pass "$1-prefix-valid"
	elif [ ! -s "$NK_TMP/$1.out" ]; then
		nk_pass "$1-prefix-valid"
	else
		nk_fail "$1-prefix-valid" "a line not in the good file: $(grep -vxFf "$NK_TMP/good.out" "$NK_TMP/$1.out" | head -1)"
	fi
}

run bad-lying-length "$D/lying-length.mrt" 1 19 \
	'lying-length\.mrt offset 820: record type 16 subtype 4: length 15728640 exceeds .*resynchronised at offset 902'
run bad-truncated "$D/truncated.mrt" 2 15 \
	'truncated\.mrt offset 1230: record type 16 subtype 4: truncated, 18 of 70 body bytes'
run bad-truncated-gzip "$D/truncated.gz" 2 9 \
	'truncated\.gz offset [0-9]+: record type 16 subtype 4: truncated.*gzip stream damaged or truncated'
run bad-not-mrt "$D/not-mrt.txt" 2 0 \
	'not-mrt\.txt offset 0: .*no MRT record found.*not an MRT file'
# The overrunning attribute: the record is reported with its RFC 7606 class;
# bgpdump-style output still lists its prefix (bgpdump does the same).
"$BW" dump "$D/attr-overrun.mrt" >"$NK_TMP/ao.out" 2>"$NK_TMP/ao.err"
nk_expect bad-attr-overrun-exit "$?" 1
nk_expect_grep bad-attr-overrun-report "$NK_TMP/ao.err" \
	'attr-overrun\.mrt offset 820: record type 16/4 \(BGP4MP\): path attributes: attribute 2: length overruns the path attributes \(session-reset\)'
nk_expect bad-one-line-each "$(wc -l <"$NK_TMP/ao.err")" 1
# The engine treats it as a withdrawal (RFC 7606) and says so.
"$BW" replay --json "$D/good.mrt" "$D/attr-overrun.mrt" >"$NK_TMP/ao.json" 2>/dev/null
nk_expect_grep bad-attr-overrun-event "$NK_TMP/ao.json" '"event":"rfc7606_error"'
"$BW" dump "$NK_TMP/does-not-exist" >/dev/null 2>"$NK_TMP/ne.err"
nk_expect bad-missing-exit "$?" 2
nk_expect_grep bad-missing-report "$NK_TMP/ne.err" 'does-not-exist: cannot open: No such file'
"$BW" dump --bogus x >/dev/null 2>&1
nk_expect bad-usage-exit "$?" 3
exit 0
