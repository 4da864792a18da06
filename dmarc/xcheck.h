#ifndef SIGNET_DMARC_XCHECK_H
#define SIGNET_DMARC_XCHECK_H

/* xcheck - DMARC aggregate reports against what signet counted */

#include <time.h>

#include "buf.h"
#include "db.h"
#include "dns.h"
#include "policy.h"

 /*
  * Where the mail that a report row describes came from.
  */
enum xc_class {
	XC_OURS,			/* our egress addresses */
	XC_AUTHORISED,			/* a named sender of the policy */
	XC_FORWARDER,			/* our mail, relayed on by others */
	XC_UNKNOWN_PASS,		/* passes DMARC, unknown to the policy */
	XC_UNKNOWN_FAIL,		/* fails DMARC, unknown: spoofing */
	XC_NCLASS
};

 /*
  * Messages, and those among them with an aligned SPF pass, an aligned
  * DKIM pass, and either (DMARC pass).
  */
struct xc_stat {
	long long messages;
	long long spf_pass;
	long long dkim_pass;
	long long dmarc_pass;
};

/* A small set of strings, in the order first seen. */
struct xc_names {
	char  **v;
	size_t  n;
};

/* One source address of one domain. */
struct xc_source {
	char    ip[46];
	enum xc_class cls;
	const char *sender;		/* the policy's sender, or NULL */
	char   *why;			/* how it was classified */
	char   *advice;			/* what to add to the policy, or NULL */
	char   *rdns;			/* the PTR name, or NULL */
	int     rdns_confirmed;		/* its address records hold ip */
	const char *rdns_status;	/* NULL: not looked up; "ok",
					 * "nxdomain", "nodata", "tempfail",
					 * "permfail", "deadline" */
	struct xc_stat st;
	struct xc_names reporters;
};

/* Per day (UTC) statistics of one class or one reporter. */
struct xc_point {
	time_t  day;
	struct xc_stat st;
};

struct xc_series {
	char   *label;
	struct xc_point *pts;		/* ordered by day */
	size_t  npts;
};

/* One interval of time a reporter's reports cover: [begin, end). */
struct xc_span {
	time_t  begin;
	time_t  end;
};

/* One reporter of a domain, as named by the reporter mapping. */
struct xc_reporter {
	char   *label;			/* "Google", or the report's reporter */
	const struct policy_dmarc_reporter *map;	/* NULL: not mapped */
	long    reports;
	struct xc_stat cls[XC_NCLASS];
	struct xc_span *spans;		/* what its reports cover, merged */
	size_t  nspans;
	long long counted;		/* signet's count for its recipient
					 * domains over its spans */
	int     alarm;			/* reported more than counted */
};

/* DKIM results on our addresses, per signing domain and selector. */
struct xc_selector {
	char   *domain;
	char   *selector;		/* "" for mail with no aligned signature */
	long long pass;
	long long fail;
};

/* The published policy, as the newest report gives it. */
struct xc_published {
	time_t  begin;			/* of that report */
	long long report;		/* its id */
	char    p[16], sp[16], np[16], testing[8], adkim[4], aspf[4];
	int     pct;			/* -1: not given */
};

enum xc_level {
	XC_NONE,			/* p=none */
	XC_QUARANTINE_TEST,		/* p=quarantine with t=y or pct < 100 */
	XC_QUARANTINE,
	XC_REJECT_TEST,
	XC_REJECT
};

/* The policy-step recommendation. */
struct xc_step {
	enum xc_level level;		/* now */
	int     days;			/* days of reports at that policy */
	long long legit;		/* ours, authorised, forwarders,
					 * unknown passing */
	long long legit_pass;		/* of which pass DMARC */
	long long unknown_messages;	/* unknown passing */
	long    unknown_sources;
	double  pass_share;		/* -1 when there is no legitimate mail */
	double  unknown_share;
	int     from_dns;		/* level: of the record in DNS */
	char   *dns_note;		/* DNS and the reports differ, or NULL */
	char   *next;			/* the record to publish, or NULL */
	const char *note;		/* how to read it, or NULL */
	struct xc_names why_not;	/* why not yet; empty when next */
};

struct xc_alarm {
	const char *kind;		/* "reported-exceeds-counted",
					 * "dkim-fails-on-ours" */
	char   *subject;		/* the reporter or "d=... s=..." */
	char   *text;
};

/* The DMARC record in DNS now (--dns). */
enum xc_dns_state {
	XC_DNS_NOT_ASKED,
	XC_DNS_FOUND,			/* record, owner and pub are set */
	XC_DNS_NONE,			/* no record, nor one of the org. domain */
	XC_DNS_SEVERAL,			/* several records: none applies */
	XC_DNS_FAILED			/* error says why */
};

struct xc_dnspolicy {
	enum xc_dns_state state;
	char   *record;			/* the TXT record */
	char   *owner;			/* its domain: ours or the org. domain */
	char   *error;
	struct xc_published pub;	/* p is the sp= of an org. domain record */
	struct xc_names problems;	/* signet check's warnings about it */
};

struct xc_domain {
	char   *name;
	long    reports;
	time_t  first, last;		/* first begin, last end (+1) */
	struct xc_published pub;
	struct xc_dnspolicy dns;
	struct xc_stat cls[XC_NCLASS];
	long    nsources[XC_NCLASS];
	struct xc_names cls_reporters[XC_NCLASS];
	struct xc_source **src;		/* by class, then volume */
	size_t  nsrc;
	struct xc_reporter *rep;
	size_t  nrep;
	long long ours_reported;
	long long counted;		/* all recipients, over every span */
	struct xc_selector *sel;
	size_t  nsel;
	struct xc_alarm *alarms;
	size_t  nalarms;
	struct xc_step step;
	struct xc_series cls_series[XC_NCLASS];
	struct xc_series *rep_series;	/* one per reporter, as rep */
	struct xc_names from_domains;	/* header_from values of ours */
	struct xc_names policy_days;	/* "DAY p/pct/t", internal */
	void   *src_tree;		/* tsearch() by address, internal */
};

/* What signet dmarc report asks for besides the reports. */
struct xc_options {
	const char *domain;		/* NULL: every domain */
	struct dns *dns;		/* resolver for the three below */
	int     rdns;			/* reverse DNS names of the sources */
	int     dns_policy;		/* the DMARC record in DNS now */
	int     mx;			/* recipient domains to reporters by MX */
	int     deadline_ms;		/* bound on all rdns and MX lookups */
	int     threads;		/* lookups at once */
	long    top;			/* sources per class shown by the
					 * table and HTML; 0: all */
};

/* A recipient domain looked up for the MX mapping (--mx). */
struct xc_mxmap {
	char   *domain;
	char   *host;			/* the MX host that decided, or the
					 * first one; NULL: none */
	const char *reporter;		/* mapping entry's name, or NULL */
	const char *status;		/* "ok", "nxdomain", ... */
};

struct xcheck {
	time_t  since, until;
	struct xc_options opt;
	const struct policy *policy;
	struct policy_dmarc_reporter *map;	/* built in + configured */
	size_t  nmap;
	struct xc_domain *dom;		/* by name */
	size_t  ndom;
	void   *psl;			/* libpsl context */
	struct xc_mxmap *mxv;		/* --mx lookups, by domain */
	size_t  nmxv;
	struct xc_names *mx_rcpt;	/* per map entry: its recipient
					 * domains found by MX */
};

extern struct xcheck *xcheck_run(struct dmarc_db *, const struct policy *,
				         time_t, time_t, const struct xc_options *,
				         struct buf *);
extern struct xcheck *xcheck_free(struct xcheck *);
extern const char *xc_class_name(enum xc_class);
extern const char *xc_class_title(enum xc_class);
extern double xc_rate(long long, long long);

/* Internal: the files of the cross-check. */

 /*
  * One report row with its DKIM and SPF results, as read from the store.
  */
struct xc_auth {
	const char *domain;
	const char *selector;
	const char *result;
};

struct xc_row {
	long long report, n;
	const char *reporter, *domain;	/* report: reporter, policy domain */
	time_t  begin, end;
	const char *adkim, *aspf, *p, *sp, *np, *testing;
	int     pct;
	char    ip[46];
	long long messages;
	const char *pe_dkim, *pe_spf, *reasons, *header_from;
	struct xc_auth dkim[16];
	size_t  ndkim;
	struct xc_auth spf[16];
	size_t  nspf;
};

struct xc_verdict {
	enum xc_class cls;
	const char *sender;		/* policy sender name */
	int     spf_aligned;
	int     dkim_aligned;
	char    why[256];
	char    advice[256];
};

/* xcheck_class.c */
extern void *xc_psl_open(void);
extern void xc_psl_close(void *);
extern int xc_aligned(void *, const char *, const char *, int);
extern void xc_classify(const struct xcheck *, const struct xc_row *,
			        struct xc_verdict *);

/* xcheck_acc.c */
extern void xc_names_add(struct xc_names *, const char *);
extern int xc_names_has(const struct xc_names *, const char *);
extern void xc_names_free(struct xc_names *);
extern void xc_stat_add(struct xc_stat *, const struct xc_stat *);
extern void xc_series_add(struct xc_series *, time_t, const struct xc_stat *);
extern struct xc_source *xc_source_get(struct xc_domain *, const char *,
				              enum xc_class);
extern void xc_sources_finish(struct xc_domain *);
extern struct xc_reporter *xc_reporter_get(struct xcheck *, struct xc_domain *,
					           const char *);
extern void xc_span_add(struct xc_reporter *, time_t, time_t);
extern void xc_selector_add(struct xc_domain *, const char *, const char *,
			            int, long long);
extern void xc_alarm_add(struct xc_domain *, const char *, const char *,
			         const char *,...)
	__attribute__((format(printf, 4, 5)));
extern void xc_domain_free(struct xc_domain *);

/* xcheck_counts.c */
extern void xc_map_init(struct xcheck *);
extern int xc_counts(struct xcheck *, struct dmarc_db *, struct xc_domain *,
		             struct buf *);

/* xcheck_dns.c */
extern void xc_rdns(struct xcheck *);
extern int xc_mx(struct xcheck *, struct dmarc_db *, struct buf *);
extern const char *xc_mx_reporter(const struct xcheck *, const char *);
extern void xc_dns_policies(struct xcheck *);

/* xcheck_pub.c */
extern void xc_dns_policy(struct xcheck *, struct xc_domain *);
extern void xc_dnspolicy_free(struct xc_dnspolicy *);

/* xcheck_step.c */
extern void xc_step(const struct xcheck *, struct xc_domain *);
extern void xc_policy_key(const char *, int, const char *, char *, size_t);

#endif
