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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <yaml.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "cidr.h"
#include "policy.h"

#define POLICY_MAX_SIZE	(16 * 1024 * 1024)	/* bytes */
#define POLICY_MAX_DEPTH 32		/* nested lists and mappings */
#define POLICY_MAX_EXPIRE (3650L * 86400)	/* ten years */

 /*
  * The YAML document as a tree, with the position of every node.
  */
enum yt_type {
	YT_SCALAR,
	YT_SEQ,
	YT_MAP,
	YT_BAD				/* reported already: skip quietly */
};

struct yt_node {
	enum yt_type type;
	int     line;
	int     col;
	int     plain;			/* unquoted scalar: may mean null */
	char   *value;			/* YT_SCALAR */
	struct yt_node **kids;		/* YT_SEQ: items; YT_MAP: key, value... */
	size_t  nkids;
	size_t  cap;
};

struct ld_msg {
	int     line;
	int     col;
	size_t  seq;			/* order found in, for ties */
	int     warn;			/* a warning, not an error */
	char   *text;
};

struct loader {
	const char *path;
	struct diag *d;
	struct policy *p;
	yaml_parser_t parser;
	const struct buf *text;		/* the file's content */
	int     stop;			/* read no more events */
	int     syntax;			/* a YAML syntax error was reported */
	int     errors;			/* errors found */
	struct ld_msg *msgs;		/* diagnostics, to be sorted */
	size_t  nmsgs;
};

 /*
  * One key: value pair of a mapping, as the rule for the key sees it.
  */
struct item {
	const struct yt_node *key;
	const struct yt_node *val;
	const char *in;			/* where: "in \"sources\""; "" at the top */
	const char *what;		/* the setting: "\"networks\" in \"sources\"" */
	void   *ctx;
};

typedef void (*rule_fn) (struct loader *, const struct item *);

struct rule {
	const char *name;
	rule_fn fn;
};

#define RULES_MAX	16

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

static void ld_add(struct loader *, int, int, int, const char *, va_list)
	__attribute__((format(printf, 5, 0)));
static void ld_error_at(struct loader *, int, int, const char *,...)
	__attribute__((format(printf, 4, 5)));
static void ld_warn_at(struct loader *, int, int, const char *,...)
	__attribute__((format(printf, 4, 5)));
static void ld_error(struct loader *, const struct yt_node *, const char *,...)
	__attribute__((format(printf, 3, 4)));

/* ld_add - keep a diagnostic until all are sorted by position */

static void
ld_add(struct loader *ld, int warn, int line, int col, const char *fmt,
       va_list ap)
{
	struct buf b = BUF_INIT;
	struct ld_msg *m;

	buf_vprintf(&b, fmt, ap);
	ld->msgs = xreallocarray(ld->msgs, ld->nmsgs + 1, sizeof(*ld->msgs));
	m = &ld->msgs[ld->nmsgs];
	m->seq = ld->nmsgs++;
	m->line = line;
	m->col = col;
	m->warn = warn;
	m->text = buf_steal(&b);
	if (!warn)
		ld->errors++;
}

/* ld_error_at - report an error at a line and column */

static void
ld_error_at(struct loader *ld, int line, int col, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_add(ld, 0, line, col, fmt, ap);
	va_end(ap);
}

/* ld_warn_at - report a warning at a line and column */

static void
ld_warn_at(struct loader *ld, int line, int col, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_add(ld, 1, line, col, fmt, ap);
	va_end(ap);
}

/* ld_error - report an error at a node */

static void
ld_error(struct loader *ld, const struct yt_node *n, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_add(ld, 0, n->line, n->col, fmt, ap);
	va_end(ap);
}

/* msg_cmp - order diagnostics by position, then as found */

static int
msg_cmp(const void *a, const void *b)
{
	const struct ld_msg *x = a;
	const struct ld_msg *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	if (x->col != y->col)
		return (x->col < y->col ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* ld_flush - hand the diagnostics over, in the order of the file */

static void
ld_flush(struct loader *ld)
{
	struct ld_msg *m;
	size_t  i;

	if (ld->nmsgs > 1)
		qsort(ld->msgs, ld->nmsgs, sizeof(*ld->msgs), msg_cmp);
	for (i = 0; i < ld->nmsgs; i++) {
		m = &ld->msgs[i];
		if (m->warn)
			diag_warn(ld->d, ld->path, m->line, m->col, "%s", m->text);
		else
			diag_error(ld->d, ld->path, m->line, m->col, "%s", m->text);
		free(m->text);
	}
	free(ld->msgs);
	ld->msgs = NULL;
	ld->nmsgs = 0;
}

/* lower_dup - copy a string, ASCII letters in lower case */

static char *
lower_dup(const char *s)
{
	char   *copy = xstrdup(s);
	char   *cp;

	for (cp = copy; *cp; cp++)
		if (*cp >= 'A' && *cp <= 'Z')
			*cp = (char) (*cp - 'A' + 'a');
	return (copy);
}

/* ascii_caseeq - are two strings equal, ignoring the case of ASCII */

static int
ascii_caseeq(const char *a, const char *b)
{
	int     ca, cb;

	do {
		ca = (unsigned char) *a++;
		cb = (unsigned char) *b++;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
	} while (ca == cb && ca != 0);
	return (ca == cb);
}

/* strv_copy - a copy of a NULL-terminated array of strings */

static char **
strv_copy(const char *const *src, size_t *np)
{
	char  **v;
	size_t  n;

	for (n = 0; src[n]; n++)
		 /* void */ ;
	v = xcalloc(n + 1, sizeof(*v));
	for (*np = 0; *np < n; ++*np)
		v[*np] = xstrdup(src[*np]);
	return (v);
}

/* strv_free - release an array of strings */

static void
strv_free(char **v, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* strv_has - does an array hold a string */

static int
strv_has(char *const *v, size_t n, const char *s)
{
	size_t  i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (1);
	return (0);
}

/* yt_new - a node at the position of an event */

static struct yt_node *
yt_new(enum yt_type type, const yaml_event_t *ev)
{
	struct yt_node *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (int) ev->start_mark.line + 1;
	n->col = (int) ev->start_mark.column + 1;
	return (n);
}

/* yt_add - append a child node */

static void
yt_add(struct yt_node *n, struct yt_node *kid)
{
	if (n->nkids == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 4;
		n->kids = xreallocarray(n->kids, n->cap, sizeof(*n->kids));
	}
	n->kids[n->nkids++] = kid;
}

/* yt_free - release a tree */

static struct yt_node *
yt_free(struct yt_node *n)
{
	size_t  i;

	if (n == NULL)
		return (NULL);
	for (i = 0; i < n->nkids; i++)
		yt_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
	return (NULL);
}

/* yt_is_null - is this the YAML null (empty, ~, null) */

static int
yt_is_null(const struct yt_node *n)
{
	return (n->type == YT_SCALAR && n->plain
		&& (n->value[0] == 0 || strcmp(n->value, "~") == 0
		    || strcmp(n->value, "null") == 0
		    || strcmp(n->value, "Null") == 0
		    || strcmp(n->value, "NULL") == 0));
}

/* yt_kind - what a node is, for messages */

static const char *
yt_kind(const struct yt_node *n)
{
	switch (n->type) {
	case YT_SEQ:
		return ("a list");
	case YT_MAP:
		return ("a mapping");
	default:
		return (yt_is_null(n) ? "empty" : "a single value");
	}
}

/* yt_get - the value of a key in a mapping, NULL if absent */

static const struct yt_node *
yt_get(const struct yt_node *map, const char *key)
{
	size_t  i;

	for (i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->type == YT_SCALAR
		    && strcmp(map->kids[i]->value, key) == 0)
			return (map->kids[i + 1]);
	return (NULL);
}

/* yt_offset_error - report bad text at a byte offset */

static void
yt_offset_error(struct loader *ld, size_t offset, const char *problem)
{
	const unsigned char *data = (const unsigned char *) ld->text->data;
	size_t  i, line_start = 0;
	int     line = 1;

	/* Point at the start of a character whose later bytes are bad. */
	while (data != NULL && offset > 0 && offset <= ld->text->len
	       && (data[offset - 1] & 0xc0) == 0x80)
		offset--;
	if (data != NULL && offset > 0 && offset <= ld->text->len
	    && (data[offset - 1] & 0xc0) == 0xc0)
		offset--;
	for (i = 0; data != NULL && i < offset && i < ld->text->len; i++) {
		if (data[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	}
	ld_error_at(ld, line, (int) (i - line_start) + 1, "this is not UTF-8 "
		    "text (%s); save the file as UTF-8",
		    problem ? problem : "unknown error");
}

/* yt_syntax_error - report what libyaml could not parse */

static void
yt_syntax_error(struct loader *ld)
{
	yaml_parser_t *yp = &ld->parser;
	size_t  i;

	for (i = 0; i < ld->nmsgs; i++)		/* only this one then */
		free(ld->msgs[i].text);
	ld->nmsgs = 0;
	ld->errors = 0;
	ld->stop = ld->syntax = 1;
	if (yp->error == YAML_MEMORY_ERROR)
		log_fatal("policy_load: %s: out of memory", ld->path);
	if (yp->error == YAML_READER_ERROR) {
		yt_offset_error(ld, yp->problem_offset, yp->problem);
		return;
	}
	if (yp->context)
		ld_error_at(ld, (int) yp->problem_mark.line + 1,
			    (int) yp->problem_mark.column + 1,
			    "YAML syntax: %s (%s at line %d); check the indentation "
			    "and quoting here", yp->problem, yp->context,
			    (int) yp->context_mark.line + 1);
	else
		ld_error_at(ld, (int) yp->problem_mark.line + 1,
			    (int) yp->problem_mark.column + 1,
			    "YAML syntax: %s; check the indentation and quoting "
			    "here", yp->problem ? yp->problem : "unknown error");
}

/* yt_event - the next event; 0 after a syntax error */

static int
yt_event(struct loader *ld, yaml_event_t *ev)
{
	if (yaml_parser_parse(&ld->parser, ev))
		return (1);
	yt_syntax_error(ld);
	return (0);
}

/* yt_props - refuse anchors and tags */

static void
yt_props(struct loader *ld, const yaml_event_t *ev, const yaml_char_t *anchor,
	         const yaml_char_t *tag)
{
	int     line = (int) ev->start_mark.line + 1;
	int     col = (int) ev->start_mark.column + 1;

	if (anchor)
		ld_error_at(ld, line, col, "YAML anchor \"&%s\": anchors and "
			    "aliases are not supported; write the value out in "
			    "full", (const char *) anchor);
	if (tag && strncmp((const char *) tag, "tag:yaml.org,2002:", 18) == 0)
		ld_error_at(ld, line, col, "YAML tag \"!!%s\": tags are not used "
			    "in this file; remove it", (const char *) tag + 18);
	else if (tag)
		ld_error_at(ld, line, col, "YAML tag \"%s\": tags are not used "
			    "in this file; remove it", (const char *) tag);
}

/* yt_scalar - a node for a scalar event */

static struct yt_node *
yt_scalar(struct loader *ld, const yaml_event_t *ev)
{
	const unsigned char *v = ev->data.scalar.value;
	size_t  len = ev->data.scalar.length;
	struct yt_node *n = yt_new(YT_SCALAR, ev);
	size_t  i;

	yt_props(ld, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	for (i = 0; i < len; i++) {
		if (v[i] < 0x20 || v[i] == 0x7f) {
			ld_error(ld, n, "a value holds a control character (0x%02x: "
				 "a tab, a line break or the like); remove it", v[i]);
			n->type = YT_BAD;
			return (n);
		}
	}
	n->value = xstrndup((const char *) v, len);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return (n);
}

static struct yt_node *yt_build(struct loader *, const yaml_event_t *, int);

/* yt_collection - read the items of a list or mapping */

static struct yt_node *
yt_collection(struct loader *ld, struct yt_node *n, yaml_event_type_t end,
	              int depth)
{
	yaml_event_t ev;
	struct yt_node *kid;

	if (depth >= POLICY_MAX_DEPTH) {
		ld_error(ld, n, "lists and mappings are nested more than %d deep; "
			 "this is not a signet configuration", POLICY_MAX_DEPTH);
		ld->stop = 1;
		return (yt_free(n));
	}
	for (;;) {
		if (!yt_event(ld, &ev))
			return (yt_free(n));
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return (n);
		}
		kid = yt_build(ld, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (kid == NULL)
			return (yt_free(n));
		yt_add(n, kid);
	}
}

/* yt_build - the node that an event starts */

static struct yt_node *
yt_build(struct loader *ld, const yaml_event_t *ev, int depth)
{
	struct yt_node *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return (yt_scalar(ld, ev));
	case YAML_ALIAS_EVENT:
		ld_error_at(ld, (int) ev->start_mark.line + 1,
			    (int) ev->start_mark.column + 1,
			    "YAML alias \"*%s\": anchors and aliases are not "
			    "supported; write the value out in full",
			    (const char *) ev->data.alias.anchor);
		return (yt_new(YT_BAD, ev));
	case YAML_SEQUENCE_START_EVENT:
		n = yt_new(YT_SEQ, ev);
		yt_props(ld, ev, ev->data.sequence_start.anchor,
			 ev->data.sequence_start.tag);
		return (yt_collection(ld, n, YAML_SEQUENCE_END_EVENT, depth));
	case YAML_MAPPING_START_EVENT:
		n = yt_new(YT_MAP, ev);
		yt_props(ld, ev, ev->data.mapping_start.anchor,
			 ev->data.mapping_start.tag);
		return (yt_collection(ld, n, YAML_MAPPING_END_EVENT, depth));
	default:
		log_panic("yt_build: unexpected YAML event %d", (int) ev->type);
	}
}

/* yt_read - the root node of the file's one document; NULL if none */

static struct yt_node *
yt_read(struct loader *ld, const struct buf *text)
{
	yaml_event_t ev;
	struct yt_node *root = NULL;
	int     docs = 0;

	if (!yaml_parser_initialize(&ld->parser))
		log_fatal("policy_load: cannot start the YAML parser: out of memory");
	ld->text = text;
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)
				     (text->data ? text->data : ""), text->len);
	while (!ld->stop && yt_event(ld, &ev)) {
		if (ev.type == YAML_STREAM_END_EVENT) {
			ld->stop = 1;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs++ > 0) {
			ld_error_at(ld, (int) ev.start_mark.line + 1,
				    (int) ev.start_mark.column + 1,
				    "a second YAML document starts here; the "
				    "configuration is one document: remove this "
				    "\"---\" and what follows, or merge the two");
			ld->stop = 1;
		} else if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT
			   || ev.type == YAML_SEQUENCE_START_EVENT
			   || ev.type == YAML_MAPPING_START_EVENT) {
			root = yt_build(ld, &ev, 0);
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ld->parser);
	ld->text = NULL;
	if (ld->syntax)
		root = yt_free(root);
	return (root);
}

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

/* ld_want - is a value of this type; report it if not */

static int
ld_want(struct loader *ld, const struct item *it, enum yt_type type)
{
	static const char *const kind[] = {
		"a single value", "a list", "a mapping",
	};
	static const char *const how[] = {
		"write one value after the colon",
		"write it as [a, b] or as lines that start with \"- \"",
		"write it as indented key: value lines",
	};

	if (it->val->type == YT_BAD)
		return (0);
	if (it->val->type == type)
		return (1);
	if (yt_is_null(it->val))
		ld_error(ld, it->key, "%s has no value; %s", it->what,
			 type == YT_SEQ ? "write [] for an empty list" :
			 "write {} for an empty mapping");
	else
		ld_error(ld, it->val, "%s must be %s, not %s; %s", it->what,
			 kind[type], yt_kind(it->val), how[type]);
	return (0);
}

/* ld_string - the text of a single value; NULL if reported */

static const char *
ld_string(struct loader *ld, const struct item *it)
{
	if (!ld_want(ld, it, YT_SCALAR))
		return (NULL);
	if (it->val->value[0] == 0 || yt_is_null(it->val)) {
		ld_error(ld, it->key, "%s has no value; write one after the colon",
			 it->what);
		return (NULL);
	}
	return (it->val->value);
}

/* ld_optional - a text that may be null (none); 0 if reported */

static int
ld_optional(struct loader *ld, const struct item *it, const char **s)
{
	*s = NULL;
	if (yt_is_null(it->val))
		return (1);
	return ((*s = ld_string(ld, it)) != NULL);
}

/* ld_bool - a boolean; 0 if reported */

static int
ld_bool(struct loader *ld, const struct item *it, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	const char *s;
	int     i;

	if ((s = ld_string(ld, it)) == NULL)
		return (0);
	for (i = 0; yes[i]; i++) {
		if (ascii_caseeq(s, yes[i]) || ascii_caseeq(s, no[i])) {
			*out = ascii_caseeq(s, yes[i]);
			return (1);
		}
	}
	ld_error(ld, it->val, "%s must be true or false, not \"%s\"; write true "
		 "or false", it->what, s);
	return (0);
}

/* ld_entry - the text of one list entry; NULL if reported */

static const char *
ld_entry(struct loader *ld, const struct item *it, const struct yt_node *n)
{
	if (n->type == YT_BAD)
		return (NULL);
	if (n->type != YT_SCALAR) {
		ld_error(ld, n, "the entries of %s must be single values, not %s; "
			 "write one value per entry", it->what, yt_kind(n));
		return (NULL);
	}
	if (n->value[0] == 0 || yt_is_null(n)) {
		ld_error(ld, n, "an entry of %s is empty; remove it", it->what);
		return (NULL);
	}
	return (n->value);
}

/* ld_set - replace a string setting */

static void
ld_set(char **field, const char *s)
{
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

/* walk_unknown - report a key that has no rule */

static void
walk_unknown(struct loader *ld, const struct yt_node *key, const char *in,
	             const struct rule *rules)
{
	struct buf names = BUF_INIT;
	int     r;

	for (r = 0; rules[r].name; r++)
		buf_printf(&names, "%s%s", r ? ", " : "", rules[r].name);
	ld_error(ld, key, "unknown key \"%s\" %s; the keys allowed here are: %s",
		 key->value, *in ? in : "at the top level", names.data);
	buf_free(&names);
}

/* walk_map - hand each key of a mapping to its rule; count unknown keys */

static int
walk_map(struct loader *ld, const struct yt_node *map, const char *in,
	         const struct rule *rules, void *ctx)
{
	const struct yt_node *seen[RULES_MAX] = {0};
	struct buf what = BUF_INIT;
	struct item it;
	size_t  i;
	int     r;
	int     unknown = 0;

	for (i = 0; i + 1 < map->nkids; i += 2) {
		it.key = map->kids[i];
		it.val = map->kids[i + 1];
		if (it.key->type == YT_BAD)
			continue;
		if (it.key->type != YT_SCALAR) {
			ld_error(ld, it.key, "a key must be a plain name, not %s; "
				 "check the indentation, \"- \" and \":\" here",
				 yt_kind(it.key));
			continue;
		}
		for (r = 0; rules[r].name && strcmp(rules[r].name, it.key->value); r++)
			 /* void */ ;
		if (rules[r].name == NULL) {
			walk_unknown(ld, it.key, in, rules);
			unknown++;
			continue;
		}
		buf_reset(&what);
		buf_printf(&what, "\"%s\"%s%s", it.key->value, *in ? " " : "", in);
		if (seen[r] != NULL) {
			ld_error(ld, it.key, "%s is given twice (first at line %d); "
				 "remove one", what.data, seen[r]->line);
			continue;
		}
		seen[r] = it.key;
		it.in = in;
		it.what = what.data;
		it.ctx = ctx;
		rules[r].fn(ld, &it);
	}
	buf_free(&what);
	return (unknown);
}

/* dns_name_check - why a name is not a DNS host name; NULL if it is */

static const char *
dns_name_check(const char *name, int min_labels)
{
	const char *label = name;
	const char *cp;
	int     labels = 0;

	if (strlen(name) > 253)
		return ("it is longer than 253 characters");
	for (cp = name; /* void */ ; cp++) {
		if (*cp == '.' || *cp == 0) {
			if (cp == label)
				return ("it has an empty label (a dot at the start, "
					"or two in a row)");
			if (cp - label > 63)
				return ("a label is longer than 63 characters");
			if (*label == '-' || cp[-1] == '-')
				return ("a label starts or ends with a hyphen");
			labels++;
			if (*cp == 0)
				break;
			label = cp + 1;
		} else if (*cp & 0x80) {
			return ("it is not ASCII");
		} else if (!(*cp >= 'a' && *cp <= 'z') && !(*cp >= '0' && *cp <= '9')
			   && *cp != '-' && !(*cp >= 'A' && *cp <= 'Z')) {
			return ("it has a character other than a letter, digit, "
				"hyphen or dot");
		}
	}
	if (labels < min_labels)
		return ("it has only one label");
	return (NULL);
}

/* field_name_ok - is this an RFC 5322 header field name */

static int
field_name_ok(const char *s)
{
	if (*s == 0)
		return (0);
	for (; *s; s++)
		if ((unsigned char) *s < 33 || (unsigned char) *s > 126 || *s == ':')
			return (0);
	return (1);
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

/* duration_parse - seconds from 3600, 60m, 7d...; NULL or why not */

static const char *
duration_parse(const char *s, long *out)
{
	static const char units[] = "smhdw";
	static const long secs[] = {1, 60, 3600, 86400, 604800};
	const char *cp = s;
	const char *u;
	long    n = 0;

	if (*cp == '-')
		return ("is negative; write 0 for no expiry, or a time such as 7d");
	if (*cp < '0' || *cp > '9')
		return ("is not a time; write seconds (3600) or a number with s, m, "
			"h, d or w (7d), or 0 for no expiry");
	for (; *cp >= '0' && *cp <= '9'; cp++)
		if (n > POLICY_MAX_EXPIRE / 10
		    || (n = n * 10 + (*cp - '0')) > POLICY_MAX_EXPIRE)
			return ("is longer than ten years (3650d); write a shorter "
				"time, or 0 for no expiry");
	if (*cp != 0) {
		if ((u = strchr(units, *cp)) == NULL || cp[1] != 0)
			return ("is not a time; write seconds (3600) or a number with "
				"s, m, h, d or w (7d), or 0 for no expiry");
		if (n > POLICY_MAX_EXPIRE / secs[u - units])
			return ("is longer than ten years (3650d); write a shorter "
				"time, or 0 for no expiry");
		n *= secs[u - units];
	}
	*out = n;
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

/* load_network - one entry of "networks" */

static void
load_network(struct loader *ld, const struct item *it, const struct yt_node *n)
{
	struct policy_sources *s = it->ctx;
	const char *text;
	const char *why;
	char    net[INET6_ADDRSTRLEN + 8];
	struct cidr c;

	if ((text = ld_entry(ld, it, n)) == NULL)
		return;
	switch (cidr_parse(text, &c, &why)) {
	case 0:
		s->networks[s->nnetworks++] = c;
		break;
	case -2:
		cidr_format(&c, net, sizeof(net));
		ld_error(ld, n, "network \"%s\" %s has host bits set; write %s for "
			 "the network, or %.*s/%d for the one address", text, it->in,
			 net, (int) strcspn(text, "/"), text,
			 c.family == AF_INET ? 32 : 128);
		break;
	default:
		ld_error(ld, n, "network \"%s\" %s is not valid: %s; write an "
			 "address (192.0.2.1, 2001:db8::1) or a network "
			 "(192.0.2.0/24, 2001:db8::/32)", text, it->in, why);
		break;
	}
}

/* load_networks - "networks" in "sources" */

static void
load_networks(struct loader *ld, const struct item *it)
{
	struct policy_sources *s = it->ctx;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	s->networks = xreallocarray(s->networks, it->val->nkids + 1,
				    sizeof(*s->networks));
	for (i = 0; i < it->val->nkids; i++)
		load_network(ld, it, it->val->kids[i]);
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

static const struct rule signing_rules[] = {
	{"canonicalization", load_canon},
	{"headers", load_headers},
	{"oversign", load_oversign},
	{"expire", load_expire},
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

static const struct rule domain_rules[] = {
	{"selectors", load_selectors},
	{"sign_subdomains", load_subdomains},
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

static void
load_domains(struct loader *ld, const struct item *it)
{
	size_t  i;

	if (ld_want(ld, it, YT_MAP))
		for (i = 0; i + 1 < it->val->nkids; i += 2)
			load_domain(ld, it->val->kids[i], it->val->kids[i + 1]);
}

static const struct rule top_rules[] = {
	{"socket", load_socket},
	{"user", load_account},
	{"group", load_account},
	{"pidfile", load_pidfile},
	{"syslog_facility", load_facility},
	{"require_safe_keys", load_safe_keys},
	{"sources", load_sources},
	{"signing", load_signing},
	{"actions", load_actions},
	{"domains", load_domains},
	{NULL, NULL},
};

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

/* load_finish - sort the domains, report repeated ones */

static void
load_finish(struct loader *ld)
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
	p->signing.header_canon = CANON_RELAXED;
	p->signing.body_canon = CANON_RELAXED;
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
		root = yt_read(&ld, &text);
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
		load_finish(&ld);
	}
	yt_free(root);
	ld_flush(&ld);
	if (ld.errors > 0)
		return (policy_free(ld.p));
	return (ld.p);
}
