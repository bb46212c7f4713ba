#!/usr/bin/env bash
# BMP decoding checked against pmacct: `bgpwatch bmp-decode` replays the TCP
# payloads of the pmacct captures in $NK_SHARED/data/bgp/bmp-pcap and its
# field values must equal those of pmacct's .expected-output-bmp.jsonl
# (init sysName/sysDescr; every Peer Up/Down with peer, AS, BGP ID, RIB type,
# timestamp, local address and ports, reason; every Stats counter; every
# unicast Route Monitoring prefix with path, next hop, origin, LOCAL_PREF,
# MED). The other captures must decode without a malformed message.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
D=$NK_SHARED/data/bgp/bmp-pcap
if [ ! -x "$BW" ]; then
	nk_fail bmp-golden-setup "bgpwatch not built at $BW"
	exit 1
fi
if [ ! -d "$D" ]; then
	nk_skip bmp-golden "no BMP captures at $D"
	exit 0
fi
if ! command -v python3 >/dev/null; then
	nk_skip bmp-golden "python3 missing (comparison)"
	exit 0
fi
cat >"$NK_TMP/cmp.py" <<'PY'
import json, sys, collections
exp = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
def by(lst, t): return [j for j in lst if j.get('bmp_msg_type') == t]
fails = 0
def check(name, a, b):
    global fails
    if a == b:
        print('ok', name, len(a) if hasattr(a, '__len__') else a)
    else:
        fails += 1
        print('DIFF', name)
        if isinstance(a, collections.Counter):
            print('  missing:', list((a - b).items())[:5]); print('  extra:', list((b - a).items())[:5])
        else:
            print('  want', str(a)[:600]); print('  got ', str(b)[:600])
def path(p):
    if p is None: return ''
    return ' '.join(p) if isinstance(p, list) else p
# init
ie, ig = by(exp, 'init'), by(got, 'init')
check('init', [(j.get('bmp_init_info_sysname'), (j.get('bmp_init_info_sysdescr'))) for j in ie],
      [(j.get('bmp_init_info_sysname'), j.get('bmp_init_info_sysdescr')) for j in ig])
K = ['peer_ip', 'peer_asn', 'bgp_id', 'bmp_rib_type', 'timestamp', 'local_ip', 'local_port', 'remote_port']
check('peer_up', [tuple(j.get(k) for k in K) for j in by(exp, 'peer_up')], [tuple(j.get(k) for k in K) for j in by(got, 'peer_up')])
K = ['peer_ip', 'peer_asn', 'bgp_id', 'bmp_rib_type', 'timestamp', 'reason_type']
check('peer_down', [tuple(j.get(k) for k in K) for j in by(exp, 'peer_down')], [tuple(j.get(k) for k in K) for j in by(got, 'peer_down')])
K = ['peer_ip', 'peer_asn', 'bgp_id', 'bmp_rib_type', 'timestamp', 'counter_type', 'counter_value']
check('stats', collections.Counter(tuple(j.get(k) for k in K) for j in by(exp, 'stats')),
      collections.Counter(tuple(j.get(k) for k in K) for j in by(got, 'stats')))
def rm(lst):
    # pmacct logs a withdrawal only for a route in its RIB (it prints the
    # withdrawn route's attributes): count withdrawals of announced routes
    c = collections.Counter()
    held = set()
    for j in by(lst, 'route_monitor'):
        if j.get('safi') != 1 or j.get('log_type') not in ('update', 'withdraw'): continue
        key = (j['ip_prefix'], j['peer_ip'], j['bmp_rib_type'])
        if j['log_type'] == 'update':
            held.add(key)
        elif key in held:
            held.discard(key)
        else:
            continue
        # pmacct files FRR's Loc-RIB routes under the AS of FRR's bogus
        # Peer Up for 0.0.0.0 (AS 0); the per-peer header on the wire says
        # the router's AS: compare Loc-RIB without the AS.
        asn = None if j['bmp_rib_type'] == 'Loc-Rib' else j['peer_asn']
        t = (j['log_type'], j['afi'], j['ip_prefix'], j['peer_ip'], asn, j['bmp_rib_type'])
        if j['log_type'] == 'update':
            # pmacct prints an IPv4-mapped IPv6 next hop as is, we as IPv4
            nh = (j.get('bgp_nexthop') or '').replace('::ffff:', '')
            t += (path(j.get('as_path')), nh, j.get('origin'), j.get('local_pref'), j.get('med'))
        c[t] += 1
    return c
check('route_monitor unicast', rm(exp), rm(got))
sys.exit(1 if fails else 0)
PY
n_golden=0
for exp in "$D"/*.expected-output-bmp.jsonl; do
	[ -f "$exp" ] || continue
	base=$(basename "$exp" .expected-output-bmp.jsonl)
	pcap=$D/$base.pcap
	if ! "$BW" bmp-decode "$pcap" >"$NK_TMP/$base.jsonl" 2>"$NK_TMP/$base.err"; then
		nk_fail "bmp-golden-$base-decode" "exit $?: $(head -3 "$NK_TMP/$base.err")"
		continue
	fi
	if python3 "$NK_TMP/cmp.py" "$exp" "$NK_TMP/$base.jsonl" >"$NK_TMP/$base.cmp"; then
		nk_pass "bmp-golden-$base ($(tr '\n' ' ' <"$NK_TMP/$base.cmp"))"
	else
		nk_fail "bmp-golden-$base" "$(grep -A2 DIFF "$NK_TMP/$base.cmp" | head -6)"
	fi
	n_golden=$((n_golden + 1))
done
[ "$n_golden" -ge 2 ] || nk_fail bmp-golden-count "only $n_golden captures with an oracle"
# captures without an oracle: decode cleanly and say something
for pcap in "$D"/pmacct-2*-BMP-*.pcap; do
	base=$(basename "$pcap" .pcap)
	[ -f "$D/$base.expected-output-bmp.jsonl" ] && continue
	if "$BW" bmp-decode "$pcap" >"$NK_TMP/$base.jsonl" 2>"$NK_TMP/$base.err" &&
		grep -q '"bmp_msg_type":"init"' "$NK_TMP/$base.jsonl" &&
		grep -q '"bmp_msg_type":"peer_up"' "$NK_TMP/$base.jsonl"; then
		nk_pass "bmp-decode-$base ($(wc -l <"$NK_TMP/$base.jsonl") lines)"
	else
		nk_fail "bmp-decode-$base" "$(head -3 "$NK_TMP/$base.err")"
	fi
done
exit $NK_FAILED
