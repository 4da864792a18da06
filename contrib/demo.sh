#!/bin/bash
# NAME
#	demo.sh - signet in one command: a real Postfix signs with signet
# SYNOPSIS
#	contrib/demo.sh
# DESCRIPTION
#	For a fresh Debian 12, run as root from a signet source tree. Step
#	by step, with a header for each:
#
#	1. installs what signet needs (contrib/install-deps.sh demo);
#	2. builds signet (autogen.sh, configure, make) in a build directory;
#	3. creates the "signet" system user if missing and puts Postfix in
#	   its group (the milter socket is mode 0770, signet:signet);
#	4. makes demo keys for example.com, RSA and Ed25519, owned by signet,
#	   mode 0600, and shows their DNS records;
#	5. writes a policy, checks it with "signet config check", and starts
#	   signet-milter as root, which then becomes the signet user;
#	6. starts a private Postfix on loopback (its own directories and
#	   ports; the system's Postfix is not touched) with signet attached,
#	   relaying everything to a local smtp-sink that keeps each message;
#	7. sends a message from example.com with swaks, shows the signed
#	   message as delivered and signet's log line;
#	8. verifies the signatures with dkimpy, a verifier independent of
#	   signet, using the demo keys instead of DNS;
#
#	then stops everything it started and removes its files. The signet
#	user and Postfix's membership of its group stay (step 3), as an
#	installation would keep them.
#
#	Environment:
#	SIGNET_DEMO_NO_DEPS=1	skip step 1 (the packages are installed)
#	SIGNET_DEMO_BUILD=DIR	build in DIR and keep it (default: a
#				temporary directory, removed at the end)
#	SIGNET_KEEP=1		keep the temporary files when a step fails
# DIAGNOSTICS
#	Stops at the first step that fails, says which and why, and cleans
#	up. Exit 0 when every step worked.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOMAIN=example.com
step_no=0

# section - a header for a human reading along
section() {
	step_no=$((step_no + 1))
	printf '\n\033[1m=== %d. %s\033[0m\n\n' "$step_no" "$*"
}

# say - an explanation line, indented
say() {
	printf '    %s\n' "$*"
}

# show - run a command, showing it first
show() {
	printf '    $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/      /'
}

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run as root (it installs packages, creates a user and starts Postfix)" >&2
	exit 1
fi

# ------------------------------------------------------------------
step_deps() {
	section "Install the packages signet needs"
	if [ "${SIGNET_DEMO_NO_DEPS:-0}" = 1 ]; then
		say "skipped (SIGNET_DEMO_NO_DEPS=1)"
		return 0
	fi
	say "contrib/install-deps.sh demo: compilers, libmilter, libyaml,"
	say "OpenSSL, Postfix, swaks, dkimpy, OpenDKIM's tools (output in $WORK/deps.log)"
	"$top/contrib/install-deps.sh" demo >"$WORK/deps.log" 2>&1 ||
		{ tail -n 20 "$WORK/deps.log"; echo "demo.sh: install-deps.sh failed" >&2; exit 1; }
	say "done"
}

# ------------------------------------------------------------------
step_build() {
	section "Build signet"
	if [ -n "${SIGNET_DEMO_BUILD:-}" ]; then
		BUILD=$SIGNET_DEMO_BUILD
	else
		BUILD=$WORK/build
	fi
	mkdir -p "$BUILD"
	say "source: $top"
	say "build:  $BUILD (output in $WORK/build.log)"
	{
		(cd "$top" && ./autogen.sh) &&
		(cd "$BUILD" && "$top/configure" -q && make -j"$(nproc)")
	} >"$WORK/build.log" 2>&1 ||
		{ tail -n 30 "$WORK/build.log"; echo "demo.sh: the build failed" >&2; exit 1; }
	show "$BUILD/signet-milter" -V
}

# ------------------------------------------------------------------
step_user() {
	section "The signet user"
	if getent passwd signet >/dev/null; then
		say "user signet exists"
	else
		useradd --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /usr/sbin/nologin signet
		say "created the system user signet (useradd --system signet)"
	fi
	say "signet-milter starts as root to read the keys and bind its socket,"
	say "then runs as signet. Its socket is mode 0770, owned by signet:signet,"
	say "so Postfix must be in the signet group:"
	if id -nG postfix | tr ' ' '\n' | grep -qx signet; then
		say "postfix is in group signet"
	else
		show usermod -a -G signet postfix
	fi
}

# ------------------------------------------------------------------
step_keys() {
	section "Keys for $DOMAIN: RSA-2048 and Ed25519"
	KEYS=$ETC/keys/$DOMAIN
	sh "$top/tests/tools/mkkeys.sh" "$KEYS" "$DOMAIN" >/dev/null
	chown -R signet:signet "$KEYS"
	chmod 700 "$KEYS"
	chmod 600 "$KEYS/rsa.key" "$KEYS/ed.key"
	say "private keys, readable by signet only:"
	ls -l "$KEYS/rsa.key" "$KEYS/ed.key" | sed 's/^/      /'
	say ""
	say "the DNS records to publish (TXT), one per selector:"
	cut -c 1-110 "$KEYS/keys.txt" | sed 's/$/.../; s/^/      /'
}

# ------------------------------------------------------------------
step_policy() {
	section "The policy, checked, and signet-milter started"
	CFG=$ETC/signet.yaml
	SOCK=unix:$IT_TMP/run/signet.sock
	mkdir -p "$IT_TMP/run"
	mkdir -p "$IT_TMP/var"
	chown signet:signet "$IT_TMP/var"
	cat >"$CFG" <<EOF
# Demo policy: sign $DOMAIN with both keys. Only this host (127.0.0.1)
# may send as $DOMAIN; every message is counted.
socket: $SOCK
user: signet
pidfile: $IT_TMP/run/signet-milter.pid
sources:
  authenticated: true
  networks: [127.0.0.0/8, "::1/128"]
counters:
  store: $IT_TMP/var/counters.db
domains:
  $DOMAIN:
    senders:
      this-host:
        networks: [127.0.0.1/32, "::1/128"]
    selectors:
      - name: rsa
        algorithm: rsa-sha256
        key: $KEYS/rsa.key
      - name: ed
        algorithm: ed25519-sha256
        key: $KEYS/ed.key
EOF
	sed 's/^/      /' "$CFG"
	echo
	show "$BUILD/signet" config check -c "$CFG"
	IT_MILTER_LOG=$IT_TMP/signet-milter.log
	it_milter_start "$CFG"
	say ""
	say "signet-milter runs (pid $IT_MILTER_PID) as user $(ps -o user= -p "$IT_MILTER_PID"):"
	sed 's/^/      /' "$IT_MILTER_LOG"
	ls -l "${SOCK#unix:}" | sed 's/^/      /'
}

# ------------------------------------------------------------------
step_postfix() {
	section "A private Postfix on loopback, with signet attached"
	it_postfix_start "$SOCK"
	say "config directory $IT_TMP/etc; smtpd on 127.0.0.1:$IT_SMTP_PORT;"
	say "everything is relayed to an smtp-sink on 127.0.0.1:$IT_SINK_PORT,"
	say "which keeps each message. The milter settings:"
	postconf -c "$IT_TMP/etc" -n | grep -E '^(smtpd_milters|non_smtpd_milters|milter_)' |
		sed 's/^/      /'
}

# ------------------------------------------------------------------
step_send() {
	section "Send a message from $DOMAIN"
	it_swaks --from alice@$DOMAIN --to bob@receiver.example \
		--header "From: Alice <alice@$DOMAIN>" \
		--header "Subject: signet demo" \
		--body "Hello Bob, this message was signed by signet." ||
		{ cat "$IT_TMP/swaks.out"; echo "demo.sh: Postfix did not accept the message" >&2; exit 1; }
	say "Postfix's answer to swaks, after signet signed the message:"
	grep -E '^ *<- +250 .*queued' "$IT_TMP/swaks.out" | sed 's/^ *<- */      /'
	it_wait_delivered 1 30
	it_extract "$IT_TMP/delivered"
	MSG=$(ls "$IT_TMP"/delivered/*.eml)
	say ""
	say "the message as Postfix delivered it (header section):"
	tr -d '\r' <"$MSG" | sed '/^$/q' | sed 's/^/      | /'
	say "signet's log line for it:"
	grep 'verdict=' "$IT_MILTER_LOG" | tail -n 1 | sed 's/^/      /'
}

# ------------------------------------------------------------------
step_verify() {
	section "Verify with dkimpy (independent of signet)"
	say "dkimpy checks each signature against the public keys above"
	say "(from the keys file instead of DNS):"
	if "$PYTHON" "$top/tests/verify/dkimpy-verify.py" -K "$KEYS/keys.txt" \
		<"$MSG" >"$IT_TMP/verdict" 2>&1; then
		sed 's/^/      /' "$IT_TMP/verdict"
		say ""
		say "both signatures verify."
	else
		sed 's/^/      /' "$IT_TMP/verdict"
		echo "demo.sh: the signatures did not verify" >&2
		exit 1
	fi
}

# ------------------------------------------------------------------
step_relay() {
	section "An unauthorised relay tries to send as $DOMAIN"
	say "a client on 127.0.0.2 is not a sender of $DOMAIN in the policy:"
	if it_swaks --local-interface 127.0.0.2 --from mallory@$DOMAIN \
		--header "From: CEO <ceo@$DOMAIN>" --header "Subject: urgent" \
		--body "Please pay the attached invoice."; then
		cat "$IT_TMP/swaks.out"
		echo "demo.sh: the unauthorised relay was not refused" >&2
		exit 1
	fi
	say "Postfix's answer, given by signet before the body was sent:"
	grep -E '^ *<\*\* +5[0-9][0-9] ' "$IT_TMP/swaks.out" | sed 's/^ *<\*\* */      /'
	say "signet's log line:"
	grep 'verdict=rejected' "$IT_MILTER_LOG" | tail -n 1 | sed 's/^/      /'
}

# ------------------------------------------------------------------
step_counters() {
	section "What signet counted"
	say "every decision is committed to the counters store before the reply:"
	show "$BUILD/signet" counters -c "$CFG" --by domain,sender,outcome
}

# ------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/signet-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
printf '\033[1msignet demo\033[0m: DKIM signing with a real Postfix, on this machine only\n'
step_deps
step_build

# The harness of the integration tests runs the private Postfix, the
# sink and the milter, and stops them all on exit.
top_builddir=$BUILD srcdir=$top SIGNET_MILTER=$BUILD/signet-milter IT_QUIET=1
. "$top/tests/integration/lib.sh"
it_init demo
ETC=$IT_TMP/signet
mkdir -p "$ETC"
# it_cleanup_hook - after the harness stopped Postfix and the milter
it_cleanup_hook() {
	rm -rf "$WORK"
	[ "$1" -ne 0 ] ||
		printf '\n\033[1m=== done\033[0m: Postfix and signet-milter stopped, demo files removed.\n'
}

step_user
step_keys
step_policy
step_postfix
step_send
step_verify
step_relay
step_counters
# Each further step is a step_ function with its own section header,
# called here in order.
