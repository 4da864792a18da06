/*++
/* NAME
/*	xcheck_dns 3
/* SUMMARY
/*	the cross-check's lookups: reverse DNS of sources, MX of recipients
/* SYNOPSIS
/*	#include "xcheck.h"
/*
/*	void	xc_rdns(struct xcheck *xc)
/*
/*	int	xc_mx(struct xcheck *xc, struct dmarc_db *db, struct buf *err)
/*
/*	void	xc_dns_policies(struct xcheck *xc)
/*
/*	const char *xc_mx_reporter(const struct xcheck *xc,
/*			const char *host)
/* DESCRIPTION
/*	Both run their lookups through xc->opt.dns (signet's resolver,
/*	whose cache they share) on up to xc->opt.threads threads at once,
/*	each address or domain once however many domains and classes it
/*	appears in. A lookup not begun within xc->opt.deadline_ms of the
/*	first is not made (status "deadline"); one under way ends within
/*	the resolver's timeout. So a report with thousands of sources
/*	costs about (sources / threads) round trips, and never more than
/*	the deadline plus one timeout.
/*
/*	xc_rdns() looks up the PTR names of every source address and
/*	checks them forward: the first name whose A (or AAAA) records
/*	hold the address is the source's forward-confirmed name; when
/*	none does, the first name, not confirmed. It fills rdns,
/*	rdns_confirmed and rdns_status of each source.
/*
/*	xc_mx() maps recipient domains to reporters by their MX hosts.
/*	It reads the recipient domains that signet counted (the counters
/*	store's store_query(); inbound mail left out), in the period of
/*	each policy domain's reports, for the From domains xc_counts()
/*	counts; those that no entry of the reporter mapping
/*	lists are looked up, and a domain whose most preferred MX host
/*	(lowest preference, then first) ends in a suffix of the MX map
/*	is added to that reporter's recipient domains, so that
/*	xc_counts() counts it too. Every domain looked up is kept in
/*	xc->mxv, with the host that decided and the reporter.
/*
/*	xc_dns_policies() reads the DMARC record in DNS of every policy
/*	domain (xc_dns_policy(), xcheck_pub.c), in parallel too; a domain
/*	not begun by the deadline gets state XC_DNS_FAILED.
/*
/*	xc_mx_reporter() is the MX map: the reporter whose mail servers
/*	a host name belongs to, by suffix at a label boundary: first the
/*	mx: suffixes of the reporters of the configuration (dmarc:
/*	reporters), then the built-in table (aspmx.l.google.com,
/*	smtp.google.com: Google; example-com.mail.protection.outlook.com:
/*	Microsoft; mta5.am0.yahoodns.net: Yahoo); or NULL.
/* DIAGNOSTICS
/*	xc_mx() returns -1 with the reason in err when the store cannot
/*	be read. Lookups that fail are statuses, not errors.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "xcheck.h"

#define XC_THREADS	32		/* default lookups at once */
#define XC_DEADLINE_MS	30000		/* default bound on all lookups */
#define PTR_NAMES	4		/* PTR names checked forward */

 /*
  * The MX map: mail server host suffixes of the receivers that send
  * reports. Data: add a line for another receiver (its name as in the
  * reporter mapping), or give it in the configuration (dmarc:
  * reporters: NAME: mx: [SUFFIX]).
  */
static const struct {
	const char *suffix;
	const char *reporter;
}       mx_map[] = {
	{"google.com", "Google"},		/* aspmx.l.google.com, smtp.google.com */
	{"googlemail.com", "Google"},
	{"protection.outlook.com", "Microsoft"},	/* Microsoft 365, Outlook.com */
	{"yahoodns.net", "Yahoo"},		/* Yahoo and AOL */
};

#define NMX_MAP	(sizeof(mx_map) / sizeof(mx_map[0]))

 /*
  * One lookup of the pool, and its result.
  */
struct job {
	const char *key;		/* address or domain */
	struct xc_domain *dom;		/* policy domain (xc_dns_policies) */
	const char *status;
	char   *name;			/* PTR name or MX host */
	int     confirmed;		/* PTR: forward-confirmed */
};

struct pool {
	struct xcheck *xc;
	struct dns *dns;
	struct job *jobs;
	size_t  njobs;
	size_t  next;			/* first job not taken */
	pthread_mutex_t lock;
	struct timespec deadline;
	void    (*run) (struct pool *, struct job *);
};

/* past - has the deadline passed? */

static int
past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec > t->tv_sec
		|| (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec));
}

/* worker - take jobs until none is left */

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		j = p->next < p->njobs ? &p->jobs[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (j == NULL)
			return (NULL);
		if (past(&p->deadline))
			j->status = "deadline";
		else
			p->run(p, j);
	}
}

/* pool_run - every job, on up to threads threads */

static void
pool_run(struct xcheck *xc, struct job *jobs, size_t n,
	 void (*run) (struct pool *, struct job *))
{
	struct pool p;
	pthread_t *tid;
	size_t  i, nthreads = xc->opt.threads > 0 ? (size_t) xc->opt.threads
	: XC_THREADS;
	long    ms = xc->opt.deadline_ms > 0 ? xc->opt.deadline_ms : XC_DEADLINE_MS;

	if (n == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.xc = xc;
	p.dns = xc->opt.dns;
	p.jobs = jobs;
	p.njobs = n;
	p.run = run;
	pthread_mutex_init(&p.lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p.deadline);
	p.deadline.tv_sec += ms / 1000;
	p.deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (p.deadline.tv_nsec >= 1000000000L) {
		p.deadline.tv_sec++;
		p.deadline.tv_nsec -= 1000000000L;
	}
	if (nthreads > n)
		nthreads = n;
	tid = xcalloc(nthreads, sizeof(*tid));
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tid[i], NULL, worker, &p) != 0)
			break;
	if (i == 0)
		(void) worker(&p);		/* no thread: do it here */
	while (i-- > 0)
		pthread_join(tid[i], NULL);
	free(tid);
	pthread_mutex_destroy(&p.lock);
}

/* holds - does an A or AAAA answer hold the address? */

static int
holds(const struct dns_answer *ans, const char *ip)
{
	struct in6_addr a6;
	struct in_addr a4;
	size_t  i;

	if (inet_pton(AF_INET, ip, &a4) == 1) {
		for (i = 0; i < ans->count; i++)
			if (memcmp(&ans->rr[i].a, &a4, sizeof(a4)) == 0)
				return (1);
	} else if (inet_pton(AF_INET6, ip, &a6) == 1) {
		for (i = 0; i < ans->count; i++)
			if (memcmp(&ans->rr[i].aaaa, &a6, sizeof(a6)) == 0)
				return (1);
	}
	return (0);
}

/* confirmed - do the forward records of a name hold the address? */

static int
confirmed(struct pool *p, const char *name, const char *ip)
{
	struct dns_answer ans;
	int     yes;

	if (past(&p->deadline))
		return (0);
	(void) dns_lookup(p->dns, name, strchr(ip, ':') ? DNS_TYPE_AAAA
			  : DNS_TYPE_A, &ans);
	yes = ans.status == DNS_OK && holds(&ans, ip);
	dns_answer_free(&ans);
	return (yes);
}

/* run_ptr - the PTR names of an address, checked forward */

static void
run_ptr(struct pool *p, struct job *j)
{
	struct dns_answer ans;
	size_t  i;

	(void) dns_ptr(p->dns, j->key, &ans);
	j->status = dns_status_name(ans.status);
	for (i = 0; ans.status == DNS_OK && i < ans.count && i < PTR_NAMES; i++) {
		if (ans.rr[i].name == NULL)
			continue;
		if (j->name == NULL)
			j->name = xstrdup(ans.rr[i].name);
		if (confirmed(p, ans.rr[i].name, j->key)) {
			free(j->name);
			j->name = xstrdup(ans.rr[i].name);
			j->confirmed = 1;
			break;
		}
	}
	dns_answer_free(&ans);
}

/* ip_cmp - addresses in order, for dedup and search */

static int
ip_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct job *) a)->key,
		       ((const struct job *) b)->key));
}

/* xc_rdns - reverse DNS names of every source address */

void
xc_rdns(struct xcheck *xc)
{
	struct job *jobs = NULL, key, *j;
	size_t  n = 0, m = 0, i, k;
	struct xc_source *s;

	for (i = 0; i < xc->ndom; i++)
		n += xc->dom[i].nsrc;
	jobs = xcalloc(n + 1, sizeof(*jobs));
	for (i = 0; i < xc->ndom; i++)
		for (k = 0; k < xc->dom[i].nsrc; k++)
			jobs[m++].key = xc->dom[i].src[k]->ip;
	qsort(jobs, m, sizeof(*jobs), ip_cmp);
	for (i = n = 0; i < m; i++)
		if (n == 0 || strcmp(jobs[n - 1].key, jobs[i].key) != 0)
			jobs[n++] = jobs[i];
	pool_run(xc, jobs, n, run_ptr);
	for (i = 0; i < xc->ndom; i++) {
		for (k = 0; k < xc->dom[i].nsrc; k++) {
			s = xc->dom[i].src[k];
			key.key = s->ip;
			if ((j = bsearch(&key, jobs, n, sizeof(*jobs), ip_cmp)) == NULL)
				log_panic("xc_rdns: address %s lost", s->ip);
			s->rdns_status = j->status;
			s->rdns = j->name ? xstrdup(j->name) : NULL;
			s->rdns_confirmed = j->confirmed;
		}
	}
	for (i = 0; i < n; i++)
		free(jobs[i].name);
	free(jobs);
}

/* suffix_of - does a host name end in a suffix, at a label boundary? */

static int
suffix_of(const char *host, size_t hl, const char *suffix)
{
	size_t  sl = strlen(suffix);

	return (hl >= sl && strncasecmp(host + hl - sl, suffix, sl) == 0
		&& (hl == sl || host[hl - sl - 1] == '.'));
}

/* xc_mx_reporter - the reporter whose mail servers a host is */

const char *
xc_mx_reporter(const struct xcheck *xc, const char *host)
{
	const struct policy_dmarc *dm = &xc->policy->dmarc;
	size_t  i, j, hl = strlen(host);

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	for (i = 0; i < dm->nreporters; i++)
		for (j = 0; j < dm->reporters[i].nmx_suffixes; j++)
			if (suffix_of(host, hl, dm->reporters[i].mx_suffixes[j]))
				return (dm->reporters[i].name);
	for (i = 0; i < NMX_MAP; i++)
		if (suffix_of(host, hl, mx_map[i].suffix))
			return (mx_map[i].reporter);
	return (NULL);
}

/* run_mx - the MX host that decides a domain's reporter */

static void
run_mx(struct pool *p, struct job *j)
{
	struct dns_answer ans;
	const struct dns_rr *best = NULL;
	size_t  i;

	(void) dns_mx(p->dns, j->key, &ans);
	j->status = dns_status_name(ans.status);
	for (i = 0; ans.status == DNS_OK && i < ans.count; i++)
		if (ans.rr[i].name && (best == NULL || ans.rr[i].pref < best->pref))
			best = &ans.rr[i];
	if (best)
		j->name = xstrdup(best->name);
	dns_answer_free(&ans);
}

/* mapped - does an entry of the mapping list the recipient domain? */

static int
mapped(const struct xcheck *xc, const char *rcpt)
{
	size_t  i, j;

	for (i = 0; i < xc->nmap; i++)
		for (j = 0; j < xc->map[i].nrcpt_domains; j++)
			if (strcasecmp(xc->map[i].rcpt_domains[j], rcpt) == 0)
				return (1);
	return (0);
}

/* on_rcpt - one recipient domain signet counted */

static int
on_rcpt(void *ctx, const char *const *values, long long messages)
{
	struct xc_names *rcpts = ctx;
	char   *low, *cp;

	if (values[0] == NULL || *values[0] == 0 || messages <= 0)
		return (0);
	low = xstrdup(values[0]);
	for (cp = low; *cp; cp++)
		*cp = (char) tolower((unsigned char) *cp);
	xc_names_add(rcpts, low);
	free(low);
	return (0);
}

/* rcpt_domains - the recipient domains counted for a policy domain */

static int
rcpt_domains(struct dmarc_db *db, const struct xc_domain *d,
	     struct xc_names *rcpts, struct buf *err)
{
	static const enum count_key key[] = {KEY_RCPT_DOMAIN};
	struct count_filter f;
	char   *from, *cp;
	size_t  i;
	int     rc = 0;

	memset(&f, 0, sizeof(f));
	f.since = d->first - d->first % 86400;	/* days rolled up, too */
	f.until = d->last;
	f.not_sender = "inbound";
	for (i = 0; rc == 0 && i <= d->from_domains.n; i++) {
		from = xstrdup(i == 0 ? d->name : d->from_domains.v[i - 1]);
		for (cp = from; *cp; cp++)
			*cp = (char) tolower((unsigned char) *cp);
		f.domain = from;
		rc = store_query(dmarc_db_store(db), &f, key, 1, on_rcpt, rcpts, err);
		free(from);
	}
	return (rc);
}

/* map_entry - the mapping entry of a reporter name, or -1 */

static long
map_entry(const struct xcheck *xc, const char *name)
{
	size_t  i;

	for (i = 0; i < xc->nmap; i++)
		if (strcasecmp(xc->map[i].name, name) == 0)
			return ((long) i);
	return (-1);
}

/* mx_add - a recipient domain to a mapping entry */

static void
mx_add(struct xcheck *xc, size_t e, const char *rcpt)
{
	struct policy_dmarc_reporter *m = &xc->map[e];
	struct xc_names *names = &xc->mx_rcpt[e];

	xc_names_add(names, rcpt);
	m->rcpt_domains = xreallocarray(m->rcpt_domains, m->nrcpt_domains + 2,
					sizeof(*m->rcpt_domains));
	m->rcpt_domains[m->nrcpt_domains++] = names->v[names->n - 1];
	m->rcpt_domains[m->nrcpt_domains] = NULL;
}

/* xc_mx - recipient domains to reporters by their MX hosts */

int
xc_mx(struct xcheck *xc, struct dmarc_db *db, struct buf *err)
{
	struct xc_names rcpts = {NULL, 0};
	struct job *jobs;
	const char *rep;
	size_t  i, n = 0;
	long    e;

	xc->mx_rcpt = xcalloc(xc->nmap + 1, sizeof(*xc->mx_rcpt));
	for (i = 0; i < xc->ndom; i++) {
		if (rcpt_domains(db, &xc->dom[i], &rcpts, err) != 0) {
			xc_names_free(&rcpts);
			return (-1);
		}
	}
	jobs = xcalloc(rcpts.n + 1, sizeof(*jobs));
	for (i = 0; i < rcpts.n; i++)
		if (!mapped(xc, rcpts.v[i]))
			jobs[n++].key = rcpts.v[i];
	qsort(jobs, n, sizeof(*jobs), ip_cmp);
	pool_run(xc, jobs, n, run_mx);
	xc->mxv = xcalloc(n + 1, sizeof(*xc->mxv));
	for (i = 0; i < n; i++) {
		rep = jobs[i].name ? xc_mx_reporter(xc, jobs[i].name) : NULL;
		if (rep != NULL && (e = map_entry(xc, rep)) >= 0) {
			mx_add(xc, (size_t) e, jobs[i].key);
			rep = xc->map[e].name;
		} else {
			rep = NULL;
		}
		xc->mxv[i].domain = xstrdup(jobs[i].key);
		xc->mxv[i].host = jobs[i].name;
		xc->mxv[i].reporter = rep;
		xc->mxv[i].status = jobs[i].status;
	}
	xc->nmxv = n;
	free(jobs);
	xc_names_free(&rcpts);
	return (0);
}

/* run_policy - the DMARC record in DNS of one policy domain */

static void
run_policy(struct pool *p, struct job *j)
{
	xc_dns_policy(p->xc, j->dom);
	j->status = "ok";
}

/* xc_dns_policies - the DMARC records in DNS of every policy domain */

void
xc_dns_policies(struct xcheck *xc)
{
	struct job *jobs = xcalloc(xc->ndom + 1, sizeof(*jobs));
	struct xc_dnspolicy *dp;
	size_t  i;

	for (i = 0; i < xc->ndom; i++) {
		jobs[i].key = xc->dom[i].name;
		jobs[i].dom = &xc->dom[i];
	}
	pool_run(xc, jobs, xc->ndom, run_policy);
	for (i = 0; i < xc->ndom; i++) {
		if (strcmp(jobs[i].status, "deadline") != 0)
			continue;
		dp = &xc->dom[i].dns;
		dp->state = XC_DNS_FAILED;
		dp->error = xstrdup("not looked up: the --deadline passed first");
	}
	free(jobs);
}
