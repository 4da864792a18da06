#!/usr/bin/python3
# NAME
#	sinkdump.py - turn smtp-sink dump files back into messages, and
#	check their DKIM-Signature header fields
# SYNOPSIS
#	sinkdump.py extract DUMPDIR OUTDIR
#	sinkdump.py expect DIR SPEC
#	sinkdump.py headers FILE
#	sinkdump.py verify KEYSFILE DIR
# DESCRIPTION
#	smtp-sink -d writes one file per mail transaction: its own X-Client-*,
#	X-Helo-Args, X-Mail-Args, X-Rcpt-Args records and a three-line
#	Received: header, then the message as received with every CR removed
#	and dots unstuffed, then one empty line (the LF of the final
#	".\r\n").
#
#	extract undoes that: it drops the smtp-sink records and the final
#	empty line and writes the message with CRLF line ends, which is the
#	message exactly as the Postfix SMTP client sent it (before dot
#	stuffing), to OUTDIR/ID.eml, where ID is smtp-sink's per-message id.
#	It prints the number of messages written.
#
#	expect checks every DIR/*.eml: SPEC is "none" (no DKIM-Signature
#	header field at all) or a comma-separated list of DOMAIN/SELECTOR/ALG
#	items, all of which must be present, as the only DKIM-Signature
#	header fields. It prints one line per message that does not match,
#	then "N messages, N mismatched".
#
#	headers prints the header section of FILE, unfolded, one field a line.
#
#	verify checks every signature of every DIR/*.eml with dkimpy, using
#	the functions of tests/verify/dkimpy-verify.py (so the check is
#	exactly that verifier's) in one process instead of one per message.
#	It prints each message that has no signature or a signature that
#	does not pass, with dkimpy-verify.py's result line, then
#	"N verified, N failed".
# DIAGNOSTICS
#	Exit 0 on success, 1 when a message does not match or a dump file is
#	malformed (the file is named), 2 on a usage error.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import os
import re
import sys


def die(msg, status=1):
    sys.stderr.write("sinkdump.py: %s\n" % msg)
    sys.exit(status)


# dump_to_message - strip smtp-sink records from one dump file
def dump_to_message(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    # The smtp-sink Received: header: "Received: from ...",
    # "\tby HOST (smtp-sink) with PROTO id ID;", "\tDATE".
    for i, line in enumerate(lines):
        if line.startswith(b"\tby ") and b" (smtp-sink) with " in line:
            m = re.search(rb" id ([0-9a-f]+);$", line)
            if not m or i + 2 > len(lines):
                break
            body = b"\n".join(lines[i + 2:])
            if not body.endswith(b"\n\n"):
                die("%s: message does not end with an empty line: "
                    "the transaction was not complete" % path)
            body = body[:-1].replace(b"\n", b"\r\n")
            return m.group(1).decode(), body
    die("%s: no smtp-sink Received: header found: not an smtp-sink -d dump"
        % path)


def cmd_extract(dumpdir, outdir):
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for name in sorted(os.listdir(dumpdir)):
        ident, msg = dump_to_message(os.path.join(dumpdir, name))
        with open(os.path.join(outdir, ident + ".eml"), "wb") as f:
            f.write(msg)
        n += 1
    print(n)


# header_fields - the unfolded header fields of a message, as (name, value)
def header_fields(msg):
    head = msg.split(b"\r\n\r\n", 1)[0]
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b" " + line.strip())
        elif b":" in line:
            name, value = line.split(b":", 1)
            fields.append((name.strip(), value.strip()))
    return fields


# dkim_tags - "DOMAIN/SELECTOR/ALG" of one DKIM-Signature value
def dkim_tags(value):
    tags = {}
    for item in value.split(b";"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            tags[k.strip().decode()] = re.sub(rb"\s+", b"", v).decode()
    return "%s/%s/%s" % (tags.get("d", "?"), tags.get("s", "?"),
                         tags.get("a", "?"))


def cmd_expect(d, spec):
    want = [] if spec == "none" else sorted(spec.split(","))
    total = bad = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        total += 1
        with open(os.path.join(d, name), "rb") as f:
            fields = header_fields(f.read())
        got = sorted(dkim_tags(v) for n, v in fields
                     if n.lower() == b"dkim-signature")
        if got != want:
            bad += 1
            print("%s: DKIM-Signature: want %s, got %s"
                  % (name, ",".join(want) or "none",
                     ",".join(got) or "none"))
    print("%d messages, %d mismatched" % (total, bad))
    return 1 if bad or total == 0 else 0


# load_dkimpy_verify - tests/verify/dkimpy-verify.py as a module
def load_dkimpy_verify():
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "verify", "dkimpy-verify.py")
    spec = importlib.util.spec_from_file_location("dkimpy_verify", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def cmd_verify(keysfile, d):
    v = load_dkimpy_verify()
    import dkim
    dnsfunc = v.make_dnsfunc(v.load_keys(keysfile))
    total = bad = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        total += 1
        with open(os.path.join(d, name), "rb") as f:
            msg = f.read()
        sigs = [val for n, val in dkim.DKIM(msg).headers
                if n.lower() == b"dkim-signature"]
        lines = []
        for idx, value in enumerate(sigs):
            dom, sel, alg = v.sig_tags(value)
            result, reason = v.verify_one(msg, idx, dnsfunc)
            if result != "pass":
                lines.append("d=%s s=%s a=%s result=%s reason=%s"
                             % (dom, sel, alg, result, reason))
        if not sigs:
            lines.append("no DKIM-Signature")
        if lines:
            bad += 1
            print("%s: dkimpy: %s" % (name, "; ".join(lines)))
    print("%d verified, %d failed" % (total - bad, bad))
    return 1 if bad or total == 0 else 0


def cmd_headers(path):
    with open(path, "rb") as f:
        for name, value in header_fields(f.read()):
            sys.stdout.write("%s: %s\n" % (name.decode(errors="replace"),
                                           value.decode(errors="replace")))


def main(argv):
    if len(argv) == 4 and argv[1] == "extract":
        cmd_extract(argv[2], argv[3])
        return 0
    if len(argv) == 4 and argv[1] == "expect":
        return cmd_expect(argv[2], argv[3])
    if len(argv) == 4 and argv[1] == "verify":
        return cmd_verify(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "headers":
        cmd_headers(argv[2])
        return 0
    die("usage: sinkdump.py extract DUMPDIR OUTDIR | expect DIR SPEC"
        " | headers FILE | verify KEYSFILE DIR", 2)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
