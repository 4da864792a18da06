/*++
/* NAME
/*	backend_sqlite 3
/* SUMMARY
/*	the counters store in one SQLite file
/* SYNOPSIS
/*	#include "backend.h"
/*
/*	extern const struct db_ops db_sqlite_ops;
/* DESCRIPTION
/*	A connection to an SQLite database file, used by one thread at a
/*	time. A connection for writing creates the file when it is
/*	missing; one for reading does not.
/*
/*	The file is in WAL mode, so that readers (signet counters) never
/*	block the writer and the writer never blocks them. With
/*	synchronous=NORMAL, the default, a commit returns once its WAL
/*	frames are written to the file, that is, in the kernel's cache.
/*	A commit so survives the death of the process (kill -9, a crash):
/*	the next open recovers it from the WAL. A power loss or kernel
/*	crash can lose the commits since the last checkpoint's sync,
/*	never the file's consistency. DB_SYNC_FULL (counters: synchronous:
/*	full) asks for synchronous=FULL: an fsync of the WAL per commit,
/*	so that a commit survives a power loss too. The fsync costs
/*	little CPU but holds each batch for the disk: with 64
/*	connections, bench/counters-overhead.sh measured 1230 to 1560
/*	messages/s with FULL against 1630 with NORMAL. A connection
/*	waits up to BUSY_MS for a lock another process holds. A
/*	connection for reading gets a 64 MB page cache and memory-mapped
/*	reads, for scans of months.
/*
/*	Prepared statements are kept per connection, up to STMT_MAX,
/*	by their text.
/* DIAGNOSTICS
/*	Errors go into the caller's buffer as "SQLite FILE: what; what to
/*	do". Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "backend.h"

#define BUSY_MS		5000
#define STMT_MAX	32

struct db {
	sqlite3 *h;
	char   *path;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	}       stmts[STMT_MAX];
	int     nstmts;
};

/* sq_hint - what to do about an SQLite error */

static const char *
sq_hint(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
		return ("free space on its file system");
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ("another process holds it locked; find it (fuser) "
			"or wait");
	case SQLITE_CANTOPEN:
		return ("check that its directory exists and that the user "
			"signet runs as may write there");
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return ("give the user signet runs as write access to the "
			"file and its directory");
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ("it is damaged or not a signet store; move it aside");
	case SQLITE_IOERR:
		return ("check the disk and the kernel log");
	default:
		return ("see the SQLite message");
	}
}

/* sq_error - describe the last error of a connection */

static int
sq_error(struct db *db, int code, struct buf *err)
{
	buf_printf(err, "SQLite %s: %s; %s", db->path,
		   db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(code),
		   sq_hint(code));
	return (-1);
}

/* sq_close - close a connection and its statements */

static void
sq_close(struct db *db)
{
	int     i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nstmts; i++)
		(void) sqlite3_finalize(db->stmts[i].st);
	(void) sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

/* sq_open - open the file, in WAL mode */

static struct db *
sq_open(const char *path, int how, struct buf *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	int     flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int     create = (how & DB_CREATE) != 0;
	int     rc;

	db->path = xstrdup(path);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if ((rc = sqlite3_open_v2(path, &db->h, flags, NULL)) != SQLITE_OK) {
		if (!create && (rc & 0xff) == SQLITE_CANTOPEN)
			buf_printf(err, "SQLite %s: cannot open: %s; signet-milter "
				   "creates the store when it starts with a "
				   "counters section", path, sqlite3_errstr(rc));
		else
			(void) sq_error(db, rc, err);
		sq_close(db);
		return (NULL);
	}
	(void) sqlite3_busy_timeout(db->h, BUSY_MS);
	(void) sqlite3_extended_result_codes(db->h, 1);
	rc = sqlite3_exec(db->h, (how & DB_SYNC_FULL) ?
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL" :
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK && !create)	/* a reader: room to scan */
		rc = sqlite3_exec(db->h, "PRAGMA cache_size=-65536; "
				  "PRAGMA mmap_size=268435456; "
				  "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		(void) sq_error(db, rc, err);
		sq_close(db);
		return (NULL);
	}
	return (db);
}

/* sq_exec - run statements without parameters */

static int
sq_exec(struct db *db, const char *sql, struct buf *err)
{
	int     rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return (sq_error(db, rc, err));
	return (0);
}

/* sq_prepare - the cached statement for sql, reset */

static sqlite3_stmt *
sq_prepare(struct db *db, const char *sql, int *rc)
{
	sqlite3_stmt *st;
	int     i;

	for (i = 0; i < db->nstmts; i++) {
		if (strcmp(db->stmts[i].sql, sql) == 0) {
			(void) sqlite3_reset(db->stmts[i].st);
			(void) sqlite3_clear_bindings(db->stmts[i].st);
			return (db->stmts[i].st);
		}
	}
	if ((*rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return (NULL);
	if (db->nstmts < STMT_MAX) {
		db->stmts[db->nstmts].sql = sqlite3_sql(st);
		db->stmts[db->nstmts++].st = st;
	}
	return (st);
}

/* sq_uncache - finalize a statement that did not fit the cache */

static void
sq_uncache(struct db *db, sqlite3_stmt *st)
{
	int     i;

	for (i = 0; i < db->nstmts; i++)
		if (db->stmts[i].st == st) {
			(void) sqlite3_reset(st);
			return;
		}
	(void) sqlite3_finalize(st);
}

/* sq_run - one statement with parameters, rows to fn */

static int
sq_run(struct db *db, const char *sql, const struct db_param *par, int npar,
       db_row_fn fn, void *ctx, struct buf *err)
{
	const char *cols[32];
	sqlite3_stmt *st;
	int     rc = SQLITE_OK, i, n, ret = 0;

	if ((st = sq_prepare(db, sql, &rc)) == NULL)
		return (sq_error(db, rc, err));
	for (i = 0; i < npar; i++) {
		if (par[i].text != NULL)
			rc = sqlite3_bind_text(st, i + 1, par[i].text, -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(st, i + 1, par[i].num);
		if (rc != SQLITE_OK)
			break;
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		if (n > 32)
			n = 32;
		for (i = 0; i < n; i++)
			cols[i] = (const char *) sqlite3_column_text(st, i);
		if (fn != NULL && (ret = fn(ctx, n, cols)) != 0)
			break;
		rc = SQLITE_OK;
	}
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_OK)
		ret = sq_error(db, rc, err);
	sq_uncache(db, st);
	return (ret);
}

/* sq_lock - start a write transaction, taking the lock now */

static int
sq_lock(struct db *db, struct buf *err)
{
	return (sq_exec(db, "BEGIN IMMEDIATE", err));
}

/* sq_close_op, sq_open_op - the interface's signatures */

static void
sq_close_op(struct db *db)
{
	sq_close(db);
}

static struct db *
sq_open_op(const char *spec, int how, struct buf *err)
{
	return (sq_open(spec, how, err));
}

const struct db_ops db_sqlite_ops = {
	"sqlite", sq_open_op, sq_close_op, sq_exec, sq_run, sq_lock,
};
