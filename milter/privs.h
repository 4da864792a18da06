#ifndef SIGNET_PRIVS_H
#define SIGNET_PRIVS_H

/* privs - signet-milter's socket permissions, chroot and user */

#include <sys/types.h>

#include "policy.h"

extern void privs_user(const struct policy *, uid_t *, gid_t *);
extern void privs_socket(const char *, const struct policy *, uid_t, gid_t);
extern void privs_enter(const struct policy *, const char *, uid_t, gid_t);
extern int privs_reload_ok(const char *);

#endif
