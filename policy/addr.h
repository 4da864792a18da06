#ifndef SIGNET_ADDR_H
#define SIGNET_ADDR_H

/* addr - the domain of the one address in an RFC 5322 From field */

#include <stddef.h>

enum addr_status {
	ADDR_OK,			/* exactly one mailbox; domain set */
	ADDR_NONE,			/* no address at all */
	ADDR_MANY,			/* more than one mailbox */
	ADDR_BAD			/* cannot be parsed */
};

extern enum addr_status addr_from_domain(const char *, char *, size_t,
					         const char **);
extern int addr_domain_of(const char *, char *, size_t);

#endif
