/*++
/* NAME
/*	cmd_dmarc_report 1
/* SUMMARY
/*	signet dmarc report: the reports against what signet counted
/* SYNOPSIS
/*	signet dmarc report [-c config] [--store SPEC] [--domain D]
/*		[--since T] [--until T] [--format table|json|csv|html]
/*		[--rdns] [--dns] [--mx] [--top N]
/*		[--nameserver IP[@PORT]] [--deadline SECONDS]
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
/*
/*	--top N: the table and the HTML page show the N largest sources
/*	of each class (default 20; 0: all) and a line with how many
/*	more there are and their messages; JSON and CSV always list
/*	every source.
/*
/*	On request, through signet's resolver (the dns: section of the
/*	configuration, or --nameserver), all in parallel; lookups not
/*	begun within --deadline seconds (default 30) are left out:
/* .IP --rdns
/*	the reverse DNS name of each source address, checked forward
/*	(its A or AAAA records must hold the address).
/* .IP --dns
/*	the DMARC record each domain publishes now, shown beside the
/*	policy the reports show, with signet check's warnings about it;
/*	the policy step starts from it, and says when it differs from
/*	the reports.
/* .IP --mx
/*	recipient domains that signet counted and the reporter mapping
/*	does not list are mapped to a reporter by their MX hosts
/*	(aspmx.l.google.com: Google; *.protection.outlook.com:
/*	Microsoft; *.yahoodns.net: Yahoo), so that a reporter's counted
/*	messages include the domains it hosts.
/* DIAGNOSTICS
/*	A warning when the configuration lists no egress address. Exit
/*	status 0; 1 when the configuration or the store cannot be
/*	read, or the resolver cannot be set up; 2 for wrong usage.
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
#include "dns.h"
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
		"[--format table|json|csv|html] [--rdns] [--dns] [--mx] "
		"[--top N] [--nameserver IP[@PORT]] [--deadline SECONDS]\n");
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

/* resolver - signet's resolver, when a lookup is asked for */

static int
resolver(const struct dmarc_cli *o, const struct policy *p,
	 struct xc_options *xo)
{
	struct buf err = BUF_INIT;
	const char *ns = o->nameserver ? o->nameserver : p->dns.nameserver;

	if (!o->rdns && !o->dns && !o->mx)
		return (0);
	if ((xo->dns = dns_open(ns, p->dns.timeout_ms, &err)) == NULL) {
		fprintf(stderr, "signet dmarc report: cannot set up the resolver "
			"for --rdns, --dns or --mx: %s\n", err.data);
		buf_free(&err);
		return (-1);
	}
	return (0);
}

/* cmd_dmarc_report - the cross-check */

int
cmd_dmarc_report(int argc, char **argv)
{
	struct dmarc_cli o;
	struct policy *p;
	struct dmarc_db *db;
	struct xcheck *xc;
	struct xc_options xo;
	struct buf err = BUF_INIT;
	size_t  f;
	int     rc = 1;

	if (dmarc_cli_parse(&o, argc, argv, DMARC_CLI_XCHECK) < 0 || o.first < argc)
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
	memset(&xo, 0, sizeof(xo));
	xo.domain = o.domain;
	xo.rdns = o.rdns;
	xo.dns_policy = o.dns;
	xo.mx = o.mx;
	xo.deadline_ms = o.deadline_ms;
	xo.top = o.top < 0 ? 20 : o.top;
	if (resolver(&o, p, &xo) < 0) {
		policy_free(p);
		return (1);
	}
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
				     &xo, &err)) == NULL) {
			fprintf(stderr, "signet dmarc report: %s\n", err.data);
		} else {
			formats[f].print(stdout, xc);
			rc = fflush(stdout) == 0 ? 0 : 1;
			xcheck_free(xc);
		}
		dmarc_db_close(db);
	}
	if (xo.dns)
		dns_close(xo.dns);
	policy_free(p);
	buf_free(&err);
	return (rc);
}
