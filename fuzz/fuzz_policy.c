/*++
/* NAME
/*	fuzz_policy 1
/* SUMMARY
/*	libFuzzer target: the YAML policy loader
/* SYNOPSIS
/*	fuzz_policy [libFuzzer options] [CORPUS...]
/* DESCRIPTION
/*	Writes each input to one temporary file (policy_load() reads a
/*	path) and loads it as signet.yaml: a policy or a list of
/*	diagnostics, never a crash, a leak or undefined behaviour. A
/*	loaded policy must come with no error, a refused one with at
/*	least one.
/* DIAGNOSTICS
/*	Aborts when the loader's result and its diagnostics disagree.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diag.h"
#include "policy.h"

int     LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char path[] = "/tmp/fuzz-policy-XXXXXX";
static int fd = -1;

/* cleanup - remove the temporary file at exit */

static void
cleanup(void)
{
	if (fd >= 0)
		(void) unlink(path);
}

/* put - replace the file's content with the input */

static int
put(const uint8_t *data, size_t len)
{
	if (fd < 0) {
		if ((fd = mkstemp(path)) < 0) {
			perror("fuzz_policy: mkstemp in /tmp");
			abort();
		}
		atexit(cleanup);
	}
	if (ftruncate(fd, 0) != 0
	    || pwrite(fd, data, len, 0) != (ssize_t) len) {
		perror("fuzz_policy: write the input to the temporary file");
		abort();
	}
	return (0);
}

/* LLVMFuzzerTestOneInput - load one input as a policy */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct diag d = DIAG_INIT;
	struct policy *p;

	put(data, len);
	p = policy_load(path, &d);
	if ((p != NULL) != (d.errors == 0)) {
		fprintf(stderr, "fuzz_policy: policy %s with %d errors:\n%s\n",
			p ? "loaded" : "refused", d.errors, diag_text(&d));
		abort();
	}
	policy_free(p);
	diag_free(&d);
	return (0);
}
