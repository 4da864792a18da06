/*++
/* NAME
/*	dmarc_tags 3
/* SUMMARY
/*	signet check: the tags of a DMARC record
/* SYNOPSIS
/*	#include "audit/dmarc_audit.h"
/*
/*	void	dmarc_tag(struct dmarc_ctx *c, const struct tag *t)
/*
/*	void	dmarc_record_end(struct dmarc_ctx *c)
/* DESCRIPTION
/*	dmarc_tag() checks one tag after v: its value against RFC 7489
/*	and RFC 9989 (p, sp, np: none, quarantine, reject; t: y or n;
/*	psd: y, n or u, and y only on a public suffix; adkim, aspf: r or
/*	s; fo: 0, 1, d, s separated by ":"; rua and ruf: dmarc_uris()),
/*	legacy tags (pct, which RFC 9989 replaced by t; ri and rf, which
/*	it removed) and unknown tags, which receivers ignore.
/*
/*	dmarc_record_end() reports what the record as a whole lacks: p
/*	(RFC 7489 receivers ignore a record without it) and rua.
/* DIAGNOSTICS
/*	None returned: every problem is a finding.
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

/* Application-specific. */

#include "audit/dmarc_audit.h"

#define ADD(c, sev, fix, ...) \
	finding_add((c)->a->f, (sev), "dmarc", (c)->subj, (fix), __VA_ARGS__)

/* tag_one_of - is value one of the words of list ("none|quarantine") */

static int
tag_one_of(const char *value, const char *list)
{
	size_t  n = strlen(value);
	const char *cp;

	for (cp = list; *cp; cp += strcspn(cp, "|"), cp += *cp == '|')
		if (strcspn(cp, "|") == n && strncasecmp(cp, value, n) == 0 && n)
			return (1);
	return (0);
}

/* tag_bad - a value a receiver does not accept: the default applies */

static void
tag_bad(struct dmarc_ctx *c, const struct tag *t, const char *allowed,
	const char *dflt)
{
	struct buf fix = BUF_INIT;

	buf_printf(&fix, "give %s one of its values: %s", t->name, allowed);
	ADD(c, SEV_WARN, fix.data, "%s=%s is not valid: receivers use %s "
	    "instead", t->name, t->value, dflt);
	buf_free(&fix);
}

/* tag_p - the policy */

static void
tag_p(struct dmarc_ctx *c, const struct tag *t)
{
	c->p = t->value;
	if (!tag_one_of(t->value, "none|quarantine|reject"))
		ADD(c, SEV_CRIT, "write p=none, p=quarantine or p=reject",
		    "p=%s is not none, quarantine or reject: receivers ignore "
		    "the record", t->value);
	else if (strcasecmp(t->value, "none") == 0)
		ADD(c, SEV_WARN, "once the aggregate reports (signet dmarc "
		    "import) show all your legitimate mail passing DMARC, "
		    "publish p=quarantine, and later p=reject", "p=none: mail "
		    "that fails DMARC is delivered as usual; the record only "
		    "asks for reports");
	else if (strcasecmp(t->value, "quarantine") == 0)
		ADD(c, SEV_INFO, NULL, "p=quarantine: mail that fails DMARC "
		    "goes to spam; p=reject is the last step, when the reports "
		    "show no legitimate mail failing");
	else
		ADD(c, SEV_OK, NULL, "p=reject: mail that fails DMARC is "
		    "refused");
}

/* tag_policy - sp, np */

static void
tag_policy(struct dmarc_ctx *c, const struct tag *t)
{
	if (!tag_one_of(t->value, "none|quarantine|reject"))
		tag_bad(c, t, "none, quarantine, reject", strcasecmp(t->name, "np")
			== 0 ? "sp, else p" : "p");
}

/* tag_t - testing (RFC 9989) */

static void
tag_t(struct dmarc_ctx *c, const struct tag *t)
{
	if (!tag_one_of(t->value, "y|n"))
		tag_bad(c, t, "y, n", "t=n");
	else if (strcasecmp(t->value, "y") == 0)
		ADD(c, SEV_WARN, "remove t=y once the reports show your mail "
		    "passing DMARC", "t=y: testing; RFC 9989 receivers apply "
		    "the policy one step weaker (reject as quarantine, "
		    "quarantine as none)");
}

/* tag_psd - public suffix domain (RFC 9989) */

static void
tag_psd(struct dmarc_ctx *c, const struct tag *t)
{
	if (!tag_one_of(t->value, "y|n|u"))
		tag_bad(c, t, "y, n, u", "psd=u");
	else if (strcasecmp(t->value, "y") == 0
		 && !audit_public_suffix(c->owner))
		ADD(c, SEV_WARN, "remove psd=y", "psd=y declares %s a public "
		    "suffix (like a top-level domain), which it is not: its "
		    "subdomains would each count as an organisation of their "
		    "own", c->owner);
}

/* tag_align - adkim, aspf */

static void
tag_align(struct dmarc_ctx *c, const struct tag *t)
{
	if (!tag_one_of(t->value, "r|s"))
		tag_bad(c, t, "r, s", "r (relaxed)");
}

/* tag_fo - failure reporting options */

static void
tag_fo(struct dmarc_ctx *c, const struct tag *t)
{
	const char *cp = t->value;

	c->fo = t->value;
	for (;;) {
		while (isspace((unsigned char) *cp))
			cp++;
		if (*cp == 0 || strchr("01dsDS", *cp) == NULL)
			break;
		cp++;
		while (isspace((unsigned char) *cp))
			cp++;
		if (*cp == 0)
			return;
		if (*cp++ != ':')
			break;
	}
	tag_bad(c, t, "0, 1, d, s, several separated by \":\"", "fo=0");
}

/* tag_pct - legacy: RFC 9989 replaced it by t */

static void
tag_pct(struct dmarc_ctx *c, const struct tag *t)
{
	char   *end;
	long    v = strtol(t->value, &end, 10);

	if (*t->value == 0 || *end != 0 || !isdigit((unsigned char) *t->value)
	    || v > 100) {
		tag_bad(c, t, "0 to 100", "pct=100");
		return;
	}
	ADD(c, SEV_WARN, v == 100 ? "remove pct=100: it is the default" :
	    v == 0 ? "replace pct=0 by t=y" : "remove pct; step the policy "
	    "from none to quarantine to reject instead, with t=y while testing",
	    "pct=%ld is legacy: RFC 9989 replaced it by t, and receivers that "
	    "follow RFC 9989 ignore it", v);
}

/* tag_legacy - ri, rf: removed by RFC 9989 */

static void
tag_legacy(struct dmarc_ctx *c, const struct tag *t)
{
	ADD(c, SEV_INFO, NULL, "%s=%s is legacy: RFC 9989 removed it (reports "
	    "are daily, in one format, whatever it says); it may be removed",
	    t->name, t->value);
}

/* tag_rua - aggregate report addresses */

static void
tag_rua(struct dmarc_ctx *c, const struct tag *t)
{
	c->rua = t->value;
	dmarc_uris(c, t->name, t->value);
}

/* tag_ruf - failure report addresses */

static void
tag_ruf(struct dmarc_ctx *c, const struct tag *t)
{
	c->ruf = t->value;
	dmarc_uris(c, t->name, t->value);
}

static const struct {
	const char *name;
	void    (*check) (struct dmarc_ctx *, const struct tag *);
}       rules[] = {
	{"p", tag_p}, {"sp", tag_policy}, {"np", tag_policy}, {"t", tag_t},
	{"psd", tag_psd}, {"adkim", tag_align}, {"aspf", tag_align},
	{"rua", tag_rua}, {"ruf", tag_ruf}, {"fo", tag_fo}, {"pct", tag_pct},
	{"ri", tag_legacy}, {"rf", tag_legacy}, {NULL, NULL},
};

/* dmarc_tag - check one tag after v */

void
dmarc_tag(struct dmarc_ctx *c, const struct tag *t)
{
	int     i;

	for (i = 0; rules[i].name; i++) {
		if (strcasecmp(rules[i].name, t->name) == 0) {
			rules[i].check(c, t);
			return;
		}
	}
	ADD(c, SEV_WARN, "correct its name, or remove it", "unknown tag "
	    "\"%s=%s\": receivers ignore it", t->name, t->value);
}

/* dmarc_record_end - what the record as a whole lacks */

void
dmarc_record_end(struct dmarc_ctx *c)
{
	struct buf fix = BUF_INIT;

	if (c->p == NULL)
		ADD(c, SEV_CRIT, "add p=none (then quarantine, then reject) "
		    "after v=DMARC1", "no p tag: RFC 7489 receivers ignore "
		    "the record; RFC 9989 receivers read it as p=none only "
		    "when rua holds a valid address");
	if (c->rua == NULL) {
		buf_printf(&fix, "add rua=mailto:ADDRESS (e.g. "
			   "dmarc-reports@%s) and import the reports with "
			   "signet dmarc import", c->owner);
		ADD(c, SEV_WARN, fix.data, "no rua: receivers send no aggregate "
		    "reports, so you cannot see who sends as %s, nor when it "
		    "is safe to tighten the policy", c->owner);
	}
	if (c->fo != NULL && c->ruf == NULL)
		ADD(c, SEV_INFO, NULL, "fo=%s has no effect without ruf", c->fo);
	buf_free(&fix);
}
