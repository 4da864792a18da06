#ifndef SIGNET_KEYCHECK_H
#define SIGNET_KEYCHECK_H

/* keycheck - is a DKIM key record right, and does it match the key */

#include <openssl/evp.h>

#include "dns.h"
#include "finding.h"

struct keycheck {
	enum dns_status dns;		/* of the TXT lookup */
	int     published;		/* a DKIM key record is there */
	int     matches;		/* its p= is the private key's */
	int     revoked;		/* p= empty */
	int     testing;		/* t=y */
	int     bits;			/* of the published key; 0: unknown */
	char   *keytype;		/* k= (default rsa) */
};

extern enum severity keycheck_record(const char *, size_t, EVP_PKEY *,
				             const char *, struct findings *,
				             struct keycheck *);
extern enum severity keycheck_dns(struct dns *, const char *, const char *,
				          EVP_PKEY *, struct findings *,
				          struct keycheck *);
extern void keycheck_free(struct keycheck *);

#endif
