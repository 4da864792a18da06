#!/bin/bash
# NAME
#	test-counters-pg.sh - the counters store on a real PostgreSQL server
# SYNOPSIS
#	tests/counters/test-counters-pg.sh
# DESCRIPTION
#	Starts a private PostgreSQL 15 server (initdb and pg_ctl as the
#	postgres user, in a temporary directory, on a free loopback port),
#	creates a database, then runs against it:
#
#	- the store's unit tests (tests/unit/test-store URI): concurrent
#	  records, grouping, the DMARC view, whole days against the hours,
#	  the upgrade from version 1, roll-up and retention, schema versions;
#	- the Postfix integration test (tests/integration/test-counters.sh)
#	  with the store in PostgreSQL: counts equal Postfix's log, across
#	  kill -9 of signet-milter; the server stopped gives 451 4.3.0 and
#	  counting resumes by itself when it is back;
#	- the kill test (tests/faults/test-kill.sh) with the store in
#	  PostgreSQL and SIGNET_KILL_PG_COUNT messages (3000 by default):
#	  signed counts equal what Postfix queued, exactly, across three
#	  kill -9 of signet-milter.
#
#	The closing line adds up the cases of both.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (PostgreSQL
#	missing: install the Debian package postgresql).
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${srcdir:=$here/../..}"
srcdir=$(cd "$srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
export srcdir top_builddir
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: test-counters-pg: must run as root (it starts PostgreSQL as postgres)"
	exit 77
fi
for p in initdb pg_ctl; do
	[ -x "$PGBIN/$p" ] || { echo "FATAL: $PGBIN/$p not found: install the Debian package postgresql" >&2; exit 99; }
done
getent passwd postgres >/dev/null ||
	{ echo "FATAL: no postgres user: install the Debian package postgresql" >&2; exit 99; }

TMP=$(mktemp -d /tmp/signet-pg.XXXXXX)
chown postgres "$TMP"
PGCTL=$TMP/pgctl
cleanup() {
	[ ! -x "$PGCTL" ] || "$PGCTL" stop -m immediate >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# A free loopback port.
port=
for p in $(seq $((15432 + $$ % 2000)) $((15432 + $$ % 2000 + 200))); do
	if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then port=$p; break; fi
done
[ -n "$port" ] || { echo "FATAL: no free port for PostgreSQL" >&2; exit 1; }

cat >"$PGCTL" <<EOF
#!/bin/sh
# pg_ctl of the private server, as postgres
exec su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D '$TMP/data' -l '$TMP/server.log' -w \
	-o '-p $port -k $TMP -c listen_addresses=127.0.0.1 -c fsync=on' \$*"
EOF
chmod 755 "$PGCTL"
su postgres -s /bin/sh -c "$PGBIN/initdb -D '$TMP/data' -U postgres --auth=trust" \
	>"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; exit 1; }
"$PGCTL" start >/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
su postgres -s /bin/sh -c "$PGBIN/createdb -h 127.0.0.1 -p $port -U postgres signet"
URI=postgresql://postgres@127.0.0.1:$port/signet
echo "== PostgreSQL on 127.0.0.1:$port, $URI"

passed=0
failed=0
# drop_tables - an empty database for the next test
drop_tables() {
	su postgres -s /bin/sh -c "$PGBIN/psql -q -h 127.0.0.1 -p $port -U postgres -d signet \
		-c 'DROP TABLE IF EXISTS counts, counts_summary, counts_rcpt, counts_day,
		counts_recent, counts_retry, signet_schema, dmarc_test'"
}

# tally - add the closing "N passed, N failed" line of a run
tally() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		echo "FAIL: $2 ended without a result line"
		return
	fi
	passed=$((passed + ${line%% passed*}))
	line=${line#*, }
	failed=$((failed + ${line%% failed*}))
}

rc=0
"$top_builddir/tests/unit/test-store" "$URI" 2>&1 | tee "$TMP/unit.out" || rc=1
tally "$TMP/unit.out" "test-store"
drop_tables
SIGNET_STORE_URI=$URI SIGNET_PG_CTL=$PGCTL \
	bash "$srcdir/tests/integration/test-counters.sh" 2>&1 |
	tee "$TMP/integration.out" || rc=$?
if [ "$rc" = 77 ]; then
	echo "SKIP: the Postfix integration test"
else
	tally "$TMP/integration.out" "test-counters.sh"
fi
drop_tables
rc=0
SIGNET_STORE_URI=$URI SIGNET_KILL_COUNT=${SIGNET_KILL_PG_COUNT:-3000} \
	bash "$srcdir/tests/faults/test-kill.sh" 2>&1 |
	tee "$TMP/kill.out" || rc=$?
if [ "$rc" = 77 ]; then
	echo "SKIP: the kill test"
else
	tally "$TMP/kill.out" "test-kill.sh"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
