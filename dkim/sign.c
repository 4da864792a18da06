/*++
/* NAME
/*	sign 3
/* SUMMARY
/*	build a DKIM-Signature header field
/* SYNOPSIS
/*	#include "sign.h"
/*
/*	int	dkim_sign(const struct sign_request *req,
/*			const struct msg_header *hdrs, size_t nhdrs,
/*			const unsigned char bh[CANON_DIGEST_LEN],
/*			struct buf *value, struct buf *err);
/*
/*	void	dkim_headers_hash(const struct sign_request *req,
/*			const struct msg_header *hdrs, size_t nhdrs,
/*			struct sign_headers *sh);
/*
/*	int	dkim_sign_hashed(const struct sign_request *req,
/*			const struct sign_headers *sh,
/*			const unsigned char bh[CANON_DIGEST_LEN],
/*			struct buf *value, struct buf *err);
/*
/*	void	dkim_headers_free(struct sign_headers *sh);
/*
/*	const char *dkim_alg_name(enum dkim_alg alg);
/*
/*	void	dkim_header_list(const struct sign_request *req,
/*			const struct msg_header *hdrs, size_t nhdrs,
/*			struct buf *h);
/* DESCRIPTION
/*	dkim_sign() writes to value the DKIM-Signature field value (what
/*	follows the colon, starting with a space, folded with CRLF TAB)
/*	for the message whose header fields are hdrs, in order, and whose
/*	canonical body hashes to bh (see canon(3)).
/*
/*	The h= list names every header field of the message that is in
/*	req->headers, in message order, then each name in req->oversign
/*	once more: a verifier finds no instance for that last mention,
/*	so a field of that name added later breaks the signature
/*	(RFC 6376 section 5.4.2). Of a name that occurs more than
/*	SIGN_INSTANCES_MAX times, only the last SIGN_INSTANCES_MAX are
/*	named (a verifier takes instances from the bottom up): the field
/*	stays short, as libopendkim gives up on an h= list of a few kB
/*	(10,000 To fields would make one of 30 kB). dkim_header_list()
/*	writes that list.
/*
/*	dkim_sign() is dkim_headers_hash() and dkim_sign_hashed(). The
/*	h= list and the hash of the header fields it names depend only
/*	on the fields and on req->headers, req->oversign and
/*	req->header_canon: the signatures of one message differ in their
/*	own field alone. A signer that makes several signatures with
/*	those three the same hashes the fields once with
/*	dkim_headers_hash(), makes each signature with dkim_sign_hashed()
/*	(which works on a copy of the hash and leaves sh as it was), and
/*	frees sh with dkim_headers_free().
/*
/*	rsa-sha256 signs with RSASSA-PKCS1-v1_5 over SHA-256 (RFC 6376);
/*	ed25519-sha256 signs the SHA-256 digest with pure Ed25519
/*	(RFC 8463). The key is used read-only and may be shared by threads.
/*
/*	A fresh OpenSSL signing context is fetched and set up for the
/*	key each time, with allocations and lookups in OpenSSL's shared
/*	tables: some 16,000 instructions with Ed25519 (2.7 % of the
/*	signature), 30,000 with RSA-2048 (0.5 %). A caller that signs
/*	many messages with the same keys sets req->epoch (signet-milter:
/*	the snapshot's generation), and each thread keeps a context per
/*	key (up to SIGN_CTX_MAX) for that epoch: RSA signs again with the
/*	same context (EVP_PKEY_sign() allows it), Ed25519 reinitialises
/*	its context without a key lookup. OpenSSL contexts are not shared
/*	between threads, so the contexts are the thread's, found by key:
/*	not connection state, right whichever thread serves a message.
/*	The first signature of a newer epoch in a thread drops the
/*	contexts of older ones, and with them the thread's references to
/*	retired keys; a message of an older epoch signs with a context of
/*	its own. A kept context that cannot be opened or fails is
/*	dropped, and the signature is made once more with a fresh one,
/*	whose error is the one reported. A thread's contexts go at its
/*	exit.
/* DIAGNOSTICS
/*	dkim_sign() returns 0, or -1 with the reason in err (the OpenSSL
/*	error, never key material).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "canon.h"
#include "log.h"
#include "sign.h"
#include "xalloc.h"

#define LINE_MAX_LEN	78		/* fold the field near this column */
#define SIG_MAX		1024		/* RSA-8192 */
#define SIGN_INSTANCES_MAX 10		/* of one field name, in h= */
#define SIGN_CTX_MAX	32		/* signing contexts kept per thread */

/* An OpenSSL signing context, open for one key. */
struct sign_ctx {
	EVP_PKEY *key;			/* NULL: a free slot; else held by the
					 * context, so no other key gets its
					 * address while it is kept */
	enum dkim_alg alg;
	int     used;			/* it signed already */
	EVP_PKEY_CTX *pctx;		/* rsa-sha256 */
	EVP_MD_CTX *mctx;		/* ed25519-sha256 */
};

/* The contexts one thread keeps, for the keys of one epoch. */
struct sign_cache {
	unsigned long epoch;
	size_t  next;			/* the slot to take when none is free */
	struct sign_ctx slot[SIGN_CTX_MAX];
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

/* dkim_alg_name - the a= tag value */

const char *
dkim_alg_name(enum dkim_alg alg)
{
	return (alg == ALG_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256");
}

/* name_pos - the index of name in the list, or n */

static size_t
name_pos(const char *name, char *const *list, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		if (canon_name_eq(name, list[i]))
			break;
	return (i);
}

/* dkim_header_list - the h= names, colon-separated */

void
dkim_header_list(const struct sign_request *req, const struct msg_header *hdrs,
		 size_t nhdrs, struct buf *h)
{
	size_t  i, k, n = req->nheaders;
	size_t *total = xcalloc(n + 1, sizeof(*total));
	size_t *seen = xcalloc(n + 1, sizeof(*seen));

	buf_reset(h);
	for (i = 0; i < nhdrs; i++)
		total[name_pos(hdrs[i].name, req->headers, n)]++;
	for (i = 0; i < nhdrs; i++) {
		if ((k = name_pos(hdrs[i].name, req->headers, n)) == n
		    || seen[k]++ + SIGN_INSTANCES_MAX < total[k])
			continue;			/* not signed; or not the last ones */
		if (h->len)
			buf_putc(h, ':');
		buf_puts(h, req->headers[k]);	/* the policy's name: lower case */
	}
	free(total);
	free(seen);
	for (i = 0; i < req->noversign; i++) {
		if (h->len)
			buf_putc(h, ':');
		buf_puts(h, req->oversign[i]);
	}
}

/* hash_signed_headers - hash the fields h= names, bottom-up per name */

static void
hash_signed_headers(EVP_MD_CTX *md, const struct sign_request *req,
		    const struct msg_header *hdrs, size_t nhdrs,
		    const char *hlist, struct buf *scratch)
{
	char   *used = xcalloc(nhdrs ? nhdrs : 1, 1);
	const char *p, *colon;
	size_t  len;
	ssize_t i;

	for (p = hlist; *p; p = *colon ? colon + 1 : colon) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		len = colon - p;
		for (i = (ssize_t) nhdrs - 1; i >= 0; i--) {
			if (used[i] || strlen(hdrs[i].name) != len
			    || strncasecmp(hdrs[i].name, p, len) != 0)
				continue;
			used[i] = 1;
			buf_reset(scratch);
			canon_header(req->header_canon, hdrs[i].name,
				     hdrs[i].value, scratch);
			(void) EVP_DigestUpdate(md, scratch->data, scratch->len);
			break;
		}
	}
	free(used);
}

/* fold_add - append a tag, folding before it when the line is long */

static void
fold_add(struct buf *v, size_t *col, const char *text)
{
	size_t  len = strlen(text);

	if (*col + 1 + len > LINE_MAX_LEN && *col > 1) {
		buf_puts(v, "\r\n\t");
		*col = 8;
	} else {
		buf_putc(v, ' ');
		(*col)++;
	}
	buf_puts(v, text);
	*col += len;
}

/* fold_list - append h=, folding between names */

static void
fold_list(struct buf *v, size_t *col, const char *hlist)
{
	const char *p, *colon;
	size_t  len;

	fold_add(v, col, "h=");
	for (p = hlist; *p; p = *colon ? colon + 1 : colon) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		len = colon - p + (*colon ? 1 : 0);
		if (*col + len + 1 > LINE_MAX_LEN) {
			buf_puts(v, "\r\n\t ");
			*col = 9;
		}
		buf_append(v, p, len);
		*col += len;
	}
	buf_putc(v, ';');
	(*col)++;
}

/* fold_b64 - append base64 text, folded */

static void
fold_b64(struct buf *v, size_t col, const char *b64)
{
	size_t  len = strlen(b64), n;

	while (len > 0) {
		if (col >= LINE_MAX_LEN - 8) {
			buf_puts(v, "\r\n\t ");
			col = 9;
		}
		n = LINE_MAX_LEN - col;
		if (n > len)
			n = len;
		buf_append(v, b64, n);
		b64 += n;
		len -= n;
		col += n;
	}
}

/* base64 - encode bytes */

static char *
base64(const unsigned char *p, size_t len)
{
	char   *out = xmalloc(4 * ((len + 2) / 3) + 1);

	(void) EVP_EncodeBlock((unsigned char *) out, p, (int) len);
	return (out);
}

/* build_value - the field value with an empty b= */

static size_t
build_value(const struct sign_request *req, const char *hlist,
	    const unsigned char *bh, struct buf *v)
{
	char    tag[512];
	char   *bh64;
	size_t  col = strlen("DKIM-Signature:");

	buf_reset(v);
	fold_add(v, &col, "v=1;");
	(void) snprintf(tag, sizeof(tag), "a=%s;", dkim_alg_name(req->alg));
	fold_add(v, &col, tag);
	(void) snprintf(tag, sizeof(tag), "c=%s/%s;",
		 canon_name(req->header_canon), canon_name(req->body_canon));
	fold_add(v, &col, tag);
	(void) snprintf(tag, sizeof(tag), "d=%s;", req->domain);
	fold_add(v, &col, tag);
	(void) snprintf(tag, sizeof(tag), "s=%s;", req->selector);
	fold_add(v, &col, tag);
	(void) snprintf(tag, sizeof(tag), "t=%lld;", (long long) req->timestamp);
	fold_add(v, &col, tag);
	if (req->expire > 0) {
		(void) snprintf(tag, sizeof(tag), "x=%lld;",
				(long long) req->timestamp + req->expire);
		fold_add(v, &col, tag);
	}
	fold_list(v, &col, hlist);
	bh64 = base64(bh, CANON_DIGEST_LEN);
	(void) snprintf(tag, sizeof(tag), "bh=%s;", bh64);
	free(bh64);
	fold_add(v, &col, tag);
	fold_add(v, &col, "b=");
	return (col);
}

/* ctx_clear - release a signing context; keep its slot */

static void
ctx_clear(struct sign_ctx *c)
{
	EVP_PKEY_CTX_free(c->pctx);
	EVP_MD_CTX_free(c->mctx);
	memset(c, 0, sizeof(*c));
}

/* ctx_open - a signing context for the request's key */

static int
ctx_open(struct sign_ctx *c, const struct sign_request *req)
{
	int     ok;

	c->key = req->key;
	c->alg = req->alg;
	c->used = 0;
	if (req->alg == ALG_RSA_SHA256)
		ok = (c->pctx = EVP_PKEY_CTX_new(req->key, NULL)) != NULL
			&& EVP_PKEY_sign_init(c->pctx) == 1
			&& EVP_PKEY_CTX_set_rsa_padding(c->pctx, RSA_PKCS1_PADDING) == 1
			&& EVP_PKEY_CTX_set_signature_md(c->pctx, canon_sha256()) == 1;
	else
		ok = (c->mctx = EVP_MD_CTX_new()) != NULL
			&& EVP_DigestSignInit(c->mctx, NULL, NULL, NULL, req->key) == 1;
	if (!ok)
		ctx_clear(c);
	return (ok ? 0 : -1);
}

/* ctx_sign - sign a digest with an open context */

static int
ctx_sign(struct sign_ctx *c, const unsigned char *digest,
	 unsigned char *sig, size_t *siglen)
{
	int     ok;

	if (c->alg == ALG_RSA_SHA256) {
		/* EVP_PKEY_sign() may be called again with the same parameters. */
		ok = EVP_PKEY_sign(c->pctx, sig, siglen, digest, CANON_DIGEST_LEN) == 1;
	} else {
		/* One-shot: each signature after the first reinitialises, key kept. */
		ok = (!c->used || EVP_DigestSignInit(c->mctx, NULL, NULL, NULL,
						     NULL) == 1)
			&& EVP_DigestSign(c->mctx, sig, siglen, digest,
					  CANON_DIGEST_LEN) == 1;
	}
	c->used = 1;
	return (ok ? 0 : -1);
}

/* cache_free - release a thread's contexts, at its exit */

static void
cache_free(void *ptr)
{
	struct sign_cache *sc = ptr;
	size_t  i;

	for (i = 0; i < SIGN_CTX_MAX; i++)
		ctx_clear(&sc->slot[i]);
	free(sc);
}

/* cache_key_create - the thread-specific key, once */

static void
cache_key_create(void)
{
	if (pthread_key_create(&cache_key, cache_free) != 0)
		log_fatal("cannot create a thread-specific key: %m");
}

/* cache_get - this thread's contexts, for the request's epoch */

static struct sign_cache *
cache_get(const struct sign_request *req)
{
	struct sign_cache *sc;
	size_t  i;

	(void) pthread_once(&cache_once, cache_key_create);
	if ((sc = pthread_getspecific(cache_key)) == NULL) {
		sc = xcalloc(1, sizeof(*sc));
		if (pthread_setspecific(cache_key, sc) != 0)
			log_fatal("cannot keep signing contexts: %m");
	}
	if (req->epoch > sc->epoch) {		/* a reload: retired keys go */
		for (i = 0; i < SIGN_CTX_MAX; i++)
			ctx_clear(&sc->slot[i]);
		sc->epoch = req->epoch;
	}
	return (req->epoch == sc->epoch ? sc : NULL);
}

/* cache_slot - the open context for the request's key, made if new */

static struct sign_ctx *
cache_slot(struct sign_cache *sc, const struct sign_request *req)
{
	struct sign_ctx *c, *free_slot = NULL;
	size_t  i;

	for (i = 0; i < SIGN_CTX_MAX; i++) {
		c = &sc->slot[i];
		if (c->key == req->key && c->alg == req->alg)
			return (c);
		if (c->key == NULL && free_slot == NULL)
			free_slot = c;
	}
	if ((c = free_slot) == NULL) {
		c = &sc->slot[sc->next++ % SIGN_CTX_MAX];
		ctx_clear(c);
	}
	return (ctx_open(c, req) == 0 ? c : NULL);
}

/* sign_digest - sign the header hash with the key */

static int
sign_digest(const struct sign_request *req, const unsigned char *digest,
	    unsigned char *sig, size_t *siglen)
{
	struct sign_cache *sc;
	struct sign_ctx *c, once;
	size_t  len = *siglen;
	int     ret;

	if (req->epoch != 0 && (sc = cache_get(req)) != NULL) {
		if ((c = cache_slot(sc, req)) != NULL) {
			if (ctx_sign(c, digest, sig, siglen) == 0)
				return (0);
			ctx_clear(c);		/* not kept */
		}
		ERR_clear_error();		/* the fresh try's error is told */
		*siglen = len;
	}
	memset(&once, 0, sizeof(once));
	if ((ret = ctx_open(&once, req)) == 0) {
		ret = ctx_sign(&once, digest, sig, siglen);
		ctx_clear(&once);
	}
	return (ret);
}

/* dkim_headers_hash - the h= list and the hash of the fields it names */

void
dkim_headers_hash(const struct sign_request *req, const struct msg_header *hdrs,
		  size_t nhdrs, struct sign_headers *sh)
{
	struct buf scratch = BUF_INIT;

	buf_init(&sh->hlist);
	dkim_header_list(req, hdrs, nhdrs, &sh->hlist);
	if ((sh->md = EVP_MD_CTX_new()) == NULL
	    || EVP_DigestInit_ex(sh->md, canon_sha256(), NULL) != 1)
		log_fatal("cannot start a SHA-256 digest (out of memory?)");
	hash_signed_headers(sh->md, req, hdrs, nhdrs,
			    sh->hlist.data ? sh->hlist.data : "", &scratch);
	buf_free(&scratch);
}

/* dkim_headers_free - release what dkim_headers_hash() made */

void
dkim_headers_free(struct sign_headers *sh)
{
	buf_free(&sh->hlist);
	EVP_MD_CTX_free(sh->md);
	sh->md = NULL;
}

/* dkim_sign_hashed - the field value, with the header fields hashed */

int
dkim_sign_hashed(const struct sign_request *req, const struct sign_headers *sh,
		 const unsigned char *bh, struct buf *value, struct buf *err)
{
	struct buf scratch = BUF_INIT;
	unsigned char digest[CANON_DIGEST_LEN], sig[SIG_MAX];
	unsigned int dlen = sizeof(digest);
	size_t  siglen = sizeof(sig), col;
	EVP_MD_CTX *md;
	char   *b64;
	int     ret = -1;

	col = build_value(req, sh->hlist.data ? sh->hlist.data : "", bh, value);
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_MD_CTX_copy_ex(md, sh->md) != 1)
		log_fatal("cannot copy a SHA-256 digest (out of memory?)");
	/* The signature field itself, empty b=, no trailing CRLF. */
	canon_header(req->header_canon, "DKIM-Signature", value->data, &scratch);
	(void) EVP_DigestUpdate(md, scratch.data, scratch.len - 2);
	(void) EVP_DigestFinal_ex(md, digest, &dlen);
	EVP_MD_CTX_free(md);

	if (sign_digest(req, digest, sig, &siglen) < 0) {
		buf_printf(err, "%s signing failed for d=%s s=%s: %s",
			   dkim_alg_name(req->alg), req->domain, req->selector,
			   ERR_reason_error_string(ERR_get_error()));
		ERR_clear_error();
	} else {
		b64 = base64(sig, siglen);
		fold_b64(value, col, b64);
		free(b64);
		ret = 0;
	}
	buf_free(&scratch);
	return (ret);
}

/* dkim_sign - make the DKIM-Signature field value */

int
dkim_sign(const struct sign_request *req, const struct msg_header *hdrs,
	  size_t nhdrs, const unsigned char *bh, struct buf *value,
	  struct buf *err)
{
	struct sign_headers sh;
	int     ret;

	dkim_headers_hash(req, hdrs, nhdrs, &sh);
	ret = dkim_sign_hashed(req, &sh, bh, value, err);
	dkim_headers_free(&sh);
	return (ret);
}
