/*++
/* NAME
/*	reader 3
/* SUMMARY
/*	byte sources for report import
/* SYNOPSIS
/*	#include "log.h"
#include "reader.h"
/*
/*	struct rd *rd_fd(int fd);
/*	struct rd *rd_mem(const void *data, size_t len);
/*	struct rd *rd_gunzip(struct rd *inner, uint64_t limit);
/*	ssize_t	rd_read(struct rd *r, void *buf, size_t len);
/*	size_t	rd_peek(struct rd *r, const unsigned char **p);
/*	int	rd_slurp(struct rd *r, uint64_t limit, struct buf *out);
/*	const char *rd_error(const struct rd *r);
/*	struct rd *rd_close(struct rd *r);
/* DESCRIPTION
/*	A report reaches the XML parser through a chain of readers: a
/*	file or a decoded mail attachment, then gzip (zlib) as often as
/*	it was applied. Each reads in chunks, so a report never has to be
/*	in memory whole.
/*
/*	rd_fd() reads a file descriptor (the caller closes it); when it
/*	is a regular file, r->fd lets archive and mail readers seek in it.
/*	rd_mem() reads bytes the caller keeps; r->mem points at them.
/*
/*	rd_gunzip() inflates gzip (several members in a row are read as
/*	one stream, RFC 1952) or zlib data from INNER, which the caller
/*	closes after it. Bytes after the last member that do not start another
/*	are ignored (some receivers append stray bytes). More than LIMIT
/*	bytes of output fail the read: a decompression bomb.
/*
/*	rd_peek() returns up to RD_PEEK_MAX first bytes without consuming
/*	them; it must be called before the first rd_read(). rd_slurp()
/*	reads the rest into OUT, failing beyond LIMIT bytes.
/* DIAGNOSTICS
/*	rd_read() returns the byte count, 0 at the end, or -1 with the
/*	reason in rd_error(): corrupt or truncated gzip data, a read
/*	error, the size limit.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "reader.h"
#include "xalloc.h"

#define ZCHUNK	(64 * 1024)

/* rd_new - an empty reader */

struct rd *
rd_new(void)
{
	struct rd *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	return (r);
}

/* rd_fail - record why reading failed; first reason wins */

void
rd_fail(struct rd *r, const char *fmt,...)
{
	va_list ap;

	if (r->error.len > 0)
		return;
	va_start(ap, fmt);
	buf_vprintf(&r->error, fmt, ap);
	va_end(ap);
}

/* fd_fill - read(2), retried on EINTR */

static ssize_t
fd_fill(struct rd *r, void *buf, size_t len)
{
	int     fd = (int) (intptr_t) r->state;
	ssize_t n;

	while ((n = read(fd, buf, len)) < 0 && errno == EINTR)
		 /* void */ ;
	if (n < 0)
		rd_fail(r, "read error: %s", strerror(errno));
	return (n);
}

/* rd_fd - read a file descriptor */

struct rd *
rd_fd(int fd)
{
	struct rd *r = rd_new();
	struct stat st;

	r->fill = fd_fill;
	r->state = (void *) (intptr_t) fd;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
	    && lseek(fd, 0, SEEK_CUR) == 0)
		r->fd = fd;
	return (r);
}

struct memsrc {
	const unsigned char *p;
	size_t  left;
};

/* mem_fill - copy from memory */

static ssize_t
mem_fill(struct rd *r, void *buf, size_t len)
{
	struct memsrc *m = r->state;

	if (len > m->left)
		len = m->left;
	if (len == 0)
		return (0);			/* an empty part's bytes may be NULL */
	memcpy(buf, m->p, len);
	m->p += len;
	m->left -= len;
	return ((ssize_t) len);
}

/* mem_close - free the cursor */

static void
mem_close(struct rd *r)
{
	free(r->state);
}

/* rd_mem - read bytes the caller keeps */

struct rd *
rd_mem(const void *data, size_t len)
{
	struct rd *r = rd_new();
	struct memsrc *m = xmalloc(sizeof(*m));

	m->p = data;
	m->left = len;
	r->fill = mem_fill;
	r->close = mem_close;
	r->state = m;
	r->mem = data;
	r->memlen = len;
	return (r);
}

/* rd_peek - the first bytes, not consumed */

size_t
rd_peek(struct rd *r, const unsigned char **p)
{
	ssize_t n;

	while (r->peekpos == 0 && r->npeek < RD_PEEK_MAX && !r->eof) {
		n = r->fill(r, r->peek + r->npeek, RD_PEEK_MAX - r->npeek);
		if (n <= 0) {
			r->eof = 1;
			break;
		}
		r->npeek += (size_t) n;
	}
	*p = r->peek + r->peekpos;
	return (r->npeek - r->peekpos);
}

/* rd_read - the next bytes */

ssize_t
rd_read(struct rd *r, void *buf, size_t len)
{
	ssize_t n;

	if (r->error.len > 0)
		return (-1);
	if (r->peekpos < r->npeek) {
		n = (ssize_t) (r->npeek - r->peekpos < len ?
			       r->npeek - r->peekpos : len);
		memcpy(buf, r->peek + r->peekpos, (size_t) n);
		r->peekpos += (size_t) n;
	} else {
		n = r->fill(r, buf, len);
	}
	if (n < 0 || r->error.len > 0)
		return (-1);
	r->total += (uint64_t) n;
	return (n);
}

/* rd_slurp - the rest of the input into memory, at most LIMIT bytes */

int
rd_slurp(struct rd *r, uint64_t limit, struct buf *out)
{
	char    chunk[ZCHUNK];
	ssize_t n;

	while ((n = rd_read(r, chunk, sizeof(chunk))) > 0) {
		if (out->len + (uint64_t) n > limit) {
			rd_fail(r, "more than %llu bytes: refused (see --max-size)",
				(unsigned long long) limit);
			return (-1);
		}
		buf_append(out, chunk, (size_t) n);
	}
	return (n < 0 ? -1 : 0);
}

/* rd_error - why the last read failed */

const char *
rd_error(const struct rd *r)
{
	return (r->error.data ? r->error.data : "read error");
}

/* rd_close - release a reader; returns NULL */

struct rd *
rd_close(struct rd *r)
{
	if (r == NULL)
		return (NULL);
	if (r->close)
		r->close(r);
	buf_free(&r->error);
	free(r);
	return (NULL);
}

struct gz {
	struct rd *inner;
	z_stream zs;
	unsigned char in[ZCHUNK];
	uint64_t limit;
	uint64_t out;
	int     ended;			/* last member done */
};

/* gz_more - refill the input; 0 at its end */

static ssize_t
gz_more(struct rd *r, struct gz *g)
{
	ssize_t n;

	if (g->zs.avail_in > 0)
		memmove(g->in, g->zs.next_in, g->zs.avail_in);
	n = rd_read(g->inner, g->in + g->zs.avail_in,
		    sizeof(g->in) - g->zs.avail_in);
	if (n < 0) {
		rd_fail(r, "%s", rd_error(g->inner));
		return (-1);
	}
	g->zs.next_in = g->in;
	g->zs.avail_in += (uInt) n;
	return (n);
}

/* gz_member_end - after a member: another one, or the end */

static int
gz_member_end(struct rd *r, struct gz *g)
{
	if (g->zs.avail_in < 2 && gz_more(r, g) < 0)
		return (-1);
	if (g->zs.avail_in >= 2 && g->zs.next_in[0] == 0x1f
	    && g->zs.next_in[1] == 0x8b) {
		(void) inflateReset(&g->zs);
		return (0);
	}
	g->ended = 1;			/* stray bytes, if any, are ignored */
	return (0);
}

/* gz_fill - inflate into BUF */

static ssize_t
gz_fill(struct rd *r, void *buf, size_t len)
{
	struct gz *g = r->state;
	int     rc;
	ssize_t got;

	g->zs.next_out = buf;
	g->zs.avail_out = (uInt) (len > ZCHUNK ? ZCHUNK : len);
	while (!g->ended && g->zs.avail_out == (uInt) (len > ZCHUNK ? ZCHUNK : len)) {
		if (g->zs.avail_in == 0 && (got = gz_more(r, g)) <= 0) {
			if (got == 0)
				rd_fail(r, "truncated gzip data: it ends inside a "
					"compressed stream");
			return (-1);
		}
		rc = inflate(&g->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			if (gz_member_end(r, g) < 0)
				return (-1);
		} else if (rc != Z_OK && !(rc == Z_BUF_ERROR && g->zs.avail_in == 0)) {
			rd_fail(r, "corrupt gzip data: %s", g->zs.msg ? g->zs.msg :
				"inflate failed");
			return (-1);
		}
	}
	got = (ssize_t) ((len > ZCHUNK ? ZCHUNK : len) - g->zs.avail_out);
	if ((g->out += (uint64_t) got) > g->limit) {
		rd_fail(r, "more than %llu bytes after decompression: refused as "
			"a possible decompression bomb (raise the limit with "
			"--max-size)", (unsigned long long) g->limit);
		return (-1);
	}
	return (got);
}

/* gz_close - end the inflater (the inner reader is the caller's) */

static void
gz_close(struct rd *r)
{
	struct gz *g = r->state;

	(void) inflateEnd(&g->zs);
	free(g);
}

/* rd_gunzip - inflate INNER, at most LIMIT bytes of output */

struct rd *
rd_gunzip(struct rd *inner, uint64_t limit)
{
	struct rd *r = rd_new();
	struct gz *g = xcalloc(1, sizeof(*g));

	g->inner = inner;
	g->limit = limit;
	if (inflateInit2(&g->zs, 15 + 32) != Z_OK)
		log_fatal("zlib: inflateInit2 failed: out of memory");
	r->fill = gz_fill;
	r->close = gz_close;
	r->state = g;
	return (r);
}
