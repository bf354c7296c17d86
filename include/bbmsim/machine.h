/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * machine.h - several AArch64 PEs on Unicorn, translated by bbmsim's model.
 *
 * Each PE is one Unicorn engine (CPU model MAX) with Unicorn's MMU off. The
 * engine's memory map is a bounded, coalesced mirror of what that PE's TLB
 * can translate right now (VA page -> host page of the physical memory);
 * every access outside the mirror traps into the model, which looks up the
 * TLB, walks the tables, fills, faults or raises a conflict abort. System
 * instructions that matter (TLBI, AT, DSB, ISB, WFE, SEV, MSR/MRS of the
 * translation registers, SVC, BRK, HLT) are decoded and executed by the
 * model before Unicorn sees them.
 */
#ifndef BBMSIM_MACHINE_H
#define BBMSIM_MACHINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/bbm.h"
#include "bbmsim/event.h"
#include "bbmsim/tlb.h"
#include "bbmsim/walk.h"

#define MACHINE_MAX_PES 64

typedef enum SpecFill {
	SPEC_FILL_NONE,          /* fill only on a miss */
	SPEC_FILL_ADVERSARIAL,   /* cache every new reachable descriptor at once */
} SpecFill;

/* When a store to a translation table becomes visible to table walks. */
typedef enum WalkVisibility {
	WALK_VIS_IMMEDIATE,      /* at once (the earliest the architecture allows) */
	WALK_VIS_AT_DSB,         /* only at the storing PE's next DSB (RSPVBD, the latest) */
} WalkVisibility;

/* When a TLBI takes effect on its targets (RYNJCP). */
typedef enum TlbiCompletion {
	TLBI_COMPLETE_AT_DSB,    /* at the issuer's DSB (the latest) */
	TLBI_COMPLETE_AT_ISSUE,  /* at once (the earliest) */
} TlbiCompletion;

typedef enum SchedPolicy {
	SCHED_ROUND_ROBIN,
	SCHED_RANDOM,
	SCHED_LIST,
} SchedPolicy;

typedef struct SchedStep {
	int pe;
	uint64_t count;
} SchedStep;

typedef struct MachineConfig {
	unsigned npes;             /* 1..64 */
	uint64_t mem_size;         /* bytes of physical address space (committed on touch) */
	BbmLevel level;            /* level of PEs without their own */
	BbmKnobs knobs;
	TlbConfig tlb;
	SpecFill spec_fill;
	WalkVisibility walk_vis;
	TlbiCompletion tlbi_completion;
	bool ttl_strict;           /* a wrong TTL hint spares entries (default true) */
	SchedPolicy sched;
	unsigned quantum;          /* instructions per turn (round-robin, random) */
	uint64_t seed;
	const SchedStep *steps;    /* SCHED_LIST; the list repeats */
	size_t nsteps;
	uint64_t max_insns;        /* 0 = 10 million */
	uint64_t midr;             /* default MIDR_EL1 */
	unsigned mirror_regions;   /* per-PE Unicorn region budget; 0 = 128 */
	uint64_t mirror_window;    /* largest Unicorn region, a power of two 4 KiB..256 MiB; 0 = 256 MiB */
	unsigned tlb_prefetch;     /* a walk to a page also caches its aligned group of N pages; 0/1 = off */
	/*
	 * With quantum > 1, runs of register-only instructions and plain loads
	 * (up to a branch or a plain store) execute in one Unicorn call; at any
	 * quantum, a turn of a register-only instruction is deferred and the
	 * instruction runs later in one call with its PE's next load or store.
	 * Events, ticks and outcomes are exactly those of stepping one
	 * instruction per Unicorn call, which this flag forces. Tests set it to
	 * compare.
	 */
	bool no_batch;
	/* Tests: mirror only pages the TLB holds (no walkable pages), the mirror before lazy fills. */
	bool mirror_backed_only;
	/*
	 * Test-only mutation (never set it elsewhere): a broadcast TLBI
	 * completes only on the issuing PE, a deliberately broken TLB model
	 * that the litmus suite must catch (tests/test_litmus.c).
	 */
	bool broken_tlbi_for_tests;
} MachineConfig;

void machine_config_default(MachineConfig *c);

typedef struct PeInit {
	uint64_t pc, sp;
	uint64_t x[31];
	uint64_t sp_el0;           /* SP_EL0 at EL1 (Linux keeps 'current' there); ignored at EL0, where sp is SP_EL0 */
	uint64_t tpidr_el1;        /* TPIDR_EL1 (Linux: this PE's per-CPU offset) */
	int el;                    /* 0 or 1 */
	WalkRegs regs;             /* TTBR0/1, TCR, SCTLR (M), MAIR */
	uint64_t vbar;             /* 0 = no vector table: faults stop the PE */
	bool has_level;            /* this PE's own BBM level */
	BbmLevel level;
	bool has_midr;
	uint64_t midr;
} PeInit;

typedef enum PeState {
	PE_RUNNING,
	PE_SLEEPING,   /* in WFE, waiting for an event */
	PE_HALTED,     /* ended normally (HLT #0) */
	PE_FAULTED,    /* a fault or exception with no vector table */
	PE_ERROR,      /* the emulator could not go on (reported, never a crash) */
} PeState;

const char *pe_state_name(PeState s);

typedef enum RunEnd {
	RUN_ALL_HALTED,   /* every PE halted or faulted */
	RUN_LIMIT,        /* instruction limit reached */
	RUN_DEADLOCK,     /* every PE still alive is asleep */
	RUN_INTERRUPTED,  /* the stop flag was set (machine_set_stop_flag) */
} RunEnd;

const char *run_end_name(RunEnd e);

/* A fault the model raised on a PE (delivered or not). */
typedef struct FaultRecord {
	uint64_t tick;
	int pe;
	uint64_t pc, va;
	FaultKind kind;
	int level;
	AccessType access;
	uint64_t esr;
	bool delivered;          /* to the guest's vector table */
	const char *what;        /* "abort", "svc", "brk", "undefined", ... */
} FaultRecord;

typedef struct Machine Machine;

/* Create a machine; on failure returns NULL with a message in @err. */
Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen);
void machine_free(Machine *m);

/* Physical memory. Return false when the range is outside memory. */
bool machine_phys_write(Machine *m, uint64_t pa, const void *buf, size_t len);
bool machine_phys_read(Machine *m, uint64_t pa, void *buf, size_t len);
uint64_t machine_phys_read64(Machine *m, uint64_t pa);
void machine_phys_write64(Machine *m, uint64_t pa, uint64_t v);

/* Mark physical pages as translation-table memory (table pool, spare tables). */
void machine_mark_table_pages(Machine *m, uint64_t pa, uint64_t len);

/* Set up PE @i before the run. Returns false (with @err) on bad values. */
bool machine_pe_init(Machine *m, unsigned i, const PeInit *init, char *err, size_t errlen);

void machine_set_event_fn(Machine *m, EventFn fn, void *ctx);

/* Run until every PE stops, the limit, deadlock, or the stop flag. */
RunEnd machine_run(Machine *m);

/*
 * Let machine_run() end early: between PE turns it reads *@flag and
 * returns RUN_INTERRUPTED once it is nonzero, the machine left as it is
 * (a signal handler sets the flag; a turn of quantum N finishes first).
 * NULL, the default, for none. The flag must outlive the run.
 */
void machine_set_stop_flag(Machine *m, const volatile sig_atomic_t *flag);

/*
 * Execute one step (an instruction, or an exception entry) on PE @i, for
 * callers that schedule themselves (the litmus explorer). Returns false
 * when the PE is not running or the instruction limit is reached.
 */
bool machine_step(Machine *m, unsigned i);

/*
 * Bring the machine back to its state after machine_new, reusing its
 * Unicorn engines: TLBs, mirrors, pending TLBIs and stores, faults, the
 * table registry and marks, PE states and the tick are cleared; physical
 * memory is kept (the caller rewrites what it needs). @cfg, when not NULL,
 * replaces the configuration; its npes, mem_size and tlb must match.
 * Returns false (nothing changed) when they do not. Then call
 * machine_mark_table_pages and machine_pe_init again. Unicorn keeps the
 * code it translated (flushing costs tens of milliseconds): to run other
 * code, load it at other virtual addresses, or use a new machine.
 */
bool machine_reset(Machine *m, const MachineConfig *cfg);

/*
 * Zero the whole physical memory at once (its pages go back to the host:
 * untouched again). With machine_reset(), brings a machine back to what
 * machine_new() gave, for explorers that run one scenario many times
 * (scenario_reset).
 */
void machine_phys_clear(Machine *m);

uint64_t machine_tick(const Machine *m);
/* Instructions run inside batches (quantum > 1, MachineConfig.no_batch). */
uint64_t machine_batched_insns(const Machine *m);
/* Register-only instructions deferred at their turns and run later in one call (pe_defer; no_batch). */
uint64_t machine_deferred_insns(const Machine *m);
/* The schedule quantum in force (1: one instruction per turn). */
unsigned machine_quantum(const Machine *m);
/* First accesses to walkable mirror pages (each a TLB fill done by the memory hook). */
uint64_t machine_mirror_lazy_fills(const Machine *m);
unsigned machine_npes(const Machine *m);
PeState machine_pe_state(const Machine *m, unsigned i);
uint64_t machine_pe_insns(const Machine *m, unsigned i);
uint64_t machine_pe_pc(Machine *m, unsigned i);
uint64_t machine_pe_x(Machine *m, unsigned i, unsigned reg);   /* X0..X30, 31 = SP */
BbmLevel machine_pe_level(const Machine *m, unsigned i);
Tlb *machine_pe_tlb(Machine *m, unsigned i);
const char *machine_pe_error(const Machine *m, unsigned i);
/* Number of TLBIs still pending (issued, not completed) on PE @i. */
size_t machine_pe_pending_tlbis(const Machine *m, unsigned i);
/* Unicorn regions currently mapped for PE @i, and the most ever. */
unsigned machine_pe_mirror_regions(const Machine *m, unsigned i, unsigned *peak);
/* Regions mapped into PE @i's engine since the start (each one a trap that missed the mirror). */
uint64_t machine_pe_mirror_maps(const Machine *m, unsigned i);
/*
 * How PE @i's mirror holds the page of @va: -1 not mapped (an access traps
 * to the model), 0 mapped and walkable (no TLB entry yet: the first access
 * fills one), 1 mapped and backed by one TLB entry (docs/design.md).
 */
int machine_pe_mirror_state(Machine *m, unsigned i, uint64_t va);
/*
 * The PA PE @i would use for @va now (its TLB's entry, else a walk), without
 * changing the TLB or emitting events; false when the walk faults. For tools
 * and benchmarks; multiple hits give the first entry found.
 */
bool machine_pe_translate(Machine *m, unsigned i, uint64_t va, uint64_t *pa);

/*
 * Choice points for explorers (ARM-TLBALLOC: a PE may cache any valid
 * translation it can reach at any time, and drop an entry at any time).
 * machine_pe_fill: PE @i walks @va now and caches the leaf entry (and the
 * table descriptors on the way) as a speculative fill, with the events of a
 * fill; machine_pe_evict: PE @i drops its leaf entries for @va, as an
 * eviction. With @dry_run nothing changes. Both return whether the TLB
 * changes (a fill of an entry it already holds, or of a faulting walk, does
 * not).
 */
bool machine_pe_fill(Machine *m, unsigned i, uint64_t va, bool dry_run);
bool machine_pe_evict(Machine *m, unsigned i, uint64_t va, bool dry_run);
/*
 * Does PE @i hold an entry for @va whose descriptor has changed since it was
 * cached? The explorers evict only those: dropping a current entry is the
 * same as a later miss that refills it (it commutes with every step that
 * does not touch the page on that PE).
 */
bool machine_pe_holds_stale(Machine *m, unsigned i, uint64_t va);

/*
 * Walk values as a choice point (RSPVBD: a table store is visible to a
 * walker at the latest when a DSB of the storing PE completes, and may be
 * earlier). Under walk_visibility at-dsb a walk reads the value from before
 * the oldest store to its descriptor still pending for that walker;
 * machine_pe_see_store makes every store to the descriptor word at @pa
 * visible to PE @i's walker now, as such a DSB would. Returns whether one
 * was pending for it (with @dry_run nothing changes).
 */
bool machine_pe_see_store(Machine *m, unsigned i, uint64_t pa, bool dry_run);
/*
 * The same for every descriptor PE @i's walk of @va reads (level by level:
 * a table descriptor it now sees may lead to another pending store).
 * Returns how many words changed (with @dry_run: the first one found, if
 * any); their PAs in @pas (up to @max).
 */
size_t machine_pe_see_walk(Machine *m, unsigned i, uint64_t va, uint64_t *pas, size_t max, bool dry_run);

/*
 * A spurious store-exclusive failure as a choice point: PE @i takes one step
 * (as machine_step) in which, if the instruction is a store-exclusive
 * (STXR, STLXR, STXP, STLXP), it fails: no store, status 1, the monitor
 * open (the local monitor may be cleared at any time, for no architectural
 * reason, so a store-exclusive may always fail). Simplification: Unicorn's
 * own exclusive state is left as it is, so a further store-exclusive with
 * no load-exclusive before it could still succeed.
 */
bool machine_step_stxr_fail(Machine *m, unsigned i);

size_t machine_faults(const Machine *m, const FaultRecord **out);

/*
 * State hashing (sim/machine_hash.c, for `bbmsim explore`): the ticks the
 * machine's future compares (pending table stores and TLBIs) into
 * @out[0..max), returning how many; and a 64-bit hash of everything but
 * physical memory that decides what the machine does next and what its
 * report says (registers, translation registers, TLBs and walk caches,
 * pending stores and TLBIs, monitors, the faults taken so far), with each
 * such tick hashed as @rank(@ctx, tick).
 */
size_t machine_state_ticks(const Machine *m, uint64_t *out, size_t max);
uint64_t machine_state_hash(Machine *m, uint64_t (*rank)(void *ctx, uint64_t tick), void *ctx);

#endif
