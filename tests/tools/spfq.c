/*++
/* NAME
/*	spfq 1
/* SUMMARY
/*	evaluate SPF with signet's evaluator (spf 3), for the tests
/* SYNOPSIS
/*	spfq [-n nameserver] [-t timeout_ms] [-v] [-C] [-r rounds]
/*		[-T threads] ip domain [ip domain ...]
/* DESCRIPTION
/*	Evaluates whether each ip passes the SPF record of its domain and
/*	prints one line per pair: the result, a space, the reason.
/*
/*	Options:
/* .IP "-n nameserver"
/*	IP or IP@PORT to ask (default: /etc/resolv.conf).
/* .IP "-t timeout_ms"
/*	Bound on one DNS lookup (default 5000).
/* .IP -v
/*	Add a line per pair: "queries=N terms=N voids=N ttl=N cached=yes|no".
/* .IP -C
/*	No result cache.
/* .IP "-r rounds"
/*	Evaluate every pair that many times more after the first, then
/*	print "rounds: N evaluations, N us first, N.N us each after,
/*	N DNS queries, N cache hits". With -T, each thread does that many.
/* .IP "-T threads"
/*	Evaluate at once from that many threads on the one evaluator; every
/*	result must equal the first one's for its pair; prints "threads: N
/*	evaluations, N mismatches, N ms".
/* DIAGNOSTICS
/*	Exit status 0 when every evaluation was made (whatever its result),
/*	1 on a mismatch between threads, 2 on a usage error.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spf.h"

struct pair {
	struct sockaddr_storage addr;
	const char *domain;
	enum spf_code first;
};

static struct spf *spf;
static struct pair *pairs;
static int npairs;
static int rounds;
static int mismatches;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* usage - say how to run */

static void
usage(void)
{
	fprintf(stderr, "usage: spfq [-n nameserver] [-t timeout_ms] [-v] [-C] "
		"[-r rounds] [-T threads] ip domain [ip domain ...]\n");
	exit(2);
}

/* now_us - monotonic microseconds */

static double
now_us(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/* set_addr - parse an address into a pair */

static void
set_addr(struct pair *p, const char *text)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *) &p->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &p->addr;

	memset(&p->addr, 0, sizeof(p->addr));
	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
	} else {
		fprintf(stderr, "spfq: \"%s\" is not an IPv4 or IPv6 address\n", text);
		exit(2);
	}
}

/* worker - one thread's evaluations */

static void *
worker(void *arg)
{
	struct spf_answer ans;
	int     r, i, bad = 0;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < npairs; i++)
			if (spf_check(spf, (struct sockaddr *) &pairs[i].addr,
				      pairs[i].domain, &ans) != pairs[i].first)
				bad++;
	(void) pthread_mutex_lock(&lock);
	mismatches += bad;
	(void) pthread_mutex_unlock(&lock);
	return (NULL);
}

/* run_threads - every pair, rounds times, from nthreads threads */

static int
run_threads(int nthreads)
{
	pthread_t *tid = calloc((size_t) nthreads, sizeof(*tid));
	double  t0 = now_us();
	int     i;

	if (tid == NULL)
		return (1);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "spfq: cannot start thread %d\n", i);
			exit(2);
		}
	for (i = 0; i < nthreads; i++)
		(void) pthread_join(tid[i], NULL);
	printf("threads: %d evaluations, %d mismatches, %.0f ms\n",
	       nthreads * rounds * npairs, mismatches, (now_us() - t0) / 1e3);
	free(tid);
	return (mismatches ? 1 : 0);
}

/* run_rounds - every pair again, rounds times, timed */

static void
run_rounds(double first_us)
{
	struct spf_answer ans;
	struct spf_stats st;
	double  t0 = now_us();
	int     r, i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < npairs; i++)
			(void) spf_check(spf, (struct sockaddr *) &pairs[i].addr,
					 pairs[i].domain, &ans);
	spf_stats(spf, &st);
	printf("rounds: %d evaluations, %.0f us first, %.2f us each after, "
	       "%lu DNS queries, %lu cache hits\n", rounds * npairs + npairs,
	       first_us, (now_us() - t0) / (rounds * npairs), st.queries, st.hits);
}

int
main(int argc, char **argv)
{
	struct policy_dns dns = {NULL, 5000};
	struct spf_answer ans;
	size_t  cache = SPF_CACHE_MAX;
	double  t0, first_us;
	int     ch, i, verbose = 0, nthreads = 0, ret = 0;

	while ((ch = getopt(argc, argv, "n:t:vCr:T:")) != -1) {
		switch (ch) {
		case 'n': dns.nameserver = optarg; break;
		case 't': dns.timeout_ms = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'C': cache = 0; break;
		case 'r': rounds = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc % 2 != 0 || rounds < 0 || nthreads < 0
	    || (nthreads > 0 && rounds == 0))
		usage();
	npairs = argc / 2;
	if ((pairs = calloc((size_t) npairs, sizeof(*pairs))) == NULL)
		return (2);
	spf = spf_create(&dns, cache);
	t0 = now_us();
	for (i = 0; i < npairs; i++) {
		set_addr(&pairs[i], argv[2 * i]);
		pairs[i].domain = argv[2 * i + 1];
		pairs[i].first = spf_check(spf, (struct sockaddr *) &pairs[i].addr,
					   pairs[i].domain, &ans);
		printf("%s %s\n", spf_code_name(ans.code), ans.reason);
		if (verbose)
			printf("queries=%d terms=%d voids=%d ttl=%u cached=%s\n",
			       ans.queries, ans.terms, ans.voids, ans.ttl,
			       ans.cached ? "yes" : "no");
	}
	first_us = now_us() - t0;
	if (nthreads > 0)
		ret = run_threads(nthreads);
	else if (rounds > 0)
		run_rounds(first_us);
	spf = spf_free(spf);
	free(pairs);
	return (ret);
}
