#!/usr/bin/python3
# NAME
#	mkmessages.py - hostile mail messages for signet-milter
# SYNOPSIS
#	mkmessages.py KIND FILE
# DESCRIPTION
#	Writes one message of KIND to FILE, CRLF line ends unless the kind
#	says otherwise. Every message comes from example.com (the domain
#	tests/hostile/test-messages.sh signs) unless its From is the point:
#
#	big		a body of 100 MB: 998-character lines, some with
#			trailing white space, some empty, dots at the start
#	headers		10,000 header fields (X-Filler-N) before the usual ones
#	manyto		10,000 To fields (a field signet signs and oversigns)
#	longsubject	a Subject of 1 MB on one line
#	longx		an X-Long field of 1 MB on one line
#	longbody	body lines of 5,000 and 6,000 characters
#	line998, line999	a body line of 998 (999) characters
#	nulhdr		a NUL byte in the Subject
#	nulbody		NUL bytes in the body
#	barelf		bare LF line ends throughout
#	eightbit	8-bit bytes in Subject and body, no MIME declaration
#	nofrom, twofrom	no From field; two From fields
#	from:TEXT	a From field with value TEXT (the malformed ones)
# LICENSE
#	MIT; see LICENSE in the source distribution.

import os
import sys

MB = 1000 * 1000


def head(frm="Sender <sender@example.com>", subject="hostile", extra=()):
    h = []
    if frm is not None:
        for f in ([frm] if isinstance(frm, str) else frm):
            h.append(b"From: " + f.encode("utf-8", "surrogateescape"))
    h += [b"To: Receiver <rcpt@receiver.example>",
          b"Subject: " + (subject if isinstance(subject, bytes)
                          else subject.encode()),
          b"Date: Sun, 22 Nov 2026 10:00:00 +0000",
          b"Message-ID: <hostile.%d@example.com>" % id(h)]
    return list(extra) + h


def write(path, hdrs, body, eol=b"\r\n"):
    with open(path, "wb") as f:
        f.write(eol.join(hdrs) + eol + eol)
        if callable(body):
            body(f)
        else:
            f.write(body)


def big_body(f):
    line = (b"0123456789" * 99 + b"abcdefgh")[:998] + b"\r\n"
    block = (line * 20 + b"trailing white space   \r\n\r\n"
             b".a line with a leading dot\r\n\ttabbed\r\n")
    n = 0
    while n < 100 * MB:
        f.write(block)
        n += len(block)
    f.write(b"the end\r\n")


def main():
    kind, path = sys.argv[1], sys.argv[2]
    body = b"Hello,\r\n\r\nthis is a test.\r\n"
    if kind == "big":
        write(path, head(subject="100 MB"), big_body)
    elif kind == "headers":
        extra = [b"X-Filler-%d: value number %d" % (i, i) for i in range(10000)]
        write(path, head(subject="10000 header fields", extra=extra), body)
    elif kind == "manyto":
        extra = [b"To: r%d@receiver.example" % i for i in range(int(os.environ.get("MANYTO", "10000")))]
        write(path, head(subject="10000 To fields", extra=extra), body)
    elif kind == "longsubject":
        write(path, head(subject=b"S" * MB), body)
    elif kind == "longx":
        write(path, head(subject="long X-Long", extra=[b"X-Long: " + b"x" * MB]), body)
    elif kind == "longbody":
        write(path, head(subject="long body line"),
              b"short\r\n" + b"y" * 5000 + b"\r\n" + b"z " * 3000 + b"\r\nend\r\n")
    elif kind in ("line998", "line999"):
        n = int(kind[4:])
        write(path, head(subject="a body line of %d characters" % n),
              b"short\r\n" + b"q" * n + b"\r\nend\r\n")
    elif kind == "nulhdr":
        write(path, head(subject=b"before\0after"), body)
    elif kind == "nulbody":
        write(path, head(subject="NUL in the body"),
              b"line with a NUL \0 in it\r\n\0\0\0\r\nend\r\n")
    elif kind == "barelf":
        write(path, head(subject="bare LF"),
              b"line one\nline two  \n\n.dot line\nlast\n", eol=b"\n")
    elif kind == "eightbit":
        write(path, head(subject="caf\xc3\xa9 8-bit \xe9t\xe9".encode("latin-1")),
              "Gr\u00fc\u00dfe, caf\u00e9\r\n".encode("utf-8") +
              b"latin-1: \xe9\xe8\xe0\r\n\xff\xfe raw\r\n")
    elif kind == "nofrom":
        write(path, head(frm=None, subject="no From"), body)
    elif kind == "twofrom":
        write(path, head(frm=["A <a@example.com>", "B <b@example.com>"],
                         subject="two From"), body)
    elif kind.startswith("from:"):
        write(path, head(frm=kind[5:], subject="From " + kind[5:40]), body)
    else:
        sys.exit("mkmessages.py: unknown kind " + kind)


if __name__ == "__main__":
    main()
