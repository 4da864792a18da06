#!/usr/bin/env python3
# NAME
#	hostile.py - hostile milter protocol input, over a raw socket
# SYNOPSIS
#	hostile.py SOCKET CASE [PID [CONFIG NEW]]
# DESCRIPTION
#	Speaks the milter protocol to signet-milter at SOCKET (unix:PATH or
#	inet:PORT@ADDRESS) as a broken or hostile MTA would, in one of these
#	cases, and checks the answer:
#
#	oversized	a packet of 2 GB announced after negotiation
#	oversized-first	a packet of 4 GB announced as the first packet
#	zero-length	a packet of length 0
#	truncated	half a body packet, then the MTA closes
#	unknown		an unknown command after the connection
#	eob-before-mail	end of message with no message
#	eob-before-eoh	end of message before the end of headers
#	header-before-mail
#	rcpt-after-eoh	a recipient after the end of headers
#	garbage		4 kB of random bytes
#	flood		200 connections each holding half a packet while
#			a good message is signed on another
#	ok		a good message: it must come back signed
#	drain PID	SIGTERM to the milter (PID) in the middle of a
#			message: the message must still be signed, the
#			connection then closed, and no new one accepted
#	mail-reload PID CONFIG NEW
#			a connection that agreed not to wait at MAIL FROM
#			(a policy without envelope checks); NEW is copied
#			over CONFIG and the milter reloaded: a MAIL FROM that
#			NEW refuses is refused at end of message (550 5.7.1)
#
#	In every case but ok and flood the milter must close the connection
#	without answering the bad command: no reply that could let a message
#	through (continue, accept) may come.
# DIAGNOSTICS
#	Prints one line; exit 0 when the milter behaved, 1 when not.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import os
import signal
import shutil
import socket
import struct
import sys
import time

TIMEOUT = 10


def connect(spec):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(spec[5:])
    else:
        port, _, host = spec[5:].partition("@")
        s = socket.create_connection((host or "127.0.0.1", int(port)))
    s.settimeout(TIMEOUT)
    return s


def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd.encode() + data


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def reply(s):
    """The next reply as (command, data), or None at end of file."""
    head = recv_exact(s, 5)
    if head is None:
        return None
    n = struct.unpack(">I", head[:4])[0]
    data = recv_exact(s, n - 1) if n > 1 else b""
    return head[4:5].decode("latin-1"), data


def optneg(s):
    # Postfix 3's offer: all actions, all steps.
    s.sendall(pkt("O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
    r = reply(s)
    if r is None or r[0] != "O":
        raise SystemExit("FAIL: no negotiation reply: %r" % (r,))
    return struct.unpack(">III", r[1][:12])


def connect_cmd(s, proto):
    s.sendall(pkt("D", b"Cj\0mx.example.com\0{daemon_name}\0ORIGINATING\0"))
    s.sendall(pkt("C", b"client.example\0" + b"4" + struct.pack(">H", 4000)
                  + b"127.0.0.1\0"))
    if not proto & 0x1000:              # NR_CONN
        expect(s, "c", "connect")


def expect(s, cmds, what):
    r = reply(s)
    if r is None or r[0] not in cmds:
        raise SystemExit("FAIL: %s: got %r, want one of %r" % (what, r, cmds))
    return r


def mail(s, proto):
    s.sendall(pkt("D", b"Mi\0HOSTILE1\0{auth_authen}\0alice\0"))
    s.sendall(pkt("M", b"<alice@example.com>\0"))
    if not proto & 0x4000:              # NR_MAIL
        expect(s, "c", "MAIL")
    s.sendall(pkt("R", b"<bob@example.net>\0"))
    if not proto & 0x8000:              # NR_RCPT
        expect(s, "c", "RCPT")
    for name, value in ((b"From", b" alice@example.com"),
                        (b"Subject", b" hostile test")):
        s.sendall(pkt("L", name + b"\0" + value + b"\0"))
        if not proto & 0x80:            # NR_HDR
            expect(s, "c", "header")


def eoh(s, proto):
    """The answer to end of headers, unless none was agreed."""
    if not proto & 0x40000:             # NR_EOH
        expect(s, "c", "end of headers")


def send_bad(s, data):
    """Send what the milter may refuse before it has all of it."""
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def closed_silently(s, what):
    """The milter closes the connection and answers nothing."""
    try:
        r = reply(s)
    except ConnectionResetError:
        r = None
    except socket.timeout:
        raise SystemExit("FAIL: %s: the connection stayed open" % what)
    if r is not None:
        raise SystemExit("FAIL: %s: answered %r instead of closing" % (what, r))
    print("ok: %s: closed without an answer" % what)


def good_message(spec, pid=None):
    s = connect(spec)
    _, _, proto = optneg(s)
    connect_cmd(s, proto)
    mail(s, proto)
    s.sendall(pkt("D", b"Ni\0HOSTILE1\0"))
    s.sendall(pkt("N"))
    eoh(s, proto)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        time.sleep(1.5)
    s.sendall(pkt("B", b"Hello.\r\n"))
    if not proto & 0x80000:             # NR_BODY
        expect(s, "c", "body")
    s.sendall(pkt("E"))
    r = expect(s, "i", "end of message: a DKIM-Signature")
    if b"DKIM-Signature\0" not in r[1]:
        raise SystemExit("FAIL: inserted %r, not a DKIM-Signature" % r[1][:40])
    expect(s, "c", "end of message")
    if pid is not None:
        return closed_silently(s, "drain: after its message")
    s.sendall(pkt("Q"))
    s.close()


def mail_after_reload(spec, pid, cfg, new_cfg):
    """MAIL agreed unanswered; a reload makes MAIL FROM count: the
    refusal comes at end of message, with no signature."""
    s = connect(spec)
    _, _, proto = optneg(s)
    if not proto & 0x4000:              # NR_MAIL
        raise SystemExit("FAIL: mail-reload: MAIL FROM answered (%#x) under "
                         "a policy that checks nothing there" % proto)
    connect_cmd(s, proto)
    shutil.copyfile(new_cfg, cfg)
    os.kill(pid, signal.SIGUSR1)
    time.sleep(2)
    mail(s, proto)
    s.sendall(pkt("N"))
    eoh(s, proto)
    s.sendall(pkt("B", b"Hello.\r\n"))
    if not proto & 0x80000:             # NR_BODY
        expect(s, "c", "body")
    s.sendall(pkt("E"))
    r = expect(s, "yi", "end of message")
    text = r[1].split(b"\0")[0].decode("latin-1")
    if r[0] != "y" or not text.startswith("550 5.7.1") \
            or "envelope sender" not in text:
        raise SystemExit("FAIL: mail-reload: end of message answered %r %r"
                         % (r[0], text[:200]))
    s.sendall(pkt("Q"))
    s.close()
    print("ok: mail-reload: refused at end of message: %s" % text[:120])


def main():
    spec, case = sys.argv[1], sys.argv[2]
    if case == "mail-reload":
        return mail_after_reload(spec, int(sys.argv[3]), sys.argv[4], sys.argv[5])
    if case == "ok":
        good_message(spec)
        print("ok: a good message is signed")
        return
    if case == "drain":
        good_message(spec, int(sys.argv[3]))
        try:
            connect(spec).close()
        except OSError:
            print("ok: drain: the message finished signed; no new connection")
            return
        raise SystemExit("FAIL: drain: a new connection was accepted")
    if case == "flood":
        held = []
        for _ in range(200):
            h = connect(spec)
            h.sendall(b"\0\0\0")
            held.append(h)
        good_message(spec)
        for h in held:
            h.close()
        print("ok: signed while 200 connections hold half a packet")
        return
    s = connect(spec)
    if case == "oversized-first":
        send_bad(s, b"\xff\xff\xff\xffO" + b"x" * 100)
        return closed_silently(s, case)
    if case == "garbage":
        send_bad(s, os.urandom(4096))
        return closed_silently(s, case)
    _, _, proto = optneg(s)
    if case == "oversized":
        send_bad(s, b"\x7f\xff\xff\xffB" + b"x" * 1000)
        return closed_silently(s, case)
    if case == "zero-length":
        send_bad(s, b"\0\0\0\0")
        return closed_silently(s, case)
    connect_cmd(s, proto)
    if case == "unknown":
        send_bad(s, pkt("Z", b"what\0"))
        return closed_silently(s, case)
    if case == "eob-before-mail":
        send_bad(s, pkt("E"))
        return closed_silently(s, case)
    if case == "header-before-mail":
        send_bad(s, pkt("L", b"From\0 a@example.com\0"))
        return closed_silently(s, case)
    mail(s, proto)
    if case == "eob-before-eoh":
        send_bad(s, pkt("B", b"Hello.\r\n") + pkt("E"))
        return closed_silently(s, case)
    s.sendall(pkt("N"))
    eoh(s, proto)
    if case == "rcpt-after-eoh":
        send_bad(s, pkt("R", b"<eve@example.net>\0") + pkt("E"))
        return closed_silently(s, case)
    if case == "truncated":
        send_bad(s, struct.pack(">I", 1001) + b"B" + b"x" * 500)
        s.shutdown(socket.SHUT_WR)
        return closed_silently(s, case)
    raise SystemExit("FAIL: unknown case %s" % case)


if __name__ == "__main__":
    main()
