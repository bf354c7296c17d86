/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explore.h - search schedules and TLB choices of a scenario for a run in
 * which a window bites, and hand back a minimal schedule that replays it
 * (`bbmsim explore`, docs/explore.md).
 *
 * A target is every window of the default run (`bbmsim run` at that level)
 * and every expectation that applies at the level. A bite is a translation
 * fault or TLB conflict abort taken inside a window, a load or store an old
 * translation served inside one (Window.stale_uses), or a failed
 * expectation. Bites of windows the default run did not open, and faults
 * outside every window, become targets of their own ("other").
 *
 * The choice points of an execution are: which PE takes its next step
 * (only before an instruction that touches shared state,
 * sysinsn_is_shared(), or is fetched from a page some window of that PE
 * covers: every register-only instruction after it runs at once), when a PE
 * caches a translation it can reach (machine_pe_fill) and when it drops a
 * stale entry (machine_pe_evict), for the (PE, VA) pairs the windows of the
 * default run concern.
 */
#ifndef BBMSIM_EXPLORE_H
#define BBMSIM_EXPLORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/analysis.h"
#include "bbmsim/scenario.h"
#include "bbmsim/schedule.h"

typedef enum ExploreStrategy {
	EXPLORE_RANDOM,          /* uniform over the enabled actions at each choice point */
	EXPLORE_PCT,             /* probabilistic concurrency testing, depth pct_depth */
	EXPLORE_EXHAUSTIVE,      /* depth-first with sleep sets, branching in the first max_depth choice points */
	EXPLORE_PREEMPT,         /* every schedule with at most @preemptions preemptions, fewest first */
} ExploreStrategy;

const char *explore_strategy_name(ExploreStrategy s);
bool explore_strategy_parse(const char *s, ExploreStrategy *out);

typedef struct ExploreOptions {
	ExploreStrategy strategy;
	uint64_t seed;
	uint64_t budget;          /* schedules over all shards (0: bounded by seconds only) */
	double seconds;           /* wall-clock bound of the search (0: none) */
	unsigned pct_depth;       /* PCT: the bug depth d (d - 1 priority change points) */
	unsigned max_depth;       /* exhaustive: choice points that branch */
	unsigned preemptions;     /* preempt: the bound K */
	bool state_hash;          /* exhaustive: prune states already explored (default on) */
	unsigned shard, nshards;  /* this is shard @shard (0-based) of @nshards */
	uint64_t min_replays;     /* minimization: replays per bitten target at most */
	const volatile sig_atomic_t *stop;   /* nonzero: stop between schedules */
} ExploreOptions;

void explore_options_default(ExploreOptions *o);

typedef enum TargetKind {
	TARGET_WINDOW,            /* a window of the default run */
	TARGET_EXPECTATION,       /* an expectation that applies at the level */
	TARGET_OTHER,             /* a bite no target of the default run names */
} TargetKind;

const char *target_kind_name(TargetKind k);

/* What bit: the first fault or stale use inside the window, or the expectation's outcome. */
typedef struct ExploreBite {
	char what[48];            /* "tlb-conflict abort", "translation fault", "stale use", "expectation failed" */
	bool has_access;
	uint64_t tick;
	int pe;
	uint64_t pc, va, pa;
	AccessType access;
	char text[320];           /* expectation: "... got 1"; other: what it is */
} ExploreBite;

typedef struct ExploreTarget {
	TargetKind kind;
	char key[200];            /* stable across runs, shards and merges */
	char label[320];          /* one line for people */
	bool has_window;
	Window win;               /* the window (default run, or the run that found it) */
	/* Coverage: schedules (this shard) in which ... */
	uint64_t seen;            /* the window opened / the expectation was judged */
	uint64_t accessed;        /* the window's PE accessed inside it */
	uint64_t filled;          /* the explorer cached a translation for that PE inside it */
	/* The result. */
	bool bitten;
	uint64_t found_at;        /* the schedule that bit first (0: the default run) */
	unsigned found_shard;     /* in which shard */
	ExploreBite bite;
	Schedule witness;         /* minimized, or as found if minimization could not run */
	ScheduleStats found, wstats;   /* the schedule as found, and the witness */
	uint64_t min_replays;     /* replays minimization used */
	bool verified;            /* the witness bites when replayed on a freshly built machine */
	char file[320];           /* where the caller wrote the witness ("" for none) */
} ExploreTarget;

typedef struct ExploreResult {
	BbmLevel level;
	ExploreStrategy strategy;
	uint64_t seed, budget;
	unsigned pct_depth, max_depth, preemptions, shard, nshards;
	ExploreTarget *t;
	size_t nt;
	uint64_t schedules;       /* explored, besides the default run */
	uint64_t truncated;       /* of those, ended by the instruction limit (expectations not judged) */
	uint64_t pruned;          /* exhaustive: ended early by the sleep sets (a repeat) */
	bool state_hash;          /* exhaustive: with state hashing */
	uint64_t states;          /* distinct states hashed */
	uint64_t state_pruned;    /* executions ended at a state already explored */
	uint64_t final_states;    /* exhaustive: distinct final states of the executions that ended by themselves */
	bool complete;            /* exhaustive, preempt: every schedule up to the reductions and bounds was run */
	uint64_t choice_points, fills, evictions;
	uint64_t insns;           /* instructions the explored schedules ran */
	unsigned tlb_pairs;       /* (PE, VA) pairs with fill and evict actions */
	unsigned tlb_candidates;  /* pairs the windows named (more than fit are left out) */
	uint64_t pct_steps;       /* PCT: k, the steps its change points are drawn from */
	double seconds, min_seconds;
	bool interrupted;
	uint64_t default_ticks;   /* length of the default run */
} ExploreResult;

/*
 * Explore @s at @level. Fills @r (explore_result_fini frees it). Returns
 * false with a message in @err when the scenario cannot be built.
 */
bool explore_level(const Scenario *s, BbmLevel level, const ExploreOptions *o, ExploreResult *r, char *err,
		   size_t errlen);
void explore_result_fini(ExploreResult *r);

/*
 * Fold @from (another shard of the same search, or a part of one) into
 * @into: counts add up; targets are matched by key (a target only @from
 * has is appended); of two witnesses for one target the one found first
 * (lower found_at, then lower shard) is kept. Both must be for the same
 * scenario and level.
 */
void explore_result_merge(ExploreResult *into, const ExploreResult *from);

/* Targets bitten / of each kind. */
size_t explore_count(const ExploreResult *r, int kind, bool bitten_only);

#endif
