// SPDX-License-Identifier: GPL-2.0-only
/*
 * reach.c - the tables reachable from TTBRs: a registry of table pages
 * (level, VA, root) and the exact reachability of one descriptor by a walk.
 *
 * A TTBR names the root table of a tree (TTBR_BADDR; the start level and
 * the VA range come from TCR TnSZ, D8.2); a table descriptor names the next
 * level's table. The registry follows table descriptors down from the
 * roots when a tree is registered, and the callers add what walks and
 * stores link later. Nothing is ever unregistered: a page that stops being
 * a table keeps its registration until the reset (the machine only uses it
 * to name a store and to choose which VAs to walk again; each walk then
 * reads the tables as they are).
 */
#include <stdlib.h>
#include <string.h>
#include "bbmsim/reach.h"

void reach_init(Reach *r, uint64_t limit, WalkReadFn rd, void *rd_ctx, ReachNewFn on_new, void *new_ctx)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->rd = rd;
	r->rd_ctx = rd_ctx;
	r->on_new = on_new;
	r->new_ctx = new_ctx;
	r->nbucket = 4096;
	r->bucket = malloc(r->nbucket * sizeof(*r->bucket));
	reach_reset(r);
}

void reach_reset(Reach *r)
{
	r->n = 0;
	for (size_t i = 0; i < r->nbucket; i++)
		r->bucket[i] = -1;
}

void reach_fini(Reach *r)
{
	free(r->t);
	free(r->bucket);
	memset(r, 0, sizeof(*r));
}

static size_t reach_hash(const Reach *r, uint64_t page)
{
	return ((page >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull >> 20) & (r->nbucket - 1);
}

void reach_register(Reach *r, uint64_t page, int level, uint64_t va_base, uint64_t root)
{
	if (page >= r->limit)
		return;
	size_t b = reach_hash(r, page);
	for (int32_t i = r->bucket[b]; i >= 0; i = r->t[i].next) {
		const ReachTable *t = &r->t[i];
		if (t->page == page && t->level == level && t->va_base == va_base && t->root == root)
			return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		r->t = realloc(r->t, r->cap * sizeof(*r->t));
	}
	r->t[r->n] = (ReachTable){ .page = page, .level = level, .va_base = va_base, .root = root,
				   .next = r->bucket[b] };
	r->bucket[b] = (int32_t)r->n++;
	if (r->on_new)
		r->on_new(r->new_ctx, page);
}

static void register_walk(Reach *r, uint64_t page, int level, uint64_t va_base, uint64_t root,
			  unsigned *budget)
{
	if (page >= r->limit || !*budget)
		return;
	--*budget;
	size_t before = r->n;
	reach_register(r, page, level, va_base, root);
	if (r->n == before || level >= 3)
		return;     /* known already, or a last-level table */
	uint64_t size = desc_level_size(level);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t d = r->rd(r->rd_ctx, page + i * 8, level);
		if (desc_kind(d, level) == DESC_KIND_TABLE)
			register_walk(r, d & DESC_OA_MASK, level + 1, va_base + i * size, root, budget);
	}
}

void reach_register_tree(Reach *r, uint64_t page, int level, uint64_t va_base, uint64_t root)
{
	unsigned budget = REACH_TREE_BUDGET;

	register_walk(r, page, level, va_base, root, &budget);
}

uint64_t reach_ttbr_root(const WalkRegs *regs, int ttbr)
{
	return (ttbr ? regs->ttbr1 : regs->ttbr0) & TTBR_BADDR & DESC_OA_MASK;
}

uint64_t reach_ttbr_va_base(const WalkRegs *regs, int ttbr)
{
	unsigned tsz = ttbr ? TCR_T1SZ(regs->tcr) : TCR_T0SZ(regs->tcr);
	tsz = tsz < 16 ? 16 : tsz;
	return ttbr ? ~0ull << (64 - tsz) : 0;
}

void reach_register_roots(Reach *r, const WalkRegs *regs)
{
	if (!(regs->sctlr & SCTLR_M))
		return;
	for (int t = 0; t < 2; t++)
		if (!(regs->tcr & (t ? TCR_EPD1 : TCR_EPD0)))
			reach_register_tree(r, reach_ttbr_root(regs, t), walk_start_level(regs, t),
					    reach_ttbr_va_base(regs, t), reach_ttbr_root(regs, t));
}

static const ReachTable *chain_from(const Reach *r, int32_t i, uint64_t page)
{
	for (; i >= 0; i = r->t[i].next)
		if (r->t[i].page == page)
			return &r->t[i];
	return NULL;
}

const ReachTable *reach_first(const Reach *r, uint64_t page)
{
	return chain_from(r, r->bucket[reach_hash(r, page)], page);
}

const ReachTable *reach_next(const Reach *r, const ReachTable *t)
{
	return chain_from(r, t->next, t->page);
}

uint64_t reach_desc_va(const ReachTable *t, uint64_t pa)
{
	return t->va_base + ((pa - t->page) >> 3) * desc_level_size(t->level);
}

bool reach_root_translates(const WalkRegs *regs, uint64_t va, uint64_t root)
{
	int t = walk_select_ttbr(regs, va);

	return t >= 0 && reach_ttbr_root(regs, t) == root;
}

bool reach_walk_reads(const WalkRegs *regs, uint64_t va, uint64_t desc_pa, int level, WalkReadFn rd, void *ctx)
{
	WalkRegs on = *regs;
	WalkResult w;

	on.sctlr |= SCTLR_M;
	walk_translate(&on, va, rd, ctx, NULL, &w);
	for (int i = 0; i < w.nsteps; i++)
		if (w.step[i].pa == desc_pa && w.step[i].level == level)
			return true;
	return false;
}
