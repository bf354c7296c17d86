// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_litmus.c - time `bbmsim litmus` on one 2-thread TLBI test: parse,
 * assemble (GNU as), build the machine, and explore every interleaving
 * under the four TLB policies. Usage: bench_litmus FILE.litmus [REPEATS]
 * Prints the wall time per test (mean and best over the repeats).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "bbmsim/litmus.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_litmus FILE.litmus [REPEATS]\n");
		return 2;
	}
	int reps = argc > 2 ? atoi(argv[2]) : 20;
	if (reps < 1)
		reps = 1;
	char *args[] = { "litmus", argv[1], NULL };
	double total = 0, best = 1e30;
	int rc = 0;
	int saved = dup(1), null = open("/dev/null", O_WRONLY);
	for (int i = 0; i < reps; i++) {
		fflush(stdout);
		dup2(null, 1);
		double t0 = now_ms();
		rc |= litmus_main(2, args);
		fflush(stdout);
		double dt = now_ms() - t0;
		dup2(saved, 1);
		total += dt;
		if (dt < best)
			best = dt;
	}
	printf("%-40s %8.2f ms/test mean, %8.2f ms best (%d runs)%s\n", argv[1], total / reps, best, reps,
	       rc ? "  [the test FAILED]" : "");
	return rc;
}
