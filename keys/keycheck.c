/*++
/* NAME
/*	keycheck 3
/* SUMMARY
/*	check a published DKIM key record against RFC 6376 and a key
/* SYNOPSIS
/*	#include "keycheck.h"
/*
/*	enum severity keycheck_record(const char *text, size_t len,
/*			EVP_PKEY *key, const char *subject,
/*			struct findings *f, struct keycheck *kc);
/*	enum severity keycheck_dns(struct dns *dns, const char *domain,
/*			const char *selector, EVP_PKEY *key,
/*			struct findings *f, struct keycheck *kc);
/*	void	keycheck_free(struct keycheck *kc);
/* DESCRIPTION
/*	keycheck_record() checks the text of one key record (the TXT
/*	record's strings concatenated) as a verifier reads it (RFC 6376
/*	section 3.6.1, RFC 8463, RFC 8301):
/* .IP \(bu
/*	the tag-list syntax; v=, when present, first and DKIM1;
/* .IP \(bu
/*	k= rsa or ed25519 (default rsa); h=, when present, lists sha256;
/*	s=, when present, lists * or email;
/* .IP \(bu
/*	p= present; empty means revoked; otherwise base64 of a public key
/*	of type k= (RSA: SubjectPublicKeyInfo, or the bare RSAPublicKey
/*	some publish; Ed25519: the raw 32 bytes, not a
/*	SubjectPublicKeyInfo); RSA under 1024 bits is refused by
/*	verifiers, under 2048 bits is weak;
/* .IP \(bu
/*	t=y: testing mode;
/* .IP \(bu
/*	with a private key: the public key is the key's.
/* .PP
/*	keycheck_dns() looks up SELECTOR._domainkey.DOMAIN and checks the
/*	record found; no record, a lookup failure, and several records
/*	are findings too.
/*
/*	Each problem is a finding (area "dkim", the record's name as
/*	subject) with what to do; a record without problems gives one
/*	finding of severity ok. kc receives the facts; release it with
/*	keycheck_free(). Both return the worst severity they added.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "dnsrec.h"
#include "keycheck.h"
#include "taglist.h"

#define AREA	"dkim"

/* kc_list_has - does a colon-separated list hold word (case-insensitive) */

static int
kc_list_has(const char *list, const char *word)
{
	const char *s = list, *e;
	size_t  n = strlen(word);

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, ":");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t) (e - s) == n && strncasecmp(s, word, n) == 0)
			return (1);
		s += strcspn(s, ":");
		if (*s == 0)
			return (0);
		s++;
	}
}

/* kc_b64 - decode base64 without whitespace; NULL on bad input */

static unsigned char *
kc_b64(const char *text, int *len)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	size_t  n = strlen(text);
	char   *clean = xmalloc(n + 1);
	unsigned char *out = xmalloc(n + 1);
	size_t  i, j = 0;
	int     m = 0, f = 0;

	for (i = 0; i < n; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r'
		    && text[i] != '\n')
			clean[j++] = text[i];
	EVP_DecodeInit(ctx);
	if (j % 4 != 0
	    || EVP_DecodeUpdate(ctx, out, &m, (unsigned char *) clean,
				(int) j) < 0
	    || EVP_DecodeFinal(ctx, out + m, &f) != 1) {
		free(out);
		out = NULL;
	}
	*len = m + f;
	EVP_ENCODE_CTX_free(ctx);
	free(clean);
	return (out);
}

/* kc_pubkey - the public key of p= for key type k; NULL with a finding */

static EVP_PKEY *
kc_pubkey(const char *p, const char *k, const char *subj, struct findings *f)
{
	const unsigned char *q;
	unsigned char *der;
	EVP_PKEY *pub = NULL;
	int     len;

	if ((der = kc_b64(p, &len)) == NULL || len == 0) {
		finding_add(f, SEV_CRIT, AREA, subj, "publish p= exactly as "
			    "signet keys dns prints it", "p= is not valid base64");
		free(der);
		return (NULL);
	}
	q = der;
	if (strcasecmp(k, "ed25519") == 0) {
		if (len == 32)
			pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
							  der, 32);
		else if (len == 44 && (pub = d2i_PUBKEY(NULL, &q, len)) != NULL) {
			EVP_PKEY_free(pub);
			pub = NULL;
			finding_add(f, SEV_CRIT, AREA, subj, "publish only the raw "
				    "32-byte key (the last 32 bytes), as signet "
				    "keys dns prints it", "p= holds an Ed25519 "
				    "SubjectPublicKeyInfo (44 bytes); RFC 8463 "
				    "wants the raw 32-byte key, so verifiers fail");
			free(der);
			return (NULL);
		}
	} else {
		if ((pub = d2i_PUBKEY(NULL, &q, len)) == NULL) {
			q = der;
			pub = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, len);
		}
		if (pub != NULL && !EVP_PKEY_is_a(pub, "RSA")) {
			EVP_PKEY_free(pub);
			pub = NULL;
		}
	}
	if (pub == NULL)
		finding_add(f, SEV_CRIT, AREA, subj, "publish p= exactly as "
			    "signet keys dns prints it", "p= does not hold a%s "
			    "public key", strcasecmp(k, "ed25519") == 0 ?
			    "n Ed25519" : "n RSA");
	free(der);
	return (pub);
}

/* kc_tags - the tags other than p=; 0, or -1 when unusable */

static int
kc_tags(const struct taglist *tl, const char *subj, struct findings *f,
	struct keycheck *kc)
{
	const char *v = taglist_get(tl, "v");
	const char *h = taglist_get(tl, "h");
	const char *s = taglist_get(tl, "s");
	const char *t = taglist_get(tl, "t");
	const char *k = taglist_get(tl, "k");
	int     bad = 0;

	if (v != NULL && (strcmp(tl->tags[0].name, "v") != 0
			  || strcmp(v, "DKIM1") != 0)) {
		finding_add(f, SEV_CRIT, AREA, subj, "start the record with "
			    "v=DKIM1; or leave v= out", "v= must be the first "
			    "tag and exactly DKIM1; verifiers ignore this record");
		bad = 1;
	}
	kc->keytype = xstrdup(k ? k : "rsa");
	if (strcasecmp(kc->keytype, "rsa") != 0
	    && strcasecmp(kc->keytype, "ed25519") != 0) {
		finding_add(f, SEV_CRIT, AREA, subj, "write k=rsa or k=ed25519",
			    "unknown key type k=%s", kc->keytype);
		bad = 1;
	}
	if (h != NULL && !kc_list_has(h, "sha256")) {
		finding_add(f, SEV_CRIT, AREA, subj, "add sha256 to h= or remove "
			    "h=", "h=%s excludes sha256, the only hash signet "
			    "signs with", h);
		bad = 1;
	}
	if (s != NULL && !kc_list_has(s, "*") && !kc_list_has(s, "email")) {
		finding_add(f, SEV_CRIT, AREA, subj, "write s=email or remove s=",
			    "s=%s does not cover email", s);
		bad = 1;
	}
	if (t != NULL && kc_list_has(t, "y")) {
		kc->testing = 1;
		finding_add(f, SEV_WARN, AREA, subj, "remove t=y once signatures "
			    "verify", "testing mode (t=y): receivers may treat "
			    "signed mail as unsigned");
	}
	return (bad ? -1 : 0);
}

/* kc_compare - size and match of the published key */

static void
kc_compare(EVP_PKEY *pub, EVP_PKEY *key, const char *subj,
	   struct findings *f, struct keycheck *kc)
{
	kc->bits = EVP_PKEY_get_bits(pub);
	if (EVP_PKEY_is_a(pub, "RSA") && kc->bits < 1024)
		finding_add(f, SEV_CRIT, AREA, subj, "rotate to a 2048-bit key "
			    "(signet keys rotate)", "RSA key of %d bits: "
			    "verifiers refuse keys under 1024 bits (RFC 8301)",
			    kc->bits);
	else if (EVP_PKEY_is_a(pub, "RSA") && kc->bits < 2048)
		finding_add(f, SEV_WARN, AREA, subj, "rotate to a 2048-bit key "
			    "(signet keys rotate)", "RSA key of %d bits: weak; "
			    "some receivers treat it as no signature", kc->bits);
	if (key == NULL)
		return;
	if (EVP_PKEY_eq(pub, key) == 1)
		kc->matches = 1;
	else
		finding_add(f, SEV_CRIT, AREA, subj, "publish the record signet "
			    "keys dns prints for this selector",
			    "the published key does not match the private key: "
			    "every signature with this selector fails");
}

/* keycheck_record - check the text of one key record */

enum severity
keycheck_record(const char *text, size_t len, EVP_PKEY *key,
		const char *subj, struct findings *f, struct keycheck *kc)
{
	struct taglist tl;
	struct buf err = BUF_INIT;
	const char *p;
	EVP_PKEY *pub;
	size_t  first = f->n;

	if (taglist_parse(text, len, &tl, &err) < 0) {
		finding_add(f, SEV_CRIT, AREA, subj, "publish the record exactly "
			    "as signet keys dns prints it", "the record is not "
			    "a valid tag list: %s", err.data);
		buf_free(&err);
		return (SEV_CRIT);
	}
	kc->published = 1;
	if (kc_tags(&tl, subj, f, kc) == 0) {
		if ((p = taglist_get(&tl, "p")) == NULL)
			finding_add(f, SEV_CRIT, AREA, subj, "add p= with the "
				    "public key", "the record has no p= tag");
		else if (*p == 0) {
			kc->revoked = 1;
			finding_add(f, SEV_CRIT, AREA, subj, "publish the current "
				    "key's record, or stop signing with this "
				    "selector", "the key is revoked (empty p=)");
		} else if ((pub = kc_pubkey(p, kc->keytype, subj, f)) != NULL) {
			kc_compare(pub, key, subj, f, kc);
			EVP_PKEY_free(pub);
		}
	}
	taglist_free(&tl);
	if (findings_worst(f, first) == SEV_OK)
		finding_add(f, SEV_OK, AREA, subj, NULL, "published%s; %s, %d "
			    "bits", key ? ", matches the private key" : "",
			    kc->keytype, kc->bits);
	return (findings_worst(f, first));
}

/* keycheck_dns - look up a selector's record and check it */

enum severity
keycheck_dns(struct dns *dns, const char *domain, const char *selector,
	     EVP_PKEY *key, struct findings *f, struct keycheck *kc)
{
	struct dns_answer ans;
	struct buf name = BUF_INIT;
	size_t  first = f->n;
	size_t  i;

	memset(kc, 0, sizeof(*kc));
	dnsrec_name(selector, domain, &name);
	kc->dns = dns_txt(dns, name.data, &ans);
	if (kc->dns == DNS_NXDOMAIN || kc->dns == DNS_NODATA)
		finding_add(f, SEV_CRIT, AREA, name.data, "publish the record "
			    "signet keys dns prints for this selector",
			    "no key record (%s)", kc->dns == DNS_NXDOMAIN ?
			    "the name does not exist" : "no TXT record");
	else if (kc->dns != DNS_OK)
		finding_add(f, SEV_CRIT, AREA, name.data, "check the nameserver "
			    "and try again", "DNS lookup failed: %s",
			    ans.error ? ans.error : dns_status_name(kc->dns));
	else if (ans.count > 1)
		finding_add(f, SEV_CRIT, AREA, name.data, "keep one TXT record "
			    "at this name", "%zu TXT records: verifiers may pick "
			    "any one of them", ans.count);
	for (i = 0; kc->dns == DNS_OK && i < ans.count; i++) {
		if (i > 0)
			free(kc->keytype);
		(void) keycheck_record(ans.rr[i].text, ans.rr[i].text_len, key,
				       name.data, f, kc);
	}
	dns_answer_free(&ans);
	buf_free(&name);
	return (findings_worst(f, first));
}

/* keycheck_free - release what kc holds */

void
keycheck_free(struct keycheck *kc)
{
	free(kc->keytype);
	kc->keytype = NULL;
}
