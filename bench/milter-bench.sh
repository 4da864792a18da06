#!/bin/bash
# NAME
#	milter-bench.sh - signet-milter against OpenDKIM and the crypto
#	limit, driven by milterload with the same keys and messages
# SYNOPSIS
#	bash bench/milter-bench.sh	(as root; SIGNET_BUILD=build tree)
# DESCRIPTION
#	For each key setup (RSA-2048, Ed25519, both), message size (2 KB,
#	64 KB, 1 MB) and concurrency (1, 8, 64 connections, one message
#	per connection as Postfix opens one milter connection per SMTP
#	session; and 2 KB over 8 connections of 100 messages each) it
#	sends the messages to signet-milter and to OpenDKIM, both on unix
#	sockets, alternating the two, BENCH_ROUNDS times, and prints the
#	medians of messages/s and of the milter's CPU per message (user +
#	system, all threads, from /proc), and that CPU divided by the sign
#	cost that milterload measured with the same key in the same run
#	(median of three). Every message must come back with exactly the
#	signatures of its setup (milterload reports their a= tags); OpenDKIM
#	cannot sign with RSA and Ed25519 at once (see common.sh) and gets
#	n/a there, after a probe that shows it.
#
#	Output: a Markdown table on standard output, progress on standard
#	error, figures as KEY=VALUE lines in $BENCH_VARS when set.
#
#	Then the target ratios, BENCH_TARGET_ROUNDS times (15): each round
#	runs an RSA-only, an Ed25519 and a dual signet-milter and the sign
#	floor of each (bench/floormilter -S -k, the protocol and the
#	signatures alone), BENCH_TARGET_MSGS messages (4000) of 2 KB over
#	8 connections each, in pairs that run side by side (RSA and dual,
#	the floors' RSA and dual, Ed25519 and its floor; the pairs' order
#	rotated, each pair's alternated), with the sign costs measured
#	before each run and after the last. It takes CPU per message over
#	the mean of those seven sign costs for RSA and Ed25519, and dual /
#	RSA CPU, for signet and for the floors, and signet's CPU over its
#	floor's; the medians of the per-round ratios are reported. The
#	table's cases run setup after setup, minutes apart, and a load that
#	drifts meanwhile would fall on one setup only.
#
#	Last, the 1 MB message against its bound, as many rounds: each runs
#	bench/floormilter -S (signet's engine, signing nothing), an
#	RSA-2048 and an Ed25519 signet-milter, one connection each, between
#	two measurements of the sign costs and of SHA-256. The bound is the
#	message's bytes over the floor's CPU per message + the SHA-256 of
#	the bytes + the sign cost: what receiving, hashing and signing the
#	message cannot cost less than on this engine.
#
#	Environment: BENCH_MSGS (2 KB messages per run, default 2000; 64 KB
#	runs send a quarter, 1 MB runs half), BENCH_ROUNDS (3),
#	BENCH_SETUPS ("rsa ed dual"), BENCH_SIZES ("2k 64k 1m"),
#	BENCH_CONNS ("1 8 64"), BENCH_TARGET_ROUNDS (15), BENCH_TARGET_MSGS
#	(4000).
# DIAGNOSTICS
#	Exit 1 when a milter fails to start, or refuses or leaves unsigned
#	a message, or signs with other algorithms than asked.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail
# shellcheck source=bench/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

msgs=${BENCH_MSGS:-2000}
rounds=${BENCH_ROUNDS:-3}
setups=${BENCH_SETUPS:-rsa ed dual}
sizes=${BENCH_SIZES:-2k 64k 1m}
conn_list=${BENCH_CONNS:-1 8 64}

bench_init milter
bench_keys "$B_TMP/keys"
bench_message 2048 "$B_TMP/2k.eml"
bench_message 65536 "$B_TMP/64k.eml"
bench_message 1048576 "$B_TMP/1m.eml"
bench_var msg_1m_bytes "$(wc -c <"$B_TMP/1m.eml")"

# crypto_limit - medians of three sign-cost and SHA-256 measurements
crypto_limit() {
	local i r=() e=() d=()
	for i in 1 2 3; do
		r+=("$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/rsa.key" -n 2000)")")
		e+=("$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/ed.key" -n 10000)")")
		d+=("$(bench_field sha256_mb_per_s "$("$B_LOAD" -D -n 300)")")
	done
	rsa_us=$(bench_median "${r[@]}")
	ed_us=$(bench_median "${e[@]}")
	sha_mbs=$(bench_median "${d[@]}")
	bench_var sign_us_rsa "$rsa_us"
	bench_var sign_us_ed "$ed_us"
	bench_var sha256_mb_per_s "$sha_mbs"
}

# count_for - messages for a size
count_for() {
	case $1 in 2k) echo "$msgs" ;; 64k) echo $((msgs / 4)) ;; 1m) echo $((msgs / 2)) ;; esac
}

# opendkim_dual_probe - can OpenDKIM sign with both keys? prints why not
opendkim_dual_probe() {
	local out algs
	bench_opendkim_config "$B_TMP/probe.conf" "unix:$B_TMP/probe.sock" dual "$B_TMP/keys"
	for alg in rsa-sha256 ed25519-sha256; do
		sed -i "s/^SignatureAlgorithm .*/SignatureAlgorithm $alg/" "$B_TMP/probe.conf"
		bench_start_opendkim "$B_TMP/probe.conf"
		out=$("$B_LOAD" -s "unix:$B_TMP/probe.sock" -f "$B_TMP/2k.eml" -n 3 || true)
		bench_stop "$B_PID"
		algs=$(bench_sorted_algs "$out")
		[ "$algs" != "$(bench_algs dual)" ] || return 0
		echo "SignatureAlgorithm $alg: refused=$(bench_field refused "$out") signatures a=${algs:-none}"
	done
	return 1
}

# one_run - MILTER PID SETUP SIZE CONNS PER_CONN [MESSAGES]: milterload
# once; sets run_mps and run_cpu
one_run() {
	local milter=$1 pid=$2 setup=$3 size=$4 conns=$5 per=$6 out algs
	out=$(bench_load -s "unix:$B_TMP/$milter.sock" -f "$B_TMP/$size.eml" \
		-c "$conns" -r "$per" -n "${7:-$(count_for "$size")}" -p "$pid")
	algs=$(bench_sorted_algs "$out")
	[ "$algs" = "$(bench_algs "$setup")" ] ||
		bench_die "$milter $setup: signed with a=$algs, expected a=$(bench_algs "$setup")"
	run_mps=$(bench_field msgs_per_s "$out")
	run_cpu=$(bench_field cpu_us_per_msg "$out")
}

# row - all rounds of one case for both milters, and its table row
row() {
	local setup=$1 size=$2 conns=$3 per=$4 cost=$5 r m
	local s_mps=() s_cpu=() o_mps=() o_cpu=() order
	for r in $(seq "$rounds"); do
		order="signet opendkim"
		[ $((r % 2)) = 1 ] || order="opendkim signet"
		for m in $order; do
			[ "$m" = signet ] || [ -n "$odkim_pid" ] || continue
			if [ "$m" = signet ]; then
				one_run signet "$signet_pid" "$setup" "$size" "$conns" "$per"
				s_mps+=("$run_mps"); s_cpu+=("$run_cpu")
			else
				one_run opendkim "$odkim_pid" "$setup" "$size" "$conns" "$per"
				o_mps+=("$run_mps"); o_cpu+=("$run_cpu")
			fi
		done
	done
	local sm sc om=n/a oc=n/a key=${setup}_${size}_c${conns}_r${per}
	sm=$(bench_median "${s_mps[@]}")
	sc=$(bench_median "${s_cpu[@]}")
	if [ -n "$odkim_pid" ]; then
		om=$(bench_median "${o_mps[@]}")
		oc=$(bench_median "${o_cpu[@]}")
	fi
	bench_var "signet_${key}_mps" "$sm"
	bench_var "signet_${key}_cpu" "$sc"
	bench_var "opendkim_${key}_mps" "$om"
	bench_var "opendkim_${key}_cpu" "$oc"
	printf '| %s | %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s |\n' \
		"$setup" "$size" "$conns" "$per" "$sm" "$sc" "$(bench_ratio "$sc" "$cost")" \
		"$([ "$om" = n/a ] && echo n/a || printf '%.0f' "$om")" \
		"$([ "$oc" = n/a ] && echo n/a || printf '%.0f' "$oc")" \
		"$(bench_ratio "$oc" "$cost")"
	echo "  $setup $size conns=$conns per_conn=$per: signet $sm/s ${sc}us, opendkim $om/s ${oc}us" >&2
}

crypto_limit
echo "sign cost (CPU, median of 3): RSA-2048 $rsa_us us, Ed25519 $ed_us us; SHA-256 $sha_mbs MB/s" >&2
dual_why=
case " $setups " in *" dual "*)
	if dual_why=$(opendkim_dual_probe); then dual_why=; fi ;;
esac

echo "Sign cost measured by milterload in this run (CPU per signature of a SHA-256 digest, median of 3):"
echo "RSA-2048 **$rsa_us us**, Ed25519 **$ed_us us**; SHA-256 over 1 MB in 64 KB updates: **$sha_mbs MB/s**."
echo "\"cpu/sign\" is the milter's CPU per message divided by the sign cost of its setup (dual: RSA + Ed25519)."
echo
echo "| keys | size | conns | msgs/conn | signet msgs/s | signet CPU us/msg | signet cpu/sign | OpenDKIM msgs/s | OpenDKIM CPU us/msg | OpenDKIM cpu/sign |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for setup in $setups; do
	cost=$(bench_sign_cost "$setup" "$rsa_us" "$ed_us")
	bench_signet_config "$B_TMP/signet.yaml" "unix:$B_TMP/signet.sock" "$setup" "$B_TMP/keys"
	bench_start_signet "$B_TMP/signet.yaml"
	signet_pid=$B_PID
	odkim_pid=
	if [ "$setup" != dual ] || [ -z "$dual_why" ]; then
		bench_opendkim_config "$B_TMP/opendkim.conf" "unix:$B_TMP/opendkim.sock" \
			"$setup" "$B_TMP/keys"
		bench_start_opendkim "$B_TMP/opendkim.conf"
		odkim_pid=$B_PID
	fi
	for size in $sizes; do
		for conns in $conn_list; do
			row "$setup" "$size" "$conns" 1 "$cost"
		done
		[ "$size" != 2k ] || row "$setup" 2k 8 100 "$cost"
	done
	bench_stop "$signet_pid"
	[ -z "$odkim_pid" ] || bench_stop "$odkim_pid"
done

# sign_costs - the two sign costs now: sets s_rsa and s_ed
sign_costs() {
	s_rsa=$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/rsa.key" -n 1000)")
	s_ed=$(bench_field sign_us "$("$B_LOAD" -S "$B_TMP/keys/ed.key" -n 5000)")
}

# start_signets - PREFIX SETUP...: a signet-milter for each setup on
# $B_TMP/PREFIX-SETUP.sock; their PIDs go into the caller's local array
# pid, indexed by setup (bash's dynamic scope)
start_signets() {
	local prefix=$1 t
	shift
	for t in "$@"; do
		bench_signet_config "$B_TMP/$prefix-$t.yaml" "unix:$B_TMP/$prefix-$t.sock" \
			"$t" "$B_TMP/keys"
		bench_start_signet "$B_TMP/$prefix-$t.yaml"
		pid[$t]=$B_PID
	done
}

# start_floors - PREFIX SETUP...: a bench/floormilter -S signing with the
# setup's keys (-k) for each setup on $B_TMP/PREFIX-SETUP.sock; PIDs into
# the caller's pid array, as start_signets
start_floors() {
	local prefix=$1 floor t k
	shift
	floor=$(bench_program floormilter)
	for t in "$@"; do
		case $t in
		rsa)	k=(-k "$B_TMP/keys/rsa.key") ;;
		ed)	k=(-k "$B_TMP/keys/ed.key") ;;
		dual)	k=(-k "$B_TMP/keys/rsa.key" -k "$B_TMP/keys/ed.key") ;;
		esac
		rm -f "$B_TMP/$prefix-$t.sock"
		"$floor" -S "${k[@]}" -p "unix:$B_TMP/$prefix-$t.sock" 2>"$B_TMP/$prefix-$t.log" &
		pid[$prefix-$t]=$!
		B_PIDS="$B_PIDS $!"
		bench_wait_up "$!" "unix:$B_TMP/$prefix-$t.sock" floormilter "$B_TMP/$prefix-$t.log"
	done
}

# floor_run - MILTER PID: a sign floor over 8 connections, 2 KB; sets
# run_cpu. Its field says a=none, so no algorithms are checked.
floor_run() {
	local out
	out=$(bench_load -s "unix:$B_TMP/$1.sock" -f "$B_TMP/2k.eml" -c 8 -r 1 \
		-n "$target_msgs" -p "$2")
	run_cpu=$(bench_field cpu_us_per_msg "$out")
}

# target_rounds - the target ratios, each from one round: an RSA-only, an
# Ed25519 and a dual signet-milter (2 KB, 8 connections), and the sign
# floor of each (bench/floormilter -S -k: the protocol and the signatures,
# nothing else), with the sign costs measured before each run and after
# the last. What a ratio compares runs side by side: RSA and dual,
# the floors' RSA and dual, Ed25519 and its floor; the three pairs'
# order rotates by the round, and each pair's order alternates. The round divides by the
# mean of the seven, as a signature's cost moves by 15 % within minutes
# on a shared host; a load that drifts during the table above, whose
# cases run minutes apart, or during the round, falls on no ratio alone.
# Sets the medians and ranges of the per-round ratios: signet's, the
# floors', and signet over its floor (the CPU per message signet spends
# beyond the protocol and the signatures).
target_rounds() {
	local r b t m rs es pair blocks=("rsa dual" "f-rsa f-dual" "ed f-ed")
	local -A pid cpu
	local -A ratios
	start_signets t rsa ed dual
	start_floors f rsa ed dual
	for r in $(seq "$target_rounds"); do
		rs= es=
		for b in 0 1 2; do
			# shellcheck disable=SC2206
			pair=(${blocks[$(( (b + r) % 3 ))]})
			[ $((r % 2)) = 0 ] || pair=("${pair[1]}" "${pair[0]}")
			for t in "${pair[@]}"; do
				sign_costs
				rs+=" $s_rsa" es+=" $s_ed"
				case $t in
				f-*)	floor_run "$t" "${pid[$t]}" ;;
				*)	one_run "t-$t" "${pid[$t]}" "$t" 2k 8 1 "$target_msgs" ;;
				esac
				cpu[$t]=$run_cpu
			done
		done
		sign_costs
		# the mean of the seven, taken before each run and after the last
		rs=$(echo "$rs $s_rsa" | awk '{ for (i = 1; i <= NF; i++) t += $i; printf "%.1f\n", t / NF }')
		es=$(echo "$es $s_ed" | awk '{ for (i = 1; i <= NF; i++) t += $i; printf "%.1f\n", t / NF }')
		for m in "" f-; do
			ratios[${m}rsa]+=" $(awk -v c="${cpu[${m}rsa]}" -v s="$rs" 'BEGIN { printf "%.3f", c / s }')"
			ratios[${m}ed]+=" $(awk -v c="${cpu[${m}ed]}" -v s="$es" 'BEGIN { printf "%.3f", c / s }')"
			ratios[${m}dual]+=" $(awk -v d="${cpu[${m}dual]}" -v c="${cpu[${m}rsa]}" 'BEGIN { printf "%.3f", d / c }')"
		done
		for t in rsa ed dual; do
			ratios[over-$t]+=" $(awk -v a="${cpu[$t]}" -v b="${cpu[f-$t]}" 'BEGIN { printf "%.3f", a / b }')"
		done
		echo "  target round $r: sign RSA $rs us, Ed25519 $es us; CPU rsa ${cpu[rsa]}, ed ${cpu[ed]}, dual ${cpu[dual]} us;" \
			"sign floors ${cpu[f-rsa]}, ${cpu[f-ed]}, ${cpu[f-dual]} us" >&2
	done
	for t in rsa ed dual; do
		bench_stop "${pid[$t]}"
		bench_stop "${pid[f-$t]}"
	done
	for m in rsa ed dual f-rsa f-ed f-dual over-rsa over-ed over-dual; do
		# shellcheck disable=SC2086
		set -- ${ratios[$m]}
		t_med[$m]=$(bench_median "$@")
		t_range[$m]=$(printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd- -)
		bench_var "target_${m//-/_}" "${t_med[$m]}"
		bench_var "target_${m//-/_}_range" "${t_range[$m]}"
	done
	bench_var target_rounds "$target_rounds"
	bench_var target_msgs "$target_msgs"
}

# bound_rounds - the 1 MB message against its bound, BENCH_TARGET_ROUNDS
# times: bench/floormilter -S (signet's engine and protocol steps,
# taking the message and signing nothing), an RSA-2048 and an Ed25519
# signet-milter, one 1 MB message per connection over one connection,
# the order rotated, between two measurements of the sign costs and of
# SHA-256. A setup's bound, in MB per CPU second, is the message's bytes
# over what signing it cannot cost less than on this engine: the
# floor's CPU per message, the SHA-256 of its bytes at the round's
# rate and the sign cost. Sets the medians of signet's MB per CPU
# second, of the bounds and of signet / bound per round.
bound_rounds() {
	local r i t rs es sha fcpu crsa ced floor bytes order=(floor rsa ed) out a b c d e g
	local -A pid
	local mr=() me=() br=() be=() sr=() se=() fl=() sh=()
	floor=$(bench_program floormilter)
	bytes=$(wc -c <"$B_TMP/1m.eml")
	rm -f "$B_TMP/b-floor.sock"
	"$floor" -S -p "unix:$B_TMP/b-floor.sock" 2>"$B_TMP/b-floor.log" &
	pid[floor]=$!
	B_PIDS="$B_PIDS ${pid[floor]}"
	bench_wait_up "${pid[floor]}" "unix:$B_TMP/b-floor.sock" floormilter "$B_TMP/b-floor.log"
	start_signets b rsa ed
	for r in $(seq "$target_rounds"); do
		sign_costs
		rs=$s_rsa es=$s_ed
		sha=$(bench_field sha256_mb_per_s "$("$B_LOAD" -D -n 300)")
		for i in 0 1 2; do
			t=${order[$(( (i + r) % 3 ))]}
			case $t in
			floor)	out=$(bench_load -s "unix:$B_TMP/b-floor.sock" -f "$B_TMP/1m.eml" \
					-c 1 -r 1 -n "$(count_for 1m)" -p "${pid[floor]}")
				fcpu=$(bench_field cpu_us_per_msg "$out") ;;
			rsa)	one_run b-rsa "${pid[rsa]}" rsa 1m 1 1
				crsa=$run_cpu ;;
			ed)	one_run b-ed "${pid[ed]}" ed 1m 1 1
				ced=$run_cpu ;;
			esac
		done
		sign_costs
		rs=$(bench_mean "$rs" "$s_rsa")
		es=$(bench_mean "$es" "$s_ed")
		# the SHA-256 of the message's bytes, in us, at the round's mean rate
		sha=$(bench_mean "$sha" "$(bench_field sha256_mb_per_s "$("$B_LOAD" -D -n 300)")")
		sha=$(awk -v n="$bytes" -v r="$sha" 'BEGIN { printf "%.1f", n / r }')
		# bytes per us of CPU are MB per CPU second
		read -r a b c d e g < <(awk -v n="$bytes" -v f="$fcpu" -v h="$sha" \
			-v rs="$rs" -v es="$es" -v cr="$crsa" -v ce="$ced" 'BEGIN {
			printf "%.0f %.0f %.3f %.0f %.0f %.3f\n", n / cr, n / (f + h + rs),
			    (f + h + rs) / cr, n / ce, n / (f + h + es), (f + h + es) / ce }')
		mr+=("$a") br+=("$b") sr+=("$c") me+=("$d") be+=("$e") se+=("$g")
		fl+=("$fcpu") sh+=("$sha")
		echo "  bound round $r: floor $fcpu us, SHA-256 $sha us, sign RSA $rs, Ed25519 $es us;" \
			"signet RSA $a MB/s (bound $b), Ed25519 $d (bound $e)" >&2
	done
	for t in floor rsa ed; do
		bench_stop "${pid[$t]}"
	done
	b_med=(
		"$(bench_median "${mr[@]}")" "$(bench_median "${br[@]}")" "$(bench_median "${sr[@]}")"
		"$(bench_median "${me[@]}")" "$(bench_median "${be[@]}")" "$(bench_median "${se[@]}")"
		"$(bench_median "${fl[@]}")" "$(bench_median "${sh[@]}")"
	)
	bench_var mb_rsa "${b_med[0]}"
	bench_var mb_rsa_bound "${b_med[1]}"
	bench_var mb_rsa_share "${b_med[2]}"
	bench_var mb_ed "${b_med[3]}"
	bench_var mb_ed_bound "${b_med[4]}"
	bench_var mb_ed_share "${b_med[5]}"
	bench_var mb_floor_cpu "${b_med[6]}"
	bench_var mb_sha_us "${b_med[7]}"
	bench_var mb_rounds "$target_rounds"
}

declare -A t_med t_range
b_med=()
case " $setups " in *" rsa "*) case " $setups " in *" ed "*) case " $setups " in *" dual "*)
	target_rounds=${BENCH_TARGET_ROUNDS:-15}
	target_msgs=${BENCH_TARGET_MSGS:-4000}
	target_rounds
	echo
	echo "The targets, from $target_rounds rounds that each run RSA-only, Ed25519 and dual signet-milters and"
	echo "their sign floors (bench/floormilter -S -k: signet's engine and protocol steps, and the signatures of a"
	echo "fixed digest with the same keys, nothing else), $target_msgs messages of 2 KB over 8 connections each, in"
	echo "pairs side by side (RSA and dual, the floors' RSA and dual, Ed25519 and its floor), with the sign costs"
	echo "measured before each run and after the last, and divide by the mean of those seven: medians of the"
	echo "per-round ratios (range). \"signet / floor\" is signet's CPU per message over its floor's, same round."
	echo
	echo "| ratio | signet | range | sign floor | range | signet / floor | range |"
	echo "|---|---|---|---|---|---|---|"
	echo "| RSA CPU per message / RSA sign cost | ${t_med[rsa]} | ${t_range[rsa]} | ${t_med[f-rsa]} | ${t_range[f-rsa]} | ${t_med[over-rsa]} | ${t_range[over-rsa]} |"
	echo "| Ed25519 CPU per message / Ed25519 sign cost | ${t_med[ed]} | ${t_range[ed]} | ${t_med[f-ed]} | ${t_range[f-ed]} | ${t_med[over-ed]} | ${t_range[over-ed]} |"
	echo "| dual CPU / RSA-only CPU | ${t_med[dual]} | ${t_range[dual]} | ${t_med[f-dual]} | ${t_range[f-dual]} | ${t_med[over-dual]} | ${t_range[over-dual]} |"
	;;
esac ;;
esac ;;
esac
case " $setups " in *" rsa "*) case " $setups " in *" ed "*) case " $sizes " in *" 1m "*)
	target_rounds=${BENCH_TARGET_ROUNDS:-15}
	bound_rounds
	echo
	echo "The 1 MB message ($(wc -c <"$B_TMP/1m.eml") bytes, one connection) against its bound, from $target_rounds rounds that"
	echo "each run bench/floormilter -S (signet's engine, signing nothing), an RSA-2048 and an Ed25519"
	echo "signet-milter, order rotated, between two measurements of the sign costs and of SHA-256. The bound is"
	echo "the bytes over the floor's CPU + the SHA-256 of the bytes + the sign cost: medians of the rounds."
	echo "Floor: ${b_med[6]} us of CPU per message; SHA-256 of the message: ${b_med[7]} us."
	echo
	echo "| setup | signet, MB per CPU second | bound | signet / bound |"
	echo "|---|---|---|---|"
	echo "| RSA-2048 | ${b_med[0]} | ${b_med[1]} | ${b_med[2]} |"
	echo "| Ed25519 | ${b_med[3]} | ${b_med[4]} | ${b_med[5]} |"
	;;
esac ;;
esac ;;
esac
if [ -n "$dual_why" ]; then
	echo
	echo "OpenDKIM dual is n/a: OpenDKIM 2.11 has one global SignatureAlgorithm for all keys; probe with both keys:"
	echo "$dual_why" | sed 's/^/- /'
fi
