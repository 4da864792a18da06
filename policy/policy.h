#ifndef SIGNET_POLICY_H
#define SIGNET_POLICY_H

/* policy - the validated, immutable configuration */

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "cidr.h"

enum canon {
	CANON_SIMPLE,
	CANON_RELAXED
};

enum dkim_alg {
	ALG_RSA_SHA256,
	ALG_ED25519_SHA256
};

/* What happens to a message on a given condition. */
enum action {
	ACTION_ACCEPT,			/* accept (unsigned where signing failed) */
	ACTION_REJECT,			/* 550 5.7.x */
	ACTION_TEMPFAIL			/* 451 4.7.x */
};

/* Where in the file a setting was written, for diagnostics after load. */
struct policy_pos {
	int     line;
	int     col;
};

struct policy_selector {
	char   *name;			/* DNS selector label */
	enum dkim_alg alg;
	char   *key_path;		/* private key file, PEM */
	struct policy_pos pos;		/* of the selector entry */
	struct policy_pos key_pos;	/* of its key: value */
};

/* A relay authorised to send for a domain: any one criterion suffices. */
/* A DKIM identity a sender signs with (the DMARC cross-check). */
struct policy_dkim_id {
	char   *domain;			/* d=, lower case */
	char   *selector;		/* s=, lower case; NULL: any */
};

struct policy_sender {
	char   *name;			/* "crm", "internal-apps", ... */
	struct cidr *networks;		/* client address in one of these */
	size_t  nnetworks;
	char  **sasl;			/* {auth_authen} patterns (fnmatch) */
	size_t  nsasl;
	char  **client_names;		/* verified client name patterns */
	size_t  nclient_names;
	char  **tls_subjects;		/* {cert_subject} patterns */
	size_t  ntls_subjects;
	char  **tls_issuers;		/* {cert_issuer} patterns */
	size_t  ntls_issuers;
	int     spf;			/* client passes the domain's SPF */
	struct policy_dkim_id *dkim;	/* signs as, when sending directly */
	size_t  ndkim;
	struct policy_pos pos;
};

/* What an unauthorised relay gets (policy/load_senders.c). */
enum auth_mode {
	AUTH_ENFORCE,			/* refused */
	AUTH_MONITOR			/* accepted, logged, counted */
};

struct policy_domain {
	char   *name;			/* lower case, no trailing dot */
	struct policy_selector *selectors;
	size_t  nselectors;
	int     sign_subdomains;	/* sign a.b.example.com with d=example.com */
	struct policy_pos pos;
	struct policy_sender *senders;	/* none: any source may send */
	size_t  nsenders;
	int     include_subdomains;	/* senders cover a.b.example.com */
	enum auth_mode mode;
	int     envelope_check;		/* MAIL FROM domain is checked too */
};

struct policy_signing {
	enum canon header_canon;
	enum canon body_canon;
	char  **headers;		/* lower case, signed when present */
	size_t  nheaders;
	char  **oversign;		/* lower case, signed once more than present */
	size_t  noversign;
	long    expire;			/* x= seconds after t=; 0: no x= */
	long    max_line;		/* longest line signed; 0: any */
};

/* Which mail is ours to sign (the sources that submit outbound mail). */
struct policy_sources {
	int     authenticated;		/* SASL-authenticated clients */
	struct cidr *networks;		/* listed client networks */
	size_t  nnetworks;
	char  **daemons;		/* MTA daemon names ({daemon_name}) */
	size_t  ndaemons;
};

struct policy_actions {
	enum action no_from;		/* no From header */
	enum action bad_from;		/* several From headers or addresses,
					 * or one that cannot be parsed */
	enum action sign_error;		/* a key cannot be used, signing failed */
};

#define POLICY_DNS_TIMEOUT_MS	5000
#define POLICY_KEYS_DIRECTORY	SYSCONFDIR "/signet/keys"
#define POLICY_KEYS_OVERLAP	(7 * 86400L)
#define POLICY_KEYS_CHECK_INTERVAL 3600L

/* The resolver (dns/dns.h): where signet asks, and for how long. */
struct policy_dns {
	char   *nameserver;		/* "IP" or "IP@PORT"; NULL: the servers
					 * of /etc/resolv.conf */
	int     timeout_ms;		/* bound on one lookup (5000) */
};

/* Key management (signet keys, and the daemon's published-key check). */
struct policy_keys {
	char   *directory;		/* DIR/DOMAIN/SELECTOR.key (+ .state) */
	int     require_published;	/* sign only with selectors whose DNS
					 * record matches the private key */
	long    overlap;		/* seconds an old key stays published
					 * after its successor is active */
	long    check_interval;		/* seconds between the daemon's DNS
					 * checks of the keys */
};

#define POLICY_COUNTERS_STORE	"/var/lib/signet/counters.db"
#define POLICY_HOURLY_DAYS	35

/*
 * Counting (counters/store.h): read at start. A reload applies the
 * retention and on_error; the store and synchronous need a restart.
 */
struct policy_counters {
	char   *store;			/* SQLite file or postgresql:// URI;
					 * NULL: nothing is counted */
	int     hourly_days;		/* hours kept, then rolled into days */
	int     daily_days;		/* days kept; 0: forever */
	int     sync_full;		/* SQLite synchronous=FULL */
	enum action on_error;		/* a count cannot be committed */
};

/* What signet check audits (policy/load_check.c); the milter ignores it. */
struct policy_check {
	char  **blocklists;		/* DNS blocklist zones, lower case */
	size_t  nblocklists;
};

/* A receiver that sends DMARC reports, for the cross-check. */
struct policy_dmarc_reporter {
	char   *name;			/* as printed: "Google" */
	char  **orgs;			/* reporters (org_name) of its reports,
					 * lower case */
	size_t  norgs;
	char  **rcpt_domains;		/* the recipient domains it receives
					 * for, lower case */
	size_t  nrcpt_domains;
	char  **mx_suffixes;		/* its MX hosts end in one of these
					 * (signet dmarc report --mx) */
	size_t  nmx_suffixes;
};

#define POLICY_DMARC_WINDOW	(30 * 86400L)
#define POLICY_DMARC_MIN_DAYS	14
#define POLICY_DMARC_MIN_PASS	0.98
#define POLICY_DMARC_MAX_UNKNOWN 0.01

/* The DMARC cross-check (policy/load_dmarc.c); the milter ignores it. */
struct policy_dmarc {
	long    window;			/* default period, seconds */
	int     min_days;		/* policy step: days of reports at the
					 * policy now published */
	double  min_aligned_pass;	/* share of legitimate mail passing */
	double  max_unknown_share;	/* share of it from unknown senders */
	struct policy_dmarc_reporter *reporters;	/* added to or replacing
							 * the built-in ones */
	size_t  nreporters;
};

/* The Prometheus listener: read at start. */
struct policy_metrics {
	char   *listen;			/* ADDRESS:PORT; NULL: none */
};

struct policy {
	char   *path;			/* file it was loaded from */

	/* Daemon settings: read at start; a reload cannot change them. */
	char   *socket;			/* unix:PATH, inet:PORT@ADDR, inet6:... */
	char   *user;			/* drop to this user; NULL: stay */
	char   *group;			/* NULL: the user's primary group */
	char   *pidfile;		/* NULL: none */
	int     syslog_facility;	/* LOG_MAIL by default */
	int     require_safe_keys;	/* refuse keys readable by others */
	char   *chroot;			/* confine to this directory; NULL: none */
	int     socket_mode;		/* of a unix socket (0660) */
	char   *socket_group;		/* of a unix socket; NULL: group */

	struct cidr *egress;		/* the MTAs' addresses to the Internet
					 * (signet check, DMARC cross-check) */
	size_t  negress;

	struct policy_signing signing;
	struct policy_sources sources;
	struct policy_actions actions;
	struct policy_dns dns;
	struct policy_keys keys;
	struct policy_counters counters;
	struct policy_metrics metrics;
	struct policy_check check;
	struct policy_dmarc dmarc;

	struct policy_domain *domains;	/* sorted by name */
	size_t  ndomains;
	enum action unmanaged;		/* From domains not in domains:
					 * ACTION_ACCEPT or ACTION_REJECT */
	int     checks_mail;		/* a domain lists senders and
					 * checks the envelope */
};

extern struct policy *policy_load(const char *, struct diag *);
extern struct policy *policy_free(struct policy *);
extern const struct policy_domain *policy_find_domain(const struct policy *,
				        const char *, const char **);
extern const char *policy_action_name(enum action);
extern const char *policy_alg_name(enum dkim_alg);
extern void policy_senders_free(struct policy_sender *, size_t);

#endif
