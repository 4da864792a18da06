/*++
/* NAME
/*	test-policy 1
/* SUMMARY
/*	golden tests of the configuration loader
/* SYNOPSIS
/*	srcdir=DIR test-policy
/*
/*	SIGNET_GOLDEN_UPDATE=1 srcdir=DIR test-policy
/* DESCRIPTION
/*	For each tests/golden/config/NAME.yaml under the source
/*	directory, policy_load() reads the file and its output is
/*	compared with NAME.ref: the diagnostics, one a line, then, when
/*	the file is valid, a dump of the policy loaded, defaults
/*	included. Paths in the output are relative to the source
/*	directory, so the .ref files do not depend on where the tree is.
/*
/*	Three cases have no NAME.yaml: "missing-file" loads a file that
/*	does not exist, "directory" loads a directory, and
/*	"contrib-example" loads contrib/signet.yaml, the example shipped
/*	to users. A .ref file without a case fails.
/*
/*	Then policy_find_domain() and the name functions are tested on
/*	one of the golden files.
/*
/*	With SIGNET_GOLDEN_UPDATE=1 in the environment, the .ref files
/*	are written instead of compared. They are assertions: read each
/*	one changed before it is committed.
/* DIAGNOSTICS
/*	For a case whose output differs, the first lines that differ, as
/*	"-" (wanted) and "+" (got); then "N passed, N failed".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "xalloc.h"

/* Application-specific. */

#include "policy.h"
#include "test.h"

#define GOLDEN_DIR	"tests/golden/config"

 /*
  * Cases that are not a NAME.yaml in the golden directory.
  */
static const struct {
	const char *name;
	const char *path;
}       extra_cases[] = {
	{"missing-file", GOLDEN_DIR "/missing-file.yaml"},
	{"contrib-example", "contrib/signet.yaml"},
	{"directory", GOLDEN_DIR},
};

#define NEXTRA	(sizeof(extra_cases) / sizeof(extra_cases[0]))

/* dump_strv - a list of names on one line */

static void
dump_strv(struct buf *out, const char *label, char *const *v, size_t n)
{
	size_t  i;

	buf_puts(out, label);
	if (n == 0)
		buf_puts(out, " -");
	for (i = 0; i < n; i++)
		buf_printf(out, " %s", v[i]);
	buf_putc(out, '\n');
}

/* dump_facility - the name of a syslog facility */

static const char *
dump_facility(int code)
{
	static const struct {
		int     code;
		const char *name;
	}       fac[] = {
		{LOG_MAIL, "mail"}, {LOG_DAEMON, "daemon"}, {LOG_USER, "user"},
		{LOG_LOCAL0, "local0"}, {LOG_LOCAL1, "local1"},
		{LOG_LOCAL2, "local2"}, {LOG_LOCAL3, "local3"},
		{LOG_LOCAL4, "local4"}, {LOG_LOCAL5, "local5"},
		{LOG_LOCAL6, "local6"}, {LOG_LOCAL7, "local7"},
	};
	size_t  i;

	for (i = 0; i < sizeof(fac) / sizeof(fac[0]); i++)
		if (fac[i].code == code)
			return (fac[i].name);
	return ("(unknown)");
}

/* dump_sources - the sources of outbound mail */

static void
dump_sources(struct buf *out, const struct policy_sources *s)
{
	char    net[64];
	size_t  i;

	buf_printf(out, "sources.authenticated %s\n", s->authenticated ? "yes" : "no");
	buf_puts(out, "sources.networks");
	if (s->nnetworks == 0)
		buf_puts(out, " -");
	for (i = 0; i < s->nnetworks; i++) {
		cidr_format(&s->networks[i], net, sizeof(net));
		buf_printf(out, " %s", net);
	}
	buf_putc(out, '\n');
	dump_strv(out, "sources.daemons", s->daemons, s->ndaemons);
}

/* dump_senders - who may send for a domain, when it says */

static void
dump_senders(struct buf *out, const struct policy_domain *dom)
{
	const struct policy_sender *snd;
	char    net[64];
	size_t  i, j;

	if (dom->senders == NULL)
		return;
	buf_printf(out, "  senders mode=%s envelope=%s include_subdomains=%s\n",
		   dom->mode == AUTH_MONITOR ? "monitor" : "enforce",
		   dom->envelope_check ? "check" : "ignore",
		   dom->include_subdomains ? "yes" : "no");
	for (i = 0; i < dom->nsenders; i++) {
		snd = &dom->senders[i];
		buf_printf(out, "  sender %s at %d:%d spf=%s\n", snd->name,
			   snd->pos.line, snd->pos.col, snd->spf ? "pass" : "-");
		buf_puts(out, "    networks");
		if (snd->nnetworks == 0)
			buf_puts(out, " -");
		for (j = 0; j < snd->nnetworks; j++) {
			cidr_format(&snd->networks[j], net, sizeof(net));
			buf_printf(out, " %s", net);
		}
		buf_putc(out, '\n');
		dump_strv(out, "    sasl", snd->sasl, snd->nsasl);
		dump_strv(out, "    client_names", snd->client_names,
			  snd->nclient_names);
		dump_strv(out, "    tls_subjects", snd->tls_subjects,
			  snd->ntls_subjects);
		dump_strv(out, "    tls_issuers", snd->tls_issuers,
			  snd->ntls_issuers);
		buf_puts(out, "    dkim");
		if (snd->ndkim == 0)
			buf_puts(out, " -");
		for (j = 0; j < snd->ndkim; j++)
			buf_printf(out, " d=%s/s=%s", snd->dkim[j].domain,
				   snd->dkim[j].selector ? snd->dkim[j].selector : "*");
		buf_putc(out, '\n');
	}
}

/* dump_domains - each domain and its selectors, with positions */

static void
dump_domains(struct buf *out, const struct policy *p)
{
	const struct policy_domain *dom;
	const struct policy_selector *sel;
	size_t  i, j;

	for (i = 0; i < p->ndomains; i++) {
		dom = &p->domains[i];
		buf_printf(out, "domain %s at %d:%d sign_subdomains=%s\n", dom->name,
			   dom->pos.line, dom->pos.col,
			   dom->sign_subdomains ? "yes" : "no");
		for (j = 0; j < dom->nselectors; j++) {
			sel = &dom->selectors[j];
			buf_printf(out, "  selector %s %s at %d:%d key %s at %d:%d\n",
				   sel->name, policy_alg_name(sel->alg),
				   sel->pos.line, sel->pos.col, sel->key_path,
				   sel->key_pos.line, sel->key_pos.col);
		}
		dump_senders(out, dom);
	}
}

/* dump_dns_keys - the dns and keys settings, when not the defaults */

static void
dump_dns_keys(struct buf *out, const struct policy *p)
{
	if (p->dns.nameserver != NULL)
		buf_printf(out, "dns.nameserver %s\n", p->dns.nameserver);
	if (p->dns.timeout_ms != POLICY_DNS_TIMEOUT_MS)
		buf_printf(out, "dns.timeout_ms %d\n", p->dns.timeout_ms);
	if (strcmp(p->keys.directory, POLICY_KEYS_DIRECTORY) != 0)
		buf_printf(out, "keys.directory %s\n", p->keys.directory);
	if (p->keys.require_published)
		buf_printf(out, "keys.require_published_key yes\n");
	if (p->keys.overlap != POLICY_KEYS_OVERLAP)
		buf_printf(out, "keys.overlap %ld\n", p->keys.overlap);
	if (p->keys.check_interval != POLICY_KEYS_CHECK_INTERVAL)
		buf_printf(out, "keys.check_interval %ld\n", p->keys.check_interval);
}

/* dump_check - the check settings, when given */

static void
dump_check(struct buf *out, const struct policy *p)
{
	char    net[64];
	size_t  i;

	for (i = 0; i < p->negress; i++) {
		cidr_format(&p->egress[i], net, sizeof(net));
		buf_printf(out, "egress %s\n", net);
	}
	for (i = 0; i < p->check.nblocklists; i++)
		buf_printf(out, "check.blocklist %s\n", p->check.blocklists[i]);
}

/* dump_dmarc - the DMARC cross-check settings, when not the defaults */

static void
dump_dmarc(struct buf *out, const struct policy *p)
{
	const struct policy_dmarc *dm = &p->dmarc;
	size_t  i;

	if (dm->window != POLICY_DMARC_WINDOW)
		buf_printf(out, "dmarc.window %ld\n", dm->window);
	if (dm->min_days != POLICY_DMARC_MIN_DAYS)
		buf_printf(out, "dmarc.min_days %d\n", dm->min_days);
	if (dm->min_aligned_pass != POLICY_DMARC_MIN_PASS)
		buf_printf(out, "dmarc.min_aligned_pass %g\n", dm->min_aligned_pass);
	if (dm->max_unknown_share != POLICY_DMARC_MAX_UNKNOWN)
		buf_printf(out, "dmarc.max_unknown_legit_share %g\n",
			   dm->max_unknown_share);
	for (i = 0; i < dm->nreporters; i++) {
		buf_printf(out, "dmarc.reporter %s\n", dm->reporters[i].name);
		dump_strv(out, "  reports", dm->reporters[i].orgs,
			  dm->reporters[i].norgs);
		dump_strv(out, "  recipients", dm->reporters[i].rcpt_domains,
			  dm->reporters[i].nrcpt_domains);
		dump_strv(out, "  mx", dm->reporters[i].mx_suffixes,
			  dm->reporters[i].nmx_suffixes);
	}
}

/* dump_counters - the counters and metrics settings, when given */

static void
dump_counters(struct buf *out, const struct policy *p)
{
	if (p->counters.store != NULL)
		buf_printf(out, "counters.store %s\n", p->counters.store);
	if (p->counters.hourly_days != POLICY_HOURLY_DAYS)
		buf_printf(out, "counters.hourly_days %d\n", p->counters.hourly_days);
	if (p->counters.daily_days != 0)
		buf_printf(out, "counters.daily_days %d\n", p->counters.daily_days);
	if (p->counters.sync_full)
		buf_printf(out, "counters.synchronous full\n");
	if (p->counters.on_error != ACTION_TEMPFAIL)
		buf_printf(out, "counters.on_error %s\n",
			   policy_action_name(p->counters.on_error));
	if (p->metrics.listen != NULL)
		buf_printf(out, "metrics.listen %s\n", p->metrics.listen);
}

/* dump_policy - every setting of a loaded policy, one a line */

static void
dump_policy(struct buf *out, const struct policy *p)
{
	const struct policy_signing *sg = &p->signing;
	static const char *const canon[] = {"simple", "relaxed"};

	buf_printf(out, "path %s\n", p->path);
	buf_printf(out, "socket %s\n", p->socket);
	buf_printf(out, "user %s\n", p->user ? p->user : "-");
	buf_printf(out, "group %s\n", p->group ? p->group : "-");
	buf_printf(out, "pidfile %s\n", p->pidfile ? p->pidfile : "-");
	buf_printf(out, "syslog_facility %s\n", dump_facility(p->syslog_facility));
	buf_printf(out, "require_safe_keys %s\n", p->require_safe_keys ? "yes" : "no");
	if (p->chroot != NULL)
		buf_printf(out, "chroot %s\n", p->chroot);
	if (p->socket_mode != 0660)
		buf_printf(out, "socket_mode %04o\n", (unsigned) p->socket_mode);
	if (p->socket_group != NULL)
		buf_printf(out, "socket_group %s\n", p->socket_group);
	dump_sources(out, &p->sources);
	buf_printf(out, "signing.canonicalization %s/%s\n",
		   canon[sg->header_canon], canon[sg->body_canon]);
	dump_strv(out, "signing.headers", sg->headers, sg->nheaders);
	dump_strv(out, "signing.oversign", sg->oversign, sg->noversign);
	buf_printf(out, "signing.expire %ld\n", sg->expire);
	buf_printf(out, "signing.max_line_length %ld\n", sg->max_line);
	buf_printf(out, "actions.no_from %s\n", policy_action_name(p->actions.no_from));
	buf_printf(out, "actions.bad_from %s\n", policy_action_name(p->actions.bad_from));
	buf_printf(out, "actions.sign_error %s\n",
		   policy_action_name(p->actions.sign_error));
	if (p->unmanaged != ACTION_ACCEPT)
		buf_printf(out, "unmanaged refuse\n");
	dump_dns_keys(out, p);
	dump_counters(out, p);
	dump_check(out, p);
	dump_dmarc(out, p);
	dump_domains(out, p);
}

/* show_diff - the lines from the first that differs, want and got */

static void
show_diff(const char *want, const char *got)
{
	const char *w = want, *g = got;
	size_t  wl, gl;

	for (;;) {
		wl = strcspn(w, "\n");
		gl = strcspn(g, "\n");
		if (*w == 0 || *g == 0 || wl != gl || strncmp(w, g, wl) != 0)
			break;
		w += wl + (w[wl] != 0);
		g += gl + (g[gl] != 0);
	}
	for (; *w; w += wl + (w[wl] != 0)) {
		wl = strcspn(w, "\n");
		printf("    -%.*s\n", (int) wl, w);
	}
	for (; *g; g += gl + (g[gl] != 0)) {
		gl = strcspn(g, "\n");
		printf("    +%.*s\n", (int) gl, g);
	}
}

/* golden_case - load one file, compare the output with its .ref */

static void
golden_case(const char *name, const char *path, int update)
{
	struct diag d = DIAG_INIT;
	struct buf got = BUF_INIT;
	struct buf ref = BUF_INIT;
	struct policy *p;
	char   *want;

	buf_printf(&ref, "%s/%s.ref", GOLDEN_DIR, name);
	p = policy_load(path, &d);
	buf_puts(&got, diag_text(&d));
	if (p != NULL) {
		test_assert_int(d.errors, 0);
		dump_policy(&got, p);
	} else {
		test_assert(d.errors > 0);
	}
	if (update) {
		if (test_write_file(ref.data, got.data ? got.data : "") != 0) {
			printf("  %s: %s\n", ref.data, strerror(errno));
			test_failures++;
		}
	} else if ((want = test_read_file(ref.data, NULL)) == NULL) {
		printf("  %s: %s\n", ref.data, strerror(errno));
		test_failures++;
	} else {
		if (strcmp(want, got.data ? got.data : "") != 0) {
			printf("  %s differs:\n", ref.data);
			show_diff(want, got.data ? got.data : "");
			test_failures++;
		}
		free(want);
	}
	policy_free(p);
	diag_free(&d);
	buf_free(&got);
	buf_free(&ref);
}

/* name_cmp - order case names */

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* golden_names - the names of the files in the golden directory */

static char **
golden_names(const char *suffix, size_t *np)
{
	DIR    *dir;
	struct dirent *de;
	char  **names = NULL;
	size_t  len, slen = strlen(suffix);

	*np = 0;
	if ((dir = opendir(GOLDEN_DIR)) == NULL)
		return (NULL);
	while ((de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len <= slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		names = xreallocarray(names, *np + 1, sizeof(*names));
		names[(*np)++] = xstrndup(de->d_name, len - slen);
	}
	(void) closedir(dir);
	if (*np > 1)
		qsort(names, *np, sizeof(*names), name_cmp);
	return (names);
}

/* known_case - is there a case for a .ref file */

static int
known_case(char **yaml, size_t nyaml, const char *name)
{
	size_t  i;

	for (i = 0; i < nyaml; i++)
		if (strcmp(yaml[i], name) == 0)
			return (1);
	for (i = 0; i < NEXTRA; i++)
		if (strcmp(extra_cases[i].name, name) == 0)
			return (1);
	return (0);
}

/* free_names - release a list of names */

static void
free_names(char **names, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* test_golden - every golden case */

static void
test_golden(void)
{
	const char *env = getenv("SIGNET_GOLDEN_UPDATE");
	int     update = env != NULL && strcmp(env, "1") == 0;
	struct buf path = BUF_INIT;
	char  **yaml, **refs;
	size_t  nyaml, nrefs, i;

	test_begin(update ? "golden config (updating .ref files)" : "golden config");
	yaml = golden_names(".yaml", &nyaml);
	refs = golden_names(".ref", &nrefs);
	test_assert(nyaml >= 25);
	for (i = 0; i < nyaml; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s.yaml", GOLDEN_DIR, yaml[i]);
		golden_case(yaml[i], path.data, update);
	}
	for (i = 0; i < NEXTRA; i++)
		golden_case(extra_cases[i].name, extra_cases[i].path, update);
	for (i = 0; i < nrefs; i++) {
		if (!known_case(yaml, nyaml, refs[i])) {
			printf("  %s/%s.ref: no case for it\n", GOLDEN_DIR, refs[i]);
			test_failures++;
		}
	}
	free_names(yaml, nyaml);
	free_names(refs, nrefs);
	buf_free(&path);
	test_end();
}

/* test_find_domain - exact and parent matches */

static void
test_find_domain(void)
{
	static const struct {
		const char *from;
		const char *domain;		/* NULL: none */
		const char *matched;
	}       cases[] = {
		{"example.com", "example.com", "example.com"},
		{"EXAMPLE.com", "example.com", "EXAMPLE.com"},
		{"mail.example.com", NULL, NULL},
		{"example.org", "example.org", "example.org"},
		{"news.example.org", "example.org", "example.org"},
		{"a.b.example.org", "example.org", "example.org"},
		{"shop.example.net", "shop.example.net", "shop.example.net"},
		{"eu.shop.example.net", "example.net", "example.net"},
		{"example.net", "example.net", "example.net"},
		{"other.example.net", "example.net", "example.net"},
		{"xexample.org", NULL, NULL},
		{"org", NULL, NULL},
		{"", NULL, NULL},
	};
	struct diag d = DIAG_INIT;
	const struct policy_domain *dom;
	struct policy *p;
	const char *matched;
	size_t  i;

	test_begin("policy_find_domain");
	p = policy_load(GOLDEN_DIR "/subdomains.yaml", &d);
	test_assert(p != NULL);
	for (i = 0; p && i < sizeof(cases) / sizeof(cases[0]); i++) {
		dom = policy_find_domain(p, cases[i].from, &matched);
		test_assert_str(dom ? dom->name : NULL, cases[i].domain);
		test_assert_str(matched, cases[i].matched);
		test_assert(policy_find_domain(p, cases[i].from, NULL) == dom);
	}
	policy_free(p);
	diag_free(&d);
	test_end();
}

/* test_names - action and algorithm names */

static void
test_names(void)
{
	test_begin("policy names");
	test_assert_str(policy_action_name(ACTION_ACCEPT), "accept");
	test_assert_str(policy_action_name(ACTION_REJECT), "reject");
	test_assert_str(policy_action_name(ACTION_TEMPFAIL), "tempfail");
	test_assert_str(policy_alg_name(ALG_RSA_SHA256), "rsa-sha256");
	test_assert_str(policy_alg_name(ALG_ED25519_SHA256), "ed25519-sha256");
	test_assert(policy_free(NULL) == NULL);
	test_end();
}

/* main - run the tests from the source directory */

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_golden,
		test_find_domain,
		test_names,
		NULL,
	};

	if (chdir(test_srcdir()) != 0) {
		printf("chdir %s: %s\n", test_srcdir(), strerror(errno));
		return (1);
	}
	return (test_run(tests));
}
