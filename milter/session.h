#ifndef SIGNET_SESSION_H
#define SIGNET_SESSION_H

/* session - a milter connection and the message in progress on it */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>

#include "buf.h"
#include "canon.h"
#include "decide.h"
#include "milter.h"
#include "sign.h"
#include "snapshot.h"

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
	char  **rcpts;			/* as sent, for the count's key */
	size_t  nrcpts;
	char   *message_id;		/* first Message-ID value, trimmed */
	unsigned char bh[CANON_DIGEST_LEN];	/* body hash, at end of message */
	int     has_bh;
	int     too_big;
	char    long_field[64];		/* signed field with a line too long */
	size_t  body_line;		/* bytes in the body line so far */
	int     body_long;		/* a body line over max_line */
	unsigned char body_last;	/* last body byte so far */
	struct verdict verdict;
	int     mail_refused;		/* at MAIL, unanswered: say it later */
	int     eoh_decided;		/* not signed: answered at the end */
	struct canon_body *body;
	struct timespec spent;		/* time inside our callbacks */
	/* While the count is committed (end of message, suspended). */
	eng_stat reply;			/* the reply to give then */
	const char *verdict_name;	/* for the log line */
	char   *selectors;
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
	eng_stat helo_reply;		/* ENG_NOREPLY when negotiated */
	eng_stat mail_reply;
	eng_stat hdr_reply;		/* ENG_NOREPLY when negotiated */
	eng_stat eoh_reply;
	eng_stat rcpt_reply;
	eng_stat body_reply;
	struct msg msg;
};

extern void msg_reset(struct conn *);

/* reply.c: how a message ends, logged and counted. */
extern eng_stat reply_log(struct eng_ctx *, struct conn *, const char *,
			          const char *, eng_stat);
extern eng_stat reply_counted(struct eng_ctx *, struct conn *, int);
extern eng_stat reply_refuse(struct eng_ctx *, struct conn *, enum action);
extern eng_stat reply_internal_error(struct eng_ctx *, struct conn *, const char *);

/* signing.c: the signatures of a message. */
extern int signing_sign(struct msg *, struct buf *, size_t *, struct buf *,
			        struct buf *);
extern int signing_insert(struct eng_ctx *, const struct conn *, const struct buf *);

#endif
