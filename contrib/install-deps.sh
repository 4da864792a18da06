#!/bin/sh
# install-deps.sh - install what signet needs to build, test and demo on Debian 12
#
# Usage: contrib/install-deps.sh [build|test|demo|bench]   (default: test)
#
# build: compilers, autotools and the -dev packages configure checks for.
# test:  build plus the real components the tests drive: Postfix, swaks,
#        miltertest (its own package), OpenDKIM's library and tools,
#        dkimpy, Node's mailauth, Knot DNS (the tests' authoritative server),
#        Cyrus SASL's sasldb tools (SMTP AUTH in the relay tests), the Perl
#        modules swaks needs for IPv6 and STARTTLS, Chromium (renders
#        the HTML DMARC report headless), clang with libFuzzer and the
#        sanitizer runtimes (fuzz/run.sh, tests/sanitize.sh), systemd's
#        systemd-analyze and util-linux's setpriv (the unit's sandbox,
#        tests/hardening/test-systemd.sh).
# demo:  the same as test.
# bench: test plus perf (linux-perf), for bench/run.sh.
# Must run as root on a Debian-based system; it runs apt-get update first.
set -eu

what=${1:-test}
export DEBIAN_FRONTEND=noninteractive

build_pkgs="build-essential autoconf automake libtool pkg-config
	libmilter-dev libyaml-dev libssl-dev libsqlite3-dev libspf2-dev
	libunbound-dev libevent-dev libpq-dev libmicrohttpd-dev libexpat1-dev zlib1g-dev
	libzip-dev libgmime-3.0-dev libpsl-dev libopendkim-dev"
test_pkgs="postfix swaks opendkim opendkim-tools miltertest python3
	python3-dkim openssl procps iproute2 valgrind bc
	knot knot-dnsutils sasl2-bin libsasl2-modules
	libio-socket-inet6-perl libnet-ssleay-perl
	sqlite3 zip time postgresql prometheus curl chromium
	clang libclang-rt-14-dev systemd util-linux"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: must run as root (it calls apt-get install)" >&2
	exit 1
fi

# Postfix asks debconf questions on install; answer "No configuration":
# the tests and the demo run private instances with their own main.cf.
if command -v debconf-set-selections >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections
fi

apt-get update -q
case $what in
build)	pkgs=$build_pkgs ;;
test|demo|bench) pkgs="$build_pkgs $test_pkgs"
	[ "$what" != bench ] || pkgs="$pkgs linux-perf"
	# Node.js runs the mailauth verifier; keep a Node the machine has.
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm" ;;
*)	echo "install-deps.sh: unknown set '$what' (use build, test, demo or bench)" >&2
	exit 2 ;;
esac
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs

# The system Postfix is not used: stop it if the package started one.
if [ "$what" != build ] && command -v postfix >/dev/null 2>&1; then
	postfix stop >/dev/null 2>&1 || true
fi
