/*++
/* NAME
/*	store_query 3
/* SUMMARY
/*	reading the counters store
/* SYNOPSIS
/*	#include "store.h"
/*
/*	int	store_query(struct store *s, const struct count_filter *f,
/*			const enum count_key *keys, int nkeys,
/*			count_row_fn fn, void *ctx, struct buf *err)
/*
/*	int	store_query_rcpt(struct store *s, const struct count_filter *f,
/*			dmarc_row_fn fn, void *ctx, struct buf *err)
/*
/*	int	store_query_periods(struct store *s,
/*			const struct count_filter *f, dmarc_row_fn fn,
/*			void *ctx, struct buf *err)
/*
/*	int	store_sql(struct store *s, const char *sql,
/*			const struct db_param *par, int npar, db_row_fn fn,
/*			void *ctx, struct buf *err)
/*
/*	const char *count_key_name(enum count_key key)
/*
/*	int	count_key_parse(const char *name)
/* DESCRIPTION
/*	store_query() sums the messages of the rows that \fIf\fR selects
/*	(by the start of their period: since <= bucket < until; From
/*	domain, sender, a sender left out, outcomes, recipient domains),
/*	grouped by \fIkeys\fR (none: one total), and calls fn once per
/*	group, in the order of the keys. Grouping by KEY_RCPT_DOMAIN, or
/*	a filter of recipient domains, reads counts_rcpt, which knows
/*	only the hour, day, From domain, sender, outcome and recipient
/*	domain; grouping by those but the recipient domain reads
/*	counts_summary, much smaller than counts.
/*
/*	The whole UTC days of the range are read from counts_day when
/*	it can answer: no grouping by hour, and at most one key of
/*	recipient domain, selector, envelope domain, login and client.
/*	The hours before the first whole day and after the last are read
/*	from the hourly tables, and the database adds both up. The sums
/*	are the same either way; a month is then some 30 rows per group
/*	instead of 720.
/*
/*	store_query_rcpt() and store_query_periods() are the DMARC
/*	cross-check's view, with the same filter: messages per period
/*	(hour, or day rolled up), From domain, outcome, and recipient
/*	domain (store_query_rcpt()) or all recipients
/*	(store_query_periods(), recipient domain "").
/*
/*	store_sql() runs one statement of another component's own, for
/*	a store opened with STORE_READ.
/*
/*	count_key_name() and count_key_parse() map keys to and from the
/*	names the CLI uses: hour, day, domain, sender, rcpt-domain,
/*	outcome, selector, env-domain, sasl-login, client.
/* DIAGNOSTICS
/*	-1 with the reason in err (keys that cannot be combined, a list
/*	of a filter longer than STORE_FILTER_MAX); a callback's non-zero
/*	return ends the query and is returned.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "store_impl.h"

#define DAY		86400
#define PARAMS_MAX	(3 * (6 + 2 * STORE_FILTER_MAX))

static const struct {
	const char *name;
	const char *expr;		/* in counts, counts_summary, counts_rcpt */
	int     in_rcpt;		/* counts_rcpt has it */
	int     in_summary;		/* counts_summary has it */
	int     dim;			/* its dimension of counts_day, where
					 * its column is value; 0: a column
					 * of every row; -1: not there */
}       key_info[KEY_COUNT] = {
	[KEY_HOUR] = {"hour", "bucket", 1, 1, -1},
	[KEY_DAY] = {"day", "bucket - bucket % 86400", 1, 1, 0},
	[KEY_DOMAIN] = {"domain", "from_domain", 1, 1, 0},
	[KEY_SENDER] = {"sender", "sender", 1, 1, 0},
	[KEY_RCPT_DOMAIN] = {"rcpt-domain", "rcpt_domain", 1, 0, 1},
	[KEY_OUTCOME] = {"outcome", "outcome", 1, 1, 0},
	[KEY_SELECTOR] = {"selector", "selectors", 0, 0, 2},
	[KEY_ENV_DOMAIN] = {"env-domain", "env_domain", 0, 0, 3},
	[KEY_SASL_LOGIN] = {"sasl-login", "sasl_login", 0, 0, 4},
	[KEY_CLIENT] = {"client", "client_addr", 0, 0, 5},
};

/* count_key_name - the CLI's name of a key */

const char *
count_key_name(enum count_key key)
{
	return (key >= 0 && key < KEY_COUNT ? key_info[key].name : "?");
}

/* count_key_parse - a key by name; -1 if unknown */

int
count_key_parse(const char *name)
{
	int     i;

	for (i = 0; i < KEY_COUNT; i++)
		if (strcmp(name, key_info[i].name) == 0)
			return (i);
	return (-1);
}

 /*
  * A statement being written, and its parameters.
  */
struct stmt {
	struct buf sql;
	struct db_param par[PARAMS_MAX];
	int     npar;
};

/* param_text, param_num - one more parameter */

static void
param_text(struct stmt *st, const char *text)
{
	st->par[st->npar].text = text;
	st->par[st->npar++].num = 0;
}

static void
param_num(struct stmt *st, long long num)
{
	st->par[st->npar].text = NULL;
	st->par[st->npar++].num = num;
}

/* list_len - entries of a NULL-terminated list */

static int
list_len(const char *const *v)
{
	int     n = 0;

	while (v && v[n])
		n++;
	return (n);
}

/* where_list - " AND col IN (?, ...)" */

static void
where_list(struct stmt *st, const char *col, const char *const *v)
{
	int     i;

	buf_printf(&st->sql, " AND %s IN (", col);
	for (i = 0; v[i]; i++) {
		buf_puts(&st->sql, i ? ", ?" : "?");
		param_text(st, v[i]);
	}
	buf_puts(&st->sql, ")");
}

/* where - the filter, on a time column and a recipient domain column */

static void
where(struct stmt *st, const struct count_filter *f, const char *time_col,
      time_t since, time_t until, const char *rcpt_col)
{
	buf_printf(&st->sql, " WHERE %s >= ? AND %s < ?", time_col, time_col);
	param_num(st, since);
	param_num(st, until);
	if (f->domain != NULL) {
		buf_puts(&st->sql, " AND from_domain = ?");
		param_text(st, f->domain);
	}
	if (f->sender != NULL) {
		buf_puts(&st->sql, " AND sender = ?");
		param_text(st, f->sender);
	}
	if (f->not_sender != NULL) {
		buf_puts(&st->sql, " AND sender <> ?");
		param_text(st, f->not_sender);
	}
	if (f->outcomes != NULL)
		where_list(st, "outcome", f->outcomes);
	if (f->rcpt_domains != NULL && rcpt_col != NULL)
		where_list(st, rcpt_col, f->rcpt_domains);
}

/* filter_check - lists no longer than the statement takes */

static int
filter_check(const struct count_filter *f, struct buf *err)
{
	if (list_len(f->outcomes) > STORE_FILTER_MAX
	    || list_len(f->rcpt_domains) > STORE_FILTER_MAX) {
		buf_printf(err, "a counters query takes at most %d outcomes and "
			   "%d recipient domains", STORE_FILTER_MAX,
			   STORE_FILTER_MAX);
		return (-1);
	}
	return (0);
}

 /*
  * Where a grouped sum reads: the hourly table, and the dimension of
  * counts_day for whole days (-1: hourly tables only).
  */
struct plan {
	const char *table;
	int     dim;
	int     rcpt;			/* counts_rcpt: rcpt_domain is there */
};

/* query_plan - the tables for keys and a filter */

static int
query_plan(const struct count_filter *f, const enum count_key *keys,
	   int nkeys, struct plan *pl, struct buf *err)
{
	int     i, d, summary = 1, hours = 0;

	pl->rcpt = f->rcpt_domains != NULL;
	pl->dim = pl->rcpt ? 1 : 0;
	for (i = 0; i < nkeys; i++) {
		pl->rcpt |= keys[i] == KEY_RCPT_DOMAIN;
		summary &= key_info[keys[i]].in_summary;
		if ((d = key_info[keys[i]].dim) < 0)
			hours = 1;			/* by hour */
		else if (d > 0 && d != pl->dim && pl->dim > 0)
			hours = 1;			/* two dimensions */
		else if (d > 0)
			pl->dim = d;
	}
	for (i = 0; i < nkeys; i++) {
		if (pl->rcpt && !key_info[keys[i]].in_rcpt) {
			buf_printf(err, "rcpt-domain cannot be combined with %s: "
				   "recipient domains are counted per hour, "
				   "From domain, sender and outcome only",
				   key_info[keys[i]].name);
			return (-1);
		}
	}
	if (hours)
		pl->dim = -1;
	pl->table = pl->rcpt ? "counts_rcpt" : summary ? "counts_summary" :
		"counts";
	return (0);
}

/* part_hours - the hourly table's rows of [since, until) */

static void
part_hours(struct stmt *st, const struct plan *pl,
	   const struct count_filter *f, const enum count_key *keys,
	   int nkeys, time_t since, time_t until)
{
	int     i;

	buf_puts(&st->sql, "SELECT ");
	for (i = 0; i < nkeys; i++)
		buf_printf(&st->sql, "%s AS k%d, ", key_info[keys[i]].expr, i);
	buf_printf(&st->sql, "messages AS m FROM %s", pl->table);
	where(st, f, "bucket", since, until, "rcpt_domain");
}

/* part_days - counts_day's rows of the whole days [since, until) */

static void
part_days(struct stmt *st, const struct plan *pl,
	  const struct count_filter *f, const enum count_key *keys,
	  int nkeys, time_t since, time_t until)
{
	int     i;

	buf_puts(&st->sql, "SELECT ");
	for (i = 0; i < nkeys; i++)
		buf_printf(&st->sql, "%s AS k%d, ", keys[i] == KEY_DAY ? "day" :
			   key_info[keys[i]].dim > 0 ? "value" :
			   key_info[keys[i]].expr, i);
	buf_puts(&st->sql, "messages AS m FROM counts_day");
	where(st, f, "day", since, until, "value");
	buf_puts(&st->sql, " AND dim = ?");
	param_num(st, pl->dim);
}

/* query_sql - the statement for a grouped sum */

static void
query_sql(struct stmt *st, const struct plan *pl,
	  const struct count_filter *f, const enum count_key *keys, int nkeys)
{
	time_t  d0 = f->since + (DAY - f->since % DAY) % DAY;
	time_t  d1 = f->until - f->until % DAY;
	int     i;

	if (pl->dim < 0 || d0 >= d1) {		/* hours only: one scan */
		buf_puts(&st->sql, "SELECT ");
		for (i = 0; i < nkeys; i++)
			buf_printf(&st->sql, "%s, ", key_info[keys[i]].expr);
		buf_printf(&st->sql, "SUM(messages) FROM %s", pl->table);
		where(st, f, "bucket", f->since, f->until, "rcpt_domain");
	} else {
		buf_puts(&st->sql, "SELECT ");
		for (i = 0; i < nkeys; i++)
			buf_printf(&st->sql, "k%d, ", i);
		buf_puts(&st->sql, "SUM(m) FROM (");
		part_days(st, pl, f, keys, nkeys, d0, d1);
		if (f->since < d0) {
			buf_puts(&st->sql, " UNION ALL ");
			part_hours(st, pl, f, keys, nkeys, f->since, d0);
		}
		if (d1 < f->until) {
			buf_puts(&st->sql, " UNION ALL ");
			part_hours(st, pl, f, keys, nkeys, d1, f->until);
		}
		buf_puts(&st->sql, ") AS t");
	}
	for (i = 0; i < nkeys; i++)
		buf_printf(&st->sql, "%s%d", i ? ", " : " GROUP BY ", i + 1);
	for (i = 0; i < nkeys; i++)
		buf_printf(&st->sql, "%s%d", i ? ", " : " ORDER BY ", i + 1);
}

 /*
  * Passing rows from the backend to a count_row_fn.
  */
struct query_ctx {
	count_row_fn fn;
	void   *ctx;
};

/* query_row - one grouped row */

static int
query_row(void *ctx, int ncols, const char *const *cols)
{
	struct query_ctx *q = ctx;
	const char *sum = cols[ncols - 1];

	if (sum == NULL)			/* SUM of no rows */
		return (0);
	return (q->fn(q->ctx, cols, strtoll(sum, NULL, 10)));
}

/* not_connected - a store whose connection is gone */

static int
not_connected(const struct store *s, struct buf *err)
{
	buf_printf(err, "store %s is not connected", s->name);
	return (-1);
}

/* store_query - messages grouped by keys */

int
store_query(struct store *s, const struct count_filter *f,
	    const enum count_key *keys, int nkeys, count_row_fn fn,
	    void *ctx, struct buf *err)
{
	struct stmt *st;
	struct plan pl;
	struct query_ctx q = {fn, ctx};
	int     rc;

	if (s->db == NULL)
		return (not_connected(s, err));
	if (filter_check(f, err) < 0 || query_plan(f, keys, nkeys, &pl, err) < 0)
		return (-1);
	st = xcalloc(1, sizeof(*st));
	query_sql(st, &pl, f, keys, nkeys);
	rc = s->ops->run(s->db, st->sql.data, st->par, st->npar, query_row, &q,
			 err);
	buf_free(&st->sql);
	free(st);
	return (rc);
}

 /*
  * Passing rows to a dmarc_row_fn.
  */
struct rcpt_ctx {
	dmarc_row_fn fn;
	void   *ctx;
};

/* rcpt_row - one row of the DMARC view */

static int
rcpt_row(void *ctx, int ncols, const char *const *c)
{
	struct rcpt_ctx *r = ctx;

	if (ncols < 6 || c[5] == NULL)
		return (0);
	return (r->fn(r->ctx, (time_t) strtoll(c[0], NULL, 10),
		      atoi(c[1]), c[2], c[3], c[4] ? c[4] : "",
		      strtoll(c[5], NULL, 10)));
}

/* query_periods - the DMARC view, per recipient domain or not */

static int
query_periods(struct store *s, const struct count_filter *f, int per_rcpt,
	      dmarc_row_fn fn, void *ctx, struct buf *err)
{
	struct rcpt_ctx r = {fn, ctx};
	struct stmt *st;
	int     rc;

	if (s->db == NULL)
		return (not_connected(s, err));
	if (filter_check(f, err) < 0)
		return (-1);
	st = xcalloc(1, sizeof(*st));
	buf_printf(&st->sql, "SELECT bucket, span, from_domain, outcome, %s, "
		   "SUM(messages) FROM %s", per_rcpt ? "rcpt_domain" : "''",
		   per_rcpt ? "counts_rcpt" : "counts_summary");
	where(st, f, "bucket", f->since, f->until,
	      per_rcpt ? "rcpt_domain" : NULL);
	buf_printf(&st->sql, " GROUP BY bucket, span, from_domain, outcome%s"
		   " ORDER BY bucket, from_domain, outcome%s",
		   per_rcpt ? ", rcpt_domain" : "", per_rcpt ? ", rcpt_domain" : "");
	rc = s->ops->run(s->db, st->sql.data, st->par, st->npar, rcpt_row, &r,
			 err);
	buf_free(&st->sql);
	free(st);
	return (rc);
}

/* store_query_rcpt - messages per period, From domain, outcome, rcpt */

int
store_query_rcpt(struct store *s, const struct count_filter *f,
		 dmarc_row_fn fn, void *ctx, struct buf *err)
{
	return (query_periods(s, f, 1, fn, ctx, err));
}

/* store_query_periods - messages per period, From domain, outcome */

int
store_query_periods(struct store *s, const struct count_filter *f,
		    dmarc_row_fn fn, void *ctx, struct buf *err)
{
	if (f->rcpt_domains != NULL) {
		buf_printf(err, "store_query_periods counts all recipients: "
			   "use store_query_rcpt for recipient domains");
		return (-1);
	}
	return (query_periods(s, f, 0, fn, ctx, err));
}

/* store_sql - another component's statement */

int
store_sql(struct store *s, const char *sql, const struct db_param *par,
	  int npar, db_row_fn fn, void *ctx, struct buf *err)
{
	if (s->mode == STORE_WRITE || s->db == NULL) {
		buf_printf(err, "store_sql needs a store opened with STORE_READ "
			   "or STORE_UPGRADE");
		return (-1);
	}
	return (s->ops->run(s->db, sql, par, npar, fn, ctx, err));
}
