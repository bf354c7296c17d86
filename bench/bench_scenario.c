// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_scenario.c - a scenario run repeatedly with the hazard analysis off
 * and on (workload 2 of docs/performance.md: the flagship repaint). Prints
 * instructions per second for both and the cost of the analysis.
 *
 * Usage: bench_scenario SCENARIO [LEVEL] [REPEATS]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bbmsim/analysis.h"
#include "bbmsim/machine.h"
#include "bbmsim/scenario.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }

/* Returns the seconds spent in machine_run (and the analysis), summing ticks into *ticks. */
static double run(const Scenario *s, BbmLevel level, bool analysis, uint64_t *ticks)
{
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs k;
	char err[1024];
	Machine *m = scenario_build(s, level, NULL, apes, &k, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "%s\n", err);
		exit(2);
	}
	Analysis *a = NULL;
	double t0 = now();
	if (analysis) {
		a = analysis_new(apes, machine_npes(m), &k, rd, m);
		machine_set_event_fn(m, analysis_event, a);
	}
	machine_run(m);
	if (a)
		analysis_finish(a, machine_tick(m));
	double t = now() - t0;
	*ticks += machine_tick(m);
	analysis_free(a);
	machine_free(m);
	return t;
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
	printf("%-34s %5s %14s %14s %7s\n", "workload", "level", "analysis off", "analysis on", "cost");
	printf("%-34s %5s %14.0f %14.0f %6.2fx\n", scenario_name(s), bbm_level_name(level), ips_off, ips_on,
	       ips_off / ips_on);
	printf("(instructions per second over %d runs of %llu ticks each)\n", reps,
	       (unsigned long long)(t_off / (uint64_t)reps));
	scenario_free(s);
	return 0;
}
