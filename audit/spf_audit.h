#ifndef SIGNET_SPF_AUDIT_H
#define SIGNET_SPF_AUDIT_H

/* spf_audit - what the SPF checks of signet check share; not for others */

#include "buf.h"
#include "audit/audit.h"
#include "audit/spf_parse.h"

enum spf_fetch {
	SPFF_ONE,			/* exactly one record */
	SPFF_NONE,			/* none */
	SPFF_MANY,			/* several: permerror */
	SPFF_DNS			/* the lookup failed */
};

/* spf_audit.c */
extern enum spf_fetch audit_spf_fetch(struct audit *, const char *, char **,
				              struct buf *);
extern void audit_spf_terms(struct audit *, const char *,
			            const struct spf_record *, int);

/* spf_walk.c */
extern void audit_spf_walk(struct audit *, const char *,
			           const struct spf_record *);

/* spf_senders.c */
extern void audit_spf_senders(struct audit *);

#endif
