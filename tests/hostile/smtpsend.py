#!/usr/bin/python3
# NAME
#	smtpsend.py - send one message's bytes exactly as they are
# SYNOPSIS
#	smtpsend.py HOST PORT FROM TO FILE
# DESCRIPTION
#	Sends FILE as the content of one SMTP transaction, byte for byte:
#	bare LF, NUL bytes, 8-bit bytes and lines of any length go out as
#	they are (swaks and smtp-source would fix some of them). Lines
#	that start with a dot are dot-stuffed, as SMTP requires; a final
#	CRLF is added when the file does not end with a line end. The file is
#	streamed in chunks, so that a message of 100 MB costs little
#	memory here.
#
#	Prints the final reply ("250 2.0.0 Ok: queued as ID", or the
#	refusal) on standard output, on one line.
# DIAGNOSTICS
#	Exit 0 when the message was accepted (2xx after the data), 1 when
#	it was refused at any step (the reply printed), 2 on a connection
#	or usage error.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import socket
import sys


def reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed by the server")
        lines.append(line.rstrip(b"\r\n").decode("latin-1"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return int(lines[-1][:3]), " / ".join(lines)


def send(sock, f, cmd):
    sock.sendall(cmd.encode() + b"\r\n")
    return reply(f)


def main():
    if len(sys.argv) != 6:
        sys.stderr.write("usage: smtpsend.py HOST PORT FROM TO FILE\n")
        return 2
    host, port, mfrom, rcpt, path = sys.argv[1:]
    sock = socket.create_connection((host, int(port)), timeout=600)
    f = sock.makefile("rb")
    code, text = reply(f)
    steps = ["EHLO client.localdomain", "MAIL FROM:<%s>" % mfrom,
             "RCPT TO:<%s>" % rcpt, "DATA"]
    for cmd in steps:
        code, text = send(sock, f, cmd)
        want = 3 if cmd == "DATA" else 2
        if code // 100 != want:
            print(text)
            return 1
    last = b"\n"
    with open(path, "rb") as msg:
        out = []
        size = 0
        for line in msg:
            if line.startswith(b"."):
                line = b"." + line
            out.append(line)
            size += len(line)
            last = line
            if size >= 1 << 20:
                sock.sendall(b"".join(out))
                out, size = [], 0
        sock.sendall(b"".join(out))
    sock.sendall((b"" if last.endswith(b"\n") else b"\r\n") + b".\r\n")
    code, text = reply(f)
    print(text)
    try:
        send(sock, f, "QUIT")
    except (OSError, EOFError):
        pass
    sock.close()
    return 0 if code // 100 == 2 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError) as e:
        print("smtpsend.py: %s" % e)
        sys.exit(2)
