#ifndef SIGNET_DMARC_DB_H
#define SIGNET_DMARC_DB_H

/* db - the DMARC tables in the counters store */

#include "buf.h"
#include "report.h"
#include "store.h"

 /*
  * SCHEMA (component "dmarc", version 1), beside the counters' tables.
  * Times are Unix seconds, UTC.
  *
  * dmarc_report: one row per imported aggregate report.
  *	id BIGINT PRIMARY KEY
  *	reporter TEXT, report_id TEXT	UNIQUE together: a re-import is
  *		a duplicate. reporter is org_name, or the domain of email
  *		when org_name is empty.
  *	org_name, email, extra_contact, generator, version, errors TEXT
  *	date_begin, date_end BIGINT
  *	domain, adkim, aspf, p, sp, np, fo, testing, discovery TEXT:
  *		policy_published ('' when left out); pct INTEGER (-1)
  *	source TEXT	where it was imported from; imported BIGINT when
  *	nrows, nmessages BIGINT
  *
  * dmarc_row: every <record>, as written (rows split by envelope_to
  *	stay split; queries sum them).
  *	report BIGINT, n INTEGER (1, 2, ...) PRIMARY KEY together
  *	source_ip TEXT (normalised), messages BIGINT
  *	disposition, dkim, spf TEXT: policy_evaluated, lower case
  *	reasons TEXT	"type: comment; ..."
  *	header_from, envelope_from, envelope_to TEXT
  *
  * dmarc_auth: every DKIM and SPF result of a row.
  *	report, n: the row; method TEXT 'dkim' or 'spf'; i INTEGER:
  *	its place among the row's results of that method; PRIMARY KEY
  *	(report, n, method, i)
  *	domain TEXT; selector TEXT (the DKIM selector, or the SPF scope);
  *	result TEXT (lower case, as written); human TEXT
  *
  * dmarc_failure: failure reports (RFC 6591), one row each.
  *	id BIGINT PRIMARY KEY; source TEXT; imported, arrival BIGINT
  *	reporter, feedback_type, auth_failure, source_ip, reported_domain,
  *	original_mail_from, original_rcpt_to, delivery_result, dkim_domain,
  *	dkim_selector, spf_dns, subject, message_id TEXT
  *	UNIQUE (reporter, message_id, source_ip, arrival)
  */

#define DMARC_COMPONENT	"dmarc"

struct dmarc_db;

enum dmarc_begin {
	DB_NEW,				/* a new report: rows may follow */
	DB_DUPLICATE,			/* already imported */
	DB_ERROR			/* see the error text */
};

extern struct dmarc_db *dmarc_db_open(const char *, struct buf *);
extern struct dmarc_db *dmarc_db_close(struct dmarc_db *);
extern struct store *dmarc_db_store(struct dmarc_db *);
extern enum dmarc_begin dmarc_db_begin(struct dmarc_db *,
				               const struct dmarc_report *,
				               const char *, struct buf *);
extern int dmarc_db_row(struct dmarc_db *, const struct dmarc_row *,
			        struct buf *);
extern int dmarc_db_commit(struct dmarc_db *, struct buf *);
extern void dmarc_db_rollback(struct dmarc_db *);
extern int dmarc_db_sql(struct dmarc_db *, const char *,
			        const struct db_param *, int, db_row_fn, void *,
			        struct buf *);

#endif
