#!/usr/bin/env bash
# mailprobe DNS checks against NSD + Unbound: answers vs expected, AA,
# RCODE, SOA serials that disagree (and agree again), open recursion,
# TCP fallback on truncation and a malformed answer (fake servers).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/mail-lab.sh"

MP=$(nk_bin mailprobe)
T=$NK_TMP
if [ ! -x "$MP" ]; then nk_fail mailprobe_build "no $MP"; exit 1; fi
for c in dovecot nsd unbound dig; do
	command -v $c >/dev/null || { nk_skip mailprobe_dns "$c not installed (scripts/deps/mailprobe.txt)"; exit 0; }
done
nk_need_root mailprobe_dns || exit 0
MLAB=$T/lab
if ! mlab_up; then nk_fail mailprobe_lab "lab did not start"; exit 1; fi
trap 'mlab_down; nk_cleanup' EXIT

"$MP" --plugin --norec --aa dns 127.0.0.1:11054 www.lab.test A 192.0.2.11 192.0.2.10 >"$T/a.out" 2>&1
nk_expect dns_expected_rc "$?" 0
nk_expect_grep dns_expected_line "$T/a.out" '^DNS OK - dns 127.0.0.1:11054 www.lab.test A: NOERROR \[qr aa\] [0-9.]+ ms udp answers: 192.0.2.10 192.0.2.11'
"$MP" --plugin --norec dns 127.0.0.1:11053 www.lab.test A 192.0.2.10 192.0.2.11 >"$T/b.out" 2>&1
nk_expect dns_differs_rc "$?" 1
nk_expect_grep dns_differs_line "$T/b.out" 'answers: 192.0.2.10 192.0.2.99 expected: 192.0.2.10 192.0.2.11, answers differ'
"$MP" --plugin dns 127.0.0.1:11054 nosuch.lab.test >"$T/nx.out" 2>&1
nk_expect dns_nxdomain_rc "$?" 2
nk_expect_grep dns_nxdomain_line "$T/nx.out" 'NXDOMAIN'
"$MP" --json dns 127.0.0.1:11054 lab.test MX >"$T/mx.out" 2>&1
nk_expect_grep dns_json_mx "$T/mx.out" '"event":"dns".*"rcode":"NOERROR","aa":true.*"answers":\["10 mail.lab.test"\]'

# SOA serials: the two authoritative copies disagree, then agree
"$MP" --plugin soa lab.test 127.0.0.1:11054 127.0.0.1:11053 >"$T/s1.out" 2>&1
nk_expect soa_disagree_rc "$?" 1
nk_expect_grep soa_disagree_line "$T/s1.out" '^SOA WARNING - zone lab.test serials DISAGREE: 127.0.0.1:11054=2026112301! 127.0.0.1:11053=2026112302'
mlab_serial nsd 2026112301 2026112302
mlab_ready eval "dig +short -p 11054 @127.0.0.1 lab.test SOA | grep -q 2026112302"
"$MP" --plugin soa lab.test 127.0.0.1:11054 127.0.0.1:11053 >"$T/s2.out" 2>&1
nk_expect soa_agree_rc "$?" 0
# RFC 1982: 1 is newer than 4294967295 (wrapped), so the server at 1 is current
mlab_serial nsd 2026112302 4294967295
mlab_serial unbound-auth 2026112302 1
mlab_ready eval "dig +short -p 11053 @127.0.0.1 lab.test SOA | grep -qw 1"
mlab_ready eval "dig +short -p 11054 @127.0.0.1 lab.test SOA | grep -q 4294967295"
"$MP" soa lab.test 127.0.0.1:11054 127.0.0.1:11053 >"$T/s3.out" 2>&1
nk_expect_grep soa_wrap_behind "$T/s3.out" '127.0.0.1:11054 +serial 4294967295 behind'
nk_expect_grep soa_wrap_current "$T/s3.out" '127.0.0.1:11053 +serial 1 +current'
# the resolver is no authority
"$MP" --plugin soa lab.test 127.0.0.1:11055 >"$T/s4.out" 2>&1
nk_expect soa_resolver_rc "$?" 2

# open recursion: the resolver recurses for 127.0.0.1 and refuses others
"$MP" --plugin --recursion closed dns 127.0.0.1:11055 www.lab.test >"$T/r1.out" 2>&1
nk_expect recursion_open_rc "$?" 2
nk_expect_grep recursion_open_line "$T/r1.out" 'recursion open \(want closed\)'
"$MP" --plugin --recursion closed --source 127.0.0.2 dns 127.0.0.1:11055 www.lab.test >"$T/r2.out" 2>&1
nk_expect recursion_closed_rc "$?" 0
"$MP" --plugin --recursion closed dns 127.0.0.1:11054 example.com >"$T/r3.out" 2>&1
nk_expect recursion_auth_closed_rc "$?" 0

# fake servers: TC=1 over UDP with the full answer over TCP; garbage; silence
cat >"$T/fake.py" <<'PY'
import socket, struct, threading
def answer(q, tc, n):
    qid = q[:2]; qd = q[12:]
    flags = 0x8400 | (0x0200 if tc else 0)
    h = qid + struct.pack(">HHHHH", flags, 1, 0 if tc else n, 0, 0)
    body = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, 101) + b"\x64" + b"t" * 100 for _ in range(0 if tc else n))
    return h + qd + body
def udp(port, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", port))
    while True:
        q, a = s.recvfrom(4096)
        if mode == "tc": s.sendto(answer(q, True, 0), a)
        elif mode == "garbage": s.sendto(q[:2] + b"\x84\x00\x00\x01\x00\x05\x00\x00\x00\x00\xc0\x0c\xff", a)
def tcp(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(8)
    while True:
        c, _ = s.accept(); l = struct.unpack(">H", c.recv(2))[0]; q = c.recv(l)
        r = answer(q, False, 10); c.sendall(struct.pack(">H", len(r)) + r); c.close()
threading.Thread(target=udp, args=(11961, "tc"), daemon=True).start()
threading.Thread(target=tcp, args=(11961,), daemon=True).start()
threading.Thread(target=udp, args=(11962, "garbage"), daemon=True).start()
threading.Thread(target=udp, args=(11963, "silent"), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
PY
nk_daemon fakedns python3 "$T/fake.py" >/dev/null
nk_wait_for 10 grep -q ready "$NK_TMP/fakedns.out" || nk_fail fake_dns "did not start"
"$MP" --plugin dns 127.0.0.1:11961 big.lab.test TXT >"$T/tc.out" 2>&1
nk_expect tc_fallback_rc "$?" 0
nk_expect_grep tc_fallback_tcp "$T/tc.out" 'NOERROR \[qr aa\] [0-9.]+ ms tcp answers: "t'
"$MP" --plugin dns 127.0.0.1:11962 www.lab.test >"$T/g.out" 2>&1
nk_expect malformed_rc "$?" 2
nk_expect_grep malformed_line "$T/g.out" '^DNS CRITICAL - dns 127.0.0.1:11962 www.lab.test A: dns: '
start=$(date +%s%N)
"$MP" --plugin -t 1 dns 127.0.0.1:11963 www.lab.test >"$T/si.out" 2>&1
rc=$?
el=$((($(date +%s%N) - start) / 1000000))
nk_expect silent_dns_rc "$rc" 2
if [ "$el" -lt 3000 ]; then nk_pass silent_dns_deadline; else nk_fail silent_dns_deadline "${el} ms"; fi
exit $NK_FAILED
