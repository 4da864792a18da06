/*++
/* NAME
/*	xcheck_class 3
/* SUMMARY
/*	where a DMARC report row's mail came from
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	*xc_psl_open(void)
/*
/*	void	xc_psl_close(void *psl)
/*
/*	int	xc_aligned(void *psl, const char *a, const char *b,
/*			int strict)
/*
/*	void	xc_classify(const struct xcheck *xc, const struct xc_row *row,
/*			struct xc_verdict *v)
/* DESCRIPTION
/*	xc_psl_open() loads the public suffix list: the system's copy
/*	(Debian's publicsuffix package) when libpsl finds one, else the
/*	list built into libpsl. xc_aligned() tells whether two domains
/*	are aligned in the sense of DMARC: equal (strict), or with the
/*	same organisational domain (relaxed), the registrable domain
/*	that libpsl gives.
/*
/*	xc_classify() decides, for one row, whether the DKIM and SPF
/*	results that passed are aligned with the From domain (from the
/*	row's auth_results; the receiver's policy_evaluated verdict
/*	when the row has no results of that method), and which class
/*	its source is, in this order:
/* .IP ours
/*	the address is one of dmarc: egress (else check: egress).
/* .IP authorised
/*	the address is in the networks of a named sender of the From
/*	domain in the policy; or a DKIM signature of the row passed whose
/*	d= (and s=, when the sender names one) is in the dkim: list of
/*	such a sender (a signature with one of the policy's own selectors
/*	is signet's, never a third party's); or the row passes SPF
/*	aligned and a sender of the domain has spf: pass.
/* .IP forwarder
/*	the receiver gave a forwarding reason (forwarded, mailing_list,
/*	trusted_forwarder); or an aligned DKIM signature passed while no
/*	SPF result passed; or a signature of one of the policy's own
/*	selectors passed (mail signet signed) without an aligned SPF
/*	pass.
/* .IP "unknown, passing"
/*	DMARC passes: probably a legitimate sender missing from the
/*	policy; the advice says what to add.
/* .IP "unknown, failing"
/*	the rest: spoofing, or a legitimate sender broken beyond use.
/* DIAGNOSTICS
/*	None: a row is always classified.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

/* Application-specific. */

#include "authorise.h"
#include "xcheck.h"

/* xc_psl_open - the public suffix list */

void   *
xc_psl_open(void)
{
	psl_ctx_t *psl;

	if ((psl = psl_latest(NULL)) == NULL)
		psl = (psl_ctx_t *) psl_builtin();
	return (psl);
}

/* xc_psl_close - release it */

void
xc_psl_close(void *psl)
{
	if (psl != NULL && psl != psl_builtin())
		psl_free(psl);
}

/* xc_aligned - DMARC identifier alignment of two domains */

int
xc_aligned(void *psl, const char *a, const char *b, int strict)
{
	const char *oa, *ob;

	if (*a == 0 || *b == 0)
		return (0);
	if (strcasecmp(a, b) == 0)
		return (1);
	if (strict || psl == NULL)
		return (0);
	oa = psl_registrable_domain(psl, a);
	ob = psl_registrable_domain(psl, b);
	return (oa != NULL && ob != NULL && strcasecmp(oa, ob) == 0);
}

/* is_pass - a result word that means pass */

static int
is_pass(const char *s)
{
	return (s != NULL && strcasecmp(s, "pass") == 0);
}

/* alignment - the aligned passes of a row */

static void
alignment(const struct xcheck *xc, const struct xc_row *r,
	  struct xc_verdict *v)
{
	int     sd = r->adkim && strcasecmp(r->adkim, "s") == 0;
	int     ss = r->aspf && strcasecmp(r->aspf, "s") == 0;
	size_t  i;

	v->dkim_aligned = r->ndkim == 0 && is_pass(r->pe_dkim);
	for (i = 0; i < r->ndkim; i++)
		if (is_pass(r->dkim[i].result)
		    && xc_aligned(xc->psl, r->dkim[i].domain, r->header_from, sd))
			v->dkim_aligned = 1;
	v->spf_aligned = r->nspf == 0 && is_pass(r->pe_spf);
	for (i = 0; i < r->nspf; i++)
		if (is_pass(r->spf[i].result)
		    && xc_aligned(xc->psl, r->spf[i].domain, r->header_from, ss))
			v->spf_aligned = 1;
}

/* egress - the configured egress network holding the address, or NULL */

static const struct cidr *
egress(const struct policy *p, const char *ip)
{
	const struct cidr *v = p->egress;
	size_t  n = p->negress;
	size_t  i;

	for (i = 0; i < n; i++)
		if (cidr_match_text(&v[i], ip) == 1)
			return (&v[i]);
	return (NULL);
}

/* own_key - is d= s= one of the policy's own selectors? */

static int
own_key(const struct xcheck *xc, const struct xc_auth *a)
{
	const struct policy_domain *dom;
	size_t  j;

	if ((dom = policy_find_domain(xc->policy, a->domain, NULL)) == NULL)
		return (0);
	for (j = 0; j < dom->nselectors; j++)
		if (strcasecmp(dom->selectors[j].name, a->selector) == 0)
			return (1);
	return (0);
}

/* dkim_sender - a sender whose dkim: list names a passing signature */

static const struct policy_sender *
dkim_sender(const struct xcheck *xc, const struct policy_domain *dom,
	    const struct xc_row *r, const struct xc_auth **sig)
{
	const struct policy_dkim_id *id;
	size_t  i, j, k;

	for (k = 0; k < r->ndkim; k++) {
		if (!is_pass(r->dkim[k].result) || own_key(xc, &r->dkim[k]))
			continue;
		for (i = 0; i < dom->nsenders; i++) {
			for (j = 0; j < dom->senders[i].ndkim; j++) {
				id = &dom->senders[i].dkim[j];
				if (strcasecmp(id->domain, r->dkim[k].domain) == 0
				    && (id->selector == NULL
					|| strcasecmp(id->selector, r->dkim[k].selector) == 0)) {
					*sig = &r->dkim[k];
					return (&dom->senders[i]);
				}
			}
		}
	}
	return (NULL);
}

/* authorised - a named sender of the From domain that covers the row */

static int
authorised(const struct xcheck *xc, const struct xc_row *r,
	   struct xc_verdict *v)
{
	const struct policy_domain *dom;
	const struct policy_sender *s;
	const struct xc_auth *sig;
	char    net[64];
	size_t  i, j;

	if ((dom = policy_find_senders(xc->policy, r->header_from)) == NULL)
		return (0);
	for (i = 0; i < dom->nsenders; i++) {
		s = &dom->senders[i];
		for (j = 0; j < s->nnetworks; j++) {
			if (cidr_match_text(&s->networks[j], r->ip) == 1) {
				cidr_format(&s->networks[j], net, sizeof(net));
				v->sender = s->name;
				(void) snprintf(v->why, sizeof(v->why), "sender %s of "
						"%s: network %s", s->name, dom->name, net);
				return (1);
			}
		}
	}
	if ((s = dkim_sender(xc, dom, r, &sig)) != NULL) {
		v->sender = s->name;
		(void) snprintf(v->why, sizeof(v->why), "sender %s of %s: signs "
				"as d=%s s=%s", s->name, dom->name, sig->domain,
				sig->selector);
		return (1);
	}
	for (i = 0; v->spf_aligned && i < dom->nsenders; i++) {
		if (dom->senders[i].spf) {
			v->sender = dom->senders[i].name;
			(void) snprintf(v->why, sizeof(v->why), "sender %s of %s: "
					"spf: pass, and SPF passed aligned",
					v->sender, dom->name);
			return (1);
		}
	}
	return (0);
}

/* forward_reason - a policy override reason that names forwarding */

static const char *
forward_reason(const char *reasons)
{
	static const char *const words[] = {
		"trusted_forwarder", "mailing_list", "forwarded", NULL,
	};
	int     i;

	for (i = 0; reasons && words[i]; i++)
		if (strstr(reasons, words[i]) != NULL)
			return (words[i]);
	return (NULL);
}

/* own_selector - an aligned passing signature of a policy selector */

static const struct xc_auth *
own_selector(const struct xcheck *xc, const struct xc_row *r)
{
	size_t  i;

	for (i = 0; i < r->ndkim; i++)
		if (is_pass(r->dkim[i].result) && own_key(xc, &r->dkim[i]))
			return (&r->dkim[i]);
	return (NULL);
}

/* passing_signature - an aligned passing DKIM result, or NULL */

static const struct xc_auth *
passing_signature(const struct xcheck *xc, const struct xc_row *r)
{
	size_t  i;

	for (i = 0; i < r->ndkim; i++)
		if (is_pass(r->dkim[i].result)
		    && xc_aligned(xc->psl, r->dkim[i].domain, r->header_from, 0))
			return (&r->dkim[i]);
	return (NULL);
}

/* any_spf_pass - does any SPF result of the row pass? */

static int
any_spf_pass(const struct xc_row *r)
{
	size_t  i;

	for (i = 0; i < r->nspf; i++)
		if (is_pass(r->spf[i].result))
			return (1);
	return (r->nspf == 0 && is_pass(r->pe_spf));
}

/* forwarder - our mail relayed on by someone else */

static int
forwarder(const struct xcheck *xc, const struct xc_row *r,
	  struct xc_verdict *v)
{
	const struct xc_auth *own = own_selector(xc, r);
	const char *word;

	if ((word = forward_reason(r->reasons)) != NULL)
		(void) snprintf(v->why, sizeof(v->why), "the receiver says %s", word);
	else if (own != NULL && !v->spf_aligned)
		(void) snprintf(v->why, sizeof(v->why), "signed by signet "
				"(d=%s s=%s), sent on from another address",
				own->domain, own->selector);
	else if (v->dkim_aligned && !any_spf_pass(r))
		(void) snprintf(v->why, sizeof(v->why), "DKIM passes aligned, "
				"SPF does not pass");
	else
		return (0);
	return (1);
}

/* unknown_passing - a sender to add to the policy: say what */

static void
unknown_passing(const struct xcheck *xc, const struct xc_row *r,
		struct xc_verdict *v)
{
	const struct xc_auth *sig = passing_signature(xc, r);
	const struct xc_auth *own = own_selector(xc, r);
	const char *d = *r->header_from ? r->header_from : r->domain;

	if (own != NULL) {
		(void) snprintf(v->why, sizeof(v->why), "signed by signet (d=%s "
				"s=%s), SPF passes aligned", own->domain,
				own->selector);
		(void) snprintf(v->advice, sizeof(v->advice), "probably one of "
				"our MTAs: add %s to dmarc: egress", r->ip);
		return;
	}
	if (v->spf_aligned && sig)
		(void) snprintf(v->why, sizeof(v->why), "SPF passes aligned; signs "
				"as d=%s s=%s", sig->domain, sig->selector);
	else if (v->spf_aligned)
		(void) snprintf(v->why, sizeof(v->why), "SPF passes aligned");
	else if (sig)
		(void) snprintf(v->why, sizeof(v->why), "signs as d=%s s=%s",
				sig->domain, sig->selector);
	else
		(void) snprintf(v->why, sizeof(v->why), "the receiver says DMARC "
				"passes");
	(void) snprintf(v->advice, sizeof(v->advice), "add a sender of %s with "
			"networks: [%s]%s", d, r->ip, v->spf_aligned ?
			" (or spf: pass)" : "");
}

/* xc_classify - the class of one row's source */

void
xc_classify(const struct xcheck *xc, const struct xc_row *r,
	    struct xc_verdict *v)
{
	const struct cidr *net;
	char    text[64];

	memset(v, 0, sizeof(*v));
	alignment(xc, r, v);
	if ((net = egress(xc->policy, r->ip)) != NULL) {
		cidr_format(net, text, sizeof(text));
		v->cls = XC_OURS;
		(void) snprintf(v->why, sizeof(v->why), "egress %s", text);
	} else if (authorised(xc, r, v)) {
		v->cls = XC_AUTHORISED;
	} else if (forwarder(xc, r, v)) {
		v->cls = XC_FORWARDER;
	} else if (v->spf_aligned || v->dkim_aligned) {
		v->cls = XC_UNKNOWN_PASS;
		unknown_passing(xc, r, v);
	} else {
		v->cls = XC_UNKNOWN_FAIL;
		(void) snprintf(v->why, sizeof(v->why), "neither SPF nor DKIM "
				"passes aligned");
	}
}
