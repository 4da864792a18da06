#!/bin/bash
# NAME
#	spf.sh - the cost of SPF in the relay decision, cached and not
# SYNOPSIS
#	bench/spf.sh [COUNT]		(in the build directory, as root)
# DESCRIPTION
#	Serves example.com with the SPF record "include:_spf.example.com
#	-all", where _spf.example.com holds ip4, a, mx and ip4:127.0.0.3
#	(5 DNS lookups in all), from the private Knot DNS of
#	tests/dns/knot.sh, then runs:
#
#	bench/decide -s SERVER: the whole decision per message, for relays
#	matched by network, login and name (no SPF), and for an spf: pass
#	sender with the result cache, without it, and with a new evaluator
#	(cold resolver) per question;
#
#	tests/tools/spfq -r: one evaluation, from the cache and without it.
#
#	COUNT: messages per case for bench/decide (default 200000).
# DIAGNOSTICS
#	Exit 77 when Knot is not installed; 1 when a tool is not built
#	(make bench/decide tests/tools/spfq).
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -u
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-200000}
for t in bench/decide tests/tools/spfq; do
	[ -x "$t" ] || { echo "$t missing: make bench/decide tests/tools/spfq" >&2; exit 1; }
done
DNS_TTL=300
. "$here/../tests/dns/knot.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/signet-spfbench.XXXXXX")
trap 'dns_stop; rm -rf "$tmp"' EXIT
mkdir "$tmp/zones"
dns_zone "$tmp/zones" example.com \
	'@ TXT "v=spf1 include:_spf.example.com -all"' \
	'_spf TXT "v=spf1 ip4:192.0.2.0/24 a:relay.example.com mx:example.com ip4:127.0.0.3 -all"' \
	'relay A 198.51.100.1' '@ MX 10 mx.example.com.' 'mx A 198.51.100.2'
dns_start "$tmp/zones" || exit 1
bench/decide -n "$n" -s "$DNS_SERVER" "$here/decide.yaml"
tests/tools/spfq -n "$DNS_SERVER" -r 100000 127.0.0.3 example.com
tests/tools/spfq -C -n "$DNS_SERVER" -r 5000 127.0.0.3 example.com
