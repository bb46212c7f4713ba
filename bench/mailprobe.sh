#!/usr/bin/env bash
# bench/mailprobe.sh: mailprobe vs Debian's monitoring-plugins against the
# mail + DNS lab (tests/lib/mail-lab.sh): wall and CPU time per probe, and
# 100 concurrent mailbox probes (login + EXAMINE INBOX) from one mailprobe
# process vs 100 sequential check_imap runs doing the same login, with the
# CPU of mailprobe and of Dovecot's process tree, in Dovecot's default mode
# and in its high-performance mode; mailprobe's per-process startup cost.
# Prints every exact command and the ratios; asserts nothing.
set -u
cd "$(dirname "$0")/.."
NK_BUILD=${NK_BUILD:-$PWD/build}
MP=$NK_BUILD/mailprobe/mailprobe
P=/usr/lib/nagios/plugins
N=${BENCH_N:-20}
for c in "$MP" $P/check_imap $P/check_dig dovecot nsd unbound; do
	command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || { echo "bench mailprobe: missing $c (scripts/deps/mailprobe.txt)"; exit 0; }
done
. tests/lib/mail-lab.sh
trap mlab_down EXIT
mlab_up || { echo "bench mailprobe: lab did not start"; exit 1; }
CA=$MLAB/tls/cert.pem
printf 'machine 127.0.0.1 login probe1 password secret1\n' >"$MLAB/creds"
chmod 600 "$MLAB/creds"
CR="--credentials $MLAB/creds"

cat >"$MLAB/bench.py" <<'PY'
import os, shlex, statistics, subprocess, sys, time
def run(cmd, n):
    walls, cpus, rcs = [], [], set()
    for _ in range(n):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, st, ru = os.wait4(p.pid, 0)
        walls.append((time.perf_counter() - t) * 1000)
        cpus.append((ru.ru_utime + ru.ru_stime) * 1000)
        rcs.add(os.waitstatus_to_exitcode(st))
    return statistics.median(walls), statistics.median(cpus), sorted(rcs)
TCK = os.sysconf("SC_CLK_TCK")
def pstat(pid):
    with open(f"/proc/{pid}/stat") as f:
        t = f.read()
    rest = t[t.rindex(")") + 2:].split()
    return int(rest[1]), [int(x) for x in rest[11:15]]
def tree_ms(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                pp, _ = pstat(d); kids.setdefault(pp, []).append(int(d))
            except (OSError, ValueError): pass
    tot, todo = 0, [root]
    while todo:
        p = todo.pop()
        try:
            _, t = pstat(p)
        except (OSError, ValueError): continue
        tot += t[0] + t[1] + ((t[2] + t[3]) if p == root else 0)
        todo += kids.get(p, [])
    return tot * 1000 / TCK
mode = sys.argv[1]; n = int(sys.argv[2])
if mode == "pair":
    name, ours, peer = sys.argv[3:6]
    a = run(ours, n); b = run(peer, n)
    print(f"{name:26s} mailprobe wall {a[0]:7.1f} ms cpu {a[1]:6.1f} ms rc={a[2]} | peer wall {b[0]:7.1f} ms cpu {b[1]:6.1f} ms rc={b[2]} | wall ratio {a[0]/b[0]:5.2f} cpu ratio {a[1]/max(b[1],0.01):5.2f}")
    print(f"    mailprobe: {ours}\n    peer:      {peer}")
elif mode == "tree":
    # wall, client CPU and the CPU of the server's whole process tree
    # (live processes' utime+stime plus what the root reaped), per run
    root, name, cmd = int(sys.argv[3]), sys.argv[4], sys.argv[5]
    b = tree_ms(root); w, c, r = run(cmd, n); time.sleep(0.3); a = tree_ms(root)
    s = (a - b) / n
    print(f"{name:44s} wall {w:8.1f} ms cpu {c:7.1f} ms server cpu {s:7.1f} ms rc={r}\n    {cmd}")
    with open(os.environ["BENCH_OUT"], "a") as f: f.write(f"{name}\t{w}\t{c}\t{s}\n")
else:
    name, cmd = sys.argv[3:5]
    w, c, r = run(cmd, n)
    print(f"{name:44s} wall {w:8.1f} ms cpu {c:7.1f} ms rc={r}\n    {cmd}")
    with open(os.environ["BENCH_OUT"], "a") as f: f.write(f"{name}\t{w}\t{c}\t0\n")
PY
B="python3 $MLAB/bench.py"
echo "mailprobe bench: median of $N runs each, lab on 127.0.0.1, $(nproc) cores"
echo "-- one probe per process, same checks"
$B pair "$N" "IMAP 143 banner"      "$MP --plugin imap://127.0.0.1:11143"           "$P/check_imap -H 127.0.0.1 -p 11143"
$B pair "$N" "IMAPS 993 + cert"     "$MP --plugin -k -D 20,7 imaps://127.0.0.1:11993" "$P/check_simap -H 127.0.0.1 -p 11993 -D 20,7"
$B pair "$N" "POP3 110 banner"      "$MP --plugin pop3://127.0.0.1:11110"           "$P/check_pop -H 127.0.0.1 -p 11110"
$B pair "$N" "SMTP 25 EHLO"         "$MP --plugin smtp://127.0.0.1:11025"           "$P/check_smtp -H 127.0.0.1 -p 11025"
$B pair "$N" "SMTP 25 STARTTLS"     "$MP --plugin -k smtp+tls://127.0.0.1:11025"    "$P/check_smtp -H 127.0.0.1 -p 11025 -S"
$B pair "$N" "587 STARTTLS+AUTH"    "$MP --plugin --cafile $CA $CR submission://probe1@127.0.0.1:11587" "$P/check_smtp -H 127.0.0.1 -p 11587 -S -A LOGIN -U probe1 -P secret1"
$B pair "$N" "DNS A (nsd 11054)"    "$MP --plugin dns 127.0.0.1:11054 www.lab.test A 192.0.2.10 192.0.2.11" "$P/check_dig -H 127.0.0.1 -p 11054 -l www.lab.test -a 192.0.2.10"
$B pair "$N" "DNS A (127.53.0.1:53)" "$MP --plugin dns 127.53.0.1 www.lab.test A"  "$P/check_dns -H www.lab.test -s 127.53.0.1"
# 100 distinct mailboxes box001..box100 (password pwNNN), with their
# netrc lines in the credentials file; again after each Dovecot rewrite.
add_boxes() {
	local i
	for i in $(seq -w 1 100); do
		echo "box$i:{PLAIN}pw$i:65534:65534::$MLAB/mail/box$i::" >>"$MLAB/etc/passwd"
		mkdir -p "$MLAB/mail/box$i"
	done
	chown -R 65534:65534 "$MLAB/mail"
	grep -q '^machine 127.0.0.1 login box001 ' "$MLAB/creds" ||
		for i in $(seq -w 1 100); do echo "machine 127.0.0.1 login box$i password pw$i"; done >>"$MLAB/creds"
	for p in 11143 12143; do
		for i in $(seq -w 1 100); do printf 'imap://box%s@127.0.0.1:%s\n' "$i" "$p"; done >"$MLAB/urls-$p"
	done
}
add_boxes
export BENCH_OUT=$MLAB/bench.tsv
NB=$(( N < 5 ? N : 5 ))
# One block of 100-mailbox figures against the Dovecot now running.
hundred() { # LABEL [PORT]
	local dv port=${2:-11143}
	dv=$(cat "$MLAB/run/dovecot.fg")
	: >"$BENCH_OUT"
	echo "-- 100 mailboxes box001..box100 (IMAP login + EXAMINE INBOX), Dovecot $1; server cpu = Dovecot's process tree (pid $dv)"
	$B tree "$NB" "$dv" "mailprobe, 1 mailbox"                 "$MP --plugin $CR imap://box001@127.0.0.1:$port"
	$B tree "$NB" "$dv" "mailprobe, 100 mailboxes concurrently" "$MP --plugin $CR \$(cat $MLAB/urls-$port)"
	$B tree 1 "$dv" "check_imap, 100 sequential runs (login)" "for i in \$(seq -w 1 100); do $P/check_imap -H 127.0.0.1 -p $port -E -s \"a LOGIN box\$i pw\$i\\r\\na LOGOUT\\r\\n\" -e 'a OK' >/dev/null; done"
	$B tree 1 "$dv" "mailprobe, 100 sequential runs (login)"  "for i in \$(seq -w 1 100); do $MP --plugin $CR imap://box\$i@127.0.0.1:$port >/dev/null; done"
	$B tree "$NB" "$dv" "mailprobe, 1 banner probe"               "$MP --plugin imap://127.0.0.1:$port"
	$B tree "$NB" "$dv" "mailprobe, 100 banner probes concurrently" "$MP --plugin -n 100 imap://127.0.0.1:$port"
	$B tree 1 "$dv" "check_imap, 100 sequential banner runs"   "for i in \$(seq 100); do $P/check_imap -H 127.0.0.1 -p $port >/dev/null; done"
	$MP --json $CR $(cat "$MLAB/urls-$port") >"$MLAB/hundred.json"
	python3 - "$MLAB/hundred.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ok = sum(1 for e in ev if e.get("ok"))
def d(k):
    v = sorted(e["times"][k] for e in ev if isinstance(e["times"].get(k), (int, float)))
    return f"{k.replace('_ms', '')} min {v[0]:.1f} median {v[len(v) // 2]:.1f} max {v[-1]:.1f} ms" if v else k + " -"
print(f"    one 100-mailbox run: {ok} of {len(ev)} logins OK; per probe: {d('connect_ms')}; {d('banner_ms')}; {d('login_ms')}; {d('total_ms')}")
PY
	awk -F'\t' -v mode="$1" '{w[NR]=$2; c[NR]=$3; s[NR]=$4} END {
	printf "ratios (%s): 100 concurrent / 1 mailbox: wall %.2fx (goal < 2x)\n", mode, w[2]/w[1];
	printf "        100 concurrent (one mailprobe) vs 100 sequential check_imap: wall %.3fx, cpu %.3fx\n", w[2]/w[3], c[2]/c[3];
	printf "        100 sequential mailprobe vs 100 sequential check_imap: wall %.2fx, cpu %.2fx\n", w[4]/w[3], c[4]/c[3];
	printf "        banner: 100 concurrent / 1: wall %.2fx; vs 100 sequential check_imap: wall %.3fx, cpu %.3fx\n", w[6]/w[5], w[6]/w[7], c[6]/c[7];
	printf "        mailprobe CPU per mailbox probe in a batch of 100: %.2f ms (check_imap per run: %.2f ms)\n", (c[2]-c[1])/99, c[3]/100;
	printf "breakdown of the 100-mailbox run: wall %.1f ms; mailprobe cpu %.1f ms; Dovecot cpu %.1f ms (%.2f ms per login);\n", w[2], c[2], s[2], s[2]/100;
	printf "        on 2 cores the CPU alone needs >= %.1f ms: %s\n", (c[2]+s[2])/2, ((c[2]+s[2])/2 > 0.6*w[2]) ? "CPU-bound, and the server holds most of it" : "not CPU-bound: the wait is in the server'"'"'s login step (see login above)" }' "$BENCH_OUT"
}
hundred "default (a login process forked per connection)"
# Dovecot's high-performance mode (tests/lib/mail-lab.sh MLAB_DOVECOT_FAST)
mlab_dovecot_stop
MLAB_DOVECOT_FAST=1 mlab_write_dovecot 2>/dev/null
add_boxes
if mlab_dovecot_start; then
	$MP --plugin $CR $(cat "$MLAB/urls-11143") >/dev/null # warm the pre-forked imap processes
	hundred "high-performance mode (service_count = 0, process_min_avail)"
else
	echo "bench mailprobe: Dovecot did not restart in high-performance mode"
fi
# The same 100 mailboxes as a monitoring host sees a remote mail host: a
# relay adds BENCH_WAN_MS (default 20) ms each way, so every round trip of
# the IMAP exchange costs what it costs over a WAN.
WAN_MS=${BENCH_WAN_MS:-20}
python3 bench/delay_relay.py 12143 11143 "$WAN_MS" >"$MLAB/relay.out" 2>&1 &
relay=$!
for _ in $(seq 50); do grep -q ready "$MLAB/relay.out" 2>/dev/null && break; sleep 0.1; done
if grep -q ready "$MLAB/relay.out"; then
	hundred "high-performance mode behind a relay adding $WAN_MS ms each way (python3 bench/delay_relay.py 12143 11143 $WAN_MS)" 12143
else
	echo "bench mailprobe: the delay relay did not start"
fi
kill "$relay" 2>/dev/null; wait "$relay" 2>/dev/null
echo "-- mailprobe's own cost per process (startup = loading libcurl's 30-odd shared libraries)"
$B one "$N" "mailprobe --version (no probe, no curl init)" "$MP --version"
$B one "$N" "mailprobe, 1 banner probe"                   "$MP --plugin imap://127.0.0.1:11143"
$B one "$N" "check_imap, 1 banner probe"                  "$P/check_imap -H 127.0.0.1 -p 11143"
# the floor any program linked with libcurl pays: an empty main()
if command -v "${CC:-cc}" >/dev/null; then
	printf 'int main(void) { return 0; }\n' >"$MLAB/empty.c"
	"${CC:-cc}" -O2 -o "$MLAB/empty" "$MLAB/empty.c" &&
		"${CC:-cc}" -O2 -Wl,-z,relro,-z,now -o "$MLAB/empty-curl" "$MLAB/empty.c" -Wl,--no-as-needed -lcurl &&
		$B one "$N" "empty main(), no libraries" "$MLAB/empty" &&
		$B one "$N" "empty main() linked with -lcurl (-z now)" "$MLAB/empty-curl"
fi
echo "    shared libraries loaded: mailprobe $(ldd "$MP" | wc -l), check_imap $(ldd $P/check_imap | wc -l); cairo/pcap linked: $(ldd "$MP" | grep -c -e cairo -e pcap)"
LD_DEBUG=statistics "$MP" --version 2>&1 >/dev/null | grep -E 'total startup time|number of relocations:' | sed 's/^ *[0-9]*: */    ld.so: /'
