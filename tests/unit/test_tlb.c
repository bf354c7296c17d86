// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_tlb.c - the TLB and walk cache (models/tlb.c): insert, lookup with
 * several matches, ASID tagging, TLBI decode from real encodings and Xt
 * operands, what each TLBI removes, capacity, replacement and on_change.
 */
#include <string.h>
#include "bbmsim/desc.h"
#include "bbmsim/tlb.h"
#include "check.h"

static TlbEntry mk(uint64_t va, unsigned size_log2, int level, uint64_t pa, bool leaf,
		   bool global, uint16_t asid)
{
	uint64_t d = pa | DESC_VALID | DESC_AF | (leaf && level == 3 ? DESC_TABLE : 0) |
		     (!leaf ? DESC_TABLE : 0) | (global ? 0 : DESC_NG);

	return (TlbEntry){ .va = va, .pa = pa, .size_log2 = (uint8_t)size_log2,
			   .level = (uint8_t)level, .leaf = leaf, .global = global,
			   .asid = asid, .desc = d, .desc_pa = 0x1000 + (uint64_t)level * 8 };
}

/* Xt for the non-range forms: ASID[63:48], TTL[47:44], VA[55:12] in [43:0]. */
static uint64_t xt_va(uint64_t va, uint16_t asid, unsigned ttl)
{
	return (va >> 12 & 0xfffffffffffull) | (uint64_t)ttl << 44 | (uint64_t)asid << 48;
}

#define TTL_4K(level) (4u | (unsigned)(level))   /* TTL[3:2] = 01: 4 KiB granule */

/* Xt for the range forms: ASID, TG[47:46], SCALE[45:44], NUM[43:39], TTL[38:37], BaseADDR[36:0]. */
static uint64_t xt_range(uint64_t va, uint16_t asid, unsigned num, unsigned scale, unsigned ttl)
{
	return (va >> 12 & ((1ull << 37) - 1)) | (uint64_t)ttl << 37 | (uint64_t)num << 39 |
	       (uint64_t)scale << 44 | 1ull << 46 | (uint64_t)asid << 48;
}

static const TlbConfig unbounded = { .walk_cache = true };

static void test_insert_lookup(void)
{
	Tlb t;
	TlbEntry *hits[8];

	tlb_init(&t, &unbounded);
	TlbEntry g1 = mk(0x40000000, 30, 1, 0x80000000, true, true, 0);
	TlbEntry b2 = mk(0x40200000, 21, 2, 0x90200000, true, true, 0);
	TlbEntry p4 = mk(0x40201000, 12, 3, 0xa0201000, true, true, 0);
	TlbEntry *e = tlb_insert(&t, &g1, NULL, NULL);
	CHECK(e != NULL);
	CHECK_EQ_U64(e->va, 0x40000000);
	CHECK_EQ_U64(e->serial, 1);
	tlb_insert(&t, &b2, NULL, NULL);
	tlb_insert(&t, &p4, NULL, NULL);
	CHECK_EQ_U64(t.used, 3);

	/* All three match a VA inside the page, whatever their size. */
	size_t n = tlb_lookup(&t, 0x40201234, 0, true, hits, 8, 0);
	CHECK_EQ_U64(n, 3);
	unsigned sizes = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		sizes |= 1u << (hits[i]->size_log2 - 12);
	CHECK_EQ_U64(sizes, 1u << 0 | 1u << 9 | 1u << 18);
	CHECK_EQ_U64(tlb_lookup(&t, 0x40200000, 0, true, hits, 8, 0), 2);
	CHECK_EQ_U64(tlb_lookup(&t, 0x40400000, 0, true, hits, 8, 0), 1);
	CHECK_EQ_U64(hits[0]->size_log2, 30);
	CHECK_EQ_U64(tlb_lookup(&t, 0x3ffff000, 0, true, hits, 8, 0), 0);
	CHECK_EQ_U64(tlb_lookup(&t, 0x80000000, 0, true, hits, 8, 0), 0);
	/* More matches than room: the count is still the total. */
	CHECK_EQ_U64(tlb_lookup(&t, 0x40201234, 0, true, hits, 1, 0), 3);
	/* Leaf and walk-cache entries are looked up separately. */
	CHECK_EQ_U64(tlb_lookup(&t, 0x40201234, 0, false, hits, 8, 0), 0);
	TlbEntry w2 = mk(0x40200000, 21, 2, 0x5000, false, true, 0);
	tlb_insert(&t, &w2, NULL, NULL);
	CHECK_EQ_U64(tlb_lookup(&t, 0x40201234, 0, false, hits, 8, 0), 1);
	CHECK(!hits[0]->leaf);
	CHECK_EQ_U64(tlb_lookup(&t, 0x40201234, 0, true, hits, 8, 0), 3);
	/* A lookup with a tick marks the entries used. */
	tlb_lookup(&t, 0x40201234, 0, true, hits, 8, 77);
	CHECK_EQ_U64(hits[0]->last_use, 77);
	CHECK_EQ_U64(hits[2]->last_use, 77);

	long cnt = 0;
	for (long i = tlb_next(&t, 0); i >= 0; i = tlb_next(&t, i + 1))
		cnt++;
	CHECK_EQ_U64(cnt, 4);
	tlb_fini(&t);
}

static void test_asid(void)
{
	Tlb t;
	TlbEntry *hits[4];

	tlb_init(&t, &unbounded);
	TlbEntry g = mk(0x10000, 12, 3, 0x20000, true, true, 5);
	TlbEntry ng = mk(0x30000, 12, 3, 0x40000, true, false, 5);
	tlb_insert(&t, &g, NULL, NULL);
	tlb_insert(&t, &ng, NULL, NULL);
	/* Global: any ASID (RNWYRD). */
	CHECK_EQ_U64(tlb_lookup(&t, 0x10000, 5, true, hits, 4, 0), 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x10000, 6, true, hits, 4, 0), 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x10000, 0, true, hits, 4, 0), 1);
	/* Non-global: only its ASID. */
	CHECK_EQ_U64(tlb_lookup(&t, 0x30000, 5, true, hits, 4, 0), 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x30000, 6, true, hits, 4, 0), 0);
	CHECK_EQ_U64(tlb_lookup(&t, 0x30000, 0, true, hits, 4, 0), 0);
	CHECK(tlb_entry_covers(&g, 0x10fff, 123));
	CHECK(!tlb_entry_covers(&g, 0x11000, 123));
	CHECK(tlb_entry_covers(&ng, 0x30800, 5));
	CHECK(!tlb_entry_covers(&ng, 0x30800, 4));
	/* The same VA under two ASIDs: two entries, each found under its own ASID. */
	TlbEntry ng6 = mk(0x30000, 12, 3, 0x50000, true, false, 6);
	tlb_insert(&t, &ng6, NULL, NULL);
	CHECK_EQ_U64(tlb_lookup(&t, 0x30000, 6, true, hits, 4, 0), 1);
	CHECK_EQ_U64(hits[0]->pa, 0x50000);
	CHECK_EQ_U64(tlb_lookup(&t, 0x30000, 5, true, hits, 4, 0), 1);
	CHECK_EQ_U64(hits[0]->pa, 0x40000);
	tlb_fini(&t);
}

static void test_duplicate(void)
{
	Tlb t;
	TlbEntry *hits[4];

	tlb_init(&t, &unbounded);
	TlbEntry a = mk(0x200000, 21, 2, 0x400000, true, false, 3);
	a.last_use = 1;
	TlbEntry *e1 = tlb_insert(&t, &a, NULL, NULL);
	uint32_t serial = e1->serial;
	a.last_use = 9;
	TlbEntry *e2 = tlb_insert(&t, &a, NULL, NULL);
	CHECK(e1 == e2);
	CHECK_EQ_U64(e2->serial, serial);
	CHECK_EQ_U64(e2->last_use, 9);
	CHECK_EQ_U64(t.used, 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x200000, 3, true, hits, 4, 0), 1);
	/* A different descriptor for the same VA is a second entry (old and new translation). */
	TlbEntry b = a;
	b.pa = 0x600000;
	b.desc = (a.desc & ~DESC_OA_MASK) | 0x600000;
	tlb_insert(&t, &b, NULL, NULL);
	CHECK_EQ_U64(t.used, 2);
	CHECK_EQ_U64(tlb_lookup(&t, 0x200000, 3, true, hits, 4, 0), 2);
	/* Same descriptor under another ASID is another entry too. */
	TlbEntry c = a;
	c.asid = 4;
	tlb_insert(&t, &c, NULL, NULL);
	CHECK_EQ_U64(t.used, 3);
	tlb_fini(&t);
}

/* --- TLBI decode ------------------------------------------------------ */

static void test_decode(void)
{
	static const struct {
		unsigned crm, op2;
		TlbiKind kind;
		TlbiScope scope;
		const char *name;
	} ok[] = {
		{ 7, 0, TLBI_VMALL, TLBI_LOCAL, "vmalle1" },
		{ 7, 1, TLBI_VA, TLBI_LOCAL, "vae1" },
		{ 7, 2, TLBI_ASID, TLBI_LOCAL, "aside1" },
		{ 7, 3, TLBI_VAA, TLBI_LOCAL, "vaae1" },
		{ 7, 5, TLBI_VAL, TLBI_LOCAL, "vale1" },
		{ 7, 7, TLBI_VAAL, TLBI_LOCAL, "vaale1" },
		{ 3, 0, TLBI_VMALL, TLBI_IS, "vmalle1is" },
		{ 3, 1, TLBI_VA, TLBI_IS, "vae1is" },
		{ 3, 2, TLBI_ASID, TLBI_IS, "aside1is" },
		{ 3, 3, TLBI_VAA, TLBI_IS, "vaae1is" },
		{ 3, 5, TLBI_VAL, TLBI_IS, "vale1is" },
		{ 3, 7, TLBI_VAAL, TLBI_IS, "vaale1is" },
		{ 1, 0, TLBI_VMALL, TLBI_OS, "vmalle1os" },
		{ 1, 1, TLBI_VA, TLBI_OS, "vae1os" },
		{ 1, 2, TLBI_ASID, TLBI_OS, "aside1os" },
		{ 1, 3, TLBI_VAA, TLBI_OS, "vaae1os" },
		{ 1, 5, TLBI_VAL, TLBI_OS, "vale1os" },
		{ 1, 7, TLBI_VAAL, TLBI_OS, "vaale1os" },
		{ 6, 1, TLBI_RVA, TLBI_LOCAL, "rvae1" },
		{ 6, 3, TLBI_RVAA, TLBI_LOCAL, "rvaae1" },
		{ 6, 5, TLBI_RVAL, TLBI_LOCAL, "rvale1" },
		{ 6, 7, TLBI_RVAAL, TLBI_LOCAL, "rvaale1" },
		{ 2, 1, TLBI_RVA, TLBI_IS, "rvae1is" },
		{ 2, 3, TLBI_RVAA, TLBI_IS, "rvaae1is" },
		{ 2, 5, TLBI_RVAL, TLBI_IS, "rvale1is" },
		{ 2, 7, TLBI_RVAAL, TLBI_IS, "rvaale1is" },
		{ 5, 1, TLBI_RVA, TLBI_OS, "rvae1os" },
		{ 5, 3, TLBI_RVAA, TLBI_OS, "rvaae1os" },
		{ 5, 5, TLBI_RVAL, TLBI_OS, "rvale1os" },
		{ 5, 7, TLBI_RVAAL, TLBI_OS, "rvaale1os" },
	};
	static const struct {
		unsigned op1, crn, crm, op2;
	} bad[] = {
		{ 0, 8, 7, 4 }, { 0, 8, 7, 6 }, { 0, 8, 3, 4 }, { 0, 8, 1, 6 },
		{ 0, 8, 6, 0 }, { 0, 8, 2, 2 }, { 0, 8, 5, 4 }, { 0, 8, 0, 1 },
		{ 0, 8, 4, 1 }, { 4, 8, 3, 1 }, { 0, 7, 3, 1 }, { 0, 9, 3, 1 },
	};
	char name[32];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		TlbiOp op;
		uint64_t xt = xt_va(0x0000123456789000ull, 0x00ab, 0);

		CHECK_CASE("decode %s", ok[i].name);
		CHECK(tlbi_decode(0, 8, ok[i].crm, ok[i].op2, xt, &op));
		CHECK_EQ_U64(op.kind, ok[i].kind);
		CHECK_EQ_U64(op.scope, ok[i].scope);
		CHECK_EQ_U64(op.xt, xt);
		CHECK(strcmp(tlbi_name(&op, name, sizeof(name)), ok[i].name) == 0);
		/* ASID is taken only by the forms that have one. */
		bool has_asid = ok[i].kind == TLBI_VA || ok[i].kind == TLBI_ASID ||
				ok[i].kind == TLBI_VAL || ok[i].kind == TLBI_RVA ||
				ok[i].kind == TLBI_RVAL;
		CHECK_EQ_U64(op.asid, has_asid ? 0xab : 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TlbiOp op;

		CHECK_CASE("bad encoding op1=%u CRn=%u CRm=%u op2=%u", bad[i].op1, bad[i].crn,
			   bad[i].crm, bad[i].op2);
		CHECK(!tlbi_decode(bad[i].op1, bad[i].crn, bad[i].crm, bad[i].op2, 0, &op));
	}
	CHECK_CASE_END();

	/* VA operand: VA[55:12] in Xt[43:0], sign-extended from VA[55] (TTBR1 round trip). */
	static const uint64_t vas[] = {
		0x0000000000000000ull, 0x0000000040201000ull, 0x0000fffffffff000ull,
		0xffff000000000000ull, 0xffff800012345000ull, 0xfffffffffffff000ull,
	};
	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
		TlbiOp op;

		CHECK_CASE("VA round trip 0x%llx", (unsigned long long)vas[i]);
		CHECK(tlbi_decode(0, 8, 3, 1, xt_va(vas[i], 1, 0), &op));
		CHECK_EQ_U64(op.va, vas[i]);
		CHECK_EQ_U64(op.size, PAGE_SIZE);
		CHECK(tlbi_decode(0, 8, 2, 1, xt_range(vas[i], 1, 0, 0, 0), &op));
		CHECK_EQ_U64(op.va, vas[i]);
	}
	CHECK_CASE_END();
	/* Xt bits [11:0] of a VA are not part of the operand. */
	TlbiOp op;
	CHECK(tlbi_decode(0, 8, 3, 1, 0x0000000000040201ull, &op));
	CHECK_EQ_U64(op.va, 0x40201000ull);
	/* VMALLE1 and ASIDE1 take no VA. */
	CHECK(tlbi_decode(0, 8, 3, 2, xt_va(0x40201000, 9, 0), &op));
	CHECK_EQ_U64(op.va, 0);
	CHECK_EQ_U64(op.asid, 9);

	/* TTL hint: TTL[3:2] = 01 (4 KiB), TTL[1:0] level; otherwise no hint. */
	static const struct {
		unsigned ttl;
		int level;
	} ttls[] = {
		{ 0x0, -1 }, { TTL_4K(1), 1 }, { TTL_4K(2), 2 }, { TTL_4K(3), 3 },
		{ TTL_4K(0), -1 },   /* level 0 without FEAT_LPA2: no information */
		{ 0x9, -1 }, { 0xe, -1 }, { 0x3, -1 },   /* 16 KiB / 64 KiB / reserved granule */
	};
	for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
		CHECK_CASE("TTL 0x%x", ttls[i].ttl);
		CHECK(tlbi_decode(0, 8, 3, 5, xt_va(0x40201000, 1, ttls[i].ttl), &op));
		CHECK_EQ_U64(op.ttl_level, ttls[i].level);
		CHECK_EQ_U64(op.va, 0x40201000);
	}
	CHECK_CASE_END();

	/* Range: (NUM + 1) * 2^(5 * SCALE + 1) pages from BaseADDR; TTL[38:37] is the level. */
	static const struct {
		unsigned num, scale, ttl;
		uint64_t pages;
		int level;
	} ranges[] = {
		{ 0, 0, 0, 2, -1 }, { 1, 0, 3, 4, 3 }, { 31, 0, 2, 64, 2 },
		{ 0, 1, 1, 64, 1 }, { 3, 1, 0, 256, -1 }, { 0, 2, 0, 2048, -1 },
		{ 31, 3, 0, 32ull << 16, -1 },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		CHECK_CASE("range num %u scale %u", ranges[i].num, ranges[i].scale);
		uint64_t xt = xt_range(0x0000000040200000ull, 0x33, ranges[i].num, ranges[i].scale,
				       ranges[i].ttl);
		CHECK(tlbi_decode(0, 8, 2, 1, xt, &op));
		CHECK_EQ_U64(op.va, 0x40200000ull);
		CHECK_EQ_U64(op.size, ranges[i].pages * PAGE_SIZE);
		CHECK_EQ_U64(op.ttl_level, ranges[i].level);
		CHECK_EQ_U64(op.asid, 0x33);
	}
	CHECK_CASE_END();
}

/* --- what each TLBI removes ------------------------------------------- */

enum { EA, EB, EC, ED, EW1, EW0, EE, EN };

/* The population every invalidation case starts from (serial = index + 1). */
static void populate(Tlb *t)
{
	const TlbEntry pop[EN] = {
		/* 1 GiB global block at 0x40000000. */
		[EA] = mk(0x40000000, 30, 1, 0x100000000ull, true, true, 0),
		/* 2 MiB nG block, ASID 1, at 0x80000000. */
		[EB] = mk(0x80000000, 21, 2, 0x200000000ull, true, false, 1),
		/* 4 KiB nG page, ASID 2, same VA. */
		[EC] = mk(0x80000000, 12, 3, 0x300000000ull, true, false, 2),
		/* 4 KiB nG page, ASID 1, next page. */
		[ED] = mk(0x80001000, 12, 3, 0x300001000ull, true, false, 1),
		/* Walk cache: level 2 table (nG, ASID 1) for 0x80000000..0x801fffff. */
		[EW1] = mk(0x80000000, 21, 2, 0x7000, false, false, 1),
		/* Walk cache: level 0 table, global, for the low 512 GiB. */
		[EW0] = mk(0, 39, 0, 0x6000, false, true, 0),
		/* A TTBR1 page, global. */
		[EE] = mk(0xffff800000001000ull, 12, 3, 0x400000000ull, true, true, 0),
	};
	tlb_init(t, &unbounded);
	for (int i = 0; i < EN; i++)
		tlb_insert(t, &pop[i], NULL, NULL);
}

#define M(x) (1u << (x))
#define ALL ((1u << EN) - 1)

static void test_invalidate(void)
{
	const struct {
		const char *what;
		unsigned crm, op2;
		uint64_t xt;
		bool strict;
		unsigned removed;
	} cases[] = {
		{ "vae1is va asid 1", 3, 1, 0x80000ull | 1ull << 48, true, M(EB) | M(EW1) | M(EW0) },
		{ "vae1is va asid 2", 3, 1, 0x80000ull | 2ull << 48, true, M(EC) | M(EW0) },
		{ "vae1 next page asid 1", 7, 1, 0x80001ull | 1ull << 48, true,
		  M(EB) | M(ED) | M(EW1) | M(EW0) },
		{ "vaae1is ignores asid", 3, 3, 0x80000ull | 7ull << 48, true,
		  M(EB) | M(EC) | M(EW1) | M(EW0) },
		{ "vale1is keeps walk cache", 3, 5, 0x80000ull | 1ull << 48, true, M(EB) },
		{ "vaale1is keeps walk cache", 3, 7, 0x80000ull, true, M(EB) | M(EC) },
		{ "aside1is keeps global", 3, 2, 1ull << 48, true, M(EB) | M(ED) | M(EW1) },
		{ "aside1is other asid", 3, 2, 2ull << 48, true, M(EC) },
		/* The global entries carry ASID 0 in their tag: ASIDE1 0 still spares them. */
		{ "aside1is asid 0", 3, 2, 0, true, 0 },
		{ "vmalle1is", 3, 0, 0, true, ALL },
		{ "vmalle1", 7, 0, 0x80000ull | 1ull << 48, true, ALL },
		/* Splintering (RTVTYQ): any VA inside the 1 GiB block removes it. */
		{ "vae1is end of 1G block", 3, 1, 0x7ffffull | 9ull << 48, true, M(EA) | M(EW0) },
		{ "vale1is middle of 1G block", 3, 5, 0x5a5a5ull, true, M(EA) },
		{ "vale1is outside everything", 3, 5, 0x12345ull, true, 0 },
		{ "vae1is TTBR1", 3, 1, xt_va(0xffff800000001000ull, 0, 0), true, M(EE) },
		{ "vaale1is TTBR1 next page", 3, 7, xt_va(0xffff800000002000ull, 0, 0), true, 0 },
		/* Range forms: entries overlapping [base, base + size). */
		{ "rvae1is 2 pages asid 1", 2, 1, xt_range(0x80000000, 1, 0, 0, 0), true,
		  M(EB) | M(ED) | M(EW1) | M(EW0) },
		{ "rvaae1is 2 pages", 2, 3, xt_range(0x80000000, 0, 0, 0, 0), true,
		  M(EB) | M(EC) | M(ED) | M(EW1) | M(EW0) },
		{ "rvale1is 2 pages asid 1", 2, 5, xt_range(0x80000000, 1, 0, 0, 0), true,
		  M(EB) | M(ED) },
		{ "rvaale1is 2 pages", 2, 7, xt_range(0x80000000, 0, 0, 0, 0), true,
		  M(EB) | M(EC) | M(ED) },
		{ "rvaale1 overlaps start of block", 6, 7, xt_range(0x3ffff000, 0, 1, 0, 0), true,
		  M(EA) },
		{ "rvaale1os just below block", 5, 7, xt_range(0x3fffe000, 0, 0, 0, 0), true, 0 },
		{ "rvaale1is 4 GiB covers all low", 2, 7, xt_range(0x40000000, 0, 15, 3, 0), true,
		  M(EA) | M(EB) | M(EC) | M(ED) },
		{ "rvaale1is TTBR1", 2, 7, xt_range(0xffff800000000000ull, 0, 0, 0, 0), true, M(EE) },
		{ "rvaale1is TTBR1 miss", 2, 7, xt_range(0xffff800000002000ull, 0, 0, 0, 0), true, 0 },
		/* TTL: with ttl_strict a hint naming another level spares the entry. */
		{ "vale1is TTL=3 strict spares L2 block", 3, 5, xt_va(0x80000000, 1, TTL_4K(3)), true, 0 },
		{ "vale1is TTL=3 lax removes L2 block", 3, 5, xt_va(0x80000000, 1, TTL_4K(3)), false,
		  M(EB) },
		{ "vale1is TTL=2 strict", 3, 5, xt_va(0x80000000, 1, TTL_4K(2)), true, M(EB) },
		{ "vaale1is TTL=3 strict", 3, 7, xt_va(0x80000000, 0, TTL_4K(3)), true, M(EC) },
		{ "vale1is TTL level 0 = no hint", 3, 5, xt_va(0x80000000, 1, TTL_4K(0)), true, M(EB) },
		/* A hint for another granule is wrong for every entry of 4K tables: strict spares them all. */
		{ "vale1is 16K TTL strict spares all", 3, 5, xt_va(0x80000000, 1, 0xb), true, 0 },
		{ "vale1is 64K TTL strict spares all", 3, 1, xt_va(0x80000000, 1, 0xf), true, 0 },
		{ "vale1is 16K TTL lenient = no hint", 3, 5, xt_va(0x80000000, 1, 0xb), false, M(EB) },
		{ "rvaale1is TTL=3 strict", 2, 7, xt_range(0x80000000, 0, 0, 0, 3), true,
		  M(EC) | M(ED) },
		{ "rvaale1is TTL=2 strict", 2, 7, xt_range(0x80000000, 0, 0, 0, 2), true, M(EB) },
		{ "rvaale1is TTL=2 lax", 2, 7, xt_range(0x80000000, 0, 0, 0, 2), false,
		  M(EB) | M(EC) | M(ED) },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Tlb t;
		TlbiOp op;
		TlbEntry removed[EN];

		CHECK_CASE("%s", cases[i].what);
		populate(&t);
		CHECK(tlbi_decode(0, 8, cases[i].crm, cases[i].op2, cases[i].xt, &op));
		size_t n = tlb_invalidate(&t, &op, cases[i].strict, removed, EN);
		unsigned live = 0, gone = 0;
		for (long k = tlb_next(&t, 0); k >= 0; k = tlb_next(&t, k + 1))
			live |= 1u << (t.e[k].serial - 1);
		for (size_t k = 0; k < n && k < EN; k++)
			gone |= 1u << (removed[k].serial - 1);
		CHECK_EQ_U64(ALL & ~live, cases[i].removed);
		CHECK_EQ_U64(gone, cases[i].removed);
		CHECK_EQ_U64(n, (unsigned)__builtin_popcount(cases[i].removed));
		CHECK_EQ_U64(t.used, EN - n);
		/* tlbi_covers agrees with what was removed. */
		tlb_fini(&t);
		populate(&t);
		unsigned covered = 0;
		for (long k = tlb_next(&t, 0); k >= 0; k = tlb_next(&t, k + 1))
			if (tlbi_covers(&op, &t.e[k], cases[i].strict))
				covered |= 1u << (t.e[k].serial - 1);
		CHECK_EQ_U64(covered, cases[i].removed);
		tlb_fini(&t);
	}
	CHECK_CASE_END();

	/* After VMALLE1 nothing is found any more. */
	Tlb t;
	TlbiOp op;
	TlbEntry *hits[4];
	populate(&t);
	CHECK(tlbi_decode(0, 8, 3, 0, 0, &op));
	CHECK_EQ_U64(tlb_invalidate(&t, &op, true, NULL, 0), EN);
	CHECK_EQ_U64(tlb_lookup(&t, 0x80000000, 1, true, hits, 4, 0), 0);
	CHECK_EQ_U64(tlb_lookup(&t, 0x80000000, 1, false, hits, 4, 0), 0);
	CHECK_EQ_U64(tlb_next(&t, 0), -1);
	/* The TLB is usable again afterwards. */
	TlbEntry p = mk(0x80000000, 12, 3, 0x1000, true, true, 0);
	tlb_insert(&t, &p, NULL, NULL);
	CHECK_EQ_U64(tlb_lookup(&t, 0x80000fff, 3, true, hits, 4, 0), 1);
	tlb_fini(&t);
}

/* --- capacity and replacement ----------------------------------------- */

static void test_lru(void)
{
	TlbConfig cfg = { .capacity = 4, .replace = TLB_REPLACE_LRU };
	TlbEntry *hits[2], ev;
	bool did;
	Tlb t;

	tlb_init(&t, &cfg);
	for (unsigned i = 0; i < 4; i++) {
		TlbEntry e = mk(0x10000 + i * 0x1000, 12, 3, 0x90000 + i * 0x1000, true, true, 0);
		e.last_use = 1 + i;
		tlb_insert(&t, &e, &ev, &did);
		CHECK(!did);
	}
	/* Touch the oldest (page 0): page 1 becomes the least recently used. */
	CHECK_EQ_U64(tlb_lookup(&t, 0x10000, 0, true, hits, 2, 10), 1);
	TlbEntry e5 = mk(0x20000, 12, 3, 0xa0000, true, true, 0);
	e5.last_use = 11;
	tlb_insert(&t, &e5, &ev, &did);
	CHECK(did);
	CHECK_EQ_U64(ev.va, 0x11000);
	CHECK_EQ_U64(t.used, 4);
	CHECK_EQ_U64(t.evictions, 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x11000, 0, true, hits, 2, 0), 0);
	CHECK_EQ_U64(tlb_lookup(&t, 0x10000, 0, true, hits, 2, 0), 1);
	CHECK_EQ_U64(tlb_lookup(&t, 0x20000, 0, true, hits, 2, 0), 1);
	/* Next victim: page 2 (last_use 3). */
	TlbEntry e6 = mk(0x21000, 12, 3, 0xa1000, true, true, 0);
	e6.last_use = 12;
	tlb_insert(&t, &e6, &ev, &did);
	CHECK(did);
	CHECK_EQ_U64(ev.va, 0x12000);
	/* A duplicate insert at capacity refreshes and evicts nothing. */
	tlb_insert(&t, &e6, &ev, &did);
	CHECK(!did);
	CHECK_EQ_U64(t.evictions, 2);
	tlb_fini(&t);
}

static void random_victims(uint64_t seed, uint64_t *victims, size_t n)
{
	TlbConfig cfg = { .capacity = 8, .replace = TLB_REPLACE_RANDOM, .seed = seed };
	size_t k = 0;
	Tlb t;

	tlb_init(&t, &cfg);
	for (unsigned i = 0; k < n; i++) {
		TlbEntry e = mk((uint64_t)i << 12, 12, 3, 0x100000 + ((uint64_t)i << 12), true, true, 0);
		TlbEntry ev;
		bool did;
		e.last_use = i + 1;
		tlb_insert(&t, &e, &ev, &did);
		if (did)
			victims[k++] = ev.va;
	}
	tlb_fini(&t);
}

static void test_random(void)
{
	enum { N = 64 };
	uint64_t a[N], b[N], c[N];
	bool lru_order = true;

	random_victims(42, a, N);
	random_victims(42, b, N);
	random_victims(43, c, N);
	CHECK(memcmp(a, b, sizeof(a)) == 0);        /* same seed, same victims */
	CHECK(memcmp(a, c, sizeof(a)) != 0);        /* the seed matters */
	/* Not LRU in disguise: LRU would evict pages 0, 1, 2, ... in order. */
	for (unsigned i = 0; i < N; i++)
		if (a[i] != (uint64_t)i << 12)
			lru_order = false;
	CHECK(!lru_order);
}

static void test_unbounded(void)
{
	enum { N = 10000 };
	TlbConfig cfg = { .capacity = 0 };
	TlbEntry *hits[2];
	Tlb t;
	unsigned found = 0, right_pa = 0;

	tlb_init(&t, &cfg);
	for (uint64_t i = 0; i < N; i++) {
		TlbEntry e = mk(0x7f0000000000ull + i * PAGE_SIZE, 12, 3, 0x80000000ull + i * PAGE_SIZE,
				true, i & 1, (uint16_t)(i % 7));
		tlb_insert(&t, &e, NULL, NULL);
	}
	CHECK_EQ_U64(t.used, N);
	CHECK_EQ_U64(t.evictions, 0);
	for (uint64_t i = 0; i < N; i++) {
		size_t n = tlb_lookup(&t, 0x7f0000000000ull + i * PAGE_SIZE + 0x10, (uint16_t)(i % 7),
				      true, hits, 2, 0);
		found += n == 1;
		right_pa += n == 1 && hits[0]->pa == 0x80000000ull + i * PAGE_SIZE;
	}
	CHECK_EQ_U64(found, N);
	CHECK_EQ_U64(right_pa, N);
	tlb_fini(&t);
}

/* --- on_change --------------------------------------------------------- */

typedef struct Changes {
	unsigned n;
	uint64_t va[16], size[16];
	bool added[16], leaf[16];
} Changes;

static void on_change(void *ctx, const TlbEntry *e, bool added)
{
	Changes *c = ctx;

	if (c->n < 16) {
		c->va[c->n] = e->va;
		c->size[c->n] = 1ull << e->size_log2;
		c->added[c->n] = added;
		c->leaf[c->n] = e->leaf;
	}
	c->n++;
}

static void test_on_change(void)
{
	TlbConfig cfg = { .capacity = 2, .walk_cache = true };
	Changes ch = { 0 };
	TlbiOp op;
	Tlb t;

	tlb_init(&t, &cfg);
	t.on_change = on_change;
	t.change_ctx = &ch;
	TlbEntry blk = mk(0x40200000, 21, 2, 0x80200000, true, true, 0);
	blk.last_use = 1;
	tlb_insert(&t, &blk, NULL, NULL);
	CHECK_EQ_U64(ch.n, 1);                  /* insert */
	CHECK(ch.added[0]);
	CHECK_EQ_U64(ch.va[0], 0x40200000);
	CHECK_EQ_U64(ch.size[0], 1ull << 21);
	tlb_insert(&t, &blk, NULL, NULL);
	CHECK_EQ_U64(ch.n, 1);                  /* a refresh changes nothing */
	TlbEntry pg = mk(0x40401000, 12, 3, 0x80401000, true, true, 0);
	pg.last_use = 2;
	tlb_insert(&t, &pg, NULL, NULL);
	CHECK_EQ_U64(ch.n, 2);
	CHECK_EQ_U64(ch.va[1], 0x40401000);
	CHECK_EQ_U64(ch.size[1], PAGE_SIZE);
	/* Third insert at capacity 2: the block is evicted, then the page inserted. */
	TlbEntry pg2 = mk(0x40402000, 12, 3, 0x80402000, true, true, 0);
	pg2.last_use = 3;
	tlb_insert(&t, &pg2, NULL, NULL);
	CHECK_EQ_U64(ch.n, 4);
	CHECK_EQ_U64(ch.va[2], 0x40200000);     /* evict */
	CHECK(!ch.added[2]);
	CHECK_EQ_U64(ch.size[2], 1ull << 21);
	CHECK_EQ_U64(ch.va[3], 0x40402000);     /* insert */
	CHECK(ch.added[3]);
	/* Invalidate: one call per removed leaf entry, with its range. */
	CHECK(tlbi_decode(0, 8, 3, 7, xt_va(0x40401000, 0, 0), &op));
	CHECK_EQ_U64(tlb_invalidate(&t, &op, true, NULL, 0), 1);
	CHECK_EQ_U64(ch.n, 5);
	CHECK_EQ_U64(ch.va[4], 0x40401000);
	CHECK_EQ_U64(ch.size[4], PAGE_SIZE);
	CHECK(!ch.added[4]);
	/* Walk-cache entries are reported too, marked as not leaf. */
	tlb_fini(&t);
	tlb_init(&t, &unbounded);
	t.on_change = on_change;
	t.change_ctx = &ch;
	ch.n = 0;
	TlbEntry wc = mk(0x40000000, 30, 1, 0x5000, false, true, 0);
	tlb_insert(&t, &wc, NULL, NULL);
	CHECK_EQ_U64(ch.n, 1);
	CHECK(ch.added[0] && !ch.leaf[0]);
	CHECK_EQ_U64(ch.size[0], 1ull << 30);
	CHECK(tlbi_decode(0, 8, 3, 0, 0, &op));
	CHECK_EQ_U64(tlb_invalidate(&t, &op, true, NULL, 0), 1);
	CHECK_EQ_U64(ch.n, 2);
	CHECK(!ch.added[1] && !ch.leaf[1]);
	tlb_fini(&t);
}

int main(void)
{
	test_insert_lookup();
	test_asid();
	test_duplicate();
	test_decode();
	test_invalidate();
	test_lru();
	test_random();
	test_unbounded();
	test_on_change();
	return check_report("test_tlb");
}
