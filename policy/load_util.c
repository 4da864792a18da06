/*++
/* NAME
/*	load_util 3
/* SUMMARY
/*	helpers for the files that read the configuration
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	ld_error(struct loader *ld, const struct yt_node *n,
/*			const char *fmt, ...)
/*
/*	void	ld_error_at(struct loader *ld, int line, int col,
/*			const char *fmt, ...)
/*
/*	void	ld_warn_at(struct loader *ld, int line, int col,
/*			const char *fmt, ...)
/*
/*	void	ld_yaml_report(void *ld, int syntax, int line, int col,
/*			const char *fmt, va_list ap)
/*
/*	void	ld_flush(struct loader *ld)
/*
/*	int	ld_want(struct loader *ld, const struct item *it,
/*			enum yt_type type)
/*
/*	const char *ld_string(struct loader *ld, const struct item *it)
/*
/*	int	ld_optional(struct loader *ld, const struct item *it,
/*			const char **s)
/*
/*	int	ld_bool(struct loader *ld, const struct item *it, int *out)
/*
/*	const char *ld_entry(struct loader *ld, const struct item *it,
/*			const struct yt_node *n)
/*
/*	void	ld_set(char **field, const char *s)
/*
/*	int	walk_map(struct loader *ld, const struct yt_node *map,
/*			const char *in, const struct rule *rules, void *ctx)
/*
/*	const char *dns_name_check(const char *name, int min_labels)
/*
/*	int	field_name_ok(const char *s)
/*
/*	const char *duration_parse(const char *s, long *out)
/*
/*	char	*lower_dup(const char *s)
/*
/*	int	ascii_caseeq(const char *a, const char *b)
/*
/*	char	**strv_copy(const char *const *src, size_t *np)
/*
/*	void	strv_free(char **v, size_t n)
/*
/*	int	strv_has(char *const *v, size_t n, const char *s)
/* DESCRIPTION
/*	ld_error(), ld_error_at() and ld_warn_at() keep a diagnostic at
/*	a node or at a line and column; an error makes the load fail.
/*	ld_yaml_report() is the yt_report_fn that keeps what yt_read()
/*	reports; a syntax error replaces all that was kept before.
/*	ld_flush() hands the diagnostics to the loader's diag, sorted by
/*	position and then in the order found, and forgets them.
/*
/*	ld_want() checks that the value of an item is a single value, a
/*	list or a mapping. ld_string() returns the text of a single
/*	value that is not empty. ld_optional() accepts null as well,
/*	and then sets *s to NULL. ld_bool() reads true, yes, on, false,
/*	no or off, ignoring case. ld_entry() returns the text of one
/*	entry of a list. ld_set() replaces a string setting with a copy
/*	of \fIs\fR (NULL for none).
/*
/*	walk_map() hands each key of \fImap\fR to the function of the
/*	rule of that name, with an item whose ctx is \fIctx\fR and whose
/*	"in" is \fIin\fR ("in \"sources\"", or "" at the top). The rule
/*	table ends with a NULL name and holds at most RULES_MAX rules.
/*
/*	dns_name_check() returns why \fIname\fR is not a DNS host name of
/*	at least \fImin_labels\fR labels, or NULL if it is one.
/*	field_name_ok() tells whether \fIs\fR is an RFC 5322 header field
/*	name. duration_parse() reads seconds, or a number with s, m, h,
/*	d or w, of at most ten years; it returns NULL, or the end of a
/*	message that says why not.
/*
/*	lower_dup() copies a string with ASCII letters in lower case.
/*	ascii_caseeq() compares two strings, ignoring the case of ASCII.
/*	strv_copy(), strv_free() and strv_has() copy, release and search
/*	an array of strings.
/* DIAGNOSTICS
/*	ld_want(), ld_string(), ld_optional(), ld_bool() and ld_entry()
/*	report what is wrong and return 0 or NULL; the caller then skips
/*	the value quietly. walk_map() reports unknown and repeated keys
/*	and returns the number of unknown ones.
/*
/*	Fatal: out of memory. Panic: a rule table longer than RULES_MAX.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "load.h"

#define POLICY_MAX_EXPIRE (3650L * 86400)	/* ten years */

 /*
  * A diagnostic, kept until all are sorted by position.
  */
struct ld_msg {
	int     line;
	int     col;
	size_t  seq;			/* order found in, for ties */
	int     warn;			/* a warning, not an error */
	char   *text;
};

static void ld_add(struct loader *, int, int, int, const char *, va_list)
	__attribute__((format(printf, 5, 0)));

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

void
ld_error_at(struct loader *ld, int line, int col, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_add(ld, 0, line, col, fmt, ap);
	va_end(ap);
}

/* ld_warn_at - report a warning at a line and column */

void
ld_warn_at(struct loader *ld, int line, int col, const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	ld_add(ld, 1, line, col, fmt, ap);
	va_end(ap);
}

/* ld_error - report an error at a node */

void
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

void
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

/* ld_yaml_report - keep what the YAML reader reports */

void
ld_yaml_report(void *ctx, int syntax, int line, int col, const char *fmt,
	               va_list ap)
{
	struct loader *ld = ctx;
	size_t  i;

	if (syntax) {				/* only this one then */
		for (i = 0; i < ld->nmsgs; i++)
			free(ld->msgs[i].text);
		ld->nmsgs = 0;
		ld->errors = 0;
	}
	ld_add(ld, 0, line, col, fmt, ap);
}

/* lower_dup - copy a string, ASCII letters in lower case */

char *
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

int
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

char **
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

void
strv_free(char **v, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* strv_has - does an array hold a string */

int
strv_has(char *const *v, size_t n, const char *s)
{
	size_t  i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (1);
	return (0);
}

/* ld_want - is a value of this type; report it if not */

int
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

const char *
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

int
ld_optional(struct loader *ld, const struct item *it, const char **s)
{
	*s = NULL;
	if (yt_is_null(it->val))
		return (1);
	return ((*s = ld_string(ld, it)) != NULL);
}

/* ld_bool - a boolean; 0 if reported */

int
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

const char *
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

void
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

int
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
		if (r >= RULES_MAX)
			log_panic("walk_map: more than %d rules %s", RULES_MAX,
				  *in ? in : "at the top level");
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

const char *
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

int
field_name_ok(const char *s)
{
	if (*s == 0)
		return (0);
	for (; *s; s++)
		if ((unsigned char) *s < 33 || (unsigned char) *s > 126 || *s == ':')
			return (0);
	return (1);
}

/* duration_parse - seconds from 3600, 60m, 7d...; NULL or why not */

const char *
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

/* ld_cidr_list - a list of addresses and networks, appended to *vp */

void
ld_cidr_list(struct loader *ld, const struct item *it, const char *what,
	     struct cidr **vp, size_t *np)
{
	const struct yt_node *n;
	const char *text, *why;
	char    net[INET6_ADDRSTRLEN + 8];
	struct cidr c;
	size_t  i;

	if (!ld_want(ld, it, YT_SEQ))
		return;
	*vp = xreallocarray(*vp, *np + it->val->nkids + 1, sizeof(**vp));
	for (i = 0; i < it->val->nkids; i++) {
		n = it->val->kids[i];
		if ((text = ld_entry(ld, it, n)) == NULL)
			continue;
		switch (cidr_parse(text, &c, &why)) {
		case 0:
			(*vp)[(*np)++] = c;
			break;
		case -2:
			cidr_format(&c, net, sizeof(net));
			ld_error(ld, n, "%s \"%s\"%s%s has host bits set; write %s "
				 "for the network, or %.*s/%d for the one address",
				 what, text, *it->in ? " " : "", it->in, net, (int) strcspn(text, "/"),
				 text, c.family == AF_INET ? 32 : 128);
			break;
		default:
			ld_error(ld, n, "%s \"%s\"%s%s is not valid: %s; write an "
				 "address (192.0.2.1, 2001:db8::1) or a network "
				 "(192.0.2.0/24, 2001:db8::/32)", what, text,
				 *it->in ? " " : "", it->in, why);
			break;
		}
	}
}

/* ld_days - a whole number of days from 1 to max; -1 when it is not */

int
ld_days(struct loader *ld, const struct item *it, int max, int example,
	int *out)
{
	const char *s;
	char   *end;
	long    n;

	if ((s = ld_string(ld, it)) == NULL)
		return (-1);
	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != 0 || n < 1 || n > max) {
		ld_error(ld, it->val, "%s \"%s\"%s%s is not a number of days from "
			 "1 to %d; write, e.g., %d", it->key->value, s,
			 *it->in ? " " : "", it->in, max, example);
		return (-1);
	}
	*out = (int) n;
	return (0);
}
