/*++
/* NAME
/*	reply 3
/* SUMMARY
/*	how a message ends: its reply, its count, its log line
/* SYNOPSIS
/*	#include "session.h"
/*
/*	eng_stat reply_log(struct eng_ctx *ctx, struct conn *c, const char *verdict,
/*			const char *selectors, eng_stat reply);
/*	eng_stat reply_counted(struct eng_ctx *ctx, struct conn *c, int rc);
/*	eng_stat reply_refuse(struct eng_ctx *ctx, struct conn *c, enum action action);
/*	eng_stat reply_internal_error(struct eng_ctx *ctx, struct conn *c,
/*			const char *where);
/* DESCRIPTION
/*	reply_log() counts the message and logs its one line; it returns
/*	the reply to give, which is the counters' on_error reply instead
/*	when the count could not be committed: a count is committed
/*	before the reply it describes. The count carries what makes its
/*	key (Message-ID, envelope sender and recipients, body hash once
/*	end of message finished it; see count(3)), so that a message sent
/*	again after a lost reply is counted once.
/*
/*	At end of message, reply_log() does not wait for the store: it
/*	returns ENG_SUSPEND, and the worker goes on with other connections
/*	while the count is committed (with those of other messages, in
/*	one transaction). reply_counted() is then called with the store's
/*	rc, on the connection's thread: it gives the reply and logs the
/*	line, as reply_log() does at once elsewhere. The message's state
/*	is kept until then: the caller resets it after reply_counted(),
/*	or after reply_log() when that did not return ENG_SUSPEND.
/*
/*	reply_refuse() applies a policy action (reject 550 5.7.1, tempfail
/*	451 4.7.1, or accept unsigned) with the verdict's reason as the
/*	SMTP text, and ends the message.
/*
/*	reply_internal_error() tempfails a message whose state is not what
/*	the protocol promises: no path accepts a message unsigned by
/*	accident.
/* DIAGNOSTICS
/*	One log line per message: queue id, client, From domain, verdict,
/*	sender, selectors, milliseconds spent in signet, reason.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "count.h"
#include "log.h"
#include "session.h"
#include "xalloc.h"

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

static eng_stat
count_failed(struct eng_ctx *ctx, eng_stat reply)
{
	switch (count_on_error()) {
	case ACTION_ACCEPT:
		return (reply);
	case ACTION_REJECT:
		(void) eng_setreply(ctx, "550", "5.3.0", "signet cannot count "
				     "this message; contact the postmaster");
		return (ENG_REJECT);
	default:
		(void) eng_setreply(ctx, "451", "4.3.0", "signet cannot count "
				     "this message now; try again later");
		return (ENG_TEMPFAIL);
	}
}

/* reply_counted - the count is in, or not: log the line; the reply */

eng_stat
reply_counted(struct eng_ctx *ctx, struct conn *c, int rc)
{
	struct msg *m = &c->msg;
	const char *qid = eng_getsymval(ctx, "i");
	double  ms = m->spent.tv_sec * 1e3 + m->spent.tv_nsec / 1e6;
	eng_stat reply = m->reply;

	if (rc < 0)
		reply = count_failed(ctx, reply);
	log_info("queue_id=%s client=%s from_domain=%s verdict=%s sender=%s%s "
		 "selectors=%s ms=%.3f%s reason=\"%s\"",
		 qid && *qid ? qid : "-", c->addr_text,
		 *m->verdict.from_domain ? m->verdict.from_domain : "-",
		 m->verdict_name, *m->verdict.sender ? m->verdict.sender : "-",
		 m->verdict.monitored ? " monitored=yes" : "",
		 m->selectors ? m->selectors : "-", ms,
		 rc < 0 ? " counted=no" : "", m->verdict.reason);
	free(m->selectors);
	m->selectors = NULL;
	return (reply);
}

/* counted - the store's answer: the connection's thread takes it on */

static void
counted(void *ctx, int rc)
{
	eng_resume((struct eng_ctx *) ctx, rc);
}

/* reply_log - count the message, log its line; the reply to give */

eng_stat
reply_log(struct eng_ctx *ctx, struct conn *c, const char *verdict,
	    const char *selectors, eng_stat reply)
{
	struct msg *m = &c->msg;
	double  ms = m->spent.tv_sec * 1e3 + m->spent.tv_nsec / 1e6;
	struct count_msg cm = {&m->verdict, verdict, m->mail_from,
		m->auth_authen, c->addr_text, m->rcpt_domains,
		m->nrcpt_domains, ms, m->message_id, m->rcpts, m->nrcpts,
	m->has_bh ? m->bh : NULL};

	m->reply = reply;
	m->verdict_name = verdict;
	free(m->selectors);
	m->selectors = xstrdup(selectors ? selectors : "-");
	if (!eng_can_suspend(ctx))
		return (reply_counted(ctx, c, count_message(&cm)));
	if (count_start(&cm, counted, ctx) > 0)
		return (ENG_SUSPEND);
	return (reply_counted(ctx, c, 0));	/* nothing to commit */
}

/* reply_refuse - apply an action with its SMTP reply; the message ends */

eng_stat
reply_refuse(struct eng_ctx *ctx, struct conn *c, enum action action)
{
	char    text[512];
	eng_stat ret;

	reply_text(c->msg.verdict.reason, text, sizeof(text));
	switch (action) {
	case ACTION_REJECT:
		(void) eng_setreply(ctx, "550", "5.7.1", text);
		ret = reply_log(ctx, c, "rejected", "-", ENG_REJECT);
		break;
	case ACTION_TEMPFAIL:
		(void) eng_setreply(ctx, "451", "4.7.1", text);
		ret = reply_log(ctx, c, "tempfailed", "-", ENG_TEMPFAIL);
		break;
	case ACTION_ACCEPT:
		ret = reply_log(ctx, c, "accepted-unsigned", "-", ENG_ACCEPT);
		break;
	default:
		log_panic("refuse: action %d", (int) action);
	}
	if (ret != ENG_SUSPEND)
		msg_reset(c);
	return (ret);
}

/* reply_internal_error - a state that should not be: never pass unsigned */

eng_stat
reply_internal_error(struct eng_ctx *ctx, struct conn *c, const char *where)
{
	log_error("%s without a message in progress; tempfailing it", where);
	(void) snprintf(c->msg.verdict.reason, sizeof(c->msg.verdict.reason),
			"internal error at %s; try again later", where);
	return (reply_refuse(ctx, c, ACTION_TEMPFAIL));
}
