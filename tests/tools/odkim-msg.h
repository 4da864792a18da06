#ifndef SIGNET_ODKIM_MSG_H
#define SIGNET_ODKIM_MSG_H

/* odkim-msg - a message read for libopendkim, split into header fields */

#include <stddef.h>
#include <stdio.h>

#include <opendkim/dkim.h>

struct odkim_field {
	size_t  off;			/* start in data */
	size_t  len;			/* without the final CRLF */
};

struct odkim_msg {
	unsigned char *data;		/* whole message, lone LF made CRLF */
	size_t  len;
	struct odkim_field *fields;	/* header fields, in order */
	size_t  nfields;
	size_t  body;			/* offset of the body in data */
};

#define ODKIM_MSG_INIT	{ NULL, 0, NULL, 0, 0 }

extern int odkim_msg_read(FILE *, struct odkim_msg *, char *, size_t);
extern DKIM_STAT odkim_msg_feed(DKIM *, const struct odkim_msg *,
				        const char **);
extern void odkim_msg_free(struct odkim_msg *);

#endif
