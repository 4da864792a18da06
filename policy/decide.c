/*++
/* NAME
/*	decide 3
/* SUMMARY
/*	decide what to do with one message
/* SYNOPSIS
/*	#include "decide.h"
/*
/*	void	policy_decide(const struct policy *policy,
/*			const struct msg_facts *facts,
/*			struct verdict *verdict);
/* DESCRIPTION
/*	policy_decide() is the whole decision, made from the facts the
/*	MTA gave by end of headers; it does no I/O, so it can be tested
/*	without a milter or an MTA.
/*
/*	Mail that comes from none of the policy's sources (an
/*	authenticated client, a listed network, a listed MTA daemon) is
/*	not outbound: it passes unchanged. Outbound mail needs exactly
/*	one From field holding exactly one address (RFC 5322; DMARC
/*	judges by it); otherwise it gets the no_from or bad_from action.
/*	Outbound mail from a domain the policy signs (or a subdomain of
/*	one with sign_subdomains) is to be signed with that domain's
/*	selectors; from any other domain it passes unchanged.
/*
/*	The reason is a sentence for the log and for the SMTP reply: it
/*	names what was wrong and what the sender can do.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "decide.h"

/* from_source - is the client one whose mail signet signs */

static const char *
from_source(const struct policy_sources *s, const struct msg_facts *f)
{
	size_t  i;

	if (s->authenticated && f->auth_authen != NULL && *f->auth_authen)
		return ("authenticated");
	for (i = 0; f->client_addr != NULL && i < s->nnetworks; i++)
		if (cidr_match(&s->networks[i], f->client_addr))
			return ("network");
	for (i = 0; f->daemon_name != NULL && i < s->ndaemons; i++)
		if (strcmp(f->daemon_name, s->daemons[i]) == 0)
			return ("daemon");
	return (NULL);
}

/* refuse - a refusal with its action and reason */

static void
refuse(struct verdict *v, enum action action, const char *reason)
{
	v->kind = VERDICT_REFUSE;
	v->action = action;
	(void) snprintf(v->reason, sizeof(v->reason), "%s", reason);
}

/* policy_decide - sign, pass or refuse */

void
policy_decide(const struct policy *p, const struct msg_facts *f,
	      struct verdict *v)
{
	const char *why = NULL, *source;
	enum addr_status st;

	memset(v, 0, sizeof(*v));
	if ((source = from_source(&p->sources, f)) == NULL) {
		v->kind = VERDICT_PASS;
		(void) snprintf(v->sender, sizeof(v->sender), "inbound");
		(void) snprintf(v->reason, sizeof(v->reason),
				"client is not a signing source");
		return;
	}
	(void) snprintf(v->sender, sizeof(v->sender), "%s", source);
	if (f->nfrom == 0 || f->from == NULL) {
		refuse(v, p->actions.no_from, "message has no From header field; "
		       "add one with the sender's address (RFC 5322)");
		return;
	}
	if (f->nfrom > 1) {
		refuse(v, p->actions.bad_from, "message has several From header "
		       "fields; RFC 5322 allows one: send it with exactly one");
		return;
	}
	st = addr_from_domain(f->from, v->from_domain, sizeof(v->from_domain),
			      &why);
	switch (st) {
	case ADDR_OK:
		break;
	case ADDR_NONE:
		refuse(v, p->actions.no_from, "the From header field holds no "
		       "address; put the sender's address in it");
		return;
	case ADDR_MANY:
		refuse(v, p->actions.bad_from, "the From header field holds "
		       "several addresses; DMARC needs exactly one");
		return;
	default:
		(void) snprintf(v->reason, sizeof(v->reason), "the From header "
				"field cannot be parsed (%s); fix its syntax",
				why ? why : "bad syntax");
		v->kind = VERDICT_REFUSE;
		v->action = p->actions.bad_from;
		return;
	}
	if ((v->domain = policy_find_domain(p, v->from_domain, NULL)) == NULL) {
		v->kind = VERDICT_PASS;
		(void) snprintf(v->sender, sizeof(v->sender), "unmanaged");
		(void) snprintf(v->reason, sizeof(v->reason),
				"signet does not sign for %s", v->from_domain);
		return;
	}
	v->kind = VERDICT_SIGN;
	(void) snprintf(v->reason, sizeof(v->reason), "signed as %s",
			v->domain->name);
}
