#!/usr/bin/python3
# NAME
#	dkimpy-sign.py - sign a message with dkimpy, a second reference signer
# SYNOPSIS
#	dkimpy-sign.py -d DOMAIN -s SELECTOR -k KEYFILE -a ALGORITHM
#		[-c HEADER/BODY] [-t TIME] [-H name:name...] [-O name:name...]
#		< message
# DESCRIPTION
#	Signs the message on standard input with dkimpy (Debian's
#	python3-dkim; run it with /usr/bin/python3) and writes the
#	DKIM-Signature field it made, and nothing else, to standard output.
#	The options and their meaning are those of odkim-sign:
#
#	-k	the private key, PEM PKCS#8 (RSA or Ed25519) or PKCS#1 (RSA)
#	-a	rsa-sha256 or ed25519-sha256
#	-c	simple or relaxed, for the header and the body; one word is
#		the header one, with simple for the body; relaxed/relaxed
#		when not given
#	-t	the signing time, for t=
#	-H	sign these header fields when present, every instance
#	-O	oversign these: every instance, and the name once more
#
#	From is always signed. dkimpy takes h= as it is given, so this
#	script lists each name once per instance found in the message.
#	The signer tests use it as a second, independent source of bh=,
#	for the messages that libopendkim refuses to sign.
# DIAGNOSTICS
#	Exit 0 on success, 1 when dkimpy fails (the reason is on standard
#	error), 2 on a usage error.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import argparse
import base64
import re
import sys

try:
    import dkim
except ImportError:
    sys.stderr.write("dkimpy-sign.py: no dkim module: install the Debian "
                     "package python3-dkim and run with /usr/bin/python3\n")
    sys.exit(2)


class FixedTime:
    """FixedTime - stands for the time module inside dkim, for -t"""

    def __init__(self, when):
        self.when = when

    def time(self):
        return self.when


def pem_der(pem):
    """pem_der - the DER bytes of the first PEM block"""
    m = re.search(rb"-----BEGIN [^-]+-----(.*?)-----END", pem, re.S)
    if m is None:
        raise ValueError("not a PEM key")
    return base64.b64decode(b"".join(m.group(1).split()))


def signing_key(path, alg):
    """signing_key - the key in the form dkimpy wants for alg"""
    with open(path, "rb") as f:
        pem = f.read()
    if alg == b"ed25519-sha256":
        # A PKCS#8 Ed25519 key ends with the 32-byte seed (RFC 8410).
        return base64.b64encode(pem_der(pem)[-32:])
    return pem


def header_names(msg, sign, over):
    """header_names - h= for the -H and -O lists, as odkim-sign makes it"""
    present = [name.lower() for name, _ in dkim.DKIM(msg).headers]
    wanted = set(sign) | set(over) | {b"from"}
    names = [n for n in present if n in wanted]
    return names + list(dict.fromkeys(over))


def colon_list(text):
    """colon_list - lower-case names of a colon list"""
    return [n.lower().encode() for n in (text or "").split(":") if n]


def main():
    """main - sign standard input, print the field"""
    ap = argparse.ArgumentParser(description="sign DKIM with dkimpy")
    ap.add_argument("-d", required=True)
    ap.add_argument("-s", required=True)
    ap.add_argument("-k", required=True)
    ap.add_argument("-a", required=True,
                    choices=["rsa-sha256", "ed25519-sha256"])
    ap.add_argument("-c", default="relaxed/relaxed")
    ap.add_argument("-t", type=int)
    ap.add_argument("-H")
    ap.add_argument("-O")
    args = ap.parse_args()
    canon = args.c.split("/")
    if len(canon) == 1:
        canon.append("simple")
    if len(canon) != 2 or any(c not in ("simple", "relaxed") for c in canon):
        ap.error("-c: want simple or relaxed, for example relaxed/simple")
    if args.t is not None:
        dkim.time = FixedTime(args.t)
    alg = args.a.encode()
    msg = sys.stdin.buffer.read()
    try:
        key = signing_key(args.k, alg)
        d = dkim.DKIM(msg, signature_algorithm=alg)
        d.should_not_sign = set()
        field = d.sign(args.s.encode(), args.d.encode(), key,
                       canonicalize=(canon[0].encode(), canon[1].encode()),
                       include_headers=header_names(
                           msg, colon_list(args.H), colon_list(args.O)))
    except (OSError, ValueError, dkim.DKIMException) as e:
        sys.stderr.write("dkimpy-sign.py: %s\n" % e)
        return 1
    sys.stdout.buffer.write(field)
    return 0


if __name__ == "__main__":
    sys.exit(main())
