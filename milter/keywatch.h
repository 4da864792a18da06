#ifndef SIGNET_KEYWATCH_H
#define SIGNET_KEYWATCH_H

/* keywatch - which selectors sign now: key states and published records */

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "keyring.h"
#include "policy.h"

struct keywatch;

extern struct keywatch *keywatch_create(const struct policy *,
				        const struct keyring *, struct keywatch *,
				        struct diag *);
extern struct keywatch *keywatch_free(struct keywatch *);
extern size_t keywatch_select(struct keywatch *, const struct policy_domain *,
			              size_t *, size_t);
extern void keywatch_tick(struct keywatch *, time_t);
extern void keywatch_start(void);
extern void keywatch_stop(void);

#endif
