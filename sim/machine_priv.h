/* SPDX-License-Identifier: GPL-2.0-only */
/* machine_priv.h - the machine internals, shared by the files in sim/ only. */
#ifndef BBMSIM_MACHINE_PRIV_H
#define BBMSIM_MACHINE_PRIV_H

#include <unicorn/unicorn.h>
#include "bbmsim/machine.h"
#include "bbmsim/pending.h"
#include "bbmsim/reach.h"

#define MIRROR_WINDOW_MAX (1ull << 28)
#define MIRROR_RECENT 4
#define MIRROR_TEMP_MAX 4

/*
 * One Unicorn region mirroring a run of VA pages onto physical memory with
 * one VA-to-PA offset and one protection. Each page is either *backed*
 * (exactly one TLB entry translates it, with this offset and protection) or
 * *walkable* (no TLB entry, and a walk by this PE now would give this offset
 * and protection): the memory hook fills the TLB on the first access to a
 * walkable page, as a miss would (docs/design.md, "The mirror").
 */
typedef struct MirrorRegion {
	uint64_t va, pa, size;
	uint64_t stamp;          /* for FIFO eviction */
	uint32_t prot;
	uint64_t *backed;        /* one bit per page */
} MirrorRegion;

/*
 * A region the model dropped while Unicorn was inside a memory access
 * (hook_mem): still mapped in the engine until the Unicorn run ends
 * (mirror_remove, "deferred unmaps" in docs/design.md).
 */
typedef struct RetiredRegion {
	uint64_t va, pa, size;
} RetiredRegion;

/*
 * An access to a retired mirror region that the model translates to
 * another PA (or faults): the engine's bytes at upa, swapped for the
 * access and put back after the Unicorn call (retired_access).
 */
typedef struct RetiredPatch {
	uint64_t upa, mpa;           /* mpa ~0: the access faulted */
	unsigned len;
	bool store;
	uint8_t orig[64];
} RetiredPatch;

#define RETIRED_PATCH_MAX 8

/* Bytes a store of an abandoned batch instruction overwrote (pe_batch). */
typedef struct BatchUndo {
	uint64_t pa;
	unsigned len;
	uint8_t bytes[64];
} BatchUndo;

/* A store seen by the write hook in this step, to a table page. */
typedef struct StepStore {
	uint64_t pa, old;
} StepStore;

#define DEFER_MAX 32       /* deferred instructions per PE (pe_defer) */

#define STEP_STORES_MAX 16   /* distinct words per step: the largest A64 store touches 9 */

typedef struct Pe {
	int id;
	uc_engine *uc;
	uc_hook hooks[4];
	struct Machine *m;
	PeState state;
	bool counted;                /* state included in the machine's counts */
	/*
	 * What a quantum-1 turn reads, kept together (a turn touches few cache
	 * lines; Unicorn's calls between turns evict them): the instruction
	 * fetch cache (pe_fetch) and the mirror fields it depends on.
	 */
	uint64_t insns;
	uint64_t fc_va, fc_epoch;
	uint8_t *fc_host;
	uint64_t mirror_epoch;       /* bumped when a region goes away */
	uint64_t hc_va, hc_pa, hc_epoch; /* hook_pa's last backed page (VA, PA) at mirror_epoch hc_epoch */
	unsigned ntemp;              /* pages mirrored for one step only (temp_va) */
	/*
	 * Deferral (pe_defer): register-only instructions whose turns have
	 * passed (fetched, EV_INSN emitted, tick counted) and that Unicorn has
	 * not run yet, at page offsets defer_at of the fetch cache's page. The
	 * engine's PC is defer_pc; the PE's is defer_next. pc_next: the PC
	 * after the last step, when known without asking Unicorn (pc_known).
	 */
	unsigned ndefer;
	bool pc_known;
	bool stx_fail;               /* machine_step_stxr_fail: a store-exclusive this step fails (defer_joins) */
	uint64_t defer_pc, defer_next, pc_next;
	uint16_t defer_at[DEFER_MAX];
	uint32_t defer_word[DEFER_MAX];
	const char *error;
	int el;
	WalkRegs regs;
	uint64_t vbar;
	uint64_t midr;
	BbmLevel level;
	Tlb tlb;

	MirrorRegion *mr;
	unsigned nmr, mr_peak;
	uint64_t mr_stamp;
	unsigned recent_mr[MIRROR_RECENT];   /* hook fast path: regions used last (indices may be stale) */
	uint64_t mirror_win;         /* current window, PAGE_SIZE..cfg.mirror_window */
	int8_t *scan;                /* scratch: one state per page of a window */
	bool bulk_inval;             /* a VMALL/ASID TLBI runs: one pass afterwards, not one per entry */
	uint64_t mirror_last_lo, mirror_last_hi;   /* the last region made */
	unsigned in_mem_hook;        /* inside hook_mem: Unicorn's map must not change */
	RetiredRegion *retired;      /* dropped inside hook_mem, unmapped when the run ends */
	unsigned nretired;
	RetiredPatch patch[RETIRED_PATCH_MAX];
	unsigned npatch;
	uc_context *patch_ctx;       /* the registers before a faulting retired access */
	bool patch_restore;
	uint64_t temp_va[MIRROR_TEMP_MAX];   /* pages mirrored for one step only (nT, ...) */


	/* A batch (quantum > 1): several instructions in one Unicorn call (pe_batch). */
	bool in_batch;
	uint64_t batch_pc, batch_t0;
	unsigned batch_n, batch_emitted;
	bool batch_abort;            /* stopped before an access that needs the model (batch_abort) */
	uc_context *batch_ctx;       /* the registers before that access */
	bool batch_restore;          /* batch_ctx holds them */
	BatchUndo batch_undo[2];     /* and the bytes its store overwrites */
	unsigned batch_nundo;

	/* Per-step state. */
	StepStore st[STEP_STORES_MAX];
	unsigned nst;
	bool step_ldx;               /* the instruction is a load-exclusive */
	bool step_fault;             /* the model raised a fault during the step */
	FaultKind sf_kind;
	int sf_level;
	uint64_t sf_va;
	AccessType sf_access;
	bool step_intr;
	uint32_t intr_no;

	uint64_t monitor;            /* exclusive monitor granule PA, ~0 = clear */
	bool event_reg;
} Pe;

struct Machine {
	MachineConfig cfg;
	SchedStep *steps;
	uint8_t *phys;               /* mem_size bytes, MAP_NORESERVE */
	uint64_t mem_size;
	uint8_t *table_bitmap;       /* one bit per physical page */
	Reach reach;                 /* the pages known as tables (reach.h) */
	Pe pe[MACHINE_MAX_PES];
	unsigned npes;
	uint64_t tick;
	uint64_t batched;            /* instructions run inside batches */
	uint64_t deferred;           /* instructions deferred (pe_defer) */
	unsigned ndeferring;         /* PEs with deferred instructions */
	uint64_t lazy_fills;         /* first accesses to walkable pages */
	uint64_t rng;
	unsigned nrunning, nalive;   /* PEs running; running or sleeping */
	Pending pend;                /* table stores and TLBIs in flight until a DSB (pending.h) */
	unsigned armed_monitors;
	bool check_mirror;           /* BBMSIM_CHECK_MIRROR: self-check every mirrored access */
	uint64_t test_error_page, test_crash_page;   /* BBMSIM_TEST_ERROR_VA, _CRASH_VA (tests only) */
	EventFn ev_fn;
	void *ev_ctx;
	const volatile sig_atomic_t *stop;   /* machine_set_stop_flag */
	FaultRecord *faults;
	size_t nfaults, cfaults;
};

/* How a walk by the machine reads descriptors (walker.c). */
typedef struct WalkCtx {
	Machine *m;
	Pe *pe;
	bool quiet;
} WalkCtx;

/* A translation by the TLB and walker (xlat.c), as the mirror and AT take it. */
typedef struct Xlat {
	FaultKind fault;
	int level;
	uint64_t pa;
	TlbEntry entry;      /* the translation used */
	bool uncached;       /* nT block translated without a TLB entry */
	bool multihit;
} Xlat;

/* Events: stamped with the machine's tick. */
static inline void emit(Machine *m, Event *ev)
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

#endif
