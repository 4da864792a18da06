/*++
/* NAME
/*	xcheck_step 3
/* SUMMARY
/*	the next DMARC policy to publish, or why not yet
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_step(const struct xcheck *xc, struct xc_domain *d)
/*
/*	void	xc_policy_key(const char *p, int pct, const char *t,
/*			char *out, size_t len)
/* DESCRIPTION
/*	xc_step() reads the policy that the newest report shows as
/*	published (or, when d->dns holds the record in DNS now, that
/*	record) and the evidence of the period, and fills d->step. When
/*	the record in DNS is not the policy the newest report shows,
/*	step.dns_note says so: the days counted are those of reports at
/*	the record in DNS, none when receivers have not reported on it
/*	yet. No record in DNS, several, or a record without a usable p=
/*	is a reason against any step; a DNS failure leaves the reports'
/*	policy in use, and the note says so.
/*
/*	xc_policy_key() is what makes two policies the same step: p, pct
/*	(100 when not given) and t, in lower case.
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

#include <ctype.h>
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

/* xc_policy_key - a policy as "p pct t", lower case */

void
xc_policy_key(const char *p, int pct, const char *t, char *out, size_t len)
{
	char   *cp;

	(void) snprintf(out, len, "%s %d %s", p, pct < 0 ? 100 : pct, t);
	for (cp = out; *cp; cp++)
		*cp = (char) tolower((unsigned char) *cp);
}

/* policy_days - days of reports at a policy */

static int
policy_days(const struct xc_domain *d, const struct xc_published *pub)
{
	char    key[64];
	const char *cp;
	size_t  i;
	int     n = 0;

	xc_policy_key(pub->p, pub->pct, pub->testing, key, sizeof(key));
	for (i = 0; i < d->policy_days.n; i++)
		if ((cp = strchr(d->policy_days.v[i], ' ')) != NULL
		    && strcmp(cp + 1, key) == 0)
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

/* pub_text - a policy as "p=X; pct=N; t=y" */

static void
pub_text(const struct xc_published *pub, struct buf *out)
{
	buf_printf(out, "p=%s", *pub->p ? pub->p : "?");
	if (pub->pct >= 0)
		buf_printf(out, "; pct=%d", pub->pct);
	if (*pub->testing)
		buf_printf(out, "; t=%s", pub->testing);
}

/* same_policy - do two policies ask receivers the same? */

static int
same_policy(const struct xc_published *a, const struct xc_published *b)
{
	char    ka[64], kb[64];

	xc_policy_key(a->p, a->pct, a->testing, ka, sizeof(ka));
	xc_policy_key(b->p, b->pct, b->testing, kb, sizeof(kb));
	return (strcmp(ka, kb) == 0);
}

/* dns_policy - the record in DNS as the starting point; 0, or -1 */

static int
dns_policy(struct xc_domain *d, const struct xc_published **pub)
{
	const struct xc_dnspolicy *dp = &d->dns;
	struct xc_step *s = &d->step;
	struct buf b = BUF_INIT;

	switch (dp->state) {
	case XC_DNS_NOT_ASKED:
		return (0);
	case XC_DNS_FAILED:
		buf_printf(&b, "the DMARC record in DNS could not be read (%s): "
			   "the policy of the newest report is used", dp->error);
		s->dns_note = buf_steal(&b);
		return (0);
	case XC_DNS_NONE:
		why_not(s, "DNS holds no DMARC record for %s now: publish one "
			"first (\"v=DMARC1; p=none; rua=mailto:...\")", d->name);
		return (-1);
	case XC_DNS_SEVERAL:
		why_not(s, "DNS holds several DMARC records for %s: receivers "
			"apply none; keep one", d->name);
		return (-1);
	case XC_DNS_FOUND:
		break;
	}
	if (strcasecmp(dp->pub.p, "none") != 0
	    && strcasecmp(dp->pub.p, "quarantine") != 0
	    && strcasecmp(dp->pub.p, "reject") != 0) {
		why_not(s, "the DMARC record in DNS has no usable p= (\"%s\"): "
			"fix it first (signet check %s)", dp->record, d->name);
		return (-1);
	}
	*pub = &dp->pub;
	s->from_dns = 1;
	if (d->reports > 0 && !same_policy(&dp->pub, &d->pub)) {
		buf_puts(&b, "DNS publishes ");
		pub_text(&dp->pub, &b);
		if (strcasecmp(dp->owner, d->name) != 0)
			buf_printf(&b, " (the record of %s)", dp->owner);
		buf_puts(&b, ", the newest report shows ");
		pub_text(&d->pub, &b);
		buf_puts(&b, ": the record changed after it, and the step starts "
			 "from the record in DNS");
		s->dns_note = buf_steal(&b);
	}
	return (0);
}

/* xc_step - the policy-step recommendation of a domain */

void
xc_step(const struct xcheck *xc, struct xc_domain *d)
{
	const struct policy_dmarc *dm = &xc->policy->dmarc;
	struct xc_step *s = &d->step;
	const struct xc_published *pub = &d->pub;
	int     usable = dns_policy(d, &pub) == 0;

	s->level = level(pub);
	s->days = policy_days(d, pub);
	evidence(d);
	if (!usable)
		return;
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
