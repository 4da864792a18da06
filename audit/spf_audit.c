/*++
/* NAME
/*	spf_audit 3
/* SUMMARY
/*	signet check: the domain's SPF record
/* SYNOPSIS
/*	#include "audit/audit.h"
/*	#include "audit/spf_audit.h"
/*
/*	void	audit_spf(struct audit *a)
/*
/*	enum spf_fetch audit_spf_fetch(struct audit *a, const char *name,
/*			char **text, struct buf *why)
/*
/*	void	audit_spf_terms(struct audit *a, const char *name,
/*			const struct spf_record *rec, int top)
/* DESCRIPTION
/*	audit_spf() checks the SPF record of a->domain (RFC 7208): that
/*	there is exactly one, its syntax (spf_parse(3)), how it ends
/*	(+all is critical, ?all a warning, no all a warning), terms it
/*	holds to no purpose, then the DNS-querying terms and void lookups
/*	through every include and redirect (audit_spf_walk()), and last
/*	whether the egress addresses and the senders' networks pass
/*	(audit_spf_senders()).
/*
/*	audit_spf_fetch() looks up the SPF record of a name: SPFF_ONE with
/*	its text, SPFF_NONE, SPFF_MANY (permerror for receivers) or
/*	SPFF_DNS (why says which lookup failed and how).
/*
/*	audit_spf_terms() reports the terms of one record that receivers
/*	ignore or that let too much pass; top is set for the domain's own
/*	record (an included record needs no all of its own).
/* DIAGNOSTICS
/*	None returned: a lookup that fails is a warning finding, a
/*	record receivers reject (permerror) a critical one.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"
#include "audit/spf_audit.h"

/* audit_spf_fetch - the one SPF record of a name */

enum spf_fetch
audit_spf_fetch(struct audit *a, const char *name, char **text,
		struct buf *why)
{
	int     n = audit_txt_pick(a, name, spf_is_record, text, why);

	return (n < 0 ? SPFF_DNS : n == 0 ? SPFF_NONE : n == 1 ? SPFF_ONE :
		SPFF_MANY);
}

/* spf_all_term - how the record ends; reported for the top record */

static void
spf_all_term(struct audit *a, const char *name, const struct spf_term *t)
{
	switch (t->qualifier) {
	case '+':
		finding_add(a->f, SEV_CRIT, "spf", name, "end the record with "
			    "-all (or ~all while you make sure every sender is "
			    "listed)", "\"%s\": every address on the Internet "
			    "passes SPF for %s", t->text, name);
		break;
	case '?':
		finding_add(a->f, SEV_WARN, "spf", name, "end the record with "
			    "-all (or ~all while you make sure every sender is "
			    "listed)", "\"?all\": mail from addresses not listed "
			    "is neutral, as if there were no SPF record");
		break;
	case '~':
		finding_add(a->f, SEV_OK, "spf", name, NULL, "\"~all\": mail "
			    "from addresses not listed soft-fails");
		break;
	default:
		finding_add(a->f, SEV_OK, "spf", name, NULL, "\"-all\": mail "
			    "from addresses not listed fails");
		break;
	}
}

/* spf_network_width - ip4/ip6 networks that let much of the Internet pass */

static void
spf_network_width(struct audit *a, const char *name, const struct spf_term *t)
{
	int     bits = t->kind == SPFT_IP4 ? t->cidr4 : t->cidr6;
	int     wide = t->kind == SPFT_IP4 ? 16 : 32;

	if (bits < 0 || bits >= wide || t->qualifier == '-' || t->qualifier == '~')
		return;
	finding_add(a->f, bits == 0 ? SEV_CRIT : SEV_WARN, "spf", name,
		    "list only the networks your mail leaves from",
		    "\"%s\" lets %s pass", t->text, bits == 0 ?
		    "every address on the Internet" :
		    "a network far larger than any mail service");
}

/* spf_term_checks - one term: deprecated, ignored or too wide */

static void
spf_term_checks(struct audit *a, const char *name, const struct spf_term *t,
		const struct spf_term *all)
{
	if (all != NULL && t > all && t->kind <= SPFT_EXISTS)
		finding_add(a->f, SEV_WARN, "spf", name, "move it before the "
			    "all term, or remove it", "\"%s\" comes after \"%s\": "
			    "receivers never evaluate it", t->text, all->text);
	else if (all != NULL && t->kind == SPFT_REDIRECT)
		finding_add(a->f, SEV_WARN, "spf", name, "remove the all term "
			    "or the redirect", "\"%s\" is ignored: the record "
			    "has \"%s\"", t->text, all->text);
	if (t->kind == SPFT_PTR)
		finding_add(a->f, SEV_WARN, "spf", name, "replace it by the "
			    "ip4: and ip6: networks (or a:) of the servers it "
			    "stands for", "\"%s\": ptr is deprecated (RFC 7208 "
			    "5.5): slow, and some receivers skip it", t->text);
	else if (t->kind == SPFT_UNKNOWN)
		finding_add(a->f, SEV_INFO, "spf", name, NULL, "\"%s\" is not "
			    "a modifier receivers know: they ignore it", t->text);
	else if (t->kind == SPFT_IP4 || t->kind == SPFT_IP6)
		spf_network_width(a, name, t);
	else if (t->kind == SPFT_ALL && t != all && all != NULL)
		finding_add(a->f, SEV_WARN, "spf", name, "keep one all term, "
			    "at the end", "\"%s\" comes after \"%s\": receivers "
			    "never evaluate it", t->text, all->text);
}

/* audit_spf_terms - terms that are ignored, deprecated or let all pass */

void
audit_spf_terms(struct audit *a, const char *name,
		const struct spf_record *rec, int top)
{
	const struct spf_term *all = NULL;
	int     redirect = 0;
	size_t  i;

	for (i = 0; i < rec->nterms; i++) {
		if (rec->terms[i].kind == SPFT_ALL && all == NULL)
			all = &rec->terms[i];
		if (rec->terms[i].kind == SPFT_REDIRECT)
			redirect = 1;
	}
	for (i = 0; i < rec->nterms; i++)
		spf_term_checks(a, name, &rec->terms[i], all);
	if (all != NULL && (top || all->qualifier == '+'))
		spf_all_term(a, name, all);
	else if (all == NULL && !redirect && top)
		finding_add(a->f, SEV_WARN, "spf", name, "end the record with "
			    "-all (or ~all)", "the record has no all term: mail "
			    "from addresses not listed is neutral");
}

/* spf_missing - no SPF record: suggest one from the egress addresses */

static void
spf_missing(struct audit *a)
{
	struct buf fix = BUF_INIT;
	const struct cidr *net;
	char    text[INET6_ADDRSTRLEN + 8];
	size_t  i;

	buf_printf(&fix, "publish TXT %s \"v=spf1", a->domain);
	for (i = 0; a->policy != NULL && i < a->policy->negress; i++) {
		net = &a->policy->egress[i];
		audit_net_text(net, text, sizeof(text));
		buf_printf(&fix, " %s:%s", net->family == AF_INET ? "ip4" : "ip6",
			   text);
	}
	buf_puts(&fix, a->policy != NULL && a->policy->negress ? " -all\"" :
		 " ip4:ADDRESS -all\" with the addresses your mail leaves from");
	finding_add(a->f, SEV_CRIT, "spf", a->domain, fix.data, "no SPF record: "
		    "receivers cannot tell which servers may send for %s",
		    a->domain);
	buf_free(&fix);
}

/* audit_spf - the SPF findings of a->domain */

void
audit_spf(struct audit *a)
{
	struct spf_record rec;
	struct buf why = BUF_INIT;
	char   *text;

	switch (audit_spf_fetch(a, a->domain, &text, &why)) {
	case SPFF_NONE:
		spf_missing(a);
		break;
	case SPFF_MANY:
		finding_add(a->f, SEV_CRIT, "spf", a->domain, "merge them into "
			    "one record", "several TXT records start with "
			    "v=spf1: receivers get permerror and SPF fails");
		break;
	case SPFF_DNS:
		finding_add(a->f, SEV_WARN, "spf", a->domain, "make sure the "
			    "domain's nameservers answer, then check again",
			    "%s", why.data);
		break;
	case SPFF_ONE:
		if (spf_record_parse(text, &rec, &why) < 0) {
			finding_add(a->f, SEV_CRIT, "spf", a->domain, "correct "
				    "the term (RFC 7208 section 12 gives the "
				    "syntax)", "syntax error: %s; receivers get "
				    "permerror and SPF fails: \"%s\"", why.data,
				    text);
			break;
		}
		finding_add(a->f, SEV_OK, "spf", a->domain, NULL, "one SPF "
			    "record, valid syntax: \"%s\"", text);
		audit_spf_terms(a, a->domain, &rec, 1);
		audit_spf_walk(a, a->domain, &rec);
		audit_spf_senders(a);
		spf_record_free(&rec);
		break;
	}
	free(text);
	buf_free(&why);
}
