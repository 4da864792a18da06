/*++
/* NAME
/*	privs 3
/* SUMMARY
/*	signet-milter's socket permissions, chroot and user
/* SYNOPSIS
/*	#include "privs.h"
/*
/*	void	privs_user(const struct policy *p, uid_t *uid, gid_t *gid)
/*
/*	void	privs_socket(const char *path, const struct policy *p,
/*			uid_t uid, gid_t gid)
/*
/*	void	privs_enter(const struct policy *p, const char *config,
/*			uid_t uid, gid_t gid)
/*
/*	int	privs_reload_ok(const char *config)
/* DESCRIPTION
/*	privs_user() looks up the uid and gid of the policy's user and
/*	group (the user's primary group when no group is set).
/*
/*	privs_socket() secures a unix socket that was just bound at
/*	\fIpath\fR: its directory may not be one that any user can change
/*	(mode o+w without the sticky bit), the socket gets the mode
/*	socket_mode (default 0660) and belongs to \fIuid\fR and the group
/*	socket_group (default \fIgid\fR). Run as another user than root,
/*	only the mode and the group (where the user is in it) are set.
/*
/*	privs_enter() gives up what signet-milter needed only to start.
/*	It fixes the time zone, then, with chroot: set, confines the
/*	process to that directory, and with user: set becomes that user
/*	for good (its one group, no supplementary groups). Root loses
/*	every capability with the change of user. The keys must belong
/*	to that user from then on (keyring_pin_owner(3)).
/*
/*	Inside the chroot, every file opened after start is looked up
/*	inside it under the same absolute path: the counters store,
/*	the keys directory's state files, /etc/resolv.conf (unless
/*	dns: nameserver is set), and the policy file and its keys on a
/*	reload. The syslog socket is opened before (a syslog daemon that
/*	restarts needs a /dev/log in the chroot). privs_enter() warns
/*	when the policy file \fIconfig\fR cannot be found inside it.
/*
/*	privs_reload_ok() tells whether a reload can read the policy
/*	file \fIconfig\fR (inside the chroot, if privs_enter() entered
/*	one); when it cannot, it logs why and what to do.
/* DIAGNOSTICS
/*	Fatal: an unknown user or group, a socket directory that anyone
/*	may change, a socket whose mode or owner cannot be set, a chroot
/*	that cannot be entered, a user that cannot be become, or root
/*	that can be had back after the change.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */

#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "keyring.h"
#include "privs.h"

static char *chroot_dir;			/* entered, or NULL */

/* privs_user - uid and gid of the configured user and group */

void
privs_user(const struct policy *p, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	struct group *gr;

	if ((pw = getpwnam(p->user)) == NULL)
		log_fatal("%s: user \"%s\" does not exist; create it "
			  "(useradd --system %s) or change user:",
			  p->path, p->user, p->user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (p->group != NULL) {
		if ((gr = getgrnam(p->group)) == NULL)
			log_fatal("%s: group \"%s\" does not exist; create it "
				  "or change group:", p->path, p->group);
		*gid = gr->gr_gid;
	}
}

/* socket_dir_check - the socket's directory may not be anyone's */

static void
socket_dir_check(const char *path)
{
	char   *dir = xstrdup(path);
	char   *slash;
	struct stat st;

	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = 0;
	if (stat(dir, &st) < 0)
		log_fatal("socket directory %s: %m", dir);
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
		log_fatal("socket directory %s has mode %04o: any user may replace "
			  "the socket there; run: chmod o-w %s, or put the socket "
			  "in a directory of its own", dir,
			  (unsigned) (st.st_mode & 07777), dir);
	free(dir);
}

/* socket_gid - the group a unix socket belongs to */

static gid_t
socket_gid(const struct policy *p, gid_t gid)
{
	struct group *gr;

	if (p->socket_group == NULL)
		return (gid);
	if ((gr = getgrnam(p->socket_group)) == NULL)
		log_fatal("%s: socket_group \"%s\" does not exist; name the "
			  "MTA's group (e.g. postfix) or remove socket_group:",
			  p->path, p->socket_group);
	return (gr->gr_gid);
}

/* privs_socket - mode and owner of a freshly bound unix socket */

void
privs_socket(const char *path, const struct policy *p, uid_t uid, gid_t gid)
{
	gid_t   sgid = socket_gid(p, gid);

	socket_dir_check(path);
	/* The mode first: root without CAP_FOWNER can chmod only its own. */
	if (chmod(path, (mode_t) p->socket_mode) < 0)
		log_fatal("cannot set the mode of socket %s: %m", path);
	if (geteuid() == 0) {
		if (chown(path, uid, sgid) < 0)
			log_fatal("cannot give socket %s to the signet user: %m",
				  path);
	} else if (p->socket_group != NULL && chown(path, (uid_t) -1, sgid) < 0) {
		log_fatal("cannot give socket %s to group %s: %m; add the user "
			  "signet-milter runs as to that group", path,
			  p->socket_group);
	}
}

/* enter_chroot - confine the process to the policy's chroot */

static void
enter_chroot(const struct policy *p, const char *config)
{
	if (geteuid() != 0)
		log_fatal("cannot enter chroot %s: not started as root; start "
			  "signet-milter as root or remove chroot:", p->chroot);
	if (chroot(p->chroot) < 0 || chdir("/") < 0)
		log_fatal("cannot enter chroot %s: %m; create the directory or "
			  "fix chroot:", p->chroot);
	if (access(config, R_OK) < 0)
		log_warn("%s is not found inside the chroot %s: a reload "
			 "(SIGUSR1) will be refused; to reload, keep the policy "
			 "and its keys at the same paths inside the chroot", config,
			 p->chroot);
	chroot_dir = xstrdup(p->chroot);
	log_info("confined to %s", p->chroot);
}

/* become_user - the configured user for good */

static void
become_user(const struct policy *p, uid_t uid, gid_t gid)
{
	if (geteuid() != 0) {
		if (geteuid() != uid)
			log_fatal("cannot become user %s: not started as root",
				  p->user);
		return;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		log_fatal("cannot become user %s: %m", p->user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		log_fatal("could become root again after dropping to %s", p->user);
}

/* privs_enter - chroot, then the configured user */

void
privs_enter(const struct policy *p, const char *config, uid_t uid,
	            gid_t gid)
{
	time_t  now = time((time_t *) 0);
	struct tm tm;

	/* Read the time zone while /etc/localtime can still be seen. */
	tzset();
	(void) localtime_r(&now, &tm);
	if (p->chroot != NULL)
		enter_chroot(p, config);
	if (p->user == NULL) {
		if (p->chroot != NULL && geteuid() == 0)
			log_warn("running as root inside chroot %s: root can leave "
				 "a chroot; set user: to confine signet-milter",
				 p->chroot);
		return;
	}
	become_user(p, uid, gid);
	keyring_pin_owner(uid);
}

/* privs_reload_ok - can a reload read the policy file */

int
privs_reload_ok(const char *config)
{
	if (chroot_dir == NULL || access(config, R_OK) == 0)
		return (1);
	log_error("reload refused: %s cannot be read inside the chroot %s (%m); "
		  "the previous policy stays in force; restart signet-milter to "
		  "load a new policy, or keep the policy and its keys at the same "
		  "paths inside the chroot", config, chroot_dir);
	return (0);
}
