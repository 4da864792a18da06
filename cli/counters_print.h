#ifndef SIGNET_COUNTERS_PRINT_H
#define SIGNET_COUNTERS_PRINT_H

/* counters_print - the output of signet counters */

#include <stdio.h>
#include <time.h>

#include "store.h"

#define COUNTERS_KEYS_MAX	6

struct counters_row {
	char   *vals[COUNTERS_KEYS_MAX];
	long long n;
};

struct counters_result {
	enum count_key keys[COUNTERS_KEYS_MAX];
	int     nkeys;
	time_t  since;
	time_t  until;
	struct counters_row *rows;
	size_t  nrows;
	long long total;
};

enum counters_format {
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_CSV
};

extern int counters_collect(void *, const char *const *, long long);
extern void counters_print(FILE *, const struct counters_result *,
			           enum counters_format);
extern void counters_result_free(struct counters_result *);

#endif
