/*++
/* NAME
/*	cidr 3
/* SUMMARY
/*	IPv4 and IPv6 networks
/* SYNOPSIS
/*	#include "cidr.h"
/*
/*	int	cidr_parse(const char *text, struct cidr *c, const char **why)
/*
/*	int	cidr_match(const struct cidr *c, const struct sockaddr *sa)
/*
/*	int	cidr_match_text(const struct cidr *c, const char *addr)
/*
/*	void	cidr_format(const struct cidr *c, char *out, size_t len)
/* DESCRIPTION
/*	cidr_parse() reads a network written as ADDRESS/BITS, with an
/*	IPv4 address (192.0.2.0/24) or an IPv6 address (2001:db8::/32).
/*	A bare address is a network of that one address (/32 or /128).
/*
/*	cidr_match() tells whether a client address is in a network.
/*	An IPv4-mapped IPv6 address (::ffff:192.0.2.1, as a dual-stack
/*	socket reports IPv4 clients) is taken as the IPv4 address it
/*	holds: it matches IPv4 networks. An IPv4 address matches an IPv6
/*	network only when that network lies within ::ffff:0:0/96. Other
/*	address families never match.
/*
/*	cidr_match_text() does the same for an address in text form;
/*	an "IPv6:" prefix (as Sendmail writes {client_addr}) is allowed.
/*	Text that is not an address matches nothing.
/*
/*	cidr_format() writes the network as ADDRESS/BITS, truncated to
/*	fit in \fIlen\fR bytes including the terminator.
/* DIAGNOSTICS
/*	cidr_parse() returns 0 on success. It returns -1 when the text
/*	is not a network, and -2 when the address has bits set after the
/*	prefix (10.1.2.3/8): then \fIc\fR holds the network with those
/*	bits cleared (10.0.0.0/8), so that the caller can say which
/*	network was probably meant. On failure *why, when \fIwhy\fR is
/*	not NULL, is set to a static explanation.
/*
/*	cidr_match() and cidr_match_text() return 1 for a match, else 0.
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
#include <strings.h>

/* Application-specific. */

#include "cidr.h"

static const unsigned char cidr_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* cidr_prefix_equal - compare the first bits of two addresses */

static int
cidr_prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int     full = bits / 8;
	int     rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t) full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (unsigned char) (0xff << (8 - rest));
	return (((a[full] ^ b[full]) & mask) == 0);
}

/* cidr_clear_host - clear the bits after the prefix */

static void
cidr_clear_host(struct cidr *c)
{
	int     size = c->family == AF_INET ? 4 : 16;
	int     i;

	for (i = 0; i < size; i++) {
		if (c->bits <= i * 8)
			c->addr[i] = 0;
		else if (c->bits < (i + 1) * 8)
			c->addr[i] &= (unsigned char) (0xff << ((i + 1) * 8 - c->bits));
	}
}

/* cidr_parse_bits - the prefix length after the slash, -1 if bad */

static int
cidr_parse_bits(const char *cp, int max)
{
	int     bits = 0;
	int     digits = 0;

	for (; *cp >= '0' && *cp <= '9'; cp++) {
		if (++digits > 3)
			return (-1);
		bits = bits * 10 + (*cp - '0');
	}
	if (digits == 0 || *cp != 0 || bits > max)
		return (-1);
	return (bits);
}

/* cidr_parse - read ADDRESS[/BITS] */

int
cidr_parse(const char *text, struct cidr *c, const char **why)
{
	char    host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t  len = slash ? (size_t) (slash - text) : strlen(text);
	struct cidr net;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	memset(c, 0, sizeof(*c));
	memset(&net, 0, sizeof(net));
	if (len == 0 || len >= sizeof(host)) {
		*why = "not an IPv4 or IPv6 address";
		return (-1);
	}
	memcpy(host, text, len);
	host[len] = 0;
	net.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(net.family, host, net.addr) != 1) {
		*why = net.family == AF_INET6 ? "not an IPv6 address" :
		    "not an IPv4 address";
		return (-1);
	}
	net.bits = net.family == AF_INET ? 32 : 128;
	if (slash && (net.bits = cidr_parse_bits(slash + 1, net.bits)) < 0) {
		*why = net.family == AF_INET ?
		    "the prefix length must be a number from 0 to 32" :
		    "the prefix length must be a number from 0 to 128";
		return (-1);
	}
	*c = net;
	cidr_clear_host(c);
	if (memcmp(c->addr, net.addr, sizeof(net.addr)) != 0) {
		*why = "host bits are set after the prefix length";
		return (-2);
	}
	return (0);
}

/* cidr_match_bytes - match an address given as family and bytes */

static int
cidr_match_bytes(const struct cidr *c, int family, const unsigned char *a)
{
	if (family == AF_INET6 && memcmp(a, cidr_mapped_prefix, 12) == 0) {
		family = AF_INET;
		a += 12;
	}
	if (c->family == AF_INET)
		return (family == AF_INET && cidr_prefix_equal(c->addr, a, c->bits));
	if (c->family != AF_INET6)
		return (0);
	if (family == AF_INET6)
		return (cidr_prefix_equal(c->addr, a, c->bits));
	return (c->bits >= 96
		&& memcmp(c->addr, cidr_mapped_prefix, 12) == 0
		&& cidr_prefix_equal(c->addr + 12, a, c->bits - 96));
}

/* cidr_match - is a socket address in the network */

int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	if (sa == NULL)
		return (0);
	if (sa->sa_family == AF_INET)
		return (cidr_match_bytes(c, AF_INET, (const unsigned char *)
			  &((const struct sockaddr_in *) (const void *) sa)->sin_addr));
	if (sa->sa_family == AF_INET6)
		return (cidr_match_bytes(c, AF_INET6, (const unsigned char *)
			&((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr));
	return (0);
}

/* cidr_match_text - is an address in text form in the network */

int
cidr_match_text(const struct cidr *c, const char *text)
{
	unsigned char a[16];

	if (text == NULL)
		return (0);
	if (strncasecmp(text, "IPv6:", 5) == 0)
		text += 5;
	if (strchr(text, ':') != NULL) {
		if (inet_pton(AF_INET6, text, a) != 1)
			return (0);
		return (cidr_match_bytes(c, AF_INET6, a));
	}
	if (inet_pton(AF_INET, text, a) != 1)
		return (0);
	return (cidr_match_bytes(c, AF_INET, a));
}

/* cidr_format - write ADDRESS/BITS */

void
cidr_format(const struct cidr *c, char *out, size_t len)
{
	char    host[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if (inet_ntop(c->family, c->addr, host, sizeof(host)) == NULL) {
		(void) snprintf(out, len, "(bad network)");
		return;
	}
	(void) snprintf(out, len, "%s/%d", host, c->bits);
}
