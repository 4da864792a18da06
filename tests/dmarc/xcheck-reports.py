#!/usr/bin/python3
# NAME
#	xcheck-reports.py - aggregate reports as Google, Microsoft and Yahoo
#	write them, for tests/dmarc/test-xcheck.sh
# SYNOPSIS
#	xcheck-reports.py OUTDIR BEGIN END [N]
# DESCRIPTION
#	Writes three reports for example.com covering [BEGIN, END) (Unix
#	seconds, UTC), in the shapes of the real ones in
#	../shared/dmarc-samples/realworld-anonymised:
#
#	google.zip	org_name google.com, no <version>, <np>, end one
#			second before the next day; a zip holding the XML
#	microsoft.xml.gz	org_name Outlook.com, <version>1.0</version>,
#			xsd/xsi namespaces, rows split by <envelope_to>,
#			<scope>mfrom</scope>, end at midnight; gzip
#	yahoo.xml.gz	org_name Yahoo, report id with a dot, tabs at line
#			ends, no <sp>; gzip
#
#	The sources (192.0.2.25 is our egress, 198.51.100.10 the policy's
#	crm sender, 203.0.113.50 a forwarder, 203.0.113.77 a platform the
#	policy does not know, 198.18.0.66 a spoofer) and the counts are
#	those test-xcheck.sh expects.
#
#	With N, also bulk.xml: a report for bulk.example with N rows from
#	N addresses, 198.19.I.J (I = k / 250, J = k % 250 + 1 for row k),
#	and one from 2001:db8::25, one message each, for the reverse DNS
#	lookups of many sources.
# LICENSE
#	MIT; see LICENSE in the source distribution.

import gzip
import sys
import zipfile

OURS, CRM, FWD, ESP, SPOOF = ("192.0.2.25", "198.51.100.10", "203.0.113.50",
                              "203.0.113.77", "198.18.0.66")


def record(ip, count, pe_dkim, pe_spf, dkims, spfs, envelope_to=None,
           reason=None, scope=False):
    """One <record>: dkims [(domain, selector, result)], spfs [(domain,
    result)]."""
    out = ["  <record>", "    <row>", f"      <source_ip>{ip}</source_ip>",
           f"      <count>{count}</count>", "      <policy_evaluated>",
           "        <disposition>none</disposition>",
           f"        <dkim>{pe_dkim}</dkim>", f"        <spf>{pe_spf}</spf>"]
    if reason:
        out += ["        <reason>", f"          <type>{reason}</type>",
                "        </reason>"]
    out += ["      </policy_evaluated>", "    </row>", "    <identifiers>"]
    if envelope_to:
        out.append(f"      <envelope_to>{envelope_to}</envelope_to>")
        out.append("      <envelope_from>example.com</envelope_from>")
    out += ["      <header_from>example.com</header_from>", "    </identifiers>",
            "    <auth_results>"]
    for d, s, r in dkims:
        out += ["      <dkim>", f"        <domain>{d}</domain>",
                f"        <selector>{s}</selector>",
                f"        <result>{r}</result>", "      </dkim>"]
    for d, r in spfs:
        out += ["      <spf>", f"        <domain>{d}</domain>"]
        if scope:
            out.append("        <scope>mfrom</scope>")
        out += [f"        <result>{r}</result>", "      </spf>"]
    out += ["    </auth_results>", "  </record>"]
    return out


def google(begin, end):
    head = ["<?xml version=\"1.0\" encoding=\"UTF-8\" ?>", "<feedback>",
            "  <report_metadata>", "    <org_name>google.com</org_name>",
            "    <email>noreply-dmarc-support@google.com</email>",
            "    <extra_contact_info>https://support.google.com/a/answer/2466580"
            "</extra_contact_info>",
            "    <report_id>16407865876443493268</report_id>",
            "    <date_range>", f"      <begin>{begin}</begin>",
            f"      <end>{end - 1}</end>", "    </date_range>",
            "  </report_metadata>", "  <policy_published>",
            "    <domain>example.com</domain>", "    <adkim>r</adkim>",
            "    <aspf>r</aspf>", "    <p>none</p>", "    <sp>none</sp>",
            "    <pct>100</pct>", "    <np>none</np>", "  </policy_published>"]
    both = [("example.com", "rsa", "pass"), ("example.com", "ed", "pass")]
    rows = (record(OURS, 48, "pass", "pass", both, [("example.com", "pass")])
            + record(OURS, 2, "fail", "pass",
                     [("example.com", "rsa", "fail"), ("example.com", "ed", "fail")],
                     [("example.com", "pass")])
            + record(CRM, 7, "fail", "pass", [("crm-mail.example", "crm1", "pass")],
                     [("example.com", "pass")])
            + record(FWD, 4, "pass", "fail", [("example.com", "rsa", "pass")],
                     [("example.com", "fail")])
            + record(ESP, 6, "pass", "fail", [("example.com", "mkt1", "pass")],
                     [("bounce.esp.example", "pass")])
            + record(SPOOF, 9, "fail", "fail", [], [("example.com", "fail")]))
    return "\n".join(head + rows + ["</feedback>", ""])


def microsoft(begin, end):
    head = ["<?xml version=\"1.0\"?>",
            "<feedback xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
            "  <version>1.0</version>", "  <report_metadata>",
            "    <org_name>Outlook.com</org_name>",
            "    <email>dmarcreport@microsoft.com</email>",
            "    <report_id>92fb20a53f784b4db493edf7bdac2192</report_id>",
            "    <date_range>", f"      <begin>{begin}</begin>",
            f"      <end>{end}</end>", "    </date_range>",
            "  </report_metadata>", "  <policy_published>",
            "    <domain>example.com</domain>", "    <adkim>r</adkim>",
            "    <aspf>r</aspf>", "    <p>none</p>", "    <sp>none</sp>",
            "    <pct>100</pct>", "    <fo>0</fo>", "  </policy_published>"]
    rsa = [("example.com", "rsa", "pass")]
    spf = [("example.com", "pass")]
    rows = (record(OURS, 16, "pass", "pass", rsa, spf, "outlook.com", scope=True)
            + record(OURS, 11, "pass", "pass", rsa, spf, "hotmail.com", scope=True)
            + record(OURS, 6, "pass", "pass", rsa, spf, "live.com", scope=True)
            + record(FWD, 2, "fail", "fail", [("example.com", "rsa", "fail")],
                     [("example.com", "softfail")], "hotmail.com",
                     reason="mailing_list", scope=True)
            + record(SPOOF, 3, "fail", "fail", [], [("example.com", "fail")],
                     "outlook.com", scope=True))
    return "\n".join(head + rows + ["</feedback>"])


def yahoo(begin, end):
    head = ["<?xml version=\"1.0\"?>", "<feedback>", "  <report_metadata>",
            "    <org_name>Yahoo</org_name>",
            "    <email>dmarchelp@yahooinc.com</email>",
            f"    <report_id>{begin + 3812}.289931</report_id>",
            "    <date_range>", f"      <begin>{begin}</begin>",
            f"      <end>{end - 1}</end>", "    </date_range>",
            "  </report_metadata>", "  <policy_published>",
            "    <domain>example.com</domain>", "    <adkim>r</adkim>",
            "    <aspf>r</aspf>", "    <p>none</p>", "    <pct>100</pct>",
            "  </policy_published>"]
    rows = (record(OURS, 18, "pass", "pass", [("example.com", "rsa", "pass")],
                   [("example.com", "pass")])
            + record(ESP, 5, "pass", "fail", [("example.com", "mkt1", "pass")],
                     [("bounce.esp.example", "pass")]))
    return "\t\n".join(head + rows + ["</feedback>", ""])


def bulk(begin, end, n):
    head = ["<?xml version=\"1.0\"?>", "<feedback>", "  <report_metadata>",
            "    <org_name>google.com</org_name>",
            "    <email>noreply-dmarc-support@google.com</email>",
            f"    <report_id>bulk-{begin}</report_id>", "    <date_range>",
            f"      <begin>{begin}</begin>", f"      <end>{end - 1}</end>",
            "    </date_range>", "  </report_metadata>",
            "  <policy_published>", "    <domain>bulk.example</domain>",
            "    <p>none</p>", "  </policy_published>"]
    rows = []
    for k in range(n):
        rows += record(f"198.19.{k // 250}.{k % 250 + 1}", 1, "fail", "fail",
                       [], [("bulk.example", "fail")])
    rows += record("2001:db8::25", 1, "fail", "fail", [],
                   [("bulk.example", "fail")])
    return "\n".join(head + rows + ["</feedback>", ""]).replace(
        "<header_from>example.com<", "<header_from>bulk.example<")


def main():
    out, begin, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if len(sys.argv) > 4:
        with open(f"{out}/bulk.xml", "w") as f:
            f.write(bulk(begin, end, int(sys.argv[4])))
    name = f"google.com!example.com!{begin}!{end - 1}"
    with zipfile.ZipFile(f"{out}/google.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name + ".xml", google(begin, end))
    with gzip.open(f"{out}/microsoft.xml.gz", "wt") as f:
        f.write(microsoft(begin, end))
    with gzip.open(f"{out}/yahoo.xml.gz", "wt") as f:
        f.write(yahoo(begin, end))


main()
