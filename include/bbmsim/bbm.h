/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bbm.h - FEAT_BBM levels and what a TLB lookup does with several matches.
 *
 * Every IMPLEMENTATION DEFINED or CONSTRAINED UNPREDICTABLE choice is a named
 * knob in BbmKnobs; bbm_knobs_format() prints the ones that ran.
 */
#ifndef BBMSIM_BBM_H
#define BBMSIM_BBM_H

#include "bbmsim/tlb.h"
#include "bbmsim/desc.h"

typedef enum BbmLevel {
	BBM_L0,
	BBM_L1,
	BBM_L2,
	BBM_L2_NOABORT,
	BBM_LEVEL_COUNT,
} BbmLevel;

const char *bbm_level_name(BbmLevel l);               /* "0", "1", "2", "2-noabort" */
bool bbm_level_parse(const char *s, BbmLevel *out);
unsigned bbm_level_id_field(BbmLevel l);              /* ID_AA64MMFR2_EL1.BBM */

/* Level 0/1 multi-hit, and level 2 for differences beyond size (RFVQCK). */
typedef enum BbmMultiHit {
	BBM_MULTIHIT_ABORT,          /* TLB conflict abort (default) */
	BBM_MULTIHIT_USE_OLDEST,     /* CONSTRAINED UNPREDICTABLE: one of the entries */
	BBM_MULTIHIT_USE_NEWEST,
} BbmMultiHit;

/* Level 2, entries that differ only in size (RPVTFW, IHYQMB). */
typedef enum BbmL2SizeHit {
	BBM_L2_SIZE_ABORT,           /* default: the architecture permits it */
	BBM_L2_SIZE_USE_NEWEST,
} BbmL2SizeHit;

/* Level 1, a walk that ends in a block with nT = 1 (RMRRPW). */
typedef enum BbmNtPolicy {
	BBM_NT_FAULT,                /* Translation fault at the block's level */
	BBM_NT_UNCACHED,             /* translate, do not allocate a TLB entry (default) */
} BbmNtPolicy;

typedef struct BbmKnobs {
	BbmMultiHit multihit;
	BbmL2SizeHit l2_size;
	BbmNtPolicy nt;
} BbmKnobs;

extern const BbmKnobs bbm_knobs_default;

/* "multihit=abort l2_size_hit=abort nt=uncached" */
char *bbm_knobs_format(const BbmKnobs *k, char *buf, size_t len);

/*
 * Do two leaf entries translating the same VA differ only in size (same
 * output address for the VA, same attributes and permissions, RPVTFW)?
 */
bool bbm_differ_only_in_size(const TlbEntry *a, const TlbEntry *b);

/*
 * What a lookup that matched @n > 0 leaf entries does at @level. Returns
 * FAULT_NONE and sets *@use, or FAULT_TLB_CONFLICT. Entries identical in
 * translation (same OA for the VA, attributes, permissions, size) are one hit.
 */
FaultKind bbm_resolve_lookup(BbmLevel level, const BbmKnobs *k, uint64_t va,
			     TlbEntry *const *hits, size_t n, const TlbEntry **use);

#endif
