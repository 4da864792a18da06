/*++
/* NAME
/*	keywatch 3
/* SUMMARY
/*	which selectors sign now: key states and published records
/* SYNOPSIS
/*	#include "keywatch.h"
/*
/*	struct keywatch *keywatch_create(const struct policy *p,
/*			const struct keyring *keys, struct keywatch *prev,
/*			struct diag *d);
/*	struct keywatch *keywatch_free(struct keywatch *w);
/*	size_t	keywatch_select(struct keywatch *w,
/*			const struct policy_domain *dom, size_t *idx,
/*			size_t max);
/*	void	keywatch_tick(struct keywatch *w, time_t now);
/* DESCRIPTION
/*	A key watch belongs to one policy snapshot. It knows, for every
/*	selector of the policy, the state of its key (the SELECTOR.state
/*	file next to the key file, see keystate(3); a key without one is
/*	active) and, where it matters, whether the selector's DNS record
/*	is published and matches the private key (keycheck(3)). From
/*	these it makes the signing plan, per domain and algorithm:
/* .IP \(bu
/*	a usable selector is one whose key is active and, with the
/*	policy's keys: require_published_key, whose record was last
/*	seen published and matching; pending, retiring and retired keys
/*	never sign;
/* .IP \(bu
/*	of the usable selectors of one algorithm, the newest signs (the
/*	latest activated, else created; the later in the policy on a
/*	tie); the others do not.
/* .PP
/*	A domain without any usable selector signs nothing: its mail
/*	gets the sign_error action, never a signature that fails.
/*
/*	The records looked up are those of the pending keys and, with
/*	require_published_key, of the active ones. A lookup that fails
/*	(timeout, SERVFAIL) keeps the verdict of the last answer; a
/*	selector that has never been answered for is not usable under
/*	require_published_key, and is asked again every 10 seconds.
/*
/*	keywatch_create() reads the states and makes the first lookups
/*	at once, so that a snapshot is installed with its plan ready.
/*	With prev (the key watch of the snapshot in force, at a reload),
/*	a selector of the same domain and name with the same key starts
/*	with the verdict prev last had of its record, published and
/*	matching: a reload while DNS does not answer keeps signing with
/*	the keys that signed before it.
/*	It writes nothing, and closes the resolver it used (signet-milter
/*	may fork after it); the thread opens its own.
/*
/*	keywatch_tick() is called by the key watch thread about once a
/*	second; every check_interval (sooner after a failed lookup) it
/*	reads the state files again (so that signet keys activate takes
/*	effect without a reload), asks DNS, steps keys and publishes the
/*	new plan. Stepping keys is signet-milter's own activation: a
/*	pending key whose record is published and matching becomes
/*	active, and the other active keys of its domain and algorithm
/*	become retiring; a retiring key whose overlap (keys: overlap)
/*	has passed becomes retired. The state files are written as the
/*	user signet-milter runs as.
/*
/*	keywatch_select() is the per-message side: it copies into idx
/*	the indexes (in dom->selectors) of the selectors to sign with
/*	now, at most max, and returns how many. It takes one lock and
/*	does no I/O.
/* DIAGNOSTICS
/*	keywatch_create() returns NULL with an error in d for a state
/*	file that cannot be read. Changes of the plan, of a record's
/*	verdict and of a key's state are logged, each naming the domain
/*	and selector; a domain left without a usable selector is logged
/*	as a warning at every check.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Utility library. */

#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "dns.h"
#include "keycheck.h"
#include "keystate.h"
#include "keywatch.h"

#define KW_RETRY	10		/* seconds to ask again after a failure */

/* What the DNS said of a selector's record. */
enum kw_dns {
	KW_DNS_NONE,			/* not asked: not needed */
	KW_DNS_UNKNOWN,			/* asked, never answered */
	KW_DNS_MATCH,			/* published and matching */
	KW_DNS_BAD			/* missing, revoked, different, broken */
};

struct kw_sel {
	const struct policy_domain *dom;
	const struct policy_selector *sel;
	size_t  idx;			/* in dom->selectors */
	EVP_PKEY *key;
	struct keystate ks;
	enum kw_dns dns;
	char   *why;			/* KW_DNS_BAD: the record's problem */
};

struct keywatch {
	const struct policy *p;
	struct kw_sel *sel;		/* every selector, in policy order */
	size_t  nsel;
	size_t *first;			/* per domain: its first entry in sel */
	struct dns *dns;		/* opened when first needed */
	time_t  next_check;
	pthread_mutex_t lock;		/* guards use */
	unsigned char *use;		/* the published plan: sign with sel[i] */
	int     planned;		/* a plan was published */
};

/* kw_effective - the state of a selector's key at now */

static enum key_state
kw_effective(const struct keywatch *w, const struct kw_sel *s, time_t now)
{
	return (keystate_effective(&s->ks, w->p->keys.overlap, now));
}

/* kw_read_state - read one selector's state; -1 with err */

static int
kw_read_state(struct kw_sel *s, struct keystate *ks, struct buf *err)
{
	if (keystate_read(s->sel->key_path, ks, err) < 0) {
		keystate_free(ks);
		return (-1);
	}
	/* The policy names the domain, selector and algorithm. */
	free(ks->domain);
	free(ks->selector);
	ks->domain = xstrdup(s->dom->name);
	ks->selector = xstrdup(s->sel->name);
	ks->alg = s->sel->alg;
	return (0);
}

/* kw_reread - read every state file again; keep the old on errors */

static void
kw_reread(struct keywatch *w)
{
	struct buf err = BUF_INIT;
	struct keystate ks;
	struct kw_sel *s;
	size_t  i;

	for (i = 0; i < w->nsel; i++) {
		s = &w->sel[i];
		buf_reset(&err);
		if (kw_read_state(s, &ks, &err) < 0) {
			log_warn("keys: %s; the key of %s selector %s stays %s "
				 "until the file is fixed", err.data, s->dom->name,
				 s->sel->name, keystate_name(s->ks.state));
			continue;
		}
		if (ks.state != s->ks.state)
			log_info("keys: %s selector %s is now %s (state file %s)",
				 s->dom->name, s->sel->name,
				 keystate_name(ks.state), ks.state_path);
		keystate_free(&s->ks);
		s->ks = ks;
	}
	buf_free(&err);
}

/* kw_needs_dns - is this selector's record to be looked up */

static int
kw_needs_dns(const struct keywatch *w, const struct kw_sel *s, time_t now)
{
	enum key_state st = kw_effective(w, s, now);

	return (st == KS_PENDING
		|| (st == KS_ACTIVE && w->p->keys.require_published));
}

/* kw_verdict - what one lookup says of a record */

static enum kw_dns
kw_verdict(const struct keycheck *kc, enum severity sev,
	   const struct findings *f, struct buf *why)
{
	size_t  i;

	if (kc->dns == DNS_TEMPFAIL || kc->dns == DNS_PERMFAIL) {
		buf_puts(why, f->n ? f->v[f->n - 1].text : "DNS lookup failed");
		return (KW_DNS_UNKNOWN);
	}
	if (kc->matches && !kc->revoked && sev < SEV_CRIT)
		return (KW_DNS_MATCH);
	for (i = 0; i < f->n; i++)
		if (f->v[i].sev == SEV_CRIT) {
			buf_puts(why, f->v[i].text);
			return (KW_DNS_BAD);
		}
	buf_puts(why, "the published key does not match the private key");
	return (KW_DNS_BAD);
}

/* kw_set_dns - change a selector's verdict (read by a reload's kw_inherit) */

static void
kw_set_dns(struct keywatch *w, struct kw_sel *s, enum kw_dns v)
{
	(void) pthread_mutex_lock(&w->lock);
	s->dns = v;
	(void) pthread_mutex_unlock(&w->lock);
}

/* kw_lookup - look up one selector's record, log what changed */

static void
kw_lookup(struct keywatch *w, struct kw_sel *s)
{
	struct findings f = FINDINGS_INIT;
	struct buf why = BUF_INIT;
	struct keycheck kc;
	enum severity sev;
	enum kw_dns v;

	sev = keycheck_dns(w->dns, s->dom->name, s->sel->name, s->key, &f, &kc);
	v = kw_verdict(&kc, sev, &f, &why);
	if (v == KW_DNS_UNKNOWN) {
		log_warn("keys: cannot check the record of %s selector %s: %s; "
			 "%s; asking again in %d s", s->dom->name, s->sel->name,
			 why.data, s->dns == KW_DNS_MATCH || s->dns == KW_DNS_BAD ?
			 "the last answer stands" : "it is not used until then",
			 KW_RETRY);
		if (s->dns == KW_DNS_NONE)
			kw_set_dns(w, s, KW_DNS_UNKNOWN);
	} else {
		if (v == KW_DNS_BAD && s->ks.state == KS_PENDING
		    && (s->dns != KW_DNS_BAD || strcmp(s->why, why.data) != 0))
			log_info("keys: %s selector %s is pending: %s", s->dom->name,
				 s->sel->name, why.data);
		else if (v == KW_DNS_BAD && (s->dns != KW_DNS_BAD
					   || strcmp(s->why, why.data) != 0))
			log_warn("keys: %s selector %s: %s", s->dom->name,
				 s->sel->name, why.data);
		else if (v == KW_DNS_MATCH && s->dns != KW_DNS_MATCH)
			log_info("keys: %s selector %s: record published and "
				 "matching", s->dom->name, s->sel->name);
		kw_set_dns(w, s, v);
		free(s->why);
		s->why = v == KW_DNS_BAD ? buf_steal(&why) : NULL;
	}
	keycheck_free(&kc);
	findings_free(&f);
	buf_free(&why);
}

/* kw_ask - look up every record that matters now; 1 if one failed */

static int
kw_ask(struct keywatch *w, time_t now)
{
	struct buf err = BUF_INIT;
	struct kw_sel *s;
	size_t  i;
	int     failed = 0;

	for (i = 0; i < w->nsel; i++) {
		s = &w->sel[i];
		if (!kw_needs_dns(w, s, now)) {
			kw_set_dns(w, s, KW_DNS_NONE);
			continue;
		}
		if (w->dns == NULL
		    && (w->dns = dns_open(w->p->dns.nameserver,
					  w->p->dns.timeout_ms, &err)) == NULL) {
			log_warn("keys: cannot check DNS records: %s; fix dns: "
				 "nameserver in the policy, then reload", err.data);
			buf_free(&err);
			return (1);
		}
		kw_lookup(w, s);
		if (s->dns == KW_DNS_UNKNOWN)
			failed = 1;
	}
	return (failed);
}

/* kw_step - move one key to a state, and log it; 0 or -1 */

static int
kw_step(struct keywatch *w, struct kw_sel *s, enum key_state st, time_t now)
{
	struct buf err = BUF_INIT;
	struct buf until = BUF_INIT;
	int     ret;

	if ((ret = keystate_change(&s->ks, st, now, geteuid(), getegid(),
				   &err)) < 0) {
		log_warn("keys: cannot make %s selector %s %s: %s; make the "
			 "directory writable by the user signet-milter runs as, "
			 "or run signet keys activate %s", s->dom->name,
			 s->sel->name, keystate_name(st), err.data, s->dom->name);
	} else if (st == KS_RETIRING) {
		keystate_time(now + w->p->keys.overlap, &until);
		log_info("keys: %s selector %s is retiring: no longer signs; keep "
			 "its record published until %s", s->dom->name,
			 s->sel->name, until.data);
	} else {
		log_info("keys: %s selector %s is %s%s", s->dom->name,
			 s->sel->name, keystate_name(st), st == KS_RETIRED ?
			 ": its record may be removed" : "");
	}
	buf_free(&err);
	buf_free(&until);
	return (ret);
}

/* kw_activate - a pending key becomes active, its elders retiring */

static void
kw_activate(struct keywatch *w, struct kw_sel *s, time_t now)
{
	struct kw_sel *o;
	size_t  i;

	if (kw_step(w, s, KS_ACTIVE, now) < 0)
		return;
	for (i = 0; i < w->nsel; i++) {
		o = &w->sel[i];
		if (o != s && o->dom == s->dom && o->sel->alg == s->sel->alg
		    && kw_effective(w, o, now) == KS_ACTIVE)
			(void) kw_step(w, o, KS_RETIRING, now);
	}
}

/* kw_work - is there a key to step (pending and matching, or overdue) */

static int
kw_work(const struct keywatch *w, const struct kw_sel *s, time_t now)
{
	if (s->ks.state == KS_PENDING)
		return (s->dns == KW_DNS_MATCH);
	return (s->ks.state == KS_RETIRING
		&& kw_effective(w, s, now) == KS_RETIRED);
}

/* kw_steps - step every key whose time has come; 1 if any is left */

static int
kw_steps(struct keywatch *w, time_t now, int may_write)
{
	struct kw_sel *s;
	size_t  i;
	int     left = 0;

	for (i = 0; i < w->nsel; i++) {
		s = &w->sel[i];
		if (!kw_work(w, s, now))
			continue;
		if (!may_write)
			left = 1;
		else if (s->ks.state == KS_PENDING)
			kw_activate(w, s, now);
		else
			(void) kw_step(w, s, KS_RETIRED, now);
	}
	return (left);
}

/* kw_usable - may this selector sign now */

static int
kw_usable(const struct keywatch *w, const struct kw_sel *s, time_t now)
{
	return (kw_effective(w, s, now) == KS_ACTIVE
		&& (!w->p->keys.require_published || s->dns == KW_DNS_MATCH));
}

/* kw_age - when a key started to sign (or was made) */

static time_t
kw_age(const struct kw_sel *s)
{
	return (s->ks.activated ? s->ks.activated : s->ks.created);
}

/* kw_plan_domain - per algorithm, the newest usable selector */

static void
kw_plan_domain(const struct keywatch *w, size_t d, time_t now,
	       unsigned char *use)
{
	const struct kw_sel *s, *b;
	size_t  first = w->first[d], n = w->p->domains[d].nselectors;
	size_t  i, best[2] = {(size_t) -1, (size_t) -1};

	for (i = first; i < first + n; i++) {
		s = &w->sel[i];
		use[i] = 0;
		if (!kw_usable(w, s, now))
			continue;
		if (best[s->sel->alg] == (size_t) -1) {
			best[s->sel->alg] = i;
			continue;
		}
		b = &w->sel[best[s->sel->alg]];
		if (kw_age(s) > kw_age(b)
		    || (kw_age(s) == kw_age(b) && s->ks.created >= b->ks.created))
			best[s->sel->alg] = i;
	}
	for (i = 0; i < 2; i++)
		if (best[i] != (size_t) -1)
			use[best[i]] = 1;
}

/* kw_why_not - why a selector does not sign */

static const char *
kw_why_not(const struct keywatch *w, const struct kw_sel *s, time_t now)
{
	enum key_state st = kw_effective(w, s, now);

	if (st != KS_ACTIVE)
		return (keystate_name(st));
	if (w->p->keys.require_published && s->dns == KW_DNS_BAD)
		return (s->why);
	if (w->p->keys.require_published && s->dns != KW_DNS_MATCH)
		return ("its record could not be checked yet");
	return ("a newer active key of its algorithm signs");
}

/* kw_log_domain - say what a domain signs with */

static void
kw_log_domain(const struct keywatch *w, size_t d, const unsigned char *use,
	      time_t now)
{
	const struct policy_domain *dom = &w->p->domains[d];
	struct buf with = BUF_INIT, without = BUF_INIT;
	size_t  i, first = w->first[d];

	for (i = first; i < first + dom->nselectors; i++) {
		if (use[i])
			buf_printf(&with, "%s%s", with.len ? ", " : "",
				   w->sel[i].sel->name);
		else
			buf_printf(&without, "; not %s: %s", w->sel[i].sel->name,
				   kw_why_not(w, &w->sel[i], now));
	}
	if (with.len == 0)
		log_warn("keys: %s has no usable selector%s; its mail gets the "
			 "sign_error action (%s) until one is usable", dom->name,
			 without.data ? without.data : "",
			 policy_action_name(w->p->actions.sign_error));
	else
		log_info("keys: %s signs with %s%s", dom->name, with.data,
			 without.data ? without.data : "");
	buf_free(&with);
	buf_free(&without);
}

/* kw_publish - make a new plan the one messages see; log changes */

static void
kw_publish(struct keywatch *w, time_t now)
{
	unsigned char *use = xcalloc(w->nsel ? w->nsel : 1, 1);
	size_t  d, first, n;
	int     changed, none, partial;

	for (d = 0; d < w->p->ndomains; d++)
		kw_plan_domain(w, d, now, use);
	(void) pthread_mutex_lock(&w->lock);
	for (d = 0; d < w->p->ndomains; d++) {
		first = w->first[d];
		n = w->p->domains[d].nselectors;
		changed = w->planned && memcmp(use + first, w->use + first, n) != 0;
		none = memchr(use + first, 1, n) == NULL;
		partial = !w->planned && memchr(use + first, 0, n) != NULL;
		if (changed || none || partial)
			kw_log_domain(w, d, use, now);
	}
	memcpy(w->use, use, w->nsel);
	w->planned = 1;
	(void) pthread_mutex_unlock(&w->lock);
	free(use);
}

/* kw_check - states, records, steps, plan; when next to check */

static void
kw_check(struct keywatch *w, time_t now, int may_write)
{
	int     failed, left;

	if (w->planned)
		kw_reread(w);
	failed = kw_ask(w, now);
	left = kw_steps(w, now, may_write);
	kw_publish(w, now);
	if (left)
		w->next_check = now;		/* the thread steps them */
	else if (failed)
		w->next_check = now + KW_RETRY;
	else
		w->next_check = now + w->p->keys.check_interval;
}

/* kw_inherit - a record prev saw published and matching, for the same key */

static void
kw_inherit(struct keywatch *w, struct keywatch *prev)
{
	struct kw_sel *s, *o;
	size_t  i, j;

	if (prev == NULL)
		return;
	(void) pthread_mutex_lock(&prev->lock);
	for (i = 0; i < w->nsel; i++) {
		s = &w->sel[i];
		for (j = 0; j < prev->nsel; j++) {
			o = &prev->sel[j];
			if (o->dns == KW_DNS_MATCH && s->key && o->key
			    && strcasecmp(s->dom->name, o->dom->name) == 0
			    && strcmp(s->sel->name, o->sel->name) == 0
			    && EVP_PKEY_eq(s->key, o->key) == 1) {
				s->dns = KW_DNS_MATCH;
				break;
			}
		}
	}
	(void) pthread_mutex_unlock(&prev->lock);
}

/* keywatch_create - the key watch of a new snapshot, first check done */

struct keywatch *
keywatch_create(const struct policy *p, const struct keyring *keys,
		struct keywatch *prev, struct diag *d)
{
	struct keywatch *w = xcalloc(1, sizeof(*w));
	struct buf err = BUF_INIT;
	struct kw_sel *s;
	size_t  i, j;
	int     bad = 0;

	w->p = p;
	(void) pthread_mutex_init(&w->lock, NULL);
	w->first = xcalloc(p->ndomains ? p->ndomains : 1, sizeof(*w->first));
	for (i = 0; i < p->ndomains; i++) {
		w->first[i] = w->nsel;
		w->nsel += p->domains[i].nselectors;
	}
	w->sel = xcalloc(w->nsel ? w->nsel : 1, sizeof(*w->sel));
	w->use = xcalloc(w->nsel ? w->nsel : 1, 1);
	for (i = 0; i < p->ndomains; i++) {
		for (j = 0; j < p->domains[i].nselectors; j++) {
			s = &w->sel[w->first[i] + j];
			s->dom = &p->domains[i];
			s->sel = &p->domains[i].selectors[j];
			s->idx = j;
			s->key = keyring_find(keys, s->sel);
			buf_reset(&err);
			if (kw_read_state(s, &s->ks, &err) < 0) {
				diag_error(d, p->path, s->sel->pos.line,
					   s->sel->pos.col, "%s", err.data);
				bad++;
			}
		}
	}
	buf_free(&err);
	if (bad > 0)
		return (keywatch_free(w));
	kw_inherit(w, prev);
	kw_check(w, time(NULL), 0);
	/* Resolver threads do not survive the daemon's fork: reopen later. */
	w->dns = dns_close(w->dns);
	return (w);
}

/* keywatch_free - release a key watch; returns NULL */

struct keywatch *
keywatch_free(struct keywatch *w)
{
	size_t  i;

	if (w == NULL)
		return (NULL);
	for (i = 0; i < w->nsel; i++) {
		keystate_free(&w->sel[i].ks);
		free(w->sel[i].why);
	}
	free(w->sel);
	free(w->first);
	free(w->use);
	(void) dns_close(w->dns);
	(void) pthread_mutex_destroy(&w->lock);
	free(w);
	return (NULL);
}

/* keywatch_tick - check when it is time (the key watch thread) */

void
keywatch_tick(struct keywatch *w, time_t now)
{
	if (w != NULL && now >= w->next_check)
		kw_check(w, now, 1);
}

/* keywatch_select - the selectors of a domain that sign now */

size_t
keywatch_select(struct keywatch *w, const struct policy_domain *dom,
		size_t *idx, size_t max)
{
	size_t  d, j, n = 0;

	if (w == NULL || dom < w->p->domains
	    || dom >= w->p->domains + w->p->ndomains)
		return (0);
	d = (size_t) (dom - w->p->domains);
	(void) pthread_mutex_lock(&w->lock);
	for (j = 0; j < dom->nselectors && n < max; j++)
		if (w->use[w->first[d] + j])
			idx[n++] = j;
	(void) pthread_mutex_unlock(&w->lock);
	return (n);
}
