/*++
/* NAME
/*	load_counters 3
/* SUMMARY
/*	read the counters and metrics sections of the configuration
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_counters(struct loader *ld, const struct item *it)
/*
/*	void	load_metrics(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	load_counters() is the rule for the top-level key "counters":
/*
/*	store: where the counts go: the absolute path of an SQLite file,
/*	or a postgresql:// (postgres://) URI. Default, when the section
/*	is given: /var/lib/signet/counters.db. Without the section,
/*	nothing is counted.
/*
/*	retention: {hourly_days: N, daily_days: M}: hourly rows older
/*	than N days (1 to 3660; default 35) are rolled up into daily
/*	rows; rows older than M days (N to 36600) are deleted. Without
/*	daily_days, days are kept forever: a day is a few rows per
/*	sender and outcome, and the counts of past years are what a
/*	DMARC cross-check or a year-on-year comparison needs.
/*
/*	synchronous: normal (default) or full: for an SQLite store,
/*	whether a commit waits for the disk (full: it survives a power
/*	loss; normal: it survives signet-milter's death, and the disk
/*	is synced at checkpoints). A PostgreSQL store commits as its
/*	server's synchronous_commit says.
/*
/*	on_error: what a message gets when its count cannot be
/*	committed: tempfail (default), reject or accept.
/*
/*	load_metrics() is the rule for "metrics": listen: ADDRESS:PORT
/*	(IPv6 in brackets) of the Prometheus HTTP listener; null or
/*	absent: none.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a store that is neither an
/*	absolute path nor a PostgreSQL URI, a retention out of range or
/*	daily_days below hourly_days, an unknown action or synchronous
/*	mode, a listen address without a valid port or
/*	address.
/*
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "load.h"

#define HOURLY_DAYS_MAX	3660
#define DAILY_DAYS_MAX	36600

/* load_store - "store" in "counters" */

static void
load_store(struct loader *ld, const struct item *it)
{
	const char *s;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (*s != '/' && strncmp(s, "postgresql://", 13) != 0
	    && strncmp(s, "postgres://", 11) != 0) {
		ld_error(ld, it->val, "store \"%s\" is neither an absolute path nor "
			 "a PostgreSQL URI; write /var/lib/signet/counters.db "
			 "or postgresql://USER@HOST/DATABASE", s);
		return;
	}
	ld_set(&ld->p->counters.store, s);
}

/* load_hourly_days - "hourly_days" in "retention" */

static void
load_hourly_days(struct loader *ld, const struct item *it)
{
	(void) ld_days(ld, it, HOURLY_DAYS_MAX, 35, &ld->p->counters.hourly_days);
}

/* load_daily_days - "daily_days" in "retention" */

static void
load_daily_days(struct loader *ld, const struct item *it)
{
	(void) ld_days(ld, it, DAILY_DAYS_MAX, 400, &ld->p->counters.daily_days);
}

static const struct rule retention_rules[] = {
	{"hourly_days", load_hourly_days},
	{"daily_days", load_daily_days},
	{NULL, NULL},
};

/* load_retention - "retention" in "counters" */

static void
load_retention(struct loader *ld, const struct item *it)
{
	const struct policy_counters *c = &ld->p->counters;

	if (!ld_want(ld, it, YT_MAP))
		return;
	(void) walk_map(ld, it->val, "in \"retention\"", retention_rules, NULL);
	if (c->daily_days != 0 && c->daily_days < c->hourly_days)
		ld_error(ld, it->val, "daily_days %d in \"retention\" is less than "
			 "hourly_days %d: hours are rolled up into days before "
			 "days are deleted; write a daily_days of at least %d, "
			 "or none to keep days forever", c->daily_days,
			 c->hourly_days, c->hourly_days);
}

/* load_synchronous - "synchronous" in "counters" */

static void
load_synchronous(struct loader *ld, const struct item *it)
{
	const char *s;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (ascii_caseeq(s, "normal"))
		ld->p->counters.sync_full = 0;
	else if (ascii_caseeq(s, "full"))
		ld->p->counters.sync_full = 1;
	else
		ld_error(ld, it->val, "unknown mode \"%s\" for %s; write normal "
			 "(commits survive a crash of signet-milter) or full "
			 "(they survive a power loss too, at a cost per message)",
			 s, it->what);
}

/* load_on_error - "on_error" in "counters" */

static void
load_on_error(struct loader *ld, const struct item *it)
{
	static const char *const names[] = {"accept", "reject", "tempfail"};
	static const enum action codes[] = {
		ACTION_ACCEPT, ACTION_REJECT, ACTION_TEMPFAIL,
	};
	const char *s;
	int     i;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	for (i = 0; i < 3; i++) {
		if (ascii_caseeq(s, names[i])) {
			ld->p->counters.on_error = codes[i];
			return;
		}
	}
	ld_error(ld, it->val, "unknown action \"%s\" for %s; write tempfail, "
		 "reject or accept", s, it->what);
}

static const struct rule counters_rules[] = {
	{"store", load_store},
	{"retention", load_retention},
	{"synchronous", load_synchronous},
	{"on_error", load_on_error},
	{NULL, NULL},
};

/* load_counters - "counters": where and how messages are counted */

void
load_counters(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_MAP))
		return;
	ld_set(&ld->p->counters.store, POLICY_COUNTERS_STORE);
	(void) walk_map(ld, it->val, "in \"counters\"", counters_rules, NULL);
}

/* listen_check - why s is not ADDRESS:PORT, or NULL */

static const char *
listen_check(const char *s)
{
	unsigned char addr[16];
	const char *colon = strrchr(s, ':');
	char   *host, *end;
	long    port;
	int     ok;

	if (colon == NULL)
		return ("has no :PORT");
	port = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != 0 || port < 1 || port > 65535)
		return ("has a port that is not a number from 1 to 65535");
	if (*s == '[' && colon > s + 1 && colon[-1] == ']') {
		host = xstrndup(s + 1, (size_t) (colon - s - 2));
		ok = inet_pton(AF_INET6, host, addr) == 1;
	} else {
		host = xstrndup(s, (size_t) (colon - s));
		ok = inet_pton(AF_INET, host, addr) == 1;
	}
	free(host);
	return (ok ? NULL : "has no IPv4 address, or IPv6 address in brackets, "
		"before the port");
}

/* load_listen - "listen" in "metrics" */

static void
load_listen(struct loader *ld, const struct item *it)
{
	const char *s;
	const char *why;

	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && (why = listen_check(s)) != NULL) {
		ld_error(ld, it->val, "listen \"%s\" %s; write ADDRESS:PORT, e.g. "
			 "127.0.0.1:9187 or [::1]:9187", s, why);
		return;
	}
	ld_set(&ld->p->metrics.listen, s);
}

static const struct rule metrics_rules[] = {
	{"listen", load_listen},
	{NULL, NULL},
};

/* load_metrics - "metrics": the Prometheus listener */

void
load_metrics(struct loader *ld, const struct item *it)
{
	if (ld_want(ld, it, YT_MAP))
		(void) walk_map(ld, it->val, "in \"metrics\"", metrics_rules, NULL);
}
