/*++
/* NAME
/*	load_keys 3
/* SUMMARY
/*	read the "keys" section: key directory and rotation settings
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_keys(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	load_keys() reads the top-level key "keys", a mapping:
/* .IP directory
/*	Where "signet keys" keeps keys: DIRECTORY/DOMAIN/SELECTOR.key
/*	and, next to each, SELECTOR.state. An absolute path; default
/*	/etc/signet/keys (under the configured sysconfdir).
/* .IP require_published_key
/*	true: signet-milter signs only with selectors whose DNS record
/*	is published and matches the private key (checked at load and
/*	every check_interval, see keywatch(3)). Default false.
/* .IP overlap
/*	How long the old key stays published after its successor became
/*	active, a duration; default 7d.
/* .IP check_interval
/*	How often signet-milter reads the keys' state files again and
/*	checks their DNS records, a duration from 10s to 1d; default 1h.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a relative directory, a
/*	duration that does not parse or is out of range.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <string.h>

/* Application-specific. */

#include "load.h"

#define CHECK_INTERVAL_MIN	10L
#define CHECK_INTERVAL_MAX	86400L

/* load_directory - "directory" in "keys" */

static void
load_directory(struct loader *ld, const struct item *it)
{
	const char *s;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (*s != '/') {
		ld_error(ld, it->val, "directory \"%s\" in \"keys\" is not an "
			 "absolute path; write it from the root, e.g. "
			 "/etc/signet/keys", s);
		return;
	}
	ld_set(&ld->p->keys.directory, s);
}

/* load_require - "require_published_key" in "keys" */

static void
load_require(struct loader *ld, const struct item *it)
{
	(void) ld_bool(ld, it, &ld->p->keys.require_published);
}

/* load_duration - a duration within [lo, hi] seconds; 0 if reported */

static int
load_duration(struct loader *ld, const struct item *it, long lo, long hi,
	      long *out)
{
	const char *s;
	long    secs;

	if ((s = ld_string(ld, it)) == NULL)
		return (0);
	if (duration_parse(s, &secs) != NULL) {
		ld_error(ld, it->val, "%s \"%s\" is not a duration; write "
			 "seconds (3600) or a number with s, m, h, d or w (7d)",
			 it->key->value, s);
		return (0);
	}
	if (secs < lo || secs > hi) {
		ld_error(ld, it->val, "%s \"%s\" is out of range; write a "
			 "duration from %lds to %lds", it->key->value, s, lo, hi);
		return (0);
	}
	*out = secs;
	return (1);
}

/* load_overlap - "overlap" in "keys" */

static void
load_overlap(struct loader *ld, const struct item *it)
{
	(void) load_duration(ld, it, 0, 10 * 365 * 86400L,
			     &ld->p->keys.overlap);
}

/* load_interval - "check_interval" in "keys" */

static void
load_interval(struct loader *ld, const struct item *it)
{
	(void) load_duration(ld, it, CHECK_INTERVAL_MIN, CHECK_INTERVAL_MAX,
			     &ld->p->keys.check_interval);
}

static const struct rule keys_rules[] = {
	{"directory", load_directory},
	{"require_published_key", load_require},
	{"overlap", load_overlap},
	{"check_interval", load_interval},
	{NULL, NULL},
};

/* load_keys - "keys": key management */

void
load_keys(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_MAP))
		return;
	(void) walk_map(ld, it->val, "in \"keys\"", keys_rules, NULL);
}
