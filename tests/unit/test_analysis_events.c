// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_analysis_events.c - the hazard analysis (models/analysis.c) fed with
 * hand-made event streams over a plain memory array: no machine, no
 * Unicorn. Each case is the event sequence a PE would produce and what the
 * analysis must conclude from it (docs/semantics.md).
 */
#include <stdlib.h>
#include <string.h>
#include "bbmsim/analysis.h"
#include "bbmsim/ptbuild.h"
#include "bbmsim/sysinsn.h"
#include "check.h"

#define MEM_SIZE  (8ull << 20)
#define POOL      0x100000ull
#define DATA_VA   0x40100000ull
#define OLD_PA    0x400000ull
#define NEW_PA    0x401000ull
#define ATTRS     (DESC_AF | (3ull << 8) | DESC_PXN | DESC_UXN)
#define TCR       (16ull | 16ull << 16 | 2ull << 30)

static uint8_t *mem;

static uint64_t rd(void *ctx, uint64_t pa)
{
	uint64_t v;
	(void)ctx;
	memcpy(&v, mem + pa, 8);
	return v;
}

static void wr(void *ctx, uint64_t pa, uint64_t v)
{
	(void)ctx;
	memcpy(mem + pa, &v, 8);
}

typedef struct Rig {
	Analysis *a;
	uint64_t root, pte, tick;
} Rig;

/* Two PEs on one tree mapping DATA_VA -> OLD_PA (4K page, @ng: non-global), ASID @asid. */
static Rig rig(bool ng, uint16_t asid, bool mmu1)
{
	PtBuilder b;
	Rig r = { 0 };

	memset(mem, 0, MEM_SIZE);
	pt_init(&b, rd, wr, NULL, POOL, 0x40000);
	pt_alloc_table(&b, &r.root);
	pt_map(&b, r.root, 0, DATA_VA, OLD_PA, 0x1000, 3, ATTRS | (ng ? DESC_NG : 0));
	r.pte = pt_desc_addr(&b, r.root, 0, DATA_VA, 3);
	AnalysisPe pes[2];
	for (int i = 0; i < 2; i++)
		pes[i] = (AnalysisPe){ .regs = { .ttbr0 = r.root | (uint64_t)asid << 48, .ttbr1 = r.root,
						 .tcr = TCR, .sctlr = (i == 1 && !mmu1) ? 0 : SCTLR_M },
				       .level = BBM_L0, .active = true };
	r.a = analysis_new(pes, 2, &bbm_knobs_default, rd, NULL);
	r.tick = 10;
	return r;
}

static void ev(Rig *r, Event e)
{
	e.tick = r->tick++;
	analysis_event(r->a, &e);
}

/* PE0 stores @val to the PTE (the memory first, then the event, as the machine does). */
static void store(Rig *r, uint64_t val)
{
	uint64_t old = rd(NULL, r->pte);
	wr(NULL, r->pte, val);
	ev(r, (Event){ .type = EV_DESC_WRITE, .pe = 0, .pc = 0x1000, .pa = r->pte, .old = old, .val = val,
		       .level = 3, .va = DATA_VA });
}

static void dsb(Rig *r, int pe, unsigned crm)
{
	ev(r, (Event){ .type = EV_DSB, .pe = pe, .val = crm });
}

/* A TLBI from PE @pe completing on both PEs (a broadcast one) or on @pe only. */
static void tlbi(Rig *r, int pe, const TlbiOp *op, bool broadcast)
{
	uint64_t t = r->tick;
	ev(r, (Event){ .type = EV_TLBI_ISSUE, .pe = pe, .tlbi = *op, .count = broadcast ? 2 : 1 });
	for (int q = 0; q < 2; q++)
		if (broadcast || q == pe)
			ev(r, (Event){ .type = EV_TLBI_COMPLETE, .pe = q, .other_pe = pe, .tlbi = *op, .old = t });
}

static void remap(Rig *r, const TlbiOp *op, unsigned break_dsb)
{
	store(r, 0);
	dsb(r, 0, break_dsb);
	tlbi(r, 0, op, true);
	dsb(r, 0, 0xb);                 /* dsb ish */
	store(r, NEW_PA | ATTRS | DESC_VALID | DESC_TABLE);
	dsb(r, 0, 0xb);
}

static size_t count_rule(Analysis *a, const char *rule)
{
	const Violation *v;
	size_t n = analysis_violations(a, &v), k = 0;
	for (size_t i = 0; i < n; i++)
		k += !strcmp(v[i].rule, rule);
	return k;
}

static size_t open_windows(Analysis *a, int pe)
{
	const Window *w;
	size_t n = analysis_windows(a, &w), k = 0;
	for (size_t i = 0; i < n; i++)
		k += w[i].pe == pe && w[i].close_tick == ~0ull;
	return k;
}

/*
 * A break-before-make remap on a rig (@ng page, ASID @asid) with TLBI @op
 * after a break published by DSB @break_dsb: PE1's windows left open and
 * the RGPPYH violations at the end.
 */
static void remap_case(const char *what, bool ng, uint16_t asid, TlbiOp op, unsigned break_dsb,
		       unsigned open1, unsigned open0, unsigned rgppyh)
{
	CHECK_CASE("%s", what);
	Rig r = rig(ng, asid, true);
	op.ttl_level = -1;
	op.scope = TLBI_IS;
	op.size = 0x1000;
	remap(&r, &op, break_dsb);
	analysis_finish(r.a, r.tick);
	CHECK_EQ_U64(open_windows(r.a, 1), open1);
	CHECK_EQ_U64(open_windows(r.a, 0), open0);
	CHECK_EQ_U64(count_rule(r.a, "RGPPYH"), rgppyh);
	CHECK_EQ_U64(analysis_violations(r.a, &(const Violation *){ NULL }), rgppyh);
	analysis_free(r.a);
	CHECK_CASE_END();
}

#define DSB_ISH   0xb
#define DSB_ISHST 0xa
#define DSB_NSHST 0x6

static void test_asid(void)
{
	TlbiOp aside0 = { .kind = TLBI_ASID, .asid = 0 }, aside5 = { .kind = TLBI_ASID, .asid = 5 };
	TlbiOp vaa = { .kind = TLBI_VAA, .va = DATA_VA };

	remap_case("ASIDE1IS of another ASID, nG page", true, 5, aside0, DSB_ISH, 1, 1, 1);
	remap_case("ASIDE1IS of the right ASID, nG page", true, 5, aside5, DSB_ISH, 0, 0, 0);
	remap_case("ASIDE1IS on a global page", false, 5, aside5, DSB_ISH, 1, 1, 1);
	remap_case("VAAE1IS on a global page", false, 5, vaa, DSB_ISH, 0, 0, 0);
}

static void test_dsb_domain(void)
{
	TlbiOp vaa = { .kind = TLBI_VAA, .va = DATA_VA };

	/* NSHST publishes the break to PE0's own walker only (RSPVBD). */
	remap_case("break published with DSB NSHST", false, 0, vaa, DSB_NSHST, 1, 0, 1);
	remap_case("break published with DSB ISHST", false, 0, vaa, DSB_ISHST, 0, 0, 0);
}

static void test_mmu_off(void)
{
	TlbiOp local = { .kind = TLBI_VAA, .scope = TLBI_LOCAL, .va = DATA_VA, .size = 0x1000, .ttl_level = -1 };
	TlbiOp vmall = { .kind = TLBI_VMALL, .scope = TLBI_LOCAL, .ttl_level = -1 };

	for (int twin = 0; twin < 2; twin++) {
		CHECK_CASE("PE1 turns its MMU off, PE0 remaps with a local TLBI, %s", twin ? "TLBI before MMU on" : "no TLBI");
		Rig r = rig(false, 0, true);
		ev(&r, (Event){ .type = EV_SYSREG, .pe = 1, .count = SYSREG_SCTLR_EL1, .val = 0 });
		store(&r, 0);
		dsb(&r, 0, 0xb);
		tlbi(&r, 0, &local, false);
		dsb(&r, 0, 0xb);
		store(&r, NEW_PA | ATTRS | DESC_VALID | DESC_TABLE);
		dsb(&r, 0, 0xb);
		/* No window while the MMU is off: PE1 translates nothing. */
		CHECK_EQ_U64(analysis_count(r.a, WIN_TLB_CONFLICT, -1, 1), 0);
		if (twin) {
			tlbi(&r, 1, &vmall, false);
			dsb(&r, 1, 0x7);        /* dsb nsh */
		}
		ev(&r, (Event){ .type = EV_SYSREG, .pe = 1, .count = SYSREG_SCTLR_EL1, .val = SCTLR_M });
		ev(&r, (Event){ .type = EV_MEM, .pe = 1, .va = DATA_VA, .pa = OLD_PA, .size = 8,
				.access = ACCESS_READ, .level = 1 });
		analysis_finish(r.a, r.tick);
		CHECK_EQ_U64(analysis_count(r.a, WIN_TLB_CONFLICT, SEV_VIOLATION, 1), twin ? 0 : 1);
		CHECK_EQ_U64(count_rule(r.a, "RGPPYH"), twin ? 0 : 1);
		const Window *w;
		size_t n = analysis_windows(r.a, &w);
		for (size_t i = 0; i < n; i++)
			if (w[i].pe == 1 && w[i].kind == WIN_TLB_CONFLICT)
				CHECK_EQ_U64(w[i].stale_uses, 1);       /* the read used the old page */
		analysis_free(r.a);
	}
	CHECK_CASE_END();
}

static void test_stale_severity(void)
{
	TlbiOp vaa = { .kind = TLBI_VAA, .scope = TLBI_IS, .va = DATA_VA, .size = 0x1000, .ttl_level = -1 };

	for (int raced = 0; raced < 2; raced++) {
		CHECK_CASE("RW -> RO with a TLBI, PE1 %s", raced ? "loads inside" : "idle");
		Rig r = rig(false, 0, true);
		store(&r, OLD_PA | ATTRS | DESC_AP2 | DESC_VALID | DESC_TABLE);
		dsb(&r, 0, 0xa);
		if (raced)
			ev(&r, (Event){ .type = EV_MEM, .pe = 1, .va = DATA_VA, .pa = OLD_PA, .size = 8,
					.access = ACCESS_READ, .level = 1 });
		tlbi(&r, 0, &vaa, true);
		dsb(&r, 0, 0xb);
		analysis_finish(r.a, r.tick);
		/* The severity does not depend on whether PE1 loaded in between. */
		CHECK_EQ_U64(analysis_count(r.a, WIN_STALE, SEV_BENIGN, 1), 1);
		CHECK_EQ_U64(analysis_count(r.a, WIN_STALE, SEV_VIOLATION, -1), 0);
		const Window *w;
		size_t n = analysis_windows(r.a, &w);
		for (size_t i = 0; i < n; i++)
			if (w[i].pe == 1)
				CHECK_EQ_U64(w[i].stale_uses, 0);       /* a load both allow */
		analysis_free(r.a);
	}
	CHECK_CASE("RW -> RO with a TLBI, PE1 stores inside");
	Rig r = rig(false, 0, true);
	store(&r, OLD_PA | ATTRS | DESC_AP2 | DESC_VALID | DESC_TABLE);
	ev(&r, (Event){ .type = EV_MEM, .pe = 1, .va = DATA_VA, .pa = OLD_PA, .size = 8, .access = ACCESS_WRITE,
			.level = 1 });
	analysis_finish(r.a, r.tick);
	const Window *w;
	size_t n = analysis_windows(r.a, &w);
	for (size_t i = 0; i < n; i++)
		if (w[i].pe == 1)
			CHECK_EQ_U64(w[i].stale_uses, 1);       /* a store the new descriptor forbids */
	CHECK_EQ_U64(analysis_count(r.a, WIN_STALE, SEV_VIOLATION, 1), 1);   /* never closed */
	analysis_free(r.a);
	CHECK_CASE_END();
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	test_asid();
	test_dsb_domain();
	test_mmu_off();
	test_stale_severity();
	free(mem);
	return check_report("test_analysis_events");
}
