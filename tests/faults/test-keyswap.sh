#!/bin/bash
# NAME
#	test-keyswap.sh - the keys folder changed while reloads run: no
#	message out unsigned, broken key sets refused, every signature good
# SYNOPSIS
#	[SIGNET_KEYSWAP_COUNT=N] tests/faults/test-keyswap.sh
# DESCRIPTION
#	A private Postfix on loopback (tests/integration/lib.sh) with
#	signet-milter (as nobody:postfix) signing example.com with the
#	RSA and the Ed25519 key of one folder. Two good key sets, A and B,
#	are made for the same selectors.
#
#	While faultmail.py sends N messages (default 2000), one process
#	sends SIGUSR1 every 10 ms and another changes the keys folder
#	without pause, in a loop: set A put in place file by file (a new
#	file renamed over the old), set B the same way, the RSA key
#	removed, the Ed25519 key made readable by all (0644), the RSA key
#	given to root, the RSA key rewritten in place (truncated, then
#	written in two halves, a reload may read it half done), garbage
#	in the Ed25519 key. So reloads read the folder in every state,
#	often in the middle of a change. Then:
#
#	- Postfix accepted every message (no 4xx: a broken set never
#	  replaces a working one; no 5xx);
#	- every delivered message is as sent and carries both signatures,
#	  and each signature verifies with the key of set A or of set B
#	  (dkimpy); both sets signed some (the good changes took effect);
#	- the milter logged both reloads done and reloads refused, and is
#	  still running;
#	- then, set B in place and a reload: 50 messages verify with B
#	  alone; the RSA key removed and a reload: refused, and 50 more
#	  still verify with B alone (the old snapshot kept).
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

COUNT=${SIGNET_KEYSWAP_COUNT:-2000}
FAULTMAIL=$srcdir/tests/faults/faultmail.py
SPEC=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256

it_init faults-keyswap
it_keys "$IT_TMP/set-a" example.com
it_keys "$IT_TMP/set-b" example.com
chown -R nobody "$IT_TMP/set-a" "$IT_TMP/set-b"
K=$IT_TMP/keys
it_config_nobody "$IT_TMP/set-a" "$K"
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# put FILE SRC - replace K/FILE by SRC the way a careful tool does
put() {
	cp -p "$2" "$K/.$1.new"
	mv -f "$K/.$1.new" "$K/$1"
}

# install SET - put both keys of SET in place, one file after the other
install() {
	put rsa.key "$IT_TMP/$1/rsa.key"
	put ed.key "$IT_TMP/$1/ed.key"
}

# change_keys - change the folder in a loop until told to stop
change_keys() {
	local n=0 half
	half=$(( $(stat -c %s "$IT_TMP/set-b/rsa.key") / 2 ))
	while [ ! -e "$IT_TMP/stop" ]; do
		install set-a; sleep 0.02
		install set-b; sleep 0.02
		rm -f "$K/rsa.key"; sleep 0.02
		install set-a
		chmod 644 "$K/ed.key"; sleep 0.02
		chmod 600 "$K/ed.key"
		chown root "$K/rsa.key"; sleep 0.02
		chown nobody "$K/rsa.key"
		# Rewritten in place: truncated, half, then the rest.
		: >"$K/rsa.key"
		head -c "$half" "$IT_TMP/set-b/rsa.key" >>"$K/rsa.key"; sleep 0.01
		tail -c +"$((half + 1))" "$IT_TMP/set-b/rsa.key" >>"$K/rsa.key"; sleep 0.02
		echo "not a key" >"$K/.ed.key.new"
		chown nobody "$K/.ed.key.new"
		chmod 600 "$K/.ed.key.new"
		mv -f "$K/.ed.key.new" "$K/ed.key"; sleep 0.02
		n=$((n + 1))
	done
	install set-b
	echo "$n" >"$IT_TMP/changes"
}

# reload_loop - SIGUSR1 every 10 ms until told to stop
reload_loop() {
	local n=0
	while [ ! -e "$IT_TMP/stop" ]; do
		kill -USR1 "$IT_MILTER_PID" 2>/dev/null || break
		n=$((n + 1))
		sleep 0.01
	done
	echo "$n" >"$IT_TMP/signals"
}

# log_count REGEX - milter log lines matching REGEX
log_count() {
	grep -cE "$1" "$IT_MILTER_LOG" || true
}

# wait_log REGEX N - up to 10 s for more than N lines matching REGEX
wait_log() {
	local i
	for i in $(seq 100); do
		[ "$(log_count "$1")" -le "$2" ] || return 0
		sleep 0.1
	done
	return 1
}

# check_sink NAME KEYS [ARGS] - the sink's messages as sent, signed,
# verifying with KEYS (comma-separated keys files)
check_sink() {
	local name=$1 keys=$2 n
	shift 2
	n=$(it_dumped)
	"$PYTHON" "$FAULTMAIL" check "$@" "$IT_TMP/sink" "$keys" "$SPEC" \
		>"$IT_TMP/check.out" 2>&1 || true
	if grep -q "^$n messages, $n good, 0 bad\$" "$IT_TMP/check.out"; then
		it_pass "$name: $n messages as sent, both signatures, each verifies ($(tail -n 1 "$IT_TMP/check.out"))"
	else
		it_fail "$name" "$(tail -n 4 "$IT_TMP/check.out" | tr '\n' ' ')"
	fi
}

# ------------------------------------------------------------------
it_log "-- $COUNT messages while the keys change and SIGUSR1 comes every 10 ms"
rm -f "$IT_TMP/stop"
change_keys &
changer=$!
reload_loop &
reloader=$!
t0=$EPOCHREALTIME
send_ok=1
# The numbered messages of faultmail.py, so that each delivered message
# is compared with what was sent. It counts every 4xx it gets.
"$PYTHON" "$FAULTMAIL" send -t 20 -T 300 127.0.0.1 "$IT_SMTP_PORT" 1 "$COUNT" \
	>"$IT_TMP/send.out" 2>&1 || send_ok=
t1=$EPOCHREALTIME
touch "$IT_TMP/stop"
wait "$changer" "$reloader" || true
cat "$IT_TMP/send.out"
if [ -n "$send_ok" ] && grep -q ', 4xx 0 (at end of data 0), disconnects 0, refused connects 0, 5xx 0,' "$IT_TMP/send.out"; then
	it_pass "all $COUNT messages accepted at the first try: no 4xx, no 5xx"
else
	it_fail "sending" "$(tail -n 3 "$IT_TMP/send.out" | tr '\n' ' ')"
fi
it_wait_delivered "$COUNT" 60
check_sink "under key changes" "$IT_TMP/set-a/keys.txt,$IT_TMP/set-b/keys.txt" \
	-k -n "1:$COUNT"
per=$(sed -n 's/^signatures verified per key file: //p' "$IT_TMP/check.out")
na=$(printf '%s' "$per" | sed -n 's/.*set-a \([0-9]*\).*/\1/p')
nb=$(printf '%s' "$per" | sed -n 's/.*set-b \([0-9]*\).*/\1/p')
if [ "${na:-0}" -gt 0 ] && [ "${nb:-0}" -gt 0 ]; then
	it_pass "both key sets signed: $per"
else
	it_fail "both key sets signed" "${per:-no count}"
fi
done_reloads=$(log_count 'reloaded ')
refused=$(log_count 'reload refused')
if [ "$done_reloads" -gt 0 ] && [ "$refused" -gt 0 ]; then
	it_pass "$done_reloads reloads done, $refused refused, for $(cat "$IT_TMP/signals") signals and $(cat "$IT_TMP/changes") rounds of changes"
else
	it_fail "reloads" "$done_reloads done, $refused refused: the changes did not meet the reloads"
fi
it_check "milter still running" it_milter_alive
it_check "no message logged unsigned" test "$(log_count 'verdict=' )" -eq "$(log_count 'verdict=signed')"
awk -v n="$COUNT" -v a="$t0" -v b="$t1" 'BEGIN {
	printf "TIME: %d messages in %.1f s under key changes and reloads\n", n, b - a }'
it_sink_reset

# ------------------------------------------------------------------
it_log "-- set B in place, reload: B signs"
install set-b
before=$(log_count 'reloaded ')
it_milter_reload
wait_log 'reloaded ' "$before" || it_fail "reload with set B" "no 'reloaded' line within 10 s"
"$PYTHON" "$FAULTMAIL" send -t 5 127.0.0.1 "$IT_SMTP_PORT" 100001 50 >"$IT_TMP/send.out" 2>&1 ||
	it_fail "50 messages with set B" "$(cat "$IT_TMP/send.out")"
it_wait_delivered 50 30
check_sink "set B" "$IT_TMP/set-b/keys.txt"
it_sink_reset

it_log "-- the RSA key removed, reload: refused, B still signs"
rm -f "$K/rsa.key"
before=$(log_count 'reload refused')
it_milter_reload
if wait_log 'reload refused' "$before"; then
	it_pass "key removed: reload refused: $(grep -E 'rsa\.key' "$IT_MILTER_LOG" | tail -n 1 | cut -c 1-200)"
else
	it_fail "key removed" "no 'reload refused' line within 10 s"
fi
"$PYTHON" "$FAULTMAIL" send -t 5 127.0.0.1 "$IT_SMTP_PORT" 100051 50 >"$IT_TMP/send.out" 2>&1 ||
	it_fail "50 messages after the refused reload" "$(cat "$IT_TMP/send.out")"
it_wait_delivered 50 30
check_sink "key removed, old snapshot kept" "$IT_TMP/set-b/keys.txt"
it_check "milter exits cleanly on SIGTERM" it_milter_stop
it_summary
