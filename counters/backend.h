#ifndef SIGNET_BACKEND_H
#define SIGNET_BACKEND_H

/* backend - one database connection of the counters store */

#include "buf.h"

 /*
  * A parameter of a statement: text, or a number when text is NULL.
  */
struct db_param {
	const char *text;
	long long num;
};

 /*
  * Called once per result row with its columns as text (NULL for SQL
  * NULL); a non-zero return stops the query, which then returns it.
  */
typedef int (*db_row_fn) (void *, int, const char *const *);

struct db;

 /*
  * What every backend provides. SQL is written once, with ? for
  * parameters; the PostgreSQL backend turns them into $1, $2, ... .
  * Backends may keep prepared statements by their text.
  */
struct db_ops {
	const char *kind;		/* "sqlite", "postgresql" */
	struct db *(*open) (const char *, int, struct buf *);	/* DB_ flags */
	void    (*close) (struct db *);
	int     (*exec) (struct db *, const char *, struct buf *);
	int     (*run) (struct db *, const char *, const struct db_param *,
			        int, db_row_fn, void *, struct buf *);
	int     (*lock) (struct db *, struct buf *);	/* BEGIN, for writing */
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

#define DB_RETRY	(-2)		/* run() and exec(): deadlock; try again */

 /*
  * Flags of open().
  */
#define DB_CREATE	(1<<0)		/* for writing: create what is missing */
#define DB_SYNC_FULL	(1<<1)		/* SQLite: sync every commit */

#endif
