#ifndef SIGNET_STORE_H
#define SIGNET_STORE_H

/* store - durable per-sender message counts, SQLite or PostgreSQL */

#include <time.h>

#include "backend.h"
#include "buf.h"

 /*
  * SCHEMA (component "counters", version 3). The same tables in SQLite
  * and PostgreSQL; times are Unix seconds, UTC.
  *
  * signet_schema(component TEXT PRIMARY KEY, version INTEGER NOT NULL)
  *	One row per component that keeps tables in this database:
  *	"counters" here, "dmarc" for the report importer. Each component
  *	upgrades its own tables with store_migrate().
  *
  * counts: one row per period and combination of dimensions.
  *	bucket BIGINT	start of the period
  *	span INTEGER	3600 (an hour) or 86400 (a day: hours older than
  *			retention.hourly_days are rolled up into days)
  *	from_domain	From header domain, lower case; '' if none
  *	sender		the policy's sender: "network", "authenticated",
  *			"daemon", a named sender, "unmanaged", "inbound"
  *	env_domain	envelope sender domain; '' for <>
  *	sasl_login	SMTP AUTH login; '' if none
  *	client_addr	client address of refused mail; '' otherwise
  *	outcome		signed, refused, tempfailed, passed,
  *			accepted-unsigned, monitored-would-refuse, ...
  *	selectors	"selector:algorithm,..." of the signatures; ''
  *	messages BIGINT	the count
  *	PRIMARY KEY (bucket, span, from_domain, sender, env_domain,
  *		sasl_login, client_addr, outcome, selectors)
  *
  * counts_summary: counts added up over what most queries do not
  *	need (envelope domain, login, client, selectors): the same
  *	messages, far fewer rows.
  *	bucket, span, from_domain, sender, outcome as in counts;
  *	messages BIGINT
  *	PRIMARY KEY (bucket, span, from_domain, sender, outcome)
  *	INDEX counts_by_domain (from_domain, bucket)
  *
  * counts_rcpt: messages per recipient domain. A message to three
  *	recipients at one domain counts once for that domain; a message
  *	to two domains counts once for each, so this table's sum is not a
  *	message total (counts is).
  *	bucket, span, from_domain, sender, outcome as in counts;
  *	rcpt_domain TEXT (lower case); messages BIGINT
  *	PRIMARY KEY (bucket, span, from_domain, sender, outcome,
  *		rcpt_domain)
  *
  * counts_day (version 2): per UTC day, the messages of the other
  *	tables added up along one dimension at a time, kept up to date
  *	by every write, so that a query of whole days reads one row per
  *	day and value rather than 24 per hour.
  *	dim INTEGER	0: none (value ''; the sums of counts_summary),
  *			1: rcpt_domain (counts_rcpt), 2: selectors,
  *			3: env_domain, 4: sasl_login, 5: client_addr
  *			(counts)
  *	day BIGINT	midnight UTC
  *	from_domain, sender, outcome as in counts; value TEXT: the
  *	dimension's value; messages BIGINT
  *	PRIMARY KEY (dim, day, from_domain, sender, outcome, value)
  *	Its sums over a day equal those of the day's rows in the table
  *	it summarises, whether these are still hours or rolled up.
  *
  * counts_recent (version 3): per origin (one signet-milter: its host
  *	and socket), a ring of the last STORE_RING batches committed: the
  *	keys of their messages, space-separated, and the time of the
  *	last; emptied when signet-milter stops cleanly (store_once(3)).
  *	origin TEXT, slot INTEGER, seq BIGINT, keys TEXT, at BIGINT
  *	PRIMARY KEY (origin, slot)
  *
  * counts_retry (version 3): the keys of messages counted just before
  *	a signet-milter was killed, whose reply may never have reached
  *	the MTA; the client sends them again, and they are not counted
  *	again. Kept STORE_RETRY_DAYS.
  *	origin TEXT, key TEXT, at BIGINT	PRIMARY KEY (origin, key)
  *
  * Version 1 had no counts_day; the upgrade fills it from the other
  * tables. Version 2 had neither counts_recent nor counts_retry; the upgrade
  * creates them empty.
  */

struct store;

 /*
  * One decided message. Strings are never NULL ("" for none) and stay
  * valid for the duration of store_record().
  */
struct count_event {
	time_t  when;			/* when it was decided */
	const char *from_domain;
	const char *sender;
	const char *env_domain;
	const char *sasl_login;
	const char *client_addr;	/* kept for refused outcomes only */
	const char *outcome;
	const char *selectors;		/* "s1:rsa-sha256,s2:ed25519-sha256" */
	const char *const *rcpt_domains;	/* distinct, lower case */
	size_t  nrcpt_domains;
	const char *key;		/* NULL or "": no key; else a retry
					 * after a crash counts once */
};

enum store_mode {
	STORE_READ,			/* queries from the calling thread */
	STORE_WRITE,			/* a writer thread commits records */
	STORE_UPGRADE			/* as READ, after creating or upgrading
					 * the counters' tables */
};

#define STORE_HOURLY_DAYS	35	/* default hours kept */
#define STORE_RING		1024	/* counts_recent rows (batches) per
					 * origin */
#define STORE_INFLIGHT		10	/* seconds before a crash whose
					 * messages may count once more */
#define STORE_RETRY_DAYS	7	/* counts_retry rows kept */

 /*
  * How a store keeps its rows. daily_days 0 keeps days forever.
  * sync_full: SQLite syncs every commit to the disk (synchronous=FULL)
  * rather than at checkpoints (NORMAL).
  */
struct store_settings {
	int     hourly_days;
	int     daily_days;
	int     sync_full;
	const char *origin;		/* STORE_WRITE: this signet-milter, for
					 * counting once after a crash; NULL:
					 * not done */
};

extern struct store *store_open(const char *, enum store_mode, struct buf *);
extern struct store *store_open_with(const char *, enum store_mode,
			             const struct store_settings *,
				             struct buf *);
extern struct store *store_close(struct store *);
extern void store_replied(struct store *);
extern const char *store_kind(const struct store *);
extern void store_set_retention(struct store *, int, int);
extern int store_record(struct store *, const struct count_event *);

 /*
  * store_submit(): as store_record(), without waiting; done(arg, rc) runs
  * once the count is committed (0) or not (-1), on the writer's thread
  * (or on the caller's, when the store is stopping).
  */
typedef void (*store_done_fn) (void *, int);
extern void store_submit(struct store *, const struct count_event *,
			         store_done_fn, void *);
extern int store_rollup(struct store *, time_t, struct buf *);

 /*
  * Schema versions, per component: steps[i] upgrades from version i to
  * i + 1 (one or more statements).
  */
extern int store_migrate(struct store *, const char *, const char *const *,
			         int, struct buf *);

 /*
  * Reading: messages grouped by some of these keys.
  */
enum count_key {
	KEY_HOUR,			/* bucket start (a day for rolled-up rows) */
	KEY_DAY,
	KEY_DOMAIN,
	KEY_SENDER,
	KEY_RCPT_DOMAIN,		/* from counts_rcpt */
	KEY_OUTCOME,
	KEY_SELECTOR,
	KEY_ENV_DOMAIN,
	KEY_SASL_LOGIN,
	KEY_CLIENT,
	KEY_COUNT			/* number of keys */
};

struct count_filter {
	time_t  since;			/* bucket >= since */
	time_t  until;			/* bucket < until */
	const char *domain;		/* From domain; NULL: all */
	const char *sender;		/* NULL: all */
	const char *not_sender;		/* leave this sender out; NULL: none */
	const char *const *outcomes;	/* NULL-terminated; NULL: all */
	const char *const *rcpt_domains;/* NULL-terminated; NULL: all; given,
					 * only counts_rcpt is read */
};

#define STORE_FILTER_MAX	64	/* entries of a list in a filter */

 /*
  * One result row: values[i] belongs to keys[i] of the query, as text
  * (times as Unix seconds).
  */
typedef int (*count_row_fn) (void *, const char *const *, long long);

extern const char *count_key_name(enum count_key);
extern int count_key_parse(const char *);
extern int store_query(struct store *, const struct count_filter *,
		               const enum count_key *, int, count_row_fn, void *,
			               struct buf *);

 /*
  * The DMARC cross-check: messages per period, From domain and outcome,
  * to each recipient domain (store_query_rcpt(), from counts_rcpt) or
  * to all recipients (store_query_periods(), from counts_summary, with
  * rcpt_domain ""). Rows with span 86400 are days that were rolled up.
  * Rows come ordered by bucket, from_domain, outcome, rcpt_domain.
  */
typedef int (*dmarc_row_fn) (void *, time_t bucket, int span,
			             const char *from_domain, const char *outcome,
			             const char *rcpt_domain, long long messages);

extern int store_query_rcpt(struct store *, const struct count_filter *,
			            dmarc_row_fn, void *, struct buf *);
extern int store_query_periods(struct store *, const struct count_filter *,
			               dmarc_row_fn, void *, struct buf *);

 /*
  * Other components' own tables (STORE_READ stores only): one statement
  * with ? parameters, rows to the callback; store_kind() tells which
  * SQL dialect.
  */
extern int store_sql(struct store *, const char *, const struct db_param *,
		             int, db_row_fn, void *, struct buf *);

#endif
