#ifndef SIGNET_SNAPSHOT_H
#define SIGNET_SNAPSHOT_H

/* snapshot - one immutable policy with its keys, swapped on reload */

#include <sys/types.h>

#include "diag.h"
#include "keyring.h"
#include "policy.h"
#include "spf.h"

struct keywatch;

struct snapshot {
	const struct policy *policy;
	const struct keyring *keys;
	struct spf *spf;		/* SPF of spf: pass senders, with the
					 * policy's dns settings and a cache */
	struct keywatch *watch;		/* which selectors sign now */
	unsigned long generation;	/* 1 for the first, +1 per reload */
	int     refs;			/* under the snapshot lock */
};

extern struct snapshot *snapshot_load(const char *, struct diag *);
extern void snapshot_install(struct snapshot *);
extern struct snapshot *snapshot_acquire(void);
extern struct snapshot *snapshot_release(struct snapshot *);

#endif
