#!/bin/bash
# NAME
#	test-reloads.sh - 10,000 reloads while mail flows: no failure,
#	nothing unsigned, no memory or descriptor growth
# SYNOPSIS
#	[SIGNET_RELOADS=N] tests/faults/test-reloads.sh
# DESCRIPTION
#	A private Postfix on loopback (tests/integration/lib.sh) with
#	signet-milter (as nobody:postfix) signing example.com. reloader.py
#	sends SIGUSR1 N times (default 10,000), each time waiting for the
#	log line of that reload, so that every signal is a reload of its
#	own; meanwhile faultmail.py sends numbered messages over 10
#	sessions, 60 a second. The first 1,000 reloads (and 300 messages)
#	warm the process up; then, with no mail in flight, its resident
#	memory (VmRSS) and open descriptors are read from /proc, and again
#	after the other reloads and the mail that came with them. Then:
#
#	- every reload was done, none refused, and the milter still runs;
#	- every message was accepted at the first try (no 4xx, no 5xx),
#	  and delivered once, as sent, signed, verifying with dkimpy;
#	  signet logged one signed line per message;
#	- the descriptors are as many as after the warm-up, and the
#	  resident memory grew by less than 2 MB (one leaked snapshot per
#	  reload, policy and keys, would add tens of megabytes).
#
#	The policy signs with RSA and Ed25519: every reload decodes both
#	keys again (a few milliseconds; a reload that grew costly would
#	show here as a run of many minutes).
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

RELOADS=${SIGNET_RELOADS:-10000}
WARM=1000
FAULTS=$srcdir/tests/faults
SPEC=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256

it_init faults-reloads
it_keys "$IT_TMP/keys-root" example.com
it_config_nobody "$IT_TMP/keys-root" "$IT_TMP/keys"
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# proc_stats - "RSS_KB FDS" of the milter
proc_stats() {
	echo "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$IT_MILTER_PID/status") $(ls "/proc/$IT_MILTER_PID/fd" | wc -l)"
}

# idle - wait until no mail is in flight: sink done, queue empty
idle() {
	it_wait_delivered "$1" 60
	sleep 1
}

# ------------------------------------------------------------------
it_log "-- warm-up: $WARM reloads, 300 messages"
"$PYTHON" "$FAULTS/faultmail.py" send -t 20 127.0.0.1 "$IT_SMTP_PORT" 1 300 \
	>"$IT_TMP/send0.out" 2>&1 &
s0=$!
"$PYTHON" "$FAULTS/reloader.py" "$IT_MILTER_PID" "$IT_MILTER_LOG" "$WARM" \
	>"$IT_TMP/reload0.out" 2>"$IT_TMP/reload0.err" ||
	it_die "warm-up reloads: $(cat "$IT_TMP/reload0.out" "$IT_TMP/reload0.err")"
wait "$s0" || it_die "warm-up mail: $(cat "$IT_TMP/send0.out")"
idle 300
read -r rss0 fds0 <<<"$(proc_stats)"
it_log "after the warm-up: VmRSS $rss0 kB, $fds0 descriptors"

# ------------------------------------------------------------------
n=$((RELOADS - WARM))
it_log "-- $n reloads while mail flows"
rm -f "$IT_TMP/stop"
"$PYTHON" "$FAULTS/faultmail.py" send -t 10 -r 60 -T 600 -S "$IT_TMP/stop" \
	127.0.0.1 "$IT_SMTP_PORT" 301 1000000 >"$IT_TMP/send.out" 2>&1 &
sender=$!
t0=$EPOCHREALTIME
rc=0
"$PYTHON" "$FAULTS/reloader.py" -s "$IT_TMP/stats" -e 1000 "$IT_MILTER_PID" \
	"$IT_MILTER_LOG" "$n" >"$IT_TMP/reload.out" 2>"$IT_TMP/reload.err" || rc=$?
t1=$EPOCHREALTIME
touch "$IT_TMP/stop"
send_rc=0
wait "$sender" || send_rc=$?
cat "$IT_TMP/reload.out" "$IT_TMP/send.out"
if [ "$rc" -eq 0 ] && grep -q "^$n reloads done, 0 refused" "$IT_TMP/reload.out"; then
	it_pass "$RELOADS reloads done ($WARM in the warm-up), none refused"
else
	it_fail "reloads" "$(cat "$IT_TMP/reload.out") $(head -n 3 "$IT_TMP/reload.err")"
fi
it_check "milter still running" it_milter_alive
sent=$(sed -n 's/^sent \([0-9]*\),.*/\1/p' "$IT_TMP/send.out")
if [ "$send_rc" -eq 0 ] && [ "${sent:-0}" -gt 0 ] &&
   grep -q ', 4xx 0 (at end of data 0), disconnects 0, refused connects 0, 5xx 0,' "$IT_TMP/send.out"; then
	it_pass "$sent messages during the reloads, all accepted at the first try"
else
	it_fail "mail during the reloads" "$(cat "$IT_TMP/send.out")"
fi
total=$((300 + ${sent:-0}))
idle "$total"
read -r rss1 fds1 <<<"$(proc_stats)"
it_log "VmRSS and descriptors every 1000 reloads (under load): $(awk '{ printf "%s:%s/%s ", $1 + '"$WARM"', $2, $3 }' "$IT_TMP/stats" 2>/dev/null)"
"$PYTHON" "$FAULTS/faultmail.py" check -n "1:$total" "$IT_TMP/sink" \
	"$IT_TMP/keys/keys.txt" "$SPEC" >"$IT_TMP/check.out" 2>&1 || true
if grep -q "^$total messages, $total good, 0 bad\$" "$IT_TMP/check.out"; then
	it_pass "all $total messages delivered once, as sent, signed, verified (dkimpy)"
else
	it_fail "delivered messages" "$(tail -n 4 "$IT_TMP/check.out" | tr '\n' ' ')"
fi
signed=$(grep -c 'verdict=signed' "$IT_MILTER_LOG" || true)
it_check "one signed log line per message ($signed)" test "$signed" -eq "$total"
it_check "descriptors: $fds0 after the warm-up, $fds1 after $RELOADS reloads" \
	test "$fds1" -eq "$fds0"
if [ $((rss1 - rss0)) -lt 2048 ]; then
	it_pass "resident memory: $rss0 kB after the warm-up, $rss1 kB after $RELOADS reloads ($((rss1 - rss0)) kB)"
else
	it_fail "resident memory" "$rss0 kB after the warm-up, $rss1 kB after $RELOADS reloads: grew by $((rss1 - rss0)) kB"
fi
awk -v n="$n" -v m="$sent" -v a="$t0" -v b="$t1" 'BEGIN {
	printf "TIME: %d reloads in %.1f s (%.1f ms each) with %d messages (%.0f msg/s)\n",
		n, b - a, (b - a) * 1000 / n, m, m / (b - a) }'
it_check "milter exits cleanly on SIGTERM" it_milter_stop
it_summary
