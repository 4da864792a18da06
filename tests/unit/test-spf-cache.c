/*++
/* NAME
/*	test-spf-cache 1
/* SUMMARY
/*	unit tests of the SPF result cache
/* SYNOPSIS
/*	test-spf-cache
/* DESCRIPTION
/*	spf_cache(3): a result comes back for the same address and domain
/*	(domain case aside) and for no other; a TTL of 0 is not kept; a
/*	result is gone after its TTL; a full cache drops the oldest; a
/*	result put again replaces the first; 8 threads at once keep the
/*	size bound.
/* DIAGNOSTICS
/*	"N passed, N failed".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spf_int.h"
#include "test.h"

/* ip4 - an IPv4 key */

static struct spf_ip
ip4(int a, int b, int c, int d)
{
	struct spf_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	ip.addr[0] = (unsigned char) a;
	ip.addr[1] = (unsigned char) b;
	ip.addr[2] = (unsigned char) c;
	ip.addr[3] = (unsigned char) d;
	return (ip);
}

/* answer - a result to keep */

static struct spf_answer
answer(enum spf_code code, const char *reason, uint32_t ttl)
{
	struct spf_answer a;

	memset(&a, 0, sizeof(a));
	a.code = code;
	a.ttl = ttl;
	(void) snprintf(a.reason, sizeof(a.reason), "%s", reason);
	return (a);
}

/* test_keys - same key hits, other keys miss */

static void
test_keys(void)
{
	struct spf_cache *c = spf_cache_create(10);
	struct spf_ip a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2), six = a;
	struct spf_answer in = answer(SPF_CODE_SOFTFAIL, "SPF softfail", 300), out;

	test_begin("spf cache: keys");
	spf_cache_put(c, &a, "example.com", &in);
	test_assert_int(spf_cache_get(c, &a, "example.com", &out), 1);
	test_assert_int(out.code, SPF_CODE_SOFTFAIL);
	test_assert_str(out.reason, "SPF softfail");
	test_assert_int(spf_cache_get(c, &a, "EXAMPLE.com", &out), 1);
	test_assert_int(spf_cache_get(c, &b, "example.com", &out), 0);
	test_assert_int(spf_cache_get(c, &a, "example.net", &out), 0);
	six.family = AF_INET6;
	test_assert_int(spf_cache_get(c, &six, "example.com", &out), 0);
	in = answer(SPF_CODE_PASS, "SPF pass", 0);
	spf_cache_put(c, &b, "example.com", &in);
	test_assert_int(spf_cache_get(c, &b, "example.com", &out), 0);
	spf_cache_free(c);
	test_end();
}

/* test_ttl - a result is gone after its TTL */

static void
test_ttl(void)
{
	struct spf_cache *c = spf_cache_create(10);
	struct spf_ip a = ip4(192, 0, 2, 1);
	struct spf_answer in = answer(SPF_CODE_PASS, "SPF pass", 1), out;
	struct spf_stats st;

	test_begin("spf cache: TTL");
	spf_cache_put(c, &a, "example.com", &in);
	usleep(900000);
	test_assert_int(spf_cache_get(c, &a, "example.com", &out), 1);
	usleep(200000);
	test_assert_int(spf_cache_get(c, &a, "example.com", &out), 0);
	memset(&st, 0, sizeof(st));
	spf_cache_stats(c, &st);
	test_assert_int(st.cached, 0);
	test_assert_int(st.hits, 1);
	spf_cache_free(c);
	test_end();
}

/* test_bound - the oldest goes when full; a put again replaces */

static void
test_bound(void)
{
	struct spf_cache *c = spf_cache_create(3);
	struct spf_ip ip[4];
	struct spf_answer in = answer(SPF_CODE_PASS, "SPF pass", 300), out;
	struct spf_stats st;
	int     i;

	test_begin("spf cache: size bound");
	for (i = 0; i < 4; i++) {
		ip[i] = ip4(192, 0, 2, i);
		spf_cache_put(c, &ip[i], "example.com", &in);
	}
	test_assert_int(spf_cache_get(c, &ip[0], "example.com", &out), 0);
	for (i = 1; i < 4; i++)
		test_assert_int(spf_cache_get(c, &ip[i], "example.com", &out), 1);
	in = answer(SPF_CODE_FAIL, "SPF fail", 300);
	spf_cache_put(c, &ip[1], "example.com", &in);
	test_assert_int(spf_cache_get(c, &ip[1], "example.com", &out), 1);
	test_assert_int(out.code, SPF_CODE_FAIL);
	test_assert_int(spf_cache_get(c, &ip[2], "example.com", &out), 1);
	memset(&st, 0, sizeof(st));
	spf_cache_stats(c, &st);
	test_assert_int(st.cached, 3);
	spf_cache_free(c);
	test_end();
}

static struct spf_cache *shared;

/* hammer - one thread's puts and gets */

static void *
hammer(void *arg)
{
	struct spf_answer in = answer(SPF_CODE_PASS, "SPF pass", 300), out;
	struct spf_ip ip;
	int     i, t = (int) (long) arg;

	for (i = 0; i < 20000; i++) {
		ip = ip4(10, t, (i >> 8) & 0xff, i & 0xff);
		spf_cache_put(shared, &ip, i % 2 ? "example.com" : "example.net", &in);
		(void) spf_cache_get(shared, &ip, "example.com", &out);
	}
	return (NULL);
}

/* test_threads - 8 threads at once keep the bound */

static void
test_threads(void)
{
	pthread_t tid[8];
	struct spf_stats st;
	long    i;

	test_begin("spf cache: 8 threads");
	shared = spf_cache_create(100);
	for (i = 0; i < 8; i++)
		test_assert_int(pthread_create(&tid[i], NULL, hammer, (void *) i), 0);
	for (i = 0; i < 8; i++)
		(void) pthread_join(tid[i], NULL);
	memset(&st, 0, sizeof(st));
	spf_cache_stats(shared, &st);
	test_assert_int(st.cached, 100);
	shared = spf_cache_free(shared);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_keys,
		test_ttl,
		test_bound,
		test_threads,
		NULL,
	};

	return (test_run(tests));
}
