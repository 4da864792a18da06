#!/bin/bash
# NAME
#	test-hostile.sh - hostile milter protocol input must not crash
#	signet-milter nor let a message through
# SYNOPSIS
#	tests/integration/test-hostile.sh
# DESCRIPTION
#	Starts signet-milter (policy: example.com, selector rsa; sources:
#	127.0.0.0/8 and SMTP AUTH) on a unix socket, then on
#	inet:PORT@127.0.0.1, and runs each case of hostile.py against it
#	on a fresh connection: oversized, zero-length and truncated
#	packets, an unknown command, commands out of order, random bytes,
#	and 200 connections holding half a packet while a good message is
#	signed. Each bad connection must be closed with no answer to the
#	bad command; the milter must log why, keep running, sign a good
#	message afterwards, and log no message but the good ones. Then
#	SIGTERM in the middle of a message: the message must finish signed,
#	no new connection be accepted, and the milter exit cleanly.
# DIAGNOSTICS
#	One PASS or FAIL line per check, then "N passed, N failed"; exit 1
#	when one failed, 77 when not root.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init hostile
it_keys "$IT_TMP/keys" example.com
it_config "$IT_TMP/h.yaml" "unix:$IT_TMP/signet.sock" "$IT_TMP/keys" rsa \
	example.com "  authenticated: true
  networks: [127.0.0.0/8]"
cases="oversized oversized-first zero-length truncated unknown eob-before-mail
	eob-before-eoh header-before-mail rcpt-after-eoh garbage"

for sock in "unix:$IT_TMP/signet.sock" "inet:$IT_MILTER_PORT@127.0.0.1"; do
	kind=${sock%%:*}
	IT_MILTER_LOG=$IT_TMP/milter-$kind.log
	it_milter_start "$IT_TMP/h.yaml" -p "$sock"
	for c in $cases; do
		it_check "$kind: $c" "$PYTHON" "$it_here/hostile.py" "$sock" "$c"
	done
	it_check "$kind: still signs after all that" \
		"$PYTHON" "$it_here/hostile.py" "$sock" ok
	it_check "$kind: signs while 200 connections stall" \
		"$PYTHON" "$it_here/hostile.py" "$sock" flood
	sleep 0.5
	for why in "more than the 1048576 signet takes" "packet of length 0" \
		"in the middle of a packet" "unknown command" \
		"end of message out of order" "header field out of order" \
		"recipient out of order" "body out of order"; do
		it_check "$kind: logged \"$why\"" grep -q "$why" "$IT_MILTER_LOG"
	done
	verdicts=$(grep -o 'verdict=[a-z-]*' "$IT_MILTER_LOG" | sort | uniq -c |
		tr -s ' ' | tr '\n' ' ')
	it_check "$kind: only the 2 good messages decided ($verdicts)" \
		test "$verdicts" = " 2 verdict=signed "
	it_check "$kind: no crash" it_milter_alive
	# A reload that makes MAIL FROM count, on a connection that agreed
	# not to answer it: the refusal comes at end of message.
	cp "$IT_TMP/h.yaml" "$IT_TMP/h.orig"
	cp "$IT_TMP/h.yaml" "$IT_TMP/h-senders.yaml"
	cat >>"$IT_TMP/h-senders.yaml" <<EOF
    senders:
      crm:
        networks: [192.0.2.0/24]
EOF
	it_check "$kind: MAIL FROM refused after a reload, at end of message" \
		"$PYTHON" "$it_here/hostile.py" "$sock" mail-reload \
		"$IT_MILTER_PID" "$IT_TMP/h.yaml" "$IT_TMP/h-senders.yaml"
	cp "$IT_TMP/h.orig" "$IT_TMP/h.yaml"
	it_milter_reload
	sleep 1
	it_check "$kind: SIGTERM in a message: it finishes signed" \
		"$PYTHON" "$it_here/hostile.py" "$sock" drain "$IT_MILTER_PID"
	it_check "$kind: then the milter exits cleanly" it_milter_stop
done

it_summary
