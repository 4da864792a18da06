/*++
/* NAME
/*	callbacks 3
/* SUMMARY
/*	libmilter callbacks of signet-milter
/* SYNOPSIS
/*	#include "milter.h"
/*
/*	struct smfiDesc milter_desc;
/*	int	milter_in_flight(void);
/* DESCRIPTION
/*	The glue between the MTA and the signer; all decisions are made
/*	by policy_decide() and all signatures by dkim_sign(). The SPF
/*	evaluator the decision gets is the pinned snapshot's (spf(3),
/*	cached); the decision asks it only for senders with spf: pass,
/*	when no network, login, name or certificate matched.
/*
/*	Per connection: the client address, name and MTA daemon name.
/*	Per message, reset at MAIL FROM (one connection carries many
/*	messages): the pinned snapshot, the SASL login and envelope
/*	sender (Postfix sends auth macros at MAIL), the header fields the
/*	signature will cover, the From count, the verdict made at end of
/*	headers, and the body hash, computed as the body streams by.
/*
/*	A message is refused at end of headers, before its body is sent,
/*	when the verdict says so. A message to be signed that cannot be
/*	signed gets the policy's sign_error action (tempfail by default):
/*	no path accepts it unsigned by accident. close may come without
/*	connect; it accepts a missing context.
/*
/*	Every final decision goes through log_message(), which counts
/*	the message (count(3)) with the domains of its recipients, and
/*	logs it. The count is committed before the reply; a count that
/*	cannot be committed gets the counters' on_error action (tempfail
/*	by default) instead of the reply, and "counted=no" in the log.
/*
/*	milter_in_flight() counts messages between MAIL FROM and their
/*	end, so that shutdown can let them finish.
/* DIAGNOSTICS
/*	One line per message: queue id, client, From domain, verdict,
/*	selectors, milliseconds spent in signet. Header bytes beyond
/*	MSG_HEADER_MAX get the message refused.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
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
#include "sign.h"
#include "snapshot.h"
#include "spf.h"
#include "xalloc.h"

#define MSG_HEADER_MAX	(1024 * 1024)	/* signed header bytes kept */
#define MSG_SIG_MAX	8		/* selectors per domain */

struct msg {
	struct snapshot *snap;		/* pinned at MAIL FROM */
	char   *auth_authen;
	char   *cert_subject;		/* TLS client certificate */
	char   *cert_issuer;
	char   *mail_from;
	struct msg_header *hdrs;	/* only those the signature covers */
	size_t  nhdrs;
	size_t  hdr_bytes;
	int     nfrom;
	char  **rcpt_domains;		/* distinct, for the counts */
	size_t  nrcpt_domains;
	int     too_big;
	struct verdict verdict;
	struct canon_body *body;
	struct timespec spent;		/* time inside our callbacks */
};

struct conn {
	struct sockaddr_storage addr;
	int     has_addr;
	char    addr_text[INET6_ADDRSTRLEN];
	char   *client_name;		/* forward-confirmed; NULL: none */
	char   *daemon_name;
	char   *helo_subject;		/* {cert_subject} at HELO */
	char   *helo_issuer;		/* {cert_issuer} at HELO */
	int     leadspc;		/* MTA keeps the space after colons */
	sfsistat helo_reply;		/* SMFIS_NOREPLY when negotiated */
	sfsistat hdr_reply;		/* SMFIS_NOREPLY when negotiated */
	sfsistat rcpt_reply;
	sfsistat body_reply;
	int     in_msg;
	struct msg msg;
};

static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static int in_flight;

/* flight - count messages in progress */

static void
flight(int delta)
{
	(void) pthread_mutex_lock(&flight_lock);
	in_flight += delta;
	(void) pthread_mutex_unlock(&flight_lock);
}

/* milter_in_flight - messages in progress */

int
milter_in_flight(void)
{
	int     n;

	(void) pthread_mutex_lock(&flight_lock);
	n = in_flight;
	(void) pthread_mutex_unlock(&flight_lock);
	return (n);
}

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

static void
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
	canon_body_free(m->body);
	snapshot_release(m->snap);
	memset(m, 0, sizeof(*m));
	if (c->in_msg) {
		c->in_msg = 0;
		flight(-1);
	}
}

/* conn_get - the connection context, made on first use */

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		(void) smfi_setpriv(ctx, c);
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

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_RCPT
		| SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC;
	struct conn *c;

	if ((f0 & SMFIF_ADDHDRS) == 0) {
		log_error("the MTA does not let milters add header fields; "
			  "signet cannot sign: upgrade the MTA");
		return (SMFIS_REJECT);
	}
	*pf0 = SMFIF_ADDHDRS | (f0 & SMFIF_SETSYMLIST);
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	c = conn_get(ctx);
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->helo_reply = (*pf1 & SMFIP_NR_HELO) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	c->hdr_reply = (*pf1 & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	c->rcpt_reply = (*pf1 & SMFIP_NR_RCPT) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	c->body_reply = (*pf1 & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	if (f0 & SMFIF_SETSYMLIST) {
		(void) smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name} "
				"{client_addr} {client_name} {client_resolve}");
		(void) smfi_setsymlist(ctx, SMFIM_HELO,
				       "{tls_version} {cert_subject} {cert_issuer}");
		(void) smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_type} "
			    "{auth_authen} {mail_addr} {cert_subject} {cert_issuer}");
		(void) smfi_setsymlist(ctx, SMFIM_EOH, "i");
		(void) smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return (SMFIS_CONTINUE);
}

/* verified_name - the client's name if its reverse DNS is confirmed */

static char *
verified_name(SMFICTX *ctx, const char *hostname)
{
	const char *name = smfi_getsymval(ctx, "{client_name}");
	const char *resolve = smfi_getsymval(ctx, "{client_resolve}");

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

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	size_t  len = 0;

	free(c->client_name);
	free(c->daemon_name);
	c->client_name = verified_name(ctx, hostname);
	c->daemon_name = strdup_or_null(smfi_getsymval(ctx, "{daemon_name}"));
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
				 (void *) &((struct sockaddr_in *) sa)->sin_addr :
				 (void *) &((struct sockaddr_in6 *) sa)->sin6_addr,
				 c->addr_text, sizeof(c->addr_text));
	}
	return (SMFIS_CONTINUE);
}

/* cb_helo - keep the TLS client certificate, as some MTAs send it here */

static sfsistat
cb_helo(SMFICTX *ctx, char *helohost)
{
	struct conn *c = conn_get(ctx);

	free(c->helo_subject);
	free(c->helo_issuer);
	c->helo_subject = strdup_or_null(smfi_getsymval(ctx, "{cert_subject}"));
	c->helo_issuer = strdup_or_null(smfi_getsymval(ctx, "{cert_issuer}"));
	return (c->helo_reply);
}

static sfsistat refuse(SMFICTX *, struct conn *, enum action);

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
cert_macro(SMFICTX *ctx, const char *name, const char *at_helo)
{
	const char *v = smfi_getsymval(ctx, (char *) name);

	return (strdup_or_null(v && *v ? v : at_helo));
}

/* cb_envfrom - a new message: pin the policy, note the sender */

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
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
	c->in_msg = 1;
	flight(1);
	m->snap = snapshot_acquire();
	m->auth_authen = strdup_or_null(smfi_getsymval(ctx, "{auth_authen}"));
	m->cert_subject = cert_macro(ctx, "{cert_subject}", c->helo_subject);
	m->cert_issuer = cert_macro(ctx, "{cert_issuer}", c->helo_issuer);
	if (*from == '<')
		from++;
	len = strlen(from);
	m->mail_from = xstrndup(from, len && from[len - 1] == '>' ? len - 1 : len);
	facts_fill(c, &facts);
	refused = policy_decide_mail(m->snap->policy, &facts, &m->verdict);
	clock_stop(m, &t0);
	if (refused)
		return (refuse(ctx, c, m->verdict.action));
	return (SMFIS_CONTINUE);
}

/* cb_envrcpt - note the recipient's domain, for the counts */

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);

	if (c->msg.snap != NULL && argv != NULL && argv[0] != NULL)
		count_rcpt_add(&c->msg.rcpt_domains, &c->msg.nrcpt_domains, argv[0]);
	return (c->rcpt_reply);
}

/* header_wanted - will the signature cover this field */

static int
header_wanted(const struct policy *p, const char *name)
{
	size_t  i;

	for (i = 0; i < p->signing.nheaders; i++)
		if (strcasecmp(name, p->signing.headers[i]) == 0)
			return (1);
	return (0);
}

/* cb_header - keep the fields the signature will cover */

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
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
	if (!m->too_big && header_wanted(m->snap->policy, name)) {
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

/* reply_text - make text safe for an SMTP reply line */

static void
reply_text(const char *in, char *out, size_t len)
{
	size_t  n = 0;

	for (; *in && n + 2 < len; in++) {
		if (*in == '%') {
			out[n++] = '%';
			out[n++] = '%';
		} else {
			out[n++] = (*in >= 32 && *in < 127) ? *in : '?';
		}
	}
	out[n] = 0;
}

/* count_failed - the reply for a message whose count failed */

static sfsistat
count_failed(SMFICTX *ctx, sfsistat reply)
{
	switch (count_on_error()) {
	case ACTION_ACCEPT:
		return (reply);
	case ACTION_REJECT:
		(void) smfi_setreply(ctx, "550", "5.3.0", "signet cannot count "
				     "this message; contact the postmaster");
		return (SMFIS_REJECT);
	default:
		(void) smfi_setreply(ctx, "451", "4.3.0", "signet cannot count "
				     "this message now; try again later");
		return (SMFIS_TEMPFAIL);
	}
}

/* log_message - count the message, log its line; the reply to give */

static sfsistat
log_message(SMFICTX *ctx, struct conn *c, const char *verdict,
	    const char *selectors, sfsistat reply)
{
	struct msg *m = &c->msg;
	const char *qid = smfi_getsymval(ctx, "i");
	double  ms = m->spent.tv_sec * 1e3 + m->spent.tv_nsec / 1e6;
	struct count_msg cm = {&m->verdict, verdict, m->mail_from,
		m->auth_authen, c->addr_text, m->rcpt_domains,
	m->nrcpt_domains, ms};
	int     counted = count_message(&cm) == 0;

	if (!counted)
		reply = count_failed(ctx, reply);
	log_info("queue_id=%s client=%s from_domain=%s verdict=%s sender=%s%s "
		 "selectors=%s ms=%.3f%s reason=\"%s\"",
		 qid && *qid ? qid : "-", c->addr_text,
		 *m->verdict.from_domain ? m->verdict.from_domain : "-",
		 verdict, *m->verdict.sender ? m->verdict.sender : "-",
		 m->verdict.monitored ? " monitored=yes" : "",
		 selectors, ms, counted ? "" : " counted=no", m->verdict.reason);
	return (reply);
}

/* refuse - apply an action with its SMTP reply; the message ends */

static sfsistat
refuse(SMFICTX *ctx, struct conn *c, enum action action)
{
	char    text[512];
	sfsistat ret;

	reply_text(c->msg.verdict.reason, text, sizeof(text));
	switch (action) {
	case ACTION_REJECT:
		(void) smfi_setreply(ctx, "550", "5.7.1", text);
		ret = log_message(ctx, c, "rejected", "-", SMFIS_REJECT);
		break;
	case ACTION_TEMPFAIL:
		(void) smfi_setreply(ctx, "451", "4.7.1", text);
		ret = log_message(ctx, c, "tempfailed", "-", SMFIS_TEMPFAIL);
		break;
	case ACTION_ACCEPT:
		ret = log_message(ctx, c, "accepted-unsigned", "-", SMFIS_ACCEPT);
		break;
	default:
		log_panic("refuse: action %d", (int) action);
	}
	msg_reset(c);
	return (ret);
}

/* internal_error - a state that should not be: never pass unsigned */

static sfsistat
internal_error(SMFICTX *ctx, struct conn *c, const char *where)
{
	log_error("%s without a message in progress; tempfailing it", where);
	(void) snprintf(c->msg.verdict.reason, sizeof(c->msg.verdict.reason),
			"internal error at %s; try again later", where);
	return (refuse(ctx, c, ACTION_TEMPFAIL));
}

/* cb_eoh - decide: sign, pass, or refuse before the body comes */

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct msg_facts facts;
	struct timespec t0;
	sfsistat ret;
	size_t  i;

	if (m->snap == NULL)
		return (internal_error(ctx, c, "end of headers"));
	clock_start(&t0);
	facts_fill(c, &facts);
	facts.nfrom = m->nfrom;
	for (i = 0; i < m->nhdrs && facts.from == NULL; i++)
		if (strcasecmp(m->hdrs[i].name, "From") == 0)
			facts.from = m->hdrs[i].value;
	policy_decide(m->snap->policy, &facts, &m->verdict);
	clock_stop(m, &t0);

	if (m->verdict.kind == VERDICT_REFUSE)
		return (refuse(ctx, c, m->verdict.action));
	if (m->verdict.kind == VERDICT_PASS) {
		ret = log_message(ctx, c, "passed", "-", SMFIS_ACCEPT);
		msg_reset(c);
		return (ret);
	}
	if (m->too_big) {
		(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
			   "the header fields to sign exceed %d bytes",
			   MSG_HEADER_MAX);
		m->verdict.action = ACTION_REJECT;
		return (refuse(ctx, c, ACTION_REJECT));
	}
	m->body = canon_body_create(m->snap->policy->signing.body_canon);
	return (SMFIS_CONTINUE);
}

/* cb_body - hash a body chunk as it streams */

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct conn *c = conn_get(ctx);
	struct timespec t0;

	if (c->msg.body != NULL) {
		clock_start(&t0);
		canon_body_update(c->msg.body, data, len);
		clock_stop(&c->msg, &t0);
	}
	return (c->body_reply);
}

/* sign_all - one signature per selector of the domain that signs now */

static int
sign_all(struct msg *m, struct buf *values, size_t *nvalues,
	 struct buf *names, struct buf *err)
{
	const struct policy *p = m->snap->policy;
	const struct policy_domain *d = m->verdict.domain;
	unsigned char bh[CANON_DIGEST_LEN];
	struct sign_request req;
	size_t  i, use[MSG_SIG_MAX], nuse;

	if ((nuse = keywatch_select(m->snap->watch, d, use, MSG_SIG_MAX)) == 0) {
		buf_printf(err, "no selector of %s may sign now (see the \"keys:\" "
			   "log lines)", d->name);
		return (-1);
	}

	canon_body_final(m->body, bh);
	memset(&req, 0, sizeof(req));
	req.domain = d->name;
	req.header_canon = p->signing.header_canon;
	req.body_canon = p->signing.body_canon;
	req.headers = p->signing.headers;
	req.nheaders = p->signing.nheaders;
	req.oversign = p->signing.oversign;
	req.noversign = p->signing.noversign;
	req.timestamp = time(NULL);
	req.expire = p->signing.expire;
	for (i = 0; i < nuse; i++) {
		req.selector = d->selectors[use[i]].name;
		req.alg = d->selectors[use[i]].alg;
		if ((req.key = keyring_find(m->snap->keys, &d->selectors[use[i]])) == NULL) {
			buf_printf(err, "no key loaded for selector %s", req.selector);
			return (-1);
		}
		buf_init(&values[i]);
		*nvalues = i + 1;
		if (dkim_sign(&req, m->hdrs, m->nhdrs, bh, &values[i], err) < 0)
			return (-1);
		buf_printf(names, "%s%s", i ? "," : "", req.selector);
	}
	return (0);
}

/* insert_value - add one signature above all other fields */

static int
insert_value(SMFICTX *ctx, const struct conn *c, const struct buf *v)
{
	char   *text = xmalloc(v->len + 1), *q = text;
	const char *p = c->leadspc ? v->data : v->data + 1;
	int     ret;

	for (; *p; p++)			/* milters fold with LF only */
		if (*p != '\r')
			*q++ = *p;
	*q = 0;
	ret = smfi_insheader(ctx, 0, "DKIM-Signature", text);
	free(text);
	return (ret == MI_SUCCESS ? 0 : -1);
}

/* cb_eom - finish the hashes, sign, insert the signatures */

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = &c->msg;
	struct buf values[MSG_SIG_MAX], names = BUF_INIT, err = BUF_INIT;
	struct timespec t0;
	size_t  i, n = 0;
	sfsistat ret;
	int     ok;

	if (m->body == NULL)
		return (internal_error(ctx, c, "end of message"));
	clock_start(&t0);
	ok = sign_all(m, values, &n, &names, &err) == 0;
	for (i = n; ok && i > 0; i--)
		if (insert_value(ctx, c, &values[i - 1]) < 0) {
			buf_printf(&err, "the MTA refused the DKIM-Signature field");
			ok = 0;
		}
	clock_stop(m, &t0);
	if (ok) {
		ret = log_message(ctx, c, "signed", names.data, SMFIS_CONTINUE);
	} else {
		log_error("signing for %s failed: %s", m->verdict.domain->name,
			  err.data);
		(void) snprintf(m->verdict.reason, sizeof(m->verdict.reason),
			   "cannot sign for %s now", m->verdict.domain->name);
		ret = refuse(ctx, c, m->snap->policy->actions.sign_error);
	}
	for (i = 0; i < n; i++)
		buf_free(&values[i]);
	buf_free(&names);
	buf_free(&err);
	msg_reset(c);
	return (ret);
}

/* cb_abort - the message ended early; the connection goes on */

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		msg_reset(c);
	return (SMFIS_CONTINUE);
}

/* cb_close - the connection ended; it may never have started */

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return (SMFIS_CONTINUE);
	msg_reset(c);
	free(c->client_name);
	free(c->daemon_name);
	free(c->helo_subject);
	free(c->helo_issuer);
	free(c);
	(void) smfi_setpriv(ctx, NULL);
	return (SMFIS_CONTINUE);
}

struct smfiDesc milter_desc = {
	"signet",			/* filter name */
	SMFI_VERSION,			/* version code */
	SMFIF_ADDHDRS,			/* flags */
	cb_connect,			/* connection info filter */
	cb_helo,			/* SMTP HELO command filter */
	cb_envfrom,			/* envelope sender filter */
	cb_envrcpt,			/* envelope recipient filter */
	cb_header,			/* header filter */
	cb_eoh,				/* end of header */
	cb_body,			/* body block filter */
	cb_eom,				/* end of message */
	cb_abort,			/* message aborted */
	cb_close,			/* connection cleanup */
	NULL,				/* unknown SMTP commands */
	NULL,				/* DATA command */
	cb_negotiate			/* negotiation at connection start */
};
