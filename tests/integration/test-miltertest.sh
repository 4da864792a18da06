#!/bin/bash
# NAME
#	test-miltertest.sh - milter protocol edge cases, with miltertest(8)
# SYNOPSIS
#	tests/integration/test-miltertest.sh
# DESCRIPTION
#	Starts signet-milter (policy: example.com, selectors rsa and ed;
#	sources: 127.0.0.0/8, ::1, SMTP AUTH, daemon ORIGINATING) on the
#	policy's unix socket, then with -p inet:PORT@127.0.0.1, and runs
#	each tests/integration/mt-*.lua script against it with miltertest
#	(through mt-run.lua):
#
#	mt-multi	several messages on one connection
#	mt-abort	aborted messages, then a new one on the same connection
#	mt-close	close before connect, drops in the middle of a message
#	mt-bigbody	a 10 MB body in 64 kB chunks
#	mt-from		no From, two From fields, two From addresses: refused
#	mt-source	signing source or not: networks, SMTP AUTH, daemon name
#
#	Messages that the scripts save (mt-multi, mt-bigbody) are verified
#	with dkimpy and libopendkim. After the scripts the milter must still
#	run and must exit cleanly on SIGTERM.
# DIAGNOSTICS
#	One PASS or FAIL line per script and socket, then "N passed,
#	N failed"; exit 1 when one failed, 77 when not root, 99 when a tool
#	is missing.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init miltertest
it_need miltertest miltertest
it_verifiers
it_keys "$IT_TMP/keys" example.com
mtdir=$it_here
scripts="multi abort close bigbody from source"

# The policy names the unix socket; the inet run overrides it with -p.
# (miltertest cannot connect to an inet6 socket; test-sign.sh has
# Postfix use one.)
it_config "$IT_TMP/mt.yaml" "unix:$IT_TMP/signet.sock" "$IT_TMP/keys" rsa,ed \
	example.com "  authenticated: true
  networks: [127.0.0.0/8, \"::1/128\"]
  daemons: [ORIGINATING]"
sockets="unix:$IT_TMP/signet.sock inet:$IT_MILTER_PORT@127.0.0.1"

for sock in $sockets; do
	kind=${sock%%:*}
	IT_MILTER_LOG=$IT_TMP/milter-$kind.log
	if [ "$kind" = unix ]; then
		it_milter_start "$IT_TMP/mt.yaml"
	else
		it_milter_start "$IT_TMP/mt.yaml" -p "$sock"
	fi
	mkdir -p "$IT_TMP/saved-$kind"
	for s in $scripts; do
		out=$IT_TMP/saved-$kind/$s.eml
		t0=$EPOCHREALTIME
		if timeout 300 miltertest -D "socket=$sock" -D "dir=$mtdir" \
			-D "script=$mtdir/mt-$s.lua" -D "out=$out" \
			-s "$mtdir/mt-run.lua" >"$IT_TMP/mt-$s.out" 2>&1; then
			it_pass "$kind: mt-$s.lua ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f s", b - a }'))"
		else
			it_fail "$kind: mt-$s.lua" "$(grep -m 1 -A 1 '^ERROR' "$IT_TMP/mt-$s.out" | tr '\n\t' '  ')"
		fi
		if ! it_milter_alive; then
			it_fail "$kind: milter alive after mt-$s.lua" "signet-milter exited"
			tail -n 20 "$IT_MILTER_LOG"
			IT_MILTER_PID=
			it_milter_start "$IT_TMP/mt.yaml"
		fi
	done
	if [ -n "$(find "$IT_TMP/saved-$kind" -name '*.eml')" ]; then
		it_check "$kind: saved messages verify (dkimpy, libopendkim)" \
			it_verify_all "$IT_TMP/saved-$kind" "$IT_TMP/keys/keys.txt"
	else
		it_fail "$kind: saved messages" "no script saved a message"
	fi
	if it_milter_alive; then
		it_check "$kind: milter exits cleanly on SIGTERM" it_milter_stop
	fi
done

it_summary
