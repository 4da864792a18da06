#ifndef SIGNET_SPF_H
#define SIGNET_SPF_H

/* spf - does a client address pass a domain's published SPF record */

 /*
  * One struct spf serves every thread of a process (one per policy
  * snapshot in the milter). It evaluates SPF (RFC 7208) with libspf2
  * over signet's resolver (dns/dns.h), so the configured nameserver and
  * timeout hold, and caches each result for the TTL of the DNS answers
  * it used.
  *
  *	struct spf *spf = spf_create(&policy->dns, SPF_CACHE_MAX);
  *	struct spf_answer a;
  *
  *	if (spf_check(spf, client_addr, "example.com", &a) == SPF_CODE_PASS)
  *		...
  *	else
  *		log("%s", a.reason);	// "SPF permerror: more than 10 ..."
  *	spf = spf_free(spf);
  */

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "policy.h"

#define SPF_CACHE_MAX	10000		/* results kept by default */
#define SPF_CACHE_TTL_MAX 86400		/* seconds a result is kept at most */
#define SPF_TERMS_MAX	10		/* DNS-querying terms (RFC 7208 4.6.4) */
#define SPF_VOIDS_MAX	2		/* void lookups (RFC 7208 4.6.4) */

enum spf_code {
	SPF_CODE_PASS,
	SPF_CODE_FAIL,
	SPF_CODE_SOFTFAIL,
	SPF_CODE_NEUTRAL,
	SPF_CODE_NONE,			/* no SPF record */
	SPF_CODE_PERMERROR,		/* the record cannot be evaluated */
	SPF_CODE_TEMPERROR		/* DNS failed: try again later */
};

struct spf_answer {
	enum spf_code code;
	char    reason[200];		/* "SPF fail", "SPF permerror: ..." */
	uint32_t ttl;			/* seconds it is cached; 0: not */
	int     cached;			/* taken from the cache */
	int     queries;		/* DNS lookups made for it */
	int     terms;			/* DNS-querying terms evaluated */
	int     voids;			/* void lookups */
};

struct spf_stats {
	unsigned long evaluations;	/* made with libspf2 */
	unsigned long hits;		/* answered from the cache */
	unsigned long queries;		/* DNS lookups */
	size_t  cached;			/* results in the cache now */
};

struct spf;

 /*
  * Create an evaluator for the resolver settings dns (copied; NULL: the
  * servers of /etc/resolv.conf, 5 s). No thread is started and no DNS
  * query made until the first spf_check(), so it may be created before
  * a daemon forks. cache_max: results kept (0: no cache).
  */
extern struct spf *spf_create(const struct policy_dns *dns, size_t cache_max);

/* Release; call when no spf_check() runs any more. Returns NULL. */
extern struct spf *spf_free(struct spf *);

 /*
  * Evaluate check_host(ip, domain, "postmaster@" domain): thread-safe,
  * bounded in time by the resolver's timeout per lookup. Fills *ans and
  * returns ans->code.
  */
extern enum spf_code spf_check(struct spf *, const struct sockaddr *,
			               const char *domain, struct spf_answer *ans);

 /*
  * The SPF evaluator of the decision (spf_check_fn of decide.h): ctx is
  * a struct spf. pass is SPF_VERDICT_PASS; temperror
  * SPF_VERDICT_TEMPERROR; anything else SPF_VERDICT_FAIL. Sets why to
  * the reason on anything but a pass.
  */
extern enum spf_verdict spf_verdict(void *ctx, const char *domain,
				            const struct sockaddr *,
				            char *why, size_t len);

/* "pass", "fail", "softfail", "neutral", "none", "permerror", "temperror" */
extern const char *spf_code_name(enum spf_code);

extern void spf_stats(struct spf *, struct spf_stats *);

#endif
