/*++
/* NAME
/*	engine 3
/* SUMMARY
/*	signet-milter's milter engine: sockets and worker threads
/* SYNOPSIS
/*	#include "engine.h"
/*
/*	int	engine_listen(const char *spec);
/*	void	engine_start(const struct eng_callbacks *cb, int workers);
/*	int	engine_drain(int seconds);
/*	void	engine_stop(void);
/*	const char *engine_name(void);
/* DESCRIPTION
/*	engine_listen() opens the listening socket: unix:PATH, local:PATH
/*	or PATH (an existing socket file there is replaced), inet:PORT,
/*	inet:PORT@ADDRESS, inet6:PORT or inet6:PORT@ADDRESS (an address
/*	in brackets or a host name too). It is called before giving up
/*	root.
/*
/*	engine_start() starts a fixed set of worker threads. Each has its
/*	own epoll set (a poll() array where there is no epoll), takes the
/*	connections it accepts itself (the listening socket is in every
/*	set, exclusively where epoll can, so that one idle worker wakes
/*	per connection) and keeps them: every packet is
/*	worked on by the thread that read it, with no hand-off. A
/*	connection is non-blocking; one read takes what the MTA sent,
/*	every complete packet in it runs (engine_proto(3)), and their
/*	replies leave in one write. When a large packet (a body chunk)
/*	is half read, the next read puts its rest straight where the
/*	packet is kept, and what follows into the worker's buffer, so
/*	that body bytes are not copied between the two. TCP connections
/*	get TCP_NODELAY, and TCP_QUICKACK again after each read (Linux
/*	clears it as it goes): the MTA's next command must not wait for
/*	a delayed ACK of its macro packet (through Postfix over TCP, one
/*	message after the other in one session: 5 to 8 ms a message with
/*	the re-arm, 55 to 62 ms without).
/*
/*	A connection is closed when the MTA closes it or says QUIT, on a
/*	protocol error, when a reply cannot be written, when it sends
/*	nothing for ENG_IDLE_TIMEOUT seconds (libmilter's default), and
/*	when a packet or a reply is stuck halfway for ENG_STALL_TIMEOUT.
/*	The callbacks' close runs on every one of these.
/*
/*	engine_drain() stops accepting connections (a unix socket file is
/*	removed), closes those with no message in progress and waits up
/*	to the given seconds for the others to finish their message; it
/*	returns 0 when they did, -1 when some were still in a message.
/*	engine_stop() closes what is left and ends the workers.
/*
/*	A connection whose end of message is suspended (engine_proto(3))
/*	is answered when eng_resume() is called for it, from any thread:
/*	it puts the connection on its worker's list and wakes the worker
/*	through a pipe (one byte per batch, not per message), which runs
/*	the resume callback, sends the answer and goes on with what the
/*	MTA sent meanwhile. Such a connection is not closed before then:
/*	if the MTA closes it, it is freed once resumed; the stall and idle
/*	timeouts skip it.
/*
/*	engine_name() names the engine for the start-up log line.
/* DIAGNOSTICS
/*	engine_listen() returns -2 for a malformed spec, -1 with errno
/*	when the socket cannot be made. Connection problems are logged
/*	with the peer; engine_start() is fatal when threads cannot start.
/* SEE ALSO
/*	engine_proto(3), the protocol of one connection
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#ifdef HAVE_SYS_EPOLL_H
#include <sys/epoll.h>
#else
#include <poll.h>
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_proto.h"
#include "log.h"
#include "xalloc.h"

#define ENG_IDLE_TIMEOUT	7210	/* seconds with no packet */
#define ENG_STALL_TIMEOUT	120	/* seconds with half a packet or reply */
#define ENG_READ_SIZE		(128 * 1024)	/* one read, per worker */
#define ENG_DIRECT_MIN		4096	/* packet rests read in place */
#define ENG_EVENTS		64
#define ENG_WORKERS_MAX		256

#ifndef CLOCK_MONOTONIC_COARSE
#define CLOCK_MONOTONIC_COARSE	CLOCK_MONOTONIC
#endif

struct econn {
	struct eng_ctx ctx;			/* first: eng_resume() finds c */
	struct worker *w;			/* the thread it belongs to */
	int     rc;				/* of eng_resume() */
	int     gone;			/* closed while suspended */
	struct econn *rnext;		/* in w->resumed */
	int     fd;
	int     tcp;			/* re-arm TCP_QUICKACK */
	int     writing;		/* waiting to write the rest */
	size_t  sent;			/* of ctx.out */
	time_t  last;			/* last progress */
	struct econn *prev;
	struct econn *next;
	char    peer[INET6_ADDRSTRLEN + 8];
};

struct worker {
	pthread_t tid;
#ifdef HAVE_SYS_EPOLL_H
	int     epfd;
#else
	struct pollfd *pfd;		/* the poll() set */
	void  **ptr;			/* what each entry is for */
	int     npfd;
	int     maxpfd;
#endif
	int     listening;		/* the listening socket is in the set */
	time_t  relisten;		/* after running out of descriptors */
	struct econn *conns;
	char   *rbuf;			/* ENG_READ_SIZE + 1 */
	time_t  swept;
	pthread_mutex_t rlock;		/* resumed, from other threads */
	struct econn *resumed;
	int     rpipe[2];		/* a byte when resumed fills */
};

struct ready {				/* one event from ev_wait() */
	void   *ptr;
	int     in;			/* readable, or closed, or an error */
	int     out;			/* writable, or closed, or an error */
};

#define EV_IN	1
#define EV_OUT	2

static const struct eng_callbacks *callbacks;
static struct worker *workers;
static int nworkers;
static int listen_fd = -1;
static char *listen_path;		/* unix socket file to remove */
static volatile int draining;
static volatile int stopping;
static int detached;			/* workers that let go of listen_fd */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int nconns;
static char listen_mark;		/* event data of the listening socket */

/* engine_name - which engine this is */

const char *
engine_name(void)
{
	return ("signet");
}

/* now - seconds on the monotonic clock */

static time_t
now(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (ts.tv_sec);
}

#ifdef HAVE_SYS_EPOLL_H

/* ev_init - a worker's empty event set */

static void
ev_init(struct worker *w)
{
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %m");
}

/* ev_set - watch fd for EV_IN or EV_OUT (op: EPOLL_CTL_ADD or _MOD) */

static int
ev_set(struct worker *w, int op, int fd, void *ptr, int what, int excl)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = what == EV_OUT ? EPOLLOUT : EPOLLIN;
#ifdef EPOLLEXCLUSIVE
	if (excl)
		ev.events |= EPOLLEXCLUSIVE;
#endif
	ev.data.ptr = ptr;
	return (epoll_ctl(w->epfd, op, fd, &ev));
}

#define ev_add(w, fd, ptr, what, excl)	ev_set(w, EPOLL_CTL_ADD, fd, ptr, what, excl)
#define ev_mod(w, fd, ptr, what)	(void) ev_set(w, EPOLL_CTL_MOD, fd, ptr, what, 0)

/* ev_del - stop watching fd */

static void
ev_del(struct worker *w, int fd)
{
	(void) epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* ev_wait - ready descriptors, up to ENG_EVENTS, waiting at most ms */

static int
ev_wait(struct worker *w, struct ready *r, int ms)
{
	struct epoll_event ev[ENG_EVENTS];
	int     i, n;

	if ((n = epoll_wait(w->epfd, ev, ENG_EVENTS, ms)) < 0) {
		if (errno != EINTR)
			log_fatal("epoll_wait: %m");
		return (0);
	}
	for (i = 0; i < n; i++) {
		r[i].ptr = ev[i].data.ptr;
		r[i].in = (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
		r[i].out = (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0;
	}
	return (n);
}

/* ev_free - the event set is done */

static void
ev_free(struct worker *w)
{
	(void) close(w->epfd);
}

#else					/* no epoll: poll() */

/* ev_init - a worker's empty event set */

static void
ev_init(struct worker *w)
{
	w->npfd = 0;
}

/* ev_find - the entry of fd, or -1 */

static int
ev_find(struct worker *w, int fd)
{
	int     i;

	for (i = 0; i < w->npfd; i++)
		if (w->pfd[i].fd == fd)
			return (i);
	return (-1);
}

/* ev_add - watch fd for EV_IN or EV_OUT */

static int
ev_add(struct worker *w, int fd, void *ptr, int what, int excl)
{
	if (w->npfd == w->maxpfd) {
		w->maxpfd = w->maxpfd ? 2 * w->maxpfd : 64;
		w->pfd = xreallocarray(w->pfd, (size_t) w->maxpfd, sizeof(*w->pfd));
		w->ptr = xreallocarray(w->ptr, (size_t) w->maxpfd, sizeof(*w->ptr));
	}
	w->pfd[w->npfd].fd = fd;
	w->pfd[w->npfd].events = what == EV_OUT ? POLLOUT : POLLIN;
	w->pfd[w->npfd].revents = 0;
	w->ptr[w->npfd++] = ptr;
	return (0);
}

/* ev_mod - watch fd for the other direction */

static void
ev_mod(struct worker *w, int fd, void *ptr, int what)
{
	int     i;

	if ((i = ev_find(w, fd)) >= 0)
		w->pfd[i].events = what == EV_OUT ? POLLOUT : POLLIN;
}

/* ev_del - stop watching fd */

static void
ev_del(struct worker *w, int fd)
{
	int     i;

	if ((i = ev_find(w, fd)) >= 0) {
		w->npfd--;
		w->pfd[i] = w->pfd[w->npfd];
		w->ptr[i] = w->ptr[w->npfd];
	}
}

/* ev_wait - ready descriptors, up to ENG_EVENTS, waiting at most ms */

static int
ev_wait(struct worker *w, struct ready *r, int ms)
{
	int     i, n = 0;

	if (poll(w->pfd, (nfds_t) w->npfd, ms) < 0) {
		if (errno != EINTR)
			log_fatal("poll: %m");
		return (0);
	}
	for (i = 0; i < w->npfd && n < ENG_EVENTS; i++) {
		if (w->pfd[i].revents == 0)
			continue;
		r[n].ptr = w->ptr[i];
		r[n].in = (w->pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
		r[n].out = (w->pfd[i].revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
		n++;
	}
	return (n);
}

/* ev_free - the event set is done */

static void
ev_free(struct worker *w)
{
	free(w->pfd);
	free(w->ptr);
}

#endif

/* listen_unix - a unix-domain socket at path */

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int     fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return (-1);
		}
		(void) unlink(path);		/* left by an earlier run */
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
		(void) close(fd);
		return (-1);
	}
	listen_path = xstrdup(path);
	return (fd);
}

/* listen_inet - a TCP socket on port@address */

static int
listen_inet(const char *spec, int family)
{
	struct addrinfo hints, *res, *ai;
	char   *port = xstrdup(spec), *host, *end;
	int     fd = -1, on = 1, err, saved = 0;

	if ((host = strchr(port, '@')) != NULL) {
		*host++ = 0;
		if (*host == '[' && (end = strchr(host, ']')) != NULL) {
			*end = 0;
			host++;
		}
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0) {
		free(port);
		errno = err == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return (-1);
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
				 ai->ai_protocol)) < 0) {
			saved = errno;
			continue;
		}
		(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			saved = errno;
			(void) close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	free(port);
	if (fd < 0)
		errno = saved;
	return (fd);
}

/* spec_port_ok - PORT or PORT@ADDRESS */

static int
spec_port_ok(const char *s)
{
	long    port = 0;

	for (; *s >= '0' && *s <= '9' && port <= 65535; s++)
		port = port * 10 + (*s - '0');
	return (port >= 1 && port <= 65535 && (*s == 0 || (*s == '@' && s[1])));
}

/* engine_listen - open the listening socket of a spec */

int
engine_listen(const char *spec)
{
	int     fd;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0
	    || *spec == '/') {
		spec = *spec == '/' ? spec : strchr(spec, ':') + 1;
		if (*spec != '/')
			return (-2);
		fd = listen_unix(spec);
	} else if (strncmp(spec, "inet:", 5) == 0 && spec_port_ok(spec + 5)) {
		fd = listen_inet(spec + 5, AF_INET);
	} else if (strncmp(spec, "inet6:", 6) == 0 && spec_port_ok(spec + 6)) {
		fd = listen_inet(spec + 6, AF_INET6);
	} else {
		return (-2);
	}
	if (fd < 0)
		return (-1);
	if (listen(fd, SOMAXCONN) < 0
	    || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		(void) close(fd);
		return (-1);
	}
	listen_fd = fd;
	return (0);
}

/* conn_count - connections open, changed by delta */

static int
conn_count(int delta)
{
	int     n;

	(void) pthread_mutex_lock(&count_lock);
	n = nconns += delta;
	(void) pthread_mutex_unlock(&count_lock);
	return (n);
}

/* conn_close - close a connection; the callbacks hear of it */

static void
conn_close(struct worker *w, struct econn *c)
{
	if (c->fd >= 0) {
		ev_del(w, c->fd);
		(void) close(c->fd);
		c->fd = -1;
	}
	if (c->ctx.suspended) {		/* eng_resume() will come: wait */
		c->gone = 1;
		return;
	}
	eng_ctx_done(&c->ctx);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	(void) conn_count(-1);
}

/* conn_accept - take one connection, if another worker did not */

static void
conn_accept(struct worker *w)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct econn *c;
	char    addr[INET6_ADDRSTRLEN];
	int     fd, on = 1, port;

	if (draining)
		return;
	if ((fd = accept4(listen_fd, (struct sockaddr *) &ss, &len,
			  SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
		    || errno == ECONNABORTED)
			return;
		log_warn("cannot accept a milter connection: %m; this worker "
			 "accepts none for a second (too many open files? see "
			 "ulimit -n)");
		ev_del(w, listen_fd);		/* do not spin on it */
		w->listening = 0;
		w->relisten = now() + 1;
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->w = w;
	c->last = now();
	strcpy(c->peer, "unix socket");
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		c->tcp = 1;
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
#ifdef TCP_QUICKACK
		(void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#endif
		if (ss.ss_family == AF_INET) {
			(void) inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr,
					 addr, sizeof(addr));
			port = ntohs(((struct sockaddr_in *) &ss)->sin_port);
		} else {
			(void) inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr,
					 addr, sizeof(addr));
			port = ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
		}
		(void) snprintf(c->peer, sizeof(c->peer), "%s:%d", addr, port);
	}
	eng_ctx_init(&c->ctx, callbacks, c->peer);
	if (ev_add(w, fd, c, EV_IN, 0) < 0) {
		log_warn("cannot watch a milter connection: %m");
		(void) close(fd);
		free(c);
		return;
	}
	if ((c->next = w->conns) != NULL)
		c->next->prev = c;
	w->conns = c;
	(void) conn_count(1);
}

/* conn_watch - wait for the socket to read or to write */

static void
conn_watch(struct worker *w, struct econn *c, int writing)
{
	c->writing = writing;
	ev_mod(w, c->fd, c, writing ? EV_OUT : EV_IN);
}

/* conn_flush - write the replies; -1 if the MTA is gone */

static int
conn_flush(struct worker *w, struct econn *c)
{
	struct buf *out = &c->ctx.out;
	ssize_t n;

	while (c->sent < out->len) {
		n = send(c->fd, out->data + c->sent, out->len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->writing)
				conn_watch(w, c, 1);
			return (0);
		}
		if (n < 0) {
			log_warn("milter connection from %s: cannot write a reply: "
				 "%m; closing it", c->peer);
			return (-1);
		}
		c->sent += (size_t) n;
		c->last = now();
	}
	if (out->cap > 65536)
		buf_free(out);
	else
		buf_reset(out);
	c->sent = 0;
	if (c->writing)
		conn_watch(w, c, 0);
	return (0);
}

/* conn_read - one read, its packets, their replies; -1: close it */

static int
conn_read(struct worker *w, struct econn *c)
{
	struct iovec iov[2];
	ssize_t n;
	size_t  rest;
	char   *at;
	int     ret, on = 1;

	/* The rest of a large packet goes where it is kept, uncopied. */
	if ((rest = eng_ctx_rest(&c->ctx, &at)) >= ENG_DIRECT_MIN) {
		iov[0].iov_base = at;
		iov[0].iov_len = rest;
		iov[1].iov_base = w->rbuf;
		iov[1].iov_len = ENG_READ_SIZE;
		n = readv(c->fd, iov, 2);
	} else {
		rest = 0;
		n = read(c->fd, w->rbuf, ENG_READ_SIZE);
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return (0);
	if (n < 0) {
		log_warn("milter connection from %s: read error: %m; closing it",
			 c->peer);
		return (-1);
	}
	if (n == 0) {
		if (eng_ctx_busy(&c->ctx))
			log_warn("milter connection from %s: the MTA closed the "
				 "connection in the middle of a %s", c->peer,
				 c->ctx.in.len > 0 ? "packet" : "message");
		return (-1);
	}
#ifdef TCP_QUICKACK
	if (c->tcp)
		(void) setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#endif
	c->last = now();
	if (rest == 0)
		ret = eng_ctx_input(&c->ctx, w->rbuf, (size_t) n);
	else if ((ret = eng_ctx_filled(&c->ctx, (size_t) n < rest ? (size_t) n : rest))
		 == ENG_IN_MORE && (size_t) n > rest)
		ret = eng_ctx_input(&c->ctx, w->rbuf, (size_t) n - rest);
	if (conn_flush(w, c) < 0 || ret != ENG_IN_MORE)
		return (-1);
	return (0);
}

/* conn_event - a connection is ready */

static void
conn_event(struct worker *w, struct econn *c, const struct ready *r)
{
	int     bad = 0;

	if (c->writing) {
		if (r->out)
			bad = conn_flush(w, c) < 0;
	} else if (r->in) {
		bad = conn_read(w, c) < 0;
	}
	if (!bad && draining && !c->writing && !eng_ctx_busy(&c->ctx))
		bad = 1;			/* its message is done */
	if (bad)
		conn_close(w, c);
}

/* sweep - close connections that stalled, idle ones when draining */

static void
sweep(struct worker *w, time_t t)
{
	struct econn *c, *next;
	int     busy;

	if (draining && (w->listening || w->relisten)) {
		if (w->listening)
			ev_del(w, listen_fd);
		w->listening = 0;
		w->relisten = 0;
		(void) pthread_mutex_lock(&count_lock);
		detached++;
		(void) pthread_mutex_unlock(&count_lock);
	} else if (!draining && w->relisten && t >= w->relisten) {
		w->relisten = 0;
		if (ev_add(w, listen_fd, &listen_mark, EV_IN, 1) == 0)
			w->listening = 1;
	}
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		busy = c->writing || eng_ctx_busy(&c->ctx);
		if (c->ctx.suspended) {
			continue;		/* the store answers in time */
		} else if (draining && !busy) {
			conn_close(w, c);
		} else if (t - c->last > (c->writing || c->ctx.in.len > 0 ?
				    ENG_STALL_TIMEOUT : ENG_IDLE_TIMEOUT)) {
			log_warn("milter connection from %s: no progress for %ld "
				 "seconds; closing it", c->peer, (long) (t - c->last));
			conn_close(w, c);
		}
	}
	w->swept = t;
}

/* eng_resume - a suspended end of message may answer now; any thread */

void
eng_resume(struct eng_ctx *ctx, int rc)
{
	struct econn *c = (struct econn *) ctx;
	struct worker *w = c->w;
	int     wake;
	ssize_t n;

	(void) pthread_mutex_lock(&w->rlock);
	c->rc = rc;
	wake = w->resumed == NULL;
	c->rnext = w->resumed;
	w->resumed = c;
	(void) pthread_mutex_unlock(&w->rlock);
	if (wake)
		do {
			n = write(w->rpipe[1], "r", 1);
		} while (n < 0 && errno == EINTR);
}

/* conn_resumed - answer the suspended messages that may answer now */

static void
conn_resumed(struct worker *w)
{
	struct econn *c, *next;
	char    drain[64];
	int     ret;

	while (read(w->rpipe[0], drain, sizeof(drain)) > 0)
		 /* void */ ;
	(void) pthread_mutex_lock(&w->rlock);
	c = w->resumed;
	w->resumed = NULL;
	(void) pthread_mutex_unlock(&w->rlock);
	for (; c != NULL; c = next) {
		next = c->rnext;
		ret = eng_ctx_resume(&c->ctx, c->rc);
		if (c->gone || conn_flush(w, c) < 0 || ret != ENG_IN_MORE
		    || (draining && !c->writing && !eng_ctx_busy(&c->ctx)))
			conn_close(w, c);
	}
}

/* worker_main - one worker's event loop */

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct ready r[ENG_EVENTS];
	struct econn *c, *next;
	time_t  t;
	int     i, n, dropped = 0;

	while (!stopping) {
		n = ev_wait(w, r, draining ? 100 : 1000);
		for (i = 0; i < n; i++) {
			if (r[i].ptr == &listen_mark)
				conn_accept(w);
			else if (r[i].ptr == w->rpipe)
				conn_resumed(w);
			else
				conn_event(w, r[i].ptr, &r[i]);
		}
		if ((t = now()) != w->swept || draining)
			sweep(w, t);
	}
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		dropped += eng_ctx_busy(&c->ctx);
		conn_close(w, c);		/* a suspended one stays */
	}
	if (dropped > 0)
		log_warn("closed %d milter connections with a message in progress",
			 dropped);
	return (NULL);
}

/* engine_start - the workers, each watching the listening socket */

void
engine_start(const struct eng_callbacks *cb, int n)
{
	struct worker *w;
	int     i;

	if (listen_fd < 0)
		log_panic("engine_start: no listening socket");
	callbacks = cb;
	nworkers = n < 1 ? 1 : n > ENG_WORKERS_MAX ? ENG_WORKERS_MAX : n;
	workers = xcalloc((size_t) nworkers, sizeof(*workers));
	for (i = 0; i < nworkers; i++) {
		w = &workers[i];
		w->rbuf = xmalloc(ENG_READ_SIZE + 1);
		ev_init(w);
		(void) pthread_mutex_init(&w->rlock, NULL);
		if (pipe(w->rpipe) < 0
		    || fcntl(w->rpipe[0], F_SETFL, O_NONBLOCK) < 0
		    || fcntl(w->rpipe[1], F_SETFL, O_NONBLOCK) < 0
		    || fcntl(w->rpipe[0], F_SETFD, FD_CLOEXEC) < 0
		    || fcntl(w->rpipe[1], F_SETFD, FD_CLOEXEC) < 0
		    || ev_add(w, w->rpipe[0], w->rpipe, EV_IN, 0) < 0)
			log_fatal("cannot make a worker's wake-up pipe: %m");
		if (ev_add(w, listen_fd, &listen_mark, EV_IN, 1) < 0)
			log_fatal("cannot watch the listening socket: %m");
		w->listening = 1;
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0)
			log_fatal("cannot start milter worker thread %d of %d",
				  i + 1, nworkers);
	}
}

/* engine_drain - stop accepting; let messages in progress finish */

int
engine_drain(int seconds)
{
	int     n, waited, all;

	draining = 1;
	for (waited = 0; waited < 50; waited++) {	/* workers let go of it */
		(void) pthread_mutex_lock(&count_lock);
		all = detached == nworkers;
		(void) pthread_mutex_unlock(&count_lock);
		if (all)
			break;
		(void) usleep(20000);
	}
	if (listen_fd >= 0)
		(void) close(listen_fd);
	listen_fd = -1;
	if (listen_path != NULL)
		(void) unlink(listen_path);
	for (waited = 0; (n = conn_count(0)) > 0; waited++) {
		if (waited == seconds * 10) {
			log_warn("exiting with %d milter connections still in a "
				 "message", n);
			return (-1);
		}
		(void) usleep(100000);
	}
	return (0);
}

/* engine_stop - close what is left, end the workers */

void
engine_stop(void)
{
	int     i, waiting = 0;
	struct econn *c;

	stopping = 1;
	for (i = 0; i < nworkers; i++) {
		(void) pthread_join(workers[i].tid, NULL);
		for (c = workers[i].conns; c != NULL; c = c->next)
			waiting++;
	}
	if (waiting > 0) {			/* eng_resume() may still come */
		log_warn("%d messages still wait for their count at exit; "
			 "the MTA tempfails them", waiting);
		return;
	}
	for (i = 0; i < nworkers; i++) {
		ev_free(&workers[i]);
		free(workers[i].rbuf);
		(void) close(workers[i].rpipe[0]);
		(void) close(workers[i].rpipe[1]);
		(void) pthread_mutex_destroy(&workers[i].rlock);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	free(listen_path);
	listen_path = NULL;
}
