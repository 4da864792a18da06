/*++
/* NAME
/*	utctime 3
/* SUMMARY
/*	ISO 8601 times in UTC
/* SYNOPSIS
/*	#include "utctime.h"
/*
/*	int	utc_parse(const char *text, time_t *t)
/*
/*	void	utc_format(time_t t, int date_only, char *out, size_t len)
/* DESCRIPTION
/*	utc_parse() reads YYYY-MM-DD, optionally followed by T (or a
/*	space) and HH, HH:MM or HH:MM:SS, optionally followed by Z or an
/*	offset +HH:MM, -HH:MM, +HHMM; without an offset the time is UTC.
/*	"now" is the current time.
/*
/*	utc_format() writes YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DD.
/* DIAGNOSTICS
/*	utc_parse() returns -1 for anything else, or a date that does not
/*	exist (2026-02-30).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utctime.h"

/* digits - n decimal digits at *s, advancing it; -1 if not there */

static int
digits(const char **s, int n)
{
	int     v = 0;

	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return (-1);
		v = v * 10 + (**s - '0');
	}
	return (v);
}

/* offset - Z, +HH:MM, -HHMM, or nothing: seconds east of UTC */

static int
offset(const char *s, long *off)
{
	int     sign, h, m;

	*off = 0;
	if (*s == 0 || (*s == 'Z' && s[1] == 0))
		return (0);
	if (*s != '+' && *s != '-')
		return (-1);
	sign = *s++ == '-' ? -1 : 1;
	if ((h = digits(&s, 2)) < 0 || h > 23)
		return (-1);
	if (*s == ':')
		s++;
	if ((m = digits(&s, 2)) < 0 || m > 59 || *s != 0)
		return (-1);
	*off = sign * (h * 3600L + m * 60L);
	return (0);
}

/* utc_parse - an ISO 8601 date and time */

int
utc_parse(const char *s, time_t *t)
{
	struct tm tm, check;
	long    off;

	if (strcmp(s, "now") == 0) {
		*t = time(NULL);
		return (0);
	}
	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = digits(&s, 4)) < 0 || *s++ != '-'
	    || (tm.tm_mon = digits(&s, 2)) < 1 || *s++ != '-'
	    || (tm.tm_mday = digits(&s, 2)) < 1)
		return (-1);
	if (*s == 'T' || *s == ' ') {
		s++;
		if ((tm.tm_hour = digits(&s, 2)) < 0 || tm.tm_hour > 23)
			return (-1);
		if (*s == ':' && (s++, (tm.tm_min = digits(&s, 2)) < 0
				  || tm.tm_min > 59))
			return (-1);
		if (*s == ':' && (s++, (tm.tm_sec = digits(&s, 2)) < 0
				  || tm.tm_sec > 60))
			return (-1);
	}
	if (offset(s, &off) < 0)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	check = tm;
	*t = timegm(&tm);
	if (tm.tm_mday != check.tm_mday || tm.tm_mon != check.tm_mon)
		return (-1);			/* normalised: no such day */
	*t -= off;
	return (0);
}

/* utc_format - ISO 8601, UTC */

void
utc_format(time_t t, int date_only, char *out, size_t len)
{
	struct tm tm;

	(void) gmtime_r(&t, &tm);
	(void) strftime(out, len, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ",
			&tm);
}
