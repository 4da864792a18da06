/*++
/* NAME
/*	keyring 3
/* SUMMARY
/*	private signing keys, checked and decoded once
/* SYNOPSIS
/*	#include "keyring.h"
/*
/*	struct keyring *keyring_load(const struct policy *policy,
/*			struct diag *d);
/*	struct keyring *keyring_free(struct keyring *ring);
/*	EVP_PKEY *keyring_find(const struct keyring *ring,
/*			const struct policy_selector *sel);
/*
/*	EVP_PKEY *key_read_file(const char *path, uid_t owner,
/*			int require_safe, struct buf *why);
/*
/*	void	keyring_pin_owner(uid_t uid);
/* DESCRIPTION
/*	keyring_load() reads the private key of every selector of the
/*	policy, once: OpenSSL 3 takes about as long to decode a key as
/*	to make an RSA signature with it, so the signer never decodes.
/*	Each key is checked against its selector's algorithm and made to
/*	sign once, which both proves it usable and does the first-use
/*	setup (RSA Montgomery values) before any message waits for it.
/*
/*	With the policy's require_safe_keys, a key file must be a regular
/*	file that belongs to the user signet-milter runs as (the policy's
/*	user, or the current one when none is set) and that neither group
/*	nor others may read or write. Without it, such a key is used
/*	with a warning. The bytes read are wiped before the buffer is
/*	freed.
/*
/*	keyring_pin_owner() fixes the user the keys must belong to for
/*	every later keyring_load(), whatever the policy's user: a daemon
/*	that has become its user (and perhaps entered a chroot without
/*	the user database) calls it with its own uid.
/*
/*	keyring_find() returns the decoded key of a selector of the
/*	policy the ring was loaded for.
/* DIAGNOSTICS
/*	keyring_load() reports each bad key with the file, line and column
/*	of its key: setting, and returns NULL when any key is bad.
/*	key_read_file() returns NULL with the reason in why.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "canon.h"
#include "keyring.h"
#include "log.h"
#include "sign.h"
#include "xalloc.h"

#define KEY_FILE_MAX	65536		/* PEM of RSA-16384 is under 13 KB */

/* user_name - a uid for humans */

static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		(void) snprintf(buf, len, "%s", pw->pw_name);
	else
		(void) snprintf(buf, len, "uid %ld", (long) uid);
	return (buf);
}

/* check_safe - owner and mode of an open key file */

static int
check_safe(const char *path, const struct stat *st, uid_t owner,
	   struct buf *why)
{
	char    have[64], want[64];

	if ((st->st_mode & 077) != 0) {
		buf_printf(why, "key file %s has mode %04o: group or others may "
			   "read or change it; run: chmod 600 %s", path,
			   (unsigned) (st->st_mode & 07777), path);
		return (-1);
	}
	if (st->st_uid != owner) {
		buf_printf(why, "key file %s belongs to %s, not to %s that "
			   "signet-milter runs as; run: chown %s %s", path,
			   user_name(st->st_uid, have, sizeof(have)),
			   user_name(owner, want, sizeof(want)), want, path);
		return (-1);
	}
	return (0);
}

/* read_bounded - read a whole small file */

static ssize_t
read_bounded(int fd, unsigned char *data, size_t max)
{
	size_t  len = 0;
	ssize_t n;

	while (len < max) {
		if ((n = read(fd, data + len, max - len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	return ((ssize_t) len);
}

/* key_decode - PEM bytes to a key */

static EVP_PKEY *
key_decode(const char *path, unsigned char *data, size_t len, struct buf *why)
{
	EVP_PKEY *key;
	BIO    *bio;

	if ((bio = BIO_new_mem_buf(data, (int) len)) == NULL)
		log_fatal("out of memory decoding %s", path);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL) {
		buf_printf(why, "key file %s holds no PEM private key that OpenSSL "
			   "can read (%s); make one with: signet keys generate, "
			   "or openssl genpkey", path,
			   ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
	}
	return (key);
}

/* key_read_file - open, check and decode one key file */

EVP_PKEY *
key_read_file(const char *path, uid_t owner, int require_safe, struct buf *why)
{
	unsigned char *data;
	struct stat st;
	EVP_PKEY *key = NULL;
	ssize_t len;
	int     fd;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)) < 0) {
		buf_printf(why, "cannot open key file %s: %s; check the path and "
			   "that the file is readable", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		buf_printf(why, "key file %s is not a regular file; give the path "
			   "of a PEM private key", path);
		(void) close(fd);
		return (NULL);
	}
	if (require_safe && check_safe(path, &st, owner, why) < 0) {
		(void) close(fd);
		return (NULL);
	}
	data = xmalloc(KEY_FILE_MAX);
	if ((len = read_bounded(fd, data, KEY_FILE_MAX)) < 0)
		buf_printf(why, "cannot read key file %s: %s", path, strerror(errno));
	else if (len == KEY_FILE_MAX)
		buf_printf(why, "key file %s is larger than %d bytes: not a "
			   "private key", path, KEY_FILE_MAX);
	else
		key = key_decode(path, data, (size_t) len, why);
	wipe(data, KEY_FILE_MAX);
	free(data);
	(void) close(fd);
	return (key);
}

/* key_consistent - does a signature made with the key verify */

static int
key_consistent(const struct policy_selector *sel, EVP_PKEY *key,
	           struct buf *why)
{
	static const unsigned char msg[] = "signet key check";
	const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();
	size_t  len = (size_t) EVP_PKEY_get_size(key);
	unsigned char *sig = xmalloc(len);
	EVP_MD_CTX *ctx;
	int     ok;

	/*
	 * A damaged RSA key can still decode, and then signs with values
	 * that no receiver verifies. One signature checked against the
	 * key's public half finds that, for the cost of a verification.
	 */
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		log_fatal("out of memory checking %s", sel->key_path);
	ok = EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1
		&& EVP_DigestSign(ctx, sig, &len, msg, sizeof(msg) - 1) == 1;
	EVP_MD_CTX_free(ctx);
	if (ok) {
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			log_fatal("out of memory checking %s", sel->key_path);
		ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1
			&& EVP_DigestVerify(ctx, sig, len, msg, sizeof(msg) - 1) == 1;
		EVP_MD_CTX_free(ctx);
	}
	free(sig);
	ERR_clear_error();
	if (!ok)
		buf_printf(why, "key file %s holds a damaged private key: a "
			   "signature made with it does not verify; restore it "
			   "from a backup or generate a new key", sel->key_path);
	return (ok ? 0 : -1);
}

/* key_check - does the key fit the selector's algorithm */

static int
key_check(const struct policy_selector *sel, EVP_PKEY *key, int *bits,
	  struct buf *why)
{
	int     is_rsa = EVP_PKEY_is_a(key, "RSA");
	int     is_ed = EVP_PKEY_is_a(key, "ED25519");

	*bits = EVP_PKEY_get_bits(key);
	if (sel->alg == ALG_RSA_SHA256 && !is_rsa) {
		buf_printf(why, "selector %s says rsa-sha256 but %s is %s key; "
			   "set algorithm: ed25519-sha256 or give an RSA key",
			   sel->name, sel->key_path, is_ed ? "an Ed25519" : "not an RSA");
		return (-1);
	}
	if (sel->alg == ALG_ED25519_SHA256 && !is_ed) {
		buf_printf(why, "selector %s says ed25519-sha256 but %s is %s key; "
			   "set algorithm: rsa-sha256 or give an Ed25519 key",
			   sel->name, sel->key_path, is_rsa ? "an RSA" : "not an Ed25519");
		return (-1);
	}
	if (is_rsa && *bits < 1024) {
		buf_printf(why, "%s is an RSA key of %d bits; RFC 8301 forbids "
			   "signing with fewer than 1024: generate a 2048-bit key",
			   sel->key_path, *bits);
		return (-1);
	}
	return (key_consistent(sel, key, why));
}

/* key_warm - sign once: proves the key works, does first-use setup */

static int
key_warm(const struct policy_selector *sel, EVP_PKEY *key, struct buf *why)
{
	static char *const names[] = {"from"};
	struct msg_header hdr = {"From", " warm-up@invalid"};
	struct sign_request req;
	unsigned char bh[CANON_DIGEST_LEN] = {0};
	struct buf value = BUF_INIT;
	int     ret;

	memset(&req, 0, sizeof(req));
	req.domain = "invalid";
	req.selector = sel->name;
	req.alg = sel->alg;
	req.key = key;
	req.headers = names;
	req.nheaders = 1;
	ret = dkim_sign(&req, &hdr, 1, bh, &value, why);
	buf_free(&value);
	return (ret);
}

static uid_t pinned_owner;
static int owner_pinned;

/* keyring_pin_owner - the keys belong to this user from now on */

void
keyring_pin_owner(uid_t uid)
{
	pinned_owner = uid;
	owner_pinned = 1;
}

/* key_owner - the user the keys must belong to */

static int
key_owner(const struct policy *policy, uid_t *owner, struct diag *d)
{
	struct passwd *pw;

	*owner = geteuid();
	if (owner_pinned) {
		*owner = pinned_owner;
		return (0);
	}
	if (policy->user == NULL)
		return (0);
	if ((pw = getpwnam(policy->user)) == NULL) {
		diag_error(d, policy->path, 0, 0, "user \"%s\" does not exist; "
			   "create it (useradd --system %s) or change user:",
			   policy->user, policy->user);
		return (-1);
	}
	*owner = pw->pw_uid;
	return (0);
}

/* unsafe_warn - with require_safe_keys off, say what it lets through */

static void
unsafe_warn(const struct policy *policy, const struct policy_selector *sel,
	    uid_t owner, struct diag *d)
{
	struct buf why = BUF_INIT;
	struct stat st;

	if (stat(sel->key_path, &st) == 0
	    && check_safe(sel->key_path, &st, owner, &why) < 0)
		diag_warn(d, policy->path, sel->key_pos.line, sel->key_pos.col,
			  "%s (used anyway: require_safe_keys is off)", why.data);
	buf_free(&why);
}

/* keyring_load - read, check and decode every key of the policy */

struct keyring *
keyring_load(const struct policy *policy, struct diag *d)
{
	struct keyring *ring;
	struct keyring_entry *e;
	struct buf why = BUF_INIT;
	size_t  i, j, n = 0;
	int     errors = d->errors;
	uid_t   owner;

	if (key_owner(policy, &owner, d) < 0)
		return (NULL);
	ring = xcalloc(1, sizeof(*ring));

	for (i = 0; i < policy->ndomains; i++)
		n += policy->domains[i].nselectors;
	ring->entries = xcalloc(n ? n : 1, sizeof(*ring->entries));
	for (i = 0; i < policy->ndomains; i++) {
		for (j = 0; j < policy->domains[i].nselectors; j++) {
			e = &ring->entries[ring->nentries++];
			e->sel = &policy->domains[i].selectors[j];
			buf_reset(&why);
			e->key = key_read_file(e->sel->key_path, owner,
					       policy->require_safe_keys, &why);
			if (e->key != NULL
			    && (key_check(e->sel, e->key, &e->bits, &why) < 0
				|| key_warm(e->sel, e->key, &why) < 0)) {
				EVP_PKEY_free(e->key);
				e->key = NULL;
			}
			if (e->key == NULL)
				diag_error(d, policy->path, e->sel->key_pos.line,
					   e->sel->key_pos.col, "%s", why.data);
			else if (!policy->require_safe_keys)
				unsafe_warn(policy, e->sel, owner, d);
			else if (e->bits < 2048 && e->sel->alg == ALG_RSA_SHA256)
				diag_warn(d, policy->path, e->sel->key_pos.line,
					  e->sel->key_pos.col, "%s is an RSA key of "
					  "%d bits; receivers may treat it as weak: "
					  "rotate to 2048 bits", e->sel->key_path,
					  e->bits);
		}
	}
	buf_free(&why);
	if (d->errors > errors)
		ring = keyring_free(ring);
	return (ring);
}

/* keyring_free - release the keys */

struct keyring *
keyring_free(struct keyring *ring)
{
	size_t  i;

	if (ring == NULL)
		return (NULL);
	for (i = 0; i < ring->nentries; i++)
		EVP_PKEY_free(ring->entries[i].key);
	free(ring->entries);
	free(ring);
	return (NULL);
}

/* keyring_find - the key of a selector */

EVP_PKEY *
keyring_find(const struct keyring *ring, const struct policy_selector *sel)
{
	size_t  i;

	for (i = 0; i < ring->nentries; i++)
		if (ring->entries[i].sel == sel)
			return (ring->entries[i].key);
	return (NULL);
}
