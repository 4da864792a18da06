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
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HERE=$srcdir/tests/dmarc

it_init xcheck
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_need chromium chromium
it_keys "$IT_TMP/keys" example.com
IT_USER=nobody
IT_GROUP=postfix
it_keys_owned "$IT_TMP/keys" "$IT_TMP/keys-nobody" nobody
mkdir -p "$IT_TMP/run" "$IT_TMP/store" "$IT_TMP/reports"
chown nobody "$IT_TMP/store"
SOCK=unix:$IT_TMP/run/signet.sock
STORE=$IT_TMP/store/counters.db
CFG=$IT_TMP/signet.yaml
it_config "$CFG" "$SOCK" "$IT_TMP/keys-nobody" rsa,ed
cat >>"$CFG" <<EOF
    senders:
      mta-clients: {networks: [127.0.0.0/8, "::1/128"]}
      crm: {networks: [198.51.100.0/24]}
counters:
  store: $STORE
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
	local what=$1 line
	shift
	"$PYTHON" "$HERE/xcheck-expect.py" "$@" >"$IT_TMP/expect.out" 2>&1 || true
	grep -q '^ok ' "$IT_TMP/expect.out" ||
		it_fail "$what" "the checker ran no check: $(tail -n 3 "$IT_TMP/expect.out")"
	while IFS= read -r line; do
		case $line in
		"ok "*)		it_pass "$what: ${line#ok }" ;;
		"not ok "*)	it_fail "$what" "${line#not ok }" ;;
		*)		it_fail "$what" "$line" ;;
		esac
	done <"$IT_TMP/expect.out"
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

it_summary
