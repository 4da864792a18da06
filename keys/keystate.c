/*++
/* NAME
/*	keystate 3
/* SUMMARY
/*	state files of keys: pending, active, retiring, retired
/* SYNOPSIS
/*	#include "keystate.h"
/*
/*	char	*keystate_path(const char *key_path);
/*	int	keystate_read(const char *key_path, struct keystate *ks,
/*			struct buf *err);
/*	int	keystate_write(const struct keystate *ks, uid_t uid,
/*			gid_t gid, struct buf *err);
/*	enum key_state keystate_effective(const struct keystate *ks,
/*			long overlap, time_t now);
/*	int	keystate_change(struct keystate *ks, enum key_state state,
/*			time_t now, uid_t uid, gid_t gid, struct buf *err);
/*	int	keystate_scan(const char *dir, const char *domain,
/*			struct keystate **v, size_t *n, struct buf *err);
/* DESCRIPTION
/*	Next to each key file SELECTOR.key lives SELECTOR.state (for a
/*	key file not ending in .key: the name with .state added), a text
/*	file of name=value lines:
/*
/*	domain=example.com
/*	selector=s20260101r
/*	algorithm=rsa-sha256
/*	bits=2048
/*	state=pending|active|retiring|retired
/*	created=2026-01-01T10:00:00Z
/*	activated=, retiring=, retired= (times, when they happened)
/*
/*	A key without a state file is active (keys made before signet
/*	managed them); its creation time is the key file's.
/*
/*	keystate_read() reads the state of the key at key_path (domain
/*	and selector default to the names of its directory and file).
/*	keystate_write() replaces the state file atomically (temporary
/*	file, rename), mode 0640, owned by uid:gid.
/*
/*	keystate_effective() is the state as it stands at now: a retiring
/*	key whose overlap has passed is retired.
/*
/*	keystate_change() moves a key to another state, stamps the time
/*	of the step (activated, retiring, retired) and writes the state
/*	file; when the file cannot be written, ks is left as it was.
/*	signet keys activate and signet-milter's key watch both step keys
/*	through it.
/*
/*	keystate_scan() lists DIR/DOMAIN/SELECTOR.key for one domain, or
/*	every domain when domain is NULL, sorted by domain and creation.
/* DIAGNOSTICS
/*	-1 with one line in err: a state file that cannot be read or has
/*	a line that is not name=value or a bad value; a directory that
/*	cannot be read.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "keygen.h"
#include "keystate.h"

static const char *const state_names[] = {
	"pending", "active", "retiring", "retired",
};

/* keystate_name - the name of a state */

const char *
keystate_name(enum key_state st)
{
	return (st <= KS_RETIRED ? state_names[st] : "unknown");
}

/* keystate_path - the state file of a key file */

char   *
keystate_path(const char *key_path)
{
	size_t  n = strlen(key_path);
	char   *path = xmalloc(n + 7);

	if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
		n -= 4;
	memcpy(path, key_path, n);
	strcpy(path + n, ".state");
	return (path);
}

/* keystate_time - append a time as 2026-01-01T10:00:00Z */

void
keystate_time(time_t t, struct buf *out)
{
	struct tm tm;
	char    text[32];

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_puts(out, text);
}

/* keystate_parse_time - 2026-01-01T10:00:00Z, or empty; -1 if bad */

static int
keystate_parse_time(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;

	*t = 0;
	if (*s == 0)
		return (0);
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end)
		return (-1);
	*t = timegm(&tm);
	return (0);
}

/* keystate_str - replace a string field */

static void
keystate_str(char **field, const char *val)
{
	free(*field);
	*field = xstrdup(val);
}

/* keystate_set - one name=value line; 0 or -1 */

static int
keystate_set(struct keystate *ks, const char *name, const char *val)
{
	size_t  i;

	if (strcmp(name, "domain") == 0)
		keystate_str(&ks->domain, val);
	else if (strcmp(name, "selector") == 0)
		keystate_str(&ks->selector, val);
	else if (strcmp(name, "algorithm") == 0)
		ks->alg = strcmp(val, "ed25519-sha256") == 0 ?
			ALG_ED25519_SHA256 : ALG_RSA_SHA256;
	else if (strcmp(name, "bits") == 0)
		ks->bits = atoi(val);
	else if (strcmp(name, "state") == 0) {
		for (i = 0; i <= KS_RETIRED; i++)
			if (strcmp(val, state_names[i]) == 0)
				break;
		if (i > KS_RETIRED)
			return (-1);
		ks->state = (enum key_state) i;
	} else if (strcmp(name, "created") == 0)
		return (keystate_parse_time(val, &ks->created));
	else if (strcmp(name, "activated") == 0)
		return (keystate_parse_time(val, &ks->activated));
	else if (strcmp(name, "retiring") == 0)
		return (keystate_parse_time(val, &ks->retiring));
	else if (strcmp(name, "retired") == 0)
		return (keystate_parse_time(val, &ks->retired));
	return (0);
}

/* keystate_defaults - the state of a key without a state file */

static void
keystate_defaults(const char *key_path, struct keystate *ks)
{
	const char *slash = strrchr(key_path, '/');
	const char *base = slash ? slash + 1 : key_path;
	const char *dir_end = slash ? slash : key_path;
	const char *dir = dir_end;
	struct stat st;

	memset(ks, 0, sizeof(*ks));
	while (dir > key_path && dir[-1] != '/')
		dir--;
	ks->domain = xstrndup(dir, (size_t) (dir_end - dir));
	ks->selector = xstrndup(base, strcspn(base, "."));
	ks->key_path = xstrdup(key_path);
	ks->state_path = keystate_path(key_path);
	ks->state = KS_ACTIVE;
	if (stat(key_path, &st) == 0)
		ks->created = st.st_mtime;
}

/* keystate_read - the state of the key at key_path */

int
keystate_read(const char *key_path, struct keystate *ks, struct buf *err)
{
	char    line[512];
	char   *eq;
	FILE   *fp;
	int     n = 0;

	keystate_defaults(key_path, ks);
	if ((fp = fopen(ks->state_path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		buf_printf(err, "cannot read %s: %s", ks->state_path,
			   strerror(errno));
		return (-1);
	}
	ks->has_file = 1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		n++;
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		if ((eq = strchr(line, '=')) == NULL
		    || (*eq = 0, keystate_set(ks, line, eq + 1) < 0)) {
			buf_printf(err, "%s:%d: not a valid name=value line; "
				   "fix it or remove the file (the key is then "
				   "taken as active)", ks->state_path, n);
			fclose(fp);
			return (-1);
		}
	}
	fclose(fp);
	return (0);
}

/* keystate_put_time - one time line, empty when 0 */

static void
keystate_put_time(struct buf *out, const char *name, time_t t)
{
	buf_printf(out, "%s=", name);
	if (t != 0)
		keystate_time(t, out);
	buf_putc(out, '\n');
}

/* keystate_write - replace the state file atomically */

int
keystate_write(const struct keystate *ks, uid_t uid, gid_t gid,
	       struct buf *err)
{
	struct buf text = BUF_INIT;
	struct buf tmp = BUF_INIT;
	FILE   *fp;
	int     ret = -1;

	buf_printf(&text, "# signet key state: written by signet keys\n"
		   "domain=%s\nselector=%s\nalgorithm=%s\nbits=%d\n"
		   "state=%s\n", ks->domain, ks->selector,
		   policy_alg_name(ks->alg), ks->bits, keystate_name(ks->state));
	keystate_put_time(&text, "created", ks->created);
	keystate_put_time(&text, "activated", ks->activated);
	keystate_put_time(&text, "retiring", ks->retiring);
	keystate_put_time(&text, "retired", ks->retired);
	buf_printf(&tmp, "%s.tmp.%ld", ks->state_path, (long) getpid());
	if ((fp = fopen(tmp.data, "w")) == NULL)
		buf_printf(err, "cannot create %s: %s", tmp.data, strerror(errno));
	else if (fchmod(fileno(fp), 0640) < 0 || fchown(fileno(fp), uid, gid) < 0
		 || fputs(text.data, fp) == EOF || fflush(fp) == EOF
		 || fsync(fileno(fp)) < 0)
		buf_printf(err, "cannot write %s: %s", tmp.data, strerror(errno));
	else if (rename(tmp.data, ks->state_path) < 0)
		buf_printf(err, "cannot rename %s to %s: %s", tmp.data,
			   ks->state_path, strerror(errno));
	else
		ret = 0;
	if (fp != NULL && fclose(fp) == EOF && ret == 0) {
		buf_printf(err, "cannot write %s: %s", tmp.data, strerror(errno));
		ret = -1;
	}
	if (ret < 0)
		(void) unlink(tmp.data);
	buf_free(&text);
	buf_free(&tmp);
	return (ret);
}

/* keystate_effective - the state at now, overlap considered */

enum key_state
keystate_effective(const struct keystate *ks, long overlap, time_t now)
{
	if (ks->state == KS_RETIRING && ks->retiring != 0
	    && now >= ks->retiring + overlap)
		return (KS_RETIRED);
	return (ks->state);
}

/* keystate_change - one step of a key's life, written to its file */

int
keystate_change(struct keystate *ks, enum key_state state, time_t now,
		uid_t uid, gid_t gid, struct buf *err)
{
	struct keystate old = *ks;

	ks->state = state;
	if (state == KS_ACTIVE)
		ks->activated = now;
	else if (state == KS_RETIRING)
		ks->retiring = now;
	else if (state == KS_RETIRED)
		ks->retired = now;
	if (keystate_write(ks, uid, gid, err) < 0) {
		*ks = old;
		return (-1);
	}
	ks->has_file = 1;
	return (0);
}

/* keystate_cmp - by domain, then creation, then selector */

static int
keystate_cmp(const void *a, const void *b)
{
	const struct keystate *x = a, *y = b;
	int     r;

	if ((r = strcmp(x->domain, y->domain)) != 0)
		return (r);
	if (x->created != y->created)
		return (x->created < y->created ? -1 : 1);
	return (strcmp(x->selector, y->selector));
}

/* keystate_scan_domain - the keys of one domain directory */

static int
keystate_scan_domain(const char *dir, const char *domain,
		     struct keystate **v, size_t *n, struct buf *err)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	size_t  len;
	DIR    *dp;
	int     ret = 0;

	buf_printf(&path, "%s/%s", dir, domain);
	if ((dp = opendir(path.data)) == NULL) {
		buf_free(&path);
		return (errno == ENOENT ? 0 : -1);
	}
	while (ret == 0 && (de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".key") != 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s/%s", dir, domain, de->d_name);
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		if ((ret = keystate_read(path.data, &(*v)[*n], err)) == 0)
			(*n)++;
		else
			keystate_free(&(*v)[*n]);
	}
	closedir(dp);
	buf_free(&path);
	return (ret);
}

/* keystate_scan - the keys of one domain, or of all */

int
keystate_scan(const char *dir, const char *domain, struct keystate **v,
	      size_t *n, struct buf *err)
{
	struct dirent *de;
	DIR    *dp;
	int     ret = 0;

	*v = NULL;
	*n = 0;
	if (domain != NULL)
		ret = keystate_scan_domain(dir, domain, v, n, err);
	else if ((dp = opendir(dir)) == NULL)
		ret = errno == ENOENT ? 0 : -1;
	else {
		while (ret == 0 && (de = readdir(dp)) != NULL)
			if (de->d_name[0] != '.')
				ret = keystate_scan_domain(dir, de->d_name, v, n,
							   err);
		closedir(dp);
	}
	if (ret < 0 && err->len == 0)
		buf_printf(err, "cannot read the keys directory %s: %s", dir,
			   strerror(errno));
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), keystate_cmp);
	return (ret);
}

/* keystate_free - release one state */

void
keystate_free(struct keystate *ks)
{
	free(ks->domain);
	free(ks->selector);
	free(ks->key_path);
	free(ks->state_path);
	memset(ks, 0, sizeof(*ks));
}

