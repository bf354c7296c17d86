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
 * removed from sim/machine.c (the reader then gets the old PA, or the
 * machine reports its internal mirror error).
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"
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

static void rig_start(Rig *r)
{
	char err[256];
	CHECK(machine_pe_init(r->m, 0, &r->p0, err, sizeof(err)));
	CHECK(machine_pe_init(r->m, 1, &r->p1, err, sizeof(err)));
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
	rig_start(&r);
	Probe p = { .m = r.m, .va = page_va(40), .state_at_store = -2 };
	machine_set_event_fn(r.m, probe_fn, &p);
	CHECK_EQ(machine_run(r.m), RUN_ALL_HALTED);
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
	rig_start(&r);
	Probe p = { .m = r.m, .va = page_va(41), .state_at_store = -2 };
	machine_set_event_fn(r.m, probe_fn, &p);
	CHECK_EQ(machine_run(r.m), RUN_ALL_HALTED);
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
	rig_start(&r);
	Probe p = { .m = r.m, .va = page_va(45), .state_at_store = -2 };
	machine_set_event_fn(r.m, probe_fn, &p);
	CHECK_EQ(machine_run(r.m), RUN_ALL_HALTED);
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
	rig_start(&r);
	Probe p = { .m = r.m, .va = page_va(5), .state_at_store = -2, .state_after_tlbi = -2 };
	machine_set_event_fn(r.m, probe_fn, &p);
	CHECK_EQ(machine_run(r.m), RUN_ALL_HALTED);
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
	rig_start(&r);
	Probe p = { .m = r.m, .va = page_va(80), .state_at_store = -2 };
	machine_set_event_fn(r.m, probe_fn, &p);
	CHECK_EQ(machine_run(r.m), RUN_ALL_HALTED);
	CHECK_EQ(machine_pe_x(r.m, 1, 10), OLD(80) << 32);
	CHECK_EQ(p.misses, 1);
	CHECK_EQ(machine_pe_mirror_state(r.m, 1, page_va(80)), 1);
	CHECK_EQ(machine_pe_mirror_state(r.m, 1, page_va(81)), 0);
	machine_free(r.m);
}

int main(void)
{
	test_bbm_walkable_page();
	test_at_dsb();
	test_stale_walk_cache();
	test_tlbi_unbacks();
	test_straddle();
	if (e2e_failures) {
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
		return 1;
	}
	printf("test_mirror: all passed\n");
	return 0;
}
