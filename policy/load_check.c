/*++
/* NAME
/*	load_check 3
/* SUMMARY
/*	read the "check" section: what signet check audits
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_check(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	load_check() reads the top-level key "check", a mapping used by
/*	signet check (the milter ignores it):
/* .IP egress
/*	The addresses the organisation's MTAs send from to the Internet,
/*	a list of addresses or networks (192.0.2.25, 2001:db8::/64). Each
/*	must pass the SPF record of every checked domain, and is looked
/*	up in the blocklists.
/* .IP blocklists
/*	DNS blocklist zones (zen.spamhaus.org, bl.spamcop.net), a list
/*	of domain names; signet check --blocklists looks up the egress
/*	addresses and the single-address networks of the policy's
/*	senders in each.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: an address or network that
/*	does not parse or has host bits set; a zone that is not a
/*	domain name.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "load.h"

/* load_blocklists - "blocklists" in "check" */

static void
load_blocklists(struct loader *ld, const struct item *it)
{
	struct policy_check *c = &ld->p->check;
	const char *text, *why;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	c->blocklists = xreallocarray(c->blocklists,
				      c->nblocklists + it->val->nkids + 1,
				      sizeof(*c->blocklists));
	for (i = 0; i < it->val->nkids; i++) {
		if ((text = ld_entry(ld, it, it->val->kids[i])) == NULL)
			continue;
		if ((why = dns_name_check(text, 2)) != NULL)
			ld_error(ld, it->val->kids[i], "blocklist \"%s\" in "
				 "\"check\" is not a DNS zone: %s; write the "
				 "zone to ask, e.g. zen.spamhaus.org", text, why);
		else
			c->blocklists[c->nblocklists++] = lower_dup(text);
	}
}

static const struct rule check_rules[] = {
	{"blocklists", load_blocklists},
	{NULL, NULL},
};

/* load_check - "check": what signet check audits */

void
load_check(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_MAP))
		return;
	(void) walk_map(ld, it->val, "in \"check\"", check_rules, NULL);
}
