// SPDX-License-Identifier: GPL-2.0-only
/*
 * tlb.c - per-PE TLB with walk cache, multiple entries per VA, and TLBI.
 *
 * What it models:
 *  - Any valid descriptor may be cached at any time (ARM-TLBALLOC) and stays
 *    until a covering TLBI completes (RFFWJK: no coherence with table
 *    writes). Eviction happens only under an explicit capacity.
 *  - Entries are tagged by ASID or global (RNWYRD); walk-cache entries hold
 *    table descriptors (RRVJDB) and are indexed by input address (RZYZYK).
 *  - TLBI by VA removes every entry whose range contains the VA, blocks and
 *    splinters alike (RTVTYQ); the last-level forms (VALE1, VAALE1, RVALE1,
 *    RVAALE1) leave walk-cache entries alone (D8.17.5).
 *  - TTL hints (FEAT_TTL): with ttl_strict, an entry from another level than
 *    the hint need not be invalidated, so it is not, and a hint for another
 *    granule invalidates nothing (section 4.1 of the brief).
 * Simplifications: one translation regime (EL1&0, no VMID); walk-cache
 * entries are indexed only by VA, not by descriptor PA (RBKKRB allows both).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "bbmsim/tlb.h"

/*
 * Neighbouring entries of one size land in neighbouring buckets (the index
 * at that size, high bits folded in), so a PE sweeping memory walks the
 * bucket array in order instead of missing the host cache on every look-up
 * (docs/performance.md); each size and kind starts at its own offset.
 */
static uint64_t tlb_hash(uint64_t base, unsigned s, bool leaf)
{
	uint64_t x = base >> s;
	return (x ^ (x >> 23) ^ (x >> 46)) + ((uint64_t)s << 1 | leaf) * 0x9e3779b97f4a7c15ull;
}

static void tlb_rehash(Tlb *t, size_t nb)
{
	free(t->bucket);
	t->nbucket = nb;
	t->bucket = malloc(nb * sizeof(*t->bucket));
	for (size_t i = 0; i < nb; i++)
		t->bucket[i] = -1;
	for (size_t i = 0; i < t->cap; i++) {
		TlbEntry *e = &t->e[i];
		if (!e->size_log2)
			continue;
		size_t b = tlb_hash(e->va, e->size_log2, e->leaf) & (nb - 1);
		e->next = t->bucket[b];
		t->bucket[b] = (int32_t)i;
	}
}

void tlb_init(Tlb *t, const TlbConfig *cfg)
{
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	t->free_head = -1;
	t->rng = cfg->seed ? cfg->seed : 0x2545f4914f6cdd1dull;
	tlb_rehash(t, 256);
}

void tlb_fini(Tlb *t)
{
	free(t->e);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

bool tlb_entry_covers(const TlbEntry *e, uint64_t va, uint16_t asid)
{
	if (!e->size_log2 || ((va ^ e->va) >> e->size_log2) != 0)
		return false;
	return e->global || e->asid == asid;
}

static void tlb_notify(Tlb *t, const TlbEntry *e, bool added)
{
	if (t->on_change)
		t->on_change(t->change_ctx, e, added);
}

static void tlb_unlink(Tlb *t, int32_t idx)
{
	TlbEntry *e = &t->e[idx];
	size_t b = tlb_hash(e->va, e->size_log2, e->leaf) & (t->nbucket - 1);
	int32_t *pp = &t->bucket[b];

	while (*pp != idx)
		pp = &t->e[*pp].next;
	*pp = e->next;
	e->size_log2 = 0;
	e->next = t->free_head;
	t->free_head = idx;
	t->used--;
}

static uint64_t tlb_rand(Tlb *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

static int32_t tlb_victim(Tlb *t)
{
	int32_t best = -1;

	if (t->cfg.replace == TLB_REPLACE_RANDOM) {
		size_t k = tlb_rand(t) % t->used;
		for (size_t i = 0; i < t->cap; i++)
			if (t->e[i].size_log2 && k-- == 0)
				return (int32_t)i;
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].size_log2 && (best < 0 || t->e[i].last_use < t->e[best].last_use))
			best = (int32_t)i;
	return best;
}

TlbEntry *tlb_insert(Tlb *t, const TlbEntry *in, TlbEntry *evicted, bool *did_evict)
{
	size_t b = tlb_hash(in->va, in->size_log2, in->leaf) & (t->nbucket - 1);

	if (did_evict)
		*did_evict = false;
	for (int32_t i = t->bucket[b]; i >= 0; i = t->e[i].next) {
		TlbEntry *e = &t->e[i];
		if (e->va == in->va && e->size_log2 == in->size_log2 && e->leaf == in->leaf &&
		    e->global == in->global && (e->global || e->asid == in->asid) &&
		    e->desc == in->desc && e->desc_pa == in->desc_pa && e->pa == in->pa) {
			e->last_use = in->last_use;
			return e;
		}
	}
	if (t->cfg.capacity && t->used >= t->cfg.capacity) {
		int32_t v = tlb_victim(t);
		TlbEntry old = t->e[v];
		tlb_unlink(t, v);
		t->evictions++;
		tlb_notify(t, &old, false);
		if (evicted)
			*evicted = old;
		if (did_evict)
			*did_evict = true;
	}
	if (t->free_head < 0) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		t->e = realloc(t->e, ncap * sizeof(*t->e));
		for (size_t i = ncap; i-- > t->cap;) {
			t->e[i].size_log2 = 0;
			t->e[i].next = t->free_head;
			t->free_head = (int32_t)i;
		}
		t->cap = ncap;
	}
	if (t->used + 1 > t->nbucket)
		tlb_rehash(t, t->nbucket * 4);
	b = tlb_hash(in->va, in->size_log2, in->leaf) & (t->nbucket - 1);
	int32_t idx = t->free_head;
	TlbEntry *e = &t->e[idx];
	t->free_head = e->next;
	*e = *in;
	e->serial = ++t->next_serial;
	e->next = t->bucket[b];
	t->bucket[b] = idx;
	t->used++;
	t->size_mask[e->leaf] |= 1ull << e->size_log2;
	tlb_notify(t, e, true);
	return e;
}

size_t tlb_lookup(Tlb *t, uint64_t va, uint16_t asid, bool leaf,
		  TlbEntry **out, size_t max, uint64_t tick)
{
	size_t n = 0;
	uint64_t m = t->size_mask[leaf];

	while (m) {
		unsigned s = (unsigned)__builtin_ctzll(m);
		m &= m - 1;
		uint64_t base = va & ~((1ull << s) - 1);
		size_t b = tlb_hash(base, s, leaf) & (t->nbucket - 1);
		for (int32_t i = t->bucket[b]; i >= 0; i = t->e[i].next) {
			TlbEntry *e = &t->e[i];
			if (e->size_log2 != s || e->va != base || e->leaf != leaf ||
			    !(e->global || e->asid == asid))
				continue;
			if (tick)
				e->last_use = tick;
			if (n < max)
				out[n] = e;
			n++;
		}
	}
	return n;
}

long tlb_next(const Tlb *t, long i)
{
	for (; i >= 0 && (size_t)i < t->cap; i++)
		if (t->e[i].size_log2)
			return i;
	return -1;
}

/* --- TLBI --------------------------------------------------------------- */

static uint64_t sext56(uint64_t va)
{
	/* Xt carries VA[55:12]; VA[63:56] copy bit 55 (TBI-free canonical form). */
	return (va & (1ull << 55)) ? (va | 0xff00000000000000ull) : va;
}

bool tlbi_decode(unsigned op1, unsigned crn, unsigned crm, unsigned op2,
		 uint64_t xt, TlbiOp *op)
{
	static const TlbiKind by_op2[8] = {
		[0] = TLBI_VMALL, [1] = TLBI_VA, [2] = TLBI_ASID, [3] = TLBI_VAA,
		[5] = TLBI_VAL, [7] = TLBI_VAAL,
	};
	static const TlbiKind range_by_op2[8] = {
		[1] = TLBI_RVA, [3] = TLBI_RVAA, [5] = TLBI_RVAL, [7] = TLBI_RVAAL,
	};

	if (op1 != 0 || crn != 8)
		return false;
	memset(op, 0, sizeof(*op));
	op->xt = xt;
	op->ttl_level = -1;
	op->size = 1ull << 12;
	switch (crm) {
	case 7: case 3: case 1:        /* VMALLE1, VAE1, ... : local, IS, OS */
		if (op2 == 4 || op2 == 6)
			return false;
		op->scope = crm == 7 ? TLBI_LOCAL : crm == 3 ? TLBI_IS : TLBI_OS;
		op->kind = by_op2[op2];
		op->va = sext56((xt & 0xfffffffffffull) << 12);
		/*
		 * TTL in Xt[47:44]: TTL[3:2] granule (01 = 4 KiB), TTL[1:0] level.
		 * Level 0 (0b0100) is a hint only with FEAT_LPA2, not modelled:
		 * without it the operation carries no level information.
		 */
		if (((xt >> 46) & 3) == 1 && ((xt >> 44) & 3) != 0)
			op->ttl_level = (int)((xt >> 44) & 3);
		/* TTL[3:2] = 0b10 or 0b11: a hint for a 16K or 64K granule, wrong here. */
		op->ttl_other_granule = ((xt >> 46) & 3) >= 2;
		break;
	case 6: case 2: case 5: {      /* RVAE1, RVAE1IS, RVAE1OS ... */
		if (!(op2 & 1))
			return false;
		op->scope = crm == 6 ? TLBI_LOCAL : crm == 2 ? TLBI_IS : TLBI_OS;
		op->kind = range_by_op2[op2];
		/* Xt: ASID[63:48] TG[47:46] SCALE[45:44] NUM[43:39] TTL[38:37] BaseADDR[36:0]. */
		unsigned scale = (xt >> 44) & 3, num = (xt >> 39) & 31;
		/*
		 * BaseADDR is VA[48:12] (4 KiB granule); EL1&0 has two VA
		 * ranges, so VA[63:49] are copies of VA[48] (as QEMU's
		 * tlbi_aa64_get_range sign-extends Xt[36]), not of VA[55].
		 */
		op->va = (xt & ((1ull << 37) - 1)) << 12;
		if (op->va & (1ull << 48))
			op->va |= ~((1ull << 49) - 1);
		op->size = (uint64_t)(num + 1) << (5 * scale + 1) << 12;
		unsigned ttl = (xt >> 37) & 3;
		if (ttl)
			op->ttl_level = (int)ttl;
		/* TG = 0b10 or 0b11: the range is given for a 16K or 64K granule. */
		op->ttl_other_granule = ((xt >> 46) & 3) >= 2;
		break;
	}
	default:
		return false;
	}
	if (op->kind != TLBI_VMALL && op->kind != TLBI_VAA && op->kind != TLBI_VAAL &&
	    op->kind != TLBI_RVAA && op->kind != TLBI_RVAAL)
		op->asid = (uint16_t)(xt >> 48);
	if (op->kind == TLBI_VMALL || op->kind == TLBI_ASID)
		op->va = 0;
	return true;
}

const char *tlbi_name(const TlbiOp *op, char *buf, size_t len)
{
	static const char *const names[] = {
		[TLBI_VMALL] = "vmalle1", [TLBI_VA] = "vae1", [TLBI_ASID] = "aside1",
		[TLBI_VAA] = "vaae1", [TLBI_VAL] = "vale1", [TLBI_VAAL] = "vaale1",
		[TLBI_RVA] = "rvae1", [TLBI_RVAA] = "rvaae1", [TLBI_RVAL] = "rvale1",
		[TLBI_RVAAL] = "rvaale1",
	};
	snprintf(buf, len, "%s%s", names[op->kind],
		 op->scope == TLBI_IS ? "is" : op->scope == TLBI_OS ? "os" : "");
	return buf;
}

static bool tlbi_is_range(TlbiKind k)
{
	return k >= TLBI_RVA;
}

static bool tlbi_last_level_only(TlbiKind k)
{
	return k == TLBI_VAL || k == TLBI_VAAL || k == TLBI_RVAL || k == TLBI_RVAAL;
}

static bool tlbi_any_asid(TlbiKind k)
{
	return k == TLBI_VAA || k == TLBI_VAAL || k == TLBI_RVAA || k == TLBI_RVAAL;
}

bool tlbi_covers(const TlbiOp *op, const TlbEntry *e, bool ttl_strict)
{
	if (!e->size_log2)
		return false;
	if (op->kind == TLBI_VMALL)
		return true;
	if (op->kind == TLBI_ASID)
		return !e->global && e->asid == op->asid;
	/* Last-level forms apply only to entries from the final lookup level. */
	if (tlbi_last_level_only(op->kind) && !e->leaf)
		return false;
	if (!tlbi_any_asid(op->kind) && !e->global && e->asid != op->asid)
		return false;
	/* A hint for another granule is wrong for every entry: none need go. */
	if (ttl_strict && op->ttl_other_granule)
		return false;
	/* The TTL hint names the level of the leaf entry: walk-cache entries stay in scope. */
	if (ttl_strict && op->ttl_level >= 0 && e->leaf && op->ttl_level != e->level)
		return false;
	uint64_t lo = e->va, hi = e->va + (1ull << e->size_log2) - 1;
	if (tlbi_is_range(op->kind))
		return op->va <= hi && lo <= op->va + op->size - 1;
	return op->va >= lo && op->va <= hi;
}

size_t tlb_invalidate(Tlb *t, const TlbiOp *op, bool ttl_strict, TlbEntry *removed, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		TlbEntry *e = &t->e[i];
		if (!tlbi_covers(op, e, ttl_strict))
			continue;
		TlbEntry old = *e;
		tlb_unlink(t, (int32_t)i);
		tlb_notify(t, &old, false);
		if (n < max)
			removed[n] = old;
		n++;
	}
	if (!t->used)
		t->size_mask[0] = t->size_mask[1] = 0;
	return n;
}
