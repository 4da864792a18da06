/*++
/* NAME
/*	keywatch_run 3
/* SUMMARY
/*	the key watch thread of signet-milter
/* SYNOPSIS
/*	#include "keywatch.h"
/*
/*	void	keywatch_start(void);
/*	void	keywatch_stop(void);
/* DESCRIPTION
/*	keywatch_start() starts one thread that, about once a second,
/*	pins the current snapshot and gives its key watch a tick
/*	(keywatch(3)): the DNS lookups and state file writes of key
/*	rotation happen there, never on a message's path. A reload
/*	installs a snapshot with a key watch of its own, checked at
/*	load; the thread follows it at its next tick.
/*
/*	keywatch_stop() asks the thread to end and waits for it (at most
/*	the lookups of one check, each bounded by dns: timeout).
/*	Call it once, after keywatch_start(), at shutdown.
/* DIAGNOSTICS
/*	A thread that cannot be started is fatal.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

/* Utility library. */

#include "log.h"

/* Application-specific. */

#include "keywatch.h"
#include "snapshot.h"

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t run_cond = PTHREAD_COND_INITIALIZER;
static int run_stop;
static int run_started;
static pthread_t run_tid;

/* keywatch_wait - sleep a second, or until asked to stop; 1 to go on */

static int
keywatch_wait(void)
{
	struct timespec until;
	int     go_on;

	(void) clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	(void) pthread_mutex_lock(&run_lock);
	while (!run_stop && pthread_cond_timedwait(&run_cond, &run_lock,
						   &until) != ETIMEDOUT)
		;
	go_on = !run_stop;
	(void) pthread_mutex_unlock(&run_lock);
	return (go_on);
}

/* keywatch_thread - tick the current snapshot's key watch */

static void *
keywatch_thread(void *arg)
{
	struct snapshot *snap;

	while (keywatch_wait()) {
		snap = snapshot_acquire();
		keywatch_tick(snap->watch, time(NULL));
		snap = snapshot_release(snap);
	}
	return (NULL);
}

/* keywatch_start - start the thread, with every signal blocked in it */

void
keywatch_start(void)
{
	sigset_t all, old;
	int     err;

	sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&run_tid, NULL, keywatch_thread, NULL);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		log_fatal("cannot start the key watch thread");
	run_started = 1;
}

/* keywatch_stop - end the thread and wait for it */

void
keywatch_stop(void)
{
	if (!run_started)
		return;
	(void) pthread_mutex_lock(&run_lock);
	run_stop = 1;
	(void) pthread_cond_signal(&run_cond);
	(void) pthread_mutex_unlock(&run_lock);
	(void) pthread_join(run_tid, NULL);
	run_started = 0;
}
