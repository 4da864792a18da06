#!/bin/sh
# milter-bench.sh - signet-milter against OpenDKIM and the crypto limit,
# driven by milterload with the same keys and messages, in one run.
#
# Usage: sh bench/milter-bench.sh [BUILD_DIR]    (as root; Debian 12)
#
# For each key setup (RSA-2048, Ed25519, both) and message size (2 KB,
# 64 KB, 1 MB) and concurrency (1, 8, 64 connections) it starts each
# milter on a unix socket, sends the messages, and prints messages/s and
# the milter's CPU per message, next to the sign cost milterload measured
# with the same key. Env: BENCH_MSGS (default 2000 for 2 KB messages).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
load=$build/bench/milterload
msgs=${BENCH_MSGS:-2000}
command -v opendkim >/dev/null || { echo "opendkim is not installed: contrib/install-deps.sh test" >&2; exit 1; }
[ -x "$load" ] || (cd "$build" && make bench/milterload >/dev/null)

tmp=$(mktemp -d /tmp/signet-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/ed.key"
chmod 600 "$tmp"/*.key

# message SIZE FILE - a message of about SIZE bytes
message() {
	{
		printf 'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\n'
		printf 'Subject: benchmark\r\nDate: Sun, 22 Nov 2026 15:00:00 +0000\r\n'
		printf 'Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n'
		printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
		awk -v n="$1" 'BEGIN { l = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te\r";
			for (i = 0; i < n / 76; i++) print l }'
	} > "$2"
}
message 2000 "$tmp/2k.eml"
message 65536 "$tmp/64k.eml"
message 1048576 "$tmp/1m.eml"

# start_signet SETUP - signet-milter with rsa, ed or dual keys
start_signet() {
	{
		echo "socket: unix:$tmp/signet.sock"
		echo "sources: {networks: [127.0.0.0/8]}"
		echo "domains:"
		echo "  example.com:"
		echo "    selectors:"
		case $1 in rsa|dual) echo "      - {name: rsa, algorithm: rsa-sha256, key: $tmp/rsa.key}" ;; esac
		case $1 in ed|dual) echo "      - {name: ed, algorithm: ed25519-sha256, key: $tmp/ed.key}" ;; esac
	} > "$tmp/signet.yaml"
	"$build/signet-milter" -f -c "$tmp/signet.yaml" 2>"$tmp/signet.log" &
	pid=$!
	pids="$pids $pid"
	wait_socket "$tmp/signet.sock"
}

# start_opendkim SETUP - OpenDKIM with the same keys
start_opendkim() {
	: > "$tmp/keytable"
	: > "$tmp/signingtable"
	case $1 in rsa|dual)
		echo "rsa._domainkey.example.com example.com:rsa:$tmp/rsa.key" >> "$tmp/keytable"
		echo "*@example.com rsa._domainkey.example.com" >> "$tmp/signingtable" ;;
	esac
	case $1 in ed|dual)
		echo "ed._domainkey.example.com example.com:ed:$tmp/ed.key" >> "$tmp/keytable"
		echo "*@example.com ed._domainkey.example.com" >> "$tmp/signingtable" ;;
	esac
	cat > "$tmp/opendkim.conf" <<EOC
Syslog no
Mode s
Socket local:$tmp/opendkim.sock
KeyTable file:$tmp/keytable
SigningTable refile:$tmp/signingtable
MultipleSignatures yes
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.1
RequireSafeKeys no
PidFile $tmp/opendkim.pid
EOC
	opendkim -f -x "$tmp/opendkim.conf" 2>"$tmp/opendkim.log" &
	pid=$!
	pids="$pids $pid"
	wait_socket "$tmp/opendkim.sock"
}

wait_socket() {
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "no socket $1" >&2; exit 1; }
		sleep 0.1
	done
}

stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -f "$tmp"/*.sock; }

# field KEY LINE - a key=value field of a milterload line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

rsa_us=$("$load" -S "$tmp/rsa.key" -n 2000 | sed 's/sign_us=//')
ed_us=$("$load" -S "$tmp/ed.key" -n 10000 | sed 's/sign_us=//')
echo "# sign cost measured by milterload: rsa-2048 ${rsa_us} us, ed25519 ${ed_us} us"
printf '%-5s %-4s %5s  %-8s %9s %12s %10s\n' keys size conns milter msgs/s cpu_us/msg cpu/sign
for setup in rsa ed dual; do
	case $setup in rsa) cost=$rsa_us ;; ed) cost=$ed_us ;;
		dual) cost=$(echo "$rsa_us + $ed_us" | bc -l) ;; esac
	for size in 2k 64k 1m; do
		case $size in 2k) n=$msgs ;; 64k) n=$((msgs / 4)) ;; 1m) n=$((msgs / 20)) ;; esac
		for conns in 1 8 64; do
			for milter in signet opendkim; do
				"start_$milter" $setup
				out=$("$load" -s "unix:$tmp/$milter.sock" -f "$tmp/$size.eml" \
					-c $conns -n $n -p $pid) || { echo "FAILED: $out" >&2; exit 1; }
				stop
				cpu=$(field cpu_us_per_msg "$out")
				printf '%-5s %-4s %5s  %-8s %9s %12s %10.2f\n' $setup $size $conns \
					$milter "$(field msgs_per_s "$out")" "$cpu" \
					"$(echo "$cpu / $cost" | bc -l)"
			done
		done
	done
done
