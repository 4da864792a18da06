#!/bin/sh
# run.sh - install what the tests need, build signet, and run every test
#
# Usage (as root on Debian 12):  sh tests/run.sh
#
# Installs the Debian packages (contrib/install-deps.sh test) and the npm
# verifier, builds out of tree in ./build, then runs "make check": unit and
# golden tests, the signer against libopendkim, dkimpy and mailauth, and
# the integration tests through a private Postfix on loopback.
# SIGNET_SKIP_DEPS=1 skips the installation step.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=${SIGNET_BUILD:-$top/build}

if [ "${SIGNET_SKIP_DEPS:-0}" != 1 ]; then
	sh "$top/contrib/install-deps.sh" test
	(cd "$top/tests/verify" && npm ci --no-audit --no-fund --silent)
fi

(cd "$top" && ./autogen.sh >/dev/null 2>&1)
mkdir -p "$build"
cd "$build"
"$top/configure" -q
make -j"$(nproc)" >/dev/null
if ! make -j1 check; then
	for log in $(find . -name '*.log' -newer Makefile | sort); do
		case $log in ./config.log) continue ;; esac
		if grep -q '^FAIL\|^ERROR' "$log" 2>/dev/null || \
		   grep -qE '^# (FAIL|ERROR): +[1-9]' "$log"; then
			echo "==== $log"; tail -n 60 "$log"
		fi
	done
	exit 1
fi
