#!/usr/bin/env bash
# bgpwatch collect started as root in a namespace lab binds :179 and opens
# its record file, then runs as nobody with no capability left
# (/proc/PID/status: Uid/Gid of nobody, CapEff 0). After the drop: a
# passive session (ExaBGP) and an active one with TCP-MD5 (bgpwatch dials a
# passive GoBGP) come up and deliver events; a SIGHUP adds an MD5 peer
# (TCP_MD5SIG set on the listener after the drop) whose session comes up;
# a reload asking for a new listener on port 179 logs one line and keeps
# the old listener and every session; one on port 1179 is bound.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/bgp-lab.sh"

BW=$(nk_bin bgpwatch)
if [ ! -x "$BW" ]; then
	nk_fail priv-setup "bgpwatch not built at $BW"
	exit 1
fi
nk_need_root priv || exit 0
for t in exabgp gobgpd gobgp python3; do
	if ! command -v "$t" >/dev/null; then
		nk_skip priv "$t not installed (scripts/deps/bgpwatch.txt)"
		exit 0
	fi
done
if ! getent passwd nobody >/dev/null; then
	nk_skip priv "no user nobody"
	exit 0
fi
if ! bgp_lab_up; then
	nk_fail priv-setup "namespace lab did not come up"
	exit 1
fi
T=$NK_TMP
OUT=$T/bw.out
ERR=$T/bw.err
# the config must stay readable by nobody for SIGHUP; the record file
# gets a TABLE_DUMP_V2 snapshot every second (record_rib_every)
write_conf() { # [more] [LISTEN2]
	cat >"$T/bw.conf" <<CONF
[collector]
asn = 65001
router_id = 10.201.0.2
listen = 10.201.0.2:179
${2:+listen = $2}
hold_time = 30
connect_retry = 1s
record = $T/rec.mrt
record_rib_every = 1

[upstream A]
peer = 10.201.0.1
asn = 65010

[upstream B]
peer = 10.201.0.3
asn = 65020
md5 = s3cret-lab
passive = no
local = 10.201.0.2
CONF
	if [ "${1:-}" = more ]; then
		printf '[upstream C]\npeer = 10.201.0.4\nasn = 65040\nmd5 = c-key\n' >>"$T/bw.conf"
	fi
	printf '[watch]\nprefix = 192.0.2.0/24\nprefix = 198.51.100.0/24\nprefix = 203.0.113.0/24\n' >>"$T/bw.conf"
	chmod 0644 "$T/bw.conf"
}
write_conf
BWPID=$(nk_daemon_ns "$BGP_NS_C" bw "$BW" collect --config "$T/bw.conf" --json)
if ! nk_wait_for 10 grep -q "event=collector_started" "$ERR"; then
	nk_fail priv-start "collector: $(cat "$ERR")"
	exit 1
fi

# --- the process after startup: nobody, no capability, no way back
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
st=/proc/$BWPID/status
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$st")
nk_expect priv-uid "$uids" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
nk_expect priv-gid "$gids" "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
nk_expect priv-capeff "$(awk '/^CapEff:/ {print $2}' "$st")" 0000000000000000
nk_expect priv-capprm "$(awk '/^CapPrm:/ {print $2}' "$st")" 0000000000000000
nk_expect priv-nonewprivs "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" 1
nk_expect priv-groups "$(awk '/^Groups:/ {print $2}' "$st")" ""
nk_expect_grep priv-log "$ERR" \
	"event=privileges_dropped user=nobody uid=$NOBODY_UID gid=$NOBODY_GID was_uid=0 capabilities=none"
# the :179 listener was bound before the drop and still accepts
if ip netns exec "$BGP_NS_C" ss -Hltn 'sport = :179' | grep -q 10.201.0.2; then
	nk_pass priv-listener-kept
else
	nk_fail priv-listener-kept "no listener on 10.201.0.2:179"
fi

# --- A: ExaBGP connects to the collector's :179 (passive session)
bgp_exa_conf A 10.201.0.1 65010
echo 'announce route 192.0.2.0/24 next-hop self as-path [ 65010 64500 ] origin igp' >"$T/cmds-A.txt"
bgp_exa_start A "$BGP_NS_P"

# --- B: GoBGP waits (passive) with TCP-MD5; the collector dials it
cat >"$T/gobgpd.toml" <<TOML
[global.config]
  as = 65020
  router-id = "10.201.0.3"
  port = 179
  local-address-list = ["10.201.0.3"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.201.0.2"
    peer-as = 65001
    auth-password = "s3cret-lab"
  [neighbors.transport.config]
    local-address = "10.201.0.3"
    passive-mode = true
  [neighbors.timers.config]
    hold-time = 30
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
TOML
nk_daemon_ns "$BGP_NS_P" gobgpd gobgpd -f "$T/gobgpd.toml" -p \
	--api-hosts 127.0.0.1:50052 --pprof-disable >/dev/null
G="ip netns exec $BGP_NS_P gobgp -p 50052"
nk_wait_for 30 $G global rib summary || nk_fail priv-gobgp "gobgp API not up"
$G global rib add 198.51.100.0/24 -a ipv4 nexthop 10.201.0.3 aspath 64501 origin igp >/dev/null
$G global rib add 2001:db8:100::/48 -a ipv6 nexthop 2001:db8::3 aspath 64503 origin igp >/dev/null

for n in A B; do
	if nk_wait_for 40 bgp_has "$OUT" session_up "\"peer\":\"$n\""; then
		nk_pass "priv-session-up-$n"
	else
		nk_fail "priv-session-up-$n" "$(grep -F "peer=$n" "$ERR" | tail -3)"
	fi
done
if nk_wait_for 15 bgp_has "$OUT" announced '"prefix":"192.0.2.0/24"' &&
	nk_wait_for 15 bgp_has "$OUT" announced '"prefix":"198.51.100.0/24"'; then
	nk_pass priv-events
else
	nk_fail priv-events "$(grep announced "$OUT" | head -3)"
fi
# B is the active session: our connect() and TCP_MD5SIG ran after the drop
if grep -q 'event=connection_accepted peer=B' "$ERR"; then
	nk_fail priv-active-md5 "B connected to us; the test wants our dial-out"
else
	nk_pass priv-active-md5
fi

# --- SIGHUP: C (ExaBGP with an MD5 key) is added; 10.201.0.6:179 cannot
# be bound any more: one line, the old listener and sessions stay
write_conf more 10.201.0.6:179
kill -HUP "$BWPID"
if nk_wait_for 10 grep -q "event=reloaded.*added=1.*listeners=kept" "$ERR"; then
	nk_pass priv-reload
else
	nk_fail priv-reload "$(grep -E 'reload' "$ERR" | tail -3)"
fi
nk_expect priv-reload-listen-line \
	"$(grep -c 'event=reload_listen_failed listener=10.201.0.6 port=179 what=bgp cause="listen 10.201.0.6 port 179: Permission denied (ports below 1024 need privileges' "$ERR")" 1
bgp_exa_conf C 10.201.0.4 65040 c-key
echo 'announce route 203.0.113.0/24 next-hop self as-path [ 65040 64502 ] origin igp' >"$T/cmds-C.txt"
bgp_exa_start C "$BGP_NS_P"
# C reaches the old :179 listener, its key set on it after the drop
if nk_wait_for 40 bgp_has "$OUT" announced '"prefix":"203.0.113.0/24"' &&
	bgp_has "$OUT" session_up '"peer":"C"'; then
	nk_pass priv-md5-listener-after-drop
else
	nk_fail priv-md5-listener-after-drop "$(grep -F 'C' "$ERR" | tail -3)"
fi
# a port above 1023 is bound after the drop
write_conf more 10.201.0.6:1179
kill -HUP "$BWPID"
if nk_wait_for 10 grep -q "event=listening addr=10.201.0.6 port=1179" "$ERR" &&
	nk_wait_for 10 grep -q "event=reloaded.*listeners=as configured" "$ERR"; then
	nk_pass priv-reload-high-port
else
	nk_fail priv-reload-high-port "$(grep -E 'reload|listen' "$ERR" | tail -3)"
fi
if bgp_has "$OUT" session_down; then
	nk_fail priv-no-session-lost "$(grep session_down "$OUT" | head -2)"
else
	nk_pass priv-no-session-lost
fi
# a snapshot taken after C's route arrived: 4 prefixes (3 IPv4, 1 IPv6)
if nk_wait_for 15 grep -q 'event=rib_recorded .* prefixes=4 routes=4 skipped=0' "$ERR"; then
	nk_pass priv-rib-recorded
else
	nk_fail priv-rib-recorded "$(grep rib_record "$ERR" | tail -2)"
fi
# the record file, opened as root before the drop, keeps being written
kill -TERM "$BWPID"
nk_wait_for 10 bash -c "! kill -0 $BWPID"
if [ -s "$T/rec.mrt" ] && bgpdump -m "$T/rec.mrt" 2>/dev/null | grep -q '|A|.*|203.0.113.0/24|'; then
	nk_pass priv-record
else
	nk_fail priv-record "record file: $(ls -l "$T/rec.mrt" 2>&1)"
fi
# its TABLE_DUMP_V2 snapshots, read by bgpdump and by bgpwatch's reader:
# the last one holds every route the peers announced, with its path
bgpdump -m "$T/rec.mrt" 2>"$T/bgpdump.err" | grep '^TABLE_DUMP2|' >"$T/td2.bgpdump"
"$BW" dump "$T/rec.mrt" 2>"$T/dump.err" | grep '^TABLE_DUMP2|' >"$T/td2.bw"
for want in '|10.201.0.1|65010|192.0.2.0/24|65010 64500|IGP|' \
	'|10.201.0.3|65020|198.51.100.0/24|65020 64501|IGP|10.201.0.3|' \
	'|10.201.0.3|65020|2001:db8:100::/48|65020 64503|IGP|2001:db8::3|' \
	'|10.201.0.4|65040|203.0.113.0/24|65040 64502|IGP|'; do
	name=priv-td2-$(echo "$want" | cut -d'|' -f4 | tr -c '0-9a-f\n' -)
	if grep -qF -- "$want" "$T/td2.bgpdump" && grep -qF -- "$want" "$T/td2.bw"; then
		nk_pass "$name"
	else
		nk_fail "$name" "$want: bgpdump: $(grep -cF -- "$want" "$T/td2.bgpdump"), bgpwatch dump: $(grep -cF -- "$want" "$T/td2.bw"); $(head -c 300 "$T/bgpdump.err" "$T/dump.err")"
	fi
done
# bgpdump and bgpwatch dump agree on every snapshot line
if [ -s "$T/td2.bgpdump" ] && cmp -s "$T/td2.bgpdump" "$T/td2.bw"; then
	nk_pass priv-td2-same-as-bgpdump
else
	nk_fail priv-td2-same-as-bgpdump "$(diff "$T/td2.bgpdump" "$T/td2.bw" | head -4)"
fi
# replay starts from the snapshot: the RIB sets the scene quietly
if "$BW" replay --json "$T/rec.mrt" >"$T/replay.out" 2>"$T/replay.err"; then
	nk_pass priv-replay-reads
else
	nk_fail priv-replay-reads "$(tail -3 "$T/replay.err")"
fi
exit $NK_FAILED
