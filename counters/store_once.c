/*++
/* NAME
/*	store_once 3
/* SUMMARY
/*	count a message once when its client sends it again after a crash
/* SYNOPSIS
/*	#include "store_impl.h"
/*
/*	int	store_once_recover(struct store *s, struct buf *err)
/*
/*	int	store_once_batch(struct store *s, struct pending *batch,
/*			struct buf *err)
/*
/*	void	store_once_committed(struct store *s,
/*			const struct pending *batch)
/*
/*	int	store_once_expire(struct store *s, time_t now,
/*			struct buf *err)
/*
/*	void	store_once_clean(struct store *s)
/*
/*	void	store_once_free(struct store *s)
/* DESCRIPTION
/*	signet-milter commits a message's count before it replies. When
/*	it is killed between the two, the MTA never reads the reply: it
/*	tempfails that attempt, and the client sends the same message
/*	again, which would count it twice. These functions make such a
/*	message count once, at the cost of one row update per batch.
/*
/*	The keys of a batch's records (count(3): a hash of the outcome,
/*	Message-ID, envelope and body hash) are also written, in the
/*	transaction of their counts, as one row of counts_recent: a ring
/*	of the last STORE_RING batches of each origin (the host and
/*	socket of one signet-milter; several write into one PostgreSQL
/*	store). A
/*	signet-milter that stops cleanly, having sent every reply,
/*	empties its ring; a ring found full at start is therefore what a
/*	killed one left.
/*
/*	store_once_recover() runs when a writing store connects. When
/*	the origin's ring is not empty, the keys committed in the last
/*	STORE_INFLIGHT seconds before the last commit there (the messages
/*	whose reply may not have left) move to counts_retry, and the ring
/*	is emptied; it then loads the origin's counts_retry into memory.
/*
/*	store_once_batch(), inside the batch's transaction, marks
/*	(pending.seen) each record whose key is in counts_retry: it adds
/*	nothing to the counts, and its row in counts_retry goes; every
/*	key, seen or not, goes into the ring.
/*	store_once_committed() forgets the seen keys in memory once the
/*	transaction is committed.
/*
/*	store_once_expire(), part of the hourly roll-up, deletes keys of
/*	counts_retry older than STORE_RETRY_DAYS: longer than an MTA
/*	keeps trying a message (Postfix's maximal_queue_lifetime is 5
/*	days by default).
/*
/*	store_once_clean() empties the origin's ring, on a clean stop.
/*	store_once_free() frees the keys in memory.
/*
/*	A message that was counted, whose reply did leave, and that the
/*	client sends again, identical (same Message-ID, envelope, body),
/*	within STORE_INFLIGHT seconds of a crash is counted once. A retry
/*	that reaches another signet-milter of a fleet is counted again.
/* DIAGNOSTICS
/*	-1 with the reason in err.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "store_impl.h"

#define DAY		86400

static const char ring_put[] =
	"INSERT INTO counts_recent (origin, slot, seq, keys, at)"
	" VALUES (?, ?, ?, ?, ?)"
	" ON CONFLICT (origin, slot) DO UPDATE SET seq = excluded.seq,"
	" keys = excluded.keys, at = excluded.at";

static const char ring_last[] =
	"SELECT MAX(at) FROM counts_recent WHERE origin = ?";

static const char ring_read[] =
	"SELECT keys, at FROM counts_recent WHERE origin = ? AND at >= ?";

static const char retry_add[] =
	"INSERT INTO counts_retry (origin, key, at) VALUES (?, ?, ?)"
	" ON CONFLICT (origin, key) DO NOTHING";

static const char ring_empty[] =
	"DELETE FROM counts_recent WHERE origin = ?";

static const char retry_load[] =
	"SELECT key FROM counts_retry WHERE origin = ?";

static const char retry_drop[] =
	"DELETE FROM counts_retry WHERE origin = ? AND key = ?";

static const char retry_expire[] =
	"DELETE FROM counts_retry WHERE at < ?";

/* key_cmp - order keys */

static int
key_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* one_num - row callback: the first column as a number; -1 for NULL */

static int
one_num(void *ctx, int ncols, const char *const *cols)
{
	*(long long *) ctx = ncols > 0 && cols[0] ? atoll(cols[0]) : -1;
	return (0);
}

/* key_keep - row callback: keep a key of counts_retry */

static int
key_keep(void *ctx, int ncols, const char *const *cols)
{
	struct store *s = ctx;

	if (ncols < 1 || cols[0] == NULL)
		return (0);
	s->retry = xreallocarray(s->retry, s->nretry + 1, sizeof(*s->retry));
	s->retry[s->nretry++] = xstrdup(cols[0]);
	return (0);
}

/* store_once_free - forget the keys in memory */

void
store_once_free(struct store *s)
{
	size_t  i;

	for (i = 0; i < s->nretry; i++)
		free(s->retry[i]);
	free(s->retry);
	s->retry = NULL;
	s->nretry = 0;
}

/* keys_keep - row callback: keep the keys and time of a ring row */

static int
keys_keep(void *ctx, int ncols, const char *const *cols)
{
	struct buf *b = ctx;

	if (ncols < 2 || cols[0] == NULL || cols[1] == NULL)
		return (0);
	buf_printf(b, "%s %s\n", cols[1], cols[0]);
	return (0);
}

/* ring_retry - each key of the rows read into counts_retry */

static int
ring_retry(struct store *s, char *rows, struct buf *err)
{
	struct db_param par[3] = {{s->origin, 0}, {NULL, 0}, {NULL, 0}};
	char   *line, *key, *lp, *kp;

	for (line = strtok_r(rows, "\n", &lp); line;
	     line = strtok_r(NULL, "\n", &lp)) {
		par[2].num = atoll(line);
		line += strcspn(line, " ");
		for (key = strtok_r(line, " ", &kp); key;
		     key = strtok_r(NULL, " ", &kp)) {
			par[1].text = key;
			if (s->ops->run(s->db, retry_add, par, 3, NULL, NULL,
					err) < 0)
				return (-1);
		}
	}
	return (0);
}

/* ring_recover - keys a killed signet-milter may not have replied to */

static int
ring_recover(struct store *s, struct buf *err)
{
	struct db_param par[2] = {{s->origin, 0}, {NULL, 0}};
	struct buf rows = BUF_INIT;
	long long last = -1;
	int     rc;

	if (s->ops->run(s->db, ring_last, par, 1, one_num, &last, err) < 0)
		return (-1);
	if (last < 0)
		return (0);
	par[1].num = last - STORE_INFLIGHT;
	rc = s->ops->run(s->db, ring_read, par, 2, keys_keep, &rows, err) < 0
		|| (rows.data && ring_retry(s, rows.data, err) < 0)
		|| s->ops->run(s->db, ring_empty, par, 1, NULL, NULL, err) < 0;
	buf_free(&rows);
	return (rc ? -1 : 1);
}

/* store_once_recover - after a crash, the keys to count once more */

int
store_once_recover(struct store *s, struct buf *err)
{
	struct db_param par = {s->origin, 0};
	int     rc;

	if (s->origin == NULL)
		return (0);
	store_once_free(s);
	s->ring_seq = 0;
	if (s->ops->lock(s->db, err) < 0)
		return (-1);
	if ((rc = ring_recover(s, err)) < 0
	    || s->ops->run(s->db, retry_load, &par, 1, key_keep, s, err) < 0
	    || s->ops->exec(s->db, "COMMIT", err) < 0) {
		store_once_free(s);
		return (store_rollback(s));
	}
	if (s->nretry > 1)
		qsort(s->retry, s->nretry, sizeof(*s->retry), key_cmp);
	if (rc > 0)
		log_info("counters: the last signet-milter of %s in %s did not "
			 "stop cleanly; what it counted in its last %d seconds "
			 "may have lost its reply: a message of these sent again "
			 "is not counted again (%zu messages waited for)",
			 s->origin, s->name, STORE_INFLIGHT, s->nretry);
	else if (s->nretry)
		log_info("counters: %zu message%s counted before an earlier "
			 "crash of %s %s not counted again if sent again",
			 s->nretry, s->nretry == 1 ? "" : "s", s->origin,
			 s->nretry == 1 ? "is" : "are");
	return (0);
}

/* retry_find - the index of a key in memory, or -1 */

static long
retry_find(const struct store *s, const char *key)
{
	char  **hit;

	if (s->nretry == 0)
		return (-1);
	hit = bsearch(&key, s->retry, s->nretry, sizeof(*s->retry), key_cmp);
	return (hit ? (long) (hit - s->retry) : -1);
}

/* store_once_batch - mark records counted before; write the ring */

int
store_once_batch(struct store *s, struct pending *batch, struct buf *err)
{
	struct db_param par[5];
	struct pending *p;
	struct buf keys = BUF_INIT;
	time_t  at = 0;
	int     rc = 0;

	for (p = batch; p; p = p->next)
		p->seen = 0;
	if (s->origin == NULL)
		return (0);
	memset(par, 0, sizeof(par));
	par[0].text = s->origin;
	for (p = batch; p && rc == 0; p = p->next) {
		if (p->ev->key == NULL || *p->ev->key == 0
		    || strchr(p->ev->key, ' ') != NULL)
			continue;
		buf_printf(&keys, "%s%s", keys.len ? " " : "", p->ev->key);
		if (p->ev->when > at)
			at = p->ev->when;
		if (retry_find(s, p->ev->key) < 0)
			continue;
		par[1].text = p->ev->key;
		rc = s->ops->run(s->db, retry_drop, par, 2, NULL, NULL, err);
		p->seen = 1;
	}
	if (rc == 0 && keys.len) {
		par[1].text = NULL;
		par[1].num = s->ring_seq % STORE_RING;
		par[2].num = s->ring_seq++;
		par[3].text = keys.data;
		par[4].num = (long long) at;
		rc = s->ops->run(s->db, ring_put, par, 5, NULL, NULL, err);
	}
	buf_free(&keys);
	return (rc);
}

/* store_once_committed - forget the keys that were just used */

void
store_once_committed(struct store *s, const struct pending *batch)
{
	const struct pending *p;
	long    i;

	for (p = batch; p; p = p->next) {
		if (!p->seen || (i = retry_find(s, p->ev->key)) < 0)
			continue;
		free(s->retry[i]);
		memmove(s->retry + i, s->retry + i + 1,
			(s->nretry - i - 1) * sizeof(*s->retry));
		s->nretry--;
	}
}

/* store_once_expire - keys older than STORE_RETRY_DAYS go */

int
store_once_expire(struct store *s, time_t now, struct buf *err)
{
	struct db_param cut = {NULL, (long long) now
	- (long long) STORE_RETRY_DAYS * DAY};

	return (s->ops->run(s->db, retry_expire, &cut, 1, NULL, NULL, err));
}

/* store_once_clean - every reply left: empty the ring */

void
store_once_clean(struct store *s)
{
	struct db_param par = {s->origin, 0};
	struct buf err = BUF_INIT;

	if (s->origin == NULL || s->db == NULL)
		return;
	if (s->ops->run(s->db, ring_empty, &par, 1, NULL, NULL, &err) < 0)
		log_warn("counters: cannot empty the recent keys of %s in %s: "
			 "%s; the next start takes the last of them for "
			 "messages that may be sent again", s->origin, s->name,
			 err.data);
	buf_free(&err);
}
