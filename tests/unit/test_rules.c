// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rules.c - the rules shared by the machine and the analysis
 * (models/rules.c), and the TLBI matching they both use (tlbi_covers), on
 * plain values.
 */
#include <string.h>
#include "bbmsim/rules.h"
#include "check.h"

/* DSB CRm: domain in [3:2] (OSH 0, NSH 1, ISH 2, SY 3), types in [1:0] (LD 1, ST 2, all 3). */
#define CRM(dom, types) (((dom) << 2) | (types))

static void test_dsb_publishes(void)
{
	DsbOp nshst = rules_dsb_decode(CRM(1, 2)), ishst = rules_dsb_decode(CRM(2, 2));
	DsbOp ishld = rules_dsb_decode(CRM(2, 1)), sy = rules_dsb_decode(CRM(3, 3));
	DsbOp osh = rules_dsb_decode(CRM(0, 3));
	char buf[16];

	/* RSPVBD: NSH reaches the storer's own walker only. */
	CHECK(rules_dsb_publishes_to(&nshst, 0, 0));
	CHECK(!rules_dsb_publishes_to(&nshst, 0, 1));
	CHECK(rules_dsb_publishes_to(&ishst, 0, 1));
	CHECK(rules_dsb_publishes_to(&sy, 2, 1));
	CHECK(rules_dsb_publishes_to(&osh, 2, 1));
	/* A DSB that does not wait for stores publishes nothing. */
	CHECK(!rules_dsb_publishes_to(&ishld, 0, 0));
	CHECK(strcmp(rules_dsb_name(&nshst, buf, sizeof(buf)), "nshst") == 0);
	CHECK(strcmp(rules_dsb_name(&sy, buf, sizeof(buf)), "sy") == 0);
	CHECK(strcmp(rules_dsb_name(&ishld, buf, sizeof(buf)), "ishld") == 0);
}

static void test_dsb_completes(void)
{
	TlbiOp local = { .kind = TLBI_VA, .scope = TLBI_LOCAL }, is = { .kind = TLBI_VA, .scope = TLBI_IS };
	DsbOp nsh = rules_dsb_decode(CRM(1, 3)), ish = rules_dsb_decode(CRM(2, 3));
	DsbOp ishst = rules_dsb_decode(CRM(2, 2));

	/* RYNJCP: NSH completes a local TLBI, not a broadcast one. */
	CHECK(rules_dsb_completes(&nsh, &local));
	CHECK(!rules_dsb_completes(&nsh, &is));
	CHECK(rules_dsb_completes(&ish, &is));
	/* RPSMWS: DSB ISHST completes no TLBI. */
	CHECK(!rules_dsb_completes(&ishst, &is));
	CHECK(!rules_dsb_completes(&ishst, &local));
}

static void test_tlbi_tags(void)
{
	TlbEntry ng5 = { .va = 0x40100000, .size_log2 = 12, .level = 3, .leaf = true, .global = false, .asid = 5 };
	TlbEntry g = ng5;
	TlbiOp op;

	g.global = true;
	/* ASIDE1IS, ASID 0: not the PE's ASID 5 (RNWYRD). */
	CHECK(tlbi_decode(0, 8, 3, 2, 0, &op));
	CHECK(!tlbi_covers(&op, &ng5, true));
	CHECK(tlbi_decode(0, 8, 3, 2, 5ull << 48, &op));
	CHECK(tlbi_covers(&op, &ng5, true));
	/* ASIDE1 never removes a global entry. */
	CHECK(!tlbi_covers(&op, &g, true));
	/* VAE1IS with another ASID: the global entry goes, the non-global stays. */
	CHECK(tlbi_decode(0, 8, 3, 1, (7ull << 48) | (0x40100000 >> 12), &op));
	CHECK(tlbi_covers(&op, &g, true));
	CHECK(!tlbi_covers(&op, &ng5, true));
}

static void test_ttl(void)
{
	const uint64_t va = 0xffff800000100000ull;
	TlbEntry e = { .va = va, .size_log2 = 12, .level = 3, .leaf = true, .global = true };
	TlbEntry walk = { .va = va & ~((1ull << 21) - 1), .size_log2 = 21, .level = 2, .leaf = false };
	TlbiOp op;

	/* A bare lsr #12 of a TTBR1 VA: TTL = Xt[47:44] = 0b1111 (64K granule, level 3). */
	CHECK(tlbi_decode(0, 8, 3, 3, va >> 12, &op));    /* vaae1is */
	CHECK(op.ttl_other_granule);
	CHECK(!tlbi_covers(&op, &e, true));
	CHECK(!tlbi_covers(&op, &walk, true));
	/* ttl lenient: hints ignored. */
	CHECK(tlbi_covers(&op, &e, false));
	/* Masked to VA[55:12]: no hint, both go. */
	CHECK(tlbi_decode(0, 8, 3, 3, (va >> 12) & ((1ull << 44) - 1), &op));
	CHECK(!op.ttl_other_granule);
	CHECK(tlbi_covers(&op, &e, true));
	CHECK(tlbi_covers(&op, &walk, true));
	/* A 4K hint for level 2 spares the level 3 leaf, not the walk-cache entry. */
	CHECK(tlbi_decode(0, 8, 3, 3, ((va >> 12) & ((1ull << 44) - 1)) | (0x6ull << 44), &op));
	CHECK(op.ttl_level == 2);
	CHECK(!tlbi_covers(&op, &e, true));
	CHECK(tlbi_covers(&op, &walk, true));
}

#define PTE(oa) ((oa) | DESC_VALID | DESC_TABLE | DESC_AF | (3ull << 8) | DESC_CONT | DESC_PXN | DESC_UXN)

static void test_cont(void)
{
	uint64_t g[16];
	char why[120];

	CHECK_CASE("contiguous group");
	for (int i = 0; i < 16; i++)
		g[i] = PTE(0x410000ull + 0x1000ull * (unsigned)i);
	CHECK(!rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	/* One of 16 read-only, Contiguous kept (RJQQTC). */
	g[0] |= DESC_AP2;
	CHECK(rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	CHECK(strstr(why, "permissions") != NULL);
	/* All read-only: consistent again. */
	for (int i = 1; i < 16; i++)
		g[i] |= DESC_AP2;
	CHECK(!rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	/* Hardware dirty state (DBM) may leave AP[2] differing (ICQTNL). */
	for (int i = 0; i < 16; i++)
		g[i] |= DESC_DBM;
	g[3] &= ~DESC_AP2;
	CHECK(!rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	/* AF may differ. */
	g[3] |= DESC_AP2;
	g[4] &= ~DESC_AF;
	CHECK(!rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	/* An output address out of step. */
	g[5] = (g[5] & ~DESC_OA_MASK) | 0x900000;
	CHECK(rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	CHECK(strstr(why, "output address") != NULL);
	/* Invalid or non-contiguous members are the BBM rules' business (a fold in progress). */
	g[5] = 0;
	g[6] &= ~DESC_CONT;
	g[6] ^= DESC_AP2;
	CHECK(!rules_cont_misprogrammed(g, 3, why, sizeof(why)));
	CHECK_CASE_END();
}

static void test_stale_use(void)
{
	WalkResult now = { .fault = FAULT_NONE, .pa = 0x401234 };
	now.leaf.desc = 0x401000 | DESC_VALID | DESC_TABLE | DESC_AF | DESC_AP2;   /* read-only now */

	/* A load both allow to the same PA: not a use of the old translation. */
	CHECK(!rules_stale_use(0x401234, &now, ACCESS_READ, 1));
	/* A store the new descriptor forbids. */
	CHECK(rules_stale_use(0x401234, &now, ACCESS_WRITE, 1));
	/* Another page. */
	CHECK(rules_stale_use(0x400234, &now, ACCESS_READ, 1));
	/* The mapping is gone. */
	now.fault = FAULT_TRANSLATION;
	CHECK(rules_stale_use(0x401234, &now, ACCESS_READ, 1));
}

int main(void)
{
	test_dsb_publishes();
	test_dsb_completes();
	test_tlbi_tags();
	test_ttl();
	test_cont();
	test_stale_use();
	return check_report("test_rules");
}
