/*++
/* NAME
/*	dns_rr 3
/* SUMMARY
/*	DNS answers: records decoded from libunbound results
/* SYNOPSIS
/*	#include "dns.h"
/*
/*	void	dns_answer_free(struct dns_answer *ans);
/*	int	dns_reverse_name(const char *addr, const char *zone,
/*			struct buf *out);
/*	const char *dns_status_name(enum dns_status status);
/*
/*	#include "dns_int.h"
/*
/*	void	dns_answer_init(struct dns_answer *ans, const char *name,
/*			int type);
/*	enum dns_status dns_answer_fail(struct dns_answer *ans,
/*			enum dns_status status, const char *why);
/*	void	dns_answer_fill(struct dns_answer *ans,
/*			struct ub_result *res, const char *server);
/* DESCRIPTION
/*	dns_answer_fill() maps a libunbound result to a status and decodes
/*	the RDATA of each record: addresses for A and AAAA, preference and
/*	exchange for MX, the target for PTR, NS and CNAME, the
/*	character-strings for TXT and SPF (each one, and all concatenated).
/*	Every length is checked against the RDATA before it is read.
/*
/*	dns_reverse_name() builds the name under which an address is
/*	looked up in the reverse tree or in a DNS blocklist.
/* DIAGNOSTICS
/*	A record whose RDATA does not decode makes the whole answer
/*	DNS_TEMPFAIL with "malformed ... record", the server being at fault.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_int.h"
#include "xalloc.h"

/* dns_status_name - short name of a status, for messages and output */

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK:
		return ("ok");
	case DNS_NXDOMAIN:
		return ("nxdomain");
	case DNS_NODATA:
		return ("nodata");
	case DNS_TEMPFAIL:
		return ("tempfail");
	case DNS_PERMFAIL:
		return ("permfail");
	}
	return ("unknown");
}

/* dns_name_ok - worth sending to the resolver at all */

int
dns_name_ok(const char *name)
{
	return (name != NULL && *name != 0 && strlen(name) <= 254);
}

/* dns_strip_dot - a copy of name without its trailing dot */

static char *
dns_strip_dot(const char *name)
{
	char   *copy = xstrdup(name);
	size_t  n = strlen(copy);

	if (n > 1 && copy[n - 1] == '.')
		copy[n - 1] = 0;
	return (copy);
}

/* dns_answer_init - an empty answer for name and type */

void
dns_answer_init(struct dns_answer *ans, const char *name, int type)
{
	memset(ans, 0, sizeof(*ans));
	ans->type = type;
	ans->qname = dns_strip_dot(name ? name : "");
	ans->rcode = -1;
}

/* dns_answer_fail - set a failure status with its reason */

enum dns_status
dns_answer_fail(struct dns_answer *ans, enum dns_status st, const char *why)
{
	ans->status = st;
	free(ans->error);
	ans->error = xstrdup(why);
	return (st);
}

/* dns_wire_name - decode an uncompressed wire name at p; octets used or 0 */

static size_t
dns_wire_name(const unsigned char *p, size_t len, char **out)
{
	char    text[NS_MAXDNAME];
	size_t  off = 0;
	size_t  n;

	for (;;) {
		if (off >= len || (p[off] & 0xc0) != 0)
			return (0);		/* truncated, or compressed */
		n = p[off];
		if (off + 1 + n > len || off + 1 + n > NS_MAXCDNAME)
			return (0);
		off += 1 + n;
		if (n == 0)
			break;
	}
	if (ns_name_ntop(p, text, sizeof(text)) < 0)
		return (0);
	n = strlen(text);
	if (n > 1 && text[n - 1] == '.')
		text[n - 1] = 0;
	*out = xstrdup(text);
	return (off);
}

/* dns_rr_txt - the character-strings of a TXT or SPF record */

static int
dns_rr_txt(struct dns_rr *rr)
{
	const unsigned char *p = rr->rdata;
	size_t  off = 0;
	size_t  n;
	size_t  total = 0;

	while (off < rr->rdata_len) {
		n = p[off];
		if (off + 1 + n > rr->rdata_len)
			return (-1);
		rr->strings = xreallocarray(rr->strings, rr->nstrings + 1,
					    sizeof(*rr->strings));
		rr->string_lens = xreallocarray(rr->string_lens,
				  rr->nstrings + 1, sizeof(*rr->string_lens));
		rr->strings[rr->nstrings] = xstrndup((const char *) p + off + 1,
						     n);
		rr->string_lens[rr->nstrings++] = n;
		total += n;
		off += 1 + n;
	}
	rr->text = xmalloc(total + 1);
	for (off = 0, n = 0; n < rr->nstrings; n++) {
		memcpy(rr->text + off, rr->strings[n], rr->string_lens[n]);
		off += rr->string_lens[n];
	}
	rr->text[off] = 0;
	rr->text_len = off;
	return (0);
}

/* dns_rr_decode - decode the RDATA of one record of the given type */

static int
dns_rr_decode(struct dns_rr *rr, int type)
{
	size_t  n;

	switch (type) {
	case DNS_TYPE_A:
		if (rr->rdata_len != 4)
			return (-1);
		memcpy(&rr->a, rr->rdata, 4);
		return (0);
	case DNS_TYPE_AAAA:
		if (rr->rdata_len != 16)
			return (-1);
		memcpy(&rr->aaaa, rr->rdata, 16);
		return (0);
	case DNS_TYPE_MX:
		if (rr->rdata_len < 3)
			return (-1);
		rr->pref = (rr->rdata[0] << 8) | rr->rdata[1];
		n = dns_wire_name(rr->rdata + 2, rr->rdata_len - 2, &rr->name);
		return (n == rr->rdata_len - 2 ? 0 : -1);
	case DNS_TYPE_PTR:
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
		n = dns_wire_name(rr->rdata, rr->rdata_len, &rr->name);
		return (n == rr->rdata_len && n > 0 ? 0 : -1);
	case DNS_TYPE_TXT:
	case DNS_TYPE_SPF:
		return (dns_rr_txt(rr));
	default:
		return (0);
	}
}

/* dns_answer_records - decode every record of a NOERROR answer */

static void
dns_answer_records(struct dns_answer *ans, struct ub_result *res)
{
	size_t  n;
	char    why[80];

	for (n = 0; res->data != NULL && res->data[n] != NULL; n++)
		 /* void */ ;
	ans->rr = xcalloc(n ? n : 1, sizeof(*ans->rr));
	for (ans->count = 0; ans->count < n; ans->count++) {
		struct dns_rr *rr = ans->rr + ans->count;

		rr->rdata = (const unsigned char *) res->data[ans->count];
		rr->rdata_len = res->len[ans->count] < 0 ? 0 :
			(size_t) res->len[ans->count];
		if (dns_rr_decode(rr, ans->type) < 0) {
			ans->count++;
			snprintf(why, sizeof(why), "malformed type %d record "
				 "in the answer", ans->type);
			(void) dns_answer_fail(ans, DNS_TEMPFAIL, why);
			return;
		}
	}
	ans->status = ans->count > 0 ? DNS_OK : DNS_NODATA;
}

/* dns_answer_rcode - status of an answer without records */

static void
dns_answer_rcode(struct dns_answer *ans, const char *server)
{
	struct buf why = BUF_INIT;

	switch (ans->rcode) {
	case 0:
		ans->status = DNS_NODATA;
		return;
	case 3:
		ans->status = DNS_NXDOMAIN;
		return;
	case 2:
		ans->status = DNS_TEMPFAIL;
		buf_printf(&why, "server failure (SERVFAIL) asking %s; "
			   "is it running and does it serve this name?",
			   server);
		break;
	case 5:
		ans->status = DNS_PERMFAIL;
		buf_printf(&why, "refused by %s", server);
		break;
	default:
		ans->status = DNS_PERMFAIL;
		buf_printf(&why, "error response code %d from %s",
			   ans->rcode, server);
		break;
	}
	free(ans->error);
	ans->error = buf_steal(&why);
}

/* dns_answer_fill - an answer from a libunbound result (takes it over) */

void
dns_answer_fill(struct dns_answer *ans, struct ub_result *res,
		const char *server)
{
	struct buf why = BUF_INIT;

	ans->priv = res;
	ans->rcode = res->rcode;
	ans->ttl = res->ttl < 0 ? 0 : (uint32_t) res->ttl;
	ans->secure = res->secure;
	if (res->canonname != NULL) {
		ans->canonname = dns_strip_dot(res->canonname);
		if (strcasecmp(ans->canonname, ans->qname) == 0) {
			free(ans->canonname);
			ans->canonname = NULL;
		}
	}
	if (res->bogus) {
		buf_printf(&why, "DNSSEC validation failed: %s",
			   res->why_bogus ? res->why_bogus : "bogus answer");
		ans->status = DNS_TEMPFAIL;
		ans->error = buf_steal(&why);
		return;
	}
	if (res->rcode == 0 && res->havedata)
		dns_answer_records(ans, res);
	else
		dns_answer_rcode(ans, server);
}

/* dns_answer_free - release an answer, whatever its status */

void
dns_answer_free(struct dns_answer *ans)
{
	size_t  i;
	size_t  j;

	for (i = 0; i < ans->count; i++) {
		free(ans->rr[i].name);
		free(ans->rr[i].text);
		for (j = 0; j < ans->rr[i].nstrings; j++)
			free(ans->rr[i].strings[j]);
		free(ans->rr[i].strings);
		free(ans->rr[i].string_lens);
	}
	free(ans->rr);
	free(ans->qname);
	free(ans->canonname);
	free(ans->error);
	if (ans->priv != NULL)
		ub_resolve_free(ans->priv);
	memset(ans, 0, sizeof(*ans));
}

/* dns_reverse_name - d.c.b.a.zone or the IPv6 nibble name */

int
dns_reverse_name(const char *addr, const char *zone, struct buf *out)
{
	unsigned char a[16];
	int     i;

	buf_reset(out);
	if (addr != NULL && inet_pton(AF_INET, addr, a) == 1) {
		buf_printf(out, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0],
			   zone ? zone : "in-addr.arpa");
		return (0);
	}
	if (addr != NULL && inet_pton(AF_INET6, addr, a) == 1) {
		for (i = 15; i >= 0; i--)
			buf_printf(out, "%x.%x.", a[i] & 0xf, a[i] >> 4);
		buf_puts(out, zone ? zone : "ip6.arpa");
		return (0);
	}
	buf_puts(out, "");
	return (-1);
}
