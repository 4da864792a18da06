#ifndef SIGNET_ENGINE_PROTO_H
#define SIGNET_ENGINE_PROTO_H

/* engine_proto - the milter protocol of one connection, without I/O */

#include "buf.h"
#include "engine.h"

#define ENG_PACKET_MAX	(1024 * 1024)	/* bytes after the length word */
#define ENG_MACRO_MAX	(64 * 1024)	/* macro bytes kept per connection */
#define ENG_VERSION	6		/* milter protocol version */

struct eng_ctx {
	const struct eng_callbacks *cb;
	const char *peer;		/* for log lines */
	int     state;			/* ENG_ST_* */
	int     phase;			/* ENG_PH_*: where in a message */
	int     in_eom;			/* modifications allowed */
	unsigned long version;		/* agreed protocol version */
	unsigned long mta_act;		/* what the MTA offered */
	unsigned long mta_proto;
	unsigned long act;		/* what was agreed */
	unsigned long proto;
	char   *symlist[MILTER_STAGES];	/* macros asked for, per stage */
	struct buf mac[MILTER_STAGES + 1];	/* macros sent, per stage */
	size_t  mac_bytes;
	struct buf reply;		/* set by eng_setreply() */
	struct buf in;			/* a packet not complete yet */
	struct buf out;			/* replies to send */
	int     suspended;		/* end of message waits for resume */
	struct buf held;		/* what came meanwhile */
	void   *priv;
};

/* ctx->state */
#define ENG_ST_OPTNEG	0		/* expects SMFIC_OPTNEG */
#define ENG_ST_CONNECT	1		/* expects SMFIC_CONNECT */
#define ENG_ST_OPEN	2		/* connected */

/* ctx->phase */
#define ENG_PH_NONE	0		/* no message */
#define ENG_PH_MAIL	1
#define ENG_PH_RCPT	2
#define ENG_PH_DATA	3
#define ENG_PH_HEADER	4
#define ENG_PH_EOH	5
#define ENG_PH_BODY	6
#define ENG_PH_DONE	7		/* answered for good; ABORT or MAIL next */

/* eng_ctx_input() */
#define ENG_IN_MORE	0		/* go on reading */
#define ENG_IN_QUIT	1		/* the MTA said goodbye */
#define ENG_IN_ERROR	(-1)		/* protocol error, logged */

extern void eng_ctx_init(struct eng_ctx *, const struct eng_callbacks *,
			         const char *);
extern int eng_ctx_input(struct eng_ctx *, char *, size_t);
extern int eng_ctx_resume(struct eng_ctx *, int);
extern size_t eng_ctx_rest(struct eng_ctx *, char **);
extern int eng_ctx_filled(struct eng_ctx *, size_t);
extern int eng_ctx_busy(const struct eng_ctx *);
extern void eng_ctx_done(struct eng_ctx *);

#endif
