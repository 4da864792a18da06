#ifndef SIGNET_DECIDE_H
#define SIGNET_DECIDE_H

/* decide - what to do with one message, from the facts the MTA gave */

#include <sys/socket.h>

#include "policy.h"

/* What the milter knows at end of headers. */
struct msg_facts {
	const struct sockaddr *client_addr;	/* NULL: local submission */
	const char *client_name;	/* reverse DNS name, or "unknown" */
	const char *daemon_name;	/* {daemon_name} */
	const char *auth_authen;	/* {auth_authen}; NULL: not logged in */
	const char *mail_from;		/* envelope sender, without <> */
	int     nfrom;			/* From header fields seen */
	const char *from;		/* the value of the (first) From field */
};

enum verdict_kind {
	VERDICT_SIGN,			/* sign with domain's selectors */
	VERDICT_PASS,			/* not ours to sign: pass unchanged */
	VERDICT_REFUSE			/* apply action */
};

struct verdict {
	enum verdict_kind kind;
	enum action action;		/* VERDICT_REFUSE: what to do */
	const struct policy_domain *domain;	/* VERDICT_SIGN: d= domain */
	char    from_domain[256];	/* lower case; "" when unknown */
	char    sender[64];		/* who sent it: the matched source or
					 * named sender, "unmanaged", ... */
	char    reason[512];		/* for the log and the SMTP reply */
};

extern void policy_decide(const struct policy *, const struct msg_facts *,
			          struct verdict *);

#endif
