/*++
/* NAME
/*	test-spfparse 1
/* SUMMARY
/*	SPF record syntax tests (audit/spf_parse.c)
/* DESCRIPTION
/*	Records that RFC 7208 section 12 accepts, each with the terms it
/*	must be split into; records it refuses, each with the message
/*	that names the term and what is wrong with it.
/* LICENSE
/*	MIT; see LICENSE in the source distribution.
/*--*/

#include "config.h"

#include <stdlib.h>

#include "audit/spf_parse.h"
#include "buf.h"
#include "test.h"

/* terms_text - "kind:qualifier:arg:cidr4:cidr6 ..." of a parsed record */

static char *
terms_text(const struct spf_record *rec)
{
	struct buf out = BUF_INIT;
	const struct spf_term *t;
	size_t  i;

	for (i = 0; i < rec->nterms; i++) {
		t = &rec->terms[i];
		buf_printf(&out, "%s%s%c%s%s", i ? " " : "", spf_kind_name(t->kind),
			   t->qualifier ? t->qualifier : '=', t->arg ? t->arg : "",
			   t->macro ? "(m)" : "");
		if (t->cidr4 >= 0 || t->cidr6 >= 0)
			buf_printf(&out, "/%d//%d", t->cidr4, t->cidr6);
	}
	return (out.data ? buf_steal(&out) : calloc(1, 1));
}

/* test_valid - records receivers accept, split into their terms */

static void
test_valid(void)
{
	static const struct {
		const char *record;
		const char *terms;
	}       cases[] = {
		{"v=spf1", ""},
		{"V=SPF1 -ALL", "all-"},
		{"v=spf1  ip4:192.0.2.0/24   ~all ", "ip4+192.0.2.0/24/24//-1 all~"},
		{"v=spf1 ip6:2001:db8::/32 ip6:2001:db8::1 -all",
		"ip6+2001:db8::/32/-1//32 ip6+2001:db8::1 all-"},
		{"v=spf1 a mx a:mail.example.com/28 mx//64 a/24//48 -all",
		"a+ mx+ a+mail.example.com/28//-1 mx+/-1//64 a+/24//48 all-"},
		{"v=spf1 include:_spf.example.net ?include:x.example.org -all",
		"include+_spf.example.net include?x.example.org all-"},
		{"v=spf1 ptr ptr:example.com exists:%{i}.bl.example.com -all",
		"ptr+ ptr+example.com exists+%{i}.bl.example.com(m) all-"},
		{"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
		"exists+%{ir}.%{l1r+-}._spf.%{d}(m) all-"},
		{"v=spf1 redirect=_spf.example.com", "redirect=_spf.example.com"},
		{"v=spf1 -all exp=explain._spf.%{d}", "all- exp=explain._spf.%{d}(m)"},
		{"v=spf1 include:example.com. -all", "include+example.com. all-"},
		{"v=spf1 foo=bar%%baz -all", "modifier=bar%%baz all-"},
		{"v=spf1 a:x.1-2 -all", "a+x.1-2 all-"},
	};
	struct spf_record rec;
	struct buf err = BUF_INIT;
	char   *got;
	size_t  i;

	test_begin("valid records");
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		buf_reset(&err);
		if (spf_record_parse(cases[i].record, &rec, &err) < 0) {
			printf("  \"%s\": refused: %s\n", cases[i].record, err.data);
			test_failures++;
			continue;
		}
		got = terms_text(&rec);
		test_assert_str(got, cases[i].terms);
		free(got);
		spf_record_free(&rec);
	}
	buf_free(&err);
	test_end();
}

/* test_invalid - records that are permerrors, and what the message says */

static void
test_invalid(void)
{
	static const struct {
		const char *record;
		const char *error;
	}       cases[] = {
		{"v=spf10 -all", "it does not start with \"v=spf1\""},
		{"spf1 -all", "it does not start with \"v=spf1\""},
		{"v=spf1 ip4:192.0.2.300", "term 1 \"ip4:192.0.2.300\": \"192.0.2.300\" is not an IPv4 address"},
		{"v=spf1 ip4:192.0.2.0/33", "term 1 \"ip4:192.0.2.0/33\": prefix length \"/33\" is not valid for IPv4 (/0 to /32)"},
		{"v=spf1 ip4:2001:db8::1", "term 1 \"ip4:2001:db8::1\": \"2001:db8::1\" is not an IPv4 address"},
		{"v=spf1 ip6:2001:db8::/129", "term 1 \"ip6:2001:db8::/129\": prefix length \"/129\" is not valid for IPv6 (/0 to /128)"},
		{"v=spf1 ip4", "term 1 \"ip4\": ip4 needs \":\" and an IPv4 network"},
		{"v=spf1 include", "term 1 \"include\": include needs \":\" and a domain"},
		{"v=spf1 include:", "term 1 \"include:\": the domain is empty"},
		{"v=spf1 a:192.0.2.1", "term 1 \"a:192.0.2.1\": \"192.0.2.1\" does not end in a top-level domain (a label of letters, digits and hyphens after a dot)"},
		{"v=spf1 a:example..com", "term 1 \"a:example..com\": \"example..com\" has an empty label or one longer than 63 characters"},
		{"v=spf1 mx/33", "term 1 \"mx/33\": prefix length \"/33\" is not valid (IPv4 /0 to /32, IPv6 //0 to //128)"},
		{"v=spf1 ptr/24", "term 1 \"ptr/24\": \"/24\" is not valid after ptr"},
		{"v=spf1 -all:x", "term 1 \"-all:x\": all takes no argument"},
		{"v=spf1 redirect:example.com", "term 1 \"redirect:example.com\": \"redirect\" is not a mechanism (all, include, a, mx, ptr, ip4, ip6, exists)"},
		{"v=spf1 mx -al", "term 2 \"-al\": \"al\" is not a mechanism (all, include, a, mx, ptr, ip4, ip6, exists)"},
		{"v=spf1 redirect=a.example redirect=b.example", "term 2 \"redirect=b.example\": redirect appears twice"},
		{"v=spf1 exists:%{x}.example.com", "term 1 \"exists:%{x}.example.com\": macro letter \"x\" is not one of s l o d i p h v"},
		{"v=spf1 exists:%{c}.example.com", "term 1 \"exists:%{c}.example.com\": macro letter \"c\" is not one of s l o d i p h v"},
		{"v=spf1 exists:%{i0}.example.com", "term 1 \"exists:%{i0}.example.com\": a macro keeps 0 labels"},
		{"v=spf1 exists:%{i.example.com", "term 1 \"exists:%{i.example.com\": a macro is not closed by \"}\" after its letter, digits, r and delimiters"},
		{"v=spf1 exists:50%.example.com", "term 1 \"exists:50%.example.com\": a \"%\" that starts no macro (write %% for a literal %)"},
		{"v=spf1 ip4:192.0.2.1\t-all", "term 1 \"ip4:192.0.2.1\t-all\": \"192.0.2.1\t-all\" is not an IPv4 address"},
	};
	struct spf_record rec;
	struct buf err = BUF_INIT;
	size_t  i;

	test_begin("invalid records");
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		buf_reset(&err);
		test_assert_int(spf_record_parse(cases[i].record, &rec, &err), -1);
		test_assert_str(err.data, cases[i].error);
		test_assert_int(rec.nterms, 0);
	}
	buf_free(&err);
	test_end();
}

/* test_is_record - which TXT records are SPF records */

static void
test_is_record(void)
{
	test_begin("spf_is_record");
	test_assert(spf_is_record("v=spf1"));
	test_assert(spf_is_record("v=spf1 -all"));
	test_assert(spf_is_record("V=SPF1 -all"));
	test_assert(!spf_is_record("v=spf10"));
	test_assert(!spf_is_record(" v=spf1 -all"));
	test_assert(!spf_is_record("v=DKIM1; p="));
	test_end();
}

int
main(void)
{
	static void (*const tests[]) (void) = {
		test_valid,
		test_invalid,
		test_is_record,
		NULL
	};

	return (test_run(tests));
}
