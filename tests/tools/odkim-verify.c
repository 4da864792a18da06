/*++
/* NAME
/*	odkim-verify 1
/* SUMMARY
/*	verify every DKIM signature of a message with libopendkim
/* SYNOPSIS
/*	odkim-verify -K keysfile < message
/* DESCRIPTION
/*	odkim-verify checks each DKIM-Signature of the message on standard
/*	input with libopendkim, the reference verifier, and prints one
/*	line per signature, in the order of the header:
/*
/*	d=DOMAIN s=SELECTOR a=ALGORITHM result=RESULT [reason=TEXT]
/*
/*	RESULT is pass, fail (the signature or the body hash does not
/*	match), permerror (a malformed signature or key, a key that is not
/*	in the file) or temperror (the keys file cannot be read).
/*
/*	Public keys come from a file instead of DNS, one per line:
/*
/*	SELECTOR._domainkey.DOMAIN v=DKIM1; k=rsa; p=BASE64
/*
/*	that is, the DNS name, white space, and the TXT record in one
/*	string. Ed25519 keys (k=ed25519, RFC 8463) are supported.
/*
/*	The message may have CRLF or LF line ends; see odkim-msg(3).
/* DIAGNOSTICS
/*	Exit 0 when there is at least one signature and every one passes;
/*	1 otherwise, or when the message cannot be read; 2 on a usage
/*	error. A message without a signature prints "no DKIM-Signature"
/*	on standard output; a signature field that libopendkim cannot
/*	parse stops it with one "error:" line. A signature that fails
/*	without a reason of its own gets the error of dkim_eom(), if
/*	any, as its reason.
/* BUGS
/*	libopendkim 2.11.0~beta2 cannot verify a signature with relaxed
/*	body canonicalization of a body that does not end in CRLF: it
/*	stops with "CRLF at end of body missing".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

/* System library. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Application-specific. */

#include "odkim-msg.h"

/* verify_usage - complain about the command line and exit */

static void
verify_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "odkim-verify: %s\n", why);
	fprintf(stderr, "usage: odkim-verify -K keysfile < message\n");
	exit(2);
}

/* verify_lib - a library handle that takes keys from a file */

static DKIM_LIB *
verify_lib(const char *keys)
{
	DKIM_LIB *lib;
	dkim_query_t qtype = DKIM_QUERY_FILE;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;

	if ((lib = dkim_init(NULL, NULL)) == NULL) {
		fprintf(stderr, "odkim-verify: dkim_init failed\n");
		exit(1);
	}
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			 sizeof(flags)) != DKIM_STAT_OK
	    || dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype,
			    sizeof(qtype)) != DKIM_STAT_OK
	    || dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
			    (void *) keys, strlen(keys)) != DKIM_STAT_OK) {
		fprintf(stderr, "odkim-verify: cannot set libopendkim options\n");
		exit(1);
	}
	return (lib);
}

/* verify_tag - a tag of a signature, or "-" */

static const char *
verify_tag(DKIM_SIGINFO *sig, const char *tag)
{
	const unsigned char *v;

	v = dkim_sig_gettagvalue(sig, 0, (unsigned char *) tag);
	return (v != NULL ? (const char *) v : "-");
}

/* verify_result - classify one processed signature */

static const char *
verify_result(DKIM_SIGINFO *sig, const char *eom, const char **reason)
{
	unsigned int flags = dkim_sig_getflags(sig);
	int     err = dkim_sig_geterror(sig);
	int     bh = dkim_sig_getbh(sig);

	*reason = NULL;
	if ((flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH)
		return ("pass");
	if (err != DKIM_SIGERROR_OK && err != DKIM_SIGERROR_UNKNOWN)
		*reason = dkim_sig_geterrorstr(err);
	switch (err) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
	case DKIM_SIGERROR_BADSIG:
		if (bh == DKIM_SIGBH_MISMATCH)
			*reason = "body hash mismatch";
		else if (*reason == NULL && eom != NULL)
			*reason = eom;
		else if (*reason == NULL)
			*reason = (flags & DKIM_SIGFLAG_PROCESSED) ?
				"signature mismatch" : "not processed";
		return ("fail");
	case DKIM_SIGERROR_KEYFAIL:
		return ("temperror");
	default:
		return ("permerror");
	}
}

/* verify_report - print one line per signature; count the passes */

static int
verify_report(DKIM *dkim, const char *eom, int *nsigs)
{
	DKIM_SIGINFO **sigs;
	const char *result;
	const char *reason;
	int     passed = 0;
	int     i;

	if (dkim_getsiglist(dkim, &sigs, nsigs) != DKIM_STAT_OK)
		*nsigs = 0;
	for (i = 0; i < *nsigs; i++) {
		if ((dkim_sig_getflags(sigs[i]) & (DKIM_SIGFLAG_PROCESSED
					     | DKIM_SIGFLAG_IGNORE)) == 0)
			(void) dkim_sig_process(dkim, sigs[i]);
		result = verify_result(sigs[i], eom, &reason);
		printf("d=%s s=%s a=%s result=%s", verify_tag(sigs[i], "d"),
		       verify_tag(sigs[i], "s"), verify_tag(sigs[i], "a"), result);
		if (reason != NULL)
			printf(" reason=\"%s\"", reason);
		putchar('\n');
		passed += (strcmp(result, "pass") == 0);
	}
	return (passed);
}

/* main - verify standard input, print one line per signature */

int
main(int argc, char **argv)
{
	struct odkim_msg m = ODKIM_MSG_INIT;
	const char *keys = NULL;
	const char *where = NULL;
	const char *err;
	char    eom[512];
	DKIM_LIB *lib;
	DKIM   *dkim;
	DKIM_STAT st;
	char    why[256];
	int     nsigs;
	int     passed;
	int     ch;

	while ((ch = getopt(argc, argv, "K:")) != -1) {
		if (ch != 'K')
			verify_usage(NULL);
		keys = optarg;
	}
	if (keys == NULL || optind != argc)
		verify_usage("-K keysfile is required; the message is read "
			     "from standard input");
	if (access(keys, R_OK) != 0) {
		fprintf(stderr, "odkim-verify: %s: %s\n", keys, strerror(errno));
		exit(1);
	}
	if (odkim_msg_read(stdin, &m, why, sizeof(why)) < 0) {
		fprintf(stderr, "odkim-verify: message: %s\n", why);
		exit(1);
	}
	lib = verify_lib(keys);
	dkim = dkim_verify(lib, (const unsigned char *) "odkim-verify", NULL, &st);
	if (dkim == NULL) {
		fprintf(stderr, "odkim-verify: dkim_verify: %s\n",
			dkim_getresultstr(st));
		exit(1);
	}
	st = odkim_msg_feed(dkim, &m, &where);
	if (st == DKIM_STAT_NOSIG) {
		printf("no DKIM-Signature\n");
		exit(1);
	}
	err = st != DKIM_STAT_OK ? dkim_geterror(dkim) : NULL;
	snprintf(eom, sizeof(eom), "%s: %s%s%s", where ? where : "",
		 dkim_getresultstr(st), err ? ": " : "", err ? err : "");
	/* A bad signature is reported by dkim_eom() and examined below. */
	if (st != DKIM_STAT_OK && strcmp(where, "dkim_eom") != 0) {
		printf("error: %s\n", eom);
		exit(1);
	}
	passed = verify_report(dkim, st != DKIM_STAT_OK && err ? eom : NULL,
			       &nsigs);
	dkim_free(dkim);
	dkim_close(lib);
	odkim_msg_free(&m);
	return (nsigs > 0 && passed == nsigs ? 0 : 1);
}
