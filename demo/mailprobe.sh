#!/usr/bin/env bash
# demo/mailprobe.sh: start the mail + DNS lab (Dovecot, Postfix, NSD,
# Unbound on 127.0.0.1 high ports), probe it, then break it the way the
# field notes tell (a server swap renumbers UIDs; the scanner queue makes
# delivery lag) and show the alarms. Builds and removes its own lab.
set -u
cd "$(dirname "$0")/.."
NK_BUILD=${NK_BUILD:-$PWD/build}
MP=$NK_BUILD/mailprobe/mailprobe
. tests/lib/mail-lab.sh
for c in dovecot nsd unbound swaks; do
	command -v $c >/dev/null || { echo "demo mailprobe: $c missing (make deps)"; exit 0; }
done
if [ "$(id -u)" -ne 0 ]; then echo "demo mailprobe: needs root for the lab (users nobody/postfix)"; exit 0; fi
trap mlab_down EXIT
say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; echo "(exit $?)"; }

say "starting the lab: Dovecot, Postfix, NSD, 2x Unbound under a temp dir"
mlab_up || { echo "lab failed"; exit 1; }
CA=$MLAB/tls/cert.pem
printf 'machine 127.0.0.1 login probe1 password secret1\n' >"$MLAB/creds"
chmod 600 "$MLAB/creds"
for i in 1 2 3; do mlab_send probe@lab.test probe1@lab.test "welcome $i"; done

say "shell face: the IMAP exchange by hand, a timestamp per line, the password redacted"
run "$MP" --credentials "$MLAB/creds" --cafile "$CA" imap+tls://probe1@127.0.0.1:11143

say "the service x mode matrix users read"
run "$MP" --credentials "$MLAB/creds" --cafile "$CA" -u probe1 \
	--ports smtp=11025,submission=11587,smtps=11465,imap=11143,imaps=11993,pop3=11110,pop3s=11995 matrix 127.0.0.1

say "plugin face: phases as perfdata, certificate days, 100 mailboxes from one process"
run "$MP" --plugin --credentials "$MLAB/creds" --cafile "$CA" -D 20,7 imaps://probe1@127.0.0.1:11993 pop3s://probe1@127.0.0.1:11995
printf '$ %s\n' "$MP --plugin -n 100 ... imap://probe1@127.0.0.1:11143 | sort | uniq -c"
"$MP" --plugin --credentials "$MLAB/creds" -n 100 imap://probe1@127.0.0.1:11143 | sed 's/ [0-9.]* ms.*//' | sort | uniq -c

say "DNS: the two authoritative copies disagree (serial and www)"
run "$MP" soa lab.test 127.0.0.1:11054 127.0.0.1:11053
run "$MP" --plugin --norec dns 127.0.0.1:11053 www.lab.test A 192.0.2.10 192.0.2.11

say "UID baseline, then the server swap renumbers every message"
S=$MLAB/uid.state
run "$MP" --plugin --credentials "$MLAB/creds" --state "$S" uids pop3://probe1@127.0.0.1:11110 imap://probe1@127.0.0.1:11143
mlab_renumber probe1
sleep 1.1
run "$MP" --plugin --credentials "$MLAB/creds" --state "$S" uids pop3://probe1@127.0.0.1:11110 imap://probe1@127.0.0.1:11143

say "a message vanishes, then a restored snapshot brings it back: reappeared, not new"
mlab_hide probe1
run "$MP" --plugin --credentials "$MLAB/creds" --state "$S" uids pop3://probe1@127.0.0.1:11110 imap://probe1@127.0.0.1:11143
mlab_unhide probe1
run "$MP" --plugin --credentials "$MLAB/creds" --state "$S" uids pop3://probe1@127.0.0.1:11110 imap://probe1@127.0.0.1:11143

say "delivery loop over IMAP and over POP3, then the scanner queue holds mail: SMTP still accepts, delivery lags"
run "$MP" --plugin --credentials "$MLAB/creds" --cafile "$CA" --from probe1@lab.test --to probe1@lab.test \
	-w 2 -c 5 deliver submission://probe1@127.0.0.1:11587 imap://probe1@127.0.0.1:11143
run "$MP" --plugin --credentials "$MLAB/creds" --cafile "$CA" --from probe1@lab.test --to probe1@lab.test \
	-w 2 -c 5 deliver submission://probe1@127.0.0.1:11587 pop3://probe1@127.0.0.1:11110
mlab_lag_on
run "$MP" --plugin --credentials "$MLAB/creds" --cafile "$CA" --from probe1@lab.test --to probe1@lab.test \
	--wait 3 -w 1 -c 2 deliver submission://probe1@127.0.0.1:11587 imap://probe1@127.0.0.1:11143
mlab_lag_off
say "stopping the lab"
