/*++
/* NAME
/*	dmarc_uri 3
/* SUMMARY
/*	signet check: DMARC report addresses and their authorisation
/* SYNOPSIS
/*	#include "audit/dmarc_audit.h"
/*
/*	void	dmarc_uris(struct dmarc_ctx *c, const char *tag,
/*			const char *value)
/* DESCRIPTION
/*	dmarc_uris() checks the value of rua or ruf: a comma-separated
/*	list of mailto: URIs (RFC 7489 section 6.2), each with an address
/*	whose domain is a host name. The "!size" suffix is reported as
/*	obsolete (RFC 9989 reporters ignore it). URIs of other schemes
/*	get no reports.
/*
/*	When an address is in another organisational domain than the
/*	record's (libpsl, orgdomain(3)), receivers send it reports only
/*	if that domain authorises it (RFC 7489 section 7.1): a TXT record
/*	starting with v=DMARC1 at DOMAIN._report._dmarc.HOST, where
/*	DOMAIN is the record's domain and HOST the address's domain. That
/*	record is looked up, and its absence is a warning.
/* DIAGNOSTICS
/*	None returned: a lookup that fails is a warning finding.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "audit/dmarc_audit.h"
#include "load.h"

#define ADD(c, sev, fix, ...) \
	finding_add((c)->a->f, (sev), "dmarc", (c)->subj, (fix), __VA_ARGS__)

/* uri_authorised - the external destination's authorisation record */

static void
uri_authorised(struct dmarc_ctx *c, const char *addr, const char *host)
{
	struct buf name = BUF_INIT, fix = BUF_INIT;
	struct dns_answer ans;
	size_t  i;
	int     found = 0;

	buf_printf(&name, "%s._report._dmarc.%s", c->owner, host);
	if (dns_txt(c->a->dns, name.data, &ans) == DNS_OK)
		for (i = 0; i < ans.count; i++)
			if (strncmp(ans.rr[i].text, "v=DMARC1", 8) == 0)
				found = 1;
	buf_printf(&fix, "ask the operator of %s to publish TXT %s "
		   "\"v=DMARC1\", or send reports to an address in %s",
		   host, name.data, c->owner);
	if (found)
		ADD(c, SEV_OK, NULL, "%s is in another domain and authorised "
		    "to receive reports for %s (%s)", addr, c->owner, name.data);
	else if (ans.status == DNS_OK || ans.status == DNS_NXDOMAIN
		 || ans.status == DNS_NODATA)
		ADD(c, SEV_WARN, fix.data, "%s is in another domain, which does "
		    "not authorise reports for %s (no v=DMARC1 record at %s): "
		    "receivers send it none", addr, c->owner, name.data);
	else
		ADD(c, SEV_WARN, "make sure that domain's nameservers answer, "
		    "then check again", "cannot tell whether %s may receive "
		    "reports for %s: cannot look up TXT %s: %s", addr, c->owner,
		    name.data, ans.error ? ans.error : dns_status_name(ans.status));
	dns_answer_free(&ans);
	buf_free(&name);
	buf_free(&fix);
}

/* uri_address - check the address of a mailto: URI; its domain or NULL */

static char *
uri_address(const char *addr)
{
	const char *at = strrchr(addr, '@');
	char   *domain, *cp;

	if (at == NULL || at == addr || strchr(addr, '@') != at)
		return (NULL);
	domain = xstrdup(at + 1);
	for (cp = domain; *cp; cp++)
		*cp = tolower((unsigned char) *cp);
	if (dns_name_check(domain, 2) != NULL) {
		free(domain);
		return (NULL);
	}
	return (domain);
}

/* uri_size - the obsolete "!size" suffix: 0 when well formed */

static int
uri_size(const char *size)
{
	const char *cp = size;

	while (isdigit((unsigned char) *cp))
		cp++;
	if (cp > size && *cp && strchr("kmgtKMGT", *cp))
		cp++;
	return (cp > size && *cp == 0 ? 0 : -1);
}

/* uri_one - one URI of rua or ruf */

static void
uri_one(struct dmarc_ctx *c, const char *tag, char *uri)
{
	char   *bang = strchr(uri, '!'), *host, *org, *own;

	if (bang != NULL) {
		*bang++ = 0;
		if (uri_size(bang) == 0)
			ADD(c, SEV_INFO, NULL, "%s: the size limit !%s is "
			    "obsolete: RFC 9989 reporters ignore it", tag, bang);
		else
			ADD(c, SEV_WARN, "remove the \"!\" and what follows",
			    "%s: \"!%s\" is not a size limit", tag, bang);
	}
	if (strncasecmp(uri, "mailto:", 7) != 0) {
		ADD(c, SEV_WARN, "give mailto: addresses", "%s: \"%s\" is not a "
		    "mailto: URI: receivers send reports only by mail", tag, uri);
		return;
	}
	if ((host = uri_address(uri + 7)) == NULL) {
		ADD(c, SEV_WARN, "write mailto:LOCAL@DOMAIN", "%s: \"%s\" is not "
		    "a mail address: receivers skip it", tag, uri);
		return;
	}
	org = audit_org_domain(host);
	own = audit_org_domain(c->owner);
	if (strcmp(org, own) != 0)
		uri_authorised(c, uri + 7, host);
	else
		ADD(c, SEV_OK, NULL, "%s: %s reports go to %s", tag,
		    strcasecmp(tag, "rua") == 0 ? "aggregate" : "failure",
		    uri + 7);
	free(org);
	free(own);
	free(host);
}

/* dmarc_uris - each URI of rua or ruf */

void
dmarc_uris(struct dmarc_ctx *c, const char *tag, const char *value)
{
	char   *copy = xstrdup(value), *uri, *save = NULL, *end;
	int     n = 0;

	for (uri = strtok_r(copy, ",", &save); uri;
	     uri = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char) *uri))
			uri++;
		end = uri + strlen(uri);
		while (end > uri && isspace((unsigned char) end[-1]))
			*--end = 0;
		if (*uri == 0)
			continue;
		n++;
		uri_one(c, tag, uri);
	}
	if (n == 0)
		ADD(c, SEV_WARN, "give one or more mailto: addresses, separated "
		    "by commas", "%s is empty", tag);
	free(copy);
}
