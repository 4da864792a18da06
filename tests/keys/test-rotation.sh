#!/bin/bash
# NAME
#	test-rotation.sh - a key rotation end to end: signet-milter behind
#	a real Postfix switches to a new selector only once its record is
#	published, and no signature of the run fails
# DESCRIPTION
#	A private Knot DNS (tests/dns/knot.sh) serves example.com and
#	example.net; a private Postfix (tests/integration/lib.sh) has
#	signet-milter attached, running as nobody with keys: {
#	require_published_key: true, check_interval: 10s, overlap: 0 }.
#
#	1. signet keys generate makes example.com's key s1; its record is
#	   published; mail is signed with s1 and verifies against the
#	   records published then (s1 only).
#	2. signet keys rotate makes s2, pending; s2 goes into the policy
#	   next to s1 and the milter reloads. Its record is not published:
#	   mail is still signed with s1 only and verifies with s1 alone
#	   (a signature by s2 would fail: its key is not in the file).
#	3. While mail keeps flowing, s2's record is published. Within the
#	   check interval the milter makes s2 active and s1 retiring, then
#	   (overlap 0) retired, in the state files; the log says so. Every
#	   message of the switch carries exactly one signature, every s2
#	   signature was made (t=) after the record was published, and all
#	   verify.
#	4. s1's record is removed: mail is signed with s2 and verifies
#	   with s2 alone.
#	5. example.net's only key has a record that does not match: its
#	   mail is refused with 451 (sign_error), never signed with a key
#	   receivers would reject; once the right record is published the
#	   milter signs again within the check interval.
#	Verification is dkimpy's (tests/integration/sinkdump.py verify,
#	the functions of tests/verify/dkimpy-verify.py), with a keys file
#	holding the records published at the time.
#
#	Prints "N passed, N failed"; exit 77 when not root or without
#	Knot, 99 when a tool is missing.
# LICENSE
#	MIT; see LICENSE in the source distribution.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$here/../integration/lib.sh"

it_init rotation
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
# shellcheck source=tests/dns/knot.sh
. "$here/../dns/knot.sh"
it_cleanup_hook() { dns_stop; }

K=$IT_TMP/keys
KCFG=$IT_TMP/keys.yaml
CFG=$IT_TMP/signet.yaml
SOCK=unix:$IT_TMP/run/signet.sock
IT_USER=nobody
IT_GROUP=postfix
mkdir -p "$IT_TMP/zones" "$IT_TMP/run"
dns_zone "$IT_TMP/zones" example.com
dns_zone "$IT_TMP/zones" example.net
dns_start "$IT_TMP/zones" || it_die "cannot start Knot"

KEYS_YAML="dns: {nameserver: \"$DNS_SERVER\", timeout: 2s}
keys: {directory: $K, require_published_key: true, check_interval: 10s, overlap: 0}
user: $IT_USER
group: $IT_GROUP"
printf '%s\n' "$KEYS_YAML" >"$KCFG"

# signet_keys SUBCOMMAND ARGS... - signet keys on the test's configuration
signet_keys() {
	"$SIGNET_CLI" keys "$1" -c "$KCFG" "${@:2}"
}

# rdata FILE SELECTOR - the TXT strings of SELECTOR's zone line in FILE
rdata() {
	grep "^$2\._domainkey\." "$1" | sed 's/^[^"]*//'
}

# keyline FILE DOMAIN SELECTOR - a verifier's keys file line
keyline() {
	printf '%s._domainkey.%s %s\n' "$3" "$2" "$(sed -n 's/^; value: //p' "$1" | head -n 1)"
}

# write_policy SELECTORS... - the milter's policy; NAME:DOMAIN:ALG each
write_policy() {
	local item name dom alg cur=
	{
		printf 'socket: %s\npidfile: %s\nrequire_safe_keys: true\n' \
			"$SOCK" "$IT_TMP/signet-milter.pid"
		printf '%s\n' "$KEYS_YAML"
		printf 'sources:\n  networks: [127.0.0.0/8, "::1/128"]\n'
		printf 'domains:\n'
		for item in "$@"; do
			IFS=: read -r name dom alg <<<"$item"
			if [ "$dom" != "$cur" ]; then
				printf '  %s:\n    selectors:\n' "$dom"
				cur=$dom
			fi
			printf '      - {name: %s, algorithm: %s, key: %s/%s/%s.key}\n' \
				"$name" "$alg" "$K" "$dom" "$name"
		done
	} >"$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

# log_count REGEX - milter log lines matching an extended regex
log_count() {
	grep -cE "$1" "$IT_MILTER_LOG" || true
}

# wait_log REGEX N SECS - wait for more than N matching log lines
wait_log() {
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(log_count "$1")" -le "$2" ] || return 0
		sleep 0.1
	done
	return 1
}

# reload - SIGUSR1, wait for the milter to say it reloaded
reload() {
	local before
	before=$(log_count 'reloaded')
	it_milter_reload
	wait_log 'reloaded' "$before" 20 || it_die "the milter did not reload"
}

# phase NAME COUNT SPEC KEYSFILE - send COUNT messages; each carries
# exactly SPEC and verifies with the records in KEYSFILE
phase() {
	local name=$1 n=$2 spec=$3 keys=$4 out=$IT_TMP/out-$1
	it_send "$n" "$IT_TMP/msg" || it_die "$name: smtp-source failed"
	it_wait_delivered "$n" 60
	it_extract "$out"
	it_check "$name: $n messages carry exactly $spec" it_expect_sigs "$out" "$spec"
	it_check "$name: every signature verifies with the records published" \
		"$PYTHON" "$SINKDUMP" verify "$keys" "$out"
	it_sink_reset
}

# state DOMAIN SELECTOR - the state written in the key's state file
state() {
	sed -n 's/^state=//p' "$K/$1/$2.state"
}

it_message "$IT_TMP/msg" "Sender <sender@example.com>"

# ------------------------------------------------------------------
it_log "-- 1. s1 published, signing with s1"
signet_keys generate example.com --selector s1 >"$IT_TMP/s1.out" 2>&1 ||
	it_die "keys generate: $(cat "$IT_TMP/s1.out")"
dns_set_record s1._domainkey.example.com TXT "$(rdata "$IT_TMP/s1.out" s1)" ||
	it_die "cannot publish s1"
keyline "$IT_TMP/s1.out" example.com s1 >"$IT_TMP/keys-s1.txt"
write_policy s1:example.com:rsa-sha256
it_postfix_start "$SOCK"
it_milter_start "$CFG"
phase s1 20 example.com/s1/rsa-sha256 "$IT_TMP/keys-s1.txt"

# ------------------------------------------------------------------
it_log "-- 2. s2 pending, not published: still s1"
signet_keys rotate example.com --selector s2 >"$IT_TMP/s2.out" 2>&1 ||
	it_die "keys rotate: $(cat "$IT_TMP/s2.out")"
it_check "rotate: s2 is pending" test "$(state example.com s2)" = pending
keyline "$IT_TMP/s2.out" example.com s2 >"$IT_TMP/keys-s2.txt"
cat "$IT_TMP/keys-s1.txt" "$IT_TMP/keys-s2.txt" >"$IT_TMP/keys-both.txt"
write_policy s1:example.com:rsa-sha256 s2:example.com:rsa-sha256
reload
it_check "log: s2 is not used while pending" \
	grep -qE 'keys: example\.com signs with s1; not s2: pending' "$IT_MILTER_LOG"
phase pending 20 example.com/s1/rsa-sha256 "$IT_TMP/keys-s1.txt"
# One more check interval with the record absent: nothing changes.
sleep 11
phase pending-later 10 example.com/s1/rsa-sha256 "$IT_TMP/keys-s1.txt"
it_check "s1 still active, s2 still pending" \
	test "$(state example.com s1)/$(state example.com s2)" = "active/pending"

# ------------------------------------------------------------------
it_log "-- 3. s2 published while mail flows: the milter switches"
rm -f "$IT_TMP/stop-sending"
(
	i=0
	while [ ! -e "$IT_TMP/stop-sending" ] && [ "$i" -lt 200 ]; do
		timeout 60 smtp-source -s 2 -m 4 -F "$IT_TMP/msg" -f sender@example.com \
			-t rcpt@receiver.example -M client.localdomain \
			"127.0.0.1:$IT_SMTP_PORT" >>"$IT_TMP/flow.out" 2>&1 ||
			echo "smtp-source failed" >>"$IT_TMP/flow.err"
		i=$((i + 1))
		sleep 0.2
	done
	echo "$i" >"$IT_TMP/flow.rounds"
) &
flow=$!
sleep 2
published=$(date +%s)
dns_set_record s2._domainkey.example.com TXT "$(rdata "$IT_TMP/s2.out" s2)" ||
	it_die "cannot publish s2"
if wait_log 'keys: example\.com signs with s2' 0 25; then
	t=$(( $(date +%s) - published ))
	it_pass "the milter signs with s2 $t s after its record was published (check_interval 10 s)"
else
	it_fail "switch to s2" "no 'signs with s2' log line within 25 s"
fi
sleep 3
touch "$IT_TMP/stop-sending"
wait "$flow" || true
it_check "mail kept flowing during the switch (no refused message)" test ! -s "$IT_TMP/flow.err"
rounds=$(cat "$IT_TMP/flow.rounds")
it_wait_delivered "$((rounds * 4))" 60
it_extract "$IT_TMP/out-switch"
it_check "switch: every message verifies with the records published" \
	"$PYTHON" "$SINKDUMP" verify "$IT_TMP/keys-both.txt" "$IT_TMP/out-switch"
n1=0 n2=0 bad=
for f in "$IT_TMP"/out-switch/*.eml; do
	sigs=$("$PYTHON" "$SINKDUMP" headers "$f" | grep -i '^DKIM-Signature:') || true
	case $(printf '%s\n' "$sigs" | grep -c .) in 1) ;; *) bad="$bad ${f##*/}:count" ;; esac
	case $sigs in
	*"s=s1;"*) n1=$((n1 + 1)) ;;
	*"s=s2;"*)
		n2=$((n2 + 1))
		t=$(printf '%s\n' "$sigs" | sed -n 's/.* t=\([0-9]*\);.*/\1/p')
		[ -n "$t" ] && [ "$t" -ge "$published" ] || bad="$bad ${f##*/}:t=$t" ;;
	*)	bad="$bad ${f##*/}:selector" ;;
	esac
done
it_check "switch: one signature each; no s2 signature before its record ($n1 by s1, then $n2 by s2)" \
	test -z "$bad" -a "$n1" -gt 0 -a "$n2" -gt 0
[ -z "$bad" ] || echo "  bad:$bad" | cut -c 1-300
it_sink_reset
it_check "state files: s2 active" test "$(state example.com s2)" = active
wait_log 'keys: example\.com selector s1 is retired' 0 5 || true
it_check "state files: s1 retired (overlap 0)" test "$(state example.com s1)" = retired
it_check "log: s1 retiring, then retired" \
	grep -qE 'example\.com selector s1 is retiring: no longer signs' "$IT_MILTER_LOG"
it_check "signet keys dns: s1's record may be removed" \
	bash -c "'$SIGNET_CLI' keys dns -c '$KCFG' example.com | grep -q '^; remove: s1\._domainkey\.example\.com'"

# ------------------------------------------------------------------
it_log "-- 4. s1's record removed: s2 alone"
dns_del_record s1._domainkey.example.com TXT
phase after 20 example.com/s2/rsa-sha256 "$IT_TMP/keys-s2.txt"

# ------------------------------------------------------------------
it_log "-- 5. a record that does not match: refused, never badly signed"
signet_keys generate example.net --selector n1 >"$IT_TMP/n1.out" 2>&1 ||
	it_die "keys generate example.net: $(cat "$IT_TMP/n1.out")"
dns_set_record n1._domainkey.example.net TXT "$(rdata "$IT_TMP/s1.out" s1)"
write_policy s1:example.com:rsa-sha256 s2:example.com:rsa-sha256 n1:example.net:rsa-sha256
reload
it_check "log: example.net has no usable selector, says why" \
	grep -qE 'keys: example\.net has no usable selector; not n1: the published key does not match the private key.*sign_error action \(tempfail\)' "$IT_MILTER_LOG"
it_swaks --from sender@example.net --header "From: <sender@example.net>" --header "Subject: wrong record" || true
it_check "example.net: 451 4.7.1, not delivered" grep -q '<\*\* *451 4.7.1' "$IT_TMP/swaks.out"
sleep 1
it_check "example.net: nothing reached the sink" test "$(it_dumped)" -eq 0
dns_set_record n1._domainkey.example.net TXT "$(rdata "$IT_TMP/n1.out" n1)"
if wait_log 'keys: example\.net signs with n1' 0 25; then
	it_pass "example.net: signs again once the right record is published"
else
	it_fail "example.net: signs again" "no 'signs with n1' log line within 25 s"
fi
keyline "$IT_TMP/n1.out" example.net n1 >"$IT_TMP/keys-n1.txt"
it_message "$IT_TMP/msg" "Sender <sender@example.net>"
phase example.net 5 example.net/n1/rsa-sha256 "$IT_TMP/keys-n1.txt"

it_check "the milter is still running" it_milter_alive
it_summary
