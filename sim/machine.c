// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine.c - PEs on Unicorn engines, driven by the TLB and walker models.
 *
 * Data flow of one guest store to a descriptor:
 *   Unicorn executes the STR through the PE's mirror region -> the write hook
 *   sees the VA, finds the PA through the mirror and, if the page is table
 *   memory, records (PA, old value) -> after the step the machine reads the
 *   new value, reports EV_DESC_WRITE, keeps the store pending for walkers
 *   until this PE's next DSB (walk_vis policy), registers newly linked
 *   tables, and under SPEC_FILL_ADVERSARIAL lets every PE that can reach the
 *   descriptor cache the new entry at once. Other PEs keep using their old
 *   TLB entries (and mirror regions) until a TLBI covering them completes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "machine_priv.h"
#include "bbmsim/rules.h"
#include "bbmsim/sysinsn.h"

#define DEFAULT_MAX_INSNS 10000000ull

void machine_config_default(MachineConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->npes = 1;
	c->mem_size = 1ull << 30;
	c->level = BBM_L0;
	c->knobs = bbm_knobs_default;
	c->tlb.walk_cache = true;
	c->ttl_strict = true;
	c->quantum = 1;
	c->seed = 1;
	c->midr = 0x410fd0c0;   /* Cortex-A76 r0p0 */
}

const char *pe_state_name(PeState s)
{
	static const char *const names[] = { "running", "sleeping", "halted", "faulted", "error" };
	return names[s];
}

const char *run_end_name(RunEnd e)
{
	static const char *const names[] = { "all-stopped", "instruction-limit", "deadlock", "interrupted" };
	return names[e];
}

const char *event_type_name(EventType t)
{
	static const char *const names[EV_COUNT] = {
		[EV_INSN] = "insn", [EV_MEM] = "mem", [EV_TLB_HIT] = "tlb-hit",
		[EV_TLB_MISS] = "tlb-miss", [EV_TLB_MULTIHIT] = "tlb-multihit",
		[EV_WALK_DESC] = "walk", [EV_TLB_FILL] = "tlb-fill", [EV_TLB_EVICT] = "tlb-evict",
		[EV_TLB_INVAL] = "tlb-inval", [EV_TLBI_ISSUE] = "tlbi-issue",
		[EV_TLBI_COMPLETE] = "tlbi-complete", [EV_DSB] = "dsb", [EV_ISB] = "isb",
		[EV_DESC_WRITE] = "desc-write", [EV_EXC_ENTRY] = "exc-entry",
		[EV_EXC_RETURN] = "exc-return", [EV_FAULT] = "fault", [EV_WFE_SLEEP] = "wfe-sleep",
		[EV_WAKE] = "wake", [EV_HALT] = "halt", [EV_SYSREG] = "sysreg",
	};
	return names[t];
}

static void emit(Machine *m, Event *ev)
{
	ev->tick = m->tick;
	m->ev_fn(m->ev_ctx, ev);
}

#define EMIT(m, ...)                                  \
	do {                                          \
		if ((m)->ev_fn) {                     \
			Event ev_ = { __VA_ARGS__ };  \
			emit((m), &ev_);              \
		}                                     \
	} while (0)

/* Keep the counts the scheduler needs, so that a step does not scan every PE. */
static void pe_set_state(Pe *pe, PeState st)
{
	Machine *m = pe->m;
	bool was_alive = pe->state == PE_RUNNING || pe->state == PE_SLEEPING;
	bool alive = st == PE_RUNNING || st == PE_SLEEPING;

	if (pe->counted) {
		m->nrunning -= pe->state == PE_RUNNING;
		m->nalive -= was_alive;
	}
	pe->state = st;
	pe->counted = true;
	m->nrunning += st == PE_RUNNING;
	m->nalive += alive;
}

/* --- physical memory and table registry ---------------------------------- */

bool machine_phys_write(Machine *m, uint64_t pa, const void *buf, size_t len)
{
	if (pa > m->mem_size || len > m->mem_size - pa)
		return false;
	memcpy(m->phys + pa, buf, len);
	return true;
}

bool machine_phys_read(Machine *m, uint64_t pa, void *buf, size_t len)
{
	if (pa > m->mem_size || len > m->mem_size - pa)
		return false;
	memcpy(buf, m->phys + pa, len);
	return true;
}

uint64_t machine_phys_read64(Machine *m, uint64_t pa)
{
	uint64_t v = 0;
	machine_phys_read(m, pa & ~7ull, &v, 8);
	return v;
}

void machine_phys_write64(Machine *m, uint64_t pa, uint64_t v)
{
	machine_phys_write(m, pa & ~7ull, &v, 8);
}

static bool is_table_page(const Machine *m, uint64_t pa)
{
	uint64_t pg = pa >> PAGE_SHIFT;
	return pa < m->mem_size && (m->table_bitmap[pg >> 3] >> (pg & 7) & 1);
}

void machine_mark_table_pages(Machine *m, uint64_t pa, uint64_t len)
{
	for (uint64_t p = pa & ~(PAGE_SIZE - 1); p < pa + len && p < m->mem_size; p += PAGE_SIZE)
		m->table_bitmap[(p >> PAGE_SHIFT) >> 3] |= (uint8_t)(1u << ((p >> PAGE_SHIFT) & 7));
}

static size_t treg_hash(const Machine *m, uint64_t page)
{
	return ((page >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull >> 20) & (m->ntreg_bucket - 1);
}

/* Remember that @page is a table at @level translating from @va_base under @root. */
static void table_register(Machine *m, uint64_t page, int level, uint64_t va_base, uint64_t root)
{
	if (page >= m->mem_size)
		return;
	size_t b = treg_hash(m, page);
	for (int32_t i = m->treg_bucket[b]; i >= 0; i = m->treg[i].next) {
		TableReg *r = &m->treg[i];
		if (r->page == page && r->level == level && r->va_base == va_base && r->root == root)
			return;
	}
	if (m->ntreg == m->ctreg) {
		m->ctreg = m->ctreg ? m->ctreg * 2 : 256;
		m->treg = realloc(m->treg, m->ctreg * sizeof(*m->treg));
	}
	m->treg[m->ntreg] = (TableReg){ .page = page, .level = level, .va_base = va_base,
					.root = root, .next = m->treg_bucket[b] };
	m->treg_bucket[b] = (int32_t)m->ntreg++;
	machine_mark_table_pages(m, page, PAGE_SIZE);
}

static uint64_t ttbr_root(const WalkRegs *r, int t)
{
	return (t ? r->ttbr1 : r->ttbr0) & TTBR_BADDR & DESC_OA_MASK;
}

static uint64_t ttbr_va_base(const WalkRegs *r, int t)
{
	unsigned tsz = t ? TCR_T1SZ(r->tcr) : TCR_T0SZ(r->tcr);
	tsz = tsz < 16 ? 16 : tsz;
	return t ? ~0ull << (64 - tsz) : 0;
}

/*
 * Register the table at @page and every table below it, so that a store to
 * any descriptor of a live tree is recognised as one (level and VA known)
 * even before any PE has walked there. Pages already registered for the
 * same place are not walked again.
 */
#define TABLE_REGISTER_BUDGET 65536    /* table pages per tree walk: garbage tables stay bounded */

static void table_register_walk(Machine *m, uint64_t page, int level, uint64_t va_base, uint64_t root,
				unsigned *budget)
{
	if (page >= m->mem_size || !*budget)
		return;
	--*budget;
	size_t before = m->ntreg;
	table_register(m, page, level, va_base, root);
	if (m->ntreg == before || level >= 3)
		return;     /* known already, or a last-level table */
	uint64_t size = desc_level_size(level);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t d = machine_phys_read64(m, page + i * 8);
		if (desc_kind(d, level) == DESC_KIND_TABLE)
			table_register_walk(m, d & DESC_OA_MASK, level + 1, va_base + i * size, root, budget);
	}
}

static void table_register_tree(Machine *m, uint64_t page, int level, uint64_t va_base, uint64_t root)
{
	unsigned budget = TABLE_REGISTER_BUDGET;
	table_register_walk(m, page, level, va_base, root, &budget);
}

static void register_roots(Machine *m, const WalkRegs *r)
{
	if (!(r->sctlr & SCTLR_M))
		return;
	for (int t = 0; t < 2; t++)
		if (!(r->tcr & (t ? TCR_EPD1 : TCR_EPD0)))
			table_register_tree(m, ttbr_root(r, t), walk_start_level(r, t), ttbr_va_base(r, t),
					    ttbr_root(r, t));
}

/* --- mirror: the PE's Unicorn map follows its TLB ---------------------------- */

/*
 * Deferred unmaps. Unicorn calls hook_mem inside its load/store helper,
 * after it has looked up the region (a read keeps that MemoryRegion pointer
 * for its permission check) and read its own TLB entry for the address, and
 * before the access itself. uc_mem_map_ptr and uc_mem_unmap, of any region,
 * commit a memory transaction that flushes (and may reallocate) QEMU's
 * whole TLB and frees the unmapped MemoryRegion: done from hook_mem, the
 * access then goes through a freed region or a stale TLB entry (SIGSEGV, or
 * silently the wrong host page). So while pe->in_mem_hook, a region the
 * model drops (an eviction or a prefetch of a lazy fill, say) leaves the
 * mirror at once but stays mapped in the engine as *retired*, and nothing
 * is mapped (mirror_add). The retired regions are unmapped as soon as that
 * is safe: in hook_unmapped (the access has no region and no TLB entry yet)
 * or when the Unicorn call returns (mirror_unmap_retired). That call runs
 * one instruction: a batch stops before any access that needs the model
 * (batch_abort), so its hooks never change the TLB or the mirror. Until
 * then only later accesses of the same instruction can reach a retired
 * region; hook_pa serves those through the model (retired_access).
 * (uc_emu_stop is no way to end the run early: Unicorn checks for it after
 * every load and store, so it abandons the instruction after the access.)
 */
static void mirror_unmap_retired(Pe *pe)
{
	for (unsigned i = 0; i < pe->nretired; i++)
		uc_mem_unmap(pe->uc, pe->retired[i].va, pe->retired[i].size);
	pe->nretired = 0;
}

static void mirror_remove(Pe *pe, unsigned i)
{
	MirrorRegion *r = &pe->mr[i];
	if (pe->in_mem_hook)
		pe->retired[pe->nretired++] = (RetiredRegion){ .va = r->va, .pa = r->pa, .size = r->size };
	else
		uc_mem_unmap(pe->uc, r->va, r->size);
	free(r->backed);
	pe->mr[i] = pe->mr[--pe->nmr];
	pe->mirror_epoch++;
}

static void mirror_flush(Pe *pe)
{
	while (pe->nmr)
		mirror_remove(pe, pe->nmr - 1);
	pe->mirror_epoch++;
}

/* The PA the engine accesses for @va: through a region of the mirror or a retired one; false if unmapped. */
static bool engine_pa(Pe *pe, uint64_t va, uint64_t *pa, bool *retired)
{
	for (unsigned i = 0; i < pe->nmr; i++)
		if (va - pe->mr[i].va < pe->mr[i].size) {
			*pa = pe->mr[i].pa + (va - pe->mr[i].va);
			*retired = false;
			return true;
		}
	for (unsigned i = 0; i < pe->nretired; i++)
		if (va - pe->retired[i].va < pe->retired[i].size) {
			*pa = pe->retired[i].pa + (va - pe->retired[i].va);
			*retired = true;
			return true;
		}
	return false;
}

/* Drop every region overlapping [va, va+size): the TLB changed there. */
static void mirror_invalidate(Pe *pe, uint64_t va, uint64_t size)
{
	uint64_t end = va + size - 1;

	for (unsigned i = pe->nmr; i-- > 0;) {
		MirrorRegion *r = &pe->mr[i];
		if (r->va <= end && va <= r->va + r->size - 1)
			mirror_remove(pe, i);
	}
}

/* The region holding @va, or -1. The hook's fast path: the few regions used last are tried first. */
static int mirror_find(Pe *pe, uint64_t va)
{
	for (unsigned k = 0; k < MIRROR_RECENT; k++) {
		unsigned i = pe->recent_mr[k];
		if (i < pe->nmr && va - pe->mr[i].va < pe->mr[i].size)
			return (int)i;
	}
	for (unsigned i = 0; i < pe->nmr; i++)
		if (va - pe->mr[i].va < pe->mr[i].size) {
			memmove(&pe->recent_mr[1], &pe->recent_mr[0], (MIRROR_RECENT - 1) * sizeof(pe->recent_mr[0]));
			pe->recent_mr[0] = i;
			return (int)i;
		}
	return -1;
}

static bool mirror_backed(const MirrorRegion *r, uint64_t va)
{
	uint64_t pg = (va - r->va) >> PAGE_SHIFT;
	return r->backed[pg >> 6] >> (pg & 63) & 1;
}

static void mirror_set_backed(MirrorRegion *r, uint64_t va)
{
	uint64_t pg = (va - r->va) >> PAGE_SHIFT;
	r->backed[pg >> 6] |= 1ull << (pg & 63);
}

static void mirror_clear_backed(MirrorRegion *r, uint64_t va)
{
	uint64_t pg = (va - r->va) >> PAGE_SHIFT;
	r->backed[pg >> 6] &= ~(1ull << (pg & 63));
}

/* The pages of region @r in [lo, last] (inclusive, so the top of the address space works): [*a, *b]. */
static bool region_overlap(const MirrorRegion *r, uint64_t lo, uint64_t last, uint64_t *a, uint64_t *b)
{
	uint64_t rlast = r->va + r->size - 1;

	if (r->va > last || lo > rlast)
		return false;
	*a = lo > r->va ? lo : r->va;
	*b = last < rlast ? last : rlast;
	return true;
}

static uint32_t perms_prot(DescPerms p)
{
	return (p.r ? UC_PROT_READ : 0) | (p.w ? UC_PROT_WRITE : 0) | (p.x ? UC_PROT_EXEC : 0);
}

/* The Unicorn protection a leaf entry grants at the PE's EL (none without AF). */
static uint32_t entry_prot(const Pe *pe, const TlbEntry *e)
{
	return (e->desc & DESC_AF) ? perms_prot(desc_perms(e->desc, pe->el)) : 0;
}

/*
 * A leaf entry was added to the PE's TLB: the pages it covers in a region
 * become backed when it translates them as the region does; a second entry
 * for a backed page (a multi-hit the model must resolve) or a different
 * translation drops the region.
 */
static void mirror_entry_added(Pe *pe, const TlbEntry *e)
{
	uint64_t lo = e->va, last = e->va + (1ull << e->size_log2) - 1;
	uint64_t off = e->pa - e->va;
	uint32_t prot = entry_prot(pe, e);

	if (!e->global && e->asid != walk_asid(&pe->regs))
		return;     /* translates nothing under the current ASID */
	for (unsigned i = pe->nmr; i-- > 0;) {
		MirrorRegion *r = &pe->mr[i];
		uint64_t a, b;
		if (!region_overlap(r, lo, last, &a, &b))
			continue;
		bool ok = off == r->pa - r->va && prot == r->prot;
		for (uint64_t p = a; ok && p - a <= b - a; p += PAGE_SIZE)
			ok = !mirror_backed(r, p);
		if (!ok) {
			mirror_remove(pe, i);
			continue;
		}
		for (uint64_t p = a; p - a <= b - a; p += PAGE_SIZE)
			mirror_set_backed(r, p);
	}
}

/*
 * Map [va, va+size) -> pa with @prot. The caller guarantees that the
 * range is unmapped and that each page is backed or walkable. Evicts the
 * oldest region when the budget is spent, so the region count stays far
 * below the point where QEMU aborts the process (unicorn-2.0.1.md, "Hard
 * limit"). Returns the region, or NULL.
 */
static MirrorRegion *mirror_add(Pe *pe, uint64_t va, uint64_t pa, uint64_t size, uint32_t prot)
{
	Machine *m = pe->m;

	if (!prot || pa >= m->mem_size || size > m->mem_size - pa || pe->in_mem_hook)
		return NULL;     /* (no map inside hook_mem: see mirror_remove) */
	if (pe->nmr >= m->cfg.mirror_regions) {
		unsigned oldest = 0;
		for (unsigned i = 1; i < pe->nmr; i++)
			if (pe->mr[i].stamp < pe->mr[oldest].stamp)
				oldest = i;
		mirror_remove(pe, oldest);
	}
	if (uc_mem_map_ptr(pe->uc, va, size, prot, m->phys + pa) != UC_ERR_OK)
		return NULL;
	MirrorRegion *r = &pe->mr[pe->nmr++];
	*r = (MirrorRegion){ .va = va, .pa = pa, .size = size, .prot = prot, .stamp = ++pe->mr_stamp,
			     .backed = calloc((size >> PAGE_SHIFT) / 64 + 1, sizeof(uint64_t)) };
	if (pe->nmr > pe->mr_peak)
		pe->mr_peak = pe->nmr;
	return r;
}

/* --- translation ------------------------------------------------------------ */

typedef struct WalkCtx {
	Machine *m;
	Pe *pe;
	bool quiet;
} WalkCtx;

/*
 * A walker's read of a descriptor (RTGRMW: a separate observer). Under
 * WALK_VIS_AT_DSB a store not yet made visible to this walker by a DSB of
 * its PE (rules_dsb_publishes_to) is not seen: the walk reads the value
 * from before the oldest such store.
 */
static uint64_t walk_read(void *ctx, uint64_t pa, int level)
{
	WalkCtx *w = ctx;
	Machine *m = w->m;
	uint64_t v = 0;

	if (pa + 8 > m->mem_size)
		return 0;
	memcpy(&v, m->phys + pa, 8);
	if (m->pending_stores && m->cfg.walk_vis == WALK_VIS_AT_DSB) {
		uint64_t best_tick = ~0ull;
		for (unsigned i = 0; i < m->npes; i++)
			for (size_t j = 0; j < m->pe[i].nps; j++) {
				PendingStore *s = &m->pe[i].ps[j];
				if (s->pa == pa && s->tick < best_tick && !(s->seen >> w->pe->id & 1)) {
					best_tick = s->tick;
					v = s->old;
				}
			}
	}
	if (!w->quiet)
		EMIT(m, .type = EV_WALK_DESC, .pe = w->pe->id, .pa = pa, .val = v, .level = level);
	return v;
}

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
		table_register(m, s->desc & DESC_OA_MASK, s->level + 1, s->va_base,
			       ttbr_root(&pe->regs, w->ttbr));
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

typedef struct Xlat {
	FaultKind fault;
	int level;
	uint64_t pa;
	TlbEntry entry;      /* the translation used */
	bool uncached;       /* nT block translated without a TLB entry */
	bool multihit;
} Xlat;

/* Translate @va for @a on @pe through its TLB and walker (no permission check). */
static void pe_translate(Pe *pe, uint64_t va, AccessType a, Xlat *x)
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

/*
 * Region size. Unicorn 2.0.1's uc_mem_map_ptr costs about 20 us whatever the
 * size, but uc_mem_unmap flushes QEMU's TLB page by page: 0.55 us per 4 KiB
 * (measured here: 20 us for 4 KiB, 53 us for 256 KiB, 0.3 ms for 2 MiB,
 * 145 ms for 1 GiB), and both grow with the number of regions. The mirror
 * therefore maps aligned windows of at most cfg.mirror_window (256 MiB by
 * default, grown only for a PE sweeping memory: pe_mirror_extent) and keeps
 * regions mapped while the tables change beneath them as long as every page
 * stays backed or walkable (docs/performance.md).
 */

/*
 * Would a walk by @pe now translate the page @va as region @r does, into an
 * entry the TLB may cache? Registers the tables on the way, so that any later
 * store to them is seen as a descriptor write (mirror_desc_changed).
 */
static bool mirror_walkable(Pe *pe, const MirrorRegion *r, uint64_t va, WalkResult *w)
{
	Machine *m = pe->m;

	walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true },
		       m->cfg.tlb.walk_cache ? &pe->tlb : NULL, w);
	if (w->fault || !(w->leaf.desc & DESC_AF) || (w->nt && pe->level == BBM_L1) ||
	    w->pa != r->pa + (va - r->va) || entry_prot(pe, &w->leaf) != r->prot)
		return false;
	for (int i = 0; i < w->nsteps; i++) {
		const WalkStep *s = &w->step[i];
		if (!s->from_cache && desc_kind(s->desc, s->level) == DESC_KIND_TABLE)
			table_register(m, s->desc & DESC_OA_MASK, s->level + 1, s->va_base,
				       ttbr_root(&pe->regs, w->ttbr));
	}
	return true;
}

/*
 * What the last walks of a scan over neighbouring pages found: a plain block
 * (every page in it walks the same), or the last-level table of a 2 MiB
 * range (every page in it walks the same path down to that table).
 */
typedef struct WalkMemo {
	uint64_t block_lo, block_hi;
	uint64_t tbl_lo, tbl_hi, tbl_pa;
} WalkMemo;

static bool memo_walkable(Pe *pe, const MirrorRegion *r, uint64_t va, WalkMemo *wm)
{
	if (va - wm->block_lo < wm->block_hi - wm->block_lo)
		return true;
	if (va - wm->tbl_lo < wm->tbl_hi - wm->tbl_lo) {
		/* The path is the same; read only the page descriptor (a plain page, not CONT). */
		uint64_t d = walk_read(&(WalkCtx){ pe->m, pe, true }, wm->tbl_pa + ((va >> PAGE_SHIFT) & 511) * 8, 3);
		TlbEntry e = { .desc = d };
		if (desc_kind(d, 3) == DESC_KIND_PAGE && !(d & (DESC_HIGH_OA | DESC_CONT)) &&
		    (d & DESC_OA_MASK) == r->pa + (va - r->va) && entry_prot(pe, &e) == r->prot)
			return true;
	}
	WalkResult w;
	memset(wm, 0, sizeof(*wm));
	if (!mirror_walkable(pe, r, va, &w))
		return false;
	if (w.level < 3 && !(w.leaf.desc & DESC_CONT)) {
		wm->block_lo = w.leaf.va;
		wm->block_hi = w.leaf.va + (1ull << w.leaf.size_log2);
	} else if (w.level == 3) {
		wm->tbl_lo = va & ~((1ull << 21) - 1);
		wm->tbl_hi = wm->tbl_lo + (1ull << 21);
		wm->tbl_pa = w.step[w.nsteps - 1].pa & ~(PAGE_SIZE - 1);
	}
	return true;
}

/* 1: backed (one TLB entry, translating as @r); 0: walkable; -1: neither. */
static int mirror_page_state(Pe *pe, const MirrorRegion *r, uint64_t va, WalkMemo *wm)
{
	TlbEntry *hits[2];
	size_t n = tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 2, 0);

	if (n == 1) {
		const TlbEntry *e = hits[0];
		return e->pa - e->va == r->pa - r->va && entry_prot(pe, e) == r->prot ? 1 : -1;
	}
	if (n > 1 || pe->m->cfg.mirror_backed_only)
		return -1;
	return memo_walkable(pe, r, va, wm) ? 0 : -1;
}

/*
 * After a translation of @va through entry @e, mirror the largest run of
 * pages around it, inside its aligned window, that are backed or walkable
 * with the same offset and protection. False (nothing mapped) when @va's
 * own page is not backed after its translation: under a TLB capacity its
 * prefetch may evict the entry it just filled, or cache a second entry for
 * it (two CONT runs, say).
 */
static bool pe_mirror_extent(Pe *pe, const TlbEntry *e, uint64_t va, uint32_t prot)
{
	Machine *m = pe->m;
	uint64_t win = pe->mirror_win;
	uint64_t off = e->pa - e->va;
	uint64_t vpage = va & ~(PAGE_SIZE - 1), ppage = vpage + off;
	uint64_t wlo = va & ~(win - 1), whi = wlo + win;   /* whi may wrap to 0 at the top */
	MirrorRegion probe = { .va = vpage, .pa = ppage, .size = PAGE_SIZE, .prot = prot };
	WalkMemo wm = { 0 };

	/* Only physical memory can be mirrored (the caller checked that @va's PA is in it). */
	if (vpage - wlo > ppage)
		wlo = vpage - ppage;
	if (whi - vpage > m->mem_size - ppage)
		whi = vpage + (m->mem_size - ppage);
	/* Not over regions already mapped in the window. */
	for (unsigned i = 0; i < pe->nmr; i++) {
		MirrorRegion *r = &pe->mr[i];
		if (r->va < vpage && r->va + r->size - 1 >= wlo)
			wlo = r->va + r->size;
		if (r->va > vpage && r->va - 1 < whi - 1)
			whi = r->va;
	}
	/* Each page's state is computed once (a TLB look-up, maybe a walk): [i] for page wlo + i. */
	if (!pe->scan)
		pe->scan = malloc(m->cfg.mirror_window >> PAGE_SHIFT);
	int8_t *state = pe->scan;
	uint64_t lo = vpage, hi = vpage + PAGE_SIZE;
	state[(vpage - wlo) >> PAGE_SHIFT] = (int8_t)mirror_page_state(pe, &probe, vpage, &wm);
	if (state[(vpage - wlo) >> PAGE_SHIFT] != 1)
		return false;
	{
		while (hi != whi && (state[(hi - wlo) >> PAGE_SHIFT] =
				     (int8_t)mirror_page_state(pe, &probe, hi, &wm)) >= 0)
			hi += PAGE_SIZE;
		while (lo > wlo && (state[(lo - PAGE_SIZE - wlo) >> PAGE_SHIFT] =
				    (int8_t)mirror_page_state(pe, &probe, lo - PAGE_SIZE, &wm)) >= 0)
			lo -= PAGE_SIZE;
	}
	MirrorRegion *r = mirror_add(pe, lo, ppage - (vpage - lo), hi - lo, prot);
	if (!r)
		return true;
	for (uint64_t p = lo; p != hi; p += PAGE_SIZE)
		if (state[(p - wlo) >> PAGE_SHIFT] == 1)
			mirror_set_backed(r, p);
	/*
	 * Adaptive window: a region that continues the previous one (a sweep)
	 * doubles the window up to cfg.mirror_window; any other halves it. Few
	 * big maps for a PE streaming through memory, small unmaps for the rest.
	 */
	if (lo == pe->mirror_last_hi || hi == pe->mirror_last_lo) {
		if (pe->mirror_win < m->cfg.mirror_window)
			pe->mirror_win <<= 1;
	} else if (pe->mirror_win > PAGE_SIZE) {
		pe->mirror_win >>= 1;
	}
	pe->mirror_last_lo = lo;
	pe->mirror_last_hi = hi;
	return true;
}

/* After a successful translation, mirror the page (and its neighbours) into Unicorn. */
static void pe_mirror_translation(Pe *pe, uint64_t va, const Xlat *x)
{
	DescPerms p = desc_perms(x->entry.desc, pe->el);
	uint64_t lo = va & ~(PAGE_SIZE - 1);
	bool mmu = pe->regs.sctlr & SCTLR_M;

	if (!mmu)
		p = (DescPerms){ true, true, true };
	if (mirror_find(pe, va) >= 0)
		return;
	bool one_step = x->uncached && mmu;
	if (mmu && !x->uncached && !x->multihit) {
		if (pe_mirror_extent(pe, &x->entry, va, perms_prot(p)))
			return;
		one_step = true;     /* neither backed nor walkable: for this access only */
	}
	/* MMU off, an uncached (nT) or a multi-hit translation: this page only, no lazy fill. */
	if (one_step && pe->ntemp == MIRROR_TEMP_MAX)
		return;     /* (not reached: an instruction touches at most two pages) */
	MirrorRegion *r = mirror_add(pe, lo, x->pa - (va - lo), PAGE_SIZE, perms_prot(p));
	if (!r)
		return;
	mirror_set_backed(r, lo);
	if (one_step) {
		/* An uncached (nT) translation, or the one above, is used for this step only. */
		pe->temp_va[pe->ntemp++] = lo;
	}
}

/* At the end of a step: drop the pages mirrored for that step only. */
static void mirror_drop_temp(Pe *pe)
{
	for (unsigned i = 0; i < pe->ntemp; i++)
		mirror_invalidate(pe, pe->temp_va[i], PAGE_SIZE);
	pe->ntemp = 0;
}

static bool mirror_is_temp(const Pe *pe, uint64_t va)
{
	for (unsigned i = 0; i < pe->ntemp; i++)
		if (va - pe->temp_va[i] < PAGE_SIZE)
			return true;
	return false;
}

static void record_fault(Pe *pe, FaultKind k, int level, uint64_t va, AccessType a)
{
	pe->step_fault = true;
	pe->sf_kind = k;
	pe->sf_level = level;
	pe->sf_va = va;
	pe->sf_access = a;
}

/* Full translation for an access: lookup/walk, BBM rules, AF and permissions, mirror. */
static bool pe_access(Pe *pe, uint64_t va, AccessType a, uint64_t *pa_out)
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
	pe_mirror_translation(pe, va, &x);
	return true;
}

/* Which pages mirror_reexamine looks at. */
enum { PAGES_BACKED = 1, PAGES_WALKABLE = 2, PAGES_ALL = 3 };

/*
 * Look again at the pages of @pe's regions in [lo, last] (those @which
 * names) after the TLB or what walks read changed there: a page stays
 * backed, becomes walkable (unbacked: the next access fills the TLB again,
 * and the fetch cache must miss there), or is neither and its region goes.
 * A walkable page has no TLB entry (the mirror's invariant), so only its
 * walk can have changed.
 */
static void mirror_reexamine(Pe *pe, uint64_t lo, uint64_t last, unsigned which)
{
	for (unsigned i = pe->nmr; i-- > 0;) {
		MirrorRegion *r = &pe->mr[i];
		uint64_t a, b;
		if (!region_overlap(r, lo, last, &a, &b))
			continue;
		WalkMemo wm = { 0 };
		for (uint64_t p = a; p - a <= b - a; p += PAGE_SIZE) {
			bool was = mirror_backed(r, p);
			if (!(which & (was ? PAGES_BACKED : PAGES_WALKABLE)))
				continue;
			int st = was ? mirror_page_state(pe, r, p, &wm) : memo_walkable(pe, r, p, &wm) ? 0 : -1;
			if (st < 0) {
				mirror_remove(pe, i);
				break;
			}
			if (was && !st) {
				mirror_clear_backed(r, p);
				pe->mirror_epoch++;
			}
		}
	}
}

/*
 * The value walkers read at descriptor @pa changed (a store, or its DSB
 * under walk_visibility at-dsb): every PE's walkable pages under it are
 * walked again. Backed pages keep their TLB entry.
 */
static void mirror_desc_changed(Machine *m, uint64_t pa)
{
	uint64_t page = pa & ~(PAGE_SIZE - 1);

	for (int32_t i = m->treg_bucket[treg_hash(m, page)]; i >= 0; i = m->treg[i].next) {
		const TableReg *r = &m->treg[i];
		if (r->page != page)
			continue;
		uint64_t size = desc_level_size(r->level);
		uint64_t va = r->va_base + ((pa - page) >> 3) * size;
		for (unsigned k = 0; k < m->npes; k++)
			if (m->pe[k].nmr && (m->pe[k].regs.sctlr & SCTLR_M))
				mirror_reexamine(&m->pe[k], va, va + size - 1, PAGES_WALKABLE);
	}
}

/* After a TLBI that removed everything (or a whole ASID): every page's state again. */
static void mirror_revalidate(Pe *pe)
{
	pe->mirror_epoch++;
	mirror_reexamine(pe, 0, ~0ull, PAGES_ALL);
}

/*
 * The PE's TLB changed (Tlb.on_change). A new leaf entry backs pages or
 * drops a region (mirror_entry_added); the pages a removed one backed are
 * looked at again. A removed walk-cache entry changes what a walk returns
 * only if it was stale (its descriptor is no longer the one a walk reads):
 * then the walkable pages under it are walked again.
 */
static void pe_tlb_changed(void *ctx, const TlbEntry *e, bool added)
{
	Pe *pe = ctx;

	if (added) {
		if (e->leaf)
			mirror_entry_added(pe, e);
		return;
	}
	if (pe->bulk_inval)
		return;
	uint64_t last = e->va + (1ull << e->size_log2) - 1;
	if (e->leaf)
		mirror_reexamine(pe, e->va, last, PAGES_BACKED);
	else if (walk_read(&(WalkCtx){ pe->m, pe, true }, e->desc_pa, e->level) != e->desc)
		mirror_reexamine(pe, e->va, last, PAGES_WALKABLE);
}

/* --- hooks ------------------------------------------------------------------- */

static bool pe_fetch(Pe *pe, uint64_t pc, uint32_t *insn);
static void pe_error(Pe *pe, const char *why);

/*
 * tlb.capacity with LRU replacement: every access and fetch uses its entry,
 * including those the mirror serves without the model, so that the entry
 * evicted does not depend on what the mirror happened to hold.
 */
static void pe_tlb_touch(Pe *pe, uint64_t va)
{
	Machine *m = pe->m;
	TlbEntry *hits[4];

	if (m->cfg.tlb.capacity && m->cfg.tlb.replace == TLB_REPLACE_LRU && (pe->regs.sctlr & SCTLR_M))
		tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 4, m->tick);
}


/*
 * Emit what stepping would have emitted before instructions
 * [batch_emitted, upto) of the batch: for each, at its tick, the fetch
 * (pe_fetch: translated again, with its events, when a hook dropped the code
 * page's region) and its EV_INSN.
 */
static void batch_emit(Pe *pe, uint64_t upto)
{
	Machine *m = pe->m;

	for (; pe->batch_emitted < upto; pe->batch_emitted++) {
		uint64_t ipc = pe->batch_pc + 4ull * pe->batch_emitted;
		uint32_t insn;
		m->tick = pe->batch_t0 + pe->batch_emitted;
		if (!pe_fetch(pe, ipc, &insn)) {
			pe_error(pe, "internal error: a batched instruction's fetch faulted (please report)");
			uc_emu_stop(pe->uc);
			return;
		}
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = ipc, .insn = insn);
	}
}

/*
 * Inside a batch the hooks run for instruction j of the run (from the PC,
 * which Unicorn keeps exact for hooks): emit up to j and set the tick to
 * j's, so that every event carries what stepping one instruction at a time
 * would have given it.
 */
static void batch_sync(Pe *pe)
{
	uint64_t pc = 0;

	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	uint64_t j = (pc - pe->batch_pc) >> 2;
	if (pc < pe->batch_pc || j >= pe->batch_n)
		return;     /* a look-ahead fetch past the run */
	batch_emit(pe, j + 1);
	pe->m->tick = pe->batch_t0 + j;
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			  int64_t value, void *user)
{
	Pe *pe = user;
	AccessType a;
	(void)uc; (void)value;

	switch (type) {
	case UC_MEM_READ_UNMAPPED: case UC_MEM_READ_PROT: a = ACCESS_READ; break;
	case UC_MEM_WRITE_UNMAPPED: case UC_MEM_WRITE_PROT: a = ACCESS_WRITE; break;
	default: a = ACCESS_FETCH; break;
	}
	if (pe->in_batch && a != ACCESS_FETCH) {
		if (pe->batch_abort || type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED) {
			/* Outside the mirror: the model's, so stepped (batch_abort; nothing done yet). */
			pe->batch_abort = true;
			return false;
		}
		batch_sync(pe);
	}
	/* No region and no TLB entry for this access: a safe point to unmap the retired regions. */
	if (pe->nretired)
		mirror_unmap_retired(pe);
	/* An access that straddles pages: translate each page it touches. */
	uint64_t last = addr + (uint64_t)(size > 0 ? size - 1 : 0);
	if (type == UC_MEM_FETCH_PROT)
		return false;
	if (type == UC_MEM_READ_PROT || type == UC_MEM_WRITE_PROT) {
		/* The mirror grants what the TLB grants: a protection miss is a fault. */
		Xlat x;
		pe_translate(pe, addr, a, &x);
		FaultKind f = x.fault ? x.fault
			    : (pe->regs.sctlr & SCTLR_M) ? walk_check_access(&x.entry, a, pe->el) : FAULT_NONE;
		record_fault(pe, f ? f : FAULT_PERMISSION, x.fault ? x.level : x.entry.level, addr, a);
		return false;
	}
	if (a == ACCESS_FETCH) {
		/*
		 * Unicorn may look up the next translation block before the
		 * single step ends (after ERET, say), with the model's EL not yet
		 * updated. Fetches are translated before each step (pe_fetch),
		 * which raises any fault; here just refuse quietly.
		 */
		return false;
	}
	if (!pe_access(pe, addr, a, NULL))
		return false;
	/* The second page: translated here when unmapped or only walkable, as the first. */
	if ((last ^ addr) >> PAGE_SHIFT) {
		int j = mirror_find(pe, last);
		if ((j < 0 || !mirror_backed(&pe->mr[j], last)) && !pe_access(pe, last, a, NULL))
			return false;
	}
	return true;
}

/*
 * The first access to a walkable page of a region: the TLB misses and the
 * walk fills it (events as for any miss), which backs the page. The fill
 * may also evict entries or prefetch others, which can leave this page
 * walkable again (its own entry evicted) or retire its region (see
 * mirror_remove); either way the engine still maps the PA it had, and the
 * access is right if that is the PA the walk gave. If it is not, the
 * mirror is out of step with the model, a bbmsim bug, reported as the PE's
 * error rather than letting the access use a wrong PA silently.
 */
static bool mirror_fill_on_access(Pe *pe, uint64_t va, AccessType a)
{
	Xlat x;
	uint64_t pa;
	bool retired;
	pe->m->lazy_fills++;
	pe_translate(pe, va, a, &x);
	if (!x.fault && engine_pa(pe, va, &pa, &retired) && pa == x.pa)
		return true;
	pe_error(pe, "internal error: the Unicorn mirror disagrees with the TLB model (please report)");
	uc_emu_stop(pe->uc);
	return false;
}

/*
 * BBMSIM_CHECK_MIRROR (tests): before the access, check the mirror against
 * the model without changing it. A backed page has exactly one TLB entry
 * and maps its PA; an unbacked page has none and a walk gives its PA.
 */
static void mirror_self_check(Pe *pe, const MirrorRegion *r, uint64_t va)
{
	TlbEntry *hits[2];
	size_t n = tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 2, 0);
	uint64_t want = r->pa + (va - r->va);
	bool ok;

	if (!(pe->regs.sctlr & SCTLR_M) || n > 1 ||
	    mirror_is_temp(pe, va))
		return;     /* flat, multi-hit or nT pages: mirrored for one translation, always backed */
	if (n == 1) {
		ok = mirror_backed(r, va) && hits[0]->pa + (va - hits[0]->va) == want &&
		     entry_prot(pe, hits[0]) == r->prot;
	} else {
		WalkResult w;
		ok = !mirror_backed(r, va) && mirror_walkable(pe, r, va, &w);
	}
	if (!ok) {
		fprintf(stderr, "bbmsim: BBMSIM_CHECK_MIRROR: PE%d VA 0x%llx: the mirror maps PA 0x%llx (%s), "
			"the model disagrees\n", pe->id, (unsigned long long)va, (unsigned long long)want,
			mirror_backed(r, va) ? "backed" : "walkable");
		abort();
	}
}

/*
 * An access, by the instruction that retired a region, to a page of that
 * region (an LDP across two pages whose first half's fill evicted the
 * second page's stale entry, say): the engine still maps the page with its
 * old translation, and will access it after this hook. The model decides:
 * the page is translated as any access outside the mirror (the events of a
 * hit or a miss); when it gives another PA, the bytes are swapped in for
 * the access and back when the Unicorn call returns (RetiredPatch); when it
 * faults, a store's bytes are put back, the registers restored, the rest
 * of the instruction abandoned (uc_emu_stop) and the fault taken as any
 * other. Returns the model's PA, or ~0 after a fault.
 */
static uint64_t retired_access(Pe *pe, uint64_t va, uint64_t len, AccessType a, uint64_t upa)
{
	Machine *m = pe->m;
	Xlat x;

	pe_translate(pe, va, a, &x);
	FaultKind f = x.fault ? x.fault
		    : (pe->regs.sctlr & SCTLR_M) ? walk_check_access(&x.entry, a, pe->el) : FAULT_NONE;
	int level = x.fault ? x.level : x.entry.level;
	if (!f && (x.pa >= m->mem_size || len > m->mem_size - x.pa))
		f = FAULT_EXTERNAL, level = 0;
	if (!f && x.pa == upa)
		return upa;
	if (pe->npatch == RETIRED_PATCH_MAX || len > sizeof(pe->patch[0].orig)) {
		pe_error(pe, "internal error: too many accesses to retired mirror pages (please report)");
		return ~0ull;
	}
	RetiredPatch *t = &pe->patch[pe->npatch++];
	*t = (RetiredPatch){ .upa = upa, .mpa = f ? ~0ull : x.pa, .len = (unsigned)len,
			     .store = a == ACCESS_WRITE };
	memcpy(t->orig, m->phys + upa, len);
	if (f) {
		record_fault(pe, f, level, va, a);
		if (!pe->patch_ctx && uc_context_alloc(pe->uc, &pe->patch_ctx) != UC_ERR_OK)
			pe->patch_ctx = NULL;
		pe->patch_restore = pe->patch_ctx && uc_context_save(pe->uc, pe->patch_ctx) == UC_ERR_OK;
		uc_emu_stop(pe->uc);
		return ~0ull;
	}
	if (!t->store)
		memcpy(m->phys + upa, m->phys + x.pa, len);
	return x.pa;
}

/*
 * After the Unicorn call: undo retired_access's swaps (last first, so that
 * a load and a store of one atomic unwind in order: a store's bytes go to
 * the model's PA) and its register save, then unmap the retired regions.
 */
static void mirror_after_run(Pe *pe)
{
	Machine *m = pe->m;

	while (pe->npatch) {
		RetiredPatch *t = &pe->patch[--pe->npatch];
		if (t->store && t->mpa != ~0ull)
			memcpy(m->phys + t->mpa, m->phys + t->upa, t->len);
		memcpy(m->phys + t->upa, t->orig, t->len);
	}
	if (pe->patch_restore)
		uc_context_restore(pe->uc, pe->patch_ctx);
	pe->patch_restore = false;
	if (pe->nretired)
		mirror_unmap_retired(pe);
}

/*
 * The PA of an access inside the mirror, backing its pages first; ~0
 * outside (or after a fault). Each page it touches (two when it straddles)
 * is backed (a TLB hit), walkable (a lazy fill) or, after a fill of this
 * instruction retired its region, translated by the model.
 */
static uint64_t hook_pa(Pe *pe, uint64_t va, int size, AccessType a)
{
	uint64_t last = va + (uint64_t)(size > 0 ? size - 1 : 0), first_pa = ~0ull;

	if (pe->m->test_error_page && pe->m->test_error_page == va >> PAGE_SHIFT) {
		pe_error(pe, "internal error: injected by BBMSIM_TEST_ERROR_VA (tests only)");
		return ~0ull;
	}
	if (pe->m->test_crash_page && pe->m->test_crash_page == va >> PAGE_SHIFT) {
		/* Injected by BBMSIM_TEST_CRASH_VA (tests only): die of SIGSEGV, also under ASan's handler. */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}

	for (uint64_t p = va;; p = (p | (PAGE_SIZE - 1)) + 1) {
		uint64_t plast = (p ^ last) >> PAGE_SHIFT ? p | (PAGE_SIZE - 1) : last, pa = ~0ull;
		bool retired;
		int i = mirror_find(pe, p);
		if (i >= 0) {
			if (p == va && pe->m->check_mirror)
				mirror_self_check(pe, &pe->mr[i], va);
			if (mirror_backed(&pe->mr[i], p))
				pe_tlb_touch(pe, p);
			else if (!mirror_fill_on_access(pe, p, a))
				return ~0ull;
			/* The fill may have retired the region: the engine still accesses its PA. */
			engine_pa(pe, p, &pa, &retired);
		} else if (pe->nretired && engine_pa(pe, p, &pa, &retired)) {
			pa = retired_access(pe, p, plast - p + 1, a, pa);
			if (pa == ~0ull)
				return ~0ull;
		} else if (p == va) {
			return ~0ull;     /* outside the mirror: hook_mem asks the model */
		}
		if (p == va)
			first_pa = pa;
		if (plast == last)
			return first_pa;
	}
}

/*
 * Inside a batch, hooks only serve accesses to backed pages (a TLB hit,
 * no change to the TLB or the mirror). Any other access needs the model (a
 * lazy fill, a walk, a fault): is this one of them?
 */
static bool batch_needs_model(Pe *pe, uint64_t va, int size)
{
	uint64_t last = va + (uint64_t)(size > 0 ? size - 1 : 0);
	int i = mirror_find(pe, va), j = (last ^ va) >> PAGE_SHIFT ? mirror_find(pe, last) : i;

	return pe->batch_abort || i < 0 || j < 0 || !mirror_backed(&pe->mr[i], va) ||
	       !mirror_backed(&pe->mr[j], last);
}

/*
 * End the batch before this instruction, which pe_step then runs with the
 * model. Unicorn performs the access after the hook and stops right after
 * it (uc_emu_stop), with the PC at the instruction: the registers (a load
 * may write its base) are saved now and restored, as are the bytes a
 * store overwrites, when the batch returns (pe_batch). No event, no fill.
 */
static void batch_abort(Pe *pe, uint64_t va, int size, AccessType a)
{
	uint64_t pa;
	bool retired;

	if (pe->batch_abort)
		return;
	pe->batch_abort = true;
	if (!pe->batch_ctx && uc_context_alloc(pe->uc, &pe->batch_ctx) != UC_ERR_OK)
		pe->batch_ctx = NULL;
	pe->batch_restore = pe->batch_ctx && uc_context_save(pe->uc, pe->batch_ctx) == UC_ERR_OK;
	pe->batch_nundo = 0;
	/* Each page of the store the engine maps (at most 64 bytes: two pages). */
	for (uint64_t p = va, end = va + (uint64_t)size; a == ACCESS_WRITE && p < end && pe->batch_nundo < 2;) {
		uint64_t next = (p | (PAGE_SIZE - 1)) + 1, n = (next < end ? next : end) - p;
		if (n <= sizeof(pe->batch_undo[0].bytes) && engine_pa(pe, p, &pa, &retired)) {
			BatchUndo *u = &pe->batch_undo[pe->batch_nundo++];
			u->pa = pa;
			u->len = (unsigned)n;
			memcpy(u->bytes, pe->m->phys + pa, n);
		}
		p = next;
	}
	uc_emu_stop(pe->uc);
}

static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
		     int64_t value, void *user)
{
	Pe *pe = user;
	Machine *m = pe->m;
	AccessType a = type == UC_MEM_READ ? ACCESS_READ : ACCESS_WRITE;
	(void)uc;

	if (pe->in_batch && batch_needs_model(pe, addr, size)) {
		batch_abort(pe, addr, size, a);
		return;
	}
	pe->in_mem_hook++;
	if (pe->in_batch)
		batch_sync(pe);
	uint64_t pa = hook_pa(pe, addr, size, a);
	pe->in_mem_hook--;

	if (pe->state == PE_ERROR || pe->step_fault)
		return;     /* (a fault: retired_access) */
	if (pa == ~0ull) {
		/*
		 * Unicorn calls this hook before the unmapped hook for an access
		 * outside the mirror, and not again after the retry: find the PA
		 * from the model. A faulting access performs no store.
		 */
		Xlat x;
		pe->in_mem_hook++;
		pe_translate(pe, addr, a, &x);
		pe->in_mem_hook--;
		if (x.fault || x.pa >= m->mem_size)
			return;
		pa = x.pa;
	}
	if (type == UC_MEM_READ) {
		if (pe->step_ldx) {
			if (pe->monitor == ~0ull)
				m->armed_monitors++;
			pe->monitor = pa & ~63ull;
		}
		EMIT(m, .type = EV_MEM, .pe = pe->id, .va = addr, .pa = pa, .size = size,
		     .access = ACCESS_READ, .level = pe->el);
		return;
	}
	EMIT(m, .type = EV_MEM, .pe = pe->id, .va = addr, .pa = pa, .size = size,
	     .val = (uint64_t)value, .access = ACCESS_WRITE, .level = pe->el);
	/* A store clears other PEs' exclusive monitors on the granule: an event (WFE wake-up). */
	if (m->armed_monitors) {
		for (unsigned i = 0; i < m->npes; i++) {
			Pe *q = &m->pe[i];
			if (q == pe || q->monitor != (pa & ~63ull))
				continue;
			q->monitor = ~0ull;
			m->armed_monitors--;
			q->event_reg = true;
			if (q->state == PE_SLEEPING) {
				pe_set_state(q, PE_RUNNING);
				EMIT(m, .type = EV_WAKE, .pe = q->id, .other_pe = pe->id);
			}
		}
	}
	if (is_table_page(m, pa) || is_table_page(m, pa + (uint64_t)size - 1)) {
		/*
		 * One record per descriptor word, whatever the store form: Unicorn
		 * may call this hook once per element or byte (ST1..ST4, unaligned
		 * stores), so a word already recorded in this step keeps the value
		 * it had before the step's first write to it.
		 */
		for (uint64_t w = pa & ~7ull; w < pa + (uint64_t)size; w += 8) {
			bool seen = false;
			for (unsigned i = 0; i < pe->nst && !seen; i++)
				seen = pe->st[i].pa == w;
			if (seen)
				continue;
			if (pe->nst == STEP_STORES_MAX) {
				/* The largest A64 store (DC ZVA, ST4 of Q registers) is 64 bytes: 9 words unaligned. */
				pe_error(pe, "internal error: one instruction stored to more descriptor words than the model records");
				return;
			}
			pe->st[pe->nst++] = (StepStore){ .pa = w, .old = machine_phys_read64(m, w) };
		}
	}
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	Pe *pe = user;

	pe->step_intr = true;
	pe->intr_no = intno;
	uc_emu_stop(uc);
}

/* --- lifecycle ---------------------------------------------------------------- */

Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen)
{
	Machine *m;

	if (cfg->npes < 1 || cfg->npes > MACHINE_MAX_PES) {
		snprintf(err, errlen, "number of PEs must be 1..%d, not %u", MACHINE_MAX_PES, cfg->npes);
		return NULL;
	}
	if (cfg->mem_size < (1ull << 20) || cfg->mem_size > (1ull << 40) ||
	    (cfg->mem_size & (PAGE_SIZE - 1))) {
		snprintf(err, errlen, "memory size must be a multiple of 4 KiB between 1 MiB and 1 TiB");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	m->cfg = *cfg;
	/* A test aid (docs/design.md, "The mirror"): abort when the mirror and the model disagree. */
	m->check_mirror = getenv("BBMSIM_CHECK_MIRROR") != NULL;
	/* Also a test aid: the mirror in its simplest mode (only pages the TLB holds; tests/knob_sweep.sh). */
	if (getenv("BBMSIM_MIRROR_SIMPLE"))
		m->cfg.mirror_backed_only = true;
	/* Tests of `bbmsim test` only (tests/cli_test.sh): a data access to this page fails as a bug would. */
	const char *tv;
	if ((tv = getenv("BBMSIM_TEST_ERROR_VA")))
		m->test_error_page = strtoull(tv, NULL, 0) >> PAGE_SHIFT;
	if ((tv = getenv("BBMSIM_TEST_CRASH_VA")))
		m->test_crash_page = strtoull(tv, NULL, 0) >> PAGE_SHIFT;
	if (!m->cfg.max_insns)
		m->cfg.max_insns = DEFAULT_MAX_INSNS;
	if (!m->cfg.quantum)
		m->cfg.quantum = 1;
	if (!m->cfg.mirror_regions)
		m->cfg.mirror_regions = 128;
	if (m->cfg.mirror_regions > 256)
		m->cfg.mirror_regions = 256;
	if (!m->cfg.mirror_window)
		m->cfg.mirror_window = MIRROR_WINDOW_MAX;
	if (m->cfg.mirror_window > MIRROR_WINDOW_MAX || m->cfg.mirror_window < PAGE_SIZE ||
	    (m->cfg.mirror_window & (m->cfg.mirror_window - 1))) {
		snprintf(err, errlen, "mirror window must be a power of two from 4 KiB to 256 MiB");
		free(m);
		return NULL;
	}
	if (cfg->nsteps) {
		m->steps = malloc(cfg->nsteps * sizeof(*m->steps));
		memcpy(m->steps, cfg->steps, cfg->nsteps * sizeof(*m->steps));
		m->cfg.steps = m->steps;
	}
	m->mem_size = cfg->mem_size;
	m->rng = cfg->seed ? cfg->seed : 1;
	/* Reserve the whole physical space; the host commits only touched pages. */
	m->phys = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->phys == MAP_FAILED) {
		snprintf(err, errlen, "cannot reserve %llu bytes of physical memory",
			 (unsigned long long)m->mem_size);
		free(m->steps);
		free(m);
		return NULL;
	}
	m->table_bitmap = calloc((m->mem_size >> PAGE_SHIFT) / 8 + 1, 1);
	m->ntreg_bucket = 4096;
	m->treg_bucket = malloc(m->ntreg_bucket * sizeof(*m->treg_bucket));
	for (size_t i = 0; i < m->ntreg_bucket; i++)
		m->treg_bucket[i] = -1;
	m->npes = cfg->npes;
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		pe->id = (int)i;
		pe->m = m;
		pe->monitor = ~0ull;
		pe->level = cfg->level;
		pe->midr = cfg->midr;
		pe->state = PE_HALTED;     /* until machine_pe_init; not counted */
		pe->fc_epoch = ~0ull;
		pe->mirror_win = PAGE_SIZE;
		pe->mr = calloc(m->cfg.mirror_regions, sizeof(*pe->mr));
		pe->retired = calloc(m->cfg.mirror_regions, sizeof(*pe->retired));
		TlbConfig tc = cfg->tlb;
		tc.seed = cfg->seed * 0x9e3779b97f4a7c15ull + i + 1;
		tlb_init(&pe->tlb, &tc);
		pe->tlb.on_change = pe_tlb_changed;
		pe->tlb.change_ctx = pe;
		if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &pe->uc) != UC_ERR_OK ||
		    uc_ctl_set_cpu_model(pe->uc, UC_CPU_ARM64_MAX) != UC_ERR_OK) {
			snprintf(err, errlen, "cannot create a Unicorn AArch64 engine for PE %u", i);
			machine_free(m);
			return NULL;
		}
		uc_hook_add(pe->uc, &pe->hooks[0], UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT,
			    (void *)hook_unmapped, pe, 1, 0);
		uc_hook_add(pe->uc, &pe->hooks[1], UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			    (void *)hook_mem, pe, 1, 0);
		uc_hook_add(pe->uc, &pe->hooks[2], UC_HOOK_INTR, (void *)hook_intr, pe, 1, 0);
	}
	return m;
}

void machine_free(Machine *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		if (pe->batch_ctx)
			uc_context_free(pe->batch_ctx);
		if (pe->patch_ctx)
			uc_context_free(pe->patch_ctx);
		if (pe->uc)
			uc_close(pe->uc);
		tlb_fini(&pe->tlb);
		for (unsigned j = 0; j < pe->nmr; j++)
			free(pe->mr[j].backed);
		free(pe->mr);
		free(pe->retired);
		free(pe->scan);
		free(pe->ps);
		free(pe->pt);
	}
	munmap(m->phys, m->mem_size);
	free(m->table_bitmap);
	free(m->treg);
	free(m->treg_bucket);
	free(m->faults);
	free(m->steps);
	free(m);
}

void machine_set_event_fn(Machine *m, EventFn fn, void *ctx)
{
	m->ev_fn = fn;
	m->ev_ctx = ctx;
}

void machine_set_stop_flag(Machine *m, const volatile sig_atomic_t *flag)
{
	m->stop = flag;
}

/*
 * PSTATE is written raw: Unicorn 2.0.1 never rebuilds QEMU's cached hflags
 * from outside, so the translator keeps believing it runs at EL1 (measured:
 * after a QEMU-executed ERET to EL0, no register write brings EL1 back).
 * The model therefore performs every exception entry and ERET itself, banks
 * SP_EL0/SP_EL1 itself, and enforces EL0 memory permissions in the mirror.
 * What it cannot enforce is UNDEFINED for EL1 system registers used at EL0
 * (docs/semantics.md, "Not modelled").
 */
static void pe_write_pstate(Pe *pe, uint64_t pstate)
{
	uint32_t v = (uint32_t)pstate;
	uc_reg_write(pe->uc, UC_ARM64_REG_PSTATE, &v);
}

static uint32_t pe_read_pstate(Pe *pe)
{
	uint32_t v;
	uc_reg_read(pe->uc, UC_ARM64_REG_PSTATE, &v);
	return v;
}

/* The banked SP register that a PSTATE value selects (EL1h: SP_EL1, otherwise SP_EL0). */
static int sp_bank(uint32_t pstate)
{
	return ((pstate >> 2) & 3) && (pstate & 1) ? UC_ARM64_REG_SP_EL1 : UC_ARM64_REG_SP_EL0;
}

/* Switch PSTATE, keeping the stack pointers banked as the architecture does. */
static void pe_switch_pstate(Pe *pe, uint32_t from, uint32_t to)
{
	uint64_t sp;
	uc_reg_read(pe->uc, UC_ARM64_REG_SP, &sp);
	uc_reg_write(pe->uc, sp_bank(from), &sp);
	pe_write_pstate(pe, to);
	uc_reg_read(pe->uc, sp_bank(to), &sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_SP, &sp);
}

bool machine_pe_init(Machine *m, unsigned i, const PeInit *init, char *err, size_t errlen)
{
	if (i >= m->npes) {
		snprintf(err, errlen, "PE %u does not exist (the machine has %u)", i, m->npes);
		return false;
	}
	if (init->el != 0 && init->el != 1) {
		snprintf(err, errlen, "PE %u: exception level must be 0 or 1", i);
		return false;
	}
	if (init->regs.sctlr & SCTLR_M) {
		if (TCR_TG0(init->regs.tcr) != 0 || (TCR_TG1(init->regs.tcr) != 2 &&
						      !(init->regs.tcr & TCR_EPD1))) {
			snprintf(err, errlen, "PE %u: only the 4 KiB granule is modelled (TCR_EL1.TG0 = 0, TG1 = 2)", i);
			return false;
		}
	}
	Pe *pe = &m->pe[i];
	pe_set_state(pe, PE_RUNNING);
	pe->el = init->el;
	pe->regs = init->regs;
	pe->vbar = init->vbar;
	if (init->has_level)
		pe->level = init->level;
	if (init->has_midr)
		pe->midr = init->midr;
	for (int r = 0; r < 29; r++)
		uc_reg_write(pe->uc, UC_ARM64_REG_X0 + r, &init->x[r]);
	uc_reg_write(pe->uc, UC_ARM64_REG_X29, &init->x[29]);
	uc_reg_write(pe->uc, UC_ARM64_REG_X30, &init->x[30]);
	/* EL1h, or EL0t; interrupts masked. */
	uint32_t pstate = init->el ? 0x3c5 : 0x3c0;
	pe_write_pstate(pe, pstate);
	if (init->el)
		uc_reg_write(pe->uc, UC_ARM64_REG_SP_EL0, &init->sp_el0);
	uc_reg_write(pe->uc, UC_ARM64_REG_TPIDR_EL1, &init->tpidr_el1);
	uc_reg_write(pe->uc, sp_bank(pstate), &init->sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_SP, &init->sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_PC, &init->pc);
	pe->pc_known = false;
	if (pe->ndefer) {
		pe->ndefer = 0;
		m->ndeferring--;
	}
	register_roots(m, &pe->regs);
	return true;
}

/* --- exceptions ------------------------------------------------------------------ */

static void add_fault_record(Machine *m, const FaultRecord *r)
{
	if (m->nfaults == m->cfaults) {
		m->cfaults = m->cfaults ? m->cfaults * 2 : 16;
		m->faults = realloc(m->faults, m->cfaults * sizeof(*m->faults));
	}
	m->faults[m->nfaults++] = *r;
}

static uint64_t pe_pc(Pe *pe)
{
	uint64_t pc;
	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	return pc;
}

static void pe_set_pc(Pe *pe, uint64_t pc)
{
	pe->pc_known = false;
	uc_reg_write(pe->uc, UC_ARM64_REG_PC, &pc);
}

static void pe_set_el(Pe *pe, int el)
{
	if (pe->el != el) {
		pe->el = el;
		/* Permissions differ between EL0 and EL1: rebuild the mirror lazily. */
		mirror_flush(pe);
	}
}

/*
 * Take a synchronous exception to EL1 (D1.10): ELR, SPSR, ESR, FAR, then
 * PSTATE = EL1h with DAIF masked and PC = VBAR_EL1 + offset. Without a
 * vector table the PE stops as "faulted" and the record says so.
 */
static void pe_take_exception(Pe *pe, uint64_t pc, uint64_t elr, uint64_t esr, uint64_t far,
			      const FaultRecord *rec)
{
	Machine *m = pe->m;
	FaultRecord r = *rec;

	r.tick = m->tick;
	r.pe = pe->id;
	r.pc = pc;
	r.esr = esr;
	r.delivered = pe->vbar != 0;
	add_fault_record(m, &r);
	if (r.kind != FAULT_NONE)
		EMIT(m, .type = EV_FAULT, .pe = pe->id, .pc = pc, .va = far, .fault = r.kind,
		     .level = r.level, .access = r.access, .val = esr);
	if (!pe->vbar) {
		pe_set_state(pe, PE_FAULTED);
		EMIT(m, .type = EV_HALT, .pe = pe->id, .pc = pc, .val = esr);
		return;
	}
	uint32_t pstate = pe_read_pstate(pe);
	uc_arm64_cp_reg spsr = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0, .val = pstate };
	uc_reg_write(pe->uc, UC_ARM64_REG_CP_REG, &spsr);
	uc_reg_write(pe->uc, UC_ARM64_REG_ELR_EL1, &elr);
	uc_reg_write(pe->uc, UC_ARM64_REG_ESR_EL1, &esr);
	uc_reg_write(pe->uc, UC_ARM64_REG_FAR_EL1, &far);
	uint64_t off = pe->el == 0 ? 0x400 : (pstate & 1) ? 0x200 : 0x000;
	pe_switch_pstate(pe, pstate, 0x3c5);
	pe_set_el(pe, 1);
	pe_set_pc(pe, pe->vbar + off);
	EMIT(m, .type = EV_EXC_ENTRY, .pe = pe->id, .pc = pc, .val = esr, .va = far);
}

static void pe_take_abort(Pe *pe, uint64_t pc)
{
	FaultRecord r = { .kind = pe->sf_kind, .level = pe->sf_level, .va = pe->sf_va,
			  .access = pe->sf_access, .what = "abort" };
	uint64_t esr = fault_esr(pe->sf_kind, pe->sf_level, pe->sf_access, pe->el == 0);
	pe_take_exception(pe, pc, pc, esr, pe->sf_va, &r);
}

static void pe_take_syscall(Pe *pe, uint64_t pc, unsigned ec, unsigned imm, const char *what, bool after)
{
	FaultRecord r = { .kind = FAULT_NONE, .what = what };
	uint64_t esr = ((uint64_t)ec << 26) | (1ull << 25) | imm;
	pe_take_exception(pe, pc, after ? pc + 4 : pc, esr, 0, &r);
}

static void pe_error(Pe *pe, const char *why)
{
	pe_set_state(pe, PE_ERROR);
	pe->error = why;
	EMIT(pe->m, .type = EV_HALT, .pe = pe->id);
}

/* --- system instructions ---------------------------------------------------------- */

static uint64_t pe_xreg(Pe *pe, unsigned rt)
{
	uint64_t v = 0;
	if (rt < 29)
		uc_reg_read(pe->uc, UC_ARM64_REG_X0 + (int)rt, &v);
	else if (rt == 29)
		uc_reg_read(pe->uc, UC_ARM64_REG_X29, &v);
	else if (rt == 30)
		uc_reg_read(pe->uc, UC_ARM64_REG_X30, &v);
	return v;    /* 31 = XZR */
}

static void pe_set_xreg(Pe *pe, unsigned rt, uint64_t v)
{
	if (rt < 29)
		uc_reg_write(pe->uc, UC_ARM64_REG_X0 + (int)rt, &v);
	else if (rt == 29)
		uc_reg_write(pe->uc, UC_ARM64_REG_X29, &v);
	else if (rt == 30)
		uc_reg_write(pe->uc, UC_ARM64_REG_X30, &v);
}

static void tlbi_complete_on(Machine *m, Pe *target, const PendingTlbi *p)
{
	TlbEntry removed[64];

	/* VMALL and ASID may remove millions of entries: look at the mirror once, afterwards. */
	target->bulk_inval = p->op.kind == TLBI_VMALL || p->op.kind == TLBI_ASID;
	size_t n = tlb_invalidate(&target->tlb, &p->op, m->cfg.ttl_strict, removed, 64);
	if (target->bulk_inval) {
		target->bulk_inval = false;
		mirror_revalidate(target);
	}

	if (m->ev_fn)
		for (size_t i = 0; i < n && i < 64; i++)
			EMIT(m, .type = EV_TLB_INVAL, .pe = target->id, .entry = &removed[i],
			     .va = removed[i].va, .other_pe = p->issuer, .tlbi = p->op);
	EMIT(m, .type = EV_TLBI_COMPLETE, .pe = target->id, .other_pe = p->issuer, .tlbi = p->op,
	     .va = p->op.va, .count = (int)n, .old = p->tick);
}

static void pe_exec_tlbi(Pe *pe, const TlbiOp *op, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	PendingTlbi p = { .op = *op, .issuer = pe->id, .tick = m->tick };
	int ntargets = 0;

	/* IS and OS reach every PE here: one Inner Shareable domain. */
	for (unsigned i = 0; i < m->npes; i++)
		ntargets += op->scope != TLBI_LOCAL || &m->pe[i] == pe;
	/* The issue comes first, also when the TLBI completes at once (tlbi_completion: at-issue). */
	EMIT(m, .type = EV_TLBI_ISSUE, .pe = pe->id, .pc = pc, .insn = insn, .tlbi = *op,
	     .va = op->va, .count = ntargets);
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *q = &m->pe[i];
		if (op->scope == TLBI_LOCAL && q != pe)
			continue;
		if (m->cfg.broken_tlbi_for_tests && q != pe)
			continue;
		if (m->cfg.tlbi_completion == TLBI_COMPLETE_AT_ISSUE) {
			tlbi_complete_on(m, q, &p);
			continue;
		}
		if (q->npt == q->cpt) {
			q->cpt = q->cpt ? q->cpt * 2 : 8;
			q->pt = realloc(q->pt, q->cpt * sizeof(*q->pt));
		}
		q->pt[q->npt++] = p;
	}
}

/*
 * DSB (D8.17.5): the rules module says which of this PE's table stores
 * become visible to which walkers (RSPVBD, by the barrier's domain) and
 * which of the TLBIs it issued complete (RYNJCP, RPSMWS).
 */
static void pe_exec_dsb(Pe *pe, unsigned crm, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	DsbOp d = rules_dsb_decode(crm);

	EMIT(m, .type = EV_DSB, .pe = pe->id, .pc = pc, .insn = insn, .val = crm);
	if (d.stores && pe->nps) {
		uint64_t all = m->npes == 64 ? ~0ull : (1ull << m->npes) - 1, seen = 0;
		for (unsigned i = 0; i < m->npes; i++)
			if (rules_dsb_publishes_to(&d, pe->id, (int)i))
				seen |= 1ull << i;
		size_t k = 0, n = pe->nps;
		for (size_t j = 0; j < n; j++) {
			PendingStore *s = &pe->ps[j];
			uint64_t before = s->seen;
			s->seen |= seen;
			/* What these walkers read changes now. */
			if (s->seen != before)
				mirror_desc_changed(m, s->pa);
			if (s->seen != all)
				pe->ps[k++] = *s;
		}
		pe->nps = k;
		m->pending_stores -= n - k;
	}
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *q = &m->pe[i];
		size_t k = 0;
		for (size_t j = 0; j < q->npt; j++) {
			PendingTlbi *p = &q->pt[j];
			if (p->issuer == pe->id && rules_dsb_completes(&d, &p->op))
				tlbi_complete_on(m, q, p);
			else
				q->pt[k++] = *p;
		}
		q->npt = k;
	}
}

static void pe_exec_at(Pe *pe, unsigned op2, uint64_t va)
{
	static const AccessType acc[4] = { ACCESS_READ, ACCESS_WRITE, ACCESS_READ, ACCESS_WRITE };
	Xlat x;
	uint64_t par;

	pe_translate(pe, va, acc[op2 & 3], &x);
	if (!x.fault && (pe->regs.sctlr & SCTLR_M))
		x.fault = walk_check_access(&x.entry, acc[op2 & 3], op2 >= 2 ? 0 : 1);
	WalkResult w = { .pa = x.pa, .leaf = x.entry, .level = x.fault ? x.level : x.entry.level };
	par = walk_par(&w, x.fault, &pe->regs);
	uc_arm64_cp_reg r = { .op0 = 3, .op1 = 0, .crn = 7, .crm = 4, .op2 = 0, .val = par };
	uc_reg_write(pe->uc, UC_ARM64_REG_CP_REG, &r);
}

/* Registers the model owns: MSR writes them, MRS reads them. */
static bool pe_sysreg(Pe *pe, unsigned key, uint64_t **slot, uint64_t *ro_val)
{
	*slot = NULL;
	switch (key) {
	case SYSREG_TTBR0_EL1: *slot = &pe->regs.ttbr0; return true;
	case SYSREG_TTBR1_EL1: *slot = &pe->regs.ttbr1; return true;
	case SYSREG_TCR_EL1:   *slot = &pe->regs.tcr; return true;
	case SYSREG_SCTLR_EL1: *slot = &pe->regs.sctlr; return true;
	case SYSREG_MAIR_EL1:  *slot = &pe->regs.mair; return true;
	case SYSREG_VBAR_EL1:  *slot = &pe->vbar; return true;
	case SYSREG_MIDR_EL1:  *ro_val = pe->midr; return true;
	case SYSREG_MPIDR_EL1: *ro_val = (1ull << 31) | (uint64_t)pe->id; return true;
	case SYSREG_ID_AA64MMFR2_EL1:
		/* Unicorn's MAX reads 0x11: keep its other fields, set BBM[55:52]. */
		*ro_val = 0x11 | ((uint64_t)bbm_level_id_field(pe->level) << 52);
		return true;
	}
	return false;
}

/*
 * Execute the instruction at @pc ourselves when the model owns it. Returns
 * true when it was handled (PC already moved), false to let Unicorn run it.
 */
static bool pe_exec_system(Pe *pe, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	SysInsn s;

	if (!sysinsn_decode(insn, &s))
		return false;
	switch (s.kind) {
	case SYS_DSB:
		pe_exec_dsb(pe, s.crm, pc, insn);
		break;
	case SYS_DMB:
	case SYS_NOP:
		break;
	case SYS_ISB:
		EMIT(m, .type = EV_ISB, .pe = pe->id, .pc = pc, .insn = insn);
		break;
	case SYS_SEV:
		for (unsigned i = 0; i < m->npes; i++) {
			Pe *q = &m->pe[i];
			q->event_reg = true;
			if (q->state == PE_SLEEPING) {
				pe_set_state(q, PE_RUNNING);
				EMIT(m, .type = EV_WAKE, .pe = q->id, .other_pe = pe->id);
			}
		}
		break;
	case SYS_SEVL:
		pe->event_reg = true;
		break;
	case SYS_WFE:
	case SYS_WFI:
		/* WFE: sleep unless the event register is set (D1.6.1). WFI waits for an event too. */
		if (pe->event_reg) {
			pe->event_reg = false;
		} else {
			pe_set_state(pe, PE_SLEEPING);
			EMIT(m, .type = EV_WFE_SLEEP, .pe = pe->id, .pc = pc, .insn = insn);
		}
		break;
	case SYS_HLT:
		if (s.imm == 0) {
			pe_set_state(pe, PE_HALTED);
			EMIT(m, .type = EV_HALT, .pe = pe->id, .pc = pc, .insn = insn);
			return true;
		}
		pe_take_syscall(pe, pc, 0x00, 0, "undefined", false);
		return true;
	case SYS_SVC:
		pe_take_syscall(pe, pc, 0x15, s.imm, "svc", true);
		return true;
	case SYS_ERET: {
		if (pe->el == 0) {
			pe_take_syscall(pe, pc, 0x00, 0, "undefined", false);
			return true;
		}
		uc_arm64_cp_reg spsr = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0 };
		uint64_t elr;
		uc_reg_read(pe->uc, UC_ARM64_REG_CP_REG, &spsr);
		uc_reg_read(pe->uc, UC_ARM64_REG_ELR_EL1, &elr);
		/* Only AArch64 EL0/EL1 targets exist here; anything else goes to EL1. */
		uint32_t to = (uint32_t)spsr.val;
		if (((to >> 2) & 3) > 1 || (to & 0x10))
			to = (to & ~0x1fu) | 0x5;
		pe_switch_pstate(pe, pe_read_pstate(pe), to);
		pe_set_el(pe, (to >> 2) & 3);
		pe_set_pc(pe, elr);
		EMIT(m, .type = EV_EXC_RETURN, .pe = pe->id, .pc = pc, .insn = insn, .va = elr);
		return true;
	}
	case SYS_HVC:
	case SYS_SMC:
		/* No EL2 or EL3 in this machine: UNDEFINED (EC 0). */
		pe_take_syscall(pe, pc, 0x00, 0, s.kind == SYS_HVC ? "hvc" : "smc", false);
		return true;
	case SYS_BRK:
		pe_take_syscall(pe, pc, 0x3c, s.imm, "brk", false);
		return true;
	case SYS_TLBI: {
		TlbiOp op;
		if (!tlbi_decode(s.op1, s.crn, s.crm, s.op2, pe_xreg(pe, s.rt), &op))
			return false;
		pe_exec_tlbi(pe, &op, pc, insn);
		break;
	}
	case SYS_AT:
		pe_exec_at(pe, s.op2, pe_xreg(pe, s.rt));
		break;
	case SYS_DC_IC:
		/* Caches are not modelled: cache maintenance does nothing. */
		break;
	case SYS_MSR:
	case SYS_MRS: {
		uint64_t *slot, ro = 0;
		if (!pe_sysreg(pe, s.sysreg, &slot, &ro))
			return false;
		if (s.kind == SYS_MRS) {
			pe_set_xreg(pe, s.rt, slot ? *slot : ro);
			break;
		}
		if (!slot)
			return false;     /* a write to a read-only register: UNDEFINED */
		uint64_t v = pe_xreg(pe, s.rt);
		EMIT(m, .type = EV_SYSREG, .pe = pe->id, .pc = pc, .insn = insn, .val = v,
		     .count = (int)s.sysreg);
		if (slot == &pe->regs.sctlr || slot == &pe->regs.ttbr0 || slot == &pe->regs.ttbr1 ||
		    slot == &pe->regs.tcr) {
			*slot = v;
			/* The ASID, the tables or the regime changed: the mirror no longer holds. */
			mirror_flush(pe);
			register_roots(m, &pe->regs);
		} else {
			*slot = v;
		}
		break;
	}
	}
	pe_set_pc(pe, pc + 4);
	return true;
}

/* --- table stores ------------------------------------------------------------------ */

static void spec_fill_va(Machine *m, Pe *q, uint64_t va)
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
static void spec_fill_after_store(Machine *m, uint64_t pa, uint64_t val)
{
	uint64_t page = pa & ~(PAGE_SIZE - 1);
	size_t b = treg_hash(m, page);

	for (int32_t i = m->treg_bucket[b]; i >= 0; i = m->treg[i].next) {
		TableReg r = m->treg[i];
		if (r.page != page)
			continue;
		uint64_t size = desc_level_size(r.level);
		uint64_t va = r.va_base + ((pa - page) >> 3) * size;
		for (unsigned k = 0; k < m->npes; k++) {
			Pe *q = &m->pe[k];
			if (q->state == PE_HALTED || q->state == PE_FAULTED || !(q->regs.sctlr & SCTLR_M))
				continue;
			int t = walk_select_ttbr(&q->regs, va);
			if (t < 0 || ttbr_root(&q->regs, t) != r.root)
				continue;
			if (desc_kind(val, r.level) == DESC_KIND_TABLE && r.level < 3) {
				uint64_t sub = desc_level_size(r.level + 1);
				for (unsigned j = 0; j < 512; j++)
					spec_fill_va(m, q, va + j * sub);
			} else {
				spec_fill_va(m, q, va);
			}
		}
	}
}

static void pe_commit_table_stores(Pe *pe, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;

	for (unsigned i = 0; i < pe->nst; i++) {
		StepStore *s = &pe->st[i];
		uint64_t val = machine_phys_read64(m, s->pa);
		if (val == s->old)
			continue;
		/*
		 * One event per place the descriptor translates (a table shared by
		 * two trees or reached through both TTBRs has several VAs), or one
		 * with level -1 when the page is not known as a table.
		 */
		uint64_t page = s->pa & ~(PAGE_SIZE - 1);
		int32_t reg[8];
		unsigned nreg = 0;
		for (int32_t r = m->treg_bucket[treg_hash(m, page)]; r >= 0 && nreg < 8; r = m->treg[r].next) {
			bool dup = m->treg[r].page != page;
			for (unsigned k = 0; k < nreg && !dup; k++)
				dup = m->treg[reg[k]].level == m->treg[r].level &&
				      m->treg[reg[k]].va_base == m->treg[r].va_base;
			if (!dup)
				reg[nreg++] = r;
		}
		if (!nreg)
			EMIT(m, .type = EV_DESC_WRITE, .pe = pe->id, .pc = pc, .insn = insn, .pa = s->pa,
			     .old = s->old, .val = val, .level = -1);
		for (unsigned k = 0; k < nreg; k++) {
			const TableReg *r = &m->treg[reg[k]];
			uint64_t va = r->va_base + ((s->pa - page) >> 3) * desc_level_size(r->level);
			EMIT(m, .type = EV_DESC_WRITE, .pe = pe->id, .pc = pc, .insn = insn, .pa = s->pa,
			     .old = s->old, .val = val, .level = r->level, .va = va);
			if (r->level < 3 && desc_kind(val, r->level) == DESC_KIND_TABLE)
				table_register_tree(m, val & DESC_OA_MASK, r->level + 1, va, r->root);
		}
		if (m->cfg.walk_vis != WALK_VIS_AT_DSB)
			mirror_desc_changed(m, s->pa);
		if (m->cfg.walk_vis == WALK_VIS_AT_DSB) {
			if (pe->nps == pe->cps) {
				pe->cps = pe->cps ? pe->cps * 2 : 16;
				pe->ps = realloc(pe->ps, pe->cps * sizeof(*pe->ps));
			}
			pe->ps[pe->nps++] = (PendingStore){ .pa = s->pa, .old = s->old, .val = val,
							    .tick = m->tick };
			m->pending_stores++;
		}
		if (m->cfg.spec_fill == SPEC_FILL_ADVERSARIAL && nreg)
			spec_fill_after_store(m, s->pa, val);
	}
	pe->nst = 0;
}

/* --- the step ---------------------------------------------------------------------- */

/* Translate and read the instruction at @pc; false when the fetch faulted. */
static bool pe_fetch(Pe *pe, uint64_t pc, uint32_t *insn)
{
	Machine *m = pe->m;
	uint64_t page = pc & ~(PAGE_SIZE - 1);

	if (pe->fc_va == page && pe->fc_epoch == pe->mirror_epoch && pe->fc_host) {
		pe_tlb_touch(pe, pc);
	} else {
		uint64_t pa;
		if (!pe_access(pe, pc, ACCESS_FETCH, &pa))
			return false;
		pe->fc_va = page;
		pe->fc_host = m->phys + (pa & ~(PAGE_SIZE - 1));
		/*
		 * An uncached (nT) translation must not be reused, nor one whose
		 * entry is already gone (its own fill's prefetch or a capacity
		 * eviction removed it during the access): the next fetch must
		 * miss and fill again, as fill-on-miss does.
		 */
		int r = mirror_find(pe, pc);
		bool backed = r >= 0 && mirror_backed(&pe->mr[r], pc);
		pe->fc_epoch = pe->ntemp || !backed ? ~0ull : pe->mirror_epoch;
	}
	if (m->check_mirror) {
		int i = mirror_find(pe, pc);
		if (i < 0 || m->phys + pe->mr[i].pa + (page - pe->mr[i].va) != pe->fc_host) {
			fprintf(stderr, "bbmsim: BBMSIM_CHECK_MIRROR: PE%d fetch at 0x%llx: the fetch cache "
				"disagrees with the mirror\n", pe->id, (unsigned long long)pc);
			abort();
		}
		mirror_self_check(pe, &pe->mr[i], pc);
	}
	memcpy(insn, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	return true;
}

/* Unicorn raised an exception itself at @pc: undefined instruction, alignment, ... */
static void pe_take_unicorn_exception(Pe *pe, uint64_t pc)
{
	const char *what = pe->intr_no == 1 ? "undefined" : pe->intr_no == 4 ? "data-abort" : "exception";
	FaultRecord r = { .kind = FAULT_NONE, .what = what };
	uint64_t esr = pe->intr_no == 1 ? (1ull << 25) : ((0x25ull << 26) | (1ull << 25) | 0x21);
	pe_take_exception(pe, pc, pc, esr, 0, &r);
}

/* --- deferral: quantum 1 without a Unicorn call per instruction ----------------- */

/*
 * A register-only instruction (sysinsn_register_only: integer arithmetic,
 * moves, B, BL) reads and writes only its own PE's registers and cannot
 * raise, so when Unicorn runs it does not matter, provided it runs before
 * the PE's next instruction that does anything else and runs the word its
 * fetch read. At its turn pe_defer does all that stepping does except the
 * Unicorn call: the fetch (a fetch cache hit, with its TLB use), EV_INSN,
 * the tick and the count; the instruction joins the PE's deferred run. The
 * run then executes in one Unicorn call together with the PE's next load or
 * store (pe_step: the deferred instructions first, then the access, whose
 * hooks run at its own tick), or alone (defer_flush) before anything that
 * could change what the engine fetches for it or that reads the registers:
 * the PE's own fetch that is not a fetch cache hit, a system instruction of
 * any PE (TLBI, DSB, MSR: mirror changes), a table store's commit (mirror
 * changes, speculative fills), a batch (quantum > 1), the end of
 * machine_run and the API. No event comes from the call: a register-only
 * instruction has no hook. So events, ticks, registers and outcomes are
 * those of stepping (tests/test_batch.c compares every scenario).
 */
static bool defer_intact(const Pe *pe)
{
	/* (fc_va does not change while instructions are deferred: only a fetch that misses the cache sets it.) */
	return pe->fc_host && pe->fc_epoch == pe->mirror_epoch;
}

/*
 * The deferred instructions' words, as their fetches read them, in the page
 * the fetch cache holds: a word stored over since (code written by another
 * PE) is swapped back for the call (defer_unpatch puts the new one back).
 * Returns the mask of swapped words; @now gets the words in memory.
 */
static uint32_t defer_patch(Pe *pe, uint32_t *now)
{
	uint32_t mask = 0;

	for (unsigned k = 0; k < pe->ndefer; k++) {
		uint8_t *p = pe->fc_host + pe->defer_at[k];
		memcpy(&now[k], p, 4);
		if (now[k] != pe->defer_word[k]) {
			memcpy(p, &pe->defer_word[k], 4);
			mask |= 1u << k;
		}
	}
	return mask;
}

static void defer_unpatch(Pe *pe, const uint32_t *now, uint32_t mask)
{
	for (unsigned k = pe->ndefer; mask && k-- > 0;) {
		uint8_t *p = pe->fc_host + pe->defer_at[k];
		uint32_t w;
		memcpy(&w, p, 4);
		if (mask >> k & 1 && w == pe->defer_word[k])
			memcpy(p, &now[k], 4);
	}
}

static void defer_done(Pe *pe)
{
	pe->ndefer = 0;
	pe->m->ndeferring--;
}

/* Run @pe's deferred instructions now, in one Unicorn call. */
static void defer_flush(Pe *pe)
{
	uint32_t now[DEFER_MAX], mask;
	uint64_t pc = 0;

	if (!pe->ndefer)
		return;
	if (!defer_intact(pe)) {
		defer_done(pe);
		pe_error(pe, "internal error: the code page of deferred instructions changed (please report)");
		return;
	}
	mask = defer_patch(pe, now);
	pe->step_intr = false;
	uc_err e = uc_emu_start(pe->uc, pe->defer_pc, 0, 0, pe->ndefer);
	defer_unpatch(pe, now, mask);
	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	bool ok = !pe->step_intr && pc == pe->defer_next &&
		  (e == UC_ERR_OK || e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT);
	pe->step_intr = false;
	pe->pc_known = ok;
	pe->pc_next = pc;
	defer_done(pe);
	if (!ok)
		pe_error(pe, "internal error: deferred instructions did not run as fetched (please report)");
}

static void defer_flush_all(Machine *m)
{
	for (unsigned i = 0; m->ndeferring && i < m->npes; i++)
		defer_flush(&m->pe[i]);
}

/* The instruction at @pc is fetched from the fetch cache without the model (pe_fetch's fast path). */
static bool fetch_is_cached(const Pe *pe, uint64_t pc)
{
	return !(pc & 3) && pe->fc_va == (pc & ~(PAGE_SIZE - 1)) && pe->fc_epoch == pe->mirror_epoch &&
	       pe->fc_host && !pe->ntemp;
}

/*
 * May the step at @pc run @pe's deferred instructions in its own Unicorn
 * call? When its fetch is a cache hit (no mirror change before the call)
 * and it is a load or store (op0 = x1x0: no system instruction).
 */
static bool defer_joins(const Pe *pe, uint64_t pc)
{
	uint32_t w;

	if (!fetch_is_cached(pe, pc))
		return false;
	memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	return (w & 0x0a000000u) == 0x08000000u;
}

/*
 * The turn of @pe, at quantum 1 (one instruction): defer it when it is
 * register-only and its fetch a cache hit. Returns false when it must be
 * stepped (nothing done).
 */
static bool pe_defer(Pe *pe, bool fetch_model)
{
	Machine *m = pe->m;
	uint64_t pc = pe->ndefer ? pe->defer_next : pe->pc_known ? pe->pc_next : pe_pc(pe), next;
	uint32_t w, insn;
	(void)insn;

	if (!fetch_is_cached(pe, pc))     /* (the caller checked cfg.no_batch) */
		return false;
	memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	if (!sysinsn_register_only(w, pc, &next))
		return false;
	/*
	 * A run's PCs ascend (a backward B starts a new run), so that no word
	 * is in it twice (defer_patch: it may have been written in between).
	 */
	if (pe->ndefer && (pe->ndefer == DEFER_MAX || (pc & (PAGE_SIZE - 1)) <= pe->defer_at[pe->ndefer - 1])) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return true;
	}
	/* The fetch: a cache hit, so only the TLB use (pe_fetch's fast path), if any. */
	if (fetch_model)
		pe_fetch(pe, pc, &insn);
	if (m->ev_fn)
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = pc, .insn = w);
	if (!pe->ndefer) {
		pe->defer_pc = pc;
		m->ndeferring++;
	}
	pe->defer_at[pe->ndefer] = (uint16_t)(pc & (PAGE_SIZE - 1));
	pe->defer_word[pe->ndefer++] = w;
	pe->defer_next = next;
	pe->insns++;
	m->deferred++;
	m->tick++;
	return true;
}

static void pe_step(Pe *pe)
{
	Machine *m = pe->m;
	uint64_t pc = pe->ndefer ? pe->defer_next : pe->pc_known ? pe->pc_next : pe_pc(pe);
	uint32_t insn = 0;

	if (pe->ndefer && !defer_joins(pe, pc)) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return;
	}
	pe->pc_known = false;     /* (set again below when this step leaves it known) */

	pe->step_fault = false;
	pe->step_intr = false;
	pe->nst = 0;
	if (pc & 3) {
		/* PC alignment fault (EC 0x22). */
		FaultRecord r = { .kind = FAULT_NONE, .va = pc, .what = "pc-alignment" };
		pe_take_exception(pe, pc, pc, (0x22ull << 26) | (1ull << 25), pc, &r);
		goto done;
	}
	if (!pe_fetch(pe, pc, &insn)) {
		pe_take_abort(pe, pc);
		goto done;
	}
	if (m->ev_fn)
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = pc, .insn = insn);
	/* Loads and stores (op0 = x1x0) are never the model's: no decode for them. */
	bool ldst = (insn & 0x0a000000u) == 0x08000000u;
	if (!ldst && m->ndeferring) {
		SysInsn s;
		if (sysinsn_decode(insn, &s))
			defer_flush_all(m);     /* the model's system instructions change mirrors */
	}
	if (!ldst && pe_exec_system(pe, pc, insn))
		goto done;
	pe->step_ldx = sysinsn_is_load_exclusive(insn);
	/* With the deferred instructions first, when there are any (defer_joins). */
	uint32_t now[DEFER_MAX], mask = pe->ndefer ? defer_patch(pe, now) : 0;
	uc_err e = uc_emu_start(pe->uc, pe->ndefer ? pe->defer_pc : pc, 0, 0, pe->ndefer + 1);
	if (pe->ndefer) {
		if (mask)
			defer_unpatch(pe, now, mask);
		defer_done(pe);
	}
	mirror_after_run(pe);
	if (pe->nst) {
		defer_flush_all(m);
		pe_commit_table_stores(pe, pc, insn);
	}
	if (pe->step_fault) {
		pe_take_abort(pe, pc);
	} else if (pe->step_intr) {
		pe_take_unicorn_exception(pe, pc);
	} else if (e != UC_ERR_OK && !((e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT) &&
					pe_pc(pe) != pc)) {
		/* A refused look-ahead fetch after the instruction completed is not an error. */
		pe_error(pe, uc_strerror(e));
	} else if (e == UC_ERR_OK && pe->state == PE_RUNNING && ldst) {
		/* A load or store that completed: the next PC, without asking Unicorn at the next turn. */
		pe->pc_known = true;
		pe->pc_next = pc + 4;
	}
done:
	/* Also after a fetch fault or a system instruction (a fetch may have mirrored its page for this step). */
	if (pe->ntemp)
		mirror_drop_temp(pe);
	pe->insns++;
	m->tick++;
}

/*
 * Quantum > 1: run the straight line at the PC (register-only instructions
 * and plain loads, ending at the first branch or plain store;
 * sysinsn_batch_class) in one Unicorn call, at most @budget instructions,
 * all in the page the fetch cache holds. Other stores, system instructions
 * and anything else the model executes or must see one at a time are
 * stepped by pe_step. Events and
 * ticks are those of single steps (batch_sync); a fault or an exception
 * Unicorn raises inside the run leaves the PC at its instruction, which is
 * handled as pe_step would. Returns the instructions consumed, 0 when no
 * batch of two or more was possible (nothing was done).
 */
static uint64_t pe_batch(Pe *pe, uint64_t budget)
{
	Machine *m = pe->m;
	uint64_t pc, page;
	unsigned n = 0;

	if (pe->ndefer) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return 1;
	}
	pe->pc_known = false;
	pc = pe_pc(pe);
	page = pc & ~(PAGE_SIZE - 1);

	if (m->cfg.no_batch || (pc & 3) || pe->fc_va != page || pe->fc_epoch != pe->mirror_epoch ||
	    !pe->fc_host || (pe->level == BBM_L1 && m->cfg.knobs.nt != BBM_NT_FAULT))
		return 0;     /* an nT translation lasts one step: keep them apart */
	uint64_t room = (PAGE_SIZE - (pc & (PAGE_SIZE - 1))) >> 2;
	if (budget > room)
		budget = room;
	if (budget > 256)
		budget = 256;
	uint32_t word[256];
	while (n < budget) {
		uint32_t w;
		memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)) + 4ull * n, 4);
		word[n] = w;
		InsnBatch c = sysinsn_batch_class(w);
		if (c == INSN_BATCH_STOP)
			break;
		n++;
		if (c == INSN_BATCH_BRANCH || c == INSN_BATCH_STORE)
			break;
	}
	if (n < 2)
		return 0;
	pe->step_fault = false;
	pe->step_intr = false;
	pe->step_ldx = false;
	pe->nst = 0;
	pe->in_batch = true;
	pe->batch_pc = pc;
	pe->batch_t0 = m->tick;
	pe->batch_n = n;
	pe->batch_emitted = 0;
	pe->batch_abort = pe->batch_restore = false;
	pe->batch_nundo = 0;
	uc_err e = uc_emu_start(pe->uc, pc, 0, 0, n);
	mirror_after_run(pe);     /* (nothing to do: a batch's hooks change no mirror) */
	if (pe->batch_abort) {
		/* batch_abort: undo the aborted instruction's access; it is stepped next. */
		if (pe->batch_restore)
			uc_context_restore(pe->uc, pe->batch_ctx);
		for (unsigned k = 0; k < pe->batch_nundo; k++)
			memcpy(m->phys + pe->batch_undo[k].pa, pe->batch_undo[k].bytes, pe->batch_undo[k].len);
		pe->batch_nundo = 0;
	}
	uint64_t used = n, fpc = pe_pc(pe);
	bool stopped = pe->step_fault || pe->step_intr;
	if (stopped) {
		/* The faulting instruction is consumed, as by pe_step. */
		used = (fpc - pc) / 4 + 1;
	} else if (pe->batch_abort && pe->state == PE_RUNNING) {
		/* Stopped before an access that needs the model: the rest is stepped (and fetched) again. */
		used = fpc >= pc && fpc < pc + 4ull * n ? (fpc - pc) / 4 : n;
		if (fpc < pc || fpc >= pc + 4ull * n)
			pe_error(pe, "internal error: a batch stopped outside its instructions (please report)");
	} else if (e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT) {
		/* A hook unmapped the code page: the rest is stepped (and fetched) again. */
		if (fpc >= pc && fpc < pc + 4ull * n)
			used = (fpc - pc) / 4;
	} else if (e != UC_ERR_OK && pe->state == PE_RUNNING) {
		pe_error(pe, uc_strerror(e));
	}
	if (stopped && (fpc < pc || used > n)) {
		pe_error(pe, "internal error: a batch stopped outside its instructions (please report)");
		stopped = false;
		pe->step_fault = pe->step_intr = false;
		used = n;
	}
	/* The EV_INSN of the instructions no hook saw (the last one is the faulting one, if any). */
	batch_emit(pe, used);
	pe->in_batch = false;
	if (!used) {
		m->tick = pe->batch_t0;
		return 0;
	}
	uint64_t last = pc + 4 * (used - 1);
	m->tick = pe->batch_t0 + used - 1;
	if (pe->nst) {
		/* Only the last instruction can store: commit as pe_step would. */
		defer_flush_all(m);
		pe_commit_table_stores(pe, last, word[used - 1]);
	}
	if (pe->step_fault) {
		pe_take_abort(pe, last);
	} else if (pe->step_intr) {
		pe_take_unicorn_exception(pe, last);
	}
	if (pe->ntemp)
		mirror_drop_temp(pe);
	pe->insns += used;
	m->batched += used;
	m->tick = pe->batch_t0 + used;
	return used;
}

static bool pe_runnable(const Pe *pe)
{
	return pe->state == PE_RUNNING;
}

static uint64_t machine_rand(Machine *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

/* Round-robin from *@cur (kept below npes: no division per turn); the caller made sure one PE runs. */
static Pe *next_runnable(Machine *m, unsigned *cur)
{
	unsigned i = *cur;

	while (!pe_runnable(&m->pe[i]))
		i = i + 1 == m->npes ? 0 : i + 1;
	*cur = i + 1 == m->npes ? 0 : i + 1;
	return &m->pe[i];
}

static RunEnd machine_run_turns(Machine *m)
{
	unsigned cur = 0;
	size_t list_pos = 0;
	/* The run's constants in registers: each Unicorn call evicts the machine's cache lines. */
	const uint64_t max_insns = m->cfg.max_insns, quantum = m->cfg.quantum;
	const SchedPolicy sched = m->cfg.sched;
	const bool defer = !m->cfg.no_batch;
	/* Does a fetch cache hit do anything (pe_tlb_touch, BBMSIM_CHECK_MIRROR)? */
	const bool fetch_model = (m->cfg.tlb.capacity && m->cfg.tlb.replace == TLB_REPLACE_LRU) || m->check_mirror;

	for (;;) {
		if (!m->nalive)
			return RUN_ALL_HALTED;
		if (!m->nrunning)
			return RUN_DEADLOCK;
		if (m->tick >= max_insns)
			return RUN_LIMIT;
		if (m->stop && *m->stop)
			return RUN_INTERRUPTED;

		uint64_t count = quantum;
		Pe *pe;
		switch (sched) {
		case SCHED_LIST: {
			const SchedStep *s = &m->cfg.steps[list_pos];
			list_pos = (list_pos + 1) % m->cfg.nsteps;
			if ((unsigned)s->pe >= m->npes || !pe_runnable(&m->pe[s->pe])) {
				/* A step for a PE that cannot run: give the turn to the next runnable one. */
				pe = next_runnable(m, &cur);
				count = 1;
			} else {
				pe = &m->pe[s->pe];
				count = s->count ? s->count : 1;
			}
			break;
		}
		case SCHED_RANDOM: {
			unsigned k = (unsigned)(machine_rand(m) % m->npes);
			while (!pe_runnable(&m->pe[k]))
				k = (k + 1) % m->npes;
			pe = &m->pe[k];
			break;
		}
		default:
			pe = next_runnable(m, &cur);
			/* The next turn's fields, while this one runs (a Unicorn call evicts them). */
			__builtin_prefetch(&m->pe[cur].state);
			__builtin_prefetch(&m->pe[cur].defer_at[0]);
			break;
		}
		while (count && pe_runnable(pe) && m->tick < max_insns) {
			uint64_t budget = max_insns - m->tick < count ? max_insns - m->tick : count;
			uint64_t done = budget > 1 ? pe_batch(pe, budget) : 0;
			if (!done) {
				if (!defer || !pe_defer(pe, fetch_model))
					pe_step(pe);
				done = 1;
			}
			count -= done < count ? done : count;
		}
	}
}

RunEnd machine_run(Machine *m)
{
	RunEnd end = machine_run_turns(m);

	/* Every PE's registers as stepping would leave them (pe_defer). */
	defer_flush_all(m);
	return end;
}

bool machine_step(Machine *m, unsigned i)
{
	if (i >= m->npes || !pe_runnable(&m->pe[i]) || m->tick >= m->cfg.max_insns)
		return false;
	pe_step(&m->pe[i]);
	return true;
}

bool machine_reset(Machine *m, const MachineConfig *cfg)
{
	if (cfg) {
		if (cfg->npes != m->npes || cfg->mem_size != m->mem_size ||
		    memcmp(&cfg->tlb, &m->cfg.tlb, sizeof(cfg->tlb)) || cfg->nsteps)
			return false;
		unsigned regions = m->cfg.mirror_regions;
		uint64_t window = m->cfg.mirror_window;
		m->cfg = *cfg;
		m->cfg.mirror_regions = regions;
		m->cfg.mirror_window = window;
		m->cfg.steps = NULL;
		if (!m->cfg.max_insns)
			m->cfg.max_insns = DEFAULT_MAX_INSNS;
		if (!m->cfg.quantum)
			m->cfg.quantum = 1;
	}
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		uint64_t zero = 0;
		mirror_flush(pe);
		/*
		 * Unicorn's translated code is kept (a flush costs ~30 ms): callers must
		 * not place different code at the same VA across resets (machine.h).
		 */
		TlbConfig tc = m->cfg.tlb;
		tc.seed = m->cfg.seed * 0x9e3779b97f4a7c15ull + i + 1;
		tlb_fini(&pe->tlb);
		tlb_init(&pe->tlb, &tc);
		pe->tlb.on_change = pe_tlb_changed;
		pe->tlb.change_ctx = pe;
		pe->state = PE_HALTED;
		pe->counted = false;
		pe->error = NULL;
		pe->insns = 0;
		pe->el = 0;
		memset(&pe->regs, 0, sizeof(pe->regs));
		pe->vbar = 0;
		pe->level = m->cfg.level;
		pe->midr = m->cfg.midr;
		pe->mr_peak = 0;
		pe->mirror_win = PAGE_SIZE;
		pe->mirror_last_lo = pe->mirror_last_hi = 0;
		pe->ntemp = 0;
		pe->fc_va = 0;
		pe->fc_epoch = ~0ull;
		pe->fc_host = NULL;
		pe->nst = 0;
		pe->ndefer = 0;
		pe->pc_known = false;
		pe->monitor = ~0ull;
		pe->event_reg = false;
		pe->nps = 0;
		pe->npt = 0;
		uc_reg_write(pe->uc, UC_ARM64_REG_ELR_EL1, &zero);
		uc_reg_write(pe->uc, UC_ARM64_REG_ESR_EL1, &zero);
		uc_reg_write(pe->uc, UC_ARM64_REG_FAR_EL1, &zero);
	}
	memset(m->table_bitmap, 0, (m->mem_size >> PAGE_SHIFT) / 8 + 1);
	m->ntreg = 0;
	for (size_t i = 0; i < m->ntreg_bucket; i++)
		m->treg_bucket[i] = -1;
	m->tick = 0;
	m->batched = 0;
	m->deferred = 0;
	m->ndeferring = 0;
	m->lazy_fills = 0;
	m->rng = m->cfg.seed ? m->cfg.seed : 1;
	m->nrunning = m->nalive = 0;
	m->pending_stores = 0;
	m->armed_monitors = 0;
	m->nfaults = 0;
	return true;
}

void machine_phys_clear(Machine *m)
{
	/* Private anonymous memory: the next touch of a page reads zeros. */
	if (madvise(m->phys, m->mem_size, MADV_DONTNEED) != 0)
		memset(m->phys, 0, m->mem_size);
}

/* --- accessors ----------------------------------------------------------------------- */

uint64_t machine_tick(const Machine *m) { return m->tick; }
uint64_t machine_batched_insns(const Machine *m) { return m->batched; }
uint64_t machine_deferred_insns(const Machine *m) { return m->deferred; }
unsigned machine_quantum(const Machine *m) { return m->cfg.quantum; }
uint64_t machine_mirror_lazy_fills(const Machine *m) { return m->lazy_fills; }
unsigned machine_npes(const Machine *m) { return m->npes; }
PeState machine_pe_state(const Machine *m, unsigned i) { return m->pe[i].state; }
uint64_t machine_pe_insns(const Machine *m, unsigned i) { return m->pe[i].insns; }
uint64_t machine_pe_pc(Machine *m, unsigned i)
{
	return m->pe[i].ndefer ? m->pe[i].defer_next : pe_pc(&m->pe[i]);
}

BbmLevel machine_pe_level(const Machine *m, unsigned i) { return m->pe[i].level; }
Tlb *machine_pe_tlb(Machine *m, unsigned i) { return &m->pe[i].tlb; }
const char *machine_pe_error(const Machine *m, unsigned i) { return m->pe[i].error; }
size_t machine_pe_pending_tlbis(const Machine *m, unsigned i) { return m->pe[i].npt; }

uint64_t machine_pe_x(Machine *m, unsigned i, unsigned reg)
{
	uint64_t v = 0;
	defer_flush(&m->pe[i]);
	if (reg == 31)
		uc_reg_read(m->pe[i].uc, UC_ARM64_REG_SP, &v);
	else
		v = pe_xreg(&m->pe[i], reg);
	return v;
}

unsigned machine_pe_mirror_regions(const Machine *m, unsigned i, unsigned *peak)
{
	if (peak)
		*peak = m->pe[i].mr_peak;
	return m->pe[i].nmr;
}

uint64_t machine_pe_mirror_maps(const Machine *m, unsigned i)
{
	return m->pe[i].mr_stamp;
}

bool machine_pe_translate(Machine *m, unsigned i, uint64_t va, uint64_t *pa)
{
	if (i >= m->npes)
		return false;
	Pe *pe = &m->pe[i];
	TlbEntry *hits[1];
	defer_flush_all(m);     /* its walk may fill the walk cache and evict under a capacity */
	if ((pe->regs.sctlr & SCTLR_M) && tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 1, 0)) {
		*pa = hits[0]->pa + (va - hits[0]->va);
		return true;
	}
	WalkResult w;
	walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true },
		       m->cfg.tlb.walk_cache ? &pe->tlb : NULL, &w);
	*pa = w.pa;
	return !w.fault;
}

int machine_pe_mirror_state(Machine *m, unsigned i, uint64_t va)
{
	if (i >= m->npes)
		return -1;
	int k = mirror_find(&m->pe[i], va);
	return k < 0 ? -1 : mirror_backed(&m->pe[i].mr[k], va);
}

bool machine_pe_fill(Machine *m, unsigned i, uint64_t va, bool dry_run)
{
	Pe *pe = &m->pe[i];
	WalkResult w;
	TlbEntry *hits[8];

	if (!(pe->regs.sctlr & SCTLR_M))
		return false;
	walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true }, NULL, &w);
	/* Entries that would fault are never cached (ARM-TLBALLOC); nT at level 1 is not (RMRRPW). */
	if (w.fault || !(w.leaf.desc & DESC_AF) || (w.nt && pe->level == BBM_L1))
		return false;
	size_t n = tlb_lookup(&pe->tlb, va, w.asid, true, hits, 8, 0);
	for (size_t k = 0; k < n && k < 8; k++)
		if (hits[k]->va == w.leaf.va && hits[k]->size_log2 == w.leaf.size_log2 &&
		    hits[k]->desc == w.leaf.desc && hits[k]->desc_pa == w.leaf.desc_pa)
			return false;
	if (!dry_run) {
		defer_flush_all(m);
		spec_fill_va(m, pe, va);
	}
	return true;
}

bool machine_pe_evict(Machine *m, unsigned i, uint64_t va, bool dry_run)
{
	Pe *pe = &m->pe[i];
	TlbEntry *hits[1];
	TlbEntry removed[16];

	if (!tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 1, 0))
		return false;
	if (dry_run)
		return true;
	defer_flush_all(m);
	/* Every leaf entry translating @va, whatever its ASID: a last-level, any-ASID match. */
	TlbiOp op = { .kind = TLBI_VAAL, .scope = TLBI_LOCAL, .va = va & ~(PAGE_SIZE - 1), .size = PAGE_SIZE,
		      .ttl_level = -1 };
	size_t n = tlb_invalidate(&pe->tlb, &op, false, removed, 16);
	for (size_t k = 0; k < n && k < 16; k++)
		EMIT(m, .type = EV_TLB_EVICT, .pe = pe->id, .entry = &removed[k], .va = removed[k].va);
	return n != 0;
}

size_t machine_faults(const Machine *m, const FaultRecord **out)
{
	*out = m->faults;
	return m->nfaults;
}
