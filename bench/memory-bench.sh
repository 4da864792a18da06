#!/bin/bash
# NAME
#	memory-bench.sh - resident memory of signet-milter and OpenDKIM:
#	with 100 open connections, and over 100,000 messages
# SYNOPSIS
#	bash bench/memory-bench.sh	(as root; SIGNET_BUILD=build tree)
# DESCRIPTION
#	Each milter runs on a unix socket; signet-milter signs with an
#	RSA-2048 and an Ed25519 key (both code paths), OpenDKIM with the
#	RSA-2048 key (it cannot do both, see common.sh). Its VmRSS (from
#	/proc/PID/status) is read:
#
#	- idle, after start;
#	- with BENCH_MEM_CONNS (100) connections open at once, each in the
#	  middle of a 2 KB message (milterload -H holds them after the
#	  body and before end of message), with the thread count;
#	- after a warm-up of BENCH_MEM_WARM (10,000) messages;
#	- after every tenth of BENCH_MEM_MSGS (100,000) more messages
#	  (8 connections of 50 messages each);
#	- with the connections open again at the end.
#
#	Growth is the RSS after all messages minus the RSS after warm-up.
#	OpenDKIM, at a quarter of signet's speed, gets BENCH_MEM_ODKIM_MSGS
#	(20,000) messages after its warm-up.
#
#	Output: a Markdown table and the RSS series on standard output,
#	figures as KEY=VALUE lines in $BENCH_VARS when set.
# DIAGNOSTICS
#	Exit 1 when a milter fails, or the held connections do not all
#	open within 60 seconds.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

hold_conns=${BENCH_MEM_CONNS:-100}
warm=${BENCH_MEM_WARM:-10000}
total=${BENCH_MEM_MSGS:-100000}
odkim_total=${BENCH_MEM_ODKIM_MSGS:-20000}

bench_init memory
bench_keys "$B_TMP/keys"
bench_message 2048 "$B_TMP/2k.eml"

# threads - the number of threads of PID
threads() {
	awk '/^Threads:/ { print $2 }' "/proc/$1/status"
}

# held_rss - RSS of PID with N connections held mid-message; sets held_kb, held_threads
held_rss() {
	local pid=$1 sock=$2 lp i
	rm -f "$B_TMP/hold"
	"$B_LOAD" -s "$sock" -f "$B_TMP/2k.eml" -c "$hold_conns" -n "$hold_conns" \
		-H "$B_TMP/hold" >"$B_TMP/hold.out" &
	lp=$!
	for i in $(seq 600); do
		[ ! -e "$B_TMP/hold" ] || break
		kill -0 "$lp" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$B_TMP/hold" ] || { kill "$lp" 2>/dev/null; bench_die "$hold_conns connections were not all open after 60 s"; }
	sleep 0.5
	held_kb=$(bench_rss "$pid")
	held_threads=$(threads "$pid")
	rm -f "$B_TMP/hold"
	wait "$lp" || { cat "$B_TMP/hold.out" >&2; bench_die "milterload -H failed"; }
}

# send - N messages over 8 connections of 50 messages each
send() {
	bench_load -s "$2" -f "$B_TMP/2k.eml" -c 8 -r 50 -n "$3" >/dev/null
}

# measure - NAME PID SOCKET MESSAGES: the figures of one milter
measure() {
	local name=$1 pid=$2 sock=$3 n=$4 step i idle warm_kb end_kb series=
	idle=$(bench_rss "$pid")
	held_rss "$pid" "$sock"
	local held1=$held_kb thr1=$held_threads
	send "$name" "$sock" "$warm"
	warm_kb=$(bench_rss "$pid")
	step=$((n / 10))
	for i in $(seq 10); do
		send "$name" "$sock" "$step"
		series="$series $(bench_rss "$pid")"
	done
	end_kb=$(bench_rss "$pid")
	held_rss "$pid" "$sock"
	bench_var "mem_${name}_idle_kb" "$idle"
	bench_var "mem_${name}_held_kb" "$held1"
	bench_var "mem_${name}_warm_kb" "$warm_kb"
	bench_var "mem_${name}_end_kb" "$end_kb"
	bench_var "mem_${name}_growth_kb" $((end_kb - warm_kb))
	bench_var "mem_${name}_msgs" "$n"
	printf '| %s | %s | %s (%s threads) | %s | %s | %s | %+d | %s |\n' \
		"$name" "$idle" "$held1" "$thr1" "$warm_kb" "$n" "$end_kb" \
		$((end_kb - warm_kb)) "$held_kb"
	rss_series="${rss_series}- $name, RSS in kB after each tenth:$series
"
	echo "  $name: idle $idle kB, $hold_conns held $held1 kB, warm $warm_kb, end $end_kb" >&2
}

rss_series=
echo "VmRSS in kB. \"held\": $hold_conns connections open at once, each in the middle of a 2 KB message."
echo "Growth: RSS after the messages minus RSS after a warm-up of $warm messages."
echo
echo "| milter | idle | $hold_conns held | after warm-up | messages | after messages | growth | $hold_conns held at the end |"
echo "|---|---|---|---|---|---|---|---|"

bench_signet_config "$B_TMP/signet.yaml" "unix:$B_TMP/signet.sock" dual "$B_TMP/keys"
bench_start_signet "$B_TMP/signet.yaml"
measure signet "$B_PID" "unix:$B_TMP/signet.sock" "$total"
bench_stop "$B_PID"

bench_opendkim_config "$B_TMP/opendkim.conf" "unix:$B_TMP/opendkim.sock" rsa "$B_TMP/keys"
bench_start_opendkim "$B_TMP/opendkim.conf"
measure opendkim "$B_PID" "unix:$B_TMP/opendkim.sock" "$odkim_total"
bench_stop "$B_PID"

echo
printf '%s' "$rss_series"
echo
echo "signet-milter signs with RSA-2048 and Ed25519 (dual), OpenDKIM with RSA-2048."
