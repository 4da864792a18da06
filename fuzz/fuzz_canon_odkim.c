/*++
/* NAME
/*	fuzz_canon_odkim 1
/* SUMMARY
/*	libFuzzer target: body hashes against libopendkim
/* SYNOPSIS
/*	fuzz_canon_odkim [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Takes each input as a message body as the milter receives it
/*	(every line ending made CRLF and the last line ended, as SMTP
/*	delivers it), hashes it with signet's body canonicaliser in both
/*	modes and signs a message with that body with libopendkim (a
/*	1024-bit RSA key made at start): the bh= values must be the
/*	same. Bodies go to both in chunks whose sizes come from the
/*	input.
/*
/*	Built by fuzz/build.sh only when pkg-config finds opendkim.
/* DIAGNOSTICS
/*	Aborts with both values when they differ, or when libopendkim
/*	cannot sign.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <opendkim/dkim.h>

#include "buf.h"
#include "canon.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static DKIM_LIB *lib;
static unsigned char *key;		/* PEM */

/* setup - the library and a signing key, once */

static void
setup(void)
{
	EVP_PKEY *pk = EVP_RSA_gen(1024);
	BIO    *bio = BIO_new(BIO_s_mem());
	char   *pem;
	long    n;

	if (canon_init() != 0 || pk == NULL || bio == NULL
	    || !PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL)
	    || (lib = dkim_init(NULL, NULL)) == NULL) {
		fprintf(stderr, "fuzz_canon_odkim: cannot set up OpenSSL and libopendkim\n");
		abort();
	}
	n = BIO_get_mem_data(bio, &pem);
	key = malloc((size_t) n + 1);
	memcpy(key, pem, (size_t) n);
	key[n] = 0;
	BIO_free(bio);
	EVP_PKEY_free(pk);
}

/* crlf - the body with every line ending CRLF */

static void
crlf(const uint8_t *p, size_t len, struct buf *out)
{
	size_t  i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		if (p[i] == '\r' || p[i] == '\n')
			buf_append(out, "\r\n", 2);
		else
			buf_putc(out, p[i]);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_append(out, "\r\n", 2);	/* SMTP data ends a line */
}

/* step - the size of chunk I */

static size_t
step(const uint8_t *sizes, size_t nsizes, size_t i, size_t left)
{
	size_t  n = nsizes ? (size_t) sizes[i % nsizes] % 200 + 1 : left;

	return (n < left ? n : left);
}

/* signet_bh - signet's body hash, base64 */

static void
signet_bh(enum canon mode, const struct buf *b, const uint8_t *sizes,
	  size_t nsizes, char *out)
{
	struct canon_body *cb = canon_body_create(mode);
	unsigned char d[CANON_DIGEST_LEN];
	size_t  off, n, i;

	for (off = 0, i = 0; off < b->len; off += n, i++) {
		n = step(sizes, nsizes, i, b->len - off);
		canon_body_update(cb, (const unsigned char *) b->data + off, n);
	}
	canon_body_final(cb, d);
	canon_body_free(cb);
	(void) EVP_EncodeBlock((unsigned char *) out, d, CANON_DIGEST_LEN);
}

/* odkim_bh - libopendkim's bh= for the same body */

static void
odkim_bh(dkim_canon_t mode, const struct buf *b, const uint8_t *sizes,
	 size_t nsizes, char *out, size_t outlen)
{
	static const char from[] = "From: fuzz@example.com";
	DKIM_STAT st;
	DKIM   *dkim;
	unsigned char *hdr, *bh, *end;
	size_t  hdrlen, off, n, i;

	dkim = dkim_sign(lib, (const unsigned char *) "fuzz", NULL, key,
			 (const unsigned char *) "s", (const unsigned char *) "example.com",
			 DKIM_CANON_SIMPLE, mode, DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL || dkim_set_margin(dkim, 0) != DKIM_STAT_OK
	    || dkim_header(dkim, (unsigned char *) from, sizeof(from) - 1) != DKIM_STAT_OK
	    || dkim_eoh(dkim) != DKIM_STAT_OK)
		abort();
	for (off = 0, i = 0; off < b->len; off += n, i++) {
		n = step(sizes, nsizes, i, b->len - off);
		if (dkim_body(dkim, (unsigned char *) b->data + off, n) != DKIM_STAT_OK)
			abort();
	}
	if ((st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK
	    || (st = dkim_getsighdr_d(dkim, 16, &hdr, &hdrlen)) != DKIM_STAT_OK
	    || (bh = (unsigned char *) strstr((char *) hdr, "bh=")) == NULL) {
		fprintf(stderr, "fuzz_canon_odkim: libopendkim: %s: %s\n",
			dkim_getresultstr(st), dkim_geterror(dkim) ?
			dkim_geterror(dkim) : "no bh=");
		abort();
	}
	bh += 3;
	for (end = bh; *end && *end != ';'; end++)
		;
	snprintf(out, outlen, "%.*s", (int) (end - bh), (char *) bh);
	dkim_free(dkim);
}

/* LLVMFuzzerTestOneInput - both modes, both libraries */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf b = BUF_INIT;
	char    ours[64], theirs[64];
	size_t  nsizes = len ? data[0] % 8 : 0;

	if (lib == NULL)
		setup();
	if (nsizes > len)
		nsizes = len;
	crlf(data, len, &b);
	signet_bh(CANON_SIMPLE, &b, data, nsizes, ours);
	odkim_bh(DKIM_CANON_SIMPLE, &b, data, nsizes, theirs, sizeof(theirs));
	if (strcmp(ours, theirs) != 0) {
		fprintf(stderr, "fuzz_canon_odkim: simple body: signet bh=%s, "
			"libopendkim bh=%s\n", ours, theirs);
		abort();
	}
	signet_bh(CANON_RELAXED, &b, data, nsizes, ours);
	odkim_bh(DKIM_CANON_RELAXED, &b, data, nsizes, theirs, sizeof(theirs));
	if (strcmp(ours, theirs) != 0) {
		fprintf(stderr, "fuzz_canon_odkim: relaxed body: signet bh=%s, "
			"libopendkim bh=%s\n", ours, theirs);
		abort();
	}
	buf_free(&b);
	return (0);
}
