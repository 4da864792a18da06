/*++
/* NAME
/*	dmarc_audit 3
/* SUMMARY
/*	signet check: the domain's DMARC record
/* SYNOPSIS
/*	#include "audit/audit.h"
/*
/*	void	audit_dmarc(struct audit *a)
/*
/*	int	audit_dmarc_lookup(struct audit *a, char **text,
/*			char **owner, struct buf *why)
/* DESCRIPTION
/*	audit_dmarc() looks up the DMARC record of a->domain (TXT at
/*	_dmarc.DOMAIN; for a subdomain without one, the record of its
/*	organisational domain, which then applies) and checks it against
/*	RFC 7489 and RFC 9989: exactly one record, a tag list, v=DMARC1
/*	first, p (required by RFC 7489) and the values of p, sp, np, t,
/*	psd, adkim, aspf, fo; pct, ri and rf as legacy (RFC 9989 removed
/*	them, and t replaces pct); unknown tags; p=none, with the next
/*	step; rua present; and each rua and ruf URI (audit_dmarc_uris()).
/*
/*	audit_dmarc_lookup() finds the record that applies to a->domain
/*	the same way, without checking it: it returns the number of
/*	DMARC records found (1: *text is the record and *owner its
/*	domain, a->domain or its organisational domain; both to be
/*	freed), 0 when there is none, or -1 with the reason in why when
/*	DNS does not answer.
/* DIAGNOSTICS
/*	None returned: a lookup that fails is a warning finding, a
/*	missing or broken record a critical one.
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

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"
#include "audit/dmarc_audit.h"
#include "taglist.h"

/* dmarc_looks_like - a TXT record meant as DMARC (v=DMARC1 anywhere) */

static int
dmarc_looks_like(const char *text)
{
	const char *cp;

	for (cp = text; *cp; cp++)
		if (strncasecmp(cp, "v=DMARC1", 8) == 0)
			return (1);
	return (0);
}

/* dmarc_fetch - the DMARC records of a name; count, 0, or -1 (DNS) */

static int
dmarc_fetch(struct audit *a, const char *name, char **text, struct buf *why)
{
	return (audit_txt_pick(a, name, dmarc_looks_like, text, why));
}

/* dmarc_version - v=DMARC1 first; 0, or -1 (reported) */

static int
dmarc_version(struct audit *a, const char *subj, const struct taglist *tl)
{
	if (tl->ntags == 0 || strcmp(tl->tags[0].name, "v") != 0) {
		finding_add(a->f, SEV_CRIT, "dmarc", subj, "put v=DMARC1 first",
			    "the record does not start with v=DMARC1: receivers "
			    "ignore it");
		return (-1);
	}
	if (strcmp(tl->tags[0].value, "DMARC1") != 0) {
		finding_add(a->f, SEV_CRIT, "dmarc", subj, "write v=DMARC1",
			    "v=%s is not v=DMARC1: receivers ignore the record",
			    tl->tags[0].value);
		return (-1);
	}
	return (0);
}

/* dmarc_record - check one record's text */

static void
dmarc_record(struct audit *a, const char *subj, const char *owner,
	     const char *text)
{
	struct dmarc_ctx c;
	struct buf why = BUF_INIT;
	size_t  i;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.subj = subj;
	c.owner = owner;
	if (taglist_parse(text, strlen(text), &c.tl, &why) < 0) {
		finding_add(a->f, SEV_CRIT, "dmarc", subj, "write the record as "
			    "tag=value pairs separated by \";\"", "syntax error: "
			    "%s; receivers ignore the record: \"%s\"", why.data,
			    text);
		buf_free(&why);
		return;
	}
	if (dmarc_version(a, subj, &c.tl) == 0) {
		finding_add(a->f, SEV_OK, "dmarc", subj, NULL, "DMARC record: "
			    "\"%s\"", text);
		for (i = 1; i < c.tl.ntags; i++)
			dmarc_tag(&c, &c.tl.tags[i]);
		dmarc_record_end(&c);
	}
	taglist_free(&c.tl);
	buf_free(&why);
}

/* dmarc_missing - no record of its own: the organisational domain's? */

static void
dmarc_missing(struct audit *a, const char *name)
{
	struct buf why = BUF_INIT, oname = BUF_INIT, fix = BUF_INIT;
	char   *org = audit_org_domain(a->domain), *text = NULL;
	int     n = 0;

	if (strcmp(org, a->domain) != 0) {
		buf_printf(&oname, "_dmarc.%s", org);
		n = dmarc_fetch(a, oname.data, &text, &why);
	}
	if (n == 1) {
		finding_add(a->f, SEV_INFO, "dmarc", name, NULL, "no record of "
			    "its own: the record of its organisational domain "
			    "%s applies (its sp=, else its p=)", org);
		dmarc_record(a, oname.data, org, text);
	} else {
		buf_printf(&fix, "publish TXT %s \"v=DMARC1; p=none; "
			   "rua=mailto:dmarc-reports@%s\", then step up to "
			   "p=quarantine and p=reject as the reports allow",
			   name, a->domain);
		finding_add(a->f, SEV_CRIT, "dmarc", name, fix.data, "no DMARC "
			    "record: receivers apply no policy to mail that "
			    "fails authentication, send no reports, and large "
			    "mailbox providers refuse bulk mail without one");
	}
	free(org);
	free(text);
	buf_free(&why);
	buf_free(&oname);
	buf_free(&fix);
}

/* audit_dmarc_lookup - the DMARC record that applies, unchecked */

int
audit_dmarc_lookup(struct audit *a, char **text, char **owner,
		   struct buf *why)
{
	struct buf name = BUF_INIT;
	char   *org;
	int     n;

	*owner = NULL;
	buf_printf(&name, "_dmarc.%s", a->domain);
	if ((n = dmarc_fetch(a, name.data, text, why)) == 0) {
		org = audit_org_domain(a->domain);
		buf_reset(&name);
		buf_printf(&name, "_dmarc.%s", org);
		if (strcmp(org, a->domain) != 0
		    && (n = dmarc_fetch(a, name.data, text, why)) > 0)
			*owner = org;
		else
			free(org);
	}
	if (n > 0 && *owner == NULL)
		*owner = xstrdup(a->domain);
	buf_free(&name);
	return (n);
}

/* audit_dmarc - the DMARC findings of a->domain */

void
audit_dmarc(struct audit *a)
{
	struct buf name = BUF_INIT, why = BUF_INIT;
	char   *text;

	buf_printf(&name, "_dmarc.%s", a->domain);
	switch (dmarc_fetch(a, name.data, &text, &why)) {
	case -1:
		finding_add(a->f, SEV_WARN, "dmarc", name.data, "make sure the "
			    "domain's nameservers answer, then check again",
			    "%s", why.data);
		break;
	case 0:
		dmarc_missing(a, name.data);
		break;
	case 1:
		dmarc_record(a, name.data, a->domain, text);
		break;
	default:
		finding_add(a->f, SEV_CRIT, "dmarc", name.data, "keep one "
			    "record", "several DMARC records: receivers apply "
			    "no DMARC policy");
		break;
	}
	free(text);
	buf_free(&name);
	buf_free(&why);
}
