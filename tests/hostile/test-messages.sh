#!/bin/bash
# NAME
#	test-messages.sh - hostile messages through Postfix and signet-milter
# SYNOPSIS
#	tests/hostile/test-messages.sh
# DESCRIPTION
#	Runs a private Postfix (tests/integration/lib.sh) with signet-milter
#	attached (example.com, selectors rsa and ed, running as
#	nobody:postfix) and message_size_limit raised to 200 MB, and sends
#	each message of tests/hostile/mkmessages.py byte for byte with
#	smtpsend.py. Each must be either
#
#	- delivered carrying both signatures, which verify with dkimpy and
#	  libopendkim (the copy smtp-sink received), with a "verdict=signed"
#	  log line; or
#	- refused with 550 5.7.1 and the reason that the case expects, in
#	  the SMTP reply and in signet's log line ("verdict=rejected"),
#	  with nothing queued or delivered.
#
#	Never delivered unsigned. After every case signet-milter still
#	runs with the same pid; at the end it still signs an ordinary
#	message and exits cleanly on SIGTERM.
#
#	The messages: a 100 MB body (VmRSS of the daemon sampled from /proc
#	while it streams; VmHWM, its peak, must stay under RSS_MAX_KB),
#	10,000 header fields, 10,000 To fields (a field signet signs: the
#	signature must stay short enough for libopendkim), a 1 MB Subject and a 1 MB X-Long field
#	(Postfix cuts a header field at header_size_limit, and its SMTP
#	client folds lines longer than 998 characters after signing: a
#	long line in a signed field, or in the body, is refused; an
#	unsigned field may be folded), body lines of 5,000 characters,
#	998 characters (signed) and 999 (refused),
#	a NUL byte in a header field and in the body, bare LF line ends,
#	8-bit bytes without a MIME declaration, no From, two From fields,
#	and From fields without a domain, with a quoted local part,
#	comments, encoded words, group syntax, a domain of 300 characters
#	and a label of 64. Then, with Postfix's smtp_line_length_limit = 0
#	and signing: max_line_length: 0, body lines of 5,000 characters are
#	signed and still verify.
#
#	Then, straight to the milter, what Postfix would have changed on
#	the way: tests/hostile/mt-hostile.lua (miltertest) sends 10,000
#	header fields and a body with bare LF and 8-bit bytes;
#	tests/hostile/rawmilter.py (raw protocol packets, for what
#	miltertest cannot send) header fields of 60 kB, 1 MB and 8 MB on
#	one line, a NUL inside a header packet, a packet that announces
#	4 GB, an unknown command, and a body split inside a CRLF. The
#	signed ones are saved and verified.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not run as
#	root, 99 when a tool is missing. SIGNET_KEEP=1 keeps the temporary
#	directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

BOTH=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256
RSS_MAX_KB=40960
MK=$here/mkmessages.py
SEND=$here/smtpsend.py

it_init hostile-msg
it_need miltertest miltertest
it_verifiers
it_keys "$IT_TMP/keys" example.com
it_keys_owned "$IT_TMP/keys" "$IT_TMP/keys-nobody" nobody
mkdir -p "$IT_TMP/run"
SOCK=unix:$IT_TMP/run/signet.sock
it_postfix_start "$SOCK"
it_postfix_set "message_size_limit = 200000000"
IT_USER=nobody IT_GROUP=postfix
it_config "$IT_TMP/signet.yaml" "$SOCK" "$IT_TMP/keys-nobody" rsa,ed
it_milter_start "$IT_TMP/signet.yaml"
PID=$IT_MILTER_PID

# alive - the same daemon still runs
alive() {
	if [ "$IT_MILTER_PID" = "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		return 0
	fi
	it_fail "$1: daemon" "signet-milter (pid $PID) is gone"
	it_show_logs
	it_summary
}

# log_mark - remember how long the milter log is; log_since prints what
# was logged after the mark
log_mark() { mark=$(wc -c <"$IT_MILTER_LOG"); }
log_since() { tail -c +$((mark + 1)) "$IT_MILTER_LOG"; }

# send - smtpsend.py FILE: the reply in $reply, the status in $rc
send() {
	rc=0
	reply=$(timeout 600 "$PYTHON" "$SEND" 127.0.0.1 "$IT_SMTP_PORT" \
		sender@example.com rcpt@receiver.example "$1" 2>&1) || rc=$?
}

# signed - NAME KIND: delivered with both signatures that verify
signed() {
	local name=$1 kind=$2 out=$IT_TMP/out-one why t0 t1 t2
	"$PYTHON" "$MK" "$kind" "$IT_TMP/msg"
	log_mark
	t0=$EPOCHREALTIME
	send "$IT_TMP/msg"
	t1=$EPOCHREALTIME
	if [ "$rc" -ne 0 ]; then
		it_fail "$name" "not accepted: $reply; signet logged: $(log_since | tail -n 2 | tr '\n' ' ')"
		it_mail_reset
		alive "$name"
		return 0
	fi
	it_wait_delivered 1 120
	t2=$EPOCHREALTIME
	it_extract "$out"
	if ! why=$(it_expect_sigs "$out" "$BOTH"); then
		it_fail "$name" "delivered without both signatures: $(echo "$why" | head -n 1)"
	elif ! why=$(it_verify_all "$out" "$IT_TMP/keys/keys.txt"); then
		it_fail "$name" "a signature does not verify: $(echo "$why" | head -n 2 | tr '\n' ' ')"
	elif ! log_since | grep -Eq 'verdict=signed .*selectors=rsa,ed'; then
		it_fail "$name" "no verdict=signed log line"
	else
		it_pass "$name: signed, verifies (dkimpy, libopendkim)"
	fi
	awk -v n="$name" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$EPOCHREALTIME" \
		'BEGIN { if (d - a > 5) printf "TIME: %s: sent in %.1f s, delivered %.1f s later, checked in %.1f s\n", n, b - a, c - b, d - c }'
	it_sink_reset
	rm -rf "$out"
	alive "$name"
}

# refused - NAME KIND REGEX: 550 5.7.1 with the reason REGEX, in the
# reply and in the log line; nothing queued or delivered
refused() {
	local name=$1 kind=$2 re=$3
	"$PYTHON" "$MK" "$kind" "$IT_TMP/msg"
	log_mark
	send "$IT_TMP/msg"
	sleep 0.3
	if [ "$rc" -ne 1 ]; then
		it_fail "$name" "accepted or failed (status $rc), expected 550 5.7.1: $reply"
		it_wait_delivered 1 60
		it_extract "$IT_TMP/out-bad"
		"$PYTHON" "$SINKDUMP" headers "$IT_TMP/out-bad"/*.eml | grep -i '^dkim-signature' >/dev/null ||
			it_fail "$name" "DELIVERED UNSIGNED"
		it_mail_reset
	elif ! printf '%s\n' "$reply" | grep -qE "^550[ -]5\.7\.1 .*$re"; then
		it_fail "$name" "reply '$reply', expected 550 5.7.1 and /$re/"
	elif ! log_since | grep -qE "verdict=rejected .*reason=\".*$re"; then
		it_fail "$name" "no verdict=rejected log line with /$re/: $(log_since | tail -n 1)"
	elif [ "$(it_queued)" -ne 0 ] || [ "$(it_dumped)" -ne 0 ]; then
		it_fail "$name" "refused, but a message was queued or delivered"
		it_mail_reset
	else
		it_pass "$name: refused (${reply:0:110})"
	fi
	alive "$name"
}

# ------------------------------------------------------------------
it_log "-- 100 MB message, daemon memory sampled from /proc"
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
rss0=$(status_kb VmRSS)
"$PYTHON" "$MK" big "$IT_TMP/big.msg"
( peak=0
  while kill -0 "$PID" 2>/dev/null && [ ! -e "$IT_TMP/big.done" ]; do
	r=$(status_kb VmRSS)
	[ "${r:-0}" -le "$peak" ] || peak=$r
	echo "$peak" >"$IT_TMP/big.rss"
	sleep 0.05
  done ) &
sampler=$!
t0=$EPOCHREALTIME
signed "100 MB message" big
touch "$IT_TMP/big.done"
wait "$sampler" 2>/dev/null || true
hwm=$(status_kb VmHWM)
echo "TIME: 100 MB message sent, delivered and verified in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
echo "MEM: signet-milter VmRSS before ${rss0} kB, sampled peak $(cat "$IT_TMP/big.rss") kB, VmHWM ${hwm} kB"
if [ "${hwm:-999999}" -lt "$RSS_MAX_KB" ]; then
	it_pass "100 MB message: daemon VmHWM ${hwm} kB, under $RSS_MAX_KB kB"
else
	it_fail "100 MB message: memory" "VmHWM ${hwm} kB, over $RSS_MAX_KB kB"
fi
rm -f "$IT_TMP/big.msg"

it_log "-- header fields"
signed "10,000 header fields" headers
signed "10,000 To fields (h= names the last 10)" manyto
refused "1 MB Subject line (Postfix cuts it, its SMTP client would fold it)" longsubject \
	"the Subject header field has a line longer than 998 characters"
signed "1 MB X-Long line (not signed; Postfix cuts and folds it)" longx
refused "body lines of 5,000 and 6,000 characters" longbody \
	"the body has a line longer than 998 characters"
signed "a body line of 998 characters" line998
refused "a body line of 999 characters" line999 \
	"the body has a line longer than 998 characters"

it_log "-- bytes"
signed "NUL byte in a header field" nulhdr
signed "NUL bytes in the body" nulbody
signed "bare LF line ends" barelf
signed "8-bit without MIME declaration" eightbit

it_log "-- From"
refused "no From" nofrom "message has no From header field"
refused "two From fields" twofrom "several From header fields"
refused "From without a domain" "from:user" "cannot be parsed"
refused "From with an empty domain" "from:User <user@>" "cannot be parsed"
refused "From: an empty group" "from:undisclosed-recipients:;" "holds no address"
refused "From: a group of two" "from:Team: a@example.com, b@example.com;" "several addresses"
refused "From with a 300-character domain" \
	"from:u@$(printf 'a%.0s' $(seq 60)).$(printf 'b%.0s' $(seq 60)).$(printf 'c%.0s' $(seq 60)).$(printf 'd%.0s' $(seq 60)).$(printf 'e%.0s' $(seq 56)).example.com" \
	"domain longer than 253 characters"
refused "From with a 64-character label" "from:u@$(printf 'a%.0s' $(seq 64)).example.com" \
	"label longer than 63"
signed "From with a quoted local part" 'from:"john q. public"@example.com'
signed "From with comments" 'from:(the sender) sender@example.com (really)'
signed "From with encoded words" 'from:=?UTF-8?B?w4lsb2TDqWU=?= =?ISO-8859-1?Q?M=FCller?= <sender@example.com>'
signed "From with group syntax, one mailbox" 'from:Team: Sender <sender@example.com>;'

# ------------------------------------------------------------------
it_log "-- straight to the milter (miltertest)"
if timeout 300 miltertest -D "socket=$SOCK" -D "dir=$here/../integration" \
	-D "script=$here/mt-hostile.lua" -D "out=$IT_TMP/mt" \
	-s "$here/../integration/mt-run.lua" >"$IT_TMP/mt.out" 2>&1; then
	it_pass "mt-hostile.lua: $(grep -c . "$IT_TMP/mt.out") checks"
	sed 's/^/  /' "$IT_TMP/mt.out"
else
	it_fail "mt-hostile.lua" "$(grep -m 1 -A 2 '^ERROR' "$IT_TMP/mt.out" | tr '\n\t' '  ')"
fi
alive "miltertest"
mkdir -p "$IT_TMP/mt-saved"
mv "$IT_TMP"/mt-*.eml "$IT_TMP/mt-saved/" 2>/dev/null
timeout 300 "$PYTHON" "$here/rawmilter.py" "$SOCK" "$IT_TMP/mt-saved" \
	>"$IT_TMP/raw.out" 2>&1 || true
it_results "raw packets" "$IT_TMP/raw.out"
alive "raw packets"
if [ -n "$(find "$IT_TMP/mt-saved" -name '*.eml')" ]; then
	it_check "miltertest: saved messages verify (dkimpy, libopendkim)" \
		it_verify_all "$IT_TMP/mt-saved" "$IT_TMP/keys/keys.txt"
else
	it_fail "miltertest: saved messages" "mt-hostile.lua and rawmilter.py saved none"
fi

# ------------------------------------------------------------------
it_log "-- long lines where the MTA sends them as they are"
# smtp_line_length_limit = 0: Postfix's SMTP client folds nothing, so
# with max_line_length: 0 a long body line is signed and still verifies.
it_postfix_set "smtp_line_length_limit = 0"
n0=$(grep -c 'reloaded ' "$IT_MILTER_LOG" || true)
printf 'signing:\n  max_line_length: 0\n' >>"$IT_TMP/signet.yaml"
it_milter_reload
for i in $(seq 50); do
	[ "$(grep -c 'reloaded ' "$IT_MILTER_LOG" || true)" -gt "$n0" ] && break
	sleep 0.1
done
signed "body lines of 5,000 and 6,000 characters, max_line_length: 0" longbody
it_postfix_set "smtp_line_length_limit = 998"

# ------------------------------------------------------------------
it_log "-- afterwards"
signed "an ordinary message after all this" "from:Sender <sender@example.com>"
it_check "same daemon, exits cleanly on SIGTERM" it_milter_stop
if grep -Eiq 'panic|fatal|segmentation|assert' "$IT_MILTER_LOG"; then
	it_fail "milter log" "$(grep -Ei 'panic|fatal|segmentation|assert' "$IT_MILTER_LOG" | head -n 2)"
else
	it_pass "milter log: no panic or fatal line"
fi

it_summary
