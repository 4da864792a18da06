/*++
/* NAME
/*	xalloc 3
/* SUMMARY
/*	memory allocation that cannot fail
/* SYNOPSIS
/*	#include "xalloc.h"
/*
/*	void	*xmalloc(size_t len);
/*	void	*xcalloc(size_t n, size_t len);
/*	void	*xrealloc(void *ptr, size_t len);
/*	void	*xreallocarray(void *ptr, size_t n, size_t len);
/*	char	*xstrdup(const char *s);
/*	char	*xstrndup(const char *s, size_t len);
/*	void	wipe(void *ptr, size_t len);
/* DESCRIPTION
/*	These wrap the C library allocators. Running out of memory is not
/*	a condition the callers can repair, so it is fatal: the milter then
/*	exits, and the MTA applies its milter default action (tempfail).
/*
/*	wipe() clears memory that held secrets, in a way the compiler may
/*	not optimise away.
/* DIAGNOSTICS
/*	Fatal: out of memory; size overflow.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* xmalloc - allocate or die */

void   *
xmalloc(size_t len)
{
	void   *p;

	if ((p = malloc(len ? len : 1)) == NULL)
		log_fatal("out of memory allocating %zu bytes", len);
	return (p);
}

/* xcalloc - allocate zeroed memory or die */

void   *
xcalloc(size_t n, size_t len)
{
	void   *p;

	if ((p = calloc(n ? n : 1, len ? len : 1)) == NULL)
		log_fatal("out of memory allocating %zu x %zu bytes", n, len);
	return (p);
}

/* xrealloc - resize or die */

void   *
xrealloc(void *ptr, size_t len)
{
	void   *p;

	if ((p = realloc(ptr, len ? len : 1)) == NULL)
		log_fatal("out of memory allocating %zu bytes", len);
	return (p);
}

/* xreallocarray - resize an array, checking the multiplication */

void   *
xreallocarray(void *ptr, size_t n, size_t len)
{
	if (len != 0 && n > SIZE_MAX / len)
		log_fatal("allocation size overflow: %zu x %zu", n, len);
	return (xrealloc(ptr, n * len));
}

/* xstrdup - copy a string or die */

char   *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* xstrndup - copy at most len bytes of a string or die */

char   *
xstrndup(const char *s, size_t len)
{
	char   *p;
	size_t  n;

	n = strnlen(s, len);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return (p);
}

/* wipe - clear memory that held secrets */

void
wipe(void *ptr, size_t len)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(ptr, len);
#else
	volatile unsigned char *p = ptr;

	while (len-- > 0)
		*p++ = 0;
#endif
}
