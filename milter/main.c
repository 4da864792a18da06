/*++
/* NAME
/*	signet-milter 8
/* SUMMARY
/*	DKIM-signing milter
/* SYNOPSIS
/*	signet-milter [-c config] [-p socket] [-w workers] [-f] [-d] [-t] [-V]
/* DESCRIPTION
/*	signet-milter signs outbound mail for the domains of its policy
/*	with their RSA and Ed25519 keys. The MTA hands it every message
/*	(Postfix smtpd_milters and non_smtpd_milters, Sendmail
/*	INPUT_MAIL_FILTER).
/*
/*	At start it reads the policy and decodes every key, binds the
/*	socket (unix sockets: socket_mode, socket_group), enters the
/*	policy's chroot if it has one, and then gives up root for the
/*	configured user (privs(3)). It never reads a key or the policy on
/*	the per-message path.
/*
/*	Options:
/*	-c config  the policy file (default /etc/signet/signet.yaml)
/*	-p socket  listen here instead of the policy's socket
/*	-w workers the number of worker threads (default: one per CPU,
/*	           at least 2); each serves its connections in turn, so
/*	           more help where signing waits (a remote counters
/*	           database, SPF lookups)
/*	-f         stay in the foreground and log to standard error
/*	-d         log debug lines too
/*	-t         check the policy and the keys, then exit
/*	-V         print the version and exit
/* SIGNALS
/*	SIGUSR1 reloads the policy and keys as one snapshot. A new policy
/*	that does not load is refused with the reason logged, and the old
/*	one keeps running. Messages in progress finish on the snapshot
/*	they started with.
/*	A reload applies the counters' retention and on_error and moves
/*	the metrics listener; a changed counters store or synchronous
/*	mode is logged as needing a restart, and the store in use stays.
/*	In a chroot, a reload reads the policy and keys at the same paths
/*	inside it, and is refused, with the reason logged, when the
/*	policy file is not there.
/*
/*	SIGTERM, SIGINT and SIGHUP stop accepting connections, let
/*	messages in progress finish (up to 30 seconds), and exit.
/* KEYS
/*	A key watch thread checks the keys' states and, where needed,
/*	their DNS records every keys: check_interval, and switches
/*	signing to a new key once its record is published (keywatch(3)).
/* DIAGNOSTICS
/*	Exit status 1 with file:line:column errors on a bad policy or key;
/*	one log line per message (see callbacks(3)).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "canon.h"
#include "count.h"
#include "engine.h"
#include "keywatch.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "milter.h"
#include "privs.h"
#include "snapshot.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"
#define DRAIN_SECONDS	30

static const char *config_path = DEFAULT_CONFIG;

/* usage - say how to run */

static void
usage(void)
{
	fprintf(stderr, "usage: signet-milter [-c config] [-p socket] "
		"[-w workers] [-f] [-d] [-t] [-V]\n");
	exit(2);
}

/* load - read policy and keys, printing every problem */

static struct snapshot *
load(void)
{
	struct diag d = DIAG_INIT;
	struct snapshot *snap;
	char   *line, *save = NULL;

	snap = snapshot_load(config_path, &d);
	if (d.text.data != NULL) {
		for (line = strtok_r(d.text.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			log_diag(snap == NULL, line);
		}
	}
	diag_free(&d);
	return (snap);
}

/* socket_path - the file of a unix: or local: socket, or NULL */

static const char *
socket_path(const char *conn)
{
	if (strncmp(conn, "unix:", 5) == 0)
		return (conn + 5);
	if (strncmp(conn, "local:", 6) == 0)
		return (conn + 6);
	if (*conn == '/')
		return (conn);
	return (NULL);
}

/* open_socket - bind the listening socket before giving up root */

static void
open_socket(const char *conn, const struct policy *p, uid_t uid, gid_t gid)
{
	const char *path = socket_path(conn);
	mode_t  old;
	int     ret;

	old = umask(007);		/* the MTA's group may connect */
	ret = engine_listen(conn);
	(void) umask(old);
	if (ret == -2)
		log_fatal("bad socket \"%s\": use unix:PATH, inet:PORT@ADDRESS "
			  "or inet6:PORT@ADDRESS", conn);
	if (ret < 0)
		log_fatal("cannot listen on %s: %m; check the path or address, "
			  "and that no other process uses it", conn);
	if (path != NULL)
		privs_socket(path, p, uid, gid);
}

/* write_pidfile - record our process id */

static void
write_pidfile(const char *path)
{
	FILE   *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "w")) == NULL)
		log_fatal("cannot write pid file %s: %m", path);
	fprintf(fp, "%ld\n", (long) getpid());
	if (fclose(fp) != 0)
		log_fatal("cannot write pid file %s: %m", path);
}

/* daemonize - detach from the terminal */

static void
daemonize(void)
{
	int     fd;

	switch (fork()) {
	case -1:
		log_fatal("fork: %m");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() < 0)
		log_fatal("setsid: %m");
	if (chdir("/") < 0)
		log_fatal("chdir /: %m");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void) dup2(fd, 0);
		(void) dup2(fd, 1);
		(void) dup2(fd, 2);
		if (fd > 2)
			(void) close(fd);
	}
}

/* reload_thread - wait for SIGUSR1, load and swap the snapshot */

static void *
reload_thread(void *arg)
{
	sigset_t *set = arg;
	struct snapshot *snap;
	int     sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		log_info("reloading %s", config_path);
		if (!privs_reload_ok(config_path)) {
			metrics_reload(0);
			continue;
		}
		if ((snap = load()) == NULL) {
			log_error("reload refused: %s has errors (above); the "
				  "previous policy stays in force", config_path);
			metrics_reload(0);
			continue;
		}
		count_reload(snap->policy);
		metrics_http_reload(snap->policy->metrics.listen);
		snapshot_install(snap);
		metrics_reload(1);
		log_info("reloaded %s: policy generation %lu", config_path,
			 snap->generation);
	}
	return (NULL);
}

/* start_reloader - SIGUSR1 goes to one thread, blocked in all others */

static void
start_reloader(void)
{
	static sigset_t set;
	sigset_t all, old;
	pthread_t tid;
	int     err;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigfillset(&all);
	/*
	 * The reload thread blocks every signal: SIGTERM, SIGINT and SIGHUP
	 * are for the main thread's sigwait().
	 */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0
	    || pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		log_fatal("cannot block signals for the reload thread");
	err = pthread_create(&tid, NULL, reload_thread, &set);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		log_fatal("cannot start the reload thread");
	(void) pthread_detach(tid);
}

/* block_signals - signals wait for sigwait(), blocked in every thread */

static void
block_signals(sigset_t *set)
{
	sigset_t reload;

	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigemptyset(&reload);			/* for the reload thread */
	sigaddset(&reload, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0
	    || pthread_sigmask(SIG_BLOCK, &reload, NULL) != 0)
		log_fatal("cannot block signals");
	(void) signal(SIGPIPE, SIG_IGN);
}

/* wait_stop - until SIGTERM, SIGINT or SIGHUP */

static void
wait_stop(sigset_t *set)
{
	int     sig;

	while (sigwait(set, &sig) != 0)
		continue;
	log_info("signal %d: stopping; messages in progress may finish "
		 "(up to %d seconds)", sig, DRAIN_SECONDS);
}

/* default_workers - one worker thread per CPU, at least two */

static int
default_workers(void)
{
	long    n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n < 2 ? 2 : n > 64 ? 64 : (int) n);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	struct snapshot *snap;
	sigset_t stop;
	const struct policy *p;
	int     ch, foreground = 0, test_only = 0, nworkers = 0, drained;
	uid_t   uid;
	gid_t   gid;

	while ((ch = getopt(argc, argv, "c:dfp:tVw:")) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'd': log_set_debug(1); break;
		case 'f': foreground = 1; break;
		case 'p': sock = optarg; break;
		case 't': test_only = 1; break;
		case 'V': printf("signet-milter %s\n", PACKAGE_VERSION); return (0);
		case 'w': if ((nworkers = atoi(optarg)) < 1 || nworkers > 256)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	block_signals(&stop);
	log_open("signet-milter", LOG_TO_STDERR, 0);
	if (canon_init() < 0)
		log_fatal("OpenSSL provides no SHA-256: check the OpenSSL installation");

	if ((snap = load()) == NULL)
		log_fatal("%s has errors (above); signet-milter does not start",
			  config_path);
	p = snap->policy;
	uid = geteuid();
	gid = getegid();
	if (p->user != NULL)
		privs_user(p, &uid, &gid);
	if (test_only) {
		printf("%s: ok\n", config_path);
		snap = snapshot_release(snap);
		return (0);
	}
	snapshot_install(snap);
	if (!foreground)
		log_open("signet-milter", LOG_TO_SYSLOG, p->syslog_facility);
	else
		log_open("signet-milter", LOG_TO_STDERR, 0);

	open_socket(sock ? sock : p->socket, p, uid, gid);
	if (!foreground)
		daemonize();
	write_pidfile(p->pidfile);
	privs_enter(p, config_path, uid, gid);
	count_open(p, sock ? sock : p->socket);
	metrics_http_start(p->metrics.listen);
	start_reloader();
	keywatch_start();

	if (nworkers == 0)
		nworkers = default_workers();
	engine_start(&milter_callbacks, nworkers);
	log_info("started: policy %s, %zu domains, listening on %s, "
		 "%d workers", config_path, p->ndomains, sock ? sock : p->socket,
		 nworkers);
	wait_stop(&stop);
	drained = engine_drain(DRAIN_SECONDS) == 0;
	engine_stop();
	keywatch_stop();
	metrics_http_stop();
	count_close(drained);
	log_info("stopped");
	return (0);
}
