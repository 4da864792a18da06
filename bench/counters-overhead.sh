#!/bin/sh
# counters-overhead.sh - what counting costs signet-milter per message
#
# Usage: sh bench/counters-overhead.sh [BUILD_DIR]   (Debian 12)
#
# Starts signet-milter on a unix socket with the same keys (Ed25519 +
# RSA-2048): without counting, counting into an SQLite store
# (synchronous: normal, the default), into one with synchronous: full
# and, with BENCH_PG_URI=postgresql://..., into PostgreSQL; drives each
# with milterload, 64 connections at once (BENCH_MSGS messages, default
# 20000, 2 KB each), and prints messages/s and the milter's CPU time per
# message (all threads, from /proc), then the overhead of counting in
# per cent of the milter's CPU. Group commit keeps counting from
# serialising the signing threads: messages/s should stay close.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
load=$build/bench/milterload
msgs=${BENCH_MSGS:-20000}
conns=${BENCH_CONNS:-64}
[ -x "$load" ] || (cd "$build" && make bench/milterload >/dev/null)

tmp=$(mktemp -d /tmp/signet-bench-counters.XXXXXX)
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$tmp/ed.key"
chmod 600 "$tmp"/*.key
{
	printf 'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\n'
	printf 'Subject: benchmark\r\nDate: Sun, 22 Nov 2026 15:00:00 +0000\r\n'
	printf 'Message-ID: <bench@example.com>\r\n\r\n'
	awk 'BEGIN { for (i = 0; i < 26; i++) print "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te\r" }'
} >"$tmp/2k.eml"

# run NAME STORE [SYNC] - one milter, one load; prints the result line
run() {
	{
		echo "socket: unix:$tmp/signet.sock"
		echo "sources: {networks: [127.0.0.0/8]}"
		[ -z "$2" ] || printf 'counters:\n  store: %s\n' "$2"
		[ -z "${3:-}" ] || printf '  synchronous: %s\n' "$3"
		echo "domains:"
		echo "  example.com:"
		echo "    selectors:"
		echo "      - {name: rsa, algorithm: rsa-sha256, key: $tmp/rsa.key}"
		echo "      - {name: ed, algorithm: ed25519-sha256, key: $tmp/ed.key}"
	} >"$tmp/signet.yaml"
	rm -f "$tmp/signet.sock"
	"$build/signet-milter" -f ${BENCH_WORKERS:+-w "$BENCH_WORKERS"} -c "$tmp/signet.yaml" 2>"$tmp/$1.log" &
	pid=$!
	i=0
	while [ ! -S "$tmp/signet.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	res=$("$load" -s "unix:$tmp/signet.sock" -f "$tmp/2k.eml" -c "$conns" \
		-n "$msgs" -r 50 -p "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	echo "$1 $res"
}

# median FILE KEY - the median of KEY=value over the lines of FILE
median() {
	sed -n "s/.* $2=\\([0-9.]*\\).*/\\1/p" "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Alternate the runs, ROUNDS times, and compare the medians: one run
# to the next varies by more than the cost measured.
rounds=${BENCH_ROUNDS:-3}
for r in $(seq "$rounds"); do
	run none "" | tee -a "$tmp/none.out"
	rm -f "$tmp"/counters.db*
	run sqlite "$tmp/counters.db" | tee -a "$tmp/sqlite.out"
	rm -f "$tmp"/full.db*
	run sqlite-full "$tmp/full.db" full | tee -a "$tmp/sqlite-full.out"
	[ -z "${BENCH_PG_URI:-}" ] || run postgresql "$BENCH_PG_URI" | tee -a "$tmp/pg.out"
done
counted=$(sqlite3 "$tmp/counters.db" 'SELECT SUM(messages) FROM counts')
echo "the last sqlite store holds $counted messages (sent $msgs)"
c0=$(median "$tmp/none.out" cpu_us_per_msg)
r0=$(median "$tmp/none.out" msgs_per_s)
for f in sqlite sqlite-full pg; do
	[ -f "$tmp/$f.out" ] || continue
	c1=$(median "$tmp/$f.out" cpu_us_per_msg)
	r1=$(median "$tmp/$f.out" msgs_per_s)
	awk -v f="$f" -v c0="$c0" -v c1="$c1" -v r0="$r0" -v r1="$r1" 'BEGIN {
		printf "%s, medians of %d runs: %.0f us CPU per message counting, %.0f without: counting costs %.1f%% of the milter'"'"'s CPU; %.0f msgs/s counting, %.0f without\n",
			f, '"$rounds"', c1, c0, (c1 - c0) * 100 / c1, r1, r0 }'
done
