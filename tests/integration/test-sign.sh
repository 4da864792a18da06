#!/bin/bash
# NAME
#	test-sign.sh - signet-milter signs real Postfix traffic
# SYNOPSIS
#	[SIGNET_INTEGRATION_COUNT=N] [SIGNET_LATENCY_MAX_MS=MS]
#	tests/integration/test-sign.sh
# DESCRIPTION
#	Runs a private Postfix on loopback with signet-milter attached and
#	an smtp-sink that keeps every message, then:
#
#	- for RSA only, Ed25519 only and both keys, over a unix socket
#	  (milter running as nobody:postfix) and over inet:PORT@127.0.0.1
#	  (milter running as root, no user:), sends N messages (default
#	  1000) with smtp-source, 20 sessions, half of them one message per
#	  connection, half many; every delivered message must carry exactly
#	  the expected DKIM-Signature fields and pass both dkimpy and
#	  libopendkim; signet must log one signed line per message, with the
#	  Postfix queue id; the milter must exit cleanly on SIGTERM;
#	- 50 messages one after the other in one session, over each socket:
#	  over TCP a message must not take more than 20 ms (a Nagle and
#	  delayed-ACK stall costs 40 ms or more; a unix socket takes a few;
#	  SIGNET_LATENCY_MAX_MS changes the bound for slow builds);
#	- 100 messages over an inet6:PORT@[::1] socket given with -p (the
#	  policy names another socket);
#	- a message whose From domain signet does not sign passes unsigned;
#	- no From, and two From fields: refused with 550 5.7.x, nothing
#	  delivered;
#	- a client on [::1], a local submission through sendmail(1) (the
#	  non_smtpd_milters path), an SMTP AUTH client (XCLIENT LOGIN) are
#	  signed; a client outside the signing networks is not;
#	- with a policy whose only source is the daemon name ORIGINATING,
#	  mail through the ORIGINATING smtpd is signed and mail through the
#	  other one is not.
#
#	One PASS or FAIL line per case, timings, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not run as
#	root, 99 when a tool is missing. SIGNET_KEEP=1 keeps the temporary
#	directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${SIGNET_INTEGRATION_COUNT:-1000}
LAT_COUNT=50
LAT_MAX_MS=${SIGNET_LATENCY_MAX_MS:-20}
BOTH=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256

it_init sign
it_verifiers
it_keys "$IT_TMP/keys" example.com
it_keys_owned "$IT_TMP/keys" "$IT_TMP/keys-nobody" nobody
mkdir -p "$IT_TMP/run"
UNIX_SOCK=unix:$IT_TMP/run/signet.sock
INET_SOCK=inet:$IT_MILTER_PORT@127.0.0.1
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_postfix_start "$UNIX_SOCK"
current_sock=$UNIX_SOCK

# spec_of - the expected signatures for a selector list
spec_of() {
	case $1 in
	rsa)	echo example.com/rsa/rsa-sha256 ;;
	ed)	echo example.com/ed/ed25519-sha256 ;;
	rsa,ed)	echo "$BOTH" ;;
	esac
}

# use_socket - point Postfix's milter at SOCKET
use_socket() {
	[ "$current_sock" != "$1" ] || return 0
	local pf
	pf=$(it_postfix_socket "$1")
	it_postfix_set "smtpd_milters = $pf" "non_smtpd_milters = $pf"
	current_sock=$1
}

# start_milter - config for SOCKET and SELECTORS, then start the milter;
# unix sockets run it as nobody:postfix, inet ones as root. With PSOCK,
# the policy names SOCKET but the milter is told -p PSOCK.
start_milter() {
	local sock=$1 sels=$2 name=$3 sources=${4:-} psock=${5:-}
	local keydir=$IT_TMP/keys
	case $sock in
	unix:*)	IT_USER=nobody IT_GROUP=postfix; keydir=$IT_TMP/keys-nobody ;;
	*)	IT_USER='' IT_GROUP='' ;;
	esac
	it_config "$IT_TMP/$name.yaml" "$sock" "$keydir" "$sels" example.com \
		"$sources"
	IT_MILTER_LOG=$IT_TMP/$name.log
	use_socket "${psock:-$sock}"
	if [ -n "$psock" ]; then
		it_milter_start "$IT_TMP/$name.yaml" -p "$psock"
	else
		it_milter_start "$IT_TMP/$name.yaml"
	fi
}

# bulk_case - COUNT messages through Postfix and signet, all checked
bulk_case() {
	local sock=$1 sels=$2 kind=${1%%:*} name t0 t1 t1s t2 n
	name=bulk-$kind-${sels/,/+}
	start_milter "$sock" "$sels" "$name"
	t0=$EPOCHREALTIME
	if ! it_send "$COUNT" "$IT_TMP/msg"; then
		it_fail "$name: send" "smtp-source failed (see above)"
		it_milter_kill
		it_mail_reset
		return 0
	fi
	it_wait_delivered "$COUNT"
	t1=$EPOCHREALTIME
	it_check "$name: milter exits cleanly on SIGTERM" it_milter_stop
	t1s=$EPOCHREALTIME
	it_extract "$IT_TMP/out-$name"
	it_check "$name: $COUNT messages carry $(spec_of "$sels")" \
		it_expect_sigs "$IT_TMP/out-$name" "$(spec_of "$sels")"
	it_check "$name: every message verifies (dkimpy, libopendkim)" \
		it_verify_all "$IT_TMP/out-$name" "$IT_TMP/keys/keys.txt"
	t2=$EPOCHREALTIME
	n=$(grep -cE "queue_id=[0-9A-Za-z]+ .*verdict=signed" "$IT_MILTER_LOG" || true)
	if [ "$n" -eq "$COUNT" ]; then
		it_pass "$name: $n log lines with verdict=signed and a queue id"
	else
		it_fail "$name: log" "$n lines with a queue id and verdict=signed, expected $COUNT"
	fi
	awk -v n="$name" -v c="$COUNT" -v t0="$t0" -v t1="$t1" -v t1s="$t1s" \
		-v t2="$t2" 'BEGIN {
		printf "TIME: %s: %d messages through Postfix in %.1f s (%.0f msg/s), checked in %.1f s\n",
			n, c, t1 - t0, c / (t1 - t0), t2 - t1s }'
	rm -rf "$IT_TMP/out-$name"
	it_sink_reset
}

# one_message - send one message with swaks ARGS; it must be delivered
# carrying exactly SPEC ("none": unsigned) and, if signed, verify
one_message() {
	local name=$1 spec=$2 out=$IT_TMP/out-one
	shift 2
	if ! it_swaks "$@"; then
		it_fail "$name" "swaks failed: $(grep -E '^ *<\*\*' "$IT_TMP/swaks.out" | tail -n 1)"
		it_mail_reset
		return 0
	fi
	it_wait_delivered 1 30
	it_extract "$out"
	if ! it_expect_sigs "$out" "$spec" >"$IT_TMP/case.out"; then
		it_fail "$name" "$(head -n 1 "$IT_TMP/case.out")"
	elif [ "$spec" != none ] && ! it_verify_all "$out" "$IT_TMP/keys/keys.txt" >"$IT_TMP/case.out"; then
		it_fail "$name" "$(head -n 1 "$IT_TMP/case.out")"
	else
		it_pass "$name"
	fi
	it_sink_reset
}

# refused - swaks ARGS must get a 550 5.7.x at end of data (or earlier),
# and nothing may be queued or delivered
refused() {
	local name=$1 reply
	shift
	if it_swaks "$@"; then
		it_fail "$name" "accepted, expected 550 5.7.x"
		it_mail_reset
		return 0
	fi
	reply=$(grep -E '^ *<\*\* ' "$IT_TMP/swaks.out" | tail -n 1 | sed 's/^ *<\*\* *//')
	sleep 0.5
	if ! printf '%s\n' "$reply" | grep -qE '^550[ -]5\.7\.[0-9]+'; then
		it_fail "$name" "reply '$reply', expected 550 5.7.x"
	elif [ "$(it_queued)" -ne 0 ] || [ "$(it_dumped)" -ne 0 ]; then
		it_fail "$name" "refused, but a message was queued or delivered"
	else
		it_pass "$name ($reply)"
	fi
	it_mail_reset
}

# ------------------------------------------------------------------
it_log "-- $COUNT messages per key set and socket"
for sock in "$UNIX_SOCK" "$INET_SOCK"; do
	for sels in rsa ed rsa,ed; do
		bulk_case "$sock" "$sels"
	done
done

# ------------------------------------------------------------------
# A milter on TCP can stall every message for a delayed ACK (about 40 ms
# a time) when small packets wait for Nagle's algorithm; over a unix
# socket a message takes a few milliseconds.
it_log "-- latency: $LAT_COUNT messages one after the other in one session"
latency() {	# latency SOCKET: set $ms to the ms per message, or empty
	local name=latency-${1%%:*}
	start_milter "$1" rsa,ed "$name"
	if ms=$(it_send_serial "$LAT_COUNT" "$IT_TMP/msg"); then
		it_wait_delivered "$LAT_COUNT" 60
		it_sink_reset
	else
		ms=
		it_mail_reset
	fi
	it_milter_stop || it_fail "$name: SIGTERM" "see above"
}
latency "$UNIX_SOCK"
unix_ms=$ms
latency "$INET_SOCK"
inet_ms=$ms
echo "TIME: latency per message: unix socket ${unix_ms:-?} ms, inet socket ${inet_ms:-?} ms"
if [ -z "$unix_ms" ] || [ -z "$inet_ms" ]; then
	it_fail "latency" "smtp-source failed"
elif awk -v i="$inet_ms" -v m="$LAT_MAX_MS" 'BEGIN { exit !(i <= m) }'; then
	it_pass "inet socket: no stall ($inet_ms ms per message, at most $LAT_MAX_MS)"
else
	it_fail "inet socket: no stall" "$inet_ms ms per message over inet (unix: $unix_ms ms); at most $LAT_MAX_MS: Nagle and delayed ACKs on the milter connection"
fi

# ------------------------------------------------------------------
if ip -6 addr show dev lo 2>/dev/null | grep -qw '::1/128'; then
	it_log "-- inet6 socket (-p inet6:PORT@[::1] over a policy with an inet socket)"
	start_milter "$INET_SOCK" rsa,ed inet6 "" "inet6:$IT_MILTER_PORT@[::1]"
	if it_send 100 "$IT_TMP/msg"; then
		it_wait_delivered 100 60
		it_extract "$IT_TMP/out-inet6"
		it_check "inet6: 100 messages carry both signatures" \
			it_expect_sigs "$IT_TMP/out-inet6" "$BOTH"
		it_check "inet6: they verify (dkimpy, libopendkim)" \
			it_verify_all "$IT_TMP/out-inet6" "$IT_TMP/keys/keys.txt"
	else
		it_fail "inet6: send" "smtp-source failed"
		it_mail_reset
	fi
	it_sink_reset
	it_milter_stop || it_fail "inet6: SIGTERM" "see above"
fi

# ------------------------------------------------------------------
it_log "-- single messages (both keys, unix socket)"
start_milter "$UNIX_SOCK" rsa,ed single
# data_file - write FILE: a message with one From line per FROM argument
data_file() {
	local file=$1 subject=$2 f
	shift 2
	{
		for f in "$@"; do printf 'From: %s\n' "$f"; done
		printf 'To: rcpt@receiver.example\nSubject: %s\n' "$subject"
		printf 'Date: %s\n' "$(LC_ALL=C date -R)"
		printf 'Message-ID: <%s@example.com>\n' "$(date +%s%N)"
		printf '\nbody\n'
	} >"$file"
}
data_file "$IT_TMP/nofrom.msg" "no from"
data_file "$IT_TMP/twofrom.msg" "two from" "A <a@example.com>" "B <b@example.com>"

one_message "a From domain signet does not sign passes unsigned" none \
	--from user@other.example --header "From: User <user@other.example>"
one_message "example.com From is signed (swaks)" "$BOTH" \
	--from sender@example.com --header "From: Sender <sender@example.com>"
refused "no From header: refused" \
	--from sender@example.com --data "@$IT_TMP/nofrom.msg"
refused "two From headers: refused" \
	--from sender@example.com --data "@$IT_TMP/twofrom.msg"
# swaks needs a Perl module for IPv6; smtp-source speaks it.
if ip -6 addr show dev lo 2>/dev/null | grep -qw '::1/128'; then
	if it_send 20 "$IT_TMP/msg" sender@example.com rcpt@receiver.example '[::1]'; then
		it_wait_delivered 20 60
		it_extract "$IT_TMP/out-v6"
		it_check "20 messages from a client on [::1] are signed" \
			it_expect_sigs "$IT_TMP/out-v6" "$BOTH"
		grep -q 'client=::1 ' "$IT_MILTER_LOG" ||
			it_log "note: no log line shows client=::1"
	else
		it_fail "client on [::1]" "smtp-source failed"
		it_mail_reset
	fi
	it_sink_reset
else
	it_log "(no IPv6 loopback: [::1] case not run)"
fi
one_message "client outside the signing networks passes unsigned" none \
	--xclient-addr 192.0.2.10 --xclient-name client.example.net \
	--from sender@example.com --header "From: Sender <sender@example.com>"
one_message "SMTP AUTH client outside the networks is signed" "$BOTH" \
	--xclient-addr 192.0.2.10 --xclient-name client.example.net \
	--xclient-login alice \
	--from sender@example.com --header "From: Sender <sender@example.com>"

# The non_smtpd_milters path: sendmail(1) -> postdrop -> pickup.
if sendmail -C "$IT_TMP/etc" -f sender@example.com -t <"$IT_TMP/msg" 2>"$IT_TMP/sendmail.out"; then
	it_wait_delivered 1 30
	it_extract "$IT_TMP/out-local"
	it_check "local submission (sendmail, non_smtpd_milters) is signed" \
		it_expect_sigs "$IT_TMP/out-local" "$BOTH"
	it_sink_reset
else
	it_fail "local submission" "sendmail -C failed: $(cat "$IT_TMP/sendmail.out")"
fi
it_milter_stop || it_fail "single: SIGTERM" "see above"

# ------------------------------------------------------------------
it_log "-- daemon-name source (ORIGINATING smtpd only)"
start_milter "$UNIX_SOCK" rsa,ed daemon "  authenticated: false
  networks: []
  daemons: [ORIGINATING]"
IT_SWAKS_SERVER=127.0.0.1:$IT_SUBMIT_PORT \
one_message "mail through the ORIGINATING smtpd is signed" "$BOTH" \
	--from sender@example.com --header "From: Sender <sender@example.com>"
one_message "mail through the other smtpd passes unsigned" none \
	--from sender@example.com --header "From: Sender <sender@example.com>"
it_milter_stop || it_fail "daemon: SIGTERM" "see above"

it_summary
