#!/usr/bin/env bash
# mailprobe against the mail lab: every service and mode, the faces, TLS
# facts, credentials, and the bad-input cases (wrong password, refused
# port, silent server, garbage and 10 MB lines, truncated TLS handshake,
# plaintext refused, expired certificate, a service down and back).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/mail-lab.sh"

MP=$(nk_bin mailprobe)
T=$NK_TMP
if [ ! -x "$MP" ]; then nk_fail mailprobe_build "no $MP"; exit 1; fi
for c in dovecot nsd unbound swaks dig; do
	command -v $c >/dev/null || { nk_skip mailprobe_probes "$c not installed (scripts/deps/mailprobe.txt)"; exit 0; }
done
nk_need_root mailprobe_probes || exit 0
MLAB=$T/lab
if ! mlab_up; then nk_fail mailprobe_lab "lab did not start: $(tail -5 "$MLAB"/log/*.out 2>/dev/null | tr '\n' ' ')"; exit 1; fi
trap 'mlab_down; nk_cleanup' EXIT
CA=$MLAB/tls/cert.pem
PORTS=smtp=11025,submission=11587,smtps=11465,imap=11143,imaps=11993,pop3=11110,pop3s=11995
export MAILPROBE_PASSWORD=secret1

# --- every service x mode answers, with login where it has one
"$MP" --plugin --cafile "$CA" imap://probe1@127.0.0.1:11143 imap+tls://probe1@127.0.0.1:11143 \
	imaps://probe1@127.0.0.1:11993 pop3://probe1@127.0.0.1:11110 pop3+tls://probe1@127.0.0.1:11110 \
	pop3s://probe1@127.0.0.1:11995 smtp://127.0.0.1:11025 smtp+tls://127.0.0.1:11025 \
	submission://probe1@127.0.0.1:11587 smtps://probe1@127.0.0.1:11465 >"$T/all.out" 2>&1
rc=$?
nk_expect probes_all_ok_rc "$rc" 0
nk_expect probes_all_ok_lines "$(grep -c ' OK - ' "$T/all.out")" 10
nk_expect_grep probes_login_ok "$T/all.out" 'IMAP OK - imaps 127.0.0.1:11993 tls: .* login ok, TLSv1\.[23]'
nk_expect_grep probes_perfdata "$T/all.out" 'POP3 OK .*\| time=[0-9.]+s;;;0 .*login=[0-9.e-]+s'

# --- JSON: one event per probe with phases, TLS and capabilities
"$MP" --json --cafile "$CA" --expect-caps IDLE,NAMESPACE,UNSELECT,QUOTA imaps://probe1@127.0.0.1:11993 \
	submission://probe1@127.0.0.1:11587 >"$T/j.out" 2>&1
nk_expect json_two_events "$(grep -c '"event":"probe"' "$T/j.out")" 2
if python3 - "$T/j.out" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
i, s = ev
assert i["times"]["login_ms"] > 0 and i["times"]["tls_ms"] > 0 and i["times"]["total_ms"] >= i["times"]["login_ms"]
assert i["tls"]["version"].startswith("TLSv1.") and i["tls"]["verified"] and i["tls"]["hostname_match"]
assert 29 < i["tls"]["days_left"] <= 30.01, i["tls"]["days_left"]
assert "IDLE" in i["capabilities"] and i["capabilities_missing"] == "QUOTA" and i["state"] == "WARNING"
assert [c["cmd"] for c in s["commands"]][:3] == ["EHLO", "STARTTLS", "EHLO"]
assert "AUTH=PLAIN" in s["capabilities"] and "STARTTLS" not in s["capabilities"]
assert s["mailbox"] if "mailbox" in s else True
PY
then nk_pass json_fields; else nk_fail json_fields "$(head -c 600 "$T/j.out")"; fi

# --- shell face: the exchange, one timestamp per line, password redacted
"$MP" --cafile "$CA" imap://probe1@127.0.0.1:11143 pop3://probe1@127.0.0.1:11110 \
	submission://probe1@127.0.0.1:11587 >"$T/sh.out" 2>&1
nk_expect_grep shell_timestamps "$T/sh.out" '^\[ *\+[0-9]+\.[0-9]{3} ms\] C: A00[0-9] AUTHENTICATE PLAIN \*\*\*$'
nk_expect_grep shell_pop3_pass "$T/sh.out" '^\[ *\+[0-9.]+ ms\] S: \+OK'
nk_expect_grep shell_phases "$T/sh.out" '^# phases: lookup [0-9.]+ ms, connect [0-9.]+ ms, tls -, banner [0-9.]+ ms, login [0-9.]+ ms'

# --- the password never appears: not as text, nor in its SASL encodings
b64plain=$(printf '\0probe1\0secret1' | base64)
b64pass=$(printf 'secret1' | base64)
"$MP" --cafile "$CA" --source 127.0.0.9 pop3://probe1@127.0.0.1:11110 >"$T/pw1.out" 2>&1 # USER/PASS
"$MP" --cafile "$CA" -v --json imap://probe1@127.0.0.1:11143 >"$T/pw2.out" 2>&1
"$MP" --cafile "$CA" --plugin smtps://probe1@127.0.0.1:11465 >"$T/pw3.out" 2>&1
"$MP" --cafile "$CA" -u probe1 --ports $PORTS matrix 127.0.0.1 >"$T/pw4.out" 2>&1
"$MP" --cafile "$CA" --from probe1@lab.test --to probe1@lab.test deliver submission://probe1@127.0.0.1:11587 \
	imap://probe1@127.0.0.1:11143 >"$T/pw5.out" 2>&1
if grep -q -e secret1 -e "$b64plain" -e "$b64pass" "$T"/pw*.out; then
	nk_fail password_never_printed "$(grep -l -e secret1 -e "$b64plain" "$T"/pw*.out)"
else
	nk_pass password_never_printed
fi
nk_expect_grep password_redacted_sasl "$T/pw1.out" '^\[ *\+[0-9.]+ ms\] C: \*\*\*$'
# and never on the command line: a URL with a password is refused
"$MP" imap://probe1:secret1@127.0.0.1:11143 >"$T/url.out" 2>&1
rc=$?
nk_expect url_password_refused_rc "$rc" 3
if grep -q secret1 "$T/url.out"; then nk_fail url_password_not_echoed "$(cat "$T/url.out")"; else nk_pass url_password_not_echoed; fi

# --- credentials file: mode 0600 or refused, naming the file
unset MAILPROBE_PASSWORD
printf 'machine 127.0.0.1 login probe1 password secret1\n' >"$T/creds"
chmod 0644 "$T/creds"
"$MP" --plugin --credentials "$T/creds" imap://probe1@127.0.0.1:11143 >"$T/c1.out" 2>&1
nk_expect creds_mode_refused_rc "$?" 3
nk_expect_grep creds_mode_names_file "$T/c1.out" "credentials $T/creds: mode 0644"
chmod 0600 "$T/creds"
"$MP" --plugin --credentials "$T/creds" imap://probe1@127.0.0.1:11143 >"$T/c2.out" 2>&1
nk_expect creds_file_ok "$?" 0
HOME=$T "$MP" --plugin imap://probe1@127.0.0.1:11143 >"$T/c3.out" 2>&1
nk_expect creds_no_netrc_rc "$?" 3
cp "$T/creds" "$T/.netrc"
HOME=$T "$MP" --plugin imap://probe1@127.0.0.1:11143 >"$T/c4.out" 2>&1
nk_expect creds_netrc_ok "$?" 0
export MAILPROBE_PASSWORD=secret1

# --- wrong password (own source address: Dovecot's auth penalty is per IP)
MAILPROBE_PASSWORD=wrong "$MP" --plugin --source 127.0.0.9 imap://probe1@127.0.0.1:11143 >"$T/wp.out" 2>&1
nk_expect wrong_password_rc "$?" 2
nk_expect_grep wrong_password_line "$T/wp.out" '^IMAP CRITICAL - imap 127.0.0.1:11143 plain: login failed: .*AUTHENTICATIONFAILED'

# --- refused port and unknown host: one line, plugin codes
"$MP" --plugin imap://127.0.0.1:11149 >"$T/rp.out" 2>&1
nk_expect refused_port_rc "$?" 2
nk_expect_grep refused_port_line "$T/rp.out" '^IMAP CRITICAL - imap 127.0.0.1:11149 plain: connect failed: .*(refused|connect)'
"$MP" --plugin imap://no-such-host.invalid >"$T/uh.out" 2>&1
nk_expect unknown_host_rc "$?" 3

# --- servers that misbehave: silent, garbage, a 10 MB line, truncated TLS
cat >"$T/bad.py" <<'PY'
import socket, sys, threading
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()
held = []
def silent(c): held.append(c)
def garbage(c):
    try: c.sendall(b"\x00\xff\x1b[2J garbage\r\n" * 1000); c.close()
    except OSError: pass
def bigline(c):
    try: c.sendall(b"* OK " + b"x" * (10 << 20) + b"\r\n"); c.close()
    except OSError: pass
def tlscut(c):
    try:
        c.recv(4096)                              # ClientHello
        c.sendall(bytes([22, 3, 3, 0x40, 0x00]) + b"\x02\x00")  # record header, 2 of 16384 bytes
        held.append(c)                            # ... and nothing more
    except OSError: pass
for port, fn in ((11901, silent), (11902, garbage), (11903, bigline), (11904, tlscut)):
    threading.Thread(target=serve, args=(port, fn), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
PY
nk_daemon badsrv python3 "$T/bad.py" >/dev/null
nk_wait_for 10 grep -q ready "$NK_TMP/badsrv.out" || nk_fail bad_servers "python server did not start"
start=$(date +%s%N)
"$MP" --plugin -t 2 imap://127.0.0.1:11901 pop3+tls://127.0.0.1:11901 smtps://127.0.0.1:11901 \
	imaps://127.0.0.1:11904 >"$T/silent.out" 2>&1
rc=$?
el=$((($(date +%s%N) - start) / 1000000))
nk_expect silent_rc "$rc" 2
nk_expect silent_all_critical "$(grep -c 'CRITICAL .* no answer before the deadline' "$T/silent.out")" 4
# every probe respects its deadline: all four together end near 2 s, not 8 s
if [ "$el" -lt 5000 ]; then nk_pass silent_deadline; else nk_fail silent_deadline "${el} ms for 2 s deadlines"; fi
nk_expect_grep silent_banner_phase "$T/silent.out" 'imap 127.0.0.1:11901 plain: banner failed'
nk_expect_grep tls_cut_phase "$T/silent.out" 'imaps 127.0.0.1:11904 tls: tls failed'
"$MP" --plugin -t 5 imap://127.0.0.1:11902 smtp://127.0.0.1:11902 pop3://127.0.0.1:11903 imaps://127.0.0.1:11902 >"$T/garb.out" 2>&1
nk_expect garbage_rc "$?" 2
nk_expect garbage_one_line_each "$(grep -c 'CRITICAL - .* failed: ' "$T/garb.out")" 4
nk_expect garbage_no_raw_bytes "$(LC_ALL=C grep -c $'\x1b' "$T/garb.out")" 0

# --- matrix: the page users read
"$MP" --cafile "$CA" -u probe1 --ports $PORTS matrix 127.0.0.1 >"$T/m.out" 2>&1
nk_expect matrix_rc "$?" 0
nk_expect_grep matrix_submission "$T/m.out" '^submission +11587 +refused +OK +-'
nk_expect_grep matrix_imap "$T/m.out" '^IMAP +11143 +OK +OK +-'
nk_expect_grep matrix_pop3s "$T/m.out" '^POP3S +11995 +- +- +OK'

# --- plaintext logins switched off (seen from a source other than 127.0.0.1)
mlab_plaintext_off
"$MP" --plugin --source 127.0.0.2 --cafile "$CA" imap://probe1@127.0.0.1:11143 pop3://probe1@127.0.0.1:11110 \
	imap+tls://probe1@127.0.0.1:11143 >"$T/pt.out" 2>&1
nk_expect plaintext_rc "$?" 2
nk_expect_grep plaintext_imap "$T/pt.out" '^IMAP CRITICAL - imap 127.0.0.1:11143 plain: login failed: plaintext login refused \(LOGINDISABLED\)'
nk_expect_grep plaintext_pop3 "$T/pt.out" '^POP3 CRITICAL - pop3 127.0.0.1:11110 plain: login failed: plaintext login refused'
nk_expect_grep plaintext_starttls_still_ok "$T/pt.out" '^IMAP OK - imap\+tls 127.0.0.1:11143 starttls'
"$MP" --source 127.0.0.2 --cafile "$CA" -u probe1 --ports $PORTS matrix 127.0.0.1 >"$T/m2.out" 2>&1
nk_expect_grep matrix_imap_refused "$T/m2.out" '^IMAP +11143 +refused +OK'
nk_expect_grep matrix_pop3_refused "$T/m2.out" '^POP3 +11110 +refused +OK'
mlab_plaintext_on

# --- expired certificate: bad cert, with its facts read anyway
mlab_cert_expired
mlab_ready mlab_serves_expired
"$MP" --plugin --cafile "$CA" -D 20,7 imaps://127.0.0.1:11993 smtp+tls://127.0.0.1:11025 >"$T/ex.out" 2>&1
nk_expect expired_rc "$?" 2
nk_expect_grep expired_imaps "$T/ex.out" 'imaps 127.0.0.1:11993 tls: tls failed: SSL certificate problem: certificate has expired .*cert_days=-(0\.[0-9]+|1(\.[0-9]+)?);20:;7:'
"$MP" --cafile "$CA" --ports $PORTS matrix 127.0.0.1 >"$T/m3.out" 2>&1
nk_expect_grep matrix_bad_cert "$T/m3.out" '^IMAPS +11993 +- +- +bad cert'
mlab_cert_good
mlab_ready eval '! mlab_serves_expired'
"$MP" --plugin --cafile "$CA" -D 40,7 imaps://127.0.0.1:11993 >"$T/dw.out" 2>&1
nk_expect cert_days_warning_rc "$?" 1

# --- IMAP down (replica failover) and back
mlab_dovecot_stop
"$MP" --plugin imap://127.0.0.1:11143 pop3s://127.0.0.1:11995 >"$T/down.out" 2>&1
nk_expect down_rc "$?" 2
nk_expect down_lines "$(grep -c 'connect failed' "$T/down.out")" 2
mlab_dovecot_start
"$MP" --plugin imap://probe1@127.0.0.1:11143 >"$T/back.out" 2>&1
nk_expect back_rc "$?" 0

exit $NK_FAILED
