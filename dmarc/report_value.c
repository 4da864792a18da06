/*++
/* NAME
/*	report_value 3
/* SUMMARY
/*	values inside DMARC aggregate reports
/* SYNOPSIS
/*	#include "report.h"
/*
/*	int	dmarc_parse_time(const char *text, int64_t *t);
/*	int	dmarc_parse_count(const char *text, int64_t *n);
/*	int	dmarc_parse_ip(const char *text, char *out, size_t outlen);
/*	void	dmarc_trim(struct buf *b);
/*	void	dmarc_trim_lower(struct buf *b);
/*	const char *dmarc_reporter(const struct dmarc_report *r);
/*	void	dmarc_report_release(struct dmarc_report *r);
/*	void	dmarc_row_release(struct dmarc_row *r);
/* DESCRIPTION
/*	Receivers write numbers and words in more ways than the schema
/*	allows. These accept what has one clear meaning and nothing else.
/*
/*	dmarc_parse_time() reads a UTC timestamp in seconds: digits with
/*	white space around them, and a fraction that is dropped
/*	("1337270400.0").
/*
/*	dmarc_parse_count() reads a message count the same way, without a
/*	fraction.
/*
/*	dmarc_parse_ip() reads an IPv4 or IPv6 address with white space
/*	around it and writes its normalised text form (inet_ntop), so that
/*	the same address always compares equal.
/*
/*	dmarc_trim() removes leading and trailing white space;
/*	dmarc_trim_lower() also folds ASCII to lower case ("Pass").
/*
/*	dmarc_reporter() names the organisation that sent a report: its
/*	org_name, or when that is empty the domain of its contact address,
/*	or the address itself.
/*
/*	dmarc_report_release() and dmarc_row_release() free the memory
/*	their buffers hold.
/* DIAGNOSTICS
/*	The parse functions return 0, or -1 when the text is not such a
/*	value.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "report.h"

#define TIME_MAX	((int64_t) 1 << 40)	/* far beyond any real date */

/* span_digits - parse [ws] digits [ws], optionally a fraction */

static int
span_digits(const char *s, int64_t *out, int fraction_ok, int64_t max)
{
	int64_t n = 0;
	int     digits = 0;

	while (isspace((unsigned char) *s))
		s++;
	for (; isdigit((unsigned char) *s); s++, digits++) {
		if (n > (max - (*s - '0')) / 10)
			return (-1);
		n = n * 10 + (*s - '0');
	}
	if (digits == 0)
		return (-1);
	if (fraction_ok && *s == '.')
		for (s++; isdigit((unsigned char) *s); s++)
			 /* void */ ;
	while (isspace((unsigned char) *s))
		s++;
	if (*s != 0)
		return (-1);
	*out = n;
	return (0);
}

/* dmarc_parse_time - a UTC timestamp, fraction dropped */

int
dmarc_parse_time(const char *s, int64_t *t)
{
	return (span_digits(s, t, 1, TIME_MAX));
}

/* dmarc_parse_count - a message count */

int
dmarc_parse_count(const char *s, int64_t *n)
{
	return (span_digits(s, n, 0, INT64_MAX / 2));
}

/* dmarc_parse_ip - an IPv4 or IPv6 address, normalised */

int
dmarc_parse_ip(const char *s, char *out, size_t outlen)
{
	char    tmp[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	size_t  len;

	while (isspace((unsigned char) *s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char) s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return (-1);
	memcpy(tmp, s, len);
	tmp[len] = 0;
	if (inet_pton(AF_INET, tmp, bin) == 1)
		return (inet_ntop(AF_INET, bin, out, outlen) ? 0 : -1);
	if (inet_pton(AF_INET6, tmp, bin) == 1)
		return (inet_ntop(AF_INET6, bin, out, outlen) ? 0 : -1);
	return (-1);
}

/* dmarc_trim - remove white space around the text */

void
dmarc_trim(struct buf *b)
{
	size_t  start = 0, end = b->len;

	if (b->data == NULL)
		return;
	while (start < end && isspace((unsigned char) b->data[start]))
		start++;
	while (end > start && isspace((unsigned char) b->data[end - 1]))
		end--;
	if (start > 0)
		memmove(b->data, b->data + start, end - start);
	b->len = end - start;
	b->data[b->len] = 0;
}

/* dmarc_trim_lower - trim, then fold ASCII letters to lower case */

void
dmarc_trim_lower(struct buf *b)
{
	size_t  i;

	dmarc_trim(b);
	for (i = 0; i < b->len; i++)
		b->data[i] = (char) tolower((unsigned char) b->data[i]);
}

/* dmarc_reporter - the reporting organisation's name */

const char *
dmarc_reporter(const struct dmarc_report *r)
{
	const char *at;

	if (r->org_name.len > 0)
		return (r->org_name.data);
	if (r->email.len > 0) {
		at = strrchr(r->email.data, '@');
		return (at && at[1] ? at + 1 : r->email.data);
	}
	return ("");
}

/* dmarc_report_release - free what a report holds */

void
dmarc_report_release(struct dmarc_report *r)
{
	struct buf *all[] = {&r->version, &r->org_name, &r->email,
		&r->extra_contact, &r->report_id, &r->generator, &r->errors,
		&r->domain, &r->adkim, &r->aspf, &r->p, &r->sp, &r->np, &r->fo,
	&r->testing, &r->discovery};
	size_t  i;

	for (i = 0; i < sizeof(all) / sizeof(*all); i++)
		buf_free(all[i]);
}

/* auth_free - release what DKIM or SPF results hold */

static void
auth_free(struct dmarc_auth *a, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++) {
		buf_free(&a[i].domain);
		buf_free(&a[i].sel);
		buf_free(&a[i].result);
		buf_free(&a[i].human);
	}
}

/* dmarc_row_release - free what a row holds */

void
dmarc_row_release(struct dmarc_row *r)
{
	size_t  i;

	buf_free(&r->disposition);
	buf_free(&r->dkim);
	buf_free(&r->spf);
	for (i = 0; i < DMARC_REASON_MAX; i++) {
		buf_free(&r->reasons[i].type);
		buf_free(&r->reasons[i].comment);
	}
	buf_free(&r->header_from);
	buf_free(&r->envelope_from);
	buf_free(&r->envelope_to);
	auth_free(r->dkims, DMARC_AUTH_MAX);
	auth_free(r->spfs, DMARC_AUTH_MAX);
}
