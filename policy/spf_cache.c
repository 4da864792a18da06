/*++
/* NAME
/*	spf_cache 3
/* SUMMARY
/*	SPF results by client address and domain, kept for their TTL
/* SYNOPSIS
/*	#include "spf_int.h"
/*
/*	struct spf_cache *spf_cache_create(size_t max)
/*
/*	struct spf_cache *spf_cache_free(struct spf_cache *c)
/*
/*	int	spf_cache_get(struct spf_cache *c, const struct spf_ip *ip,
/*			const char *domain, struct spf_answer *ans)
/*
/*	void	spf_cache_put(struct spf_cache *c, const struct spf_ip *ip,
/*			const char *domain, const struct spf_answer *ans)
/*
/*	void	spf_cache_stats(struct spf_cache *c, struct spf_stats *st)
/* DESCRIPTION
/*	A hash table under one mutex, shared by every thread, holding at
/*	most \fImax\fR results. Each is kept ans->ttl seconds (on the
/*	monotonic clock) from when it was put, and is gone after that.
/*	When the table is full, the result put longest ago makes room.
/*
/*	spf_cache_get() copies a live result for (ip, domain) into *ans
/*	and returns 1; else 0. Domains compare without regard to case.
/*
/*	spf_cache_put() keeps a result whose ttl is above 0, replacing
/*	one for the same key.
/*
/*	spf_cache_stats() adds the hits and the number of results held
/*	to *st.
/* DIAGNOSTICS
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "spf_int.h"

struct spf_entry {
	struct spf_entry *chain;	/* same bucket */
	struct spf_entry *older;	/* in the order put */
	struct spf_entry *newer;
	struct spf_ip ip;
	int64_t expires;		/* monotonic milliseconds */
	struct spf_answer ans;
	char    domain[1];		/* lower case; allocated to fit */
};

struct spf_cache {
	pthread_mutex_t lock;
	struct spf_entry **buckets;
	size_t  nbuckets;
	struct spf_entry *oldest;
	struct spf_entry *newest;
	size_t  count;
	size_t  max;
	unsigned long hits;
};

/* spf_now - monotonic milliseconds */

static int64_t
spf_now(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* spf_hash - FNV-1a of the address and the lower-cased domain */

static size_t
spf_hash(const struct spf_ip *ip, const char *domain)
{
	uint64_t h = 14695981039346656037ULL;
	size_t  i;

	for (i = 0; i < sizeof(ip->addr); i++)
		h = (h ^ ip->addr[i]) * 1099511628211ULL;
	h = (h ^ (unsigned) ip->family) * 1099511628211ULL;
	for (; *domain; domain++)
		h = (h ^ (unsigned char) (*domain | 0x20)) * 1099511628211ULL;
	return ((size_t) h);
}

/* spf_cache_create - an empty cache for max results */

struct spf_cache *
spf_cache_create(size_t max)
{
	struct spf_cache *c = xcalloc(1, sizeof(*c));

	c->max = max;
	for (c->nbuckets = 64; c->nbuckets < max && c->nbuckets < (1U << 20);)
		c->nbuckets *= 2;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	(void) pthread_mutex_init(&c->lock, NULL);
	return (c);
}

/* spf_find - the entry for a key, and the link that points at it */

static struct spf_entry **
spf_find(struct spf_cache *c, const struct spf_ip *ip, const char *domain)
{
	struct spf_entry **pp = &c->buckets[spf_hash(ip, domain) % c->nbuckets];

	for (; *pp != NULL; pp = &(*pp)->chain)
		if ((*pp)->ip.family == ip->family
		    && memcmp((*pp)->ip.addr, ip->addr, sizeof(ip->addr)) == 0
		    && strcasecmp((*pp)->domain, domain) == 0)
			return (pp);
	return (pp);
}

/* spf_unlink - take an entry out of its bucket and the order, free it */

static void
spf_unlink(struct spf_cache *c, struct spf_entry **pp)
{
	struct spf_entry *e = *pp;

	*pp = e->chain;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	c->count--;
	free(e);
}

/* spf_cache_get - a live result for (ip, domain) */

int
spf_cache_get(struct spf_cache *c, const struct spf_ip *ip,
	              const char *domain, struct spf_answer *ans)
{
	struct spf_entry **pp;
	int     found = 0;

	(void) pthread_mutex_lock(&c->lock);
	pp = spf_find(c, ip, domain);
	if (*pp != NULL && (*pp)->expires <= spf_now()) {
		spf_unlink(c, pp);
	} else if (*pp != NULL) {
		*ans = (*pp)->ans;
		c->hits++;
		found = 1;
	}
	(void) pthread_mutex_unlock(&c->lock);
	return (found);
}

/* spf_cache_put - keep a result for its TTL */

void
spf_cache_put(struct spf_cache *c, const struct spf_ip *ip,
	              const char *domain, const struct spf_answer *ans)
{
	struct spf_entry **pp, *e;
	size_t  len = strlen(domain);

	if (ans->ttl == 0 || c->max == 0)
		return;
	e = xcalloc(1, sizeof(*e) + len);
	e->ip = *ip;
	e->ans = *ans;
	e->expires = spf_now() + (int64_t) ans->ttl * 1000;
	memcpy(e->domain, domain, len + 1);
	(void) pthread_mutex_lock(&c->lock);
	if (*(pp = spf_find(c, ip, domain)) != NULL)
		spf_unlink(c, pp);
	while (c->count >= c->max && c->oldest != NULL)
		spf_unlink(c, spf_find(c, &c->oldest->ip, c->oldest->domain));
	pp = &c->buckets[spf_hash(ip, domain) % c->nbuckets];
	e->chain = *pp;
	*pp = e;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->count++;
	(void) pthread_mutex_unlock(&c->lock);
}

/* spf_cache_stats - hits and results held */

void
spf_cache_stats(struct spf_cache *c, struct spf_stats *st)
{
	(void) pthread_mutex_lock(&c->lock);
	st->hits += c->hits;
	st->cached += c->count;
	(void) pthread_mutex_unlock(&c->lock);
}

/* spf_cache_free - release every result */

struct spf_cache *
spf_cache_free(struct spf_cache *c)
{
	if (c == NULL)
		return (NULL);
	while (c->oldest != NULL)
		spf_unlink(c, spf_find(c, &c->oldest->ip, c->oldest->domain));
	free(c->buckets);
	(void) pthread_mutex_destroy(&c->lock);
	free(c);
	return (NULL);
}
