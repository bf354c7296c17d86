/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * report.h - what the bbmsim command reports, one model for every output
 * format.
 *
 * A Report is the runs of one scenario at its BBM levels (`run`,
 * `compare`); a TestCase is one run of `bbmsim test`. tools/bbmsim.c fills
 * them; each output format reads them from a file of its own:
 *   report_text.c   the human report and the compare table
 *   report_json.c   the JSON report (docs/report-format.md)
 *   junit.c         JUnit XML of a test run
 * The formats write to a FILE and leave write errors in it (ferror) for the
 * caller to report.
 */
#ifndef BBMSIM_TOOLS_REPORT_H
#define BBMSIM_TOOLS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bbmsim/analysis.h"
#include "bbmsim/machine.h"
#include "bbmsim/scenario.h"

/* The JSON report's "format" and "version" (docs/report-format.md). */
#define REPORT_FORMAT "bbmsim-report"
#define REPORT_VERSION 2

/* One scenario run at one level: the machine and analysis after the run. */
typedef struct LevelRun {
	BbmLevel level;
	Machine *m;
	Analysis *a;
	RunEnd end;
	ExpectResult *exp;       /* the expectations that apply at this level */
	size_t nexp, nfail;
	char knobs[512];         /* scenario_knobs_text() */
} LevelRun;

/* Free what @r holds and zero it. */
void level_run_fini(LevelRun *r);

typedef struct Report {
	const Scenario *s;
	LevelRun *runs;          /* in level order */
	size_t nruns;
	/*
	 * False when a signal stopped the runs: the last run ended
	 * RUN_INTERRUPTED (or after its machine stopped), and the levels
	 * after it were not run.
	 */
	bool complete;
	const char *interrupted_by;   /* "SIGINT", "SIGTERM"; NULL when complete */
	bool all_windows;        /* text: every window on its own, not grouped by cause */
} Report;

/*
 * A PC as the reports print it: `function+0xoff` when the scenario's code
 * defines a symbol at or below it, else `0x...`. Returns @buf.
 */
const char *report_pc(const Report *r, uint64_t pc, char *buf, size_t len);

/* A set of PEs (bit i: PE i) as "PE0,PE2-3" into @buf. */
void report_pe_set(uint64_t pes, char *buf, size_t len);

/*
 * What is wrong at this level, in one line (the text report and the HTML
 * page both show it): "WRONG: ..." when a rule was broken or a window is a
 * violation, "no rule broken, but a TLB conflict abort may be raised ..."
 * when one may be, else "nothing wrong"; then the aborts taken and the
 * windows where a translation fault may be taken. Returns 2, 1 or 0 for
 * those three grades.
 */
int report_verdict(const LevelRun *r, char *buf, size_t len);

/* Complete, and every expectation held at every level run. */
bool report_passed(const Report *r);

/* Faults of @kind (a FaultKind) taken; any kind but FAULT_NONE when @kind < 0. */
size_t report_count_faults(const Machine *m, int kind);

typedef struct WinStats {
	size_t count, latent;
	uint64_t longest;        /* ticks; a window open at the end runs to @end */
	uint64_t accesses, stale_uses;
} WinStats;

/* The windows of @kind (a WindowKind) of @a, summed. */
WinStats report_win_stats(const Analysis *a, int kind, uint64_t end);

/* report_text.c: one level in full (faults beyond five only when @verbose). */
void report_text_level(FILE *o, const Report *r, const LevelRun *l, bool verbose);
/* report_text.c: the levels side by side, as a table or as markdown. */
void report_text_compare(FILE *o, const Report *r, bool markdown);
/* report_text.c: a last line saying the report is incomplete, if it is. */
void report_text_incomplete(FILE *o, const Report *r);

/* report_json.c: the report as one JSON object on one line. */
void report_json(FILE *o, const Report *r);
/* report_json.c: a JSON string literal; a window object as in the report (for `bbmsim explore --json`). */
void report_json_string(FILE *o, const char *s);
void report_json_window(FILE *o, const Window *w);

/* report_html.c: one self-contained HTML page (timelines, groups, details). */
void report_html(FILE *o, const Report *r);

/* --- bbmsim test ------------------------------------------------------------ */

typedef enum TestStatus {
	TEST_PASS,
	TEST_FAIL,               /* an expectation did not hold */
	TEST_ERROR,              /* the scenario did not load or build, or the run crashed */
} TestStatus;

/* One scenario at one level, or a scenario that could not run at all. The strings are the caller's. */
typedef struct TestCase {
	TestStatus status;
	char *id;                /* dotted path without extension: scenarios.bugs.cont-bit-live */
	char *name;              /* "level 0", ...; "load" for a scenario that did not load */
	double seconds;
	char *message;           /* one line: a summary, or the error */
	char *body;              /* TEST_FAIL: every failed expectation, "file:line:col: text\n" each */
} TestCase;

/*
 * junit.c: JUnit XML for the cases @c[0..@n): one <testsuite> per run of
 * consecutive cases with the same id, inside <testsuites>. The attributes
 * are those of the JUnit schema CI servers validate against: testsuites
 * tests/failures/errors/time, testsuite name/tests/failures/errors/skipped/
 * time, testcase classname/name/time; <failure> and <error> carry a message
 * and the full text as their body.
 */
void junit_write(FILE *o, const TestCase *c, size_t n);

#endif
