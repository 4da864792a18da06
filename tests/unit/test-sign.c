/*++
/* NAME
/*	test-sign 1
/* SUMMARY
/*	DKIM-Signature construction tests
/* DESCRIPTION
/*	The h= list (message order, repeated fields, oversigning), the
/*	tags and their folding, x=, and that each signature verifies with
/*	OpenSSL over the data RFC 6376 section 3.7 says is signed, built
/*	here independently of the signer. Independent DKIM verifiers
/*	(libopendkim, dkimpy, mailauth) check the signer in reference.sh.
/*	The signing contexts a thread keeps per key and epoch sign as
/*	fresh ones do: the same signatures, across epochs, with more keys
/*	than slots, and from several threads at once.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "canon.h"
#include "sign.h"
#include "test.h"

static struct msg_header hdrs[] = {
	{"Received", " from a by b"},
	{"From", " Alice <alice@example.com>"},
	{"To", " bob@example.net"},
	{"Subject", " hello\r\n world"},
	{"To", " carol@example.net"},
	{"X-Mailer", " test"},
};
#define NHDRS (sizeof(hdrs) / sizeof(*hdrs))

static char *sign_names[] = {"from", "to", "subject", "date"};
static char *over_names[] = {"from", "date"};

/* request - a request for the test message */

static void
request(struct sign_request *req, enum dkim_alg alg, EVP_PKEY *key)
{
	memset(req, 0, sizeof(*req));
	req->domain = "example.com";
	req->selector = "sel";
	req->alg = alg;
	req->key = key;
	req->header_canon = CANON_RELAXED;
	req->body_canon = CANON_RELAXED;
	req->headers = sign_names;
	req->nheaders = 4;
	req->oversign = over_names;
	req->noversign = 2;
	req->timestamp = 1700000000;
}

static void
test_header_list(void)
{
	struct sign_request req;
	struct buf h = BUF_INIT;

	test_begin("h= lists fields in message order, then oversigned ones");
	request(&req, ALG_RSA_SHA256, NULL);
	dkim_header_list(&req, hdrs, NHDRS, &h);
	test_assert_str(h.data, "from:to:subject:to:from:date");
	buf_free(&h);
	test_end();
}

static void
test_header_list_cap(void)
{
	struct msg_header many[30];
	struct sign_request req;
	struct buf h = BUF_INIT;
	size_t  i;

	test_begin("h= names only the last 10 of 30 To fields");
	for (i = 0; i < 30; i++) {
		many[i].name = i == 20 ? "From" : "To";
		many[i].value = " x@example.net";
	}
	request(&req, ALG_RSA_SHA256, NULL);
	dkim_header_list(&req, many, 30, &h);
	test_assert_str(h.data, "to:from:to:to:to:to:to:to:to:to:to:from:date");
	buf_free(&h);
	test_end();
}

/* unfold - the value on one line, folds removed */

static char *
unfold(const char *v)
{
	char   *out = malloc(strlen(v) + 1), *q = out;

	for (; *v; v++)
		if (*v != '\r' && *v != '\n')
			*q++ = *v == '\t' ? ' ' : *v;
	*q = 0;
	return (out);
}

/* tag - the value of one tag of an unfolded signature */

static char *
tag(const char *sig, const char *name)
{
	char    key[16];
	const char *p, *e;
	char   *out, *q;

	(void) snprintf(key, sizeof(key), " %s=", name);
	if ((p = strstr(sig, key)) == NULL)
		return (NULL);
	p += strlen(key);
	e = strchr(p, ';') ? strchr(p, ';') : p + strlen(p);
	out = q = malloc(e - p + 1);
	for (; p < e; p++)
		if (*p != ' ')
			*q++ = *p;
	*q = 0;
	return (out);
}

/* signed_data - RFC 6376 3.7 header hash input, built independently */

static void
signed_data(const struct buf *value, struct buf *data)
{
	/* h=from:to:subject:to:from:date, bottom-up per name */
	static const int order[] = {1, 4, 3, 2};
	char   *copy = strdup(value->data), *b;
	size_t  i;

	buf_reset(data);
	for (i = 0; i < sizeof(order) / sizeof(*order); i++)
		canon_header(CANON_RELAXED, hdrs[order[i]].name,
			     hdrs[order[i]].value, data);
	b = strstr(copy, "b=");
	while (b && b > copy && b[-1] != ' ' && b[-1] != '\t')
		b = strstr(b + 1, "b=");
	b[2] = 0;			/* keep "b=", drop its value */
	canon_header(CANON_RELAXED, "DKIM-Signature", copy, data);
	data->len -= 2;			/* no CRLF after the signature field */
	free(copy);
}

/* verify - check the b= of a signature with OpenSSL */

static int
verify(EVP_PKEY *key, enum dkim_alg alg, const struct buf *value)
{
	struct buf data = BUF_INIT;
	unsigned char digest[32], sig[1024];
	unsigned int dlen;
	char   *flat = unfold(value->data), *b = tag(flat, "b");
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *mctx;
	int     siglen, ok;

	signed_data(value, &data);
	(void) EVP_Digest(data.data, data.len, digest, &dlen, EVP_sha256(), NULL);
	siglen = EVP_DecodeBlock(sig, (unsigned char *) b, (int) strlen(b));
	while (siglen > 0 && b[strlen(b) - 1] == '=' && (b[strlen(b) - 1] = 0, 1))
		siglen--;
	if (alg == ALG_RSA_SHA256) {
		pctx = EVP_PKEY_CTX_new(key, NULL);
		ok = EVP_PKEY_verify_init(pctx) == 1
			&& EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1
			&& EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1
			&& EVP_PKEY_verify(pctx, sig, siglen, digest, 32) == 1;
		EVP_PKEY_CTX_free(pctx);
	} else {
		mctx = EVP_MD_CTX_new();
		ok = EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, key) == 1
			&& EVP_DigestVerify(mctx, sig, siglen, digest, 32) == 1;
		EVP_MD_CTX_free(mctx);
	}
	buf_free(&data);
	free(flat);
	free(b);
	return (ok);
}

/* check_signature - tags, folding and b= of one algorithm */

static void
check_signature(enum dkim_alg alg, EVP_PKEY *key)
{
	struct sign_request req;
	struct buf value = BUF_INIT, err = BUF_INIT;
	unsigned char bh[CANON_DIGEST_LEN];
	char   *flat, *line, *save = NULL, *copy, *v;
	size_t  first = 1;

	memset(bh, 0x5a, sizeof(bh));
	request(&req, alg, key);
	req.expire = 86400;
	test_assert_int(dkim_sign(&req, hdrs, NHDRS, bh, &value, &err), 0);
	flat = unfold(value.data);
	test_assert_str((v = tag(flat, "a")), dkim_alg_name(alg)); free(v);
	test_assert_str((v = tag(flat, "d")), "example.com"); free(v);
	test_assert_str((v = tag(flat, "s")), "sel"); free(v);
	test_assert_str((v = tag(flat, "c")), "relaxed/relaxed"); free(v);
	test_assert_str((v = tag(flat, "t")), "1700000000"); free(v);
	test_assert_str((v = tag(flat, "x")), "1700086400"); free(v);
	test_assert_str((v = tag(flat, "h")), "from:to:subject:to:from:date"); free(v);
	test_assert_str((v = tag(flat, "bh")),
		"WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="); free(v);
	/* Every line of the field fits in 78 columns. */
	copy = strdup(value.data);
	for (line = strtok_r(copy, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save), first = 0)
		test_assert(strlen(line) + (first ? strlen("DKIM-Signature:") : 0) <= 78);
	free(copy);
	test_assert(verify(key, alg, &value));
	/* A changed header must not verify. */
	hdrs[3].value = " hello world!";
	test_assert(!verify(key, alg, &value));
	hdrs[3].value = " hello\r\n world";
	free(flat);
	buf_free(&value);
	buf_free(&err);
}

static void
test_rsa(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);

	test_begin("rsa-sha256 signature: tags, folding, verifies");
	check_signature(ALG_RSA_SHA256, key);
	EVP_PKEY_free(key);
	test_end();
}

static void
test_ed25519(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	test_begin("ed25519-sha256 signature: tags, folding, verifies");
	check_signature(ALG_ED25519_SHA256, key);
	EVP_PKEY_free(key);
	test_end();
}

static void
test_shared_hash(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct buf v1 = BUF_INIT, v2 = BUF_INIT, v3 = BUF_INIT, err = BUF_INIT;
	struct sign_request req;
	struct sign_headers sh;
	unsigned char bh[CANON_DIGEST_LEN];

	test_begin("one header hash serves an RSA, an Ed25519 and an RSA signature");
	memset(bh, 0x5a, sizeof(bh));
	request(&req, ALG_RSA_SHA256, rsa);
	dkim_headers_hash(&req, hdrs, NHDRS, &sh);
	test_assert_int(dkim_sign_hashed(&req, &sh, bh, &v1, &err), 0);
	request(&req, ALG_ED25519_SHA256, ed);
	test_assert_int(dkim_sign_hashed(&req, &sh, bh, &v2, &err), 0);
	request(&req, ALG_RSA_SHA256, rsa);
	req.selector = "other";
	test_assert_int(dkim_sign_hashed(&req, &sh, bh, &v3, &err), 0);
	dkim_headers_free(&sh);
	test_assert(verify(rsa, ALG_RSA_SHA256, &v1));
	test_assert(verify(ed, ALG_ED25519_SHA256, &v2));
	test_assert(verify(rsa, ALG_RSA_SHA256, &v3));
	/* Each signature covers its own field: b= of one is not the other's. */
	test_assert(strstr(v3.data, "s=other;") != NULL);
	buf_free(&v1);
	buf_free(&v2);
	buf_free(&v3);
	buf_free(&err);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	test_end();
}

/* sign_value - the test message's field value, or NULL */

static char *
sign_value(enum dkim_alg alg, EVP_PKEY *key, unsigned long epoch)
{
	struct sign_request req;
	struct buf value = BUF_INIT, err = BUF_INIT;
	unsigned char bh[CANON_DIGEST_LEN];
	char   *out = NULL;

	memset(bh, 0x5a, sizeof(bh));
	request(&req, alg, key);
	req.epoch = epoch;
	if (dkim_sign(&req, hdrs, NHDRS, bh, &value, &err) == 0)
		out = strdup(value.data);
	buf_free(&value);
	buf_free(&err);
	return (out);
}

/* same_as - v is want; frees v */

static int
same_as(char *v, const char *want)
{
	int     same = v != NULL && strcmp(v, want) == 0;

	free(v);
	return (same);
}

#define NKEYS	40			/* more than a thread keeps */

static void
test_kept_contexts(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
	EVP_PKEY *ed[NKEYS];
	char   *want_rsa, *want_ed[NKEYS];
	struct buf v = BUF_INIT;
	int     i, pass;

	test_begin("kept contexts sign as fresh ones: again, across epochs, "
		   "with more keys than slots");
	for (i = 0; i < NKEYS; i++)
		ed[i] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	/* Both algorithms sign deterministically: equal values, same key. */
	want_rsa = sign_value(ALG_RSA_SHA256, rsa, 0);
	for (i = 0; i < NKEYS; i++)
		want_ed[i] = sign_value(ALG_ED25519_SHA256, ed[i], 0);
	test_assert(want_rsa != NULL && want_ed[0] != NULL);
	buf_puts(&v, want_rsa);
	test_assert(verify(rsa, ALG_RSA_SHA256, &v));
	buf_reset(&v);
	buf_puts(&v, want_ed[0]);
	test_assert(verify(ed[0], ALG_ED25519_SHA256, &v));
	for (i = 0; i < 3; i++) {
		test_assert(same_as(sign_value(ALG_RSA_SHA256, rsa, 1), want_rsa));
		test_assert(same_as(sign_value(ALG_ED25519_SHA256, ed[0], 1),
				    want_ed[0]));
	}
	/* A newer epoch drops the kept contexts; an older one signs alone. */
	test_assert(same_as(sign_value(ALG_RSA_SHA256, rsa, 2), want_rsa));
	test_assert(same_as(sign_value(ALG_RSA_SHA256, rsa, 1), want_rsa));
	test_assert(same_as(sign_value(ALG_ED25519_SHA256, ed[0], 1), want_ed[0]));
	test_assert(same_as(sign_value(ALG_RSA_SHA256, rsa, 2), want_rsa));
	/* Forty keys through the slots, twice: taken slots are reopened. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < NKEYS; i++)
			test_assert(same_as(sign_value(ALG_ED25519_SHA256, ed[i], 3),
					    want_ed[i]));
	free(want_rsa);
	for (i = 0; i < NKEYS; i++) {
		free(want_ed[i]);
		EVP_PKEY_free(ed[i]);
	}
	EVP_PKEY_free(rsa);
	buf_free(&v);
	test_end();
}

struct signer {
	EVP_PKEY *rsa, *ed;
	const char *want_rsa, *want_ed;
	int     bad;
};

/* signer_main - sign with both keys, over and over */

static void *
signer_main(void *arg)
{
	struct signer *s = arg;
	int     i;

	for (i = 0; i < 60; i++) {
		if (i % 6 == 0 && !same_as(sign_value(ALG_RSA_SHA256, s->rsa, 5),
					   s->want_rsa))
			s->bad++;
		if (!same_as(sign_value(ALG_ED25519_SHA256, s->ed, 5), s->want_ed))
			s->bad++;
	}
	return (NULL);
}

static void
test_kept_contexts_threads(void)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct signer s[4];
	pthread_t tid[4];
	char   *want_rsa, *want_ed;
	int     i;

	test_begin("four threads sign with the same keys, each with its own contexts");
	want_rsa = sign_value(ALG_RSA_SHA256, rsa, 0);
	want_ed = sign_value(ALG_ED25519_SHA256, ed, 0);
	test_assert(want_rsa != NULL && want_ed != NULL);
	for (i = 0; i < 4; i++) {
		s[i].rsa = rsa;
		s[i].ed = ed;
		s[i].want_rsa = want_rsa;
		s[i].want_ed = want_ed;
		s[i].bad = 0;
		test_assert_int(pthread_create(&tid[i], NULL, signer_main, &s[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		(void) pthread_join(tid[i], NULL);
		test_assert_int(s[i].bad, 0);
	}
	free(want_rsa);
	free(want_ed);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_header_list,
		test_header_list_cap,
		test_rsa,
		test_ed25519,
		test_shared_hash,
		test_kept_contexts,
		test_kept_contexts_threads,
		NULL
	};

	if (canon_init() < 0)
		return (99);
	return (test_run(tests));
}
