/*++
/* NAME
/*	orgdomain 3
/* SUMMARY
/*	organisational domains and public suffixes, with libpsl
/* SYNOPSIS
/*	#include "audit/audit.h"
/*
/*	char	*audit_org_domain(const char *name)
/*
/*	int	audit_public_suffix(const char *name)
/* DESCRIPTION
/*	audit_org_domain() returns (to be freed) the organisational
/*	domain of a name, in lower case: the registrable domain of the
/*	Public Suffix List ("example.co.uk" for "mail.example.co.uk"), or
/*	the name itself when the list has none.
/*
/*	audit_public_suffix() tells whether a name is a public suffix
/*	("co.uk", "com").
/*
/*	The list is the system's (/usr/share/publicsuffix, the Debian
/*	package publicsuffix, read once), else the one built into libpsl.
/* DIAGNOSTICS
/*	None: without a usable list, a name is its own organisational
/*	domain and no name is a public suffix.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <pthread.h>
#include <libpsl.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

/* org_psl_open - the system's list, else the built-in one */

static void
org_psl_open(void)
{
	if ((psl = psl_latest(NULL)) == NULL)
		psl = psl_builtin();
}

/* org_lower - a lower-case copy */

static char *
org_lower(const char *name)
{
	char   *copy = xstrdup(name), *cp;

	for (cp = copy; *cp; cp++)
		*cp = tolower((unsigned char) *cp);
	return (copy);
}

/* audit_org_domain - the registrable domain of a name */

char   *
audit_org_domain(const char *name)
{
	char   *lower = org_lower(name);
	const char *org;
	char   *ret;

	(void) pthread_once(&psl_once, org_psl_open);
	org = psl ? psl_registrable_domain(psl, lower) : NULL;
	ret = xstrdup(org ? org : lower);
	free(lower);
	return (ret);
}

/* audit_public_suffix - is a name a public suffix */

int
audit_public_suffix(const char *name)
{
	char   *lower = org_lower(name);
	int     ret;

	(void) pthread_once(&psl_once, org_psl_open);
	ret = psl ? psl_is_public_suffix(psl, lower) : 0;
	free(lower);
	return (ret);
}
