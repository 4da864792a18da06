#!/bin/bash
# NAME
#	test-counters.sh - counts through a real Postfix equal what it logged
# SYNOPSIS
#	[SIGNET_STORE_URI=postgresql://...] [SIGNET_COUNTERS_COUNT=N]
#	tests/integration/test-counters.sh
# DESCRIPTION
#	A private Postfix on loopback with signet-milter counting into a
#	store: a new SQLite file (default), or the PostgreSQL database
#	SIGNET_STORE_URI names (tests/counters/test-counters-pg.sh starts
#	a server for it). Then:
#
#	- N messages (default 600) signed, a message with three
#	  recipients at one domain and one at another, messages refused
#	  (no From) and passed (a domain signet does not sign): the store
#	  must hold exactly what Postfix logged: queued messages (qmgr
#	  "queue active" lines) = signed + passed, milter-reject lines =
#	  refused, and the recipient domains once per message;
#	- kill -9 of signet-milter while smtp-source sends 2N messages, and
#	  a restart: every message Postfix queued is counted once; the only
#	  others counted are among those whose end-of-message reply Postfix
#	  logged as lost (committed, then killed before the reply); some
#	  messages must have been refused with 4xx while the milter was
#	  down, or the kill missed the run;
#	- the store locked by another process (SQLite) or the server
#	  stopped (PostgreSQL, with SIGNET_PG_CTL): the message gets 451
#	  4.3.0, the milter logs why, and counting resumes by itself;
#	- signet counters prints the same numbers as a table, JSON and CSV.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${SIGNET_COUNTERS_COUNT:-600}

it_init counters
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_keys "$IT_TMP/keys" example.com
# The milter runs as nobody:postfix, as in production: Postfix's smtpd
# connects to its socket, and it writes the store as that user.
it_config_nobody "$IT_TMP/keys" "$IT_TMP/keys-nobody"
it_config_store "${SIGNET_STORE_URI:-}"
echo "  on_error: tempfail" >>"$CFG"
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_message "$IT_TMP/msg-other" "Other <someone@elsewhere.example>"
{
	printf 'To: rcpt@receiver.example\nSubject: no From\n\nbody\n'
} >"$IT_TMP/msg-nofrom"
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# rcpt_count - the store's messages for recipient domain D
rcpt_count() {
	"$SIGNET_CLI" counters --store "$STORE" --since 2000-01-01 \
		--by rcpt-domain --format csv | tr -d '\r' |
		awk -F, -v d="$1" '$1 == d { n = $2 } END { printf "%d\n", n }'
}

# pf_rejected - messages Postfix refused on the milter's word (5xx)
pf_rejected() {
	grep -c 'milter-reject: END-OF-MESSAGE .*: 5\.7\.1 ' "$IT_TMP/maillog" || true
}

# wait_quiet - the queue is empty and the sink has stopped growing
wait_quiet() {
	local i last=-1 n
	for i in $(seq 600); do
		n=$(it_dumped)
		[ "$(it_queued)" -ne 0 ] || [ "$n" != "$last" ] || return 0
		last=$n
		sleep 0.5
	done
	it_die "Postfix still has mail queued after 300 s"
}

# expect_eq - one case: GOT must equal WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		it_pass "$1 ($2)"
	else
		it_fail "$1" "got $2, want $3"
	fi
}

# 1. Counts equal what Postfix logged.
it_send "$COUNT" "$IT_TMP/msg" || it_die "smtp-source failed"
it_send 20 "$IT_TMP/msg-other" || it_die "smtp-source failed"
it_swaks --from sender@example.com \
	--to a@gmail.example,b@gmail.example,c@GMAIL.example,d@outlook.example ||
	it_die "swaks to four recipients failed: $(tail -n 3 "$IT_TMP/swaks.out")"
for i in 1 2 3; do
	it_swaks --from sender@example.com --data "$IT_TMP/msg-nofrom" || true
done
it_wait_delivered $((COUNT + 21))
wait_quiet
expect_eq "signed + passed = messages Postfix queued" \
	"$(( $(it_counted signed) + $(it_counted passed) ))" "$(it_pf_queued)"
expect_eq "signed = messages delivered from example.com" "$(it_counted signed)" \
	$((COUNT + 1))
expect_eq "passed = messages from a domain signet does not sign" \
	"$(it_counted passed)" 20
expect_eq "refused = milter-reject 5.7.1 lines of Postfix" "$(it_counted refused)" \
	"$(pf_rejected)"
expect_eq "three recipients at gmail.example count once" \
	"$(rcpt_count gmail.example)" 1
expect_eq "one recipient at outlook.example counts once" \
	"$(rcpt_count outlook.example)" 1

# 2. kill -9 under load, restart: nothing lost, nothing counted twice.
queued0=$(it_pf_queued)
signed0=$(it_counted signed)
IT_SEND_TIMEOUT=300 it_send $((COUNT * 2)) "$IT_TMP/msg" >/dev/null 2>&1 &
sender=$!
# Kill once a quarter of them are through, so that the kill hits the run.
for i in $(seq 600); do
	[ $(( $(it_pf_queued) - queued0 )) -lt $((COUNT / 2)) ] || break
	sleep 0.05
done
kill -9 "$IT_MILTER_PID"
wait "$IT_MILTER_PID" 2>/dev/null || true
IT_MILTER_PID=
it_log "killed signet-milter with -9 under load; restarting it"
sleep 0.5
it_milter_start "$CFG"
wait "$sender" || true
wait_quiet
queued=$(( $(it_pf_queued) - queued0 ))
signed=$(( $(it_counted signed) - signed0 ))
# A message whose count was committed when the kill came, but whose
# reply had not gone out yet, is counted and yet tempfailed by Postfix,
# which logs that the end-of-message reply was lost. So, exactly:
# queued <= counted <= queued + replies lost at end of message.
eom_lost=$(grep -c "can't read SMFIC_BODYEOB reply" "$IT_TMP/maillog" || true)
if [ "$signed" -ge "$queued" ] && [ "$signed" -le $((queued + eom_lost)) ]; then
	it_pass "after kill -9: $queued queued by Postfix, $signed counted: none lost; $((signed - queued)) of the $eom_lost whose reply Postfix lost were counted"
else
	it_fail "after kill -9" "$signed counted, $queued queued by Postfix, $eom_lost replies lost at end of message"
fi
lost=$(( COUNT * 2 - queued ))
if [ "$lost" -gt 0 ] && [ "$queued" -gt 0 ]; then
	it_pass "the kill hit the run: $queued queued, $lost refused with 4xx"
else
	it_fail "kill -9 mid-run" "$queued of $((COUNT * 2)) queued: the kill missed the run"
fi

# 3. The store unavailable: tempfail, a log line, and recovery.
if [ -z "${SIGNET_STORE_URI:-}" ]; then
	"$PYTHON" - "$STORE" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(8)
c.execute("ROLLBACK")
EOF
	locker=$!
	for i in $(seq 50); do [ -e "$STORE.locked" ] && break; sleep 0.1; done
elif [ -n "${SIGNET_PG_CTL:-}" ]; then
	$SIGNET_PG_CTL stop >/dev/null
	locker=
else
	locker=none
fi
if [ "$locker" != none ]; then
	signed0=$(it_counted signed 2>/dev/null || echo 0)
	it_swaks --from sender@example.com || true
	if grep -q '^<\*\* *451 4\.3\.0 ' "$IT_TMP/swaks.out"; then
		it_pass "store unavailable: 451 4.3.0"
	else
		it_fail "store unavailable" "$(grep '^<' "$IT_TMP/swaks.out" | tail -n 1)"
	fi
	it_check "store unavailable: the milter says why" \
		grep -q 'counters: cannot record counts in' "$IT_MILTER_LOG"
	if [ -n "$locker" ]; then wait "$locker"; else $SIGNET_PG_CTL start >/dev/null; fi
	ok=
	for i in $(seq 30); do
		if it_swaks --from sender@example.com &&
		   grep -q '^<- *250 ' "$IT_TMP/swaks.out"; then
			ok=1
			break
		fi
		sleep 1
	done
	[ -n "$ok" ] && it_pass "store back: mail accepted again" ||
		it_fail "store back" "still refused after 30 s"
	wait_quiet
	it_check "store back: the milter says so" \
		grep -q 'counters: store .* works again' "$IT_MILTER_LOG"
fi

# 4. signet counters: table, JSON, CSV agree.
"$SIGNET_CLI" counters --store "$STORE" --since 2000-01-01 --by domain,outcome \
	--format json >"$IT_TMP/json.out"
it_check "json: parses, rows add up to its total" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sum(r["messages"] for r in d["rows"]) == d["total"], d
assert d["by"] == ["domain", "outcome"], d
' "$IT_TMP/json.out"
jtotal=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["total"])' \
	"$IT_TMP/json.out")
"$SIGNET_CLI" counters --store "$STORE" --since 2000-01-01 --by domain \
	>"$IT_TMP/table.out"
expect_eq "table: total line = JSON total" \
	"$(awk '$1 == "total" { print $2 }' "$IT_TMP/table.out")" "$jtotal"
expect_eq "csv: rows add up to the JSON total" "$("$SIGNET_CLI" counters \
	--store "$STORE" --since 2000-01-01 --by sender --format csv |
	tr -d '\r' | awk -F, 'NR > 1 { n += $2 } END { print n }')" "$jtotal"
it_milter_stop || it_fail "milter stop" "signet-milter did not exit cleanly"
it_summary
