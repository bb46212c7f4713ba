#!/usr/bin/env bash
# bgpwatch dump vs bgpdump -m (Debian bgpdump 1.6.2, the oracle) on every
# MRT file in $NK_SHARED/data/bgp/mrt and lab/. Lines must be equal; the
# only differences allowed are the intended ones below, each filtered by an
# explicit rule in compare() and, where a rule applies to one file, asserted
# to be needed (a rule that no longer fires fails the test):
#
#  R1 mask   RFC 4271 §4.3: bits past the prefix length are not part of the
#            prefix. bgpdump prints them (11.13.0.0/13); bgpwatch masks them
#            (11.8.0.0/13). bgpdump's prefix column is masked before
#            comparing. (updates.nlri_mask_trailing_bits, BIRD files)
#  R2 ipv6   RFC 5952 §4.2.2: "::" must not shorten a single zero group.
#            bgpdump writes 2001:668::3:ffff:0:adcd:39ea, glibc/bgpwatch
#            2001:668:0:3:ffff:0:adcd:39ea. IPv6 fields of both outputs are
#            put in RFC 5952 form before comparing.
#  R3 nlri   A malformed NLRI (prefix length over 32/128, or a prefix cut by
#            the end of the field: BIRD's ADD-PATH bytes in non-ADD-PATH
#            records, the trailing-bits file): bgpdump goes on reading
#            garbage prefixes; bgpwatch reports the record (file, offset,
#            type, cause) and keeps the prefixes before the fault. Rule:
#            bgpwatch's lines are an ordered subsequence of bgpdump's, the
#            extra bgpdump lines are A/W lines, and bgpwatch reported it.
#  R4 type5  MRT type 5 (BGP, deprecated by RFC 6396) is reported once and
#            skipped: bgpdump's "BGP|" lines are dropped; bgpwatch must say
#            "deprecated MRT type 5".
#  R5 aggr   OpenBGPD writes a 4-octet AGGREGATOR (8 bytes) into TABLE_DUMP
#            v1; bgpdump reads it as 2-octet ("0 253.232.192.168"), bgpwatch
#            as 4-octet ("65000 192.168.0.15"). Accepted when bgpwatch's AS
#            is bgpdump's AS*65536 + its first two address octets and the
#            address starts with bgpdump's last two octets.
#  R6 batch  ris-rrc00-bview.20000111: records batch many entries and
#            declare 4 bytes less than written. bgpdump prints 1 line and
#            stops; bgpwatch reports the quirk once and reads all 452,018
#            entries. Rule: bgpdump's output is a prefix of bgpwatch's.
#  R7 trunc  The "_firstMB.bz2" excerpts end inside a bzip2 block: lines
#            equal, and bgpwatch must report the truncation and exit 2
#            (bgpdump exits 0 in silence).
#  R8 nopit  RIB records without a PEER_INDEX_TABLE: both print nothing;
#            bgpwatch must report each record.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail dump-setup "bgpwatch not built at $BW"
	exit 1
fi
if ! command -v bgpdump >/dev/null; then
	nk_skip dump-oracle "bgpdump not installed (scripts/deps/bgpwatch.txt)"
	exit 0
fi
D=$NK_SHARED/data/bgp
if [ ! -d "$D/mrt" ]; then
	nk_skip dump-data "no shared data at $D"
	exit 0
fi

cat >"$NK_TMP/compare.py" <<'PY'
import ipaddress, sys
ref_path, out_path, err_path, mode = sys.argv[1:5]
ref = open(ref_path, errors="replace").read().splitlines()
out = open(out_path, errors="replace").read().splitlines()
err = open(err_path, errors="replace").read()
fired = set()

def norm_field(f):
    # R2: RFC 5952 text for IPv6 addresses/prefixes
    if ":" in f and "|" not in f and " " not in f:
        try:
            if "/" in f:
                n = ipaddress.ip_network(f, strict=False)
                return str(n)
            return str(ipaddress.ip_address(f))
        except ValueError:
            return f
    return f

def norm(line):
    p = line.split("|")
    if len(p) > 5 and p[2] in ("A", "B", "W"):
        try:
            p[5] = str(ipaddress.ip_network(p[5], strict=False))  # R1
        except ValueError:
            pass
    return "|".join(norm_field(f) for f in p)

def aggr_ok(r, o):
    # R5
    rp, op = r.split("|"), o.split("|")
    if len(rp) != len(op) or rp[0] != "TABLE_DUMP":
        return False
    if rp[:13] != op[:13] or rp[14:] != op[14:]:
        return False
    try:
        ras, raddr = rp[13].split(" ")
        oas, oaddr = op[13].split(" ")
        ro = [int(x) for x in raddr.split(".")]
        oo = [int(x) for x in oaddr.split(".")]
        return int(oas) == int(ras) * 65536 + ro[0] * 256 + ro[1] and oo[:2] == ro[2:]
    except ValueError:
        return False

if mode == "type5":
    ref = [l for l in ref if not l.startswith("BGP|")]
    fired.add("R4")
raw_differs = ref != out
ref = [norm(l) for l in ref]
out = [norm(l) for l in out]
problems = []
if mode == "nlri":
    it = iter(ref)
    missing = [l for l in out if not any(l == r for r in it)]
    if missing:
        problems.append("bgpwatch line not in bgpdump order: " + missing[0])
    else:
        outs = set(out)
        bad = [l for l in ref if l not in outs and l.split("|")[2] not in ("A", "W")]
        if bad:
            problems.append("bgpdump-only line is not A/W: " + bad[0])
    if raw_differs:
        fired.add("R3")
elif mode == "batch":
    if out[:len(ref)] != ref:
        problems.append("bgpdump's output is not a prefix of bgpwatch's")
    if len(out) <= len(ref):
        problems.append("bgpwatch recovered nothing more (%d lines)" % len(out))
    fired.add("R6")
else:
    if len(ref) != len(out):
        problems.append("line counts differ: bgpdump %d, bgpwatch %d" % (len(ref), len(out)))
    for i, (r, o) in enumerate(zip(ref, out)):
        if r != o:
            if aggr_ok(r, o):
                fired.add("R5")
                continue
            problems.append("line %d differs:\n  bgpdump:  %s\n  bgpwatch: %s" % (i + 1, r, o))
            break
print("RULES " + " ".join(sorted(fired)))
for p in problems:
    print("PROBLEM " + p)
PY

run_one() { # file mode
	local f=$1 mode=$2 b rc
	b=$(basename "$f")
	bgpdump -m "$f" >"$NK_TMP/ref" 2>/dev/null
	"$BW" dump "$f" >"$NK_TMP/out" 2>"$NK_TMP/err"
	rc=$?
	python3 "$NK_TMP/compare.py" "$NK_TMP/ref" "$NK_TMP/out" "$NK_TMP/err" \
		"$mode" >"$NK_TMP/cmp"
	if grep -q '^PROBLEM' "$NK_TMP/cmp"; then
		nk_fail "dump-$b" "$(grep '^PROBLEM' "$NK_TMP/cmp" | head -3 | cut -c9- | tr '\n' ' ')"
		return
	fi
	local why=""
	case "$mode" in
	clean)
		[ "$rc" -eq 0 ] || why="exit $rc on a clean file"
		[ -s "$NK_TMP/err" ] && ! grep -q 'mrt_skipped.*13/6' "$NK_TMP/err" &&
			why="unexpected report: $(head -c 200 "$NK_TMP/err")" ;;
	nlri)
		grep -q 'NLRI malformed' "$NK_TMP/err" || why="no NLRI report"
		grep -q 'R3' "$NK_TMP/cmp" || why="rule R3 no longer needed" ;;
	type5)
		grep -q 'deprecated MRT type 5' "$NK_TMP/err" || why="type 5 not reported"
		[ "$(wc -l <"$NK_TMP/out")" -eq 0 ] || why="lines printed for type 5" ;;
	batch)
		grep -q 'old MRT toolkit bug' "$NK_TMP/err" || why="quirk not reported" ;;
	trunc)
		[ "$rc" -eq 2 ] || why="exit $rc, want 2 for a truncated file"
		grep -q 'bzip2 stream truncated' "$NK_TMP/err" || why="truncation not reported" ;;
	nopit)
		[ "$(grep -c 'without a PEER_INDEX_TABLE' "$NK_TMP/err")" -eq 3 ] ||
			why="want 3 reports of RIB entries without a PEER_INDEX_TABLE" ;;
	aggr)
		grep -q 'R5' "$NK_TMP/cmp" || why="rule R5 no longer needed" ;;
	esac
	if [ -n "$why" ]; then
		nk_fail "dump-$b" "$why"
	else
		nk_pass "dump-$b"
	fi
}

n=0
for f in "$D"/mrt/* "$D"/lab/*.mrt; do
	[ -f "$f" ] || continue
	case "$(basename "$f")" in
	mrtparse-bird_bgp.mrt | mrtparse-bird6_bgp.mrt | updates.nlri_mask_trailing_bits.gz) mode=nlri ;;
	ris-rrc00-updates.19990903.1041.gz | ris-rrc00-updates.20000325.0345.gz) mode=type5 ;;
	ris-rrc00-bview.20000111.0032.gz) mode=batch ;;
	*_firstMB.bz2) mode=trunc ;;
	ris-bview.20140112.1600_3samples.bz2) mode=nopit ;;
	mrtparse-openbgpd_rib_table.mrt) mode=aggr ;;
	*) mode=clean ;;
	esac
	run_one "$f" "$mode"
	n=$((n + 1))
done
[ "$n" -ge 30 ] && nk_pass dump-all-files || nk_fail dump-all-files "only $n files found"

# --json: one valid object per line, as many as the plain lines.
f=$D/mrt/updates.20160811.1600.gz
"$BW" dump "$f" >"$NK_TMP/plain" 2>/dev/null
"$BW" dump --json "$f" >"$NK_TMP/json" 2>/dev/null
if python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["kind"] in ("announce", "withdraw", "state", "rib"), o
    n += 1
assert n == int(sys.argv[2]), (n, sys.argv[2])
' "$NK_TMP/json" "$(wc -l <"$NK_TMP/plain")" 2>"$NK_TMP/jerr"; then
	nk_pass dump-json
else
	nk_fail dump-json "$(tail -1 "$NK_TMP/jerr")"
fi
exit 0
