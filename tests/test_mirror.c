// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_mirror.c - the Unicorn mirror keeps pages it has no TLB entry for
 * ("walkable" pages, filled on first access) only while a walk would still
 * give their translation. Each test makes a reader PE sweep 33 pages, so its
 * adaptive window grows and the region made at page 32 covers pages 32..63
 * with 33..63 walkable, then changes what a walk of one of those pages
 * returns and checks that the reader sees exactly what the model says:
 *
 *  - a break-before-make of a walkable page (the store drops the region);
 *  - walk_visibility at-dsb: an unsynchronised store is invisible to the
 *    reader's walk, then visible after the writer's DSB;
 *  - a stale walk-cache entry keeps the old translation until a TLBI
 *    removes it;
 *  - a TLBI that removes a backed page's entry leaves the page mapped but
 *    walkable: the next access misses and fills again;
 *  - a load straddling into a walkable page fills the TLB for it once.
 *
 * Each expectation was checked to fail with the corresponding re-check
 * removed from sim/mirror.c (the reader then gets the old PA, or the
 * machine reports its internal mirror error).
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"
#include "bbmsim/analysis.h"
#include "bbmsim/event.h"

#define POOL_PA  0x100000ull
#define CODE0_PA 0x200000ull
#define CODE1_PA 0x210000ull
#define CODE_VA  0x40000000ull
#define FLAG_VA  0x40200000ull
#define FLAG_PA  0x500000ull
#define TABLE_VA 0x40300000ull   /* alias of the table pool */
#define DATA_VA  0x40400000ull   /* 64 pages, its own last-level table */
#define DATA_PA  0x400000ull
#define ALT_PA   0x600000ull
#define NPAGES   128

#define OLD(i) (0x1000ull + (i))

static uint64_t read_pa(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }
#define NEW(i) (0x2000ull + (i))

typedef struct Rig {
	Machine *m;
	PtBuilder b;
	uint64_t root;
	PeInit p0, p1;
} Rig;

/* The reader's sweep of pages 0..32 (x1 = DATA_VA, x6 = FLAG_VA), then flag +0 := 1. */
#define SWEEP                              \
	"	mov x2, #0\n"                   \
	"	mov x3, #0\n"                   \
	"1:	lsl x4, x2, #12\n"              \
	"	ldr x4, [x1, x4]\n"             \
	"	add x3, x3, x4\n"               \
	"	add x2, x2, #1\n"               \
	"	cmp x2, #33\n"                  \
	"	b.ne 1b\n"                      \
	"	mov x5, #1\n"                   \
	"	str x5, [x6]\n"

static uint64_t page_va(unsigned i) { return DATA_VA + (uint64_t)i * 0x1000; }

static uint64_t desc_alias(Rig *r, uint64_t va, int level)
{
	uint64_t pa = pt_desc_addr(&r->b, r->root, 0, va, level);
	CHECK(pa != ~0ull);
	return TABLE_VA + (pa - POOL_PA);
}

static void rig_build(Rig *r, const MachineConfig *c, const char *writer, const char *reader)
{
	char err[256];

	r->m = machine_new(c, err, sizeof(err));
	if (!r->m) {
		fprintf(stderr, "machine_new: %s\n", err);
		exit(1);
	}
	e2e_builder(r->m, &r->b, POOL_PA, 0x40000);
	CHECK(pt_alloc_table(&r->b, &r->root));
	e2e_map(&r->b, r->root, CODE_VA, CODE0_PA, 0x20000, 3, E2E_ATTR_CODE);
	e2e_map(&r->b, r->root, FLAG_VA, FLAG_PA, 0x1000, 3, E2E_ATTR_RW);
	e2e_map(&r->b, r->root, TABLE_VA, POOL_PA, 0x40000, 3, E2E_ATTR_RW);
	e2e_map(&r->b, r->root, DATA_VA, DATA_PA, NPAGES * 0x1000ull, 3, E2E_ATTR_RW);
	for (unsigned i = 0; i < NPAGES; i++) {
		machine_phys_write64(r->m, DATA_PA + i * 0x1000ull, OLD(i));
		machine_phys_write64(r->m, ALT_PA + i * 0x1000ull, NEW(i));
	}
	e2e_load(r->m, writer, CODE_VA, CODE0_PA);
	e2e_load(r->m, reader, CODE_VA + (CODE1_PA - CODE0_PA), CODE1_PA);
	r->p0 = e2e_pe(CODE_VA, r->root);
	r->p1 = e2e_pe(CODE_VA + (CODE1_PA - CODE0_PA), r->root);
	r->p0.x[6] = FLAG_VA;
	r->p1.x[1] = DATA_VA;
	r->p1.x[6] = FLAG_VA;
}


static void config(MachineConfig *c)
{
	machine_config_default(c);
	c->npes = 2;
	c->mem_size = 64ull << 20;
	c->max_insns = 2000000;
}

/* Records the reader's mirror state of one page when the writer's first descriptor store lands. */
typedef struct Probe {
	Machine *m;
	uint64_t va;
	int state_at_store;
	bool seen_store;
	unsigned misses;           /* reader TLB misses on the page */
	int state_after_tlbi;
} Probe;

static void probe_fn(void *ctx, const Event *ev)
{
	Probe *p = ctx;

	if (ev->type == EV_DESC_WRITE && ev->pe == 0 && !p->seen_store) {
		p->seen_store = true;
		p->state_at_store = machine_pe_mirror_state(p->m, 1, p->va);
	}
	if (ev->type == EV_TLB_MISS && ev->pe == 1 && (ev->va >> 12) == (p->va >> 12))
		p->misses++;
	if (ev->type == EV_TLBI_COMPLETE && ev->pe == 1)
		p->state_after_tlbi = machine_pe_mirror_state(p->m, 1, p->va);
}

/* Start both PEs and run them to the end with @p watching. */
static RunEnd rig_run(Rig *r, Probe *p)
{
	char err[256];
	CHECK(machine_pe_init(r->m, 0, &r->p0, err, sizeof(err)));
	CHECK(machine_pe_init(r->m, 1, &r->p1, err, sizeof(err)));
	p->m = r->m;
	machine_set_event_fn(r->m, probe_fn, p);
	return machine_run(r->m);
}

/* Break-before-make of page 40, which the reader's region holds as walkable. */
static void test_bbm_walkable_page(void)
{
	MachineConfig c;
	Rig r;
	config(&c);
	rig_build(&r, &c,
		  "1:	ldr x5, [x6]\n"
		  "	cbz x5, 1b\n"
		  "	str xzr, [x1]\n"
		  "	dsb ish\n"
		  "	tlbi vae1is, x3\n"
		  "	dsb ish\n"
		  "	str x2, [x1]\n"
		  "	dsb ish\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #8]\n"
		  "	hlt #0\n",
		  SWEEP
		  "2:	ldr x5, [x6, #8]\n"
		  "	cbz x5, 2b\n"
		  "	add x7, x1, #0x28000\n"
		  "	ldr x10, [x7]\n"
		  "	hlt #0\n");
	r.p0.x[1] = desc_alias(&r, page_va(40), 3);
	r.p0.x[2] = (ALT_PA + 40 * 0x1000ull) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
	r.p0.x[3] = page_va(40) >> 12;
	Probe p = { .va = page_va(40), .state_at_store = -2 };
	CHECK_EQ(rig_run(&r, &p), RUN_ALL_HALTED);
	CHECK_EQ(p.state_at_store, 0);             /* the lazy path was in play */
	CHECK_EQ(machine_pe_x(r.m, 1, 3), 33 * 0x1000ull + 32 * 33 / 2);
	CHECK_EQ(machine_pe_x(r.m, 1, 10), NEW(40));
	CHECK_EQ(machine_pe_state(r.m, 1), PE_HALTED);
	machine_free(r.m);
}

/*
 * walk_visibility at-dsb: the writer changes pages 40 and 41 without a DSB;
 * the reader's walk of page 40 still reads the old descriptor. After the
 * writer's DSB, page 41 translates to the new PA.
 */
static void test_at_dsb(void)
{
	MachineConfig c;
	Rig r;
	config(&c);
	c.walk_vis = WALK_VIS_AT_DSB;
	rig_build(&r, &c,
		  "1:	ldr x5, [x6]\n"
		  "	cbz x5, 1b\n"
		  "	str x2, [x1]\n"
		  "	str x8, [x9]\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #8]\n"
		  "2:	ldr x5, [x6, #16]\n"
		  "	cbz x5, 2b\n"
		  "	dsb ish\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #24]\n"
		  "	hlt #0\n",
		  SWEEP
		  "2:	ldr x5, [x6, #8]\n"
		  "	cbz x5, 2b\n"
		  "	add x7, x1, #0x28000\n"
		  "	ldr x10, [x7]\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #16]\n"
		  "3:	ldr x5, [x6, #24]\n"
		  "	cbz x5, 3b\n"
		  "	ldr x11, [x7, #0x1000]\n"
		  "	hlt #0\n");
	r.p0.x[1] = desc_alias(&r, page_va(40), 3);
	r.p0.x[2] = (ALT_PA + 40 * 0x1000ull) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
	r.p0.x[9] = desc_alias(&r, page_va(41), 3);
	r.p0.x[8] = (ALT_PA + 41 * 0x1000ull) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
	Probe p = { .va = page_va(41), .state_at_store = -2 };
	CHECK_EQ(rig_run(&r, &p), RUN_ALL_HALTED);
	CHECK_EQ(p.state_at_store, 0);
	CHECK_EQ(machine_pe_x(r.m, 1, 10), OLD(40));
	CHECK_EQ(machine_pe_x(r.m, 1, 11), NEW(41));
	CHECK_EQ(machine_pe_state(r.m, 1), PE_HALTED);
	machine_free(r.m);
}

/*
 * The writer points the level-2 table descriptor over the data at a new
 * last-level table (mapping the ALT pages) without a TLBI. The reader's
 * walk cache still holds the old table descriptor, so page 45 (never
 * touched) translates to the old PA. A TLBI VAE1IS of page 46 removes the
 * walk-cache entry: page 46 then walks the new table.
 */
static void test_stale_walk_cache(void)
{
	MachineConfig c;
	Rig r;
	config(&c);
	rig_build(&r, &c,
		  "1:	ldr x5, [x6]\n"
		  "	cbz x5, 1b\n"
		  "	str x2, [x1]\n"
		  "	dsb ish\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #8]\n"
		  "2:	ldr x5, [x6, #16]\n"
		  "	cbz x5, 2b\n"
		  "	tlbi vae1is, x3\n"
		  "	dsb ish\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #24]\n"
		  "	hlt #0\n",
		  SWEEP
		  "2:	ldr x5, [x6, #8]\n"
		  "	cbz x5, 2b\n"
		  "	add x7, x1, #0x2d000\n"
		  "	ldr x10, [x7]\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #16]\n"
		  "3:	ldr x5, [x6, #24]\n"
		  "	cbz x5, 3b\n"
		  "	ldr x11, [x7, #0x1000]\n"
		  "	hlt #0\n");
	uint64_t t2;
	CHECK(pt_alloc_table(&r.b, &t2));
	for (unsigned i = 0; i < 512; i++)
		machine_phys_write64(r.m, t2 + i * 8, i < NPAGES ?
				     (ALT_PA + i * 0x1000ull) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE : 0);
	r.p0.x[1] = desc_alias(&r, DATA_VA, 2);
	r.p0.x[2] = t2 | DESC_VALID | DESC_TABLE;
	r.p0.x[3] = page_va(46) >> 12;
	Probe p = { .va = page_va(45), .state_at_store = -2 };
	CHECK_EQ(rig_run(&r, &p), RUN_ALL_HALTED);
	CHECK_EQ(p.state_at_store, 0);
	CHECK_EQ(machine_pe_x(r.m, 1, 10), OLD(45));
	CHECK_EQ(machine_pe_x(r.m, 1, 11), NEW(46));
	CHECK_EQ(machine_pe_state(r.m, 1), PE_HALTED);
	machine_free(r.m);
}

/* A TLBI of a backed page with no descriptor change: the page stays mapped, unbacked, and refills. */
static void test_tlbi_unbacks(void)
{
	MachineConfig c;
	Rig r;
	config(&c);
	rig_build(&r, &c,
		  "1:	ldr x5, [x6]\n"
		  "	cbz x5, 1b\n"
		  "	tlbi vae1is, x3\n"
		  "	dsb ish\n"
		  "	mov x5, #1\n"
		  "	str x5, [x6, #8]\n"
		  "	hlt #0\n",
		  SWEEP
		  "2:	ldr x5, [x6, #8]\n"
		  "	cbz x5, 2b\n"
		  "	ldr x10, [x1, #0x5000]\n"
		  "	hlt #0\n");
	r.p0.x[3] = page_va(5) >> 12;
	Probe p = { .va = page_va(5), .state_at_store = -2, .state_after_tlbi = -2 };
	CHECK_EQ(rig_run(&r, &p), RUN_ALL_HALTED);
	CHECK_EQ(p.state_after_tlbi, 0);           /* mapped, no longer backed */
	CHECK_EQ(p.misses, 2);                     /* the sweep's miss and the one after the TLBI */
	CHECK_EQ(machine_pe_x(r.m, 1, 10), OLD(5));
	CHECK_EQ(machine_pe_mirror_state(r.m, 1, page_va(5)), 1);
	machine_free(r.m);
}

/*
 * A load straddling from a page outside the mirror into the next one: the
 * region made for the first page (the window has grown to 256 KiB) holds the
 * second as walkable. The second page is filled exactly once (Unicorn 2.0.1
 * also runs the memory hook for each page's aligned part of the access), the
 * load reads both pages, and the page after stays walkable.
 */
static void test_straddle(void)
{
	MachineConfig c;
	Rig r;
	config(&c);
	rig_build(&r, &c,
		  "	hlt #0\n",
		  SWEEP
		  "	add x7, x1, #0x50000\n"
		  "	ldr x10, [x7, #-4]\n"
		  "	hlt #0\n");
	Probe p = { .va = page_va(80), .state_at_store = -2 };
	CHECK_EQ(rig_run(&r, &p), RUN_ALL_HALTED);
	CHECK_EQ(machine_pe_x(r.m, 1, 10), OLD(80) << 32);
	CHECK_EQ(p.misses, 1);
	CHECK_EQ(machine_pe_mirror_state(r.m, 1, page_va(80)), 1);
	CHECK_EQ(machine_pe_mirror_state(r.m, 1, page_va(81)), 0);
	machine_free(r.m);
}

/*
 * The claim behind walkable pages: the TLB model sees exactly what
 * fill-on-miss gives. A live split of a 64 MiB map (2 MiB blocks to 4 KiB
 * pages, Linux's split on a BBML2 CPU, then one TLBI VMALLE1IS) while two
 * readers sweep it, then a valid-to-valid change of the PA of a page ahead
 * of the readers and a TLBI of the page they poll, run with
 * the mirror as it is and with a mirror of held pages only
 * (mirror_backed_only, the design before walkable pages): the same events
 * in the same order with the same ticks (tlb-hit events aside: the old
 * mirror looked a freshly filled page up once more), the same windows,
 * registers and end, under both walker visibilities; and far fewer maps.
 */
#define SPLIT_VA    0x80000000ull
#define SPLIT_PA    0x4000000ull
#define SPLIT_SIZE  (64ull << 20)
#define SPARE_PA    0x2000000ull     /* one PTE table per block */
#define SPARE_VA    0x40800000ull    /* its alias */

typedef struct Diff {
	uint64_t hash, n;
} Diff;

static void diff_fn(void *ctx, const Event *ev)
{
	Diff *d = ((void **)ctx)[0];
	analysis_event(((void **)ctx)[1], ev);
	if (ev->type == EV_TLB_HIT)
		return;
	uint64_t f[] = { ev->type, ev->tick, (uint64_t)ev->pe, ev->pc, ev->va, ev->pa, ev->val, ev->old,
			 ev->entry ? ev->entry->va : 0, ev->entry ? ev->entry->pa : 0 };
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		d->hash ^= f[i];
		d->hash *= 0x100000001b3ull;
	}
	d->n++;
}

typedef struct SplitRun {
	Diff d;
	uint64_t tick, maps, lazy_fills, x[3][32];
	size_t windows;
	RunEnd end;
} SplitRun;

/* A TLB policy or knob the equivalence must hold under. */
typedef struct Variant {
	const char *name;
	WalkVisibility vis;
	size_t capacity;
	TlbReplace replace;
	bool no_walk_cache;
	SpecFill spec;
	unsigned prefetch, quantum;
	BbmLevel level;
	uint64_t min_lazy;      /* lazy fills expected at least (adversarial fills leave few pages unheld) */
} Variant;

static void split_run(bool backed_only, const Variant *v, SplitRun *out)
{
	MachineConfig c;
	char err[256];
	PtBuilder b;
	uint64_t root;
	const unsigned blocks = SPLIT_SIZE >> 21, readers = 2;

	machine_config_default(&c);
	c.npes = 1 + readers;
	c.mem_size = 256ull << 20;
	c.max_insns = 5000000;
	c.level = v->level;
	c.walk_vis = v->vis;
	c.tlb.capacity = v->capacity;
	c.tlb.replace = v->replace;
	c.tlb.walk_cache = !v->no_walk_cache;
	c.spec_fill = v->spec;
	c.tlb_prefetch = v->prefetch;
	c.quantum = v->quantum;
	c.mirror_backed_only = backed_only;
	Machine *m = machine_new(&c, err, sizeof(err));
	CHECK(m != NULL);
	e2e_builder(m, &b, POOL_PA, 0x40000);
	machine_mark_table_pages(m, SPARE_PA, blocks * 0x1000ull);
	CHECK(pt_alloc_table(&b, &root));
	e2e_map(&b, root, CODE_VA, CODE0_PA, 0x20000, 3, E2E_ATTR_CODE);
	e2e_map(&b, root, FLAG_VA, FLAG_PA, 0x1000, 3, E2E_ATTR_RW);
	e2e_map(&b, root, TABLE_VA, POOL_PA, 0x40000, 3, E2E_ATTR_RW);
	e2e_map(&b, root, SPARE_VA, SPARE_PA, blocks * 0x1000ull, 3, E2E_ATTR_RW);
	e2e_map(&b, root, SPLIT_VA, SPLIT_PA, SPLIT_SIZE, 2, E2E_ATTR_RW);
	for (uint64_t off = 0; off < SPLIT_SIZE; off += 0x1000)
		machine_phys_write64(m, SPLIT_PA + off, off);
	machine_phys_write64(m, ALT_PA, 0xa17);
	e2e_load(m,
		 "	mov x10, #0\n"
		 "1:	mov x5, x2\n"
		 "	mov x6, #512\n"
		 "	add x7, x10, x9\n"
		 "	orr x7, x7, x4\n"
		 "2:	str x7, [x5], #8\n"
		 "	add x7, x7, #0x1000\n"
		 "	subs x6, x6, #1\n"
		 "	b.ne 2b\n"
		 "	dsb ishst\n"
		 "	orr x8, x3, #3\n"
		 "	str x8, [x0], #8\n"
		 "	add x2, x2, #0x1000\n"
		 "	add x3, x3, #0x1000\n"
		 "	add x10, x10, #0x200000\n"
		 "	subs x1, x1, #1\n"
		 "	b.ne 1b\n"
		 "	dsb ishst\n"
		 "	tlbi vmalle1is\n"
		 "	dsb ish\n"
		 "	isb\n"
		 "	str x13, [x14]\n"      /* page 100 of block 20 (ahead of the readers) -> ALT_PA, no break */
		 "	dsb ish\n"
		 "	tlbi vae1is, x16\n"    /* the flag page: nothing changed, the readers fill it again */
		 "	dsb ish\n"
		 "	mov x15, #20000\n"
		 "3:	subs x15, x15, #1\n"   /* let the readers run into it */
		 "	b.ne 3b\n"
		 "	mov x9, #1\n"
		 "	str x9, [x11]\n"
		 "	hlt #0\n", CODE_VA, CODE0_PA);
	e2e_load(m,
		 "	mov x4, #0\n"
		 "1:	ldr x0, [x1, x4]\n"
		 "	add x0, x0, #1\n"
		 "	str x0, [x12]\n"
		 "	add x4, x4, x2\n"
		 "	and x4, x4, x3\n"
		 "	ldr x9, [x11]\n"
		 "	cbz x9, 1b\n"
		 "	hlt #0\n", CODE_VA + 0x10000, CODE1_PA);
	for (unsigned i = 0; i <= readers; i++) {
		PeInit p = e2e_pe(i ? CODE_VA + 0x10000 : CODE_VA, root);
		p.x[11] = FLAG_VA;
		if (i == 0) {
			p.x[0] = TABLE_VA + (pt_desc_addr(&b, root, 0, SPLIT_VA, 2) - POOL_PA);
			p.x[1] = blocks;
			p.x[2] = SPARE_VA;
			p.x[3] = SPARE_PA;
			p.x[4] = E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
			p.x[9] = SPLIT_PA;
			p.x[13] = ALT_PA | E2E_ATTR_RW | DESC_VALID | DESC_TABLE;
			p.x[14] = SPARE_VA + 20 * 0x1000 + 100 * 8;
			p.x[16] = FLAG_VA >> 12;
		} else {
			p.x[1] = SPLIT_VA + i * 0x1000;
			p.x[2] = 0x1000 + i * 0x40;
			p.x[3] = (SPLIT_SIZE - 1) & ~0xfffull;
			p.x[12] = FLAG_VA + 0x100 + i * 64;
		}
		CHECK(machine_pe_init(m, i, &p, err, sizeof(err)));
	}
	AnalysisPe ap[3];
	for (unsigned i = 0; i <= readers; i++)
		ap[i] = (AnalysisPe){ e2e_pe(0, root).regs, v->level, true };
	BbmKnobs k = bbm_knobs_default;
	Analysis *a = analysis_new(ap, c.npes, &k, read_pa, m);
	memset(out, 0, sizeof(*out));
	out->d.hash = 0xcbf29ce484222325ull;
	void *ctx[2] = { &out->d, a };
	machine_set_event_fn(m, diff_fn, ctx);
	out->end = machine_run(m);
	analysis_finish(a, machine_tick(m));
	out->tick = machine_tick(m);
	out->lazy_fills = machine_mirror_lazy_fills(m);
	out->windows = analysis_count(a, -1, -1, -1);
	for (unsigned i = 0; i <= readers; i++) {
		out->maps += machine_pe_mirror_maps(m, i);
		for (unsigned r = 0; r < 32; r++)
			out->x[i][r] = machine_pe_x(m, i, r);
	}
	analysis_free(a);
	machine_free(m);
}

static void test_same_as_fill_on_miss(void)
{
	static const Variant variants[] = {
		{ "default", WALK_VIS_IMMEDIATE, 0, TLB_REPLACE_LRU, false, SPEC_FILL_NONE, 1, 1, BBM_L2_NOABORT, 1000 },
		{ "at-dsb", WALK_VIS_AT_DSB, 0, TLB_REPLACE_LRU, false, SPEC_FILL_NONE, 1, 1, BBM_L2_NOABORT, 1000 },
		{ "capacity 3000 lru", WALK_VIS_IMMEDIATE, 3000, TLB_REPLACE_LRU, false, SPEC_FILL_NONE, 1, 1,
		  BBM_L2_NOABORT, 1000 },
		{ "capacity 700 random", WALK_VIS_IMMEDIATE, 700, TLB_REPLACE_RANDOM, false, SPEC_FILL_NONE, 1, 1,
		  BBM_L2_NOABORT, 1000 },
		{ "no walk cache", WALK_VIS_IMMEDIATE, 0, TLB_REPLACE_LRU, true, SPEC_FILL_NONE, 1, 1, BBM_L2_NOABORT,
		  1000 },
		{ "adversarial", WALK_VIS_IMMEDIATE, 0, TLB_REPLACE_LRU, false, SPEC_FILL_ADVERSARIAL, 1, 1, BBM_L2, 10 },
		{ "prefetch 16", WALK_VIS_IMMEDIATE, 0, TLB_REPLACE_LRU, false, SPEC_FILL_NONE, 16, 1, BBM_L2_NOABORT,
		  1000 },
		{ "quantum 8", WALK_VIS_AT_DSB, 0, TLB_REPLACE_LRU, false, SPEC_FILL_NONE, 1, 8, BBM_L1, 1000 },
	};
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		const Variant *v = &variants[i];
		static SplitRun lazy, held;
		split_run(false, v, &lazy);
		split_run(true, v, &held);
		bool same = lazy.end == held.end && lazy.tick == held.tick && lazy.d.n == held.d.n &&
			    lazy.d.hash == held.d.hash && lazy.windows == held.windows &&
			    !memcmp(lazy.x, held.x, sizeof(lazy.x));
		if (!same || lazy.lazy_fills < v->min_lazy || getenv("TEST_MIRROR_VERBOSE"))
			fprintf(stderr, "%s: end %d/%d ticks %llu/%llu events %llu/%llu hash %016llx/%016llx windows %zu/%zu "
				"maps %llu/%llu lazy fills %llu\n", v->name, lazy.end, held.end,
				(unsigned long long)lazy.tick, (unsigned long long)held.tick, (unsigned long long)lazy.d.n,
				(unsigned long long)held.d.n, (unsigned long long)lazy.d.hash,
				(unsigned long long)held.d.hash, lazy.windows, held.windows,
				(unsigned long long)lazy.maps, (unsigned long long)held.maps,
				(unsigned long long)lazy.lazy_fills);
		CHECK(same);
		CHECK_EQ(lazy.end, RUN_ALL_HALTED);
		CHECK(lazy.windows > 0);
		CHECK(lazy.lazy_fills >= v->min_lazy);   /* the walkable pages were in play */
		CHECK_EQ(held.lazy_fills, 0);
		if (i == 0)
			CHECK(lazy.maps * 20 < held.maps);   /* and saved the maps they exist for */
	}
}

int main(void)
{
	test_bbm_walkable_page();
	test_at_dsb();
	test_stale_walk_cache();
	test_tlbi_unbacks();
	test_straddle();
	test_same_as_fill_on_miss();
	if (e2e_failures) {
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
		return 1;
	}
	printf("test_mirror: all passed\n");
	return 0;
}
