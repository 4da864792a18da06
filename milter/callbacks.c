/*++
/* NAME
/*	callbacks 3
/* SUMMARY
/*	milter callbacks of signet-milter
/* SYNOPSIS
/*	#include "milter.h"
#include "session.h"
/*
/*	struct eng_callbacks milter_callbacks;
/* DESCRIPTION
/*	The glue between the MTA (through engine(3)) and the signer
/*	(state: session.h; the end of a message: reply.c; signatures:
/*	signing.c). All decisions are made
/*	by policy_decide() and all signatures by dkim_sign(). The SPF
/*	evaluator the decision gets is the pinned snapshot's (spf(3),
/*	cached); the decision asks it only for senders with spf: pass,
/*	when no network, login, name or certificate matched.
/*
/*	Per connection: the client address, name and MTA daemon name.
/*	Per message, reset at MAIL FROM (one connection carries many
/*	messages): the pinned snapshot, the SASL login and envelope
/*	sender (Postfix sends auth macros at MAIL), the recipients, the
/*	header fields the signature will cover, the From count, the first
/*	Message-ID, the verdict made at end of headers, and the body hash,
/*	computed as the body streams by and finished at end of message,
/*	before any decision made there (the recipients, Message-ID and
/*	body hash make the count's key; see count(3)).
/*
/*	MAIL FROM is answered only under a policy that can refuse there
/*	(policy_checks_mail(): a domain lists senders and checks the
/*	envelope); otherwise the MTA is asked not to wait (SMFIP_NR_MAIL).
/*	Should a reload make MAIL FROM count on a connection that agreed
/*	not to answer there, its refusal is given as one made at end of
/*	headers.
/*
/*	The verdict is made at end of headers. A message not to be signed
/*	(passed or refused) gets its answer there when the MTA waits for
/*	one; one that negotiated SMFIP_NR_EOH (Postfix, Sendmail 8.14)
/*	gets it at end of message, saving a round trip per message: the
/*	MTA replies to the SMTP client only after the whole message. A
/*	message to be signed that cannot be
/*	signed gets the policy's sign_error action (tempfail by default):
/*	no path accepts it unsigned by accident. close may come without
/*	connect; it accepts a missing context.
/*
/*	Every final decision goes through reply_log(), which counts
/*	the message (count(3)) with the domains of its recipients, and
/*	logs it. The count is committed before the reply; a count that
/*	cannot be committed gets the counters' on_error action (tempfail
/*	by default) instead of the reply, and "counted=no" in the log.
/*	At end of message the worker does not wait for the commit:
/*	reply_log() returns ENG_SUSPEND, and cb_resume() gives the reply
/*	and resets the message once the store answered (see reply(3)).
/*
/*	A message to be signed that has a line longer than the policy's
/*	signing: max_line_length (998 bytes by default, RFC 5322 2.1.1)
/*	in a header field the signature covers, or in its body, is
/*	refused: the MTA's SMTP client would fold that line after signing
/*	(Postfix inserts CRLF SPACE past smtp_line_length_limit) and the
/*	signature would fail at every receiver.
/* DIAGNOSTICS
/*	One line per message: queue id, client, From domain, verdict,
/*	selectors, milliseconds spent in signet. Header bytes beyond
/*	MSG_HEADER_MAX, and lines longer than max_line_length, get the
/*	message refused.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "canon.h"
#include "count.h"
#include "decide.h"
#include "keywatch.h"
#include "log.h"
#include "milter.h"
#include "session.h"
#include "sign.h"
#include "snapshot.h"
#include "spf.h"
#include "xalloc.h"

/* clock_start, clock_stop - add a callback's time to the message */

static void
clock_start(struct timespec *t)
{
	(void) clock_gettime(CLOCK_MONOTONIC, t);
}

static void
clock_stop(struct msg *m, const struct timespec *t0)
{
	struct timespec t;

	(void) clock_gettime(CLOCK_MONOTONIC, &t);
	m->spent.tv_sec += t.tv_sec - t0->tv_sec;
	m->spent.tv_nsec += t.tv_nsec - t0->tv_nsec;
}

/* msg_reset - end a message: free its state, unpin its snapshot */

void
msg_reset(struct conn *c)
{
	struct msg *m = &c->msg;
	size_t  i;

	for (i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
	}
	free(m->hdrs);
	free(m->auth_authen);
	free(m->cert_subject);
	free(m->cert_issuer);
	free(m->mail_from);
	count_rcpt_free(m->rcpt_domains, m->nrcpt_domains);
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->message_id);
	free(m->selectors);
	canon_body_free(m->body);
	snapshot_release(m->snap);
	memset(m, 0, sizeof(*m));
}

/* conn_get - the connection context, made on first use */

static struct conn *
conn_get(struct eng_ctx *ctx)
{
	struct conn *c = eng_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		eng_setpriv(ctx, c);
	}
	return (c);
}

/* strdup_or_null - copy a macro value */

static char *
strdup_or_null(const char *s)
{
	return (s && *s ? xstrdup(s) : NULL);
}

/* cb_negotiate - ask for what signet needs, skip what it does not */

static eng_stat
cb_negotiate(struct eng_ctx *ctx, unsigned long f0, unsigned long f1,
	     unsigned long *pf0, unsigned long *pf1)
{
	unsigned long want = SIGNET_STEPS;
	struct snapshot *snap;
	struct conn *c;

	if ((f0 & MILTER_ACT_ADDHDRS) == 0) {
		log_error("the MTA does not let milters add header fields; "
			  "signet cannot sign: upgrade the MTA");
		return (ENG_REJECT);
	}
	snap = snapshot_acquire();
	if (!policy_checks_mail(snap->policy))	/* nothing to refuse at MAIL */
		want |= MILTER_P_NR_MAIL;
	(void) snapshot_release(snap);
	*pf0 = MILTER_ACT_ADDHDRS | (f0 & MILTER_ACT_SETSYMLIST);
	*pf1 = f1 & want;
	c = conn_get(ctx);
	c->leadspc = (*pf1 & MILTER_P_HDR_LEADSPC) != 0;
	c->helo_reply = (*pf1 & MILTER_P_NR_HELO) ? ENG_NOREPLY : ENG_CONTINUE;
	c->mail_reply = (*pf1 & MILTER_P_NR_MAIL) ? ENG_NOREPLY : ENG_CONTINUE;
	c->hdr_reply = (*pf1 & MILTER_P_NR_HDR) ? ENG_NOREPLY : ENG_CONTINUE;
	c->eoh_reply = (*pf1 & MILTER_P_NR_EOH) ? ENG_NOREPLY : ENG_CONTINUE;
	c->rcpt_reply = (*pf1 & MILTER_P_NR_RCPT) ? ENG_NOREPLY : ENG_CONTINUE;
	c->body_reply = (*pf1 & MILTER_P_NR_BODY) ? ENG_NOREPLY : ENG_CONTINUE;
	if (f0 & MILTER_ACT_SETSYMLIST) {
		(void) eng_setsymlist(ctx, MILTER_STAGE_CONNECT, "j {daemon_name} "
				"{client_addr} {client_name} {client_resolve}");
		(void) eng_setsymlist(ctx, MILTER_STAGE_HELO,
				       "{tls_version} {cert_subject} {cert_issuer}");
		(void) eng_setsymlist(ctx, MILTER_STAGE_MAIL, "i {auth_type} "
			    "{auth_authen} {mail_addr} {cert_subject} {cert_issuer}");
		(void) eng_setsymlist(ctx, MILTER_STAGE_EOH, "i");
		(void) eng_setsymlist(ctx, MILTER_STAGE_EOM, "i");
	}
	return (ENG_CONTINUE);
}

/* verified_name - the client's name if its reverse DNS is confirmed */

static char *
verified_name(struct eng_ctx *ctx, const char *hostname)
{
	const char *name = eng_getsymval(ctx, "{client_name}");
	const char *resolve = eng_getsymval(ctx, "{client_resolve}");

	if (resolve != NULL && strcmp(resolve, "OK") != 0)
		return (NULL);			/* Sendmail: FAIL, FORGED, TEMP */
	if (name == NULL)
		name = hostname;
	if (name == NULL || *name == 0 || *name == '['
	    || strcmp(name, "unknown") == 0)
		return (NULL);			/* Postfix: not confirmed */
	return (xstrdup(name));
}

/* cb_connect - remember who the client is */

static eng_stat
cb_connect(struct eng_ctx *ctx, const char *hostname,
	   const struct sockaddr *sa)
{
	struct conn *c = conn_get(ctx);
	size_t  len = 0;

	free(c->client_name);
	free(c->daemon_name);
	c->client_name = verified_name(ctx, hostname);
	c->daemon_name = strdup_or_null(eng_getsymval(ctx, "{daemon_name}"));
	c->has_addr = 0;
	strcpy(c->addr_text, "local");
	if (sa != NULL && sa->sa_family == AF_INET)
		len = sizeof(struct sockaddr_in);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		len = sizeof(struct sockaddr_in6);
	if (len > 0) {
		memcpy(&c->addr, sa, len);
		c->has_addr = 1;
		(void) inet_ntop(sa->sa_family, sa->sa_family == AF_INET ?
				 (const void *) &((const struct sockaddr_in *) sa)->sin_addr :
				 (const void *) &((const struct sockaddr_in6 *) sa)->sin6_addr,
				 c->addr_text, sizeof(c->addr_text));
	}
	return (ENG_CONTINUE);
}

/* cb_helo - keep the TLS client certificate, as some MTAs send it here */

static eng_stat
cb_helo(struct eng_ctx *ctx, const char *helohost)
{
	struct conn *c = conn_get(ctx);

	free(c->helo_subject);
	free(c->helo_issuer);
	c->helo_subject = strdup_or_null(eng_getsymval(ctx, "{cert_subject}"));
	c->helo_issuer = strdup_or_null(eng_getsymval(ctx, "{cert_issuer}"));
	return (c->helo_reply);
}

/* facts_fill - what the decision knows of the connection and message */

static void
facts_fill(struct conn *c, struct msg_facts *f)
{
	struct msg *m = &c->msg;

	memset(f, 0, sizeof(*f));
	f->client_addr = c->has_addr ? (struct sockaddr *) &c->addr : NULL;
	f->client_name = c->client_name;
	f->daemon_name = c->daemon_name;
	f->auth_authen = m->auth_authen;
	f->cert_subject = m->cert_subject;
	f->cert_issuer = m->cert_issuer;
	f->mail_from = m->mail_from;
	if (m->snap != NULL) {		/* asked only when nothing else matches */
		f->spf = spf_verdict;
		f->spf_ctx = m->snap->spf;
	}
}

/* cert_macro - a certificate macro at MAIL, else as sent at HELO */

static char *
cert_macro(struct eng_ctx *ctx, const char *name, const char *at_helo)
{
	const char *v = eng_getsymval(ctx, name);

	return (strdup_or_null(v && *v ? v : at_helo));
}

/* cb_envfrom - a new message: pin the policy, note the sender */

static eng_stat
cb_envfrom(struct eng_ctx *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct msg_facts facts;
	struct timespec t0;
	const char *from = argv && argv[0] ? argv[0] : "";
	size_t  len;
	int     refused;

	clock_start(&t0);
	msg_reset(c);
	m->snap = snapshot_acquire();
	m->auth_authen = strdup_or_null(eng_getsymval(ctx, "{auth_authen}"));
	m->cert_subject = cert_macro(ctx, "{cert_subject}", c->helo_subject);
	m->cert_issuer = cert_macro(ctx, "{cert_issuer}", c->helo_issuer);
	if (*from == '<')
		from++;
	len = strlen(from);
	m->mail_from = xstrndup(from, len && from[len - 1] == '>' ? len - 1 : len);
	facts_fill(c, &facts);
	refused = policy_decide_mail(m->snap->policy, &facts, &m->verdict);
	clock_stop(m, &t0);
	if (refused && c->mail_reply == ENG_NOREPLY) {
		m->mail_refused = 1;		/* a reload made MAIL count */
		return (ENG_NOREPLY);
	}
	if (refused)
		return (reply_refuse(ctx, c, m->verdict.action));
	return (c->mail_reply);
}

/* rcpt_keep - keep a recipient as sent, without <> */

static void
rcpt_keep(struct msg *m, const char *rcpt)
{
	size_t  len;

	if (*rcpt == '<')
		rcpt++;
	len = strlen(rcpt);
	if (len && rcpt[len - 1] == '>')
		len--;
	m->rcpts = xreallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	m->rcpts[m->nrcpts++] = xstrndup(rcpt, len);
}

/* cb_envrcpt - note the recipient and its domain, for the counts */

static eng_stat
cb_envrcpt(struct eng_ctx *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c->msg.snap != NULL && argv != NULL && argv[0] != NULL) {
		count_rcpt_add(&c->msg.rcpt_domains, &c->msg.nrcpt_domains, argv[0]);
		rcpt_keep(&c->msg, argv[0]);
	}
	return (c->rcpt_reply);
}

/* header_wanted - will the signature cover this field */

static int
header_wanted(const struct policy *p, const char *name)
{
	size_t  i;

	for (i = 0; i < p->signing.nheaders; i++)
		if (canon_name_eq(name, p->signing.headers[i]))
			return (1);
	return (0);
}

/* line_too_long - has "NAME: VALUE" a line longer than max (0: any) */

static int
line_too_long(const char *name, const char *value, size_t max)
{
	size_t  len = strlen(name) + 1 + (*value != ' ' && *value != '\t');
	const char *p;

	if (max == 0)
		return (0);
	for (p = value; *p && len <= max; p++) {
		if (*p == '\n')
			len = 0;
		else if (*p != '\r')
			len++;
	}
	return (len > max);
}

/* body_lines - note a body line longer than max (a CR before the LF
   is not content); only the last LF within each max + 2 bytes is
   looked for: the lines before it there are short enough */

static void
body_lines(struct msg *m, const unsigned char *data, size_t len, size_t max)
{
	const unsigned char *p = data, *end = data + len, *nl;
	size_t  room, n;

	if (max == 0 || m->body_long || len == 0)
		return;
	while (p < end) {
		/* This line's LF can come after at most max + 1 bytes (a CR). */
		room = max + 2 - m->body_line;
		n = (size_t) (end - p) < room ? (size_t) (end - p) : room;
		if ((nl = memrchr(p, '\n', n)) == NULL) {
			if (n == room) {
				m->body_long = 1;
				return;
			}
			m->body_line += n;
			break;
		}
		/* Only a line with no LF before it here can be max + 1 long. */
		if (m->body_line + (size_t) (nl - p) == max + 1
		    && (nl > p ? nl[-1] : m->body_last) != '\r'
		    && memrchr(p, '\n', (size_t) (nl - p)) == NULL) {
			m->body_long = 1;
			return;
		}
		m->body_line = 0;
		p = nl + 1;
	}
	m->body_last = end[-1];
}

/* body_too_long - has the body a line longer than max (0: any) */

static int
body_too_long(const struct msg *m, size_t max)
{
	return (max != 0 && (m->body_long
			     || m->body_line > max + (m->body_last == '\r')));
}

/* message_id_keep - the first Message-ID value, trimmed, for the count */

static void
message_id_keep(struct msg *m, const char *value)
{
	size_t  len;

	if (m->message_id != NULL)
		return;
	value += strspn(value, " \t\r\n");
	for (len = strlen(value); len > 0 && strchr(" \t\r\n", value[len - 1]);
	     len--)
		 /* void */ ;
	if (len > 0 && len <= 998)
		m->message_id = xstrndup(value, len);
}

/* cb_header - keep the fields the signature will cover */

static eng_stat
cb_header(struct eng_ctx *ctx, const char *name, const char *value)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct msg_header *h;
	struct timespec t0;

	if (m->snap == NULL)
		return (c->hdr_reply);
	clock_start(&t0);
	if (strcasecmp(name, "From") == 0)
		m->nfrom++;
	else if (strcasecmp(name, "Message-ID") == 0)
		message_id_keep(m, value);
	if (!m->too_big && header_wanted(m->snap->policy, name)) {
		if (!*m->long_field && line_too_long(name, value,
					 (size_t) m->snap->policy->signing.max_line))
			(void) snprintf(m->long_field, sizeof(m->long_field), "%s", name);
		m->hdr_bytes += strlen(name) + strlen(value) + 4;
		if (m->hdr_bytes > MSG_HEADER_MAX) {
			m->too_big = 1;
		} else {
			m->hdrs = xreallocarray(m->hdrs, m->nhdrs + 1, sizeof(*m->hdrs));
			h = &m->hdrs[m->nhdrs++];
			h->name = xstrdup(name);
			if (c->leadspc) {
				h->value = xstrdup(value);
			} else {
				h->value = xmalloc(strlen(value) + 2);
				h->value[0] = ' ';
				strcpy(h->value + 1, value);
			}
		}
	}
	clock_stop(m, &t0);
	return (c->hdr_reply);
}

/* eoh_answer - end the message as decided at end of headers */

static eng_stat
eoh_answer(struct eng_ctx *ctx, struct conn *c)
{
	struct msg *m = &c->msg;
	eng_stat ret;

	if (m->verdict.kind == VERDICT_REFUSE)
		return (reply_refuse(ctx, c, m->verdict.action));
	if (m->verdict.kind == VERDICT_PASS) {
		ret = reply_log(ctx, c, "passed", "-", ENG_ACCEPT);
		if (ret != ENG_SUSPEND)
			msg_reset(c);
		return (ret);
	}
	if (m->too_big) {
		(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
			   "the header fields to sign exceed %d bytes",
			   MSG_HEADER_MAX);
		m->verdict.action = ACTION_REJECT;
		return (reply_refuse(ctx, c, ACTION_REJECT));
	}
	/* What is left: a message to sign with a header line too long. */
	(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
		   "the %.60s header field has a line longer than %ld "
		   "characters (RFC 5322 2.1.1): the MTA would fold it "
		   "after signing and break the signature; fold it "
		   "before sending", m->long_field,
		   m->snap->policy->signing.max_line);
	m->verdict.action = ACTION_REJECT;
	return (reply_refuse(ctx, c, ACTION_REJECT));
}

/* cb_eoh - decide: sign, pass, or refuse; the answer may wait for the end */

static eng_stat
cb_eoh(struct eng_ctx *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct msg_facts facts;
	struct timespec t0;
	size_t  i;

	if (m->snap == NULL)
		return (reply_internal_error(ctx, c, "end of headers"));
	clock_start(&t0);
	facts_fill(c, &facts);
	facts.nfrom = m->nfrom;
	for (i = 0; i < m->nhdrs && facts.from == NULL; i++)
		if (strcasecmp(m->hdrs[i].name, "From") == 0)
			facts.from = m->hdrs[i].value;
	if (!m->mail_refused)		/* else the refusal made at MAIL */
		policy_decide(m->snap->policy, &facts, &m->verdict);
	clock_stop(m, &t0);

	if (m->verdict.kind != VERDICT_SIGN || m->too_big || *m->long_field) {
		if (c->eoh_reply == ENG_NOREPLY) {
			m->eoh_decided = 1;	/* answered at end of message */
			return (ENG_NOREPLY);
		}
		return (eoh_answer(ctx, c));
	}
	m->body = canon_body_create(m->snap->policy->signing.body_canon);
	return (c->eoh_reply);
}

/* cb_body - hash a body chunk as it streams */

static eng_stat
cb_body(struct eng_ctx *ctx, const unsigned char *data, size_t len)
{
	struct conn *c = conn_get(ctx);
	struct timespec t0;

	if (c->msg.body != NULL) {
		clock_start(&t0);
		body_lines(&c->msg, data, len,
			   (size_t) c->msg.snap->policy->signing.max_line);
		canon_body_update(c->msg.body, data, len);
		clock_stop(&c->msg, &t0);
	}
	return (c->body_reply);
}

/* cb_eom - finish the hashes, sign, insert the signatures */

static eng_stat
cb_eom(struct eng_ctx *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct buf values[MSG_SIG_MAX], names = BUF_INIT, err = BUF_INIT;
	struct timespec t0;
	size_t  i, n = 0;
	eng_stat ret;
	int     ok;

	if (m->eoh_decided)
		return (eoh_answer(ctx, c));
	if (m->body == NULL)
		return (reply_internal_error(ctx, c, "end of message"));
	clock_start(&t0);
	canon_body_final(m->body, m->bh);
	m->has_bh = 1;
	clock_stop(m, &t0);
	if (body_too_long(m, (size_t) m->snap->policy->signing.max_line)) {
		(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
			   "the body has a line longer than %ld characters "
			   "(RFC 5322 2.1.1): the MTA would break it after "
			   "signing and the signature would fail; send long "
			   "lines quoted-printable or base64",
			   m->snap->policy->signing.max_line);
		m->verdict.action = ACTION_REJECT;
		return (reply_refuse(ctx, c, ACTION_REJECT));
	}
	clock_start(&t0);
	ok = signing_sign(m, values, &n, &names, &err) == 0;
	for (i = n; ok && i > 0; i--)
		if (signing_insert(ctx, c, &values[i - 1]) < 0) {
			buf_printf(&err, "the MTA refused the DKIM-Signature field");
			ok = 0;
		}
	clock_stop(m, &t0);
	if (ok) {
		ret = reply_log(ctx, c, "signed", names.data, ENG_CONTINUE);
	} else {
		log_error("signing for %s failed: %s; the message gets the "
			  "sign_error action (%s); check the domain's keys with "
			  "signet config check and signet keys check",
			  m->verdict.domain->name, err.data,
			  policy_action_name(m->snap->policy->actions.sign_error));
		(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
			   "cannot sign for %s now", m->verdict.domain->name);
		ret = reply_refuse(ctx, c, m->snap->policy->actions.sign_error);
	}
	for (i = 0; i < n; i++)
		buf_free(&values[i]);
	buf_free(&names);
	buf_free(&err);
	if (ret != ENG_SUSPEND)
		msg_reset(c);
	return (ret);
}

/* cb_resume - the count of a message is committed, or failed: answer */

static eng_stat
cb_resume(struct eng_ctx *ctx, int rc)
{
	struct conn *c = conn_get(ctx);
	eng_stat ret = reply_counted(ctx, c, rc);

	msg_reset(c);
	return (ret);
}

/* cb_abort - the message ended early; the connection goes on */

static eng_stat
cb_abort(struct eng_ctx *ctx)
{
	struct conn *c = eng_getpriv(ctx);

	if (c != NULL)
		msg_reset(c);
	return (ENG_CONTINUE);
}

/* cb_close - the connection ended; it may never have started */

static eng_stat
cb_close(struct eng_ctx *ctx)
{
	struct conn *c = eng_getpriv(ctx);

	if (c == NULL)
		return (ENG_CONTINUE);
	msg_reset(c);
	free(c->client_name);
	free(c->daemon_name);
	free(c->helo_subject);
	free(c->helo_issuer);
	free(c);
	eng_setpriv(ctx, NULL);
	return (ENG_CONTINUE);
}

struct eng_callbacks milter_callbacks = {
	cb_negotiate,			/* negotiation at connection start */
	cb_connect,			/* connection info */
	cb_helo,			/* SMTP HELO */
	cb_envfrom,			/* envelope sender */
	cb_envrcpt,			/* envelope recipient */
	cb_header,			/* one header field */
	cb_eoh,				/* end of headers */
	cb_body,			/* body chunk */
	cb_eom,				/* end of message */
	cb_abort,			/* message aborted */
	cb_close,			/* connection closed */
	cb_resume			/* a suspended end of message */
};
