/*++
/* NAME
/*	floormilter 1
/* SUMMARY
/*	a milter on signet's engine that signs nothing: the protocol's floor
/* SYNOPSIS
/*	floormilter -p socket [-S] [-k keyfile [-k keyfile]] [-w workers]
/* DESCRIPTION
/*	floormilter speaks the milter protocol with signet-milter's engine
/*	(engine(3)) and does none of a signer's work: it takes the header
/*	fields and the body without looking at them and, at end of message,
/*	inserts a fixed DKIM-Signature field as long as an RSA-2048
/*	signature's, with a=none and s=floor. What Postfix and the kernel
/*	spend with it attached is what any signing milter costs them
/*	before it hashes or signs a byte.
/*
/*	By default it asks for the fewest steps a signer can: no connect,
/*	HELO, MAIL, RCPT, DATA or end-of-headers events, no reply to header
/*	fields or body chunks; the one round trip of a message is its end.
/*	-S asks for the steps signet-milter asks for instead, under a
/*	policy without envelope checks (connect, HELO, MAIL and RCPT
/*	without replies; the end of message answered).
/*
/*	-k signs, at each end of message, a fixed SHA-256 digest with the
/*	private key in keyfile (RSA or Ed25519), as milterload -S does,
/*	each worker thread with a context of its own kept for all its
/*	signatures, and inserts the fixed field for it; given twice (an
/*	RSA and an Ed25519 key), it signs with both and inserts two. This
/*	is the protocol plus the signatures and nothing else: the least
/*	CPU per message that a milter signing with those keys can spend.
/*
/*	-w sets the number of worker threads (default 2).
/* DIAGNOSTICS
/*	Exit 1 when the socket or the key cannot be opened; 2 on a usage
/*	error. A signature that fails tempfails the message.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "milter.h"			/* SIGNET_STEPS */

/* A DKIM-Signature value of an RSA-2048 signature's length (about 470 bytes). */
#define FLOOR_B64	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FLOOR_SIG	"v=1; a=none; c=relaxed/relaxed; d=example.com; s=floor;\r\n\t" \
	"h=from:to:subject:date:message-id:mime-version:content-type;\r\n\t" \
	"bh=" FLOOR_B64 ";\r\n\tb=" FLOOR_B64 FLOOR_B64 FLOOR_B64 FLOOR_B64 \
	FLOOR_B64 FLOOR_B64

static int signet_steps;		/* -S */
#define FLOOR_KEYS	2		/* -k twice: RSA and Ed25519 */

static EVP_PKEY *sign_key[FLOOR_KEYS];	/* -k */
static int sign_nkeys;

/* One context per key and worker thread, kept for all its signatures. */
static __thread EVP_PKEY_CTX *sign_pctx[FLOOR_KEYS];
static __thread EVP_MD_CTX *sign_mctx[FLOOR_KEYS];

/* floor_sign - sign a fixed digest with -k key i; -1 on failure */

static int
floor_sign(int i)
{
	unsigned char dg[32] = {1}, sig[1024];
	size_t  siglen = sizeof(sig);
	EVP_PKEY_CTX **pc = &sign_pctx[i];
	EVP_MD_CTX **mc = &sign_mctx[i];

	if (EVP_PKEY_is_a(sign_key[i], "RSA")) {
		if (*pc == NULL
		    && ((*pc = EVP_PKEY_CTX_new(sign_key[i], NULL)) == NULL
			|| EVP_PKEY_sign_init(*pc) != 1
			|| EVP_PKEY_CTX_set_rsa_padding(*pc, RSA_PKCS1_PADDING) != 1
			|| EVP_PKEY_CTX_set_signature_md(*pc, EVP_sha256()) != 1))
			return (-1);
		return (EVP_PKEY_sign(*pc, sig, &siglen, dg, 32) == 1 ? 0 : -1);
	}
	if (*mc == NULL) {
		if ((*mc = EVP_MD_CTX_new()) == NULL
		    || EVP_DigestSignInit(*mc, NULL, NULL, NULL, sign_key[i]) != 1)
			return (-1);
	} else if (EVP_DigestSignInit(*mc, NULL, NULL, NULL, NULL) != 1)
		return (-1);
	return (EVP_DigestSign(*mc, sig, &siglen, dg, 32) == 1 ? 0 : -1);
}

/* floor_load_key - one more -k key, or exit */

static void
floor_load_key(const char *path)
{
	FILE   *fp;

	if (sign_nkeys == FLOOR_KEYS) {
		fprintf(stderr, "floormilter: at most %d keys (-k)\n", FLOOR_KEYS);
		exit(2);
	}
	if ((fp = fopen(path, "r")) == NULL
	    || (sign_key[sign_nkeys] = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "floormilter: cannot read a private key from %s\n", path);
		exit(1);
	}
	(void) fclose(fp);
	sign_nkeys++;
}

/* floor_negotiate - the fewest steps, or signet-milter's */

static eng_stat
floor_negotiate(struct eng_ctx *ctx, unsigned long f0, unsigned long f1,
		        unsigned long *pf0, unsigned long *pf1)
{
	unsigned long least = MILTER_P_NOCONNECT | MILTER_P_NOHELO
		| MILTER_P_NOMAIL | MILTER_P_NORCPT | MILTER_P_NOEOH
		| MILTER_P_NOUNKNOWN | MILTER_P_NODATA | MILTER_P_NR_HDR
		| MILTER_P_NR_BODY | MILTER_P_HDR_LEADSPC;
	unsigned long signet = SIGNET_STEPS | MILTER_P_NR_MAIL;

	(void) ctx;
	if ((f0 & MILTER_ACT_ADDHDRS) == 0)
		return (ENG_REJECT);
	*pf0 = MILTER_ACT_ADDHDRS;
	*pf1 = f1 & (signet_steps ? signet : least);
	return (ENG_CONTINUE);
}

/* floor_noreply - a step that takes no answer */

static eng_stat
floor_noreply(struct eng_ctx *ctx, const char *name, const char *value)
{
	(void) ctx;
	(void) name;
	(void) value;
	return (ENG_NOREPLY);
}

/* floor_body - a body chunk, not looked at */

static eng_stat
floor_body(struct eng_ctx *ctx, const unsigned char *data, size_t len)
{
	(void) ctx;
	(void) data;
	(void) len;
	return (ENG_NOREPLY);
}

/* floor_eoh - end of headers, when asked for: nothing to say */

static eng_stat
floor_eoh(struct eng_ctx *ctx)
{
	(void) ctx;
	return (ENG_NOREPLY);
}

/* floor_eom - a fixed field, or one for each -k key after its signature */

static eng_stat
floor_eom(struct eng_ctx *ctx)
{
	int     i = 0;

	do {
		if ((i < sign_nkeys && floor_sign(i) < 0)
		    || eng_insheader(ctx, 0, "DKIM-Signature", FLOOR_SIG) < 0)
			return (ENG_TEMPFAIL);
	} while (++i < sign_nkeys);
	return (ENG_CONTINUE);
}

/* floor_connect - the client, not looked at (with -S) */

static eng_stat
floor_connect(struct eng_ctx *ctx, const char *host, const struct sockaddr *sa)
{
	(void) ctx;
	(void) host;
	(void) sa;
	return (ENG_NOREPLY);
}

/* floor_helo - HELO, not looked at (with -S) */

static eng_stat
floor_helo(struct eng_ctx *ctx, const char *helo)
{
	(void) ctx;
	(void) helo;
	return (ENG_NOREPLY);
}

/* floor_address - the sender or a recipient (with -S), not looked at */

static eng_stat
floor_address(struct eng_ctx *ctx, char **argv)
{
	(void) ctx;
	(void) argv;
	return (ENG_NOREPLY);
}

static const struct eng_callbacks floor_callbacks = {
	.negotiate = floor_negotiate,
	.connect = floor_connect,
	.helo = floor_helo,
	.envfrom = floor_address,
	.envrcpt = floor_address,
	.header = floor_noreply,
	.eoh = floor_eoh,
	.body = floor_body,
	.eom = floor_eom,
};

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int     ch, workers = 2, sig;
	sigset_t set;

	while ((ch = getopt(argc, argv, "k:p:Sw:")) != -1) {
		switch (ch) {
		case 'k':
			floor_load_key(optarg);
			break;
		case 'p':
			sock = optarg;
			break;
		case 'S':
			signet_steps = 1;
			break;
		case 'w':
			workers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: floormilter -p socket [-S] [-k keyfile [-k keyfile]] [-w workers]\n");
			return (2);
		}
	}
	log_open("floormilter", LOG_TO_STDERR, 0);
	if (sock == NULL || engine_listen(sock) != 0) {
		fprintf(stderr, "floormilter: cannot listen on %s\n",
			sock ? sock : "(none: use -p)");
		return (1);
	}
	(void) sigemptyset(&set);
	(void) sigaddset(&set, SIGTERM);
	(void) sigaddset(&set, SIGINT);
	(void) pthread_sigmask(SIG_BLOCK, &set, NULL);
	(void) signal(SIGPIPE, SIG_IGN);
	engine_start(&floor_callbacks, workers);
	(void) sigwait(&set, &sig);
	(void) engine_drain(5);
	engine_stop();
	return (0);
}
