/*++
/* NAME
/*	dkimsign 1
/* SUMMARY
/*	sign one message file with signet's signer
/* SYNOPSIS
/*	dkimsign -d domain -s selector -k keyfile -a algorithm
/*		[-c header/body] [-t time] [-x seconds]
/*		[-H name:name...] [-O name:name...] < message
/* DESCRIPTION
/*	dkimsign reads a message on standard input, signs it with the
/*	same canonicaliser and signer that signet-milter uses, and writes
/*	the DKIM-Signature field followed by the message. Lone LF line
/*	ends are read as CRLF; output has CRLF line ends.
/*
/*	-H lists the header fields to sign when present, -O those to
/*	oversign; both default to the signet defaults for a message of
/*	the corpus (from:to:subject:date, none oversigned). -t fixes t=.
/*	The tests compare its bh= with libopendkim's and verify its
/*	signatures with independent verifiers.
/* DIAGNOSTICS
/*	Exit status 0 on success, 1 with a message on standard error.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "canon.h"
#include "keyring.h"
#include "load.h"			/* lower_dup */
#include "log.h"
#include "sign.h"
#include "xalloc.h"

/* split_list - colon-separated names to an array, in lower case as the
   policy loader gives them */

static char **
split_list(const char *text, size_t *n)
{
	char  **v = NULL, *copy = xstrdup(text), *p, *save = NULL;

	*n = 0;
	for (p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = lower_dup(p);
	}
	free(copy);
	return (v);
}

/* read_message - all of stdin, lone LF made CRLF */

static void
read_message(struct buf *msg)
{
	int     c, prev = 0;

	while ((c = getchar()) != EOF) {
		if (c == '\n' && prev != '\r')
			buf_putc(msg, '\r');
		buf_putc(msg, c);
		prev = c;
	}
}

/* parse_headers - fields up to the empty line; returns body offset */

static size_t
parse_headers(const struct buf *msg, struct msg_header **hp, size_t *np)
{
	const char *p = msg->data, *end = msg->data + msg->len, *eol, *colon;
	const char *start;

	*hp = NULL;
	*np = 0;
	while (p < end && !(end - p >= 2 && p[0] == '\r' && p[1] == '\n')) {
		start = p;
		do {			/* a field and its continuation lines */
			if ((eol = strstr(p, "\r\n")) == NULL)
				eol = end - 2;
			p = eol + 2;
		} while (p < end && (*p == ' ' || *p == '\t'));
		if ((colon = memchr(start, ':', eol - start)) == NULL)
			log_fatal("header line without a colon: %.40s", start);
		*hp = xreallocarray(*hp, *np + 1, sizeof(**hp));
		(*hp)[*np].name = xstrndup(start, colon - start);
		(*hp)[*np].value = xstrndup(colon + 1, eol - colon - 1);
		(*np)++;
	}
	return (p < end ? (size_t) (p + 2 - msg->data) : msg->len);
}

/* usage - say how to run */

static void
usage(void)
{
	log_fatal("usage: dkimsign -d domain -s selector -k keyfile "
		  "-a rsa-sha256|ed25519-sha256 [-c hdr/body] [-t time] "
		  "[-x seconds] [-H names] [-O names] < message");
}

int
main(int argc, char **argv)
{
	struct sign_request req;
	struct buf msg = BUF_INIT, value = BUF_INIT, err = BUF_INIT;
	struct msg_header *hdrs;
	struct canon_body *cb;
	unsigned char bh[CANON_DIGEST_LEN];
	const char *keyfile = NULL, *alg = "rsa-sha256";
	size_t  nhdrs, body;
	int     ch;

	memset(&req, 0, sizeof(req));
	req.header_canon = req.body_canon = CANON_RELAXED;
	req.timestamp = time(NULL);
	req.headers = split_list("from:to:subject:date", &req.nheaders);
	while ((ch = getopt(argc, argv, "a:c:d:H:k:O:s:t:x:")) != -1) {
		switch (ch) {
		case 'a': alg = optarg; break;
		case 'c':
			if (canon_parse(optarg, &req.header_canon, &req.body_canon) < 0)
				log_fatal("bad canonicalization: %s", optarg);
			break;
		case 'd': req.domain = optarg; break;
		case 'H': req.headers = split_list(optarg, &req.nheaders); break;
		case 'k': keyfile = optarg; break;
		case 'O': req.oversign = split_list(optarg, &req.noversign); break;
		case 's': req.selector = optarg; break;
		case 't': req.timestamp = (time_t) atoll(optarg); break;
		case 'x': req.expire = atol(optarg); break;
		default: usage();
		}
	}
	if (!req.domain || !req.selector || !keyfile)
		usage();
	if (strcmp(alg, "rsa-sha256") == 0)
		req.alg = ALG_RSA_SHA256;
	else if (strcmp(alg, "ed25519-sha256") == 0)
		req.alg = ALG_ED25519_SHA256;
	else
		log_fatal("unknown algorithm %s", alg);
	if (canon_init() < 0)
		log_fatal("OpenSSL has no SHA-256");
	if ((req.key = key_read_file(keyfile, getuid(), 0, &err)) == NULL)
		log_fatal("%s", err.data);

	read_message(&msg);
	body = parse_headers(&msg, &hdrs, &nhdrs);
	cb = canon_body_create(req.body_canon);
	canon_body_update(cb, (unsigned char *) msg.data + body, msg.len - body);
	canon_body_final(cb, bh);
	cb = canon_body_free(cb);

	if (dkim_sign(&req, hdrs, nhdrs, bh, &value, &err) < 0)
		log_fatal("%s", err.data);
	printf("DKIM-Signature:%s\r\n", value.data);
	fwrite(msg.data, 1, msg.len, stdout);
	return (0);
}
