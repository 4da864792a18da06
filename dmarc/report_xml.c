/*++
/* NAME
/*	report_xml 3
/* SUMMARY
/*	streaming parser of DMARC aggregate reports
/* SYNOPSIS
/*	#include "report.h"
/*
/*	struct dmarc_xml *dmarc_xml_new(const struct dmarc_sink *sink);
/*	int	dmarc_xml_feed(struct dmarc_xml *x, const char *data,
/*			size_t len);
/*	int	dmarc_xml_finish(struct dmarc_xml *x);
/*	int	dmarc_xml_done(const struct dmarc_xml *x);
/*	const char *dmarc_xml_error(const struct dmarc_xml *x);
/*	const struct dmarc_report *dmarc_xml_report(const struct dmarc_xml *x);
/*	long	dmarc_xml_rows(const struct dmarc_xml *x);
/*	struct dmarc_xml *dmarc_xml_free(struct dmarc_xml *x);
/* DESCRIPTION
/*	Reads RFC 7489 (appendix C) and RFC 9990 aggregate reports with
/*	expat, one chunk at a time, and hands each record to the sink as
/*	soon as its </record> is read: memory use does not grow with the
/*	report. The metadata and published policy go to the sink first,
/*	at the first record (or at </feedback> for a report without one).
/*
/*	Elements are matched by local name, so the dmarc-2.0 namespace,
/*	the old dmarc.org namespace with prefixes, and none at all read
/*	the same. The <feedback> element may sit inside a wrapper (a bogus
/*	<xs:schema>); whatever follows </feedback> is ignored, including
/*	a wrapper left open. Unknown elements (<extensions>) are skipped.
/*	Words are folded to lower case and trimmed ("Pass", "pass ");
/*	numbers may have white space around them, timestamps a fraction.
/*	<identities> is read as <identifiers>. A record with no source_ip
/*	and a count of 0 says nothing and is skipped. A byte encoding other
/*	than expat's own (windows-1252) is mapped with iconv(3).
/*
/*	Entity expansion is off: a DOCTYPE or entity declaration refuses
/*	the report. Elements nest at most DEPTH_MAX deep, one text
/*	value holds at most TEXT_MAX bytes, and one markup token (a tag
/*	with its attributes, a comment, a processing instruction) is at
/*	most TOKEN_MAX bytes long: expat keeps an unfinished token in
/*	memory whole, so a longer one is refused rather than buffered.
/*
/*	dmarc_xml_feed() parses one more chunk; dmarc_xml_finish() says
/*	the input has ended. dmarc_xml_done() is true once </feedback>
/*	has been read: the caller may stop reading.
/* DIAGNOSTICS
/*	dmarc_xml_feed() and dmarc_xml_finish() return DMARC_XML_OK,
/*	DMARC_XML_REFUSED with the reason in dmarc_xml_error() (what was
/*	wrong and at which line), or the non-zero value a sink callback
/*	returned to stop the parse.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_nodes.h"
#include "report_xml.h"
#include "log.h"
#include "xalloc.h"

#define DEPTH_MAX	64		/* element nesting */
#define TEXT_MAX	(64 * 1024)	/* bytes of one text value */
#define TOKEN_MAX	(1024 * 1024)	/* bytes of one unfinished token */

struct dmarc_xml {
	XML_Parser xp;
	struct dmarc_sink sink;
	struct dmarc_report rep;
	struct dmarc_row row;
	const struct xml_node *stack[DEPTH_MAX];
	int     depth;			/* of stack */
	int     level;			/* of all open elements */
	int     skip;			/* open elements inside an unknown one */
	int     seen_feedback;
	struct buf text;		/* of the open leaf */
	struct dmarc_auth *auth;	/* the DKIM or SPF result being read */
	struct dmarc_reason *reason;	/* NULL: more than DMARC_REASON_MAX */
	int     report_sent;
	int     done;			/* </feedback> read */
	int     status;			/* DMARC_XML_OK, REFUSED or the sink's */
	long    rows;
	long long fed;			/* bytes given to expat */
	struct buf error;
};

/* refuse - stop the parse with a reason */

static void
refuse(struct dmarc_xml *x, const char *fmt,...)
{
	va_list ap;

	if (x->status != DMARC_XML_OK)
		return;
	x->status = DMARC_XML_REFUSED;
	buf_reset(&x->error);
	va_start(ap, fmt);
	buf_vprintf(&x->error, fmt, ap);
	va_end(ap);
	(void) XML_StopParser(x->xp, XML_FALSE);
}

/* stop_with - stop the parse with a sink's status */

static void
stop_with(struct dmarc_xml *x, int status)
{
	if (status == 0 || x->status != DMARC_XML_OK)
		return;
	x->status = status;
	(void) XML_StopParser(x->xp, XML_FALSE);
}

/* line - the current line of the input */

static int
line(struct dmarc_xml *x)
{
	return ((int) XML_GetCurrentLineNumber(x->xp));
}

/* report_check - metadata a report cannot do without */

static int
report_check(struct dmarc_xml *x)
{
	struct dmarc_report *r = &x->rep;

	if (r->report_id.len == 0)
		refuse(x, "report_metadata has no report_id: a re-import of the "
		       "report could not be told from a new one");
	else if (*dmarc_reporter(r) == 0)
		refuse(x, "report_metadata names no reporter: org_name and "
		       "email are both empty");
	else if (r->domain.len == 0)
		refuse(x, "policy_published has no domain: the report does not "
		       "say which domain it is about");
	else if (!r->has_begin || !r->has_end)
		refuse(x, "report_metadata has no date_range begin and end");
	else if (r->begin > r->end)
		refuse(x, "date_range begins (%lld) after it ends (%lld)",
		       (long long) r->begin, (long long) r->end);
	return (x->status == DMARC_XML_OK ? 0 : -1);
}

/* report_send - hand the metadata and policy to the sink, once */

static int
report_send(struct dmarc_xml *x)
{
	if (x->report_sent)
		return (0);
	x->report_sent = 1;
	if (report_check(x) < 0)
		return (-1);
	if (x->sink.report)
		stop_with(x, x->sink.report(x->sink.ctx, &x->rep));
	return (x->status == DMARC_XML_OK ? 0 : -1);
}

/* row_reset - forget the previous record, keep the memory */

static void
row_reset(struct dmarc_row *r, int lineno)
{
	size_t  i;

	r->line = lineno;
	r->source_ip[0] = 0;
	r->count = -1;
	buf_reset(&r->disposition);
	buf_reset(&r->dkim);
	buf_reset(&r->spf);
	for (i = 0; i < r->nreasons; i++) {
		buf_reset(&r->reasons[i].type);
		buf_reset(&r->reasons[i].comment);
	}
	r->nreasons = 0;
	buf_reset(&r->header_from);
	buf_reset(&r->envelope_from);
	buf_reset(&r->envelope_to);
	r->ndkim = r->nspf = 0;
}

/* auth_new - the next DKIM or SPF result of the row */

static struct dmarc_auth *
auth_new(struct dmarc_xml *x, struct dmarc_auth *v, size_t *n)
{
	struct dmarc_auth *a;

	if (*n >= DMARC_AUTH_MAX) {
		refuse(x, "record at line %d has more than %d DKIM or SPF "
		       "results", x->row.line, DMARC_AUTH_MAX);
		return (NULL);
	}
	a = v + (*n)++;
	buf_reset(&a->domain);
	buf_reset(&a->sel);
	buf_reset(&a->result);
	buf_reset(&a->human);
	return (a);
}

/* container_start - a known element that holds others */

static void
container_start(struct dmarc_xml *x, enum xml_id id)
{
	switch (id) {
	case N_RECORD:
		x->auth = NULL;
		x->reason = NULL;
		if (report_send(x) == 0)
			row_reset(&x->row, line(x));
		break;
	case N_ADKIM:
		x->auth = auth_new(x, x->row.dkims, &x->row.ndkim);
		break;
	case N_ASPF:
		x->auth = auth_new(x, x->row.spfs, &x->row.nspf);
		break;
	case N_REASON:
		x->reason = x->row.nreasons < DMARC_REASON_MAX ?
			&x->row.reasons[x->row.nreasons++] : NULL;
		break;
	default:
		break;
	}
}

/* row_end - check a record and hand it to the sink */

static void
row_end(struct dmarc_xml *x)
{
	struct dmarc_row *r = &x->row;

	if (r->count < 0) {
		refuse(x, "record at line %d has no count", r->line);
		return;
	}
	if (r->source_ip[0] == 0) {
		if (r->count == 0)
			return;			/* an empty record: nothing seen */
		refuse(x, "record at line %d counts %lld messages but has no "
		       "source_ip", r->line, (long long) r->count);
		return;
	}
	x->rows++;
	if (x->sink.row)
		stop_with(x, x->sink.row(x->sink.ctx, &x->rep, r));
}

/* container_end - a known element that holds others is closed */

static void
container_end(struct dmarc_xml *x, enum xml_id id)
{
	switch (id) {
	case N_RECORD:
		row_end(x);
		break;
	case N_FEEDBACK:
		if (report_send(x) == 0) {
			x->done = 1;
			(void) XML_StopParser(x->xp, XML_FALSE);
		}
		break;
	default:
		break;
	}
}

/* leaf_special - a value that is parsed, not just stored */

static void
leaf_special(struct dmarc_xml *x, const struct xml_node *n)
{
	const char *t = bstr(&x->text);
	int64_t v;

	switch (n->dest) {
	case D_BEGIN:
	case D_END:
		if (dmarc_parse_time(t, &v) < 0) {
			refuse(x, "date_range <%s> at line %d is not a timestamp: "
			       "\"%.60s\"", n->name, line(x), t);
		} else if (n->dest == D_BEGIN) {
			x->rep.begin = v;
			x->rep.has_begin = 1;
		} else {
			x->rep.end = v;
			x->rep.has_end = 1;
		}
		break;
	case D_PCT:
		if (x->text.len == 0)
			break;
		if (dmarc_parse_count(t, &v) < 0 || v > 100)
			refuse(x, "policy_published <pct> at line %d is not a "
			       "percentage: \"%.60s\"", line(x), t);
		else
			x->rep.pct = (int) v;
		break;
	case D_ERROR:
		if (x->rep.errors.len > 0)
			buf_puts(&x->rep.errors, "; ");
		buf_puts(&x->rep.errors, t);
		break;
	case D_IP:
		if (x->text.len == 0)
			break;			/* row_end() decides */
		if (dmarc_parse_ip(t, x->row.source_ip, sizeof(x->row.source_ip)) < 0)
			refuse(x, "<source_ip> at line %d is not an IP address: "
			       "\"%.60s\"", line(x), t);
		break;
	case D_COUNT:
		if (dmarc_parse_count(t, &x->row.count) < 0)
			refuse(x, "<count> at line %d is not a message count: "
			       "\"%.60s\"", line(x), t);
		break;
	default:
		break;
	}
}

/* leaf_end - a value is complete: fold it and store it */

static void
leaf_end(struct dmarc_xml *x, const struct xml_node *n)
{
	struct buf *dst;
	void   *base;

	if (n->fold == F_LOWER)
		dmarc_trim_lower(&x->text);
	else
		dmarc_trim(&x->text);
	switch (n->dest) {
	case D_REPORT:
		if (x->report_sent)
			return;
		base = &x->rep;
		break;
	case D_ROW:
		base = &x->row;
		break;
	case D_REASON:
		base = x->reason;
		break;
	case D_AUTH:
		base = x->auth;
		break;
	default:
		leaf_special(x, n);
		return;
	}
	if (base == NULL)
		return;
	dst = (struct buf *) ((char *) base + n->offset);
	buf_reset(dst);
	buf_append(dst, bstr(&x->text), x->text.len);
}

/* on_start - an element opens */

static void XMLCALL
on_start(void *ctx, const XML_Char *name, const XML_Char **attrs)
{
	struct dmarc_xml *x = ctx;
	const struct xml_node *n;
	const char *local = strrchr(name, '|');
	enum xml_id parent;

	local = local ? local + 1 : name;
	if (++x->level > DEPTH_MAX) {
		refuse(x, "elements nested more than %d deep at line %d",
		       DEPTH_MAX, line(x));
		return;
	}
	if (x->skip > 0) {
		x->skip++;
		return;
	}
	parent = x->depth > 0 ? x->stack[x->depth - 1]->id : N_TOP;
	if (parent == N_WRAPPER)
		parent = N_TOP;
	if ((n = xml_node_find(parent, local)) == NULL) {
		if (parent != N_TOP) {
			x->skip = 1;
			return;
		}
		n = &xml_wrapper_node;
	}
	if (n->id == N_FEEDBACK)
		x->seen_feedback = 1;
	x->stack[x->depth++] = n;
	if (n->id == N_LEAF)
		buf_reset(&x->text);
	else
		container_start(x, n->id);
}

/* on_end - an element closes */

static void XMLCALL
on_end(void *ctx, const XML_Char *name)
{
	struct dmarc_xml *x = ctx;
	const struct xml_node *n;

	x->level--;
	if (x->skip > 0) {
		x->skip--;
		return;
	}
	if (x->depth == 0)
		return;
	n = x->stack[--x->depth];
	if (n->id == N_LEAF)
		leaf_end(x, n);
	else
		container_end(x, n->id);
}

/* on_text - character data, kept only inside a known leaf */

static void XMLCALL
on_text(void *ctx, const XML_Char *s, int len)
{
	struct dmarc_xml *x = ctx;

	if (x->skip > 0 || x->depth == 0 || x->stack[x->depth - 1]->id != N_LEAF)
		return;
	if (x->text.len + (size_t) len > TEXT_MAX) {
		refuse(x, "<%s> at line %d holds more than %d bytes",
		       x->stack[x->depth - 1]->name, line(x), TEXT_MAX);
		return;
	}
	buf_append(&x->text, s, (size_t) len);
}

/* on_doctype - DTDs could declare entities: refuse them */

static void XMLCALL
on_doctype(void *ctx, const XML_Char *name, const XML_Char *sysid,
	   const XML_Char *pubid, int has_internal)
{
	refuse(ctx, "the report has a DOCTYPE declaration at line %d: refused, "
	       "since entity expansion is off (no real report has one)",
	       line(ctx));
}

/* on_entity - entity declarations are refused */

static void XMLCALL
on_entity(void *ctx, const XML_Char *name, int is_param,
	  const XML_Char *value, int value_len, const XML_Char *base,
	  const XML_Char *sysid, const XML_Char *pubid,
	  const XML_Char *notation)
{
	refuse(ctx, "the report declares an entity (%s) at line %d: refused, "
	       "since entity expansion is off", name, line(ctx));
}


/* dmarc_xml_new - a parser that feeds SINK */

struct dmarc_xml *
dmarc_xml_new(const struct dmarc_sink *sink)
{
	struct dmarc_xml *x = xcalloc(1, sizeof(*x));

	if ((x->xp = XML_ParserCreateNS(NULL, '|')) == NULL)
		log_fatal("expat: out of memory creating a parser");
	x->sink = *sink;
	x->rep.pct = -1;
	XML_SetUserData(x->xp, x);
	XML_SetElementHandler(x->xp, on_start, on_end);
	XML_SetCharacterDataHandler(x->xp, on_text);
	XML_SetStartDoctypeDeclHandler(x->xp, on_doctype);
	XML_SetEntityDeclHandler(x->xp, on_entity);
	XML_SetUnknownEncodingHandler(x->xp, dmarc_xml_encoding, NULL);
	(void) XML_SetParamEntityParsing(x->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	return (x);
}

/* xml_failed - describe an expat error where it happened */

static void
xml_failed(struct dmarc_xml *x, int final)
{
	enum XML_Error e = XML_GetErrorCode(x->xp);
	const char *in = x->depth > 0 ? x->stack[x->depth - 1]->name : NULL;

	if (final && x->depth > 0 && (e == XML_ERROR_NO_ELEMENTS
				      || e == XML_ERROR_UNCLOSED_TOKEN
				      || e == XML_ERROR_PARTIAL_CHAR)) {
		refuse(x, "truncated XML: the input ends at line %d inside "
		       "<%s>, before </feedback>", line(x), in);
		return;
	}
	refuse(x, "not well-formed XML at line %d, column %d%s%s%s: %s%s",
	       line(x), (int) XML_GetCurrentColumnNumber(x->xp) + 1,
	       in ? ", in <" : "", in ? in : "", in ? ">" : "",
	       XML_ErrorString(e), e == XML_ERROR_INVALID_TOKEN ?
	       " (an unescaped '<' or '&', or bytes that are not in the "
	       "declared encoding)" : "");
}

/* xml_parse - one call into expat */

static int
xml_parse(struct dmarc_xml *x, const char *data, size_t len, int final)
{
	if (x->done || x->status != DMARC_XML_OK)
		return (x->status);
	if (len > (size_t) INT_MAX / 2)
		log_panic("dmarc_xml_feed: chunk of %zu bytes", len);
	x->fed += (long long) len;
	if (XML_Parse(x->xp, data, (int) len, final) == XML_STATUS_ERROR
	    && !x->done && x->status == DMARC_XML_OK)
		xml_failed(x, final);
	else if (!final && !x->done && x->status == DMARC_XML_OK
		 && XML_GetCurrentByteIndex(x->xp) >= 0
		 && x->fed - (long long) XML_GetCurrentByteIndex(x->xp) > TOKEN_MAX)
		refuse(x, "a tag, comment or processing instruction that starts "
		       "at line %d is longer than %d bytes: refused, since no "
		       "real report has one", line(x), TOKEN_MAX);
	return (x->status);
}

/* dmarc_xml_feed - parse one more chunk */

int
dmarc_xml_feed(struct dmarc_xml *x, const char *data, size_t len)
{
	return (xml_parse(x, data, len, 0));
}

/* dmarc_xml_finish - the input has ended */

int
dmarc_xml_finish(struct dmarc_xml *x)
{
	if (xml_parse(x, "", 0, 1) != DMARC_XML_OK || x->done)
		return (x->status);
	if (!x->seen_feedback)
		refuse(x, "no <feedback> element: not a DMARC aggregate report");
	else
		refuse(x, "truncated XML: the input ends before </feedback>");
	return (x->status);
}

/* dmarc_xml_done - has </feedback> been read */

int
dmarc_xml_done(const struct dmarc_xml *x)
{
	return (x->done);
}

/* dmarc_xml_error - why the report was refused */

const char *
dmarc_xml_error(const struct dmarc_xml *x)
{
	return (bstr(&x->error));
}

/* dmarc_xml_report - the report's metadata and policy, as read so far */

const struct dmarc_report *
dmarc_xml_report(const struct dmarc_xml *x)
{
	return (&x->rep);
}

/* dmarc_xml_rows - records handed to the sink */

long
dmarc_xml_rows(const struct dmarc_xml *x)
{
	return (x->rows);
}

/* dmarc_xml_free - release the parser; returns NULL */

struct dmarc_xml *
dmarc_xml_free(struct dmarc_xml *x)
{
	if (x == NULL)
		return (NULL);
	XML_ParserFree(x->xp);
	dmarc_report_release(&x->rep);
	dmarc_row_release(&x->row);
	buf_free(&x->text);
	buf_free(&x->error);
	free(x);
	return (NULL);
}
