/*++
/* NAME
/*	yaml_tree 3
/* SUMMARY
/*	read a YAML document into a tree
/* SYNOPSIS
/*	#include "yaml_tree.h"
/*
/*	struct yt_node *yt_read(const char *name, const struct buf *text,
/*			yt_report_fn report, void *ctx)
/*
/*	struct yt_node *yt_free(struct yt_node *root)
/*
/*	int	yt_is_null(const struct yt_node *n)
/*
/*	const char *yt_kind(const struct yt_node *n)
/*
/*	const struct yt_node *yt_get(const struct yt_node *map,
/*			const char *key)
/* DESCRIPTION
/*	yt_read() parses \fItext\fR, the content of the file \fIname\fR,
/*	with libyaml and returns the root node of its one document: a
/*	tree of scalars, lists and mappings, each node with the line and
/*	column where it starts. A mapping holds its keys and values
/*	in turn. The caller releases the tree with yt_free(), which
/*	returns NULL; a NULL tree is allowed.
/*
/*	Anchors, aliases and tags are refused, as are values that hold
/*	control characters; such a node becomes YT_BAD, and what holds
/*	it is read on. Lists and mappings may nest 32 deep.
/*
/*	yt_is_null() tells whether a node is the YAML null: an unquoted
/*	empty value, ~ or null. yt_kind() names what a node is, for
/*	messages ("a list", "empty"...). yt_get() returns the value of
/*	\fIkey\fR in a mapping, or NULL when the key is absent.
/* DIAGNOSTICS
/*	Every problem is handed to \fIreport\fR with \fIctx\fR, a flag
/*	that is set for a syntax error, the line and column (from 1),
/*	and a printf-style message. A syntax error, text that is not
/*	UTF-8 included, ends the reading: it is the last report, it
/*	replaces all earlier ones, and yt_read() then returns NULL. A
/*	second document, or nesting too deep, is reported and ends the
/*	reading too. yt_read() returns NULL for a text without a
/*	document.
/*
/*	Fatal: out of memory. Panic: an event libyaml should not send.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Utility library. */

#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "yaml_tree.h"

#define YT_MAX_DEPTH	32		/* nested lists and mappings */

 /*
  * The state of one reading.
  */
struct yt_reader {
	const char *name;		/* the file, for fatal errors */
	const struct buf *text;		/* its content */
	yaml_parser_t parser;
	int     stop;			/* read no more events */
	int     syntax;			/* a syntax error was reported */
	yt_report_fn report;
	void   *ctx;
};

static void yt_report(struct yt_reader *, int, int, int, const char *,...)
	__attribute__((format(printf, 5, 6)));

/* yt_report - hand a problem to the caller */

static void
yt_report(struct yt_reader *rd, int syntax, int line, int col,
	          const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	rd->report(rd->ctx, syntax, line, col, fmt, ap);
	va_end(ap);
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

struct yt_node *
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

int
yt_is_null(const struct yt_node *n)
{
	return (n->type == YT_SCALAR && n->plain
		&& (n->value[0] == 0 || strcmp(n->value, "~") == 0
		    || strcmp(n->value, "null") == 0
		    || strcmp(n->value, "Null") == 0
		    || strcmp(n->value, "NULL") == 0));
}

/* yt_kind - what a node is, for messages */

const char *
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

const struct yt_node *
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
yt_offset_error(struct yt_reader *rd, size_t offset, const char *problem)
{
	const unsigned char *data = (const unsigned char *) rd->text->data;
	size_t  i, line_start = 0;
	int     line = 1;

	/* Point at the start of a character whose later bytes are bad. */
	while (data != NULL && offset > 0 && offset <= rd->text->len
	       && (data[offset - 1] & 0xc0) == 0x80)
		offset--;
	if (data != NULL && offset > 0 && offset <= rd->text->len
	    && (data[offset - 1] & 0xc0) == 0xc0)
		offset--;
	for (i = 0; data != NULL && i < offset && i < rd->text->len; i++) {
		if (data[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	}
	yt_report(rd, 1, line, (int) (i - line_start) + 1, "this is not UTF-8 "
		  "text (%s); save the file as UTF-8",
		  problem ? problem : "unknown error");
}

/* yt_syntax_error - report what libyaml could not parse */

static void
yt_syntax_error(struct yt_reader *rd)
{
	yaml_parser_t *yp = &rd->parser;

	rd->stop = rd->syntax = 1;
	if (yp->error == YAML_MEMORY_ERROR)
		log_fatal("policy_load: %s: out of memory", rd->name);
	if (yp->error == YAML_READER_ERROR) {
		yt_offset_error(rd, yp->problem_offset, yp->problem);
		return;
	}
	if (yp->context)
		yt_report(rd, 1, (int) yp->problem_mark.line + 1,
			  (int) yp->problem_mark.column + 1,
			  "YAML syntax: %s (%s at line %d); check the indentation "
			  "and quoting here", yp->problem, yp->context,
			  (int) yp->context_mark.line + 1);
	else
		yt_report(rd, 1, (int) yp->problem_mark.line + 1,
			  (int) yp->problem_mark.column + 1,
			  "YAML syntax: %s; check the indentation and quoting "
			  "here", yp->problem ? yp->problem : "unknown error");
}

/* yt_event - the next event; 0 after a syntax error */

static int
yt_event(struct yt_reader *rd, yaml_event_t *ev)
{
	if (yaml_parser_parse(&rd->parser, ev))
		return (1);
	yt_syntax_error(rd);
	return (0);
}

/* yt_props - refuse anchors and tags */

static void
yt_props(struct yt_reader *rd, const yaml_event_t *ev,
	         const yaml_char_t *anchor, const yaml_char_t *tag)
{
	int     line = (int) ev->start_mark.line + 1;
	int     col = (int) ev->start_mark.column + 1;

	if (anchor)
		yt_report(rd, 0, line, col, "YAML anchor \"&%s\": anchors and "
			  "aliases are not supported; write the value out in "
			  "full", (const char *) anchor);
	if (tag && strncmp((const char *) tag, "tag:yaml.org,2002:", 18) == 0)
		yt_report(rd, 0, line, col, "YAML tag \"!!%s\": tags are not used "
			  "in this file; remove it", (const char *) tag + 18);
	else if (tag)
		yt_report(rd, 0, line, col, "YAML tag \"%s\": tags are not used "
			  "in this file; remove it", (const char *) tag);
}

/* yt_scalar - a node for a scalar event */

static struct yt_node *
yt_scalar(struct yt_reader *rd, const yaml_event_t *ev)
{
	const unsigned char *v = ev->data.scalar.value;
	size_t  len = ev->data.scalar.length;
	struct yt_node *n = yt_new(YT_SCALAR, ev);
	size_t  i;

	yt_props(rd, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
	for (i = 0; i < len; i++) {
		if (v[i] < 0x20 || v[i] == 0x7f) {
			yt_report(rd, 0, n->line, n->col, "a value holds a "
				  "control character (0x%02x: a tab, a line break "
				  "or the like); remove it", v[i]);
			n->type = YT_BAD;
			return (n);
		}
	}
	n->value = xstrndup((const char *) v, len);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return (n);
}

static struct yt_node *yt_build(struct yt_reader *, const yaml_event_t *, int);

/* yt_collection - read the items of a list or mapping */

static struct yt_node *
yt_collection(struct yt_reader *rd, struct yt_node *n, yaml_event_type_t end,
	              int depth)
{
	yaml_event_t ev;
	struct yt_node *kid;

	if (depth >= YT_MAX_DEPTH) {
		yt_report(rd, 0, n->line, n->col, "lists and mappings are nested "
			  "more than %d deep; this is not a signet configuration",
			  YT_MAX_DEPTH);
		rd->stop = 1;
		return (yt_free(n));
	}
	for (;;) {
		if (!yt_event(rd, &ev))
			return (yt_free(n));
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return (n);
		}
		kid = yt_build(rd, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (kid == NULL)
			return (yt_free(n));
		yt_add(n, kid);
	}
}

/* yt_build - the node that an event starts */

static struct yt_node *
yt_build(struct yt_reader *rd, const yaml_event_t *ev, int depth)
{
	struct yt_node *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return (yt_scalar(rd, ev));
	case YAML_ALIAS_EVENT:
		yt_report(rd, 0, (int) ev->start_mark.line + 1,
			  (int) ev->start_mark.column + 1,
			  "YAML alias \"*%s\": anchors and aliases are not "
			  "supported; write the value out in full",
			  (const char *) ev->data.alias.anchor);
		return (yt_new(YT_BAD, ev));
	case YAML_SEQUENCE_START_EVENT:
		n = yt_new(YT_SEQ, ev);
		yt_props(rd, ev, ev->data.sequence_start.anchor,
			 ev->data.sequence_start.tag);
		return (yt_collection(rd, n, YAML_SEQUENCE_END_EVENT, depth));
	case YAML_MAPPING_START_EVENT:
		n = yt_new(YT_MAP, ev);
		yt_props(rd, ev, ev->data.mapping_start.anchor,
			 ev->data.mapping_start.tag);
		return (yt_collection(rd, n, YAML_MAPPING_END_EVENT, depth));
	default:
		log_panic("yt_build: unexpected YAML event %d", (int) ev->type);
	}
}

/* yt_read - the root node of the text's one document; NULL if none */

struct yt_node *
yt_read(const char *name, const struct buf *text, yt_report_fn report,
	        void *ctx)
{
	struct yt_reader rd;
	yaml_event_t ev;
	struct yt_node *root = NULL;
	int     docs = 0;

	memset(&rd, 0, sizeof(rd));
	rd.name = name;
	rd.text = text;
	rd.report = report;
	rd.ctx = ctx;
	if (!yaml_parser_initialize(&rd.parser))
		log_fatal("policy_load: cannot start the YAML parser: out of memory");
	yaml_parser_set_input_string(&rd.parser, (const unsigned char *)
				     (text->data ? text->data : ""), text->len);
	while (!rd.stop && yt_event(&rd, &ev)) {
		if (ev.type == YAML_STREAM_END_EVENT) {
			rd.stop = 1;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && docs++ > 0) {
			yt_report(&rd, 0, (int) ev.start_mark.line + 1,
				  (int) ev.start_mark.column + 1,
				  "a second YAML document starts here; the "
				  "configuration is one document: remove this "
				  "\"---\" and what follows, or merge the two");
			rd.stop = 1;
		} else if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT
			   || ev.type == YAML_SEQUENCE_START_EVENT
			   || ev.type == YAML_MAPPING_START_EVENT) {
			root = yt_build(&rd, &ev, 0);
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&rd.parser);
	if (rd.syntax)
		root = yt_free(root);
	return (root);
}
