/*++
/* NAME
/*	xcheck_pub 3
/* SUMMARY
/*	the DMARC record a domain publishes now, from DNS
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_dns_policy(struct xcheck *xc, struct xc_domain *d)
/*
/*	void	xc_dnspolicy_free(struct xc_dnspolicy *dp)
/* DESCRIPTION
/*	xc_dns_policy() reads the DMARC record that applies to d->name
/*	now, through xc->opt.dns, as signet check finds it
/*	(audit_dmarc_lookup(): _dmarc.DOMAIN, else the record of the
/*	organisational domain, whose sp= then applies), and fills d->dns:
/*	the record, its domain, its tags as a struct xc_published, and
/*	the warnings and errors that signet check's DMARC audit gives
/*	for it. The policy step (xcheck_step.c) then starts from it.
/*
/*	xc_dnspolicy_free() releases what d->dns holds.
/* DIAGNOSTICS
/*	None returned: d->dns.state says whether a record was found,
/*	and error why DNS did not answer.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "finding.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"
#include "taglist.h"
#include "xcheck.h"

/* tag_copy - one tag's value into a field, "" when absent */

static void
tag_copy(const struct taglist *tl, const char *name, char *out, size_t len)
{
	const char *v = taglist_get(tl, name);

	(void) snprintf(out, len, "%s", v ? v : "");
}

/* parse - the tags of the record that the step needs */

static void
parse(struct xc_dnspolicy *dp, const char *domain)
{
	struct xc_published *pub = &dp->pub;
	struct taglist tl;
	struct buf why = BUF_INIT;
	const char *pct;

	memset(&tl, 0, sizeof(tl));
	pub->pct = -1;
	if (taglist_parse(dp->record, strlen(dp->record), &tl, &why) < 0) {
		buf_free(&why);
		return;				/* the audit says why */
	}
	tag_copy(&tl, "p", pub->p, sizeof(pub->p));
	tag_copy(&tl, "sp", pub->sp, sizeof(pub->sp));
	tag_copy(&tl, "np", pub->np, sizeof(pub->np));
	tag_copy(&tl, "t", pub->testing, sizeof(pub->testing));
	tag_copy(&tl, "adkim", pub->adkim, sizeof(pub->adkim));
	tag_copy(&tl, "aspf", pub->aspf, sizeof(pub->aspf));
	if ((pct = taglist_get(&tl, "pct")) != NULL)
		pub->pct = atoi(pct);
	if (strcasecmp(dp->owner, domain) != 0 && *pub->sp)
		(void) snprintf(pub->p, sizeof(pub->p), "%s", pub->sp);
	taglist_free(&tl);
	buf_free(&why);
}

/* problems - signet check's warnings and errors about the record */

static void
problems(struct audit *a, struct xc_dnspolicy *dp)
{
	struct findings f = FINDINGS_INIT;
	struct buf line = BUF_INIT;
	size_t  i;

	a->f = &f;
	audit_dmarc(a);
	for (i = 0; i < f.n; i++) {
		if (f.v[i].sev < SEV_WARN)
			continue;
		buf_reset(&line);
		buf_printf(&line, "%s: %s", f.v[i].subject, f.v[i].text);
		xc_names_add(&dp->problems, line.data);
	}
	findings_free(&f);
	buf_free(&line);
}

/* xc_dns_policy - the DMARC record of a domain in DNS now */

void
xc_dns_policy(struct xcheck *xc, struct xc_domain *d)
{
	struct xc_dnspolicy *dp = &d->dns;
	struct audit a;
	struct buf why = BUF_INIT;
	int     n;

	memset(&a, 0, sizeof(a));
	a.domain = d->name;
	a.dns = xc->opt.dns;
	a.policy = xc->policy;
	n = audit_dmarc_lookup(&a, &dp->record, &dp->owner, &why);
	if (n < 0) {
		dp->state = XC_DNS_FAILED;
		dp->error = buf_steal(&why);
	} else if (n == 0) {
		dp->state = XC_DNS_NONE;
	} else if (n > 1) {
		dp->state = XC_DNS_SEVERAL;
	} else {
		dp->state = XC_DNS_FOUND;
		parse(dp, d->name);
	}
	if (dp->state != XC_DNS_FAILED)
		problems(&a, dp);
	buf_free(&why);
}

/* xc_dnspolicy_free - release it */

void
xc_dnspolicy_free(struct xc_dnspolicy *dp)
{
	free(dp->record);
	free(dp->owner);
	free(dp->error);
	xc_names_free(&dp->problems);
}
