// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_scenario.c - a scenario run repeatedly with the hazard analysis off
 * and on (workload 2 of docs/performance.md: the flagship repaint), against
 * a baseline of plain Unicorn engines stepping the same guest code
 * round-robin (uc_emu_start with count 1 and until 0, MMU off) from the same
 * registers (X0..X30, SP, PC, and TTBR0/1 for code that reads them), over a
 * flat map of the pages the bbmsim run touched (each VA page at the PA it
 * first translated to). Workload 2 is the flagship; workload 6 the compiled
 * kernel repaint (bench/kernel-repaint-4g.yaml). The baseline runs as many
 * instructions as bbmsim did, or until its PEs stop (an exception: it has
 * no vectors). Prints instructions per second for all three, the ratio of
 * bbmsim with the analysis to the baseline, and the cost of the analysis.
 *
 * Usage: bench_scenario SCENARIO [LEVEL] [REPEATS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>
#include "bbmsim/analysis.h"
#include "bbmsim/event.h"
#include "bbmsim/machine.h"
#include "bbmsim/scenario.h"
#include "baseline.h"

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }

static Machine *build(const Scenario *s, BbmLevel level, AnalysisPe *apes, BbmKnobs *k)
{
	char err[1024];
	Machine *m = scenario_build(s, level, NULL, apes, k, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	return m;
}

/* Returns the seconds spent in machine_run (and the analysis), summing ticks into *ticks. */
static double run(const Scenario *s, BbmLevel level, bool analysis, uint64_t *ticks)
{
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs k;
	Machine *m = build(s, level, apes, &k);
	Analysis *a = NULL;
	double t0 = bench_now();
	if (analysis) {
		a = analysis_new(apes, machine_npes(m), &k, rd, m);
		machine_set_event_fn(m, analysis_event, a);
	}
	machine_run(m);
	if (a)
		analysis_finish(a, machine_tick(m));
	double t = bench_now() - t0;
	*ticks += machine_tick(m);
	analysis_free(a);
	machine_free(m);
	return t;
}

/* The pages each PE touched (VA page -> PA page), in first-use order. */
#define TOUCH_MAX 4096
typedef struct Touch {
	uint64_t va, pa;
} Touch;

typedef struct Touched {
	Machine *m;
	Touch t[MACHINE_MAX_PES][TOUCH_MAX];
	size_t n[MACHINE_MAX_PES];
} Touched;

static void touch(Touched *tc, int pe, uint64_t va, bool have_pa, uint64_t pa)
{
	uint64_t page = va & ~0xfffull;
	for (size_t k = tc->n[pe]; k-- > 0;)
		if (tc->t[pe][k].va == page)
			return;
	if (tc->n[pe] == TOUCH_MAX || (!have_pa && !machine_pe_translate(tc->m, (unsigned)pe, page, &pa)))
		return;
	tc->t[pe][tc->n[pe]++] = (Touch){ page, pa & ~0xfffull };
}

static void touch_fn(void *ctx, const Event *ev)
{
	if (ev->type == EV_INSN)
		touch(ctx, ev->pe, ev->pc, false, 0);
	else if (ev->type == EV_MEM)
		touch(ctx, ev->pe, ev->va, true, ev->pa);
}

static int touch_cmp(const void *a, const void *b)
{
	const Touch *x = a, *y = b;
	return x->va < y->va ? -1 : x->va > y->va;
}

/* Instructions per second of the plain Unicorn baseline (see the head of the file). */
static double baseline(const Scenario *s, BbmLevel level, int reps)
{
	static Touched tc;
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs k;
	Machine *m = build(s, level, apes, &k);

	memset(&tc, 0, sizeof(tc));
	tc.m = m;
	machine_set_event_fn(m, touch_fn, &tc);
	machine_run(m);
	uint64_t budget = machine_tick(m);
	unsigned npes = machine_npes(m);
	machine_free(m);

	uint64_t top = 0;
	for (unsigned i = 0; i < npes; i++)
		for (size_t k = 0; k < tc.n[i]; k++)
			if (tc.t[i][k].pa + 0x1000 > top)
				top = tc.t[i][k].pa + 0x1000;
	uint8_t *mem = mmap(NULL, top, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	double secs = 0;
	uint64_t done = 0;
	for (int rep = 0; rep < reps; rep++) {
		uc_engine *uc[MACHINE_MAX_PES];
		uint64_t pc[MACHINE_MAX_PES];
		m = build(s, level, apes, &k);
		for (unsigned i = 0; i < npes; i++)
			for (size_t k = 0; k < tc.n[i]; k++)
				machine_phys_read(m, tc.t[i][k].pa, mem + tc.t[i][k].pa, 0x1000);
		for (unsigned i = 0; i < npes; i++) {
			uint64_t pstate = 0x3c5, v;     /* EL1h, DAIF masked */
			uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc[i]);
			uc_ctl_set_cpu_model(uc[i], UC_CPU_ARM64_MAX);
			Touch *t = tc.t[i];
			qsort(t, tc.n[i], sizeof(*t), touch_cmp);
			for (size_t k = 0; k < tc.n[i];) {
				size_t j = k + 1;
				while (j < tc.n[i] && t[j].va == t[j - 1].va + 0x1000 && t[j].pa == t[j - 1].pa + 0x1000)
					j++;
				uc_mem_map_ptr(uc[i], t[k].va, (j - k) * 0x1000, UC_PROT_ALL, mem + t[k].pa);
				k = j;
			}
			uc_reg_write(uc[i], UC_ARM64_REG_PSTATE, &pstate);
			for (unsigned r = 0; r < 31; r++) {
				v = machine_pe_x(m, i, r);
				uc_reg_write(uc[i], r < 29 ? UC_ARM64_REG_X0 + (int)r : r == 29 ? UC_ARM64_REG_X29
					     : UC_ARM64_REG_X30, &v);
			}
			v = machine_pe_x(m, i, 31);
			uc_reg_write(uc[i], UC_ARM64_REG_SP, &v);
			/* Code that reads its TTBRs (kernel code finding its tables) reads the same values; the MMU stays off. */
			uc_reg_write(uc[i], UC_ARM64_REG_TTBR0_EL1, &apes[i].regs.ttbr0);
			uc_reg_write(uc[i], UC_ARM64_REG_TTBR1_EL1, &apes[i].regs.ttbr1);
			pc[i] = machine_pe_pc(m, i);
		}
		machine_free(m);
		uint64_t n = 0;
		secs += bench_step_round_robin(uc, pc, npes, budget, &n);
		done += n;
		for (unsigned i = 0; i < npes; i++)
			uc_close(uc[i]);
	}
	munmap(mem, top);
	printf("(baseline: %llu of %llu instructions per run before its PEs stopped)\n",
	       (unsigned long long)(done / (uint64_t)reps), (unsigned long long)budget);
	return (double)done / secs;
}

int main(int argc, char **argv)
{
	char err[1024];
	BbmLevel level = BBM_L2_NOABORT;

	if (argc < 2 || (argc > 2 && !bbm_level_parse(argv[2], &level))) {
		fprintf(stderr, "usage: bench_scenario SCENARIO [LEVEL] [REPEATS]\n");
		return 2;
	}
	int reps = argc > 3 ? atoi(argv[3]) : 20;
	if (reps < 1)
		reps = 1;
	Scenario *s = scenario_load(argv[1], err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	uint64_t t_off = 0, t_on = 0;
	double s_off = 0, s_on = 0;
	for (int i = 0; i < reps; i++) {
		s_off += run(s, level, false, &t_off);
		s_on += run(s, level, true, &t_on);
	}
	double ips_off = (double)t_off / s_off, ips_on = (double)t_on / s_on;
	double ips_base = baseline(s, level, reps);
	printf("%-28s %5s %12s %12s %12s %6s %6s\n", "workload", "level", "baseline i/s", "analysis off",
	       "analysis on", "ratio", "cost");
	printf("%-28s %5s %12.0f %12.0f %12.0f %6.2f %5.2fx\n", scenario_name(s), bbm_level_name(level),
	       ips_base, ips_off, ips_on, ips_on / ips_base, ips_off / ips_on);
	printf("(instructions per second over %d runs of %llu ticks each)\n", reps,
	       (unsigned long long)(t_off / (uint64_t)reps));
	scenario_free(s);
	return 0;
}
