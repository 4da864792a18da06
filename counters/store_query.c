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
/*	int	store_query_rcpt(struct store *s, time_t since, time_t until,
/*			const char *from_domain, dmarc_row_fn fn, void *ctx,
/*			struct buf *err)
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
/*	(by the start of their period: since <= bucket < until, From
/*	domain, sender), grouped by \fIkeys\fR (none: one total), and
/*	calls fn once per group, in the order of the keys. Grouping by
/*	KEY_RCPT_DOMAIN reads counts_rcpt, which knows only the hour,
/*	day, From domain, sender, outcome and recipient domain; grouping
/*	by those but the recipient domain reads counts_summary, much
/*	smaller than counts.
/*
/*	store_query_rcpt() is the DMARC cross-check's view: messages per
/*	period, From domain (all when NULL), outcome and recipient
/*	domain.
/*
/*	store_sql() runs one statement of another component's own, for
/*	a store opened with STORE_READ.
/*
/*	count_key_name() and count_key_parse() map keys to and from the
/*	names the CLI uses: hour, day, domain, sender, rcpt-domain,
/*	outcome, selector, env-domain, sasl-login, client.
/* DIAGNOSTICS
/*	-1 with the reason in err; a callback's non-zero return ends the
/*	query and is returned.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "store_impl.h"

static const struct {
	const char *name;
	const char *expr;
	int     in_rcpt;		/* counts_rcpt has it */
	int     in_summary;		/* counts_summary has it */
}       key_info[KEY_COUNT] = {
	[KEY_HOUR] = {"hour", "bucket", 1, 1},
	[KEY_DAY] = {"day", "bucket - bucket % 86400", 1, 1},
	[KEY_DOMAIN] = {"domain", "from_domain", 1, 1},
	[KEY_SENDER] = {"sender", "sender", 1, 1},
	[KEY_RCPT_DOMAIN] = {"rcpt-domain", "rcpt_domain", 1, 0},
	[KEY_OUTCOME] = {"outcome", "outcome", 1, 1},
	[KEY_SELECTOR] = {"selector", "selectors", 0, 0},
	[KEY_ENV_DOMAIN] = {"env-domain", "env_domain", 0, 0},
	[KEY_SASL_LOGIN] = {"sasl-login", "sasl_login", 0, 0},
	[KEY_CLIENT] = {"client", "client_addr", 0, 0},
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

/* query_sql - the statement for a grouped sum */

static int
query_sql(const struct count_filter *f, const enum count_key *keys,
	  int nkeys, struct buf *sql, struct buf *err)
{
	int     i, rcpt = 0, summary = 1;

	for (i = 0; i < nkeys; i++) {
		rcpt |= keys[i] == KEY_RCPT_DOMAIN;
		summary &= key_info[keys[i]].in_summary;
	}
	buf_puts(sql, "SELECT ");
	for (i = 0; i < nkeys; i++) {
		if (rcpt && !key_info[keys[i]].in_rcpt) {
			buf_printf(err, "rcpt-domain cannot be combined with %s: "
				   "recipient domains are counted per hour, "
				   "From domain, sender and outcome only",
				   key_info[keys[i]].name);
			return (-1);
		}
		buf_printf(sql, "%s, ", key_info[keys[i]].expr);
	}
	buf_printf(sql, "SUM(messages) FROM %s WHERE bucket >= ? AND bucket < ?",
		   rcpt ? "counts_rcpt" : summary ? "counts_summary" : "counts");
	if (f->domain != NULL)
		buf_puts(sql, " AND from_domain = ?");
	if (f->sender != NULL)
		buf_puts(sql, " AND sender = ?");
	for (i = 0; i < nkeys; i++)
		buf_printf(sql, "%s%s", i ? ", " : " GROUP BY ",
			   key_info[keys[i]].expr);
	for (i = 0; i < nkeys; i++)
		buf_printf(sql, "%s%s", i ? ", " : " ORDER BY ",
			   key_info[keys[i]].expr);
	return (0);
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

/* store_query - messages grouped by keys */

int
store_query(struct store *s, const struct count_filter *f,
	    const enum count_key *keys, int nkeys, count_row_fn fn,
	    void *ctx, struct buf *err)
{
	struct buf sql = BUF_INIT;
	struct db_param par[4];
	struct query_ctx q = {fn, ctx};
	int     n = 0, rc;

	if (s->db == NULL) {
		buf_printf(err, "store %s is not connected", s->name);
		return (-1);
	}
	if (query_sql(f, keys, nkeys, &sql, err) < 0) {
		buf_free(&sql);
		return (-1);
	}
	memset(par, 0, sizeof(par));
	par[n++].num = f->since;
	par[n++].num = f->until;
	if (f->domain != NULL)
		par[n++].text = f->domain;
	if (f->sender != NULL)
		par[n++].text = f->sender;
	rc = s->ops->run(s->db, sql.data, par, n, query_row, &q, err);
	buf_free(&sql);
	return (rc);
}

static const char rcpt_all[] =
	"SELECT bucket, span, from_domain, outcome, rcpt_domain, SUM(messages)"
	" FROM counts_rcpt WHERE bucket >= ? AND bucket < ?"
	" GROUP BY bucket, span, from_domain, outcome, rcpt_domain"
	" ORDER BY bucket, from_domain, outcome, rcpt_domain";

static const char rcpt_one[] =
	"SELECT bucket, span, from_domain, outcome, rcpt_domain, SUM(messages)"
	" FROM counts_rcpt WHERE bucket >= ? AND bucket < ? AND from_domain = ?"
	" GROUP BY bucket, span, from_domain, outcome, rcpt_domain"
	" ORDER BY bucket, from_domain, outcome, rcpt_domain";

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

	if (ncols < 6)
		return (0);
	return (r->fn(r->ctx, (time_t) strtoll(c[0], NULL, 10),
		      atoi(c[1]), c[2], c[3], c[4], strtoll(c[5], NULL, 10)));
}

/* store_query_rcpt - messages per From domain, period, outcome, rcpt */

int
store_query_rcpt(struct store *s, time_t since, time_t until,
		 const char *from_domain, dmarc_row_fn fn, void *ctx,
		 struct buf *err)
{
	struct db_param par[3] = {{NULL, since}, {NULL, until},
	{from_domain, 0}};
	struct rcpt_ctx r = {fn, ctx};

	if (s->db == NULL) {
		buf_printf(err, "store %s is not connected", s->name);
		return (-1);
	}
	return (s->ops->run(s->db, from_domain ? rcpt_one : rcpt_all, par,
			    from_domain ? 3 : 2, rcpt_row, &r, err));
}

/* store_sql - another component's statement */

int
store_sql(struct store *s, const char *sql, const struct db_param *par,
	  int npar, db_row_fn fn, void *ctx, struct buf *err)
{
	if (s->mode != STORE_READ || s->db == NULL) {
		buf_printf(err, "store_sql needs a store opened with STORE_READ");
		return (-1);
	}
	return (s->ops->run(s->db, sql, par, npar, fn, ctx, err));
}
