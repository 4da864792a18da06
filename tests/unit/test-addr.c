/*++
/* NAME
/*	test-addr 1
/* SUMMARY
/*	table tests of From parsing and of networks
/* SYNOPSIS
/*	test-addr
/* DESCRIPTION
/*	Runs addr_from_domain() and addr_domain_of() over tables of
/*	header values and envelope addresses, and cidr_parse(),
/*	cidr_match_text(), cidr_match() and cidr_format() over tables of
/*	networks and addresses, comparing each result with the expected
/*	one.
/* DIAGNOSTICS
/*	One line per failed case, then "N passed, N failed"; the exit
/*	status is 1 when a test failed.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Application-specific. */

#include "addr.h"
#include "cidr.h"
#include "test.h"

struct from_case {
	const char *value;
	enum addr_status status;
	const char *domain;		/* ADDR_OK: the domain; else why */
};

static const struct from_case from_cases[] = {
	/* One mailbox, the usual forms. */
	{"user@example.com", ADDR_OK, "example.com"},
	{"User@Example.COM", ADDR_OK, "example.com"},
	{"<user@example.com>", ADDR_OK, "example.com"},
	{" Jane Doe <jane@example.com>", ADDR_OK, "example.com"},
	{"\"Doe, Jane\" <jane@mail.example.org>", ADDR_OK, "mail.example.org"},
	{"John Q. Public <jqp@example.net>", ADDR_OK, "example.net"},
	{"jane.doe+tag@sub.example.co.uk", ADDR_OK, "sub.example.co.uk"},
	{"!#$%&'*+-/=?^_`{|}~@example.com", ADDR_OK, "example.com"},
	/* Comments, nested, and around the parts. */
	{"jane@example.com (Jane Doe)", ADDR_OK, "example.com"},
	{"(comment) jane@example.com", ADDR_OK, "example.com"},
	{"jane (a (nested) comment) @ example.com", ADDR_OK, "example.com"},
	{"Jane <jane@example.com> (work (main))", ADDR_OK, "example.com"},
	{"(\\) escaped paren) jane@example.com", ADDR_OK, "example.com"},
	/* Quoted local parts. */
	{"\"a@b\"@example.com", ADDR_OK, "example.com"},
	{"\"quoted \\\" local\"@Example.org", ADDR_OK, "example.org"},
	{"\"a@evil.test\" <\"x@y\"@example.com>", ADDR_OK, "example.com"},
	{"\"\"@example.com", ADDR_OK, "example.com"},
	/* Folding white space. */
	{"Jane Doe\r\n <jane@example.com>", ADDR_OK, "example.com"},
	{"Jane Doe\n\t<jane@example.com>", ADDR_OK, "example.com"},
	{"\"Jane\r\n Doe\" <jane@example.com>\r\n", ADDR_OK, "example.com"},
	/* Encoded words and UTF-8 (RFC 2047, RFC 6532). */
	{"=?UTF-8?B?SsO2cmc=?= <joerg@example.de>", ADDR_OK, "example.de"},
	{"=?iso-8859-1?q?J=F6rg?= <joerg@example.de>", ADDR_OK, "example.de"},
	{"J\xc3\xb6rg <j\xc3\xb6rg@B\xc3\xbc" "cher.example>", ADDR_OK,
	"b\xc3\xbc" "cher.example"},
	{"user@xn--bcher-kva.example", ADDR_OK, "xn--bcher-kva.example"},
	/* Groups (RFC 6854). */
	{"Team: jane@example.com;", ADDR_OK, "example.com"},
	{"Team: jane@example.com, joe@example.com;", ADDR_MANY, NULL},
	{"undisclosed-recipients:;", ADDR_NONE, NULL},
	{"Team: ;, jane@example.com", ADDR_OK, "example.com"},
	/* Several, or none. */
	{"jane@example.com, joe@example.org", ADDR_MANY, NULL},
	{"Jane <jane@example.com>, Joe <joe@example.org>", ADDR_MANY, NULL},
	{"jane@example.com,", ADDR_OK, "example.com"},
	{"", ADDR_NONE, NULL},
	{"   ", ADDR_NONE, NULL},
	{" (just a comment) ", ADDR_NONE, NULL},
	/* Garbage and what is refused rather than guessed at. */
	{"jane", ADDR_BAD, "no \"@\" in the address"},
	{"Jane Doe", ADDR_BAD, "no \"@\" in the address"},
	{"jane@", ADDR_BAD, "no domain after \"@\""},
	{"@example.com", ADDR_BAD,
	"local part is not a dot-atom or a quoted string"},
	{"jane@[192.0.2.1]", ADDR_BAD, "domain literal cannot be signed for"},
	{"<@relay.example:jane@example.com>", ADDR_BAD,
	"obsolete source route in the address"},
	{"<>", ADDR_BAD, "empty address <>"},
	{"jane@example.com.", ADDR_BAD,
	"empty label in the domain (a dot at the end, or two in a row)"},
	{"jane@example..com", ADDR_BAD,
	"empty label in the domain (a dot at the end, or two in a row)"},
	{".jane@example.com", ADDR_BAD,
	"local part is not a dot-atom or a quoted string"},
	{"jane.@example.com", ADDR_BAD,
	"local part is not a dot-atom or a quoted string"},
	{"jane doe@example.com", ADDR_BAD,
	"space or comment inside the local part"},
	{"jane@exa mple.com", ADDR_BAD, "text after the address"},
	{"jane@example .com", ADDR_BAD, "text after the address"},
	{"jane@ex_ample.com", ADDR_OK, "ex_ample.com"},
	{"jane@exa!mple.com", ADDR_BAD, "domain is not a host name"},
	{"jane@-example.com", ADDR_BAD, "domain is not a host name"},
	{"jane@example.com <joe@example.org>", ADDR_BAD, "text after the address"},
	{"Jane <jane@example.com", ADDR_BAD, "address not closed with \">\""},
	{"\"Jane <jane@example.com>", ADDR_BAD,
	"quoted string not closed with '\"'"},
	{"(Jane jane@example.com", ADDR_BAD, "comment not closed with \")\""},
	{"jane@example.com)", ADDR_BAD, "\")\" without \"(\""},
	{"Jane Doe\r\n<jane@example.com>", ADDR_BAD,
	"control character or bare line break"},
	{"jane@example.com\rx", ADDR_BAD, "control character or bare line break"},
	{"Team: jane@example.com", ADDR_BAD, "group not closed with \";\""},
	{"A: B: jane@example.com;;", ADDR_BAD, "group inside a group"},
	{": jane@example.com;", ADDR_BAD, "group without a name"},
	{"jane@exa\x01mple.com", ADDR_BAD, "control character or bare line break"},
	{"jane@example.com\\", ADDR_BAD, "character not allowed here"},
	{"Jane <jane@example.com> x", ADDR_BAD, "text after the address"},
	{"Team: jane@example.com, (c) ;", ADDR_OK, "example.com"},
	{"jane@b\xc3r.example", ADDR_BAD, "domain is not valid UTF-8"},
	{"jane@\xc0\xaf.example", ADDR_BAD, "domain is not valid UTF-8"},
	{"\"jane\".doe@example.com", ADDR_BAD,
	"quoted string and dots mixed in a local part"},
	{"jane@example.com; joe@example.org", ADDR_BAD, "text after the address"},
};

/* test_from - addr_from_domain over the table */

static void
test_from(void)
{
	const struct from_case *c;
	char    domain[256];
	const char *why;
	size_t  i;

	test_begin("addr_from_domain");
	for (i = 0; i < sizeof(from_cases) / sizeof(from_cases[0]); i++) {
		c = &from_cases[i];
		why = NULL;
		if (addr_from_domain(c->value, domain, sizeof(domain), &why)
		    != c->status) {
			printf("  case %lu \"%s\": status %d (%s), want %d\n",
			       (unsigned long) i, c->value,
			       (int) addr_from_domain(c->value, domain,
						      sizeof(domain), &why),
			       why ? why : "-", (int) c->status);
			test_failures++;
			continue;
		}
		if (c->status == ADDR_OK)
			test_assert_str(domain, c->domain);
		else if (c->status == ADDR_BAD)
			test_assert_str(why, c->domain);
		else
			test_assert_str(domain, "");
	}
	test_assert_int(addr_from_domain(NULL, domain, sizeof(domain), NULL),
			ADDR_NONE);
	test_end();
}

/* test_from_sizes - domains at and past the limits */

static void
test_from_sizes(void)
{
	char    value[600];
	char    domain[256];
	char    small[8];
	const char *why;

	test_begin("addr_from_domain limits");
	/* 63-character label fits, 64 does not. */
	(void) snprintf(value, sizeof(value), "a@%s.example",
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc");
	test_assert_int(addr_from_domain(value, domain, sizeof(domain), &why), ADDR_OK);
	(void) snprintf(value, sizeof(value), "a@%s.example",
	       "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd");
	test_assert_int(addr_from_domain(value, domain, sizeof(domain), &why), ADDR_BAD);
	test_assert_str(why, "domain label longer than 63 characters");
	/* A buffer too small for the domain. */
	test_assert_int(addr_from_domain("a@example.com", small, sizeof(small),
					 &why), ADDR_BAD);
	test_assert_str(why, "domain too long");
	test_assert_str(small, "");
	test_end();
}

struct env_case {
	const char *addr;
	int     status;
	const char *domain;
};

static const struct env_case env_cases[] = {
	{"user@Example.COM", 0, "example.com"},
	{"<user@example.com>", 0, "example.com"},
	{"\"a@b\"@example.org", 0, "example.org"},
	{"<@relay.example:user@example.net>", 0, "example.net"},
	{"", -1, ""},
	{"<>", -1, ""},
	{"user", -1, ""},
	{"user@", -1, ""},
	{"@example.com", -1, ""},
	{"user@[192.0.2.1]", -1, ""},
	{"user@example..com", -1, ""},
	{"user@exa mple.com", -1, ""},
};

/* test_envelope - addr_domain_of over the table */

static void
test_envelope(void)
{
	const struct env_case *c;
	char    domain[256];
	size_t  i;

	test_begin("addr_domain_of");
	for (i = 0; i < sizeof(env_cases) / sizeof(env_cases[0]); i++) {
		c = &env_cases[i];
		test_assert_int(addr_domain_of(c->addr, domain, sizeof(domain)),
				c->status);
		test_assert_str(domain, c->domain);
	}
	test_assert_int(addr_domain_of(NULL, domain, sizeof(domain)), -1);
	test_end();
}

struct cidr_case {
	const char *text;
	int     status;
	const char *formatted;		/* status 0 or -2: the network */
	const char *why;		/* status < 0 */
};

static const struct cidr_case cidr_cases[] = {
	{"10.0.0.0/8", 0, "10.0.0.0/8", NULL},
	{"192.0.2.1", 0, "192.0.2.1/32", NULL},
	{"192.0.2.1/32", 0, "192.0.2.1/32", NULL},
	{"0.0.0.0/0", 0, "0.0.0.0/0", NULL},
	{"2001:db8::/32", 0, "2001:db8::/32", NULL},
	{"2001:DB8::1", 0, "2001:db8::1/128", NULL},
	{"::/0", 0, "::/0", NULL},
	{"::ffff:192.0.2.0/120", 0, "::ffff:192.0.2.0/120", NULL},
	{"10.1.2.3/8", -2, "10.0.0.0/8", "host bits are set after the prefix length"},
	{"192.0.2.128/25", 0, "192.0.2.128/25", NULL},
	{"192.0.2.130/25", -2, "192.0.2.128/25",
	"host bits are set after the prefix length"},
	{"2001:db8::1/32", -2, "2001:db8::/32",
	"host bits are set after the prefix length"},
	{"10.0.0.0/33", -1, NULL, "the prefix length must be a number from 0 to 32"},
	{"10.0.0.0/", -1, NULL, "the prefix length must be a number from 0 to 32"},
	{"10.0.0.0/8x", -1, NULL, "the prefix length must be a number from 0 to 32"},
	{"10.0.0.0/-1", -1, NULL, "the prefix length must be a number from 0 to 32"},
	{"2001:db8::/129", -1, NULL,
	"the prefix length must be a number from 0 to 128"},
	{"10.0.0.300/8", -1, NULL, "not an IPv4 address"},
	{"10.0.0/8", -1, NULL, "not an IPv4 address"},
	{"2001:db8:::1", -1, NULL, "not an IPv6 address"},
	{"example.com", -1, NULL, "not an IPv4 address"},
	{"", -1, NULL, "not an IPv4 or IPv6 address"},
	{"/8", -1, NULL, "not an IPv4 or IPv6 address"},
};

/* test_cidr_parse - cidr_parse and cidr_format over the table */

static void
test_cidr_parse(void)
{
	const struct cidr_case *c;
	struct cidr net;
	char    text[64];
	const char *why;
	size_t  i;

	test_begin("cidr_parse");
	for (i = 0; i < sizeof(cidr_cases) / sizeof(cidr_cases[0]); i++) {
		c = &cidr_cases[i];
		why = NULL;
		test_assert_int(cidr_parse(c->text, &net, &why), c->status);
		test_assert_str(why, c->why);
		if (c->formatted) {
			cidr_format(&net, text, sizeof(text));
			test_assert_str(text, c->formatted);
		}
	}
	test_assert_int(cidr_parse("10.0.0.0/8", &net, NULL), 0);
	cidr_format(&net, text, 5);
	test_assert_str(text, "10.0");
	test_end();
}

struct match_case {
	const char *net;
	const char *addr;
	int     match;
};

static const struct match_case match_cases[] = {
	{"10.0.0.0/8", "10.255.255.255", 1},
	{"10.0.0.0/8", "11.0.0.0", 0},
	{"10.0.0.0/8", "::ffff:10.1.2.3", 1},
	{"10.0.0.0/8", "::ffff:11.1.2.3", 0},
	{"10.0.0.0/8", "IPv6:::ffff:10.1.2.3", 1},
	{"10.0.0.0/8", "::a01:203", 0},
	{"192.0.2.128/25", "192.0.2.128", 1},
	{"192.0.2.128/25", "192.0.2.127", 0},
	{"192.0.2.1/32", "192.0.2.1", 1},
	{"192.0.2.1/32", "192.0.2.2", 0},
	{"0.0.0.0/0", "203.0.113.9", 1},
	{"0.0.0.0/0", "2001:db8::1", 0},
	{"::/0", "2001:db8::1", 1},
	{"::/0", "203.0.113.9", 0},
	{"2001:db8::/32", "2001:db8:ffff::1", 1},
	{"2001:db8::/32", "2001:db9::1", 0},
	{"2001:db8::/33", "2001:db8:7fff::1", 1},
	{"2001:db8::/33", "2001:db8:8000::1", 0},
	{"::1/128", "::1", 1},
	{"::1/128", "IPv6:::1", 1},
	{"::1/128", "::2", 0},
	{"::1/128", "127.0.0.1", 0},
	{"::ffff:192.0.2.0/120", "192.0.2.7", 1},
	{"::ffff:192.0.2.0/120", "192.0.3.7", 0},
	{"10.0.0.0/8", "not an address", 0},
	{"10.0.0.0/8", "10.0.0", 0},
};

/* test_cidr_match - cidr_match_text over the table */

static void
test_cidr_match(void)
{
	const struct match_case *c;
	struct cidr net;
	size_t  i;

	test_begin("cidr_match_text");
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		c = &match_cases[i];
		test_assert_int(cidr_parse(c->net, &net, NULL), 0);
		if (cidr_match_text(&net, c->addr) != c->match) {
			printf("  %s in %s: %d, want %d\n", c->addr, c->net,
			       !c->match, c->match);
			test_failures++;
		}
	}
	test_assert_int(cidr_match_text(&net, NULL), 0);
	test_end();
}

/* test_cidr_sockaddr - cidr_match with socket addresses */

static void
test_cidr_sockaddr(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr sa;
	struct cidr v4, v6;

	test_begin("cidr_match");
	test_assert_int(cidr_parse("127.0.0.0/8", &v4, NULL), 0);
	test_assert_int(cidr_parse("::1/128", &v6, NULL), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	test_assert_int(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	test_assert_int(cidr_match(&v4, (struct sockaddr *) &sin), 1);
	test_assert_int(cidr_match(&v6, (struct sockaddr *) &sin), 0);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	test_assert_int(inet_pton(AF_INET6, "::1", &sin6.sin6_addr), 1);
	test_assert_int(cidr_match(&v6, (struct sockaddr *) &sin6), 1);
	test_assert_int(cidr_match(&v4, (struct sockaddr *) &sin6), 0);
	test_assert_int(inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr), 1);
	test_assert_int(cidr_match(&v4, (struct sockaddr *) &sin6), 1);
	test_assert_int(cidr_match(&v6, (struct sockaddr *) &sin6), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	test_assert_int(cidr_match(&v4, &sa), 0);
	test_assert_int(cidr_match(&v4, NULL), 0);
	test_end();
}

/* main - run the tests */

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_from,
		test_from_sizes,
		test_envelope,
		test_cidr_parse,
		test_cidr_match,
		test_cidr_sockaddr,
		NULL,
	};

	return (test_run(tests));
}
