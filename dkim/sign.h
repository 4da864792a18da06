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
	char  *const *headers;		/* policy_signing.headers, lower case */
	size_t  nheaders;
	char  *const *oversign;		/* policy_signing.oversign, lower case */
	size_t  noversign;
	time_t  timestamp;		/* t= */
	long    expire;			/* x= is t= + expire; 0: none */
	unsigned long epoch;		/* 0: an OpenSSL context per signature;
					 * else the thread keeps its contexts
					 * for the keys of this epoch */
};

/* The h= list and the hash of the fields it names, made once for all
 * the signatures of a message. */
struct sign_headers {
	struct buf hlist;		/* h=, colon-separated */
	EVP_MD_CTX *md;			/* SHA-256 over those fields */
};

extern int dkim_sign(const struct sign_request *, const struct msg_header *,
		             size_t, const unsigned char *, struct buf *,
		             struct buf *);
extern void dkim_headers_hash(const struct sign_request *,
			              const struct msg_header *, size_t,
			              struct sign_headers *);
extern int dkim_sign_hashed(const struct sign_request *,
			            const struct sign_headers *,
			            const unsigned char *, struct buf *,
			            struct buf *);
extern void dkim_headers_free(struct sign_headers *);
extern const char *dkim_alg_name(enum dkim_alg);
extern void dkim_header_list(const struct sign_request *,
			             const struct msg_header *, size_t,
			             struct buf *);

#endif
