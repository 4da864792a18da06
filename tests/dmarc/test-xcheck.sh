#!/bin/bash
# NAME
#	test-xcheck.sh - signet dmarc report: receivers' reports against
#	what signet counted through a real Postfix
# SYNOPSIS
#	tests/dmarc/test-xcheck.sh
# DESCRIPTION
#	A private Postfix on loopback with signet-milter counting into an
#	SQLite store; example.com has the senders mta-clients (loopback)
#	and crm (198.51.100.0/24). Mail from example.com goes through it:
#	40 messages to gmail.com, 10 to googlemail.com, 15 to outlook.com,
#	10 to hotmail.com, 5 to live.com, 12 to yahoo.com, 8 to aol.com,
#	15 to other.example (115 signed), and 3 without From to gmail.com
#	(refused: never counted as sent).
#
#	Then reports in the shapes Google (zip), Microsoft (gzip, rows
#	split by envelope_to) and Yahoo (gzip) send (tests/dmarc/
#	xcheck-reports.py) cover that day: our egress 192.0.2.25 (Google
#	50 as counted, 2 of them with both signatures failing; Microsoft
#	33 against 30 counted; Yahoo 18 of 20), the crm sending directly,
#	a forwarder, a platform the policy does not know and a spoofer.
#	They are imported with signet dmarc import, and every figure of
#	signet dmarc report --format json is asserted
#	(tests/dmarc/xcheck-expect.py): classes, sources, reporters'
#	reported, counted and coverage, DKIM per selector, the alarms, the
#	policy step under two sets of thresholds. The checker must catch
#	a figure made wrong on purpose. The table and CSV show the same
#	numbers; the HTML page, rendered by headless Chromium, shows them
#	in its DOM and fetches nothing.
#
#	Third parties known by their DKIM signatures: with a policy whose
#	crm sender has no networks but dkim: [crm-mail.example], and an
#	esp sender with dkim: ["mkt1._domainkey.example.com"] (besides a
#	decoy key of crm-mail.example and a sender listing example.com,
#	which must not take signet's own signatures), crm and the platform
#	are authorised, by those signatures; every figure is asserted.
#	--top 1 shows the larger of the two in the table and in the page
#	Chromium renders, with a line for the other (1 more, 7 messages).
#
#	Lookups, against a private Knot DNS (tests/dns/knot.sh): --rdns
#	(forward-confirmed, not confirmed, no PTR, the confirmed one of two
#	PTR names), --dns (a record in DNS that differs from the reports,
#	then the same) and --mx (other.example, to which 15 messages went:
#	first its most preferred MX is mx1.notgoogle.com, not Google's;
#	then aspmx.l.google.com, so Google's counted becomes 65 and its
#	coverage 76.92%; then in1.smtp.hosted-mail.example, which the
#	configuration gives Yahoo: mx: [smtp.hosted-mail.example]), in
#	JSON, table, CSV and the rendered page. Then
#	a report of 2001 sources (one IPv6): --rdns names them all,
#	forward-confirmed, within 20 s; and against a server that never answers, --deadline 2
#	ends the lookups within 15 s.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HERE=$srcdir/tests/dmarc

it_init xcheck
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_need chromium chromium
. "$srcdir/tests/dns/knot.sh"
SILENT_PID=
it_cleanup_hook() {
	dns_stop || true
	[ -z "$SILENT_PID" ] || kill "$SILENT_PID" 2>/dev/null || true
}
it_keys "$IT_TMP/keys" example.com
it_config_nobody "$IT_TMP/keys" "$IT_TMP/keys-nobody"
mkdir -p "$IT_TMP/reports"
cat >>"$CFG" <<EOF
    senders:
      mta-clients: {networks: [127.0.0.0/8, "::1/128"]}
      crm: {networks: [198.51.100.0/24]}
EOF
it_config_store
cat >>"$CFG" <<EOF
egress: [192.0.2.25]
dmarc:
  min_days: 1
  min_aligned_pass: 0.98
  max_unknown_legit_share: 0.1
EOF
sed -e 's/^  min_days: 1$/  min_days: 14/' \
	-e 's/^  max_unknown_legit_share: 0.1$/  max_unknown_legit_share: 5%/' \
	"$CFG" >"$IT_TMP/signet-strict.yaml"
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
printf 'To: x@gmail.com\nSubject: no From\n\nbody\n' >"$IT_TMP/msg-nofrom"
it_postfix_start "$SOCK"
it_milter_start "$CFG"

# 1. Mail through Postfix and signet-milter fills the counters.
t0=$(date +%s)
total=0
for rcpt in gmail.com:40 googlemail.com:10 outlook.com:15 hotmail.com:10 \
	live.com:5 yahoo.com:12 aol.com:8 other.example:15; do
	it_send "${rcpt#*:}" "$IT_TMP/msg" sender@example.com "rcpt@${rcpt%:*}" ||
		it_die "smtp-source to ${rcpt%:*} failed"
	total=$((total + ${rcpt#*:}))
done
for i in 1 2 3; do
	it_swaks --from sender@example.com --to x@gmail.com \
		--data "$IT_TMP/msg-nofrom" || true
done
it_wait_delivered "$total"
t1=$(date +%s)
it_milter_stop || it_die "signet-milter did not stop cleanly"

# counted - signet counters: messages to recipient domain D with OUTCOME
# (of From domain example.com; all From domains with "all")
counted() {
	local dom=--domain=example.com
	[ "${3:-}" != all ] || dom=--since=2000-01-01
	"$SIGNET_CLI" counters --store "$STORE" --since 2000-01-01 "$dom" \
		--by rcpt-domain,outcome --format csv |
		tr -d '\r' | awk -F, -v d="$1" -v o="$2" \
		'$1 == d && $2 == o { n = $3 } END { printf "%d\n", n }'
}
got="$(counted gmail.com signed) $(counted aol.com signed) $(counted gmail.com refused all)"
if [ "$got" = "40 8 3" ]; then
	it_pass "counters: gmail.com 40 signed, aol.com 8; 3 refused without From"
else
	it_fail "counters" "gmail.com signed, aol.com signed, refused: $got; want 40 8 3"
fi

# 2. The receivers' reports of that UTC day (or days, past midnight).
begin=$((t0 - t0 % 86400))
end=$((t1 - t1 % 86400 + 86400))
"$PYTHON" "$HERE/xcheck-reports.py" "$IT_TMP/reports" "$begin" "$end" ||
	it_die "cannot write the reports"
it_check "signet dmarc import: Google zip, Microsoft and Yahoo gzip" \
	"$SIGNET_CLI" dmarc import --store "$STORE" "$IT_TMP/reports/google.zip" \
	"$IT_TMP/reports/microsoft.xml.gz" "$IT_TMP/reports/yahoo.xml.gz"

since=$(date -u -d "@$begin" +%Y-%m-%d)
until=$(date -u -d "@$end" +%Y-%m-%d)
report() {
	"$SIGNET_CLI" dmarc report -c "$1" --store "$STORE" --domain example.com \
		--since "$since" --until "$until" --format "$2"
}

# assert - run the checker; one case per figure
assert() {
	local what=$1
	shift
	"$PYTHON" "$HERE/xcheck-expect.py" "$@" >"$IT_TMP/expect.out" 2>&1 || true
	it_results "$what" "$IT_TMP/expect.out"
}

# 3. Every figure of the cross-check, ready for the next step.
report "$CFG" json >"$IT_TMP/report.json" 2>"$IT_TMP/report.err" ||
	it_die "signet dmarc report failed: $(cat "$IT_TMP/report.err")"
assert "json" json "$IT_TMP/report.json" ready

# 4. The same reports with stricter thresholds: why not yet.
report "$IT_TMP/signet-strict.yaml" json >"$IT_TMP/strict.json" ||
	it_die "signet dmarc report (strict thresholds) failed"
assert "json, strict thresholds" json "$IT_TMP/strict.json" wait

# 5. The checker catches a wrong figure.
if "$PYTHON" "$HERE/xcheck-expect.py" json "$IT_TMP/report.json" ready wrong \
	>"$IT_TMP/wrong.out" 2>&1; then
	it_fail "a wrong figure is caught" "the checker passed a wrong expectation"
elif [ "$(grep -c '^not ok ' "$IT_TMP/wrong.out")" = 2 ] &&
	grep -q '^not ok ours.messages: got 101, want 102' "$IT_TMP/wrong.out"; then
	it_pass "a wrong figure is caught (ours.messages, and its rate)"
else
	it_fail "a wrong figure is caught" "$(grep '^not ok' "$IT_TMP/wrong.out" | head -n 3 | tr '\n' ' ')"
fi

# 6. Table and CSV carry the same numbers.
report "$CFG" table >"$IT_TMP/report.txt" || it_die "table format failed"
it_check "table: our egress row with its total and rates" \
	grep -Eq '^  our egress +101 +1 +100\.00% +98\.02% +100\.00%  Google, Microsoft, Yahoo$' \
	"$IT_TMP/report.txt"
it_check "table: total line" \
	grep -Eq '^  total +137 +5 ' "$IT_TMP/report.txt"
it_check "table: Microsoft alarm" \
	grep -Eq '^  Microsoft +33 +30 +110\.00%  ALARM$' "$IT_TMP/report.txt"
it_check "table: next step" \
	grep -q '^  next: publish "v=DMARC1; p=quarantine; t=y; pct=0"' "$IT_TMP/report.txt"
report "$CFG" csv | tr -d '\r' >"$IT_TMP/report.csv" || it_die "csv format failed"
it_check "csv: the spoofer's line" \
	grep -q '^example.com,unknown-fail,198.18.0.66,,12,0,0,0,"Google, Microsoft",' \
	"$IT_TMP/report.csv"
it_check "csv: header and five sources" \
	test "$(wc -l <"$IT_TMP/report.csv")" = 6

# 7. The HTML page, rendered by headless Chromium.
report "$CFG" html >"$IT_TMP/report.html" || it_die "html format failed"
it_check "html: nothing fetched from elsewhere (no http: or https: URL)" \
	sh -c "! grep -Eq '(src|href)=|url\\(|@import' '$IT_TMP/report.html'"
profile=$(mktemp -d "$IT_TMP/chromium.XXXXXX")
if timeout 120 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update \
	--disable-sync --no-first-run --user-data-dir="$profile" \
	--dump-dom "file://$IT_TMP/report.html" >"$IT_TMP/dom.html" \
	2>"$IT_TMP/chromium.err" && [ -s "$IT_TMP/dom.html" ]; then
	it_pass "chromium rendered the page"
	assert "html" html "$IT_TMP/report.json" "$IT_TMP/dom.html"
else
	it_fail "chromium" "$(tail -n 3 "$IT_TMP/chromium.err" | tr '\n' ' ')"
fi
if timeout 120 chromium --headless --no-sandbox --disable-gpu \
	--disable-background-networking --disable-component-update \
	--disable-sync --no-first-run --user-data-dir="$profile" \
	--window-size=1280,2400 --screenshot="$IT_TMP/report.png" \
	"file://$IT_TMP/report.html" >/dev/null 2>&1 && [ -s "$IT_TMP/report.png" ]; then
	it_pass "chromium took a screenshot of the page"
	[ -z "${SIGNET_XCHECK_SCREENSHOT:-}" ] ||
		cp "$IT_TMP/report.png" "$SIGNET_XCHECK_SCREENSHOT"
else
	it_fail "chromium screenshot" "no PNG written"
fi

# render - the DOM of an HTML page, as headless Chromium renders it
render() {
	local profile
	profile=$(mktemp -d "$IT_TMP/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$profile" \
		--dump-dom "file://$1" >"$2" 2>"$IT_TMP/chromium.err" && [ -s "$2" ]
}

# 8. Third parties known by their DKIM signatures.
sed -e 's/^      crm: {networks: \[198.51.100.0\/24\]}$/      decoy: {dkim: ["zzz._domainkey.crm-mail.example"]}\
      crm: {dkim: [crm-mail.example]}\
      esp: {dkim: ["MKT1._domainkey.example.com"]}\
      everything: {dkim: [example.com]}/' "$CFG" >"$IT_TMP/signet-dkim.yaml"
grep -q 'crm: {dkim: \[crm-mail.example\]}' "$IT_TMP/signet-dkim.yaml" ||
	it_die "cannot write the policy of the DKIM senders"
report "$IT_TMP/signet-dkim.yaml" json >"$IT_TMP/dkim.json" ||
	it_die "signet dmarc report (DKIM senders) failed"
assert "json, DKIM senders" json "$IT_TMP/dkim.json" dkim
"$SIGNET_CLI" dmarc report -c "$IT_TMP/signet-dkim.yaml" --store "$STORE" \
	--domain example.com --since "$since" --until "$until" --top 1 \
	>"$IT_TMP/top.txt" || it_die "table --top 1 failed"
it_check "table --top 1: the larger authorised source" \
	grep -Eq '^  authorised +203\.0\.113\.77 +11 ' "$IT_TMP/top.txt"
it_check "table --top 1: a line for the other one" \
	grep -Eq '^  authorised +1 more source, 7 messages$' "$IT_TMP/top.txt"
it_check "table --top 1: not the smaller source itself" \
	sh -c "! grep -q '198\.51\.100\.10' '$IT_TMP/top.txt'"
it_check "table --top 1: one line per class shown whole, no more-line" \
	test "$(grep -c ' more source' "$IT_TMP/top.txt")" = 1
"$SIGNET_CLI" dmarc report -c "$IT_TMP/signet-dkim.yaml" --store "$STORE" \
	--domain example.com --since "$since" --until "$until" --top 1 \
	--format html >"$IT_TMP/top.html" || it_die "html --top 1 failed"
if render "$IT_TMP/top.html" "$IT_TMP/top-dom.html"; then
	assert "html --top 1" html "$IT_TMP/dkim.json" "$IT_TMP/top-dom.html" top
else
	it_fail "chromium (--top 1)" "$(tail -n 3 "$IT_TMP/chromium.err" | tr '\n' ' ')"
fi

# 9. --rdns, --dns and --mx against a private Knot.
Z=$IT_TMP/zones
mkdir -p "$Z"
dns_zone "$Z" example.com \
	'_dmarc TXT "v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc@example.com"' \
	'mta A 192.0.2.25'
dns_zone "$Z" 2.0.192.in-addr.arpa '25 PTR mta.example.com.'
dns_zone "$Z" 100.51.198.in-addr.arpa '10 PTR mail.crm-mail.example.'
dns_zone "$Z" crm-mail.example 'mail A 198.51.100.99'
dns_zone "$Z" 113.0.203.in-addr.arpa '50 PTR relay.lists.example.'
dns_zone "$Z" lists.example 'relay A 203.0.113.50'
dns_zone "$Z" 0.18.198.in-addr.arpa '66 PTR first.spoof.example.' \
	'66 PTR second.spoof.example.'
dns_zone "$Z" spoof.example 'first A 198.18.0.99' 'second A 198.18.0.66'
dns_zone "$Z" other.example '@ MX 10 mx1.notgoogle.com.' \
	'@ MX 20 aspmx.l.google.com.'
# The 2000 IPv4 sources of bulk.example: 198.19.I.J and hI-J.bulk.example.
seq 0 1999 | awk '{ printf "%d.%d PTR h%d-%d.bulk.example.\n", $1 % 250 + 1, int($1 / 250), int($1 / 250), $1 % 250 + 1 }' |
	dns_zone "$Z" 19.198.in-addr.arpa -
{
	seq 0 1999 | awk '{ printf "h%d-%d A 198.19.%d.%d\n", int($1 / 250), $1 % 250 + 1, int($1 / 250), $1 % 250 + 1 }'
	echo 'v6 AAAA 2001:db8::25'
} | dns_zone "$Z" bulk.example -
# and one IPv6 source, 2001:db8::25.
dns_zone "$Z" 8.b.d.0.1.0.0.2.ip6.arpa \
	'5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR v6.bulk.example.'
dns_start "$Z" || it_die "Knot did not start"
lookups() {
	"$SIGNET_CLI" dmarc report -c "$CFG" --store "$STORE" --domain example.com \
		--since "$since" --until "$until" --nameserver "$DNS_SERVER" \
		--rdns --dns --mx "$@"
}
lookups --format json >"$IT_TMP/dns1.json" 2>"$IT_TMP/dns1.err" ||
	it_die "signet dmarc report --rdns --dns --mx failed: $(cat "$IT_TMP/dns1.err")"
assert "lookups, MX not Google's, DNS differs" dns "$IT_TMP/dns1.json" mx-none
dns_set_record other.example MX '10 aspmx.l.google.com.'
dns_add_record other.example MX '20 alt1.aspmx.l.google.com.'
dns_set_record _dmarc.example.com TXT '"v=DMARC1; p=none; rua=mailto:dmarc@example.com"'
sleep 1
lookups --format json >"$IT_TMP/dns2.json" || it_die "lookups (Google MX) failed"
assert "lookups, Google MX, DNS as reported" dns "$IT_TMP/dns2.json" mx-google
# A suffix of the configuration: Yahoo's mail servers, as this site knows them.
sed -e 's/^  max_unknown_legit_share: 0.1$/&\
  reporters:\
    Yahoo:\
      reports: [Yahoo, AOL]\
      recipients: [yahoo.com, aol.com]\
      mx: [smtp.hosted-mail.example]/' "$CFG" >"$IT_TMP/signet-mx.yaml"
dns_set_record other.example MX '10 in1.smtp.hosted-mail.example.'
sleep 1
"$SIGNET_CLI" dmarc report -c "$IT_TMP/signet-mx.yaml" --store "$STORE" \
	--domain example.com --since "$since" --until "$until" \
	--nameserver "$DNS_SERVER" --mx --format json >"$IT_TMP/dns3.json" ||
	it_die "lookups (configured MX suffix) failed"
assert "lookups, MX suffix of the configuration" dns "$IT_TMP/dns3.json" mx-config
dns_set_record other.example MX '10 aspmx.l.google.com.'
sleep 1
lookups >"$IT_TMP/dns.txt" || it_die "lookups, table, failed"
it_check "table: rdns of our egress" \
	grep -Eq '^ +rdns: mta\.example\.com \(forward-confirmed\)$' "$IT_TMP/dns.txt"
it_check "table: rdns not confirmed" \
	grep -Eq '^ +rdns: mail\.crm-mail\.example \(not forward-confirmed\)$' "$IT_TMP/dns.txt"
it_check "table: no PTR" grep -Eq '^ +rdns: no name \(nxdomain\)$' "$IT_TMP/dns.txt"
it_check "table: the record in DNS" \
	grep -q '^in DNS now: p=none: "v=DMARC1; p=none; rua=mailto:dmarc@example.com"$' "$IT_TMP/dns.txt"
it_check "table: Google's counted includes other.example by MX" \
	grep -Eq '^  Google +50 +65 +76\.92%$' "$IT_TMP/dns.txt"
it_check "table: the MX lookup" \
	grep -Eq '^  other\.example +ok +aspmx\.l\.google\.com +Google$' "$IT_TMP/dns.txt"
lookups --format csv | tr -d '\r' >"$IT_TMP/dns.csv" || it_die "lookups, csv, failed"
it_check "csv: rdns columns" grep -q \
	'^example.com,ours,192.0.2.25,.*,mta.example.com,yes,ok$' "$IT_TMP/dns.csv"
lookups --format html >"$IT_TMP/dns.html" || it_die "lookups, html, failed"
if render "$IT_TMP/dns.html" "$IT_TMP/dns-dom.html"; then
	assert "html, lookups" html-dns "$IT_TMP/dns2.json" "$IT_TMP/dns-dom.html"
else
	it_fail "chromium (lookups)" "$(tail -n 3 "$IT_TMP/chromium.err" | tr '\n' ' ')"
fi

# 10. 2001 sources: named in parallel, within the deadline.
"$PYTHON" "$HERE/xcheck-reports.py" "$IT_TMP/reports" "$begin" "$end" 2000 ||
	it_die "cannot write the report of 2001 sources"
"$SIGNET_CLI" dmarc import --store "$STORE" "$IT_TMP/reports/bulk.xml" >/dev/null ||
	it_die "cannot import the report of 2001 sources"
bulk() {
	"$SIGNET_CLI" dmarc report -c "$CFG" --store "$STORE" --domain bulk.example \
		--since "$since" --until "$until" --rdns --format json "$@"
}
t=$(date +%s%N)
bulk --nameserver "$DNS_SERVER" >"$IT_TMP/bulk.json" || it_die "--rdns of 2001 sources failed"
ms=$(( ($(date +%s%N) - t) / 1000000 ))
echo "== --rdns of 2001 sources: $ms ms"
it_check "2001 sources, every one named and forward-confirmed (IPv6 too)" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))["domains"][0]
want = lambda ip: "v6.bulk.example" if ":" in ip else \
    "h%s-%s.bulk.example" % tuple(ip.split(".")[2:])
bad = [s["ip"] for s in d["sources"] if not s["rdns_confirmed"] or
       s["rdns"] != want(s["ip"])]
sys.exit(1 if len(d["sources"]) != 2001 or bad else 0)' "$IT_TMP/bulk.json"
it_check "2001 sources named within 20 s ($ms ms)" test "$ms" -lt 20000
# A nameserver that never answers: the lookups end at the deadline.
sport=$(dns_free_port)
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(600)' "$sport" &
SILENT_PID=$!
sleep 0.5
t=$(date +%s%N)
bulk --nameserver "127.0.0.1@$sport" --deadline 2 >"$IT_TMP/silent.json" ||
	it_die "--rdns against a silent server failed"
ms=$(( ($(date +%s%N) - t) / 1000000 ))
echo "== --rdns of 2001 sources, silent server, --deadline 2: $ms ms"
it_check "silent server: done within 15 s ($ms ms)" test "$ms" -lt 15000
it_check "silent server: no name, each lookup timed out or not made" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))["domains"][0]
st = [s["rdns_status"] for s in d["sources"] if s["rdns"] is None]
sys.exit(1 if len(st) != 2001 or set(st) - {"tempfail", "deadline"} or
         "deadline" not in st else 0)' "$IT_TMP/silent.json"

it_summary
