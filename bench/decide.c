/*++
/* NAME
/*	decide 1
/* SUMMARY
/*	the cost of one relay authorisation decision
/* SYNOPSIS
/*	bench/decide [-n COUNT] [-s NAMESERVER] POLICY
/* DESCRIPTION
/*	Loads POLICY and times policy_decide_mail() plus policy_decide()
/*	(what signet-milter runs per message) for relays matched by
/*	network, by SASL login, by client name, and for an unauthorised
/*	relay, COUNT times each (default 1000000). The SPF evaluator
/*	handed to the decision counts the questions and answers "fail"
/*	without DNS. Prints, per case, the nanoseconds per message and the
/*	SPF questions per message.
/*
/*	With -s, three more cases use signet's SPF evaluator (spf 3) on
/*	that nameserver, which must publish an SPF record for example.com
/*	passing 127.0.0.3: with the result cache, without it (every
/*	message evaluates SPF, from libunbound's cache after the first),
/*	and without it for a fresh evaluator each time (COUNT/1000
/*	messages: the first evaluation, as after a reload).
/*
/*	The policy should give example.com senders matched by network
/*	127.0.0.2/32, SASL app-*, client name *.mta.example.net, and one
/*	with spf: pass; bench/decide.yaml is one.
/* DIAGNOSTICS
/*	Exit 1 when the policy does not load (its errors on stderr).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "diag.h"
#include "policy.h"
#include "spf.h"

static long spf_questions;
static struct spf *spf;			/* -s: the real evaluator */
static int spf_fresh;			/* a new one per message */
static struct policy_dns spf_dns = {NULL, 5000};

/* count_spf - an SPF evaluator that only counts */

static enum spf_verdict
count_spf(void *ctx, const char *domain, const struct sockaddr *sa,
	          char *why, size_t len)
{
	spf_questions++;
	if (spf != NULL && spf_fresh) {
		spf = spf_free(spf);
		spf = spf_create(&spf_dns, 0);
	}
	if (spf != NULL)
		return (spf_verdict(spf, domain, sa, why, len));
	(void) snprintf(why, len, "SPF fail");
	return (SPF_VERDICT_FAIL);
}

/* run - time one kind of message */

static void
run(const struct policy *p, const char *label, const char *addr,
    const char *auth, const char *name, long n)
{
	struct sockaddr_in sin;
	struct msg_facts f;
	struct verdict v;
	struct timespec t0, t1;
	long    i;
	double  ns;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	(void) inet_pton(AF_INET, addr, &sin.sin_addr);
	memset(&f, 0, sizeof(f));
	f.client_addr = (struct sockaddr *) &sin;
	f.auth_authen = auth;
	f.client_name = name;
	f.mail_from = "bounce@example.com";
	f.nfrom = 1;
	f.from = "News <news@example.com>";
	f.spf = count_spf;
	spf_questions = 0;
	(void) clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (!policy_decide_mail(p, &f, &v))
			policy_decide(p, &f, &v);
	}
	(void) clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
	printf("%-28s %8.1f ns/message  %.2f SPF questions/message  sender=%s\n",
	       label, ns, (double) spf_questions / n, v.sender);
}

int
main(int argc, char **argv)
{
	struct diag d = DIAG_INIT;
	struct policy *p;
	long    n = 1000000;
	int     ch;

	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		if (ch == 's') {
			spf_dns.nameserver = optarg;
		} else if (ch != 'n' || (n = atol(optarg)) <= 0) {
			fprintf(stderr, "usage: decide [-n COUNT] [-s NAMESERVER] POLICY\n");
			return (2);
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: decide [-n COUNT] [-s NAMESERVER] POLICY\n");
		return (2);
	}
	if ((p = policy_load(argv[optind], &d)) == NULL) {
		fputs(diag_text(&d), stderr);
		return (1);
	}
	run(p, "network (crm)", "127.0.0.2", NULL, NULL, n);
	run(p, "SASL login (apps)", "127.0.0.3", "app-orders", NULL, n);
	run(p, "client name (mta)", "127.0.0.3", NULL, "out1.mta.example.net", n);
	run(p, "unauthorised (asks SPF)", "127.0.0.3", NULL, NULL, n);
	if (spf_dns.nameserver != NULL) {
		spf = spf_create(&spf_dns, SPF_CACHE_MAX);
		run(p, "SPF pass, result cached", "127.0.0.3", NULL, NULL, n);
		spf = spf_free(spf);
		spf = spf_create(&spf_dns, 0);
		run(p, "SPF pass, no result cache", "127.0.0.3", NULL, NULL, n / 100);
		spf_fresh = 1;
		run(p, "SPF pass, new evaluator", "127.0.0.3", NULL, NULL, n / 1000);
		spf = spf_free(spf);
	}
	policy_free(p);
	diag_free(&d);
	return (0);
}
