# common.sh - sourced by the signet keys and signet check tests
#
# Sets SIGNET (the built signet command), sources the Knot harness
# (../dns/knot.sh), makes $tmp (removed on exit, with Knot stopped) and
# defines pass, fail and run. The caller sets $here and names its temp
# directory: keys_test_init NAME.

: "${top_builddir:=.}"
SIGNET=$(cd "$top_builddir" && pwd)/signet
[ -x "$SIGNET" ] || { echo "FATAL: $SIGNET missing: run make" >&2; exit 99; }
. "$here/../dns/knot.sh"

passed=0 failed=0

# keys_test_init NAME - the temp directory, cleaned up on exit
keys_test_init() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-$1.XXXXXX")
	trap 'dns_stop; rm -rf "$tmp"' EXIT
}

pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1: $2"; }

# run CMD... - run signet, keep output in $out and status in $rc
run() {
	out=$("$SIGNET" "$@" 2>&1)
	rc=$?
}
