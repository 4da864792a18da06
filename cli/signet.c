/*++
/* NAME
/*	signet 1
/* SUMMARY
/*	signet administration command
/* SYNOPSIS
/*	signet config check [-c config]
/*	signet version
/*	signet counters [-c config] [--store SPEC] [--since T] [--until T]
/*		[--domain D] [--sender S] [--by KEYS] [--format FORMAT]
/* DESCRIPTION
/*	signet is the administrator's side of signet-milter: it links the
/*	same policy, key and signer code as the daemon, and never libmilter.
/*
/*	config check reads the policy file and every key it names, exactly
/*	as signet-milter does at start and on reload, and prints every
/*	problem as file:line:column with what to do. The default file is
/*	/etc/signet/signet.yaml, or $SIGNET_CONFIG when set.
/* DIAGNOSTICS
/*	Exit status 0: the configuration loads (warnings may be printed);
/*	1: it has errors; 2: wrong usage.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canon.h"
#include "cli/commands.h"
#include "diag.h"
#include "keyring.h"
#include "log.h"
#include "policy.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/signet/signet.yaml"

struct command {
	const char *words;		/* "config check" */
	int     (*run) (int, char **);
	const char *help;
};

/* config_path - -c, $SIGNET_CONFIG, or the default */

static const char *
config_path(int argc, char **argv)
{
	const char *path = getenv("SIGNET_CONFIG");
	int     ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: signet %s [-c config]\n", argv[0]);
			exit(2);
		}
		path = optarg;
	}
	return (path && *path ? path : DEFAULT_CONFIG);
}

/* cmd_config_check - load policy and keys as the daemon does */

static int
cmd_config_check(int argc, char **argv)
{
	const char *path = config_path(argc, argv);
	struct diag d = DIAG_INIT;
	struct policy *p;
	struct keyring *keys = NULL;
	size_t  i, nsel = 0;

	if ((p = policy_load(path, &d)) != NULL)
		keys = keyring_load(p, &d);
	fputs(diag_text(&d), stderr);
	if (p == NULL || keys == NULL) {
		fprintf(stderr, "%s: %d error%s, %d warning%s\n", path, d.errors,
			d.errors == 1 ? "" : "s", d.warnings,
			d.warnings == 1 ? "" : "s");
		diag_free(&d);
		policy_free(p);
		return (1);
	}
	for (i = 0; i < p->ndomains; i++)
		nsel += p->domains[i].nselectors;
	printf("%s: ok: %zu domain%s, %zu selector%s, %d warning%s\n", path,
	       p->ndomains, p->ndomains == 1 ? "" : "s", nsel,
	       nsel == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
	keyring_free(keys);
	policy_free(p);
	diag_free(&d);
	return (0);
}

/* cmd_version - print the version */

static int
cmd_version(int argc, char **argv)
{
	printf("signet %s\n", PACKAGE_VERSION);
	return (0);
}

static const struct command commands[] = {
	{"config check", cmd_config_check, "check the policy file and its keys"},
	{"version", cmd_version, "print the version"},
	{"counters", cmd_counters, "messages counted, by domain, sender, hour, ..."},
	{"dmarc import", cmd_dmarc_import, "import DMARC reports: files, folders, mail, -"},
	{"dmarc failures", cmd_dmarc_failures, "list DMARC failure reports"},
	{"dmarc report", cmd_dmarc_report, "DMARC reports against signet's counts; policy step"},
	{"keys generate", cmd_keys_generate, "make a DKIM key, print its DNS record"},
	{"keys list", cmd_keys_list, "keys and their states (--check: DNS too)"},
	{"keys dns", cmd_keys_dns, "DNS records to publish, and to remove"},
	{"keys check", cmd_keys_check, "check each selector's DNS record (exit 0/1/2)"},
	{"keys rotate", cmd_keys_rotate, "start a staged key rotation"},
	{"keys activate", cmd_keys_activate, "switch to pending keys seen in DNS"},
	{"check", cmd_check, "audit a domain: SPF, DKIM, DMARC, blocklists (exit 0/1/2)"},
};

/* usage - list the commands */

static void
usage(void)
{
	size_t  i;

	fprintf(stderr, "usage: signet COMMAND [options]\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(stderr, "  %-24s %s\n", commands[i].words, commands[i].help);
	exit(2);
}

/* match - do the arguments start with the command's words */

static int
match(const char *words, int argc, char **argv)
{
	char    copy[128], *w, *save = NULL;
	int     n = 0;

	(void) snprintf(copy, sizeof(copy), "%s", words);
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (n >= argc || strcmp(argv[n], w) != 0)
			return (0);
		n++;
	}
	return (n);
}

int
main(int argc, char **argv)
{
	size_t  i;
	int     n;

	if (canon_init() < 0)
		log_fatal("OpenSSL provides no SHA-256: check the OpenSSL installation");
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if ((n = match(commands[i].words, argc - 1, argv + 1)) > 0)
			return (commands[i].run(argc - n, argv + n));
	}
	usage();
}
