/*++
/* NAME
/*	nullmilter 1
/* SUMMARY
/*	a libmilter milter that does nothing but add a header field
/* SYNOPSIS
/*	nullmilter -p socket
/* DESCRIPTION
/*	nullmilter negotiates the same protocol steps as signet-milter
/*	(no reply to HELO, RCPT, headers and body chunks) and inserts a
/*	fixed DKIM-Signature field with a=none at end of message; it
/*	hashes nothing and signs nothing. Its CPU per message under
/*	milterload is what libmilter and the kernel cost a milter before
/*	it does any work of its own: the floor of any libmilter design.
/* DIAGNOSTICS
/*	Exit 1 when the socket cannot be opened.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmilter/mfapi.h>

#define NULL_SIG	"v=1; a=none; d=example.com; s=null; b="

/* null_negotiate - the steps signet-milter asks for */

static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	       unsigned long f2, unsigned long f3, unsigned long *pf0,
	       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_RCPT
		| SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC;

	(void) ctx;
	(void) f2;
	(void) f3;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	return (SMFIS_CONTINUE);
}

/* null_header - a header field, not looked at */

static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	(void) ctx;
	(void) name;
	(void) value;
	return (SMFIS_NOREPLY);
}

/* null_body - a body chunk, not looked at */

static sfsistat
null_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	(void) ctx;
	(void) data;
	(void) len;
	return (SMFIS_NOREPLY);
}

/* null_rcpt - a recipient, not looked at */

static sfsistat
null_rcpt(SMFICTX *ctx, char **argv)
{
	(void) ctx;
	(void) argv;
	return (SMFIS_NOREPLY);
}

/* null_eom - insert the fixed field */

static sfsistat
null_eom(SMFICTX *ctx)
{
	if (smfi_insheader(ctx, 0, "DKIM-Signature", NULL_SIG) != MI_SUCCESS)
		return (SMFIS_TEMPFAIL);
	return (SMFIS_CONTINUE);
}

static struct smfiDesc null_desc = {
	.xxfi_name = "nullmilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_envrcpt = null_rcpt,
	.xxfi_header = null_header,
	.xxfi_body = null_body,
	.xxfi_eom = null_eom,
	.xxfi_negotiate = null_negotiate,
};

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int     ch;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		if (ch != 'p') {
			fprintf(stderr, "usage: nullmilter -p socket\n");
			return (2);
		}
		sock = optarg;
	}
	if (sock == NULL || smfi_setconn((char *) sock) != MI_SUCCESS
	    || smfi_register(null_desc) != MI_SUCCESS
	    || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", sock ? sock : "(none: use -p)");
		return (1);
	}
	return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
