/*++
/* NAME
/*	load_domains 3
/* SUMMARY
/*	read the domains section of the configuration
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_domains(struct loader *ld, const struct item *it)
/*
/*	void	load_domains_finish(struct loader *ld)
/* DESCRIPTION
/*	load_domains() is the rule for the top-level key "domains": a
/*	mapping from domain names to their settings, sign_subdomains and
/*	a list of selectors, each with name, algorithm and key. Domain
/*	names are kept in lower case without a trailing dot, selector
/*	names in lower case; key paths must be absolute. What is valid
/*	is appended to the domains of ld->p.
/*
/*	load_domains_finish(), called once the whole file is read, sorts
/*	the domains by name.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a domain or selector name that
/*	is not a DNS name, a domain without selectors, a selector that
/*	lacks name, algorithm or key or is listed twice in its domain,
/*	an algorithm other than rsa-sha256 or ed25519-sha256, a key path
/*	that is not absolute. load_domains_finish() reports a domain
/*	listed twice, and warns when there are no domains and no errors.
/*
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "xalloc.h"

/* Application-specific. */

#include "load.h"

 /*
  * One selector while its keys are read.
  */
#define SEL_NAME	(1<<0)
#define SEL_ALG		(1<<1)
#define SEL_KEY		(1<<2)
#define SEL_ALL		(SEL_NAME | SEL_ALG | SEL_KEY)

struct selector_state {
	struct policy_selector sel;
	const struct policy_domain *dom;
	const struct yt_node *name;	/* value of name: */
	int     given;			/* SEL_* keys present */
	int     valid;			/* SEL_* keys present and valid */
};

/* load_sel_name - "name" of a selector */

static void
load_sel_name(struct loader *ld, const struct item *it)
{
	struct selector_state *ss = it->ctx;
	const char *s;
	const char *why;

	ss->given |= SEL_NAME;
	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((why = dns_name_check(s, 1)) != NULL) {
		ld_error(ld, it->val, "selector name \"%s\" is not valid: %s; write "
			 "DNS labels (letters, digits, hyphens), e.g. s2026", s, why);
		return;
	}
	if (strlen(s) + strlen("._domainkey.") + strlen(ss->dom->name) > 253) {
		ld_error(ld, it->val, "selector name \"%s\" is too long: with "
			 "._domainkey.%s it makes a DNS name longer than 253 "
			 "characters; use a shorter one", s, ss->dom->name);
		return;
	}
	ss->name = it->val;
	ss->sel.name = lower_dup(s);
	ss->valid |= SEL_NAME;
}

/* load_sel_alg - "algorithm" of a selector */

static void
load_sel_alg(struct loader *ld, const struct item *it)
{
	struct selector_state *ss = it->ctx;
	const char *s;

	ss->given |= SEL_ALG;
	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (ascii_caseeq(s, "rsa-sha256")) {
		ss->sel.alg = ALG_RSA_SHA256;
	} else if (ascii_caseeq(s, "ed25519-sha256")) {
		ss->sel.alg = ALG_ED25519_SHA256;
	} else {
		ld_error(ld, it->val, "algorithm \"%s\" %s is not supported; write "
			 "rsa-sha256 or ed25519-sha256", s, it->in);
		return;
	}
	ss->valid |= SEL_ALG;
}

/* load_sel_key - "key" of a selector: the private key file */

static void
load_sel_key(struct loader *ld, const struct item *it)
{
	struct selector_state *ss = it->ctx;
	const char *s;

	ss->given |= SEL_KEY;
	if ((s = ld_string(ld, it)) == NULL)
		return;
	if (*s != '/') {
		ld_error(ld, it->val, "key \"%s\" %s is not an absolute path; write "
			 "the full path of the private key file, starting with /",
			 s, it->in);
		return;
	}
	ss->sel.key_path = xstrdup(s);
	ss->sel.key_pos.line = it->val->line;
	ss->sel.key_pos.col = it->val->col;
	ss->valid |= SEL_KEY;
}

static const struct rule selector_rules[] = {
	{"name", load_sel_name},
	{"algorithm", load_sel_alg},
	{"key", load_sel_key},
	{NULL, NULL},
};

/* selector_finish - report what is missing or repeated; keep the rest */

static void
selector_finish(struct loader *ld, struct selector_state *ss,
		        struct policy_domain *dom, const char *label,
		        const struct yt_node *node, int unknown)
{
	static const struct {
		int     bit;
		const char *key;
		const char *how;
	}       need[] = {
		{SEL_NAME, "name", "add name: with the selector's name"},
		{SEL_ALG, "algorithm", "add algorithm: rsa-sha256 or ed25519-sha256"},
		{SEL_KEY, "key", "add key: with the path of the private key file"},
	};
	size_t  i;

	for (i = 0; unknown == 0 && i < sizeof(need) / sizeof(need[0]); i++)
		if (!(ss->given & need[i].bit))
			ld_error(ld, node, "%s of domain \"%s\" has no %s; %s",
				 label, dom->name, need[i].key, need[i].how);
	for (i = 0; (ss->valid & SEL_NAME) && i < dom->nselectors; i++) {
		if (strcmp(dom->selectors[i].name, ss->sel.name) == 0) {
			ld_error(ld, ss->name, "selector \"%s\" is listed twice in "
				 "domain \"%s\" (first at line %d); give each selector "
				 "its own name", ss->sel.name, dom->name,
				 dom->selectors[i].pos.line);
			ss->valid &= ~SEL_NAME;
		}
	}
	if (!(ss->valid & SEL_NAME)) {		/* kept if named, for the check */
		free(ss->sel.name);
		free(ss->sel.key_path);
		return;
	}
	dom->selectors = xreallocarray(dom->selectors, dom->nselectors + 1,
				       sizeof(*dom->selectors));
	dom->selectors[dom->nselectors++] = ss->sel;
}

/* load_selector - one entry of "selectors" */

static void
load_selector(struct loader *ld, struct policy_domain *dom,
	              const struct yt_node *node, size_t index)
{
	struct selector_state ss;
	const struct yt_node *name;
	struct buf label = BUF_INIT;
	struct buf in = BUF_INIT;

	if (node->type == YT_BAD)
		return;
	if (node->type != YT_MAP) {
		ld_error(ld, node, "selector %lu of domain \"%s\" must be a mapping, "
			 "not %s; write \"- name: ...\" with algorithm: and key: "
			 "under it", (unsigned long) index, dom->name, yt_kind(node));
		return;
	}
	memset(&ss, 0, sizeof(ss));
	ss.dom = dom;
	ss.sel.pos.line = node->line;
	ss.sel.pos.col = node->col;
	if ((name = yt_get(node, "name")) != NULL && name->type == YT_SCALAR
	    && !yt_is_null(name))
		buf_printf(&label, "selector \"%s\"", name->value);
	else
		buf_printf(&label, "selector %lu", (unsigned long) index);
	buf_printf(&in, "in %s of domain \"%s\"", label.data, dom->name);
	selector_finish(ld, &ss, dom, label.data, node,
			walk_map(ld, node, in.data, selector_rules, &ss));
	buf_free(&label);
	buf_free(&in);
}

 /*
  * One domain while its keys are read.
  */
struct domain_state {
	struct policy_domain *dom;
	int     selectors_bad;		/* errors reported under selectors */
};

/* load_selectors - "selectors" of a domain */

static void
load_selectors(struct loader *ld, const struct item *it)
{
	struct domain_state *st = it->ctx;
	int     errors = ld->errors;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ)) {
		st->selectors_bad = 1;
		return;
	}
	for (i = 0; i < it->val->nkids; i++)
		load_selector(ld, st->dom, it->val->kids[i], i + 1);
	st->selectors_bad = ld->errors != errors;
}

/* load_subdomains - "sign_subdomains" of a domain */

static void
load_subdomains(struct loader *ld, const struct item *it)
{
	struct domain_state *st = it->ctx;

	(void) ld_bool(ld, it, &st->dom->sign_subdomains);
}

/* load_auth - senders, include_subdomains, mode, envelope: load_senders.c */

static void
load_auth(struct loader *ld, const struct item *it)
{
	struct domain_state *st = it->ctx;

	load_domain_auth(ld, it, st->dom);
}

static const struct rule domain_rules[] = {
	{"selectors", load_selectors},
	{"sign_subdomains", load_subdomains},
	{"senders", load_auth},
	{"include_subdomains", load_auth},
	{"mode", load_auth},
	{"envelope", load_auth},
	{NULL, NULL},
};

/* domain_settings - the mapping under one domain name */

static void
domain_settings(struct loader *ld, struct policy_domain *dom,
		        const struct yt_node *key, const struct yt_node *val)
{
	struct domain_state st;
	struct buf what = BUF_INIT;
	struct buf in = BUF_INIT;
	struct item it;
	int     unknown = 0;

	buf_printf(&what, "domain \"%s\"", dom->name);
	buf_printf(&in, "in domain \"%s\"", dom->name);
	memset(&st, 0, sizeof(st));
	st.dom = dom;
	it.key = key;
	it.val = val;
	it.in = "in \"domains\"";
	it.what = what.data;
	it.ctx = NULL;
	if (!yt_is_null(val) && ld_want(ld, &it, YT_MAP))
		unknown = walk_map(ld, val, in.data, domain_rules, &st);
	else if (!yt_is_null(val))
		st.selectors_bad = 1;
	if (dom->nselectors == 0 && !st.selectors_bad && unknown == 0)
		ld_error(ld, key, "domain \"%s\" has no selectors; add at least one "
			 "under selectors:", dom->name);
	buf_free(&what);
	buf_free(&in);
}

/* load_domain - one domain name and its settings */

static void
load_domain(struct loader *ld, const struct yt_node *key,
	            const struct yt_node *val)
{
	struct policy *p = ld->p;
	struct policy_domain dom;
	const char *why;
	size_t  len;

	if (key->type == YT_BAD)
		return;
	if (key->type != YT_SCALAR) {
		ld_error(ld, key, "a domain name must be a single value, not %s; "
			 "write example.com: with its settings under it",
			 yt_kind(key));
		return;
	}
	memset(&dom, 0, sizeof(dom));
	load_domain_auth_init(&dom);
	dom.name = lower_dup(key->value);
	if ((len = strlen(dom.name)) > 1 && dom.name[len - 1] == '.')
		dom.name[len - 1] = 0;
	if ((why = dns_name_check(dom.name, 2)) != NULL) {
		ld_error(ld, key, "domain \"%s\" is not valid: %s; write it as in "
			 "DNS (letters, digits, hyphens; the xn-- form for "
			 "international names), e.g. example.com", key->value, why);
		free(dom.name);
		return;
	}
	dom.pos.line = key->line;
	dom.pos.col = key->col;
	domain_settings(ld, &dom, key, val);
	p->domains = xreallocarray(p->domains, p->ndomains + 1, sizeof(*p->domains));
	p->domains[p->ndomains++] = dom;
}

/* load_domains - "domains": the domains to sign for */

void
load_domains(struct loader *ld, const struct item *it)
{
	size_t  i;

	if (ld_want(ld, it, YT_MAP))
		for (i = 0; i + 1 < it->val->nkids; i += 2)
			load_domain(ld, it->val->kids[i], it->val->kids[i + 1]);
}


/* domain_cmp - order domains by name, then by position */

static int
domain_cmp(const void *a, const void *b)
{
	const struct policy_domain *x = a;
	const struct policy_domain *y = b;
	int     cmp;

	if ((cmp = strcmp(x->name, y->name)) != 0)
		return (cmp);
	if (x->pos.line != y->pos.line)
		return (x->pos.line < y->pos.line ? -1 : 1);
	return (x->pos.col < y->pos.col ? -1 : x->pos.col > y->pos.col);
}

/* load_domains_finish - sort the domains, report repeated ones */

void
load_domains_finish(struct loader *ld)
{
	struct policy *p = ld->p;
	size_t  i, first = 0;

	if (p->ndomains > 1)
		qsort(p->domains, p->ndomains, sizeof(*p->domains), domain_cmp);
	for (i = 1; i < p->ndomains; i++) {
		if (strcmp(p->domains[i].name, p->domains[first].name) != 0) {
			first = i;
			continue;
		}
		ld_error_at(ld, p->domains[i].pos.line, p->domains[i].pos.col,
			    "domain \"%s\" is listed twice (first at line %d); "
			    "merge the two entries", p->domains[i].name,
			    p->domains[first].pos.line);
	}
	if (p->ndomains == 0 && ld->errors == 0)
		ld_warn_at(ld, 0, 0, "no domains: nothing will be signed; list "
			   "the domains to sign under domains:");
}
