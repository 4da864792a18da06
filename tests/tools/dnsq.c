/*++
/* NAME
/*	dnsq 1
/* SUMMARY
/*	query DNS through signet's resolver (dns 3), for the tests
/* SYNOPSIS
/*	dnsq [-s nameserver] [-t timeout_ms] [-T threads -r rounds]
/*		type name...
/* DESCRIPTION
/*	Looks up each name for type (a, aaaa, mx, txt, ptr, ns, or a
/*	number; ptr takes an address) and prints one line per answer:
/*
/*	name type status ttl=N [error]
/*
/*	then one line per record, indented: the address, "pref name", the
/*	name, or for TXT the concatenated text followed by the count and
/*	lengths of its strings.
/*
/*	With -T, that many threads each repeat every lookup -r times at
/*	once, on the one shared resolver; each answer must equal the first
/*	one's status and records, and one line "threads: N lookups, N
/*	mismatches, N ms" is printed.
/* DIAGNOSTICS
/*	Exit status 0 when every lookup was made (whatever its status), 1
/*	on a mismatch between threads, 2 on a usage or open error.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"

static struct dns *dns;
static int qtype;
static char **names;
static int nnames;
static int rounds = 1;
static struct buf *expect;		/* first answer per name, as text */

/* type_of - RR type from its name */

static int
type_of(const char *s)
{
	static const struct {
		const char *name;
		int     type;
	}       types[] = {
		{"a", DNS_TYPE_A}, {"aaaa", DNS_TYPE_AAAA}, {"mx", DNS_TYPE_MX},
		{"txt", DNS_TYPE_TXT}, {"ptr", DNS_TYPE_PTR},
		{"ns", DNS_TYPE_NS}, {"spf", DNS_TYPE_SPF}, {NULL, 0}
	};
	int     i;

	for (i = 0; types[i].name; i++)
		if (strcasecmp(s, types[i].name) == 0)
			return (types[i].type);
	return (atoi(s));
}

/*
 * The TTL is shown for single lookups; the threaded run compares the data
 * only, since a cached answer's TTL counts down while it runs.
 */
static int show_ttl = 1;

/* show - an answer as text */

static void
show(struct buf *out, const char *name, const struct dns_answer *ans)
{
	char    addr[INET6_ADDRSTRLEN];
	size_t  i;
	size_t  j;

	buf_printf(out, "%s %d %s", name, ans->type, dns_status_name(ans->status));
	if (show_ttl)
		buf_printf(out, " ttl=%u", (unsigned) ans->ttl);
	buf_printf(out, "%s%s\n", ans->error ? " " : "", ans->error ? ans->error : "");
	for (i = 0; i < ans->count; i++) {
		const struct dns_rr *rr = ans->rr + i;

		if (ans->type == DNS_TYPE_A)
			buf_printf(out, "  %s\n", inet_ntop(AF_INET, &rr->a,
						       addr, sizeof(addr)));
		else if (ans->type == DNS_TYPE_AAAA)
			buf_printf(out, "  %s\n", inet_ntop(AF_INET6, &rr->aaaa,
						       addr, sizeof(addr)));
		else if (ans->type == DNS_TYPE_MX)
			buf_printf(out, "  %u %s\n", rr->pref, rr->name);
		else if (rr->name)
			buf_printf(out, "  %s\n", rr->name);
		else if (rr->text) {
			buf_printf(out, "  \"%s\" strings=%zu", rr->text,
				   rr->nstrings);
			for (j = 0; j < rr->nstrings; j++)
				buf_printf(out, "%c%zu", j ? ',' : ' ',
					   rr->string_lens[j]);
			buf_putc(out, '\n');
		} else
			buf_printf(out, "  rdata %zu octets\n", rr->rdata_len);
	}
}

/* lookup - one lookup as text */

static void
lookup(struct buf *out, const char *name)
{
	struct dns_answer ans;

	if (qtype == DNS_TYPE_PTR)
		(void) dns_ptr(dns, name, &ans);
	else
		(void) dns_lookup(dns, name, qtype, &ans);
	show(out, name, &ans);
	dns_answer_free(&ans);
}

/* worker - repeat every lookup, compare with the first answers */

static void *
worker(void *arg)
{
	long    bad = 0;
	struct buf got = BUF_INIT;
	int     r;
	int     i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < nnames; i++) {
			buf_reset(&got);
			lookup(&got, names[i]);
			if (strcmp(got.data, expect[i].data) != 0)
				bad++;
		}
	buf_free(&got);
	return ((void *) bad);
}

/* run_threads - the concurrent run; returns mismatches */

static long
run_threads(int nthreads)
{
	pthread_t *tids = calloc(nthreads, sizeof(*tids));
	struct timespec t0, t1;
	long    bad = 0;
	void   *ret;
	int     i;

	show_ttl = 0;
	expect = calloc(nnames, sizeof(*expect));
	for (i = 0; i < nnames; i++)
		lookup(&expect[i], names[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nthreads; i++)
		pthread_create(&tids[i], NULL, worker, NULL);
	for (i = 0; i < nthreads; i++) {
		pthread_join(tids[i], &ret);
		bad += (long) ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("threads: %ld lookups, %ld mismatches, %ld ms\n",
	       (long) nthreads * rounds * nnames, bad,
	       (long) ((t1.tv_sec - t0.tv_sec) * 1000
		       + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	free(tids);
	return (bad);
}

int
main(int argc, char **argv)
{
	const char *server = NULL;
	struct buf err = BUF_INIT;
	struct buf out = BUF_INIT;
	int     timeout = 5000;
	int     nthreads = 0;
	long    bad = 0;
	int     c;
	int     i;

	while ((c = getopt(argc, argv, "s:t:T:r:")) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 't': timeout = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	qtype = type_of(argv[optind]);
	names = argv + optind + 1;
	nnames = argc - optind - 1;
	if ((dns = dns_open(server, timeout, &err)) == NULL) {
		fprintf(stderr, "dnsq: %s\n", err.data);
		return (2);
	}
	if (nthreads > 0)
		bad = run_threads(nthreads);
	else
		for (i = 0; i < nnames; i++) {
			buf_reset(&out);
			lookup(&out, names[i]);
			fputs(out.data, stdout);
		}
	dns = dns_close(dns);
	buf_free(&out);
	return (bad ? 1 : 0);
usage:
	fprintf(stderr, "usage: dnsq [-s server] [-t ms] [-T threads -r rounds] type name...\n");
	return (2);
}
