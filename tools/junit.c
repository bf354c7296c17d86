// SPDX-License-Identifier: GPL-2.0-only
/*
 * junit.c - JUnit XML for `bbmsim test --junit FILE`.
 *
 * JUnit XML has no single standard; this writes the subset that Jenkins'
 * schema (the xunit plugin's junit-10.xsd) and GitLab accept: <testsuites>
 * with tests, failures, errors and time (that schema allows no skipped
 * there), one <testsuite> per scenario with name, tests, failures, errors,
 * skipped and time, one <testcase> per level with classname, name and time.
 * A failed expectation is a <failure>, a scenario that cannot run is an
 * <error>; both carry a one-line message and the whole text as the body
 * (GitLab shows the body). Times are wall-clock seconds, the only
 * non-deterministic part of any bbmsim output.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "report.h"

/* Length of the valid UTF-8 sequence at @s that XML 1.0 allows, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, U+FFFE/U+FFFF and beyond U+10FFFF are not XML characters. */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c < 0xe000) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/*
 * Text for an attribute or an element: the five XML escapes; control
 * characters other than tab and newline dropped; a byte that is not part
 * of valid UTF-8 written as '?' (a file name need not be UTF-8).
 */
static void xml_escape(FILE *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (s && *s) {
		size_t n = utf8_len(s);
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&apos;", o); break;
		default:
			if (!n)
				fputc('?', o);
			else if (*s >= 0x20 || *s == '\n' || *s == '\t')
				fwrite(s, 1, n, o);
		}
		s += n ? n : 1;
	}
}

typedef struct Counts {
	size_t tests, failures, errors;
	double seconds;
} Counts;

static Counts count_cases(const TestCase *c, size_t n)
{
	Counts k = { 0 };

	for (size_t i = 0; i < n; i++) {
		k.tests++;
		k.failures += c[i].status == TEST_FAIL;
		k.errors += c[i].status == TEST_ERROR;
		k.seconds += c[i].seconds;
	}
	return k;
}

static void write_case(FILE *o, const TestCase *c)
{
	static const char *const elem[] = { [TEST_FAIL] = "failure", [TEST_ERROR] = "error" };
	static const char *const type[] = { [TEST_FAIL] = "expectation", [TEST_ERROR] = "error" };

	fputs("    <testcase classname=\"", o);
	xml_escape(o, c->id);
	fputs("\" name=\"", o);
	xml_escape(o, c->name);
	fprintf(o, "\" time=\"%.3f\"", c->seconds);
	if (c->status == TEST_PASS) {
		fputs("/>\n", o);
		return;
	}
	fprintf(o, ">\n      <%s type=\"%s\" message=\"", elem[c->status], type[c->status]);
	xml_escape(o, c->message);
	fputs("\">", o);
	xml_escape(o, c->body && *c->body ? c->body : c->message);
	fprintf(o, "</%s>\n    </testcase>\n", elem[c->status]);
}

void junit_write(FILE *o, const TestCase *c, size_t n)
{
	Counts all = count_cases(c, n);

	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"bbmsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
		all.tests, all.failures, all.errors, all.seconds);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !strcmp(c[j].id, c[i].id))
			j++;
		Counts k = count_cases(c + i, j - i);
		fputs("  <testsuite name=\"", o);
		xml_escape(o, c[i].id);
		fprintf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
			k.tests, k.failures, k.errors, k.seconds);
		for (; i < j; i++)
			write_case(o, &c[i]);
		fputs("  </testsuite>\n", o);
	}
	fputs("</testsuites>\n", o);
}
