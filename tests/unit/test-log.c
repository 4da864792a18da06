/*++
/* NAME
/*	test-log 1
/* SUMMARY
/*	unit tests of the log lines on standard error
/* SYNOPSIS
/*	test-log
/* DESCRIPTION
/*	Standard error goes to a file in the current directory while
/*	the tests log, and is read back:
/*
/*	Lines from threads at once: 4 threads write 3,000 lines each,
/*	of lengths from 1 to 1,900 bytes; every line must come back
/*	whole, once, with the name in front, and each thread's lines in
/*	the order it wrote them. A lock-free writer that split a line
/*	in two writes would interleave them here.
/*
/*	Labels and cuts: log_warn() and log_error() put their label
/*	after the name, log_diag() writes its line as given, log_debug()
/*	writes only when debugging is on, and a line of 5,000 bytes is
/*	cut to 2,047 and still ends with a newline.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

#define LOG_FILE	"test-log.out"
#define THREADS		4
#define LINES		3000
#define LINE_MAX_LEN	2048		/* lib/log.c keeps one byte less */

static int saved_stderr = -1;

/* capture_start - standard error into LOG_FILE, emptied */

static void
capture_start(void)
{
	int     fd;

	fd = open(LOG_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	test_assert(fd >= 0);
	saved_stderr = dup(STDERR_FILENO);
	(void) dup2(fd, STDERR_FILENO);
	(void) close(fd);
}

/* capture_end - standard error back; LOG_FILE's text, to be freed */

static char *
capture_end(size_t *len)
{
	(void) dup2(saved_stderr, STDERR_FILENO);
	(void) close(saved_stderr);
	return (test_read_file(LOG_FILE, len));
}

/* filler - the line body of thread t, line i: its length varies */

static size_t
filler(int t, int i, char *buf, size_t size)
{
	size_t  n, want = 1 + (size_t) (i * 7919 + t * 104729) % 1900;

	n = (size_t) snprintf(buf, size, "t%d n%d ", t, i);
	for (; n < want && n < size - 1; n++)
		buf[n] = (char) ('a' + (n + (size_t) t) % 26);
	buf[n] = 0;
	return (n);
}

/* writer - one thread's lines */

static void *
writer(void *arg)
{
	char    body[LINE_MAX_LEN];
	int     t = (int) (long) arg, i;

	for (i = 0; i < LINES; i++) {
		(void) filler(t, i, body, sizeof(body));
		log_info("%s", body);
	}
	return (NULL);
}

/* test_threads - lines of several threads come back whole and in order */

static void
test_threads(void)
{
	pthread_t tid[THREADS];
	char    want[LINE_MAX_LEN], *text, *line, *nl;
	int     next[THREADS] = {0}, t, i, bad = 0, lines = 0;
	size_t  len;

	test_begin("lines from threads at once");
	log_open("signet-test", LOG_TO_STDERR, 0);
	capture_start();
	for (t = 0; t < THREADS; t++)
		(void) pthread_create(&tid[t], NULL, writer, (void *) (long) t);
	for (t = 0; t < THREADS; t++)
		(void) pthread_join(tid[t], NULL);
	text = capture_end(&len);
	test_assert(text != NULL);
	for (line = text; text != NULL && line < text + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t) (text + len - line))) == NULL) {
			bad++;
			break;
		}
		*nl = 0;
		lines++;
		if (sscanf(line, "signet-test: t%d n%d ", &t, &i) != 2
		    || t < 0 || t >= THREADS || i != next[t]) {
			if (bad++ < 3)
				printf("  line %d out of place or broken: %.60s\n", lines, line);
			continue;
		}
		(void) filler(t, i, want, sizeof(want));
		if (strcmp(line + strlen("signet-test: "), want) != 0 && bad++ < 3)
			printf("  line %d (thread %d, %d) not whole\n", lines, t, i);
		next[t]++;
	}
	test_assert_int(bad, 0);
	test_assert_int(lines, THREADS * LINES);
	for (t = 0; t < THREADS; t++)
		test_assert_int(next[t], LINES);
	free(text);
	test_end();
}

/* test_labels - labels, diagnostics, debug lines and the cut */

static void
test_labels(void)
{
	char    big[5000], *text, *last;
	size_t  len;

	test_begin("labels and cuts");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_open("signet-test", LOG_TO_STDERR, 0);
	capture_start();
	log_warn("bad input at %s:%d", "policy.yaml", 3);
	log_error("cannot %s", "sign");
	log_diag(1, "error: policy.yaml:4:2: unknown key");
	log_debug("not shown");
	log_set_debug(1);
	log_debug("shown");
	log_set_debug(0);
	log_info("%s", big);
	text = capture_end(&len);
	test_assert(text != NULL);
	if (text == NULL) {
		test_end();
		return;
	}
	last = strstr(text, "signet-test: xxx");
	test_assert(last != NULL);
	if (last != NULL) {
		test_assert_int(text + len - last,
				strlen("signet-test: ") + LINE_MAX_LEN - 1 + 1);
		test_assert_int(text[len - 1], '\n');
		*last = 0;
	}
	test_assert_str(text,
			"signet-test: warning: bad input at policy.yaml:3\n"
			"signet-test: error: cannot sign\n"
			"signet-test: error: policy.yaml:4:2: unknown key\n"
			"signet-test: debug: shown\n");
	free(text);
	(void) unlink(LOG_FILE);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_threads,
		test_labels,
		NULL,
	};

	return (test_run(tests));
}
