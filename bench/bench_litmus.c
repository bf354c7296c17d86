// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_litmus.c - time `bbmsim litmus`.
 *
 * On one file: parse, assemble (GNU as), build the machine, and explore
 * every interleaving under every TLB policy, REPEATS times; prints the wall
 * time per test (mean and best).
 *
 * On a folder (a catalogue, with an optional verdict file): one
 * `bbmsim litmus [--kinds KINDS] DIR` per round, in process; prints the
 * tests run (not skipped) per second of wall time, the median of the
 * per-test CPU times litmus prints (its own work: the batch's one assembler
 * call is shared and counted in the totals only), and the CPU time per test
 * run (this process and its children, as and ld, over the whole round).
 *
 * Usage: bench_litmus FILE.litmus [REPEATS]
 *        bench_litmus DIR [ROUNDS [KINDS]]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bbmsim/litmus.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage s, c;
	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) * 1e3 +
	       (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec + c.ru_stime.tv_usec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Run litmus_main with stdout into @fd; returns its exit status. */
static int run_into(int fd, int argc, char **argv)
{
	int saved = dup(1);
	fflush(stdout);
	dup2(fd, 1);
	int rc = litmus_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

static int one_file(const char *path, int reps)
{
	char *args[] = { "litmus", (char *)path, NULL };
	double total = 0, best = 1e30;
	int rc = 0;
	int null = open("/dev/null", O_WRONLY);
	for (int i = 0; i < reps; i++) {
		double t0 = now_ms();
		rc |= run_into(null, 2, args);
		double dt = now_ms() - t0;
		total += dt;
		if (dt < best)
			best = dt;
	}
	close(null);
	printf("%-40s %8.2f ms/test mean, %8.2f ms best (%d runs)%s\n", path, total / reps, best, reps,
	       rc ? "  [the test FAILED]" : "");
	return rc;
}

static int catalogue(const char *dir, int rounds, const char *kinds)
{
	char *args[5] = { "litmus" };
	int argc = 1, rc = 0;
	if (kinds) {
		args[argc++] = "--kinds";
		args[argc++] = (char *)kinds;
	}
	args[argc++] = (char *)dir;
	args[argc] = NULL;
	for (int round = 0; round < rounds; round++) {
		FILE *out = tmpfile();
		if (!out) {
			perror("tmpfile");
			return 2;
		}
		double t0 = now_ms(), c0 = cpu_ms();
		rc |= run_into(fileno(out), argc, args);
		double wall = now_ms() - t0, cpu = cpu_ms() - c0;
		rewind(out);
		char line[4096];
		double *ms = NULL;
		size_t n = 0, cap = 0, skipped = 0;
		while (fgets(line, sizeof(line), out)) {
			if (!strncmp(line, "SKIP ", 5))
				skipped++;
			if (strncmp(line, "ok   ", 5) && strncmp(line, "FAIL ", 5))
				continue;
			char *p = strrchr(line, ',');
			double v;
			if (!p || sscanf(p, ", %lf ms CPU", &v) != 1)
				v = 0;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				ms = realloc(ms, cap * sizeof(*ms));
			}
			ms[n++] = v;
		}
		fclose(out);
		if (!n) {
			fprintf(stderr, "bench_litmus: no test ran in %s\n", dir);
			free(ms);
			return 2;
		}
		qsort(ms, n, sizeof(*ms), cmp_double);
		printf("%s: %zu tests run (%zu skipped) in %.1f s: %.1f tests/s, median %.2f ms CPU per test "
		       "(p90 %.1f, max %.0f), %.1f ms CPU per test run incl. as/ld%s\n",
		       dir, n, skipped, wall / 1e3, (double)n / (wall / 1e3), ms[n / 2], ms[n * 9 / 10], ms[n - 1],
		       cpu / (double)n, rc ? "  [a test FAILED]" : "");
		free(ms);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_litmus FILE.litmus [REPEATS]\n"
				"       bench_litmus DIR [ROUNDS [KINDS]]\n");
		return 2;
	}
	struct stat st;
	bool dir = stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode);
	int reps = argc > 2 ? atoi(argv[2]) : dir ? 1 : 20;
	if (reps < 1)
		reps = 1;
	return dir ? catalogue(argv[1], reps, argc > 3 ? argv[3] : NULL) : one_file(argv[1], reps);
}
