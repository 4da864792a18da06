#!/bin/bash
# NAME
#	test-logs.sh - signet-milter logs no key material and no message
#	content, even with debug logging
# SYNOPSIS
#	tests/hardening/test-logs.sh
# DESCRIPTION
#	Runs signet-milter -d (debug lines too) through a private Postfix
#	(tests/integration/lib.sh) with a private Knot DNS
#	(tests/dns/knot.sh) for SPF and an SQLite counters store, and
#	makes it log as much as it can:
#
#	- messages signed with RSA and Ed25519, whose Subject, an extra
#	  header field and body lines carry marker strings;
#	- a relay authorised by SPF (pass), one refused by SPF (fail);
#	- no From, two From, and a From that cannot be parsed (marker in
#	  its display name);
#	- reloads: a good one, one with a key OpenSSL cannot decode, one
#	  with a damaged RSA key that decodes (its modulus changed: its
#	  signatures do not verify), one with a key others may read, one
#	  with an unknown setting;
#	- a stop (SIGTERM).
#
#	Then it searches everything the daemon wrote (standard error,
#	where -f sends the same lines syslog would get) for:
#	the base64 of each private key's DER in every 16-character window
#	(the PEM body is that base64), the hexadecimal of the DER in
#	every 16-digit window, lower and upper case (it holds the raw
#	private key bytes and the RSA primes and exponents), "BEGIN
#	PRIVATE KEY", every line of the PEM files (the damaged ones too),
#	and the marker strings of the bodies, Subjects and header values.
#	Any hit fails. A control case first proves that the search finds
#	a key window and a marker planted in a copy of the log.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not root or
#	Knot is not installed, 99 when a tool is missing. SIGNET_KEEP=1
#	keeps the temporary directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

it_init logs
DNS_TTL=300
# shellcheck source=tests/dns/knot.sh
. "$srcdir/tests/dns/knot.sh"
it_cleanup_hook() { dns_stop || true; }

DOMAIN=relay.spf.example
BODY1=BodyMarkerQv7Tz3Lp
BODY2=bodymarker-second-line-9Xk2
SUBJ=SubjectMarkerHw4Rn8
HVAL=HeaderValueMarkerJc6Ds1
DNAME=DisplayNameMarkerPa5Ve0

mkdir -p "$IT_TMP/zones"
dns_zone "$IT_TMP/zones" spf.example 'relay TXT "v=spf1 ip4:127.0.0.2 -all"' ||
	it_die "cannot write the zone"
dns_start "$IT_TMP/zones" || it_die "cannot start Knot"

it_keys "$IT_TMP/keys-root" "$DOMAIN"
it_keys_owned "$IT_TMP/keys-root" "$IT_TMP/keys" nobody
mkdir -p "$IT_TMP/run" "$IT_TMP/store"
chown nobody "$IT_TMP/store"
SOCK=unix:$IT_TMP/run/signet.sock
CFG=$IT_TMP/signet.yaml
IT_USER=nobody
IT_GROUP=postfix

# write_policy KEYDIR [EXTRA] - the policy, with its keys in KEYDIR
write_policy() {
	it_config "$CFG.new" "$SOCK" "$1" rsa,ed "$DOMAIN" "  authenticated: true
  networks: [127.0.0.0/8]"
	cat >>"$CFG.new" <<EOF
    senders:
      platform:
        spf: pass
      crm:
        networks: [127.0.0.1/32]
dns:
  nameserver: "$DNS_SERVER"
  timeout: 2s
counters:
  store: $IT_TMP/store/counters.db
${2:-}
EOF
	chmod 644 "$CFG.new"
	mv -f "$CFG.new" "$CFG"
}

# The message with markers in its Subject, a header field and its body.
{
	printf 'From: Sender <sender@%s>\n' "$DOMAIN"
	printf 'To: Receiver <rcpt@receiver.example>\n'
	printf 'Subject: %s quarterly figures\n' "$SUBJ"
	printf 'X-Custom: %s\n' "$HVAL"
	printf 'Date: %s\n' "$(LC_ALL=C date -R)"
	printf 'Message-ID: <logs.%s@%s>\n' "$$" "$DOMAIN"
	printf '\n%s\nsecond line: %s\n' "$BODY1" "$BODY2"
} >"$IT_TMP/msg"

write_policy "$IT_TMP/keys"
it_postfix_start "$SOCK"
it_milter_start "$CFG" -d

# swaks_from SOURCE FROM_HEADER... - one message with markers from SOURCE
swaks_from() {
	local src=$1 h
	shift
	local args=()
	for h in "$@"; do
		args+=(--header "$h")
	done
	it_swaks --local-interface "$src" --from "sender@$DOMAIN" \
		--header "Subject: $SUBJ" --header "X-Custom: $HVAL" "${args[@]}" \
		--body "$BODY1
$BODY2" || true
}

# replied CODE - the last swaks exchange got CODE
replied() {
	grep -Eq "^<(-|\*\*) +$1 " "$IT_TMP/swaks.out" ||
		{ grep -E '^<' "$IT_TMP/swaks.out" | tail -n 2; return 1; }
}

case_signed() {
	it_send 20 "$IT_TMP/msg" "sender@$DOMAIN" || return 1
	it_wait_delivered 20 60
	it_extract "$IT_TMP/out"
	it_expect_sigs "$IT_TMP/out" "$DOMAIN/rsa/rsa-sha256,$DOMAIN/ed/ed25519-sha256"
}
it_check "20 messages signed (crm by network)" case_signed

case_spf_pass() {
	swaks_from 127.0.0.2 "From: News <news@$DOMAIN>"
	replied 250
}
it_check "SPF pass from 127.0.0.2: accepted" case_spf_pass

case_spf_fail() {
	swaks_from 127.0.0.3 "From: News <news@$DOMAIN>"
	replied 550
}
it_check "SPF fail from 127.0.0.3: refused" case_spf_fail

case_no_from() {
	it_swaks --local-interface 127.0.0.1 --from "sender@$DOMAIN" \
		--header "Subject: $SUBJ" --header "From:" --body "$BODY1" || true
	replied 550
}
it_check "no From: refused" case_no_from

case_two_from() {
	it_swaks --local-interface 127.0.0.1 --from "sender@$DOMAIN" \
		--header "Subject: $SUBJ" --header "From: A <a@$DOMAIN>" \
		--add-header "From: $DNAME <b@$DOMAIN>" --body "$BODY1" || true
	replied 550
}
it_check "two From: refused" case_two_from

case_bad_from() {
	swaks_from 127.0.0.1 "From: \"$DNAME\" <<broken@@$DOMAIN"
	replied 550
}
it_check "unparsable From: refused" case_bad_from

# wait_log N REGEX - wait up to 10 s for more than N matching log lines
wait_log() {
	local i
	for i in $(seq 100); do
		[ "$(grep -cE "$2" "$IT_MILTER_LOG" || true)" -le "$1" ] || return 0
		sleep 0.1
	done
	echo "no new log line matching: $2"
	return 1
}

# reload_with KEYDIR [EXTRA] - install a policy, reload, wait for the verdict
reload_with() {
	local n
	n=$(grep -cE 'reloaded|reload refused' "$IT_MILTER_LOG" || true)
	write_policy "$@"
	it_milter_reload
	wait_log "$n" 'reloaded|reload refused'
}

case_reload_good() {
	reload_with "$IT_TMP/keys"
	tail -n 1 "$IT_MILTER_LOG" | grep -q reloaded
}
it_check "a good reload" case_reload_good

# Damaged keys: base64 changed in its first line (the DER structure:
# OpenSSL cannot decode it) and in its third (bytes 96 to 143, inside
# the modulus: it decodes, but its signatures do not verify).
damage() {
	cp -a "$IT_TMP/keys" "$IT_TMP/$1"
	awk -v n="$2" 'NR == n { gsub(/[A-M]/, "Q") } { print }' "$IT_TMP/keys/rsa.key" \
		>"$IT_TMP/$1/rsa.key"
	chown nobody "$IT_TMP/$1/rsa.key"
	chmod 600 "$IT_TMP/$1/rsa.key"
}
damage keys-broken 2
damage keys-damaged 4

case_reload_broken_key() {
	reload_with "$IT_TMP/keys-broken" || return 1
	grep -q "keys-broken/rsa.key holds no PEM private key" "$IT_MILTER_LOG" ||
		{ tail -n 3 "$IT_MILTER_LOG"; return 1; }
}
it_check "reload with an undecodable key: refused" case_reload_broken_key

case_reload_damaged_key() {
	reload_with "$IT_TMP/keys-damaged" || return 1
	grep -q "keys-damaged/rsa.key holds a damaged private key" "$IT_MILTER_LOG" ||
		{ tail -n 3 "$IT_MILTER_LOG"; return 1; }
}
it_check "reload with a damaged key that decodes: refused" case_reload_damaged_key

cp -a "$IT_TMP/keys" "$IT_TMP/keys-open"
chmod 644 "$IT_TMP/keys-open/ed.key"

case_reload_open_key() {
	reload_with "$IT_TMP/keys-open" || return 1
	grep -q "keys-open/ed.key has mode 0644" "$IT_MILTER_LOG"
}
it_check "reload with a key others may read: refused" case_reload_open_key

case_reload_bad_setting() {
	reload_with "$IT_TMP/keys" "unknown_setting: $SUBJ" || return 1
	grep -q 'unknown key "unknown_setting"' "$IT_MILTER_LOG"
}
it_check "reload with an unknown setting: refused" case_reload_bad_setting

case_still_signs() {
	it_sink_reset
	swaks_from 127.0.0.1 "From: Sender <sender@$DOMAIN>"
	replied 250 || return 1
	it_wait_delivered 1 30
}
it_check "still signs after the refused reloads" case_still_signs

case_counted() {
	grep -q 'counters: recording into' "$IT_MILTER_LOG"
}
it_check "counting into SQLite" case_counted

it_check "stops on SIGTERM" it_milter_stop

# Patterns that must not appear: key material, then message content.
PATTERNS=$IT_TMP/patterns
"$PYTHON" - "$IT_TMP/keys/rsa.key" "$IT_TMP/keys/ed.key" \
	"$IT_TMP/keys-broken/rsa.key" "$IT_TMP/keys-damaged/rsa.key" >"$PATTERNS" <<'EOF'
import base64, binascii, sys
out = set()
for path in sys.argv[1:]:
    lines = open(path).read().split("\n")
    body = [l.strip() for l in lines if l.strip() and not l.startswith("-----")]
    out.update(l for l in body if len(l) >= 16)
    b64 = "".join(body)
    for i in range(len(b64) - 15):
        out.add(b64[i:i + 16])
    try:
        der = base64.b64decode(b64)
    except binascii.Error:
        continue
    h = der.hex()
    for i in range(0, len(h) - 15, 2):
        out.add(h[i:i + 16])
        out.add(h[i:i + 16].upper())
print("BEGIN PRIVATE KEY")
for p in sorted(out):
    print(p)
EOF
printf '%s\n' "$BODY1" "$BODY2" "$SUBJ" "$HVAL" "$DNAME" >>"$PATTERNS"

# hits FILE - the lines of FILE that hold a pattern
hits() {
	grep -F -f "$PATTERNS" "$1" || true
}

case_control() {
	local c=$IT_TMP/control.log
	cp "$IT_MILTER_LOG" "$c"
	sed -n 10p "$IT_TMP/keys/rsa.key" | cut -c 20-40 >>"$c"
	[ "$(hits "$c" | wc -l)" -ge 1 ] || { echo "a planted key window was not found"; return 1; }
	cp "$IT_MILTER_LOG" "$c"
	echo "log line with $SUBJ inside" >>"$c"
	[ "$(hits "$c" | wc -l)" -ge 1 ] || { echo "a planted marker was not found"; return 1; }
}
it_check "control: the search finds planted key bytes and markers" case_control

case_no_leak() {
	local n
	[ "$(wc -l <"$IT_MILTER_LOG")" -gt 30 ] ||
		{ echo "the log has only $(wc -l <"$IT_MILTER_LOG") lines"; return 1; }
	n=$(hits "$IT_MILTER_LOG" | wc -l)
	echo "$(wc -l <"$PATTERNS") patterns, $(wc -l <"$IT_MILTER_LOG") log lines, $n hits"
	[ "$n" = 0 ] || { hits "$IT_MILTER_LOG" | head -n 5; return 1; }
}
it_check "no key material, body, Subject or header value in the log" case_no_leak
it_log "$(cat "$IT_TMP/check.out")"

it_summary
