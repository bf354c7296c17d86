// SPDX-License-Identifier: GPL-2.0-only
/*
 * linear_map_split.c - the stop_machine() callback that splits the whole
 * linear map to pages when a secondary CPU lacks BBML2, after
 * linear_map_split_to_ptes() and cpu_install_idmap() in arch/arm64/mm/mmu.c
 * and arch/arm64/include/asm/mmu_context.h (v6.18), written for bbmsim from
 * the algorithm (docs/kernel-code.md). The splits are mmu.c's; the
 * secondaries' wait is proc.S's.
 */
#include "kernel.h"

int range_split_to_ptes(unsigned long start, unsigned long end);   /* mmu.c */

DEFINE_PER_CPU(int, cpu_number);

/* The synchronisation word of the secondaries' idmap wait (proc.S); 1 = CPU 0 alone is in. */
u32 idmap_kpti_bbml2_flag __attribute__((section(".data..idmap"))) = 1;

extern char _stext[], _etext[];     /* the kernel image's text (scenario symbols): its linear alias stays */
extern void wait_linear_map_split_to_ptes(unsigned long inject);   /* proc.S, in .idmap.text */

/*
 * TTBR0 := the idmap with a clean TLB, as cpu_install_idmap() does; and
 * back. The trees idmap_pg_dir and reserved_pg_dir (empty) are the
 * scenario's, in its table pool: their names are their PAs.
 */
static void cpu_set_reserved_ttbr0(void)
{
	write_sysreg(sym_value(reserved_pg_dir), ttbr0_el1);
	isb();
}

static void cpu_install_idmap(void)
{
	cpu_set_reserved_ttbr0();
	local_flush_tlb_all();
	write_sysreg(sym_value(idmap_pg_dir), ttbr0_el1);
	isb();
}

static void cpu_uninstall_idmap(void)
{
	struct mm_struct *mm = current->active_mm;

	cpu_set_reserved_ttbr0();
	local_flush_tlb_all();
	/* A kernel thread (stop_machine's) runs on init_mm, which has no user half. */
	BUG_ON(mm != &init_mm);
}

/*
 * Runs on every CPU inside stop_machine(). CPU 0, the one CPU known to have
 * BBML2 without conflict aborts, waits until every other CPU is parked on
 * the idmap, splits the whole linear map (but the kernel image's alias) to
 * pages, flushes the TLB and releases them. @arg: bugs to inject in the
 * secondaries' wait (proc.S; 0 in the kernel).
 */
int linear_map_split_to_ptes(void *arg)
{
	if (!smp_processor_id()) {
		unsigned long lstart = PAGE_OFFSET;
		unsigned long lend = (unsigned long)__va(PHYS_OFFSET + RAM_SIZE);
		unsigned long kstart = (unsigned long)lm_alias(_stext);
		unsigned long kend = (unsigned long)lm_alias(_etext);

		init_mm.pgd = __va(read_sysreg(ttbr1_el1) & TTBR_BADDR_MASK);
		/* smp_cond_load_acquire(&flag, VAL == num_online_cpus()) */
		for (u32 seen; (seen = load_acquire_u32(&idmap_kpti_bbml2_flag)) != num_online_cpus();)
			cmpwait_u32(&idmap_kpti_bbml2_flag, seen);

		range_split_to_ptes(lstart, kstart);
		range_split_to_ptes(kend, lend);
		flush_tlb_kernel_range(lstart, lend);
		/* The DSB of the flush orders every split before the release. */
		WRITE_ONCE(idmap_kpti_bbml2_flag, 0);
	} else {
		void (*wait_fn)(unsigned long) = (void (*)(unsigned long))__pa_symbol(wait_linear_map_split_to_ptes);

		cpu_install_idmap();
		wait_fn((unsigned long)arg);
		cpu_uninstall_idmap();
	}
	return 0;
}
