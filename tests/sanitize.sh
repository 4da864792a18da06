#!/bin/sh
# sanitize.sh - the unit tests built with clang under ASan and UBSan
#
# Usage: tests/sanitize.sh             (make check runs it)
#
# Configures a second build in a temporary directory with
# CC=clang CFLAGS="-fsanitize=address,undefined
# -fno-sanitize-recover=undefined -g -O1", builds the unit tests
# (tests/unit/test-* in Makefile.am) and runs each with leak detection
# on. A test that fails, or any AddressSanitizer, LeakSanitizer or
# UndefinedBehaviorSanitizer report, fails this test; the reports are
# printed. SANITIZE_KEEP=1 keeps the build directory. Exits 77 when
# clang is missing.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
CLANG=${CLANG:-clang}
pass=0 fail=0

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "tests/sanitize.sh: skipped: $CLANG not found (Debian package clang)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/signet-sanitize.XXXXXX") || exit 1
cleanup() {
	if [ "${SANITIZE_KEEP:-0}" = 1 ]; then
		echo "tests/sanitize.sh: build kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tests=$(grep -o 'tests/unit/test-[a-z0-9-]*' "$top/Makefile.am" | sort -u)
cd "$dir" || exit 1
if ! "$top/configure" -q CC="$CLANG" \
	CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1" \
	>configure.log 2>&1; then
	tail -20 configure.log
	echo "0 passed, 1 failed"
	exit 1
fi
# shellcheck disable=SC2086
if ! make -j2 $tests >make.log 2>&1; then
	grep -E 'error|Error' make.log | head -20
	echo "0 passed, 1 failed"
	exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=exitcode=86
export srcdir="$top"
for t in $tests; do
	log=$dir/$(basename "$t").log
	./"$t" >"$log" 2>&1
	st=$?
	if [ $st = 0 ] && ! grep -qE 'Sanitizer|runtime error:' "$log"; then
		pass=$((pass + 1))
		echo "PASS: $t: $(tail -1 "$log")"
	else
		fail=$((fail + 1))
		echo "FAIL: $t (exit $st)"
		grep -E -A12 'ERROR: |runtime error:|assertion failed' "$log" | head -40
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
