#ifndef SIGNET_KEYGEN_H
#define SIGNET_KEYGEN_H

/* keygen - new DKIM key pairs, written safely */

#include <sys/types.h>
#include <openssl/evp.h>

#include "buf.h"
#include "policy.h"

extern int keygen_parse_alg(const char *, enum dkim_alg *, int *);
extern const char *keygen_alg_label(enum dkim_alg, int);
extern EVP_PKEY *keygen_generate(enum dkim_alg, int, struct buf *);
extern int keygen_write(const char *, EVP_PKEY *, uid_t, gid_t, struct buf *);
extern int keygen_mkdir(const char *, uid_t, gid_t, struct buf *);

#endif
