#ifndef SIGNET_SPF_INT_H
#define SIGNET_SPF_INT_H

/* spf_int - what spf.c, spf_dns.c and spf_cache.c share; not for others */

#include <netinet/in.h>
#include <arpa/nameser.h>
#include <pthread.h>
#include <spf2/spf.h>

#include "dns.h"
#include "spf.h"

 /*
  * One evaluation's worth of libspf2: a server whose DNS layer (hook)
  * points back here, so that the layer can count what RFC 7208 4.6.4
  * limits across the whole evaluation (libspf2 counts per record only,
  * and not void lookups). An evaluation takes one from the pool and
  * gives it back: no two threads share one.
  */
struct spf_eval {
	struct spf *spf;
	SPF_server_t *server;
	SPF_dns_server_t *layer;
	struct spf_eval *next;		/* in the pool */

	/* Reset for each evaluation. */
	int     records;		/* SPF records fetched */
	int     terms;			/* DNS-querying terms */
	int     voids;			/* void lookups */
	int     exempt;			/* address lookups to come for the
					 * names of the last MX or PTR answer:
					 * part of that term, not terms */
	int     queries;		/* DNS lookups made */
	int     over;			/* a limit was passed: see reason */
	uint32_t ttl;			/* least TTL of the answers used */
	char    reason[160];		/* first problem met, for the answer */
};

struct spf_cache;

/* A client address as SPF sees it: IPv4-mapped IPv6 is IPv4. */
struct spf_ip {
	int     family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* IPv4: the first 4 */
};

struct spf {
	char   *nameserver;		/* NULL: /etc/resolv.conf */
	int     timeout_ms;
	pthread_mutex_t lock;		/* guards all below */
	struct dns *dns;		/* opened at the first evaluation */
	char   *dns_error;		/* why it could not be opened */
	struct spf_eval *pool;		/* idle evaluations */
	unsigned long evaluations;
	unsigned long queries;
	struct spf_cache *cache;	/* NULL: none */
};

/* spf_dns.c */
extern SPF_dns_server_t *spf_layer_new(struct spf_eval *);
extern void spf_layer_reset(struct spf_eval *);
extern int spf_name_ok(const char *);
extern void spf_eval_problem(struct spf_eval *, const char *,...)
	__attribute__((format(printf, 2, 3)));

/* spf_cache.c */
extern struct spf_cache *spf_cache_create(size_t);
extern struct spf_cache *spf_cache_free(struct spf_cache *);
extern int spf_cache_get(struct spf_cache *, const struct spf_ip *,
			         const char *, struct spf_answer *);
extern void spf_cache_put(struct spf_cache *, const struct spf_ip *,
			          const char *, const struct spf_answer *);
extern void spf_cache_stats(struct spf_cache *, struct spf_stats *);

#endif
