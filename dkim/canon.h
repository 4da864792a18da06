#ifndef SIGNET_CANON_H
#define SIGNET_CANON_H

/* canon - RFC 6376 section 3.4 canonicalisation, streamed into SHA-256 */

#include <stddef.h>
#include <strings.h>
#include <openssl/evp.h>

#include "buf.h"
#include "policy.h"

#define CANON_DIGEST_LEN	32	/* SHA-256 */

/*
 * Body canonicaliser: feed the body in chunks of any size; it keeps only
 * the state a chunk boundary needs (pending whitespace, pending empty
 * lines, a trailing CR), so memory stays fixed whatever the body size.
 */
struct canon_body {
	enum canon mode;
	EVP_MD_CTX *md;
	unsigned long long length;	/* canonical bytes hashed so far */
	size_t  empty_lines;		/* CRLFs held back: may be trailing */
	int     pending_wsp;		/* relaxed: whitespace held back */
	int     pending_cr;		/* a CR that may begin a CRLF */
	int     in_line;		/* bytes seen on the current line */
	size_t  olen;			/* bytes in out[] */
	unsigned char out[16384];	/* changed output, hashed when full */
};

/*
 * canon_name_eq - are two header field names the same, case aside. Names
 * that differ in a first byte other than by case (most of them) are told
 * apart without a call.
 */
static inline int
canon_name_eq(const char *a, const char *b)
{
	return (((*a ^ *b) & ~0x20) == 0 && strcasecmp(a, b) == 0);
}

extern int canon_init(void);
extern const EVP_MD *canon_sha256(void);
extern struct canon_body *canon_body_create(enum canon);
extern void canon_body_update(struct canon_body *, const unsigned char *, size_t);
extern void canon_body_final(struct canon_body *, unsigned char *);
extern struct canon_body *canon_body_free(struct canon_body *);
extern void canon_header(enum canon, const char *, const char *, struct buf *);
extern int canon_parse(const char *, enum canon *, enum canon *);
extern const char *canon_name(enum canon);

#endif
