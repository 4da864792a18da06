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
/*	with the keys decoded at load. The header fields are canonicalised
/*	and hashed once for all the signatures (see sign(3)): with an RSA
/*	and an Ed25519 selector, the second signature costs little more
/*	than its key operation. values gets at most MSG_SIG_MAX field
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
	struct sign_headers sh;
	size_t  i, use[MSG_SIG_MAX], nuse;
	int     ret = 0;

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
	req.epoch = m->snap->generation;	/* contexts kept per thread */
	dkim_headers_hash(&req, m->hdrs, m->nhdrs, &sh);
	for (i = 0; ret == 0 && i < nuse; i++) {
		req.selector = d->selectors[use[i]].name;
		req.alg = d->selectors[use[i]].alg;
		if ((req.key = keyring_find(m->snap->keys, &d->selectors[use[i]])) == NULL) {
			buf_printf(err, "no key loaded for selector %s", req.selector);
			ret = -1;
			break;
		}
		buf_init(&values[i]);
		*nvalues = i + 1;
		if ((ret = dkim_sign_hashed(&req, &sh, m->bh, &values[i],
					    err)) == 0)
			buf_printf(names, "%s%s", i ? "," : "", req.selector);
	}
	dkim_headers_free(&sh);
	return (ret);
}

/* signing_insert - add one signature above all other fields */

int
signing_insert(struct eng_ctx *ctx, const struct conn *c, const struct buf *v)
{
	char   *text = xmalloc(v->len + 1), *q = text;
	const char *p = c->leadspc ? v->data : v->data + 1;
	const char *end = v->data + v->len, *cr;
	int     ret;

	while ((cr = memchr(p, '\r', end - p)) != NULL) {
		memcpy(q, p, cr - p);		/* milters fold with LF only */
		q += cr - p;
		p = cr + 1;
	}
	memcpy(q, p, end - p);
	q[end - p] = 0;
	ret = eng_insheader(ctx, 0, "DKIM-Signature", text);
	free(text);
	return (ret == 0 ? 0 : -1);
}
