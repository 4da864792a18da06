# NAME
#	lib.sh - harness for signet's integration tests: a private Postfix
#	on loopback, an smtp-sink that keeps every message, signet-milter
# SYNOPSIS
#	. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
#	it_init NAME			temp dir, ports, cleanup trap
#	it_keys DIR DOMAIN		test keys (tests/tools/mkkeys.sh)
#	it_keys_owned SRC DST USER	a copy of the keys owned by USER
#	it_config FILE SOCKET KEYDIR SELECTORS [DOMAIN [SOURCES]]
#	it_config_nobody SRC KEYDIR	as nobody:postfix, both keys; SOCK, CFG
#	it_config_store [STORE]		counters into STORE; sets STORE
#	it_postfix_start SOCKET|none	Postfix + smtp-sink, milter attached
#	it_postfix_set PARAM=VALUE...	change main.cf, reload Postfix
#	it_milter_start CONFIG [ARGS]	signet-milter -f -c CONFIG, wait for it
#	it_milter_reload; it_milter_alive; it_milter_stop; it_milter_kill
#	it_message FILE FROM [SUBJECT]	a test message
#	it_send COUNT FILE [FROM [TO [HOST]]]	smtp-source, 20 sessions
#	it_send_serial COUNT FILE	one session: prints ms per message
#	it_swaks ARGS...		swaks to the private smtpd
#	it_wait_delivered COUNT [SECS]	sink holds COUNT, queue empty
#	it_extract DIR			sink dumps -> DIR/ID.eml (as delivered)
#	it_expect_sigs DIR SPEC		exactly these DKIM-Signatures
#	it_verifiers; it_verify_all DIR KEYS	dkimpy and libopendkim
#	it_sink_reset; it_mail_reset	forget delivered / queued mail
#	it_counted OUTCOME		messages $STORE counts with OUTCOME
#	it_pf_queued			messages Postfix's queue manager took in
#	it_pass NAME; it_fail NAME WHY; it_check NAME CMD...; it_summary
#	it_results NAME FILE		a checker's "ok ..." / "not ok ..." lines
#	it_die WHY
# DESCRIPTION
#	Sourced by tests/integration/test-*.sh (bash). it_init makes a
#	temporary directory $IT_TMP (mode 755: Postfix's own user walks
#	into it), picks free loopback ports and sets an EXIT trap that stops
#	everything started here and removes $IT_TMP.
#
#	The Postfix instance is a real one with its own config_directory
#	($IT_TMP/etc), queue_directory ($IT_TMP/spool), data_directory and
#	log file ($IT_TMP/maillog). Its smtpd listens on 127.0.0.1 and [::1]
#	port $IT_SMTP_PORT; every message, whatever its recipient, is relayed
#	to an smtp-sink on 127.0.0.1 port $IT_SINK_PORT that dumps each
#	transaction to a file of its own under $IT_TMP/sink. The milter is
#	attached as smtpd_milters and non_smtpd_milters with
#	milter_default_action = tempfail, so a milter that is absent or
#	fails turns into a 4xx, never into unsigned mail.
#
#	Environment:
#	srcdir		source tree (default: two levels above the test)
#	top_builddir	build tree with signet-milter (default: .)
#	SIGNET_KEEP=1	keep $IT_TMP (and its logs) when a test fails
#	SIGNET_MILTER	the daemon (default: $top_builddir/signet-milter)
#	PYTHON		a python3 with python3-dkim (default: /usr/bin/python3)
#
#	Case results are counted by it_pass and it_fail; it_summary prints
#	"N passed, N failed" and sets the exit status.
# DIAGNOSTICS
#	Everything runs under set -eu -o pipefail. it_die prints the reason,
#	the last lines of the Postfix and milter logs, and exits 1 (the
#	trap still cleans up). Exit 77 (skipped) when not run as root, 99
#	when a tool the tests need is missing (contrib/install-deps.sh
#	installs them all).
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu -o pipefail

it_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${srcdir:=$it_here/../..}"
srcdir=$(cd "$srcdir" && pwd)
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
: "${SIGNET_MILTER:=$top_builddir/signet-milter}"
: "${SIGNET_CLI:=$top_builddir/signet}"
: "${PYTHON:=/usr/bin/python3}"
SINKDUMP=$it_here/sinkdump.py
export PATH="$PATH:/usr/sbin:/sbin"

IT_PASSED=0
IT_FAILED=0
IT_TMP=
IT_MILTER_PID=
IT_SINK_PID=
IT_POSTFIX_UP=
IT_MILTER_LOG=
IT_USER=
IT_GROUP=
IT_STATUS=0

# it_log - print a progress line on standard output (not with IT_QUIET=1)
it_log() {
	[ "${IT_QUIET:-0}" = 1 ] || printf '%s\n' "$*"
}

# it_die - report why the test cannot go on, show the logs, exit 1
it_die() {
	printf 'FATAL: %s\n' "$*" >&2
	it_show_logs >&2
	IT_STATUS=1
	exit 1
}

# it_show_logs - the tail of every log this harness keeps
it_show_logs() {
	local f
	[ -n "$IT_TMP" ] || return 0
	for f in "$IT_MILTER_LOG" "$IT_TMP/maillog" "$IT_TMP/sink.log"; do
		[ -s "$f" ] || continue
		printf -- '--- last lines of %s\n' "$f"
		tail -n 25 "$f"
	done
}

# it_pass - count a passed case
it_pass() {
	IT_PASSED=$((IT_PASSED + 1))
	printf 'PASS: %s\n' "$1"
}

# it_fail - count a failed case and say why
it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	IT_STATUS=1
	printf 'FAIL: %s: %s\n' "$1" "$2"
}

# it_check - run a command as one case: pass when it exits 0
it_check() {
	local name=$1
	shift
	if "$@" >"$IT_TMP/check.out" 2>&1; then
		it_pass "$name"
	else
		it_fail "$name" "$(tail -n 5 "$IT_TMP/check.out" | tr '\n' ' ')"
	fi
}

# it_results - the report FILE of a checker, one case a line: "ok WHAT"
# passes "NAME: WHAT"; "not ok WHY", "FAIL WHY" or any other line fails
# NAME; a report without an "ok" line fails too
it_results() {
	local name=$1 line
	grep -q '^ok ' "$2" ||
		it_fail "$name" "no check passed: $(tail -n 3 "$2" | tr '\n' ' ')"
	while IFS= read -r line; do
		case $line in
		"ok "*)		it_pass "$name: ${line#ok }" ;;
		"not ok "*)	it_fail "$name" "${line#not ok }" ;;
		"FAIL "*)	it_fail "$name" "${line#FAIL }" ;;
		*)		it_fail "$name" "$line" ;;
		esac
	done <"$2"
}

# it_summary - print the closing count line and exit with the verdict
it_summary() {
	printf '%d passed, %d failed\n' "$IT_PASSED" "$IT_FAILED"
	[ "$IT_FAILED" -eq 0 ] || exit 1
	exit 0
}

# it_need - a program the tests need, or exit 99 with the package to install
it_need() {
	local prog=$1 pkg=$2
	command -v "$prog" >/dev/null 2>&1 ||
		{ printf 'FATAL: %s not found: install the Debian package %s (contrib/install-deps.sh test)\n' \
			"$prog" "$pkg" >&2; exit 99; }
}

# it_require_file - an executable or file built or shipped by the project
it_require_file() {
	[ -e "$1" ] || { printf 'FATAL: %s missing: %s\n' "$1" "$2" >&2; exit 99; }
}

# it_init - check the environment, make $IT_TMP, pick ports, set the trap
it_init() {
	IT_NAME=$1
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $IT_NAME: must run as root (it starts a private Postfix)"
		exit 77
	fi
	it_need ss iproute2
	it_need openssl openssl
	if ! [ -x "$PYTHON" ] || ! (cd / && "$PYTHON" -c 'import dkim') 2>/dev/null; then
		echo "FATAL: $PYTHON cannot import dkim: install the Debian package python3-dkim, or set PYTHON" >&2
		exit 99
	fi
	getent passwd postfix >/dev/null ||
		{ echo "FATAL: no postfix user: install the Debian package postfix" >&2; exit 99; }
	it_require_file "$SIGNET_MILTER" "build signet first (make in $top_builddir)"

	IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-$IT_NAME.XXXXXX")
	chmod 755 "$IT_TMP"
	trap it_cleanup EXIT
	trap 'IT_STATUS=1; exit 130' INT TERM
	IT_USED_PORTS=" "
	IT_SMTP_PORT=$(it_port smtp)
	IT_USED_PORTS="$IT_USED_PORTS$IT_SMTP_PORT "
	IT_SINK_PORT=$(it_port sink)
	IT_USED_PORTS="$IT_USED_PORTS$IT_SINK_PORT "
	IT_MILTER_PORT=$(it_port milter)
	IT_USED_PORTS="$IT_USED_PORTS$IT_MILTER_PORT "
	IT_SUBMIT_PORT=$(it_port submit)
	IT_USED_PORTS="$IT_USED_PORTS$IT_SUBMIT_PORT "
	IT_MILTER_LOG=$IT_TMP/milter.log
	IT_START=$(date +%s)
	it_log "== $IT_NAME: in $IT_TMP; ports: smtpd $IT_SMTP_PORT, ORIGINATING smtpd $IT_SUBMIT_PORT, sink $IT_SINK_PORT, milter inet $IT_MILTER_PORT"
}

# it_port - a TCP port nothing listens on, below the ephemeral range;
# derived from the test name and the shell's pid so that two tests
# running at once start their search at different places
it_port() {
	local lo span h p tries=0
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=32768
	span=$((lo - 11000))
	h=$(printf '%s.%s.%s' "$IT_NAME" "$1" "$$" | cksum | cut -d' ' -f1)
	p=$((11000 + h % span))
	while :; do
		case $IT_USED_PORTS in
		*" $p "*) ;;
		*)	if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
				echo "$p"
				return 0
			fi ;;
		esac
		p=$((p + 1))
		[ "$p" -lt "$lo" ] || p=11000
		tries=$((tries + 1))
		[ "$tries" -lt 1000 ] || it_die "no free TCP port found below $lo"
	done
}

# it_wait_listen - wait up to 10 s for something to listen on TCP PORT
it_wait_listen() {
	local port=$1 what=$2 i
	for i in $(seq 100); do
		[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] || return 0
		sleep 0.1
	done
	it_die "$what is not listening on port $port after 10 s"
}

# it_pids_gone - wait up to N tenths of a second for PIDs to exit
it_pids_gone() {
	local n=$1 i p alive
	shift
	for i in $(seq "$n"); do
		alive=
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -n "$alive" ] || return 0
		sleep 0.1
	done
	return 1
}

# it_cleanup - the EXIT trap: stop the milter, Postfix, the sink; remove
# $IT_TMP unless the test failed and SIGNET_KEEP=1; then call
# it_cleanup_hook STATUS if the sourcing script defines one
it_cleanup() {
	local rc=$?
	[ "$rc" -eq 0 ] || IT_STATUS=1
	set +e
	[ -z "$IT_MILTER_PID" ] || it_milter_kill
	it_postfix_stop
	if [ -n "$IT_SINK_PID" ]; then
		kill "$IT_SINK_PID" 2>/dev/null
		it_pids_gone 50 "$IT_SINK_PID" || kill -9 "$IT_SINK_PID" 2>/dev/null
		IT_SINK_PID=
	fi
	if [ -n "$IT_TMP" ] && [ -d "$IT_TMP" ]; then
		if [ "$IT_STATUS" != 0 ] && [ "${SIGNET_KEEP:-0}" = 1 ]; then
			echo "kept $IT_TMP (SIGNET_KEEP=1)" >&2
		else
			rm -rf "$IT_TMP"
		fi
	fi
	[ -z "${IT_START:-}" ] ||
		it_log "== $IT_NAME: $(( $(date +%s) - IT_START )) s"
	# A script that sources this file may add its own cleanup.
	if declare -F it_cleanup_hook >/dev/null; then
		it_cleanup_hook "$rc" || true
	fi
	exit "$rc"
}

# it_keys - make test keys DIR/rsa.key, DIR/ed.key and DIR/keys.txt
it_keys() {
	local mkkeys=$srcdir/tests/tools/mkkeys.sh
	[ -f "$mkkeys" ] || mkkeys=$top_builddir/tests/tools/mkkeys.sh
	it_require_file "$mkkeys" "the test key maker is part of the source tree"
	sh "$mkkeys" "$1" "$2" >/dev/null || it_die "mkkeys.sh $1 $2 failed"
	chmod 600 "$1/rsa.key" "$1/ed.key"
}

# it_keys_owned - copy the keys of SRCDIR to DSTDIR, owned by USER
it_keys_owned() {
	mkdir -p "$2"
	cp "$1/rsa.key" "$1/ed.key" "$1/keys.txt" "$2/"
	chown "$3" "$2" "$2/rsa.key" "$2/ed.key"
	chmod 600 "$2/rsa.key" "$2/ed.key"
}

# it_config - write a signet-milter config: FILE SOCKET KEYDIR SELECTORS
# [DOMAIN [SOURCES]], where SELECTORS is rsa, ed or rsa,ed and SOURCES
# the YAML body of "sources:" (default: loopback networks and SMTP
# AUTH). With $IT_USER (and $IT_GROUP) set, the milter runs as them.
it_config() {
	local file=$1 socket=$2 keydir=$3 sels=$4 domain=${5:-example.com}
	local sources=${6:-"  authenticated: true
  networks: [127.0.0.0/8, \"::1/128\"]"}
	{
		echo "socket: $socket"
		echo "pidfile: $IT_TMP/signet-milter.pid"
		echo "require_safe_keys: true"
		[ -z "$IT_USER" ] || echo "user: $IT_USER"
		[ -z "$IT_GROUP" ] || echo "group: $IT_GROUP"
		echo "sources:"
		echo "$sources"
		echo "domains:"
		echo "  $domain:"
		echo "    selectors:"
		case ,$sels, in *,rsa,*)
			echo "      - name: rsa"
			echo "        algorithm: rsa-sha256"
			echo "        key: $keydir/rsa.key" ;;
		esac
		case ,$sels, in *,ed,*)
			echo "      - name: ed"
			echo "        algorithm: ed25519-sha256"
			echo "        key: $keydir/ed.key" ;;
		esac
	} >"$file"
}

# it_config_nobody - signet-milter as in production, as nobody:postfix
# (Postfix's smtpd connects to its socket): SRC's keys copied to KEYDIR,
# owned by nobody, and $IT_TMP/run made; sets SOCK and CFG, and writes
# CFG signing example.com with both keys of KEYDIR
it_config_nobody() {
	IT_USER=nobody
	IT_GROUP=postfix
	it_keys_owned "$1" "$2" nobody
	mkdir -p "$IT_TMP/run"
	SOCK=unix:$IT_TMP/run/signet.sock
	CFG=$IT_TMP/signet.yaml
	it_config "$CFG" "$SOCK" "$2" rsa,ed
}

# it_config_store - count into STORE (default: an SQLite file in
# $IT_TMP/store, a folder owned by nobody); sets STORE and adds the
# counters section to $CFG (so write the domain's lines first). It also
# sets IT_SEND_NUMBERED: the store counts a message (same Message-ID,
# envelope and body) once, so it_send must send distinct messages.
it_config_store() {
	IT_SEND_NUMBERED=1
	mkdir -p "$IT_TMP/store"
	chown nobody "$IT_TMP/store"
	STORE=${1:-$IT_TMP/store/counters.db}
	printf 'counters:\n  store: %s\n' "$STORE" >>"$CFG"
}

# it_postfix_socket - Postfix's spelling of a signet socket
# (unix:PATH stays; inet:PORT@ADDR becomes inet:ADDR:PORT)
it_postfix_socket() {
	case $1 in
	unix:*)		echo "$1" ;;
	inet:*@*)	local s=${1#inet:}; echo "inet:${s#*@}:${s%%@*}" ;;
	inet6:*@\[*)	local s=${1#inet6:}; echo "inet:${s#*@}:${s%%@*}" ;;
	inet6:*@*)	local s=${1#inet6:}; echo "inet:[${s#*@}]:${s%%@*}" ;;
	*)		it_die "it_postfix_socket: cannot convert '$1'" ;;
	esac
}

# it_postfix_start - write main.cf and master.cf, start smtp-sink and
# Postfix with MILTER (a signet socket spec, or "none") attached
it_postfix_start() {
	local milter=$1 etc=$IT_TMP/etc pfmilter=
	it_need postfix postfix
	it_need smtp-sink postfix
	it_need smtp-source postfix
	it_need swaks swaks
	[ "$milter" = none ] || pfmilter=$(it_postfix_socket "$milter")
	mkdir -p "$etc" "$IT_TMP/spool" "$IT_TMP/data" "$IT_TMP/sink"
	chown postfix "$IT_TMP/data" "$IT_TMP/sink"
	# IPv6 loopback as well, where the machine has it.
	local ipv6='' protocols=ipv4
	if ip -6 addr show dev lo 2>/dev/null | grep -qw '::1/128'; then
		ipv6=yes
		protocols=all
	fi
	cat >"$etc/main.cf" <<EOF
# Private test instance: loopback only, everything relayed to smtp-sink.
compatibility_level = 3.6
queue_directory = $IT_TMP/spool
data_directory = $IT_TMP/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $IT_TMP/maillog
maillog_file_prefixes = $IT_TMP
myhostname = signet-test.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = $protocols
# 192.0.2.0/24 (TEST-NET-1) is never a peer: it is the address that
# loopback clients claim with XCLIENT to play a client outside signet's
# signing networks; Postfix lets it relay.
mynetworks = 127.0.0.0/8${ipv6:+ [::1]/128} 192.0.2.0/24
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_authorized_xclient_hosts = 127.0.0.0/8
relayhost = [127.0.0.1]:$IT_SINK_PORT
smtp_dns_support_level = disabled
smtp_destination_concurrency_limit = 20
# Add no header of Postfix's own before the milter sees the message:
# a message without From: must reach signet without one.
local_header_rewrite_clients =
in_flow_delay = 0
biff = no
smtpd_milters = $pfmilter
non_smtpd_milters = $pfmilter
milter_default_action = tempfail
milter_protocol = 6
milter_connect_macros = j {daemon_name} {daemon_addr} v _ {client_addr} {client_name}
milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}
milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}
milter_end_of_header_macros = i
milter_end_of_data_macros = i
EOF
	{
		echo "127.0.0.1:$IT_SMTP_PORT inet n - n - - smtpd"
		[ -z "$ipv6" ] || echo "[::1]:$IT_SMTP_PORT inet n - n - - smtpd"
		echo "127.0.0.1:$IT_SUBMIT_PORT inet n - n - - smtpd"
		echo "  -o milter_macro_daemon_name=ORIGINATING"
		cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	} >"$etc/master.cf"

	smtp-sink -u postfix -h sink.localdomain -d "$IT_TMP/sink/m." -m 512 \
		"127.0.0.1:$IT_SINK_PORT" 1024 >"$IT_TMP/sink.log" 2>&1 &
	IT_SINK_PID=$!
	it_wait_listen "$IT_SINK_PORT" smtp-sink

	it_postfix_cmd check
	IT_POSTFIX_UP=1
	it_postfix_cmd start
	it_wait_listen "$IT_SMTP_PORT" "Postfix smtpd"
}

# it_postfix_cmd - run "postfix -c ETC ARGS"; on failure show its
# messages (Postfix writes them to standard error only when that is a
# terminal, so run it under script(1)) and die
it_postfix_cmd() {
	local out=$IT_TMP/postfix-$1.out
	if ! postfix -c "$IT_TMP/etc" "$@" >"$out" 2>&1; then
		script -qec "postfix -c '$IT_TMP/etc' $*" /dev/null >>"$out" 2>&1 || true
		cat "$out" >&2
		it_die "postfix -c $IT_TMP/etc $* failed"
	fi
}

# it_postfix_stop - stop the private Postfix and wait for its master
it_postfix_stop() {
	local etc=$IT_TMP/etc pid
	[ -n "$IT_POSTFIX_UP" ] || return 0
	IT_POSTFIX_UP=
	pid=$(tr -dc 0-9 <"$IT_TMP/spool/pid/master.pid" 2>/dev/null || true)
	postfix -c "$etc" stop >/dev/null 2>&1 || true
	[ -n "$pid" ] || return 0
	if ! it_pids_gone 100 "$pid"; then
		echo "warning: Postfix master $pid still running 10 s after stop: killing it" >&2
		kill -9 "$pid" 2>/dev/null || true
	fi
}

# it_postfix_set - change main.cf parameters and reload Postfix
it_postfix_set() {
	postconf -c "$IT_TMP/etc" -e "$@" || it_die "postconf -e $* failed"
	it_postfix_cmd reload
}

# it_socket_ready - is the milter socket SPEC accepting connections?
it_socket_ready() {
	case $1 in
	unix:*)		[ -S "${1#unix:}" ] ;;
	inet:*@*|inet6:*@*)
			local s=${1#*:}
			[ -n "$(ss -Hltn "sport = :${s%%@*}" 2>/dev/null)" ] ;;
	*)		it_die "unknown socket spec '$1'" ;;
	esac
}

# it_milter_start - start signet-milter -f -c CONFIG [ARGS...] in the
# background, logging to $IT_MILTER_LOG, and wait for its socket (up to
# $IT_MILTER_WAIT seconds, default 10); sets
# IT_MILTER_PID and IT_MILTER_SOCKET
# (taken from the config's socket: line, or from -p in ARGS)
it_milter_start() {
	local cfg=$1 sock i
	shift
	sock=$(sed -n 's/^socket:[[:space:]]*//p' "$cfg" | tr -d '"')
	local prev=
	for i in "$@"; do
		[ "$prev" != -p ] || sock=$i
		prev=$i
	done
	[ -n "$IT_MILTER_PID" ] && it_die "it_milter_start: a milter already runs"
	case $sock in unix:*) rm -f "${sock#unix:}" ;; esac
	"$SIGNET_MILTER" -f -c "$cfg" "$@" >>"$IT_MILTER_LOG" 2>&1 &
	IT_MILTER_PID=$!
	IT_MILTER_SOCKET=$sock
	for i in $(seq $((${IT_MILTER_WAIT:-10} * 10))); do
		if ! kill -0 "$IT_MILTER_PID" 2>/dev/null; then
			wait "$IT_MILTER_PID" || true
			IT_MILTER_PID=
			it_die "signet-milter -c $cfg $* exited at start"
		fi
		if it_socket_ready "$sock"; then
			# Postfix's smtpd runs as user postfix: it must be able to
			# connect to a unix socket.
			case $IT_POSTFIX_UP$sock in 1unix:*)
				su -s /bin/sh postfix -c "test -w '${sock#unix:}'" ||
					it_log "warning: ${sock#unix:} is not writable by user postfix: $(ls -l "${sock#unix:}")" ;;
			esac
			return 0
		fi
		sleep 0.1
	done
	it_die "signet-milter socket $sock not ready after ${IT_MILTER_WAIT:-10} s"
}

# it_milter_reload - ask the milter to reload its config (SIGUSR1)
it_milter_reload() {
	kill -USR1 "$IT_MILTER_PID" || it_die "signet-milter (pid $IT_MILTER_PID) is gone"
}

# it_milter_alive - is the milter still running?
it_milter_alive() {
	[ -n "$IT_MILTER_PID" ] && kill -0 "$IT_MILTER_PID" 2>/dev/null
}

# it_milter_stop - SIGTERM, wait up to 35 s (signet lets messages in
# progress finish for up to 30 s); return 1, saying why, when it does not
# exit or exits with an error
it_milter_stop() {
	local pid=$IT_MILTER_PID rc=0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if ! it_pids_gone 350 "$pid"; then
		it_milter_kill
		echo "signet-milter did not exit within 35 s of SIGTERM" >&2
		return 1
	fi
	wait "$pid" || rc=$?
	IT_MILTER_PID=
	if [ "$rc" -ne 0 ]; then
		echo "signet-milter exited with status $rc after SIGTERM" >&2
		return 1
	fi
}

# it_milter_kill - stop the milter without judging it (cleanup)
it_milter_kill() {
	local pid=$IT_MILTER_PID
	IT_MILTER_PID=
	kill -TERM "$pid" 2>/dev/null || return 0
	it_pids_gone 50 "$pid" || kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# it_message - write a test message FILE from FROM_HEADER [SUBJECT]
it_message() {
	local file=$1 from=$2 subject=${3:-signet integration test}
	{
		printf 'From: %s\n' "$from"
		printf 'To: Receiver <rcpt@receiver.example>\n'
		printf 'Subject: %s\n' "$subject"
		printf 'Date: %s\n' "$(LC_ALL=C date -R)"
		printf 'Message-ID: <%s.%s@example.com>\n' "$(date +%s%N)" "$$"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n'
		printf '\n'
		printf 'Hello,\n\nthis message went through a real Postfix and signet-milter.\n'
		printf '.A line that starts with a dot (SMTP dot stuffing).\n'
		printf 'Trailing white space here:   \n\tand a tab.\n\n\n'
	} >"$file"
}

# it_send - send COUNT copies of MSGFILE through Postfix with smtp-source,
# 20 sessions: half a message per connection, half many per connection;
# to HOST (default 127.0.0.1; [::1] for IPv6); give up after
# $IT_SEND_TIMEOUT seconds (default: 120 + COUNT / 10). With
# IT_SEND_NUMBERED set, each message goes to a recipient of its own at
# the same domain (N x TAG a. or b. LOCALPART, N smtp-source's number,
# TAG unique per call), so that no two are the same message.
it_send() {
	local count=$1 msg=$2 from=${3:-sender@example.com} to=${4:-rcpt@receiver.example}
	local host=${5:-127.0.0.1}
	local a=$((count / 2)) b=$((count - count / 2)) rc1=0 rc2=0 p1 p2
	local t=${IT_SEND_TIMEOUT:-$((120 + count / 10))}
	local n=() to1=$to to2=$to tag
	if [ -n "${IT_SEND_NUMBERED:-}" ]; then
		tag=x$(date +%s%N)$$
		n=(-N)
		to1=${tag}a.$to
		to2=${tag}b.$to
	fi
	if [ "$a" -gt 0 ]; then
		timeout "$t" smtp-source "${n[@]}" -s 10 -m "$a" -F "$msg" -f "$from" -t "$to1" \
			-M client.localdomain "$host:$IT_SMTP_PORT" \
			>"$IT_TMP/source1.out" 2>&1 &
		p1=$!
	fi
	timeout "$t" smtp-source "${n[@]}" -d -s 10 -m "$b" -F "$msg" -f "$from" -t "$to2" \
		-M client.localdomain "$host:$IT_SMTP_PORT" \
		>"$IT_TMP/source2.out" 2>&1 &
	p2=$!
	[ "$a" -eq 0 ] || wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
		cat "$IT_TMP"/source*.out >&2
		[ "$rc1" != 124 ] && [ "$rc2" != 124 ] ||
			echo "smtp-source did not finish within $t s" >&2
		return 1
	fi
}

# it_send_serial - send COUNT copies of MSGFILE in one session, one after
# the other (each waits for the previous reply): the latency of a message;
# print the milliseconds per message
it_send_serial() {
	local count=$1 msg=$2 t0 t1
	t0=$EPOCHREALTIME
	timeout $((60 + count)) smtp-source -d -s 1 -m "$count" -F "$msg" \
		-f sender@example.com -t rcpt@receiver.example \
		-M client.localdomain "127.0.0.1:$IT_SMTP_PORT" \
		>"$IT_TMP/source-serial.out" 2>&1 ||
		{ cat "$IT_TMP/source-serial.out" >&2; return 1; }
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" -v n="$count" 'BEGIN { printf "%.1f\n", (b - a) * 1000 / n }'
}

# it_swaks - run swaks against the private smtpd (or $IT_SWAKS_SERVER,
# HOST:PORT); its output is in $IT_TMP/swaks.out
it_swaks() {
	timeout 120 swaks --server "${IT_SWAKS_SERVER:-127.0.0.1:$IT_SMTP_PORT}" \
		--helo client.localdomain \
		--to rcpt@receiver.example "$@" >"$IT_TMP/swaks.out" 2>&1
}

# it_dumped - how many messages smtp-sink has written
it_dumped() {
	find "$IT_TMP/sink" -type f | wc -l
}

# it_queued - how many messages the private Postfix still holds
it_queued() {
	local s=$IT_TMP/spool
	find "$s/maildrop" "$s/incoming" "$s/active" "$s/deferred" "$s/hold" \
		-type f 2>/dev/null | wc -l
}

# it_wait_delivered - wait until smtp-sink holds COUNT messages and the
# queue is empty; fail at once on a deferred message, or after TIMEOUT
# seconds (default 300) without progress
it_wait_delivered() {
	local want=$1 limit=${2:-300} got last=-1 still=0 q
	while :; do
		got=$(it_dumped)
		q=$(it_queued)
		[ "$got" -lt "$want" ] || [ "$q" -ne 0 ] || break
		if [ -n "$(find "$IT_TMP/spool/deferred" -type f 2>/dev/null | head -n 1)" ]; then
			postqueue -c "$IT_TMP/etc" -p >&2 || true
			it_die "Postfix deferred a message (sink has $got of $want)"
		fi
		if [ "$got" = "$last" ]; then
			still=$((still + 1))
			[ "$still" -lt $((limit * 10)) ] ||
				it_die "no delivery progress for $limit s: sink has $got of $want, $q queued"
		else
			still=0
			last=$got
		fi
		sleep 0.1
	done
	[ "$got" -eq "$want" ] ||
		it_die "smtp-sink has $got messages, expected $want"
}

# it_counted - the messages $STORE counts with OUTCOME (signet counters)
it_counted() {
	"$SIGNET_CLI" counters --store "$STORE" --since 2000-01-01 \
		--by outcome --format csv | tr -d '\r' |
		awk -F, -v o="$1" '$1 == o { n = $2 } END { printf "%d\n", n }'
}

# it_pf_queued - messages Postfix's queue manager took in
it_pf_queued() {
	grep -c 'postfix/qmgr\[[0-9]*\]: [0-9A-Za-z]*: from=<.*(queue active)' \
		"$IT_TMP/maillog" || true
}

# it_sink_reset - forget the messages dumped so far
it_sink_reset() {
	find "$IT_TMP/sink" -type f -delete
}

# it_mail_reset - empty the Postfix queue and the sink (after a failure)
it_mail_reset() {
	postsuper -c "$IT_TMP/etc" -d ALL >/dev/null 2>&1 || true
	it_sink_reset
}

# it_extract - turn the dumps into OUTDIR/ID.eml (CRLF, as delivered)
it_extract() {
	rm -rf "$1"
	"$PYTHON" "$SINKDUMP" extract "$IT_TMP/sink" "$1" >/dev/null
}

# it_expect_sigs - every message in DIR carries exactly SPEC (see sinkdump.py)
it_expect_sigs() {
	"$PYTHON" "$SINKDUMP" expect "$1" "$2" >"$IT_TMP/expect.out" ||
		{ head -n 10 "$IT_TMP/expect.out"; tail -n 1 "$IT_TMP/expect.out"; return 1; }
}

# it_verifiers - set DKIMPY_VERIFY and ODKIM_VERIFY, or exit 99
it_verifiers() {
	DKIMPY_VERIFY=$srcdir/tests/verify/dkimpy-verify.py
	ODKIM_VERIFY=$top_builddir/tests/tools/odkim-verify
	it_require_file "$DKIMPY_VERIFY" "the dkimpy verifier is part of the source tree"
	it_require_file "$ODKIM_VERIFY" "build it with make check (needs libopendkim-dev)"
}

# it_odkim_verify_one - verify one message with libopendkim; print failures
it_odkim_verify_one() {
	local keys=$1 f=$2 out
	out=$("$ODKIM_VERIFY" -K "$keys" <"$f" 2>&1) && return 0
	echo "${f##*/}: odkim-verify: $(printf '%s' "$out" | tr '\n' ' ' | cut -c 1-300)"
}

# it_verify_all - verify every DIR/*.eml with dkimpy (one process, the
# functions of dkimpy-verify.py) and with odkim-verify (one process per
# message, on all cores); print the failures and a count line each
it_verify_all() {
	local dir=$1 keys=$2 total bad rc=0
	total=$(find "$dir" -name '*.eml' | wc -l)
	[ "$total" -gt 0 ] || { echo "no message to verify in $dir"; return 1; }
	"$PYTHON" "$SINKDUMP" verify "$keys" "$dir" >"$IT_TMP/verify-py.out" 2>&1 || rc=1
	head -n 5 "$IT_TMP/verify-py.out"
	[ "$rc" -eq 0 ] || tail -n 1 "$IT_TMP/verify-py.out"
	export -f it_odkim_verify_one
	export ODKIM_VERIFY
	find "$dir" -name '*.eml' -print0 |
		xargs -0 -r -n 1 -P "$(nproc)" bash -c 'it_odkim_verify_one "$0" "$1"' "$keys" \
		>"$IT_TMP/verify-odkim.out"
	bad=$(grep -c 'odkim-verify:' "$IT_TMP/verify-odkim.out" || true)
	head -n 5 "$IT_TMP/verify-odkim.out"
	echo "odkim-verify: $((total - bad)) verified, $bad failed"
	[ "$bad" -eq 0 ] && [ "$rc" -eq 0 ]
}
