// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_machine.c - end-to-end tests on the Unicorn engine:
 *  - PE0 remaps a page with textbook break-before-make while PE1 keeps
 *    reading it: PE1 uses its cached old translation until PE0's TLBI has
 *    completed at PE0's DSB, and the new one after; without the DSB the TLBI
 *    never completes;
 *  - the run is deterministic;
 *  - one PE touches thousands of distinct pages without Unicorn's region
 *    limit aborting the process.
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"

#define POOL_PA   E2E_POOL_PA
#define CODE0_PA  E2E_CODE0_PA
#define OLD_PA    E2E_OLD_PA
#define NEW_PA    E2E_NEW_PA
#define CODE_VA   E2E_CODE_VA
#define DATA_VA   E2E_DATA_VA

static const char *writer_src(bool with_dsb)
{
	static char buf[2048];
	snprintf(buf, sizeof(buf),
		 "	mov x9, #40\n"
		 "1:	subs x9, x9, #1\n"           /* let PE1 cache the old translation */
		 "	b.ne 1b\n"
		 "	str xzr, [x1]\n"             /* break */
		 "	dsb ish\n"
		 "	tlbi vae1is, x3\n"
		 "%s"
		 "	str x2, [x1]\n"              /* make */
		 "	dsb ishst\n"
		 "	isb\n"
		 "	hlt #0\n",
		 with_dsb ? "	dsb ish\n	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n" : "");
	return buf;
}

static const char *reader_src =
	"	adr x10, vectors\n"
	"	msr vbar_el1, x10\n"
	"	mov x5, #0\n"
	"1:	ldr x0, [x4]\n"
	"	add x5, x5, #1\n"
	"	cmp x5, #150\n"
	"	b.ne 1b\n"
	"	hlt #0\n"
	"	.balign 2048\n"
	"vectors:\n"
	"	.skip 0x200\n"
	"	eret\n";                      /* retry the faulting load */

typedef struct Run {
	EventLog log;
	Machine *m;
} Run;

static void run_remap(Run *r, bool with_dsb, uint64_t seed_unused)
{
	MachineConfig c;
	char err[256];
	(void)seed_unused;

	machine_config_default(&c);
	c.npes = 2;
	c.mem_size = 64ull << 20;
	r->m = machine_new(&c, err, sizeof(err));
	CHECK(r->m != NULL);
	Machine *m = r->m;
	PeInit p0, p1;
	e2e_remap_build(m, writer_src(with_dsb), reader_src, &p0, &p1);
	machine_set_event_fn(m, e2e_log_fn, &r->log);
	CHECK_EQ(machine_run(m), RUN_ALL_HALTED);
}

static void test_bbm_remap(void)
{
	Run r = { 0 };
	run_remap(&r, true, 0);
	Machine *m = r.m;

	uint64_t t_break = 0, t_complete = 0, t_make = 0;
	for (size_t i = 0; i < r.log.n; i++) {
		Event *e = &r.log.ev[i];
		if (e->type == EV_DESC_WRITE && e->val == 0 && !t_break)
			t_break = e->tick;
		if (e->type == EV_DESC_WRITE && (e->val & DESC_OA_MASK) == NEW_PA)
			t_make = e->tick;
		if (e->type == EV_TLBI_COMPLETE && e->pe == 1)
			t_complete = e->tick;
	}
	CHECK(t_break && t_complete && t_make);
	if (getenv("E2E_DUMP"))
		for (size_t i = 0; i < r.log.n; i++) {
			Event *e = &r.log.ev[i];
			if (e->type != EV_INSN && e->type != EV_MEM)
				fprintf(stderr, "%llu pe%d %s pc=%llx va=%llx pa=%llx val=%llx\n",
					(unsigned long long)e->tick, e->pe, event_type_name(e->type),
					(unsigned long long)e->pc, (unsigned long long)e->va,
					(unsigned long long)e->pa, (unsigned long long)e->val);
		}
	CHECK(t_break < t_complete && t_complete < t_make);

	size_t old_after_break = 0, old_after_complete = 0, new_before_complete = 0, new_after = 0;
	for (size_t i = 0; i < r.log.n; i++) {
		Event *e = &r.log.ev[i];
		if (e->type != EV_MEM || e->pe != 1 || e->access != ACCESS_READ || e->va != DATA_VA)
			continue;
		if (e->pa == OLD_PA && e->tick > t_break && e->tick < t_complete)
			old_after_break++;
		if (e->pa == OLD_PA && e->tick > t_complete)
			old_after_complete++;
		if (e->pa == NEW_PA && e->tick < t_complete)
			new_before_complete++;
		if (e->pa == NEW_PA && e->tick > t_make)
			new_after++;
	}
	/* The old translation stays in use after the break until the TLBI completes ... */
	CHECK(old_after_break > 0);
	/* ... and never after; the new one is used once written. */
	CHECK_EQ(old_after_complete, 0);
	CHECK_EQ(new_before_complete, 0);
	CHECK(new_after > 0);
	CHECK_EQ(machine_pe_x(m, 1, 0), 0x2222);
	CHECK_EQ(machine_pe_state(m, 0), PE_HALTED);
	CHECK_EQ(machine_pe_state(m, 1), PE_HALTED);

	/* The window between completion and the make step shows as translation faults at level 3. */
	const FaultRecord *f;
	size_t nf = machine_faults(m, &f);
	for (size_t i = 0; i < nf; i++) {
		CHECK_EQ(f[i].pe, 1);
		CHECK_EQ(f[i].kind, FAULT_TRANSLATION);
		CHECK_EQ(f[i].level, 3);
		CHECK_EQ(f[i].va, DATA_VA);
		CHECK(f[i].delivered);
		CHECK_EQ(f[i].esr, (0x25ull << 26) | (1ull << 25) | 0x07);
		CHECK(f[i].tick > t_complete && f[i].tick <= t_make + 1);
	}
	uint64_t hash = r.log.hash;
	e2e_log_free(&r.log);
	machine_free(m);

	/* Same inputs, same events. */
	Run r2 = { 0 };
	run_remap(&r2, true, 0);
	CHECK_EQ(r2.log.hash, hash);
	e2e_log_free(&r2.log);
	machine_free(r2.m);
}

static void test_bbm_remap_without_dsb(void)
{
	Run r = { 0 };
	run_remap(&r, false, 0);
	size_t completions = 0, new_reads = 0;

	for (size_t i = 0; i < r.log.n; i++) {
		Event *e = &r.log.ev[i];
		if (e->type == EV_TLBI_COMPLETE)
			completions++;
		if (e->type == EV_MEM && e->pe == 1 && e->pa == NEW_PA)
			new_reads++;
	}
	/* No DSB after the TLBI: it never completes, PE1 keeps the old translation. */
	CHECK_EQ(completions, 0);
	CHECK_EQ(new_reads, 0);
	CHECK_EQ(machine_pe_pending_tlbis(r.m, 1), 1);
	CHECK_EQ(machine_pe_pending_tlbis(r.m, 0), 1);
	CHECK_EQ(machine_pe_x(r.m, 1, 0), 0x1111);
	e2e_log_free(&r.log);
	machine_free(r.m);
}

/* 20000 pages, each mapped to a scattered PA: no two neighbours coalesce. */
static void test_many_pages(void)
{
	enum { NPAGES = 20000 };
	MachineConfig c;
	char err[256];
	PtBuilder b;
	uint64_t root;

	machine_config_default(&c);
	c.mem_size = 512ull << 20;
	c.max_insns = 1000000;
	Machine *m = machine_new(&c, err, sizeof(err));
	CHECK(m != NULL);
	e2e_builder(m, &b, POOL_PA, 0x100000);
	CHECK(pt_alloc_table(&b, &root));
	e2e_map(&b, root, CODE_VA, CODE0_PA, 0x1000, 3, E2E_ATTR_CODE);
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t pa = 0x1000000ull + ((i * 7919) % NPAGES) * 0x1000;
		e2e_map(&b, root, 0x80000000ull + i * 0x1000, pa, 0x1000, 3, E2E_ATTR_RW);
		machine_phys_write64(m, pa, i);
	}
	e2e_load(m,
		 "	mov x1, #0x80000000\n"
		 "	mov x2, #0\n"
		 "	mov x3, #0\n"
		 "1:	ldr x4, [x1]\n"
		 "	add x1, x1, #4096\n"
		 "	add x3, x3, x4\n"
		 "	add x2, x2, #1\n"
		 "	cmp x2, x5\n"
		 "	b.ne 1b\n"
		 "	hlt #0\n", CODE_VA, CODE0_PA);
	PeInit p = e2e_pe(CODE_VA, root);
	p.x[5] = NPAGES;
	CHECK(machine_pe_init(m, 0, &p, err, sizeof(err)));
	CHECK_EQ(machine_run(m), RUN_ALL_HALTED);
	CHECK_EQ(machine_pe_state(m, 0), PE_HALTED);
	CHECK_EQ(machine_pe_x(m, 0, 3), (uint64_t)NPAGES * (NPAGES - 1) / 2);
	CHECK(machine_pe_tlb(m, 0)->used >= NPAGES);
	unsigned peak;
	machine_pe_mirror_regions(m, 0, &peak);
	CHECK(peak <= 128);
	machine_free(m);
}

int main(void)
{
	test_bbm_remap();
	test_bbm_remap_without_dsb();
	test_many_pages();
	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
