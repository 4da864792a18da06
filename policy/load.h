#ifndef SIGNET_LOAD_H
#define SIGNET_LOAD_H

/* load - what the files that read the configuration share */

 /*
  * HOW TO ADD A SECTION. A top-level key NAME that holds a mapping of
  * its own lives in policy/load_NAME.c (start from load_domains.c):
  *
  * 1. Add its struct to struct policy in policy.h.
  * 2. In load_NAME.c, write void load_NAME(struct loader *,
  *    const struct item *), with a static rule table (struct rule
  *    NAME_rules[], ending in {NULL, NULL}) that it passes to walk_map();
  *    one rule_fn per key. Report with ld_error() and friends; store
  *    into ld->p.
  * 3. Declare load_NAME() below, under "Sections".
  * 4. Add {"NAME", load_NAME} to top_rules[] in policy_load.c.
  * 5. Set its defaults in policy_defaults() (policy_load.c), and release
  *    what it holds in policy_free() (policy_util.c).
  * 6. Add policy/load_NAME.c to libsignet_a_SOURCES in Makefile.am.
  * 7. Add golden tests: tests/golden/config/NAME-*.yaml and .ref.
  *
  * A rule table holds at most RULES_MAX keys. Checks that need the
  * whole file read go in a NAME_finish(struct loader *), called from
  * policy_load() after walk_map(), as load_domains_finish() is.
  */

#include <stdarg.h>
#include <stddef.h>

#include "policy.h"
#include "yaml_tree.h"

struct ld_msg;

struct loader {
	const char *path;
	struct diag *d;
	struct policy *p;		/* being built */
	int     errors;			/* errors found */
	struct ld_msg *msgs;		/* diagnostics, to be sorted */
	size_t  nmsgs;
};

 /*
  * One key: value pair of a mapping, as the rule for the key sees it.
  */
struct item {
	const struct yt_node *key;
	const struct yt_node *val;
	const char *in;			/* where: "in \"sources\""; "" at the top */
	const char *what;		/* the setting: "\"networks\" in \"sources\"" */
	void   *ctx;
};

typedef void (*rule_fn) (struct loader *, const struct item *);

struct rule {
	const char *name;
	rule_fn fn;
};

#define RULES_MAX	32		/* keys in one rule table */

/* Diagnostics: load_util.c. */

extern void ld_error_at(struct loader *, int, int, const char *,...)
	__attribute__((format(printf, 4, 5)));
extern void ld_warn_at(struct loader *, int, int, const char *,...)
	__attribute__((format(printf, 4, 5)));
extern void ld_error(struct loader *, const struct yt_node *,
		             const char *,...)
	__attribute__((format(printf, 3, 4)));
extern void ld_yaml_report(void *, int, int, int, const char *, va_list)
	__attribute__((format(printf, 5, 0)));
extern void ld_flush(struct loader *);

/* Values and mappings: load_util.c. */

extern int ld_want(struct loader *, const struct item *, enum yt_type);
extern const char *ld_string(struct loader *, const struct item *);
extern int ld_optional(struct loader *, const struct item *, const char **);
extern int ld_bool(struct loader *, const struct item *, int *);
extern const char *ld_entry(struct loader *, const struct item *,
			            const struct yt_node *);
extern int ld_days(struct loader *, const struct item *, int, int, int *);
extern void ld_cidr_list(struct loader *, const struct item *, const char *,
			         struct cidr **, size_t *);
extern void ld_set(char **, const char *);
extern int walk_map(struct loader *, const struct yt_node *, const char *,
		            const struct rule *, void *);

/* Validators and strings: load_util.c. */

extern const char *dns_name_check(const char *, int);
extern int field_name_ok(const char *);
extern const char *duration_parse(const char *, long *);
extern char *lower_dup(const char *);
extern int ascii_caseeq(const char *, const char *);
extern char **strv_copy(const char *const *, size_t *);
extern void strv_free(char **, size_t);
extern int strv_has(char *const *, size_t, const char *);

/* Sections. */

extern void load_domains(struct loader *, const struct item *);
extern void load_domains_finish(struct loader *);
extern void load_domain_auth_init(struct policy_domain *);
extern void load_domain_auth(struct loader *, const struct item *,
			             struct policy_domain *);
extern void load_unmanaged(struct loader *, const struct item *);
extern void load_senders_finish(struct loader *);
extern void load_dns(struct loader *, const struct item *);
extern void load_keys(struct loader *, const struct item *);
extern void load_counters(struct loader *, const struct item *);
extern void load_metrics(struct loader *, const struct item *);
extern void load_check(struct loader *, const struct item *);
extern void load_dmarc(struct loader *, const struct item *);
extern void load_chroot(struct loader *, const struct item *);
extern void load_socket_mode(struct loader *, const struct item *);
extern void load_socket_group(struct loader *, const struct item *);

#endif
