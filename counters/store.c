/*++
/* NAME
/*	store 3
/* SUMMARY
/*	the counters store: open, and record with group commit
/* SYNOPSIS
/*	#include "store.h"
/*
/*	struct store *store_open(const char *spec, enum store_mode mode,
/*			struct buf *err)
/*
/*	struct store *store_open_with(const char *spec, enum store_mode mode,
/*			const struct store_settings *set, struct buf *err)
/*
/*	void	store_replied(struct store *s)
/*
/*	struct store *store_close(struct store *s)
/*
/*	const char *store_kind(const struct store *s)
/*
/*	void	store_set_retention(struct store *s, int hourly_days,
/*			int daily_days)
/*
/*	int	store_record(struct store *s, const struct count_event *ev)
/*
/*	void	store_submit(struct store *s, const struct count_event *ev,
/*			store_done_fn done, void *arg)
/* DESCRIPTION
/*	store_open() opens the store that \fIspec\fR names: a URI that
/*	starts with postgresql:// or postgres:// is a PostgreSQL
/*	database, anything else the absolute path of an SQLite file.
/*
/*	STORE_READ connects at once and checks that the schema is the
/*	one this signet reads; queries run in the calling thread. The
/*	file must exist.
/*
/*	STORE_UPGRADE is STORE_READ for a program that writes tables of
/*	its own into the store (signet dmarc import): it first creates
/*	the counters' tables, or upgrades them, as signet-milter would.
/*
/*	STORE_WRITE creates or upgrades the schema and starts a writer
/*	thread. An SQLite file that cannot be opened or created is an
/*	error, and so is a schema that cannot be upgraded; a PostgreSQL
/*	server that does not answer is logged, and the writer connects
/*	when it does. store_record() hands it one message's count and returns
/*	once that count is committed (0) or could not be (-1); with an
/*	origin in the settings, a record whose key a killed signet-milter
/*	committed without replying adds nothing, and is reported
/*	committed (see store_once(3)). store_submit() does not wait:
/*	done(arg, rc) runs when the record is committed or not, on the
/*	writer's thread (at once, with -1, when the store is closing); ev
/*	must stay until then. The writer takes every record queued
/*	meanwhile, from all threads, into one transaction (group commit):
/*	one commit, and for SQLite one fsync, per batch, not per message.
/*	A batch of submitted records gathers for up to GATHER_MS (5 ms)
/*	or GATHER_MAX records; a caller of store_record() waits, and has
/*	its batch committed at once. When the store is down (locked for
/*	more than 5 s, disk full, server gone), every record fails at
/*	once, and the writer tries to reconnect at most once a second
/*	until it works again. Once an hour, hourly rows older than
/*	hourly_days are rolled up into days, and, when daily_days is not
/*	0, rows of days older than daily_days are deleted.
/*
/*	store_open_with() is store_open() with settings: the retention
/*	and, for SQLite, synchronous=FULL (see backend_sqlite(3));
/*	store_open() keeps hours STORE_HOURLY_DAYS days, days forever,
/*	and syncs at checkpoints. store_set_retention() changes the
/*	retention of an open store; the next roll-up applies it.
/*
/*	store_replied() tells the store that every reply to the MTA has
/*	left: the store_close() that follows is a clean stop, which
/*	empties this origin's recent keys (see store_once(3)).
/*
/*	store_close() lets the writer commit what is queued, stops it,
/*	closes the connection and returns NULL.
/* DIAGNOSTICS
/*	store_open() returns NULL with the reason in err. The writer logs
/*	one error line when the store fails, then one a minute while it
/*	stays down (how many counts were refused meanwhile), and one line
/*	when it recovers. Fatal: out of memory, no thread.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "store_impl.h"

#define ROLLUP_EVERY	3600		/* seconds */
#define GATHER_MS	5		/* a batch gathers records this long */
#define GATHER_MAX	256		/* or until it has this many */
#define LOG_EVERY	60		/* seconds, while failing */

/* store_connect - open the database; create or check the schema */

int
store_connect(struct store *s, struct buf *err)
{
	int     how = (s->mode != STORE_READ ? DB_CREATE : 0)
	| (s->sync_full ? DB_SYNC_FULL : 0);
	int     rc;

	if ((s->db = s->ops->open(s->spec, how, err)) == NULL)
		return (STORE_NO_CONNECTION);
	rc = s->mode != STORE_READ ? store_counters_migrate(s, err) :
		store_counters_check(s, err);
	if (rc == 0 && s->mode == STORE_WRITE)
		rc = store_once_recover(s, err);
	if (rc < 0) {
		s->ops->close(s->db);
		s->db = NULL;
	}
	return (rc);
}

/* writer_log - say that the store fails, or works again */

static void
writer_log(struct store *s, int rc, int n, const struct buf *err)
{
	time_t  now = time(NULL);

	if (rc == 0 && s->failing) {
		log_info("counters: store %s works again; %lu message counts "
			 "were refused while it was down", s->name, s->lost);
		s->failing = 0;
		s->lost = 0;
	} else if (rc < 0) {
		s->lost += n;
		if (!s->failing || now >= s->last_log + LOG_EVERY) {
			log_error("counters: cannot record counts in %s: %s; "
				  "messages get the on_error action until it "
				  "works again (%lu refused so far)", s->name,
				  err->data ? err->data : "store unavailable",
				  s->lost);
			s->last_log = now;
		}
		s->failing = 1;
	}
}

/* writer_commit - commit one batch, reconnecting if need be */

static int
writer_commit(struct store *s, struct pending *batch)
{
	struct buf err = BUF_INIT;
	struct pending *p;
	time_t  now = time(NULL);
	int     rc = -1, n = 0;

	for (p = batch; p; p = p->next)
		n++;
	if (s->db == NULL && now >= s->next_open) {
		s->next_open = now + 1;
		(void) store_connect(s, &err);
	}
	if (s->db != NULL) {
		buf_reset(&err);
		if ((rc = store_write_batch(s, batch, &err)) < 0) {
			s->ops->close(s->db);	/* reconnect for the next */
			s->db = NULL;
			s->next_open = now + 1;
		}
	}
	writer_log(s, rc, n, &err);
	buf_free(&err);
	return (rc);
}

/* writer_rollup - roll old hours into days, once an hour */

static void
writer_rollup(struct store *s)
{
	struct buf err = BUF_INIT;
	time_t  now = time(NULL);

	if (s->db == NULL || now < s->next_rollup)
		return;
	s->next_rollup = now + ROLLUP_EVERY;
	if (store_rollup(s, now, &err) < 0)
		log_warn("counters: rolling hourly counts older than %d days "
			 "into days, or deleting days past the retention, "
			 "failed: %s; will try again in an hour",
			 s->hourly_days, err.data);
	buf_free(&err);
}

/* writer_gather - let records that do not wait gather; store lock held */

static void
writer_gather(struct store *s)
{
	struct timespec until = s->first;

	until.tv_nsec += GATHER_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!s->urgent && !s->stop && s->queued < GATHER_MAX)
		if (pthread_cond_timedwait(&s->work, &s->lock, &until) != 0)
			break;
}

/* queue_add - a record joins the queue; store lock held */

static void
queue_add(struct store *s, struct pending *p, int urgent)
{
	if (s->queue == NULL)
		(void) clock_gettime(CLOCK_REALTIME, &s->first);
	*s->tail = p;
	s->tail = &p->next;
	s->urgent |= urgent;
	if (++s->queued == 1 || urgent || s->queued >= GATHER_MAX)
		(void) pthread_cond_signal(&s->work);
}

/* writer_main - take what is queued, commit it, wake the callers */

static void *
writer_main(void *arg)
{
	struct store *s = arg;
	struct pending *batch, *p, *next, *later;
	struct timespec ts;
	int     rc;

	(void) pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->queue == NULL && !s->stop) {
			(void) clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 60;
			(void) pthread_cond_timedwait(&s->work, &s->lock, &ts);
			if (s->queue == NULL && !s->stop) {
				(void) pthread_mutex_unlock(&s->lock);
				writer_rollup(s);
				(void) pthread_mutex_lock(&s->lock);
			}
		}
		if (s->queue == NULL)
			break;
		writer_gather(s);
		batch = s->queue;
		s->queue = NULL;
		s->tail = &s->queue;
		s->queued = 0;
		s->urgent = 0;
		(void) pthread_mutex_unlock(&s->lock);
		rc = writer_commit(s, batch);
		writer_rollup(s);
		later = NULL;
		(void) pthread_mutex_lock(&s->lock);
		for (p = batch; p; p = next) {	/* wake exactly the callers */
			next = p->next;
			p->rc = rc;
			if (p->notify != NULL) {
				p->next = later;
				later = p;
				continue;
			}
			p->done = 1;		/* p may be gone from here on */
			(void) pthread_cond_signal(&p->cond);
		}
		(void) pthread_mutex_unlock(&s->lock);
		for (p = later; p; p = next) {	/* and tell the others */
			next = p->next;
			p->notify(p->notify_arg, rc);
			free(p);
		}
		(void) pthread_mutex_lock(&s->lock);
	}
	(void) pthread_mutex_unlock(&s->lock);
	return (NULL);
}

/* store_record - commit one message's count before returning */

int
store_record(struct store *s, const struct count_event *ev)
{
	struct pending p;

	memset(&p, 0, sizeof(p));
	p.ev = ev;
	p.rc = -1;
	(void) pthread_cond_init(&p.cond, NULL);
	(void) pthread_mutex_lock(&s->lock);
	if (s->running && !s->stop) {
		queue_add(s, &p, 1);
		while (!p.done)
			(void) pthread_cond_wait(&p.cond, &s->lock);
	}
	(void) pthread_mutex_unlock(&s->lock);
	(void) pthread_cond_destroy(&p.cond);
	return (p.rc);
}

/* store_submit - hand one message's count to the writer; done says when */

void
store_submit(struct store *s, const struct count_event *ev,
	     store_done_fn done, void *arg)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	int     queued = 0;

	p->ev = ev;
	p->rc = -1;
	p->notify = done;
	p->notify_arg = arg;
	(void) pthread_mutex_lock(&s->lock);
	if (s->running && !s->stop) {
		queue_add(s, p, 0);
		queued = 1;
	}
	(void) pthread_mutex_unlock(&s->lock);
	if (!queued) {
		done(arg, -1);
		free(p);
	}
}

/* writer_start - the writer thread, with every signal blocked */

static void
writer_start(struct store *s)
{
	sigset_t all, old;
	int     err;

	(void) sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&s->writer, NULL, writer_main, s);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		log_fatal("counters: cannot start the writer thread: %s",
			  strerror(err));
	s->running = 1;
}

/* store_name - the spec without a password, for messages */

static char *
store_name(const char *spec)
{
	const char *scheme = strstr(spec, "://"), *at, *colon;
	struct buf b = BUF_INIT;

	if (scheme == NULL || (at = strchr(scheme + 3, '@')) == NULL
	    || (colon = memchr(scheme + 3, ':', at - scheme - 3)) == NULL)
		return (xstrdup(spec));
	buf_append(&b, spec, colon - spec);
	buf_puts(&b, ":***");
	buf_puts(&b, at);
	return (buf_steal(&b));
}

/* store_free - release what store_open() allocated */

static struct store *
store_free(struct store *s)
{
	store_once_free(s);
	free(s->origin);
	free(s->spec);
	free(s->name);
	free(s);
	return (NULL);
}

/* store_open - store_open_with() the default settings */

struct store *
store_open(const char *spec, enum store_mode mode, struct buf *err)
{
	return (store_open_with(spec, mode, NULL, err));
}

/* store_open_with - connect, check the schema, start the writer */

struct store *
store_open_with(const char *spec, enum store_mode mode,
		const struct store_settings *set, struct buf *err)
{
	struct store *s;
	int     rc;

	if (spec == NULL || *spec == 0) {
		buf_printf(err, "no counters store given; write counters: store: "
			   "/var/lib/signet/counters.db or a postgresql:// URI");
		return (NULL);
	}
	s = xcalloc(1, sizeof(*s));
	s->spec = xstrdup(spec);
	s->name = store_name(spec);
	s->mode = mode;
	s->hourly_days = set ? set->hourly_days : STORE_HOURLY_DAYS;
	s->daily_days = set ? set->daily_days : 0;
	s->sync_full = set ? set->sync_full : 0;
	s->origin = set && set->origin && mode == STORE_WRITE ?
		xstrdup(set->origin) : NULL;
	s->tail = &s->queue;
	if (strncmp(spec, "postgresql://", 13) == 0
	    || strncmp(spec, "postgres://", 11) == 0) {
		s->ops = &db_pg_ops;
	} else if (*spec == '/') {
		s->ops = &db_sqlite_ops;
	} else {
		buf_printf(err, "counters store \"%s\" is neither an absolute file "
			   "path (SQLite) nor a postgresql:// URI", s->name);
		return (store_free(s));
	}
	if ((rc = store_connect(s, err)) < 0) {
		if (mode != STORE_WRITE || s->ops != &db_pg_ops
		    || rc != STORE_NO_CONNECTION)
			return (store_free(s));
		log_error("counters: %s; messages get the on_error action until "
			  "it answers", err->data);
		buf_reset(err);
		s->next_open = time(NULL) + 1;
	}
	(void) pthread_mutex_init(&s->lock, NULL);
	(void) pthread_cond_init(&s->work, NULL);
	if (mode == STORE_WRITE)
		writer_start(s);
	return (s);
}

/* store_set_retention - keep hours, and days, this many days */

void
store_set_retention(struct store *s, int hourly_days, int daily_days)
{
	(void) pthread_mutex_lock(&s->lock);
	s->hourly_days = hourly_days;
	s->daily_days = daily_days;
	s->next_rollup = 0;
	(void) pthread_mutex_unlock(&s->lock);
}

/* store_kind - "sqlite" or "postgresql" */

const char *
store_kind(const struct store *s)
{
	return (s->ops->kind);
}

/* store_replied - every reply left: the next close is a clean stop */

void
store_replied(struct store *s)
{
	if (s != NULL)
		s->replied = 1;
}

/* store_close - commit what is queued, stop the writer, disconnect */

struct store *
store_close(struct store *s)
{
	if (s == NULL)
		return (NULL);
	if (s->running) {
		(void) pthread_mutex_lock(&s->lock);
		s->stop = 1;
		(void) pthread_cond_signal(&s->work);
		(void) pthread_mutex_unlock(&s->lock);
		(void) pthread_join(s->writer, NULL);
	}
	if (s->replied)
		store_once_clean(s);
	if (s->db != NULL)
		s->ops->close(s->db);
	(void) pthread_mutex_destroy(&s->lock);
	(void) pthread_cond_destroy(&s->work);
	return (store_free(s));
}
