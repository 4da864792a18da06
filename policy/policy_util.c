/*++
/* NAME
/*	policy_util 3
/* SUMMARY
/*	look-ups in a loaded policy, and its release
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	struct policy *policy_free(struct policy *p)
/*
/*	const struct policy_domain *policy_find_domain(const struct policy *p,
/*			const char *domain, const char **matched)
/*
/*	const char *policy_action_name(enum action a)
/*
/*	const char *policy_alg_name(enum dkim_alg alg)
/* DESCRIPTION
/*	policy_free() releases a policy and everything it holds, and
/*	returns NULL. A NULL policy is allowed.
/*
/*	policy_find_domain() finds the domain that signs for \fIdomain\fR
/*	(the From domain, lower case, no trailing dot): the domain of
/*	that name; else the nearest parent domain, stripping one label
/*	at a time from the left, that has sign_subdomains set. A parent
/*	without sign_subdomains is passed over, and the search goes on
/*	with its own parents. When \fImatched\fR is not NULL, *matched is
/*	set to the part of \fIdomain\fR that matched (\fIdomain\fR
/*	itself for an exact match), or NULL when none did. Comparison
/*	ignores the case of ASCII letters.
/*
/*	policy_action_name() and policy_alg_name() return the names
/*	used in the configuration file: "accept", "reject", "tempfail";
/*	"rsa-sha256", "ed25519-sha256".
/* DIAGNOSTICS
/*	policy_find_domain() returns NULL when no domain signs for the
/*	name. Panic: an action or algorithm that does not exist.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "log.h"

/* Application-specific. */

#include "policy.h"

/* policy_strv_free - release an array of strings */

static void
policy_strv_free(char **v, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* policy_domain_free - release what one domain holds */

static void
policy_domain_free(struct policy_domain *dom)
{
	size_t  i;

	for (i = 0; i < dom->nselectors; i++) {
		free(dom->selectors[i].name);
		free(dom->selectors[i].key_path);
	}
	free(dom->selectors);
	policy_senders_free(dom->senders, dom->nsenders);
	free(dom->name);
}

/* policy_free - release a policy */

struct policy *
policy_free(struct policy *p)
{
	size_t  i;

	if (p == NULL)
		return (NULL);
	free(p->path);
	free(p->socket);
	free(p->user);
	free(p->group);
	free(p->pidfile);
	free(p->chroot);
	free(p->socket_group);
	policy_strv_free(p->signing.headers, p->signing.nheaders);
	policy_strv_free(p->signing.oversign, p->signing.noversign);
	free(p->sources.networks);
	policy_strv_free(p->sources.daemons, p->sources.ndaemons);
	free(p->dns.nameserver);
	free(p->keys.directory);
	free(p->counters.store);
	free(p->metrics.listen);
	free(p->egress);
	policy_strv_free(p->check.blocklists, p->check.nblocklists);
	for (i = 0; i < p->dmarc.nreporters; i++) {
		free(p->dmarc.reporters[i].name);
		policy_strv_free(p->dmarc.reporters[i].orgs,
				 p->dmarc.reporters[i].norgs);
		policy_strv_free(p->dmarc.reporters[i].rcpt_domains,
				 p->dmarc.reporters[i].nrcpt_domains);
		policy_strv_free(p->dmarc.reporters[i].mx_suffixes,
				 p->dmarc.reporters[i].nmx_suffixes);
	}
	free(p->dmarc.reporters);
	for (i = 0; i < p->ndomains; i++)
		policy_domain_free(&p->domains[i]);
	free(p->domains);
	free(p);
	return (NULL);
}

/* policy_name_cmp - compare a name with a stored (lower case) name */

static int
policy_name_cmp(const char *name, const char *stored)
{
	unsigned char a, b;

	for (;; name++, stored++) {
		a = (unsigned char) *name;
		b = (unsigned char) *stored;
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char) (a - 'A' + 'a');
		if (a != b || a == 0)
			return (a - b);
	}
}

/* policy_lookup - binary search for a domain by name */

static const struct policy_domain *
policy_lookup(const struct policy *p, const char *name)
{
	size_t  lo = 0, hi = p->ndomains, mid;
	int     cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = policy_name_cmp(name, p->domains[mid].name);
		if (cmp == 0)
			return (&p->domains[mid]);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

/* policy_find_domain - the domain that signs for a From domain */

const struct policy_domain *
policy_find_domain(const struct policy *p, const char *domain,
		           const char **matched)
{
	const struct policy_domain *dom;
	const char *cp;

	if (matched)
		*matched = NULL;
	if (domain == NULL || *domain == 0)
		return (NULL);
	if ((dom = policy_lookup(p, domain)) != NULL) {
		if (matched)
			*matched = domain;
		return (dom);
	}
	for (cp = strchr(domain, '.'); cp != NULL; cp = strchr(cp + 1, '.')) {
		if ((dom = policy_lookup(p, cp + 1)) != NULL && dom->sign_subdomains) {
			if (matched)
				*matched = cp + 1;
			return (dom);
		}
	}
	return (NULL);
}

/* policy_action_name - the configuration name of an action */

const char *
policy_action_name(enum action a)
{
	switch (a) {
	case ACTION_ACCEPT:
		return ("accept");
	case ACTION_REJECT:
		return ("reject");
	case ACTION_TEMPFAIL:
		return ("tempfail");
	}
	log_panic("policy_action_name: unknown action %d", (int) a);
}

/* policy_alg_name - the DKIM name of an algorithm */

const char *
policy_alg_name(enum dkim_alg alg)
{
	switch (alg) {
	case ALG_RSA_SHA256:
		return ("rsa-sha256");
	case ALG_ED25519_SHA256:
		return ("ed25519-sha256");
	}
	log_panic("policy_alg_name: unknown algorithm %d", (int) alg);
}
