/*++
/* NAME
/*	audit_util 3
/* SUMMARY
/*	signet check: addresses of networks, TXT records of a kind
/* SYNOPSIS
/*	#include "audit/audit.h"
/*
/*	int	audit_nth_addr(const struct cidr *net, unsigned n,
/*			char *text, size_t len)
/*
/*	int	audit_sockaddr(const struct cidr *net,
/*			struct sockaddr_storage *ss)
/*
/*	int	audit_addr_private(const struct cidr *net)
/*
/*	void	audit_net_text(const struct cidr *net, char *text,
/*			size_t len)
/*
/*	int	audit_txt_pick(struct audit *a, const char *name,
/*			int (*want)(const char *), char **first,
/*			struct buf *why)
/* DESCRIPTION
/*	audit_nth_addr() writes the address n places after the first of
/*	the network net (n 0: the network's first address) in text form.
/*	It returns -1 when n is past the network's end.
/*
/*	audit_sockaddr() fills ss with the first address of net.
/*
/*	audit_addr_private() tells whether a network lies in space that
/*	is not routed on the Internet (RFC 1918, loopback, link-local,
/*	shared, IPv6 unique-local, link-local and loopback): mail from it
/*	never reaches a receiver directly.
/*
/*	audit_net_text() writes a network as an SPF record names it: the
/*	address alone for a single address (192.0.2.25), else with its
/*	prefix length (192.0.2.0/24).
/*
/*	audit_txt_pick() looks up the TXT records of name and counts those
/*	that want() accepts (records with a NUL byte never count); *first
/*	gets a copy of the first of them, or NULL.
/* DIAGNOSTICS
/*	audit_nth_addr() returns -1 when n is past the network's end.
/*	audit_txt_pick() returns -1 when the lookup failed, with the
/*	reason in why; no such name or no TXT records count as 0.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/audit.h"

/* audit_nth_addr - the address n places into a network, as text */

int
audit_nth_addr(const struct cidr *net, unsigned n, char *text, size_t len)
{
	int     size = net->family == AF_INET ? 4 : 16;
	int     hostbits = size * 8 - net->bits;
	unsigned char addr[16];
	unsigned carry = n;
	int     i;

	if (hostbits < 32 && n >> hostbits != 0)
		return (-1);
	memcpy(addr, net->addr, size);
	for (i = size - 1; i >= 0 && carry; i--) {
		carry += addr[i];
		addr[i] = carry & 0xff;
		carry >>= 8;
	}
	return (inet_ntop(net->family, addr, text, len) ? 0 : -1);
}

/* audit_sockaddr - the first address of a network */

int
audit_sockaddr(const struct cidr *net, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) ss;

	memset(ss, 0, sizeof(*ss));
	if (net->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, net->addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, net->addr, 16);
	}
	return (0);
}

/* audit_addr_private - a network not routed on the Internet */

int
audit_addr_private(const struct cidr *net)
{
	static const char *const private[] = {
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
		"169.254.0.0/16", "100.64.0.0/10", "::1/128", "fc00::/7",
		"fe80::/10", NULL,
	};
	struct sockaddr_storage ss;
	struct cidr c;
	int     i;

	(void) audit_sockaddr(net, &ss);
	for (i = 0; private[i]; i++)
		if (cidr_parse(private[i], &c, NULL) == 0
		    && cidr_match(&c, (struct sockaddr *) &ss))
			return (1);
	return (0);
}

/* audit_net_text - "192.0.2.25" or "192.0.2.0/24" */

void
audit_net_text(const struct cidr *net, char *text, size_t len)
{
	if (net->bits == (net->family == AF_INET ? 32 : 128))
		(void) audit_nth_addr(net, 0, text, len);
	else
		cidr_format(net, text, len);
}

/* audit_txt_pick - the TXT records of a name that are of one kind */

int
audit_txt_pick(struct audit *a, const char *name, int (*want) (const char *),
	       char **first, struct buf *why)
{
	struct dns_answer ans;
	int     n = 0;
	size_t  i;

	*first = NULL;
	switch (dns_txt(a->dns, name, &ans)) {
	case DNS_OK:
		for (i = 0; i < ans.count; i++) {
			if (strlen(ans.rr[i].text) != ans.rr[i].text_len
			    || !want(ans.rr[i].text))
				continue;
			if (n++ == 0)
				*first = xstrdup(ans.rr[i].text);
		}
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		break;
	default:
		buf_printf(why, "cannot look up TXT %s: %s", name,
			   ans.error ? ans.error : dns_status_name(ans.status));
		n = -1;
		break;
	}
	dns_answer_free(&ans);
	return (n);
}
