/*++
/* NAME
/*	xcheck_json 3
/* SUMMARY
/*	signet dmarc report --format json
/* SYNOPSIS
/*	#include "cli/xcheck_print.h"
/*
/*	void	xcheck_print_json(FILE *fp, const struct xcheck *xc)
/*
/*	void	xp_json_string(FILE *fp, const char *s)
/*
/*	void	xp_day(time_t t, char *out, size_t len)
/*
/*	void	xp_percent(double share, char *out, size_t len)
/*
/*	const char *xp_rdns(const struct xc_source *s, char *out,
/*			size_t len)
/*
/*	int	xp_shown(const struct xcheck *xc, const struct xc_domain *d,
/*			size_t i, long *more, long long *messages)
/*
/*	void	xp_pub_text(const struct xc_published *pub, char *out,
/*			size_t len)
/* DESCRIPTION
/*	xcheck_print_json() writes the cross-check as one JSON object.
/*	Its keys are stable: new keys may be added, none is renamed or
/*	removed. Times are ISO 8601 UTC; shares are numbers from 0 to 1
/*	with four decimals, or null when there is nothing to divide.
/*
/*	{"since", "until", "domains": [{"domain", "reports", "first",
/*	"last", "published": {"p", "sp", "np", "pct", "t", "adkim",
/*	"aspf"}, "classes": {CLASS: {"messages", "spf_pass",
/*	"dkim_pass", "dmarc_pass", "spf_rate", "dkim_rate", "dmarc_rate",
/*	"sources", "reporters"}}, "sources": [{"ip", "class", "sender",
/*	"why", "advice", "rdns", "rdns_confirmed", "rdns_status", STATS,
/*	"reporters"}], "ours": {"reported", "counted", "reporters":
/*	[{"reporter", "mapped", "recipient_domains",
/*	"mx_recipient_domains", "reports", "reported", "counted",
/*	"coverage", "alarm"}], "selectors": [{"domain", "selector",
/*	"pass", "fail"}]}, "alarms": [{"kind", "subject", "text"}],
/*	"dns": null or {"state", "record", "owner", "error", "published":
/*	{as above} or null, "problems"}, "step":
/*	{"current", "from_dns", "dns_note", "days", "legitimate",
/*	"legitimate_pass", "aligned_pass_share", "unknown_sources",
/*	"unknown_messages", "unknown_share", "next", "note", "why_not"},
/*	"timeline": {"classes": {CLASS: [{"day", STATS}]}, "reporters":
/*	{NAME: [...]}}}], "mx": null or [{"domain", "mx", "reporter",
/*	"status"}]}
/*
/*	"rdns_status" is null when --rdns was not given, else "ok",
/*	"nxdomain", "nodata", "tempfail", "permfail" or "deadline";
/*	"rdns_confirmed" is null when there is no name. "dns" is null
/*	without --dns; its state is "found", "none", "several" or
/*	"failed". "mx" is null without --mx, else every recipient domain
/*	looked up, with its most preferred MX host and the reporter it
/*	maps to (null: none); "mx_recipient_domains" are those mapped to
/*	the reporter, also listed in "recipient_domains".
/*
/*	CLASS is ours, authorised, forwarder, unknown-pass or
/*	unknown-fail. STATS are "messages", "spf_pass", "dkim_pass" and
/*	"dmarc_pass".
/*
/*	xp_json_string() writes a JSON string. xp_day() formats a day
/*	(YYYY-MM-DD), xp_percent() a share as "98.40%" ("-" for none).
/*	xp_rdns() is a source's reverse DNS for people, or NULL when it
/*	was not looked up. xp_shown() tells whether the table and the
/*	HTML page show source i of d (one of the xc->opt.top largest of
/*	its class); for the last source of a class it sets *more and
/*	*messages to the sources of the class not shown and their
/*	messages, else to 0. xp_pub_text() is a policy as
/*	"p=none; pct=100; t=y".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/xcheck_print.h"
#include "utctime.h"

/* xp_json_string - a JSON string, escaped */

void
xp_json_string(FILE *fp, const char *s)
{
	const unsigned char *cp;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	putc('"', fp);
	for (cp = (const unsigned char *) s; *cp; cp++) {
		if (*cp == '"' || *cp == '\\')
			fprintf(fp, "\\%c", *cp);
		else if (*cp < 0x20)
			fprintf(fp, "\\u%04x", *cp);
		else
			putc(*cp, fp);
	}
	putc('"', fp);
}

/* xp_day - YYYY-MM-DD of a time */

void
xp_day(time_t t, char *out, size_t len)
{
	utc_format(t, 1, out, len);
}

/* xp_percent - a share for people */

void
xp_percent(double share, char *out, size_t len)
{
	if (share < 0)
		(void) snprintf(out, len, "-");
	else
		(void) snprintf(out, len, "%.2f%%", 100 * share);
}

/* xp_rdns - a source's reverse DNS for people, or NULL */

const char *
xp_rdns(const struct xc_source *s, char *out, size_t len)
{
	if (s->rdns_status == NULL)
		return (NULL);
	if (s->rdns)
		(void) snprintf(out, len, "%s (%s)", s->rdns, s->rdns_confirmed ?
				"forward-confirmed" : "not forward-confirmed");
	else if (strcmp(s->rdns_status, "ok") == 0)
		(void) snprintf(out, len, "no name");
	else
		(void) snprintf(out, len, "no name (%s)", s->rdns_status);
	return (out);
}

/* xp_shown - is a source among the top of its class? */

int
xp_shown(const struct xcheck *xc, const struct xc_domain *d, size_t i,
	 long *more, long long *messages)
{
	enum xc_class c = d->src[i]->cls;
	size_t  first = i, j;
	long    top = xc->opt.top;

	while (first > 0 && d->src[first - 1]->cls == c)
		first--;
	*more = 0;
	*messages = 0;
	if (i + 1 == d->nsrc || d->src[i + 1]->cls != c)
		for (j = first + (top > 0 ? (size_t) top : i + 1 - first); j <= i; j++) {
			(*more)++;
			*messages += d->src[j]->st.messages;
		}
	return (top <= 0 || i - first < (size_t) top);
}

/* xp_pub_text - a policy as "p=none; pct=100; t=y" */

void
xp_pub_text(const struct xc_published *pub, char *out, size_t len)
{
	int     n;

	n = snprintf(out, len, "p=%s", *pub->p ? pub->p : "?");
	if (*pub->sp && n >= 0 && (size_t) n < len)
		n += snprintf(out + n, len - n, "; sp=%s", pub->sp);
	if (pub->pct >= 0 && n >= 0 && (size_t) n < len)
		n += snprintf(out + n, len - n, "; pct=%d", pub->pct);
	if (*pub->testing && n >= 0 && (size_t) n < len)
		(void) snprintf(out + n, len - n, "; t=%s", pub->testing);
}

/* json_member - a string member after others: , "NAME": VALUE */

static void
json_member(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, ", \"%s\": ", name);
	xp_json_string(fp, value);
}

/* json_share - a share, or null */

static void
json_share(FILE *fp, double v)
{
	if (v < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%.4f", v);
}

/* json_time - an ISO 8601 time */

static void
json_time(FILE *fp, time_t t)
{
	char    text[40];

	utc_format(t, 0, text, sizeof(text));
	xp_json_string(fp, text);
}

/* json_names - an array of strings */

static void
json_names(FILE *fp, const struct xc_names *set)
{
	size_t  i;

	putc('[', fp);
	for (i = 0; i < set->n; i++) {
		if (i)
			fputs(", ", fp);
		xp_json_string(fp, set->v[i]);
	}
	putc(']', fp);
}

/* json_stat - the members of a statistic */

static void
json_stat(FILE *fp, const struct xc_stat *st, int rates)
{
	fprintf(fp, "\"messages\": %lld, \"spf_pass\": %lld, \"dkim_pass\": %lld, "
		"\"dmarc_pass\": %lld", st->messages, st->spf_pass, st->dkim_pass,
		st->dmarc_pass);
	if (!rates)
		return;
	fputs(", \"spf_rate\": ", fp);
	json_share(fp, xc_rate(st->spf_pass, st->messages));
	fputs(", \"dkim_rate\": ", fp);
	json_share(fp, xc_rate(st->dkim_pass, st->messages));
	fputs(", \"dmarc_rate\": ", fp);
	json_share(fp, xc_rate(st->dmarc_pass, st->messages));
}

/* json_published - the published policy */

static void
json_published(FILE *fp, const struct xc_published *pub)
{
	fputs("\"published\": {\"p\": ", fp);
	xp_json_string(fp, pub->p);
	json_member(fp, "sp", pub->sp);
	json_member(fp, "np", pub->np);
	fputs(", \"pct\": ", fp);
	if (pub->pct < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%d", pub->pct);
	json_member(fp, "t", pub->testing);
	json_member(fp, "adkim", pub->adkim);
	json_member(fp, "aspf", pub->aspf);
	fputs("}", fp);
}

/* json_classes - per class totals */

static void
json_classes(FILE *fp, const struct xc_domain *d)
{
	int     c;

	fputs("\"classes\": {", fp);
	for (c = 0; c < XC_NCLASS; c++) {
		fprintf(fp, "%s\n\t\"%s\": {", c ? "," : "", xc_class_name(c));
		json_stat(fp, &d->cls[c], 1);
		fprintf(fp, ", \"sources\": %ld, \"reporters\": ", d->nsources[c]);
		json_names(fp, &d->cls_reporters[c]);
		putc('}', fp);
	}
	fputs("}", fp);
}

/* json_sources - each source address */

static void
json_sources(FILE *fp, const struct xc_domain *d)
{
	const struct xc_source *s;
	size_t  i;

	fputs("\"sources\": [", fp);
	for (i = 0; i < d->nsrc; i++) {
		s = d->src[i];
		fprintf(fp, "%s\n\t{\"ip\": \"%s\", \"class\": \"%s\", \"sender\": ",
			i ? "," : "", s->ip, xc_class_name(s->cls));
		xp_json_string(fp, s->sender);
		json_member(fp, "why", s->why);
		json_member(fp, "advice", s->advice);
		json_member(fp, "rdns", s->rdns);
		fprintf(fp, ", \"rdns_confirmed\": %s, \"rdns_status\": ",
			s->rdns == NULL ? "null" : s->rdns_confirmed ? "true" : "false");
		xp_json_string(fp, s->rdns_status);
		fputs(", ", fp);
		json_stat(fp, &s->st, 1);
		fputs(", \"reporters\": ", fp);
		json_names(fp, &s->reporters);
		putc('}', fp);
	}
	fputs("]", fp);
}

/* json_reporter - one reporter's view of our addresses */

static void
json_reporter(FILE *fp, const struct xcheck *xc, const struct xc_reporter *r)
{
	const struct policy_dmarc_reporter *m = r->map;
	size_t  i;

	fputs("{\"reporter\": ", fp);
	xp_json_string(fp, r->label);
	fprintf(fp, ", \"mapped\": %s, \"recipient_domains\": [", m ? "true" : "false");
	for (i = 0; m && i < m->nrcpt_domains; i++) {
		fputs(i ? ", " : "", fp);
		xp_json_string(fp, m->rcpt_domains[i]);
	}
	fputs("], \"mx_recipient_domains\": ", fp);
	if (m && xc->mx_rcpt)
		json_names(fp, &xc->mx_rcpt[m - xc->map]);
	else
		fputs("[]", fp);
	fprintf(fp, ", \"reports\": %ld, \"reported\": %lld, \"counted\": ",
		r->reports, r->cls[XC_OURS].messages);
	if (m)
		fprintf(fp, "%lld", r->counted);
	else
		fputs("null", fp);
	fputs(", \"coverage\": ", fp);
	json_share(fp, m ? xc_rate(r->cls[XC_OURS].messages, r->counted) : -1);
	fprintf(fp, ", \"alarm\": %s}", r->alarm ? "true" : "false");
}

/* json_ours - our addresses against signet's counts */

static void
json_ours(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	size_t  i;

	fprintf(fp, "\"ours\": {\"reported\": %lld, \"counted\": %lld, "
		"\"reporters\": [", d->ours_reported, d->counted);
	for (i = 0; i < d->nrep; i++) {
		fputs(i ? ",\n\t" : "\n\t", fp);
		json_reporter(fp, xc, &d->rep[i]);
	}
	fputs("],\n\"selectors\": [", fp);
	for (i = 0; i < d->nsel; i++) {
		fputs(i ? ", " : "", fp);
		fputs("{\"domain\": ", fp);
		xp_json_string(fp, d->sel[i].domain);
		json_member(fp, "selector", d->sel[i].selector);
		fprintf(fp, ", \"pass\": %lld, \"fail\": %lld}", d->sel[i].pass,
			d->sel[i].fail);
	}
	fputs("]}", fp);
}

/* json_alarms - the alarms */

static void
json_alarms(FILE *fp, const struct xc_domain *d)
{
	size_t  i;

	fputs("\"alarms\": [", fp);
	for (i = 0; i < d->nalarms; i++) {
		fprintf(fp, "%s\n\t{\"kind\": \"%s\", \"subject\": ", i ? "," : "",
			d->alarms[i].kind);
		xp_json_string(fp, d->alarms[i].subject);
		json_member(fp, "text", d->alarms[i].text);
		putc('}', fp);
	}
	fputs("]", fp);
}

/* json_step - the policy-step recommendation */

static void
json_step(FILE *fp, const struct xc_domain *d)
{
	const struct xc_step *s = &d->step;
	static const char *const cur[] = {"none", "quarantine-test", "quarantine",
	"reject-test", "reject"};

	fprintf(fp, "\"step\": {\"current\": \"%s\", \"from_dns\": %s, "
		"\"dns_note\": ", cur[s->level], s->from_dns ? "true" : "false");
	xp_json_string(fp, s->dns_note);
	fprintf(fp, ", \"days\": %d, \"legitimate\": %lld, "
		"\"legitimate_pass\": %lld, \"aligned_pass_share\": ", s->days,
		s->legit, s->legit_pass);
	json_share(fp, s->pass_share);
	fprintf(fp, ", \"unknown_sources\": %ld, \"unknown_messages\": %lld, "
		"\"unknown_share\": ", s->unknown_sources, s->unknown_messages);
	json_share(fp, s->unknown_share);
	json_member(fp, "next", s->next);
	json_member(fp, "note", s->note);
	fputs(", \"why_not\": ", fp);
	json_names(fp, &s->why_not);
	putc('}', fp);
}

/* json_series - one series of days */

static void
json_series(FILE *fp, const struct xc_series *s)
{
	char    day[16];
	size_t  i;

	xp_json_string(fp, s->label);
	fputs(": [", fp);
	for (i = 0; i < s->npts; i++) {
		xp_day(s->pts[i].day, day, sizeof(day));
		fprintf(fp, "%s{\"day\": \"%s\", ", i ? ", " : "", day);
		json_stat(fp, &s->pts[i].st, 0);
		putc('}', fp);
	}
	putc(']', fp);
}

/* json_timeline - per day, per class and per reporter */

static void
json_timeline(FILE *fp, const struct xc_domain *d)
{
	struct xc_series s;
	size_t  i;
	int     c;

	fputs("\"timeline\": {\"classes\": {", fp);
	for (c = 0; c < XC_NCLASS; c++) {
		s = d->cls_series[c];
		s.label = (char *) xc_class_name(c);
		fputs(c ? ",\n\t" : "\n\t", fp);
		json_series(fp, &s);
	}
	fputs("},\n\"reporters\": {", fp);
	for (i = 0; i < d->nrep; i++) {
		fputs(i ? ",\n\t" : "\n\t", fp);
		json_series(fp, &d->rep_series[i]);
	}
	fputs("}}", fp);
}

/* json_dns - the DMARC record in DNS now */

static void
json_dns(FILE *fp, const struct xc_domain *d)
{
	static const char *const states[] = {"", "found", "none", "several",
	"failed"};
	const struct xc_dnspolicy *dp = &d->dns;

	fputs("\"dns\": ", fp);
	if (dp->state == XC_DNS_NOT_ASKED) {
		fputs("null", fp);
		return;
	}
	fprintf(fp, "{\"state\": \"%s\", \"record\": ", states[dp->state]);
	xp_json_string(fp, dp->record);
	json_member(fp, "owner", dp->owner);
	json_member(fp, "error", dp->error);
	fputs(", ", fp);
	if (dp->state == XC_DNS_FOUND)
		json_published(fp, &dp->pub);
	fputs(dp->state == XC_DNS_FOUND ? ", \"problems\": " :
	      "\"published\": null, \"problems\": ", fp);
	json_names(fp, &dp->problems);
	putc('}', fp);
}

/* json_mx - the recipient domains looked up for the MX mapping */

static void
json_mx(FILE *fp, const struct xcheck *xc)
{
	size_t  i;

	fputs(", \"mx\": ", fp);
	if (!xc->opt.mx) {
		fputs("null", fp);
		return;
	}
	putc('[', fp);
	for (i = 0; i < xc->nmxv; i++) {
		fputs(i ? ",\n\t{\"domain\": " : "\n\t{\"domain\": ", fp);
		xp_json_string(fp, xc->mxv[i].domain);
		json_member(fp, "mx", xc->mxv[i].host);
		json_member(fp, "reporter", xc->mxv[i].reporter);
		json_member(fp, "status", xc->mxv[i].status);
		putc('}', fp);
	}
	putc(']', fp);
}

/* json_domain - one policy domain */

static void
json_domain(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	fputs("{\"domain\": ", fp);
	xp_json_string(fp, d->name);
	fprintf(fp, ", \"reports\": %ld, \"first\": ", d->reports);
	json_time(fp, d->first);
	fputs(", \"last\": ", fp);
	json_time(fp, d->last);
	fputs(",\n", fp);
	json_published(fp, &d->pub);
	fputs(",\n", fp);
	json_classes(fp, d);
	fputs(",\n", fp);
	json_sources(fp, d);
	fputs(",\n", fp);
	json_ours(fp, xc, d);
	fputs(",\n", fp);
	json_alarms(fp, d);
	fputs(",\n", fp);
	json_dns(fp, d);
	fputs(",\n", fp);
	json_step(fp, d);
	fputs(",\n", fp);
	json_timeline(fp, d);
	putc('}', fp);
}

/* xcheck_print_json - the whole cross-check as one object */

void
xcheck_print_json(FILE *fp, const struct xcheck *xc)
{
	size_t  i;

	fputs("{\"since\": ", fp);
	json_time(fp, xc->since);
	fputs(", \"until\": ", fp);
	json_time(fp, xc->until);
	fputs(", \"domains\": [", fp);
	for (i = 0; i < xc->ndom; i++) {
		fputs(i ? ",\n" : "\n", fp);
		json_domain(fp, xc, &xc->dom[i]);
	}
	putc(']', fp);
	json_mx(fp, xc);
	fputs("}\n", fp);
}
