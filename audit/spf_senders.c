/*++
/* NAME
/*	spf_senders 3
/* SUMMARY
/*	signet check: do the egress addresses and the senders pass SPF
/* SYNOPSIS
/*	#include "audit/spf_audit.h"
/*
/*	void	audit_spf_senders(struct audit *a)
/* DESCRIPTION
/*	audit_spf_senders() evaluates the SPF record of a->domain (with
/*	libspf2, spf(3), as a receiver does: check_host() with the sender
/*	postmaster@domain) for each address the domain's mail leaves
/*	from: the egress addresses of the policy's "check" section, and
/*	the networks of the domain's senders (those authorised by
/*	networks, not by spf: pass). For a network, its first address
/*	stands for it.
/*
/*	An egress address that does not pass is critical: every message
/*	signet signs leaves from it. A sender's network that does not
/*	pass is a warning: it matters only when that sender delivers to
/*	receivers itself rather than through the MTAs. Networks that are
/*	not routed on the Internet (RFC 1918, loopback, ...) are skipped.
/* DIAGNOSTICS
/*	None returned: an evaluation that fails on DNS (temperror) is a
/*	warning finding.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>

/* Application-specific. */

#include "audit/spf_audit.h"
#include "authorise.h"

/* senders_subject - "192.0.2.25", or "192.0.2.0 (first of 192.0.2.0/24)" */

static void
senders_subject(const struct cidr *net, char *out, size_t len)
{
	char    addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];

	(void) audit_nth_addr(net, 0, addr, sizeof(addr));
	cidr_format(net, text, sizeof(text));
	if (net->bits == (net->family == AF_INET ? 32 : 128))
		snprintf(out, len, "%s", addr);
	else
		snprintf(out, len, "%s (first of %s)", addr, text);
}

/* senders_one - does one address pass; a finding either way */

static void
senders_one(struct audit *a, const struct cidr *net, const char *who,
	    enum severity fail_sev)
{
	struct sockaddr_storage ss;
	struct spf_answer ans;
	char    subj[2 * INET6_ADDRSTRLEN + 32], text[INET6_ADDRSTRLEN + 8];
	char    fix[300];

	senders_subject(net, subj, sizeof(subj));
	(void) audit_sockaddr(net, &ss);
	audit_net_text(net, text, sizeof(text));
	switch (spf_check(a->spf, (struct sockaddr *) &ss, a->domain, &ans)) {
	case SPF_CODE_PASS:
		finding_add(a->f, SEV_OK, "spf", subj, NULL, "%s passes SPF "
			    "for %s", who, a->domain);
		break;
	case SPF_CODE_TEMPERROR:
		finding_add(a->f, SEV_WARN, "spf", subj, "make sure the "
			    "domain's nameservers answer, then check again",
			    "%s: cannot tell whether it passes SPF for %s: %s",
			    who, a->domain, ans.reason);
		break;
	default:
		snprintf(fix, sizeof(fix), "add %s:%s to the SPF record of "
			 "%s%s", net->family == AF_INET ? "ip4" : "ip6", text,
			 a->domain, fail_sev == SEV_CRIT ? "" : " (or the "
			 "include its provider documents), if it sends to "
			 "receivers itself");
		finding_add(a->f, fail_sev, "spf", subj, fix, "%s does not pass "
			    "SPF for %s: %s", who, a->domain, ans.reason);
		break;
	}
}

/* senders_of - the networks of the domain's senders */

static void
senders_of(struct audit *a, const struct policy_domain *dom)
{
	const struct policy_sender *s;
	char    who[200];
	size_t  i, j;

	for (i = 0; dom != NULL && i < dom->nsenders; i++) {
		s = &dom->senders[i];
		for (j = 0; j < s->nnetworks; j++) {
			if (audit_addr_private(&s->networks[j]))
				continue;
			snprintf(who, sizeof(who), "sender %s of %s", s->name,
				 dom->name);
			senders_one(a, &s->networks[j], who, SEV_WARN);
		}
	}
}

/* audit_spf_senders - egress addresses and senders against the record */

void
audit_spf_senders(struct audit *a)
{
	size_t  i;

	if (a->policy == NULL || a->spf == NULL)
		return;
	for (i = 0; i < a->policy->negress; i++)
		senders_one(a, &a->policy->egress[i], "egress address",
			    SEV_CRIT);
	senders_of(a, policy_find_senders(a->policy, a->domain));
}
