# NAME
#	common.sh - what signet's benchmarks share: keys, messages, the two
#	milters with the same keys, medians, RSS and CPU from /proc
# SYNOPSIS
#	. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
#	bench_init NAME			temp dir $B_TMP, tools, cleanup trap
#	bench_keys DIR			DIR/rsa.key, DIR/ed.key (RSA-2048, Ed25519)
#	bench_message BYTES FILE	a message of about BYTES, CRLF lines
#	bench_signet_config FILE SOCKET SETUP KEYDIR [USER GROUP]
#	bench_opendkim_config FILE SOCKET SETUP KEYDIR [USER]
#	bench_start_signet CONFIG	start, wait for the socket; sets B_PID
#	bench_start_opendkim CONFIG	the same for OpenDKIM
#	bench_stop PID [SIGNAL]		kill a milter started here
#	bench_load ARGS...		milterload, failing on an unsigned message
#	bench_algs SETUP		the a= tags a setup must give, sorted
#	bench_sign_cost SETUP RSA ED	its sign cost, given those of the keys
#	bench_field KEY LINE		a key=value field of a milterload line
#	bench_median N...		the median of numbers
#	bench_mean A B			the mean of two numbers, one decimal
#	bench_program NAME		bench/NAME in $SIGNET_BUILD, built if need be
#	bench_ratio A B [DIGITS]	A / B
#	bench_rss PID			VmRSS in kB
#	bench_cpu PID			user + system CPU seconds, all threads
#	bench_var KEY VALUE		record a figure in $BENCH_VARS
# DESCRIPTION
#	SETUP is rsa (RSA-2048), ed (Ed25519) or dual (both selectors, one
#	signature each). Both milters sign example.com with relaxed/relaxed
#	canonicalisation and the same key files.
#
#	OpenDKIM 2.11 applies its one global SignatureAlgorithm to every
#	key: Ed25519 needs "SignatureAlgorithm ed25519-sha256", and it
#	cannot sign with an RSA and an Ed25519 key at once (with
#	rsa-sha256 the Ed25519 key fails and the message is tempfailed;
#	with ed25519-sha256 the RSA key's signature is labelled
#	a=ed25519-sha256, which no verifier accepts). bench_opendkim_config
#	writes the best it can for dual; callers check the a= tags that
#	milterload reports against bench_algs and print n/a.
#
#	Environment: SIGNET_BUILD (build tree with signet-milter and
#	bench/milterload; default ./build of the source tree), BENCH_VARS
#	(file to which bench_var appends KEY=VALUE lines).
# DIAGNOSTICS
#	bench_die prints why and exits 1; the trap stops every milter
#	started here and removes $B_TMP. Exit 77 when not root (OpenDKIM
#	and Postfix need it), 99 when a tool is missing
#	(contrib/install-deps.sh bench installs them).
# LICENSE
#	MIT; see LICENSE in the source distribution.

B_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B_TOP=$(cd "$B_HERE/.." && pwd)
: "${SIGNET_BUILD:=$B_TOP/build}"
SIGNET_BUILD=$(cd "$SIGNET_BUILD" && pwd)
B_LOAD=$SIGNET_BUILD/bench/milterload
B_MILTER=$SIGNET_BUILD/signet-milter
B_PIDS=
B_TMP=
export PATH="$PATH:/usr/sbin:/sbin"

# bench_die - say why the benchmark cannot go on, exit 1
bench_die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# bench_need - a program, or exit 99 naming its package
bench_need() {
	command -v "$1" >/dev/null 2>&1 ||
		{ printf 'bench: %s not found: install the Debian package %s (contrib/install-deps.sh bench)\n' \
			"$1" "$2" >&2; exit 99; }
}

# bench_cleanup - stop what was started here, remove the temp dir
bench_cleanup() {
	local p
	for p in $B_PIDS; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	B_PIDS=
	[ -z "$B_TMP" ] || [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$B_TMP"
}

# bench_init - check tools, build milterload if needed, make $B_TMP
bench_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $1: must run as root (OpenDKIM and Postfix)" >&2
		exit 77
	fi
	bench_need opendkim opendkim
	bench_need openssl openssl
	[ -x "$B_MILTER" ] || bench_die "$B_MILTER missing: build signet in $SIGNET_BUILD (or set SIGNET_BUILD)"
	[ -x "$B_LOAD" ] || (cd "$SIGNET_BUILD" && make bench/milterload >/dev/null) ||
		bench_die "cannot build $B_LOAD: make bench/milterload in $SIGNET_BUILD"
	if ! declare -F it_init >/dev/null; then
		B_TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench-$1.XXXXXX")
		chmod 755 "$B_TMP"
		trap bench_cleanup EXIT
		trap 'exit 130' INT TERM
	fi
}

# bench_keys - an RSA-2048 and an Ed25519 key in DIR, mode 600
bench_keys() {
	mkdir -p "$1"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$1/rsa.key" 2>/dev/null || bench_die "openssl cannot make an RSA key"
	openssl genpkey -algorithm ED25519 -out "$1/ed.key" ||
		bench_die "openssl cannot make an Ed25519 key"
	chmod 600 "$1/rsa.key" "$1/ed.key"
}

# bench_message - a plain-text message of about BYTES, CRLF line ends
bench_message() {
	{
		printf 'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\n'
		printf 'Subject: benchmark\r\nDate: Sun, 22 Nov 2026 15:00:00 +0000\r\n'
		printf 'Message-ID: <bench.%s@example.com>\r\nMIME-Version: 1.0\r\n' "$1"
		printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
		awk -v n="$1" 'BEGIN {
			l = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te"
			for (i = 0; i < (n - 300) / 79; i++) printf "%s\r\n", l }'
	} >"$2"
}

# bench_signet_config - signet-milter policy: FILE SOCKET SETUP KEYDIR [USER GROUP]
bench_signet_config() {
	local file=$1 sock=$2 setup=$3 keys=$4 user=${5:-} group=${6:-}
	{
		echo "socket: $sock"
		[ -z "$user" ] || echo "user: $user"
		[ -z "$group" ] || echo "group: $group"
		echo "sources:"
		echo "  networks: [127.0.0.0/8, \"::1/128\"]"
		echo "domains:"
		echo "  example.com:"
		echo "    selectors:"
		case $setup in rsa|dual)
			echo "      - {name: rsa, algorithm: rsa-sha256, key: $keys/rsa.key}" ;;
		esac
		case $setup in ed|dual)
			echo "      - {name: ed, algorithm: ed25519-sha256, key: $keys/ed.key}" ;;
		esac
	} >"$file"
}

# bench_opendkim_config - OpenDKIM with the same keys: FILE SOCKET SETUP
# KEYDIR [USER]; SOCKET in signet's spelling (unix:PATH, inet:PORT@ADDR)
bench_opendkim_config() {
	local file=$1 sock=$2 setup=$3 keys=$4 user=${5:-} base=${1%.conf}
	: >"$base.keytable"
	: >"$base.signingtable"
	case $setup in rsa|dual)
		echo "rsa._domainkey.example.com example.com:rsa:$keys/rsa.key" >>"$base.keytable"
		echo "*@example.com rsa._domainkey.example.com" >>"$base.signingtable" ;;
	esac
	case $setup in ed|dual)
		echo "ed._domainkey.example.com example.com:ed:$keys/ed.key" >>"$base.keytable"
		echo "*@example.com ed._domainkey.example.com" >>"$base.signingtable" ;;
	esac
	{
		echo "Syslog no"
		echo "Mode s"
		case $sock in
		unix:*)	echo "Socket local:${sock#unix:}"
			echo "UMask 007" ;;
		*)	echo "Socket $sock" ;;
		esac
		[ -z "$user" ] || echo "UserID $user"
		echo "KeyTable file:$base.keytable"
		echo "SigningTable refile:$base.signingtable"
		echo "MultipleSignatures yes"
		echo "Canonicalization relaxed/relaxed"
		echo "InternalHosts 127.0.0.1, ::1"
		echo "RequireSafeKeys no"
		# One algorithm for every key: see DESCRIPTION.
		case $setup in
		ed)	echo "SignatureAlgorithm ed25519-sha256" ;;
		*)	echo "SignatureAlgorithm rsa-sha256" ;;
		esac
	} >"$file"
}

# bench_socket_ready - is the milter socket SPEC accepting connections?
bench_socket_ready() {
	case $1 in
	unix:*)	[ -S "${1#unix:}" ] ;;
	inet:*@*) local s=${1#inet:}
		[ -n "$(ss -Hltn "sport = :${s%%@*}" 2>/dev/null)" ] ;;
	*)	bench_die "unknown socket spec '$1'" ;;
	esac
}

# bench_wait_up - wait up to 10 s for PID's socket SPEC
bench_wait_up() {
	local pid=$1 sock=$2 what=$3 i
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || bench_die "$what exited at start (log: $4)"
		! bench_socket_ready "$sock" || return 0
		sleep 0.1
	done
	bench_die "$what: socket $sock not ready after 10 s (log: $4)"
}

# bench_start_signet - signet-milter -f -c CONFIG in the background; B_PID
bench_start_signet() {
	local sock
	sock=$(sed -n 's/^socket:[[:space:]]*//p' "$1")
	case $sock in unix:*) rm -f "${sock#unix:}" ;; esac
	"$B_MILTER" -f -c "$1" 2>"${1%.*}.log" &
	B_PID=$!
	B_PIDS="$B_PIDS $B_PID"
	bench_wait_up "$B_PID" "$sock" signet-milter "${1%.*}.log"
}

# bench_start_opendkim - opendkim -f -x CONFIG in the background; B_PID
bench_start_opendkim() {
	local sock
	sock=$(sed -n 's/^Socket //p' "$1")
	case $sock in local:*) sock=unix:${sock#local:}; rm -f "${sock#unix:}" ;; esac
	opendkim -f -x "$1" 2>"${1%.*}.log" &
	B_PID=$!
	B_PIDS="$B_PIDS $B_PID"
	bench_wait_up "$B_PID" "$sock" opendkim "${1%.*}.log"
}

# bench_stop - kill a milter started here (no drain wait: it is idle);
# with SIGNAL (TERM, say) instead of KILL, it may finish what it writes
bench_stop() {
	kill -"${2:-9}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	B_PIDS=$(echo "$B_PIDS" | tr ' ' '\n' | { grep -vx "$1" || true; } | tr '\n' ' ')
}

# bench_algs - the a= tags SETUP must give, sorted, joined by +
bench_algs() {
	case $1 in
	rsa)	echo rsa-sha256 ;;
	ed)	echo ed25519-sha256 ;;
	dual)	echo ed25519-sha256+rsa-sha256 ;;
	esac
}

# bench_sorted_algs - milterload's algorithms= field, sorted
bench_sorted_algs() {
	bench_field algorithms "$1" | tr '+' '\n' | sort | paste -sd+ -
}

# bench_load - run milterload; print its line; fail on an unsigned or
# refused message
bench_load() {
	local out
	out=$("$B_LOAD" "$@") || { echo "$out" >&2; bench_die "milterload $* failed"; }
	echo "$out"
}

# bench_field - the value of KEY in a key=value line
bench_field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# bench_median - the median of the arguments
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_mean - the mean of A and B, one decimal
bench_mean() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (a + b) / 2 }'
}

# bench_program - the path of bench/NAME in the build tree, made if missing
bench_program() {
	local p=$SIGNET_BUILD/bench/$1
	[ -x "$p" ] || (cd "$SIGNET_BUILD" && make "bench/$1" >/dev/null) ||
		bench_die "cannot build $p: make bench/$1 in $SIGNET_BUILD"
	echo "$p"
}

# bench_ratio - A / B with DIGITS decimals (default 2)
bench_ratio() {
	awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {
		if (b + 0 == 0 || a == "n/a" || b == "n/a") print "n/a";
		else printf "%.*f\n", d, a / b }'
}

# bench_rss - resident set size of PID in kB (VmRSS)
bench_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# bench_cpu - user + system CPU seconds of PID, all its threads
bench_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' \
		"/proc/$1/stat"
}

# bench_sign_cost - the sign cost of a setup (dual: both signatures)
bench_sign_cost() {
	case $1 in
	rsa)	echo "$2" ;;
	ed)	echo "$3" ;;
	dual)	awk -v a="$2" -v b="$3" 'BEGIN { print a + b }' ;;
	*)	bench_die "unknown setup '$1' (rsa, ed, dual)" ;;
	esac
}

# bench_var - record KEY=VALUE for bench/run.sh
bench_var() {
	[ -z "${BENCH_VARS:-}" ] || echo "$1=$2" >>"$BENCH_VARS"
}
