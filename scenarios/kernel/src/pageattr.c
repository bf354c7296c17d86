// SPDX-License-Identifier: GPL-2.0-only
/*
 * pageattr.c - set_memory_ro() on the linear map, after
 * arch/arm64/mm/pageattr.c (v6.18: __change_memory_common,
 * update_range_prot and the pageattr walk), written for bbmsim from the
 * algorithm (docs/kernel-code.md). On a system whose CPUs all have BBML2
 * without conflict aborts the linear map keeps its large blocks, and a
 * permission change first splits them live (split_kernel_leaf_mapping(),
 * mmu.c), then rewrites the permission bits of the leaves in place, then
 * flushes the TLB for the range only: the old large entries of the rest of
 * the block may linger in the TLBs, which only BBML2-noabort allows.
 *
 * Simplified: the address must be in the linear map (the kernel also looks
 * up vmalloc areas and their aliases).
 */
#include "kernel.h"

int split_kernel_leaf_mapping(unsigned long start, unsigned long end);   /* mmu.c */

struct prot_change {
	pteval_t set, clear;
};

static inline pteval_t change_prot(pteval_t v, const struct prot_change *c)
{
	return (v & ~c->clear) | c->set;
}

/* Rewrite, in place, the permission bits of every leaf mapping [addr, end). */
static void pageattr_range(unsigned long addr, unsigned long end, const struct prot_change *c)
{
	while (addr < end) {
		pgd_t *pgdp = pgd_offset_k(addr);
		pud_t *pudp;
		pmd_t *pmdp;
		pte_t *ptep;

		BUG_ON(!pgd_present(READ_ONCE(*pgdp)));
		pudp = pud_offset(pgdp, addr);
		pud_t pud = READ_ONCE(*pudp);
		BUG_ON(!pud_present(pud));
		if (pud_leaf(pud)) {
			/* The split left a block only if the range covers it whole. */
			BUG_ON(ALIGN_DOWN(addr, PUD_SIZE) != addr || end - addr < PUD_SIZE);
			set_pud(pudp, ((pud_t){ change_prot(pud.pud, c) }));
			addr += PUD_SIZE;
			continue;
		}
		pmdp = pmd_offset(pudp, addr);
		pmd_t pmd = READ_ONCE(*pmdp);
		BUG_ON(!pmd_present(pmd));
		if (pmd_leaf(pmd)) {
			BUG_ON(ALIGN_DOWN(addr, PMD_SIZE) != addr || end - addr < PMD_SIZE);
			set_pmd(pmdp, ((pmd_t){ change_prot(pmd.pmd, c) }));
			addr += PMD_SIZE;
			continue;
		}
		ptep = pte_offset_kernel(pmdp, addr);
		pte_t pte = READ_ONCE(*ptep);
		BUG_ON(!pte_present(pte));
		__set_pte(ptep, ((pte_t){ change_prot(pte.pte, c) }));
		addr += PAGE_SIZE;
	}
}

static int update_range_prot(unsigned long start, unsigned long size, pteval_t set, pteval_t clear)
{
	struct prot_change c = { .set = set, .clear = clear };
	int ret = split_kernel_leaf_mapping(start, start + size);

	if (ret)
		return ret;
	pageattr_range(start, start + size, &c);
	emit_pte_barriers();
	return 0;
}

static int __change_memory_common(unsigned long start, unsigned long size, pteval_t set, pteval_t clear)
{
	int ret = update_range_prot(start, size, set, clear);

	/* Making an entry valid and nothing else needs no TLBI: an invalid entry is never cached. */
	if (set != PTE_VALID || clear)
		flush_tlb_kernel_range(start, start + size);
	return ret;
}

int set_memory_ro(unsigned long addr, int numpages)
{
	BUG_ON(addr < PAGE_OFFSET || addr & (PAGE_SIZE - 1));
	return __change_memory_common(addr, (unsigned long)numpages * PAGE_SIZE, PTE_RDONLY, PTE_WRITE);
}
