/*++
/* NAME
/*	xcheck_text 3
/* SUMMARY
/*	signet dmarc report --format table and csv
/* SYNOPSIS
/*	#include "cli/xcheck_print.h"
/*
/*	void	xcheck_print_table(FILE *fp, const struct xcheck *xc)
/*
/*	void	xcheck_print_csv(FILE *fp, const struct xcheck *xc)
/* DESCRIPTION
/*	xcheck_print_table() writes, per policy domain: the published
/*	policy (and with --dns the record in DNS now); the classes with
/*	their volume, pass rates and reporters, and a total; the largest
/*	sources of each class (--top) with how each was classified, what
/*	to add to the policy and its reverse DNS name (--rdns), and a
/*	line for those not shown; our addresses per reporter against
/*	signet's counts, and the recipient domains mapped by MX (--mx);
/*	DKIM on our addresses per selector; the alarms; the policy step.
/*
/*	xcheck_print_csv() writes one line per domain and source address
/*	(class, sender, messages, aligned SPF, DKIM and DMARC passes,
/*	reporters, why, advice, reverse DNS name, whether it is
/*	forward-confirmed, the lookup's status), after a header line.
/*	Fields with a comma, a quote or a line end are quoted (RFC 4180).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/xcheck_print.h"

/* pct - a share for the table */

static const char *
pct(char *buf, size_t len, long long part, long long whole)
{
	xp_percent(xc_rate(part, whole), buf, len);
	return (buf);
}

/* joined - a set of names as "a, b" (static buffer) */

static const char *
joined(const struct xc_names *set)
{
	static char out[512];
	size_t  i, used = 0;

	out[0] = 0;
	for (i = 0; i < set->n && used < sizeof(out); i++)
		used += (size_t) snprintf(out + used, sizeof(out) - used, "%s%s",
					  i ? ", " : "", set->v[i]);
	return (out);
}

/* stat_line - one line of the class table */

static void
stat_line(FILE *fp, const char *label, const struct xc_stat *st, long n,
	  const char *reporters)
{
	char    a[16], b[16], c[16];

	fprintf(fp, "  %-28s %9lld %7ld %8s %8s %8s  %s\n", label, st->messages, n,
		pct(a, sizeof(a), st->spf_pass, st->messages),
		pct(b, sizeof(b), st->dkim_pass, st->messages),
		pct(c, sizeof(c), st->dmarc_pass, st->messages), reporters);
}

/* table_classes - the classes and their total */

static void
table_classes(FILE *fp, const struct xc_domain *d)
{
	struct xc_stat total;
	long    n = 0;
	int     c;

	memset(&total, 0, sizeof(total));
	fprintf(fp, "  %-28s %9s %7s %8s %8s %8s  %s\n", "source class", "messages",
		"sources", "SPF", "DKIM", "DMARC", "reporters");
	for (c = 0; c < XC_NCLASS; c++) {
		stat_line(fp, xc_class_title(c), &d->cls[c], d->nsources[c],
			  joined(&d->cls_reporters[c]));
		xc_stat_add(&total, &d->cls[c]);
		n += d->nsources[c];
	}
	stat_line(fp, "total", &total, n, "");
}

/* table_sources - each source address */

static void
table_sources(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	const struct xc_source *s;
	char    a[16], name[300];
	long long msgs;
	long    more;
	size_t  i;
	int     shown;

	fprintf(fp, "\n  %-15s %-39s %9s %8s  %s\n", "class", "source", "messages",
		"DMARC", "why / what to do");
	for (i = 0; i < d->nsrc; i++) {
		s = d->src[i];
		shown = xp_shown(xc, d, i, &more, &msgs);
		if (shown)
			fprintf(fp, "  %-15s %-39s %9lld %8s  %s%s%s\n",
				xc_class_name(s->cls), s->ip, s->st.messages,
				pct(a, sizeof(a), s->st.dmarc_pass, s->st.messages),
				s->why, s->advice ? "; " : "",
				s->advice ? s->advice : "");
		if (shown && xp_rdns(s, name, sizeof(name)))
			fprintf(fp, "  %-15s rdns: %s\n", "", name);
		if (more > 0)
			fprintf(fp, "  %-15s %ld more source%s, %lld message%s\n",
				xc_class_name(s->cls), more, more == 1 ? "" : "s",
				msgs, msgs == 1 ? "" : "s");
	}
}

/* table_ours - our addresses per reporter, and DKIM per selector */

static void
table_ours(FILE *fp, const struct xcheck *xc, const struct xc_domain *d)
{
	const struct xc_reporter *r;
	char    a[16], cnt[24], sel[300];
	size_t  i;

	fprintf(fp, "\n  our addresses, as receivers saw them and as signet "
		"counted them:\n  %-20s %9s %9s %9s\n", "reporter", "reported",
		"counted", "coverage");
	for (i = 0; i < d->nrep; i++) {
		r = &d->rep[i];
		if (r->map)
			(void) snprintf(cnt, sizeof(cnt), "%lld", r->counted);
		else
			(void) snprintf(cnt, sizeof(cnt), "-");
		fprintf(fp, "  %-20s %9lld %9s %9s%s%s\n", r->label,
			r->cls[XC_OURS].messages, cnt,
			r->map ? pct(a, sizeof(a), r->cls[XC_OURS].messages, r->counted)
			: "-", r->map ? "" : "  (no recipient domains mapped)",
			r->alarm ? "  ALARM" : "");
	}
	fprintf(fp, "  %-20s %9lld %9lld %9s  (counted: all recipients)\n", "total",
		d->ours_reported, d->counted,
		pct(a, sizeof(a), d->ours_reported, d->counted));
	for (i = 0; xc->mx_rcpt && i < d->nrep; i++)
		if (d->rep[i].map && xc->mx_rcpt[d->rep[i].map - xc->map].n)
			fprintf(fp, "  %-20s counted includes by MX: %s\n",
				d->rep[i].label,
				joined(&xc->mx_rcpt[d->rep[i].map - xc->map]));
	fprintf(fp, "\n  %-40s %9s %9s\n", "DKIM on our addresses", "pass", "fail");
	for (i = 0; i < d->nsel; i++) {
		(void) snprintf(sel, sizeof(sel), "d=%s s=%s", d->sel[i].domain,
				*d->sel[i].selector ? d->sel[i].selector : "(none)");
		fprintf(fp, "  %-40s %9lld %9lld\n", sel, d->sel[i].pass,
			d->sel[i].fail);
	}
}

/* table_step - alarms and the policy step */

static void
table_step(FILE *fp, const struct xc_domain *d)
{
	const struct xc_step *s = &d->step;
	char    a[16], b[16];
	size_t  i;

	for (i = 0; i < d->nalarms; i++)
		fprintf(fp, "%s  ALARM %s: %s\n", i ? "" : "\n", d->alarms[i].subject,
			d->alarms[i].text);
	xp_percent(s->pass_share, a, sizeof(a));
	xp_percent(s->unknown_share, b, sizeof(b));
	fprintf(fp, "\n  policy step: %d day%s at the published policy; %lld "
		"legitimate messages, %s pass DMARC aligned; %ld unknown "
		"source%s passing (%lld messages, %s)\n", s->days,
		s->days == 1 ? "" : "s", s->legit, a, s->unknown_sources,
		s->unknown_sources == 1 ? "" : "s", s->unknown_messages, b);
	if (s->dns_note)
		fprintf(fp, "  note: %s\n", s->dns_note);
	if (s->next)
		fprintf(fp, "  next: publish \"%s\" (%s)\n", s->next, s->note);
	for (i = 0; i < s->why_not.n; i++)
		fprintf(fp, "  not yet: %s\n", s->why_not.v[i]);
}

/* table_dns - the DMARC record in DNS now */

static void
table_dns(FILE *fp, const struct xc_domain *d)
{
	const struct xc_dnspolicy *dp = &d->dns;
	char    text[128];
	size_t  i;

	switch (dp->state) {
	case XC_DNS_NOT_ASKED:
		return;
	case XC_DNS_FAILED:
		fprintf(fp, "in DNS now: cannot tell: %s\n", dp->error);
		return;
	case XC_DNS_NONE:
		fprintf(fp, "in DNS now: no DMARC record\n");
		break;
	case XC_DNS_SEVERAL:
		fprintf(fp, "in DNS now: several DMARC records (none applies)\n");
		break;
	case XC_DNS_FOUND:
		xp_pub_text(&dp->pub, text, sizeof(text));
		fprintf(fp, "in DNS now: %s%s%s: \"%s\"\n", text,
			strcmp(dp->owner, d->name) ? ", the record of " : "",
			strcmp(dp->owner, d->name) ? dp->owner : "", dp->record);
		break;
	}
	for (i = 0; i < dp->problems.n; i++)
		fprintf(fp, "  DNS: %s\n", dp->problems.v[i]);
}

/* table_mx - the recipient domains looked up by MX */

static void
table_mx(FILE *fp, const struct xcheck *xc)
{
	const struct xc_mxmap *m;
	size_t  i;

	if (!xc->opt.mx)
		return;
	fprintf(fp, "\nrecipient domains looked up by MX (%zu):\n", xc->nmxv);
	for (i = 0; i < xc->nmxv; i++) {
		m = &xc->mxv[i];
		fprintf(fp, "  %-30s %-8s %-35s %s\n", m->domain, m->status,
			m->host ? m->host : "-", m->reporter ? m->reporter : "-");
	}
}

/* xcheck_print_table - the report for people */

void
xcheck_print_table(FILE *fp, const struct xcheck *xc)
{
	const struct xc_domain *d;
	char    a[16], b[16];
	size_t  i;

	if (xc->ndom == 0)
		fprintf(fp, "no DMARC reports in the period\n");
	for (i = 0; i < xc->ndom; i++) {
		d = &xc->dom[i];
		xp_day(d->first, a, sizeof(a));
		xp_day(d->last - 1, b, sizeof(b));
		fprintf(fp, "%s%s: %ld report%s, %s..%s UTC; published p=%s", i ? "\n" : "",
			d->name, d->reports, d->reports == 1 ? "" : "s", a, b,
			*d->pub.p ? d->pub.p : "?");
		if (*d->pub.sp)
			fprintf(fp, " sp=%s", d->pub.sp);
		if (d->pub.pct >= 0)
			fprintf(fp, " pct=%d", d->pub.pct);
		if (*d->pub.testing)
			fprintf(fp, " t=%s", d->pub.testing);
		fputs("\n", fp);
		table_dns(fp, d);
		fputs("\n", fp);
		table_classes(fp, d);
		table_sources(fp, xc, d);
		table_ours(fp, xc, d);
		table_step(fp, d);
	}
	table_mx(fp, xc);
}

/* csv_field - one field, quoted when it must be */

static void
csv_field(FILE *fp, const char *s, int last)
{
	const char *cp;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
	} else {
		putc('"', fp);
		for (cp = s; *cp; cp++) {
			if (*cp == '"')
				putc('"', fp);
			putc(*cp, fp);
		}
		putc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

/* xcheck_print_csv - one line per source address */

void
xcheck_print_csv(FILE *fp, const struct xcheck *xc)
{
	const struct xc_source *s;
	size_t  i, j;

	fputs("domain,class,source_ip,sender,messages,spf_pass,dkim_pass,"
	      "dmarc_pass,reporters,why,advice,rdns,rdns_confirmed,"
	      "rdns_status\r\n", fp);
	for (i = 0; i < xc->ndom; i++) {
		for (j = 0; j < xc->dom[i].nsrc; j++) {
			s = xc->dom[i].src[j];
			csv_field(fp, xc->dom[i].name, 0);
			csv_field(fp, xc_class_name(s->cls), 0);
			csv_field(fp, s->ip, 0);
			csv_field(fp, s->sender, 0);
			fprintf(fp, "%lld,%lld,%lld,%lld,", s->st.messages, s->st.spf_pass,
				s->st.dkim_pass, s->st.dmarc_pass);
			csv_field(fp, joined(&s->reporters), 0);
			csv_field(fp, s->why, 0);
			csv_field(fp, s->advice, 0);
			csv_field(fp, s->rdns, 0);
			csv_field(fp, s->rdns == NULL ? "" : s->rdns_confirmed ?
				  "yes" : "no", 0);
			csv_field(fp, s->rdns_status, 1);
		}
	}
}
