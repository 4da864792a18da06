#ifndef SIGNET_DMARC_UNPACK_H
#define SIGNET_DMARC_UNPACK_H

/* unpack - find the reports in files, archives, mail and standard input */

#include <stdint.h>

#include "reader.h"

#define UNPACK_MAX_BYTES	((uint64_t) 1 << 30)	/* default size limit */

 /*
  * The message that carried a failure report: who sent it and how it
  * is known (Message-ID makes a re-import a duplicate).
  */
struct failure_origin {
	const char *reporter;		/* its From address */
	const char *message_id;
	const char *subject;
};

struct unpack_ops {
	/* An XML document that should be a report: read R to its end. */
	void    (*report) (void *, const char *, struct rd *);
	/* A failure report (message/feedback-report): its fields, raw. */
	void    (*failure) (void *, const char *, const struct failure_origin *,
			                const char *, size_t);
	/* An input that holds no report, or that cannot be read. */
	void    (*refuse) (void *, const char *, const char *);
	void   *ctx;
	uint64_t max_bytes;		/* of one decompressed document */
	/* Bytes inflated so far from one file, archive or message (the
	 * budget all its documents share, also max_bytes); NULL: none. */
	uint64_t *inflated;
};

extern void unpack_path(const struct unpack_ops *, const char *);
extern void unpack_done(void);

/* Shared by unpack.c, unpack_zip.c and unpack_mime.c. */

#define UNPACK_DEPTH_MAX	8	/* archives, mail and folders nested */

extern int unpack_rd(const struct unpack_ops *, const char *, struct rd *,
		             int, int);
extern void unpack_zip(const struct unpack_ops *, const char *, struct rd *,
		               int);
extern void unpack_mail(const struct unpack_ops *, const char *, struct rd *,
			        int, int);

#endif
