/*++
/* NAME
/*	xcheck 3
/* SUMMARY
/*	DMARC aggregate reports against what signet counted
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	struct xcheck *xcheck_run(struct dmarc_db *db,
/*			const struct policy *p, time_t since, time_t until,
/*			const struct xc_options *opt, struct buf *err)
/*
/*	struct xcheck *xcheck_free(struct xcheck *xc)
/*
/*	const char *xc_class_name(enum xc_class cls)
/*
/*	const char *xc_class_title(enum xc_class cls)
/*
/*	double	xc_rate(long long part, long long whole)
/* DESCRIPTION
/*	xcheck_run() reads the stored aggregate reports whose period
/*	begins in [since, until) (of one policy domain, opt->domain, or
/*	all when it is NULL), one row at a time with its DKIM and SPF results,
/*	and per policy domain:
/* .IP \(bu
/*	classifies each row's source (xcheck_class.c) and adds its
/*	messages and aligned passes to its class, its source address,
/*	its reporter, and the per-day series of both;
/* .IP \(bu
/*	on our egress addresses, adds the DKIM results per signing
/*	domain and selector;
/* .IP \(bu
/*	keeps the policy the newest report shows as published, and the
/*	days of reports at each policy;
/* .IP \(bu
/*	then compares what receivers saw from our addresses with what
/*	signet-milter counted (xcheck_counts.c), after mapping recipient
/*	domains to reporters by their MX hosts when opt->mx asks
/*	(xcheck_dns.c);
/* .IP \(bu
/*	reads the DMARC record in DNS when opt->dns_policy asks
/*	(xcheck_pub.c, all domains at once), and works out the next policy step
/*	(xcheck_step.c).
/* .PP
/*	Last, with opt->rdns, the reverse DNS names of every source
/*	address (xcheck_dns.c). The lookups use opt->dns.
/* .PP
/*	Memory grows with the number of domains, source addresses,
/*	reporters and days, not with the number of rows.
/*
/*	xc_class_name() is a class's name in JSON and CSV (ours,
/*	authorised, forwarder, unknown-pass, unknown-fail);
/*	xc_class_title() its name for people. xc_rate() is part/whole,
/*	or -1 when whole is 0.
/* DIAGNOSTICS
/*	xcheck_run() returns NULL with the reason in err when the store
/*	cannot be read.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "xcheck.h"

#define SQL_ROWS \
	"SELECT r.id, r.reporter, r.domain, r.date_begin, r.date_end, " \
	"r.adkim, r.aspf, r.p, r.sp, r.np, r.pct, r.testing, w.n, " \
	"w.source_ip, w.messages, w.dkim, w.spf, w.reasons, w.header_from, " \
	"a.method, a.domain, a.selector, a.result " \
	"FROM dmarc_report r JOIN dmarc_row w ON w.report = r.id " \
	"LEFT JOIN dmarc_auth a ON a.report = w.report AND a.n = w.n " \
	"WHERE r.date_begin >= ? AND r.date_begin < ? AND (? = '' OR r.domain = ?) " \
	"ORDER BY r.id, w.n, a.method, a.i"

#define NTEXT	19			/* report and row columns */
#define NCOLS	23

 /*
  * The row being read: its columns, and its DKIM and SPF results.
  */
struct reader {
	struct xcheck *xc;
	struct buf col[NTEXT];
	struct buf auth[2][16][3];	/* dkim, spf: domain, selector, result */
	size_t  nauth[2];
	int     have;			/* a row is held */
	long long last_report;		/* report of the last row flushed */
};

/* xc_class_name - a class in JSON and CSV */

const char *
xc_class_name(enum xc_class cls)
{
	static const char *const names[XC_NCLASS] = {
		"ours", "authorised", "forwarder", "unknown-pass", "unknown-fail",
	};

	return (cls < XC_NCLASS ? names[cls] : "?");
}

/* xc_class_title - a class for people */

const char *
xc_class_title(enum xc_class cls)
{
	static const char *const titles[XC_NCLASS] = {
		"our egress", "authorised third parties", "forwarders",
		"unknown, passing", "unknown, failing (spoofing)",
	};

	return (cls < XC_NCLASS ? titles[cls] : "?");
}

/* xc_rate - a share, or -1 of nothing */

double
xc_rate(long long part, long long whole)
{
	return (whole > 0 ? (double) part / (double) whole : -1);
}

/* domain_get - the policy domain of a report, made when new */

static struct xc_domain *
domain_get(struct xcheck *xc, const char *name)
{
	size_t  i;

	for (i = 0; i < xc->ndom; i++)
		if (strcmp(xc->dom[i].name, name) == 0)
			return (&xc->dom[i]);
	xc->dom = xreallocarray(xc->dom, xc->ndom + 1, sizeof(*xc->dom));
	memset(&xc->dom[xc->ndom], 0, sizeof(*xc->dom));
	xc->dom[xc->ndom].name = xstrdup(name);
	xc->dom[xc->ndom].pub.pct = -1;
	return (&xc->dom[xc->ndom++]);
}

/* hour_up - a report's end as the end of an hour, exclusive */

static time_t
hour_up(time_t begin, time_t end)
{
	if (end % 3600 != 0)
		end += 3600 - end % 3600;
	return (end > begin ? end : begin + 3600);
}

/* report_seen - the first row of a report: its period and policy */

static void
report_seen(struct xcheck *xc, struct xc_domain *d, const struct xc_row *r)
{
	struct xc_published *pub = &d->pub;
	char    key[64], day[96];
	time_t  end = hour_up(r->begin, r->end);
	struct xc_reporter *rep;

	d->reports++;
	if (d->reports == 1 || r->begin < d->first)
		d->first = r->begin;
	if (end > d->last)
		d->last = end;
	rep = xc_reporter_get(xc, d, r->reporter);
	rep->reports++;
	xc_span_add(rep, r->begin, end);
	if (d->reports == 1 || r->begin > pub->begin
	    || (r->begin == pub->begin && r->report > pub->report)) {
		pub->begin = r->begin;
		pub->report = r->report;
		(void) snprintf(pub->p, sizeof(pub->p), "%s", r->p);
		(void) snprintf(pub->sp, sizeof(pub->sp), "%s", r->sp);
		(void) snprintf(pub->np, sizeof(pub->np), "%s", r->np);
		(void) snprintf(pub->testing, sizeof(pub->testing), "%s", r->testing);
		(void) snprintf(pub->adkim, sizeof(pub->adkim), "%s", r->adkim);
		(void) snprintf(pub->aspf, sizeof(pub->aspf), "%s", r->aspf);
		pub->pct = r->pct;
	}
	xc_policy_key(r->p, r->pct, r->testing, key, sizeof(key));
	(void) snprintf(day, sizeof(day), "%lld %s",
			(long long) (r->begin - r->begin % 86400), key);
	xc_names_add(&d->policy_days, day);
}

/* ours_selectors - DKIM results of a row from our addresses */

static void
ours_selectors(struct xcheck *xc, struct xc_domain *d, const struct xc_row *r)
{
	int     aligned = 0;
	size_t  i;

	xc_names_add(&d->from_domains, r->header_from);
	for (i = 0; i < r->ndkim; i++) {
		if (!xc_aligned(xc->psl, r->dkim[i].domain, r->header_from, 0))
			continue;
		aligned = 1;
		xc_selector_add(d, r->dkim[i].domain, r->dkim[i].selector,
				strcmp(r->dkim[i].result, "pass") == 0, r->messages);
	}
	if (!aligned)
		xc_selector_add(d, r->header_from, "", 0, r->messages);
}

/* add_row - classify one row and add it up */

static void
add_row(struct xcheck *xc, const struct xc_row *r, int first_of_report)
{
	struct xc_domain *d = domain_get(xc, r->domain);
	struct xc_verdict v;
	struct xc_stat st;
	struct xc_source *src;
	struct xc_reporter *rep;
	time_t  day = r->begin - r->begin % 86400;

	if (first_of_report)
		report_seen(xc, d, r);
	xc_classify(xc, r, &v);
	st.messages = r->messages;
	st.spf_pass = v.spf_aligned ? r->messages : 0;
	st.dkim_pass = v.dkim_aligned ? r->messages : 0;
	st.dmarc_pass = v.spf_aligned || v.dkim_aligned ? r->messages : 0;
	src = xc_source_get(d, r->ip, v.cls);
	if (src->why == NULL) {
		src->why = xstrdup(v.why);
		src->advice = v.advice[0] ? xstrdup(v.advice) : NULL;
		src->sender = v.sender;
	}
	xc_stat_add(&src->st, &st);
	xc_stat_add(&d->cls[v.cls], &st);
	rep = xc_reporter_get(xc, d, r->reporter);
	xc_stat_add(&rep->cls[v.cls], &st);
	xc_names_add(&src->reporters, rep->label);
	xc_names_add(&d->cls_reporters[v.cls], rep->label);
	xc_series_add(&d->cls_series[v.cls], day, &st);
	xc_series_add(&d->rep_series[rep - d->rep], day, &st);
	if (v.cls == XC_OURS) {
		d->ours_reported += r->messages;
		ours_selectors(xc, d, r);
	}
}

/* bt - a buffer's text, "" when it never held any */

static const char *
bt(const struct buf *b)
{
	return (b->data ? b->data : "");
}

/* text - a column's text */

static const char *
text(struct reader *rd, int i)
{
	return (bt(&rd->col[i]));
}

/* flush - hand the row held to add_row() */

static void
flush(struct reader *rd)
{
	struct xc_row r;
	size_t  m, i;

	if (!rd->have)
		return;
	memset(&r, 0, sizeof(r));
	r.report = atoll(text(rd, 0));
	r.reporter = text(rd, 1);
	r.domain = text(rd, 2);
	r.begin = (time_t) atoll(text(rd, 3));
	r.end = (time_t) atoll(text(rd, 4));
	r.adkim = text(rd, 5);
	r.aspf = text(rd, 6);
	r.p = text(rd, 7);
	r.sp = text(rd, 8);
	r.np = text(rd, 9);
	r.pct = atoi(text(rd, 10));
	r.testing = text(rd, 11);
	r.n = atoll(text(rd, 12));
	(void) snprintf(r.ip, sizeof(r.ip), "%s", text(rd, 13));
	r.messages = atoll(text(rd, 14));
	r.pe_dkim = text(rd, 15);
	r.pe_spf = text(rd, 16);
	r.reasons = text(rd, 17);
	r.header_from = (*text(rd, 18) ? text(rd, 18) : text(rd, 2));
	for (m = 0; m < 2; m++) {
		struct xc_auth *a = m ? r.spf : r.dkim;

		for (i = 0; i < rd->nauth[m]; i++) {
			a[i].domain = bt(&rd->auth[m][i][0]);
			a[i].selector = bt(&rd->auth[m][i][1]);
			a[i].result = bt(&rd->auth[m][i][2]);
		}
		*(m ? &r.nspf : &r.ndkim) = rd->nauth[m];
	}
	add_row(rd->xc, &r, r.report != rd->last_report);
	rd->last_report = r.report;
	rd->have = 0;
}

/* set - copy a column into a buffer, NULL as "" */

static void
set(struct buf *b, const char *s)
{
	buf_reset(b);
	buf_puts(b, s ? s : "");
}

/* on_row - one result line: a new row, or one more result of it */

static int
on_row(void *ctx, int ncols, const char *const *c)
{
	struct reader *rd = ctx;
	int     i, m;

	if (ncols < NCOLS)
		return (0);
	if (!rd->have || strcmp(text(rd, 0), c[0]) != 0
	    || strcmp(text(rd, 12), c[12]) != 0) {
		flush(rd);
		for (i = 0; i < NTEXT; i++)
			set(&rd->col[i], c[i]);
		rd->nauth[0] = rd->nauth[1] = 0;
		rd->have = 1;
	}
	if (c[19] == NULL)
		return (0);
	m = strcmp(c[19], "spf") == 0;
	if (rd->nauth[m] >= 16)
		return (0);
	for (i = 0; i < 3; i++)
		set(&rd->auth[m][rd->nauth[m]][i], c[20 + i]);
	rd->nauth[m]++;
	return (0);
}

/* domain_cmp - domains by name */

static int
domain_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct xc_domain *) a)->name,
		       ((const struct xc_domain *) b)->name));
}

/* reader_free - release the reader's buffers */

static void
reader_free(struct reader *rd)
{
	int     i, j, k;

	for (i = 0; i < NTEXT; i++)
		buf_free(&rd->col[i]);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 16; j++)
			for (k = 0; k < 3; k++)
				buf_free(&rd->auth[i][j][k]);
}

/* finish - sources, counts and the policy step of each domain */

static int
finish(struct xcheck *xc, struct dmarc_db *db, struct buf *err)
{
	struct xc_domain *d;
	size_t  i, j;

	for (i = 0; i < xc->ndom; i++) {
		d = &xc->dom[i];
		xc_sources_finish(d);
		for (j = 0; j < d->nsrc; j++)
			d->nsources[d->src[j]->cls]++;
		if (xc_counts(xc, db, d, err) < 0)
			return (-1);
	}
	if (xc->opt.dns_policy && xc->opt.dns)
		xc_dns_policies(xc);
	for (i = 0; i < xc->ndom; i++)
		xc_step(xc, &xc->dom[i]);
	if (xc->opt.rdns && xc->opt.dns)
		xc_rdns(xc);
	return (0);
}

/* xcheck_run - read the reports, classify, compare, recommend */

struct xcheck *
xcheck_run(struct dmarc_db *db, const struct policy *p, time_t since,
	   time_t until, const struct xc_options *opt, struct buf *err)
{
	struct xcheck *xc = xcalloc(1, sizeof(*xc));
	const char *domain = opt->domain;
	struct reader rd;
	struct db_param par[4] = {{NULL, since}, {NULL, until},
	{domain ? domain : "", 0}, {domain ? domain : "", 0}};
	int     rc;

	xc->opt = *opt;
	xc->since = since;
	xc->until = until;
	xc->policy = p;
	xc->psl = xc_psl_open();
	xc_map_init(xc);
	memset(&rd, 0, sizeof(rd));
	rd.xc = xc;
	rd.last_report = -1;
	rc = dmarc_db_sql(db, SQL_ROWS, par, 4, on_row, &rd, err);
	if (rc == 0)
		flush(&rd);
	reader_free(&rd);
	if (rc == 0)
		qsort(xc->dom, xc->ndom, sizeof(*xc->dom), domain_cmp);
	if (rc == 0 && xc->opt.mx && xc_mx(xc, db, err) < 0)
		rc = -1;
	if (rc != 0 || finish(xc, db, err) < 0)
		return (xcheck_free(xc));
	return (xc);
}

/* xcheck_free - release a cross-check; returns NULL */

struct xcheck *
xcheck_free(struct xcheck *xc)
{
	size_t  i;

	if (xc == NULL)
		return (NULL);
	for (i = 0; i < xc->ndom; i++)
		xc_domain_free(&xc->dom[i]);
	free(xc->dom);
	for (i = 0; i < xc->nmap; i++) {
		free(xc->map[i].orgs);
		free(xc->map[i].rcpt_domains);
		if (xc->mx_rcpt)
			xc_names_free(&xc->mx_rcpt[i]);
	}
	free(xc->map);
	free(xc->mx_rcpt);
	for (i = 0; i < xc->nmxv; i++) {
		free(xc->mxv[i].domain);
		free(xc->mxv[i].host);
	}
	free(xc->mxv);
	xc_psl_close(xc->psl);
	free(xc);
	return (NULL);
}
