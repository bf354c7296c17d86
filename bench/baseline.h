/* SPDX-License-Identifier: GPL-2.0-only */
/* baseline.h - the plain Unicorn baseline the benchmarks compare against. */
#ifndef BBMSIM_BENCH_BASELINE_H
#define BBMSIM_BENCH_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

double bench_now(void);
/* Seconds of CPU this thread used: other jobs on the cores do not count. */
double bench_cpu_now(void);

/*
 * Step @npes engines round-robin, one instruction per uc_emu_start (count 1,
 * until 0), from @pc, until @budget instructions ran or every engine stopped
 * (an error or an exception: the baseline has no vectors). Returns the
 * seconds spent; *@ran receives the instructions run.
 */
double bench_step_round_robin(uc_engine **uc, uint64_t *pc, unsigned npes, uint64_t budget, uint64_t *ran);

#endif
