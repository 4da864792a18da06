#ifndef SIGNET_DNS_H
#define SIGNET_DNS_H

/* dns - the one DNS resolver of signet, on libunbound */

 /*
  * One struct dns is opened per process (or per policy snapshot) and shared
  * by every thread: dns_lookup() may be called from any number of threads
  * at once, and they share one cache (answers are kept for their TTL).
  *
  * Every lookup ends within the timeout given to dns_open(): a server that
  * does not answer gives DNS_TEMPFAIL, never a hang.
  *
  * Nameserver: "IP" or "IP@PORT" (IPv4 or IPv6, e.g. "127.0.0.1@53053",
  * "::1@53"). signet then sends every query to that server (forwarding,
  * recursion desired), which is how a site points signet at its own
  * resolver and how the tests point it at their own authoritative server.
  * NULL: the servers of /etc/resolv.conf, and /etc/hosts.
  *
  * Example:
  *
  *	struct buf err = BUF_INIT;
  *	struct dns *dns = dns_open("127.0.0.1@53053", 5000, &err);
  *	struct dns_answer ans;
  *
  *	if (dns == NULL)
  *		fatal("%s", err.data);
  *	if (dns_lookup(dns, "s1._domainkey.example.com", DNS_TYPE_TXT,
  *		       &ans) == DNS_OK)
  *		for (i = 0; i < ans.count; i++)
  *			use(ans.rr[i].text, ans.rr[i].text_len);
  *	else
  *		report(dns_status_name(ans.status), ans.error);
  *	dns_answer_free(&ans);
  *	dns = dns_close(dns);
  */

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "buf.h"

/* RR types (RFC 1035, 3596, 7208); any other number may be passed too. */
#define DNS_TYPE_A	1
#define DNS_TYPE_NS	2
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_SOA	6
#define DNS_TYPE_PTR	12
#define DNS_TYPE_MX	15
#define DNS_TYPE_TXT	16
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_SPF	99

enum dns_status {
	DNS_OK,				/* count >= 1 records of the type */
	DNS_NXDOMAIN,			/* the name does not exist */
	DNS_NODATA,			/* the name exists, no record of the
					 * type (count == 0) */
	DNS_TEMPFAIL,			/* timeout, SERVFAIL, server down,
					 * DNSSEC bogus: try again later */
	DNS_PERMFAIL			/* the query itself is wrong (bad name,
					 * REFUSED, FORMERR): do not retry */
};

 /*
  * One record of an answer. Which fields are set depends on the type;
  * rdata is always set. Names are in presentation form, lower case as
  * received, without the trailing dot, with RFC 1035 escapes (\. \DDD)
  * for unusual octets.
  */
struct dns_rr {
	const unsigned char *rdata;	/* the raw RDATA (points into the
					 * answer) */
	size_t  rdata_len;

	/* DNS_TYPE_A and DNS_TYPE_AAAA */
	struct in_addr a;		/* A */
	struct in6_addr aaaa;		/* AAAA */

	/* DNS_TYPE_MX, DNS_TYPE_PTR, DNS_TYPE_NS, DNS_TYPE_CNAME */
	unsigned pref;			/* MX preference */
	char   *name;			/* MX exchange, PTR/NS/CNAME target */

	/* DNS_TYPE_TXT and DNS_TYPE_SPF */
	char   *text;			/* the character-strings concatenated
					 * (RFC 7208 3.3, RFC 6376 3.6.2.2),
					 * NUL-terminated; may hold NULs:
					 * text_len is the length */
	size_t  text_len;
	char  **strings;		/* each character-string, as sent,
					 * NUL-terminated */
	size_t *string_lens;		/* octets in each (0..255) */
	size_t  nstrings;
};

 /*
  * The result of one lookup. Always release it with dns_answer_free(),
  * whatever the status.
  */
struct dns_answer {
	enum dns_status status;		/* also returned by dns_lookup() */
	int     type;			/* the type asked for */
	char   *qname;			/* the name asked for */
	char   *canonname;		/* after CNAMEs; NULL when none */
	uint32_t ttl;			/* OK: the RRset's TTL; NXDOMAIN and
					 * NODATA: the negative TTL, 0 when
					 * unknown */
	int     secure;			/* DNSSEC-validated (only with a
					 * trust anchor configured) */
	int     rcode;			/* DNS RCODE (0 NOERROR, 2 SERVFAIL,
					 * 3 NXDOMAIN, 5 REFUSED) or -1 */
	size_t  count;			/* records in rr */
	struct dns_rr *rr;
	char   *error;			/* TEMPFAIL/PERMFAIL: why, one phrase
					 * for messages ("timed out after
					 * 5000 ms asking 127.0.0.1@53"),
					 * else NULL */
	void   *priv;			/* owned by dns.c */
};

struct dns;

 /*
  * Open a resolver. nameserver: see above. timeout_ms: the bound on one
  * dns_lookup() (> 0). On error returns NULL and puts one line saying
  * what was wrong in err.
  */
extern struct dns *dns_open(const char *nameserver, int timeout_ms,
			            struct buf *err);

/* Close; waits for no lookup: call after every user is done. Returns NULL. */
extern struct dns *dns_close(struct dns *);

 /*
  * Look up name (with or without trailing dot) for type. Thread-safe.
  * Fills *ans (always; release with dns_answer_free()) and returns
  * ans->status.
  */
extern enum dns_status dns_lookup(struct dns *, const char *name, int type,
				          struct dns_answer *ans);
extern void dns_answer_free(struct dns_answer *);

/* Shorthands. */
#define dns_txt(dns, name, ans)	dns_lookup((dns), (name), DNS_TYPE_TXT, (ans))
#define dns_a(dns, name, ans)	dns_lookup((dns), (name), DNS_TYPE_A, (ans))
#define dns_aaaa(dns, name, ans) dns_lookup((dns), (name), DNS_TYPE_AAAA, (ans))
#define dns_mx(dns, name, ans)	dns_lookup((dns), (name), DNS_TYPE_MX, (ans))

 /*
  * PTR lookup of a textual IPv4 or IPv6 address ("192.0.2.1", "2001:db8::1").
  * An address that does not parse gives DNS_PERMFAIL.
  */
extern enum dns_status dns_ptr(struct dns *, const char *addr,
			               struct dns_answer *ans);

 /*
  * The reverse name of an address under zone: "192.0.2.1" with
  * "in-addr.arpa" gives "1.2.0.192.in-addr.arpa"; with a DNS blocklist
  * zone "bl.example" gives "1.2.0.192.bl.example". IPv6: nibbles
  * (RFC 3596). zone NULL: in-addr.arpa or ip6.arpa. Replaces out's
  * content. Returns 0, or -1 when addr is not an address.
  */
extern int dns_reverse_name(const char *addr, const char *zone,
			            struct buf *out);

/* "ok", "nxdomain", "nodata", "tempfail", "permfail" */
extern const char *dns_status_name(enum dns_status);

#endif
