/*++
/* NAME
/*	cmd_keys_rotate 1
/* SUMMARY
/*	signet keys rotate and signet keys activate
/* SYNOPSIS
/*	signet keys rotate [options] DOMAIN [--algorithm A] [--selector S]
/*	signet keys activate [options] DOMAIN [--reload]
/* DESCRIPTION
/*	See cmd_keys_check(1), which documents the whole keys life cycle.
/*	rotate makes the pending successor of each active key of DOMAIN
/*	(same algorithm and size, RSA at least 2048 bits), or of
/*	--algorithm only. activate checks each pending key's record and
/*	switches the states when it matches; it also retires retiring
/*	keys whose overlap has passed.
/* DIAGNOSTICS
/*	Exit 0 on success; 1 when a key was not made or not activated
/*	(the reason is printed); 2 on wrong usage.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/keys_cli.h"
#include "keycheck.h"
#include "keygen.h"

#define OPTIONS	"[-c config] [--directory DIR] [--nameserver IP[@PORT]]"

/* rotate_one - the pending successor for one algorithm; 0 or -1 */

static int
rotate_one(struct keys_cli *o, const char *domain, enum dkim_alg alg,
	   int bits, const struct keys_item *old)
{
	struct keystate ks;
	struct buf until = BUF_INIT;
	EVP_PKEY *key;

	if ((key = keys_cli_new_key(o, domain, alg, bits, KS_PENDING, &ks)) == NULL)
		return (-1);
	keys_cli_print_record(&ks, key, 0);
	printf("; policy: - {name: %s, algorithm: %s, key: %s}\n", ks.selector,
	       policy_alg_name(alg), ks.key_path);
	printf("; next: 1. add selector %s to the policy next to the old one "
	       "and reload signet-milter: a pending key never signs;\n"
	       ";   2. publish the record above; signet-milter switches to the "
	       "new key once it sees the record published and matching\n"
	       ";   (within keys: check_interval), or at once after signet keys "
	       "activate %s and a reload\n", ks.selector, domain);
	if (old != NULL) {
		keystate_time(o->now + o->overlap, &until);
		printf("; the old key %s stays published for %ld s after the "
		       "switch (overlap; not before %s); signet keys dns says when "
		       "its record may be removed\n", old->ks.selector, o->overlap,
		       until.data);
	}
	EVP_PKEY_free(key);
	keystate_free(&ks);
	buf_free(&until);
	return (0);
}

/* rotate_find - the active and pending keys of one algorithm */

static void
rotate_find(const struct keys_cli *o, struct keys_item *v, size_t n,
	    enum dkim_alg alg, struct keys_item **active,
	    struct keys_item **pending)
{
	enum key_state st;
	size_t  i;

	*active = *pending = NULL;
	for (i = 0; i < n; i++) {
		if (v[i].ks.alg != alg)
			continue;
		st = keystate_effective(&v[i].ks, o->overlap, o->now);
		if (st == KS_ACTIVE)
			*active = &v[i];
		else if (st == KS_PENDING)
			*pending = &v[i];
	}
}

/* rotate_alg - rotate one algorithm; 0, or -1 when reported */

static int
rotate_alg(struct keys_cli *o, const char *domain, struct keys_item *v,
	   size_t n, enum dkim_alg alg, int bits)
{
	struct keys_item *active, *pending;

	rotate_find(o, v, n, alg, &active, &pending);
	if (pending != NULL) {
		fprintf(stderr, "signet keys rotate: %s already has the pending "
			"%s key %s; publish its record and run signet keys "
			"activate %s\n", domain, policy_alg_name(alg),
			pending->ks.selector, domain);
		return (-1);
	}
	if (active != NULL && bits == 0)
		bits = active->ks.bits;
	if (alg == ALG_RSA_SHA256 && bits < 2048)
		bits = 2048;
	return (rotate_one(o, domain, alg, bits, active));
}

/* cmd_keys_rotate - start a staged rotation */

int
cmd_keys_rotate(int argc, char **argv)
{
	static const char usage[] = "signet keys rotate " OPTIONS " DOMAIN "
		"[--algorithm rsa-2048|rsa-3072|rsa-4096|ed25519] [--selector S]";
	struct keys_cli o;
	struct keys_item *v;
	enum dkim_alg alg;
	size_t  n;
	int     bits = 0, rc, has[2] = {0, 0}, i;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first != 1
	    || (o.algorithm && keygen_parse_alg(o.algorithm, &alg, &bits) < 0)) {
		fprintf(stderr, "usage: %s\n", usage);
		keys_cli_done(&o);
		return (2);
	}
	if (keys_cli_domain_items(&o, argv[o.first], &v, &n) < 0) {
		keys_cli_done(&o);
		return (1);
	}
	if (o.algorithm)
		has[alg] = 1;
	else
		for (i = 0; i < (int) n; i++)
			if (keystate_effective(&v[i].ks, o.overlap, o.now) == KS_ACTIVE)
				has[v[i].ks.alg] = 1;
	if (!has[0] && !has[1]) {
		fprintf(stderr, "signet keys rotate: %s has no active key to "
			"replace; make one with signet keys generate %s\n",
			argv[o.first], argv[o.first]);
		rc = 1;
	} else if (has[0] && has[1] && o.selector) {
		fprintf(stderr, "signet keys rotate: %s has RSA and Ed25519 keys; "
			"--selector needs --algorithm\n", argv[o.first]);
		rc = 2;
	}
	for (i = 0; rc == 0 && i < 2; i++)
		if (has[i] && rotate_alg(&o, argv[o.first], v, n,
					 (enum dkim_alg) i, bits) < 0)
			rc = 1;
	keys_cli_items_free(v, n);
	keys_cli_done(&o);
	return (rc);
}

/* activate_save - move a key to a state, write it; 0 or -1 */

static int
activate_save(const struct keys_cli *o, struct keystate *ks,
	      enum key_state state)
{
	struct buf err = BUF_INIT;
	int     ret;

	if ((ret = keystate_change(ks, state, o->now, o->uid, o->gid, &err)) < 0)
		fprintf(stderr, "signet keys activate: %s\n", err.data);
	buf_free(&err);
	return (ret);
}

/* activate_sweep - retiring keys past their overlap become retired */

static int
activate_sweep(const struct keys_cli *o, struct keys_item *v, size_t n)
{
	size_t  i;
	int     ret = 0;

	for (i = 0; i < n; i++) {
		if (v[i].ks.state != KS_RETIRING
		    || keystate_effective(&v[i].ks, o->overlap, o->now) != KS_RETIRED)
			continue;
		if (activate_save(o, &v[i].ks, KS_RETIRED) < 0)
			ret = -1;
		else
			printf("%s %s: retired; remove its record: %s._domainkey.%s\n",
			       v[i].ks.domain, v[i].ks.selector, v[i].ks.selector,
			       v[i].ks.domain);
	}
	return (ret);
}

/* activate_one - switch to one pending key if its record matches */

static int
activate_one(const struct keys_cli *o, struct dns *dns, struct keys_item *v,
	     size_t n, struct keys_item *p)
{
	struct findings f = FINDINGS_INIT;
	struct keycheck kc;
	struct buf until = BUF_INIT;
	size_t  i;
	int     ret = 0;

	(void) keycheck_dns(dns, p->ks.domain, p->ks.selector, p->key, &f, &kc);
	if (!kc.matches || kc.revoked) {
		printf("%s %s: not activated: %s\n", p->ks.domain, p->ks.selector,
		       f.n ? f.v[0].text : "no record");
		ret = -1;
	} else {
		ret = activate_save(o, &p->ks, KS_ACTIVE);
		for (i = 0; ret == 0 && i < n; i++) {
			if (&v[i] == p || v[i].ks.alg != p->ks.alg
			    || keystate_effective(&v[i].ks, o->overlap, o->now) != KS_ACTIVE)
				continue;
			buf_reset(&until);
			keystate_time(o->now + o->overlap, &until);
			if ((ret = activate_save(o, &v[i].ks, KS_RETIRING)) == 0)
				printf("%s %s: retiring; keep its record published "
				       "until %s\n", v[i].ks.domain, v[i].ks.selector,
				       until.data);
		}
		if (ret == 0)
			printf("%s %s: active\n", p->ks.domain, p->ks.selector);
	}
	keycheck_free(&kc);
	findings_free(&f);
	buf_free(&until);
	return (ret);
}

/* activate_reload - SIGUSR1 to signet-milter; 0 or -1 */

static int
activate_reload(const struct keys_cli *o)
{
	FILE   *fp;
	long    pid = 0;

	if (o->policy == NULL || o->policy->pidfile == NULL) {
		fprintf(stderr, "signet keys activate: no pidfile in the policy; "
			"reload signet-milter yourself (kill -USR1 PID)\n");
		return (-1);
	}
	if ((fp = fopen(o->policy->pidfile, "r")) == NULL
	    || fscanf(fp, "%ld", &pid) != 1 || pid <= 1
	    || kill((pid_t) pid, SIGUSR1) < 0) {
		fprintf(stderr, "signet keys activate: cannot signal signet-milter "
			"(pidfile %s): %s\n", o->policy->pidfile,
			pid > 1 ? strerror(errno) : "no process id in it");
		if (fp)
			fclose(fp);
		return (-1);
	}
	fclose(fp);
	printf("signet-milter (pid %ld) reloads\n", pid);
	return (0);
}

/* cmd_keys_activate - pending keys whose records match become active */

int
cmd_keys_activate(int argc, char **argv)
{
	static const char usage[] = "signet keys activate " OPTIONS
		" DOMAIN [--reload]";
	struct keys_cli o;
	struct keys_item *v;
	struct dns *dns = NULL;
	size_t  n, i;
	int     rc, pending = 0;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		keys_cli_done(&o);
		return (2);
	}
	if (keys_cli_domain_items(&o, argv[o.first], &v, &n) < 0) {
		keys_cli_done(&o);
		return (1);
	}
	if (activate_sweep(&o, v, n) < 0 || (dns = keys_cli_dns(&o)) == NULL)
		rc = 1;
	for (i = 0; dns != NULL && i < n; i++) {
		if (v[i].ks.state != KS_PENDING)
			continue;
		pending++;
		if (v[i].key == NULL) {
			printf("%s %s: not activated: %s\n", v[i].ks.domain,
			       v[i].ks.selector, v[i].err);
			rc = 1;
		} else if (activate_one(&o, dns, v, n, &v[i]) < 0)
			rc = 1;
	}
	if (dns != NULL && pending == 0)
		printf("%s: no pending key\n", argv[o.first]);
	if (o.reload && rc == 0 && activate_reload(&o) < 0)
		rc = 1;
	dns_close(dns);
	keys_cli_items_free(v, n);
	keys_cli_done(&o);
	return (rc);
}
