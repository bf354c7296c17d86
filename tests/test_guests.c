// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_guests.c - misbehaving guests are results, never host crashes:
 * runaway loops, stores over the tables and the code, jumps to unmapped and
 * garbage addresses, undefined instructions, faults with no vector table,
 * every PE asleep, an exception level change to EL0, and a PE whose MMU is
 * off.
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"

#define POOL_PA  0x100000ull
#define CODE_PA  0x200000ull
#define DATA_PA  0x300000ull
#define CODE_VA  0x40000000ull
#define DATA_VA  0x40100000ull
#define TABLE_VA 0x40200000ull

typedef struct G {
	Machine *m;
	uint64_t root;
	PtBuilder b;
} G;

static void setup(G *g, unsigned npes, uint64_t max_insns)
{
	MachineConfig c;
	char err[256];

	machine_config_default(&c);
	c.npes = npes;
	c.mem_size = 64ull << 20;
	c.max_insns = max_insns;
	g->m = machine_new(&c, err, sizeof(err));
	CHECK(g->m != NULL);
	e2e_builder(g->m, &g->b, POOL_PA, 0x40000);
	CHECK(pt_alloc_table(&g->b, &g->root));
	e2e_map(&g->b, g->root, CODE_VA, CODE_PA, 0x10000, 3, E2E_ATTR_CODE);
	e2e_map(&g->b, g->root, DATA_VA, DATA_PA, 0x1000, 3, E2E_ATTR_RW);
	e2e_map(&g->b, g->root, TABLE_VA, POOL_PA, 0x40000, 3, E2E_ATTR_RW);
}

static void start(G *g, unsigned pe, const char *src, uint64_t off)
{
	char err[256];
	e2e_load(g->m, src, CODE_VA + off, CODE_PA + off);
	PeInit p = e2e_pe(CODE_VA + off, g->root);
	p.x[1] = TABLE_VA;
	p.x[2] = DATA_VA;
	CHECK(machine_pe_init(g->m, pe, &p, err, sizeof(err)));
}

static const FaultRecord *last_fault(Machine *m)
{
	const FaultRecord *f;
	size_t n = machine_faults(m, &f);
	return n ? &f[n - 1] : NULL;
}

int main(void)
{
	G g;

	/* Runaway loop: the instruction limit ends the run. */
	setup(&g, 1, 5000);
	start(&g, 0, "1: b 1b\n", 0);
	CHECK_EQ(machine_run(g.m), RUN_LIMIT);
	CHECK_EQ(machine_tick(g.m), 5000);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_RUNNING);
	machine_free(g.m);

	/* Jump to an unmapped address, no vector table: the PE stops faulted at that PC. */
	setup(&g, 1, 5000);
	start(&g, 0, "mov x3, #0x7000\n movk x3, #0x1234, lsl #32\n br x3\n", 0);
	CHECK_EQ(machine_run(g.m), RUN_ALL_HALTED);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_FAULTED);
	const FaultRecord *f = last_fault(g.m);
	CHECK(f && f->kind == FAULT_TRANSLATION && f->access == ACCESS_FETCH && f->va == 0x123400007000ull);
	CHECK(f && f->esr >> 26 == 0x21 && !f->delivered);
	machine_free(g.m);

	/* Garbage PC (misaligned). */
	setup(&g, 1, 5000);
	start(&g, 0, "mov x3, #0x40000000\n add x3, x3, #2\n br x3\n", 0);
	machine_run(g.m);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_FAULTED);
	f = last_fault(g.m);
	CHECK(f && !strcmp(f->what, "pc-alignment"));
	machine_free(g.m);

	/* An undefined instruction. */
	setup(&g, 1, 5000);
	start(&g, 0, ".inst 0x00000000\n", 0);
	machine_run(g.m);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_FAULTED);
	f = last_fault(g.m);
	CHECK(f && !strcmp(f->what, "undefined") && f->pc == CODE_VA);
	machine_free(g.m);

	/* SVC and BRK with no vector table, and a data abort on a read-only page. */
	setup(&g, 3, 5000);
	start(&g, 0, "svc #7\n", 0);
	start(&g, 1, "brk #3\n", 0x1000);
	start(&g, 2, "mov x4, #0x40000000\n str x4, [x4]\n", 0x2000);
	machine_run(g.m);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(machine_pe_state(g.m, i), PE_FAULTED);
	const FaultRecord *fs;
	size_t nf = machine_faults(g.m, &fs);
	CHECK_EQ(nf, 3);
	for (size_t i = 0; i < nf; i++) {
		if (fs[i].pe == 0)
			CHECK(!strcmp(fs[i].what, "svc") && fs[i].esr == ((0x15ull << 26) | (1ull << 25) | 7));
		if (fs[i].pe == 1)
			CHECK(!strcmp(fs[i].what, "brk") && fs[i].esr == ((0x3cull << 26) | (1ull << 25) | 3));
		if (fs[i].pe == 2)
			CHECK(fs[i].kind == FAULT_PERMISSION && fs[i].level == 3 && fs[i].access == ACCESS_WRITE &&
			      fs[i].esr == ((0x25ull << 26) | (1ull << 25) | (1ull << 6) | 0x0f));
	}
	machine_free(g.m);

	/* Stores all over the tables: the guest wipes its own root table. */
	setup(&g, 1, 5000);
	start(&g, 0,
	      "mov x5, #512\n"
	      "1: str xzr, [x1], #8\n subs x5, x5, #1\n b.ne 1b\n"
	      "dsb ish\n tlbi vmalle1\n dsb ish\n isb\n"
	      "ldr x0, [x2]\n", 0);
	machine_run(g.m);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_FAULTED);
	f = last_fault(g.m);
	/* Its code is gone too: the fetch after the TLBI faults at level 0. */
	CHECK(f && f->kind == FAULT_TRANSLATION && f->level == 0);
	machine_free(g.m);

	/* A store over the code of another PE, and to a PA beyond memory through a bad mapping. */
	setup(&g, 1, 5000);
	e2e_map(&g.b, g.root, 0x50000000ull, 0x7ff000000ull, 0x1000, 3, E2E_ATTR_RW);
	start(&g, 0, "mov x6, #0x50000000\n ldr x0, [x6]\n", 0);
	machine_run(g.m);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_FAULTED);
	f = last_fault(g.m);
	CHECK(f && f->kind == FAULT_EXTERNAL && f->va == 0x50000000ull);
	machine_free(g.m);

	/* Every PE asleep: deadlock, reported. */
	setup(&g, 2, 5000);
	start(&g, 0, "1: wfe\n b 1b\n", 0);
	start(&g, 1, "1: wfe\n b 1b\n", 0x1000);
	CHECK_EQ(machine_run(g.m), RUN_DEADLOCK);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_SLEEPING);
	CHECK(machine_tick(g.m) < 10);
	machine_free(g.m);

	/* WFE wake-up by SEV, and by a store to the monitored granule. */
	setup(&g, 2, 100000);
	start(&g, 0, "sevl\n 1: wfe\n ldxr x0, [x2]\n cbz x0, 1b\n hlt #0\n", 0);
	start(&g, 1, "mov x9, #50\n 1: subs x9, x9, #1\n b.ne 1b\n mov x0, #1\n str x0, [x2]\n hlt #0\n", 0x1000);
	CHECK_EQ(machine_run(g.m), RUN_ALL_HALTED);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_HALTED);
	CHECK(machine_pe_insns(g.m, 0) < 30);   /* it slept rather than spun */
	machine_free(g.m);

	/* EL0 via ERET, then an SVC back to an EL1 vector; EL0 cannot read an EL1-only page. */
	setup(&g, 1, 5000);
	e2e_map(&g.b, g.root, 0x41000000ull, 0x400000ull, 0x1000, 3, DESC_AF | (3ull << 8) | DESC_AP1 | DESC_PXN);
	e2e_load(g.m, "ldr x0, [x2]\n", 0x41000000ull, 0x400000ull);
	start(&g, 0,
	      "adr x10, vectors\n msr vbar_el1, x10\n"
	      "mov x11, #0x41000000\n msr elr_el1, x11\n msr spsr_el1, xzr\n eret\n"
	      ".balign 2048\nvectors: .skip 0x400\n"      /* lower EL synchronous at +0x400 */
	      "mrs x20, esr_el1\n mrs x21, far_el1\n hlt #0\n", 0);
	machine_run(g.m);
	CHECK_EQ(machine_pe_state(g.m, 0), PE_HALTED);
	CHECK_EQ(machine_pe_x(g.m, 0, 20), (0x24ull << 26) | (1ull << 25) | 0x0f);
	CHECK_EQ(machine_pe_x(g.m, 0, 21), DATA_VA);
	machine_free(g.m);

	/* MMU off: flat physical addressing. */
	{
		MachineConfig c;
		char err[256];
		machine_config_default(&c);
		c.mem_size = 16ull << 20;
		Machine *m = machine_new(&c, err, sizeof(err));
		e2e_load(m, "mov x1, #0x300000\n mov x0, #42\n str x0, [x1]\n hlt #0\n", 0x100000, 0x100000);
		PeInit p;
		memset(&p, 0, sizeof(p));
		p.pc = 0x100000;
		p.el = 1;
		CHECK(machine_pe_init(m, 0, &p, err, sizeof(err)));
		CHECK_EQ(machine_run(m), RUN_ALL_HALTED);
		CHECK_EQ(machine_phys_read64(m, 0x300000), 42);
		machine_free(m);
	}

	/* Bad machine configurations are refused with a message, not a crash. */
	{
		MachineConfig c;
		char err[256];
		machine_config_default(&c);
		c.npes = 0;
		CHECK(machine_new(&c, err, sizeof(err)) == NULL && strstr(err, "PEs"));
		c.npes = 10000;
		CHECK(machine_new(&c, err, sizeof(err)) == NULL);
		c.npes = 1;
		c.mem_size = 5ull << 40;
		CHECK(machine_new(&c, err, sizeof(err)) == NULL && strstr(err, "memory"));
	}

	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
