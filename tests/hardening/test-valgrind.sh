#!/bin/bash
# NAME
#	test-valgrind.sh - signet-milter under valgrind memcheck through
#	a real Postfix: no memory error, no definite leak
# SYNOPSIS
#	[SIGNET_VALGRIND_COUNT=N] tests/hardening/test-valgrind.sh
# DESCRIPTION
#	Starts signet-milter under valgrind --tool=memcheck (full leak
#	check at exit, --error-exitcode, the suppressions of
#	tests/hardening/valgrind.supp), as root dropping to nobody, with an
#	RSA and an Ed25519 selector, an SQLite counters store and the
#	Prometheus listener, attached to a private Postfix
#	(tests/integration/lib.sh). Then:
#
#	- N messages (default 200) through Postfix while the policy is
#	  reloaded (SIGUSR1) every 2 seconds, switching between two
#	  policies; every message is signed and verifies;
#	- a reload with a broken policy (refused), refused messages (no
#	  From), a scrape of /metrics;
#	- SIGTERM: the daemon exits with status 0, which under
#	  --error-exitcode means valgrind found no error and no definite
#	  leak; its log must say "ERROR SUMMARY: 0 errors" and show no
#	  definitely lost bytes.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not root, 99
#	when a tool is missing (valgrind: Debian package valgrind).
#	SIGNET_KEEP=1 keeps the temporary directory (and valgrind's log)
#	of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

COUNT=${SIGNET_VALGRIND_COUNT:-200}
# Under valgrind a message takes some 50 times as long.
IT_SEND_TIMEOUT=600
BOTH=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256

it_init valgrind
it_need valgrind valgrind
it_need curl curl
it_verifiers
SUPP=$srcdir/tests/hardening/valgrind.supp
[ -f "$SUPP" ] || it_die "$SUPP is missing"
REAL_MILTER=$SIGNET_MILTER
VGLOG=$IT_TMP/valgrind.log

cat >"$IT_TMP/vg-milter" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --error-exitcode=42 --leak-check=full \\
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--num-callers=30 --track-origins=no --suppressions=$SUPP \\
	--log-file=$VGLOG $REAL_MILTER "\$@"
EOF
chmod 755 "$IT_TMP/vg-milter"

it_keys "$IT_TMP/keys-root" example.com
it_keys_owned "$IT_TMP/keys-root" "$IT_TMP/keys" nobody
mkdir -p "$IT_TMP/run" "$IT_TMP/store"
chown nobody "$IT_TMP/store"
SOCK=unix:$IT_TMP/run/signet.sock
CFG=$IT_TMP/signet.yaml
METRICS_PORT=$(it_port metrics)
IT_USER=nobody
IT_GROUP=postfix

# write_policy CANON - the policy, signing with CANON
write_policy() {
	it_config "$CFG.new" "$SOCK" "$IT_TMP/keys" rsa,ed
	cat >>"$CFG.new" <<EOF
signing:
  canonicalization: $1
counters:
  store: $IT_TMP/store/counters.db
metrics:
  listen: 127.0.0.1:$METRICS_PORT
EOF
	chmod 644 "$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

write_policy relaxed/relaxed
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_postfix_start "$SOCK"
# Under valgrind the daemon is some 50 times slower: give it time.
it_postfix_set "milter_connect_timeout = 300s" "milter_command_timeout = 300s" \
	"milter_content_timeout = 300s"
IT_MILTER_WAIT=60 SIGNET_MILTER=$IT_TMP/vg-milter it_milter_start "$CFG"

case_bulk() {
	local rpid n=0
	(
		while :; do
			sleep 2
			n=$((n + 1))
			if [ $((n % 2)) = 0 ]; then
				write_policy relaxed/relaxed
			else
				write_policy simple/simple
			fi
			kill -USR1 "$IT_MILTER_PID" 2>/dev/null || exit 0
		done
	) &
	rpid=$!
	it_send "$COUNT" "$IT_TMP/msg"
	local rc=$?
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	[ $rc = 0 ] || return 1
	it_wait_delivered "$COUNT" 120
	it_extract "$IT_TMP/out"
	it_expect_sigs "$IT_TMP/out" "$BOTH" || return 1
	it_verify_all "$IT_TMP/out" "$IT_TMP/keys/keys.txt" || return 1
	n=$(grep -c 'reloaded ' "$IT_MILTER_LOG" || true)
	echo "$n reloads"
	[ "$n" -ge 3 ] || { echo "only $n reloads during the run"; return 1; }
}
it_check "$COUNT messages signed and verified, reloads meanwhile" case_bulk
it_log "$(tail -n 1 "$IT_TMP/check.out")"

case_bad_reload() {
	local i
	echo "no_such_setting: 1" >>"$CFG"
	it_milter_reload
	for i in $(seq 600); do
		grep -q 'reload refused' "$IT_MILTER_LOG" && return 0
		sleep 0.1
	done
	return 1
}
it_check "a broken policy is refused" case_bad_reload

case_refused() {
	it_swaks --from sender@example.com --header "From:" || true
	grep -Eq '^<\*\* +550 ' "$IT_TMP/swaks.out"
}
it_check "a message without From is refused" case_refused

case_metrics() {
	curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^signet_'
}
it_check "/metrics answers" case_metrics

case_stop() {
	it_milter_stop || { tail -n 30 "$VGLOG"; return 1; }
}
it_check "SIGTERM: exit status 0 (no valgrind error)" case_stop

case_report() {
	grep -q 'ERROR SUMMARY: 0 errors' "$VGLOG" || { grep 'ERROR SUMMARY' "$VGLOG"; return 1; }
	if grep -E 'definitely lost: [1-9]' "$VGLOG"; then
		grep -A25 'definitely lost in' "$VGLOG" | head -n 60
		return 1
	fi
	grep -E 'definitely lost|ERROR SUMMARY|All heap blocks' "$VGLOG"
}
it_check "valgrind: 0 errors, nothing definitely lost" case_report
it_log "$(cat "$IT_TMP/check.out")"

it_summary
