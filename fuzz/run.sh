#!/bin/sh
# run.sh - build the libFuzzer targets and run each for a bounded time
#
# Usage: fuzz/run.sh [TARGET...]       (default: every fuzz/fuzz_*.c)
#
# Environment: FUZZ_SECONDS per target (default 20), top_builddir (a
# configured build directory; make check sets it), FUZZ_OUT (default
# $top_builddir/fuzz). Seeds come from the tests and, when present,
# ../shared/dmarc-samples, plus fuzz/regress/TARGET-* (inputs that once
# failed); new inputs libFuzzer finds are kept in
# FUZZ_OUT/corpus-TARGET for the next run. A crash, leak, sanitizer
# report or timeout fails the target; its reproducer and log stay in
# FUZZ_OUT. Exits 77 when clang or libFuzzer is missing.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${top_builddir:-.}" && pwd)
out=${FUZZ_OUT:-$build/fuzz}
secs=${FUZZ_SECONDS:-20}
samples=$top/../shared/dmarc-samples
pass=0 fail=0

"$top/fuzz/build.sh" "$build" "$out" >"$out.build.log" 2>&1
st=$?
if [ $st = 77 ]; then
	cat "$out.build.log"
	echo "fuzz/run.sh: skipped: clang with libFuzzer is needed"
	exit 77
elif [ $st != 0 ]; then
	cat "$out.build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

# seeds - the seed files of target $1, one a line
seeds() {
	case $1 in
	fuzz_policy)	ls "$top"/tests/golden/config/*.yaml "$top"/contrib/*.yaml ;;
	fuzz_canon*)	ls "$top"/tests/corpus/*.eml ;;
	fuzz_dmarc_xml)	[ ! -d "$samples" ] || find "$samples" -name '*.xml' -size -256k ;;
	fuzz_milter)	ls "$top"/fuzz/milter-seeds/* ;;
	fuzz_unpack)	ls "$top"/tests/corpus/*.eml
			[ ! -d "$samples" ] || find "$samples" -type f -size -256k \
				! -name '*.md' ! -name LICENSE ;;
	esac 2>/dev/null
	ls "$top"/fuzz/regress/"$1"-* 2>/dev/null
}

if [ $# -eq 0 ]; then
	set -- $(cd "$top/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
fi
for t in "$@"; do
	if [ ! -x "$out/$t" ]; then
		echo "SKIP: $t: not built (see $out.build.log)"
		continue
	fi
	corpus=$out/corpus-$t
	seed=$out/seed-$t
	rm -rf "$seed"
	mkdir -p "$corpus" "$seed"
	n=0
	seeds "$t" >"$seed.list"
	while IFS= read -r f; do
		n=$((n + 1))
		cp "$f" "$seed/$n"
	done <"$seed.list"
	rm -f "$seed.list"
	log=$out/$t.log
	opts=
	case $t in
	fuzz_milter)	opts=-close_fd_mask=2 ;;	# a log line per refusal
	esac
	# shellcheck disable=SC2086
	(cd "$out" && ./"$t" $opts -max_total_time="$secs" -rss_limit_mb=2048 \
		-timeout=10 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$out/$t-" "$corpus" "$seed" >"$log" 2>&1)
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ $st = 0 ]; then
		pass=$((pass + 1))
		echo "PASS: $t: ${runs:-?} runs in ${secs}s, $cov, $n seeds"
	else
		fail=$((fail + 1))
		echo "FAIL: $t (exit $st): see $log"
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_|Test unit written' "$log" | head -20
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
