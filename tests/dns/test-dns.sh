#!/bin/bash
# NAME
#	test-dns.sh - signet's resolver (dns/dns.c) against a real Knot DNS
# DESCRIPTION
#	Starts the private Knot server of tests/dns/knot.sh with a test
#	zone, and checks through tests/tools/dnsq: A, AAAA, MX, PTR, TXT
#	split over several strings, NXDOMAIN, NODATA, a name no server
#	serves (TEMPFAIL), a record changed while the resolver runs, 32
#	threads sharing one resolver, and the time bound: a dead server
#	and a stopped one give TEMPFAIL within the timeout.
#	Prints "N passed, N failed"; exit 77 when Knot is not installed.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=.}"
DNSQ=$top_builddir/tests/tools/dnsq
[ -x "$DNSQ" ] || { echo "FATAL: $DNSQ missing: run make check" >&2; exit 99; }
. "$here/knot.sh"

passed=0 failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-dns.XXXXXX")
trap 'dns_stop; rm -rf "$tmp"' EXIT

# expect NAME WANT CMD... - CMD's output must equal WANT
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1)); echo "PASS: $name"
	else
		failed=$((failed + 1)); echo "FAIL: $name"
		printf '  want: %s\n  got:  %s\n' "$want" "$got"
	fi
}

# within NAME MS CMD... - CMD must finish within MS milliseconds
within() {
	local name=$1 limit=$2 t0 t1
	shift 2
	t0=$(date +%s%N)
	"$@" >"$tmp/out" 2>&1
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	if [ "$ms" -le "$limit" ]; then
		passed=$((passed + 1)); echo "PASS: $name ($ms ms)"
	else
		failed=$((failed + 1)); echo "FAIL: $name: took $ms ms, limit $limit"
	fi
}

mkdir "$tmp/zones"
long=$(printf 'x%.0s' $(seq 255))
dns_zone "$tmp/zones" example.com \
	'www A 192.0.2.1' 'www AAAA 2001:db8::1' \
	'@ MX 10 mx1.example.com.' '@ MX 20 mx2.example.com.' \
	"split TXT \"v=DKIM1; k=rsa; \" \"p=AB\" \"CD\"" \
	"long TXT \"$long\" \"tail\"" \
	'alias CNAME www.example.com.'
dns_zone "$tmp/zones" 2.0.192.in-addr.arpa '1 PTR www.example.com.'
dns_start "$tmp/zones" || { echo "FATAL: cannot start Knot" >&2; exit 99; }
q() { "$DNSQ" -s "$DNS_SERVER" -t 3000 "$@"; }

expect "A" "www.example.com 1 ok ttl=1
  192.0.2.1" q a www.example.com
expect "AAAA" "www.example.com 28 ok ttl=1
  2001:db8::1" q aaaa www.example.com
expect "MX, two records" "example.com 15 ok ttl=1
  10 mx1.example.com
  20 mx2.example.com" sh -c "\"$DNSQ\" -s $DNS_SERVER mx example.com | { read -r l; echo \"\$l\"; sort; }"
expect "PTR of 192.0.2.1" "192.0.2.1 12 ok ttl=1
  www.example.com" q ptr 192.0.2.1
expect "TXT in three strings, concatenated" 'split.example.com 16 ok ttl=1
  "v=DKIM1; k=rsa; p=ABCD" strings=3 16,4,2' q txt split.example.com
expect "TXT with a 255-octet string" "long.example.com 16 ok ttl=1
  \"${long}tail\" strings=2 255,4" q txt long.example.com
expect "CNAME followed" "alias.example.com 1 ok ttl=1
  192.0.2.1" q a alias.example.com
expect "NXDOMAIN" "nope.example.com 16 nxdomain ttl=1" q txt nope.example.com
expect "NODATA" "www.example.com 16 nodata ttl=1" q txt www.example.com
expect "PTR of a bad address" "300.1.1.1 12 permfail ttl=0 not an IPv4 or IPv6 address" \
	q ptr 300.1.1.1
expect "name no server serves: tempfail" \
	"www.example.org 1 tempfail ttl=0 server failure (SERVFAIL) asking $DNS_SERVER; is it running and does it serve this name?" \
	q a www.example.org
expect "nameserver that is no address" \
	'dnsq: DNS nameserver "ns.example.com" is not an IP address; write IP or IP@PORT, e.g. 127.0.0.1 or 127.0.0.1@53' \
	"$DNSQ" -s ns.example.com a www.example.com

dns_set_record new.example.com TXT '"v=spf1 -all"'
expect "record added live" 'new.example.com 16 ok ttl=1
  "v=spf1 -all" strings=1 11' q txt new.example.com
dns_del_record new.example.com TXT
expect "record removed live" "new.example.com 16 nxdomain ttl=1" q txt new.example.com

expect "32 threads, one resolver" "threads: 9600 lookups, 0 mismatches" \
	sh -c "\"$DNSQ\" -s $DNS_SERVER -T 32 -r 100 txt split.example.com nope.example.com www.example.com | sed 's/, [0-9]* ms//'"

# A port where nothing answers: the timeout bounds the lookup.
dead=$(dns_free_port)
within "dead server: bounded by the 1000 ms timeout" 1400 \
	"$DNSQ" -s "127.0.0.1@$dead" -t 1000 txt split.example.com
expect "dead server: tempfail" \
	"split.example.com 16 tempfail ttl=0 timed out after 1000 ms asking 127.0.0.1@$dead" \
	cat "$tmp/out"
server=$DNS_SERVER
dns_stop
within "stopped server: bounded by the 800 ms timeout" 1200 \
	"$DNSQ" -s "$server" -t 800 a www.example.com
expect "stopped server: tempfail" \
	"www.example.com 1 tempfail ttl=0 timed out after 800 ms asking $server" \
	cat "$tmp/out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
