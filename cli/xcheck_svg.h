#ifndef SIGNET_XCHECK_SVG_H
#define SIGNET_XCHECK_SVG_H

/* xcheck_svg - inline SVG charts of the cross-check */

#include <stdio.h>

#include "dmarc/xcheck.h"

enum xp_chart {
	XP_VOLUME,			/* stacked messages per day */
	XP_RATE				/* DMARC pass rate per day */
};

extern void xp_html(FILE *, const char *);
extern void xp_chart(FILE *, const char *, const char *,
		             const struct xc_series *, size_t,
		             const char *const *, enum xp_chart);

#endif
