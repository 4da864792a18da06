#!/bin/sh
# NAME
#	mkkeys.sh - make a test RSA and Ed25519 key pair and their DNS records
# SYNOPSIS
#	mkkeys.sh DIR DOMAIN
# DESCRIPTION
#	Writes, with the openssl command:
#	DIR/rsa.key	an RSA-2048 private key, PEM PKCS#8
#	DIR/ed.key	an Ed25519 private key, PEM PKCS#8
#	DIR/keys.txt	the public keys, one line each, as the test verifiers
#			read them:
#		rsa._domainkey.DOMAIN v=DKIM1; k=rsa; p=BASE64
#		ed._domainkey.DOMAIN v=DKIM1; k=ed25519; p=BASE64
#
#	For RSA, p= is the DER SubjectPublicKeyInfo (RFC 6376 3.6.1); for
#	Ed25519 it is the raw 32-byte public key (RFC 8463 4.2), the last
#	32 bytes of its DER SubjectPublicKeyInfo.
#	Private keys are mode 600. DIR is created when missing.
# DIAGNOSTICS
#	Exit 2 on a usage error, 1 when openssl fails; the message is on
#	standard error.
# LICENSE
#	MIT; see LICENSE in the source distribution.

set -eu

if [ $# -ne 2 ]; then
	echo "usage: mkkeys.sh DIR DOMAIN" >&2
	exit 2
fi
dir=$1
domain=$2

command -v openssl >/dev/null 2>&1 || {
	echo "mkkeys.sh: openssl not found: install the Debian package openssl" >&2
	exit 1
}
mkdir -p "$dir"
umask 077

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$dir/rsa.key" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$dir/ed.key"
chmod 600 "$dir/rsa.key" "$dir/ed.key"

rsa_p=$(openssl pkey -in "$dir/rsa.key" -pubout -outform DER | openssl base64 -A)
# An Ed25519 SPKI is a 12-byte prefix followed by the 32-byte key.
ed_p=$(openssl pkey -in "$dir/ed.key" -pubout -outform DER | tail -c 32 |
	openssl base64 -A)

{
	echo "rsa._domainkey.$domain v=DKIM1; k=rsa; p=$rsa_p"
	echo "ed._domainkey.$domain v=DKIM1; k=ed25519; p=$ed_p"
} > "$dir/keys.txt"
chmod 644 "$dir/keys.txt"
