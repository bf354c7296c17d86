/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reach.h - which translation tables the TTBRs reach, and from where.
 *
 * Pure C, no Unicorn: tables are read through a WalkReadFn, so
 * tests/unit/test_reach.c runs it on a plain array. Two questions, one
 * module:
 *
 *  - The registry (Reach): every page known as a table at a level, with
 *    the first VA it translates and the root (level-0 or start-level
 *    table) above it. A store to a descriptor is named by it (level and
 *    VA) even before a walk went there. It grows monotonically: a table
 *    unlinked from its tree stays registered (an over-approximation; the
 *    machine walks before it fills anything).
 *  - reach_walk_reads: does a walk of a VA through given registers read a
 *    given descriptor now (exact, through the current tables).
 *
 * The machine keeps a registry of the tables its PEs' TTBRs reach; the
 * analysis asks reach_walk_reads whether a PE may hold entries from a
 * descriptor (ARM-TLBALLOC).
 */
#ifndef BBMSIM_REACH_H
#define BBMSIM_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/walk.h"

/* A page registered as a table at @level translating from @va_base under @root. */
typedef struct ReachTable {
	uint64_t page;
	uint64_t va_base;
	uint64_t root;
	int level;
	int32_t next;            /* hash chain */
} ReachTable;

/* Called once for each page registered for a new place (the machine marks it table memory). */
typedef void (*ReachNewFn)(void *ctx, uint64_t page);

typedef struct Reach {
	ReachTable *t;
	size_t n, cap;
	int32_t *bucket;
	size_t nbucket;
	uint64_t limit;          /* pages at or above it are not registered (memory size) */
	WalkReadFn rd;           /* reads descriptors when a tree is registered */
	void *rd_ctx;
	ReachNewFn on_new;
	void *new_ctx;
} Reach;

/* Tables walked per tree registration (garbage tables stay bounded). */
#define REACH_TREE_BUDGET 65536

/* Start empty; tables live below @limit; @on_new may be NULL. */
void reach_init(Reach *r, uint64_t limit, WalkReadFn rd, void *rd_ctx, ReachNewFn on_new, void *new_ctx);
/* Forget every registration, keep the memory. */
void reach_reset(Reach *r);
void reach_fini(Reach *r);

/* Register @page alone (a walk went through it). */
void reach_register(Reach *r, uint64_t page, int level, uint64_t va_base, uint64_t root);

/*
 * Register @page and every table below it (read now through the read
 * function), so that stores anywhere in a live tree are recognised. A page
 * already registered for the same place is not walked again; at most
 * REACH_TREE_BUDGET pages per call.
 */
void reach_register_tree(Reach *r, uint64_t page, int level, uint64_t va_base, uint64_t root);

/* Register the trees of both TTBRs of @regs (nothing with the MMU off; EPDn disables one). */
void reach_register_roots(Reach *r, const WalkRegs *regs);

/*
 * The registrations of @page: first, then next (NULL at the end). A
 * registration moves the array: a caller that registers while iterating
 * passes reach_next a copy of the entry (its link does not change).
 */
const ReachTable *reach_first(const Reach *r, uint64_t page);
const ReachTable *reach_next(const Reach *r, const ReachTable *t);

/* The VA the descriptor at @pa in table @t translates (its first byte). */
uint64_t reach_desc_va(const ReachTable *t, uint64_t pa);

/* The root table of TTBR@ttbr (0 or 1) of @regs, and the first VA it translates. */
uint64_t reach_ttbr_root(const WalkRegs *regs, int ttbr);
uint64_t reach_ttbr_va_base(const WalkRegs *regs, int ttbr);

/* Does @regs translate @va from the tree rooted at @root (whatever the MMU)? */
bool reach_root_translates(const WalkRegs *regs, uint64_t va, uint64_t root);

/*
 * Does a walk of @va through the tables of @regs, the MMU taken as on,
 * read the descriptor at @desc_pa at @level (through @rd)?
 */
bool reach_walk_reads(const WalkRegs *regs, uint64_t va, uint64_t desc_pa, int level, WalkReadFn rd, void *ctx);

#endif
