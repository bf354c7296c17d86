// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_scenario.c - libFuzzer target for the scenario loader: any bytes,
 * written to a file and loaded, must give a scenario or a located error,
 * never a crash, a leak or undefined behaviour. A loaded scenario is also
 * built (level 0) and run for a few hundred instructions.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bbmsim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char err[1024];

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/bbmsim-fuzz-%d.yaml", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	Scenario *s = scenario_load(path, err, sizeof(err));
	if (!s) {
		/* Every refusal names the file. */
		if (strncmp(err, path, strlen(path)) != 0)
			abort();
		return 0;
	}
	ScenarioOverrides ov = { .has_max_insns = true, .max_insns = 500 };
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs k;
	BbmLevel levels[BBM_LEVEL_COUNT];
	if (scenario_levels(s, levels)) {
		Machine *m = scenario_build(s, levels[0], &ov, apes, &k, err, sizeof(err));
		if (m) {
			machine_run(m);
			ExpectResult *r;
			scenario_check(s, levels[0], m, RUN_LIMIT, NULL, &r);
			free(r);
			machine_free(m);
		}
	}
	scenario_free(s);
	return 0;
}
