/*++
/* NAME
/*	store_write 3
/* SUMMARY
/*	the counters schema, its migrations, batch writes and roll-up
/* SYNOPSIS
/*	#include "store_impl.h"
/*
/*	int	store_migrate(struct store *s, const char *component,
/*			const char *const *steps, int nsteps, struct buf *err)
/*
/*	int	store_counters_migrate(struct store *s, struct buf *err)
/*
/*	int	store_counters_check(struct store *s, struct buf *err)
/*
/*	int	store_write_batch(struct store *s, struct pending *batch,
/*			struct buf *err)
/*
/*	int	store_rollup(struct store *s, time_t now, struct buf *err)
/*
/*	int	store_rollback(struct store *s)
/* DESCRIPTION
/*	store_migrate() brings the tables of one component to version
/*	\fInsteps\fR: in one transaction (which, on PostgreSQL, locks
/*	signet_schema, so that MTAs starting at once upgrade once), it
/*	runs steps[v] for every version v from the one recorded in
/*	signet_schema up, and records the new version.
/*
/*	store_counters_migrate() does that for the counters' own tables;
/*	store_counters_check() checks, for a reader, that they are at
/*	the version this signet knows.
/*
/*	store_write_batch() adds up the records of a batch by row (three
/*	messages of the same hour, domain, sender, ... make one upsert
/*	of 3), for counts, counts_summary, counts_rcpt and counts_day,
/*	sorts the rows, so that writers of a fleet lock rows in one
/*	order and cannot deadlock, and writes them in one transaction.
/*	A deadlock reported by the server is retried.
/*
/*	In the same transaction, store_once_batch() leaves out the
/*	records sent again after a crash (see store_once(3)).
/*
/*	store_rollup() adds the hourly rows older than hourly_days up
/*	into daily rows (span 86400) and deletes them; when daily_days
/*	is not 0, it then deletes the rows, hours or days, of every
/*	table that began more than daily_days ago; all in one
/*	transaction. Both limits start at midnight UTC. counts_day is
/*	already per day: the roll-up leaves it as it is. In the same
/*	transaction, store_once_expire() forgets old retry keys.
/*
/*	store_rollback() ends a failed transaction and returns -1.
/* DIAGNOSTICS
/*	-1 with the reason in err; the transaction is rolled back.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "store_impl.h"

#define HOUR		3600
#define DAY		86400
#define RETRIES		3

/*
 * Version 1, as SQLite and PostgreSQL write it: in SQLite the tables are
 * WITHOUT ROWID, so that a range of hours is one sequential scan of the
 * primary key rather than a lookup per row.
 */
#define COUNTS_TABLE \
	"CREATE TABLE counts (" \
	" bucket BIGINT NOT NULL, span INTEGER NOT NULL," \
	" from_domain TEXT NOT NULL, sender TEXT NOT NULL," \
	" env_domain TEXT NOT NULL, sasl_login TEXT NOT NULL," \
	" client_addr TEXT NOT NULL, outcome TEXT NOT NULL," \
	" selectors TEXT NOT NULL, messages BIGINT NOT NULL," \
	" PRIMARY KEY (bucket, span, from_domain, sender, env_domain," \
	"  sasl_login, client_addr, outcome, selectors))"
#define SUMMARY_TABLE \
	"CREATE TABLE counts_summary (" \
	" bucket BIGINT NOT NULL, span INTEGER NOT NULL," \
	" from_domain TEXT NOT NULL, sender TEXT NOT NULL," \
	" outcome TEXT NOT NULL, messages BIGINT NOT NULL," \
	" PRIMARY KEY (bucket, span, from_domain, sender, outcome))"
#define RCPT_TABLE \
	"CREATE TABLE counts_rcpt (" \
	" bucket BIGINT NOT NULL, span INTEGER NOT NULL," \
	" from_domain TEXT NOT NULL, sender TEXT NOT NULL," \
	" outcome TEXT NOT NULL, rcpt_domain TEXT NOT NULL," \
	" messages BIGINT NOT NULL," \
	" PRIMARY KEY (bucket, span, from_domain, sender, outcome," \
	"  rcpt_domain))"
#define DOMAIN_INDEX \
	"CREATE INDEX counts_by_domain ON counts_summary (from_domain, bucket);"

/*
 * Version 2: counts_day, filled from what version 1 holds.
 */
#define DAY_TABLE \
	"CREATE TABLE counts_day (" \
	" dim INTEGER NOT NULL, day BIGINT NOT NULL," \
	" from_domain TEXT NOT NULL, sender TEXT NOT NULL," \
	" outcome TEXT NOT NULL, value TEXT NOT NULL," \
	" messages BIGINT NOT NULL," \
	" PRIMARY KEY (dim, day, from_domain, sender, outcome, value))"
#define DAY_FILL(dim, value, table, group) \
	"INSERT INTO counts_day (dim, day, from_domain, sender, outcome," \
	" value, messages) SELECT " dim ", bucket - bucket % 86400," \
	" from_domain, sender, outcome, " value ", SUM(messages)" \
	" FROM " table " GROUP BY bucket - bucket % 86400, from_domain," \
	" sender, outcome" group ";"
#define DAY_FILL_ALL \
	DAY_FILL("0", "''", "counts_summary", "") \
	DAY_FILL("1", "rcpt_domain", "counts_rcpt", ", rcpt_domain") \
	DAY_FILL("2", "selectors", "counts", ", selectors") \
	DAY_FILL("3", "env_domain", "counts", ", env_domain") \
	DAY_FILL("4", "sasl_login", "counts", ", sasl_login") \
	DAY_FILL("5", "client_addr", "counts", ", client_addr")

/*
 * Version 3: counts_recent and counts_retry (see store_once(3)).
 */
#define RECENT_TABLE \
	"CREATE TABLE counts_recent (" \
	" origin TEXT NOT NULL, slot INTEGER NOT NULL, seq BIGINT NOT NULL," \
	" keys TEXT NOT NULL, at BIGINT NOT NULL," \
	" PRIMARY KEY (origin, slot))"
#define RETRY_TABLE \
	"CREATE TABLE counts_retry (" \
	" origin TEXT NOT NULL, key TEXT NOT NULL, at BIGINT NOT NULL," \
	" PRIMARY KEY (origin, key))"

static const char *const counters_steps_sqlite[] = {
	COUNTS_TABLE " WITHOUT ROWID;" SUMMARY_TABLE " WITHOUT ROWID;"
	RCPT_TABLE " WITHOUT ROWID;" DOMAIN_INDEX,
	DAY_TABLE " WITHOUT ROWID;" DAY_FILL_ALL,
	RECENT_TABLE " WITHOUT ROWID;" RETRY_TABLE " WITHOUT ROWID;",
};

static const char *const counters_steps_pg[] = {
	COUNTS_TABLE ";" SUMMARY_TABLE ";" RCPT_TABLE ";" DOMAIN_INDEX,
	DAY_TABLE ";" DAY_FILL_ALL,
	RECENT_TABLE ";" RETRY_TABLE ";",
};

#define COUNTERS_VERSION \
	((int) (sizeof(counters_steps_pg) / sizeof(counters_steps_pg[0])))

static const char upsert_counts[] =
	"INSERT INTO counts (bucket, span, from_domain, sender, env_domain,"
	" sasl_login, client_addr, outcome, selectors, messages)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (bucket, span, from_domain, sender, env_domain,"
	" sasl_login, client_addr, outcome, selectors)"
	" DO UPDATE SET messages = counts.messages + excluded.messages";

static const char upsert_summary[] =
	"INSERT INTO counts_summary (bucket, span, from_domain, sender, outcome,"
	" messages) VALUES (?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (bucket, span, from_domain, sender, outcome)"
	" DO UPDATE SET messages = counts_summary.messages + excluded.messages";

static const char upsert_rcpt[] =
	"INSERT INTO counts_rcpt (bucket, span, from_domain, sender, outcome,"
	" rcpt_domain, messages) VALUES (?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (bucket, span, from_domain, sender, outcome, rcpt_domain)"
	" DO UPDATE SET messages = counts_rcpt.messages + excluded.messages";

static const char upsert_day[] =
	"INSERT INTO counts_day (day, dim, from_domain, sender, outcome,"
	" value, messages) VALUES (?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (dim, day, from_domain, sender, outcome, value)"
	" DO UPDATE SET messages = counts_day.messages + excluded.messages";

static const char get_version[] =
	"SELECT version FROM signet_schema WHERE component = ?";

static const char set_version[] =
	"INSERT INTO signet_schema (component, version) VALUES (?, ?)"
	" ON CONFLICT (component) DO UPDATE SET version = excluded.version";

/* one_int - row callback: keep the first column as a number */

static int
one_int(void *ctx, int ncols, const char *const *cols)
{
	if (ncols > 0 && cols[0] != NULL)
		*(long long *) ctx = strtoll(cols[0], NULL, 10);
	return (0);
}

/* schema_version - the recorded version of a component; 0: none */

static int
schema_version(struct store *s, const char *component, long long *v,
	       struct buf *err)
{
	struct db_param par = {component, 0};

	*v = 0;
	return (s->ops->run(s->db, get_version, &par, 1, one_int, v, err));
}

/* store_rollback - end a failed transaction, keeping the first error */

int
store_rollback(struct store *s)
{
	struct buf ignore = BUF_INIT;

	(void) s->ops->exec(s->db, "ROLLBACK", &ignore);
	buf_free(&ignore);
	return (-1);
}

/* migrate_steps - run the steps from version v up, record the last */

static int
migrate_steps(struct store *s, const char *component,
	      const char *const *steps, int nsteps, long long v,
	      struct buf *err)
{
	struct db_param par[2] = {{component, 0}, {NULL, nsteps}};

	if (v > nsteps) {
		buf_printf(err, "the %s tables of %s are at version %lld, newer "
			    "than this signet knows (%d): upgrade signet",
			    component, s->name, v, nsteps);
		return (-1);
	}
	if (v == nsteps)
		return (0);
	for (; v < nsteps; v++)
		if (s->ops->exec(s->db, steps[v], err) < 0)
			return (-1);
	return (s->ops->run(s->db, set_version, par, 2, NULL, NULL, err));
}

/* store_migrate - bring a component's tables to the last version */

int
store_migrate(struct store *s, const char *component,
	      const char *const *steps, int nsteps, struct buf *err)
{
	long long v;

	if (s->ops->exec(s->db, "CREATE TABLE IF NOT EXISTS signet_schema ("
			 "component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
			 err) < 0)
		return (-1);
	if (s->ops->lock(s->db, err) < 0)
		return (-1);
	if (strcmp(s->ops->kind, "postgresql") == 0
	    && s->ops->exec(s->db, "LOCK TABLE signet_schema IN EXCLUSIVE MODE",
			    err) < 0)
		return (store_rollback(s));
	if (schema_version(s, component, &v, err) < 0
	    || migrate_steps(s, component, steps, nsteps, v, err) < 0)
		return (store_rollback(s));
	if (s->ops->exec(s->db, "COMMIT", err) < 0)
		return (store_rollback(s));
	return (0);
}

/* store_counters_migrate - the counters' tables, created or upgraded */

int
store_counters_migrate(struct store *s, struct buf *err)
{
	return (store_migrate(s, COUNTERS_COMPONENT,
			      s->ops == &db_pg_ops ? counters_steps_pg :
			      counters_steps_sqlite, COUNTERS_VERSION, err));
}

/* store_counters_check - are the counters' tables what we read */

int
store_counters_check(struct store *s, struct buf *err)
{
	struct buf ignore = BUF_INIT;
	long long v = 0;
	int     rc;

	rc = schema_version(s, COUNTERS_COMPONENT, &v, &ignore);
	buf_free(&ignore);
	if (rc < 0 || v == 0) {
		buf_printf(err, "%s holds no counts yet: signet-milter creates "
			   "the tables when it starts with this store", s->name);
		return (-1);
	}
	if (v != COUNTERS_VERSION) {
		buf_printf(err, "the counters tables of %s are at version %lld; "
			   "this signet reads version %d: %s", s->name, v,
			   COUNTERS_VERSION, v < COUNTERS_VERSION ?
			   "restart signet-milter to upgrade them" :
			   "upgrade signet");
		return (-1);
	}
	return (0);
}

 /*
  * A row to add to, while a batch is summed up. The strings point into
  * the records of the batch.
  */
#define ROW_FIELDS	8

struct row {
	long long bucket;
	long long num;			/* span; in counts_day, dim */
	const char *f[ROW_FIELDS];
	int     nf;
	long long n;
};

/* row_cmp - order rows by bucket, then fields */

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int     i, c;

	if (x->bucket != y->bucket)
		return (x->bucket < y->bucket ? -1 : 1);
	if (x->num != y->num)
		return (x->num < y->num ? -1 : 1);
	for (i = 0; i < x->nf; i++)
		if ((c = strcmp(x->f[i], y->f[i])) != 0)
			return (c);
	return (0);
}

/* rows_sum - sort rows and merge equal ones; the new count */

static size_t
rows_sum(struct row *rows, size_t n)
{
	size_t  i, out = 0;

	if (n == 0)
		return (0);
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 1; i < n; i++) {
		if (row_cmp(&rows[out], &rows[i]) == 0)
			rows[out].n += rows[i].n;
		else
			rows[++out] = rows[i];
	}
	return (out + 1);
}

/* The rows of a batch, for counts, counts_summary, counts_rcpt, counts_day. */
struct rows {
	struct row *c, *s, *r, *d;
	size_t  nc, ns, nr, nd;
};

/* keeps_client - is the client address kept for this outcome */

static int
keeps_client(const char *outcome)
{
	return (strcmp(outcome, "signed") != 0 && strcmp(outcome, "passed") != 0);
}

/* row_add - one row of a message: bucket, span or dim, fields */

static void
row_add(struct row *r, long long bucket, long long num, int nf, ...)
{
	va_list ap;
	int     i;

	va_start(ap, nf);
	r->bucket = bucket;
	r->num = num;
	for (i = 0; i < nf; i++)
		r->f[i] = va_arg(ap, const char *);
	va_end(ap);
	r->nf = nf;
	r->n = 1;
}

 /*
  * The dimensions of counts_day, by their number (see store.h).
  */
#define DIM_NONE	0
#define DIM_RCPT	1		/* 2 to 5: columns of counts */
#define NDIMS		6

/* event_rows - the rows of one message */

static void
event_rows(const struct count_event *ev, struct rows *b)
{
	long long hour = (long long) ev->when - (long long) ev->when % HOUR;
	long long day = hour - hour % DAY;
	const char *client = keeps_client(ev->outcome) ? ev->client_addr : "";
	const char *dims[NDIMS];
	size_t  i;
	int     k;

	dims[DIM_NONE] = "";
	dims[DIM_RCPT] = NULL;			/* one row per recipient domain */
	dims[2] = ev->selectors;
	dims[3] = ev->env_domain;
	dims[4] = ev->sasl_login;
	dims[5] = client;
	row_add(&b->s[b->ns++], hour, HOUR, 3, ev->from_domain, ev->sender,
		ev->outcome);
	row_add(&b->c[b->nc++], hour, HOUR, 7, ev->from_domain, ev->sender,
		ev->env_domain, ev->sasl_login, client, ev->outcome,
		ev->selectors);
	for (k = 0; k < NDIMS; k++)
		if (k != DIM_RCPT)
			row_add(&b->d[b->nd++], day, k, 4, ev->from_domain,
				ev->sender, ev->outcome, dims[k]);
	for (i = 0; i < ev->nrcpt_domains; i++) {
		row_add(&b->r[b->nr++], hour, HOUR, 4, ev->from_domain,
			ev->sender, ev->outcome, ev->rcpt_domains[i]);
		row_add(&b->d[b->nd++], day, DIM_RCPT, 4, ev->from_domain,
			ev->sender, ev->outcome, ev->rcpt_domains[i]);
	}
}

/* batch_rows - the rows of every table for a batch */

static void
batch_rows(struct pending *batch, struct rows *b)
{
	struct pending *p;
	size_t  ne = 0, nrc = 0;

	for (p = batch; p; p = p->next, ne++)
		if (!p->seen)
			nrc += p->ev->nrcpt_domains;
	b->c = xcalloc(ne ? ne : 1, sizeof(*b->c));
	b->s = xcalloc(ne ? ne : 1, sizeof(*b->s));
	b->r = xcalloc(nrc ? nrc : 1, sizeof(*b->r));
	b->d = xcalloc(ne * (NDIMS - 1) + nrc + 1, sizeof(*b->d));
	b->nc = b->ns = b->nr = b->nd = 0;
	for (p = batch; p; p = p->next)
		if (!p->seen)
			event_rows(p->ev, b);
	b->nc = rows_sum(b->c, b->nc);
	b->ns = rows_sum(b->s, b->ns);
	b->nr = rows_sum(b->r, b->nr);
	b->nd = rows_sum(b->d, b->nd);
}

/* rows_free - free what batch_rows() made */

static void
rows_free(struct rows *b)
{
	free(b->c);
	free(b->s);
	free(b->r);
	free(b->d);
}

/* write_rows - upsert summed rows with one statement */

static int
write_rows(struct store *s, const char *sql, const struct row *rows,
	   size_t n, struct buf *err)
{
	struct db_param par[ROW_FIELDS + 3];
	size_t  i;
	int     j, rc;

	for (i = 0; i < n; i++) {
		memset(par, 0, sizeof(par));
		par[0].num = rows[i].bucket;
		par[1].num = rows[i].num;
		for (j = 0; j < rows[i].nf; j++)
			par[2 + j].text = rows[i].f[j];
		par[2 + j].num = rows[i].n;
		if ((rc = s->ops->run(s->db, sql, par, 3 + j, NULL, NULL, err)) < 0)
			return (rc);
	}
	return (0);
}

/* write_once - one attempt at the batch's transaction */

static int
write_once(struct store *s, struct pending *batch, struct buf *err)
{
	struct rows b;
	int     rc;

	if ((rc = s->ops->lock(s->db, err)) < 0)
		return (rc);
	if ((rc = store_once_batch(s, batch, err)) < 0) {
		(void) store_rollback(s);
		return (rc);
	}
	batch_rows(batch, &b);
	if ((rc = write_rows(s, upsert_counts, b.c, b.nc, err)) < 0
	    || (rc = write_rows(s, upsert_summary, b.s, b.ns, err)) < 0
	    || (rc = write_rows(s, upsert_rcpt, b.r, b.nr, err)) < 0
	    || (rc = write_rows(s, upsert_day, b.d, b.nd, err)) < 0
	    || (rc = s->ops->exec(s->db, "COMMIT", err)) < 0)
		(void) store_rollback(s);
	else
		store_once_committed(s, batch);
	rows_free(&b);
	return (rc < 0 ? rc : 0);
}

/* store_write_batch - commit the counts of a batch in one transaction */

int
store_write_batch(struct store *s, struct pending *batch, struct buf *err)
{
	int     rc = -1, tries;

	for (tries = 0; tries < RETRIES; tries++) {
		buf_reset(err);
		if ((rc = write_once(s, batch, err)) != DB_RETRY)
			break;
	}
	return (rc < 0 ? -1 : 0);
}

static const char rollup_counts[] =
	"INSERT INTO counts (bucket, span, from_domain, sender, env_domain,"
	" sasl_login, client_addr, outcome, selectors, messages)"
	" SELECT bucket - bucket % 86400, 86400, from_domain, sender,"
	" env_domain, sasl_login, client_addr, outcome, selectors,"
	" SUM(messages) FROM counts WHERE span = 3600 AND bucket < ?"
	" GROUP BY bucket - bucket % 86400, from_domain, sender, env_domain,"
	" sasl_login, client_addr, outcome, selectors"
	" ON CONFLICT (bucket, span, from_domain, sender, env_domain,"
	" sasl_login, client_addr, outcome, selectors)"
	" DO UPDATE SET messages = counts.messages + excluded.messages";

static const char rollup_rcpt[] =
	"INSERT INTO counts_rcpt (bucket, span, from_domain, sender, outcome,"
	" rcpt_domain, messages)"
	" SELECT bucket - bucket % 86400, 86400, from_domain, sender, outcome,"
	" rcpt_domain, SUM(messages) FROM counts_rcpt"
	" WHERE span = 3600 AND bucket < ?"
	" GROUP BY bucket - bucket % 86400, from_domain, sender, outcome,"
	" rcpt_domain"
	" ON CONFLICT (bucket, span, from_domain, sender, outcome, rcpt_domain)"
	" DO UPDATE SET messages = counts_rcpt.messages + excluded.messages";

static const char rollup_summary[] =
	"INSERT INTO counts_summary (bucket, span, from_domain, sender, outcome,"
	" messages)"
	" SELECT bucket - bucket % 86400, 86400, from_domain, sender, outcome,"
	" SUM(messages) FROM counts_summary WHERE span = 3600 AND bucket < ?"
	" GROUP BY bucket - bucket % 86400, from_domain, sender, outcome"
	" ON CONFLICT (bucket, span, from_domain, sender, outcome)"
	" DO UPDATE SET messages = counts_summary.messages + excluded.messages";

static const char drop_summary[] =
	"DELETE FROM counts_summary WHERE span = 3600 AND bucket < ?";
static const char drop_counts[] =
	"DELETE FROM counts WHERE span = 3600 AND bucket < ?";
static const char drop_rcpt[] =
	"DELETE FROM counts_rcpt WHERE span = 3600 AND bucket < ?";

 /*
  * Past daily_days: every row of every table.
  */
static const char *const expire[] = {
	"DELETE FROM counts WHERE bucket < ?",
	"DELETE FROM counts_summary WHERE bucket < ?",
	"DELETE FROM counts_rcpt WHERE bucket < ?",
	"DELETE FROM counts_day WHERE day < ?",
};

/* midnight_before - midnight UTC, days before now */

static long long
midnight_before(time_t now, int days)
{
	long long t = (long long) now - (long long) days * DAY;

	return (t - t % DAY);
}

/* rollup_hours - hours older than hourly_days become days */

static int
rollup_hours(struct store *s, time_t now, struct buf *err)
{
	struct db_param cut = {NULL, midnight_before(now, s->hourly_days)};

	if (s->ops->run(s->db, rollup_counts, &cut, 1, NULL, NULL, err) < 0
	    || s->ops->run(s->db, drop_counts, &cut, 1, NULL, NULL, err) < 0
	    || s->ops->run(s->db, rollup_summary, &cut, 1, NULL, NULL, err) < 0
	    || s->ops->run(s->db, drop_summary, &cut, 1, NULL, NULL, err) < 0
	    || s->ops->run(s->db, rollup_rcpt, &cut, 1, NULL, NULL, err) < 0
	    || s->ops->run(s->db, drop_rcpt, &cut, 1, NULL, NULL, err) < 0)
		return (-1);
	return (0);
}

/* expire_days - rows older than daily_days go */

static int
expire_days(struct store *s, time_t now, struct buf *err)
{
	struct db_param cut = {NULL, midnight_before(now, s->daily_days)};
	size_t  i;

	if (s->daily_days <= 0)
		return (0);
	for (i = 0; i < sizeof(expire) / sizeof(expire[0]); i++)
		if (s->ops->run(s->db, expire[i], &cut, 1, NULL, NULL, err) < 0)
			return (-1);
	return (0);
}

/* store_rollup - hours older than the retention become days; old days go */

int
store_rollup(struct store *s, time_t now, struct buf *err)
{
	if (s->db == NULL) {
		buf_printf(err, "store %s is not connected", s->name);
		return (-1);
	}
	if (s->ops->lock(s->db, err) < 0)
		return (-1);
	if (rollup_hours(s, now, err) < 0 || expire_days(s, now, err) < 0
	    || store_once_expire(s, now, err) < 0 || s->ops->exec(s->db, "COMMIT", err) < 0)
		return (store_rollback(s));
	return (0);
}
