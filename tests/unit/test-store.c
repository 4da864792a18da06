/*++
/* NAME
/*	test-store 1
/* SUMMARY
/*	counters store tests, on a real SQLite file or PostgreSQL server
/* SYNOPSIS
/*	test-store [postgresql://...]
/* DESCRIPTION
/*	Without an argument, every test runs on a new SQLite file in a
/*	temporary directory; with a PostgreSQL URI, on that database,
/*	whose signet tables are dropped before each test
/*	(tests/counters/test-store-pg.sh starts a server for it).
/*
/*	Records from many threads at once must all be committed and
/*	summed exactly, per From domain, sender, outcome and recipient
/*	domain (once per domain per message); grouping and filters;
/*	the DMARC view and its filters; schema versions per component,
/*	and refusal of a newer schema; the upgrades of a version 1 and a
/*	version 2 store; after a signet-milter is killed, a message it
/*	counted in its last seconds counts once when sent again, and only
/*	once, while older ones, other origins', those without a key and
/*	those after a clean stop count each time; the ring of recent keys
/*	wraps, and waiting keys go after STORE_RETRY_DAYS;
/*	whole days read from counts_day give the sums a scan of the
/*	hourly tables gives, for every key and ranges that start and
/*	end inside days, before and after roll-up; roll-up of old hours
/*	into days, and deletion of days past daily_days; on SQLite,
/*	synchronous NORMAL or FULL as asked, and a store locked by
/*	another process fails the records with a clear message and
/*	works again by itself once the lock is gone.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "store.h"
#include "test.h"
#include "utctime.h"
#include "xalloc.h"

#define THREADS		16
#define PER_THREAD	250

static const char *pg_uri;		/* NULL: SQLite */
static char tmpdir[] = "/tmp/signet-test-store.XXXXXX";
static char spec[512];
static int nspec;

/* fresh_spec - a store that holds nothing yet */

static const char *
fresh_spec(void)
{
	struct buf err = BUF_INIT;
	struct db *db;

	if (pg_uri == NULL) {
		(void) snprintf(spec, sizeof(spec), "%s/counters-%d.db", tmpdir,
				++nspec);
		return (spec);
	}
	if ((db = db_pg_ops.open(pg_uri, 1, &err)) == NULL) {
		printf("  %s\n", err.data);
		exit(99);
	}
	if (db_pg_ops.exec(db, "DROP TABLE IF EXISTS counts, counts_summary, counts_rcpt, "
			   "counts_day, counts_recent, counts_retry, signet_schema, "
			   "dmarc_test", &err) < 0) {
		printf("  %s\n", err.data);
		exit(99);
	}
	db_pg_ops.close(db);
	buf_free(&err);
	(void) snprintf(spec, sizeof(spec), "%s", pg_uri);
	return (spec);
}

/* open_checked - store_open(), asserted; on failure NULL, and why */

static struct store *
open_checked(const char *name, enum store_mode mode)
{
	struct buf err = BUF_INIT;
	struct store *s;

	s = store_open(name, mode, &err);
	test_assert(s != NULL);
	if (s == NULL)
		printf("  %s\n", err.data);
	buf_free(&err);
	return (s);
}

/* open_fresh - a store that holds nothing yet, opened for writing */

static struct store *
open_fresh(void)
{
	return (open_checked(fresh_spec(), STORE_WRITE));
}

/* reopen_read - close the writer S; the same store opened for reading */

static struct store *
reopen_read(struct store *s)
{
	(void) store_close(s);
	return (open_checked(spec, STORE_READ));
}

/* event - a message of the tests */

static void
event(struct count_event *ev, time_t when, const char *domain,
      const char *outcome, const char *const *rcpt, size_t nrcpt)
{
	memset(ev, 0, sizeof(*ev));
	ev->when = when;
	ev->from_domain = domain;
	ev->sender = "network";
	ev->env_domain = domain;
	ev->sasl_login = "";
	ev->client_addr = "192.0.2.7";
	ev->outcome = outcome;
	ev->selectors = strcmp(outcome, "signed") == 0 ? "s1:rsa-sha256" : "";
	ev->rcpt_domains = rcpt;
	ev->nrcpt_domains = nrcpt;
}

static int qkeys;
static time_t base_hour;		/* two hours ago, whole */

/* collect_row - one row of a query into a buffer */

static int
collect_row(void *ctx, const char *const *vals, long long n)
{
	struct buf *b = ctx;
	int     i;

	for (i = 0; i < qkeys; i++)
		buf_printf(b, "%s%s", i ? "|" : "", vals[i] ? vals[i] : "NULL");
	buf_printf(b, "=%lld;", n);
	return (0);
}

/* ranged - store_query() over [since, until) */

static const char *
ranged(struct store *s, const char *keys, time_t since, time_t until,
       const char *domain)
{
	static struct buf out;
	struct count_filter f;
	struct buf err = BUF_INIT;
	enum count_key k[4];
	char    copy[128], *w, *save = NULL;

	memset(&f, 0, sizeof(f));
	f.since = since;
	f.until = until;
	f.domain = domain;
	qkeys = 0;
	(void) snprintf(copy, sizeof(copy), "%s", keys);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		k[qkeys++] = count_key_parse(w);
	buf_reset(&out);
	if (store_query(s, &f, k, qkeys, collect_row, &out, &err) < 0)
		buf_printf(&out, "error: %s", err.data);
	buf_free(&err);
	return (out.data ? out.data : "");
}

/* query - rows of a grouped sum as text, over all time */

static const char *
query(struct store *s, const char *domain, const char *keys)
{
	return (ranged(s, keys, 0, (time_t) 1 << 40, domain));
}

 /*
  * A thread that records PER_THREAD messages.
  */
struct worker {
	struct store *s;
	int     id;
	int     failed;
};

static const char *const rcpt_three[] = {"gmail.com", "outlook.com", "yahoo.com"};

/* worker_main - record messages for two domains, with recipients */

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct count_event ev;
	time_t  hour = base_hour;
	int     i;

	for (i = 0; i < PER_THREAD; i++) {
		event(&ev, hour + (i % 2) * 3600 + w->id, i % 5 ? "example.com" :
		      "example.org", i % 10 == 9 ? "refused" : "signed",
		      rcpt_three, (size_t) (1 + i % 3));
		if (store_record(w->s, &ev) != 0)
			w->failed++;
	}
	return (NULL);
}

/* test_concurrent - many threads, every count exact */

static void
test_concurrent(void)
{
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	struct store *s;
	char    want[256];
	int     i, failed = 0;

	test_begin("concurrent records are all committed, exactly");
	base_hour = time(NULL) - 7200;
	base_hour -= base_hour % 3600;
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	for (i = 0; i < THREADS; i++) {
		w[i].s = s;
		w[i].id = i;
		w[i].failed = 0;
		(void) pthread_create(&tid[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		(void) pthread_join(tid[i], NULL);
		failed += w[i].failed;
	}
	test_assert_int(failed, 0);
	/* A reader sees what the writer committed. */
	s = reopen_read(s);
	if (s != NULL) {
		test_assert_str(query(s, NULL, ""), "=4000;");
		test_assert_str(query(s, NULL, "domain"),
				"example.com=3200;example.org=800;");
		test_assert_str(query(s, NULL, "domain,outcome"),
				"example.com|refused=400;example.com|signed=2800;"
				"example.org|signed=800;");
		(void) snprintf(want, sizeof(want), "%lld=400;%lld=400;",
				(long long) base_hour, (long long) base_hour + 3600);
		test_assert_str(query(s, "example.org", "hour"), want);
		(void) snprintf(want, sizeof(want), "%lld=3200;",
				(long long) (base_hour - base_hour % 86400));
		if (base_hour % 86400 < 82800)	/* both hours in one day */
			test_assert_str(query(s, "example.com", "day"), want);
		/* 1, 2 or 3 recipient domains, i % 3 + 1. */
		test_assert_str(query(s, NULL, "rcpt-domain"),
			 "gmail.com=4000;outlook.com=2656;yahoo.com=1328;");
		test_assert_str(query(s, NULL, "selector"),
				"=400;s1:rsa-sha256=3600;");
		test_assert_str(query(s, NULL, "client"),
				"=3600;192.0.2.7=400;");
		test_assert_str(query(s, NULL, "rcpt-domain,selector"),
				"error: rcpt-domain cannot be combined with "
				"selector: recipient domains are counted per "
				"hour, From domain, sender and outcome only");
	}
	store_close(s);
	test_end();
}

/* dmarc_row - the DMARC view as text */

static int
dmarc_row(void *ctx, time_t bucket, int span, const char *from,
	  const char *outcome, const char *rcpt, long long n)
{
	buf_printf(ctx, "%lld/%d %s %s %s=%lld;", (long long) bucket, span,
		   from, outcome, rcpt, n);
	return (0);
}

/* test_dmarc_view - messages per From domain, hour, outcome, rcpt */

static void
test_dmarc_view(void)
{
	static const char *const two[] = {"gmail.com", "outlook.com"};
	struct count_event ev;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct store *s;
	long long h = (long long) time(NULL) - 3 * 3600;
	char    want[512];

	h -= h % 3600;
	test_begin("DMARC view: per From domain, hour, outcome, rcpt domain");
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	event(&ev, h + 5, "example.com", "signed", two, 2);
	test_assert_int(store_record(s, &ev), 0);
	test_assert_int(store_record(s, &ev), 0);
	event(&ev, h + 3700, "example.com", "signed", two, 1);
	test_assert_int(store_record(s, &ev), 0);
	event(&ev, h + 3700, "example.net", "passed", two + 1, 1);
	test_assert_int(store_record(s, &ev), 0);
	s = reopen_read(s);
	if (s != NULL) {
		struct count_filter f = {0, h + 86400, NULL, NULL, NULL, NULL, NULL};
		static const char *const sent[] = {"signed", NULL};
		static const char *const gmail[] = {"gmail.com", NULL};

		test_assert_int(store_query_rcpt(s, &f, dmarc_row, &out, &err), 0);
		(void) snprintf(want, sizeof(want),
				"%lld/3600 example.com signed gmail.com=2;"
				"%lld/3600 example.com signed outlook.com=2;"
				"%lld/3600 example.com signed gmail.com=1;"
				"%lld/3600 example.net passed outlook.com=1;",
				h, h, h + 3600, h + 3600);
		test_assert_str(out.data, want);
		buf_reset(&out);
		f.since = h + 3600;
		f.until = h + 7200;
		f.domain = "example.net";
		test_assert_int(store_query_rcpt(s, &f, dmarc_row, &out, &err), 0);
		(void) snprintf(want, sizeof(want),
				"%lld/3600 example.net passed outlook.com=1;",
				h + 3600);
		test_assert_str(out.data, want);
		/* Outcomes, a sender left out, recipient domains. */
		buf_reset(&out);
		f.since = 0;
		f.until = h + 86400;
		f.domain = NULL;
		f.outcomes = sent;
		f.rcpt_domains = gmail;
		test_assert_int(store_query_rcpt(s, &f, dmarc_row, &out, &err), 0);
		(void) snprintf(want, sizeof(want),
				"%lld/3600 example.com signed gmail.com=2;"
				"%lld/3600 example.com signed gmail.com=1;", h, h + 3600);
		test_assert_str(out.data, want);
		buf_reset(&out);
		f.not_sender = "network";
		test_assert_int(store_query_rcpt(s, &f, dmarc_row, &out, &err), 0);
		test_assert_str(out.data ? out.data : "", "");
		/* All recipients: a message to two domains counts once. */
		buf_reset(&out);
		f.not_sender = "inbound";
		f.rcpt_domains = NULL;
		test_assert_int(store_query_periods(s, &f, dmarc_row, &out, &err), 0);
		(void) snprintf(want, sizeof(want),
				"%lld/3600 example.com signed =2;"
				"%lld/3600 example.com signed =1;", h, h + 3600);
		test_assert_str(out.data, want);
	}
	store_close(s);
	buf_free(&out);
	buf_free(&err);
	test_end();
}

/* test_rollup - hours past the retention become days, sums kept */

static void
test_rollup(void)
{
	static const char *const one[] = {"gmail.com"};
	struct count_event ev;
	struct buf err = BUF_INIT;
	struct store *s;
	time_t  now = time(NULL), old = now - 40 * 86400;
	char    want[256];
	int     i;

	test_begin("roll-up of hours older than the retention into days");
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	for (i = 0; i < 6; i++) {
		event(&ev, old - old % 86400 + i * 3600, "example.com", "signed",
		      one, 1);
		test_assert_int(store_record(s, &ev), 0);
	}
	event(&ev, now, "example.com", "signed", one, 1);
	test_assert_int(store_record(s, &ev), 0);
	s = reopen_read(s);
	if (s == NULL) {
		test_end();
		return;
	}
	store_set_retention(s, 35, 0);
	test_assert_int(store_rollup(s, now, &err), 0);
	(void) snprintf(want, sizeof(want), "%lld=6;%lld=1;",
			(long long) (old - old % 86400),
			(long long) (now - now % 3600));
	test_assert_str(query(s, NULL, "hour"), want);
	(void) snprintf(want, sizeof(want), "%lld=6;%lld=1;",
			(long long) (old - old % 86400),
			(long long) (now - now % 86400));
	test_assert_str(query(s, NULL, "day"), want);
	/* Rolled up twice: nothing changes. */
	test_assert_int(store_rollup(s, now, &err), 0);
	test_assert_str(query(s, NULL, "day"), want);
	(void) snprintf(want, sizeof(want), "%lld|gmail.com=6;%lld|gmail.com=1;",
			(long long) (old - old % 86400),
			(long long) (now - now % 86400));
	test_assert_str(query(s, NULL, "day,rcpt-domain"), want);
	store_close(s);
	buf_free(&err);
	test_end();
}

 /*
  * Whole days from counts_day against a scan of the hourly tables.
  */
static const struct {
	const char *keys;		/* for store_query() */
	const char *cols;		/* the same, as columns of the scan */
	const char *table;
}       day_cases[] = {
	{"", "", "counts_summary"},
	{"day", "bucket - bucket % 86400", "counts_summary"},
	{"domain,sender,outcome", "from_domain, sender, outcome", "counts_summary"},
	{"rcpt-domain", "rcpt_domain", "counts_rcpt"},
	{"day,rcpt-domain", "bucket - bucket % 86400, rcpt_domain", "counts_rcpt"},
	{"selector", "selectors", "counts"},
	{"env-domain,outcome", "env_domain, outcome", "counts"},
	{"sasl-login", "sasl_login", "counts"},
	{"domain,client", "from_domain, client_addr", "counts"},
	{"selector,client", "selectors, client_addr", "counts"},
};

/* scan_row - one row of the reference scan, as collect_row writes */

static int
scan_row(void *ctx, int ncols, const char *const *c)
{
	struct buf *b = ctx;
	int     i;

	if (c[ncols - 1] == NULL)
		return (0);
	for (i = 0; i < ncols - 1; i++)
		buf_printf(b, "%s%s", i ? "|" : "", c[i] ? c[i] : "NULL");
	buf_printf(b, "=%s;", c[ncols - 1]);
	return (0);
}

/* scan - the reference: one scan of an hourly table */

static const char *
scan(struct store *s, int i, time_t since, time_t until, const char *domain)
{
	static struct buf out;
	struct buf sql = BUF_INIT, err = BUF_INIT;
	struct db_param par[3] = {{NULL, since}, {NULL, until}, {domain, 0}};
	const char *cols = day_cases[i].cols;

	buf_printf(&sql, "SELECT %s%sSUM(messages) FROM %s WHERE bucket >= ? "
		   "AND bucket < ?%s", cols, *cols ? ", " : "", day_cases[i].table,
		   domain ? " AND from_domain = ?" : "");
	if (*cols)
		buf_printf(&sql, " GROUP BY %s ORDER BY %s", cols, cols);
	buf_reset(&out);
	if (store_sql(s, sql.data, par, domain ? 3 : 2, scan_row, &out, &err) < 0)
		buf_printf(&out, "error: %s", err.data);
	buf_free(&sql);
	buf_free(&err);
	return (out.data ? out.data : "");
}

/* days_write - ten days of messages, every 7 hours, varied */

static void
days_write(struct store *s, time_t start)
{
	static const char *const rc[] = {"gmail.com", "outlook.com", "yahoo.com"};
	static const char *const dom[] = {"example.com", "example.org"};
	static const char *const out[] = {"signed", "refused", "passed"};
	struct count_event ev;
	char    client[32], login[16];
	int     i;

	for (i = 0; i < 240; i++) {		/* ten days, one an hour */
		event(&ev, start + (time_t) i * 3600 + (i % 7) * 60,
		      dom[i % 2], out[i % 3], rc + i % 2, (size_t) (1 + i % 2));
		(void) snprintf(client, sizeof(client), "192.0.2.%d", i % 5);
		(void) snprintf(login, sizeof(login), "user%d", i % 4);
		ev.client_addr = client;
		ev.sasl_login = i % 3 ? login : "";
		ev.env_domain = i % 4 ? "bounce.example" : "";
		if (store_record(s, &ev) != 0)
			printf("  record %d failed\n", i);
	}
}

/* days_compare - every case, over ranges that cut days, against a scan */

static void
days_compare(struct store *s, time_t start)
{
	time_t  ranges[][2] = {
		{0, (time_t) 1 << 40},
		{start + 5 * 3600, start + 6 * 86400 + 13 * 3600},
		{start + 86400, start + 4 * 86400},
		{start + 86400 + 3600, start + 2 * 86400 + 3600},
		{start + 2 * 3600, start + 20 * 3600},
	};
	size_t  i, r;

	for (i = 0; i < sizeof(day_cases) / sizeof(day_cases[0]); i++) {
		for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			char   *want = xstrdup(scan(s, (int) i, ranges[r][0],
						    ranges[r][1], NULL));

			if (strcmp(ranged(s, day_cases[i].keys, ranges[r][0],
					  ranges[r][1], NULL), want) != 0)
				printf("  --by %s, range %zu\n", day_cases[i].keys, r);
			test_assert_str(ranged(s, day_cases[i].keys, ranges[r][0],
					       ranges[r][1], NULL), want);
			free(want);
		}
		test_assert_str(ranged(s, day_cases[i].keys, ranges[1][0],
				       ranges[1][1], "example.org"),
				scan(s, (int) i, ranges[1][0], ranges[1][1],
				     "example.org"));
	}
}

/* test_days - whole days from counts_day: the sums of the hours */

static void
test_days(void)
{
	struct buf err = BUF_INIT;
	struct store *s;
	time_t  now = time(NULL), start = now - 50 * 86400;

	test_begin("whole days from counts_day equal a scan of the hours");
	start -= start % 86400;
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	days_write(s, start);
	s = reopen_read(s);
	if (s != NULL) {
		days_compare(s, start);
		/* Hours of the first five days rolled up: still the same. */
		store_set_retention(s, 45, 0);
		test_assert_int(store_rollup(s, now, &err), 0);
		days_compare(s, start);
	}
	store_close(s);
	buf_free(&err);
	test_end();
}

/* keyed - record a message with a key at a time; asserted */

static void
keyed(struct store *s, time_t when, const char *outcome, const char *key)
{
	static const char *const one[] = {"gmail.com"};
	struct count_event ev;

	event(&ev, when, "example.com", outcome, one, 1);
	ev.key = key;
	test_assert_int(store_record(s, &ev), 0);
}

 /*
  * A thread that records 20 messages of its own, each with its key.
  */
struct key_worker {
	struct store *s;
	time_t  when;
	int     id;
};

/* key_worker_main - 20 keyed messages */

static void *
key_worker_main(void *arg)
{
	struct key_worker *w = arg;
	char    key[32];
	int     i;

	for (i = 0; i < 20; i++) {
		(void) snprintf(key, sizeof(key), "t%d-%d", w->id, i);
		keyed(w->s, w->when, "signed", key);
	}
	return (NULL);
}

/* open_origin - the store opened for writing by one signet-milter */

static struct store *
open_origin(const char *origin)
{
	struct store_settings set = {STORE_HOURLY_DAYS, 0, 0, origin};
	struct buf err = BUF_INIT;
	struct store *s;

	s = store_open_with(spec, STORE_WRITE, &set, &err);
	test_assert(s != NULL);
	if (s == NULL)
		printf("  %s\n", err.data);
	buf_free(&err);
	return (s);
}

/* total - all messages of the store; closes the writer S */

static const char *
total(struct store *s)
{
	static char out[64];

	if ((s = reopen_read(s)) == NULL)
		return ("");
	(void) snprintf(out, sizeof(out), "%s", query(s, NULL, ""));
	store_close(s);
	return (out);
}

/* sql_text - one query's rows as text, on a store opened to read */

static const char *
sql_text(const char *sql)
{
	static struct buf out;
	struct buf err = BUF_INIT;
	struct store *s;

	buf_reset(&out);
	if ((s = open_checked(spec, STORE_READ)) == NULL)
		return ("");
	test_assert_int(store_sql(s, sql, NULL, 0, scan_row, &out, &err), 0);
	store_close(s);
	buf_free(&err);
	return (out.data ? out.data : "");
}

#define H1	"mx1 unix:/run/signet/milter.sock"
#define H2	"mx2 unix:/run/signet/milter.sock"

/* test_once - after a crash, a message sent again counts once */

static void
test_once(void)
{
	struct buf err = BUF_INIT;
	struct store *s;
	time_t  now = time(NULL);
	char    key[32];
	int     i;

	test_begin("a message counted just before a crash counts once when "
		   "sent again");
	(void) fresh_spec();
	if ((s = open_origin(H1)) == NULL) {
		test_end();
		return;
	}
	keyed(s, now - 100, "signed", "k1");	/* long before the crash */
	keyed(s, now - 5, "signed", "k2");	/* in the last seconds */
	keyed(s, now, "signed", "k3");
	keyed(s, now, "signed", NULL);		/* no key */
	/* Killed: closed without store_replied(), the ring stays. */
	test_assert_str(total(s), "=4;");
	test_assert_str(sql_text("SELECT keys FROM counts_recent ORDER BY seq"),
			"=k1;=k2;=k3;");

	/* Started again: k2 and k3 may have lost their replies. */
	if ((s = open_origin(H1)) == NULL) {
		test_end();
		return;
	}
	keyed(s, now + 60, "signed", "k3");	/* the retry: not counted */
	keyed(s, now + 61, "signed", "k3");	/* sent once more: counted */
	keyed(s, now + 62, "signed", "k1");	/* replied long before */
	keyed(s, now + 63, "signed", NULL);
	/* Another signet-milter of the fleet knows nothing of k2. */
	{
		struct store *s2 = open_origin(H2);

		if (s2 != NULL) {
			keyed(s2, now + 64, "signed", "k2");
			store_replied(s2);
			store_close(s2);
		}
	}
	store_replied(s);			/* a clean stop */
	test_assert_str(total(s), "=8;");
	test_assert_str(sql_text("SELECT origin, key FROM counts_retry"),
			H1 "=k2;");
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_recent"), "=0;");

	/* A clean stop leaves no ring; k2 is still waited for. */
	if ((s = open_origin(H1)) == NULL) {
		test_end();
		return;
	}
	keyed(s, now + 70, "signed", "k2");	/* its retry: not counted */
	keyed(s, now + 71, "signed", "k3");
	/* More than the ring holds: it wraps. */
	for (i = 0; i < STORE_RING + 10; i++) {
		(void) snprintf(key, sizeof(key), "w%d", i);
		keyed(s, now + 72, "passed", key);
	}
	test_assert_str(total(s), "=1043;");
	test_assert_str(sql_text("SELECT COUNT(*), MIN(seq), MAX(seq) FROM "
				 "counts_recent"), "1024|12=1035;");
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_retry"), "=0;");

	/* Killed again: the keys of its last 10 seconds wait, 7 days. */
	if ((s = open_origin(H1)) == NULL) {
		test_end();
		return;
	}
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_retry"), "=1024;");
	test_assert_int(store_rollup(s, now + 6 * 86400, &err), 0);
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_retry"), "=1024;");
	test_assert_int(store_rollup(s, now + 8 * 86400, &err), 0);
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_retry"), "=0;");
	keyed(s, now + 80, "passed", "w5");	/* forgotten: counted */
	test_assert_str(total(s), "=1044;");

	/* A store opened without an origin keeps no keys. */
	if ((s = open_checked(spec, STORE_WRITE)) != NULL) {
		keyed(s, now + 90, "signed", "k9");
		test_assert_str(total(s), "=1045;");
	}
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_recent WHERE "
				 "keys LIKE '%k9%'"), "=0;");

	/* Many threads at once: batches of many keys, each key waits. */
	if ((s = open_origin(H2)) != NULL) {
		struct key_worker w[THREADS];
		pthread_t tid[THREADS];

		for (i = 0; i < THREADS; i++) {
			w[i].s = s;
			w[i].when = now + 100;
			w[i].id = i;
			(void) pthread_create(&tid[i], NULL, key_worker_main, &w[i]);
		}
		for (i = 0; i < THREADS; i++)
			(void) pthread_join(tid[i], NULL);
		test_assert_str(total(s), "=1365;");
	}
	if ((s = open_origin(H2)) != NULL) {
		for (i = 0; i < THREADS; i++)	/* each sent again: none counted */
			key_worker_main(&(struct key_worker) {s, now + 200, i});
		test_assert_str(total(s), "=1365;");
	}
	test_assert_str(sql_text("SELECT COUNT(*) FROM counts_retry"), "=0;");
	buf_free(&err);
	test_end();
}

/* downgrade - make the store an older version; readers must refuse it */

static int
downgrade(const char *drops, int version)
{
	const struct db_ops *ops = pg_uri ? &db_pg_ops : &db_sqlite_ops;
	struct buf err = BUF_INIT, sql = BUF_INIT;
	char    want[96];
	struct db *db;

	if ((db = ops->open(spec, DB_CREATE, &err)) == NULL) {
		test_assert(db != NULL);
		printf("  %s\n", err.data);
		buf_free(&err);
		return (-1);
	}
	buf_printf(&sql, "%s UPDATE signet_schema SET version = %d WHERE "
		   "component = 'counters'", drops, version);
	test_assert_int(ops->exec(db, sql.data, &err), 0);
	ops->close(db);
	test_assert(store_open(spec, STORE_READ, &err) == NULL);
	(void) snprintf(want, sizeof(want), "at version %d; this signet reads "
			"version 3: restart signet-milter", version);
	test_assert(strstr(err.data ? err.data : "", want) != NULL);
	buf_free(&sql);
	buf_free(&err);
	return (0);
}

/* test_upgrade - a version 1 store is upgraded, counts_day filled */

static void
test_upgrade(void)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct store *s;
	time_t  start = time(NULL) - 20 * 86400;

	test_begin("a version 1 store is upgraded to version 3 in place");
	start -= start % 86400;
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	days_write(s, start);
	s = store_close(s);
	/* Version 1 is version 3 without counts_day and the key tables. */
	if (downgrade("DROP TABLE counts_day; DROP TABLE counts_recent; "
		      "DROP TABLE counts_retry;", 1) < 0) {
		test_end();
		return;
	}
	/* What signet dmarc import does, on a store no milter has opened. */
	s = open_checked(spec, STORE_UPGRADE);
	if (s != NULL) {
		test_assert_int(store_sql(s, "SELECT COUNT(*) FROM counts_day", NULL,
					  0, scan_row, &out, &err), 0);
		test_assert(out.data != NULL && strcmp(out.data, "=0;") != 0);
		days_compare(s, start);
	}
	store_close(s);
	buf_free(&out);
	buf_free(&err);
	test_end();
}

/* test_upgrade_once - a version 2 store gets the key tables, counts kept */

static void
test_upgrade_once(void)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct store *s;
	time_t  now = time(NULL);

	test_begin("a version 2 store is upgraded to version 3 in place");
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	keyed(s, now, "signed", NULL);
	keyed(s, now, "refused", NULL);
	s = store_close(s);
	/* Version 2 is version 3 without counts_recent and counts_retry. */
	if (downgrade("DROP TABLE counts_recent; DROP TABLE counts_retry;",
		      2) < 0) {
		test_end();
		return;
	}
	/* signet-milter starts on it: upgraded, then counting with keys. */
	s = open_origin(H1);
	if (s != NULL) {
		keyed(s, now, "signed", "k1");
		keyed(s, now, "signed", "k1");
		s = reopen_read(s);
	}
	if (s != NULL) {
		test_assert_str(query(s, NULL, "outcome"), "refused=1;signed=3;");
		test_assert_int(store_sql(s, "SELECT version FROM signet_schema "
					  "WHERE component = 'counters'", NULL, 0,
					  scan_row, &out, &err), 0);
		test_assert_str(out.data, "=3;");
	}
	store_close(s);
	buf_free(&out);
	buf_free(&err);
	test_end();
}

/* test_retention - days past daily_days are deleted from every table */

static void
test_retention(void)
{
	static const char *const one[] = {"gmail.com"};
	struct count_event ev;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct store *s;
	time_t  now = time(NULL);
	time_t  ages[] = {100 * 86400, 61 * 86400, 40 * 86400, 0};
	char    want[256];
	size_t  i;

	test_begin("days older than daily_days are deleted");
	if ((s = open_fresh()) == NULL) {	/* days forever */
		test_end();
		return;
	}
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		event(&ev, now - ages[i], "example.com", "signed", one, 1);
		test_assert_int(store_record(s, &ev), 0);
	}
	s = reopen_read(s);
	if (s == NULL) {
		test_end();
		return;
	}
	/* Days kept forever by default: a roll-up deletes nothing. */
	test_assert_int(store_rollup(s, now, &err), 0);
	test_assert_str(query(s, NULL, ""), "=4;");
	store_set_retention(s, 35, 60);
	test_assert_int(store_rollup(s, now, &err), 0);
	(void) snprintf(want, sizeof(want), "%lld=1;%lld=1;",
			(long long) ((now - 40 * 86400) - (now - 40 * 86400) % 86400),
			(long long) (now - now % 86400));
	test_assert_str(query(s, NULL, "day"), want);
	test_assert_str(query(s, NULL, "rcpt-domain"), "gmail.com=2;");
	test_assert_str(query(s, NULL, "client"), "=2;");
	test_assert_int(store_sql(s, "SELECT COUNT(*) FROM counts_day WHERE day < ?",
				  &(struct db_param) {NULL, (long long) now - 60 * 86400},
				  1, scan_row, &out, &err), 0);
	test_assert_str(out.data, "=0;");
	store_close(s);
	buf_free(&out);
	buf_free(&err);
	test_end();
}

/* sync_mode - PRAGMA synchronous of a connection opened with flags */

static const char *
sync_mode(int how)
{
	static struct buf out;
	struct buf err = BUF_INIT;
	struct db *db;

	buf_reset(&out);
	(void) snprintf(spec, sizeof(spec), "%s/sync.db", tmpdir);
	if ((db = db_sqlite_ops.open(spec, how, &err)) == NULL)
		return (err.data);
	(void) db_sqlite_ops.run(db, "PRAGMA synchronous", NULL, 0, scan_row,
				 &out, &err);
	db_sqlite_ops.close(db);
	buf_free(&err);
	return (out.data ? out.data : "");
}

/* test_sync - SQLite: NORMAL unless FULL is asked for */

static void
test_sync(void)
{
	struct store_settings set = {35, 0, 1, NULL};
	struct count_event ev;
	struct buf err = BUF_INIT;
	struct store *s;

	if (pg_uri != NULL)
		return;
	test_begin("SQLite synchronous: NORMAL by default, FULL when asked");
	test_assert_str(sync_mode(DB_CREATE), "=1;");		/* NORMAL */
	test_assert_str(sync_mode(DB_CREATE | DB_SYNC_FULL), "=2;");	/* FULL */
	s = store_open_with(fresh_spec(), STORE_WRITE, &set, &err);
	test_assert(s != NULL);
	if (s != NULL) {
		event(&ev, time(NULL), "example.com", "signed", NULL, 0);
		test_assert_int(store_record(s, &ev), 0);
		store_close(s);
	}
	buf_free(&err);
	test_end();
}

/* test_schema - versions per component; a newer one is refused */

static void
test_schema(void)
{
	static const char *const steps[] = {
		"CREATE TABLE dmarc_test (a INTEGER)",
		"ALTER TABLE dmarc_test ADD COLUMN b INTEGER",
	};
	struct db_param par[1] = {{"counters", 0}};
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct store *s;

	test_begin("schema versions per component");
	s = reopen_read(open_fresh());
	if (s == NULL) {
		test_end();
		return;
	}
	test_assert_int(store_migrate(s, "dmarc", steps, 1, &err), 0);
	test_assert_int(store_migrate(s, "dmarc", steps, 2, &err), 0);
	test_assert_int(store_migrate(s, "dmarc", steps, 2, &err), 0);
	test_assert_int(store_sql(s, "INSERT INTO dmarc_test (a, b) VALUES (1, 2)",
				  NULL, 0, NULL, NULL, &err), 0);
	test_assert_int(store_migrate(s, "dmarc", steps, 1, &err), -1);
	test_assert(strstr(err.data ? err.data : "", "dmarc tables of") != NULL);
	buf_reset(&err);
	/* The counters at a version this signet does not know. */
	test_assert_int(store_sql(s, "UPDATE signet_schema SET version = 9 "
				  "WHERE component = ?", par, 1, NULL, NULL, &err), 0);
	s = store_close(s);
	test_assert(store_open(spec, STORE_READ, &err) == NULL);
	test_assert(strstr(err.data ? err.data : "", "at version 9; this "
			   "signet reads version 3: upgrade signet") != NULL);
	buf_reset(&err);
	test_assert(store_open(spec, STORE_WRITE, &err) == NULL);
	test_assert(strstr(err.data ? err.data : "", "newer than this signet "
			   "knows (3): upgrade signet") != NULL);
	buf_free(&out);
	buf_free(&err);
	test_end();
}

/* test_bad_specs - what is not a store, and a missing file */

static void
test_bad_specs(void)
{
	struct buf err = BUF_INIT;
	struct count_event ev;
	struct store *s;
	char    path[600];

	test_begin("bad store names and missing files");
	test_assert(store_open("counters.db", STORE_WRITE, &err) == NULL);
	test_assert_str(err.data, "counters store \"counters.db\" is neither an "
			"absolute file path (SQLite) nor a postgresql:// URI");
	buf_reset(&err);
	(void) snprintf(path, sizeof(path), "%s/missing.db", tmpdir);
	test_assert(store_open(path, STORE_READ, &err) == NULL);
	test_assert(strstr(err.data, "signet-milter creates the store") != NULL);
	buf_reset(&err);
	(void) snprintf(path, sizeof(path), "%s/no/such/dir.db", tmpdir);
	test_assert(store_open(path, STORE_WRITE, &err) == NULL);
	test_assert(strstr(err.data, "check that its directory exists") != NULL);
	buf_reset(&err);
	test_assert(store_open("postgresql://signet:secret@127.0.0.1:1/x",
			       STORE_READ, &err) == NULL);
	test_assert(strstr(err.data, "PostgreSQL: cannot connect") != NULL);
	test_assert(strstr(err.data, "secret") == NULL);
	/* A writer starts without its server, and fails each record. */
	s = store_open("postgresql://signet:secret@127.0.0.1:1/x", STORE_WRITE,
		       &err);
	test_assert(s != NULL);
	if (s != NULL) {
		event(&ev, time(NULL), "example.com", "signed", NULL, 0);
		test_assert_int(store_record(s, &ev), -1);
		store_close(s);
	}
	buf_free(&err);
	test_end();
}

/* test_locked - a locked SQLite store fails, then recovers by itself */

static void
test_locked(void)
{
	static const char *const one[] = {"gmail.com"};
	struct count_event ev;
	struct store *s;
	sqlite3 *h = NULL;
	int     i, rc = -1;

	if (pg_uri != NULL)
		return;
	test_begin("a locked store fails the record, then recovers");
	if ((s = open_fresh()) == NULL) {
		test_end();
		return;
	}
	event(&ev, time(NULL), "example.com", "signed", one, 1);
	test_assert_int(store_record(s, &ev), 0);
	test_assert_int(sqlite3_open(spec, &h), SQLITE_OK);
	test_assert_int(sqlite3_exec(h, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
			SQLITE_OK);
	test_assert_int(store_record(s, &ev), -1);
	test_assert_int(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	(void) sqlite3_close(h);
	/* The writer reconnects at most once a second. */
	for (i = 0; i < 30 && rc != 0; i++) {
		if ((rc = store_record(s, &ev)) != 0)
			(void) usleep(100000);
	}
	test_assert_int(rc, 0);
	s = reopen_read(s);
	if (s != NULL)
		test_assert_str(query(s, NULL, ""), "=2;");
	store_close(s);
	test_end();
}

/* test_utc_parse - the times signet counters accepts */

static void
test_utc_parse(void)
{
	static const struct {
		const char *in;
		long long want;		/* -1: refused */
	}       cases[] = {
		{"2026-11-22", 1795305600},
		{"2026-11-22T15", 1795359600},
		{"2026-11-22T15:30", 1795361400},
		{"2026-11-22 15:30:07Z", 1795361407},
		{"2026-11-22T15:30:00+01:00", 1795357800},
		{"2026-11-22T15:30:00-0130", 1795366800},
		{"2026-02-30", -1},
		{"2026-11-22T24:00", -1},
		{"22.11.2026", -1},
		{"2026-11-22T15:30:00+1", -1},
		{"2026-11-22X", -1},
	};
	char    out[32];
	time_t  t;
	size_t  i;

	test_begin("ISO 8601 times, UTC");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (utc_parse(cases[i].in, &t) < 0)
			t = -1;
		if ((long long) t != cases[i].want)
			printf("  %s\n", cases[i].in);
		test_assert_int(t, cases[i].want);
	}
	utc_format(1795361407, 0, out, sizeof(out));
	test_assert_str(out, "2026-11-22T15:30:07Z");
	utc_format(1795361407, 1, out, sizeof(out));
	test_assert_str(out, "2026-11-22");
	test_end();
}

int
main(int argc, char **argv)
{
	static void (*const tests[]) (void) = {
		test_concurrent,
		test_dmarc_view,
		test_rollup,
		test_days,
		test_upgrade,
		test_upgrade_once,
		test_once,
		test_retention,
		test_sync,
		test_schema,
		test_bad_specs,
		test_locked,
		test_utc_parse,
		NULL
	};
	int     rc;

	pg_uri = argc > 1 ? argv[1] : NULL;
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (99);
	}
	rc = test_run(tests);
	if (getenv("SIGNET_KEEP") == NULL) {
		char    cmd[600];

		(void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("cannot remove %s\n", tmpdir);
	}
	return (rc);
}
