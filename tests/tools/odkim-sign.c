/*++
/* NAME
/*	odkim-sign 1
/* SUMMARY
/*	sign a message with libopendkim, the reference signer
/* SYNOPSIS
/*	odkim-sign -d domain -s selector -k keyfile -a algorithm
/*		[-c header/body] [-t time] [-H name:name...]
/*		[-O name:name...] < message
/* DESCRIPTION
/*	odkim-sign signs the message on standard input with libopendkim
/*	and writes the DKIM-Signature header field it made, and nothing
/*	else, to standard output, with CRLF line ends. The signer tests
/*	compare it with what signet's own signer makes from the same
/*	input and options.
/*
/*	The message may have CRLF or LF line ends; see odkim-msg(3).
/*
/*	Options:
/* .IP "-d domain, -s selector"
/*	The d= and s= of the signature.
/* .IP "-k keyfile"
/*	The private key, PEM (RSA or Ed25519, PKCS#1 or PKCS#8).
/* .IP "-a rsa-sha256|ed25519-sha256"
/*	The signing algorithm.
/* .IP "-c header/body"
/*	Canonicalization, each "simple" or "relaxed"; a single word
/*	is the header one, with simple for the body (RFC 6376 3.5).
/*	The default is relaxed/relaxed.
/* .IP "-t time"
/*	Sign as if at this time (seconds since the epoch), for t=.
/* .IP "-H name:name..."
/*	Sign these header fields when present: every instance of each
/*	is listed in h=. From is always signed. The default is
/*	libopendkim's own list.
/* .IP "-O name:name..."
/*	Oversign these: every instance is signed, and the name is listed
/*	once more in h=, so that an instance added later breaks the
/*	signature.
/*
/*	The field is written on one line, without folding; see BUGS.
/* DIAGNOSTICS
/*	Exit 2 on a usage error, 1 when the key cannot be read, the message
/*	is malformed or libopendkim fails; the reason is on standard error.
/* BUGS
/*	libopendkim 2.11.0~beta2 folds the field it hashes differently
/*	from the field it returns for ed25519-sha256, so that with simple
/*	header canonicalization no verifier accepts the signature. Not
/*	folding at all (dkim_set_margin() 0) avoids this.
/*
/*	libopendkim refuses to sign a body that does not end in CRLF with
/*	relaxed body canonicalization ("CRLF at end of body missing"),
/*	though RFC 6376 3.4.4 says to add the CRLF; odkim-sign then fails.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

/* System library. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Application-specific. */

#include "odkim-msg.h"

#define SIGHDR_NAME	"DKIM-Signature"

struct sign_args {
	const char *domain;
	const char *selector;
	const char *keyfile;
	dkim_alg_t alg;
	dkim_canon_t hcanon;
	dkim_canon_t bcanon;
	uint64_t fixedtime;		/* 0: now */
	const char *sign;		/* -H list, or NULL */
	const char *over;		/* -O list, or NULL */
};

/* sign_usage - complain about the command line and exit */

static void
sign_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "odkim-sign: %s\n", why);
	fprintf(stderr, "usage: odkim-sign -d domain -s selector -k keyfile "
		"-a rsa-sha256|ed25519-sha256 [-c header/body] [-t time] "
		"[-H name:name...] [-O name:name...] < message\n");
	exit(2);
}

/* sign_canon - parse one canonicalization name */

static dkim_canon_t
sign_canon(const char *name, size_t len)
{
	if (len == 6 && strncmp(name, "simple", len) == 0)
		return (DKIM_CANON_SIMPLE);
	if (len == 7 && strncmp(name, "relaxed", len) == 0)
		return (DKIM_CANON_RELAXED);
	sign_usage("-c: want simple or relaxed, for example relaxed/simple");
	return (DKIM_CANON_UNKNOWN);
}

/* sign_names_add - append the names of a colon list, without repeats */

static size_t
sign_names_add(const char **names, size_t n, char *list)
{
	char   *name;
	char   *save;
	size_t  i;

	for (name = strtok_r(list, ":", &save); name != NULL;
	     name = strtok_r(NULL, ":", &save)) {
		for (i = 0; i < n && strcasecmp(names[i], name) != 0; i++)
			continue;
		if (i == n)
			names[n++] = name;
	}
	names[n] = NULL;
	return (n);
}

/* sign_names - build a NULL-terminated name array from colon lists */

static const char **
sign_names(const char *list1, const char *list2)
{
	size_t  max = 1;
	const char *p;
	const char **names;
	size_t  n = 0;

	for (p = list1; p != NULL && *p; p++)
		max += (*p == ':');
	for (p = list2; p != NULL && *p; p++)
		max += (*p == ':');
	if ((names = calloc(max + 2, sizeof(*names))) == NULL) {
		perror("odkim-sign: calloc");
		exit(1);
	}
	if (list1 != NULL)
		n = sign_names_add(names, n, strdup(list1));
	if (list2 != NULL)
		n = sign_names_add(names, n, strdup(list2));
	return (names);
}

/* sign_parse - parse the command line */

static void
sign_parse(int argc, char **argv, struct sign_args *a)
{
	const char *slash;
	char   *end;
	int     ch;

	memset(a, 0, sizeof(*a));
	a->alg = DKIM_SIGN_UNKNOWN;
	a->hcanon = a->bcanon = DKIM_CANON_RELAXED;
	while ((ch = getopt(argc, argv, "a:c:d:H:k:O:s:t:")) != -1) {
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "rsa-sha256") == 0)
				a->alg = DKIM_SIGN_RSASHA256;
			else if (strcmp(optarg, "ed25519-sha256") == 0)
				a->alg = DKIM_SIGN_ED25519SHA256;
			else
				sign_usage("-a: want rsa-sha256 or ed25519-sha256");
			break;
		case 'c':
			if ((slash = strchr(optarg, '/')) == NULL) {
				a->hcanon = sign_canon(optarg, strlen(optarg));
				a->bcanon = DKIM_CANON_SIMPLE;
			} else {
				a->hcanon = sign_canon(optarg, slash - optarg);
				a->bcanon = sign_canon(slash + 1, strlen(slash + 1));
			}
			break;
		case 'd':
			a->domain = optarg;
			break;
		case 'H':
			a->sign = optarg;
			break;
		case 'k':
			a->keyfile = optarg;
			break;
		case 'O':
			a->over = optarg;
			break;
		case 's':
			a->selector = optarg;
			break;
		case 't':
			errno = 0;
			a->fixedtime = strtoull(optarg, &end, 10);
			if (errno != 0 || *optarg == 0 || *end != 0)
				sign_usage("-t: want seconds since the epoch");
			break;
		default:
			sign_usage(NULL);
		}
	}
	if (optind != argc)
		sign_usage("the message is read from standard input");
	if (a->domain == NULL || a->selector == NULL || a->keyfile == NULL
	    || a->alg == DKIM_SIGN_UNKNOWN)
		sign_usage("-d, -s, -k and -a are required");
}

/* sign_key - read the PEM text of the private key */

static unsigned char *
sign_key(const char *path)
{
	FILE   *fp;
	unsigned char *key;
	size_t  len = 0;
	size_t  n;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "odkim-sign: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if ((key = malloc(65537)) == NULL) {
		perror("odkim-sign: malloc");
		exit(1);
	}
	while ((n = fread(key + len, 1, 65536 - len, fp)) > 0)
		len += n;
	if (ferror(fp) || len == 65536) {
		fprintf(stderr, "odkim-sign: %s: read error, or larger than "
			"64 KiB: not a private key\n", path);
		exit(1);
	}
	fclose(fp);
	key[len] = 0;
	if (strncmp((char *) key, "-----BEGIN ", 11) != 0) {
		fprintf(stderr, "odkim-sign: %s: not a PEM key (it must start "
			"with -----BEGIN)\n", path);
		exit(1);
	}
	return (key);
}

/* sign_options - set the library options from the command line */

static void
sign_options(DKIM_LIB *lib, const struct sign_args *a)
{
	const char **sign;
	const char **over;
	uint64_t t = a->fixedtime;

	if (t != 0 && dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME,
				   &t, sizeof(t)) != DKIM_STAT_OK) {
		fprintf(stderr, "odkim-sign: cannot set the signing time\n");
		exit(1);
	}
	if (a->sign != NULL || a->over != NULL) {
		/* Oversigned names are signed when present, too. */
		sign = sign_names(a->sign, a->over);
		if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
				 sign, sizeof(sign)) != DKIM_STAT_OK) {
			fprintf(stderr, "odkim-sign: libopendkim rejects the "
				"header list of -H and -O\n");
			exit(1);
		}
	}
	if (a->over != NULL) {
		over = sign_names(a->over, NULL);
		if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
				 over, sizeof(over)) != DKIM_STAT_OK) {
			fprintf(stderr, "odkim-sign: libopendkim rejects the "
				"list of -O\n");
			exit(1);
		}
	}
}

/* sign_fail - report a libopendkim failure and exit */

static void
sign_fail(DKIM *dkim, const char *where, DKIM_STAT st)
{
	const char *err = dkim != NULL ? dkim_geterror(dkim) : NULL;

	fprintf(stderr, "odkim-sign: %s: %s%s%s\n", where,
		dkim_getresultstr(st), err ? ": " : "", err ? err : "");
	exit(1);
}

/* sign_print - write the signature field with CRLF line ends */

static void
sign_print(const unsigned char *hdr, size_t len)
{
	size_t  i;

	fputs(SIGHDR_NAME ": ", stdout);
	for (i = 0; i < len; i++) {
		if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r'))
			putchar('\r');
		putchar(hdr[i]);
	}
	fputs("\r\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("odkim-sign: write");
		exit(1);
	}
}

/* main - sign standard input, print the field */

int
main(int argc, char **argv)
{
	struct sign_args a;
	struct odkim_msg m = ODKIM_MSG_INIT;
	DKIM_LIB *lib;
	DKIM   *dkim;
	DKIM_STAT st;
	unsigned char *key;
	unsigned char *hdr;
	size_t  hdrlen;
	const char *where;
	char    why[256];

	sign_parse(argc, argv, &a);
	key = sign_key(a.keyfile);
	if (odkim_msg_read(stdin, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "odkim-sign: message: %s\n", why);
		exit(1);
	}
	if ((lib = dkim_init(NULL, NULL)) == NULL) {
		fprintf(stderr, "odkim-sign: dkim_init failed\n");
		exit(1);
	}
	sign_options(lib, &a);
	dkim = dkim_sign(lib, (const unsigned char *) "odkim-sign", NULL, key,
			 (const unsigned char *) a.selector,
			 (const unsigned char *) a.domain,
			 a.hcanon, a.bcanon, a.alg, -1, &st);
	if (dkim == NULL)
		sign_fail(NULL, "dkim_sign", st);
	/* See BUGS: one line, so the field hashed is the field written. */
	if ((st = dkim_set_margin(dkim, 0)) != DKIM_STAT_OK)
		sign_fail(dkim, "dkim_set_margin", st);
	if ((st = odkim_msg_feed(dkim, &m, &where)) != DKIM_STAT_OK)
		sign_fail(dkim, where, st);
	st = dkim_getsighdr_d(dkim, strlen(SIGHDR_NAME) + 2, &hdr, &hdrlen);
	if (st != DKIM_STAT_OK)
		sign_fail(dkim, "dkim_getsighdr_d", st);
	sign_print(hdr, hdrlen);
	dkim_free(dkim);
	dkim_close(lib);
	odkim_msg_free(&m);
	free(key);
	return (0);
}
