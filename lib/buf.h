#ifndef SIGNET_BUF_H
#define SIGNET_BUF_H

/* buf - growable byte buffer, always NUL-terminated */

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char   *data;
	size_t  len;
	size_t  cap;
};

#define BUF_INIT	{ NULL, 0, 0 }

extern void buf_init(struct buf *);
extern void buf_reset(struct buf *);
extern void buf_free(struct buf *);
extern void buf_reserve(struct buf *, size_t);
extern void buf_append(struct buf *, const void *, size_t);
extern void buf_puts(struct buf *, const char *);
extern void buf_putc(struct buf *, int);
extern void buf_printf(struct buf *, const char *,...)
	__attribute__((format(printf, 2, 3)));
extern void buf_vprintf(struct buf *, const char *, va_list);
extern char *buf_steal(struct buf *);

#endif
