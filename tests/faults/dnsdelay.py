#!/usr/bin/python3
# NAME
#	dnsdelay.py - a DNS forwarder on loopback that answers late, or
#	not at all
# SYNOPSIS
#	dnsdelay.py CONTROLFILE PORTFILE
# DESCRIPTION
#	Listens on 127.0.0.1, UDP and TCP, on one free port, which it
#	writes to PORTFILE once it serves. Each query (a UDP datagram, or
#	a TCP connection) is forwarded to the server on 127.0.0.1 port
#	UPSTREAM after DELAY milliseconds, and the answer sent back; CONTROLFILE
#	holds "UPSTREAM DELAY" and is read again for every query, so a
#	test changes both while it runs. A DELAY of -1 drops the query
#	(no answer at all); an upstream that does not answer within 10 s
#	gets no answer either. Each query has a thread of its own, so one
#	slow answer does not hold up the others.
# DIAGNOSTICS
#	Runs until killed. Exit 1 when it cannot bind.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import socket
import struct
import sys
import threading
import time


def control(path):
    with open(path) as f:
        up, delay = f.read().split()
    return int(up), int(delay)


def udp_query(ctl, srv, data, peer):
    up, delay = control(ctl)
    if delay < 0:
        return
    time.sleep(delay / 1000.0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        try:
            s.sendto(data, ("127.0.0.1", up))
            answer = s.recv(65535)
        except OSError:
            return
    srv.sendto(answer, peer)


def udp_loop(ctl, srv):
    while True:
        data, peer = srv.recvfrom(65535)
        threading.Thread(target=udp_query, args=(ctl, srv, data, peer),
                         daemon=True).start()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


def recv_msg(s):
    (n,) = struct.unpack("!H", recv_exact(s, 2))
    return recv_exact(s, n)


def tcp_conn(ctl, c):
    with c:
        c.settimeout(30)
        try:
            while True:
                q = recv_msg(c)
                up, delay = control(ctl)
                if delay < 0:
                    time.sleep(30)
                    return
                time.sleep(delay / 1000.0)
                with socket.create_connection(("127.0.0.1", up), 10) as u:
                    u.sendall(struct.pack("!H", len(q)) + q)
                    a = recv_msg(u)
                c.sendall(struct.pack("!H", len(a)) + a)
        except OSError:
            return


def tcp_loop(ctl, lst):
    while True:
        c, _ = lst.accept()
        threading.Thread(target=tcp_conn, args=(ctl, c), daemon=True).start()


def main():
    ctl, portfile = sys.argv[1], sys.argv[2]
    for _ in range(100):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            udp.close()
            tcp.close()
    else:
        sys.stderr.write("dnsdelay.py: no port free for both UDP and TCP\n")
        return 1
    tcp.listen(64)
    threading.Thread(target=tcp_loop, args=(ctl, tcp), daemon=True).start()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.rename(portfile + ".tmp", portfile)
    udp_loop(ctl, udp)


if __name__ == "__main__":
    sys.exit(main())
