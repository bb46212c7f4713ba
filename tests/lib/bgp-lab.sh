# BGP helpers for bgpwatch's live tests; source after harness.sh.
#   bgp_peer PORT SCRIPT...   a scripted BGP speaker on 127.0.0.1 (python3):
#                             steps are "open AS [VERSION]", "keepalive",
#                             "update-a PFX AS_PATH", "update-w PFX",
#                             "raw HEX", "notify CODE SUB [TEXT]", "sleep S",
#                             "await FILE" (go on once FILE exists: the
#                             test's cue),
#                             "expect-notify" (prints "NOTIFY c/s text" of
#                             the first NOTIFICATION received), "hold S"
#                             (stay connected), "close" (then "accept":
#                             wait for the next connection).
#   bgp_peer_at HOST PORT ... the same from/at another address; HOST
#                             "listen:ADDR" waits for the collector to dial.
#   bgp_lab_up                two namespaces ${NK_NS_PREFIX}p (speakers) and
#                             ${NK_NS_PREFIX}c (collector), veth, addresses
#                             10.201.0.1/.3/.4/.5 (peer side), .2 and .6
#                             (collector side).
#   bgp_json_has FILE EVENT JQ-LIKE-SUBSTRING  grep one JSON line
#   bgp_exa_conf NAME LOCAL AS [MD5 [NEIGHBOR PEER_AS]]
#                             an ExaBGP speaker's config (default neighbor:
#                             the collector, 10.201.0.2 AS 65001); lines
#                             appended to $NK_TMP/cmds-NAME.txt (made empty
#                             here) are its API commands
#   bgp_exa_start NAME NS     run it in namespace NS (a registered daemon)
#   bmp_scenario TAG SENDER   the BMP checks shared by every BMP sender: the
#                             router (sysName SENDER) and peers A and B come
#                             up, A's then B's withdrawal, B's shutdown
#                             with its reason; results named TAG-...
BGP_PEER_PY=$NK_TMP/bgp_peer.py
cat >"$BGP_PEER_PY" <<'PYEOF'
import os, socket, struct, sys, time
def msg(t, b=b''):
    return b'\xff' * 16 + struct.pack('!HB', 19 + len(b), t) + b
def opn(asn, ver=4, hold=30, rid=0x0a0000fe):
    caps = bytes([2, 6, 65, 4]) + struct.pack('!I', asn) + bytes([2, 6, 1, 4, 0, 1, 0, 1])
    return msg(1, struct.pack('!BHHI', ver, asn if asn < 65536 else 23456, hold, rid) + bytes([len(caps)]) + caps)
def pfx(p):
    a, l = p.split('/'); l = int(l)
    return bytes([l]) + bytes(int(x) for x in a.split('.'))[:(l + 7) // 8]
host, port = sys.argv[1], int(sys.argv[2])
steps = sys.argv[3:]
if host.startswith('listen:'):
    # passive: accept one connection per "accept" step group
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host[7:], port))
    ls.listen(4)
    ls.settimeout(20)
    s = ls.accept()[0]
else:
    s = socket.create_connection((host, port), timeout=10)
i = 0
while i < len(steps):
    w = steps[i].split()
    i += 1
    if w[0] == 'open':
        s.sendall(opn(int(w[1]), int(w[2]) if len(w) > 2 else 4))
    elif w[0] == 'keepalive':
        s.sendall(msg(4))
    elif w[0] == 'update-a':
        path = [int(x) for x in w[2].split(',')]
        ap = bytes([2, len(path)]) + b''.join(struct.pack('!I', a) for a in path)
        attrs = bytes([0x40, 1, 1, 0, 0x40, 2, len(ap)]) + ap + bytes([0x40, 3, 4, 10, 0, 0, 1])
        s.sendall(msg(2, struct.pack('!H', 0) + struct.pack('!H', len(attrs)) + attrs + pfx(w[1])))
    elif w[0] == 'update-w':
        wd = pfx(w[1])
        s.sendall(msg(2, struct.pack('!H', len(wd)) + wd + struct.pack('!H', 0)))
    elif w[0] == 'raw':
        s.sendall(bytes.fromhex(w[1]))
    elif w[0] == 'notify':
        t = ' '.join(w[3:]).encode()
        s.sendall(msg(3, bytes([int(w[1]), int(w[2])]) + (bytes([len(t)]) + t if t else b'')))
    elif w[0] == 'sleep':
        time.sleep(float(w[1]))
    elif w[0] == 'await':
        # the test's cue: go on once it creates the file
        while not os.path.exists(w[1]):
            time.sleep(0.05)
    elif w[0] == 'hold':
        end = time.time() + float(w[1])
        s.settimeout(0.2)
        while time.time() < end:
            try:
                d = s.recv(4096)
                if not d:
                    break
            except socket.timeout:
                pass
        s.settimeout(10)
    elif w[0] == 'expect-notify':
        buf = b''
        s.settimeout(float(w[1]) if len(w) > 1 else 10)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                buf += d
                # walk messages
                off, found = 0, None
                while len(buf) - off >= 19:
                    ln, ty = struct.unpack('!HB', buf[off + 16:off + 19])
                    if len(buf) - off < ln:
                        break
                    if ty == 3:
                        found = buf[off + 19:off + ln]
                        break
                    off += ln
                if found is not None:
                    txt = ''
                    if found[0] == 6 and found[1] in (2, 4) and len(found) > 2:
                        txt = found[3:3 + found[2]].decode('utf-8', 'replace')
                    print('NOTIFY %d/%d %s' % (found[0], found[1], txt), flush=True)
                    break
        except socket.timeout:
            print('NOTIFY none (timeout)', flush=True)
    elif w[0] == 'close':
        s.close()
        if host.startswith('listen:') and i < len(steps) and steps[i] == 'accept':
            i += 1
            s = ls.accept()[0]
            continue
        break
PYEOF

bgp_peer() {
	python3 "$BGP_PEER_PY" 127.0.0.1 "$@"
}

bgp_peer_at() {
	python3 "$BGP_PEER_PY" "$@"
}

BGP_NS_P=${NK_NS_PREFIX}p
BGP_NS_C=${NK_NS_PREFIX}c
bgp_lab_up() {
	nk_netns_add p >/dev/null || return 1
	nk_netns_add c >/dev/null || return 1
	ip link add "${NK_NS_PREFIX}v1" type veth peer name "${NK_NS_PREFIX}v2" || return 1
	ip link set "${NK_NS_PREFIX}v1" netns "$BGP_NS_P"
	ip link set "${NK_NS_PREFIX}v2" netns "$BGP_NS_C"
	local a
	for a in 1 3 4 5; do
		ip -n "$BGP_NS_P" addr add 10.201.0.$a/24 dev "${NK_NS_PREFIX}v1"
	done
	ip -n "$BGP_NS_C" addr add 10.201.0.2/24 dev "${NK_NS_PREFIX}v2"
	ip -n "$BGP_NS_C" addr add 10.201.0.6/24 dev "${NK_NS_PREFIX}v2"
	ip -n "$BGP_NS_P" link set "${NK_NS_PREFIX}v1" up
	ip -n "$BGP_NS_C" link set "${NK_NS_PREFIX}v2" up
	nk_wait_for 5 ip netns exec "$BGP_NS_P" ping -c1 -W1 10.201.0.2
}

# bgp_count FILE EVENT [SUBSTRING]: how many JSON lines of EVENT contain it
bgp_count() {
	grep "\"event\":\"$2\"" "$1" 2>/dev/null | grep -c -F -- "${3:-}"
}
bgp_has() {
	[ "$(bgp_count "$@")" -gt 0 ]
}

bgp_exa_conf() { # NAME LOCAL AS [MD5 [NEIGHBOR PEER_AS]]
	cat >"$NK_TMP/exa-$1.conf" <<EXA
process cmds {
    run /usr/bin/tail -n +1 -F $NK_TMP/cmds-$1.txt;
    encoder text;
}
neighbor ${5:-10.201.0.2} {
    router-id $2;
    local-address $2;
    local-as $3;
    peer-as ${6:-65001};
    hold-time 30;
    ${4:+md5-password "$4";}
    family { ipv4 unicast; }
    api { processes [ cmds ]; }
}
EXA
	: >"$NK_TMP/cmds-$1.txt"
}

bgp_exa_start() { # NAME NS
	nk_daemon_ns "$2" "exa$1" env exabgp.daemon.user=root \
		exabgp.log.destination="$NK_TMP/exa-$1.log" exabgp.api.ack=false \
		exabgp.daemon.daemonize=false exabgp "$NK_TMP/exa-$1.conf" >/dev/null
}

# The BMP-only collector of the BMP labs in namespace C: listens on
# 10.201.0.2:11019 (pre-policy), upstreams A and B are the router's peers.
# Sets BWPID; its JSON goes to $NK_TMP/bw.out. Returns 1 (after nk_fail
# TAG-start) when it does not start.
bmp_collector_start() { # TAG
	cat >"$NK_TMP/bw.conf" <<CONF
# BMP only: no [collector], the upstreams are the router's peers
[bmp]
listen = 10.201.0.2:11019
view = pre-policy

[upstream A]
peer = 10.201.0.2
asn = 65030

[upstream B]
peer = 10.201.0.6
asn = 65031

[watch]
prefix = 192.0.2.0/24
prefix = 198.51.100.0/24
CONF
	BWPID=$(nk_daemon_ns "$BGP_NS_C" bw "$(nk_bin bgpwatch)" collect --config "$NK_TMP/bw.conf" --json)
	nk_wait_for 5 grep -q "event=collector_started" "$NK_TMP/bw.err" || {
		nk_fail "$1-start" "collector: $(cat "$NK_TMP/bw.err")"
		return 1
	}
}

bmp_scenario() { # TAG SENDER; the collector's JSON in $OUT, log in $NK_TMP/bw.err
	local tag=$1 sender=$2 n
	if nk_wait_for 40 bgp_has "$OUT" bmp_router_up "$sender"; then
		nk_pass "$tag-router-up"
	else
		nk_fail "$tag-router-up" "no bmp_router_up: $(tail -3 "$NK_TMP/bw.err")"
	fi
	for n in A B; do
		if nk_wait_for 40 bgp_has "$OUT" session_up "\"peer\":\"$n\""; then
			nk_pass "$tag-peer-up-$n"
		else
			nk_fail "$tag-peer-up-$n" "no session_up for $n via BMP from $sender"
		fi
	done
	nk_wait_for 20 bash -c "[ \$(grep -c '\"event\":\"announced\".*192.0.2.0/24' $OUT) -ge 2 ]" ||
		nk_fail "$tag-announced" "192.0.2.0/24 not announced by both via BMP from $sender"
	echo 'withdraw route 192.0.2.0/24' >>"$NK_TMP/cmds-A.txt"
	if nk_wait_for 10 bgp_has "$OUT" withdrawn "withdrawn by A, still via B"; then
		nk_pass "$tag-withdrawn-still-via"
	else
		nk_fail "$tag-withdrawn-still-via" "$(grep 192.0.2.0 "$OUT" | tail -3)"
	fi
	echo 'withdraw route 192.0.2.0/24' >>"$NK_TMP/cmds-B.txt"
	if nk_wait_for 10 bgp_has "$OUT" unreachable '"prefix":"192.0.2.0/24"'; then
		nk_pass "$tag-unreachable"
	else
		nk_fail "$tag-unreachable" "no unreachable via BMP from $sender"
	fi
	echo 'neighbor 10.201.0.1 teardown 2' >>"$NK_TMP/cmds-B.txt"
	if nk_wait_for 15 bgp_has "$OUT" session_down "peer down: BMP from $sender: remote system closed the session with a NOTIFICATION: administrative shutdown"; then
		nk_pass "$tag-peer-down-reason"
	else
		nk_fail "$tag-peer-down-reason" "$(grep session_down "$OUT" | tail -2)"
	fi
}
