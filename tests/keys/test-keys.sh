#!/bin/bash
# NAME
#	test-keys.sh - signet keys generate, list, dns, check, rotate,
#	activate against a real Knot DNS serving test zones
# DESCRIPTION
#	Starts the private Knot server of tests/dns/knot.sh and, with a
#	policy pointing signet at it, checks:
#	- generate: key files 0600, state files, the p= value against the
#	  openssl command's own encoding (RSA SubjectPublicKeyInfo; Ed25519
#	  the last 32 bytes of it), TXT strings of at most 255 octets;
#	- check: verdict and exit status for a right key (as printed, and
#	  split into many strings), a missing record, a wrong key, a revoked
#	  key (empty p=), t=y, an Ed25519 key published as a
#	  SubjectPublicKeyInfo, a v= that is not first, h=sha1, two
#	  records, an RSA-1024 key, a dead nameserver; --format json;
#	- rotate, activate and dns: pending until the record is published,
#	  then active, the old key retiring, then retired for removal.
#	Prints "N passed, N failed"; exit 77 without Knot.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u
here=$(cd "$(dirname "$0")" && pwd)
command -v openssl >/dev/null || { echo "FATAL: openssl missing: install the Debian package openssl" >&2; exit 99; }
. "$here/common.sh"
keys_test_init keys

# expect_run NAME RC PATTERN CMD... - exit status RC, output matches PATTERN
expect_run() {
	local name=$1 want=$2 pat=$3
	shift 3
	run "$@"
	if [ "$rc" != "$want" ]; then
		fail "$name" "exit $rc, want $want; output: $out"
	elif ! printf '%s\n' "$out" | grep -Eq -- "$pat"; then
		fail "$name" "output does not match /$pat/: $out"
	else
		pass "$name"
	fi
}

# rdata FILE SELECTOR - the TXT strings of SELECTOR's zone line in FILE
rdata() {
	grep "^$2\._domainkey\." "$1" | sed 's/^[^"]*//'
}

# value FILE - the plain value printed after "; value: "
value() {
	sed -n 's/^; value: //p' "$1" | head -n 1
}

mkdir "$tmp/zones"
dns_zone "$tmp/zones" example.com
dns_start "$tmp/zones" || { echo "FATAL: cannot start Knot" >&2; exit 99; }

export SIGNET_CONFIG=$tmp/signet.yaml
cat >"$SIGNET_CONFIG" <<EOF
dns: {nameserver: "$DNS_SERVER", timeout: 2s}
keys: {directory: $tmp/keys, overlap: 7d}
EOF
K=$tmp/keys

# --- generate
expect_run "generate RSA" 0 '^s1\._domainkey\.right\.example\.com\. IN TXT "v=DKIM1; k=rsa; p=' \
	keys generate right.example.com --selector s1
printf '%s\n' "$out" >"$tmp/right.out"
mode=$(stat -c %a "$K/right.example.com/s1.key")
[ "$mode" = 600 ] && pass "key file mode 600" || fail "key file mode 600" "mode $mode"
grep -q '^state=active$' "$K/right.example.com/s1.state" &&
	pass "first key is active" || fail "first key is active" "$(cat "$K/right.example.com/s1.state")"
want=$(openssl pkey -in "$K/right.example.com/s1.key" -pubout -outform DER | base64 -w0)
[ "$(value "$tmp/right.out")" = "v=DKIM1; k=rsa; p=$want" ] &&
	pass "RSA p= is the SubjectPublicKeyInfo" || fail "RSA p= is the SubjectPublicKeyInfo" "$(value "$tmp/right.out")"
long=$(rdata "$tmp/right.out" s1 | grep -o '"[^"]*"' | awk '{ if (length($0) - 2 > 255) print }')
n=$(rdata "$tmp/right.out" s1 | grep -o '"[^"]*"' | wc -l)
[ -z "$long" ] && [ "$n" -ge 2 ] && pass "TXT split into $n strings of at most 255 octets" ||
	fail "TXT split" "$n strings, too long: $long"

expect_run "generate Ed25519" 0 'k=ed25519; p=' keys generate ed.example.com --selector e1 --algorithm ed25519
printf '%s\n' "$out" >"$tmp/ed.out"
want=$(openssl pkey -in "$K/ed.example.com/e1.key" -pubout -outform DER | tail -c 32 | base64 -w0)
[ "$(value "$tmp/ed.out")" = "v=DKIM1; k=ed25519; p=$want" ] &&
	pass "Ed25519 p= is the raw 32-byte key" || fail "Ed25519 p= is the raw 32-byte key" "$(value "$tmp/ed.out")"
expect_run "an existing selector is never overwritten" 1 'File exists' \
	keys generate right.example.com --selector s1
expect_run "unknown algorithm" 2 'unknown algorithm "dsa"' keys generate x.example.com --algorithm dsa
expect_run "date-based selector" 0 '^s[0-9]{8}e\._domainkey\.dated\.example\.com\.' \
	keys generate dated.example.com --algorithm ed25519

# --- check: right, split, missing, wrong, revoked, testing, SPKI, syntax
dns_set_record s1._domainkey.right.example.com TXT "$(rdata "$tmp/right.out" s1)"
expect_run "check: right key" 0 '^right\.example\.com s1 \(active\): OK: published, matches the private key; rsa, 2048 bits$' \
	keys check right.example.com
dns_set_record e1._domainkey.ed.example.com TXT "$(rdata "$tmp/ed.out" e1)"
expect_run "check: right Ed25519 key" 0 'e1 \(active\): OK: published, matches the private key; ed25519, 256 bits' \
	keys check ed.example.com

"$SIGNET" keys generate split.example.com --selector s1 >"$tmp/split.out" 2>&1
v=$(value "$tmp/split.out")
dns_set_record s1._domainkey.split.example.com TXT "\"${v:0:10}\" \"${v:10:7}\" \"${v:17:100}\" \"${v:117}\""
expect_run "check: key split over 4 strings" 0 'split\.example\.com s1 \(active\): OK: published, matches' \
	keys check split.example.com

"$SIGNET" keys generate missing.example.com --selector s1 >/dev/null 2>&1
expect_run "check: missing record is critical" 2 'missing\.example\.com s1 \(active\): CRITICAL: no key record \(the name does not exist\) \(publish the record' \
	keys check missing.example.com

"$SIGNET" keys generate wrong.example.com --selector s1 >/dev/null 2>&1
dns_set_record s1._domainkey.wrong.example.com TXT "$(rdata "$tmp/right.out" s1)"
expect_run "check: wrong key is critical" 2 'wrong\.example\.com s1 \(active\): CRITICAL: the published key does not match the private key' \
	keys check wrong.example.com

"$SIGNET" keys generate revoked.example.com --selector s1 >/dev/null 2>&1
dns_set_record s1._domainkey.revoked.example.com TXT '"v=DKIM1; k=rsa; p="'
expect_run "check: revoked key is critical" 2 'revoked\.example\.com s1 \(active\): CRITICAL: the key is revoked \(empty p=\)' \
	keys check revoked.example.com

"$SIGNET" keys generate testing.example.com --selector s1 --testing >"$tmp/testing.out" 2>&1
grep -q '^; value: v=DKIM1; k=rsa; t=y; p=' "$tmp/testing.out" && pass "generate --testing adds t=y" ||
	fail "generate --testing adds t=y" "$(cat "$tmp/testing.out")"
dns_set_record s1._domainkey.testing.example.com TXT "$(rdata "$tmp/testing.out" s1)"
expect_run "check: t=y is a warning" 1 'testing\.example\.com s1 \(active\): WARNING: testing mode \(t=y\)' \
	keys check testing.example.com

"$SIGNET" keys generate spki.example.com --selector e1 --algorithm ed25519 >/dev/null 2>&1
spki=$(openssl pkey -in "$K/spki.example.com/e1.key" -pubout -outform DER | base64 -w0)
dns_set_record e1._domainkey.spki.example.com TXT "\"v=DKIM1; k=ed25519; p=$spki\""
expect_run "check: Ed25519 as SubjectPublicKeyInfo is critical" 2 'CRITICAL: p= holds an Ed25519 SubjectPublicKeyInfo' \
	keys check spki.example.com

"$SIGNET" keys generate syntax.example.com --selector s1 >"$tmp/syntax.out" 2>&1
p=$(value "$tmp/syntax.out" | sed 's/.*p=//')
dns_set_record s1._domainkey.syntax.example.com TXT "\"k=rsa; v=DKIM1; p=$p\""
expect_run "check: v= not first is critical" 2 'CRITICAL: v= must be the first tag' keys check syntax.example.com
dns_set_record s1._domainkey.syntax.example.com TXT "\"v=DKIM1; h=sha1; p=$p\""
expect_run "check: h=sha1 is critical" 2 'CRITICAL: h=sha1 excludes sha256' keys check syntax.example.com
dns_set_record s1._domainkey.syntax.example.com TXT "\"v=DKIM1; p=$p; p=$p\""
expect_run "check: a tag twice is critical" 2 'tag "p" is given twice' keys check syntax.example.com
dns_set_record s1._domainkey.syntax.example.com TXT "\"v=DKIM1; p=$p\""
dns_add_record s1._domainkey.syntax.example.com TXT "\"v=DKIM1; p=\""
expect_run "check: two records is critical" 2 'CRITICAL: 2 TXT records' keys check syntax.example.com

mkdir -p "$K/small.example.com"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K/small.example.com/s1.key" 2>/dev/null
chmod 600 "$K/small.example.com/s1.key"
small=$(openssl pkey -in "$K/small.example.com/s1.key" -pubout -outform DER | base64 -w0)
dns_set_record s1._domainkey.small.example.com TXT "\"v=DKIM1; p=$small\""
expect_run "check: RSA-1024 is a warning" 1 'small\.example\.com s1 \(active\): WARNING: RSA key of 1024 bits' \
	keys check small.example.com

run keys check --format json right.example.com
if [ "$rc" = 0 ] && printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["severity"] == "ok", d
f = d["findings"][0]
assert f["subject"] == "s1._domainkey.right.example.com" and f["severity"] == "ok", f
'; then pass "check --format json"; else fail "check --format json" "$out"; fi

expect_run "check: every key, worst is critical" 2 'right\.example\.com s1 \(active\): OK' keys check

dead=$(dns_free_port)
t0=$(date +%s%N)
expect_run "check: dead nameserver is critical" 2 'CRITICAL: DNS lookup failed: timed out after 2000 ms' \
	keys check --nameserver "127.0.0.1@$dead" right.example.com
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 3500 ] && pass "dead nameserver bounded ($ms ms)" || fail "dead nameserver bounded" "$ms ms"

# --- list
expect_run "list" 0 '^right\.example\.com +s1 +rsa-sha256 +2048 +[0-9T:-]+Z +active$' keys list right.example.com
expect_run "list --check" 0 'right\.example\.com +s1 .* active +OK: published' keys list --check right.example.com

# --- rotate, activate, dns
expect_run "rotate makes a pending key" 0 '^; right\.example\.com selector s2: rsa-2048, pending' \
	keys rotate right.example.com --selector s2
printf '%s\n' "$out" >"$tmp/rot.out"
grep -q '^state=pending$' "$K/right.example.com/s2.state" && pass "s2 state file says pending" ||
	fail "s2 state file says pending" "$(cat "$K/right.example.com/s2.state")"
expect_run "rotate refuses a second rotation" 1 'already has the pending rsa-sha256 key s2' \
	keys rotate right.example.com
expect_run "check: unpublished pending key is a warning" 1 's2 \(pending\): WARNING: no key record' \
	keys check right.example.com
expect_run "activate refuses an unpublished key" 1 's2: not activated: no key record' \
	keys activate right.example.com
grep -q '^state=active$' "$K/right.example.com/s1.state" && pass "s1 still active" || fail "s1 still active" "state changed"
dns_set_record s2._domainkey.right.example.com TXT "$(rdata "$tmp/rot.out" s2)"
expect_run "activate once published" 0 's1: retiring; keep its record published until' keys activate right.example.com
grep -q '^state=active$' "$K/right.example.com/s2.state" && grep -q '^state=retiring$' "$K/right.example.com/s1.state" &&
	pass "states: s2 active, s1 retiring" || fail "states after activate" "$(cat "$K"/right.example.com/*.state)"
expect_run "dns: retiring key kept, with a date" 0 '; keep until [0-9T:-]+Z, then remove it' keys dns right.example.com
sed -i 's/overlap: 7d/overlap: 0/' "$SIGNET_CONFIG"
expect_run "dns: past the overlap, the old record may be removed" 0 '^; remove: s1\._domainkey\.right\.example\.com\. TXT' \
	keys dns right.example.com
expect_run "activate retires it for good" 0 's1: retired; remove its record' keys activate right.example.com
grep -q '^state=retired$' "$K/right.example.com/s1.state" && pass "s1 state file says retired" ||
	fail "s1 state file says retired" "$(cat "$K/right.example.com/s1.state")"
dns_del_record s1._domainkey.right.example.com TXT
expect_run "check: retired key not required in DNS" 0 's1 \(retired\): OK: retired' keys check right.example.com

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
