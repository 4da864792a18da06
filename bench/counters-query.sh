#!/bin/sh
# counters-query.sh - signet counters on a million-row store, while the
# daemon writes to it
#
# Usage: sh bench/counters-query.sh [BUILD_DIR]   (Debian 12; sqlite3)
#
# signet-milter creates an SQLite store; sqlite3 fills it with a million
# rows of counts (35 days of hours, 10 From domains, 10 senders, signed
# and refused, 6 logins, 200 client addresses of refused mail), their
# summary, and a million rows of recipient-domain counts;
# then, while milterload sends mail through signet-milter (so that it
# commits counts all along), each query below is timed. The target is
# under one second each.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
load=$build/bench/milterload
[ -x "$load" ] || (cd "$build" && make bench/milterload >/dev/null)
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/signet-bench-query.XXXXXX)
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
  store: $tmp/counters.db
domains:
  example.com:
    selectors:
      - {name: ed, algorithm: ed25519-sha256, key: $tmp/ed.key}
EOF

# start - signet-milter in the background, its socket ready
start() {
	rm -f "$tmp/signet.sock"
	"$build/signet-milter" -f -c "$tmp/signet.yaml" 2>>"$tmp/milter.log" &
	pid=$!
	i=0
	while [ ! -S "$tmp/signet.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

start				# creates the schema
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
t0=$(date +%s.%N)
sqlite3 "$tmp/counters.db" <<'EOF'
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
INSERT INTO counts SELECT
	(CAST(strftime('%s', 'now') AS INTEGER) / 3600) * 3600 - (i % 840) * 3600, 3600,
	'd' || ((i / 840) % 10) || '.example', 's' || ((i / 8400) % 10),
	'e' || ((i / 840) % 10) || '.example', 'user' || (i / 168000),
	CASE (i / 84000) % 2 WHEN 1 THEN '192.0.2.' || (i % 200) ELSE '' END,
	CASE (i / 84000) % 2 WHEN 1 THEN 'refused' ELSE 'signed' END,
	CASE (i / 84000) % 2 WHEN 1 THEN '' ELSE 'rsa:rsa-sha256,ed:ed25519-sha256' END,
	1 + i % 7 FROM n;
INSERT INTO counts_summary SELECT bucket, span, from_domain, sender, outcome,
	SUM(messages) FROM counts GROUP BY bucket, span, from_domain, sender, outcome;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
INSERT INTO counts_rcpt SELECT
	(CAST(strftime('%s', 'now') AS INTEGER) / 3600) * 3600 - (i % 840) * 3600, 3600,
	'd' || ((i / 840) % 10) || '.example', 's' || ((i / 8400) % 10),
	'signed', 'r' || (i / 84000) || '.example', 1 + i % 3 FROM n;
COMMIT;
EOF
t1=$(date +%s.%N)
echo "store: $(sqlite3 "$tmp/counters.db" 'SELECT COUNT(*) FROM counts') rows of counts," \
	"$(sqlite3 "$tmp/counters.db" 'SELECT COUNT(*) FROM counts_summary') of their summary," \
	"$(sqlite3 "$tmp/counters.db" 'SELECT COUNT(*) FROM counts_rcpt') of recipient domains," \
	"$(du -m "$tmp/counters.db" | cut -f1) MB, filled in $(echo "$t1 - $t0" | bc) s"

start
"$load" -s "unix:$tmp/signet.sock" -f "$tmp/m.eml" -c 8 -n 100000000 -r 100 \
	>/dev/null 2>&1 &
lpid=$!
sleep 1
before=$(sqlite3 "$tmp/counters.db" "SELECT SUM(messages) FROM counts WHERE from_domain = 'example.com'")

# q ARGS - time one signet counters run
q() {
	s=$(date +%s.%N)
	n=$("$build/signet" counters --store "$tmp/counters.db" "$@" | wc -l)
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
after=$(sqlite3 "$tmp/counters.db" "SELECT SUM(messages) FROM counts WHERE from_domain = 'example.com'")
echo "signet-milter committed $((after - before)) counts while the queries ran"
