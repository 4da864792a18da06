/*++
/* NAME
/*	db 3
/* SUMMARY
/*	DMARC reports in the counters store
/* SYNOPSIS
/*	#include "db.h"
/*
/*	struct dmarc_db *dmarc_db_open(const char *spec, struct buf *err);
/*	struct dmarc_db *dmarc_db_close(struct dmarc_db *db);
/*
/*	enum dmarc_begin dmarc_db_begin(struct dmarc_db *db,
/*			const struct dmarc_report *r, const char *source,
/*			struct buf *err);
/*	int	dmarc_db_row(struct dmarc_db *db, const struct dmarc_row *row,
/*			struct buf *err);
/*	int	dmarc_db_commit(struct dmarc_db *db, struct buf *err);
/*	void	dmarc_db_rollback(struct dmarc_db *db);
/*
/*	int	dmarc_db_sql(struct dmarc_db *db, const char *sql,
/*			const struct db_param *par, int npar, db_row_fn fn,
/*			void *ctx, struct buf *err);
/*
/*	struct store *dmarc_db_store(struct dmarc_db *db);
/* DESCRIPTION
/*	The reports live in the counters store (SQLite or PostgreSQL), so
/*	that one query can join what receivers saw with what signet-milter
/*	counted. dmarc_db_open() opens the store, creating it or bringing
/*	the counters' tables up to date as signet-milter would, and brings
/*	the "dmarc" tables (db.h) to their version with store_migrate().
/*
/*	One report is one transaction: dmarc_db_begin() locks the store,
/*	returns DB_DUPLICATE (and unlocks) when the reporter and report id
/*	are already there, else inserts the report and returns DB_NEW;
/*	dmarc_db_row() inserts a row and its DKIM and SPF results (the
/*	statements are prepared once and reused); dmarc_db_commit() stores
/*	the totals and commits; dmarc_db_rollback() forgets the report,
/*	so a refused report leaves nothing behind.
/*
/*	dmarc_db_sql() runs a query for the report commands.
/*	dmarc_db_store() is the counters store underneath, for the
/*	counters' own queries (store_query_rcpt()).
/* DIAGNOSTICS
/*	Functions return -1 (or DB_ERROR, or NULL) with the reason in err.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "xalloc.h"

struct dmarc_db {
	struct store *st;
	int     in_txn;
	long long id;			/* of the report being imported */
	long long rows;
	long long messages;
	struct buf reasons;
};

static const char *const dmarc_steps[] = {
	/* 1: reports, rows, DKIM and SPF results, failure reports */
	"CREATE TABLE dmarc_report ("
	"id BIGINT PRIMARY KEY, reporter TEXT NOT NULL, report_id TEXT NOT NULL, "
	"org_name TEXT NOT NULL, email TEXT NOT NULL, extra_contact TEXT NOT NULL, "
	"generator TEXT NOT NULL, version TEXT NOT NULL, errors TEXT NOT NULL, "
	"date_begin BIGINT NOT NULL, date_end BIGINT NOT NULL, "
	"domain TEXT NOT NULL, adkim TEXT NOT NULL, aspf TEXT NOT NULL, "
	"p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL, pct INTEGER NOT NULL, "
	"fo TEXT NOT NULL, testing TEXT NOT NULL, discovery TEXT NOT NULL, "
	"source TEXT NOT NULL, imported BIGINT NOT NULL, "
	"nrows BIGINT NOT NULL, nmessages BIGINT NOT NULL, "
	"UNIQUE (reporter, report_id));"
	"CREATE INDEX dmarc_report_domain ON dmarc_report (domain, date_begin);"
	"CREATE TABLE dmarc_row ("
	"report BIGINT NOT NULL, n INTEGER NOT NULL, source_ip TEXT NOT NULL, "
	"messages BIGINT NOT NULL, disposition TEXT NOT NULL, dkim TEXT NOT NULL, "
	"spf TEXT NOT NULL, reasons TEXT NOT NULL, header_from TEXT NOT NULL, "
	"envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL, "
	"PRIMARY KEY (report, n));"
	"CREATE TABLE dmarc_auth ("
	"report BIGINT NOT NULL, n INTEGER NOT NULL, method TEXT NOT NULL, "
	"i INTEGER NOT NULL, domain TEXT NOT NULL, selector TEXT NOT NULL, "
	"result TEXT NOT NULL, human TEXT NOT NULL, "
	"PRIMARY KEY (report, n, method, i));"
	"CREATE TABLE dmarc_failure ("
	"id BIGINT PRIMARY KEY, source TEXT NOT NULL, imported BIGINT NOT NULL, "
	"arrival BIGINT NOT NULL, reporter TEXT NOT NULL, "
	"feedback_type TEXT NOT NULL, auth_failure TEXT NOT NULL, "
	"source_ip TEXT NOT NULL, reported_domain TEXT NOT NULL, "
	"original_mail_from TEXT NOT NULL, original_rcpt_to TEXT NOT NULL, "
	"delivery_result TEXT NOT NULL, dkim_domain TEXT NOT NULL, "
	"dkim_selector TEXT NOT NULL, spf_dns TEXT NOT NULL, "
	"subject TEXT NOT NULL, message_id TEXT NOT NULL, "
	"UNIQUE (reporter, message_id, source_ip, arrival))",
};

#define NSTEPS	((int) (sizeof(dmarc_steps) / sizeof(*dmarc_steps)))

#define SQL_FIND \
	"SELECT id FROM dmarc_report WHERE reporter = ? AND report_id = ?"
#define SQL_NEXT_ID	"SELECT COALESCE(MAX(id), 0) + 1 FROM dmarc_report"
#define SQL_REPORT \
	"INSERT INTO dmarc_report (id, reporter, report_id, org_name, email, " \
	"extra_contact, generator, version, errors, date_begin, date_end, " \
	"domain, adkim, aspf, p, sp, np, pct, fo, testing, discovery, source, " \
	"imported, nrows, nmessages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)"
#define SQL_ROW \
	"INSERT INTO dmarc_row (report, n, source_ip, messages, disposition, " \
	"dkim, spf, reasons, header_from, envelope_from, envelope_to) " \
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define SQL_AUTH \
	"INSERT INTO dmarc_auth (report, n, method, i, domain, selector, " \
	"result, human) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
#define SQL_TOTALS \
	"UPDATE dmarc_report SET nrows = ?, nmessages = ? WHERE id = ?"

#define TXT(s)	{ (s), 0 }
#define NUM(n)	{ NULL, (long long) (n) }

/* dmarc_db_open - the store, with the dmarc tables up to date */

struct dmarc_db *
dmarc_db_open(const char *spec, struct buf *err)
{
	struct dmarc_db *db;
	struct store *st;

	if ((st = store_open(spec, STORE_UPGRADE, err)) == NULL)
		return (NULL);
	if (store_migrate(st, DMARC_COMPONENT, dmarc_steps, NSTEPS, err) < 0) {
		store_close(st);
		return (NULL);
	}
	db = xcalloc(1, sizeof(*db));
	db->st = st;
	return (db);
}

/* dmarc_db_store - the counters store underneath */

struct store *
dmarc_db_store(struct dmarc_db *db)
{
	return (db->st);
}

/* dmarc_db_sql - one statement */

int
dmarc_db_sql(struct dmarc_db *db, const char *sql, const struct db_param *par,
	     int npar, db_row_fn fn, void *ctx, struct buf *err)
{
	return (store_sql(db->st, sql, par, npar, fn, ctx, err));
}

/* first_number - a callback keeping the first column as a number */

static int
first_number(void *ctx, int ncols, const char *const *cols)
{
	*(long long *) ctx = ncols > 0 && cols[0] ? atoll(cols[0]) : 0;
	return (0);
}

/* lock - start the report's transaction */

static int
lock(struct dmarc_db *db, struct buf *err)
{
	int     pg = strcmp(store_kind(db->st), "postgresql") == 0;

	if (dmarc_db_sql(db, pg ? "BEGIN" : "BEGIN IMMEDIATE", NULL, 0, NULL,
			 NULL, err) < 0)
		return (-1);
	db->in_txn = 1;
	if (pg && dmarc_db_sql(db, "LOCK TABLE dmarc_report IN EXCLUSIVE MODE",
			       NULL, 0, NULL, NULL, err) < 0)
		return (-1);
	return (0);
}

/* dmarc_db_begin - lock; a duplicate, or the report inserted */

enum dmarc_begin
dmarc_db_begin(struct dmarc_db *db, const struct dmarc_report *r,
	       const char *source, struct buf *err)
{
	long long found = 0;
	struct db_param key[] = {TXT(dmarc_reporter(r)), TXT(bstr(&r->report_id))};

	if (lock(db, err) < 0
	    || dmarc_db_sql(db, SQL_FIND, key, 2, first_number, &found, err) < 0)
		goto fail;
	if (found) {
		dmarc_db_rollback(db);
		return (DB_DUPLICATE);
	}
	if (dmarc_db_sql(db, SQL_NEXT_ID, NULL, 0, first_number, &db->id, err) < 0)
		goto fail;
	{
		struct db_param p[] = {NUM(db->id), TXT(dmarc_reporter(r)),
			TXT(bstr(&r->report_id)), TXT(bstr(&r->org_name)),
			TXT(bstr(&r->email)), TXT(bstr(&r->extra_contact)),
			TXT(bstr(&r->generator)), TXT(bstr(&r->version)),
			TXT(bstr(&r->errors)), NUM(r->begin), NUM(r->end),
			TXT(bstr(&r->domain)), TXT(bstr(&r->adkim)),
			TXT(bstr(&r->aspf)), TXT(bstr(&r->p)), TXT(bstr(&r->sp)),
			TXT(bstr(&r->np)), NUM(r->pct), TXT(bstr(&r->fo)),
			TXT(bstr(&r->testing)), TXT(bstr(&r->discovery)),
		TXT(source), NUM(time(NULL))};

		if (dmarc_db_sql(db, SQL_REPORT, p, 23, NULL, NULL, err) < 0)
			goto fail;
	}
	db->rows = db->messages = 0;
	return (DB_NEW);
fail:
	dmarc_db_rollback(db);
	return (DB_ERROR);
}

/* reasons_text - "type: comment; ..." */

static const char *
reasons_text(struct buf *b, const struct dmarc_row *row)
{
	size_t  i;

	buf_reset(b);
	for (i = 0; i < row->nreasons; i++) {
		buf_printf(b, "%s%s", i ? "; " : "", bstr(&row->reasons[i].type));
		if (row->reasons[i].comment.len)
			buf_printf(b, ": %s", bstr(&row->reasons[i].comment));
	}
	return (bstr(b));
}

/* auth_insert - the DKIM or SPF results of a row */

static int
auth_insert(struct dmarc_db *db, const char *method,
	    const struct dmarc_auth *a, size_t n, struct buf *err)
{
	size_t  i;

	for (i = 0; i < n; i++) {
		struct db_param p[] = {NUM(db->id), NUM(db->rows), TXT(method),
			NUM(i + 1), TXT(bstr(&a[i].domain)), TXT(bstr(&a[i].sel)),
		TXT(bstr(&a[i].result)), TXT(bstr(&a[i].human))};

		if (dmarc_db_sql(db, SQL_AUTH, p, 8, NULL, NULL, err) < 0)
			return (-1);
	}
	return (0);
}

/* dmarc_db_row - one row with its results */

int
dmarc_db_row(struct dmarc_db *db, const struct dmarc_row *row, struct buf *err)
{
	struct db_param p[] = {NUM(db->id), NUM(db->rows + 1), TXT(row->source_ip),
		NUM(row->count), TXT(bstr(&row->disposition)), TXT(bstr(&row->dkim)),
		TXT(bstr(&row->spf)), TXT(reasons_text(&db->reasons, row)),
		TXT(bstr(&row->header_from)), TXT(bstr(&row->envelope_from)),
	TXT(bstr(&row->envelope_to))};

	if (dmarc_db_sql(db, SQL_ROW, p, 11, NULL, NULL, err) < 0)
		return (-1);
	db->rows++;
	db->messages += row->count;
	if (auth_insert(db, "dkim", row->dkims, row->ndkim, err) < 0
	    || auth_insert(db, "spf", row->spfs, row->nspf, err) < 0)
		return (-1);
	return (0);
}

/* dmarc_db_commit - store the totals, commit the report */

int
dmarc_db_commit(struct dmarc_db *db, struct buf *err)
{
	struct db_param p[] = {NUM(db->rows), NUM(db->messages), NUM(db->id)};

	if (dmarc_db_sql(db, SQL_TOTALS, p, 3, NULL, NULL, err) < 0
	    || dmarc_db_sql(db, "COMMIT", NULL, 0, NULL, NULL, err) < 0) {
		dmarc_db_rollback(db);
		return (-1);
	}
	db->in_txn = 0;
	return (0);
}

/* dmarc_db_rollback - forget the report being imported */

void
dmarc_db_rollback(struct dmarc_db *db)
{
	struct buf ignore = BUF_INIT;

	if (db->in_txn)
		(void) dmarc_db_sql(db, "ROLLBACK", NULL, 0, NULL, NULL, &ignore);
	db->in_txn = 0;
	buf_free(&ignore);
}

/* dmarc_db_close - roll back what is open, close; returns NULL */

struct dmarc_db *
dmarc_db_close(struct dmarc_db *db)
{
	if (db == NULL)
		return (NULL);
	dmarc_db_rollback(db);
	store_close(db->st);
	buf_free(&db->reasons);
	free(db);
	return (NULL);
}
