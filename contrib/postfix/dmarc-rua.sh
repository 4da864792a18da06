#!/bin/sh
# dmarc-rua.sh - Postfix pipe(8) delivery of one DMARC report message
#
# Reads the message on standard input, imports the report in it with
# "signet dmarc import -", and logs what signet says (facility mail,
# tag signet-dmarc). A refused message is dropped (exit 0) instead of
# bounced to the receiver that sent it; when the store is unavailable
# (exit 75) Postfix keeps the message and tries again later.
# SIGNET_CONFIG may name another configuration.
out=$(/usr/bin/signet dmarc import -c "${SIGNET_CONFIG:-/etc/signet/signet.yaml}" - 2>&1)
s=$?
printf '%s\n' "$out" | logger -t signet-dmarc -p mail.info
[ "$s" -eq 1 ] && exit 0
exit "$s"
