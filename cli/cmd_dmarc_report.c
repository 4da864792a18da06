/*++
/* NAME
/*	cmd_dmarc_report 1
/* SUMMARY
/*	signet dmarc report: the reports against what signet counted
/* SYNOPSIS
/*	signet dmarc report [-c config] [--store SPEC] [--domain D]
/*		[--since T] [--until T] [--format table|json|csv|html]
/* DESCRIPTION
/*	Reads the aggregate reports whose period begins in [--since,
/*	--until) (default: the dmarc: window of the configuration, 30
/*	days, up to now), classifies every source address (our egress,
/*	authorised third parties, forwarders, unknown passing, unknown
/*	failing), compares what receivers saw from our addresses with
/*	what signet-milter counted, raises the alarms, and recommends
/*	the next DMARC policy step per domain (dmarc/xcheck.c).
/*
/*	The configuration (-c, $SIGNET_CONFIG, /etc/signet/signet.yaml)
/*	gives the egress addresses, the senders and selectors, the
/*	thresholds and the reporter mapping; the store is --store,
/*	$SIGNET_STORE or its counters store.
/*
/*	--format: table (default), json (stable keys; see
/*	cli/xcheck_json.c), csv (one line per source) or html (one
/*	self-contained page with charts).
/* DIAGNOSTICS
/*	A warning when the configuration lists no egress address. Exit
/*	status 0; 1 when the configuration or the store cannot be
/*	read; 2 for wrong usage.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/dmarc_cli.h"
#include "cli/xcheck_print.h"
#include "diag.h"
#include "dmarc/xcheck.h"
#include "policy.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"

static const struct {
	const char *name;
	void    (*print) (FILE *, const struct xcheck *);
}       formats[] = {
	{"table", xcheck_print_table},
	{"json", xcheck_print_json},
	{"csv", xcheck_print_csv},
	{"html", xcheck_print_html},
};

#define NFORMATS	(sizeof(formats) / sizeof(formats[0]))

/* usage - how to call it */

static int
usage(void)
{
	fprintf(stderr, "usage: signet dmarc report [-c config] [--store SPEC] "
		"[--domain D] [--since T] [--until T] "
		"[--format table|json|csv|html]\n");
	return (2);
}

/* load_policy - the configuration, or NULL after saying why */

static struct policy *
load_policy(const char *path)
{
	struct diag d = DIAG_INIT;
	struct policy *p;

	if (path == NULL && (path = getenv("SIGNET_CONFIG")) == NULL)
		path = DEFAULT_CONFIG;
	if ((p = policy_load(path, &d)) == NULL)
		fprintf(stderr, "signet dmarc report: cannot read the configuration "
			"%s, which gives the egress addresses, senders and "
			"thresholds; fix it or give -c FILE:\n%s", path,
			diag_text(&d));
	diag_free(&d);
	return (p);
}

/* open_store - --store, $SIGNET_STORE or the configuration's */

static struct dmarc_db *
open_store(const char *spec, const struct policy *p)
{
	struct buf err = BUF_INIT;
	struct dmarc_db *db;

	if (spec == NULL || *spec == 0)
		spec = getenv("SIGNET_STORE");
	if (spec == NULL || *spec == 0)
		spec = p->counters.store;
	if (spec == NULL) {
		fprintf(stderr, "signet dmarc report: %s has no counters section: "
			"give --store, or add counters: {store: PATH}\n", p->path);
		return (NULL);
	}
	if ((db = dmarc_db_open(spec, &err)) == NULL)
		fprintf(stderr, "signet dmarc report: %s\n", err.data);
	buf_free(&err);
	return (db);
}

/* cmd_dmarc_report - the cross-check */

int
cmd_dmarc_report(int argc, char **argv)
{
	struct dmarc_cli o;
	struct policy *p;
	struct dmarc_db *db;
	struct xcheck *xc;
	struct buf err = BUF_INIT;
	size_t  f;
	int     rc = 1;

	if (dmarc_cli_parse(&o, argc, argv, DMARC_CLI_REPORT) < 0 || o.first < argc)
		return (usage());
	for (f = 0; f < NFORMATS && o.format; f++)
		if (strcmp(o.format, formats[f].name) == 0)
			break;
	if (o.format == NULL) {
		f = 0;
	} else if (f == NFORMATS) {
		fprintf(stderr, "signet dmarc report: unknown format \"%s\"\n",
			o.format);
		return (usage());
	}
	if ((p = load_policy(o.config)) == NULL)
		return (1);
	if (p->negress == 0)
		fprintf(stderr, "signet dmarc report: warning: %s lists no egress "
			"addresses, so no source counts as ours; add dmarc: "
			"egress: [the public addresses of your MTAs]\n", p->path);
	if (o.until == DMARC_CLI_NO_END)
		o.until = (long long) time(NULL);
	if (o.since == 0)
		o.since = o.until - p->dmarc.window;
	if ((db = open_store(o.store, p)) != NULL) {
		if ((xc = xcheck_run(db, p, (time_t) o.since, (time_t) o.until,
				     o.domain, &err)) == NULL) {
			fprintf(stderr, "signet dmarc report: %s\n", err.data);
		} else {
			formats[f].print(stdout, xc);
			rc = fflush(stdout) == 0 ? 0 : 1;
			xcheck_free(xc);
		}
		dmarc_db_close(db);
	}
	policy_free(p);
	buf_free(&err);
	return (rc);
}
