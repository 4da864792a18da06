/*++
/* NAME
/*	backend_pg 3
/* SUMMARY
/*	the counters store in a PostgreSQL database
/* SYNOPSIS
/*	#include "backend.h"
/*
/*	extern const struct db_ops db_pg_ops;
/* DESCRIPTION
/*	A libpq connection to the database that a postgresql:// URI
/*	names, used by one thread at a time. Several signet-milters (one
/*	per MTA of a fleet) write into one database. A connection waits
/*	at most CONNECT_S to be made (unless the URI says otherwise),
/*	and a statement at most STATEMENT_MS. Commits are synchronous
/*	(the server's default): a commit returns once it is on the
/*	server's disk.
/*
/*	Statements are written with ? for parameters and prepared once
/*	per connection, up to STMT_MAX of them, by their text.
/* DIAGNOSTICS
/*	Errors go into the caller's buffer as "PostgreSQL: what; what to
/*	do". A deadlock or serialization failure returns DB_RETRY.
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "backend.h"

#define CONNECT_S	"5"
#define STATEMENT_MS	"10000"
#define STMT_MAX	32
#define PARAM_MAX	512

struct db {
	PGconn *h;
	char   *stmts[STMT_MAX];	/* texts, with ? */
	int     nstmts;
};

/* pg_error - describe a failure, with what to do */

static int
pg_error(struct db *db, const PGresult *res, struct buf *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->h);
	size_t  len = strcspn(msg, "\n");

	if (state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0)) {
		buf_printf(err, "PostgreSQL: %.*s; retrying", (int) len, msg);
		return (DB_RETRY);
	}
	if (PQstatus(db->h) != CONNECTION_OK)
		buf_printf(err, "PostgreSQL: %.*s; check that the server runs and "
			   "accepts connections from here", (int) len, msg);
	else if (state && strcmp(state, "53100") == 0)
		buf_printf(err, "PostgreSQL: %.*s; free space on the server's "
			   "disk", (int) len, msg);
	else
		buf_printf(err, "PostgreSQL: %.*s", (int) len, msg);
	return (-1);
}

/* pg_close - close the connection */

static void
pg_close(struct db *db)
{
	int     i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nstmts; i++)
		free(db->stmts[i]);
	PQfinish(db->h);
	free(db);
}

/* pg_open - connect, with time limits */

static struct db *
pg_open(const char *uri, int how, struct buf *err)
{
	const char *keys[] = {"connect_timeout", "dbname", "options", NULL};
	const char *vals[] = {CONNECT_S, uri,
	"-c statement_timeout=" STATEMENT_MS, NULL};
	struct db *db = xcalloc(1, sizeof(*db));

	(void) how;				/* the server creates, and syncs */
	db->h = PQconnectdbParams(keys, vals, 1);
	if (db->h == NULL || PQstatus(db->h) != CONNECTION_OK) {
		buf_printf(err, "PostgreSQL: cannot connect: %.*s; check the URI, "
			   "that the server runs, and its pg_hba.conf",
			   db->h ? (int) strcspn(PQerrorMessage(db->h), "\n") : 13,
			   db->h ? PQerrorMessage(db->h) : "out of memory");
		pg_close(db);
		return (NULL);
	}
	return (db);
}

/* pg_exec - statements without parameters */

static int
pg_exec(struct db *db, const char *sql, struct buf *err)
{
	PGresult *res = PQexec(db->h, sql);
	int     rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK
	    && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_error(db, res, err);
	PQclear(res);
	return (rc);
}

/* pg_dollars - the text with ? replaced by $1, $2, ... */

static char *
pg_dollars(const char *sql)
{
	struct buf b = BUF_INIT;
	int     n = 0;

	for (; *sql; sql++) {
		if (*sql == '?')
			buf_printf(&b, "$%d", ++n);
		else
			buf_putc(&b, *sql);
	}
	return (buf_steal(&b));
}

/* pg_prepare - the name of the prepared statement for sql */

static int
pg_prepare(struct db *db, const char *sql, char *name, size_t len,
	   struct buf *err)
{
	PGresult *res;
	char   *text;
	int     i, rc = 0;

	for (i = 0; i < db->nstmts; i++) {
		if (strcmp(db->stmts[i], sql) == 0) {
			(void) snprintf(name, len, "signet_%d", i);
			return (0);
		}
	}
	if (db->nstmts == STMT_MAX) {
		*name = 0;			/* unnamed: replaced by the next */
		i = -1;
	} else {
		i = db->nstmts;
		(void) snprintf(name, len, "signet_%d", i);
	}
	text = pg_dollars(sql);
	res = PQprepare(db->h, name, text, 0, NULL);
	free(text);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_error(db, res, err);
	else if (i >= 0)
		db->stmts[db->nstmts++] = xstrdup(sql);
	PQclear(res);
	return (rc);
}

/* pg_rows - pass the rows of a result on */

static int
pg_rows(const PGresult *res, db_row_fn fn, void *ctx)
{
	const char *cols[32];
	int     r, c, n = PQnfields(res), ret;

	if (n > 32)
		n = 32;
	for (r = 0; fn != NULL && r < PQntuples(res); r++) {
		for (c = 0; c < n; c++)
			cols[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		if ((ret = fn(ctx, n, cols)) != 0)
			return (ret);
	}
	return (0);
}

/* pg_run - one statement with parameters, rows to fn */

static int
pg_run(struct db *db, const char *sql, const struct db_param *par,
       int npar, db_row_fn fn, void *ctx, struct buf *err)
{
	char    name[32], nums[PARAM_MAX][24];
	const char *vals[PARAM_MAX];
	PGresult *res;
	int     i, rc;

	if (npar > PARAM_MAX) {
		buf_printf(err, "PostgreSQL: a statement with %d parameters; "
			   "signet passes at most %d", npar, PARAM_MAX);
		return (-1);
	}
	if ((rc = pg_prepare(db, sql, name, sizeof(name), err)) != 0)
		return (rc);
	for (i = 0; i < npar; i++) {
		if (par[i].text == NULL) {
			(void) snprintf(nums[i], sizeof(nums[i]), "%lld", par[i].num);
			vals[i] = nums[i];
		} else {
			vals[i] = par[i].text;
		}
	}
	res = PQexecPrepared(db->h, name, npar, vals, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = pg_rows(res, fn, ctx);
	else if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_error(db, res, err);
	PQclear(res);
	return (rc);
}

/* pg_lock - start a transaction */

static int
pg_lock(struct db *db, struct buf *err)
{
	return (pg_exec(db, "BEGIN", err));
}

const struct db_ops db_pg_ops = {
	"postgresql", pg_open, pg_close, pg_exec, pg_run, pg_lock,
};
