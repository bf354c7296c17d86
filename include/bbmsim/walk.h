/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * walk.h - the stage 1 EL1&0 translation table walker.
 *
 * The walker reads descriptors through a callback, so it runs against plain
 * memory arrays in the unit tests and against the machine's physical memory
 * (with its walker-visibility policy) in the simulator.
 */
#ifndef BBMSIM_WALK_H
#define BBMSIM_WALK_H

#include "bbmsim/desc.h"
#include "bbmsim/tlb.h"

/* The registers that control translation (EL1&0 regime). */
typedef struct WalkRegs {
	uint64_t ttbr0, ttbr1, tcr, sctlr, mair;
} WalkRegs;

#define SCTLR_M        (1ull << 0)
#define TCR_T0SZ(t)    ((unsigned)((t) & 0x3f))
#define TCR_EPD0       (1ull << 7)
#define TCR_TG0(t)     ((unsigned)(((t) >> 14) & 3))     /* 0 = 4 KiB */
#define TCR_T1SZ(t)    ((unsigned)(((t) >> 16) & 0x3f))
#define TCR_A1         (1ull << 22)
#define TCR_EPD1       (1ull << 23)
#define TCR_TG1(t)     ((unsigned)(((t) >> 30) & 3))     /* 2 = 4 KiB */
#define TTBR_ASID(t)   ((uint16_t)((t) >> 48))
#define TTBR_BADDR     0x0000fffffffffffeull

/* Reads the 64-bit descriptor at physical address @pa for a walk at @level. */
typedef uint64_t (*WalkReadFn)(void *ctx, uint64_t pa, int level);

/* One descriptor the walk read. */
typedef struct WalkStep {
	uint64_t pa, desc;
	uint64_t va_base;    /* first VA the descriptor translates */
	int level;
	bool from_cache;     /* came from a walk-cache entry, not memory */
} WalkStep;

typedef struct WalkResult {
	FaultKind fault;     /* FAULT_NONE on success */
	int level;           /* level of the fault or of the leaf */
	uint64_t pa;         /* output PA for the input VA (on success) */
	TlbEntry leaf;       /* the entry a TLB would cache (on success) */
	int nsteps;
	WalkStep step[5];    /* descriptors read, level order */
	uint16_t asid;
	int ttbr;            /* 0 or 1, -1 when the VA is in neither range */
	bool nt;             /* the leaf is a block with nT set */
} WalkResult;

/* Which TTBR translates @va: 0, 1, or -1 (between the two ranges). */
int walk_select_ttbr(const WalkRegs *r, uint64_t va);

/* ASID in use for TTBR @ttbr: TCR_EL1.A1 picks the TTBR that supplies it. */
uint16_t walk_asid(const WalkRegs *r);

/* Initial lookup level for @ttbr (4 KiB granule). */
int walk_start_level(const WalkRegs *r, int ttbr);

/*
 * Translate @va. Reads descriptors via @rd; if @wc is not NULL, starts from
 * the deepest matching walk-cache entry in it (and records that). Does not
 * check permissions (walk_check_perms) and does not fill any TLB.
 * With the MMU off (SCTLR.M = 0) the result is the flat identity mapping.
 */
void walk_translate(const WalkRegs *r, uint64_t va, WalkReadFn rd, void *ctx,
		    Tlb *wc, WalkResult *out);

/*
 * Check a leaf entry against an access at @el: access flag (AF = 0 faults,
 * no hardware AF update), then permissions. Returns FAULT_NONE or the fault.
 */
FaultKind walk_check_access(const TlbEntry *leaf, AccessType a, int el);

/* PAR_EL1 value for an AT instruction with this result and fault. */
uint64_t walk_par(const WalkResult *w, FaultKind f, const WalkRegs *r);

#endif
