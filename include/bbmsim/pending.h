/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pending.h - what the architecture leaves in flight between a PE's
 * instructions and its DSB: table stores not yet guaranteed visible to the
 * translation table walkers (RSPVBD), and TLBIs not yet complete on their
 * targets (RYNJCP). Written once, used by the machine (which executes it:
 * what a walk reads, when a TLBI takes effect) and by the analysis (which
 * judges a run by it: whether a walker could still refill a stale entry).
 *
 * Pure C, no Unicorn; tests/unit/test_pending.c tests each rule on plain
 * arrays. The rules of the barriers themselves (which walkers a DSB
 * publishes to, which TLBIs it completes) are in rules.h; this module keeps
 * the state they act on.
 *
 * A Pending is embedded (pending_init/pending_fini). Stores are kept per
 * storing PE in program order, TLBIs per target PE in issue order. The
 * callbacks of pending_dsb_stores, pending_dsb_tlbis and pending_tlbi_issue
 * run while the lists are being updated: they may read the Pending (a walk
 * from the callback sees the stores published so far) but must not add to
 * or remove from it.
 */
#ifndef BBMSIM_PENDING_H
#define BBMSIM_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bbmsim/rules.h"
#include "bbmsim/tlb.h"

#define PENDING_MAX_PES 64

/* A store to translation-table memory not yet visible to every walker (RSPVBD). */
typedef struct PendingStore {
	uint64_t pa, old, val, tick;
	uint64_t seen;               /* walkers (PE bits) a DSB of the storer made it visible to */
} PendingStore;

/* A TLBI issued and not yet completed on one target. */
typedef struct PendingTlbi {
	TlbiOp op;
	int issuer;
	uint64_t tick, pc;
} PendingTlbi;

typedef struct PendingStores {
	PendingStore *s;
	size_t n, cap;
} PendingStores;

typedef struct PendingTlbis {
	PendingTlbi *t;
	size_t n, cap;
} PendingTlbis;

typedef struct Pending {
	unsigned npes;
	bool walk_at_dsb;            /* knob walk_visibility: at-dsb (else immediate) */
	bool tlbi_at_issue;          /* knob tlbi_completion: at-issue (else at-dsb) */
	size_t nstores;              /* pending stores over all storers */
	PendingStores st[PENDING_MAX_PES];   /* by storer */
	PendingTlbis tl[PENDING_MAX_PES];    /* by target */
} Pending;

/*
 * Start empty for @npes PEs. @walk_at_dsb: a table store stays invisible to
 * the other walkers until its PE's DSB (the latest RSPVBD allows); false:
 * visible at once (the earliest). @tlbi_at_issue: a TLBI completes on its
 * targets when issued (the earliest RYNJCP allows); false: at the issuer's
 * DSB (the latest).
 */
void pending_init(Pending *p, unsigned npes, bool walk_at_dsb, bool tlbi_at_issue);
/* Forget everything, keep the memory; the knobs as for pending_init. */
void pending_reset(Pending *p, unsigned npes, bool walk_at_dsb, bool tlbi_at_issue);
void pending_fini(Pending *p);

/*
 * PE @storer stored @val over @old at @pa (a descriptor) at @tick. Under
 * walk_at_dsb the store stays pending for every walker until a DSB of the
 * storer publishes it (RSPVBD; a PE's own walker is a separate observer,
 * RTGRMW, so its own walks wait too). Returns true when it is pending,
 * false when it is visible to every walker at once.
 */
bool pending_store(Pending *p, int storer, uint64_t pa, uint64_t old, uint64_t val, uint64_t tick);

/*
 * The value the walker of PE @walker reads at @pa now, memory holding @mem
 * (the machine's deterministic choice, the latest visibility): the value
 * from before the oldest store to @pa it may still miss, else @mem. It may
 * miss a pending store not yet published to it that is newer than every
 * pending store published to it (a walk never goes back in coherence order).
 */
uint64_t pending_walk_read(const Pending *p, int walker, uint64_t pa, uint64_t mem);

/*
 * Every value the walker of PE @walker may read at @pa now (RSPVBD: a store
 * not yet guaranteed visible may or may not be seen), memory holding @mem:
 * writes at most @max distinct values into @out in coherence order, the
 * first being pending_walk_read's, the last @mem. Returns the number of
 * values (1 when nothing is pending for it there).
 */
size_t pending_walk_values(const Pending *p, int walker, uint64_t pa, uint64_t mem,
			   uint64_t *out, size_t max);

/* Is a store by @storer to @pa at @tick still invisible to @walker? */
bool pending_store_hidden(const Pending *p, int storer, uint64_t pa, uint64_t tick, int walker);

/*
 * Let the walker of PE @walker see now every pending store to the
 * descriptor word at @pa it may still miss (RSPVBD: a store not yet
 * guaranteed visible may be seen at any time; the explorer's and litmus'
 * `walk` choice). Returns whether the walker could still miss one (it sees
 * the newest: then it sees all); with @dry_run nothing changes. A store
 * then visible to every walker stops being pending.
 */
bool pending_reveal(Pending *p, int walker, uint64_t pa, bool dry_run);

/* Called for a store whose visibility grew: @newly holds the walkers it now reaches. */
typedef void (*PendingStoreFn)(void *ctx, int storer, const PendingStore *s, uint64_t newly);

/*
 * DSB @d by PE @pe, for its stores (RSPVBD, rules_dsb_publishes_to): each
 * of its pending stores becomes visible to the walkers of the barrier's
 * domain, and so does every older pending store to the same descriptor
 * word, whoever made it (coherence: a walk never reads a value older than
 * one it is guaranteed to see); @fn (may be NULL) hears of each store whose
 * set grew; a store visible to every walker stops being pending. Returns
 * the walkers published to (0 for a DSB that does not wait for stores).
 */
uint64_t pending_dsb_stores(Pending *p, int pe, const DsbOp *d, PendingStoreFn fn, void *ctx);

/* A TLBI has completed on PE @target. */
typedef void (*PendingTlbiFn)(void *ctx, int target, const PendingTlbi *t);

/*
 * The PEs a TLBI @op by @issuer must complete on: the issuer for a local
 * one, every PE for IS and OS (the machine has one Inner Shareable domain).
 */
uint64_t pending_tlbi_targets(const Pending *p, const TlbiOp *op, int issuer);

/*
 * PE @issuer issued @op at @tick (@pc: where, for reports) to the PEs in
 * @targets. Under tlbi_at_issue it completes on each at once: @fn (lowest
 * PE first); else it waits on each target for the issuer's DSB.
 */
void pending_tlbi_issue(Pending *p, const TlbiOp *op, int issuer, uint64_t tick, uint64_t pc,
			uint64_t targets, PendingTlbiFn fn, void *ctx);

/*
 * DSB @d by PE @pe, for its TLBIs (RYNJCP, RPSMWS: rules_dsb_completes):
 * every TLBI it issued that the barrier completes leaves the pending list
 * of each target; @fn hears of each, target by target (lowest first), in
 * issue order.
 */
void pending_dsb_tlbis(Pending *p, int pe, const DsbOp *d, PendingTlbiFn fn, void *ctx);

/*
 * Remove the TLBI issued by @issuer at @tick from @target's list (it
 * completed there by some other account: the analysis follows the
 * machine's completion events) into @out. False when there is none.
 */
bool pending_tlbi_take(Pending *p, int target, int issuer, uint64_t tick, PendingTlbi *out);

/* TLBIs waiting to complete on @target. */
static inline size_t pending_tlbis(const Pending *p, unsigned target)
{
	return p->tl[target].n;
}

#endif
