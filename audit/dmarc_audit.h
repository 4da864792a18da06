#ifndef SIGNET_DMARC_AUDIT_H
#define SIGNET_DMARC_AUDIT_H

/* dmarc_audit - what the DMARC checks of signet check share; not for others */

#include "audit/audit.h"
#include "taglist.h"

/* One DMARC record being checked. */
struct dmarc_ctx {
	struct audit *a;
	const char *subj;		/* "_dmarc.example.com" */
	const char *owner;		/* the domain of the record */
	struct taglist tl;
	const char *p;			/* the tags that the end checks need */
	const char *rua;
	const char *ruf;
	const char *fo;
};

/* dmarc_tags.c */
extern void dmarc_tag(struct dmarc_ctx *, const struct tag *);
extern void dmarc_record_end(struct dmarc_ctx *);

/* dmarc_uri.c */
extern void dmarc_uris(struct dmarc_ctx *, const char *, const char *);

#endif
