#ifndef SIGNET_DIAG_H
#define SIGNET_DIAG_H

/* diag - collected diagnostics about an input file */

#include "buf.h"

struct diag {
	struct buf text;		/* one diagnostic per line */
	int     errors;
	int     warnings;
};

#define DIAG_INIT	{ BUF_INIT, 0, 0 }

extern void diag_error(struct diag *, const char *, int, int, const char *,...)
	__attribute__((format(printf, 5, 6)));
extern void diag_warn(struct diag *, const char *, int, int, const char *,...)
	__attribute__((format(printf, 5, 6)));
extern const char *diag_text(const struct diag *);
extern void diag_free(struct diag *);

#endif
