/*++
/* NAME
/*	xcheck_html 3
/* SUMMARY
/*	signet dmarc report --format html
/* SYNOPSIS
/*	#include "cli/xcheck_print.h"
/*
/*	void	xcheck_print_html(FILE *fp, const struct xcheck *xc)
/* DESCRIPTION
/*	xcheck_print_html() writes one self-contained HTML page: inline
/*	CSS, inline SVG charts, no script and nothing fetched from
/*	elsewhere, so that it can be mailed or archived as it is. Per
/*	policy domain: the published policy and the step to take; the
/*	alarms; the classes; volume and DMARC pass rate per day, per
/*	class and per reporter; our addresses per reporter against
/*	signet's counts (and the recipient domains mapped by MX); DKIM
/*	per selector; the largest source addresses of each class
/*	(xc->opt.top, 0: all) with their reverse DNS names, and a line
/*	with how many more there are and their messages.
/*
/*	Each figure sits in an element whose id names it, DOMAIN:WHAT
/*	(example.com:class:ours:messages, example.com:reporter:Google:
/*	counted, example.com:step:next, example.com:source:192.0.2.25:
/*	ours:rdns, example.com:more:forwarder:sources and :messages,
/*	example.com:dns:record, example.com:step:dns-note,
/*	example.com:reporter:Google:mx), so that tests and scripts can
/*	find it.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/xcheck_print.h"
#include "cli/xcheck_svg.h"

static const char *const class_colours[XC_NCLASS] = {
	"#2b6cb0", "#38a169", "#d69e2e", "#805ad5", "#e53e3e",
};

static const char *const palette[] = {
	"#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e", "#319795",
	"#b7791f", "#d53f8c",
};

#define NPALETTE	(sizeof(palette) / sizeof(palette[0]))

static const char css[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1a202c}"
"h1{font-size:1.5em}h2{border-bottom:2px solid #cbd5e0;margin-top:2em}"
"table{border-collapse:collapse;margin:1em 0}"
"td,th{padding:3px 10px;border-bottom:1px solid #e2e8f0;text-align:left}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
"tr.total td{font-weight:bold;border-top:2px solid #a0aec0}"
".alarm{background:#fff5f5;border-left:4px solid #e53e3e;padding:.5em 1em;margin:.5em 0}"
".step{background:#f0fff4;border-left:4px solid #38a169;padding:.5em 1em}"
".wait{background:#fffff0;border-left:4px solid #d69e2e;padding:.5em 1em}"
"figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-weight:bold}"
".axis{stroke:#718096}.lbl{font-size:11px;fill:#4a5568}"
".legend span{margin-right:1em}"
".legend i{display:inline-block;width:10px;height:10px;margin-right:4px}"
"code{background:#edf2f7;padding:1px 4px}";

/* cell - a number cell with its id */

static void
cell(FILE *fp, const char *dom, const char *what, const char *key,
     long long v)
{
	fputs("<td class=\"n\" id=\"", fp);
	xp_html(fp, dom);
	putc(':', fp);
	xp_html(fp, what);
	putc(':', fp);
	xp_html(fp, key);
	fprintf(fp, "\">%lld</td>", v);
}

/* span - text in an element with an id */

static void
span(FILE *fp, const char *tag, const char *dom, const char *what,
     const char *text)
{
	fprintf(fp, "<%s id=\"", tag);
	xp_html(fp, dom);
	putc(':', fp);
	xp_html(fp, what);
	fputs("\">", fp);
	xp_html(fp, text);
	fprintf(fp, "</%s>", tag);
}

/* share_cell - a share cell */

static void
share_cell(FILE *fp, long long part, long long whole)
{
	char    text[16];

	xp_percent(xc_rate(part, whole), text, sizeof(text));
	fprintf(fp, "<td class=\"n\">%s</td>", text);
}

/* html_classes - the class table with its total */

static void
html_classes(FILE *fp, const struct xc_domain *d)
{
	struct xc_stat t;
	char    what[64];
	long    n = 0;
	int     c;

	memset(&t, 0, sizeof(t));
	fputs("<table><tr><th>source class</th><th class=\"n\">messages</th>"
	      "<th class=\"n\">sources</th><th class=\"n\">SPF</th><th class=\"n\">"
	      "DKIM</th><th class=\"n\">DMARC</th><th>reporters</th></tr>\n", fp);
	for (c = 0; c <= XC_NCLASS; c++) {
		const struct xc_stat *st = c < XC_NCLASS ? &d->cls[c] : &t;
		size_t  i;

		(void) snprintf(what, sizeof(what), "class:%s",
				c < XC_NCLASS ? xc_class_name(c) : "total");
		fprintf(fp, "<tr%s><td>%s</td>", c < XC_NCLASS ? "" : " class=\"total\"",
			c < XC_NCLASS ? xc_class_title(c) : "total");
		cell(fp, d->name, what, "messages", st->messages);
		cell(fp, d->name, what, "sources", c < XC_NCLASS ? d->nsources[c] : n);
		share_cell(fp, st->spf_pass, st->messages);
		share_cell(fp, st->dkim_pass, st->messages);
		share_cell(fp, st->dmarc_pass, st->messages);
		fputs("<td>", fp);
		for (i = 0; c < XC_NCLASS && i < d->cls_reporters[c].n; i++) {
			fputs(i ? ", " : "", fp);
			xp_html(fp, d->cls_reporters[c].v[i]);
		}
		fputs("</td></tr>\n", fp);
		if (c < XC_NCLASS) {
			xc_stat_add(&t, &d->cls[c]);
			n += d->nsources[c];
		}
	}
	fputs("</table>\n", fp);
}

/* html_ours - our addresses per reporter, DKIM per selector */

static void
html_ours(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	const struct xc_names *mx;
	const struct xc_reporter *r;
	char    what[128];
	size_t  i;

	fputs("<h3>Our addresses: reported against counted</h3>\n<table><tr>"
	      "<th>reporter</th><th class=\"n\">reported</th><th class=\"n\">"
	      "counted</th><th class=\"n\">coverage</th><th></th></tr>\n", fp);
	for (i = 0; i < d->nrep; i++) {
		r = &d->rep[i];
		(void) snprintf(what, sizeof(what), "reporter:%s", r->label);
		fputs("<tr><td>", fp);
		xp_html(fp, r->label);
		fputs("</td>", fp);
		cell(fp, d->name, what, "reported", r->cls[XC_OURS].messages);
		if (r->map) {
			cell(fp, d->name, what, "counted", r->counted);
			share_cell(fp, r->cls[XC_OURS].messages, r->counted);
		} else {
			fputs("<td class=\"n\">-</td><td class=\"n\">-</td>", fp);
		}
		fprintf(fp, "<td>%s", r->alarm ? "ALARM " : r->map ? ""
			: "no recipient domains mapped");
		mx = r->map && xc->mx_rcpt ? &xc->mx_rcpt[r->map - xc->map] : NULL;
		if (mx && mx->n) {
			struct buf b = BUF_INIT;
			size_t  k;

			for (k = 0; k < mx->n; k++)
				buf_printf(&b, "%s%s", k ? ", " : "", mx->v[k]);
			fputs("counted includes by MX: ", fp);
			(void) snprintf(what, sizeof(what), "reporter:%s:mx", r->label);
			span(fp, "span", d->name, what, b.data);
			buf_free(&b);
		}
		fputs("</td></tr>\n", fp);
	}
	fputs("<tr class=\"total\"><td>all recipients</td>", fp);
	cell(fp, d->name, "ours", "reported", d->ours_reported);
	cell(fp, d->name, "ours", "counted", d->counted);
	share_cell(fp, d->ours_reported, d->counted);
	fputs("<td></td></tr></table>\n<table><tr><th>DKIM on our addresses</th>"
	      "<th class=\"n\">pass</th><th class=\"n\">fail</th></tr>\n", fp);
	for (i = 0; i < d->nsel; i++) {
		(void) snprintf(what, sizeof(what), "selector:%s:%s", d->sel[i].domain,
				d->sel[i].selector);
		fputs("<tr><td>d=", fp);
		xp_html(fp, d->sel[i].domain);
		fputs(" s=", fp);
		xp_html(fp, *d->sel[i].selector ? d->sel[i].selector : "(none)");
		fputs("</td>", fp);
		cell(fp, d->name, what, "pass", d->sel[i].pass);
		cell(fp, d->name, what, "fail", d->sel[i].fail);
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* html_more - the line for the sources of a class not shown */

static void
html_more(FILE *fp, const struct xc_domain *d, enum xc_class c, long more,
	  long long msgs)
{
	char    what[64], num[32];

	fprintf(fp, "<tr class=\"more\"><td>%s</td><td colspan=\"5\">",
		xc_class_name(c));
	(void) snprintf(what, sizeof(what), "more:%s:sources", xc_class_name(c));
	(void) snprintf(num, sizeof(num), "%ld", more);
	span(fp, "span", d->name, what, num);
	fprintf(fp, " more source%s, ", more == 1 ? "" : "s");
	(void) snprintf(what, sizeof(what), "more:%s:messages", xc_class_name(c));
	(void) snprintf(num, sizeof(num), "%lld", msgs);
	span(fp, "span", d->name, what, num);
	fprintf(fp, " message%s (all of them: --format json or csv, or "
		"--top 0)</td></tr>\n", msgs == 1 ? "" : "s");
}

/* html_sources - the largest source addresses of each class */

static void
html_sources(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	const struct xc_source *s;
	char    what[96], name[300];
	long long msgs;
	long    more;
	size_t  i, j;

	fputs("<h3>Sources</h3>\n<table><tr><th>class</th><th>address</th>"
	      "<th class=\"n\">messages</th><th class=\"n\">DMARC</th>"
	      "<th>reporters</th><th>why / what to do</th></tr>\n", fp);
	for (i = 0; i < d->nsrc; i++) {
		s = d->src[i];
		if (!xp_shown(xc, d, i, &more, &msgs)) {
			if (more > 0)
				html_more(fp, d, s->cls, more, msgs);
			continue;
		}
		(void) snprintf(what, sizeof(what), "source:%s:%s", s->ip,
				xc_class_name(s->cls));
		fprintf(fp, "<tr><td>%s</td><td>%s", xc_class_name(s->cls), s->ip);
		if (xp_rdns(s, name, sizeof(name))) {
			fputs("<br>", fp);
			(void) snprintf(what, sizeof(what), "source:%s:%s:rdns", s->ip,
					xc_class_name(s->cls));
			span(fp, "small", d->name, what, name);
			(void) snprintf(what, sizeof(what), "source:%s:%s", s->ip,
					xc_class_name(s->cls));
		}
		fputs("</td>", fp);
		cell(fp, d->name, what, "messages", s->st.messages);
		share_cell(fp, s->st.dmarc_pass, s->st.messages);
		fputs("<td>", fp);
		for (j = 0; j < s->reporters.n; j++) {
			fputs(j ? ", " : "", fp);
			xp_html(fp, s->reporters.v[j]);
		}
		fputs("</td><td>", fp);
		xp_html(fp, s->why);
		if (s->advice) {
			fputs("<br><b>", fp);
			xp_html(fp, s->advice);
			fputs("</b>", fp);
		}
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* html_dns - the DMARC record in DNS now */

static void
html_dns(FILE *fp, const struct xc_domain *d)
{
	const struct xc_dnspolicy *dp = &d->dns;
	char    text[128];
	size_t  i;

	if (dp->state == XC_DNS_NOT_ASKED)
		return;
	fputs("<p>In DNS now: ", fp);
	switch (dp->state) {
	case XC_DNS_FAILED:
		span(fp, "span", d->name, "dns:error", dp->error);
		break;
	case XC_DNS_NONE:
		span(fp, "span", d->name, "dns:record", "no DMARC record");
		break;
	case XC_DNS_SEVERAL:
		span(fp, "span", d->name, "dns:record", "several DMARC records "
		     "(none applies)");
		break;
	default:
		xp_pub_text(&dp->pub, text, sizeof(text));
		span(fp, "code", d->name, "dns:policy", text);
		fputs(", from ", fp);
		span(fp, "code", d->name, "dns:record", dp->record);
		if (strcmp(dp->owner, d->name) != 0) {
			fputs(" (the record of ", fp);
			xp_html(fp, dp->owner);
			fputs(")", fp);
		}
		break;
	}
	fputs("</p>\n", fp);
	for (i = 0; i < dp->problems.n; i++) {
		fputs("<p class=\"wait\">DNS: ", fp);
		xp_html(fp, dp->problems.v[i]);
		fputs("</p>\n", fp);
	}
}

/* html_step - the published policy and the next step */

static void
html_step(FILE *fp, const struct xc_domain *d)
{
	const struct xc_step *s = &d->step;
	char    a[16];
	size_t  i;

	html_dns(fp, d);
	fprintf(fp, "<p>Published%s: <code>p=%s", d->dns.state == XC_DNS_NOT_ASKED ?
		"" : ", as the newest report shows", d->pub.p);
	if (*d->pub.sp)
		fprintf(fp, "; sp=%s", d->pub.sp);
	if (d->pub.pct >= 0)
		fprintf(fp, "; pct=%d", d->pub.pct);
	if (*d->pub.testing)
		fprintf(fp, "; t=%s", d->pub.testing);
	xp_percent(s->pass_share, a, sizeof(a));
	fprintf(fp, "</code>, %d day%s of reports at it; <span id=\"", s->days,
		s->days == 1 ? "" : "s");
	xp_html(fp, d->name);
	fprintf(fp, ":step:share\">%s</span> of %lld legitimate messages pass "
		"DMARC aligned.</p>\n", a, s->legit);
	if (s->dns_note) {
		fputs("<p class=\"wait\">", fp);
		span(fp, "span", d->name, "step:dns-note", s->dns_note);
		fputs("</p>\n", fp);
	}
	if (s->next) {
		fputs("<p class=\"step\">Next: publish <code id=\"", fp);
		xp_html(fp, d->name);
		fputs(":step:next\">", fp);
		xp_html(fp, s->next);
		fputs("</code><br>", fp);
		xp_html(fp, s->note);
		fputs("</p>\n", fp);
	}
	for (i = 0; i < s->why_not.n; i++) {
		fputs("<p class=\"wait\">Not yet: ", fp);
		xp_html(fp, s->why_not.v[i]);
		fputs("</p>\n", fp);
	}
	for (i = 0; i < d->nalarms; i++) {
		fputs("<p class=\"alarm\"><b>Alarm</b> ", fp);
		xp_html(fp, d->alarms[i].subject);
		fputs(": ", fp);
		xp_html(fp, d->alarms[i].text);
		fputs("</p>\n", fp);
	}
}

/* html_charts - volume and pass rate, per class and per reporter */

static void
html_charts(FILE *fp, const struct xc_domain *d)
{
	struct xc_series cls[XC_NCLASS];
	const char *colours[64];
	struct buf id = BUF_INIT;
	size_t  i, n = d->nrep < 64 ? d->nrep : 64;
	int     c;

	for (c = 0; c < XC_NCLASS; c++) {
		cls[c] = d->cls_series[c];
		cls[c].label = (char *) xc_class_title(c);
	}
	for (i = 0; i < n; i++)
		colours[i] = palette[i % NPALETTE];
	buf_printf(&id, "%s:chart:class-volume", d->name);
	xp_chart(fp, id.data, "Messages per day, by source class", cls, XC_NCLASS,
		 class_colours, XP_VOLUME);
	buf_reset(&id);
	buf_printf(&id, "%s:chart:class-rate", d->name);
	xp_chart(fp, id.data, "DMARC pass rate per day, by source class", cls,
		 XC_NCLASS, class_colours, XP_RATE);
	buf_reset(&id);
	buf_printf(&id, "%s:chart:reporter-volume", d->name);
	xp_chart(fp, id.data, "Messages per day, by reporter", d->rep_series, n,
		 colours, XP_VOLUME);
	buf_reset(&id);
	buf_printf(&id, "%s:chart:reporter-rate", d->name);
	xp_chart(fp, id.data, "DMARC pass rate per day, by reporter",
		 d->rep_series, n, colours, XP_RATE);
	buf_free(&id);
}

/* xcheck_print_html - the whole page */

void
xcheck_print_html(FILE *fp, const struct xcheck *xc)
{
	const struct xc_domain *d;
	char    a[16], b[16];
	size_t  i;

	xp_day(xc->since, a, sizeof(a));
	xp_day(xc->until - 1, b, sizeof(b));
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<title>DMARC cross-check %s..%s</title>\n<style>%s</style></head>"
		"<body>\n<h1>DMARC reports against what signet counted</h1>\n"
		"<p>Reports beginning %s..%s UTC.</p>\n", a, b, css, a, b);
	if (xc->ndom == 0)
		fputs("<p>No DMARC reports in the period.</p>\n", fp);
	for (i = 0; i < xc->ndom; i++) {
		d = &xc->dom[i];
		fputs("<section><h2>", fp);
		xp_html(fp, d->name);
		fprintf(fp, "</h2>\n<p>%ld report%s.</p>\n", d->reports,
			d->reports == 1 ? "" : "s");
		html_step(fp, d);
		html_classes(fp, d);
		html_charts(fp, d);
		html_ours(fp, xc, d);
		html_sources(fp, xc, d);
		fputs("</section>\n", fp);
	}
	fputs("</body></html>\n", fp);
}
