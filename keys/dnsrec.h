#ifndef SIGNET_DNSREC_H
#define SIGNET_DNSREC_H

/* dnsrec - the DKIM key record (RFC 6376 3.6.1) of a key, for DNS */

#include <openssl/evp.h>

#include "buf.h"

#define DNSREC_STRING_MAX	255	/* octets in one TXT character-string */

extern int dnsrec_pubkey(EVP_PKEY *, struct buf *, struct buf *);
extern int dnsrec_value(EVP_PKEY *, int, struct buf *, struct buf *);
extern void dnsrec_strings(const char *, size_t, struct buf *);
extern void dnsrec_zone_line(const char *, const char *, const char *,
			             struct buf *);
extern void dnsrec_name(const char *, const char *, struct buf *);

#endif
