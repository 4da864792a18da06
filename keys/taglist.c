/*++
/* NAME
/*	taglist 3
/* SUMMARY
/*	parse RFC 6376 tag=value lists
/* SYNOPSIS
/*	#include "taglist.h"
/*
/*	int	taglist_parse(const char *text, size_t len,
/*			struct taglist *tl, struct buf *err);
/*	const char *taglist_get(const struct taglist *tl,
/*			const char *name);
/*	void	taglist_free(struct taglist *tl);
/* DESCRIPTION
/*	taglist_parse() reads a tag-list (RFC 6376 section 3.2, also the
/*	syntax of DMARC records, RFC 7489 section 6.4): tag=value pairs
/*	separated by semicolons, a final semicolon allowed, whitespace
/*	around names, "=" and values ignored. Tag names are ALPHA
/*	followed by ALPHA, DIGIT or "_", and compared case-sensitively;
/*	values are printable ASCII except ";", with whitespace allowed
/*	inside. Empty values are allowed (p= of a revoked key).
/*
/*	taglist_get() returns the value of a tag, or NULL when absent.
/* DIAGNOSTICS
/*	taglist_parse() returns -1 with one phrase in err (no NUL bytes,
/*	"tag 2 ... has no \"=\"", a bad character, a tag given twice: the
/*	RFC makes the whole list invalid) and leaves tl empty.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "taglist.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
#define IS_ALPHA(c)	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')

/* taglist_trim - [s, e) without whitespace at both ends */

static void
taglist_trim(const char **s, const char **e)
{
	while (*s < *e && IS_WSP(**s))
		(*s)++;
	while (*e > *s && IS_WSP((*e)[-1]))
		(*e)--;
}

/* taglist_spec - one tag-spec in [s, e); 0 or -1 */

static int
taglist_spec(const char *s, const char *e, int nth, struct taglist *tl,
	     struct buf *err)
{
	const char *eq = memchr(s, '=', (size_t) (e - s));
	const char *ns = s, *ne, *vs, *ve, *p;
	size_t  i;

	if (eq == NULL) {
		buf_printf(err, "part %d \"%.*s\" has no \"=\"; write tag=value "
			   "pairs separated by \";\"", nth, (int) (e - s), s);
		return (-1);
	}
	ne = eq;
	taglist_trim(&ns, &ne);
	if (ns == ne || !IS_ALPHA(*ns)) {
		buf_printf(err, "part %d \"%.*s\" has no tag name before \"=\"",
			   nth, (int) (e - s), s);
		return (-1);
	}
	for (p = ns; p < ne; p++)
		if (!IS_ALPHA(*p) && !IS_DIGIT(*p) && *p != '_') {
			buf_printf(err, "tag name \"%.*s\" has a character "
				   "that is not a letter, digit or \"_\"",
				   (int) (ne - ns), ns);
			return (-1);
		}
	vs = eq + 1;
	ve = e;
	taglist_trim(&vs, &ve);
	for (p = vs; p < ve; p++)
		if (!IS_WSP(*p) && (*p < 0x21 || *p > 0x7e)) {
			buf_printf(err, "the value of tag \"%.*s\" has a byte "
				   "0x%02x that is not printable ASCII",
				   (int) (ne - ns), ns, (unsigned char) *p);
			return (-1);
		}
	for (i = 0; i < tl->ntags; i++)
		if (strlen(tl->tags[i].name) == (size_t) (ne - ns)
		    && memcmp(tl->tags[i].name, ns, (size_t) (ne - ns)) == 0) {
			buf_printf(err, "tag \"%s\" is given twice, which makes "
				   "the whole record invalid; keep one",
				   tl->tags[i].name);
			return (-1);
		}
	tl->tags = xreallocarray(tl->tags, tl->ntags + 1, sizeof(*tl->tags));
	tl->tags[tl->ntags].name = xstrndup(ns, (size_t) (ne - ns));
	tl->tags[tl->ntags++].value = xstrndup(vs, (size_t) (ve - vs));
	return (0);
}

/* taglist_parse - a whole tag-list; 0 or -1 */

int
taglist_parse(const char *text, size_t len, struct taglist *tl,
	      struct buf *err)
{
	const char *s = text, *end = text + len, *e, *ts, *te;
	int     nth = 0;

	memset(tl, 0, sizeof(*tl));
	if (memchr(text, 0, len) != NULL) {
		buf_puts(err, "it holds a NUL byte");
		return (-1);
	}
	while (s < end) {
		e = memchr(s, ';', (size_t) (end - s));
		if (e == NULL)
			e = end;
		ts = s;
		te = e;
		taglist_trim(&ts, &te);
		nth++;
		if (ts == te) {
			if (e != end) {	/* ";;" or a leading ";" */
				buf_printf(err, "part %d is empty (\";;\"); "
					   "remove the extra \";\"", nth);
				taglist_free(tl);
				return (-1);
			}
		} else if (taglist_spec(ts, te, nth, tl, err) < 0) {
			taglist_free(tl);
			return (-1);
		}
		if (e == end)
			break;
		s = e + 1;
	}
	return (0);
}

/* taglist_get - the value of a tag, or NULL */

const char *
taglist_get(const struct taglist *tl, const char *name)
{
	size_t  i;

	for (i = 0; i < tl->ntags; i++)
		if (strcmp(tl->tags[i].name, name) == 0)
			return (tl->tags[i].value);
	return (NULL);
}

/* taglist_free - release the tags */

void
taglist_free(struct taglist *tl)
{
	size_t  i;

	for (i = 0; i < tl->ntags; i++) {
		free(tl->tags[i].name);
		free(tl->tags[i].value);
	}
	free(tl->tags);
	memset(tl, 0, sizeof(*tl));
}
