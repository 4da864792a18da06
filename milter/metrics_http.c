/*++
/* NAME
/*	metrics_http 3
/* SUMMARY
/*	signet-milter's Prometheus listener
/* SYNOPSIS
/*	#include "metrics_http.h"
/*
/*	void	metrics_http_start(const char *listen)
/*
/*	void	metrics_http_stop(void)
/*
/*	void	metrics_http_reload(const char *listen)
/* DESCRIPTION
/*	metrics_http_start() serves GET /metrics on \fIlisten\fR
/*	(ADDRESS:PORT, IPv6 in brackets) from a thread of libmicrohttpd's
/*	own, with every signal blocked; NULL starts nothing. Other paths
/*	get 404, other methods 405.
/*
/*	metrics_http_stop() stops the listener.
/*
/*	metrics_http_reload() moves the listener to the address of a
/*	reloaded policy, when it changed: it binds the new address, and
/*	only then closes the old one (when both need the same port, it
/*	closes first, and binds the old address again if the new one
/*	cannot be had). NULL closes the listener.
/* DIAGNOSTICS
/*	metrics_http_start(): fatal when the address cannot be parsed or
/*	bound. metrics_http_reload() logs an error naming the address it
/*	could not bind (a port below 1024 needs root, which signet-milter
/*	gave up at start) and which listener stays.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */

#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* Application-specific. */

#include "metrics.h"
#include "metrics_http.h"

static struct MHD_Daemon *daemon_h;
static char *daemon_listen;		/* its address */

/* reply - send a response with a body */

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int code, const char *type,
      struct buf *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t  len = body->len;

	r = MHD_create_response_from_buffer(len, buf_steal(body),
					    MHD_RESPMEM_MUST_FREE);
	(void) MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return (ret);
}

/* handle - one request */

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
       const char *method, const char *version, const char *data,
       size_t *size, void **state)
{
	struct buf body = BUF_INIT;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		buf_puts(&body, "only GET\n");
		return (reply(conn, 405, "text/plain", &body));
	}
	if (strcmp(url, "/metrics") != 0) {
		buf_puts(&body, "signet-milter serves /metrics\n");
		return (reply(conn, 404, "text/plain", &body));
	}
	metrics_render(&body);
	return (reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", &body));
}

/* parse_listen - ADDRESS:PORT into a socket address */

static socklen_t
parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;
	const char *colon = strrchr(listen, ':');
	char   *host;
	int     port, ok;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || (port = atoi(colon + 1)) < 1 || port > 65535)
		return (0);
	if (*listen == '[') {
		host = xstrndup(listen + 1, (size_t) (colon - listen - 2));
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short) port);
		ok = inet_pton(AF_INET6, host, &in6->sin6_addr) == 1;
		free(host);
		return (ok ? sizeof(*in6) : 0);
	}
	host = xstrndup(listen, (size_t) (colon - listen));
	in4->sin_family = AF_INET;
	in4->sin_port = htons((unsigned short) port);
	ok = inet_pton(AF_INET, host, &in4->sin_addr) == 1;
	free(host);
	return (ok ? sizeof(*in4) : 0);
}

/* listener_open - a listener on an address; NULL if it cannot be had */

static struct MHD_Daemon *
listener_open(const char *listen)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_Daemon *h;
	sigset_t all, old;

	if (parse_listen(listen, &ss) == 0)
		return (NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	(void) sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	h = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &ss,
			     MHD_OPTION_CONNECTION_LIMIT, 64U,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10U,
			     MHD_OPTION_END);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (h);
}

/* metrics_http_start - listen for scrapes */

void
metrics_http_start(const char *listen)
{
	struct sockaddr_storage ss;

	if (listen == NULL)
		return;
	if (parse_listen(listen, &ss) == 0)
		log_fatal("metrics: listen \"%s\" is not ADDRESS:PORT", listen);
	if ((daemon_h = listener_open(listen)) == NULL)
		log_fatal("metrics: cannot listen on %s: check that the address "
			  "is local and no other process uses the port", listen);
	daemon_listen = xstrdup(listen);
	log_info("metrics: serving http://%s/metrics", listen);
}

/* metrics_http_stop - stop listening */

void
metrics_http_stop(void)
{
	if (daemon_h != NULL)
		MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
	free(daemon_listen);
	daemon_listen = NULL;
}

/* metrics_http_reload - follow a reloaded policy's listen address */

void
metrics_http_reload(const char *listen)
{
	struct MHD_Daemon *h;
	char   *old = daemon_listen ? xstrdup(daemon_listen) : NULL;

	if ((listen == NULL && old == NULL)
	    || (listen != NULL && old != NULL && strcmp(listen, old) == 0)) {
		free(old);
		return;
	}
	if (listen == NULL) {
		metrics_http_stop();
		log_info("metrics: stopped serving http://%s/metrics: the "
			 "reloaded policy has no metrics listener", old);
		free(old);
		return;
	}
	if ((h = listener_open(listen)) == NULL && old != NULL) {
		metrics_http_stop();		/* the same port: free it first */
		h = listener_open(listen);
	}
	if (h != NULL) {
		metrics_http_stop();
		daemon_h = h;
		daemon_listen = xstrdup(listen);
		log_info("metrics: serving http://%s/metrics%s%s", listen,
			 old ? " instead of " : "", old ? old : "");
	} else {
		if (old != NULL && (daemon_h = listener_open(old)) != NULL)
			daemon_listen = xstrdup(old);
		log_error("metrics: cannot listen on %s, as the reloaded policy "
			  "says: the address is not local, another process uses "
			  "the port, or the port is below 1024 (it needs root, "
			  "which signet-milter gave up at start); %s%s", listen,
			  daemon_h ? "still serving on " : "no metrics listener "
			  "until it restarts", daemon_h ? old : "");
	}
	free(old);
}
