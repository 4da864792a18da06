#ifndef SIGNET_DMARC_CLI_H
#define SIGNET_DMARC_CLI_H

/* dmarc_cli - options shared by the signet dmarc commands */

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "dmarc/db.h"

enum dmarc_cli_kind {
	DMARC_CLI_IMPORT,
	DMARC_CLI_REPORT,
	DMARC_CLI_XCHECK		/* signet dmarc report: and the below */
};

#define DMARC_CLI_NO_END ((long long) 1 << 40)	/* --until not given */

struct dmarc_cli {
	const char *config;		/* -c; NULL: $SIGNET_CONFIG or default */
	const char *store;		/* --store; NULL: $SIGNET_STORE, config */
	uint64_t max_size;		/* --max-size; 0: default */
	const char *domain;		/* --domain */
	long long since, until;		/* --since, --until (UTC seconds) */
	const char *format;		/* --format */
	int     rdns, dns, mx;		/* --rdns, --dns, --mx */
	long    top;			/* --top; -1: not given */
	const char *nameserver;		/* --nameserver */
	int     deadline_ms;		/* --deadline; 0: default */
	int     first;			/* first operand in argv */
};

extern int dmarc_cli_parse(struct dmarc_cli *, int, char **, enum dmarc_cli_kind);
extern struct dmarc_db *dmarc_cli_open(const struct dmarc_cli *, struct buf *);
extern int dmarc_cli_time(const char *, long long *);

#endif
