#ifndef SIGNET_XALLOC_H
#define SIGNET_XALLOC_H

/* xalloc - allocation that cannot return NULL */

#include <stddef.h>

extern void *xmalloc(size_t);
extern void *xcalloc(size_t, size_t);
extern void *xrealloc(void *, size_t);
extern void *xreallocarray(void *, size_t, size_t);
extern char *xstrdup(const char *);
extern char *xstrndup(const char *, size_t);
extern void wipe(void *, size_t);

#endif
