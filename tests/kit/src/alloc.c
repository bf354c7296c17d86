// SPDX-License-Identifier: GPL-2.0-only
/*
 * alloc.c - kit_pgtable_alloc() (tests/kit/alloc.yaml): it hands out the
 * table pool pages reserved by kit.pgtables, one after the other, each
 * zeroed (here: the first one is dirtied before it is handed out), by PA,
 * and 0 once they are gone. The result is a bit mask of the checks that
 * held, and the four results are stored at @out.
 */
#define PAGE_SIZE 4096UL
#define __va(pa) ((unsigned long *)((pa) + PAGE_OFFSET - PHYS_OFFSET))   /* -D from cflags */

extern unsigned long kit_pgtable_alloc(void);
extern unsigned long kit_pgtable_next[];     /* the PA the next call hands out */

static int zeroed(unsigned long pa)
{
	const volatile unsigned long *p = __va(pa);
	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
		if (p[i])
			return 0;
	return 1;
}

unsigned long alloc_main(unsigned long *out)
{
	unsigned long next = kit_pgtable_next[0], ok = 0;
	volatile unsigned long *dirty = __va(next);

	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
		dirty[i] = 0xdead0000 + i;
	unsigned long a = kit_pgtable_alloc();
	unsigned long b = kit_pgtable_alloc();
	unsigned long c = kit_pgtable_alloc();
	unsigned long d = kit_pgtable_alloc();
	out[0] = a;
	out[1] = b;
	out[2] = c;
	out[3] = d;
	if (a == next)
		ok |= 1;
	if (zeroed(a))
		ok |= 2;
	if (b == a + PAGE_SIZE && c == b + PAGE_SIZE)
		ok |= 4;
	if (zeroed(b) && zeroed(c))
		ok |= 8;
	if (d == 0)
		ok |= 16;
	return ok;
}
