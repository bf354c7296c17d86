// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_analysis.c - the hazard analysis on real runs:
 *  - textbook BBM of a 2 MiB block: translation-fault windows on the
 *    reader, no conflict, at every level;
 *  - BBML2-style direct split (new table written over the live block, no
 *    TLBI): a conflict window on the reader that is a violation at levels 0
 *    and 1, abort-possible at 2 and benign at 2-noabort;
 *  - the same remap changing the output address: a violation at every level;
 *  - a TLBI without a DSB: a RYNJCP violation.
 */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"
#include "bbmsim/analysis.h"

#define POOL_PA   0x100000ull
#define CODE_PA   0x200000ull
#define BLOCK_PA  0x400000ull
#define OTHER_PA  0x600000ull
#define CODE_VA   0x40000000ull
#define BLOCK_VA  0x40400000ull   /* a 2 MiB block */
#define TABLE_VA  0x40800000ull   /* alias of the table pool */

enum Variant { TEXTBOOK, DIRECT, DIRECT_NEW_OA, NO_DSB };

static const char *writer(enum Variant v)
{
	switch (v) {
	case TEXTBOOK:
		return "	mov x9, #30\n1: subs x9, x9, #1\n b.ne 1b\n"
		       "	str xzr, [x1]\n dsb ish\n tlbi vaae1is, x3\n dsb ish\n"
		       "	nop\n nop\n nop\n nop\n"
		       "	str x2, [x1]\n dsb ish\n isb\n hlt #0\n";
	case DIRECT:
	case DIRECT_NEW_OA:
		return "	mov x9, #30\n1: subs x9, x9, #1\n b.ne 1b\n"
		       "	str x2, [x1]\n dsb ishst\n"
		       "	mov x9, #30\n2: subs x9, x9, #1\n b.ne 2b\n"
		       "	tlbi vaae1is, x3\n dsb ish\n isb\n hlt #0\n";
	case NO_DSB:
		return "	str xzr, [x1]\n dsb ish\n tlbi vaae1is, x3\n str x2, [x1]\n hlt #0\n";
	}
	return "";
}

static const char *reader =
	"	adr x10, vectors\n msr vbar_el1, x10\n mov x5, #0\n"
	"1:	ldr x0, [x4]\n add x5, x5, #1\n cmp x5, #120\n b.ne 1b\n hlt #0\n"
	"	.balign 2048\nvectors:\n .skip 0x200\n eret\n";

static uint64_t rd(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }

static Analysis *run(enum Variant v, BbmLevel level)
{
	MachineConfig c;
	char err[256];
	PtBuilder b;
	uint64_t root, pte;

	machine_config_default(&c);
	c.npes = 2;
	c.mem_size = 64ull << 20;
	c.level = level;
	Machine *m = machine_new(&c, err, sizeof(err));
	e2e_builder(m, &b, POOL_PA, 0x40000);
	CHECK(pt_alloc_table(&b, &root));
	CHECK(pt_alloc_table(&b, &pte));
	e2e_map(&b, root, CODE_VA, CODE_PA, 0x2000, 3, E2E_ATTR_CODE);
	e2e_map(&b, root, BLOCK_VA, BLOCK_PA, 0x200000, 2, E2E_ATTR_RW);
	e2e_map(&b, root, TABLE_VA, POOL_PA, 0x40000, 3, E2E_ATTR_RW);
	uint64_t pmd = pt_desc_addr(&b, root, 0, BLOCK_VA, 2);
	uint64_t oa = v == DIRECT_NEW_OA ? OTHER_PA : BLOCK_PA;
	/* The spare PTE table: 512 pages mapping the same (or another) 2 MiB. */
	for (unsigned i = 0; i < 512; i++)
		machine_phys_write64(m, pte + i * 8, (oa + i * 0x1000) | E2E_ATTR_RW | DESC_VALID | DESC_TABLE);
	e2e_load(m, writer(v), CODE_VA, CODE_PA);
	e2e_load(m, reader, CODE_VA + 0x1000, CODE_PA + 0x1000);

	PeInit p0 = e2e_pe(CODE_VA, root), p1 = e2e_pe(CODE_VA + 0x1000, root);
	p0.x[1] = TABLE_VA + (pmd - POOL_PA);
	p0.x[2] = (v == TEXTBOOK || v == NO_DSB) ? (BLOCK_PA | E2E_ATTR_RW | DESC_VALID)
						 : (pte | DESC_VALID | DESC_TABLE);
	p0.x[3] = BLOCK_VA >> 12;
	p1.x[4] = BLOCK_VA + 0x1230;
	CHECK(machine_pe_init(m, 0, &p0, err, sizeof(err)));
	CHECK(machine_pe_init(m, 1, &p1, err, sizeof(err)));
	AnalysisPe ap[2] = { { p0.regs, level, true }, { p1.regs, level, true } };
	BbmKnobs k = bbm_knobs_default;
	Analysis *a = analysis_new(ap, 2, &k, rd, m);
	machine_set_event_fn(m, analysis_event, a);
	machine_run(m);
	analysis_finish(a, machine_tick(m));
	if (getenv("ANALYSIS_DUMP")) {
		const Window *w;
		size_t n = analysis_windows(a, &w);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "v%d L%s PE%d %s %s va=%llx+%llx [%llu,%llu] acc=%llu flt=%llu %s | %s\n",
				v, bbm_level_name(level), w[i].pe, window_kind_name(w[i].kind),
				severity_name(w[i].severity), (unsigned long long)w[i].va,
				(unsigned long long)w[i].size, (unsigned long long)w[i].open_tick,
				(unsigned long long)w[i].close_tick, (unsigned long long)w[i].accesses,
				(unsigned long long)w[i].faults, w[i].why, w[i].closed_by);
	}
	machine_free(m);
	return a;
}

int main(void)
{
	for (int l = 0; l < BBM_LEVEL_COUNT; l++) {
		Analysis *a = run(TEXTBOOK, (BbmLevel)l);
		CHECK(analysis_count(a, WIN_TRANSLATION_FAULT, SEV_FAULT_POSSIBLE, 1) >= 1);
		CHECK_EQ(analysis_count(a, WIN_TLB_CONFLICT, -1, -1), 0);
		CHECK_EQ(analysis_count(a, WIN_STALE, -1, -1), 0);
		const Window *w;
		size_t n = analysis_windows(a, &w);
		for (size_t i = 0; i < n; i++) {
			CHECK(w[i].close_tick != ~0ull);
			CHECK_EQ(w[i].cause.pe, 0);
			CHECK_EQ(w[i].cause.val, 0);
			CHECK_EQ(w[i].va, BLOCK_VA);
			CHECK_EQ(w[i].size, 0x200000);
		}
		const Violation *v;
		CHECK_EQ(analysis_violations(a, &v), 0);
		analysis_free(a);
	}

	static const Severity direct_sev[BBM_LEVEL_COUNT] = {
		SEV_VIOLATION, SEV_VIOLATION, SEV_ABORT_POSSIBLE, SEV_BENIGN };
	for (int l = 0; l < BBM_LEVEL_COUNT; l++) {
		Analysis *a = run(DIRECT, (BbmLevel)l);
		CHECK_EQ(analysis_count(a, WIN_TLB_CONFLICT, direct_sev[l], 1), 1);
		CHECK_EQ(analysis_count(a, WIN_TLB_CONFLICT, -1, 1), 1);
		CHECK_EQ(analysis_count(a, WIN_TRANSLATION_FAULT, -1, -1), 0);
		const Window *w;
		size_t n = analysis_windows(a, &w);
		for (size_t i = 0; i < n; i++)
			if (w[i].kind == WIN_TLB_CONFLICT && w[i].pe == 1) {
				CHECK(w[i].close_tick != ~0ull);       /* the final TLBI closes it */
				CHECK(w[i].accesses > 0);              /* the reader was inside */
				CHECK(strstr(w[i].why, "size") != NULL);
			}
		analysis_free(a);

		a = run(DIRECT_NEW_OA, (BbmLevel)l);
		CHECK_EQ(analysis_count(a, WIN_TLB_CONFLICT, SEV_VIOLATION, 1), 1);
		analysis_free(a);
	}

	Analysis *a = run(NO_DSB, BBM_L0);
	const Violation *v;
	size_t nv = analysis_violations(a, &v);
	CHECK_EQ(nv, 1);
	if (nv)
		CHECK(!strcmp(v[0].rule, "RYNJCP"));
	analysis_free(a);

	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
