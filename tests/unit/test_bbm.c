// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_bbm.c - FEAT_BBM levels and multi-hit resolution (models/bbm.c).
 */
#include <string.h>
#include "bbmsim/bbm.h"
#include "check.h"

#define ATTRS (DESC_VALID | DESC_AF | (3ull << 8) | DESC_UXN)

/* The old 2 MiB block and the new 4 KiB page of a split, same OA and attributes. */
static TlbEntry old_block(void)
{
	return (TlbEntry){ .va = 0x40200000, .pa = 0x80200000, .size_log2 = 21, .level = 2,
			   .leaf = true, .global = true, .serial = 1,
			   .desc = 0x80200000 | ATTRS, .desc_pa = 0x3008 };
}

static TlbEntry new_page(uint64_t pa)
{
	return (TlbEntry){ .va = 0x40201000, .pa = pa, .size_log2 = 12, .level = 3,
			   .leaf = true, .global = true, .serial = 2,
			   .desc = pa | ATTRS | DESC_TABLE, .desc_pa = 0x5008 };
}

enum { USE_OLD, USE_NEW, ABORT };

static void run(const char *what, BbmLevel level, const BbmKnobs *k, const TlbEntry *a,
		const TlbEntry *b, int want)
{
	const uint64_t va = 0x40201234;

	/* Both orders of the hits must give the same answer. */
	for (int order = 0; order < 2; order++) {
		TlbEntry ea = *a, eb = *b;
		TlbEntry *hits[2] = { order ? &eb : &ea, order ? &ea : &eb };
		const TlbEntry *use = NULL;

		CHECK_CASE("%s (level %s, order %d)", what, bbm_level_name(level), order);
		FaultKind f = bbm_resolve_lookup(level, k, va, hits, 2, &use);
		if (want == ABORT) {
			CHECK_EQ_U64(f, FAULT_TLB_CONFLICT);
		} else {
			CHECK_EQ_U64(f, FAULT_NONE);
			CHECK(use != NULL);
			if (use)
				CHECK_EQ_U64(use->serial, want == USE_OLD ? a->serial : b->serial);
		}
	}
	CHECK_CASE_END();
}

static void test_resolve(void)
{
	const BbmKnobs def = bbm_knobs_default;
	const BbmKnobs oldest = { .multihit = BBM_MULTIHIT_USE_OLDEST };
	const BbmKnobs newest = { .multihit = BBM_MULTIHIT_USE_NEWEST };
	const BbmKnobs l2new = { .multihit = BBM_MULTIHIT_ABORT, .l2_size = BBM_L2_SIZE_USE_NEWEST };
	TlbEntry blk = old_block(), pg = new_page(0x80201000), other = new_page(0x90201000);
	TlbEntry ro = new_page(0x80201000);
	ro.desc |= DESC_AP2;

	CHECK(bbm_differ_only_in_size(&blk, &pg));
	CHECK(bbm_differ_only_in_size(&pg, &blk));
	CHECK(!bbm_differ_only_in_size(&blk, &other));
	CHECK(!bbm_differ_only_in_size(&blk, &ro));

	/* Size-only difference. */
	run("size, L0 default", BBM_L0, &def, &blk, &pg, ABORT);
	run("size, L0 use-oldest", BBM_L0, &oldest, &blk, &pg, USE_OLD);
	run("size, L0 use-newest", BBM_L0, &newest, &blk, &pg, USE_NEW);
	run("size, L1 default", BBM_L1, &def, &blk, &pg, ABORT);
	run("size, L2 default", BBM_L2, &def, &blk, &pg, ABORT);
	run("size, L2 l2_size=use-newest", BBM_L2, &l2new, &blk, &pg, USE_NEW);
	run("size, 2-noabort", BBM_L2_NOABORT, &def, &blk, &pg, USE_NEW);
	run("size, 2-noabort l2_size=use-newest", BBM_L2_NOABORT, &l2new, &blk, &pg, USE_NEW);

	/* A different OA is beyond size (RPVTFW): full multi-hit rules at every level. */
	run("OA, L2 default", BBM_L2, &def, &blk, &other, ABORT);
	run("OA, L2 l2_size=use-newest", BBM_L2, &l2new, &blk, &other, ABORT);
	run("OA, L2 use-oldest", BBM_L2, &oldest, &blk, &other, USE_OLD);
	run("OA, L0 default", BBM_L0, &def, &blk, &other, ABORT);
	run("OA, 2-noabort", BBM_L2_NOABORT, &def, &blk, &other, USE_NEW);
	/* So are different permissions. */
	run("AP, L2 l2_size=use-newest", BBM_L2, &l2new, &blk, &ro, ABORT);
	run("AP, 2-noabort", BBM_L2_NOABORT, &def, &blk, &ro, USE_NEW);

	/*
	 * Same size and OA, only permissions (or AF, DBM, nG 0 -> 1) differ: no
	 * break needed, so no conflict at any level: the newest is used.
	 */
	TlbEntry rw = pg, rdonly = pg, ng = pg;
	rdonly.serial = 5;
	rdonly.desc |= DESC_AP2 | DESC_PXN;
	ng.serial = 6;
	ng.desc |= DESC_NG;
	for (BbmLevel l = BBM_L0; l < BBM_LEVEL_COUNT; l++) {
		run("RW -> RO in place", l, &def, &rw, &rdonly, USE_NEW);
		run("global -> nG in place", l, &def, &rw, &ng, USE_NEW);
	}
	/* nG 1 -> 0 needs the break (RWHZWS): still a conflict. */
	TlbEntry ngold = pg, gnew = pg;
	ngold.desc |= DESC_NG;
	gnew.serial = 9;
	run("nG -> global in place, L0", BBM_L0, &def, &ngold, &gnew, ABORT);
	run("nG -> global in place, L2", BBM_L2, &def, &ngold, &gnew, ABORT);
	/* Permissions and another memory type: the memory type needs the break. */
	TlbEntry dev = rdonly;
	dev.desc |= 1ull << 2;
	run("RO and device, L0", BBM_L0, &def, &rw, &dev, ABORT);

	/* Identical duplicates (same translation, another descriptor address) are one hit. */
	TlbEntry dup = blk;
	dup.serial = 7;
	dup.desc_pa = 0x9008;
	for (BbmLevel l = BBM_L0; l < BBM_LEVEL_COUNT; l++)
		run("identical duplicates", l, &def, &blk, &dup, USE_NEW);

	/* A single hit is used as is. */
	TlbEntry *one[1] = { &pg };
	const TlbEntry *use = NULL;
	CHECK_EQ_U64(bbm_resolve_lookup(BBM_L0, &def, 0x40201234, one, 1, &use), FAULT_NONE);
	CHECK(use == &pg);

	/* Three hits: block, page and a duplicate of the page; still a size-only conflict. */
	TlbEntry pg2 = pg;
	pg2.serial = 3;
	TlbEntry *three[3] = { &pg2, &blk, &pg };
	use = NULL;
	CHECK_EQ_U64(bbm_resolve_lookup(BBM_L0, &oldest, 0x40201234, three, 3, &use), FAULT_NONE);
	CHECK(use == &blk);
	CHECK_EQ_U64(bbm_resolve_lookup(BBM_L2, &l2new, 0x40201234, three, 3, &use), FAULT_NONE);
	CHECK(use == &pg2);
	CHECK_EQ_U64(bbm_resolve_lookup(BBM_L2, &def, 0x40201234, three, 3, &use),
		     FAULT_TLB_CONFLICT);
}

static void test_levels(void)
{
	static const struct {
		BbmLevel l;
		const char *name;
		unsigned id;
	} cases[] = {
		{ BBM_L0, "0", 0 }, { BBM_L1, "1", 1 }, { BBM_L2, "2", 2 },
		{ BBM_L2_NOABORT, "2-noabort", 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		BbmLevel back = BBM_LEVEL_COUNT;

		CHECK_CASE("level %s", cases[i].name);
		CHECK(strcmp(bbm_level_name(cases[i].l), cases[i].name) == 0);
		CHECK(bbm_level_parse(cases[i].name, &back));
		CHECK_EQ_U64(back, cases[i].l);
		CHECK_EQ_U64(bbm_level_id_field(cases[i].l), cases[i].id);
	}
	CHECK_CASE_END();
	static const char *const bad[] = { "", "3", "l2", "2-NOABORT", "2 ", "-1", "noabort" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		BbmLevel out = BBM_L1;

		CHECK_CASE("parse \"%s\"", bad[i]);
		CHECK(!bbm_level_parse(bad[i], &out));
		CHECK_EQ_U64(out, BBM_L1);      /* untouched on failure */
	}
	CHECK_CASE_END();

	char buf[96];
	CHECK(strcmp(bbm_knobs_format(&bbm_knobs_default, buf, sizeof(buf)),
		     "multihit=abort l2_size_hit=abort nt=uncached") == 0);
	BbmKnobs k = { BBM_MULTIHIT_USE_OLDEST, BBM_L2_SIZE_USE_NEWEST, BBM_NT_FAULT };
	CHECK(strcmp(bbm_knobs_format(&k, buf, sizeof(buf)),
		     "multihit=use-oldest l2_size_hit=use-newest nt=fault") == 0);
}

int main(void)
{
	test_resolve();
	test_levels();
	return check_report("test_bbm");
}
