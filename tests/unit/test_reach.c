// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_reach.c - the tables reachable from TTBRs (models/reach.c): the
 * registry of table pages and exact reachability by a walk, on tables in a
 * plain array.
 */
#include <string.h>
#include "bbmsim/reach.h"
#include "check.h"

#define NPAGES 16
static uint64_t mem[NPAGES * 512];   /* PA = index * 8 */
static unsigned nnew;

static uint64_t rd(void *ctx, uint64_t pa, int level)
{
	(void)ctx;
	(void)level;
	return pa / 8 < NPAGES * 512 ? mem[pa / 8] : 0;
}

static void on_new(void *ctx, uint64_t page)
{
	(void)ctx;
	(void)page;
	nnew++;
}

#define PG(n) ((uint64_t)(n) * PAGE_SIZE)
#define TBL(pa) ((pa) | DESC_VALID | DESC_TABLE)
#define PAGE_DESC(pa) ((pa) | DESC_VALID | DESC_TABLE | DESC_AF)
#define SLOT(page, i) mem[(page) / 8 + (i)]

/*
 * TTBR0 root at page 1 (level 0, 48-bit VA: T0SZ 16): entry 0 -> L1 page 2,
 * entry 1 -> L2 page 3 -> L3 page 4 mapping VA 0x40000000 -> PA 0x8000.
 * TTBR1 root at page 5 (T1SZ 16), empty.
 */
static WalkRegs build(void)
{
	memset(mem, 0, sizeof(mem));
	SLOT(PG(1), 0) = TBL(PG(2));
	SLOT(PG(2), 1) = TBL(PG(3));
	SLOT(PG(3), 0) = TBL(PG(4));
	SLOT(PG(4), 0) = PAGE_DESC(0x8000);
	return (WalkRegs){ .ttbr0 = PG(1), .ttbr1 = PG(5) | (7ull << 48), .sctlr = SCTLR_M,
			   .tcr = 16 | (16ull << 16) | (2ull << 30) };
}

/* The registry follows table descriptors down from both roots. */
static void test_register_roots(void)
{
	CHECK_CASE("register roots");
	WalkRegs regs = build();
	Reach r;

	nnew = 0;
	reach_init(&r, PG(NPAGES), rd, NULL, on_new, NULL);
	reach_register_roots(&r, &regs);
	CHECK_EQ_U64(r.n, 5);          /* pages 1-4 under TTBR0, page 5 under TTBR1 */
	CHECK_EQ_U64(nnew, 5);
	const ReachTable *t = reach_first(&r, PG(4));
	CHECK(t != NULL);
	if (t) {
		CHECK_EQ_U64(t->level, 3);
		CHECK_EQ_U64(t->va_base, 0x40000000);
		CHECK_EQ_U64(t->root, PG(1));
		CHECK_EQ_U64(reach_desc_va(t, PG(4) + 8 * 3), 0x40003000);
		CHECK(reach_next(&r, t) == NULL);
	}
	t = reach_first(&r, PG(5));
	CHECK(t && t->level == 0 && t->va_base == 0xffff000000000000ull && t->root == PG(5));
	CHECK(reach_first(&r, PG(6)) == NULL);
	/* Registering again adds nothing. */
	reach_register_roots(&r, &regs);
	CHECK_EQ_U64(r.n, 5);
	reach_reset(&r);
	CHECK_EQ_U64(r.n, 0);
	CHECK(reach_first(&r, PG(4)) == NULL);
	reach_fini(&r);
}

/* MMU off: no tree is live; EPD0 leaves TTBR0's out; pages beyond the limit are not tables. */
static void test_register_disabled(void)
{
	CHECK_CASE("register disabled");
	WalkRegs regs = build();
	Reach r;

	reach_init(&r, PG(NPAGES), rd, NULL, NULL, NULL);
	regs.sctlr = 0;
	reach_register_roots(&r, &regs);
	CHECK_EQ_U64(r.n, 0);
	regs.sctlr = SCTLR_M;
	regs.tcr |= TCR_EPD0;
	reach_register_roots(&r, &regs);
	CHECK_EQ_U64(r.n, 1);
	reach_fini(&r);

	reach_init(&r, PG(3), rd, NULL, NULL, NULL);
	regs.tcr &= ~TCR_EPD0;
	reach_register_roots(&r, &regs);
	CHECK(reach_first(&r, PG(2)) != NULL);
	CHECK(reach_first(&r, PG(3)) == NULL);
	reach_register(&r, PG(3), 2, 0x40000000, PG(1));     /* a walk through it: not either */
	CHECK(reach_first(&r, PG(3)) == NULL);
	reach_fini(&r);
}

/* One page shared by two places is registered at both, newest first. */
static void test_register_shared(void)
{
	CHECK_CASE("register shared");
	WalkRegs regs = build();
	Reach r;

	SLOT(PG(3), 1) = TBL(PG(4));     /* the same L3 table for 0x40200000 */
	reach_init(&r, PG(NPAGES), rd, NULL, NULL, NULL);
	reach_register_roots(&r, &regs);
	unsigned n = 0;
	uint64_t vas = 0;
	for (const ReachTable *t = reach_first(&r, PG(4)); t; t = reach_next(&r, t), n++)
		vas |= t->va_base;
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(vas, 0x40000000 | 0x40200000);
	reach_fini(&r);
}

/* TTBR choice by VA and the root it names. */
static void test_root_translates(void)
{
	CHECK_CASE("root translates");
	WalkRegs regs = build();

	CHECK_EQ_U64(reach_ttbr_root(&regs, 1), PG(5));     /* the ASID bits are not the address */
	CHECK(reach_root_translates(&regs, 0x40000000, PG(1)));
	CHECK(!reach_root_translates(&regs, 0x40000000, PG(5)));
	CHECK(reach_root_translates(&regs, 0xffff000000001000ull, PG(5)));
	/* Between the ranges: neither. */
	CHECK(!reach_root_translates(&regs, 0x0001000000000000ull, PG(1)));
}

/* A walk of a VA reads exactly the descriptors on its path, whatever SCTLR.M says. */
static void test_walk_reads(void)
{
	CHECK_CASE("walk reads");
	WalkRegs regs = build();

	CHECK(reach_walk_reads(&regs, 0x40000000, PG(4), 3, rd, NULL));
	CHECK(reach_walk_reads(&regs, 0x40000000, PG(2) + 8, 1, rd, NULL));
	CHECK(!reach_walk_reads(&regs, 0x40001000, PG(4), 3, rd, NULL));    /* the next entry */
	CHECK(!reach_walk_reads(&regs, 0x40000000, PG(4), 2, rd, NULL));    /* wrong level */
	regs.sctlr = 0;
	CHECK(reach_walk_reads(&regs, 0x40000000, PG(4), 3, rd, NULL));
	/* Unlinked: the registry would keep it, the walk does not reach it. */
	SLOT(PG(2), 1) = 0;
	CHECK(!reach_walk_reads(&regs, 0x40000000, PG(4), 3, rd, NULL));
}

int main(void)
{
	test_register_roots();
	test_register_disabled();
	test_register_shared();
	test_root_translates();
	test_walk_reads();
	return check_report("reach");
}
