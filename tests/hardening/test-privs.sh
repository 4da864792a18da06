#!/bin/bash
# NAME
#	test-privs.sh - signet-milter in a chroot, as its user, with a
#	socket only the MTA's group may use, through a real Postfix
# SYNOPSIS
#	tests/hardening/test-privs.sh
# DESCRIPTION
#	Starts signet-milter as root with chroot:, user: nobody,
#	socket_mode: 0660 and socket_group: postfix, attached to a private
#	Postfix (tests/integration/lib.sh). The chroot holds copies of the
#	policy and keys at the same absolute paths as outside, so that a
#	reload finds them. Then checks:
#
#	- the socket: mode 0660, user nobody, group postfix;
#	- the process: /proc/PID/root is the chroot; real, effective,
#	  saved and file-system uid and gid are nobody's and the group's;
#	  no supplementary group but that one; no capability left
#	  (CapEff, CapPrm, CapInh 0);
#	- 20 messages through Postfix are signed with RSA and Ed25519 and
#	  verify with dkimpy and libopendkim;
#	- a relay authorised by SPF (a private Knot, tests/dns/knot.sh,
#	  asked from inside the chroot) gets its message signed;
#	- a reload (SIGUSR1) reads the policy inside the chroot: one that
#	  signs with RSA only takes effect;
#	- a reload when the policy file is gone from the chroot is refused
#	  with a message that names the chroot; mail is still signed;
#	- signet-milter refuses to start with its socket in a directory
#	  any user may write to (mode 0777), and -t refuses a world-writable
#	  socket_mode;
#	- require_safe_keys: a key of mode 0644 is refused by
#	  signet-milter -t and signet config check; with
#	  require_safe_keys: false both accept it with a warning.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not root, 99
#	when a tool is missing, 77 when Knot is not installed. SIGNET_KEEP=1 keeps the temporary
#	directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

BOTH=example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256
RSA=example.com/rsa/rsa-sha256

it_init privs
DNS_TTL=300
# shellcheck source=tests/dns/knot.sh
. "$srcdir/tests/dns/knot.sh"
it_cleanup_hook() { dns_stop || true; }
it_verifiers
it_require_file "$SIGNET_CLI" "build signet first (make in $top_builddir)"
getent group nogroup >/dev/null || it_die "no group nogroup on this system"
mkdir -p "$IT_TMP/zones"
dns_zone "$IT_TMP/zones" spf.example 'relay TXT "v=spf1 ip4:127.0.0.2 -all"' ||
	it_die "cannot write the zone"
dns_start "$IT_TMP/zones" || it_die "cannot start Knot"
it_keys "$IT_TMP/keys-root" example.com
it_keys_owned "$IT_TMP/keys-root" "$IT_TMP/keys" nobody
mkdir -p "$IT_TMP/run"
SOCK=unix:$IT_TMP/run/signet.sock
CFG=$IT_TMP/signet.yaml
ROOT=$IT_TMP/root
IT_USER=nobody
IT_GROUP=nogroup
it_message "$IT_TMP/msg" "Sender <sender@example.com>"

# write_config FILE SELECTORS - the policy, confined; relay.spf.example
# signs for relays that pass its SPF (DNS from inside the chroot)
write_config() {
	it_config "$1" "$SOCK" "$IT_TMP/keys" "$2"
	cat >>"$1" <<EOF
  relay.spf.example:
    selectors:
      - {name: rsa, algorithm: rsa-sha256, key: $IT_TMP/keys/rsa.key}
    senders:
      platform:
        spf: pass
dns:
  nameserver: "$DNS_SERVER"
  timeout: 2s
chroot: $ROOT
socket_mode: "0660"
socket_group: postfix
EOF
}

# mirror - copy the policy and keys into the chroot at the same paths
mirror() {
	mkdir -p "$ROOT$IT_TMP"
	chmod 755 "$ROOT" "$ROOT$IT_TMP"
	rm -rf "$ROOT$IT_TMP/keys"
	cp -a "$IT_TMP/keys" "$ROOT$IT_TMP/keys"
	cp "$CFG" "$ROOT$CFG.new"
	mv -f "$ROOT$CFG.new" "$ROOT$CFG"
}

write_config "$CFG" rsa,ed
mirror
it_postfix_start "$SOCK"
it_milter_start "$CFG"
PID=$IT_MILTER_PID
NOBODY_UID=$(id -u nobody)
NOGROUP_GID=$(getent group nogroup | cut -d: -f3)

case_socket_mode() {
	local s
	s=$(stat -c '%a %U %G' "$IT_TMP/run/signet.sock")
	[ "$s" = "660 nobody postfix" ] || { echo "socket is '$s', want '660 nobody postfix'"; return 1; }
	su -s /bin/sh postfix -c "test -w '$IT_TMP/run/signet.sock'" ||
		{ echo "user postfix cannot write to the socket"; return 1; }
	! su -s /bin/sh daemon -c "test -w '$IT_TMP/run/signet.sock'" ||
		{ echo "user daemon can write to the socket"; return 1; }
}
it_check "socket is 0660 nobody:postfix" case_socket_mode

case_chroot() {
	local r
	r=$(readlink "/proc/$PID/root")
	[ "$r" = "$ROOT" ] || { echo "/proc/$PID/root is '$r', want '$ROOT'"; return 1; }
}
it_check "process root is the chroot" case_chroot

# status_field NAME - a line of /proc/PID/status, without its name
status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$PID/status" | tr -s ' \t' ' ' | sed 's/ $//'
}

case_ids() {
	local u g gr
	u=$(status_field Uid)
	g=$(status_field Gid)
	gr=$(status_field Groups)
	[ "$u" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ] || { echo "Uid: $u"; return 1; }
	[ "$g" = "$NOGROUP_GID $NOGROUP_GID $NOGROUP_GID $NOGROUP_GID" ] || { echo "Gid: $g"; return 1; }
	[ "$gr" = "$NOGROUP_GID" ] || { echo "Groups: '$gr', want '$NOGROUP_GID'"; return 1; }
}
it_check "uid, gid and groups are nobody:nogroup only" case_ids

case_caps() {
	local f v
	for f in CapEff CapPrm CapInh CapAmb; do
		v=$(status_field $f)
		[ "$v" = 0000000000000000 ] || { echo "$f is $v"; return 1; }
	done
}
it_check "no capabilities left" case_caps

# send_verify COUNT SPEC - COUNT messages, each signed as SPEC, verified
send_verify() {
	it_sink_reset
	it_send "$1" "$IT_TMP/msg" || return 1
	it_wait_delivered "$1" 60
	it_extract "$IT_TMP/out"
	it_expect_sigs "$IT_TMP/out" "$2" || return 1
	it_verify_all "$IT_TMP/out" "$IT_TMP/keys/keys.txt"
}
it_check "20 messages signed in the chroot, verified" send_verify 20 "$BOTH"

case_spf() {
	it_sink_reset
	it_swaks --local-interface 127.0.0.2 --from news@relay.spf.example \
		--header "From: News <news@relay.spf.example>" || true
	grep -Eq '^<-  250 ' "$IT_TMP/swaks.out" ||
		{ grep -E '^<' "$IT_TMP/swaks.out" | tail -n 2; return 1; }
	it_wait_delivered 1 30
	grep -q 'd=relay.spf.example;' "$(find "$IT_TMP/sink" -type f | head -n 1)" ||
		{ echo "not signed by relay.spf.example"; return 1; }
	grep -q 'from_domain=relay.spf.example verdict=signed sender=platform' "$IT_MILTER_LOG"
}
it_check "SPF pass (DNS asked from inside the chroot): signed" case_spf

# wait_log REGEX - wait up to 10 s for a milter log line
wait_log() {
	local i
	for i in $(seq 100); do
		grep -qE "$1" "$IT_MILTER_LOG" && return 0
		sleep 0.1
	done
	echo "no log line matching: $1"
	return 1
}

case_reload() {
	write_config "$CFG" rsa
	mirror
	it_milter_reload
	wait_log 'reloaded .*generation 2' || return 1
	send_verify 5 "$RSA"
}
it_check "reload inside the chroot takes effect" case_reload

case_reload_refused() {
	rm -f "$ROOT$CFG"
	it_milter_reload
	wait_log "reload refused: $CFG cannot be read inside the chroot $ROOT" || return 1
	it_milter_alive || { echo "signet-milter died"; return 1; }
	send_verify 5 "$RSA"
}
it_check "reload without the policy in the chroot is refused, says why" case_reload_refused

case_stop() {
	it_milter_stop
}
it_check "stops on SIGTERM with status 0" case_stop

case_socket_dir() {
	local cfg=$IT_TMP/open.yaml out=$IT_TMP/open.out
	mkdir -p "$IT_TMP/open"
	chmod 777 "$IT_TMP/open"
	it_config "$cfg" "unix:$IT_TMP/open/s.sock" "$IT_TMP/keys" rsa
	if timeout 20 "$SIGNET_MILTER" -f -c "$cfg" >"$out" 2>&1; then
		echo "started with its socket in a mode 0777 directory"
		return 1
	fi
	grep -q "socket directory $IT_TMP/open has mode 0777: any user may replace" "$out" ||
		{ cat "$out"; return 1; }
}
it_check "a socket directory any user may write is refused" case_socket_dir

case_socket_mode_refused() {
	local cfg=$IT_TMP/mode.yaml out=$IT_TMP/mode.out
	it_config "$cfg" "$SOCK" "$IT_TMP/keys" rsa
	echo 'socket_mode: "0666"' >>"$cfg"
	! "$SIGNET_MILTER" -t -c "$cfg" >"$out" 2>&1 || { echo "-t accepted mode 0666"; return 1; }
	grep -q 'socket_mode 0666 lets every local user connect' "$out" || { cat "$out"; return 1; }
}
it_check "socket_mode 0666 is refused" case_socket_mode_refused

# Keys a group or others may read: refused by default, a warning with
# require_safe_keys: false.
cp -a "$IT_TMP/keys" "$IT_TMP/keys-open"
chmod 644 "$IT_TMP/keys-open/rsa.key"

case_unsafe_refused() {
	local cfg=$IT_TMP/unsafe.yaml
	it_config "$cfg" "$SOCK" "$IT_TMP/keys-open" rsa
	! "$SIGNET_MILTER" -t -c "$cfg" >"$IT_TMP/t.out" 2>&1 || { echo "-t accepted"; return 1; }
	grep -q "has mode 0644: group or others may read or change it" "$IT_TMP/t.out" ||
		{ cat "$IT_TMP/t.out"; return 1; }
	! "$SIGNET_CLI" config check -c "$cfg" >"$IT_TMP/c.out" 2>&1 || { echo "config check accepted"; return 1; }
	grep -q "has mode 0644" "$IT_TMP/c.out" || { cat "$IT_TMP/c.out"; return 1; }
}
it_check "require_safe_keys (default): a 0644 key is refused" case_unsafe_refused

case_unsafe_warned() {
	local cfg=$IT_TMP/unsafe-off.yaml
	it_config "$cfg" "$SOCK" "$IT_TMP/keys-open" rsa
	sed -i 's/^require_safe_keys: true/require_safe_keys: false/' "$cfg"
	"$SIGNET_MILTER" -t -c "$cfg" >"$IT_TMP/t.out" 2>&1 || { cat "$IT_TMP/t.out"; return 1; }
	grep -q "warning: .*has mode 0644.*used anyway: require_safe_keys is off" "$IT_TMP/t.out" ||
		{ cat "$IT_TMP/t.out"; return 1; }
	"$SIGNET_CLI" config check -c "$cfg" >"$IT_TMP/c.out" 2>&1 || { cat "$IT_TMP/c.out"; return 1; }
	grep -q "used anyway: require_safe_keys is off" "$IT_TMP/c.out" || { cat "$IT_TMP/c.out"; return 1; }
}
it_check "require_safe_keys: false: a 0644 key is used with a warning" case_unsafe_warned

it_summary
