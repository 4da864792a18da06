#!/bin/bash
# NAME
#	test-reports.sh - signet dmarc import against hostile report files
# SYNOPSIS
#	tests/hostile/test-reports.sh
# DESCRIPTION
#	Feeds signet dmarc import inputs made to hurt it (by mkhostile.py,
#	most of them on the fly through a pipe) and checks, for each, the
#	outcome and its reason (the "imported:" or "refused:" line), the
#	exit status (1 when anything was refused), the peak RSS (under
#	RSS_MAX_KB, measured by /usr/bin/time) and the elapsed time (under
#	the case's bound):
#
#	- a gzip bomb of 10 GiB on standard input, and the same gzipped
#	  again (double gzip); a real report gzipped twice is imported;
#	- a zip64 entry that inflates to 10 GiB;
#	- an "overlapping" zip bomb: 1000 central directory entries that
#	  share one 100 MiB body: refused once the input's budget is
#	  spent, not 1000 times over;
#	- a zip of 10,000 entries that are not reports, and one that is;
#	- a gzipped "zip" and a gzipped mail message with a 100 MB part:
#	  spooled to disk, not memory;
#	- a 2 GiB report on standard input, parsed as it streams (no size
#	  limit for XML; memory does not grow with it), and a 100 MB tag;
#	- an external entity in an internal DTD subset;
#	- a truncated gzip file;
#	- a mail message with 10,000 parts;
#	- attachments and zip entries named ../../../../tmp/..., /tmp/...:
#	  imported under those names as labels, nothing written there.
#
#	Every import runs in an empty working folder with TMPDIR pointing
#	at an empty folder: afterwards both must still be empty (spool
#	files are unlinked) and the store's folder must hold only the
#	store. With TMPDIR naming a missing folder, a stream that must be
#	spooled is refused with a reason that names it.
#
#	tests/dmarc/test-import.sh covers the gzip bomb of 1.1 GiB, a zip
#	bomb against --max-size, billion laughs, DOCTYPE SYSTEM, nesting
#	100,000 deep, a truncated report and a zip entry named "../":
#	they are not repeated here.
#
#	One PASS or FAIL line per case, with its peak RSS and time, then
#	"N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise; 99 when a tool is
#	missing.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${srcdir:=$here/../..}"
srcdir=$(cd "$srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
SIGNET=${SIGNET_CLI:-$top_builddir/signet}
MK=$srcdir/tests/hostile/mkhostile.py
RSS_MAX_KB=65536

for tool in sqlite3:sqlite3 python3:python3 gzip:gzip base64:coreutils /usr/bin/time:time; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		{ echo "FATAL: ${tool%%:*} not found: install the Debian package ${tool#*:}" >&2; exit 99; }
done
[ -x "$SIGNET" ] || { echo "FATAL: $SIGNET not built" >&2; exit 99; }

PASSED=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-hostile-reports.XXXXXX")
TAG=signet-hostile-$$
trap 'rm -rf "$TMP"; rm -f /tmp/$TAG-*' EXIT
mkdir -p "$TMP/cwd" "$TMP/spool" "$TMP/store" "$TMP/in"
T_START=$(date +%s)

pass() { PASSED=$((PASSED + 1)); echo "PASS: $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1: $2"; }

# run - signet dmarc import [ARGS] in the scratch folders, measured:
# output in $TMP/out, status in $rc, peak RSS (kB) in $rss, seconds in $secs
run() {
	rm -f "$TMP/store"/s.db*
	rc=0
	(cd "$TMP/cwd" && TMPDIR=$TMP/spool /usr/bin/time -f '%M %e' -o "$TMP/time" \
		"$SIGNET" dmarc import --store "$TMP/store/s.db" "$@") \
		>"$TMP/out" 2>"$TMP/err" || rc=$?
	read -r rss secs < <(tail -n 1 "$TMP/time")
}

# run_pipe - GENERATOR... | signet dmarc import [ARGS] - (the generator
# is the command before "--", the import's arguments after it)
run_pipe() {
	local gen=()
	while [ "$1" != -- ]; do gen+=("$1"); shift; done
	shift
	rm -f "$TMP/store"/s.db*
	rc=0
	"${gen[@]}" 2>/dev/null | (cd "$TMP/cwd" && TMPDIR=$TMP/spool \
		/usr/bin/time -f '%M %e' -o "$TMP/time" \
		"$SIGNET" dmarc import --store "$TMP/store/s.db" "$@" -) \
		>"$TMP/out" 2>"$TMP/err" || rc=$?
	read -r rss secs < <(tail -n 1 "$TMP/time")
}

# clean_after - nothing left in the working folder, the spool folder,
# or beside the store; prints what is there
clean_after() {
	local left
	left=$( (cd "$TMP" && find cwd spool -mindepth 1; find store -mindepth 1 ! -name 's.db*') 2>/dev/null)
	[ -z "$left" ] || { echo "files left behind: $(echo "$left" | tr '\n' ' ')"; return 1; }
}

# judge - NAME WANT_RC REGEX MAX_SECS: the outcome, its reason (a line
# of the output), memory, time, and nothing left behind
judge() {
	local name=$1 want=$2 re=$3 tmax=$4 why
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, want $want: $(cat "$TMP/out" "$TMP/err" | head -n 3 | cut -c 1-300)"
	elif ! grep -Eq -- "$re" "$TMP/out"; then
		fail "$name" "no line matching /$re/ in: $(head -n 3 "$TMP/out" | cut -c 1-300)"
	elif [ "$rss" -gt "$RSS_MAX_KB" ]; then
		fail "$name" "peak RSS $rss kB, over $RSS_MAX_KB kB"
	elif awk -v s="$secs" -v m="$tmax" 'BEGIN { exit !(s > m) }'; then
		fail "$name" "took $secs s, over $tmax s"
	elif ! why=$(clean_after); then
		fail "$name" "$why"
	else
		pass "$name (peak RSS $rss kB, $secs s)"
	fi
}

BOMB='refused as a possible decompression bomb'

# --- gzip
run_pipe python3 "$MK" gzbomb 10 --
judge "gzip bomb: 10 GiB of output on a pipe" 1 "^refused: -: more than 1073741824 bytes after decompression: $BOMB" 60
run_pipe sh -c "python3 '$MK' gzbomb 10 | gzip -1" --
judge "double gzip: the 10 GiB bomb gzipped again" 1 "^refused: -: .*$BOMB" 60
run_pipe sh -c "python3 '$MK' report double-1 | gzip | gzip" --
judge "double gzip: a real report gzipped twice is imported" 0 \
	'^imported: -: big\.example report double-1 for example\.com, .* 2 rows, 3 messages$' 20
python3 "$MK" report cut-1 | gzip >"$TMP/in/full.gz"
head -c $(( $(stat -c %s "$TMP/in/full.gz") - 40 )) "$TMP/in/full.gz" >"$TMP/in/cut.xml.gz"
run "$TMP/in/cut.xml.gz"
judge "truncated gzip" 1 '^refused: .*cut\.xml\.gz: truncated gzip data: it ends inside a compressed stream$' 20
check_rows() {
	local got
	got=$(sqlite3 "$TMP/store/s.db" "SELECT COUNT(*) FROM dmarc_report" 2>&1)
	[ "$got" = "$1" ] && pass "$2" || fail "$2" "$got reports in the store, want $1"
}
check_rows 0 "the truncated gzip left no report behind"

# --- zip
python3 "$MK" zipbomb "$TMP/in/bomb.zip" 10
run "$TMP/in/bomb.zip"
judge "zip bomb: one zip64 entry of 10 GiB" 1 "^refused: .*bomb\.zip!report\.xml: more than 1073741824 bytes after decompression: $BOMB" 60
rm -f "$TMP/in/bomb.zip"
python3 "$MK" overlap "$TMP/in/overlap.zip" 1000 100
run "$TMP/in/overlap.zip"
judge "overlapping zip: 1000 entries share one 100 MiB body" 1 \
	'^refused: .*overlap\.zip!a1000\.xml: what this input inflates to passes 1073741824 bytes in all: refused as a possible decompression bomb' 60
n=$(grep -c '^refused: .*overlap\.zip!a[0-9]*\.xml: ' "$TMP/out")
inflated=$(grep -c 'truncated XML' "$TMP/out")
if [ "$n" -eq 1000 ] && [ "$inflated" -le 11 ]; then
	pass "overlapping zip: every entry answered, at most 11 inflated ($inflated)"
else
	fail "overlapping zip: budget" "$n entries answered (want 1000), $inflated inflated in full (want at most 11)"
fi
python3 "$MK" report many-1 >"$TMP/in/r.xml"
python3 "$MK" manyzip "$TMP/in/many.zip" 10000 "$TMP/in/r.xml"
run "$TMP/in/many.zip"
judge "zip of 10,000 entries and a report" 1 \
	'^imported: .*many\.zip!report\.xml: big\.example report many-1 for example\.com' 60
check_rows 1 "zip of 10,000 entries: the report is stored"
n=$(grep -c '^refused: .*many\.zip!junk/[0-9]*\.txt: not a DMARC report' "$TMP/out")
[ "$n" -eq 10000 ] && pass "zip of 10,000 entries: each junk entry refused with its name" ||
	fail "zip of 10,000 entries" "$n junk entries refused, want 10000"
run_pipe sh -c "{ printf 'PK\\003\\004'; head -c 300000000 /dev/zero; } | gzip -1" -- --max-size 256M
judge "gzipped zip of 300 MB, --max-size 256M: spooled, not held" 1 \
	"^refused: -: more than 268435456 bytes after decompression: $BOMB" 60

rc=0
{ printf 'PK\003\004'; head -c 1000 /dev/zero; } | gzip |
	TMPDIR=$TMP/no-such-dir "$SIGNET" dmarc import --store "$TMP/store/s.db" - \
	>"$TMP/out" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^refused: -: cannot make a temporary file: .*check TMPDIR ($TMP/no-such-dir)" "$TMP/out"; then
	pass "a stream to spool with TMPDIR missing: refused, naming TMPDIR"
else
	fail "TMPDIR missing" "status $rc: $(head -n 1 "$TMP/out")"
fi

# --- mail
{
	printf 'From: dmarc@receiver.example\nSubject: big part\nMIME-Version: 1.0\n'
	printf 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
} >"$TMP/in/head"
run_pipe sh -c "{ cat '$TMP/in/head'; head -c 100000000 /dev/zero | base64; } | gzip -1" --
judge "gzipped mail with a 100 MB part: decoded to disk, not memory" 1 \
	'^refused: -: no DMARC report in this message \(its parts: application/octet-stream\)$' 60
python3 "$MK" manyparts "$TMP/in/parts.eml" 10000 "$TMP/in/r.xml"
run "$TMP/in/parts.eml"
judge "mail with 10,000 parts" 0 \
	'^imported: .*parts\.eml \(report\.xml\.gz\): big\.example report many-1 for example\.com' 60
for i in 1 2 3 4; do python3 "$MK" report "names-$i" >"$TMP/in/n$i.xml"; done
python3 "$MK" names "$TMP/in/names.eml" "$TAG" "$TMP"/in/n[1234].xml
run "$TMP/in/names.eml"
judge "attachment and entry names with ../ and /: labels only" 0 \
	"^imported: .*names\\.eml \\(\\.\\./\\.\\./\\.\\./\\.\\./tmp/$TAG-dotdot\\.xml\\.gz\\): big\\.example report names-1 " 20
got=$(grep -c -e "(/tmp/$TAG-abs\\.xml\\.gz): .* report names-2 " \
	-e "$TAG-archive\\.zip)!\\.\\./\\.\\./tmp/$TAG-zipdot\\.xml: .* report names-3 " \
	-e "$TAG-archive\\.zip)!/tmp/$TAG-zipabs\\.xml: .* report names-4 " "$TMP/out")
[ "$got" -eq 3 ] && pass "the other three hostile names imported, labelled as sent" ||
	fail "hostile names" "$got of 3 labels found in: $(tr '\n' '|' <"$TMP/out" | cut -c 1-400)"
made=$(ls -d /tmp/"$TAG"-* "$TMP/$TAG"-* /"$TAG"-* "$TMP"/*"$TAG"* 2>/dev/null)
[ -z "$made" ] && pass "no file created from an attachment or entry name" ||
	fail "no file created from names" "$made"

# --- XML
run_pipe python3 "$MK" bigxml 2048 2000 --
judge "a 2 GiB report on a pipe: parsed as it streams" 0 \
	'^imported: -: big\.example report big-1 for example\.com, .* 2000 rows, 2001000 messages$' 120
run_pipe sh -c "printf '<feedback><report_metadata org=\"'; head -c 100000000 /dev/zero | tr '\\000' x" --
judge "a 100 MB start tag: refused before it is buffered" 1 \
	'^refused: -: a tag, comment or processing instruction that starts at line 1 is longer than 1048576 bytes' 20
printf '<?xml version="1.0"?>\n<!DOCTYPE feedback [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n<feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>\n' \
	>"$TMP/in/xxe.xml"
run "$TMP/in/xxe.xml"
judge "external entity in an internal subset" 1 '^refused: .*xxe\.xml: the report has a DOCTYPE declaration at line 2' 10
if grep -q 'root:' "$TMP/out" "$TMP/err"; then
	fail "external entity" "/etc/passwd content in the output"
else
	pass "external entity: nothing of /etc/passwd in the output"
fi

echo "TIME: tests/hostile/test-reports.sh: $(( $(date +%s) - T_START )) s"
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
