/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scenario.h - load a YAML scenario (docs/scenario-format.md), build a
 * ready-to-run machine from it for one BBM level, and check its
 * expectations after the run.
 *
 * Everything that can be checked without running is checked by
 * scenario_load(): keys, types, ranges, names, the translation tables (laid
 * out once in a private image, copied into each machine) and the code (each
 * block assembled once, at load). Errors name the place as
 * "path:line:col: message", with 1-based line and column.
 */
#ifndef BBMSIM_SCENARIO_H
#define BBMSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/analysis.h"
#include "bbmsim/bbm.h"
#include "bbmsim/machine.h"

typedef struct Scenario Scenario;

/* Values from the command line that replace the scenario's own. */
typedef struct ScenarioOverrides {
	bool has_seed;
	uint64_t seed;
	bool has_max_insns;
	uint64_t max_insns;
	bool has_quantum;
	unsigned quantum;          /* schedule.quantum (round-robin and random schedules) */
	bool no_batch;             /* tests: one instruction per Unicorn call (no batches, no deferral) */
} ScenarioOverrides;

/* The outcome of one expectation. */
typedef struct ExpectResult {
	bool ok;
	char where[300];   /* "file:line:col" of the expectation */
	char text[300];    /* "PE 1 translation faults >= 1: got 3" */
} ExpectResult;

/*
 * Parse and validate the scenario in @path, lay out its tables and assemble
 * its code. Returns the scenario (free with scenario_free), or NULL with
 * "path:line:col: message" (or "path: message" when no place applies) in
 * @err. Never crashes, whatever the input.
 */
Scenario *scenario_load(const char *path, char *err, size_t errlen);
void scenario_free(Scenario *s);

/* The scenario's name (default: the file name without ".yaml"), and its path. */
const char *scenario_name(const Scenario *s);
const char *scenario_path(const Scenario *s);
/* Its number of PEs. */
unsigned scenario_pes(const Scenario *s);

/* The BBM levels to run, in the order 0, 1, 2, 2-noabort. Returns how many. */
size_t scenario_levels(const Scenario *s, BbmLevel out[BBM_LEVEL_COUNT]);

/*
 * Build a ready-to-run machine for @level (@ov may be NULL): tables, data,
 * code, PEs initialised. Fills @apes[i] (initial WalkRegs, the PE's
 * effective level, active = true) for every PE, and *@knobs. Returns NULL
 * with a located message in @err on failure. Free with machine_free().
 */
Machine *scenario_build(const Scenario *s, BbmLevel level, const ScenarioOverrides *ov,
			AnalysisPe apes[MACHINE_MAX_PES], BbmKnobs *knobs, char *err, size_t errlen);

/*
 * Bring @m, a machine scenario_build() made from @s, back to the state
 * scenario_build() left it in (same level and overrides): machine_reset(),
 * memory cleared (machine_phys_clear) and written again, PEs initialised.
 * Unicorn's engines are reused, so this is much cheaper than a new build
 * (`bbmsim explore` runs a scenario thousands of times). Registers the
 * scenario does not set (SIMD, other system registers) keep their values.
 */
bool scenario_reset(const Scenario *s, Machine *m, char *err, size_t errlen);

/*
 * Evaluate the expectations that apply at @level (the "all" block plus that
 * level's block, in file order) against the machine @m after a run that
 * ended with @end, and the analysis @a (may be NULL: window and violation
 * expectations then fail). Stores a malloc'd array in *@out (the caller
 * frees it; NULL when there are none) and returns its length.
 */
size_t scenario_check(const Scenario *s, BbmLevel level, Machine *m, RunEnd end, const Analysis *a,
		      ExpectResult **out);

/*
 * The knobs that run, as text: "walk_visibility=immediate
 * tlbi_completion=at-dsb speculative=none ttl=strict " + bbm_knobs_format().
 */
void scenario_knobs_text(const Scenario *s, char *buf, size_t len);

/*
 * The translation trees (and the reserved table, if used): up to @max names,
 * root PAs (start level 0) and the first VA each translates (the TTBR1 range
 * when PEs use the tree only as TTBR1). Returns the total number.
 */
size_t scenario_trees(const Scenario *s, const char **names, uint64_t *roots, uint64_t *va_bases,
		      size_t max);

/*
 * The code symbol that holds @pc, as "function+0xoff" in @buf (len bytes):
 * the function (STT_FUNC) whose extent holds it, else the nearest symbol at
 * or below it in the same placed code (a label of inline asm). Symbols are
 * those of the linked code, the kit's included. Returns false, with "" in
 * @buf, when no code holds @pc.
 */
bool scenario_symbolize(const Scenario *s, uint64_t pc, char *buf, size_t len);

/*
 * With the kernel kit (kit:): did PE @pe end by returning from its first
 * function (halted at kit_return)? Then *@x0 is its result (X0).
 */
bool scenario_pe_returned(const Scenario *s, Machine *m, unsigned pe, uint64_t *x0);

/* machine.ttl: does a TTL hint naming another level spare leaf entries? (for the analysis) */
bool scenario_ttl_strict(const Scenario *s);

#endif
