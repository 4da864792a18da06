/*++
/* NAME
/*	dmarc_cli 3
/* SUMMARY
/*	options and store of the signet dmarc commands
/* SYNOPSIS
/*	#include "cli/dmarc_cli.h"
/*
/*	int	dmarc_cli_parse(struct dmarc_cli *o, int argc, char **argv,
/*			enum dmarc_cli_kind kind);
/*	struct dmarc_db *dmarc_cli_open(const struct dmarc_cli *o,
/*			struct buf *err);
/*	int	dmarc_cli_time(const char *text, long long *t);
/* DESCRIPTION
/*	dmarc_cli_parse() reads -c, --store and, for import, --max-size;
/*	for the report commands --domain, --since, --until and --format;
/*	for the cross-check (DMARC_CLI_XCHECK) also --rdns, --dns, --mx,
/*	--top N, --nameserver IP[@PORT] and --deadline SECONDS.
/*	o->first is the first operand.
/*
/*	dmarc_cli_open() opens the store: --store, else $SIGNET_STORE,
/*	else counters.store of the configuration.
/*
/*	dmarc_cli_time() reads a time as UTC: YYYY-MM-DD,
/*	YYYY-MM-DDTHH:MM:SS (a trailing Z is allowed) or Unix seconds.
/* DIAGNOSTICS
/*	dmarc_cli_parse() prints what is wrong and returns -1.
/*	dmarc_cli_open() returns NULL with the reason in err.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/dmarc_cli.h"
#include "diag.h"
#include "policy.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"

/* dmarc_cli_time - a UTC time from the command line */

int
dmarc_cli_time(const char *s, long long *t)
{
	struct tm tm;
	const char *end;
	char   *num_end;
	long long n;

	if (*s && strspn(s, "0123456789") == strlen(s)) {
		n = strtoll(s, &num_end, 10);
		*t = n;
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
			return (-1);
	}
	if (*end == 'Z')
		end++;
	if (*end != 0)
		return (-1);
	*t = (long long) timegm(&tm);
	return (0);
}

/* size_arg - BYTES with an optional k, M or G */

static int
size_arg(const char *s, uint64_t *out)
{
	char   *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s)
		return (-1);
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end != 0 || n == 0)
		return (-1);
	*out = n;
	return (0);
}

/* dmarc_cli_parse - the options of a dmarc command */

int
dmarc_cli_parse(struct dmarc_cli *o, int argc, char **argv,
		enum dmarc_cli_kind kind)
{
	static const struct option longopts[] = {
		{"store", required_argument, NULL, 's'},
		{"max-size", required_argument, NULL, 'm'},
		{"domain", required_argument, NULL, 'd'},
		{"since", required_argument, NULL, 'S'},
		{"until", required_argument, NULL, 'U'},
		{"format", required_argument, NULL, 'f'},
		{"rdns", no_argument, NULL, 'r'},
		{"dns", no_argument, NULL, 'D'},
		{"mx", no_argument, NULL, 'x'},
		{"top", required_argument, NULL, 't'},
		{"nameserver", required_argument, NULL, 'n'},
		{"deadline", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	int     ch;
	char   *end;
	long    n;

	memset(o, 0, sizeof(*o));
	o->until = DMARC_CLI_NO_END;
	o->top = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch > 0 && strchr("rDxtnl", ch) && kind != DMARC_CLI_XCHECK)
			return (-1);
		if ((kind == DMARC_CLI_IMPORT) != (ch == 'm') && ch != 'c' && ch != 's')
			return (-1);
		switch (ch) {
		case 'r': o->rdns = 1; break;
		case 'D': o->dns = 1; break;
		case 'x': o->mx = 1; break;
		case 'n': o->nameserver = optarg; break;
		case 't':
		case 'l':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end || n < 0 || n > 1000000
			    || (ch == 'l' && (n < 1 || n > 3600))) {
				fprintf(stderr, "%s %s: write %s\n", ch == 't' ?
					"--top" : "--deadline", optarg, ch == 't' ?
					"a number of sources (0: all)" :
					"seconds, from 1 to 3600");
				return (-1);
			}
			if (ch == 't')
				o->top = n;
			else
				o->deadline_ms = (int) n * 1000;
			break;
		case 'c': o->config = optarg; break;
		case 's': o->store = optarg; break;
		case 'd': o->domain = optarg; break;
		case 'f': o->format = optarg; break;
		case 'm':
			if (size_arg(optarg, &o->max_size) < 0) {
				fprintf(stderr, "--max-size %s: not a size; write "
					"bytes, or a number with k, M or G\n", optarg);
				return (-1);
			}
			break;
		case 'S':
		case 'U':
			if (dmarc_cli_time(optarg, ch == 'S' ? &o->since : &o->until) < 0) {
				fprintf(stderr, "%s %s: not a time; write YYYY-MM-DD, "
					"YYYY-MM-DDTHH:MM:SSZ (UTC) or Unix seconds\n",
					ch == 'S' ? "--since" : "--until", optarg);
				return (-1);
			}
			break;
		default:
			return (-1);
		}
	}
	o->first = optind;
	return (0);
}

/* dmarc_cli_open - the store the options name */

struct dmarc_db *
dmarc_cli_open(const struct dmarc_cli *o, struct buf *err)
{
	const char *spec = o->store, *path = o->config;
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	struct dmarc_db *db;

	if (spec == NULL || *spec == 0)
		spec = getenv("SIGNET_STORE");
	if (spec == NULL || *spec == 0) {
		if (path == NULL && (path = getenv("SIGNET_CONFIG")) == NULL)
			path = DEFAULT_CONFIG;
		if ((p = policy_load(path, &d)) == NULL) {
			buf_printf(err, "cannot read the configuration to find the "
				   "store; give --store, or fix it:\n%s", diag_text(&d));
			diag_free(&d);
			return (NULL);
		}
		if ((spec = p->counters.store) == NULL) {
			buf_printf(err, "%s has no counters section: give --store, or "
				   "add counters: {store: PATH}", path);
			policy_free(p);
			diag_free(&d);
			return (NULL);
		}
	}
	db = dmarc_db_open(spec, err);
	policy_free(p);
	diag_free(&d);
	return (db);
}
