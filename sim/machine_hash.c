// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine_hash.c - a hash of the machine state that decides its future,
 * for the explorer's state caching (docs/explore.md, "State hashing").
 *
 * Two machines with the same hash run the same from here for every
 * schedule: each PE's state, exception level, registers (general, SIMD
 * and floating point, PC, PSTATE, the banked stack pointers, the EL1
 * exception registers), translation registers and VBAR, exclusive monitor
 * and event register; each PE's TLB and walk cache (every field a lookup,
 * a TLBI or a multi-hit decision reads; entries in fill order, since
 * multihit = use-oldest/use-newest picks by it; the LRU order and the
 * replacement generator under a capacity); each PE's table stores not yet
 * published by a DSB and TLBIs not yet completed; and the faults taken so
 * far (the report and the expectations read them). Left out, because
 * nothing reads them to decide what happens next: instruction counts, the
 * tick (the caller compares it: the instruction limit), serial numbers and
 * fill ticks (only their order), the mirror (a cache of the TLB in
 * Unicorn's page tables: docs/design.md, "The mirror") and the fetch cache.
 * Physical memory is the caller's: it knows which pages were written.
 *
 * Ticks that the future compares with each other (the order of pending
 * stores, a TLBI's issue tick that its completion names) are hashed by
 * their rank among the ticks the caller collected with machine_state_ticks
 * and the analysis' own, so that two runs that did the same things at
 * different times hash alike.
 */
#include <stdlib.h>
#include <string.h>
#include "machine_priv.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

size_t machine_state_ticks(const Machine *m, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < m->npes; i++) {
		for (size_t k = 0; k < m->pend.st[i].n; k++)
			if (n < max)
				out[n++] = m->pend.st[i].s[k].tick;
		for (size_t k = 0; k < m->pend.tl[i].n; k++)
			if (n < max)
				out[n++] = m->pend.tl[i].t[k].tick;
	}
	return n;
}

static const int pe_regs[] = {
	UC_ARM64_REG_PC, UC_ARM64_REG_SP, UC_ARM64_REG_SP_EL0, UC_ARM64_REG_SP_EL1, UC_ARM64_REG_NZCV,
	UC_ARM64_REG_ELR_EL1, UC_ARM64_REG_ESR_EL1, UC_ARM64_REG_FAR_EL1, UC_ARM64_REG_TPIDR_EL0,
	UC_ARM64_REG_TPIDRRO_EL0, UC_ARM64_REG_TPIDR_EL1, UC_ARM64_REG_CPACR_EL1, UC_ARM64_REG_FPCR,
	UC_ARM64_REG_FPSR,
};

static int cmp_serial(const void *a, const void *b)
{
	const TlbEntry *x = *(const TlbEntry *const *)a, *y = *(const TlbEntry *const *)b;
	return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static uint64_t tlb_hash(uint64_t h, const Tlb *t)
{
	const TlbEntry **v = malloc((t->used ? t->used : 1) * sizeof(*v));
	size_t n = 0;

	for (long i = tlb_next(t, 0); i >= 0; i = tlb_next(t, i + 1))
		if (n < t->used)
			v[n++] = &t->e[i];
	qsort(v, n, sizeof(*v), cmp_serial);
	h = mix(h, n);
	for (size_t k = 0; k < n; k++) {
		const TlbEntry *e = v[k];
		h = mix(h, e->va);
		h = mix(h, e->pa);
		h = mix(h, e->desc_pa);
		h = mix(h, e->desc);
		h = mix(h, (uint64_t)e->asid | (uint64_t)e->size_log2 << 16 | (uint64_t)e->level << 24 |
				   (uint64_t)e->leaf << 32 | (uint64_t)e->global << 33 | (uint64_t)e->speculative << 34);
		if (t->cfg.capacity) {
			/* LRU: the order of last uses, as ranks. */
			uint64_t older = 0;
			for (size_t j = 0; j < n; j++)
				older += v[j]->last_use < e->last_use;
			h = mix(h, older);
		}
	}
	if (t->cfg.capacity)
		h = mix(h, t->rng);
	free(v);
	return h;
}

uint64_t machine_state_hash(Machine *m, uint64_t (*rank)(void *ctx, uint64_t tick), void *ctx)
{
	uint64_t h = mix(0, m->npes);

	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		h = mix(h, (uint64_t)pe->state | (uint64_t)pe->el << 8 | (uint64_t)pe->event_reg << 16);
		h = mix(h, pe->monitor);
		if (pe->state == PE_HALTED || pe->state == PE_ERROR)
			continue;   /* a stopped PE's registers decide nothing (the report reads them: below) */
		for (int r = 0; r <= 28; r++) {
			uint64_t x;
			uc_reg_read(pe->uc, UC_ARM64_REG_X0 + r, &x);
			h = mix(h, x);
		}
		uint64_t x29, x30;
		uc_reg_read(pe->uc, UC_ARM64_REG_X29, &x29);
		uc_reg_read(pe->uc, UC_ARM64_REG_X30, &x30);
		h = mix(mix(h, x29), x30);
		for (size_t r = 0; r < sizeof(pe_regs) / sizeof(pe_regs[0]); r++) {
			uint64_t x = 0;
			uc_reg_read(pe->uc, pe_regs[r], &x);
			h = mix(h, x);
		}
		uint32_t pstate = 0;
		uc_arm64_cp_reg spsr = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0 };   /* SPSR_EL1 */
		uint64_t par = 0;
		uc_reg_read(pe->uc, UC_ARM64_REG_PSTATE, &pstate);
		uc_reg_read(pe->uc, UC_ARM64_REG_CP_REG, &spsr);
		uc_reg_read(pe->uc, UC_ARM64_REG_PAR_EL1, &par);
		h = mix(mix(mix(h, pstate), spsr.val), par);
		for (int r = 0; r < 32; r++) {
			uint64_t q[2] = { 0, 0 };
			uc_reg_read(pe->uc, UC_ARM64_REG_Q0 + r, q);
			h = mix(mix(h, q[0]), q[1]);
		}
		h = mix(h, pe->regs.ttbr0);
		h = mix(h, pe->regs.ttbr1);
		h = mix(h, pe->regs.tcr);
		h = mix(h, pe->regs.sctlr);
		h = mix(h, pe->regs.mair);
		h = mix(h, pe->vbar);
	}
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		/* Halted PEs' registers: the expectations read them at the end. */
		if (pe->state == PE_HALTED || pe->state == PE_ERROR) {
			for (int r = 0; r <= 28; r++) {
				uint64_t x;
				uc_reg_read(pe->uc, UC_ARM64_REG_X0 + r, &x);
				h = mix(h, x);
			}
			uint64_t pc, x29, x30, sp;
			uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
			uc_reg_read(pe->uc, UC_ARM64_REG_X29, &x29);
			uc_reg_read(pe->uc, UC_ARM64_REG_X30, &x30);
			uc_reg_read(pe->uc, UC_ARM64_REG_SP, &sp);      /* expectations read `sp` too */
			h = mix(mix(mix(mix(h, pc), x29), x30), sp);
		}
		h = tlb_hash(h, &pe->tlb);
		/* Stores in flight by this storer and TLBIs pending on this target (pending.h). */
		h = mix(h, m->pend.st[i].n);
		for (size_t k = 0; k < m->pend.st[i].n; k++) {
			const PendingStore *s = &m->pend.st[i].s[k];
			h = mix(mix(mix(mix(mix(h, s->pa), s->old), s->val), rank(ctx, s->tick)), s->seen);
		}
		h = mix(h, m->pend.tl[i].n);
		for (size_t k = 0; k < m->pend.tl[i].n; k++) {
			const PendingTlbi *t = &m->pend.tl[i].t[k];
			h = mix(h, (uint64_t)t->op.kind | (uint64_t)t->op.scope << 8 | (uint64_t)t->op.asid << 16 |
					   (uint64_t)(t->op.ttl_level + 1) << 32 | (uint64_t)t->op.ttl_other_granule << 40);
			h = mix(mix(mix(mix(h, t->op.va), t->op.size), t->op.xt), (uint64_t)t->issuer);
			h = mix(h, rank(ctx, t->tick));
		}
	}
	h = mix(h, m->nfaults);
	for (size_t k = 0; k < m->nfaults; k++) {
		const FaultRecord *f = &m->faults[k];
		h = mix(h, (uint64_t)f->kind | (uint64_t)(unsigned)f->pe << 8 | (uint64_t)(unsigned)(f->level + 1) << 16 |
				   (uint64_t)f->access << 24);
		h = mix(mix(mix(mix(h, f->pc), f->va), f->esr), f->delivered);
	}
	return mix(h, m->rng);
}
