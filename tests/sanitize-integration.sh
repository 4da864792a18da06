#!/bin/sh
# sanitize-integration.sh - signet-milter built with ASan and UBSan,
# run through Postfix by the integration tests
#
# Usage: tests/sanitize-integration.sh          (make check runs it)
#
# Builds signet-milter with clang, -fsanitize=address,undefined and
# -fno-sanitize-recover=undefined, in a temporary directory (or in
# SANITIZE_BUILD=DIR, kept and reused), then runs the integration tests
# test-sign.sh, test-reload.sh, test-relay.sh, test-miltertest.sh and
# test-counters.sh (the answer at end of message waits for the count)
# with SIGNET_MILTER pointing at that daemon. AddressSanitizer,
# LeakSanitizer (at exit, after SIGTERM) and UndefinedBehaviorSanitizer
# write their reports to files (log_path) in a directory that the
# daemon's user can write to. Each test is two cases: the test passes,
# and the daemon wrote no report; a report is printed. The other tools
# of the tests (signet, odkim-verify) come from the normal build in
# top_builddir. Message counts are smaller than in the normal run
# (SIGNET_INTEGRATION_COUNT=100, SIGNET_RELOAD_COUNT=500), and TCP
# latency is not judged (see below).
# SANITIZE_KEEP=1 keeps the temporary directory. Exits 77 when clang is
# missing or when not run as root (the tests start a private Postfix).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
: "${srcdir:=$top}"
srcdir=$(cd "$srcdir" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
CLANG=${CLANG:-clang}
pass=0 fail=0

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "tests/sanitize-integration.sh: skipped: $CLANG not found (Debian package clang)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "tests/sanitize-integration.sh: skipped: must run as root (the tests start a private Postfix)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/signet-sanitize-it.XXXXXX") || exit 1
chmod 755 "$dir"
cleanup() {
	if [ "${SANITIZE_KEEP:-0}" = 1 ]; then
		echo "tests/sanitize-integration.sh: kept $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

build=${SANITIZE_BUILD:-$dir/build}
mkdir -p "$build"
cd "$build" || exit 1
if [ ! -f Makefile ] && ! "$top/configure" -q CC="$CLANG" \
	CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1" \
	>configure.log 2>&1; then
	tail -20 configure.log
	echo "0 passed, 1 failed"
	exit 1
fi
if ! make -j2 signet-milter >make.log 2>&1; then
	grep -E 'error|Error' make.log | head -20
	echo "0 passed, 1 failed"
	exit 1
fi

if ! grep -q __asan_init "$build/signet-milter"; then
	echo "FAIL: $build/signet-milter is not built with AddressSanitizer"
	echo "0 passed, 1 failed"
	exit 1
fi

reports=$dir/reports
mkdir -p "$reports"
chmod 1777 "$reports"
ASAN_OPTIONS=log_path=$reports/asan:detect_leaks=1:abort_on_error=0:exitcode=86
UBSAN_OPTIONS=log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1
SIGNET_MILTER=$build/signet-milter
: "${SIGNET_INTEGRATION_COUNT:=100}"
: "${SIGNET_RELOAD_COUNT:=500}"
# test-sign's bound on the TCP latency of one message (20 ms) is for the
# optimised build; the sanitizers make every message several times slower.
SIGNET_LATENCY_MAX_MS=1000
IT_MILTER_WAIT=30
export ASAN_OPTIONS UBSAN_OPTIONS SIGNET_MILTER srcdir top_builddir \
	SIGNET_INTEGRATION_COUNT SIGNET_RELOAD_COUNT SIGNET_LATENCY_MAX_MS \
	IT_MILTER_WAIT

for t in test-sign test-reload test-relay test-miltertest test-counters; do
	log=$dir/$t.log
	start=$(date +%s)
	"$srcdir/tests/integration/$t.sh" >"$log" 2>&1
	st=$?
	secs=$(( $(date +%s) - start ))
	case $st in
	0)	pass=$((pass + 1))
		echo "PASS: $t under ASan/UBSan: $(tail -n 2 "$log" | head -n 1) ($secs s)" ;;
	77)	echo "SKIP: $t: $(tail -n 1 "$log")" ;;
	*)	fail=$((fail + 1))
		echo "FAIL: $t under ASan/UBSan (exit $st, $secs s)"
		grep -E '^(FAIL|FATAL)' "$log" | head -10 ;;
	esac
	if [ -n "$(ls -A "$reports")" ]; then
		fail=$((fail + 1))
		echo "FAIL: $t: the daemon wrote sanitizer reports:"
		for r in "$reports"/*; do
			echo "--- $r"
			head -n 40 "$r"
			mv "$r" "$dir/$t.$(basename "$r")"
		done
	else
		pass=$((pass + 1))
		echo "PASS: $t: no sanitizer report"
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
