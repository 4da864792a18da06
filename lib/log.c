/*++
/* NAME
/*	log 3
/* SUMMARY
/*	logging to syslog or standard error
/* SYNOPSIS
/*	#include "log.h"
/*
/*	void	log_open(const char *ident, enum log_dest dest, int facility);
/*	void	log_set_debug(int on);
/*	void	log_info(const char *fmt, ...);
/*	void	log_debug(const char *fmt, ...);
/*	void	log_warn(const char *fmt, ...);
/*	void	log_error(const char *fmt, ...);
/*	void	log_fatal(const char *fmt, ...);
/*	void	log_panic(const char *fmt, ...);
/*	void	log_diag(int is_error, const char *line);
/* DESCRIPTION
/*	The levels have fixed meanings, as in Postfix:
/*	info: what happened (one line per message in the milter);
/*	warn: bad input from outside (a peer, a file), handled;
/*	error: a failure we could not repair for this request, handled;
/*	fatal: we cannot go on, exit(1);
/*	panic: our own invariant is broken, abort().
/*
/*	log_diag() writes a line of diag(3) text, which names its own
/*	kind ("error:" or "warning:"), at error or warning priority.
/*
/*	Before log_open() everything goes to standard error with the
/*	name "signet". Each call writes one line, cut to 2047 bytes; on
/*	standard error it is one write(2) and takes no lock, so lines
/*	from different threads do not interleave and a thread that is
/*	preempted while it logs holds up no other.
/*
/*	Nothing logged may hold key material or message bodies: callers
/*	log names, addresses, identifiers and counts only.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "signet";
static enum log_dest log_dest = LOG_TO_STDERR;

#define LOG_LINE_MAX	2048		/* longer lines are cut */
static int log_debug_on;

/* log_open - choose the destination */

void
log_open(const char *ident, enum log_dest dest, int facility)
{
	log_ident = ident;
	log_dest = dest;
	if (dest == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

/* log_set_debug - turn debug lines on or off */

void
log_set_debug(int on)
{
	log_debug_on = on;
}

/* log_write_stderr - "ident: line\n" in one write(2), with no lock */

static void
log_write_stderr(const char *line)
{
	char    buf[LOG_LINE_MAX + 128];
	size_t  il = strlen(log_ident), ll = strlen(line), n, off;
	ssize_t w;

	/*
	 * One write per line, so that lines from different threads do not
	 * interleave, without a lock that a preempted thread would hold while
	 * the others wait: a pipe, a regular file and the journal's stream
	 * socket each take a write of this size whole.
	 */
	if (il > 64)
		il = 64;
	if (ll > sizeof(buf) - il - 3)
		ll = sizeof(buf) - il - 3;
	memcpy(buf, log_ident, il);
	buf[il] = ':';
	buf[il + 1] = ' ';
	memcpy(buf + il + 2, line, ll);
	n = il + 2 + ll;
	buf[n++] = '\n';
	for (off = 0; off < n; off += (size_t) w) {
		if ((w = write(STDERR_FILENO, buf + off, n - off)) < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			return;
		}
	}
}

/* log_vwrite_line - write one finished line */

static void
log_vwrite_line(int prio, const char *line)
{
	if (log_dest == LOG_TO_SYSLOG) {
		syslog(prio, "%s", line);
		return;
	}
	log_write_stderr(line);
}

/* log_vwrite - write one line */

static void
log_vwrite(int prio, const char *label, const char *fmt, va_list ap)
{
	char    line[LOG_LINE_MAX];

	size_t  n;

	n = (size_t) snprintf(line, sizeof(line), "%s", label);
	if (n < sizeof(line))
		(void) vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	log_vwrite_line(prio, line);
}

#define LOG_FN(name, prio, label) \
void name(const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	log_vwrite(prio, label, fmt, ap); \
	va_end(ap); \
}

LOG_FN(log_info, LOG_INFO, "")
LOG_FN(log_warn, LOG_WARNING, "warning: ")
LOG_FN(log_error, LOG_ERR, "error: ")

/* log_diag - a diagnostic line that carries its own label */

void
log_diag(int is_error, const char *line)
{
	log_vwrite_line(is_error ? LOG_ERR : LOG_WARNING, line);
}

/* log_debug - write a line only when debugging */

void
log_debug(const char *fmt,...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, "debug: ", fmt, ap);
	va_end(ap);
}

/* log_fatal - we cannot go on */

void
log_fatal(const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

/* log_panic - our own invariant is broken */

void
log_panic(const char *fmt,...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}
