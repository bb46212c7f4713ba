# Mail + DNS lab for mailprobe's integration tests, demo and bench.
# Source it (after tests/lib/harness.sh when in a test), then:
#   mlab_up            start Dovecot, Postfix, NSD and two Unbounds under one
#                      mktemp -d ($MLAB), loopback high ports only; returns
#                      when each answers a real request (login, EHLO, SOA)
#   mlab_down          stop every daemon by pid, wait, remove $MLAB
# Fault injections (each undoable): mlab_renumber USER, mlab_uidl_format FMT,
#   mlab_lag_on/off, mlab_cert_expired/mlab_cert_good,
#   mlab_plaintext_off/on, mlab_dovecot_stop/start, mlab_serial ZONEFILE OLD NEW,
#   mlab_hide USER/mlab_unhide USER (a message vanishes, then reappears)
# Ports (127.0.0.1): smtp 11025, submission 11587, smtps 11465, imap 11143,
# imaps 11993, pop3 11110, pop3s 11995, lmtp 11024, dovecot auth 11026,
# NSD 11054 (serial ...01), Unbound auth 11053 (serial ...02, www differs;
# also 127.53.0.1:53 for check_dns, which has no port option),
# Unbound resolver 11055 (answers 127.0.0.1 only).
# Users probe1/secret1, probe2/secret2. $MLAB/tls/cert.pem is also the CA.
# Daemon pids go to the harness (nk_register_pid -> EXIT trap) when it is
# loaded, and always to $MLAB/run/*.fg for mlab_down.

MLAB=${MLAB:-}
MLAB_PIDS=()

mlab_log() { echo "mlab: $*" >&2; }

# Start "name cmd..." in the background, output into $MLAB/log.
mlab_spawn() {
	local name=$1
	shift
	"$@" >"$MLAB/log/$name.out" 2>&1 &
	local pid=$!
	echo "$pid" >"$MLAB/run/$name.fg"
	MLAB_PIDS+=("$pid")
	if declare -F nk_register_pid >/dev/null; then
		nk_register_pid "$pid"
	fi
}

# Retry a check until it passes, at most ~10 s; no bare sleeps elsewhere.
mlab_ready() {
	local i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt 500 ]; then
			mlab_log "not ready: $*"
			return 1
		fi
		sleep 0.02
	done
}

mlab_imap_login_ok() {
	local l
	exec 7<>/dev/tcp/127.0.0.1/11143 || return 1
	IFS= read -r -t 2 l <&7 || { exec 7>&-; return 1; }
	printf 'a LOGIN probe1 secret1\r\n' >&7
	while IFS= read -r -t 2 l <&7; do [[ $l == "a "* ]] && break; done
	printf 'b LOGOUT\r\n' >&7
	exec 7>&-
	[[ $l == "a OK"* ]]
}

mlab_pop_login_ok() {
	local l
	exec 7<>/dev/tcp/127.0.0.1/11110 || return 1
	IFS= read -r -t 2 l <&7 || { exec 7>&-; return 1; }
	printf 'USER probe1\r\n' >&7
	IFS= read -r -t 2 l <&7
	printf 'PASS secret1\r\n' >&7
	IFS= read -r -t 2 l <&7
	printf 'QUIT\r\n' >&7
	exec 7>&-
	[[ $l == "+OK"* ]]
}

mlab_smtp_ok() {
	local l
	exec 7<>/dev/tcp/127.0.0.1/"$1" || return 1
	IFS= read -r -t 2 l <&7 || { exec 7>&-; return 1; }
	printf 'QUIT\r\n' >&7
	exec 7>&-
	[[ $l == 220* ]]
}

mlab_dns_ok() {
	[ -n "$(dig +time=1 +tries=1 +short -p "$1" @127.0.0.1 lab.test SOA)" ]
}

mlab_write_tls() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mail.lab.test" \
		-addext "subjectAltName=DNS:mail.lab.test,DNS:localhost,IP:127.0.0.1" \
		-keyout "$MLAB/tls/key.pem" -out "$MLAB/tls/cert.pem" 2>/dev/null || return 1
	chmod 644 "$MLAB/tls/cert.pem"
	chmod 600 "$MLAB/tls/key.pem"
	cp "$MLAB/tls/cert.pem" "$MLAB/tls/good-cert.pem"
	cp "$MLAB/tls/key.pem" "$MLAB/tls/good-key.pem"
	# an expired self-signed twin for mlab_cert_expired
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=mail.lab.test" \
		-keyout "$MLAB/tls/expired-key.pem" -out "$MLAB/tls/expired.csr" 2>/dev/null || return 1
	openssl x509 -req -in "$MLAB/tls/expired.csr" -signkey "$MLAB/tls/expired-key.pem" -days -1 \
		-extfile <(printf 'subjectAltName=DNS:mail.lab.test,IP:127.0.0.1') \
		-out "$MLAB/tls/expired.pem" 2>/dev/null
}

# MLAB_DOVECOT_FAST=1: Dovecot's high-performance mode (bench only):
# login processes that serve many connections and are started ahead
# (service_count = 0, process_min_avail), imap processes reused and
# pre-forked, and an auth cache, instead of a fork per connection.
mlab_dovecot_tuning() {
	case $1 in
	login) [ -n "${MLAB_DOVECOT_FAST:-}" ] && printf '  service_count = 0\n  process_min_avail = 2\n  vsz_limit = 1G\n' ;;
	imap) [ -n "${MLAB_DOVECOT_FAST:-}" ] && printf 'service imap {\n  service_count = 0\n  process_min_avail = 8\n}\nauth_cache_size = 1M\n' ;;
	auth) [ -n "${MLAB_DOVECOT_FAST:-}" ] && printf '  client_limit = 2000\n' ;;
	esac
	return 0
}

mlab_write_dovecot() {
	cat >"$MLAB/etc/passwd" <<EOF
probe1:{PLAIN}secret1:65534:65534::$MLAB/mail/probe1::
probe2:{PLAIN}secret2:65534:65534::$MLAB/mail/probe2::
EOF
	chmod 644 "$MLAB/etc/passwd"
	mkdir -p "$MLAB/mail/probe1" "$MLAB/mail/probe2"
	chown -R 65534:65534 "$MLAB/mail"
	cat >"$MLAB/etc/dovecot.conf" <<EOF
base_dir = $MLAB/run/dovecot
state_dir = $MLAB/run/dovecot-state
instance_name = mlab-$$-dovecot
log_path = $MLAB/log/dovecot.log
hostname = mail.lab.test
postmaster_address = postmaster@lab.test
protocols = imap pop3 lmtp submission
listen = 127.0.0.1
ssl = yes
ssl_cert = <$MLAB/tls/cert.pem
ssl_key = <$MLAB/tls/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $MLAB/etc/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $MLAB/etc/passwd
}
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
submission_relay_host = 127.0.0.1
submission_relay_port = 11025
submission_relay_trusted = yes
$(mlab_dovecot_tuning imap)
service imap-login {
$(mlab_dovecot_tuning login)
  inet_listener imap {
    port = 11143
  }
  inet_listener imaps {
    port = 11993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 11110
  }
  inet_listener pop3s {
    port = 11995
    ssl = yes
  }
}
service submission-login {
  inet_listener submission {
    port = 11588
  }
}
service lmtp {
  inet_listener lmtp {
    port = 11024
  }
}
service auth {
$(mlab_dovecot_tuning auth)
  inet_listener auth-postfix {
    address = 127.0.0.1
    port = 11026
  }
}
protocol lmtp {
  auth_username_format = %n
}
# the bench logs in 100 times at once as one user (default limit 10)
protocol imap {
  mail_max_userip_connections = 1000
}
protocol pop3 {
  mail_max_userip_connections = 1000
}
EOF
	doveconf -c "$MLAB/etc/dovecot.conf" -n >/dev/null
}

mlab_write_postfix() {
	local pe=$MLAB/postfix/etc q=$MLAB/postfix/spool d
	printf 'probe1@lab.test ok\nprobe2@lab.test ok\n' >"$pe/vmailbox"
	cat >"$pe/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $MLAB/postfix/spool
data_directory = $MLAB/postfix/data
maillog_file_prefixes = $MLAB/log
maillog_file = $MLAB/log/postfix.log
myhostname = mail.lab.test
mydomain = lab.test
myorigin = \$mydomain
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_banner = \$myhostname ESMTP Postfix (mlab)
smtpd_peername_lookup = no
virtual_mailbox_domains = lab.test
virtual_mailbox_maps = texthash:$pe/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:11024
smtpd_tls_cert_file = $MLAB/tls/cert.pem
smtpd_tls_key_file = $MLAB/tls/key.pem
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:11026
smtpd_sasl_auth_enable = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
relayhost =
default_transport = error:outbound mail disabled in mlab
EOF
	# master.cf: the three listeners, then the stock unix services
	{
		cat <<'EOF'
127.0.0.1:11025 inet n   -       n       -       -       smtpd
127.0.0.1:11587 inet n   -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
127.0.0.1:11465 inet n   -       n       -       -       smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
EOF
		for s in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" \
			"qmgr unix n - n 300 1 qmgr" "tlsmgr unix - - n 1000? 1 tlsmgr" \
			"rewrite unix - - n - - trivial-rewrite" "bounce unix - - n - 0 bounce" \
			"defer unix - - n - 0 bounce" "trace unix - - n - 0 bounce" \
			"verify unix - - n - 1 verify" "flush unix n - n 1000? 0 flush" \
			"proxymap unix - - n - - proxymap" "proxywrite unix - - n - 1 proxymap" \
			"smtp unix - - n - - smtp" "relay unix - - n - - smtp" \
			"showq unix n - n - - showq" "error unix - - n - - error" \
			"retry unix - - n - - error" "discard unix - - n - - discard" \
			"lmtp unix - - n - - lmtp" "anvil unix - - n - 1 anvil" \
			"scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do
			echo "$s"
		done
	} >"$pe/master.cf"
	chown postfix "$MLAB/postfix/data"
	# the queue tree "postfix check" would make (that takes 1-3 s)
	for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
		install -d -o postfix -g root -m 700 "$q/$d"
	done
	install -d -o postfix -g postdrop -m 730 "$q/maildrop"
	install -d -o postfix -g postdrop -m 710 "$q/public"
	install -d -o root -g root -m 755 "$q/pid"
}

mlab_write_dns() {
	cat >"$MLAB/dns/lab.test.zone" <<'EOF'
$ORIGIN lab.test.
$TTL 300
@           IN SOA  ns1.lab.test. hostmaster.lab.test. ( 2026112301 3600 600 86400 300 )
@           IN NS   ns1.lab.test.
@           IN NS   ns2.lab.test.
ns1         IN A    127.0.0.1
ns2         IN A    127.0.0.1
@           IN MX   10 mail.lab.test.
mail        IN A    127.0.0.1
imap        IN CNAME mail
www         IN A    192.0.2.10
www         IN A    192.0.2.11
www         IN AAAA 2001:db8::10
@           IN TXT  "v=spf1 ip4:127.0.0.1 -all"
_submission._tcp IN SRV 0 1 11587 mail.lab.test.
EOF
	sed -e 's/2026112301/2026112302/' -e 's/192.0.2.11/192.0.2.99/' \
		"$MLAB/dns/lab.test.zone" >"$MLAB/dns/lab.test.zone.v2"
	cat >"$MLAB/etc/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@11054
    port: 11054
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$MLAB/dns"
    database: ""
    zonelistfile: "$MLAB/run/nsd.zonelist"
    xfrdfile: "$MLAB/run/nsd.xfrd.state"
    xfrdir: "$MLAB/run"
    pidfile: "$MLAB/run/nsd.pid"
    logfile: "$MLAB/log/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "lab.test"
    zonefile: "lab.test.zone"
EOF
	# Unbound #1: authoritative copy v2 on 11053 (the "lagging" server)
	local common='    do-ip6: no
    do-daemonize: no
    username: ""
    chroot: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    module-config: "iterator"
    local-zone: "test." nodefault
    local-zone: "." refuse
    local-zone: "lab.test." transparent'
	cat >"$MLAB/etc/unbound-auth.conf" <<EOF
server:
    interface: 127.0.0.1@11053
    interface: 127.53.0.1@53
    port: 11053
    directory: "$MLAB/dns"
    pidfile: "$MLAB/run/unbound-auth.pid"
    access-control: 127.0.0.0/8 allow
$common
remote-control:
    control-enable: no
auth-zone:
    name: "lab.test."
    zonefile: "$MLAB/dns/lab.test.zone.v2"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
EOF
	cat >"$MLAB/etc/unbound-resolver.conf" <<EOF
server:
    interface: 127.0.0.1@11055
    port: 11055
    directory: "$MLAB/dns"
    pidfile: "$MLAB/run/unbound-resolver.pid"
    access-control: 127.0.0.0/8 refuse
    access-control: 127.0.0.1/32 allow
    do-not-query-localhost: no
    domain-insecure: "lab.test."
$common
remote-control:
    control-enable: no
stub-zone:
    name: "lab.test."
    stub-addr: 127.0.0.1@11054
EOF
}

mlab_dovecot_start() {
	mlab_spawn dovecot dovecot -F -c "$MLAB/etc/dovecot.conf"
	mlab_ready mlab_imap_login_ok && mlab_ready mlab_pop_login_ok
}

mlab_up() {
	local p
	for p in dovecot /usr/lib/postfix/sbin/master nsd unbound openssl dig; do
		command -v "$p" >/dev/null || [ -x "$p" ] || { mlab_log "missing $p (scripts/deps/mailprobe.txt)"; return 1; }
	done
	if [ -z "$MLAB" ]; then
		MLAB=$(mktemp -d /tmp/mlab.XXXXXX) || return 1
	fi
	export MLAB
	mkdir -p "$MLAB" || return 1
	chmod 755 "$MLAB" # dovecot, nobody and postfix walk through it
	mkdir -p "$MLAB"/{tls,etc,run,log,mail,dns,postfix/etc,postfix/spool,postfix/data}
	mlab_write_tls || { mlab_log "openssl failed"; return 1; }
	mlab_write_dovecot || return 1
	mlab_write_postfix || return 1
	mlab_write_dns || return 1
	nsd-checkzone lab.test "$MLAB/dns/lab.test.zone" >/dev/null || return 1
	mlab_spawn dovecot dovecot -F -c "$MLAB/etc/dovecot.conf"
	mlab_spawn postfix /usr/lib/postfix/sbin/master -c "$MLAB/postfix/etc" -s
	mlab_spawn nsd nsd -d -c "$MLAB/etc/nsd.conf"
	mlab_spawn unbound-auth unbound -d -c "$MLAB/etc/unbound-auth.conf"
	mlab_spawn unbound-resolver unbound -d -c "$MLAB/etc/unbound-resolver.conf"
	mlab_ready mlab_imap_login_ok || return 1
	mlab_ready mlab_pop_login_ok || return 1
	mlab_ready mlab_smtp_ok 11025 || return 1
	mlab_ready mlab_smtp_ok 11587 || return 1
	for p in 11053 11054 11055; do mlab_ready mlab_dns_ok "$p" || return 1; done
	return 0
}

# Wait until pid has exited (a zombie counts), bounded.
mlab_gone() {
	local i=0
	while [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		[ "$i" -gt 500 ] && return 1
		sleep 0.01
	done
}

mlab_down() {
	local f pid
	[ -n "$MLAB" ] && [ -d "$MLAB/run" ] || return 0
	for f in "$MLAB"/run/*.fg; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	for f in "$MLAB"/run/*.fg; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		mlab_gone "$pid" || { kill -KILL "$pid" 2>/dev/null; mlab_log "killed $(basename "$f" .fg)"; }
	done
	case $MLAB in /tmp/*) rm -rf "$MLAB" ;; esac
	MLAB=
}

# ---- fault injections ----

# Dovecot has reloaded when a login sees the new setting: poll for it.
mlab_dovecot_hup() { kill -HUP "$(cat "$MLAB/run/dovecot.fg")"; }

mlab_send() { # FROM TO SUBJECT [port]
	swaks -s "127.0.0.1:${4:-11025}" -f "$1" -t "$2" --h-Subject "$3" >/dev/null 2>&1
}

mlab_count_new() { # USER: messages delivered into the maildir
	find "$MLAB/mail/$1/Maildir/new" "$MLAB/mail/$1/Maildir/cur" -type f 2>/dev/null | wc -l
}

# What a server replacement does: drop Dovecot's UID state for USER.
mlab_renumber() {
	(cd "$MLAB/mail/$1/Maildir" && rm -f dovecot-uidlist dovecot-uidvalidity dovecot-uidvalidity.* dovecot.index* dovecot.list.index*)
}

# A message vanishes and later comes back (a snapshot restore, a replica
# failover that hands out deleted mail again): mlab_hide moves USER's
# oldest message file out of the maildir, mlab_unhide puts it back, where
# Dovecot gives it a new UID (and so a new UIDL).
mlab_hide() {
	local f
	mkdir -p "$MLAB/hidden/$1"
	f=$(ls -1tr "$MLAB/mail/$1/Maildir/cur" "$MLAB/mail/$1/Maildir/new" 2>/dev/null | grep -v -e '^$' -e ':$' | head -n 1)
	[ -n "$f" ] || return 1
	mv "$MLAB/mail/$1/Maildir/cur/$f" "$MLAB/hidden/$1/" 2>/dev/null ||
		mv "$MLAB/mail/$1/Maildir/new/$f" "$MLAB/hidden/$1/"
}
mlab_unhide() {
	local f
	for f in "$MLAB/hidden/$1"/*; do
		[ -f "$f" ] && mv "$f" "$MLAB/mail/$1/Maildir/cur/"
	done
	return 0
}

mlab_uidl_format() {
	sed -i "s/^pop3_uidl_format = .*/pop3_uidl_format = $1/" "$MLAB/etc/dovecot.conf"
	mlab_dovecot_hup
}

mlab_pf() { postconf -c "$MLAB/postfix/etc" -e "$1" && postfix -c "$MLAB/postfix/etc" reload >/dev/null 2>&1; }
mlab_lag_on() { mlab_pf 'defer_transports = lmtp'; }
mlab_lag_off() { mlab_pf 'defer_transports =' && postqueue -c "$MLAB/postfix/etc" -f; }

mlab_tls_reload() { mlab_dovecot_hup; postfix -c "$MLAB/postfix/etc" reload >/dev/null 2>&1; }
mlab_cert_expired() {
	cp "$MLAB/tls/expired.pem" "$MLAB/tls/cert.pem"
	cp "$MLAB/tls/expired-key.pem" "$MLAB/tls/key.pem"
	mlab_tls_reload
}
mlab_cert_good() {
	cp "$MLAB/tls/good-cert.pem" "$MLAB/tls/cert.pem"
	cp "$MLAB/tls/good-key.pem" "$MLAB/tls/key.pem"
	mlab_tls_reload
}
# the cert a TLS client sees now is (not) the expired one
mlab_serves_expired() {
	echo | openssl s_client -connect 127.0.0.1:11993 2>/dev/null | openssl x509 -noout -checkend 0 >/dev/null 2>&1 && return 1
	return 0
}

# Plaintext logins refused; visible only from a source other than 127.0.0.1
mlab_logindisabled() { printf 'a LOGOUT\r\n' | nc -w 5 -s 127.0.0.2 127.0.0.1 11143 2>/dev/null | grep -q LOGINDISABLED; }
mlab_plaintext_off() {
	sed -i 's/^disable_plaintext_auth = no/disable_plaintext_auth = yes/' "$MLAB/etc/dovecot.conf"
	mlab_dovecot_hup
	mlab_ready mlab_logindisabled
}
mlab_plaintext_on() {
	sed -i 's/^disable_plaintext_auth = yes/disable_plaintext_auth = no/' "$MLAB/etc/dovecot.conf"
	mlab_dovecot_hup
	mlab_ready eval '! mlab_logindisabled'
}

mlab_dovecot_stop() {
	local pid
	pid=$(cat "$MLAB/run/dovecot.fg")
	kill -TERM "$pid" 2>/dev/null
	mlab_gone "$pid"
}

# New serial in a zone file and reload its server (nsd or unbound-auth).
mlab_serial() { # nsd|unbound-auth OLD NEW
	local f=$MLAB/dns/lab.test.zone
	[ "$1" = unbound-auth ] && f=$MLAB/dns/lab.test.zone.v2
	sed -i "s/$2/$3/" "$f"
	kill -HUP "$(cat "$MLAB/run/$1.fg")"
}
