#!/bin/bash
# NAME
#	test-import.sh - signet dmarc import: real reports, hostile inputs
# SYNOPSIS
#	tests/dmarc/test-import.sh
# DESCRIPTION
#	Every file of the shared sample set ($srcdir/../shared/dmarc-samples:
#	real receivers' reports and other tools' test sets) is imported on
#	its own into a fresh SQLite store; what signet says of it (imported
#	with its row and message counts, duplicate, or refused with the
#	reason) must be the line of tests/dmarc/expected.txt.
#
#	Then, with inputs made here:
#	- what is stored: policy, rows, several DKIM results, folded words;
#	- a second import of the same report is a duplicate and adds nothing;
#	- standard input from a pipe (gzip), an mbox of two messages and a
#	  Maildir, a zip archive with a folder, a "../" name and gzip inside;
#	- hostile inputs are refused, each in bounded memory (peak RSS under
#	  RSS_MAX_KB): a gzip bomb (1.1 GiB of output against the default
#	  limit of 1 GiB), a zip bomb (against --max-size), billion laughs,
#	  an external entity, elements nested 100000 deep, a truncated report;
#	- the exit status is 0 when all was imported, 1 when anything was
#	  refused.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise; 77 (skipped) when the
#	sample set is not beside the source tree; 99 when a tool is missing.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${srcdir:=$here/../..}"
srcdir=$(cd "$srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
SIGNET=${SIGNET_CLI:-$top_builddir/signet}
SAMPLES=${SIGNET_DMARC_SAMPLES:-$srcdir/../shared/dmarc-samples}
EXPECTED=$srcdir/tests/dmarc/expected.txt
RSS_MAX_KB=65536

if [ ! -d "$SAMPLES" ]; then
	echo "SKIP: no sample reports at $SAMPLES (the shared/ folder beside the clone)"
	exit 77
fi
for tool in sqlite3:sqlite3 python3:python3 zip:zip /usr/bin/time:time; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		{ echo "FATAL: ${tool%%:*} not found: install the Debian package ${tool#*:}" >&2; exit 99; }
done
[ -x "$SIGNET" ] || { echo "FATAL: $SIGNET not built" >&2; exit 99; }

PASSED=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-dmarc-import.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1: $2"; }

# import - signet dmarc import into STORE; output in $TMP/out, status in $rc
import() {
	local store=$1
	shift
	rc=0
	"$SIGNET" dmarc import --store "$store" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# fresh - a new empty store path
fresh() {
	rm -f "$TMP/s.db" "$TMP/s.db-wal" "$TMP/s.db-shm"
	echo "$TMP/s.db"
}

# expect_line - the output holds a line matching the extended regex
expect_line() {
	local name=$1 re=$2
	if grep -Eq -- "$re" "$TMP/out"; then
		pass "$name"
	else
		fail "$name" "no line matching /$re/ in: $(tr '\n' '|' <"$TMP/out" | cut -c 1-400)"
	fi
}

# sql - one value from the store
sql() {
	sqlite3 "$1" "$2"
}

# check_eq - NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}

# peak_rss - import under /usr/bin/time; the peak RSS in kB in $rss
import_measured() {
	local store=$1
	shift
	rc=0
	/usr/bin/time -f '%M' -o "$TMP/rss" "$SIGNET" dmarc import --store "$store" "$@" \
		>"$TMP/out" 2>"$TMP/err" || rc=$?
	rss=$(tail -n 1 "$TMP/rss")
}

# refused_bounded - NAME REGEX: refused for that reason, in bounded memory
refused_bounded() {
	local name=$1 re=$2
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit status $rc, want 1: $(cat "$TMP/out" "$TMP/err" | head -n 3)"
	elif ! grep -Eq -- "^refused: .*$re" "$TMP/out"; then
		fail "$name" "not refused for /$re/: $(head -n 2 "$TMP/out")"
	elif [ "$rss" -gt "$RSS_MAX_KB" ]; then
		fail "$name" "peak RSS $rss kB, over $RSS_MAX_KB kB"
	else
		pass "$name (peak RSS $rss kB)"
	fi
}

# --- the sample set against the golden list
(cd "$SAMPLES" && find . -type f | LC_ALL=C sort | sed 's|^\./||') >"$TMP/files"
: >"$TMP/got"
while IFS= read -r f; do
	store=$(fresh)
	(cd "$SAMPLES" && "$SIGNET" dmarc import --store "$store" "$f") 2>&1 |
		grep -v '^summary: ' >>"$TMP/got"
done <"$TMP/files"
nfiles=$(wc -l <"$TMP/files")
if diff -u "$EXPECTED" "$TMP/got" >"$TMP/diff"; then
	pass "all $nfiles sample files: imported or refused as expected.txt says"
else
	fail "sample files" "output differs from expected.txt:"
	head -n 40 "$TMP/diff"
fi
# Each file has at least one line in the golden list.
missing=0
while IFS= read -r f; do
	grep -Fq -- ": $f" "$EXPECTED" || { missing=$((missing + 1)); echo "  not in expected.txt: $f"; }
done <"$TMP/files"
check_eq "every sample file has a golden line" "$missing" 0

# --- what is stored
S=$(fresh)
import "$S" "$SAMPLES/parsedmarc/samples/aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml" \
	"$SAMPLES/parsedmarc/samples/aggregate_invalid/report_with_upper_cased_pass.xml" \
	"$SAMPLES/opendmarc/163.com!example.com!1337270400!1337356799.20120518163.xml"
check_eq "three reports imported, exit 0" "$rc:$(grep -c '^imported' "$TMP/out")" "0:3"
check_eq "RFC 9990 policy fields" \
	"$(sql "$S" "SELECT p || ',' || np || ',' || testing || ',' || discovery || ',' || generator FROM dmarc_report WHERE reporter = 'example.net'")" \
	"reject,reject,y,treewalk,$(sed -n 's/.*<generator>\(.*\)<\/generator>.*/\1/p' "$SAMPLES/parsedmarc/samples/aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml")"
check_eq "1337270400.0 read as a timestamp" \
	"$(sql "$S" "SELECT date_begin || '-' || date_end FROM dmarc_report WHERE reporter = '163.com'")" \
	"1337270400-1337356799"
check_eq "upper-case Pass folded" \
	"$(sql "$S" "SELECT COUNT(*) FROM dmarc_row w JOIN dmarc_report r ON r.id = w.report WHERE r.report_id = 'aggr_report_example.com_20191202_1638' AND w.dkim = 'pass'")" 1
check_eq "rows and messages of the 163.com report" \
	"$(sql "$S" "SELECT COUNT(*) || '/' || SUM(messages) FROM dmarc_row w JOIN dmarc_report r ON r.id = w.report WHERE r.reporter = '163.com'")" \
	"$(sql "$S" "SELECT nrows || '/' || nmessages FROM dmarc_report WHERE reporter = '163.com'")"
check_eq "every DKIM and SPF result kept" \
	"$(sql "$S" "SELECT COUNT(*) FROM dmarc_auth a JOIN dmarc_report r ON r.id = a.report WHERE r.reporter = '163.com'")" \
	"$(grep -c -e '<dkim>' -e '<spf>' "$SAMPLES/opendmarc/163.com!example.com!1337270400!1337356799.20120518163.xml" |
		awk -v rows="$(sql "$S" "SELECT nrows FROM dmarc_report WHERE reporter = '163.com'")" '{ print $1 - 2 * rows }')"

# --- idempotent re-import
before=$(sql "$S" "SELECT COUNT(*) FROM dmarc_row")
import "$S" "$SAMPLES/opendmarc/163.com!example.com!1337270400!1337356799.20120518163.xml"
expect_line "re-import is a duplicate" '^duplicate: .*163\.com report aggr_report_example\.com_20120518_163\.com was imported before'
check_eq "re-import adds no row, exit 0" "$rc:$(sql "$S" "SELECT COUNT(*) FROM dmarc_row")" "0:$before"

# --- standard input, mbox, Maildir, zip layouts
S=$(fresh)
rc=0
gzip -c "$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/google.xml" |
	"$SIGNET" dmarc import --store "$S" - >"$TMP/out" 2>&1 || rc=$?
expect_line "gzip from a pipe on standard input" '^imported: -: google\.com report 3166094538684628578 for foo-bar\.io'
{
	cat "$SAMPLES/parsedmarc/samples/aggregate/twilight.eml"
	echo
	echo "From dmarc@example.net Thu Aug 31 10:06:17 2023"
	cat "$SAMPLES/parsedmarc/samples/aggregate/mimecast-weird-gzip.eml"
} | sed '1s/^/From noreply-dmarc-support@google.com Mon Feb 11 00:00:00 2019\n/' >"$TMP/box.mbox"
import "$S" "$TMP/box.mbox"
check_eq "mbox of two messages: two reports" "$(grep -c '^imported: .*box\.mbox (message [12])' "$TMP/out")" 2
mkdir -p "$TMP/Maildir/cur" "$TMP/Maildir/new" "$TMP/Maildir/tmp"
cp "$SAMPLES/parsedmarc/samples/aggregate/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml" \
	"$TMP/Maildir/new/1.host"
cp "$SAMPLES/parsedmarc/samples/failure/dmarc_ruf_report_linkedin.eml" "$TMP/Maildir/cur/2.host:2,S"
echo "half-delivered" >"$TMP/Maildir/tmp/3.host"
import "$S" "$TMP/Maildir"
check_eq "Maildir: new/ and cur/ read, tmp/ left alone" \
	"$rc:$(grep -c '^imported' "$TMP/out"):$(grep -c 'tmp/3.host' "$TMP/out")" "0:2:0"
mkdir -p "$TMP/z/sub"
gzip -c "$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/yahoo.xml" >"$TMP/z/sub/report.xml.gz"
cp "$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/aol.xml" "$TMP/z/x"
(cd "$TMP/z" && zip -q -r ../layout.zip sub x && python3 - ../layout.zip \
	"$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/mailru.xml" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a") as z:
    z.write(sys.argv[2], "../../etc/evil.xml")
EOF
)
import "$S" "$TMP/layout.zip"
check_eq "zip: folder, gzip inside, no extension, ../ name" \
	"$rc:$(grep -c '^imported' "$TMP/out"):$(grep -c 'layout\.zip!\.\./\.\./etc/evil\.xml' "$TMP/out")" "0:3:1"
[ ! -e /etc/evil.xml ] && pass "nothing written outside" || fail "nothing written outside" "/etc/evil.xml exists"

# --- hostile inputs
S=$(fresh)
python3 - "$TMP/bomb.xml.gz" <<'EOF'
import sys, zlib
z = zlib.compressobj(1, zlib.DEFLATED, 31)
chunk = b" " * (1 << 20)
with open(sys.argv[1], "wb") as f:
    f.write(z.compress(b"<?xml version='1.0'?><feedback><report_metadata>"))
    for _ in range(1100):
        f.write(z.compress(chunk))
    f.write(z.flush())
EOF
import_measured "$S" "$TMP/bomb.xml.gz"
refused_bounded "gzip bomb: 1.1 GiB against the default 1 GiB limit" "decompression bomb"
python3 - "$TMP/bomb.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("report.xml", "w", force_zip64=True) as f:
        f.write(b"<feedback>")
        chunk = b"\n" * (1 << 20)
        for _ in range(64):
            f.write(chunk)
EOF
import_measured "$S" --max-size 16M "$TMP/bomb.zip"
refused_bounded "zip bomb against --max-size 16M" "decompression bomb"
cat >"$TMP/laughs.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE feedback [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<feedback><report_metadata><org_name>&f;</org_name></report_metadata></feedback>
EOF
import_measured "$S" "$TMP/laughs.xml"
refused_bounded "billion laughs" "DOCTYPE declaration at line 2"
printf '<?xml version="1.0"?>\n<!DOCTYPE f SYSTEM "file:///etc/passwd">\n<feedback/>\n' >"$TMP/xxe.xml"
import_measured "$S" "$TMP/xxe.xml"
refused_bounded "external entity" "DOCTYPE declaration"
python3 -c 'import sys; sys.stdout.write("<feedback>" + "<a>" * 100000 + "</a>" * 100000 + "</feedback>")' >"$TMP/deep.xml"
import_measured "$S" "$TMP/deep.xml"
refused_bounded "elements nested 100000 deep" "nested more than 64 deep"
head -c 20000 "$SAMPLES/opendmarc/163.com!example.com!1337270400!1337356799.20120518163.xml" >"$TMP/cut.xml"
import_measured "$S" "$TMP/cut.xml"
refused_bounded "truncated report" "truncated XML"
check_eq "a refused report leaves no row behind" \
	"$(sql "$S" "SELECT COUNT(*) FROM dmarc_row") $(sql "$S" "SELECT COUNT(*) FROM dmarc_report")" "0 0"
import "$S" "$TMP/cut.xml" "$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/webde.xml"
check_eq "one refused among imported: exit 1, summary counts both" \
	"$rc:$(tail -n 1 "$TMP/out")" \
	"1:summary: 1 imported (1 rows, 1 messages), 0 failure reports, 0 duplicates, 1 refused"

# --- failure reports
S=$(fresh)
import "$S" "$SAMPLES/parsedmarc/samples/failure"
check_eq "failure reports: three stored, the plain-text one refused" \
	"$rc:$(grep -c '^imported: .*failure report$' "$TMP/out"):$(grep -c '^refused: .*exim_plain_text' "$TMP/out")" "1:3:1"
"$SIGNET" dmarc failures --store "$S" --domain example.com >"$TMP/out" 2>&1 || true
expect_line "failures lists them" '^2019-04-30 02:09:00 +10\.10\.10\.10 +dmarc-noreply@linkedin\.com +example\.com dmarc  from=  dkim=/  delivered$'
check_eq "failures: one for example.com" "$(tail -n 1 "$TMP/out")" "1 failure report"

# --- a store that cannot be opened is a temporary failure (pipe transports retry)
import "$TMP/no/such/dir/s.db" "$SAMPLES/dmarc-report-viewer/testdata/dmarc-reports/webde.xml"
check_eq "store unavailable: exit 75" "$rc" 75

printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
