#!/bin/bash
# NAME
#	test-store.sh - the counters store locked, or its disk full: mail
#	tempfailed, never accepted uncounted, and recovery without a restart
# SYNOPSIS
#	tests/faults/test-store.sh
# DESCRIPTION
#	A private Postfix on loopback (tests/integration/lib.sh) with
#	signet-milter (as nobody:postfix) counting into an SQLite store
#	with the default on_error action (tempfail). The store lives on a
#	tmpfs of 16 MB mounted for the test (room for the WAL, which grows to
#	about 4 MB before SQLite checkpoints it), so that its disk can be filled.
#
#	1. The database locked: the sqlite3 command holds BEGIN EXCLUSIVE.
#	   Messages sent once each get 451 4.3.0 (none accepted, none
#	   5xx, nothing delivered); the milter logs that it cannot record
#	   counts and why (another process holds the lock). Then, with
#	   the lock still held, a client that retries on 4xx starts
#	   sending; the lock is released a few seconds later and every
#	   message goes through, with the same signet-milter process (no
#	   restart), which logs that the store works again.
#	2. The disk full: the rest of the tmpfs is filled with a file.
#	   Messages sent once each get 250 or 451 4.3.0, never 5xx, and at
#	   least one 451; the milter logs the reason (disk full, free
#	   space). The file is removed, and a retrying client gets every
#	   message through, same process.
#	3. After each step, the store holds exactly as many signed counts
#	   as Postfix queued messages: none accepted uncounted, none
#	   counted that was refused. Every delivered message verifies.
#
#	PostgreSQL stopped under signet-milter is tested by
#	tests/counters/test-counters-pg.sh (through test-counters.sh).
#	When tmpfs cannot be mounted (a container without the right to
#	mount), step 2 is skipped with a SKIP line, the rest runs.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root, or no sqlite3
#	command: install the Debian package sqlite3), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

FAULTMAIL=$srcdir/tests/faults/faultmail.py
SPEC=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256

it_init faults-store
it_need sqlite3 sqlite3
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_keys "$IT_TMP/keys-root" example.com
it_config_nobody "$IT_TMP/keys-root" "$IT_TMP/keys"
it_config_store
MOUNTED=
if mount -t tmpfs -o "size=16m,mode=755,uid=$(id -u nobody)" signet-test \
	"$IT_TMP/store" 2>"$IT_TMP/mount.err"; then
	MOUNTED=1
else
	it_log "SKIP: disk full: cannot mount a tmpfs: $(cat "$IT_TMP/mount.err")"
fi
# it_cleanup_hook - unmount the tmpfs (it_cleanup has stopped the milter
# and removed all else), then remove the rest of $IT_TMP
it_cleanup_hook() {
	[ -n "$MOUNTED" ] || return 0
	umount "$IT_TMP/store" 2>/dev/null || umount -l "$IT_TMP/store"
	[ "$1" != 0 ] && [ "${SIGNET_KEEP:-0}" = 1 ] || rm -rf "$IT_TMP"
}
it_postfix_start "$SOCK"
it_milter_start "$CFG"
PID0=$IT_MILTER_PID
NEXT=1

# send_retrying N - N new messages, retried on 4xx until accepted
send_retrying() {
	"$PYTHON" "$FAULTMAIL" send -t 10 -T 120 127.0.0.1 "$IT_SMTP_PORT" \
		"$NEXT" "$1" >"$IT_TMP/send.out" 2>&1
}

# try_once N - N new messages, each sent once; replies in try.out
try_once() {
	"$PYTHON" "$FAULTMAIL" try 127.0.0.1 "$IT_SMTP_PORT" "$NEXT" "$1" \
		>"$IT_TMP/try.out" 2>&1
	NEXT=$((NEXT + $1))
}

# counts_match NAME - the store's signed count equals Postfix's queued
counts_match() {
	local signed queued i
	# Postfix writes the maillog through postlogd, so a message's qmgr
	# line can reach the file after the sink has the message: wait for
	# the log's count of queued messages to catch up with the sink's.
	for i in $(seq 50); do
		[ "$(it_pf_queued)" -ge "$(it_dumped)" ] && break
		sleep 0.1
	done
	it_wait_delivered "$(it_pf_queued)" 60
	signed=$(it_counted signed)
	queued=$(it_pf_queued)
	if [ "$signed" = "$queued" ]; then
		it_pass "$1: $signed signed counts = $queued messages Postfix queued"
	else
		it_fail "$1" "$signed signed counts, $queued messages queued by Postfix"
	fi
}

# log_has NAME REGEX - the milter logged a line matching REGEX
log_has() {
	local line
	line=$(grep -E "$2" "$IT_MILTER_LOG" | tail -n 1)
	if [ -n "$line" ]; then
		it_pass "$1: $(printf '%s' "$line" | cut -c 1-220)"
	else
		it_fail "$1" "no milter log line matches /$2/"
	fi
}

# recover NAME ACTION - a retrying client sends 200 messages while the
# fault lasts; ACTION (a command) ends the fault 3 s later; all must go
# through, with the same process
recover() {
	local name=$1 rc=0
	shift
	"$PYTHON" "$FAULTMAIL" send -t 10 -T 120 127.0.0.1 "$IT_SMTP_PORT" \
		"$NEXT" 200 >"$IT_TMP/send.out" 2>&1 7>&- &
	local sender=$!
	sleep 3
	"$@"
	wait "$sender" || rc=$?
	NEXT=$((NEXT + 200))
	if [ "$rc" -eq 0 ]; then
		it_pass "$name: fault over: a retrying client got 200 messages through ($(cat "$IT_TMP/send.out"))"
	else
		it_fail "$name: fault over" "$(tail -n 2 "$IT_TMP/send.out" | tr '\n' ' ')"
	fi
	it_check "$name: the same signet-milter process, not restarted" \
		test "$IT_MILTER_PID" = "$PID0" -a -d "/proc/$PID0"
}

# replies_are NAME WHAT - the try_once replies: "tempfail" (all 451
# 4.3.0) or "mixed" (250 or 451 4.3.0, at least one 451)
replies_are() {
	local total t p a other
	total=$(grep -c '^[0-9]* ' "$IT_TMP/try.out" || true)
	a=$(grep -c '^[0-9]* accepted 250 ' "$IT_TMP/try.out" || true)
	t=$(grep -c '^[0-9]* data 451 4\.3\.0 ' "$IT_TMP/try.out" || true)
	p=$(grep -c '^[0-9]* [a-z]* 5' "$IT_TMP/try.out" || true)
	other=$((total - a - t))
	case $2 in
	tempfail) [ "$t" -eq "$total" ] && [ "$total" -gt 0 ] ;;
	mixed) [ "$t" -gt 0 ] && [ "$other" -eq 0 ] ;;
	esac && { it_pass "$1: $t of $total messages got 451 4.3.0, $a accepted, none 5xx ($(tail -n 1 "$IT_TMP/try.out"))"; return; }
	it_fail "$1" "$a accepted, $t 451 4.3.0, $p 5xx, of $total: $(grep -v ' 451 4\.3\.0 ' "$IT_TMP/try.out" | head -n 2 | tr '\n' ' ')"
}

# ------------------------------------------------------------------
it_log "-- the store works"
send_retrying 50 || it_die "the first 50 messages: $(cat "$IT_TMP/send.out")"
NEXT=$((NEXT + 50))
counts_match "before any fault"

# ------------------------------------------------------------------
it_log "-- the database locked (sqlite3: BEGIN EXCLUSIVE)"
mkfifo "$IT_TMP/lock.in"
sqlite3 "$STORE" <"$IT_TMP/lock.in" >"$IT_TMP/lock.out" 2>&1 &
locker=$!
exec 7>"$IT_TMP/lock.in"
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&7
for i in $(seq 50); do
	grep -q locked "$IT_TMP/lock.out" && break
	sleep 0.1
done
grep -q locked "$IT_TMP/lock.out" || it_die "sqlite3 did not lock $STORE: $(cat "$IT_TMP/lock.out")"
dumped=$(it_dumped)
try_once 5
replies_are "locked" tempfail
it_check "locked: nothing delivered or queued" \
	test "$(it_dumped)" -eq "$dumped" -a "$(it_queued)" -eq 0
log_has "locked: the milter says why" \
	'counters: cannot record counts in .*(locked|busy).*another process holds it locked'
unlock() {
	echo "COMMIT;" >&7
	exec 7>&-
	wait "$locker" || true
}
recover "locked" unlock
log_has "locked: the milter says the store works again" \
	'counters: store .* works again'
counts_match "after the lock"

# ------------------------------------------------------------------
if [ -n "$MOUNTED" ]; then
	it_log "-- the disk full"
	works=$(grep -c 'works again' "$IT_MILTER_LOG" || true)
	# An empty WAL, so that the next commit needs new blocks: a WAL
	# that SQLite already reuses would let it go on writing.
	sqlite3 "$STORE" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	dd if=/dev/zero of="$IT_TMP/store/filler" bs=4k >/dev/null 2>&1 || true
	it_log "store file system: $(df -k "$IT_TMP/store" | tail -n 1)"
	try_once 40
	replies_are "disk full" mixed
	log_has "disk full: the milter says why" \
		'counters: cannot record counts in .*(full|space)'
	counts_match "disk full: while full"
	free_space() { rm -f "$IT_TMP/store/filler"; }
	recover "disk full" free_space
	if [ "$(grep -c 'works again' "$IT_MILTER_LOG" || true)" -gt "$works" ]; then
		it_pass "disk full: the milter says the store works again"
	else
		it_fail "disk full: recovery logged" "no new 'works again' line"
	fi
	counts_match "after the disk full"
fi

# ------------------------------------------------------------------
"$PYTHON" "$FAULTMAIL" check "$IT_TMP/sink" "$IT_TMP/keys/keys.txt" "$SPEC" \
	>"$IT_TMP/check.out" 2>&1 || true
n=$(it_dumped)
if grep -q "^$n messages, $n good, 0 bad\$" "$IT_TMP/check.out"; then
	it_pass "all $n delivered messages as sent, signed, verified (dkimpy)"
else
	it_fail "delivered messages" "$(tail -n 3 "$IT_TMP/check.out" | tr '\n' ' ')"
fi
it_check "milter exits cleanly on SIGTERM" it_milter_stop
if [ -n "$MOUNTED" ] && umount "$IT_TMP/store"; then
	MOUNTED=
fi
it_summary
