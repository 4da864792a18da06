/*++
/* NAME
/*	test-decide 1
/* SUMMARY
/*	golden tests of the decision engine
/* SYNOPSIS
/*	srcdir=DIR test-decide
/*
/*	SIGNET_GOLDEN_UPDATE=1 srcdir=DIR test-decide
/* DESCRIPTION
/*	Each tests/golden/decide/NAME.case holds a policy and messages:
/*
/* .nf
/*	# comment
/*	=== policy
/*	(the YAML policy)
/*	=== message LABEL
/*	client 203.0.113.9		client address; none: local
/*	name crm.example.net		forward-confirmed client name
/*	daemon ORIGINATING		{daemon_name}
/*	auth alice			{auth_authen}
/*	cert_subject CN=...		{cert_subject}
/*	cert_issuer CN=...		{cert_issuer}
/*	mail_from bounce@example.com	envelope sender ("" for <>)
/*	from Alice <alice@example.com>	a From field (repeat for several)
/*	spf example.com pass		what SPF says for that domain:
/*					pass, fail or temperror (default fail)
/* .fi
/*
/*	The policy is written to a file NAME.yaml in the current
/*	directory (the build directory; the case files are read from
/*	$srcdir) and loaded with policy_load(); each message is decided
/*	by policy_decide_mail() and policy_decide(), with an SPF
/*	evaluator that answers from the spf lines and counts the
/*	questions. The output, compared with NAME.ref: the policy's
/*	diagnostics, whether MAIL FROM needs an answer under it
/*	(policy_checks_mail(); a refusal at MAIL FROM under a policy
/*	that says no is an error line), then per message the two
/*	verdicts (kind, action, sender, domain, monitored, SPF
/*	questions) and their reasons.
/*
/*	With SIGNET_GOLDEN_UPDATE=1 the .ref files are written instead of
/*	compared. They are assertions: read each one changed.
/* DIAGNOSTICS
/*	For a case whose output differs, the lines from the first that
/*	differs, "-" wanted and "+" got; then "N passed, N failed".
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

/* System library. */

#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Utility library. */

#include "buf.h"
#include "diag.h"
#include "xalloc.h"

/* Application-specific. */

#include "decide.h"
#include "policy.h"
#include "test.h"

#define GOLDEN_DIR	"tests/golden/decide"
#define MAX_LINES	32		/* spf or from lines per message */

 /*
  * One message's facts, as read from the case file.
  */
struct fake {
	struct sockaddr_storage addr;
	struct msg_facts facts;
	const char *spf_domain[MAX_LINES];
	const char *spf_answer[MAX_LINES];
	int     nspf;
	int     questions;		/* SPF evaluations asked for */
};

/* fake_spf - the SPF evaluator of the tests: answers from the case */

static enum spf_verdict
fake_spf(void *ctx, const char *domain, const struct sockaddr *sa,
	         char *why, size_t len)
{
	struct fake *fk = ctx;
	int     i;

	fk->questions++;
	for (i = 0; i < fk->nspf; i++) {
		if (strcmp(fk->spf_domain[i], domain) != 0)
			continue;
		if (strcmp(fk->spf_answer[i], "pass") == 0)
			return (SPF_VERDICT_PASS);
		(void) snprintf(why, len, "SPF %s", fk->spf_answer[i]);
		return (strcmp(fk->spf_answer[i], "temperror") == 0 ?
			SPF_VERDICT_TEMPERROR : SPF_VERDICT_FAIL);
	}
	(void) snprintf(why, len, "SPF none");
	return (SPF_VERDICT_FAIL);
}

/* set_addr - the client address of a message */

static int
set_addr(struct fake *fk, const char *text)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *) &fk->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &fk->addr;

	if (inet_pton(AF_INET, text, &in4->sin_addr) == 1)
		in4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	else
		return (-1);
	fk->facts.client_addr = (struct sockaddr *) &fk->addr;
	return (0);
}

/* fact_line - one "name value" line of a message */

static int
fact_line(struct fake *fk, char *line)
{
	struct msg_facts *f = &fk->facts;
	char   *val = strchr(line, ' ');
	char   *sp;

	if (val == NULL)
		val = line + strlen(line);
	else
		*val++ = 0;
	if (strcmp(line, "client") == 0)
		return (set_addr(fk, val));
	if (strcmp(line, "name") == 0)
		f->client_name = val;
	else if (strcmp(line, "daemon") == 0)
		f->daemon_name = val;
	else if (strcmp(line, "auth") == 0)
		f->auth_authen = val;
	else if (strcmp(line, "cert_subject") == 0)
		f->cert_subject = val;
	else if (strcmp(line, "cert_issuer") == 0)
		f->cert_issuer = val;
	else if (strcmp(line, "mail_from") == 0)
		f->mail_from = strcmp(val, "\"\"") == 0 ? "" : val;
	else if (strcmp(line, "from") == 0) {
		if (f->nfrom++ == 0)
			f->from = val;
	} else if (strcmp(line, "spf") == 0 && fk->nspf < MAX_LINES
		   && (sp = strchr(val, ' ')) != NULL) {
		*sp++ = 0;
		fk->spf_domain[fk->nspf] = val;
		fk->spf_answer[fk->nspf++] = sp;
	} else
		return (-1);
	return (0);
}

/* kind_name - a verdict kind in the output */

static const char *
kind_name(const struct verdict *v)
{
	switch (v->kind) {
	case VERDICT_SIGN:
		return ("sign");
	case VERDICT_PASS:
		return ("pass");
	default:
		return (policy_action_name(v->action));
	}
}

/* run_message - decide one message, append what came out */

static void
run_message(struct buf *out, const struct policy *p, struct fake *fk)
{
	struct verdict v;
	int     early;

	fk->facts.spf = fake_spf;
	fk->facts.spf_ctx = fk;
	early = policy_decide_mail(p, &fk->facts, &v);
	if (early && !policy_checks_mail(p))
		buf_puts(out, "error: refused at MAIL FROM by a policy that "
			 "says it checks nothing there\n");
	buf_printf(out, "mail: %s", early ? kind_name(&v) : "continue");
	if (early)
		buf_printf(out, " sender=%s reason=\"%s\"", v.sender, v.reason);
	buf_printf(out, " spf_questions=%d\n", fk->questions);
	fk->questions = 0;
	policy_decide(p, &fk->facts, &v);
	buf_printf(out, "eoh: %s%s%s sender=%s%s spf_questions=%d\n",
		   kind_name(&v), v.kind == VERDICT_SIGN ? " d=" : "",
		   v.kind == VERDICT_SIGN ? v.domain->name : "", v.sender,
		   v.monitored ? " monitored" : "", fk->questions);
	buf_printf(out, "reason: %s\n", v.reason);
}

/* split_case - the policy text and the message blocks of a case */

static char *
split_case(char *text, char **messages)
{
	char   *policy = strstr(text, "=== policy\n");

	*messages = NULL;
	if (policy == NULL)
		return (NULL);
	policy += strlen("=== policy\n");
	if ((*messages = strstr(policy, "=== message ")) != NULL)
		(*messages)[-1] = 0;
	return (policy);
}

/* run_messages - every message block of a case */

static void
run_messages(struct buf *out, const struct policy *p, char *msgs)
{
	struct fake fk;
	char   *line, *next;
	int     open = 0;

	memset(&fk, 0, sizeof(fk));
	for (line = msgs; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = 0;
		if (strncmp(line, "=== message ", 12) == 0) {
			if (open)
				run_message(out, p, &fk);
			memset(&fk, 0, sizeof(fk));
			buf_printf(out, "=== %s\n", line + 12);
			open = 1;
		} else if (*line != 0 && *line != '#' && fact_line(&fk, line) < 0) {
			buf_printf(out, "bad fact line: %s\n", line);
		}
	}
	if (open)
		run_message(out, p, &fk);
}

/* compare - the output against NAME.ref, or write it */

static void
compare(const char *name, const char *got, int update)
{
	struct buf ref = BUF_INIT;
	char   *want;

	buf_printf(&ref, "%s/%s/%s.ref", test_srcdir(), GOLDEN_DIR, name);
	if (update) {
		if (test_write_file(ref.data, got) != 0) {
			printf("  %s: %s\n", ref.data, strerror(errno));
			test_failures++;
		}
	} else if ((want = test_read_file(ref.data, NULL)) == NULL) {
		printf("  %s: %s\n", ref.data, strerror(errno));
		test_failures++;
	} else {
		if (strcmp(want, got) != 0) {
			printf("  %s differs; got:\n%s", ref.data, got);
			test_failures++;
		}
		free(want);
	}
	buf_free(&ref);
}

/* golden_case - one case file */

static void
golden_case(const char *name, int update)
{
	struct buf path = BUF_INIT, yaml = BUF_INIT, got = BUF_INIT;
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	char   *text, *policy, *msgs;

	buf_printf(&path, "%s/%s/%s.case", test_srcdir(), GOLDEN_DIR, name);
	buf_printf(&yaml, "%s.yaml", name);
	if ((text = test_read_file(path.data, NULL)) == NULL
	    || (policy = split_case(text, &msgs)) == NULL) {
		printf("  %s: cannot read, or no \"=== policy\" line\n", path.data);
		test_failures++;
	} else if (test_write_file(yaml.data, policy) != 0) {
		printf("  %s: %s\n", yaml.data, strerror(errno));
		test_failures++;
	} else {
		p = policy_load(yaml.data, &d);
		(void) unlink(yaml.data);
		buf_puts(&got, diag_text(&d));
		if (p != NULL)
			buf_printf(&got, "MAIL FROM answered: %s\n",
				   policy_checks_mail(p) ? "yes" : "no");
		if (p != NULL)
			run_messages(&got, p, msgs);
		compare(name, got.data ? got.data : "", update);
	}
	policy_free(p);
	diag_free(&d);
	free(text);
	buf_free(&path);
	buf_free(&yaml);
	buf_free(&got);
}

/* test_golden - every case of the golden directory */

static void
test_golden(void)
{
	const char *env = getenv("SIGNET_GOLDEN_UPDATE");
	int     update = env != NULL && strcmp(env, "1") == 0;
	struct buf gdir = BUF_INIT;
	struct dirent *de;
	DIR    *dir;
	size_t  len;
	int     n = 0;

	test_begin(update ? "golden decide (updating .ref files)" : "golden decide");
	buf_printf(&gdir, "%s/%s", test_srcdir(), GOLDEN_DIR);
	if ((dir = opendir(gdir.data)) == NULL) {
		printf("  %s: %s\n", gdir.data, strerror(errno));
		test_failures++;
	}
	buf_free(&gdir);
	while (dir != NULL && (de = readdir(dir)) != NULL) {
		len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".case") == 0) {
			char   *name = xstrndup(de->d_name, len - 5);

			golden_case(name, update);
			free(name);
			n++;
		}
	}
	if (dir != NULL)
		(void) closedir(dir);
	test_assert(n >= 5);
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_golden,
		NULL,
	};

	return (test_run(tests));
}
