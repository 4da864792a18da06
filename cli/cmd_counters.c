/*++
/* NAME
/*	cmd_counters 3
/* SUMMARY
/*	signet counters: how many messages, by whom, when
/* SYNOPSIS
/*	signet counters [-c config] [--store SPEC] [--since T] [--until T]
/*		[--domain D] [--sender S] [--by KEY[,KEY...]]
/*		[--format table|json|csv]
/* DESCRIPTION
/*	Reads the counters store (while signet-milter writes to it) and
/*	prints the messages counted from --since up to, not including,
/*	--until (default: the last 24 hours, from the start of that
/*	hour), grouped by the keys of --by (default domain,sender,outcome):
/*	hour, day, domain (From), sender, rcpt-domain, outcome, selector,
/*	env-domain, sasl-login, client. --domain and --sender keep only
/*	that From domain or sender. Times are ISO 8601 (2026-11-22,
/*	2026-11-22T15:00, 2026-11-22T15:00:00+01:00, now), UTC unless an
/*	offset is given; rows are taken by the start of their hour (or
/*	day, for hours rolled up into days).
/*
/*	The store is --store, or $SIGNET_STORE, or the counters store of
/*	the configuration (-c, $SIGNET_CONFIG, /etc/signet/signet.yaml).
/* DIAGNOSTICS
/*	Exit status 0; 1 when the store cannot be read; 2 for wrong
/*	usage, with what was wrong.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "utctime.h"

/* Application-specific. */

#include "commands.h"
#include "counters_print.h"
#include "policy.h"
#include "store.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"

struct counters_opts {
	const char *config;
	const char *store;
	const char *domain;
	const char *sender;
	enum counters_format format;
	struct counters_result r;
};

/* usage - say how to run, exit 2 */

static void
usage(const char *why, const char *arg)
{
	if (why != NULL)
		fprintf(stderr, "signet counters: %s%s%s%s\n", why,
			arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	fprintf(stderr, "usage: signet counters [-c config] [--store SPEC] "
		"[--since T] [--until T]\n\t[--domain D] [--sender S] "
		"[--by hour|day|domain|sender|rcpt-domain|outcome|selector|"
		"env-domain|sasl-login|client[,...]]\n\t"
		"[--format table|json|csv]\n");
	exit(2);
}

/* parse_by - the keys of --by */

static void
parse_by(const char *arg, struct counters_result *r)
{
	char    copy[256], *w, *save = NULL;
	int     k;

	r->nkeys = 0;
	(void) snprintf(copy, sizeof(copy), "%s", arg);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if ((k = count_key_parse(w)) < 0)
			usage("unknown --by key", w);
		if (r->nkeys == COUNTERS_KEYS_MAX)
			usage("too many --by keys (at most 6)", NULL);
		r->keys[r->nkeys++] = (enum count_key) k;
	}
}

/* parse_time - an option's time, or exit 2 */

static time_t
parse_time(const char *opt, const char *arg)
{
	time_t  t;

	if (utc_parse(arg, &t) < 0) {
		fprintf(stderr, "signet counters: %s \"%s\" is not an ISO 8601 "
			"time; write 2026-11-22, 2026-11-22T15:00 or "
			"2026-11-22T15:00:00Z\n", opt, arg);
		exit(2);
	}
	return (t);
}

/* parse_format - table, json or csv */

static enum counters_format
parse_format(const char *arg)
{
	if (strcmp(arg, "table") == 0)
		return (FORMAT_TABLE);
	if (strcmp(arg, "json") == 0)
		return (FORMAT_JSON);
	if (strcmp(arg, "csv") == 0)
		return (FORMAT_CSV);
	usage("unknown --format", arg);
	return (FORMAT_TABLE);
}

/* parse_opts - the command line */

static void
parse_opts(int argc, char **argv, struct counters_opts *o)
{
	static const struct option longs[] = {
		{"store", required_argument, NULL, 's'},
		{"since", required_argument, NULL, 'S'},
		{"until", required_argument, NULL, 'U'},
		{"domain", required_argument, NULL, 'd'},
		{"sender", required_argument, NULL, 'n'},
		{"by", required_argument, NULL, 'b'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	time_t  now = time(NULL);
	int     ch;

	o->r.since = now - 86400 - (now - 86400) % 3600;
	o->r.until = now + 1;
	parse_by("domain,sender,outcome", &o->r);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longs, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 's': o->store = optarg; break;
		case 'S': o->r.since = parse_time("--since", optarg); break;
		case 'U': o->r.until = parse_time("--until", optarg); break;
		case 'd': o->domain = optarg; break;
		case 'n': o->sender = optarg; break;
		case 'b': parse_by(optarg, &o->r); break;
		case 'f': o->format = parse_format(optarg); break;
		default: usage(NULL, NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument", argv[optind]);
	if (o->r.until <= o->r.since)
		usage("--until must come after --since", NULL);
}

/* open_store - --store, $SIGNET_STORE, or the configuration's store */

static struct store *
open_store(const struct counters_opts *o, struct buf *err)
{
	const char *spec = o->store ? o->store : getenv("SIGNET_STORE");
	const char *path = o->config ? o->config : getenv("SIGNET_CONFIG");
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	struct store *s;

	if (spec == NULL || *spec == 0) {
		if (path == NULL || *path == 0)
			path = DEFAULT_CONFIG;
		if ((p = policy_load(path, &d)) == NULL) {
			buf_printf(err, "%s(give the store with --store)", diag_text(&d));
			diag_free(&d);
			return (NULL);
		}
		diag_free(&d);
		if ((spec = p->counters.store) == NULL) {
			buf_printf(err, "%s has no counters section: nothing is "
				   "counted; add one, or give --store", path);
			policy_free(p);
			return (NULL);
		}
	}
	s = store_open(spec, STORE_READ, err);
	policy_free(p);
	return (s);
}

/* cmd_counters - print the counts */

int
cmd_counters(int argc, char **argv)
{
	struct counters_opts o;
	struct count_filter f;
	struct buf err = BUF_INIT;
	struct store *s;
	int     rc;

	memset(&o, 0, sizeof(o));
	parse_opts(argc, argv, &o);
	if ((s = open_store(&o, &err)) == NULL) {
		fprintf(stderr, "signet counters: %s\n", err.data);
		buf_free(&err);
		return (1);
	}
	memset(&f, 0, sizeof(f));
	f.since = o.r.since;
	f.until = o.r.until;
	f.domain = o.domain;
	f.sender = o.sender;
	rc = store_query(s, &f, o.r.keys, o.r.nkeys, counters_collect, &o.r, &err);
	if (rc < 0)
		fprintf(stderr, "signet counters: %s\n", err.data);
	else
		counters_print(stdout, &o.r, o.format);
	counters_result_free(&o.r);
	store_close(s);
	buf_free(&err);
	return (rc < 0 ? 1 : 0);
}
