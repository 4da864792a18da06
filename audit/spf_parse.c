/*++
/* NAME
/*	spf_parse 3
/* SUMMARY
/*	parse an SPF record into its terms, checking RFC 7208 syntax
/* SYNOPSIS
/*	#include "audit/spf_parse.h"
/*
/*	int	spf_is_record(const char *text)
/*
/*	int	spf_record_parse(const char *text, struct spf_record *rec,
/*			struct buf *err)
/*
/*	void	spf_record_free(struct spf_record *rec)
/*
/*	const char *spf_kind_name(enum spf_kind kind)
/* DESCRIPTION
/*	spf_is_record() tells whether a TXT record is an SPF record: it
/*	starts with "v=spf1" (any case) followed by a space or the end
/*	(RFC 7208 section 4.5).
/*
/*	spf_record_parse() splits an SPF record into its terms and checks
/*	each against the grammar of RFC 7208 section 12: the qualifier,
/*	the mechanism and its argument (domain-spec, IPv4 or IPv6 network,
/*	dual CIDR length), the modifiers (redirect and exp at most once
/*	each; unknown modifiers are kept as SPFT_UNKNOWN) and the macros
/*	of section 7 (%{letter digits r delimiters}, %%, %_, %-; the
/*	letters c, r and t are for explanations only). Terms are
/*	separated by spaces only.
/*
/*	spf_kind_name() is the mechanism or modifier name ("include").
/* DIAGNOSTICS
/*	spf_record_parse() returns -1 on the first syntax error, which
/*	makes the record a permerror for receivers, with one phrase in
/*	err naming the term and what is wrong with it; rec is then empty.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "audit/spf_parse.h"

static const char *const kind_names[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
	"redirect", "exp", "modifier",
};

/* spf_kind_name - the mechanism or modifier name */

const char *
spf_kind_name(enum spf_kind kind)
{
	return (kind <= SPFT_UNKNOWN ? kind_names[kind] : "?");
}

/* spf_is_record - does a TXT record start with "v=spf1" */

int
spf_is_record(const char *text)
{
	return (strncasecmp(text, "v=spf1", 6) == 0
		&& (text[6] == 0 || text[6] == ' '));
}

/* spf_macro_check - a macro-string (RFC 7208 7.1); 0 or -1 with why */

static int
spf_macro_check(const char *s, size_t len, int *macro, struct buf *why)
{
	const char *e = s + len, *cp;

	for (cp = s; cp < e; cp++) {
		if (*cp != '%') {
			if ((unsigned char) *cp < 0x21 || (unsigned char) *cp > 0x7e) {
				buf_puts(why, "a character that is not printable ASCII");
				return (-1);
			}
			continue;
		}
		if (cp + 1 < e && strchr("%_-", cp[1]) != NULL) {
			cp++;
			continue;
		}
		if (cp + 1 >= e || cp[1] != '{') {
			buf_puts(why, "a \"%\" that starts no macro (write %% for "
				 "a literal %)");
			return (-1);
		}
		cp += 2;
		if (cp >= e || strchr("sloidphvSLOIDPHV", *cp) == NULL || !*cp) {
			buf_printf(why, "macro letter \"%.1s\" is not one of "
				   "s l o d i p h v", cp < e ? cp : "");
			return (-1);
		}
		cp++;
		if (cp < e && *cp == '0') {
			buf_puts(why, "a macro keeps 0 labels");
			return (-1);
		}
		while (cp < e && isdigit((unsigned char) *cp))
			cp++;
		if (cp < e && (*cp == 'r' || *cp == 'R'))
			cp++;
		while (cp < e && strchr(".-+,/_=", *cp) != NULL && *cp)
			cp++;
		if (cp >= e || *cp != '}') {
			buf_puts(why, "a macro is not closed by \"}\" after its "
				 "letter, digits, r and delimiters");
			return (-1);
		}
		*macro = 1;
	}
	return (0);
}

/* spf_toplabel_ok - RFC 7208 toplabel: alphanumeric, not all digits */

static int
spf_toplabel_ok(const char *s, size_t len)
{
	size_t  i;
	int     alpha = 0;

	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return (0);
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char) s[i]))
			alpha = 1;
		else if (!isdigit((unsigned char) s[i]) && s[i] != '-')
			return (0);
	}
	return (alpha || memchr(s, '-', len) != NULL);
}

/* spf_domain_check - a domain-spec; 0 or -1 with why */

static int
spf_domain_check(const char *s, size_t len, int *macro, struct buf *why)
{
	const char *label;
	size_t  n = len, ll;

	if (len == 0) {
		buf_puts(why, "the domain is empty");
		return (-1);
	}
	if (spf_macro_check(s, len, macro, why) < 0)
		return (-1);
	if (s[len - 1] == '}')
		return (0);			/* ends in a macro-expand */
	if (n > 1 && s[n - 1] == '.')
		n--;
	for (label = s + n; label > s && label[-1] != '.'; label--)
		/* void */ ;
	if (label == s || !spf_toplabel_ok(label, s + n - label)) {
		buf_printf(why, "\"%.*s\" does not end in a top-level domain "
			   "(a label of letters, digits and hyphens after a "
			   "dot)", (int) len, s);
		return (-1);
	}
	if (!*macro && n > 253) {
		buf_puts(why, "the domain is longer than 253 characters");
		return (-1);
	}
	for (label = s; !*macro && label < s + n; label += ll + 1) {
		ll = strcspn(label, ".");
		if (label + ll > s + n)
			ll = s + n - label;
		if (ll == 0 || ll > 63) {
			buf_printf(why, "\"%.*s\" has an empty label or one "
				   "longer than 63 characters", (int) n, s);
			return (-1);
		}
	}
	return (0);
}

/* spf_prefix - a decimal prefix length of at most max; -1 if bad */

static int
spf_prefix(const char *s, size_t len, int max)
{
	int     v = 0;
	size_t  i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char) s[i]))
			return (-1);
		v = v * 10 + s[i] - '0';
	}
	return (v <= max ? v : -1);
}

/* spf_cidr - "/N", "//M" or "/N//M" after a or mx */

static int
spf_cidr(const char *s, struct spf_term *t, struct buf *why)
{
	const char *dbl = strstr(s, "//");
	size_t  n4 = dbl ? (size_t) (dbl - s) : strlen(s);

	if ((n4 > 0 && (t->cidr4 = spf_prefix(s + 1, n4 - 1, 32)) < 0)
	    || (dbl != NULL && (t->cidr6 = spf_prefix(dbl + 2, strlen(dbl + 2),
						      128)) < 0)) {
		buf_printf(why, "prefix length \"%s\" is not valid (IPv4 /0 to "
			   "/32, IPv6 //0 to //128)", s);
		return (-1);
	}
	return (0);
}

/* spf_network - the network of ip4: or ip6: */

static int
spf_network(struct spf_term *t, const char *arg, int family, struct buf *why)
{
	unsigned char addr[16];
	const char *slash = strchr(arg, '/');
	char   *host = xstrndup(arg, slash ? (size_t) (slash - arg) : strlen(arg));
	int     ok = inet_pton(family, host, addr) == 1;

	free(host);
	if (!ok) {
		buf_printf(why, "\"%s\" is not an %s address", arg,
			   family == AF_INET ? "IPv4" : "IPv6");
		return (-1);
	}
	if (slash == NULL)
		return (0);
	if (family == AF_INET6) {
		if ((t->cidr6 = spf_prefix(slash + 1, strlen(slash + 1), 128)) >= 0)
			return (0);
	} else if ((t->cidr4 = spf_prefix(slash + 1, strlen(slash + 1), 32)) >= 0)
		return (0);
	buf_printf(why, "prefix length \"%s\" is not valid for %s", slash,
		   family == AF_INET ? "IPv4 (/0 to /32)" : "IPv6 (/0 to /128)");
	return (-1);
}

struct mech_syntax {
	const char *name;
	enum spf_kind kind;
	int     domain;			/* 0 none, 1 optional, 2 required */
	int     cidr;			/* takes a dual CIDR length */
};

static const struct mech_syntax mechs[] = {
	{"all", SPFT_ALL, 0, 0},
	{"include", SPFT_INCLUDE, 2, 0},
	{"a", SPFT_A, 1, 1},
	{"mx", SPFT_MX, 1, 1},
	{"ptr", SPFT_PTR, 1, 0},
	{"ip4", SPFT_IP4, 2, 0},
	{"ip6", SPFT_IP6, 2, 0},
	{"exists", SPFT_EXISTS, 2, 0},
	{NULL, 0, 0, 0},
};

/* spf_mechanism_args - what follows a mechanism's name */

static int
spf_mechanism_args(const struct mech_syntax *m, const char *rest,
		   struct spf_term *t, struct buf *why)
{
	const char *slash;
	size_t  n;

	if (m->kind == SPFT_IP4 || m->kind == SPFT_IP6) {
		t->arg = xstrdup(rest + 1);
		return (spf_network(t, rest + 1, m->kind == SPFT_IP4 ? AF_INET :
				    AF_INET6, why));
	}
	if (*rest == ':') {
		slash = m->cidr ? strchr(rest, '/') : NULL;
		n = slash ? (size_t) (slash - rest - 1) : strlen(rest + 1);
		t->arg = xstrndup(rest + 1, n);
		if (spf_domain_check(t->arg, n, &t->macro, why) < 0)
			return (-1);
		rest += 1 + n;
	}
	if (*rest == 0)
		return (0);
	if (m->cidr && *rest == '/')
		return (spf_cidr(rest, t, why));
	buf_printf(why, "\"%s\" is not valid after %s", rest, m->name);
	return (-1);
}

/* spf_mechanism - [qualifier] mechanism */

static int
spf_mechanism(const char *term, struct spf_term *t, struct buf *why)
{
	const struct mech_syntax *m;
	const char *name = term;
	size_t  n;

	t->qualifier = '+';
	if (strchr("+-~?", *name) != NULL && *name) {
		t->qualifier = *name;
		name++;
	}
	n = strcspn(name, ":/");
	for (m = mechs; m->name; m++)
		if (strlen(m->name) == n && strncasecmp(m->name, name, n) == 0)
			break;
	if (m->name == NULL) {
		buf_printf(why, "\"%.*s\" is not a mechanism (all, include, a, "
			   "mx, ptr, ip4, ip6, exists)", (int) n, name);
		return (-1);
	}
	t->kind = m->kind;
	if (m->domain == 2 && name[n] != ':') {
		buf_printf(why, "%s needs %s", m->name, m->kind == SPFT_IP4 ?
			   "\":\" and an IPv4 network" : m->kind == SPFT_IP6 ?
			   "\":\" and an IPv6 network" : "\":\" and a domain");
		return (-1);
	}
	if (m->domain == 0 && name[n] != 0) {
		buf_printf(why, "%s takes no argument", m->name);
		return (-1);
	}
	return (spf_mechanism_args(m, name + n, t, why));
}

/* spf_modifier - name=value */

static int
spf_modifier(const char *term, const char *eq, struct spf_term *t,
	     const struct spf_record *rec, struct buf *why)
{
	size_t  n = eq - term, i;

	t->arg = xstrdup(eq + 1);
	if (n == 8 && strncasecmp(term, "redirect", 8) == 0)
		t->kind = SPFT_REDIRECT;
	else if (n == 3 && strncasecmp(term, "exp", 3) == 0)
		t->kind = SPFT_EXP;
	else
		t->kind = SPFT_UNKNOWN;
	for (i = 0; t->kind != SPFT_UNKNOWN && i < rec->nterms; i++) {
		if (rec->terms[i].kind == t->kind) {
			buf_printf(why, "%s appears twice", spf_kind_name(t->kind));
			return (-1);
		}
	}
	if (t->kind == SPFT_UNKNOWN)
		return (spf_macro_check(t->arg, strlen(t->arg), &t->macro, why));
	return (spf_domain_check(t->arg, strlen(t->arg), &t->macro, why));
}

/* spf_is_modifier - name "=" where name is ALPHA *(ALPHA/DIGIT/-/_/.) */

static const char *
spf_is_modifier(const char *term)
{
	const char *cp = term;

	if (!isalpha((unsigned char) *cp))
		return (NULL);
	while (isalnum((unsigned char) *cp) || (*cp && strchr("-_.", *cp)))
		cp++;
	return (*cp == '=' ? cp : NULL);
}

/* spf_term_parse - one term; 0 or -1 */

static int
spf_term_parse(const char *term, struct spf_record *rec, struct buf *why)
{
	struct spf_term t;
	const char *eq;
	int     ret;

	memset(&t, 0, sizeof(t));
	t.cidr4 = t.cidr6 = -1;
	t.text = xstrdup(term);
	if ((eq = spf_is_modifier(term)) != NULL)
		ret = spf_modifier(term, eq, &t, rec, why);
	else
		ret = spf_mechanism(term, &t, why);
	rec->terms = xreallocarray(rec->terms, rec->nterms + 1,
				   sizeof(*rec->terms));
	rec->terms[rec->nterms++] = t;
	return (ret);
}

/* spf_record_parse - the terms of a record; 0 or -1 with err */

int
spf_record_parse(const char *text, struct spf_record *rec, struct buf *err)
{
	struct buf why = BUF_INIT;
	const char *cp;
	char   *term;
	size_t  n;
	int     nth = 0;

	memset(rec, 0, sizeof(*rec));
	if (!spf_is_record(text)) {
		buf_puts(err, "it does not start with \"v=spf1\"");
		return (-1);
	}
	for (cp = text + 6; *cp; cp += n) {
		if (*cp == ' ') {
			n = 1;
			continue;
		}
		n = strcspn(cp, " ");
		term = xstrndup(cp, n);
		nth++;
		if (spf_term_parse(term, rec, &why) < 0) {
			buf_printf(err, "term %d \"%s\": %s", nth, term, why.data);
			free(term);
			buf_free(&why);
			spf_record_free(rec);
			return (-1);
		}
		free(term);
	}
	buf_free(&why);
	return (0);
}

/* spf_record_free - release the terms */

void
spf_record_free(struct spf_record *rec)
{
	size_t  i;

	for (i = 0; i < rec->nterms; i++) {
		free(rec->terms[i].text);
		free(rec->terms[i].arg);
	}
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}
