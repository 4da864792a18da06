#!/bin/bash
# NAME
#	test-reload.sh - signet-milter reloads under load without losing mail
# SYNOPSIS
#	[SIGNET_RELOAD_COUNT=N] tests/integration/test-reload.sh
# DESCRIPTION
#	Runs a private Postfix on loopback with signet-milter attached over
#	a unix socket (the milter running as nobody:postfix, so that every
#	reload reads the policy and keys without root), then:
#
#	- sends N messages (default 5000) with smtp-source while another
#	  process sends SIGUSR1 to the milter every 100 ms, each time after
#	  switching the policy file between two that sign differently
#	  (relaxed or simple canonicalization, other header fields): no
#	  message may be refused or deferred, every delivered message must
#	  carry both signatures and verify (so each was signed under one
#	  policy from start to end), and the milter must log the reloads;
#	- replaces the policy with one that signs with RSA only and reloads:
#	  the next messages carry only the RSA signature (the reload takes
#	  effect);
#	- replaces the policy with a broken one (an unknown key) and
#	  reloads: the milter keeps running on the previous policy (messages
#	  still signed, RSA only), and logs why, naming the file and line;
#	- a policy whose key file is missing, may be read by others (mode
#	  0644) or belongs to another user than the milter's is refused the
#	  same way;
#	- signet-milter -t and signet config check refuse each of these
#	  policies with status 1 and the reason.
# DIAGNOSTICS
#	One PASS or FAIL line per case, then "N passed, N failed"; exit 1
#	when one failed, 77 when not root, 99 when a tool is missing.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=${SIGNET_RELOAD_COUNT:-5000}
BOTH=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256
RSA=example.com/rsa/rsa-sha256

it_init reload
it_verifiers
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_keys "$IT_TMP/keys-root" example.com
it_keys_owned "$IT_TMP/keys-root" "$IT_TMP/keys" nobody
mkdir -p "$IT_TMP/run"
SOCK=unix:$IT_TMP/run/signet.sock
CFG=$IT_TMP/signet.yaml
IT_USER=nobody
IT_GROUP=postfix
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_config "$CFG" "$SOCK" "$IT_TMP/keys" rsa,ed
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# install_config - replace the policy file the way an editor or a
# configuration manager does: write a new file, rename it over the old
install_config() {
	cp "$1" "$CFG.new"
	chmod 644 "$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

# log_count - how many milter log lines match an extended regex
log_count() {
	grep -cE "$1" "$IT_MILTER_LOG" || true
}

# wait_log - wait up to 10 s for the milter log to have more than N
# lines matching REGEX
wait_log() {
	local regex=$1 n=$2 i
	for i in $(seq 100); do
		[ "$(log_count "$regex")" -le "$n" ] || return 0
		sleep 0.1
	done
	return 1
}

# send_checked - send N messages; all must be delivered carrying SPEC
send_checked() {
	local name=$1 n=$2 spec=$3
	if ! it_send "$n" "$IT_TMP/msg"; then
		it_fail "$name" "smtp-source failed"
		it_mail_reset
		return 0
	fi
	it_wait_delivered "$n" 60
	it_extract "$IT_TMP/out-$name"
	it_check "$name: $n messages carry $spec" it_expect_sigs "$IT_TMP/out-$name" "$spec"
	it_check "$name: they verify (dkimpy, libopendkim)" \
		it_verify_all "$IT_TMP/out-$name" "$IT_TMP/keys/keys.txt"
	rm -rf "$IT_TMP/out-$name"
	it_sink_reset
}

# ------------------------------------------------------------------
it_log "-- $COUNT messages, SIGUSR1 every 100 ms"
# Two policies that sign alike (same domain, selectors, keys) but
# canonicalize and choose header fields differently; the reloads switch
# between them. A message that began under one and was finished under
# the other would not verify: each message must keep the policy it
# pinned at MAIL FROM.
cp "$CFG" "$IT_TMP/policy-a.yaml"
cp "$CFG" "$IT_TMP/policy-b.yaml"
cat >>"$IT_TMP/policy-b.yaml" <<EOF
signing:
  canonicalization: simple/simple
  headers: [from, to, subject, date, message-id]
  oversign: [from]
EOF
rm -f "$IT_TMP/stop-reloading"
(
	n=0
	while [ ! -e "$IT_TMP/stop-reloading" ]; do
		if [ $((n % 2)) -eq 0 ]; then
			install_config "$IT_TMP/policy-b.yaml"
		else
			install_config "$IT_TMP/policy-a.yaml"
		fi
		kill -USR1 "$IT_MILTER_PID" 2>/dev/null || break
		n=$((n + 1))
		sleep 0.1
	done
	echo "$n" >"$IT_TMP/reloads-sent"
) &
reloader=$!
t0=$EPOCHREALTIME
send_ok=1
it_send "$COUNT" "$IT_TMP/msg" || send_ok=
t1=$EPOCHREALTIME
touch "$IT_TMP/stop-reloading"
wait "$reloader" || true
sent=$(cat "$IT_TMP/reloads-sent")
if [ -n "$send_ok" ]; then
	it_pass "under reloads: all $COUNT messages accepted by Postfix (no 4xx, no 5xx)"
	it_wait_delivered "$COUNT"
	it_extract "$IT_TMP/out-reload"
	it_check "under reloads: $COUNT messages carry both signatures" \
		it_expect_sigs "$IT_TMP/out-reload" "$BOTH"
	it_check "under reloads: every message verifies (dkimpy, libopendkim)" \
		it_verify_all "$IT_TMP/out-reload" "$IT_TMP/keys/keys.txt"
	n_simple=$(grep -l 'c=simple/simple' "$IT_TMP"/out-reload/*.eml | wc -l)
	n_relaxed=$(grep -l 'c=relaxed/relaxed' "$IT_TMP"/out-reload/*.eml | wc -l)
	if [ "$n_simple" -gt 0 ] && [ "$n_relaxed" -gt 0 ]; then
		it_pass "under reloads: both policies were used ($n_relaxed relaxed, $n_simple simple)"
	else
		it_fail "under reloads: both policies used" "$n_relaxed relaxed, $n_simple simple: the reloads took no effect"
	fi
	rm -rf "$IT_TMP/out-reload"
else
	it_fail "under reloads: sending" "smtp-source failed (see above)"
	it_mail_reset
fi
it_sink_reset
if it_milter_alive; then
	it_pass "under reloads: milter still running after $sent SIGUSR1"
else
	it_die "signet-milter died during the reload run"
fi
# Signals that arrive while a reload runs merge into one: expect at
# least one reload per second of the run, not one per signal.
wait_log 'reloaded' 0 || true
done_reloads=$(log_count 'reloaded')
if [ "$done_reloads" -ge 1 ] && [ "$done_reloads" -le "$sent" ] &&
   [ "$done_reloads" -ge "$((sent / 10))" ]; then
	it_pass "under reloads: $done_reloads reloads logged for $sent signals"
else
	it_fail "under reloads: log" "$done_reloads reloads logged for $sent signals"
fi
signed=$(log_count 'verdict=signed')
it_check "under reloads: $COUNT signed log lines (got $signed)" test "$signed" -eq "$COUNT"
it_check "under reloads: Postfix logged no milter trouble" \
	bash -c "! grep -E 'milter.*(tempfail|reject|error|timeout)|warning: milter' '$IT_TMP/maillog'"
awk -v c="$COUNT" -v a="$t0" -v b="$t1" -v s="$sent" 'BEGIN {
	printf "TIME: %d messages in %.1f s (%.0f msg/s) with %d reload signals\n",
		c, b - a, c / (b - a), s }'

# ------------------------------------------------------------------
it_log "-- a new policy takes effect"
it_config "$IT_TMP/rsa-only.yaml" "$SOCK" "$IT_TMP/keys" rsa
install_config "$IT_TMP/rsa-only.yaml"
before=$(log_count 'reloaded')
it_milter_reload
wait_log 'reloaded' "$before" ||
	it_fail "reload to RSA only" "no 'reloaded' log line within 10 s"
send_checked rsa-only 20 "$RSA"

# ------------------------------------------------------------------
it_log "-- a broken policy is refused, the old one stays"
# bad_reload NAME FILE WHY-REGEX: reload with FILE as the policy; the
# milter must refuse it, say why (matching WHY-REGEX), keep signing
bad_reload() {
	local name=$1 file=$2 why=$3 before_refused before_ok
	install_config "$file"
	before_refused=$(log_count 'refused')
	before_ok=$(log_count 'reloaded')
	it_milter_reload
	if ! wait_log 'refused' "$before_refused"; then
		it_fail "$name: reload refused" "no log line with 'refused' within 10 s"
	else
		it_pass "$name: reload refused: $(grep -E 'refused' "$IT_MILTER_LOG" | tail -n 1 | cut -c 1-160)"
	fi
	if grep -qE "$why" "$IT_MILTER_LOG"; then
		it_pass "$name: the log says why: $(grep -E "$why" "$IT_MILTER_LOG" | tail -n 1 | cut -c 1-200)"
	else
		it_fail "$name: the log says why" "no log line matches /$why/"
	fi
	it_check "$name: no reload happened" test "$(log_count 'reloaded')" -eq "$before_ok"
	check_rejects "$name" "$file" "$why"
	if it_milter_alive; then
		it_pass "$name: milter still running"
		send_checked "$name-old-policy" 20 "$RSA"
	else
		it_fail "$name: milter still running" "signet-milter exited"
		it_die "cannot go on without the milter"
	fi
}

# check_rejects NAME FILE WHY-REGEX: signet-milter -t and signet config
# check refuse FILE with status 1 and say why
check_rejects() {
	local name=$1 file=$2 why=$3 out rc
	for cmd in "$SIGNET_MILTER -t -c" "$SIGNET_CLI config check -c"; do
		rc=0
		out=$($cmd "$file" 2>&1) || rc=$?
		if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -qE "$why"; then
			it_pass "$name: ${cmd##*/} exits 1 and says why"
		else
			it_fail "$name: ${cmd##*/}" "status $rc, output: $(printf '%s' "$out" | head -n 3 | tr '\n' ' ')"
		fi
	done
}

cp "$IT_TMP/rsa-only.yaml" "$IT_TMP/bad-key.yaml"
echo "frobnicate: 1" >>"$IT_TMP/bad-key.yaml"
bad_line=$(wc -l <"$IT_TMP/bad-key.yaml")
bad_reload unknown-key "$IT_TMP/bad-key.yaml" \
	"\\.yaml:$bad_line:[0-9]+:.*frobnicate"

sed "s|$IT_TMP/keys/rsa.key|$IT_TMP/keys/missing.key|" \
	"$IT_TMP/rsa-only.yaml" >"$IT_TMP/bad-path.yaml"
bad_reload missing-key "$IT_TMP/bad-path.yaml" "\\.yaml:[0-9]+:[0-9]+:.*missing\\.key"

# Keys that anyone may read, or that belong to another user than the
# one signet-milter runs as (nobody), are refused.
cp "$IT_TMP/keys/rsa.key" "$IT_TMP/keys/unsafe.key"
chown nobody "$IT_TMP/keys/unsafe.key"
chmod 644 "$IT_TMP/keys/unsafe.key"
sed "s|$IT_TMP/keys/rsa.key|$IT_TMP/keys/unsafe.key|" \
	"$IT_TMP/rsa-only.yaml" >"$IT_TMP/bad-mode.yaml"
bad_reload unsafe-key-mode "$IT_TMP/bad-mode.yaml" "\\.yaml:[0-9]+:[0-9]+:.*unsafe\\.key.*0644"

cp "$IT_TMP/keys/rsa.key" "$IT_TMP/keys/root-owned.key"
chown root "$IT_TMP/keys/root-owned.key"
chmod 600 "$IT_TMP/keys/root-owned.key"
sed "s|$IT_TMP/keys/rsa.key|$IT_TMP/keys/root-owned.key|" \
	"$IT_TMP/rsa-only.yaml" >"$IT_TMP/bad-owner.yaml"
bad_reload wrong-key-owner "$IT_TMP/bad-owner.yaml" "\\.yaml:[0-9]+:[0-9]+:.*root-owned\\.key"

# Back to a good policy: reloads work again.
install_config "$IT_TMP/rsa-only.yaml"
before=$(log_count 'reloaded')
it_milter_reload
if wait_log 'reloaded' "$before"; then
	it_pass "a good policy after the bad ones is loaded"
else
	it_fail "a good policy after the bad ones" "no 'reloaded' log line within 10 s"
fi
it_check "milter exits cleanly on SIGTERM" it_milter_stop

it_summary
