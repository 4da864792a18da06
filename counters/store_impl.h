#ifndef SIGNET_STORE_IMPL_H
#define SIGNET_STORE_IMPL_H

/* store_impl - what the files of the counters store share */

#include <pthread.h>

#include "backend.h"
#include "store.h"

#define COUNTERS_COMPONENT	"counters"

 /*
  * A record waiting for the writer, on the stack of its caller.
  */
struct pending {
	const struct count_event *ev;
	struct pending *next;
	int     done;			/* under the store lock */
	int     rc;
	int     seen;			/* writer: counted before a crash */
	pthread_cond_t cond;		/* signalled when done */
	store_done_fn notify;		/* or, if not NULL, called when done */
	void   *notify_arg;
};

struct store {
	const struct db_ops *ops;
	struct db *db;			/* NULL while the store is down */
	char   *spec;
	char   *name;			/* spec without a password: for messages */
	enum store_mode mode;
	int     hourly_days;		/* keep hours this long */
	int     daily_days;		/* keep days this long; 0: forever */
	int     sync_full;		/* DB_SYNC_FULL */
	char   *origin;			/* one signet-milter; NULL: no keys */
	int     replied;		/* every reply left: a clean stop */

	/* STORE_WRITE: the writer thread and its queue. */
	pthread_t writer;
	int     running;
	int     stop;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct pending *queue;
	struct pending **tail;
	int     queued;			/* records in queue */
	int     urgent;			/* a caller waits: commit at once */
	struct timespec first;		/* when the queue began (REALTIME) */

	/* The writer's own state. */
	time_t  next_open;		/* no reconnect before this */
	time_t  next_rollup;
	time_t  last_log;
	int     failing;
	unsigned long lost;		/* records refused while failing */
	long long ring_seq;		/* next record of counts_recent */
	char  **retry;			/* counts_retry of origin, sorted */
	size_t  nretry;
};

#define STORE_NO_CONNECTION	(-2)	/* store_connect(): cannot connect */

extern int store_connect(struct store *, struct buf *);
extern int store_write_batch(struct store *, struct pending *, struct buf *);
extern int store_counters_migrate(struct store *, struct buf *);
extern int store_counters_check(struct store *, struct buf *);
extern int store_rollback(struct store *);
extern int store_once_recover(struct store *, struct buf *);
extern int store_once_batch(struct store *, struct pending *, struct buf *);
extern void store_once_committed(struct store *, const struct pending *);
extern int store_once_expire(struct store *, time_t, struct buf *);
extern void store_once_clean(struct store *);
extern void store_once_free(struct store *);

#endif
