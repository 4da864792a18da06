#!/bin/sh
# NAME
#	dmarc-import.sh - how fast signet dmarc import stores report rows
# SYNOPSIS
#	bench/dmarc-import.sh [ROWS]	(from the build directory)
# DESCRIPTION
#	Writes one aggregate report of ROWS records (default 1000000; each
#	with one DKIM and one SPF result, a quarter of them with a second
#	DKIM result) to a temporary directory, imports it into a fresh
#	SQLite store with "signet dmarc import" under /usr/bin/time -v,
#	and prints the rows per second and the peak resident memory. The
#	import is then repeated with 1/10 of the rows: peak memory must not
#	grow with the report.
# ENVIRONMENT
#	SIGNET	the command (default ./signet); TMPDIR.
# LICENSE
#	MIT; see LICENSE in the source distribution.
set -eu

rows=${1:-1000000}
signet=${SIGNET:-./signet}
[ -x "$signet" ] || { echo "$signet not found: run from the build directory, or set SIGNET" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found: install the Debian package time" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-dmarc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# gen - a report of N rows on standard output
gen() {
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
		print "<version>1.0</version>"
		print "<report_metadata><org_name>bench.example</org_name>"
		print "<email>noreply-dmarc@bench.example</email>"
		printf "<report_id>bench-%d</report_id>\n", n
		print "<date_range><begin>1767225600</begin><end>1767311999</end></date_range>"
		print "</report_metadata>"
		print "<policy_published><domain>example.com</domain><adkim>r</adkim>"
		print "<aspf>r</aspf><p>none</p><sp>none</sp><np>none</np><testing>n</testing>"
		print "</policy_published>"
		for (i = 0; i < n; i++) {
			a = int(i / 65536) % 256; b = int(i / 256) % 256; c = i % 256
			printf "<record><row><source_ip>10.%d.%d.%d</source_ip>", a, b, c
			printf "<count>%d</count><policy_evaluated><disposition>none</disposition>", i % 7 + 1
			printf "<dkim>%s</dkim><spf>pass</spf></policy_evaluated></row>\n", i % 5 ? "pass" : "fail"
			printf "<identifiers><envelope_to>rcpt%d.example</envelope_to>", i % 3
			print "<envelope_from>example.com</envelope_from><header_from>example.com</header_from></identifiers>"
			print "<auth_results><dkim><domain>example.com</domain><selector>s2026r</selector><result>pass</result></dkim>"
			if (i % 4 == 0)
				print "<dkim><domain>esp.example</domain><selector>k1</selector><result>pass</result></dkim>"
			print "<spf><domain>example.com</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>"
		}
		print "</feedback>"
	}'
}

# run - import the report of N rows; print rows/s and peak RSS
run() {
	gen "$1" >"$tmp/report-$1.xml"
	rm -f "$tmp/store.db" "$tmp/store.db-wal" "$tmp/store.db-shm"
	/usr/bin/time -v "$signet" dmarc import --store "$tmp/store.db" \
		"$tmp/report-$1.xml" >"$tmp/out" 2>"$tmp/time" ||
		{ cat "$tmp/out" "$tmp/time" >&2; exit 1; }
	grep -q "^imported: .* $1 rows" "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
	awk -v n="$1" -v size="$(wc -c <"$tmp/report-$1.xml")" '
		/Elapsed \(wall clock\)/ { t = $NF; k = split(t, p, ":"); s = 0
			for (i = 1; i <= k; i++) s = s * 60 + p[i] }
		/User time/ { u = $NF } /System time/ { y = $NF }
		/Maximum resident set size/ { rss = $NF }
		END { printf "%d rows (%.0f MB of XML): %.2f s wall, %.2f s CPU, %.0f rows/s, peak RSS %.1f MB\n",
			n, size / 1e6, s, u + y, n / s, rss / 1024 }' "$tmp/time"
	rm -f "$tmp/report-$1.xml"
}

run $((rows / 10))
run "$rows"
