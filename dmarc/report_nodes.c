/*++
/* NAME
/*	report_nodes 3
/* SUMMARY
/*	the element tree of an aggregate report
/* SYNOPSIS
/*	#include "report_nodes.h"
/*
/*	const struct xml_node *xml_node_find(enum xml_id parent,
/*			const char *local_name);
/* DESCRIPTION
/*	One table holds every element of RFC 7489 appendix C and RFC 9990
/*	that signet reads: for each, its parent, and for a value where
/*	it is stored and how it is folded. <identities> (an old draft)
/*	reads as <identifiers>; an SPF <scope> goes where a DKIM
/*	<selector> does.
/*
/*	xml_node_find() returns the element NAME under PARENT, or NULL
/*	for one signet does not read (its content is skipped).
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stddef.h>
#include <string.h>

#include "report.h"
#include "report_nodes.h"

#define REP(f)	D_REPORT, offsetof(struct dmarc_report, f)
#define ROW(f)	D_ROW, offsetof(struct dmarc_row, f)
#define RSN(f)	D_REASON, offsetof(struct dmarc_reason, f)
#define AUTH(f)	D_AUTH, offsetof(struct dmarc_auth, f)
#define SPECIAL(d)	d, 0
#define BOX	D_NONE, 0, F_TRIM

const struct xml_node xml_wrapper_node = {N_TOP, "(wrapper)", N_WRAPPER, BOX};

static const struct xml_node nodes[] = {
	{N_TOP, "feedback", N_FEEDBACK, BOX},
	{N_FEEDBACK, "version", N_LEAF, REP(version), F_TRIM},
	{N_FEEDBACK, "report_metadata", N_META, BOX},
	{N_FEEDBACK, "policy_published", N_POLICY, BOX},
	{N_FEEDBACK, "record", N_RECORD, BOX},
	{N_META, "org_name", N_LEAF, REP(org_name), F_TRIM},
	{N_META, "email", N_LEAF, REP(email), F_TRIM},
	{N_META, "extra_contact_info", N_LEAF, REP(extra_contact), F_TRIM},
	{N_META, "report_id", N_LEAF, REP(report_id), F_TRIM},
	{N_META, "generator", N_LEAF, REP(generator), F_TRIM},
	{N_META, "error", N_LEAF, SPECIAL(D_ERROR), F_TRIM},
	{N_META, "date_range", N_RANGE, BOX},
	{N_RANGE, "begin", N_LEAF, SPECIAL(D_BEGIN), F_TRIM},
	{N_RANGE, "end", N_LEAF, SPECIAL(D_END), F_TRIM},
	{N_POLICY, "domain", N_LEAF, REP(domain), F_LOWER},
	{N_POLICY, "adkim", N_LEAF, REP(adkim), F_LOWER},
	{N_POLICY, "aspf", N_LEAF, REP(aspf), F_LOWER},
	{N_POLICY, "p", N_LEAF, REP(p), F_LOWER},
	{N_POLICY, "sp", N_LEAF, REP(sp), F_LOWER},
	{N_POLICY, "np", N_LEAF, REP(np), F_LOWER},
	{N_POLICY, "fo", N_LEAF, REP(fo), F_LOWER},
	{N_POLICY, "testing", N_LEAF, REP(testing), F_LOWER},
	{N_POLICY, "discovery_method", N_LEAF, REP(discovery), F_LOWER},
	{N_POLICY, "pct", N_LEAF, SPECIAL(D_PCT), F_TRIM},
	{N_RECORD, "row", N_ROW, BOX},
	{N_RECORD, "identifiers", N_IDS, BOX},
	{N_RECORD, "identities", N_IDS, BOX},
	{N_RECORD, "auth_results", N_AUTH, BOX},
	{N_ROW, "source_ip", N_LEAF, SPECIAL(D_IP), F_TRIM},
	{N_ROW, "count", N_LEAF, SPECIAL(D_COUNT), F_TRIM},
	{N_ROW, "policy_evaluated", N_PE, BOX},
	{N_PE, "disposition", N_LEAF, ROW(disposition), F_LOWER},
	{N_PE, "dkim", N_LEAF, ROW(dkim), F_LOWER},
	{N_PE, "spf", N_LEAF, ROW(spf), F_LOWER},
	{N_PE, "reason", N_REASON, BOX},
	{N_REASON, "type", N_LEAF, RSN(type), F_LOWER},
	{N_REASON, "comment", N_LEAF, RSN(comment), F_TRIM},
	{N_IDS, "header_from", N_LEAF, ROW(header_from), F_LOWER},
	{N_IDS, "envelope_from", N_LEAF, ROW(envelope_from), F_LOWER},
	{N_IDS, "envelope_to", N_LEAF, ROW(envelope_to), F_LOWER},
	{N_AUTH, "dkim", N_ADKIM, BOX},
	{N_AUTH, "spf", N_ASPF, BOX},
	{N_ADKIM, "domain", N_LEAF, AUTH(domain), F_LOWER},
	{N_ADKIM, "selector", N_LEAF, AUTH(sel), F_TRIM},
	{N_ADKIM, "result", N_LEAF, AUTH(result), F_LOWER},
	{N_ADKIM, "human_result", N_LEAF, AUTH(human), F_TRIM},
	{N_ASPF, "domain", N_LEAF, AUTH(domain), F_LOWER},
	{N_ASPF, "scope", N_LEAF, AUTH(sel), F_LOWER},
	{N_ASPF, "result", N_LEAF, AUTH(result), F_LOWER},
	{N_ASPF, "human_result", N_LEAF, AUTH(human), F_TRIM},
};

/* xml_node_find - the element NAME under PARENT */

const struct xml_node *
xml_node_find(enum xml_id parent, const char *name)
{
	size_t  i;

	for (i = 0; i < sizeof(nodes) / sizeof(*nodes); i++)
		if (nodes[i].parent == parent && strcmp(nodes[i].name, name) == 0)
			return (&nodes[i]);
	return (NULL);
}
