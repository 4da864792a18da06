/*++
/* NAME
/*	blocklist 3
/* SUMMARY
/*	signet check --blocklists: are our sending addresses listed
/* SYNOPSIS
/*	#include "audit/audit.h"
/*
/*	void	audit_blocklist_addrs(const struct policy *p,
/*			const char *domain, struct audit_addr **v, size_t *n)
/*
/*	void	audit_blocklists(struct audit *a,
/*			const struct audit_addr *v, size_t n)
/* DESCRIPTION
/*	audit_blocklist_addrs() lists the addresses to look up: every
/*	address of the egress networks (check: egress; of a network
/*	larger than 16 addresses, the first), and the relays: each sender
/*	network of one address, of the senders of domain (of every domain
/*	when NULL). Addresses not routed on the Internet are left out,
/*	and each address is listed once. Release *v with free().
/*
/*	audit_blocklists() asks each DNS blocklist zone of the policy
/*	(check: blocklists) about each address, as receivers do (RFC
/*	5782): an A query of the reversed address under the zone
/*	(192.0.2.25 in zen.example: 25.2.0.192.zen.example). No record:
/*	not listed. An answer in 127.0.0.0/8: listed (critical), with
/*	the zone's TXT record as the reason when it has one; answers in
/*	127.255.255.0/24 mean the zone refused the query (typically:
/*	asked through a public resolver). First each zone's test entry,
/*	127.0.0.2, must be listed (RFC 5782 section 5): a zone that does
/*	not list it is dead or refuses to answer, and its silence says
/*	nothing, so for it only listings are reported.
/* DIAGNOSTICS
/*	None returned: a zone that does not answer, refuses or answers
/*	something other than a listing code is a warning finding.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"

#define BL_NETWORK_MAX	16		/* addresses of a network looked up */

/* bl_add - add an address once */

static void
bl_add(struct audit_addr **v, size_t *n, const char *text, const char *role)
{
	size_t  i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].text, text) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	snprintf((*v)[*n].text, sizeof((*v)[*n].text), "%s", text);
	snprintf((*v)[*n].role, sizeof((*v)[*n].role), "%s", role);
	(*n)++;
}

/* bl_egress - the addresses of the egress networks */

static void
bl_egress(const struct policy *p, struct audit_addr **v, size_t *n)
{
	const struct cidr *net;
	char    text[INET6_ADDRSTRLEN], role[96], cidr[INET6_ADDRSTRLEN + 8];
	int     hostbits;
	unsigned i, count;
	size_t  j;

	for (j = 0; j < p->negress; j++) {
		net = &p->egress[j];
		if (audit_addr_private(net))
			continue;
		hostbits = (net->family == AF_INET ? 32 : 128) - net->bits;
		count = hostbits > 4 ? 1 : 1U << hostbits;
		cidr_format(net, cidr, sizeof(cidr));
		snprintf(role, sizeof(role), count == 1 && hostbits > 0 ?
			 "egress (first of %s)" : "egress", cidr);
		for (i = 0; i < count; i++)
			if (audit_nth_addr(net, i, text, sizeof(text)) == 0)
				bl_add(v, n, text, role);
	}
}

/* audit_blocklist_addrs - egress and relay addresses to look up */

void
audit_blocklist_addrs(const struct policy *p, const char *domain,
		      struct audit_addr **v, size_t *n)
{
	const struct policy_domain *dom;
	const struct policy_sender *s;
	char    text[INET6_ADDRSTRLEN], role[96];
	size_t  i, j, k;

	*v = NULL;
	*n = 0;
	bl_egress(p, v, n);
	for (i = 0; i < p->ndomains; i++) {
		dom = &p->domains[i];
		if (domain != NULL && strcmp(dom->name, domain) != 0)
			continue;
		for (j = 0; j < dom->nsenders; j++) {
			s = &dom->senders[j];
			for (k = 0; k < s->nnetworks; k++) {
				if (s->networks[k].bits != (s->networks[k].family
						    == AF_INET ? 32 : 128)
				    || audit_addr_private(&s->networks[k]))
					continue;
				(void) audit_nth_addr(&s->networks[k], 0, text,
						      sizeof(text));
				snprintf(role, sizeof(role), "relay %s of %s",
					 s->name, dom->name);
				bl_add(v, n, text, role);
			}
		}
	}
}

/* bl_reason - the zone's TXT record for a listing, or "" */

static void
bl_reason(struct audit *a, const char *qname, struct buf *out)
{
	struct dns_answer ans;

	if (dns_txt(a->dns, qname, &ans) == DNS_OK && ans.count > 0
	    && strlen(ans.rr[0].text) == ans.rr[0].text_len)
		buf_printf(out, ": \"%s\"", ans.rr[0].text);
	dns_answer_free(&ans);
}

/* bl_codes - the answers as text; 1 listed, 0 refused, -1 not a code */

static int
bl_codes(const struct dns_answer *ans, struct buf *out)
{
	char    text[INET_ADDRSTRLEN];
	int     ret = 1;
	size_t  i;
	unsigned char *b;

	for (i = 0; i < ans->count; i++) {
		b = (unsigned char *) &ans->rr[i].a;
		inet_ntop(AF_INET, b, text, sizeof(text));
		buf_printf(out, "%s%s", i ? ", " : "", text);
		if (b[0] != 127)
			ret = -1;
		else if (b[1] == 255 && b[2] == 255 && ret == 1)
			ret = 0;
	}
	return (ret);
}

/* bl_lookup - one address in one zone: a finding */

static void
bl_lookup(struct audit *a, const char *zone, int works,
	  const struct audit_addr *ad)
{
	struct buf qname = BUF_INIT, codes = BUF_INIT, why = BUF_INIT;
	struct dns_answer ans;

	(void) dns_reverse_name(ad->text, zone, &qname);
	switch (dns_a(a->dns, qname.data, &ans)) {
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		if (works)
			finding_add(a->f, SEV_OK, "blocklist", ad->text, NULL,
				    "%s: not listed in %s", ad->role, zone);
		break;
	case DNS_OK:
		switch (bl_codes(&ans, &codes)) {
		case 1:
			bl_reason(a, qname.data, &why);
			finding_add(a->f, SEV_CRIT, "blocklist", ad->text,
				    "see the reason and the list's own lookup "
				    "page; stop what caused the listing, then "
				    "ask its operator to remove it", "%s: listed "
				    "in %s (%s)%s", ad->role, zone, codes.data,
				    why.data ? why.data : "");
			break;
		case 0:
			finding_add(a->f, SEV_WARN, "blocklist", ad->text, "ask "
				    "the zone through a resolver of your own, not "
				    "a public one", "%s: %s refused the query "
				    "(%s)", ad->role, zone, codes.data);
			break;
		default:
			finding_add(a->f, SEV_WARN, "blocklist", ad->text,
				    "remove the zone from check: blocklists",
				    "%s: %s answers %s, not a listing code in "
				    "127.0.0.0/8: the zone is not a working "
				    "blocklist", ad->role, zone, codes.data);
			break;
		}
		break;
	default:
		finding_add(a->f, SEV_WARN, "blocklist", ad->text, "check "
			    "again later", "%s: cannot look up %s: %s", ad->role,
			    qname.data, ans.error ? ans.error :
			    dns_status_name(ans.status));
		break;
	}
	dns_answer_free(&ans);
	buf_free(&qname);
	buf_free(&codes);
	buf_free(&why);
}

/* bl_zone_works - does the zone list its test entry 127.0.0.2 */

static int
bl_zone_works(struct audit *a, const char *zone)
{
	struct buf qname = BUF_INIT, codes = BUF_INIT;
	struct dns_answer ans;
	int     ok;

	(void) dns_reverse_name("127.0.0.2", zone, &qname);
	ok = dns_a(a->dns, qname.data, &ans) == DNS_OK
		&& bl_codes(&ans, &codes) == 1;
	if (!ok)
		finding_add(a->f, SEV_WARN, "blocklist", zone, "check the zone's "
			    "name, and ask it through a resolver of your own",
			    "%s does not list its test entry 127.0.0.2 (%s): "
			    "the zone is dead or refuses the query, so an "
			    "address it does not list may still be listed",
			    zone, ans.status == DNS_OK ? codes.data :
			    ans.error ? ans.error : dns_status_name(ans.status));
	dns_answer_free(&ans);
	buf_free(&qname);
	buf_free(&codes);
	return (ok);
}

/* audit_blocklists - each address in each zone */

void
audit_blocklists(struct audit *a, const struct audit_addr *v, size_t n)
{
	const struct policy_check *c = &a->policy->check;
	size_t  i, j;
	int     works;

	if (n == 0) {
		finding_add(a->f, SEV_WARN, "blocklist", a->domain ? a->domain :
			    "check", "list the addresses your mail leaves from "
			    "in check: egress", "no egress or relay address "
			    "to look up");
		return;
	}
	for (i = 0; i < c->nblocklists; i++) {
		works = bl_zone_works(a, c->blocklists[i]);
		for (j = 0; j < n; j++)
			bl_lookup(a, c->blocklists[i], works, &v[j]);
	}
}
