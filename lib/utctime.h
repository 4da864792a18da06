#ifndef SIGNET_UTCTIME_H
#define SIGNET_UTCTIME_H

/* utctime - ISO 8601 times in UTC */

#include <stddef.h>
#include <time.h>

extern int utc_parse(const char *, time_t *);
extern void utc_format(time_t, int, char *, size_t);

#endif
