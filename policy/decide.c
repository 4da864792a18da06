/*++
/* NAME
/*	decide 3
/* SUMMARY
/*	decide what to do with one message
/* SYNOPSIS
/*	#include "decide.h"
/*
/*	void	policy_decide(const struct policy *policy,
/*			const struct msg_facts *facts,
/*			struct verdict *verdict);
/*
/*	int	policy_decide_mail(const struct policy *policy,
/*			const struct msg_facts *facts,
/*			struct verdict *verdict);
/*
/*	int	policy_checks_mail(const struct policy *policy);
/* DESCRIPTION
/*	policy_decide() is the whole decision, made from the facts the
/*	MTA gave by end of headers; it does no I/O of its own (SPF goes
/*	through facts->spf), so it can be tested without a milter or an
/*	MTA.
/*
/*	Mail is outbound when it comes from one of the policy's sources
/*	(an authenticated client, a listed network, a listed MTA daemon),
/*	or from a relay that is one of the senders of its From domain.
/*	Other mail is not outbound: it passes unchanged ("inbound").
/*	Outbound mail needs exactly one From field holding exactly one
/*	address (RFC 5322; DMARC judges by it); otherwise it gets the
/*	no_from or bad_from action.
/*
/*	Relay authorisation, for domains that list senders (see
/*	authorise(3)): the relay must be one of the senders of the From
/*	domain; with envelope: check, the MAIL FROM domain must be null
/*	or one the relay is authorised for; and a MAIL FROM domain whose
/*	own domain lists senders, with envelope: check, needs the relay
/*	to be one of them. A relay that fails is refused with 550 5.7.1
/*	in mode enforce; in mode monitor the message goes on as if it
/*	had passed, with verdict->monitored set and the refusal in the
/*	reason. When SPF was evaluated and did not pass, the refusal
/*	says why in parentheses ("SPF fail", "SPF permerror: ...").
/*	An SPF evaluation that fails for DNS gives a tempfail,
/*	in either mode. The verdict's sender is the matched sender's
/*	name, "unauthorised", or for domains without senders the
/*	source ("authenticated", "network", "daemon").
/*
/*	Outbound mail from a domain the policy signs (or a subdomain of
/*	one with sign_subdomains) is to be signed with that domain's
/*	selectors, monitored mail included. Mail from a domain absent
/*	from the policy is "unmanaged": passed unchanged, or refused
/*	with unmanaged: refuse.
/*
/*	policy_decide_mail() is the part of the decision the envelope
/*	alone settles, at MAIL FROM: it returns 1, with a refusal in
/*	\fIverdict\fR, when a source uses a MAIL FROM domain it is not
/*	authorised for (mode enforce) or that cannot be checked now;
/*	else 0, and the decision waits for the end of headers.
/*
/*	policy_checks_mail() says whether policy_decide_mail() can refuse
/*	anything under this policy: only when a domain lists senders and
/*	checks the envelope (envelope: check). When it cannot, the milter
/*	need not make the MTA wait for an answer at MAIL FROM.
/*
/*	The reason is a sentence for the log and for the SMTP reply: it
/*	names what was wrong and what the sender can do.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "authorise.h"
#include "decide.h"

/* from_source - is the client one whose mail signet signs */

static const char *
from_source(const struct policy_sources *s, const struct msg_facts *f)
{
	size_t  i;

	if (s->authenticated && f->auth_authen != NULL && *f->auth_authen)
		return ("authenticated");
	for (i = 0; f->client_addr != NULL && i < s->nnetworks; i++)
		if (cidr_match(&s->networks[i], f->client_addr))
			return ("network");
	for (i = 0; f->daemon_name != NULL && i < s->ndaemons; i++)
		if (strcmp(f->daemon_name, s->daemons[i]) == 0)
			return ("daemon");
	return (NULL);
}

/* textf - format a sentence, cut to the space there is */

static void __attribute__((format(printf, 3, 4)))
textf(char *out, size_t len, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(out, len, fmt, ap);
	va_end(ap);
}

/* refuse - a refusal with its action and reason */

static void
refuse(struct verdict *v, enum action action, const char *reason)
{
	v->kind = VERDICT_REFUSE;
	v->action = action;
	textf(v->reason, sizeof(v->reason), "%s", reason);
}

/* set_sender - name who sent the message */

static void
set_sender(struct verdict *v, const char *name)
{
	textf(v->sender, sizeof(v->sender), "%s", name);
}

/* relay_text - the relay as a refusal names it: ADDRESS (NAME) */

static void
relay_text(const struct msg_facts *f, char *out, size_t len)
{
	const struct sockaddr *sa = f->client_addr;
	char    addr[INET6_ADDRSTRLEN] = "";

	if (sa != NULL && sa->sa_family == AF_INET)
		(void) inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
				 addr, sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		(void) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
				 addr, sizeof(addr));
	if (*addr == 0)
		textf(out, len, "the local client");
	else if (f->client_name != NULL && *f->client_name)
		textf(out, len, "%s (%s)", addr, f->client_name);
	else
		textf(out, len, "%s", addr);
}

/* fail - the relay is not authorised: refuse, or note it in monitor mode */

static int
fail(struct verdict *v, enum auth_mode mode, const char *reason)
{
	set_sender(v, "unauthorised");
	if (mode == AUTH_ENFORCE) {
		refuse(v, ACTION_REJECT, reason);
		v->monitored = 0;
		return (-1);
	}
	if (!v->monitored) {			/* the first reason stays */
		v->monitored = 1;
		textf(v->reason, sizeof(v->reason), "%s", reason);
	}
	return (0);
}

/* tempfail - authorisation cannot be checked now: 451, or note it */

static int
tempfail(const struct msg_facts *f, struct verdict *v, enum auth_mode mode,
	         const char *domain, const char *why)
{
	char    relay[300], text[sizeof(v->reason)];

	relay_text(f, relay, sizeof(relay));
	textf(text, sizeof(text), "cannot check now whether %s may "
			"send for %s (%s); try again later", relay, domain, why);
	if (mode == AUTH_MONITOR) {
		if (!v->monitored) {
			v->monitored = 1;
			set_sender(v, "unchecked");
			textf(v->reason, sizeof(v->reason), "%s", text);
		}
		return (0);
	}
	set_sender(v, "unchecked");
	refuse(v, ACTION_TEMPFAIL, text);
	v->monitored = 0;
	return (-1);
}

/* check_own_envelope - a MAIL FROM domain whose domain lists senders */

static int
check_own_envelope(const struct policy *p, const struct msg_facts *f,
		           const struct policy_domain *skip, struct verdict *v)
{
	const struct policy_domain *q;
	const struct policy_sender *snd;
	char    env[256], relay[300], why[200] = "", text[sizeof(v->reason)];

	if (addr_domain_of(f->mail_from, env, sizeof(env)) < 0
	    || (q = policy_find_senders(p, env)) == NULL || q == skip
	    || !q->envelope_check)
		return (0);
	switch (authorise(q, f, &snd, why, sizeof(why))) {
	case AUTH_MATCH:
		return (0);
	case AUTH_TEMPFAIL:
		return (tempfail(f, v, q->mode, env, why));
	default:
		relay_text(f, relay, sizeof(relay));
		textf(text, sizeof(text), "%s is not authorised to send "
				"for %s (envelope sender%s%s)", relay, env,
				*why ? "; " : "", why);
		return (fail(v, q->mode, text));
	}
}

/* check_envelope_for - with envelope: check, the MAIL FROM domain too */

static int
check_envelope_for(const struct policy *p, const struct msg_facts *f,
		           const struct policy_domain *d, int source,
		           struct verdict *v)
{
	const struct policy_domain *q;
	const struct policy_sender *snd;
	char    env[256], relay[300], why[200] = "", text[sizeof(v->reason)];
	enum auth_result r = AUTH_NOMATCH;

	if (!d->envelope_check || addr_domain_of(f->mail_from, env, sizeof(env)) < 0)
		return (0);
	if ((q = policy_find_senders(p, env)) == d)
		return (0);
	if (q != NULL)
		r = authorise(q, f, &snd, why, sizeof(why));
	else if (source && policy_find_domain(p, env, NULL) != NULL)
		r = AUTH_MATCH;			/* a domain open to all sources */
	if (r == AUTH_MATCH)
		return (0);
	if (r == AUTH_TEMPFAIL)
		return (tempfail(f, v, d->mode, env, why));
	relay_text(f, relay, sizeof(relay));
	textf(text, sizeof(text), "%s may send for %s but not with the "
			"envelope sender domain %s%s%s%s; use an envelope sender "
			"in a domain it may send for", relay, v->from_domain, env,
			*why ? " (" : "", why, *why ? ")" : "");
	return (fail(v, d->mode, text));
}

/* check_from - is the relay one of the From domain's senders */

static int
check_from(const struct msg_facts *f, const struct policy_domain *d,
	           struct verdict *v)
{
	const struct policy_sender *snd;
	char    relay[300], why[200] = "", text[sizeof(v->reason)];

	switch (authorise(d, f, &snd, why, sizeof(why))) {
	case AUTH_MATCH:
		if (!v->monitored)
			set_sender(v, snd->name);
		return (0);
	case AUTH_TEMPFAIL:
		return (tempfail(f, v, d->mode, v->from_domain, why));
	default:
		relay_text(f, relay, sizeof(relay));
		textf(text, sizeof(text), "%s is not authorised to send "
				"for %s%s%s%s", relay, v->from_domain,
				*why ? " (" : "", why, *why ? ")" : "");
		return (fail(v, d->mode, text));
	}
}

/* from_domain - the one From domain of outbound mail; -1 if refused */

static int
from_domain(const struct policy *p, const struct msg_facts *f,
	            struct verdict *v)
{
	const char *why = NULL;
	char    text[sizeof(v->reason)];

	if (f->nfrom == 0 || f->from == NULL) {
		refuse(v, p->actions.no_from, "message has no From header field; "
		       "add one with the sender's address (RFC 5322)");
		return (-1);
	}
	if (f->nfrom > 1) {
		refuse(v, p->actions.bad_from, "message has several From header "
		       "fields; RFC 5322 allows one: send it with exactly one");
		return (-1);
	}
	switch (addr_from_domain(f->from, v->from_domain, sizeof(v->from_domain),
				 &why)) {
	case ADDR_OK:
		return (0);
	case ADDR_NONE:
		refuse(v, p->actions.no_from, "the From header field holds no "
		       "address; put the sender's address in it");
		return (-1);
	case ADDR_MANY:
		refuse(v, p->actions.bad_from, "the From header field holds "
		       "several addresses; DMARC needs exactly one");
		return (-1);
	default:
		textf(text, sizeof(text), "the From header field cannot "
				"be parsed (%s); fix its syntax",
				why ? why : "bad syntax");
		refuse(v, p->actions.bad_from, text);
		return (-1);
	}
}

/* outbound_by_sender - is mail from no source sent by a named sender */

static int
outbound_by_sender(const struct policy *p, const struct msg_facts *f,
		           struct verdict *v)
{
	const struct policy_domain *d;
	const struct policy_sender *snd;
	char    why[200] = "";

	if (f->nfrom != 1 || f->from == NULL
	    || addr_from_domain(f->from, v->from_domain, sizeof(v->from_domain),
				NULL) != ADDR_OK
	    || (d = policy_find_senders(p, v->from_domain)) == NULL)
		return (0);
	switch (authorise(d, f, &snd, why, sizeof(why))) {
	case AUTH_MATCH:
		set_sender(v, snd->name);
		return (1);
	case AUTH_TEMPFAIL:			/* cannot tell whether to sign */
		(void) tempfail(f, v, AUTH_ENFORCE, v->from_domain, why);
		return (-1);
	default:
		return (0);
	}
}

/* decide_signing - sign, pass or refuse mail that may be sent */

static void
decide_signing(const struct policy *p, const struct msg_facts *f,
	               const struct policy_domain *d, struct verdict *v)
{
	char    relay[300], text[sizeof(v->reason)];

	if ((v->domain = policy_find_domain(p, v->from_domain, NULL)) != NULL) {
		v->kind = VERDICT_SIGN;
		if (!v->monitored)
			textf(v->reason, sizeof(v->reason), "signed as %s",
					v->domain->name);
		return;
	}
	v->kind = VERDICT_PASS;
	if (d != NULL) {
		if (!v->monitored)
			textf(v->reason, sizeof(v->reason), "may send for "
					"%s, which signet does not sign", v->from_domain);
		return;
	}
	if (!v->monitored)
		set_sender(v, "unmanaged");
	if (p->unmanaged == ACTION_REJECT) {
		relay_text(f, relay, sizeof(relay));
		textf(text, sizeof(text), "%s is not authorised to send "
				"for %s: this server sends only for its own domains",
				relay, v->from_domain);
		set_sender(v, "unmanaged");
		refuse(v, ACTION_REJECT, text);
		v->monitored = 0;
	} else if (!v->monitored) {
		textf(v->reason, sizeof(v->reason),
				"signet does not sign for %s", v->from_domain);
	}
}

/* policy_decide - sign, pass or refuse */

void
policy_decide(const struct policy *p, const struct msg_facts *f,
	      struct verdict *v)
{
	const struct policy_domain *d;
	const char *source;
	int     st;

	memset(v, 0, sizeof(*v));
	if ((source = from_source(&p->sources, f)) == NULL) {
		if ((st = outbound_by_sender(p, f, v)) < 0)
			return;
		if (st == 0) {
			memset(v, 0, sizeof(*v));
			v->kind = VERDICT_PASS;
			set_sender(v, "inbound");
			textf(v->reason, sizeof(v->reason),
					"client is not a signing source");
			return;
		}
	} else {
		set_sender(v, source);
		if (from_domain(p, f, v) < 0)
			return;
	}
	d = policy_find_senders(p, v->from_domain);
	if (d != NULL && source != NULL && check_from(f, d, v) < 0)
		return;
	if (d != NULL && check_envelope_for(p, f, d, source != NULL, v) < 0)
		return;
	if (check_own_envelope(p, f, d, v) < 0)
		return;
	decide_signing(p, f, d, v);
}

/* policy_decide_mail - refuse at MAIL FROM what the envelope settles */

int
policy_decide_mail(const struct policy *p, const struct msg_facts *f,
		           struct verdict *v)
{
	const char *source;

	memset(v, 0, sizeof(*v));
	if ((source = from_source(&p->sources, f)) == NULL)
		return (0);
	set_sender(v, source);
	if (check_own_envelope(p, f, NULL, v) < 0)
		return (1);
	memset(v, 0, sizeof(*v));
	return (0);
}

/* policy_checks_mail - can policy_decide_mail() refuse anything */

int
policy_checks_mail(const struct policy *p)
{
	return (p->checks_mail);		/* set when the policy is loaded */
}
