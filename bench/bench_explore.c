// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_explore.c - `bbmsim explore` throughput: schedules per second on a
 * scenario at one level, per strategy, without minimization (the search
 * alone: reset the machine, run one schedule with its choice points and the
 * analysis, judge the targets). Usage:
 *   bench_explore SCENARIO LEVEL [SCHEDULES] [ROUNDS]
 * Prints, per strategy, the median over the rounds of schedules/s, and the
 * choice points and instructions per second of the median round.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "bbmsim/explore.h"
#include "bbmsim/scenario.h"

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char err[4096];
	BbmLevel level;

	if (argc < 3 || !bbm_level_parse(argv[2], &level)) {
		fprintf(stderr, "usage: bench_explore SCENARIO LEVEL [SCHEDULES] [ROUNDS]\n");
		return 2;
	}
	uint64_t n = argc > 3 ? strtoull(argv[3], NULL, 0) : 200;
	int rounds = argc > 4 ? atoi(argv[4]) : 5;
	if (rounds < 1)
		rounds = 1;
	Scenario *s = scenario_load(argv[1], err, sizeof(err));
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	static const ExploreStrategy strat[] = { EXPLORE_RANDOM, EXPLORE_PCT, EXPLORE_EXHAUSTIVE };
	for (size_t k = 0; k < 3; k++) {
		double *rate = calloc((size_t)rounds, sizeof(*rate));
		double cps = 0, ticks = 0;
		uint64_t bitten = 0;
		for (int r = 0; r < rounds; r++) {
			ExploreOptions o;
			ExploreResult res;
			explore_options_default(&o);
			o.strategy = strat[k];
			o.budget = n;
			o.min_replays = 0;
			o.seed = 1 + (uint64_t)r;
			if (!explore_level(s, level, &o, &res, err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				return 2;
			}
			rate[r] = (double)res.schedules / res.seconds;
			if (r == rounds / 2) {
				cps = (double)res.choice_points / res.seconds;
				ticks = (double)res.insns / res.seconds;
			}
			bitten = explore_count(&res, -1, true);
			explore_result_fini(&res);
		}
		qsort(rate, (size_t)rounds, sizeof(*rate), cmp_d);
		printf("%-11s %8.0f schedules/s (median of %d rounds of %llu; min %.0f, max %.0f), %.2fM choice points/s, %.1fM insns/s, %llu targets bitten\n",
		       explore_strategy_name(strat[k]), rate[rounds / 2], rounds, (unsigned long long)n, rate[0],
		       rate[rounds - 1], cps / 1e6, ticks / 1e6, (unsigned long long)bitten);
		free(rate);
	}
	scenario_free(s);
	return 0;
}
