/*++
/* NAME
/*	tcpfix 3
/* SUMMARY
/*	no Nagle or delayed-ACK stalls on milter TCP connections
/* SYNOPSIS
/*	Linked into signet-milter; no interface.
/* DESCRIPTION
/*	Over TCP the milter exchange stalls about 40 ms a side per
/*	message: the MTA sends a macro packet, which gets no reply, then
/*	a command; Nagle holds the command until the macro packet is
/*	acknowledged, and the milter's kernel delays that ACK. Measured
/*	through Postfix: 88 ms per message over inet:127.0.0.1 against
/*	4 ms over a unix socket.
/*
/*	libmilter owns the sockets and exposes none, so this module
/*	interposes the three calls it makes on them. accept() marks TCP
/*	connections and turns Nagle off on them; read() re-arms
/*	TCP_QUICKACK after each read on a marked connection (Linux clears
/*	it as it goes); close() unmarks. Other descriptors pass straight
/*	through, at the cost of one array lookup.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <dlfcn.h>
#include <unistd.h>

#include "log.h"

#define TCPFIX_FDS	65536

static volatile unsigned char tcp_fd[TCPFIX_FDS];

static int (*real_accept) (int, struct sockaddr *, socklen_t *);
static ssize_t (*real_read) (int, void *, size_t);
static int (*real_close) (int);

/* resolve - find the C library's own functions */

static void
resolve(void)
{
	if (real_read != NULL)
		return;
	real_accept = (int (*) (int, struct sockaddr *, socklen_t *))
		dlsym(RTLD_NEXT, "accept");
	real_close = (int (*) (int)) dlsym(RTLD_NEXT, "close");
	real_read = (ssize_t (*) (int, void *, size_t)) dlsym(RTLD_NEXT, "read");
	if (real_read == NULL || real_accept == NULL || real_close == NULL)
		log_panic("cannot find accept, read and close in the C library");
}

/* accept - mark TCP connections, turn Nagle off */

int
accept(int lfd, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int     fd, on = 1;

	resolve();
	if ((fd = real_accept(lfd, sa, len)) < 0 || fd >= TCPFIX_FDS)
		return (fd);
	tcp_fd[fd] = 0;
	if (getsockname(fd, (struct sockaddr *) &ss, &sl) == 0
	    && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		tcp_fd[fd] = 1;
	}
	return (fd);
}

/* read - acknowledge at once what was read on a TCP connection */

ssize_t
read(int fd, void *buf, size_t len)
{
	ssize_t n;

#ifdef TCP_QUICKACK
	int     on = 1;

#endif
	resolve();
	n = real_read(fd, buf, len);
#ifdef TCP_QUICKACK
	if (n > 0 && fd >= 0 && fd < TCPFIX_FDS && tcp_fd[fd])
		(void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#endif
	return (n);
}

/* close - forget a connection */

int
close(int fd)
{
	resolve();
	if (fd >= 0 && fd < TCPFIX_FDS)
		tcp_fd[fd] = 0;
	return (real_close(fd));
}
