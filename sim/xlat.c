// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlat.c - a PE's translation: TLB lookup, walk on a miss, fills of the TLB
 * and walk cache (with the prefetch of neighbours an implementation may
 * do, and the speculative fills of SPEC_FILL_ADVERSARIAL, ARM-TLBALLOC),
 * the access check, and the mirror told of each translation used.
 *
 * Emits the translation events (EV_TLB_HIT, _MISS, _MULTIHIT, _FILL,
 * _EVICT). Below it: the mirror (mirror.h), the walker (walker.h), the TLB
 * and walk models (models/). Faults are recorded in the PE's step state
 * (record_fault); the step code above takes them.
 */
#include <string.h>
#include "xlat.h"
#include "mirror.h"
#include "walker.h"

static void pe_tlb_fill(Pe *pe, const TlbEntry *in, bool speculative)
{
	Machine *m = pe->m;
	TlbEntry e = *in, ev;
	bool evicted;

	e.fill_tick = m->tick;
	e.last_use = m->tick;
	e.speculative = speculative;
	TlbEntry *s = tlb_insert(&pe->tlb, &e, &ev, &evicted);
	if (evicted)
		EMIT(m, .type = EV_TLB_EVICT, .pe = pe->id, .entry = &ev, .va = ev.va);
	EMIT(m, .type = EV_TLB_FILL, .pe = pe->id, .entry = s, .va = s->va, .pa = s->pa,
	     .level = s->level);
}

/* Fill the walk cache with the table descriptors a walk read from memory. */
static void pe_fill_walk_cache(Pe *pe, const WalkResult *w)
{
	Machine *m = pe->m;

	for (int i = 0; i < w->nsteps; i++) {
		const WalkStep *s = &w->step[i];
		if (s->from_cache || desc_kind(s->desc, s->level) != DESC_KIND_TABLE)
			continue;
		reach_register(&m->reach, s->desc & DESC_OA_MASK, s->level + 1, s->va_base,
			       reach_ttbr_root(&pe->regs, w->ttbr));
		if (!m->cfg.tlb.walk_cache)
			continue;
		TlbEntry e = { .va = s->va_base, .pa = s->desc & DESC_OA_MASK, .desc_pa = s->pa,
			       .desc = s->desc, .asid = w->asid,
			       .size_log2 = (uint8_t)(12 + 9 * (3 - s->level)),
			       .level = (uint8_t)s->level, .leaf = false, .global = false };
		pe_tlb_fill(pe, &e, false);
	}
}

/*
 * tlb_prefetch: after a walk that ends in a page, also cache the other valid
 * pages of its aligned group of N descriptors (as a walker that fetches a
 * cache line of descriptors may). Any valid descriptor may be cached at any
 * time (ARM-TLBALLOC), so this is one of the allowed TLB policies; it lets
 * the mirror map N pages at once after a miss.
 */
static void pe_prefetch_neighbours(Pe *pe, uint64_t va, const WalkResult *w)
{
	Machine *m = pe->m;
	uint64_t n = m->cfg.tlb_prefetch, group = va & ~(n * PAGE_SIZE - 1);

	for (uint64_t j = 0; j < n; j++) {
		uint64_t v = group + j * PAGE_SIZE;
		WalkResult nw;
		if ((v >> PAGE_SHIFT) == (va >> PAGE_SHIFT))
			continue;
		walk_translate(&pe->regs, v, walk_read, &(WalkCtx){ m, pe, true }, &pe->tlb, &nw);
		/* Only descriptors of the same last-level table page. */
		if (!nw.fault && nw.level == 3 && (nw.leaf.desc & DESC_AF) &&
		    (nw.step[nw.nsteps - 1].pa >> PAGE_SHIFT) == (w->step[w->nsteps - 1].pa >> PAGE_SHIFT))
			pe_tlb_fill(pe, &nw.leaf, true);
	}
}

/* Translate @va for @a on @pe through its TLB and walker (no permission check). */
void pe_translate(Pe *pe, uint64_t va, AccessType a, Xlat *x)
{
	Machine *m = pe->m;
	uint16_t asid = walk_asid(&pe->regs);
	TlbEntry *hits[16];

	memset(x, 0, sizeof(*x));
	if (!(pe->regs.sctlr & SCTLR_M)) {
		WalkResult w;
		walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true }, NULL, &w);
		x->pa = w.pa;
		x->entry = w.leaf;
		x->uncached = true;
		return;
	}
	size_t n = tlb_lookup(&pe->tlb, va, asid, true, hits, 16, m->tick);
	if (n > 16)
		n = 16;
	if (n == 1) {
		EMIT(m, .type = EV_TLB_HIT, .pe = pe->id, .va = va, .entry = hits[0], .access = a);
		x->entry = *hits[0];
	} else if (n > 1) {
		const TlbEntry *use = NULL;
		EMIT(m, .type = EV_TLB_MULTIHIT, .pe = pe->id, .va = va, .count = (int)n, .access = a);
		x->multihit = true;
		x->fault = bbm_resolve_lookup(pe->level, &m->cfg.knobs, va, hits, n, &use);
		if (x->fault) {
			x->level = 0;
			return;
		}
		x->entry = *use;
	} else {
		WalkResult w;
		EMIT(m, .type = EV_TLB_MISS, .pe = pe->id, .va = va, .access = a);
		walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, false },
			       m->cfg.tlb.walk_cache ? &pe->tlb : NULL, &w);
		if (w.fault) {
			x->fault = w.fault;
			x->level = w.level;
			return;
		}
		pe_fill_walk_cache(pe, &w);
		x->entry = w.leaf;
		/*
		 * nT = 1 (RMRRPW): at level 1 an IMPLEMENTATION DEFINED choice of a
		 * Translation fault or an uncached translation. Level 0 treats bit 16
		 * as RES0 (ignored here, flagged by the analysis); level 2 ignores nT.
		 */
		if (w.nt && pe->level == BBM_L1) {
			if (m->cfg.knobs.nt == BBM_NT_FAULT) {
				x->fault = FAULT_TRANSLATION;
				x->level = w.level;
				return;
			}
			x->uncached = true;
		} else if (!(w.leaf.desc & DESC_AF)) {
			/* An entry that would fault is never cached (ARM-TLBALLOC). */
			x->uncached = true;
		} else {
			pe_tlb_fill(pe, &w.leaf, false);
			if (m->cfg.tlb_prefetch > 1 && w.level == 3)
				pe_prefetch_neighbours(pe, va, &w);
		}
	}
	x->pa = x->entry.pa + (va - x->entry.va);
}

void record_fault(Pe *pe, FaultKind k, int level, uint64_t va, AccessType a)
{
	pe->step_fault = true;
	pe->sf_kind = k;
	pe->sf_level = level;
	pe->sf_va = va;
	pe->sf_access = a;
}

/* Full translation for an access: lookup/walk, BBM rules, AF and permissions, mirror. */
bool pe_access(Pe *pe, uint64_t va, AccessType a, uint64_t *pa_out)
{
	Xlat x;

	pe_translate(pe, va, a, &x);
	if (x.fault) {
		record_fault(pe, x.fault, x.level, va, a);
		return false;
	}
	FaultKind f = (pe->regs.sctlr & SCTLR_M) ? walk_check_access(&x.entry, a, pe->el) : FAULT_NONE;
	if (f) {
		record_fault(pe, f, x.entry.level, va, a);
		return false;
	}
	if (x.pa >= pe->m->mem_size) {
		record_fault(pe, FAULT_EXTERNAL, 0, va, a);
		return false;
	}
	if (pa_out)
		*pa_out = x.pa;
	mirror_translation(pe, va, &x);
	return true;
}

void spec_fill_va(Machine *m, Pe *q, uint64_t va)
{
	WalkResult w;

	walk_translate(&q->regs, va, walk_read, &(WalkCtx){ m, q, true }, NULL, &w);
	if (w.fault) {
		/* A table descriptor may still be cached (walk cache) even if the leaf faults. */
		pe_fill_walk_cache(q, &w);
		return;
	}
	pe_fill_walk_cache(q, &w);
	if ((w.leaf.desc & DESC_AF) && !(w.nt && q->level == BBM_L1))
		pe_tlb_fill(q, &w.leaf, true);
}

/*
 * SPEC_FILL_ADVERSARIAL: any valid descriptor reachable from a PE's TTBRs may
 * be cached at any time (ARM-TLBALLOC), so cache the new one at once on every
 * PE that can reach it; a new table is followed one level down.
 */
void spec_fill_after_store(Machine *m, uint64_t pa, uint64_t val)
{
	uint64_t page = pa & ~(PAGE_SIZE - 1);

	/* A copy: the fills below may register tables (and move the registry). */
	for (const ReachTable *t = reach_first(&m->reach, page); t;) {
		ReachTable r = *t;
		uint64_t va = reach_desc_va(&r, pa);
		for (unsigned k = 0; k < m->npes; k++) {
			Pe *q = &m->pe[k];
			if (q->state == PE_HALTED || q->state == PE_FAULTED || !(q->regs.sctlr & SCTLR_M))
				continue;
			if (!reach_root_translates(&q->regs, va, r.root))
				continue;
			if (desc_kind(val, r.level) == DESC_KIND_TABLE && r.level < 3) {
				uint64_t sub = desc_level_size(r.level + 1);
				for (unsigned j = 0; j < 512; j++)
					spec_fill_va(m, q, va + j * sub);
			} else {
				spec_fill_va(m, q, va);
			}
		}
		t = reach_next(&m->reach, &r);
	}
}
