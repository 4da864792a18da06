/*++
/* NAME
/*	keygen 3
/* SUMMARY
/*	generate DKIM key pairs and write them with safe owner and mode
/* SYNOPSIS
/*	#include "keygen.h"
/*
/*	int	keygen_parse_alg(const char *name, enum dkim_alg *alg,
/*			int *bits);
/*	const char *keygen_alg_label(enum dkim_alg alg, int bits);
/*	EVP_PKEY *keygen_generate(enum dkim_alg alg, int bits,
/*			struct buf *err);
/*	int	keygen_write(const char *path, EVP_PKEY *key, uid_t uid,
/*			gid_t gid, struct buf *err);
/*	int	keygen_mkdir(const char *path, uid_t uid, gid_t gid,
/*			struct buf *err);
/* DESCRIPTION
/*	keygen_parse_alg() reads a key kind as "signet keys" takes it:
/*	rsa-2048, rsa-3072, rsa-4096 (rsa alone is rsa-2048) or
/*	ed25519; keygen_alg_label() is the reverse.
/*
/*	keygen_generate() makes a key with OpenSSL 3's EVP_PKEY_Q_keygen():
/*	RSA of the given size (exponent 65537), or Ed25519 (RFC 8463).
/*
/*	keygen_write() writes the private key as PEM PKCS#8 to a new file,
/*	mode 0600, owned by uid:gid. It never replaces a file: an
/*	existing path is an error. The PEM bytes are wiped from memory.
/*
/*	keygen_mkdir() makes a directory (and its parents) that does not
/*	exist yet, mode 0750, owned by uid:gid; an existing one is kept
/*	as it is.
/* DIAGNOSTICS
/*	The functions return NULL or -1 with one line in err saying what
/*	failed, on which file, and what to do.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* Utility library. */

#include "xalloc.h"

/* Application-specific. */

#include "keygen.h"

/* keygen_parse_alg - rsa-2048|rsa-3072|rsa-4096|rsa|ed25519; 0 or -1 */

int
keygen_parse_alg(const char *name, enum dkim_alg *alg, int *bits)
{
	static const struct {
		const char *name;
		enum dkim_alg alg;
		int     bits;
	}       kinds[] = {
		{"rsa-2048", ALG_RSA_SHA256, 2048},
		{"rsa-3072", ALG_RSA_SHA256, 3072},
		{"rsa-4096", ALG_RSA_SHA256, 4096},
		{"rsa", ALG_RSA_SHA256, 2048},
		{"ed25519", ALG_ED25519_SHA256, 256},
	};
	size_t  i;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		if (strcasecmp(name, kinds[i].name) == 0) {
			*alg = kinds[i].alg;
			*bits = kinds[i].bits;
			return (0);
		}
	}
	return (-1);
}

/* keygen_alg_label - "rsa-2048" or "ed25519" */

const char *
keygen_alg_label(enum dkim_alg alg, int bits)
{
	if (alg == ALG_ED25519_SHA256)
		return ("ed25519");
	switch (bits) {
	case 3072:
		return ("rsa-3072");
	case 4096:
		return ("rsa-4096");
	default:
		return ("rsa-2048");
	}
}

/* keygen_generate - a new key pair */

EVP_PKEY *
keygen_generate(enum dkim_alg alg, int bits, struct buf *err)
{
	EVP_PKEY *key;

	if (alg == ALG_ED25519_SHA256)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) bits);
	if (key == NULL) {
		buf_printf(err, "OpenSSL cannot generate a%s key: %s; check the "
			   "OpenSSL installation (openssl list "
			   "-public-key-algorithms)",
			   alg == ALG_ED25519_SHA256 ? "n Ed25519" : "n RSA",
			   ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
	}
	return (key);
}

/* keygen_pem - the private key as PEM PKCS#8 in a memory BIO */

static BIO *
keygen_pem(EVP_PKEY *key, struct buf *err)
{
	BIO    *bio;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL
	    && (bio = BIO_new(BIO_s_mem())) == NULL) {
		buf_puts(err, "out of memory");
		return (NULL);
	}
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		buf_printf(err, "OpenSSL cannot encode the key: %s",
			   ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
		BIO_free(bio);
		return (NULL);
	}
	return (bio);
}

/* keygen_write_fd - write all of data; 0 or -1 with errno */

static int
keygen_write_fd(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		data += n;
		len -= (size_t) n;
	}
	return (fsync(fd));
}

/* keygen_write - the private key to a new file, 0600, owned by uid:gid */

int
keygen_write(const char *path, EVP_PKEY *key, uid_t uid, gid_t gid,
	     struct buf *err)
{
	BIO    *bio;
	char   *data;
	long    len;
	int     fd;
	int     ret = -1;

	if ((bio = keygen_pem(key, err)) == NULL)
		return (-1);
	len = BIO_get_mem_data(bio, &data);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		buf_printf(err, "cannot create key file %s: %s%s", path,
			   strerror(errno), errno == EEXIST ? "; choose another "
			   "selector (--selector) or remove the old key first" : "");
	else if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0600) < 0)
		buf_printf(err, "cannot give key file %s to uid %ld: %s; run as "
			   "root", path, (long) uid, strerror(errno));
	else if (keygen_write_fd(fd, data, (size_t) len) < 0)
		buf_printf(err, "cannot write key file %s: %s", path,
			   strerror(errno));
	else
		ret = 0;
	if (fd >= 0 && close(fd) < 0 && ret == 0) {
		buf_printf(err, "cannot write key file %s: %s", path,
			   strerror(errno));
		ret = -1;
	}
	if (fd >= 0 && ret < 0)
		(void) unlink(path);
	wipe(data, (size_t) len);
	BIO_free(bio);
	return (ret);
}

/* keygen_mkdir - make a directory and its parents, 0750, uid:gid */

int
keygen_mkdir(const char *path, uid_t uid, gid_t gid, struct buf *err)
{
	char   *copy = xstrdup(path);
	char   *p;
	int     ret = 0;

	for (p = copy + 1; ret == 0; p++) {
		if (*p != '/' && *p != 0)
			continue;
		int     last = (*p == 0);

		*p = 0;
		if (mkdir(copy, 0750) == 0) {
			if (chown(copy, uid, gid) < 0) {
				buf_printf(err, "cannot give directory %s to uid "
					   "%ld: %s", copy, (long) uid,
					   strerror(errno));
				ret = -1;
			}
		} else if (errno != EEXIST) {
			buf_printf(err, "cannot create directory %s: %s", copy,
				   strerror(errno));
			ret = -1;
		}
		if (last)
			break;
		*p = '/';
	}
	free(copy);
	return (ret);
}
