#ifndef SIGNET_COUNT_H
#define SIGNET_COUNT_H

/* count - signet-milter's counting of decided messages */

#include <stddef.h>

#include "decide.h"
#include "policy.h"

 /*
  * What the callbacks know of a message at its final decision.
  */
struct count_msg {
	const struct verdict *verdict;
	const char *verdict_name;	/* "signed", "rejected", ... */
	const char *mail_from;		/* envelope sender, without <> */
	const char *auth_authen;	/* NULL: not logged in */
	const char *client_addr;	/* text */
	char *const *rcpt_domains;	/* distinct, lower case */
	size_t  nrcpt_domains;
	double  ms;			/* time spent in signet */
	/* What makes the count's key (see count_message()). */
	const char *message_id;		/* Message-ID field value; NULL */
	char *const *rcpts;		/* envelope recipients, as sent */
	size_t  nrcpts;
	const unsigned char *body_hash;	/* CANON_DIGEST_LEN bytes; NULL */
};

extern void count_open(const struct policy *, const char *);
extern void count_reload(const struct policy *);
extern void count_close(int);
extern int count_message(const struct count_msg *);
typedef void (*count_done_fn) (void *, int);
extern int count_start(const struct count_msg *, count_done_fn, void *);
extern enum action count_on_error(void);
extern void count_rcpt_add(char ***, size_t *, const char *);
extern void count_rcpt_free(char **, size_t);

#endif
