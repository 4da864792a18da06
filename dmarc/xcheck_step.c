/*++
/* NAME
/*	xcheck_step 3
/* SUMMARY
/*	the next DMARC policy to publish, or why not yet
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_step(const struct xcheck *xc, struct xc_domain *d)
/* DESCRIPTION
/*	xc_step() reads the policy that the newest report shows as
/*	published and the evidence of the period, and fills d->step.
/*
/*	The steps: p=none; p=quarantine with t=y (RFC 9989 testing
/*	mode; pct=0 holds back the receivers that still follow RFC 7489
/*	and ignore t=, as RFC 9989 intends); p=quarantine; p=reject with
/*	t=y and pct=0; p=reject. A published quarantine or reject with
/*	pct below 100 counts as the testing step.
/*
/*	Legitimate mail is what came from our addresses, from authorised
/*	third parties, from forwarders and from unknown sources that
/*	pass DMARC. The next step is recommended when there are reports
/*	on at least dmarc: min_days days at the policy now published,
/*	at least min_aligned_pass of the legitimate mail passes DMARC
/*	aligned, and at most max_unknown_legit_share of it comes from
/*	unknown senders (they belong in the policy first); else the
/*	reasons why not are listed.
/* DIAGNOSTICS
/*	None.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "xcheck.h"

static const char *const records[] = {
	[XC_NONE] = "v=DMARC1; p=none",
	[XC_QUARANTINE_TEST] = "v=DMARC1; p=quarantine; t=y; pct=0",
	[XC_QUARANTINE] = "v=DMARC1; p=quarantine",
	[XC_REJECT_TEST] = "v=DMARC1; p=reject; t=y; pct=0",
	[XC_REJECT] = "v=DMARC1; p=reject",
};

/* level - the step a published policy is at */

static enum xc_level
level(const struct xc_published *pub)
{
	int     testing = strcasecmp(pub->testing, "y") == 0
	|| (pub->pct >= 0 && pub->pct < 100);

	if (strcasecmp(pub->p, "reject") == 0)
		return (testing ? XC_REJECT_TEST : XC_REJECT);
	if (strcasecmp(pub->p, "quarantine") == 0)
		return (testing ? XC_QUARANTINE_TEST : XC_QUARANTINE);
	return (XC_NONE);
}

/* policy_days - days of reports at the published policy */

static int
policy_days(const struct xc_domain *d)
{
	char    tail[64];
	const char *cp;
	size_t  i;
	int     n = 0;

	(void) snprintf(tail, sizeof(tail), " %s %d %s", d->pub.p, d->pub.pct,
			d->pub.testing);
	for (i = 0; i < d->policy_days.n; i++)
		if ((cp = strchr(d->policy_days.v[i], ' ')) != NULL
		    && strcmp(cp, tail) == 0)
			n++;
	return (n);
}

/* why_not - one reason against the next step */

static void
why_not(struct xc_step *s, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static void
why_not(struct xc_step *s, const char *fmt,...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	xc_names_add(&s->why_not, b.data);
	buf_free(&b);
}

/* evidence - legitimate volume and what passes of it */

static void
evidence(struct xc_domain *d)
{
	static const enum xc_class legit[] = {
		XC_OURS, XC_AUTHORISED, XC_FORWARDER, XC_UNKNOWN_PASS,
	};
	struct xc_step *s = &d->step;
	size_t  i;

	for (i = 0; i < sizeof(legit) / sizeof(legit[0]); i++) {
		s->legit += d->cls[legit[i]].messages;
		s->legit_pass += d->cls[legit[i]].dmarc_pass;
	}
	s->unknown_messages = d->cls[XC_UNKNOWN_PASS].messages;
	s->unknown_sources = d->nsources[XC_UNKNOWN_PASS];
	s->pass_share = xc_rate(s->legit_pass, s->legit);
	s->unknown_share = xc_rate(s->unknown_messages, s->legit);
}

/* xc_step - the policy-step recommendation of a domain */

void
xc_step(const struct xcheck *xc, struct xc_domain *d)
{
	const struct policy_dmarc *dm = &xc->policy->dmarc;
	struct xc_step *s = &d->step;

	s->level = level(&d->pub);
	s->days = policy_days(d);
	evidence(d);
	if (s->level == XC_REJECT) {
		why_not(s, "p=reject is published: there is no further step");
		return;
	}
	if (s->legit == 0)
		why_not(s, "the reports show no legitimate mail for %s", d->name);
	if (s->days < dm->min_days)
		why_not(s, "reports on %d day%s at the policy now published; wait "
			"for %d", s->days, s->days == 1 ? "" : "s", dm->min_days);
	if (s->legit > 0 && s->pass_share < dm->min_aligned_pass)
		why_not(s, "%.2f%% of the legitimate mail passes DMARC aligned, "
			"below %.2f%%: fix the sources that fail first",
			100 * s->pass_share, 100 * dm->min_aligned_pass);
	if (s->legit > 0 && s->unknown_share > dm->max_unknown_share)
		why_not(s, "%lld messages (%.2f%% of the legitimate mail, above "
			"%.2f%%) came from %ld source%s the policy does not know: "
			"add them (see unknown, passing)", s->unknown_messages,
			100 * s->unknown_share, 100 * dm->max_unknown_share,
			s->unknown_sources, s->unknown_sources == 1 ? "" : "s");
	if (s->why_not.n > 0)
		return;
	s->next = xstrdup(records[s->level + 1]);
	if (s->level + 1 == XC_QUARANTINE_TEST || s->level + 1 == XC_REJECT_TEST)
		s->note = "t=y asks RFC 9989 receivers to apply the step before "
			"only as a test; pct=0 does the same for receivers that "
			"still follow RFC 7489; keep the other tags (rua=, sp=, ...)";
	else
		s->note = "keep the other tags (rua=, sp=, ...)";
}
