// SPDX-License-Identifier: GPL-2.0-only
/*
 * bbmsim - the command line: run, compare and test scenarios.
 *
 * Exit codes: 0 the run completed and its expectations hold; 1 an
 * expectation failed; 2 bad input (scenario, flag, file).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bbmsim/analysis.h"
#include "bbmsim/machine.h"
#include "bbmsim/litmus.h"
#include "bbmsim/ptdump.h"
#include "bbmsim/scenario.h"
#include "bbmsim/trace.h"

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
	unsigned jobs;
	const char *junit;
	bool has_levels;
	bool levels[BBM_LEVEL_COUNT];
	const char *format;      /* compare: table, markdown, json */
	const char *trace;       /* --trace FILE */
	TraceFormat trace_format;
	TraceFilter filter;
	const char *tree;        /* ptdump */
	bool has_at_tick;
	uint64_t at_tick;
	bool tlb;
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
	"\n"
	"'bbmsim COMMAND --help' describes the options of a command.\n"
	"Exit status: 0 success, 1 an expectation failed, 2 bad input.\n";

static const char *usage_run =
	"usage: bbmsim run SCENARIO [--bbm LEVEL] [--seed N] [--max-insns N] [--quantum N]\n"
	"                  [--json] [-v]\n"
	"\n"
	"Run SCENARIO (a YAML file, docs/scenario-format.md) at each BBM level it lists,\n"
	"or only at LEVEL, and print per level: each PE's final state and instruction\n"
	"count, the faults taken, the hazard windows (kind, severity, PE, VA range, the\n"
	"ticks that opened and closed them, the descriptor write that opened them),\n"
	"rule violations, the implementation choices (knobs) that ran, and whether each\n"
	"expectation held.\n"
	"\n"
	"  --bbm LEVEL      0, 1, 2 or 2-noabort (need not be in machine.levels: then\n"
	"                   only the 'all' expectations apply)\n"
	"  --seed N         seed for the random schedule and random TLB replacement\n"
	"  --max-insns N    instruction limit (all PEs together)\n"
	"  --quantum N      instructions per PE turn (the scenario's schedule.quantum);\n"
	"                   faster, but interleavings finer than N are not explored\n"
	"                   (docs/performance.md)\n"
	"  --json           a machine-readable report instead (docs/report-format.md)\n"
	"  -v, --verbose    also list every fault\n"
	"  --trace FILE     write a trace of every event (compare: one file per level,\n"
	"                   FILE with the level before its extension, e.g. t.0.txt)\n"
	"  --trace-format F text (default), jsonl, or perfetto (docs/trace-format.md)\n"
	"  --trace-pes L    only these PEs: 0,2-3\n"
	"  --trace-va R     only this VA range: LO-HI, LO+SIZE or one VA\n"
	"  --trace-events L only these events: insn,mem,tlbi-issue,... (window lines always)\n"
	"  --trace-ticks R  only these ticks: A-B, A- or A\n"
	"\n"
	"Exit status: 0 expectations hold, 1 an expectation failed, 2 bad input.\n";

static const char *usage_compare =
	"usage: bbmsim compare SCENARIO [--levels L,L...] [--format table|markdown|json]\n"
	"                      [--seed N] [--max-insns N] [--quantum N]\n"
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
	"  --seed N, --max-insns N, --quantum N   as for run\n"
	"  --trace FILE ...          as for run, one file per level\n"
	"\n"
	"Exit status: 0 expectations hold at every level, 1 one failed, 2 bad input.\n";

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
	"usage: bbmsim test [PATH...] [-j N] [--junit FILE]\n"
	"\n"
	"Run every scenario (*.yaml) under each PATH (files or directories, searched\n"
	"recursively; default scenarios/) at each of its BBM levels and check its\n"
	"expectations. One line per run, then 'N passed, N failed'.\n"
	"\n"
	"  -j N           run N scenarios in parallel processes (default 1)\n"
	"  --junit FILE   also write JUnit XML to FILE\n"
	"\n"
	"Exit status: 0 when every run passes, 1 otherwise, 2 bad input.\n";

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
		} else if ((!strcmp(a, "-v") || !strcmp(a, "--verbose")) && !strcmp(o->cmd, "run")) {
			o->verbose = true;
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

/* --- running one level --------------------------------------------------------- */

typedef struct LevelRun {
	BbmLevel level;
	Machine *m;
	Analysis *a;
	RunEnd end;
	ExpectResult *exp;
	size_t nexp, nfail;
	char knobs[512];
} LevelRun;

static uint64_t an_read(void *ctx, uint64_t pa)
{
	return machine_phys_read64(ctx, pa);
}

static void level_run_fini(LevelRun *r);

typedef struct Fanout {
	Trace *trace;
	Analysis *a;
} Fanout;

/* The trace first, so that window lines follow the event that opened them. */
static void fanout_event(void *ctx, const Event *ev)
{
	Fanout *f = ctx;
	trace_event(f->trace, ev);
	analysis_event(f->a, ev);
}

/* FILE with ".LEVEL" before its extension: t.txt -> t.2-noabort.txt. */
static char *trace_path(const char *path, BbmLevel level, bool per_level)
{
	char *out;
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	if (!per_level || !strcmp(path, "-"))
		return strdup(path);
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	if (asprintf(&out, "%.*s.%s%s", (int)(dot - path), path, bbm_level_name(level), dot) < 0)
		die2("out of memory");
	return out;
}

/* Returns false (message printed) on a build error: bad input. */
static bool run_level(const Scenario *s, BbmLevel level, const ScenarioOverrides *ov, LevelRun *r,
		      const Opts *o, bool per_level_trace)
{
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs knobs;
	char err[1024];

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
	Fanout fan = { NULL, r->a };
	if (o && o->trace) {
		char *path = trace_path(o->trace, level, per_level_trace), header[768];
		snprintf(header, sizeof(header), "%s (%s) at BBM level %s; %s", scenario_name(s),
			 scenario_path(s), bbm_level_name(level), r->knobs);
		fan.trace = trace_open(path, o->trace_format, &o->filter, machine_npes(r->m), header, err,
				       sizeof(err));
		free(path);
		if (!fan.trace) {
			fprintf(stderr, "%s: --trace: %s\n", prog, err);
			level_run_fini(r);
			return false;
		}
		analysis_set_window_fn(r->a, trace_window, fan.trace);
		machine_set_event_fn(r->m, fanout_event, &fan);
	} else {
		machine_set_event_fn(r->m, analysis_event, r->a);
	}
	r->end = machine_run(r->m);
	analysis_finish(r->a, machine_tick(r->m));
	if (fan.trace && trace_close(fan.trace) != 0) {
		fprintf(stderr, "%s: --trace: write error\n", prog);
		level_run_fini(r);
		return false;
	}
	machine_set_event_fn(r->m, NULL, NULL);
	r->nexp = scenario_check(s, level, r->m, r->end, r->a, &r->exp);
	for (size_t i = 0; i < r->nexp; i++)
		if (!r->exp[i].ok)
			r->nfail++;
	return true;
}

static void level_run_fini(LevelRun *r)
{
	analysis_free(r->a);
	machine_free(r->m);
	free(r->exp);
	memset(r, 0, sizeof(*r));
}

static size_t count_faults(Machine *m, int kind)
{
	const FaultRecord *f;
	size_t n = machine_faults(m, &f), c = 0;
	for (size_t i = 0; i < n; i++)
		if (kind < 0 ? f[i].kind != FAULT_NONE : (int)f[i].kind == kind)
			c++;
	return c;
}

/* --- human report ---------------------------------------------------------------- */

static void print_tick(FILE *o, uint64_t t)
{
	if (t == ~0ull)
		fputs("end(open)", o);
	else
		fprintf(o, "%" PRIu64, t);
}

static void print_window(FILE *o, const Window *w)
{
	char d0[160], d1[160];
	fprintf(o, "    PE%d %-17s %-14s VA 0x%" PRIx64 "+0x%" PRIx64 "  ticks %" PRIu64 "..", w->pe,
		window_kind_name(w->kind), severity_name(w->severity), w->va, w->size, w->open_tick);
	print_tick(o, w->close_tick);
	fprintf(o, "  accesses %" PRIu64 " (stale uses %" PRIu64 ") faults %" PRIu64 "%s\n", w->accesses,
		w->stale_uses, w->faults, w->latent ? "  (latent: no access inside)" : "");
	fprintf(o, "      why: %s\n", w->why);
	fprintf(o, "      opened by PE%d pc 0x%" PRIx64 " insn 0x%08x at tick %" PRIu64
		   ": desc @0x%" PRIx64 " L%d %s -> %s\n",
		w->cause.pe, w->cause.pc, w->cause.insn, w->cause.tick, w->cause.desc_pa, w->cause.level,
		desc_format(w->cause.old, w->cause.level, d0, sizeof(d0)),
		desc_format(w->cause.val, w->cause.level, d1, sizeof(d1)));
	fprintf(o, "      closed by: %s\n", w->closed_by[0] ? w->closed_by : "nothing (open at the end)");
}

static void print_level(FILE *o, const Scenario *s, LevelRun *r, bool verbose)
{
	unsigned n = machine_npes(r->m);

	fprintf(o, "== %s at BBM level %s ==\n", scenario_name(s), bbm_level_name(r->level));
	fprintf(o, "  knobs: %s\n", r->knobs);
	fprintf(o, "  run: %s after %" PRIu64 " ticks", run_end_name(r->end), machine_tick(r->m));
	if (machine_quantum(r->m) > 1)
		fprintf(o, " (quantum %u: interleavings finer than that not explored)", machine_quantum(r->m));
	fprintf(o, "\n");
	for (unsigned i = 0; i < n; i++) {
		fprintf(o, "  PE%u: %-8s level %-9s insns %-8" PRIu64 " pc 0x%" PRIx64, i,
			pe_state_name(machine_pe_state(r->m, i)), bbm_level_name(machine_pe_level(r->m, i)),
			machine_pe_insns(r->m, i), machine_pe_pc(r->m, i));
		if (machine_pe_error(r->m, i))
			fprintf(o, " (%s)", machine_pe_error(r->m, i));
		uint64_t ret;
		if (scenario_pe_returned(s, r->m, i, &ret))
			fprintf(o, " (returned x0 0x%" PRIx64 ")", ret);
		fputc('\n', o);
	}
	const FaultRecord *f;
	size_t nf = machine_faults(r->m, &f);
	fprintf(o, "  faults: %zu (translation %zu, access-flag %zu, permission %zu, tlb-conflict %zu)\n",
		count_faults(r->m, -1), count_faults(r->m, FAULT_TRANSLATION),
		count_faults(r->m, FAULT_ACCESS_FLAG), count_faults(r->m, FAULT_PERMISSION),
		count_faults(r->m, FAULT_TLB_CONFLICT));
	for (size_t i = 0; i < nf; i++) {
		if (!verbose && i >= 5) {
			fprintf(o, "    ... %zu more (-v lists them all)\n", nf - i);
			break;
		}
		fprintf(o, "    tick %" PRIu64 " PE%d pc 0x%" PRIx64 " %s %s%s L%d VA 0x%" PRIx64 " ESR 0x%" PRIx64 " %s\n",
			f[i].tick, f[i].pe, f[i].pc, f[i].what,
			f[i].kind ? fault_kind_name(f[i].kind) : "", f[i].kind ? "" : "-", f[i].level, f[i].va,
			f[i].esr, f[i].delivered ? "delivered" : "not delivered (no vector table): PE stopped");
		char sym[160];
		if (!strcmp(f[i].what, "brk") && scenario_symbolize(s, f[i].pc, sym, sizeof(sym)))
			fprintf(o, "      brk #0x%" PRIx64 " at %s\n", f[i].esr & 0xffff, sym);
	}
	const Window *w;
	size_t nw = analysis_windows(r->a, &w);
	fprintf(o, "  windows: %zu\n", nw);
	for (size_t i = 0; i < nw; i++)
		print_window(o, &w[i]);
	const Violation *v;
	size_t nv = analysis_violations(r->a, &v);
	fprintf(o, "  violations: %zu\n", nv);
	for (size_t i = 0; i < nv; i++)
		fprintf(o, "    %s tick %" PRIu64 " PE%d pc 0x%" PRIx64 ": %s\n", v[i].rule, v[i].tick, v[i].pe,
			v[i].pc, v[i].what);
	fprintf(o, "  expectations: %zu of %zu met\n", r->nexp - r->nfail, r->nexp);
	for (size_t i = 0; i < r->nexp; i++)
		fprintf(o, "    %-4s %s: %s\n", r->exp[i].ok ? "ok" : "FAIL", r->exp[i].where, r->exp[i].text);
}

/* --- JSON report ------------------------------------------------------------------- */

static void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

static void json_level(FILE *o, LevelRun *r)
{
	unsigned n = machine_npes(r->m);
	char buf[160];

	fprintf(o, "{\"level\":");
	json_str(o, bbm_level_name(r->level));
	fprintf(o, ",\"knobs\":");
	json_str(o, r->knobs);
	fprintf(o, ",\"run\":{\"end\":\"%s\",\"ticks\":%" PRIu64 ",\"quantum\":%u},\"pes\":[",
		run_end_name(r->end), machine_tick(r->m), machine_quantum(r->m));
	for (unsigned i = 0; i < n; i++)
		fprintf(o, "%s{\"pe\":%u,\"state\":\"%s\",\"level\":\"%s\",\"insns\":%" PRIu64 ",\"pc\":%" PRIu64 "}",
			i ? "," : "", i, pe_state_name(machine_pe_state(r->m, i)),
			bbm_level_name(machine_pe_level(r->m, i)), machine_pe_insns(r->m, i), machine_pe_pc(r->m, i));
	fprintf(o, "],\"faults\":[");
	const FaultRecord *f;
	size_t nf = machine_faults(r->m, &f);
	for (size_t i = 0; i < nf; i++) {
		fprintf(o, "%s{\"tick\":%" PRIu64 ",\"pe\":%d,\"pc\":%" PRIu64 ",\"what\":\"%s\",\"kind\":\"%s\","
			   "\"level\":%d,\"va\":%" PRIu64 ",\"esr\":%" PRIu64 ",\"delivered\":%s}",
			i ? "," : "", f[i].tick, f[i].pe, f[i].pc, f[i].what, fault_kind_name(f[i].kind), f[i].level,
			f[i].va, f[i].esr, f[i].delivered ? "true" : "false");
	}
	fprintf(o, "],\"windows\":[");
	const Window *w;
	size_t nw = analysis_windows(r->a, &w);
	for (size_t i = 0; i < nw; i++) {
		fprintf(o, "%s{\"kind\":\"%s\",\"severity\":\"%s\",\"pe\":%d,\"va\":%" PRIu64 ",\"size\":%" PRIu64
			   ",\"open_tick\":%" PRIu64 ",\"close_tick\":",
			i ? "," : "", window_kind_name(w[i].kind), severity_name(w[i].severity), w[i].pe, w[i].va,
			w[i].size, w[i].open_tick);
		if (w[i].close_tick == ~0ull)
			fputs("null", o);
		else
			fprintf(o, "%" PRIu64, w[i].close_tick);
		fprintf(o, ",\"why\":");
		json_str(o, w[i].why);
		fprintf(o, ",\"closed_by\":");
		json_str(o, w[i].closed_by);
		fprintf(o, ",\"latent\":%s", w[i].latent ? "true" : "false");
		fprintf(o, ",\"stale_uses\":%" PRIu64, w[i].stale_uses);
		fprintf(o, ",\"accesses\":%" PRIu64 ",\"faults\":%" PRIu64 ",\"cause\":{\"pe\":%d,\"pc\":%" PRIu64
			   ",\"tick\":%" PRIu64 ",\"insn\":%u,\"desc_pa\":%" PRIu64 ",\"level\":%d,\"old\":%" PRIu64
			   ",\"new\":%" PRIu64 ",\"old_decoded\":",
			w[i].accesses, w[i].faults, w[i].cause.pe, w[i].cause.pc, w[i].cause.tick, w[i].cause.insn,
			w[i].cause.desc_pa, w[i].cause.level, w[i].cause.old, w[i].cause.val);
		json_str(o, desc_format(w[i].cause.old, w[i].cause.level, buf, sizeof(buf)));
		fprintf(o, ",\"new_decoded\":");
		json_str(o, desc_format(w[i].cause.val, w[i].cause.level, buf, sizeof(buf)));
		fprintf(o, "}}");
	}
	fprintf(o, "],\"violations\":[");
	const Violation *v;
	size_t nv = analysis_violations(r->a, &v);
	for (size_t i = 0; i < nv; i++) {
		fprintf(o, "%s{\"rule\":\"%s\",\"tick\":%" PRIu64 ",\"pe\":%d,\"pc\":%" PRIu64 ",\"what\":",
			i ? "," : "", v[i].rule, v[i].tick, v[i].pe, v[i].pc);
		json_str(o, v[i].what);
		fputc('}', o);
	}
	fprintf(o, "],\"expectations\":[");
	for (size_t i = 0; i < r->nexp; i++) {
		fprintf(o, "%s{\"ok\":%s,\"where\":", i ? "," : "", r->exp[i].ok ? "true" : "false");
		json_str(o, r->exp[i].where);
		fprintf(o, ",\"text\":");
		json_str(o, r->exp[i].text);
		fputc('}', o);
	}
	fprintf(o, "]}");
}

/* --- commands ---------------------------------------------------------------------- */

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

/* --- compare ------------------------------------------------------------------------ */

typedef struct WinStats {
	size_t count, latent;
	uint64_t longest, accesses, stale_uses;
} WinStats;

static WinStats win_stats(const Analysis *a, int kind, uint64_t end)
{
	const Window *w;
	size_t n = analysis_windows(a, &w);
	WinStats st = { 0 };
	for (size_t i = 0; i < n; i++) {
		if ((int)w[i].kind != kind)
			continue;
		uint64_t close = w[i].close_tick == ~0ull ? end : w[i].close_tick;
		uint64_t len = close - w[i].open_tick;
		st.count++;
		st.latent += w[i].latent;
		st.accesses += w[i].accesses;
		st.stale_uses += w[i].stale_uses;
		if (len > st.longest)
			st.longest = len;
	}
	return st;
}

static void row(bool md, const char *label, char vals[][40], size_t n)
{
	if (md) {
		printf("| %s |", label);
		for (size_t i = 0; i < n; i++)
			printf(" %s |", vals[i]);
	} else {
		printf("%-40s", label);
		for (size_t i = 0; i < n; i++)
			printf(" %13s", vals[i]);
	}
	printf("\n");
}

static void print_compare(const Scenario *s, LevelRun *runs, size_t nl, bool md)
{
	char v[BBM_LEVEL_COUNT][40], label[64];

	printf(md ? "### %s (`%s`)\n\n" : "%s (%s): per BBM level\n\n", scenario_name(s), scenario_path(s));
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%s", bbm_level_name(runs[i].level));
	row(md, md ? "level" : "", v, nl);
	if (md) {
		printf("|---|");
		for (size_t i = 0; i < nl; i++)
			printf("---:|");
		printf("\n");
	}
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu", count_faults(runs[i].m, FAULT_TRANSLATION));
	row(md, "translation faults taken", v, nl);
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu", count_faults(runs[i].m, FAULT_TLB_CONFLICT));
	row(md, "TLB conflict aborts taken", v, nl);
	for (size_t i = 0; i < nl; i++) {
		uint64_t uses = 0;
		for (int k = 0; k < WIN_KIND_COUNT; k++)
			uses += win_stats(runs[i].a, k, machine_tick(runs[i].m)).stale_uses;
		snprintf(v[i], sizeof(v[i]), "%" PRIu64, uses);
	}
	row(md, "stale uses (old translation used)", v, nl);
	for (int k = 0; k < WIN_KIND_COUNT; k++) {
		for (size_t i = 0; i < nl; i++) {
			WinStats st = win_stats(runs[i].a, k, machine_tick(runs[i].m));
			snprintf(v[i], sizeof(v[i]), "%zu", st.count);
		}
		snprintf(label, sizeof(label), "%s windows", window_kind_name(k));
		row(md, label, v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%" PRIu64, win_stats(runs[i].a, k, machine_tick(runs[i].m)).longest);
		row(md, "  longest (ticks)", v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%" PRIu64, win_stats(runs[i].a, k, machine_tick(runs[i].m)).accesses);
		row(md, "  accesses inside", v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%zu", win_stats(runs[i].a, k, machine_tick(runs[i].m)).latent);
		row(md, "  latent (no access inside)", v, nl);
		for (int sv = SEV_COUNT - 1; sv >= 0; sv--) {
			size_t any = 0;
			for (size_t i = 0; i < nl; i++)
				any += analysis_count(runs[i].a, k, sv, -1);
			if (!any)
				continue;
			for (size_t i = 0; i < nl; i++)
				snprintf(v[i], sizeof(v[i]), "%zu", analysis_count(runs[i].a, k, sv, -1));
			snprintf(label, sizeof(label), "  %s", severity_name(sv));
			row(md, label, v, nl);
		}
	}
	for (size_t i = 0; i < nl; i++) {
		const Violation *vi;
		snprintf(v[i], sizeof(v[i]), "%zu", analysis_violations(runs[i].a, &vi));
	}
	row(md, "rule violations", v, nl);
	unsigned npes = machine_npes(runs[0].m);
	for (unsigned p = 0; p < npes && p < 16; p++) {
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%s", pe_state_name(machine_pe_state(runs[i].m, p)));
		snprintf(label, sizeof(label), "PE%u final state", p);
		row(md, label, v, nl);
	}
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu/%zu", runs[i].nexp - runs[i].nfail, runs[i].nexp);
	row(md, "expectations met", v, nl);
}

static int cmd_run_or_compare(Opts *o, bool compare)
{
	if (o->npaths != 1)
		die2("%s needs exactly one SCENARIO file (see 'bbmsim %s --help')", o->cmd, o->cmd);
	Scenario *s = load_or_die(o->paths[0]);
	BbmLevel levels[BBM_LEVEL_COUNT];
	size_t nl = scenario_levels(s, levels);
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
	int status = 0;
	for (size_t i = 0; i < nl; i++) {
		if (!run_level(s, levels[i], &o->ov, &runs[i], o, compare || nl > 1)) {
			for (size_t j = 0; j < i; j++)
				level_run_fini(&runs[j]);
			scenario_free(s);
			return 2;
		}
		if (runs[i].nfail)
			status = 1;
	}
	if (o->json) {
		printf("{\"bbmsim_report\":1,\"scenario\":");
		json_str(stdout, scenario_name(s));
		printf(",\"file\":");
		json_str(stdout, scenario_path(s));
		printf(",\"levels\":[");
		for (size_t i = 0; i < nl; i++) {
			if (i)
				putchar(',');
			json_level(stdout, &runs[i]);
		}
		printf("],\"passed\":%s}\n", status ? "false" : "true");
	} else if (!compare) {
		for (size_t i = 0; i < nl; i++)
			print_level(stdout, s, &runs[i], o->verbose);
	} else {
		bool md = o->format && !strcmp(o->format, "markdown");
		print_compare(s, runs, nl, md);
		printf(md ? "\n```\n" : "\n");
		for (size_t i = 0; i < nl; i++)
			print_level(stdout, s, &runs[i], false);
		if (md)
			printf("```\n");
	}
	for (size_t i = 0; i < nl; i++)
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
	qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *p;
		if (asprintf(&p, "%s/%s", path, names.v[i]) < 0)
			die2("out of memory");
		find_scenarios(p, out, false);
		free(p);
		free(names.v[i]);
	}
	free(names.v);
}

/*
 * Run one scenario at each of its levels; write one result line per run to @o:
 * "PASS|FAIL|ERROR <file> [level] <detail>".
 */
static void test_one(const char *path, FILE *o)
{
	char err[1024];
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		fprintf(o, "ERROR\t%s\t-\t%s\n", path, err);
		return;
	}
	BbmLevel levels[BBM_LEVEL_COUNT];
	size_t nl = scenario_levels(s, levels);
	ScenarioOverrides ov = { 0 };
	for (size_t i = 0; i < nl; i++) {
		LevelRun r;
		AnalysisPe apes[MACHINE_MAX_PES];
		BbmKnobs knobs;
		memset(&r, 0, sizeof(r));
		r.level = levels[i];
		r.m = scenario_build(s, levels[i], &ov, apes, &knobs, err, sizeof(err));
		if (!r.m) {
			for (char *c = err; *c; c++)
				if (*c == '\n' || *c == '\t')
					*c = ' ';
			fprintf(o, "ERROR\t%s\t%s\t%s\n", path, bbm_level_name(levels[i]), err);
			continue;
		}
		r.a = analysis_new(apes, machine_npes(r.m), &knobs, an_read, r.m);
		analysis_set_ttl_strict(r.a, scenario_ttl_strict(s));
		machine_set_event_fn(r.m, analysis_event, r.a);
		r.end = machine_run(r.m);
		analysis_finish(r.a, machine_tick(r.m));
		r.nexp = scenario_check(s, levels[i], r.m, r.end, r.a, &r.exp);
		size_t first_fail = r.nexp;
		for (size_t k = 0; k < r.nexp; k++)
			if (!r.exp[k].ok) {
				r.nfail++;
				if (first_fail == r.nexp)
					first_fail = k;
			}
		if (r.nfail)
			fprintf(o, "FAIL\t%s\t%s\t%zu of %zu expectations failed; first: %s: %s\n", path,
				bbm_level_name(levels[i]), r.nfail, r.nexp, r.exp[first_fail].where,
				r.exp[first_fail].text);
		else
			fprintf(o, "PASS\t%s\t%s\t%zu expectations, %" PRIu64 " ticks\n", path,
				bbm_level_name(levels[i]), r.nexp, machine_tick(r.m));
		level_run_fini(&r);
	}
	scenario_free(s);
}

static void xml_escape(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, o);
		}
	}
}

static int cmd_test(Opts *o)
{
	StrList files = { 0 };
	if (!o->npaths)
		find_scenarios("scenarios", &files, true);
	for (size_t i = 0; i < o->npaths; i++)
		find_scenarios(o->paths[i], &files, true);
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
	StrList lines = { 0 };

	fflush(stdout);
	while (done < files.n) {
		while (running < jobs && next < files.n) {
			FILE *tmp = tmpfile();
			if (!tmp)
				die2("test: cannot create a temporary file");
			pid_t pid = jobs > 1 ? fork() : 0;
			if (pid < 0)
				die2("test: fork failed: %s", strerror(errno));
			if (pid == 0) {
				test_one(files.v[next], tmp);
				fflush(tmp);
				if (jobs > 1)
					_exit(0);
			}
			unsigned slot = 0;
			while (run[slot].f)
				slot++;
			run[slot].pid = jobs > 1 ? pid : 0;
			run[slot].idx = next++;
			run[slot].f = tmp;
			running++;
			if (jobs == 1)
				break;
		}
		/* Reap one. */
		unsigned slot = 0;
		if (jobs > 1) {
			int st;
			pid_t pid = wait(&st);
			while (slot < jobs && (!run[slot].f || run[slot].pid != pid))
				slot++;
			if (slot == jobs)
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				/* A crash of the simulator: report it as an error line. */
				fseek(run[slot].f, 0, SEEK_END);
				fprintf(run[slot].f, "ERROR\t%s\t-\tthe test process died (status %d)\n",
					files.v[run[slot].idx], st);
			}
		} else {
			while (!run[slot].f)
				slot++;
		}
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
				char *f0 = line, *f1 = strchr(f0, '\t');
				if (!f1)
					continue;
				*f1++ = 0;
				char *f2 = strchr(f1, '\t');
				if (!f2)
					continue;
				*f2++ = 0;
				char *f3 = strchr(f2, '\t');
				if (f3)
					*f3++ = 0;
				bool ok = !strcmp(f0, "PASS");
				ok ? passed++ : failed++;
				printf("%-5s %s [%s] %s\n", f0, f1, f2, f3 ? f3 : "");
				if (junit) {
					char *xl;
					if (asprintf(&xl, "%s\t%s\t%s\t%s", f0, f1, f2, f3 ? f3 : "") >= 0)
						strlist_add(&lines, xl), free(xl);
				}
			}
			printed++;
		}
		fflush(stdout);
	}
	printf("%u passed, %u failed\n", passed, failed);
	if (junit) {
		fprintf(junit, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<testsuites><testsuite name=\"bbmsim\" tests=\"%u\" failures=\"%u\">\n",
			passed + failed, failed);
		for (size_t i = 0; i < lines.n; i++) {
			char *f0 = lines.v[i], *f1 = strchr(f0, '\t');
			*f1++ = 0;
			char *f2 = strchr(f1, '\t');
			*f2++ = 0;
			char *f3 = strchr(f2, '\t');
			*f3++ = 0;
			fputs("  <testcase classname=\"", junit);
			xml_escape(junit, f1);
			fputs("\" name=\"level ", junit);
			xml_escape(junit, f2);
			fputs("\">", junit);
			if (strcmp(f0, "PASS")) {
				fputs("<failure message=\"", junit);
				xml_escape(junit, f3);
				fputs("\"/>", junit);
			}
			fputs("</testcase>\n", junit);
			free(lines.v[i]);
		}
		fputs("</testsuite></testsuites>\n", junit);
		fclose(junit);
	}
	for (size_t i = 0; i < files.n; i++) {
		free(files.v[i]);
		free(results[i]);
	}
	free(files.v);
	free(results);
	free(run);
	free(lines.v);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	Opts o;

	memset(&o, 0, sizeof(o));
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
	return rc;
}
