/*++
/* NAME
/*	milterload 1
/* SUMMARY
/*	drive a milter the way Postfix does, and time it
/* SYNOPSIS
/*	milterload -s socket -f message [-c connections] [-n messages]
/*		[-r per-connection] [-p milter-pid] [-N] [-H holdfile]
/*	milterload -S keyfile [-n signatures]
/*	milterload -D [-n megabytes]
/* DESCRIPTION
/*	milterload speaks milter protocol 6 to a milter (signet-milter,
/*	OpenDKIM, any other), as Postfix's smtpd does: option negotiation
/*	honouring the steps and replies the milter asks to skip, macros at
/*	connect and MAIL, then MAIL, RCPT, headers, end of headers, body
/*	chunks of at most 65535 bytes and end of message.
/*
/*	-c connections run at once, each carrying -r messages before it
/*	reconnects, until -n messages were sent in all. Each message goes
/*	to a recipient of its own (bob.QUEUEID@example.net), so that no two
/*	are the same message to a store that counts one once. Each end of
/*	message must insert a DKIM-Signature field; a message that gets
/*	none is counted as unsigned. With -p, the milter's CPU time
/*	(user + system, all threads, from its CPU clock in nanoseconds;
/*	from /proc in clock ticks where there is none) is read before and
/*	after.
/*
/*	Output, one line of key=value pairs: messages, unsigned, refused,
/*	seconds, msgs_per_s, signatures (DKIM-Signature fields inserted in
/*	all), algorithms (the a= tags of the first signed message, joined
/*	by +), and with -p cpu_us_per_msg.
/*
/*	-H holdfile holds every connection in the middle of its first
/*	message (after the first body chunk, before end of message):
/*	when all -c connections are there, milterload creates holdfile
/*	and waits until it is removed, then finishes the run. Meanwhile
/*	the milter holds -c open connections with a message each (for
/*	measuring its memory). -n must be at least -c.
/*
/*	-S times the private key's signature of a SHA-256 digest with
/*	OpenSSL (the crypto limit), printing sign_us. The context is
/*	made once and kept, as openssl speed and signet-milter keep it:
/*	RSA signs again with it, Ed25519 reinitialises it.
/*
/*	-D times SHA-256 over a 1 MB buffer hashed in 64 KB updates, as
/*	body chunks arrive, -n times (default 1000), printing
/*	sha256_mb_per_s (10^6 bytes per second).
/*
/*	-N sets TCP_NODELAY on inet sockets (Postfix does not).
/* DIAGNOSTICS
/*	Exit status 1 on protocol errors or refused messages.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmilter/mfdef.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

struct header {
	char   *name;
	char   *value;			/* after the colon, leading space kept */
};

static const char *sock_spec;
static struct header *hdrs;
static size_t nhdrs;
static char *body;
static size_t body_len;
static int per_conn = 1, nodelay, conns = 1;
static long total = 1000;
static const char *hold_file;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_held = PTHREAD_COND_INITIALIZER;
static long next_msg, done, unsigned_msgs, failed, signatures;
static int held;
static char algorithms[128];

/* die - report and exit */

static void
die(const char *what)
{
	fprintf(stderr, "milterload: %s: %s\n", what, errno ? strerror(errno) : "");
	exit(1);
}

/* now - monotonic seconds */

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec + t.tv_nsec / 1e9);
}

/* load_message - read a message file into header fields and body */

static void
load_message(const char *path)
{
	FILE   *fp = fopen(path, "rb");
	char   *data = NULL, *p, *end, *eol, *colon;
	size_t  len = 0, cap = 0, n;

	if (fp == NULL)
		die(path);
	do {
		if (len + 65536 > cap)
			data = realloc(data, cap = (cap + 65536) * 2);
		n = fread(data + len, 1, 65536, fp);
		len += n;
	} while (n > 0);
	fclose(fp);
	data[len] = 0;
	for (p = data, end = data + len; p < end; p = eol + 2) {
		if ((eol = strstr(p, "\r\n")) == NULL)
			die("message lines must end in CRLF");
		if (eol == p)
			break;
		if (*p == ' ' || *p == '\t') {	/* continuation: append */
			struct header *h = &hdrs[nhdrs - 1];
			size_t  ol = strlen(h->value);

			h->value = realloc(h->value, ol + (eol - p) + 2);
			memcpy(h->value + ol, "\n", 1);
			memcpy(h->value + ol + 1, p, eol - p);
			h->value[ol + 1 + (eol - p)] = 0;
			continue;
		}
		if ((colon = memchr(p, ':', eol - p)) == NULL)
			die("header line without colon");
		hdrs = realloc(hdrs, (nhdrs + 1) * sizeof(*hdrs));
		hdrs[nhdrs].name = strndup(p, colon - p);
		hdrs[nhdrs].value = strndup(colon + 1, eol - colon - 1);
		nhdrs++;
	}
	body = p + 2 <= end ? p + 2 : end;
	body_len = end - body;
}

/* conn_open - connect to unix:PATH or inet:PORT@ADDR */

static int
conn_open(void)
{
	struct sockaddr_un un;
	struct sockaddr_in in;
	const char *at;
	int     fd, on = 1;

	if (strncmp(sock_spec, "unix:", 5) == 0) {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", sock_spec + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
		    || connect(fd, (struct sockaddr *) &un, sizeof(un)) < 0)
			die(sock_spec);
		return (fd);
	}
	if (strncmp(sock_spec, "inet:", 5) != 0 || (at = strchr(sock_spec, '@')) == NULL)
		die("socket must be unix:PATH or inet:PORT@ADDR");
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(atoi(sock_spec + 5));
	if (inet_pton(AF_INET, at + 1, &in.sin_addr) != 1)
		die("bad inet address");
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || connect(fd, (struct sockaddr *) &in, sizeof(in)) < 0)
		die(sock_spec);
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return (fd);
}

/* writen, readn - whole buffers */

static void
writen(int fd, const void *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		p = (const char *) p + n;
		len -= n;
	}
}

static void
readn(int fd, void *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			die("read from milter");
		}
		p = (char *) p + n;
		len -= n;
	}
}

/* send_cmd - one packet: length, command, data */

static void
send_cmd(int fd, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t n = htonl((uint32_t) len + 1);

	memcpy(hdr, &n, 4);
	hdr[4] = (unsigned char) cmd;
	if (len + 5 <= 8192) {		/* one write, as Postfix's buffered stream */
		char    pkt[8192];

		memcpy(pkt, hdr, 5);
		memcpy(pkt + 5, data, len);
		writen(fd, pkt, len + 5);
	} else {
		writen(fd, hdr, 5);
		writen(fd, data, len);
	}
}

/* recv_reply - one reply packet; data into buf (at most cap bytes kept) */

static char
recv_reply(int fd, char *buf, size_t cap, size_t *lenp)
{
	uint32_t n;
	char    cmd, skip[4096];
	size_t  len, k;

	readn(fd, &n, 4);
	len = ntohl(n);
	if (len < 1 || len > 1024 * 1024)
		die("bad reply length");
	readn(fd, &cmd, 1);
	len--;
	k = len < cap ? len : cap;
	readn(fd, buf, k);
	for (len -= k; len > 0; len -= k) {
		k = len < sizeof(skip) ? len : sizeof(skip);
		readn(fd, skip, k);
	}
	if (lenp)
		*lenp = k;
	return (cmd);
}

/* step_reply - a reply to a step: 0 to go on, 1 if the message ended */

static int
step_reply(int fd)
{
	char    buf[512], c;

	while ((c = recv_reply(fd, buf, sizeof(buf), NULL)) == SMFIR_PROGRESS)
		;
	if (c == SMFIR_CONTINUE || c == SMFIR_SKIP)
		return (0);
	return (1);
}

/* put - append a NUL-terminated string to a packet */

static size_t
put(char *pkt, size_t off, const char *s)
{
	size_t  l = strlen(s) + 1;

	memcpy(pkt + off, s, l);
	return (off + l);
}

/* negotiate - option negotiation; returns the milter's protocol flags */

static uint32_t
negotiate(int fd)
{
	uint32_t v[3] = {htonl(6), htonl(0x1ff), htonl(0x1fffff)}, r[3];
	char    buf[4096];
	size_t  len;

	send_cmd(fd, SMFIC_OPTNEG, v, sizeof(v));
	if (recv_reply(fd, buf, sizeof(buf), &len) != SMFIC_OPTNEG || len < 12)
		die("option negotiation");
	memcpy(r, buf, 12);
	return (ntohl(r[2]));
}

/* note_alg - append the a= tag of a DKIM-Signature value to algs */

static void
note_alg(const char *value, char *algs, size_t cap)
{
	const char *p = value;
	size_t  n, l = strlen(algs);

	while (p != NULL && *p) {
		p += strspn(p, " \t\r\n");
		if (strncmp(p, "a=", 2) == 0) {
			n = strcspn(p + 2, "; \t\r\n");
			if (l + n + 2 < cap)
				snprintf(algs + l, cap - l, "%s%.*s", l ? "+" : "",
					 (int) n, p + 2);
			return;
		}
		if ((p = strchr(p, ';')) != NULL)
			p++;
	}
}

/* signature_field - the value of a DKIM-Signature that a reply inserts, or NULL */

static const char *
signature_field(char c, const char *buf, size_t len)
{
	const char *name = buf;

	if (c == SMFIR_INSHEADER && len > 4)
		name = buf + 4;
	else if (c != SMFIR_ADDHEADER)
		return (NULL);
	if (strcasecmp(name, "DKIM-Signature") != 0)
		return (NULL);
	if (name + strlen(name) + 1 >= buf + len)
		return ("");
	return (name + strlen(name) + 1);
}

/* hold_point - wait until every connection is here, then until the hold file goes */

static void
hold_point(void)
{
	FILE   *fp;

	pthread_mutex_lock(&lock);
	if (++held == conns) {
		if ((fp = fopen(hold_file, "w")) == NULL)
			die(hold_file);
		fclose(fp);
		pthread_cond_broadcast(&all_held);
	}
	while (held < conns)
		pthread_cond_wait(&all_held, &lock);
	pthread_mutex_unlock(&lock);
	while (access(hold_file, F_OK) == 0)
		usleep(10000);
}

/* send_body - body chunks; holds after the first when *hold is set */

static int
send_body(int fd, uint32_t pf, int *hold)
{
	size_t  off, len;

	for (off = 0; !(pf & SMFIP_NOBODY) && off < body_len; off += len) {
		len = body_len - off < MILTER_CHUNK_SIZE ? body_len - off : MILTER_CHUNK_SIZE;
		send_cmd(fd, SMFIC_BODY, body + off, len);
		if (!(pf & SMFIP_NR_BODY) && step_reply(fd))
			return (-1);
		if (*hold) {
			*hold = 0;
			hold_point();
		}
	}
	if (*hold) {
		*hold = 0;
		hold_point();
	}
	return (0);
}

/* one_message - send a message; returns the number of signatures
 * inserted, -1 if refused; the a= tags go to algs */

static int
one_message(int fd, uint32_t pf, long id, int *hold, char *algs, size_t cap)
{
	char    pkt[65536 + 64], buf[8192], qid[32], rcpt[64], c;
	const char *sigval;
	size_t  off, i, len;
	int     sig = 0;

	snprintf(qid, sizeof(qid), "Q%08lX", id);
	off = 0;
	pkt[off++] = SMFIC_MAIL;
	off = put(pkt, off, "i");
	off = put(pkt, off, qid);
	off = put(pkt, off, "{mail_addr}");
	off = put(pkt, off, "alice@example.com");
	send_cmd(fd, SMFIC_MACRO, pkt, off);
	if (!(pf & SMFIP_NOMAIL)) {
		send_cmd(fd, SMFIC_MAIL, "<alice@example.com>", 20);
		if (!(pf & SMFIP_NR_MAIL) && step_reply(fd))
			return (-1);
	}
	if (!(pf & SMFIP_NORCPT)) {
		/* A recipient per message: no two are the same message. */
		len = (size_t) snprintf(rcpt, sizeof(rcpt), "<bob.%s@example.net>",
					qid);
		send_cmd(fd, SMFIC_RCPT, rcpt, len + 1);
		if (!(pf & SMFIP_NR_RCPT) && step_reply(fd))
			return (-1);
	}
	for (i = 0; !(pf & SMFIP_NOHDRS) && i < nhdrs; i++) {
		const char *v = hdrs[i].value;

		if (!(pf & SMFIP_HDR_LEADSPC) && *v == ' ')
			v++;
		off = put(pkt, 0, hdrs[i].name);
		off = put(pkt, off, v);
		send_cmd(fd, SMFIC_HEADER, pkt, off);
		if (!(pf & SMFIP_NR_HDR) && step_reply(fd))
			return (-1);
	}
	if (!(pf & SMFIP_NOEOH)) {
		send_cmd(fd, SMFIC_EOH, "", 0);
		if (!(pf & SMFIP_NR_EOH) && step_reply(fd))
			return (-1);
	}
	if (send_body(fd, pf, hold) < 0)
		return (-1);
	send_cmd(fd, SMFIC_BODYEOB, "", 0);
	for (;;) {
		c = recv_reply(fd, buf, sizeof(buf) - 1, &len);
		buf[len] = 0;
		if ((sigval = signature_field(c, buf, len)) != NULL) {
			sig++;
			note_alg(sigval, algs, cap);
		} else if (c == SMFIR_CONTINUE || c == SMFIR_ACCEPT)
			return (sig);
		else if (c == SMFIR_REJECT || c == SMFIR_TEMPFAIL
			 || c == SMFIR_REPLYCODE || c == SMFIR_DISCARD)
			return (-1);
	}
}

/* take - claim the next message number, or -1 when all are sent */

static long
take(void)
{
	long    id;

	pthread_mutex_lock(&lock);
	id = next_msg < total ? next_msg++ : -1;
	pthread_mutex_unlock(&lock);
	return (id);
}

/* tally - count the outcome of one message */

static void
tally(int r, const char *algs)
{
	pthread_mutex_lock(&lock);
	done++;
	if (r == 0)
		unsigned_msgs++;
	if (r < 0)
		failed++;
	if (r > 0)
		signatures += r;
	if (r > 0 && algorithms[0] == 0)
		snprintf(algorithms, sizeof(algorithms), "%s", algs);
	pthread_mutex_unlock(&lock);
}

/* session - one connection carrying up to per_conn messages */

static int
session(int *hold)
{
	char    pkt[512], algs[128];
	size_t  off;
	uint32_t pf;
	long    id;
	int     fd, n;

	if ((id = take()) < 0)
		return (0);
	fd = conn_open();
	pf = negotiate(fd);
	off = 0;
	pkt[off++] = SMFIC_CONNECT;
	off = put(pkt, off, "j");
	off = put(pkt, off, "mta.example.com");
	off = put(pkt, off, "{daemon_name}");
	off = put(pkt, off, "smtpd");
	send_cmd(fd, SMFIC_MACRO, pkt, off);
	if (!(pf & SMFIP_NOCONNECT)) {
		off = put(pkt, 0, "localhost");
		pkt[off++] = '4';
		pkt[off++] = 0;
		pkt[off++] = 25;
		off = put(pkt, off, "127.0.0.1");
		send_cmd(fd, SMFIC_CONNECT, pkt, off);
		if (!(pf & SMFIP_NR_CONN))
			(void) step_reply(fd);
	}
	if (!(pf & SMFIP_NOHELO)) {
		send_cmd(fd, SMFIC_HELO, "localhost", 10);
		if (!(pf & SMFIP_NR_HELO))
			(void) step_reply(fd);
	}
	for (n = 0; id >= 0; id = (++n < per_conn) ? take() : -1) {
		algs[0] = 0;
		tally(one_message(fd, pf, id, hold, algs, sizeof(algs)), algs);
	}
	send_cmd(fd, SMFIC_QUIT, "", 0);
	close(fd);
	return (1);
}

/* worker - sessions until all messages are sent */

static void *
worker(void *arg)
{
	int     hold = hold_file != NULL;

	while (session(&hold))
		;
	return (arg);
}

/* proc_cpu - user+system seconds of a process, all its threads */

static double
proc_cpu(long pid)
{
	char    path[64], line[1024], *p;
	unsigned long ut, st;
	struct timespec t;
	clockid_t clk;
	FILE   *fp;

	/*
	 * The process's CPU clock counts in nanoseconds, and keeps the time
	 * of threads that have ended; /proc counts in clock ticks (10 ms).
	 */
	if (clock_getcpuclockid((pid_t) pid, &clk) == 0
	    && clock_gettime(clk, &t) == 0)
		return (t.tv_sec + t.tv_nsec / 1e9);
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL || fgets(line, sizeof(line), fp) == NULL)
		die(path);
	fclose(fp);
	if ((p = strrchr(line, ')')) == NULL
	    || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		      &ut, &st) != 2)
		die("cannot parse /proc stat");
	return ((ut + st) / (double) sysconf(_SC_CLK_TCK));
}

/* cpu_now - CPU seconds of the calling thread (immune to preemption) */

static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (t.tv_sec + t.tv_nsec / 1e9);
}

/* sign_cost - CPU microseconds per signature of a digest with the key */

static void
sign_cost(const char *keyfile, long n)
{
	unsigned char dg[32] = {1}, sig[1024];
	size_t  siglen;
	EVP_PKEY *key;
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	FILE   *fp;
	double  t0;
	long    i;
	int     rsa;

	if ((fp = fopen(keyfile, "r")) == NULL
	    || (key = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL)
		die(keyfile);
	fclose(fp);
	rsa = EVP_PKEY_is_a(key, "RSA");
	/* One context for all, as signet-milter and openssl speed keep it. */
	if (rsa) {
		if ((pc = EVP_PKEY_CTX_new(key, NULL)) == NULL
		    || EVP_PKEY_sign_init(pc) != 1
		    || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1
		    || EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1)
			die("sign");
	} else if ((mc = EVP_MD_CTX_new()) == NULL
		   || EVP_DigestSignInit(mc, NULL, NULL, NULL, key) != 1) {
		die("sign");
	}
	t0 = 0;
	for (i = -n / 10 - 1; i < n; i++) {	/* a tenth to warm up */
		if (i == 0)
			t0 = cpu_now();
		siglen = sizeof(sig);
		if (rsa) {
			if (EVP_PKEY_sign(pc, sig, &siglen, dg, 32) != 1)
				die("sign");
		} else if (EVP_DigestSignInit(mc, NULL, NULL, NULL, NULL) != 1
			   || EVP_DigestSign(mc, sig, &siglen, dg, 32) != 1) {
			die("sign");
		}
	}
	printf("sign_us=%.1f\n", (cpu_now() - t0) / n * 1e6);
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(key);
}

/* digest_speed - SHA-256 over a 1 MB buffer in 64 KB updates, n times */

static void
digest_speed(long n)
{
	static unsigned char data[1000000];
	unsigned char md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	size_t  off, len;
	double  t0 = 0;
	long    i;

	memset(data, 'a', sizeof(data));
	for (i = -n / 10 - 1; i < n; i++) {
		if (i == 0)
			t0 = cpu_now();
		if (EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1)
			die("sha256");
		for (off = 0; off < sizeof(data); off += len) {
			len = sizeof(data) - off < 65535 ? sizeof(data) - off : 65535;
			EVP_DigestUpdate(mc, data + off, len);
		}
		EVP_DigestFinal_ex(mc, md, NULL);
	}
	printf("sha256_mb_per_s=%.0f\n", n * (double) sizeof(data) / 1e6 / (cpu_now() - t0));
	EVP_MD_CTX_free(mc);
}

int
main(int argc, char **argv)
{
	const char *file = NULL, *keyfile = NULL;
	pthread_t *tids;
	long    pid = 0, i;
	int     ch, digest = 0;
	double  t0, t1, c0 = 0, c1 = 0;

	while ((ch = getopt(argc, argv, "c:Df:H:n:Np:r:s:S:")) != -1) {
		switch (ch) {
		case 'c': conns = atoi(optarg); break;
		case 'D': digest = 1; break;
		case 'f': file = optarg; break;
		case 'H': hold_file = optarg; break;
		case 'n': total = atol(optarg); break;
		case 'N': nodelay = 1; break;
		case 'p': pid = atol(optarg); break;
		case 'r': per_conn = atoi(optarg); break;
		case 's': sock_spec = optarg; break;
		case 'S': keyfile = optarg; break;
		default:
			fprintf(stderr, "usage: milterload -s socket -f message [-c conns] "
				"[-n msgs] [-r per-conn] [-p pid] [-N] [-H holdfile]\n"
				"       milterload -S keyfile [-n n] | -D [-n n]\n");
			return (2);
		}
	}
	if (keyfile) {
		sign_cost(keyfile, total);
		return (0);
	}
	if (digest) {
		digest_speed(total);
		return (0);
	}
	if (!sock_spec || !file || conns < 1 || per_conn < 1)
		die("need -s socket and -f message");
	if (hold_file && total < conns)
		die("-H needs at least as many messages (-n) as connections (-c)");
	load_message(file);
	tids = calloc(conns, sizeof(*tids));
	if (pid)
		c0 = proc_cpu(pid);
	t0 = now();
	for (i = 0; i < conns; i++)
		pthread_create(&tids[i], NULL, worker, NULL);
	for (i = 0; i < conns; i++)
		pthread_join(tids[i], NULL);
	t1 = now();
	if (pid)
		c1 = proc_cpu(pid);
	printf("messages=%ld unsigned=%ld refused=%ld seconds=%.3f msgs_per_s=%.1f"
	       " signatures=%ld algorithms=%s", done, unsigned_msgs, failed,
	       t1 - t0, done / (t1 - t0), signatures,
	       algorithms[0] ? algorithms : "none");
	if (pid)
		printf(" cpu_us_per_msg=%.1f", (c1 - c0) / done * 1e6);
	printf("\n");
	return (unsigned_msgs || failed ? 1 : 0);
}
