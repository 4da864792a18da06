#ifndef SIGNET_DMARC_REPORT_H
#define SIGNET_DMARC_REPORT_H

/* report - one DMARC aggregate report, as the XML parser hands it out */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define DMARC_AUTH_MAX	16		/* DKIM or SPF results in one row */
#define DMARC_REASON_MAX 8		/* policy override reasons in one row */

 /*
  * Report metadata and the published policy: complete when the first
  * row is handed out (they come before the records in every schema).
  * Strings are never NULL; "" when the report left them out.
  */
struct dmarc_report {
	struct buf version;		/* "1.0", "0.1" or "" */
	struct buf org_name;
	struct buf email;
	struct buf extra_contact;
	struct buf report_id;
	struct buf generator;		/* RFC 9990 */
	struct buf errors;		/* <error> elements, "; "-joined */
	int64_t begin;			/* UTC seconds */
	int64_t end;
	int     has_begin, has_end;
	/* policy_published */
	struct buf domain;		/* lower case */
	struct buf adkim, aspf, p, sp, np, fo, testing, discovery;
	int     pct;			/* -1: not given */
};

struct dmarc_auth {
	struct buf domain;
	struct buf sel;			/* DKIM selector or SPF scope */
	struct buf result;		/* lower case, as written */
	struct buf human;
};

struct dmarc_reason {
	struct buf type;
	struct buf comment;
};

struct dmarc_row {
	int     line;			/* of <record> in the XML */
	char    source_ip[46];		/* normalised text form */
	int64_t count;
	struct buf disposition, dkim, spf;	/* policy_evaluated, lower case */
	struct dmarc_reason reasons[DMARC_REASON_MAX];
	size_t  nreasons;
	struct buf header_from, envelope_from, envelope_to;
	struct dmarc_auth dkims[DMARC_AUTH_MAX];
	size_t  ndkim;
	struct dmarc_auth spfs[DMARC_AUTH_MAX];
	size_t  nspf;
};

 /*
  * What the parser calls. Each returns 0 to go on; anything else stops
  * the parse, and the value is returned by dmarc_xml_finish().
  */
struct dmarc_sink {
	int     (*report) (void *, const struct dmarc_report *);
	int     (*row) (void *, const struct dmarc_report *,
		                const struct dmarc_row *);
	void   *ctx;
};

/* Parser status: dmarc_xml_feed() and dmarc_xml_finish(). */
#define DMARC_XML_OK		0
#define DMARC_XML_REFUSED	(-1)	/* bad input: see dmarc_xml_error() */

struct dmarc_xml;

extern struct dmarc_xml *dmarc_xml_new(const struct dmarc_sink *);
extern int dmarc_xml_feed(struct dmarc_xml *, const char *, size_t);
extern int dmarc_xml_finish(struct dmarc_xml *);
extern int dmarc_xml_done(const struct dmarc_xml *);
extern const char *dmarc_xml_error(const struct dmarc_xml *);
extern const struct dmarc_report *dmarc_xml_report(const struct dmarc_xml *);
extern long dmarc_xml_rows(const struct dmarc_xml *);
extern struct dmarc_xml *dmarc_xml_free(struct dmarc_xml *);

/* bstr - a buffer's text, "" when it never held any */

static inline const char *
bstr(const struct buf *b)
{
	return (b->data ? b->data : "");
}

/* Field helpers: report_value.c. */

extern int dmarc_parse_time(const char *, int64_t *);
extern int dmarc_parse_count(const char *, int64_t *);
extern int dmarc_parse_ip(const char *, char *, size_t);
extern void dmarc_trim_lower(struct buf *);
extern void dmarc_trim(struct buf *);
extern const char *dmarc_reporter(const struct dmarc_report *);
extern void dmarc_report_release(struct dmarc_report *);
extern void dmarc_row_release(struct dmarc_row *);

#endif
