// SPDX-License-Identifier: GPL-2.0-only
/*
 * por.c - partial-order reduction shared by the two schedule explorers:
 * `bbmsim litmus` (sim/litmus_run.c, final states of herd7 tests) and
 * `bbmsim explore` (sim/explore.c, the windows of a scenario).
 *
 * Two actions are independent when neither writes a word the other reads
 * or writes (footprint_independent): then taking them in either order
 * from the same state leads to the same state and the same observations,
 * and neither enables or disables the other. A stateless depth-first search
 * over schedules then needs only one order of independent actions: the
 * sleep sets of Godefroid (1996) carry, into each child, the siblings
 * already explored that are independent of the action taken; an execution
 * whose enabled actions all sleep repeats one already explored and ends.
 * The footprints come from the machine's events (footprint_event), so what
 * counts as touched is what the machine did, not a guess from the
 * instruction.
 */
#include <stdlib.h>
#include <string.h>
#include "bbmsim/desc.h"
#include "bbmsim/por.h"

void footprint_add(Footprint *f, bool write, uint64_t word)
{
	uint64_t *a = write ? f->wr : f->rd;
	uint8_t *n = write ? &f->nwr : &f->nrd;

	if (word < 0xfe00000000000000ull)
		word &= ~7ull;
	for (unsigned i = 0; i < *n; i++)
		if (a[i] == word)
			return;
	if (*n == FOOTPRINT_MAX) {
		f->global = true;
		return;
	}
	a[(*n)++] = word;
}

bool footprint_independent(const Footprint *a, const Footprint *b)
{
	if (a->global || b->global)
		return false;
	for (unsigned i = 0; i < a->nwr; i++) {
		for (unsigned j = 0; j < b->nwr; j++)
			if (a->wr[i] == b->wr[j])
				return false;
		for (unsigned j = 0; j < b->nrd; j++)
			if (a->wr[i] == b->rd[j])
				return false;
	}
	for (unsigned i = 0; i < b->nwr; i++)
		for (unsigned j = 0; j < a->nrd; j++)
			if (b->wr[i] == a->rd[j])
				return false;
	return true;
}

void footprint_event(Footprint *f, const Event *ev, const FootprintRules *r)
{
	switch (ev->type) {
	case EV_MEM:
		for (uint64_t pa = ev->pa & ~7ull; pa < ev->pa + (uint64_t)ev->size; pa += 8)
			footprint_add(f, ev->access == ACCESS_WRITE, pa);
		footprint_add(f, false, FOOTPRINT_TLB_WORD(ev->pe, ev->va, r->tlb_shift));
		if (r->analysis)
			footprint_add(f, false, FOOTPRINT_XLAT_WORD(ev->va));
		break;
	case EV_FAULT:
		/* The analysis counts faults inside windows: a read of the translation. */
		if (r->analysis) {
			footprint_add(f, false, FOOTPRINT_TLB_WORD(ev->pe, ev->va, r->tlb_shift));
			footprint_add(f, false, FOOTPRINT_XLAT_WORD(ev->va));
		}
		break;
	case EV_TLB_FILL: case EV_TLB_EVICT:
		if (ev->entry && ev->entry->leaf)
			footprint_add(f, true, FOOTPRINT_TLB_WORD(ev->pe, ev->entry->va, r->tlb_shift));
		break;
	case EV_WALK_DESC:
		footprint_add(f, false, ev->pa);
		/* Only the words with walk choices: a walk reads four words, and a footprint holds eight. */
		for (unsigned i = 0; i < r->nview; i++)
			if (r->view[i] == (ev->pa & ~7ull))
				footprint_add(f, false, FOOTPRINT_VIEW_WORD(ev->pe, ev->pa));
		break;
	case EV_DESC_WRITE:
		/*
		 * Without speculative fills a table store is a store to its word
		 * (walks record their reads); with them it fills every PE's TLB.
		 * The analysis also sees it change what the region translates to:
		 * a level 0 descriptor spans 512 regions, too many to name.
		 */
		footprint_add(f, true, ev->pa);
		if (r->spec_fill)
			f->global = true;
		if (r->analysis && ev->level >= 0) {
			if (ev->level == 0)
				f->global = true;
			else
				footprint_add(f, true, FOOTPRINT_XLAT_WORD(ev->va));
		}
		break;
	case EV_DSB: case EV_TLBI_COMPLETE:
		if (r->analysis)
			f->global = true;
		break;
	case EV_SYSREG: case EV_WAKE:
		/* Another PE's registers or state change. */
		f->global = true;
		break;
	default:
		break;
	}
}

/* --- the search ---------------------------------------------------------------------- */

void por_dfs_init(PorDfs *d, unsigned nact, size_t max_depth)
{
	memset(d, 0, sizeof(*d));
	d->nact = nact;
	d->max_depth = max_depth;
	d->nshards = 1;
}

void por_dfs_set_shard(PorDfs *d, unsigned shard, unsigned nshards, unsigned split_depth)
{
	d->shard = shard;
	d->nshards = nshards ? nshards : 1;
	d->split_depth = split_depth;
}

void por_dfs_fini(PorDfs *d)
{
	free(d->st);
	memset(d, 0, sizeof(*d));
}

static PorFrame *frame(PorDfs *d, size_t depth)
{
	if (depth >= d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		while (cap <= depth)
			cap *= 2;
		if (cap > d->max_depth + 1)
			cap = d->max_depth + 1;
		d->st = realloc(d->st, cap * sizeof(*d->st));
		memset(d->st + d->cap, 0, (cap - d->cap) * sizeof(*d->st));
		d->cap = cap;
	}
	return &d->st[depth];
}

int por_dfs_choose(PorDfs *d, size_t depth, PorSet enabled)
{
	PorFrame *f = frame(d, depth);

	if (depth >= d->nframes) {
		/* A new node: its sleep set was set up by the parent (por_dfs_taken). */
		if (d->nshards > 1 && depth == d->split_depth && d->subtree++ % d->nshards != d->shard)
			return POR_OTHER_SHARD;
		f->enabled = enabled;
		f->done = 0;
		PorSet avail = enabled & ~f->sleep;
		if (!avail)
			return POR_REDUNDANT;
		f->chosen = (uint8_t)__builtin_ctzll(avail);
		d->nframes = depth + 1;
	}
	return f->chosen;
}

void por_dfs_taken(PorDfs *d, size_t depth, unsigned a, const Footprint *fp)
{
	PorFrame *f = &d->st[depth];

	f->fp[a] = *fp;
	/* The child's sleep set: earlier siblings and inherited sleepers independent of this step. */
	if (depth + 1 >= d->nframes && depth + 1 < d->max_depth) {
		PorFrame *c = frame(d, depth + 1);
		f = &d->st[depth];      /* frame() may have moved the array */
		c->sleep = 0;
		PorSet cand = (f->sleep | f->done) & ~((PorSet)1 << a);
		for (unsigned u = 0; u < d->nact; u++)
			if (cand >> u & 1 && footprint_independent(&f->fp[u], fp)) {
				c->sleep |= (PorSet)1 << u;
				c->fp[u] = f->fp[u];
			}
	}
}

bool por_dfs_mine(const PorDfs *d, size_t depth)
{
	return d->nshards <= 1 || depth > d->split_depth || d->shard == 0;
}

bool por_dfs_backtrack(PorDfs *d, size_t depth)
{
	(void)depth;
	/* The deepest frame with an untried, non-sleeping choice. */
	while (d->nframes > 0) {
		PorFrame *f = &d->st[d->nframes - 1];
		f->done |= (PorSet)1 << f->chosen;
		PorSet avail = f->enabled & ~(f->done | f->sleep);
		if (avail) {
			f->chosen = (uint8_t)__builtin_ctzll(avail);
			return true;
		}
		d->nframes--;
	}
	return false;
}
