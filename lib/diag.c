/*++
/* NAME
/*	diag 3
/* SUMMARY
/*	diagnostics about an input file, with positions
/* SYNOPSIS
/*	#include "diag.h"
/*
/*	struct diag d = DIAG_INIT;
/*
/*	void	diag_error(struct diag *d, const char *file, int line,
/*			int column, const char *fmt, ...);
/*	void	diag_warn(struct diag *d, const char *file, int line,
/*			int column, const char *fmt, ...);
/*	const char *diag_text(const struct diag *d);
/*	void	diag_free(struct diag *d);
/* DESCRIPTION
/*	Loaders of configuration and keys collect every problem they find,
/*	instead of stopping at the first, so that one run of "signet config
/*	check" shows them all. Each is one line:
/*
/*	file:line:column: error: what was wrong; what to do
/*
/*	A line or column of 0 is left out (a problem with the whole file).
/*	Lines and columns count from 1.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdarg.h>

#include "diag.h"

/* diag_add - format one diagnostic */

static void
diag_add(struct diag *d, const char *kind, const char *file, int line,
	 int col, const char *fmt, va_list ap)
{
	buf_puts(&d->text, file);
	if (line > 0) {
		buf_printf(&d->text, ":%d", line);
		if (col > 0)
			buf_printf(&d->text, ":%d", col);
	}
	buf_printf(&d->text, ": %s: ", kind);
	buf_vprintf(&d->text, fmt, ap);
	buf_putc(&d->text, '\n');
}

/* diag_error - record an error */

void
diag_error(struct diag *d, const char *file, int line, int col,
	   const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, "error", file, line, col, fmt, ap);
	va_end(ap);
	d->errors++;
}

/* diag_warn - record a warning */

void
diag_warn(struct diag *d, const char *file, int line, int col,
	  const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, "warning", file, line, col, fmt, ap);
	va_end(ap);
	d->warnings++;
}

/* diag_text - all diagnostics, one a line */

const char *
diag_text(const struct diag *d)
{
	return (d->text.data ? d->text.data : "");
}

/* diag_free - release the diagnostics */

void
diag_free(struct diag *d)
{
	buf_free(&d->text);
	d->errors = d->warnings = 0;
}
