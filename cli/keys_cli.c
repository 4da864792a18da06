/*++
/* NAME
/*	keys_cli 3
/* SUMMARY
/*	options, configuration and key listing shared by signet keys
/* SYNOPSIS
/*	#include "cli/keys_cli.h"
/*
/*	int	keys_cli_init(struct keys_cli *o, int argc, char **argv,
/*			const char *usage);
/*	int	keys_cli_setup(struct keys_cli *o, const char *dir,
/*			const char *nameserver);
/*	void	keys_cli_done(struct keys_cli *o);
/*	struct dns *keys_cli_dns(const struct keys_cli *o);
/*	int	keys_cli_items(const struct keys_cli *o, const char *domain,
/*			struct keys_item **v, size_t *n);
/*	int	keys_cli_domain_items(const struct keys_cli *o,
/*			const char *domain, struct keys_item **v, size_t *n);
/*	EVP_PKEY *keys_cli_new_key(struct keys_cli *o, const char *domain,
/*			enum dkim_alg alg, int bits, enum key_state state,
/*			struct keystate *ks);
/*	void	keys_cli_print_record(const struct keystate *ks,
/*			EVP_PKEY *key, int testing);
/* DESCRIPTION
/*	keys_cli_init() reads the options every keys command takes:
/*	-c config, --directory DIR, --nameserver IP[@PORT], --selector S,
/*	--algorithm A, --format text|json, --check, --testing, --reload.
/*	The configuration is -c, else $SIGNET_CONFIG, else the default
/*	file when it exists; without one the defaults apply (keys in
/*	/etc/signet/keys, owned by the caller; resolv.conf). Keys are
/*	owned by the configuration's user.
/*
/*	keys_cli_setup() is the part of keys_cli_init() after the
/*	options, for commands with options of their own (signet check):
/*	with o->config set (or NULL), it loads the configuration and sets
/*	the keys directory (dir, else the configuration's), the
/*	nameserver (nameserver, else the configuration's), the timeout
/*	and the overlap.
/*
/*	keys_cli_items() lists the keys of one domain (every domain when
/*	NULL): those of the keys directory, and the selectors of the
/*	policy whose key lives elsewhere, each with its state and, when
/*	readable, its private key. keys_cli_domain_items() does that for
/*	a domain given on the command line, after checking that it is a
/*	domain name.
/*
/*	keys_cli_new_key() generates a key (the selector is --selector, or
/*	sYYYYMMDD plus r for RSA or e for Ed25519), writes it and its
/*	state file into DIR/DOMAIN/, and returns it.
/*
/*	keys_cli_print_record() prints what to publish: a zone-file
/*	comment naming the key, the zone-file line, and the plain value.
/* DIAGNOSTICS
/*	keys_cli_init() prints the problem and returns 2 (usage) or 1 (a
/*	configuration that does not load); 0 when all is well.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <sys/stat.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/keys_cli.h"
#include "diag.h"
#include "dnsrec.h"
#include "keygen.h"
#include "keyring.h"
#include "load.h"
#include "xalloc.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"

static const struct option keys_options[] = {
	{"config", required_argument, NULL, 'c'},
	{"directory", required_argument, NULL, 'D'},
	{"nameserver", required_argument, NULL, 'n'},
	{"selector", required_argument, NULL, 's'},
	{"algorithm", required_argument, NULL, 'a'},
	{"format", required_argument, NULL, 'f'},
	{"check", no_argument, NULL, 'k'},
	{"testing", no_argument, NULL, 't'},
	{"reload", no_argument, NULL, 'r'},
	{NULL, 0, NULL, 0},
};

/* keys_cli_owner - the owner of new key files */

static int
keys_cli_owner(struct keys_cli *o)
{
	struct passwd *pw;
	struct group *gr;

	o->uid = geteuid();
	o->gid = getegid();
	if (o->policy == NULL || o->policy->user == NULL)
		return (0);
	if ((pw = getpwnam(o->policy->user)) == NULL) {
		fprintf(stderr, "signet keys: user \"%s\" of %s does not exist; "
			"create it (useradd --system %s)\n", o->policy->user,
			o->policy->path, o->policy->user);
		return (-1);
	}
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	if (o->policy->group != NULL) {
		if ((gr = getgrnam(o->policy->group)) == NULL) {
			fprintf(stderr, "signet keys: group \"%s\" of %s does "
				"not exist\n", o->policy->group, o->policy->path);
			return (-1);
		}
		o->gid = gr->gr_gid;
	}
	return (0);
}

/* keys_cli_config - load the configuration, when there is one */

static int
keys_cli_config(struct keys_cli *o)
{
	const char *path = o->config ? o->config : getenv("SIGNET_CONFIG");
	struct diag d = DIAG_INIT;
	struct stat st;

	if (path == NULL || *path == 0) {
		path = DEFAULT_CONFIG;
		if (stat(path, &st) < 0)
			return (0);
	}
	o->policy = policy_load(path, &d);
	if (o->policy == NULL)
		fputs(diag_text(&d), stderr);
	diag_free(&d);
	if (o->policy == NULL) {
		fprintf(stderr, "signet: %s does not load; fix it (signet "
			"config check -c %s)\n", path, path);
		return (-1);
	}
	return (0);
}

/* keys_cli_init - options and configuration; 0, 1 or 2 */

int
keys_cli_init(struct keys_cli *o, int argc, char **argv, const char *usage)
{
	const char *dir = NULL, *ns = NULL;
	int     ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", keys_options, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'D': dir = optarg; break;
		case 'n': ns = optarg; break;
		case 's': o->selector = optarg; break;
		case 'a': o->algorithm = optarg; break;
		case 'f': o->format = optarg; break;
		case 'k': o->check = 1; break;
		case 't': o->testing = 1; break;
		case 'r': o->reload = 1; break;
		default:
			fprintf(stderr, "usage: %s\n", usage);
			return (2);
		}
	}
	o->first = optind;
	return (keys_cli_setup(o, dir, ns));
}

/* keys_cli_setup - configuration and defaults after the options; 0 or 1 */

int
keys_cli_setup(struct keys_cli *o, const char *dir, const char *ns)
{
	o->now = time(NULL);
	if (keys_cli_config(o) < 0 || keys_cli_owner(o) < 0)
		return (1);
	o->dir = dir ? dir : o->policy ? o->policy->keys.directory :
		POLICY_KEYS_DIRECTORY;
	o->nameserver = ns ? ns : o->policy ? o->policy->dns.nameserver : NULL;
	o->timeout_ms = o->policy ? o->policy->dns.timeout_ms :
		POLICY_DNS_TIMEOUT_MS;
	o->overlap = o->policy ? o->policy->keys.overlap : POLICY_KEYS_OVERLAP;
	return (0);
}

/* keys_cli_done - release the configuration */

void
keys_cli_done(struct keys_cli *o)
{
	o->policy = policy_free(o->policy);
}

/* keys_cli_dns - open the resolver, or say why not */

struct dns *
keys_cli_dns(const struct keys_cli *o)
{
	struct buf err = BUF_INIT;
	struct dns *dns;

	if ((dns = dns_open(o->nameserver, o->timeout_ms, &err)) == NULL)
		fprintf(stderr, "signet keys: %s\n", err.data);
	buf_free(&err);
	return (dns);
}

/* keys_cli_domain_ok - a domain name worth using; prints why not */

int
keys_cli_domain_ok(const char *domain)
{
	const char *why;

	if ((why = dns_name_check(domain, 2)) != NULL) {
		fprintf(stderr, "signet keys: \"%s\" is not a domain name: %s\n",
			domain, why);
		return (0);
	}
	return (1);
}

/* keys_cli_domain_items - the keys of one domain named on the command line */

int
keys_cli_domain_items(const struct keys_cli *o, const char *domain,
		      struct keys_item **v, size_t *n)
{
	if (!keys_cli_domain_ok(domain))
		return (-1);
	return (keys_cli_items(o, domain, v, n));
}

/* keys_cli_fill - decode the private key; take alg and bits from it */

static void
keys_cli_fill(const struct keys_cli *o, struct keys_item *it)
{
	struct buf why = BUF_INIT;

	it->key = key_read_file(it->ks.key_path, o->uid, 0, &why);
	if (it->key == NULL) {
		it->err = buf_steal(&why);
		return;
	}
	buf_free(&why);
	if (!it->ks.has_file || it->ks.bits == 0) {
		it->ks.alg = EVP_PKEY_is_a(it->key, "ED25519") ?
			ALG_ED25519_SHA256 : ALG_RSA_SHA256;
		it->ks.bits = EVP_PKEY_get_bits(it->key);
	}
}

/* keys_cli_add_policy - the policy's selectors not in the directory */

static int
keys_cli_add_policy(const struct keys_cli *o, const char *domain,
		    struct keys_item **v, size_t *n, struct buf *err)
{
	const struct policy_domain *dom;
	const struct policy_selector *sel;
	size_t  i, j, k;

	for (i = 0; o->policy != NULL && i < o->policy->ndomains; i++) {
		dom = &o->policy->domains[i];
		if (domain != NULL && strcasecmp(domain, dom->name) != 0)
			continue;
		for (j = 0; j < dom->nselectors; j++) {
			sel = &dom->selectors[j];
			for (k = 0; k < *n; k++)
				if (strcmp((*v)[k].ks.key_path, sel->key_path) == 0)
					break;
			if (k < *n) {
				(*v)[k].in_policy = 1;
				continue;
			}
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			memset(&(*v)[*n], 0, sizeof(**v));
			if (keystate_read(sel->key_path, &(*v)[*n].ks, err) < 0)
				return (-1);
			free((*v)[*n].ks.domain);
			free((*v)[*n].ks.selector);
			(*v)[*n].ks.domain = xstrdup(dom->name);
			(*v)[*n].ks.selector = xstrdup(sel->name);
			(*v)[(*n)++].in_policy = 1;
		}
	}
	return (0);
}

/* keys_cli_items - the keys of a domain (or all), decoded when readable */

int
keys_cli_items(const struct keys_cli *o, const char *domain,
	       struct keys_item **v, size_t *n)
{
	struct keystate *ks = NULL;
	struct buf err = BUF_INIT;
	size_t  nks = 0, i;

	*v = NULL;
	*n = 0;
	if (keystate_scan(o->dir, domain, &ks, &nks, &err) < 0) {
		fprintf(stderr, "signet keys: %s\n", err.data);
		buf_free(&err);
		return (-1);
	}
	*v = xcalloc(nks ? nks : 1, sizeof(**v));
	for (i = 0; i < nks; i++)
		(*v)[(*n)++].ks = ks[i];
	free(ks);
	if (keys_cli_add_policy(o, domain, v, n, &err) < 0) {
		fprintf(stderr, "signet keys: %s\n", err.data);
		buf_free(&err);
		keys_cli_items_free(*v, *n);
		return (-1);
	}
	for (i = 0; i < *n; i++)
		keys_cli_fill(o, &(*v)[i]);
	buf_free(&err);
	return (0);
}

/* keys_cli_items_free - release a list of keys */

void
keys_cli_items_free(struct keys_item *v, size_t n)
{
	size_t  i;

	for (i = 0; i < n; i++) {
		keystate_free(&v[i].ks);
		EVP_PKEY_free(v[i].key);
		free(v[i].err);
	}
	free(v);
}

/* keys_cli_selector - --selector, or a free date-based one */

static char *
keys_cli_selector(const struct keys_cli *o, const char *domain,
		  enum dkim_alg alg)
{
	struct buf path = BUF_INIT;
	struct stat st;
	char    base[32];
	char    sel[40];
	struct tm tm;
	int     i;

	if (o->selector != NULL)
		return (xstrdup(o->selector));
	gmtime_r(&o->now, &tm);
	strftime(base, sizeof(base), "s%Y%m%d", &tm);
	for (i = 1; i < 100; i++) {
		snprintf(sel, sizeof(sel), i == 1 ? "%s%c" : "%s%c%d", base,
			 alg == ALG_ED25519_SHA256 ? 'e' : 'r', i);
		buf_reset(&path);
		buf_printf(&path, "%s/%s/%s.key", o->dir, domain, sel);
		if (stat(path.data, &st) < 0)
			break;
	}
	buf_free(&path);
	return (xstrdup(sel));
}

/* keys_cli_new_key - generate, write key and state; NULL if reported */

EVP_PKEY *
keys_cli_new_key(struct keys_cli *o, const char *domain, enum dkim_alg alg,
		 int bits, enum key_state state, struct keystate *ks)
{
	struct buf err = BUF_INIT;
	struct buf dir = BUF_INIT;
	EVP_PKEY *key = NULL;
	const char *why;

	memset(ks, 0, sizeof(*ks));
	ks->domain = xstrdup(domain);
	ks->selector = keys_cli_selector(o, domain, alg);
	if ((why = dns_name_check(ks->selector, 1)) != NULL) {
		fprintf(stderr, "signet keys: selector \"%s\" is not valid: %s\n",
			ks->selector, why);
		return (NULL);
	}
	buf_printf(&dir, "%s/%s", o->dir, domain);
	ks->key_path = xmalloc(dir.len + strlen(ks->selector) + 6);
	sprintf(ks->key_path, "%s/%s.key", dir.data, ks->selector);
	ks->state_path = keystate_path(ks->key_path);
	ks->alg = alg;
	ks->bits = bits;
	ks->state = state;
	ks->created = o->now;
	ks->activated = state == KS_ACTIVE ? o->now : 0;
	if (keygen_mkdir(dir.data, o->uid, o->gid, &err) == 0
	    && (key = keygen_generate(alg, bits, &err)) != NULL) {
		if (keygen_write(ks->key_path, key, o->uid, o->gid, &err) < 0) {
			EVP_PKEY_free(key);	/* an existing file stays */
			key = NULL;
		} else if (keystate_write(ks, o->uid, o->gid, &err) < 0) {
			(void) unlink(ks->key_path);
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	if (key == NULL)
		fprintf(stderr, "signet keys: %s\n", err.data);
	buf_free(&err);
	buf_free(&dir);
	return (key);
}

/* keys_cli_print_record - what to publish for a key */

void
keys_cli_print_record(const struct keystate *ks, EVP_PKEY *key, int testing)
{
	struct buf value = BUF_INIT;
	struct buf line = BUF_INIT;
	struct buf err = BUF_INIT;

	if (dnsrec_value(key, testing, &value, &err) < 0) {
		printf("; %s selector %s: %s\n", ks->domain, ks->selector,
		       err.data);
	} else {
		dnsrec_zone_line(ks->selector, ks->domain, value.data, &line);
		printf("; %s selector %s: %s, %s, key %s\n%s\n; value: %s\n",
		       ks->domain, ks->selector, keygen_alg_label(ks->alg,
								  ks->bits),
		       keystate_name(ks->state), ks->key_path, line.data,
		       value.data);
	}
	buf_free(&value);
	buf_free(&line);
	buf_free(&err);
}
