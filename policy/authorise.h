#ifndef SIGNET_AUTHORISE_H
#define SIGNET_AUTHORISE_H

/* authorise - which named sender of a domain a relay is */

#include "decide.h"

enum auth_result {
	AUTH_MATCH,			/* one of the domain's senders */
	AUTH_NOMATCH,			/* none of them */
	AUTH_TEMPFAIL			/* cannot tell now (DNS) */
};

extern const struct policy_domain *policy_find_senders(const struct policy *,
						               const char *);
extern enum auth_result authorise(const struct policy_domain *,
				          const struct msg_facts *,
				          const struct policy_sender **,
				          char *, size_t);

#endif
