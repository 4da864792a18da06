#!/bin/bash
# NAME
#	test-relay.sh - relays not authorised for a domain are refused,
#	through a real Postfix
# SYNOPSIS
#	tests/integration/test-relay.sh
# DESCRIPTION
#	Runs a private Postfix on loopback with SMTP AUTH (Cyrus SASL,
#	a private sasldb), STARTTLS with client certificates (a private
#	CA) and signet-milter attached, and a policy with named senders:
#
#	example.com (enforce): crm from 127.0.0.2, apps by SASL login
#	app-*, mta by verified client name *.mta.example.net, partner by
#	TLS client certificate; monitor.example (monitor): crm from
#	127.0.0.2; open.example: no senders (any source); unmanaged:
#	refuse, then accept after a reload.
#
#	Clients connect from 127.0.0.2, 127.0.0.3 and ::1 (swaks
#	--local-interface). Each case checks the SMTP reply (and the
#	command it answers: MAIL FROM or end of data), what smtp-sink
#	received (signed with d=, or unsigned, or nothing), and the
#	sender= and monitored= fields of signet's log line.
#
#	One PASS or FAIL line per case, then "N passed, N failed".
# DIAGNOSTICS
#	Exit 0 when every case passed, 1 otherwise, 77 when not run as
#	root, 99 when a tool is missing. SIGNET_KEEP=1 keeps the temporary
#	directory of a failed run.
# LICENSE
#	MIT; see LICENSE in the source distribution.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

it_init relay
it_need saslpasswd2 sasl2-bin
swaks_support=$(swaks --support 2>&1 || true)
case $swaks_support in *"=== IPv6 supported"*) ;; *)
	echo "FATAL: swaks cannot do IPv6: install the Debian package libio-socket-inet6-perl" >&2; exit 99 ;;
esac
case $swaks_support in *"=== TLS supported"*) ;; *)
	echo "FATAL: swaks cannot do STARTTLS: install the Debian package libnet-ssleay-perl" >&2; exit 99 ;;
esac

it_keys "$IT_TMP/keys" example.com
mkdir -p "$IT_TMP/run"
SOCK=inet:$IT_MILTER_PORT@127.0.0.1
CFG=$IT_TMP/signet.yaml

# make_tls - a CA, a server certificate, a client certificate it signed
# (CN relay.partner.example) and one it did not sign
make_tls() {
	local d=$IT_TMP/tls
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Signet Test CA" \
			-keyout ca.key -out ca.pem
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=signet-test.localdomain" \
			-keyout server.key -out server.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=relay.partner.example" \
			-keyout client.key -out client.csr
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -out client.pem
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relay.partner.example" \
			-keyout rogue.key -out rogue.pem
		chmod 644 ./*.pem ./*.key
	) >"$IT_TMP/openssl.out" 2>&1 || it_die "openssl: $(tail -n 3 "$IT_TMP/openssl.out")"
}

# make_sasl - a sasldb with app-orders and mallory, and smtpd.conf where
# upstream Postfix (cyrus_sasl_config_path) and Debian's (the sasl folder
# of the config directory) look for it
make_sasl() {
	local d=$IT_TMP/etc/sasl
	mkdir -p "$d"
	cat >"$d/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $d/sasldb2
EOF
	for u in app-orders mallory; do
		echo secret-$u | saslpasswd2 -p -c -f "$d/sasldb2" -u signet-test.localdomain "$u" ||
			it_die "saslpasswd2 failed for $u"
	done
	chown postfix "$d/sasldb2"
	chmod 600 "$d/sasldb2"
}

# write_policy - the policy, with UNMANAGED (accept or refuse)
write_policy() {
	it_config "$CFG" "$SOCK" "$IT_TMP/keys" rsa example.com "  authenticated: true
  networks: [127.0.0.0/8, \"::1/128\"]"
	cat >>"$CFG" <<EOF
    senders:
      crm:
        networks: [127.0.0.2/32]
      apps:
        sasl: ["app-*"]
      mta:
        client_names: ["*.mta.example.net"]
      partner:
        tls_subjects: [relay.partner.example]
  monitor.example:
    mode: monitor
    selectors:
      - {name: rsa, algorithm: rsa-sha256, key: $IT_TMP/keys/rsa.key}
    senders:
      crm:
        networks: [127.0.0.2/32]
  open.example:
    selectors:
      - {name: rsa, algorithm: rsa-sha256, key: $IT_TMP/keys/rsa.key}
unmanaged: $1
EOF
}

make_tls
make_sasl
write_policy refuse
it_postfix_start "$SOCK"
# STARTTLS needs Postfix's TLS session and entropy manager.
echo "tlsmgr    unix  -       -       n       1000?   1       tlsmgr" >>"$IT_TMP/etc/master.cf"
it_postfix_set "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" \
	"smtpd_sasl_path = smtpd" "cyrus_sasl_config_path = $IT_TMP/etc/sasl" \
	"smtpd_sasl_security_options = noanonymous" \
	"smtpd_tls_security_level = may" "smtpd_tls_cert_file = $IT_TMP/tls/server.pem" \
	"smtpd_tls_key_file = $IT_TMP/tls/server.key" "smtpd_tls_ask_ccert = yes" \
	"smtpd_tls_CAfile = $IT_TMP/tls/ca.pem" "smtpd_tls_loglevel = 1"
it_milter_start "$CFG"

LOG_MARK=0

# send - one message with swaks: FROM_HEADER MAIL_FROM SOURCE [SWAKS ARGS]
send() {
	local hfrom=$1 mfrom=$2 src=$3 server=127.0.0.1:$IT_SMTP_PORT
	shift 3
	it_mail_reset
	LOG_MARK=$(wc -l <"$IT_MILTER_LOG")
	case $src in *:*) server="[::1]:$IT_SMTP_PORT" ;; esac
	IT_SWAKS_SERVER=$server it_swaks --local-interface "$src" \
		--from "$mfrom" --header "From: $hfrom" --header "Subject: relay test" "$@" || true
}

# new_log - the milter's log lines since the last send
new_log() {
	tail -n +"$((LOG_MARK + 1))" "$IT_MILTER_LOG"
}

# expect_signed - delivered with one DKIM-Signature of d=DOMAIN; the log
# names SENDER (and says monitored when MONITORED=yes)
expect_signed() {
	local domain=$1 sender=$2 monitored=${3:-no} f
	# swaks marks replies <- (<~ over TLS), errors <** (<~*)
	grep -Eq '^<[-~]  250 2.0.0 Ok: queued' "$IT_TMP/swaks.out" ||
		{ echo "not queued: $(grep -E '^<(\*\*|~\*)' "$IT_TMP/swaks.out" | head -n 2)"; return 1; }
	it_wait_delivered 1 30
	f=$(find "$IT_TMP/sink" -type f | head -n 1)
	if [ "$domain" = - ]; then
		! grep -qi '^DKIM-Signature:' "$f" || { echo "signed, expected unsigned"; return 1; }
	else
		[ "$(grep -ci '^DKIM-Signature:' "$f")" = 1 ] || { echo "not signed once"; return 1; }
		grep -A3 -i '^DKIM-Signature:' "$f" | grep -q "d=$domain;" ||
			{ echo "no d=$domain"; return 1; }
	fi
	expect_log "$sender" "$monitored"
}

# expect_log - signet's line for the message names SENDER, MONITORED
expect_log() {
	local line
	line=$(new_log | grep 'verdict=' | tail -n 1)
	case $line in *" sender=$1 "*) ;; *) echo "log: want sender=$1: $line"; return 1 ;; esac
	case $2:$line in
	yes:*monitored=yes*|no:*) ;;
	*) echo "log: want monitored=$2: $line"; return 1 ;;
	esac
	case $2:$line in no:*monitored=yes*) echo "log: monitored: $line"; return 1 ;; esac
}

# expect_refused - CODE TEXT after COMMAND (MAIL or DATA); nothing delivered
expect_refused() {
	local code=$1 text=$2 at=$3 got prev
	got=$(grep -E -m1 "^<(\*\*|~\*) *$code " "$IT_TMP/swaks.out" || true)
	[ -n "$got" ] || { echo "no $code reply: $(grep -E '^<[-*~]' "$IT_TMP/swaks.out" | tail -n 2 | tr '\n' ' ')"; return 1; }
	case $got in *"$text"*) ;; *) echo "reply: $got; want: $text"; return 1 ;; esac
	prev=$(grep -E -B1 -m1 "^<(\*\*|~\*) *$code " "$IT_TMP/swaks.out" | head -n 1)
	case $at:$prev in
	MAIL:*"MAIL FROM"*|DATA:*[-~]"> .") ;;
	*) echo "refused after '$prev', want after $at"; return 1 ;;
	esac
	sleep 0.2
	[ "$(it_dumped)" = 0 ] && [ "$(it_queued)" = 0 ] || { echo "a message got through"; return 1; }
	expect_log "$4" no
}

case_signed_network() {
	send "News <news@example.com>" bounce@example.com 127.0.0.2
	expect_signed example.com crm
}
case_refused_network_at_mail() {
	send "News <news@example.com>" bounce@example.com 127.0.0.3
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for example.com (envelope sender)" MAIL unauthorised
}
case_refused_network_at_eoh() {
	send "News <news@example.com>" "" 127.0.0.3
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for example.com" DATA unauthorised
}
case_refused_ipv6() {
	send "News <news@example.com>" "" ::1
	expect_refused 550 "5.7.1 ::1 is not authorised to send for example.com" DATA unauthorised
}
case_sasl_signed() {
	send "Orders <orders@example.com>" orders@example.com 127.0.0.3 \
		--auth PLAIN --auth-user app-orders --auth-password secret-app-orders
	expect_signed example.com apps
}
case_sasl_refused() {
	send "Orders <orders@example.com>" orders@example.com 127.0.0.3 \
		--auth PLAIN --auth-user mallory --auth-password secret-mallory
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for example.com (envelope sender)" MAIL unauthorised
}
case_client_name_signed() {
	send "News <news@example.com>" news@example.com 127.0.0.3 \
		--xclient-name out1.mta.example.net
	expect_signed example.com mta
}
case_client_name_in_refusal() {
	send "News <news@example.com>" "" 127.0.0.3 --xclient-name crm.example.org
	expect_refused 550 "5.7.1 127.0.0.3 (crm.example.org) is not authorised to send for example.com" DATA unauthorised
}
case_tls_cert_signed() {
	send "Partner <p@example.com>" p@example.com 127.0.0.3 --tls \
		--tls-cert "$IT_TMP/tls/client.pem" --tls-key "$IT_TMP/tls/client.key"
	expect_signed example.com partner
}
case_tls_untrusted_cert_refused() {
	send "Partner <p@example.com>" p@example.com 127.0.0.3 --tls \
		--tls-cert "$IT_TMP/tls/rogue.pem" --tls-key "$IT_TMP/tls/rogue.key"
	expect_refused 550 "5.7.1 127.0.0.3 is not authorised to send for example.com (envelope sender)" MAIL unauthorised
}
case_envelope_mismatch() {
	send "News <news@example.com>" bounce@vendor.example 127.0.0.2
	expect_refused 550 "5.7.1 127.0.0.2 may send for example.com but not with the envelope sender domain vendor.example" DATA unauthorised
}
case_envelope_own_domain() {
	send "News <news@open.example>" bounce@example.com 127.0.0.3
	expect_refused 550 "(envelope sender)" MAIL unauthorised
}
case_monitor_signed() {
	send "News <news@monitor.example>" news@monitor.example 127.0.0.3
	expect_signed monitor.example unauthorised yes
}
case_monitor_authorised() {
	send "News <news@monitor.example>" news@monitor.example 127.0.0.2
	expect_signed monitor.example crm no
}
case_open_domain() {
	send "News <news@open.example>" news@open.example 127.0.0.3
	expect_signed open.example network no
}
case_unmanaged_refused() {
	send "Someone <someone@elsewhere.example>" someone@elsewhere.example 127.0.0.2
	expect_refused 550 "5.7.1 127.0.0.2 is not authorised to send for elsewhere.example: this server sends only for its own domains" DATA unmanaged
}
case_unmanaged_accepted_after_reload() {
	write_policy accept
	LOG_MARK=$(wc -l <"$IT_MILTER_LOG")
	it_milter_reload
	local i
	for i in $(seq 50); do
		new_log | grep -qE 'reloaded|reload refused' && break
		sleep 0.1
	done
	send "Someone <someone@elsewhere.example>" someone@elsewhere.example 127.0.0.2
	expect_signed - unmanaged no
}

for c in signed_network refused_network_at_mail refused_network_at_eoh \
	refused_ipv6 sasl_signed sasl_refused client_name_signed \
	client_name_in_refusal tls_cert_signed tls_untrusted_cert_refused \
	envelope_mismatch envelope_own_domain monitor_signed \
	monitor_authorised open_domain unmanaged_refused \
	unmanaged_accepted_after_reload; do
	it_check "$c" "case_$c"
done
it_summary
