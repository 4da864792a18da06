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
/*	they were not trailing. Runs of the input that canonicalise to
/*	themselves (on most bodies, all but a few bytes of each chunk,
/*	line ends included) go to SHA-256 where they are, uncopied; only
/*	what changes, and what a chunk boundary leaves undecided, goes
/*	through the output block. canon_body_final() writes the SHA-256
/*	digest of the canonical body (the bh= value before base64).
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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(__SSE2__)
#include <immintrin.h>
#define CANON_AVX2			/* chosen at run time */
#endif

#include "canon.h"
#include "log.h"
#include "xalloc.h"

static EVP_MD *sha256;
#ifdef CANON_AVX2
static int use_avx2;			/* the CPU has AVX2 */
#endif

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')
#define CANON_DIRECT	256		/* runs this long skip out[] */

/* canon_init - fetch SHA-256 once */

int
canon_init(void)
{
#ifdef CANON_AVX2
	use_avx2 = __builtin_cpu_supports("avx2");
#endif
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

	cb = xmalloc(sizeof(*cb));	/* out[] needs no zeroing */
	memset(cb, 0, offsetof(struct canon_body, out));
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

/* emit - append canonical bytes; long runs are hashed where they are */

static void
emit(struct canon_body *cb, const unsigned char *p, size_t len)
{
	size_t  n;

	if (len >= CANON_DIRECT) {
		flush(cb);
		if (EVP_DigestUpdate(cb->md, p, len) != 1)
			log_panic("EVP_DigestUpdate failed");
		cb->length += len;
		return;
	}
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

/* block_bad - bits of the bytes that stop a run, in a 64-byte block
   with the masks of its SP, HTAB, CR and LF, the byte after it, and
   whether the byte before it is a CR or a line end */

static inline uint64_t
block_bad(uint64_t sp, uint64_t tab, uint64_t cr, uint64_t lf, int next,
	  int relaxed, uint64_t prev_cr, uint64_t prev_lf)
{
	uint64_t next_ws = IS_WSP(next) || next == '\r' || next == '\n';
	uint64_t bad;

	bad = (lf & ~(cr << 1 | prev_cr))
		| (cr & ~(lf >> 1 | (uint64_t) (next == '\n') << 63))
		| (cr & (lf << 1 | prev_lf));
	if (relaxed)
		bad |= tab | (sp & ((sp | tab | cr | lf) >> 1 | next_ws << 63));
	return (bad);
}

#ifdef __SSE2__

/* mask16 - bit i set where byte i of v is c */

#define mask16(v, c, i) \
	((uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8((v), (c))) << (i))

/* blocks_sse2 - skip 64-byte blocks that pass; stop at one that
   does not, or where fewer than 65 bytes are left */

static const unsigned char *
blocks_sse2(const unsigned char *q, const unsigned char *end, int relaxed,
	    uint64_t *prev_cr, uint64_t *prev_lf)
{
	const __m128i ksp = _mm_set1_epi8(' '), ktab = _mm_set1_epi8('\t');
	const __m128i kcr = _mm_set1_epi8('\r'), klf = _mm_set1_epi8('\n');
	uint64_t sp, tab, cr, lf, bad;
	__m128i v;
	int     i;

	while (end - q > 64) {
		sp = tab = cr = lf = 0;
		for (i = 0; i < 64; i += 16) {
			v = _mm_loadu_si128((const __m128i *) (q + i));
			sp |= mask16(v, ksp, i);
			tab |= mask16(v, ktab, i);
			cr |= mask16(v, kcr, i);
			lf |= mask16(v, klf, i);
		}
		if ((bad = block_bad(sp, tab, cr, lf, q[64], relaxed,
				     *prev_cr, *prev_lf)) != 0)
			return (q + __builtin_ctzll(bad));
		*prev_cr = cr >> 63;
		*prev_lf = lf >> 63;
		q += 64;
	}
	return (q);
}

#endif

#ifdef CANON_AVX2

/* mask32 - bit i set where byte i of v is c */

#define mask32(v, c, i) \
	((uint64_t) (uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8((v), (c))) << (i))

/* blocks_avx2 - blocks_sse2 with 32-byte vectors */

__attribute__((target("avx2")))
static const unsigned char *
blocks_avx2(const unsigned char *q, const unsigned char *end, int relaxed,
	    uint64_t *prev_cr, uint64_t *prev_lf)
{
	const __m256i ksp = _mm256_set1_epi8(' '), ktab = _mm256_set1_epi8('\t');
	const __m256i kcr = _mm256_set1_epi8('\r'), klf = _mm256_set1_epi8('\n');
	uint64_t sp, tab, cr, lf, bad;
	__m256i a, b;

	while (end - q > 64) {
		a = _mm256_loadu_si256((const __m256i *) q);
		b = _mm256_loadu_si256((const __m256i *) (q + 32));
		sp = mask32(a, ksp, 0) | mask32(b, ksp, 32);
		tab = mask32(a, ktab, 0) | mask32(b, ktab, 32);
		cr = mask32(a, kcr, 0) | mask32(b, kcr, 32);
		lf = mask32(a, klf, 0) | mask32(b, klf, 32);
		if ((bad = block_bad(sp, tab, cr, lf, q[64], relaxed,
				     *prev_cr, *prev_lf)) != 0)
			return (q + __builtin_ctzll(bad));
		*prev_cr = cr >> 63;
		*prev_lf = lf >> 63;
		q += 64;
	}
	return (q);
}

#endif

/* unchanged_run - end of the prefix that canonicalises to itself */

static const unsigned char *
unchanged_run(const struct canon_body *cb, const unsigned char *q,
	      const unsigned char *end)
{
	const unsigned char *start = q;
	int     relaxed = cb->mode == CANON_RELAXED, prev, next;
#ifdef __SSE2__
	uint64_t prev_cr = 0, prev_lf = !cb->in_line;
#endif

	/*
	 * A byte passes unchanged unless it is a lone LF (it becomes CRLF),
	 * a CR that is not followed by LF (it may be the first half of one
	 * in the next chunk), the CR of an empty line (it may be trailing),
	 * or, relaxed, a HTAB or a SP followed by white space or a line end.
	 * No CR is pending here, and the byte before q is a line end when
	 * no byte of the current line was seen.
	 */
#ifdef CANON_AVX2
	if (use_avx2)
		q = blocks_avx2(q, end, relaxed, &prev_cr, &prev_lf);
	else
#endif
#ifdef __SSE2__
		q = blocks_sse2(q, end, relaxed, &prev_cr, &prev_lf);
#endif
	if (end - q > 64)
		return (q);			/* stopped in a block */
	prev = q > start ? q[-1] : cb->in_line ? 'x' : '\n';
	for (; q < end; prev = *q++) {
		next = q + 1 < end ? q[1] : -1;
		if (*q == '\n') {
			if (prev != '\r')
				break;
		} else if (*q == '\r') {
			if (next != '\n' || prev == '\n')
				break;
		} else if (relaxed && (*q == '\t' || (*q == ' ' && (next < 0
				|| IS_WSP(next) || next == '\r' || next == '\n')))) {
			break;
		}
	}
	return (q);
}

/* canon_body_update - canonicalise and hash one chunk */

void
canon_body_update(struct canon_body *cb, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len, *q;
	unsigned char c;

	while (p < end) {
		if (!cb->pending_cr && !cb->pending_wsp && cb->empty_lines == 0
		    && (q = unchanged_run(cb, p, end)) > p) {
			emit(cb, p, (size_t) (q - p));
			cb->in_line = q[-1] != '\n';
			p = q;
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
	char   *q;
	int     wsp = 0, started = 0;

	/* The output is never longer than name, colon, value and CRLF. */
	buf_reserve(out, strlen(name) + strlen(value) + 3);
	q = out->data + out->len;
	for (p = name; *p && !IS_WSP(*p); p++)
		*q++ = (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p;
	*q++ = ':';
	for (p = value; *p; p++) {
		if (*p == '\r' || *p == '\n')
			continue;		/* unfold */
		if (IS_WSP(*p)) {
			wsp = 1;
			continue;
		}
		if (wsp && started)
			*q++ = ' ';
		wsp = 0;
		started = 1;
		*q++ = *p;
	}
	*q++ = '\r';
	*q++ = '\n';
	out->len = (size_t) (q - out->data);
	out->data[out->len] = 0;
}

/* canon_header_simple - as on the wire, with CRLF folds */

static void
canon_header_simple(const char *name, const char *value, struct buf *out)
{
	const char *p;
	size_t  nlen = strlen(name);
	char   *q;

	/* At most name, colon, each value byte twice (LF as CRLF), CRLF. */
	buf_reserve(out, nlen + 2 * strlen(value) + 3);
	q = out->data + out->len;
	memcpy(q, name, nlen);
	q += nlen;
	*q++ = ':';
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			*q++ = '\r';
		*q++ = *p;
	}
	*q++ = '\r';
	*q++ = '\n';
	out->len = (size_t) (q - out->data);
	out->data[out->len] = 0;
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
