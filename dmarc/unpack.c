/*++
/* NAME
/*	unpack 3
/* SUMMARY
/*	find the DMARC reports in what an administrator imports
/* SYNOPSIS
/*	#include "unpack.h"
/*
/*	void	unpack_path(const struct unpack_ops *ops, const char *path);
/*	void	unpack_done(void);
/*
/*	int	unpack_rd(const struct unpack_ops *ops, const char *label,
/*			struct rd *r, int depth, int in_mail);
/* DESCRIPTION
/*	unpack_path() reads a file, a folder (every file beneath it, in
/*	name order; a Maildir's cur/ and new/, never its tmp/) or, for
/*	"-", standard input. XML and gzip are read as they stream, with
/*	no size limit for XML (the parser's memory does not grow with the
/*	input); archives and mail that arrive as a stream (standard input
/*	from a pipe, gzip output, a zip entry) are spooled to an unlinked
/*	temporary file first, at most ops->max_bytes, since they need to
/*	seek. Each
/*	XML document found is handed to ops->report with a label that
/*	says where it was: "FILE", "FILE!ENTRY" inside a zip archive,
/*	"FILE (message N, PART)" inside mail.
/*
/*	What an input is comes from its first bytes, not its name: gzip,
/*	zip, XML (after a byte order mark), an mbox ("From "), a mail
/*	message (a header field first), JSON (an SMTP TLS report). gzip
/*	inside gzip or zip is unwrapped again, at most UNPACK_DEPTH_MAX
/*	levels deep. Everything inflated from one input file (one message
/*	of an mbox) counts against one budget of ops->max_bytes, so that
/*	an archive whose entries share their compressed data (overlapping
/*	zip entries) or a message of many bombs cannot multiply it.
/*
/*	unpack_rd() sorts one reader. Inside mail (IN_MAIL), parts that
/*	are neither archives nor XML naming <feedback> are skipped
/*	quietly and 0 is returned; otherwise 1.
/*
/*	unpack_done() releases the MIME library at exit.
/* DIAGNOSTICS
/*	Inputs that hold no report, or cannot be read, go to ops->refuse
/*	with the reason.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "unpack.h"
#include "xalloc.h"

enum kind {
	K_EMPTY, K_GZIP, K_ZIP, K_XML, K_JSON, K_MBOX, K_MAIL, K_UNKNOWN
};

/* is_header_line - does P start with "Name:" (a mail header field) */

static int
is_header_line(const unsigned char *p, size_t n)
{
	size_t  i;

	for (i = 0; i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		 /* void */ ;
	return (i > 0 && i < n && p[i] == ':');
}

/* sniff - what the first bytes say the input is */

static enum kind
sniff(const unsigned char *p, size_t n)
{
	size_t  i = 0;

	if (n == 0)
		return (K_EMPTY);
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return (K_GZIP);
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && (p[2] == 3 || p[2] == 5))
		return (K_ZIP);
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return (K_XML);		/* UTF-16 byte order mark */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == n)
		return (K_EMPTY);
	if (p[i] == '<')
		return (K_XML);
	if (p[i] == '{')
		return (K_JSON);
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return (K_MBOX);
	if (is_header_line(p, n))
		return (K_MAIL);
	return (K_UNKNOWN);
}

/* names_feedback - does the XML's start mention <feedback> */

static int
names_feedback(const unsigned char *p, size_t n)
{
	return (memmem(p, n, "feedback", 8) != NULL);
}

/* unpack_rd - sort one reader and pass it on */

int
unpack_rd(const struct unpack_ops *ops, const char *label, struct rd *r,
	  int depth, int in_mail)
{
	const unsigned char *p;
	size_t  n = rd_peek(r, &p);
	enum kind k = sniff(p, n);
	struct rd *g;
	int     handled;

	if (r->error.len > 0) {
		ops->refuse(ops->ctx, label, rd_error(r));
		return (1);
	}
	if (depth > UNPACK_DEPTH_MAX) {
		ops->refuse(ops->ctx, label, "archives nested too deep: refused");
		return (1);
	}
	if (in_mail && (k == K_EMPTY || k == K_UNKNOWN || k == K_JSON
			|| k == K_MBOX || k == K_MAIL
			|| (k == K_XML && !names_feedback(p, n))))
		return (0);
	switch (k) {
	case K_EMPTY:
		ops->refuse(ops->ctx, label, "empty input: no report in it");
		break;
	case K_GZIP:
		g = rd_gunzip(r, ops->max_bytes, ops->inflated);
		handled = unpack_rd(ops, label, g, depth + 1, in_mail);
		rd_close(g);
		return (handled);
	case K_ZIP:
		unpack_zip(ops, label, r, depth);
		break;
	case K_XML:
		ops->report(ops->ctx, label, r);
		break;
	case K_JSON:
		ops->refuse(ops->ctx, label, "JSON, not XML: an SMTP TLS report "
			    "(RFC 8460) is not a DMARC report");
		break;
	case K_MBOX:
	case K_MAIL:
		unpack_mail(ops, label, r, k == K_MBOX, depth);
		break;
	default:
		ops->refuse(ops->ctx, label, "not a DMARC report: neither XML, "
			    "gzip, zip nor a mail message");
		break;
	}
	return (1);
}

/* unpack_fd - sort an open file, or standard input, with a new budget */

static void
unpack_fd(const struct unpack_ops *ops, const char *label, int fd, int depth)
{
	struct rd *r = rd_fd(fd);

	if (ops->inflated)
		*ops->inflated = 0;
	(void) unpack_rd(ops, label, r, depth, 0);
	rd_close(r);
}

static void unpack_path_at(const struct unpack_ops *, const char *, int);

/* is_maildir - does DIR have cur/ and new/ */

static int
is_maildir(const char *dir)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int     yes;

	buf_printf(&b, "%s/cur", dir);
	yes = stat(b.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_reset(&b);
	buf_printf(&b, "%s/new", dir);
	yes = yes && stat(b.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_free(&b);
	return (yes);
}

/* unpack_dir - every file beneath a folder, in name order */

static void
unpack_dir(const struct unpack_ops *ops, const char *dir, int depth)
{
	struct dirent **list;
	struct buf child = BUF_INIT;
	int     n, i, maildir = is_maildir(dir);

	if ((n = scandir(dir, &list, NULL, alphasort)) < 0) {
		buf_printf(&child, "cannot read the folder: %s", strerror(errno));
		ops->refuse(ops->ctx, dir, child.data);
		buf_free(&child);
		return;
	}
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.'
		    && !(maildir && strcmp(list[i]->d_name, "tmp") == 0)) {
			buf_reset(&child);
			buf_printf(&child, "%s/%s", dir, list[i]->d_name);
			unpack_path_at(ops, child.data, depth + 1);
		}
		free(list[i]);
	}
	free(list);
	buf_free(&child);
}

/* unpack_path_at - a file, folder or "-" at a folder depth */

static void
unpack_path_at(const struct unpack_ops *ops, const char *path, int depth)
{
	struct stat st;
	struct buf why = BUF_INIT;
	int     fd;

	if (strcmp(path, "-") == 0) {
		unpack_fd(ops, "-", 0, 0);
		return;
	}
	if (stat(path, &st) < 0) {
		buf_printf(&why, "cannot read: %s", strerror(errno));
		ops->refuse(ops->ctx, path, why.data);
	} else if (S_ISDIR(st.st_mode)) {
		if (depth < UNPACK_DEPTH_MAX)
			unpack_dir(ops, path, depth);
		else
			ops->refuse(ops->ctx, path, "folders nested too deep");
	} else if (!S_ISREG(st.st_mode)) {
		ops->refuse(ops->ctx, path, "not a file or a folder");
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		buf_printf(&why, "cannot open: %s", strerror(errno));
		ops->refuse(ops->ctx, path, why.data);
	} else {
		unpack_fd(ops, path, fd, 0);
		(void) close(fd);
	}
	buf_free(&why);
}

/* unpack_path - a file, a folder, or "-" for standard input */

void
unpack_path(const struct unpack_ops *ops, const char *path)
{
	unpack_path_at(ops, path, 0);
}
