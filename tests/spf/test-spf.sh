#!/bin/bash
# NAME
#	test-spf.sh - SPF evaluation (policy/spf.c) against a real
#	authoritative server, and spf: pass senders through a real Postfix
# SYNOPSIS
#	tests/spf/test-spf.sh
# DESCRIPTION
#	Serves the zones spf.example and 2.0.192.in-addr.arpa from the private
#	Knot DNS of tests/dns/knot.sh, then:
#
#	1. Through tests/tools/spfq, one case per line of a table: ip4,
#	ip6, a (with a CIDR), mx, ptr, include, redirect, exists with the
#	%{i}, %{ir}, %{v} and %{d} macros, -all, ~all, ?all, no record,
#	void lookups (2 allowed, 3 a permerror), the 10-term limit across
#	includes (10 pass, 11 a permerror), syntax errors, two records,
#	include loops, a SERVFAIL (temperror), loopback clients (no free
#	pass); the cache (a repeat makes no query; the TTL is the least
#	of the answers used), 16 threads on one evaluator, and a server
#	that does not answer (temperror within the timeout).
#
#	2. Through a private Postfix with signet-milter (tests/integration/
#	lib.sh), clients from 127.0.0.2 to 127.0.0.4: spf: pass signs
#	(sender=platform); SPF fail, softfail and permerror get 550 5.7.1
#	with the SPF result in the reply, at MAIL FROM or end of data; a
#	changed record takes effect once its TTL has run out. Then Knot
#	is stopped: a relay matched by network still signs (no DNS asked),
#	a cached pass still signs, and an uncached domain gets 451 4.7.1
#	"SPF temperror", nothing delivered.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not root or
#	when Knot is not installed, 99 when a tool is missing.
#	SIGNET_KEEP=1 keeps the temporary directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

it_init spf
SPFQ=$top_builddir/tests/tools/spfq
it_require_file "$SPFQ" "run make check (or make tests/tools/spfq) in $top_builddir"
DNS_TTL=300
. "$srcdir/tests/dns/knot.sh"
it_cleanup_hook() { dns_stop || true; }

# The test zones. Names whose records change during the test have a TTL
# of 2 seconds; the rest keep $DNS_TTL.
mkdir -p "$IT_TMP/zones"
dns_zone "$IT_TMP/zones" spf.example - <<'EOF'
ip4		TXT	"v=spf1 ip4:192.0.2.0/24 -all"
ip6		TXT	"v=spf1 ip6:2001:db8:1::/48 -all"
a		TXT	"v=spf1 a -all"
a		A	192.0.2.10
a		AAAA	2001:db8:1::10
acidr		TXT	"v=spf1 a:host.spf.example/24 -all"
host		A	198.51.100.1
mx		TXT	"v=spf1 mx -all"
mx		MX	10 mx1.spf.example.
mx		MX	20 mx2.spf.example.
mx1		A	192.0.2.21
mx2		A	192.0.2.22
ptr		TXT	"v=spf1 ptr -all"
mail.ptr	A	192.0.2.40
include		TXT	"v=spf1 include:ip4.spf.example -all"
incnone		TXT	"v=spf1 include:nothing.spf.example -all"
redirect	TXT	"v=spf1 redirect=ip4.spf.example"
exists		TXT	"v=spf1 exists:%{i}._ip.%{d} -all"
192.0.2.30._ip.exists	A	127.0.0.2
existsr		TXT	"v=spf1 exists:%{ir}.%{v}._spf.%{d} -all"
31.2.0.192.in-addr._spf.existsr	A	127.0.0.2
soft		TXT	"v=spf1 ip4:192.0.2.1 ~all"
neutral		TXT	"v=spf1 ip4:192.0.2.1 ?all"
noall		TXT	"v=spf1 ip4:192.0.2.1"
norecord	A	192.0.2.1
other		TXT	"site-verification=abc"
void2		TXT	"v=spf1 a:nx1.spf.example a:nx2.spf.example ip4:192.0.2.0/24 -all"
void3		TXT	"v=spf1 a:nx1.spf.example a:other.spf.example mx:nx3.spf.example ip4:192.0.2.0/24 -all"
h		A	203.0.113.1
five		TXT	"v=spf1 a:h.spf.example a:h.spf.example a:h.spf.example a:h.spf.example a:h.spf.example -all"
ten		TXT	"v=spf1 include:five.spf.example a:h.spf.example a:h.spf.example a:h.spf.example mx:mx.spf.example ip4:192.0.2.0/24 -all"
eleven		TXT	"v=spf1 include:five.spf.example a:h.spf.example a:h.spf.example a:h.spf.example mx:mx.spf.example a:h.spf.example ip4:192.0.2.0/24 -all"
syntax		TXT	"v=spf1 ip4:192.0.2.0/24 foo:bar -all"
badcidr		TXT	"v=spf1 ip4:192.0.2.0/33 -all"
two		TXT	"v=spf1 -all"
two		TXT	"v=spf1 +all"
loop		TXT	"v=spf1 include:loop2.spf.example -all"
loop2		TXT	"v=spf1 include:loop.spf.example -all"
servfail	TXT	"v=spf1 include:spf.unserved.example -all"
local		TXT	"v=spf1 ip4:127.0.0.2 -all"
short 2		TXT	"v=spf1 ip4:192.0.2.0/24 -all"
incshort	TXT	"v=spf1 include:short.spf.example -all"
relay		TXT	"v=spf1 ip4:127.0.0.2 -all"
relaysoft	TXT	"v=spf1 ip4:127.0.0.2 ~all"
relaybroken	TXT	"v=spf1 include:five.spf.example a:h.spf.example a:h.spf.example a:h.spf.example mx:mx.spf.example a:h.spf.example ip4:127.0.0.2 -all"
relayttl 2	TXT	"v=spf1 ip4:127.0.0.2 -all"
relaydown	TXT	"v=spf1 ip4:127.0.0.2 -all"
EOF
dns_zone "$IT_TMP/zones" 2.0.192.in-addr.arpa '40 PTR mail.ptr.spf.example.'
dns_start "$IT_TMP/zones" || it_die "cannot start Knot"

# spf_case NAME IP DOMAIN RESULT [REASON] - spfq's first line is RESULT,
# and its reason holds REASON
spf_case() {
	local name=$1 ip=$2 domain=$3 want=$4 reason=${5:-} got
	got=$("$SPFQ" -n "$DNS_SERVER" -t 3000 "$ip" "$domain" 2>&1 | head -n 1) || true
	case $got in
	"$want "*"$reason"*) it_pass "$name" ;;
	*) it_fail "$name" "want $want${reason:+ ($reason)}, got: $got" ;;
	esac
}

spf_case "ip4: inside" 192.0.2.5 ip4.spf.example pass "SPF pass"
spf_case "ip4: outside, -all" 198.51.100.5 ip4.spf.example fail "SPF fail"
spf_case "ip4: IPv4-mapped IPv6 client" ::ffff:192.0.2.5 ip4.spf.example pass
spf_case "ip6: inside" 2001:db8:1::5 ip6.spf.example pass
spf_case "ip6: outside" 2001:db8:2::5 ip6.spf.example fail
spf_case "ip6: an IPv4 client" 192.0.2.5 ip6.spf.example fail
spf_case "a: the domain's A" 192.0.2.10 a.spf.example pass
spf_case "a: the domain's AAAA" 2001:db8:1::10 a.spf.example pass
spf_case "a: another address" 192.0.2.11 a.spf.example fail
spf_case "a:host/24" 198.51.100.77 acidr.spf.example pass
spf_case "a:host/24, outside" 198.51.101.1 acidr.spf.example fail
spf_case "mx: first exchange" 192.0.2.21 mx.spf.example pass
spf_case "mx: second exchange" 192.0.2.22 mx.spf.example pass
spf_case "mx: not an exchange" 192.0.2.23 mx.spf.example fail
spf_case "ptr: confirmed name in the domain" 192.0.2.40 ptr.spf.example pass
spf_case "ptr: no reverse name" 192.0.2.41 ptr.spf.example fail
spf_case "include: passes" 192.0.2.5 include.spf.example pass
spf_case "include: fails" 198.51.100.5 include.spf.example fail
spf_case "include: target without record" 192.0.2.5 incnone.spf.example permerror \
	"include/redirect target nothing.spf.example publishes no SPF record"
spf_case "redirect: passes" 192.0.2.5 redirect.spf.example pass
spf_case "redirect: fails" 198.51.100.5 redirect.spf.example fail
spf_case "exists with %{i} and %{d}" 192.0.2.30 exists.spf.example pass
spf_case "exists with %{i} and %{d}: no such name" 192.0.2.31 exists.spf.example fail
spf_case "exists with %{ir}, %{v}, %{d}" 192.0.2.31 existsr.spf.example pass
spf_case "exists with %{ir}, %{v}, %{d}: other" 192.0.2.30 existsr.spf.example fail
spf_case "~all: softfail" 192.0.2.2 soft.spf.example softfail "SPF softfail"
spf_case "~all: listed address passes" 192.0.2.1 soft.spf.example pass
spf_case "?all: neutral" 192.0.2.2 neutral.spf.example neutral
spf_case "no all: neutral" 192.0.2.2 noall.spf.example neutral
spf_case "no TXT record: none" 192.0.2.1 norecord.spf.example none \
	"norecord.spf.example publishes no SPF record"
spf_case "TXT but no SPF: none" 192.0.2.1 other.spf.example none
spf_case "no such domain: none" 192.0.2.1 nx.spf.example none "(no such name)"
spf_case "2 void lookups: allowed" 192.0.2.5 void2.spf.example pass
spf_case "3 void lookups: permerror" 192.0.2.5 void3.spf.example permerror \
	"more than 2 void lookups (RFC 7208 4.6.4), the last for nx3.spf.example"
spf_case "10 DNS-querying terms: allowed" 192.0.2.5 ten.spf.example pass
spf_case "11 DNS-querying terms across an include: permerror" 192.0.2.5 eleven.spf.example \
	permerror "more than 10 DNS-querying terms (RFC 7208 4.6.4), the next being a or exists h.spf.example"
spf_case "unknown mechanism: permerror" 192.0.2.5 syntax.spf.example permerror \
	"the SPF record of syntax.spf.example is not valid"
spf_case "bad CIDR length: permerror" 192.0.2.5 badcidr.spf.example permerror
spf_case "two SPF records: permerror" 192.0.2.5 two.spf.example permerror \
	"two.spf.example publishes 2 SPF records"
spf_case "include loop: permerror" 192.0.2.5 loop.spf.example permerror
spf_case "SERVFAIL in an include: temperror" 192.0.2.5 servfail.spf.example temperror \
	"cannot look up TXT spf.unserved.example: server failure (SERVFAIL)"
spf_case "loopback client listed: pass" 127.0.0.2 local.spf.example pass
spf_case "loopback client not listed: fail (no free pass)" 127.0.0.3 local.spf.example fail
spf_case "not a domain name" 192.0.2.5 'bad..name' none

# expect NAME WANT CMD... - CMD's output must equal WANT
expect() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1) || true
	if [ "$got" = "$want" ]; then
		it_pass "$name"
	else
		it_fail "$name" "want: $want; got: $got"
	fi
}

expect "cost and TTL of an evaluation" "pass SPF pass
queries=2 terms=1 voids=0 ttl=300 cached=no" \
	"$SPFQ" -v -n "$DNS_SERVER" 192.0.2.5 include.spf.example
expect "TTL: the least of the answers used" "pass SPF pass
queries=2 terms=1 voids=0 ttl=2 cached=no" \
	"$SPFQ" -v -n "$DNS_SERVER" 192.0.2.5 incshort.spf.example
expect "cache: 20 repeats make no DNS query" \
	"rounds: 21 evaluations, 2 DNS queries, 20 cache hits" \
	sh -c "\"$SPFQ\" -n $DNS_SERVER -r 20 192.0.2.5 include.spf.example | sed -n 's/, [0-9]* us first, [0-9.]* us each after//p'"
expect "no cache: every repeat queries" \
	"rounds: 21 evaluations, 42 DNS queries, 0 cache hits" \
	sh -c "\"$SPFQ\" -C -n $DNS_SERVER -r 20 192.0.2.5 include.spf.example | sed -n 's/, [0-9]* us first, [0-9.]* us each after//p'"
expect "cache: a temperror is not kept" \
	"rounds: 3 evaluations, 6 DNS queries, 0 cache hits" \
	sh -c "\"$SPFQ\" -n $DNS_SERVER -r 2 192.0.2.5 servfail.spf.example | sed -n 's/, [0-9]* us first, [0-9.]* us each after//p'"
expect "16 threads, one evaluator, no cache" "threads: 4800 evaluations, 0 mismatches" \
	sh -c "\"$SPFQ\" -C -n $DNS_SERVER -T 16 -r 50 192.0.2.21 mx.spf.example \
		198.51.100.5 include.spf.example 192.0.2.5 eleven.spf.example \
		192.0.2.31 existsr.spf.example 192.0.2.5 void3.spf.example \
		2001:db8:1::10 a.spf.example | sed -n 's/, [0-9]* ms//p'"

# A port where nothing answers: a temperror within the timeout.
dead=$(dns_free_port)
t0=$(date +%s%N)
got=$("$SPFQ" -n "127.0.0.1@$dead" -t 1000 192.0.2.5 ip4.spf.example 2>&1) || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
case $ms:$got in
[0-9]:*|[0-9][0-9]:*|[0-9][0-9][0-9]:*|1[0-4][0-9][0-9]:*)
	case $got in
	"temperror SPF temperror: cannot look up TXT ip4.spf.example: timed out after 1000 ms asking 127.0.0.1@$dead")
		it_pass "server not answering: temperror in $ms ms" ;;
	*)	it_fail "server not answering" "got: $got" ;;
	esac ;;
*)	it_fail "server not answering" "took $ms ms (limit 1500): $got" ;;
esac

# --- Through Postfix -------------------------------------------------

it_keys "$IT_TMP/keys" relay.spf.example
SOCK=inet:$IT_MILTER_PORT@127.0.0.1
CFG=$IT_TMP/signet.yaml

# write_policy - spf: pass senders for the relay* domains of spf.example
write_policy() {
	local d
	it_config "$CFG" "$SOCK" "$IT_TMP/keys" rsa relay.spf.example
	cat >>"$CFG" <<EOF
    senders:
      platform:
        spf: pass
      crm:
        networks: [127.0.0.4/32]
EOF
	for d in relaysoft relaybroken relayttl relaydown; do
		cat >>"$CFG" <<EOF
  $d.spf.example:
    selectors:
      - {name: rsa, algorithm: rsa-sha256, key: $IT_TMP/keys/rsa.key}
    senders:
      platform:
        spf: pass
EOF
	done
	cat >>"$CFG" <<EOF
dns:
  nameserver: "$DNS_SERVER"
  timeout: 1s
EOF
}

write_policy
it_postfix_start "$SOCK"
it_milter_start "$CFG"
LOG_MARK=0

# send - one message with swaks: FROM_HEADER MAIL_FROM SOURCE
send() {
	it_mail_reset
	LOG_MARK=$(wc -l <"$IT_MILTER_LOG")
	it_swaks --local-interface "$3" --from "$2" --header "From: $1" \
		--header "Subject: spf test" || true
}

# log_says - signet's line for the message names SENDER
log_says() {
	local line
	line=$(tail -n +"$((LOG_MARK + 1))" "$IT_MILTER_LOG" | grep 'verdict=' | tail -n 1)
	case $line in *" sender=$1 "*) ;; *) echo "log: want sender=$1: $line"; return 1 ;; esac
}

# expect_signed DOMAIN SENDER - delivered, signed once with d=DOMAIN
expect_signed() {
	local f
	grep -Eq '^<-  250 2.0.0 Ok: queued' "$IT_TMP/swaks.out" ||
		{ echo "not queued: $(grep -E '^<\*\*' "$IT_TMP/swaks.out" | head -n 2)"; return 1; }
	it_wait_delivered 1 30
	f=$(find "$IT_TMP/sink" -type f | head -n 1)
	[ "$(grep -ci '^DKIM-Signature:' "$f")" = 1 ] || { echo "not signed once"; return 1; }
	grep -A3 -i '^DKIM-Signature:' "$f" | grep -q "d=$1;" || { echo "no d=$1"; return 1; }
	log_says "$2"
}

# expect_refused CODE TEXT COMMAND SENDER - refused after COMMAND (MAIL or
# DATA) with CODE and TEXT; nothing delivered or queued
expect_refused() {
	local got prev
	got=$(grep -E -m1 "^<\*\* *$1 " "$IT_TMP/swaks.out" || true)
	[ -n "$got" ] || { echo "no $1 reply: $(grep -E '^<[-*]' "$IT_TMP/swaks.out" | tail -n 2 | tr '\n' ' ')"; return 1; }
	case $got in *"$2"*) ;; *) echo "reply: $got; want: $2"; return 1 ;; esac
	prev=$(grep -E -B1 -m1 "^<\*\* *$1 " "$IT_TMP/swaks.out" | head -n 1)
	case $3:$prev in
	MAIL:*"MAIL FROM"*|DATA:*"-> .") ;;
	*) echo "refused after '$prev', want after $3"; return 1 ;;
	esac
	sleep 0.2
	[ "$(it_dumped)" = 0 ] && [ "$(it_queued)" = 0 ] || { echo "a message got through"; return 1; }
	log_says "$4"
}

case_pass_signed() {
	send "News <news@relay.spf.example>" news@relay.spf.example 127.0.0.2
	expect_signed relay.spf.example platform
}
case_fail_at_mail() {
	send "News <news@relay.spf.example>" news@relay.spf.example 127.0.0.3
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for relay.spf.example (envelope sender; SPF fail)" MAIL unauthorised
}
case_fail_at_data() {
	send "News <news@relay.spf.example>" "<>" 127.0.0.3
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for relay.spf.example (SPF fail)" DATA unauthorised
}
case_softfail_refused() {
	send "News <news@relaysoft.spf.example>" "<>" 127.0.0.3
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for relaysoft.spf.example (SPF softfail)" DATA unauthorised
}
case_permerror_refused() {
	send "News <news@relaybroken.spf.example>" news@relaybroken.spf.example 127.0.0.2
	expect_refused 550 "5.7.1 127.0.0.2 is not authorised to send for relaybroken.spf.example (envelope sender; SPF permerror: more than 10 DNS-querying terms" MAIL unauthorised
}
case_changed_record_after_ttl() {
	send "News <news@relayttl.spf.example>" news@relayttl.spf.example 127.0.0.2
	expect_signed relayttl.spf.example platform || return 1
	DNS_TTL=2 dns_set_record relayttl.spf.example TXT '"v=spf1 -all"' || return 1
	send "News <news@relayttl.spf.example>" news@relayttl.spf.example 127.0.0.2
	expect_signed relayttl.spf.example platform || { echo "(within the TTL)"; return 1; }
	sleep 3
	send "News <news@relayttl.spf.example>" news@relayttl.spf.example 127.0.0.2
	expect_refused 550 "5.7.1 127.0.0.2 is not authorised to send for relayttl.spf.example (envelope sender; SPF fail)" MAIL unauthorised
}
case_network_sender_needs_no_dns() {
	send "News <news@relay.spf.example>" news@relay.spf.example 127.0.0.4
	expect_signed relay.spf.example crm
}
case_cached_pass_survives() {
	send "News <news@relay.spf.example>" news@relay.spf.example 127.0.0.2
	expect_signed relay.spf.example platform
}
case_temperror_tempfails() {
	send "News <news@relaydown.spf.example>" news@relaydown.spf.example 127.0.0.2
	expect_refused 451 "4.7.1 cannot check now whether 127.0.0.2 may send for relaydown.spf.example (SPF temperror: cannot look up TXT relaydown.spf.example: timed out after 1000 ms" MAIL unchecked
}
case_temperror_tempfails_at_data() {
	send "News <news@relaydown.spf.example>" "<>" 127.0.0.3
	expect_refused 451 "4.7.1 cannot check now whether 127.0.0.3 may send for relaydown.spf.example (SPF temperror" DATA unchecked
}

for c in pass_signed fail_at_mail fail_at_data softfail_refused \
	permerror_refused changed_record_after_ttl; do
	it_check "postfix: $c" "case_$c"
done
dns_stop || true			# knot.sh is not written for set -e
for c in network_sender_needs_no_dns cached_pass_survives \
	temperror_tempfails temperror_tempfails_at_data; do
	it_check "postfix, DNS down: $c" "case_$c"
done
it_summary
