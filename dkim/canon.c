/*++
/* NAME
/*	canon 3
/* SUMMARY
/*	DKIM canonicalisation, streamed into SHA-256
/* SYNOPSIS
/*	#include "canon.h"
/*
/*	int	canon_init(void);
/*	const EVP_MD *canon_sha256(void);
/*
/*	struct canon_body *canon_body_create(enum canon mode);
/*	void	canon_body_update(struct canon_body *cb,
/*			const unsigned char *data, size_t len);
/*	void	canon_body_final(struct canon_body *cb,
/*			unsigned char digest[CANON_DIGEST_LEN]);
/*	struct canon_body *canon_body_free(struct canon_body *cb);
/*
/*	void	canon_header(enum canon mode, const char *name,
/*			const char *value, struct buf *out);
/*	int	canon_parse(const char *text, enum canon *hdr,
/*			enum canon *body);
/*	const char *canon_name(enum canon mode);
/* DESCRIPTION
/*	This module implements RFC 6376 section 3.4.
/*
/*	canon_init() fetches the SHA-256 implementation once; call it
/*	before any thread hashes. canon_sha256() returns it.
/*
/*	The body canonicaliser takes the body in chunks of any size and
/*	split anywhere, and hashes as it goes: it never holds more than
/*	one output block, whatever the body size. CRLF ends a line, and so
/*	does a lone LF, counted as CRLF: every MTA sends it as CRLF, and
/*	verifiers (libopendkim, dkimpy) read it so. A lone CR is line
/*	content. Empty lines are counted, not stored, until content shows
/*	they were not trailing. canon_body_final() writes the SHA-256 digest of the
/*	canonical body (the bh= value before base64).
/*
/*	canon_header() appends one canonical header field with its CRLF
/*	to out. The value is what follows the colon, folds included;
/*	lone LF folds (as milters receive them) count as CRLF.
/*
/*	canon_parse() reads "relaxed/simple" style text; a lone
/*	"relaxed" means relaxed/simple, as in the c= tag.
/* DIAGNOSTICS
/*	canon_init() returns -1 when OpenSSL has no SHA-256.
/*	canon_parse() returns -1 on unknown text.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "canon.h"
#include "log.h"
#include "xalloc.h"

static EVP_MD *sha256;

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

/* canon_init - fetch SHA-256 once */

int
canon_init(void)
{
	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return (sha256 ? 0 : -1);
}

/* canon_sha256 - the fetched SHA-256 */

const EVP_MD *
canon_sha256(void)
{
	if (sha256 == NULL)
		log_panic("canon_sha256: canon_init() was not called");
	return (sha256);
}

/* canon_body_create - start hashing a body */

struct canon_body *
canon_body_create(enum canon mode)
{
	struct canon_body *cb;

	cb = xcalloc(1, sizeof(*cb));
	cb->mode = mode;
	if ((cb->md = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestInit_ex(cb->md, canon_sha256(), NULL) != 1)
		log_fatal("cannot start a SHA-256 digest (out of memory?)");
	return (cb);
}

/* flush - hash what is in the output block */

static void
flush(struct canon_body *cb)
{
	if (cb->olen > 0) {
		if (EVP_DigestUpdate(cb->md, cb->out, cb->olen) != 1)
			log_panic("EVP_DigestUpdate failed");
		cb->length += cb->olen;
		cb->olen = 0;
	}
}

/* emit - append canonical bytes */

static void
emit(struct canon_body *cb, const unsigned char *p, size_t len)
{
	size_t  n;

	while (len > 0) {
		if (cb->olen == sizeof(cb->out))
			flush(cb);
		n = sizeof(cb->out) - cb->olen;
		if (n > len)
			n = len;
		memcpy(cb->out + cb->olen, p, n);
		cb->olen += n;
		p += n;
		len -= n;
	}
}

/* content - emit content bytes, after anything held back */

static void
content(struct canon_body *cb, const unsigned char *p, size_t len)
{
	for (; cb->empty_lines > 0; cb->empty_lines--)
		emit(cb, (const unsigned char *) "\r\n", 2);
	if (cb->pending_wsp) {
		emit(cb, (const unsigned char *) " ", 1);
		cb->pending_wsp = 0;
	}
	emit(cb, p, len);
	cb->in_line = 1;
}

/* end_of_line - a CRLF was seen */

static void
end_of_line(struct canon_body *cb)
{
	cb->pending_wsp = 0;		/* relaxed: trailing WSP goes */
	if (cb->in_line) {
		emit(cb, (const unsigned char *) "\r\n", 2);
		cb->in_line = 0;
	} else {
		cb->empty_lines++;
	}
}

/* relaxed_run - bytes relaxed leaves alone: no CR, LF, TAB, or SP
   before WSP, CR or LF */

static const unsigned char *
relaxed_run(const unsigned char *q, const unsigned char *end)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	__m128i v, w;
	unsigned stop, space, ws_next;

	/* 16 bytes a step; w is the same bytes one further on. */
	while (end - q >= 17) {
		v = _mm_loadu_si128((const __m128i *) q);
		w = _mm_loadu_si128((const __m128i *) (q + 1));
		stop = (unsigned) _mm_movemask_epi8(_mm_or_si128(
				  _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, cr)),
						  _mm_cmpeq_epi8(v, lf)));
		space = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, sp));
		ws_next = (unsigned) _mm_movemask_epi8(_mm_or_si128(
			      _mm_or_si128(_mm_cmpeq_epi8(w, sp), _mm_cmpeq_epi8(w, tab)),
			       _mm_or_si128(_mm_cmpeq_epi8(w, cr), _mm_cmpeq_epi8(w, lf))));
		if ((stop |= space & ws_next) != 0)
			return (q + __builtin_ctz(stop));
		q += 16;
	}
#endif
	while (q < end) {
		if (*q == '\r' || *q == '\t' || *q == '\n')
			break;
		if (*q == ' ') {
			if (q + 1 >= end || IS_WSP(q[1]) || q[1] == '\r' || q[1] == '\n')
				break;
			q += 2;
			continue;
		}
		q++;
	}
	return (q);
}

/* plain_run - length of the prefix that passes unchanged */

static size_t
plain_run(const struct canon_body *cb, const unsigned char *p,
	  const unsigned char *end)
{
	const unsigned char *cr, *lf;

	if (cb->mode == CANON_SIMPLE) {
		if ((cr = memchr(p, '\r', end - p)) == NULL)
			cr = end;
		return (((lf = memchr(p, '\n', cr - p)) != NULL ? lf : cr) - p);
	}
	return (relaxed_run(p, end) - p);
}

/* canon_body_update - canonicalise and hash one chunk */

void
canon_body_update(struct canon_body *cb, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	size_t  n;
	unsigned char c;

	while (p < end) {
		if (!cb->pending_cr && !cb->pending_wsp && cb->empty_lines == 0
		    && (n = plain_run(cb, p, end)) > 0) {
			emit(cb, p, n);
			cb->in_line = 1;
			p += n;
			continue;
		}
		c = *p++;
		if (cb->pending_cr) {
			cb->pending_cr = 0;
			if (c == '\n') {
				end_of_line(cb);
				continue;
			}
			content(cb, (const unsigned char *) "\r", 1);
		}
		if (c == '\r')
			cb->pending_cr = 1;
		else if (c == '\n')
			end_of_line(cb);	/* a lone LF: as CRLF */
		else if (cb->mode == CANON_RELAXED && IS_WSP(c))
			cb->pending_wsp = 1;
		else
			content(cb, &c, 1);
	}
}

/* canon_body_final - finish the body and write its digest */

void
canon_body_final(struct canon_body *cb, unsigned char *digest)
{
	unsigned int dlen = CANON_DIGEST_LEN;

	if (cb->pending_cr) {
		cb->pending_cr = 0;
		content(cb, (const unsigned char *) "\r", 1);
	}
	cb->pending_wsp = 0;
	if (cb->in_line)		/* a last line without CRLF gets one */
		end_of_line(cb);
	cb->empty_lines = 0;		/* trailing empty lines are ignored */
	if (cb->mode == CANON_SIMPLE && cb->length + cb->olen == 0)
		emit(cb, (const unsigned char *) "\r\n", 2);
	flush(cb);
	if (EVP_DigestFinal_ex(cb->md, digest, &dlen) != 1)
		log_panic("EVP_DigestFinal_ex failed");
}

/* canon_body_free - release a body canonicaliser */

struct canon_body *
canon_body_free(struct canon_body *cb)
{
	if (cb != NULL) {
		EVP_MD_CTX_free(cb->md);
		free(cb);
	}
	return (NULL);
}

/* canon_header_relaxed - lower-case name, one SP per WSP run, unfolded */

static void
canon_header_relaxed(const char *name, const char *value, struct buf *out)
{
	const char *p;
	int     wsp = 0, started = 0;

	for (p = name; *p && !IS_WSP(*p); p++)
		buf_putc(out, (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	buf_putc(out, ':');
	for (p = value; *p; p++) {
		if (*p == '\r' || *p == '\n')
			continue;		/* unfold */
		if (IS_WSP(*p)) {
			wsp = 1;
			continue;
		}
		if (wsp && started)
			buf_putc(out, ' ');
		wsp = 0;
		started = 1;
		buf_putc(out, *p);
	}
	buf_append(out, "\r\n", 2);
}

/* canon_header_simple - as on the wire, with CRLF folds */

static void
canon_header_simple(const char *name, const char *value, struct buf *out)
{
	const char *p;

	buf_puts(out, name);
	buf_putc(out, ':');
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, *p);
	}
	buf_append(out, "\r\n", 2);
}

/* canon_header - append one canonical header field */

void
canon_header(enum canon mode, const char *name, const char *value,
	     struct buf *out)
{
	if (mode == CANON_RELAXED)
		canon_header_relaxed(name, value, out);
	else
		canon_header_simple(name, value, out);
}

/* canon_word - one of the two words */

static int
canon_word(const char *p, size_t len, enum canon *c)
{
	if (len == 6 && strncasecmp(p, "simple", 6) == 0)
		*c = CANON_SIMPLE;
	else if (len == 7 && strncasecmp(p, "relaxed", 7) == 0)
		*c = CANON_RELAXED;
	else
		return (-1);
	return (0);
}

/* canon_parse - read "header/body" */

int
canon_parse(const char *text, enum canon *hdr, enum canon *body)
{
	const char *slash = strchr(text, '/');

	if (slash == NULL) {
		*body = CANON_SIMPLE;
		return (canon_word(text, strlen(text), hdr));
	}
	if (canon_word(text, slash - text, hdr) < 0)
		return (-1);
	return (canon_word(slash + 1, strlen(slash + 1), body));
}

/* canon_name - the c= word */

const char *
canon_name(enum canon mode)
{
	return (mode == CANON_RELAXED ? "relaxed" : "simple");
}
