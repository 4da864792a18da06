#ifndef SIGNET_LOG_H
#define SIGNET_LOG_H

/* log - syslog or stderr logging with fixed meanings per level */

enum log_dest {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG
};

extern void log_open(const char *, enum log_dest, int);
extern void log_set_debug(int);
extern void log_diag(int, const char *);
extern void log_info(const char *,...)
	__attribute__((format(printf, 1, 2)));
extern void log_debug(const char *,...)
	__attribute__((format(printf, 1, 2)));
extern void log_warn(const char *,...)
	__attribute__((format(printf, 1, 2)));
extern void log_error(const char *,...)
	__attribute__((format(printf, 1, 2)));
extern void log_fatal(const char *,...)
	__attribute__((format(printf, 1, 2), noreturn));
extern void log_panic(const char *,...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
