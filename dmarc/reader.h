#ifndef SIGNET_DMARC_READER_H
#define SIGNET_DMARC_READER_H

/* reader - byte sources: files, memory, gzip and zip entries */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define RD_PEEK_MAX	4096		/* bytes rd_peek() can look ahead */

struct rd {
	ssize_t (*fill) (struct rd *, void *, size_t);
	void    (*close) (struct rd *);
	void   *state;
	int     fd;			/* >= 0: a regular file, from its start */
	const unsigned char *mem;	/* non-NULL: all the bytes, in memory */
	size_t  memlen;
	unsigned char peek[RD_PEEK_MAX];
	size_t  npeek;			/* bytes in peek */
	size_t  peekpos;		/* of them, already read */
	int     eof;
	uint64_t total;			/* bytes read */
	struct buf error;		/* why a read failed */
};

extern struct rd *rd_fd(int);
extern struct rd *rd_mem(const void *, size_t);
extern struct rd *rd_gunzip(struct rd *, uint64_t, uint64_t *);
extern ssize_t rd_read(struct rd *, void *, size_t);
extern size_t rd_peek(struct rd *, const unsigned char **);
extern int rd_spool(struct rd *, uint64_t);
extern int rd_tmpfd(void);
extern void rd_fail_budget(struct rd *, uint64_t);
extern const char *rd_error(const struct rd *);
extern void rd_fail(struct rd *, const char *,...)
	__attribute__((format(printf, 2, 3)));
extern struct rd *rd_new(void);
extern struct rd *rd_close(struct rd *);

#endif
