#!/bin/bash
# NAME
#	test-counters-reload.sh - what a reload does to the counters and the
#	metrics listener
# SYNOPSIS
#	tests/integration/test-counters-reload.sh
# DESCRIPTION
#	signet-milter, as nobody behind a private Postfix, counts into an
#	SQLite store and serves metrics on one port. Then SIGUSR1 reloads:
#
#	- a policy with another store, synchronous: full, another
#	  retention and the listener on another port: the listener moves
#	  (the new port answers, the old one is closed) and the log says
#	  so; the log names store and synchronous as needing a restart;
#	  later mail is still counted in the first store, and the second
#	  is never created;
#	- a listener on port 1 (below 1024: not for a process that gave up
#	  root): an error in the log, and the listener stays where it was;
#	- no metrics section: the listener closes.
#
#	Every reload is accepted (signet_reloads_total) and the milter
#	stays up; after a restart it counts into the second store.
# DIAGNOSTICS
#	"N passed, N failed"; exit 0, 1, 77 (not root), 99 (missing tool).
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init counters-reload
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
it_need curl curl
IT_USER=nobody
IT_GROUP=postfix
it_keys "$IT_TMP/keys" example.com
it_keys_owned "$IT_TMP/keys" "$IT_TMP/keys-nobody" nobody
mkdir -p "$IT_TMP/run" "$IT_TMP/store"
chown nobody "$IT_TMP/store"
SOCK=unix:$IT_TMP/run/signet.sock
STORE_A=$IT_TMP/store/a.db
STORE_B=$IT_TMP/store/b.db
# Distinct messages: the store counts the same message once.
IT_SEND_NUMBERED=1
P1=$(it_port first)
IT_USED_PORTS="$IT_USED_PORTS$P1 "
P2=$(it_port second)
IT_USED_PORTS="$IT_USED_PORTS$P2 "
BASE=$IT_TMP/base.yaml
CFG=$IT_TMP/signet.yaml
it_config "$BASE" "$SOCK" "$IT_TMP/keys-nobody" rsa,ed

# policy STORE SYNC LISTEN - write the configuration (LISTEN "": none)
policy() {
	{
		cat "$BASE"
		printf 'counters:\n  store: %s\n  synchronous: %s\n' "$1" "$2"
		printf '  retention: {hourly_days: 40, daily_days: 400}\n'
		[ -z "$3" ] || printf 'metrics:\n  listen: "%s"\n' "$3"
	} >"$CFG.new"
	mv "$CFG.new" "$CFG"
}

# reload - SIGUSR1, then wait for the milter to log the new generation
reload() {
	local n i
	n=$(grep -c 'reloaded .*policy generation' "$IT_MILTER_LOG" || true)
	it_milter_reload
	for i in $(seq 100); do
		[ "$(grep -c 'reloaded .*policy generation' "$IT_MILTER_LOG" || true)" -gt "$n" ] &&
			return 0
		sleep 0.1
	done
	it_fail "reload" "signet-milter logged no reload within 10 s"
}

# answers PORT - does GET /metrics on PORT answer 200
answers() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/metrics")" = 200 ]
}

# closed PORT - nothing listens on PORT
closed() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# counted STORE - the messages a store holds
counted() {
	"$SIGNET_CLI" counters --store "$1" --since 2000-01-01 --by outcome \
		--format csv | tr -d '\r' | awk -F, '$1 == "signed" { n = $2 }
		END { printf "%d\n", n }'
}

# logged TEXT - the milter's log has a line with TEXT (fixed string)
logged() {
	grep -qF -- "$1" "$IT_MILTER_LOG"
}

policy "$STORE_A" normal "127.0.0.1:$P1"
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_postfix_start "$SOCK"
it_milter_start "$CFG"
it_wait_listen "$P1" "signet-milter's metrics listener"
it_send 5 "$IT_TMP/msg" || it_die "smtp-source failed"
it_wait_delivered 5

# 1. Another store, synchronous and port.
policy "$STORE_B" full "127.0.0.1:$P2"
reload
it_check "the listener moved to the new port" answers "$P2"
it_check "the old port is closed" closed "$P1"
it_check "log: metrics serving on the new port instead of the old" \
	logged "metrics: serving http://127.0.0.1:$P2/metrics instead of 127.0.0.1:$P1"
it_check "log: store change needs a restart" \
	logged "counters: store changed in the reloaded policy; the store in use stays in use until signet-milter restarts"
it_check "log: synchronous change needs a restart" \
	logged "counters: synchronous changed to full in the reloaded policy; normal stays in force until signet-milter restarts"
it_send 3 "$IT_TMP/msg" || it_die "smtp-source failed"
it_wait_delivered 8
got=$(counted "$STORE_A")
if [ "$got" = 8 ]; then
	it_pass "later mail still counted in the first store (8)"
else
	it_fail "later mail still counted in the first store" "got $got, want 8"
fi
it_check "the second store was not created" test ! -e "$STORE_B"

# 2. A port that needs root: refused, the listener stays.
policy "$STORE_B" full "127.0.0.1:1"
reload
it_check "log: cannot listen on port 1, still serving on the old port" \
	logged "metrics: cannot listen on 127.0.0.1:1, as the reloaded policy says"
it_check "log: ... still serving on 127.0.0.1:$P2" \
	logged "still serving on 127.0.0.1:$P2"
it_check "the listener stayed on its port" answers "$P2"

# 3. No metrics section: the listener closes.
curl -s "http://127.0.0.1:$P2/metrics" >"$IT_TMP/metrics.txt"
it_check "two reloads so far, both accepted" \
	grep -q '^signet_reloads_total{result="ok"} 2$' "$IT_TMP/metrics.txt"
policy "$STORE_B" full ""
reload
it_check "log: metrics listener stopped" \
	logged "metrics: stopped serving http://127.0.0.1:$P2/metrics: the reloaded policy has no metrics listener"
it_check "the listener is closed" closed "$P2"
it_check "signet-milter still runs" it_milter_alive

# 4. A restart applies the store.
it_check "milter exits cleanly on SIGTERM" it_milter_stop
it_milter_start "$CFG"
it_send 2 "$IT_TMP/msg" || it_die "smtp-source failed"
it_wait_delivered 10
got="$(counted "$STORE_A") $(counted "$STORE_B")"
if [ "$got" = "8 2" ]; then
	it_pass "after a restart, counted in the second store (8 2)"
else
	it_fail "after a restart, counted in the second store" "got $got, want 8 2"
fi
it_check "milter exits cleanly on SIGTERM" it_milter_stop
it_summary
