/*++
/* NAME
/*	load_daemon 3
/* SUMMARY
/*	read the daemon's confinement settings of the configuration
/* SYNOPSIS
/*	#include "load.h"
/*
/*	void	load_chroot(struct loader *ld, const struct item *it)
/*
/*	void	load_socket_mode(struct loader *ld, const struct item *it)
/*
/*	void	load_socket_group(struct loader *ld, const struct item *it)
/* DESCRIPTION
/*	These are the rules for three top-level keys that signet-milter
/*	reads at start (a reload cannot change them):
/*
/*	chroot: the absolute path of a directory that signet-milter
/*	confines itself to once it has read the policy and keys and
/*	bound its socket; null or absent: none. "/" means none.
/*
/*	socket_mode: the permission bits of a unix socket, in octal
/*	(default 0660). Others may not write to it: the MTA reaches it
/*	through socket_group.
/*
/*	socket_group: the group that owns a unix socket, e.g. postfix;
/*	null or absent: the group signet-milter runs as.
/* DIAGNOSTICS
/*	Reported with the ld_* functions: a chroot that is not an
/*	absolute path, a mode that is not octal or lets others write,
/*	a group name with a space, ":" or "/".
/*
/*	Fatal: out of memory.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <string.h>

/* Application-specific. */

#include "load.h"

/* load_chroot - "chroot": the directory the daemon confines itself to */

void
load_chroot(struct loader *ld, const struct item *it)
{
	const char *s;

	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && *s != '/') {
		ld_error(ld, it->val, "chroot \"%s\" is not an absolute path; "
			 "write the full path of a directory, starting with /", s);
		return;
	}
	if (s != NULL && strcmp(s, "/") == 0)
		s = NULL;
	ld_set(&ld->p->chroot, s);
}

/* load_socket_mode - "socket_mode": permissions of a unix socket */

void
load_socket_mode(struct loader *ld, const struct item *it)
{
	const char *s, *c;
	int     mode = 0;

	if ((s = ld_string(ld, it)) == NULL)
		return;
	for (c = s; *c >= '0' && *c <= '7' && mode <= 0777; c++)
		mode = mode * 8 + (*c - '0');
	if (*c != 0 || c == s || mode > 0777) {
		ld_error(ld, it->val, "socket_mode \"%s\" is not an octal file "
			 "mode; write e.g. 0660 (user and group may connect)", s);
		return;
	}
	if (mode & 02) {
		ld_error(ld, it->val, "socket_mode %s lets every local user "
			 "connect to the milter and have mail signed; write 0660 "
			 "and set socket_group to the MTA's group", s);
		return;
	}
	ld->p->socket_mode = mode;
}

/* load_socket_group - "socket_group": the group that may connect */

void
load_socket_group(struct loader *ld, const struct item *it)
{
	const char *s;

	if (!ld_optional(ld, it, &s))
		return;
	if (s != NULL && strpbrk(s, " :/") != NULL) {
		ld_error(ld, it->val, "socket_group \"%s\" is not a group name (it "
			 "has a space, \":\" or \"/\"); write the name of the "
			 "MTA's group, e.g. postfix", s);
		return;
	}
	ld_set(&ld->p->socket_group, s);
}
