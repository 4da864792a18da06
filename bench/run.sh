#!/bin/bash
# NAME
#	run.sh - run all of signet's milter benchmarks and write
#	bench/RESULTS.md
# SYNOPSIS
#	bash bench/run.sh		(as root, on Debian 12)
# DESCRIPTION
#	Installs what the benchmarks need (contrib/install-deps.sh bench),
#	builds signet and bench/milterload in $SIGNET_BUILD (default: build
#	in the source tree), then runs, one after the other:
#
#	1. bench/milter-bench.sh: the milters alone, by key setup, size and
#	   concurrency, against the sign cost measured in the same run;
#	2. bench/e2e-bench.sh: through a private Postfix with its queue in
#	   memory, against Postfix alone, in interleaved runs;
#	3. bench/memory-bench.sh: RSS with 100 open connections and over
#	   100,000 messages;
#	4. bench/profile.sh: perf counts and profiles of the 2 KB and 1 MB
#	   cases.
#
#	It writes bench/RESULTS.md: the machine, the date, the commands, the
#	targets with the measured figures, and each part's tables. The text
#	from the line "<!-- analysis -->" to the end of an existing
#	RESULTS.md (the written analysis) is kept. The targets table also
#	replaces the block between "<!-- bench:begin -->" and
#	"<!-- bench:end -->" in README.md (not with BENCH_README=0).
#
#	Environment: SIGNET_BUILD, BENCH_SKIP_DEPS=1 (no apt-get),
#	BENCH_PARTS ("milter e2e memory profile"), BENCH_RESULTS (output
#	file), and each part's own variables (see the scripts).
#	Defaults take about 35 minutes on 2 cores.
# DIAGNOSTICS
#	Stops at the first part that fails, with its reason on standard
#	error; RESULTS.md is then left as it was.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
export SIGNET_BUILD=${SIGNET_BUILD:-$top/build}
parts=${BENCH_PARTS:-milter e2e memory profile}
results=${BENCH_RESULTS:-$here/RESULTS.md}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (it installs packages, starts Postfix and OpenDKIM)" >&2
	exit 1
fi
[ "${BENCH_SKIP_DEPS:-0}" = 1 ] || sh "$top/contrib/install-deps.sh" bench
if [ ! -x "$SIGNET_BUILD/signet-milter" ]; then
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1)
	mkdir -p "$SIGNET_BUILD"
	(cd "$SIGNET_BUILD" && "$top/configure" -q && make -j"$(nproc)" >/dev/null)
fi
(cd "$SIGNET_BUILD" && make bench/milterload >/dev/null)

out=$(mktemp -d /tmp/signet-bench-run.XXXXXX)
trap 'rm -rf "$out"' EXIT
export BENCH_VARS=$out/vars
: >"$BENCH_VARS"

load1() { cut -d' ' -f1 /proc/loadavg; }

# part NAME SCRIPT - run one part, keep its tables and how long it took
part() {
	local t0 l0
	t0=$(date +%s)
	l0=$(load1)
	echo "== $1: bash bench/$2" >&2
	bash "$here/$2" >"$out/$1.md"
	echo "$1_seconds=$(( $(date +%s) - t0 ))" >>"$BENCH_VARS"
	echo "$1_load=$l0-$(load1)" >>"$BENCH_VARS"
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for p in $parts; do
	case $p in
	milter)	part milter milter-bench.sh ;;
	e2e)	part e2e e2e-bench.sh ;;
	memory)	part memory memory-bench.sh ;;
	profile) part profile profile.sh ;;
	*)	echo "run.sh: unknown part '$p' (milter e2e memory profile)" >&2; exit 2 ;;
	esac
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# shellcheck source=/dev/null
. "$BENCH_VARS"

# v - a recorded figure, or n/a
v() { eval "echo \"\${$1:-n/a}\""; }

# target - a Markdown row: WHAT VALUE OP LIMIT [NOTE]
target() {
	local verdict
	verdict=$(awk -v x="$2" -v op="$3" -v l="$4" 'BEGIN {
		if (x == "n/a" || x == "") { print "not measured"; exit }
		ok = (op == "<=") ? (x + 0 <= l + 0) : (x + 0 >= l + 0)
		print ok ? "met" : "**missed**" }')
	printf '| %s | %s | %s %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$verdict" "${5:-}"
}

ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.*f\n", d, a / b }'; }

targets() {
	local rsa ed dual rsa100 ed100 odr ode mb
	rsa=$(v target_rsa)
	[ "$rsa" != n/a ] || rsa=$(ratio "$(v signet_rsa_2k_c8_r1_cpu)" "$(v sign_us_rsa)")
	ed=$(v target_ed)
	[ "$ed" != n/a ] || ed=$(ratio "$(v signet_ed_2k_c8_r1_cpu)" "$(v sign_us_ed)")
	rsa100=$(ratio "$(v signet_rsa_2k_c8_r100_cpu)" "$(v sign_us_rsa)")
	ed100=$(ratio "$(v signet_ed_2k_c8_r100_cpu)" "$(v sign_us_ed)")
	odr=$(ratio "$(v opendkim_rsa_2k_c8_r1_cpu)" "$(v sign_us_rsa)")
	ode=$(ratio "$(v opendkim_ed_2k_c8_r1_cpu)" "$(v sign_us_ed)")
	dual=$(v target_dual)
	[ "$dual" != n/a ] ||
		dual=$(ratio "$(v signet_dual_2k_c8_r1_cpu)" "$(v signet_rsa_2k_c8_r1_cpu)")
	local c1m bytes mbed wall bound=
	c1m=$(v signet_rsa_1m_c1_r1_cpu)
	[ "$c1m" != n/a ] || c1m=$(v prof_signet_rsa_1m_cpu)
	bytes=$(v msg_1m_bytes)
	[ "$bytes" != n/a ] || bytes=1048576
	mb=$(awk -v c="$c1m" -v b="$bytes" 'BEGIN {
		if (c == "n/a") print "n/a"; else printf "%.0f\n", b / c }')
	mbed=$(awk -v c="$(v signet_ed_1m_c1_r1_cpu)" -v b="$bytes" 'BEGIN {
		if (c == "n/a") print "n/a"; else printf "%.0f\n", b / c }')
	if [ "$(v mb_rsa)" != n/a ]; then	# the bound's rounds (milter-bench.sh)
		mb=$(v mb_rsa)
		mbed=$(v mb_ed)
		bound="median of $(v mb_rounds) rounds; bound (floor + SHA-256 + signature, same rounds): $(v mb_rsa_bound), signet / bound $(v mb_rsa_share); "
		mbed="$mbed (bound $(v mb_ed_bound), signet / bound $(v mb_ed_share))"
	fi
	wall=$(awk -v r="$(v signet_rsa_1m_c8_r1_mps)" -v e="$(v signet_ed_1m_c8_r1_mps)" \
		-v b="$bytes" 'BEGIN { if (r == "n/a" || e == "n/a") print "n/a";
		else printf "RSA %.0f, Ed25519 %.0f MB/s\n", r * b / 1e6, e * b / 1e6 }')
	echo "| target | measured | wanted | verdict | notes |"
	echo "|---|---|---|---|---|"
	target "CPU per RSA-2048 2 KB message / RSA sign cost" "$rsa" "<=" 1.3 \
		"8 connections, median of $(v target_rounds) rounds (range $(v target_rsa_range)); sign floor (protocol + signature, same rounds) $(v target_f_rsa), signet / floor $(v target_over_rsa); table: 100 each $rsa100; OpenDKIM $odr; instructions in user space (section 4): $(ratio "$(v instr_rsa_msg)" "$(v instr_rsa_sign)" 3)"
	target "CPU per Ed25519 2 KB message / Ed25519 sign cost" "$ed" "<=" 3 \
		"median of $(v target_rounds) rounds (range $(v target_ed_range)); sign floor $(v target_f_ed), signet / floor $(v target_over_ed); table: 100 per connection $ed100; OpenDKIM $ode; instructions in user space: $(ratio "$(v instr_ed_msg)" "$(v instr_ed_sign)" 3)"
	target "dual CPU / RSA-only CPU (2 KB)" "$dual" "<=" 1.15 \
		"median of $(v target_rounds) rounds (range $(v target_dual_range)); sign floors' dual / RSA $(v target_f_dual); table: $(v signet_dual_2k_c8_r1_cpu) / $(v signet_rsa_2k_c8_r1_cpu) us; instructions in user space: $(ratio "$(v instr_dual_msg)" "$(v instr_rsa_msg)" 3)"
	target "e2e unix RSA / Postfix alone" "$(v e2e_signet_unix_rsa_ratio)" ">=" 0.85 \
		"OpenDKIM $(v e2e_odkim_unix_rsa_ratio); floor $(v e2e_floor_unix_least_ratio) (no signing, fewest steps); sign floor (signet's steps + RSA signature) $(v e2e_floor_unix_rsa_ratio); Postfix alone $(printf '%.0f' "$(v e2e_none_mps)" 2>/dev/null || echo n/a) msgs/s, queue on $(v e2e_queue)"
	target "e2e unix Ed25519 / Postfix alone" "$(v e2e_signet_unix_ed_ratio)" ">=" 0.92 \
		"OpenDKIM $(v e2e_odkim_unix_ed_ratio); floor $(v e2e_floor_unix_least_ratio); sign floor (Ed25519) $(v e2e_floor_unix_ed_ratio)"
	target "e2e inet RSA / Postfix alone" "$(v e2e_signet_inet_rsa_ratio)" ">=" 0.80 \
		"OpenDKIM $(v e2e_odkim_inet_rsa_ratio); floor over inet $(v e2e_floor_inet_least_ratio) (no signing, fewest steps); sign floor over inet (RSA) $(v e2e_floor_inet_rsa_ratio)"
	target "RSS with 100 connections, MB" \
		"$(awk -v k="$(v mem_signet_held_kb)" 'BEGIN { if (k == "n/a") print k; else printf "%.1f\n", k / 1024 }')" \
		"<=" 16 "OpenDKIM $(awk -v k="$(v mem_opendkim_held_kb)" 'BEGIN { if (k == "n/a") print k; else printf "%.1f\n", k / 1024 }') MB"
	target "RSS growth over $(v mem_signet_msgs) messages, kB" "$(v mem_signet_growth_kb)" "<=" 256 \
		"\"none\": within 256 kB of allocator noise"
	target "1 MB message (RSA-2048): MB signed per CPU second" "$mb" ">=" 1000 \
		"1 connection, ${bound}Ed25519: $mbed; SHA-256 alone on this machine: $(v sha256_mb_per_s) MB/s; signed per second of wall clock with 8 connections on the 2 cores: $wall"
}

machine() {
	local hw=no
	perf stat -e cycles -- true 2>&1 | grep -q 'not supported' || hw=yes
	echo "- date: $started"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores; memory $(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); kernel $(uname -r)"
	echo "- SHA extensions: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no); hardware perf counters: $hw (profiles use -e cpu-clock)"
	echo "- $(openssl version); $(opendkim -V 2>&1 | head -n 1 | sed 's/^opendkim: //'); Postfix $(postconf -d -h mail_version 2>/dev/null)"
	echo "- signet $(git -C "$top" describe --always --dirty 2>/dev/null || echo '(no git)'), built in $SIGNET_BUILD"
	echo "- load average (1, 5, 15 min) before: $load_before; after: $load_after; per part (1 min, start-end): milter $(v milter_load), e2e $(v e2e_load), memory $(v memory_load), profile $(v profile_load)"
	echo "- duration: milter $(v milter_seconds) s, e2e $(v e2e_seconds) s, memory $(v memory_seconds) s, profile $(v profile_seconds) s"
}

{
	echo "# signet benchmark results"
	echo
	echo "Written by \`bash bench/run.sh\` (see bench/README.md). Other work on the machine adds noise:"
	echo "each figure is a median of rounds, and the load average is recorded below."
	echo
	machine
	echo
	echo "## Targets"
	echo
	targets
	echo
	echo "## Commands"
	echo
	echo '```sh'
	echo "bash bench/run.sh            # all of the below, then this file"
	env | grep '^BENCH_[A-Z_]*=' | grep -v '^BENCH_VARS=' | sort | sed 's/^/# environment: /' || true
	for p in $parts; do
		case $p in
		milter)	echo "bash bench/milter-bench.sh   # BENCH_MSGS=${BENCH_MSGS:-2000} BENCH_ROUNDS=${BENCH_ROUNDS:-3}" ;;
		e2e)	echo "bash bench/e2e-bench.sh      # BENCH_E2E_MSGS=${BENCH_E2E_MSGS:-5000} BENCH_E2E_ROUNDS=${BENCH_E2E_ROUNDS:-5} BENCH_E2E_QUEUE=${BENCH_E2E_QUEUE:-memory}" ;;
		memory)	echo "bash bench/memory-bench.sh   # BENCH_MEM_MSGS=${BENCH_MEM_MSGS:-100000} BENCH_MEM_CONNS=${BENCH_MEM_CONNS:-100}" ;;
		profile) echo "bash bench/profile.sh        # BENCH_PROF_MSGS=${BENCH_PROF_MSGS:-4000}" ;;
		esac
	done
	echo '```'
	for p in $parts; do
		echo
		case $p in
		milter)	echo "## 1. The milters alone (milterload, unix socket)" ;;
		e2e)	echo "## 2. End to end through Postfix" ;;
		memory)	echo "## 3. Memory" ;;
		profile) echo "## 4. Profile" ;;
		esac
		echo
		cat "$out/$p.md"
	done
	echo
	if [ -f "$results" ] && grep -q '^<!-- analysis -->' "$results"; then
		sed -n '/^<!-- analysis -->/,$p' "$results"
	else
		echo "<!-- analysis -->"
		echo "## What stands between signet and the targets"
		echo
		echo "(not written yet)"
	fi
} >"$out/RESULTS.md"
cp "$out/RESULTS.md" "$results"
echo "wrote $results" >&2

if [ "${BENCH_README:-1}" = 1 ] && grep -q '^<!-- bench:begin -->' "$top/README.md"; then
	{
		echo "<!-- bench:begin -->"
		echo "Latest run ($started, $(nproc) cores, load average $load_before at the start):"
		echo
		targets
		echo "<!-- bench:end -->"
	} >"$out/block"
	awk -v block="$out/block" '
		/^<!-- bench:begin -->/ { while ((getline l < block) > 0) print l; skip = 1; next }
		/^<!-- bench:end -->/ { skip = 0; next }
		!skip' "$top/README.md" >"$out/README.md"
	cat "$out/README.md" >"$top/README.md"
	echo "updated the Performance figures in $top/README.md" >&2
fi
