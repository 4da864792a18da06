#ifndef SIGNET_DECIDE_H
#define SIGNET_DECIDE_H

/* decide - what to do with one message, from the facts the MTA gave */

#include <sys/socket.h>

#include "policy.h"

/* What SPF says of a client for a domain (policy/authorise.c). */
enum spf_verdict {
	SPF_VERDICT_PASS,
	SPF_VERDICT_FAIL,		/* anything else, permerror included */
	SPF_VERDICT_TEMPERROR		/* DNS failed: try again later */
};

 /*
  * The SPF evaluator: the only way the decision reaches DNS. It sets
  * why (for the log) on anything but a pass.
  */
typedef enum spf_verdict (*spf_check_fn) (void *, const char *,
				              const struct sockaddr *,
				              char *, size_t);

/* What the milter knows at end of headers (at MAIL FROM: all but From). */
struct msg_facts {
	const struct sockaddr *client_addr;	/* NULL: local submission */
	const char *client_name;	/* forward-confirmed name; NULL: none */
	const char *daemon_name;	/* {daemon_name} */
	const char *auth_authen;	/* {auth_authen}; NULL: not logged in */
	const char *cert_subject;	/* {cert_subject}; NULL: no TLS cert */
	const char *cert_issuer;	/* {cert_issuer} */
	const char *mail_from;		/* envelope sender, without <> */
	int     nfrom;			/* From header fields seen */
	const char *from;		/* the value of the (first) From field */
	spf_check_fn spf;		/* NULL: senders with spf never match */
	void   *spf_ctx;
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
					 * named sender, "unmanaged",
					 * "unauthorised", "inbound" */
	char    reason[512];		/* for the log and the SMTP reply */
	int     monitored;		/* mode monitor: refusal not applied;
					 * reason says what it would be */
};

extern void policy_decide(const struct policy *, const struct msg_facts *,
			          struct verdict *);
extern int policy_decide_mail(const struct policy *, const struct msg_facts *,
			              struct verdict *);
extern int policy_checks_mail(const struct policy *);

#endif
