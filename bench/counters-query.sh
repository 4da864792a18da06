#!/bin/sh
# counters-query.sh - signet counters on a million-row store, while the
# daemon writes to it
#
# Usage: sh bench/counters-query.sh [BUILD_DIR]   (Debian 12; sqlite3)
#        BENCH_PG_URI=postgresql://... sh bench/counters-query.sh [BUILD_DIR]
#        (psql; the signet tables of that database are dropped first)
#
# signet-milter creates an SQLite store (or the tables in the PostgreSQL
# database of BENCH_PG_URI); sqlite3 (psql) fills it with a million
# rows of counts (35 days of hours, 10 From domains, 10 senders, signed
# and refused, 6 logins, 200 client addresses of refused mail), their
# summary, and a million rows of recipient-domain counts, as schema
# version 1 (no counts_day); signet-milter then upgrades it in place
# (timed), filling counts_day;
# then, while milterload sends mail through signet-milter (so that it
# commits counts all along), each query below is timed. The target is
# under one second each.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
load=$build/bench/milterload
[ -x "$load" ] || (cd "$build" && make bench/milterload >/dev/null)
pg=${BENCH_PG_URI:-}
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed" >&2; exit 1; }
[ -z "$pg" ] || command -v psql >/dev/null ||
	{ echo "psql is not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/signet-bench-query.XXXXXX)
store=${pg:-$tmp/counters.db}

# sql - run SQL (standard input, or one argument) on the store
sql() {
	if [ -n "$pg" ]; then
		psql -X -q -t -A -v ON_ERROR_STOP=1 "$pg" ${1:+-c "$1"}
	else
		sqlite3 "$tmp/counters.db" ${1:+"$1"}
	fi
}
pid=
lpid=
cleanup() {
	[ -z "$lpid" ] || kill "$lpid" 2>/dev/null || true
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

openssl genpkey -algorithm ED25519 -out "$tmp/ed.key"
chmod 600 "$tmp/ed.key"
printf 'From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: b\r\n\r\nhello\r\n' >"$tmp/m.eml"
cat >"$tmp/signet.yaml" <<EOF
socket: unix:$tmp/signet.sock
sources: {networks: [127.0.0.0/8]}
counters:
  store: $store
domains:
  example.com:
    selectors:
      - {name: ed, algorithm: ed25519-sha256, key: $tmp/ed.key}
EOF

# start - signet-milter in the background, its socket and store ready
# (the store is created, or upgraded, after the socket is bound)
start() {
	rm -f "$tmp/signet.sock"
	: >"$tmp/milter.log"
	"$build/signet-milter" -f -c "$tmp/signet.yaml" 2>>"$tmp/milter.log" &
	pid=$!
	i=0
	while { [ ! -S "$tmp/signet.sock" ] ||
		! grep -q 'recording into' "$tmp/milter.log"; } && [ $i -lt 3000 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

[ -z "$pg" ] || sql "DROP TABLE IF EXISTS counts, counts_summary, counts_rcpt,
	counts_day, counts_recent, counts_retry, signet_schema"
start				# creates the schema
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
t0=$(date +%s.%N)
if [ -n "$pg" ]; then
	now="extract(epoch from now())::bigint"
	rows="FROM generate_series(0, 999999) AS i"
else
	now="CAST(strftime('%s', 'now') AS INTEGER)"
	rows="FROM n"
	echo "PRAGMA journal_mode=WAL;" | sql >/dev/null
fi
with="WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)"
[ -z "$pg" ] || with=
sql <<EOF
BEGIN;
$with
INSERT INTO counts SELECT
	($now / 3600) * 3600 - (i % 840) * 3600, 3600,
	'd' || ((i / 840) % 10) || '.example', 's' || ((i / 8400) % 10),
	'e' || ((i / 840) % 10) || '.example', 'user' || (i / 168000),
	CASE (i / 84000) % 2 WHEN 1 THEN '192.0.2.' || (i % 200) ELSE '' END,
	CASE (i / 84000) % 2 WHEN 1 THEN 'refused' ELSE 'signed' END,
	CASE (i / 84000) % 2 WHEN 1 THEN '' ELSE 'rsa:rsa-sha256,ed:ed25519-sha256' END,
	1 + i % 7 $rows;
INSERT INTO counts_summary SELECT bucket, span, from_domain, sender, outcome,
	SUM(messages) FROM counts GROUP BY bucket, span, from_domain, sender, outcome;
$with
INSERT INTO counts_rcpt SELECT
	($now / 3600) * 3600 - (i % 840) * 3600, 3600,
	'd' || ((i / 840) % 10) || '.example', 's' || ((i / 8400) % 10),
	'signed', 'r' || (i / 84000) || '.example', 1 + i % 3 $rows;
DROP TABLE IF EXISTS counts_day;
DROP TABLE IF EXISTS counts_recent;
DROP TABLE IF EXISTS counts_retry;
UPDATE signet_schema SET version = 1 WHERE component = 'counters';
COMMIT;
EOF
[ -z "$pg" ] || sql "ANALYZE"
t1=$(date +%s.%N)
size() {
	if [ -n "$pg" ]; then
		sql "SELECT pg_database_size(current_database()) / 1048576"
	else
		du -m "$tmp/counters.db" | cut -f1
	fi
}
echo "store ($(echo "$store" | sed 's/:[^:@/]*@/@/')): $(sql 'SELECT COUNT(*) FROM counts') rows of counts," \
	"$(sql 'SELECT COUNT(*) FROM counts_summary') of their summary," \
	"$(sql 'SELECT COUNT(*) FROM counts_rcpt') of recipient domains," \
	"$(size) MB, filled in $(echo "$t1 - $t0" | bc) s"

t2=$(date +%s.%N)
start				# upgrades the schema to the current version
t3=$(date +%s.%N)
echo "signet-milter upgraded the store from version 1 and listened in" \
	"$(echo "$t3 - $t2" | bc) s:" \
	"$(sql 'SELECT COUNT(*) FROM counts_day' 2>/dev/null || echo no)" \
	"rows of daily counts, $(size) MB"
"$load" -s "unix:$tmp/signet.sock" -f "$tmp/m.eml" -c 8 -n 100000000 -r 100 \
	>/dev/null 2>&1 &
lpid=$!
sleep 1
before=$(sql "SELECT SUM(messages) FROM counts WHERE from_domain = 'example.com'")

# q ARGS - time one signet counters run
q() {
	s=$(date +%s.%N)
	n=$("$build/signet" counters --store "$store" "$@" | wc -l)
	e=$(date +%s.%N)
	printf '%6.3f s  %6d lines  signet counters %s\n' "$(echo "$e - $s" | bc)" "$n" "$*"
}
month=$(date -u -d '35 days ago' +%Y-%m-%d)
q
q --since "$month" --by domain
q --since "$month" --by day
q --since "$month" --by domain,sender,outcome
q --since "$month" --by rcpt-domain
q --since "$month" --domain d7.example --by hour
q --since "$month" --by client
q --since "$month" --by selector --format json
q --since "$month" --by env-domain --format csv
q --since "$month" --by sasl-login
q --since "${month}T13:00" --until "$(date -u +%Y-%m-%dT%H:00)" --by rcpt-domain,outcome
after=$(sql "SELECT SUM(messages) FROM counts WHERE from_domain = 'example.com'")
echo "signet-milter committed $((after - before)) counts while the queries ran"
