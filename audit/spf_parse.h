#ifndef SIGNET_SPF_PARSE_H
#define SIGNET_SPF_PARSE_H

/* spf_parse - the terms of an SPF record (RFC 7208 section 12 syntax) */

#include <stddef.h>

#include "buf.h"

enum spf_kind {
	SPFT_ALL,
	SPFT_INCLUDE,
	SPFT_A,
	SPFT_MX,
	SPFT_PTR,
	SPFT_IP4,
	SPFT_IP6,
	SPFT_EXISTS,
	SPFT_REDIRECT,			/* modifiers from here on */
	SPFT_EXP,
	SPFT_UNKNOWN			/* an unknown modifier: ignored */
};

struct spf_term {
	enum spf_kind kind;
	char    qualifier;		/* '+' '-' '~' '?'; 0 for modifiers */
	char   *text;			/* the term as written */
	char   *arg;			/* domain-spec, network or modifier
					 * value; NULL when absent */
	int     macro;			/* arg holds a macro (%{...}) */
	int     cidr4;			/* a, mx, ip4: prefix; -1 none */
	int     cidr6;			/* a, mx, ip6: prefix; -1 none */
};

struct spf_record {
	struct spf_term *terms;
	size_t  nterms;
};

/* A term that queries DNS, counted against the limit of 10. */
#define SPF_TERM_QUERIES(k) ((k) == SPFT_INCLUDE || (k) == SPFT_A \
	|| (k) == SPFT_MX || (k) == SPFT_PTR || (k) == SPFT_EXISTS \
	|| (k) == SPFT_REDIRECT)

extern int spf_is_record(const char *);
extern int spf_record_parse(const char *, struct spf_record *, struct buf *);
extern void spf_record_free(struct spf_record *);
extern const char *spf_kind_name(enum spf_kind);

#endif
