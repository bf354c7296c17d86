/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * analysis.h - the hazard analysis: windows in which a PE could take a
 * translation fault or a TLB conflict abort, or use a stale translation.
 *
 * The analysis consumes the machine's event stream and reasons about what
 * each PE *could* hold and walk, independent of the choices the execution
 * made (docs/semantics.md). It is pure C: memory is read through a callback.
 */
#ifndef BBMSIM_ANALYSIS_H
#define BBMSIM_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/bbm.h"
#include "bbmsim/event.h"
#include "bbmsim/walk.h"

typedef enum WindowKind {
	WIN_TRANSLATION_FAULT,
	WIN_TLB_CONFLICT,
	WIN_STALE,
	WIN_KIND_COUNT,
} WindowKind;

typedef enum Severity {
	SEV_BENIGN,
	SEV_FAULT_POSSIBLE,      /* a translation fault can be taken */
	SEV_ABORT_POSSIBLE,      /* a TLB conflict abort can be raised (legal at level 2) */
	SEV_VIOLATION,           /* the architecture's rules were broken */
	SEV_COUNT,
} Severity;

const char *window_kind_name(WindowKind k);      /* "translation-fault", "tlb-conflict", "stale" */
const char *severity_name(Severity s);           /* "benign", "fault-possible", ... */
bool window_kind_parse(const char *s, WindowKind *k);
bool severity_parse(const char *s, Severity *s_out);

/* The descriptor write that opened a window. */
typedef struct WindowCause {
	int pe;
	uint64_t pc, tick;
	uint32_t insn;
	uint64_t desc_pa, old, val;
	int level;
} WindowCause;

typedef struct Window {
	WindowKind kind;
	Severity severity;
	int pe;                      /* the PE exposed */
	uint64_t va, size;           /* the VA range */
	uint64_t open_tick, close_tick;   /* close_tick = ~0 when still open at the end */
	WindowCause cause;
	char why[160];               /* what differs ("size 1G -> 2M", "OA", ...) */
	char closed_by[96];          /* "tlbi vae1is from PE0 completed" or "" */
	uint64_t accesses;           /* the PE's accesses to the range inside the window */
	uint64_t stale_uses;         /* of those, the ones an old translation served (rules_stale_use) */
	uint64_t first_access, last_access;   /* ticks of the first and last of them (~0: none) */
	uint64_t faults;             /* faults the PE took in the range inside the window */
	bool latent;                 /* no access by the PE touched it (set at analysis_finish) */
	unsigned refs;               /* private: stale entries still holding it open */
	bool needs_tlbi;             /* private: the change needs a TLBI on this PE (RGPPYH) */
	long onext;                  /* private: chain of the PE's open windows */
} Window;

/* A rule broken by the code, independent of any PE's exposure. */
typedef struct Violation {
	uint64_t tick;
	int pe;
	uint64_t pc;
	char rule[16];               /* Arm ARM rule id, e.g. "RWHZWS" */
	char what[160];
} Violation;

typedef uint64_t (*AnalysisReadFn)(void *ctx, uint64_t pa);

typedef struct Analysis Analysis;

typedef struct AnalysisPe {
	WalkRegs regs;
	BbmLevel level;
	bool active;
} AnalysisPe;

/* @pes[npes]: each PE's initial translation registers and level. */
Analysis *analysis_new(const AnalysisPe *pes, unsigned npes, const BbmKnobs *knobs,
		       AnalysisReadFn rd, void *rd_ctx);
void analysis_free(Analysis *a);

/*
 * Called when a window opens (@closed false) and when it closes (@closed
 * true), at the tick of the event that did it; for traces.
 */
typedef void (*WindowFn)(void *ctx, const Window *w, bool closed);
void analysis_set_window_fn(Analysis *a, WindowFn fn, void *ctx);

/* Mirror MachineConfig.ttl_strict (default true). */
void analysis_set_ttl_strict(Analysis *a, bool strict);

/* Feed one machine event (use as, or from, the machine's EventFn). */
void analysis_event(void *a, const Event *ev);

/* Close the bookkeeping at the end of the run (windows still open stay open). */
void analysis_finish(Analysis *a, uint64_t end_tick);

/*
 * State hashing (bbmsim explore): the ticks the analysis' future compares
 * (stale entries' visibility, TLBIs issued and not completed) into
 * @out[0..max), returning how many; and a 64-bit hash of what decides its
 * judgements from here and its results so far (stale entries, open fault
 * windows, taints, pending TLBIs, windows with their counts, violations),
 * each such tick hashed as @rank(@ctx, tick). Two analyses with the same
 * hash, fed the same events from here, give the same windows, counts and
 * violations but for ticks and texts.
 */
size_t analysis_state_ticks(const Analysis *a, uint64_t *out, size_t max);
uint64_t analysis_state_hash(const Analysis *a, uint64_t (*rank)(void *ctx, uint64_t tick), void *ctx);

size_t analysis_windows(const Analysis *a, const Window **out);
size_t analysis_violations(const Analysis *a, const Violation **out);

/* Count windows matching a kind/severity/PE (-1 = any for each). */
size_t analysis_count(const Analysis *a, int kind, int severity, int pe);

#endif
