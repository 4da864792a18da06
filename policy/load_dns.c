/*++
/* NAME
/*	load_dns 3
/* SUMMARY
/*	read the "dns" section: the resolver's nameserver and timeout
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_dns(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	load_dns() reads the top-level key "dns", a mapping:
/* .IP nameserver
/*	The server signet asks, as IP or IP@PORT (IPv4 or IPv6):
/*	127.0.0.1, 127.0.0.1@53053, ::1@53. Null or absent: the servers
/*	of /etc/resolv.conf.
/* .IP timeout
/*	How long one lookup may take, a duration (5s, 1m) from 1 second
/*	to 1 minute; default 5s. A lookup that takes longer is a
/*	temporary failure.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a nameserver that is not an
/*	address or has a bad port; a timeout that is not a duration or
/*	out of range.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "load.h"

#define DNS_TIMEOUT_MAX	60		/* seconds */

/* dns_server_check - why s is not IP or IP@PORT, or NULL */

static const char *
dns_server_check(const char *s)
{
	unsigned char addr[16];
	const char *at = strrchr(s, '@');
	char   *ip = xstrndup(s, at ? (size_t) (at - s) : strlen(s));
	char   *end;
	long    port;
	int     ok;

	ok = inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1;
	free(ip);
	if (!ok)
		return ("is not an IP address");
	if (at == NULL)
		return (NULL);
	port = strtol(at + 1, &end, 10);
	if (at[1] < '0' || at[1] > '9' || *end != 0 || port < 1 || port > 65535)
		return ("has a port that is not a number from 1 to 65535");
	return (NULL);
}

/* load_nameserver - "nameserver" in "dns" */

static void
load_nameserver(struct loader *ld, const struct item *it)
{
	const char *s;
	const char *why;

	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && (why = dns_server_check(s)) != NULL) {
		ld_error(ld, it->val, "nameserver \"%s\" %s; write IP or IP@PORT, "
			 "e.g. 127.0.0.1 or 127.0.0.1@53", s, why);
		return;
	}
	ld_set(&ld->p->dns.nameserver, s);
}

/* load_timeout - "timeout" in "dns" */

static void
load_timeout(struct loader *ld, const struct item *it)
{
	const char *s;
	long    secs;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (duration_parse(s, &secs) != NULL)
		ld_error(ld, it->val, "timeout \"%s\" is not a duration; write "
			 "seconds (5) or a number with s or m (5s)", s);
	else if (secs < 1 || secs > DNS_TIMEOUT_MAX)
		ld_error(ld, it->val, "timeout \"%s\" is out of range; write a "
			 "duration from 1s to %ds", s, DNS_TIMEOUT_MAX);
	else
		ld->p->dns.timeout_ms = (int) secs * 1000;
}

static const struct rule dns_rules[] = {
	{"nameserver", load_nameserver},
	{"timeout", load_timeout},
	{NULL, NULL},
};

/* load_dns - "dns": the resolver */

void
load_dns(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_MAP))
		return;
	(void) walk_map(ld, it->val, "in \"dns\"", dns_rules, NULL);
}
