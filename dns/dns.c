/*++
/* NAME
/*	dns 3
/* SUMMARY
/*	thread-safe DNS lookups with bounded time, on libunbound
/* SYNOPSIS
/*	#include "dns.h"
/*
/*	struct dns *dns_open(const char *nameserver, int timeout_ms,
/*			struct buf *err);
/*	struct dns *dns_close(struct dns *dns);
/*	enum dns_status dns_lookup(struct dns *dns, const char *name,
/*			int type, struct dns_answer *ans);
/*	enum dns_status dns_ptr(struct dns *dns, const char *addr,
/*			struct dns_answer *ans);
/* DESCRIPTION
/*	One libunbound context serves every thread of the process: its
/*	cache keeps answers for their TTL, and its own worker thread does
/*	the network work. A lookup hands its query to that worker
/*	(ub_resolve_async()) and sleeps on a condition variable until the
/*	answer comes or the deadline passes; a dispatcher thread owned by
/*	struct dns waits on ub_fd() and runs ub_process(), which delivers
/*	each answer to the thread that asked.
/*
/*	libunbound has no per-query timeout. At the deadline the lookup
/*	cancels its query: ub_cancel() succeeding means the callback will
/*	never run, so the query state is released at once and the lookup
/*	gives DNS_TEMPFAIL; ub_cancel() failing means the answer is being
/*	delivered that moment, and the lookup takes it.
/*
/*	The nameserver is used as a forwarder for every name (queries with
/*	recursion desired). Loopback nameservers are allowed (libunbound
/*	refuses them by default), since a local caching resolver, and the
/*	tests' own server, live there. Reverse zones of private and
/*	documentation networks, and the .test TLD, are asked of the
/*	nameserver too, instead of being answered by libunbound itself.
/*
/*	Threads do not survive fork(): open the resolver in the process
/*	that uses it, after any daemonising fork.

/*	The resolver's threads (the dispatcher, and libunbound's worker,
/*	which it starts at the first lookup) block every signal, so that
/*	signals go to the threads of the program that wait for them.
/* DIAGNOSTICS
/*	dns_open() returns NULL with one line in err: a nameserver that is
/*	not an address, an unreadable resolv.conf, a thread that cannot be
/*	started. Lookups report failures in the answer (status, error);
/*	they never log.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns.h"
#include "dns_int.h"
#include "xalloc.h"

struct dns {
	struct ub_ctx *ctx;
	int     timeout_ms;
	char   *server;			/* for messages */
	pthread_mutex_t lock;		/* guards every dns_query */
	pthread_t dispatcher;
	int     wake[2];		/* written to stop the dispatcher */
};

/* One lookup in flight. */
struct dns_query {
	struct dns *dns;
	pthread_cond_t cond;
	int     done;
	int     err;			/* libunbound error code */
	struct ub_result *result;
};

/* dns_dispatch - deliver answers to the waiting lookups */

static void *
dns_dispatch(void *arg)
{
	struct dns *dns = arg;
	struct pollfd pfd[2];

	pfd[0].fd = ub_fd(dns->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = dns->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents && ub_process(dns->ctx) != 0)
			break;
	}
	return (NULL);
}

/* dns_callback - an answer arrived: hand it to its lookup */

static void
dns_callback(void *arg, int err, struct ub_result *result)
{
	struct dns_query *q = arg;

	pthread_mutex_lock(&q->dns->lock);
	q->err = err;
	q->result = result;
	q->done = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->dns->lock);
}

/* dns_set - set one libunbound option, or say which failed */

static int
dns_set(struct ub_ctx *ctx, const char *opt, const char *val, struct buf *err)
{
	int     r;

	if ((r = ub_ctx_set_option(ctx, opt, val)) != 0) {
		buf_printf(err, "cannot set resolver option %s %s: %s",
			   opt, val, ub_strerror(r));
		return (-1);
	}
	return (0);
}


 /*
  * libunbound answers some names itself (RFC 6303 and 6761 zones). Those
  * below belong to the nameserver: private and documentation networks'
  * reverse zones (a site's resolver may serve them; blocklists and
  * tests use them), and the .test TLD.
  */
static const char *dns_served_zones[] = {
	"2.0.192.in-addr.arpa. nodefault",
	"100.51.198.in-addr.arpa. nodefault",
	"113.0.203.in-addr.arpa. nodefault",
	"8.b.d.0.1.0.0.2.ip6.arpa. nodefault",
	"test. nodefault",
	NULL
};

/* dns_configure - servers and options of a new context */

static int
dns_configure(struct dns *dns, const char *nameserver, struct buf *err)
{
	const char **z;
	int     r;

	if (dns_set(dns->ctx, "do-not-query-localhost:", "no", err) < 0
	    || dns_set(dns->ctx, "infra-keep-probing:", "yes", err) < 0
	    || dns_set(dns->ctx, "unblock-lan-zones:", "yes", err) < 0
	    || dns_set(dns->ctx, "insecure-lan-zones:", "yes", err) < 0)
		return (-1);
	for (z = dns_served_zones; *z; z++)
		if (dns_set(dns->ctx, "local-zone:", *z, err) < 0)
			return (-1);
	if ((r = ub_ctx_async(dns->ctx, 1)) != 0) {
		buf_printf(err, "cannot make the resolver threaded: %s",
			   ub_strerror(r));
		return (-1);
	}
	if (nameserver != NULL) {
		if (*nameserver == 0
		    || ub_ctx_set_fwd(dns->ctx, nameserver) != 0) {
			buf_printf(err, "DNS nameserver \"%s\" is not an IP "
				   "address; write IP or IP@PORT, e.g. "
				   "127.0.0.1 or 127.0.0.1@53", nameserver);
			return (-1);
		}
		return (0);
	}
	if ((r = ub_ctx_resolvconf(dns->ctx, NULL)) != 0) {
		buf_printf(err, "cannot use /etc/resolv.conf: %s%s%s; fix it "
			   "or configure a nameserver", ub_strerror(r),
			   errno ? ": " : "", errno ? strerror(errno) : "");
		return (-1);
	}
	/* A missing /etc/hosts is not an error. */
	(void) ub_ctx_hosts(dns->ctx, NULL);
	return (0);
}

/* dns_thread_start - start the dispatcher with every signal blocked */

static int
dns_thread_start(struct dns *dns)
{
	sigset_t all, old;
	int     r;

	sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&dns->dispatcher, NULL, dns_dispatch, dns);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (r);
}

/* dns_start - finalise the context and start the dispatcher */

static int
dns_start(struct dns *dns, struct buf *err)
{
	int     r;

	if (pipe(dns->wake) < 0) {
		buf_printf(err, "cannot create a pipe: %s", strerror(errno));
		return (-1);
	}
	(void) fcntl(dns->wake[0], F_SETFD, FD_CLOEXEC);
	(void) fcntl(dns->wake[1], F_SETFD, FD_CLOEXEC);
	if ((r = dns_thread_start(dns)) != 0) {
		buf_printf(err, "cannot start the resolver thread: %s",
			   strerror(r));
		return (-1);
	}
	return (0);
}

/* dns_open - create the shared resolver */

struct dns *
dns_open(const char *nameserver, int timeout_ms, struct buf *err)
{
	struct dns *dns = xcalloc(1, sizeof(*dns));

	dns->wake[0] = dns->wake[1] = -1;
	dns->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	dns->server = xstrdup(nameserver ? nameserver :
			      "the nameservers of /etc/resolv.conf");
	pthread_mutex_init(&dns->lock, NULL);
	if ((dns->ctx = ub_ctx_create()) == NULL) {
		buf_puts(err, "cannot create a libunbound context");
		return (dns_close(dns));
	}
	if (dns_configure(dns, nameserver, err) < 0
	    || dns_start(dns, err) < 0) {
		if (dns->wake[1] >= 0) {
			close(dns->wake[0]);
			close(dns->wake[1]);
			dns->wake[0] = dns->wake[1] = -1;
		}
		ub_ctx_delete(dns->ctx);
		dns->ctx = NULL;
		return (dns_close(dns));
	}
	return (dns);
}

/* dns_close - stop the dispatcher, release everything */

struct dns *
dns_close(struct dns *dns)
{
	if (dns == NULL)
		return (NULL);
	if (dns->ctx != NULL) {
		if (write(dns->wake[1], "x", 1) == 1)
			pthread_join(dns->dispatcher, NULL);
		close(dns->wake[0]);
		close(dns->wake[1]);
		ub_ctx_delete(dns->ctx);
	}
	pthread_mutex_destroy(&dns->lock);
	free(dns->server);
	free(dns);
	return (NULL);
}

/* dns_deadline - now + ms on the monotonic clock */

static void
dns_deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* dns_wait - wait for the answer until the deadline; 0 if it came */

static int
dns_wait(struct dns *dns, struct dns_query *q, int async_id)
{
	struct timespec deadline;
	int     timed_out = 0;

	dns_deadline(&deadline, dns->timeout_ms);
	pthread_mutex_lock(&dns->lock);
	while (!q->done && !timed_out)
		if (pthread_cond_timedwait(&q->cond, &dns->lock,
					   &deadline) == ETIMEDOUT)
			timed_out = 1;
	if (q->done) {
		pthread_mutex_unlock(&dns->lock);
		return (0);
	}
	pthread_mutex_unlock(&dns->lock);
	if (ub_cancel(dns->ctx, async_id) == 0)
		return (-1);			/* the callback will never run */

	/* Too late to cancel: the answer is being delivered now. */
	pthread_mutex_lock(&dns->lock);
	while (!q->done)
		pthread_cond_wait(&q->cond, &dns->lock);
	pthread_mutex_unlock(&dns->lock);
	return (0);
}

/* dns_query_new - state of one lookup */

static struct dns_query *
dns_query_new(struct dns *dns)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t attr;

	q->dns = dns;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	return (q);
}

/* dns_query_free - release the state of one lookup */

static void
dns_query_free(struct dns_query *q)
{
	pthread_cond_destroy(&q->cond);
	free(q);
}

/* dns_lookup - one lookup, bounded by the resolver's timeout */

enum dns_status
dns_lookup(struct dns *dns, const char *name, int type,
	   struct dns_answer *ans)
{
	struct dns_query *q;
	sigset_t all, old;
	int     async_id = 0;
	int     r;

	dns_answer_init(ans, name, type);
	if (dns == NULL)
		return (dns_answer_fail(ans, DNS_TEMPFAIL, "no resolver"));
	if (!dns_name_ok(name))
		return (dns_answer_fail(ans, DNS_PERMFAIL,
					"not a valid domain name"));
	q = dns_query_new(dns);
	/* The first query starts libunbound's worker: with no signal. */
	sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	r = ub_resolve_async(dns->ctx, name, type, 1, q, dns_callback, &async_id);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		dns_query_free(q);
		return (dns_answer_fail(ans, r == UB_SYNTAX ? DNS_PERMFAIL :
					DNS_TEMPFAIL, ub_strerror(r)));
	}
	if (dns_wait(dns, q, async_id) < 0) {
		struct buf why = BUF_INIT;

		dns_query_free(q);
		buf_printf(&why, "timed out after %d ms asking %s",
			   dns->timeout_ms, dns->server);
		ans->error = buf_steal(&why);
		ans->status = DNS_TEMPFAIL;
		return (ans->status);
	}
	if (q->err != 0) {
		r = q->err;
		dns_query_free(q);
		return (dns_answer_fail(ans, DNS_TEMPFAIL, ub_strerror(r)));
	}
	dns_answer_fill(ans, q->result, dns->server);
	dns_query_free(q);
	return (ans->status);
}

/* dns_ptr - reverse lookup of a textual address */

enum dns_status
dns_ptr(struct dns *dns, const char *addr, struct dns_answer *ans)
{
	struct buf name = BUF_INIT;
	enum dns_status st;

	if (dns_reverse_name(addr, NULL, &name) < 0) {
		dns_answer_init(ans, addr, DNS_TYPE_PTR);
		buf_free(&name);
		return (dns_answer_fail(ans, DNS_PERMFAIL,
					"not an IPv4 or IPv6 address"));
	}
	st = dns_lookup(dns, name.data, DNS_TYPE_PTR, ans);
	buf_free(&name);
	return (st);
}
