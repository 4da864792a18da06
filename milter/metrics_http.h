#ifndef SIGNET_METRICS_HTTP_H
#define SIGNET_METRICS_HTTP_H

/* metrics_http - signet-milter's Prometheus listener */

extern void metrics_http_start(const char *);
extern void metrics_http_stop(void);
extern void metrics_http_reload(const char *);

#endif
