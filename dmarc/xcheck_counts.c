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
/*	Both come from the counters store's own queries
/*	(store_query_rcpt() and store_query_periods()), which leave the
/*	sender "inbound" out and keep the outcomes above. An hourly row
/*	counts when its hour starts inside what the reports cover. A day
/*	row (hours rolled up after counters: retention: hourly_days)
/*	counts when the reports cover its whole UTC day, and not at all
/*	otherwise: its messages cannot be placed in hours, and receivers
/*	report per UTC day, so a covered day is the usual case.
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

#define DAY	86400

 /*
  * What signet-milter let out, and the sender of mail it did not send.
  */
static const char *const sent_outcomes[] = {
	"signed", "passed", "accepted-unsigned", "monitored-would-refuse", NULL,
};

#define NOT_SENT_SENDER	"inbound"

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

/* in_spans - does a row's period count in the spans? */

static int
in_spans(const struct xc_span *s, size_t n, time_t bucket, int span)
{
	size_t  i;

	for (i = 0; i < n; i++) {
		if (bucket < s[i].begin)
			continue;
		if (span == DAY ? bucket + DAY <= s[i].end : bucket < s[i].end)
			return (1);
	}
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

/* on_rcpt - one period and recipient domain: to its reporters */

static int
on_rcpt(void *ctx, time_t bucket, int span, const char *from,
	const char *outcome, const char *rcpt, long long messages)
{
	struct xc_domain *d = ctx;
	size_t  i;

	(void) from;
	(void) outcome;
	for (i = 0; i < d->nrep; i++)
		if (d->rep[i].map && maps_rcpt(d->rep[i].map, rcpt)
		    && in_spans(d->rep[i].spans, d->rep[i].nspans, bucket, span))
			d->rep[i].counted += messages;
	return (0);
}

 /*
  * Counting to all recipients over the hours any report covers.
  */
struct all_ctx {
	struct xc_domain *d;
	struct xc_reporter all;		/* the spans of every reporter */
};

/* on_total - one period, all recipients */

static int
on_total(void *ctx, time_t bucket, int span, const char *from,
	 const char *outcome, const char *rcpt, long long messages)
{
	struct all_ctx *a = ctx;

	(void) from;
	(void) outcome;
	(void) rcpt;
	if (in_spans(a->all.spans, a->all.nspans, bucket, span))
		a->d->counted += messages;
	return (0);
}

/* mapped_rcpt - the recipient domains of the mapped reporters, once each */

static const char **
mapped_rcpt(const struct xc_domain *d, size_t *np)
{
	const char **v;
	size_t  i, j, k, n = 0, max = 0;

	for (i = 0; i < d->nrep; i++)
		if (d->rep[i].map)
			max += d->rep[i].map->nrcpt_domains;
	v = xcalloc(max + 1, sizeof(*v));
	for (i = 0; i < d->nrep; i++) {
		for (j = 0; d->rep[i].map && j < d->rep[i].map->nrcpt_domains; j++) {
			const char *r = d->rep[i].map->rcpt_domains[j];

			for (k = 0; k < n && strcasecmp(v[k], r) != 0; k++)
				 /* void */ ;
			if (k == n)
				v[n++] = r;
		}
	}
	*np = n;
	return (v);
}

/* count_from - signet's counts of one From domain */

static int
count_from(struct dmarc_db *db, struct all_ctx *a, const char *from,
	   struct buf *err)
{
	struct xc_domain *d = a->d;
	struct store *st = dmarc_db_store(db);
	struct count_filter f;
	const char **rcpt, *chunk[STORE_FILTER_MAX + 1];
	size_t  n, i, c;
	int     rc;

	memset(&f, 0, sizeof(f));
	f.since = d->first;
	f.until = d->last;
	f.domain = from;
	f.not_sender = NOT_SENT_SENDER;
	f.outcomes = sent_outcomes;
	if ((rc = store_query_periods(st, &f, on_total, a, err)) != 0)
		return (rc);

	/*
	 * A filter holds at most STORE_FILTER_MAX recipient domains (--mx can
	 * map many hosted domains); ask in slices, each domain in one only.
	 */
	rcpt = mapped_rcpt(d, &n);
	f.rcpt_domains = chunk;
	for (i = 0; rc == 0 && i < n; i += c) {
		c = n - i < STORE_FILTER_MAX ? n - i : STORE_FILTER_MAX;
		memcpy(chunk, rcpt + i, c * sizeof(*chunk));
		chunk[c] = NULL;
		rc = store_query_rcpt(st, &f, on_rcpt, d, err);
	}
	free(rcpt);
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
