#ifndef SIGNET_FINDING_H
#define SIGNET_FINDING_H

/* finding - checks' results: a severity, what was found, how to fix it */

#include <stddef.h>

#include "buf.h"

enum severity {
	SEV_OK,				/* as it should be */
	SEV_INFO,			/* worth knowing, nothing to do */
	SEV_WARN,			/* works, but should be fixed */
	SEV_CRIT			/* broken: mail fails or is at risk */
};

struct finding {
	enum severity sev;
	char   *area;			/* "dkim", "spf", "dmarc", ... */
	char   *subject;		/* what was checked (a name, a selector) */
	char   *text;			/* what was found */
	char   *fix;			/* how to fix it; NULL for SEV_OK/INFO */
};

struct findings {
	struct finding *v;
	size_t  n;
};

#define FINDINGS_INIT	{ NULL, 0 }

extern void finding_add(struct findings *, enum severity, const char *,
			        const char *, const char *, const char *,...)
	__attribute__((format(printf, 6, 7)));
extern enum severity findings_worst(const struct findings *, size_t);
extern const char *severity_name(enum severity);
extern void findings_json(const struct findings *, struct buf *);
extern void json_string(struct buf *, const char *);
extern void findings_free(struct findings *);

#endif
