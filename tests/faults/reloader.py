#!/usr/bin/python3
# NAME
#	reloader.py - send signet-milter SIGUSR1 again and again, each
#	time waiting until its log says the reload is done
# SYNOPSIS
#	reloader.py [-s STATSFILE -e EVERY] PID LOGFILE COUNT
# DESCRIPTION
#	Sends SIGUSR1 to PID, then reads LOGFILE (the milter's standard
#	error) from where it was until a line says "reloaded " or "reload
#	refused", COUNT times: so that each signal is one reload of its
#	own (signals sent while a reload runs would merge into one).
#
#	With -s, every EVERY reloads (default 1000) it appends to
#	STATSFILE a line "RELOADS RSS_KB FDS" read from /proc/PID.
#
#	It prints "N reloads done, N refused, in S s (M ms each)" and
#	exits 0 when all were done, 1 when one was refused, when the
#	process went away, or when a reload took more than 30 s.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import argparse
import os
import signal
import sys
import time


def proc_stats(pid):
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def main():
    ap = argparse.ArgumentParser(prog="reloader.py")
    ap.add_argument("-s", dest="stats")
    ap.add_argument("-e", dest="every", type=int, default=1000)
    ap.add_argument("pid", type=int)
    ap.add_argument("log")
    ap.add_argument("count", type=int)
    a = ap.parse_args()
    log = open(a.log, "rb")
    log.seek(0, os.SEEK_END)
    buf = b""
    done = refused = 0
    t0 = time.time()
    for i in range(a.count):
        try:
            os.kill(a.pid, signal.SIGUSR1)
        except OSError as e:
            print("reload %d: cannot signal %d: %s" % (i + 1, a.pid, e))
            break
        deadline = time.time() + 30
        result = None
        while result is None:
            chunk = log.read()
            if chunk:
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if b"reloaded " in line:
                        result = "done"
                    elif b"reload refused" in line:
                        result = "refused"
                        sys.stderr.write(line.decode(errors="replace") + "\n")
            elif time.time() > deadline:
                break
            else:
                time.sleep(0.0005)
        if result == "done":
            done += 1
        elif result == "refused":
            refused += 1
        else:
            print("reload %d: no log line within 30 s" % (i + 1))
            break
        if a.stats and (i + 1) % a.every == 0:
            rss, fds = proc_stats(a.pid)
            with open(a.stats, "a") as f:
                f.write("%d %d %d\n" % (i + 1, rss, fds))
    dt = time.time() - t0
    print("%d reloads done, %d refused, in %.1f s (%.2f ms each)"
          % (done, refused, dt, 1000.0 * dt / max(done + refused, 1)))
    return 0 if done == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
