#ifndef SIGNET_POLICY_H
#define SIGNET_POLICY_H

/* policy - the validated, immutable configuration */

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "cidr.h"

enum canon {
	CANON_SIMPLE,
	CANON_RELAXED
};

enum dkim_alg {
	ALG_RSA_SHA256,
	ALG_ED25519_SHA256
};

/* What happens to a message on a given condition. */
enum action {
	ACTION_ACCEPT,			/* accept (unsigned where signing failed) */
	ACTION_REJECT,			/* 550 5.7.x */
	ACTION_TEMPFAIL			/* 451 4.7.x */
};

/* Where in the file a setting was written, for diagnostics after load. */
struct policy_pos {
	int     line;
	int     col;
};

struct policy_selector {
	char   *name;			/* DNS selector label */
	enum dkim_alg alg;
	char   *key_path;		/* private key file, PEM */
	struct policy_pos pos;		/* of the selector entry */
	struct policy_pos key_pos;	/* of its key: value */
};

struct policy_domain {
	char   *name;			/* lower case, no trailing dot */
	struct policy_selector *selectors;
	size_t  nselectors;
	int     sign_subdomains;	/* sign a.b.example.com with d=example.com */
	struct policy_pos pos;
};

struct policy_signing {
	enum canon header_canon;
	enum canon body_canon;
	char  **headers;		/* lower case, signed when present */
	size_t  nheaders;
	char  **oversign;		/* lower case, signed once more than present */
	size_t  noversign;
	long    expire;			/* x= seconds after t=; 0: no x= */
};

/* Which mail is ours to sign (the sources that submit outbound mail). */
struct policy_sources {
	int     authenticated;		/* SASL-authenticated clients */
	struct cidr *networks;		/* listed client networks */
	size_t  nnetworks;
	char  **daemons;		/* MTA daemon names ({daemon_name}) */
	size_t  ndaemons;
};

struct policy_actions {
	enum action no_from;		/* no From header */
	enum action bad_from;		/* several From headers or addresses,
					 * or one that cannot be parsed */
	enum action sign_error;		/* a key cannot be used, signing failed */
};

struct policy {
	char   *path;			/* file it was loaded from */

	/* Daemon settings: read at start; a reload cannot change them. */
	char   *socket;			/* unix:PATH, inet:PORT@ADDR, inet6:... */
	char   *user;			/* drop to this user; NULL: stay */
	char   *group;			/* NULL: the user's primary group */
	char   *pidfile;		/* NULL: none */
	int     syslog_facility;	/* LOG_MAIL by default */
	int     require_safe_keys;	/* refuse keys readable by others */

	struct policy_signing signing;
	struct policy_sources sources;
	struct policy_actions actions;

	struct policy_domain *domains;	/* sorted by name */
	size_t  ndomains;
};

extern struct policy *policy_load(const char *, struct diag *);
extern struct policy *policy_free(struct policy *);
extern const struct policy_domain *policy_find_domain(const struct policy *,
				        const char *, const char **);
extern const char *policy_action_name(enum action);
extern const char *policy_alg_name(enum dkim_alg);

#endif
