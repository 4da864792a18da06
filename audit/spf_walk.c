/*++
/* NAME
/*	spf_walk 3
/* SUMMARY
/*	signet check: SPF lookups through includes and redirects
/* SYNOPSIS
/*	#include "audit/spf_audit.h"
/*
/*	void	audit_spf_walk(struct audit *a, const char *name,
/*			const struct spf_record *rec)
/* DESCRIPTION
/*	audit_spf_walk() counts what RFC 7208 section 4.6.4 limits, as the
/*	worst case of an evaluation of rec (the record of name): the
/*	terms that query DNS (include, a, mx, ptr, exists, and redirect
/*	when the record has no all), at most 10, through every include
/*	and redirect, each included record fetched and checked in turn;
/*	and the void lookups (a name that does not exist or has no
/*	record), at most 2, as an IPv4 client's evaluation makes them: A
/*	for a and exists, MX for mx. An mx name with more than 10 MX
/*	records is a permerror too.
/*
/*	An include or redirect without a record, with two, with a syntax
/*	error, or one that leads back to a record on its way (a loop) is
/*	critical: receivers get permerror. Terms with macros are counted,
/*	but what they query depends on the message and is not followed.
/*	At most 30 records are fetched, 12 deep.
/* DIAGNOSTICS
/*	None returned: lookups that fail are warning findings.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/spf_audit.h"

#define WALK_RECORDS_MAX	30
#define WALK_DEPTH_MAX		12
#define WALK_MX_MAX		10

/* A term evaluated and counted (a redirect is ignored beside all). */
#define WALK_COUNTS(t, all) (SPF_TERM_QUERIES((t)->kind) \
	&& !((all) && (t)->kind == SPFT_REDIRECT))

struct walk {
	struct audit *a;
	int     terms;			/* DNS-querying terms */
	int     voids;			/* void lookups */
	int     records;		/* records fetched */
	int     macros;			/* terms not followed: macros */
	int     truncated;		/* stopped following: too many */
	char   *path[WALK_DEPTH_MAX + 1];	/* the records being walked */
	int     depth;
	struct buf counts;		/* "example.com 3, _spf.x.net 4" */
	struct buf voidnames;		/* "a:old.example.com, ..." */
};

static void walk_record(struct walk *, const char *, const struct spf_record *);

/* walk_void - is a lookup void; counts it */

static void
walk_void(struct walk *w, const char *mech, const char *name, int type)
{
	struct dns_answer ans;

	switch (dns_lookup(w->a->dns, name, type, &ans)) {
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		w->voids++;
		buf_printf(&w->voidnames, "%s%s:%s", w->voidnames.len ? ", " : "",
			   mech, name);
		break;
	case DNS_OK:
		if (type == DNS_TYPE_MX && ans.count > WALK_MX_MAX)
			finding_add(w->a->f, SEV_CRIT, "spf", name, "list the "
				    "sending servers with a: or ip4:/ip6: "
				    "instead of mx", "mx:%s: %zu MX records, "
				    "more than the 10 an evaluation may look "
				    "at: receivers get permerror", name, ans.count);
		break;
	default:
		finding_add(w->a->f, SEV_WARN, "spf", name, "make sure the "
			    "name's nameservers answer, then check again",
			    "cannot look up %s: %s", name, ans.error ? ans.error
			    : dns_status_name(ans.status));
		break;
	}
	dns_answer_free(&ans);
}

/* walk_target - the name a term queries, lower case; NULL: macros */

static char *
walk_target(const char *current, const struct spf_term *t)
{
	char   *name, *cp;

	if (t->macro)
		return (NULL);
	name = xstrdup(t->arg ? t->arg : current);
	for (cp = name; *cp; cp++)
		*cp = tolower((unsigned char) *cp);
	if (cp > name + 1 && cp[-1] == '.')
		cp[-1] = 0;
	return (name);
}

/* walk_loop - is name on the way to here; reports the loop */

static int
walk_loop(struct walk *w, const char *name)
{
	struct buf way = BUF_INIT;
	int     i, loop = 0;

	for (i = 0; i < w->depth; i++)
		if (strcmp(w->path[i], name) == 0)
			loop = 1;
	if (!loop)
		return (0);
	for (i = 0; i < w->depth; i++)
		buf_printf(&way, "%s -> ", w->path[i]);
	finding_add(w->a->f, SEV_CRIT, "spf", name, "remove the include or "
		    "redirect that leads back", "the records include each "
		    "other in a loop (%s%s): receivers get permerror",
		    way.data, name);
	buf_free(&way);
	return (1);
}

/* walk_broken - an include or redirect that gives permerror */

static void
walk_broken(struct walk *w, const char *from, const struct spf_term *t,
	    const char *name, const char *what, const char *fix)
{
	finding_add(w->a->f, SEV_CRIT, "spf", name, fix, "\"%s\" in the record "
		    "of %s: %s: receivers get permerror", t->text, from, what);
}

/* walk_follow - fetch, check and walk the record an include names */

static void
walk_follow(struct walk *w, const char *from, const struct spf_term *t,
	    const char *name)
{
	struct spf_record rec;
	struct buf why = BUF_INIT;
	char   *text = NULL;

	if (walk_loop(w, name))
		return;
	if (w->depth >= WALK_DEPTH_MAX || w->records >= WALK_RECORDS_MAX) {
		w->truncated = 1;
		return;
	}
	w->records++;
	switch (audit_spf_fetch(w->a, name, &text, &why)) {
	case SPFF_NONE:
		walk_broken(w, from, t, name, "it has no SPF record", "remove "
			    "the term, or correct the name");
		break;
	case SPFF_MANY:
		walk_broken(w, from, t, name, "it has several SPF records",
			    "ask its operator to merge them into one");
		break;
	case SPFF_DNS:
		finding_add(w->a->f, SEV_WARN, "spf", name, "make sure the "
			    "name's nameservers answer, then check again",
			    "%s", why.data);
		break;
	case SPFF_ONE:
		buf_reset(&why);
		if (spf_record_parse(text, &rec, &why) < 0) {
			buf_printf(&why, "; the record: \"%s\"", text);
			walk_broken(w, from, t, name, why.data, "correct that "
				    "record, or remove the term");
			break;
		}
		audit_spf_terms(w->a, name, &rec, 0);
		walk_record(w, name, &rec);
		spf_record_free(&rec);
		break;
	}
	free(text);
	buf_free(&why);
}

/* walk_term - one term of the record of name */

static void
walk_term(struct walk *w, const char *name, const struct spf_term *t)
{
	char   *target = walk_target(name, t);

	if (target == NULL && t->kind != SPFT_PTR)
		w->macros++;
	else if (t->kind == SPFT_A)
		walk_void(w, "a", target, DNS_TYPE_A);
	else if (t->kind == SPFT_MX)
		walk_void(w, "mx", target, DNS_TYPE_MX);
	else if (t->kind == SPFT_EXISTS)
		walk_void(w, "exists", target, DNS_TYPE_A);
	else if (t->kind == SPFT_INCLUDE || t->kind == SPFT_REDIRECT)
		walk_follow(w, name, t, target);
	free(target);
}

/* walk_record - count and follow the terms of one record */

static void
walk_record(struct walk *w, const char *name, const struct spf_record *rec)
{
	int     all = 0, own = 0;
	size_t  i;

	for (i = 0; i < rec->nterms; i++)
		if (rec->terms[i].kind == SPFT_ALL)
			all = 1;
	for (i = 0; i < rec->nterms; i++)
		own += WALK_COUNTS(&rec->terms[i], all);
	buf_printf(&w->counts, "%s%s %d", w->counts.len ? ", " : "", name, own);
	w->terms += own;
	w->path[w->depth++] = xstrdup(name);
	for (i = 0; i < rec->nterms; i++)
		if (WALK_COUNTS(&rec->terms[i], all))
			walk_term(w, name, &rec->terms[i]);
	free(w->path[--w->depth]);
}

/* walk_report - the findings about the counts */

static void
walk_report(struct walk *w, const char *name)
{
	enum severity sev = w->terms > 10 ? SEV_CRIT : w->terms >= 9 ? SEV_WARN
		: SEV_OK;

	finding_add(w->a->f, sev, "spf", name, sev == SEV_OK ? NULL :
		    "replace includes by the ip4:/ip6: networks they stand "
		    "for, and remove includes of services that no longer send",
		    "%s%d DNS-querying term%s of at most 10 (include, a, mx, "
		    "ptr, exists, redirect; per record: %s)%s", w->truncated ?
		    "at least " : "", w->terms, w->terms == 1 ? "" : "s",
		    w->counts.data, sev == SEV_CRIT ?
		    ": receivers get permerror and SPF fails for all mail" :
		    sev == SEV_WARN ? ": close to the limit; one more include "
		    "anywhere breaks SPF" : "");
	if (w->voids > 2)
		finding_add(w->a->f, SEV_CRIT, "spf", name, "remove the terms "
			    "that name hosts that no longer exist", "%d void "
			    "lookups (%s), more than 2: receivers get permerror",
			    w->voids, w->voidnames.data);
	else if (w->voids > 0)
		finding_add(w->a->f, SEV_WARN, "spf", name, "remove the terms "
			    "that name hosts that no longer exist", "%d void "
			    "lookup%s (%s): a third one makes a permerror",
			    w->voids, w->voids == 1 ? "" : "s", w->voidnames.data);
	if (w->macros > 0)
		finding_add(w->a->f, SEV_INFO, "spf", name, NULL, "%d term%s "
			    "with macros: what they look up depends on the "
			    "message and is not counted beyond the term",
			    w->macros, w->macros == 1 ? "" : "s");
}

/* audit_spf_walk - lookups through includes and redirects */

void
audit_spf_walk(struct audit *a, const char *name, const struct spf_record *rec)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	w.a = a;
	buf_init(&w.counts);
	buf_init(&w.voidnames);
	walk_record(&w, name, rec);
	walk_report(&w, name);
	buf_free(&w.counts);
	buf_free(&w.voidnames);
}
