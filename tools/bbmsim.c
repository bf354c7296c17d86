// SPDX-License-Identifier: GPL-2.0-only
/*
 * bbmsim - the command line: run, compare and test scenarios. This file
 * parses the options, runs the levels (with traces, the stop signals and
 * the progress line) and holds the test runner; what is reported and how
 * lives in report.h and one file per output format.
 *
 * Exit codes: 0 the run completed and its expectations hold; 1 an
 * expectation failed; 2 bad input (scenario, flag, file) or an output that
 * could not be written. A run stopped by SIGINT or SIGTERM ends by that
 * signal once its incomplete report is out.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bbmsim/analysis.h"
#include "bbmsim/machine.h"
#include "bbmsim/litmus.h"
#include "bbmsim/ptdump.h"
#include "bbmsim/scenario.h"
#include "bbmsim/schedule.h"
#include "bbmsim/trace.h"
#include "explore.h"
#include "report.h"

#define BBMSIM_VERSION "0.1.0"

static const char *prog = "bbmsim";

static void die2(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* --- options ---------------------------------------------------------------- */

typedef struct Opts {
	const char *cmd;
	const char **paths;
	size_t npaths;
	bool has_level;
	BbmLevel level;
	ScenarioOverrides ov;
	bool json;
	bool verbose;
	bool all_windows;        /* --windows all */
	const char *html;        /* --html FILE */
	unsigned jobs;
	const char *junit;
	unsigned shard, nshards;  /* test --shard I/N: shard (0-based) of nshards (0: not sharded) */
	bool has_levels;
	bool levels[BBM_LEVEL_COUNT];
	const char *format;      /* compare: table, markdown, json */
	bool progress;           /* --progress: also when stderr is not a terminal */
	const char *trace;       /* --trace FILE */
	TraceFormat trace_format;
	TraceFilter filter;
	const char *tree;        /* ptdump */
	bool has_at_tick;
	uint64_t at_tick;
	bool tlb;
	const char *schedule;    /* run --schedule FILE */
	Schedule sched;
} Opts;

static const char *usage_main =
	"usage: bbmsim [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"Run AArch64 page-table change sequences on several emulated PEs with a TLB\n"
	"model that keeps stale and overlapping entries, and report every window in\n"
	"which a PE could take a translation fault or a TLB conflict abort, or use a\n"
	"stale translation, per FEAT_BBM level.\n"
	"\n"
	"commands:\n"
	"  run SCENARIO      run a scenario at its levels (or one with --bbm) and report\n"
	"  compare SCENARIO  run at every level of the scenario and show them side by side\n"
	"  test [PATH...]    run every scenario under PATH (default: scenarios/) at each of\n"
	"                    its levels and check its expectations\n"
	"  ptdump SCENARIO   dump the scenario's translation tables (and TLBs) at a tick\n"
	"  litmus PATH...    run herd7 AArch64 VMSA litmus tests over every interleaving\n"
	"                    and check their verdicts (docs/litmus.md)\n"
	"  explore SCENARIO  search schedules and TLB fills for a run in which a window\n"
	"                    bites; write minimal replayable schedules (docs/explore.md)\n"
	"  merge FILE...     combine the JSON results of explore shards into one report\n"
	"\n"
	"'bbmsim COMMAND --help' describes the options of a command.\n"
	"Exit status: 0 success, 1 an expectation failed, 2 bad input or an output\n"
	"that could not be written.\n";

static const char *usage_run =
	"usage: bbmsim run SCENARIO [--bbm LEVEL] [--seed N] [--max-insns N] [--quantum N]\n"
	"                  [--schedule FILE] [--json] [-v] [--windows grouped|all] [--progress]\n"
	"                  [--trace FILE ...]\n"
	"\n"
	"Run SCENARIO (a YAML file, docs/scenario-format.md) at each BBM level it lists,\n"
	"or only at LEVEL, and print per level: each PE's final state and instruction\n"
	"count, the faults taken, the hazard windows grouped by cause (the write that\n"
	"opened them, kind, severity: count, PEs, VA span, accesses) and one verdict\n"
	"line, rule violations, the implementation choices (knobs) that ran, and\n"
	"whether each expectation held.\n"
	"\n"
	"  --bbm LEVEL      0, 1, 2 or 2-noabort (need not be in machine.levels: then\n"
	"                   only the 'all' expectations apply)\n"
	"  --seed N         seed for the random schedule and random TLB replacement\n"
	"  --max-insns N    instruction limit (all PEs together)\n"
	"  --quantum N      instructions per PE turn (the scenario's schedule.quantum);\n"
	"                   faster, but interleavings finer than N are not explored\n"
	"                   (docs/performance.md)\n"
	"  --schedule FILE  replay FILE first (a schedule `bbmsim explore` wrote: step PE N,\n"
	"                   fill PE VA, evict PE VA, walk PE PA, stxr-fail PE;\n"
	"                   docs/explore.md), then go on under the scenario's own schedule\n"
	"  --json           a machine-readable report instead (docs/report-format.md;\n"
	"                   addresses and values as \"0x...\" strings)\n"
	"  -v, --verbose    also list every fault\n"
	"  --windows W      grouped (default: one line per cause) or all (every window\n"
	"                   on its own: PE, VA range, ticks, the write that opened it)\n"
	"  --html FILE      also write the picture: one self-contained HTML page with a\n"
	"                   timeline per PE and level, windows coloured by severity,\n"
	"                   the windows grouped by cause, details on hover and click\n"
	"  --progress       show progress on stderr even when it is not a terminal (on a\n"
	"                   terminal, runs longer than 2 s show it anyway)\n"
	"  --trace FILE     write a trace of every event; '-' is standard output. With\n"
	"                   several levels (compare, or run of a scenario listing\n"
	"                   several), one file per level, the level before the\n"
	"                   extension: t.txt -> t.0.txt, t.2-noabort.txt (each file\n"
	"                   written is named on stderr); '-' and /dev/ files take the\n"
	"                   levels one after another\n"
	"  --trace-format F text (default), jsonl, or perfetto (docs/trace-format.md)\n"
	"  --trace-pes L    only these PEs: 0,2-3 (a PE the scenario lacks is an error)\n"
	"  --trace-va R     only this VA range: LO-HI, LO+SIZE or one VA (sizes may\n"
	"                   take K, M, G, T: 0xffff800000000000+2M)\n"
	"  --trace-events L only these events: insn,mem,tlbi-issue,... (window lines always)\n"
	"  --trace-ticks R  only these ticks: A-B, A- or A\n"
	"\n"
	"SIGINT or SIGTERM stops the run: the report (and trace) of what ran is\n"
	"written, marked incomplete, and bbmsim ends by that signal.\n"
	"Exit status: 0 expectations hold, 1 an expectation failed, 2 bad input or a\n"
	"write error on any output.\n";

static const char *usage_compare =
	"usage: bbmsim compare SCENARIO [--levels L,L...] [--format table|markdown|json]\n"
	"                      [--seed N] [--max-insns N] [--quantum N] [--progress]\n"
	"\n"
	"Run SCENARIO once per BBM level (same seed; default: the levels the scenario\n"
	"lists) and print one column per level: faults and conflict aborts taken, stale\n"
	"uses, windows by kind (count, longest in ticks, accesses inside, latent ones)\n"
	"and by kind and severity, rule violations, final PE states and expectations;\n"
	"then the windows of each level.\n"
	"\n"
	"  --levels L,...            levels to run, from 0, 1, 2, 2-noabort\n"
	"  --format F                table (default), markdown, or json (the run --json report)\n"
	"  --json                    the same as --format json\n"
	"  --seed N, --max-insns N, --quantum N, --progress, --windows W, --html FILE\n"
	"                            as for run\n"
	"  --trace FILE ...          as for run, one file per level\n"
	"\n"
	"SIGINT or SIGTERM: as for run; the levels after the stopped one are not run.\n"
	"Exit status: 0 expectations hold at every level, 1 one failed, 2 bad input or\n"
	"a write error.\n";

static const char *usage_ptdump =
	"usage: bbmsim ptdump SCENARIO [--tree NAME] [--at-tick N] [--bbm LEVEL] [--tlb]\n"
	"\n"
	"Dump the scenario's translation trees in the style of Linux's\n"
	"kernel_page_tables: one line per run of entries with the same attributes\n"
	"(VA range, size, level, permissions, attributes, output address).\n"
	"\n"
	"  --tree NAME     only this tree (default: every tree)\n"
	"  --at-tick N     run the scenario for N ticks first (default 0: as loaded)\n"
	"  --bbm LEVEL     the level to run at (default: the scenario's first)\n"
	"  --tlb           also dump every PE's TLB (leaf and walk-cache entries)\n"
	"\n"
	"Exit status: 0, or 2 for bad input.\n";

static const char *usage_test =
	"usage: bbmsim test [PATH...] [-j N] [--shard I/N] [--junit FILE]\n"
	"\n"
	"Run every scenario (*.yaml, *.yml) under each PATH (files or directories,\n"
	"searched recursively; default scenarios/) at each of its BBM levels and check\n"
	"its expectations. One line per run (PASS, FAIL, or ERROR for a scenario that\n"
	"does not load or a run that crashed), then 'N passed, N failed' (errors count\n"
	"as failed). Each scenario runs in its own process: a run that crashes the\n"
	"simulator, or that ends with a PE in state error (an internal error), fails\n"
	"whatever the scenario expects, and the other scenarios still run.\n"
	"\n"
	"  -j N           run N scenarios in parallel processes (default 1)\n"
	"  --shard I/N    run only shard I (1..N) of the suite, for a CI matrix: the\n"
	"                 scenario files in the order test finds them (each PATH in\n"
	"                 turn, directories sorted by name), numbered from 0; shard I\n"
	"                 runs file k when k mod N = I - 1. The N shards together run\n"
	"                 every file once\n"
	"  --junit FILE   also write JUnit XML to FILE: a testcase per scenario and\n"
	"                 level, classname the path from PATH's directory with dots\n"
	"                 (scenarios.bugs.cont-bit-live), name the level ('level 0');\n"
	"                 each failure lists every failed expectation; a scenario that\n"
	"                 does not load is an error (docs/report-format.md)\n"
	"\n"
	"SIGINT or SIGTERM: no further scenario starts, the running ones stop between\n"
	"two PE turns (their level is an ERROR 'interrupted by SIGINT'), the summary\n"
	"names the files not run, the JUnit file of what ran is written, and bbmsim\n"
	"ends by that signal.\n"
	"\n"
	"Exit status: 0 when every run passes, 1 otherwise, 2 bad input (a PATH with\n"
	"no scenario) or a write error.\n";

static uint64_t parse_u64(const char *flag, const char *s)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		die2("%s needs a non-negative number", flag);
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		die2("%s: '%s' is not a number", flag, s);
	return v;
}

static void parse_opts(int argc, char **argv, Opts *o, const char *usage)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		} else if (!strncmp(a, "--trace", 7) && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "compare"))) {
			char err[256];
			bool ok = true;
			if (!next)
				die2("%s needs a value", a);
			if (!strcmp(a, "--trace"))
				o->trace = next;
			else if (!strcmp(a, "--trace-format"))
				ok = trace_format_parse(next, &o->trace_format) ||
				     (snprintf(err, sizeof(err), "must be text, jsonl or perfetto"), false);
			else if (!strcmp(a, "--trace-pes"))
				ok = trace_filter_parse_pes(&o->filter, next, err, sizeof(err));
			else if (!strcmp(a, "--trace-va"))
				ok = trace_filter_parse_va(&o->filter, next, err, sizeof(err));
			else if (!strcmp(a, "--trace-events"))
				ok = trace_filter_parse_events(&o->filter, next, err, sizeof(err));
			else if (!strcmp(a, "--trace-ticks"))
				ok = trace_filter_parse_ticks(&o->filter, next, err, sizeof(err));
			else {
				fprintf(stderr, "%s %s: unknown option '%s'\n\n%s", prog, o->cmd, a, usage);
				exit(2);
			}
			if (!ok)
				die2("%s '%s': %s", a, next, err);
			i++;
		} else if (!strcmp(a, "--schedule") && !strcmp(o->cmd, "run")) {
			if (!next)
				die2("--schedule needs a file");
			o->schedule = next;
			i++;
		} else if (!strcmp(a, "--tree") && !strcmp(o->cmd, "ptdump")) {
			if (!next)
				die2("--tree needs a tree name");
			o->tree = next;
			i++;
		} else if (!strcmp(a, "--at-tick") && !strcmp(o->cmd, "ptdump")) {
			o->has_at_tick = true;
			o->at_tick = parse_u64(a, next);
			i++;
		} else if (!strcmp(a, "--tlb") && !strcmp(o->cmd, "ptdump")) {
			o->tlb = true;
		} else if (!strcmp(a, "--bbm") && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "ptdump"))) {
			if (!next)
				die2("--bbm needs a level: 0, 1, 2 or 2-noabort");
			if (!bbm_level_parse(next, &o->level))
				die2("--bbm: unknown level '%s' (use 0, 1, 2 or 2-noabort)", next);
			o->has_level = true;
			i++;
		} else if (!strcmp(a, "--seed") && strcmp(o->cmd, "test") != 0) {
			o->ov.has_seed = true;
			o->ov.seed = parse_u64(a, next);
			i++;
		} else if (!strcmp(a, "--quantum") && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "compare"))) {
			uint64_t q = parse_u64(a, next);
			if (q < 1 || q > 1000000)
				die2("--quantum must be 1..1000000, not %" PRIu64, q);
			o->ov.has_quantum = true;
			o->ov.quantum = (unsigned)q;
			i++;
		} else if (!strcmp(a, "--max-insns") && strcmp(o->cmd, "test") != 0) {
			o->ov.has_max_insns = true;
			o->ov.max_insns = parse_u64(a, next);
			if (!o->ov.max_insns)
				die2("--max-insns must be at least 1");
			i++;
		} else if (!strcmp(a, "--json") && strcmp(o->cmd, "test") != 0) {
			o->json = true;
		} else if (!strcmp(a, "--levels") && !strcmp(o->cmd, "compare")) {
			char *list = next ? strdup(next) : NULL, *save = NULL;
			if (!list)
				die2("--levels needs a list such as 0,2,2-noabort");
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				BbmLevel l;
				if (!bbm_level_parse(t, &l))
					die2("--levels: unknown level '%s' (use 0, 1, 2, 2-noabort)", t);
				o->levels[l] = true;
				o->has_levels = true;
			}
			free(list);
			if (!o->has_levels)
				die2("--levels needs at least one level");
			i++;
		} else if (!strcmp(a, "--format") && !strcmp(o->cmd, "compare")) {
			if (!next || (strcmp(next, "table") && strcmp(next, "markdown") && strcmp(next, "json")))
				die2("--format must be table, markdown or json");
			o->format = next;
			if (!strcmp(next, "json"))
				o->json = true;
			i++;
		} else if (!strcmp(a, "--progress") && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "compare"))) {
			o->progress = true;
		} else if ((!strcmp(a, "-v") || !strcmp(a, "--verbose")) && !strcmp(o->cmd, "run")) {
			o->verbose = true;
		} else if (!strcmp(a, "--html") && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "compare"))) {
			if (!next)
				die2("--html needs a file name");
			o->html = next;
			i++;
		} else if (!strcmp(a, "--windows") && (!strcmp(o->cmd, "run") || !strcmp(o->cmd, "compare"))) {
			if (!next || (strcmp(next, "grouped") && strcmp(next, "all")))
				die2("--windows must be grouped or all");
			o->all_windows = !strcmp(next, "all");
			i++;
		} else if (!strcmp(a, "-j") && !strcmp(o->cmd, "test")) {
			uint64_t j = parse_u64(a, next);
			if (j < 1 || j > 256)
				die2("-j must be 1..256");
			o->jobs = (unsigned)j;
			i++;
		} else if (!strncmp(a, "-j", 2) && a[2] && !strcmp(o->cmd, "test")) {
			uint64_t j = parse_u64("-j", a + 2);
			if (j < 1 || j > 256)
				die2("-j must be 1..256");
			o->jobs = (unsigned)j;
		} else if (!strcmp(a, "--shard") && !strcmp(o->cmd, "test")) {
			unsigned si, sn;
			char tail;
			if (!next)
				die2("test: --shard needs I/N, e.g. 1/4");
			if (sscanf(next, "%u/%u%c", &si, &sn, &tail) != 2 || strchr(next, '-') || sn < 1 || sn > 1000000 ||
			    si < 1 || si > sn)
				die2("test: --shard '%s': must be I/N with 1 <= I <= N (N at most 1000000)", next);
			o->shard = si - 1;
			o->nshards = sn;
			i++;
		} else if (!strcmp(a, "--junit") && !strcmp(o->cmd, "test")) {
			if (!next)
				die2("--junit needs a file name");
			o->junit = next;
			i++;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "%s %s: unknown option '%s'\n\n%s", prog, o->cmd, a, usage);
			exit(2);
		} else {
			o->paths[o->npaths++] = a;
		}
	}
}

/* --- signals and progress ------------------------------------------------------ */

/*
 * SIGINT and SIGTERM during `run` and `compare` stop the machine between two
 * PE turns (machine_set_stop_flag): the levels run so far and the stopped one
 * are reported, marked incomplete, the traces are closed properly, and then
 * bbmsim ends by the same signal. The handler resets itself (SA_RESETHAND):
 * a second signal ends bbmsim at once. A signal ignored when bbmsim started
 * (a background job of a non-interactive shell) stays ignored.
 */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t progress_due;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void on_progress_alarm(int sig)
{
	(void)sig;
	progress_due = 1;
}

static void catch_stop_signals_as(int flags)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

static void catch_stop_signals(void)
{
	catch_stop_signals_as(SA_RESETHAND | SA_RESTART);
}

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/*
 * Progress on stderr for runs longer than PROGRESS_AFTER seconds, once a
 * second: a line rewritten in place on a terminal, a line each with
 * --progress elsewhere. A SIGALRM timer sets progress_due; the event
 * callback, which sees every tick, prints.
 */
#define PROGRESS_AFTER 2

static struct {
	bool on, tty, shown;
	struct timespec t0;
} progress;

static void progress_begin(const Opts *o)
{
	struct sigaction sa;
	struct itimerval it = { { 1, 0 }, { PROGRESS_AFTER, 0 } };

	progress.tty = isatty(STDERR_FILENO);
	progress.on = o->progress || progress.tty;
	if (!progress.on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &progress.t0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_progress_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void progress_show(const char *scenario, BbmLevel level, uint64_t tick)
{
	struct timespec now;

	progress_due = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "%s%s: %s at BBM level %s: tick %" PRIu64 ", %lds%s", progress.tty ? "\r" : "", prog,
		scenario, bbm_level_name(level), tick, (long)(now.tv_sec - progress.t0.tv_sec),
		progress.tty ? "\033[K" : "\n");
	fflush(stderr);
	progress.shown = true;
}

static void progress_end(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	if (!progress.on)
		return;
	setitimer(ITIMER_REAL, &off, NULL);
	if (progress.shown && progress.tty)
		fputs("\r\033[K", stderr);
	progress.on = false;
}

/* --- running one level --------------------------------------------------------- */

static uint64_t an_read(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

typedef struct Fanout {
	Trace *trace;            /* or NULL */
	Analysis *a;
	const char *scenario;    /* for the progress line */
	BbmLevel level;
} Fanout;

/* The trace first, so that window lines follow the event that opened them. */
static void fanout_event(void *ctx, const Event *ev)
{
	Fanout *f = ctx;
	if (f->trace)
		trace_event(f->trace, ev);
	analysis_event(f->a, ev);
	if (progress_due)
		progress_show(f->scenario, f->level, ev->tick);
}

/*
 * FILE with ".LEVEL" before its extension: t.txt -> t.2-noabort.txt. "-"
 * and device files (/dev/stdout, /dev/fd/N, a FIFO there) take every level
 * one after another instead.
 */
static char *trace_path(const char *path, BbmLevel level, bool per_level)
{
	char *out;
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	if (!per_level || !strcmp(path, "-") || !strncmp(path, "/dev/", 5))
		return strdup(path);
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	if (asprintf(&out, "%.*s.%s%s", (int)(dot - path), path, bbm_level_name(level), dot) < 0)
		die2("out of memory");
	return out;
}

/* Returns false (message printed) on a build error or a trace that cannot be written. */
static bool run_level(const Scenario *s, BbmLevel level, const ScenarioOverrides *ov, LevelRun *r,
		      const Opts *o, bool per_level_trace)
{
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs knobs;
	char err[1024], *path = NULL;

	memset(r, 0, sizeof(*r));
	memset(apes, 0, sizeof(apes));
	r->level = level;
	r->m = scenario_build(s, level, ov, apes, &knobs, err, sizeof(err));
	if (!r->m) {
		fprintf(stderr, "%s\n", err);
		return false;
	}
	r->a = analysis_new(apes, machine_npes(r->m), &knobs, an_read, r->m);
	analysis_set_ttl_strict(r->a, scenario_ttl_strict(s));
	scenario_knobs_text(s, r->knobs, sizeof(r->knobs));
	Fanout fan = { NULL, r->a, scenario_name(s), level };
	if (o->trace) {
		char header[768];
		unsigned npes = machine_npes(r->m);
		/* A PE filter naming a PE the scenario does not have matches nothing of it. */
		if (o->filter.pe_mask != ~0ull && npes < 64 && (o->filter.pe_mask >> npes)) {
			fprintf(stderr, "%s: --trace-pes names a PE the scenario does not have (it has %u: 0-%u)\n",
				prog, npes, npes - 1);
			goto fail;
		}
		path = trace_path(o->trace, level, per_level_trace);
		snprintf(header, sizeof(header), "%s (%s) at BBM level %s; %s", scenario_name(s),
			 scenario_path(s), bbm_level_name(level), r->knobs);
		fan.trace = trace_open(path, o->trace_format, &o->filter, machine_npes(r->m), header, err,
				       sizeof(err));
		if (!fan.trace) {
			fprintf(stderr, "%s: --trace: %s\n", prog, err);
			goto fail;
		}
		analysis_set_window_fn(r->a, trace_window, fan.trace);
	}
	if (fan.trace || progress.on)
		machine_set_event_fn(r->m, fanout_event, &fan);
	else
		machine_set_event_fn(r->m, analysis_event, r->a);
	machine_set_stop_flag(r->m, &stop_signal);
	r->end = o->schedule ? schedule_replay(r->m, &o->sched) : machine_run(r->m);
	analysis_finish(r->a, machine_tick(r->m));
	if (fan.trace) {
		char why[64];
		if (r->end == RUN_INTERRUPTED) {
			snprintf(why, sizeof(why), "interrupted by %s", signal_name(stop_signal));
			trace_set_incomplete(fan.trace, why);
		}
		if (trace_close(fan.trace) != 0) {
			fprintf(stderr, "%s: --trace: write error on '%s'\n", prog, path);
			goto fail;
		}
		if (strcmp(path, "-") && strncmp(path, "/dev/", 5))
			fprintf(stderr, "%s: trace of level %s written to %s\n", prog, bbm_level_name(level), path);
	}
	free(path);
	machine_set_event_fn(r->m, NULL, NULL);
	machine_set_stop_flag(r->m, NULL);
	r->nexp = scenario_check(s, level, r->m, r->end, r->a, &r->exp);
	for (size_t i = 0; i < r->nexp; i++)
		if (!r->exp[i].ok)
			r->nfail++;
	return true;
fail:
	free(path);
	level_run_fini(r);
	return false;
}

/* --- run and compare ----------------------------------------------------------- */

static Scenario *load_or_die(const char *path)
{
	char err[16384];   /* a link error quotes every line the toolchain printed */
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	return s;
}

static int cmd_run_or_compare(Opts *o, bool compare)
{
	if (o->npaths != 1)
		die2("%s needs exactly one SCENARIO file (see 'bbmsim %s --help')", o->cmd, o->cmd);
	Scenario *s = load_or_die(o->paths[0]);
	BbmLevel levels[BBM_LEVEL_COUNT];
	size_t nl = scenario_levels(s, levels);
	if (o->schedule) {
		char err[512];
		if (!schedule_load(&o->sched, o->schedule, err, sizeof(err)) ||
		    !schedule_check(&o->sched, scenario_pes(s), o->schedule, err, sizeof(err)))
			die2("--schedule: %s", err);
	}
	if (!compare && o->has_level) {
		levels[0] = o->level;
		nl = 1;
	}
	if (compare && o->has_levels) {
		nl = 0;
		for (int l = 0; l < BBM_LEVEL_COUNT; l++)
			if (o->levels[l])
				levels[nl++] = (BbmLevel)l;
	}
	LevelRun runs[BBM_LEVEL_COUNT];
	Report rep = { .s = s, .runs = runs, .complete = true, .all_windows = o->all_windows };
	int status = 0;
	catch_stop_signals();
	progress_begin(o);
	for (size_t i = 0; i < nl && !stop_signal; i++) {
		if (!run_level(s, levels[i], &o->ov, &runs[i], o, compare || nl > 1)) {
			progress_end();
			for (size_t j = 0; j < i; j++)
				level_run_fini(&runs[j]);
			scenario_free(s);
			return 2;
		}
		rep.nruns++;
		if (runs[i].nfail)
			status = 1;
	}
	progress_end();
	if (rep.nruns < nl || (rep.nruns && runs[rep.nruns - 1].end == RUN_INTERRUPTED)) {
		rep.complete = false;
		rep.interrupted_by = signal_name(stop_signal);
	}
	if (o->html) {
		FILE *h = fopen(o->html, "w");
		if (!h) {
			fprintf(stderr, "%s: --html: cannot create '%s': %s\n", prog, o->html, strerror(errno));
			status = 2;
		} else {
			report_html(h, &rep);
			if (ferror(h) | (fclose(h) != 0)) {
				fprintf(stderr, "%s: --html: write error on '%s'\n", prog, o->html);
				status = 2;
			}
		}
	}
	if (o->json) {
		report_json(stdout, &rep);
	} else if (!compare) {
		for (size_t i = 0; i < rep.nruns; i++)
			report_text_level(stdout, &rep, &runs[i], o->verbose);
		report_text_incomplete(stdout, &rep);
	} else {
		bool md = o->format && !strcmp(o->format, "markdown");
		if (rep.nruns)
			report_text_compare(stdout, &rep, md);
		printf(md ? "\n```\n" : "\n");
		for (size_t i = 0; i < rep.nruns; i++)
			report_text_level(stdout, &rep, &runs[i], false);
		report_text_incomplete(stdout, &rep);
		if (md)
			printf("```\n");
	}
	for (size_t i = 0; i < rep.nruns; i++)
		level_run_fini(&runs[i]);
	scenario_free(s);
	return status;
}

/* bbmsim ptdump ---------------------------------------------------------------------- */

static int cmd_ptdump(Opts *o)
{
	char err[1024];
	if (o->npaths != 1)
		die2("ptdump needs exactly one SCENARIO file (see 'bbmsim ptdump --help')");
	Scenario *s = load_or_die(o->paths[0]);
	BbmLevel levels[BBM_LEVEL_COUNT];
	scenario_levels(s, levels);
	BbmLevel level = o->has_level ? o->level : levels[0];
	ScenarioOverrides ov = o->ov;
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs knobs;
	if (o->has_at_tick && o->at_tick) {
		ov.has_max_insns = true;
		ov.max_insns = o->at_tick;
	}
	Machine *m = scenario_build(s, level, &ov, apes, &knobs, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "%s\n", err);
		scenario_free(s);
		return 2;
	}
	if (o->has_at_tick && o->at_tick)
		machine_run(m);
	const char *names[64];
	uint64_t roots[64], bases[64];
	size_t n = scenario_trees(s, names, roots, bases, 64);
	bool found = false;
	printf("# %s at BBM level %s, tick %" PRIu64 "\n", scenario_name(s), bbm_level_name(level), machine_tick(m));
	for (size_t i = 0; i < n && i < 64; i++) {
		if (o->tree && strcmp(o->tree, names[i]))
			continue;
		found = true;
		printf("\n---[ %s: root 0x%" PRIx64 " ]---\n", names[i], roots[i]);
		ptdump_tree(roots[i], 0, bases[i], an_read, m, stdout);
	}
	if (o->tree && !found) {
		fprintf(stderr, "%s: ptdump: the scenario has no tree '%s'\n", prog, o->tree);
		machine_free(m);
		scenario_free(s);
		return 2;
	}
	if (o->tlb)
		for (unsigned p = 0; p < machine_npes(m); p++) {
			printf("\n---[ PE%u TLB (%s) ]---\n", p, pe_state_name(machine_pe_state(m, p)));
			ptdump_tlb(machine_pe_tlb(m, p), stdout);
		}
	machine_free(m);
	scenario_free(s);
	return 0;
}

/* bbmsim test ------------------------------------------------------------------------ */

typedef struct StrList {
	char **v;
	size_t n, cap;
} StrList;

static void strlist_add(StrList *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_yaml_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static void find_scenarios(const char *path, StrList *out, bool top)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (top)
			die2("test: cannot read '%s': %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (top || has_yaml_ext(path))
			strlist_add(out, path);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		if (top)
			die2("test: cannot open directory '%s': %s", path, strerror(errno));
		return;
	}
	StrList names = { 0 };
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strlist_add(&names, e->d_name);
	closedir(d);
	if (names.n)     /* an empty directory: qsort must not see NULL */
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	size_t len = strlen(path);
	bool slash = len && path[len - 1] == '/';
	for (size_t i = 0; i < names.n; i++) {
		char *p;
		if (asprintf(&p, "%s%s%s", path, slash ? "" : "/", names.v[i]) < 0)
			die2("out of memory");
		find_scenarios(p, out, false);
		free(p);
		free(names.v[i]);
	}
	free(names.v);
}

/*
 * The stable id of a scenario found under the PATH argument @arg (JUnit
 * classname): its path from the directory that holds @arg, without the
 * extension, leading "./" and "../" dropped, '/' -> '.'. Whether the
 * suite is run as `test scenarios`, `test scenarios/` or
 * `test /abs/scenarios`, scenarios/bugs/cont-bit-live.yaml is
 * scenarios.bugs.cont-bit-live.
 */
static char *scenario_id(const char *arg, const char *file)
{
	size_t n = strlen(arg), skip = 0;

	while (n > 1 && arg[n - 1] == '/')
		n--;
	for (size_t i = 0; i + 1 < n; i++)
		if (arg[i] == '/')
			skip = i + 1;
	const char *p = file + skip;
	for (;;) {
		if (!strncmp(p, "./", 2))
			p += 2;
		else if (!strncmp(p, "../", 3))
			p += 3;
		else if (*p == '/')
			p++;
		else
			break;
	}
	char *id = strdup(p), *q = id;
	if (has_yaml_ext(id))
		*strrchr(id, '.') = 0;
	for (char *r = id; *r; r++) {
		if (*r == '/') {
			while (r[1] == '/')
				r++;
			*q++ = '.';
		} else {
			*q++ = *r;
		}
	}
	*q = 0;
	return id;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Write @s with tabs and newlines as spaces: the fields of a result record never split. */
static void put_field(FILE *o, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, o);
}

/* "STATUS\tfile\tlevel\tseconds\tdetail\n" */
static void test_record(FILE *o, const char *status, const char *path, const char *level, double secs,
			const char *detail)
{
	fprintf(o, "%s\t", status);
	put_field(o, path);
	fprintf(o, "\t%s\t%.6f\t", level, secs);
	put_field(o, detail);
	fputc('\n', o);
}

/*
 * Run one scenario at each of its levels; write to @o one result record per
 * run (test_record: STATUS is PASS, FAIL or ERROR; level "load" for a
 * scenario that did not load), each FAIL followed by one
 * "EXPECT\tfile:line:col: text" line per failed expectation. Each run is
 * announced by a "RUN\tfile\tlevel" line, flushed, so that the parent can
 * name the level a crash happened in. A PE that ended in state error (an
 * internal error of the simulator) fails the run whatever the scenario
 * expects.
 */
static void test_one(const char *path, FILE *o)
{
	char err[1024], detail[1024];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		test_record(o, "ERROR", path, "load", seconds_since(&t0), err);
		return;
	}
	BbmLevel levels[BBM_LEVEL_COUNT];
	size_t nl = scenario_levels(s, levels);
	ScenarioOverrides ov = { 0 };
	for (size_t i = 0; i < nl; i++) {
		LevelRun r;
		AnalysisPe apes[MACHINE_MAX_PES];
		BbmKnobs knobs;
		const char *lname = bbm_level_name(levels[i]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memset(&r, 0, sizeof(r));
		r.level = levels[i];
		fprintf(o, "RUN\t%s\t%s\n", path, bbm_level_name(levels[i]));
		fflush(o);
		r.m = scenario_build(s, levels[i], &ov, apes, &knobs, err, sizeof(err));
		if (!r.m) {
			test_record(o, "ERROR", path, lname, seconds_since(&t0), err);
			continue;
		}
		r.a = analysis_new(apes, machine_npes(r.m), &knobs, an_read, r.m);
		analysis_set_ttl_strict(r.a, scenario_ttl_strict(s));
		machine_set_event_fn(r.m, analysis_event, r.a);
		machine_set_stop_flag(r.m, &stop_signal);
		r.end = machine_run(r.m);
		if (r.end == RUN_INTERRUPTED) {
			snprintf(detail, sizeof(detail), "interrupted by %s", signal_name(stop_signal));
			test_record(o, "ERROR", path, lname, seconds_since(&t0), detail);
			level_run_fini(&r);
			break;
		}
		analysis_finish(r.a, machine_tick(r.m));
		r.nexp = scenario_check(s, levels[i], r.m, r.end, r.a, &r.exp);
		size_t first_fail = r.nexp;
		for (size_t k = 0; k < r.nexp; k++)
			if (!r.exp[k].ok) {
				r.nfail++;
				if (first_fail == r.nexp)
					first_fail = k;
			}
		unsigned npes = machine_npes(r.m), bad = npes;
		for (unsigned p = npes; p-- > 0;)
			if (machine_pe_state(r.m, p) == PE_ERROR)
				bad = p;
		if (bad < npes) {
			const char *why = machine_pe_error(r.m, bad);
			snprintf(detail, sizeof(detail), "PE %u ended in state error: %s", bad, why ? why : "no reason given");
			test_record(o, "FAIL", path, lname, seconds_since(&t0), detail);
			fputs("EXPECT\t", o);
			put_field(o, detail);
			fputc('\n', o);
		} else if (r.nfail) {
			snprintf(detail, sizeof(detail), "%zu of %zu expectations failed; first: %s: %s", r.nfail,
				 r.nexp, r.exp[first_fail].where, r.exp[first_fail].text);
			test_record(o, "FAIL", path, lname, seconds_since(&t0), detail);
			for (size_t k = 0; k < r.nexp; k++)
				if (!r.exp[k].ok) {
					fputs("EXPECT\t", o);
					put_field(o, r.exp[k].where);
					fputs(": ", o);
					put_field(o, r.exp[k].text);
					fputc('\n', o);
				}
		} else {
			snprintf(detail, sizeof(detail), "%zu expectations, %" PRIu64 " ticks", r.nexp,
				 machine_tick(r.m));
			test_record(o, "PASS", path, lname, seconds_since(&t0), detail);
		}
		level_run_fini(&r);
	}
	scenario_free(s);
}

/* The JUnit test name of a record's level field: "level 0", ...; "load"; "-" (the process died) "scenario". */
static char *junit_name(const char *level)
{
	BbmLevel l;
	char *name;

	if (!strcmp(level, "-"))
		return strdup("scenario");
	if (!bbm_level_parse(level, &l))
		return strdup(level);
	if (asprintf(&name, "level %s", level) < 0)
		die2("out of memory");
	return name;
}

static void append_line(char **buf, const char *line)
{
	char *n;
	if (asprintf(&n, "%s%s\n", *buf ? *buf : "", line) < 0)
		die2("out of memory");
	free(*buf);
	*buf = n;
}

/*
 * A child of cmd_test ended abnormally: append a FAIL line naming the level
 * it was running (the last "RUN" line not followed by a result) and how it
 * died.
 */
static void report_death(FILE *f, const char *path, int st)
{
	char level[64] = "-", line[4096];
	bool pending = false;

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "RUN\t", 4)) {
			char *l = strchr(line + 4, '\t');
			pending = l != NULL;
			if (l) {
				snprintf(level, sizeof(level), "%s", l + 1);
				level[strcspn(level, "\n")] = 0;
			}
		} else {
			pending = false;
		}
	}
	if (!pending)
		snprintf(level, sizeof(level), "-");
	fseek(f, 0, SEEK_END);
	char why[160];
	if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "crashed: the simulator was killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(why, sizeof(why), "the test process exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : st);
	test_record(f, "ERROR", path, level, 0, why);
}

static int cmd_test(Opts *o)
{
	StrList files = { 0 }, ids = { 0 };
	const char *deflt = "scenarios";
	const char **args = o->npaths ? o->paths : &deflt;
	size_t nargs = o->npaths ? o->npaths : 1;
	for (size_t i = 0; i < nargs; i++) {
		size_t before = files.n;
		find_scenarios(args[i], &files, true);
		if (files.n == before)
			die2("test: no scenarios (*.yaml, *.yml) under '%s'", args[i]);
		for (size_t k = before; k < files.n; k++) {
			char *id = scenario_id(args[i], files.v[k]);
			strlist_add(&ids, id);
			free(id);
		}
	}
	if (o->nshards > 1) {
		/* --shard I/N: file k (0-based, in the order found) when k mod N = I - 1. */
		size_t kept = 0;
		for (size_t k = 0; k < files.n; k++) {
			if (k % o->nshards == o->shard) {
				files.v[kept] = files.v[k];
				ids.v[kept] = ids.v[k];
				kept++;
			} else {
				free(files.v[k]);
				free(ids.v[k]);
			}
		}
		files.n = ids.n = kept;
	}
	unsigned jobs = o->jobs ? o->jobs : 1;

	/* Each scenario writes its result lines to its own buffer; printed in file order. */
	char **results = calloc(files.n + 1, sizeof(*results));
	size_t next = 0, done = 0;
	struct { pid_t pid; size_t idx; FILE *f; } *run = calloc(jobs, sizeof(*run));
	unsigned running = 0;
	size_t printed = 0;
	unsigned passed = 0, failed = 0;
	FILE *junit = NULL;
	if (o->junit && !(junit = fopen(o->junit, "w")))
		die2("test: cannot write '%s': %s", o->junit, strerror(errno));
	TestCase *cases = NULL;
	size_t ncases = 0;

	/*
	 * A stop signal: no further scenario starts, and the running ones are
	 * told (a kill of this process alone must stop them too); wait() is
	 * not restarted, so the signal is seen at once.
	 */
	catch_stop_signals_as(SA_RESETHAND);
	bool told = false;
	fflush(stdout);
	for (;;) {
		if (stop_signal && !told) {
			for (unsigned k = 0; k < jobs; k++)
				if (run[k].f)
					kill(run[k].pid, stop_signal);
			told = true;
		}
		while (!stop_signal && running < jobs && next < files.n) {
			FILE *tmp = tmpfile();
			if (!tmp)
				die2("test: cannot create a temporary file");
			/*
			 * Each scenario runs in a child process, also with -j 1:
			 * a simulator crash (a signal) fails that scenario, at the
			 * level it was running, and the others still run.
			 */
			pid_t pid = fork();
			if (pid < 0)
				die2("test: fork failed: %s", strerror(errno));
			if (pid == 0) {
				/* Both the terminal's signal and the parent's forward may come: never reset. */
				catch_stop_signals_as(SA_RESTART);
				test_one(files.v[next], tmp);
				fflush(tmp);
				_exit(0);
			}
			unsigned slot = 0;
			while (run[slot].f)
				slot++;
			run[slot].pid = pid;
			run[slot].idx = next++;
			run[slot].f = tmp;
			running++;
		}
		if (!running)
			break;
		/* Reap one. */
		unsigned slot = 0;
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die2("test: wait failed: %s", strerror(errno));
		}
		while (slot < jobs && (!run[slot].f || run[slot].pid != pid))
			slot++;
		if (slot == jobs)
			continue;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			report_death(run[slot].f, files.v[run[slot].idx], st);
		FILE *f = run[slot].f;
		size_t len = (size_t)ftell(f);
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		rewind(f);
		char *buf = malloc(len + 1);
		buf[fread(buf, 1, len, f)] = 0;
		fclose(f);
		results[run[slot].idx] = buf;
		run[slot].f = NULL;
		running--;
		done++;
		/* Print what is ready, in order. */
		while (printed < files.n && results[printed]) {
			char *save, *line = strtok_r(results[printed], "\n", &save);
			for (; line; line = strtok_r(NULL, "\n", &save)) {
				char *fld[5] = { line };
				size_t nf = 1;
				for (char *t = line; nf < 5 && (t = strchr(t, '\t')); nf++) {
					*t++ = 0;
					fld[nf] = t;
				}
				if (!strcmp(fld[0], "EXPECT") && nf >= 2) {
					if (ncases && cases[ncases - 1].status == TEST_FAIL)
						append_line(&cases[ncases - 1].body, fld[1]);
					continue;
				}
				if (nf < 5)
					continue;
				bool ok = !strcmp(fld[0], "PASS");
				ok ? passed++ : failed++;
				printf("%-5s %s [%s] %s\n", fld[0], fld[1], fld[2], fld[4]);
				cases = realloc(cases, (ncases + 1) * sizeof(*cases));
				cases[ncases++] = (TestCase){
					.status = ok ? TEST_PASS : !strcmp(fld[0], "FAIL") ? TEST_FAIL : TEST_ERROR,
					.id = ids.v[printed],
					.name = junit_name(fld[2]),
					.seconds = strtod(fld[3], NULL),
					.message = strdup(fld[4]),
				};
			}
			printed++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	if (stop_signal)
		printf("interrupted by %s: %zu of %zu scenario files not run\n", signal_name(stop_signal),
		       files.n - done, files.n);
	int rc = failed ? 1 : 0;
	if (junit) {
		junit_write(junit, cases, ncases);
		int err = ferror(junit) ? -1 : 0;
		if (fclose(junit) != 0)
			err = errno;
		if (err) {
			fprintf(stderr, "%s: test: write error on '%s'%s%s\n", prog, o->junit, err > 0 ? ": " : "",
				err > 0 ? strerror(err) : "");
			rc = 2;
		}
	}
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].name);
		free(cases[i].message);
		free(cases[i].body);
	}
	free(cases);
	for (size_t i = 0; i < files.n; i++) {
		free(files.v[i]);
		free(ids.v[i]);
		free(results[i]);
	}
	free(files.v);
	free(ids.v);
	free(results);
	free(run);
	return rc;
}

/*
 * At exit, whatever the path to it: a report that did not reach stdout (a
 * full disk, /dev/full, a closed pipe's EPIPE) is exit status 2, never 0.
 */
static void close_stdout(void)
{
	int err = fflush(stdout) ? errno : 0;

	if (err || ferror(stdout)) {
		fprintf(stderr, "%s: write error on standard output%s%s\n", prog, err ? ": " : "",
			err ? strerror(err) : "");
		_exit(2);
	}
}

int main(int argc, char **argv)
{
	Opts o;

	memset(&o, 0, sizeof(o));
	atexit(close_stdout);
	if (argc < 2) {
		fputs(usage_main, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bbmsim %s\n", BBMSIM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "litmus"))
		return litmus_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "explore"))
		return explore_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return merge_main(argc - 1, argv + 1);
	o.cmd = argv[1];
	trace_filter_default(&o.filter);
	o.paths = calloc((size_t)argc, sizeof(*o.paths));
	int rc;
	if (!strcmp(o.cmd, "run")) {
		parse_opts(argc - 2, argv + 2, &o, usage_run);
		rc = cmd_run_or_compare(&o, false);
	} else if (!strcmp(o.cmd, "compare")) {
		parse_opts(argc - 2, argv + 2, &o, usage_compare);
		rc = cmd_run_or_compare(&o, true);
	} else if (!strcmp(o.cmd, "test")) {
		parse_opts(argc - 2, argv + 2, &o, usage_test);
		rc = cmd_test(&o);
	} else if (!strcmp(o.cmd, "ptdump")) {
		parse_opts(argc - 2, argv + 2, &o, usage_ptdump);
		rc = cmd_ptdump(&o);
	} else {
		fprintf(stderr, "%s: unknown command '%s'\n\n%s", prog, o.cmd, usage_main);
		rc = 2;
	}
	free(o.paths);
	schedule_fini(&o.sched);
	if (stop_signal) {
		/* The report is out: end by the signal, as the shell and make expect. */
		close_stdout();
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return rc;
}
