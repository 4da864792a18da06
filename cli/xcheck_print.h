#ifndef SIGNET_XCHECK_PRINT_H
#define SIGNET_XCHECK_PRINT_H

/* xcheck_print - the output of signet dmarc report */

#include <stdio.h>

#include "dmarc/xcheck.h"

extern void xcheck_print_table(FILE *, const struct xcheck *);
extern void xcheck_print_csv(FILE *, const struct xcheck *);
extern void xcheck_print_json(FILE *, const struct xcheck *);
extern void xcheck_print_html(FILE *, const struct xcheck *);

/* Shared by the printers: xcheck_json.c. */
extern void xp_json_string(FILE *, const char *);
extern void xp_day(time_t, char *, size_t);
extern void xp_percent(double, char *, size_t);
extern const char *xp_rdns(const struct xc_source *, char *, size_t);
extern int xp_shown(const struct xcheck *, const struct xc_domain *, size_t,
		            long *, long long *);
extern void xp_pub_text(const struct xc_published *, char *, size_t);

#endif
