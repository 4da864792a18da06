#!/bin/bash
# NAME
#	test-dns.sh - the DNS server slow, then down, then back: signing
#	goes on untouched, SPF-authorised relays get 451 4.7.1 in time,
#	and everything recovers by itself
# SYNOPSIS
#	tests/faults/test-dns.sh
# DESCRIPTION
#	Knot (tests/dns/knot.sh) serves example.com: the DKIM records of
#	its two selectors and an SPF record that lists 127.0.0.2. signet-
#	milter asks it through dnsdelay.py, a forwarder that answers after
#	a delay the test sets, or not at all; the policy has dns: timeout
#	2s, keys: require_published_key: true (so the key watch asks DNS
#	about the active keys, every 10 s after a failure), and two senders
#	for example.com: "local" (127.0.0.1, no DNS needed) and "platform"
#	(spf: pass). A private Postfix (tests/integration/lib.sh) carries
#	the mail. SPF records have a TTL of 1 s, so each relay check below
#	asks DNS again.
#
#	In each phase, 300 messages from 127.0.0.1 (smtp-source) must all
#	be accepted, each signed with both keys, each verifying (dkimpy),
#	and 30 messages one after the other must take about as long as
#	with DNS answering at once (no DNS on the message's path: the
#	limit is 250 ms a message, a lookup on the path would cost the
#	2 s timeout); one message
#	from 127.0.0.2 (the SPF-authorised relay) is checked:
#
#	- DNS answering: the relay's message is signed;
#	- DNS slow but within the timeout (answers after 300 ms): the
#	  relay's message is still signed;
#	- DNS slower than the timeout (answers after 3 s): the key watch
#	  logs that it cannot check the records and that the last answer
#	  stands; the relay gets 451 4.7.1 (SPF temperror), never 5xx,
#	  within 5 s, nothing delivered;
#	- Knot stopped: the same;
#	- Knot started again: within 30 s (the resolver backs off from a
#	  server that timed out; measured: 2 to 3 s) the relay's message
#	  is signed again, and the key watch asks again without a failure.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root, or Knot not
#	installed), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

FAULTS=$srcdir/tests/faults
SPEC=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256
N=300

it_init faults-dns
. "$srcdir/tests/dns/knot.sh"
PROXY_PID=
it_cleanup_hook() {
	[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null
	dns_stop || true
}
it_keys "$IT_TMP/keys-root" example.com
it_config_nobody "$IT_TMP/keys-root" "$IT_TMP/keys"

# txt_strings - a TXT value as quoted strings of at most 200 characters
txt_strings() {
	printf '%s' "$1" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' '
}

mkdir -p "$IT_TMP/zones"
{
	while read -r name value; do
		printf '%s. TXT %s\n' "$name" "$(txt_strings "$value")"
	done <"$IT_TMP/keys/keys.txt"
	echo '@ TXT "v=spf1 ip4:127.0.0.2 -all"'
} | dns_zone "$IT_TMP/zones" example.com -
dns_start "$IT_TMP/zones" || it_die "cannot start Knot"

# The forwarder signet asks.
echo "$DNS_PORT 0" >"$IT_TMP/dns.ctl"
"$PYTHON" "$FAULTS/dnsdelay.py" "$IT_TMP/dns.ctl" "$IT_TMP/dns.port" \
	>"$IT_TMP/dnsdelay.out" 2>&1 &
PROXY_PID=$!
for i in $(seq 50); do [ -s "$IT_TMP/dns.port" ] && break; sleep 0.1; done
[ -s "$IT_TMP/dns.port" ] || it_die "dnsdelay.py did not start: $(cat "$IT_TMP/dnsdelay.out")"
PROXY=127.0.0.1@$(cat "$IT_TMP/dns.port")

# dns_delay MS - answers after MS milliseconds (-1: never)
dns_delay() {
	echo "$DNS_PORT $1" >"$IT_TMP/dns.ctl.new"
	mv "$IT_TMP/dns.ctl.new" "$IT_TMP/dns.ctl"
}

cat >>"$CFG" <<EOF
    senders:
      local:
        networks: [127.0.0.1/32]
      platform:
        spf: pass
dns:
  nameserver: "$PROXY"
  timeout: 2s
keys:
  require_published_key: true
  check_interval: 10s
EOF
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# sign_phase NAME - N messages from 127.0.0.1: accepted, signed, verified;
# 30 in one session: milliseconds per message (also in $MS)
sign_phase() {
	local name=$1 out=$IT_TMP/out
	MS=0
	it_sink_reset
	if ! it_send "$N" "$IT_TMP/msg"; then
		it_fail "$name: $N messages from 127.0.0.1" "smtp-source failed"
		it_mail_reset
		return 0
	fi
	it_wait_delivered "$N" 60
	"$PYTHON" "$SINKDUMP" extract "$IT_TMP/sink" "$out" >/dev/null
	if it_expect_sigs "$out" "$SPEC" &&
	   "$PYTHON" "$SINKDUMP" verify "$IT_TMP/keys/keys.txt" "$out" >"$IT_TMP/v.out" 2>&1; then
		it_pass "$name: $N messages from 127.0.0.1 accepted, signed twice, verified"
	else
		it_fail "$name: $N messages signed" "$(tail -n 2 "$IT_TMP/v.out" "$IT_TMP/expect.out" 2>/dev/null | tr '\n' ' ')"
	fi
	rm -rf "$out"
	it_sink_reset
	MS=$(it_send_serial 30 "$IT_TMP/msg") || { it_fail "$name: serial" "smtp-source failed"; MS=0; }
	it_wait_delivered 30 30
	it_sink_reset
}

# relay - one message from 127.0.0.2; sets REPLY (the last server line)
# and SECS (how long the session took)
relay() {
	local t0=$EPOCHREALTIME
	it_mail_reset
	it_swaks --local-interface 127.0.0.2 --from sender@example.com \
		--header "From: Sender <sender@example.com>" --header "Subject: relay" || true
	SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	REPLY=$(grep -E '^<(\*\*|-) +[0-9]{3} ' "$IT_TMP/swaks.out" | tail -n 2 | head -n 1)
	if grep -qE '^<\*\* +[0-9]{3} ' "$IT_TMP/swaks.out"; then
		REPLY=$(grep -E '^<\*\* +[0-9]{3} ' "$IT_TMP/swaks.out" | head -n 1)
	fi
}

# relay_signed NAME [SECS] - the relay's message is queued and delivered
# signed (and the session took at least SECS: DNS was asked)
relay_signed() {
	relay
	if ! awk -v s="$SECS" -v m="${2:-0}" 'BEGIN { exit !(s >= m) }'; then
		it_fail "$1: relay" "the session took $SECS s, less than the ${2:-0} s of a DNS answer: no lookup was made"
	elif grep -qE '^<- +250 2\.0\.0 Ok: queued' "$IT_TMP/swaks.out" &&
	   it_wait_delivered 1 30 &&
	   [ "$(grep -ci '^DKIM-Signature:' "$(find "$IT_TMP/sink" -type f | head -n 1)")" = 2 ]; then
		it_pass "$1: the SPF-authorised relay's message is signed ($SECS s)"
	else
		it_fail "$1: relay signed" "reply: $REPLY"
	fi
	it_mail_reset
}

# relay_tempfailed NAME - the relay gets 451 4.7.1 within 5 s, no 5xx
relay_tempfailed() {
	relay
	case $REPLY in
	*"451 4.7.1 cannot check now whether 127.0.0.2 may send for example.com (SPF temperror"*)
		if awk -v s="$SECS" 'BEGIN { exit !(s <= 5) }'; then
			it_pass "$1: the relay gets 451 4.7.1 in $SECS s: ${REPLY#<\*\* }"
		else
			it_fail "$1: relay" "451 4.7.1, but after $SECS s (limit 5)"
		fi ;;
	*)	it_fail "$1: relay" "want 451 4.7.1 SPF temperror, got: $REPLY" ;;
	esac
	sleep 0.3
	it_check "$1: nothing of the relay's delivered or queued" \
		test "$(it_dumped)" -eq 0 -a "$(it_queued)" -eq 0
}

# serial_ok NAME BASE - 30 serial messages took under 250 ms each
serial_ok() {
	if awk -v m="$MS" 'BEGIN { exit !(m > 0 && m < 250) }'; then
		it_pass "$1: $MS ms a message, one after the other (answering DNS: $2 ms)"
	else
		it_fail "$1: latency" "$MS ms a message (answering DNS: $2 ms; limit 250)"
	fi
}

# kw_failures - the key watch's "cannot check" lines so far
kw_failures() {
	grep -c 'keys: cannot check the record of example.com selector' "$IT_MILTER_LOG" || true
}

# wait_kw_failure BEFORE - up to 15 s for a new key watch failure line
wait_kw_failure() {
	local i
	for i in $(seq 150); do
		[ "$(kw_failures)" -le "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------------
it_log "-- DNS answering"
sign_phase "DNS answering"
BASE=$MS
serial_ok "DNS answering" "$BASE"
relay_signed "DNS answering"

# ------------------------------------------------------------------
it_log "-- DNS slow, within the timeout (300 ms)"
dns_delay 300
sleep 3		# the relay's SPF pass (TTL 1 s) has left every cache
relay_signed "DNS at 300 ms" 0.3

# ------------------------------------------------------------------
it_log "-- DNS slower than the timeout (3 s)"
before=$(kw_failures)
dns_delay 3000
sleep 3		# the relay's SPF pass (TTL 1 s) has left every cache
relay_tempfailed "DNS at 3 s"
sign_phase "DNS at 3 s"
serial_ok "DNS at 3 s" "$BASE"
if wait_kw_failure "$before"; then
	it_pass "DNS at 3 s: the key watch says so: $(grep 'keys: cannot check the record' "$IT_MILTER_LOG" | tail -n 1 | cut -c 1-200)"
else
	it_fail "DNS at 3 s: key watch" "no 'cannot check the record' line within 15 s"
fi
it_check "DNS at 3 s: the last answer stands" \
	grep -q 'the last answer stands' "$IT_MILTER_LOG"

# ------------------------------------------------------------------
it_log "-- Knot stopped"
dns_delay 0
dns_stop || true
before=$(kw_failures)
relay_tempfailed "Knot stopped"
sign_phase "Knot stopped"
serial_ok "Knot stopped" "$BASE"
if wait_kw_failure "$before"; then
	it_pass "Knot stopped: the key watch says it cannot check the records"
else
	it_fail "Knot stopped: key watch" "no new 'cannot check the record' line within 15 s"
fi
it_check "Knot stopped: every domain still signs (no 'no usable selector')" \
	bash -c "! grep -q 'no usable selector' '$IT_MILTER_LOG'"
# A reload while DNS is down: the new snapshot's key watch cannot ask,
# and must not forget what the old one knew about the same keys.
before=$(grep -c 'reloaded' "$IT_MILTER_LOG" || true)
it_milter_reload
for i in $(seq 100); do
	[ "$(grep -c 'reloaded' "$IT_MILTER_LOG" || true)" -le "$before" ] || break
	sleep 0.1
done
it_check "Knot stopped: a reload is done" \
	test "$(grep -c 'reloaded' "$IT_MILTER_LOG" || true)" -gt "$before"
sign_phase "Knot stopped, after a reload"
it_check "Knot stopped, after a reload: every domain still signs (no 'no usable selector')" \
	bash -c "! grep -q 'no usable selector' '$IT_MILTER_LOG'"

# ------------------------------------------------------------------
it_log "-- Knot back"
dns_start "$IT_TMP/zones" || it_die "cannot start Knot again"
dns_delay 0
# The resolver backs off from a server that timed out; it must try it
# again soon by itself.
t_back=$EPOCHREALTIME
for i in $(seq 30); do
	relay
	case $REPLY in *" 250 "*) break ;; esac
	sleep 1
done
secs=$(awk -v a="$t_back" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
case $REPLY in
*" 250 "*) it_pass "Knot back: the relay is accepted again after $secs s ($i tries)" ;;
*) it_fail "Knot back: relay" "still refused after $secs s: $REPLY" ;;
esac
relay_signed "Knot back"
# The key watch asks again at most 10 s after its last failure; one
# lookup may have been on its way when Knot came back. From 12 s on,
# the checks that follow (every 10 s) must not fail.
sign_phase "Knot back"
serial_ok "Knot back" "$BASE"
since_back() {
	awk -v a="$t_back" -v b="$EPOCHREALTIME" -v s="$1" 'BEGIN { exit !(b - a < s) }'
}
while since_back 12; do sleep 0.2; done
after=$(kw_failures)
while since_back 23; do sleep 0.2; done
it_check "Knot back: the key watch asked again without a failure ($after failures before, $(kw_failures) now)" \
	test "$(kw_failures)" -eq "$after"
it_check "milter still running, and exits cleanly on SIGTERM" it_milter_stop
it_summary
