/*++
/* NAME
/*	buf 3
/* SUMMARY
/*	growable byte buffer
/* SYNOPSIS
/*	#include "buf.h"
/*
/*	struct buf b = BUF_INIT;
/*
/*	void	buf_append(struct buf *b, const void *data, size_t len);
/*	void	buf_puts(struct buf *b, const char *s);
/*	void	buf_putc(struct buf *b, int c);
/*	void	buf_printf(struct buf *b, const char *fmt, ...);
/*	void	buf_reset(struct buf *b);
/*	void	buf_free(struct buf *b);
/*	char	*buf_steal(struct buf *b);
/* DESCRIPTION
/*	A buffer grows as data is appended and is always NUL-terminated
/*	once anything was appended, so b->data can be used as a string
/*	when the content has no NUL bytes. buf_reset() keeps the memory
/*	for reuse; buf_free() releases it; buf_steal() hands the memory
/*	to the caller and leaves the buffer empty.
/* DIAGNOSTICS
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* buf_init - make an empty buffer */

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

/* buf_reserve - make room for len more bytes plus the terminator */

void
buf_reserve(struct buf *b, size_t len)
{
	size_t  need;

	if (len > (size_t) -1 / 2 - b->len)
		log_fatal("buffer size overflow");
	need = b->len + len + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

/* buf_append - append bytes */

void
buf_append(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

/* buf_puts - append a string */

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* buf_putc - append one byte */

void
buf_putc(struct buf *b, int c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = (char) c;
	b->data[b->len] = 0;
}

/* buf_vprintf - append formatted text */

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int     n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		log_panic("buf_vprintf: bad format \"%s\"", fmt);
	buf_reserve(b, (size_t) n);
	(void) vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	b->len += (size_t) n;
}

/* buf_printf - append formatted text */

void
buf_printf(struct buf *b, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* buf_reset - empty the buffer, keeping its memory */

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

/* buf_free - release the buffer's memory */

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* buf_steal - hand the content to the caller as a string */

char   *
buf_steal(struct buf *b)
{
	char   *p;

	p = b->data ? b->data : xstrdup("");
	buf_init(b);
	return (p);
}
