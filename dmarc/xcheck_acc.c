/*++
/* NAME
/*	xcheck_acc 3
/* SUMMARY
/*	the cross-check's accumulators
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_names_add(struct xc_names *set, const char *s)
/*	int	xc_names_has(const struct xc_names *set, const char *s)
/*	void	xc_names_free(struct xc_names *set)
/*
/*	void	xc_stat_add(struct xc_stat *to, const struct xc_stat *st)
/*	void	xc_series_add(struct xc_series *s, time_t day,
/*			const struct xc_stat *st)
/*
/*	struct xc_source *xc_source_get(struct xc_domain *d, const char *ip,
/*			enum xc_class cls)
/*	void	xc_sources_finish(struct xc_domain *d)
/*
/*	struct xc_reporter *xc_reporter_get(struct xcheck *xc,
/*			struct xc_domain *d, const char *reporter)
/*	void	xc_span_add(struct xc_reporter *r, time_t begin, time_t end)
/*
/*	void	xc_selector_add(struct xc_domain *d, const char *domain,
/*			const char *selector, int pass, long long messages)
/*	void	xc_alarm_add(struct xc_domain *d, const char *kind,
/*			const char *subject, const char *fmt, ...)
/*
/*	void	xc_domain_free(struct xc_domain *d)
/* DESCRIPTION
/*	Small sets, sums and per-day series. xc_source_get() finds or
/*	makes the source of an address and class (a tsearch(3) tree while
/*	rows are read; an address whose rows fall in two classes is a
/*	source in each); xc_sources_finish() turns the tree into d->src,
/*	ordered by class, then by volume (largest first), then by address.
/*	xc_reporter_get() finds or makes a domain's reporter under the
/*	name the reporter mapping gives it. xc_span_add() adds a report's
/*	period to its reporter's, merging what overlaps or touches.
/* DIAGNOSTICS
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <search.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "xcheck.h"

/* xc_names_has - is the string in the set? */

int
xc_names_has(const struct xc_names *set, const char *s)
{
	size_t  i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i], s) == 0)
			return (1);
	return (0);
}

/* xc_names_add - add a string unless it is there */

void
xc_names_add(struct xc_names *set, const char *s)
{
	if (xc_names_has(set, s))
		return;
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	set->v[set->n++] = xstrdup(s);
}

/* xc_names_free - release a set */

void
xc_names_free(struct xc_names *set)
{
	size_t  i;

	for (i = 0; i < set->n; i++)
		free(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/* xc_stat_add - add statistics */

void
xc_stat_add(struct xc_stat *to, const struct xc_stat *st)
{
	to->messages += st->messages;
	to->spf_pass += st->spf_pass;
	to->dkim_pass += st->dkim_pass;
	to->dmarc_pass += st->dmarc_pass;
}

/* xc_series_add - add statistics to a day of a series */

void
xc_series_add(struct xc_series *s, time_t day, const struct xc_stat *st)
{
	size_t  i;

	for (i = 0; i < s->npts && s->pts[i].day < day; i++)
		 /* void */ ;
	if (i == s->npts || s->pts[i].day != day) {
		s->pts = xreallocarray(s->pts, s->npts + 1, sizeof(*s->pts));
		memmove(s->pts + i + 1, s->pts + i, (s->npts - i) * sizeof(*s->pts));
		memset(&s->pts[i], 0, sizeof(s->pts[i]));
		s->pts[i].day = day;
		s->npts++;
	}
	xc_stat_add(&s->pts[i].st, st);
}

/* source_cmp - tsearch order: by address, then class */

static int
source_cmp(const void *a, const void *b)
{
	const struct xc_source *x = a;
	const struct xc_source *y = b;
	int     c = strcmp(x->ip, y->ip);

	return (c ? c : (int) x->cls - (int) y->cls);
}

/* xc_source_get - the source of an address and class, made when new */

struct xc_source *
xc_source_get(struct xc_domain *d, const char *ip, enum xc_class cls)
{
	struct xc_source key, *s, **found;

	memset(&key, 0, sizeof(key));
	(void) strncpy(key.ip, ip, sizeof(key.ip) - 1);
	key.cls = cls;
	if ((found = tfind(&key, &d->src_tree, source_cmp)) != NULL)
		return (*found);
	s = xcalloc(1, sizeof(*s));
	memcpy(s->ip, key.ip, sizeof(s->ip));
	s->cls = cls;
	if (tsearch(s, &d->src_tree, source_cmp) == NULL)
		log_fatal("xc_source_get: out of memory");
	d->src = xreallocarray(d->src, d->nsrc + 1, sizeof(*d->src));
	d->src[d->nsrc++] = s;
	return (s);
}

/* source_order - by class, by volume (largest first), by address */

static int
source_order(const void *a, const void *b)
{
	const struct xc_source *x = *(struct xc_source *const *) a;
	const struct xc_source *y = *(struct xc_source *const *) b;

	if (x->cls != y->cls)
		return (x->cls < y->cls ? -1 : 1);
	if (x->st.messages != y->st.messages)
		return (x->st.messages > y->st.messages ? -1 : 1);
	return (strcmp(x->ip, y->ip));
}

/* noop_free - tdestroy() leaves the nodes' data to d->src */

static void
noop_free(void *p)
{
	(void) p;
}

/* xc_sources_finish - drop the tree, order the sources */

void
xc_sources_finish(struct xc_domain *d)
{
	if (d->src_tree != NULL)
		tdestroy(d->src_tree, noop_free);
	d->src_tree = NULL;
	if (d->nsrc > 1)
		qsort(d->src, d->nsrc, sizeof(*d->src), source_order);
}

/* map_find - the mapping entry whose reports a reporter writes */

static const struct policy_dmarc_reporter *
map_find(const struct xcheck *xc, const char *reporter)
{
	size_t  i, j;

	for (i = 0; i < xc->nmap; i++)
		for (j = 0; j < xc->map[i].norgs; j++)
			if (strcasecmp(xc->map[i].orgs[j], reporter) == 0)
				return (&xc->map[i]);
	return (NULL);
}

/* xc_reporter_get - a domain's reporter, by mapped name */

struct xc_reporter *
xc_reporter_get(struct xcheck *xc, struct xc_domain *d, const char *reporter)
{
	const struct policy_dmarc_reporter *m = map_find(xc, reporter);
	const char *label = m ? m->name : reporter;
	struct xc_reporter *r;
	size_t  i;

	for (i = 0; i < d->nrep; i++)
		if (strcmp(d->rep[i].label, label) == 0)
			return (&d->rep[i]);
	d->rep = xreallocarray(d->rep, d->nrep + 1, sizeof(*d->rep));
	d->rep_series = xreallocarray(d->rep_series, d->nrep + 1,
				      sizeof(*d->rep_series));
	r = &d->rep[d->nrep];
	memset(r, 0, sizeof(*r));
	r->label = xstrdup(label);
	r->map = m;
	memset(&d->rep_series[d->nrep], 0, sizeof(*d->rep_series));
	d->rep_series[d->nrep].label = xstrdup(label);
	d->nrep++;
	return (r);
}

/* xc_span_add - add [begin, end) to a reporter's periods, merged */

void
xc_span_add(struct xc_reporter *r, time_t begin, time_t end)
{
	size_t  i, j;

	for (i = 0; i < r->nspans && r->spans[i].end < begin; i++)
		 /* void */ ;
	if (i < r->nspans && r->spans[i].begin <= end) {
		if (begin < r->spans[i].begin)
			r->spans[i].begin = begin;
		if (end > r->spans[i].end)
			r->spans[i].end = end;
		for (j = i + 1; j < r->nspans && r->spans[j].begin <= r->spans[i].end; j++)
			if (r->spans[j].end > r->spans[i].end)
				r->spans[i].end = r->spans[j].end;
		memmove(r->spans + i + 1, r->spans + j,
			(r->nspans - j) * sizeof(*r->spans));
		r->nspans -= j - i - 1;
		return;
	}
	r->spans = xreallocarray(r->spans, r->nspans + 1, sizeof(*r->spans));
	memmove(r->spans + i + 1, r->spans + i, (r->nspans - i) * sizeof(*r->spans));
	r->spans[i].begin = begin;
	r->spans[i].end = end;
	r->nspans++;
}

/* xc_selector_add - DKIM results on our addresses for d= and s= */

void
xc_selector_add(struct xc_domain *d, const char *domain, const char *selector,
		int pass, long long messages)
{
	struct xc_selector *s;
	size_t  i;

	for (i = 0; i < d->nsel; i++)
		if (strcasecmp(d->sel[i].domain, domain) == 0
		    && strcmp(d->sel[i].selector, selector) == 0)
			break;
	if (i == d->nsel) {
		d->sel = xreallocarray(d->sel, d->nsel + 1, sizeof(*d->sel));
		s = &d->sel[d->nsel++];
		memset(s, 0, sizeof(*s));
		s->domain = xstrdup(domain);
		s->selector = xstrdup(selector);
	}
	s = &d->sel[i];
	if (pass)
		s->pass += messages;
	else
		s->fail += messages;
}

/* xc_alarm_add - one alarm of a domain */

void
xc_alarm_add(struct xc_domain *d, const char *kind, const char *subject,
	     const char *fmt,...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->alarms = xreallocarray(d->alarms, d->nalarms + 1, sizeof(*d->alarms));
	d->alarms[d->nalarms].kind = kind;
	d->alarms[d->nalarms].subject = xstrdup(subject);
	d->alarms[d->nalarms].text = buf_steal(&b);
	d->nalarms++;
}

/* series_free - release a series */

static void
series_free(struct xc_series *s)
{
	free(s->label);
	free(s->pts);
}

/* xc_domain_free - release what a domain holds */

void
xc_domain_free(struct xc_domain *d)
{
	size_t  i;

	xc_sources_finish(d);
	for (i = 0; i < d->nsrc; i++) {
		free(d->src[i]->why);
		free(d->src[i]->advice);
		free(d->src[i]->rdns);
		xc_names_free(&d->src[i]->reporters);
		free(d->src[i]);
	}
	free(d->src);
	for (i = 0; i < d->nrep; i++) {
		free(d->rep[i].label);
		free(d->rep[i].spans);
		series_free(&d->rep_series[i]);
	}
	free(d->rep);
	free(d->rep_series);
	for (i = 0; i < XC_NCLASS; i++) {
		xc_names_free(&d->cls_reporters[i]);
		series_free(&d->cls_series[i]);
	}
	for (i = 0; i < d->nsel; i++) {
		free(d->sel[i].domain);
		free(d->sel[i].selector);
	}
	free(d->sel);
	for (i = 0; i < d->nalarms; i++) {
		free(d->alarms[i].subject);
		free(d->alarms[i].text);
	}
	free(d->alarms);
	free(d->step.next);
	free(d->step.dns_note);
	xc_dnspolicy_free(&d->dns);
	xc_names_free(&d->step.why_not);
	xc_names_free(&d->from_domains);
	xc_names_free(&d->policy_days);
	free(d->name);
}
