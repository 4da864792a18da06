/*++
/* NAME
/*	authorise 3
/* SUMMARY
/*	which named sender of a domain a relay is
/* SYNOPSIS
/*	#include "authorise.h"
/*
/*	const struct policy_domain *policy_find_senders(
/*			const struct policy *p, const char *name)
/*
/*	enum auth_result authorise(const struct policy_domain *dom,
/*			const struct msg_facts *f,
/*			const struct policy_sender **matched,
/*			char *why, size_t len)
/*
/*	void	policy_senders_free(struct policy_sender *v, size_t n)
/* DESCRIPTION
/*	policy_find_senders() returns the domain whose senders govern
/*	mail for \fIname\fR (lower case, no trailing dot): the domain of
/*	that name, else its nearest parent with include_subdomains; NULL
/*	when there is none, or when that domain lists no senders (any
/*	source may then send for it).
/*
/*	authorise() tells whether the relay described by \fIf\fR is one
/*	of the senders of \fIdom\fR, and sets *matched to the first one
/*	that matches. The criteria that need no DNS (networks, SASL
/*	login, verified client name, TLS client certificate) are tried
/*	for every sender first; only when none matches is SPF evaluated,
/*	through f->spf, for the senders that have spf: pass, once per
/*	message at most. So a relay matched by network or login costs no
/*	DNS query.
/*
/*	policy_senders_free() releases a list of senders.
/* DIAGNOSTICS
/*	authorise() returns AUTH_TEMPFAIL when SPF had to be evaluated
/*	and could not be (DNS failure, no SPF evaluator), with the cause
/*	in \fIwhy\fR; a permanent SPF error is no match.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "authorise.h"

/* policy_find_senders - the domain whose senders govern a name */

const struct policy_domain *
policy_find_senders(const struct policy *p, const char *name)
{
	const struct policy_domain *dom;
	const char *cp = name, *matched;

	while (cp != NULL && *cp) {
		dom = policy_find_domain(p, cp, &matched);
		if (dom != NULL && matched == cp	/* a domain of that name */
		    && (cp == name || dom->include_subdomains))
			return (dom->senders != NULL ? dom : NULL);
		if ((cp = strchr(cp, '.')) != NULL)
			cp++;
	}
	return (NULL);
}

/* any_match - does a value match one of the patterns */

static int
any_match(char *const *pat, size_t n, const char *value, int flags)
{
	size_t  i;

	if (value == NULL || *value == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (fnmatch(pat[i], value, flags) == 0)
			return (1);
	return (0);
}

/* local_match - does a sender match without DNS */

static int
local_match(const struct policy_sender *s, const struct msg_facts *f)
{
	size_t  i;

	for (i = 0; f->client_addr != NULL && i < s->nnetworks; i++)
		if (cidr_match(&s->networks[i], f->client_addr))
			return (1);
	return (any_match(s->sasl, s->nsasl, f->auth_authen, 0)
		|| any_match(s->client_names, s->nclient_names, f->client_name,
			     FNM_CASEFOLD)
		|| any_match(s->tls_subjects, s->ntls_subjects, f->cert_subject, 0)
		|| any_match(s->tls_issuers, s->ntls_issuers, f->cert_issuer, 0));
}

/* authorise - is the relay one of the domain's senders */

enum auth_result
authorise(const struct policy_domain *dom, const struct msg_facts *f,
	          const struct policy_sender **matched, char *why, size_t len)
{
	enum spf_verdict spf = SPF_VERDICT_FAIL;
	size_t  i;
	int     asked = 0;

	*matched = NULL;
	for (i = 0; i < dom->nsenders; i++) {
		if (local_match(&dom->senders[i], f)) {
			*matched = &dom->senders[i];
			return (AUTH_MATCH);
		}
	}
	for (i = 0; i < dom->nsenders; i++) {
		if (!dom->senders[i].spf)
			continue;
		if (!asked) {
			asked = 1;
			if (f->client_addr == NULL) {
				spf = SPF_VERDICT_FAIL;
			} else if (f->spf == NULL) {
				(void) snprintf(why, len, "no SPF evaluator");
				spf = SPF_VERDICT_TEMPERROR;
			} else {
				spf = f->spf(f->spf_ctx, dom->name, f->client_addr,
					     why, len);
			}
		}
		if (spf == SPF_VERDICT_TEMPERROR)
			return (AUTH_TEMPFAIL);
		if (spf == SPF_VERDICT_PASS) {
			*matched = &dom->senders[i];
			return (AUTH_MATCH);
		}
	}
	return (AUTH_NOMATCH);
}

/* policy_senders_free - release a list of senders */

void
policy_senders_free(struct policy_sender *v, size_t n)
{
	size_t  i, j;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].networks);
		for (j = 0; j < v[i].nsasl; j++)
			free(v[i].sasl[j]);
		free(v[i].sasl);
		for (j = 0; j < v[i].nclient_names; j++)
			free(v[i].client_names[j]);
		free(v[i].client_names);
		for (j = 0; j < v[i].ntls_subjects; j++)
			free(v[i].tls_subjects[j]);
		free(v[i].tls_subjects);
		for (j = 0; j < v[i].ntls_issuers; j++)
			free(v[i].tls_issuers[j]);
		free(v[i].tls_issuers);
		for (j = 0; j < v[i].ndkim; j++) {
			free(v[i].dkim[j].domain);
			free(v[i].dkim[j].selector);
		}
		free(v[i].dkim);
	}
	free(v);
}
