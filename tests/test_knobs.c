// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_knobs.c - the named choices change what the execution does:
 *  - speculative = adversarial: a direct 2 MiB -> 4 KiB split is cached at
 *    once by the reader, whose next access then matches two entries: a TLB
 *    conflict abort (FSC 0x30) at levels 0, 1 and 2, none at 2-noabort or
 *    with l2_size_hit = use-newest at level 2; with speculative = none
 *    there is no abort at any level;
 *  - walk_visibility = at-dsb: a new descriptor is not seen by the reader's
 *    walks until the writer's DSB; immediate: at once;
 *  - tlbi_completion = at-issue: a TLBI without a DSB still completes;
 *  - TLB capacity: an LRU TLB of 4 entries evicts, and the run still works;
 *  - tlb_prefetch = 16: one walk caches the 16 pages of the aligned group.
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"

#define POOL_PA  0x100000ull
#define CODE_PA  0x200000ull
#define BLOCK_PA 0x400000ull
#define CODE_VA  0x40000000ull
#define BLOCK_VA 0x40400000ull
#define TABLE_VA 0x40800000ull

typedef struct K {
	Machine *m;
	uint64_t root, pte, pmd;
	PtBuilder b;
} K;

static void setup(K *k, MachineConfig *c)
{
	char err[256];
	c->npes = 2;
	c->mem_size = 64ull << 20;
	c->max_insns = 20000;
	k->m = machine_new(c, err, sizeof(err));
	CHECK(k->m != NULL);
	e2e_builder(k->m, &k->b, POOL_PA, 0x40000);
	CHECK(pt_alloc_table(&k->b, &k->root));
	CHECK(pt_alloc_table(&k->b, &k->pte));
	e2e_map(&k->b, k->root, CODE_VA, CODE_PA, 0x2000, 3, E2E_ATTR_CODE);
	e2e_map(&k->b, k->root, BLOCK_VA, BLOCK_PA, 0x200000, 2, E2E_ATTR_RW);
	e2e_map(&k->b, k->root, TABLE_VA, POOL_PA, 0x40000, 3, E2E_ATTR_RW);
	k->pmd = pt_desc_addr(&k->b, k->root, 0, BLOCK_VA, 2);
	for (unsigned i = 0; i < 512; i++)
		machine_phys_write64(k->m, k->pte + i * 8, (BLOCK_PA + i * 0x1000) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE);
}

static void start(K *k, const char *w, const char *r, uint64_t x2)
{
	char err[256];
	e2e_load(k->m, w, CODE_VA, CODE_PA);
	e2e_load(k->m, r, CODE_VA + 0x1000, CODE_PA + 0x1000);
	PeInit p0 = e2e_pe(CODE_VA, k->root), p1 = e2e_pe(CODE_VA + 0x1000, k->root);
	p0.x[1] = TABLE_VA + (k->pmd - POOL_PA);
	p0.x[2] = x2;
	p0.x[3] = BLOCK_VA >> 12;
	p1.x[4] = BLOCK_VA + 0x5000;
	CHECK(machine_pe_init(k->m, 0, &p0, err, sizeof(err)));
	CHECK(machine_pe_init(k->m, 1, &p1, err, sizeof(err)));
}

static const char *split_writer =
	"mov x9, #20\n 1: subs x9, x9, #1\n b.ne 1b\n str x2, [x1]\n dsb ishst\n hlt #0\n";
static const char *reader =
	"mov x5, #0\n 1: ldr x0, [x4]\n add x5, x5, #1\n cmp x5, #60\n b.ne 1b\n hlt #0\n";

static size_t conflicts(Machine *m, uint64_t *esr)
{
	const FaultRecord *f;
	size_t n = machine_faults(m, &f), c = 0;
	for (size_t i = 0; i < n; i++)
		if (f[i].kind == FAULT_TLB_CONFLICT) {
			c++;
			*esr = f[i].esr;
		}
	return c;
}

static void test_adversarial(void)
{
	static const bool aborts[BBM_LEVEL_COUNT] = { true, true, true, false };
	for (int spec = 0; spec < 2; spec++)
		for (int l = 0; l < BBM_LEVEL_COUNT; l++) {
			MachineConfig c;
			K k;
			uint64_t esr = 0;
			machine_config_default(&c);
			c.level = (BbmLevel)l;
			c.spec_fill = spec ? SPEC_FILL_ADVERSARIAL : SPEC_FILL_NONE;
			setup(&k, &c);
			start(&k, split_writer, reader, k.pte | DESC_VALID | DESC_TABLE);
			machine_run(k.m);
			size_t n = conflicts(k.m, &esr);
			if (spec && aborts[l]) {
				CHECK_EQ(n, 1);
				CHECK_EQ(esr, (0x25ull << 26) | (1ull << 25) | 0x30);
				CHECK_EQ(machine_pe_state(k.m, 1), PE_FAULTED);
				/* The reader's TLB really holds both the block and the page. */
				TlbEntry *hits[4];
				CHECK_EQ(tlb_lookup(machine_pe_tlb(k.m, 1), BLOCK_VA + 0x5000, 0, true, hits, 4, 0), 2);
			} else {
				CHECK_EQ(n, 0);
				CHECK_EQ(machine_pe_state(k.m, 1), PE_HALTED);
			}
			machine_free(k.m);
		}

	/* Level 2 with l2_size_hit = use-newest: one of the entries, no abort. */
	MachineConfig c;
	K k;
	uint64_t esr = 0;
	machine_config_default(&c);
	c.level = BBM_L2;
	c.knobs.l2_size = BBM_L2_SIZE_USE_NEWEST;
	c.spec_fill = SPEC_FILL_ADVERSARIAL;
	setup(&k, &c);
	start(&k, split_writer, reader, k.pte | DESC_VALID | DESC_TABLE);
	machine_run(k.m);
	CHECK_EQ(conflicts(k.m, &esr), 0);
	CHECK_EQ(machine_pe_state(k.m, 1), PE_HALTED);
	machine_free(k.m);
}

/* The reader has no entry for the page; the writer makes it valid and waits before its DSB. */
static uint64_t first_good_read(WalkVisibility vis, uint64_t *t_store, uint64_t *t_dsb)
{
	MachineConfig c;
	K k;
	EventLog log = { 0 };
	machine_config_default(&c);
	c.walk_vis = vis;
	setup(&k, &c);
	machine_phys_write64(k.m, k.pmd, 0);     /* the block starts invalid */
	start(&k,
	      "mov x9, #10\n 1: subs x9, x9, #1\n b.ne 1b\n str x2, [x1]\n"
	      "mov x9, #30\n 2: subs x9, x9, #1\n b.ne 2b\n dsb ish\n hlt #0\n",
	      "adr x10, v\n msr vbar_el1, x10\n 1: ldr x0, [x4]\n hlt #0\n .balign 2048\n v: .skip 0x200\n eret\n",
	      BLOCK_PA | E2E_ATTR_RW | DESC_VALID);
	machine_set_event_fn(k.m, e2e_log_fn, &log);
	machine_run(k.m);
	uint64_t good = 0;
	for (size_t i = 0; i < log.n; i++) {
		Event *e = &log.ev[i];
		if (e->type == EV_DESC_WRITE)
			*t_store = e->tick;
		if (e->type == EV_DSB && e->pe == 0)
			*t_dsb = e->tick;
		if (e->type == EV_MEM && e->pe == 1 && e->va == BLOCK_VA + 0x5000 && !good)
			good = e->tick;
	}
	CHECK_EQ(machine_pe_state(k.m, 1), PE_HALTED);
	e2e_log_free(&log);
	machine_free(k.m);
	return good;
}

static void test_walk_visibility(void)
{
	uint64_t ts = 0, td = 0;
	uint64_t g = first_good_read(WALK_VIS_IMMEDIATE, &ts, &td);
	CHECK(g > ts && g < td);
	g = first_good_read(WALK_VIS_AT_DSB, &ts, &td);
	CHECK(g > td);
}

static void test_tlbi_at_issue(void)
{
	for (int at_issue = 0; at_issue < 2; at_issue++) {
		MachineConfig c;
		K k;
		machine_config_default(&c);
		c.tlbi_completion = at_issue ? TLBI_COMPLETE_AT_ISSUE : TLBI_COMPLETE_AT_DSB;
		setup(&k, &c);
		start(&k, "mov x9, #20\n 1: subs x9, x9, #1\n b.ne 1b\n tlbi vaae1is, x3\n hlt #0\n", reader, 0);
		machine_run(k.m);
		CHECK_EQ(machine_pe_pending_tlbis(k.m, 1), at_issue ? 0 : 1);
		machine_free(k.m);
	}
}

static void test_capacity(void)
{
	MachineConfig c;
	K k;
	machine_config_default(&c);
	c.tlb.capacity = 4;
	c.tlb.replace = TLB_REPLACE_LRU;
	setup(&k, &c);
	start(&k, split_writer, reader, k.pte | DESC_VALID | DESC_TABLE);
	CHECK_EQ(machine_run(k.m), RUN_ALL_HALTED);
	CHECK(machine_pe_tlb(k.m, 1)->used <= 4);
	CHECK(machine_pe_tlb(k.m, 1)->evictions > 0);
	machine_free(k.m);
}

/* tlb_prefetch: one walk to a page caches the valid pages of its aligned group of 16. */
static void test_prefetch(void)
{
	for (unsigned pf = 1; pf <= 16; pf += 15) {
		MachineConfig c;
		K k;
		machine_config_default(&c);
		c.tlb_prefetch = pf;
		setup(&k, &c);
		start(&k, "hlt #0\n", "ldr x0, [x5]\n hlt #0\n", 0);
		uint64_t va = TABLE_VA + 0x13000;     /* in the 4 KiB-mapped alias of the pool */
		char err[256];
		PeInit p1 = e2e_pe(CODE_VA + 0x1000, k.root);
		p1.x[5] = va;
		CHECK(machine_pe_init(k.m, 1, &p1, err, sizeof(err)));
		machine_run(k.m);
		size_t pages = 0;
		Tlb *t = machine_pe_tlb(k.m, 1);
		for (long i = tlb_next(t, 0); i >= 0; i = tlb_next(t, i + 1))
			if (t->e[i].leaf && t->e[i].va >= TABLE_VA + 0x10000 && t->e[i].va < TABLE_VA + 0x20000)
				pages++;
		CHECK_EQ(pages, pf);
		machine_free(k.m);
	}
}

int main(void)
{
	test_adversarial();
	test_walk_visibility();
	test_tlbi_at_issue();
	test_capacity();
	test_prefetch();
	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
