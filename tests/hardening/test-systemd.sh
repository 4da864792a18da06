#!/bin/bash
# NAME
#	test-systemd.sh - the systemd unit's sandbox: checked by systemd,
#	and its limits applied to signet-milter running through Postfix
# SYNOPSIS
#	tests/hardening/test-systemd.sh
# DESCRIPTION
#	contrib/systemd/signet-milter.service is checked without a running
#	systemd (the tests do not need one as PID 1):
#
#	- systemd-analyze verify accepts it (ExecStart pointed at the
#	  built daemon);
#	- systemd-analyze security --offline=yes rates its exposure at
#	  most $SIGNET_EXPOSURE_MAX (default 2.6) and passes each of the
#	  sandbox settings that matter here: NoNewPrivileges, ProtectSystem,
#	  PrivateTmp, ProtectHome, PrivateDevices, the ProtectKernel*
#	  settings, ProtectControlGroups, RestrictNamespaces,
#	  LockPersonality, MemoryDenyWriteExecute, RestrictSUIDSGID,
#	  the SystemCallFilter groups, RestrictAddressFamilies (no
#	  netlink, no packet sockets), CapabilityBoundingSet (no
#	  CAP_SYS_ADMIN, no CAP_NET_ADMIN).
#
#	Then the limits that can be applied without systemd are applied to
#	a real run through a private Postfix (tests/integration/lib.sh):
#	signet-milter starts as root under setpriv with no_new_privs and
#	only the capabilities of the unit's CapabilityBoundingSet, and with
#	the kernel's memory-deny-write-execute (prctl PR_SET_MDWE, what
#	MemoryDenyWriteExecute= sets), in a chroot, as nobody; its keys
#	belong to nobody (mode 0600), so root reads them with
#	CAP_DAC_READ_SEARCH alone. The daemon must start, sign 20 messages
#	that verify, reload, and show NoNewPrivs 1, the bounding set and no
#	effective capability in /proc/PID/status.
#
#	Not covered: the system call filter, ProtectSystem and the other
#	mount settings, which need systemd to set them up.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not root, 99
#	when a tool is missing (systemd-analyze: Debian package systemd;
#	setpriv: util-linux).
# LICENSE
#	MIT; see LICENSE in the source distribution.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

UNIT=$srcdir/contrib/systemd/signet-milter.service
MAX=${SIGNET_EXPOSURE_MAX:-2.6}
CAPS=dac_read_search,chown,sys_chroot,setuid,setgid,net_bind_service

it_init systemd
it_need systemd-analyze systemd
it_need setpriv util-linux
it_verifiers
[ -f "$UNIT" ] || it_die "$UNIT is missing"

mkdir -p "$IT_TMP/unit"
sed "s|/usr/sbin/signet-milter|$SIGNET_MILTER|g" "$UNIT" >"$IT_TMP/unit/signet-milter.service"

case_verify() {
	local out
	out=$(systemd-analyze verify --man=no "$IT_TMP/unit/signet-milter.service" 2>&1) ||
		{ echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
}
it_check "systemd-analyze verify accepts the unit" case_verify

systemd-analyze security --offline=yes --no-pager \
	"$IT_TMP/unit/signet-milter.service" >"$IT_TMP/security.out" 2>&1 || true

case_exposure() {
	local score
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$IT_TMP/security.out")
	[ -n "$score" ] || { tail -n 3 "$IT_TMP/security.out"; return 1; }
	echo "exposure $score (at most $MAX)"
	awk -v s="$score" -v m="$MAX" 'BEGIN { exit !(s <= m) }'
}
it_check "exposure level at most $MAX" case_exposure
it_log "$(cat "$IT_TMP/check.out")"

case_settings() {
	local s bad=0
	for s in NoNewPrivileges= ProtectSystem= PrivateTmp= ProtectHome= \
		PrivateDevices= PrivateMounts= ProtectKernelTunables= \
		ProtectKernelModules= ProtectKernelLogs= ProtectControlGroups= \
		ProtectClock= ProtectHostname= ProtectProc= ProcSubset= \
		RestrictNamespaces=~user RestrictNamespaces=~mnt \
		RestrictNamespaces=~net LockPersonality= \
		MemoryDenyWriteExecute= RestrictSUIDSGID= RestrictRealtime= \
		SystemCallArchitectures= SystemCallFilter=~@mount \
		SystemCallFilter=~@module SystemCallFilter=~@debug \
		SystemCallFilter=~@raw-io SystemCallFilter=~@reboot \
		SystemCallFilter=~@swap SystemCallFilter=~@clock \
		RestrictAddressFamilies=~AF_PACKET RestrictAddressFamilies=~AF_NETLINK \
		'CapabilityBoundingSet=~CAP_SYS_ADMIN' 'CapabilityBoundingSet=~CAP_NET_ADMIN' \
		'CapabilityBoundingSet=~CAP_SYS_PTRACE' AmbientCapabilities=; do
		if ! grep -qF "✓ $s " "$IT_TMP/security.out"; then
			echo "not passed: $s: $(grep -F " $s " "$IT_TMP/security.out" | head -n 1)"
			bad=1
		fi
	done
	return $bad
}
it_check "systemd-analyze security passes every sandbox setting" case_settings

# The daemon under the unit's limits, through Postfix.
cat >"$IT_TMP/limits.py" <<'EOF'
# Turn on memory-deny-write-execute, prove it holds, exec the daemon.
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.exit("limits.py: prctl(PR_SET_MDWE): %s" % os.strerror(ctypes.get_errno()))
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("limits.py: a writable and executable mapping was allowed")
except OSError:
    pass
os.execv(sys.argv[1], sys.argv[1:])
EOF
cat >"$IT_TMP/limited-milter" <<EOF
#!/bin/sh
exec setpriv --no-new-privs --bounding-set -all,+${CAPS//,/,+} --inh-caps -all \\
	$PYTHON $IT_TMP/limits.py $SIGNET_MILTER "\$@"
EOF
chmod 755 "$IT_TMP/limited-milter"

it_keys "$IT_TMP/keys-root" example.com
it_keys_owned "$IT_TMP/keys-root" "$IT_TMP/keys" nobody
mkdir -p "$IT_TMP/run" "$IT_TMP/root"
SOCK=unix:$IT_TMP/run/signet.sock
CFG=$IT_TMP/signet.yaml
IT_USER=nobody
IT_GROUP=nogroup
it_config "$CFG" "$SOCK" "$IT_TMP/keys" rsa,ed
printf 'chroot: %s\nsocket_group: postfix\n' "$IT_TMP/root" >>"$CFG"
mkdir -p "$IT_TMP/root$IT_TMP"
cp -a "$IT_TMP/keys" "$IT_TMP/root$IT_TMP/keys"
cp "$CFG" "$IT_TMP/root$CFG"
it_message "$IT_TMP/msg" "Sender <sender@example.com>"
it_postfix_start "$SOCK"
SIGNET_MILTER=$IT_TMP/limited-milter it_milter_start "$CFG"

# status_field NAME - a line of the daemon's /proc/PID/status
status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$IT_MILTER_PID/status"
}

case_limits() {
	local bnd want
	[ "$(status_field NoNewPrivs)" = 1 ] || { echo "NoNewPrivs: $(status_field NoNewPrivs)"; return 1; }
	[ "$(status_field CapEff)" = 0000000000000000 ] || { echo "CapEff: $(status_field CapEff)"; return 1; }
	bnd=$(status_field CapBnd)
	want=$(setpriv --bounding-set -all,+${CAPS//,/,+} sh -c "sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status")
	[ "$bnd" = "$want" ] || { echo "CapBnd $bnd, want $want"; return 1; }
	[ "$(readlink "/proc/$IT_MILTER_PID/root")" = "$IT_TMP/root" ] || { echo "not in the chroot"; return 1; }
}
it_check "running: no_new_privs, the unit's bounding set, no capability, chroot" case_limits

case_sign() {
	it_sink_reset
	it_send 20 "$IT_TMP/msg" || return 1
	it_wait_delivered 20 60
	it_extract "$IT_TMP/out"
	it_expect_sigs "$IT_TMP/out" example.com/rsa/rsa-sha256,example.com/ed/ed25519-sha256 || return 1
	it_verify_all "$IT_TMP/out" "$IT_TMP/keys/keys.txt"
}
it_check "signs 20 messages under the limits, verified" case_sign

case_reload() {
	local i
	it_milter_reload
	for i in $(seq 100); do
		grep -q 'reloaded .*generation 2' "$IT_MILTER_LOG" && return 0
		sleep 0.1
	done
	tail -n 3 "$IT_MILTER_LOG"
	return 1
}
it_check "reloads under the limits" case_reload
it_check "stops on SIGTERM" it_milter_stop

it_summary
