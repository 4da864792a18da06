/*++
/* NAME
/*	failure 3
/* SUMMARY
/*	store DMARC failure reports
/* SYNOPSIS
/*	#include "failure.h"
/*
/*	enum dmarc_begin dmarc_failure_import(struct dmarc_db *db,
/*			const char *source, const struct failure_origin *o,
/*			const char *fields, size_t len, struct buf *err);
/* DESCRIPTION
/*	A failure report (RFC 6591 as profiled by RFC 9991) is a
/*	multipart/report whose message/feedback-report part holds fields
/*	like a mail header: Feedback-Type, Auth-Failure, Source-IP,
/*	Reported-Domain, Arrival-Date, Original-Mail-From, ... GMime reads
/*	them (folding, encoded words) as the header of a message without
/*	a body.
/*
/*	The report is stored in dmarc_failure (db.h) with the reporter
/*	and Message-ID of the message that carried it, so importing it
/*	again is a duplicate.
/* DIAGNOSTICS
/*	DB_NEW when stored, DB_DUPLICATE, or DB_ERROR with the reason:
/*	fields that cannot be read, no Feedback-Type, a store error.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <gmime/gmime.h>
#include <string.h>
#include <time.h>

#include "failure.h"
#include "report.h"

#define TXT(s)	{ (s), 0 }
#define NUM(n)	{ NULL, (long long) (n) }

#define SQL_FIND "SELECT COUNT(*) FROM dmarc_failure WHERE reporter = ? " \
	"AND message_id = ? AND source_ip = ? AND arrival = ?"
#define SQL_NEXT "SELECT COALESCE(MAX(id), 0) + 1 FROM dmarc_failure"
#define SQL_ADD "INSERT INTO dmarc_failure (id, source, imported, arrival, " \
	"reporter, feedback_type, auth_failure, source_ip, reported_domain, " \
	"original_mail_from, original_rcpt_to, delivery_result, dkim_domain, " \
	"dkim_selector, spf_dns, subject, message_id) VALUES (?, ?, ?, ?, ?, " \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

/* field - one field of the report, trimmed; "" when absent */

static const char *
field(GMimeMessage *m, const char *name, struct buf *b)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(m), name);

	buf_reset(b);
	buf_puts(b, v ? v : "");
	dmarc_trim(b);
	return (bstr(b));
}

/* arrival - Arrival-Date as UTC seconds; 0 when absent or unreadable */

static long long
arrival(GMimeMessage *m)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(m), "Arrival-Date");
	GDateTime *dt = v ? g_mime_utils_header_decode_date(v) : NULL;
	long long t = 0;

	if (dt) {
		t = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}
	return (t);
}

/* first_number - keep the first column as a number */

static int
first_number(void *ctx, int ncols, const char *const *cols)
{
	*(long long *) ctx = ncols > 0 && cols[0] ? atoll(cols[0]) : 0;
	return (0);
}

enum {
	F_TYPE, F_AUTH, F_IP, F_DOMAIN, F_MAILFROM, F_RCPTTO, F_DELIVERY,
	F_DKIMD, F_DKIMS, F_SPFDNS, F_N
};

static const char *const names[F_N] = {
	"Feedback-Type", "Auth-Failure", "Source-IP", "Reported-Domain",
	"Original-Mail-From", "Original-Rcpt-To", "Delivery-Result",
	"DKIM-Domain", "DKIM-Selector", "SPF-DNS",
};

/* store - insert one read report; duplicates are detected first */

static enum dmarc_begin
store(struct dmarc_db *db, const char *source, const struct failure_origin *o,
      struct buf *f, long long when, struct buf *err)
{
	long long found = 0, id = 0;
	struct db_param key[] = {TXT(o->reporter), TXT(o->message_id),
	TXT(bstr(&f[F_IP])), NUM(when)};
	struct db_param p[] = {NUM(0), TXT(source), NUM(time(NULL)), NUM(when),
		TXT(o->reporter), TXT(bstr(&f[F_TYPE])), TXT(bstr(&f[F_AUTH])),
		TXT(bstr(&f[F_IP])), TXT(bstr(&f[F_DOMAIN])),
		TXT(bstr(&f[F_MAILFROM])), TXT(bstr(&f[F_RCPTTO])),
		TXT(bstr(&f[F_DELIVERY])), TXT(bstr(&f[F_DKIMD])),
		TXT(bstr(&f[F_DKIMS])), TXT(bstr(&f[F_SPFDNS])), TXT(o->subject),
	TXT(o->message_id)};

	if (dmarc_db_sql(db, SQL_FIND, key, 4, first_number, &found, err) < 0)
		return (DB_ERROR);
	if (found)
		return (DB_DUPLICATE);
	if (dmarc_db_sql(db, SQL_NEXT, NULL, 0, first_number, &id, err) < 0)
		return (DB_ERROR);
	p[0].num = id;
	if (dmarc_db_sql(db, SQL_ADD, p, 17, NULL, NULL, err) < 0)
		return (DB_ERROR);
	return (DB_NEW);
}

/* dmarc_failure_import - read and store one failure report */

enum dmarc_begin
dmarc_failure_import(struct dmarc_db *db, const char *source,
		     const struct failure_origin *o, const char *data,
		     size_t len, struct buf *err)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
	struct buf f[F_N];
	char    ip[64];
	enum dmarc_begin rc = DB_ERROR;
	int     i;

	memset(f, 0, sizeof(f));
	if (m == NULL) {
		buf_printf(err, "the message/feedback-report part cannot be read");
	} else {
		for (i = 0; i < F_N; i++)
			(void) field(m, names[i], &f[i]);
		if (dmarc_parse_ip(bstr(&f[F_IP]), ip, sizeof(ip)) == 0) {
			buf_reset(&f[F_IP]);
			buf_puts(&f[F_IP], ip);
		}
		if (f[F_TYPE].len == 0)
			buf_printf(err, "the message/feedback-report part has no "
				   "Feedback-Type field: not a failure report");
		else if (dmarc_db_sql(db, "BEGIN", NULL, 0, NULL, NULL, err) == 0) {
			rc = store(db, source, o, f, arrival(m), err);
			(void) dmarc_db_sql(db, rc == DB_NEW ? "COMMIT" : "ROLLBACK",
					    NULL, 0, NULL, NULL, err);
		}
		g_object_unref(m);
	}
	for (i = 0; i < F_N; i++)
		buf_free(&f[i]);
	g_object_unref(parser);
	g_object_unref(s);
	return (rc);
}
