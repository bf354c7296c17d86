// SPDX-License-Identifier: GPL-2.0-only
/*
 * walk.c - stage 1 EL1&0 translation table walk, 4 KiB granule.
 *
 * Follows AArch64.TranslateAddress for the EL1&0 regime:
 *  - TTBR0 translates VAs whose top bits are all 0 and fit T0SZ, TTBR1 those
 *    whose top bits are all 1 and fit T1SZ; anything between is a level 0
 *    Translation fault, as is a walk disabled by EPD0/EPD1.
 *  - Each level indexes 9 bits; an invalid descriptor, a block at level 0 or
 *    a reserved level 3 encoding is a Translation fault at that level.
 *  - OA bits above 48 give an Address size fault (48-bit PA, no FEAT_LPA).
 *  - The contiguous bit lets a TLB cache the 16-entry run as one entry
 *    (D8.7.1); this model always does, which maximises the overlap that a
 *    misprogrammed run can cause.
 * The walker treats each descriptor read as a separate observation
 * (RTGRMW): the callback decides which value a not-yet-synchronised store
 * shows. nT is reported to the caller, which applies the BBM level.
 * Not modelled: 16/64 KiB granules, TBI, hierarchical permissions, FEAT_LPA.
 */
#include <string.h>
#include "bbmsim/walk.h"

int walk_select_ttbr(const WalkRegs *r, uint64_t va)
{
	unsigned t0 = TCR_T0SZ(r->tcr), t1 = TCR_T1SZ(r->tcr);

	/* TxSZ below 16 is treated as 16 (48-bit VAs, no FEAT_LVA). */
	t0 = t0 < 16 ? 16 : t0;
	t1 = t1 < 16 ? 16 : t1;
	if ((va >> (64 - t0)) == 0)
		return 0;
	if ((va >> (64 - t1)) == (~0ull >> (64 - t1)))
		return 1;
	return -1;
}

uint16_t walk_asid(const WalkRegs *r)
{
	return TTBR_ASID((r->tcr & TCR_A1) ? r->ttbr1 : r->ttbr0);
}

int walk_start_level(const WalkRegs *r, int ttbr)
{
	unsigned tsz = ttbr ? TCR_T1SZ(r->tcr) : TCR_T0SZ(r->tcr);
	unsigned inputsize = 64 - (tsz < 16 ? 16 : tsz);
	/* Levels needed to resolve inputsize - 12 bits, 9 bits per level. */
	unsigned nlevels = (inputsize - 12 + 8) / 9;
	return 4 - (int)nlevels;
}

static void walk_fault(WalkResult *out, FaultKind f, int level)
{
	out->fault = f;
	out->level = level;
}

void walk_translate(const WalkRegs *r, uint64_t va, WalkReadFn rd, void *ctx,
		    Tlb *wc, WalkResult *out)
{
	memset(out, 0, sizeof(*out));
	out->asid = walk_asid(r);
	if (!(r->sctlr & SCTLR_M)) {
		/* Flat physical addressing; cached as a 1 GiB global RW entry. */
		out->ttbr = -1;
		out->pa = va;
		out->leaf = (TlbEntry){ .va = va & ~((1ull << 30) - 1), .pa = va & ~((1ull << 30) - 1),
					.size_log2 = 30, .level = 1, .leaf = true, .global = true,
					.desc = DESC_VALID | DESC_AF };
		out->level = 1;
		return;
	}
	int t = walk_select_ttbr(r, va);
	out->ttbr = t;
	if (t < 0 || (t == 0 && (r->tcr & TCR_EPD0)) || (t == 1 && (r->tcr & TCR_EPD1))) {
		walk_fault(out, FAULT_TRANSLATION, 0);
		return;
	}
	uint64_t ttbr = t ? r->ttbr1 : r->ttbr0;
	int level = walk_start_level(r, t);
	unsigned tsz = t ? TCR_T1SZ(r->tcr) : TCR_T0SZ(r->tcr);
	unsigned inputsize = 64 - (tsz < 16 ? 16 : tsz);
	uint64_t table = ttbr & TTBR_BADDR & ~0xfffull;

	if (ttbr & TTBR_BADDR & ~DESC_OA_MASK & ~0xfffull) {
		walk_fault(out, FAULT_ADDRESS_SIZE, level);
		return;
	}
	/* Resume from the deepest walk-cache entry (an intermediate TLB entry). */
	if (wc) {
		TlbEntry *hits[8];
		size_t n = tlb_lookup(wc, va, out->asid, false, hits, 8, 0);
		TlbEntry *best = NULL;
		for (size_t i = 0; i < n && i < 8; i++)
			if (hits[i]->level >= level && (!best || hits[i]->level > best->level))
				best = hits[i];
		if (best) {
			out->step[out->nsteps++] = (WalkStep){ .pa = best->desc_pa, .desc = best->desc,
							       .va_base = best->va, .level = best->level,
							       .from_cache = true };
			table = best->pa;
			level = best->level + 1;
		}
	}
	for (; level <= 3; level++) {
		unsigned shift = 12 + 9 * (3 - level);
		uint64_t idx = (va >> shift) & 511;
		/*
		 * The initial table may resolve fewer than 9 bits: index it with
		 * VA[inputsize-1:shift] only, or a TTBR1 VA's upper ones would
		 * select an entry past the table (T1SZ = 17..24).
		 */
		if (shift + 9 > inputsize)
			idx &= (1ull << (inputsize - shift)) - 1;
		uint64_t dpa = table + idx * 8;
		uint64_t desc = rd(ctx, dpa, level);
		uint64_t size = 1ull << shift;

		out->step[out->nsteps++] = (WalkStep){ .pa = dpa, .desc = desc,
						       .va_base = va & ~(size - 1), .level = level };
		DescKind k = desc_kind(desc, level);
		if (k == DESC_KIND_INVALID || k == DESC_KIND_RESERVED) {
			walk_fault(out, FAULT_TRANSLATION, level);
			return;
		}
		if (desc & DESC_HIGH_OA) {
			walk_fault(out, FAULT_ADDRESS_SIZE, level);
			return;
		}
		if (k == DESC_KIND_TABLE) {
			table = desc & DESC_OA_MASK;
			continue;
		}
		unsigned s = shift;
		if (desc & DESC_CONT)
			s += 4;     /* 16 entries */
		uint64_t span = 1ull << s;
		uint64_t oa = desc & DESC_OA_MASK & ~(size - 1);
		out->level = level;
		out->nt = k == DESC_KIND_BLOCK && (desc & DESC_NT);
		out->pa = oa | (va & (size - 1));
		out->leaf = (TlbEntry){
			.va = va & ~(span - 1),
			.pa = (oa - ((va & (span - 1)) & ~(size - 1))),
			.desc_pa = dpa, .desc = desc, .asid = out->asid,
			.size_log2 = (uint8_t)s, .level = (uint8_t)level, .leaf = true,
			.global = !(desc & DESC_NG),
		};
		return;
	}
}

FaultKind walk_check_access(const TlbEntry *leaf, AccessType a, int el)
{
	/* No FEAT_HAFDBS: AF == 0 is an Access flag fault (D8.5.1). */
	if (!(leaf->desc & DESC_AF))
		return FAULT_ACCESS_FLAG;
	DescPerms p = desc_perms(leaf->desc, el);
	bool ok = a == ACCESS_READ ? p.r : a == ACCESS_WRITE ? p.w : p.x;
	return ok ? FAULT_NONE : FAULT_PERMISSION;
}

uint64_t walk_par(const WalkResult *w, FaultKind f, const WalkRegs *r)
{
	/* Bit 11 is RES1 in both formats without FEAT_RME; nG is not reported. */
	if (f != FAULT_NONE)
		/* PAR_EL1.F = 1, FST[6:1], S = 0 (stage 1). */
		return 1ull | ((uint64_t)fault_fsc(f, w->level) << 1) | (1ull << 11);
	uint64_t attr = (r->mair >> (8 * DESC_ATTRIDX(w->leaf.desc))) & 0xff;
	return (attr << 56) | (w->pa & DESC_OA_MASK) | ((uint64_t)DESC_SH(w->leaf.desc) << 7) |
	       (1ull << 11);
}
