/*++
/* NAME
/*	fuzz_canon 1
/* SUMMARY
/*	libFuzzer target: DKIM header and body canonicalisation
/* SYNOPSIS
/*	fuzz_canon [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Splits each input at the first empty line (as a message) or,
/*	without one, at a byte the input chooses, into header and body.
/*	Every header field goes through canon_header() in both modes;
/*	the relaxed form canonicalised again must not change, and the
/*	simple form must carry no bare LF. The body is hashed in both
/*	modes once in one piece and once in chunks whose sizes come
/*	from the input (1 byte up, crossing every CR, LF and white space
/*	boundary sooner or later): the digests and lengths must agree.
/* DIAGNOSTICS
/*	Aborts, with both results, when an invariant does not hold.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "canon.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fail - report a broken invariant and stop */

static void
fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
	fprintf(stderr, "fuzz_canon: %s\n  got:  \"%.*s\"\n  want: \"%.*s\"\n",
		what, (int) alen, a, (int) blen, b);
	abort();
}

/* check_relaxed - the relaxed form of a relaxed field is itself */

static void
check_relaxed(const struct buf *once)
{
	struct buf twice = BUF_INIT, name = BUF_INIT, value = BUF_INIT;
	const char *colon = memchr(once->data, ':', once->len);

	if (once->len < 3 || colon == NULL
	    || memcmp(once->data + once->len - 2, "\r\n", 2) != 0)
		fail("relaxed field is not NAME:VALUE CRLF", once->data,
		     once->len, "", 0);
	buf_append(&name, once->data, (size_t) (colon - once->data));
	buf_append(&value, colon + 1, once->len - 2 - (size_t) (colon + 1 - once->data));
	canon_header(CANON_RELAXED, name.data, value.data, &twice);
	if (twice.len != once->len || memcmp(twice.data, once->data, once->len))
		fail("relaxed canonicalisation is not idempotent", twice.data,
		     twice.len, once->data, once->len);
	buf_free(&twice);
	buf_free(&name);
	buf_free(&value);
}

/* check_simple - simple form: every LF is part of a CRLF */

static void
check_simple(const struct buf *out)
{
	size_t  i;

	for (i = 0; i < out->len; i++)
		if (out->data[i] == '\n' && (i == 0 || out->data[i - 1] != '\r'))
			fail("simple canonicalisation left a bare LF", out->data,
			     out->len, "", 0);
}

/* one_field - canonicalise NAME: VALUE both ways */

static void
one_field(const char *name, const char *value)
{
	struct buf out = BUF_INIT;

	canon_header(CANON_RELAXED, name, value, &out);
	check_relaxed(&out);
	buf_reset(&out);
	canon_header(CANON_SIMPLE, name, value, &out);
	check_simple(&out);
	buf_free(&out);
}

/* headers - each field of HDR (folded lines join the field before) */

static void
headers(const char *hdr, size_t len)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	size_t  start = 0, end, colon, i;

	while (start < len) {
		for (end = start; end < len; end++)
			if (hdr[end] == '\n' && (end + 1 >= len
				 || (hdr[end + 1] != ' ' && hdr[end + 1] != '\t')))
				break;
		for (colon = start; colon < end && hdr[colon] != ':'; colon++)
			;
		buf_reset(&name);
		buf_reset(&value);
		/* A field name never holds a line break: libmilter splits there. */
		for (i = start; i < colon; i++)
			if (hdr[i] != '\r' && hdr[i] != '\n')
				buf_putc(&name, hdr[i]);
		if (colon < end)
			buf_append(&value, hdr + colon + 1, end - colon - 1);
		else
			buf_puts(&value, "");
		if (value.len > 0 && value.data[value.len - 1] == '\r')
			value.data[--value.len] = 0;
		one_field(name.data ? name.data : "", value.data);
		start = end + 1;
	}
	buf_free(&name);
	buf_free(&value);
}

/* body_digest - hash BODY with MODE in chunks from SIZES (NULL: whole) */

static unsigned long long
body_digest(enum canon mode, const uint8_t *body, size_t len,
	    const uint8_t *sizes, size_t nsizes, unsigned char *digest)
{
	struct canon_body *cb = canon_body_create(mode);
	unsigned long long canon_len;
	size_t  off = 0, n, i = 0;

	while (off < len) {
		n = sizes ? (size_t) (nsizes ? sizes[i++ % nsizes] % 64 + 1 : 1) : len;
		if (n > len - off)
			n = len - off;
		canon_body_update(cb, body + off, n);
		off += n;
	}
	canon_body_final(cb, digest);
	canon_len = cb->length;
	canon_body_free(cb);
	return (canon_len);
}

/* body - streamed and one-shot digests must agree */

static void
body(const uint8_t *p, size_t len, const uint8_t *sizes, size_t nsizes)
{
	static const enum canon modes[] = {CANON_SIMPLE, CANON_RELAXED};
	unsigned char one[CANON_DIGEST_LEN], streamed[CANON_DIGEST_LEN];
	unsigned long long len1, len2;
	size_t  m;

	for (m = 0; m < 2; m++) {
		len1 = body_digest(modes[m], p, len, NULL, 0, one);
		len2 = body_digest(modes[m], p, len, sizes, nsizes, streamed);
		if (len1 != len2 || memcmp(one, streamed, sizeof(one)) != 0) {
			fprintf(stderr, "fuzz_canon: %s body: one piece %llu bytes, "
				"in chunks %llu bytes, digests %s\n",
				canon_name(modes[m]), len1, len2,
				memcmp(one, streamed, sizeof(one)) ? "differ" : "agree");
			abort();
		}
	}
}

/* LLVMFuzzerTestOneInput - split, then check headers and body */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int ready;
	const uint8_t *blank;
	char   *hdr;
	size_t  split, hlen;

	if (!ready) {
		if (canon_init() != 0)
			abort();
		ready = 1;
	}
	if (len == 0)
		return (0);
	if ((blank = memmem(data, len, "\n\r\n", 3)) != NULL
	    || (blank = memmem(data, len, "\n\n", 2)) != NULL)
		split = (size_t) (blank - data) + 1;
	else
		split = data[0] % len;
	/* Header text stops at a NUL, as a C string does. */
	hlen = strnlen((const char *) data, split);
	hdr = malloc(hlen + 1);
	memcpy(hdr, data, hlen);
	hdr[hlen] = 0;
	headers(hdr, hlen);
	free(hdr);
	/* The header bytes choose the chunk sizes for the body. */
	body(data + split, len - split, data, split);
	return (0);
}
