#ifndef SIGNET_CIDR_H
#define SIGNET_CIDR_H

/* cidr - IPv4 and IPv6 networks */

#include <sys/socket.h>

struct cidr {
	int     family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network, host bits cleared */
	int     bits;			/* prefix length */
};

extern int cidr_parse(const char *, struct cidr *, const char **);
extern int cidr_match(const struct cidr *, const struct sockaddr *);
extern int cidr_match_text(const struct cidr *, const char *);
extern void cidr_format(const struct cidr *, char *, size_t);

#endif
