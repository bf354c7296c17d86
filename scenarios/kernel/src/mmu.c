// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmu.c - splitting live linear-map blocks, after arch/arm64/mm/mmu.c
 * (v6.18: split_pud, split_pmd, split_contpmd, split_contpte,
 * split_kernel_leaf_mapping and the range walk of range_split_to_ptes),
 * written for bbmsim from the algorithm (docs/kernel-code.md); the
 * stop_machine() callback that uses them is in linear_map_split.c. Every write here is to a live
 * entry of the tables the CPU itself runs on, with no break and no TLBI:
 * legal only on a CPU with BBML2 that never raises a TLB conflict abort.
 *
 *  - A block is split by filling a new table with entries covering the same
 *    memory with the same attributes (optionally with the contiguous hint,
 *    as the permission-change path asks for), publishing them with DSB
 *    ISHST, and only then overwriting the block with the table descriptor.
 *  - A contiguous run is split by clearing PTE_CONT on each of its 16
 *    entries in place.
 *  - The barriers of the writes themselves are deferred (lazy MMU mode) and
 *    issued once at the end; the caller flushes the TLB.
 */
#include "kernel.h"

struct mm_struct init_mm;

/* Callers of the splits below make each failure fatal, as the kernel does. */
static phys_addr_t split_pgtable_alloc(void)
{
	phys_addr_t pa = kit_pgtable_alloc();
	BUG_ON(pa == INVALID_PHYS_ADDR);
	return pa;
}

/* A block or page entry's attributes: everything but the output address and the type. */
static inline pteval_t leaf_prot(pteval_t v)
{
	return v & ~(PTE_ADDR_MASK | PTE_TYPE_MASK);
}

/* One PUD block (1 GiB) into 512 PMD blocks (2 MiB), contiguous when @to_cont. */
static void split_pud(pud_t *pudp, pud_t pud, bool to_cont)
{
	pteval_t tableprot = PUD_TYPE_TABLE | PUD_TABLE_UXN;
	pteval_t prot = leaf_prot(pud.pud) | PMD_TYPE_SECT;
	phys_addr_t oa = pud.pud & PTE_ADDR_MASK & ~(PUD_SIZE - 1);
	phys_addr_t table = split_pgtable_alloc();
	pmd_t *pmdp = __va(table);

	if (prot & PTE_PXN)
		tableprot |= PUD_TABLE_PXN;
	if (to_cont)
		prot |= PTE_CONT;
	for (int i = 0; i < PTRS_PER_TABLE; i++, oa += PMD_SIZE)
		set_pmd(&pmdp[i], ((pmd_t){ oa | prot }));
	/* The walker must see the new entries no later than the table descriptor. */
	dsb(ishst);
	set_pud(pudp, ((pud_t){ table | tableprot }));
}

/* One PMD block (2 MiB) into 512 pages, contiguous in runs of 16 when @to_cont. */
static void split_pmd(pmd_t *pmdp, pmd_t pmd, bool to_cont)
{
	pteval_t tableprot = PMD_TYPE_TABLE | PMD_TABLE_UXN;
	pteval_t prot = leaf_prot(pmd.pmd);
	phys_addr_t oa = pmd.pmd & PTE_ADDR_MASK & ~(PMD_SIZE - 1);
	phys_addr_t table = split_pgtable_alloc();
	pte_t *ptep = __va(table);

	if (prot & PTE_PXN)
		tableprot |= PMD_TABLE_PXN;
	/* The block may have been part of a contiguous run: its pages are not, unless asked. */
	prot = (prot & ~PTE_CONT) | PTE_TYPE_PAGE;
	if (to_cont)
		prot |= PTE_CONT;
	for (int i = 0; i < PTRS_PER_TABLE; i++, oa += PAGE_SIZE)
		__set_pte(&ptep[i], ((pte_t){ oa | prot }));
	dsb(ishst);
	set_pmd(pmdp, ((pmd_t){ table | tableprot }));
}

/* Clear the contiguous hint on the 16 PMD blocks of the run holding @pmdp. */
static void split_contpmd(pmd_t *pmdp)
{
	pmd_t *first = (pmd_t *)ALIGN_DOWN((unsigned long)pmdp, CONT_PMDS * sizeof(pmd_t));

	for (int i = 0; i < CONT_PMDS; i++)
		set_pmd(&first[i], ((pmd_t){ READ_ONCE(first[i].pmd) & ~PTE_CONT }));
}

/* Clear the contiguous hint on the 16 pages of the run holding @ptep. */
static void split_contpte(pte_t *ptep)
{
	pte_t *first = (pte_t *)ALIGN_DOWN((unsigned long)ptep, CONT_PTES * sizeof(pte_t));

	for (int i = 0; i < CONT_PTES; i++)
		__set_pte(&first[i], ((pte_t){ READ_ONCE(first[i].pte) & ~PTE_CONT }));
}

/* --- the permission-change path: split only around one address ----------------------- */

/*
 * Make @addr the first byte of a leaf: split the PUD block, the contiguous
 * PMD run, the PMD block and the contiguous PTE run that hold it, each only
 * if @addr is not already at its start.
 */
static void split_kernel_leaf_mapping_locked(unsigned long addr)
{
	pgd_t *pgdp = pgd_offset_k(addr);
	pud_t *pudp;
	pmd_t *pmdp;
	pte_t *ptep;

	if (ALIGN_DOWN(addr, PGDIR_SIZE) == addr || !pgd_present(READ_ONCE(*pgdp)))
		return;
	pudp = pud_offset(pgdp, addr);
	if (ALIGN_DOWN(addr, PUD_SIZE) == addr)
		return;
	pud_t pud = READ_ONCE(*pudp);
	if (!pud_present(pud))
		return;
	if (pud_leaf(pud))
		split_pud(pudp, pud, true);

	if (ALIGN_DOWN(addr, CONT_PMD_SIZE) == addr)
		return;
	pmdp = pmd_offset(pudp, addr);
	pmd_t pmd = READ_ONCE(*pmdp);
	if (!pmd_present(pmd))
		return;
	if (pmd_leaf(pmd)) {
		if (pmd_cont(pmd))
			split_contpmd(pmdp);
		if (ALIGN_DOWN(addr, PMD_SIZE) == addr)
			return;
		split_pmd(pmdp, pmd, true);
	}

	if (ALIGN_DOWN(addr, CONT_PTE_SIZE) == addr)
		return;
	ptep = pte_offset_kernel(pmdp, addr);
	pte_t pte = READ_ONCE(*ptep);
	if (!pte_present(pte))
		return;
	if (pte_cont(pte))
		split_contpte(ptep);
}

/* [start, end) becomes mapped by leaves that start and end exactly there. */
int split_kernel_leaf_mapping(unsigned long start, unsigned long end)
{
	BUG_ON((start | end) & (PAGE_SIZE - 1));
	/* A single page needs only its less aligned boundary split (the other is a boundary already). */
	if (end - start == PAGE_SIZE) {
		split_kernel_leaf_mapping_locked(__builtin_ctzl(start) < __builtin_ctzl(end) ? start : end);
	} else {
		split_kernel_leaf_mapping_locked(start);
		split_kernel_leaf_mapping_locked(end);
	}
	emit_pte_barriers();
	return 0;
}

/* --- the stop_machine() path: every leaf of a range down to pages ---------------------- */

static void split_ptes(pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	pte_t *ptep = pte_offset_kernel(pmdp, addr);

	for (; addr < end; addr += PAGE_SIZE, ptep++) {
		pte_t pte = READ_ONCE(*ptep);
		if (pte_present(pte) && pte_cont(pte))
			split_contpte(ptep);
	}
}

static void split_pmds(pud_t *pudp, unsigned long addr, unsigned long end)
{
	pmd_t *pmdp = pmd_offset(pudp, addr);

	while (addr < end) {
		unsigned long next = ALIGN_DOWN(addr, PMD_SIZE) + PMD_SIZE;
		pmd_t pmd = READ_ONCE(*pmdp);

		if (next > end || next < addr)
			next = end;
		if (pmd_present(pmd)) {
			if (pmd_leaf(pmd)) {
				if (pmd_cont(pmd))
					split_contpmd(pmdp);
				/* Straight to pages: none of them is contiguous, no need to visit them. */
				split_pmd(pmdp, pmd, false);
			} else {
				split_ptes(pmdp, addr, next);
			}
		}
		addr = next;
		pmdp++;
	}
}

static void split_puds(pgd_t *pgdp, unsigned long addr, unsigned long end)
{
	pud_t *pudp = pud_offset(pgdp, addr);

	while (addr < end) {
		unsigned long next = ALIGN_DOWN(addr, PUD_SIZE) + PUD_SIZE;
		pud_t pud = READ_ONCE(*pudp);

		if (next > end || next < addr)
			next = end;
		if (pud_present(pud)) {
			if (pud_leaf(pud))
				split_pud(pudp, pud, false);
			/* The block is a table now: go on down into it. */
			split_pmds(pudp, addr, next);
		}
		addr = next;
		pudp++;
	}
}

/* Every leaf mapping [start, end) of the kernel's tables becomes a page. */
int range_split_to_ptes(unsigned long start, unsigned long end)
{
	while (start < end) {
		unsigned long next = ALIGN_DOWN(start, PGDIR_SIZE) + PGDIR_SIZE;
		pgd_t *pgdp = pgd_offset_k(start);

		if (next > end || next < start)
			next = end;
		if (pgd_present(READ_ONCE(*pgdp)))
			split_puds(pgdp, start, next);
		start = next;
	}
	emit_pte_barriers();
	return 0;
}
