#ifndef SIGNET_METRICS_H
#define SIGNET_METRICS_H

/* metrics - in-memory counters in the Prometheus text format */

#include "buf.h"

#define METRICS_SERIES_MAX	10000	/* domain, sender, outcome sets */

extern void metrics_message(const char *, const char *, const char *, double);
extern void metrics_store_error(void);
extern void metrics_reload(int);
extern void metrics_render(struct buf *);

#endif
