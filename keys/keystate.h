#ifndef SIGNET_KEYSTATE_H
#define SIGNET_KEYSTATE_H

/* keystate - the life of a key: pending, active, retiring, retired */

#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "policy.h"

enum key_state {
	KS_PENDING,			/* generated; record not yet seen */
	KS_ACTIVE,			/* signs */
	KS_RETIRING,			/* replaced; record stays for overlap */
	KS_RETIRED			/* record may be removed */
};

struct keystate {
	char   *domain;
	char   *selector;
	char   *key_path;		/* DIR/DOMAIN/SELECTOR.key */
	char   *state_path;		/* DIR/DOMAIN/SELECTOR.state */
	int     has_file;		/* state_path exists */
	enum dkim_alg alg;
	int     bits;			/* 0: unknown */
	enum key_state state;		/* as written */
	time_t  created;
	time_t  activated;		/* 0: never */
	time_t  retiring;		/* when it was replaced; 0: not */
	time_t  retired;		/* 0: not */
};

extern char *keystate_path(const char *);
extern int keystate_read(const char *, struct keystate *, struct buf *);
extern int keystate_write(const struct keystate *, uid_t, gid_t,
			          struct buf *);
extern enum key_state keystate_effective(const struct keystate *, long,
					         time_t);
extern int keystate_change(struct keystate *, enum key_state, time_t,
			           uid_t, gid_t, struct buf *);
extern const char *keystate_name(enum key_state);
extern int keystate_scan(const char *, const char *, struct keystate **,
			         size_t *, struct buf *);
extern void keystate_free(struct keystate *);
extern void keystate_time(time_t, struct buf *);

#endif
