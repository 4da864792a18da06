/*++
/* NAME
/*	xcheck_counts 3
/* SUMMARY
/*	what receivers saw from our addresses against signet's counts
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_map_init(struct xcheck *xc)
/*
/*	int	xc_counts(struct xcheck *xc, struct dmarc_db *db,
/*			struct xc_domain *d, struct buf *err)
/* DESCRIPTION
/*	xc_map_init() sets up the reporter mapping: which reports come
/*	from which receiver, and the recipient domains it receives for.
/*	Built in: Google (reports by google.com; gmail.com,
/*	googlemail.com), Microsoft (Outlook.com; outlook.com,
/*	hotmail.com, live.com) and Yahoo (Yahoo, Yahoo! Inc., AOL;
/*	yahoo.com, aol.com). dmarc: reporters in the policy adds
/*	entries, or replaces one of the same name. Microsoft's
/*	"Enterprise Outlook" reports cover Microsoft 365 customers'
/*	own domains, which no recipient domain names: they are left
/*	unmapped.
/*
/*	xc_counts() counts, for one policy domain, the messages
/*	signet-milter let out (outcomes signed, passed,
/*	accepted-unsigned, monitored-would-refuse; not inbound mail)
/*	with the From domains that the reports show from our egress
/*	addresses, and the policy domain itself:
/* .IP \(bu
/*	per mapped reporter, to its recipient domains, in the hours its
/*	reports cover (a report's end is rounded up to a whole hour);
/* .IP \(bu
/*	to all recipients, in the hours any report covers.
/* .PP
/*	It then raises the alarms: a mapped reporter that saw more
/*	messages from our addresses than signet counted for it, and
/*	DKIM failing on our addresses, per signing domain and selector
/*	(or no aligned signature at all).
/* DIAGNOSTICS
/*	xc_counts() returns -1 with the reason in err when the store
/*	cannot be read.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "xcheck.h"

#define SENT_OUTCOMES \
	"sender <> 'inbound' AND outcome IN ('signed', 'passed', " \
	"'accepted-unsigned', 'monitored-would-refuse')"

 /*
  * The built-in reporter mapping.
  */
static const char *const google_orgs[] = {"google.com", NULL};
static const char *const google_rcpt[] = {"gmail.com", "googlemail.com", NULL};
static const char *const ms_orgs[] = {"outlook.com", NULL};
static const char *const ms_rcpt[] = {"outlook.com", "hotmail.com", "live.com",
NULL};
static const char *const yahoo_orgs[] = {"yahoo", "yahoo! inc.", "yahoo inc.",
"aol", NULL};
static const char *const yahoo_rcpt[] = {"yahoo.com", "aol.com", NULL};

static const struct {
	const char *name;
	const char *const *orgs;
	const char *const *rcpt;
}       builtin[] = {
	{"Google", google_orgs, google_rcpt},
	{"Microsoft", ms_orgs, ms_rcpt},
	{"Yahoo", yahoo_orgs, yahoo_rcpt},
};

#define NBUILTIN	(sizeof(builtin) / sizeof(builtin[0]))

/* strv_view - an array of pointers to strings the caller keeps */

static char **
strv_view(const char *const *v, size_t n, size_t *np)
{
	char  **out = xcalloc(n + 1, sizeof(*out));
	size_t  i;

	for (i = 0; i < n; i++)
		out[i] = (char *) v[i];		/* never written or freed */
	*np = n;
	return (out);
}

/* strv_len - entries of a NULL-terminated array */

static size_t
strv_len(const char *const *v)
{
	size_t  n = 0;

	while (v[n])
		n++;
	return (n);
}

/* map_add - one mapping entry, viewing the caller's strings */

static void
map_add(struct xcheck *xc, const char *name, const char *const *orgs,
	size_t norgs, const char *const *rcpt, size_t nrcpt)
{
	struct policy_dmarc_reporter *m;

	xc->map = xreallocarray(xc->map, xc->nmap + 1, sizeof(*xc->map));
	m = &xc->map[xc->nmap++];
	m->name = (char *) name;
	m->orgs = strv_view(orgs, norgs, &m->norgs);
	m->rcpt_domains = strv_view(rcpt, nrcpt, &m->nrcpt_domains);
}

/* xc_map_init - the built-in mapping with the policy's entries */

void
xc_map_init(struct xcheck *xc)
{
	const struct policy_dmarc *dm = &xc->policy->dmarc;
	const struct policy_dmarc_reporter *c;
	size_t  i, j;

	for (i = 0; i < NBUILTIN; i++) {
		for (j = 0; j < dm->nreporters; j++)
			if (strcasecmp(dm->reporters[j].name, builtin[i].name) == 0)
				break;
		if (j == dm->nreporters)
			map_add(xc, builtin[i].name, builtin[i].orgs,
				strv_len(builtin[i].orgs), builtin[i].rcpt,
				strv_len(builtin[i].rcpt));
	}
	for (j = 0; j < dm->nreporters; j++) {
		c = &dm->reporters[j];
		map_add(xc, c->name, (const char *const *) c->orgs, c->norgs,
			(const char *const *) c->rcpt_domains, c->nrcpt_domains);
	}
}

/* in_spans - is a time inside one of the spans? */

static int
in_spans(const struct xc_span *s, size_t n, time_t t)
{
	size_t  i;

	for (i = 0; i < n; i++)
		if (t >= s[i].begin && t < s[i].end)
			return (1);
	return (0);
}

/* maps_rcpt - does a mapping entry list the recipient domain? */

static int
maps_rcpt(const struct policy_dmarc_reporter *m, const char *rcpt)
{
	size_t  i;

	for (i = 0; i < m->nrcpt_domains; i++)
		if (strcasecmp(m->rcpt_domains[i], rcpt) == 0)
			return (1);
	return (0);
}

/* on_rcpt - one hour and recipient domain: to its reporters */

static int
on_rcpt(void *ctx, int ncols, const char *const *c)
{
	struct xc_domain *d = ctx;
	time_t  bucket;
	size_t  i;

	if (ncols < 3 || c[0] == NULL || c[1] == NULL || c[2] == NULL)
		return (0);
	bucket = (time_t) atoll(c[0]);
	for (i = 0; i < d->nrep; i++)
		if (d->rep[i].map && maps_rcpt(d->rep[i].map, c[1])
		    && in_spans(d->rep[i].spans, d->rep[i].nspans, bucket))
			d->rep[i].counted += atoll(c[2]);
	return (0);
}

 /*
  * Counting to all recipients over the hours any report covers.
  */
struct all_ctx {
	struct xc_domain *d;
	struct xc_reporter all;		/* the spans of every reporter */
};

/* on_total - one hour, all recipients */

static int
on_total(void *ctx, int ncols, const char *const *c)
{
	struct all_ctx *a = ctx;

	if (ncols < 2 || c[0] == NULL || c[1] == NULL)
		return (0);
	if (in_spans(a->all.spans, a->all.nspans, (time_t) atoll(c[0])))
		a->d->counted += atoll(c[1]);
	return (0);
}

/* count_from - signet's counts of one From domain */

static int
count_from(struct dmarc_db *db, struct all_ctx *a, const char *from,
	   struct buf *err)
{
	struct xc_domain *d = a->d;
	struct buf sql = BUF_INIT;
	struct db_param par[64];
	int     n = 0, nrcpt = 0, rc;
	size_t  i, j;

	par[n].text = from, par[n++].num = 0;
	par[n].text = NULL, par[n++].num = d->first;
	par[n].text = NULL, par[n++].num = d->last;
	rc = dmarc_db_sql(db, "SELECT bucket, SUM(messages) FROM counts_summary "
			  "WHERE from_domain = ? AND bucket >= ? AND bucket < ? AND "
			  SENT_OUTCOMES " GROUP BY bucket", par, n, on_total, a, err);
	buf_puts(&sql, "SELECT bucket, rcpt_domain, SUM(messages) FROM counts_rcpt "
		 "WHERE from_domain = ? AND bucket >= ? AND bucket < ? AND "
		 SENT_OUTCOMES " AND rcpt_domain IN (");
	for (i = 0; i < d->nrep; i++) {
		for (j = 0; d->rep[i].map && j < d->rep[i].map->nrcpt_domains
		     && n < 64; j++) {
			par[n].text = d->rep[i].map->rcpt_domains[j];
			par[n++].num = 0;
			buf_puts(&sql, nrcpt++ ? ", ?" : "?");
		}
	}
	buf_puts(&sql, ") GROUP BY bucket, rcpt_domain");
	if (rc == 0 && nrcpt > 0)
		rc = dmarc_db_sql(db, sql.data, par, n, on_rcpt, d, err);
	buf_free(&sql);
	return (rc);
}

/* lower - a lower-case copy */

static char *
lower(const char *s)
{
	char   *out = xstrdup(s), *cp;

	for (cp = out; *cp; cp++)
		*cp = (char) tolower((unsigned char) *cp);
	return (out);
}

/* count_alarms - more reported than counted */

static void
count_alarms(struct xc_domain *d)
{
	struct xc_reporter *r;
	long long seen;
	size_t  i;

	for (i = 0; i < d->nrep; i++) {
		r = &d->rep[i];
		seen = r->cls[XC_OURS].messages;
		if (r->map == NULL || seen <= r->counted)
			continue;
		r->alarm = 1;
		xc_alarm_add(d, "reported-exceeds-counted", r->label,
			     "%s saw %lld messages of %s from our addresses, signet "
			     "counted %lld to its recipient domains in the same "
			     "hours: %lld left without passing signet (another MTA "
			     "on these addresses, or a path around the milter)",
			     r->label, seen, d->name, r->counted, seen - r->counted);
	}
}

/* dkim_alarms - DKIM failing on our addresses, per selector */

static void
dkim_alarms(struct xc_domain *d)
{
	const struct xc_selector *s;
	struct buf subj = BUF_INIT;
	size_t  i;

	for (i = 0; i < d->nsel; i++) {
		s = &d->sel[i];
		if (s->fail == 0)
			continue;
		buf_reset(&subj);
		if (*s->selector == 0) {
			buf_printf(&subj, "d=%s (no signature)", s->domain);
			xc_alarm_add(d, "dkim-fails-on-ours", subj.data, "%lld messages "
				     "from our addresses carried no aligned DKIM "
				     "signature of %s: they left without being signed "
				     "by signet", s->fail, s->domain);
			continue;
		}
		buf_printf(&subj, "d=%s s=%s", s->domain, s->selector);
		xc_alarm_add(d, "dkim-fails-on-ours", subj.data, "DKIM d=%s s=%s "
			     "failed on %lld of %lld messages from our addresses: "
			     "the message changed after signing (broken in transit), "
			     "or the key and its DNS record are out of step (run "
			     "signet keys check %s)", s->domain, s->selector, s->fail,
			     s->fail + s->pass, s->domain);
	}
	buf_free(&subj);
}

/* xc_counts - signet's counts beside the reports, and the alarms */

int
xc_counts(struct xcheck *xc, struct dmarc_db *db, struct xc_domain *d,
	  struct buf *err)
{
	struct all_ctx a;
	struct xc_names froms;
	char   *name;
	size_t  i, j;
	int     rc = 0;

	(void) xc;
	memset(&a, 0, sizeof(a));
	memset(&froms, 0, sizeof(froms));
	a.d = d;
	for (i = 0; i < d->nrep; i++)
		for (j = 0; j < d->rep[i].nspans; j++)
			xc_span_add(&a.all, d->rep[i].spans[j].begin,
				    d->rep[i].spans[j].end);
	xc_names_add(&froms, d->name);
	for (i = 0; i < d->from_domains.n; i++) {
		name = lower(d->from_domains.v[i]);
		xc_names_add(&froms, name);
		free(name);
	}
	for (i = 0; rc == 0 && i < froms.n; i++)
		rc = count_from(db, &a, froms.v[i], err);
	xc_names_free(&froms);
	free(a.all.spans);
	if (rc != 0)
		return (-1);
	count_alarms(d);
	dkim_alarms(d);
	return (0);
}
