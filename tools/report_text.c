// SPDX-License-Identifier: GPL-2.0-only
/*
 * report_text.c - the human report (`bbmsim run`) and the side-by-side
 * comparison (`bbmsim compare`, as a table or markdown) of a Report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/desc.h"
#include "report.h"

static void print_tick(FILE *o, uint64_t t)
{
	if (t == ~0ull)
		fputs("end(open)", o);
	else
		fprintf(o, "%" PRIu64, t);
}

static void print_window(FILE *o, const Report *rep, const Window *w)
{
	char d0[160], d1[160], pc[128];
	fprintf(o, "    PE%d %-17s %-14s VA 0x%" PRIx64 "+0x%" PRIx64 "  ticks %" PRIu64 "..", w->pe,
		window_kind_name(w->kind), severity_name(w->severity), w->va, w->size, w->open_tick);
	print_tick(o, w->close_tick);
	fprintf(o, "  accesses %" PRIu64 " (stale uses %" PRIu64 ") faults %" PRIu64 "%s\n", w->accesses,
		w->stale_uses, w->faults, w->latent ? "  (latent: no access inside)" : "");
	fprintf(o, "      why: %s\n", w->why);
	fprintf(o, "      opened by PE%d at %s insn 0x%08x at tick %" PRIu64
		   ": desc @0x%" PRIx64 " L%d %s -> %s\n",
		w->cause.pe, report_pc(rep, w->cause.pc, pc, sizeof(pc)), w->cause.insn, w->cause.tick, w->cause.desc_pa, w->cause.level,
		desc_format(w->cause.old, w->cause.level, d0, sizeof(d0)),
		desc_format(w->cause.val, w->cause.level, d1, sizeof(d1)));
	fprintf(o, "      closed by: %s\n", w->closed_by[0] ? w->closed_by : "nothing (open at the end)");
}

/*
 * Windows that share a cause: the same opening write (PC and descriptor
 * level), kind and severity, on any PEs and VAs. A live split of a large
 * map opens thousands of windows from a handful of stores in a loop.
 */
typedef struct WinGroup {
	uint64_t pc;
	int level;
	WindowKind kind;
	Severity sev;
	size_t count, open, latent;
	uint64_t pes;            /* bit per PE */
	uint64_t lo, hi;         /* VA span [lo, hi) */
	uint64_t accesses, stale_uses, faults;
	const Window *first;
} WinGroup;


static void print_window_groups(FILE *o, const Report *rep, const LevelRun *r, const Window *w, size_t nw)
{
	WinGroup *g = NULL;
	size_t ng = 0;
	char pc[96], pes[160], d0[160], d1[160];

	for (size_t i = 0; i < nw; i++) {
		size_t k = 0;
		while (k < ng && !(g[k].pc == w[i].cause.pc && g[k].level == w[i].cause.level &&
				   g[k].kind == w[i].kind && g[k].sev == w[i].severity))
			k++;
		if (k == ng) {
			g = realloc(g, (ng + 1) * sizeof(*g));
			g[ng++] = (WinGroup){ .pc = w[i].cause.pc, .level = w[i].cause.level, .kind = w[i].kind,
					      .sev = w[i].severity, .lo = w[i].va, .hi = w[i].va + w[i].size,
					      .first = &w[i] };
		}
		WinGroup *x = &g[k];
		x->count++;
		x->open += w[i].close_tick == ~0ull;
		x->latent += w[i].latent;
		x->pes |= 1ull << (w[i].pe & 63);
		x->lo = w[i].va < x->lo ? w[i].va : x->lo;
		x->hi = w[i].va + w[i].size > x->hi ? w[i].va + w[i].size : x->hi;
		x->accesses += w[i].accesses;
		x->stale_uses += w[i].stale_uses;
		x->faults += w[i].faults;
	}
	fprintf(o, "  windows: %zu in %zu group%s by cause (--windows all lists each)\n", nw, ng, ng == 1 ? "" : "s");
	for (size_t k = 0; k < ng; k++) {
		const WinGroup *x = &g[k];
		report_pe_set(x->pes, pes, sizeof(pes));
		fprintf(o, "    %zu x %s %s on %s, VA 0x%" PRIx64 "..0x%" PRIx64 ", %zu open at the end, %zu latent\n",
			x->count, window_kind_name(x->kind), severity_name(x->sev), pes, x->lo, x->hi, x->open,
			x->latent);
		fprintf(o, "      opened by PE%d at %s (L%d %s -> %s%s)\n", x->first->cause.pe,
			report_pc(rep, x->pc, pc, sizeof(pc)), x->level,
			desc_format(x->first->cause.old, x->level, d0, sizeof(d0)),
			desc_format(x->first->cause.val, x->level, d1, sizeof(d1)), x->count > 1 ? ", first of them" : "");
		fprintf(o, "      why: %s; accesses %" PRIu64 " (stale uses %" PRIu64 "), faults %" PRIu64 "\n",
			x->first->why, x->accesses, x->stale_uses, x->faults);
	}
	char verdict[320];
	report_verdict(r, verdict, sizeof(verdict));
	fprintf(o, "  verdict at level %s: %s\n", bbm_level_name(r->level), verdict);
	free(g);
}

void report_text_level(FILE *o, const Report *rep, const LevelRun *r, bool verbose)
{
	unsigned n = machine_npes(r->m);

	fprintf(o, "== %s at BBM level %s ==\n", scenario_name(rep->s), bbm_level_name(r->level));
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
		if (scenario_pe_returned(rep->s, r->m, i, &ret))
			fprintf(o, " (returned x0 0x%" PRIx64 ")", ret);
		fputc('\n', o);
	}
	const FaultRecord *f;
	size_t nf = machine_faults(r->m, &f);
	fprintf(o, "  faults: %zu (translation %zu, access-flag %zu, permission %zu, tlb-conflict %zu)\n",
		report_count_faults(r->m, -1), report_count_faults(r->m, FAULT_TRANSLATION),
		report_count_faults(r->m, FAULT_ACCESS_FLAG), report_count_faults(r->m, FAULT_PERMISSION),
		report_count_faults(r->m, FAULT_TLB_CONFLICT));
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
		if (!strcmp(f[i].what, "brk") && scenario_symbolize(rep->s, f[i].pc, sym, sizeof(sym)))
			fprintf(o, "      brk #0x%" PRIx64 " at %s\n", f[i].esr & 0xffff, sym);
	}
	const Window *w;
	size_t nw = analysis_windows(r->a, &w);
	if (rep->all_windows) {
		fprintf(o, "  windows: %zu\n", nw);
		for (size_t i = 0; i < nw; i++)
			print_window(o, rep, &w[i]);
	} else {
		print_window_groups(o, rep, r, w, nw);
	}
	const Violation *v;
	size_t nv = analysis_violations(r->a, &v);
	char vpc[128];
	fprintf(o, "  violations: %zu\n", nv);
	for (size_t i = 0; i < nv; i++) {
		/* Grouped (unless --windows all): the first of each rule and PC, with the count. */
		size_t same = 0;
		bool earlier = false;
		for (size_t k = 0; k < nv && !rep->all_windows; k++)
			if (!strcmp(v[k].rule, v[i].rule) && v[k].pc == v[i].pc && v[k].pe == v[i].pe) {
				earlier |= k < i;
				same++;
			}
		if (earlier)
			continue;
		fprintf(o, "    %s tick %" PRIu64 " PE%d at %s: %s", v[i].rule, v[i].tick, v[i].pe,
			report_pc(rep, v[i].pc, vpc, sizeof(vpc)), v[i].what);
		if (same > 1)
			fprintf(o, " (and %zu more from there)", same - 1);
		fputc('\n', o);
	}
	fprintf(o, "  expectations: %zu of %zu met\n", r->nexp - r->nfail, r->nexp);
	for (size_t i = 0; i < r->nexp; i++)
		fprintf(o, "    %-4s %s: %s\n", r->exp[i].ok ? "ok" : "FAIL", r->exp[i].where, r->exp[i].text);
}

static void row(FILE *o, bool md, const char *label, char vals[][40], size_t n)
{
	if (md) {
		fprintf(o, "| %s |", label);
		for (size_t i = 0; i < n; i++)
			fprintf(o, " %s |", vals[i]);
	} else {
		fprintf(o, "%-40s", label);
		for (size_t i = 0; i < n; i++)
			fprintf(o, " %13s", vals[i]);
	}
	fprintf(o, "\n");
}

void report_text_compare(FILE *o, const Report *r, bool md)
{
	const Scenario *s = r->s;
	const LevelRun *runs = r->runs;
	size_t nl = r->nruns;
	char v[BBM_LEVEL_COUNT][40], label[64];

	fprintf(o, md ? "### %s (`%s`)\n\n" : "%s (%s): per BBM level\n\n", scenario_name(s), scenario_path(s));
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%s", bbm_level_name(runs[i].level));
	row(o, md, md ? "level" : "", v, nl);
	if (md) {
		fprintf(o, "|---|");
		for (size_t i = 0; i < nl; i++)
			fprintf(o, "---:|");
		fprintf(o, "\n");
	}
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu", report_count_faults(runs[i].m, FAULT_TRANSLATION));
	row(o, md, "translation faults taken", v, nl);
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu", report_count_faults(runs[i].m, FAULT_TLB_CONFLICT));
	row(o, md, "TLB conflict aborts taken", v, nl);
	for (size_t i = 0; i < nl; i++) {
		uint64_t uses = 0;
		for (int k = 0; k < WIN_KIND_COUNT; k++)
			uses += report_win_stats(runs[i].a, k, machine_tick(runs[i].m)).stale_uses;
		snprintf(v[i], sizeof(v[i]), "%" PRIu64, uses);
	}
	row(o, md, "stale uses (old translation used)", v, nl);
	for (int k = 0; k < WIN_KIND_COUNT; k++) {
		for (size_t i = 0; i < nl; i++) {
			WinStats st = report_win_stats(runs[i].a, k, machine_tick(runs[i].m));
			snprintf(v[i], sizeof(v[i]), "%zu", st.count);
		}
		snprintf(label, sizeof(label), "%s windows", window_kind_name(k));
		row(o, md, label, v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%" PRIu64, report_win_stats(runs[i].a, k, machine_tick(runs[i].m)).longest);
		row(o, md, "  longest (ticks)", v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%" PRIu64, report_win_stats(runs[i].a, k, machine_tick(runs[i].m)).accesses);
		row(o, md, "  accesses inside", v, nl);
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%zu", report_win_stats(runs[i].a, k, machine_tick(runs[i].m)).latent);
		row(o, md, "  latent (no access inside)", v, nl);
		for (int sv = SEV_COUNT - 1; sv >= 0; sv--) {
			size_t any = 0;
			for (size_t i = 0; i < nl; i++)
				any += analysis_count(runs[i].a, k, sv, -1);
			if (!any)
				continue;
			for (size_t i = 0; i < nl; i++)
				snprintf(v[i], sizeof(v[i]), "%zu", analysis_count(runs[i].a, k, sv, -1));
			snprintf(label, sizeof(label), "  %s", severity_name(sv));
			row(o, md, label, v, nl);
		}
	}
	for (size_t i = 0; i < nl; i++) {
		const Violation *vi;
		snprintf(v[i], sizeof(v[i]), "%zu", analysis_violations(runs[i].a, &vi));
	}
	row(o, md, "rule violations", v, nl);
	unsigned npes = machine_npes(runs[0].m);
	for (unsigned p = 0; p < npes && p < 16; p++) {
		for (size_t i = 0; i < nl; i++)
			snprintf(v[i], sizeof(v[i]), "%s", pe_state_name(machine_pe_state(runs[i].m, p)));
		snprintf(label, sizeof(label), "PE%u final state", p);
		row(o, md, label, v, nl);
	}
	for (size_t i = 0; i < nl; i++)
		snprintf(v[i], sizeof(v[i]), "%zu/%zu", runs[i].nexp - runs[i].nfail, runs[i].nexp);
	row(o, md, "expectations met", v, nl);
}

void report_text_incomplete(FILE *o, const Report *r)
{
	if (r->complete)
		return;
	fprintf(o, "INCOMPLETE: interrupted by %s", r->interrupted_by ? r->interrupted_by : "a signal");
	if (r->nruns)
		fprintf(o, " at BBM level %s, tick %" PRIu64, bbm_level_name(r->runs[r->nruns - 1].level),
			machine_tick(r->runs[r->nruns - 1].m));
	fprintf(o, "; the levels after it were not run\n");
}
