/*++
/* NAME
/*	load_dmarc 3
/* SUMMARY
/*	read the "dmarc" section: the DMARC cross-check's settings
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_dmarc(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	load_dmarc() reads the top-level key "dmarc", a mapping used by
/*	signet dmarc report (the milter ignores it):
/* .IP egress
/*	The public addresses of the organisation's MTAs, the addresses
/*	receivers see its mail come from: a list of addresses or
/*	networks. Without it, the egress of the "check" section.
/* .IP window
/*	The period a report covers when --since is not given (default
/*	30d): a number of seconds, or a number with s, m, h, d or w.
/* .IP min_days
/*	The policy-step recommendation asks for reports on at least
/*	this many days at the policy now published (1 to 366; default
/*	14).
/* .IP min_aligned_pass
/*	... and at least this share of the legitimate mail passing
/*	DMARC aligned (0 to 1, or a percentage: 0.98, 98%; default
/*	0.98),
/* .IP max_unknown_legit_share
/*	... and at most this share of it from senders the policy does
/*	not know (default 0.01).
/* .IP reporters
/*	Receivers whose reports are compared with signet's counts of
/*	the recipient domains they receive for: a mapping from a name
/*	to reports (the org_name values of its reports) and recipients
/*	(recipient domains), and optionally mx: host name suffixes of
/*	its mail servers (mx.hoster.example matches mx1.mx.hoster.example),
/*	by which signet dmarc report --mx maps further recipient domains
/*	to it. A name that is built in (Google, Microsoft, Yahoo)
/*	replaces the built-in entry; its built-in MX suffixes stay.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: an address or network that
/*	does not parse or has host bits set; a window that is not a
/*	time; a number out of range; a reporter without reports, or
/*	without recipients or mx; a recipient or MX suffix that is not a
/*	domain name.
/*
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "load.h"

#define DMARC_MIN_DAYS_MAX	366

/* load_dm_window - "window" in "dmarc" */

static void
load_dm_window(struct loader *ld, const struct item *it)
{
	const char *s, *why;
	long    n;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((why = duration_parse(s, &n)) != NULL)
		ld_error(ld, it->val, "window \"%s\" %s %s", s, it->in, why);
	else if (n < 86400)
		ld_error(ld, it->val, "window \"%s\" %s is shorter than a day, "
			 "the period of most reports; write e.g. 30d", s, it->in);
	else
		ld->p->dmarc.window = n;
}

/* load_dm_min_days - "min_days" in "dmarc" */

static void
load_dm_min_days(struct loader *ld, const struct item *it)
{
	(void) ld_days(ld, it, DMARC_MIN_DAYS_MAX, 14, &ld->p->dmarc.min_days);
}

/* share_parse - 0.98 or 98%: a share from 0 to 1; -1 if not one */

static double
share_parse(const char *s)
{
	char   *end;
	double  v;

	if ((*s < '0' || *s > '9') && *s != '.')
		return (-1);
	v = strtod(s, &end);
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end != 0)
		return (-1);
	return (v >= 0 && v <= 1 ? v : -1);
}

/* load_share - a share setting */

static void
load_share(struct loader *ld, const struct item *it, double *out)
{
	const char *s;
	double  v;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((v = share_parse(s)) < 0) {
		ld_error(ld, it->val, "%s \"%s\" %s is not a share from 0 to 1; "
			 "write e.g. 0.98 or 98%%", it->key->value, s, it->in);
		return;
	}
	*out = v;
}

/* load_dm_min_pass - "min_aligned_pass" in "dmarc" */

static void
load_dm_min_pass(struct loader *ld, const struct item *it)
{
	load_share(ld, it, &ld->p->dmarc.min_aligned_pass);
}

/* load_dm_max_unknown - "max_unknown_legit_share" in "dmarc" */

static void
load_dm_max_unknown(struct loader *ld, const struct item *it)
{
	load_share(ld, it, &ld->p->dmarc.max_unknown_share);
}

/* load_names - a list of lower-case names into v, n */

static void
load_names(struct loader *ld, const struct item *it, char ***vp, size_t *np,
	   const char *domains)
{
	const char *s, *why;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	*vp = xreallocarray(*vp, *np + it->val->nkids + 1, sizeof(**vp));
	for (i = 0; i < it->val->nkids; i++) {
		if ((s = ld_entry(ld, it, it->val->kids[i])) == NULL)
			continue;
		if (domains && (why = dns_name_check(s, 2)) != NULL)
			ld_error(ld, it->val->kids[i], "%s \"%s\" %s is not a "
				 "domain name: %s; write e.g. %s", domains, s, it->in,
				 why, strcmp(domains, "recipient domain") == 0 ?
				 "gmail.com" : "google.com");
		else
			(*vp)[(*np)++] = lower_dup(s);
	}
}

/* load_rep_reports - "reports" of a reporter: the org names */

static void
load_rep_reports(struct loader *ld, const struct item *it)
{
	struct policy_dmarc_reporter *r = it->ctx;

	load_names(ld, it, &r->orgs, &r->norgs, NULL);
}

/* load_rep_recipients - "recipients" of a reporter */

static void
load_rep_recipients(struct loader *ld, const struct item *it)
{
	struct policy_dmarc_reporter *r = it->ctx;

	load_names(ld, it, &r->rcpt_domains, &r->nrcpt_domains,
		   "recipient domain");
}

/* load_rep_mx - "mx" of a reporter: its mail servers' name suffixes */

static void
load_rep_mx(struct loader *ld, const struct item *it)
{
	struct policy_dmarc_reporter *r = it->ctx;

	load_names(ld, it, &r->mx_suffixes, &r->nmx_suffixes, "MX suffix");
}

static const struct rule reporter_rules[] = {
	{"reports", load_rep_reports},
	{"recipients", load_rep_recipients},
	{"mx", load_rep_mx},
	{NULL, NULL},
};

/* load_reporter - one name and its settings under "reporters" */

static void
load_reporter(struct loader *ld, const struct yt_node *key,
	      const struct yt_node *val)
{
	struct policy_dmarc *dm = &ld->p->dmarc;
	struct policy_dmarc_reporter r;
	struct buf in = BUF_INIT;
	int     errors = ld->errors;
	size_t  i;

	if (key->type != YT_SCALAR || key->value[0] == 0) {
		if (key->type != YT_BAD)
			ld_error(ld, key, "a reporter name must be a single value, "
				 "not %s; write e.g. Google:", yt_kind(key));
		return;
	}
	for (i = 0; i < dm->nreporters; i++) {
		if (ascii_caseeq(dm->reporters[i].name, key->value)) {
			ld_error(ld, key, "reporter \"%s\" is given twice in "
				 "\"dmarc\"; merge the two", key->value);
			return;
		}
	}
	memset(&r, 0, sizeof(r));
	r.name = xstrdup(key->value);
	buf_printf(&in, "in reporter \"%s\"", r.name);
	if (val->type == YT_MAP)
		(void) walk_map(ld, val, in.data, reporter_rules, &r);
	else if (val->type != YT_BAD)
		ld_error(ld, val, "reporter \"%s\" in \"dmarc\" must be a mapping, "
			 "not %s; write reports: [ORG NAMES] and recipients: "
			 "[DOMAINS] under it", r.name, yt_kind(val));
	if (ld->errors == errors && (r.norgs == 0
				     || (r.nrcpt_domains == 0 && r.nmx_suffixes == 0)))
		ld_error(ld, key, "reporter \"%s\" in \"dmarc\" needs both reports "
			 "(the org_name of its reports, e.g. [google.com]) and "
			 "recipients (the domains it receives for, e.g. "
			 "[gmail.com]) or mx (its mail servers' names end in, "
			 "e.g. [google.com])", r.name);
	buf_free(&in);
	dm->reporters = xreallocarray(dm->reporters, dm->nreporters + 1,
				      sizeof(*dm->reporters));
	dm->reporters[dm->nreporters++] = r;
}

/* load_dm_reporters - "reporters" in "dmarc" */

static void
load_dm_reporters(struct loader *ld, const struct item *it)
{
	size_t  i;

	if (!ld_want(ld, it, YT_MAP))
		return;
	for (i = 0; i + 1 < it->val->nkids; i += 2)
		load_reporter(ld, it->val->kids[i], it->val->kids[i + 1]);
}

static const struct rule dmarc_rules[] = {
	{"window", load_dm_window},
	{"min_days", load_dm_min_days},
	{"min_aligned_pass", load_dm_min_pass},
	{"max_unknown_legit_share", load_dm_max_unknown},
	{"reporters", load_dm_reporters},
	{NULL, NULL},
};

/* load_dmarc - "dmarc": the DMARC cross-check's settings */

void
load_dmarc(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_MAP))
		return;
	(void) walk_map(ld, it->val, "in \"dmarc\"", dmarc_rules, NULL);
}
