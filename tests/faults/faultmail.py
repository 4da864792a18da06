#!/usr/bin/python3
# NAME
#	faultmail.py - numbered test messages: a sender that retries on
#	4xx, and a checker of what smtp-sink received
# SYNOPSIS
#	faultmail.py send [options] HOST PORT FIRST COUNT
#	faultmail.py try [options] HOST PORT FIRST COUNT
#	faultmail.py check [options] DUMPDIR KEYSFILE[,KEYSFILE...] SPEC
# DESCRIPTION
#	Message N (a number) is always the same bytes: From
#	sender@FROMDOMAIN, Message-ID <N.faults@example.com>, a body whose
#	length depends on N, with a dot-leading line and trailing white
#	space. So the checker knows, from the Message-ID alone, exactly
#	what was sent.
#
#	send delivers messages FIRST to FIRST+COUNT-1 over THREADS SMTP
#	sessions (-t, default 20), many messages per session, as a real
#	MTA's queue would: a 4xx reply, a dropped connection or a refused
#	connect makes it close the session, wait a little and try the same
#	message again on a new one; a 5xx reply is a failure, never
#	retried. Each message accepted (250 after the data) is appended to
#	-a FILE, one number a line, at once (others may follow the
#	progress). It stops after -T seconds (default 300). It prints
#	"sent N, accepted N, 4xx N (at end of data N), disconnects N,
#	refused connects N, 5xx N, in S s" and exits 0 when all were
#	accepted, else 1.
#
#	try sends each message once, one session a message, and prints one
#	line per message: N, the stage (connect, mail, rcpt, data, accepted)
#	and the reply ("250 ..." or "451 4.3.0 ..."), then a summary line
#	"accepted N, 4xx N, 5xx N, other N, max S s" (the longest a
#	message took). Exit 0.
#
#	check reads every smtp-sink dump in DUMPDIR (sinkdump.py's format)
#	and checks that: each carries a Message-ID of this sender, no
#	number came twice, (with -n FIRST:COUNT) every number of that range
#	came and nothing else; each message, without its DKIM-Signature
#	fields and the first Received: field (Postfix's own), is byte for
#	byte the message sent; it carries exactly the DKIM-Signature fields
#	of SPEC (as sinkdump.py expect: DOMAIN/SELECTOR/ALG,...); and each
#	signature passes dkimpy with one of the public key files given
#	(tests/tools/mkkeys.sh format; several files for keys that
#	changed during the run; every signature of one message is tried
#	with every file). It prints up to 10 failures, then "N messages,
#	N good, N bad" and, with -k, how many signatures each key file
#	verified. Exit 0 when all are good and at least one came.
# OPTIONS
#	-f DOMAIN	the From domain (default example.com)
#	-t THREADS	sessions at once (send; default 20)
#	-a FILE		accepted numbers (send)
#	-T SECONDS	give up after (send; default 300)
#	-r RATE		at most RATE messages a second in all (send)
#	-S FILE		send no new message once FILE exists (send); all
#			those begun must be accepted
#	-n FIRST:COUNT	the exact set expected (check)
#	-j JOBS		processes verifying (check; default: CPUs)
#	-k		count the signatures per key file (check)
# LICENSE
#	MIT; see LICENSE in the source distribution.

import argparse
import os
import re
import smtplib
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))


# message - the bytes of message N (CRLF line ends)
def message(n, domain="example.com"):
    lines = [
        "From: Sender <sender@%s>" % domain,
        "To: Receiver <rcpt@receiver.example>",
        "Subject: fault test message %d" % n,
        "Date: Mon, 02 Mar 2026 10:00:00 +0000",
        "Message-ID: <%d.faults@example.com>" % n,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Message %d." % n,
        ".A line that starts with a dot.",
        "Trailing white space:   ",
        "\tand a tab.",
    ]
    lines += ["line %d of %d" % (i, n % 17) for i in range(n % 17)]
    lines += ["", ""]
    return ("\r\n".join(lines) + "\r\n").encode()


MSGID = re.compile(rb"^Message-ID: <([0-9]+)\.faults@example\.com>\r$",
                   re.M | re.I)


class Sender:
    """Sender - the shared state of the send threads"""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.next = args.first
        self.end = args.first + args.count
        self.stats = dict(accepted=0, tempfail=0, tempfail_data=0,
                          disconnect=0, connect=0, permfail=0)
        self.out = open(args.accepted, "a") if args.accepted else None
        self.deadline = time.time() + args.timeout
        self.failed = False

    def take(self):
        with self.lock:
            if self.next >= self.end or self.failed:
                return None
            if self.args.stop and os.path.exists(self.args.stop):
                return None
            n = self.next
            self.next += 1
            return n

    def count(self, what, n=None):
        with self.lock:
            self.stats[what] += 1
            if what == "accepted" and self.out:
                self.out.write("%d\n" % n)
                self.out.flush()

    def connect(self):
        while time.time() < self.deadline:
            try:
                s = smtplib.SMTP(self.args.host, self.args.port,
                                 local_hostname="client.localdomain",
                                 timeout=60)
                code, _ = s.ehlo()
                if code == 250:
                    return s
                s.close()
            except (OSError, smtplib.SMTPException):
                pass
            self.count("connect")
            time.sleep(0.05)
        return None

    def send_one(self, s, n, msg):
        """send_one - 'ok', 'retry' or 'fail' for one attempt"""
        try:
            s.sendmail("sender@%s" % self.args.domain,
                       ["rcpt@receiver.example"], msg)
            self.count("accepted", n)
            return "ok"
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
            stage = "rcpt"
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                smtplib.SMTPResponseException) as e:
            code = e.smtp_code
            stage = "data" if isinstance(e, smtplib.SMTPDataError) else "mail"
        except (OSError, smtplib.SMTPServerDisconnected):
            self.count("disconnect")
            return "retry"
        if 400 <= code < 500:
            self.count("tempfail")
            if stage == "data":
                self.count("tempfail_data")
            return "retry"
        self.count("permfail")
        sys.stderr.write("message %d: %d at %s: not retried\n"
                         % (n, code, stage))
        return "fail"

    def worker(self):
        s = None
        n = self.take()
        gap = self.args.threads / self.args.rate if self.args.rate else 0
        t = time.time()
        while n is not None and time.time() < self.deadline:
            if s is None and (s := self.connect()) is None:
                break
            r = self.send_one(s, n, message(n, self.args.domain))
            if r == "ok":
                t += gap
                if t > time.time():
                    time.sleep(t - time.time())
                n = self.take()
                continue
            try:
                s.close()
            except OSError:
                pass
            s = None
            if r == "fail":
                with self.lock:
                    self.failed = True
                break
            time.sleep(0.05)
        if s is not None:
            try:
                s.quit()
            except (OSError, smtplib.SMTPException):
                pass


def cmd_send(args):
    t0 = time.time()
    snd = Sender(args)
    threads = [threading.Thread(target=snd.worker)
               for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = snd.stats
    print("sent %d, accepted %d, 4xx %d (at end of data %d), disconnects %d, "
          "refused connects %d, 5xx %d, in %.1f s"
          % (snd.next - args.first, st["accepted"], st["tempfail"], st["tempfail_data"],
             st["disconnect"], st["connect"], st["permfail"],
             time.time() - t0))
    want = snd.next - args.first if args.stop else args.count
    return 0 if st["accepted"] == want and not snd.failed else 1


# try_one - one message, one session: (stage, reply)
def try_one(args, n):
    stage = "connect"
    try:
        s = smtplib.SMTP(args.host, args.port,
                         local_hostname="client.localdomain", timeout=120)
        s.ehlo()
        stage = "mail"
        code, text = s.mail("sender@%s" % args.domain)
        if code == 250:
            stage = "rcpt"
            code, text = s.rcpt("rcpt@receiver.example")
        if code == 250:
            stage = "data"
            code, text = s.data(message(n, args.domain))
        if code == 250:
            stage = "accepted"
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
        return stage, "%d %s" % (code, text.decode(errors="replace"))
    except (OSError, smtplib.SMTPException) as e:
        return stage, "error %s" % e


def cmd_try(args):
    res = dict(accepted=0, t=0, p=0, other=0)
    longest = 0.0
    for n in range(args.first, args.first + args.count):
        t0 = time.time()
        stage, reply = try_one(args, n)
        longest = max(longest, time.time() - t0)
        print("%d %s %s" % (n, stage, reply))
        if stage == "accepted":
            res["accepted"] += 1
        elif reply[:1] == "4":
            res["t"] += 1
        elif reply[:1] == "5":
            res["p"] += 1
        else:
            res["other"] += 1
    print("accepted %d, 4xx %d, 5xx %d, other %d, max %.1f s"
          % (res["accepted"], res["t"], res["p"], res["other"], longest))
    return 0


# strip_added - the message without DKIM-Signature fields and the first
# Received: field, each with its continuation lines
def strip_added(msg):
    head, sep, body = msg.partition(b"\r\n\r\n")
    out = []
    skip = False
    received = False
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            if not skip:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skip = name == b"dkim-signature" or (name == b"received"
                                             and not received)
        if name == b"received":
            received = True
        if not skip:
            out.append(line)
    return b"\r\n".join(out) + sep + body


VERIFY = None


# verify_init - a worker's dkimpy and its key look-ups
def verify_init(keyfiles):
    global VERIFY
    import sinkdump
    v = sinkdump.load_dkimpy_verify()
    VERIFY = (v, [v.make_dnsfunc(v.load_keys(k)) for k in keyfiles])


# check_one - (number or None, problem or None, [key file index per sig])
def check_one(item):
    path, want, domain = item
    import dkim
    import sinkdump
    v, dnsfuncs = VERIFY
    try:
        _, msg = sinkdump.dump_to_message(path)
    except SystemExit:
        return None, "%s: not a complete smtp-sink dump" % path, []
    m = MSGID.search(msg.split(b"\r\n\r\n", 1)[0] + b"\r\n")
    if not m:
        return None, "%s: no Message-ID of this test" % path, []
    n = int(m.group(1))
    if strip_added(msg) != message(n, domain):
        return n, "message %d: not delivered as sent" % n, []
    fields = sinkdump.header_fields(msg)
    got = sorted(sinkdump.dkim_tags(val) for name, val in fields
                 if name.lower() == b"dkim-signature")
    if got != want:
        return n, "message %d: DKIM-Signature: want %s, got %s" % (
            n, ",".join(want) or "none", ",".join(got) or "none"), []
    used = []
    for idx in range(len(got)):
        for k, fn in enumerate(dnsfuncs):
            if v.verify_one(msg, idx, fn)[0] == "pass":
                used.append(k)
                break
        else:
            res = v.verify_one(msg, idx, dnsfuncs[0])
            return n, "message %d: signature %d: %s %s" % (
                n, idx, res[0], res[1]), used
    return n, None, used


def cmd_check(args):
    import multiprocessing
    keyfiles = args.keys.split(",")
    want = [] if args.spec == "none" else sorted(args.spec.split(","))
    items = [(os.path.join(args.dumpdir, f), want, args.domain)
             for f in sorted(os.listdir(args.dumpdir))]
    with multiprocessing.Pool(args.jobs or os.cpu_count(), verify_init,
                              (keyfiles,)) as pool:
        results = pool.map(check_one, items, chunksize=64)
    seen = {}
    problems = []
    per_key = [0] * len(keyfiles)
    for n, problem, used in results:
        for k in used:
            per_key[k] += 1
        if problem:
            problems.append(problem)
        if n is not None:
            seen[n] = seen.get(n, 0) + 1
    for n, c in sorted(seen.items()):
        if c > 1:
            problems.append("message %d: delivered %d times" % (n, c))
    if args.range:
        first, count = (int(x) for x in args.range.split(":"))
        expect = set(range(first, first + count))
        missing = sorted(expect - set(seen))
        extra = sorted(set(seen) - expect)
        if missing:
            problems.append("%d messages never delivered, e.g. %s"
                            % (len(missing), missing[:5]))
        if extra:
            problems.append("%d unexpected messages, e.g. %s"
                            % (len(extra), extra[:5]))
    for p in problems[:10]:
        print(p)
    bad = len({p.split(":")[0] for p in problems})
    print("%d messages, %d good, %d bad" % (len(items), len(items) - bad, bad))
    if args.per_key:
        print("signatures verified per key file: %s"
              % ", ".join("%s %d" % (os.path.basename(os.path.dirname(k)) or k,
                                      c) for k, c in zip(keyfiles, per_key)))
    return 0 if not problems and items else 1


def main():
    ap = argparse.ArgumentParser(prog="faultmail.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("send", "try"):
        p = sub.add_parser(name)
        p.add_argument("-f", dest="domain", default="example.com")
        p.add_argument("-t", dest="threads", type=int, default=20)
        p.add_argument("-a", dest="accepted")
        p.add_argument("-T", dest="timeout", type=float, default=300)
        p.add_argument("-S", dest="stop")
        p.add_argument("-r", dest="rate", type=float, default=0)
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("first", type=int)
        p.add_argument("count", type=int)
    p = sub.add_parser("check")
    p.add_argument("-f", dest="domain", default="example.com")
    p.add_argument("-n", dest="range")
    p.add_argument("-j", dest="jobs", type=int, default=0)
    p.add_argument("-k", dest="per_key", action="store_true")
    p.add_argument("dumpdir")
    p.add_argument("keys")
    p.add_argument("spec")
    args = ap.parse_args()
    return {"send": cmd_send, "try": cmd_try, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
