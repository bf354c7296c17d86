// SPDX-License-Identifier: GPL-2.0-only
/* baseline.c - the plain Unicorn stepping loop (baseline.h). */
#define _GNU_SOURCE
#include <time.h>
#include "baseline.h"

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_step_round_robin(uc_engine **uc, uint64_t *pc, unsigned npes, uint64_t budget, uint64_t *ran)
{
	bool alive[256];
	unsigned nalive = npes;
	uint64_t n = 0;

	for (unsigned i = 0; i < npes; i++)
		alive[i] = true;
	double t0 = bench_now();
	while (n < budget && nalive)
		for (unsigned i = 0; i < npes && n < budget; i++) {
			if (!alive[i])
				continue;
			if (uc_emu_start(uc[i], pc[i], 0, 0, 1) != UC_ERR_OK) {
				alive[i] = false;
				nalive--;
				continue;
			}
			uc_reg_read(uc[i], UC_ARM64_REG_PC, &pc[i]);
			n++;
		}
	*ran = n;
	return bench_now() - t0;
}
