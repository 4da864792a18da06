/*++
/* NAME
/*	cmd_dmarc 1
/* SUMMARY
/*	signet dmarc import and signet dmarc failures
/* SYNOPSIS
/*	signet dmarc import [-c config] [--store SPEC] [--max-size BYTES]
/*		PATH... | -
/*	signet dmarc failures [-c config] [--store SPEC] [--domain D]
/*		[--since T] [--until T]
/* DESCRIPTION
/*	import reads DMARC aggregate reports (RFC 7489, RFC 9990) and
/*	failure reports (RFC 6591) from files (.xml, .xml.gz, .zip, mail
/*	messages, mbox files), folders (every file beneath; Maildir) and
/*	standard input ("-", so that a Postfix pipe transport can deliver
/*	the rua mailbox straight in), and stores them in the counters
/*	store. It prints one line per report: imported, duplicate (the
/*	same reporter and report id were imported before) or refused with
/*	the reason; then a summary. On a terminal, a progress line shows
/*	the rows of a long report as they are stored.
/*
/*	--max-size bounds what one document may inflate to (default
/*	1 GiB; suffixes k, M, G), and what all the documents of one
/*	file, archive or mail message inflate to together: beyond it,
/*	they are refused as a decompression bomb. It also bounds an
/*	archive or a mail message that arrives as a stream (standard
/*	input, gzip output), which is spooled to $TMPDIR. XML is parsed
/*	as it streams, whatever its size.
/*
/*	failures lists the stored failure reports, newest first.
/*
/*	The store is --store, or $SIGNET_STORE, or the counters store of
/*	the configuration (-c, $SIGNET_CONFIG, /etc/signet/signet.yaml).
/* DIAGNOSTICS
/*	import exits 0 when every input was imported or a duplicate, 1
/*	when anything was refused, 75 (EX_TEMPFAIL: a Postfix pipe
/*	transport tries again later) when the store could not be opened
/*	or failed while storing, 2 for wrong usage. failures exits 1 when
/*	the store cannot be read.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/dmarc_cli.h"
#include "dmarc/import.h"

/* cmd_dmarc_import - import reports from paths or standard input */

int
cmd_dmarc_import(int argc, char **argv)
{
	struct dmarc_cli o;
	struct dmarc_db *db;
	struct dmarc_import *im;
	const struct dmarc_totals *t;
	struct buf err = BUF_INIT;
	int     i, rc;

	if (dmarc_cli_parse(&o, argc, argv, DMARC_CLI_IMPORT) < 0
	    || o.first >= argc) {
		fprintf(stderr, "usage: signet dmarc import [-c config] [--store SPEC] "
			"[--max-size BYTES] PATH... | -\n");
		return (2);
	}
	if ((db = dmarc_cli_open(&o, &err)) == NULL) {
		fprintf(stderr, "signet dmarc import: %s\n", err.data);
		buf_free(&err);
		return (EX_TEMPFAIL);
	}
	im = dmarc_import_new(db, o.max_size, stdout, isatty(2));
	for (i = o.first; i < argc; i++)
		dmarc_import_path(im, argv[i]);
	t = dmarc_import_totals(im);
	printf("summary: %ld imported (%lld rows, %lld messages), %ld failure "
	       "report%s, %ld duplicate%s, %ld refused\n", t->imported, t->rows,
	       t->messages, t->failures, t->failures == 1 ? "" : "s",
	       t->duplicate, t->duplicate == 1 ? "" : "s", t->refused);
	rc = t->store_errors > 0 ? EX_TEMPFAIL : t->refused > 0 ? 1 : 0;
	dmarc_import_free(im);
	dmarc_db_close(db);
	buf_free(&err);
	return (rc);
}

/* print_failure - one stored failure report */

static int
print_failure(void *ctx, int n, const char *const *c)
{
	int    *count = ctx;
	time_t  t;
	struct tm tm;
	char    when[32];

	if (n < 9)
		return (0);
	t = (time_t) atoll(c[0] ? c[0] : "0");
	if (gmtime_r(&t, &tm) == NULL
	    || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		(void) snprintf(when, sizeof(when), "%s", c[0]);
	printf("%-20s  %-15s  %-24s  %s  from=%s  dkim=%s/%s  %s\n", when, c[1],
	       c[2], c[3], c[4], c[5], c[6], c[7]);
	(*count)++;
	return (0);
}

/* cmd_dmarc_failures - list the stored failure reports */

int
cmd_dmarc_failures(int argc, char **argv)
{
	struct dmarc_cli o;
	struct dmarc_db *db;
	struct buf err = BUF_INIT;
	int     count = 0, rc = 0;
	struct db_param p[] = {{NULL, 0}, {NULL, 0}, {"", 0}, {"", 0}};

	if (dmarc_cli_parse(&o, argc, argv, DMARC_CLI_REPORT) < 0 || o.first < argc) {
		fprintf(stderr, "usage: signet dmarc failures [-c config] [--store SPEC] "
			"[--domain D] [--since T] [--until T]\n");
		return (2);
	}
	if ((db = dmarc_cli_open(&o, &err)) == NULL) {
		fprintf(stderr, "signet dmarc failures: %s\n", err.data);
		buf_free(&err);
		return (1);
	}
	p[0].num = o.since;
	p[1].num = o.until;
	p[2].text = p[3].text = o.domain ? o.domain : "";
	printf("%-20s  %-15s  %-24s  %s\n", "arrival (UTC)", "source", "reporter",
	       "domain / failure");
	if (dmarc_db_sql(db, "SELECT arrival, source_ip, reporter, reported_domain || ' ' "
			 "|| auth_failure, original_mail_from, dkim_domain, "
			 "dkim_selector, delivery_result, id FROM dmarc_failure "
			 "WHERE arrival >= ? AND arrival < ? AND (? = '' OR "
			 "reported_domain = ?) ORDER BY arrival DESC, id DESC",
			 p, 4, print_failure, &count, &err) < 0) {
		fprintf(stderr, "signet dmarc failures: %s\n", err.data);
		rc = 1;
	}
	printf("%d failure report%s\n", count, count == 1 ? "" : "s");
	dmarc_db_close(db);
	buf_free(&err);
	return (rc);
}
