/*++
/* NAME
/*	dnsrec 3
/* SUMMARY
/*	render the DKIM key record of a key, for publication in DNS
/* SYNOPSIS
/*	#include "dnsrec.h"
/*
/*	int	dnsrec_pubkey(EVP_PKEY *key, struct buf *b64,
/*			struct buf *err);
/*	int	dnsrec_value(EVP_PKEY *key, int testing, struct buf *out,
/*			struct buf *err);
/*	void	dnsrec_strings(const char *value, size_t max,
/*			struct buf *out);
/*	void	dnsrec_zone_line(const char *selector, const char *domain,
/*			const char *value, struct buf *out);
/*	void	dnsrec_name(const char *selector, const char *domain,
/*			struct buf *out);
/* DESCRIPTION
/*	dnsrec_pubkey() appends the p= value of a key in base64: for RSA,
/*	the DER SubjectPublicKeyInfo (RFC 6376 3.6.1, as every verifier
/*	reads it); for Ed25519, the raw 32-byte public key (RFC 8463 4.2),
/*	not its 44-byte SubjectPublicKeyInfo.
/*
/*	dnsrec_value() appends the whole record: "v=DKIM1; k=rsa; p=..."
/*	(k=ed25519 for Ed25519), with "t=y; " before p= when testing.
/*
/*	dnsrec_strings() appends value as zone-file character-strings,
/*	each quoted and at most max octets (DNSREC_STRING_MAX), separated
/*	by a space; quotes and backslashes are escaped.
/*
/*	dnsrec_zone_line() appends one zone-file line, without newline:
/*	SELECTOR._domainkey.DOMAIN. IN TXT "..." "...".
/*	dnsrec_name() appends SELECTOR._domainkey.DOMAIN.
/* DIAGNOSTICS
/*	dnsrec_pubkey() and dnsrec_value() return -1 with the reason in err
/*	for a key that is neither RSA nor Ed25519, or that OpenSSL cannot
/*	encode.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "dnsrec.h"

/* dnsrec_b64 - append base64 of data */

static void
dnsrec_b64(const unsigned char *data, size_t len, struct buf *out)
{
	size_t  n = 4 * ((len + 2) / 3);

	buf_reserve(out, n);
	(void) EVP_EncodeBlock((unsigned char *) out->data + out->len, data,
			       (int) len);
	out->len += n;
	out->data[out->len] = 0;
}

/* dnsrec_pubkey - append the base64 p= value of the key */

int
dnsrec_pubkey(EVP_PKEY *key, struct buf *b64, struct buf *err)
{
	unsigned char raw[32];
	unsigned char *der = NULL;
	size_t  len = sizeof(raw);
	int     n;

	if (EVP_PKEY_is_a(key, "ED25519")) {
		if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1
		    || len != sizeof(raw)) {
			buf_puts(err, "OpenSSL cannot give the raw Ed25519 "
				 "public key");
			return (-1);
		}
		dnsrec_b64(raw, len, b64);
		return (0);
	}
	if (!EVP_PKEY_is_a(key, "RSA")) {
		buf_puts(err, "the key is neither RSA nor Ed25519: DKIM has no "
			 "record for it");
		return (-1);
	}
	if ((n = i2d_PUBKEY(key, &der)) <= 0) {
		buf_printf(err, "OpenSSL cannot encode the public key: %s",
			   ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
		return (-1);
	}
	dnsrec_b64(der, (size_t) n, b64);
	OPENSSL_free(der);
	return (0);
}

/* dnsrec_value - append "v=DKIM1; k=...; p=..." */

int
dnsrec_value(EVP_PKEY *key, int testing, struct buf *out, struct buf *err)
{
	buf_printf(out, "v=DKIM1; k=%s; %sp=",
		   EVP_PKEY_is_a(key, "ED25519") ? "ed25519" : "rsa",
		   testing ? "t=y; " : "");
	return (dnsrec_pubkey(key, out, err));
}

/* dnsrec_strings - append value as quoted strings of at most max octets */

void
dnsrec_strings(const char *value, size_t max, struct buf *out)
{
	size_t  len = strlen(value);
	size_t  off;
	size_t  i;
	size_t  n;

	if (max == 0 || max > DNSREC_STRING_MAX)
		max = DNSREC_STRING_MAX;
	for (off = 0; off < len || off == 0; off += n) {
		n = len - off < max ? len - off : max;
		buf_puts(out, off ? " \"" : "\"");
		for (i = 0; i < n; i++) {
			if (value[off + i] == '"' || value[off + i] == '\\')
				buf_putc(out, '\\');
			buf_putc(out, value[off + i]);
		}
		buf_putc(out, '"');
		if (len == 0)
			break;
	}
}

/* dnsrec_name - append SELECTOR._domainkey.DOMAIN */

void
dnsrec_name(const char *selector, const char *domain, struct buf *out)
{
	buf_printf(out, "%s._domainkey.%s", selector, domain);
}

/* dnsrec_zone_line - append the zone-file line of a record */

void
dnsrec_zone_line(const char *selector, const char *domain,
		 const char *value, struct buf *out)
{
	dnsrec_name(selector, domain, out);
	buf_puts(out, ". IN TXT ");
	dnsrec_strings(value, DNSREC_STRING_MAX, out);
}
