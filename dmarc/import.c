/*++
/* NAME
/*	import 3
/* SUMMARY
/*	import DMARC reports into the counters store
/* SYNOPSIS
/*	#include "import.h"
/*
/*	struct dmarc_import *dmarc_import_new(struct dmarc_db *db,
/*			uint64_t max_bytes, FILE *out, int progress);
/*	void	dmarc_import_path(struct dmarc_import *im, const char *path);
/*	const struct dmarc_totals *dmarc_import_totals(
/*			const struct dmarc_import *im);
/*	struct dmarc_import *dmarc_import_free(struct dmarc_import *im);
/* DESCRIPTION
/*	dmarc_import_path() finds every report in PATH (a file, a folder,
/*	or "-"; see unpack(3)), parses each as it is read and stores its
/*	rows as they come, one transaction per report: a report that turns
/*	out bad half way leaves nothing behind. A report already in the
/*	store (same reporter, same report id) is a duplicate and changes
/*	nothing.
/*
/*	One line per report goes to OUT:
/*
/*	imported: LABEL: REPORTER report ID for DOMAIN, BEGIN..END UTC,
/*		N rows, M messages
/*	duplicate: LABEL: REPORTER report ID was imported before
/*	refused: LABEL: REASON
/*
/*	With PROGRESS, a line on standard error shows how many rows of the
/*	current report are stored, rewritten twice a second.
/* DIAGNOSTICS
/*	The counts of each outcome are kept in the totals. A store error
/*	refuses the report with the store's message, and is counted in
/*	store_errors as well.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "failure.h"
#include "import.h"
#include "report.h"
#include "unpack.h"
#include "xalloc.h"

#define CHUNK		(256 * 1024)
#define STOP_DUP	1		/* sink status: a duplicate */
#define STOP_DB		2		/* sink status: the store failed */

struct dmarc_import {
	struct dmarc_db *db;
	struct unpack_ops ops;
	FILE   *out;
	int     progress;
	struct dmarc_totals t;
	const char *label;		/* the report being read */
	struct buf err;			/* store errors */
	long long rows, messages;
	struct timespec shown;		/* of the last progress line */
	int     shown_any;
	char   *chunk;
	uint64_t inflated;		/* decompression budget spent */
};

/* utc_day - YYYY-MM-DD of a UTC time */

static const char *
utc_day(int64_t t, char *buf, size_t len)
{
	time_t  tt = (time_t) t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		(void) snprintf(buf, len, "%lld", (long long) t);
	return (buf);
}

/* show_progress - the rows stored so far, on a terminal */

static void
show_progress(struct dmarc_import *im, int last)
{
	struct timespec now;

	if (!im->progress)
		return;
	if (last) {
		if (im->shown_any)
			fputs("\r\033[K", stderr);
		im->shown_any = 0;
		return;
	}
	(void) clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec * 1000 + now.tv_nsec / 1000000 < im->shown.tv_sec * 1000
	    + im->shown.tv_nsec / 1000000 + 500)
		return;
	im->shown = now;
	im->shown_any = 1;
	fprintf(stderr, "\r\033[K%.60s: %lld rows", im->label, im->rows);
}

/* on_report_meta - the sink's report callback: begin the transaction */

static int
on_report_meta(void *ctx, const struct dmarc_report *r)
{
	struct dmarc_import *im = ctx;

	switch (dmarc_db_begin(im->db, r, im->label, &im->err)) {
	case DB_NEW:
		return (0);
	case DB_DUPLICATE:
		return (STOP_DUP);
	default:
		return (STOP_DB);
	}
}

/* on_row - the sink's row callback: store the row */

static int
on_row(void *ctx, const struct dmarc_report *r, const struct dmarc_row *row)
{
	struct dmarc_import *im = ctx;

	if (dmarc_db_row(im->db, row, &im->err) < 0)
		return (STOP_DB);
	im->rows++;
	im->messages += row->count;
	if ((im->rows & 4095) == 0)
		show_progress(im, 0);
	return (0);
}

/* on_refuse - an input without a report, or a report refused */

static void
on_refuse(void *ctx, const char *label, const char *why)
{
	struct dmarc_import *im = ctx;

	show_progress(im, 1);
	fprintf(im->out, "refused: %s: %s\n", label, why);
	im->t.refused++;
}

/* report_done - say what became of one report */

static void
report_done(struct dmarc_import *im, struct dmarc_xml *x,
	    const struct dmarc_report *r, int status)
{
	char    b[32], e[32];

	if (status == DMARC_XML_OK && dmarc_db_commit(im->db, &im->err) < 0)
		status = STOP_DB;
	show_progress(im, 1);
	if (status == DMARC_XML_OK) {
		fprintf(im->out, "imported: %s: %s report %s for %s, %s..%s UTC, "
			"%lld rows, %lld messages\n", im->label, dmarc_reporter(r),
			bstr(&r->report_id), bstr(&r->domain),
			utc_day(r->begin, b, sizeof(b)), utc_day(r->end, e, sizeof(e)),
			im->rows, im->messages);
		im->t.imported++;
		im->t.rows += im->rows;
		im->t.messages += im->messages;
	} else if (status == STOP_DUP) {
		fprintf(im->out, "duplicate: %s: %s report %s was imported before\n",
			im->label, dmarc_reporter(r), bstr(&r->report_id));
		im->t.duplicate++;
	} else {
		dmarc_db_rollback(im->db);
		if (status == STOP_DB)
			im->t.store_errors++;
		on_refuse(im, im->label, status == STOP_DB ? bstr(&im->err) :
			  dmarc_xml_error(x));
	}
}

/* on_report - parse one XML document as it is read, storing its rows */

static void
on_report(void *ctx, const char *label, struct rd *r)
{
	struct dmarc_import *im = ctx;
	struct dmarc_sink sink = {on_report_meta, on_row, im};
	const struct dmarc_report *rep = NULL;
	struct dmarc_xml *x;
	ssize_t n = 0;
	int     status = DMARC_XML_OK;

	im->label = label;
	im->rows = im->messages = 0;
	buf_reset(&im->err);
	x = dmarc_xml_new(&sink);
	while (status == DMARC_XML_OK && !dmarc_xml_done(x)
	       && (n = rd_read(r, im->chunk, CHUNK)) > 0)
		status = dmarc_xml_feed(x, im->chunk, (size_t) n);
	if (n < 0) {
		dmarc_db_rollback(im->db);
		on_refuse(im, label, rd_error(r));
	} else {
		if (status == DMARC_XML_OK)
			status = dmarc_xml_finish(x);
		rep = dmarc_xml_report(x);
		report_done(im, x, rep, status);
	}
	dmarc_xml_free(x);
}

/* on_failure - a failure report: store it */

static void
on_failure(void *ctx, const char *label, const struct failure_origin *o,
	   const char *data, size_t len)
{
	struct dmarc_import *im = ctx;

	show_progress(im, 1);
	switch (dmarc_failure_import(im->db, label, o, data, len, &im->err)) {
	case DB_NEW:
		fprintf(im->out, "imported: %s: failure report\n", label);
		im->t.failures++;
		break;
	case DB_DUPLICATE:
		fprintf(im->out, "duplicate: %s: failure report imported before\n",
			label);
		im->t.duplicate++;
		break;
	default:
		on_refuse(im, label, bstr(&im->err));
		break;
	}
	buf_reset(&im->err);
}

/* dmarc_import_new - an importer into DB */

struct dmarc_import *
dmarc_import_new(struct dmarc_db *db, uint64_t max_bytes, FILE *out,
		 int progress)
{
	struct dmarc_import *im = xcalloc(1, sizeof(*im));

	im->db = db;
	im->out = out;
	im->progress = progress;
	im->chunk = xmalloc(CHUNK);
	im->ops.report = on_report;
	im->ops.failure = on_failure;
	im->ops.refuse = on_refuse;
	im->ops.ctx = im;
	im->ops.max_bytes = max_bytes ? max_bytes : UNPACK_MAX_BYTES;
	im->ops.inflated = &im->inflated;
	return (im);
}

/* dmarc_import_path - every report in a file, folder or "-" */

void
dmarc_import_path(struct dmarc_import *im, const char *path)
{
	unpack_path(&im->ops, path);
	(void) fflush(im->out);
}

/* dmarc_import_totals - what happened so far */

const struct dmarc_totals *
dmarc_import_totals(const struct dmarc_import *im)
{
	return (&im->t);
}

/* dmarc_import_free - release the importer; returns NULL */

struct dmarc_import *
dmarc_import_free(struct dmarc_import *im)
{
	if (im == NULL)
		return (NULL);
	unpack_done();
	buf_free(&im->err);
	free(im->chunk);
	free(im);
	return (NULL);
}
