/*++
/* NAME
/*	cmd_check 1
/* SUMMARY
/*	signet check: audit a domain's SPF, DKIM and DMARC records
/* SYNOPSIS
/*	signet check DOMAIN [-c config] [--nameserver IP[@PORT]]
/*		[--directory DIR] [--format text|json] [--blocklists]
/*	signet check --blocklists [-c config] [--nameserver IP[@PORT]]
/*		[--format text|json]
/* DESCRIPTION
/*	check looks up the DNS records of DOMAIN as receivers do and
/*	reports each finding with a severity (ok, info, warning,
/*	critical) and, for problems, a sentence saying how to fix it:
/* .IP SPF
/*	one record, its syntax, how it ends, the DNS-querying terms
/*	(at most 10) and void lookups (at most 2) through every include
/*	and redirect, and whether the egress addresses (check: egress)
/*	and the networks of the domain's senders pass (spf_audit(3)).
/* .IP DKIM
/*	each selector of the domain, as signet keys check.
/* .IP DMARC
/*	the record's syntax and tags (RFC 7489, RFC 9989), p=none with
/*	the next step, rua, and the authorisation of report addresses in
/*	other domains (dmarc_audit(3)).
/* .PP
/*	--blocklists also looks up the egress addresses and the relays'
/*	addresses (the senders' single-address networks) in the DNS
/*	blocklists of check: blocklists (blocklist(3)); without DOMAIN,
/*	only that, for the relays of every domain.
/*
/*	--format json prints one object: {"domain", "severity",
/*	"findings": [{"severity", "area", "subject", "text", "fix"}]}, the
/*	findings in the order of the text output.
/* DIAGNOSTICS
/*	Exit status, for monitoring: 0 when the worst finding is ok or
/*	info, 1 a warning, 2 critical; 3 when the check could not run
/*	(wrong usage, a configuration that does not load, no resolver).
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
#include "finding.h"

/* Application-specific. */

#include "audit/audit.h"
#include "cli/commands.h"
#include "cli/keys_cli.h"
#include "load.h"

#define CHECK_UNKNOWN	3		/* the check could not run */

static const char usage[] = "signet check DOMAIN [-c config] "
	"[--nameserver IP[@PORT]] [--directory DIR] [--format text|json] "
	"[--blocklists]";

static const struct option check_options[] = {
	{"config", required_argument, NULL, 'c'},
	{"nameserver", required_argument, NULL, 'n'},
	{"directory", required_argument, NULL, 'D'},
	{"format", required_argument, NULL, 'f'},
	{"blocklists", no_argument, NULL, 'b'},
	{NULL, 0, NULL, 0},
};

struct check_opts {
	char   *domain;			/* NULL: --blocklists alone */
	const char *dir;
	const char *ns;
	int     json;
	int     blocklists;
};

/* check_args - options and operand; 0, or the exit status */

static int
check_args(int argc, char **argv, struct keys_cli *o, struct check_opts *c)
{
	const char *why;
	int     ch;

	memset(c, 0, sizeof(*c));
	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", check_options, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'n': c->ns = optarg; break;
		case 'D': c->dir = optarg; break;
		case 'b': c->blocklists = 1; break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				goto bad;
			c->json = strcmp(optarg, "json") == 0;
			break;
		default:
			goto bad;
		}
	}
	if (argc - optind > 1 || (argc == optind && !c->blocklists))
		goto bad;
	if (argc == optind)
		return (0);
	if ((why = dns_name_check(argv[optind], 2)) != NULL) {
		fprintf(stderr, "signet check: \"%s\" is not a domain name: %s\n",
			argv[optind], why);
		return (CHECK_UNKNOWN);
	}
	c->domain = lower_dup(argv[optind]);
	return (0);
bad:
	fprintf(stderr, "usage: %s\n", usage);
	return (CHECK_UNKNOWN);
}

/* check_dkim - each selector of the domain, as signet keys check */

static void
check_dkim(const struct keys_cli *o, struct dns *dns, const char *domain,
	   struct findings *f)
{
	struct keys_item *v;
	size_t  n, i;

	if (keys_cli_items(o, domain, &v, &n) < 0) {
		finding_add(f, SEV_WARN, "dkim", domain, "make the keys "
			    "directory readable, then check again", "cannot "
			    "list the keys of %s in %s", domain, o->dir);
		return;
	}
	if (n == 0)
		finding_add(f, SEV_INFO, "dkim", domain, NULL, "no selector of "
			    "%s in the policy or in %s: DKIM not checked (signet "
			    "keys generate makes a key)", domain, o->dir);
	for (i = 0; i < n; i++)
		(void) keys_check_one(o, dns, &v[i], f);
	keys_cli_items_free(v, n);
}

/* check_print - the findings as text, and a summary line */

static void
check_print(const struct findings *f, const char *domain)
{
	static const char *const labels[] = {"OK", "INFO", "WARNING", "CRITICAL"};
	int     count[SEV_CRIT + 1] = {0};
	enum severity worst = findings_worst(f, 0);
	size_t  i;

	for (i = 0; i < f->n; i++) {
		count[f->v[i].sev]++;
		printf("%-8s %-9s %s: %s\n", labels[f->v[i].sev], f->v[i].area,
		       f->v[i].subject, f->v[i].text);
		if (f->v[i].fix)
			printf("%-8s %-9s fix: %s\n", "", "", f->v[i].fix);
	}
	printf("%s: %s: %d critical, %d warning%s, %d info, %d ok\n",
	       domain ? domain : "blocklists", labels[worst], count[SEV_CRIT],
	       count[SEV_WARN], count[SEV_WARN] == 1 ? "" : "s",
	       count[SEV_INFO], count[SEV_OK]);
}

/* check_json - the findings as one JSON object */

static void
check_json(const struct findings *f, const char *domain)
{
	struct buf out = BUF_INIT;

	buf_puts(&out, "{\"domain\": ");
	json_string(&out, domain);
	buf_puts(&out, ", \"severity\": ");
	json_string(&out, severity_name(findings_worst(f, 0)));
	buf_puts(&out, ", \"findings\": ");
	findings_json(f, &out);
	printf("%s}\n", out.data);
	buf_free(&out);
}

/* check_run - every audit the options ask for */

static void
check_run(const struct keys_cli *o, const struct check_opts *c,
	  struct dns *dns, struct spf *spf, struct findings *f)
{
	struct audit a = {.domain = c->domain, .dns = dns, .spf = spf,
	.policy = o->policy, .f = f};
	struct audit_addr *addrs = NULL;
	size_t  naddrs = 0;

	if (c->domain != NULL) {
		audit_spf(&a);
		check_dkim(o, dns, c->domain, f);
		audit_dmarc(&a);
	}
	if (c->blocklists) {
		audit_blocklist_addrs(o->policy, c->domain, &addrs, &naddrs);
		audit_blocklists(&a, addrs, naddrs);
		free(addrs);
	}
}

/* check_blocklists_ok - --blocklists needs zones to ask */

static int
check_blocklists_ok(const struct keys_cli *o)
{
	if (o->policy != NULL && o->policy->check.nblocklists > 0)
		return (1);
	fprintf(stderr, "signet check: --blocklists: %s lists no blocklist; "
		"add check: {blocklists: [ZONE, ...], egress: [ADDRESS, ...]} "
		"to it\n", o->policy ? o->policy->path : "no configuration");
	return (0);
}

/* cmd_check - audit a domain; exit 0, 1, 2 (worst finding) or 3 */

int
cmd_check(int argc, char **argv)
{
	struct findings f = FINDINGS_INIT;
	struct policy_dns pdns;
	struct check_opts c;
	struct keys_cli o;
	struct dns *dns = NULL;
	struct spf *spf = NULL;
	enum severity worst;
	int     rc;

	if ((rc = check_args(argc, argv, &o, &c)) != 0)
		return (rc);
	if (keys_cli_setup(&o, c.dir, c.ns) != 0
	    || (c.blocklists && !check_blocklists_ok(&o))
	    || (dns = keys_cli_dns(&o)) == NULL) {
		free(c.domain);
		keys_cli_done(&o);
		return (CHECK_UNKNOWN);
	}
	pdns.nameserver = (char *) o.nameserver;
	pdns.timeout_ms = o.timeout_ms;
	spf = spf_create(&pdns, 0);
	check_run(&o, &c, dns, spf, &f);
	if (c.json)
		check_json(&f, c.domain);
	else
		check_print(&f, c.domain);
	worst = findings_worst(&f, 0);
	findings_free(&f);
	free(c.domain);
	spf_free(spf);
	dns_close(dns);
	keys_cli_done(&o);
	return (worst == SEV_CRIT ? 2 : worst == SEV_WARN ? 1 : 0);
}
