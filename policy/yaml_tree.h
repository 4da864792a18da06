#ifndef SIGNET_YAML_TREE_H
#define SIGNET_YAML_TREE_H

/* yaml_tree - one YAML document as a tree, with positions */

#include <stdarg.h>
#include <stddef.h>

#include "buf.h"

enum yt_type {
	YT_SCALAR,
	YT_SEQ,
	YT_MAP,
	YT_BAD				/* reported already: skip quietly */
};

struct yt_node {
	enum yt_type type;
	int     line;
	int     col;
	int     plain;			/* unquoted scalar: may mean null */
	char   *value;			/* YT_SCALAR */
	struct yt_node **kids;		/* YT_SEQ: items; YT_MAP: key, value... */
	size_t  nkids;
	size_t  cap;
};

 /*
  * How the reader hands over a problem. A syntax error is the last
  * report, and replaces every report made before it.
  */
typedef void (*yt_report_fn) (void *, int, int, int, const char *, va_list);

extern struct yt_node *yt_read(const char *, const struct buf *,
			               yt_report_fn, void *);
extern struct yt_node *yt_free(struct yt_node *);
extern int yt_is_null(const struct yt_node *);
extern const char *yt_kind(const struct yt_node *);
extern const struct yt_node *yt_get(const struct yt_node *, const char *);

#endif
