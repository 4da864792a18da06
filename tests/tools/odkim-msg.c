/*++
/* NAME
/*	odkim-msg 3
/* SUMMARY
/*	read a message and hand it to libopendkim
/* SYNOPSIS
/*	#include "odkim-msg.h"
/*
/*	struct odkim_msg m = ODKIM_MSG_INIT;
/*
/*	int	odkim_msg_read(FILE *fp, struct odkim_msg *m, char *why,
/*			size_t whylen);
/*	DKIM_STAT odkim_msg_feed(DKIM *dkim, const struct odkim_msg *m,
/*			const char **where);
/*	void	odkim_msg_free(struct odkim_msg *m);
/* DESCRIPTION
/*	The reference signer and verifier read a message the same way, so
/*	that the two can only disagree about DKIM, not about the input.
/*
/*	odkim_msg_read() reads a whole message. A lone LF becomes CRLF;
/*	every other byte is kept, so a body that does not end in a line
/*	break still does not. The header is split into fields: a field is
/*	a line that starts with neither space nor tab, with the
/*	continuation lines that follow it, their CRLFs kept. The header
/*	ends at the first empty line; a message without one is all header.
/*
/*	odkim_msg_feed() passes each field to dkim_header() as it is in the
/*	message, without its final CRLF, then calls dkim_eoh(), gives the
/*	body to dkim_body() in chunks, and calls dkim_eom().
/*
/*	odkim_msg_free() releases the storage of a message.
/* DIAGNOSTICS
/*	odkim_msg_read() returns -1 with a reason in why on a read error,
/*	on a header that starts with a continuation line and on a header
/*	line without a colon; the reason names the line.
/*
/*	odkim_msg_feed() returns the first status other than DKIM_STAT_OK,
/*	with where set to the name of the call that gave it. A verifying
/*	handle may give DKIM_STAT_NOSIG at the end of the header or of the
/*	message; that is reported too, and it is for the caller to decide.
/*	An allocation failure is fatal.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

/* System library. */

#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "odkim-msg.h"

#define ODKIM_CHUNK	65536		/* body bytes per dkim_body() call */

/* odkim_msg_grow - make room for n more bytes, or die */

static void
odkim_msg_grow(struct odkim_msg *m, size_t *cap, size_t n)
{
	if (m->len + n <= *cap)
		return;
	while (m->len + n > *cap)
		*cap = *cap ? 2 * *cap : ODKIM_CHUNK;
	if ((m->data = realloc(m->data, *cap)) == NULL) {
		perror("odkim-msg: realloc");
		exit(1);
	}
}

/* odkim_msg_load - read a whole stream, making lone LF into CRLF */

static int
odkim_msg_load(FILE *fp, struct odkim_msg *m)
{
	size_t  cap = 0;
	int     c;
	int     prev = EOF;

	while ((c = getc(fp)) != EOF) {
		odkim_msg_grow(m, &cap, 2);
		if (c == '\n' && prev != '\r')
			m->data[m->len++] = '\r';
		m->data[m->len++] = (unsigned char) c;
		prev = c;
	}
	odkim_msg_grow(m, &cap, 1);
	m->data[m->len] = 0;
	return (ferror(fp) ? -1 : 0);
}

/* odkim_msg_eol - offset of the CRLF that ends the line at off, or len */

static size_t
odkim_msg_eol(const struct odkim_msg *m, size_t off)
{
	const unsigned char *p = m->data + off;
	const unsigned char *end = m->data + m->len;

	while ((p = memchr(p, '\r', end - p)) != NULL) {
		if (p + 1 < end && p[1] == '\n')
			return (p - m->data);
		p++;
	}
	return (m->len);
}

/* odkim_msg_add - append one header field */

static void
odkim_msg_add(struct odkim_msg *m, size_t off, size_t len)
{
	m->fields = realloc(m->fields, (m->nfields + 1) * sizeof(*m->fields));
	if (m->fields == NULL) {
		perror("odkim-msg: realloc");
		exit(1);
	}
	m->fields[m->nfields].off = off;
	m->fields[m->nfields].len = len;
	m->nfields++;
}

/* odkim_msg_split - find the header fields and the body */

static int
odkim_msg_split(struct odkim_msg *m, char *why, size_t whylen)
{
	size_t  off = 0;
	size_t  eol;
	int     line = 1;

	while (off < m->len) {
		eol = odkim_msg_eol(m, off);
		if (eol == off) {			/* the empty line */
			m->body = off + 2;
			return (0);
		}
		if (m->data[off] == ' ' || m->data[off] == '\t') {
			if (m->nfields == 0) {
				snprintf(why, whylen, "line %d: the header starts "
					 "with a continuation line", line);
				return (-1);
			}
			m->fields[m->nfields - 1].len =
				eol - m->fields[m->nfields - 1].off;
		} else {
			if (memchr(m->data + off, ':', eol - off) == NULL) {
				snprintf(why, whylen, "line %d: header line "
					 "without a colon", line);
				return (-1);
			}
			odkim_msg_add(m, off, eol - off);
		}
		off = eol < m->len ? eol + 2 : eol;
		line++;
	}
	m->body = m->len;
	return (0);
}

/* odkim_msg_read - read and split a message */

int
odkim_msg_read(FILE *fp, struct odkim_msg *m, char *why, size_t whylen)
{
	if (odkim_msg_load(fp, m) < 0) {
		snprintf(why, whylen, "read error on the message");
		return (-1);
	}
	return (odkim_msg_split(m, why, whylen));
}

/* odkim_msg_feed - give header fields and body to libopendkim */

DKIM_STAT
odkim_msg_feed(DKIM *dkim, const struct odkim_msg *m, const char **where)
{
	DKIM_STAT st;
	size_t  i;
	size_t  off;
	size_t  n;

	for (i = 0; i < m->nfields; i++) {
		st = dkim_header(dkim, m->data + m->fields[i].off,
				 m->fields[i].len);
		if (st != DKIM_STAT_OK) {
			*where = "dkim_header";
			return (st);
		}
	}
	if ((st = dkim_eoh(dkim)) != DKIM_STAT_OK) {
		*where = "dkim_eoh";
		return (st);
	}
	for (off = m->body; off < m->len; off += n) {
		n = m->len - off < ODKIM_CHUNK ? m->len - off : ODKIM_CHUNK;
		if ((st = dkim_body(dkim, m->data + off, n)) != DKIM_STAT_OK) {
			*where = "dkim_body";
			return (st);
		}
	}
	if ((st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK) {
		*where = "dkim_eom";
		return (st);
	}
	return (DKIM_STAT_OK);
}

/* odkim_msg_free - release a message */

void
odkim_msg_free(struct odkim_msg *m)
{
	free(m->data);
	free(m->fields);
	m->data = NULL;
	m->fields = NULL;
	m->len = m->nfields = m->body = 0;
}
