/*++
/* NAME
/*	xcheck_svg 3
/* SUMMARY
/*	inline SVG charts for signet dmarc report --format html
/* SYNOPSIS
/*	#include "cli/xcheck_svg.h"
/*
/*	void	xp_html(FILE *fp, const char *s)
/*
/*	void	xp_chart(FILE *fp, const char *id, const char *title,
/*			const struct xc_series *s, size_t n,
/*			const char *const *colours, enum xp_chart kind)
/* DESCRIPTION
/*	xp_html() writes text with &, <, >, " and ' escaped.
/*
/*	xp_chart() writes one <figure> with an inline SVG chart of the
/*	series over the days any of them has: XP_VOLUME stacks each
/*	day's messages as bars; XP_RATE draws each series' DMARC pass
/*	rate as a line with a point per day. Every bar and point has a
/*	<title> with its numbers; the legend follows the chart. The SVG
/*	needs no script, font or file from elsewhere.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/xcheck_print.h"
#include "cli/xcheck_svg.h"
#include "xalloc.h"

#define W	640			/* the chart, in SVG units */
#define H	220
#define LEFT	56
#define RIGHT	12
#define TOP	12
#define BOTTOM	28

/* xp_html - text, escaped for HTML */

void
xp_html(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*s, fp); break;
		}
	}
}

/* time_cmp - qsort order of days */

static int
time_cmp(const void *a, const void *b)
{
	time_t  x = *(const time_t *) a, y = *(const time_t *) b;

	return (x < y ? -1 : x > y);
}

/* all_days - the days any series has, sorted, without repeats */

static time_t *
all_days(const struct xc_series *s, size_t n, size_t *np)
{
	time_t *days = NULL;
	size_t  i, j, k = 0, total = 0;

	for (i = 0; i < n; i++)
		total += s[i].npts;
	days = xcalloc(total + 1, sizeof(*days));
	for (i = 0; i < n; i++)
		for (j = 0; j < s[i].npts; j++)
			days[k++] = s[i].pts[j].day;
	qsort(days, k, sizeof(*days), time_cmp);
	for (i = j = 0; i < k; i++)
		if (j == 0 || days[j - 1] != days[i])
			days[j++] = days[i];
	*np = j;
	return (days);
}

/* day_stat - a series' statistics of a day, or NULL */

static const struct xc_stat *
day_stat(const struct xc_series *s, time_t day)
{
	size_t  i;

	for (i = 0; i < s->npts; i++)
		if (s->pts[i].day == day)
			return (&s->pts[i].st);
	return (NULL);
}

/* axes - the frame, the top value and the first and last day */

static void
axes(FILE *fp, const char *top, const time_t *days, size_t ndays)
{
	char    a[16], b[16];

	fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
		LEFT, TOP, LEFT, H - BOTTOM, LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
	fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">%s</text>"
		"<text x=\"%d\" y=\"%d\" class=\"lbl\" text-anchor=\"end\">0</text>\n",
		LEFT - 4, TOP + 10, top, LEFT - 4, H - BOTTOM);
	if (ndays == 0)
		return;
	xp_day(days[0], a, sizeof(a));
	xp_day(days[ndays - 1], b, sizeof(b));
	fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>", LEFT, H - 8, a);
	if (ndays > 1)
		fprintf(fp, "<text x=\"%d\" y=\"%d\" class=\"lbl\" "
			"text-anchor=\"end\">%s</text>", W - RIGHT, H - 8, b);
	putc('\n', fp);
}

/* volume - stacked bars of messages per day */

static void
volume(FILE *fp, const struct xc_series *s, size_t n,
       const char *const *colours, const time_t *days, size_t ndays)
{
	const struct xc_stat *st;
	long long max = 1, sum;
	double  slot = (double) (W - LEFT - RIGHT) / (double) (ndays ? ndays : 1);
	double  y, h;
	char    top[32], day[16];
	size_t  d, i;

	for (d = 0; d < ndays; d++) {
		for (sum = 0, i = 0; i < n; i++)
			if ((st = day_stat(&s[i], days[d])) != NULL)
				sum += st->messages;
		if (sum > max)
			max = sum;
	}
	(void) snprintf(top, sizeof(top), "%lld", max);
	axes(fp, top, days, ndays);
	for (d = 0; d < ndays; d++) {
		xp_day(days[d], day, sizeof(day));
		y = H - BOTTOM;
		for (i = 0; i < n; i++) {
			if ((st = day_stat(&s[i], days[d])) == NULL || st->messages == 0)
				continue;
			h = (double) st->messages * (H - BOTTOM - TOP) / (double) max;
			y -= h;
			fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"><title>%s ", LEFT + d * slot
				+ slot * 0.15, y, slot * 0.7, h, colours[i], day);
			xp_html(fp, s[i].label);
			fprintf(fp, ": %lld messages</title></rect>\n", st->messages);
		}
	}
}

/* rate - DMARC pass rate per day, a line per series */

static void
rate(FILE *fp, const struct xc_series *s, size_t n,
     const char *const *colours, const time_t *days, size_t ndays)
{
	const struct xc_stat *st;
	double  slot = (double) (W - LEFT - RIGHT) / (double) (ndays ? ndays : 1);
	double  x, y;
	char    day[16];
	size_t  d, i;

	axes(fp, "100%", days, ndays);
	for (i = 0; i < n; i++) {
		fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
			"points=\"", colours[i]);
		for (d = 0; d < ndays; d++)
			if ((st = day_stat(&s[i], days[d])) != NULL && st->messages > 0)
				fprintf(fp, "%.1f,%.1f ", LEFT + (d + 0.5) * slot, H - BOTTOM
					- (double) st->dmarc_pass * (H - BOTTOM - TOP)
					/ (double) st->messages);
		fputs("\"/>\n", fp);
		for (d = 0; d < ndays; d++) {
			if ((st = day_stat(&s[i], days[d])) == NULL || st->messages == 0)
				continue;
			x = LEFT + (d + 0.5) * slot;
			y = H - BOTTOM - (double) st->dmarc_pass * (H - BOTTOM - TOP)
				/ (double) st->messages;
			xp_day(days[d], day, sizeof(day));
			fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
				"<title>%s ", x, y, colours[i], day);
			xp_html(fp, s[i].label);
			fprintf(fp, ": %.2f%% pass (%lld of %lld)</title></circle>\n",
				100.0 * (double) st->dmarc_pass / (double) st->messages,
				st->dmarc_pass, st->messages);
		}
	}
}

/* xp_chart - one chart with its legend */

void
xp_chart(FILE *fp, const char *id, const char *title,
	 const struct xc_series *s, size_t n, const char *const *colours,
	 enum xp_chart kind)
{
	size_t  ndays, i;
	time_t *days = all_days(s, n, &ndays);

	fprintf(fp, "<figure id=\"%s\"><figcaption>", id);
	xp_html(fp, title);
	fprintf(fp, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n",
		W, H, W, H);
	if (kind == XP_VOLUME)
		volume(fp, s, n, colours, days, ndays);
	else
		rate(fp, s, n, colours, days, ndays);
	fputs("</svg>\n<p class=\"legend\">", fp);
	for (i = 0; i < n; i++) {
		if (s[i].npts == 0)
			continue;
		fprintf(fp, "<span><i style=\"background:%s\"></i>", colours[i]);
		xp_html(fp, s[i].label);
		fputs("</span> ", fp);
	}
	fputs("</p></figure>\n", fp);
	free(days);
}
