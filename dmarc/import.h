#ifndef SIGNET_DMARC_IMPORT_H
#define SIGNET_DMARC_IMPORT_H

/* import - reports from files, archives, mail and stdin into the store */

#include <stdint.h>
#include <stdio.h>

#include "db.h"

struct dmarc_totals {
	long    imported;
	long    duplicate;
	long    refused;
	long    failures;		/* failure reports stored */
	long    store_errors;		/* of the refused: the store failed */
	long long rows;			/* of the imported reports */
	long long messages;
};

struct dmarc_import;

extern struct dmarc_import *dmarc_import_new(struct dmarc_db *, uint64_t,
					             FILE *, int);
extern void dmarc_import_path(struct dmarc_import *, const char *);
extern const struct dmarc_totals *dmarc_import_totals(const struct dmarc_import *);
extern struct dmarc_import *dmarc_import_free(struct dmarc_import *);

#endif
