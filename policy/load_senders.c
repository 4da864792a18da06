/*++
/* NAME
/*	load_senders 3
/* SUMMARY
/*	read who may send for a domain, and the unmanaged default
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_domain_auth_init(struct policy_domain *dom)
/*
/*	void	load_domain_auth(struct loader *ld, const struct item *it,
/*			struct policy_domain *dom)
/*
/*	void	load_unmanaged(struct loader *ld, const struct item *it)
/*
/*	void	load_senders_finish(struct loader *ld)
/* DESCRIPTION
/*	load_domain_auth_init() sets the defaults below in a domain
/*	about to be read.
/*
/*	load_domain_auth() reads the keys of a domain that say which
/*	relays may send for it:
/* .IP senders
/*	A mapping from sender names (crm, internal-apps) to what
/*	authorises each: networks (CIDR), sasl (patterns of
/*	{auth_authen}), client_names (patterns of the client's
/*	forward-confirmed name), tls_subjects and tls_issuers (patterns
/*	of {cert_subject} and {cert_issuer}), spf: pass. Patterns are
/*	fnmatch(3) patterns; names and client names are kept in lower
/*	case. An empty mapping authorises nobody.
/*
/*	dkim lists what a third party that sends directly (not through
/*	our MTA) signs with, for the DMARC cross-check: a signing domain
/*	(crm.example.net: any selector of d=crm.example.net), or the
/*	name of one key, SELECTOR._domainkey.DOMAIN (s1._domainkey.
/*	example.com: d=example.com with s=s1 only). It authorises no
/*	relay through signet-milter.
/* .IP include_subdomains
/*	The senders cover the subdomains too (default: the value of
/*	sign_subdomains).
/* .IP mode
/*	enforce (default) or monitor.
/* .IP envelope
/*	check (default) or ignore: whether the MAIL FROM domain must be
/*	one the relay is authorised for.
/* .PP
/*	load_unmanaged() reads the top-level key "unmanaged": accept
/*	(default) or refuse, for From domains not in the policy.
/*
/*	load_senders_finish(), called once the whole file is read, sets
/*	the include_subdomains default, and notes whether a domain lists
/*	senders and checks the envelope (the policy can refuse at MAIL
/*	FROM; see policy_checks_mail()).
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a sender name that is not a
/*	name, or is one of the words the verdict uses for itself; a
/*	sender that authorises nobody; a network that is not one; an
/*	empty pattern; spf other than pass; a dkim entry that is not a
/*	domain name; a mode or envelope value that does not exist.
/*
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "load.h"

#define SENDER_NAME_MAX	63		/* fits struct verdict's sender */

 /*
  * Names the verdict uses for itself: a sender cannot take them.
  */
static const char *const reserved_names[] = {
	"unauthorised", "unchecked", "unmanaged", "inbound", "authenticated",
	"network", "daemon", NULL,
};

/* sender_name_check - why a sender name is not usable; NULL if it is */

static const char *
sender_name_check(const char *s)
{
	const char *cp;
	int     i;

	if (strlen(s) > SENDER_NAME_MAX)
		return ("it is longer than 63 characters");
	for (cp = s; *cp; cp++)
		if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
		      || (*cp >= '0' && *cp <= '9') || strchr("-_.", *cp)))
			return ("only letters, digits, \"-\", \"_\" and \".\" are allowed");
	for (i = 0; reserved_names[i]; i++)
		if (ascii_caseeq(s, reserved_names[i]))
			return ("the log and the counters use that word for "
				"themselves");
	return (NULL);
}

/* load_snd_networks - "networks" of a sender */

static void
load_snd_networks(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;

	ld_cidr_list(ld, it, "network", &snd->networks, &snd->nnetworks);
}

/* load_patterns - a list of fnmatch patterns, lower-cased if asked */

static void
load_patterns(struct loader *ld, const struct item *it, char ***vp,
	              size_t *np, int lower)
{
	const char *s;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	*vp = xcalloc(it->val->nkids + 1, sizeof(**vp));
	for (i = 0; i < it->val->nkids; i++)
		if ((s = ld_entry(ld, it, it->val->kids[i])) != NULL)
			(*vp)[(*np)++] = lower ? lower_dup(s) : xstrdup(s);
}

/* load_snd_sasl - "sasl": login name patterns */

static void
load_snd_sasl(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;

	load_patterns(ld, it, &snd->sasl, &snd->nsasl, 0);
}

/* load_snd_names - "client_names": verified client name patterns */

static void
load_snd_names(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;

	load_patterns(ld, it, &snd->client_names, &snd->nclient_names, 1);
}

/* load_snd_subjects - "tls_subjects": client certificate subjects */

static void
load_snd_subjects(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;

	load_patterns(ld, it, &snd->tls_subjects, &snd->ntls_subjects, 0);
}

/* load_snd_issuers - "tls_issuers": client certificate issuers */

static void
load_snd_issuers(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;

	load_patterns(ld, it, &snd->tls_issuers, &snd->ntls_issuers, 0);
}

/* load_snd_spf - "spf": pass */

static void
load_snd_spf(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;
	const char *s;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (!ascii_caseeq(s, "pass")) {
		ld_error(ld, it->val, "%s must be pass, not \"%s\"; write spf: pass "
			 "to authorise the addresses the domain's SPF record "
			 "passes, or leave it out", it->what, s);
		return;
	}
	snd->spf = 1;
}

/* dkim_id - one entry of "dkim": DOMAIN or SELECTOR._domainkey.DOMAIN */

static void
dkim_id(struct loader *ld, const struct item *it, const struct yt_node *n,
	    struct policy_dkim_id *id)
{
	const char *s = n->value, *cut, *d, *why;
	char   *low = lower_dup(s), *sel = NULL;

	d = low;
	if ((cut = strstr(low, "._domainkey.")) != NULL) {
		sel = xstrndup(low, (size_t) (cut - low));
		d = cut + strlen("._domainkey.");
		if (*sel == 0 || (why = dns_name_check(sel, 1)) != NULL) {
			ld_error(ld, n, "selector \"%s\" of \"%s\" in %s is not "
				 "usable: %s; write SELECTOR._domainkey.DOMAIN, "
				 "e.g. s1._domainkey.example.com", sel, s, it->what,
				 *sel ? why : "it is empty");
			free(sel);
			free(low);
			return;
		}
	}
	if ((why = dns_name_check(d, 2)) != NULL) {
		ld_error(ld, n, "\"%s\" in %s is not a domain name: %s; write the "
			 "d= domain the sender signs with (crm.example.net), or "
			 "SELECTOR._domainkey.DOMAIN for one key", s, it->what, why);
		free(sel);
		free(low);
		return;
	}
	id->domain = xstrdup(d);
	id->selector = sel;
	free(low);
}

/* load_snd_dkim - "dkim": the signing domains and keys of a sender */

static void
load_snd_dkim(struct loader *ld, const struct item *it)
{
	struct policy_sender *snd = it->ctx;
	struct policy_dkim_id *id;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	snd->dkim = xcalloc(it->val->nkids + 1, sizeof(*snd->dkim));
	for (i = 0; i < it->val->nkids; i++) {
		if (ld_entry(ld, it, it->val->kids[i]) == NULL)
			continue;
		id = &snd->dkim[snd->ndkim];
		dkim_id(ld, it, it->val->kids[i], id);
		if (id->domain != NULL)
			snd->ndkim++;
	}
}

static const struct rule sender_rules[] = {
	{"networks", load_snd_networks},
	{"sasl", load_snd_sasl},
	{"client_names", load_snd_names},
	{"tls_subjects", load_snd_subjects},
	{"tls_issuers", load_snd_issuers},
	{"spf", load_snd_spf},
	{"dkim", load_snd_dkim},
	{NULL, NULL},
};

/* sender_settings - the mapping under one sender name */

static void
sender_settings(struct loader *ld, struct policy_sender *snd,
		        const struct policy_domain *dom,
		        const struct yt_node *key, const struct yt_node *val)
{
	struct buf in = BUF_INIT;
	int     errors = ld->errors;
	int     unknown = 0;

	buf_printf(&in, "in sender \"%s\" of domain \"%s\"", snd->name, dom->name);
	if (val->type == YT_MAP)
		unknown = walk_map(ld, val, in.data, sender_rules, snd);
	else if (val->type != YT_BAD && !yt_is_null(val))
		ld_error(ld, val, "sender \"%s\" of domain \"%s\" must be a mapping, "
			 "not %s; write networks:, sasl:, client_names:, "
			 "tls_subjects:, tls_issuers:, spf: or dkim: under it", snd->name,
			 dom->name, yt_kind(val));
	if (ld->errors == errors && unknown == 0 && snd->nnetworks == 0
	    && snd->nsasl == 0 && snd->nclient_names == 0
	    && snd->ntls_subjects == 0 && snd->ntls_issuers == 0 && !snd->spf
	    && snd->ndkim == 0)
		ld_error(ld, key, "sender \"%s\" of domain \"%s\" authorises no "
			 "relay; give it networks, sasl, client_names, "
			 "tls_subjects, tls_issuers or spf: pass (or dkim: for a "
			 "third party that sends directly)", snd->name, dom->name);
	buf_free(&in);
}

/* load_sender - one sender name and what authorises it */

static void
load_sender(struct loader *ld, struct policy_domain *dom,
	            const struct yt_node *key, const struct yt_node *val)
{
	struct policy_sender snd;
	const char *why;

	if (key->type == YT_BAD)
		return;
	if (key->type != YT_SCALAR) {
		ld_error(ld, key, "a sender name must be a single value, not %s; "
			 "write crm: with its networks, sasl, ... under it",
			 yt_kind(key));
		return;
	}
	if ((why = sender_name_check(key->value)) != NULL) {
		ld_error(ld, key, "sender name \"%s\" in domain \"%s\" is not "
			 "usable: %s; choose another, e.g. crm or internal-apps",
			 key->value, dom->name, why);
		return;
	}
	memset(&snd, 0, sizeof(snd));
	snd.name = lower_dup(key->value);
	snd.pos.line = key->line;
	snd.pos.col = key->col;
	sender_settings(ld, &snd, dom, key, val);
	dom->senders = xreallocarray(dom->senders, dom->nsenders + 1,
				     sizeof(*dom->senders));
	dom->senders[dom->nsenders++] = snd;
}

/* load_senders - "senders" of a domain */

static void
load_senders(struct loader *ld, const struct item *it,
	             struct policy_domain *dom)
{
	size_t  i;

	if (!ld_want(ld, it, YT_MAP))
		return;
	dom->senders = xcalloc(1, sizeof(*dom->senders));
	for (i = 0; i + 1 < it->val->nkids; i += 2)
		load_sender(ld, dom, it->val->kids[i], it->val->kids[i + 1]);
}

/* load_choice - one of two words; -1 if reported */

static int
load_choice(struct loader *ld, const struct item *it, const char *w0,
	            const char *w1)
{
	const char *s;

	if ((s = ld_string(ld, it)) == NULL)
		return (-1);
	if (ascii_caseeq(s, w0))
		return (0);
	if (ascii_caseeq(s, w1))
		return (1);
	ld_error(ld, it->val, "%s must be %s or %s, not \"%s\"; write one of them",
		 it->what, w0, w1, s);
	return (-1);
}

/* load_domain_auth_init - defaults of a domain's authorisation keys */

void
load_domain_auth_init(struct policy_domain *dom)
{
	dom->include_subdomains = -1;		/* see load_senders_finish() */
	dom->mode = AUTH_ENFORCE;
	dom->envelope_check = 1;
}

/* load_domain_auth - senders, include_subdomains, mode, envelope */

void
load_domain_auth(struct loader *ld, const struct item *it,
		         struct policy_domain *dom)
{
	const char *key = it->key->value;
	int     v;

	if (strcmp(key, "senders") == 0) {
		load_senders(ld, it, dom);
	} else if (strcmp(key, "include_subdomains") == 0) {
		if (ld_bool(ld, it, &v))
			dom->include_subdomains = v;
	} else if (strcmp(key, "mode") == 0) {
		if ((v = load_choice(ld, it, "enforce", "monitor")) >= 0)
			dom->mode = v ? AUTH_MONITOR : AUTH_ENFORCE;
	} else if (strcmp(key, "envelope") == 0) {
		if ((v = load_choice(ld, it, "check", "ignore")) >= 0)
			dom->envelope_check = !v;
	}
}

/* load_unmanaged - "unmanaged": From domains not in the policy */

void
load_unmanaged(struct loader *ld, const struct item *it)
{
	int     v;

	if ((v = load_choice(ld, it, "accept", "refuse")) >= 0)
		ld->p->unmanaged = v ? ACTION_REJECT : ACTION_ACCEPT;
}

/* load_senders_finish - defaults that depend on other keys */

void
load_senders_finish(struct loader *ld)
{
	struct policy_domain *dom;
	size_t  i;

	for (i = 0; ld->p != NULL && i < ld->p->ndomains; i++) {
		dom = &ld->p->domains[i];
		if (dom->include_subdomains < 0)
			dom->include_subdomains = dom->sign_subdomains;
		if (dom->senders != NULL && dom->envelope_check)
			ld->p->checks_mail = 1;
	}
}
