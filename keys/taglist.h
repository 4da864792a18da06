#ifndef SIGNET_TAGLIST_H
#define SIGNET_TAGLIST_H

/* taglist - RFC 6376 3.2 tag=value lists (DKIM key records, DMARC) */

#include <stddef.h>

#include "buf.h"

struct tag {
	char   *name;
	char   *value;			/* folding whitespace kept inside */
};

struct taglist {
	struct tag *tags;		/* in the order written */
	size_t  ntags;
};

extern int taglist_parse(const char *, size_t, struct taglist *,
			         struct buf *);
extern const char *taglist_get(const struct taglist *, const char *);
extern void taglist_free(struct taglist *);

#endif
