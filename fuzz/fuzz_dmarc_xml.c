/*++
/* NAME
/*	fuzz_dmarc_xml 1
/* SUMMARY
/*	libFuzzer target: the DMARC aggregate report parser
/* SYNOPSIS
/*	fuzz_dmarc_xml [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Parses each input as a DMARC aggregate report with a sink that
/*	only looks at what it is handed, twice: in one piece and in
/*	chunks whose sizes come from the input. Both parses must reach
/*	the same status and the same number of rows.
/* DIAGNOSTICS
/*	Aborts when the two parses disagree.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* on_report - touch the metadata */

static int
on_report(void *ctx, const struct dmarc_report *r)
{
	*(size_t *) ctx += strlen(bstr(&r->org_name)) + strlen(bstr(&r->domain));
	return (0);
}

/* on_row - touch the row */

static int
on_row(void *ctx, const struct dmarc_report *r, const struct dmarc_row *row)
{
	size_t  i;

	*(size_t *) ctx += strlen(row->source_ip) + strlen(bstr(&row->header_from));
	for (i = 0; i < row->ndkim; i++)
		*(size_t *) ctx += strlen(bstr(&row->dkims[i].domain));
	return (0);
}

/* parse - one parse in chunks of STEP bytes (0: one piece) */

static int
parse(const uint8_t *data, size_t len, size_t step, long *rows)
{
	size_t  seen = 0, off = 0, n;
	struct dmarc_sink sink = {on_report, on_row, &seen};
	struct dmarc_xml *x = dmarc_xml_new(&sink);
	int     status = DMARC_XML_OK;

	while (off < len && status == DMARC_XML_OK && !dmarc_xml_done(x)) {
		n = step && step < len - off ? step : len - off;
		status = dmarc_xml_feed(x, (const char *) data + off, n);
		off += n;
	}
	if (status == DMARC_XML_OK)
		status = dmarc_xml_finish(x);
	if (status != DMARC_XML_OK && *dmarc_xml_error(x) == 0)
		abort();			/* refused without a reason */
	*rows = dmarc_xml_rows(x);
	dmarc_xml_free(x);
	return (status);
}

/* LLVMFuzzerTestOneInput - whole and chunked parses agree */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	long    rows1, rows2;
	int     st1, st2;
	size_t  step = len ? data[len - 1] % 97 + 1 : 1;

	st1 = parse(data, len, 0, &rows1);
	st2 = parse(data, len, step, &rows2);
	if (st1 != st2 || rows1 != rows2) {
		fprintf(stderr, "fuzz_dmarc_xml: one piece: status %d, %ld rows; "
			"in %zu-byte chunks: status %d, %ld rows\n",
			st1, rows1, step, st2, rows2);
		abort();
	}
	return (0);
}
