/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kernel.h - the small part of arm64 Linux that the functions in this
 * directory use, written for bbmsim (docs/kernel-code.md): types, barriers,
 * system registers, TLB maintenance, the linear map, descriptor bits and
 * the page-table helpers, with the kernel's names so that the functions
 * read as they do in arch/arm64/mm. Written from the architecture and the
 * kernel's documented behaviour, not copied.
 *
 * The platform comes from the scenario's cflags: PHYS_OFFSET (the first PA
 * of RAM, mapped at PAGE_OFFSET), RAM_SIZE, KIMAGE_VOFFSET (kernel image
 * VA - PA) and NR_CPUS. The scenario's own names (trees such as
 * swapper_pg_dir, symbols such as _stext) are absolute link-time symbols.
 */
#ifndef BBMSIM_KERNEL_H
#define BBMSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PHYS_OFFSET
#error "PHYS_OFFSET (the first PA of the linear map) must come from the scenario's cflags"
#endif
#ifndef KIMAGE_VOFFSET
#error "KIMAGE_VOFFSET (kernel image VA - PA) must come from the scenario's cflags"
#endif
#ifndef RAM_SIZE
#error "RAM_SIZE (the bytes of the linear map) must come from the scenario's cflags"
#endif
#ifndef NR_CPUS
#error "NR_CPUS must come from the scenario's cflags"
#endif

typedef uint32_t u32;
typedef uint64_t u64;
typedef u64 phys_addr_t;
typedef u64 pteval_t;

#define __always_inline inline __attribute__((always_inline))
#define noinline __attribute__((noinline))
#define unlikely(x) __builtin_expect(!!(x), 0)

/* --- memory layout (48-bit VAs, 4 KiB pages, four levels) ------------------------- */

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1UL << PAGE_SHIFT)
#define PMD_SHIFT       21
#define PMD_SIZE        (1UL << PMD_SHIFT)
#define PUD_SHIFT       30
#define PUD_SIZE        (1UL << PUD_SHIFT)
#define PGDIR_SHIFT     39
#define PGDIR_SIZE      (1UL << PGDIR_SHIFT)
#define PTRS_PER_TABLE  512
#define CONT_PTES       16
#define CONT_PTE_SIZE   (CONT_PTES * PAGE_SIZE)
#define CONT_PMDS       16
#define CONT_PMD_SIZE   (CONT_PMDS * PMD_SIZE)

#define PAGE_OFFSET     0xffff000000000000UL     /* -(1 << 48): the linear map */
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))

#define __va(pa)        ((void *)((unsigned long)(pa) - PHYS_OFFSET + PAGE_OFFSET))
#define __pa(va)        ((phys_addr_t)((unsigned long)(va) - PAGE_OFFSET + PHYS_OFFSET))
#define __pa_symbol(x)  ((phys_addr_t)((unsigned long)(x) - KIMAGE_VOFFSET))
#define lm_alias(x)     __va(__pa_symbol(x))

/*
 * The value of a link-time symbol too far from the code for ADRP (a table
 * in the pool, named by the scenario, is at its PA): through a literal.
 */
#define sym_value(sym) ({ unsigned long __v; asm("ldr %0, =" #sym : "=r"(__v)); __v; })

/* --- descriptors (Arm ARM D8.3) -------------------------------------------------- */

#define PTE_VALID       (1UL << 0)
#define PTE_TYPE_MASK   (3UL << 0)
#define PTE_TYPE_PAGE   (3UL << 0)      /* level 3 page */
#define PMD_TYPE_SECT   (1UL << 0)      /* block at level 1 or 2 */
#define PMD_TYPE_TABLE  (3UL << 0)
#define PUD_TYPE_TABLE  (3UL << 0)
#define PTE_RDONLY      (1UL << 7)      /* AP[2] */
#define PTE_AF          (1UL << 10)
#define PTE_NG          (1UL << 11)
#define PTE_WRITE       (1UL << 51)     /* DBM: the kernel's software-managed write permission */
#define PTE_CONT        (1UL << 52)
#define PTE_PXN         (1UL << 53)
#define PTE_UXN         (1UL << 54)
#define PMD_TABLE_PXN   (1UL << 59)     /* PXNTable */
#define PMD_TABLE_UXN   (1UL << 60)     /* UXNTable */
#define PUD_TABLE_PXN   PMD_TABLE_PXN
#define PUD_TABLE_UXN   PMD_TABLE_UXN
#define PTE_ADDR_MASK   0x0000fffffffff000UL

typedef struct { pteval_t pgd; } pgd_t;
typedef struct { pteval_t pud; } pud_t;
typedef struct { pteval_t pmd; } pmd_t;
typedef struct { pteval_t pte; } pte_t;

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* --- barriers, system registers, TLB maintenance ----------------------------------- */

#define dsb(opt)  asm volatile("dsb " #opt : : : "memory")
#define isb()     asm volatile("isb" : : : "memory")
#define sevl()    asm volatile("sevl" : : : "memory")
#define wfe()     asm volatile("wfe" : : : "memory")

#define read_sysreg(r) ({ u64 __v; asm volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(v, r) asm volatile("msr " #r ", %x0" : : "rZ"((u64)(v)) : "memory")

#define TTBR_BADDR_MASK 0x0000fffffffffffeUL

/* The operand of a TLBI by VA: VA[55:12] in bits [43:0], ASID 0, no TTL hint. */
#define __TLBI_VADDR(va) ((((unsigned long)(va)) >> 12) & ((1UL << 44) - 1))
#define __tlbi(op) asm volatile("tlbi " #op : : : "memory")
#define __tlbi_va(op, arg) asm volatile("tlbi " #op ", %0" : : "r"(arg) : "memory")

static __always_inline void local_flush_tlb_all(void)
{
	dsb(nshst);
	__tlbi(vmalle1);
	dsb(nsh);
	isb();
}

static __always_inline void flush_tlb_all(void)
{
	dsb(ishst);
	__tlbi(vmalle1is);
	dsb(ish);
	isb();
}

/* Above this many pages a kernel range flush becomes flush_tlb_all() (MAX_DVM_OPS). */
#define MAX_TLBI_OPS PTRS_PER_TABLE

static inline void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_DOWN(end + PAGE_SIZE - 1, PAGE_SIZE);
	if ((end - start) >> PAGE_SHIFT > MAX_TLBI_OPS) {
		flush_tlb_all();
		return;
	}
	dsb(ishst);
	for (unsigned long va = start; va < end; va += PAGE_SIZE)
		__tlbi_va(vaale1is, __TLBI_VADDR(va));
	dsb(ish);
	isb();
}

/* --- CPUs, per-CPU data, current ------------------------------------------------------ */

/* The kit sets TPIDR_EL1 to this CPU's per-CPU offset (kit.percpu). */
#define this_cpu_ptr(p) ((__typeof__(p))((unsigned long)(p) + read_sysreg(tpidr_el1)))
#define DEFINE_PER_CPU(type, name) __attribute__((section(".data..percpu"))) type name

extern int cpu_number;   /* DEFINE_PER_CPU: each CPU's area holds its own number */
#define smp_processor_id() (READ_ONCE(*this_cpu_ptr(&cpu_number)))
#define num_online_cpus() NR_CPUS

struct mm_struct {
	pgd_t *pgd;
};
extern struct mm_struct init_mm;

/* The kit sets SP_EL0 to this CPU's task area (kit.tasks). */
struct task_struct {
	struct mm_struct *active_mm;
};
#define current ((struct task_struct *)read_sysreg(sp_el0))

/* arm64's BUG(): brk #0x800; bbmsim names the function it stops in. */
#define BUG() asm volatile("brk #0x800")
#define BUG_ON(c) do { if (unlikely(c)) BUG(); } while (0)

/* Load-acquire of a 32-bit word, and the wait of smp_cond_load_acquire(): sleep until it may have changed. */
static __always_inline u32 load_acquire_u32(const u32 *p)
{
	u32 v;
	asm volatile("ldar %w0, %1" : "=r"(v) : "Q"(*p) : "memory");
	return v;
}

static __always_inline void cmpwait_u32(const u32 *p, u32 seen)
{
	u32 tmp;
	asm volatile("sevl\n"
		     "wfe\n"
		     "ldxr %w0, %1\n"
		     "eor %w0, %w0, %w2\n"
		     "cbnz %w0, 1f\n"
		     "wfe\n"
		     "1:"
		     : "=&r"(tmp) : "Q"(*p), "r"(seen) : "memory");
}

/* --- page tables ------------------------------------------------------------------- */

/* The kit's allocator: a zeroed page of the table pool by PA, 0 when none is left. */
extern phys_addr_t kit_pgtable_alloc(void);
#define INVALID_PHYS_ADDR 0

#define pgd_index(a) (((a) >> PGDIR_SHIFT) & (PTRS_PER_TABLE - 1))
#define pud_index(a) (((a) >> PUD_SHIFT) & (PTRS_PER_TABLE - 1))
#define pmd_index(a) (((a) >> PMD_SHIFT) & (PTRS_PER_TABLE - 1))
#define pte_index(a) (((a) >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1))

static inline pgd_t *pgd_offset_k(unsigned long addr)
{
	return init_mm.pgd + pgd_index(addr);
}

static inline pud_t *pud_offset(pgd_t *pgdp, unsigned long addr)
{
	return (pud_t *)__va(READ_ONCE(pgdp->pgd) & PTE_ADDR_MASK) + pud_index(addr);
}

static inline pmd_t *pmd_offset(pud_t *pudp, unsigned long addr)
{
	return (pmd_t *)__va(READ_ONCE(pudp->pud) & PTE_ADDR_MASK) + pmd_index(addr);
}

static inline pte_t *pte_offset_kernel(pmd_t *pmdp, unsigned long addr)
{
	return (pte_t *)__va(READ_ONCE(pmdp->pmd) & PTE_ADDR_MASK) + pte_index(addr);
}

#define pgd_present(v)  ((v).pgd & PTE_VALID)
#define pud_present(v)  ((v).pud & PTE_VALID)
#define pmd_present(v)  ((v).pmd & PTE_VALID)
#define pte_present(v)  ((v).pte & PTE_VALID)
/* A valid descriptor at level 1 or 2 whose bit 1 is clear is a block (a leaf). */
#define pud_leaf(v)     (((v).pud & PTE_TYPE_MASK) == PMD_TYPE_SECT)
#define pmd_leaf(v)     (((v).pmd & PTE_TYPE_MASK) == PMD_TYPE_SECT)
#define pmd_cont(v)     (!!((v).pmd & PTE_CONT))
#define pte_cont(v)     (!!((v).pte & PTE_CONT))

/* The live writes: plain stores (lazy MMU mode: the barriers come later, in one go). */
#define set_pud(p, v)   WRITE_ONCE((p)->pud, (v).pud)
#define set_pmd(p, v)   WRITE_ONCE((p)->pmd, (v).pmd)
#define __set_pte(p, v) WRITE_ONCE((p)->pte, (v).pte)

/* Leaving lazy MMU mode: the deferred barriers of the writes above. */
static __always_inline void emit_pte_barriers(void)
{
	dsb(ishst);
	isb();
}

#endif
