#ifndef SIGNET_SIGN_H
#define SIGNET_SIGN_H

/* sign - build a DKIM-Signature header field (RFC 6376, RFC 8463) */

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>

#include "buf.h"
#include "policy.h"

/* A header field as received: name without colon, value after the colon
 * (leading space kept), folds as CRLF or LF. */
struct msg_header {
	char   *name;
	char   *value;
};

struct sign_request {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	enum dkim_alg alg;
	EVP_PKEY *key;			/* decoded once, shared, read-only */
	enum canon header_canon;
	enum canon body_canon;
	char  *const *headers;		/* policy_signing.headers */
	size_t  nheaders;
	char  *const *oversign;		/* policy_signing.oversign */
	size_t  noversign;
	time_t  timestamp;		/* t= */
	long    expire;			/* x= is t= + expire; 0: none */
};

extern int dkim_sign(const struct sign_request *, const struct msg_header *,
		             size_t, const unsigned char *, struct buf *,
		             struct buf *);
extern const char *dkim_alg_name(enum dkim_alg);
extern void dkim_header_list(const struct sign_request *,
			             const struct msg_header *, size_t,
			             struct buf *);

#endif
