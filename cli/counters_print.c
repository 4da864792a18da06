/*++
/* NAME
/*	counters_print 3
/* SUMMARY
/*	print the result of signet counters as a table, JSON or CSV
/* SYNOPSIS
/*	#include "counters_print.h"
/*
/*	int	counters_collect(void *result, const char *const *vals,
/*			long long n)
/*
/*	void	counters_print(FILE *fp, const struct counters_result *r,
/*			enum counters_format format)
/*
/*	void	counters_result_free(struct counters_result *r)
/* DESCRIPTION
/*	counters_collect() is the store_query() callback that keeps the
/*	rows in a result, with hours and days as UTC ISO 8601 (an hour
/*	as 2026-11-22T15:00:00Z, a day as 2026-11-22).
/*
/*	counters_print() writes the result:
/*
/*	FORMAT_TABLE, for people: a header line, columns aligned,
/*	numbers right-aligned, and a total line.
/*
/*	FORMAT_JSON, for scripts, one object: since, until (ISO 8601),
/*	by (the keys), rows (objects with one member per key and
/*	messages), total. Member order and names are stable.
/*
/*	FORMAT_CSV: a header line of the key names and "messages", one
/*	line per row (RFC 4180 quoting), no total.
/*
/*	The rows by recipient domain count a message once per domain it
/*	went to: their total says so.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "utctime.h"
#include "xalloc.h"

/* Application-specific. */

#include "counters_print.h"

#define COL_MAX	256			/* widest column kept aligned */

/* counters_collect - keep one row */

int
counters_collect(void *ctx, const char *const *vals, long long n)
{
	struct counters_result *r = ctx;
	struct counters_row *row;
	char    when[32];
	int     i;

	r->rows = xreallocarray(r->rows, r->nrows + 1, sizeof(*r->rows));
	row = &r->rows[r->nrows++];
	for (i = 0; i < r->nkeys; i++) {
		if (r->keys[i] == KEY_HOUR || r->keys[i] == KEY_DAY) {
			utc_format((time_t) strtoll(vals[i] ? vals[i] : "0", NULL, 10),
				   r->keys[i] == KEY_DAY, when, sizeof(when));
			row->vals[i] = xstrdup(when);
		} else {
			row->vals[i] = xstrdup(vals[i] ? vals[i] : "");
		}
	}
	row->n = n;
	r->total += n;
	return (0);
}

/* shown - how an empty value is shown in a table */

static const char *
shown(const char *v)
{
	return (*v ? v : "-");
}

/* print_table - aligned columns with a total */

static void
print_table(FILE *fp, const struct counters_result *r)
{
	int     w[COUNTERS_KEYS_MAX], i;
	size_t  j, len;
	char    head[64];

	for (i = 0; i < r->nkeys; i++) {
		w[i] = (int) strlen(count_key_name(r->keys[i]));
		for (j = 0; j < r->nrows; j++) {
			len = strlen(shown(r->rows[j].vals[i]));
			if ((int) len > w[i] && len <= COL_MAX)
				w[i] = (int) len;
		}
	}
	for (i = 0; i < r->nkeys; i++) {
		(void) snprintf(head, sizeof(head), "%s", count_key_name(r->keys[i]));
		fprintf(fp, "%-*s  ", w[i], head);
	}
	fprintf(fp, "%12s\n", "messages");
	for (j = 0; j < r->nrows; j++) {
		for (i = 0; i < r->nkeys; i++)
			fprintf(fp, "%-*s  ", w[i], shown(r->rows[j].vals[i]));
		fprintf(fp, "%12lld\n", r->rows[j].n);
	}
	for (i = 0; i < r->nkeys; i++)
		fprintf(fp, "%-*s  ", w[i], i == 0 ? "total" : "");
	fprintf(fp, "%12lld\n", r->total);
	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i] == KEY_RCPT_DOMAIN)
			fprintf(fp, "(a message counts once for each recipient "
				"domain it went to)\n");
}

/* json_string - a JSON string */

static void
json_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char) *s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char) *s);
		else
			putc(*s, fp);
	}
	putc('"', fp);
}

/* print_json - one object */

static void
print_json(FILE *fp, const struct counters_result *r)
{
	char    t[32];
	size_t  j;
	int     i;

	utc_format(r->since, 0, t, sizeof(t));
	fprintf(fp, "{\"since\": \"%s\", ", t);
	utc_format(r->until, 0, t, sizeof(t));
	fprintf(fp, "\"until\": \"%s\", \"by\": [", t);
	for (i = 0; i < r->nkeys; i++)
		fprintf(fp, "%s\"%s\"", i ? ", " : "", count_key_name(r->keys[i]));
	fprintf(fp, "],\n \"rows\": [");
	for (j = 0; j < r->nrows; j++) {
		fprintf(fp, "%s\n  {", j ? "," : "");
		for (i = 0; i < r->nkeys; i++) {
			fprintf(fp, "\"%s\": ", count_key_name(r->keys[i]));
			json_string(fp, r->rows[j].vals[i]);
			fprintf(fp, ", ");
		}
		fprintf(fp, "\"messages\": %lld}", r->rows[j].n);
	}
	fprintf(fp, "%s],\n \"total\": %lld}\n", r->nrows ? "\n " : "", r->total);
}

/* csv_field - one field, quoted when it must be */

static void
csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

/* print_csv - header and rows */

static void
print_csv(FILE *fp, const struct counters_result *r)
{
	size_t  j;
	int     i;

	for (i = 0; i < r->nkeys; i++)
		fprintf(fp, "%s,", count_key_name(r->keys[i]));
	fprintf(fp, "messages\r\n");
	for (j = 0; j < r->nrows; j++) {
		for (i = 0; i < r->nkeys; i++) {
			csv_field(fp, r->rows[j].vals[i]);
			putc(',', fp);
		}
		fprintf(fp, "%lld\r\n", r->rows[j].n);
	}
}

/* counters_print - in the format asked for */

void
counters_print(FILE *fp, const struct counters_result *r,
	       enum counters_format format)
{
	switch (format) {
	case FORMAT_JSON:
		print_json(fp, r);
		break;
	case FORMAT_CSV:
		print_csv(fp, r);
		break;
	default:
		print_table(fp, r);
		break;
	}
}

/* counters_result_free - free the rows */

void
counters_result_free(struct counters_result *r)
{
	size_t  j;
	int     i;

	for (j = 0; j < r->nrows; j++)
		for (i = 0; i < r->nkeys; i++)
			free(r->rows[j].vals[i]);
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}
