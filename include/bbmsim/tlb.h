/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tlb.h - one PE's TLB: leaf entries and walk-cache (intermediate) entries.
 *
 * Unlike a real cache, this TLB keeps everything the architecture allows it
 * to keep: an entry stays until a TLBI that covers it completes on the PE,
 * or until it is evicted under a configured capacity. Several entries may
 * match one VA (an old 1 GiB block and a new 2 MiB block); tlb_lookup()
 * reports them all and leaves the decision to the caller (bbm.h).
 */
#ifndef BBMSIM_TLB_H
#define BBMSIM_TLB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct TlbEntry {
	uint64_t va;          /* base VA, aligned to 1 << size_log2 */
	uint64_t pa;          /* output address (leaf) or next-level table (walk cache) */
	uint64_t desc_pa;     /* where the descriptor came from */
	uint64_t desc;        /* the descriptor value that was cached */
	uint64_t fill_tick;   /* global tick of the fill */
	uint64_t last_use;    /* for LRU */
	uint32_t serial;      /* unique per TLB, for reports */
	uint16_t asid;
	uint8_t size_log2;    /* 12, 16, 21, 25, 30, 34, 39 */
	uint8_t level;        /* lookup level of the descriptor */
	bool leaf;            /* false: walk-cache entry for a table descriptor */
	bool global;          /* nG == 0 (walk-cache entries are tagged by ASID) */
	bool speculative;     /* filled by the speculative-fill policy */
	int32_t next;         /* hash chain (private) */
} TlbEntry;

typedef enum TlbReplace {
	TLB_REPLACE_LRU,
	TLB_REPLACE_RANDOM,
} TlbReplace;

typedef struct TlbConfig {
	size_t capacity;        /* leaf + walk-cache entries; 0 = unbounded */
	TlbReplace replace;
	uint64_t seed;          /* for TLB_REPLACE_RANDOM */
	bool walk_cache;        /* cache table descriptors */
} TlbConfig;

/*
 * Called whenever an entry (leaf or walk-cache) is added (@added) or removed
 * (evicted or invalidated), with the entry. A refresh of an identical entry
 * is not a change.
 */
typedef void (*TlbChangeFn)(void *ctx, const TlbEntry *e, bool added);

typedef struct Tlb {
	TlbConfig cfg;
	TlbEntry *e;            /* entry pool */
	size_t cap, used;       /* pool size, live entries */
	int32_t free_head;
	int32_t *bucket;
	size_t nbucket;         /* power of two */
	uint64_t size_mask[2];  /* [leaf] bit s set: some entry of size 1<<s lives */
	uint32_t next_serial;
	uint64_t rng;
	uint64_t evictions;
	TlbChangeFn on_change;
	void *change_ctx;
} Tlb;

void tlb_init(Tlb *t, const TlbConfig *cfg);
void tlb_fini(Tlb *t);

/*
 * Insert @in (va must be aligned to size). An identical entry (same va, size,
 * asid/global, leaf, descriptor) is refreshed rather than duplicated.
 * Evicts under the capacity. If @evicted is not NULL it receives a copy of
 * the evicted entry and *@did_evict is set. Returns the stored entry.
 */
TlbEntry *tlb_insert(Tlb *t, const TlbEntry *in, TlbEntry *evicted, bool *did_evict);

/* Does entry @e translate @va for @asid? (ASID match or global, RNWYRD.) */
bool tlb_entry_covers(const TlbEntry *e, uint64_t va, uint16_t asid);

/*
 * All leaf (or, with @leaf false, walk-cache) entries that match @va/@asid,
 * up to @max pointers written to @out. Returns the total number of matches
 * (which may exceed @max). Updates last_use to @tick when @tick != 0.
 */
size_t tlb_lookup(Tlb *t, uint64_t va, uint16_t asid, bool leaf,
		  TlbEntry **out, size_t max, uint64_t tick);

/* TLB maintenance (D8.17.5). */
typedef enum TlbiKind {
	TLBI_VMALL,     /* VMALLE1: every stage 1 entry */
	TLBI_VA,        /* VAE1: VA, ASID or global, all levels */
	TLBI_ASID,      /* ASIDE1: non-global entries of an ASID */
	TLBI_VAA,       /* VAAE1: VA, any ASID */
	TLBI_VAL,       /* VALE1: as VA, last level only */
	TLBI_VAAL,      /* VAALE1 */
	TLBI_RVA, TLBI_RVAA, TLBI_RVAL, TLBI_RVAAL,   /* FEAT_TLBIRANGE */
} TlbiKind;

typedef enum TlbiScope {
	TLBI_LOCAL,
	TLBI_IS,
	TLBI_OS,
} TlbiScope;

typedef struct TlbiOp {
	TlbiKind kind;
	TlbiScope scope;
	uint64_t va;            /* VA (bits 55:12 from Xt, sign-extended from bit 55) */
	uint64_t size;          /* bytes covered (range forms); 4 KiB otherwise */
	uint16_t asid;
	int ttl_level;          /* -1 when no TTL level hint, else level 0..3 */
	bool ttl_other_granule; /* the TTL (or TG) field names a 16K or 64K granule, not 4K */
	uint64_t xt;            /* the raw operand */
} TlbiOp;

/*
 * Decode a TLBI from its SYS encoding (op0=1, op1=0, CRn=8) and Xt.
 * Returns false when the encoding is not an EL1 TLBI.
 */
bool tlbi_decode(unsigned op1, unsigned crn, unsigned crm, unsigned op2,
		 uint64_t xt, TlbiOp *op);

/* "vae1is" etc.; writes into @buf. */
const char *tlbi_name(const TlbiOp *op, char *buf, size_t len);

/*
 * Would @op remove @e? @ttl_strict (the `ttl: strict` knob): a TTL hint that
 * is wrong for the entry need not invalidate it (section 4.1 of the brief),
 * so it does not: a hint naming another level spares leaf entries of other
 * levels; a hint naming another granule (16K or 64K: e.g. TTL = 0b1111 from
 * `lsr x, va, #12` of a TTBR1 VA without masking bits 63:44) spares every
 * entry. Without @ttl_strict hints are ignored.
 */
bool tlbi_covers(const TlbiOp *op, const TlbEntry *e, bool ttl_strict);

/*
 * Apply @op to the TLB. Each removed entry is copied to @removed (up to @max);
 * returns the number removed.
 */
size_t tlb_invalidate(Tlb *t, const TlbiOp *op, bool ttl_strict, TlbEntry *removed, size_t max);

/* Iterate over live entries: returns the next live index >= @i, or -1. */
long tlb_next(const Tlb *t, long i);

#endif
