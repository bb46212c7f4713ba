#!/usr/bin/env bash
# bgpwatch collect --check: the sample config in the repo must load (it is
# what users copy), and a bad config is named with file, line and cause and
# exits 3, without binding or dialling anything.
. "$(dirname "$0")/../lib/harness.sh"

BW=$(nk_bin bgpwatch)
[ -x "$BW" ] || { nk_fail config-built "no $BW"; exit 1; }
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$NK_TMP

out=$("$BW" collect --config "$TOP/bgpwatch/bgpwatch.conf.example" --check 2>&1)
nk_expect config-example-rc "$?" 0
case $out in
*"config OK: asn 64500, 2 BGP peers (1 with TCP-MD5), 2 listeners, 0 BMP listeners, 3 watched prefixes") nk_pass config-example-summary ;;
*) nk_fail config-example-summary "$out" ;;
esac

printf '[collector]\nasn = 64500\nrouter_id = 192.0.2.1\nlisten = 127.0.0.1:1179\nuser = nk-no-such-user\n' >"$T/user.conf"
out=$("$BW" collect --config "$T/user.conf" --check 2>&1)
nk_expect config-bad-user-rc "$?" 3
nk_expect config-bad-user-text "$out" "bgpwatch: $T/user.conf: [collector] user 'nk-no-such-user': no such user"

printf '[collector]\nasn = 64500\nrouter_id = 192.0.2.1\nhold_time = soon\n' >"$T/key.conf"
out=$("$BW" collect --config "$T/key.conf" --check 2>&1)
nk_expect config-bad-value-rc "$?" 3
case $out in
"bgpwatch: $T/key.conf:4: "*hold_time*) nk_pass config-bad-value-names-line ;;
*) nk_fail config-bad-value-names-line "$out" ;;
esac

# --check binds nothing: with its listen port already taken (by a running
# collector, say) it still says OK
PORT=$((20000 + $$ % 20000))
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("up", flush=True); time.sleep(30)' "$PORT" >"$T/holder.out" &
nk_register_pid $!
nk_wait_for 5 grep -q up "$T/holder.out"
printf '[collector]\nasn = 64500\nrouter_id = 192.0.2.1\nlisten = 127.0.0.1:%s\nuser =\n' "$PORT" >"$T/ok.conf"
out=$("$BW" collect --config "$T/ok.conf" --check 2>&1)
nk_expect config-check-binds-nothing "$?:$(echo "$out" | grep -c 'config OK')" 0:1
exit "$NK_FAILED"
