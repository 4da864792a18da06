/*++
/* NAME
/*	fuzz_unpack 1
/* SUMMARY
/*	libFuzzer target: gzip, zip and mail unpacking of DMARC imports
/* SYNOPSIS
/*	fuzz_unpack [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Sorts each input as "signet dmarc import" does (gzip, zip, XML,
/*	mbox, mail message, anything else refused), from memory, with a
/*	1 MiB limit on a decompressed document. Each report found is
/*	read to its end through the DMARC XML parser, as the importer
/*	does; failure reports and refusals are only looked at.
/* DIAGNOSTICS
/*	Aborts when a refusal or a report comes without a label.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "report.h"
#include "unpack.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* on_row - a report's row: nothing to do */

static int
on_row(void *ctx, const struct dmarc_report *r, const struct dmarc_row *row)
{
	return (0);
}

/* on_report - read the document through the parser, as the importer */

static void
on_report(void *ctx, const char *label, struct rd *r)
{
	struct dmarc_sink sink = {NULL, on_row, NULL};
	struct dmarc_xml *x;
	char    chunk[4096];
	ssize_t n;
	int     status = DMARC_XML_OK;

	if (label == NULL || *label == 0)
		abort();
	x = dmarc_xml_new(&sink);
	while (status == DMARC_XML_OK && (n = rd_read(r, chunk, sizeof(chunk))) > 0)
		status = dmarc_xml_feed(x, chunk, (size_t) n);
	if (status == DMARC_XML_OK)
		(void) dmarc_xml_finish(x);
	dmarc_xml_free(x);
	++*(int *) ctx;
}

/* on_failure - a failure report's fields */

static void
on_failure(void *ctx, const char *label, const struct failure_origin *o,
	   const char *fields, size_t len)
{
	if (label == NULL || (len > 0 && fields == NULL))
		abort();
	++*(int *) ctx;
}

/* on_refuse - an input without a report */

static void
on_refuse(void *ctx, const char *label, const char *why)
{
	if (label == NULL || why == NULL || *why == 0)
		abort();
	++*(int *) ctx;
}

/* LLVMFuzzerTestOneInput - sort one input from memory */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int     seen = 0;
	struct unpack_ops ops = {on_report, on_failure, on_refuse, &seen,
	(uint64_t) 1 << 20};
	struct rd *r = rd_mem(data, len);

	(void) unpack_rd(&ops, "fuzz", r, 0, 0);
	rd_close(r);
	return (0);
}
