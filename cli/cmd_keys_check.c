/*++
/* NAME
/*	cmd_keys_check 1
/* SUMMARY
/*	signet keys check, rotate and activate
/* SYNOPSIS
/*	signet keys check [options] [DOMAIN] [--format text|json]
/*	signet keys rotate [options] DOMAIN [--algorithm A] [--selector S]
/*	signet keys activate [options] DOMAIN [--reload]
/* DESCRIPTION
/*	check looks up the record of every key (of DOMAIN, or of all) and
/*	prints one verdict line per selector: present, matching the
/*	private key, t=y, key size, syntax (see keycheck(3)). A pending
/*	key that is not yet right, or a retiring one, is a warning at
/*	most: no mail depends on it yet, or any more. Retired keys are
/*	not looked up.
/*
/*	rotate starts a rotation: for each algorithm with an active key
/*	(or --algorithm), a new key is made in state pending, and the
/*	command prints its record, the selector line for the policy and
/*	the steps that follow: name the new selector in the policy next
/*	to the old one (a pending key never signs), reload, publish.
/*
/*	activate finishes it: each pending key whose record is published
/*	and matches becomes active, and the active key it replaces
/*	becomes retiring; its record must stay published for the overlap
/*	(keys: overlap, default 7d), after which it is retired and
/*	signet keys dns lists it for removal. --reload then tells
/*	signet-milter (SIGUSR1 to the policy's pidfile). signet-milter
/*	takes the same steps by itself when it sees a pending key's
/*	record published (keywatch(3)); activate makes them at once.
/* DIAGNOSTICS
/*	check exits 0 when all is well, 1 on a warning, 2 on a critical
/*	problem, for monitoring. rotate and activate exit 0 on success, 1
/*	when a key was not made or not activated; 2 on wrong usage.
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

/* keys_check_one - findings about one key; its severity */

enum severity
keys_check_one(const struct keys_cli *o, struct dns *dns,
	       const struct keys_item *it, struct findings *f)
{
	enum key_state st = keystate_effective(&it->ks, o->overlap, o->now);
	struct keycheck kc;
	struct buf subj = BUF_INIT;
	size_t  first = f->n, i;

	buf_printf(&subj, "%s._domainkey.%s", it->ks.selector, it->ks.domain);
	if (st == KS_RETIRED)
		finding_add(f, SEV_OK, "dkim", subj.data, NULL, "retired: its "
			    "record may be removed");
	else if (it->key == NULL)
		finding_add(f, SEV_CRIT, "dkim", subj.data, "fix the key file "
			    "or its permissions", "%s", it->err);
	else {
		(void) keycheck_dns(dns, it->ks.domain, it->ks.selector, it->key,
				    f, &kc);
		keycheck_free(&kc);
		for (i = first; st != KS_ACTIVE && i < f->n; i++)
			if (f->v[i].sev == SEV_CRIT)
				f->v[i].sev = SEV_WARN;
	}
	buf_free(&subj);
	return (findings_worst(f, first));
}

/* keys_check_print - the verdict line of one key */

static void
keys_check_print(const struct keys_cli *o, const struct keys_item *it,
		 const struct findings *f, size_t first)
{
	enum severity sev = findings_worst(f, first);
	size_t  i;
	int     n = 0;

	printf("%s %s (%s): %s:", it->ks.domain, it->ks.selector,
	       keystate_name(keystate_effective(&it->ks, o->overlap, o->now)),
	       sev == SEV_CRIT ? "CRITICAL" : sev == SEV_WARN ? "WARNING" : "OK");
	for (i = first; i < f->n; i++) {
		if (f->v[i].sev < sev)
			continue;
		printf("%s %s", n++ ? ";" : "", f->v[i].text);
		if (f->v[i].fix)
			printf(" (%s)", f->v[i].fix);
	}
	putchar('\n');
}

/* cmd_keys_check - one verdict per selector; exit 0, 1 or 2 */

int
cmd_keys_check(int argc, char **argv)
{
	static const char usage[] = "signet keys check " OPTIONS
		" [DOMAIN] [--format text|json]";
	struct findings f = FINDINGS_INIT;
	struct buf json = BUF_INIT;
	struct keys_cli o;
	struct keys_item *v;
	struct dns *dns;
	enum severity worst = SEV_OK, sev;
	size_t  n, i, first;
	int     rc;

	if ((rc = keys_cli_init(&o, argc, argv, usage)) != 0)
		return (rc);
	if (argc - o.first > 1 || (o.format && strcmp(o.format, "json") != 0
				   && strcmp(o.format, "text") != 0)) {
		fprintf(stderr, "usage: %s\n", usage);
		keys_cli_done(&o);
		return (2);
	}
	if (keys_cli_items(&o, argc > o.first ? argv[o.first] : NULL, &v, &n) < 0
	    || (dns = keys_cli_dns(&o)) == NULL) {
		keys_cli_done(&o);
		return (2);
	}
	for (i = 0; i < n; i++) {
		first = f.n;
		if ((sev = keys_check_one(&o, dns, &v[i], &f)) > worst)
			worst = sev;
		if (o.format == NULL || strcmp(o.format, "text") == 0)
			keys_check_print(&o, &v[i], &f, first);
	}
	if (n == 0)
		fprintf(stderr, "signet keys check: no keys%s%s in %s\n",
			argc > o.first ? " for " : "", argc > o.first ?
			argv[o.first] : "", o.dir);
	if (o.format != NULL && strcmp(o.format, "json") == 0) {
		buf_puts(&json, "{\"severity\": ");
		json_string(&json, severity_name(worst));
		buf_puts(&json, ", \"findings\": ");
		findings_json(&f, &json);
		printf("%s}\n", json.data);
	}
	buf_free(&json);
	findings_free(&f);
	keys_cli_items_free(v, n);
	dns_close(dns);
	keys_cli_done(&o);
	return (n == 0 ? 2 : worst == SEV_CRIT ? 2 : worst == SEV_WARN ? 1 : 0);
}
