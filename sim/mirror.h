/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mirror.h - the mirror's interface: what the rooms above tell it and ask
 * it (mirror.c states the invariant it keeps). Nothing here emits an event
 * or changes a PE's registers; answers come back as return values.
 */
#ifndef BBMSIM_MIRROR_H
#define BBMSIM_MIRROR_H

#include "machine_priv.h"

/* --- lifecycle ------------------------------------------------------------- */

/* Room for @nregions regions (MachineConfig.mirror_regions); nothing mapped. */
void mirror_init(Pe *pe, unsigned nregions);
void mirror_fini(Pe *pe);
/* Unmap everything and forget the window sizes (machine_reset). */
void mirror_reset(Pe *pe);

/* --- told: what changed -------------------------------------------------- */

/* @x translated @va for @pe: map its page (and neighbours, lazily) if not mapped. */
void mirror_translation(Pe *pe, uint64_t va, const Xlat *x);

/* Tlb.on_change of every PE's TLB (@ctx: the Pe): entries added and removed. */
void mirror_tlb_changed(void *ctx, const TlbEntry *e, bool added);

/* What walkers read at descriptor @pa changed (a store, or its DSB): walk its pages again. */
void mirror_desc_changed(Machine *m, uint64_t pa);

/*
 * A TLBI that may remove very many entries (VMALL, by ASID) runs on @pe
 * between begin and end: the mirror looks at its pages once, at the end,
 * not once per entry removed.
 */
void mirror_bulk_begin(Pe *pe);
void mirror_bulk_end(Pe *pe);

/* Drop every region of @pe (a reset, a change of EL or of the translation registers). */
void mirror_flush(Pe *pe);

/* The step ended: drop the pages mapped for that step only. */
void mirror_drop_temp(Pe *pe);

/* The Unicorn call returned: unmap the regions retired inside it. */
void mirror_after_run(Pe *pe);

/* hook_unmapped: no access is in flight, the retired regions can go now. */
void mirror_unmap_retired(Pe *pe);

/* --- asked: where the engine maps a VA ----------------------------------- */

/* Index of the region of @pe holding @va, or -1. */
int mirror_find(Pe *pe, uint64_t va);

/* Is @va's page of region @r backed by a TLB entry (else walkable)? */
bool mirror_backed(const MirrorRegion *r, uint64_t va);

/*
 * The PA the engine maps @va to for @pe (a region, or a retired region:
 * *@retired), into *@pa. False when the engine does not map it.
 */
bool engine_pa(Pe *pe, uint64_t va, uint64_t *pa, bool *retired);

/*
 * BBMSIM_CHECK_MIRROR: check the invariant for @va in region @r against the
 * TLB and a quiet walk, changing nothing; a violation ends the process
 * with a message (a bug of the simulator, never of the guest).
 */
void mirror_self_check(Pe *pe, const MirrorRegion *r, uint64_t va);

#endif
