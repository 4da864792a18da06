/*++
/* NAME
/*	test-canon 1
/* SUMMARY
/*	canonicalisation tests
/* DESCRIPTION
/*	RFC 6376 section 3.4.5 examples, the known digests of empty
/*	bodies, and streaming: every split of a body into two chunks,
/*	and byte-at-a-time, must hash like the whole body at once.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "canon.h"
#include "test.h"

/* b64 - base64 of a digest, for readable comparisons */

static const char *
b64(const unsigned char *d)
{
	static char out[64];

	(void) EVP_EncodeBlock((unsigned char *) out, d, CANON_DIGEST_LEN);
	return (out);
}

/* body_hash - digest of a body given in chunks of size step (0: whole) */

static const char *
body_hash(enum canon mode, const char *body, size_t len, size_t step)
{
	struct canon_body *cb = canon_body_create(mode);
	unsigned char d[CANON_DIGEST_LEN];
	size_t  off, n;

	if (step == 0)
		step = len ? len : 1;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		canon_body_update(cb, (const unsigned char *) body + off, n);
	}
	canon_body_final(cb, d);
	canon_body_free(cb);
	return (b64(d));
}

/* text_hash - digest of text given as the expected canonical form */

static const char *
text_hash(const char *text)
{
	unsigned char d[CANON_DIGEST_LEN];
	unsigned int dlen;

	(void) EVP_Digest(text, strlen(text), d, &dlen, canon_sha256(), NULL);
	return (b64(d));
}

static void
test_rfc_example_body(void)
{
	static const char body[] = " C \r\nD \t E\r\n\r\n\r\n";
	char    want[64];

	test_begin("RFC 6376 3.4.5 body, relaxed and simple");
	strcpy(want, text_hash(" C\r\nD E\r\n"));
	test_assert_str(body_hash(CANON_RELAXED, body, strlen(body), 0), want);
	strcpy(want, text_hash(" C \r\nD \t E\r\n"));
	test_assert_str(body_hash(CANON_SIMPLE, body, strlen(body), 0), want);
	test_end();
}

static void
test_rfc_example_headers(void)
{
	struct buf out = BUF_INIT;

	test_begin("RFC 6376 3.4.5 headers, relaxed and simple");
	canon_header(CANON_RELAXED, "A", " X", &out);
	canon_header(CANON_RELAXED, "B ", " Y\t\r\n\tZ  ", &out);
	test_assert_str(out.data, "a:X\r\nb:Y Z\r\n");
	buf_reset(&out);
	canon_header(CANON_SIMPLE, "B ", " Y\t\n\tZ  ", &out);
	test_assert_str(out.data, "B : Y\t\r\n\tZ  \r\n");
	buf_free(&out);
	test_end();
}

/* header_is - canon_header() appends want to a buffer holding prefix */

static void
header_is(enum canon mode, const char *name, const char *value,
	  const char *prefix, const char *want)
{
	struct buf out = BUF_INIT;

	buf_puts(&out, prefix);
	canon_header(mode, name, value, &out);
	test_assert_str(out.data, want);
	test_assert_int(out.len, strlen(want));
	buf_free(&out);
}

/* Long fields appended to a buffer that holds text already: the buffer
   grows as needed, and what was there stays. */

static void
test_long_headers(void)
{
	struct buf value = BUF_INIT, want = BUF_INIT;
	int     i;

	test_begin("long header fields appended to a buffer");
	buf_puts(&want, "before\r\nsubject:");
	for (i = 0; i < 2000; i++) {
		buf_puts(&value, " w  \t x\r\n\t");
		buf_puts(&want, i ? " w x" : "w x");
	}
	buf_puts(&value, "end \t ");
	buf_puts(&want, " end\r\n");
	header_is(CANON_RELAXED, "SUBJECT", value.data, "before\r\n", want.data);

	buf_reset(&value);
	buf_reset(&want);
	buf_puts(&want, "X:");
	for (i = 0; i < 3000; i++) {
		buf_puts(&value, "\n");	/* a bare LF becomes CRLF */
		buf_puts(&want, "\r\n");
	}
	buf_puts(&want, "\r\n");
	header_is(CANON_SIMPLE, "X", value.data, "", want.data);
	buf_free(&value);
	buf_free(&want);
	test_end();
}

static void
test_empty_bodies(void)
{
	test_begin("empty bodies (RFC 6376 3.4.3, 3.4.4)");
	/* The digests every DKIM implementation publishes for these. */
	test_assert_str(body_hash(CANON_SIMPLE, "", 0, 0),
			"frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	test_assert_str(body_hash(CANON_RELAXED, "", 0, 0),
			"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	test_assert_str(body_hash(CANON_SIMPLE, "\r\n\r\n", 4, 0),
			"frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	test_assert_str(body_hash(CANON_RELAXED, " \t\r\n\r\n", 6, 0),
			"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	test_end();
}

struct body_case {
	const char *in;
	const char *relaxed;
	const char *simple;
};

static const struct body_case body_cases[] = {
	{"no final CRLF", "no final CRLF\r\n", "no final CRLF\r\n"},
	{"trailing  \t\r\n", "trailing\r\n", "trailing  \t\r\n"},
	{"a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n", "a\r\n\r\n\r\nb\r\n"},
	{"  lead\r\n", " lead\r\n", "  lead\r\n"},
	{"x\ry\r\n", "x\ry\r\n", "x\ry\r\n"},		/* lone CR is content */
	{"x\ny\r\n", "x\r\ny\r\n", "x\r\ny\r\n"},	/* lone LF ends a line */
	{"a  \n\n\nb \n\n", "a\r\n\r\n\r\nb\r\n", "a  \r\n\r\n\r\nb \r\n"},
	{"end with CR\r", "end with CR\r\r\n", "end with CR\r\r\n"},
	{"wsp \r\n \r\n", "wsp\r\n", "wsp \r\n \r\n"},
	{"a \r b\r\n", "a \r b\r\n", "a \r b\r\n"},
	{"tab\tand  two\r\n", "tab and two\r\n", "tab\tand  two\r\n"},
	{"last line  ", "last line\r\n", "last line  \r\n"},
	{"\r\n\r\nx", "\r\n\r\nx\r\n", "\r\n\r\nx\r\n"},
	{"8bit \xc3\xa9t\xc3\xa9 \r\n", "8bit \xc3\xa9t\xc3\xa9\r\n",
	"8bit \xc3\xa9t\xc3\xa9 \r\n"},
};

static void
test_body_cases(void)
{
	const struct body_case *c;
	char    want[64];

	test_begin("body canonicalisation cases");
	for (c = body_cases; c < body_cases + sizeof(body_cases) / sizeof(*c); c++) {
		strcpy(want, text_hash(c->relaxed));
		test_assert_str(body_hash(CANON_RELAXED, c->in, strlen(c->in), 0), want);
		strcpy(want, text_hash(c->simple));
		test_assert_str(body_hash(CANON_SIMPLE, c->in, strlen(c->in), 0), want);
	}
	test_end();
}

/* split_same - every two-chunk split and 1-byte chunks hash alike */

static void
split_same(enum canon mode, const char *body)
{
	struct canon_body *cb;
	unsigned char d[CANON_DIGEST_LEN];
	size_t  len = strlen(body), cut;
	char    want[64];

	strcpy(want, body_hash(mode, body, len, 0));
	test_assert_str(body_hash(mode, body, len, 1), want);
	for (cut = 0; cut <= len; cut++) {
		cb = canon_body_create(mode);
		canon_body_update(cb, (const unsigned char *) body, cut);
		canon_body_update(cb, (const unsigned char *) body + cut, len - cut);
		canon_body_final(cb, d);
		canon_body_free(cb);
		if (strcmp(b64(d), want) != 0) {
			printf("  split at %zu differs (%s)\n", cut, canon_name(mode));
			test_failures++;
		}
	}
}

static void
test_streaming(void)
{
	static const char *bodies[] = {
		" C \r\nD \t E\r\n\r\n\r\n",
		"a  b\t \r\n\r\n \r\nc\r\r\n\r",
		"x \r\n \r\n\t\r\ny z \r\n\r\n",
		"\r\n\r\n\r\n",
		"no end  ",
	};
	size_t  i;

	test_begin("streaming: any chunking hashes alike");
	for (i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		split_same(CANON_RELAXED, bodies[i]);
		split_same(CANON_SIMPLE, bodies[i]);
	}
	test_end();
}

/* naive_body - RFC 6376 3.4.3 or 3.4.4 on a whole body, line by line:
   CRLF or a lone LF ends a line, a lone CR is content */

static void
naive_body(enum canon mode, const char *in, size_t len, struct buf *out)
{
	struct buf l = BUF_INIT;
	size_t  i = 0, j, empty = 0;
	int     end;

	while (i < len) {
		buf_reset(&l);
		for (; i < len && in[i] != '\n'
		     && !(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'); i++) {
			if (mode == CANON_SIMPLE || (in[i] != ' ' && in[i] != '\t'))
				buf_putc(&l, in[i]);
			else if (l.len == 0 || l.data[l.len - 1] != ' ' || i == 0
				 || (in[i - 1] != ' ' && in[i - 1] != '\t'))
				buf_putc(&l, ' ');
		}
		end = i < len;
		i += (i < len && in[i] == '\r') ? 2 : end;
		if (mode == CANON_RELAXED)
			for (j = l.len; j > 0 && l.data[j - 1] == ' '; j--)
				l.len--;
		if (l.len == 0) {
			empty++;
			continue;
		}
		for (; empty > 0; empty--)
			buf_puts(out, "\r\n");
		buf_append(out, l.data, l.len);
		buf_puts(out, "\r\n");
	}
	if (mode == CANON_SIMPLE && out->len == 0)
		buf_puts(out, "\r\n");
	buf_free(&l);
}

static void
test_whitespace_offsets(void)
{
	static const char *const runs[] = {"  ", " \t", "\t", " \r\n", "  \r\n",
	" ", "\r\n\r\n"};
	struct buf body = BUF_INIT, want = BUF_INIT;
	char    expect[64];
	size_t  k, r, step;

	test_begin("whitespace at every offset of the 64-byte scan");
	for (k = 0; k < 40; k++) {
		for (r = 0; r < sizeof(runs) / sizeof(*runs); r++) {
			buf_reset(&body);
			buf_reset(&want);
			for (step = 0; step < k; step++)
				buf_putc(&body, 'a' + step % 26);
			buf_puts(&body, runs[r]);
			buf_puts(&body, "0123456789abcdefghij klmnop qrstuv wxyz  end \r\n");
			naive_body(CANON_RELAXED, body.data, body.len, &want);
			strcpy(expect, text_hash(want.data));
			for (step = 0; step <= 33; step += 11)
				if (strcmp(body_hash(CANON_RELAXED, body.data, body.len,
						     step), expect) != 0) {
					printf("  offset %zu, run %zu, chunks of %zu differ\n",
					       k, r, step);
					test_failures++;
				}
		}
	}
	buf_free(&body);
	buf_free(&want);
	test_end();
}

static void
test_large_body(void)
{
	struct canon_body *cb = canon_body_create(CANON_RELAXED);
	unsigned char d[CANON_DIGEST_LEN];
	static const char line[] = "The quick brown fox  jumps over the lazy dog \r\n";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	static const char canon[] = "The quick brown fox jumps over the lazy dog\r\n";
	unsigned char w[CANON_DIGEST_LEN];
	unsigned int wl;
	char    want[64];
	int     i;

	test_begin("10 MB body in line-sized chunks, fixed memory");
	(void) EVP_DigestInit_ex(md, canon_sha256(), NULL);
	for (i = 0; i < 10 * 1024 * 1024 / (int) (sizeof(line) - 1); i++) {
		canon_body_update(cb, (const unsigned char *) line, sizeof(line) - 1);
		(void) EVP_DigestUpdate(md, canon, sizeof(canon) - 1);
	}
	canon_body_final(cb, d);
	(void) EVP_DigestFinal_ex(md, w, &wl);
	strcpy(want, b64(w));
	test_assert_str(b64(d), want);
	test_assert(sizeof(*cb) < 20000);
	EVP_MD_CTX_free(md);
	canon_body_free(cb);
	test_end();
}

/* text_hash_len - digest of len bytes */

static const char *
text_hash_len(const char *text, size_t len)
{
	unsigned char d[CANON_DIGEST_LEN];
	unsigned int dlen;

	(void) EVP_Digest(text, len, d, &dlen, canon_sha256(), NULL);
	return (b64(d));
}

static void
test_random_bodies(void)
{
	static const char *const pieces[] = {"a", "bc", "defghij", "klmnopqrstuvwxyz01234",
	" ", " ", "  ", "\t", "\r\n", "\r\n", "\n", "\r", "\r\n\r\n", " \r\n"};
	static const size_t steps[] = {0, 1, 7, 64, 65, 300};
	struct buf body = BUF_INIT, want = BUF_INIT;
	unsigned long seed = 1;
	char    expect[64];
	size_t  i, k, s, target;
	int     m;

	test_begin("random bodies hash like a line-by-line canonicaliser");
	for (i = 0; i < 3000; i++) {
		buf_reset(&body);
		target = i % 7 == 0 ? 4000 : i % 600;
		while (body.len < target) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			k = (seed >> 33) % 64;
			/* Mostly words, so that runs cross the 64-byte blocks. */
			buf_puts(&body, pieces[k < 50 ? (k % 4) : 4 + (k - 50) % 10]);
		}
		for (m = 0; m < 2; m++) {
			buf_reset(&want);
			naive_body(m ? CANON_SIMPLE : CANON_RELAXED, body.data, body.len, &want);
			strcpy(expect, text_hash_len(want.data, want.len));
			for (s = 0; s < sizeof(steps) / sizeof(*steps); s++)
				if (strcmp(body_hash(m ? CANON_SIMPLE : CANON_RELAXED,
					   body.data, body.len, steps[s]), expect) != 0) {
					printf("  body %zu (%zu bytes), %s, chunks of %zu differ\n",
					       i, body.len, m ? "simple" : "relaxed", steps[s]);
					test_failures++;
				}
		}
	}
	buf_free(&body);
	buf_free(&want);
	test_end();
}

static void
test_parse(void)
{
	enum canon h, b;

	test_begin("canon_parse");
	test_assert_int(canon_parse("relaxed/simple", &h, &b), 0);
	test_assert_int(h, CANON_RELAXED);
	test_assert_int(b, CANON_SIMPLE);
	test_assert_int(canon_parse("simple", &h, &b), 0);
	test_assert_int(canon_parse("relaxed", &h, &b), 0);
	test_assert_int(b, CANON_SIMPLE);
	test_assert_int(canon_parse("relaxd/simple", &h, &b), -1);
	test_assert_int(canon_parse("relaxed/", &h, &b), -1);
	test_end();
}

static void
test_name_eq(void)
{
	test_begin("canon_name_eq: header field names, case aside");
	test_assert_int(canon_name_eq("From", "from"), 1);
	test_assert_int(canon_name_eq("MESSAGE-ID", "Message-Id"), 1);
	test_assert_int(canon_name_eq("from", "From "), 0);
	test_assert_int(canon_name_eq("From", "Fro"), 0);
	test_assert_int(canon_name_eq("To", "Cc"), 0);
	test_assert_int(canon_name_eq("Subject", "Sender"), 0);
	/* first bytes 0x20 apart that are not letters: still different */
	test_assert_int(canon_name_eq("@x", "`x"), 0);
	test_assert_int(canon_name_eq("", ""), 1);
	test_assert_int(canon_name_eq("", "X"), 0);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_rfc_example_body,
		test_rfc_example_headers,
		test_long_headers,
		test_empty_bodies,
		test_body_cases,
		test_streaming,
		test_whitespace_offsets,
		test_large_body,
		test_random_bodies,
		test_parse,
		test_name_eq,
		NULL
	};

	if (canon_init() < 0)
		return (99);
	return (test_run(tests));
}
