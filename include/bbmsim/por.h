/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * por.h - partial-order reduction for the schedule explorers (`bbmsim
 * litmus`, `bbmsim explore`): what an action touched (its footprint), when
 * two actions commute, and a stateless depth-first search with sleep sets
 * over a caller's actions (Godefroid 1996; the caller replays each
 * execution from the initial state and asks the search which action to take
 * at each choice point).
 *
 * Pure C over the event stream (event.h): the caller sets a Footprint as
 * the target of the events its action emits and feeds them to
 * footprint_event(); what an action touches that emits no event (a TLB
 * action chosen by the explorer) it adds itself.
 */
#ifndef BBMSIM_POR_H
#define BBMSIM_POR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/event.h"

#define FOOTPRINT_MAX 8

/*
 * Words read and written: physical addresses of 8-byte words, and pseudo
 * words (below) for state that is not memory. More than FOOTPRINT_MAX of
 * either kind, or anything the caller cannot name, makes it global: it
 * then depends on every other action.
 */
typedef struct Footprint {
	uint64_t rd[FOOTPRINT_MAX], wr[FOOTPRINT_MAX];
	uint8_t nrd, nwr;
	bool global;
} Footprint;

/*
 * Pseudo words. FOOTPRINT_TLB_WORD: PE @pe's TLB entries for the VA region
 * (@va >> @shift); fills, evictions and TLBI completions write it, the PE's
 * accesses read it. FOOTPRINT_XLAT_WORD: the descriptors that translate
 * the 1 GiB region of @va (any PE): a table store there writes it, every
 * access and fill in the region reads it. FOOTPRINT_VIEW_WORD: what PE
 * @pe's walker reads at descriptor word @pa while a store there is pending
 * for it (walk_visibility at-dsb, RSPVBD): its walks' reads of @pa read it
 * when @pa is one of FootprintRules.view, and showing PE @pe a pending
 * store to @pa early (machine_pe_see_store) writes it. (A caller that does
 * not list the word makes that action write @pa itself instead.)
 */
#define FOOTPRINT_TLB_WORD(pe, va, shift) \
	(0xff00000000000000ull + ((uint64_t)(pe) << 48) + ((((va) & 0x0000ffffffffffffull) >> (shift)) << 3))
#define FOOTPRINT_XLAT_WORD(va) (0xfe00000000000000ull + ((((va) & 0x0000ffffffffffffull) >> 30) << 3))
#define FOOTPRINT_VIEW_WORD(pe, pa) \
	(0xfd00000000000000ull + ((uint64_t)(pe) << 48) + ((pa) & 0x0000fffffffffff8ull))

void footprint_add(Footprint *f, bool write, uint64_t word);
bool footprint_independent(const Footprint *a, const Footprint *b);

typedef struct FootprintRules {
	unsigned tlb_shift;      /* VA region of a TLB word: 12 (4 KiB pages only) .. 30 */
	bool spec_fill;          /* SPEC_FILL_ADVERSARIAL: a table store fills every PE's TLB */
	/*
	 * The hazard analysis observes the order (bbmsim explore): accesses
	 * read and table stores write the XLAT word of their region, and DSBs
	 * and TLBI completions are global (the analysis judges windows by them).
	 * Without it (bbmsim litmus, which judges final states), the caller
	 * handles EV_TLBI_COMPLETE itself and a DSB is no footprint of its own.
	 */
	bool analysis;
	/* Descriptor words whose walk values are choice points: walks of them read their PE's VIEW word. */
	const uint64_t *view;
	unsigned nview;
} FootprintRules;

/*
 * Add what event @ev says its action touched: memory words accessed, walks'
 * descriptor reads, table stores, leaf TLB fills and evictions, MSR to
 * translation registers and wake-ups (another PE's state: global).
 */
void footprint_event(Footprint *f, const Event *ev, const FootprintRules *r);

/* --- stateless DFS with sleep sets ---------------------------------------------- */

typedef uint64_t PorSet;         /* a set of actions: bit a = action a */
#define POR_MAX_ACTIONS 64

typedef struct PorFrame {
	PorSet enabled, done, sleep;
	uint8_t chosen;
	Footprint fp[POR_MAX_ACTIONS];
} PorFrame;

/*
 * The search. Each execution starts from the initial state; at depth d
 * (actions taken so far) the caller passes the enabled actions to
 * por_dfs_choose(), takes the action it returns and reports its footprint
 * with por_dfs_taken(); at the end of the execution por_dfs_backtrack()
 * picks the next one. The prefix of the previous execution is replayed (the
 * same choices) up to the deepest node with an action left to try.
 *
 * Sharding: with nshards > 1 the subtrees rooted at depth split_depth are
 * numbered in search order and shard i keeps those with number % nshards
 * == i; above split_depth every shard does the same work, so the sleep sets
 * are those of one whole search and the shards together explore exactly
 * what it explores. Executions that end above split_depth belong to shard 0.
 */
typedef struct PorDfs {
	PorFrame *st;
	size_t cap, max_depth;
	size_t nframes;          /* frames of the current prefix */
	unsigned nact;
	unsigned shard, nshards, split_depth;
	uint64_t subtree;        /* subtrees at split_depth entered so far */
	bool started;
} PorDfs;

void por_dfs_init(PorDfs *d, unsigned nact, size_t max_depth);
void por_dfs_set_shard(PorDfs *d, unsigned shard, unsigned nshards, unsigned split_depth);
void por_dfs_fini(PorDfs *d);

/* Returned by por_dfs_choose() instead of an action. */
#define POR_REDUNDANT (-1)       /* every enabled action sleeps: the execution repeats another */
#define POR_OTHER_SHARD (-2)     /* this subtree belongs to another shard */

/*
 * At depth @depth with @enabled actions (non-empty): the action to take,
 * POR_REDUNDANT or POR_OTHER_SHARD (end the execution, then backtrack).
 */
int por_dfs_choose(PorDfs *d, size_t depth, PorSet enabled);
/* Action @a, taken at @depth, touched @fp. */
void por_dfs_taken(PorDfs *d, size_t depth, unsigned a, const Footprint *fp);
/*
 * Is an execution that ended at @depth (with no choice left there) this
 * shard's? False for one that ended above split_depth in shards other than 0.
 */
bool por_dfs_mine(const PorDfs *d, size_t depth);
/*
 * The execution ended after @depth actions. Returns false when the search
 * is complete (every node's actions tried or asleep).
 */
bool por_dfs_backtrack(PorDfs *d, size_t depth);

#endif
