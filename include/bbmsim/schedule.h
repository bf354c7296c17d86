/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * schedule.h - an explicit schedule: which PE runs how many instructions,
 * and when a PE caches or drops a translation, in order. `bbmsim explore`
 * writes its counterexamples as schedule files; `bbmsim run --schedule
 * FILE` replays them exactly (docs/explore.md, "Schedule files").
 *
 * The text format, one action per line ('#' starts a comment):
 *   step PE N      PE runs N instructions (machine_step N times; fewer if
 *                  it stops or the instruction limit is reached)
 *   fill PE VA     PE caches the translation of VA now, as a speculative
 *                  fill (machine_pe_fill: ARM-TLBALLOC)
 *   evict PE VA    PE drops its leaf entries for VA (machine_pe_evict)
 *   walk PE PA     PE's walker sees now the table stores to the descriptor
 *                  word at PA still pending for it (walk_visibility at-dsb;
 *                  machine_pe_see_store: RSPVBD allows it any time before
 *                  the storer's DSB); without it walks read the value from
 *                  before them
 *   stxr-fail PE   PE runs one instruction; a store-exclusive fails
 *                  spuriously (machine_step_stxr_fail)
 * After the last action the run goes on under the scenario's own schedule
 * (machine_run) until it ends.
 */
#ifndef BBMSIM_SCHEDULE_H
#define BBMSIM_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "bbmsim/machine.h"

typedef enum SchedActKind {
	SCHED_ACT_STEP,
	SCHED_ACT_FILL,
	SCHED_ACT_EVICT,
	SCHED_ACT_WALK,
	SCHED_ACT_STXR_FAIL,
} SchedActKind;

typedef struct SchedAct {
	SchedActKind kind;
	unsigned pe;
	uint64_t arg;            /* STEP: instructions; FILL, EVICT: the VA; WALK: the PA; STXR_FAIL: 1 */
	int line;                /* where it was read (0: made by a program) */
} SchedAct;

typedef struct Schedule {
	SchedAct *a;
	size_t n, cap;
} Schedule;

/* What a schedule costs, the measures the minimizer reduces. */
typedef struct ScheduleStats {
	uint64_t steps;          /* instructions in step actions */
	unsigned switches;       /* step actions after the first whose PE differs from the previous one's */
	unsigned fills, evictions;
	unsigned walks, stxr_fails;  /* walk and stxr-fail actions */
} ScheduleStats;

void schedule_init(Schedule *s);
void schedule_fini(Schedule *s);
void schedule_clear(Schedule *s);
void schedule_copy(Schedule *dst, const Schedule *src);

/*
 * Append an action. A step of the PE the last action stepped extends it
 * (the schedule is kept run-length encoded); a step of 0 instructions is
 * dropped.
 */
void schedule_add(Schedule *s, SchedActKind kind, unsigned pe, uint64_t arg);

/* Merge consecutive steps of one PE and drop empty ones (after edits). */
void schedule_normalize(Schedule *s);

void schedule_stats(const Schedule *s, ScheduleStats *st);

/*
 * Parse @text (named @name in messages). Returns false with
 * "name:line:col: message" in @err.
 */
bool schedule_parse(Schedule *s, const char *text, const char *name, char *err, size_t errlen);
bool schedule_load(Schedule *s, const char *path, char *err, size_t errlen);

/*
 * The rest of stream @f, NUL-terminated (*@len bytes before the NUL when
 * @len is not NULL); NULL on a read error. Free it.
 */
char *schedule_read_stream(FILE *f, size_t *len);

/* Every PE named exists on a machine of @npes PEs; else "name:line: message". */
bool schedule_check(const Schedule *s, unsigned npes, const char *name, char *err, size_t errlen);

/* Write the actions, one a line. */
void schedule_write(FILE *f, const Schedule *s);
/* The same as a malloc'd string. */
char *schedule_text(const Schedule *s);

/*
 * Replay on @m (a machine as scenario_build() returns it): the actions in
 * order, then machine_run() to the end. Returns how the run ended.
 */
RunEnd schedule_replay(Machine *m, const Schedule *s);
/* One action of a replay (what schedule_replay does for each, in order). */
void schedule_apply(Machine *m, const SchedAct *a);

#endif
