#!/bin/bash
# NAME
#	test-kill.sh - signet-milter killed with SIGKILL again and again
#	during a 10,000-message run through Postfix: nothing unsigned,
#	nothing lost, no committed count lost
# SYNOPSIS
#	[SIGNET_KILL_COUNT=N] [SIGNET_STORE_URI=postgresql://...]
#	tests/faults/test-kill.sh
# DESCRIPTION
#	A private Postfix on loopback (tests/integration/lib.sh) with
#	milter_default_action = tempfail and signet-milter attached over a
#	unix socket, running as nobody:postfix, signing with RSA and
#	Ed25519 and counting into a new SQLite store (or the PostgreSQL
#	database SIGNET_STORE_URI names: tests/counters/test-counters-pg.sh
#	runs it so, with empty tables). faultmail.py send
#	delivers N numbered messages (default 10,000) over 20 sessions and,
#	like an MTA's queue, tries a message again after a 4xx or a dropped
#	session; a 5xx is never retried and fails the test.
#
#	Three times during the run (at a quarter, half and three quarters
#	of the messages accepted) signet-milter gets SIGKILL, stays down
#	for a second, and is started again on the same store. Then:
#
#	- the client saw 4xx replies while the milter was down (the kills
#	  hit the run) and no 5xx, and every message was accepted once;
#	- smtp-sink received each of the N messages exactly once, each
#	  byte for byte as sent (but for Postfix's Received: field and the
#	  signatures), each with exactly the RSA and the Ed25519 signature,
#	  each of which dkimpy verifies: none unsigned, none lost;
#	- the store counts exactly as many signed messages as Postfix
#	  queued, however many end-of-message replies the kills lost (the
#	  test prints that number); every restart found the store usable.
#
#	Why exactly: signet commits a message's count, then replies. A
#	SIGKILL between the commit and the reply loses the reply, not the
#	count; Postfix tempfails that message (it logs "can't read
#	SMFIC_BODYEOB reply") and the client sends it again. Each count
#	carries a key (a hash of the Message-ID, envelope and body hash;
#	see count(3)); the signet-milter started after the kill finds that
#	the last one did not stop cleanly, and a message it counted in its
#	last seconds, sent again, is not counted again (store_once(3)).
#	The test also checks that each restart said so in the log.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

COUNT=${SIGNET_KILL_COUNT:-10000}
KILLS=3
FAULTMAIL=$srcdir/tests/faults/faultmail.py

it_init faults-kill
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_keys "$IT_TMP/keys-root" example.com
it_config_nobody "$IT_TMP/keys-root" "$IT_TMP/keys"
it_config_store "${SIGNET_STORE_URI:-}"
it_postfix_start "$SOCK"
# Many smtpd processes at once, so that a kill finds many messages in
# flight; the sessions of the client all get one.
it_postfix_set "default_process_limit = 40"
it_milter_start "$CFG"

# accepted - how many messages the client has had accepted so far
accepted() {
	wc -l <"$IT_TMP/accepted" 2>/dev/null || echo 0
}

: >"$IT_TMP/accepted"
t0=$EPOCHREALTIME
"$PYTHON" "$FAULTMAIL" send -t 20 -T 400 -a "$IT_TMP/accepted" \
	127.0.0.1 "$IT_SMTP_PORT" 1 "$COUNT" >"$IT_TMP/send.out" 2>&1 &
sender=$!
kills=0
for k in $(seq "$KILLS"); do
	mark=$((COUNT * k / (KILLS + 1)))
	while [ "$(accepted)" -lt "$mark" ] && kill -0 "$sender" 2>/dev/null; do
		sleep 0.05
	done
	kill -0 "$sender" 2>/dev/null || break
	kill -9 "$IT_MILTER_PID"
	wait "$IT_MILTER_PID" 2>/dev/null || true
	IT_MILTER_PID=
	kills=$((kills + 1))
	it_log "kill -9 of signet-milter at $(accepted) of $COUNT accepted; down for 1 s"
	sleep 1
	it_milter_start "$CFG"
done
send_rc=0
wait "$sender" || send_rc=$?
t1=$EPOCHREALTIME
cat "$IT_TMP/send.out"
if [ "$send_rc" -eq 0 ]; then
	it_pass "client: all $COUNT messages accepted in the end, none refused with 5xx"
else
	it_fail "client" "$(tail -n 3 "$IT_TMP/send.out" | tr '\n' ' ')"
fi
it_check "the $KILLS kills hit the run ($kills done)" test "$kills" -eq "$KILLS"
tempfails=$(sed -n 's/.*, 4xx \([0-9]*\) .*/\1/p' "$IT_TMP/send.out")
if [ "${tempfails:-0}" -gt 0 ]; then
	it_pass "Postfix tempfailed while the milter was down ($tempfails 4xx replies)"
else
	it_fail "Postfix tempfailed" "the client saw no 4xx: the kills missed the run"
fi
it_check "no message accepted twice by the client" \
	test "$(sort -n "$IT_TMP/accepted" | uniq -d | wc -l)" -eq 0

it_wait_delivered "$COUNT" 120
t2=$EPOCHREALTIME
"$PYTHON" "$FAULTMAIL" check -n "1:$COUNT" "$IT_TMP/sink" \
	"$IT_TMP/keys/keys.txt" example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256 \
	>"$IT_TMP/check.out" 2>&1 || true
t3=$EPOCHREALTIME
cat "$IT_TMP/check.out"
if grep -q "^$COUNT messages, $COUNT good, 0 bad\$" "$IT_TMP/check.out"; then
	it_pass "sink: each of the $COUNT messages once, as sent, signed twice, every signature verifies (dkimpy)"
else
	it_fail "sink" "$(tail -n 1 "$IT_TMP/check.out")"
fi

queued=$(it_pf_queued)
eom_lost=$(grep -c "can't read SMFIC_BODYEOB reply" "$IT_TMP/maillog" || true)
signed=$(it_counted signed)
it_check "Postfix queued each message once ($queued)" test "$queued" -eq "$COUNT"
# Each lost reply is a message in flight at a kill: at most one per
# session of the client at each kill.
it_check "replies lost at end of message: $eom_lost, at most $kills kills x 20 sessions" \
	test "$eom_lost" -le $((kills * 20))
if [ "$signed" -eq "$queued" ]; then
	it_pass "store: $signed signed counts for $queued queued, exactly, with $eom_lost end-of-message replies lost at the kills"
else
	it_fail "store" "$signed signed counts, $queued queued ($eom_lost end-of-message replies lost): want exactly $queued"
fi
it_check "each restart took the last keys of the killed milter ($kills)" \
	test "$(grep -c 'did not stop cleanly' "$IT_MILTER_LOG")" -eq "$kills"
it_check "no restart found the store unusable" \
	bash -c "! grep -E 'counters: cannot|store .* (damaged|corrupt)' '$IT_MILTER_LOG'"
it_check "milter exits cleanly on SIGTERM" it_milter_stop
awk -v n="$COUNT" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v k="$kills" 'BEGIN {
	printf "TIME: %d messages sent in %.1f s with %d kills; delivered %.1f s later; checked in %.1f s\n",
		n, b - a, k, c - b, d - c }'
it_summary
