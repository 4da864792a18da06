#!/bin/bash
# NAME
#	profile.sh - where signet-milter's CPU goes besides the signature
# SYNOPSIS
#	bash bench/profile.sh		(as root; SIGNET_BUILD=build tree)
# DESCRIPTION
#	Drives signet-milter (and OpenDKIM, for comparison) with milterload
#	on a unix socket, under perf, in these cases: 2 KB messages with
#	RSA-2048, with Ed25519 and with both (dual: one signature of each
#	per message) over 8 connections, one message per connection and
#	100 per connection; a 1 MB message with RSA-2048 over one
#	connection. OpenDKIM cannot sign dual (see common.sh) and is left
#	out there.
#
#	perf stat counts, per message and over all threads of the milter
#	(threads created during the run included): CPU (cpu-clock), context
#	switches, system calls in all and the main ones, threads created.
#	(/proc/PID/status counts context switches of one thread only, and
#	libmilter's threads come and go.) perf record -e cpu-clock then
#	splits the CPU per message by shared object, and lists the hottest
#	symbols. bench/nullmilter, a libmilter milter that only inserts a
#	fixed header field, gives the floor that libmilter and the kernel
#	set for any milter built on libmilter (signet-milter has its own
#	engine; OpenDKIM is built on libmilter). bench/floormilter -S,
#	signet's engine doing nothing but insert that field, with
#	signet-milter's protocol steps, gives the floor of signet's engine
#	and the kernel: what a signet-milter message costs beside the
#	signature, signet's own code and libc.
#
#	Then callgrind counts the instructions of signet-milter (user space,
#	all threads) per 2 KB message for each setup, by shared object, and
#	those of the signatures alone (milterload -S): counts that other
#	work on the machine does not change (two runs differ by under
#	0.1 %), where the CPU figures above move with the load. Each is the difference between two runs
#	of different lengths. Skipped without valgrind.
#
#	Output: Markdown tables on standard output, figures as KEY=VALUE
#	lines in $BENCH_VARS when set.
#
#	Environment: BENCH_PROF_MSGS (2 KB messages per run, default 4000;
#	the 1 MB case sends a twentieth), BENCH_PROF_SETUPS ("rsa ed dual").
# DIAGNOSTICS
#	Exit 99 when perf is missing (Debian package linux-perf); exit 1 when
#	perf cannot attach (kernel.perf_event_paranoid, containers).
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

msgs=${BENCH_PROF_MSGS:-4000}
setups=${BENCH_PROF_SETUPS:-rsa ed dual}
syscalls="poll epoll_wait read writev write sendto futex clone3"

bench_init profile
bench_need perf linux-perf
null=$(bench_program nullmilter)
floor=$(bench_program floormilter)
bench_keys "$B_TMP/keys"
bench_message 2048 "$B_TMP/2k.eml"
bench_message 1048576 "$B_TMP/1m.eml"
perf stat -e cpu-clock -- true >/dev/null 2>&1 ||
	bench_die "perf stat does not work here (kernel.perf_event_paranoid?)"

rsa_us=$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/rsa.key" -n 2000)")
ed_us=$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/ed.key" -n 10000)")

# perf_attach - perf ARGS... in the background, attached to a process
# whose threads come and go (perf gives up when one exits while it
# attaches: try again); sets perf_pid
perf_attach() {
	local i
	for i in 1 2 3 4 5; do
		perf "$@" 2>>"$B_TMP/perf.log" &
		perf_pid=$!
		sleep 1
		! kill -0 "$perf_pid" 2>/dev/null || return 0
		wait "$perf_pid" 2>/dev/null || true
	done
	bench_die "perf $1 cannot attach to the milter"
}

# perf_stop - stop perf_pid and wait for it to write its output
perf_stop() {
	kill -INT "$perf_pid" 2>/dev/null || true
	wait "$perf_pid" || true
}

# perf_stat - PID N ARGS...: milterload under perf stat; sets st_* per message
perf_stat() {
	local pid=$1 n=$2 ev=cpu-clock,context-switches,raw_syscalls:sys_enter s
	shift 2
	for s in $syscalls; do ev="$ev,syscalls:sys_enter_$s"; done
	perf_attach stat -x, -e "$ev" -p "$pid" -o "$B_TMP/stat.csv"
	bench_load "$@" -n "$n" >/dev/null
	perf_stop
	# cpu-clock is in ms; the rest are counts.
	eval "$(awk -F, -v n="$n" 'NF > 2 {
		k = $3; sub(/^raw_syscalls:sys_enter$/, "syscalls", k)
		sub(/^syscalls:sys_enter_/, "sc_", k); sub(/-/, "_", k)
		v = (k == "cpu_clock") ? $1 * 1000 / n : $1 / n
		printf "st_%s=%.1f\n", k, v }' "$B_TMP/stat.csv")"
}

# perf_record - PID N LABEL ARGS...: milterload under perf record; writes
# LABEL.dso (share by shared object) and LABEL.sym (hottest symbols);
# tries again when perf lost the process (threads that exit as it attaches)
perf_record() {
	local pid=$1 n=$2 label=$3 try
	shift 3
	for try in 1 2 3; do
		perf_attach record -q -e cpu-clock -F 5000 -p "$pid" -o "$B_TMP/$label.data"
		bench_load "$@" -n "$n" >/dev/null
		perf_stop
		perf report -i "$B_TMP/$label.data" --no-children --sort dso --stdio 2>>"$B_TMP/perf.log" |
			awk '/^ *[0-9.]+%/ { sub(/%/, "", $1); print $1, $2 }' >"$B_TMP/$label.dso"
		[ ! -s "$B_TMP/$label.dso" ] || break
	done
	[ -s "$B_TMP/$label.dso" ] || bench_die "perf record got no samples for $label"
	perf report -i "$B_TMP/$label.data" --no-children --sort dso,sym --stdio \
		>"$B_TMP/$label.report" 2>>"$B_TMP/perf.log"
	awk '/^ *[0-9.]+%/ && $4 !~ /^0x/ && n++ < 12' "$B_TMP/$label.report" >"$B_TMP/$label.sym"
}

# share - percent of shared objects matching PATTERN in LABEL.dso
share() {
	awk -v p="$2" '$2 ~ p { s += $1 } END { printf "%.1f", s }' "$B_TMP/$1.dso"
}

rows=
dso_rows=
# case_run - LABEL MILTER PID SOCK SIZE CONNS PER COST
case_run() {
	local label=$1 milter=$2 pid=$3 sock=$4 size=$5 conns=$6 per=$7 cost=$8 n=$msgs
	local args=(-s "$sock" -f "$B_TMP/$size.eml" -c "$conns" -r "$per")
	[ "$size" != 1m ] || n=$((msgs / 20))
	bench_load "${args[@]}" -n $((n / 4)) >/dev/null	# warm up
	perf_stat "$pid" "$n" "${args[@]}"
	perf_record "$pid" "$n" "$label" "${args[@]}"
	bench_var "prof_${label//-/_}_cpu" "$st_cpu_clock"
	bench_var "prof_${label//-/_}_cs" "$st_context_switches"
	bench_var "prof_${label//-/_}_syscalls" "$st_syscalls"
	rows="$rows| $label | $milter | $size | $conns | $per | $st_cpu_clock | $cost | $(bench_ratio "$st_cpu_clock" "$cost") | $st_context_switches | $st_syscalls | $st_sc_poll | $st_sc_epoll_wait | $st_sc_read | $st_sc_writev | $st_sc_write | $st_sc_sendto | $st_sc_futex | $st_sc_clone3 |
"
	local c=$st_cpu_clock k l m s o
	k=$(share "$label" 'kernel')
	l=$(share "$label" 'libcrypto')
	m=$(share "$label" 'libmilter')
	s=$(share "$label" 'libc\\.so')
	o=$(share "$label" 'signet-milter|opendkim|libopendkim|nullmilter|floormilter')
	dso_rows="$dso_rows| $label | $c | $(us "$c" "$l") | $(us "$c" "$k") | $(us "$c" "$s") | $(us "$c" "$m") | $(us "$c" "$o") |
"
	echo "  $label: $c us/msg, $st_context_switches cs/msg, $st_syscalls syscalls/msg" >&2
}

# us - CPU us/msg times a percentage, with the percentage
us() {
	awk -v c="$1" -v p="$2" 'BEGIN { printf "%.0f (%.0f%%)", c * p / 100, p }'
}

labels=
for setup in $setups; do
	cost=$(bench_sign_cost "$setup" "$rsa_us" "$ed_us")
	bench_signet_config "$B_TMP/signet.yaml" "unix:$B_TMP/signet.sock" "$setup" "$B_TMP/keys"
	bench_start_signet "$B_TMP/signet.yaml"
	case_run "signet-$setup-2k-r1" signet "$B_PID" "unix:$B_TMP/signet.sock" 2k 8 1 "$cost"
	case_run "signet-$setup-2k-r100" signet "$B_PID" "unix:$B_TMP/signet.sock" 2k 8 100 "$cost"
	[ "$setup" != rsa ] ||
		case_run "signet-rsa-1m" signet "$B_PID" "unix:$B_TMP/signet.sock" 1m 1 1 "$cost"
	bench_stop "$B_PID"
	case $setup in
	rsa)	labels="$labels signet-rsa-2k-r1 signet-rsa-1m" ;;
	ed)	labels="$labels signet-ed-2k-r100" ;;
	dual)	labels="$labels signet-dual-2k-r1" ;;
	esac
	[ "$setup" != dual ] || continue
	bench_opendkim_config "$B_TMP/opendkim.conf" "unix:$B_TMP/opendkim.sock" "$setup" "$B_TMP/keys"
	bench_start_opendkim "$B_TMP/opendkim.conf"
	case_run "opendkim-$setup-2k-r1" opendkim "$B_PID" "unix:$B_TMP/opendkim.sock" 2k 8 1 "$cost"
	bench_stop "$B_PID"
done

# no_work - NAME MILTER BINARY ARGS...: a milter that signs nothing, on
# $B_TMP/NAME.sock (-p), with one and 100 messages per connection
no_work() {
	local name=$1 what=$2 sock=unix:$B_TMP/$1.sock
	shift 2
	rm -f "${sock#unix:}"
	"$@" -p "$sock" 2>"$B_TMP/$name.log" &
	B_PID=$!
	B_PIDS="$B_PIDS $B_PID"
	bench_wait_up "$B_PID" "$sock" "$what" "$B_TMP/$name.log"
	case_run "$name-2k-r1" "$what" "$B_PID" "$sock" 2k 8 1 n/a
	case_run "$name-2k-r100" "$what" "$B_PID" "$sock" 2k 8 100 n/a
	bench_stop "$B_PID"
}

no_work null nullmilter "$null"
no_work floor floormilter "$floor" -S

# cg_objects - FILE: instructions by shared object in a callgrind output,
# as "object count" lines (signet-milter, libcrypto, libc, other)
cg_objects() {
	callgrind_annotate --threshold=100 --auto=no "$1" 2>/dev/null |
		awk '/^ *[0-9,]+ \(.*\[/ {
			n = $1; gsub(/,/, "", n); o = $NF
			if (o ~ /signet-milter/) k = "signet"
			else if (o ~ /libcrypto/) k = "libcrypto"
			else if (o ~ /libc\.so/) k = "libc"
			else k = "other"
			t[k] += n }
		END { for (k in t) print k, t[k] }'
}

# cg_milter - SETUP N: signet-milter under callgrind from start to exit,
# signing N 2 KB messages over 8 connections; prints cg_objects
cg_milter() {
	local setup=$1 n=$2 sock=unix:$B_TMP/cg.sock pid
	bench_signet_config "$B_TMP/cg.yaml" "$sock" "$setup" "$B_TMP/keys"
	rm -f "${sock#unix:}" "$B_TMP/cg.out"
	valgrind --tool=callgrind --callgrind-out-file="$B_TMP/cg.out" \
		"$B_MILTER" -f -c "$B_TMP/cg.yaml" 2>"$B_TMP/cg.log" &
	pid=$!
	B_PIDS="$B_PIDS $pid"
	bench_wait_up "$pid" "$sock" "signet-milter under callgrind" "$B_TMP/cg.log"
	bench_load -s "$sock" -f "$B_TMP/2k.eml" -c 8 -r 1 -n "$n" >/dev/null
	bench_stop "$pid" TERM		# callgrind writes its counts at exit
	[ -s "$B_TMP/cg.out" ] || bench_die "callgrind wrote nothing for signet-milter $setup (log: $B_TMP/cg.log)"
	cg_objects "$B_TMP/cg.out"
}

# cg_sign - KEY N: instructions of milterload -S KEY -n N under callgrind
cg_sign() {
	rm -f "$B_TMP/cgs.out"
	valgrind --tool=callgrind --callgrind-out-file="$B_TMP/cgs.out" \
		"$B_LOAD" -S "$1" -n "$2" >/dev/null 2>"$B_TMP/cgs.log" ||
		bench_die "milterload -S under callgrind failed (log: $B_TMP/cgs.log)"
	callgrind_annotate --auto=no "$B_TMP/cgs.out" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { n = $1; gsub(/,/, "", n); print n }'
}

# per - the per-item difference of two counts over D items
per() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.0f", (b - a) / d }'; }

# Instructions: whatever else runs on the machine, callgrind counts
# nearly the same for the same binary and input (RSA blinding varies). Each figure is the difference of
# two runs (cg_lo and cg_hi messages or signatures), which takes out
# start-up, key checks and exit. User space only: no kernel.
cg_lo=100 cg_hi=500
instr_rows=
if command -v valgrind >/dev/null 2>&1 && command -v callgrind_annotate >/dev/null 2>&1; then
	# milterload -S -n N makes N + N / 10 + 1 signatures (a tenth warms up).
	sig_rsa=$(per "$(cg_sign "$B_TMP/keys/rsa.key" 20)" "$(cg_sign "$B_TMP/keys/rsa.key" 100)" 88)
	sig_ed=$(per "$(cg_sign "$B_TMP/keys/ed.key" 100)" "$(cg_sign "$B_TMP/keys/ed.key" 500)" 440)
	for setup in $setups; do
		cg_milter "$setup" "$cg_lo" >"$B_TMP/cg.lo"
		cg_milter "$setup" "$cg_hi" >"$B_TMP/cg.hi"
		declare -A ins=()
		for k in signet libcrypto libc other; do
			ins[$k]=$(per "$(awk -v k=$k '$1 == k { print $2 }' "$B_TMP/cg.lo")" \
				"$(awk -v k=$k '$1 == k { print $2 }' "$B_TMP/cg.hi")" $((cg_hi - cg_lo)))
		done
		case $setup in
		rsa)	sig=$sig_rsa ;;
		ed)	sig=$sig_ed ;;
		dual)	sig=$((sig_rsa + sig_ed)) ;;
		esac
		total=$((ins[signet] + ins[libcrypto] + ins[libc] + ins[other]))
		bench_var "instr_${setup}_msg" "$total"
		bench_var "instr_${setup}_sign" "$sig"
		instr_rows="$instr_rows| $setup | $total | $sig | $((total - sig)) | $((ins[libcrypto] - sig)) | ${ins[libc]} | ${ins[signet]} | ${ins[other]} | $(bench_ratio "$total" "$sig" 3) |
"
		echo "  instructions $setup: $total per message, signature(s) $sig" >&2
	done
else
	echo "  no valgrind: instruction counts skipped (contrib/install-deps.sh bench installs it)" >&2
fi

echo "Per message, all threads of the milter, from perf stat (sign cost: RSA-2048 $rsa_us us, Ed25519 $ed_us us, measured alongside; dual: their sum)."
echo
echo "| case | milter | size | conns | msgs/conn | CPU us | sign us | cpu/sign | context switches | syscalls | poll | epoll_wait | read | writev | write | sendto | futex | threads created |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
echo "CPU us per message by where it is spent (perf record -e cpu-clock, share of samples):"
echo
echo "| case | CPU us | libcrypto | kernel | libc | libmilter | the milter itself |"
echo "|---|---|---|---|---|---|---|"
printf '%s' "$dso_rows"
if [ -n "$instr_rows" ]; then
	echo
	echo "Instructions per 2 KB message in user space, all threads of signet-milter (valgrind --tool=callgrind:"
	echo "other work on the machine does not change the count). Each figure is the difference between runs of $cg_lo and"
	echo "$cg_hi messages (8 connections, one message each), so start-up and exit are out. The signature is"
	echo "milterload -S under callgrind, the same way. The kernel's share, which callgrind cannot see, is in the tables above."
	echo
	echo "| setup | instructions per message | signature(s) | the rest | libcrypto beside the signature | libc | signet-milter | other | per message / signature |"
	echo "|---|---|---|---|---|---|---|---|---|"
	printf '%s' "$instr_rows"
fi
for label in $labels null-2k-r100; do
	echo
	echo "Hottest named symbols, $label (libcrypto has no symbol table: its share is in the table above):"
	echo
	echo '```'
	cat "$B_TMP/$label.sym"
	echo '```'
done
