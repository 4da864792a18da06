/*++
/* NAME
/*	cmd_keys 1
/* SUMMARY
/*	signet keys generate, list and dns
/* SYNOPSIS
/*	signet keys generate [options] DOMAIN [--selector S]
/*		[--algorithm rsa-2048|rsa-3072|rsa-4096|ed25519] [--testing]
/*	signet keys list [options] [DOMAIN] [--check]
/*	signet keys dns [options] [DOMAIN]
/*
/*	options: [-c config] [--directory DIR] [--nameserver IP[@PORT]]
/* DESCRIPTION
/*	generate makes a key pair (default rsa-2048) and writes the
/*	private key to DIR/DOMAIN/SELECTOR.key, mode 0600, owned by the
/*	configuration's user, with its state file. The selector is
/*	--selector or sYYYYMMDD followed by r (RSA) or e (Ed25519). The
/*	first key of an algorithm for a domain is active; a further one
/*	is pending (see signet keys rotate). It prints the DNS record as
/*	a zone-file line, its TXT data split into strings of at most 255
/*	octets, and as the plain value; --testing adds t=y.
/*
/*	list prints one line per key: domain, selector, algorithm, bits,
/*	created, state; with --check, the DNS status of its record.
/*
/*	dns prints the records to publish now (pending, active and
/*	retiring keys) and the ones that may be removed (retired keys).
/* DIAGNOSTICS
/*	Exit status 0 on success, 1 on failure (the reason is printed),
/*	2 on wrong usage. list --check exits as signet keys check.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/keys_cli.h"
#include "dnsrec.h"
#include "keycheck.h"
#include "keygen.h"

#define OPTIONS	"[-c config] [--directory DIR] [--nameserver IP[@PORT]]"

/* keys_has_active - an active key of this algorithm for the domain */

static int
keys_has_active(const struct keys_cli *o, const char *domain,
		enum dkim_alg alg)
{
	struct keys_item *v;
	size_t  n, i;
	int     found = 0;

	if (keys_cli_items(o, domain, &v, &n) < 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (v[i].ks.alg == alg
		    && keystate_effective(&v[i].ks, o->overlap, o->now) == KS_ACTIVE)
			found = 1;
	keys_cli_items_free(v, n);
	return (found);
}

/* cmd_keys_generate - make a key, print its record */

int
cmd_keys_generate(int argc, char **argv)
{
	static const char usage[] = "signet keys generate " OPTIONS " DOMAIN "
		"[--selector S] [--algorithm rsa-2048|rsa-3072|rsa-4096|ed25519] "
		"[--testing]";
	struct keys_cli o;
	struct keystate ks;
	enum dkim_alg alg = ALG_RSA_SHA256;
	EVP_PKEY *key;
	int     bits = 2048, active, rc;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		keys_cli_done(&o);
		return (2);
	}
	if (o.algorithm && keygen_parse_alg(o.algorithm, &alg, &bits) < 0) {
		fprintf(stderr, "signet keys generate: unknown algorithm \"%s\"; "
			"write rsa-2048, rsa-3072, rsa-4096 or ed25519\n",
			o.algorithm);
		keys_cli_done(&o);
		return (2);
	}
	if (!keys_cli_domain_ok(argv[o.first])
	    || (active = keys_has_active(&o, argv[o.first], alg)) < 0
	    || (key = keys_cli_new_key(&o, argv[o.first], alg, bits,
				       active ? KS_PENDING : KS_ACTIVE, &ks)) == NULL) {
		keys_cli_done(&o);
		return (1);
	}
	keys_cli_print_record(&ks, key, o.testing);
	printf("; policy: - {name: %s, algorithm: %s, key: %s}\n", ks.selector,
	       policy_alg_name(alg), ks.key_path);
	if (active)
		printf("; pending: publish the record, run signet keys activate "
		       "%s, and only then put the selector in the policy\n",
		       ks.domain);
	EVP_PKEY_free(key);
	keystate_free(&ks);
	keys_cli_done(&o);
	return (0);
}

/* keys_list_line - one key in the list */

static void
keys_list_line(const struct keys_cli *o, const struct keys_item *it,
	       struct dns *dns, enum severity *worst)
{
	struct findings f = FINDINGS_INIT;
	struct buf created = BUF_INIT;
	enum key_state st = keystate_effective(&it->ks, o->overlap, o->now);
	enum severity sev;
	size_t  i;

	keystate_time(it->ks.created, &created);
	printf(dns ? "%-24s %-16s %-14s %5d %-20s %-8s" :
	       "%-24s %-16s %-14s %5d %-20s %s", it->ks.domain,
	       it->ks.selector, policy_alg_name(it->ks.alg), it->ks.bits,
	       created.data, keystate_name(st));
	if (dns != NULL) {
		sev = keys_check_one(o, dns, it, &f);
		for (i = 0; i + 1 < f.n && f.v[i].sev != sev; i++)
			 /* void */ ;
		printf(" %s: %s", sev == SEV_CRIT ? "CRITICAL" : sev == SEV_WARN ?
		       "WARNING" : "OK", f.n ? f.v[i].text : "");
		if (sev > *worst)
			*worst = sev;
		findings_free(&f);
	}
	putchar('\n');
	buf_free(&created);
}

/* cmd_keys_list - the keys and their states */

int
cmd_keys_list(int argc, char **argv)
{
	static const char usage[] = "signet keys list " OPTIONS " [DOMAIN] [--check]";
	struct keys_cli o;
	struct keys_item *v;
	struct dns *dns = NULL;
	enum severity worst = SEV_OK;
	size_t  n, i;
	int     rc;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first > 1 || keys_cli_items(&o, argc > o.first ?
					   argv[o.first] : NULL, &v, &n) < 0
	    || (o.check && (dns = keys_cli_dns(&o)) == NULL)) {
		keys_cli_done(&o);
		return (argc - o.first > 1 ? 2 : 1);
	}
	printf(dns ? "%-24s %-16s %-14s %5s %-20s %-8s DNS\n" :
	       "%-24s %-16s %-14s %5s %-20s %s\n", "DOMAIN", "SELECTOR",
	       "ALGORITHM", "BITS", "CREATED", "STATE");
	for (i = 0; i < n; i++)
		keys_list_line(&o, &v[i], dns, &worst);
	keys_cli_items_free(v, n);
	dns_close(dns);
	keys_cli_done(&o);
	return (worst == SEV_CRIT ? 2 : worst == SEV_WARN ? 1 : 0);
}

/* keys_dns_one - publish or remove lines for one key */

static void
keys_dns_one(const struct keys_cli *o, const struct keys_item *it)
{
	enum key_state st = keystate_effective(&it->ks, o->overlap, o->now);
	struct buf when = BUF_INIT;
	struct buf name = BUF_INIT;

	dnsrec_name(it->ks.selector, it->ks.domain, &name);
	if (st == KS_RETIRED) {
		printf("; remove: %s. TXT (%s %s is retired)\n", name.data,
		       it->ks.domain, it->ks.selector);
	} else if (it->key == NULL) {
		printf("; %s: cannot read the key: %s\n", name.data, it->err);
	} else {
		keys_cli_print_record(&it->ks, it->key, 0);
		if (st == KS_RETIRING) {
			keystate_time(it->ks.retiring + o->overlap, &when);
			printf("; keep until %s, then remove it\n", when.data);
		}
	}
	buf_free(&when);
	buf_free(&name);
}

/* cmd_keys_dns - the records to publish, and those to remove */

int
cmd_keys_dns(int argc, char **argv)
{
	static const char usage[] = "signet keys dns " OPTIONS " [DOMAIN]";
	struct keys_cli o;
	struct keys_item *v;
	size_t  n, i;
	int     rc;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first > 1) {
		fprintf(stderr, "usage: %s\n", usage);
		keys_cli_done(&o);
		return (2);
	}
	if (keys_cli_items(&o, argc > o.first ? argv[o.first] : NULL, &v, &n) < 0) {
		keys_cli_done(&o);
		return (1);
	}
	for (i = 0; i < n; i++)
		keys_dns_one(&o, &v[i]);
	if (n == 0)
		printf("; no keys in %s\n", o.dir);
	keys_cli_items_free(v, n);
	keys_cli_done(&o);
	return (0);
}
