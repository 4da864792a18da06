/*++
/* NAME
/*	test 3
/* SUMMARY
/*	unit-test harness
/* SYNOPSIS
/*	#include "test.h"
/*
/*	int	main(void)
/*	{
/*		static void (*const tests[])(void) = { test_one, NULL };
/*		return (test_run(tests));
/*	}
/* DESCRIPTION
/*	Each test function calls test_begin("name"), asserts, and calls
/*	test_end(), which prints "ok" or "FAIL" for it. test_run() prints
/*	the closing line "N passed, N failed" and returns the exit status.
/*
/*	test_read_file() and test_write_file() read and replace whole
/*	files, for golden tests.
/*
/*	test_srcdir() is the source directory of the tests (from $srcdir
/*	as set by make check, or "."), for golden files.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>

#include "test.h"

int     test_failures;
const char *test_name;
static int passed, failed;

/* test_begin - start one test */

void
test_begin(const char *name)
{
	test_name = name;
	test_failures = 0;
}

/* test_end - finish one test */

void
test_end(void)
{
	printf("%s %s\n", test_failures ? "FAIL" : "ok  ", test_name);
	if (test_failures)
		failed++;
	else
		passed++;
}

/* test_run - run all tests, print the summary */

int
test_run(void (*const tests[]) (void))
{
	size_t  i;

	for (i = 0; tests[i] != NULL; i++)
		tests[i] ();
	printf("%d passed, %d failed\n", passed, failed);
	return (failed ? 1 : 0);
}

/* test_srcdir - where golden files are */

const char *
test_srcdir(void)
{
	const char *d = getenv("srcdir");

	return (d && *d ? d : ".");
}

/* test_read_file - read a whole file, NUL-terminated; NULL if missing */

char   *
test_read_file(const char *path, size_t *lenp)
{
	FILE   *fp;
	char   *data = NULL;
	size_t  len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((data = realloc(data, cap + 1)) == NULL)
				abort();
		}
		if ((n = fread(data + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	(void) fclose(fp);
	data[len] = 0;
	if (lenp)
		*lenp = len;
	return (data);
}

/* test_write_file - replace a file's content; 0 or -1 */

int
test_write_file(const char *path, const char *text)
{
	FILE   *fp;

	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	(void) fputs(text, fp);
	return (fclose(fp) == 0 ? 0 : -1);
}
