#!/usr/bin/python3
# NAME
#	xcheck-expect.py - every figure of signet dmarc report, asserted
# SYNOPSIS
#	xcheck-expect.py json REPORT.json CASE [WRONG]
#	xcheck-expect.py html REPORT.json DOM.html [TOP]
#	xcheck-expect.py dns REPORT.json CASE
#	xcheck-expect.py html-dns REPORT.json DOM.html
# DESCRIPTION
#	json: compares each figure of the cross-check of example.com (the
#	scenario of tests/dmarc/test-xcheck.sh: CASE "ready" or "wait",
#	the two threshold settings, or "dkim", the policy whose senders
#	are matched by their DKIM signatures) with what it must be, and
#	prints one line per figure: "ok NAME" or "not ok NAME: got X, want
#	Y". With WRONG, the expectation of ours.messages is changed by
#	one, to show that a wrong figure is caught.
#
#	html: every element of the DOM that headless Chromium rendered
#	whose id names a figure (DOMAIN:WHAT:KEY) must show the number of
#	the JSON report; the step and the charts must be there. With TOP
#	(the page of --top 1 under the "dkim" policy), the authorised
#	class shows its largest source and a line for the other one. One
#	line per check, as above.
#
#	dns: the figures that --rdns, --dns and --mx add (CASE "mx-none":
#	other.example's MX is not Google's, the record in DNS differs
#	from the reports; "mx-google": its MX is Google's, the record in
#	DNS is the reports' policy; "mx-config": its MX host ends in a
#	suffix the configuration gives Yahoo). html-dns: the page of the second
#	shows the reverse DNS names, the record in DNS and the domain
#	mapped by MX.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import html.parser
import json
import sys

STAT = ("messages", "spf_pass", "dkim_pass", "dmarc_pass")

CLASSES = {
    "ours": (101, 101, 99, 101, 1, ["Google", "Microsoft", "Yahoo"]),
    "authorised": (7, 7, 0, 7, 1, ["Google"]),
    "forwarder": (6, 0, 4, 4, 1, ["Google", "Microsoft"]),
    "unknown-pass": (11, 0, 11, 11, 1, ["Google", "Yahoo"]),
    "unknown-fail": (12, 0, 0, 0, 1, ["Google", "Microsoft"]),
}

SOURCES = {
    ("192.0.2.25", "ours"): (101, None, None),
    ("198.51.100.10", "authorised"): (7, "crm", None),
    ("203.0.113.50", "forwarder"): (6, None, None),
    ("203.0.113.77", "unknown-pass"):
        (11, None, "add a sender of example.com with networks: [203.0.113.77]"),
    ("198.18.0.66", "unknown-fail"): (12, None, None),
}

REPORTERS = {
    # reported, counted, coverage, alarm
    "Google": (50, 50, 1.0, False),
    "Microsoft": (33, 30, 1.1, True),
    "Yahoo": (18, 20, 0.9, False),
}

SELECTORS = {("example.com", "rsa"): (99, 2), ("example.com", "ed"): (48, 2)}

# The "dkim" policy: crm is known by its d= only (no networks), and esp
# by one key (mkt1._domainkey.example.com); the decoy sender's key is
# not the one crm signs with, and a sender listing example.com itself
# does not turn the forwarder, signed with signet's own selector, into
# a third party.
CLASSES_DKIM = dict(CLASSES)
CLASSES_DKIM["authorised"] = (18, 7, 11, 18, 2, ["Google", "Yahoo"])
CLASSES_DKIM["unknown-pass"] = (0, 0, 0, 0, 0, [])
SOURCES_DKIM = {
    ("192.0.2.25", "ours"): (101, None, None),
    ("203.0.113.77", "authorised"): (11, "esp", None),
    ("198.51.100.10", "authorised"): (7, "crm", None),
    ("203.0.113.50", "forwarder"): (6, None, None),
    ("198.18.0.66", "unknown-fail"): (12, None, None),
}
WHY_DKIM = {
    "203.0.113.77": "sender esp of example.com: signs as d=example.com s=mkt1",
    "198.51.100.10": "sender crm of example.com: signs as d=crm-mail.example "
                     "s=crm1",
}


class Checker:
    def __init__(self):
        self.bad = 0

    def eq(self, name, got, want):
        if isinstance(want, float) and isinstance(got, (int, float)):
            same = abs(got - want) < 0.00005
        else:
            same = got == want
        if same:
            print(f"ok {name}")
        else:
            self.bad += 1
            print(f"not ok {name}: got {got!r}, want {want!r}")


def check_json(c, rep, case, wrong):
    classes = CLASSES_DKIM if case == "dkim" else CLASSES
    sources = SOURCES_DKIM if case == "dkim" else SOURCES
    c.eq("one domain", [d["domain"] for d in rep["domains"]], ["example.com"])
    d = rep["domains"][0]
    c.eq("reports", d["reports"], 3)
    pub = d["published"]
    c.eq("published p, pct, t", (pub["p"], pub["pct"], pub["t"]), ("none", 100, ""))
    for name, want in classes.items():
        got = d["classes"][name]
        w = list(want)
        if wrong and name == "ours":
            w[0] += 1
        for i, k in enumerate(STAT):
            c.eq(f"{name}.{k}", got[k], w[i])
        c.eq(f"{name}.sources", got["sources"], w[4])
        c.eq(f"{name}.reporters", sorted(got["reporters"]), w[5])
        if w[0]:
            c.eq(f"{name}.dmarc_rate", got["dmarc_rate"], round(w[3] / w[0], 4))
    got = {(s["ip"], s["class"]): (s["messages"], s["sender"], s["advice"])
           for s in d["sources"]}
    c.eq("sources", got, sources)
    if case == "dkim":
        got = {s["ip"]: s["why"] for s in d["sources"] if s["ip"] in WHY_DKIM}
        c.eq("why (matched by DKIM)", got, WHY_DKIM)
        c.eq("sources in order", [s["ip"] for s in d["sources"]],
             ["192.0.2.25", "203.0.113.77", "198.51.100.10", "203.0.113.50",
              "198.18.0.66"])
    o = d["ours"]
    c.eq("ours.reported", o["reported"], 101)
    c.eq("ours.counted (all recipients)", o["counted"], 115)
    got = {r["reporter"]: r for r in o["reporters"]}
    c.eq("reporters", sorted(got), sorted(REPORTERS))
    for name, (reported, counted, cov, alarm) in REPORTERS.items():
        r = got.get(name, {})
        c.eq(f"{name}.reported", r.get("reported"), reported)
        c.eq(f"{name}.counted", r.get("counted"), counted)
        c.eq(f"{name}.coverage", r.get("coverage"), cov)
        c.eq(f"{name}.alarm", r.get("alarm"), alarm)
    c.eq("Microsoft recipient domains", got["Microsoft"]["recipient_domains"],
         ["outlook.com", "hotmail.com", "live.com"])
    sel = {(s["domain"], s["selector"]): (s["pass"], s["fail"])
           for s in o["selectors"]}
    c.eq("selectors", sel, SELECTORS)
    alarms = sorted((a["kind"], a["subject"]) for a in d["alarms"])
    c.eq("alarms", alarms, [("dkim-fails-on-ours", "d=example.com s=ed"),
                            ("dkim-fails-on-ours", "d=example.com s=rsa"),
                            ("reported-exceeds-counted", "Microsoft")])
    s = d["step"]
    c.eq("step.current", s["current"], "none")
    c.eq("step.days", s["days"], 1)
    c.eq("step.legitimate", s["legitimate"], 125)
    c.eq("step.legitimate_pass", s["legitimate_pass"], 123)
    c.eq("step.aligned_pass_share", s["aligned_pass_share"], 0.984)
    unknown = (0, 0, 0.0) if case == "dkim" else (1, 11, 0.088)
    c.eq("step.unknown_sources", s["unknown_sources"], unknown[0])
    c.eq("step.unknown_messages", s["unknown_messages"], unknown[1])
    c.eq("step.unknown_share", s["unknown_share"], unknown[2])
    c.eq("step.from_dns (no --dns)", (s["from_dns"], s["dns_note"], d["dns"]),
         (False, None, None))
    c.eq("no --rdns, no --mx", ({x["rdns_status"] for x in d["sources"]},
                                rep["mx"]), ({None}, None))
    if case in ("ready", "dkim"):
        c.eq("step.next", s["next"], "v=DMARC1; p=quarantine; t=y; pct=0")
        c.eq("step.why_not", s["why_not"], [])
    else:
        c.eq("step.next", s["next"], None)
        c.eq("step.why_not", s["why_not"], [
            "reports on 1 day at the policy now published; wait for 14",
            "11 messages (8.80% of the legitimate mail, above 5.00%) came "
            "from 1 source the policy does not know: add them (see "
            "unknown, passing)"])
    day = rep["domains"][0]["timeline"]["classes"]
    c.eq("timeline: ours per day", sum(p["messages"] for p in day["ours"]), 101)
    tl = d["timeline"]["reporters"]
    c.eq("timeline: Microsoft per day",
         sum(p["messages"] for p in tl["Microsoft"]), 33 + 2 + 3)


class Ids(html.parser.HTMLParser):
    """The text of every element with an id, and the tags seen."""

    def __init__(self):
        super().__init__()
        self.ids, self.stack, self.tags = {}, [], {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        self.stack.append(a.get("id"))
        if a.get("id"):
            self.ids[a["id"]] = ""

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.ids[i] += data


def check_html_top(c, rep, ids):
    n = rep["domains"][0]["domain"]
    c.eq("html --top 1: the larger authorised source is shown",
         ids.get(f"{n}:source:203.0.113.77:authorised:messages"), "11")
    c.eq("html --top 1: the smaller one is not",
         f"{n}:source:198.51.100.10:authorised:messages" in ids, False)
    c.eq("html --top 1: 1 more authorised source",
         ids.get(f"{n}:more:authorised:sources"), "1")
    c.eq("html --top 1: with 7 messages",
         ids.get(f"{n}:more:authorised:messages"), "7")
    c.eq("html --top 1: no line for a class shown whole",
         [k for k in ids if ":more:" in k],
         [f"{n}:more:authorised:sources", f"{n}:more:authorised:messages"])
    c.eq("html --top 1: the class total is all of it",
         ids.get(f"{n}:class:authorised:messages"), "18")


def check_html(c, rep, dom, top):
    p = Ids()
    p.feed(dom)
    d = rep["domains"][0]
    n = d["domain"]
    ids = p.ids
    if top:
        check_html_top(c, rep, ids)
        return
    for name, st in d["classes"].items():
        c.eq(f"html {name} messages", ids.get(f"{n}:class:{name}:messages"),
             str(st["messages"]))
        c.eq(f"html {name} sources", ids.get(f"{n}:class:{name}:sources"),
             str(st["sources"]))
    total = sum(st["messages"] for st in d["classes"].values())
    c.eq("html total messages", ids.get(f"{n}:class:total:messages"), str(total))
    for r in d["ours"]["reporters"]:
        c.eq(f"html {r['reporter']} reported",
             ids.get(f"{n}:reporter:{r['reporter']}:reported"), str(r["reported"]))
        c.eq(f"html {r['reporter']} counted",
             ids.get(f"{n}:reporter:{r['reporter']}:counted"), str(r["counted"]))
    c.eq("html ours counted", ids.get(f"{n}:ours:counted"),
         str(d["ours"]["counted"]))
    for s in d["ours"]["selectors"]:
        c.eq(f"html selector {s['selector']} fail",
             ids.get(f"{n}:selector:{s['domain']}:{s['selector']}:fail"),
             str(s["fail"]))
    for s in d["sources"]:
        c.eq(f"html source {s['ip']}",
             ids.get(f"{n}:source:{s['ip']}:{s['class']}:messages"),
             str(s["messages"]))
    c.eq("html step share", ids.get(f"{n}:step:share"), "98.40%")
    c.eq("html step next", ids.get(f"{n}:step:next"), d["step"]["next"])
    for chart in ("class-volume", "class-rate", "reporter-volume",
                  "reporter-rate"):
        c.eq(f"html chart {chart}", f"{n}:chart:{chart}" in ids, True)
    c.eq("html svg charts", p.tags.get("svg"), 4)
    c.eq("html no script, no external resource",
         (p.tags.get("script", 0), p.tags.get("link", 0), p.tags.get("img", 0)),
         (0, 0, 0))


def check_mx_config(c, rep):
    d = rep["domains"][0]
    c.eq("mx lookups", rep["mx"], [{
        "domain": "other.example", "mx": "in1.smtp.hosted-mail.example",
        "reporter": "Yahoo", "status": "ok"}])
    r = {x["reporter"]: x for x in d["ours"]["reporters"]}
    c.eq("Yahoo mx_recipient_domains", r["Yahoo"]["mx_recipient_domains"],
         ["other.example"])
    c.eq("Yahoo counted, coverage", (r["Yahoo"]["counted"],
                                     r["Yahoo"]["coverage"]), (35, 0.5143))
    c.eq("Google, Microsoft counted (unchanged)",
         (r["Google"]["counted"], r["Microsoft"]["counted"]), (50, 30))


def check_dns(c, rep, case):
    if case == "mx-config":
        check_mx_config(c, rep)
        return
    d = rep["domains"][0]
    google = case == "mx-google"
    rdns = {s["ip"]: (s["rdns"], s["rdns_confirmed"], s["rdns_status"])
            for s in d["sources"]}
    c.eq("rdns", rdns, {
        "192.0.2.25": ("mta.example.com", True, "ok"),
        "198.51.100.10": ("mail.crm-mail.example", False, "ok"),
        "203.0.113.50": ("relay.lists.example", True, "ok"),
        "203.0.113.77": (None, None, "nxdomain"),
        "198.18.0.66": ("second.spoof.example", True, "ok"),
    })
    c.eq("mx lookups", rep["mx"], [{
        "domain": "other.example",
        "mx": "aspmx.l.google.com" if google else "mx1.notgoogle.com",
        "reporter": "Google" if google else None, "status": "ok"}])
    r = {x["reporter"]: x for x in d["ours"]["reporters"]}
    g = r["Google"]
    c.eq("Google mx_recipient_domains", g["mx_recipient_domains"],
         ["other.example"] if google else [])
    c.eq("Google recipient_domains", g["recipient_domains"],
         ["gmail.com", "googlemail.com"] + (["other.example"] if google else []))
    c.eq("Google counted", g["counted"], 65 if google else 50)
    c.eq("Google coverage", g["coverage"], 0.7692 if google else 1.0)
    c.eq("Microsoft, Yahoo counted (unchanged)",
         (r["Microsoft"]["counted"], r["Yahoo"]["counted"]), (30, 20))
    c.eq("ours.counted (all recipients, unchanged)", d["ours"]["counted"], 115)
    dns = d["dns"]
    s = d["step"]
    c.eq("dns.state, owner", (dns["state"], dns["owner"]),
         ("found", "example.com"))
    if google:
        c.eq("dns.record", dns["record"],
             "v=DMARC1; p=none; rua=mailto:dmarc@example.com")
        c.eq("dns.published p, t", (dns["published"]["p"],
                                    dns["published"]["t"]), ("none", ""))
        c.eq("step from DNS, same as the reports",
             (s["from_dns"], s["dns_note"], s["current"], s["days"]),
             (True, None, "none", 1))
        c.eq("step.next", s["next"], "v=DMARC1; p=quarantine; t=y; pct=0")
        c.eq("step.why_not", s["why_not"], [])
    else:
        c.eq("dns.record", dns["record"],
             "v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc@example.com")
        c.eq("dns.published p, t", (dns["published"]["p"],
                                    dns["published"]["t"]), ("quarantine", "y"))
        c.eq("step from DNS, which differs from the reports",
             (s["from_dns"], s["current"], s["days"]),
             (True, "quarantine-test", 0))
        c.eq("step.dns_note", s["dns_note"],
             "DNS publishes p=quarantine; t=y, the newest report shows "
             "p=none; pct=100: the record changed after it, and the step "
             "starts from the record in DNS")
        c.eq("step.next", s["next"], None)
        c.eq("step.why_not", s["why_not"], [
            "reports on 0 days at the policy now published; wait for 1"])


def check_html_dns(c, rep, dom):
    p = Ids()
    p.feed(dom)
    ids = p.ids
    n = rep["domains"][0]["domain"]
    for ip, cls, want in (("192.0.2.25", "ours",
                           "mta.example.com (forward-confirmed)"),
                          ("198.51.100.10", "authorised",
                           "mail.crm-mail.example (not forward-confirmed)"),
                          ("203.0.113.77", "unknown-pass", "no name (nxdomain)")):
        c.eq(f"html rdns of {ip}", ids.get(f"{n}:source:{ip}:{cls}:rdns"), want)
    c.eq("html record in DNS", ids.get(f"{n}:dns:record"),
         "v=DMARC1; p=none; rua=mailto:dmarc@example.com")
    c.eq("html policy in DNS", ids.get(f"{n}:dns:policy"), "p=none")
    c.eq("html Google by MX", ids.get(f"{n}:reporter:Google:mx"), "other.example")
    c.eq("html Google counted", ids.get(f"{n}:reporter:Google:counted"), "65")


def main():
    c = Checker()
    with open(sys.argv[2]) as f:
        rep = json.load(f)
    if sys.argv[1] == "json":
        check_json(c, rep, sys.argv[3], len(sys.argv) > 4)
    elif sys.argv[1] == "dns":
        check_dns(c, rep, sys.argv[3])
    elif sys.argv[1] == "html-dns":
        with open(sys.argv[3]) as f:
            check_html_dns(c, rep, f.read())
    else:
        with open(sys.argv[3]) as f:
            check_html(c, rep, f.read(), len(sys.argv) > 4)
    sys.exit(1 if c.bad else 0)


main()
