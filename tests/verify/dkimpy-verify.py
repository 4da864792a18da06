#!/usr/bin/python3
# NAME
#	dkimpy-verify.py - verify every DKIM signature of a message with dkimpy
# SYNOPSIS
#	dkimpy-verify.py -K KEYSFILE [FILE...] < message
# DESCRIPTION
#	Checks each DKIM-Signature of the message on standard input with
#	dkimpy (Debian's python3-dkim; run it with /usr/bin/python3) and
#	prints one line per signature, topmost first:
#
#	d=DOMAIN s=SELECTOR a=ALGORITHM result=RESULT [reason="TEXT"]
#
#	With FILE arguments, each file is a message, checked in turn, and
#	each line starts with "FILE: ": many messages, one start-up.
#
#	RESULT is pass, fail (no match, or dkimpy raised a validation
#	error) or permerror (a malformed message, signature or key).
#	Public keys come from KEYSFILE instead of DNS, one per line: the
#	DNS name, white space, the TXT record, as made by mkkeys.sh:
#
#	SELECTOR._domainkey.DOMAIN v=DKIM1; k=rsa; p=BASE64
#
#	Note: dkimpy adds one more "from" to h= when it verifies, so a
#	message with two From fields never passes with it.
# DIAGNOSTICS
#	Exit 0 when every message has at least one signature and every
#	one passes; 1 otherwise, or when a FILE cannot be read; 2 on a
#	usage error or an unreadable keys file.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import argparse
import logging
import re
import sys

try:
    import dkim
except ImportError:
    sys.stderr.write("dkimpy-verify.py: no dkim module: install the Debian "
                     "package python3-dkim and run with /usr/bin/python3\n")
    sys.exit(2)


def load_keys(path):
    """load_keys - read KEYSFILE into a dict of lower-case name to record"""
    keys = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(b"#"):
                continue
            parts = line.split(None, 1)
            if len(parts) == 2:
                keys[parts[0].rstrip(b".").lower()] = parts[1]
    return keys


def make_dnsfunc(keys):
    """make_dnsfunc - a TXT look-up that reads the keys file, not DNS"""
    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return keys.get(name.rstrip(b".").lower())
    return dnsfunc


class Collect(logging.Handler):
    """Collect - keep what dkimpy logs at error level, for the reason"""

    def __init__(self):
        logging.Handler.__init__(self, logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def sig_tags(value):
    """sig_tags - d=, s= and a= of a signature field, or "-" each"""
    tags = {}
    for part in value.split(b";"):
        if b"=" in part:
            k, v = part.split(b"=", 1)
            tags[k.strip()] = re.sub(rb"\s+", b"", v)
    return [tags.get(t, b"-").decode("ascii", "replace")
            for t in (b"d", b"s", b"a")]


def verify_one(msg, idx, dnsfunc):
    """verify_one - (result, reason) of signature number idx"""
    collect = Collect()
    logger = logging.getLogger("dkimpy-verify.%d" % idx)
    logger.propagate = False
    logger.addHandler(collect)
    try:
        d = dkim.DKIM(msg, logger=logger)
        ok = d.verify(idx=idx, dnsfunc=dnsfunc)
    except dkim.ValidationError as e:
        return "fail", str(e)
    except dkim.DKIMException as e:
        return "permerror", "%s: %s" % (type(e).__name__, e)
    if ok:
        return "pass", None
    reason = "; ".join(collect.messages) or "signature mismatch"
    return "fail", reason


def verify_message(msg, dnsfunc):
    """verify_message - the result lines of one message, and if all pass"""
    try:
        sigs = [v for n, v in dkim.DKIM(msg).headers
                if n.lower() == b"dkim-signature"]
    except dkim.DKIMException as e:
        return ["error: the message cannot be parsed: %s" % e], False
    if not sigs:
        return ["no DKIM-Signature"], False
    lines = []
    passed = 0
    for idx, value in enumerate(sigs):
        d, s, a = sig_tags(value)
        result, reason = verify_one(msg, idx, dnsfunc)
        line = "d=%s s=%s a=%s result=%s" % (d, s, a, result)
        if reason:
            line += ' reason="%s"' % reason.replace('"', "'")
        lines.append(line)
        passed += result == "pass"
    return lines, passed == len(sigs)


def main():
    """main - verify standard input or each FILE"""
    ap = argparse.ArgumentParser(description="verify DKIM with dkimpy")
    ap.add_argument("-K", dest="keys", required=True, metavar="KEYSFILE")
    ap.add_argument("files", nargs="*", metavar="FILE")
    args = ap.parse_args()
    try:
        keys = load_keys(args.keys)
    except OSError as e:
        sys.stderr.write("dkimpy-verify.py: %s\n" % e)
        return 2
    dnsfunc = make_dnsfunc(keys)
    if not args.files:
        lines, ok = verify_message(sys.stdin.buffer.read(), dnsfunc)
        print("\n".join(lines))
        return 0 if ok else 1
    all_ok = True
    for path in args.files:
        try:
            with open(path, "rb") as f:
                lines, ok = verify_message(f.read(), dnsfunc)
        except OSError as e:
            lines, ok = ["error: %s" % e.strerror], False
        for line in lines:
            print("%s: %s" % (path, line))
        all_ok = all_ok and ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
