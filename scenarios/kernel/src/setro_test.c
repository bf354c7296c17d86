// SPDX-License-Identifier: GPL-2.0-only
/*
 * setro_test.c - the threads of scenarios/kernel/set-memory-ro-live.yaml:
 * CPU 0 calls set_memory_ro() on a few pages of the linear map once the
 * readers are running, while the readers keep loading from the linear map
 * (in the pages made read-only, next to them, and elsewhere) until it is
 * done. Test harness, not kernel code.
 */
#include "kernel.h"

int set_memory_ro(unsigned long addr, int numpages);   /* pageattr.c */

static u32 readers_in;      /* readers that have loaded once: they hold the linear map's block */
static u32 done;

int setro_main(unsigned long addr, int numpages, u32 nreaders)
{
	init_mm.pgd = __va(read_sysreg(ttbr1_el1) & TTBR_BADDR_MASK);
	for (u32 seen; (seen = load_acquire_u32(&readers_in)) != nreaders;)
		cmpwait_u32(&readers_in, seen);
	int ret = set_memory_ro(addr, numpages);
	WRITE_ONCE(done, 1);
	return ret;
}

/* Load the words at @a, @b and @c until CPU 0 is done; returns how many rounds ran. */
unsigned long reader_main(const unsigned long *a, const unsigned long *b, const unsigned long *c)
{
	unsigned long rounds = 0, sum = 0;

	do {
		sum += READ_ONCE(*a) + READ_ONCE(*b) + READ_ONCE(*c);
		if (!rounds)
			__atomic_fetch_add(&readers_in, 1, __ATOMIC_RELEASE);
		rounds++;
	} while (!READ_ONCE(done));
	return rounds + (sum & 0);
}
