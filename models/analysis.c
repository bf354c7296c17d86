// SPDX-License-Identifier: GPL-2.0-only
/*
 * analysis.c - break-before-make hazard analysis over the event stream.
 *
 * The analysis asks what each PE *could* do, not what the execution chose:
 *
 *  - A PE may hold any valid, cacheable translation reachable from its
 *    TTBRs at any time (ARM-TLBALLOC). Current translations are implicitly
 *    "may hold"; what the analysis tracks per PE is the set of *stale*
 *    translations: ones whose descriptor was overwritten while the PE could
 *    reach it (or still held entries from its tree, see "taint").
 *  - A stale translation is dropped only when a TLBI covering it completes
 *    on the PE, and only if the store that replaced it was guaranteed
 *    visible to walkers (its PE's DSB, RSPVBD) before the TLBI was issued;
 *    otherwise the walker may have refilled it in between (scenario S5).
 *  - Translation-fault window: the PE reaches a descriptor that is invalid
 *    (or an nT block at level 1 under the fault knob). It opens at the
 *    store and closes when a valid descriptor is guaranteed visible (the
 *    storing PE's DSB after the make), or when the PE stops reaching it.
 *  - TLB-conflict window: a stale translation overlaps a current cacheable
 *    one that differs from it. If they differ only in size (RPVTFW), the
 *    severity depends on the PE's level: violation at 0 and 1, abort
 *    possible at 2 (IHYQMB), benign at 2-noabort. When only the Contiguous
 *    bit differs (same lookup level), level 1 is abort possible too
 *    (RKHRBC, RFCPSG). A difference in output
 *    address, memory type or shareability, or nG 1 -> 0, needs BBM at every
 *    level (RWHZWS): violation.
 *  - Stale window: the difference is one that needs no BBM but does need a
 *    TLBI (permissions, AF, nG 0 -> 1; RGPPYH). Benign if a TLBI closed it
 *    before the PE touched the range; a violation if the PE accessed the
 *    range through it or it was never closed.
 *  - Taint: after a PE moves its TTBR away from a tree, it may still hold
 *    that tree's entries until a TLBI VMALLE1/ASIDE1 completes on it.
 *
 *  - Stale entries carry the tags a TLB entry would (RNWYRD): global, or
 *    the ASID the PE used while it could reach the descriptor; a TLBI
 *    removes them only if tlbi_covers() says so for that tag (tlb.c).
 *  - A PE whose MMU is off keeps what it cached (no TLBI happened): its
 *    stale entries are judged when it turns the MMU on again.
 *  - Stores in flight and TLBIs not yet complete are kept by the pending
 *    module (pending.h), the one the machine executes: a stale entry's
 *    replacing store becomes visible to a walker when pending_dsb_stores
 *    says so (RSPVBD, by rules_dsb_publishes_to). TLBIs complete when the
 *    machine reports it (EV_TLBI_COMPLETE); the analysis takes them off
 *    its pending lists then, and those left at the end never completed.
 *  - At the end, every change that needed a TLBI and got none covering it
 *    is a rule violation (RGPPYH), whatever window it opened; so is a
 *    contiguous group still misprogrammed when a TLBI covering it is issued
 *    or at the end (RJQQTC).
 *
 * Simplifications (named in docs/semantics.md): a table whose subtree has
 * more than ANALYSIS_MAX_SUBTREE valid leaves is treated as one stale
 * range; a PE remembers at most ANALYSIS_MAX_TAINT trees or ASIDs it left
 * behind; stage 2 and VMIDs are not modelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/analysis.h"
#include "bbmsim/pending.h"
#include "grow.h"
#include "bbmsim/reach.h"
#include "bbmsim/rules.h"
#include "bbmsim/sysinsn.h"

#define ANALYSIS_MAX_SUBTREE 4096
#define ANALYSIS_MAX_TAINT 16
#define NOT_YET (~0ull)

typedef struct Stale {
	uint64_t va;
	unsigned size_log2;
	uint64_t oa;            /* output address of va (leaf) */
	uint64_t desc, desc_pa;
	int level;
	bool leaf;              /* false: a walk-cache (table) entry */
	int storer;
	uint32_t cause;         /* index in Analysis.causes: the write that made it stale */
	uint16_t asid;          /* the tag of a non-global entry (RNWYRD) */
	bool global;            /* leaf with nG == 0: matches every ASID */
	uint64_t visible_tick;  /* when the replacing store became visible to this PE's walks */
	long win;               /* conflict or stale window, -1 */
	bool flagged;           /* a violation was reported for it */
} Stale;

typedef struct FaultOpen {
	uint64_t desc_pa;
	long win;
	int close_storer;       /* -1, or the PE whose DSB makes the new valid value visible */
} FaultOpen;

/* A tree (TTBR value) or an ASID the PE used and left behind without a TLBI. */
typedef struct Taint {
	uint64_t ttbr;
	uint16_t asid;
	bool global_only;       /* a TLBI by ASID removed its non-global entries */
} Taint;

/* A contiguous group changed: judged at the first TLBI that covers it, or at the end. */
typedef struct ContGroup {
	uint64_t pa, va;        /* first descriptor and the VA it translates */
	int level;
	WindowCause cause;      /* the last write into the group */
} ContGroup;

typedef struct PeState_ {
	WalkRegs regs;
	BbmLevel level;
	bool active;
	Stale *st;
	size_t nst, cst;
	size_t nunres;          /* stale entries without a window yet (newest last) */
	size_t nwalk;           /* stale walk-cache entries */
	FaultOpen *fo;
	size_t nfo, cfo;
	Taint taint[ANALYSIS_MAX_TAINT];   /* trees and ASIDs left behind */
	unsigned ntaint;
	bool mmu_seen;          /* the MMU was on at some time: the TLB may hold entries */
	long *ob;               /* open windows: hash buckets by (va, size), chained by onext */
	size_t nob, nopen;
	unsigned ocount[64];    /* open windows per size (log2) */
} PeA;

struct Analysis {
	PeA pe[64];
	unsigned npes;
	BbmKnobs knobs;
	bool ttl_strict;
	AnalysisReadFn rd;
	void *rd_ctx;
	Window *w;
	size_t nw, cw;
	Violation *v;
	size_t nv, cv;
	Pending pend;           /* stores not yet visible to walkers, TLBIs not yet complete */
	WindowCause *causes;    /* the writes that made entries stale */
	size_t ncauses, ccauses;
	ContGroup *cg;
	size_t ncg, ccg;
	uint64_t now;
	bool finished;
	WindowFn wfn;
	void *wctx;
};

const char *window_kind_name(WindowKind k)
{
	static const char *const n[] = { "translation-fault", "tlb-conflict", "stale" };
	return n[k];
}

const char *severity_name(Severity s)
{
	static const char *const n[] = { "benign", "fault-possible", "abort-possible", "violation" };
	return n[s];
}

bool window_kind_parse(const char *s, WindowKind *k)
{
	for (int i = 0; i < WIN_KIND_COUNT; i++)
		if (!strcmp(s, window_kind_name((WindowKind)i))) {
			*k = (WindowKind)i;
			return true;
		}
	return false;
}

bool severity_parse(const char *s, Severity *out)
{
	for (int i = 0; i < SEV_COUNT; i++)
		if (!strcmp(s, severity_name((Severity)i))) {
			*out = (Severity)i;
			return true;
		}
	return false;
}

Analysis *analysis_new(const AnalysisPe *pes, unsigned npes, const BbmKnobs *knobs,
		       AnalysisReadFn rd, void *rd_ctx)
{
	Analysis *a = calloc(1, sizeof(*a));

	a->npes = npes > 64 ? 64 : npes;
	for (unsigned i = 0; i < a->npes; i++) {
		a->pe[i].regs = pes[i].regs;
		a->pe[i].level = pes[i].level;
		a->pe[i].active = pes[i].active;
		a->pe[i].mmu_seen = (pes[i].regs.sctlr & SCTLR_M) != 0;
	}
	a->knobs = *knobs;
	a->ttl_strict = true;
	a->rd = rd;
	a->rd_ctx = rd_ctx;
	/* The latest visibility and completion: what the walkers could still read or hold. */
	pending_init(&a->pend, a->npes, true, false);
	return a;
}

void analysis_set_window_fn(Analysis *a, WindowFn fn, void *ctx)
{
	a->wfn = fn;
	a->wctx = ctx;
}

void analysis_set_ttl_strict(Analysis *a, bool strict)
{
	a->ttl_strict = strict;
}

void analysis_free(Analysis *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->npes; i++) {
		free(a->pe[i].st);
		free(a->pe[i].fo);
		free(a->pe[i].ob);
	}
	free(a->w);
	free(a->v);
	pending_fini(&a->pend);
	free(a->causes);
	free(a->cg);
	free(a);
}

size_t analysis_windows(const Analysis *a, const Window **out)
{
	*out = a->w;
	return a->nw;
}

size_t analysis_violations(const Analysis *a, const Violation **out)
{
	*out = a->v;
	return a->nv;
}

size_t analysis_count(const Analysis *a, int kind, int severity, int pe)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nw; i++)
		if ((kind < 0 || (int)a->w[i].kind == kind) &&
		    (severity < 0 || (int)a->w[i].severity == severity) &&
		    (pe < 0 || a->w[i].pe == pe))
			n++;
	return n;
}

static void add_violation(Analysis *a, int pe, uint64_t pc, const char *rule, const char *what)
{
	GROW(a->v, a->nv, a->cv);
	Violation *v = &a->v[a->nv++];
	v->tick = a->now;
	v->pe = pe;
	v->pc = pc;
	snprintf(v->rule, sizeof(v->rule), "%s", rule);
	snprintf(v->what, sizeof(v->what), "%s", what);
}

/*
 * Open windows per PE, indexed like a TLB: every window is aligned to its
 * power-of-two size, so the windows holding a VA are found by one probe per
 * size present. Each memory access looks them up (on_access).
 */
static size_t open_hash(const PeA *p, uint64_t va, unsigned lg)
{
	uint64_t h = (va >> 12) * 0x9e3779b97f4a7c15ull ^ (uint64_t)lg * 0xc2b2ae3d27d4eb4full;
	return (h ^ (h >> 29)) & (p->nob - 1);
}

static unsigned size_lg(uint64_t size)
{
	return (unsigned)__builtin_ctzll(size);
}

static void open_link(Analysis *a, PeA *p, long idx)
{
	Window *w = &a->w[idx];
	size_t b = open_hash(p, w->va, size_lg(w->size));
	w->onext = p->ob[b];
	p->ob[b] = idx;
}

static void open_insert(Analysis *a, PeA *p, long idx)
{
	if (p->nopen + 1 > p->nob) {
		size_t nb = p->nob ? p->nob * 4 : 64;
		free(p->ob);
		p->ob = malloc(nb * sizeof(*p->ob));
		p->nob = nb;
		for (size_t i = 0; i < nb; i++)
			p->ob[i] = -1;
		for (size_t i = 0; i < a->nw; i++)
			if (&a->pe[a->w[i].pe] == p && a->w[i].close_tick == NOT_YET)
				open_link(a, p, (long)i);
	}
	open_link(a, p, idx);
	p->nopen++;
	p->ocount[size_lg(a->w[idx].size)]++;
}

static void open_remove(Analysis *a, PeA *p, long idx)
{
	Window *w = &a->w[idx];
	long *pp = &p->ob[open_hash(p, w->va, size_lg(w->size))];
	while (*pp >= 0 && *pp != idx)
		pp = &a->w[*pp].onext;
	if (*pp == idx) {
		*pp = w->onext;
		p->nopen--;
		p->ocount[size_lg(w->size)]--;
	}
}

static long open_window_quiet(Analysis *a, WindowKind k, Severity s, int pe, uint64_t va, uint64_t size,
			      const WindowCause *cause, const char *why);

static long open_window(Analysis *a, WindowKind k, Severity s, int pe, uint64_t va, uint64_t size,
			const WindowCause *cause, const char *why)
{
	long idx = open_window_quiet(a, k, s, pe, va, size, cause, why);
	if (a->wfn)
		a->wfn(a->wctx, &a->w[idx], false);
	return idx;
}

/* Open a window without telling the window callback yet (its severity is not final). */
static long open_window_quiet(Analysis *a, WindowKind k, Severity s, int pe, uint64_t va, uint64_t size,
			      const WindowCause *cause, const char *why)
{
	GROW(a->w, a->nw, a->cw);
	Window *w = &a->w[a->nw];
	memset(w, 0, sizeof(*w));
	w->kind = k;
	w->severity = s;
	w->pe = pe;
	w->va = va;
	w->size = size;
	w->open_tick = a->now;
	w->close_tick = NOT_YET;
	w->first_access = w->last_access = NOT_YET;
	w->cause = *cause;
	snprintf(w->why, sizeof(w->why), "%s", why);
	open_insert(a, &a->pe[pe], (long)a->nw);
	return (long)a->nw++;
}

static void close_window(Analysis *a, long idx, const char *by)
{
	Window *w = &a->w[idx];
	PeA *p = &a->pe[w->pe];

	if (w->close_tick != NOT_YET)
		return;
	w->close_tick = a->now;
	snprintf(w->closed_by, sizeof(w->closed_by), "%s", by);
	open_remove(a, p, idx);
	if (a->wfn)
		a->wfn(a->wctx, w, true);
}

/* --- walking the current tables -------------------------------------------- */

static uint64_t an_read(void *ctx, uint64_t pa, int level)
{
	Analysis *a = ctx;
	(void)level;
	return a->rd(a->rd_ctx, pa);
}

/* Does a walk of @va through the tables of @r (MMU on or not) read @desc_pa at @level? */
static bool tree_reaches(Analysis *a, const WalkRegs *r, uint64_t va, uint64_t desc_pa, int level)
{
	return reach_walk_reads(r, va, desc_pa, level, an_read, a);
}

/* Does PE @p's walk for @va (its MMU on, its current registers) read @desc_pa at @level? */
static bool reaches_with(Analysis *a, const WalkRegs *r, uint64_t va, uint64_t desc_pa, int level)
{
	return (r->sctlr & SCTLR_M) && tree_reaches(a, r, va, desc_pa, level);
}

/* A tag under which a PE may hold entries from a descriptor. */
typedef struct HoldTag {
	uint16_t asid;
	bool global_only;       /* only its global entries are left (a TLBI by ASID ran) */
} HoldTag;

static void hold_tag_add(HoldTag *t, unsigned *n, uint16_t asid, bool global_only)
{
	for (unsigned i = 0; i < *n; i++)
		if (t[i].asid == asid) {
			t[i].global_only = t[i].global_only && global_only;
			return;
		}
	t[(*n)++] = (HoldTag){ asid, global_only };
}

/*
 * Under which ASIDs may PE @p hold entries from the descriptor at @desc_pa
 * (ARM-TLBALLOC: anything it could reach since the last TLBI that covered
 * it)? Its tables now, also with the MMU off if it was ever on (turning the
 * MMU off invalidates nothing), and the trees and ASIDs it left behind.
 * Returns the number of tags written to @out (0: it holds nothing).
 */
static unsigned may_hold(Analysis *a, PeA *p, uint64_t va, uint64_t desc_pa, int level, HoldTag *out)
{
	unsigned n = 0;

	if (p->mmu_seen && tree_reaches(a, &p->regs, va, desc_pa, level))
		hold_tag_add(out, &n, walk_asid(&p->regs), false);
	for (unsigned i = 0; i < p->ntaint; i++) {
		WalkRegs r = p->regs;
		r.ttbr0 = r.ttbr1 = p->taint[i].ttbr;
		if (tree_reaches(a, &r, va, desc_pa, level))
			hold_tag_add(out, &n, p->taint[i].asid, p->taint[i].global_only);
	}
	return n;
}

/* Remember a tree or ASID left behind (dedup; the oldest goes when full). */
static void add_taint(PeA *p, uint64_t ttbr, uint16_t asid)
{
	for (unsigned i = 0; i < p->ntaint; i++)
		if (p->taint[i].ttbr == ttbr && p->taint[i].asid == asid) {
			p->taint[i].global_only = false;
			return;
		}
	if (p->ntaint == ANALYSIS_MAX_TAINT) {
		memmove(&p->taint[0], &p->taint[1], sizeof(p->taint[0]) * (ANALYSIS_MAX_TAINT - 1));
		p->ntaint--;
	}
	p->taint[p->ntaint++] = (Taint){ .ttbr = ttbr, .asid = asid };
}

/* Would PE @p cache this leaf descriptor? (never faulting ones, ARM-TLBALLOC; nT at level 1, RMRRPW) */
static bool cacheable(const PeA *p, uint64_t desc, int level)
{
	DescKind k = desc_kind(desc, level);
	if (k != DESC_KIND_BLOCK && k != DESC_KIND_PAGE)
		return false;
	if (!(desc & DESC_AF))
		return false;
	return !(k == DESC_KIND_BLOCK && (desc & DESC_NT) && p->level == BBM_L1);
}

typedef struct Leaf {
	uint64_t va, oa, desc, desc_pa;
	unsigned size_log2;
	int level;
} Leaf;

typedef struct LeafList {
	Leaf *l;
	size_t n, cap;
	bool truncated;
} LeafList;

static void leaf_of(uint64_t desc, uint64_t desc_pa, int level, uint64_t va, Leaf *out)
{
	unsigned s = 12 + 9 * (3 - level) + ((desc & DESC_CONT) ? 4 : 0);
	uint64_t size = desc_level_size(level);
	uint64_t span = 1ull << s;
	out->va = va & ~(span - 1);
	out->oa = (desc & DESC_OA_MASK & ~(size - 1)) - ((va & (span - 1)) & ~(size - 1));
	out->desc = desc;
	out->desc_pa = desc_pa;
	out->size_log2 = s;
	out->level = level;
}

/* Collect the leaves under descriptor @desc (at @level, translating from @va). */
static void collect_leaves(Analysis *a, uint64_t desc, uint64_t desc_pa, int level, uint64_t va,
			   LeafList *out)
{
	DescKind k = desc_kind(desc, level);

	if (k == DESC_KIND_BLOCK || k == DESC_KIND_PAGE) {
		if (out->n >= ANALYSIS_MAX_SUBTREE) {
			out->truncated = true;
			return;
		}
		GROW(out->l, out->n, out->cap);
		leaf_of(desc, desc_pa, level, va, &out->l[out->n++]);
		return;
	}
	if (k != DESC_KIND_TABLE || level >= 3)
		return;
	uint64_t table = desc & DESC_OA_MASK, sub = desc_level_size(level + 1);
	for (unsigned i = 0; i < 512 && !out->truncated; i++) {
		uint64_t pa = table + i * 8;
		collect_leaves(a, a->rd(a->rd_ctx, pa), pa, level + 1, va + i * sub, out);
	}
}

/* --- comparing translations -------------------------------------------------- */

#define BEYOND_SIZE_ATTRS ((7ull << 2) | (3ull << 8) | DESC_NS)
#define PERM_BITS (DESC_AP1 | DESC_AP2 | DESC_PXN | DESC_UXN | DESC_AF | DESC_DBM)

static const char *size_text(unsigned log2, char *buf, size_t len)
{
	static const char unit[] = { 'K', 'M', 'G', 'T' };
	unsigned u = (log2 - 10) / 10;
	snprintf(buf, len, "%llu%c", 1ull << (log2 - 10 - 10 * u), unit[u > 3 ? 3 : u]);
	return buf;
}

typedef enum Diff {
	DIFF_NONE,
	DIFF_PERMS,       /* permissions, AF, nG 0 -> 1: TLBI needed, no BBM */
	DIFF_CONT,        /* the Contiguous bit only: same lookup level, size from the hint */
	DIFF_SIZE,        /* size (and possibly permissions) only */
	DIFF_BEYOND,      /* OA, memory type, shareability, nG 1 -> 0 */
} Diff;

static Diff diff_of(const Stale *s, const Leaf *c, char *why, size_t len)
{
	uint64_t va = s->va > c->va ? s->va : c->va;     /* a VA both translate */
	uint64_t oa_s = s->oa + (va - s->va), oa_c = c->oa + (va - c->va);

	if (oa_s != oa_c) {
		if (why)
			snprintf(why, len, "output address 0x%llx -> 0x%llx", (unsigned long long)oa_s,
				 (unsigned long long)oa_c);
		return DIFF_BEYOND;
	}
	if ((s->desc ^ c->desc) & BEYOND_SIZE_ATTRS) {
		if (why)
			snprintf(why, len, "memory type or shareability");
		return DIFF_BEYOND;
	}
	if ((s->desc & DESC_NG) && !(c->desc & DESC_NG)) {
		if (why)
			snprintf(why, len, "nG -> G (a global entry over non-global ones)");
		return DIFF_BEYOND;
	}
	if (s->size_log2 != c->size_log2) {
		char a[16], b[16];
		/* Same lookup level: only the Contiguous bit made the sizes differ. */
		bool cont = s->level == c->level && ((s->desc ^ c->desc) & DESC_CONT);
		if (why)
			snprintf(why, len, "%s %s -> %s", cont ? "contiguous bit, size" : "size",
				 size_text(s->size_log2, a, sizeof(a)), size_text(c->size_log2, b, sizeof(b)));
		return cont ? DIFF_CONT : DIFF_SIZE;
	}
	if ((s->desc ^ c->desc) & (PERM_BITS | DESC_NG)) {
		if (why)
			snprintf(why, len, "permissions or nG");
		return DIFF_PERMS;
	}
	return DIFF_NONE;
}

static Severity size_severity(BbmLevel l, Diff d)
{
	/*
	 * RKFLJB: level 2 may change size without BBM but may still abort
	 * (IHYQMB). RKHRBC: from level 1 on, changing only the Contiguous bit
	 * does not break coherency, but RFCPSG: it can still give a TLB
	 * conflict abort. At level 0 it is misprogramming (RNGLXZ).
	 */
	switch (l) {
	case BBM_L2: return SEV_ABORT_POSSIBLE;
	case BBM_L2_NOABORT: return SEV_BENIGN;
	case BBM_L1: return d == DIFF_CONT ? SEV_ABORT_POSSIBLE : SEV_VIOLATION;
	default: return SEV_VIOLATION;
	}
}

static bool ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a <= b + bs - 1 && b <= a + as - 1;
}

/* A stale walk-cache entry over new leaves: walks may still go through the old table. */
static Diff diff_walk_cache(const Stale *s, const Leaf *c, char *why, size_t len)
{
	char b[16];
	if (why)
		snprintf(why, len, "stale walk-cache entry (L%d table at 0x%llx) over a new %s leaf", s->level,
			 (unsigned long long)s->oa, size_text(c->size_log2, b, sizeof(b)));
	return DIFF_SIZE;
}

/*
 * Check PE @pi's stale entries in [va, va+size) against the current leaves
 * there. All the stale entries that now conflict for one reason share one
 * window (per kind), which closes when the last of them is invalidated.
 */
static void check_conflicts(Analysis *a, unsigned pi, uint64_t va, uint64_t size, const LeafList *cur,
			    const WindowCause *cause)
{
	PeA *p = &a->pe[pi];
	long win[2] = { -1, -1 };      /* [0] conflict, [1] stale */
	Diff worst_c = DIFF_NONE;
	char why[2][160] = { "", "" };

	/*
	 * Only entries without a window can open one. They are few and recent
	 * (appended last), so scan backwards until all of them were seen: the
	 * cost does not grow with the number of stale entries already judged.
	 */
	size_t unseen = p->nunres;
	for (size_t i = p->nst; i-- > 0 && unseen;) {
		Stale *s = &p->st[i];
		if (s->win >= 0)
			continue;
		unseen--;
		if (!ranges_overlap(s->va, 1ull << s->size_log2, va, size))
			continue;
		Diff worst = DIFF_NONE;
		char sw[160] = "";
		for (size_t j = 0; j < cur->n; j++) {
			const Leaf *c = &cur->l[j];
			if (!ranges_overlap(s->va, 1ull << s->size_log2, c->va, 1ull << c->size_log2) ||
			    !cacheable(p, c->desc, c->level))
				continue;
			/* The reason is formatted only for a worse difference (hot with many splits). */
			Diff d = s->leaf ? diff_of(s, c, NULL, 0) : diff_walk_cache(s, c, NULL, 0);
			if (d > worst) {
				worst = d;
				if (s->leaf)
					diff_of(s, c, sw, sizeof(sw));
				else
					diff_walk_cache(s, c, sw, sizeof(sw));
			}
		}
		if (worst == DIFF_NONE)
			continue;
		int k = worst == DIFF_PERMS ? 1 : 0;
		if (win[k] < 0) {
			win[k] = open_window_quiet(a, k ? WIN_STALE : WIN_TLB_CONFLICT, SEV_BENIGN, (int)pi, va,
						   size, cause, sw);
			memcpy(why[k], sw, sizeof(why[k]));
		}
		if (k == 0 && worst > worst_c) {
			worst_c = worst;
			memcpy(why[0], sw, sizeof(why[0]));
		}
		s->win = win[k];
		a->w[win[k]].refs++;
		p->nunres--;
	}
	if (win[1] >= 0)
		a->w[win[1]].needs_tlbi = true;
	if (win[0] >= 0) {
		Window *w = &a->w[win[0]];
		w->needs_tlbi = worst_c == DIFF_BEYOND;
		/*
		 * RKHRBC covers changing the Contiguous bit of valid descriptors in
		 * place. A break (invalid) and a make with another Contiguous bit,
		 * without the TLBI in between, is an incomplete BBM sequence, not a
		 * contiguous-bit change: graded as a size change (reference S9).
		 */
		if (worst_c == DIFF_CONT && !((cause->old & DESC_VALID) && (cause->val & DESC_VALID)))
			worst_c = DIFF_SIZE;
		w->severity = worst_c == DIFF_SIZE || worst_c == DIFF_CONT ? size_severity(p->level, worst_c)
									    : SEV_VIOLATION;
		snprintf(w->why, sizeof(w->why), "%s", why[0]);
	}
	for (int k = 0; k < 2; k++)
		if (win[k] >= 0 && a->wfn)
			a->wfn(a->wctx, &a->w[win[k]], false);
}

static void add_stale(PeA *p, const Leaf *l, bool leaf, int storer, uint32_t cause, uint16_t asid,
		      bool global, uint64_t visible)
{
	GROW(p->st, p->nst, p->cst);
	p->nunres++;
	p->nwalk += !leaf;
	p->st[p->nst++] = (Stale){ .va = l->va, .size_log2 = l->size_log2, .oa = l->oa, .desc = l->desc,
				   .desc_pa = l->desc_pa, .level = l->level, .leaf = leaf,
				   .storer = storer, .cause = cause, .asid = asid, .global = global,
				   .visible_tick = visible, .win = -1 };
}

/*
 * What PE @p may have cached from @l becomes stale: once if it is global,
 * else once per ASID it may hold it under (a tag whose non-global entries a
 * TLBI by ASID already removed holds none).
 */
static void add_stale_tagged(PeA *p, const Leaf *l, bool leaf, int storer, uint32_t cause,
			     const HoldTag *tags, unsigned ntags)
{
	if (leaf && !(l->desc & DESC_NG)) {
		add_stale(p, l, true, storer, cause, 0, true, NOT_YET);
		return;
	}
	for (unsigned i = 0; i < ntags; i++)
		if (!tags[i].global_only)
			add_stale(p, l, leaf, storer, cause, tags[i].asid, false, NOT_YET);
}

static FaultOpen *find_fault(PeA *p, uint64_t desc_pa)
{
	for (size_t i = 0; i < p->nfo; i++)
		if (p->fo[i].desc_pa == desc_pa)
			return &p->fo[i];
	return NULL;
}

static void drop_fault(Analysis *a, PeA *p, size_t i, const char *by)
{
	close_window(a, p->fo[i].win, by);
	p->fo[i] = p->fo[--p->nfo];
}

static bool leaf_writable(uint64_t desc)
{
	return !(desc & DESC_AP2);
}

/*
 * RWHZWS / RKFLJB (and Linux's pgattr_change_is_safe()): a valid-to-valid
 * change that needs break-before-make at the lowest level of the PEs that
 * may hold the old translation. Nobody exposed, no violation.
 */
static void check_store_rules(Analysis *a, const Event *ev, DescKind kv, DescKind kw, uint64_t va)
{
	uint64_t V = ev->old, W = ev->val;
	int L = ev->level;
	BbmLevel lo = BBM_LEVEL_COUNT;

	for (unsigned pi = 0; pi < a->npes; pi++) {
		PeA *p = &a->pe[pi];
		HoldTag tags[ANALYSIS_MAX_TAINT + 1];
		if (p->active && p->level < lo && may_hold(a, p, va, ev->pa, L, tags))
			lo = p->level;
	}
	if (lo == BBM_LEVEL_COUNT)
		return;
	const char *lvl = bbm_level_name(lo);
	char what[160];
	bool tv = kv == DESC_KIND_TABLE, tw = kw == DESC_KIND_TABLE;
	if (tv != tw) {
		/* A size change: BBML2 allows it; BBML1 only through an nT block (RKFLJB). */
		bool nt_path = (kv == DESC_KIND_BLOCK && (V & DESC_NT)) || (kw == DESC_KIND_BLOCK && (W & DESC_NT));
		if (lo == BBM_L0 || (lo == BBM_L1 && !nt_path)) {
			snprintf(what, sizeof(what), "%s replaced by %s in place at BBM level %s: block size changed without break-before-make",
				 tv ? "table" : "block", tw ? "table" : "block", lvl);
			add_violation(a, ev->pe, ev->pc, "RKFLJB", what);
		}
		return;
	}
	if (tv)
		return;   /* table to table: the subtrees are judged by the windows */
	/* OA bits below the block size are RES0 (or nT, bit 16): not part of the address. */
	uint64_t oa_mask = DESC_OA_MASK & ~(desc_level_size(L) - 1);
	uint64_t oa_v = V & oa_mask, oa_w = W & oa_mask;
	if (oa_v != oa_w && (leaf_writable(V) || leaf_writable(W))) {
		snprintf(what, sizeof(what), "output address 0x%llx -> 0x%llx changed in place on a writable mapping",
			 (unsigned long long)oa_v, (unsigned long long)oa_w);
		add_violation(a, ev->pe, ev->pc, "RWHZWS", what);
	}
	if ((V ^ W) & ((7ull << 2) | (3ull << 8))) {
		snprintf(what, sizeof(what), "memory type or shareability changed in place (AttrIndx %u -> %u, SH %u -> %u)",
			 DESC_ATTRIDX(V), DESC_ATTRIDX(W), DESC_SH(V), DESC_SH(W));
		add_violation(a, ev->pe, ev->pc, "RWHZWS", what);
	}
	if ((V & DESC_NG) && !(W & DESC_NG))
		add_violation(a, ev->pe, ev->pc, "RWHZWS", "nG 1 -> 0 in place: a global entry may overlap non-global ones");
	if (((V ^ W) & DESC_CONT) && lo == BBM_L0) {
		snprintf(what, sizeof(what), "contiguous bit changed on a live entry at BBM level 0 (RKHRBC needs FEAT_BBML1)");
		add_violation(a, ev->pe, ev->pc, "RNGLXZ", what);
	}
}

/* --- contiguous groups (RQTRPM, RJQQTC) ------------------------------------------ */

static void note_cont_group(Analysis *a, uint64_t desc_pa, uint64_t va, int level, const WindowCause *cause)
{
	uint64_t pa = desc_pa & ~(16ull * 8 - 1);
	uint64_t gva = va & ~(16 * desc_level_size(level) - 1);

	for (size_t i = 0; i < a->ncg; i++)
		if (a->cg[i].pa == pa && a->cg[i].level == level) {
			a->cg[i].cause = *cause;
			return;
		}
	GROW(a->cg, a->ncg, a->ccg);
	a->cg[a->ncg++] = (ContGroup){ .pa = pa, .va = gva, .level = level, .cause = *cause };
}

/*
 * Judge contiguous group @i now: a group still misprogrammed when a TLBI
 * that should make its change take effect is issued (or at the end) stays
 * misprogrammed after it, so lookups keep returning any one of the entries
 * (RJQQTC) or abort. Transient states while the whole group is rewritten
 * are not judged. The group is forgotten either way.
 */
static void judge_cont_group(Analysis *a, size_t i, int pe, uint64_t pc, const char *when)
{
	ContGroup g = a->cg[i];
	uint64_t d[16];
	char why[120], what[400];

	a->cg[i] = a->cg[--a->ncg];
	for (int k = 0; k < 16; k++)
		d[k] = a->rd(a->rd_ctx, g.pa + 8ull * (unsigned)k);
	if (!rules_cont_misprogrammed(d, g.level, why, sizeof(why)))
		return;
	snprintf(what, sizeof(what), "contiguous group at VA 0x%llx (L%d, at 0x%llx) misprogrammed %s: %s",
		 (unsigned long long)g.va, g.level, (unsigned long long)g.pa, when, why);
	add_violation(a, pe, pc, "RJQQTC", what);
}

static void on_desc_write(Analysis *a, const Event *ev)
{
	int L = ev->level;
	uint64_t V = ev->old, W = ev->val, D = ev->pa, va = ev->va;

	if (L < 0 || L > 3)
		return;
	WindowCause cause = { .pe = ev->pe, .pc = ev->pc, .tick = ev->tick, .insn = ev->insn,
			      .desc_pa = D, .old = V, .val = W, .level = L };
	uint64_t size = desc_level_size(L);
	DescKind kv = desc_kind(V, L), kw = desc_kind(W, L);
	PeA *storer = &a->pe[ev->pe];
	const PendingStores *ps = &a->pend.st[ev->pe];

	/* One store, one pending entry (a descriptor translating several VAs comes once per VA). */
	if (!ps->n || ps->s[ps->n - 1].pa != D || ps->s[ps->n - 1].tick != ev->tick)
		pending_store(&a->pend, ev->pe, D, V, W, ev->tick);

	/* nT is RES0 without FEAT_BBM (IPJZBK): flag it on a level 0 PE. */
	if (kw == DESC_KIND_BLOCK && (W & DESC_NT) && !(V & DESC_NT) && storer->level == BBM_L0)
		add_violation(a, ev->pe, ev->pc, "IPJZBK", "nT (bit 16) set in a block descriptor at BBM level 0, where it is RES0");
	/* A live contiguous run changed in place (RNGLXZ) is judged by the windows. */

	/* A table page rewritten while a PE may still walk it through a stale walk-cache entry. */
	for (unsigned pi = 0; pi < a->npes; pi++)
		for (size_t i = 0; a->pe[pi].nwalk && i < a->pe[pi].nst; i++) {
			Stale *st = &a->pe[pi].st[i];
			if (st->leaf || st->flagged || st->oa != (D & ~(PAGE_SIZE - 1)))
				continue;
			char what[160];
			snprintf(what, sizeof(what),
				 "table page 0x%llx rewritten while PE%u may still walk it (stale walk-cache entry, no completed TLBI)",
				 (unsigned long long)st->oa, pi);
			add_violation(a, ev->pe, ev->pc, "RRVJDB", what);
			st->flagged = true;
		}

	LeafList old = { 0 }, cur = { 0 };
	bool valid_old = kv == DESC_KIND_BLOCK || kv == DESC_KIND_PAGE || kv == DESC_KIND_TABLE;
	bool valid_new = kw == DESC_KIND_BLOCK || kw == DESC_KIND_PAGE || kw == DESC_KIND_TABLE;
	if (valid_old)
		collect_leaves(a, V, D, L, va, &old);
	if (valid_new)
		collect_leaves(a, W, D, L, va, &cur);
	if (valid_old && valid_new && V != W)
		check_store_rules(a, ev, kv, kw, va);

	uint32_t cause_idx = (uint32_t)-1;
	for (unsigned pi = 0; pi < a->npes; pi++) {
		PeA *p = &a->pe[pi];
		HoldTag tags[ANALYSIS_MAX_TAINT + 1];
		if (!p->active)
			continue;
		unsigned ntags = may_hold(a, p, va, D, L, tags);
		if (!ntags)
			continue;
		/* Walks happen, and windows open, only while the MMU is on; see on_mmu_on. */
		bool reach = reaches_with(a, &p->regs, va, D, L);

		/* 1. What the PE may have cached from the old descriptor becomes stale. */
		if (valid_old && V != W) {
			if (cause_idx == (uint32_t)-1) {
				GROW(a->causes, a->ncauses, a->ccauses);
				a->causes[a->ncauses] = cause;
				cause_idx = (uint32_t)a->ncauses++;
			}
			if (kv == DESC_KIND_TABLE) {
				Leaf t = { .va = va & ~(size - 1), .oa = V & DESC_OA_MASK, .desc = V,
					   .desc_pa = D, .size_log2 = 12 + 9 * (3 - (unsigned)L), .level = L };
				add_stale_tagged(p, &t, false, ev->pe, cause_idx, tags, ntags);
			}
			if (old.truncated) {
				Leaf whole = { .va = va & ~(size - 1), .oa = 0, .desc = V, .desc_pa = D,
					       .size_log2 = 12 + 9 * (3 - (unsigned)L), .level = L };
				add_stale_tagged(p, &whole, true, ev->pe, cause_idx, tags, ntags);
			} else {
				for (size_t i = 0; i < old.n; i++)
					if (cacheable(p, old.l[i].desc, old.l[i].level))
						add_stale_tagged(p, &old.l[i], true, ev->pe, cause_idx, tags, ntags);
			}
		}
		if (!reach)
			continue;
		/* 2. Translation faults: the walker may see no valid translation here. */
		FaultOpen *fo = find_fault(p, D);
		bool nt_fault = kw == DESC_KIND_BLOCK && (W & DESC_NT) && p->level == BBM_L1 &&
				a->knobs.nt == BBM_NT_FAULT;
		if (!valid_new || nt_fault) {
			if (!fo) {
				GROW(p->fo, p->nfo, p->cfo);
				p->fo[p->nfo++] = (FaultOpen){
					.desc_pa = D, .close_storer = -1,
					.win = open_window(a, WIN_TRANSLATION_FAULT, SEV_FAULT_POSSIBLE, (int)pi,
							   va & ~(size - 1), size, &cause,
							   nt_fault ? "nT block at level 1 (fault knob)" :
								      "invalid descriptor"),
				};
			} else {
				fo->close_storer = -1;
			}
		} else if (fo) {
			/* Closed once the valid value is guaranteed visible: the storer's DSB. */
			fo->close_storer = ev->pe;
		}
		/* 3. Old entries against the new translations. */
		if (valid_new)
			check_conflicts(a, pi, va & ~(size - 1), size, &cur, &cause);
	}
	free(old.l);
	free(cur.l);
	if ((L == 3 || L == 2) && ((V | W) & DESC_CONT))
		note_cont_group(a, D, va, L, &cause);
}

/* A store became visible to the walkers in @newly: so did the stale entries it made. */
static void on_published(void *ctx, int storer, const PendingStore *s, uint64_t newly)
{
	Analysis *a = ctx;

	for (unsigned pi = 0; pi < a->npes; pi++) {
		PeA *p = &a->pe[pi];
		if (!(newly >> pi & 1))
			continue;
		for (size_t i = 0; i < p->nst; i++) {
			Stale *st = &p->st[i];
			const WindowCause *c = &a->causes[st->cause];
			if (st->storer == storer && st->visible_tick == NOT_YET && c->tick == s->tick &&
			    c->desc_pa == s->pa)
				st->visible_tick = a->now;
		}
	}
}

static void on_dsb(Analysis *a, const Event *ev)
{
	DsbOp d = rules_dsb_decode((unsigned)ev->val);
	char by[96], name[16];

	snprintf(by, sizeof(by), "dsb %s by PE%d made the new descriptor visible",
		 rules_dsb_name(&d, name, sizeof(name)), ev->pe);
	/* RSPVBD: only the walkers of the barrier's domain (pending.c, rules.c). */
	uint64_t to = pending_dsb_stores(&a->pend, ev->pe, &d, on_published, a);
	for (unsigned pi = 0; pi < a->npes; pi++) {
		PeA *p = &a->pe[pi];
		if (!(to >> pi & 1))
			continue;
		for (size_t i = p->nfo; i-- > 0;)
			if (p->fo[i].close_storer == ev->pe)
				drop_fault(a, p, i, by);
	}
}

static void on_tlbi_issue(Analysis *a, const Event *ev)
{
	char name[24], when[64];

	pending_tlbi_issue(&a->pend, &ev->tlbi, ev->pe, ev->tick, ev->pc,
			   pending_tlbi_targets(&a->pend, &ev->tlbi, ev->pe), NULL, NULL);
	/* Contiguous groups this TLBI covers are judged as they stand now. */
	for (size_t i = a->ncg; i-- > 0;) {
		const ContGroup *g = &a->cg[i];
		TlbEntry e = { .va = g->va, .size_log2 = (uint8_t)(__builtin_ctzll(desc_level_size(g->level)) + 4),
			       .level = (uint8_t)g->level, .leaf = true, .global = true };
		if (!tlbi_covers(&ev->tlbi, &e, false))
			continue;
		snprintf(when, sizeof(when), "when tlbi %s was issued", tlbi_name(&ev->tlbi, name, sizeof(name)));
		judge_cont_group(a, i, ev->pe, ev->pc, when);
	}
}

static void on_tlbi_complete(Analysis *a, const Event *ev)
{
	PeA *p = &a->pe[ev->pe];
	uint64_t issued = ev->old;
	char name[24], by[96];

	uint64_t issue_pc = 0;
	PendingTlbi t;
	if (pending_tlbi_take(&a->pend, ev->pe, ev->other_pe, issued, &t))
		issue_pc = t.pc;
	tlbi_name(&ev->tlbi, name, sizeof(name));
	snprintf(by, sizeof(by), "tlbi %s from PE%d completed", name, ev->other_pe);
	size_t k = 0;
	for (size_t i = 0; i < p->nst; i++) {
		Stale *s = &p->st[i];
		/* The tags a TLB entry for it would carry (RNWYRD): one matching rule, tlbi_covers. */
		TlbEntry e = { .va = s->va, .size_log2 = (uint8_t)s->size_log2, .level = (uint8_t)s->level,
			       .leaf = s->leaf, .global = s->global, .asid = s->asid };
		/* Removed only if the walker could no longer refill it when the TLBI was issued. */
		if (tlbi_covers(&ev->tlbi, &e, a->ttl_strict) && s->visible_tick <= issued) {
			if (s->win >= 0 && --a->w[s->win].refs == 0)
				close_window(a, s->win, by);
			p->nunres -= s->win < 0;
			p->nwalk -= !s->leaf;
			continue;
		}
		/* A last-level TLBI spared a walk-cache entry for a changed table. */
		if (!s->leaf && !s->flagged && s->visible_tick <= issued &&
		    (ev->tlbi.kind == TLBI_VAL || ev->tlbi.kind == TLBI_VAAL || ev->tlbi.kind == TLBI_RVAL ||
		     ev->tlbi.kind == TLBI_RVAAL)) {
			TlbiOp any = ev->tlbi;
			any.kind = ev->tlbi.kind == TLBI_VAL ? TLBI_VA : ev->tlbi.kind == TLBI_VAAL ? TLBI_VAA
				 : ev->tlbi.kind == TLBI_RVAL ? TLBI_RVA : TLBI_RVAA;
			if (tlbi_covers(&any, &e, a->ttl_strict)) {
				char what[160];
				snprintf(what, sizeof(what),
					 "tlbi %s leaves PE%d's walk-cache entry for the changed L%d table descriptor at 0x%llx",
					 name, ev->pe, s->level, (unsigned long long)s->desc_pa);
				add_violation(a, ev->other_pe, issue_pc, "D8.17.5", what);
				s->flagged = true;
			}
		}
		p->st[k++] = *s;
	}
	p->nst = k;
	if (ev->tlbi.kind == TLBI_VMALL)
		p->ntaint = 0;
	/* A TLBI by ASID leaves the global entries of the trees left behind. */
	for (unsigned i = 0; ev->tlbi.kind == TLBI_ASID && i < p->ntaint; i++)
		if (p->taint[i].asid == ev->tlbi.asid)
			p->taint[i].global_only = true;
}

/*
 * PE @pi turned its MMU on: what it kept cached while the MMU was off (its
 * stale entries without a window yet) meets the tables as they are now.
 */
static void on_mmu_on(Analysis *a, unsigned pi)
{
	PeA *p = &a->pe[pi];

	for (size_t i = 0; i < p->nst && p->nunres; i++) {
		Stale s = p->st[i];
		if (s.win >= 0)
			continue;
		WalkResult w;
		walk_translate(&p->regs, s.va, an_read, a, NULL, &w);
		/* The deepest descriptor read at or above the stale entry's level. */
		int k = w.nsteps - 1;
		while (k >= 0 && w.step[k].level > s.level)
			k--;
		if (k < 0)
			continue;
		const WalkStep *st = &w.step[k];
		LeafList cur = { 0 };
		collect_leaves(a, st->desc, st->pa, st->level, st->va_base, &cur);
		if (cur.n)
			check_conflicts(a, pi, st->va_base, desc_level_size(st->level), &cur, &a->causes[s.cause]);
		free(cur.l);
	}
}

static void on_sysreg(Analysis *a, const Event *ev)
{
	PeA *p = &a->pe[ev->pe];
	WalkRegs old = p->regs;

	switch ((unsigned)ev->count) {
	case SYSREG_TTBR0_EL1: p->regs.ttbr0 = ev->val; break;
	case SYSREG_TTBR1_EL1: p->regs.ttbr1 = ev->val; break;
	case SYSREG_TCR_EL1: p->regs.tcr = ev->val; break;
	case SYSREG_SCTLR_EL1: p->regs.sctlr = ev->val; break;
	default: return;
	}
	/*
	 * Entries from a tree left behind, or cached under an ASID left behind,
	 * may still be held (no TLBI yet): with the MMU on or off.
	 */
	if (p->mmu_seen) {
		uint16_t asid = walk_asid(&old);
		bool asid_changed = asid != walk_asid(&p->regs);
		uint64_t was[2] = { old.ttbr0, old.ttbr1 }, now[2] = { p->regs.ttbr0, p->regs.ttbr1 };
		for (int i = 0; i < 2; i++)
			if ((was[i] & DESC_OA_MASK) && (asid_changed || (was[i] & DESC_OA_MASK) != (now[i] & DESC_OA_MASK)))
				add_taint(p, was[i], asid);
	}
	if (!(old.sctlr & SCTLR_M) && (p->regs.sctlr & SCTLR_M)) {
		p->mmu_seen = true;
		on_mmu_on(a, ev->pe);
	}
	/* Fault windows on descriptors the PE no longer reaches are over. */
	for (size_t i = p->nfo; i-- > 0;) {
		Window *w = &a->w[p->fo[i].win];
		if (!reaches_with(a, &p->regs, w->va, p->fo[i].desc_pa, w->cause.level))
			drop_fault(a, p, i, "the PE switched to tables that do not reach it");
	}
}

static void on_access(Analysis *a, const Event *ev, bool fault)
{
	PeA *p = &a->pe[ev->pe];
	/* With the MMU off an access translates nothing (VA = PA). */
	if (!p->nopen || !(p->regs.sctlr & SCTLR_M))
		return;
	int stale = -1;     /* served by an old translation? (walked once, on the first window) */
	for (unsigned lg = 12; lg < 64; lg++) {
		if (!p->ocount[lg])
			continue;
		uint64_t base = ev->va & ~((1ull << lg) - 1);
		for (long i = p->ob[open_hash(p, base, lg)]; i >= 0; i = a->w[i].onext) {
			Window *w = &a->w[i];
			if (w->va != base || size_lg(w->size) != lg)
				continue;
			if (fault) {
				w->faults++;
				continue;
			}
			w->accesses++;
			if (w->first_access == NOT_YET)
				w->first_access = a->now;
			w->last_access = a->now;
			if (stale < 0) {
				WalkResult now;
				walk_translate(&p->regs, ev->va, an_read, a, NULL, &now);
				stale = rules_stale_use(ev->pa, &now, ev->access, ev->level);
			}
			w->stale_uses += (uint64_t)stale;
		}
	}
}

void analysis_event(void *ctx, const Event *ev)
{
	Analysis *a = ctx;

	if (ev->pe < 0 || (unsigned)ev->pe >= a->npes)
		return;
	a->now = ev->tick;
	switch (ev->type) {
	case EV_DESC_WRITE: on_desc_write(a, ev); break;
	case EV_DSB: on_dsb(a, ev); break;
	case EV_TLBI_ISSUE: on_tlbi_issue(a, ev); break;
	case EV_TLBI_COMPLETE: on_tlbi_complete(a, ev); break;
	case EV_SYSREG: on_sysreg(a, ev); break;
	case EV_MEM: on_access(a, ev, false); break;
	case EV_FAULT: on_access(a, ev, true); break;
	default: break;
	}
}

/*
 * RGPPYH: every descriptor change that needed TLB maintenance and got no
 * TLBI covering it, completed on a PE that may still hold the old entry,
 * by the end of the run: one violation per change, naming the PEs. Needed:
 * a change beyond size or of permissions (stale and conflict windows whose
 * difference is not the size alone), or a translation removed (valid to
 * invalid) and still invalid. A size-only change at level 2 may linger
 * (RFFWJK); at levels 0 and 1 it is already a violation (RKFLJB).
 */
static void flag_uninvalidated(Analysis *a)
{
	size_t nc = a->ncauses;
	uint64_t *pes = calloc(nc ? nc : 1, sizeof(*pes));

	for (unsigned pi = 0; pi < a->npes; pi++) {
		PeA *p = &a->pe[pi];
		for (size_t i = 0; i < p->nst; i++) {
			const Stale *s = &p->st[i];
			bool needed;
			if (!s->leaf)
				continue;
			if (s->win >= 0) {
				needed = a->w[s->win].needs_tlbi;
			} else {
				/* No window: nothing valid replaced it (where the PE could see it). */
				WalkRegs r = p->regs;
				WalkResult w;
				r.sctlr |= SCTLR_M;
				walk_translate(&r, s->va, an_read, a, NULL, &w);
				needed = w.fault != FAULT_NONE;
			}
			if (needed)
				pes[s->cause] |= 1ull << pi;
		}
	}
	for (size_t c = 0; c < nc; c++) {
		if (!pes[c])
			continue;
		const WindowCause *k = &a->causes[c];
		char what[400], list[64] = "";
		size_t n = 0;
		for (unsigned pi = 0; pi < a->npes && n + 6 < sizeof(list); pi++)
			if (pes[c] >> pi & 1)
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%sPE%u", n ? "," : "", pi);
		snprintf(what, sizeof(what),
			 "L%d descriptor at 0x%llx changed, needing a TLBI; none covering it completed on %s by the end",
			 k->level, (unsigned long long)k->desc_pa, list);
		a->now = k->tick;
		add_violation(a, k->pe, k->pc, "RGPPYH", what);
	}
	free(pes);
}

static int tlbi_issue_order(const void *x, const void *y)
{
	const PendingTlbi *a = x, *b = y;

	if (a->tick != b->tick)
		return a->tick < b->tick ? -1 : 1;
	return a->issuer - b->issuer;
}

void analysis_finish(Analysis *a, uint64_t end_tick)
{
	char what[160], name[24];

	if (a->finished)
		return;
	a->finished = true;
	a->now = end_tick;
	for (size_t i = 0; i < a->nw; i++) {
		Window *w = &a->w[i];
		/*
		 * A stale translation never invalidated is a violation (RGPPYH).
		 * One a TLBI closed is benign whatever the PE did inside: the
		 * severity comes from the sequence, not from the schedule; the
		 * accesses inside are reported as accesses and stale uses.
		 */
		if (w->kind == WIN_STALE)
			w->severity = w->close_tick == NOT_YET ? SEV_VIOLATION : SEV_BENIGN;
		w->latent = !w->accesses && !w->faults;
	}
	flag_uninvalidated(a);
	while (a->ncg) {
		WindowCause c = a->cg[a->ncg - 1].cause;
		a->now = c.tick;
		judge_cont_group(a, a->ncg - 1, c.pe, c.pc, "at the end of the run");
	}
	/* TLBIs still pending on some target, in issue order, one violation each. */
	size_t nleft = 0;
	for (unsigned i = 0; i < a->npes; i++)
		nleft += a->pend.tl[i].n;
	PendingTlbi *left = malloc((nleft ? nleft : 1) * sizeof(*left));
	nleft = 0;
	for (unsigned i = 0; i < a->npes; i++)
		for (size_t j = 0; j < a->pend.tl[i].n; j++)
			left[nleft++] = a->pend.tl[i].t[j];
	qsort(left, nleft, sizeof(*left), tlbi_issue_order);
	for (size_t i = 0, n; i < nleft; i += n) {
		for (n = 1; i + n < nleft && !tlbi_issue_order(&left[i], &left[i + n]); n++)
			;
		tlbi_name(&left[i].op, name, sizeof(name));
		snprintf(what, sizeof(what), "tlbi %s issued at tick %llu never completed on %d PE(s): no DSB after it",
			 name, (unsigned long long)left[i].tick, (int)n);
		a->now = left[i].tick;
		add_violation(a, left[i].issuer, left[i].pc, "RYNJCP", what);
	}
	free(left);
	a->now = end_tick;
}

/* --- state hashing (bbmsim explore) ------------------------------------------------- */

static uint64_t hmix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static uint64_t cause_hash(uint64_t h, const WindowCause *c)
{
	/* The tick only dates reports. */
	h = hmix(h, (uint64_t)(unsigned)c->pe | (uint64_t)(unsigned)(c->level + 1) << 8 | (uint64_t)c->insn << 32);
	return hmix(hmix(hmix(hmix(h, c->pc), c->desc_pa), c->old), c->val);
}

size_t analysis_state_ticks(const Analysis *a, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < a->npes; i++)
		for (size_t k = 0; k < a->pe[i].nst; k++)
			if (a->pe[i].st[k].visible_tick != NOT_YET && n < max)
				out[n++] = a->pe[i].st[k].visible_tick;
	for (unsigned i = 0; i < a->npes; i++) {
		for (size_t k = 0; k < a->pend.tl[i].n && n < max; k++)
			out[n++] = a->pend.tl[i].t[k].tick;
		for (size_t k = 0; k < a->pend.st[i].n && n < max; k++)
			out[n++] = a->pend.st[i].s[k].tick;
	}
	return n;
}

/*
 * What decides the analysis' judgements from here on, and its results so
 * far, without absolute ticks: the future compares stale entries' visible
 * ticks and TLBIs' issue ticks only with each other and with later ticks,
 * so @rank (their order among the ticks the caller collected) stands for
 * them. Windows are hashed with what the explorer's targets and the
 * expectations read (kind, severity, PE, range, cause, open or closed,
 * counts); their ticks and texts only date and describe them.
 */
uint64_t analysis_state_hash(const Analysis *a, uint64_t (*rank)(void *ctx, uint64_t tick), void *ctx)
{
	uint64_t h = hmix(0, a->npes);

	for (unsigned i = 0; i < a->npes; i++) {
		const PeA *p = &a->pe[i];
		h = hmix(h, p->regs.ttbr0);
		h = hmix(h, p->regs.ttbr1);
		h = hmix(h, p->regs.tcr);
		h = hmix(h, p->regs.sctlr);
		h = hmix(h, p->regs.mair);
		h = hmix(h, (uint64_t)p->level | (uint64_t)p->active << 8 | (uint64_t)p->mmu_seen << 9 |
				    (uint64_t)p->ntaint << 16);
		h = hmix(hmix(hmix(h, p->nst), p->nunres), p->nwalk);
		for (size_t k = 0; k < p->nst; k++) {
			const Stale *s = &p->st[k];
			h = hmix(hmix(hmix(hmix(h, s->va), s->oa), s->desc), s->desc_pa);
			h = hmix(h, (uint64_t)s->size_log2 | (uint64_t)(unsigned)(s->level + 1) << 8 | (uint64_t)s->leaf << 16 |
					    (uint64_t)s->global << 17 | (uint64_t)s->flagged << 18 | (uint64_t)s->asid << 32);
			h = hmix(hmix(hmix(h, (uint64_t)(unsigned)s->storer), s->cause), (uint64_t)s->win);
			h = hmix(h, s->visible_tick == NOT_YET ? NOT_YET : rank(ctx, s->visible_tick));
		}
		h = hmix(h, p->nfo);
		for (size_t k = 0; k < p->nfo; k++)
			h = hmix(hmix(hmix(h, p->fo[k].desc_pa), (uint64_t)p->fo[k].win), (uint64_t)p->fo[k].close_storer);
		for (unsigned k = 0; k < p->ntaint; k++)
			h = hmix(hmix(h, p->taint[k].ttbr), (uint64_t)p->taint[k].asid | (uint64_t)p->taint[k].global_only << 16);
	}
	h = hmix(h, a->nw);
	for (size_t i = 0; i < a->nw; i++) {
		const Window *w = &a->w[i];
		h = hmix(h, (uint64_t)w->kind | (uint64_t)w->severity << 8 | (uint64_t)(unsigned)w->pe << 16 |
				    (uint64_t)(w->close_tick == NOT_YET) << 32 | (uint64_t)w->needs_tlbi << 33 |
				    (uint64_t)w->refs << 40);
		h = hmix(hmix(hmix(hmix(hmix(h, w->va), w->size), w->accesses), w->stale_uses), w->faults);
		h = cause_hash(h, &w->cause);
	}
	h = hmix(h, a->ncauses);
	for (size_t i = 0; i < a->ncauses; i++)
		h = cause_hash(h, &a->causes[i]);
	h = hmix(h, a->ncg);
	for (size_t i = 0; i < a->ncg; i++)
		h = cause_hash(hmix(hmix(hmix(h, a->cg[i].pa), a->cg[i].va), (uint64_t)(unsigned)a->cg[i].level),
			       &a->cg[i].cause);
	/* Stores in flight and TLBIs not yet complete, per storer and per target. */
	for (unsigned i = 0; i < a->npes; i++) {
		const PendingTlbis *tl = &a->pend.tl[i];
		h = hmix(hmix(h, tl->n), a->pend.st[i].n);
		for (size_t k = 0; k < tl->n; k++) {
			const PendingTlbi *t = &tl->t[k];
			h = hmix(h, (uint64_t)(unsigned)t->issuer | (uint64_t)t->op.kind << 32 |
					    (uint64_t)t->op.scope << 40 | (uint64_t)t->op.asid << 48);
			h = hmix(hmix(hmix(hmix(h, t->op.va), t->op.size), t->pc), rank(ctx, t->tick));
		}
		for (size_t k = 0; k < a->pend.st[i].n; k++) {
			const PendingStore *ps = &a->pend.st[i].s[k];
			h = hmix(hmix(hmix(hmix(h, ps->pa), ps->old), ps->val), ps->seen);
			h = hmix(h, rank(ctx, ps->tick));
		}
	}
	h = hmix(h, a->nv);
	for (size_t i = 0; i < a->nv; i++) {
		const Violation *v = &a->v[i];
		h = hmix(hmix(h, (uint64_t)(unsigned)v->pe), v->pc);
		for (const char *c = v->rule; *c; c++)
			h = hmix(h, (unsigned char)*c);
	}
	return h;
}
