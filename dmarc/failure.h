#ifndef SIGNET_DMARC_FAILURE_H
#define SIGNET_DMARC_FAILURE_H

/* failure - DMARC failure reports (RFC 6591, RFC 9991) */

#include <stddef.h>

#include "db.h"
#include "unpack.h"

extern enum dmarc_begin dmarc_failure_import(struct dmarc_db *, const char *,
				             const struct failure_origin *,
					             const char *, size_t,
					             struct buf *);

#endif
