#ifndef SIGNET_KEYS_CLI_H
#define SIGNET_KEYS_CLI_H

/* keys_cli - what the signet keys commands share */

#include <sys/types.h>
#include <time.h>
#include <openssl/evp.h>

#include "buf.h"
#include "dns.h"
#include "finding.h"
#include "keystate.h"
#include "policy.h"

struct keys_cli {
	const char *config;		/* -c; NULL: $SIGNET_CONFIG or default */
	struct policy *policy;		/* NULL: no configuration file */
	const char *dir;		/* keys directory */
	const char *nameserver;		/* --nameserver or the policy's */
	int     timeout_ms;
	long    overlap;
	uid_t   uid;			/* owner of new key files */
	gid_t   gid;
	const char *selector;		/* --selector */
	const char *algorithm;		/* --algorithm */
	const char *format;		/* --format text|json */
	int     check;			/* --check */
	int     testing;		/* --testing: t=y */
	int     reload;			/* --reload */
	int     first;			/* first operand in argv */
	time_t  now;
};

/* A key of the keys directory or of the policy, decoded when readable. */
struct keys_item {
	struct keystate ks;
	EVP_PKEY *key;			/* NULL: unreadable (why in err) */
	char   *err;
	int     in_policy;		/* a selector of the policy */
};

extern int keys_cli_init(struct keys_cli *, int, char **, const char *);
extern int keys_cli_setup(struct keys_cli *, const char *, const char *);
extern void keys_cli_done(struct keys_cli *);
extern struct dns *keys_cli_dns(const struct keys_cli *);
extern int keys_cli_items(const struct keys_cli *, const char *,
			          struct keys_item **, size_t *);
extern void keys_cli_items_free(struct keys_item *, size_t);
extern EVP_PKEY *keys_cli_new_key(struct keys_cli *, const char *,
			          enum dkim_alg, int, enum key_state,
			          struct keystate *);
extern void keys_cli_print_record(const struct keystate *, EVP_PKEY *, int);
extern int keys_cli_domain_ok(const char *);
extern int keys_cli_domain_items(const struct keys_cli *, const char *,
				         struct keys_item **, size_t *);
extern enum severity keys_check_one(const struct keys_cli *, struct dns *,
				            const struct keys_item *,
				            struct findings *);

extern int cmd_keys_check(int, char **);
extern int cmd_keys_rotate(int, char **);
extern int cmd_keys_activate(int, char **);

#endif
