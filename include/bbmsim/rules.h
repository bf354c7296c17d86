/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules.h - architecture rules written once, used by the machine (which
 * executes them) and by the analysis (which judges a run by them).
 *
 * Pure C, no Unicorn. Each function encodes one rule of the Arm ARM and
 * cites its id; tests/unit/test_rules.c tests each on plain values. TLBI
 * matching (which TLBI covers which entry, by VA, ASID/global, level, TTL
 * and range) lives in tlb.h (tlbi_covers), with the same entry tags.
 */
#ifndef BBMSIM_RULES_H
#define BBMSIM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/desc.h"
#include "bbmsim/tlb.h"
#include "bbmsim/walk.h"

/* Shareability domain of a barrier: DSB/DMB CRm[3:2]. */
typedef enum Domain {
	DOMAIN_OSH,      /* 0b00: Outer Shareable */
	DOMAIN_NSH,      /* 0b01: Non-shareable: the issuing PE only */
	DOMAIN_ISH,      /* 0b10: Inner Shareable */
	DOMAIN_SY,       /* 0b11: full system */
} Domain;

typedef struct DsbOp {
	Domain domain;
	bool loads;      /* waits for loads (not the ST form) */
	bool stores;     /* waits for stores (not the LD form) */
} DsbOp;

/* Decode DSB CRm (types in CRm[1:0]: 1 LD, 2 ST, 3 all). */
DsbOp rules_dsb_decode(unsigned crm);

/* "ish", "nshst", ... into @buf. */
const char *rules_dsb_name(const DsbOp *d, char *buf, size_t len);

/*
 * RSPVBD: a DSB that waits for stores makes the issuing PE's earlier
 * table stores visible to the walkers in its domain: its own walker for
 * NSH, every PE of the one Inner (and Outer) Shareable domain otherwise.
 * Returns whether @storer's stores become visible to @walker's walks.
 */
bool rules_dsb_publishes_to(const DsbOp *d, int storer, int walker);

/*
 * RYNJCP, RPSMWS: a DSB by the issuer completes its earlier TLBIs only
 * when it waits for loads and stores; a broadcast TLBI (IS/OS) needs a
 * shareable domain (not NSH), a local one any domain.
 */
bool rules_dsb_completes(const DsbOp *d, const TlbiOp *op);

/*
 * RQTRPM, RJQQTC: the 16 descriptors of an aligned contiguous group
 * (@group[i] translates the group's i-th granule at @level 2 or 3) are
 * misprogrammed when two valid ones with the Contiguous bit set disagree
 * on the output address (for their position), memory type, shareability,
 * permissions or nG. Entries without the bit, or invalid, are a size
 * question left to the BBM rules (RKHRBC, RNGLXZ). The Access flag and a
 * hardware-managed dirty state (DBM set, AP[2] differing) may differ
 * across a group (ICQTNL). Writes a reason into @why when misprogrammed.
 */
bool rules_cont_misprogrammed(const uint64_t group[16], int level, char *why, size_t len);

/*
 * Was an @a access (at @el) that used PA @pa_used served by an old
 * translation? @now is what a walk gives now. True when the walk faults
 * (the mapping is gone), maps the VA to another PA, or no longer grants
 * the access (a store to a page made read-only). A load that both
 * translations allow to the same PA is not a use of a stale translation.
 */
bool rules_stale_use(uint64_t pa_used, const WalkResult *now, AccessType a, int el);

#endif
