/*++
/* NAME
/*	policy_load 3
/* SUMMARY
/*	read and validate the YAML configuration
/* SYNOPSIS
/*	#include "policy.h"
/*
/*	struct policy *policy_load(const char *path, struct diag *d)
/* DESCRIPTION
/*	policy_load() reads the configuration file \fIpath\fR, in the
/*	format that the example signet.yaml shows, checks all of it, and
/*	returns it as a policy to be used read-only and released with
/*	policy_free().
/*
/*	Settings that are not given take their defaults: those shown in
/*	the example, except user and pidfile (none) and domains (none).
/*	A "sources" mapping, when given, replaces the default sources:
/*	its missing keys mean authenticated: true, no networks and no
/*	daemons. When "signing" lists its own headers but no oversign,
/*	the default oversign list is kept to the fields in headers.
/*
/*	Names are stored in lower case: header fields, domains (also
/*	without a trailing dot) and selectors. Domains are sorted by name.
/*	Key files are not opened here; their paths must be absolute.
/*
/*	The file must be one YAML document whose top level is a mapping.
/*	YAML anchors, aliases and tags are not allowed, nor values that
/*	hold control characters.
/* DIAGNOSTICS
/*	Every problem found is added to \fId\fR as one line
/*	"file:line:column: error: what was wrong; what to do", and
/*	policy_load() then returns NULL. All problems are reported, not
/*	just the first; a part of the file that is broken (of the wrong
/*	type, say) is skipped without further complaints about what it
/*	holds. A YAML syntax error ends the reading: it is then the only
/*	error reported. An empty file is an error; a file without domains
/*	is valid, with a warning, as is a sources mapping that makes no
/*	mail outbound. Diagnostics are added in the order of their
/*	position in the file.
/*
/*	Fatal: out of memory.
/* SEE ALSO
/*	yaml_tree(3), the YAML reader
/*	load_util(3), helpers for the sections
/*	load_domains(3), the domains section
/*	load.h, how to add a section
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "cidr.h"
#include "load.h"
#include "policy.h"

#define POLICY_MAX_SIZE	(16 * 1024 * 1024)	/* bytes */
#define MAX_LINE_MIN	78		/* signing: max_line_length, when set */
#define MAX_LINE_MAX	1000000

static const char *const default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date",
	"resent-from", "resent-to", "resent-cc", "in-reply-to", "references",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe",
	"list-post", "list-owner", "list-archive", "message-id",
	"mime-version", "content-type", "content-transfer-encoding", NULL,
};

static const char *const default_oversign[] = {
	"from", "to", "cc", "subject", "date", "reply-to", "message-id",
	"mime-version", "content-type", "content-transfer-encoding", NULL,
};

static const char *const default_networks[] = {
	"127.0.0.0/8", "::1/128", NULL,
};

/* load_read - read the whole file */

static int
load_read(struct loader *ld, struct buf *text)
{
	struct stat st;
	char    chunk[8192];
	ssize_t n;
	int     fd;

	if ((fd = open(ld->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		ld_error_at(ld, 0, 0, "cannot open: %s; check the path given "
			    "with -c", strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		ld_error_at(ld, 0, 0, "not a regular file; check the path given "
			    "with -c");
		(void) close(fd);
		return (-1);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || text->len + (size_t) n > POLICY_MAX_SIZE) {
			ld_error_at(ld, 0, 0, "cannot read: %s; check the path "
				    "given with -c", n < 0 ? strerror(errno) :
				    "larger than 16 MiB");
			(void) close(fd);
			return (-1);
		}
		buf_append(text, chunk, (size_t) n);
	}
	(void) close(fd);
	return (0);
}

/* skip_prefix - the text after a prefix; NULL if it is not there */

static const char *
skip_prefix(const char *s, const char *prefix)
{
	size_t  len = strlen(prefix);

	return (strncmp(s, prefix, len) == 0 ? s + len : NULL);
}

/* socket_check - why a milter socket is not valid; NULL if it is */

static const char *
socket_check(const char *s)
{
	const char *rest;
	long    port = 0;

	if ((rest = skip_prefix(s, "unix:")) != NULL
	    || (rest = skip_prefix(s, "local:")) != NULL)
		return (*rest == '/' ? NULL : "the path must be absolute");
	if ((rest = skip_prefix(s, "inet:")) == NULL
	    && (rest = skip_prefix(s, "inet6:")) == NULL)
		return ("it does not start with unix:, inet: or inet6:");
	for (; *rest >= '0' && *rest <= '9' && port <= 65535; rest++)
		port = port * 10 + (*rest - '0');
	if (port < 1 || port > 65535 || (*rest != 0 && *rest != '@'))
		return ("the port must be a number from 1 to 65535");
	if (*rest == '@' && rest[1] == 0)
		return ("the address after \"@\" is missing");
	return (NULL);
}

/* canon_parse - one canonicalization name; -1 if unknown */

static int
canon_parse(const char *s, size_t len)
{
	if (len == 6 && strncmp(s, "simple", 6) == 0)
		return (CANON_SIMPLE);
	if (len == 7 && strncmp(s, "relaxed", 7) == 0)
		return (CANON_RELAXED);
	return (-1);
}

/* load_socket - "socket": where the MTA connects */

static void
load_socket(struct loader *ld, const struct item *it)
{
	const char *s;
	const char *why;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((why = socket_check(s)) != NULL) {
		ld_error(ld, it->val, "socket \"%s\" is not valid: %s; write "
			 "unix:/PATH, inet:PORT@ADDRESS or inet6:PORT@ADDRESS",
			 s, why);
		return;
	}
	ld_set(&ld->p->socket, s);
}

/* load_account - "user", "group": whom to run as; null for none */

static void
load_account(struct loader *ld, const struct item *it)
{
	char  **field;
	const char *s;

	if (strcmp(it->key->value, "user") == 0)
		field = &ld->p->user;
	else
		field = &ld->p->group;
	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && strpbrk(s, " :/") != NULL) {
		ld_error(ld, it->val, "%s \"%s\" is not a %s name (it has a space, "
			 "\":\" or \"/\"); write the name of the account",
			 it->key->value, s, it->key->value);
		return;
	}
	ld_set(field, s);
}

/* load_pidfile - "pidfile": where the daemon writes its process id */

static void
load_pidfile(struct loader *ld, const struct item *it)
{
	const char *s;

	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && *s != '/') {
		ld_error(ld, it->val, "pidfile \"%s\" is not an absolute path; "
			 "write the full path, starting with /", s);
		return;
	}
	ld_set(&ld->p->pidfile, s);
}

/* load_facility - "syslog_facility" */

static void
load_facility(struct loader *ld, const struct item *it)
{
	static const struct {
		const char *name;
		int     code;
	}       fac[] = {
		{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
		{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
		{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	const char *s;
	size_t  i;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	for (i = 0; i < sizeof(fac) / sizeof(fac[0]); i++) {
		if (ascii_caseeq(s, fac[i].name)) {
			ld->p->syslog_facility = fac[i].code;
			return;
		}
	}
	ld_error(ld, it->val, "unknown syslog facility \"%s\"; write mail, daemon, "
		 "user, or local0 to local7", s);
}

/* load_safe_keys - "require_safe_keys" */

static void
load_safe_keys(struct loader *ld, const struct item *it)
{
	(void) ld_bool(ld, it, &ld->p->require_safe_keys);
}

/* load_authenticated - "authenticated" in "sources" */

static void
load_authenticated(struct loader *ld, const struct item *it)
{
	struct policy_sources *s = it->ctx;

	(void) ld_bool(ld, it, &s->authenticated);
}

/* load_egress - "egress": the MTAs' addresses to the Internet */

static void
load_egress(struct loader *ld, const struct item *it)
{
	ld_cidr_list(ld, it, "egress", &ld->p->egress, &ld->p->negress);
}

/* load_networks - "networks" in "sources" */

static void
load_networks(struct loader *ld, const struct item *it)
{
	struct policy_sources *s = it->ctx;

	ld_cidr_list(ld, it, "network", &s->networks, &s->nnetworks);
}

/* load_daemons - "daemons" in "sources" */

static void
load_daemons(struct loader *ld, const struct item *it)
{
	struct policy_sources *s = it->ctx;
	const char *name;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	s->daemons = xcalloc(it->val->nkids + 1, sizeof(*s->daemons));
	for (i = 0; i < it->val->nkids; i++)
		if ((name = ld_entry(ld, it, it->val->kids[i])) != NULL)
			s->daemons[s->ndaemons++] = xstrdup(name);
}

static const struct rule source_rules[] = {
	{"authenticated", load_authenticated},
	{"networks", load_networks},
	{"daemons", load_daemons},
	{NULL, NULL},
};

/* load_sources - "sources": which mail is outbound */

static void
load_sources(struct loader *ld, const struct item *it)
{
	struct policy_sources *s = &ld->p->sources;
	int     errors = ld->errors;

	if (!ld_want(ld, it, YT_MAP))
		return;
	s->authenticated = 1;
	free(s->networks);
	s->networks = NULL;
	s->nnetworks = 0;
	(void) walk_map(ld, it->val, "in \"sources\"", source_rules, s);
	if (ld->errors == errors && !s->authenticated && s->nnetworks == 0
	    && s->ndaemons == 0)
		ld_warn_at(ld, it->key->line, it->key->col, "\"sources\" makes "
			   "no mail outbound: nothing will be signed; set "
			   "authenticated: true, or list networks or daemons");
}

 /*
  * What "signing" needs to check once all its keys are read.
  */
struct signing_state {
	struct policy_signing *sg;
	const struct yt_node *headers;	/* key of the list given */
	const struct yt_node *oversign;	/* value of the list given */
	int     headers_bad;
	int     oversign_bad;
};

/* load_canon - "canonicalization": HEADER/BODY */

static void
load_canon(struct loader *ld, const struct item *it)
{
	struct policy_signing *sg = ((struct signing_state *) it->ctx)->sg;
	const char *s;
	const char *slash;
	int     h, b;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((slash = strchr(s, '/')) == NULL) {
		ld_error(ld, it->val, "canonicalization \"%s\" names one part where "
			 "two are needed; write header/body, e.g. relaxed/relaxed", s);
		return;
	}
	if ((h = canon_parse(s, (size_t) (slash - s))) < 0
	    || (b = canon_parse(slash + 1, strlen(slash + 1))) < 0) {
		ld_error(ld, it->val, "canonicalization \"%s\" is not valid; write "
			 "header/body, each simple or relaxed, e.g. relaxed/relaxed", s);
		return;
	}
	sg->header_canon = (enum canon) h;
	sg->body_canon = (enum canon) b;
}

/* field_first - an earlier entry naming the same field, or NULL */

static const struct yt_node *
field_first(const struct yt_node *list, size_t i, const char *name)
{
	const struct yt_node *n;
	size_t  j;

	for (j = 0; j < i; j++) {
		n = list->kids[j];
		if (n->type == YT_SCALAR && ascii_caseeq(n->value, name))
			return (n);
	}
	return (NULL);
}

/* load_fields - a list of header field names; 0 if any is bad */

static int
load_fields(struct loader *ld, const struct item *it, char ***listp,
	            size_t *np)
{
	const struct yt_node *n, *first;
	const char *s;
	char  **list;
	size_t  i, count = 0;
	int     ok = 1;

	if (!ld_want(ld, it, YT_SEQ))
		return (0);
	list = xcalloc(it->val->nkids + 1, sizeof(*list));
	for (i = 0; i < it->val->nkids; i++) {
		n = it->val->kids[i];
		if ((s = ld_entry(ld, it, n)) == NULL) {
			ok = 0;
		} else if (!field_name_ok(s)) {
			ld_error(ld, n, "\"%s\" in %s is not a header field name; write "
				 "the name alone, without \":\" or spaces, e.g. subject",
				 s, it->what);
			ok = 0;
		} else if ((first = field_first(it->val, i, s)) != NULL) {
			ld_error(ld, n, "\"%s\" is listed twice in %s (first at line %d); "
				 "remove one", s, it->what, first->line);
			ok = 0;
		} else {
			list[count++] = lower_dup(s);
		}
	}
	strv_free(*listp, *np);
	*listp = list;
	*np = count;
	return (ok);
}

/* load_headers - "headers" in "signing" */

static void
load_headers(struct loader *ld, const struct item *it)
{
	struct signing_state *st = it->ctx;

	st->headers = it->key;
	st->headers_bad = !load_fields(ld, it, &st->sg->headers, &st->sg->nheaders);
}

/* load_oversign - "oversign" in "signing" */

static void
load_oversign(struct loader *ld, const struct item *it)
{
	struct signing_state *st = it->ctx;

	st->oversign = it->val;
	st->oversign_bad = !load_fields(ld, it, &st->sg->oversign,
					&st->sg->noversign);
}

/* load_expire - "expire" in "signing" */

static void
load_expire(struct loader *ld, const struct item *it)
{
	struct signing_state *st = it->ctx;
	const char *s;
	const char *why;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	if ((why = duration_parse(s, &st->sg->expire)) != NULL)
		ld_error(ld, it->val, "expire \"%s\" %s", s, why);
}

/* load_max_line - "max_line_length" in "signing" */

static void
load_max_line(struct loader *ld, const struct item *it)
{
	struct signing_state *st = it->ctx;
	const char *s;
	char   *end;
	long    n;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != 0 || (n != 0 && n < MAX_LINE_MIN)
	    || n > MAX_LINE_MAX) {
		ld_error(ld, it->val, "max_line_length \"%s\" is not 0 (no limit) "
			 "or a length from %d to %d; write the MTA's limit on "
			 "the lines it sends, e.g. 998 (Postfix's "
			 "smtp_line_length_limit)", s, MAX_LINE_MIN, MAX_LINE_MAX);
		return;
	}
	st->sg->max_line = n;
}

static const struct rule signing_rules[] = {
	{"canonicalization", load_canon},
	{"headers", load_headers},
	{"oversign", load_oversign},
	{"expire", load_expire},
	{"max_line_length", load_max_line},
	{NULL, NULL},
};

/* signing_check - what holds between headers and oversign */

static void
signing_check(struct loader *ld, struct signing_state *st)
{
	struct policy_signing *sg = st->sg;
	size_t  i, kept = 0;

	if (st->headers_bad)
		return;
	if (!strv_has(sg->headers, sg->nheaders, "from"))
		ld_error(ld, st->headers, "\"headers\" in \"signing\" does not list "
			 "from; add it: RFC 6376 requires the From field to be signed");
	if (st->oversign == NULL) {
		for (i = 0; i < sg->noversign; i++) {
			if (strv_has(sg->headers, sg->nheaders, sg->oversign[i]))
				sg->oversign[kept++] = sg->oversign[i];
			else
				free(sg->oversign[i]);
		}
		sg->noversign = kept;
		return;
	}
	if (st->oversign_bad)
		return;
	for (i = 0; i < sg->noversign; i++)
		if (!strv_has(sg->headers, sg->nheaders, sg->oversign[i]))
			ld_error(ld, st->oversign->kids[i], "\"%s\" is in \"oversign\" "
				 "but not in \"headers\" (in \"signing\"); add it to "
				 "headers too", sg->oversign[i]);
}

/* load_signing - "signing": how messages are signed */

static void
load_signing(struct loader *ld, const struct item *it)
{
	struct signing_state st;

	if (!ld_want(ld, it, YT_MAP))
		return;
	memset(&st, 0, sizeof(st));
	st.sg = &ld->p->signing;
	(void) walk_map(ld, it->val, "in \"signing\"", signing_rules, &st);
	signing_check(ld, &st);
}

/* load_action - one key of "actions" */

static void
load_action(struct loader *ld, const struct item *it)
{
	static const char *const names[] = {"accept", "reject", "tempfail"};
	static const enum action codes[] = {
		ACTION_ACCEPT, ACTION_REJECT, ACTION_TEMPFAIL,
	};
	struct policy_actions *a = &ld->p->actions;
	enum action *slot;
	const char *s;
	int     i;

	if (strcmp(it->key->value, "no_from") == 0)
		slot = &a->no_from;
	else if (strcmp(it->key->value, "bad_from") == 0)
		slot = &a->bad_from;
	else
		slot = &a->sign_error;
	if ((s = ld_string(ld, it)) == NULL)
		return;
	for (i = 0; i < 3; i++) {
		if (ascii_caseeq(s, names[i])) {
			*slot = codes[i];
			return;
		}
	}
	ld_error(ld, it->val, "unknown action \"%s\" for %s; write accept, reject "
		 "or tempfail", s, it->what);
}

static const struct rule action_rules[] = {
	{"no_from", load_action},
	{"bad_from", load_action},
	{"sign_error", load_action},
	{NULL, NULL},
};

/* load_actions - "actions": what to do when a message cannot be signed */

static void
load_actions(struct loader *ld, const struct item *it)
{
	if (ld_want(ld, it, YT_MAP))
		(void) walk_map(ld, it->val, "in \"actions\"", action_rules, NULL);
}

static const struct rule top_rules[] = {
	{"socket", load_socket},
	{"user", load_account},
	{"group", load_account},
	{"pidfile", load_pidfile},
	{"syslog_facility", load_facility},
	{"require_safe_keys", load_safe_keys},
	{"chroot", load_chroot},
	{"socket_mode", load_socket_mode},
	{"socket_group", load_socket_group},
	{"sources", load_sources},
	{"egress", load_egress},
	{"signing", load_signing},
	{"actions", load_actions},
	{"domains", load_domains},
	{"unmanaged", load_unmanaged},
	{"dns", load_dns},
	{"keys", load_keys},
	{"counters", load_counters},
	{"metrics", load_metrics},
	{"check", load_check},
	{"dmarc", load_dmarc},
	{NULL, NULL},
};

/* policy_defaults - a policy with every default in place */

static struct policy *
policy_defaults(const char *path)
{
	struct policy *p = xcalloc(1, sizeof(*p));
	size_t  i;

	p->path = xstrdup(path);
	p->socket = xstrdup("unix:/run/signet/signet.sock");
	p->syslog_facility = LOG_MAIL;
	p->require_safe_keys = 1;
	p->socket_mode = 0660;
	p->signing.header_canon = CANON_RELAXED;
	p->signing.body_canon = CANON_RELAXED;
	p->signing.max_line = 998;		/* RFC 5322 2.1.1, Postfix's default */
	p->signing.headers = strv_copy(default_headers, &p->signing.nheaders);
	p->signing.oversign = strv_copy(default_oversign, &p->signing.noversign);
	p->sources.authenticated = 1;
	p->sources.networks = xcalloc(2, sizeof(*p->sources.networks));
	for (i = 0; default_networks[i]; i++)
		if (cidr_parse(default_networks[i],
			       &p->sources.networks[p->sources.nnetworks++], NULL) != 0)
			log_panic("policy_defaults: bad network %s", default_networks[i]);
	p->actions.no_from = ACTION_REJECT;
	p->actions.bad_from = ACTION_REJECT;
	p->actions.sign_error = ACTION_TEMPFAIL;
	p->counters.hourly_days = POLICY_HOURLY_DAYS;
	p->counters.on_error = ACTION_TEMPFAIL;
	p->dns.timeout_ms = POLICY_DNS_TIMEOUT_MS;
	p->keys.directory = xstrdup(POLICY_KEYS_DIRECTORY);
	p->keys.overlap = POLICY_KEYS_OVERLAP;
	p->keys.check_interval = POLICY_KEYS_CHECK_INTERVAL;
	p->dmarc.window = POLICY_DMARC_WINDOW;
	p->dmarc.min_days = POLICY_DMARC_MIN_DAYS;
	p->dmarc.min_aligned_pass = POLICY_DMARC_MIN_PASS;
	p->dmarc.max_unknown_share = POLICY_DMARC_MAX_UNKNOWN;
	return (p);
}

/* policy_load - read, check and return the configuration */

struct policy *
policy_load(const char *path, struct diag *d)
{
	struct loader ld;
	struct buf text = BUF_INIT;
	struct yt_node *root = NULL;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.d = d;
	if (load_read(&ld, &text) == 0)
		root = yt_read(path, &text, ld_yaml_report, &ld);
	buf_free(&text);
	if (ld.errors == 0 && (root == NULL || yt_is_null(root)))
		ld_error_at(&ld, 0, 0, "the file is empty; write the settings as "
			    "in the example signet.yaml, or {} to take every default");
	else if (root != NULL && root->type != YT_MAP && root->type != YT_BAD)
		ld_error(&ld, root, "the file must be a mapping of settings (key: "
			 "value lines), not %s; see the example signet.yaml",
			 yt_kind(root));
	else if (root != NULL && root->type == YT_MAP) {
		ld.p = policy_defaults(path);
		(void) walk_map(&ld, root, "", top_rules, NULL);
		load_domains_finish(&ld);
		load_senders_finish(&ld);
	}
	yt_free(root);
	ld_flush(&ld);
	if (ld.errors > 0)
		return (policy_free(ld.p));
	return (ld.p);
}
