#ifndef SIGNET_KEYRING_H
#define SIGNET_KEYRING_H

/* keyring - the private keys of a policy, decoded once */

#include <sys/types.h>
#include <openssl/evp.h>

#include "diag.h"
#include "policy.h"

struct keyring_entry {
	const struct policy_selector *sel;	/* in the policy it was made for */
	EVP_PKEY *key;			/* NULL: could not be loaded */
	int     bits;			/* RSA modulus size; 256 for Ed25519 */
};

struct keyring {
	struct keyring_entry *entries;	/* one per selector, policy order */
	size_t  nentries;
};

extern struct keyring *keyring_load(const struct policy *, struct diag *);
extern struct keyring *keyring_free(struct keyring *);
extern EVP_PKEY *keyring_find(const struct keyring *,
			              const struct policy_selector *);
extern EVP_PKEY *key_read_file(const char *, uid_t, int, struct buf *);
extern void keyring_pin_owner(uid_t);

#endif
