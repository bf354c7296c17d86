// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_split.c - workload 3 of docs/performance.md: a linear map of N GiB
 * in 2 MiB blocks split live into 4 KiB pages by one PE (Linux's
 * split_pmd() on a BBML2 CPU: fill a new PTE table, DSB ISHST, write the
 * table descriptor over the live block; one TLBI VMALLE1IS at the end)
 * while R reader PEs sweep the map, loading one word per page (each reader
 * its own offset in the page) and storing to a counter of their own. N GiB means N * 512
 * blocks and N * 512 * 513 descriptor writes. Prints wall time, peak RSS,
 * instructions, windows, and the rate; then the baseline: plain Unicorn
 * engines (MMU off, the linear map and the code mapped flat) stepping the
 * same PEs' code from the same registers round-robin with count 1, for the
 * first BENCH_BASELINE_INSNS instructions (default 20 M), and the ratio.
 *
 * Usage: bench_split [GIB] [READERS] [QUANTUM] [analysis=1|0] [PREFETCH]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unicorn/unicorn.h>
#include "bbmsim/analysis.h"
#include "bbmsim/asm.h"
#include "bbmsim/machine.h"
#include "bbmsim/ptbuild.h"
#include "baseline.h"

#define LINEAR   0xffff800000000000ull
#define KIMAGE   0xffff000010000000ull
#define CODE_PA  0x200000ull
#define POOL_PA  0x1000000ull          /* 16 MiB: the boot tables */
#define POOL_SZ  0x400000ull
#define SPARE_PA 0x2000000ull          /* PTE tables for the split: 4 KiB per block */

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }
static void wr(void *ctx, uint64_t pa, uint64_t v) { machine_phys_write64(ctx, pa, v); }

/* x0 = first PMD descriptor VA, x1 = number of blocks, x2 = first spare table VA, x3 = its PA. */
static const char *splitter =
	"	ldr x4, =0x0060000000000703\n"       /* page: AF, SH inner, RW, UXN, PXN */
	"	mov x10, #0\n"                       /* block PA */
	"1:	mov x5, x2\n"
	"	mov x6, #512\n"
	"	orr x7, x10, x4\n"
	"2:	str x7, [x5], #8\n"
	"	add x7, x7, #0x1000\n"
	"	subs x6, x6, #1\n"
	"	b.ne 2b\n"
	"	dsb ishst\n"
	"	orr x8, x3, #3\n"
	"	str x8, [x0], #8\n"                  /* the live block becomes a table */
	"	add x2, x2, #0x1000\n"
	"	add x3, x3, #0x1000\n"
	"	add x10, x10, #0x200000\n"
	"	subs x1, x1, #1\n"
	"	b.ne 1b\n"
	"	dsb ishst\n"
	"	tlbi vmalle1is\n"
	"	dsb ish\n"
	"	isb\n"
	"	mov x9, #1\n"
	"	str x9, [x11]\n"                     /* stop the readers */
	"	hlt #0\n";

/*
 * x1 = base VA, x2 = stride, x3 = mask, x11 = stop flag, x12 = this reader's
 * own counter. Readers load through the whole map and store only to their
 * counter, so the host commits memory for the tables, not for a swept half
 * of RAM (untouched pages read as the host's shared zero page).
 */
static const char *reader =
	"	mov x4, #0\n"
	"1:	ldr x0, [x1, x4]\n"
	"	add x0, x0, #1\n"
	"	str x0, [x12]\n"
	"	add x4, x4, x2\n"
	"	and x4, x4, x3\n"
	"	ldr x9, [x11]\n"
	"	cbz x9, 1b\n"
	"	hlt #0\n";

static void load(Machine *m, const char *src, uint64_t va, uint64_t pa)
{
	AsmResult r;
	if (asm_assemble(src, va, &r)) {
		fprintf(stderr, "bench_split: assembly failed: %s\n", r.tool_error);
		exit(2);
	}
	machine_phys_write(m, pa, r.bytes, r.len);
	asm_result_fini(&r);
}

/* Instructions per second of the plain Unicorn baseline (see the head of the file). */
static double baseline(const PeInit *p, unsigned npes, unsigned gib, const uint8_t *code, uint64_t insns,
		       uint64_t *ran)
{
	size_t memsz = ((size_t)gib << 30) + (1ull << 30);
	uint8_t *mem = mmap(NULL, memsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uc_engine *uc[MACHINE_MAX_PES];
	uint64_t pc[MACHINE_MAX_PES];

	memcpy(mem + CODE_PA, code, 0x2000);
	for (unsigned i = 0; i < npes; i++) {
		uint64_t pstate = 0x3c5;     /* EL1h */
		uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc[i]);
		uc_ctl_set_cpu_model(uc[i], UC_CPU_ARM64_MAX);
		uc_mem_map_ptr(uc[i], KIMAGE, 0x10000, UC_PROT_ALL, mem + CODE_PA);
		uc_mem_map_ptr(uc[i], LINEAR, (size_t)gib << 30, UC_PROT_ALL, mem);
		uc_reg_write(uc[i], UC_ARM64_REG_PSTATE, &pstate);
		for (int r = 0; r < 29; r++)
			uc_reg_write(uc[i], UC_ARM64_REG_X0 + r, &p[i].x[r]);
		pc[i] = p[i].pc;
	}
	double t = bench_step_round_robin(uc, pc, npes, insns, ran);
	for (unsigned i = 0; i < npes; i++)
		uc_close(uc[i]);
	munmap(mem, memsz);
	return (double)*ran / t;
}

int main(int argc, char **argv)
{
	unsigned gib = argc > 1 ? (unsigned)atoi(argv[1]) : 16;
	unsigned readers = argc > 2 ? (unsigned)atoi(argv[2]) : 8;
	unsigned quantum = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	bool with_analysis = argc > 4 ? atoi(argv[4]) != 0 : true;
	unsigned prefetch = argc > 5 ? (unsigned)atoi(argv[5]) : 1;
	char err[256];

	if (gib < 1 || gib > 64 || readers > 63 || quantum < 1 || prefetch > 512) {
		fprintf(stderr, "usage: bench_split [GIB 1..64] [READERS 0..63] [QUANTUM >= 1] [analysis 1|0] [PREFETCH 1..512]\n");
		return 2;
	}
	uint64_t blocks = (uint64_t)gib * 512;
	MachineConfig c;
	machine_config_default(&c);
	c.npes = readers + 1;
	c.mem_size = ((uint64_t)gib << 30) + (1ull << 30);
	c.level = BBM_L2_NOABORT;
	c.quantum = quantum;
	c.tlb_prefetch = prefetch;
	c.max_insns = 4000000000ull;
	/* Experiments: BENCH_MIRROR_WINDOW (bytes) and BENCH_MIRROR_REGIONS override the mirror's defaults. */
	if (getenv("BENCH_MIRROR_WINDOW"))
		c.mirror_window = strtoull(getenv("BENCH_MIRROR_WINDOW"), NULL, 0);
	if (getenv("BENCH_MIRROR_REGIONS"))
		c.mirror_regions = (unsigned)atoi(getenv("BENCH_MIRROR_REGIONS"));
	Machine *m = machine_new(&c, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "bench_split: %s\n", err);
		return 2;
	}
	PtBuilder b;
	uint64_t root;
	pt_init(&b, rd, wr, m, POOL_PA, POOL_SZ);
	machine_mark_table_pages(m, POOL_PA, POOL_SZ);
	machine_mark_table_pages(m, SPARE_PA, blocks * 4096);
	pt_alloc_table(&b, &root);
	const uint64_t blk = DESC_AF | (3ull << 8) | DESC_UXN | DESC_PXN;
	const char *e = pt_map(&b, root, 0, LINEAR, 0, (uint64_t)gib << 30, 2, blk);
	if (!e)
		e = pt_map(&b, root, 0, KIMAGE, CODE_PA, 0x10000, 3, DESC_AF | (3ull << 8) | DESC_UXN | DESC_AP2);
	if (e) {
		fprintf(stderr, "bench_split: %s\n", e);
		return 2;
	}
	load(m, splitter, KIMAGE, CODE_PA);
	load(m, reader, KIMAGE + 0x1000, CODE_PA + 0x1000);
	uint64_t flag = LINEAR + 0x100000;     /* in the first block */
	AnalysisPe ap[MACHINE_MAX_PES];
	PeInit pinit[MACHINE_MAX_PES];
	for (unsigned i = 0; i <= readers; i++) {
		PeInit p;
		memset(&p, 0, sizeof(p));
		p.el = 1;
		p.regs = (WalkRegs){ .ttbr1 = root, .sctlr = SCTLR_M, .mair = 0xff,
				     .tcr = 16ull | (16ull << 16) | (2ull << 30) | TCR_EPD0 };
		p.x[11] = flag;
		if (i == 0) {
			p.pc = KIMAGE;
			p.x[0] = LINEAR + pt_desc_addr(&b, root, 0, LINEAR, 2);
			p.x[1] = blocks;
			p.x[2] = LINEAR + SPARE_PA;
			p.x[3] = SPARE_PA;
		} else {
			p.pc = KIMAGE + 0x1000;
			p.x[1] = LINEAR + 0x4000000ull + i * 0x1000;
			p.x[2] = 0x1000ull + i * 0x40;         /* sweep: a new page every access */
			p.x[3] = ((uint64_t)gib << 30) / 2 - 1;
			p.x[3] &= ~0xfffull;
			p.x[12] = LINEAR + 0x800000 + i * 64;   /* the counters (PA 8 MiB): one line each */
		}
		if (!machine_pe_init(m, i, &p, err, sizeof(err))) {
			fprintf(stderr, "bench_split: %s\n", err);
			return 2;
		}
		ap[i] = (AnalysisPe){ p.regs, BBM_L2_NOABORT, true };
		pinit[i] = p;
	}
	uint8_t code[0x2000];
	machine_phys_read(m, CODE_PA, code, sizeof(code));
	Analysis *a = NULL;
	if (with_analysis) {
		BbmKnobs k = bbm_knobs_default;
		a = analysis_new(ap, c.npes, &k, rd, m);
		machine_set_event_fn(m, analysis_event, a);
	}
	double t0 = bench_now();
	RunEnd end = machine_run(m);
	if (a)
		analysis_finish(a, machine_tick(m));
	double t = bench_now() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%-28s %4s %7s %3s %8s %9s %12s %10s %9s\n", "workload", "GiB", "readers", "q", "analysis",
	       "wall s", "insns", "insns/s", "peak MiB");
	printf("%-28s %4u %7u %3u %8s %9.2f %12llu %10.0f %9ld\n", "3 live split to 4K", gib, readers, quantum,
	       a ? "on" : "off", t, (unsigned long long)machine_tick(m), (double)machine_tick(m) / t,
	       ru.ru_maxrss / 1024);
	uint64_t maps = 0;
	for (unsigned i = 0; i < c.npes; i++)
		maps += machine_pe_mirror_maps(m, i);
	if (getenv("BENCH_VERBOSE"))
		for (unsigned i = 0; i < c.npes; i++)
			fprintf(stderr, "PE%u: %llu insns, %llu maps\n", i, (unsigned long long)machine_pe_insns(m, i),
				(unsigned long long)machine_pe_mirror_maps(m, i));
	printf("(run end: %s; splitter %s; %zu windows; %llu mirror maps, %.1f us each if they were all the time)\n",
	       run_end_name(end), pe_state_name(machine_pe_state(m, 0)), a ? analysis_count(a, -1, -1, -1) : 0,
	       (unsigned long long)maps, t / (double)maps * 1e6);
	analysis_free(a);
	uint64_t ticks = machine_tick(m);
	machine_free(m);
	uint64_t budget = getenv("BENCH_BASELINE_INSNS") ? strtoull(getenv("BENCH_BASELINE_INSNS"), NULL, 0)
							 : 20000000ull, ran = 0;
	if (budget > ticks)
		budget = ticks;
	double base = baseline(pinit, c.npes, gib, code, budget, &ran);
	printf("(baseline: plain Unicorn stepping the same code, flat map: %.0f insns/s over %llu instructions;"
	       " ratio %.2f)\n", base, (unsigned long long)ran, (double)ticks / t / base);
	return end == RUN_ALL_HALTED ? 0 : 1;
}
