#!/usr/bin/python3
# NAME
#	rawmilter.py - hostile milter-protocol input, sent as raw packets
# SYNOPSIS
#	rawmilter.py SOCKET OUTDIR
# DESCRIPTION
#	A small milter client (the MTA side of the protocol, version 6)
#	for what miltertest(8) cannot send: it crashes on a header value
#	of 64 kB or more, and it cannot send broken packets. SOCKET is
#	unix:PATH or inet:PORT@ADDR. The cases, each on a connection of
#	its own from 127.0.0.1, with From: sender@example.com:
#
#	xlong		an X-Long field of 60,000 bytes on one line: signed
#	subjectlong	a Subject of 60,000 bytes on one line: refused at end
#			of headers (a line longer than 998 characters)
#	x1mb		an X-Long field of 1 MB in one packet: signed, or
#			the connection closed (a packet larger than the
#			milter library takes; the MTA then applies its
#			milter_default_action)
#	x8mb		the same with 8 MB
#	nulvalue	a header packet with a NUL inside the value: any
#			answer, as long as the daemon goes on
#	badlen		a packet that announces 4 GB: the connection closed
#	garbage		a packet of an unknown command: an answer or a close
#	rawbody		bare LF, NUL and 8-bit bytes in the body, in chunks
#			split inside CRLF pairs: signed
#
#	Signed messages are saved as OUTDIR/raw-CASE.eml (the inserted
#	DKIM-Signature fields, then the message as sent, CRLF line ends
#	in the header) for the verifiers. One line per case goes to
#	standard output: "ok CASE: what happened" or "FAIL CASE: why".
# DIAGNOSTICS
#	Exit 0 when every case went as expected, 1 otherwise.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import os
import socket
import struct
import sys

SMFIP_NOCONNECT, SMFIP_NOHELO, SMFIP_NOMAIL, SMFIP_NORCPT = 1, 2, 4, 8
SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH, SMFIP_NR_HDR = 0x10, 0x20, 0x40, 0x80
SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_MAIL = 0x1000, 0x2000, 0x4000
SMFIP_NR_RCPT, SMFIP_NR_EOH, SMFIP_NR_BODY = 0x8000, 0x40000, 0x80000
SMFIP_HDR_LEADSPC = 0x100000
SMFIP_MDS_256K, SMFIP_MDS_1M = 0x10000000, 0x20000000  # offered, as Postfix does
FINAL = b"arty d"          # accept, reject, tempfail, replycode, discard
MB = 1000 * 1000


class Closed(Exception):
    pass


class Conn:
    def __init__(self, spec):
        if spec.startswith("unix:"):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(spec[5:])
        elif spec.startswith("inet:"):
            port, addr = spec[5:].split("@")
            self.s = socket.create_connection((addr, int(port)))
        else:
            raise ValueError("socket must be unix:PATH or inet:PORT@ADDR")
        self.s.settimeout(120)
        self.f = self.s.makefile("rb")
        self.proto = 0

    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def read(self):
        head = self.f.read(4)
        if len(head) < 4:
            raise Closed()
        n = struct.unpack(">I", head)[0]
        body = self.f.read(n)
        if len(body) < n or n == 0:
            raise Closed()
        return body[:1], body[1:]

    def ask(self, cmd, data, noreply_flag):
        """Send; return None (no reply due) or the reply (code, data)."""
        self.send(cmd, data)
        if noreply_flag and self.proto & noreply_flag:
            return None
        while True:
            code, rest = self.read()
            if code != b"p":            # progress: keep waiting
                return code, rest

    def close(self):
        try:
            self.send(b"Q")
        except OSError:
            pass
        self.s.close()


def macro(c, stage, *pairs):
    c.send(b"D", stage + b"".join(x.encode() + b"\0" for x in pairs))


def start(spec, qid):
    c = Conn(spec)
    c.send(b"O", struct.pack(">III", 6, 0x1ff, 0x1fffff | SMFIP_MDS_256K | SMFIP_MDS_1M))
    code, rest = c.read()
    if code != b"O":
        raise RuntimeError("negotiation answered %r" % code)
    c.proto = struct.unpack(">III", rest[:12])[2]
    macro(c, b"C", "j", "mta.example.net", "{daemon_name}", "smtpd",
          "{client_addr}", "127.0.0.1", "{client_name}", "client.example.net")
    steps = [(b"C", b"client.example.net\0" + b"4" + struct.pack(">H", 25)
              + b"127.0.0.1\0", SMFIP_NR_CONN, SMFIP_NOCONNECT),
             (b"H", b"client.example.net\0", SMFIP_NR_HELO, SMFIP_NOHELO)]
    for cmd, data, nr, skip in steps:
        if not c.proto & skip:
            r = c.ask(cmd, data, nr)
            if r and r[0] != b"c":
                raise RuntimeError("%s answered %r" % (cmd, r[0]))
    macro(c, b"M", "i", qid, "{mail_addr}", "sender@example.com")
    r = c.ask(b"M", b"<sender@example.com>\0", SMFIP_NR_MAIL)
    if r and r[0] != b"c":
        raise RuntimeError("MAIL answered %r" % r[0])
    if not c.proto & SMFIP_NORCPT:
        r = c.ask(b"R", b"<rcpt@receiver.example>\0", SMFIP_NR_RCPT)
        if r and r[0] != b"c":
            raise RuntimeError("RCPT answered %r" % r[0])
    return c


def std_headers(subject=b"raw milter test", extra=()):
    return list(extra) + [
        (b"From", b"Sender <sender@example.com>"),
        (b"To", b"Receiver <rcpt@receiver.example>"),
        (b"Subject", subject),
        (b"Date", b"Sun, 22 Nov 2026 10:00:00 +0000"),
        (b"Message-ID", b"<raw.%d@example.com>" % os.getpid())]


def message(c, headers, body, chunks=None):
    """Send a message; returns (stage, final code, data, inserted)."""
    lead = b" " if c.proto & SMFIP_HDR_LEADSPC else b""
    for name, value in headers:
        r = c.ask(b"L", name + b"\0" + lead + value + b"\0", SMFIP_NR_HDR)
        if r and r[0] in FINAL:
            return "header", r[0], r[1], []
    macro(c, b"N", "i", "RAWQID")
    r = c.ask(b"N", b"", SMFIP_NR_EOH)
    if r and r[0] in FINAL:
        return "eoh", r[0], r[1], []
    for piece in (chunks or [body[i:i + 65535] for i in range(0, len(body), 65535)]):
        r = c.ask(b"B", piece, SMFIP_NR_BODY)
        if r and r[0] in FINAL:
            return "body", r[0], r[1], []
    macro(c, b"E", "i", "RAWQID")
    c.send(b"E")
    inserted = []
    while True:
        code, rest = c.read()
        if code in (b"i", b"h"):
            if code == b"i":
                rest = rest[4:]
            name, value = rest.split(b"\0")[:2]
            inserted.append((name, value))
        elif code in FINAL or code == b"c":
            return "eom", code, rest, inserted


def save(path, c, inserted, headers, body):
    lead = b"" if c.proto & SMFIP_HDR_LEADSPC else b" "
    with open(path, "wb") as f:
        for name, value in inserted:
            f.write(name + b":" + lead + value.replace(b"\n", b"\r\n") + b"\r\n")
        for name, value in headers:
            f.write(name + b": " + value + b"\r\n")
        f.write(b"\r\n" + body)


def expect_signed(name, c, outdir, headers, body, chunks=None):
    stage, code, data, ins = message(c, headers, body, chunks)
    sigs = [v for n, v in ins if n.lower() == b"dkim-signature"]
    if stage != "eom" or code not in (b"a", b"c") or len(sigs) != 2:
        return "FAIL %s: %s answered %r %r with %d signatures" % (
            name, stage, code, data[:120], len(sigs))
    save(os.path.join(outdir, "raw-%s.eml" % name), c, ins, headers, body)
    return "ok %s: signed (2 signatures)" % name


def case_xlong(spec, outdir):
    c = start(spec, "XLONG")
    h = std_headers(extra=[(b"X-Long", b"x" * 60000)])
    try:
        return expect_signed("xlong", c, outdir, h, b"body\r\n")
    finally:
        c.close()


def case_subjectlong(spec, outdir):
    c = start(spec, "SUBJLONG")
    try:
        stage, code, data, ins = message(c, std_headers(subject=b"S" * 60000), b"body\r\n")
        text = data.split(b"\0")[0].decode("latin-1")
        # decided at end of headers, answered there unless NR_EOH was agreed
        want = "eom" if c.proto & SMFIP_NR_EOH else "eoh"
        if stage == want and code == b"y" and not ins \
                and text.startswith("550 5.7.1") and "longer than 998" in text:
            return "ok subjectlong: refused at %s: %s" % (want, text[:100])
        return "FAIL subjectlong: %s answered %r %r" % (stage, code, text[:200])
    finally:
        c.close()


def huge(name, size):
    def run(spec, outdir):
        c = start(spec, name.upper())
        h = std_headers(extra=[(b"X-Long", b"h" * size)])
        try:
            return expect_signed(name, c, outdir, h, b"body\r\n")
        except (Closed, OSError) as e:
            return "ok %s: the connection was closed (%s)" % (name, type(e).__name__)
        finally:
            c.s.close()
    run.__name__ = "case_" + name
    return run


def case_nulvalue(spec, outdir):
    c = start(spec, "NULVALUE")
    try:
        c.send(b"L", b"Subject\0 before\0after\0")
        if not c.proto & SMFIP_NR_HDR:
            c.read()
        stage, code, data, ins = message(c, std_headers()[:2] + std_headers()[3:], b"b\r\n")
        return "ok nulvalue: %s answered %r" % (stage, code)
    except (Closed, OSError) as e:
        return "ok nulvalue: the connection was closed (%s)" % type(e).__name__
    finally:
        c.close()


def case_badlen(spec, outdir):
    c = start(spec, "BADLEN")
    try:
        c.s.sendall(struct.pack(">I", 0xffffffff) + b"L" + b"x" * 1000)
        c.read()
        return "FAIL badlen: the daemon answered a 4 GB packet"
    except (Closed, OSError):
        return "ok badlen: the connection was closed"
    finally:
        c.s.close()


def case_garbage(spec, outdir):
    c = start(spec, "GARBAGE")
    try:
        c.send(b"\x01", b"\xff" * 100)
        c.s.settimeout(5)
        code, _ = c.read()
        return "ok garbage: answered %r" % code
    except (Closed, OSError) as e:
        return "ok garbage: the connection was closed (%s)" % type(e).__name__
    finally:
        c.s.close()


def case_rawbody(spec, outdir):
    c = start(spec, "RAWBODY")
    body = (b"bare LF\nline two \n\nNUL \0 here\r\n8-bit \xe9\xe8\xff\r\n"
            b"split CR\r\nLF pair\r\n\r\n\r\nend\n")
    cut = body.index(b"split CR\r") + len(b"split CR\r")
    chunks = [body[:cut], body[cut:]]
    try:
        return expect_signed("rawbody", c, outdir, std_headers(), body, chunks)
    finally:
        c.close()


CASES = [case_xlong, case_subjectlong, huge("x1mb", MB), huge("x8mb", 8 * MB),
         case_nulvalue, case_badlen, case_garbage, case_rawbody]


def main():
    spec, outdir = sys.argv[1], sys.argv[2]
    bad = 0
    for case in CASES:
        try:
            line = case(spec, outdir)
        except Exception as e:
            line = "FAIL %s: %s: %s" % (case.__name__[5:], type(e).__name__, e)
        print(line)
        sys.stdout.flush()
        bad += line.startswith("FAIL")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
