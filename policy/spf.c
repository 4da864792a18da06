/*++
/* NAME
/*	spf 3
/* SUMMARY
/*	SPF evaluation with libspf2 over signet's resolver, cached
/* SYNOPSIS
/*	#include "spf.h"
/*
/*	struct spf *spf_create(const struct policy_dns *dns,
/*			size_t cache_max)
/*
/*	struct spf *spf_free(struct spf *spf)
/*
/*	enum spf_code spf_check(struct spf *spf,
/*			const struct sockaddr *client, const char *domain,
/*			struct spf_answer *ans)
/*
/*	enum spf_verdict spf_verdict(void *spf, const char *domain,
/*			const struct sockaddr *client, char *why, size_t len)
/*
/*	const char *spf_code_name(enum spf_code code)
/*
/*	void	spf_stats(struct spf *spf, struct spf_stats *st)
/* DESCRIPTION
/*	spf_check() answers whether \fIclient\fR passes the SPF record
/*	that \fIdomain\fR publishes: check_host() of RFC 7208 with the
/*	sender postmaster@\fIdomain\fR and the HELO name "unknown" (relay
/*	authorisation is about the client and the domain, not one
/*	message, so %{l} is "postmaster" and %{h} "unknown"). Unlike
/*	libspf2's query functions, loopback clients get no free pass:
/*	they pass only when the record lists them.
/*
/*	A result is first looked for in the cache, keyed by the client
/*	address and the domain. Otherwise one evaluation's libspf2 server
/*	is taken from a pool (made when none is idle; libspf2 keeps
/*	per-evaluation state in its server, see spf_dns(3), so no two
/*	threads share one), the resolver is opened if this is the first
/*	evaluation, the record is fetched and interpreted, and the server
/*	goes back to the pool. Every result but a temperror is then
/*	cached for the least TTL of the DNS answers it used, at most
/*	SPF_CACHE_TTL_MAX seconds.
/*
/*	Results: pass; fail, softfail, neutral (the record does not pass
/*	the client); none (no record); permerror (the record is broken:
/*	the reason says how, e.g. more than 10 DNS-querying terms, more
/*	than 2 void lookups, a syntax error, two records); temperror (DNS
/*	failed or timed out: the reason says which lookup and why).
/*
/*	spf_verdict() is spf_check() as the decision's SPF evaluator.
/*
/*	spf_stats() reports evaluations, cache hits and DNS lookups.
/* DIAGNOSTICS
/*	A resolver that cannot be opened is logged once and makes every
/*	evaluation a temperror. libspf2's own warnings go to the log;
/*	its internal errors are fatal (it cannot go on after one).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "spf_int.h"

static pthread_once_t spf_once = PTHREAD_ONCE_INIT;

/* spf_lib_error - libspf2 cannot go on */

static void __attribute__((noreturn))
spf_lib_error(const char *file, int line, const char *msg)
{
	log_panic("libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

/* spf_lib_warning - a warning from libspf2 */

static void
spf_lib_warning(const char *file, int line, const char *msg)
{
	log_warn("libspf2: %s", msg);
}

/* spf_lib_debug - libspf2's chatter, for debugging only */

static void
spf_lib_debug(const char *file, int line, const char *msg)
{
	log_debug("libspf2: %s", msg);
}

/* spf_lib_init - send libspf2's messages to signet's log */

static void
spf_lib_init(void)
{
	SPF_error_handler = spf_lib_error;
	SPF_warning_handler = spf_lib_warning;
	SPF_info_handler = spf_lib_debug;
	SPF_debug_handler = spf_lib_debug;
}

/* spf_create - an evaluator; no thread, no query yet */

struct spf *
spf_create(const struct policy_dns *dns, size_t cache_max)
{
	struct spf *spf = xcalloc(1, sizeof(*spf));

	(void) pthread_once(&spf_once, spf_lib_init);
	if (dns != NULL && dns->nameserver != NULL)
		spf->nameserver = xstrdup(dns->nameserver);
	spf->timeout_ms = dns != NULL && dns->timeout_ms > 0 ?
		dns->timeout_ms : POLICY_DNS_TIMEOUT_MS;
	(void) pthread_mutex_init(&spf->lock, NULL);
	if (cache_max > 0)
		spf->cache = spf_cache_create(cache_max);
	return (spf);
}

/* spf_free - release the evaluator, its pool, resolver and cache */

struct spf *
spf_free(struct spf *spf)
{
	struct spf_eval *ev;
	int     owned;

	if (spf == NULL)
		return (NULL);
	while ((ev = spf->pool) != NULL) {
		spf->pool = ev->next;
		owned = ev->server->destroy_resolver;
		SPF_server_free(ev->server);
		if (!owned)			/* libspf2 left the layer to us */
			SPF_dns_free(ev->layer);
		free(ev);
	}
	spf->dns = dns_close(spf->dns);
	spf->cache = spf_cache_free(spf->cache);
	(void) pthread_mutex_destroy(&spf->lock);
	free(spf->dns_error);
	free(spf->nameserver);
	free(spf);
	return (NULL);
}

/* spf_resolver - open the resolver at the first evaluation */

static int
spf_resolver(struct spf *spf, struct spf_answer *ans)
{
	struct buf err = BUF_INIT;
	int     ok;

	(void) pthread_mutex_lock(&spf->lock);
	if (spf->dns == NULL && spf->dns_error == NULL) {
		if ((spf->dns = dns_open(spf->nameserver, spf->timeout_ms,
					 &err)) == NULL) {
			spf->dns_error = buf_steal(&err);
			log_error("SPF cannot be evaluated: %s", spf->dns_error);
		}
	}
	if (!(ok = spf->dns != NULL))
		(void) snprintf(ans->reason, sizeof(ans->reason), "SPF temperror: "
				"no resolver: %s", spf->dns_error);
	(void) pthread_mutex_unlock(&spf->lock);
	buf_free(&err);
	return (ok ? 0 : -1);
}

/* spf_eval_take - an idle evaluation, or a new one */

static struct spf_eval *
spf_eval_take(struct spf *spf)
{
	SPF_response_t *resp = NULL;
	struct spf_eval *ev;

	(void) pthread_mutex_lock(&spf->lock);
	if ((ev = spf->pool) != NULL)
		spf->pool = ev->next;
	(void) pthread_mutex_unlock(&spf->lock);
	if (ev != NULL)
		return (ev);
	ev = xcalloc(1, sizeof(*ev));
	ev->spf = spf;
	ev->layer = spf_layer_new(ev);
	if ((ev->server = SPF_server_new_dns(ev->layer, 0)) == NULL)
		log_fatal("out of memory making a libspf2 server");
	if (SPF_server_set_explanation(ev->server, "not permitted",
				       &resp) != SPF_E_SUCCESS)
		log_panic("libspf2 refuses a fixed explanation");
	if (resp != NULL)
		SPF_response_free(resp);
	return (ev);
}

/* spf_eval_give - back to the pool, with what it cost */

static void
spf_eval_give(struct spf *spf, struct spf_eval *ev)
{
	(void) pthread_mutex_lock(&spf->lock);
	ev->next = spf->pool;
	spf->pool = ev;
	spf->evaluations++;
	spf->queries += ev->queries;
	(void) pthread_mutex_unlock(&spf->lock);
}

/* spf_code_of - our code for libspf2's result */

static enum spf_code
spf_code_of(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS:
		return (SPF_CODE_PASS);
	case SPF_RESULT_FAIL:
		return (SPF_CODE_FAIL);
	case SPF_RESULT_SOFTFAIL:
		return (SPF_CODE_SOFTFAIL);
	case SPF_RESULT_NEUTRAL:
		return (SPF_CODE_NEUTRAL);
	case SPF_RESULT_NONE:
		return (SPF_CODE_NONE);
	case SPF_RESULT_TEMPERROR:
		return (SPF_CODE_TEMPERROR);
	default:
		return (SPF_CODE_PERMERROR);
	}
}

/* spf_code_name - a result as RFC 7208 names it */

const char *
spf_code_name(enum spf_code code)
{
	static const char *const names[] = {
		"pass", "fail", "softfail", "neutral", "none", "permerror",
		"temperror",
	};

	return ((unsigned) code < sizeof(names) / sizeof(names[0]) ?
		names[code] : "unknown");
}

/* spf_answer_fill - the result with its reason and cost */

static void
spf_answer_fill(struct spf_answer *ans, enum spf_code code,
		        const struct spf_eval *ev, SPF_errcode_t err)
{
	const char *detail = ev->reason[0] ? ev->reason : SPF_strerror(err);

	ans->code = code;
	if (code == SPF_CODE_PERMERROR || code == SPF_CODE_TEMPERROR
	    || code == SPF_CODE_NONE)
		(void) snprintf(ans->reason, sizeof(ans->reason), "SPF %s: %s",
				spf_code_name(code), detail);
	else
		(void) snprintf(ans->reason, sizeof(ans->reason), "SPF %s",
				spf_code_name(code));
	ans->ttl = code == SPF_CODE_TEMPERROR || ev->ttl == UINT32_MAX ? 0 :
		ev->ttl < SPF_CACHE_TTL_MAX ? ev->ttl : SPF_CACHE_TTL_MAX;
	ans->queries = ev->queries;
	ans->terms = ev->terms;
	ans->voids = ev->voids;
}

/* spf_request - a request for check_host(ip, domain, postmaster@domain) */

static SPF_request_t *
spf_request(SPF_server_t *server, const struct spf_ip *ip, const char *domain)
{
	SPF_request_t *req;
	struct in_addr a4;
	struct in6_addr a6;
	struct buf from = BUF_INIT;

	if ((req = SPF_request_new(server)) == NULL)
		log_fatal("out of memory making a libspf2 request");
	if (ip->family == AF_INET) {
		memcpy(&a4, ip->addr, sizeof(a4));
		(void) SPF_request_set_ipv4(req, a4);
	} else {
		memcpy(&a6, ip->addr, sizeof(a6));
		(void) SPF_request_set_ipv6(req, a6);
	}
	buf_printf(&from, "postmaster@%s", domain);
	if (SPF_request_set_env_from(req, from.data) != 0
	    || SPF_request_set_helo_dom(req, "unknown") != SPF_E_SUCCESS)
		log_fatal("out of memory making a libspf2 request");
	buf_free(&from);
	req->cur_dom = req->env_from_dp;	/* as libspf2's own queries do */
	return (req);
}

/* spf_run - one evaluation with libspf2 */

static void
spf_run(struct spf_eval *ev, const struct spf_ip *ip, const char *domain,
	        struct spf_answer *ans)
{
	SPF_request_t *req = spf_request(ev->server, ip, domain);
	SPF_response_t *resp;
	SPF_record_t *rec = NULL;
	SPF_errcode_t err;
	enum spf_code code;

	if ((resp = SPF_response_new(req)) == NULL)
		log_fatal("out of memory making a libspf2 response");
	spf_layer_reset(ev);
	err = SPF_server_get_record(ev->server, req, resp, &rec);
	if (err == SPF_E_SUCCESS) {
		resp->spf_record_exp = rec;
		err = SPF_record_interpret(rec, req, resp, 0);
		SPF_record_free(rec);
		code = spf_code_of(SPF_response_result(resp));
		if (err == SPF_E_SUCCESS)
			err = SPF_response_errcode(resp);
	} else {
		code = err == SPF_E_DNS_ERROR ? SPF_CODE_TEMPERROR :
			err == SPF_E_NOT_SPF ? SPF_CODE_NONE : SPF_CODE_PERMERROR;
	}
	if (ev->over)				/* spf_dns(3): a limit passed */
		code = SPF_CODE_PERMERROR;
	spf_answer_fill(ans, code, ev, err);
	SPF_response_free(resp);
	SPF_request_free(req);
}

/* spf_ip_of - the address SPF evaluates; -1 if not IP */

static int
spf_ip_of(const struct sockaddr *sa, struct spf_ip *ip)
{
	const struct in6_addr *a6;

	memset(ip, 0, sizeof(*ip));
	if (sa != NULL && sa->sa_family == AF_INET) {
		ip->family = AF_INET;
		memcpy(ip->addr, &((const struct sockaddr_in *) sa)->sin_addr, 4);
		return (0);
	}
	if (sa == NULL || sa->sa_family != AF_INET6)
		return (-1);
	a6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {		/* RFC 7208 5 */
		ip->family = AF_INET;
		memcpy(ip->addr, a6->s6_addr + 12, 4);
	} else {
		ip->family = AF_INET6;
		memcpy(ip->addr, a6->s6_addr, 16);
	}
	return (0);
}

/* spf_check - does the client pass the domain's SPF record */

enum spf_code
spf_check(struct spf *spf, const struct sockaddr *sa, const char *domain,
	          struct spf_answer *ans)
{
	struct spf_eval *ev;
	struct spf_ip ip;
	char    dom[256];
	size_t  i;

	memset(ans, 0, sizeof(*ans));
	for (i = 0; domain[i] && i + 1 < sizeof(dom); i++)
		dom[i] = (char) tolower((unsigned char) domain[i]);
	dom[i] = 0;
	if (i > 0 && dom[i - 1] == '.')
		dom[i - 1] = 0;
	ans->code = SPF_CODE_NONE;
	if (domain[i] != 0 || !spf_name_ok(dom) || strchr(dom, '.') == NULL) {
		(void) snprintf(ans->reason, sizeof(ans->reason), "SPF none: "
				"\"%.100s\" is not a domain name", domain);
		return (ans->code);		/* RFC 7208 4.3 */
	}
	if (spf_ip_of(sa, &ip) < 0) {
		(void) snprintf(ans->reason, sizeof(ans->reason), "SPF none: "
				"the client has no IP address");
		return (ans->code);
	}
	if (spf->cache != NULL && spf_cache_get(spf->cache, &ip, dom, ans)) {
		ans->cached = 1;
		ans->queries = 0;
		return (ans->code);
	}
	if (spf_resolver(spf, ans) < 0)
		return (ans->code = SPF_CODE_TEMPERROR);
	ev = spf_eval_take(spf);
	spf_run(ev, &ip, dom, ans);
	spf_eval_give(spf, ev);
	if (spf->cache != NULL && ans->code != SPF_CODE_TEMPERROR)
		spf_cache_put(spf->cache, &ip, dom, ans);
	return (ans->code);
}

/* spf_verdict - spf_check() as the decision's SPF evaluator */

enum spf_verdict
spf_verdict(void *ctx, const char *domain, const struct sockaddr *sa,
	            char *why, size_t len)
{
	struct spf_answer ans;

	switch (spf_check(ctx, sa, domain, &ans)) {
	case SPF_CODE_PASS:
		return (SPF_VERDICT_PASS);
	case SPF_CODE_TEMPERROR:
		(void) snprintf(why, len, "%s", ans.reason);
		return (SPF_VERDICT_TEMPERROR);
	default:
		(void) snprintf(why, len, "%s", ans.reason);
		return (SPF_VERDICT_FAIL);
	}
}

/* spf_stats - what the evaluator has done */

void
spf_stats(struct spf *spf, struct spf_stats *st)
{
	memset(st, 0, sizeof(*st));
	(void) pthread_mutex_lock(&spf->lock);
	st->evaluations = spf->evaluations;
	st->queries = spf->queries;
	(void) pthread_mutex_unlock(&spf->lock);
	if (spf->cache != NULL)
		spf_cache_stats(spf->cache, st);
}
