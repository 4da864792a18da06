/*
 * test-engine - the milter protocol of one connection (engine_proto.c):
 * negotiation, macros per stage, the order of commands, replies and
 * NR_* steps, packets cut anywhere, and hostile input.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_proto.h"
#include "test.h"

/* What the callbacks saw, as one line per event. */
static struct buf seen = BUF_INIT;
static eng_stat eoh_answer = ENG_CONTINUE;
static eng_stat mail_answer = ENG_CONTINUE;
static const char *mail_reply;
static int priv_token;

static eng_stat
t_negotiate(struct eng_ctx *ctx, unsigned long act, unsigned long proto,
	    unsigned long *pact, unsigned long *pproto)
{
	buf_printf(&seen, "negotiate %lx %lx\n", act, proto);
	*pact = MILTER_ACT_ADDHDRS | (act & MILTER_ACT_SETSYMLIST);
	*pproto = proto & (MILTER_P_NR_HDR | MILTER_P_NR_BODY | MILTER_P_NR_CONN
			   | MILTER_P_NODATA | MILTER_P_NOUNKNOWN);
	(void) eng_setsymlist(ctx, MILTER_STAGE_MAIL, "i {auth_authen}");
	eng_setpriv(ctx, &priv_token);
	return (ENG_CONTINUE);
}

static eng_stat
t_connect(struct eng_ctx *ctx, const char *host, const struct sockaddr *sa)
{
	buf_printf(&seen, "connect %s %d %s\n", host, sa ? sa->sa_family : -1,
		   eng_getsymval(ctx, "daemon_name") ? eng_getsymval(ctx, "daemon_name") : "-");
	return (ENG_NOREPLY);
}

static eng_stat
t_helo(struct eng_ctx *ctx, const char *helo)
{
	buf_printf(&seen, "helo %s\n", helo);
	return (ENG_CONTINUE);
}

static eng_stat
t_envfrom(struct eng_ctx *ctx, char **argv)
{
	const char *a = eng_getsymval(ctx, "{auth_authen}");

	buf_printf(&seen, "mail %s %s auth=%s\n", argv[0], argv[1] ? argv[1] : "-",
		   a ? a : "-");
	if (mail_reply != NULL)
		(void) eng_setreply(ctx, mail_reply, "5.7.1", "go away");
	return (mail_answer);
}

static eng_stat
t_envrcpt(struct eng_ctx *ctx, char **argv)
{
	buf_printf(&seen, "rcpt %s\n", argv[0]);
	return (ENG_CONTINUE);
}

static eng_stat
t_header(struct eng_ctx *ctx, const char *name, const char *value)
{
	buf_printf(&seen, "header %s=%s\n", name, value);
	return (ENG_NOREPLY);
}

static eng_stat
t_eoh(struct eng_ctx *ctx)
{
	const char *i = eng_getsymval(ctx, "i");

	buf_printf(&seen, "eoh i=%s\n", i ? i : "-");
	return (eoh_answer);
}

static eng_stat
t_body(struct eng_ctx *ctx, const unsigned char *data, size_t len)
{
	buf_printf(&seen, "body %zu\n", len);
	return (ENG_NOREPLY);
}

static eng_stat
t_eom(struct eng_ctx *ctx)
{
	buf_printf(&seen, "eom %d\n", eng_insheader(ctx, 0, "DKIM-Signature", "v=1"));
	return (ENG_CONTINUE);
}

static eng_stat
t_abort(struct eng_ctx *ctx)
{
	buf_puts(&seen, "abort\n");
	return (ENG_CONTINUE);
}

static eng_stat
t_close(struct eng_ctx *ctx)
{
	buf_printf(&seen, "close %d\n", eng_getpriv(ctx) == &priv_token);
	eng_setpriv(ctx, NULL);
	return (ENG_CONTINUE);
}

static const struct eng_callbacks cbs = {
	t_negotiate, t_connect, t_helo, t_envfrom, t_envrcpt, t_header,
	t_eoh, t_body, t_eom, t_abort, t_close, NULL
};

/* t_eom_later - insert the field, answer later when the engine can */

static eng_stat
t_eom_later(struct eng_ctx *ctx)
{
	buf_printf(&seen, "eom %d can=%d\n", eng_insheader(ctx, 0,
			    "DKIM-Signature", "v=1"), eng_can_suspend(ctx));
	return (ENG_SUSPEND);
}

/* t_resume - the answer: accept, or tempfail with a text when rc < 0 */

static eng_stat
t_resume(struct eng_ctx *ctx, int rc)
{
	buf_printf(&seen, "resume %d\n", rc);
	if (rc == 0)
		return (ENG_CONTINUE);
	(void) eng_setreply(ctx, "451", "4.3.0", "not counted");
	return (ENG_TEMPFAIL);
}

static const struct eng_callbacks cbs_later = {
	t_negotiate, t_connect, t_helo, t_envfrom, t_envrcpt, t_header,
	t_eoh, t_body, t_eom_later, t_abort, t_close, t_resume
};

/* Without an envfrom callback: the engine agrees to no MAIL event. */
static const struct eng_callbacks cbs_nomail = {
	t_negotiate, t_connect, t_helo, NULL, t_envrcpt, t_header,
	t_eoh, t_body, t_eom, t_abort, t_close, NULL
};

/* pkt - append one packet */

static void
pkt(struct buf *b, int cmd, const void *data, size_t len)
{
	unsigned long n = len + 1;
	char    w[5] = {(char) (n >> 24), (char) (n >> 16), (char) (n >> 8),
	(char) n, (char) cmd};

	buf_append(b, w, 5);
	buf_append(b, data, len);
}

/* optneg - the MTA's offer: Postfix's actions and steps */

static void
optneg(struct buf *b, unsigned long act, unsigned long proto)
{
	char    v[12] = {0, 0, 0, 6,
		(char) (act >> 24), (char) (act >> 16), (char) (act >> 8), (char) act,
	(char) (proto >> 24), (char) (proto >> 16), (char) (proto >> 8), (char) proto};

	pkt(b, 'O', v, 12);
}

#define S(s)	s, sizeof(s) - 1	/* with the NULs written in s */

/* What the callbacks see of session() up to its end of message. */
#define SESSION_SEEN \
	"negotiate 1ff 1fffff\n" \
	"connect client.example 2 ORIGINATING\n" \
	"helo client.example\n" \
	"mail <alice@example.com> SIZE=100 auth=alice\n" \
	"rcpt <bob@example.net>\n" \
	"header From= alice@example.com\n" \
	"header Subject= hi\n" \
	"eoh i=ABC123\n" \
	"body 7\n"

/* session - a Postfix-like session of one signed message */

static void
session(struct buf *b)
{
	optneg(b, 0x1ff, 0x1fffff);
	pkt(b, 'D', S("Cj\0mx.example\0{daemon_name}\0ORIGINATING\0"));
	pkt(b, 'C', S("client.example\0" "4\x30\x39" "192.0.2.1\0"));
	pkt(b, 'H', S("client.example\0"));
	pkt(b, 'D', S("Mi\0ABC123\0{auth_authen}\0alice\0"));
	pkt(b, 'M', S("<alice@example.com>\0SIZE=100\0"));
	pkt(b, 'R', S("<bob@example.net>\0"));
	pkt(b, 'L', S("From\0 alice@example.com\0"));
	pkt(b, 'L', S("Subject\0 hi\0"));
	pkt(b, 'D', S("Ni\0ABC123\0"));
	pkt(b, 'N', "", 0);
	pkt(b, 'B', S("hello\r\n"));
	pkt(b, 'E', "", 0);
	pkt(b, 'Q', "", 0);
}

/* feed - bytes in cuts of at most step; the replies and the last status */

static int
feed(struct buf *in, size_t step, struct buf *out)
{
	struct eng_ctx ctx;
	size_t  off, n;
	char   *copy;
	int     ret = ENG_IN_MORE;

	buf_reset(&seen);
	eng_ctx_init(&ctx, &cbs, "test");
	for (off = 0; off < in->len && ret == ENG_IN_MORE; off += n) {
		n = in->len - off < step ? in->len - off : step;
		copy = malloc(n + 1);		/* data[len] must be writable */
		memcpy(copy, in->data + off, n);
		ret = eng_ctx_input(&ctx, copy, n);
		free(copy);
	}
	buf_reset(out);
	buf_append(out, ctx.out.data ? ctx.out.data : "", ctx.out.len);
	eng_ctx_done(&ctx);
	return (ret);
}

/* feed_rest - feed(), but as the engine reads: the rest of a packet
   begun goes where eng_ctx_rest() says */

static int
feed_rest(struct buf *in, size_t step, struct buf *out)
{
	struct eng_ctx ctx;
	size_t  off, n, rest, k;
	char   *copy, *at;
	int     ret = ENG_IN_MORE;

	buf_reset(&seen);
	eng_ctx_init(&ctx, &cbs, "test");
	for (off = 0; off < in->len && ret == ENG_IN_MORE; off += n) {
		n = in->len - off < step ? in->len - off : step;
		k = 0;
		if ((rest = eng_ctx_rest(&ctx, &at)) > 0) {
			k = n < rest ? n : rest;
			memcpy(at, in->data + off, k);
			ret = eng_ctx_filled(&ctx, k);
		}
		if (ret == ENG_IN_MORE && n > k) {
			copy = malloc(n - k + 1);
			memcpy(copy, in->data + off + k, n - k);
			ret = eng_ctx_input(&ctx, copy, n - k);
			free(copy);
		}
	}
	buf_reset(out);
	buf_append(out, ctx.out.data ? ctx.out.data : "", ctx.out.len);
	eng_ctx_done(&ctx);
	return (ret);
}

/* reply_cmds - the command bytes of a reply stream, as a string */

static char *
reply_cmds(const struct buf *out)
{
	static char cmds[256];
	size_t  off = 0, n = 0, len;
	const unsigned char *p = (const unsigned char *) out->data;

	while (off + 5 <= out->len && n + 1 < sizeof(cmds)) {
		len = (size_t) p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8 | p[off + 3];
		cmds[n++] = (char) p[off + 4];
		off += 4 + len;
	}
	cmds[n] = 0;
	return (cmds);
}

static void
test_session(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	const char *want = SESSION_SEEN "eom 0\nclose 1\n";
	static int (*const feeders[]) (struct buf *, size_t, struct buf *) = {
		feed, feed_rest
	};
	size_t  step;
	int     f;

	test_begin("a whole session: callbacks, replies, NR steps");
	session(&in);
	test_assert_int(feed(&in, in.len, &out), ENG_IN_QUIT);
	test_assert_str(seen.data, want);
	/* OPTNEG, HELO, MAIL, RCPT, EOH, INSHEADER, CONTINUE at EOM */
	test_assert_str(reply_cmds(&out), "Occccic");
	/* the OPTNEG reply: version 6, ADDHDRS|SETSYMLIST, agreed steps */
	test_assert(out.len > 17 && memcmp(out.data + 5, "\0\0\0\6\0\0\1\1", 8) == 0);
	test_assert(memmem(out.data, out.len, "\0\0\0\2i {auth_authen}", 19) != NULL);
	test_assert(memmem(out.data, out.len, "DKIM-Signature\0v=1", 19) != NULL);
	test_end();

	for (f = 0; f < 2; f++) {
		test_begin(f == 0 ? "the same session in every cut gives the same "
			   "result" : "the same with the rest of each packet put "
			   "in place");
		for (step = 1; step < 40; step++) {
			struct buf out2 = BUF_INIT;

			test_assert_int(feeders[f] (&in, step, &out2), ENG_IN_QUIT);
			test_assert_str(seen.data, want);
			test_assert(out2.len == out.len
				    && memcmp(out2.data, out.data, out.len) == 0);
			buf_free(&out2);
		}
		test_end();
	}
	buf_free(&in);
	buf_free(&out);
}

static void
test_macros(void)
{
	struct eng_ctx ctx;
	struct buf in = BUF_INIT;

	test_begin("macros per stage: braces optional, later stages cleared");
	buf_reset(&seen);
	eng_ctx_init(&ctx, &cbs, "test");
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'D', S("C{daemon_name}\0X\0j\0mx\0"));
	pkt(&in, 'C', S("h\0L\0"));
	pkt(&in, 'D', S("Mi\0Q1\0"));
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'D', S("Ni\0Q1\0{x}\0y\0"));
	pkt(&in, 'N', "", 0);
	test_assert_int(eng_ctx_input(&ctx, in.data, in.len), ENG_IN_MORE);
	test_assert_str(eng_getsymval(&ctx, "{daemon_name}"), "X");
	test_assert_str(eng_getsymval(&ctx, "daemon_name"), "X");
	test_assert_str(eng_getsymval(&ctx, "{j}"), "mx");
	test_assert_str(eng_getsymval(&ctx, "x"), "y");
	test_assert_str(eng_getsymval(&ctx, "nope"), NULL);
	buf_reset(&in);
	pkt(&in, 'A', "", 0);			/* the message ends */
	test_assert_int(eng_ctx_input(&ctx, in.data, in.len), ENG_IN_MORE);
	test_assert_str(eng_getsymval(&ctx, "x"), NULL);
	test_assert_str(eng_getsymval(&ctx, "i"), NULL);
	test_assert_str(eng_getsymval(&ctx, "j"), "mx");
	eng_ctx_done(&ctx);
	buf_free(&in);
	test_end();
}

/* expect_error - a session prefix plus one packet is a protocol error */

static void
expect_error(const char *what, int connected, int cmd, const char *data,
	     size_t len)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	if (connected >= 1)
		optneg(&in, 0x1ff, 0x1fffff);
	if (connected >= 2)
		pkt(&in, 'C', S("h\0" "4\0\0" "10.0.0.1\0"));
	if (connected >= 3)
		pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, cmd, data, len);
	if (feed(&in, in.len, &out) != ENG_IN_ERROR) {
		printf("  not refused: %s\n", what);
		test_failures++;
	}
	buf_free(&in);
	buf_free(&out);
}

static void
test_order(void)
{
	test_begin("commands out of order are protocol errors");
	expect_error("MAIL before negotiation", 0, 'M', S("<a@b>\0"));
	expect_error("negotiation twice", 1, 'O', S("\0\0\0\6\0\0\0\1\0\0\0\0"));
	expect_error("MAIL before CONNECT", 1, 'M', S("<a@b>\0"));
	expect_error("CONNECT twice", 2, 'C', S("h\0L\0"));
	expect_error("header before MAIL", 2, 'L', S("From\0x\0"));
	expect_error("end of message before MAIL", 2, 'E', "", 0);
	expect_error("body before end of headers", 3, 'B', S("x"));
	expect_error("end of message before end of headers", 3, 'E', "", 0);
	expect_error("unknown command", 2, 'Z', "", 0);
	expect_error("unknown command byte", 2, 0xff, "", 0);
	test_end();

	test_begin("malformed packets are protocol errors");
	expect_error("short negotiation", 0, 'O', S("\0\0\0\6"));
	expect_error("connect without family", 1, 'C', S("host"));
	expect_error("connect without port", 1, 'C', S("h\0" "4"));
	expect_error("connect with a bad address", 1, 'C', S("h\0" "4\0\0" "999.1\0"));
	expect_error("header without value", 3, 'L', S("From"));
	expect_error("header without name", 3, 'L', S("\0x\0"));
	expect_error("empty sender", 2, 'M', "", 0);
	expect_error("empty macro packet", 2, 'D', "", 0);
	test_end();
}

static void
test_hostile_lengths(void)
{
	struct eng_ctx ctx;
	char    big[] = {0x7f, (char) 0xff, (char) 0xff, (char) 0xff, 'B'};
	char    zero[] = {0, 0, 0, 0, 'B'};
	char    limit[] = {0, 0x10, 0, 2, 'B'};	/* ENG_PACKET_MAX + 2 */
	char   *macros;
	struct buf in = BUF_INIT;
	size_t  i;

	test_begin("lengths: oversized, zero, more macros than kept");
	eng_ctx_init(&ctx, &cbs, "test");
	test_assert_int(eng_ctx_input(&ctx, big, 4), ENG_IN_ERROR);
	eng_ctx_done(&ctx);
	eng_ctx_init(&ctx, &cbs, "test");
	test_assert_int(eng_ctx_input(&ctx, zero, 4), ENG_IN_ERROR);
	eng_ctx_done(&ctx);
	eng_ctx_init(&ctx, &cbs, "test");
	test_assert_int(eng_ctx_input(&ctx, limit, 4), ENG_IN_ERROR);
	eng_ctx_done(&ctx);

	macros = malloc(ENG_MACRO_MAX);
	memset(macros, 'x', ENG_MACRO_MAX);
	macros[0] = 'C';
	eng_ctx_init(&ctx, &cbs, "test");
	optneg(&in, 0x1ff, 0);
	for (i = 0; i < 2; i++)
		pkt(&in, 'D', macros, ENG_MACRO_MAX / 2 + 1);
	test_assert_int(eng_ctx_input(&ctx, in.data, in.len), ENG_IN_MORE);
	buf_reset(&in);
	macros[0] = 'H';
	pkt(&in, 'D', macros, ENG_MACRO_MAX / 2 + 10);
	test_assert_int(eng_ctx_input(&ctx, in.data, in.len), ENG_IN_ERROR);
	eng_ctx_done(&ctx);
	free(macros);
	buf_free(&in);
	test_end();
}

static void
test_answers(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	test_begin("reject with a reply text, then a new message");
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'C', S("h\0" "6\0\x19" "IPv6:2001:db8::1\0"));
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'R', S("<c@d>\0"));		/* after a reject: out of order */
	mail_answer = ENG_REJECT;
	mail_reply = "550";
	test_assert_int(feed(&in, in.len, &out), ENG_IN_ERROR);
	test_assert_str(reply_cmds(&out), "Oy");
	test_assert(memmem(out.data, out.len, "550 5.7.1 go away\0", 18) != NULL);
	test_assert(strstr(seen.data, "connect h 10 ") != NULL);
	buf_reset(&in);
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'C', S("h\0L\0"));
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'A', "", 0);
	mail_reply = "450";			/* not for a reject: plain 'r' */
	pkt(&in, 'M', S("<a@b>\0"));
	test_assert_int(feed(&in, in.len, &out), ENG_IN_MORE);
	test_assert_str(reply_cmds(&out), "Orr");
	mail_answer = ENG_CONTINUE;
	mail_reply = NULL;
	test_end();

	test_begin("accept at end of headers ends the message");
	buf_reset(&in);
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'C', S("h\0L\0"));
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'N', "", 0);
	pkt(&in, 'A', "", 0);
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'N', "", 0);
	pkt(&in, 'B', S("x"));
	eoh_answer = ENG_ACCEPT;
	test_assert_int(feed(&in, in.len, &out), ENG_IN_ERROR);
	test_assert_str(reply_cmds(&out), "Ocaca");
	eoh_answer = ENG_CONTINUE;
	test_end();

	test_begin("QUIT_NC: close, negotiate again, a new connection");
	buf_reset(&in);
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'C', S("h\0L\0"));
	pkt(&in, 'M', S("<a@b>\0"));
	pkt(&in, 'K', "", 0);
	pkt(&in, 'C', S("h2\0L\0"));
	pkt(&in, 'E', "", 0);			/* no message: refused */
	test_assert_int(feed(&in, in.len, &out), ENG_IN_ERROR);
	test_assert_str(seen.data, "negotiate 1ff 1fffff\nconnect h -1 -\n"
			"mail <a@b> - auth=-\nabort\nclose 1\n"
			"negotiate 1ff 1fffff\nconnect h2 -1 -\nclose 1\n");
	test_assert_str(reply_cmds(&out), "Oc");
	test_end();

	test_begin("insheader outside the end of message fails");
	{
		struct eng_ctx ctx;

		eng_ctx_init(&ctx, &cbs, "test");
		ctx.act = MILTER_ACT_ADDHDRS;
		test_assert_int(eng_insheader(&ctx, 0, "X", "y"), -1);
		test_assert_int(eng_setreply(&ctx, "250", NULL, "x"), -1);
		test_assert_int(eng_setreply(&ctx, "550", NULL, "a\r\nb"), -1);
		test_assert_int(eng_setreply(&ctx, "451", NULL, "later"), 0);
		test_assert_str(ctx.reply.data, "451 4.0.0 later");
		eng_ctx_done(&ctx);
	}
	test_end();
	buf_free(&in);
	buf_free(&out);
}

/* test_suspend - end of message answered later; what came meanwhile held */

static void
test_suspend(void)
{
	struct buf in = BUF_INIT;
	struct eng_ctx ctx;
	const char *want = SESSION_SEEN "eom 0 can=1\n";
	size_t  step;
	int     rc;

	session(&in);
	for (rc = 0; rc >= -1; rc--) {
		test_begin(rc == 0 ? "a suspended end of message, resumed: its answer, "
			   "then what the MTA sent meanwhile, in every cut" :
			   "resumed with an error: the resume callback's tempfail");
		for (step = 1; step < 40; step++) {
			size_t  off, n;
			char   *copy;
			int     ret = ENG_IN_MORE;

			buf_reset(&seen);
			eng_ctx_init(&ctx, &cbs_later, "test");
			for (off = 0; off < in.len && ret == ENG_IN_MORE; off += n) {
				n = in.len - off < step ? in.len - off : step;
				copy = malloc(n + 1);
				memcpy(copy, in.data + off, n);
				ret = eng_ctx_input(&ctx, copy, n);
				free(copy);
			}
			/* QUIT is held: the end of message has no answer yet. */
			test_assert_int(ret, ENG_IN_MORE);
			test_assert_str(seen.data, want);
			test_assert_str(reply_cmds(&ctx.out), "Occcci");
			test_assert_int(eng_ctx_busy(&ctx), 1);
			test_assert_int(ctx.held.len, 5);
			test_assert_int(eng_ctx_resume(&ctx, rc), ENG_IN_QUIT);
			test_assert_str(reply_cmds(&ctx.out), rc == 0 ? "Occccic" :
					"Occcciy");
			test_assert(strstr(seen.data, rc == 0 ? "can=1\nresume 0\n" :
				    "can=1\nresume -1\n") != NULL);
			if (rc < 0)
				test_assert(memmem(ctx.out.data, ctx.out.len,
					      "451 4.3.0 not counted", 21) != NULL);
			eng_ctx_done(&ctx);
		}
		test_end();
	}
	test_begin("a callback set without resume cannot suspend");
	eng_ctx_init(&ctx, &cbs, "test");
	ctx.in_eom = 1;
	test_assert_int(eng_can_suspend(&ctx), 0);
	eng_ctx_done(&ctx);
	test_end();
	buf_free(&in);
}

/* test_nomail - with SMFIP_NOMAIL, each message starts at its first event */

static void
test_nomail(void)
{
	struct eng_ctx ctx;
	struct buf in = BUF_INIT;
	int     i, ret;

	test_begin("no MAIL event agreed: messages start at their first event");
	optneg(&in, 0x1ff, 0x1fffff);
	pkt(&in, 'C', S("client.example\0" "4\x30\x39" "192.0.2.1\0"));
	pkt(&in, 'H', S("client.example\0"));
	for (i = 0; i < 2; i++) {		/* two messages, no MAIL */
		pkt(&in, 'R', S("<bob@example.net>\0"));
		pkt(&in, 'L', S("From\0 alice@example.com\0"));
		pkt(&in, 'N', "", 0);
		pkt(&in, 'B', S("hello\r\n"));
		pkt(&in, 'E', "", 0);
	}
	pkt(&in, 'L', S("From\0 carol@example.com\0"));	/* no RCPT either */
	pkt(&in, 'N', "", 0);
	pkt(&in, 'E', "", 0);
	pkt(&in, 'Q', "", 0);
	buf_reset(&seen);
	eng_ctx_init(&ctx, &cbs_nomail, "test");
	ret = eng_ctx_input(&ctx, in.data, in.len);
	test_assert_int(ret, ENG_IN_QUIT);
	test_assert_int((int) (ctx.proto & MILTER_P_NOMAIL), MILTER_P_NOMAIL);
	/* OPTNEG, HELO; twice RCPT, EOH, INSHEADER, EOM; EOH, INSHEADER, EOM */
	test_assert_str(reply_cmds(&ctx.out), "Occciccciccic");
	eng_ctx_done(&ctx);			/* calls close */
	test_assert_str(seen.data, "negotiate 1ff 1fffff\n"
			"connect client.example 2 -\nhelo client.example\n"
			"rcpt <bob@example.net>\nheader From= alice@example.com\n"
			"eoh i=-\nbody 7\neom 0\n"
			"rcpt <bob@example.net>\nheader From= alice@example.com\n"
			"eoh i=-\nbody 7\neom 0\n"
			"header From= carol@example.com\neoh i=-\neom 0\n"
			"close 1\n");
	buf_free(&in);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_session, test_macros, test_order, test_hostile_lengths,
		test_answers, test_suspend, test_nomail, NULL
	};
	int     ret = test_run(tests);

	buf_free(&seen);
	return (ret);
}
