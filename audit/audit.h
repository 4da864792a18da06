#ifndef SIGNET_AUDIT_H
#define SIGNET_AUDIT_H

/* audit - signet check: a domain's SPF, DMARC and blocklist findings */

 /*
  * Each audit_*() looks records up through a->dns and appends findings
  * (lib/finding.h) with area "spf", "dmarc" or "blocklist": a severity,
  * what was found, and for problems a sentence saying how to fix it.
  * They never fail: a lookup that fails is a finding too.
  *
  *	struct findings f = FINDINGS_INIT;
  *	struct audit a = {.domain = "example.com", .dns = dns, .spf = spf,
  *			  .policy = policy, .f = &f};
  *
  *	audit_spf(&a);
  *	audit_dmarc(&a);
  *	audit_blocklists(&a, addrs, naddrs);
  */

#include <sys/socket.h>
#include <stddef.h>

#include "cidr.h"
#include "dns.h"
#include "finding.h"
#include "policy.h"
#include "spf.h"

struct audit {
	const char *domain;		/* lower case, no trailing dot */
	struct dns *dns;
	struct spf *spf;		/* evaluates the egress addresses */
	const struct policy *policy;	/* NULL: no configuration */
	struct findings *f;
};

/* An address to look up in the blocklists, and why it is one of ours. */
struct audit_addr {
	char    text[64];		/* "192.0.2.25" */
	char    role[96];		/* "egress", "sender crm of example.com" */
};

/* spf_audit.c */
extern void audit_spf(struct audit *);

/* dmarc_audit.c */
extern void audit_dmarc(struct audit *);
extern int audit_dmarc_lookup(struct audit *, char **, char **, struct buf *);

/* blocklist.c */
extern void audit_blocklist_addrs(const struct policy *, const char *,
				          struct audit_addr **, size_t *);
extern void audit_blocklists(struct audit *, const struct audit_addr *,
			             size_t);

/* orgdomain.c */
extern char *audit_org_domain(const char *);
extern int audit_public_suffix(const char *);

/* audit_util.c */
extern int audit_nth_addr(const struct cidr *, unsigned, char *, size_t);
extern int audit_sockaddr(const struct cidr *, struct sockaddr_storage *);
extern int audit_addr_private(const struct cidr *);
extern void audit_net_text(const struct cidr *, char *, size_t);
extern int audit_txt_pick(struct audit *, const char *, int (*) (const char *),
			          char **, struct buf *);

#endif
