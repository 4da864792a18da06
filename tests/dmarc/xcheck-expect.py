#!/usr/bin/python3
# NAME
#	xcheck-expect.py - every figure of signet dmarc report, asserted
# SYNOPSIS
#	xcheck-expect.py json REPORT.json CASE [WRONG]
#	xcheck-expect.py html REPORT.json DOM.html
# DESCRIPTION
#	json: compares each figure of the cross-check of example.com (the
#	scenario of tests/dmarc/test-xcheck.sh: CASE "ready" or "wait",
#	the two threshold settings) with what it must be, and prints one
#	line per figure: "ok NAME" or "not ok NAME: got X, want Y". With
#	WRONG, the expectation of ours.messages is changed by one, to show
#	that a wrong figure is caught.
#
#	html: every element of the DOM that headless Chromium rendered
#	whose id names a figure (DOMAIN:WHAT:KEY) must show the number of
#	the JSON report; the step and the charts must be there. One line
#	per check, as above.
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
    c.eq("one domain", [d["domain"] for d in rep["domains"]], ["example.com"])
    d = rep["domains"][0]
    c.eq("reports", d["reports"], 3)
    pub = d["published"]
    c.eq("published p, pct, t", (pub["p"], pub["pct"], pub["t"]), ("none", 100, ""))
    for name, want in CLASSES.items():
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
    c.eq("sources", got, SOURCES)
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
    c.eq("step.unknown_sources", s["unknown_sources"], 1)
    c.eq("step.unknown_messages", s["unknown_messages"], 11)
    c.eq("step.unknown_share", s["unknown_share"], 0.088)
    if case == "ready":
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


def check_html(c, rep, dom):
    p = Ids()
    p.feed(dom)
    d = rep["domains"][0]
    n = d["domain"]
    ids = p.ids
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


def main():
    c = Checker()
    with open(sys.argv[2]) as f:
        rep = json.load(f)
    if sys.argv[1] == "json":
        check_json(c, rep, sys.argv[3], len(sys.argv) > 4)
    else:
        with open(sys.argv[3]) as f:
            check_html(c, rep, f.read())
    sys.exit(1 if c.bad else 0)


main()
