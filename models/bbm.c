// SPDX-License-Identifier: GPL-2.0-only
/*
 * bbm.c - FEAT_BBM levels: what a lookup with several matching entries does.
 *
 * Arm ARM D8.17.1 (RFVQCK): a lookup that matches several entries raises a
 * TLB conflict abort or, CONSTRAINED UNPREDICTABLE, uses one of them (or an
 * amalgamation, which this model does not produce). D8.17.2 (RKFLJB,
 * RPVTFW): with FEAT_BBML2 a change of size alone need not break, but a
 * conflict abort may still be raised (IHYQMB); "2-noabort" is a BBML2 CPU
 * that never raises one (Linux's BBML2_NOABORT allow-list, FEAT_BBML3).
 * Entries that differ only in what may change without break-before-make
 * (RWHZWS lists what needs it: not permissions, AF, DBM or nG 0 -> 1) are
 * not a conflict: the PE may hold both and use either, at every level. That
 * is what the analysis calls a stale window, and Linux changes kernel
 * permissions in place (set_memory_ro) on CPUs of every level.
 */
#include <stdio.h>
#include <string.h>
#include "bbmsim/bbm.h"

const BbmKnobs bbm_knobs_default = {
	.multihit = BBM_MULTIHIT_ABORT,
	.l2_size = BBM_L2_SIZE_ABORT,
	.nt = BBM_NT_UNCACHED,
};

static const char *const level_names[BBM_LEVEL_COUNT] = { "0", "1", "2", "2-noabort" };

const char *bbm_level_name(BbmLevel l)
{
	return level_names[l];
}

bool bbm_level_parse(const char *s, BbmLevel *out)
{
	for (int i = 0; i < BBM_LEVEL_COUNT; i++)
		if (!strcmp(s, level_names[i])) {
			*out = (BbmLevel)i;
			return true;
		}
	return false;
}

unsigned bbm_level_id_field(BbmLevel l)
{
	/* 2-noabort reports BBM = 2: Linux decides no-abort from the MIDR, not the field. */
	return l == BBM_L0 ? 0 : l == BBM_L1 ? 1 : 2;
}

char *bbm_knobs_format(const BbmKnobs *k, char *buf, size_t len)
{
	static const char *const mh[] = { "abort", "use-oldest", "use-newest" };
	snprintf(buf, len, "multihit=%s l2_size_hit=%s nt=%s", mh[k->multihit],
		 k->l2_size == BBM_L2_SIZE_ABORT ? "abort" : "use-newest",
		 k->nt == BBM_NT_FAULT ? "fault" : "uncached");
	return buf;
}

/* Attribute and permission bits that must agree for a size-only change. */
#define BBM_SAME_MASK (DESC_AP1 | DESC_AP2 | DESC_PXN | DESC_UXN | DESC_NG | DESC_NS | \
		       (7ull << 2) | (3ull << 8) | DESC_AF)

static uint64_t entry_oa_for(const TlbEntry *e, uint64_t va)
{
	return e->pa + (va - e->va);
}

bool bbm_differ_only_in_size(const TlbEntry *a, const TlbEntry *b)
{
	/* Compare the translation of the larger entry's base page inside the smaller. */
	uint64_t va = a->size_log2 < b->size_log2 ? a->va : b->va;
	return entry_oa_for(a, va) == entry_oa_for(b, va) &&
	       (a->desc & BBM_SAME_MASK) == (b->desc & BBM_SAME_MASK);
}

/* Bits a change of which needs no break-before-make (RWHZWS names the others). */
#define BBM_FREE_MASK (DESC_AP1 | DESC_AP2 | DESC_PXN | DESC_UXN | DESC_AF | DESC_DBM)

/* Same size and output address, and the rest differs only in bits that need no break (@old older). */
static bool differ_without_bbm(const TlbEntry *old, const TlbEntry *e, uint64_t va)
{
	uint64_t d = (old->desc ^ e->desc) & (BBM_SAME_MASK | DESC_CONT);

	if (old->size_log2 != e->size_log2 || entry_oa_for(old, va) != entry_oa_for(e, va))
		return false;
	/* nG 0 -> 1 needs only a TLBI; 1 -> 0 needs the break (RWHZWS). */
	if ((d & DESC_NG) && !(old->desc & DESC_NG))
		d &= ~DESC_NG;
	return (d & ~BBM_FREE_MASK) == 0;
}

static bool same_translation(const TlbEntry *a, const TlbEntry *b, uint64_t va)
{
	return a->size_log2 == b->size_log2 && entry_oa_for(a, va) == entry_oa_for(b, va) &&
	       ((a->desc ^ b->desc) & (BBM_SAME_MASK | DESC_CONT)) == 0;
}

FaultKind bbm_resolve_lookup(BbmLevel level, const BbmKnobs *k, uint64_t va,
			     TlbEntry *const *hits, size_t n, const TlbEntry **use)
{
	const TlbEntry *oldest = hits[0], *newest = hits[0];
	bool distinct = false, size_only = true, no_bbm = true;

	for (size_t i = 1; i < n; i++) {
		if (hits[i]->serial < oldest->serial)
			oldest = hits[i];
		if (hits[i]->serial > newest->serial)
			newest = hits[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (same_translation(hits[i], oldest, va))
			continue;
		distinct = true;
		if (!bbm_differ_only_in_size(hits[i], oldest))
			size_only = false;
		if (!differ_without_bbm(oldest, hits[i], va))
			no_bbm = false;
	}
	if (!distinct || no_bbm) {
		*use = newest;
		return FAULT_NONE;
	}
	if (size_only && level == BBM_L2_NOABORT) {
		*use = newest;
		return FAULT_NONE;
	}
	if (size_only && level == BBM_L2) {
		if (k->l2_size == BBM_L2_SIZE_ABORT)
			return FAULT_TLB_CONFLICT;
		*use = newest;
		return FAULT_NONE;
	}
	/* Level 0/1, or a difference beyond size at any level: RFVQCK. */
	switch (k->multihit) {
	case BBM_MULTIHIT_ABORT:
		if (level != BBM_L2_NOABORT)
			return FAULT_TLB_CONFLICT;
		/* A no-abort CPU never aborts: it uses one of the entries. */
		*use = newest;
		return FAULT_NONE;
	case BBM_MULTIHIT_USE_OLDEST:
		*use = oldest;
		return FAULT_NONE;
	case BBM_MULTIHIT_USE_NEWEST:
		*use = newest;
		return FAULT_NONE;
	}
	return FAULT_TLB_CONFLICT;
}
