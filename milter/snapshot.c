/*++
/* NAME
/*	snapshot 3
/* SUMMARY
/*	the current policy and keys, safe to swap under load
/* SYNOPSIS
/*	#include "snapshot.h"
/*
/*	struct snapshot *snapshot_load(const char *path, struct diag *d);
/*	void	snapshot_install(struct snapshot *snap);
/*	struct snapshot *snapshot_acquire(void);
/*	struct snapshot *snapshot_release(struct snapshot *snap);
/* DESCRIPTION
/*	snapshot_load() reads the policy file and every key it names into
/*	a new snapshot, off to the side; nothing running sees it yet.
/*	The snapshot's SPF evaluator (spf 3) uses the policy's dns
/*	settings; it opens its resolver at its first evaluation (after
/*	any fork), and its cache lasts as long as the snapshot.
/*	Its key watch (keywatch(3)) reads the keys' states and makes its
/*	first DNS checks there, so the snapshot comes with its signing
/*	plan; what the snapshot in force knew of the same keys' records
/*	stands where DNS does not answer.
/*
/*	snapshot_install() makes a loaded snapshot the current one. The
/*	previous one is freed when the last message that pinned it ends.
/*
/*	snapshot_acquire() pins the current snapshot for one message;
/*	snapshot_release() unpins it and returns NULL. Taking and dropping
/*	a reference happen under the same lock as the swap, so a reload
/*	can never free a snapshot between a reader's load of the pointer
/*	and its increment of the count.
/* DIAGNOSTICS
/*	snapshot_load() returns NULL when the policy or a key is bad, with
/*	every problem in d. Errors in d leave the current snapshot as it
/*	was: a bad new configuration never replaces a good one.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "keywatch.h"
#include "log.h"
#include "snapshot.h"
#include "xalloc.h"

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *current;
static unsigned long generations;

/* snapshot_free - release a snapshot nobody holds */

static void
snapshot_free(struct snapshot *snap)
{
	keywatch_free(snap->watch);
	keyring_free((struct keyring *) snap->keys);
	spf_free(snap->spf);
	policy_free((struct policy *) snap->policy);
	free(snap);
}

/* snapshot_load - read policy and keys into a new snapshot */

struct snapshot *
snapshot_load(const char *path, struct diag *d)
{
	struct snapshot *snap;
	struct policy *policy;
	struct keyring *keys;
	struct keywatch *watch;
	struct snapshot *prev;

	if ((policy = policy_load(path, d)) == NULL)
		return (NULL);
	if ((keys = keyring_load(policy, d)) == NULL) {
		policy_free(policy);
		return (NULL);
	}
	(void) pthread_mutex_lock(&snapshot_lock);
	if ((prev = current) != NULL)
		prev->refs++;
	(void) pthread_mutex_unlock(&snapshot_lock);
	watch = keywatch_create(policy, keys, prev ? prev->watch : NULL, d);
	(void) snapshot_release(prev);
	if (watch == NULL) {
		keyring_free(keys);
		policy_free(policy);
		return (NULL);
	}
	snap = xcalloc(1, sizeof(*snap));
	snap->policy = policy;
	snap->keys = keys;
	snap->spf = spf_create(&policy->dns, SPF_CACHE_MAX);
	snap->watch = watch;
	snap->refs = 1;			/* the reference "current" holds */
	return (snap);
}

/* snapshot_install - make snap the current snapshot */

void
snapshot_install(struct snapshot *snap)
{
	struct snapshot *old;

	(void) pthread_mutex_lock(&snapshot_lock);
	snap->generation = ++generations;
	old = current;
	current = snap;
	(void) pthread_mutex_unlock(&snapshot_lock);
	if (old != NULL)
		(void) snapshot_release(old);
}

/* snapshot_acquire - pin the current snapshot */

struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *snap;

	(void) pthread_mutex_lock(&snapshot_lock);
	if ((snap = current) == NULL)
		log_panic("snapshot_acquire: no snapshot installed");
	snap->refs++;
	(void) pthread_mutex_unlock(&snapshot_lock);
	return (snap);
}

/* snapshot_release - unpin, freeing the last reference */

struct snapshot *
snapshot_release(struct snapshot *snap)
{
	int     last;

	if (snap == NULL)
		return (NULL);
	(void) pthread_mutex_lock(&snapshot_lock);
	if (snap->refs <= 0)
		log_panic("snapshot_release: reference count %d", snap->refs);
	last = (--snap->refs == 0);
	(void) pthread_mutex_unlock(&snapshot_lock);
	if (last)
		snapshot_free(snap);
	return (NULL);
}
