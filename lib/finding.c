/*++
/* NAME
/*	finding 3
/* SUMMARY
/*	results of checks, with severity and a fix
/* SYNOPSIS
/*	#include "finding.h"
/*
/*	struct findings f = FINDINGS_INIT;
/*
/*	void	finding_add(struct findings *f, enum severity sev,
/*			const char *area, const char *subject,
/*			const char *fix, const char *fmt, ...);
/*	enum severity findings_worst(const struct findings *f,
/*			size_t from);
/*	const char *severity_name(enum severity sev);
/*	void	findings_json(const struct findings *f, struct buf *out);
/*	void	json_string(struct buf *out, const char *s);
/*	void	findings_free(struct findings *f);
/* DESCRIPTION
/*	Checks of keys and of a domain's DNS records report what they
/*	found as a list of findings: a severity (ok, info, warning,
/*	critical), an area ("dkim", "spf"), a subject (the name checked),
/*	the text, and for problems a sentence saying how to fix it.
/*
/*	findings_worst() is the highest severity from index from on.
/*	findings_json() appends the list as a JSON array of objects
/*	{"severity", "area", "subject", "text", "fix"}; json_string()
/*	appends one JSON string, escaped.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "finding.h"
#include "xalloc.h"

/* finding_add - append one finding */

void
finding_add(struct findings *f, enum severity sev, const char *area,
	    const char *subject, const char *fix, const char *fmt,...)
{
	struct buf text = BUF_INIT;
	struct finding *x;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	x = &f->v[f->n++];
	x->sev = sev;
	x->area = xstrdup(area);
	x->subject = xstrdup(subject);
	x->text = buf_steal(&text);
	x->fix = fix ? xstrdup(fix) : NULL;
}

/* findings_worst - the highest severity from index from on */

enum severity
findings_worst(const struct findings *f, size_t from)
{
	enum severity worst = SEV_OK;
	size_t  i;

	for (i = from; i < f->n; i++)
		if (f->v[i].sev > worst)
			worst = f->v[i].sev;
	return (worst);
}

/* severity_name - "ok", "info", "warning", "critical" */

const char *
severity_name(enum severity sev)
{
	static const char *const names[] = {"ok", "info", "warning", "critical"};

	return (sev <= SEV_CRIT ? names[sev] : "unknown");
}

/* json_string - append s as a JSON string */

void
json_string(struct buf *out, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		buf_puts(out, "null");
		return;
	}
	buf_putc(out, '"');
	for (p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(out, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(out, "\\u%04x", *p);
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

/* findings_json - append the findings as a JSON array */

void
findings_json(const struct findings *f, struct buf *out)
{
	size_t  i;

	buf_putc(out, '[');
	for (i = 0; i < f->n; i++) {
		buf_puts(out, i ? ",\n {\"severity\": " : "\n {\"severity\": ");
		json_string(out, severity_name(f->v[i].sev));
		buf_puts(out, ", \"area\": ");
		json_string(out, f->v[i].area);
		buf_puts(out, ", \"subject\": ");
		json_string(out, f->v[i].subject);
		buf_puts(out, ", \"text\": ");
		json_string(out, f->v[i].text);
		buf_puts(out, ", \"fix\": ");
		json_string(out, f->v[i].fix);
		buf_putc(out, '}');
	}
	buf_puts(out, f->n ? "\n]" : "]");
}

/* findings_free - release every finding */

void
findings_free(struct findings *f)
{
	size_t  i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].area);
		free(f->v[i].subject);
		free(f->v[i].text);
		free(f->v[i].fix);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
