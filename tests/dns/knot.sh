# NAME
#	knot.sh - the tests' authoritative DNS server: a private Knot DNS
#	on a loopback port, with zones the tests write and change
# SYNOPSIS
#	. "$srcdir/tests/dns/knot.sh"
#
#	dns_zone ZONEDIR ZONE [LINE...|- <FILE]	write ZONEDIR/ZONE.zone:
#					SOA, NS, then each LINE (zone-file
#					lines), or with -, standard input
#	dns_start ZONEDIR		serve every ZONEDIR/*.zone; sets
#					DNS_PORT and DNS_SERVER (127.0.0.1@PORT)
#	dns_port			print the port
#	dns_set_record NAME TYPE VALUE...	replace NAME's TYPE records
#	dns_add_record NAME TYPE VALUE...	add one record
#	dns_del_record NAME TYPE	remove NAME's TYPE records
#	dns_add_zone ZONE [LINE...|- <FILE]	serve one more zone, live
#	dns_query NAME TYPE		kdig +short against the server
#	dns_stop			stop the server, remove its files
# DESCRIPTION
#	Sourced by shell tests (bash or POSIX sh) that need real DNS:
#	tests/keys/*.sh and the relay/SPF tests. dns_start runs knotd (the
#	Debian package knot) with a configuration of its own in a temporary
#	directory, listening on 127.0.0.1 on a free UDP and TCP port, and
#	waits until it answers. signet is pointed at it with the policy
#	setting dns: {nameserver: $DNS_SERVER} (or the command's
#	--nameserver option).
#
#	Zone files are plain RFC 1035 master files named ZONE.zone. Records
#	written by dns_zone and changed by dns_*_record get a TTL of
#	$DNS_TTL seconds (default 1), and the SOA's negative TTL is the
#	same, so a resolver's cache forgets a change within a second.
#
#	NAME is a full name without the trailing dot
#	("s1._domainkey.example.com"); the zone is the longest served zone
#	it ends in. VALUE is the RDATA as a zone file writes it; a TXT
#	record's strings each in double quotes, several strings as several
#	arguments or in one: dns_set_record s1._domainkey.example.com TXT
#	'"v=DKIM1; k=ed25519; " "p=..."'. Changes go through a knotc
#	zone transaction (zone-begin, zone-set/zone-unset, zone-commit):
#	when the function returns, the server answers with the change.
#
#	The caller stops the server with dns_stop in its cleanup (an EXIT
#	trap). Should it not, a watcher stops knotd when the calling shell
#	exits, within a second.
#
#	Environment: DNS_TTL (1); KNOTD, KNOTC, KDIG (from PATH, /usr/sbin).
#	Set by dns_start: DNS_PORT, DNS_SERVER, DNS_DIR (the server's
#	directory: knot.conf, knot.log).
# DIAGNOSTICS
#	Functions return non-zero with a message on standard error: knotd
#	missing (exit 77 from dns_start: the test is skipped; install the
#	Debian packages knot and knot-dnsutils), a zone that does not load
#	(the log is shown), a server that does not answer in 10 s, a record
#	knotc refuses.
# LICENSE
#	MIT; see LICENSE in the source distribution.

PATH=$PATH:/usr/sbin:/sbin
: "${DNS_TTL:=1}"
: "${KNOTD:=knotd}"
: "${KNOTC:=knotc}"
: "${KDIG:=kdig}"
DNS_DIR=
DNS_PORT=
DNS_SERVER=
DNS_PID=
DNS_WATCH_PID=

# dns_zone - write a zone file with SOA and NS, plus the lines given
dns_zone() {
	local dir=$1 zone=$2
	shift 2
	{
		printf '$ORIGIN %s.\n$TTL %s\n' "$zone" "$DNS_TTL"
		printf '@ SOA ns.%s. hostmaster.%s. 1 60 60 3600 %s\n' \
			"$zone" "$zone" "$DNS_TTL"
		printf '@ NS ns.%s.\nns A 127.0.0.1\n' "$zone"
		if [ "${1:-}" = - ]; then
			cat
		elif [ $# -gt 0 ]; then
			printf '%s\n' "$@"
		fi
	} >"$dir/$zone.zone"
}

# dns_free_port - a port free for both UDP and TCP on loopback
dns_free_port() {
	local p tries=0
	p=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 9000 ))
	while [ $tries -lt 200 ]; do
		if [ -z "$(ss -Hlun "sport = :$p" 2>/dev/null)" ] &&
		   [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
		p=$(( p + 1 ))
		tries=$(( tries + 1 ))
	done
	echo "dns_free_port: no free port found in 200 tries" >&2
	return 1
}

# dns_write_conf - knot.conf for the zones of $DNS_ZONEDIR
dns_write_conf() {
	local f z
	{
		printf 'server:\n    rundir: "%s"\n    user: root:root\n' "$DNS_DIR"
		printf '    listen: 127.0.0.1@%s\n' "$DNS_PORT"
		printf '    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n'
		printf 'control:\n    listen: "%s/knot.sock"\n' "$DNS_DIR"
		printf 'log:\n  - target: "%s/knot.log"\n    any: info\n' "$DNS_DIR"
		printf 'database:\n    storage: "%s/db"\n' "$DNS_DIR"
		printf 'template:\n  - id: default\n    storage: "%s"\n' "$DNS_ZONEDIR"
		printf '    file: "%%s.zone"\n    zonefile-sync: -1\n'
		printf '    journal-content: none\n    semantic-checks: off\n'
		printf 'zone:\n'
		for f in "$DNS_ZONEDIR"/*.zone; do
			[ -e "$f" ] || continue
			z=$(basename "$f" .zone)
			printf '  - domain: %s\n' "$z"
		done
	} >"$DNS_DIR/knot.conf"
}

# dns_knotc - knotc on our server
dns_knotc() {
	"$KNOTC" -c "$DNS_DIR/knot.conf" -s "$DNS_DIR/knot.sock" -t 10 "$@"
}

# dns_start - start knotd on the zones of ZONEDIR and wait for it
dns_start() {
	local i f z
	if ! command -v "$KNOTD" >/dev/null 2>&1 || ! command -v "$KNOTC" >/dev/null 2>&1 ||
	   ! command -v "$KDIG" >/dev/null 2>&1; then
		echo "SKIP: knotd, knotc or kdig not found: install the Debian packages knot and knot-dnsutils" >&2
		exit 77
	fi
	DNS_ZONEDIR=$(cd "$1" && pwd)
	DNS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/signet-knot.XXXXXX")
	mkdir "$DNS_DIR/db"
	DNS_PORT=$(dns_free_port) || return 1
	DNS_SERVER=127.0.0.1@$DNS_PORT
	dns_write_conf
	"$KNOTD" -c "$DNS_DIR/knot.conf" >"$DNS_DIR/knotd.out" 2>&1 &
	DNS_PID=$!
	dns_watch "$$" "$DNS_PID" "$DNS_DIR" &
	DNS_WATCH_PID=$!
	for i in $(seq 100); do
		if dns_knotc status >/dev/null 2>&1; then
			for f in "$DNS_ZONEDIR"/*.zone; do
				[ -e "$f" ] || continue
				z=$(basename "$f" .zone)
				dns_wait_zone "$z" || return 1
			done
			return 0
		fi
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "dns_start: knotd did not start on 127.0.0.1@$DNS_PORT; its log:" >&2
	cat "$DNS_DIR/knotd.out" "$DNS_DIR/knot.log" >&2 2>/dev/null
	return 1
}

# dns_watch - stop knotd when the test shell has gone (runs in background)
dns_watch() {
	local i=0
	trap - EXIT INT TERM
	while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
		[ $i -lt 86400 ] || break
	done
	kill "$2" 2>/dev/null
	sleep 1
	kill -9 "$2" 2>/dev/null
	rm -rf "$3"
}

# dns_wait_zone - wait until the server answers for ZONE
dns_wait_zone() {
	local i
	for i in $(seq 100); do
		if "$KDIG" @127.0.0.1 -p "$DNS_PORT" +short +time=1 +retry=0 \
			SOA "$1" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	echo "dns_wait_zone: zone $1 does not load; the server's log:" >&2
	tail -n 20 "$DNS_DIR/knot.log" >&2
	return 1
}

# dns_port - the port the server listens on
dns_port() {
	echo "$DNS_PORT"
}

# dns_zone_of - the longest served zone NAME is in
dns_zone_of() {
	local name=${1%.} best= f z
	for f in "$DNS_ZONEDIR"/*.zone; do
		z=$(basename "$f" .zone)
		case $name in
		"$z"|*".$z")
			[ ${#z} -le ${#best} ] || best=$z ;;
		esac
	done
	[ -n "$best" ] || { echo "dns: no served zone holds $name" >&2; return 1; }
	echo "$best"
}

# dns_change - one knotc transaction: unset (when $2 = replace|delete), set
dns_change() {
	local mode=$1 name=${2%.}. type=$3 zone out
	shift 3
	zone=$(dns_zone_of "$name") || return 1
	dns_knotc zone-begin "$zone" >/dev/null || return 1
	if [ "$mode" != add ]; then
		dns_knotc zone-unset "$zone" "$name" "$type" >/dev/null 2>&1 || true
	fi
	if [ "$mode" != delete ]; then
		if ! out=$(dns_knotc zone-set "$zone" "$name" "$DNS_TTL" "$type" "$*" 2>&1); then
			dns_knotc zone-abort "$zone" >/dev/null 2>&1
			echo "dns: knotc refused $name $type $*: $out" >&2
			return 1
		fi
	fi
	if ! out=$(dns_knotc zone-commit "$zone" 2>&1); then
		dns_knotc zone-abort "$zone" >/dev/null 2>&1
		echo "dns: cannot commit $name $type in $zone: $out" >&2
		return 1
	fi
}

# dns_set_record - replace NAME's records of TYPE with one of VALUE
dns_set_record() {
	dns_change replace "$@"
}

# dns_add_record - add one record, keeping the others of NAME and TYPE
dns_add_record() {
	dns_change add "$@"
}

# dns_del_record - remove NAME's records of TYPE
dns_del_record() {
	dns_change delete "$1" "$2"
}

# dns_add_zone - serve one more zone (lines as for dns_zone)
dns_add_zone() {
	dns_zone "$DNS_ZONEDIR" "$@"
	dns_write_conf
	dns_knotc reload >/dev/null || return 1
	dns_wait_zone "$1"
}

# dns_query - what the server answers, one record per line
dns_query() {
	"$KDIG" @127.0.0.1 -p "$DNS_PORT" +short +time=2 +retry=0 "$2" "$1"
}

# dns_stop - stop the server and remove its directory
dns_stop() {
	local i
	[ -n "$DNS_PID" ] || return 0
	kill "$DNS_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$DNS_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$DNS_PID" 2>/dev/null
	wait "$DNS_PID" 2>/dev/null
	[ -z "$DNS_WATCH_PID" ] || kill "$DNS_WATCH_PID" 2>/dev/null
	[ -z "$DNS_WATCH_PID" ] || wait "$DNS_WATCH_PID" 2>/dev/null
	[ -z "$DNS_DIR" ] || rm -rf "$DNS_DIR"
	DNS_PID=
	DNS_WATCH_PID=
	DNS_DIR=
	return 0
}
