#!/bin/bash
# NAME
#	test-xcheck-days.sh - the DMARC cross-check counts rolled-up days by
#	the whole day
# SYNOPSIS
#	tests/dmarc/test-xcheck-days.sh
# DESCRIPTION
#	Counts older than counters: retention: hourly_days are days (span
#	86400), not hours. In a store that holds, for example.com to
#	gmail.com (Google's recipient domain), a day D of 40 messages
#	rolled up, 1000 on the day before and 500 on the day after (also
#	rolled up), and 7 messages in hour 5 of day D + 1 (still an hour),
#	signet dmarc report --format json gives Google's counted figure
#	and ours.counted for reports (tests/dmarc/xcheck-reports.py) that
#	cover:
#
#	- days D and D + 1: 47 (the whole day D, the hour of D + 1);
#	- the first half of D: 0 (a day counts only when the reports
#	  cover all of it; before, its 40 were counted as its first hour);
#	- the first half of D + 1: 7 (the hour alone);
#	- D + 1 up to hour 5, excluded: 0.
#
#	Inbound mail (sender "inbound") and refused mail on day D are in
#	the store too, and never counted.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HERE=$srcdir/tests/dmarc

it_init xcheck-days
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_need sqlite3 sqlite3
CFG=$IT_TMP/signet.yaml
cat >"$CFG" <<EOF
egress: [192.0.2.25]
domains:
  example.com:
    selectors:
      - {name: rsa, algorithm: rsa-sha256, key: $IT_TMP/rsa.key}
    senders:
      crm: {networks: [198.51.100.0/24]}
EOF
now=$(date +%s)
D=$((now - now % 86400 - 10 * 86400))

# counts ROWS - a store whose counters tables hold ROWS (bucket span
# sender outcome messages), all example.com to gmail.com
counts() {
	local store=$1 b s snd out n
	shift
	rm -f "$store"*
	# signet dmarc import creates the store with every table.
	"$SIGNET_CLI" dmarc import --store "$store" /dev/null >/dev/null 2>&1 || true
	[ -s "$store" ] || it_die "signet dmarc import did not create $store"
	for row in "$@"; do
		read -r b s snd out n <<<"$row"
		sqlite3 "$store" "
INSERT INTO counts_summary VALUES ($b, $s, 'example.com', '$snd', '$out', $n);
INSERT INTO counts_rcpt VALUES ($b, $s, 'example.com', '$snd', '$out', 'gmail.com', $n);" ||
			it_die "cannot write counts into $store"
	done
}

# counted BEGIN END - Google's counted figure and ours.counted, for
# reports covering [BEGIN, END)
counted() {
	local store=$IT_TMP/store-$1-$2.db
	counts "$store" "$D 86400 network signed 40" \
		"$((D - 86400)) 86400 network signed 1000" \
		"$((D + 86400)) 86400 network signed 500" \
		"$((D + 86400 + 5 * 3600)) 3600 network signed 7" \
		"$D 86400 inbound passed 300" "$D 86400 network refused 20"
	# The last day's row is rolled up and the hour after it is not: a
	# store where days and hours meet, as after a change of retention.
	sqlite3 "$store" "DELETE FROM counts_summary WHERE bucket = $((D + 86400)) AND span = 86400;
DELETE FROM counts_rcpt WHERE bucket = $((D + 86400)) AND span = 86400;"
	rm -rf "$IT_TMP/reports"
	mkdir -p "$IT_TMP/reports"
	"$PYTHON" "$HERE/xcheck-reports.py" "$IT_TMP/reports" "$1" "$2" ||
		it_die "cannot write the reports"
	"$SIGNET_CLI" dmarc import --store "$store" "$IT_TMP/reports/google.zip" \
		>/dev/null || it_die "signet dmarc import failed"
	"$SIGNET_CLI" dmarc report -c "$CFG" --store "$store" --domain example.com \
		--since "$(date -u -d "@$((D - 2 * 86400))" +%Y-%m-%d)" \
		--until "$(date -u -d "@$((D + 3 * 86400))" +%Y-%m-%d)" \
		--format json >"$IT_TMP/report.json" 2>"$IT_TMP/report.err" ||
		it_die "signet dmarc report failed: $(cat "$IT_TMP/report.err")"
	"$PYTHON" -c '
import json, sys
o = json.load(open(sys.argv[1]))["domains"][0]["ours"]
g = [r["counted"] for r in o["reporters"] if r["reporter"] == "Google"]
print(g[0] if g else "none", o["counted"])' "$IT_TMP/report.json"
}

# expect WHAT BEGIN END WANT
expect() {
	local got
	got=$(counted "$2" "$3")
	if [ "$got" = "$4" ]; then
		it_pass "$1: $got"
	else
		it_fail "$1" "Google counted, ours counted: got '$got', want '$4'"
	fi
}

expect "days D and D+1: the whole day and the hour" \
	"$D" "$((D + 2 * 86400))" "47 47"
expect "first half of D: the day is not whole, not counted" \
	"$D" "$((D + 43200))" "0 0"
expect "first half of D+1: the hour alone" \
	"$((D + 86400))" "$((D + 86400 + 43200))" "7 7"
expect "D+1 up to hour 5, excluded: nothing" \
	"$((D + 86400))" "$((D + 86400 + 5 * 3600))" "0 0"
it_summary
