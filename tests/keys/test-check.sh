#!/bin/bash
# NAME
#	test-check.sh - signet check DOMAIN [--blocklists] against a real
#	Knot DNS serving test zones
# DESCRIPTION
#	Starts the private Knot server of tests/dns/knot.sh with one zone
#	per case and a policy with egress addresses, a third-party sender,
#	a DKIM key and two blocklist zones, and checks the verdict lines
#	and the exit status of signet check for:
#	- a domain where all is right (exit 0, also --format json);
#	- SPF: no record, two records, a syntax error, 11 (critical) and
#	  10 (warning) DNS-querying terms through includes, +all, ?all, 3
#	  void lookups, an include without a record, egress addresses the
#	  record does not pass;
#	- DMARC: no p and an unknown tag and a bad adkim, p=none and pct,
#	  v not first, a report address in another domain without and with
#	  its authorisation record, no record at all, a subdomain without
#	  a record of its own;
#	- --blocklists: one egress address listed (with its TXT reason),
#	  another not, a zone that lists no test entry.
#	Prints "N passed, N failed"; exit 77 when not root or without Knot.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (Knot runs as root here)"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
keys_test_init check

# has NAME PATTERN - the last output has a line matching PATTERN
has() {
	if printf '%s\n' "$out" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1" "no line matches /$2/ in: $out"
	fi
}

# hasnt NAME PATTERN - no line of the last output matches PATTERN
hasnt() {
	if printf '%s\n' "$out" | grep -Eq -- "$2"; then
		fail "$1" "a line matches /$2/: $out"
	else
		pass "$1"
	fi
}

# check NAME RC DOMAIN [OPTION...] - signet check, exit status RC
check() {
	local name=$1 want=$2
	shift 2
	run check "$@"
	[ "$rc" = "$want" ] && pass "$name: exit $want" ||
		fail "$name: exit $want" "exit $rc; output: $out"
}

# mkzone ZONE [LINE...] - a zone with a right SPF and DMARC record unless
# LINE gives one of its own (or is NOSPF, NODMARC: none)
mkzone() {
	local z=$1 spf=1 dmarc=1 l
	shift
	for l in "$@"; do
		case $l in
		'@ TXT "v=spf1'*|NOSPF) spf=0 ;;
		_dmarc*|NODMARC) dmarc=0 ;;
		esac
	done
	{
		[ $spf = 0 ] || echo '@ TXT "v=spf1 ip4:192.0.2.0/24 -all"'
		[ $dmarc = 0 ] || echo "_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@$z\""
		for l in "$@"; do
			case $l in NOSPF|NODMARC) ;; *) printf '%s\n' "$l" ;; esac
		done
	} | dns_zone "$tmp/zones" "$z" -
}

mkdir "$tmp/zones"
mkzone good.example '@ TXT "v=spf1 ip4:192.0.2.16/28 include:_spf.provider.example -all"'
dns_zone "$tmp/zones" provider.example \
	'_spf TXT "v=spf1 ip4:198.51.100.0/24 -all"' \
	'authok.example._report._dmarc.reports TXT "v=DMARC1"'
mkzone nospf.example NOSPF
mkzone twospf.example '@ TXT "v=spf1 ip4:192.0.2.0/24 -all"' '@ TXT "v=spf1 ip4:192.0.2.0/24 ~all"'
mkzone syntax.example '@ TXT "v=spf1 ip4:192.0.2.300 -all"'
mkzone over.example \
	'@ TXT "v=spf1 ip4:192.0.2.0/24 include:_a.over.example include:_b.over.example -all"' \
	'_a TXT "v=spf1 a:over.example mx:over.example a:h1.over.example a:h2.over.example -all"' \
	'_b TXT "v=spf1 a:h3.over.example a:h4.over.example a:h5.over.example mx:over.example exists:h1.over.example -all"' \
	'@ A 192.0.2.1' '@ MX 10 h1.over.example.' 'h1 A 192.0.2.1' 'h2 A 192.0.2.2' \
	'h3 A 192.0.2.3' 'h4 A 192.0.2.4' 'h5 A 192.0.2.5'
mkzone ten.example \
	'@ TXT "v=spf1 ip4:192.0.2.0/24 include:_a.over.example include:_b.ten.example -all"' \
	'_b TXT "v=spf1 a:h3.over.example a:h4.over.example a:h5.over.example mx:over.example -all"'
mkzone allpass.example '@ TXT "v=spf1 ip4:192.0.2.0/24 +all"'
mkzone neutral.example '@ TXT "v=spf1 ip4:192.0.2.0/24 ?all"'
mkzone voids.example \
	'@ TXT "v=spf1 ip4:192.0.2.0/24 a:gone1.voids.example a:gone2.voids.example mx:gone3.voids.example -all"'
mkzone noinclude.example '@ TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.noinclude.example -all"'
mkzone noegress.example '@ TXT "v=spf1 ip4:203.0.113.0/24 -all"'
mkzone dmarcbad.example '_dmarc TXT "v=DMARC1; adkim=x; foo=bar; rua=mailto:d@dmarcbad.example"'
mkzone pnone.example '_dmarc TXT "v=DMARC1; p=none; pct=50; rua=mailto:d@pnone.example"'
mkzone vlast.example '_dmarc TXT "p=reject; v=DMARC1"'
mkzone nodmarc.example NODMARC
mkzone extrua.example '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@reports.provider.example"'
mkzone authok.example '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@reports.provider.example"'
dns_zone "$tmp/zones" bl.example \
	'2.0.0.127 A 127.0.0.2' '25.2.0.192 A 127.0.0.2' \
	'25.2.0.192 TXT "listed for testing: see https://bl.example/192.0.2.25"'
dns_zone "$tmp/zones" dead.example
dns_start "$tmp/zones" || { echo "FATAL: cannot start Knot" >&2; exit 99; }

export SIGNET_CONFIG=$tmp/signet.yaml
K=$tmp/keys
printf 'dns: {nameserver: "%s", timeout: 2s}\nkeys: {directory: %s}\n' \
	"$DNS_SERVER" "$K" >"$SIGNET_CONFIG"
"$SIGNET" keys generate good.example --selector s1 --algorithm ed25519 >"$tmp/key.out" 2>&1 ||
	{ echo "FATAL: keys generate: $(cat "$tmp/key.out")" >&2; exit 99; }
dns_set_record s1._domainkey.good.example TXT "$(grep '^s1\._domainkey\.' "$tmp/key.out" | sed 's/^[^"]*//')"
cat >"$SIGNET_CONFIG" <<EOF
dns: {nameserver: "$DNS_SERVER", timeout: 2s}
keys: {directory: $K}
egress: [192.0.2.25, 192.0.2.26]
check:
  blocklists: [bl.example, dead.example]
domains:
  good.example:
    selectors:
      - {name: s1, algorithm: ed25519-sha256, key: $K/good.example/s1.key}
    senders:
      crm: {networks: [198.51.100.7/32]}
      office: {networks: [10.1.0.0/16]}
EOF
"$SIGNET" config check >"$tmp/cc.out" 2>&1 ||
	{ echo "FATAL: the test policy does not load: $(cat "$tmp/cc.out")" >&2; exit 99; }

# --- a domain where all is right
check "good domain" 0 good.example
has "good: one SPF record" '^OK +spf +good\.example: one SPF record, valid syntax'
has "good: lookups counted" '^OK +spf +good\.example: 1 DNS-querying term of at most 10 .*per record: good\.example 1, _spf\.provider\.example 0'
has "good: egress passes" '^OK +spf +192\.0\.2\.25: egress address passes SPF for good\.example'
has "good: sender passes through the include" '^OK +spf +198\.51\.100\.7: sender crm of good\.example passes SPF'
hasnt "good: private sender network not checked" '10\.1\.0\.0'
has "good: DKIM as keys check" '^OK +dkim +s1\._domainkey\.good\.example: published, matches the private key'
has "good: p=reject" '^OK +dmarc +_dmarc\.good\.example: p=reject'
has "good: summary" '^good\.example: OK: 0 critical, 0 warnings'
run check good.example --format json
if [ "$rc" = 0 ] && printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["domain"] == "good.example" and d["severity"] == "ok", d
assert list(d["findings"][0]) == ["severity", "area", "subject", "text", "fix"], d
assert {f["area"] for f in d["findings"]} == {"spf", "dkim", "dmarc"}, d
assert all(f["severity"] == "ok" for f in d["findings"]), d
'; then pass "good: --format json"; else fail "good: --format json" "$out"; fi

# --- SPF
check "no SPF record" 2 nospf.example
has "no SPF: critical with a record to publish" '^CRITICAL spf +nospf\.example: no SPF record'
has "no SPF: the fix names the egress" 'fix: publish TXT nospf\.example "v=spf1 ip4:192\.0\.2\.25 ip4:192\.0\.2\.26 -all"'
check "two SPF records" 2 twospf.example
has "two SPF records: permerror" '^CRITICAL spf +twospf\.example: several TXT records start with v=spf1'
check "SPF syntax error" 2 syntax.example
has "SPF syntax error: names the term" '^CRITICAL spf +syntax\.example: syntax error: term 1 "ip4:192\.0\.2\.300": "192\.0\.2\.300" is not an IPv4 address'
check "11 lookups" 2 over.example
has "11 lookups: critical" '^CRITICAL spf +over\.example: 11 DNS-querying terms of at most 10 .*over\.example 2, _a\.over\.example 4, _b\.over\.example 5\): receivers get permerror'
check "10 lookups" 1 ten.example
has "10 lookups: warning" '^WARNING +spf +ten\.example: 10 DNS-querying terms of at most 10'
check "+all" 2 allpass.example
has "+all: critical" '^CRITICAL spf +allpass\.example: "\+all": every address on the Internet passes'
check "?all" 1 neutral.example
has "?all: warning" '^WARNING +spf +neutral\.example: "\?all"'
check "void lookups" 2 voids.example
has "void lookups: 3 is critical" '^CRITICAL spf +voids\.example: 3 void lookups \(a:gone1\.voids\.example, a:gone2\.voids\.example, mx:gone3\.voids\.example\), more than 2'
check "include without a record" 2 noinclude.example
has "include without a record: permerror" '^CRITICAL spf +_spf\.noinclude\.example: "include:_spf\.noinclude\.example" in the record of noinclude\.example: it has no SPF record'
check "egress not in SPF" 2 noegress.example
has "egress not in SPF: critical" '^CRITICAL spf +192\.0\.2\.25: egress address does not pass SPF for noegress\.example: SPF fail'
has "egress not in SPF: the fix" 'fix: add ip4:192\.0\.2\.25 to the SPF record of noegress\.example'

# --- DMARC
check "DMARC: no p, bad tags" 2 dmarcbad.example
has "DMARC: no p is critical" '^CRITICAL dmarc +_dmarc\.dmarcbad\.example: no p tag'
has "DMARC: unknown tag" '^WARNING +dmarc +_dmarc\.dmarcbad\.example: unknown tag "foo=bar"'
has "DMARC: bad adkim" '^WARNING +dmarc +_dmarc\.dmarcbad\.example: adkim=x is not valid'
check "DMARC: p=none" 1 pnone.example
has "DMARC: p=none gives the next step" '^WARNING +dmarc +_dmarc\.pnone\.example: p=none'
has "DMARC: p=none fix" 'fix: once the aggregate reports .* publish p=quarantine'
has "DMARC: pct is legacy" '^WARNING +dmarc +_dmarc\.pnone\.example: pct=50 is legacy: RFC 9989 replaced it by t'
check "DMARC: v not first" 2 vlast.example
has "DMARC: v not first is critical" '^CRITICAL dmarc +_dmarc\.vlast\.example: the record does not start with v=DMARC1'
check "DMARC: no record" 2 nodmarc.example
has "DMARC: no record is critical" '^CRITICAL dmarc +_dmarc\.nodmarc\.example: no DMARC record'
check "DMARC: external rua without authorisation" 1 extrua.example
has "DMARC: missing authorisation record" '^WARNING +dmarc +_dmarc\.extrua\.example: dmarc@reports\.provider\.example is in another domain, which does not authorise reports for extrua\.example \(no v=DMARC1 record at extrua\.example\._report\._dmarc\.reports\.provider\.example\)'
check "DMARC: external rua with authorisation" 0 authok.example
has "DMARC: authorisation record present" '^OK +dmarc +_dmarc\.authok\.example: dmarc@reports\.provider\.example is in another domain and authorised'
hasnt "DMARC: authorised rua is no warning" '^WARNING +dmarc'

run check sub.good.example
has "DMARC: a subdomain falls back to its organisational domain" '^INFO +dmarc +_dmarc\.sub\.good\.example: no record of its own: the record of its organisational domain good\.example applies'
has "DMARC: the organisational record is checked" '^OK +dmarc +_dmarc\.good\.example: p=reject'

# --- blocklists
check "blocklists" 2 --blocklists
has "blocklists: listed, with the reason" '^CRITICAL blocklist +192\.0\.2\.25: egress: listed in bl\.example \(127\.0\.0\.2\): "listed for testing'
has "blocklists: not listed" '^OK +blocklist +192\.0\.2\.26: egress: not listed in bl\.example'
has "blocklists: the relay too" '^OK +blocklist +198\.51\.100\.7: relay crm of good\.example: not listed in bl\.example'
has "blocklists: a dead zone is a warning" '^WARNING +blocklist +dead\.example: dead\.example does not list its test entry 127\.0\.0\.2'
hasnt "blocklists: a dead zone says nothing of addresses" 'not listed in dead\.example'
run check good.example --blocklists --format json
if [ "$rc" = 2 ] && printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
bl = [f for f in d["findings"] if f["area"] == "blocklist" and f["severity"] == "critical"]
assert d["severity"] == "critical" and len(bl) == 1 and bl[0]["subject"] == "192.0.2.25", d
'; then pass "blocklists: --format json"; else fail "blocklists: --format json" "$out"; fi

# --- usage
check "no domain" 3
check "not a domain" 3 'bad..name'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
