/*++
/* NAME
/*	addr 3
/* SUMMARY
/*	the domain of the one address in an RFC 5322 From field
/* SYNOPSIS
/*	#include "addr.h"
/*
/*	enum addr_status addr_from_domain(const char *value,
/*			char *domain, size_t len, const char **why)
/*
/*	int	addr_domain_of(const char *addr, char *domain, size_t len)
/* DESCRIPTION
/*	addr_from_domain() parses the value of a From header field as an
/*	RFC 5322 address list: display names (atoms, quoted strings,
/*	encoded words, and the obsolete dots of "John Q. Public"),
/*	comments (nested), angle addresses, groups (RFC 6854 allows them
/*	in From), and folding white space (CRLF or LF, then a space or
/*	tab). UTF-8 is allowed where RFC 6532 allows it.
/*
/*	The parser is strict: it rejects what it would have to guess at.
/*	Spaces or comments inside an address, dots at the start or end
/*	of a local part, obsolete source routes (<@relay:user@domain>),
/*	domain literals ([192.0.2.1]), domains that are not host names,
/*	and malformed UTF-8 in a domain are all ADDR_BAD.
/*
/*	The domain is copied to \fIdomain\fR, ASCII letters in lower
/*	case and other bytes (UTF-8) as they are.
/*
/*	addr_domain_of() returns the domain of an envelope address such
/*	as user@Example.COM or <user@example.com>, in lower case.
/* DIAGNOSTICS
/*	addr_from_domain() returns ADDR_OK when the field holds exactly
/*	one mailbox (domain set), ADDR_NONE when it holds none (empty,
/*	or only an empty group), ADDR_MANY when it holds more than one,
/*	and ADDR_BAD when it cannot be parsed; then *why, when \fIwhy\fR
/*	is not NULL, is set to a short static explanation. A syntax
/*	error anywhere makes the result ADDR_BAD, even after several
/*	mailboxes.
/*
/*	addr_domain_of() returns 0, or -1 for the null sender <>, an
/*	address without a domain, or a domain that is not a host name.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <string.h>

/* Application-specific. */

#include "addr.h"

 /*
  * Tokens. Single-character specials stand for themselves.
  */
#define TOK_END		0
#define TOK_ATOM	256		/* run of atext (and UTF-8) */
#define TOK_QSTR	257		/* quoted string */
#define TOK_DLIT	258		/* [domain literal] */
#define TOK_ERR		259		/* lexical error; why set */

struct addr_tok {
	int     type;
	const char *start;		/* first byte of the token */
	size_t  len;			/* bytes, including quotes */
	int     space_before;		/* white space or comment before it */
};

struct addr_parser {
	const char *cp;			/* input position */
	struct addr_tok tok;		/* the current token */
	const char *why;		/* first error */
	int     mailboxes;		/* mailboxes seen */
	const char *dom;		/* domain of the first mailbox */
	size_t  dom_len;
};

/* addr_atext - RFC 5322 atext, plus the bytes of UTF-8 (RFC 6532) */

static int
addr_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c >= 0x80)
		return (1);
	return (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* addr_fold - length of a line break that folds (CRLF or LF, then WSP) */

static size_t
addr_fold(const char *cp)
{
	size_t  n = (cp[0] == '\r' && cp[1] == '\n') ? 2 : cp[0] == '\n' ? 1 : 0;

	if (n == 0)
		return (0);
	if (cp[n] == ' ' || cp[n] == '\t')
		return (n + 1);
	if (cp[n] == 0)				/* a line end ending the value */
		return (n);
	return (0);
}

/* addr_wsp - length of white space, folds included, at cp */

static size_t
addr_wsp(const char *cp)
{
	const char *start = cp;
	size_t  n;

	for (;;) {
		if (*cp == ' ' || *cp == '\t')
			cp++;
		else if ((n = addr_fold(cp)) > 0)
			cp += n;
		else
			return ((size_t) (cp - start));
	}
}

/* addr_comment - skip a (nested) comment; 0 if unclosed or bad */

static int
addr_comment(struct addr_parser *p)
{
	int     depth = 0;
	unsigned char c;

	do {
		p->cp += addr_wsp(p->cp);
		c = (unsigned char) *p->cp++;
		if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		else if (c == '\\' && *p->cp != 0 && *p->cp != '\r' && *p->cp != '\n')
			p->cp++;
		else if (c == 0 || c == '\r' || c == '\n' || c == 0x7f
			 || (c < 0x20 && c != '\t')) {
			p->why = c == 0 ? "comment not closed with \")\"" :
			    "control character in a comment";
			return (0);
		}
	} while (depth > 0);
	return (1);
}

/* addr_cfws - skip white space and comments; 0 on error */

static int
addr_cfws(struct addr_parser *p, int *seen)
{
	size_t  n;

	for (;;) {
		if ((n = addr_wsp(p->cp)) > 0) {
			p->cp += n;
			*seen = 1;
		} else if (*p->cp == '(') {
			if (!addr_comment(p))
				return (0);
			*seen = 1;
		} else {
			return (1);
		}
	}
}

/* addr_quoted - scan a quoted string or domain literal to its end */

static int
addr_quoted(struct addr_parser *p, int close, const char *unclosed)
{
	unsigned char c;
	size_t  n;

	for (p->cp++; (c = (unsigned char) *p->cp) != close; p->cp++) {
		if ((n = addr_fold(p->cp)) > 0) {
			p->cp += n - 1;
		} else if (c == '\\' && p->cp[1] != 0 && p->cp[1] != '\r'
			   && p->cp[1] != '\n') {
			p->cp++;
		} else if (c == 0) {
			p->why = unclosed;
			return (TOK_ERR);
		} else if (c == '\r' || c == '\n' || c == 0x7f
			   || (c < 0x20 && c != '\t')
			   || (close == ']' && (c == '[' || c == '\\'))) {
			p->why = close == '"' ? "bad character in a quoted string" :
			    "bad character in a domain literal";
			return (TOK_ERR);
		}
	}
	p->cp++;
	return (close == '"' ? TOK_QSTR : TOK_DLIT);
}

/* addr_next - move to the next token */

static void
addr_next(struct addr_parser *p)
{
	struct addr_tok *t = &p->tok;
	unsigned char c;

	t->space_before = 0;
	if (!addr_cfws(p, &t->space_before)) {
		t->type = TOK_ERR;
		return;
	}
	t->start = p->cp;
	c = (unsigned char) *p->cp;
	if (c == 0) {
		t->type = TOK_END;
	} else if (addr_atext(c)) {
		while (addr_atext((unsigned char) *p->cp))
			p->cp++;
		t->type = TOK_ATOM;
	} else if (c == '"') {
		t->type = addr_quoted(p, '"', "quoted string not closed with '\"'");
	} else if (c == '[') {
		t->type = addr_quoted(p, ']', "domain literal not closed with \"]\"");
	} else if (strchr(".<>@,:;", c) != NULL) {
		p->cp++;
		t->type = c;
	} else {
		p->why = c == ')' ? "\")\" without \"(\"" :
		    (c < 0x20 || c == 0x7f) ? "control character or bare line break" :
		    "character not allowed here";
		t->type = TOK_ERR;
	}
	t->len = (size_t) (p->cp - t->start);
}

/* addr_utf8_ok - is this well-formed UTF-8 (no overlongs, surrogates) */

static int
addr_utf8_ok(const unsigned char *s, size_t len)
{
	size_t  i = 0, n, k;
	unsigned long cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, cp = s[i] & 0x07;
		else
			return (0);
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
		    || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* addr_domain_copy - check a host name, copy it in lower case */

static const char *
addr_domain_copy(const char *s, size_t len, char *out, size_t size)
{
	size_t  i, label = 0;
	unsigned char c;

	if (len == 0)
		return ("empty domain");
	if (len > 253)
		return ("domain longer than 253 characters");
	if (len >= size)
		return ("domain too long");
	for (i = 0; i < len; i++) {
		c = (unsigned char) s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return ("domain is not a host name");
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			   || c == '_' || c >= 0x80 || (c >= 'A' && c <= 'Z')
			   || (c == '-' && label > 0)) {
			if (++label > 63)
				return ("domain label longer than 63 characters");
		} else {
			return ("domain is not a host name");
		}
		out[i] = (char) ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	out[len] = 0;
	if (label == 0 || s[len - 1] == '-')
		return ("domain is not a host name");
	if (!addr_utf8_ok((const unsigned char *) s, len))
		return ("domain is not valid UTF-8");
	return (NULL);
}

/* addr_fail - record the first error */

static int
addr_fail(struct addr_parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	return (0);
}

/* addr_expect - the current token must be this special; move past it */

static int
addr_expect(struct addr_parser *p, int type, const char *why)
{
	if (p->tok.type == TOK_ERR)
		return (0);
	if (p->tok.type != type)
		return (addr_fail(p, why));
	addr_next(p);
	return (1);
}

/* addr_local_part - a dot-atom or one quoted string, no spaces inside */

static int
addr_local_part(struct addr_parser *p)
{
	if (p->tok.type == TOK_QSTR) {
		addr_next(p);
		if (p->tok.type == '.')
			return (addr_fail(p, "quoted string and dots mixed in a local part"));
		return (1);
	}
	for (;;) {
		if (p->tok.type != TOK_ATOM)
			return (addr_fail(p, p->tok.type == TOK_QSTR ?
				"quoted string and dots mixed in a local part" :
				"local part is not a dot-atom or a quoted string"));
		addr_next(p);
		if (p->tok.type == TOK_ATOM || p->tok.type == TOK_QSTR)
			return (addr_fail(p, "space or comment inside the local part"));
		if (p->tok.type != '.')
			return (1);
		if (p->tok.space_before)
			return (addr_fail(p, "space or comment inside the local part"));
		addr_next(p);
		if (p->tok.space_before)
			return (addr_fail(p, "space or comment inside the local part"));
	}
}

/* addr_domain - the domain after "@", a dot-atom */

static int
addr_domain(struct addr_parser *p)
{
	const char *start = p->tok.start;
	const char *end;

	for (;;) {
		if (p->tok.type == TOK_DLIT)
			return (addr_fail(p, "domain literal cannot be signed for"));
		if (p->tok.type != TOK_ATOM)
			return (addr_fail(p, p->tok.start == start ?
					  "no domain after \"@\"" :
				    "empty label in the domain (a dot at the end, "
					  "or two in a row)"));
		end = p->tok.start + p->tok.len;
		addr_next(p);
		if (p->tok.type != '.' || p->tok.space_before)
			break;
		addr_next(p);
		if (p->tok.space_before)
			return (addr_fail(p, "space or comment inside the domain"));
	}
	if (p->mailboxes++ == 0) {
		p->dom = start;
		p->dom_len = (size_t) (end - start);
	}
	return (1);
}

static int addr_mailbox(struct addr_parser *, int);

/* addr_spec - local-part "@" domain */

static int
addr_spec(struct addr_parser *p)
{
	return (addr_local_part(p)
		&& addr_expect(p, '@', "no \"@\" in the address")
		&& addr_domain(p));
}

/* addr_angle - "<" addr-spec ">" */

static int
addr_angle(struct addr_parser *p)
{
	addr_next(p);
	if (p->tok.type == '@')
		return (addr_fail(p, "obsolete source route in the address"));
	if (p->tok.type == '>')
		return (addr_fail(p, "empty address <>"));
	return (addr_spec(p)
		&& addr_expect(p, '>', "address not closed with \">\""));
}

/* addr_phrase - a display name: words, and the obsolete dots */

static int
addr_phrase(struct addr_parser *p)
{
	if (p->tok.type == '.')
		return (addr_fail(p, "display name starts with a dot"));
	while (p->tok.type == TOK_ATOM || p->tok.type == TOK_QSTR
	       || p->tok.type == '.')
		addr_next(p);
	return (1);
}

/* addr_peek - the token after a run of words, without moving */

static int
addr_peek(struct addr_parser *p, int *words)
{
	struct addr_parser save = *p;
	int     type;

	for (*words = 0; p->tok.type == TOK_ATOM || p->tok.type == TOK_QSTR
	     || p->tok.type == '.'; ++*words)
		addr_next(p);
	type = p->tok.type;
	if (type == TOK_ERR)
		save.why = p->why;
	*p = save;
	return (type);
}

/* addr_group - ":" [mailbox-list] ";" after the display name */

static int
addr_group(struct addr_parser *p)
{
	addr_next(p);
	for (;;) {
		switch (p->tok.type) {
		case ';':
			addr_next(p);
			return (1);
		case ',':
			addr_next(p);
			continue;
		case TOK_ERR:
			return (0);
		case TOK_END:
			return (addr_fail(p, "group not closed with \";\""));
		}
		if (!addr_mailbox(p, 1))
			return (0);
		if (p->tok.type == TOK_END)
			return (addr_fail(p, "group not closed with \";\""));
		if (p->tok.type != ',' && p->tok.type != ';')
			return (addr_fail(p, "text after the address"));
	}
}

/* addr_mailbox - name-addr, addr-spec, or (outside a group) a group */

static int
addr_mailbox(struct addr_parser *p, int in_group)
{
	int     words;

	switch (addr_peek(p, &words)) {
	case '@':
		return (addr_spec(p));
	case '<':
		return (addr_phrase(p) && addr_angle(p));
	case ':':
		if (in_group)
			return (addr_fail(p, "group inside a group"));
		if (words == 0)
			return (addr_fail(p, "group without a name"));
		return (addr_phrase(p) && addr_group(p));
	case TOK_ERR:
		return (0);
	default:
		return (addr_fail(p, words == 0 ? "no address where one is expected" :
				  "no \"@\" in the address"));
	}
}

/* addr_from_domain - the domain of the one mailbox in a From field */

enum addr_status
addr_from_domain(const char *value, char *domain, size_t len,
		         const char **why)
{
	struct addr_parser p;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	if (len > 0)
		domain[0] = 0;
	*why = "no address";
	if (value == NULL)
		return (ADDR_NONE);
	memset(&p, 0, sizeof(p));
	p.cp = value;
	addr_next(&p);
	while (p.tok.type != TOK_END && p.tok.type != TOK_ERR && p.why == NULL) {
		if (p.tok.type == ',') {
			addr_next(&p);
			continue;
		}
		if (addr_mailbox(&p, 0) && p.tok.type != ','
		    && p.tok.type != TOK_END)
			(void) addr_fail(&p, "text after the address");
	}
	if (p.why != NULL) {
		*why = p.why;
		return (ADDR_BAD);
	}
	if (p.mailboxes == 0)
		return (ADDR_NONE);
	if (p.mailboxes > 1) {
		*why = "more than one address";
		return (ADDR_MANY);
	}
	if ((*why = addr_domain_copy(p.dom, p.dom_len, domain, len)) != NULL) {
		if (len > 0)
			domain[0] = 0;
		return (ADDR_BAD);
	}
	return (ADDR_OK);
}

/* addr_domain_of - the domain of an envelope address */

int
addr_domain_of(const char *addr, char *domain, size_t len)
{
	const char *at = NULL;
	size_t  n, i;

	if (len > 0)
		domain[0] = 0;
	if (addr == NULL)
		return (-1);
	n = strlen(addr);
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	for (i = 0; i < n; i++)
		if (addr[i] == '@')
			at = addr + i;
	if (at == NULL || at == addr)
		return (-1);
	n -= (size_t) (at + 1 - addr);
	if (addr_domain_copy(at + 1, n, domain, len) != NULL) {
		if (len > 0)
			domain[0] = 0;
		return (-1);
	}
	return (0);
}
