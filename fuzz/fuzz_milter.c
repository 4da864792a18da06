/*++
/* NAME
/*	fuzz_milter 1
/* SUMMARY
/*	libFuzzer target: the milter protocol engine of signet-milter
/* SYNOPSIS
/*	fuzz_milter [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Feeds the input to one connection's protocol state machine
/*	(milter/engine_proto.c) as bytes from the MTA, cut into reads at
/*	sizes taken from the first bytes, until it ends or is refused.
/*	The callbacks use every engine call the daemon uses (macros,
/*	private data, a header field inserted at end of message, a reply
/*	text) and answer as the input's bytes say.
/*
/*	Checked: the replies are whole packets of known commands, and the
/*	connection's private data is in place at end of message. The
/*	engine logs every protocol error: run.sh closes the target's
/*	standard error (-close_fd_mask=2).
/* DIAGNOSTICS
/*	Aborts when a check fails.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_proto.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static unsigned char answer_byte;
static int token;

/* pick - an answer from the input's bytes */

static eng_stat
pick(size_t salt)
{
	static const eng_stat a[] = {ENG_CONTINUE, ENG_CONTINUE, ENG_CONTINUE,
	ENG_REJECT, ENG_TEMPFAIL, ENG_ACCEPT, ENG_NOREPLY, ENG_DISCARD, ENG_SKIP};

	return (a[(answer_byte + salt) % (sizeof(a) / sizeof(a[0]))]);
}

static eng_stat
f_negotiate(struct eng_ctx *ctx, unsigned long act, unsigned long proto,
	    unsigned long *pact, unsigned long *pproto)
{
	*pact = MILTER_ACT_ADDHDRS | (act & MILTER_ACT_SETSYMLIST);
	*pproto = proto;
	(void) eng_setsymlist(ctx, MILTER_STAGE_MAIL, "i {auth_authen}");
	eng_setpriv(ctx, &token);
	return (answer_byte == 0xff ? ENG_REJECT : ENG_CONTINUE);
}

static eng_stat
f_connect(struct eng_ctx *ctx, const char *host, const struct sockaddr *sa)
{
	const char *v = eng_getsymval(ctx, "{daemon_name}");

	return (pick(strlen(host) + (v ? strlen(v) : 0)));
}

static eng_stat
f_helo(struct eng_ctx *ctx, const char *helo)
{
	return (pick(strlen(helo)));
}

static eng_stat
f_args(struct eng_ctx *ctx, char **argv)
{
	size_t  i, n = 0;

	for (i = 0; argv[i] != NULL; i++)
		n += strlen(argv[i]) + 1;
	if (eng_getsymval(ctx, "i") != NULL)
		(void) eng_setreply(ctx, n & 1 ? "550" : "451", NULL, argv[0]);
	return (pick(n));
}

static eng_stat
f_header(struct eng_ctx *ctx, const char *name, const char *value)
{
	return (pick(strlen(name) + strlen(value)));
}

static eng_stat
f_eoh(struct eng_ctx *ctx)
{
	return (pick(7));
}

static eng_stat
f_body(struct eng_ctx *ctx, const unsigned char *data, size_t len)
{
	return (pick(len));
}

static eng_stat
f_eom(struct eng_ctx *ctx)
{
	if (eng_insheader(ctx, 0, "DKIM-Signature", "v=1; a=rsa-sha256") < 0
	    && (ctx->act & MILTER_ACT_ADDHDRS) != 0)
		abort();
	if (eng_getpriv(ctx) != &token)
		abort();
	return (pick(3));
}

static eng_stat
f_abort(struct eng_ctx *ctx)
{
	return (ENG_CONTINUE);
}

static eng_stat
f_close(struct eng_ctx *ctx)
{
	eng_setpriv(ctx, NULL);
	return (ENG_CONTINUE);
}

static const struct eng_callbacks cbs = {
	f_negotiate, f_connect, f_helo, f_args, f_args, f_header,
	f_eoh, f_body, f_eom, f_abort, f_close
};

/* check_replies - whole packets of known replies; count end answers */

static void
check_replies(const struct buf *out, size_t *done)
{
	const unsigned char *p = (const unsigned char *) out->data;
	size_t  off = *done, len;

	while (off < out->len) {
		if (out->len - off < 5)
			abort();
		len = (size_t) p[off] << 24 | p[off + 1] << 16 | p[off + 2] << 8
			| p[off + 3];
		if (len < 1 || out->len - off - 4 < len
		    || strchr("Oacdirsty", p[off + 4]) == NULL)
			abort();
		off += 4 + len;
	}
	*done = off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eng_ctx ctx;
	size_t  off, n, step, done = 0;
	char   *chunk;
	int     ret = ENG_IN_MORE;

	if (size < 2)
		return (0);
	answer_byte = data[0];
	step = data[1] ? data[1] : 4096;
	eng_ctx_init(&ctx, &cbs, "fuzz");
	for (off = 2; off < size && ret == ENG_IN_MORE; off += n) {
		n = size - off < step ? size - off : step;
		chunk = malloc(n + 1);
		memcpy(chunk, data + off, n);
		ret = eng_ctx_input(&ctx, chunk, n);
		free(chunk);
		check_replies(&ctx.out, &done);
	}
	eng_ctx_done(&ctx);
	return (0);
}
