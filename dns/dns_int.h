#ifndef SIGNET_DNS_INT_H
#define SIGNET_DNS_INT_H

/* dns_int - what dns.c and dns_rr.c share; not for other modules */

#include <unbound.h>

#include "dns.h"

extern void dns_answer_init(struct dns_answer *, const char *, int);
extern enum dns_status dns_answer_fail(struct dns_answer *, enum dns_status,
				               const char *);
extern void dns_answer_fill(struct dns_answer *, struct ub_result *,
			            const char *);
extern int dns_name_ok(const char *);

#endif
