/*++
/* NAME
/*	spf_dns 3
/* SUMMARY
/*	libspf2's DNS layer over signet's resolver, with RFC 7208 limits
/* SYNOPSIS
/*	#include "spf_int.h"
/*
/*	SPF_dns_server_t *spf_layer_new(struct spf_eval *ev)
/*
/*	int	spf_name_ok(const char *name)
/*
/*	void	spf_layer_reset(struct spf_eval *ev)
/*
/*	void	spf_eval_problem(struct spf_eval *ev, const char *fmt, ...)
/* DESCRIPTION
/*	spf_layer_new() makes the DNS layer of one evaluation's libspf2
/*	server (see spf_int.h). libspf2 asks it for records; it asks
/*	dns_lookup() (dns 3) on the evaluator's resolver, so every lookup
/*	goes to the configured nameserver and ends within its timeout, and
/*	turns the answer into libspf2's SPF_dns_rr_t. It also:
/* .IP \(bu
/*	fetches SPF records itself (libspf2's get_spf hook): TXT only
/*	(RFC 7208 3.1: type SPF is not used, so no query for it), exactly
/*	one record starting "v=spf1" (more is a permerror), compiled with
/*	SPF_record_compile();
/* .IP \(bu
/*	counts, across the whole evaluation, the terms that query DNS
/*	(include and redirect: each record fetched after the first; a
/*	and exists: each address lookup; mx and ptr: each MX or PTR
/*	lookup, whose following address lookups for the names it
/*	returned belong to it) and the void lookups (NXDOMAIN or no
/*	records) of those terms. Past SPF_TERMS_MAX terms or
/*	SPF_VOIDS_MAX void lookups, ev->over is set, the reason is noted,
/*	and every later lookup answers "no such name" without a query,
/*	so that the evaluation ends quickly; the caller turns the result
/*	into a permerror (RFC 7208 4.6.4). libspf2 1.2 counts terms per
/*	record only and void lookups not at all, hence this.
/* .IP \(bu
/*	keeps the least TTL of the answers used (ev->ttl), for the cache;
/* .IP \(bu
/*	gives libspf2 a fixed explanation instead of looking up exp=
/*	(signet's replies say why themselves).
/* .PP
/*	spf_layer_reset() readies ev for a new evaluation.
/*
/*	spf_eval_problem() notes the first problem met (later ones are
/*	consequences); it becomes the reason of a permerror or temperror.
/*
/*	spf_name_ok() tells whether a name is a domain name: labels of 1
/*	to 63 printable characters (no backslash), 253 in all.
/* DIAGNOSTICS
/*	DNS failures (timeout, SERVFAIL, a response code other than
/*	NOERROR and NXDOMAIN) become TRY_AGAIN, which libspf2 turns into
/*	a temperror. A name that is not a domain name (spf_name_ok())
/*	after macro expansion is no such name, asked of no server.
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "spf_int.h"

#define SPF_EXPLANATION	"not permitted"

/* spf_name_ok - is name a domain name worth asking for */

int
spf_name_ok(const char *name)
{
	const char *cp;
	size_t  label = 0, len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return (0);
	for (cp = name; cp < name + len; cp++) {
		if (*cp == '.') {
			if (label == 0)
				return (0);	/* empty label */
			label = 0;
		} else if (*cp <= ' ' || *cp > '~' || *cp == '\\' || ++label > 63) {
			return (0);
		}
	}
	return (label > 0);
}

/* spf_eval_problem - note the first problem of an evaluation */

void
spf_eval_problem(struct spf_eval *ev, const char *fmt,...)
{
	va_list ap;

	if (ev->reason[0] != 0)
		return;
	va_start(ap, fmt);
	(void) vsnprintf(ev->reason, sizeof(ev->reason), fmt, ap);
	va_end(ap);
}

/* spf_layer_reset - ready for a new evaluation */

void
spf_layer_reset(struct spf_eval *ev)
{
	ev->records = ev->terms = ev->voids = ev->exempt = 0;
	ev->queries = ev->over = 0;
	ev->ttl = UINT32_MAX;
	ev->reason[0] = 0;
}

/* spf_type_name - an RR type for messages */

static const char *
spf_type_name(ns_type type)
{
	switch (type) {
	case ns_t_a:
		return ("A");
	case ns_t_aaaa:
		return ("AAAA");
	case ns_t_mx:
		return ("MX");
	case ns_t_ptr:
		return ("PTR");
	case ns_t_txt:
		return ("TXT");
	default:
		return ("a record");
	}
}

/* spf_count_term - one more DNS-querying term; -1 past the limit */

static int
spf_count_term(struct spf_eval *ev, const char *term, const char *name)
{
	if (++ev->terms <= SPF_TERMS_MAX)
		return (0);
	ev->over = 1;
	spf_eval_problem(ev, "more than %d DNS-querying terms (RFC 7208 "
			 "4.6.4), the next being %s %s", SPF_TERMS_MAX, term, name);
	return (-1);
}

/* spf_count_void - one more void lookup of a term */

static void
spf_count_void(struct spf_eval *ev, const char *name)
{
	if (++ev->voids <= SPF_VOIDS_MAX)
		return;
	ev->over = 1;
	spf_eval_problem(ev, "more than %d void lookups (RFC 7208 4.6.4), "
			 "the last for %s", SPF_VOIDS_MAX, name);
}

/* spf_query - one lookup on the evaluator's resolver; note its TTL */

static enum dns_status
spf_query(struct spf_eval *ev, const char *name, int type,
	          struct dns_answer *ans)
{
	enum dns_status st;

	ev->queries++;
	st = dns_lookup(ev->spf->dns, name, type, ans);
	if ((st == DNS_OK || st == DNS_NXDOMAIN || st == DNS_NODATA)
	    && ans->ttl < ev->ttl)
		ev->ttl = ans->ttl;
	return (st);
}

/* spf_dns_failed - did the lookup fail for DNS (temperror) */

static int
spf_dns_failed(const struct dns_answer *ans)
{
	/* RFC 7208 5: an RCODE other than 0 or 3 is a temperror. */
	return (ans->status == DNS_TEMPFAIL
		|| (ans->status == DNS_PERMFAIL && ans->rcode >= 0));
}

/* spf_rr_new - an empty answer for libspf2 */

static SPF_dns_rr_t *
spf_rr_new(SPF_dns_server_t *layer, const char *name, ns_type type,
	           uint32_t ttl, SPF_dns_stat_t herrno)
{
	SPF_dns_rr_t *rr;

	if ((rr = SPF_dns_rr_new_init(layer, name, type, (int) ttl,
				      herrno)) == NULL)
		log_fatal("out of memory making a DNS answer for libspf2");
	return (rr);
}

/* spf_rr_add - one record into a libspf2 answer */

static void
spf_rr_add(SPF_dns_rr_t *rr, ns_type type, const struct dns_rr *r)
{
	const char *name = type == ns_t_txt ? r->text : r->name;
	size_t  len;
	int     n = rr->num_rr;

	if (type == ns_t_a || type == ns_t_aaaa)
		len = sizeof(rr->rr[0]->aaaa);
	else if (name != NULL && (type != ns_t_txt || strlen(name) == r->text_len))
		len = strlen(name) + 1;
	else
		return;				/* TXT holding a NUL: not SPF */
	if (SPF_dns_rr_buf_realloc(rr, n, len) != SPF_E_SUCCESS)
		log_fatal("out of memory making a DNS answer for libspf2");
	if (type == ns_t_a)
		rr->rr[n]->a = r->a;
	else if (type == ns_t_aaaa)
		rr->rr[n]->aaaa = r->aaaa;
	else
		memcpy(rr->rr[n]->txt, name, len);	/* mx, ptr, txt alike */
	rr->num_rr = n + 1;
}

/* spf_rr_from - a libspf2 answer from one of dns_lookup() */

static SPF_dns_rr_t *
spf_rr_from(struct spf_eval *ev, const char *name, ns_type type,
	            const struct dns_answer *ans)
{
	SPF_dns_rr_t *rr;
	size_t  i;

	if (ans->status == DNS_OK) {
		rr = spf_rr_new(ev->layer, name, type, ans->ttl, NETDB_SUCCESS);
		for (i = 0; i < ans->count; i++)
			spf_rr_add(rr, type, &ans->rr[i]);
		return (rr);
	}
	if (spf_dns_failed(ans)) {
		spf_eval_problem(ev, "cannot look up %s %s: %s",
				 spf_type_name(type), name,
				 ans->error ? ans->error : "DNS failure");
		return (spf_rr_new(ev->layer, name, type, 0, TRY_AGAIN));
	}
	return (spf_rr_new(ev->layer, name, type, ans->ttl,
			   ans->status == DNS_NODATA ? NO_DATA : HOST_NOT_FOUND));
}

/* spf_is_term_lookup - is this lookup a term of its own */

static int
spf_is_term_lookup(struct spf_eval *ev, ns_type type)
{
	if ((type == ns_t_a || type == ns_t_aaaa) && ev->exempt > 0) {
		ev->exempt--;			/* a name of the last MX or PTR */
		return (0);
	}
	return (1);
}

/* spf_layer_lookup - libspf2 asks for NAME's records of TYPE */

static SPF_dns_rr_t *
spf_layer_lookup(SPF_dns_server_t *layer, const char *name, ns_type type,
		         int should_cache)
{
	struct spf_eval *ev = layer->hook;
	struct dns_answer ans;
	SPF_dns_rr_t *rr;
	int     term;

	if (type == ns_t_spf)
		return (spf_rr_new(layer, name, type, 0, NO_DATA));
	if (ev->over)
		return (spf_rr_new(layer, name, type, 0, HOST_NOT_FOUND));
	term = type != ns_t_txt && spf_is_term_lookup(ev, type);
	if (term && spf_count_term(ev, type == ns_t_mx ? "mx" : type == ns_t_ptr ?
				   "ptr" : "a or exists", name) < 0)
		return (spf_rr_new(layer, name, type, 0, HOST_NOT_FOUND));
	if (!spf_name_ok(name)) {		/* after macro expansion */
		rr = spf_rr_new(layer, name, type, 0, HOST_NOT_FOUND);
	} else {
		(void) spf_query(ev, name, type, &ans);
		rr = spf_rr_from(ev, name, type, &ans);
		dns_answer_free(&ans);
	}
	if (type == ns_t_mx)			/* libspf2 looks up at most */
		ev->exempt = rr->num_rr < SPF_MAX_DNS_MX ? rr->num_rr : SPF_MAX_DNS_MX;
	else if (type == ns_t_ptr)
		ev->exempt = rr->num_rr < SPF_MAX_DNS_PTR ? rr->num_rr : SPF_MAX_DNS_PTR;
	if (term && (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA
		     || (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0)))
		spf_count_void(ev, name);
	return (rr);
}

/* spf_is_record - does TXT text start an SPF record */

static int
spf_is_record(const char *text)
{
	return (strncasecmp(text, "v=spf1", 6) == 0
		&& (text[6] == 0 || text[6] == ' '));
}

/* spf_pick - the one SPF record of a TXT answer; NULL if none or many */

static const char *
spf_pick(struct spf_eval *ev, const char *what, const char *domain,
	         const struct dns_answer *ans, SPF_errcode_t *err)
{
	const char *found = NULL;
	size_t  i;
	int     n = 0;

	for (i = 0; i < ans->count; i++) {
		if (ans->rr[i].text != NULL
		    && strlen(ans->rr[i].text) == ans->rr[i].text_len
		    && spf_is_record(ans->rr[i].text)) {
			found = ans->rr[i].text;
			n++;
		}
	}
	if (n == 1)
		return (found);
	if (n == 0) {
		spf_eval_problem(ev, "%s%s publishes no SPF record", what, domain);
		*err = SPF_E_NOT_SPF;
	} else {
		spf_eval_problem(ev, "%s%s publishes %d SPF records; RFC 7208 "
				 "allows one", what, domain, n);
		*err = SPF_E_MULTIPLE_RECORDS;
	}
	return (NULL);
}

/* spf_compile - compile the record text, or note why not */

static SPF_errcode_t
spf_compile(struct spf_eval *ev, SPF_server_t *server, SPF_response_t *resp,
	            const char *domain, const char *text, SPF_record_t **recp)
{
	SPF_errcode_t err;
	SPF_error_t *e;
	int     n;

	if ((err = SPF_record_compile(server, resp, recp, text)) == SPF_E_SUCCESS)
		return (err);
	n = SPF_response_messages(resp);
	e = n > 0 ? SPF_response_message(resp, n - 1) : NULL;
	spf_eval_problem(ev, "the SPF record of %s is not valid: %s", domain,
			 e ? SPF_error_message(e) : SPF_strerror(err));
	if (*recp != NULL) {
		SPF_record_free(*recp);
		*recp = NULL;
	}
	return (err);
}

/* spf_layer_get_spf - libspf2 asks for the compiled record of cur_dom */

static SPF_errcode_t
spf_layer_get_spf(SPF_server_t *server, SPF_request_t *req,
		          SPF_response_t *resp, SPF_record_t **recp)
{
	struct spf_eval *ev = server->resolver->hook;
	const char *domain = req->cur_dom;
	struct dns_answer ans;
	const char *text;
	const char *what = ev->records > 0 ? "include/redirect target " : "";
	SPF_errcode_t err = SPF_E_NOT_SPF;

	*recp = NULL;
	ev->exempt = 0;
	if (ev->over || (ev->records++ > 0
		    && spf_count_term(ev, "include or redirect", domain) < 0))
		return (SPF_E_BIG_DNS);
	if (!spf_name_ok(domain)) {
		spf_eval_problem(ev, "%s\"%s\" is not a domain name", what, domain);
		return (SPF_E_NOT_SPF);
	}
	(void) spf_query(ev, domain, DNS_TYPE_TXT, &ans);
	if (spf_dns_failed(&ans)) {
		spf_eval_problem(ev, "cannot look up TXT %s: %s", domain,
				 ans.error ? ans.error : "DNS failure");
		err = SPF_E_DNS_ERROR;
	} else if (ans.status != DNS_OK) {
		spf_eval_problem(ev, "%s%s publishes no SPF record%s", what,
				 domain, ans.status == DNS_NODATA ? "" :
				 " (no such name)");
	} else if ((text = spf_pick(ev, what, domain, &ans, &err)) != NULL) {
		err = spf_compile(ev, server, resp, domain, text, recp);
	}
	dns_answer_free(&ans);
	return (err);
}

/* spf_layer_get_exp - a fixed explanation instead of exp= */

static SPF_errcode_t
spf_layer_get_exp(SPF_server_t *server, const char *domain, char **bufp,
		          size_t *lenp)
{
	char   *p;

	if (*lenp < sizeof(SPF_EXPLANATION)) {
		if ((p = realloc(*bufp, sizeof(SPF_EXPLANATION))) == NULL)
			return (SPF_E_NO_MEMORY);
		*bufp = p;
		*lenp = sizeof(SPF_EXPLANATION);
	}
	memcpy(*bufp, SPF_EXPLANATION, sizeof(SPF_EXPLANATION));
	return (SPF_E_SUCCESS);
}

/* spf_layer_destroy - libspf2 frees its server */

static void
spf_layer_destroy(SPF_dns_server_t *layer)
{
	free(layer);
}

/* spf_layer_new - the DNS layer of one evaluation's server */

SPF_dns_server_t *
spf_layer_new(struct spf_eval *ev)
{
	SPF_dns_server_t *layer = xcalloc(1, sizeof(*layer));

	layer->destroy = spf_layer_destroy;
	layer->lookup = spf_layer_lookup;
	layer->get_spf = spf_layer_get_spf;
	layer->get_exp = spf_layer_get_exp;
	layer->name = "signet";
	layer->hook = ev;
	return (layer);
}
