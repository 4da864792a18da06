/*++
/* NAME
/*	engine_proto 3
/* SUMMARY
/*	the milter protocol of one MTA connection, without I/O
/* SYNOPSIS
/*	#include "engine_proto.h"
/*
/*	void	eng_ctx_init(struct eng_ctx *ctx,
/*			const struct eng_callbacks *cb, const char *peer);
/*	int	eng_ctx_input(struct eng_ctx *ctx, char *data, size_t len);
/*	int	eng_ctx_resume(struct eng_ctx *ctx, int rc);
/*	size_t	eng_ctx_rest(struct eng_ctx *ctx, char **at);
/*	int	eng_ctx_filled(struct eng_ctx *ctx, size_t len);
/*	int	eng_ctx_busy(const struct eng_ctx *ctx);
/*	void	eng_ctx_done(struct eng_ctx *ctx);
/*
/*	const char *eng_getsymval(struct eng_ctx *ctx, const char *name);
/*	void	eng_setpriv(struct eng_ctx *ctx, void *priv);
/*	void	*eng_getpriv(struct eng_ctx *ctx);
/*	int	eng_setsymlist(struct eng_ctx *ctx, int stage,
/*			const char *macros);
/*	int	eng_insheader(struct eng_ctx *ctx, int index,
/*			const char *name, const char *value);
/*	int	eng_setreply(struct eng_ctx *ctx, const char *rcode,
/*			const char *xcode, const char *text);
/*	int	eng_can_suspend(struct eng_ctx *ctx);
/* DESCRIPTION
/*	The milter protocol, version 6, as Postfix and Sendmail speak it:
/*	packets of a 4-byte length in network order, a command byte and
/*	its data. eng_ctx_input() takes the bytes read from the MTA in
/*	any cut, keeps an incomplete packet for the next call, runs the
/*	callback of every complete packet, and appends the replies to
/*	ctx->out for the caller to send in one write. data[len] must be
/*	writable: each packet is handed to the callbacks in place, its
/*	strings terminated there for the time of the call.
/*
/*	Negotiation (SMFIC_OPTNEG) asks the negotiate callback which
/*	actions and protocol steps to take of those the MTA offers; steps
/*	whose callback is NULL are skipped when the MTA allows it. The
/*	agreed NR_* steps get no reply. Macros (SMFIC_MACRO) are kept per
/*	stage; a stage's packet replaces that stage's macros and clears
/*	those of every later stage, so that a message never sees the macros
/*	of the one before. eng_getsymval() looks from the latest stage back,
/*	with or without the braces of a long name.
/*
/*	The order of commands is checked: negotiation first, then the
/*	connection, then per message MAIL, RCPT, DATA, header fields, end of
/*	headers, body, end of body; the steps agreed away (SMFIP_NO*) are
/*	skipped, and without MAIL a message starts at its first command. A
/*	message answered for good (accept, reject, tempfail, discard) takes
/*	no more of its commands. A new
/*	MAIL or HELO in a message aborts it, as ABORT does; any other
/*	command out of order, an unknown command, a malformed packet or
/*	one longer than ENG_PACKET_MAX is a protocol error: logged, and the
/*	caller closes the connection, so that no message is answered that
/*	the callbacks have not seen whole.
/*
/*	SMFIC_QUIT_NC ends the connection's session and starts another on
/*	the same socket: the close callback runs, and the negotiate
/*	callback again with the first offer, so that the callbacks' state
/*	is that of a new connection.
/*
/*	eng_insheader() works in the end-of-message callback only.
/*	eng_setreply() sets the SMTP reply of the next reject or tempfail.
/*
/*	The end-of-message callback may return ENG_SUSPEND when
/*	eng_can_suspend() says so (there is a resume callback): its
/*	answer then waits, and what the MTA sends meanwhile is held, not
/*	run. eng_ctx_resume() gives the resume callback its rc, sends the
/*	answer it returns (after the header fields inserted before), and
/*	runs what was held; it returns as eng_ctx_input() does. The I/O
/*	side (engine(3)) calls it on the connection's own thread.
/*
/*	eng_ctx_rest() tells where the rest of an incomplete packet goes
/*	and how long it is, so that the caller can read a large one into
/*	place rather than have eng_ctx_input() copy it there; after
/*	putting at most that many bytes there, the caller calls
/*	eng_ctx_filled(), which runs the packet when it is whole and
/*	returns as eng_ctx_input() does. It says none while suspended.
/*
/*	eng_ctx_busy() says whether a message or a packet is in progress
/*	(a suspended message is).
/*	eng_ctx_done() runs the close callback and frees the context's
/*	memory (not ctx itself).
/* DIAGNOSTICS
/*	eng_ctx_input() returns ENG_IN_MORE, ENG_IN_QUIT when the MTA said
/*	goodbye, or ENG_IN_ERROR after logging a protocol error with the
/*	peer's name. The others return -1 when called out of place or with
/*	bad arguments.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_proto.h"
#include "log.h"
#include "xalloc.h"

#define ENG_ARGV_MAX	64		/* MAIL and RCPT arguments */

/* Commands (MTA to milter). */
#define CMD_ABORT	'A'
#define CMD_BODY	'B'
#define CMD_CONNECT	'C'
#define CMD_MACRO	'D'
#define CMD_BODYEOB	'E'
#define CMD_HELO	'H'
#define CMD_QUIT_NC	'K'
#define CMD_HEADER	'L'
#define CMD_MAIL	'M'
#define CMD_EOH		'N'
#define CMD_OPTNEG	'O'
#define CMD_QUIT	'Q'
#define CMD_RCPT	'R'
#define CMD_DATA	'T'
#define CMD_UNKNOWN	'U'

/* Replies (milter to MTA). */
#define REP_ACCEPT	'a'
#define REP_CONTINUE	'c'
#define REP_DISCARD	'd'
#define REP_INSHEADER	'i'
#define REP_REJECT	'r'
#define REP_SKIP	's'
#define REP_TEMPFAIL	't'
#define REP_REPLYCODE	'y'

#define OTHER_STAGE	MILTER_STAGES	/* macros of other commands */

/* get32 - a 32-bit word in network order */

static unsigned long
get32(const char *p)
{
	const unsigned char *u = (const unsigned char *) p;

	return ((unsigned long) u[0] << 24 | (unsigned long) u[1] << 16
		| (unsigned long) u[2] << 8 | u[3]);
}

/* put32 - append a 32-bit word in network order */

static void
put32(struct buf *b, unsigned long v)
{
	char    w[4];

	w[0] = (char) (v >> 24);
	w[1] = (char) (v >> 16);
	w[2] = (char) (v >> 8);
	w[3] = (char) v;
	buf_append(b, w, 4);
}

/* put_packet - append one reply packet */

static void
put_packet(struct eng_ctx *ctx, int cmd, const char *data, size_t len)
{
	put32(&ctx->out, (unsigned long) len + 1);
	buf_putc(&ctx->out, cmd);
	if (len > 0)
		buf_append(&ctx->out, data, len);
}

/* proto_error - log a protocol error; the connection is to be closed */

static int
proto_error(struct eng_ctx *ctx, const char *what, int cmd)
{
	if (cmd >= 32 && cmd < 127)
		log_warn("milter connection from %s: %s (command '%c'); closing "
			 "the connection: check the MTA's milter settings",
			 ctx->peer, what, cmd);
	else
		log_warn("milter connection from %s: %s (command 0x%02x); closing "
			 "the connection: check the MTA's milter settings",
			 ctx->peer, what, cmd & 0xff);
	return (ENG_IN_ERROR);
}

/* eng_ctx_init - a new connection */

void
eng_ctx_init(struct eng_ctx *ctx, const struct eng_callbacks *cb,
	     const char *peer)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cb = cb;
	ctx->peer = peer;
	ctx->state = ENG_ST_OPTNEG;
}

/* macros_clear - forget the macros of a stage and of all after it */

static void
macros_clear(struct eng_ctx *ctx, int from)
{
	static const int order[] = {MILTER_STAGE_CONNECT, MILTER_STAGE_HELO,
		MILTER_STAGE_MAIL, MILTER_STAGE_RCPT, MILTER_STAGE_DATA,
	MILTER_STAGE_EOH, MILTER_STAGE_EOM, OTHER_STAGE};
	size_t  i;
	int     on = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] == from)
			on = 1;
		if (on) {
			ctx->mac_bytes -= ctx->mac[order[i]].len;
			buf_free(&ctx->mac[order[i]]);
		}
	}
}

/* macro_stage - the stage of the command a macro packet is for */

static int
macro_stage(int cmd)
{
	switch (cmd) {
	case CMD_CONNECT: return (MILTER_STAGE_CONNECT);
	case CMD_HELO: return (MILTER_STAGE_HELO);
	case CMD_MAIL: return (MILTER_STAGE_MAIL);
	case CMD_RCPT: return (MILTER_STAGE_RCPT);
	case CMD_DATA: return (MILTER_STAGE_DATA);
	case CMD_EOH: return (MILTER_STAGE_EOH);
	case CMD_BODYEOB: return (MILTER_STAGE_EOM);
	default: return (OTHER_STAGE);
	}
}

/* do_macro - keep the macros sent for a stage */

static int
do_macro(struct eng_ctx *ctx, const char *data, size_t len)
{
	int     stage;

	if (len < 1)
		return (proto_error(ctx, "empty macro packet", CMD_MACRO));
	stage = macro_stage(data[0]);
	macros_clear(ctx, stage);
	if (ctx->mac_bytes + len > ENG_MACRO_MAX)
		return (proto_error(ctx, "more macro data than signet keeps",
				    CMD_MACRO));
	buf_append(&ctx->mac[stage], data + 1, len - 1);
	ctx->mac_bytes += len - 1;
	return (ENG_IN_MORE);
}

/* macro_find - a macro's value in one stage's packet, or NULL */

static const char *
macro_find(const struct buf *b, const char *name, size_t nlen)
{
	const char *p = b->data, *end = b->data + b->len, *val;

	while (p != NULL && p < end) {
		val = memchr(p, 0, end - p);
		if (val == NULL)
			return (NULL);
		val++;
		if ((size_t) (val - p - 1) == nlen && memcmp(p, name, nlen) == 0)
			return (val < end ? val : "");
		if (val >= end || (p = memchr(val, 0, end - val)) == NULL)
			return (NULL);
		p++;
	}
	return (NULL);
}

/* eng_getsymval - a macro, from the latest stage back; NULL if not sent */

const char *
eng_getsymval(struct eng_ctx *ctx, const char *name)
{
	static const int order[] = {OTHER_STAGE, MILTER_STAGE_EOM,
		MILTER_STAGE_EOH, MILTER_STAGE_DATA, MILTER_STAGE_RCPT,
	MILTER_STAGE_MAIL, MILTER_STAGE_HELO, MILTER_STAGE_CONNECT};
	const char *alt = name, *v;
	size_t  i, len = strlen(name), alen = len;
	char    braced[128];

	if (len > 2 && name[0] == '{' && name[len - 1] == '}') {
		alt = name + 1;			/* {x} may come as x */
		alen = len - 2;
	} else if (len + 3 <= sizeof(braced)) {
		braced[0] = '{';		/* and x as {x} */
		memcpy(braced + 1, name, len);
		braced[len + 1] = '}';
		braced[len + 2] = 0;
		alt = braced;
		alen = len + 2;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (ctx->mac[order[i]].len == 0)
			continue;
		if ((v = macro_find(&ctx->mac[order[i]], name, len)) != NULL
		    || (v = macro_find(&ctx->mac[order[i]], alt, alen)) != NULL)
			return (v);
	}
	return (NULL);
}

/* eng_setpriv, eng_getpriv - the callbacks' data of a connection */

void
eng_setpriv(struct eng_ctx *ctx, void *priv)
{
	ctx->priv = priv;
}

void   *
eng_getpriv(struct eng_ctx *ctx)
{
	return (ctx->priv);
}

/* eng_setsymlist - ask for macros at a stage (during negotiation) */

int
eng_setsymlist(struct eng_ctx *ctx, int stage, const char *macros)
{
	if (stage < 0 || stage >= MILTER_STAGES || macros == NULL
	    || ctx->state != ENG_ST_OPTNEG)
		return (-1);
	free(ctx->symlist[stage]);
	ctx->symlist[stage] = xstrdup(macros);
	return (0);
}

/* eng_insheader - insert a header field (end of message only) */

int
eng_insheader(struct eng_ctx *ctx, int index, const char *name,
	      const char *value)
{
	struct buf b = BUF_INIT;

	if (!ctx->in_eom || (ctx->act & MILTER_ACT_ADDHDRS) == 0
	    || name == NULL || *name == 0 || value == NULL || index < 0)
		return (-1);
	put32(&b, (unsigned long) index);
	buf_append(&b, name, strlen(name) + 1);
	buf_append(&b, value, strlen(value) + 1);
	put_packet(ctx, REP_INSHEADER, b.data, b.len);
	buf_free(&b);
	return (0);
}

/* eng_setreply - the SMTP reply of the next reject or tempfail */

int
eng_setreply(struct eng_ctx *ctx, const char *rcode, const char *xcode,
	     const char *text)
{
	if (rcode == NULL || strlen(rcode) != 3 || (rcode[0] != '4'
						   && rcode[0] != '5')
	    || rcode[1] < '0' || rcode[1] > '9' || rcode[2] < '0' || rcode[2] > '9')
		return (-1);
	if ((xcode != NULL && strpbrk(xcode, "\r\n") != NULL)
	    || (text != NULL && strpbrk(text, "\r\n") != NULL))
		return (-1);
	buf_reset(&ctx->reply);
	buf_printf(&ctx->reply, "%s %s%s%s", rcode,
		   xcode ? xcode : rcode[0] == '4' ? "4.0.0" : "5.0.0",
		   text ? " " : "", text ? text : "");
	return (0);
}

/* eng_can_suspend - may the end-of-message callback answer later */

int
eng_can_suspend(struct eng_ctx *ctx)
{
	return (ctx->in_eom && ctx->cb->resume != NULL);
}

/* final - does this answer end the message */

static int
final(eng_stat st)
{
	return (st == ENG_ACCEPT || st == ENG_REJECT || st == ENG_TEMPFAIL
		|| st == ENG_DISCARD);
}

/* answer - the reply to a command; none for a step agreed NR_* */

static void
answer(struct eng_ctx *ctx, eng_stat st, unsigned long nr)
{
	int     cmd;

	if (nr != 0 && (ctx->proto & nr) != 0) {
		if (st != ENG_NOREPLY && st != ENG_CONTINUE)
			log_warn("milter connection from %s: an answer (%d) to a "
				 "step that takes none is dropped", ctx->peer, st);
		buf_reset(&ctx->reply);
		return;
	}
	switch (st) {
	case ENG_ACCEPT:
		cmd = REP_ACCEPT;
		break;
	case ENG_DISCARD:
		cmd = REP_DISCARD;
		break;
	case ENG_REJECT:
	case ENG_TEMPFAIL:
		cmd = st == ENG_REJECT ? REP_REJECT : REP_TEMPFAIL;
		if (ctx->reply.len > 0
		    && ctx->reply.data[0] == (st == ENG_REJECT ? '5' : '4')) {
			put_packet(ctx, REP_REPLYCODE, ctx->reply.data,
				   ctx->reply.len + 1);
			buf_reset(&ctx->reply);
			return;
		}
		break;
	case ENG_SKIP:
		cmd = (ctx->proto & MILTER_P_SKIP) != 0 ? REP_SKIP : REP_CONTINUE;
		break;
	default:
		cmd = REP_CONTINUE;
		break;
	}
	buf_reset(&ctx->reply);
	put_packet(ctx, cmd, NULL, 0);
}

/* do_optneg - agree on actions, steps and macros */

static int
do_optneg(struct eng_ctx *ctx, const char *data, size_t len)
{
	static const struct {
		size_t  off;
		unsigned long flag;
	}       skip[] = {
		{offsetof(struct eng_callbacks, connect), MILTER_P_NOCONNECT},
		{offsetof(struct eng_callbacks, helo), MILTER_P_NOHELO},
		{offsetof(struct eng_callbacks, envfrom), MILTER_P_NOMAIL},
		{offsetof(struct eng_callbacks, envrcpt), MILTER_P_NORCPT},
		{offsetof(struct eng_callbacks, header), MILTER_P_NOHDRS},
		{offsetof(struct eng_callbacks, eoh), MILTER_P_NOEOH},
		{offsetof(struct eng_callbacks, body), MILTER_P_NOBODY},
	};
	unsigned long act, proto;
	struct buf b = BUF_INIT;
	size_t  i;
	int     s;

	if (ctx->state != ENG_ST_OPTNEG)
		return (proto_error(ctx, "negotiation again", CMD_OPTNEG));
	if (len < 12)
		return (proto_error(ctx, "short negotiation packet", CMD_OPTNEG));
	ctx->version = get32(data);
	ctx->mta_act = get32(data + 4);
	ctx->mta_proto = get32(data + 8);
	if (ctx->version < 2)
		return (proto_error(ctx, "milter protocol version older than 2",
				    CMD_OPTNEG));
	if (ctx->version > ENG_VERSION)
		ctx->version = ENG_VERSION;
	act = ctx->mta_act & MILTER_ACT_ADDHDRS;
	proto = 0;
	if (ctx->cb->negotiate != NULL
	    && ctx->cb->negotiate(ctx, ctx->mta_act, ctx->mta_proto,
				  &act, &proto) != ENG_CONTINUE)
		return (ENG_IN_ERROR);		/* the callback said why */
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (*(void **) ((char *) ctx->cb + skip[i].off) == NULL)
			proto |= ctx->mta_proto & skip[i].flag;
	ctx->act = act & ctx->mta_act;
	ctx->proto = proto & ctx->mta_proto;
	put32(&b, ctx->version);
	put32(&b, ctx->act);
	put32(&b, ctx->proto);
	for (s = 0; (ctx->act & MILTER_ACT_SETSYMLIST) && s < MILTER_STAGES; s++) {
		if (ctx->symlist[s] != NULL) {
			put32(&b, (unsigned long) s);
			buf_append(&b, ctx->symlist[s], strlen(ctx->symlist[s]) + 1);
		}
	}
	put_packet(ctx, CMD_OPTNEG, b.data, b.len);
	buf_free(&b);
	ctx->state = (ctx->proto & MILTER_P_NOCONNECT) ? ENG_ST_OPEN : ENG_ST_CONNECT;
	return (ENG_IN_MORE);
}

/* do_connect - who the SMTP client is */

static int
do_connect(struct eng_ctx *ctx, char *data, size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr *sa = NULL;
	char   *host = data, *p, *addr;
	size_t  hlen = strlen(host);
	unsigned port;
	eng_stat st = ENG_CONTINUE;

	if (ctx->state != ENG_ST_CONNECT)
		return (proto_error(ctx, "connection information out of order",
				    CMD_CONNECT));
	if (hlen + 1 >= len + 1)
		return (proto_error(ctx, "connection packet without address family",
				    CMD_CONNECT));
	p = data + hlen + 1;
	memset(&ss, 0, sizeof(ss));
	if (*p == '4' || *p == '6') {
		if ((size_t) (p + 3 - data) > len)
			return (proto_error(ctx, "connection packet without port",
					    CMD_CONNECT));
		port = (unsigned char) p[1] << 8 | (unsigned char) p[2];
		addr = p + 3;
		if (*p == '4') {
			struct sockaddr_in *in = (struct sockaddr_in *) &ss;

			in->sin_family = AF_INET;
			in->sin_port = htons(port);
			if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
				return (proto_error(ctx, "bad IPv4 address in the "
						    "connection packet", CMD_CONNECT));
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons(port);
			if (strncmp(addr, "IPv6:", 5) == 0)
				addr += 5;
			if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
				return (proto_error(ctx, "bad IPv6 address in the "
						    "connection packet", CMD_CONNECT));
		}
		sa = (struct sockaddr *) &ss;
	}
	ctx->state = ENG_ST_OPEN;
	if (ctx->cb->connect != NULL)
		st = ctx->cb->connect(ctx, host, sa);
	answer(ctx, st, MILTER_P_NR_CONN);
	return (ENG_IN_MORE);
}

/* split_args - the NUL-separated strings of a packet, NULL-terminated */

static int
split_args(char *data, size_t len, char **argv)
{
	size_t  n = 0;
	char   *p = data, *end = data + len;

	while (p < end && n < ENG_ARGV_MAX) {
		argv[n++] = p;
		p += strlen(p) + 1;
	}
	argv[n] = NULL;
	return (n > 0 && p >= end ? 0 : -1);
}

/* msg_abort - end a message the MTA gave up on */

static void
msg_abort(struct eng_ctx *ctx)
{
	if (ctx->phase != ENG_PH_NONE && ctx->cb->abort != NULL)
		(void) ctx->cb->abort(ctx);
	ctx->phase = ENG_PH_NONE;
	macros_clear(ctx, MILTER_STAGE_MAIL);
	buf_reset(&ctx->reply);
}

/* step_ok - may a message command come now */

static int
step_ok(const struct eng_ctx *ctx, int phase, int repeats)
{
	if (ctx->state != ENG_ST_OPEN || ctx->phase == ENG_PH_NONE
	    || ctx->phase == ENG_PH_DONE)
		return (0);
	if (ctx->phase > phase || (ctx->phase == phase && !repeats))
		return (0);
	if (phase >= ENG_PH_BODY && ctx->phase < ENG_PH_EOH
	    && (ctx->proto & MILTER_P_NOEOH) == 0)
		return (0);			/* the body after end of headers */
	return (1);
}

/* after - the phase after a message command and its answer */

static void
after(struct eng_ctx *ctx, int phase, eng_stat st, unsigned long nr)
{
	ctx->phase = phase;
	if (final(st) && (nr == 0 || (ctx->proto & nr) == 0))
		ctx->phase = ENG_PH_DONE;
}

/* eob_answer - the answer to the end of a message; the next may start */

static void
eob_answer(struct eng_ctx *ctx, eng_stat st)
{
	answer(ctx, st == ENG_NOREPLY || st == ENG_SKIP || st == ENG_SUSPEND ?
	       ENG_CONTINUE : st, 0);
	ctx->phase = ENG_PH_NONE;
	macros_clear(ctx, MILTER_STAGE_MAIL);
}

/* do_eob - the end of the message: its last body bytes, then the answer */

static int
do_eob(struct eng_ctx *ctx, char *data, size_t len)
{
	eng_stat st = ENG_CONTINUE;

	if (!step_ok(ctx, ENG_PH_BODY, 1))
		return (proto_error(ctx, "end of message out of order",
				    CMD_BODYEOB));
	if (len > 0 && ctx->cb->body != NULL)
		(void) ctx->cb->body(ctx, (unsigned char *) data, len);
	ctx->in_eom = 1;
	if (ctx->cb->eom != NULL)
		st = ctx->cb->eom(ctx);
	ctx->in_eom = 0;
	if (st == ENG_SUSPEND && ctx->cb->resume != NULL) {
		ctx->suspended = 1;
		return (ENG_IN_MORE);
	}
	eob_answer(ctx, st);
	return (ENG_IN_MORE);
}

/* eng_ctx_resume - the suspended end of message: its answer, then on */

int
eng_ctx_resume(struct eng_ctx *ctx, int rc)
{
	struct buf held;
	int     ret = ENG_IN_MORE;

	if (!ctx->suspended)
		return (ENG_IN_MORE);
	ctx->suspended = 0;
	eob_answer(ctx, ctx->cb->resume(ctx, rc));
	if (ctx->held.len > 0) {
		held = ctx->held;		/* input may hold again */
		buf_init(&ctx->held);
		ret = eng_ctx_input(ctx, held.data, held.len);
		buf_free(&held);
	}
	return (ret);
}

/* nomail_start - with no MAIL event agreed, a message starts at its first */

static void
nomail_start(struct eng_ctx *ctx, int cmd)
{
	if (cmd != CMD_MAIL && (ctx->proto & MILTER_P_NOMAIL) != 0
	    && ctx->state == ENG_ST_OPEN
	    && (ctx->phase == ENG_PH_NONE || ctx->phase == ENG_PH_DONE)) {
		buf_reset(&ctx->reply);
		ctx->phase = ENG_PH_MAIL;
	}
}

/* do_message - MAIL, RCPT, DATA, header fields, end of headers, body */

static int
do_message(struct eng_ctx *ctx, int cmd, char *data, size_t len)
{
	char   *argv[ENG_ARGV_MAX + 1], *value;
	eng_stat st = ENG_CONTINUE;
	const struct eng_callbacks *cb = ctx->cb;

	nomail_start(ctx, cmd);
	switch (cmd) {
	case CMD_MAIL:
		if (ctx->state != ENG_ST_OPEN)
			return (proto_error(ctx, "sender before connection", cmd));
		if (split_args(data, len, argv) < 0)
			return (proto_error(ctx, "malformed sender packet", cmd));
		if (ctx->phase != ENG_PH_NONE && ctx->phase != ENG_PH_DONE
		    && cb->abort != NULL)
			(void) cb->abort(ctx);	/* a new message aborts the last */
		buf_reset(&ctx->reply);
		if (cb->envfrom != NULL)
			st = cb->envfrom(ctx, argv);
		answer(ctx, st, MILTER_P_NR_MAIL);
		after(ctx, ENG_PH_MAIL, st, MILTER_P_NR_MAIL);
		return (ENG_IN_MORE);
	case CMD_RCPT:
		if (!step_ok(ctx, ENG_PH_RCPT, 1))
			return (proto_error(ctx, "recipient out of order", cmd));
		if (split_args(data, len, argv) < 0)
			return (proto_error(ctx, "malformed recipient packet", cmd));
		if (cb->envrcpt != NULL)
			st = cb->envrcpt(ctx, argv);
		answer(ctx, st, MILTER_P_NR_RCPT);
		ctx->phase = ENG_PH_RCPT;	/* a recipient refused, not the mail */
		return (ENG_IN_MORE);
	case CMD_DATA:
		if (!step_ok(ctx, ENG_PH_DATA, 0))
			return (proto_error(ctx, "DATA out of order", cmd));
		answer(ctx, st, MILTER_P_NR_DATA);
		ctx->phase = ENG_PH_DATA;
		return (ENG_IN_MORE);
	case CMD_HEADER:
		if (!step_ok(ctx, ENG_PH_HEADER, 1))
			return (proto_error(ctx, "header field out of order", cmd));
		if ((value = memchr(data, 0, len)) == NULL || value == data)
			return (proto_error(ctx, "malformed header packet", cmd));
		if (cb->header != NULL)
			st = cb->header(ctx, data, value + 1);
		answer(ctx, st, MILTER_P_NR_HDR);
		after(ctx, ENG_PH_HEADER, st, MILTER_P_NR_HDR);
		return (ENG_IN_MORE);
	case CMD_EOH:
		if (!step_ok(ctx, ENG_PH_EOH, 0))
			return (proto_error(ctx, "end of headers out of order", cmd));
		if (cb->eoh != NULL)
			st = cb->eoh(ctx);
		answer(ctx, st, MILTER_P_NR_EOH);
		after(ctx, ENG_PH_EOH, st, MILTER_P_NR_EOH);
		return (ENG_IN_MORE);
	case CMD_BODY:
		if (!step_ok(ctx, ENG_PH_BODY, 1))
			return (proto_error(ctx, "body out of order", cmd));
		if (cb->body != NULL)
			st = cb->body(ctx, (unsigned char *) data, len);
		answer(ctx, st, MILTER_P_NR_BODY);
		after(ctx, ENG_PH_BODY, st, MILTER_P_NR_BODY);
		return (ENG_IN_MORE);
	default:
		return (do_eob(ctx, data, len));
	}
}

/* quit_nc - a new session on the same socket */

static void
quit_nc(struct eng_ctx *ctx)
{
	unsigned long act = 0, proto = 0;
	int     s;

	msg_abort(ctx);
	if (ctx->cb->close != NULL)
		(void) ctx->cb->close(ctx);
	macros_clear(ctx, MILTER_STAGE_CONNECT);
	ctx->state = ENG_ST_OPTNEG;		/* symbol lists may be set again */
	if (ctx->cb->negotiate != NULL)
		(void) ctx->cb->negotiate(ctx, ctx->mta_act, ctx->mta_proto,
					  &act, &proto);
	for (s = 0; s < MILTER_STAGES; s++) {	/* already agreed */
		free(ctx->symlist[s]);
		ctx->symlist[s] = NULL;
	}
	ctx->state = (ctx->proto & MILTER_P_NOCONNECT) ? ENG_ST_OPEN : ENG_ST_CONNECT;
}

/* dispatch - one complete packet; data[len] is a NUL */

static int
dispatch(struct eng_ctx *ctx, int cmd, char *data, size_t len)
{
	eng_stat st = ENG_CONTINUE;

	if (ctx->state == ENG_ST_OPTNEG && cmd != CMD_OPTNEG)
		return (proto_error(ctx, "command before negotiation", cmd));
	switch (cmd) {
	case CMD_OPTNEG:
		return (do_optneg(ctx, data, len));
	case CMD_MACRO:
		return (do_macro(ctx, data, len));
	case CMD_CONNECT:
		return (do_connect(ctx, data, len));
	case CMD_HELO:
		if (ctx->state != ENG_ST_OPEN)
			return (proto_error(ctx, "HELO before connection", cmd));
		if (ctx->phase != ENG_PH_NONE)
			msg_abort(ctx);
		if (ctx->cb->helo != NULL)
			st = ctx->cb->helo(ctx, data);
		answer(ctx, st, MILTER_P_NR_HELO);
		return (ENG_IN_MORE);
	case CMD_MAIL:
	case CMD_RCPT:
	case CMD_DATA:
	case CMD_HEADER:
	case CMD_EOH:
	case CMD_BODY:
	case CMD_BODYEOB:
		return (do_message(ctx, cmd, data, len));
	case CMD_ABORT:
		msg_abort(ctx);
		return (ENG_IN_MORE);
	case CMD_UNKNOWN:
		if (ctx->state != ENG_ST_OPEN)
			return (proto_error(ctx, "unknown SMTP command before "
					    "connection", cmd));
		answer(ctx, ENG_CONTINUE, MILTER_P_NR_UNKN);
		return (ENG_IN_MORE);
	case CMD_QUIT:
		return (ENG_IN_QUIT);
	case CMD_QUIT_NC:
		quit_nc(ctx);
		return (ENG_IN_MORE);
	default:
		return (proto_error(ctx, "unknown command", cmd));
	}
}

/* packet_len - the length word of a packet; 0 if it is not acceptable */

static unsigned long
packet_len(struct eng_ctx *ctx, const char *p)
{
	unsigned long len = get32(p);

	if (len == 0)
		log_warn("milter connection from %s: packet of length 0; closing "
			 "the connection", ctx->peer);
	else if (len > ENG_PACKET_MAX + 1)
		log_warn("milter connection from %s: packet of %lu bytes, more "
			 "than the %d signet takes; closing the connection",
			 ctx->peer, len, ENG_PACKET_MAX);
	else
		return (len);
	return (0);
}

/* from_partial - add to the incomplete packet; dispatch it when whole */

static int
from_partial(struct eng_ctx *ctx, char **data, size_t *len)
{
	unsigned long plen;
	size_t  take;
	int     ret;

	if (ctx->in.len < 4) {
		take = 4 - ctx->in.len < *len ? 4 - ctx->in.len : *len;
		buf_append(&ctx->in, *data, take);
		*data += take;
		*len -= take;
		if (ctx->in.len < 4)
			return (ENG_IN_MORE);
	}
	if ((plen = packet_len(ctx, ctx->in.data)) == 0)
		return (ENG_IN_ERROR);
	buf_reserve(&ctx->in, plen + 4 - ctx->in.len);
	take = plen + 4 - ctx->in.len < *len ? plen + 4 - ctx->in.len : *len;
	buf_append(&ctx->in, *data, take);
	*data += take;
	*len -= take;
	if (ctx->in.len < plen + 4)
		return (ENG_IN_MORE);
	ret = dispatch(ctx, ctx->in.data[4], ctx->in.data + 5, plen - 1);
	if (ctx->in.cap > 65536)
		buf_free(&ctx->in);		/* keep idle connections small */
	else
		buf_reset(&ctx->in);
	return (ret);
}

/* eng_ctx_input - bytes from the MTA: run every complete packet */

int
eng_ctx_input(struct eng_ctx *ctx, char *data, size_t len)
{
	unsigned long plen;
	char    save;
	int     ret = ENG_IN_MORE;

	while (len > 0 && ret == ENG_IN_MORE) {
		if (ctx->suspended) {		/* keep it for eng_ctx_resume() */
			if (ctx->held.len + len > ENG_PACKET_MAX + 5) {
				log_warn("milter connection from %s: more than %d "
					 "bytes sent before the answer to end of "
					 "message; closing the connection",
					 ctx->peer, ENG_PACKET_MAX);
				return (ENG_IN_ERROR);
			}
			buf_append(&ctx->held, data, len);
			return (ENG_IN_MORE);
		}
		if (ctx->in.len > 0 || len < 4) {
			ret = from_partial(ctx, &data, &len);
			continue;
		}
		if ((plen = packet_len(ctx, data)) == 0)
			return (ENG_IN_ERROR);
		if (len < plen + 4) {		/* keep it for the next read */
			buf_reserve(&ctx->in, plen + 4);
			buf_append(&ctx->in, data, len);
			return (ENG_IN_MORE);
		}
		save = data[plen + 4];
		data[plen + 4] = 0;
		ret = dispatch(ctx, data[4], data + 5, plen - 1);
		data[plen + 4] = save;
		data += plen + 4;
		len -= plen + 4;
	}
	return (ret);
}

/* eng_ctx_rest - where the rest of a packet begun in ctx->in goes, so
   that the caller can read it there instead of copying it there; 0
   when no packet is begun or its length is not known yet */

size_t
eng_ctx_rest(struct eng_ctx *ctx, char **at)
{
	unsigned long plen;

	if (ctx->suspended || ctx->in.len < 4 || (plen = get32(ctx->in.data)) == 0
	    || plen > ENG_PACKET_MAX + 1)
		return (0);			/* from_partial() logs it */
	buf_reserve(&ctx->in, plen + 4 - ctx->in.len);
	*at = ctx->in.data + ctx->in.len;
	return (plen + 4 - ctx->in.len);
}

/* eng_ctx_filled - len bytes were put where eng_ctx_rest() said: run
   the packet when it is whole */

int
eng_ctx_filled(struct eng_ctx *ctx, size_t len)
{
	char    nothing[1], *none = nothing;	/* no bytes beyond */
	size_t  zero = 0;

	ctx->in.len += len;
	ctx->in.data[ctx->in.len] = 0;
	return (from_partial(ctx, &none, &zero));
}

/* eng_ctx_busy - a message or a packet in progress */

int
eng_ctx_busy(const struct eng_ctx *ctx)
{
	return (ctx->in.len > 0 || ctx->suspended
		|| (ctx->phase != ENG_PH_NONE && ctx->phase != ENG_PH_DONE));
}

/* eng_ctx_done - the connection is closed: tell the callbacks, free */

void
eng_ctx_done(struct eng_ctx *ctx)
{
	int     s;

	if (ctx->state != ENG_ST_OPTNEG || ctx->priv != NULL) {
		if (ctx->phase != ENG_PH_NONE && ctx->cb->abort != NULL)
			(void) ctx->cb->abort(ctx);
		if (ctx->cb->close != NULL)
			(void) ctx->cb->close(ctx);
	}
	for (s = 0; s < MILTER_STAGES; s++)
		free(ctx->symlist[s]);
	for (s = 0; s <= MILTER_STAGES; s++)
		buf_free(&ctx->mac[s]);
	buf_free(&ctx->reply);
	buf_free(&ctx->in);
	buf_free(&ctx->out);
	buf_free(&ctx->held);
	memset(ctx, 0, sizeof(*ctx));
}
