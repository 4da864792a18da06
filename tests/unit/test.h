#ifndef SIGNET_TEST_H
#define SIGNET_TEST_H

/*
 * test.h - the unit-test harness: test_begin(), typed test_assert_*()
 * that print both values, test_end(); main() runs an array of tests and
 * prints "N passed, N failed".
 */

#include <stdio.h>
#include <string.h>

extern int test_failures;		/* in the current test */
extern const char *test_name;

extern void test_begin(const char *);
extern void test_end(void);
extern int test_run(void (*const tests[]) (void));
extern const char *test_srcdir(void);
extern char *test_read_file(const char *, size_t *);
extern int test_write_file(const char *, const char *);

#define test_assert(expr) do { \
	if (!(expr)) { \
		printf("  %s:%d: assertion failed: %s\n", __FILE__, __LINE__, #expr); \
		test_failures++; \
	} \
} while (0)

#define test_assert_int(got, want) do { \
	long long _g = (long long)(got), _w = (long long)(want); \
	if (_g != _w) { \
		printf("  %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, _g, _w); \
		test_failures++; \
	} \
} while (0)

#define test_assert_str(got, want) do { \
	const char *_g = (got), *_w = (want); \
	if (_g == NULL || _w == NULL ? _g != _w : strcmp(_g, _w) != 0) { \
		printf("  %s:%d: %s =\n    \"%s\"\n  want\n    \"%s\"\n", __FILE__, __LINE__, \
		    #got, _g ? _g : "(null)", _w ? _w : "(null)"); \
		test_failures++; \
	} \
} while (0)

#endif
