// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_core.c - workload 1 of docs/performance.md: 4 PEs in a load/store
 * loop through the linear map (no table changes), against a baseline of
 * plain Unicorn engines stepping the same code round-robin (uc_emu_start
 * with count 1 and until 0, MMU off, flat mapping). Both run in the same
 * process, alternating: each round runs the baseline, then bbmsim, and
 * takes their ratio; the result is the median of the per-round ratios, so
 * that a burst of load from other jobs on shared cores moves one round, not
 * the answer. Prints one table row (the medians) and the rounds.
 * BENCH_CLOCK=cpu times both with the thread's CPU clock instead of the
 * wall clock (time other jobs take from the cores is then not counted).
 *
 * Usage: bench_core [INSNS_PER_PE] [NPES] [ROUNDS]
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>
#include "bbmsim/machine.h"
#include "bbmsim/ptbuild.h"
#include "bbmsim/asm.h"
#include "baseline.h"

#define LINEAR_VA 0xffff800000000000ull
#define CODE_PA   0x200000ull
#define DATA_PA   0x400000ull
#define POOL_PA   0x100000ull

static const char *loop_src =
	"1:	ldr x0, [x1, x2]\n"
	"	add x0, x0, #1\n"
	"	str x0, [x1, x2]\n"
	"	add x2, x2, #64\n"
	"	and x2, x2, #0xffff\n"
	"	b 1b\n";

static uint8_t *assemble(uint64_t base, size_t *len)
{
	AsmResult r;
	if (asm_assemble(loop_src, base, &r)) {
		fprintf(stderr, "bench: cannot assemble: %s\n", r.tool_error);
		exit(2);
	}
	uint8_t *b = malloc(r.len);
	memcpy(b, r.bytes, r.len);
	*len = r.len;
	asm_result_fini(&r);
	return b;
}

static bool use_cpu_time;    /* BENCH_CLOCK=cpu */

static double baseline(unsigned npes, uint64_t insns)
{
	size_t len;
	uint8_t *code = assemble(CODE_PA, &len);
	uint8_t *mem = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uc_engine *uc[64];
	uint64_t pc[64];

	memcpy(mem + CODE_PA, code, len);
	for (unsigned i = 0; i < npes; i++) {
		uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc[i]);
		uc_ctl_set_cpu_model(uc[i], UC_CPU_ARM64_MAX);
		uc_mem_map_ptr(uc[i], 0, 16 << 20, UC_PROT_ALL, mem);
		uint64_t x1 = DATA_PA + i * 0x10000ull, x2 = 0;
		uc_reg_write(uc[i], UC_ARM64_REG_X1, &x1);
		uc_reg_write(uc[i], UC_ARM64_REG_X2, &x2);
		pc[i] = CODE_PA;
	}
	uint64_t ran;
	double c0 = bench_cpu_now();
	double t = bench_step_round_robin(uc, pc, npes, insns * npes, &ran);
	if (use_cpu_time)
		t = bench_cpu_now() - c0;
	for (unsigned i = 0; i < npes; i++)
		uc_close(uc[i]);
	munmap(mem, 16 << 20);
	free(code);
	return (double)ran / t;
}

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }
static void wr(void *ctx, uint64_t pa, uint64_t v) { machine_phys_write64(ctx, pa, v); }

static double model(unsigned npes, uint64_t insns, unsigned *regions)
{
	MachineConfig c;
	char err[256];
	PtBuilder b;
	uint64_t root;
	size_t len;

	machine_config_default(&c);
	c.npes = npes;
	c.mem_size = 1ull << 30;
	c.max_insns = insns * npes;
	Machine *m = machine_new(&c, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	pt_init(&b, rd, wr, m, POOL_PA, 0x100000);
	machine_mark_table_pages(m, POOL_PA, 0x100000);
	pt_alloc_table(&b, &root);
	/* The linear map: 1 GiB of RAM in 2 MiB blocks, as Linux maps it without rodata=full. */
	pt_map(&b, root, 0, LINEAR_VA, 0, 1ull << 30, 2,
	       DESC_AF | (3ull << 8) | DESC_UXN);
	uint8_t *code = assemble(LINEAR_VA + CODE_PA, &len);
	machine_phys_write(m, CODE_PA, code, len);
	free(code);
	for (unsigned i = 0; i < npes; i++) {
		PeInit p;
		memset(&p, 0, sizeof(p));
		p.el = 1;
		p.pc = LINEAR_VA + CODE_PA;
		p.x[1] = LINEAR_VA + DATA_PA + i * 0x10000ull;
		p.regs = (WalkRegs){ .ttbr1 = root, .sctlr = SCTLR_M, .mair = 0xff,
				     .tcr = 16ull | (16ull << 16) | (2ull << 30) | TCR_EPD0 };
		machine_pe_init(m, i, &p, err, sizeof(err));
	}
	double t0 = use_cpu_time ? bench_cpu_now() : bench_now();
	machine_run(m);
	double t = (use_cpu_time ? bench_cpu_now() : bench_now()) - t0;
	double ips = (double)machine_tick(m) / t;
	machine_pe_mirror_regions(m, 0, regions);
	machine_free(m);
	return ips;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define ROUNDS_MAX 101

int main(int argc, char **argv)
{
	uint64_t insns = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	unsigned npes = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 4;
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 1;
	unsigned regions = 0;
	double base[ROUNDS_MAX], mod[ROUNDS_MAX], ratio[ROUNDS_MAX];

	if (npes < 1 || npes > 64 || insns < 1 || rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: bench_core [INSNS_PER_PE >= 1] [NPES 1..64] [ROUNDS 1..%d]\n", ROUNDS_MAX);
		return 2;
	}
	/* BENCH_MODEL_ONLY=1: bbmsim only (for a profiler); the ratios are then meaningless. */
	bool model_only = getenv("BENCH_MODEL_ONLY") && *getenv("BENCH_MODEL_ONLY") == '1';
	use_cpu_time = getenv("BENCH_CLOCK") && !strcmp(getenv("BENCH_CLOCK"), "cpu");
	for (unsigned r = 0; r < rounds; r++) {
		base[r] = model_only ? 1 : baseline(npes, insns);
		mod[r] = model(npes, insns, &regions);
		ratio[r] = mod[r] / base[r];
	}
	if (rounds > 1) {
		printf("round  baseline i/s     bbmsim i/s   ratio\n");
		for (unsigned r = 0; r < rounds; r++)
			printf("%5u %14.0f %14.0f %7.2f\n", r + 1, base[r], mod[r], ratio[r]);
	}
	double lo = ratio[0], hi = ratio[0];
	for (unsigned r = 1; r < rounds; r++) {
		lo = ratio[r] < lo ? ratio[r] : lo;
		hi = ratio[r] > hi ? ratio[r] : hi;
	}
	printf("%-34s %5s %14s %14s %7s\n", "workload", "PEs", "baseline i/s", "bbmsim i/s", "ratio");
	printf("%-34s %5u %14.0f %14.0f %7.2f\n", "1 load/store loop, linear map", npes, median(base, rounds),
	       median(mod, rounds), median(ratio, rounds));
	if (rounds > 1)
		printf("(medians of %u alternating rounds, %s time; ratio min %.2f, max %.2f)\n", rounds,
		       use_cpu_time ? "thread CPU" : "wall", lo, hi);
	printf("(mirror regions on PE0 at peak: %u)\n", regions);
	return 0;
}
