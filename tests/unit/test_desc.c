// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_desc.c - descriptor classification, fault status codes, ESR encoding
 * and stage 1 permissions (models/desc.c).
 */
#include "bbmsim/desc.h"
#include "check.h"

static void test_kind(void)
{
	static const struct {
		uint64_t desc;
		int level;
		DescKind want;
	} cases[] = {
		/* Table descriptors exist at levels 0-2. */
		{ 0x40000003, 0, DESC_KIND_TABLE },
		{ 0x40000003, 1, DESC_KIND_TABLE },
		{ 0x40000003, 2, DESC_KIND_TABLE },
		/* Blocks: 1 GiB at level 1, 2 MiB at level 2; a block at level 0 is reserved (4 KiB granule). */
		{ 0x40000401, 1, DESC_KIND_BLOCK },
		{ 0x40200401, 2, DESC_KIND_BLOCK },
		{ 0x40000401, 0, DESC_KIND_RESERVED },
		/* Level 3: bit 1 set is a page, clear is reserved. */
		{ 0x40001403, 3, DESC_KIND_PAGE },
		{ 0x40001401, 3, DESC_KIND_RESERVED },
		/* Bit 0 clear is invalid at every level, whatever else is set. */
		{ 0, 0, DESC_KIND_INVALID },
		{ 0x40000402, 1, DESC_KIND_INVALID },
		{ 0x40200402, 2, DESC_KIND_INVALID },
		{ 0xfffffffffffffffeull, 3, DESC_KIND_INVALID },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("kind row %zu", i);
		CHECK_EQ_U64(desc_kind(cases[i].desc, cases[i].level), cases[i].want);
	}
	CHECK_CASE_END();
}

static void test_fsc(void)
{
	/* DFSC/IFSC (ESR_ELx ISS[5:0]): base code plus level for the level-indexed kinds. */
	static const struct {
		FaultKind k;
		unsigned base;
		bool per_level;
	} cases[] = {
		{ FAULT_ADDRESS_SIZE, 0x00, true },
		{ FAULT_TRANSLATION, 0x04, true },
		{ FAULT_ACCESS_FLAG, 0x08, true },
		{ FAULT_PERMISSION, 0x0c, true },
		{ FAULT_TLB_CONFLICT, 0x30, false },
		{ FAULT_EXTERNAL, 0x10, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int l = 0; l <= 3; l++) {
			CHECK_CASE("fsc row %zu level %d", i, l);
			CHECK_EQ_U64(fault_fsc(cases[i].k, l),
				     cases[i].base + (cases[i].per_level ? (unsigned)l : 0));
		}
	CHECK_CASE_END();
}

static void test_esr(void)
{
	static const struct {
		FaultKind k;
		int level;
		AccessType a;
		bool lower;
		unsigned ec;
		bool wnr;
		unsigned fsc;
	} cases[] = {
		{ FAULT_TRANSLATION, 3, ACCESS_READ, true, 0x24, false, 0x07 },
		{ FAULT_TRANSLATION, 2, ACCESS_READ, false, 0x25, false, 0x06 },
		{ FAULT_PERMISSION, 3, ACCESS_WRITE, true, 0x24, true, 0x0f },
		{ FAULT_PERMISSION, 2, ACCESS_WRITE, false, 0x25, true, 0x0e },
		{ FAULT_ACCESS_FLAG, 1, ACCESS_FETCH, true, 0x20, false, 0x09 },
		{ FAULT_TRANSLATION, 0, ACCESS_FETCH, false, 0x21, false, 0x04 },
		{ FAULT_TLB_CONFLICT, 2, ACCESS_WRITE, false, 0x25, true, 0x30 },
		{ FAULT_TLB_CONFLICT, 3, ACCESS_FETCH, false, 0x21, false, 0x30 },
		{ FAULT_EXTERNAL, 3, ACCESS_READ, false, 0x25, false, 0x10 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("esr row %zu", i);
		uint64_t esr = fault_esr(cases[i].k, cases[i].level, cases[i].a, cases[i].lower);
		CHECK_EQ_U64(esr >> 26, cases[i].ec);
		CHECK_EQ_U64((esr >> 25) & 1, 1);             /* IL: 32-bit instruction */
		CHECK_EQ_U64((esr >> 6) & 1, cases[i].wnr);   /* WnR on writes only */
		CHECK_EQ_U64(esr & 0x3f, cases[i].fsc);
		/* Nothing else set in the ISS (no ISV, no FnV, no S1PTW). */
		CHECK_EQ_U64(esr & 0x1ffffff & ~0x7full, 0);
	}
	CHECK_CASE_END();
}

static void test_perms(void)
{
	static const struct {
		uint64_t bits;    /* AP[2:1], UXN, PXN */
		int el;
		bool r, w, x;
	} cases[] = {
		/* AP = 00: EL1 RW, EL0 none. */
		{ 0, 1, true, true, true },
		{ 0, 0, false, false, true },     /* UXN clear: "executable" but unreadable */
		/* AP = 01: EL1 RW, EL0 RW. EL1 cannot execute EL0-writable memory. */
		{ DESC_AP1, 1, true, true, false },
		{ DESC_AP1, 0, true, true, true },
		/* AP = 10: EL1 RO, EL0 none. */
		{ DESC_AP2, 1, true, false, true },
		{ DESC_AP2, 0, false, false, true },
		/* AP = 11: EL1 RO, EL0 RO; read-only at EL0 so EL1 may execute it. */
		{ DESC_AP2 | DESC_AP1, 1, true, false, true },
		{ DESC_AP2 | DESC_AP1, 0, true, false, true },
		/* UXN only affects EL0, PXN only EL1. */
		{ DESC_AP2 | DESC_AP1 | DESC_UXN, 0, true, false, false },
		{ DESC_AP2 | DESC_AP1 | DESC_UXN, 1, true, false, true },
		{ DESC_AP2 | DESC_AP1 | DESC_PXN, 1, true, false, false },
		{ DESC_AP2 | DESC_AP1 | DESC_PXN, 0, true, false, true },
		{ DESC_PXN, 1, true, true, false },
		{ DESC_AP1 | DESC_UXN | DESC_PXN, 0, true, true, false },
		{ DESC_AP1 | DESC_UXN | DESC_PXN, 1, true, true, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("perms row %zu", i);
		uint64_t d = 0x40000000 | DESC_VALID | DESC_TABLE | DESC_AF | cases[i].bits;
		DescPerms p = desc_perms(d, cases[i].el);
		CHECK_EQ_U64(p.r, cases[i].r);
		CHECK_EQ_U64(p.w, cases[i].w);
		CHECK_EQ_U64(p.x, cases[i].x);
	}
	CHECK_CASE_END();
}

int main(void)
{
	test_kind();
	test_fsc();
	test_esr();
	test_perms();
	return check_report("test_desc");
}
