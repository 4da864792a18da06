/*++
/* NAME
/*	metrics 3
/* SUMMARY
/*	in-memory counters in the Prometheus text format
/* SYNOPSIS
/*	#include "metrics.h"
/*
/*	void	metrics_message(const char *domain, const char *sender,
/*			const char *outcome, double ms)
/*
/*	void	metrics_store_error(void)
/*
/*	void	metrics_reload(int ok)
/*
/*	void	metrics_render(struct buf *out)
/* DESCRIPTION
/*	The process's own counters since it started, for a Prometheus
/*	server to scrape; the durable counts are in the store.
/*
/*	metrics_message() counts one decided message in
/*	signet_messages_total{domain,sender,outcome} (domain: the
/*	signing domain of the policy, or "other", so that the number of
/*	series stays bounded by the policy; past METRICS_SERIES_MAX sets
/*	of labels, new ones count under domain="other",
/*	sender="other"), and, for a signed message, observes the
/*	milliseconds signet spent on it in the histogram
/*	signet_signing_duration_seconds.
/*
/*	metrics_store_error() counts a count that could not be committed
/*	(signet_store_errors_total); metrics_reload() a reload, good
/*	(ok != 0) or refused (signet_reloads_total{result}).
/*
/*	metrics_render() appends the exposition: the above, and the
/*	process metrics process_cpu_seconds_total,
/*	process_resident_memory_bytes, process_virtual_memory_bytes,
/*	process_open_fds and process_start_time_seconds (from /proc).
/* DIAGNOSTICS
/*	None; the process metrics are left out where /proc cannot be
/*	read. Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "metrics.h"

 /*
  * Upper bounds of the latency buckets, in seconds.
  */
static const double bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

#define NBOUNDS	(sizeof(bounds) / sizeof(bounds[0]))

struct series {
	char   *domain;
	char   *sender;
	char   *outcome;
	unsigned long long n;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series *series;
static size_t nseries;
static unsigned long long hist[NBOUNDS + 1];	/* last: +Inf */
static unsigned long long hist_count;
static double hist_sum;
static unsigned long long store_errors;
static unsigned long long reloads_ok;
static unsigned long long reloads_failed;

/* find_series - the counter of a label set, made on first use */

static struct series *
find_series(const char *domain, const char *sender, const char *outcome)
{
	size_t  i;

	for (i = 0; i < nseries; i++)
		if (strcmp(series[i].domain, domain) == 0
		    && strcmp(series[i].sender, sender) == 0
		    && strcmp(series[i].outcome, outcome) == 0)
			return (&series[i]);
	if (nseries >= METRICS_SERIES_MAX && strcmp(domain, "other") != 0)
		return (find_series("other", "other", outcome));
	series = xreallocarray(series, nseries + 1, sizeof(*series));
	series[nseries].domain = xstrdup(domain);
	series[nseries].sender = xstrdup(sender);
	series[nseries].outcome = xstrdup(outcome);
	series[nseries].n = 0;
	return (&series[nseries++]);
}

/* metrics_message - count a message, time a signature */

void
metrics_message(const char *domain, const char *sender, const char *outcome,
		double ms)
{
	double  secs = ms / 1000.0;
	size_t  i;

	(void) pthread_mutex_lock(&lock);
	find_series(*domain ? domain : "other", *sender ? sender : "unknown",
		    outcome)->n++;
	if (strcmp(outcome, "signed") == 0) {
		for (i = 0; i < NBOUNDS && secs > bounds[i]; i++)
			;
		hist[i]++;
		hist_count++;
		hist_sum += secs;
	}
	(void) pthread_mutex_unlock(&lock);
}

/* metrics_store_error - a count that could not be committed */

void
metrics_store_error(void)
{
	(void) pthread_mutex_lock(&lock);
	store_errors++;
	(void) pthread_mutex_unlock(&lock);
}

/* metrics_reload - a reload, installed or refused */

void
metrics_reload(int ok)
{
	(void) pthread_mutex_lock(&lock);
	if (ok)
		reloads_ok++;
	else
		reloads_failed++;
	(void) pthread_mutex_unlock(&lock);
}

/* label - append a label value, escaped as the format wants */

static void
label(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
}

/* render_messages - signet_messages_total */

static void
render_messages(struct buf *out)
{
	size_t  i;

	buf_puts(out, "# HELP signet_messages_total Messages decided on, by "
		 "signing domain, sender and outcome.\n"
		 "# TYPE signet_messages_total counter\n");
	for (i = 0; i < nseries; i++) {
		buf_puts(out, "signet_messages_total{domain=\"");
		label(out, series[i].domain);
		buf_puts(out, "\",sender=\"");
		label(out, series[i].sender);
		buf_puts(out, "\",outcome=\"");
		label(out, series[i].outcome);
		buf_printf(out, "\"} %llu\n", series[i].n);
	}
}

/* render_histogram - signet_signing_duration_seconds */

static void
render_histogram(struct buf *out)
{
	unsigned long long cum = 0;
	size_t  i;

	buf_puts(out, "# HELP signet_signing_duration_seconds Time signet spent "
		 "on a signed message.\n"
		 "# TYPE signet_signing_duration_seconds histogram\n");
	for (i = 0; i < NBOUNDS; i++) {
		cum += hist[i];
		buf_printf(out, "signet_signing_duration_seconds_bucket{le=\"%g\"} "
			   "%llu\n", bounds[i], cum);
	}
	buf_printf(out, "signet_signing_duration_seconds_bucket{le=\"+Inf\"} "
		   "%llu\n", hist_count);
	buf_printf(out, "signet_signing_duration_seconds_sum %.6f\n", hist_sum);
	buf_printf(out, "signet_signing_duration_seconds_count %llu\n", hist_count);
}

/* render_process - CPU, memory, descriptors, start time */

static void
render_process(struct buf *out)
{
	unsigned long utime, stime, vsize;
	unsigned long long start;
	long    rss, tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char    line[1024], *p;
	FILE   *fp;
	DIR    *d;
	struct dirent *e;
	int     fds = 0;
	double  boot = 0;

	if ((fp = fopen("/proc/self/stat", "r")) == NULL)
		return;
	p = fgets(line, sizeof(line), fp) ? strrchr(line, ')') : NULL;
	(void) fclose(fp);
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				"%*u %lu %lu %*d %*d %*d %*d %*d %*d %llu %lu %ld",
				&utime, &stime, &start, &vsize, &rss) != 5)
		return;
	if ((fp = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			if (sscanf(line, "btime %lf", &boot) == 1)
				break;
		(void) fclose(fp);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(d)) != NULL)
			fds += e->d_name[0] != '.';
		(void) closedir(d);
	}
	buf_printf(out, "# HELP process_cpu_seconds_total User and system CPU "
		   "time.\n# TYPE process_cpu_seconds_total counter\n"
		   "process_cpu_seconds_total %.2f\n",
		   (double) (utime + stime) / (double) tck);
	buf_printf(out, "# HELP process_resident_memory_bytes Resident memory.\n"
		   "# TYPE process_resident_memory_bytes gauge\n"
		   "process_resident_memory_bytes %ld\n", rss * page);
	buf_printf(out, "# HELP process_virtual_memory_bytes Virtual memory.\n"
		   "# TYPE process_virtual_memory_bytes gauge\n"
		   "process_virtual_memory_bytes %lu\n", vsize);
	buf_printf(out, "# HELP process_open_fds Open file descriptors.\n"
		   "# TYPE process_open_fds gauge\nprocess_open_fds %d\n", fds);
	buf_printf(out, "# HELP process_start_time_seconds Start time, Unix "
		   "seconds.\n# TYPE process_start_time_seconds gauge\n"
		   "process_start_time_seconds %.2f\n",
		   boot + (double) start / (double) tck);
}

/* metrics_render - the whole exposition */

void
metrics_render(struct buf *out)
{
	(void) pthread_mutex_lock(&lock);
	render_messages(out);
	render_histogram(out);
	buf_printf(out, "# HELP signet_store_errors_total Message counts that "
		   "could not be committed to the store.\n"
		   "# TYPE signet_store_errors_total counter\n"
		   "signet_store_errors_total %llu\n", store_errors);
	buf_printf(out, "# HELP signet_reloads_total Policy reloads, installed "
		   "or refused.\n# TYPE signet_reloads_total counter\n"
		   "signet_reloads_total{result=\"ok\"} %llu\n"
		   "signet_reloads_total{result=\"failed\"} %llu\n",
		   reloads_ok, reloads_failed);
	(void) pthread_mutex_unlock(&lock);
	render_process(out);
}
