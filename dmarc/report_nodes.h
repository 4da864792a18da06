#ifndef SIGNET_DMARC_REPORT_NODES_H
#define SIGNET_DMARC_REPORT_NODES_H

/* report_nodes - the elements of an aggregate report the parser knows */

#include <stddef.h>

enum xml_id {
	N_TOP,				/* outside <feedback> */
	N_WRAPPER,			/* an element around <feedback> */
	N_FEEDBACK, N_META, N_RANGE, N_POLICY, N_RECORD, N_ROW, N_PE,
	N_REASON, N_IDS, N_AUTH, N_ADKIM, N_ASPF,
	N_LEAF				/* holds a value */
};

/* Where a leaf's value goes, and how it is read. */
enum xml_dest {
	D_NONE,
	D_REPORT,			/* a struct buf in dmarc_report */
	D_ROW,				/* a struct buf in dmarc_row */
	D_REASON,			/* a struct buf in dmarc_reason */
	D_AUTH,				/* a struct buf in dmarc_auth */
	D_BEGIN, D_END, D_PCT, D_ERROR, D_IP, D_COUNT
};

enum xml_fold {
	F_TRIM,				/* white space around removed */
	F_LOWER				/* and ASCII folded to lower case */
};

struct xml_node {
	enum xml_id parent;
	const char *name;		/* local name */
	enum xml_id id;
	enum xml_dest dest;
	size_t  offset;			/* of the struct buf in dest */
	enum xml_fold fold;
};

extern const struct xml_node xml_wrapper_node;
extern const struct xml_node *xml_node_find(enum xml_id, const char *);

#endif
