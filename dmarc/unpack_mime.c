/*++
/* NAME
/*	unpack_mime 3
/* SUMMARY
/*	reports inside mail messages and mbox files
/* SYNOPSIS
/*	#include "unpack.h"
/*
/*	void	unpack_mail(const struct unpack_ops *ops, const char *label,
/*			struct rd *r, int mbox, int depth);
/*	void	unpack_done(void);
/* DESCRIPTION
/*	Parses one message, or every message of an mbox (MBOX), with
/*	GMime and looks at every part, whatever type it declares
/*	(receivers send reports as application/gzip, application/zip,
/*	application/x-gzip, application/x-zip-compressed, text/xml and
/*	application/octet-stream, or as the whole body): each decoded
/*	part that is an archive or XML naming <feedback> is sorted by
/*	unpack_rd(). Attached messages (message/rfc822) are searched in
/*	turn. A message/feedback-report part (a failure report, RFC 6591)
/*	goes to ops->failure with the message that holds it.
/*
/*	Labels name the message in an mbox ("FILE (message N)") and the
/*	part by its file name or its type. Names are only labels: nothing
/*	is written under them. A message that arrives as a stream (gzip
/*	output, a zip entry) is spooled to a temporary file first, at most
/*	ops->max_bytes; each decoded part goes to a temporary file of its
/*	own, so that neither costs memory as it grows. Each message of an
/*	mbox file starts a new decompression budget (ops->inflated).
/* DIAGNOSTICS
/*	A message in which no report was found is refused, naming the
/*	types of its parts.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <gmime/gmime.h>
#include <unistd.h>

#include "buf.h"
#include "unpack.h"

static int mime_ready;

struct walk {
	const struct unpack_ops *ops;
	const char *label;
	GMimeMessage *msg;		/* the message being searched */
	int     found;			/* reports handed on */
	struct buf types;		/* of the parts, for a refusal */
};

static void walk_object(struct walk *, GMimeObject *, int);

/* part_bytes - a part's decoded content; unref the stream after use */

static GMimeStream *
part_bytes(GMimePart *part, GByteArray **bytes)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem;

	if (dw == NULL)
		return (NULL);
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
		g_object_unref(mem);
		return (NULL);
	}
	*bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	return (mem);
}

/* part_file - a part's decoded content in a temporary file; -1: none */

static int
part_file(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *fs;
	int     fd, fd2, ok;

	if (dw == NULL || (fd = rd_tmpfd()) < 0)
		return (-1);
	if ((fd2 = dup(fd)) < 0) {
		(void) close(fd);
		return (-1);
	}
	fs = g_mime_stream_fs_new(fd2);
	/* An fs stream writes through: no flush (it would fsync). */
	ok = g_mime_data_wrapper_write_to_stream(dw, fs) >= 0;
	g_object_unref(fs);
	if (!ok || lseek(fd, 0, SEEK_SET) != 0) {
		(void) close(fd);
		return (-1);
	}
	return (fd);
}

/* failure_part - hand a failure report on, with its message's origin */

static void
failure_part(struct walk *w, const char *data, size_t len)
{
	struct failure_origin o;
	InternetAddressList *from = g_mime_message_get_from(w->msg);
	char   *who = from ? internet_address_list_to_string(from, NULL, FALSE) : NULL;

	o.reporter = who ? who : "";
	o.message_id = g_mime_message_get_message_id(w->msg);
	o.subject = g_mime_message_get_subject(w->msg);
	if (o.message_id == NULL)
		o.message_id = "";
	if (o.subject == NULL)
		o.subject = "";
	w->ops->failure(w->ops->ctx, w->label, &o, data, len);
	g_free(who);
}

/* walk_part - one leaf part: a report, a failure report or neither */

static void
walk_part(struct walk *w, GMimePart *part, int depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *fname = g_mime_part_get_filename(part);
	char   *type = g_mime_content_type_get_mime_type(ct);
	struct buf label = BUF_INIT;
	GByteArray *bytes;
	GMimeStream *mem;
	struct rd *r;
	int     fd;

	buf_printf(&w->types, "%s%s", w->types.len ? ", " : "", type);
	buf_printf(&label, "%s (%s)", w->label, fname && *fname ? fname : type);
	if (g_mime_content_type_is_type(ct, "message", "feedback-report")) {
		if (w->ops->failure && (mem = part_bytes(part, &bytes)) != NULL) {
			failure_part(w, (const char *) bytes->data, bytes->len);
			w->found++;
			g_object_unref(mem);
		}
	} else if ((fd = part_file(part)) >= 0) {
		r = rd_fd(fd);
		w->found += unpack_rd(w->ops, label.data, r, depth + 1, 1);
		rd_close(r);
		(void) close(fd);
	} else {
		w->ops->refuse(w->ops->ctx, label.data, "cannot decode this part "
			       "to a temporary file: check TMPDIR and its free space");
		w->found++;
	}
	g_free(type);
	buf_free(&label);
}

/* walk_object - a part, a multipart or an attached message */

static void
walk_object(struct walk *w, GMimeObject *obj, int depth)
{
	GMimeMessage *inner;
	int     i, n;

	if (obj == NULL || depth > UNPACK_DEPTH_MAX)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			walk_object(w, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
				    depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner)
			walk_object(w, g_mime_message_get_mime_part(inner), depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		walk_part(w, GMIME_PART(obj), depth);
	}
}

/* walk_message - search one message; refuse it when it holds no report */

static void
walk_message(const struct unpack_ops *ops, const char *label,
	     GMimeMessage *msg, int depth)
{
	struct walk w = {ops, label, msg, 0, BUF_INIT};
	struct buf why = BUF_INIT;

	walk_object(&w, g_mime_message_get_mime_part(msg), depth);
	if (w.found == 0) {
		buf_printf(&why, "no DMARC report in this message (its parts: %s)",
			   w.types.len ? w.types.data : "none");
		ops->refuse(ops->ctx, label, why.data);
	}
	buf_free(&why);
	buf_free(&w.types);
}

/* mail_stream - a GMime stream over R's bytes; SPOOL may hold them */

static GMimeStream *
mail_stream(const struct unpack_ops *ops, struct rd *r)
{
	int     fd;

	if (r->fd >= 0 && lseek(r->fd, 0, SEEK_SET) == 0 && (fd = dup(r->fd)) >= 0)
		return (g_mime_stream_fs_new(fd));
	if (r->mem)
		return (g_mime_stream_mem_new_with_buffer((const char *) r->mem,
							  r->memlen));
	if ((fd = rd_spool(r, ops->max_bytes)) < 0)
		return (NULL);
	return (g_mime_stream_fs_new(fd));
}

/* unpack_mail - one message, or every message of an mbox */

void
unpack_mail(const struct unpack_ops *ops, const char *label, struct rd *r,
	    int mbox, int depth)
{
	struct buf sub = BUF_INIT;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	int     n = 0;

	if (!mime_ready) {
		g_mime_init();
		mime_ready = 1;
	}
	if ((stream = mail_stream(ops, r)) == NULL) {
		ops->refuse(ops->ctx, label, rd_error(r));
		return;
	}
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
	while (!g_mime_parser_eos(parser)
	       && (msg = g_mime_parser_construct_message(parser, NULL)) != NULL) {
		n++;
		buf_reset(&sub);
		if (mbox)
			buf_printf(&sub, "%s (message %d)", label, n);
		else
			buf_puts(&sub, label);
		if (mbox && depth == 0 && ops->inflated)
			*ops->inflated = 0;	/* a file of messages */
		walk_message(ops, sub.data, msg, depth + 1);
		g_object_unref(msg);
		if (!mbox)
			break;
	}
	if (n == 0)
		ops->refuse(ops->ctx, label, mbox ? "no message in this mbox file" :
			    "not a readable mail message");
	g_object_unref(parser);
	g_object_unref(stream);
	buf_free(&sub);
}

/* unpack_done - release the MIME library */

void
unpack_done(void)
{
	if (mime_ready)
		g_mime_shutdown();
	mime_ready = 0;
}
