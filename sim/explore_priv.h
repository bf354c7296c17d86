/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explore_priv.h - the explorer's state, shared by explore.c (executions,
 * strategies, targets and bites) and explore_min.c (replays, minimization,
 * the access that bit).
 */
#ifndef BBMSIM_EXPLORE_PRIV_H
#define BBMSIM_EXPLORE_PRIV_H

#include "bbmsim/explore.h"
#include "bbmsim/machine.h"
#include "bbmsim/por.h"

/* An exhaustive execution ended at a state explored before (below POR_REDUNDANT and POR_OTHER_SHARD). */
#define EX_STATE_SEEN (-100)

/* TLB actions (fill and evict) an execution may take at most. */
#define EX_TLB_ACTS_MAX 256
/* (PE, VA) pairs with TLB actions: with the PEs' steps, one PorSet. */
#define EX_PAIRS_MAX ((POR_MAX_ACTIONS - 1) / 2)
/* Pages of a window tried as fill and eviction VAs. */
#define EX_PAGES_PER_WINDOW 2
/* Pages remembered per PE from the default run. */
#define EX_SEEN_PAGES 256

typedef struct ExPair {
	unsigned pe;
	uint64_t va;
} ExPair;

typedef struct ExRange {
	unsigned pe;
	uint64_t lo, hi;
} ExRange;

typedef struct ExFill {
	unsigned pe;
	uint64_t va, tick;
} ExFill;

/* Key hash -> index + 1, open addressing. */
typedef struct KeyMap {
	uint64_t *h;
	uint32_t *v;
	size_t cap, n;
} KeyMap;

/* A replay that looks for the access that bit the target window, at index @win of the run. */
typedef struct ExDetail {
	const ExploreTarget *t;
	long win;
	bool bit;
	ExploreBite bite;
	uint64_t last_pc[MACHINE_MAX_PES];
} ExDetail;

/* Window keys with their occurrence counts (a scratch map counts them). */
typedef struct WinKeys {
	KeyMap base;
	unsigned *occ;
	size_t cap;
} WinKeys;

typedef struct ExHash ExHash;

typedef struct Ex {
	const Scenario *s;
	BbmLevel level;
	const ExploreOptions *o;
	ExploreResult *r;
	Machine *m;
	AnalysisPe apes[MACHINE_MAX_PES];
	BbmKnobs knobs;
	unsigned npes;
	Analysis *an;
	/*
	 * The actions: steps of PEs 0..npes-1, then fill and evict for each
	 * pair; from walk0 (walk_visibility at-dsb) "the pair's PE's walker
	 * sees the pending stores on its walk of the VA" for each pair; from
	 * stx0 "the PE steps and a store-exclusive fails" for each PE (each
	 * kind only when it fits in POR_MAX_ACTIONS).
	 */
	ExPair pair[EX_PAIRS_MAX];
	unsigned npairs, nact, walk0, stx0;
	bool saw_stx;                /* the default run executed a store-exclusive */
	/* Code pages inside a window of the PE fetching them: every instruction there is a choice point. */
	ExRange *watch;
	size_t nwatch;
	/* The execution in progress. */
	FootprintRules rules;
	Footprint *cur_fp;
	Schedule trace;
	ExFill *fills;
	size_t nfills, cfills;
	unsigned tlb_acts;
	bool limit_hit;
	uint64_t gen;            /* bumped by every event that may change what a TLB action would do */
	uint64_t en_gen;
	PorSet en_tlb;
	uint64_t fc_page[MACHINE_MAX_PES], fc_pa[MACHINE_MAX_PES], fc_gen[MACHINE_MAX_PES];
	bool fc_watched[MACHINE_MAX_PES];
	/* The default run: pages each PE accessed and fetched, shared instructions. */
	bool observing;
	uint64_t *seen[MACHINE_MAX_PES], *fetched[MACHINE_MAX_PES];
	size_t nseen[MACHINE_MAX_PES], nfetched[MACHINE_MAX_PES];
	uint64_t shared_insns;
	/* Targets by key. */
	KeyMap tmap;
	WinKeys wk;
	/* A replay that looks for the access that bit (explore_min.c). */
	ExDetail *detail;
	/* A replay that stops as soon as this window target bites (minimization). */
	const ExploreTarget *early;
	long early_win;
	volatile sig_atomic_t early_stop;
	/* Exhaustive with state hashing (explore_hash.c); NULL without. */
	ExHash *hash;
} Ex;

/* explore.c */
uint64_t ex_hash(const char *s);
void keymap_put(KeyMap *k, const char *key, size_t idx);
long keymap_get(const KeyMap *k, const char *key);
void keymap_fini(KeyMap *k);
void ex_window_key(const Window *w, unsigned occ, char *buf, size_t len);
/* A fault outside every window: kind, PE, PC and VA page. */
void ex_fault_key(const FaultRecord *f, char *buf, size_t len);
/* The key of each window @w[0..nw) into @keys. */
void ex_window_keys(Ex *ex, const Window *w, size_t nw, char (*keys)[200]);
void ex_event(void *ctx, const Event *ev);
/* Start an execution on a machine in its initial state (scenario_reset or a fresh build). */
void ex_exec_begin(Ex *ex);
/* End it: the analysis finished, how the run ended. */
RunEnd ex_exec_end(Ex *ex);
/*
 * Does @t bite in the run that just ended (@end)? For a window, *@win gets
 * its index in the run's windows (-1: not opened); @win may be NULL.
 */
bool ex_target_bites(Ex *ex, const ExploreTarget *t, RunEnd end, long *win);

/* The strategies in other files use these (explore.c). */
PorSet ex_enabled(Ex *ex);
/* Take action @a (a choice point): its footprint into @fp. */
void ex_take(Ex *ex, unsigned a, Footprint *fp);
/* Reset the machine and start an execution: every PE run to its first choice point. */
bool ex_exec_start(Ex *ex);
/* End the execution; @exec > 0: count it and record what bit as schedule @exec. */
void ex_exec_finish(Ex *ex, uint64_t exec);
bool ex_out_of_time(const Ex *ex, double t0);

/* explore_hash.c */
void ex_hash_init(Ex *ex);
void ex_hash_fini(Ex *ex);
/* Note the pages an event wrote. */
void ex_hash_event(Ex *ex, const Event *ev);
/* After a reset: every page is as initially. */
void ex_hash_exec_begin(Ex *ex);
/* The hash of the state that decides the execution's future and its results. */
uint64_t ex_state_hash(Ex *ex);
/*
 * A new choice point at @depth with sleep set @sleep: true when its state
 * was explored before with at least as much left (prune it); else it is
 * remembered. Also counts the states in ex->r->states.
 */
bool ex_hash_visit(Ex *ex, size_t depth, PorSet sleep);

/* A visit of a state: its hash, and what was left to explore from it. */
typedef struct ExSeen {
	uint64_t h;              /* 0: a free slot */
	uint64_t tick;           /* instructions run before it */
	uint32_t depth, acts;    /* choice points and TLB actions taken before it */
	PorSet sleep;            /* its sleep set */
} ExSeen;
/*
 * The pruning rule (docs/explore.md, "State hashing"): did the stored visit
 * @s of a state explore everything a new visit @now would? Depth, tick and
 * TLB actions no greater, and its sleep set a subset of @now's.
 */
bool ex_seen_covers(const ExSeen *s, const ExSeen *now);
/* @now was explored too: keep in @s what the two visits together cover. */
void ex_seen_update(ExSeen *s, const ExSeen *now);
/* An execution ended by itself: count its final state in ex->r->final_states if new. */
void ex_hash_final(Ex *ex);

/* explore_preempt.c */
/* Bounded preemption: every schedule with at most o->preemptions preemptions, fewest first. */
void ex_search_preempt(Ex *ex, double t0);

/* explore_min.c */
/* The explorer's event hook in a replay with an ExDetail. */
void ex_detail_event(Ex *ex, const Event *ev);
/*
 * Replay @sched (on the explorer's machine reset, or on a freshly built one
 * when @fresh) and say whether @t bites (*@win as for ex_target_bites);
 * with @d, record the access that bit.
 */
bool ex_replay_bites(Ex *ex, const ExploreTarget *t, const Schedule *sched, bool fresh, ExDetail *d, long *win);
/* Minimize the witness of every bitten target, verify it on a fresh machine, describe the bite. */
void ex_minimize_all(Ex *ex);

#endif
