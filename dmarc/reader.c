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
/*	struct rd *rd_gunzip(struct rd *inner, uint64_t limit,
/*			uint64_t *spent);
/*	ssize_t	rd_read(struct rd *r, void *buf, size_t len);
/*	size_t	rd_peek(struct rd *r, const unsigned char **p);
/*	int	rd_spool(struct rd *r, uint64_t limit);
/*	int	rd_tmpfd(void);
/*	const char *rd_error(const struct rd *r);
/*	void	rd_fail_budget(struct rd *r, uint64_t limit);
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
/*	bytes of output fail the read: a decompression bomb. When SPENT
/*	is not NULL, the output is added to *SPENT as well, and the read
/*	fails once *SPENT passes LIMIT: several readers (the entries of
/*	one archive, the parts of one message) then share one budget.
/*
/*	rd_peek() returns up to RD_PEEK_MAX first bytes without consuming
/*	them; it must be called before the first rd_read(). rd_spool()
/*	copies the rest to an unlinked temporary file in $TMPDIR (/tmp
/*	when unset), at most LIMIT bytes, and returns its descriptor, at
/*	offset 0; the caller closes it. rd_tmpfd() makes such a file,
/*	empty. Archives and mail that arrive as a stream are spooled this
/*	way, so that their size costs disk, not memory.
/* DIAGNOSTICS
/*	rd_read() returns the byte count, 0 at the end, or -1 with the
/*	reason in rd_error(): corrupt or truncated gzip data, a read
/*	error, the size limit. rd_fail_budget() fails R with the reason
/*	for a shared budget spent. rd_spool() returns -1 with the reason in
/*	rd_error().
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
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

/* rd_fail_budget - a shared decompression budget is spent */

void
rd_fail_budget(struct rd *r, uint64_t limit)
{
	rd_fail(r, "what this input inflates to passes %llu bytes in all: "
		"refused as a possible decompression bomb (archive entries "
		"that share their data, or many bombs in one file or message; "
		"raise the limit with --max-size)", (unsigned long long) limit);
}

/* rd_tmpfd - an unlinked temporary file in $TMPDIR (or /tmp); -1: errno */

int
rd_tmpfd(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf path = BUF_INIT;
	int     fd;

	if (dir == NULL || *dir == 0)
		dir = "/tmp";
#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0
	    || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return (fd);
#endif
	buf_printf(&path, "%s/signet-import.XXXXXX", dir);
	if ((fd = mkostemp(path.data, O_CLOEXEC)) >= 0)
		(void) unlink(path.data);
	buf_free(&path);
	return (fd);
}

/* rd_spool - the rest of the input into a temporary file */

int
rd_spool(struct rd *r, uint64_t limit)
{
	char    chunk[ZCHUNK];
	uint64_t total = 0;
	ssize_t n, w;
	int     fd;

	if ((fd = rd_tmpfd()) < 0) {
		rd_fail(r, "cannot make a temporary file: %s: check TMPDIR "
			"(%s)", strerror(errno), getenv("TMPDIR") ?
			getenv("TMPDIR") : "unset: /tmp");
		return (-1);
	}
	while ((n = rd_read(r, chunk, sizeof(chunk))) > 0) {
		if ((total += (uint64_t) n) > limit) {
			rd_fail(r, "more than %llu bytes: refused (see --max-size)",
				(unsigned long long) limit);
			break;
		}
		while ((w = write(fd, chunk, (size_t) n)) < 0 && errno == EINTR)
			 /* void */ ;
		if (w != n) {
			rd_fail(r, "cannot write a temporary file: %s: check "
				"TMPDIR and its free space",
				w < 0 ? strerror(errno) : "short write");
			break;
		}
	}
	if (r->error.len > 0 || n < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		rd_fail(r, "cannot rewind a temporary file: %s", strerror(errno));
		(void) close(fd);
		return (-1);
	}
	return (fd);
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
	uint64_t *spent;		/* shared budget, or NULL */
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
	g->out += (uint64_t) got;
	if (g->spent)
		*g->spent += (uint64_t) got;
	if (g->out > g->limit) {
		rd_fail(r, "more than %llu bytes after decompression: refused as "
			"a possible decompression bomb (raise the limit with "
			"--max-size)", (unsigned long long) g->limit);
		return (-1);
	}
	if (g->spent && *g->spent > g->limit) {
		rd_fail_budget(r, g->limit);
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
rd_gunzip(struct rd *inner, uint64_t limit, uint64_t *spent)
{
	struct rd *r = rd_new();
	struct gz *g = xcalloc(1, sizeof(*g));

	g->inner = inner;
	g->limit = limit;
	g->spent = spent;
	if (inflateInit2(&g->zs, 15 + 32) != Z_OK)
		log_fatal("zlib: inflateInit2 failed: out of memory");
	r->fill = gz_fill;
	r->close = gz_close;
	r->state = g;
	return (r);
}
