#!/bin/bash
# NAME
#	e2e-bench.sh - end to end: smtp-source into a private Postfix on
#	loopback with a signing milter, out to smtp-sink
# SYNOPSIS
#	bash bench/e2e-bench.sh		(as root; SIGNET_BUILD=build tree)
# DESCRIPTION
#	Starts the private Postfix and smtp-sink of the integration tests
#	(tests/integration/lib.sh) and, all at once, the milters: OpenDKIM
#	on a unix socket with RSA-2048 and with Ed25519 and on
#	inet:127.0.0.1 with RSA-2048; signet-milter on unix sockets with
#	RSA-2048, Ed25519 and both, and on inet:127.0.0.1 with RSA-2048.
#	Both milters run as nobody:postfix with the same keys. And
#	bench/floormilter, signet's engine signing nothing: on a unix
#	socket asking for the fewest steps a signer can (floor-unix-least)
#	and for signet-milter's steps (floor-unix-signet), and on
#	inet:127.0.0.1 with the fewest steps (floor-inet-least). What
#	Postfix delivers with it is the most any signing milter can let it
#	deliver on this machine over that socket; the floor's ratio bounds
#	every other. And the sign floors, floormilter -S -k with the same
#	keys: signet's steps and the signature, nothing else, over a unix
#	socket with RSA-2048 (floor-unix-rsa) and Ed25519 (floor-unix-ed)
#	and over inet with RSA-2048 (floor-inet-rsa): the most that a
#	milter signing with that key can let Postfix deliver.
#
#	Each round sends BENCH_E2E_MSGS 2 KB messages (20 smtp-source
#	sessions, as it_send: half one message per session, half many)
#	with each milter configuration in an order that rotates from round
#	to round, with a run without a milter before the first and after
#	each one; Postfix is reloaded to switch. A run is timed from the
#	start of smtp-source until the sink holds every message and the
#	queue is empty. Every delivered message must carry exactly the
#	signatures of its configuration, and none without a milter.
#
#	The ratio of a configuration in a round is its rate divided by the
#	mean of the two no-milter runs on either side of it; the table
#	shows the median rate, the median of the per-round ratios and
#	their range, the median rate at which smtp-source got its replies
#	(the milter is in that path), and the milter's CPU per message.
#
#	Postfix's queue, the sink's files and the milters' sockets are in
#	memory (a directory under /dev/shm) unless BENCH_E2E_QUEUE is disk
#	(under $TMPDIR or /tmp). Each message makes and removes a few
#	files, and what that costs depends on the file system: on an ext4
#	without a journal, whose inode allocator passes over every inode
#	freed in the last 30 seconds, Postfix alone ran anywhere between
#	420 and 940 messages/s from one run to the next. In memory that
#	cost is gone; what the host's other work adds remains, which is
#	why each milter run has a no-milter run on either side.
#
#	Output: a Markdown table on standard output, progress on standard
#	error, figures as KEY=VALUE lines in $BENCH_VARS when set.
#
#	Environment: BENCH_E2E_MSGS (5000), BENCH_E2E_ROUNDS (5),
#	BENCH_E2E_CONFIGS (the names below, space separated),
#	BENCH_E2E_QUEUE (memory or disk).
# DIAGNOSTICS
#	Exit 1 when a milter does not start, a message is deferred or not
#	delivered, or delivered with other signatures than expected.
# LICENSE
#	MIT; see LICENSE in the source distribution.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/.." && pwd)
top_builddir=${SIGNET_BUILD:-$srcdir/build}
SIGNET_MILTER=$top_builddir/signet-milter
export srcdir top_builddir
# shellcheck source=tests/integration/lib.sh
. "$srcdir/tests/integration/lib.sh"
# shellcheck source=bench/common.sh
. "$here/common.sh"

msgs=${BENCH_E2E_MSGS:-5000}
rounds=${BENCH_E2E_ROUNDS:-5}
queue=${BENCH_E2E_QUEUE:-memory}
case $queue in
memory)	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		export TMPDIR=/dev/shm
	else
		echo "e2e-bench: /dev/shm is not a tmpfs; the queue stays on disk" >&2
		queue=disk
	fi ;;
disk)	;;
*)	bench_die "BENCH_E2E_QUEUE is '$queue': set it to memory or disk" ;;
esac
configs=${BENCH_E2E_CONFIGS:-odkim-unix-rsa odkim-unix-ed odkim-inet-rsa \
signet-unix-rsa signet-unix-ed signet-unix-dual signet-inet-rsa \
floor-unix-least floor-unix-signet floor-inet-least \
floor-unix-rsa floor-unix-ed floor-inet-rsa}
IT_QUIET=1

declare -A sock pid spec

it_init e2e-bench
bench_init e2e
it_cleanup_hook() { bench_cleanup; }
odkim_port=$(it_port odkim)
IT_USED_PORTS="$IT_USED_PORTS$odkim_port "
floor_port=$(it_port floor)
IT_USED_PORTS="$IT_USED_PORTS$floor_port "
sfloor_port=$(it_port signfloor)

# start_floor - SOCKET STEPS LOG: bench/floormilter as nobody, its
# unix socket for Postfix's group; STEPS least, signet, or rsa or ed for
# a sign floor (signet's steps and the signature with that key)
start_floor() {
	local floor opt=
	floor=$(bench_program floormilter)
	case $2 in
	signet)	opt=-S ;;
	rsa|ed)	opt="-S -k $IT_TMP/keys/$2.key" ;;
	esac
	case $1 in unix:*) rm -f "${1#unix:}" ;; esac
	# shellcheck disable=SC2086
	setpriv --reuid=nobody --regid=postfix --init-groups -- \
		"$floor" $opt -p "$1" 2>"$3" &
	B_PID=$!
	B_PIDS="$B_PIDS $B_PID"
	bench_wait_up "$B_PID" "$1" floormilter "$3"
	case $1 in unix:*) chmod 660 "${1#unix:}" ;; esac
}

# setup_milters - keys owned by nobody, then every configuration's milter
setup_milters() {
	local c kind setup s
	bench_keys "$IT_TMP/keys"
	chown -R nobody "$IT_TMP/keys"
	mkdir -p "$IT_TMP/run"
	chown nobody:postfix "$IT_TMP/run"
	chmod 770 "$IT_TMP/run"
	for c in $configs; do
		kind=${c#*-}; kind=${kind%-*}; setup=${c##*-}
		case $kind in
		unix)	s=unix:$IT_TMP/run/$c.sock ;;
		inet)	case $c in odkim-*) s=inet:$odkim_port@127.0.0.1 ;;
				floor-inet-least) s=inet:$floor_port@127.0.0.1 ;;
				floor-*) s=inet:$sfloor_port@127.0.0.1 ;;
				*) s=inet:$IT_MILTER_PORT@127.0.0.1 ;; esac ;;
		*)	bench_die "unknown configuration '$c'" ;;
		esac
		sock[$c]=$s
		case $c:$setup in
		floor-*) spec[$c]=example.com/floor/none ;;
		*:rsa)	spec[$c]=example.com/rsa/rsa-sha256 ;;
		*:ed)	spec[$c]=example.com/ed/ed25519-sha256 ;;
		*:dual)	spec[$c]=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256 ;;
		esac
		case $c in
		odkim-*)
			bench_opendkim_config "$IT_TMP/$c.conf" "$s" "$setup" "$IT_TMP/keys" nobody:postfix
			bench_start_opendkim "$IT_TMP/$c.conf" ;;
		signet-*)
			bench_signet_config "$IT_TMP/$c.yaml" "$s" "$setup" "$IT_TMP/keys" nobody postfix
			bench_start_signet "$IT_TMP/$c.yaml" ;;
		floor-*)
			start_floor "$s" "$setup" "$IT_TMP/$c.log" ;;
		*)	bench_die "unknown configuration '$c'" ;;
		esac
		pid[$c]=$B_PID
	done
	sock[none]=none
	spec[none]=none
}

# use_milter - point Postfix at configuration C
use_milter() {
	local pf=
	[ "$1" = none ] || pf=$(it_postfix_socket "${sock[$1]}")
	it_postfix_set "smtpd_milters = $pf" "non_smtpd_milters = $pf"
	# Postfix's smtpd processes of the old configuration exit when idle.
	sleep 1
}

# busy - CPU time the whole machine spent busy so far, in seconds
busy() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / {
		printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / hz; exit }' /proc/stat
}

# run - one timed run of configuration C; sets run_rate, run_accept,
# run_cpu (the milter's CPU per message) and run_all (the machine's)
run() {
	local c=$1 t0 t1 t2 c0=0 c1=0 n b0 b1
	use_milter "$c"
	[ "$c" = none ] || c0=$(bench_cpu "${pid[$c]}")
	b0=$(busy)
	t0=$EPOCHREALTIME
	it_send "$msgs" "$IT_TMP/msg" sender@example.com || it_die "$c: smtp-source failed"
	t1=$EPOCHREALTIME
	it_wait_delivered "$msgs" 120
	t2=$EPOCHREALTIME
	b1=$(busy)
	[ "$c" = none ] || c1=$(bench_cpu "${pid[$c]}")
	run_all=$(awk -v a="$b0" -v b="$b1" -v n="$msgs" 'BEGIN { printf "%.0f", (b - a) / n * 1e6 }')
	run_rate=$(awk -v a="$t0" -v b="$t2" -v n="$msgs" 'BEGIN { printf "%.1f", n / (b - a) }')
	run_accept=$(awk -v a="$t0" -v b="$t1" -v n="$msgs" 'BEGIN { printf "%.1f", n / (b - a) }')
	run_cpu=n/a
	[ "$c" = none ] || run_cpu=$(awk -v a="$c0" -v b="$c1" -v n="$msgs" \
		'BEGIN { printf "%.0f", (b - a) / n * 1e6 }')
	if [ "$c" = none ]; then
		# it_wait_delivered counted them; no field may be a signature.
		! grep -rqi '^DKIM-Signature:' "$IT_TMP/sink" ||
			it_die "none: a message was signed with no milter attached"
	else
		it_extract "$IT_TMP/out"
		n=$(find "$IT_TMP/out" -name '*.eml' | wc -l)
		[ "$n" -eq "$msgs" ] || it_die "$c: $n messages extracted from the sink, expected $msgs"
		it_expect_sigs "$IT_TMP/out" "${spec[$c]}" ||
			it_die "$c: delivered messages do not carry exactly ${spec[$c]}"
	fi
	it_sink_reset
	echo "  round $round $c: $run_rate msgs/s delivered, $run_accept accepted, cpu $run_cpu us/msg, machine $run_all us/msg" >&2
}

it_postfix_start none
setup_milters
bench_message 2048 "$IT_TMP/msg.crlf"
tr -d '\r' <"$IT_TMP/msg.crlf" >"$IT_TMP/msg"

declare -A rates accepts cpus ratios alls
base=()
base_acc=()
base_all=()
set -- $configs
nconf=$#
round=0
run none
base+=("$run_rate")
base_acc+=("$run_accept")
base_all+=("$run_all")
for round in $(seq "$rounds"); do
	# This round's order: the list rotated by the round number.
	order=()
	for i in $(seq 0 $((nconf - 1))); do
		j=$(( (i + round - 1) % nconf + 1 ))
		order+=("${!j}")
	done
	for c in "${order[@]}"; do
		run "$c"
		rate=$run_rate
		rates[$c]="${rates[$c]:-} $run_rate"
		accepts[$c]="${accepts[$c]:-} $run_accept"
		cpus[$c]="${cpus[$c]:-} $run_cpu"
		alls[$c]="${alls[$c]:-} $run_all"
		before=${base[-1]}
		run none
		base+=("$run_rate")
		base_acc+=("$run_accept")
		base_all+=("$run_all")
		b=$(awk -v a="$before" -v b="$run_rate" 'BEGIN { print (a + b) / 2 }')
		ratios[$c]="${ratios[$c]:-} $(bench_ratio "$rate" "$b" 3)"
	done
done

base_med=$(bench_median "${base[@]}")
bench_var e2e_none_mps "$base_med"
qfs=$(stat -f -c %T "$IT_TMP/spool" 2>/dev/null || echo unknown)
bench_var e2e_queue "$qfs"
echo "$msgs messages of 2 KB per run, 20 smtp-source sessions, $rounds rounds; Postfix's queue and the sink's files"
echo "on $qfs ($queue, BENCH_E2E_QUEUE); a run without a milter before and after each run with one."
echo "ratio = delivered rate / mean of the no-milter runs on either side (median of rounds, min-max)."
echo "machine CPU: all processes' busy time (/proc/stat) per delivered message; the rest is that minus the milter's,"
echo "what Postfix, smtp-source and smtp-sink spent."
echo
echo "| configuration | delivered msgs/s | ratio to Postfix alone | ratio range | accepted msgs/s | milter CPU us/msg | machine CPU us/msg | the rest us/msg |"
echo "|---|---|---|---|---|---|---|---|"
all_none=$(bench_median "${base_all[@]}")
bench_var e2e_none_all "$all_none"
printf '| Postfix alone | %.0f | 1 | | %.0f | | %s | %s |\n' "$base_med" \
	"$(bench_median "${base_acc[@]}")" "$all_none" "$all_none"
for c in $configs; do
	# shellcheck disable=SC2086
	{
		r=$(bench_median ${rates[$c]})
		q=$(bench_median ${ratios[$c]})
		a=$(bench_median ${accepts[$c]})
		u=$(bench_median ${cpus[$c]})
		lo=$(printf '%s\n' ${ratios[$c]} | sort -g | head -n 1)
		hi=$(printf '%s\n' ${ratios[$c]} | sort -g | tail -n 1)
		m=$(bench_median ${alls[$c]})
	}
	rest=$(awk -v m="$m" -v u="$u" 'BEGIN { printf "%.0f", m - u }')
	bench_var "e2e_${c//-/_}_all" "$m"
	bench_var "e2e_${c//-/_}_rest" "$rest"
	bench_var "e2e_${c//-/_}_mps" "$r"
	bench_var "e2e_${c//-/_}_ratio" "$q"
	bench_var "e2e_${c//-/_}_cpu" "$u"
	printf '| %s | %.0f | %.2f | %.2f-%.2f | %.0f | %s | %s | %s |\n' "$c" "$r" "$q" "$lo" \
		"$hi" "$a" "$u" "$m" "$rest"
done
