// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_walk.c - the stage 1 walker (models/walk.c) on translation tables
 * built in a plain array: TTBR selection, levels, blocks, pages, faults,
 * contiguous runs, nT, walk-cache use, access checks and PAR_EL1.
 */
#include <string.h>
#include "bbmsim/walk.h"
#include "check.h"

/* --- a tiny physical memory with a bump allocator for table pages ----- */

#define MEM_PAGES 48

typedef struct Mem {
	uint8_t b[MEM_PAGES * PAGE_SIZE];
	uint64_t next;      /* next free table page (PA == offset into b) */
	unsigned reads;
} Mem;

static void mem_init(Mem *m)
{
	memset(m->b, 0, sizeof(m->b));
	m->next = PAGE_SIZE;    /* keep PA 0 unused */
	m->reads = 0;
}

static uint64_t mem_alloc(Mem *m)
{
	uint64_t pa = m->next;

	m->next += PAGE_SIZE;
	if (m->next > sizeof(m->b)) {
		fprintf(stderr, "test_walk: out of table pages\n");
		return 0;
	}
	return pa;
}

static uint64_t mem_rd64(const Mem *m, uint64_t pa)
{
	uint64_t v = 0;

	if (pa + 8 > sizeof(m->b))
		return 0;
	for (int i = 7; i >= 0; i--)     /* little-endian, independent of the host */
		v = v << 8 | m->b[pa + (uint64_t)i];
	return v;
}

static void mem_wr64(Mem *m, uint64_t pa, uint64_t v)
{
	if (pa + 8 > sizeof(m->b))
		return;
	for (int i = 0; i < 8; i++, v >>= 8)
		m->b[pa + (uint64_t)i] = (uint8_t)v;
}

static uint64_t mem_walk_read(void *ctx, uint64_t pa, int level)
{
	Mem *m = ctx;

	(void)level;
	m->reads++;
	return mem_rd64(m, pa);
}

/* Index of @va at @level for a range of @inputsize bits (top level may be narrower). */
static uint64_t va_index(uint64_t va, int level, unsigned inputsize)
{
	unsigned shift = 12 + 9 * (3 - (unsigned)level);
	unsigned bits = inputsize - shift < 9 ? inputsize - shift : 9;

	return (va >> shift) & ((1ull << bits) - 1);
}

/*
 * Write @desc as the level-@level descriptor for @va under the table at
 * @root (a walk starting at @start), creating table pages on the way.
 * Returns the PA of the descriptor written.
 */
static uint64_t map(Mem *m, uint64_t root, int start, unsigned inputsize, uint64_t va,
		    int level, uint64_t desc)
{
	uint64_t table = root;

	for (int l = start; l < level; l++) {
		uint64_t dpa = table + va_index(va, l, inputsize) * 8;
		uint64_t d = mem_rd64(m, dpa);
		if (!(d & DESC_VALID)) {
			d = mem_alloc(m) | DESC_VALID | DESC_TABLE;
			mem_wr64(m, dpa, d);
		}
		table = d & DESC_OA_MASK;
	}
	uint64_t dpa = table + va_index(va, level, inputsize) * 8;
	mem_wr64(m, dpa, desc);
	return dpa;
}

#define TCR_TG1_4K   (2ull << 30)
#define ATTR_NORMAL  (0ull << 2)
#define ATTR_DEVICE  (1ull << 2)
#define SH_INNER     (3ull << 8)
#define LEAF_BITS    (DESC_VALID | DESC_AF | SH_INNER | ATTR_NORMAL)

static uint64_t make_tcr(unsigned t0sz, unsigned t1sz)
{
	return (uint64_t)t0sz | (uint64_t)t1sz << 16 | TCR_TG1_4K;
}

static Mem mem;

/* --- TTBR selection and start level ----------------------------------- */

static void test_select(void)
{
	static const struct {
		unsigned tsz;
		uint64_t va;
		int ttbr;
	} cases[] = {
		{ 16, 0x0000000000000000ull, 0 },
		{ 16, 0x0000ffffffffffffull, 0 },
		{ 16, 0x0001000000000000ull, -1 },
		{ 16, 0x8000000000000000ull, -1 },
		{ 16, 0xfffeffffffffffffull, -1 },
		{ 16, 0xffff000000000000ull, 1 },
		{ 16, 0xffffffffffffffffull, 1 },
		{ 25, 0x0000007fffffffffull, 0 },
		{ 25, 0x0000008000000000ull, -1 },
		{ 25, 0x0000ffffffffffffull, -1 },
		{ 25, 0xffffff7fffffffffull, -1 },
		{ 25, 0xffff000000000000ull, -1 },
		{ 25, 0xffffff8000000000ull, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		WalkRegs r = { .tcr = make_tcr(cases[i].tsz, cases[i].tsz), .sctlr = SCTLR_M };
		WalkResult w;

		CHECK_CASE("select row %zu va 0x%llx", i, (unsigned long long)cases[i].va);
		CHECK_EQ_U64(walk_select_ttbr(&r, cases[i].va), cases[i].ttbr);
		if (cases[i].ttbr < 0) {
			/* The hole between the ranges: level 0 Translation fault, no reads. */
			mem_init(&mem);
			walk_translate(&r, cases[i].va, mem_walk_read, &mem, NULL, &w);
			CHECK_EQ_U64(w.fault, FAULT_TRANSLATION);
			CHECK_EQ_U64(w.level, 0);
			CHECK_EQ_U64(w.ttbr, -1);
			CHECK_EQ_U64(mem.reads, 0);
		}
	}
	CHECK_CASE_END();
	WalkRegs r16 = { .tcr = make_tcr(16, 16) }, r25 = { .tcr = make_tcr(25, 25) };
	CHECK_EQ_U64(walk_start_level(&r16, 0), 0);
	CHECK_EQ_U64(walk_start_level(&r16, 1), 0);
	CHECK_EQ_U64(walk_start_level(&r25, 0), 1);
	CHECK_EQ_U64(walk_start_level(&r25, 1), 1);
	/* Mixed sizes: each TTBR has its own start level. */
	WalkRegs rmix = { .tcr = make_tcr(25, 16) };
	CHECK_EQ_U64(walk_start_level(&rmix, 0), 1);
	CHECK_EQ_U64(walk_start_level(&rmix, 1), 0);
}

/* --- successful walks ------------------------------------------------- */

static void test_leaf(void)
{
	static const struct {
		unsigned tsz;
		uint64_t va;
		int level;          /* leaf level */
		uint64_t oa;        /* of the block/page */
		bool ng, a1;
	} cases[] = {
		{ 16, 0x0000000040123456ull, 1, 0x80000000ull, false, false },
		{ 16, 0x0000000040323456ull, 2, 0x80200000ull, true, false },
		{ 16, 0x0000123456789abcull, 3, 0x0000fedcba987000ull, true, false },
		{ 16, 0xffff800012345678ull, 1, 0xc0000000ull, false, false },
		{ 16, 0xffff800000345678ull, 2, 0x40200000ull, true, true },
		{ 16, 0xffffffffffffffffull, 3, 0x7ffff000ull, true, true },
		{ 25, 0x0000007fc0001234ull, 1, 0x40000000ull, true, false },
		{ 25, 0x0000000000654321ull, 2, 0x00600000ull, false, true },
		{ 25, 0x0000000000654321ull, 3, 0x00900000ull, true, true },
		{ 25, 0xffffff8000001000ull, 3, 0x12345000ull, true, false },
		{ 25, 0xffffffffffe01234ull, 2, 0xfe00000ull << 4, true, true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned tsz = cases[i].tsz, inputsize = 64 - tsz;
		int start = tsz == 16 ? 0 : 1, level = cases[i].level;
		uint64_t va = cases[i].va, size = desc_level_size(level);
		WalkResult w;

		CHECK_CASE("leaf row %zu va 0x%llx L%d", i, (unsigned long long)va, level);
		mem_init(&mem);
		uint64_t root0 = mem_alloc(&mem), root1 = mem_alloc(&mem);
		WalkRegs r = {
			.ttbr0 = root0 | 0x0011ull << 48, .ttbr1 = root1 | 0x0022ull << 48,
			.tcr = make_tcr(tsz, tsz) | (cases[i].a1 ? TCR_A1 : 0), .sctlr = SCTLR_M,
		};
		int t = va >> 63 ? 1 : 0;
		uint64_t desc = cases[i].oa | LEAF_BITS | (level == 3 ? DESC_TABLE : 0) |
				(cases[i].ng ? DESC_NG : 0);
		uint64_t dpa = map(&mem, t ? root1 : root0, start, inputsize, va, level, desc);

		walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_NONE);
		CHECK_EQ_U64(w.ttbr, t);
		CHECK_EQ_U64(w.level, level);
		CHECK_EQ_U64(w.pa, cases[i].oa | (va & (size - 1)));
		CHECK(!w.nt);
		CHECK_EQ_U64(w.nsteps, level - start + 1);
		CHECK_EQ_U64(w.step[0].pa & ~0xfffull, t ? root1 : root0);
		CHECK_EQ_U64(w.step[w.nsteps - 1].pa, dpa);
		CHECK_EQ_U64(w.step[w.nsteps - 1].desc, desc);
		CHECK_EQ_U64(w.step[w.nsteps - 1].level, level);
		CHECK(!w.step[0].from_cache);
		/* The entry a TLB would cache. */
		CHECK_EQ_U64(w.leaf.va, va & ~(size - 1));
		CHECK_EQ_U64(w.leaf.pa, cases[i].oa);
		CHECK_EQ_U64(w.leaf.size_log2, 12 + 9 * (3 - level));
		CHECK_EQ_U64(w.leaf.level, level);
		CHECK_EQ_U64(w.leaf.desc_pa, dpa);
		CHECK_EQ_U64(w.leaf.desc, desc);
		CHECK(w.leaf.leaf);
		CHECK_EQ_U64(w.leaf.global, !cases[i].ng);
		/* TCR_EL1.A1 picks the TTBR that supplies the ASID, for both ranges. */
		CHECK_EQ_U64(w.leaf.asid, cases[i].a1 ? 0x22 : 0x11);
		CHECK_EQ_U64(w.asid, cases[i].a1 ? 0x22 : 0x11);
	}
	CHECK_CASE_END();
}

/* TTBR1 with a T1SZ that leaves the level 0 table partly used: only the VA bits in range index it. */
static void test_t1sz_20(void)
{
	uint64_t va = 0xfffff80000001000ull;
	WalkResult w;

	mem_init(&mem);
	uint64_t root1 = mem_alloc(&mem);
	WalkRegs r = { .ttbr1 = root1, .tcr = make_tcr(20, 20), .sctlr = SCTLR_M };
	CHECK_EQ_U64(walk_start_level(&r, 1), 0);
	CHECK_EQ_U64(walk_select_ttbr(&r, va), 1);
	map(&mem, root1, 0, 44, va, 3, 0x55555000ull | LEAF_BITS | DESC_TABLE);
	walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
	CHECK_EQ_U64(w.fault, FAULT_NONE);
	CHECK_EQ_U64(w.pa, 0x55555000ull);
	/* VA[43:39] = 0b10000: entry 16 of the level 0 table. */
	CHECK_EQ_U64(w.step[0].pa, root1 + 16 * 8);
}

static void test_epd(void)
{
	uint64_t va0 = 0x0000000000401000ull, va1 = 0xffff000000401000ull;

	for (int epd = 0; epd <= 1; epd++) {
		WalkResult w;

		CHECK_CASE("EPD%d", epd);
		mem_init(&mem);
		uint64_t root0 = mem_alloc(&mem), root1 = mem_alloc(&mem);
		map(&mem, root0, 0, 48, va0, 3, 0x1000000ull | LEAF_BITS | DESC_TABLE);
		map(&mem, root1, 0, 48, va1, 3, 0x2000000ull | LEAF_BITS | DESC_TABLE);
		WalkRegs r = { .ttbr0 = root0, .ttbr1 = root1, .sctlr = SCTLR_M,
			       .tcr = make_tcr(16, 16) | (epd ? TCR_EPD1 : TCR_EPD0) };
		uint64_t off = epd ? va1 : va0, on = epd ? va0 : va1;

		walk_translate(&r, off, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_TRANSLATION);
		CHECK_EQ_U64(w.level, 0);
		CHECK_EQ_U64(w.nsteps, 0);
		walk_translate(&r, on, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_NONE);
		CHECK_EQ_U64(w.pa, epd ? 0x1000000ull : 0x2000000ull);
	}
	CHECK_CASE_END();
}

/* --- faults ----------------------------------------------------------- */

static void test_faults(void)
{
	static const struct {
		int at;             /* level of the bad descriptor */
		uint64_t desc;
		FaultKind want;
	} cases[] = {
		{ 0, 0, FAULT_TRANSLATION },
		{ 1, 0, FAULT_TRANSLATION },
		{ 2, 0, FAULT_TRANSLATION },
		{ 3, 0, FAULT_TRANSLATION },
		/* Invalid with junk in the other bits is still invalid. */
		{ 2, 0xfffffffffffffffeull, FAULT_TRANSLATION },
		{ 3, 0x40001000ull | DESC_AF | DESC_TABLE, FAULT_TRANSLATION },
		/* A block at level 0 and the level 3 reserved encoding. */
		{ 0, 0x0000008000000000ull | LEAF_BITS, FAULT_TRANSLATION },
		{ 3, 0x40001000ull | LEAF_BITS, FAULT_TRANSLATION },
		/* OA[49:48] set: Address size fault (48-bit PA), in leaves and tables. */
		{ 3, 0x0001000040001000ull | LEAF_BITS | DESC_TABLE, FAULT_ADDRESS_SIZE },
		{ 2, 0x0002000040000000ull | LEAF_BITS, FAULT_ADDRESS_SIZE },
		{ 1, 0x0003000040000000ull | LEAF_BITS, FAULT_ADDRESS_SIZE },
		{ 1, 0x0001000000005000ull | DESC_VALID | DESC_TABLE, FAULT_ADDRESS_SIZE },
		{ 0, 0x0002000000005000ull | DESC_VALID | DESC_TABLE, FAULT_ADDRESS_SIZE },
	};
	uint64_t va = 0x0000008040201000ull;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		WalkResult w;

		CHECK_CASE("fault row %zu L%d", i, cases[i].at);
		mem_init(&mem);
		uint64_t root = mem_alloc(&mem);
		WalkRegs r = { .ttbr0 = root, .tcr = make_tcr(16, 16), .sctlr = SCTLR_M };
		uint64_t dpa = map(&mem, root, 0, 48, va, cases[i].at, cases[i].desc);

		walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, cases[i].want);
		CHECK_EQ_U64(w.level, cases[i].at);
		CHECK_EQ_U64(w.nsteps, cases[i].at + 1);
		CHECK_EQ_U64(w.step[w.nsteps - 1].pa, dpa);
		/* Nothing is read after the faulting descriptor. */
		CHECK_EQ_U64(mem.reads, cases[i].at + 1);
	}
	CHECK_CASE_END();
}

/* --- contiguous runs and nT ------------------------------------------- */

static void test_contiguous(void)
{
	static const struct {
		int level;
		uint64_t base_va, base_oa;
		unsigned idx;       /* entry of the run that is looked up */
		unsigned span_log2;
	} cases[] = {
		{ 3, 0x0000000000410000ull, 0x90000000ull, 5, 16 },
		{ 3, 0x0000000000410000ull, 0x90000000ull, 0, 16 },
		{ 3, 0x0000000000410000ull, 0x90000000ull, 15, 16 },
		{ 2, 0x0000000042000000ull, 0xa2000000ull, 7, 25 },
		{ 2, 0x0000000042000000ull, 0xa2000000ull, 15, 25 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int level = cases[i].level;
		uint64_t size = desc_level_size(level);
		uint64_t va = cases[i].base_va + cases[i].idx * size + 0x123;
		WalkResult w;

		CHECK_CASE("contiguous row %zu L%d idx %u", i, level, cases[i].idx);
		mem_init(&mem);
		uint64_t root = mem_alloc(&mem);
		WalkRegs r = { .ttbr0 = root, .tcr = make_tcr(16, 16), .sctlr = SCTLR_M };
		for (unsigned k = 0; k < 16; k++)
			map(&mem, root, 0, 48, cases[i].base_va + k * size, level,
			    (cases[i].base_oa + k * size) | LEAF_BITS | DESC_CONT |
			    (level == 3 ? DESC_TABLE : 0));
		walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_NONE);
		CHECK_EQ_U64(w.pa, cases[i].base_oa + cases[i].idx * size + 0x123);
		CHECK_EQ_U64(w.leaf.size_log2, cases[i].span_log2);
		CHECK_EQ_U64(w.leaf.va, cases[i].base_va);
		CHECK_EQ_U64(w.leaf.pa, cases[i].base_oa);
		CHECK_EQ_U64(w.leaf.pa & ((1ull << cases[i].span_log2) - 1), 0);
		CHECK_EQ_U64(w.leaf.level, level);
	}
	CHECK_CASE_END();
}

static void test_nt(void)
{
	static const struct {
		int level;
		uint64_t va, oa;
		bool nt;
	} cases[] = {
		{ 1, 0x0000000040012345ull, 0x80000000ull, true },
		{ 2, 0x0000000040212345ull, 0x80200000ull, true },
		/* No nT in page descriptors: bit 16 of a page is OA[16]. */
		{ 3, 0x0000000040201345ull, 0x80210000ull, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int level = cases[i].level;
		uint64_t size = desc_level_size(level);
		WalkResult w;

		CHECK_CASE("nT row %zu L%d", i, level);
		mem_init(&mem);
		uint64_t root = mem_alloc(&mem);
		WalkRegs r = { .ttbr0 = root, .tcr = make_tcr(16, 16), .sctlr = SCTLR_M };
		map(&mem, root, 0, 48, cases[i].va, level,
		    cases[i].oa | LEAF_BITS | DESC_NT | (level == 3 ? DESC_TABLE : 0));
		walk_translate(&r, cases[i].va, mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_NONE);
		CHECK_EQ_U64(w.nt, cases[i].nt);
		/* For a block, bit 16 is nT and not part of the OA (QEMU issue #790). */
		uint64_t oa = (cases[i].oa | (cases[i].nt ? 0 : DESC_NT)) & ~(size - 1);
		CHECK_EQ_U64(w.pa, oa | (cases[i].va & (size - 1)));
		CHECK_EQ_U64(w.leaf.pa, oa);
	}
	CHECK_CASE_END();
}

static void test_mmu_off(void)
{
	static const uint64_t vas[] = { 0, 0x40001234ull, 0x0000ffffffffffffull, 0x123456789ull };

	for (size_t i = 0; i < sizeof(vas) / sizeof(vas[0]); i++) {
		WalkRegs r = { .ttbr0 = 0x1000, .tcr = make_tcr(16, 16), .sctlr = 0 };
		WalkResult w;

		CHECK_CASE("MMU off va 0x%llx", (unsigned long long)vas[i]);
		mem_init(&mem);
		walk_translate(&r, vas[i], mem_walk_read, &mem, NULL, &w);
		CHECK_EQ_U64(w.fault, FAULT_NONE);
		CHECK_EQ_U64(w.pa, vas[i]);
		CHECK_EQ_U64(mem.reads, 0);
		CHECK(w.leaf.global);
		CHECK(w.leaf.leaf);
		CHECK(tlb_entry_covers(&w.leaf, vas[i], 0x55));
		CHECK_EQ_U64(w.leaf.pa + (vas[i] - w.leaf.va), vas[i]);
	}
	CHECK_CASE_END();
}

/* --- walk cache ------------------------------------------------------- */

/*
 * A stale walk cache: the Tlb holds a level 2 table descriptor pointing at
 * an old level 3 table while memory now points at a new one. The walker
 * must start from the cached entry and so translate through the old table.
 */
static void test_walk_cache(void)
{
	uint64_t va = 0x0000000040201000ull;
	TlbConfig cfg = { .walk_cache = true };
	WalkResult w;
	Tlb wc;

	/* Memory: root -> L1 -> L2 -> L3(new); L3(old) is reachable only through the walk cache. */
	mem_init(&mem);
	uint64_t root = mem_alloc(&mem);
	WalkRegs r = { .ttbr0 = root | 0x7ull << 48, .tcr = make_tcr(16, 16), .sctlr = SCTLR_M };
	uint64_t page_dpa = map(&mem, root, 0, 48, va, 3, 0x11111000ull | LEAF_BITS | DESC_TABLE);
	uint64_t l3_new = page_dpa & ~0xfffull;
	uint64_t l3_old = mem_alloc(&mem);
	mem_wr64(&mem, l3_old + va_index(va, 3, 48) * 8, 0x22222000ull | LEAF_BITS | DESC_TABLE);
	/* The L2 descriptor's PA: the last-but-one step of a memory walk. */
	walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
	CHECK_EQ_U64(w.fault, FAULT_NONE);
	CHECK_EQ_U64(w.pa, 0x11111000ull);
	CHECK_EQ_U64(w.nsteps, 4);
	CHECK_EQ_U64(w.step[2].desc & DESC_OA_MASK, l3_new);
	uint64_t l2_desc_pa = w.step[2].pa;

	tlb_init(&wc, &cfg);
	TlbEntry stale = {
		.va = va & ~((1ull << 21) - 1), .size_log2 = 21, .level = 2, .leaf = false,
		.pa = l3_old, .desc = l3_old | DESC_VALID | DESC_TABLE, .desc_pa = l2_desc_pa,
		.asid = 7, .global = false,
	};
	tlb_insert(&wc, &stale, NULL, NULL);

	mem.reads = 0;
	walk_translate(&r, va, mem_walk_read, &mem, &wc, &w);
	CHECK_EQ_U64(w.fault, FAULT_NONE);
	CHECK_EQ_U64(w.pa, 0x22222000ull);        /* through the stale table */
	CHECK_EQ_U64(w.nsteps, 2);
	CHECK(w.step[0].from_cache);
	CHECK_EQ_U64(w.step[0].level, 2);
	CHECK_EQ_U64(w.step[0].pa, l2_desc_pa);
	CHECK(!w.step[1].from_cache);
	CHECK_EQ_U64(w.step[1].level, 3);
	CHECK_EQ_U64(w.step[1].pa, l3_old + va_index(va, 3, 48) * 8);
	CHECK_EQ_U64(w.leaf.desc_pa, l3_old + va_index(va, 3, 48) * 8);
	CHECK_EQ_U64(mem.reads, 1);                /* only the level 3 descriptor */

	/* A shallower (level 1) entry as well: the deepest one is used. */
	TlbEntry l1 = {
		.va = va & ~((1ull << 30) - 1), .size_log2 = 30, .level = 1, .leaf = false,
		.pa = 0x3000, .desc = 0x3000 | DESC_VALID | DESC_TABLE, .desc_pa = 0x1008,
		.global = true,
	};
	tlb_insert(&wc, &l1, NULL, NULL);
	walk_translate(&r, va, mem_walk_read, &mem, &wc, &w);
	CHECK_EQ_U64(w.pa, 0x22222000ull);
	CHECK_EQ_U64(w.step[0].level, 2);

	/* Another ASID does not hit the nG walk-cache entries: a memory walk from the root. */
	r.ttbr0 = root | 0x8ull << 48;
	tlb_fini(&wc);
	tlb_init(&wc, &cfg);
	tlb_insert(&wc, &stale, NULL, NULL);
	walk_translate(&r, va, mem_walk_read, &mem, &wc, &w);
	CHECK_EQ_U64(w.pa, 0x11111000ull);
	CHECK_EQ_U64(w.nsteps, 4);
	CHECK(!w.step[0].from_cache);
	tlb_fini(&wc);
}

/* --- access checks and PAR_EL1 ---------------------------------------- */

static void test_check_access(void)
{
	static const struct {
		uint64_t bits;
		AccessType a;
		int el;
		FaultKind want;
	} cases[] = {
		{ DESC_AF, ACCESS_READ, 1, FAULT_NONE },
		{ DESC_AF, ACCESS_WRITE, 1, FAULT_NONE },
		{ 0, ACCESS_READ, 1, FAULT_ACCESS_FLAG },
		{ 0, ACCESS_FETCH, 1, FAULT_ACCESS_FLAG },
		/* The access flag is checked before permissions. */
		{ DESC_AP2, ACCESS_WRITE, 1, FAULT_ACCESS_FLAG },
		{ DESC_AF | DESC_AP2, ACCESS_WRITE, 1, FAULT_PERMISSION },
		{ DESC_AF | DESC_AP2, ACCESS_READ, 1, FAULT_NONE },
		{ DESC_AF | DESC_AP2 | DESC_AP1, ACCESS_WRITE, 0, FAULT_PERMISSION },
		{ DESC_AF, ACCESS_READ, 0, FAULT_PERMISSION },
		{ DESC_AF | DESC_AP1, ACCESS_WRITE, 0, FAULT_NONE },
		{ DESC_AF | DESC_AP1, ACCESS_FETCH, 1, FAULT_PERMISSION },
		{ DESC_AF | DESC_PXN, ACCESS_FETCH, 1, FAULT_PERMISSION },
		{ DESC_AF | DESC_AP1 | DESC_UXN, ACCESS_FETCH, 0, FAULT_PERMISSION },
		{ DESC_AF | DESC_AP2 | DESC_AP1, ACCESS_FETCH, 0, FAULT_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TlbEntry e = { .va = 0x1000, .pa = 0x2000, .size_log2 = 12, .level = 3, .leaf = true,
			       .desc = 0x2000 | DESC_VALID | DESC_TABLE | cases[i].bits };

		CHECK_CASE("access row %zu", i);
		CHECK_EQ_U64(walk_check_access(&e, cases[i].a, cases[i].el), cases[i].want);
	}
	CHECK_CASE_END();
}

static void test_par(void)
{
	uint64_t va = 0x0000000040205678ull;
	WalkResult w;

	mem_init(&mem);
	uint64_t root = mem_alloc(&mem);
	WalkRegs r = { .ttbr0 = root, .tcr = make_tcr(16, 16), .sctlr = SCTLR_M,
		       .mair = 0x00000000000004ffull };   /* Attr0 Normal WB, Attr1 Device-nGnRE */
	map(&mem, root, 0, 48, va, 3, 0x0000123456789000ull | DESC_VALID | DESC_TABLE | DESC_AF |
	    SH_INNER | ATTR_DEVICE | DESC_NG);
	walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
	CHECK_EQ_U64(w.fault, FAULT_NONE);
	uint64_t par = walk_par(&w, FAULT_NONE, &r);
	CHECK_EQ_U64(par & 1, 0);                             /* F */
	CHECK_EQ_U64(par & DESC_OA_MASK, 0x0000123456789000ull);
	CHECK_EQ_U64(par >> 56, 0x04);                        /* ATTR from MAIR Attr1 */
	CHECK_EQ_U64((par >> 7) & 3, 3);                      /* SH */
	CHECK_EQ_U64((par >> 11) & 1, 1);                     /* RES1 (no FEAT_RME) */
	CHECK_EQ_U64(par & 0x7e, 0);                          /* bits 6:1 RES0 on success */

	/* The same page as global Normal memory: only ATTR changes. */
	map(&mem, root, 0, 48, va, 3, 0x0000123456789000ull | DESC_VALID | DESC_TABLE | DESC_AF |
	    SH_INNER | ATTR_NORMAL);
	walk_translate(&r, va, mem_walk_read, &mem, NULL, &w);
	uint64_t par_g = walk_par(&w, FAULT_NONE, &r);
	CHECK_EQ_U64(par_g >> 56, 0xff);
	CHECK_EQ_U64(par_g & ~(0xffull << 56), par & ~(0xffull << 56));

	/* Faults: F = 1, FST[6:1] is the fault status code at the walk's level. */
	static const struct {
		int at;
		FaultKind f;
	} faults[] = {
		{ 0, FAULT_TRANSLATION }, { 2, FAULT_TRANSLATION }, { 3, FAULT_TRANSLATION },
		{ 3, FAULT_PERMISSION }, { 2, FAULT_ACCESS_FLAG }, { 1, FAULT_ADDRESS_SIZE },
	};
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		WalkResult fw = { .fault = faults[i].f, .level = faults[i].at };

		CHECK_CASE("PAR fault row %zu", i);
		par = walk_par(&fw, faults[i].f, &r);
		CHECK_EQ_U64(par & 1, 1);
		CHECK_EQ_U64((par >> 1) & 0x3f, fault_fsc(faults[i].f, faults[i].at));
		CHECK_EQ_U64((par >> 11) & 1, 1);
		CHECK_EQ_U64(par & DESC_OA_MASK, 0);
	}
	CHECK_CASE_END();
	/* A real faulting walk feeds walk_par the right level. */
	walk_translate(&r, 0x0000000080000000ull, mem_walk_read, &mem, NULL, &w);
	CHECK_EQ_U64(w.fault, FAULT_TRANSLATION);
	CHECK_EQ_U64(walk_par(&w, w.fault, &r), 1 | (0x05ull << 1) | (1ull << 11));
}

int main(void)
{
	test_select();
	test_leaf();
	test_t1sz_20();
	test_epd();
	test_faults();
	test_contiguous();
	test_nt();
	test_mmu_off();
	test_walk_cache();
	test_check_access();
	test_par();
	return check_report("test_walk");
}
