/*++
/* NAME
/*	count 3
/* SUMMARY
/*	count every message signet-milter decides on
/* SYNOPSIS
/*	#include "count.h"
/*
/*	void	count_open(const struct policy *p, const char *socket)
/*
/*	void	count_reload(const struct policy *p)
/*
/*	void	count_close(int replied)
/*
/*	int	count_message(const struct count_msg *m)
/*
/*	int	count_start(const struct count_msg *m, count_done_fn done,
/*			void *arg)
/*
/*	enum action count_on_error(void)
/*
/*	void	count_rcpt_add(char ***v, size_t *n, const char *rcpt)
/*
/*	void	count_rcpt_free(char **v, size_t n)
/* DESCRIPTION
/*	count_open() opens the store of the policy's counters section,
/*	once, at start; without the section nothing is counted. The host
/*	name and the milter socket name this signet-milter in the store
/*	(its origin, see store_once(3)). count_close() commits what is
/*	queued and closes it; replied says that every reply was written,
/*	so that the stop is clean.
/*
/*	count_reload() applies what a reloaded policy changes in the
/*	retention and on_error. A store or synchronous mode that differs
/*	from the one in use (or a counters section added or removed) is
/*	not applied: it logs a warning that names the setting, what
/*	stays in use, and that it takes a restart.
/*
/*	count_message() adds one message to the Prometheus metrics and,
/*	when counting, commits it to the store; it returns once the count
/*	is committed. The outcome is the verdict, with "rejected" named
/*	"refused", and a message that the policy would have refused but
/*	is in monitor mode "monitored-would-refuse". The selectors are
/*	those of the signing domain, as selector:algorithm; the client
/*	address is kept for mail that was not signed or passed.
/*
/*	Each count carries a key, so that a message the client sends
/*	again is counted once (see store_write(3)): signet-milter
/*	commits a count before its reply, and a milter killed between
/*	the two loses the reply but not the count; the MTA tempfails that
/*	attempt and the client sends the same message again. The key is
/*	a SHA-256 over the outcome, the Message-ID field value, the
/*	envelope sender, the envelope recipients sorted, and the body hash
/*	(the canonical body's SHA-256, the bh= of the signatures), each
/*	ended by a NUL. The rule:
/* .IP \(bu
/*	every outcome decided at end of message (signed, a body line too
/*	long, the sign_error action) has the body hash, and a key;
/* .IP \(bu
/*	an outcome decided at end of headers (passed, refused) has no
/*	body hash yet, and a key only when the message has a Message-ID:
/*	without one, nothing tells two messages of the same sender to
/*	the same recipients apart;
/* .IP \(bu
/*	a message refused at MAIL FROM (no recipients yet), and a
/*	tempfailed one, have none: each attempt counts, as a tempfail
/*	is an attempt that the client is told to make again.
/* .PP
/*	Because the outcome is in the key, a message tempfailed by the
/*	policy, then signed when sent again, counts once as each.
/*
/*	count_start() is count_message() without waiting: it returns 0
/*	when nothing is to be committed (no store; the metrics are
/*	counted), else 1, and done(arg, rc) runs later, on the store's
/*	writer thread, with 0 once the count is committed, -1 if it could
/*	not be. What m points to must stay until then; m itself need not.
/*
/*	count_on_error() is the action for a message whose count failed.
/*
/*	count_rcpt_add() adds the domain of a recipient address (<> and
/*	route stripped, lower case) to a list, unless it is there
/*	already; count_rcpt_free() frees the list.
/* DIAGNOSTICS
/*	count_open() is fatal when an SQLite store cannot be opened or
/*	created; a PostgreSQL server that does not answer is logged and
/*	retried when mail comes. count_message() returns -1 when the
/*	count could not be committed; the store logs why.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include "buf.h"
#include "canon.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "count.h"
#include "metrics.h"
#include "store.h"

#define RCPT_DOMAINS_MAX	1000	/* distinct domains kept per message */

static struct store *store;
static char *store_spec;		/* as opened; NULL: not counting */
static int store_sync_full;
static int on_error = ACTION_TEMPFAIL;	/* atomic: set by reloads */

/* count_settings - the store settings of a policy */

static void
count_settings(const struct policy *p, struct store_settings *set)
{
	set->hourly_days = p->counters.hourly_days;
	set->daily_days = p->counters.daily_days;
	set->sync_full = p->counters.sync_full;
	set->origin = NULL;
}

/* count_origin - this signet-milter among those of a store: host socket */

static char *
count_origin(const char *socket)
{
	struct buf b = BUF_INIT;
	char    host[256];

	if (gethostname(host, sizeof(host)) < 0)
		(void) strcpy(host, "localhost");
	host[sizeof(host) - 1] = 0;
	buf_printf(&b, "%s %s", host, socket ? socket : "");
	return (buf_steal(&b));
}

/* count_open - open the store of the policy, if it has one */

void
count_open(const struct policy *p, const char *socket)
{
	struct store_settings set;
	struct buf err = BUF_INIT;
	char   *origin;

	__atomic_store_n(&on_error, (int) p->counters.on_error, __ATOMIC_RELAXED);
	if (p->counters.store == NULL)
		return;
	count_settings(p, &set);
	set.origin = origin = count_origin(socket);
	store = store_open_with(p->counters.store, STORE_WRITE, &set, &err);
	free(origin);
	if (store == NULL)
		log_fatal("counters: %s; signet-milter does not start without "
			  "its store (or remove the counters section)", err.data);
	store_spec = xstrdup(p->counters.store);
	store_sync_full = p->counters.sync_full;
	log_info("counters: recording into %s store", store_kind(store));
	buf_free(&err);
}

/* count_reload - apply a new policy's retention; say what needs a restart */

void
count_reload(const struct policy *p)
{
	const char *spec = p->counters.store;

	__atomic_store_n(&on_error, (int) p->counters.on_error, __ATOMIC_RELAXED);
	if (spec == NULL && store_spec != NULL)
		log_warn("counters: the reloaded policy has no counters section; "
			 "counting goes on into the store in use until "
			 "signet-milter restarts");
	else if (spec != NULL && store_spec == NULL)
		log_warn("counters: the reloaded policy adds a counters section; "
			 "nothing is counted until signet-milter restarts");
	else if (spec != NULL && strcmp(spec, store_spec) != 0)
		log_warn("counters: store changed in the reloaded policy; the "
			 "store in use stays in use until signet-milter restarts: "
			 "restart it to count into the new one");
	if (store == NULL)
		return;
	if (p->counters.sync_full != store_sync_full)
		log_warn("counters: synchronous changed to %s in the reloaded "
			 "policy; %s stays in force until signet-milter restarts",
			 p->counters.sync_full ? "full" : "normal",
			 store_sync_full ? "full" : "normal");
	store_set_retention(store, p->counters.hourly_days,
			    p->counters.daily_days);
}

/* count_close - commit what is queued, close the store */

void
count_close(int replied)
{
	if (replied)
		store_replied(store);
	store = store_close(store);
	free(store_spec);
	store_spec = NULL;
}

/* count_on_error - what a message whose count failed gets */

enum action
count_on_error(void)
{
	return ((enum action) __atomic_load_n(&on_error, __ATOMIC_RELAXED));
}

/* outcome_of - the counted outcome of a verdict */

static const char *
outcome_of(const struct count_msg *m)
{
	if (m->verdict->monitored && (strcmp(m->verdict_name, "signed") == 0
				|| strcmp(m->verdict_name, "passed") == 0))
		return ("monitored-would-refuse");
	if (strcmp(m->verdict_name, "rejected") == 0)
		return ("refused");
	return (m->verdict_name);
}

/* selectors_of - "selector:algorithm,..." of a signed message */

static void
selectors_of(const struct count_msg *m, struct buf *b)
{
	const struct policy_domain *d = m->verdict->domain;
	size_t  i;

	buf_puts(b, "");
	if (d == NULL || strcmp(m->verdict_name, "signed") != 0)
		return;
	for (i = 0; i < d->nselectors; i++)
		buf_printf(b, "%s%s:%s", i ? "," : "", d->selectors[i].name,
			   policy_alg_name(d->selectors[i].alg));
}

/* domain_of - the domain part of an address, or "" */

static const char *
domain_of(const char *addr)
{
	const char *at;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return ("");
	return (at + 1);
}

/* str_cmp - qsort: order strings */

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* key_add - hash one part of the key, ended by a NUL */

static void
key_add(EVP_MD_CTX *md, const void *data, size_t len)
{
	if (EVP_DigestUpdate(md, data, len) != 1
	    || EVP_DigestUpdate(md, "", 1) != 1)
		log_panic("count key: EVP_DigestUpdate failed");
}

/* count_key - the key of a count, in hex; "" for none (see above) */

static void
count_key(const struct count_msg *m, const char *outcome,
	  char hex[2 * CANON_DIGEST_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *md;
	size_t  i;
	char  **v;

	hex[0] = 0;
	if (m->nrcpts == 0 || strcmp(outcome, "tempfailed") == 0
	    || (m->body_hash == NULL && m->message_id == NULL))
		return;
	if ((md = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestInit_ex(md, canon_sha256(), NULL) != 1)
		log_fatal("count key: cannot start a SHA-256 digest (out of memory?)");
	v = xreallocarray(NULL, m->nrcpts, sizeof(*v));
	memcpy(v, m->rcpts, m->nrcpts * sizeof(*v));
	qsort(v, m->nrcpts, sizeof(*v), str_cmp);
	key_add(md, outcome, strlen(outcome));
	key_add(md, m->message_id ? m->message_id : "",
		m->message_id ? strlen(m->message_id) : 0);
	key_add(md, m->mail_from ? m->mail_from : "",
		m->mail_from ? strlen(m->mail_from) : 0);
	for (i = 0; i < m->nrcpts; i++)
		key_add(md, v[i], strlen(v[i]));
	key_add(md, m->body_hash ? m->body_hash : (const unsigned char *) "",
		m->body_hash ? CANON_DIGEST_LEN : 0);
	if (EVP_DigestFinal_ex(md, d, &dlen) != 1 || dlen != CANON_DIGEST_LEN)
		log_panic("count key: EVP_DigestFinal_ex failed");
	EVP_MD_CTX_free(md);
	free(v);
	for (i = 0; i < dlen; i++)
		(void) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/*
 * A count on its way to the store: the event and the strings it does not
 * borrow from the message.
 */
struct count_job {
	struct count_event ev;
	struct buf sels;
	char    env[256];
	char    key[2 * CANON_DIGEST_LEN + 1];
	count_done_fn done;
	void   *arg;
};

/* job_make - metrics; then the job of a count, or NULL when not counting */

static struct count_job *
job_make(const struct count_msg *m)
{
	struct count_job *j;
	const char *outcome = outcome_of(m);
	size_t  i;

	metrics_message(m->verdict->domain ? m->verdict->domain->name : "other",
			m->verdict->sender, outcome, m->ms);
	if (store == NULL)
		return (NULL);
	j = xcalloc(1, sizeof(*j));
	selectors_of(m, &j->sels);
	(void) snprintf(j->env, sizeof(j->env), "%s", domain_of(m->mail_from));
	for (i = 0; j->env[i]; i++)
		j->env[i] = (char) tolower((unsigned char) j->env[i]);
	j->ev.when = time(NULL);
	j->ev.from_domain = m->verdict->from_domain;
	j->ev.sender = *m->verdict->sender ? m->verdict->sender : "unknown";
	j->ev.env_domain = j->env;
	j->ev.sasl_login = m->auth_authen ? m->auth_authen : "";
	j->ev.client_addr = m->client_addr ? m->client_addr : "";
	j->ev.outcome = outcome;
	j->ev.selectors = j->sels.data;
	j->ev.rcpt_domains = (const char *const *) m->rcpt_domains;
	j->ev.nrcpt_domains = m->nrcpt_domains;
	count_key(m, outcome, j->key);
	j->ev.key = j->key;
	return (j);
}

/* job_free - the job is done */

static void
job_free(struct count_job *j)
{
	buf_free(&j->sels);
	free(j);
}

/* count_message - metrics, and the store's count before the reply */

int
count_message(const struct count_msg *m)
{
	struct count_job *j;
	int     rc = 0;

	if ((j = job_make(m)) == NULL)
		return (0);
	if (store_record(store, &j->ev) < 0) {
		metrics_store_error();
		rc = -1;
	}
	job_free(j);
	return (rc);
}

/* job_done - the store is done with a count: tell the caller */

static void
job_done(void *arg, int rc)
{
	struct count_job *j = arg;
	count_done_fn done = j->done;
	void   *done_arg = j->arg;

	if (rc < 0)
		metrics_store_error();
	job_free(j);
	done(done_arg, rc);
}

/* count_start - count_message(), without waiting for the store */

int
count_start(const struct count_msg *m, count_done_fn done, void *arg)
{
	struct count_job *j;

	if ((j = job_make(m)) == NULL)
		return (0);
	j->done = done;
	j->arg = arg;
	store_submit(store, &j->ev, job_done, j);
	return (1);
}

/* count_rcpt_add - add a recipient's domain, once */

void
count_rcpt_add(char ***v, size_t *n, const char *rcpt)
{
	const char *dom = domain_of(rcpt);
	size_t  len = strcspn(dom, ">"), i;
	char   *d;

	if (len == 0 || *n >= RCPT_DOMAINS_MAX)
		return;
	d = xstrndup(dom, len);
	for (i = 0; d[i]; i++)
		d[i] = (char) tolower((unsigned char) d[i]);
	for (i = 0; i < *n; i++) {
		if (strcmp((*v)[i], d) == 0) {
			free(d);
			return;
		}
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = d;
}

/* count_rcpt_free - free a list of domains */

void
count_rcpt_free(char **v, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
