/*++
/* NAME
/*	signing 3
/* SUMMARY
/*	the DKIM signatures of a message, made and inserted
/* SYNOPSIS
/*	#include "session.h"
/*
/*	int	signing_sign(struct msg *m, struct buf *values, size_t *nvalues,
/*			struct buf *names, struct buf *err);
/*	int	signing_insert(struct eng_ctx *ctx, const struct conn *c,
/*			const struct buf *value);
/* DESCRIPTION
/*	signing_sign() makes, with the body hash that end of message
/*	finished into m->bh, one signature per
/*	selector of the verdict's domain that may sign now (see keywatch(3)),
/*	with the keys decoded at load. values gets at most MSG_SIG_MAX field
/*	values, names the selectors used, comma-separated.
/*
/*	signing_insert() adds one DKIM-Signature field above all others,
/*	folded with LF as milters must.
/* DIAGNOSTICS
/*	Both return -1 on failure; signing_sign() says why in err.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "keyring.h"
#include "keywatch.h"
#include "session.h"
#include "xalloc.h"

/* signing_sign - one signature per selector of the domain that signs now */

int
signing_sign(struct msg *m, struct buf *values, size_t *nvalues,
	 struct buf *names, struct buf *err)
{
	const struct policy *p = m->snap->policy;
	const struct policy_domain *d = m->verdict.domain;
	struct sign_request req;
	size_t  i, use[MSG_SIG_MAX], nuse;

	if ((nuse = keywatch_select(m->snap->watch, d, use, MSG_SIG_MAX)) == 0) {
		buf_printf(err, "no selector of %s may sign now (see the \"keys:\" "
			   "log lines)", d->name);
		return (-1);
	}

	if (!m->has_bh) {
		buf_printf(err, "no body hash");
		return (-1);
	}
	memset(&req, 0, sizeof(req));
	req.domain = d->name;
	req.header_canon = p->signing.header_canon;
	req.body_canon = p->signing.body_canon;
	req.headers = p->signing.headers;
	req.nheaders = p->signing.nheaders;
	req.oversign = p->signing.oversign;
	req.noversign = p->signing.noversign;
	req.timestamp = time(NULL);
	req.expire = p->signing.expire;
	for (i = 0; i < nuse; i++) {
		req.selector = d->selectors[use[i]].name;
		req.alg = d->selectors[use[i]].alg;
		if ((req.key = keyring_find(m->snap->keys, &d->selectors[use[i]])) == NULL) {
			buf_printf(err, "no key loaded for selector %s", req.selector);
			return (-1);
		}
		buf_init(&values[i]);
		*nvalues = i + 1;
		if (dkim_sign(&req, m->hdrs, m->nhdrs, m->bh, &values[i],
			      err) < 0)
			return (-1);
		buf_printf(names, "%s%s", i ? "," : "", req.selector);
	}
	return (0);
}

/* signing_insert - add one signature above all other fields */

int
signing_insert(struct eng_ctx *ctx, const struct conn *c, const struct buf *v)
{
	char   *text = xmalloc(v->len + 1), *q = text;
	const char *p = c->leadspc ? v->data : v->data + 1;
	int     ret;

	for (; *p; p++)			/* milters fold with LF only */
		if (*p != '\r')
			*q++ = *p;
	*q = 0;
	ret = eng_insheader(ctx, 0, "DKIM-Signature", text);
	free(text);
	return (ret == 0 ? 0 : -1);
}
