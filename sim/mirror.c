// SPDX-License-Identifier: GPL-2.0-only
/*
 * mirror.c - each PE's Unicorn memory map, kept a view of its TLB.
 *
 * Unicorn runs guest loads, stores and fetches through its own map; the
 * machine maps into it regions of VA pages onto the physical memory, so
 * that accesses the model would serve the same way need no hook. The
 * mirror must never let the engine reach memory the model would not.
 *
 * Invariant (checked on every mirrored access under BBMSIM_CHECK_MIRROR=1,
 * mirror_self_check; docs/design.md, "The mirror"): every page of every
 * region of a PE (MirrorRegion: one VA-to-PA offset, one protection) is
 *   - backed: exactly one leaf TLB entry of the PE translates the page, to
 *     this PA with this protection; or
 *   - walkable: no TLB entry translates it, and a walk by this PE now (its
 *     registers, its walker's view of memory, walker.c) gives this PA and
 *     protection with the Access flag set;
 * except pages mirrored for one step only (nT blocks at level 1, multi-hit
 * and MMU-off translations: temp_va), dropped at the end of the step, and
 * retired regions, which only the instruction that retired them reaches
 * (served through the model, machine.c retired_access).
 *
 * Interface (mirror.h), below the stepping and the system instructions:
 * those tell the mirror what changed (a translation used, a TLB entry added
 * or removed through Tlb.on_change, a descriptor's visible value, a TLBI's
 * bulk invalidation, a step or run ending) and ask it where the engine
 * maps a VA; the mirror answers through return values and never emits an
 * event, takes an exception or calls back into the machine. It reads
 * descriptors only through the walker (walker.c) and registers the tables
 * its walks go through with the reach registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mirror.h"
#include "walker.h"

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
 * What the last walks of a scan over neighbouring pages found: a plain block
 * (every page in it walks the same), or the last-level table of a 2 MiB
 * range (every page in it walks the same path down to that table).
 */
typedef struct WalkMemo {
	uint64_t block_lo, block_hi;
	uint64_t tbl_lo, tbl_hi, tbl_pa;
} WalkMemo;

/* Which pages mirror_reexamine looks at. */
enum { PAGES_BACKED = 1, PAGES_WALKABLE = 2, PAGES_ALL = 3 };

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
void mirror_unmap_retired(Pe *pe)
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

void mirror_flush(Pe *pe)
{
	while (pe->nmr)
		mirror_remove(pe, pe->nmr - 1);
	pe->mirror_epoch++;
}

/* The PA the engine accesses for @va: through a region of the mirror or a retired one; false if unmapped. */
bool engine_pa(Pe *pe, uint64_t va, uint64_t *pa, bool *retired)
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
int mirror_find(Pe *pe, uint64_t va)
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

bool mirror_backed(const MirrorRegion *r, uint64_t va)
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
			reach_register(&m->reach, s->desc & DESC_OA_MASK, s->level + 1, s->va_base,
				       reach_ttbr_root(&pe->regs, w->ttbr));
	}
	return true;
}

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
void mirror_translation(Pe *pe, uint64_t va, const Xlat *x)
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
void mirror_drop_temp(Pe *pe)
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
void mirror_desc_changed(Machine *m, uint64_t pa)
{
	uint64_t page = pa & ~(PAGE_SIZE - 1);

	/* A copy: the walks below may register tables (and move the registry). */
	/* A copy: the walks below may register tables (and move the registry). */
	for (const ReachTable *t = reach_first(&m->reach, page); t;) {
		ReachTable r = *t;
		uint64_t size = desc_level_size(r.level);
		uint64_t va = reach_desc_va(&r, pa);
		for (unsigned k = 0; k < m->npes; k++)
			if (m->pe[k].nmr && (m->pe[k].regs.sctlr & SCTLR_M))
				mirror_reexamine(&m->pe[k], va, va + size - 1, PAGES_WALKABLE);
		t = reach_next(&m->reach, &r);
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
void mirror_tlb_changed(void *ctx, const TlbEntry *e, bool added)
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

/*
 * BBMSIM_CHECK_MIRROR (tests): before the access, check the mirror against
 * the model without changing it. A backed page has exactly one TLB entry
 * and maps its PA; an unbacked page has none and a walk gives its PA.
 */
void mirror_self_check(Pe *pe, const MirrorRegion *r, uint64_t va)
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
 * After the Unicorn call: undo retired_access's swaps (last first, so that
 * a load and a store of one atomic unwind in order: a store's bytes go to
 * the model's PA) and its register save, then unmap the retired regions.
 */
void mirror_after_run(Pe *pe)
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

void mirror_bulk_begin(Pe *pe)
{
	pe->bulk_inval = true;
}

void mirror_bulk_end(Pe *pe)
{
	pe->bulk_inval = false;
	mirror_revalidate(pe);
}

void mirror_init(Pe *pe, unsigned nregions)
{
	pe->mirror_win = PAGE_SIZE;
	pe->mr = calloc(nregions, sizeof(*pe->mr));
	pe->retired = calloc(nregions, sizeof(*pe->retired));
}

void mirror_fini(Pe *pe)
{
	for (unsigned j = 0; j < pe->nmr; j++)
		free(pe->mr[j].backed);
	free(pe->mr);
	free(pe->retired);
	free(pe->scan);
}

void mirror_reset(Pe *pe)
{
	mirror_flush(pe);
	pe->mr_peak = 0;
	pe->mirror_win = PAGE_SIZE;
	pe->mirror_last_lo = pe->mirror_last_hi = 0;
	pe->ntemp = 0;
}
